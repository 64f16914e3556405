/*
 * keys.c - ringtop's key bindings: one table of keys and handlers for the
 * table views (htop's keys), one for a replay's keys (-r), plus the small
 * modes that take keys for themselves (the search and filter prompts, the
 * sort menu, help).  Handlers return RT_* reaction bits for the main
 * loop; the help screen (scr-help.c) is generated from the two tables.
 *
 * Depends on the view (view.c) and, for a replay, replay.c; main.c
 * calls in here.
 */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "record.h"
#include "ringtop.h"
#include "view.h"

#define KEY_ESC 27
#define KEY_CTRL(c) ((c)&0x1f)

/* Refresh intervals '+' and '-' step through, ns. */
static const uint64_t keys_intervals[] = {
	100000000ull,
	200000000ull,
	500000000ull,
	1000000000ull,
	2000000000ull,
	5000000000ull,
	10000000000ull,
	30000000000ull,
	60000000000ull,
};
#define KEYS_NINTERVALS (sizeof(keys_intervals) / sizeof(keys_intervals[0]))

static void
keys_select(struct rt_view *v, const struct rt_model *m, size_t i)
{
	size_t n = view_count(v, m);

	v->sel[v->tab] = n == 0 ? 0 : (i >= n ? n - 1 : i);
	v->sel_id = 0;
	view_clamp(v, m);
}

/* Does row i of the current tab match pat (search)? */
static bool
keys_row_match(const struct rt_view *v, const struct rt_model *m, size_t i,
    const char *pat)
{
	char pid[16];

	i = view_index(v, v->tab, i);
	switch (v->tab) {
	case RT_TAB_RINGS:
		return view_match(&m->rings[i], pat);
	case RT_TAB_SCHEMES:
		return strcasestr(m->schemes[i].name, pat) != NULL ||
		    strcasestr(m->schemes[i].owner.comm, pat) != NULL;
	case RT_TAB_CLIENTS:
		snprintf(pid, sizeof(pid), "%u",
		    (unsigned)m->clients[i].peer.pid);
		return strcasestr(m->clients[i].peer.comm, pat) != NULL ||
		    strcmp(pid, pat) == 0;
	case RT_TAB_MEMORY:
		snprintf(pid, sizeof(pid), "%u",
		    (unsigned)m->regions[i].owner.pid);
		return strcasestr(m->regions[i].owner.comm, pat) != NULL ||
		    strcmp(pid, pat) == 0;
	default:
		return false;
	}
}

/* Move the selection to the first match at or after from (wrapping). */
static void
keys_find(struct rt_view *v, const struct rt_model *m, size_t from)
{
	size_t n = view_count(v, m), k;

	v->search_failed = false;
	if (v->edit[0] == '\0')
		return;
	for (k = 0; k < n; k++) {
		size_t i = (from + k) % n;

		if (keys_row_match(v, m, i, v->edit)) {
			keys_select(v, m, i);
			return;
		}
	}
	v->search_failed = true;
}

/* --- the table views --------------------------------------------------- */

static unsigned
keys_quit(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)v, (void)m, (void)ch;
	return RT_QUIT;
}

static unsigned
keys_help(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	v->back = v->mode;
	v->mode = RT_MODE_HELP;
	view_x.help_top = 0;
	return RT_REDRAW;
}

static unsigned
keys_move(struct rt_view *v, const struct rt_model *m, int ch)
{
	size_t n = view_count(v, m), s = v->sel[v->tab];
	size_t page = v->page > 1 ? (size_t)v->page : 1;

	switch (ch) {
	case KEY_UP:
		s = s > 0 ? s - 1 : 0;
		break;
	case KEY_DOWN:
		s = s + 1;
		break;
	case KEY_PPAGE:
		s = s > page ? s - page : 0;
		break;
	case KEY_NPAGE:
		s = s + page;
		break;
	case KEY_HOME:
		s = 0;
		break;
	case KEY_END:
		s = n ? n - 1 : 0;
		break;
	}
	keys_select(v, m, s);
	if (v->mode == RT_MODE_DETAIL && v->tab == RT_TAB_RINGS)
		v->detail_id = v->sel_id;
	return RT_REDRAW;
}

