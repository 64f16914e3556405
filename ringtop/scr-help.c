/*
 * scr-help.c - the help screen: one line per key binding, generated from
 * keys.c's tables (the one place a key is bound and described), notes on
 * the columns and states, then the keys of a replay.
 *
 * Depends on scr.c and keys.c's table; called by screen_draw() alone.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "scr.h"
#include "view.h"

static const char *const scr_help_notes[] = {
	"SQ, CQ     SQ depth and CQ backlog, with bars of the queue size",
	"           when the screen has room for them",
	"SUB/s      SQEs submitted per second; CMP/s CQEs posted per second",
	"           (- until two snapshots were compared)",
	"AGE        how long the head of the queue in alarm (else the SQ's)",
	"           has stood still with entries behind it",
	"STATE      running: an index moved since the last snapshot;",
	"           waiting: entries queued, nothing moved, not yet 2 s;",
	"           stalled: an SQ (CQ) head still for 2 s with entries,",
	"           charged to the producer (consumer), shown in red;",
	"           sleeping: empty, a side waits; idle; pending; adopting;",
	"           dropped: a side left; broken; ended: gone from ringd, kept",
	"           dimmed for a minute with how it ended; -: not known yet",
	"Rows where an index moved since the last refresh are highlighted;",
	"the side blamed for a stall is shown in red.",
	"Each tab's table has its own sort (< > F6 I), marked in its header",
	"with v (or ^ inverted) and named in the tab bar.",
	"While ringd is away the last frame stays on screen, dimmed.",
	"",
	"Replaying a recording (-r FILE), these keys come first:",
	NULL,
};

/*
 * Line i of the help text: one line per shown key binding of rt_keys, a
 * blank line, the notes, then one line per shown key of a replay
 * (rt_replay_keys).  key gets the keys' names ("" for a note); 0 past
 * the end.
 */
static int
scr_help_line(int i, char *key, size_t klen, const char **text)
{
	const struct rt_replay_key *rk;
	const struct rt_key *k;
	int n = 0, j;

	key[0] = '\0';
	for (k = rt_keys; k->key != 0; k++)
		if (k->name != NULL && n++ == i) {
			snprintf(key, klen, "%s", k->name);
			*text = k->help;
			return 1;
		}
	if (n++ == i) {
		*text = "";
		return 1;
	}
	for (j = 0; scr_help_notes[j] != NULL; j++)
		if (n++ == i) {
			*text = scr_help_notes[j];
			return 1;
		}
	for (rk = rt_replay_keys; rk->key != 0; rk++)
		if (rk->name != NULL && n++ == i) {
			snprintf(key, klen, "%s", rk->name);
			*text = rk->help;
			return 1;
		}
	return 0;
}

/* Help, scrolled to view_x.help_top (kept inside the text here). */
void
scr_help(void)
{
	char key[32], pos[64];
	const char *text;
	int total = 0, rows = LINES - 2, y, i;

	while (scr_help_line(total, key, sizeof(key), &text))
		total++;
	if (rows < 1)
		rows = 1;
	if (view_x.help_top > total - rows)
		view_x.help_top = total - rows;
	if (view_x.help_top < 0)
		view_x.help_top = 0;
	scr_put(0, 0, -1, scr_attr(SCR_P_HEAD),
	    "ringtop " RING_VERSION " - keys");
	for (i = view_x.help_top, y = 1; i < total && y < LINES - 1; i++, y++) {
		scr_help_line(i, key, sizeof(key), &text);
		if (key[0] != '\0') {
			scr_put(y, 2, 12, scr_attr(SCR_P_LABEL), key);
			scr_put(y, 15, -1, A_NORMAL, text);
		} else {
			scr_put(y, 0, -1, A_NORMAL, text);
		}
	}
	snprintf(pos, sizeof(pos), "lines %d-%d of %d",
	    total ? view_x.help_top + 1 : 0, i, total);
	scr_put(LINES - 1, 0, -1, A_NORMAL, "");
	scr_put(LINES - 1, 0, -1, scr_attr(SCR_P_KEY),
	    "Up/Down j/k PgUp/PgDn scroll  Esc back  q quit");
	if (COLS > 50 + (int)strlen(pos))
		scr_put(LINES - 1, COLS - (int)strlen(pos), -1, A_NORMAL, pos);
}
