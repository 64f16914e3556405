/*
 * t-hostile-clients.c - local clients that attack ringd and honest peers
 * through what they share: doorbell descriptions, ADOPT's claims, errnos
 * inside replies, the names schemes come back under after a restart, and
 * the timeouts of an open.  Each attack runs against a private ringd; an
 * honest root client must still be served within a second while it runs,
 * and ringd must come back to its idle descriptors and memory afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/raw.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;

/*
 * `ringctl -S SOCK submit null noop`, as root would type it: it must exit
 * 0 within ms.
 */
static void
ringctl_noop_within(unsigned ms)
{
	char bin[256];
	uint64_t t0 = clock_ns();
	pid_t pid;

	TAP_RC(build_path("RINGCTL_BIN", "ringctl/ringctl", bin,
		   sizeof(bin)),
	    0);
	pid = tap_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execl(bin, "ringctl", "-S", d.sock, "submit", "null", "noop",
		    (char *)NULL);
		_exit(127);
	}
	if (!tap_reap_within(pid, ms))
		TD_FAIL(&d, "ringctl submit null noop took more than %u ms "
			    "while attacked",
		    ms);
	tap_diag("ringctl submit null noop: %llu ms while attacked",
	    (unsigned long long)((clock_ns() - t0) / 1000000));
}

/*
 * An honest root client: connect, open a ring to the built-in null
 * scheme, one NoOp round trip, close, all in less than ms; then the same
 * through ringctl.
 */
static void
served_within(unsigned ms)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe cq;
	uint64_t t0 = clock_ns(), took;
	int rc;

	if ((rc = ring_ctl_connect(d.sock, NULL, &c)) < 0)
		TD_FAIL(&d, "root cannot connect while attacked: %s",
		    tap_rcname(rc));
	if ((rc = ring_ctl_open(c, "null",
		 &(struct ring_params){ .sq_entries = 8 }, &r, NULL)) < 0)
		TD_FAIL(&d, "root cannot open a ring while attacked: %s",
		    tap_rcname(rc));
	memset(&s, 0, sizeof(s));
	s.opcode = RING_OP_NOOP;
	s.user_data = 7;
	td_roundtrip(r, &s, &cq);
	took = (clock_ns() - t0) / 1000000;
	ring_close(r);
	ring_ctl_close(c);
	if (took >= ms)
		TD_FAIL(&d, "root's NoOp took %llu ms while attacked (bound %u)",
		    (unsigned long long)took, ms);
	tap_diag("root's connect, open and NoOp: %llu ms while attacked",
	    (unsigned long long)took);
	ringctl_noop_within(ms);
}

/* CPU time ringd used, in clock ticks. */
static uint64_t
ringd_cpu_ticks(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)d.pid);
	TAP_ASSERT(td_read_file(path, buf, sizeof(buf)) > 0);
	/* fields 14 and 15, counted after the command name's ')' */
	TAP_ASSERT((p = strrchr(buf, ')')) != NULL);
	TAP_EQ(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st),
	    2);
	return (uint64_t)ut + st;
}

/*
 * ringd must not spin while an attack holds: a doorbell it cannot drain
 * would keep its event loop busy.  Over 1 s it may use a fifth of it.
 */
static void
ringd_not_spinning(void)
{
	uint64_t t0 = ringd_cpu_ticks(), used;
	long hz = sysconf(_SC_CLK_TCK);

	tu_sleep_ms(1000);
	used = ringd_cpu_ticks() - t0;
	if (used > (uint64_t)hz / 5)
		TD_FAIL(&d, "ringd used %llu of %ld ticks in 1 s while attacked",
		    (unsigned long long)used, hz);
}

/* SIGTERM must end ringd within 2 s, attack or not. */
static void
stops_within_2s(void)
{
	TAP_SYS(kill(d.pid, SIGTERM));
	if (!td_wait_exit(&d, 2000))
		TD_FAIL(&d, "ringd did not exit within 2 s of SIGTERM");
	TAP_ASSERT(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0);
	td_cleanup(&d);
}

/*
 * What a hostile holder of a doorbell does: blocking mode on the shared
 * description, and a doorbell that cannot take one more wakeup (a full
 * socket queue, or a saturated eventfd counter).
 */
