/*
 * client.c - libring's side of the ringd control socket: connect, open
 * rings to schemes, serve schemes, read the introspection model.
 *
 * Requests are synchronous.  While a reply is awaited, ringd may send
 * attach events (a consumer opened a ring to one of our schemes); those
 * are queued, up to RING_CTL_QUEUE, and handed out by
 * ring_ctl_next_attach().  Past that, ringd is told "busy" at once rather
 * than the consumer being left waiting.
 *
 * A handle set to reconnect (ring_ctl_set_reconnect()) survives a ringd
 * restart: it keeps each ring's memory file and the names it registered,
 * and when the connection breaks it dials again (at once, then on a timer
 * whose expiry makes ring_ctl_fd() readable), registers the names again,
 * hands every live ring to the new ringd (ADOPT), then every physalloc3
 * region it allocated or mapped, with the region's memory file (PHYS_ADOPT,
 * phys.c).
 */
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "proto.h"

#define RING_CTL_QUEUE 64
#define RING_CTL_RETRY_MIN_MS 100 /* reconnect: first retry, doubling */
#define RING_CTL_RETRY_MAX_MS 2000

/* A name registered, to register again after a ringd restart. */
struct ring_ctl_reg {
	char name[RING_NAME_MAX];
	struct proto_opset ops;
	struct proto_opnames opnames;
};

/*
 * A ring the handle opened or accepted while set to reconnect, and what a
 * new ringd needs to adopt it.  The ring knows nothing of this record:
 * its close hook (ring_set_close_hook()) takes the record out.
 */
struct ring_ctl_tracked {
	struct ring *r;
	struct ring_ctl_tracked *next, **prevp;
	uint64_t id;	 /* the id ringd knows it by now */
	uint64_t app_id; /* the id the caller was given */
	char scheme[RING_CTL_NAME_MAX];
	struct ring_ctl_peer peer; /* producer: the consumer it serves */
	int mem_fd;		   /* the pair's memory file */
};

struct ring_ctl {
	int sock; /* -1 while ringd is away */
	int ep;	  /* ring_ctl_fd(): the socket, and the retry timer */
	int timer;
	uint32_t seq;
	struct proto_attach queue[RING_CTL_QUEUE];
	int queue_fds[RING_CTL_QUEUE][3];
	unsigned qhead, qlen;
	struct ring_phys_cache *phys; /* regions ring_phys_resolve() mapped */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool lost;	   /* the socket failed: ringd is gone */
	bool xport;	   /* this request failed in the transport */
	bool reconnect;	   /* survive ringd restarts */
	bool reconnecting; /* in ring_ctl_reconnect(): no nesting */
	bool used;	   /* opened, accepted or registered something */
	unsigned retry_ms;
	uint64_t reconnects; /* dialled a restarted ringd */
	struct ring_ctl_tracked *rings; /* to adopt after a restart */
	struct ring_ctl_reg *regs;
	size_t nregs;
};

/* $XDG_RUNTIME_DIR/ringd.sock into buf; -ENOENT without the variable. */
static int
ring_ctl_user_path(char *buf, size_t len)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir == NULL || dir[0] != '/')
		return -ENOENT;
	n = snprintf(buf, len, "%s/ringd.sock", dir);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The socket scope names (ring.h has the rule): the system socket, the
 * per-user one, or by default $RINGD_SOCKET, else the system socket for
 * root, else the per-user socket when one exists and the system socket
 * when not.
 */
RING_EXPORT int
ring_ctl_socket_path_for(enum ring_ctl_scope scope, char *buf, size_t len)
{
	const char *env = getenv("RINGD_SOCKET");
	struct stat st;
	int n, rc;

	switch (scope) {
	case RING_CTL_USER:
		return ring_ctl_user_path(buf, len);
	case RING_CTL_DEFAULT:
		if (env != NULL && env[0] != '\0') {
			n = snprintf(buf, len, "%s", env);
			return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
		}
		if (geteuid() != 0) {
			rc = ring_ctl_user_path(buf, len);
			if (rc == -ENAMETOOLONG ||
			    (rc == 0 && stat(buf, &st) == 0 &&
				S_ISSOCK(st.st_mode)))
				return rc;
		}
		/* FALLTHROUGH */
	case RING_CTL_SYSTEM:
		n = snprintf(buf, len, "%s", RING_CTL_SYSTEM_SOCKET);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	return -EINVAL;
}

RING_EXPORT int
ring_ctl_socket_path(char *buf, size_t len)
{
	return ring_ctl_socket_path_for(RING_CTL_DEFAULT, buf, len);
}

/* Our command name, as /proc shows it, for ringd's model. */
static void
ring_ctl_comm(char *comm, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "re");
	size_t n;

	memset(comm, 0, len);
	if (f == NULL)
		return;
	if (fgets(comm, (int)len, f) != NULL) {
		n = strcspn(comm, "\n");
		memset(comm + n, 0, len - n);
	}
	fclose(f);
}

