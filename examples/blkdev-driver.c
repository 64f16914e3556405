/*
 * blkdev-driver - a storage driver for blkdev-scheme, in the role a USB
 * mass-storage driver plays for its host controller: it opens a ring to
 * the device scheme through ringd, asks the device who it is, allocates
 * its DMA buffers in physical memory with physalloc3 and hands them to
 * the device as scatter-gather lists.
 *
 * DMA memory: one arena of depth * block-size bytes.  The driver asks for
 * it as one range with PARTIAL_ALLOC and a minimum (GREATEST_RANGE), in
 * the 32-bit space when the device says it addresses only that, and takes
 * the rest as a scatter-gather list of smaller ranges when the zone is
 * fragmented.  Every range is mapped here (to fill and check data) and
 * granted to the ring's scheme.  Each request slot owns a fixed slice of
 * the arena; its list of physical segments goes in the ring's buffer pool
 * (or, with -P, in a physalloc3 region) and the SQE points at the list.
 *
 * Modes: verify (write a pattern, read it back, compare; -R for random
 * sizes and offsets), bench (reads or writes as fast as the device takes
 * them) and load (a steady verified load for the demo, optionally rate
 * limited or slow to reap, until a signal).  Every mode ends with one
 * summary line (or a JSON object with -j): requests, throughput, latency.
 *
 * ringd may restart meanwhile: the ring keeps working without it, and
 * libring reconnects (ring_ctl_set_reconnect()) and hands the ring and
 * the DMA memory back.  When ringd comes back without them (it was
 * killed, so it knows of no region), the driver stops: its memory is no
 * longer reserved for it.
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

#include <ring/phys.h>
#include <ring/ring.h>

#include "blkdev.h"
#include "common/common.h"

/* Limits, kept together. */
#define DRV_MAX_DEPTH 1024u /* requests in flight */
#define DRV_LIST_BYTES (BLKDEV_MAX_SEGS * sizeof(struct ring_phys_seg))
#define DRV_IDENT_BYTES 4096u	    /* pool buffer of IDENTIFY */
#define DRV_DEFAULT_MIN (64u << 10) /* PARTIAL_ALLOC minimum */
#define DRV_STALL_NS 30000000000ll  /* no completion for this long: fail */
#define DRV_TICK_NS 100000000ll	    /* longest sleep between checks */
#define DRV_MAX_REGIONS 65536u
#define DRV_HIST 512u /* latency buckets: 8 per power of two */

enum drv_mode { DRV_VERIFY, DRV_BENCH, DRV_LOAD };
static const char *const drv_mode_name[] = { "verify", "bench", "load" };

/* A range of physical memory of the arena, mapped here. */
struct drv_region {
	uint64_t base, len;
	uint8_t *ptr;
	bool from_sg; /* part of sg, freed with it */
};

/* A piece of a slot's buffer: physically and virtually contiguous. */
struct drv_piece {
	uint64_t phys;
	uint8_t *ptr;
	uint32_t len;
};

/* One request slot: its buffer, its list, what it carries now. */
struct drv_slot {
	struct drv_piece *piece;
	unsigned npieces;
	struct ring_phys_seg *list; /* where the SG list is written */
	uint64_t list_addr;	    /* what the SQE's addr says */
	bool busy;
	uint8_t op;
	uint32_t gen; /* bumped per request: stale answers */
	uint64_t off, len, seed;
	uint64_t block; /* load mode: the block it works on */
	int64_t sent_ns;
};

struct drv {
	/* options */
	const char *sock, *name;
	enum drv_mode mode;
	uint64_t bsize, depth, off, span, count, min, seed, rate;
	double seconds;
	unsigned segs, passes, delay_ms;
	bool write, random, list_phys, json, verbose;

	/* the device */
	struct ring_ctl *ctl;
	struct ring *r;
	uint64_t ring_id;
	struct blkdev_identify ident;
	uint32_t space; /* RING_PHYS_SPACE_32 or _64 */

	/* DMA memory */
	struct drv_region *reg;
	unsigned nreg;
	struct ring_phys_sg *sg;
	uint64_t list_region, list_region_len; /* -P */
	uint8_t *list_ptr;
	struct drv_slot *slot;
	unsigned *free_slots, nfree;

	/* progress */
	uint64_t inflight, requests, reads, writes, bytes, errors, mismatches;
	uint64_t shutdowns, stale;
	/* the whole run, never reset: pushed, and answered other than
	 * ESHUTDOWN */
	uint64_t submitted, answered;
	int64_t t0, last_done_ns;
	uint64_t lat_sum, lat_max, hist[DRV_HIST];
	int first_err;
	char first_what[160];
	bool gone; /* the device left (-ESHUTDOWN) */

	/* ringd */
	bool ctl_up;	     /* connected, as last seen */
	int64_t ctl_seen_ns; /* last look at the control socket */
	uint64_t restarts;   /* times ringd came back */

	/* load mode: per block, the seed last written (0: never) */
	uint64_t *block_seed;
	bool *block_busy;
	uint64_t nblocks, next_block;
};

