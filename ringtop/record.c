/*
 * record.c - ringtop's record files (-w, -r): the snapshot lines written
 * with json-c and read back with every field checked.
 *
 * Each introspection record is written as a JSON array of its fields
 * (an array member element by element), in the order of a field table
 * below; the same table reads it back, so the writer and the reader
 * cannot disagree.  A file is hostile input:
 * every line is bounded, every number checked against its field's width,
 * every string against its buffer, and the first fault is reported with
 * its line number.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "record.h"

/* --- field tables ------------------------------------------------------- */

enum rec_kind {
	REC_U32,
	REC_U64,
	REC_STR, /* char[size], always NUL-terminated */
	REC_SUB, /* a nested record */
};

struct rec_type;

struct rec_field {
	size_t off;
	size_t size; /* of one value */
	size_t n;    /* values: 1, or an array member's length */
	enum rec_kind kind;
	const struct rec_type *sub;
};

struct rec_type {
	size_t size;
	size_t nf;
	const struct rec_field *f;
};

#define REC_F(t, m, k) \
	{ \
		offsetof(t, m), sizeof(((t *)0)->m), 1, k, NULL \
	}
#define REC_S(t, m, s) \
	{ \
		offsetof(t, m), sizeof(((t *)0)->m), 1, REC_SUB, &s \
	}
/* An array member: each element one value, in order. */
#define REC_A(t, m, k, s) \
	{ \
		offsetof(t, m), sizeof(((t *)0)->m[0]), \
		    sizeof(((t *)0)->m) / sizeof(((t *)0)->m[0]), k, s \
	}
#define REC_TYPE(t, fields) \
	{ \
		sizeof(t), sizeof(fields) / sizeof(fields[0]), fields \
	}

static const struct rec_field rec_peer_f[] = {
	REC_F(struct ring_ctl_peer, pid, REC_U32),
	REC_F(struct ring_ctl_peer, uid, REC_U32),
	REC_F(struct ring_ctl_peer, gid, REC_U32),
	REC_F(struct ring_ctl_peer, comm, REC_STR),
};
static const struct rec_type rec_peer = REC_TYPE(struct ring_ctl_peer,
    rec_peer_f);

static const struct rec_field rec_queue_f[] = {
	REC_F(struct ring_ctl_queue, head, REC_U64),
	REC_F(struct ring_ctl_queue, tail, REC_U64),
	REC_F(struct ring_ctl_queue, depth, REC_U64),
	REC_F(struct ring_ctl_queue, push_epoch, REC_U64),
	REC_F(struct ring_ctl_queue, pop_epoch, REC_U64),
	REC_F(struct ring_ctl_queue, status, REC_U64),
	REC_F(struct ring_ctl_queue, pop_wait, REC_U32),
	REC_F(struct ring_ctl_queue, push_wait, REC_U32),
};
static const struct rec_type rec_queue = REC_TYPE(struct ring_ctl_queue,
    rec_queue_f);

static const struct rec_field rec_status_f[] = {
	REC_F(struct ring_ctl_status, pid, REC_U32),
	REC_F(struct ring_ctl_status, version, REC_U32),
	REC_F(struct ring_ctl_status, server, REC_STR),
	REC_F(struct ring_ctl_status, uptime_ns, REC_U64),
	REC_F(struct ring_ctl_status, schemes, REC_U32),
	REC_F(struct ring_ctl_status, rings, REC_U32),
	REC_F(struct ring_ctl_status, clients, REC_U32),
	REC_F(struct ring_ctl_status, phys_regions, REC_U32),
	REC_A(struct ring_ctl_status, phys_size, REC_U64, NULL),
	REC_A(struct ring_ctl_status, phys_used, REC_U64, NULL),
};
static const struct rec_type rec_status = REC_TYPE(struct ring_ctl_status,
    rec_status_f);

