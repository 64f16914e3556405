/*
 * screen.c - ringtop's curses screen: the header (ringd, totals, memory,
 * alarms), the tab bar, the table of the current tab, the detail view of
 * one ring with its history, help, the sort menu, and the key bar or the
 * search/filter prompt on the last line.
 *
 * Every string drawn is clipped to the screen, so any terminal size works;
 * columns of the Rings table are dropped by priority when it is narrow.
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ringtop.h"
#include "common/model-json.h"
#include "common/common.h"
#include "view.h"

enum scr_pair {
	SCR_P_LABEL = 1, /* header labels */
	SCR_P_OK,	 /* bar fill below half */
	SCR_P_WARN,	 /* bar fill above half, paused */
	SCR_P_ALARM,	 /* alarms, full bars, failed search */
	SCR_P_SEL,	 /* the selected row */
	SCR_P_HEAD,	 /* table header */
	SCR_P_CHANGED,	 /* rows that moved this frame */
	SCR_P_TAB,	 /* the current tab */
	SCR_P_KEY,	 /* keys in the key bar */
};

static bool scr_color;
static bool scr_utf8;
static attr_t scr_dim; /* A_DIM on all drawn while ringd is away */

/* The attribute for a role, with or without colour. */
static attr_t
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
 * fmt_name() or fmt_peer(); anything else a terminal could act on is
 * escaped here all the same.  s is ASCII but for scr_ellipsis().
 */
static void
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
static void
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
static int
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

static __attribute__((format(printf, 5, 6))) void
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
static void
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
static void
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

/* --- header ---------------------------------------------------------------- */

static bool
scr_is_alarm(const struct rt_ring *r)
{
	return r->alarm != RT_AL_NONE && r->state != RT_ST_ENDED;
}

/*
 * An alarm's line: the ring, what holds, and first the side it is charged
 * to (whose index stood still: SQ head the producer's, CQ head the
 * consumer's), so a narrow screen keeps who is to blame.
 */
