/*
 * t-ring-held.c - the producer's in-service table on a pair opened in one
 * process (tests/lib/pair.h): its cap of sq_entries, matching final CQEs to
 * SQEs, adopting entries of a dead producer, torn entries, and what
 * closing the producer answers.
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
#include "lib/pair.h"

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
TAP_TEST(test_held_cap, "ring-held-cap", 0)
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
	TAP_EQ_U(pair_qstats(pr.c, false).depth, 0);
	pair_close(&pr);
}

/*
 * What answers what: RING_CQE_MORE answers nothing, a final CQE the
 * oldest request with its user_data, a CQE for no request nothing.
 */
TAP_TEST(test_held_match, "ring-held-match", 0)
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
	TAP_EQ_U(pair_qstats(c, false).depth, 1);
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

TAP_TEST(test_held_adopt, "ring-held-adopt", 0)
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
TAP_TEST(test_held_torn, "ring-held-torn", 0)
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
TAP_TEST(test_held_close, "ring-held-close", 0)
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

TAP_MAIN(NULL)
