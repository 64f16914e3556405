/*
 * t-ctl-dead.c - a side of a ringd-brokered ring dies by SIGKILL.
 *
 * Producer dies: ringd takes its place and answers every SQE still in
 * the SQ with exactly one CQE (-ESHUTDOWN), then sets DROP, so the
 * consumer drains those and gets -ESHUTDOWN; also when the consumer was
 * asleep, when the SQ was full or empty, for every ring of the dead
 * scheme, and for a producer killed at a random point of a stream.
 * Consumer dies: the producer drains what was submitted and then gets
 * -ESHUTDOWN, also when asleep.  Afterwards ringd lists neither the ring
 * nor holds more descriptors or memfd mappings than when idle.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/scheme.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define SCHEME "t-dead"

static struct td d;

static uint64_t
result(const struct ring_sqe *s)
{
	return s->user_data * 5 + 1;
}

static struct ring_sqe
sqe_ud(uint64_t ud)
{
	struct ring_sqe s;

	memset(&s, 0, sizeof(s));
	s.opcode = RING_OP_NOOP;
	s.user_data = ud;
	return s;
}

/* Producer side: answer one SQE with result(). */
static int
serve_one(struct ring *r)
{
	struct ring_sqe s;
	struct ring_cqe c;
	int rc;

	if ((rc = ring_sq_pop(r, &s)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	c.user_data = s.user_data;
	c.status = result(&s);
	while ((rc = ring_cq_push(r, &c)) == -EAGAIN)
		if ((rc = ring_wait(r, RING_EV_OUT, 2000000000)) < 0)
			return rc;
	return rc;
}

/* Producer side: answer exactly n SQEs, waiting for them. */
static void
serve_n(struct ring *r, unsigned n)
{
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		while ((rc = serve_one(r)) == -EAGAIN)
			if ((rc = ring_wait(r, RING_EV_IN, 5000000000ll)) < 0)
				break;
		if (rc < 0)
			TAP_FAIL("serving SQE %u of %u: %s", i, n,
			    tap_rcname(rc));
	}
	TAP_HERE();
}

/* Consumer side: n round trips numbered from base. */
static void
rounds(struct ring *r, uint64_t base, unsigned n)
{
	struct ring_sqe s;
	struct ring_cqe c;
	unsigned i;

	for (i = 0; i < n; i++) {
		s = sqe_ud(base + i);
		td_roundtrip(r, &s, &c);
		TAP_EQ_U(c.status, result(&s));
	}
}

/*
 * Consumer side after the producer died with k SQEs (user_data from
 * first) in the SQ: exactly k CQEs, -ESHUTDOWN each, in order, then
 * -ESHUTDOWN from everything.
 */
static void
expect_shutdown_cqes(struct ring *r, uint64_t first, unsigned k)
{
	struct ring_sqe s;
	struct ring_cqe c;
	unsigned i;
	int rc;

	for (i = 0; i < k; i++) {
		rc = td_cq_pop_wait(r, &c, 5000);
		if (rc < 0)
			TAP_FAIL("CQE %u of %u for the dead producer's queue: "
				 "%s",
			    i, k, tap_rcname(rc));
		if (c.user_data != first + i || (int64_t)c.status != -ESHUTDOWN)
			TAP_FAIL("CQE %u: user_data %llu status %s, expected "
				 "%llu "
				 "-ESHUTDOWN",
			    i, (unsigned long long)c.user_data,
			    tap_rcname((long)(int64_t)c.status),
			    (unsigned long long)(first + i));
	}
	rc = td_cq_pop_wait(r, &c, 5000);
	if (rc == 0)
		TAP_FAIL("one CQE too many: user_data %llu status %s",
		    (unsigned long long)c.user_data,
		    tap_rcname((long)(int64_t)c.status));
	TAP_RC(rc, -ESHUTDOWN);
	TAP_ASSERT(ring_is_dropped(r));
	TAP_ASSERT(!ring_is_broken(r));
	TAP_RC(ring_wait(r, RING_EV_IN, -1), -ESHUTDOWN);
	s = sqe_ud(999999);
	TAP_RC(ring_sq_push(r, &s), -ESHUTDOWN);
}

/*
 * One scheme child per round (ts_fork_registered(): makes the pipe p and
 * returns once SCHEME is registered): it accepts nrings rings, answers
 * `serve` SQEs on each, tells us through p, and waits to be killed (or,
 * with self_kill, waits until each SQ holds `k` entries and kills itself
 * while we sleep).
 */
static pid_t
scheme_child(int p[2], unsigned nrings, unsigned serve, bool self_kill,
    unsigned k)
{
	struct ring *rs[8];
	struct ring_ctl *sc;
	struct ring_attach a;
	struct ring_stats st;
	pid_t pid;
	unsigned i;

	pid = ts_fork_registered(&d, SCHEME, NULL, 0, p, &sc);
	if (pid != 0)
		return pid;
	for (i = 0; i < nrings; i++) {
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &rs[i]), 0);
	}
	for (i = 0; i < nrings; i++)
		serve_n(rs[i], serve);
	tu_notify(p[1]);
	if (self_kill) {
		uint64_t t0 = clock_ns();

		for (i = 0; i < nrings; i++) {
			for (;;) {
				ring_get_stats(rs[i], &st);
				if (st.sq.depth == k)
					break;
				if (clock_ns() - t0 > 5000000000ull)
					TAP_FAIL("SQ depth %llu, waiting for "
						 "%u",
					    (unsigned long long)st.sq.depth, k);
				tu_sleep_ms(1);
			}
		}
		/* let the consumer fall asleep first */
		tu_sleep_ms(150);
		raise(SIGKILL);
	}
	for (;;)
		pause();
}

