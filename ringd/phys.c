/*
 * phys.c - physalloc3: ringd's simulated physical address space.
 *
 * Two zones, zone 32 ending at 4 GiB and zone 64 starting there, each a
 * set of free frames (lib/range.c) that coalesces on free, so
 * fragmentation is real.  Allocated regions live in a tree by base
 * address; a per-uid table carries the quota.  A region's memory is a
 * sealed memory file of its own, created the first time someone maps the
 * region, so an idle zone and an unmapped region cost no memory and no
 * descriptor, and whoever maps a region reaches that region alone.
 *
 * Access: the uid that allocated a region owns it; it (or root) may map,
 * free and grant it.  A grant names the other side of a ring the granter
 * is on and lets that connection map the region too; a map request that
 * names a ring is served only to that ring's scheme under a grant made
 * through that ring, so a scheme keeps its drivers' memory apart.  A
 * region dies with the connection that allocated it unless it is
 * persistent.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static struct {
	struct phys_zone zone[RING_PHYS_ZONES];
	struct phys_region_tree regions;
	struct phys_uid_tree uids;
	uint32_t nregions;
	uint32_t nwaiting; /* restored regions still in the adopt window */
	uint64_t next_id;
	bool opt_set[RING_PHYS_ZONES]; /* -z given: overrides ringd.conf */
	uint64_t opt_size[RING_PHYS_ZONES];
} phys = {
	.regions = RB_INITIALIZER(&phys.regions),
	.uids = RB_INITIALIZER(&phys.uids),
};

static int
phys_region_cmp(struct phys_region *a, struct phys_region *b)
{
	return a->base < b->base ? -1 : a->base > b->base;
}

