/*
 * t-ringctl-shell.c - ringctl's readline shell in a real terminal: a tmux
 * session runs ringctl with no command against a private ringd, and the
 * test types into it (send-keys) and reads the screen (capture-pane):
 * Tab completion of commands, scheme names, opcode names, fields and ring
 * ids from the live daemon, output of commands, errors that do not end
 * the shell, the history (Up arrow, and the history file across runs),
 * and quit; Ctrl-C at the prompt and during a command, SIGTERM; ringd
 * going away under the shell and a new one taking its place, also under
 * monitor.  Then the completion
 * scripts in completions/: zsh's run by a real interactive zsh in tmux,
 * bash's by bash, each asking the ringd the command line names with -S
 * (and not the one of $RINGD_SOCKET).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/tmux.h"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tm_server tm; /* the private tmux server */
static char screen[TM_SCREEN_MAX];

/* A private ringd, and a tmux server in its directory if tty. */
static void
start_ringd(bool tty)
{
	if (tty && !tm_available())
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	td_begin(&d, NULL);
	if (tty)
		tm_start(&tm, d.dir);
}

/* Stop the tmux server, then check that ringd is well and stop it. */
static void
stop_ringd(void)
{
	tm_stop(&tm);
	td_finish(&d);
}

/* Whether the cursor line (the last non-empty line) is exactly want. */
static bool
cursor_line_is(const char *scr, const void *want)
{
	const char *end = scr + strlen(scr), *start;
	size_t n = strlen(want);

	while (end > scr && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > scr && start[-1] != '\n')
		start--;
	return (size_t)(end - start) == n && memcmp(start, want, n) == 0;
}

/* Wait up to 5 s for text on the screen. */
#define AWAIT(text) tm_wait(&tm, (text), screen)

/* Wait until the cursor line is exactly want. */
#define AWAIT_LINE(want) await_line_at((want), __FILE__, __LINE__)
static void
await_line_at(const char *want, const char *file, int line)
{
	char what[600];

	snprintf(what, sizeof(what), "never showed the cursor line '%s'", want);
	tm_wait_until_at(&tm, cursor_line_is, want, what, screen, file, line);
}

/* ringctl's shell in a 160x50 session, its history in hist. */
static void
start_shell(const char *hist)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	    "env RINGCTL_HISTORY='%s' TERM=screen '%s' -S '%s'", hist,
	    tr_binary(), d.sock);
	tm_new_session(&tm, "rc", 160, 50, cmd);
	AWAIT("ringctl>"); /* capture-pane drops trailing blanks */
}

/* Type a command line and press Enter. */
static void
run(const char *line)
{
	tm_type(&tm, line);
	tm_keys(&tm, "Enter");
}

/*
 * Wait for the shell's prompt on an empty line, then type text: keys sent
 * before readline has taken the terminal are echoed by the tty ahead of
 * the prompt, and the line would read "text ringctl> text".
 */
#define PROMPT_TYPE(text) \
	do { \
		AWAIT_LINE("ringctl>"); \
		tm_type(&tm, (text)); \
	} while (0)

/* A new command line at the prompt, with Enter. */
#define COMMAND(line) \
	do { \
		PROMPT_TYPE(line); \
		tm_keys(&tm, "Enter"); \
	} while (0)
/* Type text at the prompt and Tab: the line must become "ringctl> line". */
#define COMPLETE(text, line) \
	do { \
		PROMPT_TYPE(text); \
		tm_keys(&tm, "Tab"); \
		AWAIT_LINE("ringctl> " line); \
	} while (0)

/* The shell has left (its session is gone) within 5 s. */
static void
await_exit(void)
{
	unsigned waited;

	for (waited = 0; tm_has_session(&tm) && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!tm_has_session(&tm));
}

/*
 * ringctl's shell run by sh, which writes its exit status to the file
 * status in ringd's directory once it ends (tmux does not always report
 * it); returns the shell's pid, sh's child.
 */
static pid_t
start_shell_status(const char *hist)
{
	char cmd[1024], path[64], buf[64];
	unsigned waited;
	pid_t sh, pid = 0;

	snprintf(cmd, sizeof(cmd),
	    "env RINGCTL_HISTORY='%s' TERM=screen '%s' -S '%s'; "
	    "echo $? > '%s/status'",
	    hist, tr_binary(), d.sock, d.dir);
	tm_new_session(&tm, "rc", 160, 50, cmd);
	AWAIT("ringctl>");
	tm_format(&tm, "#{pane_pid}", buf, sizeof(buf));
	sh = (pid_t)strtol(buf, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)sh,
	    (int)sh);
	for (waited = 0; pid <= 0; waited += 10) {
		tr_slurp(path, buf, sizeof(buf));
		pid = (pid_t)strtol(buf, NULL, 10);
		if (pid <= 0 && waited >= 5000)
			TAP_FAIL("no shell under sh %d", (int)sh);
		tu_sleep_ms(10);
	}
	return pid;
}

