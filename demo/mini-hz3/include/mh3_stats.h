// mh3_stats.h — S77 statistics report. With S77_STATS_DUMP off, src/mh3_stats.c compiles to nothing and the
// static inline stubs below stand in for it.
#ifndef MH3_STATS_H
#define MH3_STATS_H

#include "mh3_config.h"

#if HZ3_S77_STATS && HZ3_S77_STATS_DUMP
void mh3_stats_dump(void);
#else
static inline void mh3_stats_dump(void) {}
#endif

#endif // MH3_STATS_H
