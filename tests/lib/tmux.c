/*
 * tmux.c - a private tmux server for the terminal tests (see tmux.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "tmux.h"

#define TM_ARGS_MAX 32
#define TM_POLL_MS 50
#define TM_START_MS 5000

/*
 * In a child: tmux with argv, stdin and stderr on /dev/null, stdout on out
 * (-1 for /dev/null too).
 */
__attribute__((noreturn)) static void
tm_child(int out, const char *const *argv)
{
	int null = open("/dev/null", O_RDWR);

	dup2(null, 0);
	dup2(out >= 0 ? out : null, 1);
	dup2(null, 2);
	execvp("tmux", (char *const *)argv);
	_exit(127);
}

bool
tm_available(void)
{
	static const char *const argv[] = { "tmux", "-V", NULL };
	int st;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return false;
	if (pid == 0)
		tm_child(-1, argv);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Run tmux with argv, its stdout into out as tm_run() says. */
static int
tm_exec(const char *const *argv, char *out, size_t size)
{
	size_t len = 0;
	int p[2], st;
	ssize_t k;
	pid_t pid;

	TAP_SYS(pipe2(p, O_CLOEXEC));
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0)
		tm_child(p[1], argv);
	close(p[1]);
	for (;;) {
		char junk[512];
		bool keep = out != NULL && len + 1 < size;

		k = read(p[0], keep ? out + len : junk,
		    keep ? size - 1 - len : sizeof(junk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (keep)
			len += (size_t)k;
	}
	close(p[0]);
	if (out != NULL && size > 0)
		out[len] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			TAP_FAIL("waitpid tmux: %s", tap_rcname(-errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
tm_run(const struct tm_server *t, char *out, size_t size, const char *first,
    ...)
{
	const char *argv[TM_ARGS_MAX];
	va_list ap;
	int n = 0;

	argv[n++] = "tmux";
	argv[n++] = "-N"; /* never start a server of its own */
	argv[n++] = "-S";
	argv[n++] = t->sock;
	argv[n++] = first;
	va_start(ap, first);
	while ((argv[n] = va_arg(ap, const char *)) != NULL)
		if (++n == TM_ARGS_MAX)
			TAP_FAIL("more than %d tmux arguments",
			    TM_ARGS_MAX - 1);
	va_end(ap);
	return tm_exec(argv, out, size);
}

void
tm_start(struct tm_server *t, const char *dir)
{
	const char *argv[] = { "tmux", "-D", "-S", NULL, "-f", "/dev/null",
		NULL };
	uint64_t t0;

	memset(t, 0, sizeof(*t));
	if ((size_t)snprintf(t->sock, sizeof(t->sock), "%s/%s", dir,
		TM_SOCK_NAME) >= sizeof(t->sock))
		TAP_FAIL("tmux socket path too long ('%s')", dir);
	argv[3] = t->sock;
	if ((t->pid = tap_fork()) == 0)
		tm_child(-1, argv);
	/* the server is up once a client can talk to it */
	t0 = clock_ns();
	while (access(t->sock, F_OK) != 0 ||
	    tm_run(t, NULL, 0, "start-server", (char *)NULL) != 0) {
		if (clock_ns() - t0 > TM_START_MS * 1000000ull)
			TAP_FAIL("the tmux server did not come up on '%s'",
			    t->sock);
		tu_sleep_ms(20);
	}
}

void
tm_stop(struct tm_server *t)
{
	if (t->pid == 0)
		return;
	(void)tm_run(t, NULL, 0, "kill-server", (char *)NULL);
	tap_reap(t->pid);
	t->pid = 0;
	unlink(t->sock);
}

void
tm_new_session(struct tm_server *t, const char *name, int w, int h,
    const char *cmd)
{
	char ws[16], hs[16];

	if ((size_t)snprintf(t->session, sizeof(t->session), "%s", name) >=
	    sizeof(t->session))
		TAP_FAIL("tmux session name too long ('%s')", name);
	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	TM_RUN(t, "new-session", "-d", "-s", name, "-x", ws, "-y", hs, cmd);
}

bool
tm_has_session(const struct tm_server *t)
{
	return tm_run(t, NULL, 0, "has-session", "-t", t->session,
		   (char *)NULL) == 0;
}

void
tm_capture(const struct tm_server *t, char *buf, size_t size)
{
	if (tm_run(t, buf, size, "capture-pane", "-p", "-t", t->session,
		(char *)NULL) != 0)
		TAP_FAIL("tmux capture-pane failed");
}

void
tm_format(const struct tm_server *t, const char *fmt, char *out, size_t size)
{
	int rc;

	rc = tm_run(t, out, size, "display-message", "-p", "-t", t->session,
	    fmt, (char *)NULL);
	if (rc != 0)
		TAP_FAIL("tmux display-message '%s': status %d", fmt, rc);
	out[strcspn(out, "\n")] = '\0';
}

void
tm_dump(const char *screen)
{
	const char *p = screen, *nl;

	tap_diag("screen:");
	while (*p != '\0') {
		nl = strchr(p, '\n');
		tap_diag("|%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

void
tm_wait_until_at(const struct tm_server *t,
    bool (*ok)(const char *screen, const void *arg), const void *arg,
    const char *what, char *buf, const char *file, int line)
{
	uint64_t limit = (t->wait_ms != 0 ? t->wait_ms : TM_WAIT_MS) *
	    1000000ull;
	uint64_t t0 = clock_ns();

	for (;;) {
		tm_capture(t, buf, TM_SCREEN_MAX);
		if (ok(buf, arg))
			return;
		if (clock_ns() - t0 > limit) {
			tm_dump(buf);
			tap_fail_at(file, line, "the screen %s", what);
		}
		tu_sleep_ms(TM_POLL_MS);
	}
}

static bool
tm_shows(const char *screen, const void *s)
{
	return strstr(screen, s) != NULL;
}

static bool
tm_lacks(const char *screen, const void *s)
{
	return strstr(screen, s) == NULL;
}

void
tm_wait_at(const struct tm_server *t, const char *s, bool gone, char *buf,
    const char *file, int line)
{
	char what[256];

	snprintf(what, sizeof(what), "%s '%s'",
	    gone ? "still shows" : "never showed", s);
	tm_wait_until_at(t, gone ? tm_lacks : tm_shows, s, what, buf, file,
	    line);
}

void
tm_keys(const struct tm_server *t, const char *key)
{
	TM_RUN(t, "send-keys", "-t", t->session, key);
}

void
tm_press_at(const struct tm_server *t, const char *key, const char *s,
    char *buf, const char *file, int line)
{
	tm_keys(t, key);
	tm_wait_at(t, s, false, buf, file, line);
}

void
tm_type(const struct tm_server *t, const char *text)
{
	TM_RUN(t, "send-keys", "-t", t->session, "-l", text);
}

void
tm_tab(const struct tm_server *t, const char *line)
{
	tm_keys(t, "C-u");
	tm_type(t, line);
	tm_keys(t, "Tab");
	tm_type(t, "@");
}
