/*
 * t-service.c - ringd run as a service: pidfile, SIGTERM and SIGINT
 * shutdown with clients and rings still open (also a SIGTERM that comes
 * during start-up), socket mode and group, SIGHUP reload of a changed
 * limit (and of a bad file, which must change nothing), bad configuration
 * files refused with file:line, a second ringd on the same socket or
 * pidfile refused, a stale socket file replaced, the socket named by -S,
 * $RINGD_SOCKET or the config in that order, daemon mode, sd_notify
 * readiness, and the command line.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/daemon.h"
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
			 "exited",
		    ms);
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
 * an external ring open: exit 0, socket and pidfile gone, the built-in
 * ring shut down, the external one still carrying requests between its
 * two sides, nothing left in /dev/shm once they close it.
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
	int n, go[2];

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_PIDFILE);
	n = td_read_file(d.pidfile, buf, sizeof(buf));
	if (n <= 0)
		TD_FAIL(&d, "no pidfile '%s': %s", d.pidfile, tap_rcname(n));
	if (strtol(buf, NULL, 10) != d.pid)
		TD_FAIL(&d, "pidfile says '%s', ringd is pid %d", buf,
		    (int)d.pid);
	TAP_SYS(lstat(d.sock, &st));
	TAP_ASSERT(S_ISSOCK(st.st_mode));
	TAP_EQ(st.st_mode & 0777, 0666);

	c = td_connect(&d);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, "t-svc", NULL, 0), 0);
	r = td_open(c, "echo", 8, 0, 4096, NULL);
	TAP_SYS(pipe(go));
	{
		/* the open waits for the accept: do it from a helper */
		pid_t pid = tap_fork();

		if (pid == 0) {
			struct ring_ctl *hc = td_connect(&d);
			struct ring *hr = td_open(hc, "t-svc", 8, 0, 0, NULL);
			struct ring_sqe sq = { .opcode = RING_OP_NOOP,
				.user_data = 77 };
			struct ring_cqe cq;
			char b;

			/* ringd is gone: the ring between us still works */
			close(go[1]);
			TAP_RC(read(go[0], &b, 1), 1);
			TAP_RC(ring_sq_push(hr, &sq), 0);
			TAP_RC(ring_wait(hr, RING_EV_IN, 10000000000ll),
			    RING_EV_IN);
			TAP_RC(ring_cq_pop(hr, &cq), 0);
			TAP_EQ(cq.user_data, 77);
			TAP_EQ(cq.status, 0);
			ring_close(hr);
			ring_ctl_close(hc);
			tap_child_exit();
		}
		close(go[0]);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &px), 0);
		if (sig == SIGTERM)
			td_stop(&d);
		else {
			TAP_SYS(kill(d.pid, sig));
			expect_exit_status(&d, 0, 10000);
		}
		TAP_RC(write(go[1], "g", 1), 1);
		close(go[1]);
		{
			struct ring_sqe sq;
			struct ring_cqe cq = { 0 };

			TAP_RC(ring_wait(px, RING_EV_IN, 10000000000ll),
			    RING_EV_IN);
			TAP_RC(ring_sq_pop(px, &sq), 0);
			cq.user_data = sq.user_data;
			TAP_RC(ring_cq_push(px, &cq), 0);
		}
		tap_reap(pid);
	}
	/* ringd's own ring was shut down; the helper's by the helper */
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

TAP_TEST(test_sigterm, "service-pidfile-sigterm", 30)
{
	term_run(SIGTERM);
}

TAP_TEST(test_sigint, "service-sigint", 30)
{
	term_run(SIGINT);
}

/*
 * SIGTERM the moment the socket file appears, before ringd may be ready:
 * however the signal lands, a ringd that is gone leaves neither socket
 * nor pidfile behind.  Many tries, to hit the window between bind() and
 * the event loop.
 */
