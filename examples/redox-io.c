/*
 * redox-io - a Redox-style client of the disk and file ring protocols,
 * written only against relibc's API (<redox/ring.h>) and libc, as a
 * program for Redox would be: it opens a disk (/scheme/<disk>/1) or a
 * file (/scheme/logging/NAME), sets a ring up with the scheme, gives it
 * the file, writes ops blocks of a pattern and then reads them back and
 * checks every byte, printing each phase's MB/s.  Exit 0 only when every
 * block came back as written.
 *
 * The entry formats are declared here, as Redox programs declare them
 * (relibc's header has none).  Up to -q requests are in flight, each
 * with a pool buffer of its own (chunks, or sized allocations with -z);
 * a request names its buffer by pool offset and its block by number in
 * user_data, so completions may come in any order.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <redox/ring.h>

/* The protocols' entries (redox_rings::op): 32-byte SQEs, 16-byte CQEs. */
struct rio_disk_sqe {
	uint8_t opcode;
	uint8_t pad[3];
	uint32_t file_idx;
	uint64_t block; /* 512-byte blocks */
	uint32_t buf_offset;
	uint32_t buf_len;
	uint64_t user_data;
};

struct rio_disk_cqe {
	uint64_t user_data;
	uint32_t count;
	uint16_t status; /* 0 or an errno */
	uint16_t pad;
};

struct rio_fs_sqe {
	uint8_t opcode;
	uint8_t pad[3];
	uint32_t file_idx;
	uint64_t off; /* bytes */
	uint32_t buf_offset;
	uint32_t buf_len;
	uint64_t user_data;
};

struct rio_fs_cqe {
	uint64_t user_data;
	int32_t res; /* bytes, or a positive errno */
	uint32_t pad;
};

#define RIO_READ 0
#define RIO_WRITE 1
#define RIO_BLOCK 512u

/* What to do, from the command line. */
struct rio {
	const char *path, *ring_path;
	bool disk, sized;
	uint64_t ops, offset, seed;
	uint32_t size, chunk, pool, entries, depth;
	struct redox_ring *ring;
	uint8_t *base; /* the pool, once known */
};

static void
rio_usage(FILE *f)
{
	fprintf(f,
	    "usage: redox-io [-hz] [-b size] [-c chunk] [-e entries] "
	    "[-k disk|file] [-n ops]\n"
	    "                [-o offset] [-p pool] [-q depth] [-r ring] "
	    "[-S socket] [-x seed] path\n");
}

/* A size: a number with an optional K, M or G (binary); 0 or -1. */
static int
rio_size(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno != 0 || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		n = n > (ULLONG_MAX >> 10) ? ULLONG_MAX : n << 10;
		end++;
		break;
	case 'm':
	case 'M':
		n = n > (ULLONG_MAX >> 20) ? ULLONG_MAX : n << 20;
		end++;
		break;
	case 'g':
	case 'G':
		n = n > (ULLONG_MAX >> 30) ? ULLONG_MAX : n << 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0' || n > max)
		return -1;
	*v = n;
	return 0;
}

/* The expected 8 bytes at word w of block i. */
static uint64_t
rio_word(const struct rio *o, uint64_t i, uint64_t w)
{
	uint64_t x = o->seed ^ (i * 0x9e3779b97f4a7c15ull) ^
	    (w * 0xbf58476d1ce4e5b9ull);

	return x ^ (x >> 29);
}

static void
rio_fill(const struct rio *o, uint64_t i, uint8_t *p)
{
	uint64_t w, v;

	for (w = 0; w * 8 < o->size; w++) {
		v = rio_word(o, i, w);
		memcpy(p + w * 8, &v, o->size - w * 8 < 8 ? o->size - w * 8 : 8);
	}
}

/* The first byte of block i at p that differs, or -1. */
static int64_t
rio_check(const struct rio *o, uint64_t i, const uint8_t *p)
{
	uint64_t w, v;
	size_t k, n;

	for (w = 0; w * 8 < o->size; w++) {
		v = rio_word(o, i, w);
		n = o->size - w * 8 < 8 ? o->size - w * 8 : 8;
		if (memcmp(p + w * 8, &v, n) == 0)
			continue;
		for (k = 0; k < n && p[w * 8 + k] == ((uint8_t *)&v)[k]; k++)
			;
		return (int64_t)(w * 8 + k);
	}
	return -1;
}

static double
rio_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Take a pool buffer: its offset, or -1 when none is free. */
static int
rio_alloc(struct rio *o, uint8_t **p)
{
	int off;

	if (o->sized)
		off = redox_ring_alloc_sized(o->ring, o->size, 64, p);
	else
		off = redox_ring_alloc_buf(o->ring, p);
	if (off >= 0 && o->base == NULL)
		o->base = *p - off;
	return off;
}

