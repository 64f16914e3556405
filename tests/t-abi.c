/*
 * t-abi.c - the ring ABI at run time: entry and header layouts against the
 * DESIGN.md table, constant values, ring_layout(), and the bytes of a
 * freshly created pair's memory file as another process would see them.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/tap.h"
#include "lib/testutil.h"

/* One pinned fact: a field's offset and size in its struct. */
struct abi_field {
	const char *name;
	size_t off, want_off;
	size_t size, want_size;
};

#define FIELD(type, f, o, s) \
	{ \
#type "." #f, offsetof(struct type, f), (o), \
		    sizeof(((struct type *)0)->f), (s) \
	}

static void
abi_check_fields(const struct abi_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i].off != f[i].want_off)
			TAP_FAIL("%s at offset %zu, expected %zu", f[i].name,
			    f[i].off, f[i].want_off);
		if (f[i].size != f[i].want_size)
			TAP_FAIL("%s is %zu bytes, expected %zu", f[i].name,
			    f[i].size, f[i].want_size);
	}
	TAP_HERE();
}

/* The four entry formats of Redox io_uring v1 (DESIGN.md section 3). */
TAP_TEST(test_entry_layout, "abi-entry-layout", 0)
{
	static const struct abi_field f[] = {
		FIELD(ring_sqe, opcode, 0, 1),
		FIELD(ring_sqe, flags, 1, 1),
		FIELD(ring_sqe, priority, 2, 2),
		FIELD(ring_sqe, syscall_flags, 4, 4),
		FIELD(ring_sqe, fd, 8, 8),
		FIELD(ring_sqe, len, 16, 8),
		FIELD(ring_sqe, user_data, 24, 8),
		FIELD(ring_sqe, addr, 32, 8),
		FIELD(ring_sqe, offset, 40, 8),
		FIELD(ring_sqe, additional1, 48, 8),
		FIELD(ring_sqe, additional2, 56, 8),
		FIELD(ring_cqe, user_data, 0, 8),
		FIELD(ring_cqe, status, 8, 8),
		FIELD(ring_cqe, flags, 16, 8),
		FIELD(ring_cqe, extra, 24, 8),
		FIELD(ring_sqe32, opcode, 0, 1),
		FIELD(ring_sqe32, flags, 1, 1),
		FIELD(ring_sqe32, priority, 2, 2),
		FIELD(ring_sqe32, syscall_flags, 4, 4),
		FIELD(ring_sqe32, fd, 8, 4),
		FIELD(ring_sqe32, len, 12, 4),
		FIELD(ring_sqe32, user_data, 16, 4),
		FIELD(ring_sqe32, addr, 20, 4),
		FIELD(ring_sqe32, offset, 24, 8),
		FIELD(ring_cqe32, user_data, 0, 4),
		FIELD(ring_cqe32, status, 4, 4),
		FIELD(ring_cqe32, flags, 8, 4),
		FIELD(ring_cqe32, extra, 12, 4),
	};
	struct ring_sqe sqes[2];
	struct ring_cqe32 cqes[2];

	abi_check_fields(f, sizeof(f) / sizeof(f[0]));
	TAP_EQ(sizeof(struct ring_sqe), 64);
	TAP_EQ(alignof(struct ring_sqe), 64);
	TAP_EQ(sizeof(struct ring_cqe), 32);
	TAP_EQ(alignof(struct ring_cqe), 32);
	TAP_EQ(sizeof(struct ring_sqe32), 32);
	TAP_EQ(alignof(struct ring_sqe32), 32);
	TAP_EQ(sizeof(struct ring_cqe32), 16);
	TAP_EQ(alignof(struct ring_cqe32), 16);
	/* Arrays of entries are dense: slot i is at i * size. */
	TAP_EQ((char *)&sqes[1] - (char *)&sqes[0], 64);
	TAP_EQ((char *)&cqes[1] - (char *)&cqes[0], 16);
	/* Fields are unsigned: a negative errno is stored as a cast. */
	TAP_ASSERT((__typeof__(sqes[0].fd))-1 > 0);
	TAP_ASSERT((__typeof__(cqes[0].status))-1 > 0);
}