TAP_TEST(test_sigterm_at_startup, "service-sigterm-at-startup", 60)
{
	unsigned i, tries = 40, left = 0, killed = 0;
	struct stat st;
	bool sock_left, pid_left;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	for (i = 0; i < tries; i++) {
		unlink(d.sock);
		unlink(d.pidfile);
		td_start(&d, NULL, TD_NO_WAIT | TD_PIDFILE);
		while (lstat(d.sock, &st) < 0 && td_alive(&d))
			;
		if (d.pid > 0)
			TAP_SYS(kill(d.pid, SIGTERM));
		if (!td_wait_exit(&d, 5000))
			TD_FAIL(&d, "ringd did not exit within 5 s of SIGTERM");
		if (WIFSIGNALED(d.status))
			killed++;
		else if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != 0)
			TD_FAIL(&d, "ringd exited %d after an early SIGTERM",
			    WEXITSTATUS(d.status));
		sock_left = lstat(d.sock, &st) == 0;
		pid_left = lstat(d.pidfile, &st) == 0;
		if (sock_left || pid_left) {
			if (left == 0)
				tap_diag("try %u: ringd %s by SIGTERM left%s%s",
				    i,
				    WIFSIGNALED(d.status) ? "killed"
							  : "stopped",
				    sock_left ? " its socket" : "",
				    pid_left ? " its pidfile" : "");
			left++;
		}
	}
	if (left > 0)
		TAP_FAIL("%u of %u early SIGTERMs left files behind (%u killed "
			 "ringd outright): the signal is not blocked before "
			 "the "
			 "socket and pidfile are made",
		    left, tries, killed);
	td_cleanup(&d);
}

