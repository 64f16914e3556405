/*
 * t-ctl-attach.c - external schemes in other processes, through libring's
 * client against a private ringd: the identity an attach carries, accept,
 * refuse, accept timeouts and a connection reset, a consumer gone before
 * the accept, and two consumers of one scheme.
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

/*
 * The scheme in a forked child: register, wait for an attach, check it
 * carries our (the consumer's) pid/uid/gid and comm, accept, serve.
 */
TAP_TEST(test_external, "ctl-external-scheme", 30)
{
	struct ring_ctl *c, *sc;
	struct ring *r;
	uint64_t id;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	pid = ts_fork_registered(&d, TS_NAME, ts_ops, 3, p, &sc);
	if (pid == 0) {
		struct ring_attach a;
		struct ts_served v = { 0 };
		char comm[RING_CTL_COMM_MAX];
		uint64_t ops[4];

		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ts_check_attach(&a, TS_NAME, getppid(), getuid(), getgid(), 16, 0,
		    4096);
		ts_self_comm(comm, sizeof(comm));
		if (strcmp(a.consumer.comm, comm) != 0)
			TAP_FAIL("attach comm '%s', expected '%s'",
			    a.consumer.comm, comm);
		TAP_RC(ring_ctl_accept(sc, &a, &v.r), 0);
		v.id = a.ring_id;
		ts_serve_until_shutdown(sc, &v, 1);
		TAP_EQ(v.n, 58);
		/* a scheme can probe its own name too */
		TAP_RC(ring_ctl_probe(sc, TS_NAME, ops), 0);
		TAP_EQ_U(ops[2], 1ull << 2);
		ring_ctl_close(sc);
		tap_child_exit();
	}
	c = td_connect(&d);
	r = td_open(c, TS_NAME, 16, 0, 4096, &id);
	ts_consume(r, 0x1000, 50);
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	tap_reap(pid);
	td_await_ring_gone(c, id);
	tu_pipe_close(p);
	td_end(&d, c);
}

/* Two consumer processes, one scheme (this process) serving both. */
TAP_TEST(test_two_consumers, "ctl-two-consumers", 30)
{
	struct ring_ctl *sc;
	struct ring_attach a;
	struct ts_served v[2];
	pid_t pids[2];
	unsigned i, k;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
	for (k = 0; k < 2; k++) {
		pids[k] = tap_fork();
		if (pids[k] == 0) {
			struct ring_ctl *c = td_connect(&d);
			uint64_t id;
			struct ring *r = td_open(c, TS_NAME, 8,
			    k ? RING_PAIR_BITS_32 : 0, 0, &id);

			ts_consume(r, 0x100000 * (k + 1), 40);
			ring_close(r);
			TAP_RC(ring_ctl_close_ring(c, id), 0);
			ring_ctl_close(c);
			tap_child_exit();
		}
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < 2; i++) {
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		/* which one is it?  Each consumer asked with its own flags */
		k = a.consumer.pid == (uint32_t)pids[1];
		if (a.consumer.pid != (uint32_t)pids[k])
			TAP_FAIL("attach from pid %u, neither consumer (%d, "
				 "%d)",
			    a.consumer.pid, (int)pids[0], (int)pids[1]);
		ts_check_attach(&a, TS_NAME, pids[k], getuid(), getgid(), 8,
		    k ? RING_PAIR_BITS_32 : 0, 0);
		if (v[k].r != NULL)
			TAP_FAIL("two attaches from pid %u", a.consumer.pid);
		TAP_RC(ring_ctl_accept(sc, &a, &v[k].r), 0);
		v[k].id = a.ring_id;
	}
	TAP_ASSERT(v[0].id != v[1].id);
	ts_serve_until_shutdown(sc, v, 2);
	tap_reap(pids[0]);
	tap_reap(pids[1]);
	TAP_EQ(v[0].n, 48);
	TAP_EQ(v[1].n, 48);
	td_await_ring_gone(sc, v[0].id);
	td_await_ring_gone(sc, v[1].id);
	td_end(&d, sc);
}

/*
 * The scheme says no (-EACCES, then -EPERM), closes before answering
 * (-ECONNREFUSED), does not answer at all (-ETIMEDOUT after
 * accept_timeout_ms), or dies with the attach pending (-ECONNRESET).
 */
TAP_TEST(test_refuse, "ctl-refuse-timeout-reset", 30)
{
	struct ring_ctl *c, *sc;
	struct ring_ctl_status st;
	struct ring_params prm;
	struct ring *r;
	uint64_t t0;
	int p[2];
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 300\n");
	pid = ts_fork_registered(&d, TS_NAME, NULL, 0, p, &sc);
	if (pid == 0) {
		struct ring_attach a;

		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_refuse(sc, &a, -EACCES), 0);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_refuse(sc, &a, -EPERM), 0);
		/* the same answer twice: the ring is gone by now */
		TAP_NEG(ring_ctl_refuse(sc, &a, -EACCES));
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		TAP_RC(ring_ctl_close_ring(sc, a.ring_id), 0);
		/* say nothing to the next one; ringd lists it as pending */
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		{
			struct ring_ctl_ring rec;

			TAP_ASSERT(td_find_ring(sc, a.ring_id, &rec));
			TAP_EQ(rec.state, RING_CTL_PENDING);
			TAP_EQ(rec.consumer.pid, getppid());
			TAP_EQ(rec.producer.pid, getpid());
		}
		tu_notify(p[1]);
		/* and die while the last one waits */
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		_exit(0);
	}
	c = td_connect(&d);
	memset(&prm, 0, sizeof(prm));
	prm.sq_entries = 4;
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -EACCES);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -EPERM);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ECONNREFUSED);
	t0 = clock_ns();
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ETIMEDOUT);
	TAP_ASSERT(clock_ns() - t0 >= 250000000ull);
	TAP_ASSERT(clock_ns() - t0 < 3000000000ull);
	tu_await(p[0], 5000);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ECONNRESET);
	tap_reap(pid);
	/* nothing of all that is left */
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.rings, 0);
	td_await_scheme_gone(c, TS_NAME);
	ts_expect_open(c, TS_NAME, 4, 0, 0, 0, 0, -ENODEV);
	tu_pipe_close(p);
	td_end(&d, c);
}

/*
 * The consumer dies while its open waits for the scheme: the scheme's
 * late accept is told -ESHUTDOWN and nothing is left behind.
 */
TAP_TEST(test_consumer_leaves_pending, "ctl-consumer-leaves-pending", 30)
{
	struct ring_ctl *sc;
	struct ring_ctl_status st;
	struct ring_attach a;
	struct ring *r = NULL;
	pid_t pid;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, TS_NAME, NULL, 0), 0);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c = td_connect(&d);

		(void)td_open(c, TS_NAME, 8, 0, 0, NULL);
		TAP_FAIL("the open returned although nobody accepted");
	}
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	TAP_EQ(a.consumer.pid, pid);
	tap_kill(pid);
	td_await_clients(sc, 1, &st);
	TAP_RC(ring_ctl_accept(sc, &a, &r), -ESHUTDOWN);
	TAP_ASSERT(r == NULL);
	TAP_RC(ring_ctl_status(sc, &st), 0);
	TAP_EQ(st.rings, 0);
	td_end(&d, sc);
}

TAP_MAIN(td_setup)
