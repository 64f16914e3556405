/*
 * model.c - ringtop's model: snapshots of ringd's introspection lists and
 * the figures derived from two successive snapshots.
 *
 * ringd reports, per queue, the raw head and tail indices and two
 * monotonic epochs (entries ever pushed, entries ever popped).  From a
 * pair of snapshots taken dt apart ringtop derives:
 *
 *   submit/s    = delta(SQ push_epoch) / dt   (SQEs the consumer pushed)
 *   complete/s  = delta(CQ push_epoch) / dt   (CQEs the producer posted)
 *
 * and the age of the oldest pending entry: ringd does not timestamp
 * entries, so ringtop remembers, per queue, the first snapshot at which it
 * saw entries queued behind a head that has not moved since.  While the
 * head stands still the entry at the head is at least that old; when the
 * head moves (pop_epoch changed) the clock restarts at that snapshot, and
 * when the queue is empty it stops.  The figure is a lower bound, exact to
 * one refresh interval, and starts at zero for a queue first seen loaded.
 *
 * A ring moved when one of its four epochs moved (an index was stored);
 * the wait words a sleeping side sets are not movement.  A head that stood
 * still RT_STALL_NS with entries behind it is a stall, charged to the side
 * that pops that queue: the producer (scheme) takes SQEs, the consumer
 * (the side that opened the ring) reaps CQEs.  An SQ stall behind a full
 * CQ whose head stands still too is the consumer's: the producer cannot
 * post.  Everything that needs two snapshots is unknown after one.
 *
 * Rings are kept sorted by id so that a new snapshot is merged with the
 * previous one in one pass, carrying each ring's history along; a ring
 * that left ringd's list stays RT_GONE_NS, marked with how it ended.
 * While ringd is away the last snapshot stays, marked stale.
 *
 * This file works on snapshots alone (model-fetch.c takes them from
 * ringd; a replay gives recorded ones), so the model is the same live
 * and replayed.  Depends on ringtop.h and common/; the screens, batch
 * output and the recorder read what it derives, and it knows nothing of
 * them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ring/phys.h>

#include "ringtop.h"
#include "common/model-json.h"
#include "common/common.h"

/* Free a list of the snapshot or the model and leave it empty. */
#define MODEL_LIST_FREE(vec, n) (free(vec), (vec) = NULL, (n) = 0)
/* The model's list replaced by the snapshot's (which the caller empties). */
#define MODEL_LIST_TAKE(m, s, vec, n) \
	(free((m)->vec), (m)->vec = (s)->vec, (m)->n = (s)->n)

void
model_snap_free(struct rt_snap *s)
{
	MODEL_LIST_FREE(s->rings, s->nrings);
	MODEL_LIST_FREE(s->schemes, s->nschemes);
	MODEL_LIST_FREE(s->clients, s->nclients);
	MODEL_LIST_FREE(s->zones, s->nzones);
	MODEL_LIST_FREE(s->ranges, s->nranges);
	MODEL_LIST_FREE(s->regions, s->nregions);
	MODEL_LIST_FREE(s->opnames, s->nopnames);
}

static void
model_phys_clear(struct rt_model *m)
{
	MODEL_LIST_FREE(m->zones, m->nzones);
	MODEL_LIST_FREE(m->ranges, m->nranges);
	MODEL_LIST_FREE(m->regions, m->nregions);
	m->phys = false;
}

static void
model_clear(struct rt_model *m)
{
	size_t i;

	for (i = 0; i < m->nrings; i++)
		free(m->rings[i].hist);
	MODEL_LIST_FREE(m->rings, m->nrings);
	MODEL_LIST_FREE(m->schemes, m->nschemes);
	MODEL_LIST_FREE(m->clients, m->nclients);
	MODEL_LIST_FREE(m->opnames, m->nopnames);
	model_phys_clear(m);
	m->sub_total = m->cmp_total = 0;
	m->prev_ns = 0;
	m->rates_known = false;
	m->stale = false;
	memset(&m->st, 0, sizeof(m->st));
}

void
model_free(struct rt_model *m)
{
	model_clear(m);
	ring_ctl_close(m->ctl);
	m->ctl = NULL;
}

