/*
 * ctl.c - libring's connection to the ringd control socket: where the
 * socket is, dialling and HELLO, the synchronous request/reply core, the
 * queue of attach events, and the event pump (ring_ctl_process()).
 *
 * Requests are synchronous.  While a reply is awaited, ringd may send
 * attach events (a consumer opened a ring to one of our schemes); those
 * are queued, up to RING_CTL_QUEUE, and handed out by
 * ring_ctl_next_attach().  Past that, ringd is told "busy" at once rather
 * than the consumer being left waiting.  redox_ring events have a queue
 * of their own beside it (ctl-redox.c); an eventfd in ring_ctl_fd()'s
 * epoll set keeps that descriptor readable while either queue holds an
 * event, however the events came in.  A handle set to reconnect dials a
 * restarted ringd before a request when the connection is gone, and once
 * more when it breaks during the request (ctl-adopt.c does the rest).
 *
 * Part of the control client: depends on the protocol (proto.c), on
 * ctl-adopt.c and on the data path's public API; the data path must not
 * depend on it.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
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
#include <time.h>
#include <unistd.h>

#include "ctl-internal.h"

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
 * The socket scope names (<ring/ctl.h> has the rule): the system socket, the
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

/* Copy a name into a fixed field; -EINVAL when it cannot be a name. */
int
ringi_ctl_name(char *dst, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	memset(dst, 0, RING_NAME_MAX);
	if (n == 0 || n >= RING_NAME_MAX)
		return -EINVAL;
	memcpy(dst, name, n);
	return proto_name_ok(dst, RING_NAME_MAX) ? 0 : -EINVAL;
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

int64_t
ringi_ctl_now_ms(void)
{
	return ringi_now_ns() / 1000000;
}

/*
 * The one rule for "the connection to ringd is gone, or ringd does not
 * answer": these errnos, when the transport gave them.  An errno inside
 * a reply is what ringd or a scheme answered, never a broken connection.
 * The library applies it to what the socket returned (ring_ctl_io()), its
 * callers through ring_ctl_is_disconnect().
 */
bool
ringi_ctl_disconnect_errno(int err)
{
	switch (err) {
	case -ECONNRESET:
	case -EPIPE:
	case -ENOTCONN:
	case -ETIMEDOUT:
	case -ECONNREFUSED:
	case -EBADF:
		return true;
	default:
		return false;
	}
}

/* rc came from the socket: remember a broken connection. */
static int
ring_ctl_io(struct ring_ctl *c, int rc)
{
	if (ringi_ctl_disconnect_errno(rc))
		c->lost = c->xport = true;
	return rc;
}

/* The request gave up waiting on ringd: a transport failure. */
static int
ring_ctl_timedout(struct ring_ctl *c)
{
	c->xport = true;
	return -ETIMEDOUT;
}

/* Send on the connection; a full socket means ringd does not read it. */
int
ringi_ctl_send(struct ring_ctl *c, uint16_t type, uint32_t seq,
    const void *body, uint32_t len, const int *fds, unsigned nfds)
{
	int rc = ring_ctl_io(c, proto_send(c->sock, type, seq, body, len, fds,
				    nfds));

	return rc == -EAGAIN ? ring_ctl_timedout(c) : rc;
}

uint32_t
ringi_ctl_next_seq(struct ring_ctl *c)
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
	const struct proto_open_reply *o = (const void *)m->body.raw;
	const struct proto_redox_setup_reply *x = (const void *)m->body.raw;
	struct proto_ring_ref ref = { 0 };

	/* a ring opened (v1 or redox_ring): closed again */
	if (m->hdr.type == (PROTO_OPEN | PROTO_REPLY) && o->error == 0)
		ref.ring_id = o->ring_id;
	else if (m->hdr.type == (PROTO_REDOX_SETUP | PROTO_REPLY) &&
	    x->error == 0)
		ref.ring_id = x->ring_id;
	if (ref.ring_id != 0)
		(void)ringi_ctl_send(c, PROTO_CLOSE, ringi_ctl_next_seq(c), &ref,
		    sizeof(ref), NULL, 0);
	if (m->hdr.type == (PROTO_PHYS_ALLOC | PROTO_REPLY)) {
		const struct proto_phys_alloc_reply *r =
		    (const void *)m->body.raw;
		struct proto_phys_range fr = { .base = r->base,
			.size = r->got };

		if (r->error == 0)
			(void)ringi_ctl_send(c, PROTO_PHYS_FREE,
			    ringi_ctl_next_seq(c), &fr, sizeof(fr), NULL, 0);
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
		(void)ringi_ctl_send(c, PROTO_ACCEPT, ringi_ctl_next_seq(c),
		    &no, sizeof(no), NULL, 0);
		/* its reply is skipped by the seq check in ringi_ctl_recv() */
		return;
	}
	slot = (c->qhead + c->qlen) % RING_CTL_QUEUE;
	memcpy(&c->queue[slot], a, sizeof(*a));
	memcpy(c->queue_fds[slot], m->fds, sizeof(c->queue_fds[slot]));
	m->nfds = 0;
	c->qlen++;
	ringi_ctl_evq_sync(c);
}