/* Fill the next SQE for block i in the buffer at off. */
static void
rio_sqe(struct rio *o, void *sqe, bool wr, uint64_t i, int off)
{
	uint64_t at = o->offset + i * o->size;
	uint64_t ud = i << 32 | (uint32_t)off;

	if (o->disk) {
		struct rio_disk_sqe d = { .opcode = wr ? RIO_WRITE : RIO_READ,
			.block = at / RIO_BLOCK,
			.buf_offset = (uint32_t)off,
			.buf_len = o->size,
			.user_data = ud };
		memcpy(sqe, &d, sizeof(d));
	} else {
		struct rio_fs_sqe f = { .opcode = wr ? RIO_WRITE : RIO_READ,
			.off = at,
			.buf_offset = (uint32_t)off,
			.buf_len = o->size,
			.user_data = ud };
		memcpy(sqe, &f, sizeof(f));
	}
}

/*
 * Reap one completion (waiting for it): check it, and for a read the
 * data; give its buffer back.  0 or -1 (said on stderr).
 */
static int
rio_reap(struct rio *o, bool wr)
{
	union {
		struct rio_disk_cqe d;
		struct rio_fs_cqe f;
	} c;
	uint64_t i, ud;
	uint32_t off;
	int64_t bad;
	int err;

	if (redox_ring_wait_cqe(o->ring, &c) < 0) {
		fprintf(stderr,
		    "redox-io: the ring is broken or its scheme is gone\n");
		return -1;
	}
	ud = o->disk ? c.d.user_data : c.f.user_data;
	redox_ring_cqe_seen(o->ring);
	i = ud >> 32;
	off = (uint32_t)ud;
	if (o->disk)
		err = c.d.status != 0 ? c.d.status
		    : c.d.count != o->size ? EIO
					   : 0;
	else
		err = c.f.res == (int32_t)o->size ? 0
		    : c.f.res > 0 && c.f.res < 4096 ? c.f.res
						     : EIO;
	if (i >= o->ops || off > o->pool - o->size) {
		fprintf(stderr, "redox-io: a completion for no request\n");
		return -1;
	}
	if (err != 0) {
		fprintf(stderr, "redox-io: %s of block %" PRIu64 ": %s\n",
		    wr ? "write" : "read", i, strerror(err));
		return -1;
	}
	if (!wr && (bad = rio_check(o, i, o->base + off)) >= 0) {
		fprintf(stderr,
		    "redox-io: block %" PRIu64 " differs at byte %" PRId64
		    " (offset %" PRIu64 ")\n",
		    i, bad, o->offset + i * o->size + (uint64_t)bad);
		return -1;
	}
	/* both ways of giving back, as relibc's tests do */
	if (o->sized && !wr)
		redox_ring_free_buf_sized(o->ring, o->base + off);
	else
		redox_ring_free_buf(o->ring, off);
	return 0;
}

/* One phase: every block written (wr) or read and checked. */
static int
rio_phase(struct rio *o, bool wr)
{
	uint64_t next = 0, done = 0;
	unsigned inflight = 0, pending;
	double t0 = rio_now(), dt;
	uint8_t *p;
	void *sqe;
	int off;

	while (done < o->ops) {
		pending = 0;
		while (next < o->ops && inflight < o->depth) {
			if ((off = rio_alloc(o, &p)) < 0)
				break;
			if ((sqe = redox_ring_get_sqe(o->ring)) == NULL) {
				redox_ring_free_buf(o->ring, (unsigned)off);
				break;
			}
			if (wr)
				rio_fill(o, next, p);
			else
				memset(p, 0, o->size);
			rio_sqe(o, sqe, wr, next, off);
			next++;
			inflight++;
			pending++;
		}
		if (pending > 0 && redox_ring_submit(o->ring) != (int)pending) {
			fprintf(stderr, "redox-io: submit failed\n");
			return -1;
		}
		if (inflight == 0) {
			fprintf(stderr,
			    "redox-io: no pool buffer or SQE for a request\n");
			return -1;
		}
		if (rio_reap(o, wr) < 0)
			return -1;
		inflight--;
		done++;
	}
	dt = rio_now() - t0;
	printf("%s: %" PRIu64 " ops of %u bytes in %.3f s (%.2f MB/s)\n",
	    wr ? "write" : "read and verify", o->ops, o->size, dt,
	    dt > 0 ? (double)o->ops * o->size / 1e6 / dt : 0.0);
	fflush(stdout);
	return 0;
}

/* The kind of path: the disk's entries are numbers ("1"). */
static bool
rio_is_disk(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b != NULL ? b + 1 : path;
	if (*b == '\0')
		return false;
	for (; *b != '\0'; b++)
		if (*b < '0' || *b > '9')
			return false;
	return true;
}