/* The shell of start_shell_status() ended with status want. */
static void
await_exit_status(const char *want)
{
	char path[200], buf[64];
	unsigned waited;

	snprintf(path, sizeof(path), "%s/status", d.dir);
	for (waited = 0;; waited += 25) {
		tr_slurp(path, buf, sizeof(buf));
		if (strchr(buf, '\n') != NULL)
			break;
		if (waited >= 5000)
			TAP_FAIL("the shell did not end");
		tu_sleep_ms(25);
	}
	*strchr(buf, '\n') = '\0';
	if (strcmp(buf, want) != 0)
		TAP_FAIL("the shell ended with status %s, not %s", buf, want);
	await_exit();
	TAP_ASSERT(unlink(path) == 0);
}

/*
 * Send sig to the shell of start_shell_status(): it ends with status want
 * and its history file hist holds line.
 */
static void
signal_shell(pid_t pid, int sig, const char *want, const char *hist,
    const char *line)
{
	char buf[4096];

	TAP_ASSERT(kill(pid, sig) == 0);
	await_exit_status(want);
	tr_slurp(hist, buf, sizeof(buf));
	if (strstr(buf, line) == NULL)
		TAP_FAIL("history after %s lacks '%s': %s", strsignal(sig),
		    line, buf);
}

TAP_TEST(test_shell, "ringctl-shell-tmux", 90)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char hist[200], buf[4096], want[128];

	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);

	start_shell(hist);
	/* a command completed by Tab, then run */
	COMPLETE("sta", "status");
	tm_keys(&tm, "Enter");
	AWAIT("health:   ok");
	/* an error does not end the shell */
	COMMAND("frob");
	AWAIT("ringctl: unknown command 'frob'");
	COMMAND("submit nosuch noop");
	AWAIT("cannot open ring to 'nosuch': no such scheme");
	TAP_ASSERT(tm_has_session(&tm));
	/* scheme names from ringd */
	COMPLETE("probe ze", "probe zero");
	tm_keys(&tm, "Enter");
	AWAIT("  3  read");
	/* opcode names, then a field */
	COMPLETE("submit null wr", "submit null write");
	tm_type(&tm, "da");
	tm_keys(&tm, "Tab");
	AWAIT_LINE("ringctl> submit null write data=");
	run("abc");
	AWAIT("user_data=0 status=3 ");
	/* ring ids from ringd */
	PROMPT_TYPE("ring ");
	tm_keys(&tm, "Tab");
	snprintf(want, sizeof(want), "ringctl> ring %" PRIu64, id);
	AWAIT_LINE(want);
	tm_keys(&tm, "Enter");
	AWAIT("state:      running");
	/* options of a command */
	COMPLETE("monitor --thr", "monitor --threshold");
	tm_keys(&tm, "C-u");
	/* history: Up brings back the last command */
	tm_keys(&tm, "Up");
	AWAIT_LINE(want);
	tm_keys(&tm, "C-u");
	COMMAND("help");
	AWAIT("Commands:");
	COMMAND("quit");
	await_exit();
	/* the history file holds what was typed, across runs */
	tr_slurp(hist, buf, sizeof(buf));
	TAP_ASSERT(strstr(buf, "status\n") != NULL);
	TAP_ASSERT(strstr(buf, "probe zero\n") != NULL);
	TAP_ASSERT(strstr(buf, "submit null write data=abc\n") != NULL);
	start_shell(hist);
	tm_keys(&tm, "Up");
	AWAIT_LINE("ringctl> quit");
	tm_keys(&tm, "Up");
	AWAIT_LINE("ringctl> help");
	tm_keys(&tm, "C-u");
	/* end of input leaves too */
	tm_keys(&tm, "C-d");
	await_exit();

	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	stop_ringd();
}

/* The screen is a lone prompt on its first line. */
static bool
lone_prompt(const char *scr, const void *arg)
{
	size_t n = strlen(scr);

	(void)arg;
	while (n > 0 && (scr[n - 1] == '\n' || scr[n - 1] == ' '))
		n--;
	return n == 8 && strncmp(scr, "ringctl>", 8) == 0;
}

