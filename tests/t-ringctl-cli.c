/*
 * t-ringctl-cli.c - the ringctl binary against a private ringd: every
 * command in text and JSON (JSON parsed by json-c and checked against the
 * schema of ringctl(1)), every exit status, bad input for each command
 * (with ringd still serving afterwards), the load generator, monitor,
 * Prometheus metrics (parsed by a real parser when one is installed),
 * batch files with and without --force, and the sync between the command
 * table, the man page and the completions.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "t-ringctl.h"

static struct td d;
static struct tr_run r;

/* Run ringctl -S <our ringd> ARGS... */
#define CTL(...) \
	tr_runv(d.dir, &r, NULL, \
	    (const char *const[]){ "-S", d.sock, __VA_ARGS__, NULL })
#define CTL_IN(input, ...) \
	tr_runv(d.dir, &r, (input), \
	    (const char *const[]){ "-S", d.sock, __VA_ARGS__, NULL })

#define EXPECT_STATUS(want) TR_EXPECT_STATUS(&r, want)

#define EXPECT_ERR(needle) TR_EXPECT_ERR(&r, needle)

/* A usage error: status 2, one "ringctl: " line first, nothing on stdout. */
#define EXPECT_USAGE(needle) \
	do { \
		EXPECT_STATUS(2); \
		EXPECT_ERR(needle); \
		if (strncmp(r.err, "ringctl: ", 9) != 0) \
			TAP_FAIL("stderr does not start 'ringctl: ': %s", \
			    r.err); \
		if (r.out[0] != '\0') \
			TAP_FAIL("stdout not empty: %s", r.out); \
		if (strchr(r.err, '\n') != r.err + strlen(r.err) - 1) \
			TAP_FAIL("not one line: %s", r.err); \
	} while (0)

static struct json_object *
json_out(void)
{
	return tr_parse(r.out);
}

/* --- global contract ---------------------------------------------------- */

static void
test_usage(void)
{
	td_begin(&d, NULL);
	tr_runv(d.dir, &r, NULL, (const char *const[]){ NULL });
	EXPECT_USAGE("no command given");
	CTL("statsu");
	EXPECT_USAGE("unknown command 'statsu' (did you mean 'status'?)");
	CTL("frobnicate");
	EXPECT_USAGE("unknown command 'frobnicate'");
	CTL("-x", "status");
	EXPECT_USAGE("unknown option '-x'");
	CTL("--frob", "status");
	EXPECT_USAGE("unknown option '--frob'");
	tr_runv(d.dir, &r, NULL, (const char *const[]){ "-S", NULL });
	EXPECT_USAGE("needs a value");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", "", "status", NULL });
	EXPECT_USAGE("empty socket path");
	CTL("status", "extra");
	EXPECT_USAGE("status: unexpected argument 'extra'");
	CTL("status", "--bogus");
	EXPECT_USAGE("status: unknown option '--bogus'");
	CTL("--force", "status");
	EXPECT_USAGE("--force is for -b");
	CTL("-V");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "ringctl ", 8) == 0);
	CTL("-h");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "usage: ringctl") != NULL);
	CTL("submit", "-h");
	EXPECT_STATUS(0);
	TAP_ASSERT(
	    strstr(r.out, "usage: ringctl [-jp] [-S socket] submit") != NULL);
	/* JSON mode: the error object on stdout too */
	CTL("-j", "statsu");
	EXPECT_STATUS(2);
	{
		struct json_object *o = json_out();

		tr_keys(o, "error", TR_ERROR_KEYS);
		TAP_ASSERT(tr_get(o, "errno") == NULL);
		json_object_put(o);
	}
	td_finish(&d);
}

static void
test_unreachable(void)
{
	char path[200];
	struct json_object *o;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/nobody-here.sock", d.dir);
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "status", NULL });
	EXPECT_STATUS(3);
	EXPECT_ERR("cannot connect to ringd at '");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", path, "-j", "rings", NULL });
	EXPECT_STATUS(3);
	o = json_out();
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

static void
test_status(void)
{
	struct json_object *o;

	td_begin(&d, NULL);
	CTL("status");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	TAP_ASSERT(strstr(r.out, "schemes:  3") != NULL);
	CTL("-j", "status");
	EXPECT_STATUS(0);
	o = json_out();
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
	CTL("-p", "status");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "\n  \"server\": ") != NULL);
	json_object_put(json_out());
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

static void
test_schemes_probe(void)
{
	static const unsigned null_ops[] = { 0, 3, 4 };
	struct json_object *a, *s;
	size_t i;

	td_begin(&d, NULL);
	CTL("schemes");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "NAME") != NULL);
	TAP_ASSERT(strstr(r.out, "noop,read,write") != NULL);
	CTL("schemes", "-q");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "echo\nnull\nzero\n") == 0);
	CTL("-j", "schemes");
	EXPECT_STATUS(0);
	a = json_out();
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

	CTL("probe", "null");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "  0  noop\n  3  read\n  4  write\n") != NULL);
	CTL("probe", "-q", "null");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "noop\nread\nwrite\n") == 0);
	CTL("-j", "probe", "null");
	EXPECT_STATUS(0);
	s = json_out();
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
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: cannot probe 'nosuch': no such scheme");
	CTL("-j", "probe", "nosuch");
	EXPECT_STATUS(1);
	s = json_out();
	TAP_ASSERT(strcmp(tr_str(s, "errno"), "ENODEV") == 0);
	json_object_put(s);
	CTL("probe", "bad/name");
	EXPECT_STATUS(1);
	CTL("schemes", "extra");
	EXPECT_USAGE("schemes: unexpected argument");
	td_finish(&d);
}

/* A scheme in a helper process that accepts one ring and never serves it. */
static pid_t
idle_scheme(const char *name, int ready[2], int done[2])
{
	pid_t pid;

	tu_pipe(ready);
	tu_pipe(done);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring_attach at;
		struct ring *ring;
		static const uint8_t ops[] = { 0, 3, 4, 200 };

		TAP_OK(ring_ctl_register(c, name, ops, sizeof(ops)));
		tu_notify(ready[1]);
		TAP_OK(ring_ctl_wait_attach(c, &at, 10000));
		TAP_OK(ring_ctl_accept(c, &at, &ring));
		tu_notify(ready[1]);
		tu_await(done[0], 20000);
		ring_close(ring);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tu_await(ready[0], 5000);
	return pid;
}