/*
 * ring_ctl_fd() readable while an event waits in either queue: the
 * eventfd holds a count exactly then.  A caller that has taken only
 * events of one kind so far is not woken for the other kind's queue,
 * which it would never empty (a scheme serving only redox_rings and
 * the attaches consumers send it anyway: past the queue's room they
 * are refused, those queued time out in ringd).
 */
void
ringi_ctl_evq_sync(struct ring_ctl *c)
{
	bool want = (c->qlen > 0 && (c->takes_v1 || !c->takes_redox)) ||
	    (c->rqlen > 0 && (c->takes_redox || !c->takes_v1));
	uint64_t v = 1;

	if (want == c->evq_on || c->evq < 0)
		return;
	if (want ? write(c->evq, &v, sizeof(v)) == (ssize_t)sizeof(v)
		 : read(c->evq, &v, sizeof(v)) == (ssize_t)sizeof(v))
		c->evq_on = want;
}

/*
 * Receive a message, trying again for up to RING_CTL_SPIN_NS while there
 * is none (the socket is non-blocking: each try is one recvmsg()).  A
 * round trip to a ringd that is not busy takes about as long as one
 * wakeup; sleeping in poll for it would add the client's own wakeup.
 */
static int
ring_ctl_recv_spin(struct ring_ctl *c, struct proto_msg *m)
{
	int64_t until = ringi_now_ns() + RING_CTL_SPIN_NS;
	int rc;

	do
		rc = ring_ctl_io(c, proto_recv(c->sock, m));
	while (rc == -EAGAIN && ringi_now_ns() < until);
	return rc;
}

/*
 * Receive the next message that is not an event, within the deadline;
 * events are queued on the way.  A message arriving for another seq (a
 * late reply) is dropped.
 */
