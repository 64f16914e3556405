/*
 * conn.c - ringd's connections (was client.c, renamed apart from libring's
 * lib/client.c): accepting and identifying them (SO_PEERCRED, /proc comm,
 * pidfd), admission limits and the HELLO deadline, the bounded output
 * queue, and tearing a connection down (kill now, reap after the event
 * batch).  Reading requests and answering them is dispatch.c's, list
 * replies list.c's.  Functions keep the client_ prefix of struct client.
 *
 * Depends on ringd.h (loop, log, policy, rings, registry, phys for the
 * teardown) and lib/proto.h for framing; everything in ringd that answers
 * a client sends through client_send() here.
 *
 * Admission: a connection must complete HELLO within hello_timeout_ms;
 * each uid but root's and the socket owner's holds at most
 * max_clients_per_uid connections; and the last slots of max_clients
 * (RINGD_CLIENT_RESERVE) and the descriptors rings_fd_room() keeps back
 * are for root and the socket's owner and group alone, so that an idle
 * or flooding uid never locks an administrator out.
 *
 * Back-pressure: while a client has replies queued, ringd stops reading
 * its requests, so a client that does not read cannot make ringd queue
 * more than one request's worth of replies; events for it (ATTACH, late
 * OPEN replies) are bounded by max_pending_bytes, past which it is cut off.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bsd/string.h>

#include "ringd.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static int
client_cmp(struct client *a, struct client *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_GENERATE(client_tree, client, node, client_cmp)

static void client_sock_event(void *obj, uint32_t events);
static void client_pidfd_event(void *obj, uint32_t events);

/*
 * "client 7 (pid 123 'comm' uid 1000)" for log lines.  The result stays
 * valid until CLIENT_NAME_BUFS more calls, so one log line may name
 * several clients.
 */
#define CLIENT_NAME_BUFS 4

const char *
client_name(const struct client *c)
{
	static char buf[CLIENT_NAME_BUFS][96];
	static unsigned next;
	char *b = buf[next++ % CLIENT_NAME_BUFS];

	snprintf(b, sizeof(buf[0]), "client %llu (pid %u '%s' uid %u)",
	    (unsigned long long)c->id, c->peer.pid, c->peer.comm, c->peer.uid);
	return b;
}

