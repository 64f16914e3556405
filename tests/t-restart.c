/*
 * t-restart.c - ringd restarts while rings carry traffic.
 *
 * A scheme process and a consumer, both with handles set to reconnect
 * (ring_ctl_set_reconnect()), exchange NoOps over several rings; ringd is
 * stopped and started again on the same socket.  The rings keep carrying
 * requests while ringd is away (their data path never went through it),
 * both sides reconnect and hand their rings to the new ringd, whose model
 * shows them again under their ids with both peers; new rings open, and
 * dead-peer handling works on the adopted rings.  A side that does not
 * come back is treated as gone after adopt_timeout_ms.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"

#define RS_SCHEME "t-restart"
#define RS_RINGS 8
#define RS_WINDOW 4
/* long enough for both sides to come back even under valgrind */
#define RS_CONF "adopt_timeout_ms = 10000\n"

static struct td d;

/*
 * The scheme: register, accept every ring, answer each NoOp with its
 * user_data (hold: answer nothing), reconnecting to ringd by itself.
 * Ends when stop is closed.
 */
static void
rs_scheme(int ready, int stop, bool hold)
{
	struct ring_ctl *c = NULL;
	struct ring *r[RS_RINGS * 2];
	struct ring_attach a;
	struct ring_sqe s;
	struct ring_cqe q;
	unsigned n = 0, i;
	struct pollfd pf[2];

	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	TAP_OK(ring_ctl_register(c, RS_SCHEME, NULL, 0));
	TAP_RC(write(ready, "r", 1), 1);
	pf[0] = (struct pollfd){ .fd = ring_ctl_fd(c), .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = stop, .events = POLLIN };
	for (;;) {
		if (poll(pf, 2, 1) > 0 && pf[1].revents)
			break;
		while (n < RS_RINGS * 2 && ring_ctl_next_attach(c, &a) == 0)
			TAP_OK(ring_ctl_accept(c, &a, &r[n++]));
		for (i = 0; i < n && !hold; i++)
			while (ring_sq_pop(r[i], &s) == 0) {
				memset(&q, 0, sizeof(q));
				q.user_data = s.user_data;
				TAP_OK(ring_cq_push(r[i], &q));
			}
	}
	for (i = 0; i < n; i++)
		ring_close(r[i]);
	ring_ctl_close(c);
}

/* Start the scheme process; returns its pid, *stop ends it. */
static pid_t
rs_start_scheme(int *stop, bool hold)
{
	int rp[2], sp[2];
	pid_t pid;
	char b;

	TAP_SYS(pipe(rp));
	TAP_SYS(pipe(sp));
	if ((pid = tap_fork()) == 0) {
		close(rp[0]);
		close(sp[1]);
		rs_scheme(rp[1], sp[0], hold);
		tap_child_exit();
	}
	close(rp[1]);
	close(sp[0]);
	TAP_RC(read(rp[0], &b, 1), 1);
	close(rp[0]);
	*stop = sp[1];
	return pid;
}

/* The consumer's side: NoOps numbered per ring, RS_WINDOW in flight. */
struct rs_load {
	struct ring_ctl *c;
	struct ring *r[RS_RINGS];
	uint64_t id[RS_RINGS];
	uint64_t sent[RS_RINGS], done[RS_RINGS];
	uint64_t total, bad;
};

/* Carry traffic for ms, keeping the handle serviced; completions in ms. */
static uint64_t
rs_pump(struct rs_load *l, unsigned ms)
{
	uint64_t end = clock_ms() + ms;
	uint64_t before = l->total;
	struct ring_sqe s;
	struct ring_cqe q;
	unsigned i;

	do {
		(void)ring_ctl_process(l->c);
		for (i = 0; i < RS_RINGS; i++) {
			while (ring_cq_pop(l->r[i], &q) == 0) {
				if (q.user_data != (uint64_t)i << 32 ||
				    q.status != 0)
					l->bad++;
				l->done[i]++;
				l->total++;
			}
			while (l->sent[i] - l->done[i] < RS_WINDOW) {
				memset(&s, 0, sizeof(s));
				s.opcode = RING_OP_NOOP;
				s.user_data = (uint64_t)i << 32;
				if (ring_sq_push(l->r[i], &s) < 0)
					break;
				l->sent[i]++;
			}
		}
		usleep(200);
	} while (clock_ms() < end);
	return l->total - before;
}

/*
 * Does ringd (seen from a fresh connection) show every ring with both
 * sides, and both sides' connections holding them again?  (While only the
 * scheme is back, the record already names the consumer it waits for.)
 */