/*
 * The producer dies with k SQEs queued (k may be 0 or the whole SQ);
 * asleep: the consumer sleeps in ring_wait() when it happens.
 */
static void
producer_dies(unsigned k, bool asleep)
{
	struct ring_ctl *c;
	struct ring_ctl_ring rec;
	struct ring_sqe s;
	struct ring *r;
	uint64_t id, t0;
	unsigned i;
	int p[2], rc;
	pid_t pid;

	pid = scheme_child(p, 1, 5, asleep, k);
	c = td_connect(&d);
	r = td_open(c, SCHEME, 16, 0, 0, &id);
	rounds(r, 1, 5);
	tu_await(p[0], 5000);
	for (i = 0; i < k; i++) {
		s = sqe_ud(100 + i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.sq.depth, k);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	if (asleep) {
		ring_set_spin(r, 0);
		t0 = clock_ns();
		rc = ring_wait(r, RING_EV_IN, 5000000000ll);
		if (rc < 0 && !(k == 0 && rc == -ESHUTDOWN))
			TAP_FAIL("asleep consumer woke with %s",
			    tap_rcname(rc));
		TAP_ASSERT(clock_ns() - t0 < 4000000000ull);
		tap_kill(pid); /* reap: it killed itself */
	} else {
		tap_kill(pid);
	}
	expect_shutdown_cqes(r, 100, k);
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.state, RING_CTL_DROPPED);
	TAP_EQ(rec.sq.push_epoch, 5 + k);
	TAP_EQ(rec.cq.push_epoch, 5 + k);
	td_close_ring(c, r, id);
	td_await_scheme_gone(c, SCHEME);
	ring_ctl_close(c);
	tu_pipe_close(p);
	td_settle(&d);
}

TAP_TEST(test_producer_dies, "dead-producer-queued", 40)
{
	td_begin(&d, NULL);
	producer_dies(9, false);
	producer_dies(16, false);
	producer_dies(0, false);
	producer_dies(1, false);
	td_finish(&d);
}

TAP_TEST(test_producer_dies_asleep, "dead-producer-consumer-asleep", 30)
{
	td_begin(&d, NULL);
	producer_dies(7, true);
	producer_dies(0, true);
	td_finish(&d);
}