/* Parse the command line into o; 0, or the exit status of a bad one. */
static int
rio_options(struct rio *o, int argc, char **argv)
{
	static char ring_path[4096];
	const char *kind = NULL, *slash;
	uint64_t v;
	int ch;

	while ((ch = getopt(argc, argv, "b:c:e:hk:n:o:p:q:r:S:x:z")) != -1) {
		v = 0;
		switch (ch) {
		case 'b':
		case 'c':
		case 'p':
			if (rio_size(optarg, 1u << 30, &v) < 0 || v == 0)
				goto bad;
			*(ch == 'b' ? &o->size : ch == 'c' ? &o->chunk
							   : &o->pool) = (uint32_t)v;
			break;
		case 'e':
		case 'q':
			if (rio_size(optarg, 65536, &v) < 0 || v == 0)
				goto bad;
			*(ch == 'e' ? &o->entries : &o->depth) = (uint32_t)v;
			break;
		case 'h':
			rio_usage(stdout);
			exit(0);
		case 'k':
			kind = optarg;
			if (strcmp(kind, "disk") != 0 && strcmp(kind, "file") != 0)
				goto bad;
			break;
		case 'n':
			if (rio_size(optarg, UINT32_MAX, &o->ops) < 0 ||
			    o->ops == 0)
				goto bad;
			break;
		case 'o':
			if (rio_size(optarg, UINT64_MAX >> 2, &o->offset) < 0)
				goto bad;
			break;
		case 'r':
			o->ring_path = optarg;
			break;
		case 'S':
			if (setenv("RINGD_SOCKET", optarg, 1) < 0)
				goto bad;
			break;
		case 'x':
			if (rio_size(optarg, UINT64_MAX, &o->seed) < 0)
				goto bad;
			break;
		case 'z':
			o->sized = true;
			break;
		default:
			rio_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		rio_usage(stderr);
		return 2;
	}
	o->path = argv[optind];
	o->disk = kind != NULL ? strcmp(kind, "disk") == 0
			       : rio_is_disk(o->path);
	if (o->ring_path == NULL) {
		/* the scheme's directory: the path without its last part */
		slash = strrchr(o->path, '/');
		if (slash == NULL || slash == o->path ||
		    (size_t)(slash - o->path) >= sizeof(ring_path)) {
			fprintf(stderr,
			    "redox-io: say which scheme with -r: '%s' has no "
			    "directory\n",
			    o->path);
			return 2;
		}
		memcpy(ring_path, o->path, (size_t)(slash - o->path));
		ring_path[slash - o->path] = '\0';
		o->ring_path = ring_path;
	}
	if (o->disk && (o->size % RIO_BLOCK != 0 || o->offset % RIO_BLOCK != 0)) {
		fprintf(stderr,
		    "redox-io: a disk takes sizes and offsets in blocks of "
		    "%u bytes\n",
		    RIO_BLOCK);
		return 2;
	}
	if (o->size > o->pool || (!o->sized && o->size > o->chunk)) {
		fprintf(stderr,
		    "redox-io: an op of %u bytes does not fit a %s of %u\n",
		    o->size, o->sized ? "pool" : "chunk",
		    o->sized ? o->pool : o->chunk);
		return 2;
	}
	return 0;
bad:
	fprintf(stderr, "redox-io: bad value '%s' for -%c\n", optarg, ch);
	rio_usage(stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	struct rio o = { .ops = 32000,
		.size = 4096,
		.chunk = 256u << 10,
		.pool = 4u << 20,
		.entries = 128,
		.depth = 16 };
	int fd, rc, status = 1;

	o.seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	if ((rc = rio_options(&o, argc, argv)) != 0)
		return rc;
	fd = o.disk ? open(o.path, O_RDWR)
		    : open(o.path, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		fprintf(stderr, "redox-io: cannot open '%s': %s\n", o.path,
		    strerror(errno));
		return 1;
	}
	if ((o.ring = calloc(1, redox_ring_sizeof())) == NULL) {
		fprintf(stderr, "redox-io: out of memory\n");
		return 1;
	}
	printf("%s ring on '%s' for '%s': %u entries, pool %u bytes in %s\n",
	    o.disk ? "disk" : "file", o.ring_path, o.path, o.entries, o.pool,
	    o.sized ? "sized allocations" : "chunks");
	fflush(stdout);
	rc = redox_ring_queue_init_with_path(o.entries,
	    o.disk ? sizeof(struct rio_disk_sqe) : sizeof(struct rio_fs_sqe),
	    o.disk ? sizeof(struct rio_disk_cqe) : sizeof(struct rio_fs_cqe),
	    o.pool, o.chunk, o.sized, o.ring, 0, o.ring_path);
	if (rc < 0) {
		fprintf(stderr, "redox-io: cannot set up a ring on '%s': %s\n",
		    o.ring_path, strerror(-rc));
		goto out;
	}
	if ((rc = redox_ring_register_files(o.ring, &fd, 1)) < 0) {
		fprintf(stderr, "redox-io: cannot give '%s' to the ring: %s\n",
		    o.path, strerror(-rc));
	} else if (rio_phase(&o, true) == 0 && rio_phase(&o, false) == 0) {
		printf("verified %" PRIu64 " bytes\n", o.ops * o.size);
		status = 0;
	}
	redox_ring_queue_exit(o.ring);
out:
	free(o.ring);
	close(fd);
	return status;
}