/* The ring header: six words, each alone on its 128-byte line. */
TAP_TEST(test_header_layout, "abi-header-layout", 0)
{
	static const struct abi_field f[] = {
		FIELD(ring_header, entry_count, 0, 8),
		FIELD(ring_header, head_index, 128, 8),
		FIELD(ring_header, tail_index, 256, 8),
		FIELD(ring_header, status, 384, 8),
		FIELD(ring_header, push_epoch, 512, 8),
		FIELD(ring_header, pop_epoch, 640, 8),
		FIELD(ring_header_page, h, 0, 768),
		FIELD(ring_header_page, pop_wait, 768, 4),
		FIELD(ring_header_page, pop_fence, 772, 4),
		FIELD(ring_header_page, push_wait, 896, 4),
		FIELD(ring_header_page, push_fence, 900, 4),
		FIELD(ring_header_page, reserved, 904, RING_PAGE - 904),
		FIELD(ring_pair_desc, magic, 0, 8),
		FIELD(ring_pair_desc, version, 8, 4),
		FIELD(ring_pair_desc, flags, 12, 4),
		FIELD(ring_pair_desc, sq_entries, 16, 4),
		FIELD(ring_pair_desc, cq_entries, 20, 4),
		FIELD(ring_pair_desc, pool_bytes, 24, 8),
		FIELD(ring_pair_desc, reserved, 32, 32),
		FIELD(ring_held, sq_seq, 0, 8),
		FIELD(ring_held, user_data, 8, 8),
		FIELD(ring_held, done_seq, 16, 8),
		FIELD(ring_held, reserved, 24, 8),
	};

	abi_check_fields(f, sizeof(f) / sizeof(f[0]));
	TAP_EQ(RING_LINE, 128);
	TAP_EQ(RING_PAGE, 4096);
	TAP_EQ(sizeof(struct ring_header), 6 * 128);
	TAP_EQ(alignof(struct ring_header), 128);
	TAP_EQ(sizeof(struct ring_header_page), 4096);
	TAP_EQ(alignof(struct ring_header_page), 4096);
	TAP_EQ(sizeof(struct ring_pair_desc), 64);
	TAP_EQ(sizeof(struct ring_held), 32);
	/* The reserved bytes run to the end of the page. */
	TAP_EQ(offsetof(struct ring_header_page, reserved) +
		sizeof(((struct ring_header_page *)0)->reserved),
	    RING_PAGE);
	TAP_ASSERT(sysconf(_SC_PAGESIZE) <= RING_PAGE);
}

