/*
 * t-hostile-conn.c - connection slots against a hostile local user.
 *
 * A process of uid 65534 opens connections to a private ringd until it is
 * refused and holds them, idle (no HELLO) or after HELLO.  While it does,
 * a root client must connect, say HELLO and get a status within 1 s;
 * connections that never say HELLO must be closed by ringd's deadline
 * (hello_timeout_ms, PROTO_ERROR -ETIMEDOUT); one uid may hold at most
 * max_clients_per_uid connections (refused with PROTO_ERROR -EUSERS)
 * while another uid still gets in; with RLIMIT_NOFILE 64 the uid is
 * refused, with a reply, before ringd runs out of descriptors for root.
 * Each sub-test ends with ringd back at its idle descriptor count.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define CONN_MAX 160	   /* connections one helper tries at most */
#define CONN_REPLY_MS 3000 /* ringd answers a connection within this */
#define CONN_ROOT_MS 1000  /* root's HELLO and status, start to end */
#define CONN_DEF_PER_UID 64 /* max_clients_per_uid's default */
#define CONN_OTHER_UID 65533u
#define CONN_NOTHING 1 /* conn_next(): no message in time */

static struct td d;

/*
 * The next message on fd within ms: its PROTO_ERROR's error, a HELLO
 * reply's error (0: done), -ECONNRESET when ringd closed the connection
 * without a word, CONN_NOTHING when nothing came.
 */
static int
conn_next(int fd, unsigned ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct proto_msg m;
	int32_t err;
	int n, rc;

	do {
		n = poll(&pfd, 1, (int)ms);
	} while (n < 0 && errno == EINTR);
	TAP_SYS(n);
	if (n == 0)
		return CONN_NOTHING;
	rc = proto_recv(fd, &m);
	/*
	 * A peer that closes with our request unread leaves us an error
	 * (ECONNRESET) to take before its last message; it is gone, so
	 * this second read cannot block.
	 */
	if (rc == -ECONNRESET)
		rc = proto_recv(fd, &m);
	if (rc == -ECONNRESET)
		return rc;
	if (rc < 0)
		TAP_FAIL("a malformed message from ringd: %s", tap_rcname(rc));
	proto_msg_close_fds(&m);
	memcpy(&err, m.body.raw, sizeof(err));
	if (m.hdr.type == PROTO_ERROR)
		return err;
	if (m.hdr.type != (PROTO_HELLO | PROTO_REPLY))
		TAP_FAIL("unexpected message type %#x from ringd", m.hdr.type);
	return err;
}

/* Connect, say HELLO and wait for the answer (conn_next()); *fd set. */
static int
conn_hello(int *fd)
{
	struct proto_hello h;
	int rc;

	if ((*fd = td_sock_connect(d.sock)) < 0)
		TAP_FAIL("connect: %s", tap_rcname(*fd));
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	memcpy(h.comm, "hostile", sizeof("hostile"));
	/* refused at once, the send fails; ringd's answer is still queued */
	rc = proto_send(*fd, PROTO_HELLO, 1, &h, sizeof(h), NULL, 0);
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET)
		return rc;
	return conn_next(*fd, CONN_REPLY_MS);
}

/*
 * Open up to max idle connections (no HELLO); keep the ones ringd took,
 * close the ones it refused, each of which must have been told -EUSERS.
 * A last connection that says HELLO marks the end: once its answer is
 * in, ringd has taken or refused every connection before it.
 */
static unsigned
hold_idle(int *held, unsigned max)
{
	int fds[CONN_MAX], sync, rc;
	unsigned i, n = 0, refused = 0;
	struct pollfd pfd;

	TAP_ASSERT(max <= CONN_MAX);
	for (i = 0; i < max; i++)
		if ((fds[i] = td_sock_connect(d.sock)) < 0)
			TAP_FAIL("connect %u: %s", i, tap_rcname(fds[i]));
	rc = conn_hello(&sync);
	if (rc != 0 && rc != -EUSERS)
		TAP_FAIL("the last connection: %s", tap_rcname(rc));
	close(sync);
	for (i = 0; i < max; i++) {
		pfd.fd = fds[i];
		pfd.events = POLLIN;
		pfd.revents = 0;
		TAP_SYS(poll(&pfd, 1, 0));
		if (pfd.revents == 0) {
			held[n++] = fds[i];
			continue;
		}
		rc = conn_next(fds[i], 0);
		if (rc != -EUSERS)
			TAP_FAIL("connection %u refused with %s, not with a "
				 "PROTO_ERROR -EUSERS",
			    i, tap_rcname(rc));
		close(fds[i]);
		refused++;
	}
	if (refused == 0)
		TAP_FAIL("ringd took all %u idle connections", max);
	return n;
}

