/*
 * t-ringtop-tty.c - ringtop in a real terminal: a private tmux server
 * (its own socket in the test's directory, run in the foreground as a
 * helper of the sub-test, so it dies with it) runs ringtop in a 120x40
 * window against a private ringd carrying test traffic; the test types
 * keys with send-keys and reads the screen with capture-pane.
 *
 * Traffic (lib/load.h): a stalled scheme with 5 SQEs queued (SQ depth 5),
 * 3 SQEs to the built-in echo scheme never reaped (CQ backlog 3), round
 * trips through null (moving) and an idle ring to zero.
 *
 * Checked: the rows and their depth/backlog, the stall alarm, sorting
 * (keys and the F6 menu), inverting, filtering, searching, the detail
 * view, help, pause, the refresh interval, tabs, resizing, colours off,
 * quitting with the terminal restored, and ringd stopping and coming
 * back while ringtop runs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/load.h"
#include "lib/ringd.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/tmux.h"

#define TT_STALL "ttstall"
/* The help screen's key line, while it is shown. */
#define TT_HELP "j/k PgUp/PgDn scroll  Esc back"

static struct td d;
static struct tm_server tt; /* the private tmux server */
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

/* A table row and the queue counts it must show. */
struct tt_row {
	const char *key, *sq, *cq;
};

static bool
tt_row_shows(const char *screen, const void *arg)
{
	const struct tt_row *r = arg;
	char line[512];

	return tt_line(screen, r->key, line, sizeof(line)) &&
	    strstr(line, r->sq) != NULL && strstr(line, r->cq) != NULL;
}

/*
 * Wait until the row holding key shows both sq and cq (its queue columns):
 * a frame drawn before the traffic was in place shows other counts.
 */
#define tt_wait_row(key, sq, cq, scr) \
	do { \
		struct tt_row tt_r_ = { (key), (sq), (cq) }; \
		tm_wait_until(&tt, tt_row_shows, &tt_r_, \
		    "never showed row '" key "' with SQ '" sq "' and CQ '" cq \
		    "'", \
		    (scr)); \
	} while (0)

