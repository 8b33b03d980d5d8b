// mh3_stats.c — prints the S77 pop counters of every heap (S77_STATS_DUMP).
#include "mh3_config.h"

#if HZ3_S77_STATS && HZ3_S77_STATS_DUMP
#include <stdio.h>

#include "mh3_internal.h"
#include "mh3_stats.h"

extern struct mh3_heap mh3_heaps[HZ3_MAX_HEAPS];
extern _Atomic uint32_t mh3_heap_count;

void mh3_stats_dump(void)
{
    uint32_t n = atomic_load(&mh3_heap_count);
    for (uint32_t i = 0; i < n; i++) {
        const struct mh3_pop_stats *st = &mh3_heaps[i].stats;
        fprintf(stderr,
                "mh3 heap %u: pops=%llu empty=%llu drained=%llu spilled=%llu spill_served=%llu foreign=%llu "
                "poison_bad=%llu\n",
                i, (unsigned long long)st->pop_calls, (unsigned long long)st->empty_pops,
                (unsigned long long)st->drained, (unsigned long long)st->spilled,
                (unsigned long long)st->spill_served, (unsigned long long)st->foreign,
                (unsigned long long)st->poison_bad);
    }
}
#else
// Nothing to build: mh3_stats.h supplies a static inline stub.
typedef int mh3_stats_unused_translation_unit;
#endif
