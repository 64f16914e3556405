/*
 * t-ctl-builtin.c - round trips through each built-in scheme of a private
 * ringd (null, zero, echo; 64- and 32-bit pairs), the parameter checks
 * and errors of OPEN, and fairness between built-in rings.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/raw.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"
#include "lib/scheme.h"

/* The ringd of the running sub-test (each sub-test is its own process). */
static struct td d;

/* One round trip; the CQE's status must be want. */
#define EXPECT_STATUS(r, op, ud, addr, len, want) \
	do { \
		struct ring_sqe s_ = tu_sqe((op), (ud), (addr), (len)); \
		struct ring_cqe c_; \
		td_roundtrip((r), &s_, &c_); \
		if ((int64_t)c_.status != (int64_t)(want)) \
			TAP_FAIL("opcode %u user_data %#llx: status %s, " \
				 "expected %s", \
			    (unsigned)(op), (unsigned long long)(ud), \
			    tap_rcname((long)(int64_t)c_.status), \
			    tap_rcname((long)(int64_t)(want))); \
	} while (0)

/*
 * A sub-test test_KINDBITS that runs KIND_run(flags).  One to a line: the
 * line is the sub-test's place in the running order.
 */
#define TEST_WIDTH(kind, bits, flags, name) \
	TAP_TEST_CALL(test_##kind##bits, name, 30, kind##_run(flags))

/* --- built-in schemes ------------------------------------------------- */

static void
null_run(uint32_t flags)
{
	struct ring_ctl *c;
	struct ring_ctl_ring rec;
	struct ring_info info;
	struct ring_sqe s;
	struct ring_cqe cq[8];
	struct ring *r;
	uint64_t id, off, i;
	uint64_t big = flags & RING_PAIR_BITS_32 ? 0x7654321ull
						 : 0x123456789abcull;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "null", 8, flags, 4096, &id);
	ring_get_info(r, &info);
	TAP_EQ(info.role, RING_ROLE_CONSUMER);
	TAP_EQ(info.flags, flags);
	TAP_EQ(info.sq_entries, 8);
	TAP_EQ(info.cq_entries, 8);
	TAP_EQ(info.sqe_size, flags ? 32 : 64);
	TAP_EQ(info.cqe_size, flags ? 16 : 32);
	TAP_EQ(info.pool_bytes, 4096);
	TAP_RC(ring_pool_alloc(r, 256, &off), 0);

	EXPECT_STATUS(r, RING_OP_NOOP, big, 0, 0, 0);
	EXPECT_STATUS(r, RING_OP_READ, 2, off, 256, 0);
	EXPECT_STATUS(r, RING_OP_WRITE, 3, off, 256, 256);
	EXPECT_STATUS(r, RING_OP_WRITE, 4, off, 0, 0);
	/* null takes every byte written without looking at the pool */
	EXPECT_STATUS(r, RING_OP_WRITE, 5, 0, 100000, 100000);
	/* what null does not serve */
	EXPECT_STATUS(r, RING_OP_FSYNC, 6, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, RING_OP_OPEN, 7, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, 200, 8, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, 255, 9, 0, 0, -ENOSYS);
	/* unknown SQE flags are refused, known ones are not */
	s = tu_sqe(RING_OP_NOOP, 10, 0, 0);
	s.flags = 0x80;
	td_roundtrip(r, &s, &cq[0]);
	TAP_EQ((int64_t)cq[0].status, -EINVAL);
	s.flags = RING_SQE_DRAIN;
	td_roundtrip(r, &s, &cq[0]);
	TAP_EQ((int64_t)cq[0].status, 0);

	/* a full queue at once: eight CQEs, in order */
	for (i = 0; i < 8; i++) {
		s = tu_sqe(RING_OP_WRITE, 100 + i, off, i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	for (i = 0; i < 8; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq[i], 5000), 0);
		TAP_EQ_U(cq[i].user_data, 100 + i);
		TAP_EQ_U(cq[i].status, i);
	}
	TAP_RC(ring_cq_pop(r, &cq[0]), -EAGAIN);

	/* ringd's model: built-in rings have no producer process */
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.producer.pid, 0);
	TAP_EQ(rec.consumer.pid, getpid());
	TAP_EQ(rec.flags, flags);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ(rec.sq.push_epoch, 19);
	TAP_EQ(rec.sq.pop_epoch, 19);
	TAP_EQ(rec.cq.push_epoch, 19);
	TAP_EQ(rec.cq.pop_epoch, 19);
	if (strcmp(rec.scheme, "null") != 0)
		TAP_FAIL("ring's scheme is '%s'", rec.scheme);

	/* a 32-bit CQE holds results up to 2^32 - 4096 and no more */
	if (flags & RING_PAIR_BITS_32) {
		EXPECT_STATUS(r, RING_OP_WRITE, 11, 0, 0xfffff000u,
		    0xfffff000u);
		EXPECT_STATUS(r, RING_OP_WRITE, 12, 0, 0xfffff001u, -EOVERFLOW);
		EXPECT_STATUS(r, RING_OP_WRITE, 13, 0, 0xffffffffu, -EOVERFLOW);
		EXPECT_STATUS(r, RING_OP_NOOP, 14, 0, 0, 0);
	}
	td_close_ring(c, r, id);
	/* closing it twice is an error, not a crash */
	TAP_RC(ring_ctl_close_ring(c, id), -ENOENT);
	td_end(&d, c);
}