static bool
rs_model_back(const struct rs_load *l, pid_t scheme)
{
	struct ring_ctl *o;
	struct ring_ctl_ring rec;
	struct ring_ctl_client *cl = NULL;
	size_t ncl = 0, k;
	unsigned i, found = 0;
	bool consumer_back = false;

	if (ring_ctl_connect(d.sock, NULL, &o) < 0)
		return false;
	for (i = 0; i < RS_RINGS; i++)
		if (td_find_ring(o, l->id[i], &rec) &&
		    rec.consumer.pid == (uint32_t)getpid() &&
		    rec.producer.pid == (uint32_t)scheme &&
		    strcmp(rec.scheme, RS_SCHEME) == 0 &&
		    rec.state == RING_CTL_RUNNING)
			found++;
	if (ring_ctl_list_clients(o, &cl, &ncl) == 0)
		for (k = 0; k < ncl; k++)
			if (cl[k].peer.pid == (uint32_t)getpid() &&
			    cl[k].rings == RS_RINGS)
				consumer_back = true;
	free(cl);
	ring_ctl_close(o);
	return found == RS_RINGS && consumer_back;
}

TAP_TEST(test_restart_under_load, "restart-under-load", 90)
{
	struct rs_load l;
	struct ring *extra;
	struct ring_ctl_scheme sc;
	struct ring_ctl *o;
	uint64_t deadline;
	uint64_t down, i;
	int stop;
	pid_t scheme;

	memset(&d, 0, sizeof(d));
	memset(&l, 0, sizeof(l));
	td_start(&d, RS_CONF, 0);
	scheme = rs_start_scheme(&stop, false);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &l.c));
	TAP_OK(ring_ctl_set_reconnect(l.c, true));
	for (i = 0; i < RS_RINGS; i++)
		l.r[i] = td_open(l.c, RS_SCHEME, 8, 0, 0, &l.id[i]);
	TAP_ASSERT(rs_pump(&l, 300) > 0);

	/* ringd stops: the rings carry on without it */
	td_stop(&d);
	down = rs_pump(&l, 500);
	tap_diag("restart: %llu NoOps completed while ringd was down",
	    (unsigned long long)down);
	TAP_ASSERT(down > 0);
	TAP_ASSERT(!ring_ctl_connected(l.c));

	/* a new ringd: both sides come back by themselves */
	td_start(&d, RS_CONF, 0);
	deadline = clock_ms() + 10000;
	while (!rs_model_back(&l, scheme)) {
		if (clock_ms() > deadline)
			TD_FAIL(&d, "the rings did not come back in 10 s");
		rs_pump(&l, 50);
	}
	TAP_ASSERT(ring_ctl_connected(l.c));
	o = td_connect(&d);
	TAP_ASSERT(td_find_scheme(o, RS_SCHEME, &sc));
	TAP_EQ(sc.owner.pid, (uint32_t)scheme);
	/* too late to ask once a ring was opened without it */
	extra = td_open(o, "echo", 8, 0, 0, NULL);
	TAP_RC(ring_ctl_set_reconnect(o, true), -EBUSY);
	ring_close(extra);
	/* traffic goes on, and a new ring opens through the new ringd */
	TAP_ASSERT(rs_pump(&l, 200) > 0);
	extra = td_open(l.c, RS_SCHEME, 8, 0, 0, NULL);
	ring_close(extra);
	TAP_ASSERT(td_log_has(&d, "is back"));

	/* every NoOp came back exactly once, in order */
	deadline = clock_ms() + 5000;
	for (;;) {
		bool idle = true;

		for (i = 0; i < RS_RINGS; i++)
			idle = idle && l.sent[i] == l.done[i];
		if (idle || clock_ms() > deadline)
			break;
		for (i = 0; i < RS_RINGS; i++) {
			struct ring_cqe q;

			while (ring_cq_pop(l.r[i], &q) == 0) {
				l.done[i]++;
				l.total++;
			}
		}
		usleep(1000);
	}
	for (i = 0; i < RS_RINGS; i++)
		TAP_EQ(l.sent[i], l.done[i]);
	TAP_EQ(l.bad, 0);
	tap_diag("restart: %llu NoOps in all, 0 lost, 0 out of order",
	    (unsigned long long)l.total);

	/* dead peers are handled on adopted rings: kill the scheme */
	tap_kill(scheme); /* SIGKILL and reap */
	for (i = 0; i < RS_RINGS; i++) {
		deadline = clock_ms() + 5000;
		while (!ring_is_dropped(l.r[i]) && clock_ms() < deadline)
			usleep(1000);
		TAP_ASSERT(ring_is_dropped(l.r[i]));
	}
	close(stop);
	for (i = 0; i < RS_RINGS; i++)
		ring_close(l.r[i]);
	ring_ctl_close(l.c);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * The scheme dies while ringd is away: the consumer comes back alone, and
 * after adopt_timeout_ms ringd answers what the scheme held, -ESHUTDOWN.
 */