int
ringi_ctl_recv(struct ring_ctl *c, uint32_t seq, uint16_t type,
    struct proto_msg *m, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
	bool spun = false;
	int rc;

	for (;;) {
		rc = ring_ctl_io(c, proto_recv(c->sock, m));
		if (rc == -EAGAIN && !spun) {
			spun = true;
			rc = ring_ctl_recv_spin(c, m);
		}
		if (rc == -EAGAIN) {
			int64_t left = deadline - ringi_ctl_now_ms();

			if (left <= 0)
				return ring_ctl_timedout(c);
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
		if (ringi_ctl_redox_event(c, m))
			continue;
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

/*
 * Be connected before a request: a handle set to reconnect dials a
 * restarted ringd; others (and a reconnection under way) get -ENOTCONN.
 */
int
ringi_ctl_ensure(struct ring_ctl *c)
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
 * A request broke the connection: a handle set to reconnect dials a
 * restarted ringd, since the old one took the unanswered request with it.
 * True when the request should be made once more; false otherwise, with
 * *rc replaced by the dial's error when ringd stays away.
 */
bool
ringi_ctl_redial(struct ring_ctl *c, int *rc)
{
	int rc2;

	if (!c->lost || !c->reconnect || c->reconnecting)
		return false;
	rc2 = ring_ctl_reconnect(c);
	if (c->sock >= 0)
		return true;
	if (rc2 < 0)
		*rc = rc2;
	return false;
}

/* One request and its (first) reply into c->rx; error from the body. */
static int
ring_ctl_call_once(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, const int *fds, unsigned nfds)
{
	uint32_t seq = ringi_ctl_next_seq(c);
	int rc;

	c->rx->nfds = 0;
	c->rx->hdr.type = 0;
	if ((rc = ringi_ctl_send(c, type, seq, body, len, fds, nfds)) < 0)
		return rc;
	rc = ringi_ctl_recv(c, seq, type, c->rx,
	    ringi_ctl_now_ms() + RING_CTL_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	return *(int32_t *)c->rx->body.raw;
}

/*
 * Send a request and wait for its (first) reply; error from the body.
 * The reply stays in the handle's receive buffer, *reply, until the next
 * request; without reply, descriptors it carried are closed.  A handle
 * set to reconnect dials a restarted ringd first when the connection is
 * gone, and once more when it breaks during the call.
 */
int
ringi_ctl_call_fds(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, const int *fds, unsigned nfds, struct proto_msg **reply)
{
	int rc;

	/* descriptors of an earlier reply belong to its caller now */
	c->rx->nfds = 0;
	c->rx->hdr.type = 0;
	if ((rc = ringi_ctl_ensure(c)) == 0) {
		rc = ring_ctl_call_once(c, type, body, len, fds, nfds);
		if (ringi_ctl_redial(c, &rc))
			rc = ring_ctl_call_once(c, type, body, len, fds, nfds);
	}
	if (rc < 0 && c->rx->hdr.type != (type | PROTO_REPLY) &&
	    c->rx->hdr.type != PROTO_ERROR) {
		/* a nested reconnection's messages (their descriptors were
		 * closed where they were read) are not the reply */
		c->rx->nfds = 0;
		c->rx->hdr.type = 0;
	}
	if (reply != NULL)
		*reply = c->rx;
	else
		proto_msg_close_fds(c->rx);
	return rc;
}

int
ringi_ctl_call(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, struct proto_msg **reply)
{
	return ringi_ctl_call_fds(c, type, body, len, NULL, 0, reply);
}

/*
 * Forget the guard on the connection's ringd: a new connection may reach
 * another one.  Rings opened on the old one keep theirs.
 */
static void
ring_ctl_guard_drop(struct ring_ctl *c)
{
	ringi_guard_put(c->guard);
	c->guard = NULL;
}

/* Dial c->path and say HELLO; c->sock is the new connection on success. */
int
ringi_ctl_dial(struct ring_ctl *c, uint32_t *server_version)
{
	struct sockaddr_un sa;
	struct timeval tv;
	struct proto_hello hello;
	struct epoll_event ev = { .events = EPOLLIN };
	struct proto_msg *m;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path));
	c->lost = false;
	ring_ctl_guard_drop(c);
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
	rc = ringi_ctl_call(c, PROTO_HELLO, &hello, sizeof(hello), &m);
	proto_msg_close_fds(m);
	if (rc == -EPROTO && server_version != NULL) {
		/* ringd refused our version, or we could not read its */
		if (m->hdr.type == PROTO_ERROR &&
		    m->hdr.version == PROTO_VERSION)
			*server_version = ((struct proto_error *)m->body.raw)
					      ->version;
		else
			*server_version = m->hdr.version;
	}
	if (rc < 0)
		goto fail;
	if (server_version != NULL)
		*server_version = ((struct proto_hello_reply *)m->body.raw)
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
	c->sock = c->ep = c->timer = c->evq = -1;
	if ((c->rx = malloc(sizeof(*c->rx))) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->rx->nfds = 0;
	c->rx->hdr.type = 0;
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
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->timer, &ev) < 0 ||
	    (c->evq = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, c->evq, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = ringi_ctl_dial(c, server_version)) < 0)
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
	ringi_ctl_redox_flush(c);
	ringi_ctl_evq_sync(c);
}

/* The connection broke: forget it and what it had queued. */
void
ringi_ctl_lost(struct ring_ctl *c)
{
	if (c->sock < 0)
		return;
	(void)epoll_ctl(c->ep, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
	c->lost = false;
	ring_ctl_guard_drop(c);
	ring_ctl_flush_queue(c);
}

RING_EXPORT void
ring_ctl_close(struct ring_ctl *c)
{
	if (c == NULL)
		return;
	ring_ctl_flush_queue(c);
	ringi_ctl_untrack_all(c);
	ring_ctl_guard_drop(c);
	ringi_close(c->sock);
	ringi_close(c->ep);
	ringi_close(c->timer);
	ringi_close(c->evq);
	ringi_phys_cache_free(c->phys);
	for (size_t i = 0; i < c->nregs; i++)
		ringi_ctl_reg_drop(&c->regs[i]);
	free(c->regs);
	free(c->rx);
	free(c);
}

struct ring_phys_cache **
ringi_ctl_phys_cache(struct ring_ctl *c)
{
	return &c->phys;
}

bool
ringi_ctl_keeps(const struct ring_ctl *c)
{
	return c->reconnect;
}

RING_EXPORT int
ring_ctl_fd(const struct ring_ctl *c)
{
	return c->ep;
}

RING_EXPORT bool
ring_ctl_connected(const struct ring_ctl *c)
{
	return c->sock >= 0 && !c->lost;
}

RING_EXPORT int
ring_ctl_next_attach(struct ring_ctl *c, struct ring_attach *a)
{
	const struct proto_attach *pa;
	int rc;

	c->takes_v1 = true;
	ringi_ctl_evq_sync(c);
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
	ringi_ctl_evq_sync(c);
	return 0;
}

RING_EXPORT int
ring_ctl_wait_attach(struct ring_ctl *c, struct ring_attach *a, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->ep, .events = POLLIN };
	int64_t deadline = ringi_ctl_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		rc = ring_ctl_next_attach(c, a);
		if (rc != -EAGAIN)
			return rc;
		if (timeout_ms >= 0 && ringi_ctl_now_ms() >= deadline)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1,
		    timeout_ms < 0 ? -1 : (int)(deadline - ringi_ctl_now_ms()));
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

RING_EXPORT int
ring_ctl_process(struct ring_ctl *c)
{
	struct proto_msg *m = c->rx;
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
	/*
	 * Take in whatever already arrived, while the queues have room: a
	 * full queue leaves the rest in the socket (ringd holds back), unless
	 * the caller takes events of the other kind, which must not wait
	 * behind it (a scheme serving only redox_rings never takes attaches
	 * that consumers could fill its queue with): then an event for the
	 * full queue is refused as during a request.
	 */
	while ((c->qlen < RING_CTL_QUEUE || c->takes_redox) &&
	    (c->rqlen < RING_CTL_QUEUE || c->takes_v1)) {
		rc = ring_ctl_io(c, proto_recv(c->sock, m));
		if (rc == -EAGAIN)
			break;
		if (rc < 0) {
			if (!c->reconnect || !c->lost)
				return rc;
			/* ringd stopped: try now, then on the timer */
			rc = ring_ctl_reconnect(c);
			return rc < 0 && c->sock >= 0 ? rc : 0;
		}
		if (m->hdr.type == PROTO_ATTACH && m->hdr.seq == 0)
			ring_ctl_enqueue(c, m);
		else if (!ringi_ctl_redox_event(c, m)) {
			ring_ctl_undo_late(c, m); /* a late reply */
			proto_msg_close_fds(m);
		}
	}
	return 0;
}

RING_EXPORT uint32_t
ring_ctl_protocol(void)
{
	return PROTO_VERSION;
}
