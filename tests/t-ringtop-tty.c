/*
 * t-ringtop-tty.c - ringtop in a real terminal: a private tmux server
 * (its own socket in the test's directory, run in the foreground as a
 * helper of the sub-test, so it dies with it) runs ringtop in a 120x40
 * window against a private ringd carrying test traffic; the test types
 * keys with send-keys and reads the screen with capture-pane.
 *
 * Traffic: a scheme that accepts rings and never serves them with a
 * consumer that queued 5 SQEs (SQ depth 5, stalled), a consumer that sent
 * 3 SQEs to the built-in echo scheme and never reaps (CQ backlog 3), and
 * a consumer making round trips through the built-in null scheme (moving).
 *
 * Checked: the rows and their depth/backlog, the stall alarm, sorting
 * (keys and the F6 menu), inverting, filtering, searching, the detail
 * view, help, pause, the refresh interval, tabs, resizing, colours off,
 * quitting with the terminal restored, and ringd stopping and coming
 * back while ringtop runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/ringd.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define TT_SCREEN_MAX 65536
#define TT_WAIT_MS 15000
#define TT_STALL "ttstall"

static struct td d;
static char tt_sock[TD_PATH_MAX]; /* the private tmux server's socket */
static pid_t tt_server;
static char tt_ringtop[PATH_MAX];

/* BUILD/tests/t-ringtop-tty -> BUILD/ringtop/ringtop, or $RINGTOP_BIN. */
static const char *
tt_binary(void)
{
	const char *env = getenv("RINGTOP_BIN");
	char self[PATH_MAX];
	char *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(tt_ringtop, sizeof(tt_ringtop), "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			TAP_FAIL("readlink /proc/self/exe: %s",
			    tap_rcname(-errno));
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) == NULL)
			TAP_FAIL("odd path '%s'", self);
		*slash = '\0';
		if ((size_t)snprintf(tt_ringtop, sizeof(tt_ringtop),
			"%s/../ringtop/ringtop", self) >= sizeof(tt_ringtop))
			TAP_FAIL("path too long");
	}
	if (access(tt_ringtop, X_OK) != 0)
		TAP_FAIL("no ringtop binary at '%s'", tt_ringtop);
	return tt_ringtop;
}

/*
 * Run tmux against our server with the arguments given (NULL-terminated)
 * and collect its stdout into out (may be NULL); returns its exit status.
 */
