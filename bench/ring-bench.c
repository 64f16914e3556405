/*
 * ring-bench.c - measure libring against what it replaces, in one run.
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
 *
 * The ringd rows (bench-ringd.c) run against a private ringd the bench
 * starts and stops itself; the blkdev rows (bench-blkdev.c) add the
 * example block device scheme to it.
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
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ring/ring.h>

#include "bench.h"

/* Limits and sizes, kept together. */
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

/* Abort markers the watcher writes so a blocked parent gives up. */
#define BENCH_LINE_ABORT UINT64_MAX
#define BENCH_FUTEX_PARENT 0u /* futex word: the parent's turn */
#define BENCH_FUTEX_CHILD 1u  /* futex word: the child's turn */
#define BENCH_FUTEX_ABORT 2u
#define BENCH_EFD_ABORT (1ull << 32)

struct bench_config bench_cfg;

/* --- small helpers ---------------------------------------------------- */

int64_t
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
bench_err(const char *test, const char *what, int err)
{
	fprintf(stderr, BENCH_NAME ": '%s': %s: %s\n", test, what,
	    strerror(err < 0 ? -err : err));
}

void
bench_progress(const char *name)
{
	if (!bench_cfg.progress)
		return;
	if (name != NULL)
		fprintf(stderr, "\r  running: %-40s", name);
	else
		fprintf(stderr, "\r%-52s\r", "");
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of n samples (sorts them). */
static double
bench_median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Untimed round trips before the first timed repetition. */
uint64_t
bench_warm(uint64_t n)
{
	uint64_t w = n / 10;

	if (w < 1)
		w = 1;
	return w > 10000 ? 10000 : w;
}

/* Read or write exactly len bytes; EOF is -EPIPE. */
static int
bench_io(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	ssize_t k;

	while (len > 0) {
		k = wr ? write(fd, p, len) : read(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EPIPE;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static long
bench_futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	/* The word is in a MAP_SHARED mapping: no FUTEX_PRIVATE_FLAG. */
	return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

static void
bench_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --- CPUs ------------------------------------------------------------- */

/* Pick the first two CPUs we may run on: parent on one, child on the other. */
static void
bench_cpus_init(void)
{
	cpu_set_t set;
	int i, k = 0;

	bench_cfg.cpu[0] = bench_cfg.cpu[1] = -1;
	bench_cfg.ncpu = 1;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	bench_cfg.ncpu = CPU_COUNT(&set);
	for (i = 0; i < CPU_SETSIZE && k < 2; i++)
		if (CPU_ISSET(i, &set))
			bench_cfg.cpu[k++] = i;
	if (k < 2)
		bench_cfg.cpu[0] = bench_cfg.cpu[1] = -1;
}

static int
bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

/*
 * Whether two CPUs are SMT siblings as the kernel reports it: 1 yes, 0 no,
 * -1 unknown.  (A VM's vCPUs may still share a host core.)
 */
static int
bench_smt_siblings(int a, int b)
{
	char path[96], list[256], *p, *end;
	long lo, hi;
	FILE *f;

	snprintf(path, sizeof(path),
	    "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", a);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	p = fgets(list, sizeof(list), f);
	fclose(f);
	if (p == NULL)
		return -1;
	/* A list like "0-1,8-9". */
	while (*p != '\0' && *p != '\n') {
		lo = hi = strtol(p, &end, 10);
		if (end == p)
			return -1;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p)
				return -1;
		}
		if (b >= lo && b <= hi)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* --- child processes -------------------------------------------------- */

/*
 * Watcher thread: wait for the child to end (killing it when the test
 * runs out of time); if the parent still needed it, release the parent.
 */
static void *
bench_watch(void *arg)
{
	struct bench_child *c = arg;
	struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
	int rc;

	do
		rc = poll(&pfd, 1, bench_cfg.timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0 && !atomic_load(&c->done)) {
		atomic_store(&c->timed_out, true);
#ifdef SYS_pidfd_send_signal
		syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
#else
		kill(c->pid, SIGKILL); /* unreaped: the parent is blocked */
#endif
		do
			rc = poll(&pfd, 1, -1);
		while (rc < 0 && errno == EINTR);
	}
	if (atomic_load(&c->done))
		return NULL;
	/*
	 * Peek at how it ended without reaping (the parent reaps).  Exit
	 * status 0 means the child did all it was asked: it may beat the
	 * parent's last step, and leaves nobody blocked.
	 */
	memset(&c->early_si, 0, sizeof(c->early_si));
	if (!atomic_load(&c->timed_out) &&
	    waitid(P_PID, (id_t)c->pid, &c->early_si, WEXITED | WNOWAIT) == 0) {
		if (c->early_si.si_code == CLD_EXITED &&
		    c->early_si.si_status == 0)
			return NULL;
		atomic_store(&c->early, true);
	}
	if (c->abort_fn != NULL)
		c->abort_fn(c->abort_arg);
	return NULL;
}

/*
 * Fork a child that pins itself to the second CPU, runs fn(arg) and exits
 * 0 when it returned >= 0.  The child dies with the parent.
 */
int
bench_spawn(struct bench_child *c, const char *name, int (*fn)(void *),
    void *arg, void (*abort_fn)(void *), void *abort_arg)
{
	pid_t parent = getpid();
	int rc;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->pidfd = -1;
	c->abort_fn = abort_fn;
	c->abort_arg = abort_arg;
	atomic_init(&c->done, false);
	atomic_init(&c->timed_out, false);
	atomic_init(&c->early, false);
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		rc = -errno;
		bench_err(name, "fork", rc);
		return rc;
	}
	if (c->pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		if ((rc = bench_pin(bench_cfg.cpu[1])) < 0) {
			bench_err(name, "sched_setaffinity", rc);
			_exit(1);
		}
		_exit(fn(arg) < 0 ? 1 : 0);
	}
#ifdef SYS_pidfd_open
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
#endif
	if (c->pidfd >= 0 &&
	    pthread_create(&c->watcher, NULL, bench_watch, c) == 0)
		c->watching = true;
	return 0;
}

/*
 * Reap the child: kill it first when the parent failed half-way.  Returns
 * 0, or -errno when the child failed, died or timed out (said on stderr).
 */
int
bench_reap(struct bench_child *c, bool kill_it, struct rusage *ru)
{
	struct rusage dummy;
	int status = 0, rc = 0;

	atomic_store(&c->done, true);
	if (kill_it)
		kill(c->pid,
		    SIGKILL); /* not reaped yet: the pid is still ours */
	while (wait4(c->pid, &status, 0, ru != NULL ? ru : &dummy) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			bench_err(c->name, "wait4", rc);
			break;
		}
	}
	if (c->watching)
		pthread_join(c->watcher, NULL);
	bench_close(&c->pidfd);
	if (atomic_load(&c->timed_out)) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': timed out after %d s, "
			       "peer killed\n",
		    c->name, bench_cfg.timeout_ms / 1000);
		return -ETIMEDOUT;
	}
	if (atomic_load(&c->early)) {
		if (c->early_si.si_code == CLD_EXITED)
			fprintf(stderr,
			    BENCH_NAME ": '%s': peer exited early with "
				       "status %d\n",
			    c->name, c->early_si.si_status);
		else
			fprintf(stderr,
			    BENCH_NAME ": '%s': peer killed early by "
				       "signal %d\n",
			    c->name, c->early_si.si_status);
		return -ECHILD;
	}
	if (rc < 0 || kill_it)
		return rc;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, BENCH_NAME ": '%s': peer killed by signal %d\n",
		    c->name, WTERMSIG(status));
		return -ECHILD;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': peer exited with status %d\n", c->name,
		    WEXITSTATUS(status));
		return -ECHILD;
	}
	return 0;
}

