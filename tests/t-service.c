/*
 * t-service.c - ringd run as a service: pidfile, SIGTERM and SIGINT
 * shutdown with clients and rings still open, socket mode, SIGHUP reload
 * of a changed limit (and of a bad file, which must change nothing), bad
 * configuration files refused with file:line, a second ringd on the same
 * socket or pidfile refused, a stale socket file replaced, the socket
 * named by $RINGD_SOCKET.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ringd.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;

/* Names in /dev/shm that mention "ring": ringd must leave none behind. */
static unsigned
shm_ring_files(void)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *dir;

	if ((dir = opendir("/dev/shm")) == NULL)
		return 0;
	while ((e = readdir(dir)) != NULL)
		if (strstr(e->d_name, "ring") != NULL)
			n++;
	closedir(dir);
	return n;
}

static void
expect_exit_status(struct td *t, int want, unsigned ms)
{
	if (!td_wait_exit(t, ms)) {
		td_dump_log(t, 10);
		td_kill(t);
		TAP_FAIL("ringd still running %u ms after it should have "
		    "exited", ms);
	}
	if (!WIFEXITED(t->status)) {
		td_dump_log(t, 20);
		TAP_FAIL("ringd died by signal %d", WTERMSIG(t->status));
	}
	if (want == 0 && WEXITSTATUS(t->status) != 0) {
		td_dump_log(t, 20);
		TAP_FAIL("ringd exited %d, expected 0", WEXITSTATUS(t->status));
	}
	if (want != 0 && WEXITSTATUS(t->status) == 0) {
		td_dump_log(t, 20);
		TAP_FAIL("ringd exited 0, expected a failure");
	}
	TAP_HERE();
}

/*
 * Pidfile holds ringd's pid; SIGTERM with a client, a built-in ring and
 * an external ring open: exit 0, socket and pidfile gone, the clients'
 * rings shut down, nothing left in /dev/shm.
 */
static void
term_run(int sig)
{
	struct ring_ctl *c, *sc;
	struct ring_attach a;
	struct ring *r, *px;
	struct stat st;
	struct ring_ctl_status rs;
	char buf[64];
	unsigned shm0 = shm_ring_files();
	int n;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_PIDFILE);
	n = td_read_file(d.pidfile, buf, sizeof(buf));
	if (n <= 0)
		TD_FAIL(&d, "no pidfile '%s': %s", d.pidfile, tap_rcname(n));
	if (strtol(buf, NULL, 10) != d.pid)
		TD_FAIL(&d, "pidfile says '%s', ringd is pid %d", buf, (int)d.pid);
	TAP_SYS(lstat(d.sock, &st));
	TAP_ASSERT(S_ISSOCK(st.st_mode));
	TAP_EQ(st.st_mode & 0777, 0666);

	c = td_connect(&d);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, "t-svc", NULL, 0), 0);
	r = td_open(c, "echo", 8, 0, 4096, NULL);
	{
		/* the open waits for the accept: do it from a helper */
		pid_t pid = tap_fork();

		if (pid == 0) {
			struct ring_ctl *hc = td_connect(&d);
			struct ring *hr = td_open(hc, "t-svc", 8, 0, 0, NULL);

			/* ringd's shutdown reaches us as DROP */
			TAP_RC(ring_wait(hr, RING_EV_IN, 10000000000ll),
			    -ESHUTDOWN);
			ring_close(hr);
			ring_ctl_close(hc);
			tap_child_exit();
		}
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &px), 0);
		if (sig == SIGTERM)
			td_stop(&d);
		else {
			TAP_SYS(kill(d.pid, sig));
			expect_exit_status(&d, 0, 10000);
		}
		tap_reap(pid);
	}
	/* every ring was shut down, every connection closed */
	TAP_RC(ring_wait(r, RING_EV_IN, 5000000000ll), -ESHUTDOWN);
	TAP_RC(ring_wait(px, RING_EV_IN, 5000000000ll), -ESHUTDOWN);
	TAP_NEG(ring_ctl_status(c, &rs));
	ring_close(r);
	ring_close(px);
	ring_ctl_close(c);
	ring_ctl_close(sc);
	if (lstat(d.sock, &st) == 0)
		TAP_FAIL("socket '%s' left behind", d.sock);
	if (lstat(d.pidfile, &st) == 0)
		TAP_FAIL("pidfile '%s' left behind", d.pidfile);
	TAP_EQ(shm_ring_files(), shm0);
	if (!td_log_has(&d, "shutting down"))
		TD_FAIL(&d, "no shutdown message in the log");
	td_cleanup(&d);
}

