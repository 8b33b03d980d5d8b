// mh3_alloc.c — mini-hz3: per-thread heaps, size classes, 64 KiB spans owned by one heap, and remote frees
// pushed onto the owner's stash (or, with S121, onto the object's span).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mh3.h"
#include "mh3_config.h"
#include "mh3_inline.h"
#include "mh3_internal.h"
#include "mh3_stats.h"

const uint32_t mh3_class_size[MH3_NCLASS] = {16,  32,  48,  64,  80,  96,  112,  128,
                                             160, 192, 224, 256, 384, 512, 1024, 2048};

uintptr_t mh3_arena_base;
uintptr_t mh3_arena_limit;
static _Atomic uintptr_t arena_next;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

struct mh3_heap mh3_heaps[HZ3_MAX_HEAPS];
_Atomic uint32_t mh3_heap_count;
static _Thread_local struct mh3_heap *tl_heap;

static void arena_init(void)
{
    const size_t bytes = (size_t)HZ3_ARENA_BYTES;
    char *p = mmap(NULL, bytes + MH3_SPAN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        perror("mini-hz3: arena mmap");
        abort();
    }
    uintptr_t b = ((uintptr_t)p + MH3_SPAN_SIZE - 1) & ~(uintptr_t)(MH3_SPAN_SIZE - 1);
    mh3_arena_base = b;
    mh3_arena_limit = b + bytes;
    atomic_store(&arena_next, b);
#if HZ3_S77_STATS_DUMP
    atexit(mh3_stats_dump);
#endif
}

static struct mh3_heap *heap_create(void)
{
    pthread_once(&arena_once, arena_init);
    uint32_t id = atomic_fetch_add(&mh3_heap_count, 1);
    if (id >= HZ3_MAX_HEAPS) {
        fprintf(stderr, "mini-hz3: more than %d threads\n", HZ3_MAX_HEAPS);
        abort();
    }
    struct mh3_heap *h = &mh3_heaps[id];
    h->id = id;
#if HZ3_S140_PTAG_ENCODE
    // Any per-heap constant works; this one mixes the id so that two heaps never share a cookie.
    h->cookie = (uintptr_t)(0x9E3779B97F4A7C15ull * (id + 1)) | 1u;
#endif
    tl_heap = h;
    return h;
}

static inline struct mh3_heap *heap_get(void)
{
    struct mh3_heap *h = tl_heap;
    return MH3_LIKELY(h != NULL) ? h : heap_create();
}

static struct mh3_span *span_new(struct mh3_heap *h, uint32_t sc)
{
    uintptr_t s = atomic_fetch_add(&arena_next, MH3_SPAN_SIZE);
    if (s + MH3_SPAN_SIZE > mh3_arena_limit)
        return NULL;
    struct mh3_span *sp = (struct mh3_span *)s;
    sp->owner = h;
    sp->sc = sc;
    sp->obj_size = mh3_class_size[sc];
    sp->bump = (char *)s + MH3_SPAN_HDR;
    sp->end = (char *)s + MH3_SPAN_SIZE;
    return sp;
}

// Carve up to `want` fresh objects of class sc into the (empty) bin and return one more.
static void *carve(struct mh3_heap *h, uint32_t sc, uint32_t want)
{
    struct mh3_span *sp = h->cur_span[sc];
    const uint32_t size = mh3_class_size[sc];
    if (!sp || sp->bump + size > sp->end) {
        sp = span_new(h, sc);
        if (!sp)
            return NULL;
        h->cur_span[sc] = sp;
    }
    struct mh3_bin *bin = &h->bins[sc];
    void *ret = sp->bump;
    sp->bump += size;
    uint32_t n = 0;
    while (n < want && sp->bump + size <= sp->end) {
        mh3_node_store(sp->bump, bin->head, h->cookie, mh3_arena_base);
        bin->head = sp->bump;
        sp->bump += size;
        n++;
    }
    bin->count += n;
    return ret;
}

static void *alloc_slow(struct mh3_heap *h, uint32_t sc)
{
    void *p = mh3_owner_stash_pop(h, sc);
    if (p)
        return p;
    return carve(h, sc, HZ3_S48_STASH_BATCH);
}

void *mh3_alloc(size_t size)
{
    if (MH3_UNLIKELY(size > MH3_MAX_SMALL))
        return malloc(size);
    struct mh3_heap *h = heap_get();
    const uint32_t sc = mh3_size_to_class(size);
    struct mh3_bin *bin = &h->bins[sc];
    void *p = bin->head;
    if (MH3_LIKELY(p != NULL)) {
        bin->head = mh3_node_decode(p, h->cookie, mh3_arena_base);
        bin->count--;
        return p;
    }
    return alloc_slow(h, sc);
}

