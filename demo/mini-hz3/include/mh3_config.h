// mh3_config.h — compile-time "boxes" of mini-hz3.
//
// Every experiment is a box named HZ3_S<n>_<NAME>. Boxes default here; the Makefile lanes
// (DEFS_BASE, DEFS_SCALE, presets, DEFS_EXTRA) override them with -D. Order matters:
//   1. plain defaults, 2. numeric parameters, 3. computed defaults and nested choices,
//   4. forced overrides (#undef/#define), 5. #error guards.
// Undefined names evaluate to 0 in #if, so a box that is never mentioned is simply off.
#ifndef MH3_CONFIG_H
#define MH3_CONFIG_H

// ==== Section 1: boolean boxes ==============================================

// S30: Legacy pop-one — the owner pops a single object per call with a CAS loop (pre-S112 behaviour).
#ifndef HZ3_S30_LEGACY_POP_ONE
#define HZ3_S30_LEGACY_POP_ONE 0
#endif

// S31: Legacy pop-pair CAS2 — like S30 but detaches two objects per CAS; kept for A/B history.
#ifndef HZ3_S31_LEGACY_POP_CAS2
#define HZ3_S31_LEGACY_POP_CAS2 0
#endif

// S45: Remote free batching — a freeing thread gathers remote frees per (owner, class) and publishes
// them with one CAS instead of one CAS per object.
#ifndef HZ3_S45_REMOTE_BATCH
#define HZ3_S45_REMOTE_BATCH 1
#endif

// ==== S48: Owner Stash Spill ====
// Objects drained beyond the bin budget go to a per-class spill list that the next pop serves first.
#ifndef HZ3_S48_OWNER_STASH_SPILL
#define HZ3_S48_OWNER_STASH_SPILL 1
#endif

// S60: Pop trace — keep a ring of the last 256 pops (class, parts, moved, spilled) in each heap.
#ifndef HZ3_S60_POP_TRACE
#define HZ3_S60_POP_TRACE 0
#endif

// S67: Spill Array2 — spill into a fixed per-class array instead of a list (forces S48 off below).
#ifndef HZ3_S67_SPILL_ARRAY2
#define HZ3_S67_SPILL_ARRAY2 0
#endif

// S77: Pop statistics — per-heap counters bumped on the pop path (cheap, owner-only, no atomics).
#ifndef HZ3_S77_STATS
#define HZ3_S77_STATS 0
#endif

// S77: Stats dump — print the S77 counters of every heap at exit (needs S77_STATS).
#ifndef HZ3_S77_STATS_DUMP
#define HZ3_S77_STATS_DUMP 0
#endif

// S78: Bin audit — after every pop, re-walk the bin and abort if its count is wrong (debug builds only).
#ifndef HZ3_S78_BIN_AUDIT
#define HZ3_S78_BIN_AUDIT 0
#endif

// S88: Owner check — verify on pop that every drained object belongs to a span owned by this heap.
#ifndef HZ3_S88_OWNER_CHECK
#define HZ3_S88_OWNER_CHECK 0
#endif

// S88: Owner check abort — abort() on a foreign object instead of counting and skipping it.
#ifndef HZ3_S88_OWNER_CHECK_ABORT
#define HZ3_S88_OWNER_CHECK_ABORT 0
#endif

// S89: Span return count — the owner counts, per span, the objects that came back through remote frees
// (input for a span recycling policy). Uses the span looked up by the S88 owner check in the pop body
// (or, with S121, the part's span); there is no #error for S89 without S88, so S89 && !S88 && !S121 does
// not compile (see README).
#ifndef HZ3_S89_SPAN_RETURN_COUNT
#define HZ3_S89_SPAN_RETURN_COUNT 0
#endif

// S90: Span recycle on empty — ARCHIVED (NO-GO: recycling raced with S45 batches). Do not enable.
#ifndef HZ3_S90_SPAN_RECYCLE
#define HZ3_S90_SPAN_RECYCLE 0
#endif

