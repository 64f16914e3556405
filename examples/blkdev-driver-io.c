/*
 * blkdev-driver-io.c - blkdev-driver's side of the device: data patterns,
 * device commands (IDENTIFY), requests (submit with their SG lists, reap
 * and check completions) and watching ringd's connection while they run.
 *
 * Depends on blkdev-driver.h (struct drv), libring and common/ (clocks);
 * blkdev-driver.c drives it.
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

void
drv_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000 };

	if (ns > 0)
		(void)nanosleep(&ts, NULL); /* a signal cuts it short */
}

uint64_t
drv_rand(struct drv *d)
{
	d->seed = mix64(d->seed);
	return d->seed;
}

/* A multiple of the sector in [BLKDEV_SECTOR, max]. */
uint64_t
drv_rand_len(struct drv *d, uint64_t max)
{
	return (1 + drv_rand(d) % (max / BLKDEV_SECTOR)) * BLKDEV_SECTOR;
}

/* --- data patterns ---------------------------------------------------- */

/* The 8-byte word of the pattern seed at device byte pos (pos % 8 == 0). */
static uint64_t
drv_word(uint64_t seed, uint64_t pos)
{
	return mix64(seed ^ (pos >> 3) * 0x2545f4914f6cdd1dull);
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
int
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
int
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
int
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
	s->sent_ns = (int64_t)clock_ns();
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
	int64_t now = (int64_t)clock_ns();

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
	hist_add(&d->lat, lat);
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
	int64_t now = (int64_t)clock_ns();
	unsigned what;
	int rc;

	if (now - d->ctl_seen_ns < DRV_TICK_NS)
		return 0;
	d->ctl_seen_ns = now;
	rc = ring_ctl_process(d->ctl);
	what = ctl_watch(&d->watch, d->ctl);
	if (what & CTL_WENT_AWAY)
		fprintf(stderr,
		    "blkdev-driver: ringd went away; going on, "
		    "reconnecting\n");
	if ((what & CTL_CAME_BACK) && rc == 0)
		fprintf(stderr,
		    "blkdev-driver: ringd is back; ring and "
		    "DMA memory handed back\n");
	if (rc < 0 && d->watch.up) {
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
int
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
		    (int64_t)clock_ns() - d->last_done_ns > DRV_STALL_NS) {
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
int
drv_issue(struct drv *d, uint8_t op, uint64_t off, uint64_t len, uint64_t seed,
    uint64_t block)
{
	int rc;

	while (d->nfree == 0)
		if ((rc = drv_wait(d, false, DRV_TICK_NS)) < 0)
			return rc;
	if (d->inflight == 0)
		d->last_done_ns = (int64_t)clock_ns();
	return drv_submit(d, op, off, len, seed, block);
}

/*
 * The device left: take every answer still due.  Requests the scheme had
 * taken come back with its results or ESHUTDOWN; those it never took are
 * answered ESHUTDOWN by libring once the CQ is drained.  Whatever is
 * still in flight when the ring has nothing more to give was never
 * answered.
 */
int
drv_drain(struct drv *d)
{
	int rc;

	d->gone = true;
	rc = drv_wait(d, true, DRV_TICK_NS);
	return rc == -ESHUTDOWN ? 0 : rc;
}
