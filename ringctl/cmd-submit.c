/*
 * cmd-submit.c - "submit": open a ring to a scheme, push SQEs, print the
 * completions.
 *
 * One entry by default: its fields come from FIELD=VALUE words, data= or
 * --data-file bytes go into the ring's buffer pool (addr and len then
 * name them), and the completion is printed with its status decoded and
 * the round trip's latency.  With --count the same entry is submitted N
 * times, B at a time with at most W in flight, and a summary with the
 * rate and latency percentiles is printed instead: that load generator
 * is submit-load.c.
 *
 * In the shell, Ctrl-C stops it: no more entries are pushed, those in
 * flight are waited for (up to --timeout), the counts are reported and
 * the command ends with RC_INTERRUPTED.  Waits are cut into steps of
 * SUBMIT_STEP_NS so that the interruption is seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ringctl.h"
#include "submit.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_submit;

enum {
	SUBMIT_OPT_DATA_FILE,
	SUBMIT_OPT_BITS,
	SUBMIT_OPT_TIMEOUT,
	SUBMIT_OPT_COUNT,
	SUBMIT_OPT_BATCH,
	SUBMIT_OPT_WINDOW,
	SUBMIT_OPT_DUMP,
	SUBMIT_NOPTS
};

CMD_OPTS(submit_opts, SUBMIT_NOPTS,
	[SUBMIT_OPT_DATA_FILE] = { "data-file", 0, "FILE",
	    "put FILE's bytes in the buffer pool" },
	[SUBMIT_OPT_BITS] = { "bits", 0, "32|64",
	    "entry width of the ring (default 64)" },
	[SUBMIT_OPT_TIMEOUT] = { "timeout", 0, "DURATION",
	    "wait this long for completions (5s)" },
	[SUBMIT_OPT_COUNT] = { "count", 'n', "N",
	    "submit N times and print a summary" },
	[SUBMIT_OPT_BATCH] = { "batch", 0, "B",
	    "push B entries at a time (1)" },
	[SUBMIT_OPT_WINDOW] = { "window", 0, "W",
	    "at most W entries in flight (the batch)" },
	[SUBMIT_OPT_DUMP] = { "dump", 0, NULL,
	    "hex dump the buffer after the completion" });

CMD_ENTRY(submit,
    "[--data-file FILE] [--bits 32|64] [--timeout DURATION] "
    "[--count N [--batch B] [--window W]] [--dump] "
    "SCHEME OPCODE [FIELD=VALUE ...]",
    "open a ring to a scheme, submit an entry, print its completion",
    .min_args = 2, .max_args = -1,
    .args = { ARG_SCHEME, ARG_OPCODE, ARG_FIELD }, .opts = submit_opts);

#define SUBMIT_DATA_MAX (64u << 20) /* data= / --data-file bytes */
#define SUBMIT_DUMP_MAX 4096u	    /* bytes --dump prints */

/* The SQE fields FIELD=VALUE may set, with their widths. */
struct submit_field {
	const char *name;
	size_t off;
	unsigned bytes;
	bool size; /* takes K/M/G suffixes */
};

static const struct submit_field submit_fields[] = {
	{ "flags", offsetof(struct ring_sqe, flags), 1, false },
	{ "priority", offsetof(struct ring_sqe, priority), 2, false },
	{ "syscall_flags", offsetof(struct ring_sqe, syscall_flags), 4, false },
	{ "fd", offsetof(struct ring_sqe, fd), 8, false },
	{ "len", offsetof(struct ring_sqe, len), 8, true },
	{ "user_data", offsetof(struct ring_sqe, user_data), 8, false },
	{ "addr", offsetof(struct ring_sqe, addr), 8, false },
	{ "offset", offsetof(struct ring_sqe, offset), 8, true },
	{ "additional1", offsetof(struct ring_sqe, additional1), 8, false },
	{ "additional2", offsetof(struct ring_sqe, additional2), 8, false },
};
_Static_assert(sizeof(submit_fields) / sizeof(submit_fields[0]) ==
	SUBMIT_NFIELDS,
    "SUBMIT_NFIELDS is not the number of submit_fields");

