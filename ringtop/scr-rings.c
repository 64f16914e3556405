/*
 * scr-rings.c - the Rings tab: one row per ring, its cells as view_cell()
 * writes them (the same text batch mode prints), queue depths with bars
 * when the screen has room, the side blamed for a stall in red, rows
 * that moved highlighted, ended rings dimmed with how they ended.
 *
 * Depends on scr.c and view.c; called by screen_draw() alone.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "scr.h"
#include "view.h"

static struct scr_col scr_ring_cols[RT_C_COUNT] = {
	[RT_C_ID] = SCR_COL("ID", 5, 8, true, 0, false, false),
	[RT_C_SCHEME] = SCR_COL("SCHEME", 8, 16, false, 1, true, false),
	/* the first to go: at 80 columns the others fill the line */
	[RT_C_KIND] = SCR_COL("KIND", 5, 5, false, 9, false, false),
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

/*
 * A ring's row: each cell's text from view_cell(), as batch mode prints
 * it, but the queue columns (a bar beside the depth) and the cells an
 * ended ring has none for; the colours say what the words do not.
 */
static void
scr_ring_row(const struct rt_model *m, const struct rt_ring *r, int y, bool sel)
{
	char buf[VIEW_CELL_LEN];
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
		bool alarm = false;

		if (c->w == 0)
			continue;
		switch ((enum rt_col)i) {
		case RT_C_CONSUMER:
			alarm = r->blame == RT_SIDE_CONSUMER;
			break;
		case RT_C_PRODUCER:
			alarm = r->blame == RT_SIDE_PRODUCER;
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
				continue; /* scr_ring_end() spans them */
			alarm = i == RT_C_AGE && model_stalled(m, r);
			break;
		case RT_C_STATE:
			alarm = r->state == RT_ST_STALLED ||
			    r->state == RT_ST_BROKEN ||
			    r->state == RT_ST_DROPPED;
			break;
		default:
			break;
		}
		scr_cell(y, c, alarm && !sel ? scr_attr(SCR_P_ALARM) : row,
		    view_cell(m, r, (enum rt_col)i, buf, sizeof(buf)));
	}
	if (ended)
		scr_ring_end(y, r, row);
}

void
scr_rings(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_ring_cols;
	char buf[VIEW_CELL_LEN];
	size_t top, i;
	int y;

	for (i = 0; i < v->nrows; i++) {
		const struct rt_ring *r = &m->rings[v->rows[i]];

		static const enum rt_col grow[] = { RT_C_SCHEME, RT_C_CONSUMER,
			RT_C_PRODUCER, RT_C_AGE };
		size_t k;

		for (k = 0; k < sizeof(grow) / sizeof(grow[0]); k++)
			scr_want(&c[grow[k]],
			    view_cell(m, r, grow[k], buf, sizeof(buf)));
	}
	top = scr_table_start(v, y0, y1, c, RT_C_COUNT, v->nrows);
	if (v->nrows == 0) {
		scr_put(y0 + 2, 2, -1, A_NORMAL,
		    m->nrings == 0
			? "no rings"
			: "no ring matches (\\ or F4 to change the filter, "
			  "o for all rings)");
		return;
	}
	for (i = top, y = y0 + 1; i < v->nrows && y < y1; i++, y++)
		scr_ring_row(m, &m->rings[v->rows[i]], y, i == v->sel[v->tab]);
}
