/*
 * t-pingpong.c - two processes stream entries through a pair: the consumer
 * sends SQEs numbered 0, 1, 2, ... with payloads derived from the number,
 * the producer checks each one, folds it into a running checksum and
 * answers with a CQE carrying the number and the checksum, and the
 * consumer checks each answer.  Nothing may be lost, duplicated, reordered
 * or torn, in busy mode (retrying) and in sleep/wake mode (no spinning,
 * ring_wait), and a strict one-at-a-time ping-pong may never lose a wakeup.
 * Last, one producer serves four consumers from one epoll loop through
 * ring_arm()/ring_fd()/ring_disarm().
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/pair.h"
#include "lib/testutil.h"

/* A wait longer than this is a lost wakeup: the peer always answers. */
#define PP_WAIT_NS 5000000000ll

struct pp_cfg {
	uint64_t count;		/* entries each way, before scaling */
	uint32_t sq, cq;	/* queue sizes */
	bool b32;		/* 32-bit entries */
	bool sleep;		/* spin 0 and ring_wait instead of retrying */
	bool consumer_in_child; /* which process plays which role */
};

/* Counters a side keeps about itself, for a diagnostic line. */
struct pp_side {
	uint64_t waits; /* ring_wait calls */
	uint64_t spins; /* failed attempts in busy mode */
};

static inline void
pp_relax(struct pp_side *me)
{
	me->spins++;
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	/* stay fair on a loaded machine with fewer CPUs than spinners */
	if ((me->spins & 1023) == 0)
		sched_yield();
}

/* Nothing to do: retry (busy) or sleep until events hold (sleep). */
static void
pp_idle(struct ring *r, const struct pp_cfg *cfg, struct pp_side *me,
    unsigned events, uint64_t seq, const char *who)
{
	int rc;

	if (!cfg->sleep) {
		pp_relax(me);
		return;
	}
	me->waits++;
	rc = ring_wait(r, events, PP_WAIT_NS);
	if (rc == -ETIMEDOUT)
		TAP_FAIL("%s: lost wakeup: waited 5 s for %s at entry %llu",
		    who, events == RING_EV_IN ? "entries" : "room",
		    (unsigned long long)seq);
	if (rc < 0)
		TAP_FAIL("%s: ring_wait = %s at entry %llu", who,
		    tap_rcname(rc), (unsigned long long)seq);
	if ((rc & (int)events) == 0)
		TAP_FAIL("%s: ring_wait(%#x) = %#x", who, events, rc);
}

/* Serve count SQEs, then expect the consumer's DROP and nothing more. */
static void
pp_producer(struct ring *r, const struct pp_cfg *cfg)
{
	struct pp_side me = { 0, 0 };
	struct ring_sqe s, want;
	struct ring_cqe c;
	uint64_t seq = 0, sum = 0;
	int rc;

	if (cfg->sleep)
		ring_set_spin(r, 0);
	while (seq < cfg->count) {
		rc = ring_sq_pop(r, &s);
		if (rc == -EAGAIN) {
			pp_idle(r, cfg, &me, RING_EV_IN, seq, "producer");
			continue;
		}
		if (rc < 0)
			TAP_FAIL("producer: ring_sq_pop = %s at entry %llu",
			    tap_rcname(rc), (unsigned long long)seq);
		tu_sqe_make(&want, seq, cfg->b32);
		if (!tu_sqe_same(&s, &want))
			TAP_FAIL("producer: SQE %llu has user_data %llu, "
				 "opcode %u, "
				 "addr %#llx: lost, duplicated, reordered or "
				 "torn",
			    (unsigned long long)seq,
			    (unsigned long long)s.user_data, s.opcode,
			    (unsigned long long)s.addr);
		sum = tu_sum_sqe(sum, &s);
		tu_cqe_make(&c, seq, sum, cfg->b32);
		while ((rc = ring_cq_push(r, &c)) == -EAGAIN)
			pp_idle(r, cfg, &me, RING_EV_OUT, seq, "producer");
		if (rc < 0)
			TAP_FAIL("producer: ring_cq_push = %s at entry %llu",
			    tap_rcname(rc), (unsigned long long)seq);
		seq++;
	}
	/* the consumer leaves after its last CQE; nothing else comes */
	for (;;) {
		rc = ring_sq_pop(r, &s);
		if (rc == -ESHUTDOWN)
			break;
		if (rc == 0)
			TAP_FAIL("producer: an SQE beyond the %llu sent "
				 "(user_data %llu)",
			    (unsigned long long)cfg->count,
			    (unsigned long long)s.user_data);
		if (rc != -EAGAIN)
			TAP_FAIL("producer: ring_sq_pop after the end = %s",
			    tap_rcname(rc));
		rc = ring_wait(r, RING_EV_IN, PP_WAIT_NS);
		if (rc != -ESHUTDOWN && rc < 0)
			TAP_FAIL("producer: waiting for the consumer to leave: "
				 "%s",
			    tap_rcname(rc));
	}
	tap_diag("producer: %llu entries, %llu waits, %llu spins",
	    (unsigned long long)seq, (unsigned long long)me.waits,
	    (unsigned long long)me.spins);
}

