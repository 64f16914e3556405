/*
 * cmd-monitor.c - "monitor": ring events as they happen.
 *
 * ringd has no event subscription, so monitor polls the ring list every
 * --interval and reports the differences between two snapshots: a ring
 * that appeared (attach), one that went (detach), a change of state
 * (drop, broken, running), and a change of SQ depth or CQ backlog when
 * the old or the new value is at or above --threshold (depth).  Changes
 * that begin and end between two snapshots are not seen.  It runs until
 * interrupted (SIGINT, SIGTERM: exit 0; in the shell, Ctrl-C), until
 * --count events, or, when watching one ring, until that ring is gone.
 *
 * When ringd goes away, monitor says so once and tries again with a
 * backoff (MONITOR_RETRY_MIN_NS doubling to MONITOR_RETRY_MAX_NS); a new
 * ringd's rings are then compared with none, so every ring it lists shows
 * as an attach.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_monitor;

enum {
	MONITOR_OPT_INTERVAL,
	MONITOR_OPT_THRESHOLD,
	MONITOR_OPT_COUNT,
	MONITOR_NOPTS
};

CMD_OPTS(monitor_opts, MONITOR_NOPTS,
	[MONITOR_OPT_INTERVAL] = { "interval", 'i', "DURATION",
	    "time between snapshots (200ms)" },
	[MONITOR_OPT_THRESHOLD] = { "threshold", 't', "N",
	    "report depth changes at or above N (8)" },
	[MONITOR_OPT_COUNT] = { "count", 'n', "N", "stop after N events" });

CMD_ENTRY(monitor, "[--interval DURATION] [--threshold N] [--count N] [RING]",
    "print ring events (attach, detach, drop, depth) as they happen",
    .max_args = 1, .args = { ARG_RING }, .opts = monitor_opts);

#define MONITOR_RETRY_MIN_NS 100000000ull
#define MONITOR_RETRY_MAX_NS 2000000000ull

static bool monitor_stop; /* --count events were printed */

/* One-shot monitor's SIGINT and SIGTERM; the shell has its own. */
static void
monitor_signal(int sig)
{
	(void)sig;
	shell_interrupted = 1;
}

struct monitor {
	struct ringctl *rc;
	uint64_t threshold;
	uint64_t count; /* 0: no limit */
	uint64_t events;
	bool one; /* watching one ring */
	uint64_t id;
};

static void
monitor_emit(struct monitor *m, const char *event,
    const struct ring_ctl_ring *r, const char *detail)
{
	struct json_object *o, *ro;
	uint64_t now;
	time_t secs;
	struct tm tm;
	char when[32], cp[96], pp[96], sch[SAN_VIS_LEN(RING_CTL_NAME_MAX)];

	now = clock_wall_ns();
	ro = mj_ring(r);
	if (m->rc->json) {
		o = json_object_new_object();
		json_object_object_add(o, "event",
		    json_object_new_string(event));
		json_object_object_add(o, "timestamp_ns", mj_u64(now));
		json_object_object_add(o, "ring_id", mj_u64(r->ring_id));
		json_object_object_add(o, "ring", ro);
		out_json(m->rc, o);
	} else {
		struct json_object *cons, *prod;

		secs = (time_t)(now / 1000000000ull);
		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		json_object_object_get_ex(ro, "consumer", &cons);
		json_object_object_get_ex(ro, "producer", &prod);
		printf("%s.%03ld %-7s ring %" PRIu64 " '%s' %s consumer %s "
		       "producer %s sq_depth %" PRIu64 " cq_backlog %" PRIu64
		       "%s%s\n",
		    when, (long)(now % 1000000000ull / 1000000), event,
		    r->ring_id,
		    out_name(mj_get_str(ro, "scheme", ""), sch, sizeof(sch)),
		    mj_get_str(ro, "state", ""), out_peer(cons, cp, sizeof(cp)),
		    out_peer(prod, pp, sizeof(pp)), r->sq.depth, r->cq.depth,
		    detail[0] != '\0' ? " " : "", detail);
		json_object_put(ro);
	}
	fflush(stdout);
	m->events++;
	if (m->count != 0 && m->events >= m->count)
		monitor_stop = 1;
}

/* Did a depth move in a way worth a line? */
static bool
monitor_depth_moved(const struct monitor *m, uint64_t was, uint64_t is)
{
	return was != is && (was >= m->threshold || is >= m->threshold);
}

