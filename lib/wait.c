/*
 * wait.c - spin-then-sleep waiting, wakeups, and event-loop doorbells.
 *
 * A side with nothing to do spins for its budget, re-reading the peer's
 * index.  Then it announces that it sleeps by storing RING_WAIT_FUTEX (or
 * RING_WAIT_DOORBELL) into the queue's wait word, issues a seq_cst fence,
 * re-checks the queue, and only then sleeps: in FUTEX_WAIT on the wait word
 * itself, or in poll on its doorbell.  The other side, after every
 * index store, issues a seq_cst fence and loads the wait word; only when it
 * is non-zero does it exchange it with 0 and wake the sleeper.  The two
 * fences make it impossible for both to miss each other (Dekker), and the
 * futex value check closes the gap between the re-check and the sleep.
 *
 * The waker's fence costs every busy index store a drain of the store
 * buffer.  So a side that sleeps with ring_wait() makes its fence a
 * global one instead, membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), and
 * says so in its fence words (RING_FENCE_MEMBARRIER); a waker whose
 * process is registered for that barrier then skips its own.  Either the
 * waker's index store came before the barrier the kernel ran on its CPU,
 * and the sleeper's re-check sees it, or its wait-word load came after,
 * and sees the announcement.  The global barrier costs the sleeper a
 * system call and the other CPUs an interrupt, so a side keeps its
 * promise only while it sleeps seldom: it takes it back (with that
 * sleep's global barrier, which makes taking it back safe) when two
 * sleeps come closer than RING_FENCE_DENSE_NS, and gives it again when
 * one comes later than RING_FENCE_SPARSE_NS after the last.  A side
 * served from an event loop (ring_arm()) takes it back for good on the
 * first arm, since a barrier per arm would cost a system call per ring.
 * ring_set_fence() chooses instead: always the global barrier, or never.
 *
 * The doorbells are the two ends of one datagram socket pair: a side reads
 * its own end and sends on it to wake the peer, whose end receives.  Every
 * holder of the pair (both sides, ringd) shares the same open file
 * descriptions, so their file status flags are the peer's to change: every
 * send and receive here says MSG_DONTWAIT itself and never depends on
 * O_NONBLOCK.  A full receive queue means the sleeper has a wakeup
 * waiting already; a doorbell shut down under us breaks the ring.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static inline void
ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* libring's one clock (CLOCK_MONOTONIC): spin budgets and ringd deadlines. */
int64_t
ringi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The asymmetric fence (see the top of this file).  ringi_fence_light:
 * this process is registered, so the global barrier reaches its CPUs.
 * ring_fence_global: this process may call the global barrier.  Both are
 * found out on the first ring_open() and again after a fork, whose child
 * is registered only once it has asked itself; until then its inherited
 * handles keep their fences.
 */
bool ringi_fence_light;
static bool ring_fence_global;
static bool ring_fence_known;
static pthread_once_t ring_fence_once = PTHREAD_ONCE_INIT;

/* How long one sleep lasts, at most, after a promise ended without a
 * global barrier: a waker that read it may have skipped its fence. */
#define RING_FENCE_SLICE_NS 1000000ll
/* Sleeps closer than this end the promise, farther than that renew it. */
#define RING_FENCE_DENSE_NS 250000ll
#define RING_FENCE_SPARSE_NS 2500000ll

static long
ring_membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

static void
ring_fence_forked(void)
{
	ring_store_relaxed(&ringi_fence_light, false);
	ring_store_relaxed(&ring_fence_known, false);
}

static void
ring_fence_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, ring_fence_forked);
}

/* Find out what this process may do, once (again after a fork). */
static void
ring_fence_probe(void)
{
	long q;

	(void)pthread_once(&ring_fence_once, ring_fence_atfork);
	if (ring_load_relaxed(&ring_fence_known))
		return;
	q = ring_membarrier(MEMBARRIER_CMD_QUERY);
	ring_store_relaxed(&ring_fence_global,
	    q > 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0);
	if (q > 0 && (q & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) != 0 &&
	    ring_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0)
		ring_store_relaxed(&ringi_fence_light, true);
	ring_store_relaxed(&ring_fence_known, true);
}

