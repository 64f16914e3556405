/*
 * barrier.h - how libring's data path reads and writes the words it
 * shares with the peer (indices, epochs, status and wait words, the
 * in-service table), named after the kernel primitives as liburing's
 * barrier.h does.  Each helper is typed by its argument (__typeof__), so
 * one spelling serves 32- and 64-bit words; the shared layout in abi.h
 * stays plain fixed-width types.
 *
 * The rules they carry out are stated once: the index rule at the head
 * of queue.c, the announce/fence/re-check protocol and its Dekker
 * argument at the head of wait.c.  Each call site says what it pairs
 * with.
 *
 * Used by the data path only (pair.c, queue.c, stats.c, held.c, pool.c,
 * wait.c); depends on <stdatomic.h> alone.
 */
#ifndef RING_BARRIER_H
#define RING_BARRIER_H

#include <stdatomic.h>

/* The plain shared word at p, seen as the atomic of its own type. */
#define RING_ATOMIC(p) ((_Atomic __typeof__(*(p)) *)(p))

#define ring_load_relaxed(p) \
	atomic_load_explicit(RING_ATOMIC(p), memory_order_relaxed)
#define ring_load_acquire(p) \
	atomic_load_explicit(RING_ATOMIC(p), memory_order_acquire)
#define ring_store_relaxed(p, v) \
	atomic_store_explicit(RING_ATOMIC(p), (v), memory_order_relaxed)
#define ring_store_release(p, v) \
	atomic_store_explicit(RING_ATOMIC(p), (v), memory_order_release)
/* Read-modify-writes, sequentially consistent (full barriers). */
#define ring_xchg(p, v) \
	atomic_exchange_explicit(RING_ATOMIC(p), (v), memory_order_seq_cst)
#define ring_fetch_or(p, v) \
	atomic_fetch_or_explicit(RING_ATOMIC(p), (v), memory_order_seq_cst)

/*
 * Full (StoreLoad) barrier, between an index store and the load of the
 * peer's wait word.  On x86-64 a locked RMW on the stack orders the same
 * as MFENCE at about half the cost (the kernel's smp_mb()).  It is on the
 * word at the stack pointer, as GCC's own seq_cst fence is: the kernel's
 * user-space copy reaches 132 bytes below it to step over the red zone,
 * but memory there belongs to nobody and valgrind rightly reports the
 * access.
 */
static inline void
ring_smp_mb(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("lock; orl $0,(%%rsp)" ::: "memory", "cc");
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

#endif /* RING_BARRIER_H */
