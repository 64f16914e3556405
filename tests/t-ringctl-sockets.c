/*
 * t-ringctl-sockets.c - which ringd a client finds: libring's rule
 * (ring_ctl_socket_path_for()) for root and for another uid, and the real
 * ringctl and ringtop run as uid 65534 with no environment at all reaching
 * a system ringd on /run/ringd/ringd.sock; a per-user ringd winning over
 * it, --system and --user forcing one, $RINGD_SOCKET winning over the
 * rule, a member of the socket's group (mode 0660, as installed) getting
 * in, and the messages when none answers or the socket is closed to the
 * user (naming the group to join).
 *
 * The system ringd runs in a private mount namespace of the sub-test, on a
 * tmpfs mounted over /run, so the host's /run (and a real ringd there) is
 * never touched.  Without mount namespaces those sub-tests report a skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define SYS_SOCK RING_CTL_SYSTEM_SOCKET
#define USER_DIR "/run/user/65534"
#define USER_SOCK USER_DIR "/ringd.sock"

static struct td d;
static struct tr_run r;

/* Not 0: the one supplementary group of the next programs as uid 65534. */
static gid_t spawn_group;

/*
 * Start argv (argv[0] a path) as uid (0: root; else uid and gid 65534, no
 * supplementary groups but spawn_group) with exactly the environment env (NULL-terminated;
 * empty for env -i), stdin /dev/null, stdout to out and stderr to err
 * (err NULL: with stdout); it dies with the sub-test.  Its pid.
 */
static pid_t
spawn_as(uid_t uid, const char *const *env, const char *const *argv,
    const char *out, const char *err)
{
	pid_t pid = fork();
	int fo, fe, fn;

	TAP_ASSERT(pid >= 0);
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fe = err != NULL
	    ? open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
	    : fo;
	fn = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fo < 0 || fe < 0 || fn < 0 || dup2(fn, 0) < 0 || dup2(fo, 1) < 0 ||
	    dup2(fe, 2) < 0)
		_exit(126);
	if (uid != 0 &&
	    (setgroups(spawn_group != 0, &spawn_group) < 0 ||
		setresgid(TD_NOBODY, TD_NOBODY, TD_NOBODY) < 0 ||
		setresuid(uid, uid, uid) < 0))
		_exit(126);
	execve(argv[0], (char *const *)argv, (char *const *)env);
	_exit(127);
}

/* Run argv as spawn_as() does, its output into r; 20 s at most. */
static void
run_as(uid_t uid, const char *const *env, const char *const *argv)
{
	char out[256], err[256];

	snprintf(out, sizeof(out), "%s/run.out", d.dir);
	snprintf(err, sizeof(err), "%s/run.err", d.dir);
	tr_collect(d.dir, "run", spawn_as(uid, env, argv, out, err), 20000, &r);
}

static char ctl_bin[256], top_bin[256];

/* ringctl ARGS as uid with env; the pid `-j status` reported, or 0. */
#define BIN_AS(uid, env, var, rel, bin, ...) \
	run_as((uid), (env), \
	    (const char *const[]){ td_build_bin((var), (rel), (bin), \
				       sizeof(bin)), \
		__VA_ARGS__, NULL })
#define CTL_AS(uid, env, ...) \
	BIN_AS((uid), (env), "RINGCTL_BIN", "ringctl/ringctl", ctl_bin, \
	    __VA_ARGS__)
#define TOP_AS(uid, env, ...) \
	BIN_AS((uid), (env), "RINGTOP_BIN", "ringtop/ringtop", top_bin, \
	    __VA_ARGS__)

/*
 * The ringd that `ringctl [opt] -j status` (top: `ringtop [opt] -b -j -n
 * 1`) reached as uid with env: its pid; the socket must be want_sock.
 */
static pid_t
reached(bool top, uid_t uid, const char *const *env, const char *opt,
    const char *want_sock)
{
	const char *argv[8];
	struct json_object *o;
	size_t n = 0;
	pid_t pid;

	argv[n++] = top ? td_build_bin("RINGTOP_BIN", "ringtop/ringtop",
			      top_bin, sizeof(top_bin))
			: td_build_bin("RINGCTL_BIN", "ringctl/ringctl",
			      ctl_bin, sizeof(ctl_bin));
	if (opt != NULL)
		argv[n++] = opt;
	argv[n++] = top ? "-b" : "-j";
	argv[n++] = top ? "-j" : "status";
	if (top) {
		argv[n++] = "-n";
		argv[n++] = "1";
	}
	argv[n] = NULL;
	run_as(uid, env, argv);
	EXPECT_STATUS(0);
	o = tr_parse(r.out);
	pid = (pid_t)tr_int(top ? tr_get(o, "ringd") : o, "pid");
	if (strcmp(tr_str(o, "socket"), want_sock) != 0)
		TAP_FAIL("%s reached '%s', expected '%s'",
		    top ? "ringtop" : "ringctl", tr_str(o, "socket"),
		    want_sock);
	json_object_put(o);
	return pid;
}
#define status_pid(...) reached(false, __VA_ARGS__)
#define top_pid(...) reached(true, __VA_ARGS__)