/* One dead scheme, four rings with work queued: each is answered. */
TAP_TEST(test_producer_dies_many, "dead-producer-many-rings", 30)
{
	struct ring_ctl *c;
	struct ring *r[4];
	struct ring_sqe s;
	uint64_t id[4];
	unsigned i, j;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	pid = scheme_child(p, 4, 2, false, 0);
	c = td_connect(&d);
	for (i = 0; i < 4; i++)
		r[i] = td_open(c, SCHEME, 8, i % 2 ? RING_PAIR_BITS_32 : 0, 0,
		    &id[i]);
	for (i = 0; i < 4; i++)
		rounds(r[i], 10 * i + 1, 2);
	tu_await(p[0], 5000);
	for (i = 0; i < 4; i++) {
		for (j = 0; j <= i + 2; j++) {
			s = sqe_ud(1000 * i + j);
			TAP_RC(ring_sq_push(r[i], &s), 0);
		}
	}
	tap_kill(pid);
	for (i = 0; i < 4; i++) {
		expect_shutdown_cqes(r[i], 1000 * i, i + 3);
		ring_close(r[i]);
	}
	/* leaving without CLOSE: the disconnect releases them */
	ring_ctl_close(c);
	c = td_connect(&d);
	for (i = 0; i < 4; i++)
		td_await_ring_gone(c, id[i]);
	tu_pipe_close(p);
	td_end(&d, c);
}

/*
 * The producer process dies while a process it forked still holds its
 * control socket open: no hangup comes, ringd must notice the death
 * itself (pidfd) and answer the queued SQEs all the same.
 */
