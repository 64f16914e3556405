/*
 * ctl-api.c - the requests of <ring/ctl.h>: open and close rings to
 * schemes, register and unregister schemes with their opcode names,
 * accept or refuse attach events, probe a scheme, ringd's status and the
 * introspection lists, how a scheme serves its names and where its
 * directory is, and the disconnect predicate callers share.
 *
 * Part of the control client: every request goes through ctl.c's RPC core;
 * rings opened or accepted are tracked by ctl-adopt.c.  Depends on the
 * data path's public API (ring_open(), ring_close()); the data path must
 * not depend on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "ctl-internal.h"

RING_EXPORT int
ring_ctl_open(struct ring_ctl *c, const char *scheme,
    const struct ring_params *p, struct ring **ret, uint64_t *ring_id)
{
	struct proto_open req;
	struct proto_open_reply *rep;
	struct proto_msg *m;
	struct ring_fds fds;
	int rc;

	memset(&req, 0, sizeof(req));
	if ((rc = ringi_ctl_name(req.scheme, scheme)) < 0)
		return rc;
	req.params = *p;
	rc = ringi_ctl_call(c, PROTO_OPEN, &req, sizeof(req), &m);
	if (rc < 0) {
		proto_msg_close_fds(m);
		return rc;
	}
	rep = (struct proto_open_reply *)m->body.raw;
	if (m->nfds != 3) {
		proto_msg_close_fds(m);
		return -EBADMSG;
	}
	fds.mem = m->fds[0];
	fds.doorbell[0] = m->fds[1];
	fds.doorbell[1] = m->fds[2];
	m->nfds = 0; /* ours now */
	rc = ringi_open_take(&fds, RING_ROLE_CONSUMER, ret);
	if (rc == 0 && (rep->flags & PROTO_OPEN_RINGD_SERVES)) {
		/* the connection's peer is the ringd of every ring it opens */
		if (c->guard == NULL)
			c->guard = ringi_guard_new(c->sock);
		ringi_guard_hold(*ret, c->guard);
	}
	if (rc == 0 && (rc = ringi_ctl_track(c, *ret, rep->ring_id, req.scheme,
			    NULL, &fds.mem)) < 0)
		ring_close(*ret);
	ring_fds_close(&fds);
	if (rc < 0) {
		(void)ring_ctl_close_ring(c, rep->ring_id);
		return rc;
	}
	if (ring_id != NULL)
		*ring_id = rep->ring_id;
	return 0;
}

RING_EXPORT int
ring_ctl_close_ring(struct ring_ctl *c, uint64_t ring_id)
{
	struct proto_ring_ref req = { .ring_id = ring_id };

	/* a ring adopted under another id is closed under that one */
	req.ring_id = ringi_ctl_untrack_id(c, ring_id);
	return ringi_ctl_call(c, PROTO_CLOSE, &req, sizeof(req), NULL);
}

/*
 * Put names into the wire's opcode-indexed table: -EINVAL for a standard
 * opcode, a name that does not fit its field, or an opcode named twice.
 * proto_opnames_ok() judges the rest, as ringd does.
 */
static int
ring_ctl_opnames(struct proto_opnames *t, const struct ring_ctl_opname *names,
    unsigned nnames)
{
	unsigned i, slot;
	size_t len;

	memset(t, 0, sizeof(*t));
	if (nnames > 0 && names == NULL)
		return -EINVAL;
	for (i = 0; i < nnames; i++) {
		if (names[i].op < RING_OP_PRODUCER_BASE)
			return -EINVAL;
		len = strnlen(names[i].name, sizeof(names[i].name));
		if (len == 0 || len == sizeof(names[i].name))
			return -EINVAL;
		slot = names[i].op - RING_OP_PRODUCER_BASE;
		if (t->name[slot][0] != '\0')
			return -EINVAL;
		memcpy(t->name[slot], names[i].name, len);
	}
	return 0;
}