/* Clear the screen at an empty prompt (readline's C-l). */
static void
clear_screen(void)
{
	AWAIT_LINE("ringctl>");
	tm_keys(&tm, "C-l");
	tm_wait_until(&tm, lone_prompt, NULL, "never cleared to a lone prompt",
	    screen);
}

/* Wait up to 10 s for a ring to scheme that has taken n entries. */
static uint64_t
await_busy_ring(struct ring_ctl *c, const char *scheme, uint64_t n)
{
	struct ring_ctl_ring *v;
	uint64_t start = clock_ns(), id;
	size_t k, i;

	for (;;) {
		TAP_RC(ring_ctl_list_rings(c, &v, &k), 0);
		for (i = 0; i < k; i++)
			if (strcmp(v[i].scheme, scheme) == 0 &&
			    v[i].sq.pop_epoch >= n) {
				id = v[i].ring_id;
				free(v);
				return id;
			}
		free(v);
		if (clock_ns() - start > 10000000000ull)
			TAP_FAIL("no ring to '%s' took %" PRIu64 " entries",
			    scheme, n);
		tu_sleep_ms(10);
	}
}

/* Entries waiting in a producer's submission queue. */
static uint64_t
sq_depth_of(const struct ring *r)
{
	struct ring_stats st;

	ring_get_stats(r, &st);
	return st.sq.depth;
}

/* How many times s is on the screen. */
static unsigned
count_on(const char *scr, const char *s)
{
	unsigned n = 0;

	for (; (scr = strstr(scr, s)) != NULL; scr++)
		n++;
	return n;
}

/*
 * monitor is running in the shell: open rings to echo until it reports
 * one (one opened before its first snapshot is no event).  The ring is
 * left open, *id its id.
 */
static struct ring *
await_monitor(struct ring_ctl *c, uint64_t *id)
{
	struct ring *r;
	unsigned tries, waited;

	for (tries = 0; tries < 20; tries++) {
		r = td_open(c, "echo", 8, 0, 0, id);
		for (waited = 0; waited < 1000; waited += 20) {
			tm_capture(&tm, screen, sizeof(screen));
			if (strstr(screen, "attach  ring") != NULL)
				return r;
			tu_sleep_ms(20);
		}
		td_close_ring(c, r, *id);
	}
	TAP_FAIL("monitor never reported a ring");
}

static bool
two_attaches(const char *scr, const void *arg)
{
	(void)arg;
	return count_on(scr, "attach  ring") >= 2;
}

/*
 * Ctrl-C: at the prompt it drops the half-typed line; during submit -n
 * and monitor it stops the command, whose ring goes, and the shell goes
 * on; quit then writes the history.
 */