static int
submit_field_index(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < SUBMIT_NFIELDS; i++)
		if (strlen(submit_fields[i].name) == len &&
		    strncmp(submit_fields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* SQE flags by name: "drain", "chain|subscribe", or a number. */
static int
submit_parse_flags(const char *s, uint64_t *v)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} names[] = { { "subscribe", RING_SQE_SUBSCRIBE },
		{ "drain", RING_SQE_DRAIN }, { "chain", RING_SQE_CHAIN } };
	const char *p = s, *end;
	size_t i, len;

	if (units_parse_u64(s, v) == 0)
		return 0;
	*v = 0;
	while (*p != '\0') {
		end = p + strcspn(p, "|,");
		len = (size_t)(end - p);
		for (i = 0; i < 3; i++)
			if (strlen(names[i].name) == len &&
			    strncmp(names[i].name, p, len) == 0)
				break;
		if (i == 3)
			return -EINVAL;
		*v |= names[i].bit;
		p = *end != '\0' ? end + 1 : end;
	}
	return p == s ? -EINVAL : 0;
}

static int
submit_set_field(struct ringctl *rc, const struct cmd_entry *ce,
    struct submit_req *q, const char *word)
{
	const char *eq = strchr(word, '=');
	const struct submit_field *f;
	uint64_t v, max;
	int k, err;

