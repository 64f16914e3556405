/*
 * t-proto-ring.c - a consumer that corrupts the shared memory of a ring
 * ringd serves (SQ tail, CQ head, garbage, the pool's allocation map):
 * ringd marks the ring broken or dropped and keeps serving the others.
 *
 * Each case is a sub-test with a fresh private ringd (lib/proto-case.h):
 * it sends its bytes on a raw SOCK_SEQPACKET connection, checks the
 * answer (an error reply of the documented shape, or a disconnect where
 * that is the answer), and then ringd must be alive, serve a fresh honest
 * client and hold no more descriptors or memfd mappings than when idle.
 * Descriptors passed along with bad messages are pipe write ends: once
 * ringd has answered, the read ends must see EOF.  The other t-proto-*
 * programs cover the other kinds of bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/proto-case.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

/* --- the cases ------------------------------------------------------------ */

/* --- hostile ring memory --------------------------------------------- */

/*
 * OPEN a ring to scheme on a raw connection that said HELLO; the reply's
 * three descriptors go to *fds.
 */
static uint64_t
raw_open(int fd, uint32_t seq, const char *scheme, uint32_t sq, uint64_t pool,
    struct ring_fds *fds)
{
	struct proto_open op;
	struct proto_msg m;

	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, scheme, strlen(scheme));
	op.params.sq_entries = sq;
	op.params.pool_bytes = pool;
	PC_SEND(fd, PROTO_OPEN, seq, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, seq, 0, &m);
	TAP_EQ(m.nfds, 3);
	fds->mem = m.fds[0];
	fds->doorbell[0] = m.fds[1];
	fds->doorbell[1] = m.fds[2];
	return ((const struct proto_open_reply *)m.body.raw)->ring_id;
}

/* Ring the producer's doorbell, as a push would. */
static void
kick(const struct ring_fds *fds)
{
	uint64_t one = 1;

	TAP_EQ(write(fds->doorbell[1], &one, sizeof(one)), sizeof(one));
}

/* Wait up to 3 s for ringd to list ring id in state want. */
static void
await_state(uint64_t id, uint32_t want)
{
	struct ring_ctl *c = td_connect(&pc_d);
	struct ring_ctl_ring rec;
	uint64_t t0 = clock_ns();

	for (;;) {
		td_assert_alive(&pc_d);
		if (!td_find_ring(c, id, &rec))
			TAP_FAIL("ring %llu is no longer listed",
			    (unsigned long long)id);
		if (rec.state == want)
			break;
		if (clock_ns() - t0 > 3000000000ull)
			TD_FAIL(&pc_d, "ring %llu in state %u, expected %u",
			    (unsigned long long)id, rec.state, want);
		tu_sleep_ms(10);
	}
	ring_ctl_close(c);
	TAP_HERE();
}

/*
 * A consumer that corrupts the shared state of a ring ringd serves:
 * which = 0 SQ tail far ahead, 1 CQ head ahead of its tail, 2 garbage
 * over both header pages and the description page.  ringd must mark the
 * ring broken (or at least stop serving it) and live on.
 */
static void
hostile_ring(int fd, int which)
{
	struct ring_fds fds;
	struct ring_header_page *sq, *cq;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe cq1;
	uint64_t id;
	size_t len;
	uint8_t *map;

	pc_hello(fd, 1);
	id = raw_open(fd, 2, which == 1 ? "echo" : "null", 8, 4096, &fds);
	/* the pair is sealed: no peer can shrink it under ringd */
	TAP_RC(ftruncate(fds.mem, 0) == 0 ? 0 : -errno, -EPERM);
	TAP_RC(ring_open(&fds, RING_ROLE_CONSUMER, &r), 0);
	memset(&s, 0, sizeof(s));
	s.user_data = 5;
	td_roundtrip(r, &s, &cq1);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	sq = tu_sq_hdr(map);
	cq = tu_cq_hdr(map);
	switch (which) {
	case 0:
		__atomic_store_n(&sq->h.tail_index, sq->h.head_index + 1000,
		    __ATOMIC_RELEASE);
		break;
	case 1:
		/* CQ full of nothing: head runs ahead of tail, then one push */
		__atomic_store_n(&cq->h.head_index, cq->h.tail_index + 3,
		    __ATOMIC_RELEASE);
		TAP_RC(ring_sq_push(r, &s), 0);
		break;
	default: {
		size_t i;

		tu_srand(3);
		for (i = 0; i < 3 * RING_PAGE; i += 8) {
			uint64_t v = tu_rand();

			memcpy(map + i, &v, 8);
		}
		break;
	}
	}
	kick(&fds);
	if (which < 2)
		await_state(id, RING_CTL_BROKEN);
	else {
		/* listing a ring with garbage headers must work too */
		struct ring_ctl *c = td_connect(&pc_d);

		tu_sleep_ms(50);
		TAP_ASSERT(td_find_ring(c, id, NULL));
		ring_ctl_close(c);
	}
	td_assert_alive(&pc_d);
	munmap(map, len);
	ring_close(r);
	ring_fds_close(&fds);
	/* the case's connection closes in run_case: that releases it */
}

