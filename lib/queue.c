/*
 * queue.c - the SPSC queues: the peer's index refreshed and validated,
 * push and pop (copying, batch, peek), zero-copy reserve and publish, the
 * producer's cancel of what it holds, and the consumer's own answers to
 * SQEs nobody will take after DROP (orphans).
 *
 * Index rule (Redox RFC): raw indices run modulo 2n; slot = raw mod n and
 * the cycle bit = raw / n.  Equal indices mean empty, indices n apart mean
 * full.  The pusher publishes with a release store of tail_index, the
 * popper frees slots with a release store of head_index; each side loads
 * the other's index with acquire, and only when its cached copy says there
 * is nothing to do.  Every index read from the peer is validated; a bad one
 * breaks the pair for good (-EIO) rather than being used.
 *
 * Part of libring's data path: depends on entry.c (slot formats), held.c
 * (the in-service table), wait.c (wakeups) and pair.c (ringi_fail()).
 */
#include <errno.h>
#include <string.h>

#include "entry.h"
#include "internal.h"

/*
 * Re-read and validate the peer's index of q.  The popper's view of tail
 * may only move forward and never more than n past head; the pusher's view
 * of head may only move forward and never past tail.
 */
static inline __attribute__((always_inline)) int
ring_q_refresh(struct ring *r, struct ring_q *q, bool pusher)
{
	uint64_t v, span;

	if (pusher) {
		/* pairs with the popper's release in ring_q_consume() */
		v = ring_load_acquire(&q->hp->h.head_index);
		span = (q->own - q->peer) & q->mask2;
	} else {
		/* pairs with the pusher's release in ring_q_publish() */
		v = ring_load_acquire(&q->hp->h.tail_index);
		span = q->n - ((q->peer - q->own) & q->mask2);
	}
	if (__builtin_expect(v > q->mask2 || ((v - q->peer) & q->mask2) > span,
		0))
		return ringi_fail(r);
	q->peer = v;
	return 0;
}

/* Entries the popper may take, or free slots the pusher may fill. */
static inline __attribute__((always_inline)) uint64_t
ring_q_avail(const struct ring_q *q, bool pusher)
{
	if (pusher)
		return q->n - ((q->own - q->peer) & q->mask2) - q->reserved;
	return (q->peer - q->own) & q->mask2;
}

static inline void *
ring_q_slot(const struct ring_q *q, uint64_t idx)
{
	return q->slots + (size_t)(idx & (q->n - 1)) * q->esize;
}

/*
 * Status of q once something is set: in the status word (read as s) or
 * in the handle.  -ESHUTDOWN after DROP, -EIO if the pair is broken or
 * the word holds bits nobody defined, else 0.
 */
static __attribute__((noinline)) int
ring_q_status_set(struct ring *r, struct ring_q *q, uint64_t s)
{
	if (r->broken)
		return -EIO;
	if ((s & ~(uint64_t)RING_STATUS_KNOWN) != 0 || (s & RING_STATUS_BROKEN))
		return ringi_fail(r);
	/*
	 * The two status words get DROP one after the other: once either
	 * said so, this handle pushes nothing more, so that a producer
	 * told by the SQ cannot still answer into the CQ.
	 */
	if (s & RING_STATUS_DROP)
		r->seen_drop = true;
	return (s & RING_STATUS_DROP) || r->shut || (q->pusher && r->seen_drop)
	    ? -ESHUTDOWN
	    : 0;
}

/*
 * Status of q as the data path sees it (ring_q_status_set() says what).
 * The status word is read on every call; it is written only when a side
 * leaves or breaks the pair, so the line stays shared in both caches and
 * the read costs no transfer.
 */
static inline __attribute__((always_inline)) int
ring_q_status(struct ring *r, struct ring_q *q)
{
	/* pairs with the full barrier of ring_set_status() (pair.c) */
	uint64_t s = ring_load_acquire(&q->hp->h.status);

	if (__builtin_expect((s | r->broken | r->shut | r->seen_drop) == 0, 1))
		return 0;
	return ring_q_status_set(r, q, s);
}

/*
 * How much q offers now (entries or room), re-reading the peer's index
 * only when the cached copy offers less than want.  0 with *st holding
 * -EAGAIN or -ESHUTDOWN when there is nothing; negative on a broken pair.
 * pusher is q->pusher, a constant where the caller knows it.
 */
