/*
 * pair.c - a ring pair with its consumer and producer opened in this
 * process, and sequence-number pushes and checked pops on it, for the
 * tests of the data path (t-ring-*.c).
 *
 * Depends on libring's public API, tap and testutil; nothing in tests/lib
 * depends on it.
 */
#include <stdio.h>
#include <string.h>

#include "pair.h"
#include "tap.h"
#include "testutil.h"

/*
 * A producer holds every SQE it pops in service until a final CQE answers
 * it, at most sq_entries at once.  Tests of the SQ alone pop without
 * answering; when the producer is about to run out of in-service entries,
 * pair_sq_make_room() answers everything popped so far and lets the consumer
 * take the answers.  Only tests that pop more than sq_entries SQEs ever
 * see the CQ move for it.
 */
static struct {
	struct ring *c, *p;
	uint64_t ud[64];
	unsigned n;
} pair_sqt;

void
pair_sq_track(struct ring *c, struct ring *p)
{
	pair_sqt.c = c;
	pair_sqt.p = p;
	pair_sqt.n = 0;
}

void
pair_sq_make_room(struct ring *p)
{
	struct ring_info info;
	struct ring_cqe c, got;
	unsigned i;
	int rc;

	ring_get_info(p, &info);
	if (ring_sq_held(p) < info.sq_entries)
		return;
	TAP_ASSERT(pair_sqt.p == p && pair_sqt.n == info.sq_entries);
	for (i = 0; i < pair_sqt.n; i++) {
		memset(&c, 0, sizeof(c));
		c.user_data = pair_sqt.ud[i];
		while ((rc = ring_cq_push(p, &c)) == -EAGAIN)
			TAP_RC(ring_cq_pop(pair_sqt.c, &got), 0);
		TAP_RC(rc, 0);
	}
	while (ring_cq_pop(pair_sqt.c, &got) == 0)
		;
	pair_sqt.n = 0;
	TAP_EQ_U(ring_sq_held(p), 0);
}

void
pair_sq_popped(struct ring *p, const struct ring_sqe *s, int n)
{
	int i;

	if (pair_sqt.p != p)
		return;
	for (i = 0; i < n; i++) {
		TAP_ASSERT(pair_sqt.n < sizeof(pair_sqt.ud) / sizeof(pair_sqt.ud[0]));
		pair_sqt.ud[pair_sqt.n++] = s[i].user_data;
	}
}

void
pair_open(struct pair *pr, uint32_t sq, uint32_t cq, uint32_t flags)
{
	tu_create(&pr->fds, sq, cq, flags, 0);
	pr->c = tu_open(&pr->fds, RING_ROLE_CONSUMER);
	pr->p = tu_open(&pr->fds, RING_ROLE_PRODUCER);
	pair_sq_track(pr->c, pr->p);
}

void
pair_close(struct pair *pr)
{
	ring_close(pr->c);
	ring_close(pr->p);
	ring_fds_close(&pr->fds);
}

/* Push the entry for seq on the SQ (cq false) or the CQ (cq true). */
int
pair_push(struct ring *r, bool cq, uint64_t seq, bool b32)
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
int
pair_push_batch(struct ring *r, bool cq, uint64_t seq, unsigned n, bool b32)
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

/*
 * The popped entry (an SQE, or with cq a CQE) must be the one pair_push()
 * makes for seq; what names it in the failure ("popped", "batch 3").
 */
static void
pair_check_entry(bool cq, const struct ring_sqe *s, const struct ring_cqe *c,
    uint64_t seq, bool b32, const char *what)
{
	struct ring_sqe ws;
	struct ring_cqe wc;
	uint64_t got, want;
	bool same;

	if (cq) {
		tu_cqe_make(&wc, seq, ~seq, b32);
		same = tu_cqe_same(c, &wc);
		got = c->user_data;
		want = wc.user_data;
	} else {
		tu_sqe_make(&ws, seq, b32);
		same = tu_sqe_same(s, &ws);
		got = s->user_data;
		want = ws.user_data;
	}
	if (!same)
		TAP_FAIL("%s %s has user_data %llu, expected %llu (or a "
			 "corrupt payload)",
		    cq ? "CQE" : "SQE", what, (unsigned long long)got,
		    (unsigned long long)want);
}

