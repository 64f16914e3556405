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
 *
 * The private side (user_data copies and list links) costs only what is
 * used: entries are handed out from a free stack and, when it is empty,
 * from a high-water mark, so a producer that keeps few requests in
 * service touches only the first few entries of a large table, both in
 * its private arrays and in the shared table.  A table of a page or more
 * is its own anonymous mapping, reserved whole at open and backed by the
 * kernel page by page as the high-water mark rises: nothing can fail once
 * the ring is open, and ring_close() gives every page back to the system
 * (a heap block of that size would stay with the process).  ringd holds
 * the producer side of every ring it serves, so this is what keeps a
 * client's thousands of 4096-entry rings from pinning ringd's memory.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/*
 * One block holds the private tables: the list links, this header, then
 * the user_data copies (held_ud).  The links of entry i, next and prev,
 * are the pair of words 2i + 2 below the header, so that the first
 * entries' links, the header and the first entries' user_data lie side by
 * side; in a mapped block the header sits in the middle of a page, which
 * then holds all of that for entries 0-252.  held_next and held_prev
 * point at entry 0's pair; HELD_NEXT()/HELD_PREV() index them.
 */
struct held_block {
	void *base;   /* where the block starts */
	size_t bytes; /* the whole block */
	uint32_t hw;  /* entries [hw, sq.n) were never handed out */
	bool mapped;  /* an mmap()ed block, not a heap one */
};

#define HELD_NEXT(r, i) ((r)->held_next[-2 * (ptrdiff_t)(i)])
#define HELD_PREV(r, i) ((r)->held_prev[-2 * (ptrdiff_t)(i)])
#define HELD_MMAP_MIN 4096u /* blocks this large are mappings */

static struct held_block *
held_hdr(const struct ring *r)
{
	return (struct held_block *)r->held_ud - 1;
}

static void
ring_held_unlink(struct ring *r, uint32_t i)
{
	uint32_t p = HELD_PREV(r, i), n = HELD_NEXT(r, i);

	if (p == RING_HELD_NIL)
		r->held_first = n;
	else
		HELD_NEXT(r, p) = n;
	if (n == RING_HELD_NIL)
		r->held_last = p;
	else
		HELD_PREV(r, n) = p;
	HELD_NEXT(r, i) = r->held_free;
	r->held_free = i;
	r->held_count--;
}

static void
ring_held_append(struct ring *r, uint32_t i)
{
	HELD_PREV(r, i) = r->held_last;
	HELD_NEXT(r, i) = RING_HELD_NIL;
	if (r->held_last == RING_HELD_NIL)
		r->held_first = i;
	else
		HELD_NEXT(r, r->held_last) = i;
	r->held_last = i;
	r->held_count++;
}

/* The published 64-bit total behind a queue's head (or tail) index. */
uint64_t
ringi_q_count(const struct ring_q *q, bool head)
{
	const struct ring_header *h = &q->hp->h;
	uint64_t idx, epoch;

	/* the epoch is stored after the index, so it may lag by one batch */
	/* pairs with the index's release store in ring_q_publish/consume() */
	idx = ring_load_acquire(head ? &h->head_index : &h->tail_index);
	epoch = ring_load_relaxed(head ? &h->pop_epoch : &h->push_epoch);
	return epoch + ((idx - epoch) & q->mask2);
}

