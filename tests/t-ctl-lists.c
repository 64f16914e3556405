/*
 * t-ctl-lists.c - what a private ringd tells about itself through
 * libring's client: opcode probes, the opcode names a scheme declares,
 * rings attached per scheme, and the introspection lists (rings, schemes,
 * clients), also while everything churns.
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

/* --- probe and the introspection lists ---------------------------------- */

TAP_TEST(test_probe, "ctl-probe", 30)
{
	struct ring_ctl *c, *sc;
	uint64_t ops[4];
	static const uint8_t many[] = { 0, 63, 64, 127, 128, 191, 192, 255 };

	td_begin(&d, NULL);
	c = td_connect(&d);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_probe(c, "null", ops), 0);
	TAP_EQ_U(ops[0],
	    (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ) |
		(1ull << RING_OP_WRITE));
	TAP_EQ_U(ops[1] | ops[2] | ops[3], 0);
	TAP_RC(ring_ctl_probe(c, "zero", ops), 0);
	TAP_EQ_U(ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops[1] | ops[2] | ops[3], 0);
	/* echo answers every opcode */
	TAP_RC(ring_ctl_probe(c, "echo", ops), 0);
	TAP_EQ_U(ops[0] & ops[1] & ops[2] & ops[3], ~0ull);

	TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
	TAP_RC(ring_ctl_probe(c, TS_NAME, ops), 0);
	TAP_EQ_U(ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops[1], 0);
	TAP_EQ_U(ops[2], 1ull << (130 - 128));
	TAP_EQ_U(ops[3], 0);
	TAP_RC(ring_ctl_register(sc, "t-many", many, 8), 0);
	TAP_RC(ring_ctl_probe(c, "t-many", ops), 0);
	TAP_EQ_U(ops[0], 1ull | 1ull << 63);
	TAP_EQ_U(ops[1], 1ull | 1ull << 63);
	TAP_EQ_U(ops[2], 1ull | 1ull << 63);
	TAP_EQ_U(ops[3], 1ull | 1ull << 63);
	/* undeclared: all zero */
	TAP_RC(ring_ctl_register(sc, "t-none", NULL, 0), 0);
	TAP_RC(ring_ctl_probe(c, "t-none", ops), 0);
	TAP_EQ_U(ops[0] | ops[1] | ops[2] | ops[3], 0);
	TAP_RC(ring_ctl_probe(c, "t-nosuch", ops), -ENODEV);
	ring_ctl_close(sc);
	td_await_scheme_gone(c, "t-many");
	TAP_RC(ring_ctl_probe(c, TS_NAME, ops), -ENODEV);
	td_end(&d, c);
}

/*
 * Probe scheme's opcode names through c: exactly want[0..nwant), in
 * opcode order.  ops4 gets the probe's opcode bitmap.
 */
static void
expect_names(struct ring_ctl *c, const char *scheme, uint64_t ops4[4],
    const struct ring_ctl_opname *want, size_t nwant)
{
	struct ring_ctl_opname *v = NULL;
	size_t n, i;

	TAP_RC(ring_ctl_probe_names(c, scheme, ops4, &v, &n), 0);
	TAP_EQ(n, nwant);
	for (i = 0; i < nwant; i++) {
		TAP_EQ(v[i].op, want[i].op);
		if (strcmp(v[i].name, want[i].name) != 0)
			TAP_FAIL("opcode %u of '%s' is named '%s', not '%s'",
			    (unsigned)v[i].op, scheme, v[i].name, want[i].name);
	}
	free(v);
}