// S95_S94: Shard rotate — box S95 modifying S94: start the shard scan at a rotating shard.
#ifndef HZ3_S95_S94_SHARD_ROTATE
#define HZ3_S95_S94_SHARD_ROTATE 0
#endif

// S96: Shard home — start the shard scan at the shard of this heap's own id (alternative to S95).
#ifndef HZ3_S96_SHARD_HOME
#define HZ3_S96_SHARD_HOME 0
#endif

// S99: Poison check — free writes a poison word into each object; pop verifies it (use-after-free tripwire).
#ifndef HZ3_S99_POISON_CHECK
#define HZ3_S99_POISON_CHECK 0
#endif

// S102: Lite classes — only the small classes (< S102_LITE_MAX) get the spill cache.
#ifndef HZ3_S102_LITE_CLASSES
#define HZ3_S102_LITE_CLASSES 0
#endif

// S112: Full drain exchange — drain a whole stash shard with one atomic exchange.
#ifndef HZ3_S112_FULL_DRAIN_EXCHANGE
#define HZ3_S112_FULL_DRAIN_EXCHANGE 1
#endif

// S121: Page-local remote — remote frees go to a per-span list; spans with pending frees are queued
// on the owner, and the pop walks queued spans instead of the heap-wide stash.
#ifndef HZ3_S121_PAGE_LOCAL_REMOTE
#define HZ3_S121_PAGE_LOCAL_REMOTE 0
#endif

// S131: G3 branchless push — push drained objects into the bin without a data-dependent branch.
#ifndef HZ3_S131_G3_BRANCHLESS
#define HZ3_S131_G3_BRANCHLESS 0
#endif

// S135: Spill splice — when the whole spill fits in the bin budget, splice it in O(1) instead of walking it.
#ifndef HZ3_S135_SPILL_SPLICE
#define HZ3_S135_SPILL_SPLICE 0
#endif

// S140: Pointer tag encode — next links inside free objects are XOR-ed with a per-heap cookie.
#ifndef HZ3_S140_PTAG_ENCODE
#define HZ3_S140_PTAG_ENCODE 0
#endif

// S140: PTAG32 — store next links as 32-bit arena offsets (in 16-byte units), XOR-ed with the cookie.
#ifndef HZ3_S140_PTAG32
#define HZ3_S140_PTAG32 0
#endif

// S154: Spill overflow prefetch — prefetch the next node(s) while walking drained chains and the spill.
#ifndef HZ3_S154_SPILL_PREFETCH
#define HZ3_S154_SPILL_PREFETCH 0
#endif

// S154: Prefetch stats — count prefetches issued (uses the S154 prefetch cursor; see P10 note in README).
#ifndef HZ3_S154_PF_STATS
#define HZ3_S154_PF_STATS 0
#endif

// S163: Packet walk — decode drained chains in packets of S163_PKT_WIDTH nodes (mh3_pop_pkt_body.inc).
#ifndef HZ3_S163_PKT_WALK
#define HZ3_S163_PKT_WALK 0
#endif

// ==== Section 2: numeric parameters =========================================

// Number of stash shards per (heap, class); remote freers pick a shard by their heap id. Power of two.
#ifndef HZ3_NUM_SHARDS
#define HZ3_NUM_SHARDS 1
#endif

// Maximum number of thread heaps.
#ifndef HZ3_MAX_HEAPS
#define HZ3_MAX_HEAPS 16
#endif

// Bytes of address space reserved for the arena (spans are carved from it).
#ifndef HZ3_ARENA_BYTES
#define HZ3_ARENA_BYTES (1024ULL << 20)
#endif

// S45: objects per remote batch before it is published.
#ifndef HZ3_S45_BATCH_MAX
#define HZ3_S45_BATCH_MAX 16
#endif

