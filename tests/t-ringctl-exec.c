/*
 * t-ringctl-exec.c - "ringctl exec" against a private ringd: schemes made
 * here offer a temporary directory (ring_ctl_scheme_set() with
 * RING_CTL_SERVE_ROOT), and programs run through ringctl exec see it at
 * /scheme/NAME: reads, writes landing in the directory, two schemes, no
 * scheme (an empty, read-only /scheme), symlinks not followed, the exit
 * status passed through (3, 128 + signal, 127, 126), RINGD_SOCKET, the
 * program's own options, --list in text and JSON, exec in a batch file
 * (as in the shell), SIGTERM passed on, usage errors, ringd
 * unreachable (125), the host's mount table unchanged afterwards, and a
 * caller who is not root.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

/* The scheme processes of a sub-test. */
#define EX_SCHEMES_MAX 2
static pid_t ex_pids[EX_SCHEMES_MAX];
static unsigned ex_n;

/* Make d.dir/sub (0755) with the file "file" holding text; path in buf. */
static void
ex_dir(const char *sub, const char *text, char *buf, size_t len)
{
	char file[TD_PATH_MAX + 16];
	int fd;

	snprintf(buf, len, "%s/%s", d.dir, sub);
	TAP_SYS(mkdir(buf, 0755));
	snprintf(file, sizeof(file), "%s/file", buf);
	TAP_SYS(fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	TAP_EQ(write(fd, text, strlen(text)), (long)strlen(text));
	close(fd);
}

/*
 * A scheme process: registers name and offers dir as its directory, then
 * waits to be killed.  Returns once ringd has the directory.
 */
static void
ex_scheme(const char *name, const char *dir)
{
	struct ring_ctl *c;
	pid_t pid;
	char b;
	int p[2], fd;

	TAP_ASSERT(ex_n < EX_SCHEMES_MAX);
	TAP_SYS(pipe(p));
	if ((pid = tap_fork()) == 0) {
		close(p[0]);
		c = td_connect(&d);
		TAP_SYS(fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
		TAP_RC(ring_ctl_register(c, name, NULL, 0), 0);
		TAP_RC(ring_ctl_scheme_set(c, name, RING_CTL_SERVE_ROOT, fd),
		    0);
		TAP_EQ(write(p[1], "x", 1), 1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &b, 1) != 1)
		TAP_FAIL("scheme '%s' did not start", name);
	close(p[0]);
	ex_pids[ex_n++] = pid;
}

/* Kill the schemes, check ringd let go of everything, stop it. */
static void
ex_end(void)
{
	while (ex_n > 0)
		tap_kill(ex_pids[--ex_n]);
	td_finish(&d);
}

/* Our mount table has no mount on /scheme (nor below it). */
static void
ex_host_unchanged(void)
{
	static char buf[256 * 1024];
	const char *p;

	td_read_file("/proc/self/mountinfo", buf, sizeof(buf));
	for (p = buf; (p = strstr(p, " /scheme")) != NULL; p++)
		if (p[8] == ' ' || p[8] == '/')
			TAP_FAIL("the host has a mount on /scheme:\n%s", buf);
}

/* Run "ringctl -S sock exec -- sh -c script". */
#define EX_SH(script) CTL("exec", "--", "sh", "-c", (script))

TAP_TEST(test_read_write, "exec-read-write", 60)
{
	char dir[TD_PATH_MAX], path[TD_PATH_MAX + 16], buf[64];

	td_begin(&d, NULL);
	ex_dir("files", "hello\n", dir, sizeof(dir));
	ex_scheme("files", dir);
	EX_SH("cat /scheme/files/file");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "hello\n") == 0);
	/* a write lands in the scheme's directory */
	EX_SH("echo written > /scheme/files/new && ls /scheme");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "files\n") == 0);
	snprintf(path, sizeof(path), "%s/new", dir);
	TAP_ASSERT(td_read_file(path, buf, sizeof(buf)) >= 0);
	TAP_ASSERT(strcmp(buf, "written\n") == 0);
	/* /scheme itself is read-only; the mounts are nosuid,nodev */
	EX_SH("touch /scheme/other");
	TAP_ASSERT(r.status != 0);
	EX_SH("grep ' /scheme/files ' /proc/self/mountinfo");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "nosuid") != NULL);
	TAP_ASSERT(strstr(r.out, "nodev") != NULL);
	TAP_ASSERT(strstr(r.out, "nosymfollow") != NULL);
	/* the program's own options are its own, "--" or not */
	CTL("exec", "sh", "-c", "echo $RINGD_SOCKET; exit 0");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, d.sock, strlen(d.sock)) == 0 ||
	    strstr(r.out, d.sock) != NULL);
	ex_host_unchanged();
	ex_end();
}