TEST_WIDTH(null, 64, 0, "ctl-null-64")
TEST_WIDTH(null, 32, RING_PAIR_BITS_32, "ctl-null-32")

/* Is p[from, to) all byte b? */
static void
check_bytes(const uint8_t *p, size_t from, size_t to, uint8_t b)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != b)
			TAP_FAIL("pool byte %zu is %#x, expected %#x", i, p[i],
			    b);
	TAP_HERE();
}

static void
zero_run(uint32_t flags)
{
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id, off, off2;
	uint8_t *p;
	void *vp;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "zero", 4, flags, 8192, &id);
	TAP_RC(ring_pool_alloc(r, 512, &off), 0);
	TAP_RC(ring_pool_resolve(r, off, 512, &vp), 0);
	p = vp;
	memset(p, 0xff, 512);

	/* zero the middle of the range only */
	EXPECT_STATUS(r, RING_OP_READ, 1, off + 64, 128, 128);
	check_bytes(p, 0, 64, 0xff);
	check_bytes(p, 64, 192, 0);
	check_bytes(p, 192, 512, 0xff);
	/* then all of it */
	EXPECT_STATUS(r, RING_OP_READ, 2, off, 512, 512);
	check_bytes(p, 0, 512, 0);
	EXPECT_STATUS(r, RING_OP_READ, 3, off, 0, 0);
	EXPECT_STATUS(r, RING_OP_NOOP, 4, 0, 0, 0);

	/* ranges the consumer did not allocate are not touched */
	TAP_RC(ring_pool_alloc(r, 64, &off2), 0);
	TAP_RC(ring_pool_resolve(r, off2, 64, &vp), 0);
	memset(vp, 0xee, 64);
	EXPECT_STATUS(r, RING_OP_READ, 5, off, 512 + 64 + 4096, -EFAULT);
	EXPECT_STATUS(r, RING_OP_READ, 6, 8192 - 64, 128, -EFAULT);
	TAP_RC(ring_pool_free(r, off, 512), 0);
	EXPECT_STATUS(r, RING_OP_READ, 7, off, 64, -EFAULT);
	check_bytes(vp, 0, 64, 0xee);

	/* zero writes nothing */
	EXPECT_STATUS(r, RING_OP_WRITE, 8, off2, 64, -ENOSYS);
	EXPECT_STATUS(r, 131, 9, 0, 0, -ENOSYS);

	td_end_ring(&d, c, r, id);
}

