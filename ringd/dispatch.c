/*
 * dispatch.c - ringd's requests: reading a client's messages through
 * proto_recv(), the handler table keyed by message type (OpenSSH's
 * mon_table), replies (client_reply(), client_reply_ok(), error replies),
 * counting protocol violations, and the two requests that belong to no
 * other module, HELLO and STATUS.
 *
 * What each type looks like on the wire (lengths, descriptors, list or
 * not, its name) is lib/proto.h's PROTO_TYPES table; this table adds only
 * who handles it and whether it is allowed before HELLO.  Depends on
 * ringd.h (conn.c for sending, the handlers' modules); nothing but conn.c
 * calls in here (dispatch_read()) besides the handlers' replies.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "ringd.h"

/* Handler flags. */
#define CH_PREHELLO 0x1 /* allowed before HELLO */

struct client_handler {
	int (*fn)(struct client *c, struct proto_msg *m);
	unsigned flags;
};

static int client_handle_hello(struct client *c, struct proto_msg *m);
static int client_handle_status(struct client *c, struct proto_msg *m);

/*
 * The requests ringd serves, keyed by message type (OpenSSH mon_table).
 * A handler returns >= 0 once it replied (or deferred the reply), or
 * -errno for client_dispatch() to send as the type's error reply.  A type
 * without a handler (ATTACH: ringd -> scheme only) is not a request.
 */
static const struct client_handler client_handlers[PROTO_TYPE_COUNT] = {
	[PROTO_HELLO] = { client_handle_hello, CH_PREHELLO },
	[PROTO_REGISTER] = { registry_handle_register, 0 },
	[PROTO_UNREGISTER] = { registry_handle_unregister, 0 },
	[PROTO_OPEN] = { rings_handle_open, 0 },
	[PROTO_ACCEPT] = { rings_handle_accept, 0 },
	[PROTO_CLOSE] = { rings_handle_close, 0 },
	/* relibc redox_rings (redox.c); CLOSE serves them too */
	[PROTO_REDOX_SETUP] = { redox_handle_setup, 0 },
	[PROTO_REDOX_ACCEPT] = { redox_handle_accept, 0 },
	[PROTO_REDOX_FILES] = { redox_handle_files, 0 },
	[PROTO_REDOX_FILES_DONE] = { redox_handle_files_done, 0 },
	[PROTO_PROBE] = { registry_handle_probe, 0 },
	[PROTO_STATUS] = { client_handle_status, 0 },
	[PROTO_LIST_SCHEMES] = { list_handle_request, 0 },
	[PROTO_LIST_RINGS] = { list_handle_request, 0 },
	[PROTO_LIST_CLIENTS] = { list_handle_request, 0 },
	[PROTO_PHYS_ALLOC] = { phys_handle_alloc, 0 },
	[PROTO_PHYS_FREE] = { phys_handle_free, 0 },
	[PROTO_PHYS_MAP] = { phys_handle_map, 0 },
	[PROTO_PHYS_GRANT] = { phys_handle_grant, 0 },
	[PROTO_PHYS_LIST_ZONES] = { list_handle_request, 0 },
	[PROTO_PHYS_LIST_FREE] = { list_handle_request, 0 },
	[PROTO_PHYS_LIST_REGIONS] = { list_handle_request, 0 },
	[PROTO_ADOPT] = { rings_handle_adopt, 0 },
	[PROTO_PHYS_ADOPT] = { phys_handle_adopt, 0 },
	[PROTO_SCHEME_SET] = { registry_handle_set, 0 },
	[PROTO_SCHEME_ROOT] = { registry_handle_root, 0 },
	[PROTO_PHYS_ALLOC_SG] = { phys_handle_alloc_sg, 0 },
};

_Static_assert(sizeof(client_handlers) / sizeof(client_handlers[0]) ==
	PROTO_TYPE_COUNT,
    "one handler slot per message type");

/*
 * The failed reply of a type: its layout, error first, the rest zero
 * (proto_error_reply()).  The buffer is static: ringd is one thread and
 * client_send() copies what it cannot send at once.
 */
int
client_reply_error(struct client *c, uint16_t type, uint32_t seq, int err)
{
	static union {
		uint8_t b[PROTO_MAX_MSG];
		uint64_t align;
	} u;
	int len;

	if ((type & PROTO_REPLY) ||
	    (len = proto_error_reply(type, err, u.b, sizeof(u.b))) < 0)
		return -EINVAL;
	return client_send(c, type | PROTO_REPLY, seq, u.b, (uint32_t)len,
	    NULL, 0);
}

/*
 * The reply a handler built for request m (error field included): m's
 * type with PROTO_REPLY, m's seq, no descriptors.  Returns 0, a handler's
 * "replied", whatever the sending did: client_send() kills a client that
 * cannot take it.
 */
int
client_reply(struct client *c, const struct proto_msg *m, const void *body,
    uint32_t len)
{
	client_send(c, m->hdr.type | PROTO_REPLY, m->hdr.seq, body, len, NULL,
	    0);
	return 0;
}

/* The reply to m that only says "done": a struct proto_reply, error 0. */
int
client_reply_ok(struct client *c, const struct proto_msg *m)
{
	const struct proto_reply r = { 0 };

	return client_reply(c, m, &r, sizeof(r));
}