static void
scr_alarm_line(const struct rt_model *m, const struct rt_ring *r, int y)
{
	char age[24], peer[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	const struct ring_ctl_peer *who = model_blamed(r);
	unsigned long long id = (unsigned long long)r->r.ring_id;
	attr_t a = scr_attr(SCR_P_ALARM);

	if (who != NULL)
		fmt_peer(peer, sizeof(peer), who);
	else
		snprintf(peer, sizeof(peer), "?");
	fmt_name(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
	units_fmt_duration(model_alarm_age(m, r), age, sizeof(age));
	switch (r->alarm) {
	case RT_AL_SQ_STALL:
		/* SQEs waiting, or SQEs taken and no CQE posted for them */
		scr_printf(y, 0, -1, a,
		    r->r.sq.depth > 0
			? "ALARM ring %llu (%.20s): stalled %s, producer %s "
			  "takes no SQEs (%llu queued)"
			: "ALARM ring %llu (%.20s): stalled %s, producer %s "
			  "posts no CQEs (%llu taken)",
		    id, sch, age, peer,
		    (unsigned long long)model_alarm_count(r));
		break;
	case RT_AL_CQ_FULL:
		scr_printf(y, 0, -1, a,
		    "ALARM ring %llu (%.20s): CQ full %s, consumer %s reaps "
		    "no CQEs (%llu of %u)",
		    id, sch, age, peer, (unsigned long long)r->r.cq.depth,
		    (unsigned)r->r.cq_entries);
		break;
	case RT_AL_CQ_BACKLOG:
		scr_printf(y, 0, -1, a,
		    "ALARM ring %llu (%.20s): CQ backlog %s, consumer %s "
		    "reaps no CQEs (%llu of %u)",
		    id, sch, age, peer, (unsigned long long)r->r.cq.depth,
		    (unsigned)r->r.cq_entries);
		break;
	case RT_AL_BROKEN:
		fmt_peer(peer, sizeof(peer), &r->r.consumer);
		scr_printf(y, 0, -1, a,
		    "ALARM ring %llu (%.20s, %s): broken, its indices were "
		    "found inconsistent",
		    id, sch, peer);
		break;
	default:
		fmt_peer(peer, sizeof(peer), &r->r.consumer);
		scr_printf(y, 0, -1, a,
		    "ALARM ring %llu (%.20s, %s): dead peer, a side left "
		    "(DROP), %llu SQEs and %llu CQEs left",
		    id, sch, peer, (unsigned long long)r->r.sq.depth,
		    (unsigned long long)r->r.cq.depth);
		break;
	}
}

/*
 * One line per alarm (SQ stall, CQ full or backlog, broken ring, dead
 * peer), at most max lines from y, the last one summing up the rest;
 * returns lines drawn.
 */
static int
scr_alarms(const struct rt_model *m, int y, int max)
{
	size_t i, n = 0;
	int lines = 0, room;

	for (i = 0; i < m->nrings; i++)
		if (scr_is_alarm(&m->rings[i]))
			n++;
	if (n == 0 || max <= 0)
		return 0;
	room = n > (size_t)max ? max - 1 : max;
	for (i = 0; i < m->nrings && lines < room; i++)
		if (scr_is_alarm(&m->rings[i]))
			scr_alarm_line(m, &m->rings[i], y + lines++);
	if (n > (size_t)room)
		scr_printf(y + lines++, 0, -1, scr_attr(SCR_P_ALARM),
		    "ALARM ... and %zu more (sort by state or age to see them)",
		    n - (size_t)room);
	return lines;
}

/* The header's memory figures, used and free per zone; returns lines used. */
static int
scr_mem_line(const struct rt_model *m, int y, int max)
{
	char part[8][96], used[16], fr[16];
	const char *parts[8];
	size_t i, n = 0;

	parts[n++] = "memory";
	for (i = 0; i < m->nzones && n < 8; i++) {
		const struct ring_phys_zone *z = &m->zones[i];

		if (z->size == 0)
			continue;
		units_fmt_size(z->used, used, sizeof(used));
		units_fmt_size(z->free, fr, sizeof(fr));
		snprintf(part[n], sizeof(part[n]),
		    "zone %s: used %s free %s (%u ranges)",
		    ring_phys_zone_name(z->zone), used, fr,
		    (unsigned)z->free_ranges);
		parts[n] = part[n];
		n++;
	}
	return scr_flow(y, 0, 7, max, A_NORMAL, parts, n);
}

/*
 * Header lines; returns the first free line.  While ringd is away the
 * last frame stays (dimmed, scr_dim) under a line saying since when.
 */
static int
scr_header(const struct rt_view *v, const struct rt_model *m)
{
	char up[24], sub[16], cmp[16], at[16], iv[16];
	attr_t dim = scr_dim;
	int y = 0;

	if (!m->up && !m->stale) {
		scr_put(y++, 0, -1, scr_attr(SCR_P_ALARM),
		    m->why[0] ? m->why : "connecting to ringd");
		scr_printf(y++, 0, -1, A_NORMAL, "socket %s", m->sock);
		return y;
	}
	if (!m->up) {
		model_fmt_clock(at, sizeof(at), m->down_wall_ns);
		fmt_interval(iv, sizeof(iv), v->interval_ns);
		scr_dim = 0;
		scr_printf(y++, 0, -1, scr_attr(SCR_P_ALARM),
		    "ringd gone since %s (%s): the last frame, dimmed; "
		    "retrying every %s",
		    at, m->why[0] ? m->why : "not reachable", iv);
		scr_dim = dim;
	}
	units_fmt_duration(m->st.uptime_ns, up, sizeof(up));
	{
		char server[SAN_VIS_LEN(sizeof(m->st.server))];

		fmt_name(server, sizeof(server), m->st.server,
		    sizeof(m->st.server));
		scr_printf(y++, 0, -1, A_NORMAL,
		    "%s  pid %u  up %s  "
		    "protocol %u  socket %s",
		    server, (unsigned)m->st.pid, up, (unsigned)m->st.version,
		    m->sock);
	}
	model_fmt_rate(sub, sizeof(sub), m->rates_known, m->sub_total);
	model_fmt_rate(cmp, sizeof(cmp), m->rates_known, m->cmp_total);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "schemes %u  rings %u  clients %u  "
	    "submit %s/s  complete %s/s",
	    (unsigned)m->st.schemes, (unsigned)m->st.rings,
	    (unsigned)m->st.clients, sub, cmp);
	if (m->phys)
		y += scr_mem_line(m, y, LINES >= 30 ? 2 : 1);
	y += scr_alarms(m, y, LINES > 20 ? 3 : 1);
	return y;
}

static const char *const scr_tab_names[RT_TAB_COUNT] = {
	"Rings",
	"Schemes",
	"Clients",
	"Memory",
};

static void
scr_tabs(const struct rt_view *v, int y)
{
	char buf[160], iv[16];
	int x = 0, i;
	bool inv;
	unsigned c = view_sort_get(v, &inv);

	for (i = 0; i < RT_TAB_COUNT; i++) {
		snprintf(buf, sizeof(buf), " %d %s ", i + 1, scr_tab_names[i]);
		scr_put(y, x, (int)strlen(buf),
		    i == (int)v->tab ? scr_attr(SCR_P_TAB) : A_NORMAL, buf);
		x += (int)strlen(buf) + 1;
	}
	fmt_interval(iv, sizeof(iv), v->interval_ns);
	/* the sort shown is the one the table on screen is in */
	snprintf(buf, sizeof(buf), "sort %s%s%s%s%s  every %s%s",
	    v->mode == RT_MODE_DETAIL ? "-" : view_sort_name(v->tab, c),
	    inv && v->mode != RT_MODE_DETAIL ? " (inverted)" : "",
	    v->filter[0] ? "  filter '" : "", v->filter,
	    v->filter[0] ? "'" : "", iv, v->only_active ? "  active only" : "");
	if (x < COLS)
		scr_put(y, x + 1, -1, A_NORMAL, buf);
	if (v->paused && COLS > 8)
		scr_put(y, COLS - 8, 8, scr_attr(SCR_P_WARN), " PAUSED ");
}

/* --- tables ---------------------------------------------------------- */

/*
 * A table column.  Columns are laid out for the screen's width: by
 * priority (lower: kept longer) each is shown at its minimum width or
 * dropped whole, so a header is never cut; the space left over goes first
 * to short queue bars, then to the names as wide as their rows need,
 * then to longer bars, a column at a time.  Every minimum holds the title
 * and the sort mark.
 */
struct scr_col {
	const char *title;
	int min, max; /* width range */
	bool right;
	int prio;
	bool grow; /* a name that takes space left over */
	bool bar;  /* a queue column: depth and a bar */
	int w, x;  /* laid out: width (0: hidden) and position */
	int want;  /* the widest cell of the rows (scr_want()) */
};

/* A column's fixed part; the laid-out fields start at 0. */
#define SCR_COL(t, lo, hi, r, p, g, b) \
	{ \
		.title = (t), .min = (lo), .max = (hi), .right = (r), \
		.prio = (p), .grow = (g), .bar = (b) \
	}

/* Note a cell's text for the width its column wants. */
static void
scr_want(struct scr_col *c, const char *s)
{
	int len = (int)strlen(s);

	if (len > c->want)
		c->want = len;
}

#define SCR_NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A queue column's number, and the least bar worth drawing beside it. */
#define SCR_QNUM 5
#define SCR_BAR_MIN 8
/* A queue column's width before names get wider: number and a bar. */
#define SCR_BAR_SHORT (SCR_QNUM + 1 + SCR_BAR_MIN + 2)

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
static void
scr_cell(int y, const struct scr_col *c, attr_t a, const char *s)
{
	if (c->w == 0)
		return;
	if (c->right)
		scr_rput(y, c->x, c->w, a, s);
	else
		scr_put(y, c->x, c->w, a, s);
}

/* --- the Rings table ------------------------------------------------- */

static struct scr_col scr_ring_cols[RT_C_COUNT] = {
	[RT_C_ID] = SCR_COL("ID", 5, 8, true, 0, false, false),
	[RT_C_SCHEME] = SCR_COL("SCHEME", 8, 16, false, 1, true, false),
	[RT_C_CONSUMER] = SCR_COL("CONSUMER", 11, 23, false, 4, true, false),
	[RT_C_PRODUCER] = SCR_COL("PRODUCER", 11, 23, false, 6, true, false),
	[RT_C_SQ] = SCR_COL("SQ", SCR_QNUM, 24, false, 2, false, true),
	[RT_C_CQ] = SCR_COL("CQ", SCR_QNUM, 24, false, 3, false, true),
	[RT_C_SUB] = SCR_COL("SUB/s", 6, 7, true, 5, false, false),
	[RT_C_CMP] = SCR_COL("CMP/s", 6, 7, true, 7, false, false),
	[RT_C_AGE] = SCR_COL("AGE", 6, 8, true, 8, true, false),
	[RT_C_STATE] = SCR_COL("STATE", 8, 8, false, 2, false, false),
};

/* Depth as a number and, when there is room, a bar in a queue column. */
static void
scr_queue(int y, const struct scr_col *c, uint64_t depth, uint32_t entries,
    attr_t row)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)depth);
	if (c->w < SCR_BAR_SHORT) {
		scr_rput(y, c->x, c->w, row, num);
		return;
	}
	scr_rput(y, c->x, SCR_QNUM, row, num);
	scr_put(y, c->x + SCR_QNUM, 1, row, " ");
	scr_bar(y, c->x + SCR_QNUM + 1, c->w - SCR_QNUM - 1, depth, entries,
	    row);
}

