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

static const char *const events_states[RT_ST_COUNT] = {
	[RT_ST_UNKNOWN] = "-",
	[RT_ST_RUNNING] = "running",
	[RT_ST_STALLED] = "stalled",
	[RT_ST_SLEEPING] = "sleeping",
	[RT_ST_IDLE] = "idle",
	[RT_ST_PENDING] = "pending",
	[RT_ST_DROPPED] = "DROP",
	[RT_ST_BROKEN] = "broken",
	[RT_ST_ADOPTING] = "adopting",
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
	return (unsigned)s < RT_ST_COUNT ? events_states[s] : "-";
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