TAP_TEST(test_shell_ctrl_c, "ringctl-shell-ctrl-c", 90)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id, sub = 0, of = 0, done = 0;
	char hist[200], buf[4096], cmd[256];
	struct ring_phys_region *regs;
	size_t nregs, i, held;
	pid_t pid;
	const char *p;

	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	c = td_connect(&d);
	start_shell(hist);

	/* at the prompt: the line is dropped, a new prompt comes */
	PROMPT_TYPE("schemes --half-typed");
	tm_keys(&tm, "C-c");
	AWAIT_LINE("ringctl>");
	TAP_ASSERT(strstr(screen, "ringctl> schemes --half-typed") != NULL);
	clear_screen();
	COMMAND("status");
	AWAIT("health:   ok");
	TAP_ASSERT(strstr(screen, "unknown option") == NULL);
	/* keys typed right after Ctrl-C go to the new line */
	clear_screen();
	PROMPT_TYPE("rings --half-typed");
	tm_keys(&tm, "C-c");
	tm_type(&tm, "status");
	tm_keys(&tm, "Enter");
	AWAIT("health:   ok");
	TAP_ASSERT(strstr(screen, "ringctl> status\n") != NULL);
	TAP_ASSERT(strstr(screen, "unknown option") == NULL);

	/* during a long submit: it stops, counts what completed */
	clear_screen();
	COMMAND("submit -n 100000000 null noop");
	id = await_busy_ring(c, "null", 1000);
	tm_keys(&tm, "C-c");
	AWAIT("ringctl: interrupted after ");
	AWAIT_LINE("ringctl>");
	p = strstr(screen, "interrupted after ");
	if (sscanf(p,
		"interrupted after %" SCNu64 " of %" SCNu64
		" entries to 'null': %" SCNu64 " completed",
		&sub, &of, &done) != 3)
		TAP_FAIL("cannot read '%.100s'", p);
	TAP_ASSERT(of == 100000000);
	TAP_ASSERT(sub >= 1000 && sub < of);
	TAP_ASSERT(done == sub); /* nothing in flight was lost */
	td_await_ring_gone(c, id);
	clear_screen();
	COMMAND("status");
	AWAIT("health:   ok");

	/* during monitor: it ends, and a later Ctrl-C still does not kill */
	clear_screen();
	COMMAND("monitor");
	ring = await_monitor(c, &id);
	tm_keys(&tm, "C-c");
	AWAIT_LINE("ringctl>");
	tm_keys(&tm, "C-c");
	clear_screen();
	tm_keys(&tm, "C-c");
	clear_screen();
	COMMAND("status");
	AWAIT("health:   ok");
	TAP_ASSERT(tm_has_session(&tm));
	COMMAND("quit");
	await_exit();
	tr_slurp(hist, buf, sizeof(buf));
	TAP_ASSERT(strstr(buf, "submit -n 100000000 null noop\n") != NULL);
	TAP_ASSERT(strstr(buf, "monitor\n") != NULL);
	TAP_ASSERT(strstr(buf, "status\n") != NULL);
	TAP_ASSERT(strstr(buf, "half-typed") == NULL);

	/* SIGTERM ends the shell, history written */
	TAP_ASSERT(unlink(hist) == 0);
	pid = start_shell_status(hist);
	COMMAND("schemes");
	AWAIT("zero");
	AWAIT_LINE("ringctl>");
	signal_shell(pid, SIGTERM, "143", hist, "schemes\n");

	/* SIGHUP during a command (monitor): the same */
	td_close_ring(c, ring, id);
	TAP_ASSERT(unlink(hist) == 0);
	pid = start_shell_status(hist);
	COMMAND("monitor");
	ring = await_monitor(c, &id);
	signal_shell(pid, SIGHUP, "129", hist, "monitor\n");

	/* the metrics server: Ctrl-C ends it, SIGTERM ends the shell */
	TAP_ASSERT(unlink(hist) == 0);
	pid = start_shell_status(hist);
	COMMAND("physalloc 64K");
	AWAIT("region ");
	COMMAND("metrics --listen 127.0.0.1:0");
	AWAIT("serving metrics on http://127.0.0.1:");
	/* a scrape keeps the shell's connection, and so its region */
	tm_capture(&tm, screen, sizeof(screen));
	TAP_ASSERT((p = strstr(screen, "http://127.0.0.1:")) != NULL);
	snprintf(cmd, sizeof(cmd),
	    "curl -sf -o /dev/null http://127.0.0.1:%d/metrics",
	    atoi(p + strlen("http://127.0.0.1:")));
	TAP_ASSERT(system(cmd) == 0);
	TAP_ASSERT(system(cmd) == 0);
	TAP_ASSERT(ring_phys_list_regions(c, &regs, &nregs) == 0);
	for (i = 0, held = 0; i < nregs; i++)
		held += regs[i].owner.pid == (uint32_t)pid &&
		    regs[i].client_id != 0;
	free(regs);
	TAP_ASSERT(held == 1);
	tm_keys(&tm, "C-c");
	AWAIT_LINE("ringctl>");
	clear_screen();
	COMMAND("metrics --listen 127.0.0.1:0");
	AWAIT("serving metrics on http://127.0.0.1:");
	signal_shell(pid, SIGTERM, "143", hist,
	    "metrics --listen 127.0.0.1:0\n");

	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	stop_ringd();
}

/*
 * Ctrl-Z at the prompt, the shell run as a job of an interactive bash:
 * it stops, bash takes the terminal back, and fg brings it back with the
 * half-typed line redrawn and still being edited.
 */
TAP_TEST(test_shell_ctrl_z, "ringctl-shell-ctrl-z", 60)
{
	char cmd[1024], hist[200];

	if (system("command -v bash >/dev/null 2>&1") != 0)
		TAP_FAIL("bash is not installed");
	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	tm_new_session(&tm, "rc", 160, 50,
	    "env -i TERM=screen PATH=/usr/bin:/bin PS1='bash$ ' bash --norc "
	    "--noprofile -i");
	AWAIT_LINE("bash$");
	snprintf(cmd, sizeof(cmd), "RINGCTL_HISTORY='%s' '%s' -S '%s'", hist,
	    tr_binary(), d.sock);
	run(cmd);
	PROMPT_TYPE("sta");
	tm_keys(&tm, "C-z");
	AWAIT("Stopped");
	AWAIT_LINE("bash$");
	run("fg");
	AWAIT_LINE("ringctl> sta");
	tm_type(&tm, "tus");
	tm_keys(&tm, "Enter");
	AWAIT("health:   ok");
	COMMAND("quit");
	AWAIT_LINE("bash$");
	run("exit");
	await_exit();
	stop_ringd();
}