TAP_TEST(test_two, "exec-two-schemes", 60)
{
	char a[TD_PATH_MAX], b[TD_PATH_MAX];

	td_begin(&d, NULL);
	ex_dir("a", "one\n", a, sizeof(a));
	ex_dir("b", "two\n", b, sizeof(b));
	ex_scheme("disk.pci-0000-00-06.0-nvme", a);
	ex_scheme("logging", b);
	EX_SH("ls /scheme; cat /scheme/disk.pci-0000-00-06.0-nvme/file "
	      "/scheme/logging/file");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out,
		       "disk.pci-0000-00-06.0-nvme\nlogging\none\ntwo\n") == 0);
	/* --list: the same mapping, in text, JSON and names only */
	CTL_OK("exec", "--list");
	TAP_ASSERT(strstr(r.out, "/scheme/logging") != NULL);
	TAP_ASSERT(strstr(r.out, b) != NULL);
	CTL_OK("exec", "--list", "-q");
	TAP_ASSERT(strcmp(r.out, "disk.pci-0000-00-06.0-nvme\nlogging\n") ==
	    0);
	CTL_OK("-j", "exec", "--list");
	{
		struct json_object *o = JSON_OUT(), *e;

		TAP_ASSERT(json_object_is_type(o, json_type_array));
		TAP_EQ(json_object_array_length(o), 2);
		e = json_object_array_get_idx(o, 1);
		tr_keys(e, "exec entry", "name:string", "mount:string?",
		    "directory:string?");
		TAP_ASSERT(strcmp(tr_str(e, "mount"), "/scheme/logging") == 0);
		TAP_ASSERT(strcmp(tr_str(e, "directory"), b) == 0);
		json_object_put(o);
	}
	ex_host_unchanged();
	ex_end();
}

TAP_TEST(test_empty, "exec-no-scheme", 60)
{
	td_begin(&d, NULL);
	EX_SH("ls -A /scheme; echo end");
	EXPECT_STATUS(0);
	TAP_ASSERT(strcmp(r.out, "end\n") == 0);
	CTL_OK("exec", "--list", "-q");
	TAP_ASSERT(r.out[0] == '\0');
	ex_host_unchanged();
	td_finish(&d);
}

TAP_TEST(test_symlink, "exec-symlink-not-followed", 60)
{
	char dir[TD_PATH_MAX], out[TD_PATH_MAX], link[TD_PATH_MAX + 16];
	char file[TD_PATH_MAX + 16];

	td_begin(&d, NULL);
	ex_dir("files", "inside\n", dir, sizeof(dir));
	ex_dir("outside", "secret\n", out, sizeof(out));
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(file, sizeof(file), "%s/file", out);
	TAP_SYS(symlink(file, link));
	ex_scheme("files", dir);
	EX_SH("cat /scheme/files/link");
	TAP_ASSERT(r.status != 0);
	TAP_ASSERT(strstr(r.out, "secret") == NULL);
	TAP_ASSERT(strstr(r.err, "symbolic links") != NULL);
	/* the file itself still reads */
	EX_SH("cat /scheme/files/file");
	EXPECT_STATUS(0);
	ex_end();
}

TAP_TEST(test_status, "exec-status", 60)
{
	char path[TD_PATH_MAX + 16];
	int fd;

	td_begin(&d, NULL);
	EX_SH("exit 3");
	EXPECT_STATUS(3);
	TAP_ASSERT(r.err[0] == '\0');
	EX_SH("kill -TERM $$");
	EXPECT_STATUS(128 + SIGTERM);
	CTL("exec", "--", "/nonexistent/program");
	EXPECT_FAIL(127, "cannot run '/nonexistent/program'");
	CTL("exec", "no-such-program-here");
	EXPECT_FAIL(127, "no such file or directory");
	snprintf(path, sizeof(path), "%s/not-executable", d.dir);
	TAP_SYS(fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	close(fd);
	CTL("exec", path);
	EXPECT_FAIL(126, "cannot run");
	ex_host_unchanged();
	td_finish(&d);
}

/* From a batch file (as from the shell): the program runs, then the next
   command; a failing program stops the batch with its status. */
TAP_TEST(test_batch, "exec-batch", 60)
{
	char dir[TD_PATH_MAX];

	td_begin(&d, NULL);
	ex_dir("files", "batch\n", dir, sizeof(dir));
	ex_scheme("files", dir);
	CTL_IN("exec -- sh -c 'cat /scheme/files/file'\nschemes -q\n", "-b",
	    "-");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "batch\n", 6) == 0);
	TAP_ASSERT(strstr(r.out, "files\n") != NULL);
	CTL_IN("exec sh -c 'exit 4'\nschemes -q\n", "-b", "-");
	EXPECT_STATUS(4);
	TAP_ASSERT(strstr(r.out, "files") == NULL);
	ex_host_unchanged();
	ex_end();
}

