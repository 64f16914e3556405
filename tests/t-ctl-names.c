/*
 * t-ctl-names.c - scheme-name ownership in a private ringd: one owner per
 * name, a name freed when its owner leaves, and names across uids; how a
 * name is served (SCHEME_SET) and its directory (SCHEME_ROOT).
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
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"
#include "lib/scheme.h"

/* The ringd of the running sub-test (each sub-test is its own process). */
static struct td d;

/* --- scheme names ------------------------------------------------------ */

TAP_TEST(test_names, "ctl-names", 30)
{
	struct ring_ctl *c1, *c2;
	struct ring_ctl_scheme rec;

	td_begin(&d, "max_schemes_per_client = 3\n");
	c1 = td_connect(&d);
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_register(c1, "dup", NULL, 0), 0);
	/* the same client, another client of the same uid: taken */
	TAP_RC(ring_ctl_register(c1, "dup", NULL, 0), -EADDRINUSE);
	TAP_RC(ring_ctl_register(c2, "dup", NULL, 0), -EADDRINUSE);
	/* built-in names are nobody's to take */
	TAP_RC(ring_ctl_register(c1, "null", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_register(c2, "echo", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_register(c2, "zero", NULL, 0), -EPERM);
	/* bad names */
	TAP_RC(ring_ctl_register(c1, "a b", NULL, 0), -EINVAL);
	TAP_RC(ring_ctl_register(c1, "", NULL, 0), -EINVAL);
	/* only the owner gives a name back */
	TAP_RC(ring_ctl_unregister(c2, "dup"), -EPERM);
	TAP_RC(ring_ctl_unregister(c2, "nosuch"), -ENOENT);
	TAP_RC(ring_ctl_unregister(c1, "null"), -EPERM);
	TAP_ASSERT(td_find_scheme(c2, "dup", &rec));
	TAP_EQ(rec.owner.pid, getpid());
	TAP_RC(ring_ctl_unregister(c1, "dup"), 0);
	TAP_ASSERT(!td_find_scheme(c2, "dup", NULL));
	TAP_RC(ring_ctl_unregister(c1, "dup"), -ENOENT);
	TAP_RC(ring_ctl_register(c2, "dup", NULL, 0), 0);
	/* max_schemes_per_client */
	TAP_RC(ring_ctl_register(c1, "n1", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n2", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n3", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n4", NULL, 0), -EMFILE);
	TAP_RC(ring_ctl_unregister(c1, "n3"), 0);
	TAP_RC(ring_ctl_register(c1, "n4", NULL, 0), 0);
	ring_ctl_close(c1);
	td_end(&d, c2);
}

/* A name comes free when its owner disconnects or dies. */
TAP_TEST(test_name_freed, "ctl-name-freed", 30)
{
	struct ring_ctl *c1, *c2, *sc;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	c2 = td_connect(&d);
	c1 = td_connect(&d);
	TAP_RC(ring_ctl_register(c1, "freeme", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c2, "freeme", NULL, 0), -EADDRINUSE);
	ring_ctl_close(c1);
	td_await_scheme_gone(c2, "freeme");
	TAP_RC(ring_ctl_register(c2, "freeme", NULL, 0), 0);

	/* an owner killed with SIGKILL */
	pid = ts_fork_registered(&d, "killme", NULL, 0, p, &sc);
	if (pid == 0)
		for (;;)
			pause();
	TAP_ASSERT(td_find_scheme(c2, "killme", NULL));
	tap_kill(pid);
	td_await_scheme_gone(c2, "killme");
	TAP_RC(ring_ctl_register(c2, "killme", NULL, 0), 0);
	tu_pipe_close(p);
	td_end(&d, c2);
}

/*
 * Names across uids: a helper running as uid/gid 65534 can neither take
 * nor drop root's name; root cannot take its name either (root_takeover
 * is off by default); its attach to root's scheme carries its ids.
 */
TAP_TEST_ROOT(test_name_uid, "ctl-name-uid", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;
	struct ring_attach a;
	struct ring_ctl_scheme rec;
	struct ts_served v = { 0 };
	int p[2], q[2];
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "rootname", ts_ops, 3), 0);
	tu_pipe(p);
	tu_pipe(q);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *nc;
		struct ring_ctl_scheme *sv;
		size_t n;
		uint64_t id;
		struct ring *r;

		td_become_nobody();
		nc = td_connect(&d);
		TAP_RC(ring_ctl_register(nc, "rootname", NULL, 0), -EPERM);
		TAP_RC(ring_ctl_unregister(nc, "rootname"), -EPERM);
		TAP_RC(ring_ctl_register(nc, "nobodyname", NULL, 0), 0);
		/* anyone may look */
		TAP_RC(ring_ctl_list_schemes(nc, &sv, &n), 0);
		free(sv);
		tu_notify(p[1]);
		tu_await(q[0], 5000);
		/* open a ring to root's scheme: root sees who we are */
		r = td_open(nc, "rootname", 8, 0, 0, &id);
		ts_consume(r, 0x777, 5);
		ring_close(r);
		TAP_RC(ring_ctl_close_ring(nc, id), 0);
		tu_await(q[0], 5000);
		ring_ctl_close(nc);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	TAP_RC(ring_ctl_register(c, "nobodyname", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_unregister(c, "nobodyname"), -EPERM);
	TAP_ASSERT(td_find_scheme(c, "nobodyname", &rec));
	TAP_EQ(rec.owner.uid, TD_NOBODY);
	TAP_EQ(rec.owner.gid, TD_NOBODY);
	TAP_EQ(rec.owner.pid, pid);
	TAP_ASSERT(td_find_scheme(c, "rootname", &rec));
	TAP_EQ(rec.owner.uid, 0);
	tu_notify(q[1]);
	TAP_RC(ring_ctl_wait_attach(c, &a, 5000), 0);
	ts_check_attach(&a, "rootname", pid, TD_NOBODY, TD_NOBODY, 8, 0, 0);
	TAP_RC(ring_ctl_accept(c, &a, &v.r), 0);
	v.id = a.ring_id;
	ts_serve_until_shutdown(c, &v, 1);
	TAP_EQ(v.n, 13);
	tu_notify(q[1]);
	tap_reap(pid);
	td_await_scheme_gone(c, "nobodyname");
	/* free again: now root may have it */
	TAP_RC(ring_ctl_register(c, "nobodyname", NULL, 0), 0);
	ring_ctl_close(c);
	tu_pipe_close(p);
	tu_pipe_close(q);
	td_finish(&d);
}

/* --- SCHEME_SET and SCHEME_ROOT ---------------------------------------- */

/* A directory of the test's own, below the ringd's private one. */
static int
names_dir(const char *leaf, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", d.dir, leaf);
	TAP_ASSERT(mkdir(path, 0755) == 0);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	TAP_ASSERT(fd >= 0);
	return fd;
}

static bool
names_same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

TAP_TEST(test_scheme_set, "ctl-scheme-set", 30)
{
	struct ring_ctl *c1, *c2;
	char path[TD_PATH_MAX];
	int dir, got, file;

	td_begin(&d, NULL);
	c1 = td_connect(&d);
	c2 = td_connect(&d);
	dir = names_dir("root", path, sizeof(path));
	TAP_RC(ring_ctl_register(c1, "served", NULL, 0), 0);
	/* not registered, not ours, a built-in */
	TAP_RC(ring_ctl_scheme_set(c1, "nosuch", RING_CTL_SERVE_REDOX, -1),
	    -ENOENT);
	TAP_RC(ring_ctl_scheme_set(c2, "served", RING_CTL_SERVE_REDOX, -1),
	    -EPERM);
	TAP_RC(ring_ctl_scheme_set(c1, "null", RING_CTL_SERVE_REDOX, -1),
	    -EPERM);
	/* bad flags, a directory flag without a directory */
	TAP_RC(ring_ctl_scheme_set(c1, "served", 0x100, -1), -EINVAL);
	TAP_RC(ring_ctl_scheme_set(c1, "served", RING_CTL_SERVE_ROOT, -1),
	    -EINVAL);
	TAP_RC(ring_ctl_scheme_set(c1, "bad name", 0, -1), -EINVAL);
	/* a file is no directory */
	snprintf(path, sizeof(path), "%s/file", d.dir);
	file = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	TAP_ASSERT(file >= 0);
	TAP_RC(ring_ctl_scheme_set(c1, "served", RING_CTL_SERVE_ROOT, file),
	    -ENOTDIR);
	/* no directory yet */
	TAP_RC(ring_ctl_scheme_root(c2, "served", &got), -ENOENT);
	TAP_EQ(got, -1);
	TAP_RC(ring_ctl_scheme_root(c2, "nosuch", &got), -ENOENT);
	TAP_RC(ring_ctl_scheme_root(c2, "null", &got), -ENOENT);
	TAP_RC(ring_ctl_scheme_set(c1, "served",
		   RING_CTL_SERVE_REDOX | RING_CTL_SERVE_ROOT, dir),
	    0);
	/* anyone gets it, as a descriptor of the same directory */
	close(dir);
	TAP_RC(ring_ctl_scheme_root(c2, "served", &got), 0);
	TAP_ASSERT(got >= 0);
	dir = open(d.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	TAP_ASSERT(dir >= 0);
	{
		int sub = openat(got, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int want = openat(dir, "root", O_RDONLY | O_DIRECTORY);

		TAP_ASSERT(sub >= 0 && want >= 0);
		TAP_ASSERT(names_same_file(sub, want));
		close(sub);
		close(want);
	}
	close(got);
	/* each call replaces the settings: no directory now */
	TAP_RC(ring_ctl_scheme_set(c1, "served", RING_CTL_SERVE_REDOX, -1), 0);
	TAP_RC(ring_ctl_scheme_root(c2, "served", &got), -ENOENT);
	/* gone with the name */
	TAP_RC(ring_ctl_unregister(c1, "served"), 0);
	TAP_RC(ring_ctl_scheme_root(c2, "served", &got), -ENOENT);
	close(dir);
	close(file);
	ring_ctl_close(c1);
	td_end(&d, c2);
}

/* A scheme that is not root may only offer a directory it owns. */
TAP_TEST_ROOT(test_scheme_root_uid, "ctl-scheme-root-uid", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;
	char mine[TD_PATH_MAX], theirs[TD_PATH_MAX];
	int dmine, dtheirs, got;
	int p[2], q[2];
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	dtheirs = names_dir("roots", theirs, sizeof(theirs));
	dmine = names_dir("nobodys", mine, sizeof(mine));
	TAP_ASSERT(chown(mine, TD_NOBODY, TD_NOBODY) == 0);
	TAP_ASSERT(chmod(d.dir, 0755) == 0);
	tu_pipe(p);
	tu_pipe(q);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *nc;

		td_become_nobody();
		nc = td_connect(&d);
		TAP_RC(ring_ctl_register(nc, "nobodys", NULL, 0), 0);
		TAP_RC(ring_ctl_scheme_set(nc, "nobodys", RING_CTL_SERVE_ROOT,
			   dtheirs),
		    -EPERM);
		TAP_RC(ring_ctl_scheme_set(nc, "nobodys", RING_CTL_SERVE_ROOT,
			   dmine),
		    0);
		tu_notify(p[1]);
		tu_await(q[0], 5000);
		ring_ctl_close(nc);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	TAP_RC(ring_ctl_scheme_root(c, "nobodys", &got), 0);
	TAP_ASSERT(names_same_file(got, dmine));
	close(got);
	/* root's own scheme may name root's directory */
	TAP_RC(ring_ctl_register(c, "roots", NULL, 0), 0);
	TAP_RC(ring_ctl_scheme_set(c, "roots", RING_CTL_SERVE_ROOT, dtheirs),
	    0);
	tu_notify(q[1]);
	tap_reap(pid);
	td_await_scheme_gone(c, "nobodys");
	TAP_RC(ring_ctl_scheme_root(c, "nobodys", &got), -ENOENT);
	close(dmine);
	close(dtheirs);
	tu_pipe_close(p);
	tu_pipe_close(q);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
