/*
 * cmd-metrics.c - "metrics": the live model in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector and other scrapers.  One family per figure, each with HELP
 * and TYPE lines, label values escaped as the format requires.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "tools/model-json.h"
#include "tools/tools.h"

/*
 * A label value: the name made printable ASCII (san_vis(); a control
 * byte becomes "\ooo", a newline too), then \ and " escaped.
 */
static const char *
metrics_escape(const char *name, size_t size, char *buf, size_t len)
{
	char s[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	size_t i, o = 0;

	san_vis(s, sizeof(s), name, size);
	for (i = 0; s[i] != '\0' && o + 3 < len; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf[o++] = '\\';
		buf[o++] = s[i];
	}
	buf[o] = '\0';
	return buf;
}

static void
metrics_family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Per-ring families: name, type, help, and which figure. */
enum metrics_fig {
	MF_SQ_DEPTH,
	MF_CQ_BACKLOG,
	MF_SUBMITTED,
	MF_COMPLETED,
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
	{ "ringd_ring_completed_total", "counter", "Completions ever pushed.",
	    MF_COMPLETED },
	{ "ringd_ring_sq_entries", "gauge", "Submission queue size in entries.",
	    MF_SQ_ENTRIES },
	{ "ringd_ring_cq_entries", "gauge", "Completion queue size in entries.",
	    MF_CQ_ENTRIES },
	{ "ringd_ring_pool_bytes", "gauge", "Buffer pool size in bytes.",
	    MF_POOL },
	{ "ringd_ring_age_seconds", "gauge", "Time since the ring was opened.",
	    MF_AGE },
};

static void
metrics_ring_value(const struct ring_ctl_ring *r, enum metrics_fig f)
{
	switch (f) {
	case MF_SQ_DEPTH:
		printf("%" PRIu64 "\n", r->sq.depth);
		break;
	case MF_CQ_BACKLOG:
		printf("%" PRIu64 "\n", r->cq.depth);
		break;
	case MF_SUBMITTED:
		printf("%" PRIu64 "\n", r->sq.push_epoch);
		break;
	case MF_COMPLETED:
		printf("%" PRIu64 "\n", r->cq.push_epoch);
		break;
	case MF_SQ_ENTRIES:
		printf("%" PRIu32 "\n", r->sq_entries);
		break;
	case MF_CQ_ENTRIES:
		printf("%" PRIu32 "\n", r->cq_entries);
		break;
	case MF_POOL:
		printf("%" PRIu64 "\n", r->pool_bytes);
		break;
	case MF_AGE:
		printf("%.3f\n", (double)r->age_ns / 1e9);
		break;
	}
}

int
cmd_metrics(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_ctl_status st;
	struct ring_ctl_ring *rings = NULL;
	struct ring_ctl_scheme *schemes = NULL;
	size_t nrings = 0, nschemes = 0, i, f;
	uint32_t k;
	char esc[2][2 * SAN_VIS_LEN(RING_CTL_NAME_MAX) + 8];
	int err, ret;

	(void)ce;
	(void)a;
	if ((ret = conn_need(rc)) != RC_OK) {
		/* a scraper still learns that ringd is down */
		metrics_family("ringd_up", "gauge",
		    "Whether ringd answered ringctl.");
		printf("ringd_up 0\n");
		return ret;
	}
	if ((err = ring_ctl_status(rc->ctl, &st)) < 0)
		return conn_fail(rc, err, "cannot get ringd's status");
	if ((err = ring_ctl_list_rings(rc->ctl, &rings, &nrings)) < 0 ||
	    (err = ring_ctl_list_schemes(rc->ctl, &schemes, &nschemes)) < 0) {
		ret = conn_fail(rc, err, "cannot list ringd's model");
		goto out;
	}
	metrics_family("ringd_up", "gauge", "Whether ringd answered ringctl.");
	printf("ringd_up 1\n");
	metrics_family("ringd_info", "gauge",
	    "ringd's version and protocol version.");
	printf("ringd_info{version=\"%s\",protocol=\"%" PRIu32 "\"} 1\n",
	    metrics_escape(st.server, sizeof(st.server), esc[0],
		sizeof(esc[0])),
	    st.version);
	metrics_family("ringd_uptime_seconds", "gauge",
	    "Time since ringd started.");
	printf("ringd_uptime_seconds %.3f\n", (double)st.uptime_ns / 1e9);
	metrics_family("ringd_schemes", "gauge",
	    "Registered schemes, built-ins included.");
	printf("ringd_schemes %" PRIu32 "\n", st.schemes);
	metrics_family("ringd_rings", "gauge", "Rings ringd holds.");
	printf("ringd_rings %" PRIu32 "\n", st.rings);
	metrics_family("ringd_clients", "gauge", "Connections to ringd.");
	printf("ringd_clients %" PRIu32 "\n", st.clients);

	metrics_family("ringd_scheme_rings_opened_total", "counter",
	    "Rings opened to a scheme since it registered.");
	for (i = 0; i < nschemes; i++)
		printf("ringd_scheme_rings_opened_total{scheme=\"%s\","
		       "builtin=\"%u\"} %" PRIu64 "\n",
		    metrics_escape(schemes[i].name, sizeof(schemes[i].name),
			esc[0], sizeof(esc[0])),
		    schemes[i].builtin ? 1u : 0u, schemes[i].rings_opened);
	metrics_family("ringd_scheme_rings", "gauge",
	    "Rings attached to a scheme now: open, not dropped.");
	for (i = 0; i < nschemes; i++)
		printf("ringd_scheme_rings{scheme=\"%s\",builtin=\"%u\"} "
		       "%" PRIu32 "\n",
		    metrics_escape(schemes[i].name, sizeof(schemes[i].name),
			esc[0], sizeof(esc[0])),
		    schemes[i].builtin ? 1u : 0u, schemes[i].rings);

	for (f = 0; f <
	     sizeof(metrics_ring_families) / sizeof(metrics_ring_families[0]);
	     f++) {
		metrics_family(metrics_ring_families[f].name,
		    metrics_ring_families[f].type,
		    metrics_ring_families[f].help);
		for (i = 0; i < nrings; i++) {
			printf("%s{ring=\"%" PRIu64 "\",scheme=\"%s\"} ",
			    metrics_ring_families[f].name, rings[i].ring_id,
			    metrics_escape(rings[i].scheme,
				sizeof(rings[i].scheme), esc[0],
				sizeof(esc[0])));
			metrics_ring_value(&rings[i],
			    metrics_ring_families[f].fig);
		}
	}
	metrics_family("ringd_ring_state", "gauge",
	    "1 for the state a ring is in, 0 for the others.");
	for (i = 0; i < nrings; i++)
		for (k = RING_CTL_PENDING; k <= RING_CTL_ADOPTING; k++)
			printf("ringd_ring_state{ring=\"%" PRIu64 "\","
			       "scheme=\"%s\",state=\"%s\"} %d\n",
			    rings[i].ring_id,
			    metrics_escape(rings[i].scheme,
				sizeof(rings[i].scheme), esc[1],
				sizeof(esc[1])),
			    mj_state_name(k), rings[i].state == k);
	ret = RC_OK;
out:
	free(rings);
	free(schemes);
	return ret;
}