/* --- ping-pong comparators -------------------------------------------- */

/*
 * State of one ping-pong comparator.  The parent pings, the child answers
 * exactly total times and exits.  fd[0]/fd[1] are the parent's read/write
 * ends, fd[2]/fd[3] the child's.
 */
struct bench_pp {
	const char *name;
	uint64_t total; /* round trips the child answers */
	uint64_t seq;	/* round trips the parent has made */
	uint8_t *page;	/* shared page: cache line or futex word */
	int fd[4];
};

struct bench_pp_ops {
	const char *name;
	int (*setup)(struct bench_pp *);
	int (*child)(void *);			 /* arg: struct bench_pp */
	int (*run)(struct bench_pp *, uint64_t); /* n round trips */
	void (*abort)(void *);			 /* arg: struct bench_pp */
};

static int
bench_pp_page(struct bench_pp *pp)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	pp->page = p;
	return 0;
}

/* Cache line: the parent writes 2i+1, the child answers 2i+2. */
static _Atomic uint64_t *
bench_line(struct bench_pp *pp)
{
	return (_Atomic uint64_t *)pp->page; /* page-aligned, so 64-aligned */
}

static int
bench_line_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint64_t *line = bench_line(pp);
	uint64_t i, want, v;

	for (i = 0; i < pp->total; i++) {
		want = 2 * i + 1;
		while ((v = atomic_load_explicit(line, memory_order_acquire)) !=
		    want) {
			if (v == BENCH_LINE_ABORT)
				return -ECANCELED;
			bench_relax();
		}
		atomic_store_explicit(line, want + 1, memory_order_release);
	}
	return 0;
}

static int
bench_line_run(struct bench_pp *pp, uint64_t n)
{
	_Atomic uint64_t *line = bench_line(pp);
	uint64_t i, x, v;

	for (i = 0; i < n; i++, pp->seq++) {
		x = 2 * pp->seq + 1;
		atomic_store_explicit(line, x, memory_order_release);
		while ((v = atomic_load_explicit(line, memory_order_acquire)) !=
		    x + 1) {
			if (v == BENCH_LINE_ABORT)
				return -ECONNRESET;
			bench_relax();
		}
	}
	return 0;
}

static void
bench_line_abort(void *arg)
{
	struct bench_pp *pp = arg;

	atomic_store(bench_line(pp), BENCH_LINE_ABORT);
}

/* Futex: one shared word says whose turn it is; each side always sleeps. */
static _Atomic uint32_t *
bench_fword(struct bench_pp *pp)
{
	return (_Atomic uint32_t *)pp->page;
}

static int
bench_futex_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);
	uint64_t i;
	uint32_t v;

	for (i = 0; i < pp->total; i++) {
		while ((v = atomic_load(w)) == BENCH_FUTEX_PARENT)
			bench_futex(w, FUTEX_WAIT, BENCH_FUTEX_PARENT);
		if (v != BENCH_FUTEX_CHILD)
			return -ECANCELED;
		atomic_store(w, BENCH_FUTEX_PARENT);
		bench_futex(w, FUTEX_WAKE, 1);
	}
	return 0;
}

static int
bench_futex_run(struct bench_pp *pp, uint64_t n)
{
	_Atomic uint32_t *w = bench_fword(pp);
	uint64_t i;
	uint32_t v;

	for (i = 0; i < n; i++, pp->seq++) {
		atomic_store(w, BENCH_FUTEX_CHILD);
		bench_futex(w, FUTEX_WAKE, 1);
		while ((v = atomic_load(w)) == BENCH_FUTEX_CHILD)
			bench_futex(w, FUTEX_WAIT, BENCH_FUTEX_CHILD);
		if (v != BENCH_FUTEX_PARENT)
			return -ECONNRESET;
	}
	return 0;
}

static void
bench_futex_abort(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);

	atomic_store(w, BENCH_FUTEX_ABORT);
	bench_futex(w, FUTEX_WAKE, INT_MAX);
}