/* AGE: how long the head in alarm (else the SQ's) has stood still. */
static void
scr_ring_age(const struct rt_model *m, const struct rt_ring *r, char *buf,
    size_t len)
{
	uint64_t age = r->alarm != RT_AL_NONE ? model_alarm_age(m, r)
					      : model_sq_age(m, r);

	if (age > 0 && r->state != RT_ST_ENDED)
		units_fmt_duration(age, buf, len);
	else
		snprintf(buf, len, "-");
}

/* The cells SUB/s to AGE of an ended ring: how it ended, across them. */
static void
scr_ring_end(int y, const struct rt_ring *r, attr_t a)
{
	const struct scr_col *c = scr_ring_cols;
	int x0 = -1, x1 = 0, i;
	char buf[64];

	for (i = RT_C_SUB; i <= RT_C_AGE; i++)
		if (c[i].w > 0) {
			if (x0 < 0)
				x0 = c[i].x;
			x1 = c[i].x + c[i].w;
		}
	if (x0 < 0)
		return;
	snprintf(buf, sizeof(buf), "%s", model_end_name(r->end));
	scr_rput(y, x0, x1 - x0, a, buf);
}

static void
scr_ring_row(const struct rt_model *m, const struct rt_ring *r, int y, bool sel)
{
	char buf[FMT_NAME_LEN];
	bool ended = r->state == RT_ST_ENDED;
	attr_t row = A_NORMAL;
	int i;

	if (sel)
		row = scr_attr(SCR_P_SEL);
	else if (r->changed && !ended)
		row = scr_attr(SCR_P_CHANGED);
	if (ended)
		row |= A_DIM; /* selected or not: it is gone */
	if (sel)
		scr_put(y, 0, -1, row, "");
	for (i = 0; i < RT_C_COUNT; i++) {
		const struct scr_col *c = &scr_ring_cols[i];
		attr_t a = row;

		if (c->w == 0)
			continue;
		buf[0] = '\0';
		switch ((enum rt_col)i) {
		case RT_C_ID:
			snprintf(buf, sizeof(buf), "%llu",
			    (unsigned long long)r->r.ring_id);
			break;
		case RT_C_SCHEME:
			fmt_name(buf, sizeof(buf), r->r.scheme,
			    sizeof(r->r.scheme));
			break;
		case RT_C_CONSUMER:
			fmt_peer(buf, sizeof(buf), &r->r.consumer);
			if (!sel && r->blame == RT_SIDE_CONSUMER)
				a = scr_attr(SCR_P_ALARM);
			break;
		case RT_C_PRODUCER:
			fmt_peer(buf, sizeof(buf), &r->r.producer);
			if (!sel && r->blame == RT_SIDE_PRODUCER)
				a = scr_attr(SCR_P_ALARM);
			break;
		case RT_C_SQ:
			scr_queue(y, c, r->r.sq.depth, r->r.sq_entries, row);
			continue;
		case RT_C_CQ:
			scr_queue(y, c, r->r.cq.depth, r->r.cq_entries, row);
			continue;
		case RT_C_SUB:
		case RT_C_CMP:
		case RT_C_AGE:
			if (ended)
				continue;
			if (i == RT_C_AGE) {
				scr_ring_age(m, r, buf, sizeof(buf));
				if (model_stalled(m, r) && !sel)
					a = scr_attr(SCR_P_ALARM);
			} else {
				model_fmt_rate(buf, sizeof(buf), r->have_rate,
				    i == RT_C_SUB ? r->sub_rate : r->cmp_rate);
			}
			break;
		case RT_C_STATE:
			snprintf(buf, sizeof(buf), "%s", model_state(m, r));
			if (!sel &&
			    (r->state == RT_ST_STALLED ||
				r->state == RT_ST_BROKEN ||
				r->state == RT_ST_DROPPED))
				a = scr_attr(SCR_P_ALARM);
			break;
		default:
			break;
		}
		scr_cell(y, c, a, buf);
	}
	if (ended)
		scr_ring_end(y, r, row);
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

/* The header of the current tab's table, the sorted column marked. */
static void
scr_table_head(const struct rt_view *v, int y, struct scr_col *cols, int n)
{
	bool inv;
	unsigned c = view_sort_get(v, &inv);

	scr_layout(cols, n);
	scr_thead(y, cols, n, (int)c, inv);
}

static void
scr_rings(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_ring_cols;
	char buf[FMT_PEER_LEN];
	size_t top, i;
	int y;

	for (i = 0; i < v->nrows; i++) {
		const struct rt_ring *r = &m->rings[v->rows[i]];

		fmt_name(buf, sizeof(buf), r->r.scheme, sizeof(r->r.scheme));
		scr_want(&c[RT_C_SCHEME], buf);
		fmt_peer(buf, sizeof(buf), &r->r.consumer);
		scr_want(&c[RT_C_CONSUMER], buf);
		fmt_peer(buf, sizeof(buf), &r->r.producer);
		scr_want(&c[RT_C_PRODUCER], buf);
		scr_ring_age(m, r, buf, sizeof(buf));
		scr_want(&c[RT_C_AGE], buf);
	}
	scr_table_head(v, y0, scr_ring_cols, RT_C_COUNT);
	v->page = y1 - y0 - 1;
	if (v->nrows == 0) {
		scr_put(y0 + 2, 2, -1, A_NORMAL,
		    m->nrings == 0
			? "no rings"
			: "no ring matches (\\ or F4 to change the filter, "
			  "o for all rings)");
		return;
	}
	top = scr_scroll(v, v->nrows, v->page);
	for (i = top, y = y0 + 1; i < v->nrows && y < y1; i++, y++)
		scr_ring_row(m, &m->rings[v->rows[i]], y, i == v->sel[v->tab]);
}

/* --- Schemes and Clients --------------------------------------------- */

/* Columns in enum view_scheme_col order, then OPCODES (not a sort key). */
static struct scr_col scr_scheme_cols[VS_COUNT + 1] = {
	[VS_NAME] = SCR_COL("SCHEME", 8, 20, false, 0, true, false),
	[VS_OWNER] = SCR_COL("OWNER", 11, 22, false, 2, true, false),
	[VS_UID] = SCR_COL("UID", 6, 6, true, 3, false, false),
	[VS_BUILTIN] = SCR_COL("BUILTIN", 8, 8, false, 4, false, false),
	[VS_RINGS] = SCR_COL("RINGS", 6, 6, true, 1, false, false),
	[VS_COUNT] = SCR_COL("OPCODES", 12, 400, false, 1, true, false),
};

/*
 * Opcode names a scheme declared come from a probe of it (list records
 * carry no names, as in ringctl's schemes): one probe per scheme and
 * owner, kept while the scheme stays the same.
 */
#define SCR_OPCACHE 32

static struct scr_opcache {
	char name[RING_CTL_NAME_MAX + 1];
	uint32_t pid;
	uint64_t ops[4];
	char text[1024];
} scr_opcache[SCR_OPCACHE];
static unsigned scr_opcache_next;

/* "identify,capacity,release" or "noop,read,13-255": ringctl's text. */
static const char *
scr_opcodes(const struct rt_model *m, const struct ring_ctl_scheme *s)
{
	struct ring_ctl_opname *names = NULL;
	struct scr_opcache *e = NULL;
	struct json_object *arr;
	uint64_t probed[4];
	size_t nnames = 0;
	unsigned i;

	for (i = 0; i < SCR_OPCACHE; i++)
		if (scr_opcache[i].pid == s->owner.pid &&
		    strncmp(scr_opcache[i].name, s->name, sizeof(s->name)) ==
			0 &&
		    memcmp(scr_opcache[i].ops, s->ops, sizeof(s->ops)) == 0 &&
		    scr_opcache[i].text[0] != '\0')
			return scr_opcache[i].text;
	/* builtins and schemes with only standard opcodes need no probe */
	if (!s->builtin && (s->ops[2] | s->ops[3]) != 0 && m->ctl != NULL &&
	    m->up)
		if (ring_ctl_probe_names(m->ctl, s->name, probed, &names,
			&nnames) < 0)
			nnames = 0;
	e = &scr_opcache[scr_opcache_next++ % SCR_OPCACHE];
	snprintf(e->name, sizeof(e->name), "%.*s", (int)sizeof(s->name),
	    s->name);
	e->pid = s->owner.pid;
	memcpy(e->ops, s->ops, sizeof(e->ops));
	arr = mj_opcodes_named(s->ops, names, nnames);
	free(names);
	if (arr == NULL || json_object_array_length(arr) == 0)
		snprintf(e->text, sizeof(e->text), "(not declared)");
	else
		mj_opcodes_text(arr, e->text, sizeof(e->text));
	json_object_put(arr);
	return e->text;
}

static void
scr_schemes(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_scheme_cols;
	char buf[FMT_PEER_LEN];
	size_t top, i;
	int y;

	for (i = 0; i < m->nschemes; i++) {
		const struct ring_ctl_scheme *s = &m->schemes[i];

		fmt_name(buf, sizeof(buf), s->name, sizeof(s->name));
		scr_want(&c[VS_NAME], buf);
		fmt_peer(buf, sizeof(buf), &s->owner);
		scr_want(&c[VS_OWNER], buf);
		scr_want(&c[VS_COUNT], scr_opcodes(m, s));
	}
	scr_table_head(v, y0, c, SCR_NCOLS(scr_scheme_cols));
	v->page = y1 - y0 - 1;
	top = scr_scroll(v, m->nschemes, v->page);
	for (i = top, y = y0 + 1; i < m->nschemes && y < y1; i++, y++) {
		const struct ring_ctl_scheme
		    *s = &m->schemes[view_index(v, RT_TAB_SCHEMES, i)];
		attr_t a = i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL;

		scr_put(y, 0, -1, a, "");
		fmt_name(buf, sizeof(buf), s->name, sizeof(s->name));
		scr_cell(y, &c[VS_NAME], a, buf);
		fmt_peer(buf, sizeof(buf), &s->owner);
		scr_cell(y, &c[VS_OWNER], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)s->owner.uid);
		scr_cell(y, &c[VS_UID], a, buf);
		scr_cell(y, &c[VS_BUILTIN], a, s->builtin ? "yes" : "no");
		snprintf(buf, sizeof(buf), "%u", (unsigned)s->rings);
		scr_cell(y, &c[VS_RINGS], a, buf);
		scr_cell(y, &c[VS_COUNT], a, scr_opcodes(m, s));
	}
}