/*
 * Ctrl-C while submit waits for a completion that does not come (a scheme
 * of the test's that takes the entry and never answers): the command
 * stops well before its --timeout and drops the ring, and the shell goes
 * on.
 */
TAP_TEST(test_shell_ctrl_c_wait, "ringctl-shell-ctrl-c-wait", 60)
{
	struct ring_ctl *c;
	struct ring_attach at;
	struct ring *ring;
	char hist[200];
	unsigned waited;

	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "zsilent", NULL, 0), 0);
	start_shell(hist);
	/* Ctrl-C while the open waits for the scheme: nothing is submitted */
	COMMAND("submit zsilent noop");
	TAP_RC(ring_ctl_wait_attach(c, &at, 5000), 0);
	tm_keys(&tm, "C-c");
	/* the terminal echoes ^C once it has sent SIGINT: answer after */
	AWAIT("^C");
	TAP_RC(ring_ctl_accept(c, &at, &ring), 0);
	AWAIT("ringctl: interrupted before submitting to 'zsilent'");
	AWAIT_LINE("ringctl>");
	for (waited = 0; !ring_is_dropped(ring); waited += 10) {
		if (waited >= 5000)
			TAP_FAIL("the ring was not dropped");
		tu_sleep_ms(10);
	}
	TAP_ASSERT(sq_depth_of(ring) == 0);
	ring_close(ring);

	COMMAND("submit --timeout 1h zsilent noop");
	TAP_RC(ring_ctl_wait_attach(c, &at, 5000), 0);
	TAP_RC(ring_ctl_accept(c, &at, &ring), 0);
	/* the entry is there, no completion will come */
	for (waited = 0; sq_depth_of(ring) == 0; waited += 10) {
		if (waited >= 5000)
			TAP_FAIL("submit pushed no entry");
		tu_sleep_ms(10);
	}
	tm_keys(&tm, "C-c");
	AWAIT("ringctl: interrupted: no completion from 'zsilent' yet");
	AWAIT_LINE("ringctl>");
	/* ringctl let go of the ring */
	for (waited = 0; !ring_is_dropped(ring); waited += 10) {
		if (waited >= 5000)
			TAP_FAIL("the ring was not dropped");
		tu_sleep_ms(10);
	}
	COMMAND("status");
	AWAIT("health:   ok");
	COMMAND("quit");
	await_exit();
	ring_close(ring);
	ring_ctl_close(c);
	stop_ringd();
}

/*
 * ringd goes away under the shell: a command says so and the shell goes
 * on; a new ringd on the same socket serves the next command, and the
 * region the old one held is reported gone.
 */
TAP_TEST(test_shell_ringd_gone, "ringctl-shell-ringd-gone", 60)
{
	char hist[200], path[64], buf[64], sleeping[16];
	unsigned waited;
	pid_t pid;

	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	pid = start_shell_status(hist);
	COMMAND("physalloc 1M");
	AWAIT("region 1: base");
	COMMAND("status");
	AWAIT("health:   ok");
	td_stop(&d);
	/* the connection the shell held is gone: this command says so */
	clear_screen();
	COMMAND("schemes");
	AWAIT("ringctl: ringd went away; cannot connect to ringd at '");
	TAP_ASSERT(tm_has_session(&tm));
	/* Ctrl-C ends the wait for ringd to come back */
	COMMAND("rings");
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	/* the shell is in the wait when it sleeps in clock_nanosleep() */
	snprintf(sleeping, sizeof(sleeping), "%d ", SYS_clock_nanosleep);
	for (waited = 0;; waited += 5) {
		tr_slurp(path, buf, sizeof(buf));
		if (strncmp(buf, sleeping, strlen(sleeping)) == 0)
			break;
		if (waited >= 5000)
			TAP_FAIL("rings never waited for ringd ('%s')", buf);
		tu_sleep_ms(5);
	}
	tm_keys(&tm, "C-c");
	AWAIT("ringctl: interrupted");
	AWAIT_LINE("ringctl>");
	COMMAND("help");
	AWAIT("Commands:");
	/* a new ringd: the next command reconnects and runs */
	td_start(&d, NULL, 0);
	clear_screen();
	COMMAND("status");
	AWAIT("health:   ok");
	TAP_ASSERT(
	    strstr(screen, "ringctl: ringd restarted; reconnected") != NULL);
	/* the shell's region was not handed back: it is said to be gone */
	TAP_ASSERT(strstr(screen,
		       "ringctl: region 1, allocated without --persist, went "
		       "with the old ringd") != NULL);

	/* restarted between two commands, reconnected at once */
	td_stop(&d);
	td_start(&d, NULL, 0);
	clear_screen();
	COMMAND("rings");
	AWAIT_LINE("ringctl>");
	TAP_ASSERT(
	    strstr(screen, "ringctl: ringd restarted; reconnected") != NULL);
	TAP_ASSERT(strstr(screen, "cannot") == NULL);
	TAP_ASSERT(strstr(screen, "went with") == NULL);

	/* Tab asks the new ringd; the command then says it reconnected */
	td_stop(&d);
	td_start(&d, NULL, 0);
	clear_screen();
	COMPLETE("probe ze", "probe zero");
	tm_keys(&tm, "Enter");
	AWAIT("  3  read");
	TAP_ASSERT(
	    count_on(screen, "ringctl: ringd restarted; reconnected") == 1);
	COMMAND("quit");
	await_exit();
	stop_ringd();
}