/* Pipes, unix socket and eventfds: one message each way per round trip. */
static int
bench_pipe_setup(struct bench_pp *pp)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(b, O_CLOEXEC) < 0) {
		close(a[0]);
		close(a[1]);
		return -errno;
	}
	pp->fd[0] = b[0]; /* parent reads what the child writes */
	pp->fd[1] = a[1];
	pp->fd[2] = a[0];
	pp->fd[3] = b[1];
	return 0;
}

static int
bench_unix_setup(struct bench_pp *pp)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pp->fd[0] = pp->fd[1] = sv[0];
	pp->fd[2] = pp->fd[3] = sv[1];
	return 0;
}

static int
bench_byte_child(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t i;
	uint8_t b;
	int rc;

	for (i = 0; i < pp->total; i++) {
		if ((rc = bench_io(pp->fd[2], &b, 1, false)) < 0)
			return rc;
		if ((rc = bench_io(pp->fd[3], &b, 1, true)) < 0)
			return rc;
	}
	return 0;
}

static int
bench_byte_run(struct bench_pp *pp, uint64_t n)
{
	uint64_t i;
	uint8_t b = 0x5a, back;
	int rc;

	for (i = 0; i < n; i++, pp->seq++) {
		if ((rc = bench_io(pp->fd[1], &b, 1, true)) < 0)
			return rc;
		if ((rc = bench_io(pp->fd[0], &back, 1, false)) < 0)
			return rc;
		if (back != b)
			return -EBADMSG;
	}
	return 0;
}

static int
bench_efd_setup(struct bench_pp *pp)
{
	int a, b;

	if ((a = eventfd(0, EFD_CLOEXEC)) < 0)
		return -errno;
	if ((b = eventfd(0, EFD_CLOEXEC)) < 0) {
		close(a);
		return -errno;
	}
	/* Both processes use the same two eventfds. */
	pp->fd[1] = pp->fd[2] = a; /* parent -> child */
	pp->fd[0] = pp->fd[3] = b; /* child -> parent */
	return 0;
}

static int
bench_efd_child(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t i, v, one = 1;
	int rc;

	for (i = 0; i < pp->total; i++) {
		if ((rc = bench_io(pp->fd[2], &v, sizeof(v), false)) < 0)
			return rc;
		if ((rc = bench_io(pp->fd[3], &one, sizeof(one), true)) < 0)
			return rc;
	}
	return 0;
}

static int
bench_efd_run(struct bench_pp *pp, uint64_t n)
{
	uint64_t i, v, one = 1;
	int rc;

	for (i = 0; i < n; i++, pp->seq++) {
		if ((rc = bench_io(pp->fd[1], &one, sizeof(one), true)) < 0)
			return rc;
		if ((rc = bench_io(pp->fd[0], &v, sizeof(v), false)) < 0)
			return rc;
		if (v != 1)
			return -ECONNRESET; /* the watcher's abort value */
	}
	return 0;
}

static void
bench_efd_abort(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t v = BENCH_EFD_ABORT;

	(void)!write(pp->fd[0], &v, sizeof(v));
}

/* Pipes and sockets need no abort: the child's death closes its ends. */
static const struct bench_pp_ops bench_pp_table[] = {
#define BENCH_PP_LINE 0
	{ "cache-line ping-pong", bench_pp_page, bench_line_child,
	    bench_line_run, bench_line_abort },
#define BENCH_PP_FUTEX 1
	{ "futex ping-pong", bench_pp_page, bench_futex_child, bench_futex_run,
	    bench_futex_abort },
#define BENCH_PP_EVENTFD 2
	{ "eventfd ping-pong", bench_efd_setup, bench_efd_child, bench_efd_run,
	    bench_efd_abort },
#define BENCH_PP_PIPE 3
	{ "pipe ping-pong", bench_pipe_setup, bench_byte_child, bench_byte_run,
	    NULL },
#define BENCH_PP_UNIX 4
	{ "unix socket ping-pong", bench_unix_setup, bench_byte_child,
	    bench_byte_run, NULL },
};
#define BENCH_PP_COUNT (sizeof(bench_pp_table) / sizeof(bench_pp_table[0]))

/* Close the parent's copies of the child's ends (not shared eventfds). */
static void
bench_pp_parent_ends(struct bench_pp *pp)
{
	int i;

	for (i = 2; i < 4; i++)
		if (pp->fd[i] != pp->fd[0] && pp->fd[i] != pp->fd[1])
			bench_close(&pp->fd[i]);
}

static void
bench_pp_teardown(struct bench_pp *pp)
{
	int i, j;

	for (i = 0; i < 4; i++) {
		if (pp->fd[i] < 0)
			continue;
		for (j = i + 1; j < 4; j++)
			if (pp->fd[j] == pp->fd[i])
				pp->fd[j] = -1;
		bench_close(&pp->fd[i]);
	}
	if (pp->page != NULL)
		munmap(pp->page, 4096);
	pp->page = NULL;
}

/*
 * One repetition of a comparator: a fresh child, an untimed warm-up, then
 * iters timed round trips.  *ns gets ns per round trip.
 */
