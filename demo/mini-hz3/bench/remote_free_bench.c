// remote_free_bench.c — multithreaded benchmark in which most frees are remote.
//
// Work proceeds in rounds. In round r, thread t allocates ROUND objects; with probability remote_pct an object
// goes into t's outgoing mailbox, otherwise into a small local window that t frees itself later. Then t frees
// every object of the mailbox that thread t-1 filled in round r-1: remote frees, which land in t-1's stash and
// which t-1 takes back through mh3_owner_stash_pop when its bins run dry. Each thread has two mailboxes used
// alternately (a two-slot ring), handed over at a barrier at the end of each round.
//
// Why rounds and not a lock-free queue with spinning: with 4 threads on 2 CPUs, producers that spin or yield
// while their consumer is descheduled made run times vary 2-10x from run to run. Here a waiting thread
// sleeps in the barrier, CPU time is allocator work, and a run allocates and frees the same objects in the
// same per-thread order whatever the scheduling (sizes and choices come from per-thread xorshift64* streams).
//
// usage: mini-hz3-bench [threads=4] [iters_per_thread=16000000] [remote_pct=90] [seed=1]
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mh3.h"

#define ROUND 2048u // allocations per thread per round
#define KEEP_SLOTS 64u
#define MAX_THREADS 16

struct mailbox {
    uint32_t n;
    void *obj[ROUND];
};

struct worker { // one cache line each: the counters are written on every iteration
    _Alignas(64) pthread_t tid;
    unsigned idx;
    uint64_t rng;
    uint64_t bytes;        // sum of requested sizes (deterministic)
    uint64_t local_frees;
    uint64_t remote_frees; // objects freed from the upstream thread's mailbox
};

// boxes[t][r & 1] is filled by thread t in round r and emptied by thread t+1 in round r+1.
static struct mailbox boxes[MAX_THREADS][2];
static struct worker workers[MAX_THREADS];
static pthread_barrier_t round_barrier;
static unsigned nthreads = 4;
static unsigned long iters = 16000000;
static unsigned remote_pct = 90;

static inline uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

// Mostly small objects: 16..256 bytes in 16-byte steps, 1 in 16 up to 1 KiB.
static inline size_t pick_size(uint64_t r)
{
    if ((r & 15) == 0)
        return 257 + (size_t)((r >> 8) % 768);
    return 16 + 16 * (size_t)((r >> 8) % 16);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const unsigned up = (w->idx + nthreads - 1) % nthreads;
    const unsigned long rounds = (iters + ROUND - 1) / ROUND;
    void *keep[KEEP_SLOTS] = {0};

    // One extra round at the end frees the last mailbox of the upstream thread.
    for (unsigned long r = 0; r <= rounds; r++) {
        if (r < rounds) {
            struct mailbox *out = &boxes[w->idx][r & 1];
            const unsigned long n = r + 1 < rounds ? ROUND : iters - r * ROUND;
            out->n = 0;
            for (unsigned long i = 0; i < n; i++) {
                uint64_t rnd = xs64(&w->rng);
                size_t size = pick_size(rnd);
                unsigned char *p = mh3_alloc(size);
                if (!p)
                    abort();
                p[size - 1] = (unsigned char)i; // the user touches its object
                w->bytes += size;
                if ((rnd >> 40) % 100 < remote_pct) {
                    out->obj[out->n++] = p;
                } else {
                    unsigned j = (unsigned)(rnd >> 32) & (KEEP_SLOTS - 1);
                    if (keep[j]) {
                        mh3_free(keep[j]);
                        w->local_frees++;
                    }
                    keep[j] = p;
                }
            }
        }
        if (r > 0) {
            struct mailbox *in = &boxes[up][(r - 1) & 1];
            for (uint32_t j = 0; j < in->n; j++)
                mh3_free(in->obj[j]);
            w->remote_frees += in->n;
        }
        pthread_barrier_wait(&round_barrier);
    }
    for (unsigned j = 0; j < KEEP_SLOTS; j++) {
        if (keep[j]) {
            mh3_free(keep[j]);
            w->local_frees++;
        }
    }
    mh3_thread_flush();
    return NULL;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    if (argc > 1)
        nthreads = (unsigned)strtoul(argv[1], NULL, 0);
    if (argc > 2)
        iters = strtoul(argv[2], NULL, 0);
    if (argc > 3)
        remote_pct = (unsigned)strtoul(argv[3], NULL, 0);
    if (argc > 4)
        seed = strtoull(argv[4], NULL, 0);
    if (nthreads < 1 || nthreads > MAX_THREADS || iters < 1 || remote_pct > 100 || seed == 0) {
        fprintf(stderr, "usage: %s [threads 1..%d] [iters_per_thread >= 1] [remote_pct 0..100] [seed != 0]\n",
                argv[0], MAX_THREADS);
        return 2;
    }
    pthread_barrier_init(&round_barrier, NULL, nthreads);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned t = 0; t < nthreads; t++) {
        workers[t].idx = t;
        workers[t].rng = seed ^ (0x9E3779B97F4A7C15ULL * (t + 1));
        if (pthread_create(&workers[t].tid, NULL, worker_main, &workers[t]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    uint64_t bytes = 0, local = 0, remote = 0;
    for (unsigned t = 0; t < nthreads; t++) {
        pthread_join(workers[t].tid, NULL);
        bytes += workers[t].bytes;
        local += workers[t].local_frees;
        remote += workers[t].remote_frees;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    uint64_t allocs = (uint64_t)nthreads * iters;
    printf("mini-hz3-bench threads=%u iters=%lu remote_pct=%u seed=%llu allocs=%llu remote_frees=%.1f%% "
           "bytes=%llu elapsed_s=%.3f mops=%.2f\n",
           nthreads, iters, remote_pct, (unsigned long long)seed, (unsigned long long)allocs,
           100.0 * (double)remote / (double)(local + remote ? local + remote : 1), (unsigned long long)bytes, secs,
           (double)allocs / secs / 1e6);
    return 0;
}
