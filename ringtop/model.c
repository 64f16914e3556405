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
 * Rings are kept sorted by id so that a new snapshot is merged with the
 * previous one in one pass, carrying each ring's history along.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ringtop.h"
#include "tools/tools.h"

static uint64_t
model_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
model_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The socket to dial, named again before each connection: a per-user
 * ringd may have come or gone since.  0, or -errno with m->err set.
 */
static int
model_sock(struct rt_model *m)
{
	int rc;

	if ((rc = sock_path(m->sock_arg, m->scope, m->sock, sizeof(m->sock))) <
	    0) {
		snprintf(m->sock, sizeof(m->sock), "(no socket)");
		sock_error(m->err, sizeof(m->err), m->sock_arg, m->scope, NULL,
		    rc);
		snprintf(m->why, sizeof(m->why),
		    "no per-user socket: XDG_RUNTIME_DIR is not set");
	}
	return rc;
}

void
model_init(struct rt_model *m, const char *sock, enum ring_ctl_scope scope)
{
	memset(m, 0, sizeof(*m));
	m->sock_arg = sock;
	m->scope = scope;
	model_sock(m);
}

static void model_phys_clear(struct rt_model *m);

static void
model_clear(struct rt_model *m)
{
	size_t i;

	for (i = 0; i < m->nrings; i++)
		free(m->rings[i].hist);
	free(m->rings);
	free(m->schemes);
	free(m->clients);
	m->rings = NULL;
	m->schemes = NULL;
	m->clients = NULL;
	m->nrings = m->nschemes = m->nclients = 0;
	model_phys_clear(m);
	m->sub_total = m->cmp_total = 0;
	m->prev_ns = 0;
	memset(&m->st, 0, sizeof(m->st));
}

void
model_free(struct rt_model *m)
{
	model_clear(m);
	ring_ctl_close(m->ctl);
	m->ctl = NULL;
}

static void
model_phys_clear(struct rt_model *m)
{
	free(m->zones);
	free(m->ranges);
	free(m->regions);
	m->zones = NULL;
	m->ranges = NULL;
	m->regions = NULL;
	m->nzones = m->nranges = m->nregions = 0;
	m->phys = false;
}

/* Errors that mean the connection itself is gone. */
static bool
model_conn_error(int rc)
{
	return rc == -EPIPE || rc == -ECONNRESET || rc == -ENOTCONN ||
	    rc == -ETIMEDOUT || rc == -EBADF;
}

/*
 * Physical memory: a ringd without physalloc3 (or one that refuses the
 * lists) leaves the Memory tab empty with a reason, not the monitor down.
 */
