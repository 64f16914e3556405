/*
 * rings-rec.c - what LIST_RINGS reports of each ring ringd brokers: its
 * record, from the figures its monitor handle reads racily in the
 * shared headers, a batch at a time.  Reads struct ringd_ring and the
 * ring tree (rings.c keeps them) and libring's stats API; a redox_ring's
 * record is redox.c's.  Called by list.c only.
 */
#include <string.h>

#include "ringd.h"

static void
rings_fill_queue(const struct ring_queue_stats *q, struct ring_ctl_queue *r)
{
	r->head = q->head;
	r->tail = q->tail;
	r->depth = q->depth;
	r->push_epoch = q->push_epoch;
	r->pop_epoch = q->pop_epoch;
	r->status = q->status;
	r->pop_wait = q->pop_wait;
	r->push_wait = q->push_wait;
}

/*
 * A ring's record from its headers' figures st, read racily by the
 * monitor; a ring whose headers ringd cannot map reads as broken.
 */
static void
rings_fill_rec(const struct ringd_ring *rr, const struct ring_stats *stp,
    struct ring_ctl_ring *rec)
{
	struct ring_info info;
	struct ring_stats st = *stp;
	uint64_t status;

	memset(rec, 0, sizeof(*rec));
	memset(&info, 0, sizeof(info));
	if (rr->mon != NULL)
		ring_get_info(rr->mon, &info);
	rec->ring_id = rr->id;
	memcpy(rec->scheme, rr->scheme, sizeof(rec->scheme));
	rec->consumer = rr->cpeer;
	rec->producer = rr->ppeer;
	rec->flags = info.flags;
	rec->sq_entries = info.sq_entries;
	rec->cq_entries = info.cq_entries;
	rec->sqe_size = info.sqe_size;
	rec->cqe_size = info.cqe_size;
	rec->pool_bytes = info.pool_bytes;
	rec->age_ns = service_now_ns() - rr->created_ns;
	status = st.sq.status | st.cq.status;
	if (rr->phase == RINGS_PENDING)
		rec->state = RING_CTL_PENDING;
	else if ((status & RING_STATUS_BROKEN) || !st.sq.valid || !st.cq.valid)
		rec->state = RING_CTL_BROKEN;
	else if (status & RING_STATUS_DROP)
		rec->state = RING_CTL_DROPPED;
	else if (rr->phase == RINGS_ADOPTING)
		rec->state = RING_CTL_ADOPTING;
	else
		rec->state = RING_CTL_RUNNING;
	rings_fill_queue(&st.sq, &rec->sq);
	rings_fill_queue(&st.cq, &rec->cq);
}

/*
 * Records of the rings whose id is *from or more, at most max, in id order;
 * *from moves past the last one.  The rings' shared headers are read a
 * chunk at a time with ring_get_stats_many(), so that a snapshot of ten
 * thousand rings costs a few overlapped cache misses per ring, not a
 * chain of them.
 */
#define RINGS_CHUNK 32

size_t
rings_fill_batch(uint64_t *from, struct ring_ctl_ring *out, size_t max)
{
	struct ringd_ring key, *rr, *chunk[RINGS_CHUNK];
	const struct ring *mon[RINGS_CHUNK];
	struct ring_stats st[RINGS_CHUNK], none;
	size_t n = 0, k, m, v1;

	memset(&none, 0, sizeof(none));
	key.id = *from;
	rr = RB_NFIND(ring_tree, &ringd.rings, &key);
	while (n < max && rr != NULL) {
		for (m = 0; m < RINGS_CHUNK && n + m < max && rr != NULL; m++) {
			/* the lines rings_fill_rec() reads beyond the node */
			__builtin_prefetch(rr->scheme);
			__builtin_prefetch(&rr->mon);
			__builtin_prefetch(&rr->cpeer);
			__builtin_prefetch(&rr->ppeer);
			__builtin_prefetch(&rr->created_ns);
			chunk[m] = rr;
			rr = RB_NEXT(ring_tree, &ringd.rings, rr);
		}
		/* v1 pairs' monitors, in chunk order, mapped on first
		 * listing; redox_rings have none */
		for (k = v1 = 0; k < m; k++)
			if (chunk[k]->rx == NULL && rings_mon(chunk[k]) != NULL)
				mon[v1++] = chunk[k]->mon;
		ring_get_stats_many(mon, v1, st);
		for (k = v1 = 0; k < m; k++)
			if (chunk[k]->rx != NULL)
				redox_fill_rec(chunk[k], &out[n + k]);
			else if (chunk[k]->mon == NULL)
				rings_fill_rec(chunk[k], &none, &out[n + k]);
			else
				rings_fill_rec(chunk[k], &st[v1++], &out[n + k]);
		n += m;
	}
	if (n > 0)
		*from = out[n - 1].ring_id + 1;
	return n;
}