static int
tt_tmux_v(char *out, size_t size, const char *first, va_list ap)
{
	const char *argv[32];
	int n = 0, p[2], st;
	size_t len = 0;
	ssize_t k;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-N"; /* never start a server of its own */
	argv[n++] = "-S";
	argv[n++] = tt_sock;
	argv[n++] = first;
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	argv[n] = NULL;
	TAP_SYS(pipe2(p, O_CLOEXEC));
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		execvp("tmux", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char junk[512];
		char *dst = out != NULL && len + 1 < size ? out + len : junk;
		size_t room = out != NULL && len + 1 < size ? size - 1 - len
							    : sizeof(junk);

		k = read(p[0], dst, room);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (dst != junk)
			len += (size_t)k;
	}
	close(p[0]);
	if (out != NULL)
		out[len] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			TAP_FAIL("waitpid tmux: %s", tap_rcname(-errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int __attribute__((sentinel))
tt_tmux(char *out, size_t size, const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = tt_tmux_v(out, size, first, ap);
	va_end(ap);
	return rc;
}

/* A tmux command that must succeed. */
#define TT_TMUX(...) \
	do { \
		int tt_rc_ = tt_tmux(NULL, 0, __VA_ARGS__, (char *)NULL); \
		if (tt_rc_ != 0) \
			TAP_FAIL("tmux %s: status %d", #__VA_ARGS__, tt_rc_); \
	} while (0)

/*
 * Start the private tmux server in the foreground (-D) as a helper, so
 * it dies with the sub-test, and a session "rt" of w x h running cmd.
 */
static void
tt_start(int w, int h, const char *cmd)
{
	char ws[16], hs[16];
	uint64_t t0;
	int i;

	static unsigned serial;

	snprintf(tt_sock, sizeof(tt_sock), "%s/tmux%u.sock", d.dir, serial++);
	tt_server = tap_fork();
	if (tt_server == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("tmux", "tmux", "-D", "-S", tt_sock, "-f", "/dev/null",
		    (char *)NULL);
		_exit(127);
	}
	/* the server is up once a client can talk to it */
	t0 = tu_now_ns();
	for (i = 0;; i++) {
		if (access(tt_sock, F_OK) == 0 &&
		    tt_tmux(NULL, 0, "start-server", (char *)NULL) == 0)
			break;
		if (tu_now_ns() - t0 > 5000000000ull)
			TAP_FAIL("the tmux server did not come up");
		tu_sleep_ms(20);
	}
	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	TT_TMUX("new-session", "-d", "-s", "rt", "-x", ws, "-y", hs, cmd);
	/* the window follows resize-window, not an attached client */
	TT_TMUX("set-option", "-g", "window-size", "manual");
}

/* Kill the tmux server (and with it the pane's processes). */
static void
tt_stop(void)
{
	tt_tmux(NULL, 0, "kill-server", (char *)NULL);
	tap_reap(tt_server);
	tt_server = 0;
	unlink(tt_sock);
}

static void
tt_capture(char *buf, size_t size)
{
	if (tt_tmux(buf, size, "capture-pane", "-p", "-t", "rt",
		(char *)NULL) != 0)
		TAP_FAIL("tmux capture-pane failed");
}

static void
tt_dump(const char *screen)
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

static void
tt_keys(const char *k)
{
	TT_TMUX("send-keys", "-t", "rt", k);
}

/* Literal text (no key-name lookup). */
static void
tt_type(const char *s)
{
	TT_TMUX("send-keys", "-t", "rt", "-l", s);
}

/* The line of screen that contains s, copied into line; false if none. */
static bool
tt_line(const char *screen, const char *s, char *line, size_t size)
{
	const char *hit = strstr(screen, s), *b, *e;

	if (hit == NULL)
		return false;
	for (b = hit; b > screen && b[-1] != '\n'; b--)
		;
	e = strchr(hit, '\n');
	if (e == NULL)
		e = hit + strlen(hit);
	snprintf(line, size, "%.*s", (int)(e - b), b);
	return true;
}

/* Wait until the screen does (or, gone, does not) contain s. */
#define tt_wait(s, gone, buf) tt_wait_at((s), (gone), (buf), __FILE__, __LINE__)
static void
tt_wait_at(const char *s, bool gone, char *buf, const char *file, int line)
{
	uint64_t t0 = tu_now_ns();

	for (;;) {
		tt_capture(buf, TT_SCREEN_MAX);
		if ((strstr(buf, s) == NULL) == gone)
			return;
		if (tu_now_ns() - t0 > TT_WAIT_MS * 1000000ull) {
			tt_dump(buf);
			tap_fail_at(file, line, "the screen %s '%s'",
			    gone ? "still shows" : "never showed", s);
		}
		tu_sleep_ms(50);
	}
}

/* The table's first data row (the line after the one holding hdr). */
static void
tt_first_row(const char *screen, const char *hdr, char *row, size_t size)
{
	const char *h = strstr(screen, hdr), *nl, *e;

	if (h == NULL || (nl = strchr(h, '\n')) == NULL) {
		tt_dump(screen);
		TAP_FAIL("no table header '%s'", hdr);
	}
	nl++;
	e = strchr(nl, '\n');
	snprintf(row, size, "%.*s", e ? (int)(e - nl) : (int)strlen(nl), nl);
}

static bool
tt_has_word(const char *line, const char *w)
{
	size_t n = strlen(w);
	const char *p = line;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == line || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* --- traffic ---------------------------------------------------------- */

static pid_t tt_scheme_pid, tt_cons_pid;
static int tt_quit[2];

/* A scheme that accepts every ring and never pops an SQE. */
static void
tt_stall_scheme(int ready)
{
	struct ring_ctl *c = td_connect(&d);
	struct ring *held[16];
	unsigned n = 0;

	close(tt_quit[1]);
	TAP_RC(ring_ctl_register(c, TT_STALL, NULL, 0), 0);
	tu_notify(ready);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = ring_ctl_fd(c), .events = POLLIN },
			{ .fd = tt_quit[0], .events = POLLIN },
		};
		struct ring_attach a;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			TAP_FAIL("poll: %s", tap_rcname(-errno));
		if (pf[1].revents)
			break;
		if (!pf[0].revents)
			continue;
		if (pf[0].revents & (POLLHUP | POLLERR))
			break; /* ringd went away */
		while (ring_ctl_next_attach(c, &a) == 0) {
			if (n >= 16) {
				ring_ctl_refuse(c, &a, -EMFILE);
				continue;
			}
			TAP_RC(ring_ctl_accept(c, &a, &held[n]), 0);
			n++;
		}
	}
	while (n > 0)
		ring_close(held[--n]);
	ring_ctl_close(c);
}

/* Queue 5 SQEs to the stalled scheme, 3 to echo, and loop on null. */
static void
tt_consumer(int ready)
{
	struct ring_ctl *c = td_connect(&d);
	struct ring *st, *ec, *nu;
	struct ring_sqe s;
	struct ring_cqe q;
	uint64_t i;
	int k;

	close(tt_quit[1]);
	st = td_open(c, TT_STALL, 16, 0, 0, NULL);
	ec = td_open(c, "echo", 8, 0, 0, NULL);
	nu = td_open(c, "null", 32, 0, 0, NULL);
	for (k = 0; k < 5; k++) {
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = (uint64_t)k;
		TAP_RC(ring_sq_push(st, &s), 0);
	}
	for (k = 0; k < 3; k++) {
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = (uint64_t)k;
		TAP_RC(ring_sq_push(ec, &s), 0);
	}
	tu_notify(ready);
	for (i = 0;; i++) {
		struct pollfd pf = { .fd = tt_quit[0], .events = POLLIN };

		if (poll(&pf, 1, 2) != 0)
			break;
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = i;
		if (ring_sq_push(nu, &s) < 0 ||
		    td_cq_pop_wait(nu, &q, 5000) < 0)
			break; /* ringd went away */
	}
	ring_close(nu);
	ring_close(ec);
	ring_close(st);
	ring_ctl_close(c);
}

static void
tt_traffic(void)
{
	int p[2];

	tu_pipe(p);
	TAP_SYS(pipe2(tt_quit, O_CLOEXEC));
	if ((tt_scheme_pid = tap_fork()) == 0) {
		tt_stall_scheme(p[1]);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	if ((tt_cons_pid = tap_fork()) == 0) {
		tt_consumer(p[1]);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	close(p[0]);
	close(p[1]);
}

static void
tt_traffic_stop(void)
{
	close(tt_quit[1]);
	tap_reap(tt_cons_pid);
	tap_reap(tt_scheme_pid);
	close(tt_quit[0]);
}

/* The shell command for the pane: ringtop, then how it left the tty. */
static void
tt_cmd(char *buf, size_t size, const char *env, const char *args)
{
	snprintf(buf, size,
	    "%s '%s' -S '%s' %s; echo RINGTOP-EXIT=$?; "
	    "if stty -a | grep -Eq -- '(^| )-(icanon|echo)( |;|$)'; then "
	    "echo TTY-RAW; else echo TTY-SANE; fi; exec sleep 600",
	    env, tt_binary(), d.sock, args);
}

static void
tt_begin(const char *env, const char *args, int w, int h)
{
	char cmd[1024];

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	tt_cmd(cmd, sizeof(cmd), env, args);
	tt_start(w, h, cmd);
}

static void
tt_end(void)
{
	tt_stop();
	td_stop(&d);
	td_cleanup(&d);
}

/* --- sub-tests ------------------------------------------------------------ */

/* Rows, depth and backlog, the stall alarm, rates; then q. */
static void
test_screen(void)
{
	static char scr[TT_SCREEN_MAX];
	char line[512], tmp[64];

	if (tu_under_valgrind()) {
		/* the helpers' names and pace are valgrind's then */
		tap_diag("under valgrind: the screen's rows are not checked");
		return;
	}
	tt_begin("LANG=C.UTF-8", "-d 0.2", 120, 40);
	tt_traffic();
	tt_wait(" " TT_STALL " ", false, scr);
	/* the stalled ring: 5 SQEs queued of 16, nothing completed */
	TAP_ASSERT(tt_line(scr, " " TT_STALL " ", line, sizeof(line)));
	if (strstr(line, " 5 [") == NULL || strstr(line, " 0 [") == NULL) {
		tt_dump(scr);
		TAP_FAIL("stall row without SQ depth 5 and CQ 0: '%s'", line);
	}
	/* echo answered 3 SQEs nobody reaps: CQ backlog 3 */
	tt_wait(" echo ", false, scr);
	TAP_ASSERT(tt_line(scr, " echo ", line, sizeof(line)));
	if (strstr(line, " 0 [") == NULL || strstr(line, " 3 [") == NULL) {
		tt_dump(scr);
		TAP_FAIL("echo row without SQ 0 and CQ backlog 3: '%s'", line);
	}
	/* the head of the stalled SQ stays still: an alarm, from 2 s on */
	snprintf(tmp, sizeof(tmp), "(%s, ", TT_STALL);
	tt_wait("stalled, 5 SQEs pending", false, scr);
	TAP_ASSERT(tt_line(scr, "ALARM ring", line, sizeof(line)));
	TAP_ASSERT(strstr(line, tmp) != NULL);
	/* the null ring moves: running */
	tt_wait(" null ", false, scr);
	TAP_ASSERT(tt_line(scr, " null ", line, sizeof(line)));
	if (!tt_has_word(line, "running") && !tt_has_word(line, "sleeping") &&
	    !tt_has_word(line, "idle")) {
		tt_dump(scr);
		TAP_FAIL("null row without a state: '%s'", line);
	}
	tt_wait("clients 3", false, scr);

	/* q: ringtop leaves, the terminal is back to normal */
	{
		char fl[64];

		TAP_EQ(tt_tmux(fl, sizeof(fl), "display-message", "-p", "-t",
			   "rt", "#{alternate_on} #{cursor_flag}",
			   (char *)NULL),
		    0);
		if (strncmp(fl, "1 0", 3) != 0)
			TAP_FAIL("while running: alternate screen and hidden "
				 "cursor expected, tmux says '%s'",
			    fl);
		tt_keys("q");
		tt_wait("RINGTOP-EXIT=0", false, scr);
		tt_wait("TTY-SANE", false, scr);
		TAP_EQ(tt_tmux(fl, sizeof(fl), "display-message", "-p", "-t",
			   "rt", "#{alternate_on} #{cursor_flag}",
			   (char *)NULL),
		    0);
		if (strncmp(fl, "0 1", 3) != 0)
			TAP_FAIL("after q: normal screen and visible cursor "
				 "expected, tmux says '%s'",
			    fl);
		/* nothing of ringtop's screen is left on the terminal */
		if (strstr(scr, "F10Quit") != NULL ||
		    strstr(scr, "SCHEME") != NULL) {
			tt_dump(scr);
			TAP_FAIL("ringtop's screen is left on the terminal");
		}
	}
	tt_traffic_stop();
	tt_end();
}

/* Sort keys and menu, invert, filter, search, detail, help. */
static void
test_keys(void)
{
	static char scr[TT_SCREEN_MAX];
	char row[512];

	tt_begin("", "-d 0.2 -s sq", 120, 40);
	tt_traffic();
	tt_wait(" echo ", false, scr);
	tt_wait(" " TT_STALL " ", false, scr);
	tt_wait(" null ", false, scr);
	/* sorted by SQ depth: the stalled ring (5) comes first */
	tt_wait("sort sq", false, scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, TT_STALL) == NULL) {
		tt_dump(scr);
		TAP_FAIL("first row by sq is not the stalled ring: '%s'", row);
	}
	/* the CQ column next: echo (backlog 3) first */
	tt_keys(">");
	tt_wait("sort cq", false, scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, " echo ") == NULL) {
		tt_dump(scr);
		TAP_FAIL("first row by cq is not echo: '%s'", row);
	}
	/* inverted: echo last, so not first */
	tt_keys("I");
	tt_wait("(inverted)", false, scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, " echo ") != NULL) {
		tt_dump(scr);
		TAP_FAIL("inverted cq order still starts with echo");
	}
	tt_keys("I");
	tt_wait("(inverted)", true, scr);
	/* the F6 menu: from cq, one down is submit, Enter takes it */
	tt_keys("F6");
	tt_wait("Sort by", false, scr);
	tt_keys("Down");
	tt_keys("Enter");
	tt_wait("sort submit", false, scr);
	tt_wait("Sort by", true, scr);
	/* < goes back */
	tt_keys("<");
	tt_wait("sort cq", false, scr);

	/* filter: only the echo ring stays */
	tt_type("\\");
	tt_wait("Filter:", false, scr);
	tt_type("echo");
	tt_keys("Enter");
	tt_wait("filter 'echo'", false, scr);
	tt_wait(" " TT_STALL " ", true, scr);
	TAP_ASSERT(strstr(scr, " echo ") != NULL);
	TAP_ASSERT(strstr(scr, " null ") == NULL);
	/* a filter matching nothing says so */
	tt_keys("F4");
	tt_type("zz");
	tt_wait("no ring matches", false, scr);
	/* Esc in the prompt drops the filter */
	tt_keys("Escape");
	tt_wait("filter '", true, scr);
	tt_wait(" " TT_STALL " ", false, scr);

	/* search moves the selection; Enter then opens that ring */
	tt_keys("/");
	tt_wait("Search:", false, scr);
	tt_type(TT_STALL);
	tt_keys("Enter");
	tt_wait("Search:", true, scr);
	tt_keys("Enter");
	tt_wait("scheme " TT_STALL "  state", false, scr);
	tt_wait("history: one column per", false, scr);
	if (strstr(scr, "depth 5/16") == NULL) {
		tt_dump(scr);
		TAP_FAIL("detail view without SQ depth 5/16");
	}
	/* Esc: back to the table */
	tt_keys("Escape");
	tt_wait("history:", true, scr);
	tt_wait("SCHEME", false, scr);
	/* F3 searches too */
	tt_keys("F3");
	tt_type("echo");
	tt_keys("Enter");
	tt_keys("Enter");
	tt_wait("scheme echo  state", false, scr);
	tt_keys("Escape");
	tt_wait("SCHEME", false, scr);

	/* help, and any key back */
	tt_keys("h");
	tt_wait("keys (any key to return)", false, scr);
	TAP_ASSERT(strstr(scr, "pause or resume") != NULL);
	tt_keys("x");
	tt_wait("keys (any key", true, scr);
	tt_keys("?");
	tt_wait("keys (any key to return)", false, scr);
	tt_keys("F1");
	tt_wait("keys (any key", true, scr);

	/* tabs */
	tt_keys("2");
	tt_wait("OPCODES", false, scr);
	TAP_ASSERT(strstr(scr, TT_STALL) != NULL);
	tt_keys("Tab");
	tt_wait("SCHEMES  RINGS", false, scr);
	tt_keys("Tab");
	tt_wait("map: # used", false, scr);
	TAP_ASSERT(strstr(scr, "zone 32  ") != NULL);
	tt_keys("1");
	tt_wait("SCHEME", false, scr);

	tt_keys("F10");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_traffic_stop();
	tt_end();
}

/* Pause freezes the screen; + and - change the interval. */
static void
test_pause(void)
{
	static char scr[TT_SCREEN_MAX], again[TT_SCREEN_MAX];

	tt_begin("", "-d 0.2", 120, 40);
	tt_wait("every 0.2s", false, scr);
	tt_keys("p");
	tt_wait("PAUSED", false, scr);
	/* several intervals later nothing changed, not even the uptime */
	tu_sleep_ms(700);
	tt_capture(again, sizeof(again));
	if (strcmp(scr, again) != 0) {
		tt_dump(scr);
		tt_dump(again);
		TAP_FAIL("the screen changed while paused");
	}
	tt_keys("Z");
	tt_wait("PAUSED", true, scr);
	tt_keys("+");
	tt_wait("every 0.5s", false, scr);
	tt_keys("+");
	tt_wait("every 1s", false, scr);
	tt_keys("-");
	tt_keys("-");
	tt_keys("-");
	tt_wait("every 0.1s", false, scr);
	tt_keys("-");
	tu_sleep_ms(200);
	tt_wait("every 0.1s", false, scr);
	tt_keys("q");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_end();
}

/* Every line fits the width; the table header is there. */
static void
tt_check_size(const char *scr, int w, int h)
{
	const char *p = scr, *nl;
	int lines = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		lines++;
		if ((nl ? nl - p : (long)strlen(p)) > w) {
			tt_dump(scr);
			TAP_FAIL("a line is wider than %d columns", w);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (lines > h) {
		tt_dump(scr);
		TAP_FAIL("%d lines on a %d-line screen", lines, h);
	}
}

static void
tt_resize(int w, int h)
{
	char ws[16], hs[16];

	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	TT_TMUX("resize-window", "-t", "rt", "-x", ws, "-y", hs);
}

/* Resizing redraws the whole screen at the new size, down to narrow. */
static void
test_resize(void)
{
	static char scr[TT_SCREEN_MAX];
	char line[512];

	tt_begin("", "-d 0.2", 120, 40);
	tt_traffic();
	tt_wait(" " TT_STALL " ", false, scr);
	TAP_ASSERT(tt_line(scr, "SCHEME", line, sizeof(line)));
	TAP_ASSERT(strstr(line, "PRODUCER") != NULL);
	tt_resize(80, 24);
	tt_wait("PRODUCER", true, scr);
	tt_wait(" " TT_STALL " ", false, scr);
	tt_check_size(scr, 80, 24);
	TAP_ASSERT(strstr(scr, "F1Help") != NULL);
	tt_resize(40, 12);
	tu_sleep_ms(300);
	tt_wait("SCHEME", false, scr);
	tt_check_size(scr, 40, 12);
	tt_resize(120, 40);
	tt_wait("PRODUCER", false, scr);
	tt_wait(" " TT_STALL " ", false, scr);
	tt_keys("q");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_wait("TTY-SANE", false, scr);
	tt_traffic_stop();
	tt_end();
}

/* Does captured text (capture-pane -e) set a colour in any SGR sequence? */
static bool
tt_has_colour(const char *s)
{
	const char *p = s;
	char *end;
	long v;

	while ((p = strstr(p, "\033[")) != NULL) {
		p += 2;
		for (;;) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			if ((v >= 30 && v <= 38) || (v >= 40 && v <= 48) ||
			    (v >= 90 && v <= 97) || (v >= 100 && v <= 107))
				return true;
			p = end;
			if (*p != ';')
				break;
			p++;
		}
	}
	return false;
}

/* Colours by default, none with NO_COLOR or --no-color. */
static void
test_color(void)
{
	static char scr[TT_SCREEN_MAX];
	static const char *const runs[][2] = {
		{ "TERM=xterm-256color", "-d 0.2" },
		{ "TERM=xterm-256color NO_COLOR=1", "-d 0.2" },
		{ "TERM=xterm-256color", "-d 0.2 --no-color" },
	};
	char cmd[1024];
	size_t i;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		bool colour;

		tt_cmd(cmd, sizeof(cmd), runs[i][0], runs[i][1]);
		tt_start(120, 40, cmd);
		tt_wait("F10Quit", false, scr);
		if (tt_tmux(scr, sizeof(scr), "capture-pane", "-e", "-p", "-t",
			"rt", (char *)NULL) != 0)
			TAP_FAIL("capture-pane -e failed");
		colour = tt_has_colour(scr);
		if (colour != (i == 0)) {
			tt_dump(scr);
			TAP_FAIL("run %zu (%s %s): colours %s", i, runs[i][0],
			    runs[i][1], colour ? "on" : "off");
		}
		tt_keys("q");
		tt_wait("RINGTOP-EXIT=0", false, scr);
		tt_stop();
	}
	td_stop(&d);
	td_cleanup(&d);
}

