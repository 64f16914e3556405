/*
 * t-ringtop-batch-demo.c - ringtop -b watching the demo's processes
 * (blkdev-scheme serving blkdev-driver's load), run on while the test
 * stops, kills or starts them: the stall charged to the scheme, the CQ
 * backlog to the driver, an ended ring and its event, ringd going away,
 * unknown figures in a ring's first frame, and .ringd as `ringctl -j
 * status` prints it.
 */
#include "../common/common.h" /* clock_wall_ns() */
#include "t-ringtop-batch.h"

#define TB_DISK "tbdisk"

static struct tp_proc tb_scheme, tb_driver;

/* Wait up to 5 s until ringd lists a running ring to TB_DISK (want). */
static void
tb_await_ring(bool want)
{
	struct ring_ctl *c = td_connect(&d);
	uint64_t t0 = clock_ns();

	for (;;) {
		struct ring_ctl_ring *v;
		struct ring_ctl_scheme *sv;
		size_t n, ns, i;
		bool found = false;

		TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
		TAP_RC(ring_ctl_list_schemes(c, &sv, &ns), 0);
		for (i = 0; want && i < n; i++)
			found |= strcmp(v[i].scheme, TB_DISK) == 0 &&
			    v[i].state == RING_CTL_RUNNING;
		for (i = 0; !want && i < ns; i++)
			found |= strcmp(sv[i].name, TB_DISK) == 0;
		free(v);
		free(sv);
		if (found)
			break;
		if (clock_ns() - t0 > 5000000000ull) {
			tp_dump(&tb_scheme);
			TAP_FAIL("no %s to '%s' within 5 s",
			    want ? "running ring" : "scheme", TB_DISK);
		}
		tu_sleep_ms(20);
	}
	ring_ctl_close(c);
}

static void
tb_demo_scheme(void)
{
	td_begin(&d, NULL);
	tp_start_build(&tb_scheme, &d, "scheme", "examples/blkdev-scheme", "-n",
	    TB_DISK, "-s", "16M", NULL);
	tb_await_ring(false);
}

static void
tb_demo_driver(void)
{
	tp_start_build(&tb_driver, &d, "driver", "examples/blkdev-driver", "-n",
	    TB_DISK, "-m", "load", "-b", "4K", "-q", "16", "-l", "4M", NULL);
	tb_await_ring(true);
}

/* Kill p (SIGKILL, by pid) unless it was reaped, and reap it. */
static void
tb_kill(struct tp_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGCONT);
		kill(p->pid, SIGKILL);
		tp_reap(p, 5000);
	}
}

static void
tb_demo_end(void)
{
	tb_kill(&tb_driver);
	tb_kill(&tb_scheme);
	if (d.pid > 0)
		td_stop(&d);
	td_cleanup(&d);
}

/* The frame's ring to TB_DISK, or NULL. */
static struct json_object *
tb_disk(struct json_object *frame, const char *list)
{
	struct json_object *rings = tb_get(frame, list);
	size_t i;

	for (i = 0; i < json_object_array_length(rings); i++) {
		struct json_object *r = json_object_array_get_idx(rings, i);

		if (strcmp(tb_str(r, "scheme"), TB_DISK) == 0)
			return r;
	}
	return NULL;
}

/* An event of kind in the frame whose text has want, or NULL. */
static struct json_object *
tb_event(struct json_object *frame, const char *kind, const char *want)
{
	struct json_object *ev = tb_get(frame, "events");
	size_t i;

	for (i = 0; i < json_object_array_length(ev); i++) {
		struct json_object *e = json_object_array_get_idx(ev, i);

		if (strcmp(tb_str(e, "kind"), kind) == 0 &&
		    strstr(tb_str(e, "text"), want) != NULL)
			return e;
	}
	return NULL;
}

/*
 * Read JSON frames (at most 60) until seen(frame, arg) says this is the
 * one (it checks that frame too); fail saying why otherwise.
 */
static void
tb_await_frame(struct tb_live *l,
    bool (*seen)(struct json_object *f, const void *arg), const void *arg,
    const char *why)
{
	int i;

	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(l, 5000);
		bool done = seen(f, arg);

		json_object_put(f);
		if (done)
			return;
	}
	TAP_FAIL("%s", why);
}

static bool
tb_seen_running(struct json_object *f, const void *arg)
{
	struct json_object *r = tb_disk(f, "rings");

	(void)arg;
	return r != NULL && strcmp(tb_activity(r), "running") == 0;
}

