/*
 * t-ringctl-cli-submit.c - ringctl submit against a private ringd: one
 * entry in text and JSON, its usage errors, the --count load generator,
 * the example schemes (ramfile, blkdev) with their declared opcode names,
 * and a --data-file that cannot be read to its end.
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

/* --- submit -------------------------------------------------------------- */

static struct json_object *
submit_json(const char *const *args, int want_status)
{
	return tr_cmd_json(&d, &r, "submit", args, want_status);
}
#define SUBMIT_JSON(want, ...) \
	submit_json((const char *const[]){ __VA_ARGS__, NULL }, (want))

TAP_TEST(test_submit, "ringctl-submit", 60)
{
	struct json_object *o;
	char path[200], hex[129];
	FILE *f;

	td_begin(&d, NULL);
	/* null: Write completes with len, taken from data= */
	CTL_OK("submit", "null", "write", "data=hello");
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
	EXPECT_FAIL(1, "does not fit a 32-bit entry");

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
	CTL_OK("submit", "--dump", "zero", "read", "len=20");
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

static const struct tr_usage submit_usage[] = {
	{ { "submit" }, "submit: missing argument" },
	{ { "submit", "null" }, "submit: missing argument" },
	{ { "submit", "null", "frob" }, "submit: unknown opcode 'frob'" },
	{ { "submit", "null", "256" }, "unknown opcode '256'" },
	{ { "submit", "null", "noop", "bogus=1" },
	    "submit: unknown field 'bogus'" },
	{ { "submit", "null", "noop", "len" }, "'len' is not FIELD=VALUE" },
	{ { "submit", "null", "noop", "=5" }, "is not FIELD=VALUE" },
	{ { "submit", "null", "noop", "fd=12x" },
	    "submit: bad number in fd=12x" },
	{ { "submit", "null", "noop", "fd=-1" }, "bad number in fd=-1" },
	{ { "submit", "null", "noop", "fd=" }, "bad number in fd=" },
	{ { "submit", "null", "noop", "priority=65536" },
	    "priority=65536 is out of range (0..65535)" },
	{ { "submit", "null", "noop", "flags=256" },
	    "flags=256 is out of range (0..255)" },
	{ { "submit", "null", "noop", "flags=drain|frob" },
	    "bad number in flags=drain|frob" },
	{ { "submit", "null", "noop", "syscall_flags=0x100000000" },
	    "out of range (0..4294967295)" },
	{ { "submit", "null", "noop", "user_data=18446744073709551616" },
	    "user_data=18446744073709551616 is out of range" },
	{ { "submit", "null", "noop", "len=17179869184G" },
	    "len=17179869184G is out of range" },
	{ { "submit", "null", "noop", "fd=1", "fd=2" },
	    "field 'fd' given twice" },
	{ { "submit", "null", "noop", "data=a", "data=b" },
	    "data given twice" },
	{ { "submit", "--count", "0", "null", "noop" },
	    "--count wants a number" },
	{ { "submit", "--count", "x", "null", "noop" },
	    "--count wants a number" },
	{ { "submit", "--batch", "4", "null", "noop" },
	    "--batch and --window need --count" },
	{ { "submit", "--count", "10", "--batch", "64", "--window", "32",
	      "null", "noop" },
	    "--batch 64 is larger than --window 32" },
	{ { "submit", "--count", "10", "--window", "100000", "null", "noop" },
	    "--window wants a number in 1..32768" },
	{ { "submit", "--count", "10", "--dump", "null", "noop" },
	    "--dump is for a single entry" },
	{ { "submit", "--bits", "16", "null", "noop" }, "--bits is 32 or 64" },
	{ { "submit", "--timeout", "soon", "null", "noop" },
	    "bad --timeout 'soon'" },
	{ { "submit", "--count" }, "option '--count' needs N" },
	{ { "submit", "--dump=yes", "null", "noop" },
	    "option '--dump' takes no value" },
};

TAP_TEST(test_submit_errors, "ringctl-submit-errors", 60)
{
	char path[200];

	td_begin(&d, NULL);
	USAGE_CASES(submit_usage);
	snprintf(path, sizeof(path), "%s/missing", d.dir);
	CTL("submit", "--data-file", path, "null", "write");
	EXPECT_FAIL(1, "cannot open '");
	CTL("submit", "--data-file", d.dir, "null", "write");
	EXPECT_FAIL(1, "is not a regular file");
	/* failures of ringd's side */
	CTL("submit", "nosuch", "noop");
	EXPECT_FAIL(1, "ringctl: cannot open ring to 'nosuch': no such scheme");
	CTL("submit", "zero", "read", "len=512M");
	EXPECT_STATUS(1);
	EXPECT_ERR("cannot open ring to 'zero': too large for ringd's limits");
	CTL("submit", "zero", "read", "len=4G");
	EXPECT_FAIL(1, "cannot make a 4294967296-byte buffer");
	/* ringd still serves */
	CTL_OK("submit", "null", "noop");
	td_finish(&d);
}

TAP_TEST(test_submit_load, "ringctl-submit-load", 60)
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
	CTL_OK("submit", "--count", "1000", "null", "noop");
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

TAP_TEST(test_example_scheme, "ringctl-example-scheme", 60)
{
	struct json_object *a, *o;
	size_t i;
	pid_t pid;
	int st;

	td_begin(&d, NULL);
	pid = example_scheme("ramfile-scheme", "ram", NULL);
	CTL_OK("probe", "-q", "ram");
	TAP_ASSERT(strstr(r.out, "noop\n") != NULL);
	TAP_ASSERT(strstr(r.out, "read\n") != NULL);
	TAP_ASSERT(strstr(r.out, "write\n") != NULL);
	TAP_ASSERT(strstr(r.out, "fstat\n") != NULL);
	CTL("-j", "schemes");
	a = JSON_OUT();
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
	CTL_OK("submit", "ram", "write", "data=hello ringctl", "offset=100");
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
TAP_TEST(test_declared_opcodes, "ringctl-declared-opcodes", 60)
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
	CTL_OK("probe", "bd");
	TAP_ASSERT(strstr(r.out,
		       "128  identify\n129  capacity\n130  release\n") != NULL);
	CTL_OK("probe", "-q", "bd");
	TAP_ASSERT(
	    strstr(r.out, "fsync\nidentify\ncapacity\nrelease\n") != NULL);
	CTL_OK("-j", "probe", "bd");
	o = JSON_OUT();
	tr_keys(o, "probe", "scheme:string", "opcodes_declared:bool",
	    "opcodes:array");
	for (i = 0; i < 3; i++) {
		op = probe_opcode(tr_get(o, "opcodes"), 128 + (int64_t)i);
		TAP_ASSERT(op != NULL);
		TAP_ASSERT(strcmp(tr_str(op, "name"), want[i]) == 0);
	}
	json_object_put(o);
	/* schemes names them too, in text and JSON */
	CTL_OK("schemes");
	TAP_ASSERT(strstr(r.out,
		       "noop,read,write,fstat,fsync,identify,capacity,"
		       "release\n") != NULL);
	CTL_OK("-j", "schemes");
	a = JSON_OUT();
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
	CTL_OK("-j", "probe", "-q", "bd");
	a = JSON_OUT();
	TAP_ASSERT(json_object_is_type(a, json_type_array));
	TAP_EQ(json_object_array_length(a), 8);
	for (i = 0; i < 3; i++)
		TAP_ASSERT(strcmp(json_object_get_string(
				      json_object_array_get_idx(a, 5 + i)),
			       want[i]) == 0);
	json_object_put(a);
	CTL_OK("-j", "probe", "-q", "null");
	TAP_ASSERT(strcmp(r.out, "[\"noop\",\"read\",\"write\"]\n") == 0);

	/* submit by a declared name: 1 MiB is 2048 sectors */
	o = SUBMIT_JSON(0, "bd", "capacity");
	tr_keys(o, "submit", TR_SUBMIT_KEYS);
	TAP_EQ(tr_int(o, "status"), 2048);
	TAP_EQ(tr_int(tr_get(o, "opcode"), "code"), 129);
	TAP_ASSERT(
	    strcmp(tr_str(tr_get(o, "opcode"), "name"), "capacity") == 0);
	json_object_put(o);
	CTL_OK("submit", "bd", "capacity");
	TAP_ASSERT(strncmp(r.out, "user_data=0 status=2048 ", 24) == 0);
	CTL("submit", "bd", "nosuchop");
	EXPECT_USAGE("submit: unknown opcode 'nosuchop': not a standard name, "
		     "and 'bd' declared no such name");
	CTL("submit", "null", "capacity");
	EXPECT_USAGE("unknown opcode 'capacity'");
	CTL("submit", "nosuch", "capacity");
	EXPECT_FAIL(1, "ringctl: cannot probe 'nosuch': no such scheme");
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
	CTL_OK("-j", "schemes");
	a = JSON_OUT();
	for (i = 0; i < json_object_array_length(a); i++) {
		o = json_object_array_get_idx(a, i);
		tr_keys(o, "scheme", TR_SCHEME_KEYS);
		if (strcmp(tr_str(o, "name"), "echo") != 0)
			continue;
		TAP_EQ(tr_int(o, "rings"), 1);
		TAP_ASSERT(tr_int(o, "rings_opened") >= 3);
	}
	json_object_put(a);
	CTL_OK("metrics");
	snprintf(line, sizeof(line),
	    "\nringd_scheme_rings{scheme=\"echo\",builtin=\"1\"} 1\n");
	TAP_ASSERT(strstr(r.out, line) != NULL);
	TAP_ASSERT(strstr(r.out,
		       "\nringd_scheme_rings_opened_total{"
		       "scheme=\"echo\",builtin=\"1\"} 3\n") != NULL);
	td_close_ring(c, ring[2], id[2]);
	td_end(&d, c);
}

/* --- submit --data-file that cannot be read to its end ---------------------- */

TAP_TEST(test_submit_data_file, "ringctl-submit-data-file", 60)
{
	char fifo[256], cmd[1024], path[256];
	int st;

	td_begin(&d, NULL);
	/* a FIFO nobody writes: refused at once, not waited for */
	snprintf(fifo, sizeof(fifo), "%s/data.fifo", d.dir);
	TAP_SYS(mkfifo(fifo, 0600));
	CTL("submit", "--data-file", fifo, "echo", "write");
	EXPECT_FAIL(1, "is a pipe with no writer");
	/* a device that never ends, a directory */
	CTL("submit", "--data-file", "/dev/zero", "echo", "write");
	EXPECT_STATUS(1);
	EXPECT_ERR("ringctl: '/dev/zero' is not a regular file or a pipe\n");
	CTL("submit", "--data-file", d.dir, "echo", "write");
	EXPECT_FAIL(1, "is not a regular file or a pipe");
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
	CTL_OK("submit", "null", "noop");
	td_finish(&d);
}

TAP_MAIN(td_setup)