static void
test_rings(void)
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
	CTL("-j", "rings");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "[]\n") == 0);
	pid = idle_scheme("idle", ready, done);
	c = td_connect(&d);
	ring = td_open(c, "idle", 8, 0, 4096, &id);
	tu_await(ready[0], 5000);
	memset(&sqe, 0, sizeof(sqe));
	for (i = 0; i < 3; i++)
		TAP_OK(ring_sq_push(ring, &sqe));

	CTL("rings");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "SQ_DEPTH") != NULL);
	TAP_ASSERT(strstr(r.out, "idle") != NULL);
	TAP_ASSERT(strstr(r.out, "running") != NULL);
	CTL("rings", "-q");
	snprintf(ids, sizeof(ids), "%" PRIu64 "\n", id);
	TAP_ASSERT(strcmp(r.out, ids) == 0);
	CTL("-j", "rings");
	EXPECT_STATUS(0);
	a = json_out();
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
	CTL("ring", ids);
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "sq_depth:   3") != NULL);
	TAP_ASSERT(strstr(r.out, "state:      running") != NULL);
	CTL("-j", "ring", ids);
	EXPECT_STATUS(0);
	o = json_out();
	tr_keys(o, "ring", TR_RING_KEYS);
	TAP_EQ(tr_int(o, "sq_depth"), 3);
	json_object_put(o);

	/* bad ids */
	CTL("ring");
	EXPECT_USAGE("ring: missing argument");
	CTL("ring", "abc");
	EXPECT_USAGE("ring: bad ring id 'abc'");
	CTL("ring", "-5");
	EXPECT_USAGE("ring: unknown option '-5'");
	CTL("ring", "99999999999999999999999");
	EXPECT_USAGE("too large");
	CTL("ring", "4242");
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: no ring 4242\n");
	CTL("-j", "ring", "4242");
	o = json_out();
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOENT") == 0);
	json_object_put(o);

	/* clients: us, the scheme, and ringctl itself */
	CTL("-j", "clients");
	EXPECT_STATUS(0);
	a = json_out();
	TAP_EQ(json_object_array_length(a), 3);
	for (i = 0; i < 3; i++)
		tr_keys(json_object_array_get_idx(a, i), "client",
		    TR_CLIENT_KEYS);
	json_object_put(a);
	CTL("clients");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "ringctl") != NULL);

	tu_notify(done[1]);
	tap_reap(pid);
	ring_close(ring);
	ring_ctl_close_ring(c, id);
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- submit -------------------------------------------------------------- */

static struct json_object *
submit_json(const char *const *args, int want_status)
{
	const char *argv[40];
	unsigned i = 0;

	argv[i++] = "-S";
	argv[i++] = d.sock;
	argv[i++] = "-j";
	argv[i++] = "submit";
	while (*args != NULL && i < 39)
		argv[i++] = *args++;
	argv[i] = NULL;
	tr_runv(d.dir, &r, NULL, argv);
	EXPECT_STATUS(want_status);
	return json_out();
}
#define SUBMIT_JSON(want, ...) \
	submit_json((const char *const[]){ __VA_ARGS__, NULL }, (want))

#define TR_SUBMIT_KEYS \
	"ring_id:int", "scheme:string", "opcode:object", "user_data:int", \
	    "status:int", "flags:int", "extra:int", "errno:string?", \
	    "latency_ns:int", "data_hex:string?"

static void
test_submit(void)
{
	struct json_object *o;
	char path[200], hex[129];
	FILE *f;

	td_begin(&d, NULL);
	/* null: Write completes with len, taken from data= */
	CTL("submit", "null", "write", "data=hello");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "user_data=0 status=5 ", 21) == 0);
	TAP_ASSERT(strstr(r.out, " latency=") != NULL);
	o = SUBMIT_JSON(0, "null", "write", "data=hello", "user_data=77");
	tr_keys(o, "submit", TR_SUBMIT_KEYS);
	tr_keys(tr_get(o, "opcode"), "opcode", TR_OPCODE_KEYS);
	TAP_EQ(tr_int(o, "status"), 5);
	TAP_EQ(tr_int(o, "user_data"), 77);
	TAP_ASSERT(tr_get(o, "errno") == NULL);
	TAP_ASSERT(tr_int(o, "latency_ns") > 0);
	TAP_ASSERT(strcmp(tr_str(tr_get(o, "opcode"), "name"), "write") == 0);
	json_object_put(o);
	/* opcode by number, len with a suffix */
	o = SUBMIT_JSON(0, "null", "4", "len=2K");
	TAP_EQ(tr_int(o, "status"), 2048);
	json_object_put(o);

	/* echo: status from user_data, extra = len, 64- and 32-bit */
	o = SUBMIT_JSON(0, "echo", "noop", "user_data=0x1234", "len=9");
	TAP_EQ((uint64_t)tr_int(o, "status"),
	    (0x1234ull ^ 0x5a5a5a5a5a5a5a5aull) & 0x7fffffffffffffffull);
	TAP_EQ(tr_int(o, "extra"), 9);
	json_object_put(o);
	o = SUBMIT_JSON(0, "--bits", "32", "echo", "read", "user_data=1000");
	TAP_EQ(tr_int(o, "status"), (1000 ^ 0x5a5a5a5a) & 0x7fffffff);
	json_object_put(o);
	/* a value a 32-bit entry cannot carry */
	CTL("submit", "--bits", "32", "echo", "noop", "user_data=0x100000000");
	EXPECT_STATUS(1);
	EXPECT_ERR("does not fit a 32-bit entry");

	/* an errno in the completion: decoded, exit status 1 */
	o = SUBMIT_JSON(1, "null", "fstat");
	TAP_EQ(tr_int(o, "status"), -ENOSYS);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOSYS") == 0);
	json_object_put(o);
	CTL("submit", "null", "fstat");
	EXPECT_STATUS(1);
	TAP_ASSERT(strstr(r.out,
		       "status=-38 (ENOSYS: function not "
		       "implemented)") != NULL);
	o = SUBMIT_JSON(1, "null", "noop", "flags=128");
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EINVAL") == 0);
	json_object_put(o);

	/* zero fills the buffer ringctl placed in the pool */
	o = SUBMIT_JSON(0, "--dump", "zero", "read", "len=64");
	TAP_EQ(tr_int(o, "status"), 64);
	memset(hex, '0', 128);
	hex[128] = '\0';
	TAP_ASSERT(strcmp(tr_str(o, "data_hex"), hex) == 0);
	json_object_put(o);
	CTL("submit", "--dump", "zero", "read", "len=20");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "00000010  00 00 00 00") != NULL);
	/* a range outside the pool: EFAULT from the scheme */
	o = SUBMIT_JSON(1, "zero", "read", "len=64", "addr=0x100000");
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EFAULT") == 0);
	json_object_put(o);

	/* --data-file */
	snprintf(path, sizeof(path), "%s/payload", d.dir);
	TAP_ASSERT((f = fopen(path, "w")) != NULL);
	fputs("0123456789abcdef0123", f);
	fclose(f);
	o = SUBMIT_JSON(0, "--data-file", path, "--dump", "null", "write");
	TAP_EQ(tr_int(o, "status"), 20);
	TAP_ASSERT(strncmp(tr_str(o, "data_hex"), "3031323334", 10) == 0);
	json_object_put(o);

	/* no ring is left behind */
	CTL("-j", "rings");
	TAP_ASSERT(strcmp(r.out, "[]\n") == 0 || strstr(r.out, "dropped"));
	td_finish(&d);
}