static const struct rec_field rec_ring_f[] = {
	REC_F(struct ring_ctl_ring, ring_id, REC_U64),
	REC_F(struct ring_ctl_ring, scheme, REC_STR),
	REC_S(struct ring_ctl_ring, consumer, rec_peer),
	REC_S(struct ring_ctl_ring, producer, rec_peer),
	REC_F(struct ring_ctl_ring, flags, REC_U32),
	REC_F(struct ring_ctl_ring, sq_entries, REC_U32),
	REC_F(struct ring_ctl_ring, cq_entries, REC_U32),
	REC_F(struct ring_ctl_ring, sqe_size, REC_U32),
	REC_F(struct ring_ctl_ring, cqe_size, REC_U32),
	REC_F(struct ring_ctl_ring, state, REC_U32),
	REC_F(struct ring_ctl_ring, pool_bytes, REC_U64),
	REC_F(struct ring_ctl_ring, age_ns, REC_U64),
	REC_S(struct ring_ctl_ring, sq, rec_queue),
	REC_S(struct ring_ctl_ring, cq, rec_queue),
};
static const struct rec_type rec_ring = REC_TYPE(struct ring_ctl_ring,
    rec_ring_f);

static const struct rec_field rec_scheme_f[] = {
	REC_F(struct ring_ctl_scheme, name, REC_STR),
	REC_S(struct ring_ctl_scheme, owner, rec_peer),
	REC_F(struct ring_ctl_scheme, builtin, REC_U32),
	REC_F(struct ring_ctl_scheme, rings, REC_U32),
	REC_F(struct ring_ctl_scheme, rings_opened, REC_U64),
	REC_A(struct ring_ctl_scheme, ops, REC_U64, NULL),
};
static const struct rec_type rec_scheme = REC_TYPE(struct ring_ctl_scheme,
    rec_scheme_f);

static const struct rec_field rec_client_f[] = {
	REC_F(struct ring_ctl_client, client_id, REC_U64),
	REC_S(struct ring_ctl_client, peer, rec_peer),
	REC_F(struct ring_ctl_client, schemes, REC_U32),
	REC_F(struct ring_ctl_client, rings, REC_U32),
	REC_F(struct ring_ctl_client, age_ns, REC_U64),
};
static const struct rec_type rec_client = REC_TYPE(struct ring_ctl_client,
    rec_client_f);

static const struct rec_field rec_zone_f[] = {
	REC_F(struct ring_phys_zone, zone, REC_U32),
	REC_F(struct ring_phys_zone, base, REC_U64),
	REC_F(struct ring_phys_zone, size, REC_U64),
	REC_F(struct ring_phys_zone, used, REC_U64),
	REC_F(struct ring_phys_zone, free, REC_U64),
	REC_F(struct ring_phys_zone, largest_free, REC_U64),
	REC_F(struct ring_phys_zone, free_ranges, REC_U32),
	REC_F(struct ring_phys_zone, regions, REC_U32),
};
static const struct rec_type rec_zone = REC_TYPE(struct ring_phys_zone,
    rec_zone_f);

static const struct rec_field rec_range_f[] = {
	REC_F(struct ring_phys_range, base, REC_U64),
	REC_F(struct ring_phys_range, size, REC_U64),
	REC_F(struct ring_phys_range, zone, REC_U32),
};
static const struct rec_type rec_range = REC_TYPE(struct ring_phys_range,
    rec_range_f);

static const struct rec_field rec_grant_f[] = {
	REC_F(struct ring_phys_grant, ring_id, REC_U64),
	REC_F(struct ring_phys_grant, client_id, REC_U64),
};
static const struct rec_type rec_grant = REC_TYPE(struct ring_phys_grant,
    rec_grant_f);

