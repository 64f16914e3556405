/*
 * proc.c - programs of this build run as children of a sub-test.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "tap.h"
#include "testutil.h"

void
tp_spawn(struct tp_proc *p, const char *log, const char *bin,
    const char *const *argv)
{
	int fd;

	if ((size_t)snprintf(p->log, sizeof(p->log), "%s", log) >=
	    sizeof(p->log))
		TAP_FAIL("log path '%s' too long", log);
	fflush(NULL);
	TAP_SYS(p->pid = fork());
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(fd, STDIN_FILENO);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
}

void
tp_startv(struct tp_proc *p, const char *dir, const char *tag, const char *bin,
    const char *sock, va_list ap)
{
	const char *argv[40], *base = strrchr(bin, '/');
	char log[TD_PATH_MAX];
	int n = 0;

	argv[n++] = base != NULL ? base + 1 : bin;
	argv[n++] = "-S";
	argv[n++] = sock;
	while (n < 39 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/%s.log", dir, tag);
	tp_spawn(p, log, bin, argv);
}

void
tp_start_build(struct tp_proc *p, const struct td *d, const char *tag,
    const char *rel, ...)
{
	char bin[TD_PATH_MAX];
	va_list ap;

	if (build_path(NULL, rel, bin, sizeof(bin)) < 0)
		TAP_FAIL("no '%s' in this build (make examples)", rel);
	va_start(ap, rel);
	tp_startv(p, d->dir, tag, bin, d->sock, ap);
	va_end(ap);
}

const char *
tp_log(const struct tp_proc *p)
{
	static char buf[TP_LOG_MAX];

	if (td_read_file(p->log, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

void
tp_dump(const struct tp_proc *p)
{
	static char buf[TP_LOG_MAX];
	const char *name = strrchr(p->log, '/');
	char *line, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", tp_log(p));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		tap_diag("%s: %s", name != NULL ? name + 1 : p->log, line);
}

void
tp_reap(struct tp_proc *p, unsigned ms)
{
	uint64_t t0 = clock_ns();
	int st;
	pid_t w;

	while ((w = waitpid(p->pid, &st, WNOHANG)) == 0) {
		if (clock_ns() - t0 > (uint64_t)ms * 1000000) {
			tp_dump(p);
			TAP_FAIL("'%s' still running after %u ms", p->log, ms);
		}
		tu_sleep_ms(5);
	}
	if (w < 0)
		TAP_FAIL("waitpid: %s", tap_rcname(-errno));
	p->pid = 0;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
tp_expect(struct tp_proc *p, unsigned ms, int want)
{
	tp_reap(p, ms);
	if (p->status != want) {
		tp_dump(p);
		TAP_FAIL("'%s' ended with status %d, expected %d", p->log,
		    p->status, want);
	}
}

void
tp_says(const struct tp_proc *p, const char *s)
{
	if (strstr(tp_log(p), s) == NULL) {
		tp_dump(p);
		TAP_FAIL("'%s' does not say '%s'", p->log, s);
	}
}

static void
tp_pool_fork(struct tp_pool *p, unsigned slot)
{
	p->pids[slot] = tap_fork();
	if (p->pids[slot] == 0)
		p->child(slot);
}

void
tp_pool_start(struct tp_pool *p)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		tp_pool_fork(p, i);
}

void
tp_pool_kill_one(struct tp_pool *p)
{
	unsigned v = (unsigned)tu_rand_below(p->n);

	tap_kill(p->pids[v]);
	tp_pool_fork(p, v);
	p->kills++;
}

void
tp_register_again(struct ring_ctl *c, const char *name)
{
	uint64_t t0 = clock_ns();
	int rc;

	while ((rc = ring_ctl_register(c, name, NULL, 0)) == -EEXIST &&
	    clock_ns() - t0 < 5000000000ull)
		tu_sleep_ms(1);
	if (rc < 0)
		TAP_FAIL("register '%s': %s", name, tap_rcname(rc));
}
