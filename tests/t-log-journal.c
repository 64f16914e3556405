/*
 * t-log-journal.c - ringd's log under systemd, and its units.
 *
 * When $JOURNAL_STREAM names the stream stderr is (device:inode), every
 * line starts with its sd-daemon priority: <3> error, <4> warning,
 * <5> notice, <6> info, <7> debug, continuation lines of a message too;
 * unset, malformed or naming another file, the plain "ringd: " format.
 * A socket passed by socket activation keeps the mode and group it came
 * with; a socket_mode or socket_group in ringd.conf that differs is named
 * in a notice, at start and at each reload, and never applied.  As root,
 * ringd also runs confined as ringd.service runs it (another uid, no
 * capabilities, its own network namespace) and serves.  The unit
 * files keep their confinement: the lines docs/service.md discusses, and,
 * where systemd-analyze is installed, a clean "verify" and a "security"
 * exposure no higher than the one documented there.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

/* The exposure docs/service.md reports, times ten (--threshold's unit). */
#define LJ_MAX_EXPOSURE 5

static struct td d;
static char lj_log[256 * 1024];

/* ringd's log, read whole into lj_log. */
static const char *
lj_read_log(void)
{
	if (td_read_file(d.log, lj_log, sizeof(lj_log)) < 0)
		TAP_FAIL("cannot read '%s'", d.log);
	return lj_log;
}

/* How many lines of the log start with prefix and contain text. */
static unsigned
lj_count(const char *prefix, const char *text)
{
	const char *p = lj_read_log(), *nl;
	char line[2048];
	unsigned n = 0;
	size_t len;

	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + len) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncmp(line, prefix, strlen(prefix)) == 0 &&
		    strstr(line, text) != NULL)
			n++;
		if (nl == NULL)
			break;
	}
	return n;
}

/* Wait up to 5 s for n lines with prefix and text. */
#define lj_await(prefix, text, n) \
	lj_await_at((prefix), (text), (n), __FILE__, __LINE__)
static void
lj_await_at(const char *prefix, const char *text, unsigned n, const char *file,
    int line)
{
	uint64_t t0 = clock_ns();

	while (lj_count(prefix, text) < n) {
		if (clock_ns() - t0 > 5000000000ull) {
			td_dump_log(&d, 15);
			tap_fail_at(file, line, "no line '%s...%s' in the log",
			    prefix, text);
		}
		tu_sleep_ms(10);
	}
}

/* Every line of the log starts with "<N>", N from 3 to 7. */
static void
lj_all_prefixed(void)
{
	const char *p = lj_read_log();

	for (; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (p[0] != '<' || p[1] < '3' || p[1] > '7' || p[2] != '>')
			TD_FAIL(&d, "a line without a priority: '%.60s'", p);
		if (strchr(p, '\n') == NULL)
			TD_FAIL(&d, "the log does not end with a newline");
	}
}

/* No line of the log starts with '<'; every one with "ringd: ". */
static void
lj_none_prefixed(void)
{
	const char *p = lj_read_log();

	for (; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "ringd: ", 7) != 0)
			TD_FAIL(&d, "a line not in the plain format: '%.60s'",
			    p);
		if (strchr(p, '\n') == NULL)
			TD_FAIL(&d, "the log does not end with a newline");
	}
}

