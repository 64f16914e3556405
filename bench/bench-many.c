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

/* Child, many rings: one epoll over the control socket and every doorbell. */
#define BRD_EV_CTL UINT32_MAX
#define BRD_EV_STOP (UINT32_MAX - 1)

static int
brd_many_add(int ep, struct ring **rings, unsigned i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring_fd(rings[i]), &ev) < 0)
		return -errno;
	return 0;
}

/* Serve ring i until it is empty and armed; close it when it is over. */
static int
brd_many_kick(struct brd_scheme *s, int ep, struct ring **rings, unsigned i)
{
	int rc, served;

	for (;;) {
		rc = brd_serve(rings[i], BENCH_ADAPTIVE, &served);
		if (rc == -EAGAIN || rc == 0) {
			if ((rc = ring_arm(rings[i], RING_EV_IN)) == 0)
				return 0;
			if (rc > 0)
				continue;
		}
		if (rc == -ESHUTDOWN)
			break;
		bench_err(s->name, "scheme: serve", rc);
		return rc;
	}
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, ring_fd(rings[i]), NULL);
	ring_close(rings[i]);
	rings[i] = NULL;
	return 0;
}

static int
brd_scheme_many(void *arg)
{
	struct brd_scheme *s = arg;
	unsigned cap = s->nrings + BRD_MANY_SLACK, i, next = 0;
	struct epoll_event ev, evs[64];
	struct ring **rings = NULL;
	struct ring_ctl *ctl;
	struct ring_attach a;
	int ep = -1, rc, n, k;
	bool stop = false;

	if ((rc = brd_scheme_register(s, &ctl)) < 0)
		return rc;
	if ((rings = calloc(cap, sizeof(*rings))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_CTL };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring_ctl_fd(ctl), &ev) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_STOP };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->stop[0], &ev) < 0) {
		rc = -errno;
		goto out;
	}
	while (!stop) {
		n = epoll_wait(ep, evs, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		for (k = 0; k < n; k++) {
			i = evs[k].data.u32;
			if (i == BRD_EV_STOP) {
				stop = true;
			} else if (i == BRD_EV_CTL) {
				while (
				    (rc = ring_ctl_next_attach(ctl, &a)) == 0) {
					if (next == cap) {
						(void)ring_ctl_refuse(ctl, &a,
						    -EMFILE);
						continue;
					}
					if ((rc = ring_ctl_accept(ctl, &a,
						 &rings[next])) < 0) {
						bench_err(s->name,
						    "scheme: ring_ctl_accept",
						    rc);
						goto out;
					}
					if ((rc = brd_many_add(ep, rings,
						 next)) < 0 ||
					    (rc = brd_many_kick(s, ep, rings,
						 next)) < 0)
						goto out;
					next++;
				}
				if (rc != -EAGAIN) {
					bench_err(s->name,
					    "scheme: ring_ctl_next_attach", rc);
					goto out;
				}
			} else if (i < next && rings[i] != NULL) {
				ring_disarm(rings[i]);
				if ((rc = brd_many_kick(s, ep, rings, i)) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	if (rings != NULL)
		for (i = 0; i < cap; i++)
			ring_close(rings[i]);
	free(rings);
	if (ep >= 0)
		close(ep);
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
	brd_scheme_init(&s, name, BENCH_ADAPTIVE, nrings);
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
