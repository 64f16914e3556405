/*
 * t-phys-range.c - the free-range set under ringd's physical memory:
 * range_find() chooses what range_alloc() would without taking it,
 * range_take() carves from a range's start, range_first_at() finds the
 * free range at or above an address, and a random alloc/free history
 * always coalesces back into one range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/range.h"

/* Free ranges 16, 64, 32, 128 (address order) in [0, 512). */
static void
holes(struct range_set *s)
{
	uint64_t b, g;

	TAP_RC(range_init(s, 0, 512), 0);
	TAP_RC(range_alloc(s, 512, 512, UINT64_MAX, RANGE_FIRST, &b, &g), 0);
	TAP_RC(range_free(s, 0, 16), 0);
	TAP_RC(range_free(s, 24, 64), 0);
	TAP_RC(range_free(s, 96, 32), 0);
	TAP_RC(range_free(s, 136, 128), 0);
	TAP_EQ(s->n, 4);
}

TAP_TEST(test_find, "range-find", 10)
{
	struct range_set s;
	uint64_t b, u;

	holes(&s);
	TAP_RC(range_find(&s, 200, 24, UINT64_MAX, RANGE_FIRST, &b, &u), 0);
	TAP_EQ_U(b, 24);
	TAP_EQ_U(u, 64);
	TAP_RC(range_find(&s, 200, 1, UINT64_MAX, RANGE_LARGEST, &b, &u), 0);
	TAP_EQ_U(b, 136);
	TAP_RC(range_find(&s, 32, 1, UINT64_MAX, RANGE_BEST, &b, &u), 0);
	TAP_EQ_U(b, 96);
	TAP_RC(range_find(&s, 40, 1, UINT64_MAX, RANGE_BEST, &b, &u), 0);
	TAP_EQ_U(b, 24);
	TAP_RC(range_find(&s, 200, 1, UINT64_MAX, RANGE_BEST, &b, &u), 0);
	TAP_EQ_U(b, 136);
	/* limit: only what lies below it counts */
	TAP_RC(range_find(&s, 64, 64, 100, RANGE_FIRST, &b, &u), 0);
	TAP_EQ_U(b, 24);
	TAP_RC(range_find(&s, 64, 64, 80, RANGE_FIRST, &b, &u), -ENOMEM);
	TAP_RC(range_find(&s, 200, 129, UINT64_MAX, RANGE_LARGEST, &b, &u),
	    -ENOMEM);
	TAP_RC(range_find(&s, 0, 1, UINT64_MAX, RANGE_FIRST, &b, &u), -EINVAL);
	TAP_RC(range_find(&s, 4, 8, UINT64_MAX, RANGE_FIRST, &b, &u), -EINVAL);
	/* nothing was taken */
	TAP_EQ(s.n, 4);
	TAP_EQ_U(range_total(&s), 240);
	range_fini(&s);
}

TAP_TEST(test_take, "range-take", 10)
{
	struct range_set s;

	holes(&s);
	TAP_RC(range_take(&s, 24, 16), 0);
	TAP_EQ_U(s.v[1].base, 40);
	TAP_EQ_U(s.v[1].len, 48);
	TAP_RC(range_take(&s, 40, 48), 0); /* the whole rest: gone */
	TAP_EQ(s.n, 3);
	TAP_RC(range_take(&s, 97, 1), -EINVAL);	 /* not a range start */
	TAP_RC(range_take(&s, 96, 33), -EINVAL); /* more than it holds */
	TAP_RC(range_take(&s, 96, 0), -EINVAL);
	TAP_RC(range_free(&s, 24, 64), 0);
	TAP_EQ(s.n, 4);
	TAP_EQ(range_first_at(&s, 0), 0);
	TAP_EQ(range_first_at(&s, 1), 1);
	TAP_EQ(range_first_at(&s, 24), 1);
	TAP_EQ(range_first_at(&s, 136), 3);
	TAP_EQ(range_first_at(&s, 137), 4);
	range_fini(&s);
}

/* Random allocations and frees with every pick; all of it comes back. */
TAP_TEST(test_random, "range-random-coalesce", 30)
{
	struct range_set s;
	struct range held[256];
	uint64_t b, g, i, n = 0, iters = tap_scaled(20000, 1000);
	enum range_pick pick;

	tu_srand(7);
	TAP_RC(range_init(&s, 1000, 4096), 0);
	for (i = 0; i < iters; i++) {
		if (n > 0 && (n == 256 || tu_rand_below(2))) {
			uint64_t k = tu_rand_below(n);

			TAP_RC(range_free(&s, held[k].base, held[k].len), 0);
			held[k] = held[--n];
			continue;
		}
		pick = (enum range_pick)tu_rand_below(3);
		if (range_alloc(&s, 1 + tu_rand_below(64), 1, UINT64_MAX, pick,
			&b, &g) == 0) {
			TAP_ASSERT(b >= 1000 && b + g <= 5096);
			held[n].base = b;
			held[n++].len = g;
		}
	}
	while (n > 0) {
		TAP_RC(range_free(&s, held[n - 1].base, held[n - 1].len), 0);
		n--;
	}
	TAP_EQ(s.n, 1);
	TAP_EQ_U(s.v[0].base, 1000);
	TAP_EQ_U(s.v[0].len, 4096);
	range_fini(&s);
}

TAP_MAIN(NULL)
