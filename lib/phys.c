/*
 * phys.c - libring's side of physalloc3: allocate, free, map and grant
 * regions of ringd's simulated physical memory, scatter-gather lists made
 * of partial allocations, and the peer-side resolver that turns physical
 * addresses into pointers through a per-connection mapping cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ring/phys.h>

#include "internal.h"
#include "proto.h"

#define PHYS_FRAME ((uint64_t)RING_PHYS_FRAME)

/*
 * Memory files a handle keeps for a ringd restart, at most: past that,
 * regions are handed back without their memory (ringd, or another holder,
 * may still have it), so as not to eat the process's descriptors.
 */
#define PHYS_HELD_FDS_MAX 256

/* Rings an entry remembers ringd confirmed; the oldest goes first. */
#define PHYS_ENTRY_RINGS RING_PHYS_GRANT_MAX

/*
 * One region mapped whole by ring_phys_resolve() or
 * ring_phys_resolve_ring(), with the rings ringd said it may be used for.
 * (base and size first: phys_index() searches both kinds of entry.)
 */
struct ring_phys_entry {
	uint64_t base;
	uint64_t size;
	uint64_t region_id;
	uint8_t *ptr;
	uint32_t nrings;
	uint64_t ring[PHYS_ENTRY_RINGS];
};

/*
 * A region a handle set to reconnect allocated or received the memory
 * file of: what it hands back to a restarted ringd (PHYS_ADOPT).
 */
struct ring_phys_held {
	uint64_t base;
	uint64_t size;
	uint64_t region_id;
	int fd;	    /* its memory file, writable; -1: never received */
	bool owner; /* allocated through this handle */
};

/*
 * The resolver's mappings, and the regions held for a restart, each
 * sorted by base, never overlapping.
 */
struct ring_phys_cache {
	struct ring_phys_entry *v;
	size_t n, cap;
	struct ring_phys_held *held;
	size_t nheld, capheld;
	size_t nheldfds; /* held[].fd open */
};

/* Round up to frames; false when len is 0 or the result overflows. */
static bool
phys_round(uint64_t *len)
{
	if (*len == 0 || *len > UINT64_MAX - (PHYS_FRAME - 1))
		return false;
	*len = (*len + PHYS_FRAME - 1) & ~(PHYS_FRAME - 1);
	return true;
}

RING_EXPORT const char *
ring_phys_zone_name(uint32_t zone)
{
	switch (zone) {
	case RING_PHYS_ZONE_32:
		return "32";
	case RING_PHYS_ZONE_64:
		return "64";
	}
	return "?";
}

/* --- the resolver's cache --------------------------------------------- */

void
ringi_phys_cache_free(struct ring_phys_cache *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->n; i++)
		munmap(pc->v[i].ptr, pc->v[i].size);
	ringi_phys_held_clear(pc);
	free(pc->held);
	free(pc->v);
	free(pc);
}

/*
 * Index of the first of n entries (stride bytes apart, each starting with
 * uint64_t base and size, sorted) ending above addr; n: none.
 */
