/*
 * t-ringtop-batch.c - ringtop -b against a private ringd with test
 * traffic: text frames, JSON frames read by json-c (one object per line,
 * the ring keys of `ringctl -j rings` plus ringtop's own), rates, the
 * stall age and alarm, filter, -o and sort, ringd absent, and bad usage.
 *
 * Traffic (lib/load.h): a stalled scheme with 5 SQEs queued (SQ depth 5),
 * 3 SQEs to the built-in echo scheme never reaped (CQ backlog 3), round
 * trips through null (moving) and an idle ring to zero.
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
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/load.h"
#include "lib/ringd.h"
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

/* Parse out as JSON lines; every line must be one complete object. */
static size_t
tb_frames(const char *out, struct json_object **f, size_t max)
{
	const char *p = out, *nl;
	size_t n = 0;

	while (*p != '\0') {
		struct json_tokener *tok;
		struct json_object *o;
		int len;

		if ((nl = strchr(p, '\n')) == NULL)
			TAP_FAIL("frame %zu does not end with a newline",
			    n + 1);
		len = (int)(nl - p);
		if (n == max)
			TAP_FAIL("more than %zu frames", max);
		tok = json_tokener_new();
		TAP_ASSERT(tok != NULL);
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, p, len);
		if (o == NULL ||
		    json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != (size_t)len) {
			tap_diag("line: %.*s", len > 300 ? 300 : len, p);
			TAP_FAIL("frame %zu is not one JSON object: %s", n + 1,
			    json_tokener_error_desc(
				json_tokener_get_error(tok)));
		}
		json_tokener_free(tok);
		if (!json_object_is_type(o, json_type_object))
			TAP_FAIL("frame %zu is not an object", n + 1);
		f[n++] = o;
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
	static struct tb_run ctl;
	struct json_object *f[TB_FRAMES_MAX], *st, *ec, *nu, *o, *ref;
	struct json_object *rings;
	struct tb_run *r;
	char ringctl[PATH_MAX];
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
	tb_sibling(ringctl, sizeof(ringctl), "RINGCTL_BIN", "ringctl/ringctl");
	{
		const char *argv[] = { ringctl, "-S", d.sock, "-j", "rings",
			NULL };

		tb_exec(&ctl, argv);
	}
	TB_STATUS(&ctl, 0);
	ref = json_tokener_parse(ctl.out);
	TAP_ASSERT(ref != NULL && json_object_is_type(ref, json_type_array));
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

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringtop-batch-text", test_text, 60);
	tap_run("ringtop-batch-json", test_json, 60);
	tap_run("ringtop-batch-stalled", test_stalled, 60);
	tap_run("ringtop-batch-select", test_select, 60);
	tap_run("ringtop-batch-no-ringd", test_no_ringd, 30);
	tap_run("ringtop-batch-usage", test_usage, 30);
	return tap_done();
}
