/*
 * phys-map.c - a region's memory (a sealed memory file, made when first
 * mapped) handed to its owner and to those it was granted to, and the
 * grants themselves: to the other side of a ring the owner is on, so that
 * a scheme maps, for each ring, only what that ring's driver gave it.
 *
 * Part of ringd's physical memory (phys-int.h); depends on phys.c's
 * lookups and on ringd's rings and clients.
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

/* --- mapping and grants ---------------------------------------------------- */

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
int
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

void
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
	return client_reply_ok(c, m);
}
