/*
 * main.c - ring-bench: measure libring against what it replaces, in one run.
 *
 * Every ring figure is printed next to a comparator measured by the same
 * program on the same machine in the same run, so the ratios mean
 * something even where the absolute numbers do not travel:
 *
 *   busy RTT        ring, both sides spinning  vs  a raw cache-line ping-pong
 *   adaptive RTT    ring, default spin budget  vs  cache line, io_uring NOP
 *   sleep/wake RTT  ring, spin budget 0        vs  futex, eventfd, pipe, unix
 *   stream batch B  ring, 256 in flight        vs  io_uring NOPs in batches of B
 *   idle CPU        ring side blocked ~1 s     vs  wall time, a bare futex waiter
 *   ringd scheme    ring brokered by ringd     vs  cache line, fork-shared ring
 *   ringd echo      ringd's built-in echo      vs  adaptive and sleep/wake ring
 *   ringd open      ring lifetimes via ringd   vs  plain create+open+close
 *   ringd CPU       ringd while 1000 rings between two other processes
 *                   carry traffic              vs  wall time
 *   blkdev I/O      reads and writes of 4 KiB and 128 KiB through the
 *                   blkdev scheme (SG lists of physalloc3 memory)
 *                                              vs  pread/pwrite from 32
 *                                                  threads, io_uring; 32
 *                                                  in flight on each, on
 *                                                  the same file
 *   redox disk      relibc's disk test loop (4 KiB blocks written, then
 *                   read and checked, 16 in flight) through
 *                   libredox-ring to blkdev-scheme's Redox disk protocol
 *                                              vs  pwrite/pread from one
 *                                                  thread, the v1 blkdev
 *                                                  ring at depth 16, on
 *                                                  the same disk
 *
 * The ringd rows (bench-ringd.c) run against a private ringd the bench
 * starts and stops itself; the blkdev rows (bench-blkdev.c) add the
 * example block device scheme to it, and the redox disk rows
 * (bench-redox.c) a second one with a disk of its own.
 *
 * Two-sided tests fork: the parent (consumer, or the pinging side) runs on
 * the first allowed CPU, the child (producer, or the echoing side) on the
 * second.  A repetition is a fresh child, an untimed warm-up and a timed
 * run; all tests run one repetition per round, comparator and ring figure
 * back to back, and each figure is the median over the rounds, so that a
 * change of conditions (vCPU placement, other load) hits both sides of a
 * ratio alike.  Targets are informational: the exit status is 1 only when
 * a test could not run or a completion did not match its submission, 2 on
 * a usage error.
 *
 * Every child is watched by a thread polling its pidfd: when the child dies
 * early, or the test exceeds its time limit (the child is then killed), the
 * watcher releases the parent from whatever it is blocked in, so the run
 * always ends and every child is reaped.
 *
 * This file holds the options, the table of repeated measurements, the
 * interleaved run loop and the rows of the report; the measurements live
 * in cmp-pingpong.c, cmp-uring.c, ring-tests.c, bench-ringd.c,
 * bench-many.c, bench-blkdev.c and bench-redox.c, the harness under them
 * in harness.c, and the printing in report.c (bench/README.md).  Nothing
 * depends on main.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

/* --- main ------------------------------------------------------------- */

static void
bench_usage(FILE *f)
{
	fprintf(f,
	    "usage: " BENCH_NAME " [-hjv] [--smoke] [-n iterations] "
	    "[-r repetitions]\n"
	    "       [--rings N] [--only GROUP[,GROUP...]]\n"
	    "  -n, --iterations N   base round trips per repetition (default "
	    "%u;\n"
	    "                       sleep/wake tests use N/10, streams 10*N "
	    "ops)\n"
	    "  -r, --repetitions N  interleaved rounds, median shown "
	    "(default %u)\n"
	    "      --rings N        rings of the ringd CPU and listing tests "
	    "(default %u)\n"
	    "      --only GROUPS    run only these groups of tests: rtt, sleep,\n"
	    "                       stream, open, phys, blkdev, redox, many, "
	    "idle\n"
	    "      --smoke          tiny counts: check that everything runs\n"
	    "  -j, --json           print the results as JSON\n"
	    "  -v, --verbose        print every repetition's figure on stderr\n"
	    "  -h, --help           show this help\n"
	    "exit status: 0 all ran (targets are informational), 1 a test "
	    "failed, 2 usage\n",
	    BENCH_DEF_ITERS, BENCH_DEF_REPS, BENCH_MANY_RINGS);
}