/* monitor across a ringd restart: it waits, then reports the new ringd. */
TAP_TEST(test_monitor_restart, "ringctl-monitor-restart", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char hist[200];

	start_ringd(true);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	start_shell(hist);
	COMMAND("monitor --interval 50ms");
	c = td_connect(&d);
	ring = await_monitor(c, &id);
	td_stop(&d);
	ring_close(ring);
	ring_ctl_close(c);
	AWAIT("ringctl: ringd went away; waiting for it");
	td_start(&d, NULL, 0);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);
	AWAIT("ringctl: ringd is back");
	tm_wait_until(&tm, two_attaches, NULL,
	    "never showed the new ringd's ring", screen);
	TAP_ASSERT(count_on(screen, "went away") == 1);
	tm_keys(&tm, "C-c");
	AWAIT_LINE("ringctl>");
	COMMAND("quit");
	await_exit();
	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	/* monitor may have connected while td_start() counted ringd's idle
	 * descriptors, so there are none to settle to */
	tm_stop(&tm);
	td_stop(&d);
	td_cleanup(&d);
}

/* The whole of a file (ringctl's output) has s, within 10 s. */
static void
await_file_has(const char *path, const char *s, unsigned n)
{
	static char buf[65536];
	unsigned waited;

	for (waited = 0; waited < 10000; waited += 20) {
		tr_slurp(path, buf, sizeof(buf));
		if (count_on(buf, s) >= n)
			return;
		tu_sleep_ms(20);
	}
	TAP_FAIL("'%s' never had '%s' %u times: %.300s", path, s, n, buf);
}

/* Wait up to 10 s for pid to end; its wait status. */
static int
await_pid(pid_t pid)
{
	unsigned waited;
	pid_t w;
	int st;

	for (waited = 0;
	     (w = waitpid(pid, &st, WNOHANG)) == 0 && waited < 10000;
	     waited += 10)
		tu_sleep_ms(10);
	if (w != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		TAP_FAIL("ringctl %d did not end", (int)pid);
	}
	return st;
}

/*
 * Outside the shell: SIGINT ends a submit as it ends any program (no
 * handler of ringctl's), and ends monitor with 0, which waits for a ringd
 * that went away and carries on with the new one.
 */
