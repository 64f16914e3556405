/*
 * t-ring-bits32.c - 32-bit entries (the Redox layout) and entry checks, on
 * a pair opened in one process (tests/lib/pair.h).
 *
 * Covers what the raw 32-bit slots hold, the errors for values that do not
 * fit a 32-bit entry (refused, not truncated), negative statuses, and the
 * flag checks of ring_sqe_check() and ring_cqe_check().
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/pair.h"

/* The raw 32-bit slots hold exactly what was pushed (Redox layout). */
TAP_TEST(test_bits32_roundtrip, "ring-bits32-roundtrip", 0)
{
	struct ring_layout l = ring_layout(RING_PAIR_BITS_32, 8, 8, 0);
	const struct ring_sqe32 *rs;
	const struct ring_cqe32 *rc32;
	struct ring_sqe32 *s32;
	struct ring_sqe s, got;
	struct ring_cqe c, gotc;
	struct pair pr;
	size_t len;
	unsigned char *m;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	m = tu_map(pr.fds.mem, &len, PROT_READ);

	memset(&s, 0, sizeof(s));
	s.opcode = 200;
	s.flags = RING_SQE_KNOWN;
	s.priority = 0xfffe;
	s.syscall_flags = 0xdeadbeef;
	s.fd = UINT32_MAX;
	s.len = 0x12345678;
	s.user_data = UINT32_MAX - 1;
	s.addr = 0x80000000u;
	s.offset = UINT64_MAX - 5;
	TAP_RC(ring_sq_push(pr.c, &s), 0);
	rs = (const struct ring_sqe32 *)(m + l.sq_ents);
	TAP_EQ(rs->opcode, 200);
	TAP_EQ(rs->flags, RING_SQE_KNOWN);
	TAP_EQ(rs->priority, 0xfffe);
	TAP_EQ_U(rs->syscall_flags, 0xdeadbeef);
	TAP_EQ_U(rs->fd, UINT32_MAX);
	TAP_EQ_U(rs->len, 0x12345678);
	TAP_EQ_U(rs->user_data, UINT32_MAX - 1);
	TAP_EQ_U(rs->addr, 0x80000000u);
	TAP_EQ_U(rs->offset, UINT64_MAX - 5);
	memset(&got, 0xee, sizeof(got));
	TAP_RC(ring_sq_pop(pr.p, &got), 0);
	TAP_ASSERT(tu_sqe_same(&got, &s));

	memset(&c, 0, sizeof(c));
	c.user_data = UINT32_MAX;
	c.status = 0x7fffffff;
	c.flags = RING_CQE_MORE;
	c.extra = 0xfffffffe;
	TAP_RC(ring_cq_push(pr.p, &c), 0);
	rc32 = (const struct ring_cqe32 *)(m + l.cq_ents);
	TAP_EQ_U(rc32->user_data, UINT32_MAX);
	TAP_EQ_U(rc32->status, 0x7fffffff);
	TAP_EQ_U(rc32->flags, RING_CQE_MORE);
	TAP_EQ_U(rc32->extra, 0xfffffffe);
	memset(&gotc, 0xee, sizeof(gotc));
	TAP_RC(ring_cq_pop(pr.c, &gotc), 0);
	TAP_ASSERT(tu_cqe_same(&gotc, &c));

	/* zero-copy in 32-bit form; the 64-bit slot call does not apply */
	TAP_RC(ring_reserve(pr.c, 1), 1);
	TAP_ASSERT(ring_sqe_slot(pr.c, 0) == NULL);
	s32 = ring_sqe32_slot(pr.c, 0);
	TAP_ASSERT(s32 != NULL);
	memset(s32, 0, sizeof(*s32));
	s32->opcode = RING_OP_READ;
	s32->fd = 77;
	s32->user_data = 0xabcdef01;
	s32->offset = 1ull << 40;
	TAP_RC(ring_publish(pr.c, 1), 1);
	TAP_RC(ring_sq_pop(pr.p, &got), 0);
	TAP_EQ(got.opcode, RING_OP_READ);
	TAP_EQ_U(got.fd, 77);
	TAP_EQ_U(got.user_data, 0xabcdef01);
	TAP_EQ_U(got.offset, 1ull << 40);
	TAP_EQ_U(got.additional1, 0);
	TAP_EQ_U(got.additional2, 0);
	TAP_RC(ring_reserve(pr.p, 1), 1);
	TAP_ASSERT(ring_cqe_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_cqe32_slot(pr.p, 0) != NULL);
	TAP_OK(ring_publish(pr.p, 0));

	munmap(m, len);
	pair_close(&pr);
}

