/*
 * events.c - ringtop's event log and the names of the model's states:
 * rings opened, changing ringd state and ending, schemes coming and going,
 * stalls beginning and ending, ringd going away and coming back.
 *
 * The log is a ring buffer of the last RT_EVENTS events; each event has
 * a sequence number over the whole run, so a reader (the screen's pane,
 * batch output) can ask for the events after the last one it showed.
 * Event times are the wall clock of the snapshot that showed the change,
 * so a replayed recording logs the same times.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ringtop.h"
#include "common/model-json.h"

static const char *const events_kinds[RT_EV_COUNT] = {
	[RT_EV_RING_OPENED] = "ring_opened",
	[RT_EV_RING_STATE] = "ring_state",
	[RT_EV_RING_ENDED] = "ring_ended",
	[RT_EV_SCHEME_CAME] = "scheme_came",
	[RT_EV_SCHEME_WENT] = "scheme_went",
	[RT_EV_STALL_BEGAN] = "stall_began",
	[RT_EV_STALL_ENDED] = "stall_ended",
	[RT_EV_RINGD_GONE] = "ringd_gone",
	[RT_EV_RINGD_BACK] = "ringd_back",
};

/* ringtop's own states; ringd's come from mj_state_name() */
static const char *const events_states[RT_ST_COUNT] = {
	[RT_ST_UNKNOWN] = "-",
	[RT_ST_RUNNING] = "running",
	[RT_ST_STALLED] = "stalled",
	[RT_ST_SLEEPING] = "sleeping",
	[RT_ST_IDLE] = "idle",
	[RT_ST_ENDED] = "ended",
	[RT_ST_WAITING] = "waiting",
};

static const char *const events_alarms[RT_AL_COUNT] = {
	[RT_AL_NONE] = "",
	[RT_AL_SQ_STALL] = "stalled",
	[RT_AL_CQ_FULL] = "cq full",
	[RT_AL_CQ_BACKLOG] = "cq backlog",
	[RT_AL_DROPPED] = "dropped",
	[RT_AL_BROKEN] = "broken",
};

static const char *const events_ends[RT_END_COUNT] = {
	[RT_END_NONE] = "",
	[RT_END_CLOSED] = "closed",
	[RT_END_CONSUMER_GONE] = "consumer gone",
	[RT_END_PRODUCER_GONE] = "producer gone",
	[RT_END_DROPPED] = "dropped",
	[RT_END_BROKEN] = "broken",
	[RT_END_RINGD_RESTART] = "ringd restarted",
};

const char *
model_event_kind(enum rt_ev_kind k)
{
	return (unsigned)k < RT_EV_COUNT ? events_kinds[k] : "unknown";
}

const char *
model_state_name(enum rt_state s)
{
	/* ringd's own states in ringctl's words: one table, in common/ */
	switch (s) {
	case RT_ST_PENDING:
		return mj_state_name(RING_CTL_PENDING);
	case RT_ST_DROPPED:
		return mj_state_name(RING_CTL_DROPPED);
	case RT_ST_BROKEN:
		return mj_state_name(RING_CTL_BROKEN);
	case RT_ST_ADOPTING:
		return mj_state_name(RING_CTL_ADOPTING);
	default:
		break;
	}
	return (unsigned)s < RT_ST_COUNT && events_states[s] != NULL
	    ? events_states[s]
	    : "-";
}

const char *
model_alarm_name(enum rt_alarm a)
{
	return (unsigned)a < RT_AL_COUNT ? events_alarms[a] : "";
}

const char *
model_side_name(enum rt_side s)
{
	return s == RT_SIDE_PRODUCER ? "producer"
	    : s == RT_SIDE_CONSUMER  ? "consumer"
				     : "";
}

const char *
model_end_name(enum rt_end e)
{
	return (unsigned)e < RT_END_COUNT ? events_ends[e] : "";
}

const char *
model_alarm_text(const struct rt_model *m, const struct rt_ring *r, char *buf,
    size_t len)
{
	char age[24], peer[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	const struct ring_ctl_peer *p = model_blamed(r);
	unsigned long long id = (unsigned long long)r->r.ring_id;

	/* blame early, so that a line cut at the screen's edge keeps it */
	if (r->alarm == RT_AL_BROKEN || r->alarm == RT_AL_DROPPED)
		p = &r->r.consumer;
	if (p != NULL)
		peer_fmt(peer, sizeof(peer), p->pid, p->comm, sizeof(p->comm));
	else
		snprintf(peer, sizeof(peer), "?");
	san_vis(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
	units_fmt_duration(model_alarm_age(m, r), age, sizeof(age));
	switch (r->alarm) {
	case RT_AL_SQ_STALL:
		/* SQEs waiting, or SQEs taken and no CQE posted for them */
		snprintf(buf, len,
		    r->r.sq.depth > 0
			? "ring %llu (%s): stalled %s, "
			  "producer %s takes no SQEs (%llu queued)"
			: "ring %llu (%s): stalled %s, "
			  "producer %s posts no CQEs (%llu taken)",
		    id, sch, age, peer,
		    (unsigned long long)model_alarm_count(r));
		break;
	case RT_AL_CQ_FULL:
	case RT_AL_CQ_BACKLOG:
		snprintf(buf, len,
		    "ring %llu (%s): %s %s, consumer %s reaps no CQEs "
		    "(%llu of %u)",
		    id, sch,
		    r->alarm == RT_AL_CQ_FULL ? "CQ full" : "CQ backlog", age,
		    peer, (unsigned long long)r->r.cq.depth,
		    (unsigned)r->r.cq_entries);
		break;
	case RT_AL_BROKEN:
		snprintf(buf, len,
		    "ring %llu (%s, %s): broken, its indices were found "
		    "inconsistent",
		    id, sch, peer);
		break;
	case RT_AL_DROPPED:
		snprintf(buf, len,
		    "ring %llu (%s, %s): dead peer, a side left (%s), %llu "
		    "SQEs and %llu CQEs left",
		    id, sch, peer, mj_state_name(RING_CTL_DROPPED),
		    (unsigned long long)r->r.sq.depth,
		    (unsigned long long)r->r.cq.depth);
		break;
	default:
		snprintf(buf, len, "ring %llu (%s): no alarm", id, sch);
		break;
	}
	return buf;
}

void
model_fmt_clock(char *buf, size_t len, uint64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;

	if (wall_ns == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
}

void
model_fmt_rate(char *buf, size_t len, bool known, double v)
{
	if (known)
		fmt_count(buf, len, v);
	else
		snprintf(buf, len, "-");
}

void
events_add(struct rt_model *m, enum rt_ev_kind kind, uint64_t ring_id,
    const char *fmt, ...)
{
	struct rt_event *e;
	va_list ap;

	m->ev_seq++;
	e = &m->events[(m->ev_seq - 1) % RT_EVENTS];
	e->seq = m->ev_seq;
	e->wall_ns = m->wall_ns;
	e->kind = kind;
	e->ring_id = ring_id;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

uint64_t
model_event_first(const struct rt_model *m)
{
	return m->ev_seq > RT_EVENTS ? m->ev_seq - RT_EVENTS + 1 : 1;
}

const struct rt_event *
model_event(const struct rt_model *m, uint64_t seq)
{
	if (seq == 0 || seq > m->ev_seq || seq < model_event_first(m))
		return NULL;
	return &m->events[(seq - 1) % RT_EVENTS];
}