/* Names a scheme gives its own opcodes: kept, served, checked, dropped. */
TAP_TEST(test_opnames, "ctl-opcode-names", 30)
{
	static const uint8_t ops[] = { RING_OP_NOOP, RING_OP_READ, 128, 129,
		200, 255 };
	static const struct ring_ctl_opname good[] = { { 255, "last_one" },
		{ 128, "identify" }, { 200, "x9" } };
	static const struct ring_ctl_opname sorted[] = { { 128, "identify" },
		{ 200, "x9" }, { 255, "last_one" } };
	static const struct {
		const char *why;
		struct ring_ctl_opname n;
	} bad[] = {
		{ "a standard opcode", { RING_OP_READ, "myread" } },
		{ "an opcode not served", { 130, "stray" } },
		{ "uppercase", { 129, "Capacity" } },
		{ "a leading digit", { 129, "9lives" } },
		{ "a leading underscore", { 129, "_cap" } },
		{ "a dash", { 129, "cap-a" } },
		{ "empty", { 129, "" } },
		{ "a Redox name", { 129, "read" } },
		{ "a Redox name", { 129, "regular_syscall" } },
		{ "the same name twice", { 129, "identify" } },
		{ "a second name for an opcode", { 128, "other" } },
	};
	struct ring_ctl_opname two[2], *v = NULL;
	struct ring_ctl *c, *sc, *sc2;
	uint64_t ops4[4];
	size_t n, i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	sc = td_connect(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		two[0] = good[1];
		two[1] = bad[i].n;
		if (ring_ctl_register_names(sc, "t-named", ops, sizeof(ops),
			two, 2) != -EINVAL)
			TAP_FAIL("a name that is %s was taken", bad[i].why);
	}
	/* a name filling its field has no room for the NUL */
	memset(two[0].name, 'a', sizeof(two[0].name));
	two[0].op = 128;
	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), two, 1),
	    -EINVAL);
	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), NULL,
		   1),
	    -EINVAL);
	TAP_ASSERT(!td_find_scheme(c, "t-named", NULL));

	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), good,
		   3),
	    0);
	/* in opcode order, whatever order they were given in */
	expect_names(c, "t-named", ops4, sorted, 3);
	TAP_EQ_U(ops4[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops4[2], 3ull);
	TAP_EQ_U(ops4[3], 1ull << (200 - 192) | 1ull << 63);
	/* the plain probe still answers; built-ins have no names */
	TAP_RC(ring_ctl_probe(c, "t-named", ops4), 0);
	TAP_EQ_U(ops4[2], 3ull);
	v = (void *)1;
	TAP_RC(ring_ctl_probe_names(c, "echo", ops4, &v, &n), 0);
	TAP_EQ(n, 0);
	TAP_ASSERT(v == NULL);
	TAP_RC(ring_ctl_probe_names(c, "t-nosuch", ops4, &v, &n), -ENODEV);

	/* the owner leaves: so do its names; a new holder has its own */
	ring_ctl_close(sc);
	td_await_scheme_gone(c, "t-named");
	TAP_RC(ring_ctl_probe_names(c, "t-named", ops4, &v, &n), -ENODEV);
	sc2 = td_connect(&d);
	TAP_RC(ring_ctl_register(sc2, "t-named", ops, sizeof(ops)), 0);
	expect_names(c, "t-named", ops4, NULL, 0);
	TAP_RC(ring_ctl_unregister(sc2, "t-named"), 0);
	two[0] = (struct ring_ctl_opname){ 129, "capacity" };
	TAP_RC(ring_ctl_register_names(sc2, "t-named", ops, sizeof(ops), two,
		   1),
	    0);
	expect_names(c, "t-named", ops4, two, 1);
	ring_ctl_close(sc2);
	td_end(&d, c);
}

/* A scheme's rings: those attached now, and those ever opened to it. */
TAP_TEST(test_rings_attached, "ctl-rings-attached", 30)
{
	struct ring_params p = { .sq_entries = 4 };
	struct ring_ctl_scheme rec;
	struct ring_ctl *c, *c2;
	struct ring *r[4];
	uint64_t id[4];
	unsigned i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	c2 = td_connect(&d);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 0);
	TAP_EQ_U(rec.rings_opened, 0);
	for (i = 0; i < 3; i++)
		TAP_RC(ring_ctl_open(c, "echo", &p, &r[i], &id[i]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 3);
	TAP_EQ_U(rec.rings_opened, 3);
	for (i = 0; i < 2; i++) {
		ring_close(r[i]);
		TAP_RC(ring_ctl_close_ring(c, id[i]), 0);
	}
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 1);
	TAP_ASSERT(rec.rings_opened >= 3);
	/* a consumer that goes away leaves with its rings */
	TAP_RC(ring_ctl_open(c2, "echo", &p, &r[3], &id[3]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 2);
	ring_close(r[3]);
	ring_ctl_close(c2);
	td_await_ring_gone(c, id[3]);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 1);
	TAP_EQ_U(rec.rings_opened, 4);
	ring_close(r[2]);
	TAP_RC(ring_ctl_close_ring(c, id[2]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 0);
	TAP_EQ_U(rec.rings_opened, 4);
	td_end(&d, c);
}

static const struct ring_ctl_scheme *
find_scheme(const struct ring_ctl_scheme *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static const struct ring_ctl_client *
find_client(const struct ring_ctl_client *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].peer.pid == (uint32_t)pid)
			return &v[i];
	return NULL;
}

