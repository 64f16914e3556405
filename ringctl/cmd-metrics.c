/*
 * cmd-metrics.c - "metrics": the live model in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector (-o FILE) and for Prometheus itself (--listen [ADDR:]PORT).
 * One family per figure, each with HELP and TYPE lines, label values made
 * printable and escaped as the format requires.
 *
 * The exposition is always complete: when ringd cannot be reached it
 * says ringd_up 0 (and ringctl's own build), so neither a textfile left
 * from an earlier run nor an empty scrape can hide an outage.
 *
 * ringd does not timestamp ring entries.  When serving, ringctl keeps,
 * per queue, the first scrape at which it saw entries queued behind a
 * head that has not moved since (as ringtop does per refresh): the
 * pending-age families are that lower bound, exact to one scrape
 * interval.  A one-shot run has no earlier scrape and leaves them out;
 * the taken/reaped counters serve the same alerts through rate().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ring/phys.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_metrics;

enum { METRICS_OPT_OUTPUT, METRICS_OPT_LISTEN, METRICS_NOPTS };

CMD_OPTS(metrics_opts, METRICS_NOPTS,
	[METRICS_OPT_OUTPUT] = { "output", 'o', "FILE",
	    "write FILE.tmp, then rename it to FILE" },
	[METRICS_OPT_LISTEN] = { "listen", 'l', "[ADDR:]PORT",
	    "serve GET /metrics over HTTP" });

CMD_ENTRY(metrics, "[-o FILE | --listen [ADDR:]PORT]",
    "the live model in Prometheus text format",
    .flags = CMD_NO_JSON, .args = { ARG_NONE }, .opts = metrics_opts);

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A label value: room for a name made printable, then escaped. */
#define METRICS_LABEL_LEN (2 * SAN_VIS_LEN(RING_CTL_NAME_MAX) + 8)

/* One scrape: what ringd said. */
struct metrics_snap {
	struct ring_ctl_status st;
	struct ring_ctl_ring *rings;
	struct ring_ctl_scheme *schemes;
	struct ring_phys_zone *zones;
	size_t nrings, nschemes, nzones;
};

/* A queue's pending clock, carried from one scrape to the next. */
struct metrics_pend {
	uint64_t ring_id;
	uint64_t pop[2];      /* SQ, CQ pop_epoch when last seen */
	uint64_t since_ns[2]; /* head still and entries queued since; 0: no */
};

struct metrics {
	struct ringctl *rc;
	bool serving; /* --listen: pending clocks, quiet reconnects */
	bool down;    /* the last scrape did not reach ringd (logged) */
	uint64_t now_ns;
	struct metrics_pend *pend; /* by ring id; NULL in a one-shot run */
	size_t npend;
};

/* A label value from printable text: \ and " escaped. */
static const char *
metrics_label(const char *s, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o + 3 < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf[o++] = '\\';
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	return buf;
}

/*
 * A label value: the name made printable ASCII (san_vis(); a control
 * byte becomes "\ooo", a newline too), then \ and " escaped.
 */
static const char *
metrics_escape(const char *name, size_t size, char *buf, size_t len)
{
	char s[SAN_VIS_LEN(RING_CTL_NAME_MAX)];

	san_vis(s, sizeof(s), name,
	    size < RING_CTL_NAME_MAX ? size : RING_CTL_NAME_MAX);
	return metrics_label(s, buf, len);
}

/* A peer as a label value: as ringctl prints it (peer_fmt()), escaped. */
static const char *
metrics_peer(const struct ring_ctl_peer *p, char *buf, size_t len)
{
	char who[SAN_VIS_LEN(RING_CTL_COMM_MAX) + 24];

	peer_fmt(who, sizeof(who), p->pid, p->comm, RING_CTL_COMM_MAX);
	return metrics_label(who, buf, len);
}

static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Per-ring families: name, type, help, and which figure. */
enum metrics_fig {
	MF_SQ_DEPTH,
	MF_CQ_BACKLOG,
	MF_SUBMITTED,
	MF_TAKEN,
	MF_COMPLETED,
	MF_REAPED,
	MF_SQ_PENDING_AGE, /* serving only */
	MF_CQ_PENDING_AGE, /* serving only */
	MF_SQ_ENTRIES,
	MF_CQ_ENTRIES,
	MF_POOL,
	MF_AGE,
};