	if (eq == NULL || eq == word)
		return cmd_usage_error(rc, ce,
		    "submit: '%s' is not FIELD=VALUE", word);
	if ((size_t)(eq - word) == 4 && strncmp(word, "data", 4) == 0) {
		if (q->data != NULL)
			return cmd_usage_error(rc, ce,
			    "submit: data given twice");
		q->data_len = strlen(eq + 1);
		if (q->data_len > SUBMIT_DATA_MAX)
			return cmd_usage_error(rc, ce, "submit: data too long");
		if ((q->data = (unsigned char *)strdup(eq + 1)) == NULL)
			return out_fail(rc, RC_FAIL, -ENOMEM, "submit");
		return RC_OK;
	}
	if ((k = submit_field_index(word, (size_t)(eq - word))) < 0)
		return cmd_usage_error(rc, ce,
		    "submit: unknown field '%.*s' (fields: flags priority "
		    "syscall_flags fd len user_data addr offset additional1 "
		    "additional2 data)",
		    (int)(eq - word), word);
	f = &submit_fields[k];
	if (q->given[k])
		return cmd_usage_error(rc, ce, "submit: field '%s' given twice",
		    f->name);
	if (strcmp(f->name, "flags") == 0)
		err = submit_parse_flags(eq + 1, &v);
	else if (f->size)
		err = units_parse_size(eq + 1, &v);
	else
		err = units_parse_u64(eq + 1, &v);
	max = f->bytes == 8 ? UINT64_MAX : (1ull << (8 * f->bytes)) - 1;
	if (err == -ERANGE || (err == 0 && v > max))
		return cmd_usage_error(rc, ce,
		    "submit: %s=%s is out of range (0..%" PRIu64 ")", f->name,
		    eq + 1, max);
	if (err < 0)
		return cmd_usage_error(rc, ce, "submit: bad number in %s",
		    word);
	q->given[k] = true;
	switch (f->bytes) {
	case 1:
		*((uint8_t *)&q->sqe + f->off) = (uint8_t)v;
		break;
	case 2: {
		uint16_t x = (uint16_t)v;

		memcpy((char *)&q->sqe + f->off, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;

		memcpy((char *)&q->sqe + f->off, &x, 4);
		break;
	}
	default:
		memcpy((char *)&q->sqe + f->off, &v, 8);
		break;
	}
	return RC_OK;
}

/*
 * --data-file: the bytes of a regular file or a pipe, at most
 * SUBMIT_DATA_MAX.  Nothing blocks on a file that cannot deliver: the
 * open is non-blocking (a FIFO with no writer opens at once and is then
 * refused), devices are refused before reading, and only a pipe whose
 * writer is there is waited for, as a shell pipeline would.
 */
static int
submit_read_file(struct ringctl *rc, struct submit_req *q, const char *path)
{
	struct stat st;
	size_t got = 0, cap;
	unsigned char *nb;
	bool waited = false;
	ssize_t n;
	int fd, ret = RC_OK;

	if (q->data != NULL)
		return out_fail(rc, RC_USAGE, 0,
		    "submit: both data= and --data-file given");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return out_fail(rc, RC_FAIL, -errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		ret = out_fail(rc, RC_FAIL, 0,
		    "'%s' is not a regular file or a pipe", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > SUBMIT_DATA_MAX) {
		ret = out_fail(rc, RC_FAIL, -EFBIG, "cannot use '%s'", path);
		goto out;
	}
	/* room for one byte more than expected, to see the end */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	if ((q->data = malloc(cap + 1)) == NULL) {
		ret = out_fail(rc, RC_FAIL, -ENOMEM, "cannot read '%s'", path);
		goto out;
	}
	for (;;) {
		if (got == cap) {
			if (cap > SUBMIT_DATA_MAX) {
				ret = out_fail(rc, RC_FAIL, -EFBIG,
				    "cannot use '%s'", path);
				goto fail;
			}
			cap = cap > (SUBMIT_DATA_MAX + 1) / 2
			    ? SUBMIT_DATA_MAX + 1
			    : 2 * cap;
			if ((nb = realloc(q->data, cap + 1)) == NULL) {
				ret = out_fail(rc, RC_FAIL, -ENOMEM,
				    "cannot read '%s'", path);
				goto fail;
			}
			q->data = nb;
		}
		n = read(fd, q->data + got, cap - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && S_ISFIFO(st.st_mode) && !waited) {
			/* a writer holds the pipe: wait for its bytes */
			waited = true;
			if (fcntl(fd, F_SETFL,
				fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0)
				continue;
		}
		ret = out_fail(rc, RC_FAIL, -errno, "cannot read '%s'", path);
		goto fail;
	}
	if (S_ISFIFO(st.st_mode) && got == 0 && !waited) {
		ret = out_fail(rc, RC_FAIL, 0, "'%s' is a pipe with no writer",
		    path);
		goto fail;
	}
	q->data_len = got;
	goto out;
fail:
	free(q->data);
	q->data = NULL;
out:
	close(fd);
	return ret;
}

/* A positive count option. */
static int
submit_count_opt(struct ringctl *rc, const struct cmd_entry *ce,
    const char *name, const char *s, uint64_t max, uint64_t *v)
{
	int err = units_parse_u64(s, v);

	if (err == 0 && (*v == 0 || *v > max))
		err = -ERANGE;
	if (err < 0)
		return cmd_usage_error(rc, ce,
		    "submit: --%s wants a number in 1..%" PRIu64 ", not '%s'",
		    name, max, s);
	return RC_OK;
}

static int
submit_parse(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a,
    struct submit_req *q)
{
	const char *v;
	int i, ret, err;

	memset(q, 0, sizeof(*q));
	q->scheme = a->argv[0];
	q->timeout_ns = 5000000000ull;
	if ((err = ring_op_parse(a->argv[1], &q->opcode)) < 0) {
		/* maybe a name the scheme declared: asked once connected */
		if (err == -EINVAL && opname_declarable(a->argv[1]))
			q->opname = a->argv[1];
		else
			return cmd_usage_error(rc, ce,
			    "submit: unknown opcode '%s' (a name such as noop, "
			    "read, write, one the scheme declared, or a number "
			    "0..255)",
			    a->argv[1]);
	}
	q->sqe.opcode = q->opcode;
	for (i = 2; i < a->argc; i++)
		if ((ret = submit_set_field(rc, ce, q, a->argv[i])) != RC_OK)
			return ret;
	if ((v = a->val[SUBMIT_OPT_DATA_FILE]) != NULL &&
	    (ret = submit_read_file(rc, q, v)) != RC_OK)
		return ret;
	if ((v = a->val[SUBMIT_OPT_BITS]) != NULL) {
		if (strcmp(v, "32") == 0)
			q->bits32 = true;
		else if (strcmp(v, "64") != 0)
			return cmd_usage_error(rc, ce,
			    "submit: --bits is 32 or 64, not '%s'", v);
	}
	if ((v = a->val[SUBMIT_OPT_TIMEOUT]) != NULL &&
	    (units_parse_duration(v, &q->timeout_ns) < 0 || q->timeout_ns == 0))
		return cmd_usage_error(rc, ce,
		    "submit: bad --timeout '%s' (e.g. 5, 0.5, 500ms)", v);
	if ((v = a->val[SUBMIT_OPT_COUNT]) != NULL &&
	    (ret = submit_count_opt(rc, ce, "count", v, UINT64_MAX / 2,
		 &q->count)) != RC_OK)
		return ret;
	if ((v = a->val[SUBMIT_OPT_BATCH]) != NULL &&
	    (ret = submit_count_opt(rc, ce, "batch", v, RING_MAX_ENTRIES,
		 &q->batch)) != RC_OK)
		return ret;
	if ((v = a->val[SUBMIT_OPT_WINDOW]) != NULL &&
	    (ret = submit_count_opt(rc, ce, "window", v, RING_MAX_ENTRIES,
		 &q->window)) != RC_OK)
		return ret;
	q->dump = a->set[SUBMIT_OPT_DUMP];
	if (q->count == 0 && (q->batch != 0 || q->window != 0))
		return cmd_usage_error(rc, ce,
		    "submit: --batch and --window need --count");
	if (q->count != 0 && q->dump)
		return cmd_usage_error(rc, ce,
		    "submit: --dump is for a single entry");
	if (q->count != 0) {
		if (q->batch == 0)
			q->batch = 1;
		if (q->window == 0)
			q->window = q->batch;
		if (q->batch > q->window)
			return cmd_usage_error(rc, ce,
			    "submit: --batch %" PRIu64 " is larger than "
			    "--window %" PRIu64,
			    q->batch, q->window);
	}
	return RC_OK;
}

/* --- running it ------------------------------------------------------ */

/*
 * The opcode q->opname names among those the scheme declared (probe):
 * an unknown name is a usage error, as an unknown standard name is.
 */
static int
submit_resolve(struct ringctl *rc, const struct cmd_entry *ce,
    struct submit_req *q)
{
	struct ring_ctl_opname *names = NULL;
	uint64_t ops[4];
	size_t n = 0;
	int err;

	if (q->opname == NULL)
		return RC_OK;
	if ((err = ring_ctl_probe_names(rc->ctl, q->scheme, ops, &names, &n)) <
	    0)
		return conn_fail(rc, err, "cannot probe '%s'", q->scheme);
	err = opname_find(q->opname, names, n, &q->opcode);
	if (err == 0)
		snprintf(q->declared, sizeof(q->declared), "%s", q->opname);
	free(names);
	if (err < 0)
		return cmd_usage_error(rc, ce,
		    "submit: unknown opcode '%s': not a standard name, and "
		    "'%s' declared no such name",
		    q->opname, q->scheme);
	q->sqe.opcode = q->opcode;
	return RC_OK;
}

struct json_object *
submit_opcode_obj(const struct submit_req *q)
{
	struct ring_ctl_opname nm = { .op = q->opcode };
	uint64_t ops[4] = { 0 };
	struct json_object *a, *o;

	if (q->declared[0] == '\0')
		return mj_opcode(q->opcode);
	memcpy(nm.name, q->declared, sizeof(nm.name));
	ops[q->opcode / 64] = 1ull << (q->opcode % 64);
	a = mj_opcodes_named(ops, &nm, 1);
	o = json_object_get(json_object_array_get_idx(a, 0));
	json_object_put(a);
	return o;
}

static int
submit_open(struct ringctl *rc, struct submit_req *q, uint32_t entries,
    struct ring **r, uint64_t *id)
{
	struct ring_params p;
	uint64_t buf = 0, off;
	void *ptr;
	int err;

	memset(&p, 0, sizeof(p));
	p.sq_entries = entries;
	p.flags = q->bits32 ? RING_PAIR_BITS_32 : 0;
	/* a buffer for data=, or one of len bytes for the scheme to fill */
	if (q->data != NULL)
		buf = q->data_len;
	if (q->given[4] && !q->given[6] && q->sqe.len > buf)
		buf = q->sqe.len;
	if (buf > RING_MAX_POOL)
		return out_fail(rc, RC_FAIL, -E2BIG,
		    "cannot make a %" PRIu64 "-byte buffer", buf);
	if (buf != 0)
		p.pool_bytes = ring_page_round(buf);
	if ((err = ring_ctl_open(rc->ctl, q->scheme, &p, r, id)) < 0)
		return conn_fail(rc, err, "cannot open ring to '%s'",
		    q->scheme);
	if (buf == 0)
		return RC_OK;
	if ((err = ring_pool_alloc(*r, buf, &off)) < 0 ||
	    (err = ring_pool_resolve(*r, off, buf, &ptr)) < 0) {
		ring_close(*r);
		ring_ctl_close_ring(rc->ctl, *id);
		return out_fail(rc, RC_FAIL, err,
		    "cannot place %" PRIu64 " bytes in the buffer pool", buf);
	}
	memset(ptr, 0, buf);
	if (q->data != NULL)
		memcpy(ptr, q->data, q->data_len);
	if (!q->given[6])
		q->sqe.addr = off;
	if (!q->given[4])
		q->sqe.len = q->data != NULL ? q->data_len : buf;
	return RC_OK;
}

/*
 * ring_wait() for up to timeout_ns, in steps; -EINTR as soon as the shell
 * was interrupted, unless intr is false (draining after an interruption).
 */
int
submit_wait(struct ring *r, unsigned events, uint64_t timeout_ns, bool intr)
{
	uint64_t deadline = clock_ns() + timeout_ns, now, step;
	int err;

	for (;;) {
		if (intr && shell_interrupted)
			return -EINTR;
		now = clock_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		step = deadline - now < SUBMIT_STEP_NS ? deadline - now
						       : SUBMIT_STEP_NS;
		err = ring_wait(r, events, (int64_t)step);
		if (err != -ETIMEDOUT)
			return err;
	}
}

/* Pop one CQE, waiting up to timeout_ns. */
static int
submit_pop(struct ring *r, struct ring_cqe *cqe, uint64_t timeout_ns)
{
	uint64_t deadline = clock_ns() + timeout_ns, now;
	int err;

	for (;;) {
		if ((err = ring_cq_pop(r, cqe)) != -EAGAIN)
			return err;
		now = clock_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		err = submit_wait(r, RING_EV_IN, deadline - now, true);
		if (err < 0 && err != -ETIMEDOUT)
			return err;
	}
}

static int
submit_one(struct ringctl *rc, struct submit_req *q, struct ring *r,
    uint64_t id)
{
	struct json_object *o;
	struct ring_cqe cqe;
	uint64_t t0, t1;
	const char *name;
	char lat[32];
	void *ptr = NULL;
	int err, e;

	/* Ctrl-C while the ring was being opened: submit nothing */
	if (shell_interrupted)
		return out_fail(rc, RC_INTERRUPTED, 0,
		    "interrupted before submitting to '%s'", q->scheme);
	t0 = clock_ns();
	if ((err = ring_sq_push(r, &q->sqe)) < 0)
		return out_fail(rc, RC_FAIL, err, "cannot submit to '%s'%s",
		    q->scheme,
		    err == -EOVERFLOW ? " (a value does not fit a 32-bit entry)"
				      : "");
	if ((err = submit_pop(r, &cqe, q->timeout_ns)) == -EINTR)
		return out_fail(rc, RC_INTERRUPTED, 0,
		    "interrupted: no completion from '%s' yet", q->scheme);
	if (err < 0)
		return out_fail(rc, RC_FAIL, err, "no completion from '%s'",
		    q->scheme);
	t1 = clock_ns();
	e = ring_cqe_errno(&cqe);
	name = e != 0 ? errname(e) : NULL;
	if (q->dump && q->sqe.len != 0 &&
	    ring_pool_resolve(r, q->sqe.addr, q->sqe.len, &ptr) < 0)
		ptr = NULL;

	o = json_object_new_object();
	json_object_object_add(o, "ring_id", mj_u64(id));
	json_object_object_add(o, "scheme", json_object_new_string(q->scheme));
	json_object_object_add(o, "opcode", submit_opcode_obj(q));
	json_object_object_add(o, "user_data", mj_u64(cqe.user_data));
	json_object_object_add(o, "status",
	    json_object_new_int64((int64_t)cqe.status));
	json_object_object_add(o, "flags", mj_u64(cqe.flags));
	json_object_object_add(o, "extra", mj_u64(cqe.extra));
	json_object_object_add(o, "errno",
	    e != 0 ? json_object_new_string(name != NULL ? name : "?") : NULL);
	json_object_object_add(o, "latency_ns", mj_u64(t1 - t0));
	if (rc->json) {
		if (ptr != NULL) {
			size_t i,
			    n = q->sqe.len < SUBMIT_DUMP_MAX
			    ? (size_t)q->sqe.len
			    : SUBMIT_DUMP_MAX;
			char *hex = malloc(2 * n + 1);

			for (i = 0; hex != NULL && i < n; i++)
				snprintf(hex + 2 * i, 3, "%02x",
				    ((unsigned char *)ptr)[i]);
			json_object_object_add(o, "data_hex",
			    hex != NULL ? json_object_new_string(hex) : NULL);
			free(hex);
		} else {
			json_object_object_add(o, "data_hex", NULL);
		}
		out_json(rc, o);
	} else {
		printf("user_data=%" PRIu64 " status=%" PRId64, cqe.user_data,
		    (int64_t)cqe.status);
		if (e != 0)
			printf(" (%s: %s)", name != NULL ? name : "?",
			    out_strerror(e));
		printf(" flags=%#" PRIx64 " extra=%" PRIu64 " latency=%s\n",
		    cqe.flags, cqe.extra,
		    units_fmt_duration(t1 - t0, lat, sizeof(lat)));
		if (ptr != NULL)
			out_hexdump(stdout, ptr,
			    q->sqe.len < SUBMIT_DUMP_MAX ? (size_t)q->sqe.len
							 : SUBMIT_DUMP_MAX,
			    0);
		json_object_put(o);
	}
	/* the completion came; an errno in it makes the exit status 1 */
	return e != 0 ? RC_FAIL : RC_OK;
}

static int
cmd_submit(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct submit_req q;
	struct ring *r = NULL;
	uint64_t id = 0;
	uint32_t entries = 1;
	int ret;

	if ((ret = submit_parse(rc, ce, a, &q)) != RC_OK)
		goto out;
	if ((ret = conn_need(rc)) != RC_OK)
		goto out;
	if ((ret = submit_resolve(rc, ce, &q)) != RC_OK)
		goto out;
	while (q.count != 0 && entries < q.window)
		entries <<= 1;
	if ((ret = submit_open(rc, &q, entries, &r, &id)) != RC_OK)
		goto out;
	if (q.count == 0)
		ret = submit_one(rc, &q, r, id);
	else
		ret = submit_load(rc, &q, r, entries);
	ring_close(r);
	(void)ring_ctl_close_ring(rc->ctl, id);
out:
	free(q.data);
	return ret;
}