/* The table's first data row (the line after the one holding hdr). */
static void
tt_first_row(const char *screen, const char *hdr, char *row, size_t size)
{
	const char *h = strstr(screen, hdr), *nl, *e;

	if (h == NULL || (nl = strchr(h, '\n')) == NULL) {
		tm_dump(screen);
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

static struct tl_load tt_load;

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

/* The private tmux server in ringd's directory, a session "rt" of w x h. */
static void
tt_start(int w, int h, const char *cmd)
{
	tm_start(&tt, d.dir);
	tm_new_session(&tt, "rt", w, h, cmd);
	/* the window follows resize-window, not an attached client */
	TM_RUN(&tt, "set-option", "-g", "window-size", "manual");
}

static void
tt_begin(const char *env, const char *args, int w, int h)
{
	char cmd[1024];

	td_begin(&d, NULL);
	tt_cmd(cmd, sizeof(cmd), env, args);
	tt_start(w, h, cmd);
}

static void
tt_end(void)
{
	tm_stop(&tt);
	td_stop(&d);
	td_cleanup(&d);
}

/* --- sub-tests ------------------------------------------------------------ */

/* The pane's alternate-screen and cursor flags ("1 0": on, hidden). */
#define tt_modes(want, what) tt_modes_at((want), (what), __FILE__, __LINE__)
static void
tt_modes_at(const char *want, const char *what, const char *file, int line)
{
	char fl[64];

	tm_format(&tt, "#{alternate_on} #{cursor_flag}", fl, sizeof(fl));
	if (strncmp(fl, want, strlen(want)) != 0)
		tap_fail_at(file, line, "%s expected, tmux says '%s'", what,
		    fl);
}

/* Rows, depth and backlog, the stall alarm, rates; then q. */
static void
test_screen(void)
{
	static char scr[TM_SCREEN_MAX];
	char line[512], tmp[64];

	if (tu_under_valgrind()) {
		/* the helpers' names and pace are valgrind's then */
		tap_diag("under valgrind: the screen's rows are not checked");
		return;
	}
	tt_begin("LANG=C.UTF-8", "-d 0.2", 120, 40);
	tl_start(&tt_load, &d, TT_STALL);
	/* the stalled ring: 5 SQEs queued of 16, nothing completed */
	tt_wait_row(" " TT_STALL " ", " 5 [", " 0 [", scr);
	/* echo answered 3 SQEs nobody reaps: CQ backlog 3 */
	tt_wait_row(" echo ", " 0 [", " 3 [", scr);
	/*
	 * The head of the stalled SQ stays still: an alarm from 2 s on,
	 * charged to the producer, the scheme that takes no SQEs; echo's CQ
	 * backlog nobody reaps is charged to the consumer.
	 */
	tm_wait(&tt, "takes no SQEs (5 queued)", scr);
	TAP_ASSERT(tt_line(scr, "takes no SQEs", line, sizeof(line)));
	snprintf(tmp, sizeof(tmp), "(%s): stalled ", TT_STALL);
	TAP_ASSERT(strstr(line, tmp) != NULL);
	snprintf(tmp, sizeof(tmp), "producer %d/", (int)tt_load.scheme_pid);
	TAP_ASSERT(strstr(line, tmp) != NULL);
	tm_wait(&tt, "reaps no CQEs (3 of 8)", scr);
	TAP_ASSERT(tt_line(scr, "reaps no CQEs", line, sizeof(line)));
	TAP_ASSERT(strstr(line, "(echo): CQ backlog ") != NULL);
	snprintf(tmp, sizeof(tmp), "consumer %d/", (int)tt_load.cons_pid);
	TAP_ASSERT(strstr(line, tmp) != NULL);
	/* both rows say stalled, not running */
	TAP_ASSERT(tt_line(scr, " " TT_STALL " ", line, sizeof(line)));
	TAP_ASSERT(tt_has_word(line, "stalled"));
	TAP_ASSERT(tt_line(scr, " echo ", line, sizeof(line)));
	TAP_ASSERT(tt_has_word(line, "stalled"));
	/* the null ring moves: running */
	tm_wait(&tt, " null ", scr);
	TAP_ASSERT(tt_line(scr, " null ", line, sizeof(line)));
	if (!tt_has_word(line, "running") && !tt_has_word(line, "sleeping") &&
	    !tt_has_word(line, "idle")) {
		tm_dump(scr);
		TAP_FAIL("null row without a state: '%s'", line);
	}
	tm_wait(&tt, "clients 3", scr);

	/* q: ringtop leaves, the terminal is back to normal */
	tt_modes("1 0", "while running: alternate screen and hidden cursor");
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tm_wait(&tt, "TTY-SANE", scr);
	tt_modes("0 1", "after q: normal screen and visible cursor");
	/* nothing of ringtop's screen is left on the terminal */
	if (strstr(scr, "F10Quit") != NULL || strstr(scr, "SCHEME") != NULL) {
		tm_dump(scr);
		TAP_FAIL("ringtop's screen is left on the terminal");
	}
	tl_stop(&tt_load);
	tt_end();
}

/* Sort keys and menu, invert, filter, search, detail, help. */
static void
test_keys(void)
{
	static char scr[TM_SCREEN_MAX];
	char row[512];

	tt_begin("", "-d 0.2 -s sq", 120, 40);
	tl_start(&tt_load, &d, TT_STALL);
	tm_wait(&tt, " echo ", scr);
	tm_wait(&tt, " " TT_STALL " ", scr);
	tm_wait(&tt, " null ", scr);
	/* sorted by SQ depth: the stalled ring (5) comes first */
	tm_wait(&tt, "sort sq", scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, TT_STALL) == NULL) {
		tm_dump(scr);
		TAP_FAIL("first row by sq is not the stalled ring: '%s'", row);
	}
	/* the CQ column next: echo (backlog 3) first */
	tm_press(&tt, ">", "sort cq", scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, " echo ") == NULL) {
		tm_dump(scr);
		TAP_FAIL("first row by cq is not echo: '%s'", row);
	}
	/* inverted: echo last, so not first */
	tm_press(&tt, "I", "(inverted)", scr);
	tt_first_row(scr, "SCHEME", row, sizeof(row));
	if (strstr(row, " echo ") != NULL) {
		tm_dump(scr);
		TAP_FAIL("inverted cq order still starts with echo");
	}
	tm_keys(&tt, "I");
	tm_wait_gone(&tt, "(inverted)", scr);
	/* the F6 menu: from cq, one down is submit, Enter takes it */
	tm_press(&tt, "F6", "Sort Rings by", scr);
	tm_keys(&tt, "Down");
	tm_press(&tt, "Enter", "sort submit", scr);
	tm_wait_gone(&tt, "Sort Rings by", scr);
	/* < goes back */
	tm_press(&tt, "<", "sort cq", scr);

	/* filter: only the echo ring stays */
	tm_type(&tt, "\\");
	tm_wait(&tt, "Filter:", scr);
	tm_type(&tt, "echo");
	tm_press(&tt, "Enter", "filter 'echo'", scr);
	tm_wait_gone(&tt, " " TT_STALL " ", scr);
	TAP_ASSERT(strstr(scr, " echo ") != NULL);
	TAP_ASSERT(strstr(scr, " null ") == NULL);
	/* a filter matching nothing says so */
	tm_keys(&tt, "F4");
	tm_type(&tt, "zz");
	tm_wait(&tt, "no ring matches", scr);
	/* Esc in the prompt drops the filter */
	tm_keys(&tt, "Escape");
	tm_wait_gone(&tt, "filter '", scr);
	tm_wait(&tt, " " TT_STALL " ", scr);

	/* search moves the selection; Enter then opens that ring */
	tm_press(&tt, "/", "Search:", scr);
	tm_type(&tt, TT_STALL);
	tm_keys(&tt, "Enter");
	tm_wait_gone(&tt, "Search:", scr);
	tm_press(&tt, "Enter", "scheme " TT_STALL "  state", scr);
	tm_wait(&tt, "history: one column per", scr);
	if (strstr(scr, "depth 5/16") == NULL) {
		tm_dump(scr);
		TAP_FAIL("detail view without SQ depth 5/16");
	}
	/* Esc: back to the table */
	tm_keys(&tt, "Escape");
	tm_wait_gone(&tt, "history:", scr);
	tm_wait(&tt, "SCHEME", scr);
	/* F3 searches too */
	tm_keys(&tt, "F3");
	tm_type(&tt, "echo");
	tm_keys(&tt, "Enter");
	tm_press(&tt, "Enter", "scheme echo  state", scr);
	tm_press(&tt, "Escape", "SCHEME", scr);

	/* help, and any key but a scrolling one back */
	tm_press(&tt, "h", TT_HELP, scr);
	TAP_ASSERT(strstr(scr, "pause or resume") != NULL);
	tm_keys(&tt, "x");
	tm_wait_gone(&tt, TT_HELP, scr);
	tm_press(&tt, "?", TT_HELP, scr);
	tm_keys(&tt, "F1");
	tm_wait_gone(&tt, TT_HELP, scr);

	/* tabs */
	tm_press(&tt, "2", "OPCODES", scr);
	TAP_ASSERT(strstr(scr, TT_STALL) != NULL);
	tm_press(&tt, "Tab", "SCHEMES  RINGS", scr);
	tm_press(&tt, "Tab", "map: # used", scr);
	TAP_ASSERT(strstr(scr, "zone 32  ") != NULL);
	tm_press(&tt, "1", "SCHEME", scr);

	tm_press(&tt, "F10", "RINGTOP-EXIT=0", scr);
	tl_stop(&tt_load);
	tt_end();
}

