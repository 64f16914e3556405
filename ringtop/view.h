/*
 * view.h - view state of ringtop's screens that the model and batch mode
 * never see: the sort of each table other than Rings (whose sort, set by
 * -s, is struct rt_view's), the rows of those tables in that order, and
 * the help screen's scroll offset.  view.c keeps it, keys.c changes it,
 * the screens (scr-*.c) draw from it.
 */
#ifndef RINGTOP_VIEW_H
#define RINGTOP_VIEW_H

#include "ringtop.h"

/* Sort columns of the Schemes, Clients and Memory tables, in table order. */
enum view_scheme_col {
	VS_NAME,
	VS_OWNER,
	VS_UID,
	VS_BUILTIN,
	VS_RINGS,
	VS_COUNT
};
enum view_client_col {
	VC_ID,
	VC_CLIENT,
	VC_UID,
	VC_GID,
	VC_SCHEMES,
	VC_RINGS,
	VC_AGE,
	VC_COUNT
};
enum view_mem_col {
	VM_REGION,
	VM_BASE,
	VM_SIZE,
	VM_ZONE,
	VM_OWNER,
	VM_UID,
	VM_FLAGS,
	VM_MAPPED,
	VM_GRANTS,
	VM_AGE,
	VM_COUNT
};

struct view_tab {
	unsigned sort; /* a column of the tab's enum */
	bool invert;
	size_t *order; /* row -> index into the model's list */
	size_t n, cap;
};

struct view_extra {
	struct view_tab tab[RT_TAB_COUNT]; /* [RT_TAB_RINGS]: unused */
	int help_top;			   /* first help line on screen */
	bool events;			   /* the event log pane is shown */
};

extern struct view_extra view_x;

/* How many sort columns tab t has, and the name of column c. */
unsigned view_sort_count(enum rt_tab t);
const char *view_sort_name(enum rt_tab t, unsigned c);
/* The sort of the current tab (on Rings: v->sort and v->invert). */
unsigned view_sort_get(const struct rt_view *v, bool *invert);
void view_sort_set(struct rt_view *v, unsigned c, bool invert);
/* The model index of row i of tab t (Rings: v->rows). */
size_t view_index(const struct rt_view *v, enum rt_tab t, size_t i);

#endif /* RINGTOP_VIEW_H */