static void
doorbell_jam(int fd)
{
	struct stat st;
	uint64_t v = 0xfffffffffffffffeull;
	uint8_t one = 1;
	int n;

	TAP_SYS(fcntl(fd, F_SETFL, 0));
	TAP_SYS(fstat(fd, &st));
	if (!S_ISSOCK(st.st_mode)) {
		(void)!write(fd, &v, sizeof(v));
		return;
	}
	for (n = 0; n < 100000; n++)
		if (send(fd, &one, 1, MSG_DONTWAIT) < 0)
			break;
}

/*
 * Item 1: uid 65534 opens a ring to a built-in, jams both doorbells and
 * asks to be woken (so ringd rings its doorbell when it answers), then
 * submits.  ringd must answer it and everyone else, and stop on SIGTERM.
 */
TAP_TEST(test_doorbell_jam, "hostile-doorbell-jam", 60)
{
	int go[2], done[2];
	pid_t pid;
	char b;

	td_begin(&d, NULL);
	TAP_SYS(pipe(go));
	TAP_SYS(pipe(done));
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c;
		struct ring *r;
		struct ring_sqe s;
		int db[2], i;

		close(go[1]);
		close(done[0]);
		td_become_nobody();
		c = td_connect(&d);
		TAP_RC(ring_ctl_open(c, "null",
			   &(struct ring_params){ .sq_entries = 8 }, &r, NULL),
		    0);
		ring_get_doorbells(r, db);
		doorbell_jam(db[0]);
		doorbell_jam(db[1]);
		ring_set_spin(r, 0);
		/* asleep on the doorbell: ringd rings it when it answers */
		TAP_RC(ring_arm(r, RING_EV_IN), 0);
		memset(&s, 0, sizeof(s));
		for (i = 0; i < 8; i++)
			TAP_RC(ring_sq_push(r, &s), 0);
		doorbell_jam(db[0]);
		doorbell_jam(db[1]);
		TAP_EQ(write(done[1], "j", 1), 1);
		(void)!read(go[0], &b, 1); /* hold everything until told */
		tap_child_exit();
	}
	close(go[0]);
	close(done[1]);
	TAP_EQ(read(done[0], &b, 1), 1);
	served_within(1000);
	ringd_not_spinning();
	served_within(1000);
	close(go[1]);
	tap_reap(pid);
	close(done[0]);
	served_within(1000);
	td_settle(&d);
	stops_within_2s();
}

/* A pair of our own making, as any local process can make one. */
static void
own_pair(struct ring_fds *f, uint32_t entries)
{
	TAP_RC(ring_pair_create(&(struct ring_params){ .sq_entries = entries },
		   f),
	    0);
}

/* A fresh pair of entries, ADOPTed as a consumer of "null": err; closed. */
static void
adopt_null(int fd, uint32_t entries, int err)
{
	struct ring_fds f;
	uint64_t id;

	own_pair(&f, entries);
	TAP_RC(raw_adopt(fd, RING_ROLE_CONSUMER, "null", 0, NULL, &f, &id),
	    err);
	ring_fds_close(&f);
}

/*
 * Item 2: ADOPT claiming ring id UINT64_MAX (and ids of live rings) must
 * not steer ringd's ids: the adopted ring gets an id ringd issues, new
 * rings never collide with live ones, and the victim can close its ring.
 */
TAP_TEST(test_adopt_ids, "hostile-adopt-ids", 60)
{
	struct ring_ctl *c;
	struct ring *victim, *later;
	struct ring_fds f, g;
	uint64_t vid, aid, aid2, lid;
	int fd;

	td_begin(&d, "adopt_timeout_ms = 60000\n");
	c = td_connect(&d);
	victim = td_open(c, "null", 8, 0, 0, &vid);
	fd = raw_open(d.sock, "attacker");
	TAP_SYS(fd);
	own_pair(&f, 8);
	TAP_RC(raw_adopt(fd, RING_ROLE_CONSUMER, "null", UINT64_MAX, NULL, &f,
		   &aid),
	    0);
	if (aid == UINT64_MAX)
		TD_FAIL(&d, "ADOPT took the claimed id UINT64_MAX");
	own_pair(&g, 8);
	TAP_RC(raw_adopt(fd, RING_ROLE_CONSUMER, "null", vid, NULL, &g, &aid2),
	    0);
	if (aid2 == vid)
		TD_FAIL(&d, "ADOPT took the live ring's id %llu",
		    (unsigned long long)vid);
	later = td_open(c, "null", 8, 0, 0, &lid);
	TAP_ASSERT(lid != vid && lid != aid && lid != aid2);
	TAP_ASSERT(lid > vid);
	/* the victim's rings are its own to close */
	td_close_ring(c, victim, vid);
	td_close_ring(c, later, lid);
	close(fd);
	ring_fds_close(&f);
	ring_fds_close(&g);
	td_await_ring_gone(c, aid);
	td_await_ring_gone(c, aid2);
	served_within(1000);
	td_end(&d, c);
}