RING_EXPORT int
ring_ctl_register_names(struct ring_ctl *c, const char *name,
    const uint8_t *ops, unsigned nops, const struct ring_ctl_opname *names,
    unsigned nnames)
{
	struct proto_register req;
	unsigned i;
	int rc;

	memset(&req, 0, sizeof(req));
	if ((rc = ringi_ctl_name(req.name, name)) < 0)
		return rc;
	if (nops > 0 && ops == NULL)
		return -EINVAL;
	for (i = 0; i < nops; i++)
		req.ops.bits[ops[i] / 64] |= 1ull << (ops[i] % 64);
	if ((rc = ring_ctl_opnames(&req.opnames, names, nnames)) < 0)
		return rc;
	if (!proto_opnames_ok(&req.ops, &req.opnames))
		return -EINVAL;
	if ((rc = ringi_ctl_call(c, PROTO_REGISTER, &req, sizeof(req), NULL)) <
	    0)
		return rc;
	c->used = true;
	if (c->reconnect && !c->reconnecting) {
		struct ring_ctl_reg *v;

		for (i = 0; i < c->nregs; i++)
			if (strcmp(c->regs[i].name, req.name) == 0)
				break;
		if (i == c->nregs) {
			v = realloc(c->regs, (c->nregs + 1) * sizeof(*v));
			if (v == NULL)
				return -ENOMEM;
			c->regs = v;
			c->regs[i].root_fd = -1;
			c->nregs++;
		}
		/* a new registration starts with no SCHEME_SET settings */
		ringi_ctl_reg_drop(&c->regs[i]);
		memcpy(c->regs[i].name, req.name, sizeof(req.name));
		c->regs[i].ops = req.ops;
		c->regs[i].opnames = req.opnames;
	}
	return 0;
}

RING_EXPORT int
ring_ctl_register(struct ring_ctl *c, const char *name, const uint8_t *ops,
    unsigned nops)
{
	return ring_ctl_register_names(c, name, ops, nops, NULL, 0);
}

RING_EXPORT int
ring_ctl_unregister(struct ring_ctl *c, const char *name)
{
	struct proto_name req;
	int rc;

	size_t i;

	if ((rc = ringi_ctl_name(req.name, name)) < 0)
		return rc;
	if ((rc = ringi_ctl_call(c, PROTO_UNREGISTER, &req, sizeof(req),
		 NULL)) < 0)
		return rc;
	for (i = 0; i < c->nregs; i++)
		if (strcmp(c->regs[i].name, req.name) == 0) {
			ringi_ctl_reg_drop(&c->regs[i]);
			c->regs[i] = c->regs[--c->nregs];
			break;
		}
	return 0;
}

static int
ring_ctl_answer(struct ring_ctl *c, struct ring_attach *a, int err)
{
	struct proto_accept req = { .ring_id = a->ring_id, .error = err };

	return ringi_ctl_call(c, PROTO_ACCEPT, &req, sizeof(req), NULL);
}

RING_EXPORT int
ring_ctl_accept(struct ring_ctl *c, struct ring_attach *a, struct ring **ret)
{
	struct ring *r;
	int rc;

	rc = ring_open(&a->fds, RING_ROLE_PRODUCER, &r);
	if (rc == 0 && (rc = ringi_ctl_track(c, r, a->ring_id, a->scheme,
			    &a->consumer, &a->fds.mem)) < 0)
		ring_close(r);
	ring_fds_close(&a->fds);
	if (rc < 0) {
		(void)ring_ctl_answer(c, a, rc);
		return rc;
	}
	if ((rc = ring_ctl_answer(c, a, 0)) < 0) {
		ring_close(r);
		return rc;
	}
	*ret = r;
	return 0;
}

RING_EXPORT int
ring_ctl_refuse(struct ring_ctl *c, struct ring_attach *a, int err)
{
	ring_fds_close(&a->fds);
	if (err >= 0 || err < -4095)
		err = -EACCES;
	return ring_ctl_answer(c, a, err);
}

/* PROBE: the reply, checked like anything else ringd sends. */
static int
ring_ctl_probe_call(struct ring_ctl *c, const char *scheme,
    struct proto_msg **m)
{
	const struct proto_probe_reply *rep;
	struct proto_name req;
	int rc;

	if ((rc = ringi_ctl_name(req.name, scheme)) < 0)
		return rc;
	if ((rc = ringi_ctl_call(c, PROTO_PROBE, &req, sizeof(req), m)) < 0)
		return rc;
	rep = (const struct proto_probe_reply *)(*m)->body.raw;
	if (!proto_opnames_ok(&rep->ops, &rep->opnames))
		return -EBADMSG;
	return 0;
}

RING_EXPORT int
ring_ctl_probe(struct ring_ctl *c, const char *scheme, uint64_t ops[4])
{
	struct proto_msg *m;
	int rc;

	if ((rc = ring_ctl_probe_call(c, scheme, &m)) < 0)
		return rc;
	memcpy(ops, ((struct proto_probe_reply *)m->body.raw)->ops.bits,
	    4 * sizeof(uint64_t));
	return 0;
}

RING_EXPORT int
ring_ctl_probe_names(struct ring_ctl *c, const char *scheme, uint64_t ops[4],
    struct ring_ctl_opname **names, size_t *nnames)
{
	const struct proto_probe_reply *rep;
	struct ring_ctl_opname *v = NULL;
	struct proto_msg *m;
	size_t n = 0, i;
	int rc;

