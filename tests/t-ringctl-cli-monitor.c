/*
 * t-ringctl-cli-monitor.c - ringctl monitor (JSON events and text) and
 * metrics (Prometheus text, parsed by a real parser when one is installed)
 * against a private ringd.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/scheme.h"

static struct td d;
static struct tr_run r;

/* --- monitor ------------------------------------------------------------- */

/* Lines of the monitor's output so far that mention ring id as event. */
static bool
monitor_saw(const char *event, uint64_t id)
{
	char path[256], want[96];

	snprintf(path, sizeof(path), "%s/mon.out", d.dir);
	tr_slurp(path, r.out, sizeof(r.out));
	snprintf(want, sizeof(want), "{\"event\":\"%s\",", event);
	for (char *line = r.out; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n'), idbuf[48];

		if (nl != NULL)
			*nl = '\0';
		snprintf(idbuf, sizeof(idbuf), "\"ring_id\":%" PRIu64 ",", id);
		if (strncmp(line, want, strlen(want)) == 0 &&
		    strstr(line, idbuf) != NULL)
			return true;
		line = nl != NULL ? nl + 1 : NULL;
	}
	return false;
}

static bool
monitor_wait(const char *event, uint64_t id, unsigned ms)
{
	unsigned waited;

	for (waited = 0; waited < ms; waited += 20) {
		if (monitor_saw(event, id))
			return true;
		tu_sleep_ms(20);
	}
	return false;
}

static const struct tr_usage monitor_usage[] = {
	{ { "monitor", "--interval", "0ms" }, "bad --interval" },
	{ { "monitor", "--threshold", "x" }, "bad --threshold" },
	{ { "monitor", "1", "2" }, "unexpected argument '2'" },
};

/*
 * A ring opened before monitor's first snapshot is not an event, so open
 * rings to null on c (closing the one before) until saw() finds an attach
 * event for one within 1 s; 20 tries.  Returns that ring, its id in *id.
 */
static struct ring *
open_until_attach(struct ring_ctl *c, uint64_t *id,
    bool (*saw)(const char *event, uint64_t id, unsigned ms),
    const char *why)
{
	struct ring *ring = NULL;
	unsigned tries;

	for (tries = 0; tries < 20; tries++) {
		if (ring != NULL)
			td_close_ring(c, ring, *id);
		ring = td_open(c, "null", 8, 0, 0, id);
		if (saw("attach", *id, 1000))
			return ring;
	}
	TAP_FAIL("%s: %s", why, r.out);
}

TAP_TEST(test_monitor, "ringctl-monitor", 90)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id = 0;
	char ids[32], *line, *nl;
	struct ring_sqe sqe;
	int ready[2], done[2];
	unsigned tries;
	pid_t pid, helper;
	bool seen;

	td_begin(&d, NULL);
	c = td_connect(&d);
	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "-j", "monitor", "--interval",
		"10ms", "--threshold", "1", NULL });
	ring = open_until_attach(c, &id, monitor_wait,
	    "monitor reported no attach");
	ring_close(ring);
	TAP_OK(ring_ctl_close_ring(c, id));
	if (!monitor_wait("detach", id, 5000))
		TAP_FAIL("monitor reported no detach of ring %" PRIu64 ": %s",
		    id, r.out);
	TAP_SYS(kill(pid, SIGINT));
	tr_collect(d.dir, "mon", pid, 5000, &r);
	EXPECT_STATUS(0);
	/* every line is one event object */
	for (line = r.out; *line != '\0'; line = nl + 1) {
		struct json_object *o;

		TAP_ASSERT((nl = strchr(line, '\n')) != NULL);
		*nl = '\0';
		o = tr_parse(line);
		tr_keys(o, "event", "event:string", "timestamp_ns:int",
		    "ring_id:int", "ring:object");
		tr_keys(tr_get(o, "ring"), "ring", TR_RING_KEYS);
		json_object_put(o);
	}

	/*
	 * One ring of a scheme that never serves: each SQE deepens its
	 * queue until monitor reports it; monitor ends by itself when the
	 * ring goes.
	 */
	helper = ts_idle_scheme(&d, "idle", ready, done);
	ring = td_open(c, "idle", 64, 0, 0, &id);
	tu_await(ready[0], 5000);
	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "-j", "monitor", "-i", "10ms",
		"-t", "1", ids, NULL });
	memset(&sqe, 0, sizeof(sqe));
	for (tries = 0, seen = false; tries < 60 && !seen; tries++) {
		TAP_OK(ring_sq_push(ring, &sqe));
		seen = monitor_wait("depth", id, 500);
	}
	if (!seen)
		TAP_FAIL("monitor reported no depth change: %s", r.out);
	/* the consumer leaves: dropped while the scheme still holds it */
	ring_close(ring);
	TAP_OK(ring_ctl_close_ring(c, id));
	if (!monitor_wait("drop", id, 5000))
		TAP_FAIL("monitor reported no drop: %s", r.out);
	tu_notify(done[1]);
	tap_reap(helper);
	tr_collect(d.dir, "mon", pid, 10000, &r);
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "{\"event\":\"detach\",") != NULL);
	/* bad input */
	CTL("monitor", "4242");
	EXPECT_FAIL(1, "no ring 4242");
	USAGE_CASES(monitor_usage);
	td_end(&d, c);
}

/* --- metrics ------------------------------------------------------------- */

static bool
have_prometheus_parser(void)
{
	return system("/usr/bin/python3 -c 'import prometheus_client.parser' "
		      ">/dev/null 2>&1") == 0;
}