static void
test_submit_errors(void)
{
	char path[200];

	td_begin(&d, NULL);
	CTL("submit");
	EXPECT_USAGE("submit: missing argument");
	CTL("submit", "null");
	EXPECT_USAGE("submit: missing argument");
	CTL("submit", "null", "frob");
	EXPECT_USAGE("submit: unknown opcode 'frob'");
	CTL("submit", "null", "256");
	EXPECT_USAGE("unknown opcode '256'");
	CTL("submit", "null", "noop", "bogus=1");
	EXPECT_USAGE("submit: unknown field 'bogus'");
	CTL("submit", "null", "noop", "len");
	EXPECT_USAGE("'len' is not FIELD=VALUE");
	CTL("submit", "null", "noop", "=5");
	EXPECT_USAGE("is not FIELD=VALUE");
	CTL("submit", "null", "noop", "fd=12x");
	EXPECT_USAGE("submit: bad number in fd=12x");
	CTL("submit", "null", "noop", "fd=-1");
	EXPECT_USAGE("bad number in fd=-1");
	CTL("submit", "null", "noop", "fd=");
	EXPECT_USAGE("bad number in fd=");
	CTL("submit", "null", "noop", "priority=65536");
	EXPECT_USAGE("priority=65536 is out of range (0..65535)");
	CTL("submit", "null", "noop", "flags=256");
	EXPECT_USAGE("flags=256 is out of range (0..255)");
	CTL("submit", "null", "noop", "flags=drain|frob");
	EXPECT_USAGE("bad number in flags=drain|frob");
	CTL("submit", "null", "noop", "syscall_flags=0x100000000");
	EXPECT_USAGE("out of range (0..4294967295)");
	CTL("submit", "null", "noop", "user_data=18446744073709551616");
	EXPECT_USAGE("user_data=18446744073709551616 is out of range");
	CTL("submit", "null", "noop", "len=17179869184G");
	EXPECT_USAGE("len=17179869184G is out of range");
	CTL("submit", "null", "noop", "fd=1", "fd=2");
	EXPECT_USAGE("field 'fd' given twice");
	CTL("submit", "null", "noop", "data=a", "data=b");
	EXPECT_USAGE("data given twice");
	CTL("submit", "--count", "0", "null", "noop");
	EXPECT_USAGE("--count wants a number");
	CTL("submit", "--count", "x", "null", "noop");
	EXPECT_USAGE("--count wants a number");
	CTL("submit", "--batch", "4", "null", "noop");
	EXPECT_USAGE("--batch and --window need --count");
	CTL("submit", "--count", "10", "--batch", "64", "--window", "32",
	    "null", "noop");
	EXPECT_USAGE("--batch 64 is larger than --window 32");
	CTL("submit", "--count", "10", "--window", "100000", "null", "noop");
	EXPECT_USAGE("--window wants a number in 1..32768");
	CTL("submit", "--count", "10", "--dump", "null", "noop");
	EXPECT_USAGE("--dump is for a single entry");
	CTL("submit", "--bits", "16", "null", "noop");
	EXPECT_USAGE("--bits is 32 or 64");
	CTL("submit", "--timeout", "soon", "null", "noop");
	EXPECT_USAGE("bad --timeout 'soon'");
	CTL("submit", "--count");
	EXPECT_USAGE("option '--count' needs N");
	CTL("submit", "--dump=yes", "null", "noop");
	EXPECT_USAGE("option '--dump' takes no value");
	snprintf(path, sizeof(path), "%s/missing", d.dir);
	CTL("submit", "--data-file", path, "null", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("cannot open '");
	CTL("submit", "--data-file", d.dir, "null", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("is not a regular file");
	/* failures of ringd's side */
	CTL("submit", "nosuch", "noop");
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: cannot open ring to 'nosuch': no such scheme");
	CTL("submit", "zero", "read", "len=512M");
	EXPECT_STATUS(1);
	EXPECT_ERR("cannot open ring to 'zero': too large for ringd's limits");
	CTL("submit", "zero", "read", "len=4G");
	EXPECT_STATUS(1);
	EXPECT_ERR("cannot make a 4294967296-byte buffer");
	/* ringd still serves */
	CTL("submit", "null", "noop");
	EXPECT_STATUS(0);
	td_finish(&d);
}

static void
test_submit_load(void)
{
	struct json_object *o, *l;
	int64_t min, p50, p99, max;

	td_begin(&d, NULL);
	o = SUBMIT_JSON(0, "--count", "5000", "--batch", "16", "--window", "64",
	    "echo", "noop");
	tr_keys(o, "load", "scheme:string", "opcode:object", "count:int",
	    "batch:int", "window:int", "errors:int", "first_errno:string?",
	    "elapsed_ns:int", "ops_per_sec:int", "latency_ns:object");
	TAP_EQ(tr_int(o, "count"), 5000);
	TAP_EQ(tr_int(o, "batch"), 16);
	TAP_EQ(tr_int(o, "window"), 64);
	TAP_EQ(tr_int(o, "errors"), 0);
	TAP_ASSERT(tr_int(o, "ops_per_sec") > 0);
	l = tr_get(o, "latency_ns");
	tr_keys(l, "latency_ns", "min:int", "p50:int", "p99:int", "max:int",
	    "mean:int");
	min = tr_int(l, "min");
	p50 = tr_int(l, "p50");
	p99 = tr_int(l, "p99");
	max = tr_int(l, "max");
	TAP_ASSERT(min > 0 && min <= p50 && p50 <= p99 && p99 <= max);
	json_object_put(o);
	/* every completion carrying an errno is counted, exit status 1 */
	o = SUBMIT_JSON(1, "--count", "100", "--batch", "10", "null", "fsync");
	TAP_EQ(tr_int(o, "errors"), 100);
	TAP_ASSERT(strcmp(tr_str(o, "first_errno"), "ENOSYS") == 0);
	json_object_put(o);
	CTL("submit", "--count", "1000", "null", "noop");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "1000 entries to 'null' in ") != NULL);
	TAP_ASSERT(strstr(r.out, "latency: min ") != NULL);
	td_finish(&d);
}

/*
 * An example scheme of this build (examples/PROG), run as ringd's client
 * under the scheme name; size, when not NULL, is its -s argument.
 */
static pid_t
example_scheme(const char *prog, const char *name, const char *size)
{
	char bin[PATH_MAX];
	unsigned waited;
	pid_t pid, parent = getpid();

	snprintf(bin, sizeof(bin), "%s", tr_binary());
	*strrchr(bin, '/') = '\0';
	snprintf(bin + strlen(bin), sizeof(bin) - strlen(bin),
	    "/../examples/%s", prog);
	if (access(bin, X_OK) != 0)
		TAP_FAIL("no example scheme at '%s'", bin);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (size != NULL)
			execl(bin, bin, "-S", d.sock, "-n", name, "-s", size,
			    (char *)NULL);
		else
			execl(bin, bin, "-S", d.sock, "-n", name, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; waited < 5000; waited += 20) {
		CTL("schemes", "-q");
		if (strstr(r.out, name) != NULL)
			return pid;
		tu_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	TAP_FAIL("the example scheme '%s' never registered", prog);
}

static void
test_example_scheme(void)
{
	struct json_object *a, *o;
	size_t i;
	pid_t pid;
	int st;

	td_begin(&d, NULL);
	pid = example_scheme("ramfile-scheme", "ram", NULL);
	CTL("probe", "-q", "ram");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "noop\n") != NULL);
	TAP_ASSERT(strstr(r.out, "read\n") != NULL);
	TAP_ASSERT(strstr(r.out, "write\n") != NULL);
	TAP_ASSERT(strstr(r.out, "fstat\n") != NULL);
	CTL("-j", "schemes");
	a = json_out();
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		if (strcmp(tr_str(o, "name"), "ram") != 0)
			continue;
		TAP_ASSERT(!json_object_get_boolean(tr_get(o, "builtin")));
		TAP_EQ(tr_int(tr_get(o, "owner"), "pid"), pid);
		TAP_ASSERT(
		    json_object_get_boolean(tr_get(o, "opcodes_declared")));
	}
	json_object_put(a);
	/* write, then read back through another ring */
	CTL("submit", "ram", "write", "data=hello ringctl", "offset=100");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "user_data=0 status=13 ", 22) == 0);
	o = SUBMIT_JSON(0, "--dump", "ram", "read", "len=5", "offset=106");
	TAP_EQ(tr_int(o, "status"), 5);
	TAP_ASSERT(strcmp(tr_str(o, "data_hex"), "72696e6763") == 0);
	json_object_put(o);
	o = SUBMIT_JSON(0, "ram", "fstat");
	TAP_ASSERT(tr_int(o, "status") > 106);
	json_object_put(o);
	o = SUBMIT_JSON(1, "ram", "open");
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOSYS") == 0);
	json_object_put(o);
	o = SUBMIT_JSON(0, "--count", "2000", "--batch", "8", "--window", "32",
	    "ram", "noop");
	TAP_EQ(tr_int(o, "errors"), 0);
	json_object_put(o);
	TAP_SYS(kill(pid, SIGTERM));
	TAP_SYS(waitpid(pid, &st, 0));
	td_finish(&d);
}