/* Pause freezes the screen; + and - change the interval. */
static void
test_pause(void)
{
	static char scr[TM_SCREEN_MAX], again[TM_SCREEN_MAX];

	tt_begin("", "-d 0.2", 120, 40);
	tm_wait(&tt, "every 0.2s", scr);
	tm_press(&tt, "p", "PAUSED", scr);
	/* several intervals later nothing changed, not even the uptime */
	tu_sleep_ms(700);
	tm_capture(&tt, again, sizeof(again));
	if (strcmp(scr, again) != 0) {
		tm_dump(scr);
		tm_dump(again);
		TAP_FAIL("the screen changed while paused");
	}
	tm_keys(&tt, "Z");
	tm_wait_gone(&tt, "PAUSED", scr);
	tm_press(&tt, "+", "every 0.5s", scr);
	tm_press(&tt, "+", "every 1s", scr);
	tm_keys(&tt, "-");
	tm_keys(&tt, "-");
	tm_press(&tt, "-", "every 0.1s", scr);
	tm_keys(&tt, "-");
	tu_sleep_ms(200);
	tm_wait(&tt, "every 0.1s", scr);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tt_end();
}

/* Columns of the n bytes of UTF-8 at s (continuation bytes take none). */
static int
tt_cols(const char *s, size_t n)
{
	int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
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
		if (tt_cols(p, nl ? (size_t)(nl - p) : strlen(p)) > w) {
			tm_dump(scr);
			TAP_FAIL("a line is wider than %d columns", w);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (lines > h) {
		tm_dump(scr);
		TAP_FAIL("%d lines on a %d-line screen", lines, h);
	}
}

static void
tt_resize(int w, int h)
{
	char ws[16], hs[16];

	snprintf(ws, sizeof(ws), "%d", w);
	snprintf(hs, sizeof(hs), "%d", h);
	TM_RUN(&tt, "resize-window", "-t", "rt", "-x", ws, "-y", hs);
}

/* Resizing redraws the whole screen at the new size, down to narrow. */
static void
test_resize(void)
{
	static char scr[TM_SCREEN_MAX];
	char line[512];

	tt_begin("", "-d 0.2", 120, 40);
	tl_start(&tt_load, &d, TT_STALL);
	tm_wait(&tt, " " TT_STALL " ", scr);
	TAP_ASSERT(tt_line(scr, "SCHEME", line, sizeof(line)));
	TAP_ASSERT(strstr(line, "PRODUCER") != NULL);
	/* 80 columns: every column but the bars */
	tt_resize(80, 24);
	tm_wait_gone(&tt, "5 [", scr);
	tm_wait(&tt, " " TT_STALL " ", scr);
	tt_check_size(scr, 80, 24);
	TAP_ASSERT(tt_line(scr, "SCHEME", line, sizeof(line)));
	TAP_ASSERT(strstr(line, "PRODUCER") != NULL);
	TAP_ASSERT(strstr(scr, "F1Help") != NULL);
	/* 40: the columns of least weight go, whole */
	tt_resize(40, 12);
	tm_wait_gone(&tt, "PRODUCER", scr);
	tm_wait(&tt, "SCHEME", scr);
	tt_check_size(scr, 40, 12);
	tt_resize(120, 40);
	tm_wait(&tt, "5 [", scr);
	tm_wait(&tt, " " TT_STALL " ", scr);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tm_wait(&tt, "TTY-SANE", scr);
	tl_stop(&tt_load);
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
	static char scr[TM_SCREEN_MAX];
	static const char *const runs[][2] = {
		{ "TERM=xterm-256color", "-d 0.2" },
		{ "TERM=xterm-256color NO_COLOR=1", "-d 0.2" },
		{ "TERM=xterm-256color", "-d 0.2 --no-color" },
	};
	char cmd[1024];
	size_t i;

	td_begin(&d, NULL);
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		bool colour;

		tt_cmd(cmd, sizeof(cmd), runs[i][0], runs[i][1]);
		tt_start(120, 40, cmd);
		tm_wait(&tt, "F10Quit", scr);
		if (tm_run(&tt, scr, sizeof(scr), "capture-pane", "-e", "-p",
			"-t", "rt", (char *)NULL) != 0)
			TAP_FAIL("capture-pane -e failed");
		colour = tt_has_colour(scr);
		if (colour != (i == 0)) {
			tm_dump(scr);
			TAP_FAIL("run %zu (%s %s): colours %s", i, runs[i][0],
			    runs[i][1], colour ? "on" : "off");
		}
		tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
		tm_stop(&tt);
	}
	td_stop(&d);
	td_cleanup(&d);
}

