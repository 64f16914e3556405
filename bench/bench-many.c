/*
 * bench-many.c - ringd's CPU while many rings it brokered carry traffic
 * between two other processes (ringd is not on their data path, so it
 * should be ~0), the same while every ring is listed ten times a second
 * as ringtop -d 0.1 does, and ringd's CPU per ring per snapshot.
 *
 * The rings go from this process (round-robin, busy) to one scheme
 * process serving all of them from one epoll over the doorbells.  Built
 * on bench-ringd.c's private ringd and scheme processes (brd_*) and the
 * harness; main.c calls bench_ringd_many().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

/* Limits and sizes, kept together. */
#define BRD_MANY_ENTRIES 8u /* SQ and CQ of each of the many rings */
#define BRD_MANY_WINDOW 4u  /* NoOps in flight per ring */
#define BRD_MANY_SLACK 16u  /* attach slots beyond the rings asked for */

/* --- the scheme process ----------------------------------------------- */

/*
 * Child, many rings: one loop serves every ring without a system call per
 * request.  A ring that had work recently is "hot": unarmed, and polled
 * on every sweep over the hot list (one load of its SQ tail when it is
 * empty).  A hot ring that stayed empty (or its CQ full) for its idle
 * window is armed for what it lacks (ring_arm(), which re-checks after
 * announcing the sleep) and leaves the list; its consumer's next push (or
 * reap) rings its doorbell, epoll reports it, and ring_disarm() makes it
 * hot again.  So a doorbell costs a system call on each side only when a
 * ring goes from idle to busy, never per request while it stays busy.
 * When no hot ring had work for BRD_MANY_SPIN_NS plus BRD_MANY_WAKE_NS per
 * hot ring (what waking them all again would cost), every hot ring is
 * armed and the loop sleeps in epoll_wait(): an idle scheme costs no CPU.
 * No wakeup is lost: a ring is either on the hot list (polled) or armed
 * with nothing there after the announcement's fence.
 */
#define BRD_EV_CTL UINT32_MAX
#define BRD_EV_STOP (UINT32_MAX - 1)

/* Limits of the loop, kept together. */
#define BRD_MANY_EVENTS 256u	/* epoll events taken per epoll_wait() */
#define BRD_MANY_POLL_EVERY 64u /* ring visits between looks at epoll */
#define BRD_MANY_SPIN_NS 50000u /* no work anywhere this long, plus */
#define BRD_MANY_WAKE_NS 5000u	/* this per hot ring: sleep */
#define BRD_MANY_IDLE_MIN_NS 10000000ull  /* a hot ring's idle window: 4x */
#define BRD_MANY_IDLE_MAX_NS 100000000ull /* its last gap, in these bounds */

struct brd_loop {
	struct brd_scheme *s;
	int ep;
	unsigned cap, next;  /* ring slots, and the first never used */
	struct ring **rings; /* by slot; NULL once closed */
	uint64_t *last;	     /* by slot: when it last had work */
	uint64_t *idle;	     /* by slot: its idle window */
	bool *is_hot;	     /* by slot: on the hot list */
	unsigned *hot, nhot; /* the hot list: slots polled, unarmed */
	uint64_t last_any;   /* when any ring last had work */
};

static void
brd_loop_heat(struct brd_loop *l, unsigned i)
{
	if (l->is_hot[i])
		return;
	l->is_hot[i] = true;
	l->hot[l->nhot++] = i;
}

/* Take hot list entry k off the list (the last one takes its place). */
static void
brd_loop_cool(struct brd_loop *l, unsigned k)
{
	l->is_hot[l->hot[k]] = false;
	l->hot[k] = l->hot[--l->nhot];
}

/* The consumer left (DROP): close the ring, which answers what it holds. */
static void
brd_loop_drop(struct brd_loop *l, unsigned i)
{
	(void)epoll_ctl(l->ep, EPOLL_CTL_DEL, ring_fd(l->rings[i]), NULL);
	ring_close(l->rings[i]);
	l->rings[i] = NULL;
}

/*
 * Answer what r holds as far as its CQ has room, filling the CQEs in
 * place; never waits, so one consumer that stops reaping holds up no
 * other ring.  How many it answered, -EAGAIN when the SQ is empty,
 * -ENOBUFS when the CQ is full, or -errno.
 */
