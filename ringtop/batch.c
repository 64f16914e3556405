/*
 * batch.c - ringtop -b: frames on stdout without curses, as text (a
 * header, the alarms, one line per ring, the events logged since the last
 * frame, a blank line between frames) or, with -j, one JSON object per
 * frame on a line of its own.
 *
 * A ring in a JSON frame is the object `ringctl -j rings` prints (built
 * by common/model-json.c, the one place that decides those keys), plus
 * ringtop's derived figures:
 *
 *   submit_per_s, complete_per_s   rates over the last interval, null
 *                                  while unknown (seen once only)
 *   sq_pending_age_ns,             how long that queue's head has stood
 *   cq_pending_age_ns              still with entries queued (0: empty or
 *                                  moving); see model.c
 *   stalled                        a stall alarm holds
 *   activity                       the STATE column: "running",
 *                                  "stalled", "waiting", "sleeping",
 *                                  "idle",
 *                                  "pending", "dropped", "broken",
 *                                  "adopting", "ended"; null: unknown
 *   alarm                          null, or {kind ("sq_stall", "cq_full",
 *                                  "cq_backlog", "dropped", "broken"),
 *                                  blame ("producer", "consumer", null),
 *                                  culprit (peer or null), age_ns}
 *   ended                          null, or {reason, time_ns}
 *
 * The frame's "ringd" is the object `ringctl -j status` prints
 * (common/model-json-status.c builds both), null until ringd was reached;
 * while ringd is away the frame keeps the last snapshot, with "stale"
 * true and "ringd_gone_since_ns" set.  Rings that left ringd's list are
 * in "ended_rings"; "events" holds the events logged since the last
 * frame.  Times are those of the snapshot, so a replay prints the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ringtop.h"
#include "common/model-json-status.h"
#include "common/model-json.h"
#include "common/common.h"

/* The last event a frame printed. */
static uint64_t batch_ev_seen;

static const char *const batch_alarm_keys[RT_AL_COUNT] = {
	[RT_AL_SQ_STALL] = "sq_stall",
	[RT_AL_CQ_FULL] = "cq_full",
	[RT_AL_CQ_BACKLOG] = "cq_backlog",
	[RT_AL_DROPPED] = "dropped",
	[RT_AL_BROKEN] = "broken",
};

static struct json_object *
batch_rate(const struct rt_ring *r, double v)
{
	return r->have_rate ? json_object_new_double(v) : NULL;
}

static struct json_object *
batch_str(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_object_new_string(s) : NULL;
}

