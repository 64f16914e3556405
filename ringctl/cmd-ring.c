/*
 * cmd-ring.c - "rings", "ring ID" and "clients": the brokered rings and
 * the connections, from one snapshot of ringd's model each.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_rings, cmd_ring, cmd_clients;

CMD_ENTRY(rings, "[-q]",
    "list the rings ringd brokered",
    .flags = CMD_QUIET, .args = { ARG_NONE });

CMD_ENTRY(ring, "ID",
    "show one ring in detail",
    .min_args = 1, .max_args = 1, .args = { ARG_RING });

CMD_ENTRY(clients, "[-q]",
    "list the connections to ringd",
    .flags = CMD_QUIET, .args = { ARG_NONE });

static int
cmd_rings(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	static const char *const hdr[] = { ">ID", "SCHEME", "KIND", "STATE",
		"CONSUMER", "PRODUCER", ">SQ", ">CQ", ">BITS", ">SQ_DEPTH",
		">CQ_BACKLOG", ">SUBMITTED", ">COMPLETED" };
	struct ring_ctl_ring *v = NULL;
	struct json_object *arr, *r, *cons, *prod;
	struct table *t;
	char c[8][32], cp[96], pp[96], sch[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	size_t n, i;
	int err, ret;

	(void)ce;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_list_rings(rc->ctl, &v, &n)) < 0)
		return conn_fail(rc, err, "cannot list rings");
	arr = mj_rings(v, n);
	free(v);
	if (out_list_short(rc, a->quiet, arr, "id"))
		return RC_OK;
	t = table_new(13, hdr);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(r, "consumer", &cons);
		json_object_object_get_ex(r, "producer", &prod);
		table_add(t, out_u64(mj_get_u64(r, "id", 0), c[0], 32),
		    out_name(mj_get_str(r, "scheme", ""), sch, sizeof(sch)),
		    mj_get_str(r, "kind", ""), mj_get_str(r, "state", ""),
		    out_peer(cons, cp, sizeof(cp)),
		    out_peer(prod, pp, sizeof(pp)),
		    out_u64(mj_get_u64(r, "sq_entries", 0), c[1], 32),
		    out_u64(mj_get_u64(r, "cq_entries", 0), c[2], 32),
		    /* "-" for a redox_ring: its entries have sizes instead */
		    mj_get_u64(r, "entry_bits", 0) == 0
			? NULL
			: out_u64(mj_get_u64(r, "entry_bits", 0), c[3], 32),
		    out_u64(mj_get_u64(r, "sq_depth", 0), c[4], 32),
		    out_u64(mj_get_u64(r, "cq_backlog", 0), c[5], 32),
		    out_u64(mj_get_u64(r, "submitted", 0), c[6], 32),
		    out_u64(mj_get_u64(r, "completed", 0), c[7], 32));
	}
	table_print(t, stdout);
	table_free(t);
	json_object_put(arr);
	return RC_OK;
}

/* "drop,broken" or "-" for an array of strings. */
static const char *
ring_words(struct json_object *arr, char *buf, size_t len)
{
	size_t i, n = json_object_array_length(arr), used = 0;
	int w;

	snprintf(buf, len, "-");
	for (i = 0; i < n && used < len; i++) {
		w = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
		    json_object_get_string(json_object_array_get_idx(arr, i)));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static void
ring_print_queue(const char *name, struct json_object *q)
{
	struct json_object *status, *pw, *uw;
	char s[64], p[64], u[64];

	json_object_object_get_ex(q, "status", &status);
	json_object_object_get_ex(q, "pop_wait", &pw);
	json_object_object_get_ex(q, "push_wait", &uw);
	printf("%s:  head %" PRIu64 "  tail %" PRIu64 "  depth %" PRIu64
	       "  pushed %" PRIu64 "  popped %" PRIu64 "  status %s"
	       "  pop_wait %s  push_wait %s\n",
	    name, mj_get_u64(q, "head", 0), mj_get_u64(q, "tail", 0),
	    mj_get_u64(q, "depth", 0), mj_get_u64(q, "push_epoch", 0),
	    mj_get_u64(q, "pop_epoch", 0), ring_words(status, s, sizeof(s)),
	    ring_words(pw, p, sizeof(p)), ring_words(uw, u, sizeof(u)));
}

/* Does wait word key of queue q (an array of words) hold "futex"? */
static bool
ring_asleep(struct json_object *q, const char *key)
{
	struct json_object *arr;
	size_t i;

	if (!json_object_object_get_ex(q, key, &arr))
		return false;
	for (i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(
			       json_object_array_get_idx(arr, i)),
			"futex") == 0)
			return true;
	return false;
}

/*
 * Who sleeps on which queue: the scheme pops the SQ and pushes the CQ,
 * the consumer the other way round.
 */
static void
ring_print_waiting(struct json_object *r)
{
	static const struct {
		const char *queue, *key, *who;
	} w[] = {
		{ "sq", "pop_wait", "scheme, for SQEs" },
		{ "sq", "push_wait", "consumer, for SQ room" },
		{ "cq", "pop_wait", "consumer, for CQEs" },
		{ "cq", "push_wait", "scheme, for CQ room" },
	};
	struct json_object *q;
	bool any = false;
	size_t i;

	printf("waiting:   ");
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (json_object_object_get_ex(r, w[i].queue, &q) &&
		    ring_asleep(q, w[i].key)) {
			printf("%s %s", any ? ";" : "", w[i].who);
			any = true;
		}
	printf("%s\n", any ? "" : " -");
}

