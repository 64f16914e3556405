/*
 * t-pool.c - the pair's shared buffer pool: the consumer allocates block-
 * aligned ranges, SQEs carry {offset, len}, and either side can resolve a
 * range to an address only while every byte of it is allocated.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

#define POOL_BYTES (64u * 1024u)

struct pool_pair {
	struct ring_fds fds;
	struct ring *c, *p;
};

static void
pool_open(struct pool_pair *pp, uint64_t bytes)
{
	tu_create(&pp->fds, 8, 8, 0, bytes);
	pp->c = tu_open(&pp->fds, RING_ROLE_CONSUMER);
	pp->p = tu_open(&pp->fds, RING_ROLE_PRODUCER);
}

static void
pool_close(struct pool_pair *pp)
{
	ring_close(pp->c);
	ring_close(pp->p);
	ring_fds_close(&pp->fds);
}

static uint64_t
blocks_of(uint64_t len)
{
	return (len + RING_POOL_BLOCK - 1) / RING_POOL_BLOCK * RING_POOL_BLOCK;
}

/* Allocate len bytes; check the range is aligned and inside the pool. */
static uint64_t
pool_get(struct ring *c, uint64_t len, uint64_t pool)
{
	uint64_t off = UINT64_MAX;
	int rc;

	rc = ring_pool_alloc(c, len, &off);
	if (rc < 0)
		TAP_FAIL("ring_pool_alloc(%llu) = %s", (unsigned long long)len,
		    tap_rcname(rc));
	if (off % RING_POOL_BLOCK != 0)
		TAP_FAIL("ring_pool_alloc(%llu) gave offset %llu, not "
			 "%u-aligned",
		    (unsigned long long)len, (unsigned long long)off,
		    RING_POOL_BLOCK);
	if (off >= pool || blocks_of(len) > pool - off)
		TAP_FAIL("ring_pool_alloc(%llu) gave [%llu, +%llu) outside a "
			 "pool "
			 "of %llu",
		    (unsigned long long)len, (unsigned long long)off,
		    (unsigned long long)blocks_of(len),
		    (unsigned long long)pool);
	TAP_HERE();
	return off;
}

/* The pool is all free: one allocation takes it whole; freed again. */
static void
pool_expect_whole(struct ring *c)
{
	uint64_t a = pool_get(c, POOL_BYTES, POOL_BYTES);

	TAP_EQ_U(a, 0);
	TAP_RC(ring_pool_free(c, a, POOL_BYTES), 0);
}

static void *
pool_at(struct ring *r, uint64_t off, uint64_t len)
{
	void *p = NULL;
	int rc;

	rc = ring_pool_resolve(r, off, len, &p);
	if (rc != 0)
		TAP_FAIL("ring_pool_resolve(%llu, %llu) = %s, expected 0",
		    (unsigned long long)off, (unsigned long long)len,
		    tap_rcname(rc));
	if (p == NULL)
		TAP_FAIL("ring_pool_resolve(%llu, %llu) gave NULL",
		    (unsigned long long)off, (unsigned long long)len);
	TAP_HERE();
	return p;
}

/* Both sides must refuse to resolve [off, off+len). */
static void
pool_refused(struct pool_pair *pp, uint64_t off, uint64_t len, const char *what)
{
	struct ring *sides[2] = { pp->c, pp->p };
	void *p;
	int i, rc;

	for (i = 0; i < 2; i++) {
		p = (void *)&p;
		rc = ring_pool_resolve(sides[i], off, len, &p);
		if (rc != -EFAULT)
			TAP_FAIL("%s resolved %s [%llu, +%llu): %s, expected "
				 "-EFAULT",
			    i ? "producer" : "consumer", what,
			    (unsigned long long)off, (unsigned long long)len,
			    tap_rcname(rc));
	}
	TAP_HERE();
}