/* Count a protocol violation; enough of them end the connection. */
static void
client_bad(struct client *c, const char *what)
{
	c->bad++;
	log_debug("%s: %s (%u of %d)", client_name(c), what, c->bad,
	    RINGD_MAX_BAD_MSGS);
	if (c->bad >= RINGD_MAX_BAD_MSGS)
		client_kill(c, "too many malformed messages");
}

/* Answer a message whose header could not be trusted. */
static void
client_bad_frame(struct client *c, const struct proto_msg *m, int rc)
{
	struct proto_error e = { .error = rc, .version = PROTO_VERSION };
	uint32_t seq = m->hdr.magic == PROTO_MAGIC ? m->hdr.seq : 0;

	if (rc == -EPROTO && m->hdr.magic == PROTO_MAGIC)
		log_info("%s speaks protocol version %u, ringd speaks %u",
		    client_name(c), m->hdr.version, PROTO_VERSION);
	if (client_send(c, PROTO_ERROR, seq, &e, sizeof(e), NULL, 0) < 0)
		return;
	client_bad(c,
	    rc == -EPROTO	  ? "bad magic or version"
		: rc == -EMSGSIZE ? "oversized message"
				  : "malformed message");
}

static void
client_dispatch(struct client *c, struct proto_msg *m)
{
	const struct client_handler *h;
	uint16_t type = m->hdr.type;
	uint32_t seq = m->hdr.seq;
	int rc;

	/* proto_recv() let the type through; replies are not requests. */
	if ((type & PROTO_REPLY) || type == PROTO_ERROR || type == 0 ||
	    type >= PROTO_TYPE_COUNT || client_handlers[type].fn == NULL) {
		client_bad_frame(c, m, -EBADMSG);
		return;
	}
	h = &client_handlers[type];
	if (!c->hello && !(h->flags & CH_PREHELLO)) {
		if (client_reply_error(c, type, seq, -EPROTO) == 0)
			client_bad(c, "request before HELLO");
		return;
	}
	log_debug("%s: %s seq %u", client_name(c), proto_type_name(type), seq);
	rc = h->fn(c, m);
	if (rc == -EBADMSG) {
		/* the body broke the protocol: reserved bits, bad strings */
		if (client_reply_error(c, type, seq, -EINVAL) == 0)
			client_bad(c, "malformed request body");
	} else if (rc < 0)
		client_reply_error(c, type, seq, rc);
}

/*
 * Read and answer up to RINGD_READ_BATCH of c's requests, while nothing
 * waits to go out to it (back-pressure).  The message buffer is static
 * like the reply buffers: ringd is one thread, no handler reads another
 * message, and 64 KiB stays off the stack.
 */
void
dispatch_read(struct client *c)
{
	static struct proto_msg m;
	int i, rc;

	for (i = 0; i < RINGD_READ_BATCH && !c->dead; i++) {
		if (!STAILQ_EMPTY(&c->outq) || c->list_type != 0)
			break; /* back-pressure: flush first */
		rc = proto_recv(c->sock, &m);
		if (rc == -EAGAIN)
			break;
		if (rc == -EPROTO || rc == -EBADMSG || rc == -EMSGSIZE) {
			client_bad_frame(c, &m, rc);
			continue;
		}
		if (rc < 0) {
			client_kill(c,
			    rc == -ECONNRESET ? NULL : strerror(-rc));
			break;
		}
		client_dispatch(c, &m);
		proto_msg_close_fds(&m);
	}
}

/* --- HELLO and STATUS --------------------------------------------------- */

static int
client_handle_hello(struct client *c, struct proto_msg *m)
{
	const struct proto_hello *h = (const void *)m->body.raw;
	struct proto_hello_reply r;

	if (h->flags != 0)
		return -EBADMSG;
	if (c->hello) {
		client_bad(c, "second HELLO");
		return -EISCONN;
	}
	memset(&r, 0, sizeof(r));
	r.version = PROTO_VERSION;
	r.pid = (uint32_t)getpid();
	strlcpy(r.server, RINGD_SERVER, sizeof(r.server));
	if (h->version != PROTO_VERSION) {
		log_info("%s speaks protocol version %u, ringd speaks %u",
		    client_name(c), h->version, PROTO_VERSION);
		r.error = -EPROTO;
		client_bad(c, "protocol version mismatch");
	} else {
		c->hello = true;
		client_hello_done(c);
		if (!c->comm_known)
			client_set_comm(c, h->comm, sizeof(h->comm));
	}
	return client_reply(c, m, &r, sizeof(r));
}

static int
client_handle_status(struct client *c, struct proto_msg *m)
{
	struct proto_status_reply r;

	unsigned nbuiltin;

	builtin_list(&nbuiltin);
	memset(&r, 0, sizeof(r));
	r.st.pid = (uint32_t)getpid();
	r.st.version = PROTO_VERSION;
	strlcpy(r.st.server, RINGD_SERVER, sizeof(r.st.server));
	r.st.uptime_ns = service_now_ns() - ringd.start_ns;
	r.st.schemes = ringd.nschemes + nbuiltin;
	r.st.rings = ringd.nrings;
	r.st.clients = ringd.nclients;
	phys_fill_status(&r.st);
	return client_reply(c, m, &r, sizeof(r));
}
