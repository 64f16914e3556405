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

#include "ringtop.h"
#include "tools/tools.h"

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

/*
 * Print s at (y, x) in exactly w columns (w < 0: to the end of the line).
 * Names from ringd reach here through fmt_name() or fmt_peer(); anything
 * else a terminal could act on is escaped here all the same.
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
	attrset(a);
	mvaddnstr(y, x, s, len < w ? len : w);
	for (i = len; i < w; i++)
		addch(' ');
	attrset(A_NORMAL);
}

/* Right-aligned in w columns. */
static void
scr_rput(int y, int x, int w, attr_t a, const char *s)
{
	int len = (int)strlen(s);

	if (len >= w) {
		scr_put(y, x, w, a, s + (len - w));
		return;
	}
	scr_put(y, x, w - len, a, "");
	scr_put(y, x + w - len, len, a, s);
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
		attrset(scr_attr(SCR_P_OK));
		if (scr_utf8)
			addstr(blocks[lvl - 1]);
		else
			addch((chtype)(unsigned char)ascii[lvl - 1]);
		attrset(A_NORMAL);
	}
}

/* --- header ---------------------------------------------------------------- */

static bool
scr_is_alarm(const struct rt_model *m, const struct rt_ring *r)
{
	return model_stalled(m, r) || r->r.state == RING_CTL_BROKEN ||
	    r->r.state == RING_CTL_DROPPED;
}

/*
 * One line per alarm (stalled ring, broken ring, dead peer), at most max
 * lines from y, the last one summing up the rest; returns lines drawn.
 */
