/*
 * t-ctl-status.c - the ringd control plane through libring's client,
 * against a private ringd: hello and status with the client list,
 * connecting to a busy ringd, the per-client descriptor budget and the
 * global limits on rings and schemes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"
#include "lib/scheme.h"

/* The ringd of the running sub-test (each sub-test is its own process). */
static struct td d;

/* --- hello, status, clients ----------------------------------------- */

TAP_TEST(test_status, "ctl-status-clients", 30)
{
	struct ring_ctl *c, *c2;
	struct ring_ctl_status st;
	struct ring_ctl_client *cl;
	struct sockaddr_un sa;
	char comm[RING_CTL_COMM_MAX], stale[100];
	uint32_t ver = 0;
	size_t n, i, mine = 0;
	int fd;

	td_begin(&d, NULL);
	TAP_RC(ring_ctl_connect(d.sock, &ver, &c), 0);
	TAP_EQ(ver, PROTO_VERSION);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d.pid);
	TAP_EQ(st.version, PROTO_VERSION);
	if (strncmp(st.server, "ringd ", 6) != 0)
		TAP_FAIL("server string '%s' does not name ringd", st.server);
	TAP_ASSERT(st.uptime_ns > 0);
	/* the three built-ins count as schemes */
	TAP_EQ(st.schemes, 3);
	TAP_EQ(st.rings, 0);
	TAP_EQ(st.clients, 1);

	/* a second client counts while it is there */
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.clients, 2);
	ring_ctl_close(c2);
	td_await_clients(c, 1, &st);

	/* list_clients shows us with our credentials and name */
	ts_self_comm(comm, sizeof(comm));
	TAP_RC(ring_ctl_list_clients(c, &cl, &n), 0);
	TAP_EQ(n, 1);
	for (i = 0; i < n; i++) {
		if (cl[i].peer.pid != (uint32_t)getpid())
			continue;
		mine++;
		TAP_EQ(cl[i].peer.uid, getuid());
		TAP_EQ(cl[i].peer.gid, getgid());
		if (strcmp(cl[i].peer.comm, comm) != 0)
			TAP_FAIL("client comm '%s', expected '%s'",
			    cl[i].peer.comm, comm);
		TAP_EQ(cl[i].schemes, 0);
		TAP_EQ(cl[i].rings, 0);
		TAP_ASSERT(cl[i].client_id != 0);
	}
	TAP_EQ(mine, 1);
	free(cl);
	ring_ctl_close(c);

	/* nothing listening: the library tells the two cases apart */
	TAP_ASSERT(strlen(d.dir) + sizeof("/none.sock") <= sizeof(stale));
	memcpy(stale, d.dir, strlen(d.dir));
	memcpy(stale + strlen(d.dir), "/none.sock", sizeof("/none.sock"));
	TAP_RC(ring_ctl_connect(stale, NULL, &c), -ENOENT);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, stale, strlen(stale) + 1);
	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_RC(ring_ctl_connect(stale, NULL, &c), -ECONNREFUSED);
	close(fd);
	unlink(stale);
	td_finish(&d);
}

/*
 * ringd is busy (stopped for a moment) and its listen backlog is full: a
 * client's connect must wait for it, not fail at once with -EAGAIN; the
 * library documents only -ENOENT/-ECONNREFUSED for "not running" and
 * -ETIMEDOUT for "no answer".
 */
