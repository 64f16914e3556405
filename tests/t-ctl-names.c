/*
 * t-ctl-names.c - scheme-name ownership in a private ringd: one owner per
 * name, a name freed when its owner leaves, and names across uids.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

TAP_MAIN(td_setup)
