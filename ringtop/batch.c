/*
 * batch.c - ringtop -b: frames on stdout without curses, as text (a
 * header and one line per ring, a blank line between frames) or, with -j,
 * one JSON object per frame on a line of its own.
 *
 * A ring in a JSON frame is the object `ringctl -j rings` prints (built
 * by tools/model-json.c, the one place that decides those keys), plus
 * ringtop's derived figures:
 *
 *   submit_per_s, complete_per_s   rates over the last interval, null in
 *                                  the first frame a ring appears in
 *   sq_pending_age_ns,             how long that queue's head has stood
 *   cq_pending_age_ns              still with entries queued (0: empty or
 *                                  moving); see model.c
 *   stalled                        sq_pending_age_ns reached RT_STALL_NS
 *
 * The frame's "ringd" is the status object of `ringctl -j status` (its
 * "phys" filled with the zones when ringd has them), null while ringd
 * cannot be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ringtop.h"
#include "tools/model-json.h"
#include "tools/tools.h"

static struct json_object *
batch_rate(const struct rt_ring *r, double v)
{
	return r->have_rate ? json_object_new_double(v) : NULL;
}

static struct json_object *
batch_ring_json(const struct rt_model *m, const struct rt_ring *r)
{
	struct json_object *o = mj_ring(&r->r);

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "submit_per_s", batch_rate(r, r->sub_rate));
	json_object_object_add(o, "complete_per_s", batch_rate(r, r->cmp_rate));
	json_object_object_add(o, "sq_pending_age_ns",
	    mj_u64(model_sq_age(m, r)));
	json_object_object_add(o, "cq_pending_age_ns",
	    mj_u64(model_cq_age(m, r)));
	json_object_object_add(o, "stalled",
	    json_object_new_boolean(model_stalled(m, r)));
	return o;
}

static int
batch_json(const struct rt_view *v, const struct rt_model *m, uint64_t frame)
{
	struct json_object *o, *rings, *st;
	const char *s;
	char *safe = NULL;
	size_t i;
	int rc = 0;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "frame", mj_u64(frame));
	json_object_object_add(o, "timestamp_ns", mj_u64(model_wall_ns()));
	json_object_object_add(o, "interval_ns", mj_u64(v->interval_ns));
	json_object_object_add(o, "socket", json_object_new_string(m->sock));
	if (m->up && (st = mj_status(&m->st)) != NULL) {
		/* as `ringctl -j status` fills it when ringd has zones */
		if (m->phys)
			json_object_object_add(st, "phys",
			    mj_phys_summary(m->zones, m->nzones));
		json_object_object_add(o, "ringd", st);
	} else {
		json_object_object_add(o, "ringd", NULL);
	}
	json_object_object_add(o, "error",
	    m->up ? NULL : json_object_new_string(m->err));
	json_object_object_add(o, "submit_per_s",
	    m->up ? json_object_new_double(m->sub_total) : NULL);
	json_object_object_add(o, "complete_per_s",
	    m->up ? json_object_new_double(m->cmp_total) : NULL);
	rings = json_object_new_array();
	for (i = 0; rings != NULL && i < v->nrows; i++) {
		struct json_object *r = batch_ring_json(m,
		    &m->rings[v->rows[i]]);

		if (r == NULL || json_object_array_add(rings, r) < 0) {
			json_object_put(r);
			rc = -1;
			break;
		}
	}
	json_object_object_add(o, "rings", rings);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	/* valid UTF-8 without raw DEL or C1 controls, as ringctl -j */
	if (s == NULL || rc < 0 || rings == NULL ||
	    (safe = san_json(s)) == NULL)
		rc = -1;
	else if (printf("%s\n", safe) < 0)
		rc = -1;
	free(safe);
	json_object_put(o);
	return rc;
}

