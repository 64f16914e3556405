/*
 * t-ringctl-shell.c - ringctl's readline shell in a real terminal: a tmux
 * session runs ringctl with no command against a private ringd, and the
 * test types into it (send-keys) and reads the screen (capture-pane):
 * Tab completion of commands, scheme names, opcode names, fields and ring
 * ids from the live daemon, output of commands, errors that do not end
 * the shell, the history (Up arrow, and the history file across runs),
 * and quit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t-ringctl.h"

static struct td d;
static char tmux_sock[200];
static char screen[65536];

/* Run a tmux command on our private server; its exit status. */
__attribute__((format(printf, 1, 2))) static int
tmux(const char *fmt, ...)
{
	char args[1024], cmd[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "tmux -S '%s' -f /dev/null %s", tmux_sock,
	    args);
	return system(cmd);
}

static void
tmux_stop(void)
{
	if (tmux_sock[0] != '\0')
		(void)tmux("kill-server >/dev/null 2>&1");
}

static const char *
capture(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/screen", d.dir);
	if (tmux("capture-pane -p -t rc > '%s' 2>/dev/null", path) != 0)
		screen[0] = '\0';
	else
		tr_slurp(path, screen, sizeof(screen));
	return screen;
}

/* Wait up to 5 s for text on the screen. */
#define AWAIT(text) await_at((text), __FILE__, __LINE__)
static void
await_at(const char *text, const char *file, int line)
{
	unsigned waited;

	for (waited = 0; waited < 5000; waited += 25) {
		if (strstr(capture(), text) != NULL)
			return;
		tu_sleep_ms(25);
	}
	tmux_stop();
	tap_fail_at(file, line, "'%s' never appeared; the screen:\n%s", text,
	    screen);
}

/* The line the cursor is on (the last non-empty line of the screen). */
static const char *
cursor_line(char *buf, size_t len)
{
	char *s = (char *)capture(), *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
	return buf;
}

/* Wait until the cursor line is exactly want. */
#define AWAIT_LINE(want) await_line_at((want), __FILE__, __LINE__)
static void
await_line_at(const char *want, const char *file, int line)
{
	char buf[512];
	unsigned waited;

	for (waited = 0; waited < 5000; waited += 25) {
		if (strcmp(cursor_line(buf, sizeof(buf)), want) == 0)
			return;
		tu_sleep_ms(25);
	}
	tmux_stop();
	tap_fail_at(file, line, "cursor line is '%s', expected '%s'", buf,
	    want);
}

static void
type(const char *text)
{
	char esc[512];
	size_t i, o = 0;

	/* single-quote for the shell that runs tmux */
	for (i = 0; text[i] != '\0' && o + 5 < sizeof(esc); i++) {
		if (text[i] == '\'') {
			memcpy(esc + o, "'\\''", 4);
			o += 4;
		} else {
			esc[o++] = text[i];
		}
	}
	esc[o] = '\0';
	TAP_ASSERT(tmux("send-keys -t rc -l '%s'", esc) == 0);
}

static void
key(const char *name)
{
	TAP_ASSERT(tmux("send-keys -t rc %s", name) == 0);
}

static void
start_shell(const char *hist)
{
	TAP_ASSERT(tmux("new-session -d -s rc -x 160 -y 50 "
			"\"env RINGCTL_HISTORY='%s' TERM=screen '%s' -S '%s'\"",
		       hist, tr_binary(), d.sock) == 0);
	AWAIT("ringctl>"); /* capture-pane drops trailing blanks */
}

static bool
shell_running(void)
{
	return tmux("has-session -t rc >/dev/null 2>&1") == 0;
}

static void
test_shell(void)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char hist[200], buf[4096], want[128];
	unsigned waited;

	if (system("command -v tmux >/dev/null 2>&1") != 0)
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux", d.dir);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);

	start_shell(hist);
	/* a command completed by Tab, then run */
	type("sta");
	key("Tab");
	AWAIT_LINE("ringctl> status");
	key("Enter");
	AWAIT("health:   ok");
	/* an error does not end the shell */
	type("frob");
	key("Enter");
	AWAIT("ringctl: unknown command 'frob'");
	type("submit nosuch noop");
	key("Enter");
	AWAIT("cannot open ring to 'nosuch': no such scheme");
	TAP_ASSERT(shell_running());
	/* scheme names from ringd */
	type("probe ze");
	key("Tab");
	AWAIT_LINE("ringctl> probe zero");
	key("Enter");
	AWAIT("  3  read");
	/* opcode names, then a field */
	type("submit null wr");
	key("Tab");
	AWAIT_LINE("ringctl> submit null write");
	type("da");
	key("Tab");
	AWAIT_LINE("ringctl> submit null write data=");
	type("abc");
	key("Enter");
	AWAIT("user_data=0 status=3 ");
	/* ring ids from ringd */
	type("ring ");
	key("Tab");
	snprintf(want, sizeof(want), "ringctl> ring %" PRIu64, id);
	AWAIT_LINE(want);
	key("Enter");
	AWAIT("state:      running");
	/* options of a command */
	type("monitor --thr");
	key("Tab");
	AWAIT_LINE("ringctl> monitor --threshold");
	key("C-u");
	/* history: Up brings back the last command */
	key("Up");
	AWAIT_LINE(want);
	key("C-u");
	type("help");
	key("Enter");
	AWAIT("Commands:");
	type("quit");
	key("Enter");
	for (waited = 0; shell_running() && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!shell_running());
	/* the history file holds what was typed, across runs */
	tr_slurp(hist, buf, sizeof(buf));
	TAP_ASSERT(strstr(buf, "status\n") != NULL);
	TAP_ASSERT(strstr(buf, "probe zero\n") != NULL);
	TAP_ASSERT(strstr(buf, "submit null write data=abc\n") != NULL);
	start_shell(hist);
	key("Up");
	AWAIT_LINE("ringctl> quit");
	key("Up");
	AWAIT_LINE("ringctl> help");
	key("C-u");
	/* end of input leaves too */
	key("C-d");
	for (waited = 0; shell_running() && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!shell_running());
	tmux_stop();

	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	td_assert_alive(&d);
	td_settle(&d);
	td_stop(&d);
	td_cleanup(&d);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringctl-shell-tmux", test_shell, 90);
	return tap_done();
}