/*
 * Items 2 and 7: rings the last ringd did not leave are refused once the
 * adopt window is over; adopted rings meet today's limits, and one
 * connection cannot fill ringd with rings waiting for their other side.
 */
TAP_TEST(test_adopt_limits, "hostile-adopt-limits", 60)
{
	struct ring_fds f[6];
	uint64_t id;
	unsigned i;
	int fd;

	td_begin(&d, "max_entries = 64\nmax_rings_per_client = 4\n"
		     "adopt_timeout_ms = 60000\n");
	fd = raw_open(d.sock, "attacker");
	TAP_SYS(fd);
	/* over max_entries */
	adopt_null(fd, 256, -E2BIG);
	/* a producer's waiting records count against max_rings_per_client */
	TAP_RC(raw_register(fd, "t-hostile"), 0);
	for (i = 0; i < 5; i++) {
		own_pair(&f[i], 8);
		TAP_RC(raw_adopt(fd, RING_ROLE_PRODUCER, "t-hostile", 0, NULL,
			   &f[i], &id),
		    i < 4 ? 0 : -EMFILE);
	}
	/* a pipe is no doorbell */
	{
		int p[2];

		own_pair(&f[5], 8);
		TAP_SYS(pipe(p));
		close(f[5].doorbell[1]);
		f[5].doorbell[1] = p[1];
		TAP_RC(raw_adopt(fd, RING_ROLE_CONSUMER, "null", 0, NULL,
			   &f[5], &id),
		    -EINVAL);
		close(p[0]);
		ring_fds_close(&f[5]);
	}
	close(fd);
	for (i = 0; i < 5; i++)
		ring_fds_close(&f[i]);
	td_finish(&d);

	/* past the window, with nothing recorded: nothing to adopt */
	td_begin(&d, "adopt_timeout_ms = 200\n");
	tu_sleep_ms(400);
	fd = raw_open(d.sock, "attacker");
	TAP_SYS(fd);
	adopt_null(fd, 8, -ENOENT);
	close(fd);
	td_finish(&d);
}

/*
 * Items 7 and 9: one uid with many connections may not take every ring
 * (OPEN and ADOPT alike count for it); root still opens.
 */
TAP_TEST(test_rings_per_uid, "hostile-rings-per-uid", 60)
{
	pid_t pid;

	int go[2], done[2];
	char b;

	td_begin(&d, "max_rings_per_uid = 6\nadopt_timeout_ms = 60000\n");
	TAP_SYS(pipe(go));
	TAP_SYS(pipe(done));
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c[3];
		struct ring *r[6];
		struct ring_fds f;
		uint64_t id;
		unsigned i;
		int fd, rc;

		td_become_nobody();
		for (i = 0; i < 3; i++)
			c[i] = td_connect(&d);
		for (i = 0; i < 5; i++)
			r[i] = td_open(c[i % 3], "null", 8, 0, 0, NULL);
		/* the sixth by ADOPT, then nothing more on any connection */
		fd = raw_open(d.sock, "attacker");
		TAP_SYS(fd);
		own_pair(&f, 8);
		TAP_RC(raw_adopt(fd, RING_ROLE_CONSUMER, "null", 0, NULL, &f,
			   &id),
		    0);
		for (i = 0; i < 3; i++) {
			rc = ring_ctl_open(c[i], "null",
			    &(struct ring_params){ .sq_entries = 8 }, &r[5],
			    NULL);
			TAP_RC(rc, -EMFILE);
		}
		ring_fds_close(&f);
		adopt_null(fd, 8, -EMFILE);
		/* root is not held back by it */
		TAP_EQ(write(done[1], "f", 1), 1);
		TAP_EQ(read(go[0], &b, 1), 1);
		/* one closed: room for one */
		ring_close(r[0]);
		ring_ctl_close(c[0]);
		c[0] = td_connect(&d);
		for (;;) {
			rc = ring_ctl_open(c[0], "null",
			    &(struct ring_params){ .sq_entries = 8 }, &r[0],
			    NULL);
			if (rc == 0)
				break;
			TAP_RC(rc, -EMFILE); /* ringd has yet to see c[0] go */
			tu_sleep_ms(10);
		}
		close(fd);
		tap_child_exit();
	}
	TAP_EQ(read(done[0], &b, 1), 1);
	served_within(1000);
	TAP_EQ(write(go[1], "g", 1), 1);
	tap_reap(pid);
	tu_pipe_close(go);
	tu_pipe_close(done);
	td_finish(&d);
}

