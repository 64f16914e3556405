/*
 * scr-detail.c - the detail view of one ring: its peers, sizes, totals
 * and rates, each queue's indices, bar and wait words, and sparklines of
 * its history.
 *
 * Depends on scr.c, the model and view; called by screen_draw() alone.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "common/model-json.h"
#include "scr.h"
#include "view.h"

static const char *
scr_waits(uint32_t w)
{
	switch (w & (RING_WAIT_FUTEX | RING_WAIT_DOORBELL)) {
	case 0:
		return "awake";
	case RING_WAIT_FUTEX:
		return "asleep (futex)";
	case RING_WAIT_DOORBELL:
		return "asleep (doorbell)";
	default:
		return "asleep (futex, doorbell)";
	}
}

static void
scr_detail_queue(const struct rt_model *m, const struct rt_ring *r, int y,
    const char *name, const struct ring_ctl_queue *q, uint32_t entries,
    uint32_t esize, bool sq)
{
	char age[24];
	uint64_t a = sq ? model_sq_age(m, r) : model_cq_age(m, r);

	units_fmt_duration(a, age, sizeof(age));
	scr_printf(y, 0, -1, A_NORMAL,
	    "%s  %u x %u B  head %llu  tail %llu  "
	    "%s %llu/%u",
	    name, (unsigned)entries, (unsigned)esize,
	    (unsigned long long)q->head, (unsigned long long)q->tail,
	    sq ? "depth" : "backlog", (unsigned long long)q->depth,
	    (unsigned)entries);
	scr_bar(y + 1, 4, COLS > 44 ? 40 : COLS - 4, q->depth, entries,
	    A_NORMAL);
	scr_printf(y + 2, 4, -1, A_NORMAL,
	    "pushed %llu  popped %llu  "
	    "oldest pending %s  status%s%s%s",
	    (unsigned long long)q->push_epoch, (unsigned long long)q->pop_epoch,
	    a ? age : "-", q->status == 0 ? " ok" : "",
	    (q->status & RING_STATUS_DROP) ? " drop" : "",
	    (q->status & RING_STATUS_BROKEN) ? " broken" : "");
	scr_printf(y + 3, 4, -1, A_NORMAL, "popper %s  pusher %s",
	    scr_waits(q->pop_wait), scr_waits(q->push_wait));
}

void
scr_detail(const struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	static const struct {
		enum rt_series s;
		const char *name;
	} series[] = {
		{ RT_S_SQ, "SQ depth" },
		{ RT_S_CQ, "CQ backlog" },
		{ RT_S_SUB, "submit/s" },
		{ RT_S_CMP, "complete/s" },
	};
	const struct rt_ring *r = NULL;
	char cons[FMT_PEER_LEN], prod[FMT_PEER_LEN], sch[FMT_NAME_LEN];
	char pool[16], age[24], sub[16], cmp[16], mx[16];
	size_t i;
	int y = y0, w;

	for (i = 0; i < m->nrings; i++)
		if (m->rings[i].r.ring_id == v->detail_id)
			r = &m->rings[i];
	if (r == NULL) {
		scr_printf(y0 + 1, 2, -1, A_NORMAL,
		    "ring %llu is gone "
		    "(Esc: back to the table)",
		    (unsigned long long)v->detail_id);
		return;
	}
	peer_fmt(cons, sizeof(cons), r->r.consumer.pid, r->r.consumer.comm,
	    sizeof(r->r.consumer.comm));
	peer_fmt(prod, sizeof(prod), r->r.producer.pid, r->r.producer.comm,
	    sizeof(r->r.producer.comm));
	san_vis(sch, sizeof(sch), r->r.scheme, sizeof(r->r.scheme));
	units_fmt_size(r->r.pool_bytes, pool, sizeof(pool));
	units_fmt_duration(r->r.age_ns, age, sizeof(age));
	scr_printf(y++, 0, -1, scr_attr(SCR_P_HEAD),
	    "Ring %llu  scheme %s  kind %s  "
	    "state %s",
	    (unsigned long long)r->r.ring_id, sch, mj_ring_kind(&r->r),
	    model_state_name(r->state));
	if (r->state == RT_ST_ENDED) {
		char at[16];

		model_fmt_clock(at, sizeof(at), r->gone_wall_ns);
		scr_printf(y++, 0, -1, A_DIM,
		    "ended at %s: %s (the last record ringd gave)", at,
		    model_end_name(r->end));
	} else if (scr_is_alarm(r)) {
		scr_alarm_line(m, r, y++);
	}
	scr_printf(y++, 0, -1, A_NORMAL,
	    "consumer %s uid %u   producer %s "
	    "uid %u",
	    cons, (unsigned)r->r.consumer.uid, prod,
	    (unsigned)r->r.producer.uid);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "%s  pool %s  age %s  "
	    "flags %#x",
	    (r->r.flags & RING_CTL_RING_REDOX) ? "redox_ring, 31-bit indices"
	    : (r->r.flags & RING_PAIR_BITS_32) ? "32-bit entries"
					       : "64-bit entries",
	    pool, age, (unsigned)r->r.flags);
	model_fmt_rate(sub, sizeof(sub), r->have_rate, r->sub_rate);
	model_fmt_rate(cmp, sizeof(cmp), r->have_rate, r->cmp_rate);
	scr_printf(y++, 0, -1, A_NORMAL,
	    "totals  submitted %llu  taken %llu  "
	    "completed %llu  reaped %llu   rates  submit %s/s  complete %s/s",
	    (unsigned long long)r->r.sq.push_epoch,
	    (unsigned long long)r->r.sq.pop_epoch,
	    (unsigned long long)r->r.cq.push_epoch,
	    (unsigned long long)r->r.cq.pop_epoch, sub, cmp);
	y++;
	scr_detail_queue(m, r, y, "SQ", &r->r.sq, r->r.sq_entries,
	    r->r.sqe_size, true);
	y += 4;
	scr_detail_queue(m, r, y, "CQ", &r->r.cq, r->r.cq_entries,
	    r->r.cqe_size, false);
	y += 5;
	if (y >= y1)
		return;
	scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
	    "history: one column per "
	    "%llu s, newest on the right (%u samples kept)",
	    RT_HIST_STEP_NS / 1000000000ull, RT_HIST);
	w = COLS - 24;
	if (w > RT_HIST)
		w = RT_HIST;
	for (i = 0; i < sizeof(series) / sizeof(series[0]) && y < y1; i++) {
		uint32_t max;

		scr_printf(y, 0, 12, A_NORMAL, "%s", series[i].name);
		if (w > 0)
			scr_spark(y, 12, w, r->hist, series[i].s, &max);
		else
			max = 0;
		fmt_count(mx, sizeof(mx), (double)max);
		if (w > 0)
			scr_printf(y, 12 + w + 1, -1, A_NORMAL, "max %s", mx);
		y++;
	}
}
