/*
 * t-phys.c - physalloc3 against a real private ringd.
 *
 * One sub-test per flag and per error rule; the fragmentation scenario
 * (plain requests fail, each partial strategy picks the range it is
 * defined to pick, the scatter-gather helper assembles the whole size,
 * SPACE_32 never lands above 4 GiB); ownership, persistence, quota and
 * the non-root switch, acting as a second uid through a forked child;
 * the same bytes seen through two processes' mappings and through a
 * granted ring peer's resolver; and the idle cost of large zones.
 * Every sub-test ends with ringd holding no more descriptors than idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"

#define KB 1024ull
#define MB (1024ull * 1024)
#define G4 RING_PHYS_4G
#define SCHEME "t-phys-dev"
#define OP_CHECK (RING_OP_PRODUCER_BASE + 1) /* additional1: phys, len */

/* Both zones 1 MiB: zone 32 is [4 GiB - 1 MiB, 4 GiB), zone 64 above. */
static const char
    small_conf[] = "phys_zone32_size = 1M\nphys_zone64_size = 1M\n";

static struct td d;

/* Allocate or fail the sub-test; *got (may be NULL) gets the bytes. */
#define alloc_ok(c, size, flags, min, got) \
	alloc_ok_at((c), (size), (flags), (min), (got), __LINE__)
static uint64_t
alloc_ok_at(struct ring_ctl *c, uint64_t size, uint32_t flags, uint64_t min,
    uint64_t *got, int line)
{
	uint64_t base = 0, m = min;
	int rc;

	rc = ring_physalloc3(c, size, flags, &m, &base);
	if (rc < 0)
		tap_fail_at(__FILE__, line,
		    "physalloc3(%#llx, %#x, %#llx) = %s",
		    (unsigned long long)size, flags, (unsigned long long)min,
		    tap_rcname(rc));
	if (got != NULL)
		*got = m;
	return base;
}

/* physalloc3's answer alone. */
static int
alloc_rc(struct ring_ctl *c, uint64_t size, uint32_t flags, uint64_t min)
{
	uint64_t base = 0, m = min;

	return ring_physalloc3(c, size, flags, &m, &base);
}

static void
get_zones(struct ring_ctl *c, struct ring_phys_zone z[RING_PHYS_ZONES])
{
	struct ring_phys_zone *v;
	size_t n;

	TAP_RC(ring_phys_list_zones(c, &v, &n), 0);
	TAP_EQ(n, RING_PHYS_ZONES);
	TAP_EQ(v[0].zone, RING_PHYS_ZONE_32);
	TAP_EQ(v[1].zone, RING_PHYS_ZONE_64);
	memcpy(z, v, sizeof(*v) * RING_PHYS_ZONES);
	free(v);
}

static size_t
count_regions(struct ring_ctl *c)
{
	struct ring_phys_region *v;
	size_t n;

	TAP_RC(ring_phys_list_regions(c, &v, &n), 0);
	free(v);
	return n;
}

static bool
find_region(struct ring_ctl *c, uint64_t base, struct ring_phys_region *out)
{
	struct ring_phys_region *v;
	size_t n, i;
	bool found = false;

	TAP_RC(ring_phys_list_regions(c, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (v[i].base == base) {
			*out = v[i];
			found = true;
		}
	free(v);
	return found;
}

/* Wait up to 3 s for ringd to list exactly n regions. */
static void
await_regions(struct ring_ctl *c, size_t n)
{
	size_t have = 0;
	int i;

	for (i = 0; i < 300; i++) {
		if ((have = count_regions(c)) == n)
			return;
		tu_sleep_ms(10);
	}
	TD_FAIL(&d, "ringd lists %zu regions, expected %zu", have, n);
}

/*
 * The ending of a sub-test that leaves regions behind: close c, and check
 * on a new connection that ringd freed them all before td_finish().
 */
static void
end_regions_freed(struct ring_ctl *c)
{
	ring_ctl_close(c);
	c = td_connect(&d);
	await_regions(c, 0);
	td_end(&d, c);
}

/* Both zones entirely free and no region left. */
static void
assert_all_free(struct ring_ctl *c)
{
	struct ring_phys_zone z[RING_PHYS_ZONES];
	unsigned i;

	get_zones(c, z);
	for (i = 0; i < RING_PHYS_ZONES; i++) {
		TAP_EQ_U(z[i].used, 0);
		TAP_EQ_U(z[i].free, z[i].size);
		TAP_EQ(z[i].free_ranges, z[i].size ? 1 : 0);
		TAP_EQ(z[i].regions, 0);
	}
	TAP_EQ(count_regions(c), 0);
}

/* A sub-test's ringd with small_conf, and a client of it. */
static struct ring_ctl *
small_begin(void)
{
	td_begin(&d, small_conf);
	return td_connect(&d);
}

/* The end of a sub-test that leaves every region freed. */
static void
end_all_free(struct ring_ctl *c)
{
	assert_all_free(c);
	td_end(&d, c);
}

static void
fill(uint8_t *p, size_t len, uint64_t salt)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = mix64(salt + i);

		memcpy(p + i, &v, 8);
	}
}

static bool
same(const uint8_t *p, size_t len, uint64_t salt)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = mix64(salt + i);

		if (memcmp(p + i, &v, 8) != 0)
			return false;
	}
	return true;
}

/* --- basics and every flag ------------------------------------------- */

TAP_TEST(test_basic, "basic", 30)
{
	struct ring_ctl *c;
	struct ring_phys_region reg;
	struct ring_phys_zone z[RING_PHYS_ZONES];
	struct ring_ctl_status st;
	uint64_t base, base2, got, id, m = 1;

	c = small_begin();
	get_zones(c, z);
	TAP_EQ_U(z[0].base, G4 - MB);
	TAP_EQ_U(z[0].size, MB);
	TAP_EQ_U(z[1].base, G4);
	TAP_EQ_U(z[1].size, MB);
	assert_all_free(c);
	/* 5000 bytes round up to two frames; *min says so */
	base = alloc_ok(c, 5000, 0, 1, &got);
	TAP_EQ_U(got, 8 * KB);
	TAP_EQ_U(base % RING_PHYS_FRAME, 0);
	TAP_ASSERT(base >= G4); /* zone 64 is tried first */
	TAP_ASSERT(find_region(c, base, &reg));
	TAP_EQ_U(reg.size, 8 * KB);
	TAP_EQ(reg.zone, RING_PHYS_ZONE_64);
	TAP_EQ(reg.flags, 0);
	TAP_EQ(reg.owner.pid, getpid());
	TAP_EQ(reg.owner.uid, getuid());
	TAP_ASSERT(reg.client_id != 0);
	TAP_EQ(reg.grants, 0);
	TAP_EQ(reg.mapped, 0);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.phys_regions, 1);
	TAP_EQ_U(st.phys_size[1], MB);
	TAP_EQ_U(st.phys_used[1], 8 * KB);
	TAP_EQ_U(st.phys_used[0], 0);
	/* the region variant: id and flags */
	TAP_RC(ring_physalloc3_region(c, 4096, RING_PHYS_SPACE_64,
		   RING_PHYS_PERSIST, &m, &base2, &id),
	    0);
	TAP_EQ_U(base2, G4 + 8 * KB);
	TAP_ASSERT(find_region(c, base2, &reg));
	TAP_EQ_U(reg.region_id, id);
	TAP_EQ(reg.flags, RING_PHYS_PERSIST);
	TAP_RC(ring_physalloc3_region(c, 4096, 0, 0x2, &m, &base2, NULL),
	    -EINVAL);
	TAP_RC(ring_physfree(c, base, 5000), 0);
	TAP_ASSERT(!find_region(c, base, &reg));
	TAP_EQ(count_regions(c), 1);
	ring_ctl_close(c);
	/* the persistent one outlived that connection */
	c = td_connect(&d);
	TAP_EQ(count_regions(c), 1);
	TAP_RC(ring_physfree(c, G4 + 8 * KB, 4096), 0);
	end_all_free(c);
}

TAP_TEST(test_flag_space32, "flag-space32", 30)
{
	struct ring_ctl *c;
	uint64_t base, got;

	c = small_begin();
	base = alloc_ok(c, 64 * KB, RING_PHYS_SPACE_32, 1, &got);
	TAP_EQ_U(got, 64 * KB);
	TAP_ASSERT(base >= G4 - MB && base + got <= G4);
	/* with 64K of it taken, all of zone 32 no longer fits */
	TAP_RC(alloc_rc(c, MB, RING_PHYS_SPACE_32, 1), -ENOMEM);
	TAP_RC(ring_physfree(c, base, got), 0);
	base = alloc_ok(c, MB, RING_PHYS_SPACE_32, 1, &got);
	TAP_EQ_U(base, G4 - MB);
	TAP_EQ_U(base + got, G4); /* zone 32 ends at 4 GiB exactly */
	TAP_RC(ring_physfree(c, base, got), 0);
	td_end(&d, c);
}