/* Sorting acts on the current tab's table: each has its own sort. */
static unsigned
keys_sort_step(struct rt_view *v, const struct rt_model *m, int ch)
{
	unsigned n = view_sort_count(v->tab), c;
	bool inv;

	(void)m;
	c = view_sort_get(v, &inv);
	if (ch == '>' || ch == '.')
		c = (c + 1) % n;
	else
		c = (c + n - 1) % n;
	view_sort_set(v, c, inv);
	return RT_RESORT | RT_REDRAW;
}

static unsigned
keys_sort_menu(struct rt_view *v, const struct rt_model *m, int ch)
{
	bool inv;

	(void)m, (void)ch;
	v->sort_cursor = view_sort_get(v, &inv);
	v->mode = RT_MODE_SORT;
	return RT_REDRAW;
}

static unsigned
keys_invert(struct rt_view *v, const struct rt_model *m, int ch)
{
	bool inv;
	unsigned c = view_sort_get(v, &inv);

	(void)m, (void)ch;
	view_sort_set(v, c, !inv);
	return RT_RESORT | RT_REDRAW;
}

static unsigned
keys_search(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	v->edit[0] = '\0';
	v->search_failed = false;
	v->mode = RT_MODE_SEARCH;
	return RT_REDRAW;
}

static unsigned
keys_filter(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	if (v->tab != RT_TAB_RINGS)
		v->tab = RT_TAB_RINGS;
	snprintf(v->edit, sizeof(v->edit), "%s", v->filter);
	v->mode = RT_MODE_FILTER;
	return RT_REDRAW;
}

static unsigned
keys_pause(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	v->paused = !v->paused;
	return RT_REDRAW | (v->paused ? 0 : RT_REFRESH);
}

static unsigned
keys_interval(struct rt_view *v, const struct rt_model *m, int ch)
{
	size_t i;

	(void)m;
	if (ch == '+' || ch == '=') {
		for (i = 0; i < KEYS_NINTERVALS; i++)
			if (keys_intervals[i] > v->interval_ns) {
				v->interval_ns = keys_intervals[i];
				break;
			}
	} else {
		for (i = KEYS_NINTERVALS; i-- > 0;)
			if (keys_intervals[i] < v->interval_ns) {
				v->interval_ns = keys_intervals[i];
				break;
			}
	}
	return RT_RETIME | RT_REDRAW;
}

static unsigned
keys_active(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	v->only_active = !v->only_active;
	return RT_RESORT | RT_REDRAW;
}

static unsigned
keys_enter(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)ch;
	if (v->tab != RT_TAB_RINGS || v->nrows == 0)
		return 0;
	view_clamp(v, m);
	v->detail_id = v->sel_id;
	v->mode = RT_MODE_DETAIL;
	return RT_REDRAW;
}

static unsigned
keys_back(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)m, (void)ch;
	v->mode = RT_MODE_LIST;
	return RT_REDRAW;
}

static unsigned
keys_tab(struct rt_view *v, const struct rt_model *m, int ch)
{
	if (ch == '\t')
		v->tab = (v->tab + 1) % RT_TAB_COUNT;
	else if (ch == KEY_BTAB)
		v->tab = (v->tab + RT_TAB_COUNT - 1) % RT_TAB_COUNT;
	else
		v->tab = (enum rt_tab)(ch - '1');
	v->mode = RT_MODE_LIST;
	view_clamp(v, m);
	return RT_REFRESH | RT_RESORT | RT_REDRAW;
}

static unsigned
keys_events(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)v, (void)m, (void)ch;
	view_x.events = !view_x.events;
	return RT_REDRAW;
}

static unsigned
keys_redraw(struct rt_view *v, const struct rt_model *m, int ch)
{
	(void)v, (void)m, (void)ch;
	if (ch == KEY_CTRL('l'))
		clearok(curscr, TRUE);
	return RT_REDRAW;
}