/* $JOURNAL_STREAM for the log file (created empty), or bad as given. */
static void
lj_journal_env(const char *bad)
{
	char env[64];
	struct stat st;
	int fd;

	TAP_SYS(
	    fd = open(d.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	TAP_SYS(fstat(fd, &st));
	close(fd);
	if (bad == NULL) {
		snprintf(env, sizeof(env), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		bad = env;
	}
	TAP_SYS(setenv("JOURNAL_STREAM", bad, 1));
}

/* SIGHUP with conf in place, then wait for the reload's result line. */
static void
lj_reload(const char *conf, const char *prefix, const char *text, unsigned n)
{
	td_write_conf(&d, conf);
	TAP_SYS(kill(d.pid, SIGHUP));
	lj_await(prefix, text, n);
}

/*
 * Under the journal: notice at start, info for a client's scheme, debug
 * with -l debug, a warning for a new socket path and errors for a bad
 * file at SIGHUP; every line prefixed, no "ringd: " left.
 */
TAP_TEST(test_journal_prefixes, "log-journal-prefixes", 60)
{
	static const char *const dbg[] = { "-l", "debug", NULL };
	char conf[TD_PATH_MAX + 32];
	struct ring_ctl *c;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	lj_journal_env(NULL);
	td_start_args(&d, NULL, 0, dbg);
	lj_await("<5>", "serving", 1);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "t-journal", NULL, 0), 0);
	lj_await("<6>", "registered scheme 't-journal'", 1);
	lj_await("<7>", "connected", 1);
	ring_ctl_close(c);

	snprintf(conf, sizeof(conf), "socket = %s/other.sock\n", d.dir);
	lj_reload(conf, "<4>", "a new socket path takes a restart", 1);
	lj_await("<5>", "reloaded", 1);
	lj_reload("max_clients = 10\nbogus_key = 1\n", "<3>", "reload of", 1);
	if (lj_count("<3>", ":2: unknown key 'bogus_key'") != 1)
		TD_FAIL(&d, "the bad key is not an error line");
	td_stop(&d);
	lj_await("<5>", "stopped", 1);
	lj_all_prefixed();
	unsetenv("JOURNAL_STREAM");
	td_cleanup(&d);
}

/* Start ringd with -c conf_path (it fails) and wait for it to exit 1. */
static void
lj_run_failing(const char *conf_path)
{
	const char *args[] = { "-c", conf_path, NULL };

	td_start_args(&d, NULL, TD_NO_WAIT, args);
	if (!td_wait_exit(&d, 5000)) {
		td_kill(&d);
		TD_FAIL(&d, "ringd did not exit with a missing config");
	}
	if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != 1)
		TD_FAIL(&d, "ringd ended with status %#x, not exit 1",
		    d.status);
}

/*
 * A message of two lines (a config path with a newline in it): both lines
 * carry the error priority, so the second cannot pick its own ("<0>" in
 * the name stays text); a control character in it becomes '?'.  Without
 * the journal, both lines have the plain "ringd: " prefix.
 */
TAP_TEST(test_journal_multiline, "log-journal-multiline", 30)
{
	char path[TD_PATH_MAX + 32];

	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(path, sizeof(path), "%s/no\n<0>such\033.conf", d.dir);
	lj_journal_env(NULL);
	lj_run_failing(path);
	if (lj_count("<3>", "cannot open config '") != 1 ||
	    lj_count("<3><0>such?.conf': No such file", "") != 1)
		TD_FAIL(&d, "the two lines of one error are not both <3>");
	lj_all_prefixed();

	unsetenv("JOURNAL_STREAM");
	lj_journal_env("");
	unsetenv("JOURNAL_STREAM");
	lj_run_failing(path);
	if (lj_count("ringd: cannot open config '", "") != 1 ||
	    lj_count("ringd: <0>such?.conf': No such file", "") != 1)
		TD_FAIL(&d, "the two lines of one error lack 'ringd: '");
	lj_none_prefixed();
	td_cleanup(&d);
}

/*
 * No prefixes when $JOURNAL_STREAM is unset, names another file (the
 * stream was redirected since), or is not DEVICE:INODE.
 */