/* The opcode object for code in a probe's "opcodes" array, or NULL. */
static struct json_object *
probe_opcode(struct json_object *ops, int64_t code)
{
	size_t i;

	for (i = 0; i < json_object_array_length(ops); i++) {
		struct json_object *op = json_object_array_get_idx(ops, i);

		tr_keys(op, "opcode", TR_OPCODE_KEYS);
		if (tr_int(op, "code") == code)
			return op;
	}
	return NULL;
}

/*
 * Names a scheme declared for its own opcodes: probe shows them (text,
 * -q, JSON, -q JSON), submit takes them; and RINGS counts the rings
 * attached now, rings_opened those ever opened.
 */
static void
test_declared_opcodes(void)
{
	static const char *const want[] = { "identify", "capacity", "release" };
	struct json_object *o, *a, *op;
	struct ring_ctl *c;
	struct ring *ring[3];
	uint64_t id[3];
	char line[96];
	size_t i;
	pid_t pid;
	int st;

	td_begin(&d, NULL);
	pid = example_scheme("blkdev-scheme", "bd", "1M");
	CTL("probe", "bd");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out,
		       "128  identify\n129  capacity\n130  release\n") != NULL);
	CTL("probe", "-q", "bd");
	EXPECT_STATUS(0);
	TAP_ASSERT(
	    strstr(r.out, "fsync\nidentify\ncapacity\nrelease\n") != NULL);
	CTL("-j", "probe", "bd");
	EXPECT_STATUS(0);
	o = json_out();
	tr_keys(o, "probe", "scheme:string", "opcodes_declared:bool",
	    "opcodes:array");
	for (i = 0; i < 3; i++) {
		op = probe_opcode(tr_get(o, "opcodes"), 128 + (int64_t)i);
		TAP_ASSERT(op != NULL);
		TAP_ASSERT(strcmp(tr_str(op, "name"), want[i]) == 0);
	}
	json_object_put(o);
	/* schemes names them too, in text and JSON */
	CTL("schemes");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out,
		       "noop,read,write,fstat,fsync,identify,capacity,"
		       "release\n") != NULL);
	CTL("-j", "schemes");
	EXPECT_STATUS(0);
	a = json_out();
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		if (strcmp(tr_str(o, "name"), "bd") != 0)
			continue;
		op = probe_opcode(tr_get(o, "opcodes"), 129);
		TAP_ASSERT(op != NULL);
		TAP_ASSERT(strcmp(tr_str(op, "name"), "capacity") == 0);
	}
	json_object_put(a);
	/* -q with -j: the names as a JSON array */
	CTL("-j", "probe", "-q", "bd");
	EXPECT_STATUS(0);
	a = json_out();
	TAP_ASSERT(json_object_is_type(a, json_type_array));
	TAP_EQ(json_object_array_length(a), 8);
	for (i = 0; i < 3; i++)
		TAP_ASSERT(strcmp(json_object_get_string(
				      json_object_array_get_idx(a, 5 + i)),
			       want[i]) == 0);
	json_object_put(a);
	CTL("-j", "probe", "-q", "null");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "[\"noop\",\"read\",\"write\"]\n") == 0);

	/* submit by a declared name: 1 MiB is 2048 sectors */
	o = SUBMIT_JSON(0, "bd", "capacity");
	tr_keys(o, "submit", TR_SUBMIT_KEYS);
	TAP_EQ(tr_int(o, "status"), 2048);
	TAP_EQ(tr_int(tr_get(o, "opcode"), "code"), 129);
	TAP_ASSERT(
	    strcmp(tr_str(tr_get(o, "opcode"), "name"), "capacity") == 0);
	json_object_put(o);
	CTL("submit", "bd", "capacity");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "user_data=0 status=2048 ", 24) == 0);
	CTL("submit", "bd", "nosuchop");
	EXPECT_USAGE("submit: unknown opcode 'nosuchop': not a standard name, "
		     "and 'bd' declared no such name");
	CTL("submit", "null", "capacity");
	EXPECT_USAGE("unknown opcode 'capacity'");
	CTL("submit", "nosuch", "capacity");
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: cannot probe 'nosuch': no such scheme");
	CTL("submit", "bd", "not-a-name");
	EXPECT_USAGE("unknown opcode 'not-a-name'");
	TAP_SYS(kill(pid, SIGTERM));
	TAP_SYS(waitpid(pid, &st, 0));

	/* three rings to echo, two closed: one attached, three opened */
	c = td_connect(&d);
	for (i = 0; i < 3; i++)
		ring[i] = td_open(c, "echo", 4, 0, 0, &id[i]);
	for (i = 0; i < 2; i++)
		td_close_ring(c, ring[i], id[i]);
	CTL("-j", "schemes");
	EXPECT_STATUS(0);
	a = json_out();
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		tr_keys(o, "scheme", TR_SCHEME_KEYS);
		if (strcmp(tr_str(o, "name"), "echo") != 0)
			continue;
		TAP_EQ(tr_int(o, "rings"), 1);
		TAP_ASSERT(tr_int(o, "rings_opened") >= 3);
	}
	json_object_put(a);
	CTL("metrics");
	EXPECT_STATUS(0);
	snprintf(line, sizeof(line),
	    "\nringd_scheme_rings{scheme=\"echo\",builtin=\"1\"} 1\n");
	TAP_ASSERT(strstr(r.out, line) != NULL);
	TAP_ASSERT(strstr(r.out,
		       "\nringd_scheme_rings_opened_total{"
		       "scheme=\"echo\",builtin=\"1\"} 3\n") != NULL);
	td_close_ring(c, ring[2], id[2]);
	ring_ctl_close(c);
	td_finish(&d);
}

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

