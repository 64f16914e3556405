/*
 * ring-tests.c - the ring figures: a fork-shared pair between this process
 * (the consumer) and a forked producer that echoes NoOps, measured as
 * round trips (busy, adaptive, sleep/wake), as streams of batches, and
 * idle (the producer's CPU time while blocked).
 *
 * Depends on libring's data path and the harness (bench.h);
 * bench_rtt_run() also drives the ringd-brokered rings of bench-ringd.c,
 * and bench_ring_answer() serves its scheme processes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

/* One ring test, as both processes see it. */
struct bench_ring {
	const char *name;
	enum bench_mode mode;
	unsigned batch; /* entries per push/pop call */
	bool idle;	/* producer first blocks for the idle test */
	struct ring_fds fds;
	struct ring *mon; /* the watcher's handle: releases the parent */
	struct ring *r;	  /* the parent's consumer handle */
};

/* No work: spin (busy) or wait for events (otherwise). */
static int
bench_ring_stall(struct ring *r, enum bench_mode mode, unsigned events)
{
	int rc;

	if (mode == BENCH_BUSY) {
		bench_relax();
		return 0;
	}
	rc = ring_wait(r, events, -1);
	return rc < 0 ? rc : 0;
}

static void
bench_ring_spin(struct ring *r, enum bench_mode mode)
{
	if (mode == BENCH_SLEEP)
		ring_set_spin(r, 0);
}