/*
 * Item 6: a producer's ADOPT names the consumer it served.  ringd must
 * not show that claim (uid 0, pid 1, an escape sequence as comm), and the
 * claimed pid, alive for ever, must not keep the ring waiting for ever.
 */
TAP_TEST(test_adopt_forged_peer, "hostile-adopt-forged-peer", 60)
{
	struct ring_ctl *c;
	struct ring_ctl_ring rec;
	struct ring_ctl_peer fake;
	struct ring_fds f;
	uint64_t id, t0;
	int fd;

	td_begin(&d, "adopt_timeout_ms = 3000\n");
	c = td_connect(&d);
	fd = raw_open(d.sock, "attacker");
	TAP_SYS(fd);
	TAP_RC(raw_register(fd, "t-forged"), 0);
	own_pair(&f, 8);
	memset(&fake, 0, sizeof(fake));
	fake.pid = 1;
	fake.uid = 0;
	memcpy(fake.comm, "\033[2Jsystemd", 11);
	TAP_RC(raw_adopt(fd, RING_ROLE_PRODUCER, "t-forged", 0, &fake, &f,
		   &id),
	    0);
	TAP_ASSERT(td_find_ring(c, id, &rec));
	if (rec.consumer.pid == 1 || strstr(rec.consumer.comm, "systemd"))
		TD_FAIL(&d, "ringd shows the claimed consumer pid %u '%s'",
		    rec.consumer.pid, rec.consumer.comm);
	/* pid 1 lives for ever: the ring must not wait for it */
	t0 = clock_ns();
	while (td_find_ring(c, id, &rec) && rec.state == RING_CTL_ADOPTING) {
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "ring %llu still waits for its claimed "
				    "consumer after 10 s",
			    (unsigned long long)id);
		tu_sleep_ms(50);
	}
	close(fd);
	ring_fds_close(&f);
	td_await_ring_gone(c, id);
	td_end(&d, c);
}

/*
 * Item 4: a scheme refuses an open with -ECONNRESET, an errno it chose.
 * The consumer's handle, set to reconnect, must not take it for a broken
 * connection: its other ring stays running and its connection stays.
 */
TAP_TEST(test_reply_errno, "hostile-reply-errno", 60)
{
	struct ring_ctl *c, *s, *probe;
	struct ring_ctl_ring rec;
	struct ring_attach a;
	struct ring *keep, *r;
	uint64_t kid;
	pid_t pid;
	int rc;

	td_begin(&d, NULL);
	probe = td_connect(&d);
	s = td_connect(&d);
	TAP_RC(ring_ctl_register(s, "t-refuser", NULL, 0), 0);
	pid = tap_fork();
	if (pid == 0) {
		/* the scheme: refuse every open with -ECONNRESET */
		for (;;) {
			rc = ring_ctl_wait_attach(s, &a, 10000);
			if (rc < 0)
				break;
			TAP_RC(ring_ctl_refuse(s, &a, -ECONNRESET), 0);
		}
		tap_child_exit();
	}
	ring_ctl_close(s);
	c = td_connect(&d);
	TAP_RC(ring_ctl_set_reconnect(c, true), 0);
	keep = td_open(c, "null", 8, 0, 0, &kid);
	rc = ring_ctl_open(c, "t-refuser",
	    &(struct ring_params){ .sq_entries = 8 }, &r, NULL);
	TAP_RC(rc, -ECONNRESET);
	TAP_ASSERT(ring_ctl_connected(c));
	TAP_ASSERT(td_find_ring(probe, kid, &rec));
	if (rec.state != RING_CTL_RUNNING)
		TD_FAIL(&d, "the consumer's other ring is %s after a refusal",
		    rec.state == RING_CTL_DROPPED ? "dropped" : "not running");
	TAP_ASSERT(!ring_is_dropped(keep));
	td_close_ring(c, keep, kid);
	ring_ctl_close(c);
	tap_kill(pid);
	td_end(&d, probe);
}