/* SIGTERM to a one-shot ringctl exec reaches the program. */
TAP_TEST(test_term, "exec-sigterm", 60)
{
	char out[TD_PATH_MAX + 16], buf[64];
	pid_t pid;
	int i;

	td_begin(&d, NULL);
	pid = tr_spawn_in(d.dir, "term", NULL,
	    (const char *const[]){ "-S", d.sock, "exec", "--", "sh", "-c",
		"trap 'exit 9' TERM; echo ready; "
		"while :; do sleep 0.05; done",
		NULL });
	snprintf(out, sizeof(out), "%s/term.out", d.dir);
	for (i = 0; i < 500; i++) {
		if (td_read_file(out, buf, sizeof(buf)) > 0 &&
		    strcmp(buf, "ready\n") == 0)
			break;
		tu_sleep_ms(10);
	}
	TAP_ASSERT(i < 500);
	TAP_SYS(kill(pid, SIGTERM));
	tr_collect(d.dir, "term", pid, 10000, &r);
	EXPECT_STATUS(9);
	td_finish(&d);
}

static const struct tr_usage exec_usage[] = {
	{ { "exec" }, "exec: missing program" },
	{ { "exec", "--list", "ls" }, "exec: --list runs no program" },
	{ { "exec", "--bogus", "ls" }, "exec: unknown option '--bogus'" },
};

TAP_TEST(test_usage, "exec-usage", 60)
{
	td_begin(&d, NULL);
	USAGE_CASES(exec_usage);
	CTL("-j", "exec", "ls");
	EXPECT_FAIL(2, "exec: only --list has a JSON form");
	CTL_OK("help", "exec");
	TAP_ASSERT(strstr(r.out, "--list") != NULL);
	td_stop(&d);
	/* ringd gone: exec's own failure, apart from the program's */
	EX_SH("exit 0");
	EXPECT_FAIL(125, "ringctl: ");
	td_cleanup(&d);
}

/*
 * Not root: an unprivileged user and mount namespace where the kernel
 * allows one (then the program runs with the caller's uid), else a clear
 * error.
 */
TAP_TEST_ROOT(test_nobody, "exec-not-root", 60, "runs ringctl as nobody")
{
	char dir[TD_PATH_MAX], script[TD_PATH_MAX + 64];
	const char *argv[16];
	pid_t pid;

	/* the mount point only root may make, as ringctl exec does */
	if (mkdir("/scheme", 0755) < 0 && errno != EEXIST)
		TAP_FAIL("mkdir /scheme: %s", strerror(errno));
	td_begin(&d, NULL);
	TAP_SYS(chmod(d.dir, 0755));
	ex_dir("files", "public\n", dir, sizeof(dir));
	ex_scheme("files", dir);
	/* root's own directory: mounted, but its modes still hold */
	ex_dir("private", "secret\n", dir, sizeof(dir));
	TAP_SYS(chmod(dir, 0700));
	ex_scheme("private", dir);
	snprintf(script, sizeof(script),
	    "id -u; cat /scheme/files/file; ls /scheme; "
	    "cat /scheme/private/file 2>/dev/null || echo denied");
	argv[0] = "/usr/bin/setpriv";
	argv[1] = "--reuid=65534";
	argv[2] = "--regid=65534";
	argv[3] = "--clear-groups";
	argv[4] = tr_binary();
	argv[5] = "-S";
	argv[6] = d.sock;
	argv[7] = "exec";
	argv[8] = "--";
	argv[9] = "sh";
	argv[10] = "-c";
	argv[11] = script;
	argv[12] = NULL;
	pid = tr_spawn_argv(d.dir, "nobody", NULL, argv);
	tr_collect(d.dir, "nobody", pid, 30000, &r);
	if (r.status == 0) {
		if (strcmp(r.out, "65534\npublic\nfiles\nprivate\ndenied\n") != 0)
			TAP_FAIL("out: %s err: %s", r.out, r.err);
	} else {
		tap_diag("no user namespace for nobody here: %s", r.err);
		EXPECT_FAIL(125, "cannot make a mount namespace");
		EXPECT_ERR("run as root");
	}
	ex_host_unchanged();
	ex_end();
}

TAP_MAIN(td_setup)