static void
test_sigterm(void)
{
	term_run(SIGTERM);
}

static void
test_sigint(void)
{
	term_run(SIGINT);
}

/* socket_mode applies at start and at reload. */
static void
test_socket_mode(void)
{
	struct stat st;
	uint64_t t0;

	memset(&d, 0, sizeof(d));
	td_start(&d, "socket_mode = 0600\n", 0);
	TAP_SYS(lstat(d.sock, &st));
	TAP_EQ(st.st_mode & 0777, 0600);
	td_write_conf(&d, "socket_mode = 0660\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	t0 = tu_now_ns();
	do {
		tu_sleep_ms(10);
		TAP_SYS(lstat(d.sock, &st));
	} while ((st.st_mode & 0777) != 0660 &&
	    tu_now_ns() - t0 < 3000000000ull);
	TAP_EQ(st.st_mode & 0777, 0660);
	td_stop(&d);
	td_cleanup(&d);
}

/* Open rings to null on c until one fails; returns how many opened. */
static unsigned
open_until_refused(struct ring_ctl *c, struct ring **rs, unsigned max,
    int *err)
{
	struct ring_params p = { .sq_entries = 4 };
	unsigned n;
	int rc = 0;

	for (n = 0; n < max; n++) {
		rc = ring_ctl_open(c, "null", &p, &rs[n], NULL);
		if (rc < 0)
			break;
	}
	*err = rc;
	return n;
}

static void
noop_each(struct ring **rs, unsigned n)
{
	struct ring_sqe s;
	struct ring_cqe cq;
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_WRITE;
		s.len = i + 1;
		s.user_data = i;
		td_roundtrip(rs[i], &s, &cq);
		TAP_EQ_U(cq.status, i + 1);
	}
}

/*
 * max_rings_per_client 4 -> 1 by SIGHUP: a new client gets one ring, the
 * old client keeps its four (working) and gets no more.  A bad file at
 * the next SIGHUP changes nothing and is reported with file:line.
 */