static void
test_monitor(void)
{
	struct ring_ctl *c;
	struct ring *ring = NULL;
	uint64_t id = 0;
	char ids[32], *line, *nl;
	struct ring_sqe sqe;
	int ready[2], done[2];
	unsigned tries;
	pid_t pid, helper;
	bool seen = false;

	td_begin(&d, NULL);
	c = td_connect(&d);
	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "-j", "monitor", "--interval",
		"10ms", "--threshold", "1", NULL });
	/*
	 * A ring opened before monitor's first snapshot is not an event, so
	 * open rings until one shows up as attached.
	 */
	for (tries = 0; tries < 20 && !seen; tries++) {
		if (ring != NULL)
			td_close_ring(c, ring, id);
		ring = td_open(c, "null", 8, 0, 0, &id);
		seen = monitor_wait("attach", id, 1000);
	}
	if (!seen)
		TAP_FAIL("monitor reported no attach: %s", r.out);
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
	helper = idle_scheme("idle", ready, done);
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
	EXPECT_STATUS(1);
	EXPECT_ERR("no ring 4242");
	CTL("monitor", "--interval", "0ms");
	EXPECT_USAGE("bad --interval");
	CTL("monitor", "--threshold", "x");
	EXPECT_USAGE("bad --threshold");
	CTL("monitor", "1", "2");
	EXPECT_USAGE("unexpected argument '2'");
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- metrics ------------------------------------------------------------- */

static bool
have_prometheus_parser(void)
{
	return system("/usr/bin/python3 -c 'import prometheus_client.parser' "
		      ">/dev/null 2>&1") == 0;
}

static void
test_metrics(void)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char path[256], cmd[768], want[128], *line, *nl;
	FILE *f;

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "echo", 16, 0, 0, &id);
	CTL("metrics");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "\nringd_up 1\n") != NULL);
	TAP_ASSERT(strstr(r.out, "\nringd_rings 1\n") != NULL);
	snprintf(want, sizeof(want),
	    "ringd_ring_sq_entries{ring=\"%" PRIu64 "\",scheme=\"echo\"} 16\n",
	    id);
	TAP_ASSERT(strstr(r.out, want) != NULL);
	snprintf(want, sizeof(want),
	    "ringd_ring_state{ring=\"%" PRIu64
	    "\",scheme=\"echo\",state=\"running\"} 1\n",
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
	EXPECT_STATUS(2);
	EXPECT_ERR("metrics: has no JSON form");
	CTL("metrics", "x");
	EXPECT_USAGE("unexpected argument");
	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	td_settle(&d);
	td_stop(&d);
	/* ringd gone: ringd_up 0 and status 3 */
	CTL("metrics");
	EXPECT_STATUS(3);
	TAP_ASSERT(strstr(r.out, "ringd_up 0\n") != NULL);
	td_cleanup(&d);
}

/* --- batch and non-interactive shell -------------------------------------- */

static void
test_batch(void)
{
	char path[256];
	FILE *f;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/cmds", d.dir);
	TAP_ASSERT((f = fopen(path, "w")) != NULL);
	fputs("# a batch file\n"
	      "\n"
	      "schemes -q   # trailing comment\n"
	      "submit null write 'data=two words'\n"
	      "submit nosuch noop\n"
	      "probe -q zero\n",
	    f);
	fclose(f);
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", d.sock, "-b", path, NULL });
	EXPECT_STATUS(1);
	TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	TAP_ASSERT(strstr(r.out, "status=9 ") != NULL);
	TAP_ASSERT(strstr(r.out, "noop\nread\n") == NULL); /* stopped */
	EXPECT_ERR("no such scheme");
	EXPECT_ERR(":5: stopping at the first error");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", d.sock, "-b", path, "--force", NULL });
	EXPECT_STATUS(1);
	TAP_ASSERT(strstr(r.out, "noop\nread\n") != NULL); /* went on */
	/* from stdin, all good */
	CTL_IN("status\nrings -q\n", "-b", "-");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	/* a usage error stops with 2; an unterminated quote too */
	CTL_IN("probe\nstatus\n", "-b", "-");
	EXPECT_STATUS(2);
	TAP_ASSERT(strstr(r.out, "health") == NULL);
	CTL_IN("submit null write 'data=x\n", "-b", "-");
	EXPECT_STATUS(2);
	EXPECT_ERR("<stdin>:1: unterminated quote");
	CTL_IN("shell\n", "-b", "-");
	EXPECT_STATUS(2);
	EXPECT_ERR("shell: already in the shell");
	/* quit ends a batch */
	CTL_IN("quit\nprobe\n", "-b", "-");
	EXPECT_STATUS(0);
	/* -b with a command, or a missing file */
	CTL("-b", path, "status");
	EXPECT_USAGE("-b takes no command");
	snprintf(path, sizeof(path), "%s/none", d.dir);
	CTL("-b", path);
	EXPECT_STATUS(1);
	EXPECT_ERR("cannot open '");
	/* a device is an endless line: refused before reading */
	CTL("-b", "/dev/full");
	EXPECT_STATUS(1);
	EXPECT_ERR("'/dev/full' is not a regular file or a pipe");
	/* a line over 64 KiB is refused whole and the next one runs */
	{
		static char big[70000 + 32];

		memset(big, 'x', 70000);
		strcpy(big + 70000, "\nschemes -q\n");
		CTL_IN(big, "-b", "-", "--force");
		EXPECT_STATUS(2);
		EXPECT_ERR("<stdin>:1: line too long");
		TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	}

	/* the shell without a terminal: errors do not end it */
	CTL_IN("status\nfrob\nsubmit nosuch noop\nschemes -q\n", "shell");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	EXPECT_ERR("unknown command 'frob'");
	/* -j for one shell command only */
	CTL_IN("schemes -j\nstatus\n", "shell");
	TAP_ASSERT(strstr(r.out, "[{\"name\":\"echo\"") != NULL);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	/* ringd went away between commands: 3, and the shell goes on */
	td_finish(&d);
}

/* --- table, man page and completions agree -------------------------------- */

/* Read a file of the source tree (tests run from the top directory). */
static char *
source_file(const char *rel)
{
	static char buf[3][262144];
	static unsigned slot;
	char path[PATH_MAX];
	const char *top = getenv("RING_SRCDIR");
	char *b = buf[slot++ % 3];

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	tr_slurp(path, b, sizeof(buf[0]));
	if (b[0] == '\0')
		TAP_FAIL("cannot read '%s' (run from the source tree or set "
			 "RING_SRCDIR)",
		    path);
	return b;
}