TAP_TEST(test_restart_side_gone, "restart-side-gone", 60)
{
	struct ring_ctl_ring rec;
	struct ring_ctl *c, *o;
	bool adopting = false;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe q;
	uint64_t id, i;
	uint64_t deadline;
	int stop, got = 0;
	pid_t scheme;

	td_begin(&d, RS_CONF);
	scheme = rs_start_scheme(&stop, true);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	r = td_open(c, RS_SCHEME, 8, 0, 0, &id);
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = 100 + i;
		TAP_OK(ring_sq_push(r, &s));
	}
	td_stop(&d);
	tap_kill(scheme); /* SIGKILL and reap */
	close(stop);
	td_start(&d, "adopt_timeout_ms = 3000\n", 0);
	/* the consumer is back, the scheme not: ringd says it waits */
	TAP_OK(ring_ctl_connect(d.sock, NULL, &o));
	deadline = clock_ms() + 2500;
	while (!adopting && clock_ms() < deadline) {
		(void)ring_ctl_process(c);
		adopting = td_find_ring(o, id, &rec) &&
		    rec.state == RING_CTL_ADOPTING &&
		    rec.consumer.pid == (uint32_t)getpid();
		usleep(1000);
	}
	TAP_ASSERT(adopting);
	deadline = clock_ms() + 10000;
	while (got < 3 && clock_ms() < deadline) {
		(void)ring_ctl_process(c);
		while (ring_cq_pop(r, &q) == 0) {
			TAP_EQ(q.user_data, 100 + (uint64_t)got);
			TAP_EQ(q.status, -ESHUTDOWN);
			got++;
		}
		usleep(1000);
	}
	TAP_EQ(got, 3);
	TAP_ASSERT(ring_is_dropped(r));
	TAP_ASSERT(td_find_ring(o, id, &rec) && rec.state == RING_CTL_DROPPED);
	ring_ctl_close(o);
	TAP_ASSERT(td_log_has(&d, "did not come back"));
	ring_close(r);
	ring_ctl_close(c);
	td_stop(&d);
	td_cleanup(&d);
}