/*
 * Wait for ringd to close every held idle connection, each with a
 * PROTO_ERROR -ETIMEDOUT; fail after ms.
 */
static void
await_closed(int *held, unsigned n, unsigned ms)
{
	uint64_t t0 = clock_ns();
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		uint64_t waited = (clock_ns() - t0) / 1000000u;

		rc = conn_next(held[i],
		    waited >= ms ? 0 : ms - (unsigned)waited);
		if (rc == CONN_NOTHING)
			TAP_FAIL("idle connection %u of %u still open after "
				 "%u ms",
			    i, n, ms);
		if (rc != -ETIMEDOUT)
			TAP_FAIL("idle connection %u closed with %s, not "
				 "with a PROTO_ERROR -ETIMEDOUT",
			    i, tap_rcname(rc));
		if ((rc = conn_next(held[i], 1000)) != -ECONNRESET)
			TAP_FAIL("idle connection %u: %s after its "
				 "-ETIMEDOUT, not closed",
			    i, tap_rcname(rc));
		close(held[i]);
	}
}

/* As root: connect, HELLO, status, all within CONN_ROOT_MS. */
static void
root_gets_in(uint32_t min_clients)
{
	struct ring_ctl_status st;
	uint64_t t0 = clock_ns(), ms;
	struct ring_ctl *c;
	int rc;

	rc = ring_ctl_connect(d.sock, NULL, &c);
	if (rc < 0)
		TD_FAIL(&d, "root cannot connect while uid %u holds its "
			    "connections: %s",
		    TD_NOBODY, tap_rcname(rc));
	TAP_OK(ring_ctl_status(c, &st));
	ms = (clock_ns() - t0) / 1000000u;
	ring_ctl_close(c);
	if (ms > CONN_ROOT_MS)
		TD_FAIL(&d, "root's HELLO and status took %llu ms",
		    (unsigned long long)ms);
	TAP_ASSERT(st.clients >= min_clients);
}

