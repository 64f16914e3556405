/*
 * pool.c - the consumer's two buffer allocators over a ring's pool, as
 * relibc's redox_ring hands buffers out: by offset from the pool's start.
 *
 * Chunk mode: pool / chunk equal chunks on a LIFO stack, the first
 * allocation at offset 0, then chunk, 2 * chunk ...  A byte per chunk
 * says whether it is out, so a free of an offset that is not an
 * allocated chunk is ignored instead of corrupting the stack.
 *
 * Sized mode: any size and power-of-two alignment, first fit.  The
 * allocations are kept sorted by offset; the free space is the gaps
 * between them.  A free names an allocation by its start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int
redoxi_pool_init(struct redox_pool *p, uint8_t *base, uint32_t size,
    uint32_t chunk, bool sized)
{
	uint32_t i;

	memset(p, 0, sizeof(*p));
	p->base = base;
	p->size = size;
	p->sized = sized;
	if (sized)
		return 0;
	if (chunk == 0 || chunk > size)
		return -EINVAL;
	p->chunk = chunk;
	p->nchunks = size / chunk;
	p->stack = calloc(p->nchunks, sizeof(*p->stack));
	p->used = calloc(p->nchunks, 1);
	if (!p->stack || !p->used) {
		redoxi_pool_fini(p);
		return -ENOMEM;
	}
	/* the top of the stack is chunk 0 */
	for (i = 0; i < p->nchunks; i++)
		p->stack[i] = p->nchunks - 1 - i;
	p->nfree = p->nchunks;
	return 0;
}

void
redoxi_pool_fini(struct redox_pool *p)
{
	free(p->stack);
	free(p->used);
	free(p->spans);
	memset(p, 0, sizeof(*p));
}

static int
pool_chunk_alloc(struct redox_pool *p)
{
	uint32_t c;

	if (p->nfree == 0)
		return -1;
	c = p->stack[--p->nfree];
	p->used[c] = 1;
	return (int)(c * p->chunk);
}

/* Insert {off, len} at index i of the sorted spans. */
static int
pool_span_insert(struct redox_pool *p, uint32_t i, uint32_t off, uint32_t len)
{
	if (p->nspans == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 64;
		struct redox_span *v = realloc(p->spans, cap * sizeof(*v));

		if (!v)
			return -1;
		p->spans = v;
		p->cap = cap;
	}
	memmove(&p->spans[i + 1], &p->spans[i],
	    (p->nspans - i) * sizeof(*p->spans));
	p->spans[i].off = off;
	p->spans[i].len = len;
	p->nspans++;
	return (int)off;
}

static int
pool_sized_alloc(struct redox_pool *p, uint32_t size, uint32_t align)
{
	uint64_t start = 0, at;
	uint32_t i;

	if (size == 0 || size > p->size)
		return -1;
	if (align == 0)
		align = 1;
	if (align & (align - 1))
		return -1;
	/* first fit: the gap before each allocation, then the one after all */
	for (i = 0; i <= p->nspans; i++) {
		uint64_t end = i < p->nspans ? p->spans[i].off : p->size;

		at = (start + align - 1) & ~((uint64_t)align - 1);
		if (at + size <= end)
			return pool_span_insert(p, i, (uint32_t)at, size);
		if (i < p->nspans)
			start = (uint64_t)p->spans[i].off + p->spans[i].len;
	}
	return -1;
}

int
redoxi_pool_alloc(struct redox_pool *p, uint32_t size, uint32_t align)
{
	if (!p->base)
		return -1;
	if (!p->sized)
		return size > p->chunk ? -1 : pool_chunk_alloc(p);
	return pool_sized_alloc(p, size, align);
}

void
redoxi_pool_free(struct redox_pool *p, uint32_t off)
{
	uint32_t lo = 0, hi, c;

	if (!p->base || off >= p->size)
		return;
	if (!p->sized) {
		c = off / p->chunk;
		if (off % p->chunk || c >= p->nchunks || !p->used[c])
			return;
		p->used[c] = 0;
		p->stack[p->nfree++] = c;
		return;
	}
	hi = p->nspans;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->spans[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->nspans || p->spans[lo].off != off)
		return;
	memmove(&p->spans[lo], &p->spans[lo + 1],
	    (p->nspans - lo - 1) * sizeof(*p->spans));
	p->nspans--;
}
