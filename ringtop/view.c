/*
 * view.c - what the tables list: the model's rings narrowed by the filter
 * and -o, in the chosen sort order, and a selection that follows its ring
 * across refreshes; the schemes, clients and regions in their own tab's
 * sort order; and the text of each cell of a ring's row, which the Rings
 * tab and batch mode both print (view_cell()).
 *
 * Depends on the model (ringtop.h) and common/; the screens (scr-*.c),
 * batch.c and keys.c depend on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ringtop.h"
#include "view.h"
#include "common/model-json.h"

struct view_extra view_x;

const char *const rt_col_names[RT_C_COUNT] = {
	[RT_C_ID] = "id",
	[RT_C_SCHEME] = "scheme",
	[RT_C_KIND] = "kind",
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

uint64_t
view_age(const struct rt_model *m, const struct rt_ring *r)
{
	if (r->state == RT_ST_ENDED)
		return 0;
	return r->alarm != RT_AL_NONE ? model_alarm_age(m, r)
				      : model_sq_age(m, r);
}

const char *
view_cell(const struct rt_model *m, const struct rt_ring *r, enum rt_col col,
    char *buf, size_t len)
{
	const struct ring_ctl_peer *p;
	uint64_t age;

	switch (col) {
	case RT_C_ID:
		snprintf(buf, len, "%llu", (unsigned long long)r->r.ring_id);
		break;
	case RT_C_SCHEME:
		san_vis(buf, len, r->r.scheme, sizeof(r->r.scheme));
		break;
	case RT_C_KIND:
		snprintf(buf, len, "%s", mj_ring_kind(&r->r));
		break;
	case RT_C_CONSUMER:
	case RT_C_PRODUCER:
		p = col == RT_C_CONSUMER ? &r->r.consumer : &r->r.producer;
		peer_fmt(buf, len, p->pid, p->comm, sizeof(p->comm));
		break;
	case RT_C_SQ:
		snprintf(buf, len, "%llu/%u", (unsigned long long)r->r.sq.depth,
		    (unsigned)r->r.sq_entries);
		break;
	case RT_C_CQ:
		snprintf(buf, len, "%llu/%u", (unsigned long long)r->r.cq.depth,
		    (unsigned)r->r.cq_entries);
		break;
	case RT_C_SUB:
	case RT_C_CMP:
		model_fmt_rate(buf, len, r->have_rate,
		    col == RT_C_SUB ? r->sub_rate : r->cmp_rate);
		break;
	case RT_C_AGE:
		if ((age = view_age(m, r)) > 0)
			units_fmt_duration(age, buf, len);
		else
			snprintf(buf, len, "-");
		break;
	case RT_C_STATE:
		snprintf(buf, len, "%s", model_state_name(r->state));
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
	return buf;
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
	case RT_C_KIND:
		c = strcmp(mj_ring_kind(&a->r), mj_ring_kind(&b->r));
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
		c = view_cmp_u64(view_age(m, a), view_age(m, b));
		break;
	case RT_C_STATE:
		c = strcmp(model_state_name(a->state),
		    model_state_name(b->state));
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

/* --- the other tables ------------------------------------------------- */

static const char *const view_scheme_names[VS_COUNT] = {
	[VS_NAME] = "scheme",
	[VS_OWNER] = "owner",
	[VS_UID] = "uid",
	[VS_BUILTIN] = "builtin",
	[VS_RINGS] = "rings",
};

static const char *const view_client_names[VC_COUNT] = {
	[VC_ID] = "id",
	[VC_CLIENT] = "client",
	[VC_UID] = "uid",
	[VC_GID] = "gid",
	[VC_SCHEMES] = "schemes",
	[VC_RINGS] = "rings",
	[VC_AGE] = "age",
};

static const char *const view_mem_names[VM_COUNT] = {
	[VM_REGION] = "region",
	[VM_BASE] = "base",
	[VM_SIZE] = "size",
	[VM_ZONE] = "zone",
	[VM_OWNER] = "owner",
	[VM_UID] = "uid",
	[VM_FLAGS] = "flags",
	[VM_MAPPED] = "mapped",
	[VM_GRANTS] = "grants",
	[VM_AGE] = "age",
};

unsigned
view_sort_count(enum rt_tab t)
{
	static const unsigned n[RT_TAB_COUNT] = { RT_C_COUNT, VS_COUNT,
		VC_COUNT, VM_COUNT };

	return t < RT_TAB_COUNT ? n[t] : 0;
}

const char *
view_sort_name(enum rt_tab t, unsigned c)
{
	if (c >= view_sort_count(t))
		return "";
	switch (t) {
	case RT_TAB_RINGS:
		return rt_col_names[c];
	case RT_TAB_SCHEMES:
		return view_scheme_names[c];
	case RT_TAB_CLIENTS:
		return view_client_names[c];
	default:
		return view_mem_names[c];
	}
}

unsigned
view_sort_get(const struct rt_view *v, bool *invert)
{
	if (v->tab == RT_TAB_RINGS) {
		*invert = v->invert;
		return v->sort;
	}
	*invert = view_x.tab[v->tab].invert;
	return view_x.tab[v->tab].sort;
}

void
view_sort_set(struct rt_view *v, unsigned c, bool invert)
{
	if (c >= view_sort_count(v->tab))
		return;
	if (v->tab == RT_TAB_RINGS) {
		v->sort = (enum rt_col)c;
		v->invert = invert;
		return;
	}
	view_x.tab[v->tab].sort = c;
	view_x.tab[v->tab].invert = invert;
}

