// mh3_inline.h — static inline helpers used on the hot paths (gcc -O2 inlines all of them).
#ifndef MH3_INLINE_H
#define MH3_INLINE_H

#include "mh3_internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define MH3_INLINE static inline __attribute__((always_inline))
#define MH3_LIKELY(x) __builtin_expect(!!(x), 1)
#define MH3_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MH3_INLINE static inline
#define MH3_LIKELY(x) (x)
#define MH3_UNLIKELY(x) (x)
#endif

MH3_INLINE struct mh3_span *mh3_span_of(const void *p)
{
    return (struct mh3_span *)((uintptr_t)p & ~(uintptr_t)(MH3_SPAN_SIZE - 1));
}

MH3_INLINE int mh3_in_arena(const void *p)
{
    return (uintptr_t)p - mh3_arena_base < mh3_arena_limit - mh3_arena_base;
}

// Size -> class: 16-byte steps up to 256, then 384, 512, 1024, 2048 (see mh3_class_size).
MH3_INLINE uint32_t mh3_size_to_class(size_t size)
{
    static const uint8_t small[17] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 11, 11};
    if (MH3_LIKELY(size <= 256)) {
        size_t q = (size + 15) >> 4;
        return small[q];
    }
    if (size <= 384)
        return 12;
    if (size <= 512)
        return 13;
    return size <= 1024 ? 14 : 15;
}

// Free-object links. The first word of a free object holds the link to the next one; how it is
// stored depends on S140. `base` is the arena base (only used by PTAG32).
MH3_INLINE void *mh3_node_decode(const void *obj, uintptr_t cookie, uintptr_t base)
{
#if HZ3_S140_PTAG32
    uint32_t t = *(const uint32_t *)obj ^ (uint32_t)cookie;
    return t ? (void *)(base + ((uintptr_t)t << 4)) : NULL;
#elif HZ3_S140_PTAG_ENCODE
    (void)base;
    return (void *)(*(const uintptr_t *)obj ^ cookie);
#else
    (void)cookie;
    (void)base;
    return *(void *const *)obj;
#endif
}

MH3_INLINE void mh3_node_store(void *obj, const void *next, uintptr_t cookie, uintptr_t base)
{
#if HZ3_S140_PTAG32
    uint32_t t = next ? (uint32_t)(((uintptr_t)next - base) >> 4) : 0u;
    *(uint32_t *)obj = t ^ (uint32_t)cookie;
#elif HZ3_S140_PTAG_ENCODE
    (void)base;
    *(uintptr_t *)obj = (uintptr_t)next ^ cookie;
#else
    (void)cookie;
    (void)base;
    *(const void **)obj = next;
#endif
}

// Prefetch a node that a drain walk will reach soon, and (for distance >= 2) the node after it.
MH3_INLINE void mh3_prefetch_node(const void *node, uintptr_t cookie, uintptr_t base)
{
#if HZ3_S154_SPILL_PREFETCH && (defined(__GNUC__) || defined(__clang__))
    __builtin_prefetch(node, 1, 3);
#if HZ3_S154_PF_DIST >= 2
    const void *after = mh3_node_decode(node, cookie, base);
    if (after)
        __builtin_prefetch(after, 1, 3);
#else
    (void)cookie;
    (void)base;
#endif
#else
    (void)node;
    (void)cookie;
    (void)base;
#endif
}

#endif // MH3_INLINE_H