static int
phys_uid_cmp(struct phys_uid *a, struct phys_uid *b)
{
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

RB_GENERATE(phys_region_tree, phys_region, node, phys_region_cmp)
RB_GENERATE(phys_uid_tree, phys_uid, node, phys_uid_cmp)

#define PHYS_FRAME ((uint64_t)RING_PHYS_FRAME)
#define PHYS_KNOWN_FLAGS \
	(RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64 | RING_PHYS_PARTIAL_ALLOC | \
	    RING_PHYS_STRATEGY_MASK)
#define PHYS_GRANT_CONSUMER 1 /* gwait: the ring's consumer */
#define PHYS_GRANT_PRODUCER 2 /* gwait: the ring's scheme */
#define PHYS_MAP_FLAGS \
	(RING_PHYSMAP_WRITE | RING_PHYSMAP_WRITE_COMBINE | \
	    RING_PHYSMAP_NO_CACHE)

/* --- setup ------------------------------------------------------------- */

/* A byte count with an optional k, M or G suffix; -EINVAL otherwise. */
static int
phys_parse_size(const char *s, uint64_t *out)
{
	unsigned long long n;
	char *end;
	int shift = 0;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	else if (*end == 't' || *end == 'T')
		shift = 40;
	if (shift != 0)
		end++;
	if (*end != '\0' || n > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}

/*
 * -z 32=SIZE or -z 64=SIZE: a zone size that overrides ringd.conf.
 * Returns 0, or -EINVAL after printing why.
 */
int
phys_option(const char *arg)
{
	uint64_t size, cap;
	unsigned z;

	if (strncmp(arg, "32=", 3) == 0)
		z = RING_PHYS_ZONE_32, cap = RINGD_CAP_PHYS_ZONE32;
	else if (strncmp(arg, "64=", 3) == 0)
		z = RING_PHYS_ZONE_64, cap = RINGD_CAP_PHYS_ZONE64;
	else {
		fprintf(stderr,
		    "ringd: bad zone size '%s': use 32=SIZE or "
		    "64=SIZE\n",
		    arg);
		return -EINVAL;
	}
	if (phys_parse_size(arg + 3, &size) < 0 || size > cap ||
	    size % PHYS_FRAME != 0) {
		fprintf(stderr,
		    "ringd: bad zone size '%s': a multiple of 4k "
		    "up to %lluG\n",
		    arg, (unsigned long long)(cap >> 30));
		return -EINVAL;
	}
	phys.opt_set[z] = true;
	phys.opt_size[z] = size;
	return 0;
}

/* Lay the zones out; their sizes are fixed from here on. */
int
phys_init(void)
{
	uint64_t size[RING_PHYS_ZONES];
	unsigned z;
	int rc;

	size[RING_PHYS_ZONE_32] = phys.opt_set[RING_PHYS_ZONE_32]
	    ? phys.opt_size[RING_PHYS_ZONE_32]
	    : ringd.conf.phys_zone32_bytes;
	size[RING_PHYS_ZONE_64] = phys.opt_set[RING_PHYS_ZONE_64]
	    ? phys.opt_size[RING_PHYS_ZONE_64]
	    : ringd.conf.phys_zone64_bytes;
	phys.zone[RING_PHYS_ZONE_32].base = RING_PHYS_4G -
	    size[RING_PHYS_ZONE_32];
	phys.zone[RING_PHYS_ZONE_64].base = RING_PHYS_4G;
	for (z = 0; z < RING_PHYS_ZONES; z++) {
		phys.zone[z].size = size[z];
		rc = range_init(&phys.zone[z].free, phys.zone[z].base, size[z]);
		if (rc < 0)
			return rc;
	}
	log_debug("physical memory: zone 32 %#llx-%#llx, zone 64 "
		  "%#llx-%#llx",
	    (unsigned long long)phys.zone[0].base,
	    (unsigned long long)(phys.zone[0].base + phys.zone[0].size),
	    (unsigned long long)phys.zone[1].base,
	    (unsigned long long)(phys.zone[1].base + phys.zone[1].size));
	return 0;
}

static void
phys_region_destroy(struct phys_region *r)
{
	if (r->memfd >= 0)
		close(r->memfd);
	free(r->mapper);
	free(r);
}

void
phys_fini(void)
{
	struct phys_region *r;
	struct phys_uid *u;
	unsigned z;

	while ((r = RB_MIN(phys_region_tree, &phys.regions)) != NULL) {
		RB_REMOVE(phys_region_tree, &phys.regions, r);
		phys_region_destroy(r);
	}
	while ((u = RB_MIN(phys_uid_tree, &phys.uids)) != NULL) {
		RB_REMOVE(phys_uid_tree, &phys.uids, u);
		free(u);
	}
	for (z = 0; z < RING_PHYS_ZONES; z++)
		range_fini(&phys.zone[z].free);
	phys.nregions = 0;
}

/* --- lookups and access -------------------------------------------------- */

/* The region holding addr, or NULL. */
static struct phys_region *
phys_find(uint64_t addr)
{
	struct phys_region key, *r;

	key.base = addr;
	r = RB_NFIND(phys_region_tree, &phys.regions, &key);
	if (r != NULL && r->base == addr)
		return r;
	r = r != NULL ? RB_PREV(phys_region_tree, &phys.regions, r)
		      : RB_MAX(phys_region_tree, &phys.regions);
	if (r != NULL && addr - r->base < r->size)
		return r;
	return NULL;
}

static struct phys_uid *
phys_uid_get(uint32_t uid, bool create)
{
	struct phys_uid key, *u;

	key.uid = uid;
	u = RB_FIND(phys_uid_tree, &phys.uids, &key);
	if (u != NULL || !create)
		return u;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	RB_INSERT(phys_uid_tree, &phys.uids, u);
	return u;
}

/* Forget a uid that holds nothing. */
static void
phys_uid_put(struct phys_uid *u)
{
	if (u != NULL && u->regions == 0) {
		RB_REMOVE(phys_uid_tree, &phys.uids, u);
		free(u);
	}
}

/* Owner's uid, or root. */
static bool
phys_owns(const struct client *c, const struct phys_region *r)
{
	return c->peer.uid == 0 || c->peer.uid == r->owner.uid;
}

/*
 * Is grant i of r to c?  A grant restored after a restart is bound to
 * the first connection found on the side of its ring it was made to.
 */
static bool
phys_grant_is(const struct client *c, struct phys_region *r, uint32_t i)
{
	struct ringd_ring key, *rr;

	if (r->grant[i].client_id == c->id)
		return true;
	if (r->gwait[i] == 0)
		return false;
	key.id = r->grant[i].ring_id;
	if ((rr = RB_FIND(ring_tree, &ringd.rings, &key)) == NULL || rr->dead ||
	    (r->gwait[i] == PHYS_GRANT_PRODUCER ? rr->producer
						: rr->consumer) != c)
		return false;
	r->grant[i].client_id = c->id;
	r->gwait[i] = 0;
	return true;
}

/* Forget grant i of r. */
static void
phys_grant_drop(struct phys_region *r, uint32_t i)
{
	r->ngrants--;
	r->grant[i] = r->grant[r->ngrants];
	r->gwait[i] = r->gwait[r->ngrants];
	memset(&r->grant[r->ngrants], 0, sizeof(r->grant[0]));
	r->gwait[r->ngrants] = 0;
}

static bool
phys_granted(const struct client *c, struct phys_region *r)
{
	uint32_t i;

	for (i = 0; i < r->ngrants; i++)
		if (phys_grant_is(c, r, i))
			return true;
	return false;
}

/*
 * May c map r for ring ring_id?  Only when c serves that ring (is its
 * scheme) and the region was granted to c through that very ring: a
 * scheme serving many drivers reaches, for each ring, the memory that
 * ring's driver gave it and nothing else, whoever owns it.  -ENOENT: no
 * such ring; -EPERM: not its scheme, or no such grant.
 */
static int
phys_ring_granted(const struct client *c, struct phys_region *r,
    uint64_t ring_id)
{
	struct ringd_ring key, *rr;
	uint32_t i;

	key.id = ring_id;
	if ((rr = RB_FIND(ring_tree, &ringd.rings, &key)) == NULL || rr->dead)
		return -ENOENT;
	if (rr->producer != c)
		return -EPERM;
	for (i = 0; i < r->ngrants; i++)
		if (r->grant[i].ring_id == ring_id && phys_grant_is(c, r, i))
			return 0;
	return -EPERM;
}

/* Round a byte count up to frames; false when it is 0 or overflows. */
static bool
phys_round(uint64_t *len)
{
	if (*len == 0 || *len > UINT64_MAX - (PHYS_FRAME - 1))
		return false;
	*len = (*len + PHYS_FRAME - 1) & ~(PHYS_FRAME - 1);
	return true;
}

/* --- allocation ----------------------------------------------------------- */

/* Put a region whose frames are taken in the tree and charge it to u. */
static void
phys_region_insert(struct phys_region *r, struct phys_uid *u)
{
	RB_INSERT(phys_region_tree, &phys.regions, r);
	phys.nregions++;
	phys.zone[r->zone].used += r->size;
	phys.zone[r->zone].regions++;
	u->regions++;
	u->bytes += r->size;
	u->zone_bytes[r->zone] += r->size;
}

/* physalloc3's flag rules (Redox): -EINVAL unless they make sense. */
static int
phys_check_flags(uint32_t flags)
{
	uint32_t strategy = flags & RING_PHYS_STRATEGY_MASK;

	if ((flags & RING_PHYS_SPACE_32) && (flags & RING_PHYS_SPACE_64))
		return -EINVAL;
	if (flags & ~PHYS_KNOWN_FLAGS)
		return -EINVAL;
	if ((flags & RING_PHYS_PARTIAL_ALLOC) ? strategy == 0 : strategy != 0)
		return -EINVAL;
	return 0;
}

/* Is candidate u better than the best so far (bu) for pick? */
static bool
phys_better(enum range_pick pick, uint64_t len, uint64_t u, uint64_t bu)
{
	switch (pick) {
	case RANGE_FIRST:
		return false; /* zones are tried in preference order */
	case RANGE_LARGEST:
		return u > bu;
	case RANGE_BEST:
		return (u >= len && (bu < len || u < bu)) ||
		    (u < len && bu < len && u > bu);
	}
	return false;
}

/*
 * Take between min and len bytes for flags: zone 32 alone for SPACE_32,
 * else zone 64 before zone 32, each zone's candidate chosen by the
 * strategy and the better of the two kept.  No more than cap[z] bytes
 * come from zone z (the caller's share of it); -EDQUOT when no zone the
 * flags allow has min bytes of share left.
 */
static int
phys_take(uint64_t len, uint64_t min, uint32_t flags,
    const uint64_t cap[RING_PHYS_ZONES], unsigned *zone, uint64_t *base,
    uint64_t *got)
{
	static const unsigned any[] = { RING_PHYS_ZONE_64, RING_PHYS_ZONE_32 };
	static const unsigned low[] = { RING_PHYS_ZONE_32 };
	const unsigned *order = (flags & RING_PHYS_SPACE_32) ? low : any;
	unsigned i, n = (flags & RING_PHYS_SPACE_32) ? 1 : 2, bz = 0;
	uint64_t b, u, bb = 0, bu = 0;
	enum range_pick pick;
	uint64_t zlen, blen = 0;
	bool found = false, shared = false;

	switch ((flags & RING_PHYS_PARTIAL_ALLOC)
		? flags & RING_PHYS_STRATEGY_MASK
		: 0) {
	case RING_PHYS_GREATEST_RANGE:
		pick = RANGE_LARGEST;
		break;
	case RING_PHYS_OPTIMAL:
		pick = RANGE_BEST;
		break;
	default: /* GREEDY, or the whole size */
		pick = RANGE_FIRST;
		break;
	}
	for (i = 0; i < n; i++) {
		struct phys_zone *z = &phys.zone[order[i]];

		zlen = len < cap[order[i]] ? len : cap[order[i]];
		if (zlen < min)
			continue;
		shared = true;
		if (range_find(&z->free, zlen, min, UINT64_MAX, pick, &b, &u) <
		    0)
			continue;
		if (!found || phys_better(pick, len, u, bu)) {
			found = true;
			bz = order[i];
			bb = b;
			bu = u;
			blen = zlen;
		}
	}
	if (!found)
		return shared ? -ENOMEM : -EDQUOT;
	*zone = bz;
	*base = bb;
	*got = bu < blen ? bu : blen;
	return range_take(&phys.zone[bz].free, bb, *got);
}

/*
 * PROTO_PHYS_ALLOC: physalloc3(size, flags, &min) with the checks in
 * Redox's order (permission, flags, sizes), then the quota.  Permission
 * and limits come from the policy (policy_phys()): -EACCES from a rule,
 * -EPERM from phys_allow_users.  The quota is a total over both zones,
 * or, by default (RINGD_PHYS_QUOTA_SHARE), a share of each zone, so that
 * no uid can pin all of zone 32.
 */
int
phys_handle_alloc(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_alloc *req = (const void *)m->body.raw;
	uint64_t size = req->size, min = req->min, left, base, got;
	uint32_t flags = req->flags, rflags = req->region_flags;
	bool partial = flags & RING_PHYS_PARTIAL_ALLOC;
	uint64_t quota, cap[RING_PHYS_ZONES];
	uint32_t max_regions;
	struct proto_phys_alloc_reply rep;
	struct phys_region *r;
	struct phys_uid *u;
	unsigned zone;
	int rc;

	if (rflags & ~RING_PHYS_PERSIST)
		return -EINVAL;
	if ((rc = policy_phys(c, &quota, &max_regions)) < 0)
		return rc;
	if ((rc = phys_check_flags(flags)) < 0)
		return rc;
	if (!phys_round(&size))
		return -EINVAL;
	if (partial) {
		if (!phys_round(&min) || min > size)
			return -EINVAL;
	} else
		min = size;
	if (phys.nregions >= ringd.conf.phys_max_regions)
		return -ENOMEM;
	if ((u = phys_uid_get(c->peer.uid, true)) == NULL)
		return -ENOMEM;
	rc = -EDQUOT;
	if (max_regions != UINT32_MAX && u->regions >= max_regions)
		goto fail;
	for (zone = 0; zone < RING_PHYS_ZONES; zone++)
		cap[zone] = UINT64_MAX;
	if (quota == RINGD_PHYS_QUOTA_SHARE) {
		/* no total, a share of each zone: phys_take() applies it */
		for (zone = 0; zone < RING_PHYS_ZONES; zone++) {
			uint64_t share = phys.zone[zone].size /
			    RINGD_PHYS_SHARE_DIV;

			share &= ~(PHYS_FRAME - 1);

			if (phys.zone[zone].size == 0)
				continue; /* nothing to share: ENOMEM */
			cap[zone] = share > u->zone_bytes[zone]
			    ? share - u->zone_bytes[zone]
			    : 0;
		}
	} else if (quota != 0) {
		left = quota > u->bytes ? quota - u->bytes : 0;
		left &= ~(PHYS_FRAME - 1);
		if (left < min)
			goto fail;
		if (size > left)
			size = left; /* only min <= left matters */
	}
	rc = -ENOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	if ((rc = phys_take(size, min, flags, cap, &zone, &base, &got)) < 0) {
		free(r);
		goto fail;
	}
	r->id = ++phys.next_id;
	r->base = base;
	r->size = got;
	r->zone = zone;
	r->flags = rflags;
	r->owner = c->peer;
	r->client_id = c->id;
	r->created_ns = service_now_ns();
	r->memfd = -1;
	phys_region_insert(r, u);
	log_debug("%s: physalloc3 %#llx+%#llx zone %s flags %#x",
	    client_name(c), (unsigned long long)base, (unsigned long long)got,
	    ring_phys_zone_name(zone), flags);
	memset(&rep, 0, sizeof(rep));
	rep.base = base;
	rep.got = got;
	rep.region_id = r->id;
	client_send(c, PROTO_PHYS_ALLOC | PROTO_REPLY, m->hdr.seq, &rep,
	    sizeof(rep), NULL, 0);
	return 0;

fail:
	phys_uid_put(u);
	return rc;
}

/* Give a region's frames back and forget it. */
static void
phys_region_free(struct phys_region *r)
{
	struct phys_zone *z = &phys.zone[r->zone];
	struct phys_uid *u = phys_uid_get(r->owner.uid, false);

	RB_REMOVE(phys_region_tree, &phys.regions, r);
	if (r->waiting)
		phys.nwaiting--;
	if (range_free(&z->free, r->base, r->size) < 0)
		log_error("internal: region %#llx+%#llx was already free",
		    (unsigned long long)r->base, (unsigned long long)r->size);
	z->used -= r->size;
	z->regions--;
	phys.nregions--;
	if (u != NULL) {
		u->regions--;
		u->bytes -= r->size;
		u->zone_bytes[r->zone] -= r->size;
		phys_uid_put(u);
	}
	phys_region_destroy(r);
}

/* The live connection with id, or NULL (0, gone, or being let go). */
static struct client *
phys_live_client(uint64_t id)
{
	struct client key, *o;

	if (id == 0)
		return NULL;
	key.id = id;
	o = RB_FIND(client_tree, &ringd.clients, &key);
	return o != NULL && !o->dead ? o : NULL;
}

/*
 * Note that live connection id uses a region as use says (through ring
 * ring_id for a grant): one entry per connection, the first
 * RING_PHYS_USERS_MAX kept.  Others than the caller only.
 */
static void
phys_user_add(const struct client *c, struct ring_phys_user *u, uint32_t *n,
    bool *busy, uint64_t id, uint32_t use, uint64_t ring_id)
{
	struct client *o;
	uint32_t i;

	if (id == c->id || (o = phys_live_client(id)) == NULL)
		return;
	*busy = true;
	for (i = 0; i < *n && u[i].client_id != id; i++)
		;
	if (i == *n) {
		if (*n == RING_PHYS_USERS_MAX)
			return;
		memset(&u[i], 0, sizeof(u[i]));
		u[i].client_id = id;
		u[i].peer = o->peer;
		(*n)++;
	}
	u[i].use |= use;
	if (ring_id != 0 && u[i].ring_id == 0)
		u[i].ring_id = ring_id;
}

/*
 * Who other than c uses r: the connection that allocated it, those that
 * received its memory file, those granted it through a live ring.  Fills
 * u (up to RING_PHYS_USERS_MAX) and *n; true when anyone does.
 */
static bool
phys_users(const struct client *c, const struct phys_region *r,
    struct ring_phys_user *u, uint32_t *n)
{
	struct ringd_ring key, *rr;
	bool busy = false;
	uint32_t i;

	*n = 0;
	phys_user_add(c, u, n, &busy, r->client_id, RING_PHYS_USE_OWNER, 0);
	for (i = 0; i < r->nmappers; i++)
		phys_user_add(c, u, n, &busy, r->mapper[i],
		    RING_PHYS_USE_MAPPED, 0);
	for (i = 0; i < r->ngrants; i++) {
		key.id = r->grant[i].ring_id;
		rr = RB_FIND(ring_tree, &ringd.rings, &key);
		if (rr != NULL && !rr->dead)
			phys_user_add(c, u, n, &busy, r->grant[i].client_id,
			    RING_PHYS_USE_GRANTED, rr->id);
	}
	return busy;
}

/*
 * PROTO_PHYS_FREE: physfree(base, size) of exactly one region.  Unless
 * forced, a region another live connection uses is refused with -EBUSY
 * and a list of who uses it; the connection that allocated the region is
 * never refused, as it made the grants and tells its own peers.
 */
int
phys_handle_free(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_range *req = (const void *)m->body.raw;
	uint64_t size = req->size;
	struct proto_phys_free_reply rep;
	struct phys_region *r;
	bool busy;

	if (req->reserved != 0)
		return -EBADMSG;
	if (req->flags & ~RING_PHYSFREE_FORCE)
		return -EINVAL;
	if (!phys_round(&size))
		return -EINVAL;
	if ((r = phys_find(req->base)) == NULL || r->base != req->base)
		return -EINVAL;
	if (!phys_owns(c, r))
		return -EPERM;
	if (r->size != size)
		return -EINVAL;
	memset(&rep, 0, sizeof(rep));
	busy = r->client_id != c->id && phys_users(c, r, rep.user, &rep.nusers);
	if (busy && !(req->flags & RING_PHYSFREE_FORCE)) {
		rep.error = -EBUSY;
		client_send(c, PROTO_PHYS_FREE | PROTO_REPLY, m->hdr.seq, &rep,
		    sizeof(rep), NULL, 0);
		return 0;
	}
	if (busy)
		log_info("%s: forced physfree of region %#llx+%#llx in use "
			 "by %u connection%s",
		    client_name(c), (unsigned long long)r->base,
		    (unsigned long long)r->size, rep.nusers,
		    rep.nusers == 1 ? "" : "s");
	else
		log_debug("%s: physfree %#llx+%#llx", client_name(c),
		    (unsigned long long)r->base, (unsigned long long)r->size);
	phys_region_free(r);
	memset(&rep, 0, sizeof(rep));
	client_send(c, PROTO_PHYS_FREE | PROTO_REPLY, m->hdr.seq, &rep,
	    sizeof(rep), NULL, 0);
	return 0;
}

/* --- mapping and grants ---------------------------------------------------- */

/*
 * The region's memory file, made (empty, sealed to its size) on first use.
 * -EAGAIN while a region restored after a restart waits for its memory
 * file to be handed back: a new one would not hold what it held.
 */
static int
phys_region_file(struct phys_region *r)
{
	char name[32];
	int fd, rc;

	if (r->memfd >= 0)
		return 0;
	if (r->waiting && r->mem_known)
		return -EAGAIN;
	snprintf(name, sizeof(name), "ringd-phys-%llu",
	    (unsigned long long)r->id);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)r->size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) <
		0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	r->memfd = fd;
	return 0;
}

