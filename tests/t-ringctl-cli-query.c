/*
 * t-ringctl-cli-query.c - the ringctl binary against a private ringd: the
 * global contract (usage errors, exit statuses, an unreachable ringd),
 * status, schemes and probe, rings and clients in text and JSON (JSON
 * parsed by json-c and checked against the schema of ringctl(1)), -q in
 * JSON, bad input for the commands without other tests of it (with ringd
 * still serving afterwards), and the status of an unhealthy ringd.
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

/* --- global contract ---------------------------------------------------- */

static const struct tr_usage global_usage[] = {
	{ { "statsu" }, "unknown command 'statsu' (did you mean 'status'?)" },
	{ { "frobnicate" }, "unknown command 'frobnicate'" },
	{ { "-x", "status" }, "unknown option '-x'" },
	{ { "--frob", "status" }, "unknown option '--frob'" },
};

static const struct tr_usage status_usage[] = {
	{ { "status", "extra" }, "status: unexpected argument 'extra'" },
	{ { "status", "--bogus" }, "status: unknown option '--bogus'" },
	{ { "--force", "status" }, "--force is for -b" },
};

TAP_TEST(test_usage, "ringctl-usage", 60)
{
	td_begin(&d, NULL);
	tr_runv(d.dir, &r, NULL, (const char *const[]){ NULL });
	EXPECT_USAGE("no command given");
	USAGE_CASES(global_usage);
	tr_runv(d.dir, &r, NULL, (const char *const[]){ "-S", NULL });
	EXPECT_USAGE("needs a value");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", "", "status", NULL });
	EXPECT_USAGE("empty socket path");
	USAGE_CASES(status_usage);
	CTL_OK("-V");
	TAP_ASSERT(strncmp(r.out, "ringctl ", 8) == 0);
	CTL_OK("-h");
	TAP_ASSERT(strstr(r.out, "usage: ringctl") != NULL);
	CTL_OK("submit", "-h");
	TAP_ASSERT(
	    strstr(r.out, "usage: ringctl [-jp] [-S socket] submit") != NULL);
	/* JSON mode: the error object on stdout too */
	CTL("-j", "statsu");
	EXPECT_STATUS(2);
	{
		struct json_object *o = JSON_OUT();

		tr_keys(o, "error", TR_ERROR_KEYS);
		TAP_ASSERT(tr_get(o, "errno") == NULL);
		json_object_put(o);
	}
	td_finish(&d);
}

TAP_TEST(test_unreachable, "ringctl-unreachable", 60)
{
	char path[200];
	struct json_object *o;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/nobody-here.sock", d.dir);
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "status", NULL });
	EXPECT_FAIL(3, "cannot connect to ringd at '");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "-j", "rings", NULL });
	EXPECT_STATUS(3);
	o = JSON_OUT();
	tr_keys(o, "error", TR_ERROR_KEYS);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOENT") == 0);
	json_object_put(o);
	/* every command that needs ringd says 3 */
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "submit", "null", "noop",
		NULL });
	EXPECT_STATUS(3);
	/* and the environment names the socket when -S does not */
	setenv("RINGD_SOCKET", d.sock, 1);
	tr_runv(d.dir, &r, NULL, (const char *const[]){ "status", NULL });
	EXPECT_STATUS(0);
	unsetenv("RINGD_SOCKET");
	/* ringd gone: 3 again */
	td_stop(&d);
	CTL("schemes");
	EXPECT_STATUS(3);
	td_cleanup(&d);
}

/* --- introspection ------------------------------------------------------ */

