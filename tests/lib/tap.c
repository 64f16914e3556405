/*
 * tap.c - the test harness: sub-tests in forked processes, a watchdog per
 * sub-test, failure reports carried to the printing process by a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../common/common.h"
#include "tap.h"

#define TAP_MAXKIDS 64
#define TAP_MSGMAX 1024

static struct tap_where tap_where_local;
struct tap_where *tap_where = &tap_where_local;

/* The printing (main) process. */
static char **tap_filters;
static int tap_nfilters;
static unsigned tap_passed, tap_failed, tap_skipped;
static double tap_scale_v = 1.0;
static volatile sig_atomic_t tap_backstop_fired;

/* A sub-test process and its helpers. */
static int tap_msg_fd = -1; /* write end of the report pipe */
static bool tap_in_helper;
static pid_t tap_kids[TAP_MAXKIDS];
static volatile sig_atomic_t tap_nkids;
static unsigned tap_timeout_s;

/* "-ENOENT" for -ENOENT (common's errname()); other values as numbers. */
const char *
tap_rcname(long rc)
{
	static char bufs[4][48];
	static unsigned next;
	char *b = bufs[next++ % 4];
	const char *name = NULL;

	if (rc < 0 && rc > INT_MIN)
		name = errname((int)-rc);
	if (name != NULL)
		snprintf(b, sizeof(bufs[0]), "-%s", name);
	else
		snprintf(b, sizeof(bufs[0]), "%ld", rc);
	return b;
}

double
tap_scale(void)
{
	return tap_scale_v;
}

uint64_t
tap_scaled(uint64_t n, uint64_t min)
{
	double v = (double)n * tap_scale_v;

	return v < (double)min ? min : (uint64_t)v;
}

void
tap_init(int argc, char **argv)
{
	const char *s = getenv("RING_TEST_SCALE");
	char *end;
	double v;

	void *m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	m = mmap(NULL, sizeof(*tap_where), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED)
		tap_where = m;
	if (s != NULL && *s != '\0') {
		errno = 0;
		v = strtod(s, &end);
		if (errno != 0 || *end != '\0' || !(v > 0) || v > 1000)
			tap_diag("ignoring RING_TEST_SCALE '%s': not a number "
				 "in (0, 1000]",
			    s);
		else
			tap_scale_v = v;
	}
	/* Arguments, if any, select sub-tests by substring. */
	tap_filters = argv + 1;
	tap_nfilters = argc > 1 ? argc - 1 : 0;
}

static bool
tap_selected(const char *name)
{
	int i;

	if (tap_nfilters == 0)
		return true;
	for (i = 0; i < tap_nfilters; i++)
		if (strstr(name, tap_filters[i]) != NULL)
			return true;
	return false;
}

