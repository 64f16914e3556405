/*
 * blkdev-redox.c - blkdev-scheme's Redox disk ring protocol (see
 * blkdev-redox.h): the private directory whose entry "1" is the disk,
 * the file table check (only the disk itself may go in) and the answer
 * to one struct redox_disk_sqe.
 *
 * Upstream's disk scheme panics on a buffer outside the pool or a length
 * that is not a whole number of blocks; here such a request gets an error
 * CQE (EFAULT, EINVAL) and the ring goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkdev-redox.h"

#define BLK_REDOX_BLOCK 512u /* the protocol's block size */

static const char blk_redox_prog[] = "blkdev-scheme";

int
blk_redox_make(struct blk_redox *x, const char *path)
{
	int fd = -1, rc, k;

	x->dirfd = -1;
	rc = rsv_mkdtemp("blkdev", "/tmp", x->dir, sizeof(x->dir));
	k = snprintf(x->disk, sizeof(x->disk), "%s/" BLK_REDOX_DISK, x->dir);
	if (rc == 0 && (k < 0 || (size_t)k >= sizeof(x->disk)))
		rc = -ENAMETOOLONG;
	if (rc == 0 && path == NULL) {
		fd = open(x->disk, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		rc = fd < 0 ? -errno : 0;
	} else if (rc == 0) {
		rc = link(path, x->disk) < 0 ? -errno : 0;
		fd = rc == 0 ? open(x->disk, O_RDWR | O_CLOEXEC) : -1;
		if (rc == 0 && fd < 0)
			rc = -errno;
	}
	if (rc < 0) {
		fprintf(stderr,
		    "%s: cannot make the disk's namespace%s%s: %s%s\n",
		    blk_redox_prog, x->dir[0] ? " in " : "", x->dir,
		    strerror(-rc),
		    path != NULL ? "; serving the v1 protocol only" : "");
		if (x->dir[0] != '\0')
			(void)rsv_rmtree(x->dir);
		x->dir[0] = '\0';
		return rc;
	}
	/* gone with us, even when we are killed */
	if ((rc = rsv_rmtree_at_exit(x->dir)) < 0)
		fprintf(stderr, "%s: '%s' will stay if the scheme is killed: %s\n",
		    blk_redox_prog, x->dir, strerror(-rc));
	x->on = true;
	return fd;
}

int
blk_redox_set_disk(struct blk_redox *x, int fd, uint64_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	x->dev = st.st_dev;
	x->ino = st.st_ino;
	x->nblocks = size / BLK_REDOX_BLOCK;
	return 0;
}

/* A file table entry must be the disk itself (Redox: the same scheme). */
static int
blk_redox_file_ok(void *ctx, int fd)
{
	struct blk_redox *x = ctx;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if (st.st_dev != x->dev || st.st_ino != x->ino)
		return -EXDEV;
	return 0;
}

/* The errno one request earns, 0 when it was done. */
static int
blk_redox_do(struct blk_redox *x, struct redox_sring *r,
    const struct redox_disk_sqe *q)
{
	uint64_t nb = q->buf_len / BLK_REDOX_BLOCK;
	int64_t n;
	void *buf;

	if (q->file_idx >= r->nfiles || r->files[q->file_idx] < 0)
		return EBADF;
	if (q->opcode != REDOX_OP_READ && q->opcode != REDOX_OP_WRITE)
		return EOPNOTSUPP;
	if ((buf = redox_sring_buf(r, q->buf_offset, q->buf_len)) == NULL)
		return EFAULT;
	if (q->buf_len % BLK_REDOX_BLOCK != 0)
		return EINVAL;
	if (q->block > x->nblocks || nb > x->nblocks - q->block)
		return EOVERFLOW;
	n = rsv_pio(r->files[q->file_idx], q->opcode == REDOX_OP_WRITE, buf,
	    q->buf_len, q->block * BLK_REDOX_BLOCK);
	if (n < 0)
		return (int)-n;
	return (uint64_t)n == q->buf_len ? 0 : EIO;
}

static bool
blk_redox_serve(void *ctx, struct redox_sring *r, const void *sqe, void *cqe)
{
	const struct redox_disk_sqe *q = sqe;
	struct redox_disk_cqe *c = cqe;
	struct blk_redox *x = ctx;
	int err = blk_redox_do(x, r, q);

	c->user_data = q->user_data;
	c->count = err == 0 ? q->buf_len : 0;
	c->status = (uint16_t)err;
	if (err != 0 && x->verbose)
		fprintf(stderr,
		    "%s: disk ring %" PRIu64 ": opcode %u block %" PRIu64
		    " length %u: %s\n",
		    blk_redox_prog, r->ring_id, q->opcode, q->block, q->buf_len,
		    strerror(err));
	return err != 0;
}

static const struct rsv_proto blk_redox_proto = {
	.what = "disk",
	.sqe_size = sizeof(struct redox_disk_sqe),
	.cqe_size = sizeof(struct redox_disk_cqe),
	.file_ok = blk_redox_file_ok,
	.serve = blk_redox_serve,
};

void
blk_redox_start(struct blk_redox *x, struct ring_ctl *c, const char *name,
    int ep)
{
	int rc;

	if (!x->on)
		return;
	x->dirfd = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc = x->dirfd < 0 ? -errno
			  : ring_ctl_scheme_set(c, name,
				RING_CTL_SERVE_REDOX | RING_CTL_SERVE_ROOT,
				x->dirfd);
	if (rc < 0) {
		fprintf(stderr,
		    "%s: cannot serve redox rings on '%s': %s; serving the "
		    "v1 protocol only\n",
		    blk_redox_prog, name, strerror(-rc));
		x->on = false;
		return;
	}
	rsv_init(&x->rsv, blk_redox_prog, &blk_redox_proto, x, c, ep);
	x->rsv.verbose = x->verbose;
	fprintf(stderr,
	    "%s: serving the Redox disk ring protocol: namespace '%s', "
	    "disk '%s' (%" PRIu64 " blocks of %u bytes)\n",
	    blk_redox_prog, x->dir, BLK_REDOX_DISK, x->nblocks,
	    BLK_REDOX_BLOCK);
}

void
blk_redox_stop(struct blk_redox *x)
{
	int rc;

	if (x->rsv.proto != NULL) {
		rsv_drop_all(&x->rsv, "scheme stopping");
		fprintf(stderr,
		    "%s: %" PRIu64 " disk ring requests on %" PRIu64
		    " rings, %" PRIu64 " errors\n",
		    blk_redox_prog, x->rsv.requests, x->rsv.nrings,
		    x->rsv.errors);
	}
	if (x->dirfd >= 0)
		close(x->dirfd);
	x->dirfd = -1;
	if (x->dir[0] != '\0' && (rc = rsv_rmtree(x->dir)) < 0)
		fprintf(stderr, "%s: cannot remove '%s': %s\n", blk_redox_prog,
		    x->dir, strerror(-rc));
	x->dir[0] = '\0';
	x->on = false;
}