static int
model_cmp_id(const void *a, const void *b)
{
	const struct ring_ctl_ring *x = a, *y = b;

	return x->ring_id < y->ring_id ? -1 : x->ring_id > y->ring_id;
}

/* Increase of a monotonic counter; a counter that went back counts 0. */
static uint64_t
model_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : 0;
}

static uint32_t
model_sat32(double v)
{
	if (v <= 0)
		return 0;
	if (v >= (double)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)(v + 0.5);
}

/* Stall clock of one queue (see the head of this file). */
static uint64_t
model_since(uint64_t since, bool had, const struct ring_ctl_queue *old,
    const struct ring_ctl_queue *q, uint64_t now)
{
	if (q->depth == 0)
		return 0;
	if (!had || since == 0 || q->pop_epoch != old->pop_epoch)
		return now;
	return since;
}

/* Append a history sample when a step has passed since the last one. */
static void
model_sample(struct rt_ring *t, uint64_t now)
{
	struct rt_hist *h = t->hist;
	double dt;

	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return; /* no history for this ring, the rest works */
		t->hist = h;
		h->at_ns = now;
		h->sub_epoch = t->r.sq.push_epoch;
		h->cmp_epoch = t->r.cq.push_epoch;
		return;
	}
	if (now - h->at_ns < RT_HIST_STEP_NS)
		return;
	dt = (double)(now - h->at_ns) / 1e9;
	h->v[RT_S_SQ][h->next] = model_sat32((double)t->r.sq.depth);
	h->v[RT_S_CQ][h->next] = model_sat32((double)t->r.cq.depth);
	h->v[RT_S_SUB][h->next] = model_sat32(
	    (double)model_delta(t->r.sq.push_epoch, h->sub_epoch) / dt);
	h->v[RT_S_CMP][h->next] = model_sat32(
	    (double)model_delta(t->r.cq.push_epoch, h->cmp_epoch) / dt);
	h->next = (h->next + 1) % RT_HIST;
	if (h->len < RT_HIST)
		h->len++;
	h->at_ns = now;
	h->sub_epoch = t->r.sq.push_epoch;
	h->cmp_epoch = t->r.cq.push_epoch;
}

bool
model_hist_get(const struct rt_hist *h, enum rt_series s, unsigned i,
    uint32_t *v)
{
	if (h == NULL || i >= h->len)
		return false;
	*v = h->v[s][(h->next + RT_HIST - 1 - i) % RT_HIST];
	return true;
}

/* The peer is connected to ringd in snapshot s (ringd itself: pid 0). */
static bool
model_present(const struct rt_snap *s, const struct ring_ctl_peer *p)
{
	size_t i;

	if (p->pid == 0)
		return true;
	for (i = 0; i < s->nclients; i++)
		if (s->clients[i].peer.pid == p->pid)
			return true;
	return false;
}

/* The same ring in two snapshots: same id, scheme and consumer. */
static bool
model_same(const struct ring_ctl_ring *a, const struct ring_ctl_ring *b)
{
	return a->ring_id == b->ring_id && a->consumer.pid == b->consumer.pid &&
	    strncmp(a->scheme, b->scheme, sizeof(a->scheme)) == 0;
}

/* An index moved: epochs or head/tail of either queue; not wait words. */
static bool
model_moved(const struct ring_ctl_ring *o, const struct ring_ctl_ring *n)
{
	return o->sq.push_epoch != n->sq.push_epoch ||
	    o->sq.pop_epoch != n->sq.pop_epoch ||
	    o->cq.push_epoch != n->cq.push_epoch ||
	    o->cq.pop_epoch != n->cq.pop_epoch || o->sq.head != n->sq.head ||
	    o->sq.tail != n->sq.tail || o->cq.head != n->cq.head ||
	    o->cq.tail != n->cq.tail;
}

/* "ring 3 (blkdev, 812/blkdev-driver)", terminal-safe, into buf. */
#define MODEL_LABEL_LEN (FMT_NAME_LEN + FMT_PEER_LEN + 32)
static const char *
model_ring_label(char *buf, size_t len, const struct rt_ring *t)
{
	char sch[FMT_NAME_LEN], cons[FMT_PEER_LEN];

	san_vis(sch, sizeof(sch), t->r.scheme, sizeof(t->r.scheme));
	peer_fmt(cons, sizeof(cons), t->r.consumer.pid, t->r.consumer.comm,
	    sizeof(t->r.consumer.comm));
	snprintf(buf, len, "ring %llu (%s, %s)",
	    (unsigned long long)t->r.ring_id, sch, cons);
	return buf;
}

