/*
 * t-ringtop-batch-traffic.c - ringtop -b against a private ringd with
 * test traffic: text frames, JSON frames read by json-c (one object per
 * line, the ring keys of `ringctl -j rings` plus ringtop's own), rates,
 * the stall age and alarm, wait words that are not movement, SQEs taken
 * and never answered, filter, -o and sort, ringd absent, and bad usage.
 *
 * Traffic (lib/load.h): a stalled scheme with 5 SQEs queued (SQ depth 5),
 * 3 SQEs to the built-in echo scheme never reaped (CQ backlog 3), round
 * trips through null (moving) and an idle ring to zero.
 */
#include "t-ringtop-batch.h"

#define TB_STALL "tbstall"

/* The ring of a frame whose scheme is name. */
static struct json_object *
tb_ring(struct json_object *frame, const char *name)
{
	struct json_object *rings = tb_get(frame, "rings");
	size_t i;

	if (!json_object_is_type(rings, json_type_array))
		TAP_FAIL("'rings' is not an array");
	for (i = 0; i < json_object_array_length(rings); i++) {
		struct json_object *r = json_object_array_get_idx(rings, i);

		if (strcmp(tb_str(r, "scheme"), name) == 0)
			return r;
	}
	TAP_FAIL("frame %lld has no ring to '%s'",
	    (long long)tb_int(frame, "frame"), name);
}

/*
 * The AGE cell of the first text row (after frame) whose SCHEME is
 * scheme: the ninth of the row's ten columns (no name here has spaces).
 */
static void
tb_text_age(const char *frame, const char *scheme, char *age, size_t len)
{
	char c[10][64], want[80];
	const char *row;

	snprintf(want, sizeof(want), " %s ", scheme);
	if (frame == NULL || (row = strstr(frame, want)) == NULL)
		TAP_FAIL("no row of '%s' in the text frame", scheme);
	while (row > frame && row[-1] != '\n')
		row--;
	if (sscanf(row, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s",
		c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8],
		c[9]) != 10)
		TAP_FAIL("odd row of '%s'", scheme);
	snprintf(age, len, "%s", c[8]);
}

/* --- traffic ------------------------------------------------------------- */

static struct tl_load tb_load;

static void
tb_begin(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	uint64_t t0;

	td_begin(&d, NULL);
	tl_start(&tb_load, &d, TB_STALL);
	/* echo has answered all 3 once ringd shows the backlog */
	c = td_connect(&d);
	t0 = clock_ns();
	for (;;) {
		struct ring_ctl_ring *v;
		size_t n, i;
		bool done = false;

		TAP_RC(ring_ctl_status(c, &st), 0);
		TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
		for (i = 0; i < n; i++)
			if (strcmp(v[i].scheme, "echo") == 0 &&
			    v[i].cq.depth == 3)
				done = true;
		free(v);
		if (done)
			break;
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("echo never answered the 3 SQEs");
		tu_sleep_ms(10);
	}
	ring_ctl_close(c);
}

static void
tb_end(void)
{
	tl_stop(&tb_load);
	td_stop(&d);
	td_cleanup(&d);
}

/* Put the n frames of tb_frames(). */
static void
tb_put_frames(struct json_object **f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(f[i]);
}

/* --- sub-tests ------------------------------------------------------------ */

