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
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/load.h"
#include "lib/proc.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/tmux.h"

#define TT_STALL "ttstall"
/* The help screen's key line, while it is shown. */
#define TT_HELP "j/k PgUp/PgDn scroll  Esc back"

static struct td d;
static struct tm_server tt; /* the private tmux server */
static char tt_ringtop[256]; /* bounded: command lines are built with it */

/* BUILD/ringtop/ringtop, or $RINGTOP_BIN. */
static const char *
tt_binary(void)
{
	return td_build_bin("RINGTOP_BIN", "ringtop/ringtop", tt_ringtop,
	    sizeof(tt_ringtop));
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

/* tm_wait_until() predicate: the Rings table's first row contains word. */
static bool
tt_first_has(const char *screen, const void *word)
{
	char row[512];

	tt_first_row(screen, "SCHEME", row, sizeof(row));
	return strstr(row, word) != NULL;
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

/* tt_begin() with the fixed load (lib/load.h) running. */
static void
tt_begin_loaded(const char *env, const char *args, int w, int h)
{
	tt_begin(env, args, w, h);
	tl_start(&tt_load, &d, TT_STALL);
}

/* The load stopped, then tt_end(). */
static void
tt_end_loaded(void)
{
	tl_stop(&tt_load);
	tt_end();
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
TAP_TEST(test_screen, "ringtop-tty-screen", 90)
{
	static char scr[TM_SCREEN_MAX];
	char line[512], tmp[64];

	if (tu_under_valgrind()) {
		/* the helpers' names and pace are valgrind's then */
		tap_diag("under valgrind: the screen's rows are not checked");
		return;
	}
	tt_begin_loaded("LANG=C.UTF-8", "-d 0.2", 120, 40);
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
	tt_end_loaded();
}

/* Sort keys and menu, invert, filter, search, detail, help. */
TAP_TEST(test_keys, "ringtop-tty-keys", 120)
{
	static char scr[TM_SCREEN_MAX];
	char row[512];

	tt_begin_loaded("", "-d 0.2 -s sq", 120, 40);
	tm_wait(&tt, " echo ", scr);
	tm_wait(&tt, " " TT_STALL " ", scr);
	tm_wait(&tt, " null ", scr);
	/*
	 * sorted by SQ depth: the stalled ring (5) comes first, once the
	 * load's entries show (a loaded machine may take a few frames)
	 */
	tm_wait(&tt, "sort sq", scr);
	tm_wait_until(&tt, tt_first_has, " " TT_STALL " ",
	    "the first row by sq never was the stalled ring", scr);
	/* the CQ column next: echo (backlog 3) first */
	tm_press(&tt, ">", "sort cq", scr);
	tm_wait_until(&tt, tt_first_has, " echo ",
	    "the first row by cq never was echo", scr);
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
	tm_press(&tt, "Enter", "scheme " TT_STALL "  kind v1  state", scr);
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
	tm_press(&tt, "Enter", "scheme echo  kind v1  state", scr);
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
	tt_end_loaded();
}

/* Pause freezes the screen; + and - change the interval. */
TAP_TEST(test_pause, "ringtop-tty-pause", 60)
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
TAP_TEST(test_resize, "ringtop-tty-resize", 60)
{
	static char scr[TM_SCREEN_MAX];
	char line[512];

	tt_begin_loaded("", "-d 0.2", 120, 40);
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
	tt_end_loaded();
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
TAP_TEST(test_color, "ringtop-tty-color", 60)
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
TAP_TEST(test_ringd_restart, "ringtop-tty-ringd-restart", 60)
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
TAP_TEST(test_no_ringd, "ringtop-tty-no-ringd", 60)
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
TAP_TEST(test_memory, "ringtop-tty-memory", 60)
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

/* --- the screens at 80x24 and 160x50 ----------------------------------- */

#define TT_DISK "ttdisk"

/* blkdev-scheme serving TT_DISK, registered with its opcode names. */
static void
tt_disk(struct tp_proc *p)
{
	struct ring_ctl *c = td_connect(&d);
	uint64_t t0 = clock_ns();

	tp_start_build(p, &d, "scheme", "examples/blkdev-scheme", "-n", TT_DISK,
	    "-s", "16M", (char *)NULL);
	while (!td_find_scheme(c, TT_DISK, NULL)) {
		if (clock_ns() - t0 > 5000000000ull) {
			tp_dump(p);
			TAP_FAIL("blkdev-scheme did not register in 5 s");
		}
		tu_sleep_ms(10);
	}
	ring_ctl_close(c);
}

/* A table: the tab's key, its column titles in order, and which must show
   at 80 columns. */
struct tt_table {
	const char *key;
	const char *cols[12];
	const char *narrow; /* titles, space-separated, a must at 80 */
};

static const struct tt_table tt_tables[] = {
	{ "1",
	    { "ID", "SCHEME", "KIND", "CONSUMER", "PRODUCER", "SQ", "CQ",
		"SUB/s", "CMP/s", "AGE", "STATE", NULL },
	    "ID SCHEME CONSUMER PRODUCER SQ CQ SUB/s CMP/s AGE STATE" },
	{ "2",
	    { "SCHEME", "OWNER", "UID", "BUILTIN", "RINGS", "OPCODES", NULL },
	    "SCHEME OWNER UID BUILTIN RINGS OPCODES" },
	{ "3",
	    { "ID", "CLIENT", "UID", "GID", "SCHEMES", "RINGS", "AGE", NULL },
	    "ID CLIENT UID GID SCHEMES RINGS AGE" },
	{ "4",
	    { "REGION", "BASE", "SIZE", "ZONE", "OWNER", "UID", "FLAGS",
		"MAPPED", "GRANTS", "AGE", NULL },
	    "REGION BASE SIZE ZONE OWNER MAPPED GRANTS AGE" },
};

/*
 * The table's header line (the first whose first word, without the sort
 * mark v or ^, is the table's first title) into line.
 */
static bool
tt_header(const char *scr, const struct tt_table *tb, char *line, size_t size)
{
	const char *p = scr;
	size_t n = strlen(tb->cols[0]);

	while (p != NULL && *p != '\0') {
		const char *w = p;

		while (*w == ' ')
			w++;
		if (strncmp(w, tb->cols[0], n) == 0 &&
		    (w[n] == ' ' || w[n] == 'v' || w[n] == '^')) {
			tt_line(p, "", line, size);
			return true;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

/*
 * Every word of the header is a whole column title (a sort mark v or ^ may
 * follow one), in the table's order, none twice, and with mark given the
 * titles it must hold; false (what in why) otherwise.
 */
static bool
tt_header_ok(const char *line, const struct tt_table *tb, const char *must,
    char *why, size_t size)
{
	char copy[512], word[32], *tok, *save = NULL;
	int last = -1, k;

	snprintf(copy, sizeof(copy), "%s", line);
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(tok);

		snprintf(word, sizeof(word), "%s", tok);
		for (k = 0; tb->cols[k] != NULL; k++)
			if (strcmp(word, tb->cols[k]) == 0)
				break;
		if (tb->cols[k] == NULL && n > 1 &&
		    (word[n - 1] == 'v' || word[n - 1] == '^')) {
			word[n - 1] = '\0';
			for (k = 0; tb->cols[k] != NULL; k++)
				if (strcmp(word, tb->cols[k]) == 0)
					break;
		}
		if (tb->cols[k] == NULL) {
			snprintf(why, size, "'%s' is no column title", tok);
			return false;
		}
		if (k <= last) {
			snprintf(why, size, "'%s' out of order", tok);
			return false;
		}
		last = k;
	}
	if (must != NULL) {
		snprintf(copy, sizeof(copy), "%s", must);
		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save))
			if (!tt_has_word(line, tok)) {
				/* the sorted column carries its mark */
				snprintf(word, sizeof(word), "%sv", tok);
				if (!tt_has_word(line, word)) {
					snprintf(why, size, "no column %s",
					    tok);
					return false;
				}
			}
	}
	return true;
}

/* The traffic for the layout tests: the load, the disk, 4 regions. */
static struct ring_ctl *
tt_layout_load(struct tp_proc *disk)
{
	struct ring_ctl *c;
	uint64_t base, min;
	int i;

	tl_start(&tt_load, &d, TT_STALL);
	tt_disk(disk);
	c = td_connect(&d);
	for (i = 0; i < 4; i++) {
		min = 1ull << 20;
		TAP_RC(ring_physalloc3(c, 1ull << 20, RING_PHYS_SPACE_32, &min,
			   &base),
		    0);
	}
	return c;
}

/* Every tab at w x h: its header whole and in order, every line fits. */
static void
tt_check_tabs(int w, int h)
{
	static char scr[TM_SCREEN_MAX];
	char line[512], why[128];
	size_t i;

	for (i = 0; i < sizeof(tt_tables) / sizeof(tt_tables[0]); i++) {
		const struct tt_table *tb = &tt_tables[i];

		tm_keys(&tt, tb->key);
		tm_wait(&tt, tb->cols[1], scr);
		tm_wait(&tt, tb->key[0] == '4' ? "GRANTS" : tb->cols[0], scr);
		if (!tt_header(scr, tb, line, sizeof(line))) {
			tm_dump(scr);
			TAP_FAIL("%dx%d tab %s: no header", w, h, tb->key);
		}
		if (!tt_header_ok(line, tb, w <= 80 ? tb->narrow : NULL, why,
			sizeof(why))) {
			tm_dump(scr);
			TAP_FAIL("%dx%d tab %s: header '%s': %s", w, h, tb->key,
			    line, why);
		}
		tt_check_size(scr, w, h);
	}
}

/*
 * 80x24 and 160x50: every tab's header holds whole column titles only;
 * at 80 every column of Rings but the bars, Memory's GRANTS and AGE and
 * the zone's figures; at 160 the bars and every column.
 */
TAP_TEST(test_layout, "ringtop-tty-layout", 120)
{
	static char scr[TM_SCREEN_MAX];
	struct tp_proc disk;
	struct ring_ctl *c;
	char line[512];

	if (tu_under_valgrind()) {
		tap_diag("under valgrind: the layout is not checked");
		return;
	}
	tt_begin("LANG=C.UTF-8", "-d 0.2", 80, 24);
	c = tt_layout_load(&disk);
	tm_wait(&tt, " " TT_STALL " ", scr);
	tt_check_tabs(80, 24);
	/* Rings: no bars at 80 (the peers' names come first) */
	tm_keys(&tt, "1");
	tm_wait(&tt, " " TT_STALL " ", scr);
	TAP_ASSERT(tt_line(scr, " " TT_STALL " ", line, sizeof(line)));
	if (strchr(line, '[') != NULL) {
		tm_dump(scr);
		TAP_FAIL("bars on an 80-column screen: '%s'", line);
	}
	/* Memory: the zone's figures wrap, none lost */
	tm_keys(&tt, "4");
	tm_wait(&tt, "largest free", scr);
	tm_wait(&tt, "regions 4", scr);
	tt_check_size(scr, 80, 24);

	tt_resize(160, 50);
	tm_keys(&tt, "1");
	tm_wait(&tt, "5 [", scr);
	tt_check_tabs(160, 50);
	tm_keys(&tt, "1");
	tm_wait(&tt, "5 [", scr);
	TAP_ASSERT(tt_line(scr, " " TT_STALL " ", line, sizeof(line)));
	TAP_ASSERT(strstr(line, " 0 [") != NULL);
	tm_keys(&tt, "4");
	tm_wait(&tt, "GRANTS", scr);
	TAP_ASSERT(tt_line(scr, "GRANTS", line, sizeof(line)));
	TAP_ASSERT(tt_has_word(line, "UID") && tt_has_word(line, "FLAGS"));

	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	ring_ctl_close(c);
	tl_stop(&tt_load);
	kill(disk.pid, SIGTERM);
	tp_reap(&disk, 10000);
	tt_end();
}

/* The line that starts with word and a blank, copied into line. */
static bool
tt_row(const char *screen, const char *word, char *line, size_t size)
{
	const char *p = screen;
	size_t n = strlen(word);

	for (;;) {
		if (strncmp(p, word, n) == 0 && p[n] == ' ')
			return tt_line(p, "", line, size);
		if ((p = strchr(p, '\n')) == NULL)
			return false;
		p++;
	}
}

/* The word-th word of each table row below the header holding hdr. */
static size_t
tt_column(const char *scr, const char *hdr, int word, char out[][64],
    size_t max)
{
	const char *p = strstr(scr, hdr);
	char line[512], *tok, *save = NULL;
	size_t n = 0;
	int k;

	if (p == NULL || (p = strchr(p, '\n')) == NULL)
		return 0;
	for (p++; *p != '\0' && *p != '\n' && n < max;) {
		tt_line(p, "", line, sizeof(line));
		if (strncmp(line, "F1", 2) == 0)
			break;
		tok = strtok_r(line, " ", &save);
		for (k = 0; k < word && tok != NULL; k++)
			tok = strtok_r(NULL, " ", &save);
		if (tok == NULL)
			break;
		snprintf(out[n++], 64, "%s", tok);
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/*
 * The Schemes tab: the opcode names a scheme declared and ranges of
 * unnamed ones, as ringctl writes them, cut cells ending in an ellipsis;
 * its own sort (keys, menu, invert), shown in the tab bar and its header
 * and applied, while the Rings tab keeps its own.
 */
TAP_TEST(test_schemes, "ringtop-tty-schemes", 90)
{
	static char scr[TM_SCREEN_MAX];
	char line[512], col[16][64], first[64];
	struct tp_proc disk;
	size_t n, i;

	tt_begin_loaded("LANG=C.UTF-8", "-d 0.2", 80, 24);
	tt_disk(&disk);
	tm_press(&tt, "2", "OPCODES", scr);
	tm_wait(&tt, "blkdev-scheme", scr);
	/* 80 columns: the lists are cut, with a mark */
	TAP_ASSERT(tt_row(scr, TT_DISK, line, sizeof(line)));
	if (strstr(line, "noop,read,write") == NULL ||
	    strstr(line, "\xe2\x80\xa6") == NULL) {
		tm_dump(scr);
		TAP_FAIL("ttdisk's opcodes not cut with an ellipsis: '%s'",
		    line);
	}
	TAP_ASSERT(tt_line(scr, "echo ", line, sizeof(line)));
	TAP_ASSERT(strstr(line, "\xe2\x80\xa6") != NULL);
	/* wide enough: the declared names, and echo's range */
	tt_resize(160, 50);
	tm_wait(&tt, "identify,capacity,release", scr);
	TAP_ASSERT(tt_row(scr, TT_DISK, line, sizeof(line)));
	TAP_ASSERT(strstr(line, ",fsync,identify,capacity,release") != NULL);
	TAP_ASSERT(strstr(line, "\xe2\x80\xa6") == NULL);
	TAP_ASSERT(tt_line(scr, "echo ", line, sizeof(line)));
	TAP_ASSERT(strstr(line, ",13-255") != NULL);
	TAP_ASSERT(strstr(line, "?") == NULL);

	/* sorted by name: the tab bar and the header say so */
	TAP_ASSERT(strstr(scr, "sort scheme ") != NULL);
	TAP_ASSERT(strstr(scr, "SCHEMEv") != NULL);
	n = tt_column(scr, "OPCODES", 0, col, 16);
	TAP_ASSERT(n >= 5);
	for (i = 1; i < n; i++)
		TAP_ASSERT(strcmp(col[i - 1], col[i]) < 0);
	/* > : by owner, blkdev-scheme before ringd */
	tm_press(&tt, ">", "sort owner ", scr);
	tm_wait(&tt, "OWNERv", scr);
	n = tt_column(scr, "OPCODES", 0, col, 16);
	TAP_ASSERT(n >= 5 && strcmp(col[0], TT_DISK) == 0);
	/* the F6 menu lists this table's columns: rings */
	tm_press(&tt, "F6", "Sort Schemes by", scr);
	TAP_ASSERT(strstr(scr, " builtin ") != NULL);
	tm_keys(&tt, "Down");
	tm_keys(&tt, "Down");
	tm_keys(&tt, "Down");
	tm_press(&tt, "Enter", "sort rings ", scr);
	tm_wait(&tt, "RINGSv", scr);
	n = tt_column(scr, "OPCODES", 0, col, 16);
	TAP_ASSERT(n >= 5 && strcmp(col[n - 1], TT_DISK) == 0);
	/* inverted: the scheme without rings first */
	tm_press(&tt, "I", "sort rings (inverted)", scr);
	tm_wait(&tt, "RINGS^", scr);
	n = tt_column(scr, "OPCODES", 0, col, 16);
	TAP_ASSERT(n >= 5 && strcmp(col[0], TT_DISK) == 0);
	snprintf(first, sizeof(first), "%s", col[0]);
	/* the Rings tab kept its own sort */
	tm_press(&tt, "1", "sort id ", scr);
	TAP_ASSERT(strstr(scr, "IDv") != NULL);
	TAP_ASSERT(strstr(scr, "(inverted)") == NULL);
	/* and back: the Schemes sort is still there */
	tm_press(&tt, "2", "sort rings (inverted)", scr);
	n = tt_column(scr, "OPCODES", 0, col, 16);
	TAP_ASSERT(n >= 1 && strcmp(col[0], first) == 0);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	kill(disk.pid, SIGTERM);
	tp_reap(&disk, 10000);
	tt_end_loaded();
}

/*
 * Help scrolls at 80x24; the detail view's key bar has its own keys; in
 * a locale that is not UTF-8 cut cells end in '~'.
 */
TAP_TEST(test_help_detail, "ringtop-tty-help-detail", 60)
{
	static char scr[TM_SCREEN_MAX];
	char line[512];

	tt_begin_loaded("LC_ALL=C", "-d 0.2", 80, 24);
	tm_wait(&tt, " " TT_STALL " ", scr);
	/* not UTF-8: a cut cell ends in '~' (the peers' names at 80) */
	TAP_ASSERT(tt_line(scr, " " TT_STALL " ", line, sizeof(line)));
	if (strstr(line, "/t-ri") == NULL || strstr(line, "~ ") == NULL ||
	    strstr(line, "\xe2\x80\xa6") != NULL) {
		tm_dump(scr);
		TAP_FAIL("no '~' ending a cut cell: '%s'", line);
	}
	tm_press(&tt, "h", TT_HELP, scr);
	tm_wait(&tt, "lines 1-22 of ", scr);
	TAP_ASSERT(strstr(scr, "show this help") != NULL);
	TAP_ASSERT(strstr(scr, "While ringd is away") == NULL);
	/* End: the last line; Home: the first again */
	tm_press(&tt, "End", "While ringd is away", scr);
	TAP_ASSERT(strstr(scr, "show this help") == NULL);
	tm_press(&tt, "Home", "show this help", scr);
	tm_wait(&tt, "lines 1-22 of ", scr);
	/* j and k by a line, PgDn by a page */
	tm_press(&tt, "j", "lines 2-23 of ", scr);
	tm_press(&tt, "k", "lines 1-22 of ", scr);
	tm_press(&tt, "PgDn", "While ringd is away", scr);
	tm_press(&tt, "PgUp", "lines 1-22 of ", scr);
	/* another key: back to the table */
	tm_keys(&tt, "Escape");
	tm_wait_gone(&tt, TT_HELP, scr);
	tm_wait(&tt, "F6Sort", scr);

	/* the detail view: its own keys, no sort */
	tm_press(&tt, "Enter", "history: one column per", scr);
	tm_wait(&tt, "EscBack", scr);
	TAP_ASSERT(strstr(scr, "Up/DnRing") != NULL);
	TAP_ASSERT(strstr(scr, "F6Sort") == NULL);
	TAP_ASSERT(strstr(scr, "F4Filter") == NULL);
	TAP_ASSERT(strstr(scr, "sort - ") != NULL);
	tm_press(&tt, "Escape", "F6Sort", scr);
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	tt_end_loaded();
}

/*
 * Whether the screen line holding s is drawn dim (SGR 2) up to s, from a
 * capture with attributes (capture-pane -e).
 */
static bool
tt_dim(const char *s, bool must_find)
{
	static char esc[TM_SCREEN_MAX];
	const char *hit, *b, *p;
	bool dim = false;

	if (tm_run(&tt, esc, sizeof(esc), "capture-pane", "-e", "-p", "-t",
		"rt", (char *)NULL) != 0)
		TAP_FAIL("capture-pane -e failed");
	if ((hit = strstr(esc, s)) == NULL) {
		if (must_find)
			TAP_FAIL("no '%s' on the screen", s);
		return false;
	}
	for (b = hit; b > esc && b[-1] != '\n'; b--)
		;
	/* the last SGR before s: dim when it sets 2 (and no 22 after) */
	for (p = b; p < hit; p++) {
		long v;
		char *end;

		if (p[0] != '\033' || p[1] != '[')
			continue;
		for (p += 2;; p = end + 1) {
			v = strtol(p, &end, 10);
			if (end == p && *p == 'm')
				dim = false; /* ESC[m resets */
			if (end != p && v == 2)
				dim = true;
			if (end != p && (v == 0 || v == 22))
				dim = false;
			if (*end != ';')
				break;
		}
	}
	return dim;
}

/*
 * With the demo's processes: the scheme stopped (SIGSTOP) -> its ring
 * stalled, the alarm naming the scheme within 3 s; the driver killed ->
 * its ring kept, dimmed, as ended, and the event in the log pane; ringd
 * stopped -> the last frame kept under "ringd gone since".
 */
TAP_TEST(test_blame, "ringtop-tty-blame", 90)
{
	static char scr[TM_SCREEN_MAX];
	struct tp_proc disk, drv;
	char line[512], want[96];
	pid_t dpid;

	if (tu_under_valgrind()) {
		tap_diag("under valgrind: the 3 s bound is not checked");
		return;
	}
	tt_begin("LANG=C.UTF-8", "-d 0.2", 120, 40);
	tt_disk(&disk);
	tp_start_build(&drv, &d, "driver", "examples/blkdev-driver", "-n",
	    TT_DISK, "-m", "load", "-b", "4K", "-q", "16", "-l", "4M",
	    (char *)NULL);
	tt_wait_row(" " TT_DISK " ", "[", "[", scr);
	tm_wait(&tt, "running", scr);

	kill(disk.pid, SIGSTOP);
	/* SQEs queued, or taken with no CQE posted: the scheme either way */
	snprintf(want, sizeof(want), "producer %d/blkdev-scheme ",
	    (int)disk.pid);
	tt.wait_ms = 3000;
	tm_wait(&tt, want, scr);
	tt.wait_ms = 0;
	TAP_ASSERT(tt_line(scr, " " TT_DISK " ", line, sizeof(line)));
	if (!tt_has_word(line, "stalled")) {
		tm_dump(scr);
		TAP_FAIL("the stopped scheme's ring is not stalled: '%s'",
		    line);
	}
	kill(disk.pid, SIGCONT);
	tm_wait_gone(&tt, want, scr);

	/* the consumer dies: its ring stays, ended */
	dpid = drv.pid;
	kill(drv.pid, SIGKILL);
	tp_reap(&drv, 10000);
	tm_wait(&tt, "consumer gone", scr);
	TAP_ASSERT(tt_line(scr, "consumer gone", line, sizeof(line)));
	TAP_ASSERT(strstr(line, " " TT_DISK " ") != NULL);
	TAP_ASSERT(tt_has_word(line, "ended"));
	/* dimmed (SGR 2), unlike the header */
	TAP_ASSERT(tt_dim(" " TT_DISK " ", true));
	TAP_ASSERT(!tt_dim("schemes ", true));
	/* the event log pane has the line */
	tm_press(&tt, "e", "EVENTS", scr);
	snprintf(want, sizeof(want), "%d/blkdev-driver) ended: consumer gone",
	    (int)dpid);
	tm_wait(&tt, want, scr);
	TAP_ASSERT(strstr(scr, "stall") != NULL);

	/* ringd stops: the last frame stays, marked */
	td_stop(&d);
	tm_wait(&tt, "ringd gone since ", scr);
	TAP_ASSERT(strstr(scr, " " TT_DISK " ") != NULL);
	TAP_ASSERT(strstr(scr, "consumer gone") != NULL);
	/* all of the last frame dimmed, but the line saying so */
	TAP_ASSERT(tt_dim("schemes ", true));
	TAP_ASSERT(!tt_dim("ringd gone since ", true));
	tm_press(&tt, "q", "RINGTOP-EXIT=0", scr);
	kill(disk.pid, SIGKILL);
	tp_reap(&disk, 10000);
	tm_stop(&tt);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