static size_t
phys_index(const void *v, size_t n, size_t stride, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint64_t *e = (const void *)((const char *)v +
		    mid * stride);

		if (e[0] + e[1] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
phys_cache_index(const struct ring_phys_cache *pc, uint64_t addr)
{
	return phys_index(pc->v, pc->n, sizeof(pc->v[0]), addr);
}

/* The handle's cache, made when first needed; NULL without memory. */
static struct ring_phys_cache *
phys_cache_get(struct ring_ctl *c)
{
	struct ring_phys_cache **pcp = ringi_ctl_phys_cache(c);

	if (*pcp == NULL)
		*pcp = calloc(1, sizeof(**pcp));
	return *pcp;
}

/* --- regions held for a ringd restart ---------------------------------- */

static void
phys_held_drop(struct ring_phys_cache *pc, size_t i)
{
	if (pc->held[i].fd >= 0) {
		close(pc->held[i].fd);
		pc->nheldfds--;
	}
	memmove(&pc->held[i], &pc->held[i + 1],
	    (pc->nheld - i - 1) * sizeof(pc->held[0]));
	pc->nheld--;
}

void
ringi_phys_held_clear(struct ring_phys_cache *pc)
{
	while (pc != NULL && pc->nheld > 0)
		phys_held_drop(pc, pc->nheld - 1);
}

/* Forget held regions overlapping [base, base + size) (all, or others'). */
static void
phys_held_forget(struct ring_phys_cache *pc, uint64_t base, uint64_t size,
    bool owned_too)
{
	size_t i;

	if (pc == NULL)
		return;
	i = phys_index(pc->held, pc->nheld, sizeof(pc->held[0]), base);
	while (i < pc->nheld && pc->held[i].base < base + size) {
		if (owned_too || !pc->held[i].owner)
			phys_held_drop(pc, i);
		else
			i++;
	}
}

/*
 * Remember a region for a ringd restart when the handle is set to
 * reconnect: owner when this handle allocated it; fd (not taken) its
 * memory file, writable, or -1.  Best effort: without memory the region
 * is not handed back.
 */
static void
phys_held_note(struct ring_ctl *c, uint64_t id, uint64_t base, uint64_t size,
    bool owner, int fd)
{
	struct ring_phys_cache *pc;
	struct ring_phys_held *h, *nv;
	size_t i;

	if (!ringi_ctl_keeps(c) || (pc = phys_cache_get(c)) == NULL)
		return;
	i = phys_index(pc->held, pc->nheld, sizeof(pc->held[0]), base);
	if (i < pc->nheld && pc->held[i].region_id == id &&
	    pc->held[i].base == base && pc->held[i].size == size) {
		h = &pc->held[i];
	} else {
		/* an older region there was freed meanwhile */
		phys_held_forget(pc, base, size, true);
		if (pc->nheld == pc->capheld) {
			size_t cap = pc->capheld ? 2 * pc->capheld : 16;

			if ((nv = realloc(pc->held, cap * sizeof(*nv))) == NULL)
				return;
			pc->held = nv;
			pc->capheld = cap;
		}
		i = phys_index(pc->held, pc->nheld, sizeof(pc->held[0]), base);
		memmove(&pc->held[i + 1], &pc->held[i],
		    (pc->nheld - i) * sizeof(pc->held[0]));
		pc->nheld++;
		h = &pc->held[i];
		memset(h, 0, sizeof(*h));
		h->base = base;
		h->size = size;
		h->region_id = id;
		h->fd = -1;
	}
	h->owner |= owner;
	if (h->fd < 0 && fd >= 0 && pc->nheldfds < PHYS_HELD_FDS_MAX &&
	    (h->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) >= 0)
		pc->nheldfds++;
}

/*
 * After a ringd restart, hand every held region back (PHYS_ADOPT), with
 * its memory file when held.  A region refused is forgotten (its mappings
 * stay); the first refusal of a region this handle allocated is returned.
 */
int
ringi_phys_adopt_held(struct ring_ctl *c)
{
	struct ring_phys_cache *pc = *ringi_ctl_phys_cache(c);
	struct proto_phys_adopt req;
	size_t i = 0;
	int rc, first = 0;

	while (pc != NULL && i < pc->nheld) {
		struct ring_phys_held *h = &pc->held[i];

		memset(&req, 0, sizeof(req));
		req.region_id = h->region_id;
		req.base = h->base;
		req.size = h->size;
		req.flags = h->owner ? PROTO_PHYS_ADOPT_CLAIM : 0;
		rc = ringi_ctl_call_fds(c, PROTO_PHYS_ADOPT, &req, sizeof(req),
		    &h->fd, h->fd >= 0 ? 1 : 0, NULL);
		if (ring_ctl_is_disconnect(c, rc))
			return rc; /* ringd went away again */
		if (rc == 0) {
			i++;
			continue;
		}
		if (h->owner && first == 0)
			first = rc;
		phys_held_drop(pc, i);
	}
	return first;
}

static void
phys_cache_drop(struct ring_phys_cache *pc, size_t i)
{
	munmap(pc->v[i].ptr, pc->v[i].size);
	memmove(&pc->v[i], &pc->v[i + 1], (pc->n - i - 1) * sizeof(pc->v[0]));
	pc->n--;
}

/* Unmap every cached region overlapping [base, base + size). */
static void
phys_cache_forget(struct ring_phys_cache *pc, uint64_t base, uint64_t size)
{
	size_t i;

	if (pc == NULL)
		return;
	i = phys_cache_index(pc, base);
	while (i < pc->n && pc->v[i].base < base + size)
		phys_cache_drop(pc, i);
}

/* Is ring_id among the rings ringd confirmed for e? */
static bool
phys_entry_has_ring(const struct ring_phys_entry *e, uint64_t ring_id)
{
	uint32_t i;

	for (i = 0; i < e->nrings; i++)
		if (e->ring[i] == ring_id)
			return true;
	return false;
}

static void
phys_entry_add_ring(struct ring_phys_entry *e, uint64_t ring_id)
{
	if (ring_id == 0 || phys_entry_has_ring(e, ring_id))
		return;
	if (e->nrings == PHYS_ENTRY_RINGS) {
		memmove(&e->ring[0], &e->ring[1],
		    (PHYS_ENTRY_RINGS - 1) * sizeof(e->ring[0]));
		e->nrings--;
	}
	e->ring[e->nrings++] = ring_id;
}

static int
phys_cache_insert(struct ring_ctl *c, const struct proto_phys_map_reply *rep,
    uint64_t ring_id, uint8_t *ptr)
{
	struct ring_phys_cache *pc = phys_cache_get(c);
	uint64_t base = rep->region_base, size = rep->region_size;
	struct ring_phys_entry *nv;
	size_t i;

	if (pc == NULL)
		return -ENOMEM;
	/* a region freed and allocated anew: the old mapping is stale */
	phys_cache_forget(pc, base, size);
	if (pc->n == pc->cap) {
		size_t cap = pc->cap ? pc->cap * 2 : 16;

		if ((nv = realloc(pc->v, cap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		pc->v = nv;
		pc->cap = cap;
	}
	i = phys_cache_index(pc, base);
	memmove(&pc->v[i + 1], &pc->v[i], (pc->n - i) * sizeof(pc->v[0]));
	memset(&pc->v[i], 0, sizeof(pc->v[i]));
	pc->v[i].base = base;
	pc->v[i].size = size;
	pc->v[i].region_id = rep->region_id;
	pc->v[i].ptr = ptr;
	phys_entry_add_ring(&pc->v[i], ring_id);
	pc->n++;
	return 0;
}

/* --- allocation -------------------------------------------------------- */

RING_EXPORT int
ring_physalloc3_region(struct ring_ctl *c, uint64_t size, uint32_t flags,
    uint32_t region_flags, uint64_t *min, uint64_t *base, uint64_t *region_id)
{
	struct proto_phys_alloc req;
	const struct proto_phys_alloc_reply *rep;
	struct proto_msg *m;
	int rc;

	memset(&req, 0, sizeof(req));
	req.size = size;
	req.min = *min;
	req.flags = flags;
	req.region_flags = region_flags;
	rc = ringi_ctl_call(c, PROTO_PHYS_ALLOC, &req, sizeof(req), &m);
	proto_msg_close_fds(m);
	if (rc < 0)
		return rc;
	rep = (const void *)m->body.raw;
	phys_held_note(c, rep->region_id, rep->base, rep->got, true, -1);
	*min = rep->got;
	*base = rep->base;
	if (region_id != NULL)
		*region_id = rep->region_id;
	return 0;
}

RING_EXPORT int
ring_physalloc3(struct ring_ctl *c, uint64_t size, uint32_t flags,
    uint64_t *min, uint64_t *base)
{
	return ring_physalloc3_region(c, size, flags, 0, min, base, NULL);
}

RING_EXPORT int
ring_physfree_flags(struct ring_ctl *c, uint64_t base, uint64_t size,
    uint32_t flags, struct ring_phys_user *users, uint32_t *nusers)
{
	const struct proto_phys_free_reply *rep;
	struct proto_phys_range req;
	struct proto_msg *m;
	uint32_t n, i;
	int rc;

	memset(&req, 0, sizeof(req));
	req.base = base;
	req.size = size;
	req.flags = flags;
	rc = ringi_ctl_call(c, PROTO_PHYS_FREE, &req, sizeof(req), &m);
	proto_msg_close_fds(m);
	if (rc == 0) {
		phys_cache_forget(*ringi_ctl_phys_cache(c), base, size);
		phys_held_forget(*ringi_ctl_phys_cache(c), base, size, true);
	}
	if (users == NULL || nusers == NULL)
		return rc;
	n = 0;
	if (rc == -EBUSY && m->hdr.type == (PROTO_PHYS_FREE | PROTO_REPLY)) {
		rep = (const void *)m->body.raw;
		n = rep->nusers < RING_PHYS_USERS_MAX ? rep->nusers
						      : RING_PHYS_USERS_MAX;
		n = n < *nusers ? n : *nusers;
		for (i = 0; i < n; i++) {
			users[i] = rep->user[i];
			users[i].peer.comm[RING_CTL_COMM_MAX - 1] = '\0';
		}
	}
	*nusers = n;
	return rc;
}

RING_EXPORT int
ring_physfree(struct ring_ctl *c, uint64_t base, uint64_t size)
{
	return ring_physfree_flags(c, base, size, 0, NULL, NULL);
}

/* --- mapping ------------------------------------------------------------- */

/* Ask for the memory file of the region holding [base, base + size). */
static int
phys_map_request(struct ring_ctl *c, uint64_t base, uint64_t size,
    uint32_t flags, uint64_t ring_id, struct proto_phys_map_reply *rep, int *fd)
{
	struct proto_phys_map req;
	struct proto_msg *m;
	int rc;

	memset(&req, 0, sizeof(req));
	req.base = base;
	req.size = size;
	req.flags = flags;
	req.ring_id = ring_id;
	rc = ringi_ctl_call(c, PROTO_PHYS_MAP, &req, sizeof(req), &m);
	if (rc < 0) {
		proto_msg_close_fds(m);
		return rc;
	}
	memcpy(rep, m->body.raw, sizeof(*rep));
	/* the reply must hold the range it answers */
	if (m->nfds != 1 || rep->region_size == 0 || base < rep->region_base ||
	    base - rep->region_base > rep->region_size ||
	    size > rep->region_size - (base - rep->region_base)) {
		proto_msg_close_fds(m);
		return -EBADMSG;
	}
	*fd = m->fds[0];
	m->nfds = 0; /* the caller's now */
	return 0;
}

/*
 * Map len bytes at off of the memory file fd that rep answered with, note
 * the region as held, and close fd (the holder keeps its own copy).
 */
static int
phys_map_fd(struct ring_ctl *c, const struct proto_phys_map_reply *rep,
    int fd, size_t len, int prot, off_t off, void **ptr)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);
	int rc = p == MAP_FAILED ? -errno : 0;

	if (rc == 0) {
		phys_held_note(c, rep->region_id, rep->region_base,
		    rep->region_size, false, rep->writable ? fd : -1);
		*ptr = p;
	}
	close(fd);
	return rc;
}

RING_EXPORT int
ring_physmap(struct ring_ctl *c, uint64_t base, uint64_t size, uint32_t flags,
    void **ptr)
{
	struct proto_phys_map_reply rep;
	int fd, rc, prot;

	if (base % PHYS_FRAME != 0 || !phys_round(&size) || size > SIZE_MAX)
		return -EINVAL;
	if ((rc = phys_map_request(c, base, size, flags, 0, &rep, &fd)) < 0)
		return rc;
	prot = PROT_READ | ((flags & RING_PHYSMAP_WRITE) ? PROT_WRITE : 0);
	return phys_map_fd(c, &rep, fd, (size_t)size, prot,
	    (off_t)(base - rep.region_base), ptr);
}

RING_EXPORT int
ring_physunmap(void *ptr, uint64_t size)
{
	if (ptr == NULL || (uintptr_t)ptr % PHYS_FRAME != 0 ||
	    !phys_round(&size) || size > SIZE_MAX)
		return -EINVAL;
	return munmap(ptr, (size_t)size) < 0 ? -errno : 0;
}

/* --- sharing ------------------------------------------------------------ */

static int
phys_grant(struct ring_ctl *c, uint64_t base, uint64_t ring_id, bool revoke)
{
	struct proto_phys_grant req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.base = base;
	req.ring_id = ring_id;
	req.revoke = revoke;
	rc = ringi_ctl_call(c, PROTO_PHYS_GRANT, &req, sizeof(req), NULL);
	return rc;
}

RING_EXPORT int
ring_phys_grant(struct ring_ctl *c, uint64_t base, uint64_t ring_id)
{
	return phys_grant(c, base, ring_id, false);
}

RING_EXPORT int
ring_phys_revoke(struct ring_ctl *c, uint64_t base, uint64_t ring_id)
{
	return phys_grant(c, base, ring_id, true);
}

/*
 * The resolver: from the cache when it holds [phys, phys + len) and, for a
 * ring, ringd confirmed that ring for the region; else ask ringd, map the
 * region whole unless the cache holds that very region already, and
 * remember the answer.  *base (when not NULL) gets the region's base.
 */
static int
phys_resolve(struct ring_ctl *c, uint64_t ring_id, uint64_t phys, uint64_t len,
    void **ptr, uint64_t *base)
{
	struct ring_phys_cache *pc = *ringi_ctl_phys_cache(c);
	struct proto_phys_map_reply rep;
	struct ring_phys_entry *e = NULL;
	uint64_t page, span;
	size_t i;
	void *p;
	int fd, rc;

	if (len == 0 || phys > UINT64_MAX - len)
		return -EINVAL;
	if (pc != NULL && (i = phys_cache_index(pc, phys)) < pc->n &&
	    pc->v[i].base <= phys &&
	    phys + len <= pc->v[i].base + pc->v[i].size) {
		e = &pc->v[i];
		if (ring_id == 0 || phys_entry_has_ring(e, ring_id))
			goto found;
	}
	page = phys & ~(PHYS_FRAME - 1);
	span = phys + len - page;
	if (!phys_round(&span))
		return -EINVAL;
	rc = phys_map_request(c, page, span, RING_PHYSMAP_WRITE, ring_id, &rep,
	    &fd);
	if (rc < 0)
		return rc;
	if (e != NULL && e->region_id == rep.region_id &&
	    e->base == rep.region_base && e->size == rep.region_size) {
		/* mapped already: only the ring is new */
		close(fd);
		phys_entry_add_ring(e, ring_id);
		goto found;
	}
	if (rep.region_size > SIZE_MAX) {
		close(fd);
		return -ENOMEM;
	}
	rc = phys_map_fd(c, &rep, fd, (size_t)rep.region_size,
	    PROT_READ | PROT_WRITE, 0, &p);
	if (rc < 0)
		return rc;
	if ((rc = phys_cache_insert(c, &rep, ring_id, p)) < 0) {
		munmap(p, (size_t)rep.region_size);
		return rc;
	}
	*ptr = (uint8_t *)p + (phys - rep.region_base);
	if (base != NULL)
		*base = rep.region_base;
	return 0;
found:
	*ptr = e->ptr + (phys - e->base);
	if (base != NULL)
		*base = e->base;
	return 0;
}

RING_EXPORT int
ring_phys_resolve(struct ring_ctl *c, uint64_t phys, uint64_t len, void **ptr)
{
	return phys_resolve(c, 0, phys, len, ptr, NULL);
}

RING_EXPORT int
ring_phys_resolve_ring(struct ring_ctl *c, uint64_t ring_id, uint64_t phys,
    uint64_t len, void **ptr, uint64_t *base)
{
	if (ring_id == 0)
		return -EINVAL;
	return phys_resolve(c, ring_id, phys, len, ptr, base);
}

RING_EXPORT int
ring_phys_release(struct ring_ctl *c, uint64_t phys)
{
	struct ring_phys_cache *pc = *ringi_ctl_phys_cache(c);
	size_t i;

	if (pc == NULL || (i = phys_cache_index(pc, phys)) == pc->n ||
	    pc->v[i].base > phys)
		return -ENOENT;
	/* memory of a region we did not allocate: not ours to hand back */
	phys_held_forget(pc, pc->v[i].base, pc->v[i].size, false);
	phys_cache_drop(pc, i);
	return 0;
}

/* --- scatter-gather lists ------------------------------------------------ */

/* Room for n more segments in *sgp (grown by doubling); -ENOMEM. */
static int
phys_sg_grow(struct ring_phys_sg **sgp, uint32_t *cap, uint32_t n)
{
	struct ring_phys_sg *nsg;
	uint32_t ncap = *cap;

	while (ncap - (*sgp)->nsegs < n)
		ncap = ncap > RING_PHYS_SG_MAX / 2 ? RING_PHYS_SG_MAX
						   : ncap * 2;
	if (ncap == *cap)
		return 0;
	nsg = realloc(*sgp, sizeof(*nsg) + ncap * sizeof(nsg->seg[0]));
	if (nsg == NULL)
		return -ENOMEM;
	*sgp = nsg;
	*cap = ncap;
	return 0;
}

/* Append one segment ringd allocated; -EBADMSG when it breaks a promise. */
static int
phys_sg_add(struct ring_ctl *c, struct ring_phys_sg *sg, uint64_t left,
    uint64_t base, uint64_t len, uint64_t region_id)
{
	if (len == 0 || len > left || len % PHYS_FRAME != 0 ||
	    base % PHYS_FRAME != 0 || base > UINT64_MAX - len)
		return -EBADMSG;
	phys_held_note(c, region_id, base, len, true, -1);
	sg->seg[sg->nsegs].base = base;
	sg->seg[sg->nsegs].len = len;
	sg->nsegs++;
	sg->total += len;
	return 0;
}

/*
 * One PHYS_ALLOC_SG request for up to max segments of the left bytes,
 * at the end of sg (which has room for them).  A reply that breaks the
 * request's promises is -EBADMSG; the well-formed segments before the
 * first bad one are in sg, for the caller to free.
 */
static int
phys_sg_request(struct ring_ctl *c, struct ring_phys_sg *sg, uint64_t left,
    uint64_t min, uint32_t flags, uint32_t max)
{
	struct proto_phys_alloc_sg req;
	struct proto_phys_seg seg;
	struct proto_msg *m;
	const uint8_t *recs;
	uint64_t total = sg->total;
	uint32_t end;
	size_t len, k, i;
	int32_t err;
	int rc;

	memset(&req, 0, sizeof(req));
	req.size = left;
	req.min = min;
	req.flags = flags;
	req.region_flags = sg->region_flags;
	req.max_segs = max;
	rc = ringi_ctl_call(c, PROTO_PHYS_ALLOC_SG, &req, sizeof(req), &m);
	proto_msg_close_fds(m);
	if (rc < 0)
		return rc;
	if (proto_list_reply_parse(m, &err, &end, (const void **)&recs, &len) !=
	    (int)sizeof(seg))
		return -EBADMSG;
	k = len / sizeof(seg);
	if (k == 0 || k > max)
		return -EBADMSG;
	for (i = 0; i < k; i++) {
		memcpy(&seg, recs + i * sizeof(seg), sizeof(seg));
		rc = phys_sg_add(c, sg, left - (sg->total - total), seg.base,
		    seg.len, seg.region_id);
		if (rc < 0)
			return rc;
	}
	/* the end word says whether the list holds all that was asked */
	if ((end != 0) != (sg->total - total == left))
		return -EBADMSG;
	return 0;
}

RING_EXPORT int
ring_phys_sg_alloc(struct ring_ctl *c, uint64_t size, uint64_t min,
    uint32_t flags, uint32_t region_flags, struct ring_phys_sg **ret)
{
	const uint32_t allowed = RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64 |
	    RING_PHYS_PARTIAL_ALLOC | RING_PHYS_STRATEGY_MASK;
	struct ring_phys_sg *sg;
	uint32_t cap = 16, max;
	int rc;

	if ((flags & ~allowed) || !phys_round(&size) || !phys_round(&min))
		return -EINVAL;
	flags |= RING_PHYS_PARTIAL_ALLOC;
	if ((flags & RING_PHYS_STRATEGY_MASK) == 0)
		flags |= RING_PHYS_GREATEST_RANGE;
	if ((sg = malloc(sizeof(*sg) + cap * sizeof(sg->seg[0]))) == NULL)
		return -ENOMEM;
	sg->total = 0;
	sg->nsegs = 0;
	sg->region_flags = region_flags;
	while (sg->total < size) {
		if (sg->nsegs == RING_PHYS_SG_MAX) {
			rc = -E2BIG;
			goto fail;
		}
		max = RING_PHYS_SG_MAX - sg->nsegs;
		if (max > PROTO_PHYS_SG_SEGS)
			max = PROTO_PHYS_SG_SEGS;
		if ((rc = phys_sg_grow(&sg, &cap, max)) < 0 ||
		    (rc = phys_sg_request(c, sg, size - sg->total, min, flags,
			 max)) < 0)
			goto fail;
	}
	*ret = sg;
	return 0;

fail:
	(void)ring_phys_sg_free(c, sg);
	return rc;
}

RING_EXPORT int
ring_phys_sg_free(struct ring_ctl *c, struct ring_phys_sg *sg)
{
	uint32_t i;
	int rc, first = 0;

	if (sg == NULL)
		return 0;
	for (i = 0; i < sg->nsegs; i++) {
		rc = ring_physfree(c, sg->seg[i].base, sg->seg[i].len);
		if (rc < 0 && first == 0)
			first = rc;
	}
	free(sg);
	return first;
}

/* --- introspection -------------------------------------------------------- */

RING_EXPORT int
ring_phys_list_zones(struct ring_ctl *c, struct ring_phys_zone **v, size_t *n)
{
	return ringi_ctl_list(c, PROTO_PHYS_LIST_ZONES, sizeof(**v), NULL,
	    (void **)v, n);
}

RING_EXPORT int
ring_phys_list_free(struct ring_ctl *c, struct ring_phys_range **v, size_t *n)
{
	return ringi_ctl_list(c, PROTO_PHYS_LIST_FREE, sizeof(**v), NULL,
	    (void **)v, n);
}

/* A region record bounded: its owner's name ends, its grants fit the array. */
static void
phys_region_fix(void *rec)
{
	struct ring_phys_region *r = rec;

	r->owner.comm[RING_CTL_COMM_MAX - 1] = '\0';
	if (r->grants > RING_PHYS_GRANT_MAX)
		r->grants = RING_PHYS_GRANT_MAX;
}

RING_EXPORT int
ring_phys_list_regions(struct ring_ctl *c, struct ring_phys_region **v,
    size_t *n)
{
	return ringi_ctl_list(c, PROTO_PHYS_LIST_REGIONS, sizeof(**v),
	    phys_region_fix, (void **)v, n);
}