static volatile sig_atomic_t drv_quit;

static void
drv_on_signal(int sig)
{
	(void)sig;
	drv_quit = 1;
}

static int64_t
drv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
drv_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000 };

	if (ns > 0)
		(void)nanosleep(&ts, NULL); /* a signal cuts it short */
}

/* splitmix64 step: a well-mixed function of x. */
static uint64_t
drv_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t
drv_rand(struct drv *d)
{
	d->seed = drv_mix(d->seed);
	return d->seed;
}

/* A multiple of the sector in [BLKDEV_SECTOR, max]. */
static uint64_t
drv_rand_len(struct drv *d, uint64_t max)
{
	return (1 + drv_rand(d) % (max / BLKDEV_SECTOR)) * BLKDEV_SECTOR;
}

/* --- latency histogram ------------------------------------------------ */

static unsigned
drv_hist_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < 8)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns); /* >= 3 */
	return (e - 2) * 8 + (unsigned)((ns >> (e - 3)) & 7);
}

/* The upper bound of bucket b, ns. */
static double
drv_hist_top(unsigned b)
{
	unsigned e;

	if (b < 8)
		return b;
	e = b / 8 + 2;
	return (double)((8ull + b % 8 + 1) << (e - 3));
}

static double
drv_percentile(const struct drv *d, double q)
{
	uint64_t n = 0, want;
	double top;
	unsigned b;

	for (b = 0; b < DRV_HIST; b++)
		n += d->hist[b];
	if (n == 0)
		return 0;
	want = (uint64_t)(q * (double)n);
	if ((double)want < q * (double)n || want == 0)
		want++;
	for (b = 0, n = 0; b < DRV_HIST; b++)
		if ((n += d->hist[b]) >= want)
			break;
	top = drv_hist_top(b < DRV_HIST ? b : DRV_HIST - 1);
	return top < (double)d->lat_max ? top : (double)d->lat_max;
}

/* --- data patterns ---------------------------------------------------- */

/* The 8-byte word of the pattern seed at device byte pos (pos % 8 == 0). */
static uint64_t
drv_word(uint64_t seed, uint64_t pos)
{
	return drv_mix(seed ^ (pos >> 3) * 0x2545f4914f6cdd1dull);
}

/* Fill (or, check, count bad words of) a slot's first len bytes. */
static uint64_t
drv_pattern(struct drv_slot *s, uint64_t len, uint64_t seed, uint64_t pos,
    bool check)
{
	uint64_t w, bad = 0, k;
	unsigned i;

	for (i = 0; i < s->npieces && len > 0; i++) {
		uint64_t n = s->piece[i].len < len ? s->piece[i].len : len;

		for (k = 0; k < n; k += 8, pos += 8) {
			if (check) {
				memcpy(&w, s->piece[i].ptr + k, 8);
				bad += w != drv_word(seed, pos);
			} else {
				w = drv_word(seed, pos);
				memcpy(s->piece[i].ptr + k, &w, 8);
			}
		}
		len -= n;
	}
	return bad;
}

/* --- the ring and the device ------------------------------------------ */

/* One command round trip, nothing else in flight; *status its answer. */
static int
drv_command(struct drv *d, const struct ring_sqe *sqe, int64_t *status)
{
	struct ring_cqe cqe;
	int rc;

	if ((rc = ring_sq_push(d->r, sqe)) < 0)
		return rc;
	while ((rc = ring_cq_pop(d->r, &cqe)) == -EAGAIN)
		if ((rc = ring_wait(d->r, RING_EV_IN, 10000000000ll)) < 0)
			return rc;
	if (rc < 0)
		return rc;
	if (cqe.user_data != sqe->user_data)
		return -EBADMSG;
	*status = (int64_t)cqe.status;
	return 0;
}

