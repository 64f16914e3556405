/*
 * t-parse-agree.c - every reader of a size or an opcode takes the same
 * text and reads the same value from it.
 *
 * One table of sizes goes through ringd.conf (phys_zone64_size), ringd -z
 * 64=SIZE and ringctl physalloc SIZE; one table of opcodes through
 * ringd.conf (a policy rule's op=) and ringctl submit.  Each input must be
 * accepted by all of them or refused by all, and where the value shows (a
 * zone's size, a region's requested size, the op= ringd -T prints back,
 * the opcode ringctl -j reports) it must be the same.  Accepting is asked
 * of ringd with -t (check the configuration and exit) before a private
 * ringd is started to read the value; ringctl refuses what it cannot
 * parse with a usage error (exit 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ring/phys.h>

#include "../common/common.h"
#include "lib/daemon.h"
#include "lib/tap.h"

/* No value: refused by the reader, or accepted without showing it. */
#define PA_NONE UINT64_MAX

struct pa_size {
	const char *text;
	uint64_t want; /* PA_NONE: refused everywhere */
};

/* The sizes, as a person could write them; all multiples of 4k. */
static const struct pa_size pa_sizes[] = {
	{ "4096", 4096 },
	{ "4K", 4096 },
	{ "4k", 4096 },
	{ "4KiB", 4096 },
	{ "4kb", 4096 },
	{ "1M", 1ull << 20 },
	{ "1G", 1ull << 30 },
	{ "1T", 1ull << 40 },
	{ "0x1000", 4096 },
	{ "1X", PA_NONE },
	{ "-1", PA_NONE },
	{ "", PA_NONE },
	{ "4 K", PA_NONE },
	{ "4Kfoo", PA_NONE },
	{ "4B", PA_NONE },
	{ "99999999999999999999", PA_NONE },
	{ "16777216T", PA_NONE },
};

/* The opcodes: standard names in any case, numbers, and not opcodes. */
static const struct pa_size pa_ops[] = {
	{ "read", RING_OP_READ },
	{ "READ", RING_OP_READ },
	{ "Read", RING_OP_READ },
	{ "0x80", 128 },
	{ "128", 128 },
	{ "255", 255 },
	{ "0xff", 255 },
	{ "256", PA_NONE },
	{ "-1", PA_NONE },
	{ "foo", PA_NONE },
	{ "", PA_NONE },
};

#define PA_NSIZES (sizeof(pa_sizes) / sizeof(pa_sizes[0]))
#define PA_NOPS (sizeof(pa_ops) / sizeof(pa_ops[0]))

static struct td d;

/*
 * Run argv (argv[0] the path) with stdout into out (read back,
 * NUL-terminated) and stderr into d's directory; its exit status, or
 * 128 + signal.
 */