// S48: bin budget — at most this many drained objects go to the bin per pop; the rest spill.
#if !defined(HZ3_S48_CAP_OVERRIDE)
#ifndef HZ3_S48_STASH_BATCH
#define HZ3_S48_STASH_BATCH 32
#endif
#else
#undef HZ3_S48_STASH_BATCH
#define HZ3_S48_STASH_BATCH HZ3_S48_CAP_OVERRIDE
#endif

// S67: capacity of each per-class spill array.
#ifndef HZ3_S67_ARRAY_CAP
#define HZ3_S67_ARRAY_CAP 256
#endif

// S95: rotation stride of the shard scan start.
#ifndef HZ3_S95_ROTATE_STRIDE
#define HZ3_S95_ROTATE_STRIDE 1
#endif

// S99: the poison word written by free (32 bits, at byte offset 8 of the object).
#ifndef HZ3_S99_POISON_VALUE
#define HZ3_S99_POISON_VALUE 0x5AFEF00Du
#endif

// S102: first class index that is NOT "lite".
#ifndef HZ3_S102_LITE_MAX
#define HZ3_S102_LITE_MAX 8
#endif

// S118: Drain budget — a pop stops walking after this many objects and gives the other chains back (0 = off).
#ifndef HZ3_S118_DRAIN_BUDGET
#define HZ3_S118_DRAIN_BUDGET 0
#endif

// S121: at most this many queued spans are drained per pop.
#ifndef HZ3_S121_SPAN_BUDGET
#define HZ3_S121_SPAN_BUDGET 8
#endif

// S154: prefetch distance in nodes (1 = next node only, >= 2 also the node after it and its span).
#ifndef HZ3_S154_PF_DIST
#define HZ3_S154_PF_DIST 2
#endif

// S163: nodes per packet.
#ifndef HZ3_S163_PKT_WIDTH
#define HZ3_S163_PKT_WIDTH 4
#endif

// ==== Section 3: computed defaults and nested choices =======================

// S94: Shard scan — visit every shard on pop (only meaningful with more than one shard).
#ifndef HZ3_S94_SHARD_SCAN
#define HZ3_S94_SHARD_SCAN (HZ3_NUM_SHARDS > 1)
#endif

// S112: Empty peek — load a shard before exchanging it, skipping empty shards without a locked op.
#ifndef HZ3_S112_EMPTY_PEEK
#define HZ3_S112_EMPTY_PEEK (HZ3_S112_FULL_DRAIN_EXCHANGE && HZ3_S94_SHARD_SCAN)
#endif

// S130: G2 fast path — push drained objects with a predicted branch on the bin's emptiness.
// Default: on, unless the G3 branchless variant was chosen.
#ifndef HZ3_S130_G2_FAST_PATH
#if HZ3_S131_G3_BRANCHLESS
#define HZ3_S130_G2_FAST_PATH 0
#else
#define HZ3_S130_G2_FAST_PATH 1
#endif
#endif

// S170: Refill hint — remember how many objects the last pop drained, for the allocator's slow path.
#ifndef HZ3_S170_REFILL_HINT
#define HZ3_S170_REFILL_HINT (HZ3_S48_OWNER_STASH_SPILL && HZ3_S77_STATS)
#endif

// ==== Section 4: forced overrides (after every default and -D) ==============

// The legacy pop paths predate S112; they cannot drain with an exchange.
#if HZ3_S30_LEGACY_POP_ONE || HZ3_S31_LEGACY_POP_CAS2
#undef HZ3_S112_FULL_DRAIN_EXCHANGE
#define HZ3_S112_FULL_DRAIN_EXCHANGE 0
#endif

// Without a full drain there is no spill overflow to prefetch and no shard to peek.
#if !HZ3_S112_FULL_DRAIN_EXCHANGE
#undef HZ3_S154_SPILL_PREFETCH
#define HZ3_S154_SPILL_PREFETCH 0
#undef HZ3_S112_EMPTY_PEEK
#define HZ3_S112_EMPTY_PEEK 0
#endif

