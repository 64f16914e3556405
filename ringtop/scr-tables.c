/*
 * scr-tables.c - the Schemes and Clients tabs: one row per scheme (its
 * owner, rings and declared opcodes) and per connection to ringd, each
 * table in its own sort order (view.c).
 *
 * Depends on scr.c, the model and view; called by screen_draw() alone.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/common.h"
#include "common/model-json.h"
#include "scr.h"
#include "view.h"

/* Columns in enum view_scheme_col order, then OPCODES (not a sort key). */
static struct scr_col scr_scheme_cols[VS_COUNT + 1] = {
	[VS_NAME] = SCR_COL("SCHEME", 8, 20, false, 0, true, false),
	[VS_OWNER] = SCR_COL("OWNER", 11, 22, false, 2, true, false),
	[VS_UID] = SCR_COL("UID", 6, 6, true, 3, false, false),
	[VS_BUILTIN] = SCR_COL("BUILTIN", 8, 8, false, 4, false, false),
	[VS_RINGS] = SCR_COL("RINGS", 6, 6, true, 1, false, false),
	[VS_COUNT] = SCR_COL("OPCODES", 12, 400, false, 1, true, false),
};

/* Room for the OPCODES cell: every opcode named (or a range) and commas. */
#define SCR_OPS_TEXT 1024

/*
 * "identify,capacity,release" or "noop,read,13-255": ringctl's text, the
 * names a scheme declared from the snapshot (model-fetch.c probed them).
 */
static const char *
scr_opcodes(const struct rt_model *m, const struct ring_ctl_scheme *s,
    char *buf, size_t len)
{
	struct ring_ctl_opname names[128];
	struct json_object *arr;
	size_t n = 0, i;

	for (i = 0; i < m->nopnames && n < 128; i++)
		if (model_opname_of(&m->opnames[i], s)) {
			names[n].op = (uint8_t)m->opnames[i].op;
			snprintf(names[n].name, sizeof(names[n].name), "%s",
			    m->opnames[i].name);
			n++;
		}
	arr = mj_opcodes_named(s->ops, names, n);
	if (arr == NULL || json_object_array_length(arr) == 0)
		snprintf(buf, len, "(not declared)");
	else
		mj_opcodes_text(arr, buf, len);
	json_object_put(arr);
	return buf;
}

void
scr_schemes(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_scheme_cols;
	char buf[FMT_PEER_LEN], ops[SCR_OPS_TEXT];
	size_t top, i;
	int y;

	for (i = 0; i < m->nschemes; i++) {
		const struct ring_ctl_scheme *s = &m->schemes[i];

		san_vis(buf, sizeof(buf), s->name, sizeof(s->name));
		scr_want(&c[VS_NAME], buf);
		peer_fmt(buf, sizeof(buf), s->owner.pid, s->owner.comm,
		    sizeof(s->owner.comm));
		scr_want(&c[VS_OWNER], buf);
		scr_want(&c[VS_COUNT], scr_opcodes(m, s, ops, sizeof(ops)));
	}
	top = scr_table_start(v, y0, y1, c, SCR_NCOLS(scr_scheme_cols),
	    m->nschemes);
	for (i = top, y = y0 + 1; i < m->nschemes && y < y1; i++, y++) {
		const struct ring_ctl_scheme
		    *s = &m->schemes[view_index(v, RT_TAB_SCHEMES, i)];
		attr_t a = scr_row(v, i, y);

		san_vis(buf, sizeof(buf), s->name, sizeof(s->name));
		scr_cell(y, &c[VS_NAME], a, buf);
		peer_fmt(buf, sizeof(buf), s->owner.pid, s->owner.comm,
		    sizeof(s->owner.comm));
		scr_cell(y, &c[VS_OWNER], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)s->owner.uid);
		scr_cell(y, &c[VS_UID], a, buf);
		scr_cell(y, &c[VS_BUILTIN], a, s->builtin ? "yes" : "no");
		snprintf(buf, sizeof(buf), "%u", (unsigned)s->rings);
		scr_cell(y, &c[VS_RINGS], a, buf);
		scr_cell(y, &c[VS_COUNT], a,
		    scr_opcodes(m, s, ops, sizeof(ops)));
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

void
scr_clients(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_client_cols;
	char buf[FMT_PEER_LEN];
	size_t top, i;
	int y;

	for (i = 0; i < m->nclients; i++) {
		peer_fmt(buf, sizeof(buf), m->clients[i].peer.pid,
		    m->clients[i].peer.comm, sizeof(m->clients[i].peer.comm));
		scr_want(&c[VC_CLIENT], buf);
	}
	top = scr_table_start(v, y0, y1, c, VC_COUNT, m->nclients);
	for (i = top, y = y0 + 1; i < m->nclients && y < y1; i++, y++) {
		const struct ring_ctl_client
		    *cl = &m->clients[view_index(v, RT_TAB_CLIENTS, i)];
		attr_t a = scr_row(v, i, y);

		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)cl->client_id);
		scr_cell(y, &c[VC_ID], a, buf);
		peer_fmt(buf, sizeof(buf), cl->peer.pid, cl->peer.comm,
		    sizeof(cl->peer.comm));
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
