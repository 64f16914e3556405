/*
 * cmp-uring.c - the io_uring comparators: NOPs through a fresh io_uring in
 * this one process, one at a time (a round trip through the kernel) or
 * submitted and reaped in batches (a stream).
 *
 * Depends on liburing and the harness (bench.h) only.
 */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"

#include "bench.h"

/* Queue n NOPs numbered from *seq; the SQ has room by construction. */
static int
bench_uring_queue(struct io_uring *u, unsigned n, uint64_t seq)
{
	struct io_uring_sqe *sqe;
	unsigned i;

	for (i = 0; i < n; i++) {
		if ((sqe = io_uring_get_sqe(u)) == NULL)
			return -EBUSY;
		io_uring_prep_nop(sqe);
		sqe->user_data = seq + i;
	}
	return 0;
}

/* Reap n completions, checking each against the next expected number. */
static int
bench_uring_reap(struct io_uring *u, unsigned n, uint64_t *expect,
    uint64_t *bad)
{
	struct io_uring_cqe *cqe;
	unsigned head, got = 0;
	int rc;

	while (got < n) {
		unsigned k = 0;

		if ((rc = io_uring_wait_cqe(u, &cqe)) < 0)
			return rc;
		io_uring_for_each_cqe(u, head, cqe)
		{
			if (cqe->user_data != (*expect)++ || cqe->res != 0)
				(*bad)++;
			k++;
		}
		io_uring_cq_advance(u, k);
		got += k;
	}
	return got == n ? 0 : -EBADMSG;
}

/*
 * batch 0: ns per io_uring_submit_and_wait() of one NOP.  batch B: NOPs
 * per second, submitting B at a time and reaping them.
 */
static int
bench_uring_run(struct io_uring *u, unsigned batch, uint64_t ops, uint64_t *seq,
    uint64_t *bad)
{
	unsigned b = batch == 0 ? 1 : batch, k;
	uint64_t done = 0, expect = *seq;
	int rc;

	while (done < ops) {
		k = ops - done < b ? (unsigned)(ops - done) : b;
		if ((rc = bench_uring_queue(u, k, *seq + done)) < 0)
			return rc;
		if ((rc = io_uring_submit_and_wait(u, k)) < 0)
			return rc;
		if ((unsigned)rc != k)
			return -EAGAIN;
		if ((rc = bench_uring_reap(u, k, &expect, bad)) < 0)
			return rc;
		done += k;
	}
	*seq += ops;
	return 0;
}

int
bench_uring_init(const char *name, unsigned entries, struct io_uring *u)
{
	int rc;

	if ((rc = io_uring_queue_init(entries, u, 0)) == 0)
		return 0;
	if (rc == -ENOSYS || rc == -EPERM) {
		fprintf(stderr, BENCH_NAME ": '%s': io_uring unavailable: %s\n",
		    name, strerror(-rc));
		return -ENOTSUP;
	}
	bench_err(name, "io_uring_queue_init", rc);
	return rc;
}

int
bench_uring_once(const char *name, unsigned batch, uint64_t ops, double *v)
{
	struct io_uring u;
	uint64_t seq = 0, bad = 0;
	uint64_t t0 = 0, dt = 0;
	int rc;

	if ((rc = bench_uring_init(name, BENCH_WINDOW, &u)) < 0)
		return rc;
	if ((rc = bench_uring_run(&u, batch, bench_warm(ops), &seq, &bad)) >=
	    0) {
		t0 = clock_ns();
		rc = bench_uring_run(&u, batch, ops, &seq, &bad);
		dt = clock_ns() - t0;
	}
	io_uring_queue_exit(&u);
	if (rc < 0) {
		bench_err(name, "io_uring", rc);
		return rc;
	}
	if ((rc = bench_mismatch(name, bad)) < 0)
		return rc;
	*v = batch == 0 ? (double)dt / (double)ops
			: (double)ops * 1e9 / (double)dt;
	return 0;
}