TAP_TEST(test_producer_dies_socket_held, "dead-producer-socket-held", 30)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe s;
	uint64_t id;
	unsigned i;
	int p[2], hold[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(p);
	tu_pipe(hold);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *sc = td_connect(&d);
		struct ring_attach a;
		struct ring *pr;
		pid_t g;

		TAP_RC(ring_ctl_register(sc, SCHEME, NULL, 0), 0);
		/*
		 * A grandchild inherits the socket and sleeps until the test
		 * closes `hold` (or 20 s pass); it is not the client.
		 */
		g = fork();
		if (g < 0)
			TAP_FAIL("fork: %s", tap_rcname(-errno));
		if (g == 0) {
			char ch;

			close(hold[1]);
			alarm(20);
			while (read(hold[0], &ch, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		tu_notify(p[1]);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &pr), 0);
		serve_n(pr, 3);
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	close(hold[0]);
	tu_await(p[0], 5000);
	c = td_connect(&d);
	r = td_open(c, SCHEME, 8, 0, 0, &id);
	rounds(r, 1, 3);
	tu_await(p[0], 5000);
	for (i = 0; i < 4; i++) {
		s = sqe_ud(100 + i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	tap_kill(pid);
	expect_shutdown_cqes(r, 100, 4);
	td_await_scheme_gone(c, SCHEME);
	td_close_ring(c, r, id);
	ring_ctl_close(c);
	close(hold[1]); /* the grandchild goes, and with it the socket */
	tu_pipe_close(p);
	td_finish(&d);
}

/*
 * The producer dies holding SQEs it popped and never answered (3), with
 * more still in the SQ (2).  Each of the five gets exactly one CQE,
 * -ESHUTDOWN: the held ones from the producer's in-service table, first
 * and oldest first, then the queued ones.  Then the CQ says -ESHUTDOWN.
 */
TAP_TEST(test_producer_dies_holding, "dead-producer-holding-sqes", 30)
{
	struct ring_ctl *c;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r, *pr;
	uint64_t id;
	unsigned i, got = 0, mask = 0;
	int p[2], rc;
	pid_t pid;

	td_begin(&d, NULL);
	pr = ts_fork_scheme(&d, SCHEME, p, &pid);
	if (pid == 0) {
		struct ring_sqe ps;

		serve_n(pr, 2);
		for (i = 0; i < 3; i++) {
			while ((rc = ring_sq_pop(pr, &ps)) == -EAGAIN)
				(void)ring_wait(pr, RING_EV_IN, 1000000000);
			TAP_RC(rc, 0);
		}
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	c = td_connect(&d);
	r = td_open(c, SCHEME, 8, 0, 0, &id);
	rounds(r, 1, 2);
	for (i = 0; i < 3; i++) {
		s = sqe_ud(100 + i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	tu_await(p[0], 5000);
	for (i = 3; i < 5; i++) {
		s = sqe_ud(100 + i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	tap_kill(pid);
	for (;;) {
		rc = td_cq_pop_wait(r, &cq, 5000);
		if (rc < 0)
			break;
		if (cq.user_data < 100 || cq.user_data > 104 ||
		    (int64_t)cq.status != -ESHUTDOWN)
			TAP_FAIL("CQE user_data %llu status %s",
			    (unsigned long long)cq.user_data,
			    tap_rcname((long)(int64_t)cq.status));
		if (mask & 1u << (cq.user_data - 100))
			TAP_FAIL("a second CQE for %llu",
			    (unsigned long long)cq.user_data);
		if (cq.user_data != 100 + got)
			TAP_FAIL("CQE %u is for %llu: not oldest first", got,
			    (unsigned long long)cq.user_data);
		mask |= 1u << (cq.user_data - 100);
		got++;
	}
	if (mask != 0x1f)
		TAP_FAIL("not every SQE was answered (mask %#x), then %s", mask,
		    tap_rcname(rc));
	TAP_RC(rc, -ESHUTDOWN);
	tu_pipe_close(p);
	td_end_ring(&d, c, r, id);
}

/*
 * The producer dies with the CQ full (the consumer did not reap) and
 * more SQEs queued: ringd must wait for CQ room, not drop or overwrite,
 * and answer every queued SQE once the consumer reaps.
 */
TAP_TEST(test_producer_dies_cq_full, "dead-producer-cq-full", 30)
{
	struct ring_ctl *c;
	struct ring_params prm = { .sq_entries = 8, .cq_entries = 4 };
	struct ring_stats st;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r, *pr;
	uint64_t id, t0;
	unsigned i;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	pr = ts_fork_scheme(&d, SCHEME, p, &pid);
	if (pid == 0) {
		serve_n(pr, 4);
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	c = td_connect(&d);
	TAP_RC(ring_ctl_open(c, SCHEME, &prm, &r, &id), 0);
	for (i = 0; i < 4; i++) {
		s = sqe_ud(i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	tu_await(p[0], 5000);
	for (i = 4; i < 9; i++) {
		s = sqe_ud(i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	tap_kill(pid);
	/* give ringd time to find the CQ full */
	tu_sleep_ms(100);
	ring_get_stats(r, &st);
	TAP_EQ(st.cq.depth, 4);
	TAP_EQ(st.sq.depth, 5);
	for (i = 0; i < 4; i++) {
		TAP_RC(ring_cq_pop(r, &cq), 0);
		TAP_EQ_U(cq.user_data, i);
		TAP_EQ_U(cq.status, i * 5 + 1);
	}
	/* now room: the rest come as -ESHUTDOWN, in order, once each */
	t0 = clock_ns();
	expect_shutdown_cqes(r, 4, 5);
	TAP_ASSERT(clock_ns() - t0 < 4000000000ull);
	tu_pipe_close(p);
	td_end_ring(&d, c, r, id);
}

/*
 * A producer answering a stream one SQE at a time is killed at a
 * random point.  Every SQE gets exactly one CQE, in order; the real
 * answers come first, then -ESHUTDOWN ones.
 */
TAP_TEST(test_producer_dies_stream, "dead-producer-stream", 40)
{
	struct ring_ctl *c;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r, *pr;
	uint64_t id, sent = 0, next = 0, answered = 0, shut = 0, kill_at;
	static uint8_t seen[1 << 16];
	uint64_t depth_at_kill = 0;
	bool killed = false;
	int p[2], rc;
	pid_t pid;

	td_begin(&d, NULL);
	tu_srand(7);
	kill_at = 2000 + tu_rand_below(20000); /* and seen[] has room */
	pr = ts_fork_scheme(&d, SCHEME, p, &pid);
	if (pid == 0) {
		for (;;) {
			/* slower than the consumer, so the SQ stays backed up */
			uint64_t t = clock_ns();

			while (clock_ns() - t < 20000)
				;
			rc = serve_one(pr);
			if (rc == -EAGAIN)
				rc = ring_wait(pr, RING_EV_IN, -1);
			if (rc < 0 && rc != -EAGAIN)
				TAP_FAIL("producer: %s", tap_rcname(rc));
		}
	}
	c = td_connect(&d);
	{
		struct ring_params prm = { .sq_entries = 16, .cq_entries = 32 };

		TAP_RC(ring_ctl_open(c, SCHEME, &prm, &r, &id), 0);
	}
	for (;;) {
		/* keep the SQ topped up while the producer lives */
		while (!killed && sent - answered < 16) {
			s = sqe_ud(sent);
			rc = ring_sq_push(r, &s);
			if (rc == -EAGAIN)
				break;
			if (rc < 0)
				TAP_FAIL("push %llu: %s",
				    (unsigned long long)sent, tap_rcname(rc));
			sent++;
		}
		if (!killed && answered >= kill_at) {
			struct ring_stats st;
			siginfo_t si;

			/* stop it where it is, so what is queued stays so */
			TAP_SYS(kill(pid, SIGSTOP));
			TAP_SYS(
			    waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOWAIT));
			ring_get_stats(r, &st);
			if (st.sq.depth >= 8) {
				tap_kill(pid);
				killed = true;
				depth_at_kill = st.sq.depth;
			} else {
				TAP_SYS(kill(pid, SIGCONT));
			}
		}
		rc = td_cq_pop_wait(r, &cq, 5000);
		if (rc == -ESHUTDOWN && killed)
			break;
		if (rc < 0)
			TAP_FAIL("after %llu CQEs (%llu sent, killed %d): %s",
			    (unsigned long long)(answered + shut),
			    (unsigned long long)sent, killed, tap_rcname(rc));
		if (cq.user_data >= sent)
			TAP_FAIL("CQE for user_data %llu, never sent (%llu "
				 "sent)",
			    (unsigned long long)cq.user_data,
			    (unsigned long long)sent);
		if (seen[cq.user_data]++)
			TAP_FAIL("a second CQE for user_data %llu (status %s)",
			    (unsigned long long)cq.user_data,
			    tap_rcname((long)(int64_t)cq.status));
		if ((int64_t)cq.status == -ESHUTDOWN) {
			if (!killed)
				TAP_FAIL("-ESHUTDOWN for %llu before the kill",
				    (unsigned long long)cq.user_data);
			shut++;
		} else {
			/* real answers: in order, all before any -ESHUTDOWN */
			if (shut > 0)
				TAP_FAIL("a real answer for %llu after "
					 "-ESHUTDOWN "
					 "ones",
				    (unsigned long long)cq.user_data);
			if (cq.user_data != answered ||
			    cq.status != cq.user_data * 5 + 1)
				TAP_FAIL("CQE for %llu: user_data %llu status "
					 "%llu",
				    (unsigned long long)answered,
				    (unsigned long long)cq.user_data,
				    (unsigned long long)cq.status);
			answered++;
		}
	}
	tap_diag("killed with %llu in the SQ: %llu sent, %llu answered, %llu "
		 "-ESHUTDOWN, %llu unanswered",
	    (unsigned long long)depth_at_kill, (unsigned long long)sent,
	    (unsigned long long)answered, (unsigned long long)shut,
	    (unsigned long long)(sent - answered - shut));
	TAP_ASSERT(shut >= 1);
	/* everything after the last real answer was answered -ESHUTDOWN */
	for (next = answered; next < sent; next++)
		if (!seen[next])
			TAP_FAIL("SQE %llu never completed (%llu answered)",
			    (unsigned long long)next,
			    (unsigned long long)answered);
	tu_pipe_close(p);
	td_end_ring(&d, c, r, id);
}

/*
 * The consumer dies with k SQEs submitted; asleep: the producer sleeps
 * in ring_wait() when it happens.  The producer drains the k, then is
 * told -ESHUTDOWN.
 */
static void
consumer_dies(struct ring_ctl *sc, unsigned k, bool asleep)
{
	struct ring_attach a;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id, t0;
	unsigned i;
	int p[2], rc;
	pid_t pid;

	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring *cr = td_open(c, SCHEME, 8, 0, 4096, NULL);
		struct ring_cqe ccq;

		if (asleep) {
			/* k round trips, then die while the producer waits */
			for (i = 0; i < k; i++) {
				s = sqe_ud(i);
				td_roundtrip(cr, &s, &ccq);
			}
			tu_sleep_ms(150);
			raise(SIGKILL);
		}
		for (i = 0; i < k; i++) {
			s = sqe_ud(i);
			TAP_RC(ring_sq_push(cr, &s), 0);
		}
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	TAP_EQ(a.consumer.pid, pid);
	id = a.ring_id;
	TAP_RC(ring_ctl_accept(sc, &a, &r), 0);
	if (asleep) {
		serve_n(r, k);
		ring_set_spin(r, 0);
		t0 = clock_ns();
		TAP_RC(ring_wait(r, RING_EV_IN, 5000000000ll), -ESHUTDOWN);
		TAP_ASSERT(clock_ns() - t0 < 4000000000ull);
		tap_kill(pid); /* reap */
	} else {
		tu_await(p[0], 5000);
		tap_kill(pid);
		/* the k submitted before the death are still there to drain */
		for (i = 0; i < k; i++) {
			while ((rc = ring_sq_pop(r, &s)) == -EAGAIN)
				tu_sleep_ms(1);
			if (rc < 0)
				TAP_FAIL("draining SQE %u of %u: %s", i, k,
				    tap_rcname(rc));
			TAP_EQ_U(s.user_data, i);
		}
		TAP_RC(ring_wait(r, RING_EV_IN, 5000000000ll), -ESHUTDOWN);
	}
	TAP_RC(ring_sq_pop(r, &s), -ESHUTDOWN);
	memset(&cq, 0, sizeof(cq));
	TAP_RC(ring_cq_push(r, &cq), -ESHUTDOWN);
	TAP_ASSERT(ring_is_dropped(r));
	/* ringd keeps the ring for us until we let go */
	td_close_ring(sc, r, id);
	tu_pipe_close(p);
}

TAP_TEST(test_consumer_dies, "dead-consumer", 40)
{
	struct ring_ctl *sc;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, SCHEME, NULL, 0), 0);
	consumer_dies(sc, 5, false);
	consumer_dies(sc, 8, false);
	consumer_dies(sc, 0, false);
	consumer_dies(sc, 3, true);
	consumer_dies(sc, 0, true);
	/* the scheme outlived all that and still serves */
	TAP_ASSERT(td_find_scheme(sc, SCHEME, NULL));
	td_end(&d, sc);
}

/*
 * A consumer streaming through a built-in ring (ringd is the producer)
 * is killed mid-stream: ringd lets the ring go and is back to idle.
 */
TAP_TEST(test_consumer_dies_builtin, "dead-consumer-builtin", 30)
{
	struct ring_ctl *c;
	struct ring_ctl_ring *v;
	size_t n;
	int p[2];
	pid_t pid;
	unsigned k;

	td_begin(&d, NULL);
	for (k = 0; k < 3; k++) {
		tu_pipe(p);
		pid = tap_fork();
		if (pid == 0) {
			struct ring_ctl *cc = td_connect(&d);
			struct ring *r = td_open(cc, k == 1 ? "zero" : "echo",
			    64, k == 2 ? RING_PAIR_BITS_32 : 0, 65536, NULL);
			struct ring_sqe s;
			struct ring_cqe cq;
			uint64_t i = 0;

			tu_notify(p[1]);
			for (;;) {
				s = sqe_ud(i++ & 0xffff);
				if (ring_sq_push(r, &s) == 0)
					continue;
				while (ring_cq_pop(r, &cq) == 0)
					;
				(void)ring_wait(r, RING_EV_IN | RING_EV_OUT,
				    1000000);
			}
		}
		tu_await(p[0], 5000);
		tu_sleep_ms(30 + 20 * k);
		tap_kill(pid);
		tu_pipe_close(p);
	}
	c = td_connect(&d);
	{
		uint64_t t0 = clock_ns();

		for (;;) {
			TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
			free(v);
			if (n == 0)
				break;
			if (clock_ns() - t0 > 3000000000ull)
				TD_FAIL(&d,
				    "%zu rings still listed 3 s after "
				    "their consumers died",
				    n);
			tu_sleep_ms(10);
		}
	}
	td_end(&d, c);
}

/* The producer leaves without CLOSE after the consumer died. */
TAP_TEST(test_consumer_dies_producer_leaves,
    "dead-consumer-producer-leaves", 30)
{
	struct ring_ctl *sc, *c;
	struct ring_attach a;
	struct ring *r;
	uint64_t id;
	pid_t pid;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, SCHEME, NULL, 0), 0);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *cc = td_connect(&d);

		(void)td_open(cc, SCHEME, 8, 0, 0, NULL);
		for (;;)
			pause();
	}
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	id = a.ring_id;
	TAP_RC(ring_ctl_accept(sc, &a, &r), 0);
	tap_kill(pid);
	TAP_RC(ring_wait(r, RING_EV_IN, 5000000000ll), -ESHUTDOWN);
	ring_close(r);
	ring_ctl_close(sc);
	c = td_connect(&d);
	td_await_ring_gone(c, id);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