static void
test_sighup_reload(void)
{
	struct ring_ctl *c1, *c2;
	struct ring *r1[8], *r2[8];
	char where[TD_PATH_MAX + 8];
	uint64_t t0;
	unsigned n, i;
	int err;

	memset(&d, 0, sizeof(d));
	td_start(&d, "# test\nmax_rings_per_client = 4\n", 0);
	c1 = td_connect(&d);
	n = open_until_refused(c1, r1, 8, &err);
	TAP_EQ(n, 4);
	TAP_RC(err, -EMFILE);
	noop_each(r1, 4);

	td_write_conf(&d, "# test\nmax_rings_per_client = 1\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	t0 = tu_now_ns();
	for (;;) {
		c2 = td_connect(&d);
		n = open_until_refused(c2, r2, 8, &err);
		for (i = 0; i < n; i++)
			ring_close(r2[i]);
		ring_ctl_close(c2);
		if (n == 1)
			break;
		if (tu_now_ns() - t0 > 3000000000ull)
			TD_FAIL(&d, "3 s after SIGHUP a client still opens %u "
			    "rings; max_rings_per_client is now 1", n);
		tu_sleep_ms(20);
	}
	TAP_RC(err, -EMFILE);
	td_assert_alive(&d);
	/* the old client keeps what it had, and gets no more */
	noop_each(r1, 4);
	TAP_EQ(open_until_refused(c1, r2, 1, &err), 0);
	TAP_RC(err, -EMFILE);

	/* a bad file: logged with file:line, the running limit stays */
	td_write_conf(&d, "max_rings_per_client = 3\nmax_entries = lots\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	snprintf(where, sizeof(where), "%s:2", d.conf);
	t0 = tu_now_ns();
	while (!td_log_has(&d, where)) {
		if (tu_now_ns() - t0 > 3000000000ull)
			TD_FAIL(&d, "no '%s' in the log after a bad reload",
			    where);
		tu_sleep_ms(10);
	}
	td_assert_alive(&d);
	c2 = td_connect(&d);
	n = open_until_refused(c2, r2, 8, &err);
	TAP_EQ(n, 1);
	TAP_RC(err, -EMFILE);
	ring_close(r2[0]);
	ring_ctl_close(c2);
	for (i = 0; i < 4; i++)
		ring_close(r1[i]);
	ring_ctl_close(c1);
	td_settle(&d);
	td_stop(&d);
	td_cleanup(&d);
}

/* A bad config: non-zero exit, the message names file:line, no socket. */
static void
bad_conf(const char *conf, unsigned line, const char *what)
{
	char where[TD_PATH_MAX + 16];
	struct stat st;

	memset(&d, 0, sizeof(d));
	td_start(&d, conf, TD_NO_WAIT | TD_PIDFILE);
	expect_exit_status(&d, 1, 5000);
	snprintf(where, sizeof(where), "%s:%u", d.conf, line);
	if (!td_log_has(&d, where))
		TD_FAIL(&d, "%s: ringd's message does not name '%s'", what,
		    where);
	if (lstat(d.sock, &st) == 0)
		TAP_FAIL("%s: a socket was left at '%s'", what, d.sock);
	if (lstat(d.pidfile, &st) == 0)
		TAP_FAIL("%s: a pidfile was left at '%s'", what, d.pidfile);
	td_cleanup(&d);
}

static void
test_bad_config(void)
{
	char missing[TD_PATH_MAX + 16];
	const char *args[3] = { "-c", missing, NULL };
	struct stat st;

	bad_conf("# comment\n\nbogus_key = 1\n", 3, "unknown key");
	bad_conf("max_clients = 10\nmax_entries = abc\n", 2, "not a number");
	bad_conf("max_entries = 99999999\n", 1, "over the cap");
	bad_conf("max_clients = 0\n", 1, "under the minimum");
	bad_conf("max_clients = -5\n", 1, "negative");
	bad_conf("socket_mode = 0999\n", 1, "not octal");
	bad_conf("log_level = loud\n", 1, "unknown level");
	bad_conf("max_clients\n", 1, "no '='");
	bad_conf("max_clients =\n", 1, "no value");
	bad_conf("max_clients = 5\nmax_clients = 6\n", 2, "twice");
	bad_conf("max_pool_bytes = 12Q\n", 1, "bad suffix");

	/* a config file that is not there (the last -c wins) */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(missing, sizeof(missing), "%s/missing.conf", d.dir);
	td_start_args(&d, NULL, TD_NO_WAIT, args);
	expect_exit_status(&d, 1, 5000);
	if (!td_log_has(&d, "missing.conf"))
		TD_FAIL(&d, "the message does not name the missing file");
	if (lstat(d.sock, &st) == 0)
		TAP_FAIL("a socket was left at '%s'", d.sock);
	td_cleanup(&d);

	/* a good file with comments, blanks and every key still starts */
	memset(&d, 0, sizeof(d));
	td_start(&d, "# full\n\n  socket_mode = 0666  # trailing\n"
	    "max_clients = 100\nmax_schemes = 10\n"
	    "max_schemes_per_client = 2\nmax_rings = 100\n"
	    "max_rings_per_client = 10\nmax_entries = 1024\n"
	    "max_pool_bytes = 16M\nmax_pending_bytes = 64k\n"
	    "accept_timeout_ms = 2000\nlog_level = warning\n"
	    "root_takeover = no\n", 0);
	td_stop(&d);
	td_cleanup(&d);
}

/* A second ringd on a live socket, or with a live pidfile, refuses. */
static void
test_second_instance(void)
{
	struct td d2;
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct stat sb;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_PIDFILE);

	/* same socket */
	memset(&d2, 0, sizeof(d2));
	td_prepare(&d2, NULL);
	memcpy(d2.sock, d.sock, sizeof(d2.sock));
	td_start(&d2, NULL, TD_NO_WAIT);
	expect_exit_status(&d2, 1, 5000);
	if (!td_log_has(&d2, d.sock))
		TD_FAIL(&d2, "the refusal does not name the socket");
	TAP_SYS(lstat(d.sock, &sb));
	c = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d.pid);
	ring_ctl_close(c);
	td_cleanup(&d2);

	/* same pidfile, another socket */
	memset(&d2, 0, sizeof(d2));
	td_prepare(&d2, NULL);
	memcpy(d2.pidfile, d.pidfile, sizeof(d2.pidfile));
	td_start(&d2, NULL, TD_NO_WAIT | TD_PIDFILE);
	expect_exit_status(&d2, 1, 5000);
	if (lstat(d2.sock, &sb) == 0)
		TAP_FAIL("the refused ringd left a socket at '%s'", d2.sock);
	td_cleanup(&d2);
	/* the first one's pidfile is intact */
	{
		char buf[32];

		TAP_ASSERT(td_read_file(d.pidfile, buf, sizeof(buf)) > 0);
		TAP_EQ(strtol(buf, NULL, 10), d.pid);
	}
	td_settle(&d);
	td_stop(&d);
	td_cleanup(&d);
}