/* ringd stops and comes back while ringtop runs; ringtop follows. */
static void
test_ringd_restart(void)
{
	static char scr[TT_SCREEN_MAX];
	char fl[32];

	tt_begin("", "-d 0.2", 120, 40);
	tt_wait("schemes 3  rings 0", false, scr);
	td_stop(&d);
	tt_wait("ringd is not running", false, scr);
	tt_wait("retrying every 0.2s", false, scr);
	/* keys still work while ringd is away */
	tt_keys("h");
	tt_wait("keys (any key to return)", false, scr);
	tt_keys("x");
	tt_wait("retrying every", false, scr);
	/* the same socket again: ringtop reconnects by itself */
	td_start(&d, NULL, 0);
	tt_wait("schemes 3  rings 0", false, scr);
	tt_wait("retrying every", true, scr);
	/* and it is still the same ringtop */
	TAP_EQ(tt_tmux(fl, sizeof(fl), "display-message", "-p", "-t", "rt",
		   "#{alternate_on}", (char *)NULL),
	    0);
	TAP_ASSERT(fl[0] == '1');
	TAP_ASSERT(strstr(scr, "RINGTOP-EXIT") == NULL);
	tt_keys("q");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_end();
}

/* Started without ringd: a message, retries, and q still quits. */
static void
test_no_ringd(void)
{
	static char scr[TT_SCREEN_MAX];
	char cmd[1024];

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	tt_cmd(cmd, sizeof(cmd), "", "-d 0.2");
	tt_start(80, 24, cmd);
	tt_wait("ringd is not running", false, scr);
	TAP_ASSERT(strstr(scr, d.sock) != NULL);
	tt_wait("retrying every 0.2s", false, scr);
	tt_keys("q");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_wait("TTY-SANE", false, scr);
	tt_stop();
	td_cleanup(&d);
}

