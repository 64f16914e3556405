/*
 * scr.c - the base of ringtop's curses screen: setting the terminal up
 * and down, colour pairs, the drawing primitives every pane uses (clipped
 * put and printf, bars, sparklines) and the table layout that fits a
 * table's columns to the screen's width.
 *
 * Every string drawn is clipped to the screen, so any terminal size
 * works.  Depends on curses, the view and common/; the panes (scr-*.c)
 * depend on this file, never the reverse.
 */
#include <curses.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "scr.h"
#include "view.h"

static bool scr_color;
static bool scr_utf8;
attr_t scr_dim;

/* The attribute for a role, with or without colour. */
attr_t
scr_attr(enum scr_pair p)
{
	if (scr_color)
		switch (p) {
		case SCR_P_LABEL:
			return COLOR_PAIR(p);
		case SCR_P_OK:
		case SCR_P_WARN:
			return COLOR_PAIR(p) | A_BOLD;
		case SCR_P_ALARM:
			return COLOR_PAIR(p) | A_BOLD;
		case SCR_P_SEL:
		case SCR_P_HEAD:
		case SCR_P_TAB:
		case SCR_P_KEY:
			return COLOR_PAIR(p);
		case SCR_P_CHANGED:
			return COLOR_PAIR(p) | A_BOLD;
		}
	switch (p) {
	case SCR_P_SEL:
	case SCR_P_HEAD:
	case SCR_P_TAB:
	case SCR_P_KEY:
		return A_REVERSE;
	case SCR_P_ALARM:
	case SCR_P_CHANGED:
	case SCR_P_WARN:
		return A_BOLD;
	default:
		return A_NORMAL;
	}
}

int
screen_init(struct rt_view *v)
{
	const char *cs;

	cs = nl_langinfo(CODESET);
	scr_utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	v->utf8 = scr_utf8;
	if (initscr() == NULL)
		return -1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	scr_color = v->color && has_colors();
	if (scr_color) {
		start_color();
		use_default_colors();
		init_pair(SCR_P_LABEL, COLOR_CYAN, -1);
		init_pair(SCR_P_OK, COLOR_GREEN, -1);
		init_pair(SCR_P_WARN, COLOR_YELLOW, -1);
		init_pair(SCR_P_ALARM, COLOR_RED, -1);
		init_pair(SCR_P_SEL, COLOR_BLACK, COLOR_CYAN);
		init_pair(SCR_P_HEAD, COLOR_BLACK, COLOR_GREEN);
		init_pair(SCR_P_CHANGED, COLOR_YELLOW, -1);
		init_pair(SCR_P_TAB, COLOR_BLACK, COLOR_CYAN);
		init_pair(SCR_P_KEY, COLOR_BLACK, COLOR_CYAN);
	}
	v->color = scr_color;
	return 0;
}

void
screen_end(void)
{
	if (!isendwin()) {
		curs_set(1);
		endwin();
	}
}

/* --- drawing primitives (all clipped) ---------------------------------- */

/* The mark that ends a cut cell: "…" on a UTF-8 terminal, else "~". */
static const char *
scr_ellipsis(void)
{
	return scr_utf8 ? "\xe2\x80\xa6" : "~";
}

/*
 * Print s at (y, x) in exactly w columns (w < 0: to the end of the line);
 * text that does not fit is cut and ends with an ellipsis, the one place
 * every cell and line is cut.  Names from ringd reach here through
 * san_vis() or peer_fmt(); anything else a terminal could act on is
 * escaped here all the same.  s is ASCII but for scr_ellipsis().
 */
void
scr_put(int y, int x, int w, attr_t a, const char *s)
{
	char safe[SAN_VIS_LEN(512)];
	int len, i;

	if (y < 0 || y >= LINES || x >= COLS)
		return;
	if (!san_is_plain(s, SIZE_MAX))
		s = san_vis(safe, sizeof(safe), s, SIZE_MAX);
	len = (int)strlen(s);
	if (w < 0 || x + w > COLS)
		w = COLS - x;
	if (w <= 0)
		return;
	attrset(a | scr_dim);
	if (len > w) {
		mvaddnstr(y, x, s, w - 1);
		addstr(scr_ellipsis());
	} else {
		mvaddnstr(y, x, s, len);
	}
	for (i = len; i < w; i++)
		addch(' ');
	attrset(A_NORMAL);
}