TAP_TEST(test_metrics, "ringctl-metrics", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char path[256], cmd[768], want[128], *line, *nl;
	FILE *f;

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "echo", 16, 0, 0, &id);
	CTL_OK("metrics");
	TAP_ASSERT(strstr(r.out, "\nringd_up 1\n") != NULL);
	TAP_ASSERT(strstr(r.out, "\nringd_rings 1\n") != NULL);
	snprintf(want, sizeof(want),
	    "ringd_ring_sq_entries{ring=\"%" PRIu64
	    "\",scheme=\"echo\",kind=\"v1\"} 16\n",
	    id);
	TAP_ASSERT(strstr(r.out, want) != NULL);
	snprintf(want, sizeof(want),
	    "ringd_ring_state{ring=\"%" PRIu64
	    "\",scheme=\"echo\",kind=\"v1\",state=\"running\"} 1\n",
	    id);
	TAP_ASSERT(strstr(r.out, want) != NULL);
	/* the exposition grammar, line by line */
	for (line = r.out; *line != '\0'; line = nl + 1) {
		TAP_ASSERT((nl = strchr(line, '\n')) != NULL);
		*nl = '\0';
		if (line[0] == '#') {
			TAP_ASSERT(strncmp(line, "# HELP ringd_", 13) == 0 ||
			    strncmp(line, "# TYPE ringd_", 13) == 0);
			continue;
		}
		TAP_ASSERT(strncmp(line, "ringd_", 6) == 0);
		TAP_ASSERT(strchr(line, ' ') != NULL);
		*nl = '\n';
	}
	if (have_prometheus_parser()) {
		CTL("metrics");
		snprintf(path, sizeof(path), "%s/metrics.txt", d.dir);
		TAP_ASSERT((f = fopen(path, "w")) != NULL);
		fputs(r.out, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd),
		    "/usr/bin/python3 -c '"
		    "import sys\n"
		    "from prometheus_client.parser import "
		    "text_string_to_metric_families as p\n"
		    "fams = {f.name: f for f in p(open(sys.argv[1]).read())}\n"
		    "assert fams[\"ringd_up\"].samples[0].value == 1\n"
		    "assert fams[\"ringd_rings\"].samples[0].value == 1\n"
		    "assert fams[\"ringd_ring_submitted\"].type == "
		    "\"counter\"\n"
		    "assert len(fams[\"ringd_ring_state\"].samples) == 5\n"
		    "' %s",
		    path);
		if (system(cmd) != 0)
			TAP_FAIL("the Prometheus parser refused: %s", r.out);
	} else {
		tap_diag("python3 prometheus_client not installed: "
			 "grammar checked line by line only");
	}
	CTL("-j", "metrics");
	EXPECT_FAIL(2, "metrics: has no JSON form");
	CTL("metrics", "x");
	EXPECT_USAGE("unexpected argument");
	RINGD_DOWN(c, ring, id);
	/* ringd gone: ringd_up 0 and status 3 */
	CTL("metrics");
	EXPECT_STATUS(3);
	TAP_ASSERT(strstr(r.out, "ringd_up 0\n") != NULL);
	td_cleanup(&d);
}

/* --- monitor as text --------------------------------------------------------- */

/* The text monitor's output so far has event for ring id. */
static bool
monitor_text_saw(const char *event, uint64_t id, unsigned ms)
{
	char path[256], want[96];
	unsigned waited;

	snprintf(path, sizeof(path), "%s/mon.out", d.dir);
	snprintf(want, sizeof(want), " %-7s ring %" PRIu64 " 'null' ", event,
	    id);
	for (waited = 0; waited < ms; waited += 20) {
		tr_slurp(path, r.out, sizeof(r.out));
		if (strstr(r.out, want) != NULL)
			return true;
		tu_sleep_ms(20);
	}
	return false;
}

TAP_TEST(test_monitor_text, "ringctl-monitor-text", 90)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id = 0;
	char *line, *nl, want[64];
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "monitor", "-i", "10ms",
		NULL });
	ring = open_until_attach(c, &id, monitor_text_saw,
	    "monitor printed no attach");
	td_close_ring(c, ring, id);
	if (!monitor_text_saw("detach", id, 5000))
		TAP_FAIL("monitor printed no detach: %s", r.out);
	TAP_SYS(kill(pid, SIGINT));
	tr_collect(d.dir, "mon", pid, 5000, &r);
	EXPECT_STATUS(0);
	TAP_ASSERT(r.err[0] == '\0');
	/* HH:MM:SS.mmm EVENT ring ID 'SCHEME' STATE consumer P producer P
	 * sq_depth N cq_backlog N */
	snprintf(want, sizeof(want), " consumer %d/", (int)getpid());
	for (line = r.out; *line != '\0'; line = nl + 1) {
		TAP_ASSERT((nl = strchr(line, '\n')) != NULL);
		*nl = '\0';
		if (strlen(line) < 13 || line[2] != ':' || line[5] != ':' ||
		    line[8] != '.' || line[12] != ' ' ||
		    strstr(line, " ring ") == NULL ||
		    strstr(line, " producer ") == NULL ||
		    strstr(line, " sq_depth ") == NULL ||
		    strstr(line, " cq_backlog ") == NULL)
			TAP_FAIL("not a monitor line: '%s'", line);
		if (strstr(line, " attach  ") != NULL &&
		    strstr(line, " running ") != NULL)
			TAP_ASSERT(strstr(line, want) != NULL);
	}
	td_end(&d, c);
}

TAP_MAIN(td_setup)