TEST_WIDTH(zero, 64, 0, "ctl-zero-64")
TEST_WIDTH(zero, 32, RING_PAIR_BITS_32, "ctl-zero-32")

/* echo's documented result (ringd(8)): user_data ^ pattern, sign cleared. */
static uint64_t
echo_result(uint64_t ud, bool b32)
{
	if (b32)
		return (ud ^ 0x5a5a5a5aull) & 0x7fffffffull;
	return (ud ^ 0x5a5a5a5a5a5a5a5aull) & 0x7fffffffffffffffull;
}

static void
echo_run(uint32_t flags)
{
	bool b32 = flags & RING_PAIR_BITS_32;
	static const uint64_t uds64[] = { 0, 1, 0x5a5a5a5a5a5a5a5aull,
		0xffffffffffffffffull, 0x8000000000000000ull, 0x123456789ull };
	static const uint64_t uds32[] = { 0, 1, 0x5a5a5a5a, 0xffffffff,
		0x80000000, 0x12345678 };
	const uint64_t *uds = b32 ? uds32 : uds64;
	struct ring_ctl *c;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id, i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "echo", 16, flags, 0, &id);
	for (i = 0; i < 6; i++) {
		/* echo answers every opcode, and carries len in extra */
		s = tu_sqe((uint8_t)(i * 51), uds[i], 0, 1000 + i);
		td_roundtrip(r, &s, &cq);
		TAP_EQ_U(cq.status, echo_result(uds[i], b32));
		TAP_EQ_U(cq.extra, 1000 + i);
		TAP_EQ_U(cq.flags, 0);
		TAP_EQ(ring_cqe_errno(&cq), 0);
	}
	/* a stream deeper than the ring, checked entry by entry */
	{
		uint64_t sent = 0, got = 0, total = tap_scaled(5000, 200);
		int rc;

		while (got < total) {
			while (sent < total && sent - got < 16) {
				s = tu_sqe(RING_OP_NOOP, sent * 7 + 1, 0, 0);
				rc = ring_sq_push(r, &s);
				if (rc == -EAGAIN)
					break;
				if (rc < 0)
					TAP_FAIL("push %llu: %s",
					    (unsigned long long)sent,
					    tap_rcname(rc));
				sent++;
			}
			rc = td_cq_pop_wait(r, &cq, 5000);
			if (rc < 0)
				TAP_FAIL("CQE %llu: %s",
				    (unsigned long long)got, tap_rcname(rc));
			if (cq.user_data != got * 7 + 1 ||
			    cq.status != echo_result(got * 7 + 1, b32))
				TAP_FAIL("CQE %llu: user_data %#llx status "
					 "%#llx",
				    (unsigned long long)got,
				    (unsigned long long)cq.user_data,
				    (unsigned long long)cq.status);
			got++;
		}
		TAP_HERE();
	}
	td_end_ring(&d, c, r, id);
}

TEST_WIDTH(echo, 64, 0, "ctl-echo-64")
TEST_WIDTH(echo, 32, RING_PAIR_BITS_32, "ctl-echo-32")