/* IDENTIFY and CAPACITY: what the device is. */
static int
drv_identify(struct drv *d)
{
	struct ring_sqe sqe;
	uint64_t buf;
	int64_t st;
	void *p;
	int rc;

	if ((rc = ring_pool_alloc(d->r, DRV_IDENT_BYTES, &buf)) < 0 ||
	    (rc = ring_pool_resolve(d->r, buf, DRV_IDENT_BYTES, &p)) < 0) {
		fprintf(stderr, "blkdev-driver: pool: %s\n", strerror(-rc));
		return rc;
	}
	sqe = (struct ring_sqe){ .opcode = BLKDEV_OP_IDENTIFY,
		.addr = buf,
		.len = DRV_IDENT_BYTES,
		.user_data = 1 };
	if ((rc = drv_command(d, &sqe, &st)) < 0 || st < 0) {
		fprintf(stderr, "blkdev-driver: '%s': identify: %s\n", d->name,
		    strerror(rc < 0 ? -rc : (int)-st));
		return rc < 0 ? rc : (int)st;
	}
	memcpy(&d->ident, p, sizeof(d->ident));
	(void)ring_pool_free(d->r, buf, DRV_IDENT_BYTES);
	if (st != (int64_t)sizeof(d->ident) ||
	    d->ident.magic != BLKDEV_IDENT_MAGIC ||
	    d->ident.sector != BLKDEV_SECTOR || d->ident.max_segs == 0 ||
	    d->ident.max_segs > BLKDEV_MAX_SEGS || d->ident.max_xfer == 0) {
		fprintf(stderr,
		    "blkdev-driver: '%s' is not a blkdev device "
		    "(identify answered %" PRId64 " bytes)\n",
		    d->name, st);
		return -ENODEV;
	}
	d->ident.model[sizeof(d->ident.model) - 1] = '\0';
	d->ident.serial[sizeof(d->ident.serial) - 1] = '\0';
	sqe = (struct ring_sqe){ .opcode = BLKDEV_OP_CAPACITY, .user_data = 2 };
	if ((rc = drv_command(d, &sqe, &st)) < 0 || st < 0) {
		fprintf(stderr, "blkdev-driver: '%s': capacity: %s\n", d->name,
		    strerror(rc < 0 ? -rc : (int)-st));
		return rc < 0 ? rc : (int)st;
	}
	if ((uint64_t)st * BLKDEV_SECTOR != d->ident.capacity) {
		fprintf(stderr,
		    "blkdev-driver: '%s': capacity %" PRId64
		    " sectors disagrees with identify (%" PRIu64 " bytes)\n",
		    d->name, st, d->ident.capacity);
		return -EPROTO;
	}
	d->space = d->ident.flags & BLKDEV_DMA32 ? RING_PHYS_SPACE_32
						 : RING_PHYS_SPACE_64;
	return 0;
}

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
static int
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
static int
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

static void
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
static void
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

/* --- requests --------------------------------------------------------- */

static void drv_error(struct drv *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Remember the first failure for the summary. */
static void
drv_error(struct drv *d, int err, const char *fmt, ...)
{
	va_list ap;

	d->errors++;
	if (d->first_err != 0)
		return;
	d->first_err = err;
	va_start(ap, fmt);
	vsnprintf(d->first_what, sizeof(d->first_what), fmt, ap);
	va_end(ap);
}

/* Submit op on len bytes at device offset off through a free slot. */
static int
drv_submit(struct drv *d, uint8_t op, uint64_t off, uint64_t len, uint64_t seed,
    uint64_t block)
{
	struct drv_slot *s;
	struct ring_sqe sqe;
	uint64_t left = len;
	unsigned idx, n = 0;
	int rc;

	idx = d->free_slots[d->nfree - 1];
	s = &d->slot[idx];
	while (left > 0) {
		uint64_t k = s->piece[n].len < left ? s->piece[n].len : left;

		s->list[n] = (struct ring_phys_seg){ .base = s->piece[n].phys,
			.len = k };
		left -= k;
		n++;
	}
	if (op == RING_OP_WRITE && d->mode != DRV_BENCH)
		(void)drv_pattern(s, len, seed, off, false);
	s->gen++;
	sqe = (struct ring_sqe){ .opcode = op,
		.addr = s->list_addr,
		.len = n * sizeof(struct ring_phys_seg),
		.offset = off,
		.syscall_flags = d->list_phys ? BLKDEV_SQE_LIST_PHYS : 0,
		.user_data = (uint64_t)s->gen << 32 | idx };
	if ((rc = ring_sq_push(d->r, &sqe)) < 0) {
		/* -EAGAIN cannot be: depth <= sq_entries */
		if (rc == -ESHUTDOWN)
			d->gone = true;
		return rc;
	}
	d->submitted++;
	d->nfree--;
	s->busy = true;
	s->op = op;
	s->off = off;
	s->len = len;
	s->seed = seed;
	s->block = block;
	s->sent_ns = drv_now();
	d->inflight++;
	return 0;
}

/* Account for one completion. */
static void
drv_complete(struct drv *d, const struct ring_cqe *cqe)
{
	uint32_t idx = (uint32_t)cqe->user_data;
	struct drv_slot *s;
	int64_t st = (int64_t)cqe->status;
	uint64_t lat, bad;
	int64_t now = drv_now();

	if (idx >= d->depth || !d->slot[idx].busy ||
	    d->slot[idx].gen != (uint32_t)(cqe->user_data >> 32)) {
		d->stale++;
		drv_error(d, EBADMSG,
		    "completion %#" PRIx64 " answers no request "
		    "in flight",
		    cqe->user_data);
		return;
	}
	s = &d->slot[idx];
	s->busy = false;
	d->free_slots[d->nfree++] = idx;
	d->inflight--;
	d->last_done_ns = now;
	if (st == -ESHUTDOWN) {
		d->shutdowns++;
		d->gone = true;
		return;
	}
	d->answered++;
	lat = (uint64_t)(now - s->sent_ns);
	d->lat_sum += lat;
	if (lat > d->lat_max)
		d->lat_max = lat;
	d->hist[drv_hist_bucket(lat) < DRV_HIST ? drv_hist_bucket(lat)
						: DRV_HIST - 1]++;
	d->requests++;
	if (s->op == RING_OP_READ)
		d->reads++;
	else
		d->writes++;
	if (st != (int64_t)s->len) {
		drv_error(d, st < 0 ? (int)-st : EIO,
		    "%s of %" PRIu64 " bytes at "
		    "%" PRIu64 ": %s",
		    s->op == RING_OP_READ ? "read" : "write", s->len, s->off,
		    st < 0 ? strerror((int)-st) : "short transfer");
		if (d->block_busy != NULL)
			d->block_busy[s->block] = false;
		return;
	}
	d->bytes += s->len;
	if (s->op == RING_OP_READ && d->mode != DRV_BENCH && s->seed != 0 &&
	    (bad = drv_pattern(s, s->len, s->seed, s->off, true)) != 0) {
		d->mismatches++;
		drv_error(d, EILSEQ,
		    "read of %" PRIu64 " bytes at %" PRIu64 ": %" PRIu64
		    " words differ from what was written",
		    s->len, s->off, bad);
	}
	if (d->block_busy != NULL) {
		d->block_busy[s->block] = false;
		if (s->op == RING_OP_WRITE)
			d->block_seed[s->block] = s->seed;
	}
}

/*
 * Reap what completed; when nothing did, wait up to wait_ns.  Returns 0,
 * or -ESHUTDOWN once the device left and nothing is left to take, or
 * another -errno when the ring failed.
 */
static int
drv_reap(struct drv *d, int64_t wait_ns)
{
	struct ring_cqe cqe[64];
	int n, i, rc;

	for (;;) {
		if (d->delay_ms) {
			/* a slow driver: one at a time, each taking a while */
			if ((n = ring_cq_pop(d->r, cqe)) == 0)
				n = 1;
		} else {
			n = ring_cq_pop_batch(d->r, cqe, 64);
		}
		if (n == -EAGAIN) {
			if (wait_ns <= 0)
				return 0;
			rc = ring_wait(d->r, RING_EV_IN, wait_ns);
			if (rc == -ETIMEDOUT)
				return 0;
			if (rc < 0)
				return rc;
			wait_ns = 0;
			continue;
		}
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			if (d->delay_ms)
				drv_sleep_ns((int64_t)d->delay_ms * 1000000);
			drv_complete(d, &cqe[i]);
		}
		return 0;
	}
}