TAP_TEST(test_status, "ringctl-status", 60)
{
	struct json_object *o;

	td_begin(&d, NULL);
	CTL_OK("status");
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	TAP_ASSERT(strstr(r.out, "schemes:  3") != NULL);
	CTL_OK("-j", "status");
	o = JSON_OUT();
	tr_keys(o, "status", "server:string", "protocol_version:int", "pid:int",
	    "uptime_ns:int", "schemes:int", "rings:int", "clients:int",
	    "client_version:string", "regions:int?", "phys:object?",
	    "healthy:bool", "socket:string", "pending_rings:int",
	    "broken_rings:int");
	TAP_EQ(tr_int(o, "pid"), d.pid);
	TAP_EQ(tr_int(o, "protocol_version"), (int64_t)ring_ctl_protocol());
	TAP_EQ(tr_int(o, "schemes"), 3);
	TAP_EQ(tr_int(o, "rings"), 0);
	TAP_EQ(tr_int(o, "clients"), 1); /* ringctl itself */
	TAP_ASSERT(strcmp(tr_str(o, "socket"), d.sock) == 0);
	TAP_ASSERT(strncmp(tr_str(o, "server"), "ringd ", 6) == 0);
	TAP_ASSERT(json_object_get_boolean(tr_get(o, "healthy")));
	json_object_put(o);
	/* -p: the same object, indented */
	CTL_OK("-p", "status");
	TAP_ASSERT(strstr(r.out, "\n  \"server\": ") != NULL);
	json_object_put(JSON_OUT());
	td_finish(&d);
}

static void
check_opcodes(struct json_object *ops, const unsigned *want, unsigned n)
{
	unsigned i;

	TAP_ASSERT(json_object_is_type(ops, json_type_array));
	TAP_EQ(json_object_array_length(ops), n);
	for (i = 0; i < n; i++) {
		struct json_object *op = json_object_array_get_idx(ops, i);

		tr_keys(op, "opcode", TR_OPCODE_KEYS);
		TAP_EQ(tr_int(op, "code"), want[i]);
	}
}

TAP_TEST(test_schemes_probe, "ringctl-schemes-probe", 60)
{
	static const unsigned null_ops[] = { 0, 3, 4 };
	struct json_object *a, *s;
	size_t i;

	td_begin(&d, NULL);
	CTL_OK("schemes");
	TAP_ASSERT(strstr(r.out, "NAME") != NULL);
	TAP_ASSERT(strstr(r.out, "noop,read,write") != NULL);
	CTL_OK("schemes", "-q");
	TAP_ASSERT(strcmp(r.out, "echo\nnull\nzero\n") == 0);
	CTL_OK("-j", "schemes");
	a = JSON_OUT();
	TAP_ASSERT(json_object_is_type(a, json_type_array));
	TAP_EQ(json_object_array_length(a), 3);
	for (i = 0; i < 3; i++) {
		s = json_object_array_get_idx(a, i);
		tr_keys(s, "scheme", TR_SCHEME_KEYS);
		tr_keys(tr_get(s, "owner"), "owner", TR_PEER_KEYS);
		TAP_ASSERT(json_object_get_boolean(tr_get(s, "builtin")));
		if (strcmp(tr_str(s, "name"), "null") == 0)
			check_opcodes(tr_get(s, "opcodes"), null_ops, 3);
	}
	json_object_put(a);

	CTL_OK("probe", "null");
	TAP_ASSERT(strstr(r.out, "  0  noop\n  3  read\n  4  write\n") != NULL);
	CTL_OK("probe", "-q", "null");
	TAP_ASSERT(strcmp(r.out, "noop\nread\nwrite\n") == 0);
	CTL_OK("-j", "probe", "null");
	s = JSON_OUT();
	tr_keys(s, "probe", "scheme:string", "opcodes_declared:bool",
	    "opcodes:array");
	check_opcodes(tr_get(s, "opcodes"), null_ops, 3);
	json_object_put(s);
	/* bad input */
	CTL("probe");
	EXPECT_USAGE("probe: missing argument");
	CTL("probe", "null", "zero");
	EXPECT_USAGE("probe: unexpected argument 'zero'");
	CTL("probe", "nosuch");
	EXPECT_FAIL(1, "ringctl: cannot probe 'nosuch': no such scheme");
	CTL("-j", "probe", "nosuch");
	EXPECT_STATUS(1);
	s = JSON_OUT();
	TAP_ASSERT(strcmp(tr_str(s, "errno"), "ENODEV") == 0);
	json_object_put(s);
	CTL("probe", "bad/name");
	EXPECT_STATUS(1);
	CTL("schemes", "extra");
	EXPECT_USAGE("schemes: unexpected argument");
	td_finish(&d);
}