/* Memory that goes back to the system when freed if it is a page or more. */
static void *
held_alloc(size_t bytes, bool *mapped)
{
	void *p;

	*mapped = bytes >= HELD_MMAP_MIN;
	if (!*mapped)
		return malloc(bytes);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
held_release(void *p, size_t bytes, bool mapped)
{
	if (p == NULL)
		return;
	if (mapped)
		munmap(p, bytes);
	else
		free(p);
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
 * Adopt what a previous producer left in service (see the rule in
 * <ring/abi.h>), oldest first.  Entries below the highest one in service
 * that are not in service go on the free stack, lowest on top.
 */
static int
ring_held_adopt(struct ring *r, uint64_t popped, uint64_t pushed)
{
	struct held_block *b = held_hdr(r);
	uint32_t n = r->sq.n, i, k = 0, hw = 0;
	struct held_order *ord;
	size_t bytes = (size_t)n * sizeof(*ord);
	uint64_t s, dn;
	bool mapped;

	if ((ord = held_alloc(bytes, &mapped)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s = ring_load_relaxed(&r->held[i].sq_seq);
		dn = ring_load_relaxed(&r->held[i].done_seq);
		if (s == 0 || s > popped || (dn != 0 && dn <= pushed))
			continue;
		ord[k].seq = s;
		ord[k++].i = i;
		hw = i + 1;
	}
	qsort(ord, k, sizeof(*ord), held_order_cmp);
	/* mark the ones in service, then stack the others below hw */
	for (i = 0; i < hw; i++)
		HELD_PREV(r, i) = 0;
	for (i = 0; i < k; i++)
		HELD_PREV(r, ord[i].i) = RING_HELD_NIL;
	for (i = hw; i-- > 0;) {
		if (HELD_PREV(r, i) == RING_HELD_NIL)
			continue;
		HELD_NEXT(r, i) = r->held_free;
		r->held_free = i;
	}
	b->hw = hw;
	for (i = 0; i < k; i++) {
		r->held_ud[ord[i].i] =
		    ring_load_relaxed(&r->held[ord[i].i].user_data);
		ring_held_append(r, ord[i].i);
	}
	held_release(ord, bytes, mapped);
	return 0;
}

/*
 * Producer open: reserve the private tables and adopt what a previous
 * producer left in service.  The shared table's contents are not trusted
 * beyond the rule in <ring/abi.h>: at worst they name requests that get
 * an answer they did not need.
 */
int
ringi_held_setup(struct ring *r, uint8_t *table)
{
	uint32_t n = r->sq.n;
	size_t hdr = 2 * (size_t)n * sizeof(uint32_t); /* the links below */
	size_t tail = sizeof(struct held_block) + (size_t)n * sizeof(uint64_t);
	struct held_block *b;
	uint64_t popped, pushed;
	uint8_t *base;
	bool mapped;

	if (hdr + tail >= HELD_MMAP_MIN)
		hdr += (HELD_MMAP_MIN / 2 - hdr % HELD_MMAP_MIN) %
		    HELD_MMAP_MIN;
	r->held = (struct ring_held *)table;
	if ((base = held_alloc(hdr + tail, &mapped)) == NULL)
		return -ENOMEM;
	b = (struct held_block *)(base + hdr);
	b->base = base;
	b->bytes = hdr + tail;
	b->hw = 0;
	b->mapped = mapped;
	r->held_next = (uint32_t *)b - 2;
	r->held_prev = (uint32_t *)b - 1;
	r->held_ud = (uint64_t *)(b + 1);
	r->held_first = r->held_last = r->held_free = RING_HELD_NIL;
	r->held_count = 0;

	popped = ringi_q_count(&r->sq, true);
	pushed = ringi_q_count(&r->cq, false);
	if (popped == 0)
		return 0;
	return ring_held_adopt(r, popped, pushed);
}

/*
 * Note a popped SQE as in service before the head store that takes it.
 * The caller made sure an entry is free: one on the stack, or else one
 * never handed out (held_count < sq.n).
 */
void
ringi_held_take(struct ring *r, const struct ring_sqe *sqe, uint64_t sq_seq)
{
	uint32_t i = r->held_free;
	struct ring_held *h;

	if (i != RING_HELD_NIL)
		r->held_free = HELD_NEXT(r, i);
	else
		i = held_hdr(r)->hw++;
	h = &r->held[i];
	r->held_ud[i] = sqe->user_data;
	ring_store_relaxed(&h->sq_seq, sq_seq);
	ring_store_relaxed(&h->user_data, sqe->user_data);
	ring_store_relaxed(&h->done_seq, 0);
	ring_held_append(r, i);
}

/*
 * A CQE in slot is about to be published as the cq_seq-th ever pushed:
 * if it is final, it answers the oldest request in service with its
 * user_data.  Called before the tail store that publishes it.
 */
void
ringi_held_answer(struct ring *r, const void *slot, uint64_t cq_seq)
{
	uint64_t ud, flags;
	uint32_t i;

	if (!r->cq.b32) {
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
	for (i = r->held_first; i != RING_HELD_NIL; i = HELD_NEXT(r, i)) {
		if (r->held_ud[i] == ud) {
			ring_store_relaxed(&r->held[i].done_seq, cq_seq);
			ring_held_unlink(r, i);
			return;
		}
	}
}

void
ringi_held_fini(struct ring *r)
{
	struct held_block *b;

	if (r->held_ud != NULL) {
		b = held_hdr(r);
		held_release(b->base, b->bytes, b->mapped);
	}
	r->held_ud = NULL;
	r->held_next = r->held_prev = NULL;
}