TAP_TEST(test_open_errors, "ctl-open-errors", 30)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct ring_ctl_ring *v;
	uint64_t ops[4];
	size_t n;

	td_begin(&d, "max_entries = 256\nmax_pool_bytes = 1M\n");
	c = td_connect(&d);
	ts_expect_open(c, "nosuch", 8, 0, 0, 0, 0, -ENODEV);
	ts_expect_open(c, "nul", 8, 0, 0, 0, 0, -ENODEV);
	TAP_RC(ring_ctl_probe(c, "nosuch", ops), -ENODEV);
	ts_expect_open(c, "null", 0, 0, 0, 0, 0, -EINVAL);
	ts_expect_open(c, "null", 3, 0, 0, 0, 0, -EINVAL);
	ts_expect_open(c, "null", 8, 6, 0, 0, 0, -EINVAL);
	ts_expect_open(c, "null", 8, 0, 0x2, 0, 0, -EINVAL);
	ts_expect_open(c, "null", 8, 0, 0x80000000u, 0, 0, -EINVAL);
	ts_expect_open(c, "null", 8, 0, 0, 1, 0, -EINVAL);
	/* over the configured limits */
	ts_expect_open(c, "null", 512, 0, 0, 0, 0, -E2BIG);
	ts_expect_open(c, "null", 8, 512, 0, 0, 0, -E2BIG);
	ts_expect_open(c, "null", 65536, 0, 0, 0, 0, -E2BIG);
	ts_expect_open(c, "null", 8, 0, 0, 0, (1 << 20) + 1, -E2BIG);
	ts_expect_open(c, "null", 8, 0, 0, 0, 1ull << 40, -E2BIG);
	/* bad names never leave the library */
	ts_expect_open(c, "", 8, 0, 0, 0, 0, -EINVAL);
	ts_expect_open(c, "a/b", 8, 0, 0, 0, 0, -EINVAL);
	/* right at the limits is fine */
	ts_expect_open(c, "null", 256, 256, 0, 0, 1 << 20, 0);
	/* a pool is rounded up to whole pages */
	{
		struct ring_info info;
		struct ring_ctl_ring rec;
		uint64_t id;
		struct ring *r = td_open(c, "zero", 2, 0, 1000, &id);

		ring_get_info(r, &info);
		TAP_EQ(info.pool_bytes, 4096);
		TAP_ASSERT(td_find_ring(c, id, &rec));
		TAP_EQ(rec.pool_bytes, 4096);
		ring_close(r);
		TAP_RC(ring_ctl_close_ring(c, id), 0);
	}
	ts_expect_open(c, "echo", 1, 1, RING_PAIR_BITS_32, 0, 0, 0);
	/* every refused open left nothing behind */
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
	free(v);
	/* but the two that opened: closed on our side, not told to ringd */
	TAP_EQ(n, 2);
	TAP_EQ(st.rings, 2);
	td_end(&d, c);
}

/*
 * A consumer flooding one built-in ring must not starve another: ringd
 * serves each ring a budget per turn.  Round trips on a second ring stay
 * quick while the flood runs.
 */
TAP_TEST(test_builtin_fairness, "ctl-builtin-fairness", 30)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe cq;
	uint64_t t0, worst = 0, dt;
	unsigned i;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *fc = td_connect(&d);
		struct ring *fr = td_open(fc, "echo", 4096, 0, 0, NULL);
		struct ring_sqe fs[64];
		struct ring_cqe fq[64];
		bool told = false;

		memset(fs, 0, sizeof(fs));
		for (;;) {
			(void)ring_sq_push_batch(fr, fs, 64);
			while (ring_cq_pop_batch(fr, fq, 64) > 0)
				;
			if (!told) {
				tu_notify(p[1]);
				told = true;
			}
		}
	}
	tu_await(p[0], 5000);
	c = td_connect(&d);
	r = td_open(c, "null", 4, 0, 0, NULL);
	for (i = 0; i < 200; i++) {
		memset(&s, 0, sizeof(s));
		s.user_data = i;
		t0 = clock_ns();
		td_roundtrip(r, &s, &cq);
		dt = clock_ns() - t0;
		if (dt > worst)
			worst = dt;
	}
	tap_kill(pid);
	tap_diag("worst round trip beside the flood: %.1f ms",
	    (double)worst / 1e6);
	TAP_ASSERT(worst < 1000000000ull);
	ring_close(r);
	tu_pipe_close(p);
	td_end(&d, c);
}

/*
 * Mappings of a whole pair in ringd: a side's, which starts at the
 * description page; ringd's monitor view maps the header pages only.
 */