static bool
model_alarm_stall(enum rt_alarm a)
{
	return a == RT_AL_SQ_STALL || a == RT_AL_CQ_FULL ||
	    a == RT_AL_CQ_BACKLOG;
}

/* How long the producer has held taken SQEs without posting a CQE. */
static uint64_t
model_fly_age(const struct rt_model *m, const struct rt_ring *r)
{
	if (r->fly_since_ns == 0 || m->now_ns < r->fly_since_ns)
		return 0;
	return m->now_ns - r->fly_since_ns;
}

/* SQEs the producer took and has posted no CQE for (0: none). */
static uint64_t
model_in_flight(const struct ring_ctl_ring *r)
{
	return model_delta(r->sq.pop_epoch, r->cq.push_epoch);
}

/*
 * The clock of work inside the producer: since when SQEs it took wait
 * for a CQE while it posts none (restarts when it posts one).
 */
static uint64_t
model_fly_since(const struct rt_ring *o, const struct rt_ring *t, uint64_t now)
{
	if (model_in_flight(&t->r) == 0)
		return 0;
	if (o == NULL || o->fly_since_ns == 0 ||
	    o->r.cq.push_epoch != t->r.cq.push_epoch)
		return now;
	return o->fly_since_ns;
}

/* The alarm, blame and state of a listed ring, from its clocks. */
static void
model_judge(const struct rt_model *m, const struct rt_snap *s,
    struct rt_ring *t)
{
	const struct ring_ctl_ring *r = &t->r;
	uint64_t sq = model_sq_age(m, t), cq = model_cq_age(m, t);
	uint64_t fly = model_fly_age(m, t);

	t->alarm = RT_AL_NONE;
	t->blame = RT_SIDE_NONE;
	switch (r->state) {
	case RING_CTL_PENDING:
		t->state = RT_ST_PENDING;
		return;
	case RING_CTL_DROPPED:
		t->state = RT_ST_DROPPED;
		t->alarm = RT_AL_DROPPED;
		/* the side that left, when the client list tells */
		if (!model_present(s, &r->consumer))
			t->blame = RT_SIDE_CONSUMER;
		else if (!model_present(s, &r->producer))
			t->blame = RT_SIDE_PRODUCER;
		return;
	case RING_CTL_BROKEN:
		t->state = RT_ST_BROKEN;
		t->alarm = RT_AL_BROKEN;
		return;
	case RING_CTL_ADOPTING:
	case RING_CTL_RUNNING:
		break;
	default:
		t->state = RT_ST_UNKNOWN;
		return;
	}
	if (sq >= RT_STALL_NS) {
		bool full = r->cq.depth >= r->cq_entries && cq >= RT_STALL_NS;

		t->alarm = full ? RT_AL_CQ_FULL : RT_AL_SQ_STALL;
		t->blame = full ? RT_SIDE_CONSUMER : RT_SIDE_PRODUCER;
	} else if (cq >= RT_STALL_NS) {
		t->alarm = RT_AL_CQ_BACKLOG;
		t->blame = RT_SIDE_CONSUMER;
	} else if (fly >= RT_STALL_NS) {
		t->alarm = RT_AL_SQ_STALL; /* the work is in the producer */
		t->blame = RT_SIDE_PRODUCER;
	}
	if (r->state == RING_CTL_ADOPTING)
		t->state = RT_ST_ADOPTING;
	else if (t->alarm != RT_AL_NONE)
		t->state = RT_ST_STALLED;
	else if (!t->have_rate)
		t->state = RT_ST_UNKNOWN;
	else if (t->changed)
		t->state = RT_ST_RUNNING;
	else if (r->sq.depth > 0 || r->cq.depth > 0 || model_in_flight(r))
		t->state = RT_ST_WAITING;
	else if (r->sq.pop_wait || r->cq.pop_wait)
		t->state = RT_ST_SLEEPING;
	else
		t->state = RT_ST_IDLE;
}