/* Read JSON frames (at most 60) until the TB_DISK ring moves. */
static void
tb_await_running(struct tb_live *l)
{
	tb_await_frame(l, tb_seen_running, NULL,
	    "the ring to '" TB_DISK "' never shows as running");
}

/*
 * The demo's scheme and driver, watched by a ringtop -b -j (tb_lj) and a
 * ringtop -b (tb_lt) every 0.2 s, until both have seen the ring moving.
 */
static void
tb_demo_watch(void)
{
	static const char *const row[] = { " " TB_DISK " ", " running", NULL };

	tb_demo_scheme();
	tb_demo_driver();
	tb_live_start(&tb_lj, true, "0.2");
	tb_live_start(&tb_lt, false, "0.2");
	tb_await_running(&tb_lj);
	tb_await_text(&tb_lt, 60, row);
}

static void
tb_demo_unwatch(void)
{
	tb_live_stop(&tb_lj);
	tb_live_stop(&tb_lt);
	tb_demo_end();
}

/* --- sub-tests ------------------------------------------------------------ */

static bool
seen_stall_ended(struct json_object *f, const void *arg)
{
	(void)arg;
	return tb_event(f, "stall_ended", "stalled ended") != NULL;
}

/*
 * SIGSTOP the scheme: within 3 s of the stop (snapshot time) the ring is
 * `stalled` with an SQ-stall alarm naming the scheme's pid/comm; frames
 * in which no index moved never say `running`, whatever the wait words
 * do (the driver wakes on timeouts); SIGCONT: the stall ends.
 */
TAP_TEST(test_demo_stall, "ringtop-batch-demo-stall", 90)
{
	char who[64], pidtxt[32];
	const char *want[4];
	int64_t prev[4] = { -1, -1, -1, -1 }, cur[4];
	uint64_t stop_ns;
	unsigned still = 0, waitdiff = 0;
	struct json_object *last = NULL;
	bool began = false, alarmed = false;
	int i;

	tb_demo_watch();
	TAP_SYS(kill(tb_scheme.pid, SIGSTOP));
	stop_ns = clock_wall_ns();
	for (i = 0; i < 60 && !alarmed; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		struct json_object *r = tb_disk(f, "rings"), *a;

		TAP_ASSERT(r != NULL);
		tb_epochs(r, cur);
		if (memcmp(cur, prev, sizeof(cur)) == 0) {
			still++;
			if (strcmp(tb_activity(r), "running") == 0)
				TAP_FAIL("no index moved, yet 'running': %s",
				    json_object_to_json_string(r));
			if (last != NULL && tb_disk(last, "rings") != NULL &&
			    tb_waits_differ(tb_disk(last, "rings"), r))
				waitdiff++;
		}
		memcpy(prev, cur, sizeof(prev));
		snprintf(pidtxt, sizeof(pidtxt), "%d/blkdev-scheme",
		    (int)tb_scheme.pid);
		began |= tb_event(f, "stall_began", pidtxt) != NULL;
		a = tb_get(r, "alarm");
		if (json_object_is_type(a, json_type_object)) {
			tb_alarm(r, "sq_stall", "producer", tb_scheme.pid);
			TAP_ASSERT(strcmp(tb_str(tb_get(a, "culprit"), "comm"),
				       "blkdev-scheme") == 0);
			TAP_ASSERT(strcmp(tb_activity(r), "stalled") == 0);
			TAP_ASSERT(
			    json_object_get_boolean(tb_get(r, "stalled")));
			if ((uint64_t)tb_int(f, "timestamp_ns") - stop_ns >
			    3000000000ull)
				TAP_FAIL("alarm %.2f s after the stop",
				    (double)((uint64_t)tb_int(f,
						 "timestamp_ns") -
					stop_ns) /
					1e9);
			alarmed = true;
		}
		json_object_put(last);
		last = f;
	}
	if (!alarmed) {
		tb_dump("ring",
		    json_object_to_json_string(tb_disk(last, "rings")));
		TAP_FAIL("no stall alarm in 60 frames after the SIGSTOP");
	}
	json_object_put(last);
	TAP_ASSERT(began);
	tap_diag("%u still frames, %u with only wait words changed", still,
	    waitdiff);
	/* the same in text: STATE stalled, the alarm line blames the scheme */
	snprintf(who, sizeof(who), ", producer %d/blkdev-scheme takes no SQEs",
	    (int)tb_scheme.pid);
	want[0] = who;
	want[1] = " stalled\n";
	want[2] = "): stalled ";
	want[3] = NULL;
	tb_await_text(&tb_lt, 60, want);
	TAP_SYS(kill(tb_scheme.pid, SIGCONT));
	tb_await_frame(&tb_lj, seen_stall_ended, NULL,
	    "no stall_ended event after the SIGCONT");
	tb_await_running(&tb_lj);
	tb_demo_unwatch();
}

