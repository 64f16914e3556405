/*
 * phys-int.h - what ringd's physical memory files share, and nothing else
 * includes: the region, uid and zone records, the one phys_state, and the
 * helpers one file calls in another.
 *
 *	phys.c		zones, regions, allocation, free, quotas, listing
 *	phys-map.c	mapping a region's memory file, grants over rings
 *	phys-adopt.c	regions across a restart: save, restore, adoption
 *
 * The rest of ringd sees only the phys_* functions of ringd.h.
 */
#ifndef RINGD_PHYS_INT_H
#define RINGD_PHYS_INT_H

#include "range.h"
#include "ringd.h"

struct phys_region {
	RB_ENTRY(phys_region) node; /* by base */
	uint64_t id;
	uint64_t base;
	uint64_t size;
	uint32_t zone;
	uint32_t flags; /* RING_PHYS_PERSIST */
	struct ring_ctl_peer owner;
	uint64_t client_id; /* 0 once the client left */
	uint64_t created_ns;
	int memfd; /* -1 until first mapped */
	uint32_t ngrants;
	struct ring_phys_grant grant[RING_PHYS_GRANT_MAX];
	/* restored after a restart: grant i waits for this side of its ring
	 * (PHYS_GRANT_*) to come back, its client_id 0 meanwhile */
	uint8_t gwait[RING_PHYS_GRANT_MAX];
	/* restored after a restart, until adopted or the adopt window ends */
	bool waiting;	/* in the window: PHYS_ADOPT may name it */
	bool claimable; /* a connection held it: one of its uid may claim */
	bool mem_known; /* mem_dev/mem_ino: the file its memory is in */
	uint64_t mem_dev, mem_ino;
	/* live connections that received the memory file (physfree's EBUSY) */
	uint64_t *mapper;
	uint32_t nmappers, mapper_cap;
};

/* What one uid holds, for its quota. */
struct phys_uid {
	RB_ENTRY(phys_uid) node;
	uint32_t uid;
	uint32_t regions;
	uint64_t bytes;
	uint64_t zone_bytes[RING_PHYS_ZONES]; /* bytes in each zone */
};

/* A memory file handed back at start, by identity. */
struct phys_memfd {
	uint64_t dev, ino;
	int fd;
};

struct phys_zone {
	uint64_t base;
	uint64_t size;
	uint64_t used;
	uint32_t regions;
	struct range_set free;
};

RB_HEAD(phys_region_tree, phys_region);
RB_HEAD(phys_uid_tree, phys_uid);
RB_PROTOTYPE(phys_region_tree, phys_region, node, phys_region_cmp)
RB_PROTOTYPE(phys_uid_tree, phys_uid, node, phys_uid_cmp)

/* The whole of ringd's physical memory. */
struct phys_state {
	struct phys_zone zone[RING_PHYS_ZONES];
	struct phys_region_tree regions;
	struct phys_uid_tree uids;
	uint32_t nregions;
	uint32_t nwaiting; /* restored regions still in the adopt window */
	uint64_t next_id;
	bool opt_set[RING_PHYS_ZONES]; /* -z given: overrides ringd.conf */
	uint64_t opt_size[RING_PHYS_ZONES];
};

extern struct phys_state phys;

#define PHYS_FRAME ((uint64_t)RING_PHYS_FRAME)
#define PHYS_KNOWN_FLAGS \
	(RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64 | RING_PHYS_PARTIAL_ALLOC | \
	    RING_PHYS_STRATEGY_MASK)
#define PHYS_GRANT_CONSUMER 1 /* gwait: the ring's consumer */
#define PHYS_GRANT_PRODUCER 2 /* gwait: the ring's scheme */
#define PHYS_MAP_FLAGS \
	(RING_PHYSMAP_WRITE | RING_PHYSMAP_WRITE_COMBINE | \
	    RING_PHYSMAP_NO_CACHE)

/* phys.c */
struct phys_region *phys_find(uint64_t addr);
struct phys_uid *phys_uid_get(uint32_t uid, bool create);
void phys_uid_put(struct phys_uid *u);
bool phys_owns(const struct client *c, const struct phys_region *r);
bool phys_grant_is(const struct client *c, struct phys_region *r, uint32_t i);
void phys_grant_drop(struct phys_region *r, uint32_t i);
bool phys_round(uint64_t *len);
void phys_region_insert(struct phys_region *r, struct phys_uid *u);
void phys_region_free(struct phys_region *r);
uint64_t phys_zone_share(unsigned zone);

/* phys-map.c */
int phys_mapper_add(struct phys_region *r, uint64_t id);
void phys_mapper_del(struct phys_region *r, uint64_t id);

#endif /* RINGD_PHYS_INT_H */