/* --- the library's rule ---------------------------------------------- */

/* Bind a socket file at path (nothing listens: only its presence counts). */
static void
make_socket_file(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	TAP_ASSERT(fd >= 0);
	TAP_ASSERT(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
}

#define EXPECT_PATH(scope, want) \
	do { \
		char p_[108]; \
		TAP_RC(ring_ctl_socket_path_for((scope), p_, sizeof(p_)), 0); \
		if (strcmp(p_, (want)) != 0) \
			TAP_FAIL("scope %d gives '%s', expected '%s'", \
			    (int)(scope), p_, (want)); \
	} while (0)

static void
test_rule(void)
{
	char xdg[TD_PATH_MAX], sock[TD_PATH_MAX + 16], small[8];
	struct ring_ctl *c;
	int fd;

	td_prepare(&d, NULL);
	snprintf(xdg, sizeof(xdg), "%s/xdg", d.dir);
	snprintf(sock, sizeof(sock), "%s/ringd.sock", xdg);
	TAP_SYS(mkdir(xdg, 0700));
	TAP_SYS(chown(xdg, TD_NOBODY, TD_NOBODY));
	unsetenv("RINGD_SOCKET");
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	make_socket_file(sock);

	/* root: the system socket, whatever its runtime directory holds */
	EXPECT_PATH(RING_CTL_DEFAULT, SYS_SOCK);
	TAP_RC(ring_ctl_socket_path(small, sizeof(small)), -ENAMETOOLONG);
	EXPECT_PATH(RING_CTL_USER, sock);

	td_become_nobody();
	/* a user whose runtime directory has a socket: that one */
	EXPECT_PATH(RING_CTL_DEFAULT, sock);
	{
		char p[108];

		TAP_RC(ring_ctl_socket_path(p, sizeof(p)), 0);
		TAP_ASSERT(strcmp(p, sock) == 0);
	}
	EXPECT_PATH(RING_CTL_SYSTEM, SYS_SOCK);
	EXPECT_PATH(RING_CTL_USER, sock);
	/* $RINGD_SOCKET over the rule, not over an explicit scope */
	setenv("RINGD_SOCKET", "/elsewhere/r.sock", 1);
	EXPECT_PATH(RING_CTL_DEFAULT, "/elsewhere/r.sock");
	EXPECT_PATH(RING_CTL_SYSTEM, SYS_SOCK);
	EXPECT_PATH(RING_CTL_USER, sock);
	setenv("RINGD_SOCKET", "", 1); /* empty: as if unset */
	EXPECT_PATH(RING_CTL_DEFAULT, sock);
	unsetenv("RINGD_SOCKET");
	/* no socket there (or not a socket): the system one */
	TAP_SYS(unlink(sock));
	EXPECT_PATH(RING_CTL_DEFAULT, SYS_SOCK);
	fd = open(sock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	TAP_ASSERT(fd >= 0);
	close(fd);
	EXPECT_PATH(RING_CTL_DEFAULT, SYS_SOCK);
	/* no runtime directory (or a relative one): the system one */
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
	EXPECT_PATH(RING_CTL_DEFAULT, SYS_SOCK);
	TAP_RC(ring_ctl_socket_path_for(RING_CTL_USER, small, sizeof(small)),
	    -ENOENT);
	unsetenv("XDG_RUNTIME_DIR");
	EXPECT_PATH(RING_CTL_DEFAULT, SYS_SOCK);
	TAP_RC(ring_ctl_socket_path_for(RING_CTL_USER, small, sizeof(small)),
	    -ENOENT);
	TAP_RC(ring_ctl_socket_path_for((enum ring_ctl_scope)99, small,
		   sizeof(small)),
	    -EINVAL);
	/* and ring_ctl_connect(NULL) dials the rule's path */
	setenv("RINGD_SOCKET", sock, 1);
	TAP_RC(ring_ctl_connect(NULL, NULL, &c), -ECONNREFUSED);
}

/* --- a system ringd in a private mount namespace ----------------------- */

/*
 * Make this sub-test's mounts private and put a fresh tmpfs on /run, with
 * an empty runtime directory for uid 65534.  -errno when the kernel or
 * our privileges do not allow it.
 */
static int
ns_enter(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		"mode=0755,size=16m") < 0)
		return -errno;
	if (mkdir("/run/user", 0755) < 0 || mkdir(USER_DIR, 0700) < 0 ||
	    chown(USER_DIR, TD_NOBODY, TD_NOBODY) < 0)
		return -errno;
	return 0;
}

