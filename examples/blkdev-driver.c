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
 *
 * Files: this one holds the modes, the report, the options and main;
 * blkdev-driver-io.c the device and its requests; blkdev-driver-dma.c the
 * DMA memory; blkdev-driver.h what they share.  Depends on libring,
 * common/ (sizes, clocks, the latency histogram) and json-c (-j).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ring/phys.h>
#include <ring/ring.h>

#include "blkdev-driver.h"

/* -m's names, by enum drv_mode */
static const char *const drv_mode_name[] = { "verify", "bench", "load" };
#define DRV_NMODES (sizeof(drv_mode_name) / sizeof(drv_mode_name[0]))

volatile sig_atomic_t drv_quit;

static void
drv_on_signal(int sig)
{
	(void)sig;
	drv_quit = 1;
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
	memset(&d->lat, 0, sizeof(d->lat));
	d->t0 = (int64_t)clock_ns();
	if (end != 0)
		end = d->t0 + (int64_t)(d->seconds * 1e9);
	while (!drv_quit && d->errors == 0 && !d->gone &&
	    (d->count == 0 || sent < d->count)) {
		if (end != 0 && (sent & 63) == 0 && (int64_t)clock_ns() >= end)
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
	int64_t next = (int64_t)clock_ns(),
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
		now = (int64_t)clock_ns();
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
			d->last_done_ns = (int64_t)clock_ns();
		d->next_block = (b + 1) % d->nblocks;
		next += gap;
		if (gap && next < now - 1000000000)
			next =
			    now; /* do not make up for a long stall at once */
	}
	return drv_wait(d, true, DRV_TICK_NS);
}

/* --- report ----------------------------------------------------------- */

/* A number as a JSON double printed with prec decimals ("%.3f"). */
static struct json_object *
drv_json_fixed(double v, int prec)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return json_object_new_double_s(v, buf);
}