/*
 * What ringd lists while a scheme child holds a name and a ring we
 * opened carries traffic it has not served yet, then after it did.
 */
TAP_TEST(test_lists, "ctl-lists", 30)
{
	static const char *const builtins[] = { "echo", "null", "zero" };
	const struct ring_ctl_scheme *sp;
	const struct ring_ctl_client *cp;
	struct ring_ctl_scheme *sv;
	struct ring_ctl_client *cv;
	struct ring_ctl_ring rec;
	struct ring_ctl_status st;
	struct ring_ctl *c, *sc;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r, *rn;
	uint64_t id, idn;
	size_t n, i;
	int p[2], q[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(q);
	pid = ts_fork_registered(&d, TS_NAME, ts_ops, 3, p, &sc);
	if (pid == 0) {
		struct ring_attach a;
		struct ts_served v = { 0 };

		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &v.r), 0);
		v.id = a.ring_id;
		tu_await(q[0], 10000); /* serve only when told */
		ts_serve_until_shutdown(sc, &v, 1);
		ring_ctl_close(sc);
		tap_child_exit();
	}
	c = td_connect(&d);
	r = td_open(c, TS_NAME, 16, 0, 8192, &id);
	rn = td_open(c, "null", 4, RING_PAIR_BITS_32, 0, &idn);

	/* schemes: the built-ins and the child's */
	TAP_RC(ring_ctl_list_schemes(c, &sv, &n), 0);
	TAP_EQ(n, 4);
	for (i = 0; i < 3; i++) {
		if ((sp = find_scheme(sv, n, builtins[i])) == NULL)
			TAP_FAIL("built-in '%s' not listed", builtins[i]);
		TAP_EQ(sp->builtin, 1);
	}
	if ((sp = find_scheme(sv, n, TS_NAME)) == NULL)
		TAP_FAIL("scheme '%s' not listed", TS_NAME);
	TAP_EQ(sp->builtin, 0);
	TAP_EQ(sp->owner.pid, pid);
	TAP_EQ(sp->owner.uid, getuid());
	TAP_EQ(sp->owner.gid, getgid());
	TAP_EQ(sp->rings, 1);
	TAP_EQ_U(sp->ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(sp->ops[2], 1ull << 2);
	sp = find_scheme(sv, n, "null");
	TAP_EQ(sp->rings, 1);
	free(sv);

	/* five SQEs the producer has not taken */
	for (i = 0; i < 5; i++) {
		s = tu_sqe(RING_OP_NOOP, 500 + i, 0, 0);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	if (strcmp(rec.scheme, TS_NAME) != 0)
		TAP_FAIL("ring's scheme is '%s'", rec.scheme);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ(rec.consumer.pid, getpid());
	TAP_EQ(rec.consumer.uid, getuid());
	TAP_EQ(rec.producer.pid, pid);
	TAP_EQ(rec.producer.uid, getuid());
	TAP_EQ(rec.flags, 0);
	TAP_EQ(rec.sq_entries, 16);
	TAP_EQ(rec.cq_entries, 16);
	TAP_EQ(rec.sqe_size, 64);
	TAP_EQ(rec.cqe_size, 32);
	TAP_EQ(rec.pool_bytes, 8192);
	TAP_EQ(rec.sq.depth, 5);
	TAP_EQ(rec.sq.tail - rec.sq.head, 5);
	TAP_EQ(rec.sq.push_epoch, 5);
	TAP_EQ(rec.sq.pop_epoch, 0);
	TAP_EQ(rec.cq.depth, 0);
	TAP_EQ(rec.cq.push_epoch, 0);
	TAP_EQ_U(rec.sq.status, 0);

	/* the 32-bit ring to null */
	TAP_ASSERT(td_find_ring(c, idn, &rec));
	TAP_EQ(rec.flags, RING_PAIR_BITS_32);
	TAP_EQ(rec.sqe_size, 32);
	TAP_EQ(rec.cqe_size, 16);
	TAP_EQ(rec.sq_entries, 4);
	TAP_EQ(rec.producer.pid, 0);

	/* clients: us with two rings, the child with one scheme */
	TAP_RC(ring_ctl_list_clients(c, &cv, &n), 0);
	TAP_EQ(n, 2);
	if ((cp = find_client(cv, n, getpid())) == NULL)
		TAP_FAIL("this process is not a listed client");
	TAP_EQ(cp->rings, 2);
	TAP_EQ(cp->schemes, 0);
	if ((cp = find_client(cv, n, pid)) == NULL)
		TAP_FAIL("the scheme process is not a listed client");
	TAP_EQ(cp->rings, 0);
	TAP_EQ(cp->schemes, 1);
	free(cv);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.schemes, 4);
	TAP_EQ(st.rings, 2);
	TAP_EQ(st.clients, 2);

	/* now the producer serves: the epochs follow */
	tu_notify(q[1]);
	for (i = 0; i < 5; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq, 5000), 0);
		TAP_EQ_U(cq.user_data, 500 + i);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.sq.depth, 0);
	TAP_EQ(rec.sq.push_epoch, 5);
	TAP_EQ(rec.sq.pop_epoch, 5);
	TAP_EQ(rec.cq.push_epoch, 5);
	TAP_EQ(rec.cq.pop_epoch, 5);
	TAP_EQ(rec.cq.depth, 0);

	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	tap_reap(pid);
	td_await_ring_gone(c, id);
	td_close_ring(c, rn, idn);
	td_await_scheme_gone(c, TS_NAME);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.schemes, 3);
	TAP_EQ(st.rings, 0);
	ring_ctl_close(c);
	tu_pipe_close(p);
	tu_pipe_close(q);
	td_finish(&d);
}