TAP_TEST(test_alloc_basic, "pool-alloc-basic", 0)
{
	static const uint64_t sizes[] = { 1, 64, 65, 100, 4096, 3000, 128, 7,
		RING_POOL_BLOCK * 3 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	struct pool_pair pp;
	uint64_t off[N];
	unsigned char *cp, *pp_;
	size_t i, j, b;

	pool_open(&pp, POOL_BYTES);
	for (i = 0; i < N; i++)
		off[i] = pool_get(pp.c, sizes[i], POOL_BYTES);
	/* whole blocks, pairwise disjoint */
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (off[i] < off[j] + blocks_of(sizes[j]) &&
			    off[j] < off[i] + blocks_of(sizes[i]))
				TAP_FAIL("ranges %zu [%llu,+%llu) and %zu "
					 "[%llu,+%llu) "
					 "overlap",
				    i, (unsigned long long)off[i],
				    (unsigned long long)blocks_of(sizes[i]), j,
				    (unsigned long long)off[j],
				    (unsigned long long)blocks_of(sizes[j]));
	/* the consumer writes, the producer reads the same bytes */
	for (i = 0; i < N; i++) {
		cp = pool_at(pp.c, off[i], sizes[i]);
		for (b = 0; b < sizes[i]; b++)
			cp[b] = (unsigned char)(i * 31 + b);
		/* addresses are linear within a range */
		TAP_ASSERT(pool_at(pp.c, off[i] + sizes[i] - 1, 1) ==
		    cp + sizes[i] - 1);
	}
	for (i = 0; i < N; i++) {
		pp_ = pool_at(pp.p, off[i], sizes[i]);
		for (b = 0; b < sizes[i]; b++)
			if (pp_[b] != (unsigned char)(i * 31 + b))
				TAP_FAIL("producer sees byte %zu of range %zu "
					 "as %#x",
				    b, i, pp_[b]);
		/* and may answer in place, as a Read would */
		pp_[0] = 0xa5;
		if (sizes[i] > 1)
			pp_[sizes[i] - 1] ^= 0xff;
	}
	for (i = 0; i < N; i++) {
		cp = pool_at(pp.c, off[i], sizes[i]);
		TAP_EQ(cp[0], 0xa5);
		if (sizes[i] > 1)
			TAP_EQ(cp[sizes[i] - 1],
			    (unsigned char)(i * 31 + sizes[i] - 1) ^ 0xff);
	}
	for (i = 0; i < N; i++)
		TAP_RC(ring_pool_free(pp.c, off[i], sizes[i]), 0);
	pool_close(&pp);
}

TAP_TEST(test_resolve_rejects, "pool-resolve-rejects", 0)
{
	struct pool_pair pp;
	uint64_t o[3], t, a;
	void *p;
	int i;

	pool_open(&pp, POOL_BYTES);
	/* nothing allocated yet */
	pool_refused(&pp, 0, 1, "an unallocated pool");
	pool_refused(&pp, POOL_BYTES / 2, 64, "an unallocated pool");

	/* with everything allocated, only the bounds can be wrong */
	a = pool_get(pp.c, POOL_BYTES, POOL_BYTES);
	TAP_EQ_U(a, 0);
	(void)pool_at(pp.c, 0, POOL_BYTES);
	(void)pool_at(pp.p, POOL_BYTES - 1, 1);
	pool_refused(&pp, POOL_BYTES, 1, "past the end");
	pool_refused(&pp, POOL_BYTES - 10, 20, "across the end");
	pool_refused(&pp, 0, POOL_BYTES + 1, "one byte too many");
	pool_refused(&pp, 64, UINT64_MAX - 10, "a wrapping length");
	pool_refused(&pp, UINT64_MAX, 2, "a wrapping offset");
	pool_refused(&pp, UINT64_MAX - 5, 10, "offset+len wrapping to 4");
	pool_refused(&pp, 1ull << 63, 1ull << 63, "offset+len wrapping to 0");
	TAP_RC(ring_pool_free(pp.c, 0, POOL_BYTES), 0);

	/* freed ranges are gone for both sides */
	pool_refused(&pp, 0, 64, "a freed range");
	pool_refused(&pp, POOL_BYTES - 64, 64, "a freed range");

	/* three blocks, the middle one freed: nothing spans the hole */
	for (i = 0; i < 3; i++)
		o[i] = pool_get(pp.c, 64, POOL_BYTES);
	/* sort so the freed one lies between the others */
	for (i = 0; i < 2; i++) {
		if (o[0] > o[1]) {
			t = o[0];
			o[0] = o[1];
			o[1] = t;
		}
		if (o[1] > o[2]) {
			t = o[1];
			o[1] = o[2];
			o[2] = t;
		}
	}
	TAP_RC(ring_pool_free(pp.c, o[1], 64), 0);
	(void)pool_at(pp.p, o[0], 64);
	(void)pool_at(pp.p, o[2], 64);
	pool_refused(&pp, o[1], 64, "the freed middle block");
	pool_refused(&pp, o[1] + 63, 1, "the freed middle block's last byte");
	pool_refused(&pp, o[0], o[2] + 64 - o[0], "a range over a freed block");
	pool_refused(&pp, o[0] + 60, 8,
	    "a range straddling into a freed block");
	pool_refused(&pp, o[1] - 1, 2,
	    "a range straddling out of an allocation");
	/* past the last allocation: unallocated */
	if (o[2] + 64 < POOL_BYTES)
		pool_refused(&pp, o[2], 65,
		    "a range one byte past its allocation");
	/* a zero-length look must not crash, whatever it answers */
	p = NULL;
	(void)ring_pool_resolve(pp.p, o[0], 0, &p);
	(void)ring_pool_resolve(pp.p, POOL_BYTES, 0, &p);
	TAP_RC(ring_pool_free(pp.c, o[0], 64), 0);
	TAP_RC(ring_pool_free(pp.c, o[2], 64), 0);
	pool_close(&pp);
}

TAP_TEST(test_free_rejects, "pool-free-rejects", 0)
{
	struct pool_pair pp;
	uint64_t a, b;

	pool_open(&pp, POOL_BYTES);
	a = pool_get(pp.c, 128, POOL_BYTES);
	b = pool_get(pp.c, 64, POOL_BYTES);
	TAP_RC(ring_pool_free(pp.c, b, 64), 0);
	/* double free */
	TAP_RC(ring_pool_free(pp.c, b, 64), -EINVAL);
	/* never allocated, misaligned, out of bounds, wrapping, empty */
	TAP_RC(ring_pool_free(pp.c, POOL_BYTES - 64, 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, a + 1, 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, POOL_BYTES, 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, UINT64_MAX - 63, 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, a, UINT64_MAX), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, a, 0), -EINVAL);
	/* partly allocated, partly free */
	TAP_RC(ring_pool_free(pp.c, a, 128 + 64 * 4), -EINVAL);
	/* only part of one allocation, or its tail, or two at once */
	TAP_RC(ring_pool_free(pp.c, a, 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, a + 64, 64), -EINVAL);
	b = pool_get(pp.c, 64, POOL_BYTES);
	TAP_EQ_U(b, a + 128);
	TAP_RC(ring_pool_free(pp.c, a, 128 + 64), -EINVAL);
	TAP_RC(ring_pool_free(pp.c, b, 64), 0);
	/* none of that disturbed the live allocation */
	(void)pool_at(pp.p, a, 128);
	TAP_RC(ring_pool_free(pp.c, a, 128), 0);
	pool_refused(&pp, a, 128, "a range freed after bad frees");
	TAP_RC(ring_pool_free(pp.c, a, 128), -EINVAL);
	/* the whole pool is free again */
	pool_expect_whole(pp.c);
	pool_close(&pp);
}

