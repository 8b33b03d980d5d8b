// mh3.h — public API of mini-hz3.
#ifndef MH3_H
#define MH3_H

#include <stddef.h>

void *mh3_alloc(size_t size);
void mh3_free(void *p);
// Publish this thread's pending remote-free batches (S45). Call before a thread exits.
void mh3_thread_flush(void);

#endif // MH3_H