static void
monitor_diff(struct monitor *m, const struct ring_ctl_ring *old, size_t nold,
    const struct ring_ctl_ring *cur, size_t ncur)
{
	size_t i = 0, j = 0;
	char detail[96];

	/* both lists come sorted by ring id */
	while (!monitor_stop && (i < nold || j < ncur)) {
		if (j == ncur ||
		    (i < nold && old[i].ring_id < cur[j].ring_id)) {
			if (!m->one || old[i].ring_id == m->id)
				monitor_emit(m, "detach", &old[i], "");
			i++;
			continue;
		}
		if (i == nold || cur[j].ring_id < old[i].ring_id) {
			if (!m->one || cur[j].ring_id == m->id)
				monitor_emit(m, "attach", &cur[j], "");
			j++;
			continue;
		}
		if (m->one && cur[j].ring_id != m->id) {
			i++;
			j++;
			continue;
		}
		if (old[i].state != cur[j].state) {
			snprintf(detail, sizeof(detail), "was %s",
			    mj_state_name(old[i].state));
			monitor_emit(m,
			    cur[j].state == RING_CTL_DROPPED	  ? "drop"
				: cur[j].state == RING_CTL_BROKEN ? "broken"
								  : "state",
			    &cur[j], detail);
		}
		if (!monitor_stop &&
		    (monitor_depth_moved(m, old[i].sq.depth, cur[j].sq.depth) ||
			monitor_depth_moved(m, old[i].cq.depth,
			    cur[j].cq.depth))) {
			snprintf(detail, sizeof(detail),
			    "(was %" PRIu64 "/%" PRIu64 ")", old[i].sq.depth,
			    old[i].cq.depth);
			monitor_emit(m, "depth", &cur[j], detail);
		}
		i++;
		j++;
	}
}

static bool
monitor_has(const struct ring_ctl_ring *v, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ring_id == id)
			return true;
	return false;
}

static int
cmd_monitor(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_ctl_ring *old = NULL, *cur = NULL;
	size_t nold = 0, ncur = 0;
	struct sigaction sa, oint, oterm;
	struct monitor m;
	uint64_t interval = 200000000ull, retry = MONITOR_RETRY_MIN_NS;
	const char *v;
	int err, ret;

	memset(&m, 0, sizeof(m));
	m.rc = rc;
	m.threshold = 8;
	if ((v = a->val[MONITOR_OPT_INTERVAL]) != NULL &&
	    (units_parse_duration(v, &interval) < 0 || interval < 1000000 ||
		interval > 3600000000000ull))
		return cmd_usage_error(rc, ce,
		    "monitor: bad --interval '%s' (1ms..1h, e.g. 0.5, 100ms)",
		    v);
	if ((v = a->val[MONITOR_OPT_THRESHOLD]) != NULL &&
	    units_parse_u64(v, &m.threshold) < 0)
		return cmd_usage_error(rc, ce, "monitor: bad --threshold '%s'",
		    v);
	if ((v = a->val[MONITOR_OPT_COUNT]) != NULL &&
	    (units_parse_u64(v, &m.count) < 0 || m.count == 0))
		return cmd_usage_error(rc, ce, "monitor: bad --count '%s'", v);
	if (a->argc == 1) {
		if ((ret = conn_parse_id(rc, ce, "ring", a->argv[0], &m.id)) !=
		    RC_OK)
			return ret;
		m.one = true;
	}
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_list_rings(rc->ctl, &old, &nold)) < 0)
		return conn_fail(rc, err, "cannot list rings");
	if (m.one && !monitor_has(old, nold, m.id)) {
		free(old);
		return out_fail_plain(rc, RC_FAIL, -ENOENT, "no ring %" PRIu64,
		    m.id);
	}

	monitor_stop = 0;
	if (!rc->interactive) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = monitor_signal; /* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &oint);
		sigaction(SIGTERM, &sa, &oterm);
	}
	ret = RC_OK;
	while (
	    !monitor_stop && shell_sleep(rc->ctl == NULL ? retry : interval)) {
		if (rc->ctl == NULL) {
			if ((err = conn_back(rc)) == -EPROTO) {
				/* another ringd: say which, and end */
				ret = conn_need(rc);
				break;
			}
			if (err < 0) {
				retry = 2 * retry > MONITOR_RETRY_MAX_NS
				    ? MONITOR_RETRY_MAX_NS
				    : 2 * retry;
				continue;
			}
			fprintf(stderr, "ringctl: ringd is back\n");
			free(old);
			old = NULL;
			nold = 0;
		}
		if ((err = ring_ctl_list_rings(rc->ctl, &cur, &ncur)) < 0) {
			if (!conn_gone(rc, err)) {
				ret = conn_fail(rc, err, "cannot list rings");
				break;
			}
			fprintf(stderr,
			    "ringctl: ringd went away; waiting for it\n");
			retry = MONITOR_RETRY_MIN_NS;
			continue;
		}
		monitor_diff(&m, old, nold, cur, ncur);
		free(old);
		old = cur;
		nold = ncur;
		cur = NULL;
		if (m.one && !monitor_has(old, nold, m.id))
			break;
		if (ferror(stdout))
			break;
	}
	if (!rc->interactive) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGTERM, &oterm, NULL);
		shell_interrupted = 0;
	}
	free(old);
	return ret;
}
