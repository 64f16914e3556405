/*
 * t-ringtop-batch.h - what the ringtop -b test programs share: running
 * ringtop and ringctl and collecting their output, reading JSON frames
 * with json-c, a ringtop -b that runs on while a test changes what it
 * watches (struct tb_live), and the checks of a ring's alarm.
 *
 * Included by t-ringtop-batch-traffic.c (test traffic from lib/load.h)
 * and t-ringtop-batch-demo.c (the blkdev demo's processes) alone; the
 * helpers are static, each program gets its own copy.
 */
#ifndef T_RINGTOP_BATCH_H
#define T_RINGTOP_BATCH_H

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

#define TB_OUT_MAX (1u << 20)

static struct td d;

/* Output and status of one run. */
struct tb_run {
	char out[TB_OUT_MAX];
	char err[8192];
	int status; /* exit status, or 128 + signal */
};

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

	td_build_bin("RINGTOP_BIN", "ringtop/ringtop", bin, sizeof(bin));
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

/* The member key of o, which must be of type t (what names it). */
static struct json_object *
tb_get_type(struct json_object *o, const char *key, json_type t,
    const char *what)
{
	struct json_object *v = tb_get(o, key);

	if (!json_object_is_type(v, t))
		TAP_FAIL("'%s' is not %s", key, what);
	return v;
}

static int64_t
tb_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(
	    tb_get_type(o, key, json_type_int, "an integer"));
}

static const char *
tb_str(struct json_object *o, const char *key)
{
	return json_object_get_string(
	    tb_get_type(o, key, json_type_string, "a string"));
}

/* `ringctl -S sock -j cmd` as a JSON value of type want (caller puts). */
static struct json_object *
tb_ringctl_json(const char *cmd, json_type want)
{
	static struct tb_run ctl;
	char ringctl[PATH_MAX];
	const char *argv[] = { ringctl, "-S", d.sock, "-j", cmd, NULL };
	struct json_object *o;

	td_build_bin("RINGCTL_BIN", "ringctl/ringctl", ringctl,
	    sizeof(ringctl));
	tb_exec(&ctl, argv);
	TB_STATUS(&ctl, 0);
	o = json_tokener_parse(ctl.out);
	TAP_ASSERT(o != NULL && json_object_is_type(o, want));
	return o;
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

/* --- a ringtop -b that runs on --------------------------------------------- */

/* A ringtop -b that runs on, its frames read from its log as they come. */
struct tb_live {
	struct tp_proc p;
	bool json;
	int fd;	    /* its log, for reading */
	size_t len; /* bytes read */
	size_t off; /* start of the next frame */
	char buf[TB_OUT_MAX];
};

static struct tb_live tb_lj, tb_lt; /* one -j, one text */

static void
tb_live_start(struct tb_live *l, bool json, const char *delay)
{
	static char bin[PATH_MAX];
	const char *argv[12];
	char log[TD_PATH_MAX];
	int n = 0;

	memset(l, 0, sizeof(*l));
	td_build_bin("RINGTOP_BIN", "ringtop/ringtop", bin, sizeof(bin));
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
	TAP_SYS(n = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
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
	uint64_t t0 = clock_ns();

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
		if (clock_ns() - t0 > (uint64_t)ms * 1000000ull) {
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

/* The frame's ring activity, "" when null. */
static const char *
tb_activity(struct json_object *ring)
{
	struct json_object *a = tb_get(ring, "activity");

	return json_object_is_type(a, json_type_string)
	    ? json_object_get_string(a)
	    : "";
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

#endif /* T_RINGTOP_BATCH_H */