/* Keep trying to take name as uid 65534 until told to stop; report. */
static pid_t
squatter_start(const char *name, int *stop_w, int *res_r)
{
	int stop[2], res[2];
	pid_t pid;

	TAP_SYS(pipe(stop));
	TAP_SYS(pipe(res));
	pid = tap_fork();
	if (pid == 0) {
		unsigned tries = 0, got = 0;
		char b;

		close(stop[1]);
		close(res[0]);
		TAP_SYS(fcntl(stop[0], F_SETFL, O_NONBLOCK));
		td_become_nobody();
		while (read(stop[0], &b, 1) < 0) {
			int fd = raw_open(d.sock, "squatter");

			if (fd >= 0) {
				tries++;
				if (raw_register(fd, name) == 0) {
					got++;
					/* hold it a while, as a thief would */
					tu_sleep_ms(200);
				}
				close(fd);
			} else
				tu_sleep_ms(2);
		}
		TAP_EQ(write(res[1], &got, sizeof(got)), (ssize_t)sizeof(got));
		TAP_EQ(write(res[1], &tries, sizeof(tries)),
		    (ssize_t)sizeof(tries));
		tap_child_exit();
	}
	close(stop[0]);
	close(res[1]);
	*stop_w = stop[1];
	*res_r = res[0];
	return pid;
}

/* A scheme process that serves NoOps on one ring across restarts. */
static pid_t
victim_scheme_start(const char *name)
{
	struct ring_ctl *s;
	pid_t pid;

	s = td_connect(&d);
	TAP_RC(ring_ctl_set_reconnect(s, true), 0);
	TAP_RC(ring_ctl_register(s, name, NULL, 0), 0);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_attach a;
		struct ring_sqe sqe;
		struct ring_cqe cqe;
		struct ring *r;

		TAP_RC(ring_ctl_wait_attach(s, &a, 10000), 0);
		TAP_RC(ring_ctl_accept(s, &a, &r), 0);
		for (;;) {
			int rc = ring_ctl_process(s);

			if (rc < 0)
				TAP_FAIL("the scheme lost its name or ring: %s",
				    tap_rcname(rc));
			while (ring_sq_pop(r, &sqe) == 0) {
				memset(&cqe, 0, sizeof(cqe));
				cqe.user_data = sqe.user_data;
				TAP_RC(ring_cq_push(r, &cqe), 0);
			}
			tu_sleep_ms(2);
		}
	}
	ring_ctl_close(s);
	return pid;
}

/* One NoOp through r, with the handle's reconnection driven meanwhile. */
static void
noop_through(struct ring_ctl *c, struct ring *r, uint64_t ud)
{
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	uint64_t t0 = clock_ns();

	memset(&sqe, 0, sizeof(sqe));
	sqe.user_data = ud;
	TAP_RC(ring_sq_push(r, &sqe), 0);
	while (ring_cq_pop(r, &cqe) != 0) {
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "no answer to NoOp %llu in 10 s",
			    (unsigned long long)ud);
		(void)ring_ctl_process(c);
		tu_sleep_ms(2);
	}
	TAP_EQ_U(cqe.user_data, ud);
}

/*
 * Item 5: during a restart another uid keeps trying to register the name
 * of a live scheme whose ring is being adopted.  The name stays the
 * scheme's (it gets it back when it reconnects), the ring comes back
 * under its old id with the same consumer, and the squatter never holds
 * the name.
 */
