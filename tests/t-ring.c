/*
 * t-ring.c - the queue data path in one process: a consumer and a producer
 * handle opened on the same pair, plus monitors and hand-made memory files.
 *
 * Covers empty/full by the cycle bit, order, wrap-around of the raw indices
 * and of 32-bit epoch values, batches, reserve/slot/publish, peek, role
 * errors, 32-bit entries, entry checks, what ring_open() refuses, and the
 * waiting calls (timeouts, wakeups, ring_arm/ring_fd/ring_disarm).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

/* A pair with both sides open in this process. */
struct pair {
	struct ring_fds fds;
	struct ring *c, *p;
};

/*
 * A producer holds every SQE it pops in service until a final CQE answers
 * it, at most sq_entries at once.  Tests of the SQ alone pop without
 * answering; when the producer is about to run out of in-service entries,
 * sq_make_room() answers everything popped so far and lets the consumer
 * take the answers.  Only tests that pop more than sq_entries SQEs ever
 * see the CQ move for it.
 */
static struct {
	struct ring *c, *p;
	uint64_t ud[64];
	unsigned n;
} sqt;

static void
sq_test_pair(struct ring *c, struct ring *p)
{
	sqt.c = c;
	sqt.p = p;
	sqt.n = 0;
}

static void
sq_make_room(struct ring *p)
{
	struct ring_info info;
	struct ring_cqe c, got;
	unsigned i;
	int rc;

	ring_get_info(p, &info);
	if (ring_sq_held(p) < info.sq_entries)
		return;
	TAP_ASSERT(sqt.p == p && sqt.n == info.sq_entries);
	for (i = 0; i < sqt.n; i++) {
		memset(&c, 0, sizeof(c));
		c.user_data = sqt.ud[i];
		while ((rc = ring_cq_push(p, &c)) == -EAGAIN)
			TAP_RC(ring_cq_pop(sqt.c, &got), 0);
		TAP_RC(rc, 0);
	}
	while (ring_cq_pop(sqt.c, &got) == 0)
		;
	sqt.n = 0;
	TAP_EQ_U(ring_sq_held(p), 0);
}

static void
sq_popped(struct ring *p, const struct ring_sqe *s, int n)
{
	int i;

	if (sqt.p != p)
		return;
	for (i = 0; i < n; i++) {
		TAP_ASSERT(sqt.n < sizeof(sqt.ud) / sizeof(sqt.ud[0]));
		sqt.ud[sqt.n++] = s[i].user_data;
	}
}

static void
pair_open(struct pair *pr, uint32_t sq, uint32_t cq, uint32_t flags)
{
	tu_create(&pr->fds, sq, cq, flags, 0);
	pr->c = tu_open(&pr->fds, RING_ROLE_CONSUMER);
	pr->p = tu_open(&pr->fds, RING_ROLE_PRODUCER);
	sq_test_pair(pr->c, pr->p);
}

static void
pair_close(struct pair *pr)
{
	ring_close(pr->c);
	ring_close(pr->p);
	ring_fds_close(&pr->fds);
}

/* Push the entry for seq on the SQ (cq false) or the CQ (cq true). */
static int
push_seq(struct ring *r, bool cq, uint64_t seq, bool b32)
{
	struct ring_sqe s;
	struct ring_cqe c;

	if (cq) {
		tu_cqe_make(&c, seq, ~seq, b32);
		return ring_cq_push(r, &c);
	}
	tu_sqe_make(&s, seq, b32);
	return ring_sq_push(r, &s);
}

/* Push entries seq.. as one batch; returns the library's answer. */
static int
push_batch_seq(struct ring *r, bool cq, uint64_t seq, unsigned n, bool b32)
{
	struct ring_sqe s[64];
	struct ring_cqe c[64];
	unsigned i;

	TAP_ASSERT(n <= 64);
	for (i = 0; i < n; i++) {
		tu_sqe_make(&s[i], seq + i, b32);
		tu_cqe_make(&c[i], seq + i, ~(seq + i), b32);
	}
	return cq ? ring_cq_push_batch(r, c, n) : ring_sq_push_batch(r, s, n);
}

/* Pop one entry and check it is the one for seq. */
static int
pop_seq(struct ring *r, bool cq, uint64_t seq, bool b32)
{
	struct ring_sqe s, ws;
	struct ring_cqe c, wc;
	int rc;

	if (cq) {
		rc = ring_cq_pop(r, &c);
		if (rc < 0)
			return rc;
		tu_cqe_make(&wc, seq, ~seq, b32);
		if (!tu_cqe_same(&c, &wc))
			TAP_FAIL("CQE popped has user_data %llu, expected %llu "
				 "(or a corrupt payload)",
			    (unsigned long long)c.user_data,
			    (unsigned long long)wc.user_data);
		return rc;
	}
	sq_make_room(r);
	rc = ring_sq_pop(r, &s);
	if (rc < 0)
		return rc;
	sq_popped(r, &s, 1);
	tu_sqe_make(&ws, seq, b32);
	if (!tu_sqe_same(&s, &ws))
		TAP_FAIL("SQE popped has user_data %llu, expected %llu "
			 "(or a corrupt payload)",
		    (unsigned long long)s.user_data,
		    (unsigned long long)ws.user_data);
	return rc;
}

/* Pop up to n as a batch and check they are seq, seq+1, ... */
static int
pop_batch_seq(struct ring *r, bool cq, uint64_t seq, unsigned n, bool b32)
{
	struct ring_sqe s[64], ws;
	struct ring_cqe c[64], wc;
	int rc, i;

	TAP_ASSERT(n <= 64);
	if (!cq)
		sq_make_room(r);
	rc = cq ? ring_cq_pop_batch(r, c, n) : ring_sq_pop_batch(r, s, n);
	if (!cq && rc > 0)
		sq_popped(r, s, rc);
	for (i = 0; i < rc; i++) {
		if (cq) {
			tu_cqe_make(&wc, seq + (unsigned)i,
			    ~(seq + (unsigned)i), b32);
			if (!tu_cqe_same(&c[i], &wc))
				TAP_FAIL("batch CQE %d has user_data %llu, "
					 "expected %llu",
				    i, (unsigned long long)c[i].user_data,
				    (unsigned long long)wc.user_data);
		} else {
			tu_sqe_make(&ws, seq + (unsigned)i, b32);
			if (!tu_sqe_same(&s[i], &ws))
				TAP_FAIL("batch SQE %d has user_data %llu, "
					 "expected %llu",
				    i, (unsigned long long)s[i].user_data,
				    (unsigned long long)ws.user_data);
		}
	}
	return rc;
}

static struct ring_queue_stats
qstats(const struct ring *r, bool cq)
{
	struct ring_stats st;

	memset(&st, 0x5a, sizeof(st));
	ring_get_stats(r, &st);
	return cq ? st.cq : st.sq;
}

/* Check a queue's shared view: indices, depth, epochs. */
static void
check_q(const struct ring *r, bool cq, uint64_t head, uint64_t tail,
    uint64_t depth, uint64_t push_epoch, uint64_t pop_epoch)
{
	struct ring_queue_stats s = qstats(r, cq);

	if (s.head != head || s.tail != tail || s.depth != depth ||
	    s.push_epoch != push_epoch || s.pop_epoch != pop_epoch || !s.valid)
		TAP_FAIL("%s stats head %llu tail %llu depth %llu epochs "
			 "%llu/%llu "
			 "valid %d, expected %llu %llu %llu %llu/%llu valid 1",
		    cq ? "CQ" : "SQ", (unsigned long long)s.head,
		    (unsigned long long)s.tail, (unsigned long long)s.depth,
		    (unsigned long long)s.push_epoch,
		    (unsigned long long)s.pop_epoch, (int)s.valid,
		    (unsigned long long)head, (unsigned long long)tail,
		    (unsigned long long)depth, (unsigned long long)push_epoch,
		    (unsigned long long)pop_epoch);
	TAP_HERE();
}

static void
test_empty(void)
{
	struct pair pr;
	struct ring_sqe s[4];
	struct ring_cqe c[4];

	pair_open(&pr, 8, 8, 0);
	TAP_RC(ring_sq_pop(pr.p, &s[0]), -EAGAIN);
	TAP_RC(ring_sq_peek(pr.p, &s[0]), -EAGAIN);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 4), -EAGAIN);
	TAP_RC(ring_cq_pop(pr.c, &c[0]), -EAGAIN);
	TAP_RC(ring_cq_peek(pr.c, &c[0]), -EAGAIN);
	TAP_RC(ring_cq_pop_batch(pr.c, c, 4), -EAGAIN);
	check_q(pr.c, false, 0, 0, 0, 0, 0);
	check_q(pr.p, true, 0, 0, 0, 0, 0);
	TAP_ASSERT(!ring_is_dropped(pr.c) && !ring_is_dropped(pr.p));
	TAP_ASSERT(!ring_is_broken(pr.c) && !ring_is_broken(pr.p));
	pair_close(&pr);
}