TAP_TEST(test_journal_mismatch, "log-journal-mismatch", 60)
{
	static const char *const bad[] = { "", "1:2", "abc", "12:", ":12",
		"1:2:3", "-1:5", "99999999999999999999999:1", "1:2 " };
	char other[64];
	struct stat st;
	size_t i;

	TAP_SYS(stat("/", &st));
	snprintf(other, sizeof(other), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	for (i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		lj_journal_env(
		    i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : other);
		td_start(&d, NULL, 0);
		td_stop(&d);
		if (lj_count("ringd: ", "serving") != 1)
			TD_FAIL(&d, "JOURNAL_STREAM='%s': no plain 'serving'",
			    getenv("JOURNAL_STREAM"));
		lj_none_prefixed();
	}
	unsetenv("JOURNAL_STREAM");
	lj_journal_env("");
	unsetenv("JOURNAL_STREAM");
	td_start(&d, NULL, 0);
	td_stop(&d);
	lj_none_prefixed();
	td_cleanup(&d);
}

/* The uid and gid ringd runs as in the unprivileged run. */
#define LJ_UID 65534u
#define LJ_OUTSIDER 4321u /* neither ringd's uid nor in its group */

/*
 * In the child: what ringd.service does before exec, as far as it can be
 * done without systemd: a network namespace of its own, an empty
 * capability bounding set, uid and gid LJ_UID, no new privileges.
 */
static void
lj_confine(pid_t parent)
{
	int cap;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(125);
	for (cap = 0; cap < 64; cap++)
		(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(LJ_UID, LJ_UID, LJ_UID) < 0 ||
	    setresuid(LJ_UID, LJ_UID, LJ_UID) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
}

/*
 * Start ringd as systemd would with socket activation: the listening
 * socket (bound here, mode mode) as fd 3, LISTEN_PID/LISTEN_FDS/
 * LISTEN_FDNAMES, no -S; stderr to the log, which is the journal.
 * confine: as ringd.service runs it (lj_confine()), the socket and its
 * directory given to that user as ringd.socket and RuntimeDirectory= do.
 */
static void
lj_start_activated(mode_t mode, bool confine)
{
	struct sockaddr_un sa;
	const char *bin = td_binary();
	pid_t parent = getpid(), pid;
	int fd, lfd;

	if (bin == NULL)
		TAP_FAIL("no ringd binary");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, d.sock, strlen(d.sock) + 1);
	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(chmod(d.sock, mode));
	if (confine) {
		TAP_SYS(chown(d.sock, LJ_UID, LJ_UID));
		TAP_SYS(chown(d.dir, LJ_UID, LJ_UID));
	}
	TAP_SYS(listen(fd, 16));
	lj_journal_env(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		char spid[32];

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		if ((lfd = open(d.log, O_WRONLY | O_APPEND)) < 0 ||
		    dup2(lfd, 1) < 0 || dup2(lfd, 2) < 0 ||
		    (fd != 3 && dup2(fd, 3) < 0) || fcntl(3, F_SETFD, 0) < 0)
			_exit(126);
		for (lfd = 4; lfd < 1024; lfd++)
			close(lfd);
		if (confine)
			lj_confine(parent);
		snprintf(spid, sizeof(spid), "%d", (int)getpid());
		setenv("LISTEN_PID", spid, 1);
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_FDNAMES", "ringd.socket", 1);
		unsetenv("NOTIFY_SOCKET");
		unsetenv("RINGD_SOCKET");
		execl(bin, bin, "-f", "-c", d.conf, (char *)NULL);
		_exit(127);
	}
	close(fd);
	d.pid = pid;
	unsetenv("JOURNAL_STREAM");
	lj_await("<5>", "serving", 1);
}

/* SIGTERM; ringd exits 0 and leaves the socket, which is not its own. */
static void
lj_stop_activated(void)
{
	struct stat st;

	TAP_SYS(kill(d.pid, SIGTERM));
	if (!td_wait_exit(&d, 10000)) {
		td_kill(&d);
		TD_FAIL(&d, "ringd did not exit within 10 s of SIGTERM");
	}
	if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != 0)
		TD_FAIL(&d, "ringd ended with status %#x", d.status);
	d.pid = 0;
	TAP_SYS(lstat(d.sock, &st));
}

/* The socket's mode, and a client gets through it. */
static void
lj_check_socket(mode_t want)
{
	struct ring_ctl_status rs;
	struct ring_ctl *c;
	struct stat st;

	TAP_SYS(lstat(d.sock, &st));
	TAP_EQ(st.st_mode & 0777, want);
	c = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &rs), 0);
	TAP_EQ(rs.pid, d.pid);
	ring_ctl_close(c);
}

/*
 * An activated socket of mode 0660 and our group: ringd.conf's differing
 * socket_mode and socket_group are named in a notice at start and at each
 * reload, and not applied; matching or absent ones give no notice.
 */
TAP_TEST(test_activation_mode, "log-activation-socket-mode", 60)
{
	char conf[128], group[32];
	gid_t other = getegid() != 65534 ? 65534 : 0;

	snprintf(group, sizeof(group), "socket_group '%u'", (unsigned)other);
	snprintf(conf, sizeof(conf), "socket_mode = 0600\nsocket_group = %u\n",
	    (unsigned)other);
	memset(&d, 0, sizeof(d));
	td_prepare(&d, conf);
	lj_start_activated(0660, false);
	lj_await("<5>", "socket activation: ", 1);
	if (lj_count("<5>socket activation: '", "has mode 0660") != 1 ||
	    lj_count("<5>", "socket_mode 0600 and ") != 1 ||
	    lj_count("<5>", group) != 1 || lj_count("<5>", "are ignored") != 1)
		TD_FAIL(&d,
		    "the notice does not name the mode in force and "
		    "both ignored settings");
	lj_check_socket(0660);

	/* again at a reload; a matching mode and no group: no notice */
	lj_reload(conf, "<5>", "reloaded", 1);
	TAP_EQ(lj_count("<5>", "socket activation: "), 2);
	lj_check_socket(0660);
	lj_reload("socket_mode = 0660\n", "<5>", "reloaded", 2);
	TAP_EQ(lj_count("<5>", "socket activation: "), 2);
	lj_reload("socket_mode = 0666\n", "<5>", "reloaded", 3);
	TAP_EQ(lj_count("<5>", "socket activation: "), 3);
	if (lj_count("<5>", "socket_mode 0666 is ignored") != 1)
		TD_FAIL(&d, "the notice for socket_mode alone is wrong");
	lj_check_socket(0660);
	lj_stop_activated();
	td_cleanup(&d);

	/* nothing set, or the same: no notice */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, "socket_mode = 0640\n");
	lj_start_activated(0640, false);
	lj_check_socket(0640);
	lj_stop_activated();
	TAP_EQ(lj_count("", "socket activation: "), 0);
	td_cleanup(&d);
}