TAP_TEST(test_constants, "abi-constants", 0)
{
	static const int ops[] = {
		RING_OP_NOOP,
		RING_OP_OPEN,
		RING_OP_CLOSE,
		RING_OP_READ,
		RING_OP_WRITE,
		RING_OP_SEEK,
		RING_OP_FSTAT,
		RING_OP_FSTATVFS,
		RING_OP_MMAP,
		RING_OP_MUNMAP,
		RING_OP_FSYNC,
		RING_OP_FILES_UPDATE,
		RING_OP_REGULAR_SYSCALL,
	};
	uint64_t magic = RING_PAIR_MAGIC;
	size_t i;

	/* StandardOpcode in declaration order, then the producer range. */
	TAP_EQ(sizeof(ops) / sizeof(ops[0]), 13);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i] != (int)i)
			TAP_FAIL("opcode #%zu has value %d", i, ops[i]);
	TAP_EQ(RING_OP_STANDARD_COUNT, 13);
	TAP_EQ(RING_OP_PRODUCER_BASE, 128);

	TAP_EQ(RING_SQE_SUBSCRIBE, 0x01);
	TAP_EQ(RING_SQE_DRAIN, 0x02);
	TAP_EQ(RING_SQE_CHAIN, 0x04);
	TAP_EQ(RING_SQE_KNOWN, 0x07);
	TAP_EQ(RING_CQE_MORE, 0x01);
	TAP_EQ(RING_CQE_KNOWN, 0x01);
	TAP_EQ(RING_STATUS_DROP, 0x01);
	TAP_EQ(RING_STATUS_BROKEN, 0x02);
	TAP_EQ(RING_STATUS_KNOWN, 0x03);
	TAP_ASSERT(RING_WAIT_FUTEX != 0 && RING_WAIT_DOORBELL != 0);
	TAP_ASSERT((RING_WAIT_FUTEX & RING_WAIT_DOORBELL) == 0);

	/* physalloc3, redox-os/syscall 3efc8d06 */
	TAP_EQ(RING_PHYS_SPACE_32, 0x1);
	TAP_EQ(RING_PHYS_SPACE_64, 0x2);
	TAP_EQ(RING_PHYS_PARTIAL_ALLOC, 0x4);
	TAP_EQ(RING_PHYS_STRATEGY_MASK, 0x30000);
	TAP_EQ(RING_PHYS_OPTIMAL, 0x10000);
	TAP_EQ(RING_PHYS_GREATEST_RANGE, 0x20000);
	TAP_EQ(RING_PHYS_GREEDY, 0x30000);

	TAP_EQ(RING_ABI_VERSION, 1);
	TAP_EQ(RING_PAIR_BITS_32, 0x1);
	TAP_EQ(RING_PAIR_KNOWN, 0x1);
	/* "RNGPAIR1" as bytes on a little-endian machine */
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		TAP_ASSERT(memcmp(&magic, "RNGPAIR1", 8) == 0);
	TAP_ASSERT(RING_MAX_ENTRIES > 0 &&
	    (RING_MAX_ENTRIES & (RING_MAX_ENTRIES - 1)) == 0);
	TAP_ASSERT(RING_POOL_BLOCK > 0 &&
	    (RING_POOL_BLOCK & (RING_POOL_BLOCK - 1)) == 0);
	TAP_EQ(RING_MAX_POOL % RING_PAGE, 0);

	TAP_ASSERT(RING_EV_IN != 0 && RING_EV_OUT != 0);
	TAP_ASSERT((RING_EV_IN & RING_EV_OUT) == 0);
	TAP_ASSERT(RING_ROLE_CONSUMER != RING_ROLE_PRODUCER);
	TAP_ASSERT(RING_ROLE_MONITOR != RING_ROLE_PRODUCER &&
	    RING_ROLE_MONITOR != RING_ROLE_CONSUMER);

	/* ring_cqe_errno(): the errno mux */
	{
		struct ring_cqe c;

		memset(&c, 0, sizeof(c));
		c.status = (uint64_t)(int64_t)-EBADF;
		TAP_RC(ring_cqe_errno(&c), -EBADF);
		c.status = (uint64_t)(int64_t)-4095;
		TAP_RC(ring_cqe_errno(&c), -4095);
		c.status = (uint64_t)(int64_t)-4096;
		TAP_RC(ring_cqe_errno(&c), 0);
		c.status = 12345;
		TAP_RC(ring_cqe_errno(&c), 0);
		c.status = UINT64_MAX / 2 + 1;
		TAP_RC(ring_cqe_errno(&c), 0);
	}
	TAP_ASSERT(ring_version() != NULL);
	TAP_ASSERT(ring_version()[0] >= '0' && ring_version()[0] <= '9');
}