/* ringd stops and comes back while ringtop runs; ringtop follows. */
static void
test_ringd_restart(void)
{
	static char scr[TM_SCREEN_MAX];
	char fl[32];

	tt_begin("", "-d 0.2", 120, 40);
	tm_wait(&tt, "schemes 3  rings 0", scr);
	td_stop(&d);
	/* the last frame stays, under a line saying since when */
	tm_wait(&tt, "ringd gone since ", scr);
	tm_wait(&tt, "retrying every 0.2s", scr);
	TAP_ASSERT(strstr(scr, "schemes 3  rings 0") != NULL);
	TAP_ASSERT(strstr(scr, "1 Rings") != NULL);
	/* keys still work while ringd is away */
	tm_press(&tt, "h", TT_HELP, scr);
	tm_press(&tt, "x", "retrying every", scr);
	/* the same socket again: ringtop reconnects by itself */
	td_start(&d, NULL, 0);
	tm_wait_gone(&tt, "ringd gone since", scr);
	tm_wait(&tt, "schemes 3  rings 0", scr);
	TAP_ASSERT(strstr(scr, "retrying every") == NULL);
	/* and it is still the same ringtop */
	tm_format(&tt, "#{alternate_on}", fl, sizeof(fl));
	TAP_ASSERT(fl[0] == '1');
	TAP_ASSERT(strstr(scr, "RINGTOP-EXIT") == NULL);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tt_end();
}

