/*
 * t-ringtop-batch.c - ringtop -b against a private ringd with test
 * traffic: text frames, JSON frames read by json-c (one object per line,
 * the ring keys of `ringctl -j rings` plus ringtop's own), rates, the
 * stall age and alarm, filter, -o and sort, ringd absent, and bad usage.
 *
 * Traffic (lib/load.h): a stalled scheme with 5 SQEs queued (SQ depth 5),
 * 3 SQEs to the built-in echo scheme never reaped (CQ backlog 3), round
 * trips through null (moving) and an idle ring to zero.
 *
 * And the demo's processes (blkdev-scheme serving blkdev-driver's load),
 * watched by a ringtop -b that runs on while the test stops, kills or
 * starts them: the stall charged to the scheme, the CQ backlog to the
 * driver, an ended ring and its event, ringd going away, unknown figures
 * in a ring's first frame, and .ringd as `ringctl -j status` prints it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/load.h"
#include "lib/proc.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define TB_STALL "tbstall"
#define TB_OUT_MAX (1u << 20)

static struct td d;

/* Output and status of one run. */
struct tb_run {
	char out[TB_OUT_MAX];
	char err[8192];
	int status; /* exit status, or 128 + signal */
};

/* BUILD/tests/t-x -> BUILD/<rel>, or the environment variable env. */
static void
tb_sibling(char *buf, size_t size, const char *env, const char *rel)
{
	const char *e = getenv(env);
	char self[PATH_MAX];
	char *slash;
	ssize_t n;

	if (e != NULL && e[0] != '\0') {
		snprintf(buf, size, "%s", e);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			TAP_FAIL("readlink /proc/self/exe: %s",
			    tap_rcname(-errno));
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) == NULL)
			TAP_FAIL("odd path '%s'", self);
		*slash = '\0';
		if ((size_t)snprintf(buf, size, "%s/../%s", self, rel) >= size)
			TAP_FAIL("path too long");
	}
	if (access(buf, X_OK) != 0)
		TAP_FAIL("no binary at '%s'", buf);
}

