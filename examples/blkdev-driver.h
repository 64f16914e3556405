/*
 * blkdev-driver.h - what the parts of blkdev-driver share: its limits, the
 * driver's state (struct drv) and the functions one part calls in
 * another.  blkdev-driver.c holds the modes, the report, the options and
 * main; blkdev-driver-io.c the device and its requests (submit, reap,
 * the ringd connection); blkdev-driver-dma.c the DMA memory (physalloc3
 * arena, scatter-gather slots).  Private to the program: nothing else
 * includes it.
 */
#ifndef BLKDEV_DRIVER_H
#define BLKDEV_DRIVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

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

enum drv_mode { DRV_VERIFY, DRV_BENCH, DRV_LOAD };

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
	struct hist lat; /* of the requests answered, ns */
	int first_err;
	char first_what[160];
	bool gone; /* the device left (-ESHUTDOWN) */

	/* ringd */
	struct ctl_watch watch; /* as last seen: connected, restarts */
	int64_t ctl_seen_ns;	/* last look at the control socket */

	/* load mode: per block, the seed last written (0: never) */
	uint64_t *block_seed;
	bool *block_busy;
	uint64_t nblocks, next_block;
};

/* blkdev-driver.c: set by SIGINT and SIGTERM, every loop stops on it. */
extern volatile sig_atomic_t drv_quit;

/* blkdev-driver-io.c */
void drv_sleep_ns(int64_t ns);
uint64_t drv_rand(struct drv *d);
uint64_t drv_rand_len(struct drv *d, uint64_t max);
int drv_command(struct drv *d, const struct ring_sqe *sqe, int64_t *status);
int drv_identify(struct drv *d);
int drv_submit(struct drv *d, uint8_t op, uint64_t off, uint64_t len,
    uint64_t seed, uint64_t block);
int drv_wait(struct drv *d, bool all, int64_t wait_ns);
int drv_issue(struct drv *d, uint8_t op, uint64_t off, uint64_t len,
    uint64_t seed, uint64_t block);
int drv_drain(struct drv *d);

/* blkdev-driver-dma.c */
int drv_dma_alloc(struct drv *d, uint64_t total);
int drv_slots(struct drv *d);
void drv_dma_report(const struct drv *d);
void drv_dma_free(struct drv *d, bool tell);

#endif /* BLKDEV_DRIVER_H */
