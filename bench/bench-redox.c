/*
 * bench-redox.c - the Redox disk workload of relibc's redox_ring tests,
 * through libredox-ring, against the same blocks done directly and over
 * the v1 blkdev ring, in the same run, on the same backing file.
 *
 *   redox ring   relibc's disk test loop: 4 KiB blocks written with
 *                'A' + i % 26, then read back into zeroed buffers and
 *                checked, 16 in flight (a 4 MiB pool of 256 KiB chunks,
 *                a 128-entry ring, a submit every 32 entries or whenever
 *                a buffer or an SQE is short), through <redox/ring.h> to
 *                blkdev-scheme's Redox disk protocol, set up by the
 *                bench's private ringd
 *   direct       pwrite/pread of the same blocks from one thread, with
 *                the same fill and check
 *   v1 blkdev    blkdev-driver -m bench on the same scheme and disk, 16 in
 *                flight (physalloc3 buffers, no check)
 *
 * The scheme runs with a disk of its own (blkdev-scheme -s), whose
 * directory the bench finds through ringd (ring_ctl_scheme_root()) to
 * open the disk file "1", as a program under ringctl exec opens
 * /scheme/<name>/1.  One ring serves every round; a phase is timed as
 * relibc's test times it, from the first buffer to the last completion.
 *
 * Depends on libredox-ring, the private ringd of bench-ringd.c and
 * bench-blkdev.c's helpers (starting blkdev-scheme, running
 * blkdev-driver).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redox/ring-scheme.h>
#include <redox/ring.h>
#include <ring/ctl.h>

#include "common/common.h"

#include "bench.h"

/* Limits and sizes, kept together: relibc's test's, and the disk's. */
#define RBX_SCHEME "ring-bench-rdisk"
#define RBX_DISK "256M" /* BENCH_RDX_MAX_OPS blocks */
#define RBX_ENTRIES 128u
#define RBX_POOL (4u << 20)
#define RBX_CHUNK (256u << 10)
#define RBX_SUBMIT_AT 32u /* pending SQEs that make a submit */
#define RBX_SECTOR 512u	  /* the disk protocol's block */
#define RBX_STOP_MS 5000

static struct {
	pid_t scheme; /* 0: not running */
	pid_t owner;
	int start_rc; /* 0 started, < 0 failed (said once), 1 not tried */
	int disk;     /* the scheme's disk file "1" */
	struct redox_ring *ring;
	uint8_t *base; /* the pool, as the ring maps it */
	uint8_t *buf;  /* the direct path's block */
	uint8_t pattern[26][BENCH_RDX_BLOCK];
} rbx = { .start_rc = 1, .disk = -1 };

/* --- the scheme, its disk and the ring --------------------------------- */

/* Has blkdev-scheme given its name a directory yet (and so a ring)? */
static int
rbx_rooted(struct ring_ctl *c, const char *scheme)
{
	int fd, rc;

	if ((rc = ring_ctl_scheme_root(c, scheme, &fd)) < 0)
		return rc;
	close(fd);
	return 0;
}

/* The disk file "1" in the scheme's directory, as ringd knows it. */
static int
rbx_open_disk(void)
{
	struct ring_ctl *c;
	int dir, rc;

	if ((rc = ring_ctl_connect(bench_ringd_socket(), NULL, &c)) < 0)
		return rc;
	rc = ring_ctl_scheme_root(c, RBX_SCHEME, &dir);
	ring_ctl_close(c);
	if (rc < 0)
		return rc;
	rbx.disk = openat(dir, "1", O_RDWR | O_CLOEXEC);
	rc = rbx.disk < 0 ? -errno : 0;
	close(dir);
	return rc;
}

/* relibc's ring: chunk pool, the disk as file 0, the pool's base. */
static int
rbx_ring(void)
{
	uint8_t *p;
	int off, rc;

	if ((rbx.ring = calloc(1, redox_ring_sizeof())) == NULL)
		return -ENOMEM;
	if ((rc = redox_ring_queue_init_with_path(RBX_ENTRIES,
		 sizeof(struct redox_disk_sqe), sizeof(struct redox_disk_cqe),
		 RBX_POOL, RBX_CHUNK, 0, rbx.ring, 0, RBX_SCHEME)) < 0) {
		bench_err("redox disk", "redox_ring_queue_init_with_path", rc);
		free(rbx.ring);
		rbx.ring = NULL;
		return rc;
	}
	if ((rc = redox_ring_register_files(rbx.ring, &rbx.disk, 1)) < 0) {
		bench_err("redox disk", "redox_ring_register_files", rc);
		return rc;
	}
	if ((off = redox_ring_alloc_buf(rbx.ring, &p)) < 0)
		return -ENOBUFS;
	rbx.base = p - off;
	redox_ring_free_buf(rbx.ring, (unsigned)off);
	return 0;
}