static int
brd_many_serve(struct ring *r)
{
	struct ring_sqe sqes[BRD_MANY_ENTRIES];
	struct ring_cqe *c;
	int room, n, i;

	if ((room = ring_reserve(r, BRD_MANY_ENTRIES)) < 0)
		return room == -EAGAIN ? -ENOBUFS : room;
	if ((n = ring_sq_pop_batch(r, sqes, (unsigned)room)) < 0) {
		(void)ring_publish(r, 0);
		return n;
	}
	for (i = 0; i < n; i++) {
		c = ring_cqe_slot(r, (unsigned)i);
		*c = (struct ring_cqe){ .user_data = sqes[i].user_data,
			.status = sqes[i].opcode == RING_OP_NOOP
			    ? 0
			    : (uint64_t)(int64_t)-ENOSYS };
	}
	return ring_publish(r, (unsigned)n);
}

/*
 * Serve hot list entry k once.  1: it had work; 0: it had none (it may
 * have left the list: armed, or closed); -errno on failure.
 */
static int
brd_loop_visit(struct brd_loop *l, unsigned k, uint64_t now, bool sleepy)
{
	unsigned i = l->hot[k];
	uint64_t gap;
	unsigned ev;
	int rc;

	rc = brd_many_serve(l->rings[i]);
	if (rc > 0) {
		/* a ring that came back after g waits up to 4g next time */
		gap = now - l->last[i];
		l->idle[i] = gap > BRD_MANY_IDLE_MAX_NS / 4
		    ? BRD_MANY_IDLE_MAX_NS
		    : gap < BRD_MANY_IDLE_MIN_NS / 4 ? BRD_MANY_IDLE_MIN_NS
						     : 4 * gap;
		l->last[i] = now;
		return 1;
	}
	if (rc == -EAGAIN || rc == -ENOBUFS) {
		if (!sleepy && now - l->last[i] < l->idle[i])
			return 0;
		/*
		 * Armed for what it lacks, SQEs or CQ room, with none there
		 * after the fence: its doorbell rings when the consumer pushes
		 * or reaps.
		 */
		ev = rc == -ENOBUFS ? RING_EV_OUT : RING_EV_IN;
		if ((rc = ring_arm(l->rings[i], ev)) == 0)
			brd_loop_cool(l, k);
		if (rc >= 0)
			return 0;
	}
	if (rc == -ESHUTDOWN) {
		brd_loop_cool(l, k);
		brd_loop_drop(l, i);
		return 0;
	}
	bench_err(l->s->name, "scheme: serve", rc);
	return rc;
}

/*
 * One sweep over the hot list.  sleepy: arm every ring found empty.
 * Returns how many rings had work, or -errno.
 */
static int
brd_loop_sweep(struct brd_loop *l, bool sleepy, unsigned *visits)
{
	uint64_t now = clock_ns();
	unsigned k = 0, n;
	int rc, busy = 0;

	while (k < l->nhot) {
		n = l->nhot;
		if ((rc = brd_loop_visit(l, k, now, sleepy)) < 0)
			return rc;
		busy += rc;
		(*visits)++;
		/* entry k is another ring now when it left the list */
		if (l->nhot == n)
			k++;
	}
	if (busy > 0)
		l->last_any = now;
	return busy;
}

/* Accept every ring waiting to attach; a new ring starts hot. */
static int
brd_loop_attach(struct brd_loop *l, struct ring_ctl *ctl)
{
	struct epoll_event ev;
	struct ring_attach a;
	unsigned i;
	int rc;

	while ((rc = ring_ctl_next_attach(ctl, &a)) == 0) {
		if (l->next == l->cap) {
			(void)ring_ctl_refuse(ctl, &a, -EMFILE);
			continue;
		}
		i = l->next;
		if ((rc = ring_ctl_accept(ctl, &a, &l->rings[i])) < 0) {
			bench_err(l->s->name, "scheme: ring_ctl_accept", rc);
			return rc;
		}
		l->next++;
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, ring_fd(l->rings[i]), &ev) <
		    0)
			return -errno;
		l->last[i] = clock_ns();
		l->idle[i] = BRD_MANY_IDLE_MIN_NS;
		brd_loop_heat(l, i);
	}
	if (rc != -EAGAIN) {
		bench_err(l->s->name, "scheme: ring_ctl_next_attach", rc);
		return rc;
	}
	return 0;
}