TAP_TEST(test_flag_space64, "flag-space64", 30)
{
	struct ring_ctl *c;
	uint64_t hi, lo, got;

	c = small_begin();
	/* anywhere: zone 64 first, then zone 32 once 64 is full */
	hi = alloc_ok(c, MB, RING_PHYS_SPACE_64, 1, &got);
	TAP_EQ_U(hi, G4);
	lo = alloc_ok(c, 64 * KB, RING_PHYS_SPACE_64, 1, &got);
	TAP_ASSERT(lo < G4);
	/* neither space flag behaves the same */
	TAP_RC(ring_physfree(c, lo, got), 0);
	lo = alloc_ok(c, 64 * KB, 0, 1, &got);
	TAP_ASSERT(lo < G4);
	TAP_RC(alloc_rc(c, MB, RING_PHYS_SPACE_64, 1), -ENOMEM);
	TAP_RC(ring_physfree(c, lo, got), 0);
	TAP_RC(ring_physfree(c, hi, MB), 0);
	end_all_free(c);
}

TAP_TEST(test_flag_partial, "flag-partial", 30)
{
	struct ring_ctl *c;
	uint64_t a, b, got;

	c = small_begin();
	a = alloc_ok(c, MB - 64 * KB, RING_PHYS_SPACE_64, 1, NULL);
	b = alloc_ok(c, MB, RING_PHYS_SPACE_32, 1, NULL);
	/* 64K left in all: a plain 128K request fails ... */
	TAP_RC(alloc_rc(c, 128 * KB, 0, 1), -ENOMEM);
	/* ... a partial one takes the 64K, never less than min */
	TAP_RC(alloc_rc(c, 128 * KB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   65 * KB),
	    -ENOMEM);
	TAP_EQ_U(alloc_ok(c, 128 * KB,
		     RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, 16 * KB, &got),
	    a + MB - 64 * KB);
	TAP_EQ_U(got, 64 * KB);
	TAP_RC(ring_physfree(c, a + MB - 64 * KB, got), 0);
	/* min is rounded up to frames too: 1 byte asks for one frame */
	alloc_ok(c, 128 * KB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, 1,
	    &got);
	TAP_EQ_U(got, 64 * KB);
	/* and when everything fits, all of size */
	TAP_RC(ring_physfree(c, b, MB), 0);
	alloc_ok(c, 128 * KB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, 4096,
	    &got);
	TAP_EQ_U(got, 128 * KB);
	end_regions_freed(c);
}

/* --- error rules, one each ----------------------------------------------- */

TAP_TEST(test_err_space_both, "err-space32-and-space64", 30)
{
	struct ring_ctl *c;

	c = small_begin();
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64, 1),
	    -EINVAL);
	TAP_RC(alloc_rc(c, 4096,
		   RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64 |
		       RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   1),
	    -EINVAL);
	end_all_free(c);
}

TAP_TEST(test_err_unknown_bits, "err-unknown-bits", 30)
{
	static const uint32_t bad[] = { 0x8, 0x100, 0x8000, 0x40000,
		0x80000000u, RING_PHYS_SPACE_32 | 0x10 };
	struct ring_ctl *c;
	size_t i;

	c = small_begin();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TAP_RC(alloc_rc(c, 4096, bad[i], 1), -EINVAL);
	end_all_free(c);
}

TAP_TEST(test_err_partial_strategy, "err-partial-strategy", 30)
{
	struct ring_ctl *c;

	c = small_begin();
	/* PARTIAL_ALLOC with no strategy */
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC, 4096), -EINVAL);
	/* a strategy without PARTIAL_ALLOC, each of them */
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_OPTIMAL, 4096), -EINVAL);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_GREATEST_RANGE, 4096), -EINVAL);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_GREEDY, 4096), -EINVAL);
	/* each valid strategy with it is fine */
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_OPTIMAL,
		   4096),
	    0);
	TAP_RC(alloc_rc(c, 4096,
		   RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREATEST_RANGE, 4096),
	    0);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   4096),
	    0);
	TAP_EQ(count_regions(c), 3);
	end_regions_freed(c);
}

TAP_TEST(test_err_min_zero, "err-min-zero", 30)
{
	struct ring_ctl *c;

	c = small_begin();
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, 0),
	    -EINVAL);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_OPTIMAL,
		   0),
	    -EINVAL);
	/* and the neighbours of that rule: size 0, min above size */
	TAP_RC(alloc_rc(c, 0, 0, 1), -EINVAL);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   8192),
	    -EINVAL);
	TAP_RC(alloc_rc(c, UINT64_MAX, 0, 1), -EINVAL);
	end_all_free(c);
}

TAP_TEST(test_err_nomem, "err-nothing-fits", 30)
{
	struct ring_ctl *c;

	c = small_begin();
	TAP_RC(alloc_rc(c, MB + 4096, 0, 1), -ENOMEM);
	TAP_RC(alloc_rc(c, 2 * MB, RING_PHYS_SPACE_32, 1), -ENOMEM);
	TAP_RC(alloc_rc(c, 4 * MB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   MB + 4096),
	    -ENOMEM);
	end_all_free(c);
}

/* Fork a child that drops to uid 65534 and runs fn on a connection. */
static pid_t
as_nobody(void (*fn)(struct ring_ctl *c, void *arg), void *arg)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct ring_ctl *c;

		td_become_nobody();
		c = td_connect(&d);
		fn(c, arg);
		ring_ctl_close(c);
		tap_child_exit();
	}
	return pid;
}

static void
nobody_denied(struct ring_ctl *c, void *arg)
{
	struct ring_phys_sg *sg = NULL;
	struct ring_phys_zone *z;
	size_t n;

	(void)arg;
	TAP_RC(alloc_rc(c, 4096, 0, 1), -EPERM);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_SPACE_32, 1), -EPERM);
	TAP_RC(ring_phys_sg_alloc(c, 64 * KB, 4096, 0, 0, &sg), -EPERM);
	TAP_ASSERT(sg == NULL);
	/* anyone may look */
	TAP_RC(ring_phys_list_zones(c, &z, &n), 0);
	free(z);
}

static void
nobody_allowed(struct ring_ctl *c, void *arg)
{
	uint64_t base;

	(void)arg;
	base = alloc_ok(c, 4096, 0, 1, NULL);
	TAP_RC(ring_physfree(c, base, 4096), 0);
}

TAP_TEST(test_err_perm_config, "err-non-root-denied", 30)
{
	struct ring_ctl *c;

	/* Redox allowed root only; so does ringd by default */
	td_begin(&d, small_conf);
	tap_reap(as_nobody(nobody_denied, NULL));
	c = td_connect(&d);
	assert_all_free(c);
	alloc_ok(c, 4096, 0, 1, NULL); /* root may */
	td_end(&d, c);

	td_begin(&d, "phys_allow_users = yes\n");
	tap_reap(as_nobody(nobody_allowed, NULL));
	c = td_connect(&d);
	end_all_free(c);
}

/* --- fragmentation ---------------------------------------------------------- */

/*
 * Zone 64 (1 MiB) as free ranges of 16K, 64K, 32K and 128K (in that
 * address order) between allocated 8K fences; zone 32 full.  Returns the
 * free ranges' bases in f[4].
 */
static void
fragment(struct ring_ctl *c, uint64_t f[4])
{
	static const uint64_t sizes[] = { 16 * KB, 8 * KB, 64 * KB, 8 * KB,
		32 * KB, 8 * KB, 128 * KB, 0 };
	struct ring_phys_range *v;
	uint64_t base[8], got, rest = MB;
	size_t i, n;

	for (i = 0; i < 8; i++) {
		uint64_t s = sizes[i] ? sizes[i] : rest;

		base[i] = alloc_ok(c, s, RING_PHYS_SPACE_64, 1, &got);
		TAP_EQ_U(base[i], G4 + (MB - rest));
		rest -= s;
	}
	alloc_ok(c, MB, RING_PHYS_SPACE_32, 1, NULL);
	for (i = 0; i < 4; i++) {
		f[i] = base[2 * i];
		TAP_RC(ring_physfree(c, f[i], sizes[2 * i]), 0);
	}
	TAP_RC(ring_phys_list_free(c, &v, &n), 0);
	TAP_EQ(n, 4);
	for (i = 0; i < 4; i++) {
		TAP_EQ_U(v[i].base, f[i]);
		TAP_EQ_U(v[i].size, sizes[2 * i]);
		TAP_EQ(v[i].zone, RING_PHYS_ZONE_64);
	}
	free(v);
}

/* A partial request lands on free range want with got bytes; undo it. */
#define partial_is(c, size, strat, min, want, wgot) \
	partial_is_at((c), (size), (strat), (min), (want), (wgot), __LINE__)