static int
rbx_start(void)
{
	char bin[PATH_MAX];
	char *argv[8];
	unsigned i;
	int rc;

	if (rbx.start_rc <= 0)
		return rbx.start_rc;
	rbx.owner = getpid();
	if (bench_ringd_socket() == NULL)
		return rbx.start_rc = -ENOTCONN; /* ringd said why */
	for (i = 0; i < 26; i++)
		memset(rbx.pattern[i], 'A' + (int)i, BENCH_RDX_BLOCK);
	if ((rc = bench_blkdev_bin(0, bin, sizeof(bin))) < 0)
		return rbx.start_rc = rc;
	if (posix_memalign((void **)&rbx.buf, 4096, BENCH_RDX_BLOCK) != 0)
		return rbx.start_rc = -ENOMEM;
	argv[0] = bin;
	argv[1] = "-S";
	argv[2] = (char *)bench_ringd_socket();
	argv[3] = "-n";
	argv[4] = RBX_SCHEME;
	argv[5] = "-s";
	argv[6] = RBX_DISK;
	argv[7] = NULL;
	if ((rc = bench_blkdev_exec(argv, RBX_SCHEME, rbx_rooted,
		 &rbx.scheme)) < 0)
		return rbx.start_rc = rc;
	/* libredox-ring dials ringd as any program does */
	if (setenv("RINGD_SOCKET", bench_ringd_socket(), 1) < 0)
		rc = -errno;
	else if ((rc = rbx_open_disk()) < 0)
		bench_err("redox disk", "the scheme's disk '1'", rc);
	else
		rc = rbx_ring();
	if (rc < 0)
		(void)bench_redox_stop();
	return rbx.start_rc = rc;
}

int
bench_redox_stop(void)
{
	if (getpid() != rbx.owner)
		return 0;
	if (rbx.ring != NULL) {
		redox_ring_queue_exit(rbx.ring);
		free(rbx.ring);
		rbx.ring = NULL;
	}
	bench_close(&rbx.disk);
	free(rbx.buf);
	rbx.buf = NULL;
	return bench_stop_child(&rbx.scheme, rbx.owner, "blkdev-scheme",
	    RBX_STOP_MS);
}

/* --- the three paths --------------------------------------------------- */

/* Block i as the write phase left it: 0, or -EBADMSG (said). */
static int
rbx_check(const char *name, const uint8_t *p, uint64_t i)
{
	if (memcmp(p, rbx.pattern[i % 26], BENCH_RDX_BLOCK) == 0)
		return 0;
	fprintf(stderr, BENCH_NAME ": '%s': block %" PRIu64 " read back wrong\n",
	    name, i);
	return -EBADMSG;
}

/*
 * Reap one completion: its status and count checked, a read's block
 * checked, its buffer freed.  Nothing in it is trusted: the buffer's
 * offset must be a chunk of the pool.
 */
static int
rbx_reap(const char *name, bool wr, unsigned *inflight)
{
	struct redox_disk_cqe cqe;
	uint32_t off;

	if (redox_ring_wait_cqe(rbx.ring, &cqe) < 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': the ring broke or its scheme "
			       "went away\n",
		    name);
		return -EIO;
	}
	redox_ring_cqe_seen(rbx.ring);
	off = (uint32_t)cqe.user_data;
	if (cqe.status != 0 || cqe.count != BENCH_RDX_BLOCK ||
	    off % RBX_CHUNK != 0 || off >= RBX_POOL) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': block %" PRIu64 ": status %u, "
			       "count %u\n",
		    name, cqe.user_data >> 32, cqe.status, cqe.count);
		return -EIO;
	}
	if (!wr && rbx_check(name, rbx.base + off, cqe.user_data >> 32) < 0)
		return -EBADMSG;
	redox_ring_free_buf(rbx.ring, off);
	(*inflight)--;
	return 0;
}