TAP_TEST(test_oneshot_signals, "ringctl-oneshot-signals", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	char out[256], err[256];
	uint64_t id;
	unsigned tries;
	pid_t pid;
	int st;

	start_ringd(false);
	c = td_connect(&d);
	pid = tr_spawn(d.dir, "sub", NULL,
	    (const char *const[]){ "-S", d.sock, "submit", "-n", "100000000",
		"null", "noop", NULL });
	id = await_busy_ring(c, "null", 1000);
	TAP_SYS(kill(pid, SIGINT));
	st = await_pid(pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGINT)
		TAP_FAIL("submit: wait status %#x, not killed by SIGINT", st);
	td_await_ring_gone(c, id);

	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "monitor", "-i", "20ms",
		NULL });
	snprintf(out, sizeof(out), "%s/mon.out", d.dir);
	snprintf(err, sizeof(err), "%s/mon.err", d.dir);
	/* a ring of monitor's first snapshot is no event: open until one is */
	for (tries = 0;; tries++) {
		unsigned waited;
		char buf[4096];

		if (tries == 20)
			TAP_FAIL("monitor never reported a ring");

		ring = td_open(c, "echo", 8, 0, 0, &id);
		for (waited = 0; waited < 1000; waited += 20) {
			tr_slurp(out, buf, sizeof(buf));
			if (strstr(buf, "attach  ring") != NULL)
				break;
			tu_sleep_ms(20);
		}
		if (waited < 1000)
			break;
		td_close_ring(c, ring, id);
	}
	td_stop(&d);
	ring_close(ring);
	ring_ctl_close(c);
	await_file_has(err, "ringctl: ringd went away; waiting for it\n", 1);
	td_start(&d, NULL, 0);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);
	await_file_has(err, "ringctl: ringd is back\n", 1);
	await_file_has(out, "attach  ring", 2);
	TAP_SYS(kill(pid, SIGINT));
	st = await_pid(pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		TAP_FAIL("monitor: wait status %#x, not exit 0", st);
	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * ringd goes away while a command waits for its answer (an open that the
 * scheme has not accepted yet): the command says ringd went away, with
 * status 3.
 */
TAP_TEST(test_ringd_gone_mid_command, "ringctl-ringd-gone-mid-command", 60)
{
	struct ring_ctl *c;
	struct ring_attach at;
	struct tr_run *r;
	pid_t pid;

	start_ringd(false);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "zwait", NULL, 0), 0);
	pid = tr_spawn(d.dir, "open", NULL,
	    (const char *const[]){ "-S", d.sock, "submit", "zwait", "noop",
		NULL });
	/* ringd asked the scheme: ringctl waits for the answer */
	TAP_RC(ring_ctl_wait_attach(c, &at, 5000), 0);
	td_stop(&d);
	(void)ring_ctl_refuse(c, &at, -ECONNREFUSED);
	ring_ctl_close(c);
	TAP_ASSERT((r = calloc(1, sizeof(*r))) != NULL);
	tr_collect(d.dir, "open", pid, 10000, r);
	if (r->status != 3 ||
	    strstr(r->err,
		"ringctl: cannot open ring to 'zwait': ringd went "
		"away (") == NULL)
		TAP_FAIL("status %d, stderr '%s'", r->status, r->err);
	free(r);
	td_cleanup(&d);
}

/* --- completion scripts ------------------------------------------------- */

/* A scheme only our private ringd has, so completions prove where they asked. */
#define COMP_SCHEME "zcomp-only"

/* The source tree's top, absolute (tests run from it, or RING_SRCDIR). */
static const char *
src_top(void)
{
	static char top[PATH_MAX];
	const char *env = getenv("RING_SRCDIR");

	if (realpath(env != NULL ? env : ".", top) == NULL)
		TAP_FAIL("cannot resolve the source tree: %s", strerror(errno));
	return top;
}

/* The directory of this build's ringctl, for $PATH. */
static const char *
bin_dir(void)
{
	static char dir[PATH_MAX];
	char *slash;

	if (realpath(tr_binary(), dir) == NULL)
		TAP_FAIL("cannot resolve '%s'", tr_binary());
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	return dir;
}

/* A private ringd (tmux too if tty) with one more scheme, registered by c. */
static struct ring_ctl *
comp_ringd(bool tty)
{
	struct ring_ctl *c;

	start_ringd(tty);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, COMP_SCHEME, NULL, 0), 0);
	return c;
}

static void
comp_done(struct ring_ctl *c)
{
	ring_ctl_close(c);
	stop_ringd();
}

/* Complete line with Tab (tm_tab()): the cursor line must become want. */
static void
zsh_complete(const char *line, const char *want)
{
	char buf[512];

	tm_tab(&tm, line);
	snprintf(buf, sizeof(buf), "zsh> %.*s", (int)sizeof(buf) - 6, want);
	AWAIT_LINE(buf);
}

