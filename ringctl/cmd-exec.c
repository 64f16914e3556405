/*
 * cmd-exec.c - "exec": run a program where /scheme/NAME is the directory
 * of every registered scheme that has one (RING_CTL_SERVE_ROOT), as on
 * Redox, so that a program's own open("/scheme/disk/1") works unchanged.
 *
 * Like ip netns exec: ringctl forks; the child enters a private mount
 * namespace (as root; otherwise an unprivileged user and mount namespace
 * mapping only the caller's ids, where the kernel allows it), mounts a
 * tmpfs on /scheme, bind-mounts each scheme's directory below it
 * (nosuid, nodev, nosymfollow: a scheme cannot lead a program elsewhere
 * through a symlink), makes /scheme itself read-only and runs the
 * program with RINGD_SOCKET naming the ringd ringctl asked.  The parent
 * waits and returns the program's status.  The host's mount table never
 * changes; /scheme must exist there as a mount point (root creates it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ringctl.h"
#include "common/common.h"

#define EXEC_ROOT "/scheme"

static cmd_fn cmd_exec;

enum { EXEC_OPT_LIST, EXEC_OPT_QUIET, EXEC_NOPTS };

CMD_OPTS(exec_opts, EXEC_NOPTS,
	[EXEC_OPT_LIST] = { "list", 0, NULL,
	    "print what /scheme would hold, run nothing" },
	[EXEC_OPT_QUIET] = { "quiet", 'q', NULL,
	    "no warnings about skipped schemes; with --list, names only" });

CMD_ENTRY(exec, "[-q] [--list] [--] PROGRAM [ARGUMENT ...]",
    "run a program with /scheme/NAME for each scheme's directory",
    .max_args = -1, .flags = CMD_OPTS_FIRST, .args = { ARG_PROGRAM },
    .opts = exec_opts);

/* One scheme's directory, as ringd handed it over. */
struct exec_dir {
	char name[RING_CTL_NAME_MAX];
	char path[PATH_MAX]; /* where it is in our namespace, for messages */
	int fd;		     /* O_PATH, from ringd; -1: none */
	int fd_ns;	     /* the same directory, opened in the new namespace */
	struct stat st;
	bool usable; /* a path component we can mount (not "." or "..") */
};

static void
exec_free(struct exec_dir *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].fd >= 0)
			close(v[i].fd);
		if (v[i].fd_ns >= 0)
			close(v[i].fd_ns);
	}
	free(v);
}

/*
 * The directories of the registered schemes into *out (*n of them, those
 * without one left out).  RC_OK, or the status after reporting.
 */