TAP_TEST(test_exhaust, "pool-exhaust", 0)
{
	struct pool_pair pp;
	uint64_t a, off;

	pool_open(&pp, POOL_BYTES);
	a = pool_get(pp.c, POOL_BYTES, POOL_BYTES);
	TAP_EQ_U(a, 0);
	TAP_RC(ring_pool_alloc(pp.c, 1, &off), -ENOMEM);
	TAP_RC(ring_pool_alloc(pp.c, 64, &off), -ENOMEM);
	TAP_RC(ring_pool_free(pp.c, a, POOL_BYTES), 0);
	/* more than the pool can ever hold, and nonsense sizes */
	TAP_RC(ring_pool_alloc(pp.c, POOL_BYTES + 1, &off), -ENOMEM);
	TAP_NEG(ring_pool_alloc(pp.c, UINT64_MAX, &off));
	TAP_NEG(ring_pool_alloc(pp.c, UINT64_MAX - 62, &off));
	TAP_NEG(ring_pool_alloc(pp.c, 0, &off));
	/* a failed allocation took nothing */
	pool_expect_whole(pp.c);
	pool_close(&pp);
}

/*
 * Allocate the pool in small pieces until it is full, free them in a
 * scrambled order, and the free space must coalesce back into one range
 * that a single whole-pool allocation can take.
 */