TAP_TEST(test_zsh_completion, "ringctl-zsh-completion", 90)
{
	struct ring_ctl *c;
	char line[512], want[512], nosock[256], cmd[1024];

	if (system("command -v zsh >/dev/null 2>&1") != 0)
		TAP_FAIL("zsh is not installed (scripts/deps.sh installs it)");
	c = comp_ringd(true);
	snprintf(nosock, sizeof(nosock), "%s/nobody-here.sock", d.dir);
	/* an interactive zsh with only our completions and our ringctl */
	tr_zshrc(d.dir, src_top(), bin_dir());
	snprintf(cmd, sizeof(cmd),
	    "env -i HOME='%s' ZDOTDIR='%s' TERM=screen PATH=/usr/bin:/bin "
	    "RINGD_SOCKET='%s' zsh -i",
	    d.dir, d.dir, nosock);
	tm_new_session(&tm, "rc", 200, 50, cmd);
	AWAIT("zsh>");

	/* -S names the ringd: its schemes, though $RINGD_SOCKET is dead */
	snprintf(line, sizeof(line), "ringctl -S %s probe zc", d.sock);
	snprintf(want, sizeof(want), "ringctl -S %s probe %s @", d.sock,
	    COMP_SCHEME);
	zsh_complete(line, want);
	snprintf(line, sizeof(line), "ringctl -j --socket %s submit zc",
	    d.sock);
	snprintf(want, sizeof(want), "ringctl -j --socket %s submit %s @",
	    d.sock, COMP_SCHEME);
	zsh_complete(line, want);
	/* no -S: $RINGD_SOCKET, here nobody, so nothing is offered */
	zsh_complete("ringctl probe zc", "ringctl probe zc@");

	/* $RINGD_SOCKET is ours now, but -S names a dead socket */
	tm_keys(&tm, "C-u");
	snprintf(line, sizeof(line), "export RINGD_SOCKET='%s'", d.sock);
	run(line);
	AWAIT_LINE("zsh>");
	zsh_complete("ringctl probe zc", "ringctl probe " COMP_SCHEME " @");
	snprintf(line, sizeof(line), "ringctl -S %s probe zc", nosock);
	snprintf(want, sizeof(want), "ringctl -S %s probe zc@", nosock);
	zsh_complete(line, want);

	/* short options of the command table complete too */
	zsh_complete("ringctl monitor --thr", "ringctl monitor --threshold=@");
	zsh_complete("ringctl submit --co", "ringctl submit --count=@");
	tm_keys(&tm, "C-u");
	comp_done(c);
}

/* Run the bash completion on words (the last one being completed). */
static const char *
bash_complete(const char *env, const char *words)
{
	static char out[4096];

	tr_bash_complete(d.dir, src_top(), bin_dir(), "ringctl.bash",
	    "_ringctl", env, words, out, sizeof(out));
	return out;
}

/* text has a line that is exactly line */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

TAP_TEST(test_bash_completion, "ringctl-bash-completion", 60)
{
	struct ring_ctl *c;
	char env[300], words[512], nosock[256];
	const char *got;

	c = comp_ringd(false);
	snprintf(nosock, sizeof(nosock), "%s/nobody-here.sock", d.dir);
	/* -S names the ringd, though $RINGD_SOCKET is dead */
	snprintf(env, sizeof(env), "RINGD_SOCKET='%s'", nosock);
	snprintf(words, sizeof(words), "ringctl -S %s probe zc", d.sock);
	got = bash_complete(env, words);
	if (strcmp(got, COMP_SCHEME "\n") != 0)
		TAP_FAIL("-S: bash completion offers '%s'", got);
	snprintf(words, sizeof(words), "ringctl --socket %s -j submit \"\"",
	    d.sock);
	got = bash_complete(env, words);
	TAP_ASSERT(strstr(got, COMP_SCHEME "\n") != NULL);
	TAP_ASSERT(strstr(got, "null\n") != NULL);
	got = bash_complete(env, "ringctl probe zc");
	if (got[0] != '\0')
		TAP_FAIL("dead $RINGD_SOCKET: bash completion offers '%s'",
		    got);
	/* $RINGD_SOCKET is ours, -S names a dead socket: nothing */
	snprintf(env, sizeof(env), "RINGD_SOCKET='%s'", d.sock);
	got = bash_complete(env, "ringctl probe zc");
	TAP_ASSERT(strcmp(got, COMP_SCHEME "\n") == 0);
	snprintf(words, sizeof(words), "ringctl -S %s probe zc", nosock);
	got = bash_complete(env, words);
	if (got[0] != '\0')
		TAP_FAIL("-S dead: bash completion offers '%s'", got);
	/* options, short forms included, from 'help CMD' */
	got = bash_complete(env, "ringctl monitor -");
	TAP_ASSERT(has_line(got, "-i"));
	TAP_ASSERT(has_line(got, "--interval"));
	TAP_ASSERT(has_line(got, "-t"));
	TAP_ASSERT(has_line(got, "-n"));
	TAP_ASSERT(has_line(got, "--count"));
	got = bash_complete(env, "ringctl schemes -");
	TAP_ASSERT(has_line(got, "-q"));
	comp_done(c);
}

TAP_MAIN(td_setup)
