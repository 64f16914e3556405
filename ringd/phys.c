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

/* How flags pick among free ranges. */
static enum range_pick
phys_pick(uint32_t flags)
{
	switch ((flags & RING_PHYS_PARTIAL_ALLOC)
		? flags & RING_PHYS_STRATEGY_MASK
		: 0) {
	case RING_PHYS_GREATEST_RANGE:
		return RANGE_LARGEST;
	case RING_PHYS_OPTIMAL:
		return RANGE_BEST;
	default: /* GREEDY, or the whole size */
		return RANGE_FIRST;
	}
}

/*
 * One zone's candidate for range_find()'s question (len, min, pick): its
 * base and usable bytes, or -ENOMEM.  phys_zone_find() asks the zone's
 * free set; a scatter-gather plan answers from its copy (phys_sg_find()).
 */
typedef int phys_find_fn(void *ctx, unsigned zone, uint64_t len, uint64_t min,
    enum range_pick pick, uint64_t *base, uint64_t *usable);

static int
phys_zone_find(void *ctx, unsigned zone, uint64_t len, uint64_t min,
    enum range_pick pick, uint64_t *base, uint64_t *usable)
{
	(void)ctx;
	return range_find(&phys.zone[zone].free, len, min, UINT64_MAX, pick,
	    base, usable);
}

/*
 * Choose where between min and len bytes for flags come from, without
 * taking them: zone 32 alone for SPACE_32, else zone 64 before zone 32,
 * each zone's candidate chosen by the strategy (find) and the better of
 * the two kept.  No more than cap[z] bytes come from zone z (the caller's
 * share of it); -EDQUOT when no zone the flags allow has min bytes of
 * share left, -ENOMEM when nothing fits.
 */