static const struct tr_usage rings_usage[] = {
	{ { "ring" }, "ring: missing argument" },
	{ { "ring", "abc" }, "ring: bad ring id 'abc'" },
	{ { "ring", "-5" }, "ring: unknown option '-5'" },
	{ { "ring", "99999999999999999999999" }, "too large" },
};

TAP_TEST(test_rings, "ringctl-rings-clients", 60)
{
	struct json_object *a, *o, *q;
	struct ring_ctl *c;
	struct ring *ring;
	struct ring_sqe sqe;
	uint64_t id;
	int ready[2], done[2];
	char ids[32];
	pid_t pid;
	unsigned i;

	td_begin(&d, NULL);
	CTL_OK("-j", "rings");
	TAP_ASSERT(strcmp(r.out, "[]\n") == 0);
	pid = ts_idle_scheme(&d, "idle", ready, done);
	c = td_connect(&d);
	ring = td_open(c, "idle", 8, 0, 4096, &id);
	tu_await(ready[0], 5000);
	memset(&sqe, 0, sizeof(sqe));
	for (i = 0; i < 3; i++)
		TAP_OK(ring_sq_push(ring, &sqe));

	CTL_OK("rings");
	TAP_ASSERT(strstr(r.out, "SQ_DEPTH") != NULL);
	TAP_ASSERT(strstr(r.out, "SCHEME  KIND  STATE") != NULL);
	TAP_ASSERT(strstr(r.out, "idle    v1    running") != NULL);
	TAP_ASSERT(strstr(r.out, "running") != NULL);
	CTL("rings", "-q");
	snprintf(ids, sizeof(ids), "%" PRIu64 "\n", id);
	TAP_ASSERT(strcmp(r.out, ids) == 0);
	CTL_OK("-j", "rings");
	a = JSON_OUT();
	TAP_EQ(json_object_array_length(a), 1);
	o = json_object_array_get_idx(a, 0);
	tr_keys(o, "ring", TR_RING_KEYS);
	tr_keys(tr_get(o, "consumer"), "consumer", TR_PEER_KEYS);
	tr_keys(tr_get(o, "producer"), "producer", TR_PEER_KEYS);
	tr_keys(tr_get(o, "sq"), "sq", TR_QUEUE_KEYS);
	tr_keys(tr_get(o, "cq"), "cq", TR_QUEUE_KEYS);
	TAP_EQ(tr_int(o, "id"), id);
	TAP_ASSERT(strcmp(tr_str(o, "scheme"), "idle") == 0);
	TAP_ASSERT(strcmp(tr_str(o, "state"), "running") == 0);
	TAP_ASSERT(strcmp(tr_str(o, "kind"), "v1") == 0);
	TAP_ASSERT(!json_object_get_boolean(tr_get(o, "builtin")));
	TAP_EQ(tr_int(tr_get(o, "consumer"), "pid"), getpid());
	TAP_EQ(tr_int(tr_get(o, "producer"), "pid"), pid);
	TAP_EQ(tr_int(o, "sq_entries"), 8);
	TAP_EQ(tr_int(o, "entry_bits"), 64);
	TAP_EQ(tr_int(o, "sqe_size_bytes"), 64);
	TAP_EQ(tr_int(o, "pool_bytes"), 4096);
	TAP_EQ(tr_int(o, "sq_depth"), 3);
	TAP_EQ(tr_int(o, "submitted"), 3);
	TAP_EQ(tr_int(o, "taken"), 0);
	TAP_EQ(tr_int(o, "cq_backlog"), 0);
	q = tr_get(o, "sq");
	TAP_EQ(tr_int(q, "depth"), 3);
	json_object_put(a);

	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	CTL_OK("ring", ids);
	TAP_ASSERT(strstr(r.out, "sq_depth:   3") != NULL);
	TAP_ASSERT(strstr(r.out, "state:      running") != NULL);
	TAP_ASSERT(strstr(r.out, "kind:       v1") != NULL);
	TAP_ASSERT(strstr(r.out, "waiting:    -") != NULL);
	CTL_OK("-j", "ring", ids);
	o = JSON_OUT();
	tr_keys(o, "ring", TR_RING_KEYS);
	TAP_EQ(tr_int(o, "sq_depth"), 3);
	json_object_put(o);

	/* bad ids */
	USAGE_CASES(rings_usage);
	CTL("ring", "4242");
	EXPECT_FAIL(1, "ringctl: no ring 4242\n");
	CTL("-j", "ring", "4242");
	o = JSON_OUT();
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOENT") == 0);
	json_object_put(o);

	/* clients: us, the scheme, and ringctl itself */
	CTL_OK("-j", "clients");
	a = JSON_OUT();
	TAP_EQ(json_object_array_length(a), 3);
	for (i = 0; i < 3; i++)
		tr_keys(json_object_array_get_idx(a, i), "client",
		    TR_CLIENT_KEYS);
	json_object_put(a);
	CTL_OK("clients");
	TAP_ASSERT(strstr(r.out, "ringctl") != NULL);

	tu_notify(done[1]);
	tap_reap(pid);
	ring_close(ring);
	ring_ctl_close_ring(c, id);
	td_end(&d, c);
}