	if ((rc = ring_ctl_probe_call(c, scheme, &m)) < 0)
		return rc;
	rep = (const struct proto_probe_reply *)m->body.raw;
	for (i = 0; i < PROTO_OPNAMES; i++)
		if (rep->opnames.name[i][0] != '\0')
			n++;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (n = 0, i = 0; i < PROTO_OPNAMES; i++)
		if (rep->opnames.name[i][0] != '\0') {
			v[n].op = (uint8_t)(RING_OP_PRODUCER_BASE + i);
			memcpy(v[n].name, rep->opnames.name[i],
			    sizeof(v[n].name));
			n++;
		}
	memcpy(ops, rep->ops.bits, 4 * sizeof(uint64_t));
	*names = v;
	*nnames = n;
	return 0;
}

RING_EXPORT int
ring_ctl_status(struct ring_ctl *c, struct ring_ctl_status *st)
{
	struct proto_msg *m;
	int rc;

	rc = ringi_ctl_call(c, PROTO_STATUS, NULL, 0, &m);
	if (rc < 0)
		return rc;
	*st = ((struct proto_status_reply *)m->body.raw)->st;
	st->server[sizeof(st->server) - 1] = '\0';
	return 0;
}

/*
 * One packet of a list reply (proto_list_reply_parse() reads its layout):
 * its error, or its records of recsz bytes (the public record's size) and
 * whether it is the last.  proto_recv() checked that whole records follow
 * the header.
 */
static int
ring_ctl_list_unpack(const struct proto_msg *m, size_t recsz,
    const uint8_t **recs, size_t *k, bool *end)
{
	const void *p;
	int32_t err;
	uint32_t last;
	size_t len;
	int rc;

	if ((rc = proto_list_reply_parse(m, &err, &last, &p, &len)) < 0)
		return rc;
	if ((size_t)rc != recsz)
		return -EBADMSG;
	if (err < 0)
		return err;
	*recs = p;
	*k = len / recsz;
	*end = last != 0;
	return 0;
}

