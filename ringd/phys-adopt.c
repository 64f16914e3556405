/*
 * phys-adopt.c - physical memory across a ringd restart: at a clean stop
 * every region is recorded (with its memory file handed to the service
 * manager); at start each is restored with its frames reserved, and waits
 * in the adopt window for its memory file and for the process that held
 * it to claim it (PHYS_ADOPT); what nobody claims dies unless persistent.
 *
 * Part of ringd's physical memory (phys-int.h); depends on phys.c and
 * phys-map.c, and on ringd's state records (state.c).
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
	if ((rc = range_reserve(&phys.zone[sr->zone].free, sr->base,
		 sr->size)) < 0) {
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

	return ringd_file_cmp(x->dev, x->ino, y->dev, y->ino);
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
		side = rr == NULL || rr->dead		 ? NULL
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
		share = phys_zone_share(r->zone);
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
	return client_reply(c, m, &rep, sizeof(rep));
}