/*
 * At most once a tick: let libring notice a ringd restart and hand the
 * ring and the DMA memory back.  -ENOLINK when ringd came back without
 * them.
 */
static int
drv_control(struct drv *d)
{
	int64_t now = drv_now();
	bool up;
	int rc;

	if (now - d->ctl_seen_ns < DRV_TICK_NS)
		return 0;
	d->ctl_seen_ns = now;
	rc = ring_ctl_process(d->ctl);
	up = ring_ctl_connected(d->ctl);
	if (!up && d->ctl_up)
		fprintf(stderr,
		    "blkdev-driver: ringd went away; going on, "
		    "reconnecting\n");
	d->ctl_up = up;
	if (ring_ctl_reconnects(d->ctl) != d->restarts) {
		d->restarts = ring_ctl_reconnects(d->ctl);
		if (rc == 0)
			fprintf(stderr,
			    "blkdev-driver: ringd is back; ring and "
			    "DMA memory handed back\n");
	}
	if (rc < 0 && up) {
		fprintf(stderr,
		    "blkdev-driver: ringd came back without the ring or the "
		    "DMA memory of '%s' (%s); stopping\n",
		    d->name, strerror(-rc));
		return -ENOLINK;
	}
	return 0;
}

/*
 * Reap completions: until everything in flight is answered (all), or
 * else at least once, waiting up to wait_ns for one, and until a slot is
 * free.  Checks for stalls and the device leaving on the way.
 */
static int
drv_wait(struct drv *d, bool all, int64_t wait_ns)
{
	int rc;

	if (all && d->inflight == 0)
		return 0;
	do {
		if (wait_ns <= 0 || wait_ns > DRV_TICK_NS)
			wait_ns = DRV_TICK_NS;
		if ((rc = drv_reap(d, wait_ns)) < 0)
			return rc;
		if (!d->gone && (rc = drv_control(d)) < 0)
			return rc;
		if (d->inflight > 0 &&
		    drv_now() - d->last_done_ns > DRV_STALL_NS) {
			fprintf(stderr,
			    "blkdev-driver: '%s': no completion for %lld "
			    "s with %" PRIu64 " requests in flight\n",
			    d->name, DRV_STALL_NS / 1000000000, d->inflight);
			return -ETIMEDOUT;
		}
	} while (all ? d->inflight > 0 : d->nfree == 0);
	return 0;
}

/* Submit when a slot is free, waiting for one when none is. */
static int
drv_issue(struct drv *d, uint8_t op, uint64_t off, uint64_t len, uint64_t seed,
    uint64_t block)
{
	int rc;

	while (d->nfree == 0)
		if ((rc = drv_wait(d, false, DRV_TICK_NS)) < 0)
			return rc;
	if (d->inflight == 0)
		d->last_done_ns = drv_now();
	return drv_submit(d, op, off, len, seed, block);
}