static bool
lazy_is_side_map(const char *line)
{
	unsigned long lo, hi, off;

	return strstr(line, "/memfd:ring-pair") != NULL &&
	    sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &off) == 3 && off == 0;
}

static int
lazy_side_maps(pid_t pid)
{
	return td_count_maps_where(pid, lazy_is_side_map);
}

/*
 * ringd opens its producer side of a built-in ring on the first request
 * only: a ring closed unused, or whose consumer leaves without using it,
 * never costs that mapping and leaves nothing behind, and its DROP wakes
 * nobody (the pair is armed for entries only), ringd learning of it from
 * the CLOSE or the hang-up; a used one is served from its first request
 * on, and a ring first listed after it was used shows the depth its
 * consumer left.
 */
TAP_TEST(test_builtin_lazy, "ctl-builtin-lazy", 30)
{
	struct ring_ctl *c, *c2;
	struct ring_ctl_ring rec;
	struct ring_sqe s[3];
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id;
	int i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "null", 8, 0, 0, &id);
	TAP_EQ(lazy_side_maps(d.pid), 0);
	/* armed for its first request only: DROP need not ring ringd */
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.sq.pop_wait, RING_WAIT_DOORBELL | RING_WAIT_ENTRIES);
	/* leaving rings nobody: ringd learns of it from the CLOSE */
	ring_close(r);
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.state, RING_CTL_DROPPED);
	TAP_EQ(rec.sq.pop_wait, 0);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	TAP_ASSERT(!td_find_ring(c, id, &rec));
	TAP_EQ(lazy_side_maps(d.pid), 0);

	/* a consumer that leaves without a word or a request */
	c2 = td_connect(&d);
	r = td_open(c2, "echo", 8, 0, 0, &id);
	TAP_EQ(lazy_side_maps(d.pid), 0);
	ring_close(r);
	ring_ctl_close(c2);
	td_await_ring_gone(c, id);

	/* the first request wakes ringd, which then serves the ring */
	r = td_open(c, "null", 8, 0, 0, &id);
	EXPECT_STATUS(r, RING_OP_WRITE, 7, 0, 42, 42);
	TAP_EQ(lazy_side_maps(d.pid), 1);
	for (i = 0; i < 3; i++)
		s[i] = tu_sqe(RING_OP_NOOP, 10 + (uint64_t)i, 0, 0);
	TAP_RC(ring_sq_push_batch(r, s, 3), 3);
	for (i = 0; i < 3; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq, 5000), 0);
		TAP_EQ(cq.user_data, 10 + (uint64_t)i);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ(rec.sq.push_epoch, 4);
	TAP_EQ(rec.sq.pop_epoch, 4);
	TAP_EQ(rec.cq.push_epoch, 4);
	TAP_EQ(rec.cq.depth, 0);
	td_close_ring(c, r, id);
	TAP_EQ(lazy_side_maps(d.pid), 0);
	td_end(&d, c);
}

/*
 * A consumer writes garbage into its headers before ringd ever looked at
 * the ring: the first listing maps them all the same and lists the ring
 * as broken, and the consumer's hangup still ends it.
 */
TAP_TEST(test_builtin_lazy_garbage, "ctl-builtin-lazy-garbage", 30)
{
	const uint64_t bad = ~0ull;
	struct ring_ctl_ring rec;
	struct ring_ctl *c;
	struct ring_fds f;
	uint64_t id;
	int fd;

	td_begin(&d, NULL);
	fd = raw_open(d.sock, "scribbler");
	TAP_ASSERT(fd >= 0);
	TAP_RC(raw_open_ring(fd, "null", 8, &f, &id), 0);
	TAP_EQ(pwrite(f.mem, &bad, sizeof(bad),
		   (off_t)(RING_PAGE + offsetof(struct ring_header, head_index))),
	    (ssize_t)sizeof(bad));
	c = td_connect(&d);
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.state, RING_CTL_BROKEN);
	ring_fds_close(&f);
	close(fd);
	td_await_ring_gone(c, id);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