static void
partial_is_at(struct ring_ctl *c, uint64_t size, uint32_t strat, uint64_t min,
    uint64_t want, uint64_t wgot, int line)
{
	uint64_t base, got;

	base = alloc_ok_at(c, size, RING_PHYS_PARTIAL_ALLOC | strat, min, &got,
	    line);
	if (base != want || got != wgot)
		tap_fail_at(__FILE__, line,
		    "strategy %#x took %#llx+%#llx, "
		    "expected %#llx+%#llx",
		    strat, (unsigned long long)base, (unsigned long long)got,
		    (unsigned long long)want, (unsigned long long)wgot);
	TAP_RC(ring_physfree(c, base, got), 0);
}

TAP_TEST(test_fragmentation, "fragmentation", 30)
{
	struct ring_phys_zone z[RING_PHYS_ZONES];
	struct ring_phys_sg *sg;
	struct ring_phys_range *v;
	struct ring_ctl *c;
	uint64_t f[4], base;
	uint32_t i;
	size_t n;

	c = small_begin();
	fragment(c, f);
	get_zones(c, z);
	TAP_EQ_U(z[1].free, 240 * KB);
	TAP_EQ_U(z[1].largest_free, 128 * KB);
	TAP_EQ(z[1].free_ranges, 4);
	TAP_EQ_U(z[0].free, 0);
	/* more than any one free range: plain fails */
	TAP_RC(alloc_rc(c, 192 * KB, 0, 1), -ENOMEM);
	TAP_RC(alloc_rc(c, 192 * KB, RING_PHYS_SPACE_64, 1), -ENOMEM);
	/* plain, when it fits: the first range holding all of it */
	base = alloc_ok(c, 48 * KB, 0, 1, NULL);
	TAP_EQ_U(base, f[1]);
	TAP_RC(ring_physfree(c, base, 48 * KB), 0);
	/* GREEDY: the first free range >= min */
	partial_is(c, 192 * KB, RING_PHYS_GREEDY, 24 * KB, f[1], 64 * KB);
	partial_is(c, 192 * KB, RING_PHYS_GREEDY, 4 * KB, f[0], 16 * KB);
	partial_is(c, 8 * KB, RING_PHYS_GREEDY, 4 * KB, f[0], 8 * KB);
	/* GREATEST_RANGE: the largest free range >= min */
	partial_is(c, 192 * KB, RING_PHYS_GREATEST_RANGE, 4 * KB, f[3],
	    128 * KB);
	partial_is(c, 16 * KB, RING_PHYS_GREATEST_RANGE, 4 * KB, f[3], 16 * KB);
	TAP_RC(alloc_rc(c, 192 * KB,
		   RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREATEST_RANGE,
		   132 * KB),
	    -ENOMEM);
	/* OPTIMAL: the smallest range holding all of size, else the largest */
	partial_is(c, 32 * KB, RING_PHYS_OPTIMAL, 4 * KB, f[2], 32 * KB);
	partial_is(c, 40 * KB, RING_PHYS_OPTIMAL, 4 * KB, f[1], 40 * KB);
	partial_is(c, 192 * KB, RING_PHYS_OPTIMAL, 4 * KB, f[3], 128 * KB);
	/* SPACE_32 with only high memory free: ENOMEM, never >= 4 GiB */
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_SPACE_32, 1), -ENOMEM);
	TAP_RC(alloc_rc(c, 64 * KB,
		   RING_PHYS_SPACE_32 | RING_PHYS_PARTIAL_ALLOC |
		       RING_PHYS_GREEDY,
		   4096),
	    -ENOMEM);
	TAP_RC(ring_phys_sg_alloc(c, 64 * KB, 4096, RING_PHYS_SPACE_32, 0, &sg),
	    -ENOMEM);
	/* the SG helper assembles the whole 240K out of the four pieces */
	TAP_RC(ring_phys_sg_alloc(c, 240 * KB, 16 * KB, RING_PHYS_SPACE_64, 0,
		   &sg),
	    0);
	TAP_EQ_U(sg->total, 240 * KB);
	TAP_EQ(sg->nsegs, 4);
	for (i = 0; i < sg->nsegs; i++) {
		TAP_ASSERT(sg->seg[i].len >= 16 * KB);
		TAP_ASSERT(sg->seg[i].base >= G4);
	}
	get_zones(c, z);
	TAP_EQ_U(z[1].free, 0);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	/* more than is free: ENOMEM, and nothing is left behind */
	TAP_RC(ring_phys_sg_alloc(c, 256 * KB, 16 * KB, 0, 0, &sg), -ENOMEM);
	TAP_RC(ring_phys_list_free(c, &v, &n), 0);
	TAP_EQ(n, 4);
	for (i = 0; i < 4; i++)
		TAP_EQ_U(v[i].base, f[i]);
	free(v);
	get_zones(c, z);
	TAP_EQ_U(z[1].free, 240 * KB);
	ring_ctl_close(c);
	c = td_connect(&d);
	await_regions(c, 0);
	assert_all_free(c); /* everything coalesced back into one range */
	td_end(&d, c);
}

TAP_TEST(test_sg_space32, "sg-space32", 30)
{
	struct ring_ctl *c;
	struct ring_phys_sg *sg;
	uint64_t base[32];
	uint32_t i;

	td_begin(&d, "phys_zone32_size = 2M\nphys_zone64_size = 4M\n");
	c = td_connect(&d);
	for (i = 0; i < 32; i++)
		base[i] = alloc_ok(c, 64 * KB, RING_PHYS_SPACE_32, 1, NULL);
	for (i = 0; i < 32; i += 2)
		TAP_RC(ring_physfree(c, base[i], 64 * KB), 0);
	/* 1 MiB with min 64K below 4 GiB: sixteen pieces, high memory unused */
	TAP_RC(ring_phys_sg_alloc(c, MB, 64 * KB, RING_PHYS_SPACE_32, 0, &sg),
	    0);
	TAP_EQ_U(sg->total, MB);
	TAP_EQ(sg->nsegs, 16);
	for (i = 0; i < sg->nsegs; i++) {
		TAP_EQ_U(sg->seg[i].len, 64 * KB);
		TAP_ASSERT(sg->seg[i].base + sg->seg[i].len <= G4);
	}
	TAP_RC(ring_phys_sg_alloc(c, 64 * KB, 4096, RING_PHYS_SPACE_32, 0,
		   &(struct ring_phys_sg *){ NULL }),
	    -ENOMEM);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	/* without SPACE_32 the same request is served from zone 64 */
	TAP_RC(ring_phys_sg_alloc(c, MB, 64 * KB, 0, 0, &sg), 0);
	TAP_EQ(sg->nsegs, 1);
	TAP_ASSERT(sg->seg[0].base >= G4);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	/* a bad flag is refused before anything is allocated */
	TAP_RC(ring_phys_sg_alloc(c, MB, 64 * KB, 0x8, 0, &sg), -EINVAL);
	TAP_RC(ring_phys_sg_alloc(c, MB, 0, 0, 0, &sg), -EINVAL);
	end_regions_freed(c);
}

/* --- scatter-gather lists in one request ----------------------------------- */

#define SG_ROOM 512 /* segments a list of these tests holds at most */

/*
 * The list ring_phys_sg_alloc() must build, made the way libring made it
 * before PHYS_ALLOC_SG: one physalloc3 call a segment, each for all that
 * is left, at least min (or what is left, when less).  Fills seg[] (room
 * for SG_ROOM) and *n, frees every segment again; 0 or the error.
 */
static int
sg_loop(struct ring_ctl *c, uint64_t size, uint64_t min, uint32_t flags,
    struct ring_phys_seg *seg, uint32_t *n)
{
	uint64_t left, got = 0, base;
	uint32_t i, k = 0;
	int rc = 0;

	flags |= RING_PHYS_PARTIAL_ALLOC;
	if ((flags & RING_PHYS_STRATEGY_MASK) == 0)
		flags |= RING_PHYS_GREATEST_RANGE;
	size = (size + 4095) & ~4095ull;
	min = (min + 4095) & ~4095ull;
	for (left = size; left > 0; left -= got) {
		TAP_ASSERT(k < SG_ROOM);
		got = min < left ? min : left;
		if ((rc = ring_physalloc3(c, left, flags, &got, &base)) < 0)
			break;
		seg[k].base = base;
		seg[k].len = got;
		k++;
	}
	for (i = 0; i < k; i++)
		TAP_RC(ring_physfree(c, seg[i].base, seg[i].len), 0);
	*n = k;
	return rc;
}

/* The free ranges of both zones, for before-and-after comparisons. */
static size_t
free_ranges(struct ring_ctl *c, struct ring_phys_range **v)
{
	size_t n;

	TAP_RC(ring_phys_list_free(c, v, &n), 0);
	return n;
}

static void
same_free_at(struct ring_ctl *c, const struct ring_phys_range *want,
    size_t nwant, int line)
{
	struct ring_phys_range *v;
	size_t n = free_ranges(c, &v);

	if (n != nwant || memcmp(v, want, n * sizeof(*v)) != 0)
		tap_fail_at(__FILE__, line,
		    "the free ranges changed: %zu, %zu before", n, nwant);
	free(v);
}