uint64_t
model_alarm_count(const struct rt_ring *r)
{
	switch (r->alarm) {
	case RT_AL_SQ_STALL:
		return r->r.sq.depth > 0 ? r->r.sq.depth
					 : model_in_flight(&r->r);
	case RT_AL_CQ_FULL:
		return r->r.sq.depth;
	case RT_AL_CQ_BACKLOG:
		return r->r.cq.depth;
	default:
		return 0;
	}
}

/* Log what changed between a listed ring's last judgement and now. */
static void
model_ring_events(struct rt_model *m, const struct rt_ring *o,
    const struct rt_ring *t)
{
	char lab[MODEL_LABEL_LEN], text[RT_ALARM_TEXT];

	model_ring_label(lab, sizeof(lab), t);
	if (o != NULL && o->r.state != t->r.state)
		events_add(m, RT_EV_RING_STATE, t->r.ring_id, "%s %s", lab,
		    mj_state_name(t->r.state));
	if (model_alarm_stall(t->alarm) &&
	    (o == NULL || o->alarm != t->alarm)) {
		events_add(m, RT_EV_STALL_BEGAN, t->r.ring_id, "%s",
		    model_alarm_text(m, t, text, sizeof(text)));
	} else if (o != NULL && model_alarm_stall(o->alarm) &&
	    !model_alarm_stall(t->alarm)) {
		events_add(m, RT_EV_STALL_ENDED, t->r.ring_id, "%s %s ended",
		    lab, model_alarm_name(o->alarm));
	}
}

/* How a ring that left the list ended. */
static enum rt_end
model_end(const struct rt_model *m, const struct rt_snap *s,
    const struct rt_ring *o)
{
	if (m->st.pid != 0 && s->st.pid != m->st.pid)
		return RT_END_RINGD_RESTART;
	if (!model_present(s, &o->r.consumer))
		return RT_END_CONSUMER_GONE;
	if (!model_present(s, &o->r.producer))
		return RT_END_PRODUCER_GONE;
	if (o->r.state == RING_CTL_BROKEN)
		return RT_END_BROKEN;
	if (o->r.state == RING_CTL_DROPPED)
		return RT_END_DROPPED;
	return RT_END_CLOSED;
}

/* A listed ring left the list: keep it, ended. */
static void
model_ended(struct rt_model *m, const struct rt_snap *s, struct rt_ring *t)
{
	char lab[MODEL_LABEL_LEN];

	t->end = model_end(m, s, t);
	t->gone_ns = s->mono_ns;
	t->gone_wall_ns = s->wall_ns;
	t->state = RT_ST_ENDED;
	t->alarm = RT_AL_NONE;
	t->blame = RT_SIDE_NONE;
	t->changed = false;
	t->have_rate = false;
	t->sub_rate = t->cmp_rate = 0;
	t->sq_since_ns = t->cq_since_ns = t->fly_since_ns = 0;
	events_add(m, RT_EV_RING_ENDED, t->r.ring_id, "%s ended: %s",
	    model_ring_label(lab, sizeof(lab), t), model_end_name(t->end));
}

/* A fresh record into t, compared with the same ring's last one (o). */
static void
model_track(struct rt_model *m, const struct rt_snap *s, struct rt_ring *t,
    struct rt_ring *o, const struct ring_ctl_ring *v, double dt)
{
	char lab[MODEL_LABEL_LEN];

	t->r = *v;
	if (o != NULL) {
		t->hist = o->hist;
		o->hist = NULL;
		t->changed = model_moved(&o->r, &t->r);
		if (dt > 0) {
			t->have_rate = true;
			t->sub_rate = (double)model_delta(t->r.sq.push_epoch,
					  o->r.sq.push_epoch) /
			    dt;
			t->cmp_rate = (double)model_delta(t->r.cq.push_epoch,
					  o->r.cq.push_epoch) /
			    dt;
			m->sub_total += t->sub_rate;
			m->cmp_total += t->cmp_rate;
		}
	}
	t->sq_since_ns = model_since(o ? o->sq_since_ns : 0, o != NULL,
	    o ? &o->r.sq : NULL, &t->r.sq, s->mono_ns);
	t->cq_since_ns = model_since(o ? o->cq_since_ns : 0, o != NULL,
	    o ? &o->r.cq : NULL, &t->r.cq, s->mono_ns);
	t->fly_since_ns = model_fly_since(o, t, s->mono_ns);
	model_sample(t, s->mono_ns);
	model_judge(m, s, t);
	if (o == NULL && m->frames > 0)
		events_add(m, RT_EV_RING_OPENED, t->r.ring_id, "%s opened",
		    model_ring_label(lab, sizeof(lab), t));
	if (m->frames > 0)
		model_ring_events(m, o, t);
}