// S67 replaces the S48 spill list.
#if HZ3_S67_SPILL_ARRAY2
#undef HZ3_S48_OWNER_STASH_SPILL
#define HZ3_S48_OWNER_STASH_SPILL 0
#endif

// ==== Section 5: guards =====================================================

#if HZ3_S90_SPAN_RECYCLE
#error "HZ3_S90_SPAN_RECYCLE is archived (NO-GO); see README. Remove -DHZ3_S90_SPAN_RECYCLE."
#endif

#if HZ3_S130_G2_FAST_PATH && HZ3_S131_G3_BRANCHLESS
#error "HZ3_S130_G2_FAST_PATH and HZ3_S131_G3_BRANCHLESS are mutually exclusive"
#endif

#if HZ3_S95_S94_SHARD_ROTATE && HZ3_S96_SHARD_HOME
#error "HZ3_S95_S94_SHARD_ROTATE and HZ3_S96_SHARD_HOME both choose the scan start; pick one"
#endif

#if HZ3_S30_LEGACY_POP_ONE && HZ3_S31_LEGACY_POP_CAS2
#error "HZ3_S30_LEGACY_POP_ONE and HZ3_S31_LEGACY_POP_CAS2 are mutually exclusive"
#endif

#if (HZ3_S30_LEGACY_POP_ONE || HZ3_S31_LEGACY_POP_CAS2) && HZ3_S121_PAGE_LOCAL_REMOTE
#error "legacy pop (S30/S31) cannot drain S121 page-local lists"
#endif

#if HZ3_S95_S94_SHARD_ROTATE && !HZ3_S94_SHARD_SCAN
#error "HZ3_S95_S94_SHARD_ROTATE requires HZ3_S94_SHARD_SCAN (HZ3_NUM_SHARDS > 1)"
#endif

#if HZ3_S140_PTAG32 && !HZ3_S140_PTAG_ENCODE
#error "HZ3_S140_PTAG32 requires HZ3_S140_PTAG_ENCODE"
#endif

#if HZ3_S77_STATS_DUMP && !HZ3_S77_STATS
#error "HZ3_S77_STATS_DUMP requires HZ3_S77_STATS"
#endif

#if HZ3_S88_OWNER_CHECK_ABORT && !HZ3_S88_OWNER_CHECK
#error "HZ3_S88_OWNER_CHECK_ABORT requires HZ3_S88_OWNER_CHECK"
#endif

#if HZ3_S163_PKT_WALK && HZ3_S131_G3_BRANCHLESS
#error "HZ3_S163_PKT_WALK has no G3 branchless push; use HZ3_S130_G2_FAST_PATH"
#endif

#if HZ3_S112_EMPTY_PEEK && HZ3_NUM_SHARDS < 2
#error "HZ3_S112_EMPTY_PEEK needs a shard loop (HZ3_NUM_SHARDS > 1)"
#endif

#if HZ3_NUM_SHARDS < 1 || HZ3_NUM_SHARDS > 64
#error "HZ3_NUM_SHARDS must be in 1..64"
#endif

#if (HZ3_NUM_SHARDS & (HZ3_NUM_SHARDS - 1)) != 0
#error "HZ3_NUM_SHARDS must be a power of two"
#endif

#if HZ3_S154_PF_DIST < 1 || HZ3_S154_PF_DIST > 8
#error "HZ3_S154_PF_DIST must be in 1..8"
#endif

#if HZ3_S163_PKT_WIDTH < 2 || HZ3_S163_PKT_WIDTH > 16
#error "HZ3_S163_PKT_WIDTH must be in 2..16"
#endif

#if HZ3_S48_STASH_BATCH < 1
#error "HZ3_S48_STASH_BATCH must be positive"
#endif

#if HZ3_MAX_HEAPS > 64
#error "HZ3_MAX_HEAPS must be at most 64"
#endif

#endif // MH3_CONFIG_H