/*
 * One PHYS_ALLOC_SG request per list makes exactly the list the loop of
 * physalloc3 calls makes, segment for segment, or fails as it does, and
 * the zones are as they were after both (nothing kept on failure).
 */
#define sg_same(c, size, min, flags) \
	sg_same_at((c), (size), (min), (flags), __LINE__)
static int
sg_same_at(struct ring_ctl *c, uint64_t size, uint64_t min, uint32_t flags,
    int line)
{
	static struct ring_phys_seg want[SG_ROOM];
	struct ring_phys_range *before;
	struct ring_phys_sg *sg = NULL;
	size_t nbefore = free_ranges(c, &before), regions = count_regions(c);
	uint32_t n, i;
	int rc, rc2;

	rc = sg_loop(c, size, min, flags, want, &n);
	same_free_at(c, before, nbefore, line);
	rc2 = ring_phys_sg_alloc(c, size, min, flags, 0, &sg);
	if (rc2 != rc)
		tap_fail_at(__FILE__, line,
		    "sg(%#llx, min %#llx, flags %#x) = %s, the loop: %s",
		    (unsigned long long)size, (unsigned long long)min, flags,
		    tap_rcname(rc2), tap_rcname(rc));
	if (rc == 0) {
		if (sg->nsegs != n)
			tap_fail_at(__FILE__, line,
			    "sg(%#llx, flags %#x): %u segments, the loop %u",
			    (unsigned long long)size, flags, sg->nsegs, n);
		for (i = 0; i < n; i++)
			if (sg->seg[i].base != want[i].base ||
			    sg->seg[i].len != want[i].len)
				tap_fail_at(__FILE__, line,
				    "segment %u: %#llx+%#llx, the loop "
				    "%#llx+%#llx",
				    i, (unsigned long long)sg->seg[i].base,
				    (unsigned long long)sg->seg[i].len,
				    (unsigned long long)want[i].base,
				    (unsigned long long)want[i].len);
		TAP_EQ_U(sg->total, (size + 4095) & ~4095ull);
		/* every segment is a region of its own, listed */
		TAP_EQ(count_regions(c), regions + n);
		TAP_RC(ring_phys_sg_free(c, sg), 0);
	}
	TAP_EQ(count_regions(c), regions);
	same_free_at(c, before, nbefore, line);
	free(before);
	return rc;
}

/*
 * Both zones cut into pieces of 1 to 6 frames, a random half of them
 * freed again; returns the bytes free.
 */
static uint64_t
fragment_random(struct ring_ctl *c, uint64_t salt)
{
	static uint64_t base[512], len[512];
	struct ring_phys_zone z[RING_PHYS_ZONES];
	uint32_t n = 0, i;
	uint64_t m;

	tu_srand(salt);
	for (;;) {
		TAP_ASSERT(n < 512);
		len[n] = 4096 * (1 + tu_rand_below(6));
		m = 4096;
		if (ring_physalloc3(c, len[n],
			RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, &m,
			&base[n]) < 0)
			break;
		len[n++] = m;
	}
	for (i = 0; i < n; i++)
		if (tu_rand_below(2))
			TAP_RC(ring_physfree(c, base[i], len[i]), 0);
	get_zones(c, z);
	return z[0].free + z[1].free;
}

/* Lists of every strategy and space against the loop, in random zones. */
static void
sg_against_loop(struct ring_ctl *c, uint64_t free_bytes)
{
	static const uint32_t strat[] = { 0, RING_PHYS_GREEDY,
		RING_PHYS_GREATEST_RANGE, RING_PHYS_OPTIMAL };
	static const uint32_t space[] = { 0, RING_PHYS_SPACE_32,
		RING_PHYS_SPACE_64 };
	unsigned i, j, fails = 0;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++) {
			uint32_t f = strat[i] | space[j];

			sg_same(c, 20 * KB, 12 * KB, f);
			sg_same(c, 40 * KB + 100, 4096, f);
			sg_same(c, free_bytes / 4, 8 * KB, f);
			fails += sg_same(c, free_bytes / 2, 4096, f) < 0;
			/* more than there is: nothing kept */
			TAP_ASSERT(sg_same(c, free_bytes + 4096, 4096, f) < 0);
		}
	tap_diag("%u of 12 half-of-free lists failed as the loop did", fails);
}

static void
nobody_sg_against_loop(struct ring_ctl *c, void *arg)
{
	sg_against_loop(c, *(uint64_t *)arg);
}

TAP_TEST(test_sg_one_request, "sg-one-request", 60)
{
	struct ring_ctl *c;
	uint64_t free_bytes;

	c = small_begin();
	/* an empty zone: one segment */
	sg_same(c, 64 * KB, 4096, RING_PHYS_SPACE_32);
	free_bytes = fragment_random(c, 1);
	sg_against_loop(c, free_bytes);
	end_regions_freed(c);

	/* a non-root uid under the default quota, a share of each zone:
	 * the share ends segments and whole zones in mid-list */
	td_begin(&d,
	    "phys_zone32_size = 1M\nphys_zone64_size = 1M\n"
	    "phys_allow_users = yes\n");
	c = td_connect(&d);
	free_bytes = fragment_random(c, 2);
	tap_reap(as_nobody(nobody_sg_against_loop, &free_bytes));
	end_regions_freed(c);
}

static void
nobody_sg_limits(struct ring_ctl *c, void *arg)
{
	struct ring_phys_sg *sg = NULL;

	(void)arg;
	/* three regions at most: a list of four is refused whole */
	TAP_RC(ring_phys_sg_alloc(c, 32 * KB, 8 * KB,
		   RING_PHYS_SPACE_64 | RING_PHYS_GREEDY, 0, &sg),
	    -EDQUOT);
	TAP_ASSERT(sg == NULL);
	TAP_RC(ring_phys_sg_alloc(c, 24 * KB, 8 * KB,
		   RING_PHYS_SPACE_64 | RING_PHYS_GREEDY, 0, &sg),
	    0);
	TAP_EQ(sg->nsegs, 3);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	/* 64K of quota: 72K is refused whole (64K, then nothing), 64K fits */
	TAP_RC(ring_phys_sg_alloc(c, 72 * KB, 4096, RING_PHYS_SPACE_32, 0, &sg),
	    -EDQUOT);
	TAP_RC(ring_phys_sg_alloc(c, 64 * KB, 4096, RING_PHYS_SPACE_32, 0, &sg),
	    0);
	TAP_EQ(sg->nsegs, 1);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
}

/*
 * Zone 64 as 64 free 8K ranges between 64 8K fences, zone 32 free: GREEDY
 * lists come from zone 64 (tried first), 8K a segment.
 */
static void
fragment_8k(struct ring_ctl *c)
{
	uint64_t i;

	for (i = 0; i < MB / (8 * KB); i++)
		TAP_EQ_U(alloc_ok(c, 8 * KB, RING_PHYS_SPACE_64, 1, NULL),
		    G4 + i * 8 * KB);
	for (i = 0; i < MB / (8 * KB); i += 2)
		TAP_RC(ring_physfree(c, G4 + i * 8 * KB, 8 * KB), 0);
}

