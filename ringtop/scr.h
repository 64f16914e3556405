/*
 * scr.h - what the files of ringtop's curses screen share: the colour
 * roles, the clipped drawing primitives and the table layout of scr.c,
 * and the panes each scr-*.c draws for screen_draw() (scr-frame.c).
 *
 * Only the scr*.c files include this; nothing outside them draws with
 * curses (main.c's banner aside).  The screens read the model and the
 * view, and format cells through view.c, never the other way round.
 */
#ifndef RINGTOP_SCR_H
#define RINGTOP_SCR_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringtop.h"

/* Colour roles: the colour pair of each, or an attribute without colour. */
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

/* --- scr.c: primitives, every one clipped to the screen ------------------ */

/* A_DIM on all drawn while ringd is away (set by screen_draw()). */
extern attr_t scr_dim;

/* The attribute for a role, with or without colour. */
attr_t scr_attr(enum scr_pair p);
/*
 * s at (y, x) in exactly w columns (w < 0: to the end of the line), cut
 * with an ellipsis when it does not fit; bytes a terminal could act on
 * are escaped (san_vis()).
 */
void scr_put(int y, int x, int w, attr_t a, const char *s);
/* The same, right-aligned in w columns. */
void scr_rput(int y, int x, int w, attr_t a, const char *s);
void scr_printf(int y, int x, int w, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/*
 * Parts of a line from (y, x), two spaces apart, wrapping to x + indent
 * for at most max lines; returns the lines used.
 */
int scr_flow(int y, int x, int indent, int max, attr_t a,
    const char *const *parts, size_t n);
/* "[|||   ]" in w columns for v of max, coloured by how full. */
void scr_bar(int y, int x, int w, uint64_t v, uint64_t max, attr_t row);
/* A sparkline of series s in w columns, newest right; *maxp its top. */
void scr_spark(int y, int x, int w, const struct rt_hist *h, enum rt_series s,
    uint32_t *maxp);

/* --- scr.c: tables ------------------------------------------------------- */

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

#define SCR_NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A priority no layout pass takes: the column is hidden this frame. */
#define SCR_PRIO_HIDDEN (-1)

/* A queue column's number, and the least bar worth drawing beside it. */
#define SCR_QNUM 5
#define SCR_BAR_MIN 8
/* A queue column's width before names get wider: number and a bar. */
#define SCR_BAR_SHORT (SCR_QNUM + 1 + SCR_BAR_MIN + 2)

/* Note a cell's text for the width its column wants. */
void scr_want(struct scr_col *c, const char *s);
/* One cell of a laid-out table (nothing when the column is hidden). */
void scr_cell(int y, const struct scr_col *c, attr_t a, const char *s);
/*
 * Lay a table of n rows out for lines y0 to y1 (exclusive) and draw its
 * header, the sorted column marked: sets v->page and returns the first
 * row to draw, scrolled so the selection is in view.
 */
size_t scr_table_start(struct rt_view *v, int y0, int y1, struct scr_col *cols,
    int ncols, size_t n);
/* Row i's attribute at line y: the selection's (line filled) or normal. */
attr_t scr_row(const struct rt_view *v, size_t i, int y);

/* --- the panes: each draws lines y0 to y1 (exclusive) -------------------- */

/* scr-frame.c: an alarm holds on a listed ring; its line at y. */
bool scr_is_alarm(const struct rt_ring *r);
void scr_alarm_line(const struct rt_model *m, const struct rt_ring *r, int y);
/* scr-rings.c */
void scr_rings(struct rt_view *v, const struct rt_model *m, int y0, int y1);
/* scr-tables.c */
void scr_schemes(struct rt_view *v, const struct rt_model *m, int y0, int y1);
void scr_clients(struct rt_view *v, const struct rt_model *m, int y0, int y1);
/* scr-memory.c */
void scr_memory(struct rt_view *v, const struct rt_model *m, int y0, int y1);
/* scr-detail.c */
void scr_detail(const struct rt_view *v, const struct rt_model *m, int y0,
    int y1);
/* scr-help.c: the whole screen */
void scr_help(void);

#endif /* RINGTOP_SCR_H */
