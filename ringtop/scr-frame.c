/*
 * scr-frame.c - the frame around ringtop's panes: the header (ringd,
 * totals, memory, alarms), the tab bar, the event log pane, the sort
 * menu, the key bar or the search/filter prompt on the last line, and
 * screen_draw(), which lays these out and calls the pane of the current
 * tab (scr-rings.c, scr-tables.c, scr-memory.c), the detail view
 * (scr-detail.c) or help (scr-help.c).
 *
 * Depends on scr.c, the model and view; only main.c calls in here.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "scr.h"
#include "view.h"

/* --- header ---------------------------------------------------------------- */

bool
scr_is_alarm(const struct rt_ring *r)
{
	return r->alarm != RT_AL_NONE && r->state != RT_ST_ENDED;
}

/*
 * An alarm's line: the ring, what holds, and first the side it is charged
 * to (whose index stood still: SQ head the producer's, CQ head the
 * consumer's), so a narrow screen keeps who is to blame.
 */
void
scr_alarm_line(const struct rt_model *m, const struct rt_ring *r, int y)
{
	char text[RT_ALARM_TEXT];

	scr_printf(y, 0, -1, scr_attr(SCR_P_ALARM), "ALARM %s",
	    model_alarm_text(m, r, text, sizeof(text)));
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

		san_vis(server, sizeof(server), m->st.server,
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

/* --- sort menu, last line ------------------------------------------------ */

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