/* Can a sub-test have a private /run?  Asked in a child, from main. */
static bool
ns_available(char *why, size_t len)
{
	pid_t pid = fork();
	int st, rc;

	if (pid == 0) {
		rc = ns_enter();
		_exit(rc < 0 ? -rc : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		snprintf(why, len, "cannot fork");
		return false;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, len, "no private mount namespace: %s",
		    WIFEXITED(st) ? strerror(WEXITSTATUS(st)) : "crashed");
		return false;
	}
	return true;
}

/*
 * Start ringd as uid (0 or 65534) with an empty configuration, no option
 * naming a socket and the environment env, and wait until it answers on
 * sock; its pid.
 */
static pid_t
ringd_start(uid_t uid, const char *const *env, const char *sock,
    const char *log)
{
	char bin[256], conf[TD_PATH_MAX + 16], logp[TD_PATH_MAX + 16];
	struct ring_ctl_status st;
	struct ring_ctl *c;
	unsigned waited;
	pid_t pid;
	int rc;

	td_build_bin("RINGD_BIN", "ringd/ringd", bin, sizeof(bin));
	snprintf(conf, sizeof(conf), "%s", d.conf);
	snprintf(logp, sizeof(logp), "%s/%s", d.dir, log);
	pid = spawn_as(uid, env,
	    (const char *const[]){ bin, "-f", "-c", conf, NULL }, logp, NULL);
	for (waited = 0;; waited += 10) {
		if ((rc = ring_ctl_connect(sock, NULL, &c)) == 0) {
			rc = ring_ctl_status(c, &st);
			ring_ctl_close(c);
			if (rc == 0 && st.pid == (uint32_t)pid)
				return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid || waited >= 10000) {
			kill(pid, SIGKILL);
			TAP_FAIL("ringd (uid %u) not answering on '%s' "
				 "(last: %s); see %s",
			    (unsigned)uid, sock, tap_rcname(rc), logp);
		}
		tu_sleep_ms(10);
	}
}

/* SIGTERM; it must exit 0 within 10 s and take its socket with it. */
static void
ringd_stop(pid_t pid, const char *sock)
{
	unsigned waited = 0;
	int st;
	pid_t w;

	TAP_SYS(kill(pid, SIGTERM));
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && waited < 10000) {
		tu_sleep_ms(10);
		waited += 10;
	}
	if (w != pid) {
		kill(pid, SIGKILL);
		TAP_FAIL("ringd %d still running 10 s after SIGTERM", pid);
	}
	TAP_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (access(sock, F_OK) == 0)
		TAP_FAIL("'%s' left behind", sock);
}

static const char *const no_env[] = { NULL };
static const char *const xdg_env[] = { "XDG_RUNTIME_DIR=" USER_DIR, NULL };

/*
 * The acceptance case: uid 65534 with no environment at all reaches the
 * system ringd with ringctl status (and ringtop); messages when it cannot.
 */