/* Does /proc/PID/status have a line starting with want? */
static bool
lj_status_has(pid_t pid, const char *want)
{
	static char buf[8192];
	char path[64], line[128];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (td_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	snprintf(line, sizeof(line), "\n%s", want);
	return strstr(buf, line) != NULL;
}

/* In a helper: become uid with gid as its only group, connect, status. */
static void
lj_client_as(uid_t uid, gid_t gid, int want)
{
	struct ring_ctl_status rs;
	struct ring_ctl *c;
	pid_t pid = tap_fork();
	int rc;

	if (pid == 0) {
		TAP_SYS(setgroups(0, NULL));
		TAP_SYS(setresgid(gid, gid, gid));
		TAP_SYS(setresuid(uid, uid, uid));
		rc = ring_ctl_connect(d.sock, NULL, &c);
		if (rc != want)
			TAP_FAIL("uid %u gid %u: connect gives %s, not %s",
			    (unsigned)uid, (unsigned)gid, tap_rcname(rc),
			    tap_rcname(want));
		if (rc == 0) {
			TAP_RC(ring_ctl_status(c, &rs), 0);
			ring_ctl_close(c);
		}
		tap_child_exit();
	}
	tap_reap(pid);
}

/*
 * ringd as ringd.service runs it: an unprivileged uid, no capabilities,
 * no new privileges, a network namespace of its own, the socket from
 * "systemd".  It installs its own filter, serves root and the members of
 * its group across the namespaces (a ring to echo, a status), keeps out
 * everybody else by the socket's mode, reloads and stops cleanly, with
 * nothing above notice in its log.
 */
TAP_TEST(test_activation_unprivileged, "log-activation-unprivileged", 60)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe sq = { .opcode = RING_OP_NOOP, .user_data = 5 };
	struct ring_cqe cq;
	char self[64], its[64], path[64];
	ssize_t n;

	if (geteuid() != 0) {
		tap_diag("not root: cannot start ringd as another user");
		return;
	}
	memset(&d, 0, sizeof(d));
	td_prepare(&d, "socket_mode = 0660\n");
	TAP_SYS(chmod(d.conf, 0644));
	lj_start_activated(0660, true);
	if (!lj_status_has(d.pid, "Uid:\t65534\t65534") ||
	    !lj_status_has(d.pid, "CapEff:\t0000000000000000") ||
	    !lj_status_has(d.pid, "CapBnd:\t0000000000000000") ||
	    !lj_status_has(d.pid, "NoNewPrivs:\t1") ||
	    !lj_status_has(d.pid, "Seccomp:\t2"))
		TD_FAIL(&d, "ringd is not confined as the unit says");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)d.pid);
	TAP_SYS(n = readlink(path, its, sizeof(its) - 1));
	its[n] = '\0';
	TAP_SYS(n = readlink("/proc/self/ns/net", self, sizeof(self) - 1));
	self[n] = '\0';
	if (strcmp(its, self) == 0)
		TD_FAIL(&d, "ringd shares our network namespace");

	c = td_connect(&d);
	r = td_open(c, "echo", 8, 0, 0, NULL);
	td_roundtrip(r, &sq, &cq);
	TAP_EQ(cq.user_data, 5);
	ring_close(r);
	ring_ctl_close(c);
	lj_client_as(LJ_OUTSIDER, LJ_UID, 0);
	lj_client_as(LJ_OUTSIDER, LJ_OUTSIDER, -EACCES);

	lj_reload("socket_mode = 0660\n", "<5>", "reloaded", 1);
	lj_stop_activated();
	if (lj_count("<3>", "") != 0 || lj_count("<4>", "") != 0)
		TD_FAIL(&d, "the confined ringd logged an error or warning");
	td_cleanup(&d);
}

