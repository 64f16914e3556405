/*
 * internal.h - what libredox-ring's files share and nobody else sees:
 * the futex and clock helpers, the size limits, the pool allocators and
 * struct redox_ring (opaque in <redox/ring.h>).
 *
 * Memory ordering uses libring's lib/barrier.h (header only): release
 * when publishing an index, acquire when reading the peer's, a full
 * barrier between "say I sleep" and "look again" on both sides.
 */
#ifndef REDOX_INTERNAL_H
#define REDOX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <redox/ring-scheme.h>

#include "barrier.h"

/* What libredox-ring.so exports (the rest is hidden: -fvisibility). */
#define REDOX_EXPORT __attribute__((visibility("default")))

/* Bound on every buffer pool: offsets must fit an int (the API's type). */
#define REDOX_POOL_MAX (1u << 30)
/* Longest single futex sleep: a dead peer is noticed within this. */
#define REDOX_SLICE_MS 100

/* Shared futex (no FUTEX_PRIVATE_FLAG): the words live in a memfd. */
long redoxi_futex_wait(uint32_t *word, uint32_t expect, int ms);
void redoxi_futex_wake(uint32_t *word);
int64_t redoxi_now_ms(void);
void redoxi_cpu_relax(void);
/*
 * Shared-memory objects (queue.c): a sealable memfd of exactly size bytes
 * sealed against shrinking and growing (the descriptor, or -errno), and
 * the check every mapper makes first: a regular file sealed against
 * shrinking (a peer could otherwise make us SIGBUS) of at least min
 * bytes, its size in *size (0, or -EINVAL / -errno).
 */
int redoxi_shm_create(const char *name, uint64_t size);
int redoxi_shm_check(int fd, uint64_t min, uint64_t *size);

/* --- pool.c: the two client-side allocators --- */

struct redox_span {
	uint32_t off, len;
};

struct redox_pool {
	uint8_t *base;
	uint32_t size;
	bool sized; /* size/alignment allocator, else fixed chunks */
	/* chunk mode */
	uint32_t chunk, nchunks;
	uint32_t *stack; /* free chunk numbers, LIFO: top is next */
	uint32_t nfree;
	uint8_t *used; /* one byte per chunk: taken */
	/* sized mode: the allocations, sorted by offset */
	struct redox_span *spans;
	uint32_t nspans, cap;
};

int redoxi_pool_init(struct redox_pool *p, uint8_t *base, uint32_t size,
    uint32_t chunk, bool sized);
void redoxi_pool_fini(struct redox_pool *p);
/* Offset of a new buffer (>= 0) or -1. */
int redoxi_pool_alloc(struct redox_pool *p, uint32_t size, uint32_t align);
/* Give the buffer at offset back; unknown offsets are ignored. */
void redoxi_pool_free(struct redox_pool *p, uint32_t off);

/* --- ring.c: the consumer's ring behind the opaque struct --- */

#define REDOX_RING_MAGIC 0x52445852u /* "RXDR": init succeeded */

struct redox_ring {
	uint32_t magic;
	uint32_t pending; /* SQ slots handed out by get_sqe, not submitted */
	struct redox_queue sq; /* we push */
	struct redox_queue cq; /* we pop */
	int doorbell;
	uint32_t sqe_size, cqe_size;
	struct redox_pool pool;
	struct ring_ctl *ctl; /* this ring's own connection to ringd */
	uint64_t ring_id;
};

#endif /* REDOX_INTERNAL_H */