/*
 * The device left: take every answer still due.  Requests the scheme had
 * taken come back with its results or ESHUTDOWN; those it never took are
 * answered ESHUTDOWN by libring once the CQ is drained.  Whatever is
 * still in flight when the ring has nothing more to give was never
 * answered.
 */
static int
drv_drain(struct drv *d)
{
	int rc;

	d->gone = true;
	rc = drv_wait(d, true, DRV_TICK_NS);
	return rc == -ESHUTDOWN ? 0 : rc;
}

/* --- modes ------------------------------------------------------------ */

/* Cover [off, off + span) with requests of op, fixed or random sizes. */
static int
drv_sweep(struct drv *d, uint8_t op, uint64_t seed)
{
	uint64_t pos = d->off, end = d->off + d->span, len;
	int rc;

	while (pos < end && !drv_quit && d->errors == 0 && !d->gone) {
		len = d->random ? drv_rand_len(d, d->bsize) : d->bsize;
		if (len > end - pos)
			len = end - pos;
		if ((rc = drv_issue(d, op, pos, len, seed, 0)) < 0)
			return rc;
		pos += len;
	}
	return drv_wait(d, true, DRV_TICK_NS);
}

static int
drv_verify(struct drv *d)
{
	uint64_t seed, len, pos, i, n;
	unsigned pass;
	int rc;

	for (pass = 0;
	     pass < d->passes && !drv_quit && d->errors == 0 && !d->gone;
	     pass++) {
		seed = drv_rand(d) | 1;
		if ((rc = drv_sweep(d, RING_OP_WRITE, seed)) < 0 ||
		    (rc = drv_sweep(d, RING_OP_READ, seed)) < 0)
			return rc;
		if (!d->random)
			continue;
		/* reads of random sizes at random offsets in the range */
		n = d->span / d->bsize + 1;
		for (i = 0; i < n && !drv_quit && d->errors == 0 && !d->gone;
		     i++) {
			len = drv_rand_len(d,
			    d->bsize < d->span ? d->bsize : d->span);
			pos = d->off +
			    drv_rand(d) %
				((d->span - len) / BLKDEV_SECTOR + 1) *
				BLKDEV_SECTOR;
			if ((rc = drv_issue(d, RING_OP_READ, pos, len, seed,
				 0)) < 0)
				return rc;
		}
		if ((rc = drv_wait(d, true, DRV_TICK_NS)) < 0)
			return rc;
	}
	if (drv_quit && !d->gone)
		return -EINTR;
	return 0;
}

/* Back to back requests for count requests or for the time given. */
static int
drv_bench(struct drv *d)
{
	uint8_t op = d->write ? RING_OP_WRITE : RING_OP_READ;
	int64_t end = d->seconds > 0 ? d->t0 + (int64_t)(d->seconds * 1e9) : 0;
	uint64_t pos = d->off, sent = 0, i;
	int rc;

	/* untimed: every buffer once, so first-touch page faults are not timed */
	for (i = 0; i < d->depth; i++) {
		if (pos + d->bsize > d->off + d->span)
			pos = d->off;
		if ((rc = drv_issue(d, op, pos, d->bsize, 0, 0)) < 0)
			return rc;
		pos += d->bsize;
	}
	if ((rc = drv_wait(d, true, DRV_TICK_NS)) < 0)
		return rc;
	d->requests = d->reads = d->writes = d->bytes = 0;
	d->lat_sum = d->lat_max = 0;
	memset(d->hist, 0, sizeof(d->hist));
	d->t0 = drv_now();
	if (end != 0)
		end = d->t0 + (int64_t)(d->seconds * 1e9);
	while (!drv_quit && d->errors == 0 && !d->gone &&
	    (d->count == 0 || sent < d->count)) {
		if (end != 0 && (sent & 63) == 0 && drv_now() >= end)
			break;
		if (pos + d->bsize > d->off + d->span)
			pos = d->off;
		if ((rc = drv_issue(d, op, pos, d->bsize, 0, 0)) < 0)
			return rc;
		pos += d->bsize;
		sent++;
	}
	return drv_wait(d, true, DRV_TICK_NS);
}

/*
 * A steady load: walk the range block by block; a block last written is
 * read back and checked, any other is written with a new pattern.  At most
 * d->rate requests per second when set; until a signal or -t.
 */
