/*
 * stats.c - what a handle and its shared headers say about a ring, read
 * without changing anything: its shape (ring_get_info()), both queues'
 * indices, epochs, status and wait words (ring_get_stats(), and many rings
 * at once for a monitor), and whether it was dropped or broken.
 *
 * Part of libring's data path: depends on abi.h, ring.h and internal.h
 * only; the monitors (ringd, ringctl, ringtop) read rings through it.
 */
#include <string.h>

#include "internal.h"

RING_EXPORT void
ring_get_info(const struct ring *r, struct ring_info *info)
{
	memset(info, 0, sizeof(*info));
	info->role = r->role;
	info->flags = r->flags;
	info->sq_entries = r->sq.n;
	info->cq_entries = r->cq.n;
	info->sqe_size = r->sq.esize;
	info->cqe_size = r->cq.esize;
	info->pool_bytes = r->pool_bytes;
	info->mem_bytes = ring_layout(r->flags, r->sq.n, r->cq.n, r->pool_bytes)
			      .total;
}

static void
ring_q_stats(const struct ring_q *q, struct ring_queue_stats *s)
{
	const struct ring_header_page *hp = q->hp;

	s->head = ring_load_relaxed(&hp->h.head_index);
	s->tail = ring_load_relaxed(&hp->h.tail_index);
	s->push_epoch = ring_load_relaxed(&hp->h.push_epoch);
	s->pop_epoch = ring_load_relaxed(&hp->h.pop_epoch);
	s->status = ring_load_relaxed(&hp->h.status);
	s->pop_wait = ring_load_relaxed(&hp->pop_wait);
	s->push_wait = ring_load_relaxed(&hp->push_wait);
	s->depth = (s->tail - s->head) & q->mask2;
	s->valid = s->head <= q->mask2 && s->tail <= q->mask2 &&
	    s->depth <= q->n;
	if (!s->valid)
		s->depth = 0;
}

RING_EXPORT void
ring_get_stats(const struct ring *r, struct ring_stats *st)
{
	ring_q_stats(&r->sq, &st->sq);
	ring_q_stats(&r->cq, &st->cq);
}

/* Start loading the lines ring_q_stats() reads of one queue. */
static void
ring_q_prefetch(const struct ring_q *q)
{
	const struct ring_header_page *hp = q->hp;

	__builtin_prefetch(&hp->h.head_index);
	__builtin_prefetch(&hp->h.tail_index);
	__builtin_prefetch(&hp->h.push_epoch);
	__builtin_prefetch(&hp->h.pop_epoch);
	__builtin_prefetch(&hp->h.status);
	__builtin_prefetch(&hp->pop_wait);
	__builtin_prefetch(&hp->push_wait);
}

/*
 * Many rings at once, for a monitor listing thousands: the handles of a
 * chunk are requested first, then the header lines they point to, then
 * read, so the cache misses of a chunk overlap instead of following each
 * other.  Each chunk's lines stay within the first-level cache.
 */
#define RING_STATS_CHUNK 16

RING_EXPORT void
ring_get_stats_many(const struct ring *const *r, size_t n,
    struct ring_stats *st)
{
	size_t i, k, m;

	for (i = 0; i < n; i += m) {
		m = n - i < RING_STATS_CHUNK ? n - i : RING_STATS_CHUNK;
		for (k = 0; k < m; k++) {
			__builtin_prefetch(&r[i + k]->sq);
			__builtin_prefetch(&r[i + k]->cq);
		}
		for (k = 0; k < m; k++) {
			ring_q_prefetch(&r[i + k]->sq);
			ring_q_prefetch(&r[i + k]->cq);
		}
		for (k = 0; k < m; k++)
			ring_get_stats(r[i + k], &st[i + k]);
	}
}

RING_EXPORT bool
ring_is_dropped(const struct ring *r)
{
	return r->shut ||
	    (ring_load_relaxed(&r->sq.hp->h.status) & RING_STATUS_DROP) ||
	    (ring_load_relaxed(&r->cq.hp->h.status) & RING_STATUS_DROP);
}

RING_EXPORT bool
ring_is_broken(const struct ring *r)
{
	return r->broken;
}