/* A ringd killed by SIGKILL leaves its socket; the next one replaces it. */
static void
test_stale_socket(void)
{
	struct td d2;
	struct stat sb;
	struct ring_ctl *c;
	struct ring_ctl_status st;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	td_kill(&d);
	TAP_SYS(lstat(d.sock, &sb));
	TAP_EQ(ring_ctl_connect(d.sock, NULL, &c), -ECONNREFUSED);
	memset(&d2, 0, sizeof(d2));
	td_prepare(&d2, NULL);
	memcpy(d2.sock, d.sock, sizeof(d2.sock));
	td_start(&d2, NULL, 0);
	c = td_connect(&d2);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d2.pid);
	ring_ctl_close(c);
	td_stop(&d2);
	td_cleanup(&d2);
	td_cleanup(&d);

	/* a file that is not a socket is never removed */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	{
		FILE *f = fopen(d.sock, "w");

		TAP_ASSERT(f != NULL);
		fputs("precious\n", f);
		fclose(f);
	}
	td_start(&d, NULL, TD_NO_WAIT);
	expect_exit_status(&d, 1, 5000);
	TAP_SYS(lstat(d.sock, &sb));
	TAP_ASSERT(S_ISREG(sb.st_mode));
	td_cleanup(&d);
}

/* $RINGD_SOCKET names the socket when -S does not. */
static void
test_env_socket(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	char path[128];

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_ENV_SOCKET);
	/* and the library reads it too */
	setenv("RINGD_SOCKET", d.sock, 1);
	TAP_RC(ring_ctl_socket_path(path, sizeof(path)), 0);
	if (strcmp(path, d.sock) != 0)
		TAP_FAIL("ring_ctl_socket_path gives '%s'", path);
	TAP_RC(ring_ctl_connect(NULL, NULL, &c), 0);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d.pid);
	ring_ctl_close(c);
	td_stop(&d);
	td_cleanup(&d);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("service-pidfile-sigterm", test_sigterm, 30);
	tap_run("service-sigint", test_sigint, 30);
	tap_run("service-socket-mode", test_socket_mode, 30);
	tap_run("service-sighup-reload", test_sighup_reload, 30);
	tap_run("service-bad-config", test_bad_config, 60);
	tap_run("service-second-instance", test_second_instance, 30);
	tap_run("service-stale-socket", test_stale_socket, 30);
	tap_run("service-env-socket", test_env_socket, 30);
	return tap_done();
}