static int
exec_collect(struct ringctl *rc, bool quiet, struct exec_dir **out, size_t *n)
{
	struct ring_ctl_scheme *s = NULL;
	struct exec_dir *v;
	char link[64], buf[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	size_t ns, i;
	ssize_t len;
	int err, fd;

	*out = NULL;
	*n = 0;
	if ((err = ring_ctl_list_schemes(rc->ctl, &s, &ns)) < 0)
		return conn_fail(rc, err, "exec: cannot list schemes");
	if ((v = calloc(ns + 1, sizeof(*v))) == NULL) {
		free(s);
		return out_fail(rc, RC_EXEC_FAILED, -ENOMEM, "exec");
	}
	for (i = 0; i < ns; i++) {
		struct exec_dir *d = &v[*n];

		err = ring_ctl_scheme_root(rc->ctl, s[i].name, &fd);
		if (err == -ENOENT)
			continue; /* no directory (or gone meanwhile) */
		if (err == -EACCES) {
			if (!quiet)
				fprintf(stderr, "ringctl: exec: skipping "
				    "'%s': the policy does not let you open "
				    "it\n",
				    out_name(s[i].name, buf, sizeof(buf)));
			continue;
		}
		if (err < 0) {
			free(s);
			exec_free(v, *n);
			return conn_fail(rc, err,
			    "exec: cannot get the directory of '%s'",
			    out_name(s[i].name, buf, sizeof(buf)));
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		memcpy(d->name, s[i].name, sizeof(d->name));
		d->name[sizeof(d->name) - 1] = '\0';
		d->fd = fd;
		d->fd_ns = -1;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, d->path, sizeof(d->path) - 1);
		d->path[len > 0 ? len : 0] = '\0';
		/* ringd's names are [A-Za-z0-9._-]: only these are no path */
		d->usable = strcmp(d->name, ".") != 0 &&
		    strcmp(d->name, "..") != 0 && d->path[0] == '/' &&
		    fstat(fd, &d->st) == 0 && S_ISDIR(d->st.st_mode);
		if (!d->usable && !quiet)
			fprintf(stderr, "ringctl: exec: skipping '%s': %s\n",
			    out_name(d->name, buf, sizeof(buf)),
			    d->path[0] != '/' || !S_ISDIR(d->st.st_mode)
				? "its directory cannot be reached"
				: "not a usable name under " EXEC_ROOT);
		(*n)++;
	}
	free(s);
	*out = v;
	return RC_OK;
}

/* "exec --list": the mapping, as a table or JSON. */
static int
exec_list(struct ringctl *rc, const struct exec_dir *v, size_t n, bool quiet)
{
	static const char *const hdr[] = { "NAME", "MOUNT", "DIRECTORY" };
	struct json_object *arr = json_object_new_array(), *o;
	struct table *t;
	char mnt[sizeof(EXEC_ROOT) + RING_CTL_NAME_MAX];
	char name[SAN_VIS_LEN(RING_CTL_NAME_MAX)], path[SAN_VIS_LEN(PATH_MAX)];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(mnt, sizeof(mnt), EXEC_ROOT "/%s", v[i].name);
		o = json_object_new_object();
		json_object_object_add(o, "name",
		    json_object_new_string(v[i].name));
		json_object_object_add(o, "mount",
		    v[i].usable ? json_object_new_string(mnt) : NULL);
		json_object_object_add(o, "directory",
		    v[i].path[0] != '\0' ? json_object_new_string(v[i].path)
					 : NULL);
		json_object_array_add(arr, o);
	}
	if (out_list_short(rc, quiet, arr, "name"))
		return RC_OK;
	t = table_new(3, hdr);
	for (i = 0; i < n; i++) {
		snprintf(mnt, sizeof(mnt), EXEC_ROOT "/%s", v[i].name);
		table_add(t, out_name(v[i].name, name, sizeof(name)),
		    v[i].usable ? mnt : NULL,
		    v[i].path[0] != '\0' ? out_name(v[i].path, path,
					       sizeof(path))
					 : NULL);
	}
	table_print(t, stdout);
	table_free(t);
	json_object_put(arr);
	return RC_OK;
}

/*
 * /scheme on the host: there already, or made by root (0755, as ip netns
 * makes /run/netns).  RC_OK, or the status after reporting.
 */
static int
exec_mountpoint(struct ringctl *rc)
{
	struct stat st;

	if (lstat(EXEC_ROOT, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return RC_OK;
		return out_fail_plain(rc, RC_EXEC_FAILED, -ENOTDIR,
		    "exec: " EXEC_ROOT " is not a directory");
	}
	if (errno != ENOENT)
		return out_fail(rc, RC_EXEC_FAILED, -errno,
		    "exec: cannot look at " EXEC_ROOT);
	if (geteuid() != 0)
		return out_fail_plain(rc, RC_EXEC_FAILED, -ENOENT,
		    "exec: " EXEC_ROOT " does not exist: run ringctl exec as "
		    "root once, or have root run 'mkdir -m 0755 " EXEC_ROOT
		    "'");
	if (mkdir(EXEC_ROOT, 0755) < 0 && errno != EEXIST)
		return out_fail(rc, RC_EXEC_FAILED, -errno,
		    "exec: cannot make " EXEC_ROOT);
	return RC_OK;
}

/* Write s to the file path (a /proc/self id map): 0 or -errno. */
static int
exec_write(const char *path, const char *s)
{
	int fd, err;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	err = io_full(fd, (void *)s, strlen(s), true);
	close(fd);
	return err;
}

/*
 * Child: a mount namespace of our own.  Root makes a plain one; anyone
 * else (and root without CAP_SYS_ADMIN) a user namespace too, mapping
 * only our own uid and gid, so the program runs with our ids and no
 * privilege once it is exec'd.  0, or -errno after reporting.
 */
static int
exec_unshare(struct ringctl *rc)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int err;

	if (uid == 0 && unshare(CLONE_NEWNS) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		err = -errno;
		out_fail(rc, RC_EXEC_FAILED, err,
		    "exec: cannot make a mount namespace%s", uid == 0 ? ""
		    : " (run as root, or allow unprivileged user namespaces)");
		return err;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if ((err = exec_write("/proc/self/setgroups", "deny")) < 0 ||
	    (err = exec_write("/proc/self/uid_map", map)) < 0)
		goto fail;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if ((err = exec_write("/proc/self/gid_map", map)) < 0)
		goto fail;
	return 0;
fail:
	out_fail(rc, RC_EXEC_FAILED, err, "exec: cannot map our ids in a user "
	    "namespace");
	return err;
}

/*
 * Child: the mount flags target has now, as MS_* bits, with the atime
 * rule spelt out, for a bind remount that keeps them (a user namespace
 * may not drop a locked one).
 */
static unsigned long
exec_mnt_flags(const char *target)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY },
		{ ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },
		{ ST_SYNCHRONOUS, MS_SYNCHRONOUS },
		{ ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME }, /* 0x1000 against 1 << 21 */
	};
	struct statvfs sv;
	unsigned long f = 0;
	size_t i;

	if (statvfs(target, &sv) < 0)
		return MS_NOSUID | MS_NODEV;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sv.f_flag & map[i].st)
			f |= map[i].ms;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