static inline __attribute__((always_inline)) int64_t
ring_q_ready(struct ring *r, struct ring_q *q, bool pusher, uint64_t want,
    int *st)
{
	uint64_t n;
	int rc;

	*st = ring_q_status(r, q);
	if (__builtin_expect(*st != 0, 0)) {
		if (*st == -EIO)
			return -EIO;
		if (pusher)
			return 0; /* nobody will ever pop what we would push */
	}
	n = ring_q_avail(q, pusher);
	if (n < want) {
		/*
		 * A popper about to re-read tail starts loading the slot it
		 * takes next as well: when the tail it reads is new, the
		 * pusher wrote that slot before it, and the two misses
		 * overlap instead of following each other.  Only a hint: the
		 * slot is read for real after the acquire of tail.
		 */
		if (!pusher)
			__builtin_prefetch(ring_q_slot(q, q->own));
		if ((rc = ring_q_refresh(r, q, pusher)) < 0)
			return rc;
		n = ring_q_avail(q, pusher);
	}
	if (n == 0 && *st == 0)
		*st = -EAGAIN;
	return (int64_t)n;
}

int64_t
ringi_q_ready(struct ring *r, struct ring_q *q, uint64_t want, int *st)
{
	return ring_q_ready(r, q, q->pusher, want, st);
}

/*
 * After our index store: wake the peer if it announced it sleeps.  The
 * full barrier pairs with the sleeper's after ring_announce() (wait.c);
 * it is skipped when the sleeper promised a global barrier (fence) that
 * reaches this process.  Both loads stay after the store in program
 * order, which is what the global barrier orders.
 */
static inline void
ring_q_notify(struct ring *r, uint32_t *word, const uint32_t *fence)
{
	atomic_signal_fence(memory_order_seq_cst);
	if (!ring_load_relaxed(&ringi_fence_light) ||
	    ring_load_relaxed(fence) != RING_FENCE_MEMBARRIER)
		ring_smp_mb();
	if (__builtin_expect(ring_load_relaxed(word) != 0, 0))
		ringi_wake(r, word);
}

/*
 * Move this side's own index and epoch of q k entries on and publish them
 * (the pusher's tail_index and push_epoch, or the popper's head_index and
 * pop_epoch), then wake the other side, which sleeps on wake.
 */
static inline void
ring_q_advance(struct ring *r, struct ring_q *q, unsigned k, uint64_t *index,
    uint64_t *epoch, uint32_t *wake, const uint32_t *fence)
{
	q->own = (q->own + k) & q->mask2;
	q->epoch += k;
	/* pairs with the acquire in the other side's ring_q_refresh() */
	ring_store_release(index, q->own);
	ring_store_relaxed(epoch, q->epoch);
	ring_q_notify(r, wake, fence);
}

/* Publish k entries pushed into q, the SQ (sq) or the CQ. */
static inline void
ring_q_publish(struct ring *r, struct ring_q *q, bool sq, unsigned k)
{
	unsigned i;

	/* final answers mark their requests in the same publication */
	if (!sq && r->held_ud != NULL)
		for (i = 0; i < k; i++)
			ringi_held_answer(r, ring_q_slot(q, q->own + i),
			    q->epoch + i + 1);
	ring_q_advance(r, q, k, &q->hp->h.tail_index, &q->hp->h.push_epoch,
	    &q->hp->pop_wait, &q->hp->pop_fence);
	/*
	 * Take the line of the slot the next push fills now, while nobody
	 * waits for it, so that the next publication's stores wait for the
	 * tail line only.  Only a hint: if the slot is not free yet, the
	 * popper's read of it is unaffected.
	 */
	__builtin_prefetch(ring_q_slot(q, q->own), 1);
}

static inline void
ring_q_consume(struct ring *r, struct ring_q *q, unsigned k)
{
	ring_q_advance(r, q, k, &q->hp->h.head_index, &q->hp->h.pop_epoch,
	    &q->hp->push_wait, &q->hp->push_fence);
}

/*
 * Push n entries of v (stride bytes apart) into the SQ (sq) or the CQ.
 * Inlined into each exported call, so that which queue it is, its entry
 * size and, for the single-entry calls, the count are constants.
 */
static inline __attribute__((always_inline)) int
ring_push(struct ring *r, enum ring_role role, bool sq, const void *v,
    size_t stride, unsigned n)
{
	struct ring_q *q = sq ? &r->sq : &r->cq;
	int64_t avail;
	unsigned i, k;
	int st, rc;

	if (r->role != role)
		return -EPERM;
	if (q->reserved != 0)
		return -EBUSY;
	if (n == 0)
		return -EINVAL;
	avail = ring_q_ready(r, q, true, n, &st);
	if (avail <= 0)
		return avail < 0 ? (int)avail : st;
	k = avail < n ? (unsigned)avail : n;
	for (i = 0; i < k; i++) {
		rc = ringi_q_store(q, sq, ring_q_slot(q, q->own + i),
		    (const uint8_t *)v + i * stride);
		if (rc < 0) {
			if (i == 0)
				return rc;
			break;
		}
	}
	ring_q_publish(r, q, sq, i);
	return (int)i;
}