/* Check that l is page-aligned, ordered, non-overlapping and big enough. */
static void
abi_check_layout(uint32_t flags, uint32_t sq, uint32_t cq, uint64_t pool)
{
	struct ring_layout l = ring_layout(flags, sq, cq, pool);
	uint64_t sqe = flags & RING_PAIR_BITS_32 ? 32 : 64;
	uint64_t cqe = flags & RING_PAIR_BITS_32 ? 16 : 32;
	uint64_t held = sizeof(struct ring_held) * (uint64_t)sq;
	uint64_t parts[] = { l.sq_hdr, l.cq_hdr, l.sq_ents, l.cq_ents, l.held,
		l.pool_map, l.pool };
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i] % RING_PAGE != 0)
			TAP_FAIL("part %zu at %#llx is not page-aligned "
				 "(flags %#x, sq %u, cq %u, pool %llu)",
			    i, (unsigned long long)parts[i], flags, sq, cq,
			    (unsigned long long)pool);
	/* desc page, then the two header pages */
	TAP_EQ_U(l.sq_hdr, RING_PAGE);
	TAP_EQ_U(l.cq_hdr, 2 * RING_PAGE);
	TAP_EQ_U(l.sq_ents, 3 * RING_PAGE);
	/* each part ends before the next begins */
	TAP_ASSERT(l.cq_ents >= l.sq_ents + sqe * sq);
	TAP_ASSERT(l.held >= l.cq_ents + cqe * cq);
	TAP_ASSERT(l.pool_map >= l.held + held);
	TAP_ASSERT(l.pool >= l.pool_map + (pool / RING_POOL_BLOCK + 7) / 8);
	TAP_EQ_U(l.total, l.pool + pool);
	/* and wastes no more than a page per part */
	TAP_ASSERT(l.cq_ents - l.sq_ents < sqe * sq + RING_PAGE);
	TAP_ASSERT(l.held - l.cq_ents < cqe * cq + RING_PAGE);
	TAP_ASSERT(l.pool_map - l.held < held + RING_PAGE);
	if (pool == 0)
		TAP_EQ_U(l.pool, l.pool_map);
	TAP_EQ_U(l.total % RING_PAGE, 0);
}

TAP_TEST(test_layout, "abi-ring-layout", 0)
{
	static const uint32_t counts[] = { 1, 2, 8, 64, 128, 4096,
		RING_MAX_ENTRIES };
	static const uint64_t pools[] = { 0, RING_PAGE, 16 * RING_PAGE,
		1u << 20, RING_MAX_POOL };
	size_t i, j, k;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		for (j = 0; j < sizeof(counts) / sizeof(counts[0]); j += 2)
			for (k = 0; k < sizeof(pools) / sizeof(pools[0]); k++) {
				abi_check_layout(0, counts[i], counts[j],
				    pools[k]);
				abi_check_layout(RING_PAIR_BITS_32, counts[i],
				    counts[j], pools[k]);
			}
}

static bool
abi_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* A header page as the creator must leave it: count set, all else zero. */
static void
abi_check_fresh_header(const struct ring_header_page *hp, uint32_t n,
    const char *which)
{
	const unsigned char *b = (const unsigned char *)hp;
	size_t i;

	if (hp->h.entry_count != n)
		TAP_FAIL("%s entry_count %llu, expected %u", which,
		    (unsigned long long)hp->h.entry_count, n);
	TAP_EQ_U(hp->h.head_index, 0);
	TAP_EQ_U(hp->h.tail_index, 0);
	TAP_EQ_U(hp->h.status, 0);
	TAP_EQ_U(hp->h.push_epoch, 0);
	TAP_EQ_U(hp->h.pop_epoch, 0);
	TAP_EQ_U(hp->pop_wait, 0);
	TAP_EQ_U(hp->push_wait, 0);
	TAP_EQ_U(hp->pop_fence, 0);
	TAP_EQ_U(hp->push_fence, 0);
	/* every byte but the entry_count word */
	for (i = 8; i < RING_PAGE; i++)
		if (b[i] != 0)
			TAP_FAIL("%s header byte %zu is %#x, expected 0", which,
			    i, b[i]);
	TAP_HERE();
}