static struct scr_col scr_client_cols[VC_COUNT] = {
	[VC_ID] = SCR_COL("ID", 6, 8, true, 0, false, false),
	[VC_CLIENT] = SCR_COL("CLIENT", 11, 30, false, 0, true, false),
	[VC_UID] = SCR_COL("UID", 6, 6, true, 2, false, false),
	[VC_GID] = SCR_COL("GID", 6, 6, true, 3, false, false),
	[VC_SCHEMES] = SCR_COL("SCHEMES", 8, 8, true, 1, false, false),
	[VC_RINGS] = SCR_COL("RINGS", 6, 6, true, 1, false, false),
	[VC_AGE] = SCR_COL("AGE", 8, 8, true, 2, false, false),
};

static void
scr_clients(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_client_cols;
	char buf[FMT_PEER_LEN];
	size_t top, i;
	int y;

	for (i = 0; i < m->nclients; i++) {
		fmt_peer(buf, sizeof(buf), &m->clients[i].peer);
		scr_want(&c[VC_CLIENT], buf);
	}
	scr_table_head(v, y0, c, VC_COUNT);
	v->page = y1 - y0 - 1;
	top = scr_scroll(v, m->nclients, v->page);
	for (i = top, y = y0 + 1; i < m->nclients && y < y1; i++, y++) {
		const struct ring_ctl_client
		    *cl = &m->clients[view_index(v, RT_TAB_CLIENTS, i)];
		attr_t a = i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL;

		scr_put(y, 0, -1, a, "");
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)cl->client_id);
		scr_cell(y, &c[VC_ID], a, buf);
		fmt_peer(buf, sizeof(buf), &cl->peer);
		scr_cell(y, &c[VC_CLIENT], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)cl->peer.uid);
		scr_cell(y, &c[VC_UID], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)cl->peer.gid);
		scr_cell(y, &c[VC_GID], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)cl->schemes);
		scr_cell(y, &c[VC_SCHEMES], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)cl->rings);
		scr_cell(y, &c[VC_RINGS], a, buf);
		units_fmt_duration(cl->age_ns, buf, sizeof(buf));
		scr_cell(y, &c[VC_AGE], a, buf);
	}
}