/* Right-aligned in w columns (cut as scr_put() cuts). */
void
scr_rput(int y, int x, int w, attr_t a, const char *s)
{
	int len = (int)strlen(s);

	if (len >= w) {
		scr_put(y, x, w, a, s);
		return;
	}
	scr_put(y, x, w - len, a, "");
	scr_put(y, x + w - len, len, a, s);
}

/*
 * Parts of a line (each a figure with its label) from (y, x) to the right
 * edge, two spaces apart, going on at x + indent on the next line when
 * the next part does not fit, for at most max lines; a part that fits on
 * no line is cut with an ellipsis.  Returns the lines used.
 */
int
scr_flow(int y, int x, int indent, int max, attr_t a, const char *const *parts,
    size_t n)
{
	int lines = 1, at = x;
	size_t i;

	for (i = 0; i < n; i++) {
		int len = (int)strlen(parts[i]), gap = at > x ? 2 : 0;

		if (at > x && at + gap + len > COLS) {
			if (lines == max) {
				if (at + 3 <= COLS)
					scr_put(y + lines - 1, at + 2, 1, a,
					    scr_ellipsis());
				break;
			}
			lines++;
			at = x + indent;
			gap = 0;
		}
		scr_put(y + lines - 1, at + gap, len, a, parts[i]);
		at += gap + len;
	}
	return lines;
}

void
scr_printf(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	scr_put(y, x, w, a, buf);
}

/* "[|||   ]" in w columns for v of max; colour by how full. */
void
scr_bar(int y, int x, int w, uint64_t v, uint64_t max, attr_t row)
{
	int inner = w - 2, fill, i;
	attr_t a;

	if (w < 3 || y >= LINES || x >= COLS)
		return;
	if (max == 0)
		max = 1;
	if (v > max)
		v = max;
	fill = (int)((v * (uint64_t)inner + max - 1) / max);
	if (v * 10 >= max * 9)
		a = scr_attr(SCR_P_ALARM);
	else if (v * 2 > max)
		a = scr_attr(SCR_P_WARN);
	else
		a = scr_attr(SCR_P_OK);
	if (row != A_NORMAL)
		a = row;
	scr_put(y, x, 1, row, "[");
	for (i = 0; i < inner && x + 1 + i < COLS; i++)
		scr_put(y, x + 1 + i, 1, i < fill ? a : row,
		    i < fill ? "|" : " ");
	scr_put(y, x + w - 1, 1, row, "]");
}

/* A sparkline of series s, newest at the right, in w columns. */
void
scr_spark(int y, int x, int w, const struct rt_hist *h, enum rt_series s,
    uint32_t *maxp)
{
	static const char *const blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = "_.-=+*#@";
	uint32_t max = 0, val;
	int i;

	for (i = 0; i < w; i++)
		if (model_hist_get(h, s, (unsigned)i, &val) && val > max)
			max = val;
	*maxp = max;
	if (y >= LINES)
		return;
	for (i = 0; i < w && x + i < COLS; i++) {
		unsigned lvl;
		int back = w - 1 - i;

		move(y, x + i);
		if (!model_hist_get(h, s, (unsigned)back, &val)) {
			addch(' ');
			continue;
		}
		if (val == 0) {
			addch(scr_utf8 ? ' ' : '_');
			continue;
		}
		lvl = max ? (unsigned)(((uint64_t)val * 8 + max - 1) / max) : 1;
		lvl = lvl < 1 ? 1 : lvl > 8 ? 8 : lvl;
		attrset(scr_attr(SCR_P_OK) | scr_dim);
		if (scr_utf8)
			addstr(blocks[lvl - 1]);
		else
			addch((chtype)(unsigned char)ascii[lvl - 1]);
		attrset(A_NORMAL);
	}
}

/* --- table layout -------------------------------------------------------- */

void
scr_want(struct scr_col *c, const char *s)
{
	int len = (int)strlen(s);

	if (len > c->want)
		c->want = len;
}

