/*
 * proto.c - framing of the ringd control protocol: the one place that
 * turns messages into packets and back, checking every one against the
 * type table before anyone looks at its body.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "proto.h"

/* What a message of each type may look like, both ways. */
struct proto_rule {
	const char *name;   /* for logs */
	uint32_t req_len;   /* request body bytes */
	uint32_t reply_len; /* reply body bytes (a list: of one record) */
	uint8_t req_fds;    /* descriptors a request carries */
	uint8_t reply_fds;  /* descriptors a successful reply carries */
	bool list;	    /* the reply is a record list */
};

/* clang-format off */
#define PROTO_RULE_(type, nm, req, reply, rq_fds, rp_fds, is_list)      \
	[PROTO_##type] = { .name = nm,                                  \
		.req_len = (req),                                       \
		.reply_len = (reply),                                   \
		.req_fds = (rq_fds),                                    \
		.reply_fds = (rp_fds),                                  \
		.list = (is_list) },

static const struct proto_rule proto_rules[PROTO_TYPE_COUNT] = {
	PROTO_TYPES(PROTO_RULE_)
};

/* Each row: descriptors and bodies fit a packet; a list reply has records. */
#define PROTO_CHECK_(type, nm, req, reply, rq_fds, rp_fds, is_list)            \
	_Static_assert((rq_fds) <= PROTO_MAX_FDS && (rp_fds) <= PROTO_MAX_FDS, \
	    nm ": descriptors fit a message");                                 \
	_Static_assert((req) + sizeof(struct proto_hdr) <= PROTO_MAX_MSG &&    \
		(reply) + sizeof(struct proto_hdr) <= PROTO_MAX_MSG,           \
	    nm ": bodies fit a packet");                                       \
	_Static_assert(!(is_list) || (reply) > PROTO_LIST_HDR,                 \
	    nm ": a list reply has records");
PROTO_TYPES(PROTO_CHECK_)
/* clang-format on */

/*
 * The size of every struct that travels, so that a field added to one,
 * the public <ring/ctl.h> and <ring/phys.h> records included, fails the
 * build here instead of changing the protocol silently: such a change
 * is a new PROTO_VERSION and new sizes here.
 */
