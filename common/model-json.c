/*
 * model-json.c - json-c objects for ringd's introspection records; the
 * keys and their meaning are documented in model-json.h.
 *
 * Depends on json-c, libring's <ring/ctl.h> records, peer.c and
 * sanitize.c; used by the front ends only (ringctl, ringtop).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ring/phys.h>

#include "model-json.h"
#include "common.h"

const char *
mj_state_name(uint32_t state)
{
	switch (state) {
	case RING_CTL_PENDING:
		return "pending";
	case RING_CTL_RUNNING:
		return "running";
	case RING_CTL_DROPPED:
		return "dropped";
	case RING_CTL_BROKEN:
		return "broken";
	case RING_CTL_ADOPTING:
		return "adopting";
	default:
		return "unknown";
	}
}

const char *
mj_ring_kind(const struct ring_ctl_ring *r)
{
	return (r->flags & RING_CTL_RING_REDOX) ? "redox" : "v1";
}

struct json_object *
mj_u64(uint64_t v)
{
	/* small values as int64 so every json-c reader sees a plain int */
	if (v <= INT64_MAX)
		return json_object_new_int64((int64_t)v);
	return json_object_new_uint64(v);
}

/* A string from a fixed-size field that may lack its NUL. */
static struct json_object *
mj_fixed_str(const char *s, size_t size)
{
	return json_object_new_string_len(s, (int)strnlen(s, size));
}

struct json_object *
mj_peer(const struct ring_ctl_peer *p)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "pid", p->pid != 0 ? mj_u64(p->pid) : NULL);
	json_object_object_add(o, "uid", mj_u64(p->uid));
	json_object_object_add(o, "gid", mj_u64(p->gid));
	json_object_object_add(o, "comm",
	    mj_fixed_str(p->comm, sizeof(p->comm)));
	return o;
}

/* Names of the bits of a RING_STATUS_* or RING_WAIT_* word. */
static struct json_object *
mj_bits(uint64_t v, const char *const *names, unsigned nnames)
{
	struct json_object *a = json_object_new_array();
	char buf[24];
	unsigned i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < nnames; i++)
		if (v & (1ull << i)) {
			json_object_array_add(a,
			    json_object_new_string(names[i]));
			v &= ~(1ull << i);
		}
	if (v != 0) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

static const char *const mj_status_bits[] = { "drop", "broken" };
static const char *const mj_wait_bits[] = { "futex", "doorbell", "entries" };

struct json_object *
mj_queue(const struct ring_ctl_queue *q)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "head", mj_u64(q->head));
	json_object_object_add(o, "tail", mj_u64(q->tail));
	json_object_object_add(o, "depth", mj_u64(q->depth));
	json_object_object_add(o, "push_epoch", mj_u64(q->push_epoch));
	json_object_object_add(o, "pop_epoch", mj_u64(q->pop_epoch));
	json_object_object_add(o, "status",
	    mj_bits(q->status, mj_status_bits, 2));
	json_object_object_add(o, "pop_wait",
	    mj_bits(q->pop_wait, mj_wait_bits, 3));
	json_object_object_add(o, "push_wait",
	    mj_bits(q->push_wait, mj_wait_bits, 3));
	return o;
}

struct json_object *
mj_ring(const struct ring_ctl_ring *r)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", mj_u64(r->ring_id));
	json_object_object_add(o, "scheme",
	    mj_fixed_str(r->scheme, sizeof(r->scheme)));
	json_object_object_add(o, "kind",
	    json_object_new_string(mj_ring_kind(r)));
	json_object_object_add(o, "state",
	    json_object_new_string(mj_state_name(r->state)));
	json_object_object_add(o, "builtin",
	    json_object_new_boolean(r->producer.pid == 0));
	json_object_object_add(o, "consumer", mj_peer(&r->consumer));
	json_object_object_add(o, "producer", mj_peer(&r->producer));
	/* a redox_ring's entries are sqe_size_bytes and cqe_size_bytes */
	json_object_object_add(o, "entry_bits",
	    (r->flags & RING_CTL_RING_REDOX)
		? NULL
		: mj_u64((r->flags & RING_PAIR_BITS_32) ? 32 : 64));
	json_object_object_add(o, "sq_entries", mj_u64(r->sq_entries));
	json_object_object_add(o, "cq_entries", mj_u64(r->cq_entries));
	json_object_object_add(o, "sqe_size_bytes", mj_u64(r->sqe_size));
	json_object_object_add(o, "cqe_size_bytes", mj_u64(r->cqe_size));
	json_object_object_add(o, "pool_bytes", mj_u64(r->pool_bytes));
	json_object_object_add(o, "age_ns", mj_u64(r->age_ns));
	json_object_object_add(o, "sq_depth", mj_u64(r->sq.depth));
	json_object_object_add(o, "cq_backlog", mj_u64(r->cq.depth));
	json_object_object_add(o, "submitted", mj_u64(r->sq.push_epoch));
	json_object_object_add(o, "taken", mj_u64(r->sq.pop_epoch));
	json_object_object_add(o, "completed", mj_u64(r->cq.push_epoch));
	json_object_object_add(o, "reaped", mj_u64(r->cq.pop_epoch));
	json_object_object_add(o, "sq", mj_queue(&r->sq));
	json_object_object_add(o, "cq", mj_queue(&r->cq));
	return o;
}