/*
 * Child: bind d at /scheme/NAME, nosuid, nodev, nosymfollow.  0, or
 * -errno with *what naming the step.
 */
static int
exec_bind(const struct exec_dir *d, const char **what)
{
	char target[sizeof(EXEC_ROOT) + RING_CTL_NAME_MAX], src[64];
	unsigned long f;

	snprintf(target, sizeof(target), EXEC_ROOT "/%s", d->name);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", d->fd_ns);
	*what = "cannot make its mount point";
	if (mkdir(target, 0755) < 0)
		return -errno;
	*what = "cannot bind-mount it";
	if (mount(src, target, NULL, MS_BIND, NULL) < 0)
		goto fail;
	f = exec_mnt_flags(target);
	*what = "cannot make it nosuid,nodev,nosymfollow";
	if (mount(NULL, target, NULL,
		MS_REMOUNT | MS_BIND | f | MS_NOSUID | MS_NODEV |
		    MS_NOSYMFOLLOW,
		NULL) < 0)
		goto fail;
	return 0;
fail:
	{
		int err = -errno;

		umount2(target, MNT_DETACH);
		rmdir(target);
		return err;
	}
}

/*
 * Child: open each directory again inside the new namespace, where the
 * path ringd's descriptor names must lead to the same directory (a bind
 * from a descriptor of another namespace is refused by the kernel), and
 * before /scheme is covered.  A directory that moved is skipped.
 */
