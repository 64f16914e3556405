/*
 * t-drop.c - a side leaves.  The peer pushes K entries and closes (or is
 * SIGKILLed, and the test then plays the broker: it opens a monitor handle
 * and calls ring_shutdown()).  The survivor drains exactly the K entries,
 * then gets -ESHUTDOWN from pops, pushes and waits, also when it was
 * already asleep when the DROP came.  A leaving side rings the survivor's
 * doorbell only when the survivor announced a doorbell sleep that is not
 * for entries alone.
 */
#include <sys/stat.h>

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

#define DROP_N 8u

static void
push_k(struct ring *r, enum ring_role role, unsigned k)
{
	struct ring_sqe s;
	struct ring_cqe c;
	unsigned i;

	for (i = 0; i < k; i++) {
		tu_sqe_make(&s, i, false);
		tu_cqe_make(&c, i, i, false);
		TAP_RC(role == RING_ROLE_CONSUMER ? ring_sq_push(r, &s)
						  : ring_cq_push(r, &c),
		    0);
	}
}

/* Pop exactly k entries numbered first.. from the survivor's queue. */
static void
drain_k(struct ring *r, enum ring_role role, unsigned first, unsigned k)
{
	struct ring_sqe s, ws;
	struct ring_cqe c, wc;
	unsigned i;
	int rc;

	for (i = first; i < first + k; i++) {
		if (role == RING_ROLE_CONSUMER) {
			rc = ring_cq_pop(r, &c);
			if (rc != 0)
				TAP_FAIL("draining CQE %u of %u: %s", i,
				    first + k, tap_rcname(rc));
			tu_cqe_make(&wc, i, i, false);
			if (!tu_cqe_same(&c, &wc))
				TAP_FAIL("drained CQE has user_data %llu, "
					 "expected %u",
				    (unsigned long long)c.user_data, i);
		} else {
			rc = ring_sq_pop(r, &s);
			if (rc != 0)
				TAP_FAIL("draining SQE %u of %u: %s", i,
				    first + k, tap_rcname(rc));
			tu_sqe_make(&ws, i, false);
			if (!tu_sqe_same(&s, &ws))
				TAP_FAIL("drained SQE has user_data %llu, "
					 "expected %u",
				    (unsigned long long)s.user_data, i);
		}
	}
	TAP_HERE();
}

/* Take k CQEs numbered 0.. that a leaving producer answered -ESHUTDOWN. */
static void
drain_shutdown(struct ring *r, unsigned k)
{
	struct ring_cqe c;
	unsigned i;

	for (i = 0; i < k; i++) {
		TAP_RC(ring_cq_pop(r, &c), 0);
		TAP_EQ_U(c.user_data, i);
		TAP_EQ(ring_cqe_errno(&c), -ESHUTDOWN);
	}
}

/* After DROP and the drain: every pop, push and wait says -ESHUTDOWN. */
static void
check_shut(struct ring *r, enum ring_role role)
{
	struct ring_sqe s[2];
	struct ring_cqe c[2];
	struct ring_stats st;
	uint64_t t0;

	memset(s, 0, sizeof(s));
	memset(c, 0, sizeof(c));
	TAP_ASSERT(ring_is_dropped(r));
	TAP_ASSERT(!ring_is_broken(r));
	if (role == RING_ROLE_CONSUMER) {
		TAP_RC(ring_cq_pop(r, c), -ESHUTDOWN);
		TAP_RC(ring_cq_peek(r, c), -ESHUTDOWN);
		TAP_RC(ring_cq_pop_batch(r, c, 2), -ESHUTDOWN);
		TAP_RC(ring_sq_push(r, s), -ESHUTDOWN);
		TAP_RC(ring_sq_push_batch(r, s, 2), -ESHUTDOWN);
	} else {
		TAP_RC(ring_sq_pop(r, s), -ESHUTDOWN);
		TAP_RC(ring_sq_peek(r, s), -ESHUTDOWN);
		TAP_RC(ring_sq_pop_batch(r, s, 2), -ESHUTDOWN);
		TAP_RC(ring_cq_push(r, c), -ESHUTDOWN);
		TAP_RC(ring_cq_push_batch(r, c, 2), -ESHUTDOWN);
	}
	TAP_RC(ring_reserve(r, 1), -ESHUTDOWN);
	TAP_RC(ring_wait(r, RING_EV_IN, 0), -ESHUTDOWN);
	t0 = clock_ns();
	TAP_RC(ring_wait(r, RING_EV_IN, 3000000000ll), -ESHUTDOWN);
	TAP_RC(ring_wait(r, RING_EV_IN, -1), -ESHUTDOWN);
	TAP_RC(ring_wait(r, RING_EV_OUT, -1), -ESHUTDOWN);
	TAP_RC(ring_wait(r, RING_EV_IN | RING_EV_OUT, -1), -ESHUTDOWN);
	TAP_ASSERT(clock_ns() - t0 < 1000000000ull);
	TAP_RC(ring_arm(r, RING_EV_IN), -ESHUTDOWN);
	ring_get_stats(r, &st);
	TAP_ASSERT((st.sq.status & RING_STATUS_DROP) != 0);
	TAP_ASSERT((st.cq.status & RING_STATUS_DROP) != 0);
	TAP_EQ_U(st.sq.status & RING_STATUS_BROKEN, 0);
}