TAP_TEST(test_sg_limits, "sg-limits-all-or-nothing", 30)
{
	struct ring_phys_zone z[RING_PHYS_ZONES];
	struct ring_phys_range *before;
	struct ring_phys_region *v;
	struct ring_phys_sg *sg = NULL;
	struct ring_ctl *c;
	size_t nbefore, n, i, mine = 0;

	/* the uid's region count and quota count every segment */
	td_begin(&d,
	    "phys_zone32_size = 1M\nphys_zone64_size = 1M\n"
	    "phys_allow_users = yes\nphys_quota = 64k\n"
	    "phys_max_regions_per_uid = 3\n");
	c = td_connect(&d);
	fragment_8k(c);
	nbefore = free_ranges(c, &before);
	tap_reap(as_nobody(nobody_sg_limits, NULL));
	await_regions(c, 64);
	same_free_at(c, before, nbefore, __LINE__);
	free(before);
	end_regions_freed(c);

	/* and the table of all regions, 128: 64 fences and 64 segments of
	 * zone 64 fit, the 65th segment (from zone 32) fails the list */
	td_begin(&d,
	    "phys_zone32_size = 1M\nphys_zone64_size = 1M\n"
	    "phys_max_regions = 128\n");
	c = td_connect(&d);
	fragment_8k(c);
	nbefore = free_ranges(c, &before);
	TAP_RC(ring_phys_sg_alloc(c, 65 * 8 * KB, 8 * KB, RING_PHYS_GREEDY, 0,
		   &sg),
	    -ENOMEM);
	TAP_EQ(count_regions(c), 64);
	same_free_at(c, before, nbefore, __LINE__);
	free(before);
	TAP_RC(ring_phys_sg_alloc(c, 72 * KB, 8 * KB, RING_PHYS_GREEDY,
		   RING_PHYS_PERSIST, &sg),
	    0);
	TAP_EQ(sg->nsegs, 9);
	/* listed as regions of this connection, persistent ones */
	TAP_RC(ring_phys_list_regions(c, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (v[i].flags & RING_PHYS_PERSIST) {
			TAP_EQ_U(v[i].size, 8 * KB);
			TAP_EQ(v[i].owner.pid, (uint32_t)getpid());
			TAP_ASSERT(v[i].client_id != 0);
			mine++;
		}
	free(v);
	TAP_EQ(mine, 9);
	get_zones(c, z);
	TAP_EQ_U(z[1].used, 64 * 8 * KB + 72 * KB);
	TAP_EQ(z[1].regions, 64 + 9);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	end_regions_freed(c);
}

/*
 * A list longer than one reply: ringd caps each reply at what its output
 * limit lets a packet hold (here 170 segments), the library asks again.
 */
TAP_TEST(test_sg_packets, "sg-many-packets", 30)
{
	struct ring_phys_sg *sg = NULL;
	struct ring_ctl *c;
	uint32_t i;

	td_begin(&d,
	    "phys_zone32_size = 2M\nphys_zone64_size = 1M\n"
	    "max_pending_bytes = 4k\n");
	c = td_connect(&d);
	for (i = 0; i < 2 * MB / 4096; i++)
		alloc_ok(c, 4096, RING_PHYS_SPACE_32, 1, NULL);
	for (i = 0; i < 2 * MB / 4096; i += 2)
		TAP_RC(ring_physfree(c, G4 - 2 * MB + i * 4096ull, 4096), 0);
	TAP_RC(ring_phys_sg_alloc(c, MB, 4096, RING_PHYS_SPACE_32, 0, &sg), 0);
	TAP_EQ(sg->nsegs, 256);
	TAP_EQ_U(sg->total, MB);
	for (i = 0; i < sg->nsegs; i++) {
		TAP_EQ_U(sg->seg[i].len, 4096);
		TAP_ASSERT(sg->seg[i].base < G4);
		TAP_ASSERT(i == 0 || sg->seg[i].base > sg->seg[i - 1].base);
	}
	TAP_EQ(count_regions(c), 256 + 256);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	end_regions_freed(c);
}

/*
 * A list's segments are regions like any other across a ringd restart: a
 * handle set to reconnect hands each back (PHYS_ADOPT), they keep their
 * ids, belong to a connection again and free as a list.
 */
TAP_TEST(test_sg_restart, "sg-restart", 30)
{
	struct ring_phys_region r;
	struct ring_phys_sg *sg = NULL;
	struct ring_ctl *c;
	uint64_t f[4], id[4];
	uint32_t i;

	td_begin(&d, small_conf);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	fragment(c, f);
	TAP_RC(ring_phys_sg_alloc(c, 240 * KB, 16 * KB, RING_PHYS_GREEDY, 0,
		   &sg),
	    0);
	TAP_EQ(sg->nsegs, 4);
	for (i = 0; i < 4; i++) {
		TAP_EQ_U(sg->seg[i].base, f[i]);
		TAP_ASSERT(find_region(c, f[i], &r));
		id[i] = r.region_id;
	}
	td_stop(&d);
	td_start(&d, small_conf, 0);
	for (i = 0; i < 4; i++) {
		TAP_ASSERT(find_region(c, f[i], &r));
		TAP_EQ_U(r.region_id, id[i]);
		TAP_EQ_U(r.size, sg->seg[i].len);
		TAP_ASSERT(r.client_id != 0);
	}
	TAP_EQ(ring_ctl_reconnects(c), 1);
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	end_regions_freed(c);
}

/* --- ownership, persistence, quota --------------------------------------- */

struct two {
	uint64_t a, b;
};

static void
nobody_trespass(struct ring_ctl *c, void *arg)
{
	struct two *t = arg;
	void *p;

	/* root's region: neither free nor map */
	TAP_RC(ring_physfree(c, t->a, 64 * KB), -EPERM);
	TAP_RC(ring_physmap(c, t->a, 4096, 0, &p), -EPERM);
	TAP_RC(ring_phys_resolve(c, t->a, 16, &p), -EPERM);
	/* a plain region that goes with us, a persistent one that stays */
	alloc_ok(c, 8 * KB, 0, 1, NULL);
	TAP_RC(ring_physalloc3_region(c, 8 * KB, 0, RING_PHYS_PERSIST,
		   &(uint64_t){ 1 }, &t->b, NULL),
	    0);
}

static void
nobody_frees(struct ring_ctl *c, void *arg)
{
	struct two *t = arg;

	TAP_RC(ring_physfree(c, t->b, 8 * KB), 0);
}

TAP_TEST(test_ownership, "ownership", 30)
{
	struct ring_ctl *c;
	struct ring_phys_region reg;
	struct two t = { 0 };
	int p[2];
	pid_t pid;
	void *ptr;

	td_begin(&d,
	    "phys_allow_users = yes\nphys_zone32_size = 1M\n"
	    "phys_zone64_size = 1M\n");
	c = td_connect(&d);
	t.a = alloc_ok(c, 64 * KB, 0, 1, NULL);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *nc;

		td_become_nobody();
		nc = td_connect(&d);
		nobody_trespass(nc, &t);
		if (write(p[1], &t.b, sizeof(t.b)) != sizeof(t.b))
			TAP_FAIL("write: %s", tap_rcname(-errno));
		ring_ctl_close(nc);
		tap_child_exit();
	}
	tap_reap(pid);
	TAP_EQ(read(p[0], &t.b, sizeof(t.b)), sizeof(t.b));
	tu_pipe_close(p);
	/* its plain region went with it, the persistent one stayed */
	await_regions(c, 2);
	TAP_ASSERT(find_region(c, t.b, &reg));
	TAP_EQ(reg.owner.uid, TD_NOBODY);
	TAP_EQ(reg.owner.pid, pid);
	TAP_EQ_U(reg.client_id, 0);
	TAP_EQ(reg.flags, RING_PHYS_PERSIST);
	/* another connection of the owner's uid frees it */
	tap_reap(as_nobody(nobody_frees, &t));
	TAP_ASSERT(!find_region(c, t.b, &reg));
	/* no region, or not the whole of one: EINVAL */
	TAP_RC(ring_physfree(c, G4 + 512 * KB, 4096), -EINVAL);
	TAP_RC(ring_physfree(c, t.a + 4096, 4096), -EINVAL);
	TAP_RC(ring_physfree(c, t.a, 32 * KB), -EINVAL);
	TAP_RC(ring_physfree(c, t.a, 0), -EINVAL);
	TAP_RC(ring_physmap(c, G4 + 512 * KB, 4096, 0, &ptr), -EINVAL);
	TAP_RC(ring_physmap(c, t.a + 60 * KB, 8 * KB, 0, &ptr), -EINVAL);
	TAP_RC(ring_physmap(c, t.a + 1, 4096, 0, &ptr), -EINVAL);
	TAP_RC(ring_physmap(c, t.a, 4096, 0x8, &ptr), -EINVAL);
	TAP_RC(ring_physmap(c, t.a, 0, 0, &ptr), -EINVAL);
	/* root may free anyone's; a freed region is gone for good */
	TAP_RC(ring_physfree(c, t.a, 64 * KB), 0);
	TAP_RC(ring_physfree(c, t.a, 64 * KB), -EINVAL);
	end_all_free(c);
}

/* A child allocates a plain and a persistent region, then is killed. */
TAP_TEST(test_dead_client, "dead-client", 30)
{
	struct ring_ctl *c;
	struct ring_phys_region reg;
	struct two t;
	int p[2], q[2];
	pid_t pid;

	c = small_begin();
	tu_pipe(p);
	tu_pipe(q);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *cc = td_connect(&d);
		struct two ct;
		void *ptr;

		ct.a = alloc_ok(cc, 128 * KB, RING_PHYS_SPACE_32, 1, NULL);
		TAP_RC(ring_physalloc3_region(cc, 64 * KB, 0, RING_PHYS_PERSIST,
			   &(uint64_t){ 1 }, &ct.b, NULL),
		    0);
		TAP_RC(ring_physmap(cc, ct.a, 4096, RING_PHYSMAP_WRITE, &ptr),
		    0);
		if (write(p[1], &ct, sizeof(ct)) != sizeof(ct))
			TAP_FAIL("write: %s", tap_rcname(-errno));
		tu_await(q[0], 10000); /* killed while waiting */
		tap_child_exit();
	}
	TAP_EQ(read(p[0], &t, sizeof(t)), sizeof(t));
	TAP_EQ(count_regions(c), 2);
	TAP_ASSERT(find_region(c, t.a, &reg));
	TAP_EQ(reg.mapped, 1);
	tap_kill(pid);
	await_regions(c, 1);
	TAP_ASSERT(!find_region(c, t.a, &reg));
	TAP_ASSERT(find_region(c, t.b, &reg));
	TAP_EQ_U(reg.client_id, 0);
	TAP_EQ(reg.owner.pid, pid);
	/* the plain region's frames are free again: all of zone 32 fits */
	TAP_RC(ring_physfree(c, alloc_ok(c, MB, RING_PHYS_SPACE_32, 1, NULL),
		   MB),
	    0);
	TAP_RC(ring_physfree(c, t.b, 64 * KB), 0);
	assert_all_free(c);
	tu_pipe_close(p);
	tu_pipe_close(q);
	td_end(&d, c);
}