void
tap_diag(const char *fmt, ...)
{
	char buf[TAP_MSGMAX];
	va_list ap;
	int n;

	buf[0] = '#';
	buf[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 2;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write, so lines of several processes do not interleave. */
	(void)!write(STDOUT_FILENO, buf, (size_t)n);
}

/* Forget a helper that was reaped. */
static void
tap_forget(pid_t pid)
{
	int i;

	for (i = 0; i < tap_nkids; i++) {
		if (tap_kids[i] == pid) {
			tap_kids[i] = tap_kids[tap_nkids - 1];
			tap_nkids--;
			return;
		}
	}
}

/* Kill and reap every helper still running; async-signal-safe. */
static void
tap_kill_all(void)
{
	int i;

	for (i = 0; i < tap_nkids; i++)
		kill(tap_kids[i], SIGKILL);
	for (i = 0; i < tap_nkids; i++)
		while (waitpid(tap_kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	tap_nkids = 0;
}

static void
tap_report(const char *msg, size_t len)
{
	if (tap_msg_fd >= 0)
		(void)!write(tap_msg_fd, msg, len);
	else
		(void)!write(STDERR_FILENO, msg, len);
}

void
tap_fail_at(const char *file, int line, const char *fmt, ...)
{
	char buf[TAP_MSGMAX];
	va_list ap;
	size_t n = 0;
	int k;

	if (tap_in_helper) {
		k = snprintf(buf, sizeof(buf), "helper %d: ", (int)getpid());
		n = k > 0 ? (size_t)k : 0;
	}
	va_start(ap, fmt);
	k = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k;
	if (n > sizeof(buf) - 80)
		n = sizeof(buf) - 80;
	k = snprintf(buf + n, sizeof(buf) - n, " (%s:%d)\n", file, line);
	if (k > 0)
		n += (size_t)k;
	if (n > sizeof(buf))
		n = sizeof(buf);
	/* A report is one line: no newline may hide in the message. */
	for (k = 0; k < (int)n - 1; k++)
		if (buf[k] == '\n')
			buf[k] = ' ';
	tap_report(buf, n);
	if (!tap_in_helper)
		tap_kill_all();
	_exit(1);
}

/* Append decimal v to buf at *n; async-signal-safe. */
static void
tap_put_uint(char *buf, size_t size, size_t *n, unsigned long v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (i > 0 && *n < size)
		buf[(*n)++] = tmp[--i];
}

static void
tap_put_str(char *buf, size_t size, size_t *n, const char *s)
{
	while (*s != '\0' && *n < size)
		buf[(*n)++] = *s++;
}

/* The sub-test's watchdog: report where it was, end it and its helpers. */
static void
tap_on_alarm(int sig)
{
	char buf[512];
	size_t n = 0;
	const char *f = tap_where->file;

	(void)sig;
	tap_put_str(buf, sizeof(buf), &n, "timed out after ");
	tap_put_uint(buf, sizeof(buf), &n, tap_timeout_s);
	tap_put_str(buf, sizeof(buf), &n, " s; last passing check (");
	tap_put_str(buf, sizeof(buf), &n, f != NULL ? f : "none");
	tap_put_str(buf, sizeof(buf), &n, ":");
	tap_put_uint(buf, sizeof(buf), &n, (unsigned long)tap_where->line);
	tap_put_str(buf, sizeof(buf) - 1, &n, ")");
	buf[n++] = '\n';
	tap_report(buf, n);
	tap_kill_all();
	_exit(3);
}

static void
tap_on_backstop(int sig)
{
	(void)sig;
	tap_backstop_fired = 1;
}

pid_t
tap_fork(void)
{
	pid_t parent = getpid(), pid;

	if (tap_nkids >= TAP_MAXKIDS)
		TAP_FAIL("more than %d helper processes", TAP_MAXKIDS);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		TAP_FAIL("fork: %s", tap_rcname(-errno));
	if (pid == 0) {
		/* Die with the sub-test, however it ends. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		tap_in_helper = true;
		tap_nkids = 0;
		signal(SIGALRM, SIG_DFL);
		return 0;
	}
	tap_kids[tap_nkids] = pid;
	tap_nkids++;
	return pid;
}

void
tap_child_exit(void)
{
	_exit(0);
}

void
tap_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	tap_forget(pid);
}

/* Judge how a reaped helper ended. */
static void
tap_judge(pid_t pid, int st, const char *file, int line)
{
	tap_forget(pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFEXITED(st))
		tap_fail_at(file, line, "helper %d exited with status %d",
		    (int)pid, WEXITSTATUS(st));
	tap_fail_at(file, line, "helper %d killed by signal %d (%s)", (int)pid,
	    WTERMSIG(st), strsignal(WTERMSIG(st)));
}

void
tap_reap_at(pid_t pid, const char *file, int line)
{
	int st;
	pid_t w;

	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		tap_fail_at(file, line, "waitpid %d: %s", (int)pid,
		    tap_rcname(-errno));
	tap_judge(pid, st, file, line);
}

bool
tap_reap_within_at(pid_t pid, unsigned ms, const char *file, int line)
{
	struct timespec nap = { 0, 2000000 };
	unsigned waited = 0;
	int st;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			tap_fail_at(file, line, "waitpid %d: %s", (int)pid,
			    tap_rcname(-errno));
		if (waited >= ms)
			return false;
		nanosleep(&nap, NULL);
		waited += 2;
	}
	tap_judge(pid, st, file, line);
	return true;
}

/* Body of the sub-test process. */
static void
tap_sub(void (*fn)(void), unsigned timeout_s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tap_on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	tap_timeout_s = timeout_s;
	tap_where->file = NULL;
	tap_where->line = 0;
	alarm(timeout_s);
	fn();
	alarm(0);
	if (tap_nkids > 0)
		TAP_FAIL("helper %d was never reaped", (int)tap_kids[0]);
	/* exit(), not _exit(): leak checkers run at exit. */
	fflush(NULL);
	exit(0);
}

/* Print the result line of one sub-test. */
static void
tap_result(const char *name, int st, bool killed, char *msgs, size_t len)
{
	char why[160];
	char *line, *nl;

	msgs[len] = '\0';
	if (!killed && WIFEXITED(st) && WEXITSTATUS(st) == 0 && len == 0) {
		printf("ok - %s\n", name);
		tap_passed++;
		return;
	}
	tap_failed++;
	if (len > 0) {
		nl = strchr(msgs, '\n');
		if (nl != NULL)
			*nl = '\0';
		printf("not ok - %s: %s\n", name, msgs);
		/* Further reports, e.g. the sub-test's after its helper's. */
		for (line = nl != NULL ? nl + 1 : msgs + len; *line != '\0';
		     line = nl + 1) {
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			printf("#   %s\n", line);
			if (nl == NULL)
				break;
		}
		return;
	}
	if (killed)
		snprintf(why, sizeof(why), "killed by the harness backstop");
	else if (WIFEXITED(st))
		snprintf(why, sizeof(why), "exited with status %d",
		    WEXITSTATUS(st));
	else
		snprintf(why, sizeof(why), "killed by signal %d (%s)",
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	if (tap_where->file != NULL)
		printf("not ok - %s: %s; last passing check (%s:%d)\n", name,
		    why, tap_where->file, tap_where->line);
	else
		printf("not ok - %s: %s (no check passed)\n", name, why);
}

void
tap_run(const char *name, void (*fn)(void), unsigned timeout_s)
{
	struct sigaction sa, old;
	char msgs[8 * TAP_MSGMAX];
	size_t len = 0;
	ssize_t k;
	bool killed = false;
	int p[2], st = 0;
	pid_t pid, w;

	if (!tap_selected(name))
		return;
	if (timeout_s == 0)
		timeout_s = TAP_TIMEOUT;
	if (pipe2(p, O_CLOEXEC) < 0) {
		printf("not ok - %s: pipe: %s (%s:%d)\n", name,
		    tap_rcname(-errno), __FILE__, __LINE__);
		tap_failed++;
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("not ok - %s: fork: %s (%s:%d)\n", name,
		    tap_rcname(-errno), __FILE__, __LINE__);
		tap_failed++;
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		tap_msg_fd = p[1];
		tap_sub(fn, timeout_s);
	}
	close(p[1]);

	/*
	 * The sub-test has its own watchdog; this backstop only catches a
	 * sub-test process that cannot even run its alarm handler.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tap_on_backstop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	tap_backstop_fired = 0;
	alarm(timeout_s + 15);
	for (;;) {
		w = waitpid(pid, &st, 0);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR && tap_backstop_fired && !killed) {
			kill(pid, SIGKILL);
			killed = true;
			continue;
		}
		if (w < 0 && errno != EINTR) {
			st = 0x7f00; /* "exited with status 127" */
			break;
		}
	}
	alarm(0);
	sigaction(SIGALRM, &old, NULL);

	/* Every writer is gone now; collect the reports without blocking. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (len < sizeof(msgs) - 1 &&
	    (k = read(p[0], msgs + len, sizeof(msgs) - 1 - len)) > 0)
		len += (size_t)k;
	close(p[0]);
	tap_result(name, st, killed, msgs, len);
	fflush(stdout);
}

static const struct tap_test *tap_tests[256];
static unsigned tap_ntests;

void
tap_register(const struct tap_test *t)
{
	if (tap_ntests == sizeof(tap_tests) / sizeof(tap_tests[0])) {
		fprintf(stderr, "tap: more than %u sub-tests\n", tap_ntests);
		abort();
	}
	tap_tests[tap_ntests++] = t;
}

static int
tap_test_cmp(const void *a, const void *b)
{
	const struct tap_test *x = *(const struct tap_test *const *)a;
	const struct tap_test *y = *(const struct tap_test *const *)b;

	return (x->line > y->line) - (x->line < y->line);
}

int
tap_main(int argc, char **argv, void (*setup)(void))
{
	unsigned i;

	tap_init(argc, argv);
	if (setup != NULL)
		setup();
	/* constructors may run in any order: run in the file's order */
	qsort(tap_tests, tap_ntests, sizeof(tap_tests[0]), tap_test_cmp);
	for (i = 0; i < tap_ntests; i++) {
		const struct tap_test *t = tap_tests[i];

		if (t->needs_root != NULL && geteuid() != 0)
			tap_skip(t->name, "%s", t->needs_root);
		else
			tap_run(t->name, t->fn, t->timeout_s);
	}
	return tap_done();
}

void
tap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!tap_selected(name))
		return;
	printf("ok - %s # SKIP ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	tap_skipped++;
	fflush(stdout);
}

int
tap_done(void)
{
	/* The plan comes last, which TAP allows: it counts what ran. */
	printf("1..%u\n", tap_passed + tap_failed + tap_skipped);
	fflush(NULL);
	return tap_failed > 0 ? 1 : 0;
}
