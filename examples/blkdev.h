/*
 * blkdev.h - the protocol between blkdev-scheme (a block device served
 * through ringd, in the host controller's role) and blkdev-driver (the
 * storage driver that uses it).  See ring-blkdev(7).
 *
 * READ and WRITE name their data by a scatter-gather list of physical
 * ranges (physalloc3 memory the driver granted to the ring's scheme
 * through that ring; the scheme refuses any other with -EFAULT):
 *
 *	addr	where the list is: a byte offset in the ring's buffer pool,
 *		or, with BLKDEV_SQE_LIST_PHYS in syscall_flags, a physical
 *		address in a region granted to the scheme through this ring
 *	len	size of the list in bytes: nsegs * sizeof(struct
 *		ring_phys_seg), at most BLKDEV_MAX_SEGS segments
 *	offset	device byte offset, a multiple of BLKDEV_SECTOR
 *
 * The transfer is the sum of the segment lengths, a multiple of
 * BLKDEV_SECTOR and at most BLKDEV_MAX_XFER; the completion's status is
 * that byte count, or a negative errno (see the man page for which).
 */
#ifndef BLKDEV_H
#define BLKDEV_H

#include <stdint.h>

#include <ring/phys.h>

#define BLKDEV_SECTOR 512u	   /* offsets and lengths: multiples */
#define BLKDEV_MAX_SEGS 256u	   /* segments per request */
#define BLKDEV_MAX_XFER (4u << 20) /* bytes per request */
#define BLKDEV_DEFAULT_NAME "blkdev"

/* SQE syscall_flags of READ and WRITE. */
#define BLKDEV_SQE_LIST_PHYS 0x1u /* addr is a physical address */

/*
 * Device commands (producer-specific opcodes).
 *
 * IDENTIFY: addr/len name a buffer in the ring's pool of at least
 *	sizeof(struct blkdev_identify) bytes; the scheme fills it and
 *	answers with the bytes written.
 * CAPACITY: the device size in sectors.
 * RELEASE: addr is a physical address the driver is about to free; the
 *	scheme drops its mapping of the region holding it, when granted
 *	through this ring (0, also when it held none), so a region
 *	allocated later at the same address is mapped afresh.
 */
enum blkdev_op {
	BLKDEV_OP_IDENTIFY = 128,
	BLKDEV_OP_CAPACITY = 129,
	BLKDEV_OP_RELEASE = 130,
};

#define BLKDEV_IDENT_MAGIC 0x31766b6c62ull /* "blkv1" */

/* blkdev_identify.flags */
#define BLKDEV_DMA32 0x1u /* the device addresses only the low 4 GiB */

/* What IDENTIFY returns (native-endian, reserved fields zero). */
struct blkdev_identify {
	uint64_t magic;	   /* BLKDEV_IDENT_MAGIC */
	uint64_t capacity; /* device size in bytes */
	uint32_t sector;   /* BLKDEV_SECTOR */
	uint32_t flags;	   /* BLKDEV_DMA32 */
	uint32_t max_segs; /* segments per request */
	uint32_t max_xfer; /* bytes per request */
	char model[32];	   /* NUL-terminated */
	char serial[16];   /* NUL-terminated */
};

_Static_assert(sizeof(struct blkdev_identify) == 80, "identify size");

#endif /* BLKDEV_H */