static bool
seen_backlog(struct json_object *f, const void *arg)
{
	struct json_object *r = tb_disk(f, "rings");
	const char *kind;

	(void)arg;
	TAP_ASSERT(r != NULL);
	/*
	 * Wait for the consumer's alarm itself: on a loaded machine a slow
	 * scheme may first show a passing alarm of another kind.  CQEs
	 * waiting unreaped alarm as "cq_backlog", or as "cq_full" when the
	 * driver had enough requests in flight to fill the CQ before it
	 * stopped; both blame the consumer.
	 */
	if (!json_object_is_type(tb_get(r, "alarm"), json_type_object))
		return false;
	kind = tb_str(tb_get(r, "alarm"), "kind");
	if (strcmp(kind, "cq_backlog") != 0 && strcmp(kind, "cq_full") != 0)
		return false;
	tb_alarm(r, kind, "consumer", tb_driver.pid);
	TAP_ASSERT(tb_int(r, "cq_backlog") > 0);
	TAP_ASSERT(strcmp(tb_str(tb_get(tb_get(r, "alarm"), "culprit"),
			      "comm"),
		       "blkdev-driver") == 0);
	return true;
}

/* SIGSTOP the driver: its CQEs wait unreaped, the alarm names it. */
TAP_TEST(test_demo_backlog, "ringtop-batch-demo-backlog", 90)
{
	char who[64];
	const char *want[3];

	tb_demo_watch();
	TAP_SYS(kill(tb_driver.pid, SIGSTOP));
	tb_await_frame(&tb_lj, seen_backlog, NULL,
	    "no CQ backlog alarm after stopping the driver");
	snprintf(who, sizeof(who), ", consumer %d/blkdev-driver reaps no CQEs",
	    (int)tb_driver.pid);
	want[0] = who;
	want[1] = "): CQ "; /* backlog or full, as above */
	want[2] = NULL;
	tb_await_text(&tb_lt, 60, want);
	tb_demo_unwatch();
}

/* The TB_DISK ring ended, with a ring_ended event saying line. */
static bool
seen_ended(struct json_object *f, const void *line)
{
	struct json_object *r = tb_disk(f, "ended_rings"), *e;

	if (r == NULL)
		return false;
	TAP_ASSERT(tb_disk(f, "rings") == NULL);
	e = tb_get(r, "ended");
	TAP_ASSERT(strcmp(tb_str(e, "reason"), "consumer gone") == 0);
	TAP_ASSERT(strcmp(tb_activity(r), "ended") == 0);
	e = tb_event(f, "ring_ended", line);
	if (e == NULL) {
		tb_dump("frame",
		    json_object_to_json_string(tb_get(f, "events")));
		TAP_FAIL("no ring_ended event '%s'", (const char *)line);
	}
	TAP_EQ(tb_int(e, "ring_id"), tb_int(r, "id"));
	return true;
}

/* Kill the driver: its ring is listed as ended, the log says how. */
TAP_TEST(test_demo_ended, "ringtop-batch-demo-ended", 90)
{
	char line[96], row[64];
	const char *want[3];
	pid_t pid;

	tb_demo_watch();
	pid = tb_driver.pid;
	tb_kill(&tb_driver);
	snprintf(line, sizeof(line), "%d/blkdev-driver) ended: consumer gone",
	    (int)pid);
	tb_await_frame(&tb_lj, seen_ended, line,
	    "the killed driver's ring is not shown as ended");
	/* the text frames: the row says so, and the event line */
	snprintf(row, sizeof(row), " ended: consumer gone\n");
	want[0] = row;
	want[1] = line;
	want[2] = NULL;
	tb_await_text(&tb_lt, 60, want);
	tb_demo_unwatch();
}

/*
 * Stop the driver and kill the scheme: ringd marks the ring dropped, and
 * ringtop says so in ringctl's word ("dropped", not "DROP"): the JSON
 * state and activity, the text STATE column and the alarm line, as
 * `ringctl -j rings` does.
 */