/* An opcode object; declared: the scheme's name for it, or NULL. */
static struct json_object *
mj_opcode_named(unsigned code, const char *declared)
{
	struct json_object *o = json_object_new_object();
	const char *name = ring_op_name(code);

	if (o == NULL)
		return NULL;
	if (name == NULL)
		name = declared;
	json_object_object_add(o, "code", mj_u64(code));
	json_object_object_add(o, "name",
	    name != NULL ? json_object_new_string(name) : NULL);
	return o;
}

struct json_object *
mj_opcode(unsigned code)
{
	return mj_opcode_named(code, NULL);
}

struct json_object *
mj_opcodes_named(const uint64_t ops[4], const struct ring_ctl_opname *names,
    size_t nnames)
{
	struct json_object *a = json_object_new_array();
	const char *declared;
	unsigned i;
	size_t k;

	if (a == NULL)
		return NULL;
	for (i = 0; i < 256; i++) {
		if (!(ops[i / 64] & (1ull << (i % 64))))
			continue;
		declared = NULL;
		for (k = 0; k < nnames; k++)
			if (names[k].op == i &&
			    memchr(names[k].name, '\0',
				sizeof(names[k].name)) != NULL)
				declared = names[k].name;
		json_object_array_add(a, mj_opcode_named(i, declared));
	}
	return a;
}

struct json_object *
mj_opcodes(const uint64_t ops[4])
{
	return mj_opcodes_named(ops, NULL, 0);
}

/* One caller in ringctl (schemes), one in ringtop (Schemes tab). */
void
mj_opcodes_text(struct json_object *ops, char *buf, size_t len)
{
	size_t i, j, n = json_object_array_length(ops), used = 0;
	uint64_t code, last;
	const char *name;
	char nm[SAN_VIS_LEN(RING_CTL_OPNAME_MAX)];
	int w;

	snprintf(buf, len, "-");
	for (i = 0; i < n && used < len; i = j) {
		struct json_object *op = json_object_array_get_idx(ops, i);

		name = mj_get_str(op, "name", NULL);
		code = last = mj_get_u64(op, "code", 0);
		for (j = i + 1; name == NULL && j < n; j++) {
			struct json_object *nx = json_object_array_get_idx(ops,
			    j);

			if (mj_get_str(nx, "name", NULL) != NULL ||
			    mj_get_u64(nx, "code", 0) != last + 1)
				break;
			last++;
		}
		if (name != NULL)
			w = snprintf(buf + used, len - used, "%s%s",
			    i ? "," : "",
			    san_vis(nm, sizeof(nm), name, SIZE_MAX));
		else if (last != code)
			w = snprintf(buf + used, len - used,
			    "%s%" PRIu64 "-%" PRIu64, i ? "," : "", code, last);
		else
			w = snprintf(buf + used, len - used, "%s%" PRIu64,
			    i ? "," : "", code);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

struct json_object *
mj_scheme(const struct ring_ctl_scheme *s)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "name",
	    mj_fixed_str(s->name, sizeof(s->name)));
	json_object_object_add(o, "builtin",
	    json_object_new_boolean(s->builtin != 0));
	json_object_object_add(o, "owner", mj_peer(&s->owner));
	json_object_object_add(o, "rings", mj_u64(s->rings));
	json_object_object_add(o, "rings_opened", mj_u64(s->rings_opened));
	json_object_object_add(o, "opcodes_declared",
	    json_object_new_boolean(
		(s->ops[0] | s->ops[1] | s->ops[2] | s->ops[3]) != 0));
	json_object_object_add(o, "opcodes", mj_opcodes(s->ops));
	return o;
}

struct json_object *
mj_client(const struct ring_ctl_client *c)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", mj_u64(c->client_id));
	json_object_object_add(o, "pid", mj_u64(c->peer.pid));
	json_object_object_add(o, "uid", mj_u64(c->peer.uid));
	json_object_object_add(o, "gid", mj_u64(c->peer.gid));
	json_object_object_add(o, "comm",
	    mj_fixed_str(c->peer.comm, sizeof(c->peer.comm)));
	json_object_object_add(o, "schemes", mj_u64(c->schemes));
	json_object_object_add(o, "rings", mj_u64(c->rings));
	json_object_object_add(o, "age_ns", mj_u64(c->age_ns));
	return o;
}