static struct json_object *
batch_alarm_json(const struct rt_model *m, const struct rt_ring *r)
{
	const struct ring_ctl_peer *p = model_blamed(r);
	struct json_object *o;

	if (r->alarm == RT_AL_NONE || (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "kind",
	    batch_str(batch_alarm_keys[r->alarm]));
	json_object_object_add(o, "blame",
	    batch_str(model_side_name(r->blame)));
	json_object_object_add(o, "culprit", p != NULL ? mj_peer(p) : NULL);
	json_object_object_add(o, "age_ns", mj_u64(model_alarm_age(m, r)));
	return o;
}

static struct json_object *
batch_ring_json(const struct rt_model *m, const struct rt_ring *r)
{
	struct json_object *o = mj_ring(&r->r), *e = NULL;
	const char *act = model_state_name(r->state);

	if (o == NULL)
		return NULL;
	if (r->state == RT_ST_UNKNOWN)
		act = NULL;
	json_object_object_add(o, "submit_per_s", batch_rate(r, r->sub_rate));
	json_object_object_add(o, "complete_per_s", batch_rate(r, r->cmp_rate));
	json_object_object_add(o, "sq_pending_age_ns",
	    mj_u64(model_sq_age(m, r)));
	json_object_object_add(o, "cq_pending_age_ns",
	    mj_u64(model_cq_age(m, r)));
	json_object_object_add(o, "stalled",
	    json_object_new_boolean(model_stalled(m, r)));
	json_object_object_add(o, "activity", batch_str(act));
	json_object_object_add(o, "alarm", batch_alarm_json(m, r));
	if (r->gone_ns != 0 && (e = json_object_new_object()) != NULL) {
		json_object_object_add(e, "reason",
		    json_object_new_string(model_end_name(r->end)));
		json_object_object_add(e, "time_ns", mj_u64(r->gone_wall_ns));
	}
	json_object_object_add(o, "ended", e);
	return o;
}

/* The `ringctl -j status` object of the model's last snapshot. */
static struct json_object *
batch_status_json(const struct rt_model *m)
{
	uint64_t pending = 0, broken = 0;
	size_t i;

	if (!m->up && !m->stale)
		return NULL;
	for (i = 0; i < m->nrings; i++) {
		if (m->rings[i].gone_ns != 0)
			continue;
		pending += m->rings[i].r.state == RING_CTL_PENDING;
		broken += m->rings[i].r.state == RING_CTL_BROKEN;
	}
	return mj_status_report(&m->st, m->sock, pending, broken, m->phys,
	    m->zones, m->nzones, m->nregions);
}

static struct json_object *
batch_events_json(const struct rt_model *m)
{
	struct json_object *a = json_object_new_array(), *o;
	const struct rt_event *e;
	uint64_t seq = batch_ev_seen + 1;

	if (seq < model_event_first(m))
		seq = model_event_first(m);
	for (; a != NULL && (e = model_event(m, seq)) != NULL; seq++) {
		if ((o = json_object_new_object()) == NULL)
			break;
		json_object_object_add(o, "seq", mj_u64(e->seq));
		json_object_object_add(o, "time_ns", mj_u64(e->wall_ns));
		json_object_object_add(o, "kind",
		    json_object_new_string(model_event_kind(e->kind)));
		json_object_object_add(o, "ring_id",
		    e->ring_id != 0 ? mj_u64(e->ring_id) : NULL);
		json_object_object_add(o, "text",
		    json_object_new_string(e->text));
		json_object_array_add(a, o);
	}
	return a;
}

static int
batch_json(const struct rt_view *v, const struct rt_model *m, uint64_t frame)
{
	struct json_object *o, *rings, *ended;
	bool data = m->up || m->stale, known = data && m->rates_known;
	const char *s;
	char *safe = NULL;
	size_t i;
	int rc = 0;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "frame", mj_u64(frame));
	json_object_object_add(o, "timestamp_ns", mj_u64(m->wall_ns));
	json_object_object_add(o, "interval_ns", mj_u64(v->interval_ns));
	json_object_object_add(o, "socket", json_object_new_string(m->sock));
	json_object_object_add(o, "ringd", batch_status_json(m));
	json_object_object_add(o, "stale", json_object_new_boolean(m->stale));
	json_object_object_add(o, "ringd_gone_since_ns",
	    m->down_wall_ns != 0 ? mj_u64(m->down_wall_ns) : NULL);
	json_object_object_add(o, "error",
	    m->up ? NULL : json_object_new_string(m->err));
	json_object_object_add(o, "submit_per_s",
	    known ? json_object_new_double(m->sub_total) : NULL);
	json_object_object_add(o, "complete_per_s",
	    known ? json_object_new_double(m->cmp_total) : NULL);
	rings = json_object_new_array();
	ended = json_object_new_array();
	for (i = 0; rings != NULL && ended != NULL && i < v->nrows; i++) {
		const struct rt_ring *t = &m->rings[v->rows[i]];
		struct json_object *r = batch_ring_json(m, t);

		if (r == NULL ||
		    json_object_array_add(t->gone_ns ? ended : rings, r) < 0) {
			json_object_put(r);
			rc = -1;
			break;
		}
	}
	json_object_object_add(o, "rings", rings);
	json_object_object_add(o, "ended_rings", ended);
	json_object_object_add(o, "events", batch_events_json(m));
	batch_ev_seen = m->ev_seq;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	/* valid UTF-8 without raw DEL or C1 controls, as ringctl -j */
	if (s == NULL || rc < 0 || rings == NULL || ended == NULL ||
	    (safe = san_json(s)) == NULL)
		rc = -1;
	else if (printf("%s\n", safe) < 0)
		rc = -1;
	free(safe);
	json_object_put(o);
	return rc;
}

