/*
 * ring/phys.h - physalloc3: ringd's simulated physical address space.
 *
 * ringd keeps two zones of simulated physical memory: zone 32 ends at
 * 4 GiB exactly (so every address in it fits 32 bits) and zone 64 starts
 * at 4 GiB.  A process allocates contiguous ranges from them with Redox's
 * physalloc3 semantics, maps what it may access into its address space,
 * grants a region to the peer of a ring it is on (a scheme acting as a
 * device), and frees it.  Memory is backed lazily: a zone costs nothing
 * until pages of an allocated region are touched through a mapping.
 *
 * Every region has its own sealed memory file, created when it is first
 * mapped; a mapping therefore reaches exactly that region and nothing
 * else.  A region freed while mapped keeps its pages for the mappings that
 * still hold them; a later allocation at the same address gets fresh,
 * zeroed memory.
 *
 * Conventions as in <ring/ring.h>: >= 0 on success, -errno on failure,
 * nothing prints.  Sizes are bytes rounded up to RING_PHYS_FRAME.
 *
 * Errors common to these calls:
 *   -EINVAL  bad flags or sizes, or no allocated region where one is named
 *   -ENOMEM  nothing fits (physalloc3)
 *   -EPERM   not permitted: allocation by a non-root uid when ringd.conf
 *            does not allow it; freeing, mapping or granting a region
 *            the caller does not own (and is not root, or a grantee)
 *   -EDQUOT  the caller's uid is over its quota (bytes or regions)
 */
#ifndef RING_PHYS_H
#define RING_PHYS_H

#include <stddef.h>
#include <stdint.h>

#include <ring/ctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RING_PHYS_FRAME 4096u	    /* allocation granule, bytes */
#define RING_PHYS_4G 0x100000000ull /* end of zone 32, start of zone 64 */

/* physalloc3 flags (Redox syscall::flags::PhysallocFlags, exact values). */
#define RING_PHYS_SPACE_32 0x1u	     /* the whole range below 4 GiB */
#define RING_PHYS_SPACE_64 0x2u	     /* anywhere */
#define RING_PHYS_PARTIAL_ALLOC 0x4u /* may return less than size, >= min */
/* Strategy field, valid only (and required) with PARTIAL_ALLOC. */
#define RING_PHYS_STRATEGY_MASK 0x30000u
#define RING_PHYS_OPTIMAL \
	0x10000u			  /* smallest range holding all of
					     size, else the largest >= min */
#define RING_PHYS_GREATEST_RANGE 0x20000u /* the largest free range >= min */
#define RING_PHYS_GREEDY 0x30000u	  /* the first free range >= min */

/*
 * Where a request may land: SPACE_32 allocates from zone 32 only.
 * Otherwise zone 64 is tried first and zone 32 after it (low memory is
 * kept for those who need it), except GREATEST_RANGE, which takes the
 * largest free range of both (zone 64 on a tie).  Without PARTIAL_ALLOC
 * the first range holding all of size is taken.  Ranges never span the
 * 4 GiB line.
 */

/* Region flags (ring_physalloc3_region()). */
#define RING_PHYS_PERSIST 0x1u /* outlives the allocating connection */

/* ring_physmap() flags (Redox PhysmapFlags; caching bits are accepted
 * and have no effect on simulated memory). */
#define RING_PHYSMAP_WRITE 0x1u /* writable mapping, else read-only */
#define RING_PHYSMAP_WRITE_COMBINE 0x2u
#define RING_PHYSMAP_NO_CACHE 0x4u

/* Zones. */
enum ring_phys_zone_id {
	RING_PHYS_ZONE_32 = 0, /* [4 GiB - size, 4 GiB) */
	RING_PHYS_ZONE_64 = 1, /* [4 GiB, 4 GiB + size) */
	RING_PHYS_ZONES = 2,
};

/* Grants one region may carry at once. */
#define RING_PHYS_GRANT_MAX 8

/* One zone: a record of ring_phys_list_zones(). */
struct ring_phys_zone {
	uint32_t zone; /* enum ring_phys_zone_id */
	uint32_t reserved;
	uint64_t base;	       /* first address */
	uint64_t size;	       /* bytes; 0: the zone is disabled */
	uint64_t used;	       /* bytes in allocated regions */
	uint64_t free;	       /* bytes free */
	uint64_t largest_free; /* the largest free range, bytes */
	uint32_t free_ranges;  /* number of free ranges (fragmentation) */
	uint32_t regions;      /* allocated regions */
};

/* One free range: a record of ring_phys_list_free(), in address order. */
struct ring_phys_range {
	uint64_t base;
	uint64_t size;
	uint32_t zone; /* enum ring_phys_zone_id */
	uint32_t reserved;
};

/* A ring peer a region is shared with. */
struct ring_phys_grant {
	uint64_t ring_id;   /* the ring the grant was made through */
	uint64_t client_id; /* the connection it was made to */
};