static int
bench_pp_once(const struct bench_pp_ops *ops, uint64_t iters, double *ns)
{
	struct bench_pp pp;
	struct bench_child c;
	uint64_t warm = bench_warm(iters);
	int64_t t0 = 0, t1 = 0;
	int rc, rc2;

	memset(&pp, 0, sizeof(pp));
	pp.name = ops->name;
	pp.fd[0] = pp.fd[1] = pp.fd[2] = pp.fd[3] = -1;
	pp.total = warm + iters;
	if ((rc = ops->setup(&pp)) < 0) {
		bench_err(ops->name, "setup", rc);
		return rc;
	}
	if ((rc = bench_spawn(&c, ops->name, ops->child, &pp, ops->abort,
		 &pp)) < 0) {
		bench_pp_teardown(&pp);
		return rc;
	}
	bench_pp_parent_ends(&pp);
	if ((rc = ops->run(&pp, warm)) >= 0) {
		t0 = bench_now();
		rc = ops->run(&pp, iters);
		t1 = bench_now();
	}
	if (rc < 0)
		bench_err(ops->name, "round trip", rc);
	rc2 = bench_reap(&c, rc < 0, NULL);
	bench_pp_teardown(&pp);
	if (rc < 0 || rc2 < 0)
		return rc < 0 ? rc : rc2;
	*ns = (double)(t1 - t0) / (double)iters;
	return 0;
}

/* --- io_uring NOP comparators (one process) --------------------------- */

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

/*
 * One repetition of an io_uring test on a fresh ring: *v gets ns per NOP
 * round trip (batch 0) or NOPs per second.  -ENOTSUP: io_uring is not
 * available here (said once on stderr), which is not a failure.
 */
static int
bench_uring_once(const char *name, unsigned batch, uint64_t ops, double *v)
{
	struct io_uring u;
	uint64_t seq = 0, bad = 0;
	int64_t t0 = 0, dt = 0;
	int rc;

	if ((rc = io_uring_queue_init(BENCH_WINDOW, &u, 0)) < 0) {
		if (rc == -ENOSYS || rc == -EPERM) {
			fprintf(stderr,
			    BENCH_NAME ": '%s': io_uring unavailable: "
				       "%s\n",
			    name, strerror(-rc));
			return -ENOTSUP;
		}
		bench_err(name, "io_uring_queue_init", rc);
		return rc;
	}
	if ((rc = bench_uring_run(&u, batch, bench_warm(ops), &seq, &bad)) >=
	    0) {
		t0 = bench_now();
		rc = bench_uring_run(&u, batch, ops, &seq, &bad);
		dt = bench_now() - t0;
	}
	io_uring_queue_exit(&u);
	if (rc < 0) {
		bench_err(name, "io_uring", rc);
		return rc;
	}
	if (bad != 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': %" PRIu64 " completions did "
			       "not match their submissions\n",
		    name, bad);
		return -EBADMSG;
	}
	*v = batch == 0 ? (double)dt / (double)ops
			: (double)ops * 1e9 / (double)dt;
	return 0;
}

/* --- ring tests ------------------------------------------------------- */

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

static int64_t
bench_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* Push all n completions, waiting for room as the mode says. */
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