/* The free bytes of [lo, hi) from a zone's free ranges (sorted), sweeping. */
static uint64_t
scr_free_in(const struct rt_model *m, uint32_t zone, size_t *k, uint64_t lo,
    uint64_t hi)
{
	uint64_t sum = 0;
	size_t i;

	while (*k < m->nranges &&
	    (m->ranges[*k].zone != zone ||
		m->ranges[*k].base + m->ranges[*k].size <= lo))
		(*k)++;
	for (i = *k; i < m->nranges && m->ranges[i].base < hi; i++) {
		uint64_t b = m->ranges[i].base, e = b + m->ranges[i].size;

		if (m->ranges[i].zone != zone)
			continue;
		if (b < lo)
			b = lo;
		if (e > hi)
			e = hi;
		if (e > b)
			sum += e - b;
	}
	return sum;
}

/* A zone's fragmentation map: rows lines of cells, used/partly/free. */
static void
scr_zone_map(const struct rt_model *m, const struct ring_phys_zone *z, int y,
    int rows, uint64_t *cellp)
{
	int w = COLS - 2, cells, c;
	uint64_t cs, lo, hi, end = z->base + z->size, fr;
	size_t k = 0;

	*cellp = 0;
	if (w <= 0 || rows <= 0 || z->size == 0)
		return;
	cells = w * rows;
	cs = (z->size + (uint64_t)cells - 1) / (uint64_t)cells;
	if (cs < RING_PHYS_FRAME)
		cs = RING_PHYS_FRAME;
	*cellp = cs;
	for (c = 0; c < cells; c++) {
		int yy = y + c / w, xx = 1 + c % w;

		lo = z->base + (uint64_t)c * cs;
		if (lo >= end || yy >= LINES - 1)
			break;
		hi = lo + cs > end ? end : lo + cs;
		fr = scr_free_in(m, z->zone, &k, lo, hi);
		if (fr >= hi - lo)
			scr_put(yy, xx, 1, scr_attr(SCR_P_OK), ".");
		else if (fr == 0)
			scr_put(yy, xx, 1, scr_attr(SCR_P_WARN), "#");
		else
			scr_put(yy, xx, 1, A_NORMAL, ":");
	}
}

/*
 * One line summing up regions by owner: the uid that owns them and the
 * command that allocated them (persistent regions outlive their pid).
 */
static void
scr_owners(const struct rt_model *m, int y)
{
	struct {
		const struct ring_ctl_peer *p;
		unsigned n;
		uint64_t bytes;
	} own[16];
	char line[512], peer[FMT_PEER_LEN], sz[16];
	size_t i, j, no = 0, more = 0, len;

	for (i = 0; i < m->nregions; i++) {
		const struct ring_ctl_peer *p = &m->regions[i].owner;

		for (j = 0; j < no; j++)
			if (own[j].p->uid == p->uid &&
			    strncmp(own[j].p->comm, p->comm, sizeof(p->comm)) ==
				0)
				break;
		if (j == no) {
			if (no == sizeof(own) / sizeof(own[0])) {
				more++;
				continue;
			}
			own[no].p = p;
			own[no].n = 0;
			own[no].bytes = 0;
			no++;
		}
		own[j].n++;
		own[j].bytes += m->regions[i].size;
	}
	len = (size_t)snprintf(line, sizeof(line), "by owner:");
	for (j = 0; j < no && len < sizeof(line); j++) {
		fmt_name(peer, sizeof(peer), own[j].p->comm,
		    sizeof(own[j].p->comm));
		units_fmt_size(own[j].bytes, sz, sizeof(sz));
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "  %s uid %u: %u (%s)", peer, (unsigned)own[j].p->uid,
		    own[j].n, sz);
	}
	if (more && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, "  and %zu more",
		    more);
	if (no == 0)
		snprintf(line, sizeof(line), "no region is allocated");
	scr_put(y, 0, -1, A_NORMAL, line);
}

static struct scr_col scr_mem_cols[VM_COUNT] = {
	[VM_REGION] = SCR_COL("REGION", 7, 8, true, 0, false, false),
	[VM_BASE] = SCR_COL("BASE", 11, 18, false, 1, true, false),
	[VM_SIZE] = SCR_COL("SIZE", 7, 9, true, 0, false, false),
	[VM_ZONE] = SCR_COL("ZONE", 5, 6, false, 1, false, false),
	[VM_OWNER] = SCR_COL("OWNER", 11, 24, false, 1, true, false),
	[VM_UID] = SCR_COL("UID", 6, 6, true, 5, false, false),
	[VM_FLAGS] = SCR_COL("FLAGS", 7, 8, false, 4, false, false),
	[VM_MAPPED] = SCR_COL("MAPPED", 7, 7, false, 3, false, false),
	[VM_GRANTS] = SCR_COL("GRANTS", 7, 7, true, 2, false, false),
	[VM_AGE] = SCR_COL("AGE", 7, 8, true, 2, true, false),
};

