/*
 * bench.h - what the benchmark's files share: the run configuration, the
 * harness (child processes watched by pidfd, helper programs, CPU
 * pinning, timing and medians), the comparators, the ring tests, the
 * report, and the ringd and blkdev tests.
 *
 * Every file of bench/ includes this header and libcommon's common.h;
 * nothing outside bench/ includes it.  bench/README.md draws the map.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#define BENCH_NAME "ring-bench"

/* Limits and sizes, kept together. */
#define BENCH_ENTRIES 256u	   /* SQ and CQ size of every pair */
#define BENCH_MAX_REPS 101u	   /* repetitions per figure */
#define BENCH_MIN_ITERS 10u	   /* smallest -n */
#define BENCH_MAX_ITERS 100000000u /* largest -n */
#define BENCH_DEF_ITERS 200000u	   /* base round trips per repetition */
#define BENCH_DEF_REPS 5u
#define BENCH_SMOKE_ITERS 2000u
#define BENCH_SMOKE_REPS 3u
#define BENCH_WINDOW 256u /* streaming: entries in flight */
#define BENCH_MAX_BATCH 32u
#define BENCH_IDLE_NS 1000000000ll /* idle test, full run */
#define BENCH_SMOKE_IDLE_NS 200000000ll
#define BENCH_TIMEOUT_MS 120000 /* per repetition, full run (at least) */
#define BENCH_SMOKE_TIMEOUT_MS 20000
#define BENCH_MANY_RINGS 4000u /* ringd CPU test: rings carrying traffic */
#define BENCH_SMOKE_MANY_RINGS 50u
#define BENCH_MAX_MANY_RINGS 8192u /* max_rings_per_client in BRD_CONF */
#define BENCH_MANY_NS 3000000000ll /* and for how long */
#define BENCH_SMOKE_MANY_NS 300000000ll

/* Run configuration, fixed after option parsing. */
struct bench_config {
	uint64_t iters;	 /* base round trips per repetition (-n) */
	unsigned reps;	 /* repetitions per figure (-r) */
	bool smoke;	 /* --smoke: tiny counts */
	bool json;	 /* -j: JSON instead of the table */
	bool verbose;	 /* -v: every repetition's figure on stderr */
	unsigned rings;	 /* --rings: the many-rings tests' count; 0: default */
	unsigned only;	 /* --only: groups to run (BENCH_G_*); 0: all */
	bool progress;	 /* say what runs on a terminal's stderr */
	int64_t idle_ns; /* idle test duration */
	int timeout_ms;	 /* per child; it is killed after that */
	int cpu[2];	 /* parent, child; -1: not pinned */
	int ncpu;	 /* CPUs this process may run on */
};

extern struct bench_config bench_cfg;

/* Groups of tests, for --only; bench_group_names in main.c spells them. */
enum bench_group {
	BENCH_G_RTT = 1u << 0,	  /* busy and adaptive round trips */
	BENCH_G_SLEEP = 1u << 1,  /* sleep/wake round trips */
	BENCH_G_STREAM = 1u << 2, /* batched streams */
	BENCH_G_OPEN = 1u << 3,	  /* ring lifetimes */
	BENCH_G_PHYS = 1u << 4,	  /* physalloc3 and scatter-gather */
	BENCH_G_BLKDEV = 1u << 5, /* block I/O through blkdev-scheme */
	BENCH_G_REDOX = 1u << 6,  /* relibc's disk loop */
	BENCH_G_MANY = 1u << 7,	  /* many rings: ringd CPU, traffic, listing */
	BENCH_G_IDLE = 1u << 8,	  /* CPU while blocked */
};

