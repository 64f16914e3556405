/*
 * pool.c - the per-pair shared buffer pool.
 *
 * The consumer allocates ranges of RING_POOL_BLOCK-byte blocks from a
 * private free-range set and marks them in a shared bitmap that only it
 * writes (the producer maps the bitmap read-only).  SQEs carry {offset,len}
 * into the pool; the producer resolves them against the bitmap, so it can
 * reach only bytes the consumer handed out.  The SQE's release store of
 * tail orders the bitmap update before the producer's look.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool ring_pool_marked(const struct ring *r, uint64_t b, uint64_t n);

/*
 * Consumer at open: a pair has one consumer, and opening that side starts
 * from an empty pool, whatever the bitmap said.
 */
int
ringi_pool_setup(struct ring *r)
{
	uint64_t blocks = r->pool_bytes / RING_POOL_BLOCK;
	size_t words = (size_t)(blocks + 63) / 64;

	memset((void *)r->pool_map, 0, words * 8);
	if (words > 0 && (r->pool_starts = calloc(words, 8)) == NULL)
		return -ENOMEM;
	return range_init(&r->pool_free, 0, blocks);
}

static bool
ring_pool_bit(const uint64_t *v, uint64_t b)
{
	return (v[b / 64] >> (b % 64)) & 1;
}

/* Does an allocation of exactly blocks start at block b? */
static bool
ring_pool_is_range(const struct ring *r, uint64_t b, uint64_t blocks)
{
	uint64_t total = r->pool_bytes / RING_POOL_BLOCK, i;

	if (!ring_pool_bit(r->pool_starts, b))
		return false;
	for (i = b + 1; i < b + blocks; i++)
		if (ring_pool_bit(r->pool_starts, i))
			return false;
	if (!ring_pool_marked(r, b, blocks))
		return false;
	/* what follows is free or another allocation */
	return b + blocks == total || !ring_pool_marked(r, b + blocks, 1) ||
	    ring_pool_bit(r->pool_starts, b + blocks);
}

/* Set or clear bits [b, b+n) of the bitmap. */
static void
ring_pool_mark(struct ring *r, uint64_t b, uint64_t n, bool set)
{
	while (n > 0) {
		uint64_t w = b / 64, bit = b % 64;
		uint64_t k = 64 - bit < n ? 64 - bit : n;
		uint64_t m = (k == 64 ? ~0ull : ((1ull << k) - 1)) << bit;

		if (set)
			atomic_fetch_or_explicit(&r->pool_map[w], m,
			    memory_order_relaxed);
		else
			atomic_fetch_and_explicit(&r->pool_map[w], ~m,
			    memory_order_relaxed);
		b += k;
		n -= k;
	}
}

/* Are all bits [b, b+n) set? */
static bool
ring_pool_marked(const struct ring *r, uint64_t b, uint64_t n)
{
	while (n > 0) {
		uint64_t w = b / 64, bit = b % 64;
		uint64_t k = 64 - bit < n ? 64 - bit : n;
		uint64_t m = (k == 64 ? ~0ull : ((1ull << k) - 1)) << bit;

		if ((atomic_load_explicit(&r->pool_map[w],
			 memory_order_relaxed) &
			m) != m)
			return false;
		b += k;
		n -= k;
	}
	return true;
}

RING_EXPORT int
ring_pool_alloc(struct ring *r, uint64_t len, uint64_t *offset)
{
	uint64_t blocks, b, got;
	int rc;

	if (r->role != RING_ROLE_CONSUMER)
		return -EPERM;
	if (len == 0)
		return -EINVAL;
	if (len > r->pool_bytes)
		return -ENOMEM;
	blocks = (len + RING_POOL_BLOCK - 1) / RING_POOL_BLOCK;
	rc = range_alloc(&r->pool_free, blocks, blocks, UINT64_MAX, RANGE_FIRST,
	    &b, &got);
	if (rc < 0)
		return rc;
	ring_pool_mark(r, b, blocks, true);
	r->pool_starts[b / 64] |= 1ull << (b % 64);
	*offset = b * RING_POOL_BLOCK;
	return 0;
}

RING_EXPORT int
ring_pool_free(struct ring *r, uint64_t offset, uint64_t len)
{
	uint64_t b, blocks;
	int rc;

	if (r->role != RING_ROLE_CONSUMER)
		return -EPERM;
	if (len == 0 || offset % RING_POOL_BLOCK != 0 ||
	    offset > r->pool_bytes || len > r->pool_bytes - offset)
		return -EINVAL;
	b = offset / RING_POOL_BLOCK;
	blocks = (len + RING_POOL_BLOCK - 1) / RING_POOL_BLOCK;
	if (!ring_pool_is_range(r, b, blocks))
		return -EINVAL;
	if ((rc = range_free(&r->pool_free, b, blocks)) < 0)
		return rc;
	r->pool_starts[b / 64] &= ~(1ull << (b % 64));
	ring_pool_mark(r, b, blocks, false);
	return 0;
}

RING_EXPORT int
ring_pool_resolve(struct ring *r, uint64_t offset, uint64_t len, void **ptr)
{
	uint64_t first, last;

	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (r->pool == NULL || len == 0 || offset >= r->pool_bytes ||
	    len > r->pool_bytes - offset)
		return -EFAULT;
	first = offset / RING_POOL_BLOCK;
	last = (offset + len - 1) / RING_POOL_BLOCK;
	if (!ring_pool_marked(r, first, last - first + 1))
		return -EFAULT;
	*ptr = r->pool + offset;
	return 0;
}