static void
case_hostile_sq(int fd)
{
	hostile_ring(fd, 0);
}

static void
case_hostile_cq(int fd)
{
	hostile_ring(fd, 1);
}

static void
case_hostile_garbage(int fd)
{
	hostile_ring(fd, 2);
}

/*
 * The pool's allocation map is the consumer's to write: a map claiming
 * everything is allocated must still not let `zero` write outside the
 * pool, and a torn map must not crash it.
 */
static void
case_hostile_pool_map(int fd)
{
	struct ring_fds fds;
	struct ring_layout l;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe c;
	uint8_t *map;
	size_t len, i;
	uint64_t pool = 8192, off;

	pc_hello(fd, 1);
	(void)raw_open(fd, 2, "zero", 4, pool, &fds);
	TAP_RC(ring_open(&fds, RING_ROLE_CONSUMER, &r), 0);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	l = ring_layout(0, 4, 4, pool);
	TAP_EQ(len, l.total);
	memset(map + l.pool_map, 0xff, l.pool - l.pool_map);
	memset(map + l.pool, 0xab, pool);
	memset(&s, 0, sizeof(s));
	s.opcode = RING_OP_READ;
	/* whole pool: fine now; one byte more, or wrapping: -EFAULT */
	s.addr = 0;
	s.len = pool;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, (int64_t)pool);
	memset(map + l.pool, 0xab, pool);
	s.len = pool + 1;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	s.addr = 64;
	s.len = ~0ull - 32;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	s.addr = ~0ull - 63;
	s.len = 128;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	for (i = 0; i < pool; i++)
		if (map[l.pool + i] != 0xab)
			TAP_FAIL("pool byte %zu changed by a refused READ", i);
	/* random map bits, random ranges: answers, no crash */
	tu_srand(5);
	for (i = 0; i < 200; i++) {
		if (i % 20 == 0)
			map[l.pool_map +
			    tu_rand_below(l.pool - l.pool_map)] = (uint8_t)
			    tu_rand();
		off = tu_rand_below(pool + 256);
		s.addr = off;
		s.len = tu_rand_below(pool + 256);
		s.user_data = i;
		td_roundtrip(r, &s, &c);
		TAP_ASSERT((int64_t)c.status == (int64_t)s.len ||
		    (int64_t)c.status == -EFAULT);
		if ((int64_t)c.status >= 0 && off + s.len > pool)
			TAP_FAIL("READ [%llu, +%llu) past an %llu-byte pool "
				 "succeeded",
			    (unsigned long long)off, (unsigned long long)s.len,
			    (unsigned long long)pool);
	}
	td_assert_alive(&pc_d);
	munmap(map, len);
	ring_close(r);
	ring_fds_close(&fds);
}

static const struct pc_case cases[] = {
	{ "proto-hostile-ring-sq-tail", case_hostile_sq, NULL, 0 },
	{ "proto-hostile-ring-cq-head", case_hostile_cq, NULL, 0 },
	{ "proto-hostile-ring-garbage", case_hostile_garbage, NULL, 0 },
	{ "proto-hostile-pool-map", case_hostile_pool_map, NULL, 0 },
};

PC_MAIN(cases)