TAP_TEST(test_coalesce, "pool-coalesce", 0)
{
	enum { NB = POOL_BYTES / RING_POOL_BLOCK };
	static uint64_t off[NB], len[NB];
	static unsigned char seen[NB];
	struct pool_pair pp;
	uint64_t a, t, o;
	size_t n, i, j, b;
	int rc, round;

	pool_open(&pp, POOL_BYTES);
	/* one block each: exactly NB pieces tile the pool */
	for (i = 0; i < NB; i++)
		off[i] = pool_get(pp.c, RING_POOL_BLOCK, POOL_BYTES);
	TAP_RC(ring_pool_alloc(pp.c, 1, &o), -ENOMEM);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NB; i++) {
		b = off[i] / RING_POOL_BLOCK;
		if (seen[b]++)
			TAP_FAIL("block %zu handed out twice", b);
	}
	/* every other block free: half the pool free, no two blocks together */
	for (i = 0; i < NB; i++)
		if ((off[i] / RING_POOL_BLOCK) % 2 == 0)
			TAP_RC(ring_pool_free(pp.c, off[i], RING_POOL_BLOCK),
			    0);
	TAP_RC(ring_pool_alloc(pp.c, 2 * RING_POOL_BLOCK, &o), -ENOMEM);
	a = pool_get(pp.c, RING_POOL_BLOCK, POOL_BYTES);
	TAP_EQ_U((a / RING_POOL_BLOCK) % 2, 0);
	TAP_RC(ring_pool_free(pp.c, a, RING_POOL_BLOCK), 0);
	for (i = 0; i < NB; i++)
		if ((off[i] / RING_POOL_BLOCK) % 2 == 1)
			TAP_RC(ring_pool_free(pp.c, off[i], RING_POOL_BLOCK),
			    0);
	pool_expect_whole(pp.c);

	/* random sizes until full, freed in random order, a few rounds */
	tu_srand(42);
	for (round = 0; round < 20; round++) {
		n = 0;
		for (;;) {
			len[n] = 1 + tu_rand_below(round % 2 ? 5000 : 300);
			rc = ring_pool_alloc(pp.c, len[n], &off[n]);
			if (rc == -ENOMEM)
				break;
			TAP_RC(rc, 0);
			n++;
			TAP_ASSERT(n < NB);
		}
		/* fill with a tag, then check nobody overwrote anyone */
		for (i = 0; i < n; i++)
			memset(pool_at(pp.c, off[i], len[i]), (int)(i & 0xff),
			    (size_t)len[i]);
		for (i = 0; i < n; i++) {
			unsigned char *p = pool_at(pp.p, off[i], len[i]);

			for (b = 0; b < len[i]; b++)
				if (p[b] != (unsigned char)(i & 0xff))
					TAP_FAIL("round %d: range %zu "
						 "overwritten",
					    round, i);
		}
		for (i = n; i > 1; i--) {
			j = (size_t)tu_rand_below(i);
			t = off[i - 1];
			off[i - 1] = off[j];
			off[j] = t;
			t = len[i - 1];
			len[i - 1] = len[j];
			len[j] = t;
		}
		for (i = 0; i < n; i++)
			TAP_RC(ring_pool_free(pp.c, off[i], len[i]), 0);
		pool_expect_whole(pp.c);
	}
	pool_close(&pp);
}

/* A pair without a pool: allocations fail, nothing resolves. */
TAP_TEST(test_zero_pool, "pool-zero-size", 0)
{
	struct pool_pair pp;
	struct ring_info info;
	uint64_t off;

	pool_open(&pp, 0);
	ring_get_info(pp.c, &info);
	TAP_EQ_U(info.pool_bytes, 0);
	TAP_NEG(ring_pool_alloc(pp.c, 64, &off));
	TAP_NEG(ring_pool_alloc(pp.c, 1, &off));
	TAP_NEG(ring_pool_free(pp.c, 0, 64));
	pool_refused(&pp, 0, 1, "a pool of size 0");
	pool_refused(&pp, 0, 64, "a pool of size 0");
	pool_close(&pp);
}

/* Only the consumer allocates; a monitor resolves nothing. */
TAP_TEST(test_roles, "pool-roles", 0)
{
	struct pool_pair pp;
	struct ring *m;
	uint64_t off, a;
	void *p;

	pool_open(&pp, POOL_BYTES);
	a = pool_get(pp.c, 64, POOL_BYTES);
	TAP_NEG(ring_pool_alloc(pp.p, 64, &off));
	TAP_NEG(ring_pool_free(pp.p, a, 64));
	(void)pool_at(pp.p, a, 64);
	m = tu_open(&pp.fds, RING_ROLE_MONITOR);
	TAP_NEG(ring_pool_alloc(m, 64, &off));
	TAP_NEG(ring_pool_free(m, a, 64));
	TAP_NEG(ring_pool_resolve(m, a, 64, &p));
	ring_close(m);
	/* the producer's failed free did not free it */
	(void)pool_at(pp.p, a, 64);
	TAP_RC(ring_pool_free(pp.c, a, 64), 0);
	pool_close(&pp);
}