/* socket_mode applies at start and at reload. */
TAP_TEST(test_socket_mode, "service-socket-mode", 30)
{
	struct stat st;
	uint64_t t0;

	td_begin(&d, "socket_mode = 0600\n");
	TAP_SYS(lstat(d.sock, &st));
	TAP_EQ(st.st_mode & 0777, 0600);
	td_write_conf(&d, "socket_mode = 0660\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	t0 = clock_ns();
	do {
		tu_sleep_ms(10);
		TAP_SYS(lstat(d.sock, &st));
	} while (
	    (st.st_mode & 0777) != 0660 && clock_ns() - t0 < 3000000000ull);
	TAP_EQ(st.st_mode & 0777, 0660);
	td_stop(&d);
	td_cleanup(&d);

	/* socket_group: the socket's group (root may give any) */
	if (geteuid() != 0)
		return;
	td_begin(&d, "socket_mode = 0660\nsocket_group = 65534\n");
	TAP_SYS(lstat(d.sock, &st));
	TAP_EQ(st.st_gid, 65534);
	TAP_EQ(st.st_mode & 0777, 0660);
	td_stop(&d);
	td_cleanup(&d);
}

/* Open rings to null on c until one fails; returns how many opened. */
static unsigned
open_until_refused(struct ring_ctl *c, struct ring **rs, unsigned max, int *err)
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
TAP_TEST(test_sighup_reload, "service-sighup-reload", 30)
{
	struct ring_ctl *c1, *c2;
	struct ring *r1[8], *r2[8];
	char where[TD_PATH_MAX + 8];
	uint64_t t0;
	unsigned n, i;
	int err;

	td_begin(&d, "# test\nmax_rings_per_client = 4\n");
	c1 = td_connect(&d);
	n = open_until_refused(c1, r1, 8, &err);
	TAP_EQ(n, 4);
	TAP_RC(err, -EMFILE);
	noop_each(r1, 4);

	td_write_conf(&d, "# test\nmax_rings_per_client = 1\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	t0 = clock_ns();
	for (;;) {
		c2 = td_connect(&d);
		n = open_until_refused(c2, r2, 8, &err);
		for (i = 0; i < n; i++)
			ring_close(r2[i]);
		ring_ctl_close(c2);
		if (n == 1)
			break;
		if (clock_ns() - t0 > 3000000000ull)
			TD_FAIL(&d,
			    "3 s after SIGHUP a client still opens %u "
			    "rings; max_rings_per_client is now 1",
			    n);
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
	snprintf(where, sizeof(where), "%s:2", d.conf);
	td_sighup_expect(&d, where, 3000);
	td_assert_alive(&d);
	c2 = td_connect(&d);
	n = open_until_refused(c2, r2, 8, &err);
	TAP_EQ(n, 1);
	TAP_RC(err, -EMFILE);
	ring_close(r2[0]);
	ring_ctl_close(c2);
	for (i = 0; i < 4; i++)
		ring_close(r1[i]);
	td_end(&d, c1);
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

TAP_TEST(test_bad_config, "service-bad-config", 60)
{
	/* each file is refused: at which line, and for what */
	static const struct {
		const char *text;
		unsigned line;
		const char *what;
	} bad[] = {
		{ "# comment\n\nbogus_key = 1\n", 3, "unknown key" },
		{ "max_clients = 10\nmax_entries = abc\n", 2, "not a number" },
		{ "max_entries = 99999999\n", 1, "over the cap" },
		{ "max_clients = 0\n", 1, "under the minimum" },
		{ "max_clients = -5\n", 1, "negative" },
		{ "socket_mode = 0999\n", 1, "not octal" },
		{ "log_level = loud\n", 1, "unknown level" },
		{ "max_clients\n", 1, "no '='" },
		{ "max_clients =\n", 1, "no value" },
		{ "max_clients = 5\nmax_clients = 6\n", 2, "twice" },
		{ "max_pool_bytes = 12Q\n", 1, "bad suffix" },
		{ "\n\nsocket_group = no-such-group-here\n", 3, "no such group" },
		{ "socket = relative/path\n", 1, "relative socket path" },
	};
	char missing[TD_PATH_MAX + 16];
	const char *args[3] = { "-c", missing, NULL };
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_conf(bad[i].text, bad[i].line, bad[i].what);

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
	td_start(&d,
	    "# full\n\n  socket_mode = 0666  # trailing\n"
	    "max_clients = 100\nmax_schemes = 10\n"
	    "max_schemes_per_client = 2\nmax_rings = 100\n"
	    "max_rings_per_client = 10\nmax_entries = 1024\n"
	    "max_pool_bytes = 16M\nmax_pending_bytes = 64k\n"
	    "accept_timeout_ms = 2000\nlog_level = warning\n"
	    "root_takeover = no\n",
	    0);
	td_stop(&d);
	td_cleanup(&d);
}

/* A second ringd on a live socket, or with a live pidfile, refuses. */
TAP_TEST(test_second_instance, "service-second-instance", 30)
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
	td_finish(&d);
}

/* A ringd killed by SIGKILL leaves its socket; the next one replaces it. */
TAP_TEST(test_stale_socket, "service-stale-socket", 30)
{
	struct td d2;
	struct stat sb;
	struct ring_ctl *c;
	struct ring_ctl_status st;

	td_begin(&d, NULL);
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
TAP_TEST(test_env_socket, "service-env-socket", 30)
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

/*
 * Where the socket goes: -S beats $RINGD_SOCKET beats the config's
 * `socket`, and each alone is obeyed.
 */
TAP_TEST(test_socket_precedence, "service-socket-precedence", 30)
{
	char conf[TD_PATH_MAX + 32], other[TD_PATH_MAX], env[TD_PATH_MAX];
	struct stat sb;

	/* the config alone */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(conf, sizeof(conf), "socket = %s\n", d.sock);
	td_start(&d, conf, TD_CONF_SOCKET);
	td_stop(&d);
	td_cleanup(&d);

	/* $RINGD_SOCKET over the config */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(other, sizeof(other), "%s/conf.sock", d.dir);
	snprintf(conf, sizeof(conf), "socket = %s\n", other);
	td_start(&d, conf, TD_ENV_SOCKET);
	if (lstat(other, &sb) == 0)
		TAP_FAIL(
		    "ringd bound the config's socket, not $RINGD_SOCKET's");
	td_stop(&d);
	td_cleanup(&d);

	/* -S over both */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(other, sizeof(other), "%s/conf.sock", d.dir);
	snprintf(env, sizeof(env), "%s/env.sock", d.dir);
	snprintf(conf, sizeof(conf), "socket = %s\n", other);
	d.env_sock = env;
	td_start(&d, conf, 0);
	if (lstat(other, &sb) == 0 || lstat(env, &sb) == 0)
		TAP_FAIL("ringd bound another socket than -S's");
	td_stop(&d);
	td_cleanup(&d);
}

/* Command line: -h, -V, bad options and arguments (usage: exit 2). */
static void
cli_run(const char *const *args, int want, const char *expect)
{
	memset(&d, 0, sizeof(d));
	td_start_args(&d, NULL, TD_NO_WAIT, args);
	if (!td_wait_exit(&d, 5000)) {
		td_kill(&d);
		TAP_FAIL("ringd %s did not exit", args[0]);
	}
	if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != want)
		TD_FAIL(&d, "ringd ... %s: status %#x, expected exit %d",
		    args[0], d.status, want);
	if (expect != NULL && !td_log_has(&d, expect))
		TD_FAIL(&d, "ringd ... %s: output lacks '%s'", args[0], expect);
	td_cleanup(&d);
}

TAP_TEST(test_cli, "service-cli", 30)
{
	static const char *const h[] = { "-h", NULL };
	static const char *const v[] = { "-V", NULL };
	static const char *const bad[] = { "-x", NULL };
	static const char *const lvl[] = { "-l", "loud", NULL };
	static const char *const arg[] = { "extra", NULL };
	char ver[64];

	cli_run(h, 0, "usage: ringd");
	snprintf(ver, sizeof(ver), "ringd %s", ring_version());
	cli_run(v, 0, ver);
	cli_run(bad, 2, "usage: ringd");
	cli_run(lvl, 2, "usage: ringd");
	cli_run(arg, 2, "usage: ringd");
	{
		/* a socket path that cannot fit sun_path */
		static char longp[200];
		const char *sl[] = { "-S", longp, NULL };

		memset(longp, 'a', sizeof(longp) - 1);
		longp[0] = '/';
		cli_run(sl, 1, "too long");
	}
}

/* Has a process that is not our child gone (no /proc entry, or zombie)? */
static bool
gone(pid_t pid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (td_read_file(path, buf, sizeof(buf)) <= 0)
		return true;
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/*
 * Without -f ringd detaches: the process we started exits 0 once the
 * daemon serves; the daemon (pid in the pidfile) is another process in
 * its own session, cwd "/", stdio on /dev/null; SIGTERM ends it cleanly.
 * The daemon is not our child and no parent-death signal reaches it, so
 * every check runs before any failure is reported, after it was stopped.
 */
static void
daemon_run(unsigned flags)
{
	char buf[64], why[400] = "", link[256];
	struct ring_ctl *c = NULL;
	struct ring_ctl_status st;
	struct stat sb;
	pid_t first, dpid = 0;
	uint64_t t0;
	int rc, i;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_DAEMON | TD_PIDFILE | flags);
	first = d.pid;
	if (!td_wait_exit(&d, 5000)) {
		td_kill(&d);
		snprintf(why, sizeof(why), "the starting process did not exit");
	} else if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != 0)
		snprintf(why, sizeof(why), "the starting process exited %#x",
		    d.status);
	if (td_read_file(d.pidfile, buf, sizeof(buf)) > 0)
		dpid = (pid_t)strtol(buf, NULL, 10);
	if (dpid <= 0) {
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "no pid in '%s'", d.pidfile);
		goto out;
	}
	if (why[0] != '\0')
		goto out;
	/* ready means ready: no waiting needed */
	if ((rc = ring_ctl_connect(d.sock, NULL, &c)) < 0) {
		snprintf(why, sizeof(why), "connect right after start: %s",
		    tap_rcname(rc));
		goto out;
	}
	if ((rc = ring_ctl_status(c, &st)) < 0 || st.pid != (uint32_t)dpid) {
		snprintf(why, sizeof(why), "status %s, pid %u, pidfile %d",
		    tap_rcname(rc), st.pid, (int)dpid);
		goto out;
	}
	if (dpid == first)
		snprintf(why, sizeof(why),
		    "the daemon is the process we started");
	else if (getsid(dpid) == getsid(0))
		snprintf(why, sizeof(why),
		    "the daemon is still in our session");
	snprintf(buf, sizeof(buf), "/proc/%d/cwd", (int)dpid);
	if (why[0] == '\0' &&
	    ((rc = (int)readlink(buf, link, sizeof(link) - 1)) <= 0 ||
		(link[rc] = '\0', strcmp(link, "/"))))
		snprintf(why, sizeof(why), "daemon cwd is not /");
	for (i = 0; i < 3 && why[0] == '\0'; i++) {
		snprintf(buf, sizeof(buf), "/proc/%d/fd/%d", (int)dpid, i);
		rc = (int)readlink(buf, link, sizeof(link) - 1);
		link[rc > 0 ? rc : 0] = '\0';
		if (strcmp(link, "/dev/null") != 0)
			snprintf(why, sizeof(why),
			    "daemon fd %d is '%s', not "
			    "/dev/null",
			    i, link);
	}
out:
	ring_ctl_close(c);
	if (dpid > 0 && !gone(dpid)) {
		kill(dpid, SIGTERM);
		t0 = clock_ns();
		while (!gone(dpid) && clock_ns() - t0 < 10000000000ull)
			tu_sleep_ms(10);
		if (!gone(dpid)) {
			kill(dpid, SIGKILL);
			if (why[0] == '\0')
				snprintf(why, sizeof(why),
				    "the daemon ignored "
				    "SIGTERM for 10 s");
		}
	}
	if (why[0] != '\0')
		TAP_FAIL("daemon mode: %s", why);
	if (lstat(d.sock, &sb) == 0)
		TAP_FAIL("the daemon left its socket '%s' behind%s", d.sock,
		    flags & TD_ENV_RELATIVE
			? " (named by a relative "
			  "$RINGD_SOCKET; the daemon chdir()s to /)"
			: "");
	if (lstat(d.pidfile, &sb) == 0)
		TAP_FAIL("the daemon left its pidfile behind");
	td_cleanup(&d);
}

TAP_TEST(test_daemon_mode, "service-daemon-mode", 30)
{
	daemon_run(0);
}

/* A relative $RINGD_SOCKET must still be found (and removed) from "/". */
TAP_TEST(test_daemon_relative_env, "service-daemon-relative-env-socket", 30)
{
	daemon_run(TD_ENV_SOCKET | TD_ENV_RELATIVE);
}

/*
 * Wait up to 3 s for an sd_notify datagram carrying token; others (e.g.
 * ringd's STATUS= updates) are skipped.  The datagram ends up in buf.
 */
static void
notify_expect(int fd, const char *token, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t t0 = clock_ns();
	ssize_t n;

	for (;;) {
		if (clock_ns() - t0 > 3000000000ull ||
		    poll(&pfd, 1, 3000) <= 0)
			TD_FAIL(&d, "no sd_notify '%s' within 3 s", token);
		TAP_SYS(n = recv(fd, buf, size - 1, 0));
		buf[n] = '\0';
		if (strstr(buf, token) != NULL)
			break;
	}
	TAP_HERE();
}

/* Type=notify: READY=1 with MAINPID, RELOADING=1 then READY=1, STOPPING=1. */
TAP_TEST(test_sd_notify, "service-sd-notify", 30)
{
	struct sockaddr_un sa;
	char buf[512], want[64];
	int fd;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	TAP_ASSERT(strlen(d.dir) + sizeof("/notify") <= sizeof(sa.sun_path));
	memcpy(sa.sun_path, d.dir, strlen(d.dir));
	memcpy(sa.sun_path + strlen(d.dir), "/notify", sizeof("/notify"));
	TAP_SYS(fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	td_start(&d, NULL, TD_NOTIFY);
	notify_expect(fd, "READY=1", buf, sizeof(buf));
	snprintf(want, sizeof(want), "MAINPID=%d", (int)d.pid);
	if (strstr(buf, want) == NULL)
		TAP_FAIL("READY notification '%s' lacks %s", buf, want);
	TAP_SYS(kill(d.pid, SIGHUP));
	notify_expect(fd, "RELOADING=1", buf, sizeof(buf));
	if (strstr(buf, "MONOTONIC_USEC=") == NULL)
		TAP_FAIL("'%s' lacks MONOTONIC_USEC=", buf);
	notify_expect(fd, "READY=1", buf, sizeof(buf));
	TAP_SYS(kill(d.pid, SIGTERM));
	notify_expect(fd, "STOPPING=1", buf, sizeof(buf));
	expect_exit_status(&d, 0, 10000);
	close(fd);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