const struct rt_key rt_keys[] = {
	{ KEY_F(1), "F1 h ?", "show this help", keys_help, RT_KEY_DETAIL },
	{ 'h', NULL, NULL, keys_help, RT_KEY_DETAIL },
	{ '?', NULL, NULL, keys_help, RT_KEY_DETAIL },
	{ KEY_F(10), "F10 q", "quit", keys_quit, RT_KEY_DETAIL },
	{ 'q', NULL, NULL, keys_quit, RT_KEY_DETAIL },
	{ KEY_UP, "Up Down", "move the selection", keys_move, RT_KEY_DETAIL },
	{ KEY_DOWN, NULL, NULL, keys_move, RT_KEY_DETAIL },
	{ KEY_PPAGE, "PgUp PgDn", "move by a page", keys_move, RT_KEY_DETAIL },
	{ KEY_NPAGE, NULL, NULL, keys_move, RT_KEY_DETAIL },
	{ KEY_HOME, "Home End", "first or last row", keys_move, RT_KEY_DETAIL },
	{ KEY_END, NULL, NULL, keys_move, RT_KEY_DETAIL },
	{ '\t', "Tab 1-4", "next tab, or Rings Schemes Clients Memory",
	    keys_tab, RT_KEY_DETAIL },
	{ KEY_BTAB, NULL, NULL, keys_tab, RT_KEY_DETAIL },
	{ '1', NULL, NULL, keys_tab, RT_KEY_DETAIL },
	{ '2', NULL, NULL, keys_tab, RT_KEY_DETAIL },
	{ '3', NULL, NULL, keys_tab, RT_KEY_DETAIL },
	{ '4', NULL, NULL, keys_tab, RT_KEY_DETAIL },
	{ '\n', "Enter", "detail view of the selected ring", keys_enter, 0 },
	{ '\r', NULL, NULL, keys_enter, 0 },
	{ KEY_ENTER, NULL, NULL, keys_enter, 0 },
	{ KEY_ESC, "Esc", "back to the table", keys_back, RT_KEY_DETAIL },
	{ KEY_BACKSPACE, NULL, NULL, keys_back, RT_KEY_DETAIL },
	{ '<', "< > F6",
	    "previous or next sort column of this tab's table, F6 a menu",
	    keys_sort_step, 0 },
	{ ',', NULL, NULL, keys_sort_step, 0 },
	{ '>', NULL, NULL, keys_sort_step, 0 },
	{ '.', NULL, NULL, keys_sort_step, 0 },
	{ KEY_F(6), NULL, NULL, keys_sort_menu, 0 },
	{ 'I', "I", "invert the sort order of this tab's table", keys_invert,
	    0 },
	{ '/', "/ F3", "search: move to a matching row", keys_search, 0 },
	{ KEY_F(3), NULL, NULL, keys_search, 0 },
	{ '\\', "\\ F4", "filter rings by scheme, command or id", keys_filter,
	    0 },
	{ KEY_F(4), NULL, NULL, keys_filter, 0 },
	{ 'o', "o", "only active rings (moving or holding entries)",
	    keys_active, 0 },
	{ 'e', "e", "show or hide the event log pane", keys_events, 0 },
	{ 'p', "p Z", "pause or resume refreshing", keys_pause, RT_KEY_DETAIL },
	{ 'Z', NULL, NULL, keys_pause, RT_KEY_DETAIL },
	{ '+', "+ -", "longer or shorter refresh interval", keys_interval,
	    RT_KEY_DETAIL },
	{ '=', NULL, NULL, keys_interval, RT_KEY_DETAIL },
	{ '-', NULL, NULL, keys_interval, RT_KEY_DETAIL },
	{ KEY_CTRL('l'), "^L", "redraw the screen", keys_redraw,
	    RT_KEY_DETAIL },
	{ KEY_RESIZE, NULL, NULL, keys_redraw, RT_KEY_DETAIL },
	{ 0, NULL, NULL, NULL, 0 },
};