static int
cmd_ring(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_ctl_ring *v = NULL;
	struct json_object *r, *cons, *prod, *q;
	char buf[96], sz[16], age[32], sch[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	uint64_t id;
	bool redox;
	size_t n, i;
	int err, ret;

	if ((ret = conn_parse_id(rc, ce, "ring", a->argv[0], &id)) != RC_OK)
		return ret;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_list_rings(rc->ctl, &v, &n)) < 0)
		return conn_fail(rc, err, "cannot list rings");
	for (i = 0; i < n && v[i].ring_id != id; i++)
		;
	if (i == n) {
		free(v);
		return out_fail_plain(rc, RC_FAIL, -ENOENT, "no ring %" PRIu64,
		    id);
	}
	r = mj_ring(&v[i]);
	free(v);
	if (rc->json) {
		out_json(rc, r);
		return RC_OK;
	}
	json_object_object_get_ex(r, "consumer", &cons);
	json_object_object_get_ex(r, "producer", &prod);
	redox = strcmp(mj_get_str(r, "kind", ""), "redox") == 0;
	printf("ring %" PRIu64 "\n", id);
	printf("scheme:     %s%s\n",
	    out_name(mj_get_str(r, "scheme", ""), sch, sizeof(sch)),
	    mj_get_bool(r, "builtin", 0) ? " (served by ringd)" : "");
	printf("kind:       %s\n",
	    redox ? "redox (a relibc redox_ring: SQ and CQ objects from the "
		    "scheme, 31-bit indices)"
		  : "v1 (a ring pair of the suite's format)");
	printf("state:      %s\n", mj_get_str(r, "state", ""));
	printf("consumer:   %s uid %" PRIu64 "\n",
	    out_peer(cons, buf, sizeof(buf)), mj_get_u64(cons, "uid", 0));
	printf("producer:   %s uid %" PRIu64 "\n",
	    out_peer(prod, buf, sizeof(buf)), mj_get_u64(prod, "uid", 0));
	printf("entries:    sq %" PRIu64 " x %" PRIu64 " B, cq %" PRIu64
	       " x %" PRIu64 " B",
	    mj_get_u64(r, "sq_entries", 0), mj_get_u64(r, "sqe_size_bytes", 0),
	    mj_get_u64(r, "cq_entries", 0), mj_get_u64(r, "cqe_size_bytes", 0));
	if (!redox)
		printf(" (%" PRIu64 "-bit)", mj_get_u64(r, "entry_bits", 0));
	printf("\n");
	printf("pool:       %s\n",
	    units_fmt_size(mj_get_u64(r, "pool_bytes", 0), sz, sizeof(sz)));
	printf("age:        %s\n",
	    units_fmt_duration(mj_get_u64(r, "age_ns", 0), age, sizeof(age)));
	printf("sq_depth:   %" PRIu64 "\n", mj_get_u64(r, "sq_depth", 0));
	printf("cq_backlog: %" PRIu64 "\n", mj_get_u64(r, "cq_backlog", 0));
	printf("submitted:  %" PRIu64 " (taken %" PRIu64 ")\n",
	    mj_get_u64(r, "submitted", 0), mj_get_u64(r, "taken", 0));
	printf("completed:  %" PRIu64 " (reaped %" PRIu64 ")\n",
	    mj_get_u64(r, "completed", 0), mj_get_u64(r, "reaped", 0));
	json_object_object_get_ex(r, "sq", &q);
	ring_print_queue("sq", q);
	json_object_object_get_ex(r, "cq", &q);
	ring_print_queue("cq", q);
	ring_print_waiting(r);
	json_object_put(r);
	return RC_OK;
}

static int
cmd_clients(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	static const char *const hdr[] = { ">ID", ">PID", ">UID", "COMM",
		">SCHEMES", ">RINGS", ">AGE" };
	struct ring_ctl_client *v = NULL;
	struct json_object *arr, *c;
	struct table *t;
	char b[6][32], comm[SAN_VIS_LEN(RING_CTL_COMM_MAX)];
	size_t n, i;
	int err, ret;

	(void)ce;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_list_clients(rc->ctl, &v, &n)) < 0)
		return conn_fail(rc, err, "cannot list clients");
	arr = mj_clients(v, n);
	free(v);
	if (out_list_short(rc, a->quiet, arr, "id"))
		return RC_OK;
	t = table_new(7, hdr);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(arr, i);
		table_add(t, out_u64(mj_get_u64(c, "id", 0), b[0], 32),
		    out_u64(mj_get_u64(c, "pid", 0), b[1], 32),
		    out_u64(mj_get_u64(c, "uid", 0), b[2], 32),
		    out_name(mj_get_str(c, "comm", ""), comm, sizeof(comm)),
		    out_u64(mj_get_u64(c, "schemes", 0), b[3], 32),
		    out_u64(mj_get_u64(c, "rings", 0), b[4], 32),
		    units_fmt_duration(mj_get_u64(c, "age_ns", 0), b[5], 32));
	}
	table_print(t, stdout);
	table_free(t);
	json_object_put(arr);
	return RC_OK;
}