/* The Memory tab: zones, a fragmentation map, regions by owner. */
static void
test_memory(void)
{
	static char scr[TT_SCREEN_MAX];
	struct ring_ctl *c;
	uint64_t base[8], min;
	char line[512], want[64];
	const char *p;

	if (tu_under_valgrind()) {
		tap_diag("under valgrind: the owner summary is not checked");
		return;
	}
	int i, used = 0, freec = 0, rows = 0;

	tt_begin("", "-d 0.2", 120, 40);
	c = td_connect(&d);
	/* eight 64 MiB regions low, every other one freed: 4 holes */
	for (i = 0; i < 8; i++) {
		min = 64ull << 20;
		TAP_RC(ring_physalloc3(c, 64ull << 20, RING_PHYS_SPACE_32, &min,
			   &base[i]),
		    0);
	}
	for (i = 0; i < 8; i += 2)
		TAP_RC(ring_physfree(c, base[i], 64ull << 20), 0);
	tt_wait("memory  zone 32: used 256M", false, scr);
	tt_keys("4");
	tt_wait("REGION", false, scr);
	tt_wait("regions 4", false, scr);
	TAP_ASSERT(tt_line(scr, "zone 32  0x", line, sizeof(line)));
	if (strstr(line, "used 256M") == NULL) {
		tt_dump(scr);
		TAP_FAIL("zone 32 line without 256M used: '%s'", line);
	}
	/* the map below it shows used and free cells */
	p = strstr(scr, "zone 32  0x");
	p = strchr(p, '\n') + 1;
	for (; *p != '\0' && *p != 'z' && *p != 'm'; p++) {
		used += *p == '#';
		freec += *p == '.';
	}
	if (used == 0 || freec == 0) {
		tt_dump(scr);
		TAP_FAIL("zone 32 map: %d used and %d free cells", used, freec);
	}
	snprintf(want, sizeof(want), "t-ringtop-tty uid %u: 4 (256M)",
	    (unsigned)getuid());
	if (strstr(scr, want) == NULL) {
		tt_dump(scr);
		TAP_FAIL("no owner summary '%s'", want);
	}
	for (p = strstr(scr, "REGION"); (p = strstr(p, "\n")) != NULL; p++)
		if (strstr(p, " 64M   32 ") != NULL &&
		    strstr(p, " 64M   32 ") < strchr(p + 1, '\n'))
			rows++;
	TAP_EQ(rows, 4);
	/* freed with the connection: the tab follows */
	ring_ctl_close(c);
	tt_wait("no region is allocated", false, scr);
	tt_keys("q");
	tt_wait("RINGTOP-EXIT=0", false, scr);
	tt_end();
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringtop-tty-screen", test_screen, 90);
	tap_run("ringtop-tty-keys", test_keys, 120);
	tap_run("ringtop-tty-pause", test_pause, 60);
	tap_run("ringtop-tty-resize", test_resize, 60);
	tap_run("ringtop-tty-color", test_color, 60);
	tap_run("ringtop-tty-memory", test_memory, 60);
	tap_run("ringtop-tty-ringd-restart", test_ringd_restart, 60);
	tap_run("ringtop-tty-no-ringd", test_no_ringd, 60);
	return tap_done();
}