/* A negative errno survives the trip through a 32-bit status. */
TAP_TEST(test_bits32_errno, "ring-bits32-errno", 0)
{
	static const int errs[] = { -1, -EBADF, -ENOSYS, -ESHUTDOWN, -4095 };
	struct ring_layout l = ring_layout(RING_PAIR_BITS_32, 8, 8, 0);
	const struct ring_cqe32 *raw;
	struct ring_cqe c;
	struct pair pr;
	size_t len, i;
	unsigned char *m;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	m = tu_map(pr.fds.mem, &len, PROT_READ);
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.user_data = i;
		c.status = (uint64_t)(int64_t)errs[i];
		TAP_RC(ring_cq_push(pr.p, &c), 0);
		raw = (const struct ring_cqe32 *)(m + l.cq_ents) + i;
		TAP_EQ_U(raw->status, (uint32_t)errs[i]);
		memset(&c, 0, sizeof(c));
		TAP_RC(ring_cq_pop(pr.c, &c), 0);
		TAP_EQ_U(c.user_data, i);
		TAP_EQ_U(c.status, (uint64_t)(int64_t)errs[i]);
		TAP_RC(ring_cqe_errno(&c), errs[i]);
	}
	/* and a plain result stays a result */
	memset(&c, 0, sizeof(c));
	c.status = 4096;
	TAP_RC(ring_cq_push(pr.p, &c), 0);
	TAP_RC(ring_cq_pop(pr.c, &c), 0);
	TAP_EQ_U(c.status, 4096);
	TAP_RC(ring_cqe_errno(&c), 0);
	munmap(m, len);
	pair_close(&pr);
}

/* Entries each with one field too wide for the 32-bit form. */
static const struct ring_sqe sq_wide[] = {
	{ .fd = 1ull << 32 },
	{ .len = UINT64_MAX },
	{ .user_data = 1ull << 32 },
	{ .addr = 0x100000000ull + 5 },
	{ .additional1 = 1 },
	{ .additional2 = 1ull << 63 },
};
static const struct ring_cqe cq_wide[] = {
	{ .user_data = 1ull << 32 },
	{ .flags = 1ull << 32 },
	{ .extra = UINT64_MAX - 1 },
	{ .status = 1ull << 40 },
};

static void
expect_overflow(int rc, const char *what, int i)
{
	if (rc != -EOVERFLOW)
		TAP_FAIL("32-bit %s with field #%d too wide: push = %s, "
			 "expected -EOVERFLOW",
		    what, i, tap_rcname(rc));
}

/* A value with no room in a 32-bit entry is refused, not truncated. */
TAP_TEST(test_bits32_overflow, "ring-bits32-overflow", 0)
{
	struct ring_sqe s, sb[4];
	struct ring_cqe c;
	struct pair pr;
	int i, rc;

	pair_open(&pr, 8, 8, RING_PAIR_BITS_32);
	for (i = 0; i < (int)(sizeof(sq_wide) / sizeof(sq_wide[0])); i++)
		expect_overflow(ring_sq_push(pr.c, &sq_wide[i]), "SQE", i);
	for (i = 0; i < (int)(sizeof(cq_wide) / sizeof(cq_wide[0])); i++)
		expect_overflow(ring_cq_push(pr.p, &cq_wide[i]), "CQE", i);
	/* nothing was published by the refused pushes */
	pair_check_q(pr.c, false, 0, 0, 0, 0, 0);
	pair_check_q(pr.c, true, 0, 0, 0, 0, 0);
	TAP_RC(ring_sq_pop(pr.p, &s), -EAGAIN);
	TAP_RC(ring_cq_pop(pr.c, &c), -EAGAIN);

	/* a batch with a bad third entry: all-or-prefix, never the bad one */
	for (i = 0; i < 4; i++)
		tu_sqe_make(&sb[i], (uint64_t)i, true);
	sb[2].user_data = 1ull << 33;
	rc = ring_sq_push_batch(pr.c, sb, 4);
	if (rc != 2 && rc >= 0)
		TAP_FAIL("batch with a bad 3rd entry = %d, expected 2 or "
			 "-errno",
		    rc);
	TAP_EQ_U(pair_qstats(pr.c, false).depth, rc < 0 ? 0 : 2);
	if (rc == 2) {
		TAP_RC(pair_pop(pr.p, false, 0, true), 0);
		TAP_RC(pair_pop(pr.p, false, 1, true), 0);
	}
	TAP_RC(ring_sq_pop(pr.p, &s), -EAGAIN);
	pair_close(&pr);
}

TAP_TEST(test_entry_check, "ring-entry-check", 0)
{
	struct ring_sqe s;
	struct ring_cqe c;
	int bit;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	TAP_RC(ring_sqe_check(&s), 0);
	TAP_RC(ring_cqe_check(&c), 0);
	s.flags = RING_SQE_SUBSCRIBE | RING_SQE_DRAIN | RING_SQE_CHAIN;
	TAP_RC(ring_sqe_check(&s), 0);
	for (bit = 3; bit < 8; bit++) {
		s.flags = (uint8_t)(1u << bit);
		if (ring_sqe_check(&s) != -EINVAL)
			TAP_FAIL("SQE flag bit %d accepted", bit);
	}
	s.flags = RING_SQE_DRAIN | 0x80;
	TAP_RC(ring_sqe_check(&s), -EINVAL);
	c.flags = RING_CQE_MORE;
	TAP_RC(ring_cqe_check(&c), 0);
	for (bit = 1; bit < 64; bit++) {
		c.flags = 1ull << bit;
		if (ring_cqe_check(&c) != -EINVAL)
			TAP_FAIL("CQE flag bit %d accepted", bit);
	}
}

TAP_MAIN(NULL)