/*
 * SQEs we published that nobody took, once the peer (or ringd for it)
 * set DROP and the CQ is drained: nothing can answer them any more (no
 * CQE is pushed after DROP, and nobody takes an SQE it cannot answer),
 * so the consumer answers them itself, -ESHUTDOWN, from its own slots.
 * Returns how many there are from the cursor on; 0 when we left
 * ourselves.
 */
uint64_t
ringi_orphans(struct ring *r)
{
	struct ring_q *sq = &r->sq;
	uint64_t head;

	if (r->shut || r->role != RING_ROLE_CONSUMER)
		return 0;
	/* pairs with the producer's release in ring_q_consume() */
	head = ring_load_acquire(&sq->hp->h.head_index);
	if (head > sq->mask2 || ((sq->own - head) & sq->mask2) > sq->n)
		return 0;
	if (!r->orphan_set ||
	    ((sq->own - head) & sq->mask2) <
		((sq->own - r->orphan) & sq->mask2)) {
		r->orphan = head;
		r->orphan_set = true;
	}
	return (sq->own - r->orphan) & sq->mask2;
}

static __attribute__((noinline)) int
ring_orphans_pop(struct ring *r, void *v, size_t stride, unsigned n,
    bool consume)
{
	struct ring_q *sq = &r->sq;
	struct ring_sqe sqe;
	struct ring_cqe *c;
	uint64_t avail = ringi_orphans(r);
	unsigned i, k;

	if (avail == 0)
		return -ESHUTDOWN;
	k = avail < n ? (unsigned)avail : n;
	for (i = 0; i < k; i++) {
		ringi_q_load(sq, true, &sqe, ring_q_slot(sq, r->orphan + i));
		c = (struct ring_cqe *)(void *)((uint8_t *)v + i * stride);
		memset(c, 0, sizeof(*c));
		c->user_data = sqe.user_data;
		c->status = (uint64_t)(int64_t)-ESHUTDOWN;
	}
	if (consume)
		r->orphan = (r->orphan + k) & sq->mask2;
	return (int)k;
}

/*
 * Pop (consume) or peek up to n entries of the SQ (sq) or the CQ into v,
 * stride bytes apart; inlined into each exported call as ring_push() is.
 */
static inline __attribute__((always_inline)) int
ring_pop(struct ring *r, enum ring_role role, bool sq, void *v,
    size_t stride, unsigned n, bool consume)
{
	struct ring_q *q = sq ? &r->sq : &r->cq;
	int64_t avail;
	unsigned i, k;
	bool take = consume && sq;
	int st;

	if (r->role != role)
		return -EPERM;
	if (n == 0)
		return -EINVAL;
	avail = ring_q_ready(r, q, false, n, &st);
	if (avail <= 0) {
		if (avail == 0 && st == -ESHUTDOWN && !sq)
			return ring_orphans_pop(r, v, stride, n, consume);
		return avail < 0 ? (int)avail : st;
	}
	k = avail < n ? (unsigned)avail : n;
	if (take && k > q->n - r->held_count) {
		/* every in-service entry is taken: answer one first */
		if (r->held_count == q->n)
			return -EAGAIN;
		k = q->n - r->held_count;
	}
	for (i = 0; i < k; i++) {
		void *e = (uint8_t *)v + i * stride;

		ringi_q_load(q, sq, e, ring_q_slot(q, q->own + i));
		if (take)
			ringi_held_take(r, e, q->epoch + i + 1);
	}
	if (consume)
		ring_q_consume(r, q, k);
	return (int)k;
}

/* A single-entry call returns 0 rather than the count 1. */
static inline int
ring_one(int rc)
{
	return rc < 0 ? rc : 0;
}

/*
 * The five exported calls of queue q (sq or cq), whose entries are etype,
 * pushed by the side pusher and popped by the side popper:
 * ring_<q>_push, ring_<q>_push_batch, ring_<q>_pop, ring_<q>_pop_batch and
 * ring_<q>_peek, as declared in <ring/ring.h>.
 */