/*
 * Merge a fresh, id-sorted list into the tracked rings: rings seen before
 * keep their history and get rates; new ones start unknown; rings that
 * left are kept ended for RT_GONE_NS.  m->now_ns is s's time already,
 * m->prev_ns the previous snapshot's (0: none to compare with).
 */
static int
model_merge(struct rt_model *m, const struct rt_snap *s)
{
	const struct ring_ctl_ring *v = s->rings;
	size_t n = s->nrings, i = 0, j = 0, k = 0;
	struct rt_ring *nr;
	double dt = 0;

	if (m->prev_ns != 0 && s->mono_ns > m->prev_ns)
		dt = (double)(s->mono_ns - m->prev_ns) / 1e9;
	if ((nr = calloc(n + m->nrings + 1, sizeof(*nr))) == NULL)
		return -ENOMEM;
	m->sub_total = m->cmp_total = 0;
	while (i < n || j < m->nrings) {
		struct rt_ring *o = j < m->nrings ? &m->rings[j] : NULL;

		if (o != NULL && (i == n || o->r.ring_id < v[i].ring_id)) {
			/* not listed now: ended, or ended before */
			j++;
			if (o->gone_ns == 0) {
				nr[k] = *o;
				o->hist = NULL;
				model_ended(m, s, &nr[k++]);
			} else if (s->mono_ns - o->gone_ns < RT_GONE_NS) {
				nr[k++] = *o;
				o->hist = NULL;
			}
			continue;
		}
		if (o != NULL && o->r.ring_id == v[i].ring_id) {
			j++;
			if (o->gone_ns != 0 || !model_same(&o->r, &v[i])) {
				/* the id names another ring now */
				if (o->gone_ns == 0) {
					struct rt_ring gone = *o;

					model_ended(m, s, &gone);
				}
				o = NULL;
			}
		} else {
			o = NULL;
		}
		model_track(m, s, &nr[k++], o, &v[i], dt);
		i++;
	}
	for (j = 0; j < m->nrings; j++)
		free(m->rings[j].hist);
	free(m->rings);
	m->rings = nr;
	m->nrings = k;
	return 0;
}

/* Log kind ("came", "went") for each scheme of a that b does not list. */
static void
model_scheme_diff(struct rt_model *m, const struct ring_ctl_scheme *a,
    size_t na, const struct ring_ctl_scheme *b, size_t nb, enum rt_ev_kind kind,
    const char *verb)
{
	char name[FMT_NAME_LEN], who[FMT_PEER_LEN];
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (strncmp(a[i].name, b[j].name, sizeof(a[i].name)) ==
			    0)
				break;
		if (j < nb)
			continue;
		san_vis(name, sizeof(name), a[i].name, sizeof(a[i].name));
		peer_fmt(who, sizeof(who), a[i].owner.pid, a[i].owner.comm,
		    sizeof(a[i].owner.comm));
		events_add(m, kind, 0, "scheme %s %s (%s)", name, verb, who);
	}
}

/* Schemes that came and went between the last snapshot and s. */
static void
model_scheme_events(struct rt_model *m, const struct rt_snap *s)
{
	model_scheme_diff(m, s->schemes, s->nschemes, m->schemes, m->nschemes,
	    RT_EV_SCHEME_CAME, "came");
	model_scheme_diff(m, m->schemes, m->nschemes, s->schemes, s->nschemes,
	    RT_EV_SCHEME_WENT, "went");
}