static const struct {
	const char *name, *type, *help;
	enum metrics_fig fig;
} metrics_ring_families[] = {
	{ "ringd_ring_sq_depth", "gauge",
	    "Submissions published and not yet taken.", MF_SQ_DEPTH },
	{ "ringd_ring_cq_backlog", "gauge",
	    "Completions published and not yet reaped.", MF_CQ_BACKLOG },
	{ "ringd_ring_submitted_total", "counter", "Submissions ever pushed.",
	    MF_SUBMITTED },
	{ "ringd_ring_taken_total", "counter",
	    "Submissions the producer ever took.", MF_TAKEN },
	{ "ringd_ring_completed_total", "counter", "Completions ever pushed.",
	    MF_COMPLETED },
	{ "ringd_ring_reaped_total", "counter",
	    "Completions the consumer ever reaped.", MF_REAPED },
	{ "ringd_ring_sq_pending_age_seconds", "gauge",
	    "Submissions queued behind a head that has not moved for this "
	    "long (lower bound, exact to one scrape interval).",
	    MF_SQ_PENDING_AGE },
	{ "ringd_ring_cq_pending_age_seconds", "gauge",
	    "Completions queued behind a head that has not moved for this "
	    "long (lower bound, exact to one scrape interval).",
	    MF_CQ_PENDING_AGE },
	{ "ringd_ring_sq_entries", "gauge", "Submission queue size in entries.",
	    MF_SQ_ENTRIES },
	{ "ringd_ring_cq_entries", "gauge", "Completion queue size in entries.",
	    MF_CQ_ENTRIES },
	{ "ringd_ring_pool_bytes", "gauge", "Buffer pool size in bytes.",
	    MF_POOL },
	{ "ringd_ring_age_seconds", "gauge", "Time since the ring was opened.",
	    MF_AGE },
};

/* ringd's own gauges, from its status. */
enum metrics_sfig {
	MS_UPTIME, /* in seconds, from ns */
	MS_SCHEMES,
	MS_RINGS,
	MS_CLIENTS,
};

static const struct {
	const char *name, *help;
	enum metrics_sfig fig;
} metrics_status_gauges[] = {
	{ "ringd_uptime_seconds", "Time since ringd started.", MS_UPTIME },
	{ "ringd_schemes", "Registered schemes, built-ins included.",
	    MS_SCHEMES },
	{ "ringd_rings", "Rings ringd holds.", MS_RINGS },
	{ "ringd_clients", "Connections to ringd.", MS_CLIENTS },
};

/* Per-zone families of the simulated physical memory. */
enum metrics_zfig {
	MZ_SIZE,
	MZ_USED,
	MZ_FREE,
	MZ_LARGEST,
	MZ_RANGES,
	MZ_REGIONS,
};

static const struct {
	const char *name, *help;
	enum metrics_zfig fig;
} metrics_zone_families[] = {
	{ "ringd_phys_zone_size_bytes", "Zone size; 0: the zone is disabled.",
	    MZ_SIZE },
	{ "ringd_phys_zone_used_bytes", "Bytes in allocated regions.",
	    MZ_USED },
	{ "ringd_phys_zone_free_bytes", "Bytes free.", MZ_FREE },
	{ "ringd_phys_zone_largest_free_bytes",
	    "The largest free range: the most one contiguous physalloc3 "
	    "can get.",
	    MZ_LARGEST },
	{ "ringd_phys_zone_free_ranges", "Free ranges (fragmentation).",
	    MZ_RANGES },
	{ "ringd_phys_zone_regions", "Allocated regions.", MZ_REGIONS },
};

static int
metrics_pend_cmp(const void *a, const void *b)
{
	const struct metrics_pend *x = a, *y = b;

	return x->ring_id < y->ring_id ? -1 : x->ring_id > y->ring_id;
}

static const struct metrics_pend *
metrics_pend_find(const struct metrics *m, uint64_t id)
{
	struct metrics_pend key = { .ring_id = id };

	if (m->pend == NULL)
		return NULL;
	return bsearch(&key, m->pend, m->npend, sizeof(key), metrics_pend_cmp);
}