TAP_TEST(test_name_reserved, "hostile-name-reserved", 120)
{
	struct ring_ctl *c, *probe;
	struct ring_ctl_scheme sc;
	struct ring_ctl_ring rec;
	struct ring *r;
	uint64_t id, t0;
	unsigned got = 99, tries = 0;
	int stop_w, res_r;
	pid_t scheme, sq;

	td_begin(&d, "adopt_timeout_ms = 5000\n");
	scheme = victim_scheme_start("t-victim");
	c = td_connect(&d);
	TAP_RC(ring_ctl_set_reconnect(c, true), 0);
	TAP_RC(ring_ctl_open(c, "t-victim",
		   &(struct ring_params){ .sq_entries = 8 }, &r, &id),
	    0);
	noop_through(c, r, 1);
	sq = squatter_start("t-victim", &stop_w, &res_r);
	td_stop(&d);
	td_start(&d, "adopt_timeout_ms = 5000\n", 0);
	noop_through(c, r, 2);
	probe = td_connect(&d);
	t0 = clock_ns();
	for (;;) {
		(void)ring_ctl_process(c);
		if (td_find_ring(probe, id, &rec) &&
		    rec.state == RING_CTL_RUNNING)
			break;
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "ring %llu did not come back in 10 s",
			    (unsigned long long)id);
		tu_sleep_ms(10);
	}
	TAP_ASSERT(td_find_scheme(probe, "t-victim", &sc));
	TAP_EQ_U(sc.owner.uid, 0);
	TAP_EQ_U(rec.producer.uid, 0);
	TAP_EQ_U(rec.consumer.pid, (uint64_t)getpid());
	/* the squatter went on trying while it all came back */
	tu_sleep_ms(300);
	TAP_EQ(write(stop_w, "s", 1), 1);
	TAP_EQ(read(res_r, &got, sizeof(got)), (ssize_t)sizeof(got));
	TAP_EQ(read(res_r, &tries, sizeof(tries)), (ssize_t)sizeof(tries));
	tap_reap(sq);
	close(stop_w);
	close(res_r);
	tap_diag("the squatter tried %u times", tries);
	TAP_ASSERT(tries > 0);
	if (got != 0)
		TD_FAIL(&d, "uid 65534 registered 't-victim' %u times during "
			    "the restart",
		    got);
	noop_through(c, r, 3);
	tap_kill(scheme);
	td_close_ring(c, r, id);
	ring_ctl_close(c);
	ring_ctl_close(probe);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * Item 12: a consumer of a ring ringd serves itself, without
 * reconnection, must learn that ringd died (SIGKILL: nobody sets DROP)
 * instead of waiting for ever for an answer.
 */
TAP_TEST(test_builtin_ringd_killed, "hostile-builtin-ringd-killed", 30)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe s;
	uint64_t t0, took;
	int rc;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "null", 8, 0, 0, NULL);
	td_kill(&d);
	memset(&s, 0, sizeof(s));
	TAP_RC(ring_sq_push(r, &s), 0);
	t0 = clock_ns();
	rc = ring_wait(r, RING_EV_IN, 10000000000ll);
	took = (clock_ns() - t0) / 1000000;
	if (rc != -ESHUTDOWN)
		TAP_FAIL("ring_wait() after ringd was killed: %s after %llu ms",
		    tap_rcname(rc), (unsigned long long)took);
	tap_diag("ring_wait() saw ringd gone after %llu ms",
	    (unsigned long long)took);
	ring_close(r);
	ring_ctl_close(c);
	td_cleanup(&d);
}

/*
 * The rings of one connection share its guard on ringd: with one of them
 * closed first, each of the others still learns that ringd died.
 */
TAP_TEST(test_builtin_ringd_killed_rings, "hostile-builtin-ringd-killed-rings",
    30)
{
	struct ring_ctl *c;
	struct ring *r[3];
	struct ring_sqe s;
	uint64_t id;
	int i, rc;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r[0] = td_open(c, "null", 8, 0, 0, &id);
	r[1] = td_open(c, "zero", 8, 0, 0, NULL);
	r[2] = td_open(c, "null", 8, 0, 0, NULL);
	td_close_ring(c, r[0], id);
	td_kill(&d);
	memset(&s, 0, sizeof(s));
	for (i = 1; i < 3; i++) {
		TAP_RC(ring_sq_push(r[i], &s), 0);
		rc = ring_wait(r[i], RING_EV_IN, 10000000000ll);
		if (rc != -ESHUTDOWN)
			TAP_FAIL("ring %d: ring_wait() after ringd was killed: "
				 "%s",
			    i, tap_rcname(rc));
		ring_close(r[i]);
	}
	ring_ctl_close(c);
	td_cleanup(&d);
}

/* The fake ringd below: the next request, within ms. */
static int
fake_next(int fd, struct proto_msg *m, unsigned ms)
{
	uint64_t t0 = clock_ns();
	int rc;

	while ((rc = proto_recv(fd, m)) == -EAGAIN) {
		if (clock_ns() - t0 > (uint64_t)ms * 1000000)
			return -ETIMEDOUT;
		tu_sleep_ms(5);
	}
	return rc;
}