static enum ring_role
other(enum ring_role role)
{
	return role == RING_ROLE_CONSUMER ? RING_ROLE_PRODUCER
					  : RING_ROLE_CONSUMER;
}

/* The peer pushes k and closes; the survivor drains k and is told. */
static void
close_run(enum ring_role survivor, unsigned k)
{
	struct ring_fds fds;
	struct ring *r;
	pid_t pid;
	int rc;

	tu_create(&fds, DROP_N, DROP_N, 0, 0);
	r = tu_open(&fds, survivor);
	pid = tap_fork();
	if (pid == 0) {
		struct ring *peer = tu_open(&fds, other(survivor));

		push_k(peer, other(survivor), k);
		ring_close(peer);
		tap_child_exit();
	}
	tap_reap(pid);
	TAP_ASSERT(ring_is_dropped(r));
	/* with entries left, a wait reports them, not the DROP */
	if (k > 0) {
		rc = ring_wait(r, RING_EV_IN, -1);
		TAP_EQ(rc, RING_EV_IN);
	}
	drain_k(r, survivor, 0, k);
	check_shut(r, survivor);
	ring_close(r);
	ring_fds_close(&fds);
}

/*
 * A departure run for one survivor with the peer leaving k entries behind:
 * some (k0), a full queue (DROP_N) and none.
 */
static void
each_k(void (*run)(enum ring_role, unsigned), enum ring_role survivor,
    unsigned k0)
{
	run(survivor, k0);
	run(survivor, DROP_N);
	run(survivor, 0);
}

TAP_TEST_CALL(test_close_consumer_survives, "drop-close-consumer-survives", 0,
    each_k(close_run, RING_ROLE_CONSUMER, 5))
TAP_TEST_CALL(test_close_producer_survives, "drop-close-producer-survives", 0,
    each_k(close_run, RING_ROLE_PRODUCER, 5))

/* How the survivor sleeps when the DROP comes. */
enum sleep_kind {
	SLEEP_IN,   /* ring_wait for entries, futex path */
	SLEEP_OUT,  /* ring_wait for room in a full queue */
	SLEEP_BOTH, /* ring_wait for either, doorbell path */
	SLEEP_POLL, /* ring_arm, then poll on ring_fd */
};