/* o's next key: a count (JSON integer), or a figure with prec decimals. */
static void
drv_json_count(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void
drv_json_figure(struct json_object *o, const char *key, double v, int prec)
{
	json_object_object_add(o, key, drv_json_fixed(v, prec));
}

/*
 * The summary as one JSON object on one line, keys in this order, no
 * blanks (bench-blkdev and the tests read it): counts are integers, rates
 * and latencies numbers with fixed decimals.
 */
static void
drv_report_json(const struct drv *d, double s, double iops, double mibs,
    double mean)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode",
	    json_object_new_string(drv_mode_name[d->mode]));
	json_object_object_add(o, "scheme", json_object_new_string(d->name));
	drv_json_count(o, "block_bytes", d->bsize);
	drv_json_count(o, "depth", d->depth);
	drv_json_count(o, "requests", d->requests);
	drv_json_count(o, "reads", d->reads);
	drv_json_count(o, "writes", d->writes);
	drv_json_count(o, "bytes", d->bytes);
	drv_json_figure(o, "seconds", s, 6);
	drv_json_figure(o, "iops", iops, 1);
	drv_json_figure(o, "mib_per_s", mibs, 3);
	drv_json_figure(o, "latency_mean_us", mean, 3);
	drv_json_figure(o, "latency_p50_us",
	    (double)hist_quantile(&d->lat, 0.5) / 1e3, 3);
	drv_json_figure(o, "latency_p99_us",
	    (double)hist_quantile(&d->lat, 0.99) / 1e3, 3);
	drv_json_figure(o, "latency_max_us", (double)d->lat.max / 1e3, 3);
	drv_json_count(o, "errors", d->errors);
	drv_json_count(o, "mismatches", d->mismatches);
	drv_json_count(o, "submitted", d->submitted);
	drv_json_count(o, "shutdowns", d->shutdowns);
	drv_json_count(o, "unanswered", d->inflight);
	drv_json_count(o, "ringd_restarts", d->watch.restarts);
	printf("%s\n",
	    json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void
drv_report(struct drv *d, int64_t ns)
{
	double s = (double)ns / 1e9, iops = s > 0 ? (double)d->requests / s : 0;
	double mibs = s > 0 ? (double)d->bytes / s / 1048576.0 : 0;
	double mean = d->requests
	    ? (double)d->lat.sum / (double)d->requests / 1e3
	    : 0;

	if (d->json)
		drv_report_json(d, s, iops, mibs, mean);
	else
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
		    mibs, mean, (double)hist_quantile(&d->lat, 0.5) / 1e3,
		    (double)hist_quantile(&d->lat, 0.99) / 1e3,
		    (double)d->lat.max / 1e3, d->errors, d->mismatches);
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

/* The options that take a number (units_parse_size(): 4k, 1M...). */
#define DRV_NUM(ch, what, lo, hi, field) \
	{ ch, what, lo, hi, offsetof(struct drv, field), \
		sizeof(((struct drv *)0)->field) }
static const struct drv_num_opt {
	int ch;
	const char *what;
	uint64_t lo, hi;
	size_t off, size; /* of its field in struct drv: uint64_t or unsigned */
} drv_num_opts[] = {
	DRV_NUM('b', "block size", BLKDEV_SECTOR, BLKDEV_MAX_XFER, bsize),
	DRV_NUM('c', "count", 1, UINT64_MAX / 2, count),
	DRV_NUM('d', "delay", 0, 10000, delay_ms),
	DRV_NUM('g', "segments", 1, BLKDEV_MAX_SEGS, segs),
	DRV_NUM('l', "length", BLKDEV_SECTOR, UINT64_MAX / 2, span),
	DRV_NUM('M', "minimum", RING_PHYS_FRAME, 1ull << 40, min),
	DRV_NUM('o', "offset", 0, UINT64_MAX / 2, off),
	DRV_NUM('p', "passes", 1, 1000000, passes),
	DRV_NUM('q', "depth", 1, DRV_MAX_DEPTH, depth),
	DRV_NUM('r', "rate", 1, 10000000, rate),
	DRV_NUM('x', "seed", 0, UINT64_MAX, seed),
};
#define DRV_NUM_OPTS (sizeof(drv_num_opts) / sizeof(drv_num_opts[0]))

/* Option ch if it takes a number: 1 stored, -1 bad (said), 0 not one. */
static int
drv_num_option(struct drv *d, int ch, const char *arg)
{
	const struct drv_num_opt *o;
	uint64_t v;
	size_t i;

	for (i = 0; i < DRV_NUM_OPTS && drv_num_opts[i].ch != ch; i++)
		;
	if (i == DRV_NUM_OPTS)
		return 0;
	o = &drv_num_opts[i];
	if (drv_size_opt(o->what, arg, o->lo, o->hi, &v) < 0)
		return -1;
	if (o->size == sizeof(uint64_t))
		*(uint64_t *)(void *)((char *)d + o->off) = v;
	else
		*(unsigned *)(void *)((char *)d + o->off) = (unsigned)v;
	return 1;
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
	char *end;
	unsigned m;
	int ch, rc;

	while ((ch = getopt_long(argc, argv,
		    "b:c:d:g:hjl:M:m:n:o:Pp:q:Rr:S:t:vwx:", longopts, NULL)) !=
	    -1) {
		if ((rc = drv_num_option(d, ch, optarg)) < 0)
			return -1;
		if (ch == 'b' && d->bsize % BLKDEV_SECTOR != 0) {
			fprintf(stderr,
			    "blkdev-driver: bad block size '%s': "
			    "not a multiple of %u\n",
			    optarg, BLKDEV_SECTOR);
			return -1;
		}
		if (rc > 0)
			continue;
		switch (ch) {
		case 'h':
			drv_usage(stdout);
			exit(0);
		case 'j':
			d->json = true;
			break;
		case 'm':
			for (m = 0; m < DRV_NMODES; m++)
				if (strcmp(optarg, drv_mode_name[m]) == 0)
					break;
			if (m == DRV_NMODES) {
				fprintf(stderr,
				    "blkdev-driver: bad mode '%s': "
				    "expected verify, bench or load\n",
				    optarg);
				return -1;
			}
			d->mode = (enum drv_mode)m;
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
		case 'P':
			d->list_phys = true;
			break;
		case 'R':
			d->random = true;
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
	d.seed = (uint64_t)getpid() ^ (uint64_t)(int64_t)clock_ns();
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
	d.watch.up = true;
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

	d.t0 = d.last_done_ns = (int64_t)clock_ns();
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
	t1 = (int64_t)clock_ns();
	if (rc == -ESHUTDOWN || d.gone) {
		/* the device left: every request in flight must have an answer */
		if ((rc = drv_drain(&d)) < 0 && rc != -ETIMEDOUT)
			fprintf(stderr,
			    "blkdev-driver: ring to '%s' failed: %s\n", d.name,
			    strerror(-rc));
		t1 = (int64_t)clock_ns();
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
		t1 = (int64_t)clock_ns();
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