static int
model_phys(struct rt_model *m, unsigned want)
{
	struct ring_phys_zone *z = NULL;
	struct ring_phys_range *r = NULL;
	struct ring_phys_region *g = NULL;
	size_t nz = 0, nr = 0, ng = 0;
	int rc;

	if ((rc = ring_phys_list_zones(m->ctl, &z, &nz)) < 0)
		goto fail;
	if ((want & RT_WANT_PHYS) &&
	    ((rc = ring_phys_list_free(m->ctl, &r, &nr)) < 0 ||
		(rc = ring_phys_list_regions(m->ctl, &g, &ng)) < 0))
		goto fail;
	model_phys_clear(m);
	m->zones = z;
	m->nzones = nz;
	m->ranges = r;
	m->nranges = nr;
	m->regions = g;
	m->nregions = ng;
	m->phys = true;
	m->phys_err[0] = '\0';
	return 0;
fail:
	free(z);
	free(r);
	free(g);
	model_phys_clear(m);
	snprintf(m->phys_err, sizeof(m->phys_err), "%s", strerror(-rc));
	return model_conn_error(rc) ? rc : 0;
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

/*
 * Merge a fresh, id-sorted list into the tracked rings: rings seen before
 * keep their history and get rates; new ones start without rates.
 */
static int
model_merge(struct rt_model *m, struct ring_ctl_ring *v, size_t n)
{
	struct rt_ring *nr;
	size_t i, j = 0;
	double dt = 0;

	if (m->prev_ns != 0 && m->now_ns > m->prev_ns)
		dt = (double)(m->now_ns - m->prev_ns) / 1e9;
	if ((nr = calloc(n ? n : 1, sizeof(*nr))) == NULL)
		return -ENOMEM;
	m->sub_total = m->cmp_total = 0;
	for (i = 0; i < n; i++) {
		struct rt_ring *t = &nr[i];
		struct rt_ring *o = NULL;

		while (j < m->nrings && m->rings[j].r.ring_id < v[i].ring_id) {
			free(m->rings[j].hist);
			m->rings[j].hist = NULL;
			j++;
		}
		if (j < m->nrings && m->rings[j].r.ring_id == v[i].ring_id)
			o = &m->rings[j++];
		t->r = v[i];
		if (o != NULL) {
			t->hist = o->hist;
			o->hist = NULL;
			t->changed = memcmp(&o->r.sq, &t->r.sq,
					 sizeof(t->r.sq)) ||
			    memcmp(&o->r.cq, &t->r.cq, sizeof(t->r.cq)) ||
			    o->r.state != t->r.state;
			if (dt > 0) {
				t->have_rate = true;
				t->sub_rate = (double)
						  model_delta(t->r.sq
								  .push_epoch,
						      o->r.sq.push_epoch) /
				    dt;
				t->cmp_rate = (double)
						  model_delta(t->r.cq
								  .push_epoch,
						      o->r.cq.push_epoch) /
				    dt;
				m->sub_total += t->sub_rate;
				m->cmp_total += t->cmp_rate;
			}
		}
		t->sq_since_ns = model_since(o ? o->sq_since_ns : 0, o != NULL,
		    o ? &o->r.sq : NULL, &t->r.sq, m->now_ns);
		t->cq_since_ns = model_since(o ? o->cq_since_ns : 0, o != NULL,
		    o ? &o->r.cq : NULL, &t->r.cq, m->now_ns);
		model_sample(t, m->now_ns);
	}
	for (; j < m->nrings; j++)
		free(m->rings[j].hist);
	free(m->rings);
	m->rings = nr;
	m->nrings = n;
	return 0;
}

/* ringd out of reach: what failed ("lost"; NULL: the connection). */
static void
model_down(struct rt_model *m, const char *what, int rc)
{
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		snprintf(m->why, sizeof(m->why), "ringd is not running");
	else
		snprintf(m->why, sizeof(m->why), "%s ringd: %s",
		    what != NULL ? what : "cannot connect to", strerror(-rc));
	if (what == NULL)
		sock_error(m->err, sizeof(m->err), m->sock_arg, m->scope,
		    m->sock, rc);
	else
		snprintf(m->err, sizeof(m->err), "%s '%s': %s", what, m->sock,
		    (rc == -ENOENT || rc == -ECONNREFUSED) ? m->why
							   : strerror(-rc));
	ring_ctl_close(m->ctl);
	m->ctl = NULL;
	m->up = false;
	model_clear(m);
}

int
model_refresh(struct rt_model *m, unsigned want)
{
	struct ring_ctl_ring *v = NULL;
	struct ring_ctl_scheme *sv = NULL;
	struct ring_ctl_client *cv = NULL;
	size_t n = 0, ns = 0, nc = 0, i;
	uint32_t ver = 0;
	int rc;

	if (m->ctl == NULL) {
		if ((rc = model_sock(m)) < 0) {
			m->up = false;
			model_clear(m);
			return rc;
		}
		if ((rc = ring_ctl_connect(m->sock, &ver, &m->ctl)) < 0) {
			m->ctl = NULL;
			if (rc == -EPROTO) {
				snprintf(m->err, sizeof(m->err),
				    "cannot talk to "
				    "'%s': ringd speaks protocol version %u, "
				    "ringtop %u",
				    m->sock, (unsigned)ver,
				    (unsigned)ring_ctl_protocol());
				snprintf(m->why, sizeof(m->why),
				    "ringd speaks "
				    "protocol version %u, ringtop %u",
				    (unsigned)ver,
				    (unsigned)ring_ctl_protocol());
				m->up = false;
				model_clear(m);
				return rc;
			}
			model_down(m, NULL, rc);
			return rc;
		}
	}
	if ((rc = ring_ctl_status(m->ctl, &m->st)) < 0 ||
	    (rc = ring_ctl_list_rings(m->ctl, &v, &n)) < 0)
		goto lost;
	if ((want & RT_WANT_SCHEMES) &&
	    (rc = ring_ctl_list_schemes(m->ctl, &sv, &ns)) < 0)
		goto lost;
	if ((want & RT_WANT_CLIENTS) &&
	    (rc = ring_ctl_list_clients(m->ctl, &cv, &nc)) < 0)
		goto lost;
	if ((rc = model_phys(m, want)) < 0)
		goto lost;
	for (i = 1; i < n; i++)
		if (v[i - 1].ring_id > v[i].ring_id) {
			qsort(v, n, sizeof(*v), model_cmp_id);
			break;
		}
	m->prev_ns = m->up ? m->now_ns : 0;
	m->now_ns = model_mono_ns();
	if ((rc = model_merge(m, v, n)) < 0)
		goto out;
	free(m->schemes);
	free(m->clients);
	m->schemes = sv;
	m->nschemes = ns;
	m->clients = cv;
	m->nclients = nc;
	sv = NULL;
	cv = NULL;
	m->up = true;
	m->err[0] = '\0';
	m->frames++;
	rc = 0;
	goto out;
lost:
	model_down(m, "lost", rc);
out:
	free(v);
	free(sv);
	free(cv);
	return rc;
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
	return r->r.state == RING_CTL_RUNNING &&
	    model_sq_age(m, r) >= RT_STALL_NS;
}

bool
model_active(const struct rt_ring *r)
{
	return r->changed || r->r.sq.depth > 0 || r->r.cq.depth > 0;
}

const char *
model_state(const struct rt_model *m, const struct rt_ring *r)
{
	switch (r->r.state) {
	case RING_CTL_PENDING:
		return "pending";
	case RING_CTL_DROPPED:
		return "DROP";
	case RING_CTL_BROKEN:
		return "broken";
	case RING_CTL_ADOPTING:
		return "adopting";
	case RING_CTL_RUNNING:
		break;
	default:
		return "unknown";
	}
	if (r->changed)
		return "running";
	if (model_stalled(m, r))
		return "stalled";
	if (r->r.sq.pop_wait || r->r.cq.pop_wait)
		return "sleeping";
	return "idle";
}