static int64_t
ring_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Did the connection to ringd break (ringd stopped or restarted)?  Only
 * for what the socket itself returned: an errno inside a reply is what
 * ringd or a scheme answered, never a broken connection.
 */
static bool
ring_ctl_broken(int rc)
{
	return rc == -ECONNRESET || rc == -EPIPE || rc == -ENOTCONN;
}

/* rc came from the socket: remember a broken connection. */
static int
ring_ctl_io(struct ring_ctl *c, int rc)
{
	if (ring_ctl_broken(rc))
		c->lost = c->xport = true;
	return rc;
}

/* Send on the connection; a full socket means ringd does not read it. */
static int
ring_ctl_send(struct ring_ctl *c, uint16_t type, uint32_t seq,
    const void *body, uint32_t len, const int *fds, unsigned nfds)
{
	int rc = ring_ctl_io(c, proto_send(c->sock, type, seq, body, len, fds,
				    nfds));

	if (rc == -EAGAIN) {
		c->xport = true;
		return -ETIMEDOUT;
	}
	return rc;
}

static uint32_t
ring_ctl_next_seq(struct ring_ctl *c)
{
	c->xport = false;
	if (++c->seq == 0)
		++c->seq;
	return c->seq;
}

/*
 * A reply that came after its call gave up (timed out) may have made
 * something on our behalf that nobody will ever use: undo it.
 */
static void
ring_ctl_undo_late(struct ring_ctl *c, const struct proto_msg *m)
{
	if (m->hdr.type == (PROTO_OPEN | PROTO_REPLY)) {
		const struct proto_open_reply *r = (const void *)m->body.raw;
		struct proto_ring_ref ref = { .ring_id = r->ring_id };

		if (r->error == 0)
			(void)ring_ctl_send(c, PROTO_CLOSE,
			    ring_ctl_next_seq(c), &ref, sizeof(ref), NULL, 0);
	} else if (m->hdr.type == (PROTO_PHYS_ALLOC | PROTO_REPLY)) {
		const struct proto_phys_alloc_reply *r =
		    (const void *)m->body.raw;
		struct proto_phys_range fr = { .base = r->base,
			.size = r->got };

		if (r->error == 0)
			(void)ring_ctl_send(c, PROTO_PHYS_FREE,
			    ring_ctl_next_seq(c), &fr, sizeof(fr), NULL, 0);
	}
}

/* Queue an attach event that arrived while we waited for something else. */
static void
ring_ctl_enqueue(struct ring_ctl *c, struct proto_msg *m)
{
	struct proto_attach *a = (struct proto_attach *)m->body.raw;
	unsigned slot;

	if (m->nfds != 3 || c->qlen == RING_CTL_QUEUE) {
		struct proto_accept no = { .ring_id = a->ring_id,
			.error = m->nfds != 3 ? -EBADMSG : -EBUSY };

		proto_msg_close_fds(m);
		(void)ring_ctl_send(c, PROTO_ACCEPT, ring_ctl_next_seq(c), &no,
		    sizeof(no), NULL, 0);
		/* its reply is skipped by the seq check in ring_ctl_recv() */
		return;
	}
	slot = (c->qhead + c->qlen) % RING_CTL_QUEUE;
	memcpy(&c->queue[slot], a, sizeof(*a));
	memcpy(c->queue_fds[slot], m->fds, sizeof(c->queue_fds[slot]));
	m->nfds = 0;
	c->qlen++;
}

/*
 * Receive the next message that is not an event, within the deadline;
 * events are queued on the way.  A message arriving for another seq (a
 * late reply) is dropped.
 */