/* Send a list request once and collect every packet of its reply. */
static int
ring_ctl_list_once(struct ring_ctl *c, uint16_t type, size_t recsz,
    uint8_t **v, size_t *n)
{
	const size_t max = 1u << 20; /* records: bounds a lying server */
	int64_t deadline = ringi_ctl_now_ms() + RING_CTL_TIMEOUT_MS;
	uint32_t seq = ringi_ctl_next_seq(c);
	uint8_t *out = NULL, *nv;
	const uint8_t *recs;
	size_t cnt = 0, cap = 0, k;
	bool end = false;
	int rc;

	if ((rc = ringi_ctl_send(c, type, seq, NULL, 0, NULL, 0)) < 0)
		return rc;
	while (!end) {
		if ((rc = ringi_ctl_recv(c, seq, type, c->rx, deadline)) < 0 ||
		    (rc = ring_ctl_list_unpack(c->rx, recsz, &recs, &k, &end)) <
			0)
			goto fail;
		if (k > max - cnt) {
			rc = -E2BIG;
			goto fail;
		}
		if (cnt + k > cap) {
			while (cnt + k > cap)
				cap = cap ? cap * 2 : 64;
			if ((nv = realloc(out, cap * recsz)) == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			out = nv;
		}
		if (k > 0)
			memcpy(out + cnt * recsz, recs, k * recsz);
		cnt += k;
	}
	*v = out;
	*n = cnt;
	return 0;

fail:
	free(out);
	return rc;
}

/*
 * Collect a list: every reply packet with the request's seq, the last
 * with end set.  Like any other request (ringi_ctl_call()), a handle set
 * to reconnect dials a restarted ringd first when the connection is gone,
 * and asks once more when it breaks during the list.  fix (when not NULL)
 * is run on each record received, to bound what the wire left unbounded.
 */
int
ringi_ctl_list(struct ring_ctl *c, uint16_t type, size_t recsz,
    void (*fix)(void *rec), void **v, size_t *n)
{
	uint8_t *out = NULL;
	size_t cnt = 0, i;
	int rc;

	if (recsz == 0 || proto_list_rec_size(type) != recsz)
		return -EINVAL;
	if ((rc = ringi_ctl_ensure(c)) < 0)
		return rc;
	rc = ring_ctl_list_once(c, type, recsz, &out, &cnt);
	if (ringi_ctl_redial(c, &rc))
		rc = ring_ctl_list_once(c, type, recsz, &out, &cnt);
	if (rc < 0)
		return rc;
	for (i = 0; fix != NULL && i < cnt; i++)
		fix(out + i * recsz);
	*v = out;
	*n = cnt;
	return 0;
}

/* The records' strings, NUL-terminated whatever ringd sent. */
static void
ctl_scheme_fix(void *rec)
{
	struct ring_ctl_scheme *s = rec;

	s->name[RING_CTL_NAME_MAX - 1] = '\0';
	s->owner.comm[RING_CTL_COMM_MAX - 1] = '\0';
}

static void
ctl_ring_fix(void *rec)
{
	struct ring_ctl_ring *r = rec;

	r->scheme[RING_CTL_NAME_MAX - 1] = '\0';
	r->consumer.comm[RING_CTL_COMM_MAX - 1] = '\0';
	r->producer.comm[RING_CTL_COMM_MAX - 1] = '\0';
}

static void
ctl_client_fix(void *rec)
{
	struct ring_ctl_client *cl = rec;

	cl->peer.comm[RING_CTL_COMM_MAX - 1] = '\0';
}

RING_EXPORT int
ring_ctl_list_schemes(struct ring_ctl *c, struct ring_ctl_scheme **v, size_t *n)
{
	return ringi_ctl_list(c, PROTO_LIST_SCHEMES, sizeof(**v),
	    ctl_scheme_fix, (void **)v, n);
}

RING_EXPORT int
ring_ctl_list_rings(struct ring_ctl *c, struct ring_ctl_ring **v, size_t *n)
{
	return ringi_ctl_list(c, PROTO_LIST_RINGS, sizeof(**v), ctl_ring_fix,
	    (void **)v, n);
}

RING_EXPORT int
ring_ctl_list_clients(struct ring_ctl *c, struct ring_ctl_client **v, size_t *n)
{
	return ringi_ctl_list(c, PROTO_LIST_CLIENTS, sizeof(**v),
	    ctl_client_fix, (void **)v, n);
}

RING_EXPORT bool
ring_ctl_is_disconnect(const struct ring_ctl *c, int err)
{
	/* the library's own rule (ctl.c), and the transport gave err */
	if (!ringi_ctl_disconnect_errno(err))
		return false;
	return c == NULL || c->sock < 0 || c->lost || c->xport;
}

/* The SCHEME_SET request itself (root_fd only with RING_CTL_SERVE_ROOT). */
static int
ring_ctl_scheme_send(struct ring_ctl *c, const char *name, uint32_t flags,
    int root_fd)
{
	struct proto_scheme_set req;
	bool root = (flags & RING_CTL_SERVE_ROOT) != 0;
	int rc;

	memset(&req, 0, sizeof(req));
	if ((rc = ringi_ctl_name(req.name, name)) < 0)
		return rc;
	req.flags = flags;
	return ringi_ctl_call_fds(c, PROTO_SCHEME_SET, &req, sizeof(req),
	    root ? &root_fd : NULL, root ? 1 : 0, NULL);
}

RING_EXPORT int
ring_ctl_scheme_set(struct ring_ctl *c, const char *name, uint32_t flags,
    int root_fd)
{
	bool root = (flags & RING_CTL_SERVE_ROOT) != 0;
	struct ring_ctl_reg *reg = NULL;
	size_t i;
	int rc, keep = -1;

	if (c == NULL || (flags & ~RING_CTL_SERVE_KNOWN) != 0 ||
	    (root && root_fd < 0))
		return -EINVAL;
	if ((rc = ring_ctl_scheme_send(c, name, flags, root_fd)) < 0)
		return rc;
	/* remember it with the name, to say it again to a restarted ringd */
	for (i = 0; i < c->nregs; i++)
		if (strcmp(c->regs[i].name, name) == 0)
			reg = &c->regs[i];
	if (reg == NULL)
		return 0;
	if (root && (keep = fcntl(root_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	ringi_ctl_reg_drop(reg);
	reg->serve = flags;
	reg->root_fd = keep;
	return 0;
}

/* After a restart: the settings a registered name had. */
int
ringi_ctl_scheme_set_again(struct ring_ctl *c, const struct ring_ctl_reg *reg)
{
	if (reg->serve == 0)
		return 0;
	return ring_ctl_scheme_send(c, reg->name, reg->serve, reg->root_fd);
}

void
ringi_ctl_reg_drop(struct ring_ctl_reg *reg)
{
	if (reg->root_fd >= 0)
		close(reg->root_fd);
	reg->root_fd = -1;
	reg->serve = 0;
}

RING_EXPORT int
ring_ctl_scheme_root(struct ring_ctl *c, const char *name, int *dirfd)
{
	struct proto_name req;
	struct proto_msg *m;
	int rc;

	if (c == NULL || dirfd == NULL)
		return -EINVAL;
	*dirfd = -1;
	if ((rc = ringi_ctl_name(req.name, name)) < 0)
		return rc;
	rc = ringi_ctl_call(c, PROTO_SCHEME_ROOT, &req, sizeof(req), &m);
	if (rc < 0)
		return rc;
	if (m->nfds != 1) {
		proto_msg_close_fds(m);
		return -EBADMSG;
	}
	*dirfd = m->fds[0];
	m->nfds = 0;
	return 0;
}