size_t
view_index(const struct rt_view *v, enum rt_tab t, size_t i)
{
	if (t == RT_TAB_RINGS)
		return i < v->nrows ? v->rows[i] : i;
	return i < view_x.tab[t].n ? view_x.tab[t].order[i] : i;
}

static enum rt_tab view_ord_tab;
static unsigned view_ord_col;

/* The columns of each non-Rings tab that hold figures: largest first. */
static const unsigned view_ord_desc[RT_TAB_COUNT] = {
	[RT_TAB_SCHEMES] = 1u << VS_UID | 1u << VS_BUILTIN | 1u << VS_RINGS,
	[RT_TAB_CLIENTS] = 1u << VC_UID | 1u << VC_GID | 1u << VC_SCHEMES |
	    1u << VC_RINGS | 1u << VC_AGE,
	[RT_TAB_MEMORY] = 1u << VM_SIZE | 1u << VM_UID | 1u << VM_FLAGS |
	    1u << VM_MAPPED | 1u << VM_GRANTS | 1u << VM_AGE,
};

/* The column of each non-Rings tab that shows a peer: it sorts by peer. */
static const unsigned view_ord_peer_col[RT_TAB_COUNT] = {
	[RT_TAB_SCHEMES] = VS_OWNER,
	[RT_TAB_CLIENTS] = VC_CLIENT,
	[RT_TAB_MEMORY] = VM_OWNER,
};

/* The peer of row i of non-Rings tab t. */
static const struct ring_ctl_peer *
view_ord_peer(const struct rt_model *m, enum rt_tab t, size_t i)
{
	if (t == RT_TAB_SCHEMES)
		return &m->schemes[i].owner;
	if (t == RT_TAB_CLIENTS)
		return &m->clients[i].peer;
	return &m->regions[i].owner;
}

/*
 * The figure row i of non-Rings tab t sorts by in column col; the first
 * column gives the id that breaks ties (0 for Schemes: by name).
 */
static uint64_t
view_ord_key(const struct rt_model *m, enum rt_tab t, unsigned col, size_t i)
{
	if (t == RT_TAB_SCHEMES) {
		const struct ring_ctl_scheme *s = &m->schemes[i];

		switch (col) {
		case VS_UID:
			return s->owner.uid;
		case VS_BUILTIN:
			return s->builtin;
		case VS_RINGS:
			return s->rings;
		default:
			return 0;
		}
	}
	if (t == RT_TAB_CLIENTS) {
		const struct ring_ctl_client *c = &m->clients[i];

		switch (col) {
		case VC_ID:
			return c->client_id;
		case VC_UID:
			return c->peer.uid;
		case VC_GID:
			return c->peer.gid;
		case VC_SCHEMES:
			return c->schemes;
		case VC_RINGS:
			return c->rings;
		case VC_AGE:
			return c->age_ns;
		default:
			return 0;
		}
	}
	{
		const struct ring_phys_region *r = &m->regions[i];

		switch (col) {
		case VM_REGION:
			return r->region_id;
		case VM_BASE:
			return r->base;
		case VM_SIZE:
			return r->size;
		case VM_ZONE:
			return r->zone;
		case VM_UID:
			return r->owner.uid;
		case VM_FLAGS:
			return r->flags;
		case VM_MAPPED:
			return r->mapped;
		case VM_GRANTS:
			return r->grants;
		case VM_AGE:
			return r->age_ns;
		default:
			return 0;
		}
	}
}

/*
 * One row against another in the order of a non-Rings tab: by the peer
 * in the peer column, else by the column's figure (largest first for
 * figures), ties by name (Schemes) or id.
 */
static int
view_ord_cmp(const void *pa, const void *pb)
{
	const struct rt_model *m = view_sort_model;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	enum rt_tab t = view_ord_tab;
	unsigned col = view_ord_col;
	int c;

	if (col == view_ord_peer_col[t])
		c = view_cmp_peer(view_ord_peer(m, t, ia),
		    view_ord_peer(m, t, ib));
	else
		c = view_cmp_u64(view_ord_key(m, t, col, ia),
		    view_ord_key(m, t, col, ib));
	if (view_ord_desc[t] >> col & 1u)
		c = -c;
	if (c == 0)
		c = t == RT_TAB_SCHEMES
		    ? strcmp(m->schemes[ia].name, m->schemes[ib].name)
		    : view_cmp_u64(view_ord_key(m, t, 0, ia),
			  view_ord_key(m, t, 0, ib));
	return view_sort_invert ? -c : c;
}

/* The rows of tab t in its sort order. */
static int
view_order(struct view_tab *vt, const struct rt_model *m, enum rt_tab t)
{
	size_t n = t == RT_TAB_SCHEMES ? m->nschemes
	    : t == RT_TAB_CLIENTS      ? m->nclients
				       : m->nregions,
	       i;

	if (n > vt->cap) {
		size_t cap = n + n / 2 + 16;
		size_t *p = realloc(vt->order, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		vt->order = p;
		vt->cap = cap;
	}
	for (i = 0; i < n; i++)
		vt->order[i] = i;
	vt->n = n;
	view_sort_model = m;
	view_ord_tab = t;
	view_ord_col = vt->sort;
	view_sort_invert = vt->invert;
	if (n > 1)
		qsort(vt->order, n, sizeof(*vt->order), view_ord_cmp);
	return 0;
}

int
view_rows(struct rt_view *v, const struct rt_model *m)
{
	size_t i, n = 0;
	enum rt_tab t;

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
	for (t = RT_TAB_SCHEMES; t < RT_TAB_COUNT; t++)
		if (view_order(&view_x.tab[t], m, t) < 0)
			return -ENOMEM;
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