/* n round trips, one entry in flight; counts mismatched completions. */
static int
bench_ring_rtt_run(struct bench_ring *br, uint64_t n, uint64_t *seq,
    uint64_t *bad)
{
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	uint64_t i;
	int rc;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RING_OP_NOOP;
	for (i = 0; i < n; i++) {
		sqe.user_data = (*seq)++;
		while ((rc = ring_sq_push(br->r, &sqe)) == -EAGAIN)
			if ((rc = bench_ring_stall(br->r, br->mode,
				 RING_EV_OUT)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		while ((rc = ring_cq_pop(br->r, &cqe)) == -EAGAIN)
			if ((rc = bench_ring_stall(br->r, br->mode,
				 RING_EV_IN)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		if (cqe.user_data != sqe.user_data || cqe.status != 0)
			(*bad)++;
	}
	return 0;
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

/*
 * One repetition of a ring test on a fresh pair and producer: *v gets ns
 * per round trip (batch 0) or ops/s (streaming with batches of batch).
 */
static int
bench_ring_once(const char *name, enum bench_mode mode, unsigned batch,
    uint64_t n, double *v)
{
	struct bench_ring br;
	struct bench_child c;
	uint64_t seq = 0, bad = 0;
	int64_t t0 = 0, dt = 0;
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
		t0 = bench_now();
		rc = run(&br, n, &seq, &bad);
		dt = bench_now() - t0;
	}
	if (rc < 0)
		bench_err(name, "consumer", rc);
	rc = bench_ring_finish(&br, &c, rc, NULL);
	if (rc == 0 && bad != 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': %" PRIu64 " completions did "
			       "not match their submissions\n",
		    name, bad);
		rc = -EBADMSG;
	}
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
static void
bench_ring_idle(const char *name, struct bench_val *out,
    struct bench_val *total)
{
	struct bench_ring br;
	struct bench_child c;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	struct rusage ru;
	struct timespec ts;
	int rc;

	bench_progress(name);
	memset(out, 0, sizeof(*out));
	memset(total, 0, sizeof(*total));
	memset(&br, 0, sizeof(br));
	memset(&ru, 0, sizeof(ru));
	br.name = name;
	br.mode = BENCH_ADAPTIVE;
	br.batch = 1;
	br.idle = true;
	if ((rc = bench_ring_start(&br, &c)) < 0) {
		out->rc = total->rc = rc;
		return;
	}
	ts.tv_sec = bench_cfg.idle_ns / 1000000000;
	ts.tv_nsec = bench_cfg.idle_ns % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RING_OP_NOOP;
	sqe.user_data = 0x1d1e;
	if ((rc = ring_sq_push(br.r, &sqe)) < 0)
		goto done;
	while ((rc = ring_cq_pop(br.r, &cqe)) == -EAGAIN)
		if ((rc = ring_wait(br.r, RING_EV_IN, -1)) < 0)
			break;
	if (rc == 0 && (cqe.user_data != sqe.user_data || cqe.status != 0)) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': 1 completion did not match "
			       "its submission\n",
		    name);
		rc = -EBADMSG;
	}
done:
	if (rc < 0 && rc != -EBADMSG)
		bench_err(name, "consumer", rc);
	rc = bench_ring_finish(&br, &c, rc, &ru);
	out->rc = total->rc = rc;
	if (rc < 0)
		return;
	out->v = (double)cqe.extra;
	total->v = ((double)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	    ((double)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* Idle comparator: a child blocked in a plain FUTEX_WAIT on a shared word. */
static int
bench_fidle_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);
	_Atomic uint64_t *cpu = (_Atomic uint64_t *)(pp->page + 64);
	int64_t c0 = bench_cpu_ns();

	while (atomic_load(w) == 0)
		bench_futex(w, FUTEX_WAIT, 0);
	atomic_store(cpu, (uint64_t)(bench_cpu_ns() - c0));
	return 0;
}

static void
bench_fidle_abort(void *arg)
{
	struct bench_pp *pp = arg;

	atomic_store(bench_fword(pp), 1);
	bench_futex(bench_fword(pp), FUTEX_WAKE, INT_MAX);
}

/*
 * What blocking costs without libring: the same shape as bench_ring_idle()
 * with a bare futex, so the table shows which part of the idle CPU time is
 * the process's own wakeup and exit.
 */
static void
bench_futex_idle(const char *name, struct bench_val *out,
    struct bench_val *total)
{
	struct bench_pp pp;
	struct bench_child c;
	struct rusage ru;
	struct timespec ts;
	int rc;

	bench_progress(name);
	memset(out, 0, sizeof(*out));
	memset(total, 0, sizeof(*total));
	memset(&pp, 0, sizeof(pp));
	memset(&ru, 0, sizeof(ru));
	pp.name = name;
	pp.fd[0] = pp.fd[1] = pp.fd[2] = pp.fd[3] = -1;
	if ((rc = bench_pp_page(&pp)) < 0) {
		bench_err(name, "mmap", rc);
		out->rc = total->rc = rc;
		return;
	}
	if ((rc = bench_spawn(&c, name, bench_fidle_child, &pp,
		 bench_fidle_abort, &pp)) < 0) {
		bench_pp_teardown(&pp);
		out->rc = total->rc = rc;
		return;
	}
	ts.tv_sec = bench_cfg.idle_ns / 1000000000;
	ts.tv_nsec = bench_cfg.idle_ns % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	bench_fidle_abort(&pp); /* the normal wakeup, too */
	rc = bench_reap(&c, false, &ru);
	out->rc = total->rc = rc;
	if (rc == 0) {
		out->v = (double)atomic_load(
		    (_Atomic uint64_t *)(pp.page + 64));
		total->v = ((double)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			1e9 +
		    ((double)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	}
	bench_pp_teardown(&pp);
}

/* --- report ----------------------------------------------------------- */

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
	double ratio;	/* ring / comparator, see bench_row_pair() */
};

static bool
bench_val_ok(const struct bench_val *v)
{
	return v->rc == 0 && !v->na;
}

static void
bench_fmt_val(char *buf, size_t len, const struct bench_val *v,
    enum bench_unit unit)
{
	if (v->na)
		snprintf(buf, len, "n/a");
	else if (v->rc < 0)
		snprintf(buf, len, "FAILED");
	else if (unit == BENCH_NS)
		snprintf(buf, len, "%.3f us", v->v / 1e3);
	else if (unit == BENCH_OPS)
		snprintf(buf, len, "%.2f Mops/s", v->v / 1e6);
	else if (unit == BENCH_KOPS)
		snprintf(buf, len, "%.1f k/s", v->v / 1e3);
	else if (unit == BENCH_MIBS)
		snprintf(buf, len, "%.1f MiB/s", v->v);
	else
		snprintf(buf, len, "%.3f ms", v->v / 1e6);
}

/* 1 met, 0 missed, -1 no target or nothing to judge. */
static int
bench_row_met(const struct bench_row *row)
{
	double x;

	if (row->goal == BENCH_NONE || !row->has_ratio)
		return -1;
	x = row->ratio;
	return row->goal == BENCH_AT_MOST ? x <= row->target : x >= row->target;
}

static void
bench_fmt_ratio(char *buf, size_t len, const struct bench_row *row)
{
	if (!row->has_ratio)
		snprintf(buf, len, "-");
	else if (row->pct)
		snprintf(buf, len, "%.4f%%", 100 * row->ratio);
	else
		snprintf(buf, len, "%.2fx", row->ratio);
}

static void
bench_fmt_target(char *buf, size_t len, const struct bench_row *row)
{
	const char *op = row->goal == BENCH_AT_MOST ? "<=" : ">=";

	if (row->goal == BENCH_NONE)
		snprintf(buf, len, "-");
	else if (row->pct)
		snprintf(buf, len, "~0 (%s %.1f%%)", op, 100 * row->target);
	else
		snprintf(buf, len, "%s %.2fx", op, row->target);
}

static void
bench_print_table(const struct bench_row *rows, size_t n)
{
	char rv[32], cv[32], ra[32], tg[32];
	const char *met;
	size_t i;

	printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s\n", "test", "ring",
	    "comparator", "value", "ratio", "target");
	printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s\n", "--------------------",
	    "-------------", "------------------------", "-------------",
	    "---------", "---------------------");
	for (i = 0; i < n; i++) {
		const struct bench_row *row = &rows[i];

		if (row->test != NULL)
			bench_fmt_val(rv, sizeof(rv), row->ring, row->unit);
		else
			rv[0] = '\0';
		bench_fmt_val(cv, sizeof(cv), row->cval, row->unit);
		bench_fmt_ratio(ra, sizeof(ra), row);
		bench_fmt_target(tg, sizeof(tg), row);
		switch (bench_row_met(row)) {
		case 1:
			met = "  met";
			break;
		case 0:
			met = "  missed";
			break;
		default:
			met = "";
			break;
		}
		printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s%s\n",
		    row->test != NULL ? row->test : "", rv, row->comp, cv, ra,
		    tg, met);
	}
}

static void
bench_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
bench_json_num(const struct bench_val *v, double scale)
{
	if (bench_val_ok(v))
		printf("%.6g", v->v / scale);
	else
		printf("null");
}

static const char *
bench_unit_key(enum bench_unit u)
{
	return u == BENCH_NS  ? "rtt_us"
	    : u == BENCH_OPS  ? "mops_per_s"
	    : u == BENCH_KOPS ? "kops_per_s"
	    : u == BENCH_MIBS ? "mib_per_s"
			      : "cpu_ms";
}

static double
bench_unit_scale(enum bench_unit u)
{
	/* ns -> us, ops -> Mops or kops, ns -> ms; MiB/s as they are */
	return u == BENCH_MIBS		       ? 1
	    : u == BENCH_NS || u == BENCH_KOPS ? 1e3
					       : 1e6;
}

static void
bench_print_json(const struct bench_row *rows, size_t n, const char *cpu,
    const char *date, int failed)
{
	const char *test = "";
	size_t i;
	int met;

	printf("{\"cpu_model\":");
	bench_json_str(cpu);
	printf(",\"date\":");
	bench_json_str(date);
	printf(",\"libring_version\":");
	bench_json_str(ring_version());
	printf(",\"cpus\":[%d,%d],\"iterations\":%" PRIu64
	       ",\"repetitions\":%u,"
	       "\"smoke\":%s,\"results\":[",
	    bench_cfg.cpu[0], bench_cfg.cpu[1], bench_cfg.iters, bench_cfg.reps,
	    bench_cfg.smoke ? "true" : "false");
	for (i = 0; i < n; i++) {
		const struct bench_row *row = &rows[i];
		double sc = bench_unit_scale(row->unit);

		if (row->test != NULL)
			test = row->test;
		printf("%s{\"test\":", i ? "," : "");
		bench_json_str(test);
		printf(",\"unit\":\"%s\",\"ring\":", bench_unit_key(row->unit));
		bench_json_num(row->ring, sc);
		printf(",\"comparator\":");
		bench_json_str(row->comp);
		printf(",\"comparator_value\":");
		bench_json_num(row->cval, sc);
		printf(",\"ratio\":");
		if (row->has_ratio)
			printf("%.6g", row->ratio);
		else
			printf("null");
		printf(",\"target_ratio\":");
		if (row->goal != BENCH_NONE)
			printf("%.6g", row->target);
		else
			printf("null");
		printf(",\"target\":\"%s\",\"met\":",
		    row->goal == BENCH_AT_MOST	      ? "at_most"
			: row->goal == BENCH_AT_LEAST ? "at_least"
						      : "none");
		met = bench_row_met(row);
		printf("%s}", met < 0 ? "null" : met ? "true" : "false");
	}
	printf("],\"failed\":%d}\n", failed);
}

/* CPU model from /proc/cpuinfo, or the machine name. */
static void
bench_cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "Model", "cpu model",
		"Hardware" };
	char line[512], *p, *v;
	FILE *f;
	size_t i, k;
	struct utsname u;

	buf[0] = '\0';
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (buf[0] == '\0' && fgets(line, sizeof(line), f) != NULL) {
			if ((p = strchr(line, ':')) == NULL)
				continue;
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				k = strlen(keys[i]);
				if (strncmp(line, keys[i], k) != 0 ||
				    strspn(line + k, " \t") !=
					(size_t)(p - line - k))
					continue;
				v = p + 1 + strspn(p + 1, " \t");
				v[strcspn(v, "\n")] = '\0';
				snprintf(buf, len, "%s", v);
				break;
			}
		}
		fclose(f);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "%s",
		    uname(&u) == 0 ? u.machine : "unknown");
}