/* One allocated region: a record of ring_phys_list_regions(). */
struct ring_phys_region {
	uint64_t region_id;
	uint64_t base;
	uint64_t size;
	uint32_t zone;		    /* enum ring_phys_zone_id */
	uint32_t flags;		    /* RING_PHYS_PERSIST */
	struct ring_ctl_peer owner; /* who allocated it (uid owns it) */
	uint64_t client_id;	    /* allocating connection; 0 once gone */
	uint64_t age_ns;
	uint32_t grants; /* valid entries of grant[] */
	uint32_t mapped; /* 1: its memory file exists (was mapped) */
	struct ring_phys_grant grant[RING_PHYS_GRANT_MAX];
};

/* --- allocation ------------------------------------------------------ */

/*
 * physalloc3: allocate one contiguous range of size bytes with flags
 * (RING_PHYS_SPACE_*, PARTIAL_ALLOC, a strategy).  *min is the least the
 * caller accepts (in: bytes, > 0; read only with PARTIAL_ALLOC) and on
 * success holds the bytes actually allocated (out).  Fills *base.
 *
 * -EINVAL: SPACE_32 and SPACE_64 together, unknown bits, PARTIAL_ALLOC
 * without a strategy or a strategy without PARTIAL_ALLOC, size or *min 0
 * (or *min above size with PARTIAL_ALLOC).  -ENOMEM: nothing fits.
 * -EPERM: the caller may not allocate.  -EDQUOT: over the uid's quota.
 *
 * The region belongs to the caller's uid and dies with this connection.
 */
int ring_physalloc3(struct ring_ctl *c, uint64_t size, uint32_t flags,
    uint64_t *min, uint64_t *base);

/*
 * The same with region flags (RING_PHYS_PERSIST: the region stays until
 * freed explicitly, by any connection of the owner's uid or root), and
 * the new region's id in *region_id (may be NULL).
 */
int ring_physalloc3_region(struct ring_ctl *c, uint64_t size, uint32_t flags,
    uint32_t region_flags, uint64_t *min, uint64_t *base, uint64_t *region_id);

/*
 * physfree: give back the region that starts at base; size must round to
 * its size.  -EINVAL when no region is exactly [base, base + size),
 * -EPERM when the caller's uid does not own it (root may free any).
 * -EBUSY when another connection uses it (see ring_physfree_flags()); the
 * connection that allocated a region may always free it.
 */
int ring_physfree(struct ring_ctl *c, uint64_t base, uint64_t size);

/* ring_physfree_flags() flags. */
#define RING_PHYSFREE_FORCE 0x1u /* free it even while it is in use */

/* How a connection uses a region: bits of ring_phys_user.use. */
#define RING_PHYS_USE_OWNER 0x1u   /* it allocated the region */
#define RING_PHYS_USE_MAPPED 0x2u  /* it received the region's memory */
#define RING_PHYS_USE_GRANTED 0x4u /* granted to it through a live ring */

/* Users one refusal names at most. */
#define RING_PHYS_USERS_MAX 16

/* A live connection other than the caller that uses a region. */
struct ring_phys_user {
	uint64_t client_id;	   /* the connection */
	uint64_t ring_id;	   /* USE_GRANTED: a ring of the grant, else 0 */
	uint32_t use;		   /* RING_PHYS_USE_* */
	uint32_t reserved;
	struct ring_ctl_peer peer; /* its process */
};

/*
 * physfree with flags.  A region is in use while a live connection other
 * than the caller allocated it (its owner connection), received its
 * memory through physmap or a resolver, or holds a grant through a live
 * ring; such a region is refused with -EBUSY unless flags has
 * RING_PHYSFREE_FORCE, so memory a driver and its scheme still use never
 * goes to the next allocation by mistake.  The connection that allocated
 * the region is never refused: it made the grants and tells its peers.
 * Whoever may free may force (the owner's uid, or root).  After a forced
 * free, mappings already made keep their pages (they are memory-file
 * pages, not the range), but the range is free for the next allocation
 * and the grants are gone.
 *
 * On -EBUSY, when users is not NULL, up to *nusers entries (in: room,
 * out: filled, at most RING_PHYS_USERS_MAX) say who uses the region.
 * -EINVAL: an unknown flag, or as ring_physfree().
 */
int ring_physfree_flags(struct ring_ctl *c, uint64_t base, uint64_t size,
    uint32_t flags, struct ring_phys_user *users, uint32_t *nusers);

/* --- mapping ---------------------------------------------------------- */

/*
 * physmap: map [base, base + size) into our address space; the range must
 * lie within one allocated region whose owner we are (same uid, or root)
 * or which was granted to this connection.  flags: RING_PHYSMAP_*.  On
 * success *ptr points at base.  -EINVAL: no region holds the range,
 * -EPERM: not ours.  Undo with ring_physunmap().
 */