/*
 * Remember that connection id holds r's memory file, until it goes
 * (phys_client_gone()).  At most one entry per live connection.
 */
static int
phys_mapper_add(struct phys_region *r, uint64_t id)
{
	uint64_t *nv;
	uint32_t i, cap;

	for (i = 0; i < r->nmappers; i++)
		if (r->mapper[i] == id)
			return 0;
	if (r->nmappers == r->mapper_cap) {
		cap = r->mapper_cap ? r->mapper_cap * 2 : 4;
		if ((nv = realloc(r->mapper, cap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		r->mapper = nv;
		r->mapper_cap = cap;
	}
	r->mapper[r->nmappers++] = id;
	return 0;
}

static void
phys_mapper_del(struct phys_region *r, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < r->nmappers; i++)
		if (r->mapper[i] == id) {
			r->mapper[i] = r->mapper[--r->nmappers];
			return;
		}
}

/*
 * PROTO_PHYS_MAP: hand over the memory file of the region holding the
 * range, writable or through a read-only open of it.  Without a ring, to
 * its owner or anyone it was granted to; for a ring, to that ring's
 * scheme when granted to it through that ring.  The caller counts as a
 * user of the region from then on, until it disconnects.
 */
int
phys_handle_map(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_map *req = (const void *)m->body.raw;
	uint64_t size = req->size, base = req->base;
	struct proto_phys_map_reply rep;
	struct phys_region *r;
	char path[64];
	int fd, rc;

	if (req->reserved != 0)
		return -EBADMSG;
	if ((req->flags & ~PHYS_MAP_FLAGS) || base % PHYS_FRAME != 0 ||
	    !phys_round(&size))
		return -EINVAL;
	if ((r = phys_find(base)) == NULL || size > r->size - (base - r->base))
		return -EINVAL;
	if (req->ring_id != 0) {
		if ((rc = phys_ring_granted(c, r, req->ring_id)) < 0)
			return rc;
	} else if (!phys_owns(c, r) && !phys_granted(c, r))
		return -EPERM;
	if ((rc = phys_region_file(r)) < 0 ||
	    (rc = phys_mapper_add(r, c->id)) < 0)
		return rc; /* a failed open below leaves c counted: harmless */
	fd = r->memfd;
	if (!(req->flags & RING_PHYSMAP_WRITE)) {
		/* a read-only open: a writable shared mapping of it fails */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", r->memfd);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
	}
	memset(&rep, 0, sizeof(rep));
	rep.writable = fd == r->memfd;
	rep.region_base = r->base;
	rep.region_size = r->size;
	rep.region_id = r->id;
	client_send(c, PROTO_PHYS_MAP | PROTO_REPLY, m->hdr.seq, &rep,
	    sizeof(rep), &fd, 1);
	if (fd != r->memfd)
		close(fd);
	return 0;
}

/* PROTO_PHYS_GRANT: share a region with the other side of a ring, or stop. */
int
phys_handle_grant(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_grant *req = (const void *)m->body.raw;
	struct ringd_ring key, *rr;
	struct proto_reply rep;
	struct phys_region *r;
	struct client *peer;
	uint32_t i;

	if (req->revoke > 1 || req->reserved != 0)
		return -EBADMSG;
	if ((r = phys_find(req->base)) == NULL)
		return -EINVAL;
	if (!phys_owns(c, r))
		return -EPERM;
	if (req->revoke) {
		for (i = 0; i < r->ngrants; i++)
			if (r->grant[i].ring_id == req->ring_id)
				break;
		if (i == r->ngrants)
			return -ENOENT;
		phys_grant_drop(r, i);
		goto done;
	}
	key.id = req->ring_id;
	if ((rr = RB_FIND(ring_tree, &ringd.rings, &key)) == NULL || rr->dead)
		return -ENOENT;
	if (rr->consumer == c)
		peer = rr->producer;
	else if (rr->producer == c)
		peer = rr->consumer;
	else
		return -EPERM; /* not a party to that ring */
	if (peer == NULL || peer->dead || rr->phase == RINGS_PENDING)
		return -ENOTCONN;
	for (i = 0; i < r->ngrants; i++)
		if (r->grant[i].ring_id == rr->id && phys_grant_is(peer, r, i))
			goto done; /* granted already */
	if (r->ngrants == RING_PHYS_GRANT_MAX)
		return -ENOSPC;
	r->grant[r->ngrants].ring_id = rr->id;
	r->grant[r->ngrants].client_id = peer->id;
	r->ngrants++;
	log_debug("%s: region %#llx granted to client %llu over ring %llu",
	    client_name(c), (unsigned long long)r->base,
	    (unsigned long long)peer->id, (unsigned long long)rr->id);
done:
	memset(&rep, 0, sizeof(rep));
	client_send(c, PROTO_PHYS_GRANT | PROTO_REPLY, m->hdr.seq, &rep,
	    sizeof(rep), NULL, 0);
	return 0;
}

/*
 * A connection went away: its grants lapse, it no longer counts as a user
 * of the regions it mapped, its regions are freed unless persistent
 * (those stay with the uid, no client).
 */
void
phys_client_gone(struct client *c)
{
	struct phys_region *r, *next;
	uint32_t i;

	for (r = RB_MIN(phys_region_tree, &phys.regions); r != NULL; r = next) {
		next = RB_NEXT(phys_region_tree, &phys.regions, r);
		phys_mapper_del(r, c->id);
		for (i = 0; i < r->ngrants;) {
			if (r->grant[i].client_id == c->id)
				phys_grant_drop(r, i);
			else
				i++;
		}
		if (r->client_id != c->id)
			continue;
		if (r->flags & RING_PHYS_PERSIST)
			r->client_id = 0;
		else
			phys_region_free(r);
	}
}

/* --- across a restart ------------------------------------------------------ */

/*
 * At a clean stop, what the next ringd needs of every region: *ret (to
 * free) gets the records, *fds (to free, not to close) the memory files
 * ringd holds, *nfds their count.  Returns the number of records; 0 with
 * *ret NULL when there is nothing or no memory for it.
 */
size_t
phys_save(struct state_region **ret, int **fds, size_t *nfds)
{
	struct state_region *v, *sr;
	struct phys_region *r;
	struct ringd_ring key, *rr;
	struct stat st;
	uint32_t i;
	size_t n = 0;

	*ret = NULL;
	*fds = NULL;
	*nfds = 0;
	if (phys.nregions == 0)
		return 0;
	v = calloc(phys.nregions, sizeof(*v));
	*fds = calloc(phys.nregions, sizeof(**fds));
	if (v == NULL || *fds == NULL) {
		log_warn("cannot record the regions: %s", strerror(ENOMEM));
		free(v);
		free(*fds);
		*fds = NULL;
		return 0;
	}
	RB_FOREACH(r, phys_region_tree, &phys.regions) {
		sr = &v[n++];
		sr->id = r->id;
		sr->base = r->base;
		sr->size = r->size;
		sr->zone = r->zone;
		sr->flags = r->flags;
		sr->owner = r->owner;
		if (r->client_id != 0 || (r->waiting && r->claimable))
			sr->sflags |= STATE_REGION_CLIENT;
		if (r->memfd >= 0 && fstat(r->memfd, &st) == 0) {
			sr->mem_dev = st.st_dev;
			sr->mem_ino = st.st_ino;
			sr->sflags |= STATE_REGION_MEMORY;
			(*fds)[(*nfds)++] = r->memfd;
		} else if (r->waiting && r->mem_known) {
			/* stopped again before its memory came back */
			sr->mem_dev = r->mem_dev;
			sr->mem_ino = r->mem_ino;
			sr->sflags |= STATE_REGION_MEMORY;
		}
		for (i = 0; i < r->ngrants; i++) {
			struct state_grant *g = &sr->grant[sr->ngrants];

			g->ring_id = r->grant[i].ring_id;
			if (r->gwait[i] != 0) {
				g->producer = r->gwait[i] ==
				    PHYS_GRANT_PRODUCER;
				sr->ngrants++;
				continue;
			}
			key.id = g->ring_id;
			rr = RB_FIND(ring_tree, &ringd.rings, &key);
			if (rr == NULL || rr->dead)
				continue;
			if (rr->producer != NULL &&
			    rr->producer->id == r->grant[i].client_id)
				g->producer = 1;
			else if (rr->consumer == NULL ||
			    rr->consumer->id != r->grant[i].client_id)
				continue;
			sr->ngrants++;
		}
	}
	*ret = v;
	return n;
}

/* The last region id issued. */
uint64_t
phys_next_id(void)
{
	return phys.next_id;
}

/*
 * Take the frames [base, base + size) out of a zone's free set; -EINVAL
 * unless all of them are free.
 */
static int
phys_reserve(struct range_set *s, uint64_t base, uint64_t size)
{
	size_t i = range_first_at(s, base + 1);
	uint64_t fb, fl;
	int rc;

	if (i == 0)
		return -EINVAL;
	fb = s->v[i - 1].base;
	fl = s->v[i - 1].len;
	if (base - fb > fl || size > fl - (base - fb))
		return -EINVAL;
	if ((rc = range_take(s, fb, base - fb + size)) < 0)
		return rc;
	if (base > fb && (rc = range_free(s, fb, base - fb)) < 0) {
		(void)range_free(s, fb, base - fb + size);
		return rc;
	}
	return 0;
}

/*
 * At start, before serving: re-create a region the last ringd recorded,
 * with its id, range, owner and grants, its frames reserved so that no
 * allocation takes them.  It waits for its connection and its memory file
 * (phys_handle_adopt()) until the adopt window ends.  -EINVAL for a record
 * that does not fit today's zones, -ENOSPC past phys_max_regions.
 */
int
phys_restore(const struct state_region *sr)
{
	struct phys_region *r;
	struct phys_uid *u;
	uint32_t i;
	int rc;

	if (sr->id == 0 || sr->zone >= RING_PHYS_ZONES ||
	    (sr->flags & ~RING_PHYS_PERSIST) || sr->size == 0 ||
	    sr->base % PHYS_FRAME != 0 || sr->size % PHYS_FRAME != 0 ||
	    sr->base > UINT64_MAX - sr->size ||
	    sr->ngrants > RING_PHYS_GRANT_MAX)
		return -EINVAL;
	if (phys.nregions >= ringd.conf.phys_max_regions)
		return -ENOSPC;
	if ((u = phys_uid_get(sr->owner.uid, true)) == NULL)
		return -ENOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		phys_uid_put(u);
		return -ENOMEM;
	}
	if ((rc = phys_reserve(&phys.zone[sr->zone].free, sr->base, sr->size)) <
	    0) {
		free(r);
		phys_uid_put(u);
		return rc;
	}
	r->id = sr->id;
	r->base = sr->base;
	r->size = sr->size;
	r->zone = sr->zone;
	r->flags = sr->flags;
	r->owner = sr->owner;
	r->owner.comm[sizeof(r->owner.comm) - 1] = '\0';
	r->created_ns = service_now_ns();
	r->memfd = -1;
	r->waiting = true;
	r->claimable = sr->sflags & STATE_REGION_CLIENT;
	if (sr->sflags & STATE_REGION_MEMORY) {
		r->mem_known = true;
		r->mem_dev = sr->mem_dev;
		r->mem_ino = sr->mem_ino;
	}
	for (i = 0; i < sr->ngrants; i++) {
		if (sr->grant[i].ring_id == 0)
			continue;
		r->grant[r->ngrants].ring_id = sr->grant[i].ring_id;
		r->gwait[r->ngrants] = sr->grant[i].producer
		    ? PHYS_GRANT_PRODUCER
		    : PHYS_GRANT_CONSUMER;
		r->ngrants++;
	}
	phys_region_insert(r, u);
	phys.nwaiting++;
	if (r->id > phys.next_id)
		phys.next_id = r->id;
	return 0;
}

static int
phys_memfd_cmp(const void *a, const void *b)
{
	const struct phys_memfd *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * After the last phys_restore(): region ids go on from next_id, and the
 * memory files handed back by the service manager (systemd's file
 * descriptor store) go to the regions they belong to.  Every descriptor
 * in fd[] is taken: kept or closed.
 */
void
phys_restore_done(uint64_t next_id, int *fd, size_t nfd)
{
	struct phys_memfd *v = NULL, key, *hit;
	struct phys_region *r;
	struct stat st;
	size_t i, n = 0, back = 0;

	if (next_id > 0 && next_id - 1 > phys.next_id)
		phys.next_id = next_id - 1;
	if (nfd > 0 && (v = calloc(nfd, sizeof(*v))) == NULL)
		log_warn("cannot take back region memory: %s",
		    strerror(ENOMEM));
	for (i = 0; i < nfd; i++) {
		if (v == NULL || fstat(fd[i], &st) < 0) {
			close(fd[i]);
			continue;
		}
		v[n].dev = st.st_dev;
		v[n].ino = st.st_ino;
		v[n].fd = fd[i];
		n++;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), phys_memfd_cmp);
	RB_FOREACH(r, phys_region_tree, &phys.regions) {
		if (!r->waiting || !r->mem_known || r->memfd >= 0 || n == 0)
			continue;
		key.dev = r->mem_dev;
		key.ino = r->mem_ino;
		hit = bsearch(&key, v, n, sizeof(*v), phys_memfd_cmp);
		if (hit == NULL || hit->fd < 0 ||
		    !state_memfd_ok(hit->fd, r->mem_dev, r->mem_ino, r->size))
			continue;
		r->memfd = hit->fd;
		hit->fd = -1;
		back++;
	}
	for (i = 0; i < n; i++)
		if (v[i].fd >= 0)
			close(v[i].fd);
	free(v);
	if (phys.nwaiting > 0)
		log_info("%u regions left by the last ringd are back, %zu "
			 "with their memory from the service manager",
		    phys.nwaiting, back);
}

/* A region restored after a restart is settled: nothing more comes back. */
static void
phys_settle(struct phys_region *r)
{
	struct ringd_ring key, *rr;
	struct client *side;
	uint32_t i;

	r->waiting = false;
	r->mem_known = false;
	phys.nwaiting--;
	/* a grant still waiting goes to its side as it is now, or goes */
	for (i = 0; i < r->ngrants;) {
		if (r->gwait[i] == 0) {
			i++;
			continue;
		}
		key.id = r->grant[i].ring_id;
		rr = RB_FIND(ring_tree, &ringd.rings, &key);
		side = rr == NULL || rr->dead ? NULL
		    : r->gwait[i] == PHYS_GRANT_PRODUCER ? rr->producer
							 : rr->consumer;
		if (side == NULL || side->dead) {
			phys_grant_drop(r, i);
			continue;
		}
		r->grant[i].client_id = side->id;
		r->gwait[i] = 0;
		i++;
	}
	r->claimable = false;
	/* a persistent one stays with its uid, as when its client leaves */
	if ((r->flags & RING_PHYS_PERSIST) || r->client_id != 0)
		return;
	log_info("region %llu %#llx+%#llx: its owner (pid %u uid %u) did not "
		 "come back; freed",
	    (unsigned long long)r->id, (unsigned long long)r->base,
	    (unsigned long long)r->size, r->owner.pid, r->owner.uid);
	phys_region_free(r);
}

/*
 * The adopt window is over: restored regions nobody claimed die unless
 * persistent, memory nobody handed back is new.  Returns ns until the
 * window ends, or -1 when no region waits.
 */
int64_t
phys_expire(uint64_t now)
{
	uint64_t end = ringd.start_ns +
	    (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull;
	struct phys_region *r, *next;

	if (phys.nwaiting == 0)
		return -1;
	if (now < end)
		return (int64_t)(end - now);
	for (r = RB_MIN(phys_region_tree, &phys.regions); r != NULL; r = next) {
		next = RB_NEXT(phys_region_tree, &phys.regions, r);
		if (r->waiting)
			phys_settle(r);
	}
	return -1;
}

/*
 * PROTO_PHYS_ADOPT: after a restart, a region the last ringd recorded,
 * named by id, base and size, in the adopt window.  With a descriptor, it
 * must be the region's own memory file (the one the last ringd recorded,
 * writable, sealed, of the region's size): then the region's memory is
 * back, if it was not yet.  Without one, the caller must be of the
 * owner's uid (or root).  With PROTO_PHYS_ADOPT_CLAIM the caller says it
 * allocated the region: when the last ringd knew its connection, the
 * process that held it (same uid and pid, as the kernel named them)
 * claims it under today's policy and quota, and it dies with this
 * connection unless persistent.  -ENOENT: no such region waits; -EBADF:
 * not its memory file; -EPERM: not the owner; -EACCES/-EDQUOT: the
 * policy or quota refuses the claim.
 */
int
phys_handle_adopt(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_adopt *req = (const void *)m->body.raw;
	struct proto_phys_adopt_reply rep;
	struct phys_region *r;
	struct phys_uid *u;
	uint64_t quota, share;
	uint32_t max_regions, result = 0;
	int fd = m->nfds == 1 ? m->fds[0] : -1, rc;

	if ((req->flags & ~PROTO_PHYS_ADOPT_CLAIM) || req->reserved != 0)
		return -EBADMSG;
	(void)phys_expire(service_now_ns());
	if ((r = phys_find(req->base)) == NULL || r->base != req->base ||
	    r->size != req->size || r->id != req->region_id || !r->waiting)
		return -ENOENT;
	if (fd >= 0) {
		if (!r->mem_known ||
		    !state_memfd_ok(fd, r->mem_dev, r->mem_ino, r->size))
			return -EBADF;
		/* it holds the memory: a user of the region, as after PHYS_MAP */
		if ((rc = phys_mapper_add(r, c->id)) < 0)
			return rc;
	} else if (!phys_owns(c, r))
		return -EPERM;
	/* the memory first: a refused claim below must not lose it */
	if (fd >= 0 && r->memfd < 0) {
		r->memfd = fd;
		m->fds[0] = -1; /* ours now */
		result |= PROTO_PHYS_ADOPT_MEMORY;
	}
	if ((req->flags & PROTO_PHYS_ADOPT_CLAIM) && r->claimable &&
	    (c->peer.uid != r->owner.uid || c->peer.pid != r->owner.pid))
		return -EPERM;
	if ((req->flags & PROTO_PHYS_ADOPT_CLAIM) && r->claimable) {
		if ((rc = policy_phys(c, &quota, &max_regions)) < 0)
			return rc;
		u = phys_uid_get(r->owner.uid, false);
		share = (phys.zone[r->zone].size / RINGD_PHYS_SHARE_DIV) &
		    ~(PHYS_FRAME - 1);
		if (u == NULL ||
		    (max_regions != UINT32_MAX && u->regions > max_regions) ||
		    (quota == RINGD_PHYS_QUOTA_SHARE
			    ? u->zone_bytes[r->zone] > share
			    : quota != 0 && u->bytes > quota))
			return -EDQUOT;
		r->claimable = false;
		r->client_id = c->id;
		r->owner = c->peer;
		result |= PROTO_PHYS_ADOPT_OWNER;
	}
	log_debug("%s: region %llu adopted:%s%s%s", client_name(c),
	    (unsigned long long)r->id,
	    (result & PROTO_PHYS_ADOPT_OWNER) ? " owner" : "",
	    (result & PROTO_PHYS_ADOPT_MEMORY) ? " memory" : "",
	    result == 0 ? " nothing new" : "");
	memset(&rep, 0, sizeof(rep));
	rep.result = result;
	client_send(c, PROTO_PHYS_ADOPT | PROTO_REPLY, m->hdr.seq, &rep,
	    sizeof(rep), NULL, 0);
	return 0;
}

/* --- introspection ------------------------------------------------------------ */

static void
phys_fill_zone(unsigned z, struct ring_phys_zone *rec)
{
	const struct phys_zone *pz = &phys.zone[z];

	rec->zone = z;
	rec->base = pz->base;
	rec->size = pz->size;
	rec->used = pz->used;
	rec->free = range_total(&pz->free);
	rec->largest_free = range_largest(&pz->free);
	rec->free_ranges = (uint32_t)pz->free.n;
	rec->regions = pz->regions;
}

static void
phys_fill_region(const struct phys_region *r, struct ring_phys_region *rec)
{
	rec->region_id = r->id;
	rec->base = r->base;
	rec->size = r->size;
	rec->zone = r->zone;
	rec->flags = r->flags;
	rec->owner = r->owner;
	rec->client_id = r->client_id;
	rec->age_ns = service_now_ns() - r->created_ns;
	rec->grants = r->ngrants;
	rec->mapped = r->memfd >= 0;
	memcpy(rec->grant, r->grant, sizeof(rec->grant));
}

/*
 * The next record of a PHYS_LIST_* reply into rec; false at the end.  The
 * cursor (c->list_id) is a zone index or the address to go on from.
 */
bool
phys_list_next(struct client *c, uint8_t *rec)
{
	switch (c->list_type) {
	case PROTO_PHYS_LIST_ZONES:
		if (c->list_id >= RING_PHYS_ZONES)
			return false;
		phys_fill_zone((unsigned)c->list_id,
		    (struct ring_phys_zone *)(void *)rec);
		c->list_id++;
		return true;
	case PROTO_PHYS_LIST_FREE: {
		struct ring_phys_range *out = (void *)rec;
		unsigned z;

		for (z = 0; z < RING_PHYS_ZONES; z++) {
			const struct range_set *s = &phys.zone[z].free;
			size_t i = range_first_at(s, c->list_id);

			if (i == s->n)
				continue;
			out->base = s->v[i].base;
			out->size = s->v[i].len;
			out->zone = z;
			c->list_id = s->v[i].base + 1;
			return true;
		}
		return false;
	}
	case PROTO_PHYS_LIST_REGIONS: {
		struct phys_region key, *r;

		key.base = c->list_id;
		r = RB_NFIND(phys_region_tree, &phys.regions, &key);
		if (r == NULL)
			return false;
		phys_fill_region(r, (struct ring_phys_region *)(void *)rec);
		c->list_id = r->base + 1;
		return true;
	}
	}
	return false;
}

void
phys_fill_status(struct ring_ctl_status *st)
{
	unsigned z;

	st->phys_regions = phys.nregions;
	for (z = 0; z < RING_PHYS_ZONES; z++) {
		st->phys_size[z] = phys.zone[z].size;
		st->phys_used[z] = phys.zone[z].used;
	}
}
