/*
 * scheme.c - an external test scheme and its consumer, for the tests that
 * drive ringd's attach/accept path through libring's client (t-ctl-*.c):
 * the scheme answers each SQE with ts_result(), a function of the whole
 * entry, so the consumer can check every answer.
 *
 * Depends on libring, tap, testutil and daemon (a private ringd); the
 * test programs depend on it, nothing else in tests/lib does.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "scheme.h"
#include "tap.h"
#include "testutil.h"

/* Our own command name, as ringd reads it from /proc. */
void
ts_self_comm(char *buf, size_t len)
{
	char tmp[64];
	int n = td_read_file("/proc/self/comm", tmp, sizeof(tmp));

	if (n > 0 && tmp[n - 1] == '\n')
		tmp[--n] = '\0';
	if (n < 0)
		n = 0;
	if ((size_t)n >= len)
		n = (int)len - 1;
	memcpy(buf, tmp, (size_t)n);
	buf[n] = '\0';
}

/* ring_ctl_open() with these parameters must return want. */
void
ts_expect_open(struct ring_ctl *c, const char *scheme, uint32_t sq,
    uint32_t cq, uint32_t flags, uint32_t reserved, uint64_t pool, int want)
{
	struct ring_params p = { .sq_entries = sq, .cq_entries = cq,
		.flags = flags, .reserved = reserved, .pool_bytes = pool };
	struct ring *r = NULL;
	int rc;

	rc = ring_ctl_open(c, scheme, &p, &r, NULL);
	if (rc != want)
		TAP_FAIL("open '%s' sq %u cq %u flags %#x reserved %u pool "
			 "%llu "
			 "= %s, expected %s",
		    scheme, sq, cq, flags, reserved, (unsigned long long)pool,
		    tap_rcname(rc), tap_rcname(want));
	if (rc == 0)
		ring_close(r);
	TAP_HERE();
}

const uint8_t ts_ops[3] = { RING_OP_NOOP, RING_OP_READ, 130 };

/* What our test schemes answer: a function of the whole SQE. */
uint64_t
ts_result(const struct ring_sqe *s)
{
	return s->user_data * 3 + s->opcode + s->len;
}

/*
 * Serve the rings in v (accepted already) until each was shut down by
 * its consumer, answering with ts_result(); then leave each ring and
 * tell ringd (CLOSE).  Fails after 20 s.
 */
void
ts_serve_until_shutdown(struct ring_ctl *sc, struct ts_served *v,
    unsigned nv)
{
	uint64_t t0 = clock_ns();
	unsigned left = nv, i;
	struct ring_sqe s;
	struct ring_cqe cq;
	bool busy;
	int rc;

	while (left > 0) {
		busy = false;
		for (i = 0; i < nv; i++) {
			if (v[i].done)
				continue;
			rc = ring_sq_pop(v[i].r, &s);
			if (rc == -EAGAIN)
				continue;
			if (rc == -ESHUTDOWN) {
				ring_close(v[i].r);
				TAP_RC(ring_ctl_close_ring(sc, v[i].id), 0);
				v[i].done = true;
				left--;
				continue;
			}
			if (rc < 0)
				TAP_FAIL("ring %llu: pop: %s",
				    (unsigned long long)v[i].id,
				    tap_rcname(rc));
			memset(&cq, 0, sizeof(cq));
			cq.user_data = s.user_data;
			cq.status = ts_result(&s);
			do {
				rc = ring_cq_push(v[i].r, &cq);
			} while (rc == -EAGAIN &&
			    ring_wait(v[i].r, RING_EV_OUT, 1000000000) > 0);
			if (rc < 0)
				TAP_FAIL("ring %llu: CQ push: %s",
				    (unsigned long long)v[i].id,
				    tap_rcname(rc));
			v[i].n++;
			busy = true;
		}
		if (!busy) {
			if (clock_ns() - t0 > 20000000000ull)
				TAP_FAIL("serving: %u rings still open after "
					 "20 s",
				    left);
			usleep(100);
		}
	}
	TAP_HERE();
}

/* Consumer side: n round trips and a pipelined burst through r. */
void
ts_consume(struct ring *r, uint64_t base, unsigned n)
{
	struct ring_sqe s;
	struct ring_cqe cq;
	unsigned i;

	for (i = 0; i < n; i++) {
		s = tu_sqe(ts_ops[i % 3], base + i, 0, i);
		td_roundtrip(r, &s, &cq);
		if (cq.status != ts_result(&s))
			TAP_FAIL("round trip %u: status %#llx, expected %#llx",
			    i, (unsigned long long)cq.status,
			    (unsigned long long)ts_result(&s));
	}
	for (i = 0; i < 8; i++) {
		s = tu_sqe(RING_OP_NOOP, base + 1000 + i, 0, 0);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	for (i = 0; i < 8; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq, 5000), 0);
		TAP_EQ_U(cq.user_data, base + 1000 + i);
		TAP_EQ_U(cq.status, (base + 1000 + i) * 3);
	}
	TAP_HERE();
}

/* Check that an attach names who opened it and with what. */
void
ts_check_attach(const struct ring_attach *a, const char *scheme, pid_t pid,
    uid_t uid, gid_t gid, uint32_t sq, uint32_t flags, uint64_t pool)
{
	if (strcmp(a->scheme, scheme) != 0)
		TAP_FAIL("attach for scheme '%s', expected '%s'", a->scheme,
		    scheme);
	TAP_EQ(a->consumer.pid, pid);
	TAP_EQ(a->consumer.uid, uid);
	TAP_EQ(a->consumer.gid, gid);
	TAP_ASSERT(a->consumer.comm[0] != '\0');
	TAP_EQ(a->params.sq_entries, sq);
	TAP_EQ(a->params.flags, flags);
	TAP_EQ(a->params.pool_bytes, pool);
	TAP_ASSERT(a->ring_id != 0);
	TAP_ASSERT(a->fds.mem >= 0 && a->fds.doorbell[0] >= 0 &&
	    a->fds.doorbell[1] >= 0);
}

pid_t
ts_idle_scheme(const struct td *d, const char *name, int ready[2],
    int done[2])
{
	pid_t pid;

	tu_pipe(ready);
	tu_pipe(done);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(d);
		struct ring_attach at;
		struct ring *ring;
		static const uint8_t ops[] = { 0, 3, 4, 200 };

		TAP_OK(ring_ctl_register(c, name, ops, sizeof(ops)));
		tu_notify(ready[1]);
		TAP_OK(ring_ctl_wait_attach(c, &at, 10000));
		TAP_OK(ring_ctl_accept(c, &at, &ring));
		tu_notify(ready[1]);
		tu_await(done[0], 20000);
		ring_close(ring);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tu_await(ready[0], 5000);
	return pid;
}

pid_t
ts_fork_registered(const struct td *d, const char *name, const uint8_t *ops,
    size_t nops, int p[2], struct ring_ctl **sc)
{
	pid_t pid;

	tu_pipe(p);
	if ((pid = tap_fork()) != 0) {
		tu_await(p[0], 5000);
		return pid;
	}
	*sc = td_connect(d);
	TAP_RC(ring_ctl_register(*sc, name, ops, nops), 0);
	tu_notify(p[1]);
	return 0;
}

struct ring *
ts_fork_scheme(const struct td *d, const char *name, int p[2], pid_t *pid)
{
	struct ring_ctl *sc;
	struct ring_attach a;
	struct ring *r;

	if ((*pid = ts_fork_registered(d, name, NULL, 0, p, &sc)) != 0)
		return NULL;
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	TAP_RC(ring_ctl_accept(sc, &a, &r), 0);
	return r;
}
