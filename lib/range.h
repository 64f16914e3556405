/*
 * range.h - a set of free [base, base+len) ranges, kept sorted and
 * coalesced.  Serves the ring buffer pool and, in ringd, the simulated
 * physical address space.
 *
 * Internal to libring's static archive (hidden in the shared library):
 * lib/pool.c and ringd/phys*.c use it; it depends on libc alone.
 */
#ifndef RING_RANGE_H
#define RING_RANGE_H

#include <stddef.h>
#include <stdint.h>

struct range {
	uint64_t base;
	uint64_t len;
};

struct range_set {
	struct range *v;
	size_t n;
	size_t cap;
};

/* How range_alloc() picks among free ranges. */
enum range_pick {
	RANGE_FIRST,   /* lowest range that fits */
	RANGE_LARGEST, /* the largest free range */
	RANGE_BEST,    /* the smallest range that fits */
};

int range_init(struct range_set *s, uint64_t base, uint64_t len);
void range_fini(struct range_set *s);

/*
 * Take between min and len bytes (len when whole is set: min == len) from
 * one free range lying entirely below limit, at its start.  Fills *base and
 * *got; -ENOMEM when nothing of at least min bytes fits.
 */
int range_alloc(struct range_set *s, uint64_t len, uint64_t min, uint64_t limit,
    enum range_pick pick, uint64_t *base, uint64_t *got);

/*
 * Where range_alloc() would take from, without taking: the chosen free
 * range's base and its bytes below limit.  -ENOMEM when nothing fits.
 */
int range_find(const struct range_set *s, uint64_t len, uint64_t min,
    uint64_t limit, enum range_pick pick, uint64_t *base, uint64_t *usable);

/* Take len bytes from the start of the free range at base (-EINVAL). */
int range_take(struct range_set *s, uint64_t base, uint64_t len);

/*
 * Take exactly [base, base+size) out of the free ranges, wherever it lies
 * inside one of them (ringd re-reserving what a region held before a
 * restart); -EINVAL unless all of it is free.
 */
int range_reserve(struct range_set *s, uint64_t base, uint64_t size);

/* Index of the first free range starting at or above addr (s->n: none). */
size_t range_first_at(const struct range_set *s, uint64_t addr);

/*
 * Planning many takes at once (ringd's scatter-gather requests): a copy
 * of s whose ranges the planner cuts in place, then puts in s's stead.
 * range_copy() makes d an independent copy of s (-ENOMEM); range_cut()
 * takes len bytes (at most the range's) off the front of free range i
 * and leaves it in place even when it is emptied (len 0), so indices
 * into s->v stay valid; range_compact() drops the emptied ranges.  In
 * between, only range_cut() may change s.
 */
int range_copy(struct range_set *d, const struct range_set *s);
void range_cut(struct range_set *s, size_t i, uint64_t len);
void range_compact(struct range_set *s);

/* Give [base, base+len) back; -EINVAL if any of it is already free. */
int range_free(struct range_set *s, uint64_t base, uint64_t len);

/* Bytes free in total, and the largest free range. */
uint64_t range_total(const struct range_set *s);
uint64_t range_largest(const struct range_set *s);

#endif /* RING_RANGE_H */