/* Write this side's two fence words (v: RING_FENCE_* or 0). */
static void
ring_fence_words(struct ring *r, uint32_t v)
{
	ring_store_relaxed(&r->in->hp->pop_fence, v);
	ring_store_relaxed(&r->out->hp->push_fence, v);
}

/*
 * At open, a side that may call the global barrier promises it; any
 * other clears what a former holder of its place promised, and sleeps
 * in slices should that have been a promise.
 */
void
ringi_fence_open(struct ring *r)
{
	bool was;

	r->fence_mode = RING_FENCE_LOCAL;
	if (r->role == RING_ROLE_MONITOR)
		return; /* it never sleeps on a wait word */
	ring_fence_probe();
	r->fence_promised = ring_load_relaxed(&ring_fence_global);
	r->fence_mode = r->fence_promised ? RING_FENCE_AUTO : RING_FENCE_LOCAL;
	was = ring_load_relaxed(&r->in->hp->pop_fence) ==
		RING_FENCE_MEMBARRIER ||
	    ring_load_relaxed(&r->out->hp->push_fence) ==
		RING_FENCE_MEMBARRIER;
	r->fence_sliced = was && !r->fence_promised;
	ring_fence_words(r, r->fence_promised ? RING_FENCE_MEMBARRIER : 0);
}

/*
 * Pace the promise by the sleeps of ring_wait() (now: this one's start):
 * renew it after a long quiet, or have this sleep's fence take it back
 * when sleeps come close together.  A promise is given with a store: the
 * sleep it precedes pays the global barrier that keeps it.
 */
static bool
ring_fence_pace(struct ring *r, int64_t now)
{
	int64_t gap = now - r->fence_slept_at;

	r->fence_slept_at = now;
	if (r->fence_mode != RING_FENCE_AUTO)
		return false;
	if (r->fence_promised)
		return gap < RING_FENCE_DENSE_NS;
	if (gap > RING_FENCE_SPARSE_NS && ring_load_relaxed(&ring_fence_global)) {
		ring_fence_words(r, RING_FENCE_MEMBARRIER);
		r->fence_promised = true;
	}
	return false;
}

/*
 * The fence between announcing a sleep and re-reading the peer's index:
 * the global barrier while this side promises it, else a full barrier.
 * withdraw takes the promise back, after the announcement and before the
 * barrier that makes it safe.  A global barrier that fails ends the
 * promise for good with a full barrier instead, and the sleeps are sliced
 * from then on.  Returns 0 or the failed global barrier's -errno.
 */
static int
ring_fence_sleep(struct ring *r, bool withdraw)
{
	int rc;

	if (!r->fence_promised) {
		ring_smp_mb();
		return 0;
	}
	if (withdraw) {
		ring_fence_words(r, 0);
		r->fence_promised = false;
	}
	if (ring_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0)
		return 0;
	rc = -errno;
	ring_fence_words(r, 0);
	r->fence_promised = false;
	r->fence_mode = RING_FENCE_LOCAL;
	r->fence_sliced = true;
	ring_smp_mb();
	return rc;
}

RING_EXPORT int
ring_set_fence(struct ring *r, enum ring_fence_mode mode)
{
	if (mode != RING_FENCE_AUTO && mode != RING_FENCE_GLOBAL &&
	    mode != RING_FENCE_LOCAL)
		return -EINVAL;
	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (mode != RING_FENCE_LOCAL) {
		if (!ring_load_relaxed(&ring_fence_global))
			return -EOPNOTSUPP;
		/* the next sleep's global barrier keeps the promise */
		ring_fence_words(r, RING_FENCE_MEMBARRIER);
		r->fence_promised = true;
		r->fence_mode = mode;
		return 0;
	}
	r->fence_mode = RING_FENCE_LOCAL;
	/* taking the promise back needs one global barrier after it */
	return ring_fence_sleep(r, true);
}