static int
phys_choose(uint64_t len, uint64_t min, uint32_t flags,
    const uint64_t cap[RING_PHYS_ZONES], phys_find_fn *find, void *ctx,
    unsigned *zone, uint64_t *base, uint64_t *got)
{
	static const unsigned any[] = { RING_PHYS_ZONE_64, RING_PHYS_ZONE_32 };
	static const unsigned low[] = { RING_PHYS_ZONE_32 };
	const unsigned *order = (flags & RING_PHYS_SPACE_32) ? low : any;
	unsigned i, n = (flags & RING_PHYS_SPACE_32) ? 1 : 2, bz = 0;
	enum range_pick pick = phys_pick(flags);
	uint64_t b, u, bb = 0, bu = 0, zlen, blen = 0;
	bool found = false, shared = false;

	for (i = 0; i < n; i++) {
		zlen = len < cap[order[i]] ? len : cap[order[i]];
		if (zlen < min)
			continue;
		shared = true;
		if (find(ctx, order[i], zlen, min, pick, &b, &u) < 0)
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
	return 0;
}

/* What a uid holds, plus what a scatter-gather plan has taken for it. */
struct phys_charge {
	uint32_t regions;
	uint64_t bytes;
	uint64_t zone_bytes[RING_PHYS_ZONES];
};

static void
phys_charge_add(struct phys_charge *ch, unsigned zone, uint64_t bytes)
{
	ch->regions++;
	ch->bytes += bytes;
	ch->zone_bytes[zone] += bytes;
}

/*
 * The limits of one more region of min..*size bytes for a uid holding
 * held (regions of them planned and not yet made), under its policy
 * (quota, max_regions from policy_phys()): -ENOMEM past
 * phys_max_regions, -EDQUOT past the uid's region count or total quota.
 * Else cap[] gets what each zone may give (the default quota is a share
 * of each zone, so that no uid can pin all of zone 32) and *size is cut
 * to a total quota.
 */
static int
phys_room(const struct phys_charge *held, uint32_t planned, uint64_t quota,
    uint32_t max_regions, uint64_t min, uint64_t *size,
    uint64_t cap[RING_PHYS_ZONES])
{
	uint64_t left;
	unsigned zone;

	if (phys.nregions + (uint64_t)planned >= ringd.conf.phys_max_regions)
		return -ENOMEM;
	if (max_regions != UINT32_MAX && held->regions >= max_regions)
		return -EDQUOT;
	for (zone = 0; zone < RING_PHYS_ZONES; zone++)
		cap[zone] = UINT64_MAX;
	if (quota == RINGD_PHYS_QUOTA_SHARE) {
		/* no total, a share of each zone: phys_choose() applies it */
		for (zone = 0; zone < RING_PHYS_ZONES; zone++) {
			uint64_t share = phys_zone_share(zone);

			if (phys.zone[zone].size == 0)
				continue; /* nothing to share: ENOMEM */
			cap[zone] = share > held->zone_bytes[zone]
			    ? share - held->zone_bytes[zone]
			    : 0;
		}
	} else if (quota != 0) {
		left = quota > held->bytes ? quota - held->bytes : 0;
		left &= ~(PHYS_FRAME - 1);
		if (left < min)
			return -EDQUOT;
		if (*size > left)
			*size = left; /* only min <= left matters */
	}
	return 0;
}

/* What u holds now. */
static void
phys_charge_of(const struct phys_uid *u, struct phys_charge *ch)
{
	ch->regions = u->regions;
	ch->bytes = u->bytes;
	memcpy(ch->zone_bytes, u->zone_bytes, sizeof(ch->zone_bytes));
}

/* A new region of c's at [base, base + size) in zone, not yet inserted. */
static void
phys_region_init(struct phys_region *r, const struct client *c, unsigned zone,
    uint64_t base, uint64_t size, uint32_t rflags)
{
	r->id = ++phys.next_id;
	r->base = base;
	r->size = size;
	r->zone = zone;
	r->flags = rflags;
	r->owner = c->peer;
	r->client_id = c->id;
	r->created_ns = service_now_ns();
	r->memfd = -1;
}

/*
 * PROTO_PHYS_ALLOC: physalloc3(size, flags, &min) with the checks in
 * Redox's order (permission, flags, sizes), then the limits
 * (phys_room()).  Permission and limits come from the policy
 * (policy_phys()): -EACCES from a rule, -EPERM from phys_allow_users.
 */
int
phys_handle_alloc(struct client *c, struct proto_msg *m)
{
	const struct proto_phys_alloc *req = (const void *)m->body.raw;
	uint64_t size = req->size, min = req->min, base, got;
	uint32_t flags = req->flags, rflags = req->region_flags;
	bool partial = flags & RING_PHYS_PARTIAL_ALLOC;
	uint64_t quota, cap[RING_PHYS_ZONES];
	uint32_t max_regions;
	struct proto_phys_alloc_reply rep;
	struct phys_charge held;
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
	if ((u = phys_uid_get(c->peer.uid, true)) == NULL)
		return -ENOMEM;
	phys_charge_of(u, &held);
	if ((rc = phys_room(&held, 0, quota, max_regions, min, &size, cap)) < 0)
		goto fail;
	rc = -ENOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	if ((rc = phys_choose(size, min, flags, cap, phys_zone_find, NULL,
		 &zone, &base, &got)) < 0 ||
	    (rc = range_take(&phys.zone[zone].free, base, got)) < 0) {
		free(r);
		goto fail;
	}
	phys_region_init(r, c, zone, base, got, rflags);
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

/* --- scatter-gather lists in one request ----------------------------------- */

/*
 * A plan answers phys_choose() step after step as the zones would, had
 * every earlier step taken its range, without touching them: each zone
 * it may use is copied, and the copy is cut in place (range_cut()).  A
 * step takes a whole free range, or ends the request or its zone's
 * share, so a strategy's candidates come in a fixed order: the first
 * range in address order holding min (GREEDY, a cursor), or the largest
 * (GREATEST_RANGE, and OPTIMAL until a range holds all that is left: a
 * heap).  Planning n free ranges into k segments costs O(n + k log n),
 * where asking the zone afresh each time costs O(n k).  Only when the
 * plan is whole do the copies replace the zones.
 */
struct phys_sg_zone {
	struct range_set free; /* the copy, in address order */
	size_t *heap;	       /* indices in free.v, the largest on top */
	size_t nheap;
	bool stale;	    /* a range not on top shrank: rebuild the heap */
	bool taken;	    /* the plan cut the copy */
	size_t first;	    /* GREEDY: free.v[< first] hold < first_min */
	uint64_t first_min; /* 0: the cursor is unset */
	size_t last;	    /* index of the last candidate given */
};

struct phys_sg_plan {
	struct phys_sg_zone zone[RING_PHYS_ZONES];
	enum range_pick pick;
};

/* Does range a come before range b in the heap: larger, then lower? */
static bool
phys_sg_above(const struct range *v, size_t a, size_t b)
{
	return v[a].len > v[b].len ||
	    (v[a].len == v[b].len && v[a].base < v[b].base);
}

static void
phys_sg_sift(struct phys_sg_zone *z, size_t i)
{
	const struct range *v = z->free.v;
	size_t k, t;

	for (;;) {
		k = 2 * i + 1;
		if (k >= z->nheap)
			return;
		if (k + 1 < z->nheap &&
		    phys_sg_above(v, z->heap[k + 1], z->heap[k]))
			k++;
		if (!phys_sg_above(v, z->heap[k], z->heap[i]))
			return;
		t = z->heap[i];
		z->heap[i] = z->heap[k];
		z->heap[k] = t;
		i = k;
	}
}

/* The heap of the copy's non-empty ranges, made in O(n). */
static void
phys_sg_heapify(struct phys_sg_zone *z)
{
	size_t i;

	z->nheap = 0;
	for (i = 0; i < z->free.n; i++)
		if (z->free.v[i].len != 0)
			z->heap[z->nheap++] = i;
	for (i = z->nheap / 2; i-- > 0;)
		phys_sg_sift(z, i);
	z->stale = false;
}

static void
phys_sg_plan_free(struct phys_sg_plan *p)
{
	unsigned zi;

	for (zi = 0; zi < RING_PHYS_ZONES; zi++) {
		range_fini(&p->zone[zi].free);
		free(p->zone[zi].heap);
	}
}

/* Copy the zones flags may use into p (zeroed); -ENOMEM. */
static int
phys_sg_plan_init(struct phys_sg_plan *p, uint32_t flags)
{
	unsigned zi;

	p->pick = phys_pick(flags);
	for (zi = 0; zi < RING_PHYS_ZONES; zi++) {
		struct phys_sg_zone *z = &p->zone[zi];

		if (zi != RING_PHYS_ZONE_32 && (flags & RING_PHYS_SPACE_32))
			continue;
		if (range_copy(&z->free, &phys.zone[zi].free) < 0)
			return -ENOMEM;
		if (p->pick == RANGE_FIRST || z->free.n == 0)
			continue;
		if ((z->heap = malloc(z->free.n * sizeof(z->heap[0]))) == NULL)
			return -ENOMEM;
		phys_sg_heapify(z);
	}
	return 0;
}

/* phys_find_fn of a plan: range_find()'s answer on the zone's copy. */
static int
phys_sg_find(void *ctx, unsigned zone, uint64_t len, uint64_t min,
    enum range_pick pick, uint64_t *base, uint64_t *usable)
{
	struct phys_sg_plan *p = ctx;
	struct phys_sg_zone *z = &p->zone[zone];
	const struct range *v = z->free.v;
	size_t i, best = SIZE_MAX;

	if (pick == RANGE_FIRST) {
		/* min only shrinks over a request; larger, the cursor holds */
		if (min < z->first_min || z->first_min == 0)
			z->first = 0;
		z->first_min = min;
		while (z->first < z->free.n && v[z->first].len < min)
			z->first++;
		best = z->first;
	} else {
		if (z->stale)
			phys_sg_heapify(z);
		if (z->nheap == 0 || v[z->heap[0]].len < min)
			return -ENOMEM;
		best = z->heap[0];
		if (pick == RANGE_BEST && v[best].len >= len)
			/* the smallest holding all of len, the lowest first */
			for (i = 0; i < z->free.n; i++)
				if (v[i].len >= len && v[i].len < v[best].len)
					best = i;
	}
	if (best >= z->free.n)
		return -ENOMEM;
	z->last = best;
	*base = v[best].base;
	*usable = v[best].len;
	return 0;
}

/* Take len bytes from the candidate zone's last answer named. */
static void
phys_sg_take(struct phys_sg_plan *p, unsigned zone, uint64_t len)
{
	struct phys_sg_zone *z = &p->zone[zone];
	size_t i = z->last;

	range_cut(&z->free, i, len);
	z->taken = true;
	if (p->pick == RANGE_FIRST)
		return;
	if (z->nheap > 0 && z->heap[0] == i) {
		if (z->free.v[i].len == 0)
			z->heap[0] = z->heap[--z->nheap];
		phys_sg_sift(z, 0);
	} else
		z->stale = true;
}

/* The copies the plan cut replace their zones' free sets. */
static void
phys_sg_plan_commit(struct phys_sg_plan *p)
{
	unsigned zi;

	for (zi = 0; zi < RING_PHYS_ZONES; zi++) {
		struct phys_sg_zone *z = &p->zone[zi];

		if (!z->taken)
			continue;
		range_compact(&z->free);
		range_fini(&phys.zone[zi].free);
		phys.zone[zi].free = z->free;
		memset(&z->free, 0, sizeof(z->free));
	}
}

/* A PHYS_ALLOC_SG request's flags, sizes and count; -EINVAL. */
static int
phys_sg_check(const struct proto_phys_alloc_sg *req, uint64_t *size,
    uint64_t *min)
{
	int rc;

	if ((rc = phys_check_flags(req->flags)) < 0)
		return rc;
	if (!(req->flags & RING_PHYS_PARTIAL_ALLOC))
		return -EINVAL;
	*size = req->size;
	*min = req->min;
	if (!phys_round(size) || !phys_round(min))
		return -EINVAL;
	if (req->max_segs == 0 || req->max_segs > PROTO_PHYS_SG_SEGS)
		return -EINVAL;
	return 0;
}

/*
 * PROTO_PHYS_ALLOC_SG: ring_phys_sg_alloc()'s loop of physalloc3 calls,
 * each step checked and limited exactly as PHYS_ALLOC would (the uid's
 * quota and region count counting the steps before it), planned first
 * and made only when every step succeeded, so a failure keeps nothing.
 * The reply is one list packet: at most as many segments as the
 * client's output limit lets one packet hold (list_packet_room()).
 */
int
phys_handle_alloc_sg(struct client *c, struct proto_msg *m)
{
	static struct proto_list_reply l; /* one thread; copied when queued */
	const struct proto_phys_alloc_sg *req = (const void *)m->body.raw;
	uint64_t size, min, left, step, smin, base, got;
	uint64_t quota, cap[RING_PHYS_ZONES];
	uint32_t max_regions, nsegs = 0, i;
	struct phys_charge held;
	struct phys_sg_plan plan;
	struct proto_phys_seg *seg;
	struct phys_region **r = NULL;
	struct phys_uid *u;
	unsigned zone;
	size_t fit;
	int rc;

	if (req->reserved != 0)
		return -EBADMSG;
	if (req->region_flags & ~RING_PHYS_PERSIST)
		return -EINVAL;
	if ((rc = policy_phys(c, &quota, &max_regions)) < 0)
		return rc;
	if ((rc = phys_sg_check(req, &size, &min)) < 0)
		return rc;
	if ((rc = proto_list_reply_init(&l, PROTO_PHYS_ALLOC_SG,
		 list_packet_room())) < 0)
		return rc;
	seg = proto_list_reply_slot(&l, &fit);
	if (fit > req->max_segs)
		fit = req->max_segs;
	if ((u = phys_uid_get(c->peer.uid, true)) == NULL)
		return -ENOMEM;
	memset(&plan, 0, sizeof(plan));
	if ((rc = phys_sg_plan_init(&plan, req->flags)) < 0)
		goto out;
	phys_charge_of(u, &held);
	for (left = size; left > 0 && nsegs < fit; left -= got) {
		step = left;
		smin = min < left ? min : left;
		if ((rc = phys_room(&held, nsegs, quota, max_regions, smin,
			 &step, cap)) < 0 ||
		    (rc = phys_choose(step, smin, req->flags, cap, phys_sg_find,
			 &plan, &zone, &base, &got)) < 0)
			goto out;
		phys_sg_take(&plan, zone, got);
		phys_charge_add(&held, zone, got);
		seg[nsegs].base = base;
		seg[nsegs].len = got;
		nsegs++;
	}
	rc = -ENOMEM;
	if ((r = calloc(nsegs, sizeof(*r))) == NULL)
		goto out;
	for (i = 0; i < nsegs; i++)
		if ((r[i] = calloc(1, sizeof(*r[i]))) == NULL)
			goto out;
	/* nothing fails from here on */
	phys_sg_plan_commit(&plan);
	for (i = 0; i < nsegs; i++) {
		zone = seg[i].base < RING_PHYS_4G ? RING_PHYS_ZONE_32
						  : RING_PHYS_ZONE_64;
		phys_region_init(r[i], c, zone, seg[i].base, seg[i].len,
		    req->region_flags);
		phys_region_insert(r[i], u);
		seg[i].region_id = r[i]->id;
		r[i] = NULL;
	}
	proto_list_reply_commit(&l, nsegs);
	proto_list_reply_end(&l, left == 0);
	log_debug("%s: physalloc3 scatter-gather of %u segments, %#llx bytes "
		  "of %#llx, flags %#x",
	    client_name(c), nsegs, (unsigned long long)(size - left),
	    (unsigned long long)size, req->flags);
	rc = client_reply(c, m, l.body.raw, l.len);
out:
	for (i = 0; r != NULL && i < nsegs; i++)
		free(r[i]);
	free(r);
	phys_sg_plan_free(&plan);
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