static int
drv_load(struct drv *d)
{
	int64_t end = d->seconds > 0 ? d->t0 + (int64_t)(d->seconds * 1e9) : 0;
	int64_t next = drv_now(),
		gap = d->rate ? (int64_t)(1e9 / (double)d->rate) : 0, now;
	uint64_t b, seed;
	int rc;

	d->nblocks = d->span / d->bsize;
	if ((d->block_seed = calloc(d->nblocks, sizeof(*d->block_seed))) ==
		NULL ||
	    (d->block_busy = calloc(d->nblocks, sizeof(*d->block_busy))) ==
		NULL)
		return -ENOMEM;
	while (!drv_quit && d->errors == 0 && !d->gone) {
		now = drv_now();
		if (end != 0 && now >= end)
			break;
		b = d->next_block;
		if (d->nfree == 0 || d->block_busy[b] || (gap && now < next)) {
			/* nothing to send yet: reap, sleeping until the next turn */
			if (d->inflight > 0) {
				if ((rc = drv_wait(d, false,
					 gap && now < next ? next - now
							   : DRV_TICK_NS)) < 0)
					return rc;
			} else {
				drv_sleep_ns(next - now);
			}
			continue;
		}
		d->block_busy[b] = true;
		if (d->block_seed[b] != 0) {
			rc = drv_submit(d, RING_OP_READ, d->off + b * d->bsize,
			    d->bsize, d->block_seed[b], b);
			d->block_seed[b] = 0; /* next time: write anew */
		} else {
			seed = drv_rand(d) | 1;
			rc = drv_submit(d, RING_OP_WRITE, d->off + b * d->bsize,
			    d->bsize, seed, b);
		}
		if (rc < 0)
			return rc;
		if (d->inflight == 1)
			d->last_done_ns = drv_now();
		d->next_block = (b + 1) % d->nblocks;
		next += gap;
		if (gap && next < now - 1000000000)
			next =
			    now; /* do not make up for a long stall at once */
	}
	return drv_wait(d, true, DRV_TICK_NS);
}

/* --- report ----------------------------------------------------------- */

static void
drv_report(struct drv *d, int64_t ns)
{
	double s = (double)ns / 1e9, iops = s > 0 ? (double)d->requests / s : 0;
	double mibs = s > 0 ? (double)d->bytes / s / 1048576.0 : 0;
	double mean = d->requests
	    ? (double)d->lat_sum / (double)d->requests / 1e3
	    : 0;

	if (d->json) {
		printf("{\"mode\":\"%s\",\"scheme\":\"%s\",\"block_bytes\":"
		       "%" PRIu64 ",\"depth\":%" PRIu64 ",\"requests\":%" PRIu64
		       ",\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
		       ",\"bytes\":%" PRIu64
		       ",\"seconds\":%.6f,\"iops\":%.1f,\"mib_per_s\":%.3f,"
		       "\"latency_mean_us\":%.3f,\"latency_p50_us\":%.3f,"
		       "\"latency_p99_us\":%.3f,\"latency_max_us\":%.3f,"
		       "\"errors\":%" PRIu64 ",\"mismatches\":%" PRIu64
		       ",\"submitted\":%" PRIu64 ",\"shutdowns\":%" PRIu64
		       ",\"unanswered\":%" PRIu64 ",\"ringd_restarts\":%" PRIu64
		       "}\n",
		    drv_mode_name[d->mode], d->name, d->bsize, d->depth,
		    d->requests, d->reads, d->writes, d->bytes, s, iops, mibs,
		    mean, drv_percentile(d, 0.5) / 1e3,
		    drv_percentile(d, 0.99) / 1e3, (double)d->lat_max / 1e3,
		    d->errors, d->mismatches, d->submitted, d->shutdowns,
		    d->inflight, d->restarts);
	} else {
		printf("blkdev-driver: %s: %" PRIu64 " requests (%" PRIu64
		       " reads, "
		       "%" PRIu64 " writes) of %" PRIu64
		       " bytes, depth %" PRIu64
		       ", %.1f MiB in %.3f s: %.0f IOPS, %.1f MiB/s; latency "
		       "mean %.1f "
		       "us, p50 %.1f us, p99 %.1f us, max %.1f us; %" PRIu64
		       " errors, %" PRIu64 " mismatches\n",
		    drv_mode_name[d->mode], d->requests, d->reads, d->writes,
		    d->bsize, d->depth, (double)d->bytes / 1048576.0, s, iops,
		    mibs, mean, drv_percentile(d, 0.5) / 1e3,
		    drv_percentile(d, 0.99) / 1e3, (double)d->lat_max / 1e3,
		    d->errors, d->mismatches);
	}
	fflush(stdout);
}

/* --- options and main ------------------------------------------------- */

static void
drv_usage(FILE *f)
{
	fprintf(f,
	    "usage: blkdev-driver [-hjPRvw] [-b size] [-c count] [-d ms] "
	    "[-g segments] [-l length]\n"
	    "                     [-M min] [-m mode] [-n name] [-o offset] "
	    "[-p passes] [-q depth]\n"
	    "                     [-r rate] [-S socket] [-t seconds] "
	    "[-x seed]\n");
}

static int
drv_size_opt(const char *opt, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *v)
{
	if (units_parse_size(s, v) < 0 || *v < lo || *v > hi) {
		fprintf(stderr,
		    "blkdev-driver: bad %s '%s': expected %" PRIu64 "..%" PRIu64
		    "\n",
		    opt, s, lo, hi);
		return -1;
	}
	return 0;
}