void mh3_publish_chain(struct mh3_heap *owner, struct mh3_span *sp, uint32_t shard, uint32_t sc, void *head,
                       void *tail)
{
    const uintptr_t cookie = owner->cookie;
    const uintptr_t base = mh3_arena_base;
#if HZ3_S121_PAGE_LOCAL_REMOTE
    (void)shard;
    uintptr_t old = atomic_load_explicit(&sp->remote_head, memory_order_relaxed);
    do {
        mh3_node_store(tail, (void *)old, cookie, base);
    } while (!atomic_compare_exchange_weak_explicit(&sp->remote_head, &old, (uintptr_t)head, memory_order_acq_rel,
                                                    memory_order_relaxed));
    if (old == 0) {
        // The span went from no pending frees to some: queue it on its owner (we are its only queuer now).
        struct mh3_span *qold = atomic_load_explicit(&owner->pending[sc], memory_order_relaxed);
        do {
            sp->pending_next = qold;
        } while (!atomic_compare_exchange_weak_explicit(&owner->pending[sc], &qold, sp, memory_order_release,
                                                        memory_order_relaxed));
    }
#else
    (void)sp;
    _Atomic(uintptr_t) *slot = &owner->stash[shard][sc];
    uintptr_t old = atomic_load_explicit(slot, memory_order_relaxed);
    do {
        mh3_node_store(tail, (void *)old, cookie, base);
    } while (!atomic_compare_exchange_weak_explicit(slot, &old, (uintptr_t)head, memory_order_release,
                                                    memory_order_relaxed));
#endif
}

// A freeing heap publishes to the stash shard picked by its own id.
static inline uint32_t shard_of(const struct mh3_heap *self)
{
    return self->id & (HZ3_NUM_SHARDS - 1);
}

#if HZ3_S45_REMOTE_BATCH
static void outbox_flush(struct mh3_heap *self, struct mh3_outbox *ob, struct mh3_heap *owner, uint32_t sc)
{
    struct mh3_span *sp = NULL;
#if HZ3_S121_PAGE_LOCAL_REMOTE
    sp = ob->span;
    ob->span = NULL;
#endif
    mh3_publish_chain(owner, sp, shard_of(self), sc, ob->head, ob->tail);
    ob->head = ob->tail = NULL;
    ob->n = 0;
}
#endif

void mh3_free(void *p)
{
    if (!p)
        return;
    if (MH3_UNLIKELY(!mh3_in_arena(p))) {
        free(p);
        return;
    }
    struct mh3_heap *h = heap_get();
    struct mh3_span *sp = mh3_span_of(p);
    struct mh3_heap *owner = sp->owner;
    const uint32_t sc = sp->sc;
#if HZ3_S99_POISON_CHECK
    ((uint32_t *)p)[2] = HZ3_S99_POISON_VALUE;
#endif
    if (owner == h) {
        struct mh3_bin *bin = &h->bins[sc];
        mh3_node_store(p, bin->head, h->cookie, mh3_arena_base);
        bin->head = p;
        bin->count++;
        return;
    }
#if HZ3_S45_REMOTE_BATCH
    // Links inside a batch use the owner's encoding, so the owner can walk the chain as published.
    struct mh3_outbox *ob = &h->outbox[owner->id][sc];
#if HZ3_S121_PAGE_LOCAL_REMOTE
    if (ob->n && ob->span != sp)
        outbox_flush(h, ob, owner, sc);
    ob->span = sp;
#endif
    mh3_node_store(p, ob->head, owner->cookie, mh3_arena_base);
    if (!ob->head)
        ob->tail = p;
    ob->head = p;
    if (++ob->n >= HZ3_S45_BATCH_MAX)
        outbox_flush(h, ob, owner, sc);
#else
    mh3_publish_chain(owner, sp, shard_of(h), sc, p, p);
#endif
}

void mh3_thread_flush(void)
{
#if HZ3_S45_REMOTE_BATCH
    struct mh3_heap *h = tl_heap;
    if (!h)
        return;
    uint32_t n = atomic_load(&mh3_heap_count);
    for (uint32_t o = 0; o < n && o < HZ3_MAX_HEAPS; o++)
        for (uint32_t sc = 0; sc < MH3_NCLASS; sc++)
            if (h->outbox[o][sc].n)
                outbox_flush(h, &h->outbox[o][sc], &mh3_heaps[o], sc);
#endif
}