static void
scr_layout(struct scr_col *cols, int n)
{
	int used = 0, prio, i, extra, g, need = 0;
	bool bars = false;

	for (i = 0; i < n; i++)
		cols[i].w = 0;
	for (prio = 0; prio <= 9; prio++)
		for (i = 0; i < n; i++) {
			struct scr_col *c = &cols[i];

			if (c->prio != prio ||
			    used + c->min + (used ? 1 : 0) > COLS)
				continue;
			c->w = c->min;
			used += c->min + (used > 0 ? 1 : 0);
		}
	extra = COLS - used;
	/* short bars, when every shown bar gets one: else none at all */
	for (i = 0; i < n; i++)
		if (cols[i].bar && cols[i].w > 0) {
			bars = true;
			need += SCR_BAR_SHORT - cols[i].w;
		}
	if (bars && need <= extra)
		for (i = 0; i < n; i++)
			if (cols[i].bar && cols[i].w > 0) {
				extra -= SCR_BAR_SHORT - cols[i].w;
				cols[i].w = SCR_BAR_SHORT;
			}
	/* then names as wide as their rows need, then longer bars */
	for (g = 0; g < 2; g++) {
		bool grew = true;

		while (extra > 0 && grew) {
			grew = false;
			for (i = 0; i < n && extra > 0; i++) {
				struct scr_col *c = &cols[i];
				int cap = g == 0 ? c->want : c->max;

				if (cap > c->max)
					cap = c->max;
				if (c->w == 0 || c->w >= cap ||
				    (g == 0 ? !c->grow
					    : !c->bar || c->w < SCR_BAR_SHORT))
					continue;
				c->w++;
				extra--;
				grew = true;
			}
		}
	}
	used = 0;
	for (i = 0; i < n; i++) {
		cols[i].want = 0; /* for the next frame's rows */
		if (cols[i].w == 0)
			continue;
		cols[i].x = used;
		used += cols[i].w + 1;
	}
}

/* The header of a table; sort: the column the rows are sorted by, or -1. */
static void
scr_thead(int y, const struct scr_col *cols, int n, int sort, bool invert)
{
	char t[32];
	int i;

	scr_put(y, 0, -1, scr_attr(SCR_P_HEAD), "");
	for (i = 0; i < n; i++) {
		attr_t a = scr_attr(SCR_P_HEAD) | (i == sort ? A_BOLD : 0);

		if (cols[i].w == 0)
			continue;
		snprintf(t, sizeof(t), "%s%s", cols[i].title,
		    i == sort ? (invert ? "^" : "v") : "");
		if (cols[i].right)
			scr_rput(y, cols[i].x, cols[i].w, a, t);
		else
			scr_put(y, cols[i].x, cols[i].w, a, t);
	}
}

/* One cell of a laid-out table (nothing when the column is hidden). */
void
scr_cell(int y, const struct scr_col *c, attr_t a, const char *s)
{
	if (c->w == 0)
		return;
	if (c->right)
		scr_rput(y, c->x, c->w, a, s);
	else
		scr_put(y, c->x, c->w, a, s);
}

/* Scroll so the selection is visible in rows lines. */
static size_t
scr_scroll(struct rt_view *v, size_t n, int rows)
{
	size_t *top = &v->top[v->tab], sel = v->sel[v->tab];

	if (rows <= 0)
		return 0;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)rows)
		*top = sel - (size_t)rows + 1;
	if (*top + (size_t)rows > n)
		*top = n > (size_t)rows ? n - (size_t)rows : 0;
	return *top;
}

size_t
scr_table_start(struct rt_view *v, int y0, int y1, struct scr_col *cols,
    int ncols, size_t n)
{
	bool inv;
	unsigned c = view_sort_get(v, &inv);

	scr_layout(cols, ncols);
	scr_thead(y0, cols, ncols, (int)c, inv);
	v->page = y1 - y0 - 1;
	return scr_scroll(v, n, v->page);
}

attr_t
scr_row(const struct rt_view *v, size_t i, int y)
{
	attr_t a = i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL;

	scr_put(y, 0, -1, a, "");
	return a;
}
