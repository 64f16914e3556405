/*
 * blkdev-driver-dma.c - blkdev-driver's DMA memory: one physalloc3 arena
 * of depth * block-size bytes (one range, or a scatter-gather list when
 * the zone is fragmented), mapped here and granted to the ring's scheme,
 * cut into one fixed slice per request slot, and given back at the end.
 *
 * Depends on blkdev-driver.h (struct drv) and libring's physalloc3 client.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ring/phys.h>
#include <ring/ring.h>

#include "blkdev-driver.h"

/* --- DMA memory ------------------------------------------------------- */

static int
drv_add_region(struct drv *d, uint64_t base, uint64_t len, bool from_sg)
{
	struct drv_region *v;

	if (d->nreg == DRV_MAX_REGIONS)
		return -E2BIG;
	if ((v = realloc(d->reg, (d->nreg + 1) * sizeof(*v))) == NULL)
		return -ENOMEM;
	d->reg = v;
	d->reg[d->nreg++] = (struct drv_region){ .base = base,
		.len = len,
		.from_sg = from_sg };
	return 0;
}

/*
 * The arena: one partial allocation of at least d->min bytes, and the
 * rest (or everything, when no range that large is free) as an SG list
 * of whatever ranges are left.  Then map and grant every range.
 */
int
drv_dma_alloc(struct drv *d, uint64_t total)
{
	uint64_t min = d->min < total ? d->min : total, got = 0, base;
	unsigned i;
	int rc;

	rc = ring_physalloc3(d->ctl, total,
	    d->space | RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREATEST_RANGE, &min,
	    &base);
	if (rc == 0) {
		got = min;
		if ((rc = drv_add_region(d, base, got, false)) < 0) {
			(void)ring_physfree(d->ctl, base, got);
			return rc;
		}
	} else if (rc != -ENOMEM) {
		fprintf(stderr,
		    "blkdev-driver: physalloc3 %" PRIu64 " bytes: %s\n", total,
		    strerror(-rc));
		return rc;
	}
	if (got < total) {
		/* fragmented: gather the rest from smaller ranges */
		rc = ring_phys_sg_alloc(d->ctl, total - got, RING_PHYS_FRAME,
		    d->space, 0, &d->sg);
		if (rc < 0) {
			fprintf(stderr,
			    "blkdev-driver: no %" PRIu64 " bytes of "
			    "%s physical memory left: %s\n",
			    total - got,
			    d->space == RING_PHYS_SPACE_32 ? "32-bit"
							   : "64-bit",
			    strerror(-rc));
			return rc;
		}
		for (i = 0; i < d->sg->nsegs; i++)
			if ((rc = drv_add_region(d, d->sg->seg[i].base,
				 d->sg->seg[i].len, true)) < 0)
				return rc;
	}
	for (i = 0; i < d->nreg; i++) {
		struct drv_region *g = &d->reg[i];

		if (d->space == RING_PHYS_SPACE_32 &&
		    g->base + g->len > RING_PHYS_4G) {
			fprintf(stderr,
			    "blkdev-driver: physalloc3 SPACE_32 gave "
			    "[%#" PRIx64 ", %#" PRIx64 "), above 4 GiB\n",
			    g->base, g->base + g->len);
			return -EFAULT;
		}
		if ((rc = ring_physmap(d->ctl, g->base, g->len,
			 RING_PHYSMAP_WRITE, (void **)&g->ptr)) < 0) {
			fprintf(stderr,
			    "blkdev-driver: physmap %#" PRIx64 ": %s\n",
			    g->base, strerror(-rc));
			g->ptr = NULL;
			return rc;
		}
		if ((rc = ring_phys_grant(d->ctl, g->base, d->ring_id)) < 0) {
			fprintf(stderr,
			    "blkdev-driver: grant %#" PRIx64 " to ring "
			    "%" PRIu64 ": %s\n",
			    g->base, d->ring_id, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Split slot i's slice of the arena into pieces of at most piece bytes. */
static int
drv_slot_pieces(struct drv *d, unsigned i, uint64_t piece)
{
	struct drv_slot *s = &d->slot[i];
	uint64_t at = (uint64_t)i * d->bsize, left = d->bsize, skip = at, n;
	unsigned g = 0, cap = 0;
	struct drv_piece *v;

	while (g < d->nreg && skip >= d->reg[g].len)
		skip -= d->reg[g++].len;
	while (left > 0) {
		if (g == d->nreg)
			return -EFAULT; /* cannot happen: the arena is large enough */
		n = d->reg[g].len - skip;
		if (n > left)
			n = left;
		if (n > piece)
			n = piece;
		if (s->npieces == cap) {
			cap = cap ? 2 * cap : 8;
			if ((v = realloc(s->piece, cap * sizeof(*v))) == NULL)
				return -ENOMEM;
			s->piece = v;
		}
		s->piece[s->npieces++] = (struct drv_piece){
			.phys = d->reg[g].base + skip,
			.ptr = d->reg[g].ptr + skip,
			.len = (uint32_t)n
		};
		left -= n;
		skip += n;
		if (skip == d->reg[g].len) {
			skip = 0;
			g++;
		}
	}
	if (s->npieces > d->ident.max_segs) {
		fprintf(stderr,
		    "blkdev-driver: a %" PRIu64 "-byte buffer needs %u "
		    "segments here, the device takes %u: physical memory is "
		    "too "
		    "fragmented (or -g too large)\n",
		    d->bsize, s->npieces, d->ident.max_segs);
		return -E2BIG;
	}
	return 0;
}

/* Slots: buffers carved from the arena, and room for their lists. */
int
drv_slots(struct drv *d)
{
	uint64_t piece, min;
	unsigned i;
	int rc;

	piece = (d->bsize / d->segs + BLKDEV_SECTOR - 1) &
	    ~(uint64_t)(BLKDEV_SECTOR - 1);
	if ((d->slot = calloc(d->depth, sizeof(*d->slot))) == NULL ||
	    (d->free_slots = calloc(d->depth, sizeof(*d->free_slots))) == NULL)
		return -ENOMEM;
	if (d->list_phys) {
		/* the lists themselves in physical memory the device reads */
		d->list_region_len = d->depth * DRV_LIST_BYTES;
		min = d->list_region_len;
		if ((rc = ring_physalloc3(d->ctl, d->list_region_len, d->space,
			 &min, &d->list_region)) < 0 ||
		    (rc = ring_physmap(d->ctl, d->list_region,
			 d->list_region_len, RING_PHYSMAP_WRITE,
			 (void **)&d->list_ptr)) < 0 ||
		    (rc = ring_phys_grant(d->ctl, d->list_region, d->ring_id)) <
			0) {
			fprintf(stderr, "blkdev-driver: list region: %s\n",
			    strerror(-rc));
			return rc;
		}
	}
	for (i = 0; i < d->depth; i++) {
		struct drv_slot *s = &d->slot[i];
		uint64_t off;

		if ((rc = drv_slot_pieces(d, i, piece)) < 0)
			return rc;
		if (d->list_phys) {
			s->list_addr = d->list_region + i * DRV_LIST_BYTES;
			s->list = (struct ring_phys_seg *)(void *)(d->list_ptr +
			    i * DRV_LIST_BYTES);
		} else {
			if ((rc = ring_pool_alloc(d->r, DRV_LIST_BYTES, &off)) <
				0 ||
			    (rc = ring_pool_resolve(d->r, off, DRV_LIST_BYTES,
				 (void **)&s->list)) < 0) {
				fprintf(stderr, "blkdev-driver: pool: %s\n",
				    strerror(-rc));
				return rc;
			}
			s->list_addr = off;
		}
		d->free_slots[d->nfree++] = (unsigned)d->depth - 1 - i;
	}
	return 0;
}

void
drv_dma_report(const struct drv *d)
{
	uint64_t lo = UINT64_MAX, hi = 0, most = 0;
	unsigned i;

	for (i = 0; i < d->nreg; i++) {
		if (d->reg[i].base < lo)
			lo = d->reg[i].base;
		if (d->reg[i].base + d->reg[i].len > hi)
			hi = d->reg[i].base + d->reg[i].len;
	}
	for (i = 0; i < d->depth; i++)
		if (d->slot[i].npieces > most)
			most = d->slot[i].npieces;
	if (d->json)
		return;
	fprintf(stderr,
	    "blkdev-driver: '%s' (%s, serial %s): %" PRIu64 " bytes, "
	    "%s DMA; %" PRIu64 " buffers of %" PRIu64 " bytes in %u regions "
	    "[%#" PRIx64 ", %#" PRIx64 ")%s, up to %" PRIu64
	    " segments each%s\n",
	    d->name, d->ident.model, d->ident.serial, d->ident.capacity,
	    d->ident.flags & BLKDEV_DMA32 ? "32-bit" : "64-bit", d->depth,
	    d->bsize, d->nreg, lo, hi, d->sg ? " (fragmented: SG list)" : "",
	    most, d->list_phys ? "; lists in physical memory" : "");
	if (d->verbose)
		for (i = 0; i < d->nreg; i++)
			fprintf(stderr,
			    "blkdev-driver: region %u: [%#" PRIx64 ", %#" PRIx64
			    ") zone %s\n",
			    i, d->reg[i].base, d->reg[i].base + d->reg[i].len,
			    d->reg[i].base >= RING_PHYS_4G ? "64" : "32");
}

/* Tell the device to forget the regions, then give them back. */
void
drv_dma_free(struct drv *d, bool tell)
{
	struct ring_sqe sqe;
	int64_t st;
	unsigned i;

	for (i = 0; i < d->nreg; i++) {
		if (tell && d->r != NULL) {
			sqe = (struct ring_sqe){ .opcode = BLKDEV_OP_RELEASE,
				.addr = d->reg[i].base,
				.user_data = 3 };
			if (drv_command(d, &sqe, &st) < 0)
				tell = false;
		}
		if (d->reg[i].ptr != NULL)
			(void)ring_physunmap(d->reg[i].ptr, d->reg[i].len);
		if (!d->reg[i].from_sg)
			(void)ring_physfree(d->ctl, d->reg[i].base,
			    d->reg[i].len);
	}
	if (d->list_ptr != NULL) {
		if (tell && d->r != NULL) {
			sqe = (struct ring_sqe){ .opcode = BLKDEV_OP_RELEASE,
				.addr = d->list_region,
				.user_data = 3 };
			(void)drv_command(d, &sqe, &st);
		}
		(void)ring_physunmap(d->list_ptr, d->list_region_len);
	}
	if (d->list_region != 0)
		(void)ring_physfree(d->ctl, d->list_region, d->list_region_len);
	(void)ring_phys_sg_free(d->ctl, d->sg);
	d->sg = NULL;
	free(d->reg);
	d->reg = NULL;
	d->nreg = 0;
}