static int
scr_alarms(const struct rt_model *m, int y, int max)
{
	char age[24], peer[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	size_t i, n = 0;
	int lines = 0, room;

	for (i = 0; i < m->nrings; i++)
		if (scr_is_alarm(m, &m->rings[i]))
			n++;
	if (n == 0 || max <= 0)
		return 0;
	room = n > (size_t)max ? max - 1 : max;
	for (i = 0; i < m->nrings && lines < room; i++) {
		const struct rt_ring *r = &m->rings[i];
		unsigned long long id = (unsigned long long)r->r.ring_id;
		attr_t a = scr_attr(SCR_P_ALARM);

		if (!scr_is_alarm(m, r))
			continue;
		fmt_peer(peer, sizeof(peer), &r->r.consumer);
		fmt_name(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
		if (model_stalled(m, r)) {
			units_fmt_duration(model_sq_age(m, r), age,
			    sizeof(age));
			scr_printf(y + lines, 0, -1, a,
			    "ALARM ring %llu (%.20s, "
			    "%s): stalled, %llu SQEs pending, head still for "
			    "%s",
			    id, sch, peer,
			    (unsigned long long)r->r.sq.depth, age);
		} else if (r->r.state == RING_CTL_BROKEN) {
			scr_printf(y + lines, 0, -1, a,
			    "ALARM ring %llu (%.20s, "
			    "%s): broken, its indices were found inconsistent",
			    id, sch, peer);
		} else {
			scr_printf(y + lines, 0, -1, a,
			    "ALARM ring %llu (%.20s, "
			    "%s): dead peer, a side left (DROP), %llu SQEs and "
			    "%llu CQEs left",
			    id, sch, peer,
			    (unsigned long long)r->r.sq.depth,
			    (unsigned long long)r->r.cq.depth);
		}
		lines++;
	}
	if (n > (size_t)room)
		scr_printf(y + lines++, 0, -1, scr_attr(SCR_P_ALARM),
		    "ALARM ... and %zu more (sort by state or age to see them)",
		    n - (size_t)room);
	return lines;
}

/* The header's memory line: used and free per zone. */
static void
scr_mem_line(const struct rt_model *m, int y)
{
	char line[256], used[16], fr[16];
	size_t i, len;

	len = (size_t)snprintf(line, sizeof(line), "memory");
	for (i = 0; i < m->nzones && len < sizeof(line); i++) {
		const struct ring_phys_zone *z = &m->zones[i];

		if (z->size == 0)
			continue;
		units_fmt_size(z->used, used, sizeof(used));
		units_fmt_size(z->free, fr, sizeof(fr));
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "  zone %s: used %s free %s (%u ranges)",
		    ring_phys_zone_name(z->zone), used, fr,
		    (unsigned)z->free_ranges);
	}
	scr_put(y, 0, -1, A_NORMAL, line);
}

/* Header lines; returns the first free line. */
static int
scr_header(const struct rt_model *m)
{
	char up[24], sub[16], cmp[16];
	int y = 0;

	if (!m->up) {
		scr_put(y++, 0, -1, scr_attr(SCR_P_ALARM),
		    m->why[0] ? m->why : "connecting to ringd");
		scr_printf(y++, 0, -1, A_NORMAL, "socket %s", m->sock);
		return y;
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
	fmt_count(sub, sizeof(sub), m->sub_total);
	fmt_count(cmp, sizeof(cmp), m->cmp_total);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "schemes %u  rings %u  clients %u  "
	    "submit %s/s  complete %s/s",
	    (unsigned)m->st.schemes, (unsigned)m->st.rings,
	    (unsigned)m->st.clients, sub, cmp);
	if (m->phys)
		scr_mem_line(m, y++);
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

	for (i = 0; i < RT_TAB_COUNT; i++) {
		snprintf(buf, sizeof(buf), " %d %s ", i + 1, scr_tab_names[i]);
		scr_put(y, x, (int)strlen(buf),
		    i == (int)v->tab ? scr_attr(SCR_P_TAB) : A_NORMAL, buf);
		x += (int)strlen(buf) + 1;
	}
	fmt_interval(iv, sizeof(iv), v->interval_ns);
	snprintf(buf, sizeof(buf), "sort %s%s%s%s%s  every %s%s",
	    rt_col_names[v->sort], v->invert ? " (inverted)" : "",
	    v->filter[0] ? "  filter '" : "", v->filter,
	    v->filter[0] ? "'" : "", iv, v->only_active ? "  active only" : "");
	if (x < COLS)
		scr_put(y, x + 1, -1, A_NORMAL, buf);
	if (v->paused && COLS > 8)
		scr_put(y, COLS - 8, 8, scr_attr(SCR_P_WARN), " PAUSED ");
}

/* --- the Rings table ------------------------------------------------- */

struct scr_col {
	const char *title;
	int min, max; /* width range */
	bool right;
	int prio; /* lower: kept longer when narrow */
	int w, x; /* laid out: width (0: hidden) and position */
};

static struct scr_col scr_cols[RT_C_COUNT] = {
	[RT_C_ID] = { "ID", 5, 8, true, 0, 0, 0 },
	[RT_C_SCHEME] = { "SCHEME", 8, 16, false, 1, 0, 0 },
	[RT_C_CONSUMER] = { "CONSUMER", 12, 23, false, 5, 0, 0 },
	[RT_C_PRODUCER] = { "PRODUCER", 12, 23, false, 8, 0, 0 },
	[RT_C_SQ] = { "SQ", 5, 24, false, 2, 0, 0 },
	[RT_C_CQ] = { "CQ", 5, 24, false, 3, 0, 0 },
	[RT_C_SUB] = { "SUB/s", 6, 7, true, 4, 0, 0 },
	[RT_C_CMP] = { "CMP/s", 6, 7, true, 6, 0, 0 },
	[RT_C_AGE] = { "AGE", 6, 7, true, 7, 0, 0 },
	[RT_C_STATE] = { "STATE", 8, 8, false, 2, 0, 0 },
};

/* A queue column's width before names get wider: number and a short bar. */
#define SCR_BAR_SHORT 14

/* Choose the columns that fit COLS and spread the space left over. */
static void
scr_layout(void)
{
	/* who gets space left over, in this order */
	static const enum rt_col scr_grow[] = { RT_C_SQ, RT_C_CQ, RT_C_CONSUMER,
		RT_C_PRODUCER, RT_C_SCHEME };
	int used = 0, prio, i, extra, grow;
	size_t k;

	for (i = 0; i < RT_C_COUNT; i++)
		scr_cols[i].w = 0;
	for (prio = 0; prio <= 8; prio++)
		for (i = 0; i < RT_C_COUNT; i++) {
			struct scr_col *c = &scr_cols[i];

			if (c->prio != prio)
				continue;
			if (used + c->min + (used ? 1 : 0) > COLS)
				continue;
			c->w = c->min;
			used += c->min + (used > 0 ? 1 : 0);
		}
	/* short bars first, then the names, then longer bars */
	extra = COLS - used;
	for (grow = 0; grow < 3 && extra > 0; grow++) {
		int share = extra / 2 > 0 ? extra / 2 : 1;

		for (k = 0;
		     k < sizeof(scr_grow) / sizeof(scr_grow[0]) && extra > 0;
		     k++) {
			struct scr_col *c = &scr_cols[scr_grow[k]];
			bool bar = scr_grow[k] == RT_C_SQ ||
			    scr_grow[k] == RT_C_CQ;
			int add, cap = grow == 0 ? SCR_BAR_SHORT : c->max;

			if (c->w == 0 || cap <= c->w || bar != (grow != 1))
				continue;
			add = cap - c->w;
			if (bar && add > share)
				add = share;
			if (add > extra)
				add = extra;
			c->w += add;
			extra -= add;
		}
	}
	used = 0;
	for (i = 0; i < RT_C_COUNT; i++) {
		if (scr_cols[i].w == 0)
			continue;
		scr_cols[i].x = used;
		used += scr_cols[i].w + 1;
	}
}

/* Depth as a number and a bar in a queue column. */
static void
scr_queue(int y, const struct scr_col *c, uint64_t depth, uint32_t entries,
    attr_t row)
{
	char num[24];
	int nw;

	snprintf(num, sizeof(num), "%llu", (unsigned long long)depth);
	nw = 5;
	if (c->w < nw + 4) {
		scr_rput(y, c->x, c->w, row, num);
		return;
	}
	scr_rput(y, c->x, nw, row, num);
	scr_put(y, c->x + nw, 1, row, " ");
	scr_bar(y, c->x + nw + 1, c->w - nw - 1, depth, entries, row);
}

/* "pid/comm" in w columns: the command name gives way ("~"), the pid stays. */
static void
scr_peer(char *buf, size_t len, int w, const struct ring_ctl_peer *p)
{
	char *slash;

	fmt_peer(buf, len, p);
	if (w < 2 || (int)strlen(buf) <= w ||
	    (slash = strchr(buf, '/')) == NULL || slash - buf + 2 > w)
		return;
	snprintf(buf + w - 1, len - (size_t)(w - 1), "~");
}

static void
scr_ring_row(const struct rt_model *m, const struct rt_ring *r, int y, bool sel)
{
	char buf[FMT_NAME_LEN];
	attr_t row = sel ? scr_attr(SCR_P_SEL)
	    : r->changed ? scr_attr(SCR_P_CHANGED)
			 : A_NORMAL;
	int i;

	if (sel)
		scr_put(y, 0, -1, row, "");
	for (i = 0; i < RT_C_COUNT; i++) {
		const struct scr_col *c = &scr_cols[i];
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
			scr_peer(buf, sizeof(buf), c->w, &r->r.consumer);
			break;
		case RT_C_PRODUCER:
			scr_peer(buf, sizeof(buf), c->w, &r->r.producer);
			break;
		case RT_C_SQ:
			scr_queue(y, c, r->r.sq.depth, r->r.sq_entries, row);
			continue;
		case RT_C_CQ:
			scr_queue(y, c, r->r.cq.depth, r->r.cq_entries, row);
			continue;
		case RT_C_SUB:
			if (r->have_rate)
				fmt_count(buf, sizeof(buf), r->sub_rate);
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case RT_C_CMP:
			if (r->have_rate)
				fmt_count(buf, sizeof(buf), r->cmp_rate);
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case RT_C_AGE:
			if (model_sq_age(m, r) > 0)
				units_fmt_duration(model_sq_age(m, r), buf,
				    sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			if (model_stalled(m, r) && !sel)
				a = scr_attr(SCR_P_ALARM);
			break;
		case RT_C_STATE:
			snprintf(buf, sizeof(buf), "%s", model_state(m, r));
			if (!sel &&
			    (r->r.state == RING_CTL_BROKEN ||
				r->r.state == RING_CTL_DROPPED))
				a = scr_attr(SCR_P_ALARM);
			break;
		default:
			break;
		}
		if (c->right)
			scr_rput(y, c->x, c->w, a, buf);
		else
			scr_put(y, c->x, c->w, a, buf);
	}
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

static void
scr_rings(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	size_t top, i;
	int y, c;

	scr_layout();
	scr_put(y0, 0, -1, scr_attr(SCR_P_HEAD), "");
	for (c = 0; c < RT_C_COUNT; c++) {
		char t[32];

		if (scr_cols[c].w == 0)
			continue;
		snprintf(t, sizeof(t), "%s%s", scr_cols[c].title,
		    c == (int)v->sort ? (v->invert ? "^" : "v") : "");
		if (scr_cols[c].right)
			scr_rput(y0, scr_cols[c].x, scr_cols[c].w,
			    scr_attr(SCR_P_HEAD) |
				(c == (int)v->sort ? A_BOLD : 0),
			    t);
		else
			scr_put(y0, scr_cols[c].x, scr_cols[c].w,
			    scr_attr(SCR_P_HEAD) |
				(c == (int)v->sort ? A_BOLD : 0),
			    t);
	}
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

static void
scr_schemes(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	char owner[FMT_PEER_LEN], ops[64];
	size_t top, i;
	int y, b, k, nops;

	scr_printf(y0, 0, -1, scr_attr(SCR_P_HEAD),
	    "%-20s %-22s %6s %7s %6s %s", "SCHEME", "OWNER", "UID", "BUILTIN",
	    "RINGS", "OPCODES");
	v->page = y1 - y0 - 1;
	top = scr_scroll(v, m->nschemes, v->page);
	for (i = top, y = y0 + 1; i < m->nschemes && y < y1; i++, y++) {
		const struct ring_ctl_scheme *s = &m->schemes[i];
		char name[FMT_NAME_LEN];

		fmt_name(name, sizeof(name), s->name, sizeof(s->name));
		fmt_peer(owner, sizeof(owner), &s->owner);
		ops[0] = '\0';
		nops = 0;
		for (b = 0; b < 256; b++)
			if (s->ops[b / 64] >> (b % 64) & 1) {
				const char *nm = ring_op_name((unsigned)b);
				size_t len = strlen(ops);

				k = snprintf(ops + len, sizeof(ops) - len,
				    "%s%s", nops ? "," : "", nm ? nm : "?");
				(void)k;
				nops++;
			}
		if (nops == 0)
			snprintf(ops, sizeof(ops), "(not declared)");
		scr_printf(y, 0, -1,
		    i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL,
		    "%-20.20s %-22.22s %6u %7s %6u %s", name, owner,
		    (unsigned)s->owner.uid, s->builtin ? "yes" : "no",
		    (unsigned)s->rings, ops);
	}
}

static void
scr_clients(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	char peer[FMT_PEER_LEN], age[24];
	size_t top, i;
	int y;

	scr_printf(y0, 0, -1, scr_attr(SCR_P_HEAD),
	    "%8s %-22s %6s %6s %7s "
	    "%6s %8s",
	    "ID", "CLIENT", "UID", "GID", "SCHEMES", "RINGS", "AGE");
	v->page = y1 - y0 - 1;
	top = scr_scroll(v, m->nclients, v->page);
	for (i = top, y = y0 + 1; i < m->nclients && y < y1; i++, y++) {
		const struct ring_ctl_client *c = &m->clients[i];

		fmt_peer(peer, sizeof(peer), &c->peer);
		units_fmt_duration(c->age_ns, age, sizeof(age));
		scr_printf(y, 0, -1,
		    i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL,
		    "%8llu %-22.22s %6u %6u %7u %6u %8s",
		    (unsigned long long)c->client_id, peer,
		    (unsigned)c->peer.uid, (unsigned)c->peer.gid,
		    (unsigned)c->schemes, (unsigned)c->rings, age);
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

static void
scr_memory(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	char base[24], sz[16], used[16], fr[16], big[16], cell[16];
	char peer[FMT_PEER_LEN];
	char age[24];
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

		units_fmt_size(z->size, sz, sizeof(sz));
		units_fmt_size(z->used, used, sizeof(used));
		units_fmt_size(z->free, fr, sizeof(fr));
		units_fmt_size(z->largest_free, big, sizeof(big));
		if (z->size == 0) {
			scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
			    "zone %s  "
			    "disabled",
			    ring_phys_zone_name(z->zone));
			continue;
		}
		scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
		    "zone %s  "
		    "%#llx-%#llx  size %s  used %s  free %s in %u ranges  "
		    "largest free %s  regions %u",
		    ring_phys_zone_name(z->zone), (unsigned long long)z->base,
		    (unsigned long long)(z->base + z->size), sz, used, fr,
		    (unsigned)z->free_ranges, big, (unsigned)z->regions);
		scr_zone_map(m, z, y, rows, &cs);
		units_fmt_size(cs, cell, sizeof(cell));
		y += rows;
	}
	if (y < y1)
		scr_printf(y++, 0, -1, A_NORMAL,
		    "map: # used  : partly used  "
		    ". free   one cell is at most %s",
		    m->nzones ? cell : "-");
	if (y < y1)
		scr_owners(m, y++);
	if (y >= y1)
		return;
	scr_printf(y, 0, -1, scr_attr(SCR_P_HEAD),
	    "%6s %-14s %8s %4s "
	    "%-22s %6s %-8s %6s %6s %8s",
	    "REGION", "BASE", "SIZE", "ZONE", "OWNER", "UID", "FLAGS", "MAPPED",
	    "GRANTS", "AGE");
	v->page = y1 - y - 1;
	top = scr_scroll(v, m->nregions, v->page);
	for (i = top, y++; i < m->nregions && y < y1; i++, y++) {
		const struct ring_phys_region *g = &m->regions[i];

		snprintf(base, sizeof(base), "%#llx",
		    (unsigned long long)g->base);
		units_fmt_size(g->size, sz, sizeof(sz));
		fmt_peer(peer, sizeof(peer), &g->owner);
		units_fmt_duration(g->age_ns, age, sizeof(age));
		scr_printf(y, 0, -1,
		    i == v->sel[v->tab] ? scr_attr(SCR_P_SEL) : A_NORMAL,
		    "%6llu %-14s %8s %4s %-22.22s %6u %-8s %6s %6u "
		    "%8s",
		    (unsigned long long)g->region_id, base, sz,
		    ring_phys_zone_name(g->zone), peer, (unsigned)g->owner.uid,
		    (g->flags & RING_PHYS_PERSIST) ? "persist" : "-",
		    g->mapped ? "yes" : "no", (unsigned)g->grants, age);
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
	if (r->have_rate) {
		fmt_count(sub, sizeof(sub), r->sub_rate);
		fmt_count(cmp, sizeof(cmp), r->cmp_rate);
	} else {
		snprintf(sub, sizeof(sub), "-");
		snprintf(cmp, sizeof(cmp), "-");
	}
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

/* --- help, sort menu, last line ------------------------------------------ */

static const char *const scr_help_notes[] = {
	"SQ, CQ     SQ depth and CQ backlog, with bars of the queue size",
	"SUB/s      SQEs submitted per second; CMP/s CQEs posted per second",
	"AGE        how long the SQ head has stood still with entries queued",
	"           (a ring is stalled from 2 s on; see ringtop(1))",
	"STATE      running (moved), sleeping (a side waits), idle, pending,",
	"           DROP (a side left), broken",
	"Rows that moved since the last refresh are highlighted.",
	NULL,
};

static void
scr_help(void)
{
	const struct rt_key *k;
	size_t i;
	int y = 0;

	scr_put(y++, 0, -1, scr_attr(SCR_P_HEAD),
	    "ringtop " RING_VERSION " - keys (any key to return)");
	y++;
	for (k = rt_keys; k->key != 0 && y < LINES - 1; k++) {
		if (k->name == NULL)
			continue;
		scr_put(y, 2, 12, scr_attr(SCR_P_LABEL), k->name);
		scr_put(y, 15, -1, A_NORMAL, k->help);
		y++;
	}
	y++;
	for (i = 0; scr_help_notes[i] != NULL && y < LINES; i++)
		scr_put(y++, 0, -1, A_NORMAL, scr_help_notes[i]);
}

static void
scr_sort_menu(const struct rt_view *v)
{
	int y0 = 4, x0 = 2, i;

	scr_put(y0, x0, 16, scr_attr(SCR_P_HEAD), " Sort by ");
	for (i = 0; i < RT_C_COUNT; i++)
		scr_printf(y0 + 1 + i, x0, 16,
		    (unsigned)i == v->sort_cursor
			? scr_attr(SCR_P_SEL)
			: scr_attr(SCR_P_KEY) & ~A_REVERSE,
		    " %c %-12s", i == (int)v->sort ? '*' : ' ',
		    rt_col_names[i]);
}

static void
scr_footer(const struct rt_view *v)
{
	static const struct {
		const char *key, *label;
	} bar[] = {
		{ "F1", "Help" },
		{ "F3", "Search" },
		{ "F4", "Filter" },
		{ "F6", "Sort" },
		{ "Enter", "Detail" },
		{ "p", "Pause" },
		{ "Tab", "Tabs" },
		{ "F10", "Quit" },
	};
	int y = LINES - 1, x = 0;
	size_t i;

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
	scr_put(y, 0, -1, A_NORMAL, "");
	for (i = 0; i < sizeof(bar) / sizeof(bar[0]) && x < COLS; i++) {
		scr_put(y, x, (int)strlen(bar[i].key), A_BOLD, bar[i].key);
		x += (int)strlen(bar[i].key);
		scr_put(y, x, (int)strlen(bar[i].label) + 1,
		    scr_attr(SCR_P_KEY), bar[i].label);
		x += (int)strlen(bar[i].label) + 1;
	}
}

void
screen_draw(struct rt_view *v, const struct rt_model *m)
{
	int y;

	erase();
	if (v->mode == RT_MODE_HELP) {
		scr_help();
		refresh();
		return;
	}
	y = scr_header(m);
	scr_tabs(v, y++);
	if (!m->up) {
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
			scr_rings(v, m, y, LINES - 1);
			break;
		case RT_TAB_SCHEMES:
			scr_schemes(v, m, y, LINES - 1);
			break;
		case RT_TAB_CLIENTS:
			scr_clients(v, m, y, LINES - 1);
			break;
		default:
			scr_memory(v, m, y, LINES - 1);
			break;
		}
	}
	if (v->mode == RT_MODE_SORT)
		scr_sort_menu(v);
	scr_footer(v);
	refresh();
}