static const struct rec_field rec_region_f[] = {
	REC_F(struct ring_phys_region, region_id, REC_U64),
	REC_F(struct ring_phys_region, base, REC_U64),
	REC_F(struct ring_phys_region, size, REC_U64),
	REC_F(struct ring_phys_region, zone, REC_U32),
	REC_F(struct ring_phys_region, flags, REC_U32),
	REC_S(struct ring_phys_region, owner, rec_peer),
	REC_F(struct ring_phys_region, client_id, REC_U64),
	REC_F(struct ring_phys_region, age_ns, REC_U64),
	REC_F(struct ring_phys_region, grants, REC_U32),
	REC_F(struct ring_phys_region, mapped, REC_U32),
	REC_A(struct ring_phys_region, grant, REC_SUB, &rec_grant),
};
static const struct rec_type rec_region = REC_TYPE(struct ring_phys_region,
    rec_region_f);

static const struct rec_field rec_opname_f[] = {
	REC_F(struct rt_opname, scheme, REC_STR),
	REC_F(struct rt_opname, pid, REC_U32),
	REC_F(struct rt_opname, op, REC_U32),
	REC_F(struct rt_opname, name, REC_STR),
};
static const struct rec_type rec_opname = REC_TYPE(struct rt_opname,
    rec_opname_f);

/* The lists of a snapshot line: key, record type, where in rt_snap. */
struct rec_list {
	const char *key;
	const struct rec_type *type;
	size_t vec;    /* offsetof the pointer */
	size_t len;    /* offsetof the count */
	bool optional; /* added to format 1 later: absent reads as empty */
};

#define REC_L(k, t, v, n) \
	{ \
		k, &t, offsetof(struct rt_snap, v), \
		    offsetof(struct rt_snap, n), false \
	}
static const struct rec_list rec_lists[] = {
	REC_L("rings", rec_ring, rings, nrings),
	REC_L("schemes", rec_scheme, schemes, nschemes),
	REC_L("clients", rec_client, clients, nclients),
	REC_L("zones", rec_zone, zones, nzones),
	REC_L("ranges", rec_range, ranges, nranges),
	REC_L("regions", rec_region, regions, nregions),
	/* older readers skip the key, older files lack it: still format 1 */
	{ "opnames", &rec_opname, offsetof(struct rt_snap, opnames),
	    offsetof(struct rt_snap, nopnames), true },
};
#define REC_NLISTS (sizeof(rec_lists) / sizeof(rec_lists[0]))

static void **
rec_vec(struct rt_snap *s, const struct rec_list *l)
{
	return (void **)((char *)s + l->vec);
}

static size_t *
rec_len(struct rt_snap *s, const struct rec_list *l)
{
	return (size_t *)((char *)s + l->len);
}

int
rec_snap_dup(struct rt_snap *dst, const struct rt_snap *s)
{
	const struct rec_list *l;
	size_t i, n;
	void *v;

	*dst = *s;
	for (i = 0; i < REC_NLISTS; i++) {
		l = &rec_lists[i];
		*rec_vec(dst, l) = NULL;
		*rec_len(dst, l) = 0;
	}
	for (i = 0; i < REC_NLISTS; i++) {
		l = &rec_lists[i];
		if ((n = *rec_len((struct rt_snap *)s, l)) == 0)
			continue;
		if ((v = malloc(n * l->type->size)) == NULL) {
			model_snap_free(dst);
			return -ENOMEM;
		}
		memcpy(v, *rec_vec((struct rt_snap *)s, l), n * l->type->size);
		*rec_vec(dst, l) = v;
		*rec_len(dst, l) = n;
	}
	return 0;
}

/* --- writing ------------------------------------------------------------ */

static struct json_object *rec_enc(const struct rec_type *t, const void *rec);

/* The number of values a record of type t is written as. */
static size_t
rec_nvals(const struct rec_type *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->nf; i++)
		n += t->f[i].n;
	return n;
}