static void
test_sync(void)
{
	char table[TR_OUT_MAX], man[4096], comp[4096], *p, *s, *e, cmd[1024];
	size_t used = 0;

	td_begin(&d, NULL);
	CTL("help", "--commands");
	EXPECT_STATUS(0);
	snprintf(table, sizeof(table), "%s", r.out);
	TAP_ASSERT(strstr(table, "status\nschemes\n") == table);

	/* man page: .It Ic NAME entries of the COMMANDS section, in order */
	p = source_file("man/ringctl.1");
	TAP_ASSERT((s = strstr(p, "\n.Sh COMMANDS\n")) != NULL);
	e = strstr(s + 1, "\n.Sh ");
	man[0] = '\0';
	while ((s = strstr(s, "\n.It ")) != NULL && (e == NULL || s < e)) {
		s += 5;
		if (strncmp(s, "Ic ", 3) == 0)
			s += 3;
		else if (strncmp(s, "Xo\n.Ic ", 7) == 0)
			s += 7;
		else
			continue;
		used += (size_t)snprintf(man + used, sizeof(man) - used,
		    "%.*s\n", (int)strcspn(s, " \n"), s);
	}
	if (strcmp(man, table) != 0)
		TAP_FAIL("man page commands differ from the table:\n%s---\n%s",
		    man, table);
	/* every JSON key the tests check is documented in JSON OUTPUT */
	{
		static const char *const keys[] = { TR_PEER_KEYS, TR_QUEUE_KEYS,
			TR_RING_KEYS, TR_SCHEME_KEYS, TR_OPCODE_KEYS,
			TR_CLIENT_KEYS, TR_ERROR_KEYS, TR_SUBMIT_KEYS };
		char want[80];
		size_t k;

		TAP_ASSERT((s = strstr(p, "\n.Sh JSON OUTPUT\n")) != NULL);
		e = strstr(s + 1, "\n.Sh ");
		TAP_ASSERT(e != NULL);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *found;

			snprintf(want, sizeof(want), "\n.Li %.*s",
			    (int)strcspn(keys[k], ":"), keys[k]);
			found = strstr(s, want);
			while (found != NULL && found < e &&
			    strchr(" \n", found[strlen(want)]) == NULL)
				found = strstr(found + 1, want);
			if (found == NULL || found > e)
				TAP_FAIL("JSON key '%s' is not in ringctl(1)'s "
					 "JSON OUTPUT",
				    want + 5);
		}
	}

	/* bash completion, run by bash, offers exactly the table */
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && PATH=\"$(dirname '%s'):$PATH\" "
	    "bash -c '. ./completions/ringctl.bash; COMP_WORDS=(ringctl \"\");"
	    " COMP_CWORD=1; _ringctl; printf \"%%s\\n\" \"${COMPREPLY[@]}\"'"
	    " > '%s/comp.out' 2>&1",
	    getenv("RING_SRCDIR") != NULL ? getenv("RING_SRCDIR") : ".",
	    tr_binary(), d.dir);
	TAP_ASSERT(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/comp.out", d.dir);
	tr_slurp(cmd, comp, sizeof(comp));
	if (strcmp(comp, table) != 0)
		TAP_FAIL("bash completion offers:\n%s---\ntable:\n%s", comp,
		    table);
	/* zsh completion reads the same list */
	p = source_file("completions/_ringctl");
	TAP_ASSERT(strstr(p, "#compdef ringctl") == p);
	TAP_ASSERT(strstr(p, "help --commands") != NULL);
	if (system("command -v zsh >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "zsh -n '%s/completions/_ringctl'",
		    getenv("RING_SRCDIR") != NULL ? getenv("RING_SRCDIR")
						  : ".");
		TAP_ASSERT(system(cmd) == 0);
	}
	td_finish(&d);
}

/* --- help: JSON schemas, text, and the man page -------------------------- */

#define TR_HELP_KEYS "name:string", "usage:string", "help:string"
#define TR_HELP_OPT_KEYS \
	"long:string?", "short:string?", "argument:string?", "help:string"

/* s has word right after "Fl " (then a blank, a comma or the end). */
static bool
man_has_flag(const char *s, const char *end, const char *word)
{
	char want[64];
	const char *p;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "Fl %s", word);
	for (p = s; (p = strstr(p, want)) != NULL && p < end; p++)
		if (strchr(" \n,", p[n]) != NULL)
			return true;
	return false;
}

/*
 * The man page's entry of command name in COMMANDS: [*start, *end), and
 * its synopsis line(s) [*start, *syn_end).
 */
static void
man_entry(const char *man, const char *name, const char **start,
    const char **syn_end, const char **end)
{
	const char *sec = strstr(man, "\n.Sh COMMANDS\n"), *secend, *p, *q;
	char a[64], b[64];
	size_t la, lb;

	TAP_ASSERT(sec != NULL);
	secend = strstr(sec + 1, "\n.Sh ");
	la = (size_t)snprintf(a, sizeof(a), "\n.It Ic %s", name);
	lb = (size_t)snprintf(b, sizeof(b), "\n.It Xo\n.Ic %s", name);
	for (p = sec;; p++) {
		if ((p = strstr(p, "\n.It ")) == NULL || p > secend)
			TAP_FAIL("ringctl(1) has no entry for '%s'", name);
		if ((strncmp(p, a, la) == 0 && strchr(" \n", p[la]) != NULL) ||
		    (strncmp(p, b, lb) == 0 && strchr(" \n", p[lb]) != NULL))
			break;
	}
	*start = p + 1;
	if (strncmp(p, b, lb) == 0)
		*syn_end = strstr(p, "\n.Xc\n");
	else
		*syn_end = strchr(p + 1, '\n');
	/* the entry ends where the next command's begins */
	*end = secend;
	for (q = *syn_end; (q = strstr(q, "\n.It ")) != NULL && q < secend; q++)
		if (strncmp(q, "\n.It Ic ", 8) == 0 ||
		    strncmp(q, "\n.It Xo\n.Ic ", 12) == 0) {
			*end = q;
			break;
		}
}