/* ringd out of reach in s: keep the last snapshot, stale. */
static int
model_apply_down(struct rt_model *m, struct rt_snap *s)
{
	snprintf(m->err, sizeof(m->err), "%s", s->err);
	snprintf(m->why, sizeof(m->why), "%s", s->why);
	snprintf(m->sock, sizeof(m->sock), "%s", s->sock);
	m->wall_ns = s->wall_ns;
	if (m->up) {
		m->down_wall_ns = s->wall_ns;
		events_add(m, RT_EV_RINGD_GONE, 0, "ringd went away: %s",
		    s->why);
		m->stale = true;
	}
	m->up = false;
	model_snap_free(s);
	return -ENOTCONN;
}

int
model_apply(struct rt_model *m, struct rt_snap *s)
{
	uint64_t prev, now;
	size_t i;
	int rc;

	if (!s->up)
		return model_apply_down(m, s);
	for (i = 1; i < s->nrings; i++)
		if (s->rings[i - 1].ring_id > s->rings[i].ring_id) {
			qsort(s->rings, s->nrings, sizeof(*s->rings),
			    model_cmp_id);
			break;
		}
	m->wall_ns = s->wall_ns; /* events below carry this time */
	if (!m->up && m->frames > 0)
		events_add(m, RT_EV_RINGD_BACK, 0, "ringd %s (pid %u)",
		    s->st.pid != m->st.pid ? "restarted" : "came back",
		    (unsigned)s->st.pid);
	prev = m->prev_ns;
	now = m->now_ns;
	m->prev_ns = m->up ? m->now_ns : 0;
	m->now_ns = s->mono_ns;
	if ((rc = model_merge(m, s)) < 0) {
		m->prev_ns = prev;
		m->now_ns = now;
		model_snap_free(s);
		return rc;
	}
	if (m->frames > 0)
		model_scheme_events(m, s);
	m->rates_known = m->prev_ns != 0;
	m->st = s->st;
	snprintf(m->sock, sizeof(m->sock), "%s", s->sock);
	MODEL_LIST_TAKE(m, s, schemes, nschemes);
	MODEL_LIST_TAKE(m, s, clients, nclients);
	MODEL_LIST_TAKE(m, s, opnames, nopnames);
	MODEL_LIST_TAKE(m, s, zones, nzones);
	MODEL_LIST_TAKE(m, s, ranges, nranges);
	MODEL_LIST_TAKE(m, s, regions, nregions);
	m->phys = s->phys;
	snprintf(m->phys_err, sizeof(m->phys_err), "%s", s->phys_err);
	free(s->rings);
	memset(s, 0, sizeof(*s));
	m->up = true;
	m->stale = false;
	m->down_wall_ns = 0;
	m->err[0] = '\0';
	m->why[0] = '\0';
	m->frames++;
	return 0;
}

uint64_t
model_sq_age(const struct rt_model *m, const struct rt_ring *r)
{
	if (r->sq_since_ns == 0 || m->now_ns < r->sq_since_ns)
		return 0;
	return m->now_ns - r->sq_since_ns;
}

uint64_t
model_cq_age(const struct rt_model *m, const struct rt_ring *r)
{
	if (r->cq_since_ns == 0 || m->now_ns < r->cq_since_ns)
		return 0;
	return m->now_ns - r->cq_since_ns;
}

bool
model_stalled(const struct rt_model *m, const struct rt_ring *r)
{
	(void)m;
	return model_alarm_stall(r->alarm);
}

uint64_t
model_alarm_age(const struct rt_model *m, const struct rt_ring *r)
{
	uint64_t sq = model_sq_age(m, r), fly = model_fly_age(m, r);

	switch (r->alarm) {
	case RT_AL_SQ_STALL:
		return sq > fly ? sq : fly;
	case RT_AL_CQ_FULL:
		return sq;
	case RT_AL_CQ_BACKLOG:
		return model_cq_age(m, r);
	default:
		return 0;
	}
}

const struct ring_ctl_peer *
model_blamed(const struct rt_ring *r)
{
	return r->blame == RT_SIDE_PRODUCER ? &r->r.producer
	    : r->blame == RT_SIDE_CONSUMER  ? &r->r.consumer
					    : NULL;
}

bool
model_active(const struct rt_ring *r)
{
	if (r->gone_ns != 0)
		return false;
	return !r->have_rate || r->changed || r->r.sq.depth > 0 ||
	    r->r.cq.depth > 0 || model_in_flight(&r->r) > 0;
}
