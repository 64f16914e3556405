/*
 * t-ring-wait.c - the waiting calls on a pair opened in one process
 * (tests/lib/pair.h): timeouts, wakeups across threads, ring_arm(),
 * ring_fd() and ring_disarm(), doorbells that would block or are shut
 * down, the statistics of spinning waiters, and how the adaptive spin
 * budget grows and shrinks.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
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

TAP_TEST(test_wait_timeout, "ring-wait-timeout", 0)
{
	struct pair pr;
	uint64_t t0, dt;
	int i, rc;

	pair_open(&pr, 4, 4, 0);
	for (i = 0; i < 2; i++) {
		struct ring *r = i ? pr.p : pr.c;

		if (i)
			ring_set_spin(r, 0);
		t0 = clock_ns();
		TAP_RC(ring_wait(r, RING_EV_IN, 0), -ETIMEDOUT);
		TAP_ASSERT(clock_ns() - t0 < 100000000ull);
		t0 = clock_ns();
		TAP_RC(ring_wait(r, RING_EV_IN, 30000000), -ETIMEDOUT);
		dt = clock_ns() - t0;
		if (dt < 29000000ull || dt > 2000000000ull)
			TAP_FAIL("a 30 ms wait took %llu us",
			    (unsigned long long)(dt / 1000));
	}
	/* room out: ready at once; both: what holds */
	rc = ring_wait(pr.c, RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_OUT);
	TAP_RC(pair_push(pr.p, true, 1, false), 0);
	rc = ring_wait(pr.c, RING_EV_IN, 0);
	TAP_EQ(rc, RING_EV_IN);
	rc = ring_wait(pr.c, RING_EV_IN | RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_IN | RING_EV_OUT);
	rc = ring_wait(pr.c, RING_EV_IN, -1);
	TAP_EQ(rc, RING_EV_IN);
	/* a full SQ: no room, timeout */
	for (i = 0; i < 4; i++)
		TAP_RC(pair_push(pr.c, false, (uint64_t)i, false), 0);
	TAP_RC(ring_wait(pr.c, RING_EV_OUT, 0), -ETIMEDOUT);
	t0 = clock_ns();
	TAP_RC(ring_wait(pr.c, RING_EV_OUT, 20000000), -ETIMEDOUT);
	TAP_ASSERT(clock_ns() - t0 >= 19000000ull);
	/* either event, none holds: the doorbell path times out too */
	TAP_RC(pair_pop(pr.c, true, 1, false), 0);
	for (i = 0; i < 2; i++) {
		ring_set_spin(pr.c, i ? 0 : RING_SPIN_ADAPTIVE);
		t0 = clock_ns();
		TAP_RC(ring_wait(pr.c, RING_EV_IN | RING_EV_OUT, 30000000),
		    -ETIMEDOUT);
		dt = clock_ns() - t0;
		if (dt < 29000000ull || dt > 2000000000ull)
			TAP_FAIL("a 30 ms wait for either event took %llu us",
			    (unsigned long long)(dt / 1000));
	}
	rc = ring_wait(pr.p, RING_EV_IN | RING_EV_OUT, 0);
	TAP_EQ(rc, RING_EV_IN | RING_EV_OUT);
	TAP_RC(pair_push(pr.p, true, 2, false), 0);
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
			TAP_RC(pair_push(pr.c, false, (uint64_t)i, false), 0);
		w.r = pr.c;
		w.events = which == 2 ? RING_EV_OUT : RING_EV_IN | RING_EV_OUT;
		break;
	}
	w.rc = -12345;
	TAP_ASSERT(pthread_create(&w.t, NULL, waiter_main, &w) == 0);
	switch (which) {
	case 0:
		tu_await_sleeper(pr.c, false, false);
		TAP_RC(pair_push(pr.c, false, 9, false), 0);
		break;
	case 1:
		tu_await_sleeper(pr.p, true, false);
		TAP_RC(pair_push(pr.p, true, 9, false), 0);
		break;
	case 2:
		tu_await_sleeper(pr.p, false, true);
		TAP_RC(ring_sq_pop(pr.p, &s), 0);
		break;
	case 3:
		/* the CQ side's word is the one to watch */
		tu_await_sleeper(pr.p, true, false);
		TAP_RC(pair_push(pr.p, true, 9, false), 0);
		break;
	}
	TAP_ASSERT(pthread_join(w.t, NULL) == 0);
	if (which == 2)
		TAP_RC(w.rc, RING_EV_OUT);
	else
		TAP_RC(w.rc, RING_EV_IN);
	pair_close(&pr);
}

TAP_TEST(test_wait_wake, "ring-wait-wake", 0)
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