static void
test_help(void)
{
	static char table[TR_OUT_MAX], man[262144], zsh[65536];
	struct json_object *o, *e, *opts, *args;
	const char *ent, *syn_end, *end, *p;
	char *name, *nl, col[128], word[64], z1[80], z2[80];
	size_t i, k, n;

	td_begin(&d, NULL);
	CTL("help", "--commands");
	EXPECT_STATUS(0);
	snprintf(table, sizeof(table), "%s", r.out);
	snprintf(man, sizeof(man), "%s", source_file("man/ringctl.1"));
	snprintf(zsh, sizeof(zsh), "%s", source_file("completions/_ringctl"));
	/* help -j: one {name, usage, help} per command, in table order */
	CTL("-j", "help");
	EXPECT_STATUS(0);
	o = json_out();
	TAP_ASSERT(json_object_is_type(o, json_type_array));
	n = json_object_array_length(o);
	for (i = 0, p = table; i < n; i++) {
		e = json_object_array_get_idx(o, i);
		tr_keys(e, "help entry", TR_HELP_KEYS);
		TAP_ASSERT(strncmp(p, tr_str(e, "name"),
			       strlen(tr_str(e, "name"))) == 0);
		p = strchr(p, '\n') + 1;
	}
	TAP_ASSERT(*p == '\0');
	json_object_put(o);
	/* help -j --commands: the names */
	CTL("-j", "help", "--commands");
	EXPECT_STATUS(0);
	o = json_out();
	TAP_ASSERT(json_object_is_type(o, json_type_array));
	TAP_EQ(json_object_array_length(o), n);
	TAP_ASSERT(
	    strcmp(json_object_get_string(json_object_array_get_idx(o, 0)),
		"status") == 0);
	json_object_put(o);
	/* help text */
	CTL("help");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "\nCommands:\n  status     ") != NULL);
	CTL("help", "physfree");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out,
		       "usage: ringctl [-jp] [-S socket] physfree [--force] "
		       "ID|BASE\nfree a physical memory region\n",
		       90) == 0);
	TAP_ASSERT(strstr(r.out, "\n      --force ") != NULL);
	CTL("help", "monitor");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out,
		       "\n  -i, --interval DURATION  time between "
		       "snapshots") != NULL);
	CTL("help", "submit");
	TAP_ASSERT(strstr(r.out, "\n  -n, --count N ") != NULL);
	TAP_ASSERT(strstr(r.out, "\n      --data-file FILE ") != NULL);

	/*
	 * Every command: help -j CMD's schema; its text lists every option
	 * in both forms; the man page's entry names every option, and its
	 * synopsis no option the command lacks.
	 */
	for (name = table; *name != '\0'; name = nl + 1) {
		nl = strchr(name, '\n');
		*nl = '\0';
		CTL("-j", "help", name);
		EXPECT_STATUS(0);
		o = json_out();
		tr_keys(o, name, TR_HELP_KEYS, "options:array",
		    "arguments:array");
		TAP_ASSERT(strcmp(tr_str(o, "name"), name) == 0);
		args = tr_get(o, "arguments");
		for (k = 0; k < json_object_array_length(args); k++)
			TAP_ASSERT(
			    json_object_is_type(json_object_array_get_idx(args,
						    k),
				json_type_string));
		opts = tr_get(o, "options");
		CTL("help", name);
		EXPECT_STATUS(0);
		snprintf(col, sizeof(col),
		    "usage: ringctl [-jp] [-S socket] %.64s", name);
		TAP_ASSERT(strncmp(r.out, col, strlen(col)) == 0);
		man_entry(man, name, &ent, &syn_end, &end);
		for (k = 0; k < json_object_array_length(opts); k++) {
			struct json_object *lo, *so, *ao;

			e = json_object_array_get_idx(opts, k);
			tr_keys(e, "option", TR_HELP_OPT_KEYS);
			lo = tr_get(e, "long");
			so = tr_get(e, "short");
			ao = tr_get(e, "argument");
			TAP_ASSERT(lo != NULL || so != NULL);
			snprintf(col, sizeof(col), "\n  %s%s%s%s%s%s%s ",
			    so != NULL ? "-" : "  ",
			    so != NULL ? json_object_get_string(so) : "",
			    so != NULL && lo != NULL ? ", "
				: so != NULL	     ? ""
						     : "  ",
			    lo != NULL ? "--" : "",
			    lo != NULL ? json_object_get_string(lo) : "",
			    ao != NULL ? " " : "",
			    ao != NULL ? json_object_get_string(ao) : "");
			if (strstr(r.out, col) == NULL)
				TAP_FAIL("'help %s' lacks '%s':\n%s", name,
				    col + 1, r.out);
			snprintf(word, sizeof(word), "-%s",
			    lo != NULL ? json_object_get_string(lo) : "");
			if (lo != NULL && !man_has_flag(ent, end, word))
				TAP_FAIL("ringctl(1) on '%s' lacks --%s", name,
				    word + 1);
			if (so != NULL &&
			    !man_has_flag(ent, end, json_object_get_string(so)))
				TAP_FAIL("ringctl(1) on '%s' lacks -%s", name,
				    json_object_get_string(so));
			/* zsh's completion spells its options out */
			snprintf(z1, sizeof(z1), "-%.60s[", word);
			snprintf(z2, sizeof(z2), "-%.60s=", word);
			if (lo != NULL && strstr(zsh, z1) == NULL &&
			    strstr(zsh, z2) == NULL)
				TAP_FAIL("completions/_ringctl lacks --%s",
				    word + 1);
			snprintf(z1, sizeof(z1), "'-%.60s[",
			    so != NULL ? json_object_get_string(so) : "");
			snprintf(z2, sizeof(z2), "{-%.60s+,",
			    so != NULL ? json_object_get_string(so) : "");
			if (so != NULL && strstr(zsh, z1) == NULL &&
			    strstr(zsh, z2) == NULL)
				TAP_FAIL("completions/_ringctl lacks -%s",
				    json_object_get_string(so));
		}
		/* the synopsis's flags are options of the command */
		for (p = ent; (p = strstr(p, "Fl ")) != NULL && p < syn_end;
		     p++) {
			bool found = false;

			snprintf(word, sizeof(word), "%.*s",
			    (int)strcspn(p + 3, " \n"), p + 3);
			for (k = 0; k < json_object_array_length(opts); k++) {
				e = json_object_array_get_idx(opts, k);
				if (word[0] == '-' && tr_get(e, "long") &&
				    strcmp(tr_str(e, "long"), word + 1) == 0)
					found = true;
				if (word[0] != '-' && tr_get(e, "short") &&
				    strcmp(tr_str(e, "short"), word) == 0)
					found = true;
			}
			if (!found)
				TAP_FAIL("ringctl(1)'s synopsis of '%s' has "
					 "-%s, which 'help -j %s' lacks",
				    name, word, name);
		}
		json_object_put(o);
	}
	td_finish(&d);
}

/* --- -q in JSON ------------------------------------------------------------ */

static void
test_quiet_json(void)
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
	CTL("-j", "schemes", "-q");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "[\"echo\",\"null\",\"zero\"]\n") == 0);
	CTL("schemes", "-qj");
	TAP_ASSERT(strcmp(r.out, "[\"echo\",\"null\",\"zero\"]\n") == 0);
	CTL("-j", "rings", "-q");
	EXPECT_STATUS(0);
	snprintf(want, sizeof(want), "[%" PRIu64 "]\n", id);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	CTL("rings", "-q");
	snprintf(want, sizeof(want), "%" PRIu64 "\n", id);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	CTL("-p", "clients", "-q");
	EXPECT_STATUS(0);
	o = json_out();
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
	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- bad input for the commands without other tests of it ---------------- */