/* -b -n 3: three text frames with the rings and their figures. */
TAP_TEST(test_text, "ringtop-batch-text", 60)
{
	struct tb_run *r;
	const char *p;
	char want[64];
	int i;

	tb_begin();
	r = tb_ringtop("-b", "-n", "3", "-d", "0.2", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	p = r->out;
	for (i = 1; i <= 3; i++) {
		snprintf(want, sizeof(want), "ringtop frame %d  ", i);
		if ((p = strstr(p, want)) == NULL) {
			tb_dump("stdout", r->out);
			TAP_FAIL("no '%s'", want);
		}
		p++;
	}
	snprintf(want, sizeof(want), "ringtop frame 4");
	TAP_ASSERT(strstr(r->out, want) == NULL);
	/* the last frame: one row per ring with depth/entries */
	p = strstr(r->out, "ringtop frame 3");
	TAP_ASSERT(strstr(p, "rings 4  clients 3") != NULL);
	TAP_ASSERT(strstr(p, "    ID SCHEME           KIND  CONSUMER") != NULL);
	{
		const char *row = strstr(p, " " TB_STALL " ");
		const char *echo = strstr(p, " echo ");

		TAP_ASSERT(row != NULL && echo != NULL);
		TAP_ASSERT(strncmp(echo, " echo             v1    ", 24) == 0);
		if (strstr(row, "5/16        0/16") == NULL ||
		    strstr(row, "5/16") > strchr(row, '\n')) {
			tb_dump("stdout", p);
			TAP_FAIL("stall row without SQ 5/16 and CQ 0/16");
		}
		if (strstr(echo, "0/8") == NULL ||
		    strstr(echo, "3/8") == NULL ||
		    strstr(echo, "3/8") > strchr(echo, '\n')) {
			tb_dump("stdout", p);
			TAP_FAIL("echo row without CQ backlog 3/8");
		}
	}
	TAP_ASSERT(strstr(r->out, "\n\n") != NULL);
	TAP_EQ(strlen(r->err), 0);
	tb_end();
}

/* -b -j -n 3: JSON frames, the ring keys of ringctl, rates and ages. */
TAP_TEST(test_json, "ringtop-batch-json", 60)
{
	struct json_object *f[TB_FRAMES_MAX], *st, *ec, *nu, *o, *ref;
	struct json_object *rings;
	struct tb_run *r;
	size_t n, i;
	int64_t age2, age3;

	tb_begin();
	r = tb_ringtop("-b", "-j", "-n", "3", "-d", "0.3", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	n = tb_frames(r->out, f, TB_FRAMES_MAX);
	TAP_EQ(n, 3);
	for (i = 0; i < n; i++) {
		TAP_EQ(tb_int(f[i], "frame"), (int64_t)i + 1);
		TAP_EQ(tb_int(f[i], "interval_ns"), 300000000);
		TAP_ASSERT(json_object_get_type(tb_get(f[i], "error")) ==
		    json_type_null);
		o = tb_get(f[i], "ringd");
		TAP_EQ(tb_int(o, "pid"), d.pid);
		/* physical memory: both zones, nothing allocated */
		TAP_EQ(tb_int(tb_get(o, "phys"), "used_bytes"), 0);
		TAP_EQ(json_object_array_length(
			   tb_get(tb_get(o, "phys"), "zones")),
		    2);
		TAP_EQ(tb_int(o, "rings"), 4);
		rings = tb_get(f[i], "rings");
		TAP_EQ(json_object_array_length(rings), 4);
		st = tb_ring(f[i], TB_STALL);
		TAP_EQ(tb_int(st, "sq_depth"), 5);
		TAP_EQ(tb_int(st, "cq_backlog"), 0);
		TAP_EQ(tb_int(st, "sq_entries"), 16);
		TAP_EQ(tb_int(tb_get(st, "sq"), "depth"), 5);
		TAP_EQ(tb_int(st, "submitted"), 5);
		TAP_EQ(tb_int(st, "taken"), 0);
		TAP_EQ(tb_int(tb_get(st, "consumer"), "pid"), tb_load.cons_pid);
		TAP_EQ(tb_int(tb_get(st, "producer"), "pid"),
		    tb_load.scheme_pid);
		if (strcmp(tb_str(st, "state"), "running") != 0)
			TAP_FAIL("stall ring state '%s'", tb_str(st, "state"));
		TAP_ASSERT(strcmp(tb_str(st, "kind"), "v1") == 0);
		ec = tb_ring(f[i], "echo");
		TAP_EQ(tb_int(ec, "cq_backlog"), 3);
		TAP_EQ(tb_int(ec, "sq_depth"), 0);
	}
	/* rates and states need two snapshots: unknown (null) in the first */
	nu = tb_ring(f[0], "null");
	TAP_ASSERT(
	    json_object_get_type(tb_get(nu, "submit_per_s")) == json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(nu, "complete_per_s")) ==
	    json_type_null);
	TAP_ASSERT(
	    json_object_get_type(tb_get(nu, "activity")) == json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(f[0], "submit_per_s")) ==
	    json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(f[0], "complete_per_s")) ==
	    json_type_null);
	TAP_ASSERT(
	    strcmp(tb_str(tb_ring(f[2], "null"), "activity"), "running") == 0);
	nu = tb_ring(f[2], "null");
	TAP_ASSERT(json_object_get_type(tb_get(nu, "submit_per_s")) ==
	    json_type_double);
	if (json_object_get_double(tb_get(nu, "submit_per_s")) <= 0 ||
	    json_object_get_double(tb_get(nu, "complete_per_s")) <= 0)
		TAP_FAIL("the null ring moves but shows no rate: %s",
		    json_object_to_json_string(nu));
	TAP_ASSERT(json_object_get_double(tb_get(f[2], "submit_per_s")) > 0);
	/* nothing moves on the stalled ring: rate 0, the age grows */
	st = tb_ring(f[2], TB_STALL);
	TAP_ASSERT(json_object_get_double(tb_get(st, "submit_per_s")) == 0);
	TAP_EQ(tb_int(tb_ring(f[0], TB_STALL), "sq_pending_age_ns"), 0);
	age2 = tb_int(tb_ring(f[1], TB_STALL), "sq_pending_age_ns");
	age3 = tb_int(st, "sq_pending_age_ns");
	if (!(age2 > 0 && age3 > age2))
		TAP_FAIL("stall age does not grow: %lld then %lld",
		    (long long)age2, (long long)age3);
	TAP_EQ(tb_int(st, "cq_pending_age_ns"), 0);
	/* echo's CQ head stands still with 3 CQEs: its age grows too */
	TAP_ASSERT(tb_int(tb_ring(f[2], "echo"), "cq_pending_age_ns") > 0);

	/* the same keys as ringctl -j rings, plus ringtop's own */
	ref = tb_ringctl_json("rings", json_type_array);
	TAP_EQ(json_object_array_length(ref), 4);
	o = json_object_array_get_idx(ref, 0);
	st = tb_ring(f[2], tb_str(o, "scheme"));
	{
		static const char *const extra[] = { "submit_per_s",
			"complete_per_s", "sq_pending_age_ns",
			"cq_pending_age_ns", "stalled", "activity", "alarm",
			"ended" };
		size_t nref = 0, k;

		json_object_object_foreach(o, key, val)
		{
			(void)val;
			nref++;
			if (!json_object_object_get_ex(st, key, NULL))
				TAP_FAIL("ringctl's key '%s' is missing", key);
		}
		for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
			TAP_ASSERT(
			    json_object_object_get_ex(st, extra[k], NULL));
		TAP_EQ(json_object_object_length(st),
		    nref + sizeof(extra) / sizeof(extra[0]));
	}
	json_object_put(ref);
	tb_put_frames(f, n);
	tb_end();
}