static int
bench_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* --only's names, in BENCH_G_* bit order. */
static const char *const bench_group_names[] = { "rtt", "sleep", "stream",
	"open", "phys", "blkdev", "redox", "many", "idle" };
#define BENCH_NGROUPS (sizeof(bench_group_names) / sizeof(bench_group_names[0]))

/* A comma-separated list of group names into a BENCH_G_* mask. */
static int
bench_parse_groups(const char *list, unsigned *mask)
{
	size_t len, i;

	*mask = 0;
	for (;;) {
		len = strcspn(list, ",");
		for (i = 0; i < BENCH_NGROUPS; i++)
			if (strlen(bench_group_names[i]) == len &&
			    strncmp(list, bench_group_names[i], len) == 0)
				break;
		if (i == BENCH_NGROUPS) {
			fprintf(stderr,
			    BENCH_NAME ": unknown group '%.*s' in --only: "
				       "expected rtt, sleep, stream, open, "
				       "phys, blkdev, redox, many or idle\n",
			    (int)len, list);
			return -EINVAL;
		}
		*mask |= 1u << i;
		if (list[len] == '\0')
			return 0;
		list += len + 1;
	}
}

static int
bench_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'O' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "rings", required_argument, NULL, 'R' },
		{ "smoke", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v, n = 0, r = 0;
	int ch;

	while (
	    (ch = getopt_long(argc, argv, "hjn:r:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			bench_usage(stdout);
			exit(0);
		case 'j':
			bench_cfg.json = true;
			break;
		case 'n':
			if (bench_parse_u64(optarg, BENCH_MIN_ITERS,
				BENCH_MAX_ITERS, &v) < 0) {
				fprintf(stderr,
				    BENCH_NAME ": invalid iterations "
					       "'%s': expected %u..%u\n",
				    optarg, BENCH_MIN_ITERS, BENCH_MAX_ITERS);
				return -EINVAL;
			}
			n = v;
			break;
		case 'r':
			if (bench_parse_u64(optarg, 1, BENCH_MAX_REPS, &v) <
			    0) {
				fprintf(stderr,
				    BENCH_NAME ": invalid repetitions "
					       "'%s': expected 1..%u\n",
				    optarg, BENCH_MAX_REPS);
				return -EINVAL;
			}
			r = v;
			break;
		case 'R':
			if (bench_parse_u64(optarg, 1, BENCH_MAX_MANY_RINGS,
				&v) < 0) {
				fprintf(stderr,
				    BENCH_NAME ": invalid rings '%s': "
					       "expected 1..%u\n",
				    optarg, BENCH_MAX_MANY_RINGS);
				return -EINVAL;
			}
			bench_cfg.rings = (unsigned)v;
			break;
		case 'O':
			if (bench_parse_groups(optarg, &bench_cfg.only) < 0)
				return -EINVAL;
			break;
		case 's':
			bench_cfg.smoke = true;
			break;
		case 'v':
			bench_cfg.verbose = true;
			break;
		default:
			bench_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, BENCH_NAME ": unexpected argument '%s'\n",
		    argv[optind]);
		bench_usage(stderr);
		return -EINVAL;
	}
	bench_cfg.iters = n   ? n
	    : bench_cfg.smoke ? BENCH_SMOKE_ITERS
			      : BENCH_DEF_ITERS;
	bench_cfg.reps = r    ? (unsigned)r
	    : bench_cfg.smoke ? BENCH_SMOKE_REPS
			      : BENCH_DEF_REPS;
	bench_cfg.idle_ns = bench_cfg.smoke ? BENCH_SMOKE_IDLE_NS
					    : BENCH_IDLE_NS;
	/* Generous: 100 us per base iteration, ~40x what the slowest takes. */
	v = bench_cfg.iters / 10;
	bench_cfg.timeout_ms = bench_cfg.smoke ? BENCH_SMOKE_TIMEOUT_MS
					       : BENCH_TIMEOUT_MS;
	if (v > (uint64_t)bench_cfg.timeout_ms)
		bench_cfg.timeout_ms = v > INT_MAX ? INT_MAX : (int)v;
	return 0;
}

/* Every repeated measurement, in the order one round runs them. */
enum bench_id {
	T_LINE,
	T_BUSY,
	T_ADAPT,
	T_URTT,
	T_DBUSY,
	T_DADAPT,
	T_FUTEX,
	T_SLEEP,
	T_DECHO,
	T_EFD,
	T_PIPE,
	T_UNIX,
	T_U1,
	T_S1,
	T_U8,
	T_S8,
	T_U32,
	T_S32,
	T_POPEN,
	T_DOPEN,
	T_CTL,
	T_P4K,
	T_P1M,
	T_PONE,
	T_PSG,
	T_BR4,
	T_DR4,
	T_UR4,
	T_BW4,
	T_DW4,
	T_UW4,
	T_BR128,
	T_DR128,
	T_UR128,
	T_BW128,
	T_DW128,
	T_UW128,
	T_XWV,
	T_XWD,
	T_XW,
	T_XRV,
	T_XRD,
	T_XR,
	T_COUNT
};

enum bench_kind {
	BENCH_K_PP,    /* ping-pong comparator: pp is an enum bench_pp_kind */
	BENCH_K_URING, /* io_uring NOPs, one process */
	BENCH_K_RING,  /* libring consumer and producer */
	BENCH_K_RINGD, /* a ring ringd brokered: to a scheme process or echo */
	BENCH_K_OPEN,  /* ring lifetimes: plain pairs or through ringd */
	BENCH_K_PHYS,  /* physalloc3 through ringd: pp is an enum bench_phys */
	BENCH_K_BLK,   /* block I/O: pp is a BENCH_BLK() */
	BENCH_K_RDX,   /* relibc's disk loop and its comparators: BENCH_RDX() */
};

enum bench_count {
	BENCH_C_RTT,	/* -n round trips */
	BENCH_C_SLOW,	/* -n / 10 round trips: each sleeps */
	BENCH_C_STREAM, /* -n * 10 entries */
	BENCH_C_OPEN,	/* -n / 100 ring lifetimes */
	BENCH_C_ONE,	/* one operation per round */
	BENCH_C_IO,	/* -n / 2 transfers of 4 KiB, -n / 20 of 128 KiB */
	BENCH_C_REDOX,	/* -n * 4 / 25 blocks of 4 KiB: relibc's 32000 */
};

struct bench_test {
	const char *name;
	enum bench_kind kind;
	unsigned pp;
	enum bench_mode mode;
	unsigned batch; /* 0: round trips, one in flight */
	enum bench_count count;
	bool ringd; /* K_RINGD: to built-in echo; K_OPEN: through ringd */
};

/* One batch size streamed two ways: io_uring NOPs, then a ring. */
#define BENCH_STREAM_ROWS(n) \
	[T_U##n] = { "io_uring NOP batch " #n, BENCH_K_URING, 0, 0, n, \
		BENCH_C_STREAM, false }, \
	[T_S##n] = { "stream batch " #n, BENCH_K_RING, 0, BENCH_ADAPTIVE, n, \
		BENCH_C_STREAM, false }

/*
 * One transfer size and direction three ways: the blkdev pair over a ring,
 * pread/pwrite by 32 threads, io_uring.  BENCH_BLK_ROWS(read, READ, R, 4,
 * 0) makes T_BR4, T_DR4 and T_UR4 (big: 0 is 4 KiB, 1 is 128 KiB).
 */
#define BENCH_BLK_ROW(t, name, path, dir, big) \
	[t] = { name, BENCH_K_BLK, BENCH_BLK(path, dir, big), 0, 0, \
		BENCH_C_IO, false }
#define BENCH_BLK_ROWS(rw, RW, X, kib, big) \
	BENCH_BLK_ROW(T_B##X##kib, "blkdev " #rw " " #kib " KiB", \
	    BENCH_BLK_RING, BENCH_BLK_##RW, big), \
	BENCH_BLK_ROW(T_D##X##kib, "p" #rw " " #kib " KiB, 32 thr", \
	    BENCH_BLK_DIRECT, BENCH_BLK_##RW, big), \
	BENCH_BLK_ROW(T_U##X##kib, "io_uring " #rw " " #kib " KiB", \
	    BENCH_BLK_URING, BENCH_BLK_##RW, big)

/*
 * relibc's disk loop one way (write or read) three ways: the v1 blkdev
 * ring, pwrite/pread from one thread, libredox-ring.  The writes of a
 * round come first, the v1 one first of all (it writes no pattern), so
 * every read finds the blocks the last write left.
 */
#define BENCH_RDX_ROW(t, name, path, dir) \
	[t] = { name, BENCH_K_RDX, BENCH_RDX(path, dir), 0, 0, \
		BENCH_C_REDOX, false }
#define BENCH_RDX_ROWS(rw, RW, X) \
	BENCH_RDX_ROW(T_X##X##V, "v1 blkdev " #rw " q16", BENCH_RDX_V1, \
	    BENCH_BLK_##RW), \
	BENCH_RDX_ROW(T_X##X##D, "p" #rw " 4 KiB, 1 thr", BENCH_RDX_DIRECT, \
	    BENCH_BLK_##RW), \
	BENCH_RDX_ROW(T_X##X, "redox disk " #rw, BENCH_RDX_RING, \
	    BENCH_BLK_##RW)

/*
 * Comparator and ring figure run back to back in every round, so that a
 * change of conditions during the run (vCPU placement, other load) hits
 * both sides of a ratio alike.
 */
static const struct bench_test bench_tests[T_COUNT] = {
	[T_LINE] = { "cache-line ping-pong", BENCH_K_PP, BENCH_PP_LINE, 0, 0,
	    BENCH_C_RTT, false },
	[T_BUSY] = { "busy RTT batch 1", BENCH_K_RING, 0, BENCH_BUSY, 0,
	    BENCH_C_RTT, false },
	[T_ADAPT] = { "adaptive RTT", BENCH_K_RING, 0, BENCH_ADAPTIVE, 0,
	    BENCH_C_RTT, false },
	[T_URTT] = { "io_uring NOP RTT", BENCH_K_URING, 0, 0, 0, BENCH_C_RTT,
	    false },
	[T_DBUSY] = { "ringd scheme busy", BENCH_K_RINGD, 0, BENCH_BUSY, 0,
	    BENCH_C_RTT, false },
	[T_DADAPT] = { "ringd scheme adaptive", BENCH_K_RINGD, 0,
	    BENCH_ADAPTIVE, 0, BENCH_C_RTT, false },
	[T_FUTEX] = { "futex ping-pong", BENCH_K_PP, BENCH_PP_FUTEX, 0, 0,
	    BENCH_C_SLOW, false },
	[T_SLEEP] = { "sleep/wake RTT", BENCH_K_RING, 0, BENCH_SLEEP, 0,
	    BENCH_C_SLOW, false },
	[T_DECHO] = { "ringd echo adaptive", BENCH_K_RINGD, 0, BENCH_ADAPTIVE,
	    0, BENCH_C_SLOW, true },
	[T_EFD] = { "eventfd ping-pong", BENCH_K_PP, BENCH_PP_EVENTFD, 0, 0,
	    BENCH_C_SLOW, false },
	[T_PIPE] = { "pipe ping-pong", BENCH_K_PP, BENCH_PP_PIPE, 0, 0,
	    BENCH_C_SLOW, false },
	[T_UNIX] = { "unix socket ping-pong", BENCH_K_PP, BENCH_PP_UNIX, 0, 0,
	    BENCH_C_SLOW, false },
	BENCH_STREAM_ROWS(1),
	BENCH_STREAM_ROWS(8),
	BENCH_STREAM_ROWS(32),
	[T_POPEN] = { "plain create+open+close", BENCH_K_OPEN, 0, 0, 0,
	    BENCH_C_OPEN, false },
	[T_DOPEN] = { "ringd open+close", BENCH_K_OPEN, 0, 0, 0, BENCH_C_OPEN,
	    true },
	[T_CTL] = { "control round trip", BENCH_K_PHYS, BENCH_PHYS_CTL, 0, 0,
	    BENCH_C_OPEN, false },
	[T_P4K] = { "physalloc3+free 4 KiB", BENCH_K_PHYS, BENCH_PHYS_4K, 0, 0,
	    BENCH_C_OPEN, false },
	[T_P1M] = { "physalloc3+free 1 MiB", BENCH_K_PHYS, BENCH_PHYS_1M, 0, 0,
	    BENCH_C_OPEN, false },
	[T_PONE] = { "one 64 MiB range", BENCH_K_PHYS, BENCH_PHYS_ONE, 0, 0,
	    BENCH_C_OPEN, false },
	[T_PSG] = { "SG 64 MiB, fragmented", BENCH_K_PHYS, BENCH_PHYS_SG, 0, 0,
	    BENCH_C_ONE, false },
	BENCH_BLK_ROWS(read, READ, R, 4, 0),
	BENCH_BLK_ROWS(write, WRITE, W, 4, 0),
	BENCH_BLK_ROWS(read, READ, R, 128, 1),
	BENCH_BLK_ROWS(write, WRITE, W, 128, 1),
	BENCH_RDX_ROWS(write, WRITE, W),
	BENCH_RDX_ROWS(read, READ, R),
};

static uint64_t
bench_test_count(const struct bench_test *t)
{
	uint64_t n;

	switch (t->count) {
	case BENCH_C_SLOW:
		return bench_cfg.iters / 10;
	case BENCH_C_STREAM:
		return bench_cfg.iters * 10;
	case BENCH_C_OPEN:
		return bench_cfg.iters / 100 > 0 ? bench_cfg.iters / 100 : 1;
	case BENCH_C_ONE:
		return 1;
	case BENCH_C_IO:
		n = bench_cfg.iters / (BENCH_BLK_SIZE(t->pp) ? 20 : 2);
		return n > 0 ? n : 1;
	case BENCH_C_REDOX:
		/* more blocks than in flight; no more than the disk holds */
		n = bench_cfg.iters * 4 / 25;
		return n < 2 * BENCH_RDX_DEPTH ? 2 * BENCH_RDX_DEPTH
		    : n > BENCH_RDX_MAX_OPS    ? BENCH_RDX_MAX_OPS
					       : n;
	default:
		return bench_cfg.iters;
	}
}

/* The --only groups a test belongs to. */
static unsigned
bench_test_groups(enum bench_id id)
{
	const struct bench_test *t = &bench_tests[id];

	if (id == T_S1) /* also the many-rings traffic's comparator */
		return BENCH_G_STREAM | BENCH_G_MANY;
	switch (t->kind) {
	case BENCH_K_OPEN:
		return BENCH_G_OPEN;
	case BENCH_K_PHYS:
		return BENCH_G_PHYS;
	case BENCH_K_BLK:
		return BENCH_G_BLKDEV;
	case BENCH_K_RDX:
		return BENCH_G_REDOX;
	default:
		break;
	}
	if (t->count == BENCH_C_SLOW)
		return BENCH_G_SLEEP;
	if (t->count == BENCH_C_STREAM)
		return BENCH_G_STREAM;
	return BENCH_G_RTT;
}

/* Whether --only asked for any of these groups. */
static bool
bench_wanted(unsigned groups)
{
	return bench_cfg.only == 0 || (bench_cfg.only & groups) != 0;
}

static int
bench_test_once(const struct bench_test *t, double *v)
{
	uint64_t n = bench_test_count(t);

	switch (t->kind) {
	case BENCH_K_PP:
		return bench_pp_once((enum bench_pp_kind)t->pp, n, v);
	case BENCH_K_URING:
		return bench_uring_once(t->name, t->batch, n, v);
	case BENCH_K_RINGD:
		return bench_ringd_rtt_once(t->name, t->mode, t->ringd, n, v);
	case BENCH_K_OPEN:
		return bench_ringd_open_once(t->name, t->ringd, n, v);
	case BENCH_K_PHYS:
		return bench_ringd_phys_once(t->name, (enum bench_phys)t->pp, n,
		    v);
	case BENCH_K_BLK:
		return bench_blkdev_once(t->name, t->pp, n, v);
	case BENCH_K_RDX:
		return bench_redox_once(t->name, t->pp, n, v);
	default:
		return bench_ring_once(t->name, t->mode, t->batch, n, v);
	}
}

static void
bench_verbose(unsigned round, const struct bench_test *t, double v)
{
	bench_progress(NULL);
	if (t->count == BENCH_C_REDOX)
		fprintf(stderr, "round %u  %-24s %10.1f MiB/s\n", round + 1,
		    t->name, v);
	else if (t->count == BENCH_C_OPEN || t->count == BENCH_C_IO)
		fprintf(stderr, "round %u  %-24s %10.1f k/s\n", round + 1,
		    t->name, v / 1e3);
	else if (t->batch != 0 && t->count == BENCH_C_STREAM)
		fprintf(stderr, "round %u  %-24s %10.2f Mops/s\n", round + 1,
		    t->name, v / 1e6);
	else
		fprintf(stderr, "round %u  %-24s %10.3f us\n", round + 1,
		    t->name, v / 1e3);
}

/* Every round's figure of every test, in round order. */
static double bench_samples[T_COUNT][BENCH_MAX_REPS];

/* Run every test reps times, interleaved, and keep each one's median. */
static void
bench_run_all(struct bench_val *vals)
{
	double(*s)[BENCH_MAX_REPS] = bench_samples;
	double tmp[BENCH_MAX_REPS];
	char what[96];
	unsigned r, t;
	int rc;

	memset(vals, 0, T_COUNT * sizeof(*vals));
	for (t = 0; t < T_COUNT; t++)
		if (!bench_wanted(bench_test_groups(t)))
			vals[t].na = vals[t].skipped = true;
	for (r = 0; r < bench_cfg.reps; r++) {
		for (t = 0; t < T_COUNT; t++) {
			if (vals[t].rc < 0 || vals[t].na)
				continue;
			snprintf(what, sizeof(what), "round %u/%u: %s", r + 1,
			    bench_cfg.reps, bench_tests[t].name);
			bench_progress(what);
			rc = bench_test_once(&bench_tests[t], &s[t][r]);
			if (rc == -ENOTSUP)
				vals[t].na = true;
			else if (rc < 0)
				vals[t].rc = rc;
			else if (bench_cfg.verbose)
				bench_verbose(r, &bench_tests[t], s[t][r]);
		}
	}
	for (t = 0; t < T_COUNT; t++) {
		if (!bench_val_ok(&vals[t]))
			continue;
		memcpy(tmp, s[t], bench_cfg.reps * sizeof(tmp[0]));
		vals[t].v = bench_median(tmp, bench_cfg.reps);
	}
}

/*
 * A row's ratio.  When both figures come from the rounds, it is the median
 * of the per-round ratios: each pair ran back to back under the same
 * conditions, which the two medians alone do not guarantee.  Otherwise
 * (rid or cid < 0) it is the ratio of the two figures.
 */
static void
bench_row_pair(struct bench_row *row, int rid, int cid)
{
	double q[BENCH_MAX_REPS];
	unsigned i;

	row->has_ratio = bench_val_ok(row->ring) && bench_val_ok(row->cval) &&
	    row->cval->v > 0;
	if (!row->has_ratio)
		return;
	if (rid < 0 || cid < 0) {
		row->ratio = row->ring->v / row->cval->v;
		return;
	}
	for (i = 0; i < bench_cfg.reps; i++)
		q[i] = bench_samples[rid][i] / bench_samples[cid][i];
	row->ratio = bench_median(q, bench_cfg.reps);
}

int
main(int argc, char **argv)
{
	struct bench_val v[T_COUNT], idle, idle_total, fidle, fidle_total, wall;
	struct bench_run_info ri;
	struct bench_many dm;
	char watch_name[64];
	struct bench_row rows[64];
	struct bench_val mib[T_COUNT];
	char idle_name[32], many_name[32], traffic_name[32];
	unsigned many;
	int64_t many_ns;
	size_t n = 0, i, j;
	int rc, failed = 0;

	if (bench_parse(argc, argv) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	bench_cpus_init();
	bench_cfg.progress = !bench_cfg.json && isatty(STDERR_FILENO);
	/* ringd first, so that it may run on every CPU we may */
	(void)bench_ringd_start(); /* on failure its tests say FAILED */
	if ((rc = bench_pin(bench_cfg.cpu[0])) < 0) {
		fprintf(stderr, BENCH_NAME ": cannot pin to cpu %d: %s\n",
		    bench_cfg.cpu[0], strerror(-rc));
		bench_ringd_stop();
		return 1;
	}

	many = bench_cfg.rings ? bench_cfg.rings
	    : bench_cfg.smoke  ? BENCH_SMOKE_MANY_RINGS
			       : BENCH_MANY_RINGS;
	many_ns = bench_cfg.smoke ? BENCH_SMOKE_MANY_NS : BENCH_MANY_NS;
	bench_run_info_init(&ri);
	ri.many = many;
	ri.many_ns = many_ns;
	ri.lifetimes = bench_test_count(&bench_tests[T_DOPEN]);
	ri.redox_ops = bench_test_count(&bench_tests[T_XW]);
	if (!bench_cfg.json)
		bench_print_header(&ri);

	bench_run_all(v);
	snprintf(idle_name, sizeof(idle_name), "idle CPU (%.1f s)",
	    (double)bench_cfg.idle_ns / 1e9);
	memset(&idle, 0, sizeof(idle));
	idle.na = idle.skipped = true;
	idle_total = fidle = fidle_total = idle;
	if (bench_wanted(BENCH_G_IDLE)) {
		bench_ring_idle(idle_name, &idle, &idle_total);
		bench_futex_idle("futex idle", &fidle, &fidle_total);
	}
	snprintf(many_name, sizeof(many_name), "ringd CPU %u rings", many);
	snprintf(traffic_name, sizeof(traffic_name), "%u-ring traffic", many);
	snprintf(watch_name, sizeof(watch_name), "ringd CPU, 10 Hz list");
	memset(&dm, 0, sizeof(dm));
	dm.cpu = idle;
	dm.wall = dm.ops = dm.wcpu = dm.wwall = dm.wops = dm.snap = dm.budget =
	    dm.cpu;
	if (bench_wanted(BENCH_G_MANY))
		bench_ringd_many(many_name, many, many_ns, &dm);
	bench_progress(NULL);
	if (bench_blkdev_stop() < 0)
		failed++;
	if (bench_redox_stop() < 0)
		failed++;
	if (bench_ringd_stop() < 0)
		failed++;
	memset(&wall, 0, sizeof(wall));
	wall.v = (double)bench_cfg.idle_ns;

#define BENCH_ROW(t, rid, rv, c, cid, cv, un, g, tg, p) \
	do { \
		rows[n] = (struct bench_row){ .test = (t), \
			.ring = (rv), \
			.comp = (c), \
			.cval = (cv), \
			.unit = (un), \
			.goal = (g), \
			.target = (tg), \
			.pct = (p) }; \
		bench_row_pair(&rows[n++], (rid), (cid)); \
	} while (0)
#define BENCH_PAIR(t, rid, cid, un, g, tg) \
	BENCH_ROW((t), (rid), &v[rid], bench_tests[cid].name, (cid), &v[cid], \
	    (un), (g), (tg), false)
	BENCH_PAIR("busy RTT batch 1", T_BUSY, T_LINE, BENCH_NS, BENCH_AT_MOST,
	    1.25);
	rows[n - 1].note = BENCH_RING_NOTE_BUSY;
	BENCH_PAIR("adaptive RTT", T_ADAPT, T_LINE, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_ADAPT, T_URTT, BENCH_NS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_RING_NOTE_ADAPT;
	/* Through ringd: the same data path, set up by the broker. */
	BENCH_PAIR("ringd scheme busy", T_DBUSY, T_LINE, BENCH_NS, BENCH_NONE,
	    0);
	BENCH_PAIR(NULL, T_DBUSY, T_BUSY, BENCH_NS, BENCH_AT_MOST, 1.1);
	rows[n - 1].note = BENCH_RING_NOTE_RINGD;
	BENCH_PAIR("ringd scheme adapt.", T_DADAPT, T_LINE, BENCH_NS,
	    BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_DADAPT, T_ADAPT, BENCH_NS, BENCH_AT_MOST, 1.1);
	rows[n - 1].note = BENCH_RING_NOTE_RINGD;
	/* ringd answers built-ins from its event loop, via the doorbells. */
	BENCH_PAIR("ringd echo adaptive", T_DECHO, T_ADAPT, BENCH_NS,
	    BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_DECHO, T_SLEEP, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR("sleep/wake RTT", T_SLEEP, T_FUTEX, BENCH_NS, BENCH_AT_MOST,
	    1.05);
	BENCH_PAIR(NULL, T_SLEEP, T_EFD, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_SLEEP, T_PIPE, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_SLEEP, T_UNIX, BENCH_NS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_RING_NOTE_SLEEP;
	BENCH_PAIR("stream batch 1", T_S1, T_U1, BENCH_OPS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_RING_NOTE_STREAM;
	BENCH_PAIR("stream batch 8", T_S8, T_U8, BENCH_OPS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_RING_NOTE_STREAM;
	BENCH_PAIR("stream batch 32", T_S32, T_U32, BENCH_OPS, BENCH_AT_LEAST,
	    3.0);
	rows[n - 1].note = BENCH_RING_NOTE_STREAM;
	BENCH_PAIR("ringd open+close", T_DOPEN, T_POPEN, BENCH_KOPS,
	    BENCH_AT_LEAST, 0.6);
	rows[n - 1].note = BENCH_OPEN_NOTE;
	/* physalloc3: one control round trip each way, and SG assembly */
	BENCH_PAIR("physalloc3 4 KiB", T_P4K, T_CTL, BENCH_KOPS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_PHYS_NOTE_PAIR;
	BENCH_PAIR("physalloc3 1 MiB", T_P1M, T_CTL, BENCH_KOPS, BENCH_NONE, 0);
	rows[n - 1].note = BENCH_PHYS_NOTE_PAIR;
	BENCH_PAIR("SG 64 MiB fragmented", T_PSG, T_PONE, BENCH_NS,
	    BENCH_AT_MOST, 20.0);
	rows[n - 1].note = BENCH_PHYS_NOTE_SG;
	/* Block I/O: the same transfers, 32 in flight on every path, through
	 * the blkdev scheme, by 32 threads directly and through io_uring;
	 * IOPS per pair, then the data rates. */
	for (i = T_BR4; i <= T_UW128; i++) {
		mib[i] = v[i];
		mib[i].v = v[i].v *
		    (double)bench_blkdev_bytes(bench_tests[i].pp) / 1048576.0;
	}
	for (i = T_BR4; i + 2 <= T_UW128; i += 3) {
		/* against the direct path: reads 0.9x, large writes 0.95x */
		double tg = i == T_BW4 ? 0 : i == T_BW128 ? 0.95 : 0.9;
		static const char *const blk_note[2][2] = {
			{ BENCH_BLK_NOTE_R4, BENCH_BLK_NOTE_R128 },
			{ BENCH_BLK_NOTE_W4, BENCH_BLK_NOTE_W128 },
		};

		BENCH_PAIR(bench_tests[i].name, i, i + 1, BENCH_KOPS,
		    tg > 0 ? BENCH_AT_LEAST : BENCH_NONE, tg);
		rows[n - 1].note = blk_note[BENCH_BLK_OP(bench_tests[i].pp)]
					   [BENCH_BLK_SIZE(bench_tests[i].pp)];
		BENCH_PAIR(NULL, i, i + 2, BENCH_KOPS, BENCH_NONE, 0);
		BENCH_ROW("  data rate", -1, &mib[i], bench_tests[i + 1].name,
		    -1, &mib[i + 1], BENCH_MIBS, BENCH_NONE, 0, false);
		BENCH_ROW(NULL, -1, &mib[i], bench_tests[i + 2].name, -1,
		    &mib[i + 2], BENCH_MIBS, BENCH_NONE, 0, false);
	}
	/* relibc's disk loop (bench-redox.c), in MiB/s as its test prints
	 * them: libredox-ring against pwrite/pread and the v1 ring. */
	for (i = T_XWV; i + 2 < T_COUNT; i += 3) {
		BENCH_PAIR(bench_tests[i + 2].name, i + 2, i + 1, BENCH_MIBS,
		    BENCH_NONE, 0);
		rows[n - 1].note = BENCH_RDX_NOTE_RING;
		BENCH_PAIR(NULL, i + 2, i, BENCH_MIBS, BENCH_NONE, 0);
		rows[n - 1].note = BENCH_RDX_NOTE_V1;
	}
	/* ringd is not on the data path of rings between two processes. */
	BENCH_ROW(many_name, -1, &dm.cpu, "wall time of traffic", -1, &dm.wall,
	    BENCH_CPU, BENCH_AT_MOST, 0.01, true);
	rows[n - 1].note = BENCH_MANY_NOTE_CPU;
	BENCH_ROW(traffic_name, -1, &dm.ops, bench_tests[T_S1].name, -1,
	    &v[T_S1], BENCH_OPS, BENCH_AT_LEAST, 0.5, false);
	rows[n - 1].note = BENCH_MANY_NOTE_TRAFFIC;
	/* ringtop -d 0.1 over the same rings: what watching costs ringd */
	BENCH_ROW(watch_name, -1, &dm.wcpu, "wall time of traffic", -1,
	    &dm.wwall, BENCH_CPU, BENCH_AT_MOST,
	    0.05 * many / BENCH_WATCH_RINGS, true);
	rows[n - 1].note = BENCH_MANY_NOTE_WATCH;
	BENCH_ROW(NULL, -1, &dm.wops, "traffic unwatched", -1, &dm.ops,
	    BENCH_OPS, BENCH_NONE, 0, false);
	BENCH_ROW("list, per ring", -1, &dm.snap, "5% of a core/100k", -1,
	    &dm.budget, BENCH_NS, BENCH_AT_MOST, 1.0, false);
	rows[n - 1].note = BENCH_MANY_NOTE_LIST;
	BENCH_ROW(idle_name, -1, &idle, "wall time blocked", -1, &wall,
	    BENCH_CPU, BENCH_AT_MOST, 0.001, true);
	BENCH_ROW(NULL, -1, &idle, "bare FUTEX_WAIT child", -1, &fidle,
	    BENCH_CPU, BENCH_NONE, 0, false);
	/* The producer's CPU time over its whole life, from wait4(). */
	BENCH_ROW("idle, child lifetime", -1, &idle_total,
	    "bare FUTEX_WAIT child", -1, &fidle_total, BENCH_CPU, BENCH_NONE, 0,
	    false);
#undef BENCH_PAIR
#undef BENCH_ROW

	/* A figure that failed to run fails the run; missed targets do not. */
	for (i = 0; i < T_COUNT; i++)
		failed += v[i].rc < 0;
	failed += idle.rc < 0;
	failed += fidle.rc < 0;
	failed += dm.cpu.rc < 0;

	/* --only: leave out the rows of tests that did not run */
	for (i = j = 0; i < n; i++)
		if (!rows[i].ring->skipped)
			rows[j++] = rows[i];
	n = j;

	if (bench_cfg.json)
		rc = bench_print_json(rows, n, &ri, failed);
	else
		rc = bench_print_table(rows, n, failed);
	return failed || rc < 0 ? 1 : 0;
}