static void
test_bad_input(void)
{
	td_begin(&d, NULL);
	CTL("rings", "x");
	EXPECT_USAGE("rings: unexpected argument 'x'");
	CTL("rings", "--bogus");
	EXPECT_USAGE("rings: unknown option '--bogus'");
	CTL("rings", "-z");
	EXPECT_USAGE("rings: unknown option '-z'");
	CTL("rings", "--json=1");
	EXPECT_USAGE("rings: unknown option '--json'");
	CTL("clients", "1");
	EXPECT_USAGE("clients: unexpected argument '1'");
	CTL("clients", "--all");
	EXPECT_USAGE("clients: unknown option '--all'");
	CTL("clients", "-n", "1");
	EXPECT_USAGE("clients: unknown option '-n'");
	CTL("help", "nosuch");
	EXPECT_USAGE("help: unknown command 'nosuch'");
	CTL("help", "status", "rings");
	EXPECT_USAGE("help: unexpected argument 'rings'");
	CTL("help", "--commands", "status");
	EXPECT_USAGE("help: --commands takes no command");
	CTL("help", "-q");
	EXPECT_USAGE("help: unknown option '-q'");
	CTL("help", "--commands=yes");
	EXPECT_USAGE("help: option '--commands' takes no value");
	CTL("shell", "x");
	EXPECT_USAGE("shell: unexpected argument 'x'");
	CTL("shell", "--bogus");
	EXPECT_USAGE("shell: unknown option '--bogus'");
	CTL("shell", "-q");
	EXPECT_USAGE("shell: unknown option '-q'");
	/* JSON mode: the error object, and still status 2 */
	CTL("-j", "rings", "x");
	EXPECT_STATUS(2);
	{
		struct json_object *o = json_out();

		tr_keys(o, "error", TR_ERROR_KEYS);
		json_object_put(o);
	}
	/* ringd keeps serving */
	CTL("status");
	EXPECT_STATUS(0);
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

static void
test_status_unhealthy(void)
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
	o = json_out();
	tr_keys(o, "error", TR_ERROR_KEYS);
	TAP_ASSERT(strstr(tr_str(o, "error"), "speaks protocol") != NULL);
	json_object_put(o);
	/* the health check of ringctl(1)'s EXAMPLES */
	snprintf(want, sizeof(want),
	    "'%s' -S '%s' status >/dev/null 2>&1 || exit 7", tr_binary(), path);
	TAP_EQ(WEXITSTATUS(system(want)), 7);
	tap_kill(srv);
	/* the real one is healthy */
	CTL("status");
	EXPECT_STATUS(0);
	td_finish(&d);
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

static void
test_monitor_text(void)
{
	struct ring_ctl *c;
	struct ring *ring = NULL;
	uint64_t id = 0;
	unsigned tries;
	char *line, *nl, want[64];
	bool seen = false;
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	pid = tr_spawn(d.dir, "mon", NULL,
	    (const char *const[]){ "-S", d.sock, "monitor", "-i", "10ms",
		NULL });
	/* as in ringctl-monitor: a ring of the first snapshot is no event */
	for (tries = 0; tries < 20 && !seen; tries++) {
		if (ring != NULL)
			td_close_ring(c, ring, id);
		ring = td_open(c, "null", 8, 0, 0, &id);
		seen = monitor_text_saw("attach", id, 1000);
	}
	if (!seen)
		TAP_FAIL("monitor printed no attach: %s", r.out);
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
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- ringd going away under a shell or a batch ------------------------------ */

/*
 * Run ringctl ARGS reading commands from a FIFO; feed first, wait for
 * mark in its output, stop ringd, feed then, and collect.
 */
static void
run_across_stop(const char *const *args, const char *first, const char *mark,
    const char *then)
{
	char fifo[256], path[256];
	unsigned waited;
	pid_t pid;
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/cmds.fifo", d.dir);
	unlink(fifo);
	TAP_SYS(mkfifo(fifo, 0600));
	/* read-write: the FIFO has a writer before ringctl opens it */
	TAP_SYS(fd = open(fifo, O_RDWR | O_CLOEXEC));
	pid = tr_spawn_in(d.dir, "gone", fifo, args);
	TAP_EQ(write(fd, first, strlen(first)), (ssize_t)strlen(first));
	snprintf(path, sizeof(path), "%s/gone.out", d.dir);
	for (waited = 0; waited < 10000; waited += 20) {
		tr_slurp(path, r.out, sizeof(r.out));
		if (strstr(r.out, mark) != NULL)
			break;
		tu_sleep_ms(20);
	}
	if (strstr(r.out, mark) == NULL) {
		close(fd);
		TAP_FAIL("'%s' never appeared: %s", mark, r.out);
	}
	td_stop(&d);
	TAP_EQ(write(fd, then, strlen(then)), (ssize_t)strlen(then));
	close(fd);
	tr_collect(d.dir, "gone", pid, 10000, &r);
	unlink(fifo);
}

static void
test_ringd_gone(void)
{
	char *p;

	/* the shell: the next commands say so (after a bounded wait for a
	 * restarting ringd), and it goes on */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "shell", NULL },
	    "status\n", "health:   ok", "schemes -q\nrings\nhelp --commands\n");
	EXPECT_STATUS(0);
	p = strstr(r.err, "ringctl: ringd went away; cannot connect to ringd");
	TAP_ASSERT(p != NULL); /* schemes */
	TAP_ASSERT(strstr(p + 1, "ringctl: ringd went away") != NULL); /* rings */
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") != NULL);
	td_cleanup(&d);

	/* a batch: stops there with 3 */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "-b", "-", NULL },
	    "status\n", "health:   ok", "schemes -q\nhelp --commands\n");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: ringd went away; cannot connect to ringd at '");
	EXPECT_ERR("ringctl: <stdin>:2: stopping at the first error\n");
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") == NULL);
	td_cleanup(&d);

	/* with --force: every line runs, the status is the first failure's */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "-b", "-",
			    "--force", NULL },
	    "status\n", "health:   ok", "schemes -q\nrings\nhelp --commands\n");
	EXPECT_STATUS(3);
	/* schemes and rings, each once */
	p = strstr(r.err, "ringctl: ringd went away; cannot connect to ringd");
	TAP_ASSERT(p != NULL);
	TAP_ASSERT((p = strstr(p + 1, "ringctl: ringd went away")) != NULL);
	TAP_ASSERT(strstr(p + 1, "ringctl: ringd went away") == NULL);
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") != NULL);
	td_cleanup(&d);
}

/* --- submit --data-file that cannot be read to its end ---------------------- */

static void
test_submit_data_file(void)
{
	char fifo[256], cmd[1024], path[256];
	int st;

	td_begin(&d, NULL);
	/* a FIFO nobody writes: refused at once, not waited for */
	snprintf(fifo, sizeof(fifo), "%s/data.fifo", d.dir);
	TAP_SYS(mkfifo(fifo, 0600));
	CTL("submit", "--data-file", fifo, "echo", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("is a pipe with no writer");
	/* a device that never ends, a directory */
	CTL("submit", "--data-file", "/dev/zero", "echo", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: '/dev/zero' is not a regular file or a pipe\n");
	CTL("submit", "--data-file", d.dir, "echo", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("is not a regular file or a pipe");
	/* a pipe with a writer: its bytes, up to the end */
	snprintf(path, sizeof(path), "%s/pipe.out", d.dir);
	snprintf(cmd, sizeof(cmd),
	    "printf ringd | '%s' -S '%s' submit --dump --data-file /dev/stdin "
	    "echo write > '%s' 2>&1",
	    tr_binary(), d.sock, path);
	st = system(cmd);
	tr_slurp(path, r.out, sizeof(r.out));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		TAP_FAIL("submit from a pipe failed: %s", r.out);
	TAP_ASSERT(strstr(r.out, "|ringd|") != NULL);
	/* ... bounded */
	snprintf(cmd, sizeof(cmd),
	    "head -c 65M /dev/zero | '%s' -S '%s' submit --data-file "
	    "/dev/stdin echo write > '%s' 2>&1",
	    tr_binary(), d.sock, path);
	st = system(cmd);
	tr_slurp(path, r.out, sizeof(r.out));
	TAP_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	TAP_ASSERT(
	    strstr(r.out, "cannot use '/dev/stdin': file too large") != NULL);
	/* ringd still serves */
	CTL("submit", "null", "noop");
	EXPECT_STATUS(0);
	td_finish(&d);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringctl-usage", test_usage, 60);
	tap_run("ringctl-unreachable", test_unreachable, 60);
	tap_run("ringctl-status", test_status, 60);
	tap_run("ringctl-schemes-probe", test_schemes_probe, 60);
	tap_run("ringctl-rings-clients", test_rings, 60);
	tap_run("ringctl-submit", test_submit, 60);
	tap_run("ringctl-submit-errors", test_submit_errors, 60);
	tap_run("ringctl-submit-load", test_submit_load, 60);
	tap_run("ringctl-example-scheme", test_example_scheme, 60);
	tap_run("ringctl-declared-opcodes", test_declared_opcodes, 60);
	tap_run("ringctl-monitor", test_monitor, 90);
	tap_run("ringctl-metrics", test_metrics, 60);
	tap_run("ringctl-batch-shell", test_batch, 60);
	tap_run("ringctl-sync", test_sync, 60);
	tap_run("ringctl-help", test_help, 60);
	tap_run("ringctl-quiet-json", test_quiet_json, 60);
	tap_run("ringctl-bad-input", test_bad_input, 60);
	tap_run("ringctl-status-unhealthy", test_status_unhealthy, 60);
	tap_run("ringctl-monitor-text", test_monitor_text, 90);
	tap_run("ringctl-ringd-gone", test_ringd_gone, 90);
	tap_run("ringctl-submit-data-file", test_submit_data_file, 60);
	return tap_done();
}