/* Send count SQEs with a window up to both queues' size, check answers. */
static void
pp_consumer(struct ring *r, const struct pp_cfg *cfg)
{
	struct pp_side me = { 0, 0 };
	struct ring_sqe s;
	struct ring_cqe c, want;
	uint64_t sent = 0, got = 0, sum = 0;
	uint64_t window = (uint64_t)cfg->sq + cfg->cq;
	bool moved;
	int rc;

	if (cfg->sleep)
		ring_set_spin(r, 0);
	while (got < cfg->count) {
		moved = false;
		while (sent < cfg->count && sent - got < window) {
			tu_sqe_make(&s, sent, cfg->b32);
			rc = ring_sq_push(r, &s);
			if (rc == -EAGAIN)
				break;
			if (rc < 0)
				TAP_FAIL("consumer: ring_sq_push = %s at entry "
					 "%llu",
				    tap_rcname(rc), (unsigned long long)sent);
			sent++;
			moved = true;
		}
		rc = ring_cq_pop(r, &c);
		if (rc == 0) {
			tu_sqe_make(&s, got, cfg->b32);
			sum = tu_sum_sqe(sum, &s);
			tu_cqe_make(&want, got, sum, cfg->b32);
			if (!tu_cqe_same(&c, &want))
				TAP_FAIL("consumer: CQE %llu has user_data "
					 "%llu, "
					 "checksum %#llx, expected %#llx",
				    (unsigned long long)got,
				    (unsigned long long)c.user_data,
				    (unsigned long long)c.extra,
				    (unsigned long long)want.extra);
			got++;
			continue;
		}
		if (rc != -EAGAIN)
			TAP_FAIL("consumer: ring_cq_pop = %s at entry %llu",
			    tap_rcname(rc), (unsigned long long)got);
		/* in flight for sure, so a CQE will come */
		if (!moved)
			pp_idle(r, cfg, &me, RING_EV_IN, got, "consumer");
	}
	TAP_RC(ring_cq_pop(r, &c), -EAGAIN);
	tap_diag("consumer: %llu entries, %llu waits, %llu spins",
	    (unsigned long long)got, (unsigned long long)me.waits,
	    (unsigned long long)me.spins);
}

/* Play the consumer's side of the pair (or the producer's) to the end. */
static void
pp_play(const struct ring_fds *fds, const struct pp_cfg *cfg, bool consumer)
{
	struct ring *r;

	r = tu_open(fds, consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER);
	if (consumer)
		pp_consumer(r, cfg);
	else
		pp_producer(r, cfg);
	ring_close(r);
}