int ring_physmap(struct ring_ctl *c, uint64_t base, uint64_t size,
    uint32_t flags, void **ptr);
int ring_physunmap(void *ptr, uint64_t size);

/* --- sharing with a ring peer ---------------------------------------- */

/*
 * Grant the region holding address base to the other side of ring
 * ring_id, which this connection must be on (consumer or scheme); the
 * peer may then map it and resolve addresses in it.  Owner (or root)
 * only.  A grant lasts until revoked, the region is freed, or the peer
 * disconnects; revoking does not undo mappings the peer already made.
 * -ENOENT: no such ring; -ENOTCONN: the ring has no peer connection (a
 * built-in scheme, or it left); -ENOSPC: RING_PHYS_GRANT_MAX reached.
 */
int ring_phys_grant(struct ring_ctl *c, uint64_t base, uint64_t ring_id);
int ring_phys_revoke(struct ring_ctl *c, uint64_t base, uint64_t ring_id);

/*
 * Peer side: the address in our memory of [phys, phys + len), which must
 * lie within one region we may map.  The first use of a region maps all
 * of it, writable, and caches the mapping on this connection, so later
 * lookups are a table search with no message to ringd.  -EINVAL/-EPERM as ring_physmap().
 *
 * The cache is not told when a region is freed: drop an entry with
 * ring_phys_release() once the owner says the memory is gone (a region
 * allocated again at the same address is new memory).  ring_ctl_close()
 * unmaps everything cached.
 */
int ring_phys_resolve(struct ring_ctl *c, uint64_t phys, uint64_t len,
    void **ptr);
/*
 * The same for one ring this connection serves as its scheme: the region
 * must have been granted to us through ring ring_id (owning it, or a grant
 * through another ring, is not enough), so a scheme serving many drivers
 * reaches for each request only the memory of the driver that sent it.
 * The cache remembers which rings ringd confirmed for each region: a hit
 * is a table search.  *base (when not NULL) gets the base of the region
 * holding phys.  -EPERM: not granted through that ring, or we are not its
 * scheme; -ENOENT: no such ring; -EINVAL as ring_physmap().
 */
int ring_phys_resolve_ring(struct ring_ctl *c, uint64_t ring_id, uint64_t phys,
    uint64_t len, void **ptr, uint64_t *base);
/* Drop the cached mapping of the region holding phys (-ENOENT: none). */
int ring_phys_release(struct ring_ctl *c, uint64_t phys);

/* --- scatter-gather lists -------------------------------------------- */

struct ring_phys_seg {
	uint64_t base;
	uint64_t len;
};

struct ring_phys_sg {
	uint64_t total;	       /* bytes, sum of seg[].len */
	uint32_t region_flags; /* what the regions were allocated with */
	uint32_t nsegs;
	struct ring_phys_seg seg[]; /* in allocation order */
};

/*
 * Build a scatter-gather list of size bytes out of partial allocations of
 * at least min bytes each (the last may be smaller when less remains),
 * each segment the one physalloc3 would return for all that is still
 * missing, and a region of its own.  flags: RING_PHYS_SPACE_32 or
 * SPACE_64 and optionally a strategy (default GREATEST_RANGE);
 * PARTIAL_ALLOC is implied.  ringd builds the list in one request (one
 * more for each further 2729 segments).  On any failure nothing is kept
 * and *ret is untouched.  At most RING_PHYS_SG_MAX segments (-E2BIG).
 * *ret is malloc'ed; free it with ring_phys_sg_free().
 */
#define RING_PHYS_SG_MAX 65536u
int ring_phys_sg_alloc(struct ring_ctl *c, uint64_t size, uint64_t min,
    uint32_t flags, uint32_t region_flags, struct ring_phys_sg **ret);
/*
 * Free every segment of sg and sg itself (NULL is fine).  Returns 0, or
 * the first error met; the list is freed whatever happens.
 */
int ring_phys_sg_free(struct ring_ctl *c, struct ring_phys_sg *sg);

/* --- introspection --------------------------------------------------- */

/* Lists are malloc'ed arrays the caller frees (like ring_ctl_list_*). */
int ring_phys_list_zones(struct ring_ctl *c, struct ring_phys_zone **v,
    size_t *n);
/* Free ranges of both zones in address order; filter by .zone. */
int ring_phys_list_free(struct ring_ctl *c, struct ring_phys_range **v,
    size_t *n);
/* Allocated regions in address order. */
int ring_phys_list_regions(struct ring_ctl *c, struct ring_phys_region **v,
    size_t *n);

/* "32" or "64"; "?" for anything else. */
const char *ring_phys_zone_name(uint32_t zone);

#ifdef __cplusplus
}
#endif

#endif /* RING_PHYS_H */