/*
 * Lists taken while rings, schemes and clients come and go under them
 * (a helper churns all three): every list ends, holds no record twice,
 * rings and clients come in ascending id order, schemes in name order,
 * and what never changes (our rings, the built-ins) is always there.
 */
TAP_TEST(test_lists_churn, "ctl-lists-churn", 30)
{
	struct ring_ctl *c;
	struct ring *r[64];
	uint64_t ids[64];
	unsigned i, k, round;
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	for (i = 0; i < 64; i++)
		r[i] = td_open(c, i % 2 ? "null" : "echo", 2, 0, 0, &ids[i]);
	pid = tap_fork();
	if (pid == 0) {
		char name[32];

		for (k = 0;; k++) {
			struct ring_ctl *hc = td_connect(&d);
			struct ring *hr[8];

			snprintf(name, sizeof(name), "churn-%u", k % 50);
			(void)ring_ctl_register(hc, name, NULL, 0);
			for (i = 0; i < 8; i++)
				hr[i] = td_open(hc, "null", 2, 0, 0, NULL);
			for (i = 0; i < 8; i++)
				ring_close(hr[i]);
			ring_ctl_close(hc);
		}
	}
	for (round = 0; round < 60; round++) {
		struct ring_ctl_ring *rv;
		struct ring_ctl_scheme *sv;
		struct ring_ctl_client *cv;
		size_t n, j, mine = 0;

		TAP_RC(ring_ctl_list_rings(c, &rv, &n), 0);
		for (j = 0; j < n; j++) {
			if (j > 0 && rv[j].ring_id <= rv[j - 1].ring_id)
				TAP_FAIL("round %u: ring ids out of order: "
					 "%llu "
					 "after %llu",
				    round, (unsigned long long)rv[j].ring_id,
				    (unsigned long long)rv[j - 1].ring_id);
			for (i = 0; i < 64; i++)
				if (rv[j].ring_id == ids[i])
					mine++;
		}
		free(rv);
		if (mine != 64)
			TAP_FAIL("round %u: %zu of our 64 rings listed", round,
			    mine);
		TAP_RC(ring_ctl_list_schemes(c, &sv, &n), 0);
		for (j = 1; j < n; j++)
			if (strcmp(sv[j - 1].name, sv[j].name) >= 0)
				TAP_FAIL("round %u: schemes '%s' then '%s'",
				    round, sv[j - 1].name, sv[j].name);
		TAP_ASSERT(find_scheme(sv, n, "null") != NULL);
		TAP_ASSERT(find_scheme(sv, n, "echo") != NULL);
		TAP_ASSERT(find_scheme(sv, n, "zero") != NULL);
		free(sv);
		TAP_RC(ring_ctl_list_clients(c, &cv, &n), 0);
		for (j = 1; j < n; j++)
			if (cv[j].client_id <= cv[j - 1].client_id)
				TAP_FAIL("round %u: client ids out of order",
				    round);
		TAP_ASSERT(find_client(cv, n, getpid()) != NULL);
		free(cv);
	}
	tap_kill(pid);
	for (i = 0; i < 64; i++)
		ring_close(r[i]);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