#define PROTO_WIRE_SIZE_(s, n) \
	_Static_assert(sizeof(struct s) == (n), \
	    #s " is " #n " bytes on the wire")
PROTO_WIRE_SIZE_(proto_hdr, 16);
PROTO_WIRE_SIZE_(proto_opset, 32);
PROTO_WIRE_SIZE_(proto_hello, 24);
PROTO_WIRE_SIZE_(proto_hello_reply, 48);
PROTO_WIRE_SIZE_(proto_error, 8);
PROTO_WIRE_SIZE_(proto_name, 64);
PROTO_WIRE_SIZE_(proto_opnames, 2048);
PROTO_WIRE_SIZE_(proto_register, 2144);
PROTO_WIRE_SIZE_(proto_open, 88);
PROTO_WIRE_SIZE_(proto_open_reply, 16);
PROTO_WIRE_SIZE_(proto_attach, 128);
PROTO_WIRE_SIZE_(proto_accept, 16);
PROTO_WIRE_SIZE_(proto_ring_ref, 8);
PROTO_WIRE_SIZE_(proto_adopt, 112);
PROTO_WIRE_SIZE_(proto_adopt_reply, 16);
PROTO_WIRE_SIZE_(proto_reply, 8);
PROTO_WIRE_SIZE_(proto_phys_adopt, 32);
PROTO_WIRE_SIZE_(proto_phys_adopt_reply, 8);
PROTO_WIRE_SIZE_(proto_probe_reply, 2088);
PROTO_WIRE_SIZE_(proto_status_reply, 112);
PROTO_WIRE_SIZE_(proto_scheme_rec, 152);
PROTO_WIRE_SIZE_(proto_ring_rec, 296);
PROTO_WIRE_SIZE_(proto_client_rec, 64);
PROTO_WIRE_SIZE_(proto_phys_alloc, 24);
PROTO_WIRE_SIZE_(proto_phys_alloc_reply, 32);
PROTO_WIRE_SIZE_(proto_phys_range, 24);
PROTO_WIRE_SIZE_(proto_phys_free_reply, 904);
PROTO_WIRE_SIZE_(proto_phys_map, 32);
PROTO_WIRE_SIZE_(proto_phys_map_reply, 32);
PROTO_WIRE_SIZE_(proto_phys_grant, 24);
PROTO_WIRE_SIZE_(proto_phys_zone_rec, 64);
PROTO_WIRE_SIZE_(proto_phys_range_rec, 32);
PROTO_WIRE_SIZE_(proto_phys_region_rec, 224);
PROTO_WIRE_SIZE_(proto_scheme_set, 72);
PROTO_WIRE_SIZE_(proto_redox_setup, 96);
PROTO_WIRE_SIZE_(proto_redox_setup_reply, 48);
PROTO_WIRE_SIZE_(proto_redox_attach, 136);
PROTO_WIRE_SIZE_(proto_redox_accept, 48);
PROTO_WIRE_SIZE_(proto_redox_files, 16);
PROTO_WIRE_SIZE_(proto_redox_files_reply, 8);
PROTO_WIRE_SIZE_(proto_redox_files_done, 16);
PROTO_WIRE_SIZE_(proto_redox_detach, 16);
PROTO_WIRE_SIZE_(proto_phys_alloc_sg, 32);
PROTO_WIRE_SIZE_(proto_phys_seg, 24);
PROTO_WIRE_SIZE_(proto_phys_seg_rec, 32);
PROTO_WIRE_SIZE_(ring_ctl_redox_params, 32);
PROTO_WIRE_SIZE_(ring_params, 24);
PROTO_WIRE_SIZE_(ring_ctl_peer, 32);
PROTO_WIRE_SIZE_(ring_ctl_status, 104);
PROTO_WIRE_SIZE_(ring_ctl_scheme, 144);
PROTO_WIRE_SIZE_(ring_ctl_ring, 288);
PROTO_WIRE_SIZE_(ring_ctl_client, 56);
PROTO_WIRE_SIZE_(ring_phys_zone, 56);
PROTO_WIRE_SIZE_(ring_phys_range, 24);
PROTO_WIRE_SIZE_(ring_phys_region, 216);
PROTO_WIRE_SIZE_(ring_phys_user, 56);

_Static_assert(sizeof(struct proto_ring_rec) + sizeof(struct proto_hdr) <=
	PROTO_MAX_MSG,
    "ring record fits a packet");
_Static_assert(offsetof(struct proto_scheme_rec, rec) == 8 &&
	offsetof(struct proto_ring_rec, rec) == 8 &&
	offsetof(struct proto_client_rec, rec) == 8,
    "list records follow 8 bytes");
_Static_assert(sizeof(struct proto_attach) + sizeof(struct proto_hdr) <=
	PROTO_MAX_MSG,
    "attach fits a packet");
_Static_assert(sizeof(struct proto_phys_region_rec) +
	    sizeof(struct proto_hdr) <=
	PROTO_MAX_MSG,
    "region record fits a packet");
_Static_assert(sizeof(struct proto_register) + sizeof(struct proto_hdr) <=
	    PROTO_MAX_MSG &&
	sizeof(struct proto_probe_reply) + sizeof(struct proto_hdr) <=
	    PROTO_MAX_MSG,
    "opcode names fit a packet");
_Static_assert(PROTO_OPNAMES == 256 - RING_OP_PRODUCER_BASE,
    "one name slot per producer-specific opcode");
_Static_assert(offsetof(struct proto_phys_zone_rec, rec) == 8 &&
	offsetof(struct proto_phys_range_rec, rec) == 8 &&
	offsetof(struct proto_phys_region_rec, rec) == 8 &&
	offsetof(struct proto_phys_seg_rec, rec) == 8,
    "phys list records follow 8 bytes");
_Static_assert(PROTO_PHYS_SG_SEGS == 2729 &&
	PROTO_PHYS_SG_SEGS <= RING_PHYS_SG_MAX,
    "a PHYS_ALLOC_SG reply holds 2729 segments");

/* Is base (no PROTO_REPLY bit) a type of the table? */
static bool
proto_type_ok(uint16_t base)
{
	return base > PROTO_NONE && base < PROTO_TYPE_COUNT;
}

/*
 * Body length and descriptor limit for a type, or -1 when the type is
 * unknown.  A failed reply keeps its type's layout: error first, the rest
 * zero, no descriptors.
 */
static int
proto_rule_for(uint16_t type, uint32_t *len, unsigned *maxfds)
{
	uint16_t base = type & ~PROTO_REPLY;

	if (type == PROTO_ERROR) {
		*len = sizeof(struct proto_error);
		*maxfds = 0;
		return 0;
	}
	if (!proto_type_ok(base))
		return -1;
	if (type & PROTO_REPLY) {
		if (proto_rules[base].reply_len == 0)
			return -1;
		*len = proto_rules[base].reply_len;
		*maxfds = proto_rules[base].reply_fds;
	} else {
		*len = proto_rules[base].req_len;
		*maxfds = proto_rules[base].req_fds;
	}
	return 0;
}

bool
proto_is_list(uint16_t type)
{
	uint16_t base = type & ~PROTO_REPLY;

	return type != PROTO_ERROR && proto_type_ok(base) &&
	    proto_rules[base].list;
}

uint32_t
proto_req_len(uint16_t type)
{
	if ((type & PROTO_REPLY) || !proto_type_ok(type))
		return 0;
	return proto_rules[type].req_len;
}

uint32_t
proto_reply_len(uint16_t type)
{
	uint16_t base = type & ~PROTO_REPLY;

	if (type == PROTO_ERROR || !proto_type_ok(base))
		return 0;
	return proto_rules[base].reply_len;
}

const char *
proto_type_name(uint16_t type)
{
	uint16_t base = type & ~PROTO_REPLY;

	if (type == PROTO_ERROR)
		return "error";
	return proto_type_ok(base) ? proto_rules[base].name : NULL;
}

/* Does a body of len bytes fit type, whose fixed length is want? */
static bool
proto_len_ok(uint16_t type, uint32_t want, uint32_t len)
{
	if (!(type & PROTO_REPLY) || !proto_is_list(type))
		return len == want;
	return len >= PROTO_LIST_HDR &&
	    len <= PROTO_MAX_MSG - sizeof(struct proto_hdr) &&
	    (len - PROTO_LIST_HDR) % (want - PROTO_LIST_HDR) == 0;
}

uint32_t
proto_list_rec_size(uint16_t type)
{
	uint16_t base = type & ~PROTO_REPLY;

	if (!proto_is_list(type))
		return 0;
	return proto_rules[base].reply_len - PROTO_LIST_HDR;
}

int
proto_error_reply(uint16_t type, int32_t err, void *buf, size_t size)
{
	uint32_t len = proto_reply_len(type), end = 1;

	if (len == 0 || size < len)
		return -EINVAL;
	memset(buf, 0, len);
	memcpy(buf, &err, sizeof(err));
	if (proto_is_list(type))
		memcpy((uint8_t *)buf + sizeof(err), &end, sizeof(end));
	return (int)len;
}

int
proto_list_reply_init(struct proto_list_reply *l, uint16_t type, uint32_t room)
{
	uint32_t recsz = proto_list_rec_size(type);

	if (recsz == 0)
		return -EINVAL;
	if (room > sizeof(l->body.raw))
		room = sizeof(l->body.raw);
	if (room < PROTO_LIST_HDR + recsz)
		return -EINVAL;
	l->type = type & ~PROTO_REPLY;
	l->rec_size = recsz;
	l->room = room;
	l->len = PROTO_LIST_HDR;
	memset(l->body.raw, 0, room);
	return 0;
}

void *
proto_list_reply_slot(struct proto_list_reply *l, size_t *n)
{
	*n = (l->room - l->len) / l->rec_size;
	return *n == 0 ? NULL : l->body.raw + l->len;
}

void
proto_list_reply_commit(struct proto_list_reply *l, size_t n)
{
	l->len += (uint32_t)(n * l->rec_size);
}

void
proto_list_reply_end(struct proto_list_reply *l, bool end)
{
	uint32_t e = end;

	memcpy(l->body.raw + sizeof(int32_t), &e, sizeof(e));
}

int
proto_list_reply_parse(const struct proto_msg *m, int32_t *err, uint32_t *end,
    const void **recs, size_t *len)
{
	uint32_t recsz = proto_list_rec_size(m->hdr.type);

	if (!(m->hdr.type & PROTO_REPLY) || recsz == 0 ||
	    m->hdr.len < sizeof(m->hdr) + PROTO_LIST_HDR)
		return -EINVAL;
	memcpy(err, m->body.raw, sizeof(*err));
	memcpy(end, m->body.raw + sizeof(*err), sizeof(*end));
	*recs = m->body.raw + PROTO_LIST_HDR;
	*len = m->hdr.len - sizeof(m->hdr) - PROTO_LIST_HDR;
	return (int)recsz;
}

void
proto_put_fds(struct msghdr *mh, void *buf, const int *fds, unsigned nfds)
{
	struct cmsghdr *c;

	memset(buf, 0, CMSG_SPACE(sizeof(int) * nfds));
	mh->msg_control = buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
}

int
proto_send(int sock, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
	} cm;
	struct proto_hdr hdr;
	struct iovec iov[2];
	struct msghdr mh;
	uint32_t want;
	unsigned maxfds;
	ssize_t n;

	if (proto_rule_for(type, &want, &maxfds) < 0 ||
	    !proto_len_ok(type, want, len) || nfds > maxfds)
		return -EINVAL;
	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = PROTO_MAGIC;
	hdr.version = PROTO_VERSION;
	hdr.type = type;
	hdr.len = (uint32_t)sizeof(hdr) + len;
	hdr.seq = seq;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
	if (nfds > 0)
		proto_put_fds(&mh, cm.buf, fds, nfds);
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)n != sizeof(hdr) + len)
		return -EMSGSIZE;
	return 0;
}