/* The largest pool there may be. */
TAP_TEST(test_max_pool, "pool-max-size", 0)
{
	struct pool_pair pp;
	uint64_t a, b;
	unsigned char *p;

	pool_open(&pp, RING_MAX_POOL);
	a = pool_get(pp.c, RING_MAX_POOL / 2, RING_MAX_POOL);
	b = pool_get(pp.c, RING_MAX_POOL / 2, RING_MAX_POOL);
	TAP_ASSERT(a != b);
	p = pool_at(pp.c, b + RING_MAX_POOL / 2 - 8, 8);
	memcpy(p, "lastbyte", 8);
	TAP_ASSERT(memcmp(pool_at(pp.p, b + RING_MAX_POOL / 2 - 8, 8),
		       "lastbyte", 8) == 0);
	TAP_RC(ring_pool_alloc(pp.c, 64, &a), -ENOMEM);
	pool_close(&pp);
}

/*
 * The intended flow across processes: the consumer allocates a buffer,
 * fills it, sends {addr, len} in an SQE; the producer (a helper) resolves
 * it, checks the bytes, writes its answer into the buffer and completes;
 * the consumer checks the answer and frees the buffer.
 */
TAP_TEST(test_sqe_flow, "pool-sqe-flow", 0)
{
	uint64_t rounds = tap_scaled(2000, 50), i, off, len, b;
	struct ring_fds fds;
	struct ring *c;
	struct ring_sqe s;
	struct ring_cqe e;
	unsigned char *p;
	pid_t pid;
	int rc;

	tu_create(&fds, 8, 8, 0, POOL_BYTES);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	pid = tap_fork();
	if (pid == 0) {
		struct ring *r = tu_open(&fds, RING_ROLE_PRODUCER);

		for (i = 0; i < rounds; i++) {
			while ((rc = ring_sq_pop(r, &s)) == -EAGAIN)
				if ((rc = ring_wait(r, RING_EV_IN,
					 5000000000ll)) < 0)
					TAP_FAIL("producer: ring_wait = %s",
					    tap_rcname(rc));
			if (rc < 0)
				TAP_FAIL("producer: ring_sq_pop = %s",
				    tap_rcname(rc));
			p = pool_at(r, s.addr, s.len);
			for (b = 0; b < s.len; b++)
				if (p[b] != (unsigned char)(i + b))
					TAP_FAIL("producer: byte %llu of "
						 "request %llu "
						 "is %#x",
					    (unsigned long long)b,
					    (unsigned long long)i, p[b]);
			for (b = 0; b < s.len; b++)
				p[b] = (unsigned char)~(i + b);
			memset(&e, 0, sizeof(e));
			e.user_data = s.user_data;
			e.status = s.len;
			TAP_RC(ring_cq_push(r, &e), 0);
		}
		ring_close(r);
		tap_child_exit();
	}
	tu_srand(7);
	for (i = 0; i < rounds; i++) {
		len = 1 + tu_rand_below(8000);
		off = pool_get(c, len, POOL_BYTES);
		p = pool_at(c, off, len);
		for (b = 0; b < len; b++)
			p[b] = (unsigned char)(i + b);
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_WRITE;
		s.addr = off;
		s.len = len;
		s.user_data = i;
		TAP_RC(ring_sq_push(c, &s), 0);
		while ((rc = ring_cq_pop(c, &e)) == -EAGAIN)
			if ((rc = ring_wait(c, RING_EV_IN, 5000000000ll)) < 0)
				TAP_FAIL("consumer: ring_wait = %s",
				    tap_rcname(rc));
		TAP_RC(rc, 0);
		TAP_EQ_U(e.user_data, i);
		TAP_EQ_U(e.status, len);
		for (b = 0; b < len; b++)
			if (p[b] != (unsigned char)~(i + b))
				TAP_FAIL("consumer: byte %llu of answer %llu "
					 "is %#x",
				    (unsigned long long)b,
				    (unsigned long long)i, p[b]);
		TAP_RC(ring_pool_free(c, off, len), 0);
	}
	tap_reap(pid);
	ring_close(c);
	ring_fds_close(&fds);
}

TAP_MAIN(NULL)
