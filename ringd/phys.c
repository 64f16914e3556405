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
 *
 * This file: the zones, allocation and free, the quotas, the listing.
 * Mapping and grants are in phys-map.c, what survives a restart in
 * phys-adopt.c, what they share in phys-int.h.  Depends on lib/range.c
 * (the free sets), ringd's clients, rings and policy (policy_phys()), and
 * config.c's size parser for -z; nothing but ringd.h's phys_* calls may be
 * used from outside the three files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "phys-int.h"

struct phys_state phys = {
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

/* --- setup ------------------------------------------------------------- */

/*
 * -z 32=SIZE or -z 64=SIZE: a zone size that overrides ringd.conf, read
 * as phys_zone32_size and phys_zone64_size are (config_parse_size()).
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
	if (config_parse_size(arg + 3, 0, cap, &size) < 0 ||
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
struct phys_region *
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

struct phys_uid *
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
void
phys_uid_put(struct phys_uid *u)
{
	if (u != NULL && u->regions == 0) {
		RB_REMOVE(phys_uid_tree, &phys.uids, u);
		free(u);
	}
}

/* Owner's uid, or root. */
bool
phys_owns(const struct client *c, const struct phys_region *r)
{
	return c->peer.uid == 0 || c->peer.uid == r->owner.uid;
}

/*
 * Is grant i of r to c?  A grant restored after a restart is bound to
 * the first connection found on the side of its ring it was made to.
 */
bool
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
void
phys_grant_drop(struct phys_region *r, uint32_t i)
{
	r->ngrants--;
	r->grant[i] = r->grant[r->ngrants];
	r->gwait[i] = r->gwait[r->ngrants];
	memset(&r->grant[r->ngrants], 0, sizeof(r->grant[0]));
	r->gwait[r->ngrants] = 0;
}

/* Round a byte count up to frames; false when it is 0 or overflows. */
bool
phys_round(uint64_t *len)
{
	if (*len == 0 || *len > UINT64_MAX - (PHYS_FRAME - 1))
		return false;
	*len = (*len + PHYS_FRAME - 1) & ~(PHYS_FRAME - 1);
	return true;
}

/* --- allocation ----------------------------------------------------------- */

/* Put a region whose frames are taken in the tree and charge it to u. */
void
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

/*
 * The bytes of zone a uid may hold under the default quota
 * (RINGD_PHYS_QUOTA_SHARE): 1/RINGD_PHYS_SHARE_DIV of it, in whole
 * frames.  Allocation and adoption after a restart both apply it.
 */
uint64_t
phys_zone_share(unsigned zone)
{
	return (phys.zone[zone].size / RINGD_PHYS_SHARE_DIV) &
	    ~(PHYS_FRAME - 1);
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
			uint64_t share = phys_zone_share(zone);

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
	return client_reply(c, m, &rep, sizeof(rep));

fail:
	phys_uid_put(u);
	return rc;
}

/* Give a region's frames back and forget it. */
void
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
		return client_reply(c, m, &rep, sizeof(rep));
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
	return client_reply(c, m, &rep, sizeof(rep));
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