TAP_TEST(test_arm_fd, "ring-arm-fd", 0)
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
	TAP_RC(pair_push(pr.p, true, 1, false), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	/* disarmed: the next CQE does not ring */
	TAP_RC(pair_push(pr.p, true, 2, false), 0);
	TAP_ASSERT(!fd_readable(fc, 50));
	/* armed, then disarmed with nothing come: the announcement is gone */
	TAP_RC(pair_pop(pr.c, true, 1, false), 0);
	TAP_EQ(ring_arm(pr.c, RING_EV_IN), RING_EV_IN);
	TAP_RC(pair_pop(pr.c, true, 2, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN), 0);
	TAP_ASSERT(pair_qstats(pr.c, true).pop_wait != 0);
	ring_disarm(pr.c);
	TAP_EQ_U(pair_qstats(pr.c, true).pop_wait, 0);
	TAP_RC(pair_push(pr.p, true, 1, false), 0);
	TAP_ASSERT(!fd_readable(fc, 50));
	TAP_RC(pair_push(pr.p, true, 2, false), 0);
	/* armed with entries waiting: says so and does not sleep */
	TAP_EQ(ring_arm(pr.c, RING_EV_IN), RING_EV_IN);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(pair_pop(pr.c, true, 1, false), 0);
	TAP_RC(pair_pop(pr.c, true, 2, false), 0);
	ring_disarm(pr.c);

	/* producer: the same for SQEs */
	TAP_RC(ring_arm(pr.p, RING_EV_IN), 0);
	TAP_ASSERT(!fd_readable(fp, 0));
	TAP_RC(pair_push(pr.c, false, 1, false), 0);
	TAP_ASSERT(fd_readable(fp, 2000));
	TAP_ASSERT(!fd_readable(fc, 0));
	ring_disarm(pr.p);
	TAP_ASSERT(!fd_readable(fp, 0));
	TAP_RC(pair_pop(pr.p, false, 1, false), 0);

	/* consumer waiting for room in a full SQ */
	for (i = 0; i < 4; i++)
		TAP_RC(pair_push(pr.c, false, (uint64_t)i, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_OUT), 0);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(ring_sq_pop(pr.p, &s), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_EQ(ring_arm(pr.c, RING_EV_OUT), RING_EV_OUT);
	ring_disarm(pr.c);

	/* either event: SQ full again, CQ empty; room rings the bell */
	TAP_RC(pair_push(pr.c, false, 9, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN | RING_EV_OUT), 0);
	TAP_ASSERT(!fd_readable(fc, 0));
	TAP_RC(ring_sq_pop(pr.p, &s), 0);
	TAP_ASSERT(fd_readable(fc, 2000));
	ring_disarm(pr.c);
	/* ... and so does a CQE */
	TAP_RC(pair_push(pr.c, false, 10, false), 0);
	TAP_RC(ring_arm(pr.c, RING_EV_IN | RING_EV_OUT), 0);
	TAP_RC(pair_push(pr.p, true, 3, false), 0);
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

TAP_TEST(test_blocking_doorbells, "ring-blocking-doorbells", 0)
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
			TAP_RC(pair_push(p, true, (uint64_t)i, false), 0);
		TAP_RC(ring_arm(p, RING_EV_OUT), 0);
		*step = 4;
		ring_disarm(p);
		*step = 5;
		for (i = 0; i < 4; i++) /* SQ not full, CQ empty */
			TAP_RC(pair_pop(c, true, (uint64_t)i, false), 0);
		for (i = 0; i < 4; i++)
			TAP_RC(pair_push(c, false, (uint64_t)i, false), 0);
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
TAP_TEST(test_doorbell_shut_down, "ring-doorbell-shut-down", 0)
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
TAP_TEST(test_stats_spin, "ring-stats-spin", 0)
{
	struct pair pr;
	struct ring *m;

	pair_open(&pr, 8, 8, 0);
	m = tu_open(&pr.fds, RING_ROLE_MONITOR);
	TAP_RC(pair_push(pr.c, false, 0, false), 0);
	TAP_RC(pair_push(pr.c, false, 1, false), 0);
	TAP_RC(pair_push(pr.c, false, 2, false), 0);
	pair_check_q(m, false, 0, 3, 3, 3, 0);
	TAP_RC(pair_pop(pr.p, false, 0, false), 0);
	pair_check_q(m, false, 1, 3, 2, 3, 1);
	pair_check_q(m, true, 0, 0, 0, 0, 0);
	TAP_EQ_U(pair_qstats(m, false).status, 0);
	TAP_EQ_U(pair_qstats(m, false).pop_wait, 0);
	TAP_EQ_U(pair_qstats(m, false).push_wait, 0);
	ring_close(m);

	ring_set_spin(pr.c, 0);
	TAP_EQ(ring_get_spin(pr.c), 0);
	ring_set_spin(pr.c, 12345);
	TAP_EQ(ring_get_spin(pr.c), 12345);
	ring_set_spin(pr.c, RING_SPIN_ADAPTIVE);
	ring_close(NULL);
	pair_close(&pr);
}

/*
 * The adaptive spin budget, as libring(3) gives it: it starts at 20 us,
 * doubles after a sleep that ended within the largest budget (100 us) or
 * within twice the budget, halves after a sleep longer than 64 budgets,
 * and stays between 1 and 100 us.  The answerer pushes a CQE only once
 * the consumer has announced that it sleeps, and only after a pause of
 * its own: every wait ends in a sleep of at least that pause, whatever
 * the spin, so how the budget moves depends on the pause alone.
 */
#define SPIN_START_NS 20000u
#define SPIN_MIN_NS 1000u
#define SPIN_MAX_NS 100000u

struct answerer {
	struct ring *p;
	int64_t pause_ns;
	atomic_bool stop;
	int rc;
	pthread_t t;
};

static void *
answerer_main(void *arg)
{
	struct answerer *a = arg;
	struct ring_stats st;
	struct timespec ts;
	uint64_t seq = 0, t0;
	int rc;

	while (!atomic_load(&a->stop)) {
		/* the consumer's announcement on the CQ, or the end */
		t0 = clock_ns();
		for (;;) {
			ring_get_stats(a->p, &st);
			if (st.cq.pop_wait != 0 || atomic_load(&a->stop))
				break;
			if (clock_ns() - t0 > 10000000000ull) {
				a->rc = -ETIMEDOUT;
				return NULL;
			}
			/*
			 * valgrind runs one thread at a time and, unfairly,
			 * would let this loop keep the CPU from the consumer
			 * for good; natively this returns at once
			 */
			sched_yield();
		}
		if (atomic_load(&a->stop))
			break;
		if (a->pause_ns >= 1000000) {
			ts.tv_sec = a->pause_ns / 1000000000;
			ts.tv_nsec = a->pause_ns % 1000000000;
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		} else {
			/* short: a sleep of our own could not be this short */
			for (t0 = clock_ns(); clock_ns() - t0 < (uint64_t)a->pause_ns;)
				;
		}
		if ((rc = pair_push(a->p, true, seq++, false)) < 0) {
			a->rc = rc;
			return NULL;
		}
	}
	return NULL;
}

/*
 * Rounds of one wait each, answered after pause_ns, until the budget is
 * want (at most max_rounds); fails when it leaves [SPIN_MIN_NS,
 * SPIN_MAX_NS] on the way or never gets there.  want 0: run all the
 * rounds, the budget must stay what it was.
 */
static void
spin_rounds(struct pair *pr, int64_t pause_ns, uint32_t want,
    unsigned max_rounds)
{
	struct answerer a;
	struct ring_cqe cqe;
	uint32_t first = ring_get_spin(pr->c), spin = first;
	unsigned i;
	int rc = 0;

	memset(&a, 0, sizeof(a));
	a.p = pr->p;
	a.pause_ns = pause_ns;
	atomic_init(&a.stop, false);
	TAP_ASSERT(pthread_create(&a.t, NULL, answerer_main, &a) == 0);
	for (i = 0; i < max_rounds && (want == 0 || spin != want); i++) {
		rc = ring_wait(pr->c, RING_EV_IN, 10000000000ll);
		if (rc != RING_EV_IN)
			break;
		if ((rc = ring_cq_pop(pr->c, &cqe)) < 0)
			break;
		spin = ring_get_spin(pr->c);
		if (spin < SPIN_MIN_NS || spin > SPIN_MAX_NS ||
		    (want == 0 && spin != first))
			break;
	}
	atomic_store(&a.stop, true);
	TAP_ASSERT(pthread_join(a.t, NULL) == 0);
	TAP_RC(a.rc, 0);
	if (rc < 0)
		TAP_FAIL("round %u: %s", i, tap_rcname(rc));
	if (want != 0 && spin != want)
		TAP_FAIL("answers %lld us after the sleep: the budget is %u ns "
			 "after %u rounds, expected %u",
		    (long long)(pause_ns / 1000), spin, i, want);
	if (want == 0 && spin != first)
		TAP_FAIL("a fixed budget of %u ns moved to %u", first, spin);
	TAP_HERE();
}

TAP_TEST(test_spin_adapt, "ring-spin-adapt", 0)
{
	struct pair pr;

	pair_open(&pr, 8, 8, 0);
	TAP_EQ(ring_get_spin(pr.c), SPIN_START_NS);
	/*
	 * Answers 50 us after the sleep began: more than twice the starting
	 * budget, so only the rule for sleeps within the largest budget lets
	 * it grow; each round that a slow wakeup stretches past 100 us just
	 * leaves it where it is.  Under valgrind no wakeup is that quick.
	 */
	if (!tu_under_valgrind())
		spin_rounds(&pr, 50000, SPIN_MAX_NS, 2000);
	/* answers 20 ms late: over 64 budgets every time, down to the floor */
	spin_rounds(&pr, 20000000, SPIN_MIN_NS, 20);
	/* a budget the caller set does not move either way */
	ring_set_spin(pr.c, 30000);
	spin_rounds(&pr, 50000, 0, 20);
	spin_rounds(&pr, 20000000, 0, 3);
	ring_set_spin(pr.c, RING_SPIN_ADAPTIVE);
	TAP_EQ(ring_get_spin(pr.c), SPIN_START_NS);
	pair_close(&pr);
}

TAP_MAIN(NULL)