/* How long a queue's head stood still with entries behind it, ns. */
static uint64_t
metrics_pending_ns(const struct metrics *m, uint64_t id, int q)
{
	const struct metrics_pend *p = metrics_pend_find(m, id);

	if (p == NULL || p->since_ns[q] == 0 || m->now_ns < p->since_ns[q])
		return 0;
	return m->now_ns - p->since_ns[q];
}

/*
 * A queue's pending clock now: 0 when it is empty; since, when it was
 * seen before (had) with entries and its head (pop_epoch) has not moved
 * from old_pop; else now.  The rule of ringtop's stall clock.
 */
static uint64_t
metrics_since(bool had, uint64_t since, uint64_t old_pop,
    const struct ring_ctl_queue *q, uint64_t now)
{
	if (q->depth == 0)
		return 0;
	if (!had || since == 0 || q->pop_epoch != old_pop)
		return now;
	return since;
}

/*
 * Carry the pending clocks over to this scrape: a queue with entries
 * keeps its clock while its pop_epoch stands still, starts it now when
 * the head moved or the queue was empty, and stops it when empty.
 */
static int
metrics_track(struct metrics *m, const struct metrics_snap *sn)
{
	struct metrics_pend *v;
	const struct metrics_pend *old;
	size_t i;
	int q;

	if ((v = calloc(sn->nrings + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < sn->nrings; i++) {
		const struct ring_ctl_ring *r = &sn->rings[i];

		old = metrics_pend_find(m, r->ring_id);
		v[i].ring_id = r->ring_id;
		for (q = 0; q < 2; q++) {
			const struct ring_ctl_queue *qu = q ? &r->cq : &r->sq;

			v[i].pop[q] = qu->pop_epoch;
			v[i].since_ns[q] = metrics_since(old != NULL,
			    old != NULL ? old->since_ns[q] : 0,
			    old != NULL ? old->pop[q] : 0, qu, m->now_ns);
		}
	}
	qsort(v, sn->nrings, sizeof(*v), metrics_pend_cmp);
	free(m->pend);
	m->pend = v;
	m->npend = sn->nrings;
	return 0;
}

/* A ring's figure; *ns set: a duration in ns, printed as seconds. */
static uint64_t
metrics_ring_value(const struct metrics *m, const struct ring_ctl_ring *r,
    enum metrics_fig fig, bool *ns)
{
	*ns = fig == MF_SQ_PENDING_AGE || fig == MF_CQ_PENDING_AGE ||
	    fig == MF_AGE;
	switch (fig) {
	case MF_SQ_DEPTH:
		return r->sq.depth;
	case MF_CQ_BACKLOG:
		return r->cq.depth;
	case MF_SUBMITTED:
		return r->sq.push_epoch;
	case MF_TAKEN:
		return r->sq.pop_epoch;
	case MF_COMPLETED:
		return r->cq.push_epoch;
	case MF_REAPED:
		return r->cq.pop_epoch;
	case MF_SQ_PENDING_AGE:
		return metrics_pending_ns(m, r->ring_id, 0);
	case MF_CQ_PENDING_AGE:
		return metrics_pending_ns(m, r->ring_id, 1);
	case MF_SQ_ENTRIES:
		return r->sq_entries;
	case MF_CQ_ENTRIES:
		return r->cq_entries;
	case MF_POOL:
		return r->pool_bytes;
	case MF_AGE:
		return r->age_ns;
	}
	return 0;
}

/* A count from ringd's status (MS_UPTIME is printed apart). */
static uint32_t
metrics_status_value(const struct ring_ctl_status *st, enum metrics_sfig fig)
{
	switch (fig) {
	case MS_SCHEMES:
		return st->schemes;
	case MS_RINGS:
		return st->rings;
	case MS_CLIENTS:
		return st->clients;
	case MS_UPTIME:
		break;
	}
	return 0;
}

static uint64_t
metrics_zone_value(const struct ring_phys_zone *z, enum metrics_zfig fig)
{
	switch (fig) {
	case MZ_SIZE:
		return z->size;
	case MZ_USED:
		return z->used;
	case MZ_FREE:
		return z->free;
	case MZ_LARGEST:
		return z->largest_free;
	case MZ_RANGES:
		return z->free_ranges;
	case MZ_REGIONS:
		return z->regions;
	}
	return 0;
}

#define METRICS_N(t) (sizeof(t) / sizeof((t)[0]))

static void
metrics_print_rings(FILE *f, const struct metrics *m,
    const struct metrics_snap *sn)
{
	char sch[METRICS_LABEL_LEN], cons[METRICS_LABEL_LEN],
	    prod[METRICS_LABEL_LEN];
	size_t i, k;
	uint32_t s;
	bool ns;

	metrics_family(f, "ringd_ring_info", "gauge",
	    "A ring's scheme, kind, entry width (v1) and peers (pid/comm).");
	for (i = 0; i < sn->nrings; i++) {
		const struct ring_ctl_ring *r = &sn->rings[i];
		bool redox = (r->flags & RING_CTL_RING_REDOX) != 0;

		/* a redox_ring has entry sizes, no width: no bits label */
		fprintf(f,
		    "ringd_ring_info{ring=\"%" PRIu64 "\",scheme=\"%s\","
		    "kind=\"%s\",%s%s%sconsumer=\"%s\",producer=\"%s\"} 1\n",
		    r->ring_id,
		    metrics_escape(r->scheme, sizeof(r->scheme), sch,
			sizeof(sch)),
		    mj_ring_kind(r), redox ? "" : "bits=\"",
		    redox ? "" : (r->flags & RING_PAIR_BITS_32) ? "32" : "64",
		    redox ? "" : "\",",
		    metrics_peer(&r->consumer, cons, sizeof(cons)),
		    metrics_peer(&r->producer, prod, sizeof(prod)));
	}
	for (k = 0; k < METRICS_N(metrics_ring_families); k++) {
		enum metrics_fig fig = metrics_ring_families[k].fig;

		if ((fig == MF_SQ_PENDING_AGE || fig == MF_CQ_PENDING_AGE) &&
		    m->pend == NULL)
			continue;
		metrics_family(f, metrics_ring_families[k].name,
		    metrics_ring_families[k].type,
		    metrics_ring_families[k].help);
		for (i = 0; i < sn->nrings; i++) {
			const struct ring_ctl_ring *r = &sn->rings[i];
			uint64_t v = metrics_ring_value(m, r, fig, &ns);

			fprintf(f,
			    "%s{ring=\"%" PRIu64 "\",scheme=\"%s\",kind=\"%s\"} ",
			    metrics_ring_families[k].name, r->ring_id,
			    metrics_escape(r->scheme, sizeof(r->scheme), sch,
				sizeof(sch)),
			    mj_ring_kind(r));
			if (ns)
				fprintf(f, "%.3f\n", (double)v / 1e9);
			else
				fprintf(f, "%" PRIu64 "\n", v);
		}
	}
	metrics_family(f, "ringd_ring_state", "gauge",
	    "1 for the state a ring is in, 0 for the others.");
	for (i = 0; i < sn->nrings; i++)
		for (s = RING_CTL_PENDING; s <= RING_CTL_ADOPTING; s++)
			fprintf(f,
			    "ringd_ring_state{ring=\"%" PRIu64 "\","
			    "scheme=\"%s\",kind=\"%s\",state=\"%s\"} %d\n",
			    sn->rings[i].ring_id,
			    metrics_escape(sn->rings[i].scheme,
				sizeof(sn->rings[i].scheme), sch, sizeof(sch)),
			    mj_ring_kind(&sn->rings[i]), mj_state_name(s),
			    sn->rings[i].state == s);
}

/* The exposition; sn NULL: ringd was not reached. */
static void
metrics_print(FILE *f, const struct metrics *m, const struct metrics_snap *sn)
{
	char esc[METRICS_LABEL_LEN];
	size_t i, k;

	metrics_family(f, "ringd_ringctl_build_info", "gauge",
	    "The ringctl that wrote these metrics, and its protocol version.");
	fprintf(f,
	    "ringd_ringctl_build_info{version=\"%s\",protocol=\"%" PRIu32
	    "\"} 1\n",
	    metrics_escape(ring_version(), strlen(ring_version()), esc,
		sizeof(esc)),
	    ring_ctl_protocol());
	metrics_family(f, "ringd_up", "gauge",
	    "Whether ringd answered ringctl.");
	fprintf(f, "ringd_up %d\n", sn != NULL);
	if (sn == NULL)
		return;
	metrics_family(f, "ringd_build_info", "gauge",
	    "ringd's version and protocol version, as ringd reports them.");
	fprintf(f,
	    "ringd_build_info{version=\"%s\",protocol=\"%" PRIu32 "\"} 1\n",
	    metrics_escape(sn->st.server, sizeof(sn->st.server), esc,
		sizeof(esc)),
	    sn->st.version);
	for (k = 0; k < METRICS_N(metrics_status_gauges); k++) {
		metrics_family(f, metrics_status_gauges[k].name, "gauge",
		    metrics_status_gauges[k].help);
		if (metrics_status_gauges[k].fig == MS_UPTIME)
			fprintf(f, "%s %.3f\n", metrics_status_gauges[k].name,
			    (double)sn->st.uptime_ns / 1e9);
		else
			fprintf(f, "%s %" PRIu32 "\n",
			    metrics_status_gauges[k].name,
			    metrics_status_value(&sn->st,
				metrics_status_gauges[k].fig));
	}

	for (k = 0; k < METRICS_N(metrics_zone_families); k++) {
		metrics_family(f, metrics_zone_families[k].name, "gauge",
		    metrics_zone_families[k].help);
		for (i = 0; i < sn->nzones; i++)
			fprintf(f, "%s{zone=\"%s\"} %" PRIu64 "\n",
			    metrics_zone_families[k].name,
			    ring_phys_zone_name(sn->zones[i].zone),
			    metrics_zone_value(&sn->zones[i],
				metrics_zone_families[k].fig));
	}

	for (k = 0; k < 2; k++) {
		metrics_family(f,
		    k ? "ringd_scheme_rings"
		      : "ringd_scheme_rings_opened_total",
		    k ? "gauge" : "counter",
		    k ? "Rings attached to a scheme now: open, not dropped."
		      : "Rings opened to a scheme since it registered.");
		for (i = 0; i < sn->nschemes; i++)
			fprintf(f,
			    "%s{scheme=\"%s\",builtin=\"%u\"} %" PRIu64 "\n",
			    k ? "ringd_scheme_rings"
			      : "ringd_scheme_rings_opened_total",
			    metrics_escape(sn->schemes[i].name,
				sizeof(sn->schemes[i].name), esc, sizeof(esc)),
			    sn->schemes[i].builtin ? 1u : 0u,
			    k ? (uint64_t)sn->schemes[i].rings
			      : sn->schemes[i].rings_opened);
	}
	metrics_print_rings(f, m, sn);
}

static void
metrics_snap_free(struct metrics_snap *sn)
{
	free(sn->rings);
	free(sn->schemes);
	free(sn->zones);
	memset(sn, 0, sizeof(*sn));
}

/*
 * Connect for a scrape.  A one-shot run uses the usual connection.  The
 * server keeps a live connection (in the shell it is the shell's own,
 * with the regions it holds) and replaces one that died without waiting
 * (ringd may have restarted); an outage is reported once, when it
 * begins, and its end.
 */
static int
metrics_connect(struct metrics *m)
{
	struct ringctl *rc = m->rc;
	bool lost;
	int ret;

	if (!m->serving)
		return conn_need(rc);
	if (conn_quiet(rc) != NULL) {
		ret = RC_OK;
	} else if (m->down) {
		ret = RC_UNREACHABLE;
	} else {
		/* the first failure: report it, do not wait for a restart */
		lost = rc->lost;
		rc->lost = false;
		ret = conn_need(rc);
		rc->lost = lost;
	}
	if (ret == RC_OK && m->down)
		fprintf(stderr, "ringctl: ringd at '%s' answers again\n",
		    rc->sock_path);
	m->down = ret != RC_OK;
	return ret;
}

/* Ask ringd for the model; RC_OK, or the status a failure exits with. */
static int
metrics_collect(struct metrics *m, struct metrics_snap *sn)
{
	struct ringctl *rc = m->rc;
	int err, ret;

	memset(sn, 0, sizeof(*sn));
	if ((ret = metrics_connect(m)) != RC_OK)
		return ret;
	if ((err = ring_ctl_status(rc->ctl, &sn->st)) < 0)
		ret = conn_fail(rc, err, "cannot get ringd's status");
	else if ((err = ring_ctl_list_rings(rc->ctl, &sn->rings, &sn->nrings)) <
		0 ||
	    (err = ring_ctl_list_schemes(rc->ctl, &sn->schemes,
		 &sn->nschemes)) < 0 ||
	    (err = ring_phys_list_zones(rc->ctl, &sn->zones, &sn->nzones)) < 0)
		ret = conn_fail(rc, err, "cannot list ringd's model");
	if (ret != RC_OK) {
		m->down = m->serving;
		metrics_snap_free(sn);
		return ret;
	}
	m->now_ns = clock_ns();
	if (m->serving && metrics_track(m, sn) < 0) {
		metrics_snap_free(sn);
		return out_fail(rc, RC_FAIL, -ENOMEM, "cannot track rings");
	}
	return RC_OK;
}

/*
 * One exposition into a malloc'ed buffer; *status gets what a one-shot
 * run exits with.  -ENOMEM when the buffer cannot be had.
 */
static int
metrics_render(struct metrics *m, char **buf, size_t *len, int *status)
{
	struct metrics_snap sn;
	FILE *f;

	*status = metrics_collect(m, &sn);
	*buf = NULL;
	*len = 0;
	if ((f = open_memstream(buf, len)) == NULL) {
		metrics_snap_free(&sn);
		return -ENOMEM;
	}
	metrics_print(f, m, *status == RC_OK ? &sn : NULL);
	metrics_snap_free(&sn);
	if (fclose(f) != 0) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* http_site body: a scrape. */
static int
metrics_body(void *arg, char **body, size_t *len)
{
	int status;

	return metrics_render(arg, body, len, &status);
}

/*
 * Write buf to path through path.tmp and rename(2), so that a reader
 * sees the old file or the new one, never a part.
 */
static int
metrics_write_file(struct ringctl *rc, const char *path, const char *buf,
    size_t len)
{
	char tmp[PATH_MAX];
	size_t off = 0;
	ssize_t n;
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return out_fail(rc, RC_FAIL, -ENAMETOOLONG, "cannot write '%s'",
		    path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		return out_fail(rc, RC_FAIL, -errno, "cannot create '%s'", tmp);
	while (off < len && err == 0) {
		if ((n = write(fd, buf + off, len - off)) < 0) {
			if (errno != EINTR)
				err = errno;
			continue;
		}
		off += (size_t)n;
	}
	if (err == 0 && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = errno;
	if (err != 0) {
		unlink(tmp);
		return out_fail(rc, RC_FAIL, -err, "cannot write '%s'", path);
	}
	return RC_OK;
}

static int
metrics_listen(struct metrics *m, const struct cmd_entry *ce, const char *spec)
{
	struct http_site site = { "/metrics", METRICS_TYPE, metrics_body, m };
	char name[96];
	int fd, err;

	err = http_listen(spec, &fd, name, sizeof(name));
	if (err == -EINVAL)
		return cmd_usage_error(m->rc, ce,
		    "metrics: bad --listen '%s' (PORT, ADDR:PORT or "
		    "[ADDR]:PORT)",
		    spec);
	if (err < 0)
		return out_fail(m->rc, RC_FAIL, err, "cannot listen on '%s'",
		    spec);
	fprintf(stderr, "ringctl: serving metrics on http://%s/metrics\n",
	    name);
	fflush(stderr);
	err = http_serve(fd, &site);
	close(fd);
	free(m->pend);
	conn_close(m->rc);
	if (err < 0)
		return out_fail(m->rc, RC_FAIL, err, "serving metrics failed");
	return RC_OK;
}

static int
cmd_metrics(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	const char *out = a->val[METRICS_OPT_OUTPUT];
	const char *listen = a->val[METRICS_OPT_LISTEN];
	struct metrics m = { .rc = rc };
	char *buf;
	size_t len;
	int status, ret;

	if (out != NULL && listen != NULL)
		return cmd_usage_error(rc, ce,
		    "metrics: --output and --listen exclude each other");
	if (out != NULL && out[0] == '\0')
		return cmd_usage_error(rc, ce, "metrics: empty --output");
	if (listen != NULL) {
		m.serving = true;
		return metrics_listen(&m, ce, listen);
	}
	if (metrics_render(&m, &buf, &len, &status) < 0)
		return out_fail(rc, RC_FAIL, -ENOMEM, "cannot render metrics");
	if (out != NULL)
		ret = metrics_write_file(rc, out, buf, len);
	else
		ret = fwrite(buf, 1, len, stdout) == len ? RC_OK : RC_FAIL;
	free(buf);
	return ret != RC_OK ? ret : status;
}
