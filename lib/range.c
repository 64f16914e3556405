/*
 * range.c - sorted, coalescing set of free ranges.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

int
range_init(struct range_set *s, uint64_t base, uint64_t len)
{
	memset(s, 0, sizeof(*s));
	if (len == 0)
		return 0;
	if (base + len < base)
		return -EINVAL;
	return range_free(s, base, len);
}

void
range_fini(struct range_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Bytes of free range i that lie below limit. */
static uint64_t
range_usable(const struct range *r, uint64_t limit)
{
	if (r->base >= limit)
		return 0;
	if (r->len > limit - r->base)
		return limit - r->base;
	return r->len;
}

static void
range_remove(struct range_set *s, size_t i)
{
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
}

/* Take len bytes off the front of free range i, dropping it when empty. */
static void
range_cut_front(struct range_set *s, size_t i, uint64_t len)
{
	s->v[i].base += len;
	s->v[i].len -= len;
	if (s->v[i].len == 0)
		range_remove(s, i);
}

/* Index of the free range pick chooses and its usable bytes, or SIZE_MAX. */
static size_t
range_pick_index(const struct range_set *s, uint64_t len, uint64_t min,
    uint64_t limit, enum range_pick pick, uint64_t *usable)
{
	size_t i, best = SIZE_MAX;
	uint64_t u, bestu = 0;

	for (i = 0; i < s->n; i++) {
		u = range_usable(&s->v[i], limit);
		if (u < min)
			continue;
		switch (pick) {
		case RANGE_FIRST:
			if (best == SIZE_MAX)
				best = i, bestu = u;
			break;
		case RANGE_LARGEST:
			if (u > bestu)
				best = i, bestu = u;
			break;
		case RANGE_BEST:
			/* smallest range holding all of len, else the largest */
			if (best == SIZE_MAX ||
			    (u >= len && (bestu < len || u < bestu)) ||
			    (u < len && bestu < len && u > bestu))
				best = i, bestu = u;
			break;
		}
		if (pick == RANGE_FIRST && best != SIZE_MAX)
			break;
	}
	*usable = bestu;
	return best;
}

int
range_alloc(struct range_set *s, uint64_t len, uint64_t min, uint64_t limit,
    enum range_pick pick, uint64_t *base, uint64_t *got)
{
	size_t best;
	uint64_t bestu, take;

	if (len == 0 || min == 0 || min > len)
		return -EINVAL;
	best = range_pick_index(s, len, min, limit, pick, &bestu);
	if (best == SIZE_MAX)
		return -ENOMEM;
	take = bestu < len ? bestu : len;
	*base = s->v[best].base;
	*got = take;
	range_cut_front(s, best, take);
	return 0;
}

int
range_find(const struct range_set *s, uint64_t len, uint64_t min,
    uint64_t limit, enum range_pick pick, uint64_t *base, uint64_t *usable)
{
	size_t best;
	uint64_t u;

	if (len == 0 || min == 0 || min > len)
		return -EINVAL;
	best = range_pick_index(s, len, min, limit, pick, &u);
	if (best == SIZE_MAX)
		return -ENOMEM;
	*base = s->v[best].base;
	*usable = u;
	return 0;
}

int
range_take(struct range_set *s, uint64_t base, uint64_t len)
{
	size_t i = range_first_at(s, base);

	if (len == 0 || i == s->n || s->v[i].base != base || s->v[i].len < len)
		return -EINVAL;
	range_cut_front(s, i, len);
	return 0;
}

int
range_reserve(struct range_set *s, uint64_t base, uint64_t size)
{
	size_t i = range_first_at(s, base + 1);
	uint64_t fb, fl;
	int rc;

	if (size == 0 || base + size < base || i == 0)
		return -EINVAL;
	fb = s->v[i - 1].base;
	fl = s->v[i - 1].len;
	if (base - fb > fl || size > fl - (base - fb))
		return -EINVAL;
	/* take the free range's head up to the end, give the part before back */
	if ((rc = range_take(s, fb, base - fb + size)) < 0)
		return rc;
	if (base > fb && (rc = range_free(s, fb, base - fb)) < 0) {
		(void)range_free(s, fb, base - fb + size);
		return rc;
	}
	return 0;
}

int
range_copy(struct range_set *d, const struct range_set *s)
{
	memset(d, 0, sizeof(*d));
	if (s->n == 0)
		return 0;
	if ((d->v = malloc(s->n * sizeof(d->v[0]))) == NULL)
		return -ENOMEM;
	memcpy(d->v, s->v, s->n * sizeof(d->v[0]));
	d->n = d->cap = s->n;
	return 0;
}

void
range_cut(struct range_set *s, size_t i, uint64_t len)
{
	if (len > s->v[i].len)
		len = s->v[i].len;
	s->v[i].base += len;
	s->v[i].len -= len;
}

void
range_compact(struct range_set *s)
{
	size_t i, w = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i].len != 0)
			s->v[w++] = s->v[i];
	s->n = w;
}

size_t
range_first_at(const struct range_set *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].base < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
range_free(struct range_set *s, uint64_t base, uint64_t len)
{
	size_t lo = 0, hi = s->n, i;
	struct range *nv;
	int prev_adj, next_adj;

	if (len == 0 || base + len < base)
		return -EINVAL;
	/* i: first range starting above base */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].base <= base)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (i > 0 && s->v[i - 1].base + s->v[i - 1].len > base)
		return -EINVAL;
	if (i < s->n && base + len > s->v[i].base)
		return -EINVAL;
	prev_adj = i > 0 && s->v[i - 1].base + s->v[i - 1].len == base;
	next_adj = i < s->n && base + len == s->v[i].base;
	if (prev_adj && next_adj) {
		s->v[i - 1].len += len + s->v[i].len;
		range_remove(s, i);
		return 0;
	}
	if (prev_adj) {
		s->v[i - 1].len += len;
		return 0;
	}
	if (next_adj) {
		s->v[i].base = base;
		s->v[i].len += len;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		nv = realloc(s->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->v[i].base = base;
	s->v[i].len = len;
	s->n++;
	return 0;
}

uint64_t
range_total(const struct range_set *s)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		t += s->v[i].len;
	return t;
}

uint64_t
range_largest(const struct range_set *s)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].len > m)
			m = s->v[i].len;
	return m;
}