static void
asleep_run(enum ring_role survivor, enum sleep_kind how)
{
	bool surv_cq_in = survivor == RING_ROLE_CONSUMER; /* incoming is CQ */
	struct pollfd pfd;
	struct ring_fds fds;
	struct ring *r;
	bool answered;
	pid_t pid;
	int rc, n;

	tu_create(&fds, DROP_N, DROP_N, 0, 0);
	r = tu_open(&fds, survivor);
	ring_set_spin(r, 0);
	if (how == SLEEP_OUT || how == SLEEP_BOTH)
		push_k(r, survivor, DROP_N); /* outgoing queue full */
	pid = tap_fork();
	if (pid == 0) {
		struct ring *peer = tu_open(&fds, other(survivor));

		/* leave only once the survivor announced its sleep */
		if (how == SLEEP_OUT)
			tu_await_sleeper(peer, !surv_cq_in, true);
		else
			tu_await_sleeper(peer, surv_cq_in, false);
		tu_sleep_ms(20);
		ring_close(peer);
		tap_child_exit();
	}
	/*
	 * A leaving producer answers the SQEs it leaves queued with
	 * -ESHUTDOWN before its DROP, so a consumer with a full SQ may wake
	 * for the room or the answers first; it then drains those answers.
	 */
	answered = survivor == RING_ROLE_CONSUMER && how != SLEEP_IN &&
	    how != SLEEP_POLL;
	switch (how) {
	case SLEEP_IN:
		TAP_RC(ring_wait(r, RING_EV_IN, -1), -ESHUTDOWN);
		break;
	case SLEEP_OUT:
		rc = ring_wait(r, RING_EV_OUT, -1);
		if (!(rc == -ESHUTDOWN || (answered && rc == RING_EV_OUT)))
			TAP_FAIL("ring_wait(OUT) = %s after DROP",
			    tap_rcname(rc));
		break;
	case SLEEP_BOTH:
		rc = ring_wait(r, RING_EV_IN | RING_EV_OUT, -1);
		if (answered ? rc <= 0 : rc != -ESHUTDOWN)
			TAP_FAIL("ring_wait(IN|OUT) = %s after DROP",
			    tap_rcname(rc));
		break;
	case SLEEP_POLL:
		TAP_RC(ring_arm(r, RING_EV_IN), 0);
		pfd.fd = ring_fd(r);
		pfd.events = POLLIN;
		pfd.revents = 0;
		do {
			n = poll(&pfd, 1, 10000);
		} while (n < 0 && errno == EINTR);
		TAP_SYS(n);
		if (n == 0)
			TAP_FAIL(
			    "the doorbell stayed silent for 10 s after DROP");
		ring_disarm(r);
		rc = ring_wait(r, RING_EV_IN, 0);
		TAP_RC(rc, -ESHUTDOWN);
		break;
	}
	tap_reap(pid);
	if (answered)
		drain_shutdown(r, DROP_N);
	check_shut(r, survivor);
	ring_close(r);
	ring_fds_close(&fds);
}

/*
 * One sub-test per role and way of sleeping, each with its own name; a
 * sleeper that is never woken hangs, so the watchdogs are short.
 */
#define ASLEEP(fn, name, role, how) \
	TAP_TEST_CALL(fn, name, 20, asleep_run(role, how))
ASLEEP(test_asleep_c_in, "drop-asleep-consumer-wait-in",
    RING_ROLE_CONSUMER, SLEEP_IN)
ASLEEP(test_asleep_c_out, "drop-asleep-consumer-wait-out",
    RING_ROLE_CONSUMER, SLEEP_OUT)
ASLEEP(test_asleep_c_both, "drop-asleep-consumer-wait-both",
    RING_ROLE_CONSUMER, SLEEP_BOTH)
ASLEEP(test_asleep_c_poll, "drop-asleep-consumer-poll",
    RING_ROLE_CONSUMER, SLEEP_POLL)
ASLEEP(test_asleep_p_in, "drop-asleep-producer-wait-in",
    RING_ROLE_PRODUCER, SLEEP_IN)
ASLEEP(test_asleep_p_out, "drop-asleep-producer-wait-out",
    RING_ROLE_PRODUCER, SLEEP_OUT)
ASLEEP(test_asleep_p_both, "drop-asleep-producer-wait-both",
    RING_ROLE_PRODUCER, SLEEP_BOTH)
ASLEEP(test_asleep_p_poll, "drop-asleep-producer-poll",
    RING_ROLE_PRODUCER, SLEEP_POLL)

/*
 * A peer process opens the other side of fds, pushes k entries, tells
 * the test over the pipe p and waits to be killed; returns its pid.
 */
static pid_t
peer_pushes(const struct ring_fds *fds, enum ring_role survivor, unsigned k,
    int p[2])
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct ring *peer = tu_open(fds, other(survivor));

		push_k(peer, other(survivor), k);
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	tu_await(p[0], 5000);
	return pid;
}

/*
 * The peer pushes k and dies by SIGKILL: no DROP yet, so the survivor
 * drains some and sees -EAGAIN.  The broker's monitor shuts the pair
 * down; the survivor drains the rest and is told.
 */
static void
kill_run(enum ring_role survivor, unsigned k)
{
	struct ring_fds fds;
	struct ring *r, *mon;
	struct ring_sqe s;
	struct ring_cqe c;
	int p[2];
	pid_t pid;

	tu_create(&fds, DROP_N, DROP_N, 0, 0);
	r = tu_open(&fds, survivor);
	tu_pipe(p);
	pid = peer_pushes(&fds, survivor, k, p);
	tap_kill(pid);
	tu_pipe_close(p);

	TAP_ASSERT(!ring_is_dropped(r));
	drain_k(r, survivor, 0, k / 2);
	/* an empty queue without DROP is just empty */
	if (k == 0)
		TAP_RC(survivor == RING_ROLE_CONSUMER ? ring_cq_pop(r, &c)
						      : ring_sq_pop(r, &s),
		    -EAGAIN);

	mon = tu_open(&fds, RING_ROLE_MONITOR);
	TAP_RC(ring_shutdown(mon), 0);
	TAP_RC(ring_shutdown(mon), 0); /* idempotent */
	ring_close(mon);

	TAP_ASSERT(ring_is_dropped(r));
	drain_k(r, survivor, k / 2, k - k / 2);
	check_shut(r, survivor);
	ring_close(r);
	ring_fds_close(&fds);
}