/* Create with the library, then read the memory file as a stranger. */
static void
abi_check_created(uint32_t sq, uint32_t cq, uint32_t flags, uint64_t pool,
    uint64_t want_pool)
{
	struct ring_fds fds;
	struct ring_layout l;
	const struct ring_pair_desc *d;
	struct stat st;
	uint32_t want_cq = cq ? cq : sq;
	size_t len;
	unsigned char *m;

	tu_create(&fds, sq, cq, flags, pool);
	TAP_SYS(fstat(fds.mem, &st));
	m = tu_map(fds.mem, &len, PROT_READ);
	d = (const struct ring_pair_desc *)m;
	TAP_EQ_U(d->magic, RING_PAIR_MAGIC);
	TAP_EQ(d->version, RING_ABI_VERSION);
	TAP_EQ(d->flags, flags);
	TAP_EQ(d->sq_entries, sq);
	TAP_EQ(d->cq_entries, want_cq);
	TAP_EQ_U(d->pool_bytes, want_pool);
	TAP_ASSERT(abi_zero(d->reserved, sizeof(d->reserved)));
	/* nothing else on the description page */
	TAP_ASSERT(abi_zero(m + sizeof(*d), RING_PAGE - sizeof(*d)));

	l = ring_layout(flags, sq, want_cq, want_pool);
	TAP_EQ_U((uint64_t)st.st_size, l.total);
	abi_check_fresh_header(tu_sq_hdr(m), sq, "SQ");
	abi_check_fresh_header(tu_cq_hdr(m), want_cq, "CQ");
	/* entries, pool bitmap and pool start out zero */
	TAP_ASSERT(abi_zero(m + l.sq_ents, l.total - l.sq_ents));
	munmap(m, len);
	ring_fds_close(&fds);
}

TAP_TEST(test_created_image, "abi-created-image", 0)
{
	abi_check_created(8, 0, 0, 0, 0);
	abi_check_created(8, 32, 0, 0, 0);
	abi_check_created(1, 1, 0, 0, 0);
	abi_check_created(256, 64, RING_PAIR_BITS_32, 0, 0);
	/* the pool is rounded up to a page */
	abi_check_created(16, 16, 0, 5000, 8192);
	abi_check_created(16, 16, RING_PAIR_BITS_32, RING_PAGE, RING_PAGE);
	abi_check_created(RING_MAX_ENTRIES, 2, 0, 1, RING_PAGE);
}

/* The memory file is sealed; the doorbells are a close-on-exec socket pair. */
TAP_TEST(test_seals, "abi-seals-doorbells", 0)
{
	struct ring_fds fds;
	struct stat st;
	char path[64], target[128];
	char zero[RING_PAGE];
	int seals, fl, i;
	ssize_t n;

	tu_create(&fds, 8, 8, 0, 4 * RING_PAGE);
	seals = fcntl(fds.mem, F_GET_SEALS);
	TAP_SYS(seals);
	TAP_ASSERT((seals & F_SEAL_SHRINK) != 0);
	TAP_ASSERT((seals & F_SEAL_GROW) != 0);
	/* writes must stay possible: both sides write shared words */
	TAP_ASSERT((seals & F_SEAL_WRITE) == 0);
	TAP_ASSERT((seals & F_SEAL_FUTURE_WRITE) == 0);

	/* and the seals really bite */
	TAP_SYS(fstat(fds.mem, &st));
	TAP_ASSERT(ftruncate(fds.mem, st.st_size - RING_PAGE) < 0);
	TAP_ASSERT(ftruncate(fds.mem, st.st_size + RING_PAGE) < 0);
	memset(zero, 0, sizeof(zero));
	n = pwrite(fds.mem, zero, sizeof(zero), st.st_size);
	TAP_ASSERT(n < 0);
	TAP_SYS(fstat(fds.mem, &st));
	TAP_EQ_U((uint64_t)st.st_size,
	    ring_layout(0, 8, 8, 4 * RING_PAGE).total);

	/* three distinct descriptors */
	TAP_ASSERT(
	    fds.mem >= 0 && fds.doorbell[0] >= 0 && fds.doorbell[1] >= 0);
	TAP_ASSERT(fds.mem != fds.doorbell[0] && fds.mem != fds.doorbell[1]);
	TAP_ASSERT(fds.doorbell[0] != fds.doorbell[1]);
	for (i = 0; i < 2; i++) {
		fl = fcntl(fds.doorbell[i], F_GETFD);
		TAP_SYS(fl);
		TAP_ASSERT((fl & FD_CLOEXEC) != 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d",
		    fds.doorbell[i]);
		n = readlink(path, target, sizeof(target) - 1);
		TAP_SYS(n);
		target[n] = '\0';
		if (strncmp(target, "socket:", 7) != 0)
			TAP_FAIL("doorbell[%d] is '%s', not a socket", i,
			    target);
	}
	ring_fds_close(&fds);
	TAP_EQ(fds.mem, -1);
	TAP_EQ(fds.doorbell[0], -1);
	TAP_EQ(fds.doorbell[1], -1);
}