static int
drv_options(struct drv *d, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "delay", required_argument, NULL, 'd' },
		{ "segments", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "length", required_argument, NULL, 'l' },
		{ "min", required_argument, NULL, 'M' },
		{ "mode", required_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'o' },
		{ "list-phys", no_argument, NULL, 'P' },
		{ "passes", required_argument, NULL, 'p' },
		{ "depth", required_argument, NULL, 'q' },
		{ "random", no_argument, NULL, 'R' },
		{ "rate", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 'S' },
		{ "time", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "write", no_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv,
		    "b:c:d:g:hjl:M:m:n:o:Pp:q:Rr:S:t:vwx:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'b':
			if (drv_size_opt("block size", optarg, BLKDEV_SECTOR,
				BLKDEV_MAX_XFER, &d->bsize) < 0)
				return -1;
			if (d->bsize % BLKDEV_SECTOR != 0) {
				fprintf(stderr,
				    "blkdev-driver: bad block size '%s': "
				    "not a multiple of %u\n",
				    optarg, BLKDEV_SECTOR);
				return -1;
			}
			break;
		case 'c':
			if (drv_size_opt("count", optarg, 1, UINT64_MAX / 2,
				&d->count) < 0)
				return -1;
			break;
		case 'd':
			if (drv_size_opt("delay", optarg, 0, 10000, &v) < 0)
				return -1;
			d->delay_ms = (unsigned)v;
			break;
		case 'g':
			if (drv_size_opt("segments", optarg, 1, BLKDEV_MAX_SEGS,
				&v) < 0)
				return -1;
			d->segs = (unsigned)v;
			break;
		case 'h':
			drv_usage(stdout);
			exit(0);
		case 'j':
			d->json = true;
			break;
		case 'l':
			if (drv_size_opt("length", optarg, BLKDEV_SECTOR,
				UINT64_MAX / 2, &d->span) < 0)
				return -1;
			break;
		case 'M':
			if (drv_size_opt("minimum", optarg, RING_PHYS_FRAME,
				1ull << 40, &d->min) < 0)
				return -1;
			break;
		case 'm':
			if (strcmp(optarg, "verify") == 0)
				d->mode = DRV_VERIFY;
			else if (strcmp(optarg, "bench") == 0)
				d->mode = DRV_BENCH;
			else if (strcmp(optarg, "load") == 0)
				d->mode = DRV_LOAD;
			else {
				fprintf(stderr,
				    "blkdev-driver: bad mode '%s': "
				    "expected verify, bench or load\n",
				    optarg);
				return -1;
			}
			break;
		case 'n':
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= RING_CTL_NAME_MAX) {
				fprintf(stderr,
				    "blkdev-driver: bad scheme name '%s'\n",
				    optarg);
				return -1;
			}
			d->name = optarg;
			break;
		case 'o':
			if (drv_size_opt("offset", optarg, 0, UINT64_MAX / 2,
				&d->off) < 0)
				return -1;
			break;
		case 'P':
			d->list_phys = true;
			break;
		case 'p':
			if (drv_size_opt("passes", optarg, 1, 1000000, &v) < 0)
				return -1;
			d->passes = (unsigned)v;
			break;
		case 'q':
			if (drv_size_opt("depth", optarg, 1, DRV_MAX_DEPTH,
				&d->depth) < 0)
				return -1;
			break;
		case 'R':
			d->random = true;
			break;
		case 'r':
			if (drv_size_opt("rate", optarg, 1, 10000000,
				&d->rate) < 0)
				return -1;
			break;
		case 'S':
			d->sock = optarg;
			break;
		case 't':
			errno = 0;
			d->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end != '\0' ||
			    !(d->seconds > 0 && d->seconds <= 1e6)) {
				fprintf(stderr,
				    "blkdev-driver: bad time '%s': "
				    "expected seconds, above 0\n",
				    optarg);
				return -1;
			}
			break;
		case 'v':
			d->verbose = true;
			break;
		case 'w':
			d->write = true;
			break;
		case 'x':
			if (drv_size_opt("seed", optarg, 0, UINT64_MAX,
				&d->seed) < 0)
				return -1;
			break;
		default:
			drv_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "blkdev-driver: unexpected argument '%s'\n",
		    argv[optind]);
		drv_usage(stderr);
		return -1;
	}
	if (d->off % BLKDEV_SECTOR != 0 || d->span % BLKDEV_SECTOR != 0) {
		fprintf(stderr,
		    "blkdev-driver: offset and length must be "
		    "multiples of %u\n",
		    BLKDEV_SECTOR);
		return -1;
	}
	return 0;
}

