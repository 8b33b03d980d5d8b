// mh3_internal.h — data structures shared by the allocator and the owner-stash pop.
#ifndef MH3_INTERNAL_H
#define MH3_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "mh3_config.h"

#define MH3_SPAN_SHIFT 16u                       // 64 KiB spans, aligned to their size
#define MH3_SPAN_SIZE (1u << MH3_SPAN_SHIFT)
#define MH3_SPAN_HDR 128u                        // objects start after the span header
#define MH3_NCLASS 16u
#define MH3_MAX_SMALL 2048u
#define MH3_CACHELINE 64

struct mh3_heap;

// Span header: first bytes of every span. Fields after `owner` are owner-only unless noted.
struct mh3_span {
    struct mh3_heap *owner;
    uint32_t sc;
    uint32_t obj_size;
    char *bump;                                  // next never-used object
    char *end;
#if HZ3_S89_SPAN_RETURN_COUNT
    uint64_t remote_returned;                    // objects the owner took back from remote frees
#endif
#if HZ3_S121_PAGE_LOCAL_REMOTE
    _Alignas(MH3_CACHELINE) _Atomic(uintptr_t) remote_head;   // raw pointer to the newest freed object
    struct mh3_span *pending_next;               // link in owner->pending[sc]; written by the queuer
#endif
};

struct mh3_bin {
    void *head;                                  // encoded links, see mh3_inline.h
    uint32_t count;
};

// S45: a remote batch being assembled by the freeing thread.
struct mh3_outbox {
    void *head;
    void *tail;
    uint32_t n;
#if HZ3_S121_PAGE_LOCAL_REMOTE
    struct mh3_span *span;                       // S121 batches never mix spans
#endif
};

#if HZ3_S77_STATS
struct mh3_pop_stats {
    uint64_t pop_calls;
    uint64_t empty_pops;
    uint64_t drained;
    uint64_t spilled;
    uint64_t spill_served;
    uint64_t foreign;
    uint64_t poison_bad;
#if HZ3_S118_DRAIN_BUDGET > 0
    uint64_t given_back;
#endif
#if HZ3_S154_PF_STATS
    uint64_t prefetches;
#endif
#if HZ3_S121_PAGE_LOCAL_REMOTE
    uint64_t spans_drained;
#endif
};
#endif

#if HZ3_S60_POP_TRACE
#define MH3_POP_TRACE_LEN 256u
struct mh3_pop_trace {
    uint8_t sc;
    uint8_t nparts;
    uint16_t moved;
    uint32_t spilled;
};
#endif

struct mh3_heap {
    // Read by remote freers: its own line, never written after creation.
    _Alignas(MH3_CACHELINE) uintptr_t cookie;    // S140 link cookie (0 when S140 is off)
    uint32_t id;
    // Owner-only.
    _Alignas(MH3_CACHELINE) struct mh3_bin bins[MH3_NCLASS];
    struct mh3_span *cur_span[MH3_NCLASS];
#if HZ3_S95_S94_SHARD_ROTATE
    uint32_t shard_rot;
#endif
#if HZ3_S170_REFILL_HINT
    uint32_t refill_hint[MH3_NCLASS];
#endif
#if HZ3_S48_OWNER_STASH_SPILL
    struct mh3_bin spill[MH3_NCLASS];
#elif HZ3_S67_SPILL_ARRAY2
    uint32_t spill_n[MH3_NCLASS];
    void *spill_arr[MH3_NCLASS][HZ3_S67_ARRAY_CAP];
#endif
#if HZ3_S77_STATS
    struct mh3_pop_stats stats;
#endif
#if HZ3_S60_POP_TRACE
    uint32_t trace_pos;
    struct mh3_pop_trace trace[MH3_POP_TRACE_LEN];
#endif
    // Written by other threads: keep away from the owner-only fields above.
#if HZ3_S121_PAGE_LOCAL_REMOTE
    _Alignas(MH3_CACHELINE) _Atomic(struct mh3_span *) pending[MH3_NCLASS];
#else
    _Alignas(MH3_CACHELINE) _Atomic(uintptr_t) stash[HZ3_NUM_SHARDS][MH3_NCLASS];
#endif
#if HZ3_S45_REMOTE_BATCH
    _Alignas(MH3_CACHELINE) struct mh3_outbox outbox[HZ3_MAX_HEAPS][MH3_NCLASS];   // owner-only (sender side)
#endif
};

extern uintptr_t mh3_arena_base;
extern uintptr_t mh3_arena_limit;
extern const uint32_t mh3_class_size[MH3_NCLASS];

void *mh3_owner_stash_pop(struct mh3_heap *h, uint32_t sc);

// Push the chain head..tail (links in `owner`'s encoding) of class sc to `owner`: onto stash shard `shard`,
// or, with S121, onto span `sp`, queueing the span if it had no pending frees.
void mh3_publish_chain(struct mh3_heap *owner, struct mh3_span *sp, uint32_t shard, uint32_t sc, void *head,
                       void *tail);

#endif // MH3_INTERNAL_H