static void
batch_events_text(const struct rt_model *m)
{
	const struct rt_event *e;
	uint64_t seq = batch_ev_seen + 1;
	char when[16];

	if (seq < model_event_first(m))
		seq = model_event_first(m);
	for (; (e = model_event(m, seq)) != NULL; seq++) {
		model_fmt_clock(when, sizeof(when), e->wall_ns);
		printf("event %s %s\n", when, e->text);
	}
	batch_ev_seen = m->ev_seq;
}

/* The frame's first line. */
static void
batch_head_text(const struct rt_model *m, uint64_t frame)
{
	char when[32], since[16], up[24];
	char server[SAN_VIS_LEN(sizeof(m->st.server))];
	time_t t = (time_t)(m->wall_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("ringtop frame %llu  %s  ", (unsigned long long)frame, when);
	if (!m->up && !m->stale) {
		printf("ringd not reachable: %s\n", m->err);
		return;
	}
	san_vis(server, sizeof(server), m->st.server, sizeof(m->st.server));
	units_fmt_duration(m->st.uptime_ns, up, sizeof(up));
	printf("%s pid %u up %s", server, (unsigned)m->st.pid, up);
	if (m->stale) {
		model_fmt_clock(since, sizeof(since), m->down_wall_ns);
		printf("  STALE: ringd gone since %s (%s)", since, m->why);
	}
	printf("\n");
}

static int
batch_text(const struct rt_view *v, const struct rt_model *m, uint64_t frame)
{
	char sub[16], cmp[16], text[RT_ALARM_TEXT];
	size_t i;

	batch_head_text(m, frame);
	if (!m->up && !m->stale) {
		batch_events_text(m);
		printf("\n");
		return 0;
	}
	model_fmt_rate(sub, sizeof(sub), m->rates_known, m->sub_total);
	model_fmt_rate(cmp, sizeof(cmp), m->rates_known, m->cmp_total);
	printf("schemes %u  rings %u  clients %u  submit %s/s  complete %s/s\n",
	    (unsigned)m->st.schemes, (unsigned)m->st.rings,
	    (unsigned)m->st.clients, sub, cmp);
	for (i = 0; i < m->nrings; i++)
		if (m->rings[i].alarm != RT_AL_NONE)
			printf("ALARM %s\n",
			    model_alarm_text(m, &m->rings[i], text,
				sizeof(text)));
	printf("%6s %-16s %-5s %-22s %-22s %11s %11s %7s %7s %7s %s\n", "ID",
	    "SCHEME", "KIND", "CONSUMER", "PRODUCER", "SQ", "CQ", "SUB/s",
	    "CMP/s", "AGE", "STATE");
	for (i = 0; i < v->nrows; i++) {
		const struct rt_ring *r = &m->rings[v->rows[i]];
		char c[RT_C_COUNT][VIEW_CELL_LEN];
		int k;

		for (k = 0; k < RT_C_COUNT; k++)
			view_cell(m, r, (enum rt_col)k, c[k], sizeof(c[k]));
		printf("%6s %-16s %-5s %-22s %-22s %11s %11s %7s %7s %7s %s",
		    c[RT_C_ID], c[RT_C_SCHEME], c[RT_C_KIND], c[RT_C_CONSUMER],
		    c[RT_C_PRODUCER], c[RT_C_SQ], c[RT_C_CQ], c[RT_C_SUB],
		    c[RT_C_CMP], c[RT_C_AGE], c[RT_C_STATE]);
		/* the screen spans SUB/s to AGE with how it ended */
		if (r->state == RT_ST_ENDED)
			printf(": %s", model_end_name(r->end));
		printf("\n");
	}
	batch_events_text(m);
	printf("\n");
	return 0;
}

int
batch_frame(const struct rt_view *v, const struct rt_model *m, bool json,
    uint64_t frame)
{
	int rc = json ? batch_json(v, m, frame) : batch_text(v, m, frame);

	if (rc == 0 && fflush(stdout) != 0)
		rc = -1;
	return rc;
}