/* The range to use, now that the device size is known. */
static int
drv_check_range(struct drv *d)
{
	uint64_t cap = d->ident.capacity;

	if (d->off >= cap) {
		fprintf(stderr,
		    "blkdev-driver: offset %" PRIu64 " is past the end "
		    "of '%s' (%" PRIu64 " bytes)\n",
		    d->off, d->name, cap);
		return -1;
	}
	if (d->span == 0)
		d->span = cap - d->off;
	if (d->span > cap - d->off) {
		fprintf(stderr,
		    "blkdev-driver: offset %" PRIu64 " + length %" PRIu64
		    " is past the end of '%s' (%" PRIu64 " bytes)\n",
		    d->off, d->span, d->name, cap);
		return -1;
	}
	if (d->bsize > d->ident.max_xfer) {
		fprintf(stderr,
		    "blkdev-driver: block size %" PRIu64 " is above "
		    "what '%s' takes (%u)\n",
		    d->bsize, d->name, d->ident.max_xfer);
		return -1;
	}
	if (d->bsize > d->span) {
		fprintf(stderr,
		    "blkdev-driver: block size %" PRIu64 " is larger "
		    "than the range (%" PRIu64 " bytes)\n",
		    d->bsize, d->span);
		return -1;
	}
	if (d->mode == DRV_LOAD && d->span / d->bsize < d->depth) {
		fprintf(stderr,
		    "blkdev-driver: load needs at least depth (%" PRIu64
		    ") blocks in the range\n",
		    d->depth);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct drv d;
	struct ring_params p;
	struct sigaction sa;
	int rc, status = 0;
	int64_t t1;

	d.name = BLKDEV_DEFAULT_NAME;
	d.mode = DRV_VERIFY;
	d.bsize = 4096;
	d.depth = 16;
	d.segs = 1;
	d.passes = 1;
	d.min = DRV_DEFAULT_MIN;
	d.seed = (uint64_t)getpid() ^ (uint64_t)drv_now();
	if (drv_options(&d, argc, argv) < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = drv_on_signal; /* no SA_RESTART: cut sleeps short */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = ring_ctl_connect(d.sock, NULL, &d.ctl)) < 0) {
		fprintf(stderr, "blkdev-driver: cannot connect to ringd: %s\n",
		    strerror(-rc));
		return 3;
	}
	/* ride through a restart of ringd: the ring and memory come back */
	(void)ring_ctl_set_reconnect(d.ctl, true);
	d.ctl_up = true;
	memset(&p, 0, sizeof(p));
	for (p.sq_entries = 4; p.sq_entries < d.depth; p.sq_entries *= 2)
		;
	p.pool_bytes = d.depth * DRV_LIST_BYTES + DRV_IDENT_BYTES;
	if ((rc = ring_ctl_open(d.ctl, d.name, &p, &d.r, &d.ring_id)) < 0) {
		fprintf(stderr, "blkdev-driver: cannot open ring to '%s': %s\n",
		    d.name, strerror(-rc));
		ring_ctl_close(d.ctl);
		return 1;
	}
	if (drv_identify(&d) < 0 || drv_check_range(&d) < 0 ||
	    drv_dma_alloc(&d, d.depth * d.bsize) < 0 || drv_slots(&d) < 0) {
		status = 1;
		goto out;
	}
	drv_dma_report(&d);

	d.t0 = d.last_done_ns = drv_now();
	switch (d.mode) {
	case DRV_VERIFY:
		rc = drv_verify(&d);
		break;
	case DRV_BENCH:
		rc = drv_bench(&d);
		break;
	default:
		rc = drv_load(&d);
		break;
	}
	t1 = drv_now();
	if (rc == -ESHUTDOWN || d.gone) {
		/* the device left: every request in flight must have an answer */
		if ((rc = drv_drain(&d)) < 0 && rc != -ETIMEDOUT)
			fprintf(stderr,
			    "blkdev-driver: ring to '%s' failed: %s\n", d.name,
			    strerror(-rc));
		t1 = drv_now();
		fprintf(stderr,
		    "blkdev-driver: '%s' went away: %" PRIu64
		    " requests submitted, %" PRIu64 " answered with a result, "
		    "%" PRIu64 " with ESHUTDOWN, %" PRIu64 " never answered\n",
		    d.name, d.submitted, d.answered, d.shutdowns, d.inflight);
		status = 1;
	} else if (rc == -EINTR) {
		fprintf(stderr, "blkdev-driver: interrupted\n");
		status = 1;
	} else if (rc == -ENOLINK) {
		/* the data path still works: take what is in flight */
		d.gone = true;
		(void)drv_wait(&d, true, DRV_TICK_NS);
		t1 = drv_now();
		status = 1;
	} else if (rc < 0 && rc != -ETIMEDOUT) {
		fprintf(stderr, "blkdev-driver: ring to '%s' failed: %s\n",
		    d.name, strerror(-rc));
		status = 1;
	} else if (rc < 0) {
		status = 1;
	}
	drv_report(&d, t1 - d.t0);
	if (d.errors != 0) {
		fprintf(stderr,
		    "blkdev-driver: %" PRIu64 " requests failed; the "
		    "first: %s\n",
		    d.errors, d.first_what);
		status = 1;
	}
out:
	drv_dma_free(&d, !d.gone && status == 0);
	ring_close(d.r);
	if (d.r != NULL)
		(void)ring_ctl_close_ring(d.ctl, d.ring_id);
	ring_ctl_close(d.ctl);
	for (unsigned i = 0; d.slot != NULL && i < d.depth; i++)
		free(d.slot[i].piece);
	free(d.slot);
	free(d.free_slots);
	free(d.block_seed);
	free(d.block_busy);
	return status;
}