static int
batch_text(const struct rt_view *v, const struct rt_model *m, uint64_t frame)
{
	char up[24], sub[16], cmp[16], age[24];
	char cons[FMT_PEER_LEN], prod[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	char server[SAN_VIS_LEN(sizeof(m->st.server))];
	char when[32];
	struct tm tm;
	time_t t = time(NULL);
	size_t i;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!m->up) {
		printf("ringtop frame %llu  %s  ringd not reachable: %s\n\n",
		    (unsigned long long)frame, when, m->err);
		return fflush(stdout) == 0 ? 0 : -1;
	}
	fmt_name(server, sizeof(server), m->st.server, sizeof(m->st.server));
	units_fmt_duration(m->st.uptime_ns, up, sizeof(up));
	fmt_count(sub, sizeof(sub), m->sub_total);
	fmt_count(cmp, sizeof(cmp), m->cmp_total);
	printf("ringtop frame %llu  %s  %s pid %u up %s\n",
	    (unsigned long long)frame, when, server, (unsigned)m->st.pid, up);
	printf("schemes %u  rings %u  clients %u  submit %s/s  complete %s/s\n",
	    (unsigned)m->st.schemes, (unsigned)m->st.rings,
	    (unsigned)m->st.clients, sub, cmp);
	for (i = 0; i < m->nrings; i++) {
		const struct rt_ring *r = &m->rings[i];

		fmt_peer(cons, sizeof(cons), &r->r.consumer);
		fmt_name(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
		if (model_stalled(m, r)) {
			units_fmt_duration(model_sq_age(m, r), age,
			    sizeof(age));
			printf("ALARM ring %llu (%s, %s): stalled, %llu SQEs "
			       "pending, head still for %s\n",
			    (unsigned long long)r->r.ring_id, sch, cons,
			    (unsigned long long)r->r.sq.depth, age);
		} else if (r->r.state == RING_CTL_BROKEN ||
		    r->r.state == RING_CTL_DROPPED) {
			printf("ALARM ring %llu (%s, %s): %s\n",
			    (unsigned long long)r->r.ring_id, sch, cons,
			    r->r.state == RING_CTL_BROKEN ? "broken"
							  : "dead peer (DROP)");
		}
	}
	printf("%6s %-16s %-22s %-22s %11s %11s %7s %7s %7s %s\n", "ID",
	    "SCHEME", "CONSUMER", "PRODUCER", "SQ", "CQ", "SUB/s", "CMP/s",
	    "AGE", "STATE");
	for (i = 0; i < v->nrows; i++) {
		const struct rt_ring *r = &m->rings[v->rows[i]];
		char sq[32], cq[32];

		fmt_name(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
		fmt_peer(cons, sizeof(cons), &r->r.consumer);
		fmt_peer(prod, sizeof(prod), &r->r.producer);
		snprintf(sq, sizeof(sq), "%llu/%u",
		    (unsigned long long)r->r.sq.depth,
		    (unsigned)r->r.sq_entries);
		snprintf(cq, sizeof(cq), "%llu/%u",
		    (unsigned long long)r->r.cq.depth,
		    (unsigned)r->r.cq_entries);
		if (r->have_rate) {
			fmt_count(sub, sizeof(sub), r->sub_rate);
			fmt_count(cmp, sizeof(cmp), r->cmp_rate);
		} else {
			snprintf(sub, sizeof(sub), "-");
			snprintf(cmp, sizeof(cmp), "-");
		}
		if (model_sq_age(m, r))
			units_fmt_duration(model_sq_age(m, r), age,
			    sizeof(age));
		else
			snprintf(age, sizeof(age), "-");
		printf("%6llu %-16s %-22s %-22s %11s %11s %7s %7s %7s %s\n",
		    (unsigned long long)r->r.ring_id, sch, cons, prod, sq, cq,
		    sub, cmp, age, model_state(m, r));
	}
	printf("\n");
	return fflush(stdout) == 0 ? 0 : -1;
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