/* Fill one queue to exactly n, see it full by the cycle bit, drain it. */
static void
fill_drain(bool cq)
{
	const uint32_t n = 8;
	struct pair pr;
	struct ring *pusher, *popper;
	struct ring_queue_stats s;
	uint64_t i, round;

	pair_open(&pr, cq ? 4 : n, cq ? n : 4, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;
	for (round = 0; round < 3; round++) {
		uint64_t base = round * n;

		for (i = 0; i < n; i++)
			TAP_RC(push_seq(pusher, cq, base + i, false), 0);
		TAP_RC(push_seq(pusher, cq, 999, false), -EAGAIN);
		TAP_RC(push_batch_seq(pusher, cq, 999, 2, false), -EAGAIN);
		TAP_RC(ring_reserve(pusher, 1), -EAGAIN);
		/* full: equal slots, different cycle bits */
		s = qstats(pusher, cq);
		TAP_EQ_U(s.head % n, s.tail % n);
		TAP_ASSERT(s.head / n != s.tail / n);
		TAP_EQ_U(s.head, (base) % (2 * n));
		TAP_EQ_U(s.tail, (base + n) % (2 * n));
		TAP_EQ_U(s.depth, n);
		TAP_EQ_U(s.push_epoch, base + n);
		TAP_EQ_U(s.pop_epoch, base);
		TAP_ASSERT(s.valid);
		for (i = 0; i < n; i++)
			TAP_RC(pop_seq(popper, cq, base + i, false), 0);
		TAP_RC(pop_seq(popper, cq, 0, false), -EAGAIN);
		/* empty: equal slots, equal cycle bits */
		check_q(popper, cq, (base + n) % (2 * n), (base + n) % (2 * n),
		    0, base + n, base + n);
	}
	pair_close(&pr);
}

static void
test_full_sq(void)
{
	fill_drain(false);
}

static void
test_full_cq(void)
{
	fill_drain(true);
}

/*
 * Start one queue with both raw indices at 2n-1 and both epochs just
 * below 2^32 (written into the header page before anyone opens it), then
 * move many times n entries through it in random steps, checking order,
 * indices, depth and epochs all the way.
 */
static void
wrap_run(bool cq, uint32_t n, uint32_t flags, uint64_t salt)
{
	const uint64_t start = 2 * (uint64_t)n - 1;
	/* 32-bit epoch values about to wrap, congruent with the index */
	const uint64_t e0 = (1ull << 32) - 2 * (uint64_t)n + start;
	const uint64_t total = 8 * (uint64_t)n + 37;
	bool b32 = flags & RING_PAIR_BITS_32;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *c, *p, *pusher, *popper;
	uint64_t pushed = 0, popped = 0, k, i;
	size_t len;
	void *m;
	int rc;

	tu_srand(salt);
	tu_create(&fds, cq ? 4 : n, cq ? n : 4, flags, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = cq ? tu_cq_hdr(m) : tu_sq_hdr(m);
	hp->h.head_index = start;
	hp->h.tail_index = start;
	hp->h.push_epoch = e0;
	hp->h.pop_epoch = e0;
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	sq_test_pair(c, p);
	pusher = cq ? p : c;
	popper = cq ? c : p;
	check_q(c, cq, start, start, 0, e0, e0);

	while (popped < total) {
		/* push a random number of entries, singly or as a batch */
		k = 1 + tu_rand_below(n < 64 ? n + 1 : 64);
		if (tu_rand() & 1) {
			rc = push_batch_seq(pusher, cq, pushed, (unsigned)k,
			    b32);
			if (pushed - popped == n) {
				TAP_RC(rc, -EAGAIN);
			} else {
				uint64_t want = n - (pushed - popped);

				/* "up to": a stale view of head may give fewer */
				want = k < want ? k : want;
				if (rc < 1 || (uint64_t)rc > want)
					TAP_FAIL("push batch of %llu with room "
						 "for %llu = %s",
					    (unsigned long long)k,
					    (unsigned long long)(n -
						(pushed - popped)),
					    tap_rcname(rc));
				pushed += (uint64_t)rc;
			}
		} else {
			for (i = 0; i < k; i++) {
				rc = push_seq(pusher, cq, pushed, b32);
				if (pushed - popped == n) {
					TAP_RC(rc, -EAGAIN);
					break;
				}
				TAP_RC(rc, 0);
				pushed++;
			}
		}
		check_q(c, cq, (start + popped) % (2 * n),
		    (start + pushed) % (2 * n), pushed - popped, e0 + pushed,
		    e0 + popped);
		/* pop a random number */
		k = 1 + tu_rand_below(n < 64 ? n + 1 : 64);
		if (tu_rand() & 1) {
			rc = pop_batch_seq(popper, cq, popped, (unsigned)k,
			    b32);
			if (pushed == popped) {
				TAP_RC(rc, -EAGAIN);
			} else {
				uint64_t want = pushed - popped;

				want = k < want ? k : want;
				if (rc < 1 || (uint64_t)rc > want)
					TAP_FAIL("pop batch of %llu with %llu "
						 "queued = %s",
					    (unsigned long long)k,
					    (unsigned long long)(pushed -
						popped),
					    tap_rcname(rc));
				popped += (uint64_t)rc;
			}
		} else {
			for (i = 0; i < k; i++) {
				rc = pop_seq(popper, cq, popped, b32);
				if (pushed == popped) {
					TAP_RC(rc, -EAGAIN);
					break;
				}
				TAP_RC(rc, 0);
				popped++;
			}
		}
		check_q(p, cq, (start + popped) % (2 * n),
		    (start + pushed) % (2 * n), pushed - popped, e0 + pushed,
		    e0 + popped);
	}
	/* the epochs went past 2^32 as 64-bit counters */
	TAP_ASSERT(e0 + popped > (1ull << 32));
	TAP_EQ_U(hp->h.push_epoch, e0 + pushed);
	TAP_EQ_U(hp->h.pop_epoch, e0 + popped);
	TAP_EQ_U(hp->h.head_index, (start + popped) % (2 * n));
	TAP_EQ_U(hp->h.tail_index, (start + pushed) % (2 * n));
	ring_close(c);
	ring_close(p);
	munmap(m, len);
	ring_fds_close(&fds);
}

static void
test_wrap_sq(void)
{
	wrap_run(false, 8, 0, 1);
	wrap_run(false, 1, 0, 2);
	wrap_run(false, 2, 0, 3);
	wrap_run(false, 64, 0, 4);
	wrap_run(false, 16, RING_PAIR_BITS_32, 5);
}

static void
test_wrap_cq(void)
{
	wrap_run(true, 8, 0, 6);
	wrap_run(true, 1, 0, 7);
	wrap_run(true, 2, 0, 8);
	wrap_run(true, 64, 0, 9);
	wrap_run(true, 16, RING_PAIR_BITS_32, 10);
}

/*
 * Open a queue that already holds entries across the wrap point: tail is
 * numerically below head.  Both sides must see the depth the header says.
 */
static void
test_open_mid_wrap(void)
{
	const uint32_t n = 8;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *c, *p;
	struct ring_sqe s;
	size_t len;
	void *m;
	int i;

	tu_create(&fds, n, n, 0, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = tu_sq_hdr(m);
	hp->h.head_index = 2 * n - 2;
	hp->h.tail_index = 1; /* 3 entries: raw 14, 15, 0 */
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	sq_test_pair(c, p);
	TAP_EQ_U(qstats(c, false).depth, 3);
	/* room for n - 3 more, not one more */
	for (i = 0; i < (int)n - 3; i++)
		TAP_RC(push_seq(c, false, (uint64_t)i, false), 0);
	TAP_RC(push_seq(c, false, 99, false), -EAGAIN);
	TAP_EQ_U(qstats(c, false).depth, n);
	/* the 3 old entries (zeroed slots), then ours in order */
	for (i = 0; i < 3; i++) {
		TAP_RC(ring_sq_pop(p, &s), 0);
		sq_popped(p, &s, 1);
	}
	for (i = 0; i < (int)n - 3; i++)
		TAP_RC(pop_seq(p, false, (uint64_t)i, false), 0);
	TAP_RC(ring_sq_pop(p, &s), -EAGAIN);
	/* the epochs continue from the totals the indices prove (14 and 1) */
	check_q(p, false, (2 * n - 2 + n) % (2 * n), (2 * n - 2 + n) % (2 * n),
	    0, 1 + n - 3, 2 * n - 2 + n);
	ring_close(c);
	ring_close(p);
	munmap(m, len);
	ring_fds_close(&fds);
}

/*
 * Batches return "up to n": a side may answer from its cached view of the
 * peer's index and leave the rest for the next call.  Take count entries
 * in as few calls, each of at least one, then find the queue empty.
 */
static void
pop_batch_all(struct ring *popper, bool cq, uint64_t seq, unsigned count)
{
	unsigned got = 0, calls = 0;
	int rc;

	while (got < count) {
		rc = pop_batch_seq(popper, cq, seq + got, 64, false);
		if (rc < 1 || (unsigned)rc > count - got)
			TAP_FAIL("pop batch with %u queued = %s", count - got,
			    tap_rcname(rc));
		got += (unsigned)rc;
		if (++calls > 2)
			TAP_FAIL("%u batch pops for %u entries", calls, count);
	}
	TAP_RC(pop_batch_seq(popper, cq, seq + got, 64, false), -EAGAIN);
}

static void
batch_run(bool cq)
{
	struct pair pr;
	struct ring *pusher, *popper;
	struct ring_sqe s;
	struct ring_cqe c;

	pair_open(&pr, 8, 8, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;
	TAP_RC(push_batch_seq(pusher, cq, 0, 5, false), 5);
	check_q(pusher, cq, 0, 5, 5, 5, 0);
	/* only 3 fit: 3 are taken, in order */
	TAP_RC(push_batch_seq(pusher, cq, 5, 10, false), 3);
	TAP_RC(push_batch_seq(pusher, cq, 8, 1, false), -EAGAIN);
	/* a zero-sized batch is an error, and changes nothing */
	TAP_NEG(cq ? ring_cq_push_batch(pusher, &c, 0)
		   : ring_sq_push_batch(pusher, &s, 0));
	TAP_NEG(cq ? ring_cq_pop_batch(popper, &c, 0)
		   : ring_sq_pop_batch(popper, &s, 0));
	check_q(pusher, cq, 0, 8, 8, 8, 0);
	TAP_RC(pop_batch_seq(popper, cq, 0, 2, false), 2);
	pop_batch_all(popper, cq, 2, 6);
	check_q(popper, cq, 8, 8, 0, 8, 8);
	/* a batch across the wrap point */
	TAP_RC(push_batch_seq(pusher, cq, 8, 8, false), 8);
	TAP_RC(pop_batch_seq(popper, cq, 8, 3, false), 3);
	TAP_RC(push_batch_seq(pusher, cq, 16, 3, false), 3);
	pop_batch_all(popper, cq, 11, 8);
	check_q(popper, cq, 3, 3, 0, 19, 19);
	pair_close(&pr);
}

static void
test_batch(void)
{
	batch_run(false);
	batch_run(true);
}

/* Fill reserved slot i of the caller's outgoing queue with seq. */
static void *
slot_fill(struct ring *r, bool cq, unsigned i, uint64_t seq)
{
	if (cq) {
		struct ring_cqe *e = ring_cqe_slot(r, i);

		if (e == NULL)
			TAP_FAIL("ring_cqe_slot(%u) = NULL inside the "
				 "reservation",
			    i);
		tu_cqe_make(e, seq, ~seq, false);
		return e;
	} else {
		struct ring_sqe *e = ring_sqe_slot(r, i);

		if (e == NULL)
			TAP_FAIL("ring_sqe_slot(%u) = NULL inside the "
				 "reservation",
			    i);
		tu_sqe_make(e, seq, false);
		return e;
	}
}

static void *
slot_get(struct ring *r, bool cq, unsigned i)
{
	return cq ? (void *)ring_cqe_slot(r, i) : (void *)ring_sqe_slot(r, i);
}

/*
 * Reserve up to want slots, calling again while the answer grows (a stale
 * view of the peer's index may give fewer at first); the reservation must
 * reach expect within three calls and never shrink.
 */
static void
reserve_until(struct ring *r, unsigned want, unsigned expect)
{
	int rc, last = 0, calls;

	for (calls = 0; calls < 3; calls++) {
		rc = ring_reserve(r, want);
		if (rc < last || rc > (int)expect)
			TAP_FAIL("ring_reserve(%u) = %s after %d, expected up "
				 "to %u",
			    want, tap_rcname(rc), last, expect);
		last = rc;
		if (rc == (int)expect)
			break;
	}
	if (last != (int)expect)
		TAP_FAIL("ring_reserve(%u) stuck at %d, expected %u", want,
		    last, expect);
	TAP_HERE();
}

static void
reserve_run(bool cq)
{
	const uint32_t n = 8;
	struct pair pr;
	struct ring *pusher, *popper;
	void *s0, *s1;
	unsigned i;

	pair_open(&pr, n, n, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;

	/* reserve 5, fill 5, publish 3: exactly 3 become visible at once */
	TAP_RC(ring_reserve(pusher, 5), 5);
	for (i = 0; i < 5; i++)
		slot_fill(pusher, cq, i, 100 + i);
	TAP_ASSERT(slot_get(pusher, cq, 5) == NULL);
	TAP_RC(pop_seq(popper, cq, 100, false), -EAGAIN);
	check_q(pusher, cq, 0, 0, 0, 0, 0);
	TAP_RC(ring_publish(pusher, 3), 3);
	check_q(pusher, cq, 0, 3, 3, 3, 0);
	for (i = 0; i < 3; i++)
		TAP_RC(pop_seq(popper, cq, 100 + i, false), 0);
	TAP_RC(pop_seq(popper, cq, 103, false), -EAGAIN);

	/* the 2 unpublished slots were not published later either */
	TAP_RC(ring_reserve(pusher, 2), 2);
	slot_fill(pusher, cq, 0, 200);
	slot_fill(pusher, cq, 1, 201);
	TAP_RC(ring_publish(pusher, 2), 2);
	TAP_RC(pop_seq(popper, cq, 200, false), 0);
	TAP_RC(pop_seq(popper, cq, 201, false), 0);
	check_q(popper, cq, 5, 5, 0, 5, 5);

	/* reserving again keeps the earlier reservation and extends it */
	TAP_RC(ring_reserve(pusher, 2), 2);
	s0 = slot_fill(pusher, cq, 0, 300);
	s1 = slot_fill(pusher, cq, 1, 301);
	reserve_until(pusher, 4, 4);
	TAP_ASSERT(slot_get(pusher, cq, 0) == s0);
	TAP_ASSERT(slot_get(pusher, cq, 1) == s1);
	slot_fill(pusher, cq, 2, 302);
	slot_fill(pusher, cq, 3, 303);
	TAP_RC(ring_publish(pusher, 4), 4);
	for (i = 0; i < 4; i++)
		TAP_RC(pop_seq(popper, cq, 300 + i, false), 0);

	/* more than the room: the room; publishing nothing shows nothing */
	reserve_until(pusher, 100, n);
	TAP_ASSERT(slot_get(pusher, cq, n - 1) != NULL);
	TAP_ASSERT(slot_get(pusher, cq, n) == NULL);
	TAP_OK(ring_publish(pusher, 0));
	TAP_RC(pop_seq(popper, cq, 0, false), -EAGAIN);
	check_q(popper, cq, 9, 9, 0, 9, 9);

	/* more than reserved cannot be published */
	TAP_RC(ring_reserve(pusher, 2), 2);
	TAP_NEG(ring_publish(pusher, 3));
	TAP_RC(pop_seq(popper, cq, 0, false), -EAGAIN);
	TAP_OK(ring_publish(pusher, 0));
	TAP_NEG(ring_reserve(pusher, 0));

	/* the reservation wraps like pushes do */
	for (i = 0; i < n - 1; i++)
		TAP_RC(push_seq(pusher, cq, 400 + i, false), 0);
	TAP_RC(ring_reserve(pusher, 4), 1);
	slot_fill(pusher, cq, 0, 400 + n - 1);
	TAP_RC(ring_publish(pusher, 1), 1);
	TAP_RC(ring_reserve(pusher, 1), -EAGAIN);
	for (i = 0; i < n; i++)
		TAP_RC(pop_seq(popper, cq, 400 + i, false), 0);
	check_q(popper, cq, (9 + n) % (2 * n), (9 + n) % (2 * n), 0, 9 + n,
	    9 + n);
	pair_close(&pr);
}

static void
test_reserve_sq(void)
{
	reserve_run(false);
}

static void
test_reserve_cq(void)
{
	reserve_run(true);
}

/*
 * Publishing k slots is one step: the peer may see the tail before the
 * batch or after it, never in its middle.  A helper reserves 5 slots,
 * fills them and calls ring_publish(4) under ptrace; this process single-
 * steps it through the call and reads tail_index from its own mapping
 * after every instruction.
 */
static void
test_publish_one_step(void)
{
	struct pair pr;
	uint64_t steps = 0, tail, before, seen_mid = UINT64_MAX;
	bool seen_after = false;
	size_t len;
	void *m;
	const volatile uint64_t *tp;
	pid_t pid;
	int st;
	unsigned j;

	if (tu_under_valgrind()) {
		tap_diag("under valgrind: publish atomicity not checked");
		return;
	}
	pair_open(&pr, 8, 8, 0);
	m = tu_map(pr.fds.mem, &len, PROT_READ);
	tp = &tu_sq_hdr(m)->h.tail_index;
	/* start off zero and across the wrap: tail 14 + 4 = 2 */
	for (j = 0; j < 7; j++) {
		TAP_RC(push_seq(pr.c, false, j, false), 0);
		TAP_RC(pop_seq(pr.p, false, j, false), 0);
	}
	for (j = 0; j < 7; j++) {
		TAP_RC(push_seq(pr.c, false, j, false), 0);
		TAP_RC(pop_seq(pr.p, false, j, false), 0);
	}
	before = *tp;
	TAP_EQ_U(before, 14);
	reserve_until(pr.c, 5, 5);
	for (j = 0; j < 5; j++)
		slot_fill(pr.c, false, j, 100 + j);

	pid = tap_fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(77);
		raise(SIGSTOP);
		if (ring_publish(pr.c, 4) != 4)
			_exit(2);
		raise(SIGSTOP);
		_exit(0);
	}
	TAP_EQ(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		tap_reap(pid);
		tap_diag("ptrace not permitted: publish atomicity not checked");
		goto out;
	}
	TAP_ASSERT(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	for (;;) {
		TAP_SYS(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL));
		TAP_EQ(waitpid(pid, &st, 0), pid);
		if (!WIFSTOPPED(st))
			TAP_FAIL("helper ended while being stepped (status "
				 "%#x)",
			    st);
		tail = *tp;
		if (tail == (before + 4) % 16)
			seen_after = true;
		else if (tail != before)
			seen_mid = tail;
		if (WSTOPSIG(st) == SIGSTOP)
			break;
		if (WSTOPSIG(st) != SIGTRAP)
			TAP_FAIL("helper stopped by signal %d while stepped",
			    WSTOPSIG(st));
		if (++steps > 2000000)
			TAP_FAIL("ring_publish took over 2000000 instructions");
	}
	TAP_SYS(ptrace(PTRACE_DETACH, pid, NULL, NULL));
	tap_reap(pid);
	if (seen_mid != UINT64_MAX)
		TAP_FAIL("tail went %llu -> %llu -> %llu: not one step",
		    (unsigned long long)before, (unsigned long long)seen_mid,
		    (unsigned long long)(before + 4) % 16);
	TAP_ASSERT(seen_after);
	/* and the peer gets exactly the 4 */
	for (j = 0; j < 4; j++)
		TAP_RC(pop_seq(pr.p, false, 100 + j, false), 0);
	TAP_RC(pop_seq(pr.p, false, 104, false), -EAGAIN);
out:
	munmap(m, len);
	pair_close(&pr);
}

static void
test_peek(void)
{
	struct pair pr;
	struct ring_sqe s;
	struct ring_cqe c;
	int i;

	pair_open(&pr, 8, 8, 0);
	TAP_RC(push_seq(pr.c, false, 1, false), 0);
	TAP_RC(push_seq(pr.c, false, 2, false), 0);
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		TAP_RC(ring_sq_peek(pr.p, &s), 0);
		TAP_EQ_U(s.user_data, 1);
	}
	check_q(pr.p, false, 0, 2, 2, 2, 0);
	TAP_RC(pop_seq(pr.p, false, 1, false), 0);
	TAP_RC(ring_sq_peek(pr.p, &s), 0);
	TAP_EQ_U(s.user_data, 2);
	TAP_RC(pop_seq(pr.p, false, 2, false), 0);
	TAP_RC(ring_sq_peek(pr.p, &s), -EAGAIN);

	TAP_RC(push_seq(pr.p, true, 7, false), 0);
	TAP_RC(ring_cq_peek(pr.c, &c), 0);
	TAP_EQ_U(c.user_data, 7);
	TAP_RC(ring_cq_peek(pr.c, &c), 0);
	TAP_EQ_U(c.user_data, 7);
	check_q(pr.c, true, 0, 1, 1, 1, 0);
	TAP_RC(pop_seq(pr.c, true, 7, false), 0);
	TAP_RC(ring_cq_peek(pr.c, &c), -EAGAIN);
	pair_close(&pr);
}

/* Calls for the other role fail with -EPERM and change nothing. */
static void
test_roles(void)
{
	struct pair pr;
	struct ring *m;
	struct ring_sqe s;
	struct ring_cqe c;
	struct ring *all[3];
	uint64_t off;
	int i;

	pair_open(&pr, 8, 8, 0);
	m = tu_open(&pr.fds, RING_ROLE_MONITOR);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	TAP_RC(push_seq(pr.c, false, 1, false), 0);
	TAP_RC(push_seq(pr.p, true, 2, false), 0);

	/* the consumer may not serve */
	TAP_RC(ring_sq_pop(pr.c, &s), -EPERM);
	TAP_RC(ring_sq_peek(pr.c, &s), -EPERM);
	TAP_RC(ring_sq_pop_batch(pr.c, &s, 1), -EPERM);
	TAP_RC(ring_cq_push(pr.c, &c), -EPERM);
	TAP_RC(ring_cq_push_batch(pr.c, &c, 1), -EPERM);
	/* the producer may not call */
	TAP_RC(ring_sq_push(pr.p, &s), -EPERM);
	TAP_RC(ring_sq_push_batch(pr.p, &s, 1), -EPERM);
	TAP_RC(ring_cq_pop(pr.p, &c), -EPERM);
	TAP_RC(ring_cq_peek(pr.p, &c), -EPERM);
	TAP_RC(ring_cq_pop_batch(pr.p, &c, 1), -EPERM);
	TAP_NEG(ring_pool_alloc(pr.p, 64, &off));
	TAP_NEG(ring_pool_free(pr.p, 0, 64));
	/* the monitor may do neither */
	TAP_RC(ring_sq_push(m, &s), -EPERM);
	TAP_RC(ring_sq_push_batch(m, &s, 1), -EPERM);
	TAP_RC(ring_sq_pop(m, &s), -EPERM);
	TAP_RC(ring_sq_peek(m, &s), -EPERM);
	TAP_RC(ring_sq_pop_batch(m, &s, 1), -EPERM);
	TAP_RC(ring_cq_push(m, &c), -EPERM);
	TAP_RC(ring_cq_push_batch(m, &c, 1), -EPERM);
	TAP_RC(ring_cq_pop(m, &c), -EPERM);
	TAP_RC(ring_cq_peek(m, &c), -EPERM);
	TAP_RC(ring_cq_pop_batch(m, &c, 1), -EPERM);
	TAP_RC(ring_reserve(m, 1), -EPERM);
	TAP_NEG(ring_publish(m, 0));
	TAP_NEG(ring_wait(m, RING_EV_IN, 0));
	TAP_NEG(ring_arm(m, RING_EV_IN));
	TAP_NEG(ring_pool_alloc(m, 64, &off));

	/* slots are the pusher's alone, and of the pair's entry size */
	TAP_RC(ring_reserve(pr.c, 1), 1);
	TAP_RC(ring_reserve(pr.p, 1), 1);
	TAP_ASSERT(ring_sqe_slot(pr.c, 0) != NULL);
	TAP_ASSERT(ring_cqe_slot(pr.p, 0) != NULL);
	TAP_ASSERT(ring_cqe_slot(pr.c, 0) == NULL);
	TAP_ASSERT(ring_sqe_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_sqe32_slot(pr.c, 0) == NULL);
	TAP_ASSERT(ring_cqe32_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_sqe_slot(m, 0) == NULL);
	TAP_ASSERT(ring_cqe_slot(m, 0) == NULL);
	TAP_OK(ring_publish(pr.c, 0));
	TAP_OK(ring_publish(pr.p, 0));

	/* nothing moved: one entry each way, still there */
	check_q(m, false, 0, 1, 1, 1, 0);
	check_q(m, true, 0, 1, 1, 1, 0);
	TAP_RC(pop_seq(pr.p, false, 1, false), 0);
	TAP_RC(pop_seq(pr.c, true, 2, false), 0);
	all[0] = pr.c;
	all[1] = pr.p;
	all[2] = m;
	for (i = 0; i < 3; i++) {
		TAP_ASSERT(!ring_is_broken(all[i]));
		TAP_ASSERT(!ring_is_dropped(all[i]));
	}
	/* a monitor's close does not end the pair */
	ring_close(m);
	TAP_ASSERT(!ring_is_dropped(pr.c) && !ring_is_dropped(pr.p));
	TAP_RC(push_seq(pr.c, false, 3, false), 0);
	TAP_RC(pop_seq(pr.p, false, 3, false), 0);
	pair_close(&pr);
}

/* The raw 32-bit slots hold exactly what was pushed (Redox layout). */
static void
test_bits32_roundtrip(void)
{
	struct ring_layout l = ring_layout(RING_PAIR_BITS_32, 8, 8, 0);
	const struct ring_sqe32 *rs;
	const struct ring_cqe32 *rc32;
	struct ring_sqe32 *s32;
	struct ring_sqe s, got;
	struct ring_cqe c, gotc;
	struct pair pr;
	size_t len;
	unsigned char *m;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	m = tu_map(pr.fds.mem, &len, PROT_READ);

	memset(&s, 0, sizeof(s));
	s.opcode = 200;
	s.flags = RING_SQE_KNOWN;
	s.priority = 0xfffe;
	s.syscall_flags = 0xdeadbeef;
	s.fd = UINT32_MAX;
	s.len = 0x12345678;
	s.user_data = UINT32_MAX - 1;
	s.addr = 0x80000000u;
	s.offset = UINT64_MAX - 5;
	TAP_RC(ring_sq_push(pr.c, &s), 0);
	rs = (const struct ring_sqe32 *)(m + l.sq_ents);
	TAP_EQ(rs->opcode, 200);
	TAP_EQ(rs->flags, RING_SQE_KNOWN);
	TAP_EQ(rs->priority, 0xfffe);
	TAP_EQ_U(rs->syscall_flags, 0xdeadbeef);
	TAP_EQ_U(rs->fd, UINT32_MAX);
	TAP_EQ_U(rs->len, 0x12345678);
	TAP_EQ_U(rs->user_data, UINT32_MAX - 1);
	TAP_EQ_U(rs->addr, 0x80000000u);
	TAP_EQ_U(rs->offset, UINT64_MAX - 5);
	memset(&got, 0xee, sizeof(got));
	TAP_RC(ring_sq_pop(pr.p, &got), 0);
	TAP_ASSERT(tu_sqe_same(&got, &s));

	memset(&c, 0, sizeof(c));
	c.user_data = UINT32_MAX;
	c.status = 0x7fffffff;
	c.flags = RING_CQE_MORE;
	c.extra = 0xfffffffe;
	TAP_RC(ring_cq_push(pr.p, &c), 0);
	rc32 = (const struct ring_cqe32 *)(m + l.cq_ents);
	TAP_EQ_U(rc32->user_data, UINT32_MAX);
	TAP_EQ_U(rc32->status, 0x7fffffff);
	TAP_EQ_U(rc32->flags, RING_CQE_MORE);
	TAP_EQ_U(rc32->extra, 0xfffffffe);
	memset(&gotc, 0xee, sizeof(gotc));
	TAP_RC(ring_cq_pop(pr.c, &gotc), 0);
	TAP_ASSERT(tu_cqe_same(&gotc, &c));

	/* zero-copy in 32-bit form; the 64-bit slot call does not apply */
	TAP_RC(ring_reserve(pr.c, 1), 1);
	TAP_ASSERT(ring_sqe_slot(pr.c, 0) == NULL);
	s32 = ring_sqe32_slot(pr.c, 0);
	TAP_ASSERT(s32 != NULL);
	memset(s32, 0, sizeof(*s32));
	s32->opcode = RING_OP_READ;
	s32->fd = 77;
	s32->user_data = 0xabcdef01;
	s32->offset = 1ull << 40;
	TAP_RC(ring_publish(pr.c, 1), 1);
	TAP_RC(ring_sq_pop(pr.p, &got), 0);
	TAP_EQ(got.opcode, RING_OP_READ);
	TAP_EQ_U(got.fd, 77);
	TAP_EQ_U(got.user_data, 0xabcdef01);
	TAP_EQ_U(got.offset, 1ull << 40);
	TAP_EQ_U(got.additional1, 0);
	TAP_EQ_U(got.additional2, 0);
	TAP_RC(ring_reserve(pr.p, 1), 1);
	TAP_ASSERT(ring_cqe_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_cqe32_slot(pr.p, 0) != NULL);
	TAP_OK(ring_publish(pr.p, 0));

	munmap(m, len);
	pair_close(&pr);
}

/* A negative errno survives the trip through a 32-bit status. */
static void
test_bits32_errno(void)
{
	static const int errs[] = { -1, -EBADF, -ENOSYS, -ESHUTDOWN, -4095 };
	struct ring_layout l = ring_layout(RING_PAIR_BITS_32, 8, 8, 0);
	const struct ring_cqe32 *raw;
	struct ring_cqe c;
	struct pair pr;
	size_t len, i;
	unsigned char *m;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	m = tu_map(pr.fds.mem, &len, PROT_READ);
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.user_data = i;
		c.status = (uint64_t)(int64_t)errs[i];
		TAP_RC(ring_cq_push(pr.p, &c), 0);
		raw = (const struct ring_cqe32 *)(m + l.cq_ents) + i;
		TAP_EQ_U(raw->status, (uint32_t)errs[i]);
		memset(&c, 0, sizeof(c));
		TAP_RC(ring_cq_pop(pr.c, &c), 0);
		TAP_EQ_U(c.user_data, i);
		TAP_EQ_U(c.status, (uint64_t)(int64_t)errs[i]);
		TAP_RC(ring_cqe_errno(&c), errs[i]);
	}
	/* and a plain result stays a result */
	memset(&c, 0, sizeof(c));
	c.status = 4096;
	TAP_RC(ring_cq_push(pr.p, &c), 0);
	TAP_RC(ring_cq_pop(pr.c, &c), 0);
	TAP_EQ_U(c.status, 4096);
	TAP_RC(ring_cqe_errno(&c), 0);
	munmap(m, len);
	pair_close(&pr);
}

/* A value with no room in a 32-bit entry is refused, not truncated. */
static void
test_bits32_overflow(void)
{
	struct ring_sqe s, sb[4];
	struct ring_cqe c;
	struct pair pr;
	int i, rc;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	for (i = 0; i < 6; i++) {
		memset(&s, 0, sizeof(s));
		switch (i) {
		case 0:
			s.fd = 1ull << 32;
			break;
		case 1:
			s.len = UINT64_MAX;
			break;
		case 2:
			s.user_data = 1ull << 32;
			break;
		case 3:
			s.addr = 0x100000000ull + 5;
			break;
		case 4:
			s.additional1 = 1;
			break;
		case 5:
			s.additional2 = 1ull << 63;
			break;
		}
		rc = ring_sq_push(pr.c, &s);
		if (rc != -EOVERFLOW)
			TAP_FAIL("32-bit SQE with field #%d too wide: push = "
				 "%s, "
				 "expected -EOVERFLOW",
			    i, tap_rcname(rc));
	}
	for (i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		switch (i) {
		case 0:
			c.user_data = 1ull << 32;
			break;
		case 1:
			c.flags = 1ull << 32;
			break;
		case 2:
			c.extra = UINT64_MAX - 1;
			break;
		case 3:
			c.status = 1ull << 40;
			break;
		}
		rc = ring_cq_push(pr.p, &c);
		if (rc != -EOVERFLOW)
			TAP_FAIL("32-bit CQE with field #%d too wide: push = "
				 "%s, "
				 "expected -EOVERFLOW",
			    i, tap_rcname(rc));
	}
	/* nothing was published by the refused pushes */
	check_q(pr.c, false, 0, 0, 0, 0, 0);
	check_q(pr.c, true, 0, 0, 0, 0, 0);
	TAP_RC(ring_sq_pop(pr.p, &s), -EAGAIN);
	TAP_RC(ring_cq_pop(pr.c, &c), -EAGAIN);

	/* a batch with a bad third entry: all-or-prefix, never the bad one */
	for (i = 0; i < 4; i++)
		tu_sqe_make(&sb[i], (uint64_t)i, true);
	sb[2].user_data = 1ull << 33;
	rc = ring_sq_push_batch(pr.c, sb, 4);
	if (rc != 2 && rc >= 0)
		TAP_FAIL("batch with a bad 3rd entry = %d, expected 2 or "
			 "-errno",
		    rc);
	TAP_EQ_U(qstats(pr.c, false).depth, rc < 0 ? 0 : 2);
	if (rc == 2) {
		TAP_RC(pop_seq(pr.p, false, 0, true), 0);
		TAP_RC(pop_seq(pr.p, false, 1, true), 0);
	}
	TAP_RC(ring_sq_pop(pr.p, &s), -EAGAIN);
	pair_close(&pr);
}

static void
test_entry_check(void)
{
	struct ring_sqe s;
	struct ring_cqe c;
	int bit;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	TAP_RC(ring_sqe_check(&s), 0);
	TAP_RC(ring_cqe_check(&c), 0);
	s.flags = RING_SQE_SUBSCRIBE | RING_SQE_DRAIN | RING_SQE_CHAIN;
	TAP_RC(ring_sqe_check(&s), 0);
	for (bit = 3; bit < 8; bit++) {
		s.flags = (uint8_t)(1u << bit);
		if (ring_sqe_check(&s) != -EINVAL)
			TAP_FAIL("SQE flag bit %d accepted", bit);
	}
	s.flags = RING_SQE_DRAIN | 0x80;
	TAP_RC(ring_sqe_check(&s), -EINVAL);
	c.flags = RING_CQE_MORE;
	TAP_RC(ring_cqe_check(&c), 0);
	for (bit = 1; bit < 64; bit++) {
		c.flags = 1ull << bit;
		if (ring_cqe_check(&c) != -EINVAL)
			TAP_FAIL("CQE flag bit %d accepted", bit);
	}
}

/* ring_open() on a hand-made fd must fail; *ret stays as it was. */
static void
open_bad(const struct ring_fds *fds, enum ring_role role, const char *what)
{
	struct ring *sentinel = (struct ring *)&sentinel;
	struct ring *r = sentinel;
	int rc;

	rc = ring_open(fds, role, &r);
	if (rc >= 0) {
		ring_close(r);
		TAP_FAIL("ring_open accepted %s (role %d)", what, (int)role);
	}
	if (r != sentinel)
		TAP_FAIL("ring_open wrote *ret on failure (%s)", what);
	TAP_HERE();
}

static void
open_bad_desc(const struct ring_pair_desc *d, uint64_t size, int seals,
    const char *what)
{
	struct ring_fds fds;

	tu_build(d, size, seals, &fds);
	open_bad(&fds, RING_ROLE_CONSUMER, what);
	open_bad(&fds, RING_ROLE_PRODUCER, what);
	open_bad(&fds, RING_ROLE_MONITOR, what);
	ring_fds_close(&fds);
}

static void
test_open_rejects(void)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW;
	struct ring_pair_desc good = tu_desc(8, 16, 0, 2 * RING_PAGE), d;
	uint64_t size = tu_desc_size(&good);
	struct ring_fds fds;
	struct ring *r;
	int before = tu_count_fds(), p[2];

	/* the control: this hand-made pair is fine, also with F_SEAL_SEAL */
	tu_build(&good, size, seals, &fds);
	r = tu_open(&fds, RING_ROLE_CONSUMER);
	ring_close(r);
	ring_fds_close(&fds);
	tu_build(&good, size, seals | F_SEAL_SEAL, &fds);
	r = tu_open(&fds, RING_ROLE_PRODUCER);
	ring_close(r);
	ring_fds_close(&fds);

	open_bad_desc(&good, size, 0, "a memfd without seals");
	open_bad_desc(&good, size, F_SEAL_SHRINK,
	    "a memfd without F_SEAL_GROW");
	open_bad_desc(&good, size, F_SEAL_GROW,
	    "a memfd without F_SEAL_SHRINK");

	d = good;
	d.magic ^= 1;
	open_bad_desc(&d, size, seals, "a wrong magic");
	d = good;
	d.version = 2;
	open_bad_desc(&d, size, seals, "version 2");
	d = good;
	d.version = 0;
	open_bad_desc(&d, size, seals, "version 0");
	d = good;
	d.flags = 0x2;
	open_bad_desc(&d, size, seals, "unknown pair flags");
	d = good;
	d.reserved[3] = 1;
	open_bad_desc(&d, size, seals, "non-zero reserved words");

	d = tu_desc(3, 16, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "sq_entries 3");
	d = tu_desc(8, 12, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "cq_entries 12");
	d = tu_desc(0, 8, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "sq_entries 0");
	d = tu_desc(8, 0, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "cq_entries 0");
	d = tu_desc(RING_MAX_ENTRIES * 2, 8, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals,
	    "sq_entries above the limit");
	d = tu_desc(8, 8, 0, 100);
	open_bad_desc(&d, tu_desc_size(&d), seals,
	    "a pool not a page multiple");
	d = tu_desc(8, 8, 0, RING_MAX_POOL + RING_PAGE);
	open_bad_desc(&d, tu_desc_size(&d), seals, "a pool above the limit");

	/* files too small for what the description promises */
	open_bad_desc(&good, size - RING_PAGE, seals, "a file one page short");
	open_bad_desc(&good, size - 1, seals, "a file one byte short");
	open_bad_desc(&good, 3 * RING_PAGE, seals, "a file of headers only");
	open_bad_desc(&good, 100, seals, "a 100-byte file");
	open_bad_desc(&good, 0, seals, "an empty file");

	/* not a memory file at all */
	tu_build(&good, size, seals, &fds);
	close(fds.mem);
	fds.mem = -1;
	open_bad(&fds, RING_ROLE_CONSUMER, "fd -1");
	TAP_SYS(pipe(p));
	fds.mem = p[0];
	open_bad(&fds, RING_ROLE_CONSUMER, "a pipe");
	fds.mem = fds.doorbell[0];
	open_bad(&fds, RING_ROLE_PRODUCER, "a doorbell");
	close(p[0]);
	close(p[1]);
	fds.mem = -1;
	ring_fds_close(&fds);

	/* doorbells that are not an unnamed datagram socket pair */
	{
		int ev, sv[2], db;

		for (db = 0; db < 2; db++) {
			tu_build(&good, size, seals, &fds);
			ev = fds.doorbell[db];
			fds.doorbell[db] = eventfd(0, EFD_CLOEXEC);
			open_bad(&fds, RING_ROLE_CONSUMER, "an eventfd doorbell");
			close(fds.doorbell[db]);
			TAP_SYS(pipe(p));
			fds.doorbell[db] = p[1];
			open_bad(&fds, RING_ROLE_PRODUCER, "a pipe doorbell");
			close(p[0]);
			close(p[1]);
			TAP_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
			fds.doorbell[db] = sv[0];
			open_bad(&fds, RING_ROLE_CONSUMER, "a stream doorbell");
			close(sv[0]);
			close(sv[1]);
			TAP_SYS(sv[0] = socket(AF_UNIX, SOCK_DGRAM, 0));
			fds.doorbell[db] = sv[0];
			open_bad(&fds, RING_ROLE_MONITOR,
			    "an unconnected doorbell");
			close(sv[0]);
			fds.doorbell[db] = fds.doorbell[!db];
			open_bad(&fds, RING_ROLE_CONSUMER, "one doorbell twice");
			fds.doorbell[db] = ev;
			ring_fds_close(&fds);
		}
	}

	/* a good file but no such role */
	tu_build(&good, size, seals, &fds);
	open_bad(&fds, (enum ring_role)0, "role 0");
	open_bad(&fds, (enum ring_role)4, "role 4");
	open_bad(&fds, (enum ring_role) - 1, "role -1");
	ring_fds_close(&fds);

	TAP_EQ(tu_count_fds(), before);
}

/*
 * A pair whose header already holds impossible indices: refusing to open
 * it is fine; opening it and then answering -EIO is fine; anything else
 * (using the indices) is not.
 */
static void
bad_index_run(int which, enum ring_role role)
{
	const uint32_t n = 8;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *r = NULL;
	struct ring_sqe s;
	size_t len;
	void *m;
	int rc, i;

	tu_create(&fds, n, n, 0, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = tu_sq_hdr(m);
	switch (which) {
	case 0: /* beyond 2n */
		hp->h.head_index = 5 * n;
		break;
	case 1: /* just beyond */
		hp->h.tail_index = 2 * n;
		break;
	case 2: /* tail - head > n */
		hp->h.tail_index = n + 1;
		break;
	case 3: /* head past tail */
		hp->h.head_index = 1;
		break;
	case 4:
		hp->h.tail_index = UINT64_MAX;
		break;
	}
	rc = ring_open(&fds, role, &r);
	if (rc < 0) {
		TAP_NEG(rc);
		goto out;
	}
	memset(&s, 0, sizeof(s));
	if (role == RING_ROLE_PRODUCER) {
		rc = ring_sq_pop(r, &s);
		if (rc != -EIO)
			TAP_FAIL("corruption #%d: ring_sq_pop = %s, expected "
				 "-EIO",
			    which, tap_rcname(rc));
	} else {
		/* the pusher looks at head when its cache says full */
		for (i = 0; i <= (int)n; i++)
			if ((rc = ring_sq_push(r, &s)) < 0)
				break;
		if (rc != -EIO)
			TAP_FAIL("corruption #%d: ring_sq_push = %s after %d "
				 "pushes, "
				 "expected -EIO",
			    which, tap_rcname(rc), i);
	}
	TAP_ASSERT(ring_is_broken(r));
	ring_close(r);
out:
	munmap(m, len);
	ring_fds_close(&fds);
}

static void
test_open_bad_indices(void)
{
	int which;

	for (which = 0; which < 5; which++) {
		bad_index_run(which, RING_ROLE_PRODUCER);
		bad_index_run(which, RING_ROLE_CONSUMER);
	}
}

static void
test_wait_timeout(void)
{
	struct pair pr;
	uint64_t t0, dt;
	int i, rc;

	pair_open(&pr, 4, 4, 0);
	for (i = 0; i < 2; i++) {
		struct ring *r = i ? pr.p : pr.c;

		if (i)
			ring_set_spin(r, 0);
		t0 = tu_now_ns();
		TAP_RC(ring_wait(r, RING_EV_IN, 0), -ETIMEDOUT);
		TAP_ASSERT(tu_now_ns() - t0 < 100000000ull);
		t0 = tu_now_ns();
		TAP_RC(ring_wait(r, RING_EV_IN, 30000000), -ETIMEDOUT);
		dt = tu_now_ns() - t0;
		if (dt < 29000000ull || dt > 2000000000ull)
			TAP_FAIL("a 30 ms wait took %llu us",
			    (unsigned long long)(dt / 1000));
	}
	/* room out: ready at once; both: what holds */
	rc = ring_wait(pr.c, RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_OUT);
	TAP_RC(push_seq(pr.p, true, 1, false), 0);
	rc = ring_wait(pr.c, RING_EV_IN, 0);
	TAP_EQ(rc, RING_EV_IN);
	rc = ring_wait(pr.c, RING_EV_IN | RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_IN | RING_EV_OUT);
	rc = ring_wait(pr.c, RING_EV_IN, -1);
	TAP_EQ(rc, RING_EV_IN);
	/* a full SQ: no room, timeout */
	for (i = 0; i < 4; i++)
		TAP_RC(push_seq(pr.c, false, (uint64_t)i, false), 0);
	TAP_RC(ring_wait(pr.c, RING_EV_OUT, 0), -ETIMEDOUT);
	t0 = tu_now_ns();
	TAP_RC(ring_wait(pr.c, RING_EV_OUT, 20000000), -ETIMEDOUT);
	TAP_ASSERT(tu_now_ns() - t0 >= 19000000ull);
	/* either event, none holds: the doorbell path times out too */
	TAP_RC(pop_seq(pr.c, true, 1, false), 0);
	for (i = 0; i < 2; i++) {
		ring_set_spin(pr.c, i ? 0 : RING_SPIN_ADAPTIVE);
		t0 = tu_now_ns();
		TAP_RC(ring_wait(pr.c, RING_EV_IN | RING_EV_OUT, 30000000),
		    -ETIMEDOUT);
		dt = tu_now_ns() - t0;
		if (dt < 29000000ull || dt > 2000000000ull)
			TAP_FAIL("a 30 ms wait for either event took %llu us",
			    (unsigned long long)(dt / 1000));
	}
	rc = ring_wait(pr.p, RING_EV_IN | RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_IN | RING_EV_OUT);
	TAP_RC(push_seq(pr.p, true, 2, false), 0);
	/* no events, unknown events */
	TAP_NEG(ring_wait(pr.c, 0, 0));
	TAP_NEG(ring_wait(pr.c, 0x4, 0));
	TAP_NEG(ring_arm(pr.c, 0));
	pair_close(&pr);
}

/* A thread that sleeps in ring_wait() while the main thread acts. */
struct waiter {
	struct ring *r;
	unsigned events;
	int rc;
	pthread_t t;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->rc = ring_wait(w->r, w->events, 5000000000ll);
	return NULL;
}

static void
wake_run(int which)
{
	struct pair pr;
	struct waiter w;
	struct ring_sqe s;
	int i;

	pair_open(&pr, 4, 4, 0);
	memset(&w, 0, sizeof(w));
	ring_set_spin(pr.c, 0);
	ring_set_spin(pr.p, 0);
	switch (which) {
	case 0: /* producer sleeps for SQEs */
		w.r = pr.p;
		w.events = RING_EV_IN;
		break;
	case 1: /* consumer sleeps for CQEs */
		w.r = pr.c;
		w.events = RING_EV_IN;
		break;
	case 2: /* consumer sleeps for room in a full SQ */
	case 3: /* ... for room or CQEs */
		for (i = 0; i < 4; i++)
			TAP_RC(push_seq(pr.c, false, (uint64_t)i, false), 0);
		w.r = pr.c;
		w.events = which == 2 ? RING_EV_OUT : RING_EV_IN | RING_EV_OUT;
		break;
	}
	w.rc = -12345;
	TAP_ASSERT(pthread_create(&w.t, NULL, waiter_main, &w) == 0);
	switch (which) {
	case 0:
		tu_await_sleeper(pr.c, false, false);
		TAP_RC(push_seq(pr.c, false, 9, false), 0);
		break;
	case 1:
		tu_await_sleeper(pr.p, true, false);
		TAP_RC(push_seq(pr.p, true, 9, false), 0);
		break;
	case 2:
		tu_await_sleeper(pr.p, false, true);
		TAP_RC(ring_sq_pop(pr.p, &s), 0);
		break;
	case 3:
		/* the CQ side's word is the one to watch */
		tu_await_sleeper(pr.p, true, false);
		TAP_RC(push_seq(pr.p, true, 9, false), 0);
		break;
	}
	TAP_ASSERT(pthread_join(w.t, NULL) == 0);
	if (which == 2)
		TAP_RC(w.rc, RING_EV_OUT);
	else
		TAP_RC(w.rc, RING_EV_IN);
	pair_close(&pr);
}

static void
test_wait_wake(void)
{
	int i;

	for (i = 0; i < 4; i++)
		wake_run(i);
}

static int
fd_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do {
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	TAP_SYS(n);
	return n > 0 && (pfd.revents & POLLIN);
}

static void
test_arm_fd(void)
{
	struct pair pr;
	struct ring_sqe s;
	uint64_t one;
	int fc, fp, i;

	pair_open(&pr, 4, 4, 0);
	fc = ring_fd(pr.c);
	fp = ring_fd(pr.p);
	TAP_ASSERT(fc >= 0 && fp >= 0 && fc != fp);

	/* doorbell[0] is the consumer's end, doorbell[1] the producer's: a
	 * datagram sent on one end wakes the holder of the other */
	one = 1;
	TAP_EQ(send(pr.fds.doorbell[1], &one, sizeof(one), 0), 8);
	TAP_ASSERT(fd_readable(fc, 0));
	TAP_ASSERT(!fd_readable(fp, 0));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_EQ(send(pr.fds.doorbell[0], &one, sizeof(one), 0), 8);
	TAP_ASSERT(fd_readable(fp, 0));
	TAP_ASSERT(!fd_readable(fc, 0));
	ring_disarm(pr.p);
	TAP_ASSERT(!fd_readable(fp, 0));

	/* consumer: arm on an empty CQ, a CQE rings the doorbell */
	TAP_RC(ring_arm(pr.c, RING_EV_IN), 0);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(push_seq(pr.p, true, 1, false), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	/* disarmed: the next CQE does not ring */
	TAP_RC(push_seq(pr.p, true, 2, false), 0);
	TAP_ASSERT(!fd_readable(fc, 50));
	/* armed, then disarmed with nothing come: the announcement is gone */
	TAP_RC(pop_seq(pr.c, true, 1, false), 0);
	TAP_EQ(ring_arm(pr.c, RING_EV_IN), RING_EV_IN);
	TAP_RC(pop_seq(pr.c, true, 2, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN), 0);
	TAP_ASSERT(qstats(pr.c, true).pop_wait != 0);
	ring_disarm(pr.c);
	TAP_EQ_U(qstats(pr.c, true).pop_wait, 0);
	TAP_RC(push_seq(pr.p, true, 1, false), 0);
	TAP_ASSERT(!fd_readable(fc, 50));
	TAP_RC(push_seq(pr.p, true, 2, false), 0);
	/* armed with entries waiting: says so and does not sleep */
	TAP_EQ(ring_arm(pr.c, RING_EV_IN), RING_EV_IN);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(pop_seq(pr.c, true, 1, false), 0);
	TAP_RC(pop_seq(pr.c, true, 2, false), 0);
	ring_disarm(pr.c);

	/* producer: the same for SQEs */
	TAP_RC(ring_arm(pr.p, RING_EV_IN), 0);
	TAP_ASSERT(!fd_readable(fp, 0));
	TAP_RC(push_seq(pr.c, false, 1, false), 0);
	TAP_ASSERT(fd_readable(fp, 2000));
	TAP_ASSERT(!fd_readable(fc, 0));
	ring_disarm(pr.p);
	TAP_ASSERT(!fd_readable(fp, 0));
	TAP_RC(pop_seq(pr.p, false, 1, false), 0);

	/* consumer waiting for room in a full SQ */
	for (i = 0; i < 4; i++)
		TAP_RC(push_seq(pr.c, false, (uint64_t)i, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_OUT), 0);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(ring_sq_pop(pr.p, &s), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_EQ(ring_arm(pr.c, RING_EV_OUT), RING_EV_OUT);
	ring_disarm(pr.c);

	/* either event: SQ full again, CQ empty; room rings the bell */
	TAP_RC(push_seq(pr.c, false, 9, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN | RING_EV_OUT), 0);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(ring_sq_pop(pr.p, &s), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	/* ... and so does a CQE */
	TAP_RC(push_seq(pr.c, false, 10, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN | RING_EV_OUT), 0);
	TAP_RC(push_seq(pr.p, true, 3, false), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	pair_close(&pr);
}

/*
 * Every holder of a pair shares the doorbells' open file descriptions, so
 * a peer can clear O_NONBLOCK on them and fill their queues.  No call may
 * block on that: arming, draining, waking an armed peer (a push), a wait
 * with both events and closing (which wakes the peer).  A helper makes
 * the calls; it must be done within 3 s, else the report names the call
 * it is stuck in.
 */
static const char *const blk_steps[] = {
	"ring_arm(consumer)",
	"ring_disarm(consumer)",
	"ring_sq_push() waking an armed producer",
	"ring_arm(producer)",
	"ring_disarm(producer)",
	"ring_wait(IN|OUT, 10 ms) timing out",
	"ring_close() of both sides",
	"done",
};

/* What a hostile holder does: blocking mode, and full queues. */
static void
doorbells_block_and_fill(const struct ring_fds *fds)
{
	uint8_t one = 1;
	int i, n;

	for (i = 0; i < 2; i++) {
		TAP_SYS(fcntl(fds->doorbell[i], F_SETFL, 0));
		for (n = 0; n < 100000; n++)
			if (send(fds->doorbell[i], &one, 1, MSG_DONTWAIT) < 0)
				break;
		TAP_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

static void
test_blocking_doorbells(void)
{
	struct ring_pair_desc d = tu_desc(4, 4, 0, 0);
	struct ring_fds fds;
	struct ring *c, *p;
	struct ring_sqe sqe;
	volatile int *step;
	pid_t pid;
	int i;

	step = mmap(NULL, sizeof(*step), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TAP_ASSERT(step != MAP_FAILED);
	*step = 0;
	tu_build(&d, tu_desc_size(&d), F_SEAL_SHRINK | F_SEAL_GROW, &fds);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	ring_set_spin(c, 0);
	pid = tap_fork();
	if (pid == 0) {
		doorbells_block_and_fill(&fds);
		TAP_RC(ring_arm(c, RING_EV_IN), 0);
		*step = 1;
		ring_disarm(c);
		doorbells_block_and_fill(&fds);
		*step = 2;
		TAP_RC(ring_arm(p, RING_EV_IN), 0);
		memset(&sqe, 0, sizeof(sqe));
		TAP_RC(ring_sq_push(c, &sqe), 0);
		*step = 3;
		TAP_RC(ring_sq_pop(p, &sqe), 0);
		for (i = 0; i < 4; i++) /* CQ full: no room */
			TAP_RC(push_seq(p, true, (uint64_t)i, false), 0);
		TAP_RC(ring_arm(p, RING_EV_OUT), 0);
		*step = 4;
		ring_disarm(p);
		*step = 5;
		for (i = 0; i < 4; i++) /* SQ not full, CQ empty */
			TAP_RC(pop_seq(c, true, (uint64_t)i, false), 0);
		for (i = 0; i < 4; i++)
			TAP_RC(push_seq(c, false, (uint64_t)i, false), 0);
		doorbells_block_and_fill(&fds);
		TAP_RC(ring_wait(c, RING_EV_IN | RING_EV_OUT, 10000000),
		    -ETIMEDOUT);
		*step = 6;
		doorbells_block_and_fill(&fds);
		ring_close(c);
		ring_close(p);
		*step = 7;
		tap_child_exit();
	}
	if (!tap_reap_within(pid, 3000))
		TAP_FAIL("%s blocked for 3 s on a blocking, full doorbell",
		    blk_steps[*step]);
	TAP_EQ(*step, 7);
	ring_close(c);
	ring_close(p);
	ring_fds_close(&fds);
	munmap((void *)step, sizeof(*step));
}

/*
 * A doorbell whose read side a holder shut down would be readable for
 * ever (an event loop would spin): the side that drains it breaks the
 * ring instead, and says so.
 */
static void
test_doorbell_shut_down(void)
{
	struct pair pr;
	int fc;

	pair_open(&pr, 4, 4, 0);
	fc = ring_fd(pr.c);
	TAP_RC(ring_arm(pr.c, RING_EV_IN), 0);
	TAP_SYS(shutdown(pr.fds.doorbell[0], SHUT_RD));
	TAP_ASSERT(fd_readable(fc, 0));
	ring_disarm(pr.c);
	TAP_ASSERT(ring_is_broken(pr.c));
	TAP_RC(ring_arm(pr.c, RING_EV_IN), -EIO);
	/* the producer learns it from the status word */
	TAP_RC(ring_arm(pr.p, RING_EV_IN), -EIO);
	pair_close(&pr);
}

/* A monitor reads what the sides do; the spin budget is settable. */
static void
test_stats_spin(void)
{
	struct pair pr;
	struct ring *m;

	pair_open(&pr, 8, 8, 0);
	m = tu_open(&pr.fds, RING_ROLE_MONITOR);
	TAP_RC(push_seq(pr.c, false, 0, false), 0);
	TAP_RC(push_seq(pr.c, false, 1, false), 0);
	TAP_RC(push_seq(pr.c, false, 2, false), 0);
	check_q(m, false, 0, 3, 3, 3, 0);
	TAP_RC(pop_seq(pr.p, false, 0, false), 0);
	check_q(m, false, 1, 3, 2, 3, 1);
	check_q(m, true, 0, 0, 0, 0, 0);
	TAP_EQ_U(qstats(m, false).status, 0);
	TAP_EQ_U(qstats(m, false).pop_wait, 0);
	TAP_EQ_U(qstats(m, false).push_wait, 0);
	ring_close(m);

	ring_set_spin(pr.c, 0);
	TAP_EQ(ring_get_spin(pr.c), 0);
	ring_set_spin(pr.c, 12345);
	TAP_EQ(ring_get_spin(pr.c), 12345);
	ring_set_spin(pr.c, RING_SPIN_ADAPTIVE);
	ring_close(NULL);
	pair_close(&pr);
}

/* --- the producer's in-service table ------------------------------------ */

/* Push SQEs with the given user_data values. */
static void
push_uds(struct ring *c, const uint64_t *ud, unsigned n)
{
	struct ring_sqe s;
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		s.user_data = ud[i];
		TAP_RC(ring_sq_push(c, &s), 0);
	}
}

/* Answer user_data ud with status st (flags: RING_CQE_*). */
static void
answer(struct ring *p, uint64_t ud, int64_t st, uint64_t flags)
{
	struct ring_cqe c;

	memset(&c, 0, sizeof(c));
	c.user_data = ud;
	c.status = (uint64_t)st;
	c.flags = flags;
	TAP_RC(ring_cq_push(p, &c), 0);
}

/* Expect the next CQEs to be exactly (ud[i], st[i]), then pop says end. */
static void
expect_cqes_end(struct ring *c, const uint64_t *ud, const int64_t *st,
    unsigned n, int end)
{
	struct ring_cqe e;
	unsigned i;

	for (i = 0; i < n; i++) {
		TAP_RC(ring_cq_pop(c, &e), 0);
		if (e.user_data != ud[i] || (int64_t)e.status != st[i])
			TAP_FAIL("CQE %u: user_data %llu status %lld, expected "
				 "%llu %lld",
			    i, (unsigned long long)e.user_data,
			    (long long)e.status, (unsigned long long)ud[i],
			    (long long)st[i]);
	}
	TAP_RC(ring_cq_pop(c, &e), end);
}

static void
expect_cqes(struct ring *c, const uint64_t *ud, const int64_t *st, unsigned n)
{
	expect_cqes_end(c, ud, st, n, -EAGAIN);
}

/*
 * At most sq_entries requests in service: with all taken, nothing more
 * pops and RING_EV_IN does not hold, until one is answered (out of order).
 */
static void
test_held_cap(void)
{
	static const uint64_t ud[5] = { 10, 11, 12, 13, 14 };
	struct pair pr;
	struct ring_sqe s[4];

	pair_open(&pr, 4, 8, 0);
	push_uds(pr.c, ud, 4);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 4), 4);
	TAP_EQ_U(ring_sq_held(pr.p), 4);
	push_uds(pr.c, ud + 4, 1);
	TAP_RC(ring_sq_pop(pr.p, s), -EAGAIN);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 2), -EAGAIN);
	TAP_RC(ring_wait(pr.p, RING_EV_IN, 0), -ETIMEDOUT);
	TAP_RC(ring_wait(pr.p, RING_EV_OUT, 0), RING_EV_OUT);
	/* peeking takes nothing and is always allowed */
	TAP_RC(ring_sq_peek(pr.p, s), 0);
	TAP_EQ_U(s[0].user_data, 14);
	answer(pr.p, 12, 0, 0);
	TAP_EQ_U(ring_sq_held(pr.p), 3);
	TAP_RC(ring_wait(pr.p, RING_EV_IN, 0), RING_EV_IN);
	TAP_RC(ring_sq_pop(pr.p, s), 0);
	TAP_EQ_U(s[0].user_data, 14);
	TAP_EQ_U(ring_sq_held(pr.p), 4);
	/* the consumer sees its SQ drained: in-service is not queued */
	TAP_EQ_U(qstats(pr.c, false).depth, 0);
	pair_close(&pr);
}

/*
 * What answers what: RING_CQE_MORE answers nothing, a final CQE the
 * oldest request with its user_data, a CQE for no request nothing.
 */
static void
test_held_match(void)
{
	static const uint64_t ud[4] = { 7, 8, 7, 9 };
	struct pair pr;
	struct ring_sqe s[4];

	pair_open(&pr, 8, 16, 0);
	push_uds(pr.c, ud, 4);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 4), 4);
	answer(pr.p, 9, 0, RING_CQE_MORE);
	answer(pr.p, 9, 0, RING_CQE_MORE);
	TAP_EQ_U(ring_sq_held(pr.p), 4);
	answer(pr.p, 1234, 0, 0); /* answers nothing in service */
	TAP_EQ_U(ring_sq_held(pr.p), 4);
	answer(pr.p, 7, 1, 0); /* the first 7 */
	TAP_EQ_U(ring_sq_held(pr.p), 3);
	answer(pr.p, 9, 2, 0);
	answer(pr.p, 7, 3, 0); /* the second 7 */
	answer(pr.p, 7, 4, 0); /* no 7 left: answers nothing */
	TAP_EQ_U(ring_sq_held(pr.p), 1);
	/* what is left is 8: cancelling answers exactly that */
	TAP_RC(ring_sq_cancel(pr.p, -ECANCELED), 1);
	TAP_EQ_U(ring_sq_held(pr.p), 0);
	{
		static const uint64_t wu[8] = { 9, 9, 1234, 7, 9, 7, 7, 8 };
		static const int64_t ws[8] = { 0, 0, 0, 1, 2, 3, 4,
			-ECANCELED };

		expect_cqes(pr.c, wu, ws, 8);
	}
	TAP_RC(ring_sq_cancel(pr.p, -ECANCELED), 0);
	TAP_RC(ring_sq_cancel(pr.c, -ECANCELED), -EPERM);
	pair_close(&pr);
}

/*
 * A producer that stops (here: a child that exits without closing)
 * leaves its in-service requests in the table; the next producer handle
 * inherits them oldest first and ring_sq_cancel() answers each once,
 * then the SQEs still queued, as far as the CQ has room.
 */
static void
held_adopt_run(uint32_t flags)
{
	static const uint64_t ud[6] = { 1, 2, 3, 4, 5, 6 };
	static const uint64_t wu[4] = { 1, 3, 4, 5 };
	static const int64_t ws[4] = { -ESHUTDOWN, -ESHUTDOWN, -ESHUTDOWN,
		-ESHUTDOWN };
	struct ring_fds fds;
	struct ring_cqe e;
	struct ring *c, *p;
	pid_t pid;

	tu_create(&fds, 8, 4, flags, 0);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	push_uds(c, ud, 6);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_sqe s[3];
		struct ring *pc = tu_open(&fds, RING_ROLE_PRODUCER);

		/* take 1..3, answer 2; take 4 and 5, answer 4 with MORE */
		TAP_RC(ring_sq_pop_batch(pc, s, 3), 3);
		answer(pc, 2, 20, 0);
		TAP_RC(ring_sq_pop_batch(pc, s, 2), 2);
		answer(pc, 4, 40, RING_CQE_MORE);
		_exit(0); /* gone without a word, like a crash */
	}
	tap_reap(pid);
	/* what the child published stays as it is */
	TAP_RC(ring_cq_pop(c, &e), 0);
	TAP_EQ_U(e.user_data, 2);
	TAP_EQ_U(e.status, 20);
	TAP_RC(ring_cq_pop(c, &e), 0);
	TAP_EQ_U(e.user_data, 4);
	TAP_EQ_U(e.flags, RING_CQE_MORE);

	p = tu_open(&fds, RING_ROLE_PRODUCER);
	TAP_EQ_U(ring_sq_held(p), 4);
	/* room for four answers: 1, 3, 4, 5 from the table; 6 waits */
	TAP_RC(ring_sq_cancel(p, -ESHUTDOWN), -EAGAIN);
	TAP_EQ_U(qstats(c, false).depth, 1);
	expect_cqes(c, wu, ws, 4);
	TAP_RC(ring_sq_cancel(p, -ESHUTDOWN), 1);
	TAP_RC(ring_cq_pop(c, &e), 0);
	TAP_EQ_U(e.user_data, 6);
	TAP_EQ(ring_cqe_errno(&e), -ESHUTDOWN);
	TAP_RC(ring_sq_cancel(p, -ESHUTDOWN), 0);
	ring_close(p);
	TAP_RC(ring_cq_pop(c, &e), -ESHUTDOWN);
	ring_close(c);
	ring_fds_close(&fds);
}

static void
test_held_adopt(void)
{
	held_adopt_run(0);
	held_adopt_run(RING_PAIR_BITS_32);
}

/*
 * The table's rule decides alone, whatever moment the producer stopped
 * at: an answer marked in the table but not yet published (done_seq past
 * the CQ tail) still needs one; an SQE noted but not yet taken (sq_seq
 * past the SQ head) is still queued; garbage names at most a few
 * requests that get an answer, never a crash.  Written by hand into the
 * memory file after the producer (a child) died.
 */
static void
test_held_torn(void)
{
	static const uint64_t ud[4] = { 41, 42, 43, 44 };
	static const uint64_t wu[4] = { 41, 42, 43, 44 };
	static const int64_t ws[4] = { 1, -ESHUTDOWN, -ESHUTDOWN, -ESHUTDOWN };
	struct ring_fds fds;
	struct ring_held *t;
	struct ring_layout l;
	struct ring *c, *p;
	size_t len;
	uint8_t *m;
	pid_t pid;
	int i;

	tu_create(&fds, 4, 4, 0, 0);
	l = ring_layout(0, 4, 4, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	t = (struct ring_held *)(void *)(m + l.held);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	push_uds(c, ud, 4);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_sqe s[3];
		struct ring *pc = tu_open(&fds, RING_ROLE_PRODUCER);

		TAP_RC(ring_sq_pop_batch(pc, s, 3), 3);
		answer(pc, 41, 1, 0);
		_exit(0);
	}
	tap_reap(pid);
	TAP_EQ_U(t[0].sq_seq, 1);
	TAP_EQ_U(t[0].user_data, 41);
	TAP_EQ_U(t[0].done_seq, 1);
	TAP_EQ_U(t[1].sq_seq, 2);
	TAP_EQ_U(t[1].user_data, 42);
	TAP_EQ_U(t[1].done_seq, 0);
	TAP_EQ_U(t[2].sq_seq, 3);
	/* 42's answer marked, the producer gone before the tail store;
	 * 44 noted, the producer gone before the head store */
	t[1].done_seq = 2;
	t[3].sq_seq = 4;
	t[3].user_data = 44;
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	TAP_EQ_U(ring_sq_held(p), 2);
	TAP_RC(ring_sq_cancel(p, -ESHUTDOWN), 3);
	expect_cqes(c, wu, ws, 4);
	ring_close(p);
	ring_close(c);

	/* garbage in every field: no crash, at most four answers */
	tu_srand(99);
	for (i = 0; i < 200; i++) {
		struct ring *g;
		unsigned k;

		for (k = 0; k < 4 * sizeof(t[0]) / 8; k++)
			((uint64_t *)(void *)t)[k] = tu_rand() %
			    (k & 1 ? 16 : UINT64_MAX);
		g = tu_open(&fds, RING_ROLE_PRODUCER);
		TAP_ASSERT(ring_sq_held(g) <= 4);
		ring_close(g);
	}
	munmap(m, len);
	ring_fds_close(&fds);
}

/* A producer closing answers what it holds and what is queued, once. */
static void
test_held_close(void)
{
	static const uint64_t ud[3] = { 5, 6, 7 };
	static const uint64_t wu[3] = { 6, 5, 7 };
	static const int64_t ws[3] = { 60, -ESHUTDOWN, -ESHUTDOWN };
	struct pair pr;
	struct ring_sqe s[2];

	pair_open(&pr, 4, 4, 0);
	push_uds(pr.c, ud, 3);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 2), 2);
	answer(pr.p, 6, 60, 0);
	ring_close(pr.p);
	pr.p = NULL;
	expect_cqes_end(pr.c, wu, ws, 3, -ESHUTDOWN);
	pair_close(&pr);
}