int
bench_ring_answer(struct ring *r, enum bench_mode mode,
    const struct ring_cqe *cqes, unsigned n)
{
	unsigned off = 0;
	int rc;

	while (off < n) {
		rc = ring_cq_push_batch(r, cqes + off, n - off);
		if (rc == -EAGAIN) {
			if ((rc = bench_ring_stall(r, mode, RING_EV_OUT)) < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return rc;
		off += (unsigned)rc;
	}
	return 0;
}

/*
 * The producer (child): echo each SQE's user_data into a CQE with status 0
 * (-ENOSYS for anything but NoOp) until the consumer leaves.  In the idle
 * test it first blocks for the one SQE and puts the CPU time it used while
 * blocked into that CQE's extra field.
 */
static int
bench_producer(void *arg)
{
	struct bench_ring *br = arg;
	struct ring_sqe sqes[BENCH_MAX_BATCH];
	struct ring_cqe cqes[BENCH_MAX_BATCH];
	struct ring *r;
	int64_t idle_cpu = 0, c0;
	int rc, n, i;

	if ((rc = ring_open(&br->fds, RING_ROLE_PRODUCER, &r)) < 0) {
		bench_err(br->name, "ring_open producer", rc);
		return rc;
	}
	bench_ring_spin(r, br->mode);
	if (br->idle) {
		c0 = bench_cpu_ns();
		rc = ring_wait(r, RING_EV_IN, -1);
		idle_cpu = bench_cpu_ns() - c0;
		if (rc < 0) {
			bench_err(br->name, "ring_wait producer", rc);
			goto out;
		}
	}
	for (;;) {
		n = ring_sq_pop_batch(r, sqes, br->batch);
		if (n == -EAGAIN) {
			rc = bench_ring_stall(r, br->mode, RING_EV_IN);
			if (rc == -ESHUTDOWN)
				break;
			if (rc < 0) {
				bench_err(br->name, "ring_wait producer", rc);
				goto out;
			}
			continue;
		}
		if (n == -ESHUTDOWN)
			break;
		if (n < 0) {
			rc = n;
			bench_err(br->name, "ring_sq_pop_batch", rc);
			goto out;
		}
		for (i = 0; i < n; i++) {
			cqes[i].user_data = sqes[i].user_data;
			cqes[i].status = sqes[i].opcode == RING_OP_NOOP
			    ? 0
			    : (uint64_t)(int64_t)-ENOSYS;
			cqes[i].flags = 0;
			cqes[i].extra = (uint64_t)idle_cpu;
		}
		if ((rc = bench_ring_answer(r, br->mode, cqes, (unsigned)n)) <
		    0) {
			/* The consumer leaves only after every answer: lost. */
			bench_err(br->name, "ring_cq_push_batch", rc);
			goto out;
		}
	}
	rc = 0;
out:
	ring_close(r);
	return rc;
}

/* Watcher: the child is gone; make the parent's waits return. */
static void
bench_ring_abort(void *arg)
{
	struct bench_ring *br = arg;

	if (br->mon != NULL)
		ring_shutdown(br->mon);
}

/* Create the pair, open the parent's handles, start the producer. */
static int
bench_ring_start(struct bench_ring *br, struct bench_child *c)
{
	struct ring_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.sq_entries = BENCH_ENTRIES;
	p.cq_entries = BENCH_ENTRIES;
	br->fds.mem = br->fds.doorbell[0] = br->fds.doorbell[1] = -1;
	br->mon = br->r = NULL;
	if ((rc = ring_pair_create(&p, &br->fds)) < 0) {
		bench_err(br->name, "ring_pair_create", rc);
		return rc;
	}
	if ((rc = ring_open(&br->fds, RING_ROLE_MONITOR, &br->mon)) < 0) {
		bench_err(br->name, "ring_open monitor", rc);
		goto fail;
	}
	if ((rc = ring_open(&br->fds, RING_ROLE_CONSUMER, &br->r)) < 0) {
		bench_err(br->name, "ring_open consumer", rc);
		goto fail;
	}
	bench_ring_spin(br->r, br->mode);
	if ((rc = bench_spawn(c, br->name, bench_producer, br, bench_ring_abort,
		 br)) < 0)
		goto fail;
	return 0;

fail:
	ring_close(br->r);
	ring_close(br->mon);
	ring_fds_close(&br->fds);
	br->r = br->mon = NULL;
	return rc;
}

/*
 * Leave the pair (the producer then sees ESHUTDOWN and exits), reap it,
 * free everything.  Returns the first error of rc and the child's fate.
 */
static int
bench_ring_finish(struct bench_ring *br, struct bench_child *c, int rc,
    struct rusage *ru)
{
	int rc2;

	if (rc < 0) {
		rc2 = bench_reap(c, true, ru);
		ring_close(br->r);
	} else {
		atomic_store(&c->done, true); /* its exit is expected now */
		ring_close(br->r);
		rc2 = bench_reap(c, false, ru);
	}
	ring_close(br->mon);
	ring_fds_close(&br->fds);
	br->r = br->mon = NULL;
	return rc < 0 ? rc : rc2;
}

/* No room or nothing to pop: spin (busy, with a deadline) or wait. */
static int
bench_rtt_stall(struct ring *r, enum bench_mode mode, unsigned events,
    unsigned *spins, uint64_t deadline)
{
	int rc;

	if (mode == BENCH_BUSY) {
		bench_relax();
		if (++*spins % BENCH_SPIN_CHECK == 0 && clock_ns() > deadline)
			return -ETIMEDOUT;
		return 0;
	}
	rc = ring_wait(r, events, (int64_t)bench_cfg.timeout_ms * 1000000);
	return rc < 0 ? rc : 0;
}

int
bench_rtt_run(struct ring *r, enum bench_mode mode, bool echo, uint64_t n,
    uint64_t *seq, uint64_t *bad)
{
	uint64_t deadline = clock_ns() +
	    (uint64_t)bench_cfg.timeout_ms * 1000000;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	unsigned spins = 0;
	uint64_t i, want;
	int rc;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RING_OP_NOOP;
	for (i = 0; i < n; i++) {
		sqe.user_data = (*seq)++;
		while ((rc = ring_sq_push(r, &sqe)) == -EAGAIN)
			if ((rc = bench_rtt_stall(r, mode, RING_EV_OUT, &spins,
				 deadline)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		while ((rc = ring_cq_pop(r, &cqe)) == -EAGAIN)
			if ((rc = bench_rtt_stall(r, mode, RING_EV_IN, &spins,
				 deadline)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		want = echo
		    ? (sqe.user_data ^ BENCH_ECHO_XOR64) & 0x7fffffffffffffffull
		    : 0;
		if (cqe.user_data != sqe.user_data || cqe.status != want)
			(*bad)++;
	}
	return 0;
}

static int
bench_ring_rtt_run(struct bench_ring *br, uint64_t n, uint64_t *seq,
    uint64_t *bad)
{
	return bench_rtt_run(br->r, br->mode, false, n, seq, bad);
}

/*
 * Stream total NoOps: publish batches in place (reserve, fill, publish)
 * while fewer than BENCH_WINDOW are outstanding, reap batches of CQEs, and
 * wait (default spin budget) only when neither side of that can move.
 */
static int
bench_ring_stream_run(struct bench_ring *br, uint64_t total, uint64_t *seq,
    uint64_t *bad)
{
	struct ring_cqe cqes[BENCH_MAX_BATCH];
	struct ring_sqe *s;
	struct ring *r = br->r;
	uint64_t sent = 0, done = 0, expect = *seq;
	unsigned k;
	bool moved;
	int n, i, rc;

	while (done < total) {
		moved = false;
		while (sent < total) {
			k = total - sent < br->batch ? (unsigned)(total - sent)
						     : br->batch;
			if (sent - done + k > BENCH_WINDOW)
				break;
			if ((n = ring_reserve(r, k)) == -EAGAIN)
				break;
			if (n < 0)
				return n;
			for (i = 0; i < n; i++) {
				if ((s = ring_sqe_slot(r, (unsigned)i)) == NULL)
					return -EFAULT;
				*s = (struct ring_sqe){
					.opcode = RING_OP_NOOP,
					.user_data = *seq + sent + (uint64_t)i,
				};
			}
			if ((rc = ring_publish(r, (unsigned)n)) < 0)
				return rc;
			sent += (uint64_t)n;
			moved = true;
		}
		n = ring_cq_pop_batch(r, cqes, br->batch);
		if (n > 0) {
			for (i = 0; i < n; i++)
				if (cqes[i].user_data != expect++ ||
				    cqes[i].status != 0)
					(*bad)++;
			done += (uint64_t)n;
			moved = true;
		} else if (n != -EAGAIN) {
			return n;
		}
		if (!moved && (rc = ring_wait(r, RING_EV_IN, -1)) < 0)
			return rc;
	}
	*seq += total;
	return 0;
}

int
bench_ring_once(const char *name, enum bench_mode mode, unsigned batch,
    uint64_t n, double *v)
{
	struct bench_ring br;
	struct bench_child c;
	uint64_t seq = 0, bad = 0;
	uint64_t t0 = 0, dt = 0;
	int rc;
	int (*run)(struct bench_ring *, uint64_t, uint64_t *, uint64_t *);

	memset(&br, 0, sizeof(br));
	br.name = name;
	br.mode = mode;
	br.batch = batch == 0 ? 1 : batch;
	run = batch == 0 ? bench_ring_rtt_run : bench_ring_stream_run;
	if ((rc = bench_ring_start(&br, &c)) < 0)
		return rc;
	if ((rc = run(&br, bench_warm(n), &seq, &bad)) >= 0) {
		t0 = clock_ns();
		rc = run(&br, n, &seq, &bad);
		dt = clock_ns() - t0;
	}
	if (rc < 0)
		bench_err(name, "consumer", rc);
	rc = bench_ring_finish(&br, &c, rc, NULL);
	if (rc == 0)
		rc = bench_mismatch(name, bad);
	if (rc < 0)
		return rc;
	*v = batch == 0 ? (double)dt / (double)n : (double)n * 1e9 / (double)dt;
	return 0;
}

/*
 * Idle: the producer blocks in ring_wait(-1) while the consumer sleeps for
 * idle_ns, then gets one NoOp.  The figure is the producer's CPU time
 * while blocked (its own getrusage, carried back in the CQE); *total gets
 * the CPU time of its whole life from wait4().
 */
void
bench_ring_idle(const char *name, struct bench_val *out,
    struct bench_val *total)
{
	struct bench_ring br;
	struct bench_child c;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	struct rusage ru;
	int rc;

	bench_idle_begin(name, out, total, &ru);
	memset(&br, 0, sizeof(br));
	memset(&cqe, 0, sizeof(cqe));
	br.name = name;
	br.mode = BENCH_ADAPTIVE;
	br.batch = 1;
	br.idle = true;
	if ((rc = bench_ring_start(&br, &c)) < 0) {
		out->rc = total->rc = rc;
		return;
	}
	bench_idle_wait();
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RING_OP_NOOP;
	sqe.user_data = 0x1d1e;
	if ((rc = ring_sq_push(br.r, &sqe)) < 0)
		goto done;
	while ((rc = ring_cq_pop(br.r, &cqe)) == -EAGAIN)
		if ((rc = ring_wait(br.r, RING_EV_IN, -1)) < 0)
			break;
	if (rc == 0 && (cqe.user_data != sqe.user_data || cqe.status != 0))
		rc = bench_mismatch(name, 1);
done:
	if (rc < 0 && rc != -EBADMSG)
		bench_err(name, "consumer", rc);
	rc = bench_ring_finish(&br, &c, rc, &ru);
	bench_idle_end(out, total, rc, (double)cqe.extra, &ru);
}
