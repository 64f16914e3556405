/*
 * bench.h - what the benchmark's files share: the run configuration, child
 * processes watched by pidfd, timing helpers, and the ringd-brokered tests
 * of bench-ringd.c.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_NAME "ring-bench"

#define BENCH_ENTRIES 256u /* SQ and CQ size of every pair */

/* Run configuration, fixed after option parsing. */
struct bench_config {
	uint64_t iters;	 /* base round trips per repetition (-n) */
	unsigned reps;	 /* repetitions per figure (-r) */
	bool smoke;	 /* --smoke: tiny counts */
	bool json;	 /* -j: JSON instead of the table */
	bool verbose;	 /* -v: every repetition's figure on stderr */
	unsigned rings;	 /* --rings: the many-rings tests' count; 0: default */
	bool progress;	 /* say what runs on a terminal's stderr */
	int64_t idle_ns; /* idle test duration */
	int timeout_ms;	 /* per child; it is killed after that */
	int cpu[2];	 /* parent, child; -1: not pinned */
	int ncpu;	 /* CPUs this process may run on */
};

extern struct bench_config bench_cfg;

/* One measured figure: ns per round trip, ops/s, or CPU ns. */
struct bench_val {
	double v;
	int rc;	 /* < 0: failed to run (message already printed) */
	bool na; /* not available here (e.g. io_uring disabled) */
};

enum bench_mode {
	BENCH_BUSY,	/* never sleep: retry pops */
	BENCH_ADAPTIVE, /* ring_wait() with the default spin budget */
	BENCH_SLEEP,	/* ring_set_spin(0): sleep as soon as empty */
};

/* A forked child, watched by a thread polling its pidfd. */
struct bench_child {
	const char *name;
	pid_t pid;
	int pidfd;     /* -1: not watched */
	bool watching; /* the watcher thread runs */
	pthread_t watcher;
	atomic_bool done; /* the parent no longer needs the child */
	atomic_bool timed_out;
	atomic_bool early;	  /* the child ended while still needed */
	siginfo_t early_si;	  /* how, when early */
	void (*abort_fn)(void *); /* releases a blocked parent; thread-safe */
	void *abort_arg;
};

int64_t bench_now(void);
void bench_err(const char *test, const char *what, int err);
void bench_progress(const char *name);
uint64_t bench_warm(uint64_t n);
int bench_spawn(struct bench_child *c, const char *name, int (*fn)(void *),
    void *arg, void (*abort_fn)(void *), void *abort_arg);
int bench_reap(struct bench_child *c, bool kill_it, struct rusage *ru);

/* Wait politely in a spin loop; on one CPU, let the peer run instead. */
static inline void
bench_relax(void)
{
	if (bench_cfg.cpu[0] < 0 && bench_cfg.ncpu < 2) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* --- bench-ringd.c: rings brokered by a private ringd ----------------- */

/*
 * Start a private ringd (dirname(/proc/self/exe)/../ringd/ringd or
 * $RINGD_BIN) on a socket in a new temporary directory, before the parent
 * pins itself; stop it (SIGTERM, reap, remove the directory) at the end,
 * and from atexit() whatever happens.  A failed start is said once on
 * stderr; every ringd test then fails with -ENOTCONN.
 */
int bench_ringd_start(void);
int bench_ringd_stop(void);

/*
 * One repetition of a round trip through a ringd-brokered ring: to a
 * scheme process of our own (echo false; mode busy or adaptive) or to
 * ringd's built-in `echo` (echo true, adaptive).  *ns: ns per round trip.
 */
int bench_ringd_rtt_once(const char *name, enum bench_mode mode, bool echo,
    uint64_t n, double *ns);

/*
 * One repetition of n ring lifetimes: through ringd to `null` (ringd true:
 * ring_ctl_open, ring_close, ring_ctl_close_ring), or a plain pair
 * (ring_pair_create, ring_open, ring_close).  *ops: lifetimes per second.
 */
int bench_ringd_open_once(const char *name, bool ringd, uint64_t n,
    double *ops);

/*
 * nrings rings from one consumer (the parent, round-robin, busy) to one
 * scheme process (epoll over every doorbell) carry NoOps for dur_ns.
 * Then the same traffic again while the bench lists every ring ten times a
 * second, as ringtop -d 0.1 does, and last back-to-back lists with no
 * traffic, to price one ring of one snapshot.
 */
struct bench_many {
	struct bench_val cpu, wall, ops; /* ringd CPU ns, time, completions/s */
	struct bench_val wcpu, wwall, wops; /* the same, listed at 10 Hz */
	struct bench_val snap;	 /* ringd CPU ns per ring per snapshot */
	struct bench_val budget; /* what 5 % of a core allows at 10 Hz over
				  * BENCH_WATCH_RINGS rings, per ring */
};
#define BENCH_WATCH_RINGS 10000u
void bench_ringd_many(const char *name, unsigned nrings, int64_t dur_ns,
    struct bench_many *res);

/* physalloc3 through the private ringd (root only, by ringd's default). */
enum bench_phys {
	BENCH_PHYS_CTL, /* status round trips per second (the comparator) */
	BENCH_PHYS_4K,	/* physalloc3+physfree pairs per second, 4 KiB */
	BENCH_PHYS_1M,	/* the same at 1 MiB */
	BENCH_PHYS_ONE, /* ns per 64 MiB physalloc3+physfree (contiguous) */
	BENCH_PHYS_SG,	/* ns to assemble 64 MiB as an SG list, fragmented */
};
int bench_ringd_phys_once(const char *name, enum bench_phys what, uint64_t n,
    double *v);

/* The private ringd's socket, or NULL when it is not running. */
const char *bench_ringd_socket(void);

/* --- bench-blkdev.c: block I/O through the blkdev example scheme ------ */

/*
 * What one figure measures: the path (through the scheme, direct
 * pread/pwrite, io_uring), the operation and the size (4 KiB or 128 KiB).
 */
enum bench_blk_path { BENCH_BLK_RING, BENCH_BLK_DIRECT, BENCH_BLK_URING };
enum bench_blk_op { BENCH_BLK_READ, BENCH_BLK_WRITE };
#define BENCH_BLK(path, op, big) \
	((unsigned)(path) << 2 | (unsigned)(op) << 1 | (unsigned)(big))
#define BENCH_BLK_PATH(w) ((w) >> 2)
#define BENCH_BLK_OP(w) (((w) >> 1) & 1u)
#define BENCH_BLK_SIZE(w) ((w)&1u) /* 0: 4 KiB, 1: 128 KiB */

/*
 * One repetition: n transfers; *iops: transfers per second.  The first
 * call starts blkdev-scheme (from BUILD/examples) on a backing file of its
 * own in a temporary directory; bench_blkdev_stop() ends both.
 */
int bench_blkdev_once(const char *name, unsigned what, uint64_t n,
    double *iops);
uint64_t bench_blkdev_bytes(unsigned what);
int bench_blkdev_stop(void);

/* ring-bench.c: push all n completions, waiting for room as mode says. */
int bench_ring_answer(struct ring *r, enum bench_mode mode,
    const struct ring_cqe *cqes, unsigned n);

#endif /* BENCH_BENCH_H */