/* One run of cfg, its count scaled by RING_TEST_SCALE (at least 1000). */
static void
pp_run(const struct pp_cfg *want)
{
	struct pp_cfg scaled = *want;
	const struct pp_cfg *cfg = &scaled;
	struct ring_fds fds;
	uint64_t t0 = clock_ns();
	pid_t pid;

	scaled.count = tap_scaled(want->count, 1000);
	tu_create(&fds, cfg->sq, cfg->cq, cfg->b32 ? RING_PAIR_BITS_32 : 0, 0);
	pid = tap_fork();
	if (pid == 0) {
		pp_play(&fds, cfg, cfg->consumer_in_child);
		tap_child_exit();
	}
	pp_play(&fds, cfg, !cfg->consumer_in_child);
	tap_reap(pid);
	ring_fds_close(&fds);
	tap_diag("%llu round trips in %.2f s", (unsigned long long)cfg->count,
	    (double)(clock_ns() - t0) / 1e9);
}

static const struct pp_cfg pp_busy64 = { .count = 10000000,
	.sq = 256,
	.cq = 256 };
static const struct pp_cfg pp_busy32 = { .count = 2000000,
	.sq = 64,
	.cq = 128,
	.b32 = true,
	.consumer_in_child = true };
static const struct pp_cfg pp_sleep64 = { .count = 10000000,
	.sq = 256,
	.cq = 256,
	.sleep = true,
	.consumer_in_child = true };
static const struct pp_cfg pp_sleep32 = { .count = 2000000,
	.sq = 32,
	.cq = 32,
	.b32 = true,
	.sleep = true };

TAP_TEST_CALL(test_busy64, "pingpong-busy-64", 180, pp_run(&pp_busy64))
TAP_TEST_CALL(test_busy32, "pingpong-busy-32", 120, pp_run(&pp_busy32))
TAP_TEST_CALL(test_sleep64, "pingpong-sleep-64", 180, pp_run(&pp_sleep64))
TAP_TEST_CALL(test_sleep32, "pingpong-sleep-32", 120, pp_run(&pp_sleep32))

/*
 * Strict ping-pong, one entry at a time, both sides asleep between
 * entries (pair_lockstep_*()): every round trip is two sleep/wake
 * handshakes, so a race in the announce/fence/re-check protocol shows as
 * a 5 s timeout.
 */
TAP_TEST(test_lost_wakeup, "pingpong-lost-wakeup", 120)
{
	uint64_t n = tap_scaled(200000, 1000), t0 = clock_ns();
	struct ring_fds fds;
	struct ring *r;
	pid_t pid;

	tu_create(&fds, 1, 1, 0, 0);
	pid = tap_fork();
	if (pid == 0) {
		r = tu_open(&fds, RING_ROLE_PRODUCER);
		pair_lockstep_producer(r, n);
		ring_close(r);
		tap_child_exit();
	}
	r = tu_open(&fds, RING_ROLE_CONSUMER);
	pair_lockstep_consumer(r, n);
	ring_close(r);
	tap_reap(pid);
	ring_fds_close(&fds);
	tap_diag("%llu strict round trips in %.2f s", (unsigned long long)n,
	    (double)(clock_ns() - t0) / 1e9);
}

/*
 * One producer, four rings, one epoll loop.  Each consumer (a helper
 * process) streams its own numbered SQEs and sleeps in ring_wait() with
 * no spinning; the producer serves whatever is there, and when nothing is,
 * arms every ring and sleeps in epoll_wait() on their doorbells.
 */
#define DB_RINGS 4

struct db_ring {
	struct ring_fds fds;
	struct ring *r;
	uint64_t seq, sum;
	struct ring_cqe pending;
	bool has_pending, armed, done;
};

/* Serve one ring a little; returns whether anything moved. */
static bool
db_serve(struct db_ring *d, uint64_t count, int idx)
{
	struct ring_sqe s, want;
	bool moved = false;
	int i, rc;

	for (i = 0; i < 64 && !d->done; i++) {
		if (d->has_pending) {
			rc = ring_cq_push(d->r, &d->pending);
			if (rc == -EAGAIN)
				break;
			if (rc < 0)
				TAP_FAIL("ring %d: ring_cq_push = %s", idx,
				    tap_rcname(rc));
			d->has_pending = false;
			moved = true;
		}
		rc = ring_sq_pop(d->r, &s);
		if (rc == -EAGAIN)
			break;
		if (rc == -ESHUTDOWN) {
			if (d->seq != count)
				TAP_FAIL("ring %d: consumer left after %llu of "
					 "%llu",
				    idx, (unsigned long long)d->seq,
				    (unsigned long long)count);
			d->done = true;
			moved = true;
			break;
		}
		if (rc < 0)
			TAP_FAIL("ring %d: ring_sq_pop = %s", idx,
			    tap_rcname(rc));
		tu_sqe_make(&want, d->seq, false);
		if (!tu_sqe_same(&s, &want))
			TAP_FAIL("ring %d: SQE %llu has user_data %llu", idx,
			    (unsigned long long)d->seq,
			    (unsigned long long)s.user_data);
		d->sum = tu_sum_sqe(d->sum, &s);
		tu_cqe_make(&d->pending, d->seq, d->sum, false);
		d->has_pending = true;
		d->seq++;
		moved = true;
	}
	return moved;
}