/* Pop one entry and check it is the one for seq. */
int
pair_pop(struct ring *r, bool cq, uint64_t seq, bool b32)
{
	struct ring_sqe s;
	struct ring_cqe c;
	int rc;

	if (!cq)
		pair_sq_make_room(r);
	rc = cq ? ring_cq_pop(r, &c) : ring_sq_pop(r, &s);
	if (rc < 0)
		return rc;
	if (!cq)
		pair_sq_popped(r, &s, 1);
	pair_check_entry(cq, &s, &c, seq, b32, "popped");
	return rc;
}

/* Pop up to n as a batch and check they are seq, seq+1, ... */
int
pair_pop_batch(struct ring *r, bool cq, uint64_t seq, unsigned n, bool b32)
{
	struct ring_sqe s[64];
	struct ring_cqe c[64];
	char what[32];
	int rc, i;

	TAP_ASSERT(n <= 64);
	if (!cq)
		pair_sq_make_room(r);
	rc = cq ? ring_cq_pop_batch(r, c, n) : ring_sq_pop_batch(r, s, n);
	if (!cq && rc > 0)
		pair_sq_popped(r, s, rc);
	for (i = 0; i < rc; i++) {
		snprintf(what, sizeof(what), "batch %d", i);
		pair_check_entry(cq, &s[i], &c[i], seq + (unsigned)i, b32,
		    what);
	}
	return rc;
}

struct ring_queue_stats
pair_qstats(const struct ring *r, bool cq)
{
	struct ring_stats st;

	memset(&st, 0x5a, sizeof(st));
	ring_get_stats(r, &st);
	return cq ? st.cq : st.sq;
}

/* Check a queue's shared view: indices, depth, epochs. */
void
pair_check_q(const struct ring *r, bool cq, uint64_t head, uint64_t tail,
    uint64_t depth, uint64_t push_epoch, uint64_t pop_epoch)
{
	struct ring_queue_stats s = pair_qstats(r, cq);

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

/* A wait longer than this is a lost wakeup: the peer always answers. */
#define PAIR_LOCKSTEP_WAIT_NS 5000000000ll

/* who (producer or consumer) sleeps until woken for round trip i. */
static void
pair_lockstep_wait(struct ring *r, const char *who, uint64_t i)
{
	int rc = ring_wait(r, RING_EV_IN, PAIR_LOCKSTEP_WAIT_NS);

	if (rc == -ETIMEDOUT)
		TAP_FAIL("%s: lost wakeup at round trip %llu", who,
		    (unsigned long long)i);
	if (rc < 0)
		TAP_FAIL("%s: ring_wait = %s at %llu", who, tap_rcname(rc),
		    (unsigned long long)i);
}

void
pair_lockstep_producer(struct ring *r, uint64_t n)
{
	struct ring_sqe s;
	struct ring_cqe c;
	uint64_t i;
	int rc;

	ring_set_spin(r, 0);
	for (i = 0; i < n; i++) {
		while ((rc = ring_sq_pop(r, &s)) == -EAGAIN)
			pair_lockstep_wait(r, "producer", i);
		if (rc < 0)
			TAP_FAIL("producer: ring_sq_pop = %s", tap_rcname(rc));
		if (s.user_data != i)
			TAP_FAIL("producer: SQE user_data %llu at round trip "
				 "%llu",
			    (unsigned long long)s.user_data,
			    (unsigned long long)i);
		memset(&c, 0, sizeof(c));
		c.user_data = i;
		c.status = i * 3;
		rc = ring_cq_push(r, &c);
		if (rc < 0)
			TAP_FAIL("producer: ring_cq_push = %s at %llu",
			    tap_rcname(rc), (unsigned long long)i);
	}
}

void
pair_lockstep_consumer(struct ring *r, uint64_t n)
{
	struct ring_sqe s;
	struct ring_cqe c;
	uint64_t i;
	int rc;

	ring_set_spin(r, 0);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s.user_data = i;
		rc = ring_sq_push(r, &s);
		if (rc < 0)
			TAP_FAIL("consumer: ring_sq_push = %s at %llu",
			    tap_rcname(rc), (unsigned long long)i);
		while ((rc = ring_cq_pop(r, &c)) == -EAGAIN)
			pair_lockstep_wait(r, "consumer", i);
		if (rc < 0)
			TAP_FAIL("consumer: ring_cq_pop = %s", tap_rcname(rc));
		if (c.user_data != i || c.status != i * 3)
			TAP_FAIL("consumer: CQE user_data %llu status %llu at "
				 "round trip %llu",
			    (unsigned long long)c.user_data,
			    (unsigned long long)c.status,
			    (unsigned long long)i);
	}
}
