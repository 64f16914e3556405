/*
 * view.c - what the Rings tab lists: the model's rings narrowed by the
 * filter and -o, in the chosen sort order, and a selection that follows
 * its ring across refreshes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ringtop.h"

const char *const rt_col_names[RT_C_COUNT] = {
	[RT_C_ID] = "id",
	[RT_C_SCHEME] = "scheme",
	[RT_C_CONSUMER] = "consumer",
	[RT_C_PRODUCER] = "producer",
	[RT_C_SQ] = "sq",
	[RT_C_CQ] = "cq",
	[RT_C_SUB] = "submit",
	[RT_C_CMP] = "complete",
	[RT_C_AGE] = "age",
	[RT_C_STATE] = "state",
};

int
rt_col_lookup(const char *name)
{
	int i;

	for (i = 0; i < RT_C_COUNT; i++)
		if (strcasecmp(name, rt_col_names[i]) == 0)
			return i;
	return -EINVAL;
}

bool
view_match(const struct rt_ring *r, const char *pat)
{
	char id[24];

	if (pat[0] == '\0')
		return true;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)r->r.ring_id);
	return strcasestr(r->r.scheme, pat) != NULL ||
	    strcasestr(r->r.consumer.comm, pat) != NULL ||
	    (r->r.producer.pid != 0 &&
		strcasestr(r->r.producer.comm, pat) != NULL) ||
	    strcmp(id, pat) == 0;
}

/* qsort has no context argument: the sort runs on one thread. */
static const struct rt_model *view_sort_model;
static enum rt_col view_sort_col;
static bool view_sort_invert;

static int
view_cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int
view_cmp_double(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int
view_cmp_peer(const struct ring_ctl_peer *a, const struct ring_ctl_peer *b)
{
	int c = strcmp(a->pid ? a->comm : "ringd", b->pid ? b->comm : "ringd");

	return c ? c : view_cmp_u64(a->pid, b->pid);
}

static int
view_cmp(const void *pa, const void *pb)
{
	const struct rt_model *m = view_sort_model;
	const struct rt_ring *a = &m->rings[*(const size_t *)pa];
	const struct rt_ring *b = &m->rings[*(const size_t *)pb];
	int c = 0;
	bool numeric = true;

	switch (view_sort_col) {
	case RT_C_ID:
		break;
	case RT_C_SCHEME:
		c = strcmp(a->r.scheme, b->r.scheme);
		numeric = false;
		break;
	case RT_C_CONSUMER:
		c = view_cmp_peer(&a->r.consumer, &b->r.consumer);
		numeric = false;
		break;
	case RT_C_PRODUCER:
		c = view_cmp_peer(&a->r.producer, &b->r.producer);
		numeric = false;
		break;
	case RT_C_SQ:
		c = view_cmp_u64(a->r.sq.depth, b->r.sq.depth);
		break;
	case RT_C_CQ:
		c = view_cmp_u64(a->r.cq.depth, b->r.cq.depth);
		break;
	case RT_C_SUB:
		c = view_cmp_double(a->sub_rate, b->sub_rate);
		break;
	case RT_C_CMP:
		c = view_cmp_double(a->cmp_rate, b->cmp_rate);
		break;
	case RT_C_AGE:
		c = view_cmp_u64(model_sq_age(m, a), model_sq_age(m, b));
		break;
	case RT_C_STATE:
		c = strcmp(model_state(m, a), model_state(m, b));
		numeric = false;
		break;
	default:
		break;
	}
	/* figures sort largest first, names and ids A to Z (htop's habit) */
	if (numeric && view_sort_col != RT_C_ID)
		c = -c;
	if (c == 0)
		c = view_cmp_u64(a->r.ring_id, b->r.ring_id);
	return view_sort_invert ? -c : c;
}

int
view_rows(struct rt_view *v, const struct rt_model *m)
{
	size_t i, n = 0;

	if (m->nrings > v->rows_cap) {
		size_t cap = m->nrings + m->nrings / 2 + 16;
		size_t *p = realloc(v->rows, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		v->rows = p;
		v->rows_cap = cap;
	}
	for (i = 0; i < m->nrings; i++) {
		if (v->only_active && !model_active(&m->rings[i]))
			continue;
		if (!view_match(&m->rings[i], v->filter))
			continue;
		v->rows[n++] = i;
	}
	v->nrows = n;
	view_sort_model = m;
	view_sort_col = v->sort;
	view_sort_invert = v->invert;
	if (n > 1)
		qsort(v->rows, n, sizeof(*v->rows), view_cmp);
	view_clamp(v, m);
	return 0;
}

size_t
view_count(const struct rt_view *v, const struct rt_model *m)
{
	switch (v->tab) {
	case RT_TAB_RINGS:
		return v->nrows;
	case RT_TAB_SCHEMES:
		return m->nschemes;
	case RT_TAB_CLIENTS:
		return m->nclients;
	case RT_TAB_MEMORY:
		return m->nregions;
	default:
		return 0;
	}
}

void
view_clamp(struct rt_view *v, const struct rt_model *m)
{
	size_t n = view_count(v, m), i;
	size_t *sel = &v->sel[v->tab];

	if (v->tab == RT_TAB_RINGS && v->sel_id != 0) {
		for (i = 0; i < v->nrows; i++)
			if (m->rings[v->rows[i]].r.ring_id == v->sel_id) {
				*sel = i;
				break;
			}
	}
	if (n == 0)
		*sel = 0;
	else if (*sel >= n)
		*sel = n - 1;
	if (v->tab == RT_TAB_RINGS)
		v->sel_id = n ? m->rings[v->rows[*sel]].r.ring_id : 0;
}