/* A zone's figures, on as many lines as the width needs (at most 2). */
static int
scr_zone_line(const struct ring_phys_zone *z, int y)
{
	char p[6][64], sz[16], used[16], fr[16], big[16];
	const char *parts[6];
	size_t i;

	units_fmt_size(z->size, sz, sizeof(sz));
	units_fmt_size(z->used, used, sizeof(used));
	units_fmt_size(z->free, fr, sizeof(fr));
	units_fmt_size(z->largest_free, big, sizeof(big));
	snprintf(p[0], sizeof(p[0]), "zone %s  %#llx-%#llx",
	    ring_phys_zone_name(z->zone), (unsigned long long)z->base,
	    (unsigned long long)(z->base + z->size));
	snprintf(p[1], sizeof(p[1]), "size %s", sz);
	snprintf(p[2], sizeof(p[2]), "used %s", used);
	snprintf(p[3], sizeof(p[3]), "free %s in %u ranges", fr,
	    (unsigned)z->free_ranges);
	snprintf(p[4], sizeof(p[4]), "largest free %s", big);
	snprintf(p[5], sizeof(p[5]), "regions %u", (unsigned)z->regions);
	for (i = 0; i < 6; i++)
		parts[i] = p[i];
	return scr_flow(y, 0, 5, 2, scr_attr(SCR_P_LABEL), parts, 6);
}

static void
scr_memory(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_mem_cols;
	char buf[FMT_PEER_LEN], cell[16] = "-";
	size_t i, top;
	int y = y0, rows = LINES >= 36 ? 3 : LINES >= 28 ? 2 : 1;

	if (!m->phys) {
		scr_printf(y0 + 1, 2, -1, A_NORMAL,
		    "physical memory: not "
		    "available from this ringd (%s)",
		    m->phys_err[0] ? m->phys_err : "no zones");
		return;
	}
	for (i = 0; i < m->nzones && y < y1; i++) {
		const struct ring_phys_zone *z = &m->zones[i];
		uint64_t cs;

		if (z->size == 0) {
			scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
			    "zone %s  disabled", ring_phys_zone_name(z->zone));
			continue;
		}
		y += scr_zone_line(z, y);
		scr_zone_map(m, z, y, rows, &cs);
		units_fmt_size(cs, cell, sizeof(cell));
		y += rows;
	}
	if (y < y1)
		scr_printf(y++, 0, -1, A_NORMAL,
		    "map: # used  : partly used  . free   one cell is at "
		    "most %s",
		    cell);
	if (y < y1)
		scr_owners(m, y++);
	if (y >= y1)
		return;
	for (i = 0; i < m->nregions; i++) {
		fmt_peer(buf, sizeof(buf), &m->regions[i].owner);
		scr_want(&c[VM_OWNER], buf);
		snprintf(buf, sizeof(buf), "%#llx",
		    (unsigned long long)m->regions[i].base);
		scr_want(&c[VM_BASE], buf);
		units_fmt_duration(m->regions[i].age_ns, buf, sizeof(buf));
		scr_want(&c[VM_AGE], buf);
	}
	scr_table_head(v, y, c, VM_COUNT);
	v->page = y1 - y - 1;
	top = scr_scroll(v, m->nregions, v->page);
	for (i = top, y++; i < m->nregions && y < y1; i++, y++) {
		const struct ring_phys_region
		    *g = &m->regions[view_index(v, RT_TAB_MEMORY, i)];
		attr_t a = i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL;

		scr_put(y, 0, -1, a, "");
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)g->region_id);
		scr_cell(y, &c[VM_REGION], a, buf);
		snprintf(buf, sizeof(buf), "%#llx",
		    (unsigned long long)g->base);
		scr_cell(y, &c[VM_BASE], a, buf);
		units_fmt_size(g->size, buf, sizeof(buf));
		scr_cell(y, &c[VM_SIZE], a, buf);
		scr_cell(y, &c[VM_ZONE], a, ring_phys_zone_name(g->zone));
		fmt_peer(buf, sizeof(buf), &g->owner);
		scr_cell(y, &c[VM_OWNER], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)g->owner.uid);
		scr_cell(y, &c[VM_UID], a, buf);
		scr_cell(y, &c[VM_FLAGS], a,
		    (g->flags & RING_PHYS_PERSIST) ? "persist" : "-");
		scr_cell(y, &c[VM_MAPPED], a, g->mapped ? "yes" : "no");
		snprintf(buf, sizeof(buf), "%u", (unsigned)g->grants);
		scr_cell(y, &c[VM_GRANTS], a, buf);
		units_fmt_duration(g->age_ns, buf, sizeof(buf));
		scr_cell(y, &c[VM_AGE], a, buf);
	}
}

/* --- detail view ------------------------------------------------------ */

static const char *
scr_waits(uint32_t w)
{
	switch (w & (RING_WAIT_FUTEX | RING_WAIT_DOORBELL)) {
	case 0:
		return "awake";
	case RING_WAIT_FUTEX:
		return "asleep (futex)";
	case RING_WAIT_DOORBELL:
		return "asleep (doorbell)";
	default:
		return "asleep (futex, doorbell)";
	}
}

static void
scr_detail_queue(const struct rt_model *m, const struct rt_ring *r, int y,
    const char *name, const struct ring_ctl_queue *q, uint32_t entries,
    uint32_t esize, bool sq)
{
	char age[24];
	uint64_t a = sq ? model_sq_age(m, r) : model_cq_age(m, r);

	units_fmt_duration(a, age, sizeof(age));
	scr_printf(y, 0, -1, A_NORMAL,
	    "%s  %u x %u B  head %llu  tail %llu  "
	    "%s %llu/%u",
	    name, (unsigned)entries, (unsigned)esize,
	    (unsigned long long)q->head, (unsigned long long)q->tail,
	    sq ? "depth" : "backlog", (unsigned long long)q->depth,
	    (unsigned)entries);
	scr_bar(y + 1, 4, COLS > 44 ? 40 : COLS - 4, q->depth, entries,
	    A_NORMAL);
	scr_printf(y + 2, 4, -1, A_NORMAL,
	    "pushed %llu  popped %llu  "
	    "oldest pending %s  status%s%s%s",
	    (unsigned long long)q->push_epoch, (unsigned long long)q->pop_epoch,
	    a ? age : "-", q->status == 0 ? " ok" : "",
	    (q->status & RING_STATUS_DROP) ? " DROP" : "",
	    (q->status & RING_STATUS_BROKEN) ? " BROKEN" : "");
	scr_printf(y + 3, 4, -1, A_NORMAL, "popper %s  pusher %s",
	    scr_waits(q->pop_wait), scr_waits(q->push_wait));
}