static void
exec_reopen(struct exec_dir *v, size_t n, bool quiet)
{
	char buf[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *why = "its directory is not where it was";

		if (!v[i].usable)
			continue;
		v[i].fd_ns = open(v[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (v[i].fd_ns >= 0 && fstat(v[i].fd_ns, &st) == 0 &&
		    st.st_dev == v[i].st.st_dev && st.st_ino == v[i].st.st_ino)
			continue;
		if (v[i].fd_ns < 0 && errno != ENOENT)
			why = out_strerror(-errno); /* e.g. not ours to search */
		if (!quiet)
			fprintf(stderr, "ringctl: exec: skipping '%s': %s\n",
			    out_name(v[i].name, buf, sizeof(buf)), why);
		v[i].usable = false;
	}
}

/*
 * Child: make the namespace and run argv.  Returns only on failure, with
 * the status to exit with, after reporting.
 */
static int
exec_child(struct ringctl *rc, struct exec_dir *v, size_t n, bool quiet,
    const char *sock, const sigset_t *mask, char **argv)
{
	char buf[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	const char *what;
	size_t i;
	int err;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (exec_unshare(rc) < 0)
		return RC_EXEC_FAILED;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return out_fail(rc, RC_EXEC_FAILED, -errno,
		    "exec: cannot make the mount namespace private");
	exec_reopen(v, n, quiet);
	if (mount("ringd-scheme", EXEC_ROOT, "tmpfs",
		MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0)
		return out_fail(rc, RC_EXEC_FAILED, -errno,
		    "exec: cannot mount a tmpfs on " EXEC_ROOT);
	for (i = 0; i < n; i++) {
		if (!v[i].usable)
			continue;
		if ((err = exec_bind(&v[i], &what)) < 0 && !quiet)
			fprintf(stderr, "ringctl: exec: skipping '%s': %s: %s\n",
			    out_name(v[i].name, buf, sizeof(buf)), what,
			    out_strerror(err));
	}
	if (mount(NULL, EXEC_ROOT, NULL,
		MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		    MS_NOEXEC,
		NULL) < 0)
		return out_fail(rc, RC_EXEC_FAILED, -errno,
		    "exec: cannot make " EXEC_ROOT " read-only");
	if (setenv("RINGD_SOCKET", sock, 1) < 0)
		return out_fail(rc, RC_EXEC_FAILED, -errno, "exec");
	execvp(argv[0], argv);
	err = errno;
	out_fail(rc, err == ENOENT ? RC_EXEC_NOTFOUND : RC_EXEC_CANNOT, -err,
	    "exec: cannot run '%s'", argv[0]);
	return err == ENOENT ? RC_EXEC_NOTFOUND : RC_EXEC_CANNOT;
}

/*
 * The socket ringctl talked to, absolute (the program may change its
 * directory) into buf.  0 or -errno.
 */
static int
exec_sock(const struct ringctl *rc, char *buf, size_t len)
{
	char cwd[PATH_MAX];
	int w;

	if (rc->sock_path[0] == '/')
		w = snprintf(buf, len, "%s", rc->sock_path);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		w = snprintf(buf, len, "%s/%s", cwd, rc->sock_path);
	else
		return -errno;
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* The program a one-shot ringctl waits for, for exec_forward(). */
static volatile pid_t exec_pid;

/* SIGTERM to ringctl is meant for the program (kill, service managers). */
static void
exec_forward(int sig)
{
	if (exec_pid > 0)
		kill(exec_pid, sig);
}

/*
 * Wait for the program as system() does: Ctrl-C (which the terminal
 * sends the program too) is for it, not us.  A one-shot ringctl also
 * passes SIGTERM on; the shell keeps its own handler (it leaves after).
 */
static int
exec_wait(struct ringctl *rc, pid_t pid, const sigset_t *mask)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit, oterm;
	struct sigaction fwd = { .sa_handler = exec_forward };
	int status, st;

	sigemptyset(&ign.sa_mask);
	sigemptyset(&fwd.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	exec_pid = pid;
	if (!rc->in_shell)
		sigaction(SIGTERM, &fwd, &oterm);
	/* a SIGTERM since the fork, held back, goes to the program now */
	sigprocmask(SIG_SETMASK, mask, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc->in_shell)
		sigaction(SIGTERM, &oterm, NULL);
	exec_pid = 0;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (WIFEXITED(status))
		st = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		st = 128 + WTERMSIG(status);
	else
		st = out_fail(rc, RC_EXEC_FAILED, 0, "exec: lost the program");
	return st;
}

static int
cmd_exec(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	bool list = a->set[EXEC_OPT_LIST], quiet = a->set[EXEC_OPT_QUIET];
	char sock[PATH_MAX];
	sigset_t term, mask;
	struct exec_dir *v;
	size_t n;
	pid_t pid;
	int st, err;

	if (list && a->argc > 0)
		return cmd_usage_error(rc, ce, "exec: --list runs no program");
	if (!list && a->argc == 0)
		return cmd_usage_error(rc, ce, "exec: missing program");
	if (!list && rc->json)
		return cmd_usage_error(rc, ce,
		    "exec: only --list has a JSON form");
	/* exec's own failures are 125, apart from the program's statuses */
	if ((st = conn_need(rc)) != RC_OK ||
	    (st = exec_collect(rc, quiet, &v, &n)) != RC_OK)
		return list ? st : RC_EXEC_FAILED;
	if (list) {
		st = exec_list(rc, v, n, quiet);
		exec_free(v, n);
		return st;
	}
	if ((err = exec_sock(rc, sock, sizeof(sock))) < 0) {
		exec_free(v, n);
		return out_fail(rc, RC_EXEC_FAILED, err,
		    "exec: cannot name ringd's socket");
	}
	/* a one-shot ringctl has no more to ask ringd; a shell keeps it */
	if (!rc->in_shell)
		conn_close(rc);
	if ((st = exec_mountpoint(rc)) != RC_OK) {
		exec_free(v, n);
		return st;
	}
	fflush(NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &mask);
	if ((pid = fork()) < 0) {
		err = -errno;
		sigprocmask(SIG_SETMASK, &mask, NULL);
		exec_free(v, n);
		return out_fail(rc, RC_EXEC_FAILED, err, "exec: cannot fork");
	}
	if (pid == 0) {
		/* a->argv has no NULL at its end: argv for execvp() does */
		char **argv = calloc((size_t)a->argc + 1, sizeof(*argv));

		st = RC_EXEC_FAILED;
		if (argv == NULL)
			out_fail(rc, st, -ENOMEM, "exec");
		else
			st = exec_child(rc, v, n, quiet, sock, &mask,
			    memcpy(argv, a->argv,
				(size_t)a->argc * sizeof(*argv)));
		fflush(NULL);
		_exit(st);
	}
	exec_free(v, n);
	return exec_wait(rc, pid, &mask);
}