TAP_TEST(test_demo_dropped, "ringtop-batch-demo-dropped", 90)
{
	static const char *const want[] = { " dropped\n",
		": dead peer, a side left (dropped), ", NULL };
	struct json_object *ref, *r;
	const char *state = "(not listed)";
	size_t i;
	int k;

	tb_demo_watch();
	TAP_SYS(kill(tb_driver.pid, SIGSTOP));
	tb_kill(&tb_scheme);
	for (k = 0; k < 60; k++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		bool done = false;

		r = tb_disk(f, "rings");
		if (r != NULL && strcmp(tb_str(r, "state"), "dropped") == 0) {
			TAP_ASSERT(strcmp(tb_activity(r), "dropped") == 0);
			TAP_ASSERT(strcmp(tb_str(tb_get(r, "alarm"), "kind"),
				       "dropped") == 0);
			done = true;
		}
		json_object_put(f);
		if (done)
			break;
	}
	if (k == 60)
		TAP_FAIL("the ring whose scheme was killed is not dropped");
	tb_await_text(&tb_lt, 60, want);
	ref = tb_ringctl_json("rings", json_type_array);
	for (i = 0; i < json_object_array_length(ref); i++) {
		r = json_object_array_get_idx(ref, i);
		if (strcmp(tb_str(r, "scheme"), TB_DISK) == 0)
			state = tb_str(r, "state");
	}
	if (strcmp(state, "dropped") != 0)
		TAP_FAIL("ringctl -j rings says '%s', ringtop 'dropped'",
		    state);
	json_object_put(ref);
	tb_demo_unwatch();
}

/* A stale frame: the last snapshot of ringd *pid and the ring. */
static bool
seen_stale(struct json_object *f, const void *pid)
{
	if (!json_object_get_boolean(tb_get(f, "stale")))
		return false;
	TAP_ASSERT(json_object_is_type(tb_get(f, "ringd_gone_since_ns"),
	    json_type_int));
	TAP_ASSERT(json_object_is_type(tb_get(f, "error"), json_type_string));
	TAP_EQ(tb_int(tb_get(f, "ringd"), "pid"), *(const pid_t *)pid);
	TAP_ASSERT(tb_disk(f, "rings") != NULL);
	TAP_ASSERT(tb_event(f, "ringd_gone", "ringd went away") != NULL);
	return true;
}

/* A fresh frame from the restarted ringd, with a ringd_back event. */
static bool
seen_back(struct json_object *f, const void *arg)
{
	char back[48];

	(void)arg;
	if (json_object_get_boolean(tb_get(f, "stale")))
		return false;
	snprintf(back, sizeof(back), "ringd restarted (pid %d)", (int)d.pid);
	TAP_ASSERT(json_object_get_type(tb_get(f, "ringd_gone_since_ns")) ==
	    json_type_null);
	TAP_EQ(tb_int(tb_get(f, "ringd"), "pid"), d.pid);
	TAP_ASSERT(tb_event(f, "ringd_back", back) != NULL);
	return true;
}

/*
 * Stop ringd: the frames keep the last data, marked stale; start it
 * again: fresh frames, a ringd_back event, the ring adopted again.
 */
TAP_TEST(test_demo_ringd_gone, "ringtop-batch-demo-ringd-gone", 90)
{
	const char *want[] = { "  STALE: ringd gone since ", " " TB_DISK " ",
		"event ", " ringd went away: ", NULL };
	pid_t ringd = 0;

	tb_demo_watch();
	ringd = d.pid;
	td_stop(&d);
	tb_await_frame(&tb_lj, seen_stale, &ringd,
	    "no stale frame after stopping ringd");
	tb_await_text(&tb_lt, 60, want);
	/* ringd back: fresh frames, the event, the ring adopted and moving */
	td_start(&d, NULL, 0);
	tb_await_frame(&tb_lj, seen_back, NULL,
	    "no fresh frame after ringd came back");
	tb_await_running(&tb_lj);
	tb_demo_unwatch();
}

/*
 * A ring's first frame: rates and state unknown (null, "-"), known in the
 * next.  ringtop -b -n 1 -o -s sq (ringtop(1)'s example) keeps the busy
 * ring, whose figures are not known yet.
 */