static void
scr_detail(const struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	static const struct {
		enum rt_series s;
		const char *name;
	} series[] = {
		{ RT_S_SQ, "SQ depth" },
		{ RT_S_CQ, "CQ backlog" },
		{ RT_S_SUB, "submit/s" },
		{ RT_S_CMP, "complete/s" },
	};
	const struct rt_ring *r = NULL;
	char cons[FMT_PEER_LEN], prod[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	char pool[16], age[24], sub[16], cmp[16], mx[16];
	size_t i;
	int y = y0, w;

	for (i = 0; i < m->nrings; i++)
		if (m->rings[i].r.ring_id == v->detail_id)
			r = &m->rings[i];
	if (r == NULL) {
		scr_printf(y0 + 1, 2, -1, A_NORMAL,
		    "ring %llu is gone "
		    "(Esc: back to the table)",
		    (unsigned long long)v->detail_id);
		return;
	}
	fmt_peer(cons, sizeof(cons), &r->r.consumer);
	fmt_peer(prod, sizeof(prod), &r->r.producer);
	fmt_name(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
	units_fmt_size(r->r.pool_bytes, pool, sizeof(pool));
	units_fmt_duration(r->r.age_ns, age, sizeof(age));
	scr_printf(y++, 0, -1, scr_attr(SCR_P_HEAD),
	    "Ring %llu  scheme %s  "
	    "state %s",
	    (unsigned long long)r->r.ring_id, sch, model_state(m, r));
	if (r->state == RT_ST_ENDED) {
		char at[16];

		model_fmt_clock(at, sizeof(at), r->gone_wall_ns);
		scr_printf(y++, 0, -1, A_DIM,
		    "ended at %s: %s (the last record ringd gave)", at,
		    model_end_name(r->end));
	} else if (scr_is_alarm(r)) {
		scr_alarm_line(m, r, y++);
	}
	scr_printf(y++, 0, -1, A_NORMAL,
	    "consumer %s uid %u   producer %s "
	    "uid %u",
	    cons, (unsigned)r->r.consumer.uid, prod,
	    (unsigned)r->r.producer.uid);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "%s-bit entries  pool %s  age %s  "
	    "flags %#x",
	    (r->r.flags & RING_PAIR_BITS_32) ? "32" : "64", pool, age,
	    (unsigned)r->r.flags);
	model_fmt_rate(sub, sizeof(sub), r->have_rate, r->sub_rate);
	model_fmt_rate(cmp, sizeof(cmp), r->have_rate, r->cmp_rate);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "totals  submitted %llu  taken %llu  "
	    "completed %llu  reaped %llu   rates  submit %s/s  complete %s/s",
	    (unsigned long long)r->r.sq.push_epoch,
	    (unsigned long long)r->r.sq.pop_epoch,
	    (unsigned long long)r->r.cq.push_epoch,
	    (unsigned long long)r->r.cq.pop_epoch, sub, cmp);
	y++;
	scr_detail_queue(m, r, y, "SQ", &r->r.sq, r->r.sq_entries,
	    r->r.sqe_size, true);
	y += 4;
	scr_detail_queue(m, r, y, "CQ", &r->r.cq, r->r.cq_entries,
	    r->r.cqe_size, false);
	y += 5;
	if (y >= y1)
		return;
	scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
	    "history: one column per "
	    "%llu s, newest on the right (%u samples kept)",
	    RT_HIST_STEP_NS / 1000000000ull, RT_HIST);
	w = COLS - 24;
	if (w > RT_HIST)
		w = RT_HIST;
	for (i = 0; i < sizeof(series) / sizeof(series[0]) && y < y1; i++) {
		uint32_t max;

		scr_printf(y, 0, 12, A_NORMAL, "%s", series[i].name);
		if (w > 0)
			scr_spark(y, 12, w, r->hist, series[i].s, &max);
		else
			max = 0;
		fmt_count(mx, sizeof(mx), (double)max);
		if (w > 0)
			scr_printf(y, 12 + w + 1, -1, A_NORMAL, "max %s", mx);
		y++;
	}
}

/* --- event log pane ------------------------------------------------------ */

/* The newest events that fit in lines y0 to y1 (exclusive), oldest first. */
static void
scr_events(const struct rt_model *m, int y0, int y1)
{
	uint64_t first = model_event_first(m), seq;
	int rows = y1 - y0 - 1, y = y0 + 1;
	char at[16];

	scr_printf(y0, 0, -1, scr_attr(SCR_P_HEAD),
	    "EVENTS  %llu so far, the newest last (e: hide)",
	    (unsigned long long)m->ev_seq);
	if (rows <= 0)
		return;
	if (m->ev_seq < first) {
		scr_put(y, 2, -1, A_NORMAL, "no event yet");
		return;
	}
	seq = m->ev_seq - first + 1 > (uint64_t)rows
	    ? m->ev_seq - (uint64_t)rows + 1
	    : first;
	for (; seq <= m->ev_seq && y < y1; seq++) {
		const struct rt_event *e = model_event(m, seq);

		if (e == NULL)
			continue;
		model_fmt_clock(at, sizeof(at), e->wall_ns);
		scr_printf(y++, 0, -1,
		    e->kind == RT_EV_STALL_BEGAN || e->kind == RT_EV_RINGD_GONE
			? scr_attr(SCR_P_ALARM)
			: A_NORMAL,
		    "%s  %s", at, e->text);
	}
}

