/*
 * blkdev-redox.h - blkdev-scheme's second protocol: the Redox disk ring
 * protocol of relibc's redox_ring (struct redox_disk_sqe/cqe, 512-byte
 * blocks), served beside the v1 protocol on the same backing file, which
 * is entry "1" of the scheme's private directory namespace (ring-blkdev(7)).
 * Private to blkdev-scheme.
 */
#ifndef BLKDEV_REDOX_H
#define BLKDEV_REDOX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "redox-serve.h"

#define BLK_REDOX_DISK "1" /* the disk's name in the namespace */

struct blk_redox {
	bool on;	      /* the namespace is there: serve the protocol */
	bool verbose;
	char dir[PATH_MAX];   /* the private directory, "" when none */
	char disk[PATH_MAX];  /* dir/1 */
	int dirfd;	      /* dir, for ringd (-1 when not open) */
	uint64_t nblocks;     /* disk size in 512-byte blocks */
	dev_t dev;	      /* the backing file's identity */
	ino_t ino;
	struct rsv rsv;
};

/*
 * Make the private directory and in it the disk: with path NULL a new
 * file (the caller sizes it), else a hard link to path.  Returns the
 * disk's open descriptor (O_RDWR) or -errno; with path NULL a failure
 * ends the program, with path given it means the v1 protocol only (said
 * on stderr; x->on false, and the caller opens path itself).
 */
int blk_redox_make(struct blk_redox *x, const char *path);
/* The backing file is open and sized: note its identity and size. */
int blk_redox_set_disk(struct blk_redox *x, int fd, uint64_t size);
/*
 * Serve the protocol on name through c (after the name is registered),
 * doorbells in epoll ep; when ringd cannot, say so and serve v1 only.
 */
void blk_redox_start(struct blk_redox *x, struct ring_ctl *c,
    const char *name, int ep);
/* Drop the rings and remove the directory. */
void blk_redox_stop(struct blk_redox *x);

#endif /* BLKDEV_REDOX_H */