static void
test_nonroot_system(void)
{
	pid_t sys;

	td_prepare(&d, NULL);
	TAP_OK(ns_enter());
	sys = ringd_start(0, no_env, SYS_SOCK, "system.log");

	CTL_AS(TD_NOBODY, no_env, "status");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	TAP_EQ(status_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);
	/* root too, and a user with a runtime directory but no ringd in it */
	TAP_EQ(status_pid(0, no_env, NULL, SYS_SOCK), sys);
	TAP_EQ(status_pid(TD_NOBODY, xdg_env, NULL, SYS_SOCK), sys);
	/* ringtop the same way */
	TAP_EQ(top_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);

	/* a socket closed to the user: say which group opens it */
	TAP_SYS(chmod(SYS_SOCK, 0660));
	CTL_AS(TD_NOBODY, no_env, "status");
	EXPECT_STATUS(3);
	EXPECT_ERR(
	    "ringctl: cannot connect to ringd at '" SYS_SOCK "' (system");
	EXPECT_ERR("permission denied: join group 'root'");
	TOP_AS(TD_NOBODY, no_env, "-b", "-n", "1");
	EXPECT_STATUS(1);
	if (strstr(r.out, "join group 'root'") == NULL &&
	    strstr(r.err, "join group 'root'") == NULL)
		TAP_FAIL("ringtop does not name the group: %s%s", r.out, r.err);
	/* the installed way: the socket's group, and a member of it */
	{
		struct group *gr = getgrnam("ringd");
		char want[128];

		if (gr == NULL)
			gr = getgrgid(100); /* "users" on Debian */
		TAP_ASSERT(gr != NULL);
		TAP_SYS(chown(SYS_SOCK, 0, gr->gr_gid));
		snprintf(want, sizeof(want),
		    "permission denied: join group '%s'", gr->gr_name);
		CTL_AS(TD_NOBODY, no_env, "status");
		EXPECT_FAIL(3, want);
		spawn_group = gr->gr_gid;
		TAP_EQ(status_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);
		TAP_EQ(top_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);
		spawn_group = 0;
	}
	TAP_SYS(chmod(SYS_SOCK, 0600));
	CTL_AS(TD_NOBODY, no_env, "status");
	EXPECT_FAIL(3, "permission denied: the socket is its owner's alone");
	TAP_SYS(chmod(SYS_SOCK, 0666));
	TAP_EQ(status_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);

	/* nobody there: the paths tried, and the question */
	ringd_stop(sys, SYS_SOCK);
	CTL_AS(TD_NOBODY, no_env, "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: cannot connect to ringd at '" SYS_SOCK
		   "' (system; no per-user socket: XDG_RUNTIME_DIR is not "
		   "set): no such file or directory: is ringd running?");
	CTL_AS(TD_NOBODY, xdg_env, "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: cannot connect to ringd at '" SYS_SOCK
		   "' (system) or '" USER_SOCK "' (user): no such file or "
		   "directory: is ringd running?");
	CTL_AS(TD_NOBODY, no_env, "--user", "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: cannot name ringd's per-user socket: "
		   "XDG_RUNTIME_DIR is not set");
	CTL_AS(0, no_env, "-j", "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("' (system): no such file or directory: is ringd running?");
	{
		struct json_object *o = tr_parse(r.out);

		TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOENT") == 0);
		json_object_put(o);
	}
	td_cleanup(&d);
}

/*
 * The order: a per-user ringd wins for its user, --system and --user
 * force one, $RINGD_SOCKET wins over the rule, -S goes with neither.
 */
static void
test_order(void)
{
	static const char *const env_sys[] = { "XDG_RUNTIME_DIR=" USER_DIR,
		"RINGD_SOCKET=" SYS_SOCK, NULL };
	static const char *const env_user[] = { "RINGD_SOCKET=" USER_SOCK,
		NULL };
	pid_t sys, user;

	td_prepare(&d, NULL);
	TAP_OK(ns_enter());
	sys = ringd_start(0, no_env, SYS_SOCK, "system.log");
	/* ringd's own default for a user: its runtime directory */
	user = ringd_start(TD_NOBODY, xdg_env, USER_SOCK, "user.log");
	TAP_ASSERT(sys != user);

	TAP_EQ(status_pid(TD_NOBODY, xdg_env, NULL, USER_SOCK), user);
	TAP_EQ(status_pid(TD_NOBODY, xdg_env, "--system", SYS_SOCK), sys);
	TAP_EQ(status_pid(TD_NOBODY, xdg_env, "--user", USER_SOCK), user);
	TAP_EQ(status_pid(TD_NOBODY, no_env, NULL, SYS_SOCK), sys);
	/* the environment over the rule; an explicit flag over both */
	TAP_EQ(status_pid(TD_NOBODY, env_sys, NULL, SYS_SOCK), sys);
	TAP_EQ(status_pid(TD_NOBODY, env_sys, "--user", USER_SOCK), user);
	TAP_EQ(status_pid(0, env_user, NULL, USER_SOCK), user);
	TAP_EQ(status_pid(0, env_user, "--system", SYS_SOCK), sys);
	/* root keeps to the system socket even with a runtime directory */
	TAP_EQ(status_pid(0, xdg_env, NULL, SYS_SOCK), sys);
	TAP_EQ(status_pid(0, xdg_env, "--user", USER_SOCK), user);
	/* -S goes with neither flag, and the two flags not together */
	CTL_AS(TD_NOBODY, xdg_env, "-S", SYS_SOCK, "--user", "status");
	EXPECT_FAIL(2, "ringctl: -S and --user exclude each other");
	CTL_AS(TD_NOBODY, xdg_env, "--system", "--user", "status");
	EXPECT_FAIL(2, "--system and --user exclude each other");
	/* ringtop follows the same rule */
	TAP_EQ(top_pid(TD_NOBODY, xdg_env, "--system", SYS_SOCK), sys);
	TAP_EQ(top_pid(TD_NOBODY, xdg_env, NULL, USER_SOCK), user);
	TAP_EQ(top_pid(TD_NOBODY, xdg_env, "--user", USER_SOCK), user);
	TOP_AS(TD_NOBODY, xdg_env, "-S", SYS_SOCK, "--user", "-b", "-n", "1");
	EXPECT_STATUS(2);

	/* the per-user ringd gone: back to the system one */
	ringd_stop(user, USER_SOCK);
	/* a socket a dead ringd left: the user is told of --system */
	make_socket_file(USER_SOCK);
	TAP_SYS(chown(USER_SOCK, TD_NOBODY, TD_NOBODY));
	CTL_AS(TD_NOBODY, xdg_env, "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: cannot connect to ringd at '" USER_SOCK
		   "' (user; --system for the system ringd): connection "
		   "refused: is ringd running?");
	TAP_EQ(status_pid(TD_NOBODY, xdg_env, "--system", SYS_SOCK), sys);
	TAP_SYS(unlink(USER_SOCK));
	TAP_EQ(status_pid(TD_NOBODY, xdg_env, NULL, SYS_SOCK), sys);
	CTL_AS(TD_NOBODY, xdg_env, "--user", "status");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: cannot connect to ringd at '" USER_SOCK
		   "' (user): no such file or directory: is ringd running?");
	ringd_stop(sys, SYS_SOCK);
	td_cleanup(&d);
}

