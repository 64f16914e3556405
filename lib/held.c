/*
 * held.c - the producer's in-service table: SQEs taken, not yet answered.
 *
 * Popping an SQE frees its SQ slot at once, so without a record of its
 * own a request a producer had taken would vanish if the producer died
 * before answering it.  The producer therefore notes every SQE it pops in
 * a table in the pair's memory (struct ring_held in <ring/abi.h>) and
 * marks the entry answered in the same publication as its final CQE.
 * Whoever opens the producer side next (ringd, when it takes a dead
 * producer's place) finds exactly the requests that still lack an answer.
 *
 * A CQE answers the oldest request in service with the same user_data, as
 * Redox matches completions to submissions by user_data alone; a CQE with
 * RING_CQE_MORE answers nothing (the subscription stays in service), and a
 * CQE whose user_data matches no request is passed on unchanged.  Answers
 * in submission order find their entry at the head of the list at once;
 * an answer out of order walks the list from the oldest entry.
 *
 * The table has sq_entries entries, so a producer may hold at most that
 * many requests in service: with the table full, it pops nothing more
 * until it answers one (ring_sq_pop() says -EAGAIN and RING_EV_IN does
 * not hold).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void
ring_held_unlink(struct ring *r, uint32_t i)
{
	uint32_t p = r->held_prev[i], n = r->held_next[i];

	if (p == RING_HELD_NIL)
		r->held_first = n;
	else
		r->held_next[p] = n;
	if (n == RING_HELD_NIL)
		r->held_last = p;
	else
		r->held_prev[n] = p;
	r->held_next[i] = r->held_free;
	r->held_free = i;
	r->held_count--;
}

static void
ring_held_append(struct ring *r, uint32_t i)
{
	r->held_prev[i] = r->held_last;
	r->held_next[i] = RING_HELD_NIL;
	if (r->held_last == RING_HELD_NIL)
		r->held_first = i;
	else
		r->held_next[r->held_last] = i;
	r->held_last = i;
	r->held_count++;
}

/* The published 64-bit total behind a queue's head (or tail) index. */
uint64_t
ring_q_count(const struct ring_q *q, bool head)
{
	const struct ring_header *h = &q->hp->h;
	uint64_t idx, epoch;

	/* the epoch is stored after the index, so it may lag by one batch */
	idx = RING_LOAD_ACQ(head ? &h->head_index : &h->tail_index);
	epoch = RING_LOAD(head ? &h->pop_epoch : &h->push_epoch);
	return epoch + ((idx - epoch) & q->mask2);
}

struct held_order {
	uint64_t seq;
	uint32_t i;
};

static int
held_order_cmp(const void *a, const void *b)
{
	const struct held_order *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Producer open: allocate the private links and adopt what a previous
 * producer left in service (see the rule in <ring/abi.h>), oldest first.
 * The table's contents are not trusted beyond that rule: at worst they
 * name requests that get an answer they did not need.
 */
int
ring_held_setup(struct ring *r, uint8_t *table)
{
	uint32_t n = r->sq.n, i, k = 0;
	uint64_t popped, pushed, s, d;
	struct held_order *ord = NULL;

	r->held = (struct ring_held *)table;
	r->held_ud = calloc(n, sizeof(*r->held_ud));
	r->held_next = calloc(n, sizeof(*r->held_next));
	r->held_prev = calloc(n, sizeof(*r->held_prev));
	if (r->held_ud == NULL || r->held_next == NULL || r->held_prev == NULL)
		return -ENOMEM;
	r->held_first = r->held_last = r->held_free = RING_HELD_NIL;
	r->held_count = 0;

	popped = ring_q_count(&r->sq, true);
	pushed = ring_q_count(&r->cq, false);
	if (popped != 0) {
		ord = malloc(n * sizeof(*ord));
		if (ord == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			s = RING_LOAD(&r->held[i].sq_seq);
			d = RING_LOAD(&r->held[i].done_seq);
			if (s == 0 || s > popped || (d != 0 && d <= pushed))
				continue;
			ord[k].seq = s;
			ord[k++].i = i;
			/* mark it: in service, not free */
			r->held_prev[i] = RING_HELD_NIL;
			r->held_next[i] = RING_HELD_NIL;
			r->held_ud[i] = 1;
		}
		qsort(ord, k, sizeof(*ord), held_order_cmp);
	}
	/* free entries: a stack with the lowest index on top */
	for (i = n; i-- > 0;) {
		if (r->held_ud[i] != 0)
			continue;
		r->held_next[i] = r->held_free;
		r->held_free = i;
	}
	for (i = 0; i < k; i++) {
		r->held_ud[ord[i].i] = RING_LOAD(&r->held[ord[i].i].user_data);
		ring_held_append(r, ord[i].i);
	}
	free(ord);
	return 0;
}

/*
 * Note a popped SQE as in service before the head store that takes it.
 * The caller made sure an entry is free.
 */
void
ring_held_take(struct ring *r, const struct ring_sqe *sqe, uint64_t sq_seq)
{
	uint32_t i = r->held_free;
	struct ring_held *h = &r->held[i];

	r->held_free = r->held_next[i];
	r->held_ud[i] = sqe->user_data;
	RING_STORE(&h->sq_seq, sq_seq);
	RING_STORE(&h->user_data, sqe->user_data);
	RING_STORE(&h->done_seq, 0);
	ring_held_append(r, i);
}

/*
 * A CQE in slot is about to be published as the cq_seq-th ever pushed:
 * if it is final, it answers the oldest request in service with its
 * user_data.  Called before the tail store that publishes it.
 */
void
ring_held_answer(struct ring *r, const void *slot, uint64_t cq_seq)
{
	uint64_t ud, flags;
	uint32_t i;

	if (r->cq.esize == sizeof(struct ring_cqe)) {
		const struct ring_cqe *c = slot;

		ud = c->user_data;
		flags = c->flags;
	} else {
		const struct ring_cqe32 *c = slot;

		ud = c->user_data;
		flags = c->flags;
	}
	if (flags & RING_CQE_MORE)
		return;
	for (i = r->held_first; i != RING_HELD_NIL; i = r->held_next[i]) {
		if (r->held_ud[i] == ud) {
			RING_STORE(&r->held[i].done_seq, cq_seq);
			ring_held_unlink(r, i);
			return;
		}
	}
}

void
ring_held_fini(struct ring *r)
{
	free(r->held_ud);
	free(r->held_next);
	free(r->held_prev);
	r->held_ud = NULL;
	r->held_next = r->held_prev = NULL;
}