static int
pa_run(const char *const *argv, char *out, size_t len)
{
	char path[TD_PATH_MAX + 16], epath[TD_PATH_MAX + 16];
	pid_t pid;
	int fd, efd, st;

	snprintf(path, sizeof(path), "%s/run.out", d.dir);
	snprintf(epath, sizeof(epath), "%s/run.err", d.dir);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(126);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd < 0 || efd < 0 || dup2(fd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		TAP_FAIL("waitpid: %s", tap_rcname(-errno));
	out[0] = '\0';
	(void)td_read_file(path, out, len);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ringd -t with conf and the extra arguments: did it take them? */
static bool
pa_ringd_takes(const char *conf, const char *zopt)
{
	const char *argv[8];
	char out[4096];
	int i = 0, st;

	td_write_conf(&d, conf);
	argv[i++] = td_binary();
	argv[i++] = "-t";
	argv[i++] = "-c";
	argv[i++] = d.conf;
	if (zopt != NULL) {
		argv[i++] = "-z";
		argv[i++] = zopt;
	}
	argv[i] = NULL;
	st = pa_run(argv, out, sizeof(out));
	if (st != 0 && st != 1 && st != 2)
		TAP_FAIL("ringd -t ended with %d: %s", st, out);
	return st == 0;
}

/* Start a ringd with conf and -z zopt (or not); the size of zone 64. */
static uint64_t
pa_zone64(const char *conf, const char *zopt)
{
	const char *const args[] = { "-z", zopt, NULL };
	struct ring_phys_zone *z;
	struct ring_ctl *c;
	size_t n;
	uint64_t size;

	memset(&d, 0, sizeof(d));
	td_start_args(&d, conf, 0, zopt != NULL ? args : NULL);
	c = td_connect(&d);
	TAP_RC(ring_phys_list_zones(c, &z, &n), 0);
	TAP_EQ(n, RING_PHYS_ZONES);
	size = z[RING_PHYS_ZONE_64].size;
	free(z);
	ring_ctl_close(c);
	td_finish(&d);
	return size;
}

/* ringctl of this build, -S d.sock -j, then args; the JSON it printed. */
static struct json_object *
pa_ringctl(const char *const *args, int *status)
{
	static char bin[256], out[65536];
	const char *argv[16];
	int i = 0;

	if (bin[0] == '\0' &&
	    build_path("RINGCTL_BIN", "ringctl/ringctl", bin, sizeof(bin)) < 0)
		TAP_FAIL("no ringctl binary at '%s'", bin);
	argv[i++] = bin;
	argv[i++] = "-S";
	argv[i++] = d.sock;
	argv[i++] = "-j";
	while (*args != NULL && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	*status = pa_run(argv, out, sizeof(out));
	if (*status == 2)
		return NULL;
	return json_tokener_parse(out);
}

/* o[key] (or o[key][sub]) of ringctl's JSON output for text, or fail. */
static uint64_t
pa_json_u64(struct json_object *o, const char *what, const char *text,
    const char *key, const char *sub)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    (sub != NULL && !json_object_object_get_ex(v, sub, &v)))
		TAP_FAIL("%s '%s': no %s%s%s in ringctl's output", what, text,
		    key, sub != NULL ? "." : "", sub != NULL ? sub : "");
	return (uint64_t)json_object_get_int64(v);
}

static const char *
pa_val(uint64_t v, char *buf, size_t len)
{
	if (v == PA_NONE)
		snprintf(buf, len, "refused");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* All readers must agree with t->want: refused, or this value. */
static void
pa_agree(const char *what, const char *text, const char *reader, uint64_t want,
    uint64_t got)
{
	char a[32], b[32];

	if (got != want)
		TAP_FAIL("%s '%s': %s reads %s, the table says %s", what, text,
		    reader, pa_val(got, a, sizeof(a)),
		    pa_val(want, b, sizeof(b)));
}

/*
 * Sizes: ringd.conf's phys_zone64_size, ringd -z 64=, ringctl physalloc
 * (against a ringd whose zone 64 is 1T, so that each one is served).
 */
TAP_TEST(test_sizes, "parse-agree-sizes", 120)
{
	char conf[128], zopt[64];
	struct json_object *o;
	size_t i;
	int st;

	for (i = 0; i < PA_NSIZES; i++) {
		const struct pa_size *t = &pa_sizes[i];
		uint64_t got;

		memset(&d, 0, sizeof(d));
		td_prepare(&d, NULL);
		snprintf(conf, sizeof(conf), "phys_zone64_size = %s\n",
		    t->text);
		snprintf(zopt, sizeof(zopt), "64=%s", t->text);
		/* ringd.conf */
		got = pa_ringd_takes(conf, NULL) ? 0 : PA_NONE;
		/* ringd -z */
		if (pa_ringd_takes("", zopt) != (got == 0))
			TAP_FAIL("size '%s': ringd.conf %s it, ringd -z %s it",
			    t->text, got == 0 ? "takes" : "refuses",
			    got == 0 ? "refuses" : "takes");
		td_cleanup(&d);
		if (got == 0) {
			got = pa_zone64(conf, NULL);
			pa_agree("size", t->text, "ringd.conf", t->want, got);
			got = pa_zone64(NULL, zopt);
		}
		pa_agree("size", t->text, "ringd -z", t->want, got);
	}

	td_begin(&d, "phys_zone64_size = 1T\n");
	for (i = 0; i < PA_NSIZES; i++) {
		const struct pa_size *t = &pa_sizes[i];
		uint64_t got = PA_NONE;

		o = pa_ringctl((const char *const[]){ "physalloc", "--64",
				   t->text, NULL },
		    &st);
		if (st != 2 && st != 0)
			TAP_FAIL("size '%s': ringctl physalloc exit %d",
			    t->text, st);
		if (st == 0)
			got = pa_json_u64(o, "size", t->text, "requested",
			    NULL);
		json_object_put(o);
		pa_agree("size", t->text, "ringctl physalloc", t->want, got);
	}
	td_finish(&d);
}

/* The op= ringd -T printed back for the rule of line 1, as a number. */
static uint64_t
pa_printed_op(const char *out)
{
	const char *p = strstr(out, " op=");
	char word[32];
	uint8_t op;
	size_t n;

	if (p == NULL)
		TAP_FAIL("ringd -T printed no op=: %s", out);
	p += 4;
	n = strcspn(p, " \n");
	if (n >= sizeof(word))
		TAP_FAIL("ringd -T printed a long op=: %s", out);
	memcpy(word, p, n);
	word[n] = '\0';
	/* ringd prints a standard opcode by name, others as a number */
	if (ring_op_parse(word, &op) < 0)
		TAP_FAIL("ringd -T printed op=%s", word);
	return op;
}

/* Opcodes: a policy rule's op= in ringd.conf, ringctl submit. */
TAP_TEST(test_opcodes, "parse-agree-opcodes", 60)
{
	char conf[128], out[8192];
	struct json_object *o;
	size_t i;
	int st;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	for (i = 0; i < PA_NOPS; i++) {
		const struct pa_size *t = &pa_ops[i];
		const char *argv[] = { td_binary(), "-T", "-c", d.conf, NULL };
		uint64_t got = PA_NONE;

		snprintf(conf, sizeof(conf), "allow submit \"null\" op=%s\n",
		    t->text);
		td_write_conf(&d, conf);
		st = pa_run(argv, out, sizeof(out));
		if (st != 0 && st != 1)
			TAP_FAIL("ringd -T ended with %d: %s", st, out);
		if (st == 0)
			got = pa_printed_op(out);
		pa_agree("opcode", t->text, "ringd.conf op=", t->want, got);
	}
	td_cleanup(&d);

	td_begin(&d, NULL);
	for (i = 0; i < PA_NOPS; i++) {
		const struct pa_size *t = &pa_ops[i];
		uint64_t got = PA_NONE;

		o = pa_ringctl((const char *const[]){ "submit", "null", t->text,
				   NULL },
		    &st);
		/* a completion with an errno is exit 1, with its JSON */
		if (st != 0 && st != 1 && st != 2)
			TAP_FAIL("opcode '%s': ringctl submit exit %d", t->text,
			    st);
		if (st != 2)
			got = pa_json_u64(o, "opcode", t->text, "opcode",
			    "code");
		json_object_put(o);
		pa_agree("opcode", t->text, "ringctl submit", t->want, got);
	}
	td_finish(&d);
}

TAP_MAIN(td_setup)
