/*
 * harness.c - what every test of the benchmark is built on: messages and
 * progress, medians, exact reads and writes, CPU time and sleeps, CPU
 * pinning, forked children watched by a thread polling their pidfd, and
 * the helper programs (ringd, the blkdev examples) the bench runs.
 *
 * Depends on libc, libcommon (clock_ns()) and bench.h only; the
 * comparators, the ring tests, the ringd and blkdev tests and main.c
 * depend on it, never the other way round.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"

#include "bench.h"

struct bench_config bench_cfg;

/* --- small helpers ---------------------------------------------------- */

void
bench_err(const char *test, const char *what, int err)
{
	fprintf(stderr, BENCH_NAME ": '%s': %s: %s\n", test, what,
	    strerror(err < 0 ? -err : err));
}

int
bench_mismatch(const char *test, uint64_t bad)
{
	if (bad == 0)
		return 0;
	if (bad == 1)
		fprintf(stderr,
		    BENCH_NAME ": '%s': 1 completion did not match its "
			       "submission\n",
		    test);
	else
		fprintf(stderr,
		    BENCH_NAME ": '%s': %" PRIu64 " completions did not "
			       "match their submissions\n",
		    test, bad);
	return -EBADMSG;
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
double
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

long
bench_futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	/* The word is in a MAP_SHARED mapping: no FUTEX_PRIVATE_FLAG. */
	return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

void
bench_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int64_t
bench_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* Sleep for ns, whatever signals arrive. */
static void
bench_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* --- the idle tests' frame -------------------------------------------- */

void
bench_idle_begin(const char *name, struct bench_val *out,
    struct bench_val *total, struct rusage *ru)
{
	bench_progress(name);
	memset(out, 0, sizeof(*out));
	memset(total, 0, sizeof(*total));
	memset(ru, 0, sizeof(*ru));
}

void
bench_idle_wait(void)
{
	bench_sleep_ns(bench_cfg.idle_ns);
}

void
bench_idle_end(struct bench_val *out, struct bench_val *total, int rc,
    double blocked_ns, const struct rusage *ru)
{
	out->rc = total->rc = rc;
	if (rc < 0)
		return;
	out->v = blocked_ns;
	total->v = ((double)ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e9 +
	    ((double)ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1e3;
}

/* --- CPUs ------------------------------------------------------------- */

/* Pick the first two CPUs we may run on: parent on one, child on the other. */
void
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

int
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
int
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

/* --- helper programs -------------------------------------------------- */

int
bench_tmpdir(char *buf, size_t len, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	/* a long TMPDIR would not fit sun_path */
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	if ((size_t)snprintf(buf, len, "%s/%s.XXXXXX", tmp, prefix) >= len) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (mkdtemp(buf) == NULL) {
		rc = -errno;
		buf[0] = '\0';
		return rc;
	}
	return 0;
}

pid_t
bench_exec(const char *path, char *const argv[], int out, int cpu)
{
	pid_t parent = getpid(), pid;
	int fd;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid < 0 ? -errno : pid;
	/* it dies with the bench (SIGTERM: ringd cleans up) */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(126);
	(void)bench_pin(cpu);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, 0);
		if (out == BENCH_OUT_QUIET) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	if (out >= 0)
		dup2(out, 1);
	execv(path, argv);
	fprintf(stderr, BENCH_NAME ": cannot run '%s': %s\n", path,
	    strerror(errno));
	_exit(127);
}

/* "status 3" or "signal 9", as "%s %d" takes it. */
#define BENCH_WAIT_HOW(st) (WIFEXITED(st) ? "status" : "signal")
#define BENCH_WAIT_NUM(st) (WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st))

int
bench_await(pid_t pid, const char *what, int ms, int (*ready)(void *),
    void *arg)
{
	uint64_t deadline = clock_ns() + (uint64_t)ms * 1000000;
	int status, rc;

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr,
			    BENCH_NAME ": %s ended at start (%s %d)\n", what,
			    BENCH_WAIT_HOW(status), BENCH_WAIT_NUM(status));
			return -ECHILD;
		}
		if ((rc = ready(arg)) == 0)
			return 0;
		if (clock_ns() > deadline)
			return rc;
		bench_sleep_ns(5000000);
	}
}

int
bench_stop(pid_t pid, const char *what, int ms)
{
	uint64_t deadline = clock_ns() + (uint64_t)ms * 1000000;
	int status = 0;
	pid_t w;

	kill(pid, SIGTERM); /* not reaped yet: the pid is ours */
	while (
	    (w = waitpid(pid, &status, WNOHANG)) == 0 && clock_ns() < deadline)
		bench_sleep_ns(5000000);
	if (w == 0) {
		fprintf(stderr,
		    BENCH_NAME ": %s did not exit within %d ms of SIGTERM; "
			       "killed\n",
		    what, ms);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return -ETIMEDOUT;
	}
	if (w < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr,
		    BENCH_NAME ": %s ended with %s %d after SIGTERM\n", what,
		    BENCH_WAIT_HOW(status), BENCH_WAIT_NUM(status));
		return -ECHILD;
	}
	return 0;
}

/*
 * Stop *pid, if set, as bench_stop() does, and forget it; only in owner,
 * the process that started it (a forked benchmark child leaves it be).
 */
int
bench_stop_child(pid_t *pid, pid_t owner, const char *what, int ms)
{
	int rc = 0;

	if (*pid > 0 && getpid() == owner) {
		rc = bench_stop(*pid, what, ms);
		*pid = 0;
	}
	return rc;
}