#define RING_QUEUE_CALLS(q, is_sq, etype, pusher, popper)                 \
	RING_EXPORT int                                                   \
	ring_##q##_push(struct ring *r, const etype *e)                   \
	{                                                                 \
		return ring_one(                                          \
		    ring_push(r, pusher, is_sq, e, sizeof(*e), 1));       \
	}                                                                 \
	RING_EXPORT int                                                   \
	ring_##q##_push_batch(struct ring *r, const etype *v, unsigned n) \
	{                                                                 \
		if (n == 1) /* the single-entry path, count constant */   \
			return ring_push(r, pusher, is_sq, v, sizeof(*v), 1); \
		return ring_push(r, pusher, is_sq, v, sizeof(*v), n);     \
	}                                                                 \
	RING_EXPORT int                                                   \
	ring_##q##_pop(struct ring *r, etype *e)                          \
	{                                                                 \
		return ring_one(                                          \
		    ring_pop(r, popper, is_sq, e, sizeof(*e), 1, true));  \
	}                                                                 \
	RING_EXPORT int                                                   \
	ring_##q##_pop_batch(struct ring *r, etype *v, unsigned n)        \
	{                                                                 \
		if (n == 1) /* the single-entry path, count constant */   \
			return ring_pop(r, popper, is_sq, v, sizeof(*v), 1,   \
			    true);                                        \
		return ring_pop(r, popper, is_sq, v, sizeof(*v), n, true); \
	}                                                                 \
	RING_EXPORT int                                                   \
	ring_##q##_peek(struct ring *r, etype *e)                         \
	{                                                                 \
		return ring_one(                                          \
		    ring_pop(r, popper, is_sq, e, sizeof(*e), 1, false)); \
	}

/* The consumer pushes SQEs and pops CQEs; the producer the other way. */
RING_QUEUE_CALLS(sq, true, struct ring_sqe, RING_ROLE_CONSUMER,
    RING_ROLE_PRODUCER)
RING_QUEUE_CALLS(cq, false, struct ring_cqe, RING_ROLE_PRODUCER,
    RING_ROLE_CONSUMER)

RING_EXPORT int
ring_sq_cancel(struct ring *r, int64_t status)
{
	struct ring_cqe cqe;
	struct ring_sqe sqe;
	int n = 0, rc;

	if (r->role != RING_ROLE_PRODUCER)
		return -EPERM;
	memset(&cqe, 0, sizeof(cqe));
	cqe.status = (uint64_t)status;
	for (;;) {
		if (r->held_count == 0) {
			/* take a queued SQE only with room for its answer */
			rc = ring_sq_peek(r, &sqe);
			if (rc == -EAGAIN || rc == -ESHUTDOWN)
				return n;
			if (rc == 0 && (rc = ring_reserve(r, 1)) > 0) {
				ring_publish(r, 0);
				rc = ring_sq_pop(r, &sqe);
			}
			if (rc < 0)
				return rc;
		}
		/* the oldest in service; pushing its answer unlinks it */
		cqe.user_data = r->held_ud[r->held_first];
		if ((rc = ring_cq_push(r, &cqe)) < 0)
			return rc;
		n++;
	}
}

RING_EXPORT unsigned
ring_sq_held(const struct ring *r)
{
	return r->role == RING_ROLE_PRODUCER ? r->held_count : 0;
}

RING_EXPORT int
ring_reserve(struct ring *r, unsigned n)
{
	struct ring_q *q = r->out;
	int64_t avail;
	unsigned more;
	int st;

	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (n == 0)
		return -EINVAL;
	if (q->reserved >= n)
		return (int)q->reserved;
	avail = ring_q_ready(r, q, true, n - q->reserved, &st);
	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return q->reserved ? (int)q->reserved : st;
	more = n - q->reserved;
	q->reserved += avail < more ? (unsigned)avail : more;
	return (int)q->reserved;
}

static void *
ring_slot(struct ring *r, enum ring_role role, uint32_t esize, unsigned i)
{
	struct ring_q *q = r->out;

	if (r->role != role || q->esize != esize || i >= q->reserved)
		return NULL;
	return ring_q_slot(q, q->own + i);
}

/* ring_<name>_slot(), as declared in <ring/ring.h>: slot i of etype. */
#define RING_SLOT_CALL(name, etype, role)                            \
	RING_EXPORT etype *                                          \
	ring_##name##_slot(struct ring *r, unsigned i)               \
	{                                                            \
		return ring_slot(r, role, sizeof(etype), i);         \
	}

/* The consumer fills SQE slots, the producer CQE slots. */
RING_SLOT_CALL(sqe, struct ring_sqe, RING_ROLE_CONSUMER)
RING_SLOT_CALL(sqe32, struct ring_sqe32, RING_ROLE_CONSUMER)
RING_SLOT_CALL(cqe, struct ring_cqe, RING_ROLE_PRODUCER)
RING_SLOT_CALL(cqe32, struct ring_cqe32, RING_ROLE_PRODUCER)

/*
 * Publish the first k reserved slots; the rest of the reservation is
 * dropped (its slots were never visible to the peer).
 */
RING_EXPORT int
ring_publish(struct ring *r, unsigned k)
{
	struct ring_q *q = r->out;
	int st;

	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (k > q->reserved)
		return -EINVAL;
	q->reserved = 0;
	st = ring_q_status(r, q);
	if (st < 0)
		return st;
	if (k > 0)
		ring_q_publish(r, q, q->sq, k);
	return (int)k;
}