/* --- main ------------------------------------------------------------- */

static void
bench_usage(FILE *f)
{
	fprintf(f,
	    "usage: " BENCH_NAME " [-hjv] [--smoke] [-n iterations] "
	    "[-r repetitions]\n"
	    "       [--rings N]\n"
	    "  -n, --iterations N   base round trips per repetition (default "
	    "%u;\n"
	    "                       sleep/wake tests use N/10, streams 10*N "
	    "ops)\n"
	    "  -r, --repetitions N  interleaved rounds, median shown "
	    "(default %u)\n"
	    "      --rings N        rings of the ringd CPU and listing tests "
	    "(default %u)\n"
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

static int
bench_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
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
	T_COUNT
};

enum bench_kind {
	BENCH_K_PP,    /* ping-pong comparator: pp indexes bench_pp_table */
	BENCH_K_URING, /* io_uring NOPs, one process */
	BENCH_K_RING,  /* libring consumer and producer */
	BENCH_K_RINGD, /* a ring ringd brokered: to a scheme process or echo */
	BENCH_K_OPEN,  /* ring lifetimes: plain pairs or through ringd */
	BENCH_K_PHYS,  /* physalloc3 through ringd: pp is an enum bench_phys */
	BENCH_K_BLK,   /* block I/O: pp is a BENCH_BLK() */
};

enum bench_count {
	BENCH_C_RTT,	/* -n round trips */
	BENCH_C_SLOW,	/* -n / 10 round trips: each sleeps */
	BENCH_C_STREAM, /* -n * 10 entries */
	BENCH_C_OPEN,	/* -n / 100 ring lifetimes */
	BENCH_C_ONE,	/* one operation per round */
	BENCH_C_IO,	/* -n / 2 transfers of 4 KiB, -n / 20 of 128 KiB */
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
	[T_U1] = { "io_uring NOP batch 1", BENCH_K_URING, 0, 0, 1,
	    BENCH_C_STREAM, false },
	[T_S1] = { "stream batch 1", BENCH_K_RING, 0, BENCH_ADAPTIVE, 1,
	    BENCH_C_STREAM, false },
	[T_U8] = { "io_uring NOP batch 8", BENCH_K_URING, 0, 0, 8,
	    BENCH_C_STREAM, false },
	[T_S8] = { "stream batch 8", BENCH_K_RING, 0, BENCH_ADAPTIVE, 8,
	    BENCH_C_STREAM, false },
	[T_U32] = { "io_uring NOP batch 32", BENCH_K_URING, 0, 0, 32,
	    BENCH_C_STREAM, false },
	[T_S32] = { "stream batch 32", BENCH_K_RING, 0, BENCH_ADAPTIVE, 32,
	    BENCH_C_STREAM, false },
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
	[T_BR4] = { "blkdev read 4 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_RING, BENCH_BLK_READ, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_DR4] = { "pread 4 KiB, 32 thr", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_DIRECT, BENCH_BLK_READ, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_UR4] = { "io_uring read 4 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_URING, BENCH_BLK_READ, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_BW4] = { "blkdev write 4 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_RING, BENCH_BLK_WRITE, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_DW4] = { "pwrite 4 KiB, 32 thr", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_DIRECT, BENCH_BLK_WRITE, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_UW4] = { "io_uring write 4 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_URING, BENCH_BLK_WRITE, 0), 0, 0, BENCH_C_IO,
	    false },
	[T_BR128] = { "blkdev read 128 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_RING, BENCH_BLK_READ, 1), 0, 0, BENCH_C_IO,
	    false },
	[T_DR128] = { "pread 128 KiB, 32 thr", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_DIRECT, BENCH_BLK_READ, 1), 0, 0, BENCH_C_IO,
	    false },
	[T_UR128] = { "io_uring read 128 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_URING, BENCH_BLK_READ, 1), 0, 0, BENCH_C_IO,
	    false },
	[T_BW128] = { "blkdev write 128 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_RING, BENCH_BLK_WRITE, 1), 0, 0, BENCH_C_IO,
	    false },
	[T_DW128] = { "pwrite 128 KiB, 32 thr", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_DIRECT, BENCH_BLK_WRITE, 1), 0, 0, BENCH_C_IO,
	    false },
	[T_UW128] = { "io_uring write 128 KiB", BENCH_K_BLK,
	    BENCH_BLK(BENCH_BLK_URING, BENCH_BLK_WRITE, 1), 0, 0, BENCH_C_IO,
	    false },
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
	default:
		return bench_cfg.iters;
	}
}