void
proto_msg_close_fds(struct proto_msg *m)
{
	unsigned i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

/* Collect every descriptor that came in, however many cmsgs carried them. */
static void
proto_take_fds(struct msghdr *mh, struct proto_msg *m, bool *extra)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		size_t k, n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < n; k++) {
			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int),
			    sizeof(int));
			if (m->nfds < PROTO_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else {
				close(fd);
				*extra = true;
			}
		}
	}
}

int
proto_recv(int sock, struct proto_msg *m)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * (PROTO_MAX_FDS + 8))];
	} cm;
	struct iovec iov[2];
	struct msghdr mh;
	bool extra = false;
	uint32_t want;
	unsigned maxfds;
	ssize_t n;
	int rc;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->nfds = 0;
	iov[0].iov_base = &m->hdr;
	iov[0].iov_len = sizeof(m->hdr);
	iov[1].iov_base = m->body.raw;
	iov[1].iov_len = sizeof(m->body.raw);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	proto_take_fds(&mh, m, &extra);
	if (n == 0) {
		rc = -ECONNRESET;
		goto bad;
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || extra) {
		rc = -EMSGSIZE;
		goto bad;
	}
	if ((size_t)n < sizeof(m->hdr) || m->hdr.magic != PROTO_MAGIC) {
		m->hdr.version = 0;
		rc = -EPROTO;
		goto bad;
	}
	if (m->hdr.version != PROTO_VERSION) {
		rc = -EPROTO;
		goto bad;
	}
	if (proto_rule_for(m->hdr.type, &want, &maxfds) < 0) {
		rc = -EBADMSG;
		goto bad;
	}
	if (m->hdr.len != (uint64_t)n ||
	    !proto_len_ok(m->hdr.type, want, (uint32_t)(n - sizeof(m->hdr)))) {
		rc = -EBADMSG;
		goto bad;
	}
	if (m->nfds > maxfds) {
		rc = -EBADMSG;
		goto bad;
	}
	return 0;