/*
 * ring_get_stats_many() reads what ring_get_stats() reads, ring by ring,
 * across chunk boundaries (40 monitors: more than one chunk of 16).
 */
static void
test_stats_many(void)
{
	enum { N = 40 };
	struct pair pr[N];
	const struct ring *mon[N];
	struct ring_stats one, many[N];
	int i, k;

	for (i = 0; i < N; i++) {
		pair_open(&pr[i], 8, 8, i % 2 ? RING_PAIR_BITS_32 : 0);
		for (k = 0; k < i % 9; k++)
			TAP_RC(push_seq(pr[i].c, false, (uint64_t)k, i % 2), 0);
		mon[i] = tu_open(&pr[i].fds, RING_ROLE_MONITOR);
	}
	memset(many, 0xa5, sizeof(many));
	ring_get_stats_many(mon, N, many);
	for (i = 0; i < N; i++) {
		memset(&one, 0xa5, sizeof(one));
		ring_get_stats(mon[i], &one);
		TAP_EQ(many[i].sq.depth, (uint64_t)(i % 9));
		TAP_ASSERT(memcmp(&one, &many[i], sizeof(one)) == 0);
	}
	ring_get_stats_many(mon, 0, many); /* nothing to read */
	for (i = 0; i < N; i++) {
		ring_close((struct ring *)mon[i]);
		pair_close(&pr[i]);
	}
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	tap_run("ring-empty", test_empty, 0);
	tap_run("ring-full-sq", test_full_sq, 0);
	tap_run("ring-full-cq", test_full_cq, 0);
	tap_run("ring-wrap-sq", test_wrap_sq, 0);
	tap_run("ring-wrap-cq", test_wrap_cq, 0);
	tap_run("ring-open-mid-wrap", test_open_mid_wrap, 0);
	tap_run("ring-batch", test_batch, 0);
	tap_run("ring-reserve-publish-sq", test_reserve_sq, 0);
	tap_run("ring-reserve-publish-cq", test_reserve_cq, 0);
	tap_run("ring-publish-one-step", test_publish_one_step, 0);
	tap_run("ring-peek", test_peek, 0);
	tap_run("ring-roles", test_roles, 0);
	tap_run("ring-bits32-roundtrip", test_bits32_roundtrip, 0);
	tap_run("ring-bits32-errno", test_bits32_errno, 0);
	tap_run("ring-bits32-overflow", test_bits32_overflow, 0);
	tap_run("ring-entry-check", test_entry_check, 0);
	tap_run("ring-open-rejects", test_open_rejects, 0);
	tap_run("ring-open-bad-indices", test_open_bad_indices, 0);
	tap_run("ring-wait-timeout", test_wait_timeout, 0);
	tap_run("ring-wait-wake", test_wait_wake, 0);
	tap_run("ring-arm-fd", test_arm_fd, 0);
	tap_run("ring-blocking-doorbells", test_blocking_doorbells, 0);
	tap_run("ring-doorbell-shut-down", test_doorbell_shut_down, 0);
	tap_run("ring-stats-spin", test_stats_spin, 0);
	tap_run("ring-held-cap", test_held_cap, 0);
	tap_run("ring-held-match", test_held_match, 0);
	tap_run("ring-held-adopt", test_held_adopt, 0);
	tap_run("ring-held-torn", test_held_torn, 0);
	tap_run("ring-held-close", test_held_close, 0);
	tap_run("ring-stats-many", test_stats_many, 0);
	return tap_done();
}