/* Copy a command name, printable characters only. */
void
client_set_comm(struct client *c, const char *s, size_t max)
{
	size_t i;

	memset(c->peer.comm, 0, sizeof(c->peer.comm));
	for (i = 0; i < max && i < sizeof(c->peer.comm) - 1 && s[i] != '\0' &&
	     s[i] != '\n';
	     i++)
		c->peer.comm[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
}

/* /proc/PID/comm, which the peer cannot forge (unlike HELLO's). */
static bool
client_proc_comm(struct client *c)
{
	char path[64], buf[RING_COMM_MAX + 2];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/comm", c->peer.pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	client_set_comm(c, buf, (size_t)n);
	return true;
}

/* A pidfd for the peer: SO_PEERPIDFD is race-free, pidfd_open the fallback. */
static int
client_pidfd(struct client *c)
{
	socklen_t len = sizeof(int);
	int fd = -1;

	if (getsockopt(c->sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) == 0 &&
	    fd >= 0) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	fd = (int)syscall(SYS_pidfd_open, (pid_t)c->peer.pid, 0);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* --- admission: connection limits and the HELLO deadline --------------- */

/* Connections per uid, for max_clients_per_uid. */
struct client_uid {
	RB_ENTRY(client_uid) node;
	uint32_t uid;
	uint32_t n;	/* connections */
	uint32_t rings; /* rings counted for it (client_uid_ring_take()) */
};

static int
client_uid_cmp(struct client_uid *a, struct client_uid *b)
{
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

#ifndef __unused
#define __unused __attribute__((unused)) /* for RB_*_STATIC */
#endif

RB_HEAD(client_uid_tree, client_uid);
RB_PROTOTYPE_STATIC(client_uid_tree, client_uid, node, client_uid_cmp)
RB_GENERATE_STATIC(client_uid_tree, client_uid, node, client_uid_cmp)

static struct client_uid_tree client_uids = RB_INITIALIZER(&client_uids);

static struct client_uid *
client_uid_find(uint32_t uid)
{
	struct client_uid key;

	key.uid = uid;
	return RB_FIND(client_uid_tree, &client_uids, &key);
}

/* Count c in its uid's connections; -ENOMEM when it cannot be. */
static int
client_uid_add(struct client *c)
{
	struct client_uid *u = client_uid_find(c->peer.uid);

	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return -ENOMEM;
		u->uid = c->peer.uid;
		RB_INSERT(client_uid_tree, &client_uids, u);
	}
	u->n++;
	c->uid_counted = true;
	return 0;
}

static void
client_uid_del(struct client *c)
{
	struct client_uid *u;

	if (!c->uid_counted)
		return;
	c->uid_counted = false;
	if ((u = client_uid_find(c->peer.uid)) == NULL)
		return;
	if (--u->n == 0 && u->rings == 0) {
		RB_REMOVE(client_uid_tree, &client_uids, u);
		free(u);
	}
}

/*
 * Log a refused or timed-out connection at info, at most
 * RINGD_CONN_LOG_PER_SEC a second; what is left out is summed up in the
 * next line logged.
 */
static void __attribute__((format(printf, 1, 2)))
client_log_conn(const char *fmt, ...)
{
	static uint64_t window_ns, skipped;
	static unsigned logged;
	uint64_t now = service_now_ns();
	char msg[256];
	va_list ap;

	if (now - window_ns >= 1000000000ull) {
		if (skipped > 0)
			log_info("%llu more connections refused or timed out "
				 "(%llu refused, %llu without HELLO in time "
				 "since start)",
			    (unsigned long long)skipped,
			    (unsigned long long)ringd.conns_refused,
			    (unsigned long long)ringd.hello_timeouts);
		window_ns = now;
		logged = 0;
		skipped = 0;
	}
	if (logged >= RINGD_CONN_LOG_PER_SEC) {
		skipped++;
		return;
	}
	logged++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
}

/* Root, ringd's own uid or the socket's owner: no per-uid cap. */
static bool
client_is_admin(const struct client *c)
{
	return c->peer.uid == 0 || c->peer.uid == (uint32_t)geteuid() ||
	    c->peer.uid == (uint32_t)ringd.sock_uid;
}

/*
 * Count one more ring for c's uid: -EMFILE over max_rings_per_uid (root
 * and the socket's owner are counted, not limited).  The count stays with
 * the uid until client_uid_ring_put(), whoever of its clients is left.
 */
int
client_uid_ring_take(const struct client *c)
{
	struct client_uid *u = client_uid_find(c->peer.uid);

	if (u == NULL)
		return -ENOMEM; /* every admitted client is counted */
	if (!client_is_admin(c) && u->rings >= ringd.conf.max_rings_per_uid)
		return -EMFILE;
	u->rings++;
	return 0;
}

void
client_uid_ring_put(uint32_t uid)
{
	struct client_uid *u = client_uid_find(uid);

	if (u == NULL || u->rings == 0)
		return;
	if (--u->rings == 0 && u->n == 0) {
		RB_REMOVE(client_uid_tree, &client_uids, u);
		free(u);
	}
}

/* May c take the slots and descriptors kept back from other uids? */
static bool
client_may_use_reserve(const struct client *c)
{
	return client_is_admin(c) ||
	    (ringd.sock_group_set && policy_in_group(c, ringd.sock_gid));
}

/* The slots of max_clients kept for client_may_use_reserve(). */
static uint32_t
client_reserve(void)
{
	uint32_t r = ringd.conf.max_clients / 8;

	return r < RINGD_CLIENT_RESERVE ? r : RINGD_CLIENT_RESERVE;
}

/*
 * Which limit a new connection c is over, or NULL: max_clients; the
 * reserved slots; max_clients_per_uid; descriptors near RLIMIT_NOFILE,
 * where other uids are refused before root and the socket's owner and
 * group are.
 */
static const char *
client_admit(const struct client *c)
{
	bool reserve = client_may_use_reserve(c);
	const struct client_uid *u;

	if (ringd.nclients >= ringd.conf.max_clients)
		return "max_clients reached";
	if (!reserve && ringd.nclients + client_reserve() >=
	    ringd.conf.max_clients)
		return "only the slots reserved for root and the socket's "
		       "owner and group are left";
	if (!client_is_admin(c) &&
	    (u = client_uid_find(c->peer.uid)) != NULL &&
	    u->n >= ringd.conf.max_clients_per_uid)
		return "its uid is at max_clients_per_uid";
	if (!reserve && !rings_fd_room(0, 0, 1))
		return "descriptors are short";
	return NULL;
}

/*
 * Tell a refused or timed-out peer why with a PROTO_ERROR before it is
 * closed; never blocks.  What it sent is read and dropped first (its
 * descriptors closed by the kernel): a socket closed with messages
 * unread makes the peer's next read fail with ECONNRESET instead of
 * returning this one.
 */
static void
client_send_error(int fd, int err)
{
	struct proto_error e = { .error = err, .version = PROTO_VERSION };
	char buf[64];
	int i;

	for (i = 0; i < RINGD_READ_BATCH; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
	(void)proto_send(fd, PROTO_ERROR, 0, &e, sizeof(e), NULL, 0);
}

/* A new connection's identity and groups; -errno when it has none. */
static int
client_identify(struct client *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("SO_PEERCRED: %s", strerror(errno));
		return -errno;
	}
	c->sock = fd;
	c->pidfd = -1;
	c->peer.pid = (uint32_t)cred.pid;
	c->peer.uid = cred.uid;
	c->peer.gid = cred.gid;
	policy_client_init(c);
	return 0;
}

static void
client_new(int fd)
{
	const char *why;
	struct client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_error("out of memory for a client");
		close(fd);
		return;
	}
	if (client_identify(c, fd) < 0)
		goto out_free;
	if ((why = client_admit(c)) != NULL) {
		ringd.conns_refused++;
		client_log_conn("refusing a connection from pid %u uid %u: %s",
		    c->peer.pid, c->peer.uid, why);
		client_send_error(fd, -EUSERS);
		goto out_free;
	}
	if (client_uid_add(c) < 0) {
		log_error("out of memory for a client");
		goto out_free;
	}
	c->id = ++ringd.next_client_id;
	c->created_ns = service_now_ns();
	LIST_INIT(&c->schemes);
	LIST_INIT(&c->cons_rings);
	LIST_INIT(&c->prod_rings);
	STAILQ_INIT(&c->outq);
	c->comm_known = client_proc_comm(c);
	c->sock_src.fn = client_sock_event;
	c->sock_src.obj = c;
	c->pid_src.fn = client_pidfd_event;
	c->pid_src.obj = c;
	c->ev = EPOLLIN;
	if (loop_add(fd, &c->sock_src, c->ev) < 0) {
		log_error("epoll: %s", strerror(errno));
		client_uid_del(c);
		goto out_free;
	}
	c->pidfd = client_pidfd(c);
	if (c->pidfd >= 0 && loop_add(c->pidfd, &c->pid_src, EPOLLIN) < 0) {
		close(c->pidfd);
		c->pidfd = -1;
	}
	RB_INSERT(client_tree, &ringd.clients, c);
	TAILQ_INSERT_TAIL(&ringd.hello_wait, c, hello_link);
	c->hello_wait = true;
	ringd.nclients++;
	ringd.status_dirty = true;
	log_debug("%s connected", client_name(c));
	return;

out_free:
	policy_client_fini(c);
	free(c);
	close(fd);
}

void
client_hello_done(struct client *c)
{
	if (!c->hello_wait)
		return;
	TAILQ_REMOVE(&ringd.hello_wait, c, hello_link);
	c->hello_wait = false;
}

/*
 * Close connections that have not completed HELLO within
 * hello_timeout_ms of connecting; the time until the next such deadline
 * in ns, or -1 when no connection waits.  The list is in connection
 * order, which is deadline order (one timeout for all).
 */
int64_t
client_expire(uint64_t now)
{
	uint64_t timeout = (uint64_t)ringd.conf.hello_timeout_ms * 1000000ull;
	struct client *c;

	while ((c = TAILQ_FIRST(&ringd.hello_wait)) != NULL) {
		if (c->created_ns + timeout > now)
			return (int64_t)(c->created_ns + timeout - now);
		ringd.hello_timeouts++;
		client_log_conn("%s: disconnecting: no HELLO within %u ms",
		    client_name(c), ringd.conf.hello_timeout_ms);
		if (STAILQ_EMPTY(&c->outq))
			client_send_error(c->sock, -ETIMEDOUT);
		client_kill(c, NULL);
	}
	return -1;
}

/*
 * Accept what is waiting (the listening socket's loop callback, set up
 * by client_listen()).  Out of descriptors, give up the spare one to
 * accept and drop the connection, or the listening socket would stay
 * readable and spin the loop.
 */
static void
client_accept(void *obj, uint32_t events)
{
	int i, fd;

	(void)obj;
	(void)events;
	for (i = 0; i < 64; i++) {
		fd = accept4(ringd.listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			client_new(fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			rings_fd_limit_reset(); /* lowered from outside? */
			if (ringd.spare_fd >= 0) {
				log_warn("out of descriptors: dropping a "
					 "connection");
				close(ringd.spare_fd);
				fd = accept(ringd.listen_fd, NULL, NULL);
				if (fd >= 0)
					close(fd);
				ringd.spare_fd = open("/dev/null",
				    O_RDONLY | O_CLOEXEC);
				continue;
			}
		}
		if (errno != EAGAIN)
			log_warn("accept: %s", strerror(errno));
		return;
	}
}

/* Watch the listening socket: new connections go to client_accept(). */
int
client_listen(void)
{
	ringd.listen_src.fn = client_accept;
	ringd.listen_src.obj = NULL;
	return loop_add(ringd.listen_fd, &ringd.listen_src, EPOLLIN);
}

/* Read interest while nothing is queued; write interest otherwise. */
void
client_update_events(struct client *c)
{
	uint32_t want;

	if (c->dead)
		return;
	want = STAILQ_EMPTY(&c->outq) && c->list_type == 0 ? EPOLLIN : EPOLLOUT;
	if (want != c->ev && loop_mod(c->sock, &c->sock_src, want) == 0)
		c->ev = want;
}

static void
client_outmsg_free(struct outmsg *o)
{
	unsigned i;

	for (i = 0; i < o->nfds; i++)
		close(o->fds[i]);
	free(o);
}

/* Queue a message (with duplicates of its descriptors) for later. */
static int
client_enqueue(struct client *c, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds)
{
	size_t cost = sizeof(struct proto_hdr) + len;
	struct outmsg *o;
	unsigned i;

	if (c->out_bytes + cost > ringd.conf.max_pending_bytes) {
		client_kill(c, "pending output over max_pending_bytes");
		return -ENOBUFS;
	}
	if ((o = malloc(sizeof(*o) + len)) == NULL) {
		client_kill(c, "out of memory for its output");
		return -ENOMEM;
	}
	o->type = type;
	o->seq = seq;
	o->len = len;
	o->nfds = 0;
	memcpy(o->body, body, len);
	for (i = 0; i < nfds; i++) {
		o->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (o->fds[i] < 0) {
			client_outmsg_free(o);
			client_kill(c, "out of descriptors for its output");
			return -EMFILE;
		}
		o->nfds++;
	}
	STAILQ_INSERT_TAIL(&c->outq, o, link);
	c->out_bytes += cost;
	client_update_events(c);
	return 0;
}

/*
 * Send one message to a client, now if its socket has room, else queued.
 * Descriptors stay the caller's.  A client that cannot take it is killed.
 */
int
client_send(struct client *c, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds)
{
	int rc;

	if (c->dead)
		return -ECONNRESET;
	if (STAILQ_EMPTY(&c->outq)) {
		rc = proto_send(c->sock, type, seq, body, len, fds, nfds);
		if (rc != -EAGAIN) {
			if (rc == -EINVAL)
				log_error("internal: bad message type %#x",
				    type);
			else if (rc < 0)
				client_kill(c, strerror(-rc));
			return rc;
		}
	}
	return client_enqueue(c, type, seq, body, len, fds, nfds);
}

/* --- events and teardown ------------------------------------------------ */

static void
client_flush(struct client *c)
{
	struct outmsg *o;
	int rc;

	while ((o = STAILQ_FIRST(&c->outq)) != NULL && !c->dead) {
		rc = proto_send(c->sock, o->type, o->seq, o->body, o->len,
		    o->fds, o->nfds);
		if (rc == -EAGAIN)
			break;
		if (rc < 0) {
			client_kill(c, strerror(-rc));
			return;
		}
		STAILQ_REMOVE_HEAD(&c->outq, link);
		c->out_bytes -= sizeof(struct proto_hdr) + o->len;
		client_outmsg_free(o);
	}
	if (STAILQ_EMPTY(&c->outq))
		list_more(c);
	client_update_events(c);
}

/* Its socket is ready (struct loop_src callback). */
static void
client_sock_event(void *obj, uint32_t events)
{
	struct client *c = obj;

	if (c->dead)
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		client_kill(c, NULL);
		return;
	}
	if (events & EPOLLOUT)
		client_flush(c);
	if ((events & EPOLLIN) && !c->dead) {
		dispatch_read(c);
		client_update_events(c);
	}
}

/* Its process ended (pidfd readable; struct loop_src callback). */
static void
client_pidfd_event(void *obj, uint32_t events)
{
	struct client *c = obj;

	(void)events;
	if (!c->dead)
		client_kill(c, NULL);
}

/*
 * Mark a client dead: no more events or output.  Its schemes and rings
 * are let go in client_reap(), outside the event batch.
 */
void
client_kill(struct client *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	if (why != NULL)
		log_info("%s: disconnecting: %s", client_name(c), why);
	else
		log_debug("%s disconnected", client_name(c));
	loop_del(c->sock);
	loop_del(c->pidfd);
	client_hello_done(c);
	client_uid_del(c);
	RB_REMOVE(client_tree, &ringd.clients, c);
	ringd.nclients--;
	ringd.status_dirty = true;
	TAILQ_INSERT_TAIL(&ringd.dead_clients, c, dead_link);
}

/* Let dead clients' schemes and rings go, then free them. */
void
client_reap(void)
{
	struct client *c;
	struct outmsg *o;

	while ((c = TAILQ_FIRST(&ringd.dead_clients)) != NULL) {
		registry_client_gone(c);
		rings_client_gone(c);
		phys_client_gone(c);
		TAILQ_REMOVE(&ringd.dead_clients, c, dead_link);
		while ((o = STAILQ_FIRST(&c->outq)) != NULL) {
			STAILQ_REMOVE_HEAD(&c->outq, link);
			client_outmsg_free(o);
		}
		close(c->sock);
		if (c->pidfd >= 0)
			close(c->pidfd);
		policy_client_fini(c);
		free(c);
	}
}

/* Shutdown: drop every connection. */
void
client_fini(void)
{
	struct client *c;

	while ((c = RB_MIN(client_tree, &ringd.clients)) != NULL)
		client_kill(c, NULL);
	client_reap();
}