bad:
	proto_msg_close_fds(m);
	return rc;
}

bool
proto_name_ok(const char *name, size_t size)
{
	size_t i;

	if (size == 0 || name[0] == '\0')
		return false;
	for (i = 0; i < size; i++) {
		char c = name[i];

		if (c == '\0')
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-'))
			return false;
	}
	if (i == size)
		return false;
	/* the rest of the field is zero, so equal names compare equal */
	for (; i < size; i++)
		if (name[i] != '\0')
			return false;
	return true;
}

/*
 * Is a set name field NUL-terminated with zeros after, and a name a
 * scheme may declare (ring_op_name_ok(), the one rule)?
 */
static bool
proto_opname_ok(const char *name)
{
	const char *nul = memchr(name, '\0', PROTO_OPNAME_MAX);
	size_t i;

	if (nul == NULL)
		return false;
	for (i = (size_t)(nul - name); i < PROTO_OPNAME_MAX; i++)
		if (name[i] != '\0')
			return false;
	return ring_op_name_ok(name);
}

bool
proto_opnames_ok(const struct proto_opset *ops,
    const struct proto_opnames *names)
{
	static const char zero[PROTO_OPNAME_MAX];
	unsigned i, j, op;

	for (i = 0; i < PROTO_OPNAMES; i++) {
		const char *nm = names->name[i];

		if (memcmp(nm, zero, sizeof(zero)) == 0)
			continue;
		op = RING_OP_PRODUCER_BASE + i;
		if (!(ops->bits[op / 64] & (1ull << (op % 64))) ||
		    !proto_opname_ok(nm))
			return false;
		/* the earlier ones are known good: NUL-terminated */
		for (j = 0; j < i; j++)
			if (strcmp(nm, names->name[j]) == 0)
				return false;
	}
	return true;
}