TAP_TEST_CALL(test_kill_consumer_survives, "drop-sigkill-monitor-consumer", 0,
    each_k(kill_run, RING_ROLE_CONSUMER, 6))
TAP_TEST_CALL(test_kill_producer_survives, "drop-sigkill-monitor-producer", 0,
    each_k(kill_run, RING_ROLE_PRODUCER, 6))

/*
 * The survivor is a helper asleep in ring_wait(-1) after draining k; the
 * peer is SIGKILLed; the broker (this process) shuts the pair down through
 * a monitor handle, which must wake the sleeper.
 */
static void
kill_asleep_run(enum ring_role survivor, unsigned k)
{
	bool cq_in = survivor == RING_ROLE_CONSUMER;
	struct ring_queue_stats *q;
	struct ring_stats st;
	struct ring_fds fds;
	struct ring *mon;
	pid_t peer_pid, surv_pid;
	uint64_t t0;
	int p[2];

	tu_create(&fds, DROP_N, DROP_N, 0, 0);
	mon = tu_open(&fds, RING_ROLE_MONITOR);
	tu_pipe(p);
	surv_pid = tap_fork();
	if (surv_pid == 0) {
		struct ring *r = tu_open(&fds, survivor);
		unsigned got = 0;
		int rc;

		ring_set_spin(r, 0);
		tu_notify(p[1]);
		while (got < k) {
			rc = ring_wait(r, RING_EV_IN, 5000000000ll);
			if (rc != RING_EV_IN)
				TAP_FAIL("waiting for entry %u: %s", got,
				    tap_rcname(rc));
			drain_k(r, survivor, got, 1);
			got++;
		}
		/* now asleep with nothing left; only the DROP can end this */
		TAP_RC(ring_wait(r, RING_EV_IN, -1), -ESHUTDOWN);
		check_shut(r, survivor);
		ring_close(r);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	peer_pid = peer_pushes(&fds, survivor, k, p);
	tap_kill(peer_pid);

	/* the survivor took all k and sleeps again */
	q = cq_in ? &st.cq : &st.sq;
	t0 = clock_ns();
	for (;;) {
		ring_get_stats(mon, &st);
		if (q->pop_epoch == k && q->pop_wait != 0)
			break;
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("survivor did not drain %u and sleep: popped "
				 "%llu, "
				 "wait word %u",
			    k, (unsigned long long)q->pop_epoch, q->pop_wait);
		tu_sleep_ms(1);
	}
	tu_sleep_ms(20);
	TAP_RC(ring_shutdown(mon), 0);
	tap_reap(surv_pid);
	ring_close(mon);
	tu_pipe_close(p);
	ring_fds_close(&fds);
}

TAP_TEST(test_kill_asleep_consumer, "drop-sigkill-monitor-asleep-consumer", 20)
{
	kill_asleep_run(RING_ROLE_CONSUMER, 3);
	kill_asleep_run(RING_ROLE_CONSUMER, 0);
}

TAP_TEST(test_kill_asleep_producer, "drop-sigkill-monitor-asleep-producer", 20)
{
	kill_asleep_run(RING_ROLE_PRODUCER, 3);
	kill_asleep_run(RING_ROLE_PRODUCER, 0);
}

/* A side's own ring_shutdown() ends the pair for both sides. */
TAP_TEST(test_self_shutdown, "drop-self-shutdown", 0)
{
	struct ring_fds fds;
	struct ring *c, *p;

	tu_create(&fds, DROP_N, DROP_N, 0, 0);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	push_k(c, RING_ROLE_CONSUMER, 2);
	TAP_RC(ring_shutdown(c), 0);
	TAP_ASSERT(ring_is_dropped(c));
	TAP_ASSERT(ring_is_dropped(p));
	drain_k(p, RING_ROLE_PRODUCER, 0, 2);
	check_shut(p, RING_ROLE_PRODUCER);
	check_shut(c, RING_ROLE_CONSUMER);
	ring_close(c);
	ring_close(p);
	ring_fds_close(&fds);
}

/* Has a datagram arrived on r's doorbell (without waiting)? */
static bool
rung(struct ring *r)
{
	struct pollfd pfd = { .fd = ring_fd(r), .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* Announce, as ringd does in a pair it hands out, through the file. */
static void
arm_entries(const struct ring_fds *fds)
{
	const uint32_t how = RING_WAIT_DOORBELL | RING_WAIT_ENTRIES;
	off_t off = (off_t)(ring_layout(0, DROP_N, DROP_N, 0).sq_hdr +
	    offsetof(struct ring_header_page, pop_wait));

	TAP_EQ(pwrite(fds->mem, &how, sizeof(how), off),
	    (ssize_t)sizeof(how));
}

/*
 * A consumer that leaves rings the producer's doorbell only when the
 * producer announced a doorbell sleep that wants to know (ring_arm()):
 * not when it announced nothing (it sees DROP when it looks), nor when
 * it sleeps for entries alone (RING_WAIT_ENTRIES), which a push still
 * wakes.  Every time the producer drains what came and sees DROP.
 */
TAP_TEST(test_drop_doorbell_announced, "drop-doorbell-announced", 0)
{
	struct ring_fds fds;
	struct ring *c, *p;
	int how;

	for (how = 0; how < 3; how++) {
		tu_create(&fds, DROP_N, DROP_N, 0, 0);
		c = tu_open(&fds, RING_ROLE_CONSUMER);
		p = tu_open(&fds, RING_ROLE_PRODUCER);
		if (how == 1)
			TAP_RC(ring_arm(p, RING_EV_IN), 0);
		if (how == 2) {
			arm_entries(&fds);
			push_k(c, RING_ROLE_CONSUMER, 1);
			TAP_ASSERT(rung(p));
			ring_disarm(p);
			arm_entries(&fds);
		}
		TAP_ASSERT(!rung(p));
		ring_close(c);
		if (rung(p) != (how == 1))
			TAP_FAIL("announced %d: DROP %s the doorbell", how,
			    how == 1 ? "did not ring" : "rang");
		ring_disarm(p);
		drain_k(p, RING_ROLE_PRODUCER, 0, how == 2 ? 1 : 0);
		check_shut(p, RING_ROLE_PRODUCER);
		ring_close(p);
		ring_fds_close(&fds);
	}
}

/*
 * How this process maps the memory file with inode ino: the number of
 * mappings, and whether any of them is writable.
 */
static unsigned
maps_of(ino_t ino, bool *writable)
{
	char line[512], perms[8];
	unsigned long long inode;
	unsigned n = 0;
	FILE *f;

	*writable = false;
	TAP_ASSERT((f = fopen("/proc/self/maps", "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %7s %*s %*s %llu", perms, &inode) != 2 ||
		    inode != (unsigned long long)ino)
			continue;
		n++;
		if (perms[1] == 'w')
			*writable = true;
	}
	fclose(f);
	return n;
}

/*
 * A monitor (what ringd keeps on every ring) maps the pair read-only, and
 * is back to read-only after the write that sets DROP.
 */
TAP_TEST(test_monitor_read_only, "drop-monitor-read-only", 0)
{
	struct ring_stats st;
	struct ring_fds fds;
	struct ring *mon;
	struct stat sb;
	bool w;

	tu_create(&fds, DROP_N, DROP_N, 0, 4096);
	TAP_ASSERT(fstat(fds.mem, &sb) == 0);
	TAP_ASSERT(maps_of(sb.st_ino, &w) == 0);
	mon = tu_open(&fds, RING_ROLE_MONITOR);
	TAP_ASSERT(maps_of(sb.st_ino, &w) > 0);
	TAP_ASSERT(!w);
	TAP_ASSERT(!ring_is_dropped(mon));
	TAP_RC(ring_shutdown(mon), 0);
	TAP_ASSERT(ring_is_dropped(mon));
	ring_get_stats(mon, &st);
	TAP_ASSERT(st.sq.status & RING_STATUS_DROP);
	TAP_ASSERT(st.cq.status & RING_STATUS_DROP);
	TAP_ASSERT(maps_of(sb.st_ino, &w) > 0);
	TAP_ASSERT(!w);
	ring_close(mon);
	TAP_ASSERT(maps_of(sb.st_ino, &w) == 0);
	ring_fds_close(&fds);
}

TAP_MAIN(NULL)