struct json_object *
mj_status(const struct ring_ctl_status *st)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "server",
	    mj_fixed_str(st->server, sizeof(st->server)));
	json_object_object_add(o, "protocol_version", mj_u64(st->version));
	json_object_object_add(o, "pid", mj_u64(st->pid));
	json_object_object_add(o, "uptime_ns", mj_u64(st->uptime_ns));
	json_object_object_add(o, "schemes", mj_u64(st->schemes));
	json_object_object_add(o, "rings", mj_u64(st->rings));
	json_object_object_add(o, "clients", mj_u64(st->clients));
	json_object_object_add(o, "client_version",
	    json_object_new_string(ring_version()));
	json_object_object_add(o, "regions", NULL);
	json_object_object_add(o, "phys", NULL);
	json_object_object_add(o, "healthy", json_object_new_boolean(1));
	return o;
}

struct json_object *
mj_phys_zone(const struct ring_phys_zone *z)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "zone",
	    json_object_new_string(ring_phys_zone_name(z->zone)));
	json_object_object_add(o, "base", mj_u64(z->base));
	json_object_object_add(o, "size_bytes", mj_u64(z->size));
	json_object_object_add(o, "used_bytes", mj_u64(z->used));
	json_object_object_add(o, "free_bytes", mj_u64(z->free));
	json_object_object_add(o, "largest_free_bytes",
	    mj_u64(z->largest_free));
	json_object_object_add(o, "free_ranges", mj_u64(z->free_ranges));
	json_object_object_add(o, "regions", mj_u64(z->regions));
	return o;
}

struct json_object *
mj_phys_range(const struct ring_phys_range *r)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "base", mj_u64(r->base));
	json_object_object_add(o, "size", mj_u64(r->size));
	return o;
}

struct json_object *
mj_phys_region(const struct ring_phys_region *r)
{
	struct json_object *o = json_object_new_object(), *g, *a;
	uint32_t i,
	    n = r->grants < RING_PHYS_GRANT_MAX ? r->grants
						: RING_PHYS_GRANT_MAX;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", mj_u64(r->region_id));
	json_object_object_add(o, "base", mj_u64(r->base));
	json_object_object_add(o, "size", mj_u64(r->size));
	json_object_object_add(o, "highest_address",
	    mj_u64(r->base + r->size - (r->size != 0)));
	json_object_object_add(o, "zone",
	    json_object_new_string(ring_phys_zone_name(r->zone)));
	json_object_object_add(o, "persist",
	    json_object_new_boolean((r->flags & RING_PHYS_PERSIST) != 0));
	json_object_object_add(o, "owner", mj_peer(&r->owner));
	json_object_object_add(o, "client_id",
	    r->client_id != 0 ? mj_u64(r->client_id) : NULL);
	json_object_object_add(o, "age_ns", mj_u64(r->age_ns));
	json_object_object_add(o, "mapped",
	    json_object_new_boolean(r->mapped != 0));
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		g = json_object_new_object();
		json_object_object_add(g, "ring_id",
		    mj_u64(r->grant[i].ring_id));
		json_object_object_add(g, "client_id",
		    mj_u64(r->grant[i].client_id));
		json_object_array_add(a, g);
	}
	json_object_object_add(o, "grants", a);
	return o;
}

struct json_object *
mj_phys_summary(const struct ring_phys_zone *v, size_t n)
{
	struct json_object *o = json_object_new_object(), *a;
	uint64_t size = 0, used = 0, free_b = 0;
	size_t i;

	if (o == NULL)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		size += v[i].size;
		used += v[i].used;
		free_b += v[i].free;
		json_object_array_add(a, mj_phys_zone(&v[i]));
	}
	json_object_object_add(o, "size_bytes", mj_u64(size));
	json_object_object_add(o, "used_bytes", mj_u64(used));
	json_object_object_add(o, "free_bytes", mj_u64(free_b));
	json_object_object_add(o, "zones", a);
	return o;
}

#define MJ_LIST(fn, type, each) \
	struct json_object *fn(const type *v, size_t n) \
	{ \
		struct json_object *a = json_object_new_array(); \
		size_t i; \
\
		if (a == NULL) \
			return NULL; \
		for (i = 0; i < n; i++) \
			json_object_array_add(a, each(&v[i])); \
		return a; \
	}

MJ_LIST(mj_rings, struct ring_ctl_ring, mj_ring)
MJ_LIST(mj_schemes, struct ring_ctl_scheme, mj_scheme)
MJ_LIST(mj_clients, struct ring_ctl_client, mj_client)

/* obj's member key when it is of the type, else NULL. */
static struct json_object *
mj_get(struct json_object *obj, const char *key, json_type type)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* The typed getters: the member's value, or def when absent or mistyped. */
#define MJ_GET(fn, ctype, type, get) \
	ctype fn(struct json_object *obj, const char *key, ctype def) \
	{ \
		struct json_object *v = mj_get(obj, key, type); \
\
		return v != NULL ? get(v) : def; \
	}

MJ_GET(mj_get_u64, uint64_t, json_type_int, json_object_get_uint64)
MJ_GET(mj_get_i64, int64_t, json_type_int, json_object_get_int64)
MJ_GET(mj_get_str, const char *, json_type_string, json_object_get_string)
MJ_GET(mj_get_bool, int, json_type_boolean, json_object_get_boolean)