/* --- a replay's keys (-r) --------------------------------------------------- */

/* A move through the recording failed for memory: the loop quits. */
static unsigned
keys_moved(int rc)
{
	return (rc < 0 ? RT_QUIT : 0) | RT_RESORT;
}

static unsigned
keys_replay_pause(struct rt_view *v, struct rt_model *m, struct rec_replay *r,
    int ch)
{
	(void)v, (void)m, (void)ch;
	r->paused = !r->paused;
	return RT_REDRAW | RT_RETIME;
}

static unsigned
keys_replay_step(struct rt_view *v, struct rt_model *m, struct rec_replay *r,
    int ch)
{
	(void)v;
	r->paused = true;
	if (ch == '.' || ch == KEY_RIGHT)
		return keys_moved(replay_step(m, r));
	return keys_moved(replay_back(m, r));
}

static unsigned
keys_replay_speed(struct rt_view *v, struct rt_model *m, struct rec_replay *r,
    int ch)
{
	(void)v, (void)m;
	if (ch == ']' || ch == '+' || ch == '=') {
		if (r->speed < REC_SPEED_MAX)
			r->speed *= 2;
	} else if (r->speed > REC_SPEED_MIN) {
		r->speed /= 2;
	}
	return RT_REDRAW | RT_RETIME;
}

static unsigned
keys_replay_seek(struct rt_view *v, struct rt_model *m, struct rec_replay *r,
    int ch)
{
	(void)v;
	switch (ch) {
	case '{':
	case '}':
		return keys_moved(replay_seek_by(m, r, ch == '}'));
	case 'g':
	case KEY_SHOME:
		return keys_moved(replay_seek(m, r, 0));
	default:
		return keys_moved(replay_seek(m, r, r->n - 1));
	}
}

const struct rt_replay_key rt_replay_keys[] = {
	{ ' ', "Space p", "pause or go on", keys_replay_pause },
	{ 'p', NULL, NULL, keys_replay_pause },
	{ '.', ". Right", "one snapshot forward (pauses)", keys_replay_step },
	{ KEY_RIGHT, NULL, NULL, keys_replay_step },
	{ ',', ", Left", "one snapshot back (pauses)", keys_replay_step },
	{ KEY_LEFT, NULL, NULL, keys_replay_step },
	{ ']', "] + =", "twice as fast (up to x16)", keys_replay_speed },
	{ '+', NULL, NULL, keys_replay_speed },
	{ '=', NULL, NULL, keys_replay_speed },
	{ '[', "[ -", "half as fast (down to x0.25)", keys_replay_speed },
	{ '-', NULL, NULL, keys_replay_speed },
	{ '{', "{ }", "10 s of recorded time back or forward",
	    keys_replay_seek },
	{ '}', NULL, NULL, keys_replay_seek },
	{ 'g', "g G", "the first or the last snapshot", keys_replay_seek },
	{ KEY_SHOME, NULL, NULL, keys_replay_seek },
	{ 'G', NULL, NULL, keys_replay_seek },
	{ KEY_SEND, NULL, NULL, keys_replay_seek },
	{ 0, NULL, NULL, NULL },
};

unsigned
keys_replay(struct rt_view *v, struct rt_model *m, struct rec_replay *r, int ch)
{
	const struct rt_replay_key *k;

	/* not while a prompt or menu takes the keys */
	if (v->mode != RT_MODE_LIST && v->mode != RT_MODE_DETAIL)
		return 0;
	for (k = rt_replay_keys; k->key != 0; k++)
		if (k->key == ch)
			return k->fn(v, m, r, ch);
	return 0;
}

/* --- modes that take keys for themselves --------------------------------- */