/* Read the helper's count from a pipe. */
static unsigned
read_count(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned n;

	if (poll(&pfd, 1, 20000) != 1 ||
	    read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		TAP_FAIL("no count from the helper");
	return n;
}

/* A helper of uid 65534 holding idle connections, and its two pipes. */
struct idle_holder {
	pid_t pid;
	int up[2], down[2];
};

/*
 * Fork the helper: it holds as many of max idle connections as ringd
 * takes (hold_idle()) and waits for idle_holder_stop().  With close_ms,
 * it then checks that ringd closed each one within close_ms of its first
 * connection (await_closed()); without, it closes them itself.  Returns
 * how many it holds.
 */
static unsigned
idle_holder_start(struct idle_holder *h, unsigned max, unsigned close_ms)
{
	tu_pipe(h->up);
	tu_pipe(h->down);
	h->pid = tap_fork();
	if (h->pid == 0) {
		int held[CONN_MAX];
		uint64_t t0 = clock_ns();
		unsigned n, i;

		td_become_nobody();
		n = hold_idle(held, max);
		TAP_EQ(write(h->up[1], &n, sizeof(n)), (ssize_t)sizeof(n));
		tu_await(h->down[0], 20000);
		if (close_ms != 0)
			await_closed(held, n,
			    close_ms - (unsigned)((clock_ns() - t0) / 1000000u));
		else
			for (i = 0; i < n; i++)
				close(held[i]);
		tap_child_exit();
	}
	return read_count(h->up[0]);
}

/* Let the helper go on, and reap it. */
static void
idle_holder_stop(struct idle_holder *h)
{
	tu_notify(h->down[1]);
	tap_reap(h->pid);
	tu_pipe_close(h->up);
	tu_pipe_close(h->down);
}

/*
 * max_clients = 40: uid 65534 holds every slot it can, idle; fewer than
 * 40 (the reserve), root still gets in at once, and ringd closes the idle
 * ones after the default hello_timeout_ms (5 s).
 */
TAP_TEST_ROOT(test_reserve, "hostile-conn-reserve", 60,
    "not root: cannot run a helper as uid 65534")
{
	struct idle_holder h;
	unsigned n;

	td_begin(&d, "max_clients = 40\n");
	/* 5 s from the first connection, and slack */
	n = idle_holder_start(&h, 60, 8000);
	tap_diag("uid %u holds %u idle connections of max_clients 40",
	    TD_NOBODY, n);
	if (n >= 40)
		TD_FAIL(&d, "uid %u took all %u slots", TD_NOBODY, n);
	TAP_ASSERT(n >= 40 - 16);
	root_gets_in(n + 1);
	TAP_ASSERT(td_log_has(&d, "refusing a connection"));
	idle_holder_stop(&h);
	TAP_ASSERT(td_log_has(&d, "no HELLO within 5000 ms"));
	td_finish(&d);
}

/* A helper of uid: as many HELLO'd connections as ringd takes (<= max). */
static void
hold_hello(uid_t uid, unsigned max, int up, int down)
{
	int held[CONN_MAX], fd, rc;
	unsigned n = 0, i;

	if (uid == TD_NOBODY)
		td_become_nobody();
	else {
		TAP_SYS(setgroups(0, NULL));
		TAP_SYS(setresgid(uid, uid, uid));
		TAP_SYS(setresuid(uid, uid, uid));
		TAP_SYS(prctl(PR_SET_PDEATHSIG, SIGKILL));
	}
	for (i = 0; i < max; i++) {
		rc = conn_hello(&fd);
		if (rc == -EUSERS) {
			close(fd);
			break;
		}
		if (rc != 0)
			TAP_FAIL("HELLO %u: %s", i, tap_rcname(rc));
		held[n++] = fd;
	}
	TAP_EQ(write(up, &n, sizeof(n)), (ssize_t)sizeof(n));
	tu_await(down, 20000);
	for (i = 0; i < n; i++)
		close(held[i]);
	tap_child_exit();
}

/*
 * Default configuration: one uid gets max_clients_per_uid (64)
 * connections, HELLO said on each, and no more; another uid and root
 * still get in.
 */
TAP_TEST_ROOT(test_per_uid, "hostile-conn-per-uid", 60,
    "not root: cannot run a helper as uid 65534")
{
	int up[2], down[2];
	pid_t pid, other;
	unsigned n;

	td_begin(&d, NULL);
	tu_pipe(up);
	tu_pipe(down);
	if ((pid = tap_fork()) == 0)
		hold_hello(TD_NOBODY, 100, up[1], down[0]);
	n = read_count(up[0]);
	if (n != CONN_DEF_PER_UID)
		TD_FAIL(&d, "uid %u got %u connections, max_clients_per_uid "
			    "is %u",
		    TD_NOBODY, n, CONN_DEF_PER_UID);
	if ((other = tap_fork()) == 0)
		hold_hello(CONN_OTHER_UID, 3, up[1], down[0]);
	n = read_count(up[0]);
	if (n != 3)
		TD_FAIL(&d, "uid %u got %u of 3 connections", CONN_OTHER_UID,
		    n);
	root_gets_in(CONN_DEF_PER_UID + 3 + 1);
	TAP_ASSERT(td_log_has(&d, "max_clients_per_uid"));
	tu_notify(down[1]);
	tu_notify(down[1]);
	tap_reap(pid);
	tap_reap(other);
	tu_pipe_close(up);
	tu_pipe_close(down);
	td_finish(&d);
}

/*
 * hello_timeout_ms = 300: an idle connection is told -ETIMEDOUT and
 * closed after 300 ms (not before 250, not after 2 s); one that said
 * HELLO stays.
 */
TAP_TEST(test_hello_timeout, "hostile-conn-hello-timeout", 30)
{
	struct pollfd pfd;
	uint64_t t0, ms;
	int idle, ok, rc;

	td_begin(&d, "hello_timeout_ms = 300\n");
	t0 = clock_ns();
	idle = td_raw_connect(&d);
	TAP_EQ(conn_hello(&ok), 0);
	rc = conn_next(idle, 2000);
	ms = (clock_ns() - t0) / 1000000u;
	if (rc != -ETIMEDOUT)
		TD_FAIL(&d, "an idle connection: %s after %llu ms, not told "
			    "-ETIMEDOUT",
		    tap_rcname(rc), (unsigned long long)ms);
	if ((rc = conn_next(idle, 1000)) != -ECONNRESET)
		TD_FAIL(&d, "an idle connection: %s after -ETIMEDOUT, not "
			    "closed",
		    tap_rcname(rc));
	if (ms < 250)
		TD_FAIL(&d, "an idle connection closed after %llu ms of 300",
		    (unsigned long long)ms);
	tu_sleep_ms(300);
	pfd.fd = ok;
	pfd.events = POLLIN;
	pfd.revents = 0;
	TAP_EQ(poll(&pfd, 1, 0), 0);
	close(idle);
	close(ok);
	td_finish(&d);
}

/*
 * RLIMIT_NOFILE 64 for ringd: uid 65534 is refused, with a PROTO_ERROR,
 * while root still finds a descriptor and a slot.
 */
TAP_TEST_ROOT(test_nofile, "hostile-conn-nofile", 60,
    "not root: cannot run a helper as uid 65534")
{
	struct idle_holder h;
	unsigned n;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_NOFILE_64);
	n = idle_holder_start(&h, 40, 0);
	tap_diag("uid %u holds %u connections with ringd's RLIMIT_NOFILE 64",
	    TD_NOBODY, n);
	root_gets_in(n + 1);
	TAP_ASSERT(td_log_has(&d, "descriptors are short"));
	idle_holder_stop(&h);
	td_finish(&d);
}