RING_EXPORT enum ring_fence_mode
ring_get_fence(const struct ring *r)
{
	return r->fence_mode;
}

static long
ring_futex(uint32_t *addr, int op, uint32_t val,
    const struct timespec *ts)
{
	/* Shared mapping across processes: no FUTEX_PRIVATE_FLAG. */
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/*
 * Wake the holder of the other end of the doorbell pair that end belongs
 * to.  EAGAIN: its queue is full, it has a wakeup waiting; EPIPE or
 * ECONNREFUSED: nobody can be woken there any more.
 */
static void
ring_ring_doorbell(int end)
{
	uint8_t one = 1;

	if (end >= 0)
		(void)send(end, &one, sizeof(one), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Wake whoever sleeps on word, the way it announced. */
void
ringi_wake(struct ring *r, uint32_t *word)
{
	uint32_t old = ring_xchg(word, 0);

	if (old & RING_WAIT_FUTEX)
		ring_futex(word, FUTEX_WAKE, INT_MAX, NULL);
	if (old & RING_WAIT_DOORBELL)
		ring_ring_doorbell(r->doorbell_self);
}

/*
 * DROP or BROKEN: wake every sleeper of both sides, however it sleeps.
 * A side rings its doorbell only when a wait word announces a doorbell
 * sleeper that wants to know: one that has not announced yet re-checks
 * the status after it does (the header of this file), and one that
 * sleeps for entries alone (RING_WAIT_ENTRIES) learns of the end
 * elsewhere.  So a consumer closing a ring ringd serves but nobody used
 * does not wake ringd, which learns of it from the CLOSE that follows.
 * A monitor (ringd ending a ring) rings both ends, whoever announced.
 */
void
ringi_wake_all(struct ring *r)
{
	struct ring_q *qs[2] = { &r->sq, &r->cq };
	bool ring = false;
	uint32_t old;
	int i, j;

	/* pairs with the sleepers' barrier after ring_announce() */
	ring_smp_mb();
	for (i = 0; i < 2; i++) {
		uint32_t *w[2] = { &qs[i]->hp->pop_wait,
			&qs[i]->hp->push_wait };

		for (j = 0; j < 2; j++) {
			old = ring_xchg(w[j], 0);
			if (old & RING_WAIT_FUTEX)
				ring_futex(w[j], FUTEX_WAKE, INT_MAX, NULL);
			if ((old & (RING_WAIT_DOORBELL | RING_WAIT_ENTRIES)) ==
			    RING_WAIT_DOORBELL)
				ring = true;
		}
	}
	if (r->role == RING_ROLE_MONITOR) {
		ring_ring_doorbell(r->doorbell_self);
		ring_ring_doorbell(r->doorbell_peer);
	} else if (ring)
		ring_ring_doorbell(r->doorbell_self);
}

/* The wait words this side sets for events. */
static void
ring_announce(struct ring *r, unsigned events, uint32_t how)
{
	if (events & RING_EV_IN)
		ring_store_relaxed(&r->in->hp->pop_wait, how);
	if (events & RING_EV_OUT)
		ring_store_relaxed(&r->out->hp->push_wait, how);
}

/*
 * Reset the doorbell: take what its queue holds, without waiting.  The
 * queue is short (net.unix.max_dgram_qlen), so the bound only matters
 * when a peer keeps ringing; what is left is a spurious wakeup.  A read
 * side shut down (by anyone holding the end) would make the doorbell
 * readable for ever: the ring is broken.
 */
#define RING_DRAIN_MAX 64
#define RING_DRAIN_BATCH 8

static bool
ring_doorbell_hung_up(const struct ring *r)
{
	struct pollfd pfd = { .fd = r->doorbell_self, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static void
ring_drain_doorbell(struct ring *r)
{
	struct mmsghdr mm[RING_DRAIN_BATCH];
	struct iovec iov;
	uint8_t buf[16];
	int round, n, i;

	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < RING_DRAIN_BATCH; i++) {
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	/* one system call when the queue holds fewer than a batch */
	for (round = 0; round < RING_DRAIN_MAX / RING_DRAIN_BATCH; round++) {
		bool empty_dgram = false;

		n = recvmmsg(r->doorbell_self, mm, RING_DRAIN_BATCH,
		    MSG_DONTWAIT, NULL);
		for (i = 0; i < n; i++)
			if (mm[i].msg_len == 0)
				empty_dgram = true;
		/* nothing was there, or an empty datagram: shut down? */
		if ((n <= 0 ? round == 0 : empty_dgram) &&
		    ring_doorbell_hung_up(r)) {
			(void)ringi_fail(r);
			return;
		}
		if (n < RING_DRAIN_BATCH)
			return;
	}
}

/*
 * A ring ringd serves itself ends when ringd does; if ringd is killed,
 * nobody sets DROP.  Such a ring holds a guard on ringd: a pidfd of the
 * control socket's peer, and its pid for kernels without pidfds.  A
 * sleeper looks at it at least every RING_GUARD_CHECK_NS (and at once in
 * poll) instead of waiting for ever.  One guard serves every ring opened
 * on a connection (the control client takes it at the first, instead of
 * three system calls per ring), so it is counted: rings and the
 * connection may go in any order, from any thread.
 */
#define RING_GUARD_CHECK_NS 1000000000ll

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

struct ring_guard {
	atomic_uint refs;
	int fd;	   /* pidfd of the process, or -1 */
	pid_t pid; /* > 0 */
};

/* A guard on the process at the other end of sock, or NULL. */
struct ring_guard *
ringi_guard_new(int sock)
{
	struct ring_guard *g;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	long fd;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    cr.pid <= 0 || (g = malloc(sizeof(*g))) == NULL)
		return NULL;
	atomic_init(&g->refs, 1);
	g->pid = cr.pid;
	g->fd = (fd = syscall(SYS_pidfd_open, cr.pid, 0)) >= 0 ? (int)fd : -1;
	return g;
}

/* r is guarded by g too (a ring has one guard, set once). */
void
ringi_guard_hold(struct ring *r, struct ring_guard *g)
{
	if (r->guard != NULL || g == NULL)
		return;
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	r->guard = g;
}

/* Give up a reference to g; the last one closes its pidfd. */
void
ringi_guard_put(struct ring_guard *g)
{
	if (g == NULL ||
	    atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (g->fd >= 0)
		close(g->fd);
	free(g);
}

/* Has the process that serves r (ringd) ended? */
static bool
ring_guard_gone(struct ring *r)
{
	struct ring_guard *g = r->guard;
	struct pollfd pfd;

	if (g == NULL || r->guard_gone)
		return r->guard_gone;
	if (g->fd >= 0) {
		pfd.fd = g->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP)))
			r->guard_gone = true;
	} else if (kill(g->pid, 0) < 0 && errno == ESRCH) {
		/* no pidfds (old kernel, valgrind): the pid's existence */
		r->guard_gone = true;
	}
	return r->guard_gone;
}

static int
ring_events_ok(const struct ring *r, unsigned events)
{
	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (events == 0 || (events & ~(RING_EV_IN | RING_EV_OUT)) != 0)
		return -EINVAL;
	return 0;
}

/*
 * Sleep once until woken, the deadline passes, or a signal arrives.
 * Returns 0, or -ETIMEDOUT when the deadline had passed already.
 */
static int
ring_sleep(struct ring *r, unsigned events, int64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	int64_t left = 0;
	bool both = events == (RING_EV_IN | RING_EV_OUT);
	uint32_t *word;

	if (deadline >= 0) {
		left = deadline - ringi_now_ns();
		if (left <= 0)
			return -ETIMEDOUT;
	}
	if (r->guard != NULL && (deadline < 0 || left > RING_GUARD_CHECK_NS))
		left = RING_GUARD_CHECK_NS;
	if (r->fence_sliced && (deadline < 0 || left > RING_FENCE_SLICE_NS))
		left = RING_FENCE_SLICE_NS;
	if (deadline >= 0 || r->guard != NULL || r->fence_sliced) {
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		tsp = &ts;
	}
	if (both) {
		/* One futex word cannot cover two queues: use the doorbell. */
		int gfd = r->guard != NULL ? r->guard->fd : -1;
		struct pollfd pfd[2] = {
			{ .fd = r->doorbell_self, .events = POLLIN },
			{ .fd = gfd, .events = POLLIN },
		};
		int ms = -1;

		if (tsp != NULL)
			ms = (int)((left + 999999) / 1000000);
		poll(pfd, gfd >= 0 ? 2 : 1, ms);
		ring_drain_doorbell(r);
		return 0;
	}
	word = events == RING_EV_IN ? &r->in->hp->pop_wait
				    : &r->out->hp->push_wait;
	ring_futex(word, FUTEX_WAIT, RING_WAIT_FUTEX, tsp);
	return 0;
}

/*
 * Adapt the spin budget.  A sleep that ended within RING_SPIN_MAX_NS (or
 * within twice the budget) means a longer spin, at most the largest one,
 * would have caught the event: double the budget.  Such a sleep costs
 * more than the spin it replaces: the peer pays a wakeup (a cross-CPU
 * interrupt, several microseconds in a VM) for every one, and a peer
 * that answers in batches every ~50-100 us would otherwise pay it for
 * every batch while the budget stayed where it started.  A sleep longer
 * than 64 budgets means the spin was wasted: halve it.
 */
static void
ring_spin_adapt(struct ring *r, int64_t slept_ns)
{
	if (!r->spin_adaptive)
		return;
	if (slept_ns < (int64_t)RING_SPIN_MAX_NS ||
	    slept_ns < 2 * (int64_t)r->spin_ns) {
		if (r->spin_ns < RING_SPIN_MAX_NS)
			r->spin_ns = r->spin_ns * 2 > RING_SPIN_MAX_NS
			    ? RING_SPIN_MAX_NS
			    : r->spin_ns * 2;
	} else if (slept_ns > 64 * (int64_t)r->spin_ns) {
		if (r->spin_ns > RING_SPIN_MIN_NS)
			r->spin_ns = r->spin_ns / 2 < RING_SPIN_MIN_NS
			    ? RING_SPIN_MIN_NS
			    : r->spin_ns / 2;
	}
}

RING_EXPORT int
ring_wait(struct ring *r, unsigned events, int64_t timeout_ns)
{
	int64_t start, deadline = -1, slept_at;
	bool withdraw;
	unsigned i;
	int rc;

	if ((rc = ring_events_ok(r, events)) < 0)
		return rc;
	if ((rc = ringi_ready(r, events)) != 0)
		return rc;
	if (timeout_ns == 0)
		return -ETIMEDOUT;
	start = ringi_now_ns();
	if (timeout_ns > 0)
		deadline = timeout_ns > INT64_MAX - start ? INT64_MAX
							  : start + timeout_ns;

	/* Spin: no system call while the peer is expected to answer soon. */
	for (i = 1; r->spin_ns > 0; i++) {
		ring_cpu_relax();
		if ((rc = ringi_ready(r, events)) != 0)
			return rc;
		if ((i & 63) == 0) {
			int64_t now = ringi_now_ns();

			if (now - start >= (int64_t)r->spin_ns)
				break;
			if (deadline >= 0 && now >= deadline)
				return -ETIMEDOUT;
		}
	}

	/* Sleep: announce, fence, re-check, then block. */
	slept_at = ringi_now_ns();
	withdraw = ring_fence_pace(r, slept_at);
	for (;;) {
		bool both = events == (RING_EV_IN | RING_EV_OUT);

		ring_announce(r, events,
		    both ? RING_WAIT_DOORBELL : RING_WAIT_FUTEX);
		/* pairs with the waker's barrier in ring_q_notify() */
		(void)ring_fence_sleep(r, withdraw);
		withdraw = false;
		rc = ringi_ready(r, events);
		if (rc == 0)
			rc = ring_sleep(r, events, deadline);
		ring_announce(r, events, 0);
		if (rc == -ETIMEDOUT)
			return rc;
		if (rc == 0 && ring_guard_gone(r)) {
			/* ringd served it and is gone: nothing more comes */
			rc = ringi_ready(r, events);
			return rc != 0 ? rc : -ESHUTDOWN;
		}
		if (rc != 0 || (rc = ringi_ready(r, events)) != 0) {
			ring_spin_adapt(r, ringi_now_ns() - slept_at);
			return rc;
		}
	}
}

RING_EXPORT void
ring_set_spin(struct ring *r, uint32_t ns)
{
	r->spin_adaptive = ns == RING_SPIN_ADAPTIVE;
	r->spin_ns = r->spin_adaptive ? RING_SPIN_DEFAULT_NS : ns;
}

RING_EXPORT uint32_t
ring_get_spin(const struct ring *r)
{
	return r->spin_ns;
}

RING_EXPORT int
ring_fd(const struct ring *r)
{
	return r->doorbell_self;
}

RING_EXPORT void
ring_get_doorbells(const struct ring *r, int db[2])
{
	bool prod = r->role == RING_ROLE_PRODUCER;

	db[0] = prod ? r->doorbell_peer : r->doorbell_self;
	db[1] = prod ? r->doorbell_self : r->doorbell_peer;
}

RING_EXPORT int
ring_arm(struct ring *r, unsigned events)
{
	int rc;

	if ((rc = ring_events_ok(r, events)) < 0)
		return rc;
	ring_announce(r, events, RING_WAIT_DOORBELL);
	/*
	 * pairs with the peer's barrier in ring_q_notify(); an event loop
	 * arms too often for a global barrier each time, so AUTO ends
	 */
	if (r->fence_mode == RING_FENCE_AUTO)
		r->fence_mode = RING_FENCE_LOCAL;
	if ((rc = ring_fence_sleep(r,
		 r->fence_mode == RING_FENCE_LOCAL)) == 0)
		rc = ringi_ready(r, events);
	if (rc != 0)
		ring_announce(r, events, 0);
	return rc;
}

RING_EXPORT void
ring_disarm(struct ring *r)
{
	if (r->role == RING_ROLE_MONITOR)
		return;
	ring_drain_doorbell(r);
	ring_announce(r, RING_EV_IN | RING_EV_OUT, 0);
}

/*
 * Readiness as ring_wait() and ring_poll() see it (queue.c says what a
 * queue offers).
 */
/* Events of mask that hold now, or -ESHUTDOWN/-EIO. */
int
ringi_ready(struct ring *r, unsigned events)
{
	int64_t n;
	unsigned got = 0;
	int st, drop = 0;

	if (events & RING_EV_IN) {
		n = ringi_q_ready(r, r->in, 1, &st);
		if (n < 0)
			return (int)n;
		/* a producer with every in-service entry taken pops nothing */
		if (n > 0 && (r->held_ud == NULL || r->held_count < r->sq.n))
			got |= RING_EV_IN;
		else if (st == -ESHUTDOWN && ringi_orphans(r) > 0)
			got |= RING_EV_IN;
		else if (st == -ESHUTDOWN)
			drop = 1;
	}
	if (events & RING_EV_OUT) {
		n = ringi_q_ready(r, r->out, 1, &st);
		if (n < 0)
			return (int)n;
		if (n > 0)
			got |= RING_EV_OUT;
		else if (st == -ESHUTDOWN)
			drop = 1;
	}
	if (got == 0 && drop)
		return -ESHUTDOWN;
	return (int)got;
}