/* The search and filter prompts: a line editor. */
static unsigned
keys_edit(struct rt_view *v, const struct rt_model *m, int ch)
{
	size_t len = strlen(v->edit);
	bool search = v->mode == RT_MODE_SEARCH;
	unsigned r = RT_REDRAW;

	switch (ch) {
	case KEY_ESC:
		if (!search) {
			/* Esc drops the filter, as in htop */
			v->filter[0] = '\0';
			r |= RT_RESORT;
		}
		v->mode = RT_MODE_LIST;
		return r;
	case '\n':
	case '\r':
	case KEY_ENTER:
		v->mode = RT_MODE_LIST;
		return r;
	case KEY_F(3):
	case KEY_CTRL('n'):
		if (search)
			keys_find(v, m, v->sel[v->tab] + 1);
		return r;
	case KEY_BACKSPACE:
	case 127:
	case KEY_CTRL('h'):
		if (len == 0)
			return 0;
		v->edit[len - 1] = '\0';
		break;
	case KEY_CTRL('u'):
		v->edit[0] = '\0';
		break;
	case KEY_RESIZE:
		return r;
	default:
		if (ch < 0x20 || ch > 0x7e || len + 1 >= sizeof(v->edit))
			return 0;
		v->edit[len] = (char)ch;
		v->edit[len + 1] = '\0';
		break;
	}
	if (search) {
		keys_find(v, m, v->sel[v->tab]);
	} else {
		snprintf(v->filter, sizeof(v->filter), "%s", v->edit);
		r |= RT_RESORT;
	}
	return r;
}

static unsigned
keys_sort_mode(struct rt_view *v, const struct rt_model *m, int ch)
{
	unsigned n = view_sort_count(v->tab);
	bool inv;

	(void)m;
	switch (ch) {
	case KEY_UP:
		v->sort_cursor = (v->sort_cursor + n - 1) % n;
		break;
	case KEY_DOWN:
		v->sort_cursor = (v->sort_cursor + 1) % n;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		view_sort_get(v, &inv);
		view_sort_set(v, v->sort_cursor, inv);
		v->mode = RT_MODE_LIST;
		return RT_RESORT | RT_REDRAW;
	case KEY_ESC:
	case KEY_F(6):
	case 'q':
		v->mode = RT_MODE_LIST;
		break;
	default:
		return 0;
	}
	return RT_REDRAW;
}

/*
 * Help: the arrows, j k, PgUp PgDn, Home End scroll it (scr-help.c keeps
 * the offset inside the text); q F10 quit; any other key returns.
 */
static unsigned
keys_help_mode(struct rt_view *v, int ch)
{
	int page = LINES > 4 ? LINES - 3 : 1;
	int *top = &view_x.help_top;

	switch (ch) {
	case KEY_RESIZE:
		break;
	case KEY_UP:
	case 'k':
		*top = *top > 0 ? *top - 1 : 0;
		break;
	case KEY_DOWN:
	case 'j':
		(*top)++;
		break;
	case KEY_PPAGE:
		*top = *top > page ? *top - page : 0;
		break;
	case KEY_NPAGE:
	case ' ':
		*top += page;
		break;
	case KEY_HOME:
		*top = 0;
		break;
	case KEY_END:
		*top = 1 << 20;
		break;
	case 'q':
	case KEY_F(10):
		return RT_QUIT;
	default:
		v->mode = v->back == RT_MODE_DETAIL ? RT_MODE_DETAIL
						    : RT_MODE_LIST;
		break;
	}
	return RT_REDRAW;
}

unsigned
keys_dispatch(struct rt_view *v, const struct rt_model *m, int ch)
{
	const struct rt_key *k;

	switch (v->mode) {
	case RT_MODE_SEARCH:
	case RT_MODE_FILTER:
		return keys_edit(v, m, ch);
	case RT_MODE_SORT:
		return keys_sort_mode(v, m, ch);
	case RT_MODE_HELP:
		return keys_help_mode(v, ch);
	default:
		break;
	}
	for (k = rt_keys; k->key != 0; k++)
		if (k->key == ch) {
			/* sorting, search, filter: not in the detail view */
			if (v->mode == RT_MODE_DETAIL &&
			    !(k->flags & RT_KEY_DETAIL))
				return 0;
			return k->fn(v, m, ch);
		}
	return 0;
}