/* One measured figure: ns per round trip, ops/s, or CPU ns. */
struct bench_val {
	double v;
	int rc;	 /* < 0: failed to run (message already printed) */
	bool na; /* not available here (e.g. io_uring disabled) */
	bool skipped; /* not asked for (--only): its rows are left out */
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

/* --- harness.c: what every test is built on --------------------------- */

/* "ring-bench: 'test': what: strerror(err)" on stderr (err of either sign). */
void bench_err(const char *test, const char *what, int err);
/*
 * "ring-bench: 'test': N completions did not match their submissions"
 * (bad > 0) on stderr; returns -EBADMSG then, 0 when bad is 0.
 */
int bench_mismatch(const char *test, uint64_t bad);
/* What runs now, on a terminal's stderr (--progress); NULL clears it. */
void bench_progress(const char *name);
/* Median of n samples (sorts them). */
double bench_median(double *v, unsigned n);
/* Untimed round trips before the first timed repetition of n. */
uint64_t bench_warm(uint64_t n);
/* futex(2) on a word of a MAP_SHARED mapping. */
long bench_futex(_Atomic uint32_t *word, int op, uint32_t val);
/* Close *fd when open and mark it closed (-1). */
void bench_close(int *fd);
/* This process's CPU time (user + system) in ns. */
int64_t bench_cpu_ns(void);

/*
 * The frame of the idle tests (ring and futex): begin says what runs and
 * clears both figures and *ru; wait sleeps bench_cfg.idle_ns; end sets
 * both figures' rc, and when rc is 0 *out to blocked_ns (the child's own
 * CPU time while blocked) and *total to the child's whole life's from ru.
 */
void bench_idle_begin(const char *name, struct bench_val *out,
    struct bench_val *total, struct rusage *ru);
void bench_idle_wait(void);
void bench_idle_end(struct bench_val *out, struct bench_val *total, int rc,
    double blocked_ns, const struct rusage *ru);

/* Pick the parent's and the child's CPUs; pin this process to one. */
void bench_cpus_init(void);
int bench_pin(int cpu);
/* Two CPUs SMT siblings as the kernel says: 1 yes, 0 no, -1 unknown. */
int bench_smt_siblings(int a, int b);

/*
 * Fork a child that pins itself to the second CPU, runs fn(arg) and exits
 * 0 when it returned >= 0; a thread watches its pidfd and calls
 * abort_fn(abort_arg) when it ends early or times out.  bench_reap()
 * reaps it (killing it first when kill_it): 0, or -errno when it failed,
 * died or timed out (said on stderr).
 */
int bench_spawn(struct bench_child *c, const char *name, int (*fn)(void *),
    void *arg, void (*abort_fn)(void *), void *abort_arg);
int bench_reap(struct bench_child *c, bool kill_it, struct rusage *ru);

/*
 * Helper programs (ringd, blkdev-scheme, blkdev-driver): a temporary
 * directory for their files; a program run with stdin from /dev/null,
 * stdout to out (BENCH_OUT_INHERIT, or BENCH_OUT_QUIET: stdout and stderr
 * to /dev/null), pinned to cpu (-1: not), dying with the bench (SIGTERM);
 * a wait of up to ms for ready(arg) to return 0 while it runs (-ECHILD,
 * said on stderr, when it ended: it is reaped then); and a stop: SIGTERM,
 * then SIGKILL after ms, reaped, its end said on stderr unless it exited 0
 * (bench_stop_child(): of *pid, if set, and only in owner, the process that
 * started it; *pid is 0 after).
 */
#define BENCH_OUT_INHERIT (-1)
#define BENCH_OUT_QUIET (-2)
int bench_tmpdir(char *buf, size_t len, const char *prefix);
pid_t bench_exec(const char *path, char *const argv[], int out, int cpu);
int bench_await(pid_t pid, const char *what, int ms, int (*ready)(void *),
    void *arg);
int bench_stop(pid_t pid, const char *what, int ms);
int bench_stop_child(pid_t *pid, pid_t owner, const char *what, int ms);

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

/* --- cmp-pingpong.c: two processes passing a token -------------------- */

enum bench_pp_kind {
	BENCH_PP_LINE,	  /* a cache line both sides spin on */
	BENCH_PP_FUTEX,	  /* a futex word, each side always sleeping */
	BENCH_PP_EVENTFD, /* two eventfds */
	BENCH_PP_PIPE,	  /* two pipes */
	BENCH_PP_UNIX,	  /* a unix stream socket pair */
	BENCH_PP_COUNT
};

/*
 * One repetition of a ping-pong comparator: a fresh child, an untimed
 * warm-up, then iters timed round trips.  *ns gets ns per round trip.
 */
int bench_pp_once(enum bench_pp_kind kind, uint64_t iters, double *ns);
/*
 * The idle comparator: a child blocked in a bare FUTEX_WAIT for
 * bench_cfg.idle_ns; *out its CPU time while blocked, *total its whole
 * life's.
 */
void bench_futex_idle(const char *name, struct bench_val *out,
    struct bench_val *total);

/* --- cmp-uring.c: io_uring NOPs in one process ------------------------ */

/*
 * A new io_uring of entries for test name: 0, -ENOTSUP when io_uring is
 * not available here (said on stderr; not a failure), or -errno (said).
 */
struct io_uring;
int bench_uring_init(const char *name, unsigned entries, struct io_uring *u);
/*
 * One repetition on a fresh io_uring: *v gets ns per NOP round trip
 * (batch 0) or NOPs per second in batches of batch.  -ENOTSUP: io_uring
 * is not available here (said on stderr), which is not a failure.
 */
int bench_uring_once(const char *name, unsigned batch, uint64_t ops, double *v);

/* --- ring-tests.c: libring between a forked consumer and producer ------ */

/*
 * One repetition on a fresh pair and producer: *v gets ns per round trip
 * (batch 0) or ops/s (streaming with batches of batch).
 */
int bench_ring_once(const char *name, enum bench_mode mode, unsigned batch,
    uint64_t n, double *v);
/*
 * Idle: the producer blocks in ring_wait(-1) for bench_cfg.idle_ns; *out
 * its CPU time while blocked, *total its whole life's.
 */
void bench_ring_idle(const char *name, struct bench_val *out,
    struct bench_val *total);
/*
 * n round trips of a NoOp on consumer handle r, one in flight, numbered
 * from *seq on; the stall as mode says (busy: spin, -ETIMEDOUT after
 * bench_cfg.timeout_ms; else ring_wait() for at most that long).  A CQE
 * that does not carry its SQE's user_data and status 0 (echo: ringd's
 * built-in echo's status, (user_data ^ BENCH_ECHO_XOR64) & INT64_MAX,
 * ringd.8) counts in *bad.
 */
#define BENCH_ECHO_XOR64 0x5a5a5a5a5a5a5a5aull
#define BENCH_SPIN_CHECK 65536u /* busy waits between deadline checks */
int bench_rtt_run(struct ring *r, enum bench_mode mode, bool echo, uint64_t n,
    uint64_t *seq, uint64_t *bad);
/* Push all n completions, waiting for room as mode says. */
int bench_ring_answer(struct ring *r, enum bench_mode mode,
    const struct ring_cqe *cqes, unsigned n);

/*
 * What one round trip or entry of the ring rows costs, from the profile
 * (callgrind, strace -c, and the lines libring's data path touches): the
 * report's notes under those rows.
 */
#define BENCH_RING_NOTE_BUSY \
	"per round trip: 4 lines move between the cores (SQ slot and tail, " \
	"CQ slot and tail; the popper prefetches the slot as it re-reads " \
	"tail, the pusher its next slot after publishing); head, epochs " \
	"and the in-service entry stay in their " \
	"writer's cache, status and wait words are read-shared; 0 syscalls; " \
	"~400 instructions in libring; no barrier after an index store " \
	"while the sleeper promises a global one (membarrier), as here"
#define BENCH_RING_NOTE_ADAPT \
	"per round trip: as busy while the answer comes within the spin " \
	"budget (20 us default); the spin reads the clock (vDSO) every 64 " \
	"polls; < 0.01 futex calls per round trip"
#define BENCH_RING_NOTE_RINGD \
	"the same data path between two processes: ringd only set the pair " \
	"up and is on no line or syscall of a round trip"
#define BENCH_RING_NOTE_SLEEP \
	"per round trip: each side stores its wait word, fences, re-checks " \
	"and sleeps in FUTEX_WAIT; the other side's FUTEX_WAKE after its " \
	"index store wakes it: up to 4 futex calls and 2 cross-core wakeups; " \
	"sleeps this close make each side fence locally (no membarrier)"
#define BENCH_RING_NOTE_STREAM \
	"per batch: one tail and one head store (2 index lines move), one " \
	"load of the peer's index only when the cached one runs short, no " \
	"barrier per publish (global fence promised); per entry one " \
	"64-byte SQE line and half a CQE line; 0 syscalls while the " \
	"producer keeps up"

/* --- report.c: the table, or JSON -------------------------------------- */

enum bench_unit {
	BENCH_NS,   /* round-trip time, shown in us; lower is better */
	BENCH_OPS,  /* throughput, shown in Mops/s; higher is better */
	BENCH_CPU,  /* CPU time, shown in ms; ratio to wall time in % */
	BENCH_KOPS, /* slow throughput, shown in k/s; higher is better */
	BENCH_MIBS, /* data rate, MiB/s; higher is better */
};

enum bench_goal {
	BENCH_NONE,
	BENCH_AT_MOST,	/* ratio <= target */
	BENCH_AT_LEAST, /* ratio >= target */
};

/* One line of the table: a ring figure against one comparator. */
struct bench_row {
	const char *test; /* NULL: same ring figure as the line above */
	const struct bench_val *ring;
	const char *comp;
	const struct bench_val *cval;
	enum bench_unit unit;
	enum bench_goal goal;
	double target;	/* ratio */
	bool pct;	/* ratio is a share of wall time, in % */
	bool has_ratio; /* both figures are there */
	double ratio;	/* ring / comparator (main.c: bench_row_pair()) */
	const char *note; /* NULL, or what one operation costs each side */
};

/* What the report says about the run besides its rows. */
struct bench_run_info {
	char cpu[256];	    /* CPU model */
	char date[64];	    /* local time the run started */
	unsigned many;	    /* rings of the ringd CPU test */
	int64_t many_ns;    /* its traffic time */
	uint64_t lifetimes; /* ring lifetimes per round (open+close) */
	uint64_t redox_ops; /* blocks per redox disk phase */
};

/* A figure that ran and is there. */
bool bench_val_ok(const struct bench_val *v);
/* 1 target met, 0 missed, -1 no target or nothing to judge. */
int bench_row_met(const struct bench_row *row);
/* Fill in the CPU model and the date. */
void bench_run_info_init(struct bench_run_info *ri);
/* The lines above the table (not in JSON mode). */
void bench_print_header(const struct bench_run_info *ri);
/* The table and its closing line, or the JSON object; 0 or -errno. */
int bench_print_table(const struct bench_row *rows, size_t n, int failed);
int bench_print_json(const struct bench_row *rows, size_t n,
    const struct bench_run_info *ri, int failed);

/* --- bench-ringd.c, bench-many.c: rings brokered by a private ringd ---- */

/*
 * Start a private ringd (BUILD/ringd/ringd or $RINGD_BIN) on a socket in
 * a new temporary directory, before the parent pins itself; stop it (SIGTERM, reap, remove the directory) at the end,
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
/* What one lifetime costs through ringd (perf and strace of both sides). */
#define BENCH_OPEN_NOTE \
	"per lifetime: 2 round trips, the client spinning for each reply, " \
	"ringd woken once (DROP rings no doorbell); client ~20 syscalls " \
	"(its mapping, 6 doorbell checks; the pidfd of ringd is the " \
	"connection's), ringd ~21 (2 recvmsg finding nothing, 3 " \
	"epoll_wait, 6 make the next pair ahead and 4 free the last ring " \
	"once idle, after the replies), " \
	"no mapping: null's producer side and the header view are made on " \
	"first use only"

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
/* What the many-rings rows cost, from their profile (main.c's notes). */
#define BENCH_MANY_NOTE_CPU \
	"ringd is on no ring's data path: no syscall and no ring line " \
	"touched while the rings carry traffic between two other processes"
#define BENCH_MANY_NOTE_TRAFFIC \
	"per ring visit (4 NoOps) each side: no syscall while the ring stays " \
	"busy, the scheme polls it unarmed (< 0.001 syscalls/op; a doorbell " \
	"per visit was 0.26 send + 0.26 recvmmsg/op); ~10 line transfers: SQ " \
	"tail, head, 4 SQE lines, CQ tail, head, 2 CQE lines; + in-service table"
#define BENCH_MANY_NOTE_WATCH \
	"per 10 Hz snapshot: 1 LIST request, a sendmsg of reply per ~190 " \
	"rings, ~4 epoll_wait; 14 header lines per ring (indices, epochs, " \
	"status, wait words of both queues), most written since the last one"
#define BENCH_MANY_NOTE_LIST \
	"ring_get_stats_many() overlaps the 14 header-line loads of 16 rings " \
	"at a time; then one record encoded and its share of the reply"

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
/* What one operation costs (profiled with strace -c and ringd's CPU). */
#define BENCH_PHYS_NOTE_PAIR \
	"per pair: two control round trips (PHYS_ALLOC, PHYS_FREE), each a " \
	"sendmsg, a recvmsg and an epoll_wait when waiting on either side; " \
	"ringd searches the zone's free ranges, O(n); the comparator is one " \
	"STATUS round trip"
#define BENCH_PHYS_NOTE_SG \
	"one PHYS_ALLOC_SG round trip for all 1024 segments (client: one " \
	"sendmsg, one 24.6 KB recvmsg); ringd plans on a copy of the zone, " \
	"O(n + k log n), ~0.25 us of CPU a segment (was one round trip and " \
	"~18 us of ringd CPU a segment); the comparator is one PHYS_ALLOC " \
	"and one PHYS_FREE"

/* The private ringd's socket, or NULL when it is not running. */
const char *bench_ringd_socket(void);

/*
 * bench-ringd.c, for bench-many.c: the private ringd's state (0 running,
 * else why not, said once), a connection to it (-errno said), its CPU
 * time so far in ns, and scheme processes: a brief (init), started as a
 * bench_spawn() child running fn once its name is registered (start),
 * its pipes closed (fini).  In the child, brd_scheme_register() connects
 * and registers and brd_serve() answers what a ring holds.
 */
struct brd_scheme {
	const char *name; /* test name, for messages */
	char scheme[RING_CTL_NAME_MAX];
	enum bench_mode mode;
	unsigned nrings; /* > 1: serve many rings from one epoll */
	int ready[2];	 /* child writes one byte once registered */
	int stop[2];	 /* many: parent closes [1] to end the child */
};
int brd_state(void);
int brd_connect(const char *name, struct ring_ctl **c);
int brd_cpu_ns(int64_t *ns);
void brd_scheme_init(struct brd_scheme *s, const char *name,
    enum bench_mode mode, unsigned nrings);
int brd_scheme_start(struct brd_scheme *s, struct bench_child *c,
    int (*fn)(void *));
void brd_scheme_fini(struct brd_scheme *s);
int brd_scheme_register(struct brd_scheme *s, struct ring_ctl **ctl);
int brd_serve(struct ring *r, enum bench_mode mode, int *served);

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
/*
 * For bench-redox.c: the path of blkdev-scheme (which 0) or blkdev-driver
 * (1) of this build (-errno said on stderr); blkdev-scheme started with
 * argv on the private ringd (quiet, on the producers' CPU), waiting until
 * ready(c, scheme) returns 0 (*pid its pid, 0 when it is not running; a
 * failure is said); and one blkdev-driver -m bench run of n transfers of
 * size bytes, depth in flight, cycling over [0, span) of scheme's disk:
 * *iops from its JSON report.
 */
int bench_blkdev_bin(int which, char *buf, size_t len);
int bench_blkdev_exec(char *const argv[], const char *scheme,
    int (*ready)(struct ring_ctl *, const char *), pid_t *pid);
int bench_blkdev_driver(const char *name, const char *scheme, bool wr,
    uint64_t size, uint64_t n, unsigned depth, uint64_t span, double *iops);
/*
 * What one request costs through the scheme (perf stat of both sides,
 * 100000 requests; perf record of the scheme) against one pread/pwrite:
 * the report's notes, by direction and size.
 */
#define BENCH_BLK_NOTE_R4 \
	"per request: scheme 0.065 syscalls (a turn's reads in a row merged " \
	"into one io_uring read, one io_uring_enter; no epoll or doorbell " \
	"while busy, 50 us spin before sleeping; was 1.17, a pread each), " \
	"driver ~0; 1 copy (page cache -> DMA memory); pread: 1 call + 1 " \
	"copy, 32 threads on one CPU"
#define BENCH_BLK_NOTE_W4 \
	"per request: scheme 0.06 syscalls (a turn's writes in a row " \
	"merged into one pwritev; was 1.17), driver ~0; 1 copy (DMA memory " \
	"-> page cache); pwrite: 1 call + 1 copy each"
#define BENCH_BLK_NOTE_R128 \
	"per request: scheme 0.094 syscalls (~12 reads in a row merged into " \
	"one io_uring read and io_uring_enter, answered per 2 MiB; 0.002 " \
	"futex wakes, was 0.063: the driver's adaptive spin now outlasts " \
	"the ~90 us between answers), driver 0.003; 1 copy, 81% of the " \
	"scheme's one pinned CPU (was 71% + 8% waking the driver); pread's " \
	"threads each reuse an L2-hot buffer, the ring cycles 4 MiB of DMA " \
	"buffers"
#define BENCH_BLK_NOTE_W128 \
	"per request: scheme 0.11 syscalls (~13 writes in a row per " \
	"pwritev, 0.01 futex wakes: the driver spins; was 0.15), 1 copy; " \
	"io_uring would hand each ext4 buffered write to a worker (2 " \
	"context switches)"

/* --- bench-redox.c: relibc's disk loop through libredox-ring --------- */

/*
 * What one redox disk figure measures: relibc's disk test loop through
 * libredox-ring to blkdev-scheme's Redox disk protocol, pwrite/pread from
 * one thread on the same backing file, or blkdev-driver's v1 ring to the
 * same scheme at the same depth; writes or reads (reads verify the
 * pattern the writes left, as relibc's test does).
 */
enum bench_rdx_path { BENCH_RDX_RING, BENCH_RDX_DIRECT, BENCH_RDX_V1 };
#define BENCH_RDX(path, op) ((unsigned)(path) << 1 | (unsigned)(op))
#define BENCH_RDX_PATH(w) ((w) >> 1)
#define BENCH_RDX_OP(w) ((w)&1u) /* enum bench_blk_op */
#define BENCH_RDX_BLOCK 4096u	 /* bytes per operation */
#define BENCH_RDX_DEPTH 16u	 /* what relibc's pool allows in flight */
#define BENCH_RDX_MAX_OPS 65536u /* the disk holds this many blocks */

/*
 * One repetition: n operations of BENCH_RDX_BLOCK bytes on blocks 0..n-1
 * (n <= BENCH_RDX_MAX_OPS); *mibs: MiB per second, timed as relibc's test
 * times a phase.  The first call starts blkdev-scheme with a disk of its
 * own on the private ringd; bench_redox_stop() ends it.
 */
int bench_redox_once(const char *name, unsigned what, uint64_t n,
    double *mibs);
int bench_redox_stop(void);
/* What one operation costs on each path: the report's notes. */
#define BENCH_RDX_NOTE_RING \
	"per op, redox: 32-byte SQE + 16-byte CQE in shared memory, a " \
	"doorbell byte per submit (send), a futex wake when the program " \
	"sleeps in wait_cqe; the block copied by the program (fill/check) " \
	"and by the scheme (pread/pwrite, pool <-> file); direct: one " \
	"pwrite/pread call, the same fill/check"
#define BENCH_RDX_NOTE_V1 \
	"per op, v1: 64-byte SQE + 32-byte CQE, physalloc3 scatter-gather " \
	"buffers; the scheme reads a turn's blocks with one io_uring_enter, " \
	"writes those in a row with one pwritev; no fill or check"

#endif /* BENCH_BENCH_H */