TAP_TEST(test_connect_busy, "ctl-connect-busy", 30)
{
	struct sockaddr_un sa;
	int fds[1024];
	unsigned n = 0, i;
	int fd;
	pid_t pid;

	td_begin(&d, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, d.sock, strlen(d.sock) + 1);
	TAP_SYS(kill(d.pid, SIGSTOP));
	/* fill the backlog while ringd cannot accept */
	for (;;) {
		fd = n < 1024
		    ? socket(AF_UNIX,
			  SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
		    : -1;
		if (fd < 0 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = fd < 0 ? EMFILE : errno;

			if (fd >= 0)
				close(fd);
			if (e != EAGAIN) {
				kill(d.pid, SIGCONT);
				TAP_FAIL("could not fill ringd's backlog: "
					 "connect "
					 "%u: %s",
				    n, tap_rcname(-e));
			}
			break;
		}
		fds[n++] = fd;
	}
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c;
		struct ring_ctl_status st;
		int rc = ring_ctl_connect(d.sock, NULL, &c);

		if (rc < 0)
			TAP_FAIL("ring_ctl_connect to a busy ringd (backlog "
				 "full, "
				 "back in 300 ms) = %s",
			    tap_rcname(rc));
		TAP_RC(ring_ctl_status(c, &st), 0);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tu_sleep_ms(300);
	for (i = 0; i < n; i++)
		close(fds[i]);
	TAP_SYS(kill(d.pid, SIGCONT));
	tap_reap(pid);
	td_finish(&d);
}

/* max_rings and max_schemes count across clients: -ENFILE past them. */
TAP_TEST(test_global_limits, "ctl-global-limits", 30)
{
	struct ring_ctl *c1, *c2;
	struct ring_params p = { .sq_entries = 2 };
	struct ring *r[4];
	uint64_t id;

	td_begin(&d,
	    "max_rings = 3\nmax_schemes = 4\nmax_schemes_per_client = 3\n"
	    "max_rings_per_client = 2\n");
	c1 = td_connect(&d);
	c2 = td_connect(&d);
	r[0] = td_open(c1, "null", 2, 0, 0, NULL);
	r[1] = td_open(c1, "echo", 2, 0, 0, NULL);
	TAP_RC(ring_ctl_open(c1, "zero", &p, &r[3], NULL), -EMFILE);
	r[2] = td_open(c2, "null", 2, 0, 0, &id);
	TAP_RC(ring_ctl_open(c2, "null", &p, &r[3], NULL), -ENFILE);
	/* one closed: room again */
	ring_close(r[2]);
	TAP_RC(ring_ctl_close_ring(c2, id), 0);
	r[2] = td_open(c2, "zero", 2, 0, 0, NULL);

	TAP_RC(ring_ctl_register(c1, "s1", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s2", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s3", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s4", NULL, 0), -EMFILE);
	TAP_RC(ring_ctl_register(c2, "s4", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c2, "s5", NULL, 0), -ENFILE);
	TAP_RC(ring_ctl_unregister(c1, "s1"), 0);
	TAP_RC(ring_ctl_register(c2, "s5", NULL, 0), 0);
	ring_close(r[0]);
	ring_close(r[1]);
	ring_close(r[2]);
	ring_ctl_close(c1);
	td_end(&d, c2);
}

/*
 * Open rings on c, alternating two built-ins, until ringd refuses one or
 * 64 are open; the refusal in *rc (0 when none).
 */
static unsigned
st_open_all(struct ring_ctl *c, struct ring **r, uint64_t *id, int *rc)
{
	struct ring_params p = { .sq_entries = 2 };
	unsigned n = 0;

	*rc = 0;
	while (n < 64 &&
	    (*rc = ring_ctl_open(c, n % 2 ? "null" : "echo", &p, &r[n],
		 &id[n])) == 0)
		n++;
	return n;
}

/* Close n rings on our side and through ringd. */
static void
st_close_all(struct ring_ctl *c, struct ring **r, const uint64_t *id,
    unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		ring_close(r[i]);
		TAP_RC(ring_ctl_close_ring(c, id[i]), 0);
	}
}

/*
 * Wait up to 5 s until ringd holds at most max descriptors: a closed
 * ring's are freed after the reply, when ringd has nothing else to do.
 */
static void
st_await_fds(pid_t pid, int max)
{
	int k, now = -1;

	for (k = 0; k < 500; k++) {
		if ((now = td_count_fds(pid)) >= 0 && now <= max)
			return;
		usleep(10000);
	}
	TAP_FAIL("ringd holds %d descriptors, not at most %d", now, max);
}

/*
 * Open rings on c until ringd refuses one: -ENFILE, with some open and
 * descriptors left for a new client.  Returns how many are open.
 */
static unsigned
st_open_to_reserve(struct ring_ctl *c, struct ring **r, uint64_t *id,
    const char *what)
{
	struct ring_ctl_status st;
	struct ring_ctl *c2;
	unsigned n;
	int rc;

	n = st_open_all(c, r, id, &rc);
	tap_diag("%u rings with RLIMIT_NOFILE %s", n, what);
	TAP_RC(rc, -ENFILE);
	TAP_ASSERT(n > 0);
	/* descriptors are left for a new client */
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_status(c2, &st), 0);
	TAP_EQ_U(st.rings, n);
	ring_ctl_close(c2);
	return n;
}

/*
 * With few descriptors, rings stop with -ENFILE while some are still free:
 * ringd never runs itself out of descriptors for new clients.
 */
TAP_TEST(test_fd_budget, "ctl-fd-budget", 30)
{
	struct ring_ctl *c;
	struct ring *r[64];
	uint64_t id[64];
	unsigned n, i;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_NOFILE_64);
	c = td_connect(&d);
	n = st_open_to_reserve(c, r, id, "64");
	for (i = 0; i < n; i++)
		ring_close(r[i]);
	td_end(&d, c);
}

/*
 * ringd reads its descriptor limit once; lowered from outside while it
 * runs (prlimit, as an operator would), the limit holds from the first
 * refusal on: an OPEN that finds no descriptor fails cleanly, ringd
 * reads the limit again, and the rings opened after that leave the
 * reserve free for a new client, as with the limit it started with.
 */
TAP_TEST(test_fd_budget_lowered, "ctl-fd-budget-lowered", 30)
{
	const struct rlimit low = { 64, 64 };
	struct ring_params p = { .sq_entries = 2 };
	struct ring_ctl *c, *c2;
	struct ring_ctl_status st;
	struct ring *r[64];
	uint64_t id[64];
	unsigned n;
	int rc, fds0;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	c = td_connect(&d);
	c2 = td_connect(&d);
	/* a ring opened and closed: the limit has been read */
	TAP_RC(ring_ctl_open(c, "null", &p, &r[0], &id[0]), 0);
	st_close_all(c, r, id, 1);
	TAP_ASSERT((fds0 = td_count_fds(d.pid)) > 0);
	TAP_OK(prlimit(d.pid, RLIMIT_NOFILE, &low, NULL));
	n = st_open_all(c, r, id, &rc);
	tap_diag("%u rings before the first refusal", n);
	TAP_ASSERT(rc == -EMFILE || rc == -ENFILE);
	TAP_ASSERT(n < 64);
	td_assert_alive(&d);
	TAP_RC(ring_ctl_status(c2, &st), 0);
	TAP_EQ_U(st.rings, n);
	st_close_all(c, r, id, n);
	st_await_fds(d.pid, fds0);
	/* the refusal taught ringd the limit: the reserve holds again */
	n = st_open_to_reserve(c, r, id, "lowered to 64");
	st_close_all(c, r, id, n);
	ring_ctl_close(c2);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