static int
bench_test_once(const struct bench_test *t, double *v)
{
	uint64_t n = bench_test_count(t);

	switch (t->kind) {
	case BENCH_K_PP:
		return bench_pp_once(&bench_pp_table[t->pp], n, v);
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
	default:
		return bench_ring_once(t->name, t->mode, t->batch, n, v);
	}
}

static void
bench_verbose(unsigned round, const struct bench_test *t, double v)
{
	bench_progress(NULL);
	if (t->count == BENCH_C_OPEN || t->count == BENCH_C_IO)
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
	struct bench_many dm;
	char watch_name[64];
	struct bench_row rows[64];
	struct bench_val mib[T_COUNT];
	char cpu[256], date[64], idle_name[32], many_name[32], traffic_name[32];
	unsigned many;
	int64_t many_ns;
	struct utsname u;
	struct tm tm;
	time_t now;
	size_t n = 0, i;
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
	bench_cpu_model(cpu, sizeof(cpu));
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (!bench_cfg.json) {
		if (uname(&u) < 0)
			memset(&u, 0, sizeof(u));
		printf(BENCH_NAME ": libring %s against its comparators%s\n",
		    ring_version(),
		    bench_cfg.smoke
			? " (smoke run: checks that it runs; figures are noise)"
			: "");
		printf("date:   %s\n", date);
		printf("cpu:    %s, %d cpus usable\n", cpu, bench_cfg.ncpu);
		if (bench_cfg.cpu[0] >= 0) {
			int smt = bench_smt_siblings(bench_cfg.cpu[0],
			    bench_cfg.cpu[1]);

			printf("pinned: parent/consumer on cpu %d, "
			       "child/producer "
			       "on cpu %d (%s)\n",
			    bench_cfg.cpu[0], bench_cfg.cpu[1],
			    smt == 1	   ? "SMT siblings"
				: smt == 0 ? "separate cores"
					   : "topology unknown");
		} else
			printf("pinned: no (one cpu: both sides share it)\n");
		printf("kernel: %s %s %s\n", u.sysname, u.release, u.machine);
		printf("ratio:  ring / comparator, median of the per-round "
		       "ratios\n");
		printf("runs:   median of %u interleaved rounds; per round "
		       "%" PRIu64 " round trips (busy/adaptive),\n"
		       "        %" PRIu64 " (sleep/wake, ringd echo), %" PRIu64
		       " entries (streams, %u in flight),\n"
		       "        %" PRIu64 " ring lifetimes (open+close)\n"
		       "ringd:  a private ringd started by the bench; the "
		       "scheme "
		       "process runs where\n"
		       "        the producer does, ringd on any cpu; ringd CPU "
		       "from /proc/PID/schedstat\n"
		       "        (or utime+stime, %ld ms ticks) over %.1f s of "
		       "traffic on %u rings,\n"
		       "        then as long again listing them at 10 Hz "
		       "(ringtop -d 0.1)\n\n",
		    bench_cfg.reps, bench_cfg.iters, bench_cfg.iters / 10,
		    bench_cfg.iters * 10, BENCH_WINDOW,
		    bench_test_count(&bench_tests[T_DOPEN]),
		    sysconf(_SC_CLK_TCK) > 0 ? 1000 / sysconf(_SC_CLK_TCK) : 0,
		    (double)many_ns / 1e9, many);
		fflush(stdout);
	}

	bench_run_all(v);
	snprintf(idle_name, sizeof(idle_name), "idle CPU (%.1f s)",
	    (double)bench_cfg.idle_ns / 1e9);
	bench_ring_idle(idle_name, &idle, &idle_total);
	bench_futex_idle("futex idle", &fidle, &fidle_total);
	snprintf(many_name, sizeof(many_name), "ringd CPU %u rings", many);
	snprintf(traffic_name, sizeof(traffic_name), "%u-ring traffic", many);
	snprintf(watch_name, sizeof(watch_name), "ringd CPU, 10 Hz list");
	bench_ringd_many(many_name, many, many_ns, &dm);
	bench_progress(NULL);
	if (bench_blkdev_stop() < 0)
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
	    1.4);
	BENCH_PAIR("adaptive RTT", T_ADAPT, T_LINE, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_ADAPT, T_URTT, BENCH_NS, BENCH_NONE, 0);
	/* Through ringd: the same data path, set up by the broker. */
	BENCH_PAIR("ringd scheme busy", T_DBUSY, T_LINE, BENCH_NS, BENCH_NONE,
	    0);
	BENCH_PAIR(NULL, T_DBUSY, T_BUSY, BENCH_NS, BENCH_AT_MOST, 1.1);
	BENCH_PAIR("ringd scheme adapt.", T_DADAPT, T_LINE, BENCH_NS,
	    BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_DADAPT, T_ADAPT, BENCH_NS, BENCH_AT_MOST, 1.1);
	/* ringd answers built-ins from its event loop, via the doorbells. */
	BENCH_PAIR("ringd echo adaptive", T_DECHO, T_ADAPT, BENCH_NS,
	    BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_DECHO, T_SLEEP, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR("sleep/wake RTT", T_SLEEP, T_FUTEX, BENCH_NS, BENCH_AT_MOST,
	    1.05);
	BENCH_PAIR(NULL, T_SLEEP, T_EFD, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_SLEEP, T_PIPE, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR(NULL, T_SLEEP, T_UNIX, BENCH_NS, BENCH_NONE, 0);
	BENCH_PAIR("stream batch 1", T_S1, T_U1, BENCH_OPS, BENCH_NONE, 0);
	BENCH_PAIR("stream batch 8", T_S8, T_U8, BENCH_OPS, BENCH_NONE, 0);
	BENCH_PAIR("stream batch 32", T_S32, T_U32, BENCH_OPS, BENCH_AT_LEAST,
	    2.0);
	BENCH_PAIR("ringd open+close", T_DOPEN, T_POPEN, BENCH_KOPS, BENCH_NONE,
	    0);
	/* physalloc3: one control round trip each way, and SG assembly */
	BENCH_PAIR("physalloc3 4 KiB", T_P4K, T_CTL, BENCH_KOPS, BENCH_NONE, 0);
	BENCH_PAIR("physalloc3 1 MiB", T_P1M, T_CTL, BENCH_KOPS, BENCH_NONE, 0);
	BENCH_PAIR("SG 64 MiB fragmented", T_PSG, T_PONE, BENCH_NS, BENCH_NONE,
	    0);
	/* Block I/O: the same transfers, 32 in flight on every path, through
	 * the blkdev scheme, by 32 threads directly and through io_uring;
	 * IOPS per pair, then the data rates. */
	for (i = T_BR4; i < T_COUNT; i++) {
		mib[i] = v[i];
		mib[i].v = v[i].v *
		    (double)bench_blkdev_bytes(bench_tests[i].pp) / 1048576.0;
	}
	for (i = T_BR4; i + 2 < T_COUNT; i += 3) {
		BENCH_PAIR(bench_tests[i].name, i, i + 1, BENCH_KOPS,
		    BENCH_NONE, 0);
		BENCH_PAIR(NULL, i, i + 2, BENCH_KOPS, BENCH_NONE, 0);
		BENCH_ROW("  data rate", -1, &mib[i], bench_tests[i + 1].name,
		    -1, &mib[i + 1], BENCH_MIBS, BENCH_NONE, 0, false);
		BENCH_ROW(NULL, -1, &mib[i], bench_tests[i + 2].name, -1,
		    &mib[i + 2], BENCH_MIBS, BENCH_NONE, 0, false);
	}
	/* ringd is not on the data path of rings between two processes. */
	BENCH_ROW(many_name, -1, &dm.cpu, "wall time of traffic", -1, &dm.wall,
	    BENCH_CPU, BENCH_AT_MOST, 0.01, true);
	BENCH_ROW(traffic_name, -1, &dm.ops, bench_tests[T_S1].name, -1,
	    &v[T_S1], BENCH_OPS, BENCH_NONE, 0, false);
	/* ringtop -d 0.1 over the same rings: what watching costs ringd */
	BENCH_ROW(watch_name, -1, &dm.wcpu, "wall time of traffic", -1,
	    &dm.wwall, BENCH_CPU, BENCH_AT_MOST,
	    0.05 * many / BENCH_WATCH_RINGS, true);
	BENCH_ROW(NULL, -1, &dm.wops, "traffic unwatched", -1, &dm.ops,
	    BENCH_OPS, BENCH_NONE, 0, false);
	BENCH_ROW("list, per ring", -1, &dm.snap, "5% of a core/100k", -1,
	    &dm.budget, BENCH_NS, BENCH_AT_MOST, 1.0, false);
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

	if (bench_cfg.json) {
		bench_print_json(rows, n, cpu, date, failed);
	} else {
		int met = 0, missed = 0, m;

		bench_print_table(rows, n);
		for (i = 0; i < n; i++) {
			m = bench_row_met(&rows[i]);
			met += m == 1;
			missed += m == 0;
		}
		printf("\ntargets: %d met, %d missed (informational); ", met,
		    missed);
		if (failed)
			printf("%d tests FAILED to run\n", failed);
		else
			printf("every test ran and every completion matched\n");
	}
	return failed ? 1 : 0;
}