/* Bad parameters fail, leave *fds alone and leak no descriptor. */
TAP_TEST(test_create_rejects, "abi-create-rejects", 0)
{
	static const struct ring_params bad[] = {
		{ .sq_entries = 0 },
		{ .sq_entries = 3 },
		{ .sq_entries = 12 },
		{ .sq_entries = RING_MAX_ENTRIES * 2 },
		{ .sq_entries = UINT32_MAX },
		{ .sq_entries = 8, .cq_entries = 5 },
		{ .sq_entries = 8, .cq_entries = RING_MAX_ENTRIES * 2 },
		{ .sq_entries = 8, .flags = 0x80 },
		{ .sq_entries = 8, .flags = RING_PAIR_BITS_32 | 0x100 },
		{ .sq_entries = 8, .reserved = 1 },
		{ .sq_entries = 8, .pool_bytes = RING_MAX_POOL + 1 },
		{ .sq_entries = 8, .pool_bytes = UINT64_MAX },
		{ .sq_entries = 8, .pool_bytes = UINT64_MAX - RING_PAGE + 2 },
	};
	struct ring_fds fds;
	int before = tu_count_fds();
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fds.mem = fds.doorbell[0] = fds.doorbell[1] = -7;
		rc = ring_pair_create(&bad[i], &fds);
		if (rc >= 0)
			TAP_FAIL("ring_pair_create(bad params #%zu) = %d", i,
			    rc);
		if (fds.mem != -7 || fds.doorbell[0] != -7 ||
		    fds.doorbell[1] != -7)
			TAP_FAIL("ring_pair_create(bad params #%zu) wrote *fds",
			    i);
	}
	TAP_EQ(tu_count_fds(), before);
}

/* ring_get_info() reports what was created, for every role. */
TAP_TEST(test_info, "abi-info", 0)
{
	static const enum ring_role roles[] = { RING_ROLE_CONSUMER,
		RING_ROLE_PRODUCER, RING_ROLE_MONITOR };
	struct ring_info info;
	struct ring_fds fds;
	struct ring *r;
	struct stat st;
	size_t i;
	int b32;

	for (b32 = 0; b32 < 2; b32++) {
		uint32_t flags = b32 ? RING_PAIR_BITS_32 : 0;

		tu_create(&fds, 16, 64, flags, 3 * RING_PAGE);
		TAP_SYS(fstat(fds.mem, &st));
		for (i = 0; i < 3; i++) {
			r = tu_open(&fds, roles[i]);
			memset(&info, 0xa5, sizeof(info));
			ring_get_info(r, &info);
			TAP_EQ(info.role, roles[i]);
			TAP_EQ(info.flags, flags);
			TAP_EQ(info.sq_entries, 16);
			TAP_EQ(info.cq_entries, 64);
			TAP_EQ(info.sqe_size, b32 ? 32 : 64);
			TAP_EQ(info.cqe_size, b32 ? 16 : 32);
			TAP_EQ_U(info.pool_bytes, 3 * RING_PAGE);
			TAP_EQ_U(info.mem_bytes, (uint64_t)st.st_size);
			ring_close(r);
		}
		ring_fds_close(&fds);
	}
}

TAP_MAIN(NULL)