static int
ring_ctl_recv(struct ring_ctl *c, uint32_t seq, uint16_t type,
    struct proto_msg *m, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
	int rc;

	for (;;) {
		rc = ring_ctl_io(c, proto_recv(c->sock, m));
		if (rc == -EAGAIN) {
			int64_t left = deadline - ring_ctl_now_ms();

			if (left <= 0) {
				c->xport = true;
				return -ETIMEDOUT;
			}
			if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (rc < 0)
			return rc;
		if (m->hdr.type == PROTO_ATTACH && m->hdr.seq == 0) {
			ring_ctl_enqueue(c, m);
			continue;
		}
		if (m->hdr.type == PROTO_ERROR)
			return ((struct proto_error *)m->body.raw)->error < 0
			    ? ((struct proto_error *)m->body.raw)->error
			    : -EPROTO;
		if (m->hdr.seq != seq) {
			ring_ctl_undo_late(c, m);
			proto_msg_close_fds(m);
			continue;
		}
		if (m->hdr.type != (type | PROTO_REPLY)) {
			proto_msg_close_fds(m);
			return -EBADMSG;
		}
		return 0;
	}
}

static int ring_ctl_call_once(struct ring_ctl *c, uint16_t type,
    const void *body, uint32_t len, const int *fds, unsigned nfds,
    struct proto_msg *m);

/*
 * Be connected before a request: a handle set to reconnect dials a
 * restarted ringd; others (and a reconnection under way) get -ENOTCONN.
 */
static int
ring_ctl_ensure(struct ring_ctl *c)
{
	int rc;

	if (c->sock >= 0 && !c->lost)
		return 0;
	c->xport = true;
	if (!c->reconnect || c->reconnecting)
		return -ENOTCONN;
	if ((rc = ring_ctl_reconnect(c)) < 0 && c->sock < 0)
		return rc;
	return 0;
}

/*
 * Send a request and wait for its (first) reply; error from the body.  A
 * handle set to reconnect dials a restarted ringd first when the
 * connection is gone, and once more when it breaks during the call: the
 * old ringd took the unanswered request with it.
 */
int
ring_ctl_call_fds(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, const int *fds, unsigned nfds, struct proto_msg *m)
{
	int rc;

	m->nfds = 0;
	m->hdr.type = 0;
	if ((rc = ring_ctl_ensure(c)) < 0)
		return rc;
	rc = ring_ctl_call_once(c, type, body, len, fds, nfds, m);
	if (c->lost && c->reconnect && !c->reconnecting) {
		int rc2 = ring_ctl_reconnect(c);

		if (c->sock < 0)
			return rc2 < 0 ? rc2 : rc;
		rc = ring_ctl_call_once(c, type, body, len, fds, nfds, m);
	}
	return rc;
}

int
ring_ctl_call(struct ring_ctl *c, uint16_t type, const void *body, uint32_t len,
    struct proto_msg *m)
{
	return ring_ctl_call_fds(c, type, body, len, NULL, 0, m);
}

static int
ring_ctl_call_once(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, const int *fds, unsigned nfds, struct proto_msg *m)
{
	uint32_t seq = ring_ctl_next_seq(c);
	int rc;

	m->nfds = 0;
	m->hdr.type = 0;
	if ((rc = ring_ctl_send(c, type, seq, body, len, fds, nfds)) < 0)
		return rc;
	rc = ring_ctl_recv(c, seq, type, m,
	    ring_ctl_now_ms() + RING_CTL_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	return *(int32_t *)m->body.raw;
}

/* Dial c->path and say HELLO; c->sock is the new connection on success. */
static int
ring_ctl_dial(struct ring_ctl *c, uint32_t *server_version)
{
	struct sockaddr_un sa;
	struct timeval tv;
	struct proto_hello hello;
	struct epoll_event ev = { .events = EPOLLIN };
	struct proto_msg m;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path));
	c->lost = false;
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return -errno;
	/*
	 * Connect blocking, within the timeout: a busy ringd whose backlog
	 * is full makes a non-blocking connect fail at once with EAGAIN.
	 */
	tv.tv_sec = RING_CTL_TIMEOUT_MS / 1000;
	tv.tv_usec = (RING_CTL_TIMEOUT_MS % 1000) * 1000;
	(void)setsockopt(c->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	do
		rc = connect(c->sock, (struct sockaddr *)&sa, sizeof(sa));
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		rc = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT
							     : -errno;
		goto fail;
	}
	if (fcntl(c->sock, F_SETFL, fcntl(c->sock, F_GETFL) | O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	memset(&hello, 0, sizeof(hello));
	hello.version = PROTO_VERSION;
	ring_ctl_comm(hello.comm, sizeof(hello.comm));
	rc = ring_ctl_call(c, PROTO_HELLO, &hello, sizeof(hello), &m);
	if (rc == -EPROTO && server_version != NULL) {
		/* ringd refused our version, or we could not read its */
		if (m.hdr.type == PROTO_ERROR && m.hdr.version == PROTO_VERSION)
			*server_version = ((struct proto_error *)m.body.raw)
					      ->version;
		else
			*server_version = m.hdr.version;
	}
	if (rc < 0)
		goto fail;
	if (server_version != NULL)
		*server_version = ((struct proto_hello_reply *)m.body.raw)
				      ->version;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->sock, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	return 0;

fail:
	close(c->sock);
	c->sock = -1;
	return rc;
}

RING_EXPORT int
ring_ctl_connect(const char *path, uint32_t *server_version,
    struct ring_ctl **ret)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ring_ctl *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->sock = c->ep = c->timer = -1;
	if (path == NULL) {
		if ((rc = ring_ctl_socket_path(c->path, sizeof(c->path))) < 0)
			goto fail;
	} else if (strlen(path) >= sizeof(c->path)) {
		rc = -ENAMETOOLONG;
		goto fail;
	} else
		memcpy(c->path, path, strlen(path));
	if ((c->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (c->timer = timerfd_create(CLOCK_MONOTONIC,
		 TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->timer, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = ring_ctl_dial(c, server_version)) < 0)
		goto fail;
	*ret = c;
	return 0;

fail:
	ring_ctl_close(c);
	return rc;
}

/* Drop the attach events still queued: their rings are not ours. */
static void
ring_ctl_flush_queue(struct ring_ctl *c)
{
	struct ring_attach a;

	while (c->qlen > 0) {
		a.fds.mem = c->queue_fds[c->qhead][0];
		a.fds.doorbell[0] = c->queue_fds[c->qhead][1];
		a.fds.doorbell[1] = c->queue_fds[c->qhead][2];
		ring_fds_close(&a.fds);
		c->qhead = (c->qhead + 1) % RING_CTL_QUEUE;
		c->qlen--;
	}
}

/* Stop tracking a ring for adoption; the ring itself stays open. */
static void
ring_ctl_untrack(struct ring_ctl_tracked *t)
{
	if (t->next != NULL)
		t->next->prevp = t->prevp;
	*t->prevp = t->next;
	ring_set_close_hook(t->r, NULL, NULL);
	if (t->mem_fd >= 0)
		close(t->mem_fd);
	free(t);
}

/* ring_close() of a tracked ring. */
static void
ring_ctl_ring_closed(struct ring *r, void *arg)
{
	(void)r;
	ring_ctl_untrack(arg);
}

/*
 * Track a ring c opened or accepted; takes *mem_fd when it does.  Only a
 * handle set to reconnect keeps anything.
 */
static int
ring_ctl_track(struct ring_ctl *c, struct ring *r, uint64_t id,
    const char *scheme, const struct ring_ctl_peer *peer, int *mem_fd)
{
	struct ring_ctl_tracked *t;

	c->used = true;
	if (!c->reconnect)
		return 0;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->r = r;
	t->id = t->app_id = id;
	memcpy(t->scheme, scheme, sizeof(t->scheme));
	if (peer != NULL)
		t->peer = *peer;
	t->mem_fd = *mem_fd;
	*mem_fd = -1;
	t->next = c->rings;
	if (c->rings != NULL)
		c->rings->prevp = &t->next;
	t->prevp = &c->rings;
	c->rings = t;
	ring_set_close_hook(r, ring_ctl_ring_closed, t);
	return 0;
}

RING_EXPORT void
ring_ctl_close(struct ring_ctl *c)
{
	if (c == NULL)
		return;
	ring_ctl_flush_queue(c);
	while (c->rings != NULL)
		ring_ctl_untrack(c->rings);
	if (c->sock >= 0)
		close(c->sock);
	if (c->ep >= 0)
		close(c->ep);
	if (c->timer >= 0)
		close(c->timer);
	ring_phys_cache_free(c->phys);
	free(c->regs);
	free(c);
}

struct ring_phys_cache **
ring_ctl_phys_cache(struct ring_ctl *c)
{
	return &c->phys;
}

bool
ring_ctl_keeps(const struct ring_ctl *c)
{
	return c->reconnect;
}

RING_EXPORT int
ring_ctl_fd(const struct ring_ctl *c)
{
	return c->ep;
}

/* Copy a name into a fixed field; -EINVAL when it cannot be a name. */
static int
ring_ctl_name(char *dst, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	memset(dst, 0, RING_NAME_MAX);
	if (n == 0 || n >= RING_NAME_MAX)
		return -EINVAL;
	memcpy(dst, name, n);
	return proto_name_ok(dst, RING_NAME_MAX) ? 0 : -EINVAL;
}

RING_EXPORT int
ring_ctl_open(struct ring_ctl *c, const char *scheme,
    const struct ring_params *p, struct ring **ret, uint64_t *ring_id)
{
	struct proto_open req;
	struct proto_open_reply *rep;
	struct proto_msg m;
	struct ring_fds fds;
	int rc;

	memset(&req, 0, sizeof(req));
	if ((rc = ring_ctl_name(req.scheme, scheme)) < 0)
		return rc;
	req.params = *p;
	rc = ring_ctl_call(c, PROTO_OPEN, &req, sizeof(req), &m);
	if (rc < 0) {
		proto_msg_close_fds(&m);
		return rc;
	}
	rep = (struct proto_open_reply *)m.body.raw;
	if (m.nfds != 3) {
		proto_msg_close_fds(&m);
		return -EBADMSG;
	}
	fds.mem = m.fds[0];
	fds.doorbell[0] = m.fds[1];
	fds.doorbell[1] = m.fds[2];
	rc = ring_open(&fds, RING_ROLE_CONSUMER, ret);
	if (rc == 0 && (rep->flags & PROTO_OPEN_RINGD_SERVES))
		ring_guard_set(*ret, c->sock);
	if (rc == 0 && (rc = ring_ctl_track(c, *ret, rep->ring_id, req.scheme,
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
	struct proto_msg m;
	struct ring_ctl_tracked *t;

	/* a ring adopted under another id is closed under that one */
	for (t = c->rings; t != NULL; t = t->next)
		if (t->app_id == ring_id) {
			req.ring_id = t->id;
			ring_ctl_untrack(t);
			break;
		}
	return ring_ctl_call(c, PROTO_CLOSE, &req, sizeof(req), &m);
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
	struct proto_msg m;
	unsigned i;
	int rc;

	memset(&req, 0, sizeof(req));
	if ((rc = ring_ctl_name(req.name, name)) < 0)
		return rc;
	if (nops > 0 && ops == NULL)
		return -EINVAL;
	for (i = 0; i < nops; i++)
		req.ops.bits[ops[i] / 64] |= 1ull << (ops[i] % 64);
	if ((rc = ring_ctl_opnames(&req.opnames, names, nnames)) < 0)
		return rc;
	if (!proto_opnames_ok(&req.ops, &req.opnames))
		return -EINVAL;
	if ((rc = ring_ctl_call(c, PROTO_REGISTER, &req, sizeof(req), &m)) < 0)
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
			c->nregs++;
		}
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
	struct proto_msg m;
	int rc;

	size_t i;

	if ((rc = ring_ctl_name(req.name, name)) < 0)
		return rc;
	if ((rc = ring_ctl_call(c, PROTO_UNREGISTER, &req, sizeof(req), &m)) <
	    0)
		return rc;
	for (i = 0; i < c->nregs; i++)
		if (strcmp(c->regs[i].name, req.name) == 0) {
			c->regs[i] = c->regs[--c->nregs];
			break;
		}
	return 0;
}

RING_EXPORT int
ring_ctl_next_attach(struct ring_ctl *c, struct ring_attach *a)
{
	const struct proto_attach *pa;
	int rc;

	if ((rc = ring_ctl_process(c)) < 0)
		return rc;
	if (c->qlen == 0)
		return -EAGAIN;
	pa = &c->queue[c->qhead];
	memset(a, 0, sizeof(*a));
	a->ring_id = pa->ring_id;
	memcpy(a->scheme, pa->scheme, sizeof(a->scheme));
	a->scheme[sizeof(a->scheme) - 1] = '\0';
	a->consumer = pa->consumer;
	a->consumer.comm[sizeof(a->consumer.comm) - 1] = '\0';
	a->params = pa->params;
	a->fds.mem = c->queue_fds[c->qhead][0];
	a->fds.doorbell[0] = c->queue_fds[c->qhead][1];
	a->fds.doorbell[1] = c->queue_fds[c->qhead][2];
	c->qhead = (c->qhead + 1) % RING_CTL_QUEUE;
	c->qlen--;
	return 0;
}

RING_EXPORT int
ring_ctl_wait_attach(struct ring_ctl *c, struct ring_attach *a, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->ep, .events = POLLIN };
	int64_t deadline = ring_ctl_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		rc = ring_ctl_next_attach(c, a);
		if (rc != -EAGAIN)
			return rc;
		if (timeout_ms >= 0 && ring_ctl_now_ms() >= deadline)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1,
		    timeout_ms < 0 ? -1 : (int)(deadline - ring_ctl_now_ms()));
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int
ring_ctl_answer(struct ring_ctl *c, struct ring_attach *a, int err)
{
	struct proto_accept req = { .ring_id = a->ring_id, .error = err };
	struct proto_msg m;

	return ring_ctl_call(c, PROTO_ACCEPT, &req, sizeof(req), &m);
}

RING_EXPORT int
ring_ctl_accept(struct ring_ctl *c, struct ring_attach *a, struct ring **ret)
{
	struct ring *r;
	int rc;

	rc = ring_open(&a->fds, RING_ROLE_PRODUCER, &r);
	if (rc == 0 && (rc = ring_ctl_track(c, r, a->ring_id, a->scheme,
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
ring_ctl_probe_call(struct ring_ctl *c, const char *scheme, struct proto_msg *m)
{
	const struct proto_probe_reply *rep;
	struct proto_name req;
	int rc;

	if ((rc = ring_ctl_name(req.name, scheme)) < 0)
		return rc;
	if ((rc = ring_ctl_call(c, PROTO_PROBE, &req, sizeof(req), m)) < 0)
		return rc;
	rep = (const struct proto_probe_reply *)m->body.raw;
	if (!proto_opnames_ok(&rep->ops, &rep->opnames))
		return -EBADMSG;
	return 0;
}

RING_EXPORT int
ring_ctl_probe(struct ring_ctl *c, const char *scheme, uint64_t ops[4])
{
	struct proto_msg m;
	int rc;

	if ((rc = ring_ctl_probe_call(c, scheme, &m)) < 0)
		return rc;
	memcpy(ops, ((struct proto_probe_reply *)m.body.raw)->ops.bits,
	    4 * sizeof(uint64_t));
	return 0;
}

RING_EXPORT int
ring_ctl_probe_names(struct ring_ctl *c, const char *scheme, uint64_t ops[4],
    struct ring_ctl_opname **names, size_t *nnames)
{
	const struct proto_probe_reply *rep;
	struct ring_ctl_opname *v = NULL;
	struct proto_msg m;
	size_t n = 0, i;
	int rc;

	if ((rc = ring_ctl_probe_call(c, scheme, &m)) < 0)
		return rc;
	rep = (const struct proto_probe_reply *)m.body.raw;
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
	struct proto_msg m;
	int rc;

	rc = ring_ctl_call(c, PROTO_STATUS, NULL, 0, &m);
	if (rc < 0)
		return rc;
	*st = ((struct proto_status_reply *)m.body.raw)->st;
	st->server[sizeof(st->server) - 1] = '\0';
	return 0;
}

/*
 * Collect a list: reply packets with the request's seq, each {int32
 * error, uint32 end} and whole records of recsz bytes (the public
 * record's size), the last with end set.
 */
int
ring_ctl_list(struct ring_ctl *c, uint16_t type, size_t recsz, void **v,
    size_t *n)
{
	const size_t max = 1u << 20; /* records: bounds a lying server */
	int64_t deadline = ring_ctl_now_ms() + RING_CTL_TIMEOUT_MS;
	struct proto_msg m;
	uint8_t *out = NULL, *nv;
	size_t cnt = 0, cap = 0;
	uint32_t seq;
	int rc;

	if (recsz == 0 || proto_list_rec_size(type) != recsz)
		return -EINVAL;
	if ((rc = ring_ctl_ensure(c)) < 0)
		return rc;
	seq = ring_ctl_next_seq(c);
	if ((rc = ring_ctl_send(c, type, seq, NULL, 0, NULL, 0)) < 0)
		return rc;
	for (;;) {
		const int32_t *hdr;
		size_t k, i;

		rc = ring_ctl_recv(c, seq, type, &m, deadline);
		if (rc < 0)
			goto fail;
		hdr = (const int32_t *)m.body.raw;
		if (hdr[0] < 0) {
			rc = hdr[0];
			goto fail;
		}
		/* proto_recv() checked: whole records after the header */
		k = (m.hdr.len - sizeof(m.hdr) - PROTO_LIST_HDR) / recsz;
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
		for (i = 0; i < k; i++)
			memcpy(out + (cnt + i) * recsz,
			    m.body.raw + PROTO_LIST_HDR + i * recsz, recsz);
		cnt += k;
		if (hdr[1] != 0)
			break;
	}
	*v = out;
	*n = cnt;
	return 0;

fail:
	free(out);
	return rc;
}

RING_EXPORT int
ring_ctl_list_schemes(struct ring_ctl *c, struct ring_ctl_scheme **v, size_t *n)
{
	int rc = ring_ctl_list(c, PROTO_LIST_SCHEMES, sizeof(**v), (void **)v,
	    n);
	size_t i;

	for (i = 0; rc == 0 && i < *n; i++) {
		(*v)[i].name[RING_CTL_NAME_MAX - 1] = '\0';
		(*v)[i].owner.comm[RING_CTL_COMM_MAX - 1] = '\0';
	}
	return rc;
}

RING_EXPORT int
ring_ctl_list_rings(struct ring_ctl *c, struct ring_ctl_ring **v, size_t *n)
{
	int rc = ring_ctl_list(c, PROTO_LIST_RINGS, sizeof(**v), (void **)v, n);
	size_t i;

	for (i = 0; rc == 0 && i < *n; i++) {
		(*v)[i].scheme[RING_CTL_NAME_MAX - 1] = '\0';
		(*v)[i].consumer.comm[RING_CTL_COMM_MAX - 1] = '\0';
		(*v)[i].producer.comm[RING_CTL_COMM_MAX - 1] = '\0';
	}
	return rc;
}

RING_EXPORT int
ring_ctl_list_clients(struct ring_ctl *c, struct ring_ctl_client **v, size_t *n)
{
	int rc = ring_ctl_list(c, PROTO_LIST_CLIENTS, sizeof(**v), (void **)v,
	    n);
	size_t i;

	for (i = 0; rc == 0 && i < *n; i++)
		(*v)[i].peer.comm[RING_CTL_COMM_MAX - 1] = '\0';
	return rc;
}

/* --- surviving a ringd restart ------------------------------------------ */

/* Try again in c->retry_ms (doubling up to RING_CTL_RETRY_MAX_MS). */
static void
ring_ctl_arm_retry(struct ring_ctl *c)
{
	struct itimerspec its;

	if (!c->reconnect)
		return;
	c->retry_ms = c->retry_ms == 0		      ? RING_CTL_RETRY_MIN_MS
	    : 2 * c->retry_ms > RING_CTL_RETRY_MAX_MS ? RING_CTL_RETRY_MAX_MS
						      : 2 * c->retry_ms;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = c->retry_ms / 1000;
	its.it_value.tv_nsec = (long)(c->retry_ms % 1000) * 1000000;
	(void)timerfd_settime(c->timer, 0, &its, NULL);
}

/* The connection broke: forget it and what it had queued. */
static void
ring_ctl_lost(struct ring_ctl *c)
{
	if (c->sock < 0)
		return;
	(void)epoll_ctl(c->ep, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
	c->lost = false;
	ring_ctl_flush_queue(c);
}

/* Hand one ring to the new ringd. */
static int
ring_ctl_adopt(struct ring_ctl *c, struct ring_ctl_tracked *t)
{
	struct ring_info info;
	struct proto_adopt req;
	struct proto_msg m;
	struct ring_fds fds;
	uint32_t seq = ring_ctl_next_seq(c);
	int fd[3], rc;

	memset(&req, 0, sizeof(req));
	ring_get_info(t->r, &info);
	req.ring_id = t->id;
	req.role = (uint32_t)info.role;
	memcpy(req.scheme, t->scheme, sizeof(req.scheme));
	req.peer = t->peer;
	ring_get_doorbells(t->r, fds.doorbell);
	fd[0] = t->mem_fd;
	fd[1] = fds.doorbell[0];
	fd[2] = fds.doorbell[1];
	if ((rc = ring_ctl_send(c, PROTO_ADOPT, seq, &req, sizeof(req), fd,
		 3)) < 0)
		return rc;
	rc = ring_ctl_recv(c, seq, PROTO_ADOPT, &m,
	    ring_ctl_now_ms() + RING_CTL_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	if ((rc = ((struct proto_adopt_reply *)m.body.raw)->error) < 0)
		return rc;
	t->id = ((struct proto_adopt_reply *)m.body.raw)->ring_id;
	return 0;
}

RING_EXPORT int
ring_ctl_set_reconnect(struct ring_ctl *c, bool on)
{
	/* what came before was not kept, so could not be handed back */
	if (on && !c->reconnect && c->used)
		return -EBUSY;
	if (!on) {
		while (c->rings != NULL)
			ring_ctl_untrack(c->rings);
		c->nregs = 0;
		ring_phys_held_clear(c->phys);
	}
	c->reconnect = on;
	return 0;
}

RING_EXPORT bool
ring_ctl_connected(const struct ring_ctl *c)
{
	return c->sock >= 0 && !c->lost;
}

RING_EXPORT uint64_t
ring_ctl_reconnects(const struct ring_ctl *c)
{
	return c->reconnects;
}

RING_EXPORT int
ring_ctl_reconnect(struct ring_ctl *c)
{
	struct itimerspec off;
	struct proto_register req;
	struct proto_msg m;
	struct ring_ctl_tracked *t, *next;
	size_t i;
	int rc, first = 0;

	if (c->reconnecting)
		return -EINPROGRESS;
	ring_ctl_lost(c);
	c->reconnecting = true;
	if ((rc = ring_ctl_dial(c, NULL)) < 0) {
		c->reconnecting = false;
		ring_ctl_arm_retry(c);
		return rc;
	}
	memset(&off, 0, sizeof(off));
	(void)timerfd_settime(c->timer, 0, &off, NULL);
	c->retry_ms = 0;
	c->reconnects++;
	/* names first: a producer may only bring back rings of its own */
	for (i = 0; i < c->nregs; i++) {
		memset(&req, 0, sizeof(req));
		memcpy(req.name, c->regs[i].name, sizeof(req.name));
		req.ops = c->regs[i].ops;
		req.opnames = c->regs[i].opnames;
		rc = ring_ctl_call(c, PROTO_REGISTER, &req, sizeof(req), &m);
		if (rc < 0 && first == 0)
			first = rc;
	}
	for (t = c->rings; t != NULL && c->sock >= 0; t = next) {
		next = t->next;
		if (ring_is_dropped(t->r) || ring_is_broken(t->r)) {
			ring_ctl_untrack(t);
			continue;
		}
		if ((rc = ring_ctl_adopt(c, t)) == 0)
			continue;
		if (c->lost) {
			ring_ctl_lost(c);
			break;
		}
		/* refused: it goes on without ringd's oversight */
		if (first == 0)
			first = rc;
		ring_ctl_untrack(t);
	}
	/* then the regions: grants through those rings come back with them */
	if (c->sock >= 0 && (rc = ring_phys_adopt_held(c)) < 0 && first == 0)
		first = rc;
	if (c->lost)
		ring_ctl_lost(c);
	c->reconnecting = false;
	if (c->sock < 0) {
		/* ringd went away again meanwhile */
		ring_ctl_arm_retry(c);
		return -ECONNRESET;
	}
	return first;
}

RING_EXPORT int
ring_ctl_process(struct ring_ctl *c)
{
	struct proto_msg m;
	uint64_t ticks;
	int rc;

	if (c->sock < 0) {
		if (!c->reconnect)
			return -ENOTCONN;
		if (read(c->timer, &ticks, sizeof(ticks)) < 0)
			return 0; /* not yet time to try */
		rc = ring_ctl_reconnect(c);
		/* back, but a name or a ring was refused: the caller must
		 * know (another uid may hold the name now) */
		return rc < 0 && c->sock >= 0 ? rc : 0;
	}
	/* take in whatever already arrived */
	while (c->qlen < RING_CTL_QUEUE) {
		rc = ring_ctl_io(c, proto_recv(c->sock, &m));
		if (rc == -EAGAIN)
			break;
		if (rc < 0) {
			if (!c->reconnect || !c->lost)
				return rc;
			/* ringd stopped: try now, then on the timer */
			rc = ring_ctl_reconnect(c);
			return rc < 0 && c->sock >= 0 ? rc : 0;
		}
		if (m.hdr.type == PROTO_ATTACH && m.hdr.seq == 0)
			ring_ctl_enqueue(c, &m);
		else
			proto_msg_close_fds(&m); /* a late reply */
	}
	return 0;
}

RING_EXPORT uint32_t
ring_ctl_protocol(void)
{
	return PROTO_VERSION;
}

RING_EXPORT bool
ring_ctl_is_disconnect(const struct ring_ctl *c, int err)
{
	switch (err) {
	case -ECONNRESET:
	case -EPIPE:
	case -ENOTCONN:
	case -ETIMEDOUT:
	case -ECONNREFUSED:
	case -EBADF:
		break;
	default:
		return false;
	}
	return c == NULL || c->sock < 0 || c->lost || c->xport;
}