/*
 * Take what epoll has (waiting timeout_ms for it): attaches, the stop
 * cue, and doorbells, whose rings turn hot.  1 when told to stop.
 */
static int
brd_loop_events(struct brd_loop *l, struct ring_ctl *ctl, int timeout_ms)
{
	struct epoll_event evs[BRD_MANY_EVENTS];
	unsigned i;
	int n, k, rc, stop = 0;

	n = epoll_wait(l->ep, evs, BRD_MANY_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (k = 0; k < n; k++) {
		i = evs[k].data.u32;
		if (i == BRD_EV_STOP) {
			stop = 1;
		} else if (i == BRD_EV_CTL) {
			if ((rc = brd_loop_attach(l, ctl)) < 0)
				return rc;
		} else if (i < l->next && l->rings[i] != NULL) {
			ring_disarm(l->rings[i]);
			brd_loop_heat(l, i);
		}
	}
	return stop;
}

static int
brd_scheme_many(void *arg)
{
	struct brd_scheme *s = arg;
	struct brd_loop l;
	struct ring_ctl *ctl;
	struct epoll_event ev;
	unsigned i, visits = 0;
	bool sleepy = false;
	int rc, busy;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.ep = -1;
	l.cap = s->nrings + BRD_MANY_SLACK;
	if ((rc = brd_scheme_register(s, &ctl)) < 0)
		return rc;
	l.rings = calloc(l.cap, sizeof(*l.rings));
	l.last = calloc(l.cap, sizeof(*l.last));
	l.idle = calloc(l.cap, sizeof(*l.idle));
	l.is_hot = calloc(l.cap, sizeof(*l.is_hot));
	l.hot = calloc(l.cap, sizeof(*l.hot));
	if (l.rings == NULL || l.last == NULL || l.idle == NULL ||
	    l.is_hot == NULL || l.hot == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((l.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_CTL };
	if (epoll_ctl(l.ep, EPOLL_CTL_ADD, ring_ctl_fd(ctl), &ev) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_STOP };
	if (epoll_ctl(l.ep, EPOLL_CTL_ADD, s->stop[0], &ev) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		/* sleep only with nothing hot: every ring is armed */
		if (l.nhot == 0 || visits >= BRD_MANY_POLL_EVERY) {
			rc = brd_loop_events(&l, ctl, l.nhot == 0 ? -1 : 0);
			if (rc != 0)
				break;
			visits = 0;
		}
		if ((rc = busy = brd_loop_sweep(&l, sleepy, &visits)) < 0)
			goto out;
		sleepy = busy == 0 &&
		    clock_ns() - l.last_any >
			BRD_MANY_SPIN_NS + (uint64_t)l.nhot * BRD_MANY_WAKE_NS;
	}
	if (rc > 0)
		rc = 0;
out:
	if (l.rings != NULL)
		for (i = 0; i < l.cap; i++)
			ring_close(l.rings[i]);
	free(l.rings);
	free(l.last);
	free(l.idle);
	free(l.is_hot);
	free(l.hot);
	if (l.ep >= 0)
		close(l.ep);
	ring_ctl_close(ctl);
	return rc;
}

/* --- many rings: ringd's CPU while others talk ------------------------ */

struct brd_many {
	struct ring **r;
	uint64_t *id;
	uint32_t *sent, *done; /* per ring NoOps submitted / completed */
	unsigned n;
};

/* One pass over every ring: reap, then (submit) top each up to the window. */
static int
brd_many_pass(struct brd_many *m, bool submit, uint64_t *completed,
    uint64_t *bad)
{
	struct ring_sqe sqes[BRD_MANY_WINDOW];
	struct ring_cqe cqes[BRD_MANY_WINDOW];
	unsigned i, k, want;
	int n, j;

	for (i = 0; i < m->n; i++) {
		n = ring_cq_pop_batch(m->r[i], cqes, BRD_MANY_WINDOW);
		if (n < 0 && n != -EAGAIN)
			return n;
		for (j = 0; j < n; j++) {
			if (cqes[j].user_data !=
				((uint64_t)i << 32 | m->done[i]) ||
			    cqes[j].status != 0)
				(*bad)++;
			m->done[i]++;
		}
		if (n > 0)
			*completed += (uint64_t)n;
		want = BRD_MANY_WINDOW - (m->sent[i] - m->done[i]);
		if (!submit || want == 0)
			continue;
		for (k = 0; k < want; k++)
			sqes[k] = (struct ring_sqe){ .opcode = RING_OP_NOOP,
				.user_data = (uint64_t)i << 32 |
				    (m->sent[i] + k) };
		n = ring_sq_push_batch(m->r[i], sqes, want);
		if (n < 0 && n != -EAGAIN)
			return n;
		if (n > 0)
			m->sent[i] += (unsigned)n;
	}
	return 0;
}

static bool
brd_many_drained(const struct brd_many *m)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (m->sent[i] != m->done[i])
			return false;
	return true;
}

/* One snapshot of every ring, as ringtop takes it; all want must be there. */
static int
brd_list(const char *name, struct ring_ctl *ctl, unsigned want)
{
	struct ring_ctl_ring *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = ring_ctl_list_rings(ctl, &v, &n)) < 0) {
		bench_err(name, "ring_ctl_list_rings", rc);
		return rc;
	}
	free(v);
	if (n < want) {
		fprintf(stderr, BENCH_NAME ": '%s': listed %zu rings of %u\n",
		    name, n, want);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Traffic over every ring for dur_ns, listing them all every every_ns (0:
 * never): ringd's CPU ns, the wall time and completions per second.
 */
static int
brd_many_phase(const char *name, struct brd_many *m, struct ring_ctl *ctl,
    int64_t dur_ns, int64_t every_ns, struct bench_val *cpu,
    struct bench_val *wall, struct bench_val *ops, uint64_t *bad)
{
	uint64_t completed = 0, t0, t1, next;
	int64_t c0, c1;
	int rc;

	if ((rc = brd_cpu_ns(&c0)) < 0)
		goto cpu_fail;
	t0 = t1 = next = clock_ns();
	do {
		if (every_ns > 0 && t1 >= next) {
			if ((rc = brd_list(name, ctl, m->n)) < 0)
				return rc;
			next += (uint64_t)every_ns;
		}
		rc = brd_many_pass(m, true, &completed, bad);
	} while (rc >= 0 && (t1 = clock_ns()) - t0 < (uint64_t)dur_ns);
	if (rc < 0) {
		bench_err(name, "consumer", rc);
		return rc;
	}
	if ((rc = brd_cpu_ns(&c1)) < 0)
		goto cpu_fail;
	cpu->v = (double)(c1 - c0);
	wall->v = (double)(t1 - t0);
	ops->v = (double)completed * 1e9 / (double)(t1 - t0);
	return 0;
cpu_fail:
	bench_err(name, "read ringd's /proc stat", rc);
	return rc;
}

/*
 * ringd's CPU per ring per snapshot: lists back to back for dur_ns, with a
 * traffic pass between two lists so that ringd finds the rings' header
 * lines written by their peers, as it does between two ringtop refreshes.
 */
static int
brd_snapshot_cost(const char *name, struct brd_many *m, struct ring_ctl *ctl,
    int64_t dur_ns, struct bench_val *snap, uint64_t *bad)
{
	uint64_t lists = 0, dummy = 0, t0;
	int64_t c0, c1;
	int rc;

	if ((rc = brd_cpu_ns(&c0)) < 0)
		goto cpu_fail;
	t0 = clock_ns();
	do {
		if ((rc = brd_list(name, ctl, m->n)) < 0)
			return rc;
		lists++;
		if ((rc = brd_many_pass(m, true, &dummy, bad)) < 0) {
			bench_err(name, "consumer", rc);
			return rc;
		}
	} while (clock_ns() - t0 < (uint64_t)dur_ns);
	if ((rc = brd_cpu_ns(&c1)) < 0)
		goto cpu_fail;
	snap->v = (double)(c1 - c0) / ((double)lists * m->n);
	return 0;
cpu_fail:
	bench_err(name, "read ringd's /proc stat", rc);
	return rc;
}

void
bench_ringd_many(const char *name, unsigned nrings, int64_t dur_ns,
    struct bench_many *res)
{
	struct brd_scheme s;
	struct bench_child c;
	struct brd_many m;
	struct ring_params p;
	struct ring_ctl *ctl = NULL;
	uint64_t bad = 0, dummy = 0;
	uint64_t deadline;
	unsigned i;
	int rc, rc2;

	bench_progress(name);
	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	/* 5 % of a core, at 10 snapshots a second of BENCH_WATCH_RINGS */
	res->budget.v = 0.05 * 1e9 / (10.0 * BENCH_WATCH_RINGS);
	if ((rc = brd_state()) < 0)
		goto fail;
	/* nrings > 1 asks brd_scheme_start() for the stop pipe, also for one */
	brd_scheme_init(&s, name, BENCH_ADAPTIVE, nrings > 1 ? nrings : 2);
	if ((rc = brd_scheme_start(&s, &c, brd_scheme_many)) < 0)
		goto fail;
	m.r = calloc(nrings, sizeof(*m.r));
	m.id = calloc(nrings, sizeof(*m.id));
	m.sent = calloc(nrings, sizeof(*m.sent));
	m.done = calloc(nrings, sizeof(*m.done));
	if (m.r == NULL || m.id == NULL || m.sent == NULL || m.done == NULL) {
		rc = -ENOMEM;
		bench_err(name, "calloc", rc);
		goto out;
	}
	if ((rc = brd_connect(name, &ctl)) < 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.sq_entries = p.cq_entries = BRD_MANY_ENTRIES;
	for (m.n = 0; m.n < nrings; m.n++) {
		if ((rc = ring_ctl_open(ctl, s.scheme, &p, &m.r[m.n],
			 &m.id[m.n])) < 0) {
			bench_err(name, "ring_ctl_open", rc);
			goto out;
		}
	}
	/* warm-up: every ring carries a window's worth once */
	for (i = 0; i < 2 * BRD_MANY_WINDOW; i++)
		if ((rc = brd_many_pass(&m, true, &dummy, &bad)) < 0) {
			bench_err(name, "consumer", rc);
			goto out;
		}
	if ((rc = brd_many_phase(name, &m, ctl, dur_ns, 0, &res->cpu,
		 &res->wall, &res->ops, &bad)) < 0 ||
	    (rc = brd_many_phase(name, &m, ctl, dur_ns, 100000000, &res->wcpu,
		 &res->wwall, &res->wops, &bad)) < 0 ||
	    (rc = brd_snapshot_cost(name, &m, ctl, dur_ns / 2, &res->snap,
		 &bad)) < 0)
		goto out;
	/* every NoOp must come back: take the rest, untimed */
	deadline = clock_ns() + (uint64_t)bench_cfg.timeout_ms * 1000000;
	while (!brd_many_drained(&m) && clock_ns() < deadline) {
		if ((rc = brd_many_pass(&m, false, &dummy, &bad)) < 0)
			break;
	}
	if (rc >= 0 && !brd_many_drained(&m))
		rc = -ETIMEDOUT;
	if (rc < 0)
		bench_err(name, "consumer: draining", rc);
out:
	atomic_store(&c.done, true); /* its exit is expected now */
	for (i = 0; i < m.n; i++) {
		ring_close(m.r[i]);
		if ((rc2 = ring_ctl_close_ring(ctl, m.id[i])) < 0 &&
		    rc2 != -ENOENT && rc == 0) {
			bench_err(name, "ring_ctl_close_ring", rc2);
			rc = rc2;
		}
	}
	ring_ctl_close(ctl);
	bench_close(&s.stop[1]); /* the scheme process's cue to exit */
	rc2 = bench_reap(&c, rc < 0, NULL);
	brd_scheme_fini(&s);
	free(m.r);
	free(m.id);
	free(m.sent);
	free(m.done);
	if (rc == 0)
		rc = rc2;
	if (rc == 0)
		rc = bench_mismatch(name, bad);
fail:
	res->cpu.rc = res->wall.rc = res->ops.rc = rc;
	res->wcpu.rc = res->wwall.rc = res->wops.rc = rc;
	res->snap.rc = rc;
}