TAP_TEST(test_demo_first, "ringtop-batch-demo-first", 90)
{
	struct json_object *f, *r = NULL, *nf[1];
	struct tb_run *run;
	const char *t = NULL, *row;
	int i;

	tb_demo_scheme();
	tb_live_start(&tb_lj, true, "0.3");
	tb_live_start(&tb_lt, false, "0.3");
	f = tb_live_json(&tb_lj, 5000);
	TAP_ASSERT(tb_disk(f, "rings") == NULL);
	json_object_put(f);
	(void)tb_live_next(&tb_lt, 5000);
	tb_demo_driver();
	for (i = 0; i < 60 && r == NULL; i++) {
		f = tb_live_json(&tb_lj, 5000);
		if ((r = tb_disk(f, "rings")) == NULL)
			json_object_put(f);
	}
	TAP_ASSERT(r != NULL);
	TAP_ASSERT(
	    json_object_get_type(tb_get(r, "submit_per_s")) == json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(r, "complete_per_s")) ==
	    json_type_null);
	TAP_ASSERT(
	    json_object_get_type(tb_get(r, "activity")) == json_type_null);
	json_object_put(f);
	f = tb_live_json(&tb_lj, 5000);
	r = tb_disk(f, "rings");
	TAP_ASSERT(r != NULL);
	TAP_ASSERT(json_object_get_double(tb_get(r, "submit_per_s")) > 0);
	TAP_ASSERT(strcmp(tb_activity(r), "running") == 0);
	json_object_put(f);
	/* the text frames: "-" for the rates and the state, then figures */
	for (i = 0; i < 60; i++) {
		t = tb_live_next(&tb_lt, 5000);
		if ((row = strstr(t, " " TB_DISK " ")) != NULL)
			break;
	}
	TAP_ASSERT(i < 60);
	row = strstr(t, " " TB_DISK " ");
	if (strstr(row, "       -       -       - -") == NULL) {
		tb_dump("frame", t);
		TAP_FAIL("the ring's first row shows figures it cannot know");
	}
	t = tb_live_next(&tb_lt, 5000);
	row = strstr(t, " " TB_DISK " ");
	TAP_ASSERT(row != NULL && strstr(row, " running") != NULL);
	tb_live_stop(&tb_lj);
	tb_live_stop(&tb_lt);
	/* one frame: the totals are unknown too; -o keeps the busy ring */
	run = tb_ringtop("-b", "-j", "-n", "1", "-S", d.sock, NULL);
	TB_STATUS(run, 0);
	TAP_EQ(tb_frames(run->out, nf, 1), 1);
	TAP_ASSERT(json_object_get_type(tb_get(nf[0], "submit_per_s")) ==
	    json_type_null);
	json_object_put(nf[0]);
	run = tb_ringtop("-b", "-n", "1", "-o", "-s", "sq", "-S", d.sock, NULL);
	TB_STATUS(run, 0);
	if (strstr(run->out, " " TB_DISK " ") == NULL) {
		tb_dump("stdout", run->out);
		TAP_FAIL("-b -n 1 -o -s sq drops the busy ring");
	}
	tb_demo_end();
}

/* .ringd in -b -j is the object `ringctl -j status` prints. */
TAP_TEST(test_demo_status, "ringtop-batch-demo-status", 60)
{
	struct json_object *f[1], *rd, *ref;
	struct tb_run *r;
	size_t nref = 0;

	tb_demo_scheme();
	tb_demo_driver();
	r = tb_ringtop("-b", "-j", "-n", "1", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	TAP_EQ(tb_frames(r->out, f, 1), 1);
	rd = tb_get(f[0], "ringd");
	ref = tb_ringctl_json("status", json_type_object);
	json_object_object_foreach(ref, key, val)
	{
		struct json_object *mine = tb_get(rd, key);

		nref++;
		if (json_object_get_type(mine) != json_object_get_type(val))
			TAP_FAIL("'%s': %s here, %s from ringctl", key,
			    json_object_to_json_string(mine),
			    json_object_to_json_string(val));
		/* all but the clock and the bytes in use stand still */
		if (strcmp(key, "uptime_ns") == 0)
			continue;
		if (strcmp(key, "phys") == 0) {
			TAP_EQ(tb_int(mine, "size_bytes"),
			    tb_int(val, "size_bytes"));
			continue;
		}
		if (strcmp(json_object_to_json_string(mine),
			json_object_to_json_string(val)) != 0)
			TAP_FAIL("'%s': %s here, %s from ringctl", key,
			    json_object_to_json_string(mine),
			    json_object_to_json_string(val));
	}
	TAP_EQ(json_object_object_length(rd), nref);
	TAP_ASSERT(json_object_is_type(tb_get(rd, "regions"), json_type_int));
	TAP_EQ(tb_int(rd, "pending_rings"), 0);
	TAP_EQ(tb_int(rd, "broken_rings"), 0);
	TAP_ASSERT(strcmp(tb_str(rd, "socket"), d.sock) == 0);
	json_object_put(ref);
	json_object_put(f[0]);
	tb_demo_end();
}

TAP_MAIN(td_setup)