/* No buffer or SQE free: submit what waits, then reap one. */
static int
rbx_make_room(const char *name, bool wr, unsigned *pending,
    unsigned *inflight)
{
	if (*pending > 0) {
		redox_ring_submit(rbx.ring);
		*pending = 0;
	}
	if (*inflight == 0)
		return -ENOBUFS; /* nothing will come back */
	return rbx_reap(name, wr, inflight);
}

/* One phase of relibc's loop over blocks 0..n-1. */
static int
rbx_ring_run(const char *name, bool wr, uint64_t n)
{
	struct redox_disk_sqe *sqe = NULL;
	unsigned pending = 0, inflight = 0;
	uint64_t i;
	uint8_t *buf = NULL;
	int off = -1, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		while (rc == 0 && (off = redox_ring_alloc_buf(rbx.ring, &buf)) < 0)
			rc = rbx_make_room(name, wr, &pending, &inflight);
		while (rc == 0 && (sqe = redox_ring_get_sqe(rbx.ring)) == NULL)
			rc = rbx_make_room(name, wr, &pending, &inflight);
		if (rc < 0)
			break;
		memset(buf, wr ? 'A' + (int)(i % 26) : 0, BENCH_RDX_BLOCK);
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = wr ? REDOX_OP_WRITE : REDOX_OP_READ;
		sqe->file_idx = 0;
		sqe->block = i * (BENCH_RDX_BLOCK / RBX_SECTOR);
		sqe->buf_offset = (uint32_t)off;
		sqe->buf_len = BENCH_RDX_BLOCK;
		sqe->user_data = i << 32 | (uint32_t)off;
		pending++;
		inflight++;
		if (pending >= RBX_SUBMIT_AT) {
			redox_ring_submit(rbx.ring);
			pending = 0;
		}
	}
	if (pending > 0)
		redox_ring_submit(rbx.ring);
	while (rc == 0 && inflight > 0)
		rc = rbx_reap(name, wr, &inflight);
	return rc;
}

/* The same blocks with pwrite/pread from this thread. */
static int
rbx_direct_run(const char *name, bool wr, uint64_t n)
{
	uint64_t i;
	ssize_t k;
	int rc;

	for (i = 0; i < n; i++) {
		memset(rbx.buf, wr ? 'A' + (int)(i % 26) : 0, BENCH_RDX_BLOCK);
		k = wr ? pwrite(rbx.disk, rbx.buf, BENCH_RDX_BLOCK,
			     (off_t)(i * BENCH_RDX_BLOCK))
		       : pread(rbx.disk, rbx.buf, BENCH_RDX_BLOCK,
			     (off_t)(i * BENCH_RDX_BLOCK));
		if (k != BENCH_RDX_BLOCK) {
			rc = k < 0 ? -errno : -EIO;
			bench_err(name, wr ? "pwrite" : "pread", rc);
			return rc;
		}
		if (!wr && (rc = rbx_check(name, rbx.buf, i)) < 0)
			return rc;
	}
	return 0;
}

int
bench_redox_once(const char *name, unsigned what, uint64_t n, double *mibs)
{
	bool wr = BENCH_RDX_OP(what) == BENCH_BLK_WRITE;
	double iops;
	uint64_t t0, dt;
	int rc;

	if ((rc = rbx_start()) < 0)
		return rc;
	if (n > BENCH_RDX_MAX_OPS)
		n = BENCH_RDX_MAX_OPS;
	if (BENCH_RDX_PATH(what) == BENCH_RDX_V1) {
		rc = bench_blkdev_driver(name, RBX_SCHEME, wr, BENCH_RDX_BLOCK,
		    n, BENCH_RDX_DEPTH, n * BENCH_RDX_BLOCK, &iops);
		if (rc == 0)
			*mibs = iops * BENCH_RDX_BLOCK / 1048576.0;
		return rc;
	}
	t0 = clock_ns();
	rc = BENCH_RDX_PATH(what) == BENCH_RDX_RING ? rbx_ring_run(name, wr, n)
						    : rbx_direct_run(name, wr, n);
	dt = clock_ns() - t0;
	if (rc == 0)
		*mibs = (double)(n * BENCH_RDX_BLOCK) / 1048576.0 * 1e9 /
		    (double)(dt > 0 ? dt : 1);
	return rc;
}