/* One value of field f, at p. */
static struct json_object *
rec_enc_val(const struct rec_field *f, const char *p)
{
	uint32_t u32;
	uint64_t u64;

	switch (f->kind) {
	case REC_U32:
		memcpy(&u32, p, sizeof(u32));
		return json_object_new_uint64(u32);
	case REC_U64:
		memcpy(&u64, p, sizeof(u64));
		return json_object_new_uint64(u64);
	case REC_STR:
		return json_object_new_string_len(p, (int)strnlen(p, f->size));
	default:
		return rec_enc(f->sub, p);
	}
}

static struct json_object *
rec_enc(const struct rec_type *t, const void *rec)
{
	struct json_object *a = json_object_new_array_ext((int)rec_nvals(t)),
			   *o;
	size_t i, j;

	for (i = 0; a != NULL && i < t->nf; i++)
		for (j = 0; j < t->f[i].n; j++) {
			const struct rec_field *f = &t->f[i];

			o = rec_enc_val(f,
			    (const char *)rec + f->off + j * f->size);
			if (o == NULL || json_object_array_add(a, o) < 0) {
				json_object_put(o);
				json_object_put(a);
				return NULL;
			}
		}
	return a;
}

static struct json_object *
rec_enc_list(const struct rec_type *t, const void *v, size_t n)
{
	struct json_object *a = json_object_new_array_ext((int)n), *o;
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		o = rec_enc(t, (const char *)v + i * t->size);
		if (o == NULL || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* Write one object as a line; 0, 1: bound reached, -errno. */
/* Out of memory: the recording stops, and says why. */
static int
rec_oom(struct rec_writer *w)
{
	snprintf(w->msg, sizeof(w->msg),
	    "recording to '%s' stopped: out of "
	    "memory",
	    w->path);
	w->stopped = true;
	return -ENOMEM;
}

static int
rec_put(struct rec_writer *w, struct json_object *o)
{
	const char *s;
	size_t len;

	if (w->stopped)
		return 1;
	if ((s = json_object_to_json_string_ext(o,
		 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) ==
	    NULL)
		return rec_oom(w);
	len = strlen(s) + 1;
	if (w->bytes + len > w->max) {
		snprintf(w->msg, sizeof(w->msg),
		    "recording to '%s' stopped: it reached its bound of %llu "
		    "bytes",
		    w->path, (unsigned long long)w->max);
		w->stopped = true;
		return 1;
	}
	if (fprintf(w->f, "%s\n", s) < 0 || fflush(w->f) != 0) {
		snprintf(w->msg, sizeof(w->msg),
		    "recording to '%s' stopped: %s", w->path, strerror(errno));
		w->stopped = true;
		return -EIO;
	}
	w->bytes += len;
	return 0;
}

int
rec_create(struct rec_writer *w, const char *path, uint64_t max,
    uint64_t interval_ns, const char *sock)
{
	struct json_object *o;
	int rc;

	memset(w, 0, sizeof(*w));
	w->path = path;
	w->max = max;
	if ((w->f = fopen(path, "we")) == NULL) {
		rc = -errno;
		snprintf(w->msg, sizeof(w->msg), "cannot create '%s': %s", path,
		    strerror(-rc));
		return rc;
	}
	if ((o = json_object_new_object()) == NULL) {
		rc = -ENOMEM;
		snprintf(w->msg, sizeof(w->msg), "out of memory");
		goto fail;
	}
	json_object_object_add(o, "ringtop_record",
	    json_object_new_int(REC_FORMAT));
	json_object_object_add(o, "version",
	    json_object_new_string(RING_VERSION));
	json_object_object_add(o, "interval_ns",
	    json_object_new_uint64(interval_ns));
	json_object_object_add(o, "start_wall_ns",
	    json_object_new_uint64(clock_wall_ns()));
	json_object_object_add(o, "socket", json_object_new_string(sock));
	rc = rec_put(w, o);
	json_object_put(o);
	if (rc == 0)
		return 0;
	if (rc > 0)
		rc = -EFBIG;
fail:
	fclose(w->f);
	w->f = NULL;
	return rc;
}

int
rec_write(struct rec_writer *w, const struct rt_snap *s)
{
	struct json_object *o;
	size_t i;
	int rc = 0;

	if (w->stopped)
		return 1;
	if ((o = json_object_new_object()) == NULL)
		return rec_oom(w);
	json_object_object_add(o, "mono_ns",
	    json_object_new_uint64(s->mono_ns));
	json_object_object_add(o, "wall_ns",
	    json_object_new_uint64(s->wall_ns));
	/* format 1 has it: the primer sample is gone, so always false */
	json_object_object_add(o, "primer", json_object_new_boolean(false));
	json_object_object_add(o, "sock", json_object_new_string(s->sock));
	json_object_object_add(o, "up", json_object_new_boolean(s->up));
	if (!s->up) {
		json_object_object_add(o, "err",
		    json_object_new_string(s->err));
		json_object_object_add(o, "why",
		    json_object_new_string(s->why));
	} else {
		json_object_object_add(o, "st", rec_enc(&rec_status, &s->st));
		json_object_object_add(o, "phys",
		    json_object_new_boolean(s->phys));
		json_object_object_add(o, "phys_err",
		    json_object_new_string(s->phys_err));
		for (i = 0; i < REC_NLISTS; i++) {
			const struct rec_list *l = &rec_lists[i];
			struct json_object *a = rec_enc_list(l->type,
			    *rec_vec((struct rt_snap *)s, l),
			    *rec_len((struct rt_snap *)s, l));

			if (a == NULL)
				rc = -ENOMEM;
			json_object_object_add(o, l->key, a);
		}
	}
	rc = rc == 0 ? rec_put(w, o) : rec_oom(w);
	json_object_put(o);
	return rc;
}

int
rec_close(struct rec_writer *w)
{
	int rc = 0;

	if (w->f != NULL && fclose(w->f) != 0)
		rc = -errno;
	w->f = NULL;
	return rc;
}

/* --- reading ------------------------------------------------------------ */

/* A u64 from a JSON integer; false: not one, or negative. */
static bool
rec_get_u64(struct json_object *o, uint64_t *v)
{
	if (!json_object_is_type(o, json_type_int) ||
	    json_object_get_int64(o) < 0)
		return false;
	*v = json_object_get_uint64(o);
	return true;
}

static const char *rec_dec(const struct rec_type *t, struct json_object *a,
    void *rec);

/* Decode one value of field f into p; NULL, or what is wrong. */
static const char *
rec_dec_val(const struct rec_field *f, struct json_object *o, char *p)
{
	const char *str;
	size_t len;
	uint64_t u64;
	uint32_t u32;

	switch (f->kind) {
	case REC_U32:
		if (!rec_get_u64(o, &u64) || u64 > UINT32_MAX)
			return "a field is not a 32-bit count";
		u32 = (uint32_t)u64;
		memcpy(p, &u32, sizeof(u32));
		return NULL;
	case REC_U64:
		if (!rec_get_u64(o, &u64))
			return "a field is not a 64-bit count";
		memcpy(p, &u64, sizeof(u64));
		return NULL;
	case REC_STR:
		if (!json_object_is_type(o, json_type_string))
			return "a name is not a string";
		str = json_object_get_string(o);
		len = (size_t)json_object_get_string_len(o);
		/* the model's names always end in a NUL */
		if (len >= f->size || strnlen(str, len) != len)
			return "a name is too long or holds a NUL";
		memset(p, 0, f->size);
		memcpy(p, str, len);
		return NULL;
	default:
		return rec_dec(f->sub, o, p);
	}
}

/* Decode one record; NULL, or what is wrong. */
static const char *
rec_dec(const struct rec_type *t, struct json_object *a, void *rec)
{
	const char *why;
	size_t i, j, k = 0;

	if (!json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != rec_nvals(t))
		return "a record has the wrong shape";
	for (i = 0; i < t->nf; i++)
		for (j = 0; j < t->f[i].n; j++) {
			const struct rec_field *f = &t->f[i];

			why = rec_dec_val(f, json_object_array_get_idx(a, k++),
			    (char *)rec + f->off + j * f->size);
			if (why != NULL)
				return why;
		}
	return NULL;
}

/* Decode list l of snapshot line o into s; NULL or what is wrong. */
static const char *
rec_dec_list(struct rt_snap *s, const struct rec_list *l, struct json_object *o)
{
	struct json_object *a = NULL;
	const char *why;
	size_t n, i;
	char *v;

	if (!json_object_object_get_ex(o, l->key, &a) && l->optional)
		return NULL;
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return "a list is missing";
	n = json_object_array_length(a);
	if (n == 0)
		return NULL;
	if ((v = calloc(n, l->type->size)) == NULL)
		return "out of memory";
	*rec_vec(s, l) = v;
	*rec_len(s, l) = n;
	for (i = 0; i < n; i++)
		if ((why = rec_dec(l->type, json_object_array_get_idx(a, i),
			 v + i * l->type->size)) != NULL)
			return why;
	return NULL;
}

/* A string member into buf (bounded); false: missing or too long. */
static bool
rec_get_str(struct json_object *o, const char *key, char *buf, size_t len)
{
	struct json_object *s;

	if (!json_object_object_get_ex(o, key, &s) ||
	    !json_object_is_type(s, json_type_string) ||
	    (size_t)json_object_get_string_len(s) >= len ||
	    strlen(json_object_get_string(s)) !=
		(size_t)json_object_get_string_len(s))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(s));
	return true;
}

static bool
rec_get_key_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *n;

	return json_object_object_get_ex(o, key, &n) && rec_get_u64(n, v);
}

static bool
rec_get_bool(struct json_object *o, const char *key, bool *v)
{
	struct json_object *b;

	if (!json_object_object_get_ex(o, key, &b) ||
	    !json_object_is_type(b, json_type_boolean))
		return false;
	*v = json_object_get_boolean(b);
	return true;
}

/* One snapshot line; NULL or what is wrong. */
static const char *
rec_dec_snap(struct rt_snap *s, struct json_object *o, uint64_t prev_mono)
{
	struct json_object *st;
	const char *why;
	bool primer;
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return "a snapshot is not an object";
	if (!rec_get_key_u64(o, "mono_ns", &s->mono_ns) ||
	    !rec_get_key_u64(o, "wall_ns", &s->wall_ns) ||
	    !rec_get_bool(o, "primer", &primer) ||
	    !rec_get_str(o, "sock", s->sock, sizeof(s->sock)) ||
	    !rec_get_bool(o, "up", &s->up))
		return "a snapshot lacks its times or state";
	if (s->mono_ns < prev_mono)
		return "time goes back";
	if (!s->up) {
		if (!rec_get_str(o, "err", s->err, sizeof(s->err)) ||
		    !rec_get_str(o, "why", s->why, sizeof(s->why)))
			return "a ringd-down snapshot lacks its error";
		return NULL;
	}
	if (!json_object_object_get_ex(o, "st", &st) ||
	    (why = rec_dec(&rec_status, st, &s->st)) != NULL)
		return "the status record is bad";
	if (!rec_get_bool(o, "phys", &s->phys) ||
	    !rec_get_str(o, "phys_err", s->phys_err, sizeof(s->phys_err)))
		return "the phys fields are bad";
	for (i = 0; i < REC_NLISTS; i++)
		if ((why = rec_dec_list(s, &rec_lists[i], o)) != NULL)
			return why;
	return NULL;
}

static const char *
rec_dec_header(struct rec_replay *r, struct json_object *o)
{
	uint64_t fmt;

	if (!json_object_is_type(o, json_type_object) ||
	    !rec_get_key_u64(o, "ringtop_record", &fmt))
		return "not a ringtop record (no header)";
	if (fmt != REC_FORMAT)
		return "a record format this ringtop does not read";
	if (!rec_get_str(o, "version", r->version, sizeof(r->version)) ||
	    !rec_get_key_u64(o, "interval_ns", &r->interval_ns) ||
	    !rec_get_key_u64(o, "start_wall_ns", &r->start_wall_ns) ||
	    !rec_get_str(o, "socket", r->sock, sizeof(r->sock)))
		return "the header is bad";
	return NULL;
}

void
rec_replay_free(struct rec_replay *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		model_snap_free(&r->snaps[i]);
	free(r->snaps);
	r->snaps = NULL;
	r->n = 0;
}

int
rec_load(struct rec_replay *r, const char *path, uint64_t max, char *err,
    size_t errlen)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	struct rt_snap *nv;
	char *line = NULL;
	size_t cap = 0, lineno = 0, cap_snaps = 0;
	uint64_t total = 0;
	const char *why = NULL;
	struct stat sb;
	ssize_t len;
	FILE *f;
	int rc = -EINVAL;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->speed = REC_SPEED_DEF;
	if ((f = fopen(path, "re")) == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(-rc));
		return rc;
	}
	/* the bound before reading: getline() would take a line whole */
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		why = "not a regular file";
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		why = "the file is larger than the bound (--record-max)";
		rc = -EFBIG;
		goto out;
	}
	if ((tok = json_tokener_new_ex(64)) == NULL) {
		why = "out of memory";
		rc = -ENOMEM;
		goto out;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		total += (uint64_t)len;
		if (total > max) {
			why = "the file is larger than the bound "
			      "(--record-max)";
			rc = -EFBIG;
			goto out;
		}
		if ((size_t)len > REC_LINE_MAX) {
			why = "line too long";
			goto out;
		}
		if (len == 0 || line[len - 1] != '\n') {
			why = "truncated line (no newline)";
			goto out;
		}
		line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			why = "a NUL byte in the line";
			goto out;
		}
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)len);
		if (o == NULL ||
		    json_tokener_get_parse_end(tok) != (size_t)len) {
			why = "not one JSON value";
			goto out;
		}
		if (lineno == 1) {
			why = rec_dec_header(r, o);
		} else {
			if (r->n == cap_snaps) {
				cap_snaps = cap_snaps ? 2 * cap_snaps : 64;
				nv = realloc(r->snaps, cap_snaps * sizeof(*nv));
				if (nv == NULL) {
					why = "out of memory";
					rc = -ENOMEM;
					goto out;
				}
				r->snaps = nv;
			}
			memset(&r->snaps[r->n], 0, sizeof(r->snaps[0]));
			why = rec_dec_snap(&r->snaps[r->n], o,
			    r->n ? r->snaps[r->n - 1].mono_ns : 0);
			r->n++;
		}
		json_object_put(o);
		o = NULL;
		if (why != NULL)
			goto out;
	}
	if (ferror(f)) {
		rc = -errno;
		why = strerror(-rc);
		goto out;
	}
	if (lineno == 0)
		why = "empty file";
	else if (r->n == 0)
		why = "no snapshot";
	else
		rc = 0;
out:
	if (why != NULL) {
		if (lineno == 0)
			snprintf(err, errlen, "'%s': %s", path, why);
		else
			snprintf(err, errlen, "'%s' line %zu: %s", path, lineno,
			    why);
		rec_replay_free(r);
	}
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	free(line);
	fclose(f);
	return why != NULL ? (rc == 0 ? -EINVAL : rc) : 0;
}

void
rec_fmt_speed(char *buf, size_t len, unsigned speed)
{
	if (speed % 4 == 0)
		snprintf(buf, len, "x%u", speed / 4);
	else
		snprintf(buf, len, "x%g", speed / 4.0);
}