static void
nobody_quota(struct ring_ctl *c, void *arg)
{
	uint64_t a, b, e, got;

	(void)arg;
	a = alloc_ok(c, 48 * KB, 0, 1, NULL);
	/* 16K left of 64K */
	TAP_RC(alloc_rc(c, 32 * KB, 0, 1), -EDQUOT);
	TAP_RC(alloc_rc(c, 64 * KB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		   20 * KB),
	    -EDQUOT);
	/* a partial request is cut to what the quota leaves */
	b = alloc_ok(c, 64 * KB, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
	    4096, &got);
	TAP_EQ_U(got, 16 * KB);
	TAP_RC(alloc_rc(c, 4096, 0, 1), -EDQUOT);
	TAP_RC(ring_physfree(c, b, got), 0);
	/* three regions at most */
	alloc_ok(c, 4096, 0, 1, NULL);
	e = alloc_ok(c, 4096, 0, 1, NULL);
	TAP_RC(alloc_rc(c, 4096, 0, 1), -EDQUOT);
	TAP_RC(ring_physfree(c, e, 4096), 0);
	TAP_RC(ring_physfree(c, a, 48 * KB), 0);
	/* freeing gives quota back: 4K held, 60K more fit, not 64K */
	TAP_RC(alloc_rc(c, 64 * KB, 0, 1), -EDQUOT);
	alloc_ok(c, 60 * KB, 0, 1, NULL);
}

TAP_TEST(test_quota, "quota", 30)
{
	struct ring_ctl *c;
	uint64_t base;

	td_begin(&d,
	    "phys_allow_users = yes\nphys_quota = 64k\n"
	    "phys_max_regions_per_uid = 3\n");
	tap_reap(as_nobody(nobody_quota, NULL));
	c = td_connect(&d);
	await_regions(c, 0);
	/* root is not held to it */
	base = alloc_ok(c, 512 * KB, 0, 1, NULL);
	TAP_RC(ring_physfree(c, base, 512 * KB), 0);
	td_end(&d, c);

	/* and the global table has a size too */
	td_begin(&d, "phys_max_regions = 2\n");
	c = td_connect(&d);
	alloc_ok(c, 4096, 0, 1, NULL);
	alloc_ok(c, 4096, 0, 1, NULL);
	TAP_RC(alloc_rc(c, 4096, 0, 1), -ENOMEM);
	end_regions_freed(c);
}

/* --- mappings ------------------------------------------------------------- */

TAP_TEST(test_map_two_processes, "map-two-processes", 30)
{
	struct ring_ctl *c;
	uint64_t base;
	uint8_t *p;
	int a[2], b[2];
	pid_t pid;

	c = small_begin();
	base = alloc_ok(c, 64 * KB, 0, 1, NULL);
	TAP_RC(ring_physmap(c, base, 64 * KB, RING_PHYSMAP_WRITE, (void **)&p),
	    0);
	/* fresh memory reads as zeros */
	TAP_ASSERT(p[0] == 0 && p[64 * KB - 1] == 0);
	fill(p, 64 * KB, 0xabc);
	tu_pipe(a);
	tu_pipe(b);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *cc = td_connect(&d);
		uint8_t *q, *r;

		/* read-only: the bytes, and no way to write them */
		TAP_RC(ring_physmap(cc, base, 64 * KB, 0, (void **)&q), 0);
		TAP_ASSERT(same(q, 64 * KB, 0xabc));
		TAP_RC(mprotect(q, 64 * KB, PROT_READ | PROT_WRITE), -1);
		TAP_EQ(errno, EACCES);
		TAP_RC(ring_physunmap(q, 64 * KB), 0);
		/* a writable map of the second half, at its offset */
		TAP_RC(ring_physmap(cc, base + 32 * KB, 32 * KB,
			   RING_PHYSMAP_WRITE | RING_PHYSMAP_NO_CACHE,
			   (void **)&r),
		    0);
		TAP_ASSERT(same(r, 32 * KB, 0xabc + 32 * KB));
		fill(r, 32 * KB, 0xdef);
		TAP_RC(ring_physunmap(r, 32 * KB), 0);
		ring_ctl_close(cc);
		tu_notify(a[1]);
		tap_child_exit();
	}
	tu_await(a[0], 10000);
	tap_reap(pid);
	TAP_ASSERT(same(p, 32 * KB, 0xabc));
	TAP_ASSERT(same(p + 32 * KB, 32 * KB, 0xdef));
	/* freed while mapped: our pages stay; the address gets new memory */
	TAP_RC(ring_physfree(c, base, 64 * KB), 0);
	TAP_ASSERT(same(p + 32 * KB, 32 * KB, 0xdef));
	TAP_RC(ring_physunmap(p, 64 * KB), 0);
	TAP_EQ_U(alloc_ok(c, 64 * KB, 0, 1, NULL), base);
	TAP_RC(ring_physmap(c, base, 64 * KB, 0, (void **)&p), 0);
	TAP_ASSERT(p[32 * KB] == 0);
	TAP_RC(ring_physunmap(p, 64 * KB), 0);
	TAP_RC(ring_physfree(c, base, 64 * KB), 0);
	tu_pipe_close(a);
	tu_pipe_close(b);
	td_end(&d, c);
}

/* --- a ring peer as the device -------------------------------------------- */

/*
 * The scheme (uid 65534): for each OP_CHECK SQE, resolve [additional1,
 * +additional2), answer the checksum of the first half in extra and
 * write a pattern into the second half; status is the resolve's error.
 * With offset 1 it drops its cached mapping first.
 */
static void
device(int ready)
{
	struct ring_ctl *c;
	struct ring_attach a;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe e;
	uint8_t *p;
	uint64_t sum, i;
	int rc;

	td_become_nobody();
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, SCHEME, NULL, 0), 0);
	tu_notify(ready);
	TAP_RC(ring_ctl_wait_attach(c, &a, 10000), 0);
	TAP_RC(ring_ctl_accept(c, &a, &r), 0);
	for (;;) {
		rc = ring_wait(r, RING_EV_IN, 10000000000ll);
		if (rc == -ESHUTDOWN)
			break;
		TAP_ASSERT(rc > 0);
		while (ring_sq_pop(r, &s) == 0) {
			memset(&e, 0, sizeof(e));
			e.user_data = s.user_data;
			if (s.offset == 1)
				(void)ring_phys_release(c, s.additional1);
			rc = ring_phys_resolve(c, s.additional1, s.additional2,
			    (void **)&p);
			if (rc == 0) {
				for (i = 0, sum = 0; i < s.additional2 / 2; i++)
					sum = sum * 31 + p[i];
				e.extra = sum;
				fill(p + s.additional2 / 2, s.additional2 / 2,
				    s.user_data);
			}
			e.status = (uint64_t)(int64_t)rc;
			TAP_RC(ring_cq_push(r, &e), 0);
		}
	}
	ring_close(r);
	ring_ctl_close(c);
}

static int64_t
ask_device(struct ring *r, uint64_t ud, uint64_t phys, uint64_t len,
    bool release, struct ring_cqe *e)
{
	struct ring_sqe s = tu_sqe(OP_CHECK, ud, 0, 0);

	s.additional1 = phys;
	s.additional2 = len;
	s.offset = release;
	td_roundtrip(r, &s, e);
	TAP_EQ_U(e->user_data, ud);
	return (int64_t)e->status;
}