TAP_TEST(test_doorbell_epoll, "pingpong-doorbell-epoll", 120)
{
	struct pp_cfg cfg = { tap_scaled(250000, 500), 64, 64, false, true,
		true };
	struct db_ring d[DB_RINGS];
	struct epoll_event ev, evs[DB_RINGS];
	uint64_t sleeps = 0, t0 = clock_ns();
	pid_t pids[DB_RINGS];
	bool moved, ready;
	int ep, i, n, ndone, rc;

	memset(d, 0, sizeof(d));
	for (i = 0; i < DB_RINGS; i++)
		tu_create(&d[i].fds, cfg.sq, cfg.cq, 0, 0);
	for (i = 0; i < DB_RINGS; i++) {
		pids[i] = tap_fork();
		if (pids[i] == 0) {
			struct ring *r = tu_open(&d[i].fds, RING_ROLE_CONSUMER);

			pp_consumer(r, &cfg);
			ring_close(r);
			tap_child_exit();
		}
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	TAP_SYS(ep);
	for (i = 0; i < DB_RINGS; i++) {
		d[i].r = tu_open(&d[i].fds, RING_ROLE_PRODUCER);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		TAP_ASSERT(ring_fd(d[i].r) >= 0);
		TAP_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, ring_fd(d[i].r), &ev));
	}

	for (ndone = 0; ndone < DB_RINGS;) {
		moved = false;
		for (i = 0; i < DB_RINGS; i++) {
			if (d[i].done)
				continue;
			if (db_serve(&d[i], cfg.count, i))
				moved = true;
			if (d[i].done)
				ndone++;
		}
		if (moved)
			continue;
		/* all idle: announce on every ring, then sleep on all fds */
		ready = false;
		for (i = 0; i < DB_RINGS; i++) {
			if (d[i].done)
				continue;
			rc = ring_arm(d[i].r,
			    d[i].has_pending ? RING_EV_OUT : RING_EV_IN);
			if (rc == 0) {
				d[i].armed = true;
			} else if (rc > 0 || rc == -ESHUTDOWN) {
				ready = true;
			} else {
				TAP_FAIL("ring %d: ring_arm = %s", i,
				    tap_rcname(rc));
			}
		}
		if (!ready) {
			sleeps++;
			do {
				n = epoll_wait(ep, evs, DB_RINGS, 5000);
			} while (n < 0 && errno == EINTR);
			TAP_SYS(n);
			if (n == 0)
				TAP_FAIL("lost wakeup: no doorbell in 5 s with "
					 "%d rings idle",
				    DB_RINGS - ndone);
		}
		for (i = 0; i < DB_RINGS; i++) {
			if (d[i].armed) {
				ring_disarm(d[i].r);
				d[i].armed = false;
			}
		}
	}
	for (i = 0; i < DB_RINGS; i++) {
		TAP_EQ_U(d[i].seq, cfg.count);
		tap_reap(pids[i]);
		ring_close(d[i].r);
		ring_fds_close(&d[i].fds);
	}
	close(ep);
	tap_diag("4 x %llu round trips in %.2f s, %llu epoll sleeps",
	    (unsigned long long)cfg.count, (double)(clock_ns() - t0) / 1e9,
	    (unsigned long long)sleeps);
}

TAP_MAIN(NULL)