/* Start an example program of this build, its output into d's directory. */
static pid_t
rs_example(const char *prog, const char *out, char *const args[])
{
	char bin[PATH_MAX], path[PATH_MAX + 64];
	char *argv[16];
	pid_t pid;
	int n = 0;

	snprintf(bin, sizeof(bin), "examples/%s", prog);
	td_build_bin(NULL, bin, path, sizeof(path));
	argv[n++] = path;
	argv[n++] = "-S";
	argv[n++] = d.sock;
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(bin, sizeof(bin), "%s/%s", d.dir, out);
	pid = tap_fork();
	if (pid == 0) {
		int fd = open(bin, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* Is the example client's ring listed with both sides, running? */
static bool
rs_example_ring_back(pid_t client, pid_t scheme)
{
	struct ring_ctl_ring *v = NULL;
	struct ring_ctl *o;
	size_t n = 0, i;
	bool back = false;

	if (ring_ctl_connect(d.sock, NULL, &o) < 0)
		return false;
	if (ring_ctl_list_rings(o, &v, &n) == 0)
		for (i = 0; i < n; i++)
			back = back ||
			    (v[i].consumer.pid == (uint32_t)client &&
				v[i].producer.pid == (uint32_t)scheme &&
				v[i].state == RING_CTL_RUNNING);
	free(v);
	ring_ctl_close(o);
	return back;
}

static bool
rs_file_has(const char *name, const char *what)
{
	char path[PATH_MAX], buf[8192];

	snprintf(path, sizeof(path), "%s/%s", d.dir, name);
	return td_read_file(path, buf, sizeof(buf)) >= 0 &&
	    strstr(buf, what) != NULL;
}

/*
 * The ramfile examples, which ask for reconnection: ringd restarts in the
 * middle of a verified transfer; the transfer completes with no bad
 * block, the scheme registers again and the ring is listed again.
 */
TAP_TEST(test_restart_examples, "restart-examples", 180)
{
	char *sargs[] = { "-n", "rs-ramfile", "-s", "1048576", NULL };
	char *cargs[] = { "-n", "rs-ramfile", "-c", "256", "-q", "16", "-p",
		"400", NULL };
	struct ring_ctl_scheme sc;
	struct ring_ctl *o;
	pid_t scheme, client;
	uint64_t deadline;
	int status;

	td_begin(&d, RS_CONF);
	scheme = rs_example("ramfile-scheme", "scheme.out", sargs);
	o = td_connect(&d);
	deadline = clock_ms() + 10000;
	while (!td_find_scheme(o, "rs-ramfile", &sc)) {
		if (clock_ms() > deadline)
			TD_FAIL(&d, "the example scheme did not register");
		usleep(10000);
	}
	ring_ctl_close(o);
	client = rs_example("ramfile-client", "client.out", cargs);
	deadline = clock_ms() + 10000;
	while (!rs_example_ring_back(client, scheme)) {
		if (clock_ms() > deadline)
			TD_FAIL(&d, "the example client's ring never ran");
		usleep(10000);
	}
	td_stop(&d);
	/* the transfer must span the restart to test anything */
	TAP_EQ(waitpid(client, &status, WNOHANG), 0);
	td_start(&d, RS_CONF, 0);
	deadline = clock_ms() + 20000;
	while (!rs_example_ring_back(client, scheme)) {
		if (clock_ms() > deadline)
			TD_FAIL(&d, "the example ring was not listed again");
		usleep(10000);
	}
	TAP_ASSERT(tap_reap_within(client, 120000));
	TAP_ASSERT(rs_file_has("client.out", " 0 bad blocks"));
	TAP_ASSERT(rs_file_has("scheme.out", "ringd went away"));
	TAP_ASSERT(rs_file_has("scheme.out",
	    "ringd is back; 'rs-ramfile' registered again"));
	tap_kill(scheme);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * A list is a request like any other: on a handle set to reconnect, the
 * first list after a ringd restart dials the new ringd and is answered.
 */
TAP_TEST(test_restart_list, "restart-list", 60)
{
	struct ring_ctl_scheme *v = NULL;
	struct ring_ctl *c;
	size_t n = 0, i;
	bool back = false;

	td_begin(&d, RS_CONF);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	TAP_OK(ring_ctl_register(c, RS_SCHEME, NULL, 0));
	td_stop(&d);
	td_start(&d, RS_CONF, 0);
	TAP_OK(ring_ctl_list_schemes(c, &v, &n));
	TAP_EQ(ring_ctl_reconnects(c), 1);
	for (i = 0; i < n; i++)
		back |= strcmp(v[i].name, RS_SCHEME) == 0;
	TAP_ASSERT(back); /* registered again before the list */
	free(v);
	ring_ctl_close(c);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * How a name is served (SCHEME_SET) comes back with the name: after the
 * restart the scheme's directory is there again for ringctl exec.
 */
TAP_TEST(test_restart_scheme_set, "restart-scheme-set", 60)
{
	struct ring_ctl *c, *other;
	struct ring_ctl_scheme *v = NULL;
	struct stat want, got_st;
	size_t n = 0;
	char dir[TD_PATH_MAX];
	int fd, got;

	td_begin(&d, RS_CONF);
	snprintf(dir, sizeof(dir), "%s/root", d.dir);
	TAP_ASSERT(mkdir(dir, 0755) == 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	TAP_ASSERT(fd >= 0 && fstat(fd, &want) == 0);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	TAP_OK(ring_ctl_register(c, RS_SCHEME, NULL, 0));
	TAP_OK(ring_ctl_scheme_set(c, RS_SCHEME,
	    RING_CTL_SERVE_REDOX | RING_CTL_SERVE_ROOT, fd));
	close(fd); /* libring keeps its own copy for the restart */
	td_stop(&d);
	td_start(&d, RS_CONF, 0);
	/* any request brings the scheme back, settings included */
	TAP_OK(ring_ctl_list_schemes(c, &v, &n));
	free(v);
	TAP_EQ(ring_ctl_reconnects(c), 1);
	other = td_connect(&d);
	TAP_OK(ring_ctl_scheme_root(other, RS_SCHEME, &got));
	TAP_ASSERT(fstat(got, &got_st) == 0);
	TAP_EQ(got_st.st_ino, want.st_ino);
	close(got);
	ring_ctl_close(other);
	ring_ctl_close(c);
	td_stop(&d);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