/* ringd --system and --user: the socket each names, for any uid. */
static void
test_ringd_scope(void)
{
	char bin[256];
	pid_t pid;

	td_prepare(&d, NULL);
	TAP_OK(ns_enter());
	td_build_bin("RINGD_BIN", "ringd/ringd", bin, sizeof(bin));
	/* root asking for its own runtime directory's socket */
	TAP_SYS(mkdir("/run/user/0", 0700));
	{
		static const char *const env[] = {
			"XDG_RUNTIME_DIR=/run/user/0", NULL
		};
		const char *const argv[] = { bin, "--user", "-f", "-c", d.conf,
			NULL };
		struct ring_ctl *c;
		unsigned waited;

		pid = spawn_as(0, env, argv, "/dev/null", NULL);
		for (waited = 0;
		     ring_ctl_connect("/run/user/0/ringd.sock", NULL, &c) < 0;
		     waited += 10) {
			if (waited >= 10000 || waitpid(pid, NULL, WNOHANG))
				TAP_FAIL("ringd --user did not listen on "
					 "/run/user/0/ringd.sock");
			tu_sleep_ms(10);
		}
		ring_ctl_close(c);
		TAP_ASSERT(access(SYS_SOCK, F_OK) < 0);
		ringd_stop(pid, "/run/user/0/ringd.sock");
	}
	/* --user without a runtime directory, -S with --system: refused */
	run_as(0, no_env,
	    (const char *const[]){ bin, "--user", "-f", "-c", d.conf, NULL });
	EXPECT_FAIL(1, "XDG_RUNTIME_DIR is not set");
	run_as(0, no_env,
	    (const char *const[]){ bin, "--system", "-S", "/x", NULL });
	EXPECT_FAIL(2, "ringd: -S and --system exclude each other");
	td_cleanup(&d);
}

int
main(int argc, char **argv)
{
	static const char *const ns_tests[] = { "sockets-nonroot-system",
		"sockets-order", "sockets-ringd-scope" };
	char why[128];
	size_t i;

	tap_init(argc, argv);
	td_setup();
	tap_run("sockets-rule", test_rule, 60);
	if (getuid() != 0 || !ns_available(why, sizeof(why))) {
		if (getuid() != 0)
			snprintf(why, sizeof(why), "not root");
		for (i = 0; i < sizeof(ns_tests) / sizeof(ns_tests[0]); i++)
			tap_skip(ns_tests[i],
			    "%s: cannot give the test a private /run", why);
		return tap_done();
	}
	tap_run(ns_tests[0], test_nonroot_system, 120);
	tap_run(ns_tests[1], test_order, 120);
	tap_run(ns_tests[2], test_ringd_scope, 60);
	return tap_done();
}