/*
 * The stall flag and the alarm lines once a head stood still 2 s: the SQ
 * stall charged to the producer, the CQ backlog to the consumer.
 */
TAP_TEST(test_stalled, "ringtop-batch-stalled", 60)
{
	struct json_object *f[TB_FRAMES_MAX];
	struct tb_run *r;
	char age[64];
	size_t n;

	tb_begin();
	r = tb_ringtop("-b", "-j", "-n", "4", "-d", "1", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	n = tb_frames(r->out, f, TB_FRAMES_MAX);
	TAP_EQ(n, 4);
	TAP_ASSERT(!json_object_get_boolean(
	    tb_get(tb_ring(f[0], TB_STALL), "stalled")));
	TAP_ASSERT(json_object_get_boolean(
	    tb_get(tb_ring(f[3], TB_STALL), "stalled")));
	TAP_ASSERT(
	    !json_object_get_boolean(tb_get(tb_ring(f[3], "null"), "stalled")));
	/* the SQ stall is the producer's: the scheme takes no SQEs */
	tb_alarm(tb_ring(f[3], TB_STALL), "sq_stall", "producer",
	    tb_load.scheme_pid);
	/* echo's 3 CQEs are never reaped: a CQ backlog, the consumer's */
	TAP_ASSERT(
	    json_object_get_boolean(tb_get(tb_ring(f[3], "echo"), "stalled")));
	tb_alarm(tb_ring(f[3], "echo"), "cq_backlog", "consumer",
	    tb_load.cons_pid);
	TAP_ASSERT(json_object_get_type(tb_get(tb_ring(f[3], "null"),
		       "alarm")) == json_type_null);
	tb_put_frames(f, n);
	r = tb_ringtop("-b", "-n", "4", "-d", "1", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	/* the alarm lines are the screen's (model_alarm_text()) */
	if (strstr(strstr(r->out, "ringtop frame 4"), "ALARM ring ") == NULL ||
	    strstr(r->out, "(" TB_STALL "): stalled ") == NULL ||
	    strstr(r->out, "takes no SQEs (5 queued)") == NULL ||
	    strstr(r->out, "(echo): CQ backlog ") == NULL ||
	    strstr(r->out, "reaps no CQEs (3 of ") == NULL ||
	    strstr(r->out, ", producer ") == NULL ||
	    strstr(r->out, ", consumer ") == NULL) {
		tb_dump("stdout", r->out);
		TAP_FAIL("no stall alarm in the text frames");
	}
	/*
	 * AGE is the screen's figure in text too (view_cell()): for echo's
	 * CQ backlog the CQ head's age, though its SQ is empty
	 */
	tb_text_age(strstr(r->out, "ringtop frame 4"), "echo", age,
	    sizeof(age));
	if (strcmp(age, "-") == 0) {
		tb_dump("stdout", r->out);
		TAP_FAIL("echo's CQ backlog has no AGE in the text frame");
	}
	tb_end();
}

/*
 * A consumer that waits for CQEs with a timeout, again and again, on a
 * ring whose scheme takes nothing: its CQ wait word comes and goes, no
 * index moves.  ringtop must not call that movement: never `running`.
 */
TAP_TEST(test_wait_words, "ringtop-batch-wait-words", 60)
{
	struct json_object *last = NULL;
	int64_t prev[4] = { -1, -1, -1, -1 }, cur[4];
	unsigned toggles = 0;
	pid_t waiter;
	int ready[2], i;
	struct tb_live *l = &tb_lj;

	tb_begin();
	tu_pipe(ready);
	if ((waiter = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring *r = td_open(c, TB_STALL, 4, 0, 0, NULL);
		struct ring_sqe e;

		memset(&e, 0, sizeof(e));
		e.opcode = RING_OP_NOOP;
		TAP_RC(ring_sq_push(r, &e), 0);
		tu_notify(ready[1]);
		for (;;) {
			(void)ring_wait(r, RING_EV_IN, 150000000);
			tu_sleep_ms(130);
		}
	}
	tu_await(ready[0], 5000);
	tb_live_start(l, true, "0.2");
	for (i = 0; i < 40 && toggles < 2; i++) {
		struct json_object *f = tb_live_json(l, 5000), *r = NULL;
		struct json_object *rings = tb_get(f, "rings");
		size_t k;

		for (k = 0; k < json_object_array_length(rings); k++) {
			struct json_object *x = json_object_array_get_idx(rings,
			    k);

			if (tb_int(tb_get(x, "consumer"), "pid") == waiter)
				r = x;
		}
		TAP_ASSERT(r != NULL);
		tb_epochs(r, cur);
		if (i > 0)
			TAP_ASSERT(memcmp(cur, prev, sizeof(cur)) == 0);
		memcpy(prev, cur, sizeof(prev));
		if (strcmp(tb_activity(r), "running") == 0)
			TAP_FAIL("only wait words changed, yet 'running': %s",
			    json_object_to_json_string(r));
		if (last != NULL) {
			struct json_object *o = NULL;

			rings = tb_get(last, "rings");
			for (k = 0; k < json_object_array_length(rings); k++)
				if (tb_int(tb_get(json_object_array_get_idx(
						      rings, k),
					       "consumer"),
					"pid") == waiter)
					o = json_object_array_get_idx(rings, k);
			if (o != NULL && tb_waits_differ(o, r))
				toggles++;
		}
		json_object_put(last);
		last = f;
	}
	json_object_put(last);
	if (toggles < 2)
		TAP_FAIL("the wait word never changed in 40 frames");
	tb_live_stop(l);
	tap_kill(waiter);
	close(ready[0]);
	close(ready[1]);
	tb_end();
}

/*
 * A scheme that takes 2 SQEs and never answers: both queues empty, the
 * work inside the producer.  Within 60 frames (2 s after the take) the
 * ring is stalled and the alarm blames the scheme, "SQEs taken, no CQE
 * posted".
 */
TAP_TEST(test_no_cqe, "ringtop-batch-no-cqe", 60)
{
	struct json_object *r = NULL;
	pid_t holder, user;
	int ready[2], i;
	char want[96];
	const char *w[3];

	td_begin(&d, NULL);
	tu_pipe(ready);
	if ((holder = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring_attach a;
		struct ring *h = NULL;
		struct ring_sqe e;
		int taken = 0;

		TAP_RC(ring_ctl_register(c, "tbhold", NULL, 0), 0);
		tu_notify(ready[1]);
		for (;;) {
			if (h == NULL && ring_ctl_next_attach(c, &a) == 0)
				TAP_RC(ring_ctl_accept(c, &a, &h), 0);
			if (h != NULL && taken < 2 && ring_sq_pop(h, &e) == 0)
				taken++;
			tu_sleep_ms(10);
		}
	}
	tu_await(ready[0], 5000);
	if ((user = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring *u = td_open(c, "tbhold", 4, 0, 0, NULL);
		struct ring_sqe e;

		memset(&e, 0, sizeof(e));
		e.opcode = RING_OP_NOOP;
		TAP_RC(ring_sq_push(u, &e), 0);
		TAP_RC(ring_sq_push(u, &e), 0);
		for (;;)
			tu_sleep_ms(100);
	}
	tb_live_start(&tb_lj, true, "0.2");
	tb_live_start(&tb_lt, false, "0.2");
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		struct json_object *rings = tb_get(f, "rings");

		r = json_object_array_length(rings) == 1
		    ? json_object_get(json_object_array_get_idx(rings, 0))
		    : NULL;
		json_object_put(f);
		if (r != NULL &&
		    json_object_is_type(tb_get(r, "alarm"), json_type_object))
			break;
		json_object_put(r);
		r = NULL;
	}
	if (r == NULL)
		TAP_FAIL("no alarm for SQEs taken and never answered");
	TAP_EQ(tb_int(r, "sq_depth"), 0);
	TAP_EQ(tb_int(r, "cq_backlog"), 0);
	TAP_EQ(tb_int(r, "taken"), 2);
	tb_alarm(r, "sq_stall", "producer", holder);
	TAP_ASSERT(strcmp(tb_activity(r), "stalled") == 0);
	json_object_put(r);
	snprintf(want, sizeof(want), " posts no CQEs (2 taken)");
	w[0] = want;
	w[1] = "): stalled ";
	w[2] = NULL;
	tb_await_text(&tb_lt, 60, w);
	tb_live_stop(&tb_lj);
	tb_live_stop(&tb_lt);
	tap_kill(user);
	tap_kill(holder);
	close(ready[0]);
	close(ready[1]);
	td_stop(&d);
	td_cleanup(&d);
}

/* -f, -o, -s narrow and order the rings in both forms. */
TAP_TEST(test_select, "ringtop-batch-select", 60)
{
	struct json_object *f[TB_FRAMES_MAX], *rings, *first;
	struct tb_run *r;
	size_t n, i;

	tb_begin();
	r = tb_ringtop("-b", "-j", "-n", "1", "-f", "ECHO", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	TAP_EQ(tb_frames(r->out, f, TB_FRAMES_MAX), 1);
	rings = tb_get(f[0], "rings");
	TAP_EQ(json_object_array_length(rings), 1);
	TAP_ASSERT(strcmp(tb_str(json_object_array_get_idx(rings, 0), "scheme"),
		       "echo") == 0);
	json_object_put(f[0]);

	/* -o: the idle ring to zero is left out once rates are known */
	r = tb_ringtop("-b", "-j", "-o", "-n", "2", "-d", "0.2", "-S", d.sock,
	    NULL);
	TB_STATUS(r, 0);
	TAP_EQ(tb_frames(r->out, f, TB_FRAMES_MAX), 2);
	rings = tb_get(f[1], "rings");
	for (i = 0; i < json_object_array_length(rings); i++)
		if (strcmp(tb_str(json_object_array_get_idx(rings, i),
			       "scheme"),
			"zero") == 0)
			TAP_FAIL("-o shows the idle ring to zero");
	(void)tb_ring(f[1], TB_STALL);
	(void)tb_ring(f[1], "echo");
	(void)tb_ring(f[1], "null");
	json_object_put(f[0]);
	json_object_put(f[1]);

	/* -s sq: the deepest SQ first; -s cq: the largest backlog first */
	r = tb_ringtop("-b", "-j", "-n", "1", "-s", "sq", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	TAP_EQ(tb_frames(r->out, f, TB_FRAMES_MAX), 1);
	first = json_object_array_get_idx(tb_get(f[0], "rings"), 0);
	TAP_ASSERT(strcmp(tb_str(first, "scheme"), TB_STALL) == 0);
	json_object_put(f[0]);
	r = tb_ringtop("-b", "-j", "-n", "1", "-s", "CQ", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	TAP_EQ(tb_frames(r->out, f, TB_FRAMES_MAX), 1);
	first = json_object_array_get_idx(tb_get(f[0], "rings"), 0);
	TAP_ASSERT(strcmp(tb_str(first, "scheme"), "echo") == 0);
	json_object_put(f[0]);
	/* -s id (the default) is ascending */
	r = tb_ringtop("-b", "-j", "-n", "1", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	n = tb_frames(r->out, f, TB_FRAMES_MAX);
	TAP_EQ(n, 1);
	rings = tb_get(f[0], "rings");
	for (i = 1; i < json_object_array_length(rings); i++)
		TAP_ASSERT(
		    tb_int(json_object_array_get_idx(rings, i - 1), "id") <
		    tb_int(json_object_array_get_idx(rings, i), "id"));
	json_object_put(f[0]);
	tb_end();
}

/* No ringd: a message per frame, frames that say so, status 1. */
TAP_TEST(test_no_ringd, "ringtop-batch-no-ringd", 30)
{
	struct json_object *f[TB_FRAMES_MAX];
	struct tb_run *r;
	char sock[TD_PATH_MAX + 16];

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(sock, sizeof(sock), "%s/none.sock", d.dir);
	r = tb_ringtop("-b", "-n", "2", "-d", "0.1", "-S", sock, NULL);
	TB_STATUS(r, 1);
	if (strstr(r->err, "ringtop: cannot connect to ringd at '") == NULL ||
	    strstr(r->err, "is ringd running?") == NULL) {
		tb_dump("stderr", r->err);
		TAP_FAIL("no clear message on stderr");
	}
	TAP_ASSERT(strstr(r->out, "ringtop frame 2") != NULL);
	TAP_ASSERT(strstr(r->out, "ringd not reachable") != NULL);
	r = tb_ringtop("-b", "-j", "-n", "1", "-S", sock, NULL);
	TB_STATUS(r, 1);
	TAP_EQ(tb_frames(r->out, f, TB_FRAMES_MAX), 1);
	TAP_ASSERT(
	    json_object_get_type(tb_get(f[0], "ringd")) == json_type_null);
	TAP_ASSERT(strstr(tb_str(f[0], "error"), "is ringd running?") != NULL);
	TAP_EQ(json_object_array_length(tb_get(f[0], "rings")), 0);
	json_object_put(f[0]);
	td_cleanup(&d);
}

/* Bad usage: status 2 and one line on stderr; -h and -V succeed. */
TAP_TEST(test_usage, "ringtop-batch-usage", 30)
{
	static const char *const bad[][4] = {
		{ "-d", "0.01", NULL, NULL },
		{ "-d", "abc", NULL, NULL },
		{ "-d", "-1", NULL, NULL },
		{ "-d", "1e9", NULL, NULL },
		{ "-s", "nosuch", NULL, NULL },
		{ "-n", "0", NULL, NULL },
		{ "-n", "-3", NULL, NULL },
		{ "-n", "12x", NULL, NULL },
		{ "-j", NULL, NULL, NULL },
		{ "-b", "extra", NULL, NULL },
		{ "-S", "", NULL, NULL },
		{ "--bogus", NULL, NULL, NULL },
		{ "-x", NULL, NULL, NULL },
		{ "-d", NULL, NULL, NULL },
		{ "-f",
		    "0123456789012345678901234567890123456789"
		    "012345678901234567890123456789",
		    NULL, NULL },
	};
	struct tb_run *r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = tb_ringtop(bad[i][0], bad[i][1], bad[i][2], NULL);
		if (r->status != 2 || strchr(r->err, '\n') == NULL ||
		    (strncmp(r->err, "ringtop: ", 9) != 0 &&
			strncmp(r->err, "usage: ringtop", 14) != 0) ||
		    r->out[0] != '\0') {
			tb_dump("stderr", r->err);
			TAP_FAIL("'%s %s': status %d", bad[i][0],
			    bad[i][1] ? bad[i][1] : "", r->status);
		}
	}
	r = tb_ringtop("-h", NULL);
	TB_STATUS(r, 0);
	TAP_ASSERT(strncmp(r->out, "usage: ringtop ", 15) == 0);
	r = tb_ringtop("-V", NULL);
	TB_STATUS(r, 0);
	TAP_ASSERT(strncmp(r->out, "ringtop ", 8) == 0);
	/* not a terminal and no -b: a message, not a garbled screen */
	r = tb_ringtop("-n", "1", NULL);
	TB_STATUS(r, 1);
	TAP_ASSERT(strstr(r->err, "not a terminal") != NULL);
}

TAP_MAIN(td_setup)