/* --- -q in JSON ------------------------------------------------------------ */

TAP_TEST(test_quiet_json, "ringctl-quiet-json", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	struct json_object *o;
	uint64_t id;
	char want[64];
	size_t i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);
	CTL_OK("-j", "schemes", "-q");
	TAP_ASSERT(strcmp(r.out, "[\"echo\",\"null\",\"zero\"]\n") == 0);
	CTL("schemes", "-qj");
	TAP_ASSERT(strcmp(r.out, "[\"echo\",\"null\",\"zero\"]\n") == 0);
	CTL_OK("-j", "rings", "-q");
	snprintf(want, sizeof(want), "[%" PRIu64 "]\n", id);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	CTL("rings", "-q");
	snprintf(want, sizeof(want), "%" PRIu64 "\n", id);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	CTL_OK("-p", "clients", "-q");
	o = JSON_OUT();
	TAP_ASSERT(json_object_is_type(o, json_type_array));
	TAP_ASSERT(json_object_array_length(o) >= 2); /* us and ringctl */
	for (i = 0; i < json_object_array_length(o); i++)
		TAP_ASSERT(json_object_is_type(json_object_array_get_idx(o, i),
		    json_type_int));
	json_object_put(o);
	/* in the shell too, for the one command */
	CTL_IN("rings -q -j\nrings -q\n", "shell");
	snprintf(want, sizeof(want), "[%" PRIu64 "]\n%" PRIu64 "\n", id, id);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	td_end_ring(&d, c, ring, id);
}

/* --- bad input for the commands without other tests of it ---------------- */