/*
 * A scheme that reconnects by itself: register, accept one ring, keep
 * its handle serviced until stop is readable.
 */
static void
names_scheme(int ready, int stop)
{
	struct pollfd pf[2];
	struct ring_attach a;
	struct ring_ctl *c;
	struct ring *r = NULL;

	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	TAP_OK(ring_ctl_register(c, "conn-names", NULL, 0));
	tu_notify(ready);
	pf[0] = (struct pollfd){ .fd = ring_ctl_fd(c), .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = stop, .events = POLLIN };
	for (;;) {
		if (poll(pf, 2, 5) > 0 && pf[1].revents)
			break;
		(void)ring_ctl_process(c);
		if (r == NULL && ring_ctl_next_attach(c, &a) == 0)
			TAP_OK(ring_ctl_accept(c, &a, &r));
	}
	if (r != NULL)
		ring_close(r);
	ring_ctl_close(c);
}

/*
 * ringd restarts under a ring between two processes; once both hand it
 * back, ringd logs "ring N to 'x' is back: A and B", which must name the
 * consumer and the scheme, not one of them twice (client_name() used to
 * return one static buffer).
 */
TAP_TEST(test_log_names, "hostile-conn-log-names", 60)
{
	char buf[16384], want[64], *line, *and;
	int ready[2], stop[2];
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id, t0;
	pid_t scheme;

	td_begin(&d, "adopt_timeout_ms = 10000\n");
	tu_pipe(ready);
	tu_pipe(stop);
	if ((scheme = tap_fork()) == 0) {
		names_scheme(ready[1], stop[0]);
		tap_child_exit();
	}
	tu_await(ready[0], 10000);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	r = td_open(c, "conn-names", 8, 0, 0, &id);
	td_stop(&d);
	td_start(&d, "adopt_timeout_ms = 10000\n", 0);
	t0 = clock_ns();
	while (!td_log_has(&d, "is back: ")) {
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "ring %llu did not come back",
			    (unsigned long long)id);
		(void)ring_ctl_process(c);
		tu_sleep_ms(5);
	}
	TAP_ASSERT(td_read_file(d.log, buf, sizeof(buf)) > 0);
	TAP_ASSERT((line = strstr(buf, "is back: ")) != NULL);
	if ((and = strstr(line, ") and client ")) == NULL ||
	    (strchr(line, '\n') != NULL && and > strchr(line, '\n')))
		TD_FAIL(&d, "the 'is back' line does not name two clients");
	snprintf(want, sizeof(want), "(pid %d ", (int)getpid());
	if (strstr(line, want) == NULL || strstr(line, want) > and)
		TD_FAIL(&d, "the 'is back' line does not name the consumer "
			    "(pid %d) first",
		    (int)getpid());
	snprintf(want, sizeof(want), "(pid %d ", (int)scheme);
	if (strstr(and, want) == NULL ||
	    (strchr(and, '\n') != NULL && strstr(and, want) > strchr(and, '\n')))
		TD_FAIL(&d, "the 'is back' line does not name the scheme "
			    "(pid %d) second",
		    (int)scheme);
	ring_close(r);
	ring_ctl_close(c);
	tu_notify(stop[1]);
	tap_reap(scheme);
	tu_pipe_close(stop);
	tu_pipe_close(ready);
	/* the restarted ringd had clients before it could learn its idle
	 * counts (they were reconnecting): stop it without comparing */
	td_stop(&d);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