/*
 * A ringd that answers an OPEN only after the client gave up, and then
 * reports (exit 0) whether the client closed the ring it never got.
 */
static void
fake_late_ringd(int lfd)
{
	struct proto_hello_reply h;
	struct proto_open_reply o;
	struct proto_reply cr;
	struct proto_msg m;
	struct ring_fds f;
	uint64_t t0;
	bool undone = false;
	int fd, fds[3];

	TAP_SYS(fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	TAP_RC(fake_next(fd, &m, 5000), 0);
	TAP_EQ(m.hdr.type, PROTO_HELLO);
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	TAP_RC(proto_send(fd, PROTO_HELLO | PROTO_REPLY, m.hdr.seq, &h,
		   sizeof(h), NULL, 0),
	    0);
	TAP_RC(fake_next(fd, &m, 5000), 0);
	TAP_EQ(m.hdr.type, PROTO_OPEN);
	tu_sleep_ms(RING_CTL_TIMEOUT_MS + 500);
	own_pair(&f, 8);
	memset(&o, 0, sizeof(o));
	o.ring_id = 42;
	fds[0] = f.mem;
	fds[1] = f.doorbell[0];
	fds[2] = f.doorbell[1];
	TAP_RC(proto_send(fd, PROTO_OPEN | PROTO_REPLY, m.hdr.seq, &o,
		   sizeof(o), fds, 3),
	    0);
	ring_fds_close(&f);
	/* answer every CLOSE; the one for ring 42 is the undo */
	t0 = clock_ns();
	while (!undone && clock_ns() - t0 < 10000000000ull) {
		if (fake_next(fd, &m, 1000) < 0)
			continue;
		if (m.hdr.type != PROTO_CLOSE)
			continue;
		if (((struct proto_ring_ref *)m.body.raw)->ring_id == 42)
			undone = true;
		memset(&cr, 0, sizeof(cr));
		(void)proto_send(fd, PROTO_CLOSE | PROTO_REPLY, m.hdr.seq, &cr,
		    sizeof(cr), NULL, 0);
	}
	if (!undone)
		TAP_FAIL("the client never closed the ring whose OPEN reply "
			 "came late");
	close(fd);
}

/*
 * Item 11: an OPEN answered after the client gave up leaves a ring that
 * the client's connection holds and nobody can use: libring closes it
 * as soon as the late reply arrives.
 */
TAP_TEST(test_late_reply_undone, "hostile-late-reply-undone", 60)
{
	struct sockaddr_un sa;
	struct ring_ctl *c;
	struct ring *r;
	char dir[] = "/tmp/t-late.XXXXXX";
	pid_t pid;
	int lfd, rc;

	TAP_ASSERT(mkdtemp(dir) != NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/fake.sock", dir);
	TAP_SYS(lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(listen(lfd, 4));
	pid = tap_fork();
	if (pid == 0) {
		fake_late_ringd(lfd);
		tap_child_exit();
	}
	close(lfd);
	TAP_RC(ring_ctl_connect(sa.sun_path, NULL, &c), 0);
	rc = ring_ctl_open(c, "late", &(struct ring_params){ .sq_entries = 8 },
	    &r, NULL);
	TAP_RC(rc, -ETIMEDOUT);
	/* the next call reads the late reply on its way */
	TAP_RC(ring_ctl_close_ring(c, 7), 0);
	tap_reap(pid);
	ring_ctl_close(c);
	unlink(sa.sun_path);
	rmdir(dir);
}

/* Item 11: ringd never holds an open longer than libring waits for it. */
TAP_TEST(test_accept_timeout_cap, "hostile-accept-timeout-cap", 30)
{
	memset(&d, 0, sizeof(d));
	td_start(&d, "accept_timeout_ms = 600000\n", TD_NO_WAIT);
	if (!td_wait_exit(&d, 5000))
		TD_FAIL(&d, "ringd started with accept_timeout_ms = 600000, "
			    "longer than a client waits for an open");
	TAP_ASSERT(WIFEXITED(d.status) && WEXITSTATUS(d.status) != 0);
	TAP_ASSERT(td_log_has(&d, "accept_timeout_ms"));
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