/* Run argv (NULL-terminated) with stdin from /dev/null; collect all. */
static void
tb_exec(struct tb_run *r, const char *const *argv)
{
	int po[2], pe[2], st;
	size_t no = 0, ne = 0;
	pid_t pid;

	TAP_SYS(pipe2(po, O_CLOEXEC));
	TAP_SYS(pipe2(pe, O_CLOEXEC));
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = po[0], .events = POLLIN },
			{ .fd = pe[0], .events = POLLIN },
		};
		ssize_t k;

		if (pf[0].fd < 0 && pf[1].fd < 0)
			break;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			TAP_FAIL("poll: %s", tap_rcname(-errno));
		}
		if (pf[0].revents) {
			k = read(po[0], r->out + no, sizeof(r->out) - 1 - no);
			if (k <= 0) {
				close(po[0]);
				po[0] = -1;
			} else {
				no += (size_t)k;
			}
			if (no == sizeof(r->out) - 1)
				TAP_FAIL("too much output");
		}
		if (pf[1].revents) {
			char junk[256];
			char *dst = ne + 1 < sizeof(r->err) ? r->err + ne
							    : junk;
			size_t room = ne + 1 < sizeof(r->err)
			    ? sizeof(r->err) - 1 - ne
			    : sizeof(junk);

			k = read(pe[0], dst, room);
			if (k <= 0) {
				close(pe[0]);
				pe[0] = -1;
			} else if (dst != junk) {
				ne += (size_t)k;
			}
		}
		/* poll ignores negative descriptors */
		if (po[0] < 0 && pe[0] < 0)
			break;
	}
	r->out[no] = '\0';
	r->err[ne] = '\0';
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			TAP_FAIL("waitpid: %s", tap_rcname(-errno));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run ringtop with the arguments given, NULL-terminated. */
static struct tb_run *
tb_ringtop(const char *first, ...)
{
	static struct tb_run run;
	static char bin[PATH_MAX];
	const char *argv[40];
	va_list ap;
	int n = 0;

	tb_sibling(bin, sizeof(bin), "RINGTOP_BIN", "ringtop/ringtop");
	argv[n++] = bin;
	argv[n++] = first;
	va_start(ap, first);
	while (first != NULL && n < 39 &&
	    (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	memset(&run, 0, sizeof(run));
	tb_exec(&run, argv);
	return &run;
}

static void
tb_dump(const char *what, const char *s)
{
	const char *p = s, *nl;
	int lines = 0;

	while (*p != '\0' && lines++ < 40) {
		nl = strchr(p, '\n');
		tap_diag("%s| %.*s", what, nl ? (int)(nl - p) : (int)strlen(p),
		    p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

#define TB_STATUS(r, want) \
	do { \
		if ((r)->status != (want)) { \
			tb_dump("stdout", (r)->out); \
			tb_dump("stderr", (r)->err); \
			TAP_FAIL("ringtop exited with %d, expected %d", \
			    (r)->status, (want)); \
		} \
	} while (0)

/* --- JSON frames --------------------------------------------------------- */

#define TB_FRAMES_MAX 16

/* A line of len bytes (frame n + 1) as one complete JSON object. */
static struct json_object *
tb_parse(const char *p, int len, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	TAP_ASSERT(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, p, len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != (size_t)len) {
		tap_diag("line: %.*s", len > 300 ? 300 : len, p);
		TAP_FAIL("frame %zu is not one JSON object: %s", n + 1,
		    json_tokener_error_desc(json_tokener_get_error(tok)));
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object))
		TAP_FAIL("frame %zu is not an object", n + 1);
	return o;
}

/* Parse out as JSON lines; every line must be one complete object. */
static size_t
tb_frames(const char *out, struct json_object **f, size_t max)
{
	const char *p = out, *nl;
	size_t n = 0;

	while (*p != '\0') {
		int len;

		if ((nl = strchr(p, '\n')) == NULL)
			TAP_FAIL("frame %zu does not end with a newline",
			    n + 1);
		len = (int)(nl - p);
		if (n == max)
			TAP_FAIL("more than %zu frames", max);
		f[n] = tb_parse(p, len, n);
		n++;
		p = nl + 1;
	}
	return n;
}

static struct json_object *
tb_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		TAP_FAIL("no key '%s' in %s", key,
		    json_object_to_json_string(o));
	return v;
}

static int64_t
tb_int(struct json_object *o, const char *key)
{
	struct json_object *v = tb_get(o, key);

	if (!json_object_is_type(v, json_type_int))
		TAP_FAIL("'%s' is not an integer", key);
	return json_object_get_int64(v);
}

static const char *
tb_str(struct json_object *o, const char *key)
{
	struct json_object *v = tb_get(o, key);

	if (!json_object_is_type(v, json_type_string))
		TAP_FAIL("'%s' is not a string", key);
	return json_object_get_string(v);
}

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

/* `ringctl -S sock -j cmd` as a JSON value of type want (caller puts). */
static struct json_object *
tb_ringctl_json(const char *cmd, json_type want)
{
	static struct tb_run ctl;
	char ringctl[PATH_MAX];
	const char *argv[] = { ringctl, "-S", d.sock, "-j", cmd, NULL };
	struct json_object *o;

	tb_sibling(ringctl, sizeof(ringctl), "RINGCTL_BIN", "ringctl/ringctl");
	tb_exec(&ctl, argv);
	TB_STATUS(&ctl, 0);
	o = json_tokener_parse(ctl.out);
	TAP_ASSERT(o != NULL && json_object_is_type(o, want));
	return o;
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
	t0 = tu_now_ns();
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
		if (tu_now_ns() - t0 > 5000000000ull)
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

/* --- sub-tests ------------------------------------------------------------ */

/* -b -n 3: three text frames with the rings and their figures. */
static void
test_text(void)
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
	TAP_ASSERT(strstr(p, "    ID SCHEME") != NULL);
	{
		const char *row = strstr(p, " " TB_STALL " ");
		const char *echo = strstr(p, " echo ");

		TAP_ASSERT(row != NULL && echo != NULL);
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
static void
test_json(void)
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
	TAP_ASSERT(json_object_get_type(tb_get(nu, "activity")) ==
	    json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(f[0], "submit_per_s")) ==
	    json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(f[0], "complete_per_s")) ==
	    json_type_null);
	TAP_ASSERT(strcmp(tb_str(tb_ring(f[2], "null"), "activity"),
		       "running") == 0);
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
	for (i = 0; i < n; i++)
		json_object_put(f[i]);
	tb_end();
}

/* An alarm object: kind, the side blamed and that side's pid. */
static void
tb_alarm(struct json_object *ring, const char *kind, const char *blame,
    pid_t pid)
{
	struct json_object *a = tb_get(ring, "alarm");

	if (!json_object_is_type(a, json_type_object) ||
	    strcmp(tb_str(a, "kind"), kind) != 0 ||
	    strcmp(tb_str(a, "blame"), blame) != 0 ||
	    tb_int(tb_get(a, "culprit"), "pid") != pid)
		TAP_FAIL("ring %lld: no %s alarm blaming %s %d: %s",
		    (long long)tb_int(ring, "id"), kind, blame, (int)pid,
		    json_object_to_json_string(ring));
}

/*
 * The stall flag and the alarm lines once a head stood still 2 s: the SQ
 * stall charged to the producer, the CQ backlog to the consumer.
 */
static void
test_stalled(void)
{
	struct json_object *f[TB_FRAMES_MAX];
	struct tb_run *r;
	size_t n, i;

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
	for (i = 0; i < n; i++)
		json_object_put(f[i]);
	r = tb_ringtop("-b", "-n", "4", "-d", "1", "-S", d.sock, NULL);
	TB_STATUS(r, 0);
	if (strstr(strstr(r->out, "ringtop frame 4"), "ALARM ring ") == NULL ||
	    strstr(r->out, "(" TB_STALL ", ") == NULL ||
	    strstr(r->out, "stalled, 5 SQEs not taken for ") == NULL ||
	    strstr(r->out, "cq backlog, 3 CQEs not reaped for ") == NULL ||
	    strstr(r->out, ", blame producer ") == NULL ||
	    strstr(r->out, ", blame consumer ") == NULL) {
		tb_dump("stdout", r->out);
		TAP_FAIL("no stall alarm in the text frames");
	}
	tb_end();
}

/* A ringtop -b that runs on, its frames read from its log as they come. */
struct tb_live {
	struct tp_proc p;
	bool json;
	int fd;		/* its log, for reading */
	size_t len;	/* bytes read */
	size_t off;	/* start of the next frame */
	char buf[TB_OUT_MAX];
};

static struct tb_live tb_lj, tb_lt; /* one -j, one text */
static void tb_live_start(struct tb_live *l, bool json, const char *delay);
static void tb_live_stop(struct tb_live *l);
static struct json_object *tb_live_json(struct tb_live *l, unsigned ms);
static bool tb_waits_differ(struct json_object *a, struct json_object *b);
static void tb_epochs(struct json_object *r, int64_t e[4]);
static const char *tb_activity(struct json_object *ring);
static void tb_await_text(struct tb_live *l, int n, const char *const *want);

/*
 * A consumer that waits for CQEs with a timeout, again and again, on a
 * ring whose scheme takes nothing: its CQ wait word comes and goes, no
 * index moves.  ringtop must not call that movement: never `running`.
 */
static void
test_wait_words(void)
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
			struct json_object *x =
			    json_object_array_get_idx(rings, k);

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
static void
test_no_cqe(void)
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
	snprintf(want, sizeof(want),
	    ": stalled, 2 SQEs taken, no CQE posted for ");
	w[0] = want;
	w[1] = ", blame producer ";
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
static void
test_select(void)
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
static void
test_no_ringd(void)
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
	TAP_ASSERT(
	    strstr(tb_str(f[0], "error"), "is ringd running?") != NULL);
	TAP_EQ(json_object_array_length(tb_get(f[0], "rings")), 0);
	json_object_put(f[0]);
	td_cleanup(&d);
}

/* Bad usage: status 2 and one line on stderr; -h and -V succeed. */
static void
test_usage(void)
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

/* --- the demo's processes, watched by a ringtop that runs on ------------- */

#define TB_DISK "tbdisk"

static struct tp_proc tb_scheme, tb_driver;

/* Wait up to 5 s until ringd lists a running ring to TB_DISK (want). */
static void
tb_await_ring(bool want)
{
	struct ring_ctl *c = td_connect(&d);
	uint64_t t0 = tu_now_ns();

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
		if (tu_now_ns() - t0 > 5000000000ull) {
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
	tp_start_build(&tb_scheme, &d, "scheme", "examples/blkdev-scheme",
	    "-n", TB_DISK, "-s", "16M", NULL);
	tb_await_ring(false);
}

static void
tb_demo_driver(void)
{
	tp_start_build(&tb_driver, &d, "driver", "examples/blkdev-driver",
	    "-n", TB_DISK, "-m", "load", "-b", "4K", "-q", "16", "-l", "4M",
	    NULL);
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

static void
tb_live_start(struct tb_live *l, bool json, const char *delay)
{
	static char bin[PATH_MAX];
	const char *argv[12];
	char log[TD_PATH_MAX];
	int n = 0;

	memset(l, 0, sizeof(*l));
	tb_sibling(bin, sizeof(bin), "RINGTOP_BIN", "ringtop/ringtop");
	argv[n++] = bin;
	argv[n++] = "-b";
	if (json)
		argv[n++] = "-j";
	argv[n++] = "-d";
	argv[n++] = delay;
	argv[n++] = "-n";
	argv[n++] = "1000";
	argv[n++] = "-S";
	argv[n++] = d.sock;
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/ringtop-%s.out", d.dir,
	    json ? "json" : "text");
	snprintf(l->p.log, sizeof(l->p.log), "%s/ringtop-%s.err", d.dir,
	    json ? "json" : "text");
	l->json = json;
	/* stdout (the frames) and stderr (messages) apart */
	/* (an offset of our own: not the writer's open file) */
	TAP_SYS(n = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600));
	TAP_SYS(l->fd = open(log, O_RDONLY | O_CLOEXEC));
	fflush(NULL);
	TAP_SYS(l->p.pid = fork());
	if (l->p.pid == 0) {
		int e = open(l->p.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (e < 0 || null < 0)
			_exit(126);
		dup2(null, STDIN_FILENO);
		dup2(n, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(n);
}

static void
tb_live_stop(struct tb_live *l)
{
	if (l->p.pid > 0) {
		kill(l->p.pid, SIGTERM);
		tp_reap(&l->p, 5000);
	}
	if (l->fd > 0)
		close(l->fd);
	l->fd = -1;
}

/*
 * The next frame within ms, NUL-terminated in place (a JSON line, or a
 * text frame up to its blank line); fails the sub-test when none comes.
 */
static char *
tb_live_next(struct tb_live *l, unsigned ms)
{
	uint64_t t0 = tu_now_ns();

	for (;;) {
		const char *end = l->json ? "\n" : "\n\n";
		char *f = l->buf + l->off, *e;
		ssize_t k;

		l->buf[l->len] = '\0';
		if ((e = strstr(f, end)) != NULL) {
			*e = '\0';
			l->off = (size_t)(e - l->buf) + strlen(end);
			return f;
		}
		k = read(l->fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
		if (k > 0) {
			l->len += (size_t)k;
			continue;
		}
		if (l->len == sizeof(l->buf) - 1)
			TAP_FAIL("ringtop wrote too much");
		if (tu_now_ns() - t0 > (uint64_t)ms * 1000000ull) {
			tp_dump(&l->p);
			TAP_FAIL("no ringtop frame within %u ms", ms);
		}
		tu_sleep_ms(20);
	}
}

/* The next JSON frame (the caller puts it). */
static struct json_object *
tb_live_json(struct tb_live *l, unsigned ms)
{
	const char *line = tb_live_next(l, ms);

	return tb_parse(line, (int)strlen(line), 0);
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

/* The frame's ring activity, "" when null. */
static const char *
tb_activity(struct json_object *ring)
{
	struct json_object *a = tb_get(ring, "activity");

	return json_object_is_type(a, json_type_string)
	    ? json_object_get_string(a)
	    : "";
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

/* Read JSON frames (at most 60) until the TB_DISK ring moves. */
static void
tb_await_running(struct tb_live *l)
{
	int i;

	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(l, 5000), *r;
		bool ok = (r = tb_disk(f, "rings")) != NULL &&
		    strcmp(tb_activity(r), "running") == 0;

		json_object_put(f);
		if (ok)
			return;
	}
	TAP_FAIL("the ring to '%s' never shows as running", TB_DISK);
}

/* Read text frames (at most n) until one has every string of want[]. */
static void
tb_await_text(struct tb_live *l, int n, const char *const *want)
{
	const char *f = "";
	int i, k;

	for (i = 0; i < n; i++) {
		f = tb_live_next(l, 5000);
		for (k = 0; want[k] != NULL && strstr(f, want[k]) != NULL; k++)
			;
		if (want[k] == NULL)
			return;
	}
	tb_dump("last frame", f);
	TAP_FAIL("no text frame with '%s'", want[0]);
}

static uint64_t
tb_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Did a wait word of either queue change between two ring objects? */
static bool
tb_waits_differ(struct json_object *a, struct json_object *b)
{
	static const char *const q[] = { "sq", "cq" };
	static const char *const w[] = { "pop_wait", "push_wait" };
	int i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (strcmp(json_object_to_json_string(
				       tb_get(tb_get(a, q[i]), w[j])),
				json_object_to_json_string(
				    tb_get(tb_get(b, q[i]), w[j]))) != 0)
				return true;
	return false;
}

/* The four epochs of a ring object, to tell movement. */
static void
tb_epochs(struct json_object *r, int64_t e[4])
{
	e[0] = tb_int(r, "submitted");
	e[1] = tb_int(r, "taken");
	e[2] = tb_int(r, "completed");
	e[3] = tb_int(r, "reaped");
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

/*
 * SIGSTOP the scheme: within 3 s of the stop (snapshot time) the ring is
 * `stalled` with an SQ-stall alarm naming the scheme's pid/comm; frames
 * in which no index moved never say `running`, whatever the wait words
 * do (the driver wakes on timeouts); SIGCONT: the stall ends.
 */
static void
test_demo_stall(void)
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
	stop_ns = tb_wall_ns();
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
			TAP_ASSERT(json_object_get_boolean(
			    tb_get(r, "stalled")));
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
		tb_dump("ring", json_object_to_json_string(
				    tb_disk(last, "rings")));
		TAP_FAIL("no stall alarm in 60 frames after the SIGSTOP");
	}
	json_object_put(last);
	TAP_ASSERT(began);
	tap_diag("%u still frames, %u with only wait words changed",
	    still, waitdiff);
	/* the same in text: STATE stalled, the alarm line blames the scheme */
	snprintf(who, sizeof(who), ", blame producer %d/blkdev-scheme",
	    (int)tb_scheme.pid);
	want[0] = who;
	want[1] = " stalled\n";
	want[2] = "): stalled, ";
	want[3] = NULL;
	tb_await_text(&tb_lt, 60, want);
	TAP_SYS(kill(tb_scheme.pid, SIGCONT));
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		bool ended = tb_event(f, "stall_ended", "stalled ended") != NULL;

		json_object_put(f);
		if (ended)
			break;
	}
	if (i == 60)
		TAP_FAIL("no stall_ended event after the SIGCONT");
	tb_await_running(&tb_lj);
	tb_demo_unwatch();
}

/* SIGSTOP the driver: its CQEs wait unreaped, the alarm names it. */
static void
test_demo_backlog(void)
{
	char who[64];
	const char *want[3];
	int i;

	tb_demo_watch();
	TAP_SYS(kill(tb_driver.pid, SIGSTOP));
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		struct json_object *r = tb_disk(f, "rings");
		bool done = false;

		TAP_ASSERT(r != NULL);
		if (json_object_is_type(tb_get(r, "alarm"), json_type_object)) {
			tb_alarm(r, "cq_backlog", "consumer", tb_driver.pid);
			TAP_ASSERT(tb_int(r, "cq_backlog") > 0);
			TAP_ASSERT(strcmp(tb_str(tb_get(tb_get(r, "alarm"),
						     "culprit"),
					      "comm"),
				       "blkdev-driver") == 0);
			done = true;
		}
		json_object_put(f);
		if (done)
			break;
	}
	if (i == 60)
		TAP_FAIL("no CQ backlog alarm after stopping the driver");
	snprintf(who, sizeof(who), ", blame consumer %d/blkdev-driver",
	    (int)tb_driver.pid);
	want[0] = who;
	want[1] = "): cq backlog, ";
	want[2] = NULL;
	tb_await_text(&tb_lt, 60, want);
	tb_demo_unwatch();
}

/* Kill the driver: its ring is listed as ended, the log says how. */
static void
test_demo_ended(void)
{
	char line[96], row[64];
	const char *want[3];
	pid_t pid;
	int i;

	tb_demo_watch();
	pid = tb_driver.pid;
	tb_kill(&tb_driver);
	snprintf(line, sizeof(line), "%d/blkdev-driver) ended: consumer gone",
	    (int)pid);
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		struct json_object *r = tb_disk(f, "ended_rings"), *e;
		bool done = false;

		if (r != NULL) {
			TAP_ASSERT(tb_disk(f, "rings") == NULL);
			e = tb_get(r, "ended");
			TAP_ASSERT(strcmp(tb_str(e, "reason"),
				       "consumer gone") == 0);
			TAP_ASSERT(strcmp(tb_activity(r), "ended") == 0);
			e = tb_event(f, "ring_ended", line);
			if (e == NULL) {
				tb_dump("frame", json_object_to_json_string(
						     tb_get(f, "events")));
				TAP_FAIL("no ring_ended event '%s'", line);
			}
			TAP_EQ(tb_int(e, "ring_id"), tb_int(r, "id"));
			done = true;
		}
		json_object_put(f);
		if (done)
			break;
	}
	if (i == 60)
		TAP_FAIL("the killed driver's ring is not shown as ended");
	/* the text frames: the row says so, and the event line */
	snprintf(row, sizeof(row), " ended: consumer gone\n");
	want[0] = row;
	want[1] = line;
	want[2] = NULL;
	tb_await_text(&tb_lt, 60, want);
	tb_demo_unwatch();
}

/*
 * Stop ringd: the frames keep the last data, marked stale; start it
 * again: fresh frames, a ringd_back event, the ring adopted again.
 */
static void
test_demo_ringd_gone(void)
{
	const char *want[] = { "  STALE: ringd gone since ", " " TB_DISK " ",
		"event ", " ringd went away: ", NULL };
	pid_t ringd = 0;
	int i;

	tb_demo_watch();
	ringd = d.pid;
	td_stop(&d);
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		bool done = false;

		if (json_object_get_boolean(tb_get(f, "stale"))) {
			TAP_ASSERT(json_object_is_type(
			    tb_get(f, "ringd_gone_since_ns"), json_type_int));
			TAP_ASSERT(json_object_is_type(tb_get(f, "error"),
			    json_type_string));
			/* the last snapshot: ringd's status and the ring */
			TAP_EQ(tb_int(tb_get(f, "ringd"), "pid"), ringd);
			TAP_ASSERT(tb_disk(f, "rings") != NULL);
			TAP_ASSERT(tb_event(f, "ringd_gone", "ringd went away") !=
			    NULL);
			done = true;
		}
		json_object_put(f);
		if (done)
			break;
	}
	if (i == 60)
		TAP_FAIL("no stale frame after stopping ringd");
	tb_await_text(&tb_lt, 60, want);
	/* ringd back: fresh frames, the event, the ring adopted and moving */
	td_start(&d, NULL, 0);
	for (i = 0; i < 60; i++) {
		struct json_object *f = tb_live_json(&tb_lj, 5000);
		bool done = false;
		char back[48];

		snprintf(back, sizeof(back), "ringd restarted (pid %d)",
		    (int)d.pid);
		if (!json_object_get_boolean(tb_get(f, "stale"))) {
			TAP_ASSERT(json_object_get_type(tb_get(f,
				       "ringd_gone_since_ns")) ==
			    json_type_null);
			TAP_EQ(tb_int(tb_get(f, "ringd"), "pid"), d.pid);
			TAP_ASSERT(tb_event(f, "ringd_back", back) != NULL);
			done = true;
		}
		json_object_put(f);
		if (done)
			break;
	}
	if (i == 60)
		TAP_FAIL("no fresh frame after ringd came back");
	tb_await_running(&tb_lj);
	tb_demo_unwatch();
}

/*
 * A ring's first frame: rates and state unknown (null, "-"), known in the
 * next.  ringtop -b -n 1 -o -s sq (ringtop(1)'s example) keeps the busy
 * ring, whose figures are not known yet.
 */
static void
test_demo_first(void)
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
	TAP_ASSERT(json_object_get_type(tb_get(r, "submit_per_s")) ==
	    json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(r, "complete_per_s")) ==
	    json_type_null);
	TAP_ASSERT(json_object_get_type(tb_get(r, "activity")) ==
	    json_type_null);
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
	run = tb_ringtop("-b", "-n", "1", "-o", "-s", "sq", "-S", d.sock,
	    NULL);
	TB_STATUS(run, 0);
	if (strstr(run->out, " " TB_DISK " ") == NULL) {
		tb_dump("stdout", run->out);
		TAP_FAIL("-b -n 1 -o -s sq drops the busy ring");
	}
	tb_demo_end();
}

/* .ringd in -b -j is the object `ringctl -j status` prints. */
static void
test_demo_status(void)
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

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringtop-batch-text", test_text, 60);
	tap_run("ringtop-batch-json", test_json, 60);
	tap_run("ringtop-batch-stalled", test_stalled, 60);
	tap_run("ringtop-batch-wait-words", test_wait_words, 60);
	tap_run("ringtop-batch-no-cqe", test_no_cqe, 60);
	tap_run("ringtop-batch-select", test_select, 60);
	tap_run("ringtop-batch-no-ringd", test_no_ringd, 30);
	tap_run("ringtop-batch-usage", test_usage, 30);
	tap_run("ringtop-batch-demo-stall", test_demo_stall, 90);
	tap_run("ringtop-batch-demo-backlog", test_demo_backlog, 90);
	tap_run("ringtop-batch-demo-ended", test_demo_ended, 90);
	tap_run("ringtop-batch-demo-ringd-gone", test_demo_ringd_gone, 90);
	tap_run("ringtop-batch-demo-first", test_demo_first, 90);
	tap_run("ringtop-batch-demo-status", test_demo_status, 60);
	return tap_done();
}