/* The source tree: $RING_SRCDIR, else BUILD/.. of this program. */
static void
lj_srcdir(char *buf, size_t size)
{
	td_build_bin("RING_SRCDIR", "..", buf, size);
}

/* Run a shell command; its exit status, or -1. */
static int
lj_system(const char *cmd)
{
	int st = system(cmd);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The hardening lines stay in ringd.service and ringd.socket; with
 * systemd-analyze, both units verify (ExecStart pointed at this build's
 * ringd) and the service's exposure is at most LJ_MAX_EXPOSURE / 10.
 */
TAP_TEST(test_unit_hardening, "log-unit-hardening", 60)
{
	static const char *const want[] = { "User=ringd\n", "Group=ringd\n",
		"CapabilityBoundingSet=\n", "AmbientCapabilities=\n",
		"NoNewPrivileges=yes\n", "ProtectSystem=strict\n",
		"ProtectHome=yes\n", "PrivateDevices=yes\n",
		"PrivateNetwork=yes\n", "RestrictAddressFamilies=AF_UNIX\n",
		"SystemCallFilter=@system-service seccomp\n",
		"SystemCallFilter=~@privileged @resources\n",
		"RestrictSUIDSGID=yes\n", "RemoveIPC=yes\n", "UMask=0077\n",
		"ProcSubset=pid\n", "RuntimeDirectory=ringd\n", "LimitNOFILE=",
		"FileDescriptorStoreMax=", "MemoryDenyWriteExecute=yes\n" };
	static char unit[16384];
	char src[PATH_MAX], path[PATH_MAX + 64], cmd[4 * PATH_MAX];
	const char *bin = td_binary();
	size_t i;
	int rc;

	lj_srcdir(src, sizeof(src));
	snprintf(path, sizeof(path), "%s/ringd/ringd.service", src);
	if (td_read_file(path, unit, sizeof(unit)) <= 0)
		TAP_FAIL("cannot read '%s' (set RING_SRCDIR)", path);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(unit, want[i]) == NULL)
			TAP_FAIL("ringd.service lacks '%.*s'",
			    (int)strcspn(want[i], "\n"), want[i]);
	snprintf(path, sizeof(path), "%s/ringd/ringd.socket", src);
	if (td_read_file(path, unit, sizeof(unit)) <= 0)
		TAP_FAIL("cannot read '%s'", path);
	if (strstr(unit, "SocketMode=0660\n") == NULL ||
	    strstr(unit, "SocketGroup=ringd\n") == NULL ||
	    strstr(unit, "ListenSequentialPacket=/run/ringd/ringd.sock\n") ==
		NULL)
		TAP_FAIL("ringd.socket lacks its mode, group or path");

	if (lj_system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
		tap_diag("no systemd-analyze: the unit's lines only");
		return;
	}
	if (bin == NULL)
		TAP_FAIL("no ringd binary");
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(cmd, sizeof(cmd),
	    "cp '%s/ringd/ringd.socket' '%s/' && "
	    "sed 's|^ExecStart=/usr/local/sbin/ringd |ExecStart=%s |' "
	    "'%s/ringd/ringd.service' > '%s/ringd.service' && cd '%s' && "
	    "systemd-analyze verify --man=no ringd.socket ringd.service "
	    ">verify.out 2>&1",
	    src, d.dir, bin, src, d.dir, d.dir);
	if ((rc = lj_system(cmd)) != 0) {
		snprintf(path, sizeof(path), "%s/verify.out", d.dir);
		td_read_file(path, unit, sizeof(unit));
		TAP_FAIL("systemd-analyze verify: exit %d: %.300s", rc, unit);
	}
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && systemd-analyze security --offline=true "
	    "--threshold=%d ringd.service >security.out 2>&1",
	    d.dir, LJ_MAX_EXPOSURE);
	if ((rc = lj_system(cmd)) != 0) {
		snprintf(path, sizeof(path), "%s/security.out", d.dir);
		td_read_file(path, unit, sizeof(unit));
		TAP_FAIL("systemd-analyze security: exposure over %d.%d "
			 "(exit %d): ...%.300s",
		    LJ_MAX_EXPOSURE / 10, LJ_MAX_EXPOSURE % 10, rc,
		    strstr(unit, "Overall") != NULL ? strstr(unit, "Overall")
						    : unit);
	}
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