/* --- help, sort menu, last line ------------------------------------------ */

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
	"           DROP: a side left; broken; ended: gone from ringd, kept",
	"           dimmed for a minute with how it ended; -: not known yet",
	"Rows where an index moved since the last refresh are highlighted;",
	"the side blamed for a stall is shown in red.",
	"Each tab's table has its own sort (< > F6 I), marked in its header",
	"with v (or ^ inverted) and named in the tab bar.",
	"While ringd is away the last frame stays on screen, dimmed.",
	"",
	"Replaying a recording (-r FILE), these keys come first:",
	"Space p    pause or go on",
	". Right    one snapshot forward (pauses); , Left one back",
	"] + =      twice as fast (up to x16); [ - half as fast (x0.25)",
	"{ }        10 s of recorded time back or forward",
	"g G        the first or the last snapshot",
	NULL,
};

/* The help text: one line per key binding, then the notes. */
static int
scr_help_line(int i, char *key, size_t klen, const char **text)
{
	const struct rt_key *k;
	int n = 0;

	for (k = rt_keys; k->key != 0; k++) {
		if (k->name == NULL)
			continue;
		if (n++ == i) {
			snprintf(key, klen, "%s", k->name);
			*text = k->help;
			return 1;
		}
	}
	key[0] = '\0';
	if (i == n) {
		*text = "";
		return 1;
	}
	i -= n + 1;
	for (n = 0; scr_help_notes[n] != NULL; n++)
		if (n == i) {
			*text = scr_help_notes[n];
			return 1;
		}
	return 0;
}

/* Help, scrolled to view_x.help_top (kept inside the text here). */
static void
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

static void
scr_sort_menu(const struct rt_view *v)
{
	unsigned n = view_sort_count(v->tab), i;
	bool inv;
	unsigned cur = view_sort_get(v, &inv);
	int y0 = 4, x0 = 2;

	scr_printf(y0, x0, 20, scr_attr(SCR_P_HEAD), " Sort %s by ",
	    scr_tab_names[v->tab]);
	for (i = 0; i < n; i++)
		scr_printf(y0 + 1 + (int)i, x0, 20,
		    i == v->sort_cursor ? scr_attr(SCR_P_SEL)
					: scr_attr(SCR_P_KEY) & ~A_REVERSE,
		    " %c %-16s", i == cur ? '*' : ' ',
		    view_sort_name(v->tab, i));
}

struct scr_keylabel {
	const char *key, *label;
};

static void
scr_keybar(const struct scr_keylabel *bar, size_t n)
{
	int y = LINES - 1, x = 0;
	size_t i;

	scr_put(y, 0, -1, A_NORMAL, "");
	for (i = 0; i < n && x < COLS; i++) {
		scr_put(y, x, (int)strlen(bar[i].key), A_BOLD, bar[i].key);
		x += (int)strlen(bar[i].key);
		scr_put(y, x, (int)strlen(bar[i].label) + 1,
		    scr_attr(SCR_P_KEY), bar[i].label);
		x += (int)strlen(bar[i].label) + 1;
	}
}

static void
scr_footer(const struct rt_view *v)
{
	static const struct scr_keylabel table[] = {
		{ "F1", "Help" },
		{ "F3", "Search" },
		{ "F4", "Filter" },
		{ "F6", "Sort" },
		{ "Enter", "Detail" },
		{ "e", "Events" },
		{ "p", "Pause" },
		{ "Tab", "Tabs" },
		{ "F10", "Quit" },
	};
	static const struct scr_keylabel detail[] = {
		{ "F1", "Help" },
		{ "Esc", "Back" },
		{ "Up/Dn", "Ring" },
		{ "p", "Pause" },
		{ "+/-", "Interval" },
		{ "Tab", "Tabs" },
		{ "F10", "Quit" },
	};
	int y = LINES - 1;

	if (v->mode == RT_MODE_SEARCH || v->mode == RT_MODE_FILTER) {
		const char *label = v->mode == RT_MODE_SEARCH ? "Search: "
							      : "Filter: ";

		scr_put(y, 0, -1, A_NORMAL, "");
		scr_put(y, 0, (int)strlen(label), scr_attr(SCR_P_KEY), label);
		scr_put(y, (int)strlen(label), -1,
		    v->search_failed && v->mode == RT_MODE_SEARCH
			? scr_attr(SCR_P_ALARM)
			: A_NORMAL,
		    v->edit);
		scr_put(y, (int)strlen(label) + (int)strlen(v->edit) + 2, -1,
		    A_NORMAL,
		    v->mode == RT_MODE_SEARCH
			? "(Enter done, F3 next, Esc cancel)"
			: "(Enter done, Esc clear)");
		return;
	}
	if (v->mode == RT_MODE_DETAIL)
		scr_keybar(detail, sizeof(detail) / sizeof(detail[0]));
	else
		scr_keybar(table, sizeof(table) / sizeof(table[0]));
}

void
screen_draw(struct rt_view *v, const struct rt_model *m)
{
	int y, split;

	erase();
	scr_dim = !m->up && m->stale ? A_DIM : 0;
	if (v->mode == RT_MODE_HELP) {
		scr_dim = 0;
		scr_help();
		refresh();
		return;
	}
	y = scr_header(v, m);
	scr_tabs(v, y++);
	split = LINES - 1;
	if (view_x.events && v->mode != RT_MODE_DETAIL) {
		int pane = (LINES - 1 - y) / 3;

		if (pane < 4)
			pane = 4;
		if (LINES - 1 - y - pane >= 3)
			split = LINES - 1 - pane;
	}
	if (!m->up && !m->stale) {
		char iv[16];

		fmt_interval(iv, sizeof(iv), v->interval_ns);
		scr_printf(y + 1, 2, -1, A_NORMAL, "retrying every %s", iv);
		scr_put(y + 2, 2, -1, A_NORMAL,
		    "ringtop resumes by itself when "
		    "ringd is back");
	} else if (v->mode == RT_MODE_DETAIL) {
		scr_detail(v, m, y, LINES - 1);
	} else {
		switch (v->tab) {
		case RT_TAB_RINGS:
			scr_rings(v, m, y, split);
			break;
		case RT_TAB_SCHEMES:
			scr_schemes(v, m, y, split);
			break;
		case RT_TAB_CLIENTS:
			scr_clients(v, m, y, split);
			break;
		default:
			scr_memory(v, m, y, split);
			break;
		}
	}
	if (split < LINES - 1)
		scr_events(m, split, LINES - 1);
	if (v->mode == RT_MODE_SORT)
		scr_sort_menu(v);
	scr_footer(v);
	refresh();
}