static const struct tr_usage bad_input_usage[] = {
	{ { "rings", "x" }, "rings: unexpected argument 'x'" },
	{ { "rings", "--bogus" }, "rings: unknown option '--bogus'" },
	{ { "rings", "-z" }, "rings: unknown option '-z'" },
	{ { "rings", "--json=1" }, "rings: unknown option '--json'" },
	{ { "clients", "1" }, "clients: unexpected argument '1'" },
	{ { "clients", "--all" }, "clients: unknown option '--all'" },
	{ { "clients", "-n", "1" }, "clients: unknown option '-n'" },
	{ { "help", "nosuch" }, "help: unknown command 'nosuch'" },
	{ { "help", "status", "rings" }, "help: unexpected argument 'rings'" },
	{ { "help", "--commands", "status" },
	    "help: --commands takes no command" },
	{ { "help", "-q" }, "help: unknown option '-q'" },
	{ { "help", "--commands=yes" },
	    "help: option '--commands' takes no value" },
	{ { "shell", "x" }, "shell: unexpected argument 'x'" },
	{ { "shell", "--bogus" }, "shell: unknown option '--bogus'" },
	{ { "shell", "-q" }, "shell: unknown option '-q'" },
};

TAP_TEST(test_bad_input, "ringctl-bad-input", 60)
{
	td_begin(&d, NULL);
	USAGE_CASES(bad_input_usage);
	/* JSON mode: the error object, and still status 2 */
	CTL("-j", "rings", "x");
	EXPECT_STATUS(2);
	{
		struct json_object *o = JSON_OUT();

		tr_keys(o, "error", TR_ERROR_KEYS);
		json_object_put(o);
	}
	/* ringd keeps serving */
	CTL_OK("status");
	td_finish(&d);
}

/* --- status of an unhealthy ringd ------------------------------------------ */

/*
 * A server on path that answers every client's first message with a
 * header of another protocol version, as a ringd of another release
 * would; a helper process, killed by the caller.
 */
static pid_t
fake_ringd(const char *path)
{
	static union {
		struct proto_hdr h;
		char raw[PROTO_MAX_MSG];
	} m;
	struct sockaddr_un sa;
	struct proto_hdr h;
	pid_t pid;
	ssize_t n;
	int fd, c;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		TAP_FAIL("socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(listen(fd, 8));
	if ((pid = tap_fork()) == 0) {
		while ((c = accept(fd, NULL, NULL)) >= 0) {
			n = recv(c, &m, sizeof(m), 0);
			if (n >= (ssize_t)sizeof(m.h)) {
				h = m.h;
				h.version = PROTO_VERSION + 1;
				h.type = (uint16_t)(m.h.type | PROTO_REPLY);
				h.len = sizeof(h);
				(void)send(c, &h, sizeof(h), MSG_NOSIGNAL);
			}
			close(c);
		}
		tap_child_exit();
	}
	close(fd);
	return pid;
}

TAP_TEST(test_status_unhealthy, "ringctl-status-unhealthy", 60)
{
	struct json_object *o;
	char path[200], want[400];
	pid_t srv;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/other.sock", d.dir);
	srv = fake_ringd(path);
	snprintf(want, sizeof(want),
	    "ringctl: ringd at '%s' speaks protocol %u, this ringctl speaks "
	    "%u\n",
	    path, PROTO_VERSION + 1, (unsigned)ring_ctl_protocol());
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "status", NULL });
	EXPECT_STATUS(1);
	if (strcmp(r.err, want) != 0)
		TAP_FAIL("stderr is '%s', expected '%s'", r.err, want);
	TAP_ASSERT(r.out[0] == '\0');
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "-j", "status", NULL });
	EXPECT_STATUS(1);
	o = JSON_OUT();
	tr_keys(o, "error", TR_ERROR_KEYS);
	TAP_ASSERT(strstr(tr_str(o, "error"), "speaks protocol") != NULL);
	json_object_put(o);
	/* the health check of ringctl(1)'s EXAMPLES */
	snprintf(want, sizeof(want),
	    "'%s' -S '%s' status >/dev/null 2>&1 || exit 7", tr_binary(), path);
	TAP_EQ(WEXITSTATUS(system(want)), 7);
	tap_kill(srv);
	/* the real one is healthy */
	CTL_OK("status");
	td_finish(&d);
}

TAP_MAIN(td_setup)
