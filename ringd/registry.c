/*
 * registry.c - scheme names: the built-ins ringd serves itself and the
 * names clients register.  A name belongs to the connection (and so the
 * uid) that registered it until it unregisters or disconnects; nobody
 * else can take or shadow it, root only when root_takeover allows.  A
 * name's owner also says how it serves it (SCHEME_SET: redox_ring setups,
 * its directory), which anyone the policy lets open the scheme may ask
 * for (SCHEME_ROOT, for ringctl exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/string.h>

#include "ringd.h"

static int
registry_cmp(struct scheme *a, struct scheme *b)
{
	return strncmp(a->name, b->name, sizeof(a->name));
}

RB_GENERATE(scheme_tree, scheme, node, registry_cmp)

struct scheme *
registry_find(const char *name)
{
	struct scheme key;

	memset(key.name, 0, sizeof(key.name));
	strlcpy(key.name, name, sizeof(key.name));
	return RB_FIND(scheme_tree, &ringd.schemes, &key);
}

/* Put the built-in schemes in the registry, owned by nobody. */
int
registry_init(void)
{
	const struct builtin_scheme *bs;
	unsigned n, i;

	bs = builtin_list(&n);
	for (i = 0; i < n; i++) {
		struct scheme *s = calloc(1, sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		strlcpy(s->name, bs[i].name, sizeof(s->name));
		s->builtin = &bs[i];
		s->root_fd = -1;
		/* owner pid 0: built into ringd */
		s->owner_peer.uid = (uint32_t)geteuid();
		s->owner_peer.gid = (uint32_t)getegid();
		strlcpy(s->owner_peer.comm, "ringd",
		    sizeof(s->owner_peer.comm));
		builtin_opset(&bs[i], &s->ops);
		s->gen = ++ringd.next_scheme_gen;
		RB_INSERT(scheme_tree, &ringd.schemes, s);
	}
	return 0;
}

/* Does a REGISTER name any opcode? */
static bool
registry_has_opnames(const struct proto_opnames *t)
{
	unsigned i;

	for (i = 0; i < PROTO_OPNAMES; i++)
		if (t->name[i][0] != '\0')
			return true;
	return false;
}

static void
registry_remove(struct scheme *s)
{
	RB_REMOVE(scheme_tree, &ringd.schemes, s);
	if (s->owner != NULL) {
		LIST_REMOVE(s, owner_link);
		s->owner->nschemes--;
		ringd.nschemes--;
		ringd.status_dirty = true;
	}
	if (s->root_fd >= 0)
		close(s->root_fd);
	free(s->opnames);
	free(s);
}

void
registry_fini(void)
{
	struct scheme *s;

	while ((s = RB_MIN(scheme_tree, &ringd.schemes)) != NULL)
		registry_remove(s);
}

/* A connection went away: its names are free again. */
void
registry_client_gone(struct client *c)
{
	struct scheme *s;

	while ((s = LIST_FIRST(&c->schemes)) != NULL) {
		log_info("scheme '%s' unregistered: its owner left", s->name);
		registry_remove(s);
	}
}

/*
 * REGISTER: -EINVAL bad name or opcode names (proto_opnames_ok()),
 * -EACCES the policy says no, -EPERM a built-in name or a name another uid
 * owns, -EADDRINUSE a name this uid already holds (here or on another
 * connection), -EMFILE/-ENFILE over max_schemes_per_client/max_schemes.
 */
int
registry_handle_register(struct client *c, struct proto_msg *m)
{
	const struct proto_register *req = (const void *)m->body.raw;
	struct scheme *s, *old;
	uint32_t owner;

	if (!proto_name_ok(req->name, sizeof(req->name)) ||
	    !proto_opnames_ok(&req->ops, &req->opnames))
		return -EINVAL;
	if (policy_check(c, POLICY_REGISTER, req->name) < 0)
		return -EACCES;
	if (c->peer.uid != 0 &&
	    state_name_reserved(req->name, c->peer.uid, &owner)) {
		log_info("%s may not register '%s' yet: rings uid %u served "
			 "under that name before the restart are coming back",
		    client_name(c), req->name, owner);
		return -EADDRINUSE;
	}
	if ((old = registry_find(req->name)) != NULL) {
		if (old->builtin != NULL)
			return -EPERM;
		if (old->owner_peer.uid == c->peer.uid)
			return -EADDRINUSE;
		if (c->peer.uid != 0 || !ringd.conf.root_takeover)
			return -EPERM;
	}
	if (c->nschemes >= ringd.conf.max_schemes_per_client)
		return -EMFILE;
	if (old == NULL && ringd.nschemes >= ringd.conf.max_schemes)
		return -ENFILE;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if (registry_has_opnames(&req->opnames)) {
		if ((s->opnames = malloc(sizeof(*s->opnames))) == NULL) {
			free(s);
			return -ENOMEM;
		}
		*s->opnames = req->opnames;
	}
	if (old != NULL) {
		log_info("root %s takes scheme '%s' over from uid %u",
		    client_name(c), old->name, old->owner_peer.uid);
		registry_remove(old);
	}
	memcpy(s->name, req->name, sizeof(s->name));
	s->root_fd = -1;
	s->owner = c;
	s->owner_peer = c->peer;
	s->ops = req->ops;
	s->gen = ++ringd.next_scheme_gen;
	RB_INSERT(scheme_tree, &ringd.schemes, s);
	LIST_INSERT_HEAD(&c->schemes, s, owner_link);
	c->nschemes++;
	ringd.nschemes++;
	ringd.status_dirty = true;
	log_info("%s registered scheme '%s'", client_name(c), s->name);
	return client_reply_ok(c, m);
}

/* UNREGISTER: -EINVAL bad name, -ENOENT not registered, -EPERM not ours. */
int
registry_handle_unregister(struct client *c, struct proto_msg *m)
{
	const struct proto_name *req = (const void *)m->body.raw;
	struct scheme *s;

	if (!proto_name_ok(req->name, sizeof(req->name)))
		return -EINVAL;
	if ((s = registry_find(req->name)) == NULL)
		return -ENOENT;
	if (s->owner != c)
		return -EPERM;
	log_info("%s unregistered scheme '%s'", client_name(c), s->name);
	registry_remove(s);
	return client_reply_ok(c, m);
}

/*
 * PROBE: the opcodes a scheme declared that the policy lets the caller
 * use, and the names it gave those; -EINVAL bad name, -ENODEV none.
 */
int
registry_handle_probe(struct client *c, struct proto_msg *m)
{
	const struct proto_name *req = (const void *)m->body.raw;
	struct proto_probe_reply r;
	struct proto_opset allowed;
	struct scheme *s;
	unsigned w;

	if (!proto_name_ok(req->name, sizeof(req->name)))
		return -EINVAL;
	if ((s = registry_find(req->name)) == NULL)
		return -ENODEV;
	memset(&r, 0, sizeof(r));
	policy_opset(c, s->name, &allowed);
	for (w = 0; w < 4; w++)
		r.ops.bits[w] = s->ops.bits[w] & allowed.bits[w];
	for (w = 0; s->opnames != NULL && w < PROTO_OPNAMES; w++) {
		unsigned op = RING_OP_PRODUCER_BASE + w;

		if (r.ops.bits[op / 64] & (1ull << (op % 64)))
			memcpy(r.opnames.name[w], s->opnames->name[w],
			    sizeof(r.opnames.name[w]));
	}
	return client_reply(c, m, &r, sizeof(r));
}

void
registry_fill_rec(const struct scheme *s, struct ring_ctl_scheme *rec)
{
	memcpy(rec->name, s->name, sizeof(rec->name));
	rec->owner = s->owner_peer;
	rec->builtin = s->builtin != NULL;
	rec->rings = s->rings;
	rec->rings_opened = s->rings_opened;
	memcpy(rec->ops, s->ops.bits, sizeof(rec->ops));
}

/*
 * The directory a SCHEME_SET names, as ringd keeps it: an O_PATH
 * descriptor of its own (the scheme's copy may be read from or closed),
 * or -errno: -ENOTDIR not a directory, -EPERM owned by another uid than
 * the scheme's (root's may name any: a non-root scheme must not present
 * somebody else's files as its namespace).
 */
static int
registry_root_take(const struct client *c, int fd)
{
	struct stat st;
	int path;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (c->peer.uid != 0 && st.st_uid != c->peer.uid)
		return -EPERM;
	path = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (path < 0)
		path = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return path < 0 ? -errno : path;
}

/*
 * SCHEME_SET: how the owner serves one of its names.  -EINVAL bad name,
 * unknown flags, or a directory flag without its descriptor (or one
 * without the flag); -ENOENT not registered; -EPERM not the caller's.
 */
int
registry_handle_set(struct client *c, struct proto_msg *m)
{
	const struct proto_scheme_set *req = (const void *)m->body.raw;
	bool root = (req->flags & RING_CTL_SERVE_ROOT) != 0;
	struct scheme *s;
	int fd = -1;

	if (!proto_name_ok(req->name, sizeof(req->name)) ||
	    (req->flags & ~RING_CTL_SERVE_KNOWN) != 0 ||
	    m->nfds != (root ? 1u : 0u))
		return -EINVAL;
	if ((s = registry_find(req->name)) == NULL)
		return -ENOENT;
	if (s->owner != c)
		return -EPERM;
	if (root && (fd = registry_root_take(c, m->fds[0])) < 0)
		return fd;
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = fd;
	s->serve = req->flags;
	log_info("%s serves scheme '%s':%s%s", client_name(c), s->name,
	    (s->serve & RING_CTL_SERVE_REDOX) ? " redox_ring" : "",
	    root ? " with a directory" : "");
	return client_reply_ok(c, m);
}

/*
 * SCHEME_ROOT: a scheme's directory, for whoever the policy lets open a
 * ring to it.  -EINVAL bad name, -ENOENT no such scheme or no directory,
 * -EACCES the policy says no.
 */
int
registry_handle_root(struct client *c, struct proto_msg *m)
{
	const struct proto_name *req = (const void *)m->body.raw;
	const struct proto_reply r = { 0 };
	struct scheme *s;

	if (!proto_name_ok(req->name, sizeof(req->name)))
		return -EINVAL;
	if ((s = registry_find(req->name)) == NULL || s->root_fd < 0)
		return -ENOENT;
	if (policy_check(c, POLICY_OPEN, s->name) < 0)
		return -EACCES;
	client_send(c, m->hdr.type | PROTO_REPLY, m->hdr.seq, &r, sizeof(r),
	    &s->root_fd, 1);
	return 0;
}
