/*
 * hist.c - the suite's latency histogram: log-linear, 32 steps per power
 * of two (relative error under 3.2 %), fixed size, no allocation.  Used
 * by ringctl submit --count and blkdev-driver.
 *
 * Depends on libc only.
 */
#include <stdint.h>

#include "common.h"

static unsigned
hist_index(uint64_t v)
{
	unsigned msb;

	if (v < 2u << HIST_SUB_BITS)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return (msb - HIST_SUB_BITS) * (1u << HIST_SUB_BITS) +
	    (unsigned)(v >> (msb - HIST_SUB_BITS));
}

/* The largest value that falls in bucket i. */
static uint64_t
hist_upper(unsigned i)
{
	unsigned msb, m;

	if (i < 2u << HIST_SUB_BITS)
		return i;
	msb = i / (1u << HIST_SUB_BITS) + HIST_SUB_BITS - 1;
	m = i % (1u << HIST_SUB_BITS) + (1u << HIST_SUB_BITS);
	return (((uint64_t)m + 1) << (msb - HIST_SUB_BITS)) - 1;
}

void
hist_add(struct hist *h, uint64_t v)
{
	h->n[hist_index(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

/* The value at quantile p (0..1), at most the bucket's upper bound. */
uint64_t
hist_quantile(const struct hist *h, double p)
{
	uint64_t want, seen = 0, u;
	unsigned i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(p * (double)h->count);
	if (want >= h->count)
		want = h->count - 1;
	for (i = 0; i < HIST_SIZE; i++) {
		seen += h->n[i];
		if (seen > want) {
			u = hist_upper(i);
			return u > h->max ? h->max : u;
		}
	}
	return h->max;
}