TAP_TEST(test_grant_peer, "grant-peer", 30)
{
	struct ring_ctl *c;
	struct ring_phys_region reg;
	struct ring_cqe e;
	struct ring *r, *nr;
	uint64_t base, other, id, nid, sum, i;
	uint8_t *p;
	int ready[2];
	pid_t pid;

	c = small_begin();
	base = alloc_ok(c, 64 * KB, RING_PHYS_SPACE_32, 1, NULL);
	other = alloc_ok(c, 16 * KB, 0, 1, NULL);
	TAP_RC(ring_physmap(c, base, 64 * KB, RING_PHYSMAP_WRITE, (void **)&p),
	    0);
	fill(p, 32 * KB, 0x5eed);
	for (i = 0, sum = 0; i < 32 * KB; i++)
		sum = sum * 31 + p[i];
	tu_pipe(ready);
	pid = tap_fork();
	if (pid == 0) {
		device(ready[1]);
		tap_child_exit();
	}
	tu_await(ready[0], 10000);
	r = td_open(c, SCHEME, 8, 0, 0, &id);
	/* not granted yet: the device may not look */
	TAP_EQ(ask_device(r, 1, base, 64 * KB, false, &e), -EPERM);
	/* granted: it reads what we wrote, and we read what it wrote */
	TAP_RC(ring_phys_grant(c, base + 4096, id), 0);
	TAP_RC(ring_phys_grant(c, base, id), 0); /* twice is once */
	TAP_ASSERT(find_region(c, base, &reg));
	TAP_EQ(reg.grants, 1);
	TAP_EQ_U(reg.grant[0].ring_id, id);
	TAP_ASSERT(reg.grant[0].client_id != 0);
	TAP_EQ(ask_device(r, 2, base, 64 * KB, false, &e), 0);
	TAP_EQ_U(e.extra, sum);
	TAP_ASSERT(same(p + 32 * KB, 32 * KB, 2));
	/* a second lookup is served from the device's cache */
	TAP_EQ(ask_device(r, 3, base + 8 * KB, 16 * KB, false, &e), 0);
	TAP_ASSERT(same(p + 16 * KB, 8 * KB, 3));
	/* only that region: the other one stays ours */
	TAP_EQ(ask_device(r, 4, other, 4096, false, &e), -EPERM);
	/* revoked: a fresh lookup is refused */
	TAP_RC(ring_phys_revoke(c, base, id), 0);
	TAP_RC(ring_phys_revoke(c, base, id), -ENOENT);
	TAP_EQ(ask_device(r, 5, base, 64 * KB, true, &e), -EPERM);
	/* grants name a ring we are on, with a peer connection */
	TAP_RC(ring_phys_grant(c, base, id + 1000), -ENOENT);
	nr = td_open(c, "null", 8, 0, 0, &nid);
	TAP_RC(ring_phys_grant(c, base, nid), -ENOTCONN);
	td_close_ring(c, nr, nid);
	TAP_RC(ring_phys_grant(c, G4 + 512 * KB, id), -EINVAL);
	/* the grant lapses when the peer goes */
	TAP_RC(ring_phys_grant(c, base, id), 0);
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	tap_reap(pid);
	for (i = 0; i < 300; i++) {
		TAP_ASSERT(find_region(c, base, &reg));
		if (reg.grants == 0)
			break;
		tu_sleep_ms(10);
	}
	TAP_EQ(reg.grants, 0);
	TAP_RC(ring_physunmap(p, 64 * KB), 0);
	tu_pipe_close(ready);
	end_regions_freed(c);
}

/*
 * A device serving two rings (as nobody): each SQE asks it to resolve
 * [additional1, additional1 + additional2) for the ring it came on
 * (offset 0) or for the connection (offset 2); the CQE carries the result.
 * It ends when both rings are closed.
 */
static void
device_two(int ready)
{
	struct ring_ctl *c;
	struct ring_attach a;
	struct ring *r[2];
	uint64_t id[2], base, t0;
	struct ring_sqe s;
	struct ring_cqe e;
	bool open[2] = { true, true };
	bool idle;
	void *p;
	int i, rc;

	td_become_nobody();
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, SCHEME, NULL, 0), 0);
	tu_notify(ready);
	for (i = 0; i < 2; i++) {
		TAP_RC(ring_ctl_wait_attach(c, &a, 10000), 0);
		id[i] = a.ring_id;
		TAP_RC(ring_ctl_accept(c, &a, &r[i]), 0);
	}
	t0 = clock_ns();
	while (open[0] || open[1]) {
		if (clock_ns() - t0 > 20000000000ull)
			TAP_FAIL("device: rings still open after 20 s");
		idle = true;
		for (i = 0; i < 2; i++) {
			if (!open[i])
				continue;
			rc = ring_sq_pop(r[i], &s);
			if (rc == -ESHUTDOWN) {
				open[i] = false;
				continue;
			}
			if (rc == -EAGAIN)
				continue;
			TAP_RC(rc, 0);
			idle = false;
			memset(&e, 0, sizeof(e));
			e.user_data = s.user_data;
			base = 0;
			if (s.offset == 2)
				rc = ring_phys_resolve(c, s.additional1,
				    s.additional2, &p);
			else
				rc = ring_phys_resolve_ring(c, id[i],
				    s.additional1, s.additional2, &p, &base);
			if (rc == 0)
				e.extra = base;
			e.status = (uint64_t)(int64_t)rc;
			TAP_RC(ring_cq_push(r[i], &e), 0);
		}
		if (idle)
			tu_sleep_ms(1);
	}
	for (i = 0; i < 2; i++)
		ring_close(r[i]);
	ring_ctl_close(c);
}

/*
 * A grant is for one ring: a scheme serving two rings of ours resolves a
 * region granted through ring 1 on ring 1 only, even right after ring 1
 * put it in its cache; connection-wide resolving cannot tell them apart.
 * Owning a region is no ticket either.
 */
TAP_TEST(test_grant_per_ring, "grant-per-ring", 30)
{
	struct ring_ctl *c;
	struct ring_cqe e;
	struct ring *r1, *r2;
	uint64_t base, id1, id2;
	int ready[2];
	pid_t pid;
	void *p;

	c = small_begin();
	base = alloc_ok(c, 64 * KB, 0, 1, NULL);
	tu_pipe(ready);
	pid = tap_fork();
	if (pid == 0) {
		device_two(ready[1]);
		tap_child_exit();
	}
	tu_await(ready[0], 10000);
	r1 = td_open(c, SCHEME, 8, 0, 0, &id1);
	r2 = td_open(c, SCHEME, 8, 0, 0, &id2);
	TAP_RC(ring_phys_grant(c, base, id1), 0);
	/* ring 1: granted, and the region's base comes back */
	TAP_EQ(ask_device(r1, 1, base + 8 * KB, 4 * KB, false, &e), 0);
	TAP_EQ_U(e.extra, base);
	/* ring 2: refused, though the scheme holds the mapping already */
	TAP_EQ(ask_device(r2, 2, base + 8 * KB, 4 * KB, false, &e), -EPERM);
	TAP_EQ(ask_device(r2, 3, base, 64 * KB, false, &e), -EPERM);
	/* what resolving for the connection alone would have let through */
	{
		struct ring_sqe s = { .opcode = OP_CHECK,
			.user_data = 4,
			.offset = 2,
			.additional1 = base,
			.additional2 = 4 * KB };

		td_roundtrip(r2, &s, &e);
		TAP_EQ((int64_t)e.status, 0);
	}
	/* ring 1 still works from the cache; granted through ring 2, so does it */
	TAP_EQ(ask_device(r1, 5, base, 64 * KB, false, &e), 0);
	TAP_RC(ring_phys_grant(c, base, id2), 0);
	TAP_EQ(ask_device(r2, 6, base + 60 * KB, 4 * KB, false, &e), 0);
	TAP_EQ_U(e.extra, base);
	/* the owner is not the ring's scheme: no per-ring mapping for it */
	TAP_RC(ring_phys_resolve_ring(c, id1, base, 4096, &p, NULL), -EPERM);
	TAP_RC(ring_phys_resolve_ring(c, id1 + 1000, base, 4096, &p, NULL),
	    -ENOENT);
	TAP_RC(ring_phys_resolve_ring(c, 0, base, 4096, &p, NULL), -EINVAL);
	ring_close(r1);
	TAP_RC(ring_ctl_close_ring(c, id1), 0);
	ring_close(r2);
	TAP_RC(ring_ctl_close_ring(c, id2), 0);
	tap_reap(pid);
	tu_pipe_close(ready);
	td_end(&d, c);
}

/* --- cost, configuration, hostile input ---------------------------------- */

/* A process's resident set in KiB (VmRSS). */
static long
rss_kb(pid_t pid)
{
	char path[64], buf[4096], *s;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (td_read_file(path, buf, sizeof(buf)) < 0 ||
	    (s = strstr(buf, "VmRSS:")) == NULL)
		TAP_FAIL("cannot read %s", path);
	return strtol(s + 6, NULL, 10);
}

TAP_TEST(test_idle_cost, "idle-cost", 60)
{
	struct ring_ctl *c;
	struct ring_phys_zone z[RING_PHYS_ZONES];
	long small, big, after;
	uint64_t base, got;
	uint8_t *p;

	td_begin(&d, "phys_zone32_size = 4k\nphys_zone64_size = 4k\n");
	c = td_connect(&d);
	small = rss_kb(d.pid);
	td_end(&d, c);

	/* the largest zones ringd.conf allows: 4 GiB + 1 TiB */
	td_begin(&d, "phys_zone32_size = 4G\nphys_zone64_size = 1024G\n");
	c = td_connect(&d);
	get_zones(c, z);
	TAP_EQ_U(z[0].base, 0);
	TAP_EQ_U(z[1].size, 1024ull << 30);
	big = rss_kb(d.pid);
	tap_diag("ringd RSS: %ld KiB with 8 KiB of zones, %ld KiB with "
		 "4 GiB + 1 TiB",
	    small, big);
	TAP_ASSERT(big < small + 1024);
	/* a 512 GiB region, mapped and touched at both ends */
	base = alloc_ok(c, 512ull << 30, 0, 1, &got);
	TAP_EQ_U(got, 512ull << 30);
	TAP_RC(ring_physmap(c, base + (256ull << 30), 64 * MB,
		   RING_PHYSMAP_WRITE, (void **)&p),
	    0);
	p[0] = 1;
	p[64 * MB - 1] = 2;
	after = rss_kb(d.pid);
	tap_diag("ringd RSS with a 512 GiB region in use: %ld KiB", after);
	TAP_ASSERT(after < small + 1024);
	TAP_RC(ring_physunmap(p, 64 * MB), 0);
	TAP_RC(ring_physfree(c, base, got), 0);
	td_end(&d, c);
}