/* Started without ringd: a message, retries, and q still quits. */
static void
test_no_ringd(void)
{
	static char scr[TM_SCREEN_MAX];
	char cmd[1024];

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	tt_cmd(cmd, sizeof(cmd), "", "-d 0.2");
	tt_start(80, 24, cmd);
	tm_wait(&tt, "ringd is not running", scr);
	TAP_ASSERT(strstr(scr, d.sock) != NULL);
	tm_wait(&tt, "retrying every 0.2s", scr);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tm_wait(&tt, "TTY-SANE", scr);
	tm_stop(&tt);
	td_cleanup(&d);
}

/* The Memory tab: zones, a fragmentation map, regions by owner. */
static void
test_memory(void)
{
	static char scr[TM_SCREEN_MAX];
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
	tm_wait(&tt, "memory  zone 32: used 256M", scr);
	tm_press(&tt, "4", "REGION", scr);
	tm_wait(&tt, "regions 4", scr);
	TAP_ASSERT(tt_line(scr, "zone 32  0x", line, sizeof(line)));
	if (strstr(line, "used 256M") == NULL) {
		tm_dump(scr);
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
		tm_dump(scr);
		TAP_FAIL("zone 32 map: %d used and %d free cells", used, freec);
	}
	snprintf(want, sizeof(want), "t-ringtop-tty uid %u: 4 (256M)",
	    (unsigned)getuid());
	if (strstr(scr, want) == NULL) {
		tm_dump(scr);
		TAP_FAIL("no owner summary '%s'", want);
	}
	for (p = strstr(scr, "REGION"); (p = strchr(p, '\n')) != NULL;) {
		p++;
		tt_line(p, "", line, sizeof(line));
		if (tt_has_word(line, "64M") && tt_has_word(line, "32"))
			rows++;
	}
	TAP_EQ(rows, 4);
	/* freed with the connection: the tab follows */
	ring_ctl_close(c);
	tm_wait(&tt, "no region is allocated", scr);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
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