TAP_TEST(test_config, "config", 30)
{
	static const char *const zopt[] = { "-z", "32=2M", "-z", "64=8M",
		NULL };
	static const char *const bad[] = { "phys_zone32_size = 5G\n",
		"phys_zone64_size = 4097\n", "phys_allow_users = maybe\n",
		"phys_quota = -1\n", "phys_max_regions = lots\n" };
	struct ring_ctl *c;
	struct ring_phys_zone z[RING_PHYS_ZONES];
	size_t i;

	/* -z overrides ringd.conf */
	memset(&d, 0, sizeof(d));
	td_start_args(&d, small_conf, 0, zopt);
	c = td_connect(&d);
	get_zones(c, z);
	TAP_EQ_U(z[0].size, 2 * MB);
	TAP_EQ_U(z[0].base, G4 - 2 * MB);
	TAP_EQ_U(z[1].size, 8 * MB);
	td_end(&d, c);
	/* a zone of size 0 is disabled */
	td_begin(&d, "phys_zone32_size = 0\n");
	c = td_connect(&d);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_SPACE_32, 1), -ENOMEM);
	TAP_RC(ring_physfree(c, alloc_ok(c, 4096, 0, 1, NULL), 4096), 0);
	td_end(&d, c);
	/* bad values stop ringd with a message naming the key */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		td_start(&d, bad[i], TD_NO_WAIT);
		TAP_ASSERT(td_wait_exit(&d, 5000));
		TAP_ASSERT(WIFEXITED(d.status) && WEXITSTATUS(d.status) != 0);
		TAP_ASSERT(td_log_has(&d, "phys_"));
		td_cleanup(&d);
	}
	memset(&d, 0, sizeof(d));
	td_start_args(&d, NULL, TD_NO_WAIT,
	    (const char *const[]){ "-z", "48=1M", NULL });
	TAP_ASSERT(td_wait_exit(&d, 5000));
	TAP_ASSERT(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 2);
	TAP_ASSERT(td_log_has(&d, "bad zone size '48=1M'"));
	td_cleanup(&d);
}

/* One request on a raw connection after HELLO; the reply's error. */
static int32_t
raw_call(int fd, uint16_t type, const void *body, uint32_t len,
    struct proto_msg *m)
{
	static uint32_t seq = 100;
	int i, rc;

	TAP_RC(proto_send(fd, type, ++seq, body, len, NULL, 0), 0);
	for (i = 0; i < 500; i++) {
		rc = proto_recv(fd, m);
		if (rc == -EAGAIN) {
			tu_sleep_ms(10);
			continue;
		}
		TAP_RC(rc, 0);
		TAP_EQ(m->hdr.type, type | PROTO_REPLY);
		TAP_EQ(m->hdr.seq, seq);
		return *(int32_t *)(void *)m->body.raw;
	}
	TAP_FAIL("no reply");
}

/* PHYS_ALLOC_SG fields out of range, each refused with nothing kept. */
static void
hostile_sg(int fd)
{
	const struct proto_phys_alloc_sg good = { .size = 12 * KB,
		.min = 4096,
		.flags = RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		.max_segs = 1 };
	struct proto_phys_alloc_sg bad[16];
	const struct proto_phys_seg *seg;
	const void *recs;
	struct proto_msg m;
	uint32_t end, i, n = 0;
	int32_t err;
	size_t len;

	for (i = 0; i < 16; i++)
		bad[i] = good;
	bad[n++].max_segs = 0;
	bad[n++].max_segs = PROTO_PHYS_SG_SEGS + 1;
	bad[n++].max_segs = UINT32_MAX;
	bad[n++].size = 0;
	bad[n++].size = UINT64_MAX; /* overflows when rounded */
	bad[n++].min = 0;
	bad[n++].min = UINT64_MAX;
	bad[n++].flags = 0; /* a list needs PARTIAL_ALLOC */
	bad[n++].flags = RING_PHYS_PARTIAL_ALLOC; /* and a strategy */
	bad[n++].flags = RING_PHYS_GREEDY;
	bad[n++].flags |= RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64;
	bad[n++].flags |= 0x8;
	bad[n++].region_flags = 0x2;
	bad[n++].reserved = 1;
	for (i = 0; i < n; i++) {
		if (raw_call(fd, PROTO_PHYS_ALLOC_SG, &bad[i], sizeof(bad[i]),
			&m) != -EINVAL)
			TAP_FAIL("hostile PHYS_ALLOC_SG %u accepted", i);
		/* an error is one packet of the list's shape, end set */
		TAP_EQ(proto_list_reply_parse(&m, &err, &end, &recs, &len),
		    (int)sizeof(*seg));
		TAP_EQ(end, 1);
		TAP_EQ(len, sizeof(*seg));
	}
	/* a good one still works: one segment, as asked; not all of size */
	TAP_EQ(raw_call(fd, PROTO_PHYS_ALLOC_SG, &good, sizeof(good), &m), 0);
	TAP_EQ(proto_list_reply_parse(&m, &err, &end, &recs, &len),
	    (int)sizeof(*seg));
	TAP_EQ(len, sizeof(*seg));
	seg = recs;
	TAP_EQ_U(seg->len, 12 * KB);
	TAP_EQ(end, 1);
}

TAP_TEST(test_hostile, "hostile", 30)
{
	struct proto_hello h = { .version = PROTO_VERSION };
	struct proto_phys_range fr = { .base = G4, .size = 4096 };
	struct proto_phys_map mr = { .base = G4, .size = 4096 };
	struct proto_phys_grant g = { .base = G4 };
	struct proto_phys_alloc a = { .size = 4096, .min = 1 };
	struct proto_msg m;
	struct ring_ctl *c;
	int fd;

	td_begin(&d, small_conf);
	fd = td_raw_connect(&d);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	TAP_EQ(raw_call(fd, PROTO_HELLO, &h, sizeof(h), &m), 0);
	/* unknown region flags, non-zero reserved fields */
	a.region_flags = 0x100;
	TAP_EQ(raw_call(fd, PROTO_PHYS_ALLOC, &a, sizeof(a), &m), -EINVAL);
	a.region_flags = 0;
	TAP_EQ(raw_call(fd, PROTO_PHYS_ALLOC, &a, sizeof(a), &m), 0);
	fr.reserved = 1;
	TAP_EQ(raw_call(fd, PROTO_PHYS_FREE, &fr, sizeof(fr), &m), -EINVAL);
	mr.reserved = 1;
	TAP_EQ(raw_call(fd, PROTO_PHYS_MAP, &mr, sizeof(mr), &m), -EINVAL);
	mr.reserved = 0;
	fr.reserved = 0;
	fr.flags = ~RING_PHYSFREE_FORCE; /* every unknown flag */
	TAP_EQ(raw_call(fd, PROTO_PHYS_FREE, &fr, sizeof(fr), &m), -EINVAL);
	fr.flags = 0x2;
	TAP_EQ(raw_call(fd, PROTO_PHYS_FREE, &fr, sizeof(fr), &m), -EINVAL);
	g.revoke = 2;
	TAP_EQ(raw_call(fd, PROTO_PHYS_GRANT, &g, sizeof(g), &m), -EINVAL);
	g.revoke = 0;
	g.reserved = 7;
	TAP_EQ(raw_call(fd, PROTO_PHYS_GRANT, &g, sizeof(g), &m), -EINVAL);
	/* sizes that overflow when rounded */
	fr.flags = 0;
	mr.size = UINT64_MAX;
	TAP_EQ(raw_call(fd, PROTO_PHYS_MAP, &mr, sizeof(mr), &m), -EINVAL);
	mr.base = UINT64_MAX & ~4095ull;
	mr.size = 8192;
	TAP_EQ(raw_call(fd, PROTO_PHYS_MAP, &mr, sizeof(mr), &m), -EINVAL);
	/* a ring that does not exist */
	mr.base = G4;
	mr.size = 4096;
	mr.ring_id = 999;
	TAP_EQ(raw_call(fd, PROTO_PHYS_MAP, &mr, sizeof(mr), &m), -ENOENT);
	fr.base = G4;
	fr.size = 4096;
	TAP_EQ(raw_call(fd, PROTO_PHYS_FREE, &fr, sizeof(fr), &m), 0);
	hostile_sg(fd);
	close(fd);
	td_assert_alive(&d);
	c = td_connect(&d);
	await_regions(c, 0);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
