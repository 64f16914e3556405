/*
 * rings.c - the rings ringd brokers: OPEN (create the pair, keep a
 * monitor handle, hand the descriptors to both sides), ACCEPT from the
 * scheme, CLOSE, the accept timeout, and what happens when a side leaves.
 *
 * What LIST_RINGS reports of a ring is rings-rec.c's.
 *
 * A ring's life on ringd's side: pending (external scheme asked, ATTACH
 * sent) -> running -> one side gone (DROP set; if it was the producer,
 * ringd takes the producer side over and answers what is left in the SQ
 * with -ESHUTDOWN) -> released when no client holds it any more.  Released
 * records are freed after the event batch (rings_reap()).
 *
 * When ringd stops, rings between two other processes are left alone:
 * their data path never went through ringd.  After a restart each side
 * tells the new ringd about them (ADOPT, with the descriptors), the sides
 * meet again by their memory file, and a side that does not come back in
 * adopt_timeout_ms is treated as gone.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringd.h"

static int
rings_cmp(struct ringd_ring *a, struct ringd_ring *b)
{
	return a->id < b->id ? -1 : a->id > b->id;
}

RB_GENERATE(ring_tree, ringd_ring, node, rings_cmp)

static int
rings_mem_cmp(struct ringd_ring *a, struct ringd_ring *b)
{
	return ringd_file_cmp(a->mem_dev, a->mem_ino, b->mem_dev, b->mem_ino);
}

RB_GENERATE(ring_mem_tree, ringd_ring, mem_node, rings_mem_cmp)

/* released rings rings_reap() has not freed yet: they hold descriptors */
static uint32_t rings_ndead;

/*
 * Enter a new ring in the model, under its id and (a v1 pair) its memory
 * file; a redox_ring has none.
 */
int
rings_insert(struct ringd_ring *rr)
{
	struct stat st;

	if (rr->rx == NULL) {
		/* a spare pair (rings_pair_for()) comes with its identity */
		if (rr->mem_ino == 0) {
			if (fstat(rr->fds.mem, &st) < 0)
				return -errno;
			rr->mem_dev = st.st_dev;
			rr->mem_ino = st.st_ino;
		}
		if (RB_INSERT(ring_mem_tree, &ringd.ring_mems, rr) != NULL)
			return -EALREADY;
	}
	if (RB_INSERT(ring_tree, &ringd.rings, rr) != NULL) {
		/* ids are never issued twice: this is a bug, not a peer */
		log_error("ring id %llu is in use already",
		    (unsigned long long)rr->id);
		if (rr->rx == NULL)
			RB_REMOVE(ring_mem_tree, &ringd.ring_mems, rr);
		return -EEXIST;
	}
	ringd.nrings++;
	ringd.status_dirty = true;
	return 0;
}

struct ringd_ring *
rings_find(uint64_t id)
{
	struct ringd_ring key;

	key.id = id;
	return RB_FIND(ring_tree, &ringd.rings, &key);
}

static bool
rings_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/*
 * Parameters a consumer may ask for: -EINVAL for unknown flags, non-zero
 * reserved or a count that is not a power of two, -E2BIG over the limits.
 */
static int
rings_check_params(const struct ring_params *p)
{
	if (p->reserved != 0 || (p->flags & ~RING_PAIR_KNOWN) != 0)
		return -EINVAL;
	if (!rings_pow2(p->sq_entries) ||
	    (p->cq_entries != 0 && !rings_pow2(p->cq_entries)))
		return -EINVAL;
	if (p->sq_entries > ringd.conf.max_entries ||
	    p->cq_entries > ringd.conf.max_entries)
		return -E2BIG;
	if (p->pool_bytes > ringd.conf.max_pool_bytes)
		return -E2BIG;
	return 0;
}

/*
 * Count rr in its scheme's attached rings or stop counting it.  A ring is
 * attached while its consumer holds it and the scheme that accepted it
 * serves it; gen keeps a later holder of the same name from being
 * counted down for it.
 */
void
rings_attach(struct ringd_ring *rr, bool on)
{
	struct scheme *s;

	if (rr->attached == on)
		return;
	s = registry_find(rr->scheme);
	rr->attached = false;
	if (on) {
		if (s == NULL)
			return;
		rr->attached = true;
		rr->scheme_gen = s->gen;
		s->rings++;
	} else if (s != NULL && s->gen == rr->scheme_gen && s->rings > 0)
		s->rings--;
}

/* Count rr for c's uid (max_rings_per_uid), or say why not. */
int
rings_uid_take(struct ringd_ring *rr, const struct client *c)
{
	int rc;

	if ((rc = client_uid_ring_take(c)) < 0)
		return rc;
	rr->uid_counted = true;
	rr->uid_owner = c->peer.uid;
	return 0;
}

void
rings_uid_put(struct ringd_ring *rr)
{
	if (rr->uid_counted)
		client_uid_ring_put(rr->uid_owner);
	rr->uid_counted = false;
}

/* Take a ring out of the model; its memory goes in rings_reap(). */
void
rings_release(struct ringd_ring *rr)
{
	if (rr->dead)
		return;
	rr->dead = true;
	if (rr->rx != NULL)
		redox_release(rr); /* off its pending lists */
	rings_attach(rr, false);
	rings_uid_put(rr);
	if (!rr->kept)
		rings_drop(rr);
	builtin_stop(rr);
	if (rr->consumer != NULL) {
		LIST_REMOVE(rr, cons_link);
		rr->consumer->nrings--;
		rr->consumer = NULL;
	}
	if (rr->producer != NULL) {
		LIST_REMOVE(rr, prod_link);
		rr->producer = NULL;
	}
	if (rr->phase == RINGS_PENDING) {
		TAILQ_REMOVE(&ringd.pending, rr, pend_link);
		rr->phase = RINGS_RUNNING;
	}
	if (rr->phase == RINGS_ADOPTING) {
		TAILQ_REMOVE(&ringd.adopting, rr, pend_link);
		rr->phase = RINGS_RUNNING;
	}
	if (rr->rx == NULL)
		RB_REMOVE(ring_mem_tree, &ringd.ring_mems, rr);
	RB_REMOVE(ring_tree, &ringd.rings, rr);
	ringd.nrings--;
	ringd.status_dirty = true;
	TAILQ_INSERT_TAIL(&ringd.dead_rings, rr, dead_link);
	rings_ndead++;
	log_debug("ring %llu to '%s' released", (unsigned long long)rr->id,
	    rr->scheme);
}

/*
 * Free the released rings: out of the epoll set, descriptors closed.
 * Nothing of this has to come before the replies of the turn that
 * released them (the ring left the model then), so the loop calls it
 * when no event waits (loop_wait()), or once RINGD_REAP_DEFER of them
 * are waiting for it.
 */
void
rings_reap(void)
{
	struct ringd_ring *rr;

	while ((rr = TAILQ_FIRST(&ringd.dead_rings)) != NULL) {
		TAILQ_REMOVE(&ringd.dead_rings, rr, dead_link);
		rings_ndead--;
		builtin_unwatch(rr);
		redox_free(rr);
		ring_close(rr->mon);
		ring_fds_close(&rr->fds);
		free(rr);
	}
}

/* May the released rings wait for a turn with nothing else to do? */
bool
rings_reap_may_wait(void)
{
	return rings_ndead < RINGD_REAP_DEFER;
}

/* The pair's descriptors: ours, the doorbells the monitor's once it has them. */
void
rings_fds(const struct ringd_ring *rr, struct ring_fds *f)
{
	*f = rr->fds;
	if (rr->mon != NULL)
		ring_get_doorbells(rr->mon, f->doorbell);
}

/*
 * ringd's monitor handle on a v1 pair: its view of the two header pages,
 * mapped on first need (a listing, a status to set) and then kept, so
 * that a ring nobody looks at costs no mapping.  It takes the doorbells
 * over, under the same numbers.  NULL when it cannot be mapped.
 */
struct ring *
rings_mon(struct ringd_ring *rr)
{
	int rc;

	if (rr->mon != NULL || rr->rx != NULL)
		return rr->mon;
	if ((rc = ringi_monitor_open_made(&rr->params, &rr->fds, &rr->mon)) <
	    0) {
		log_warn("ring %llu: cannot map its headers: %s",
		    (unsigned long long)rr->id, strerror(-rc));
		return NULL;
	}
	rr->fds.doorbell[0] = rr->fds.doorbell[1] = -1;
	return rr->mon;
}

/*
 * rr's status words, read without a mapping (one pread()).  DROP in both
 * with nobody asleep is what rings_drop() would see to: remembered.
 */
static int
rings_status_fd(struct ringd_ring *rr, uint64_t st[2])
{
	bool asleep;
	int rc;

	if ((rc = ringi_status_read_fd(rr->fds.mem, st, &asleep)) < 0)
		return rc;
	if (!asleep && (st[0] & st[1] & RING_STATUS_DROP) != 0)
		rr->dropped = true;
	return 0;
}

/*
 * DROP: set it in both status words and wake every sleeper, unless both
 * say so already and nobody sleeps: the usual case of a consumer that set
 * it on leaving, known with one pread() where no monitor is mapped yet.
 * Once seen to, DROP stays: a side that clears it breaks the protocol on
 * its own ring.
 */
void
rings_drop(struct ringd_ring *rr)
{
	struct ring *mon;
	uint64_t st[2];

	if (rr->rx != NULL || rr->dropped)
		return;
	if (rr->mon == NULL && rings_status_fd(rr, st) == 0 && rr->dropped)
		return;
	if ((mon = rings_mon(rr)) != NULL) {
		ring_shutdown(mon);
		rr->dropped = true;
	}
}

/* Has a side (or ringd) set DROP or BROKEN on rr? */
bool
rings_is_over(struct ringd_ring *rr)
{
	const uint64_t over = RING_STATUS_DROP | RING_STATUS_BROKEN;
	uint64_t st[2];

	if (rr->mon != NULL)
		return ring_is_dropped(rr->mon) || ring_is_broken(rr->mon);
	if (rr->rx != NULL)
		return false;
	return rings_status_fd(rr, st) < 0 || ((st[0] | st[1]) & over) != 0;
}

/* Tell the consumer how its OPEN ended. */
static void
rings_reply_open(struct ringd_ring *rr, int err)
{
	if (rr->rx != NULL) {
		redox_fail_setup(rr, err); /* only ever a failure */
		return;
	}
	struct proto_open_reply r;
	struct ring_fds f;
	int fds[3];

	if (rr->consumer == NULL)
		return;
	rings_fds(rr, &f);
	fds[0] = f.mem;
	fds[1] = f.doorbell[0];
	fds[2] = f.doorbell[1];
	memset(&r, 0, sizeof(r));
	r.error = err;
	if (err == 0)
		r.ring_id = rr->id;
	if (err == 0 && rr->builtin)
		r.flags = PROTO_OPEN_RINGD_SERVES;
	client_send(rr->consumer, PROTO_OPEN | PROTO_REPLY, rr->open_seq, &r,
	    sizeof(r), fds, err == 0 ? 3 : 0);
}

/*
 * Spare pairs: a few pairs made ahead, of the parameters the last OPEN
 * asked for, each with its memory file sealed, its monitor handle and
 * the file's identity, so that an OPEN like the last one finds its pair
 * made.  They are made after the loop turn that used one
 * (rings_spare_fill()), not while a client waits.  A spare is a pair no
 * process but ringd has seen: it leaves the pool once, to become a ring
 * through the same admission as any other (rings_handle_open()), and a
 * ring's pair never comes back.  Spares count against the descriptor
 * room like rings (rings_fd_room()) but are no ring of anyone's; they
 * last while the connection whose OPEN asked for them does, so that an
 * idle ringd holds nothing.
 */
struct rings_spare {
	struct ring_fds fds;
	dev_t dev;
	ino_t ino;
};

static struct {
	struct ring_params params; /* what every spare was made with */
	bool armed;		   /* ... and whether for a built-in */
	struct ring_params want;   /* what the last OPEN asked for */
	bool want_armed;
	bool wanted;		   /* an OPEN used or missed a spare */
	const struct client *c;	   /* whose OPEN that was */
	unsigned n;
	struct rings_spare pair[RINGD_SPARE_PAIRS];
} rings_spares;

static bool rings_fd_fit(uint32_t spares, uint32_t rings, uint32_t serving,
    uint32_t clients);
static void rings_fd_short(int err);

static void
rings_spare_free(struct rings_spare *sp)
{
	ring_fds_close(&sp->fds);
}

/* Give every spare back (other parameters wanted, or shutdown). */
static void
rings_spare_flush(void)
{
	while (rings_spares.n > 0)
		rings_spare_free(&rings_spares.pair[--rings_spares.n]);
}

static bool
rings_params_eq(const struct ring_params *a, const struct ring_params *b)
{
	return a->sq_entries == b->sq_entries &&
	    a->cq_entries == b->cq_entries && a->flags == b->flags &&
	    a->pool_bytes == b->pool_bytes && a->reserved == b->reserved;
}

/* Is a spare of these parameters there, armed or not? */
static bool
rings_spare_has(const struct ring_params *p, bool armed)
{
	return rings_spares.n > 0 &&
	    rings_params_eq(&rings_spares.params, p) &&
	    rings_spares.armed == armed;
}

/*
 * A new pair of parameters p, armed if asked: the SQ's pop_wait says the
 * popper sleeps on the doorbell, as ring_arm() would, for entries only
 * (RING_WAIT_ENTRIES), so that the consumer's first request rings its
 * producer's doorbell and a consumer that closes the ring unused sets
 * DROP without waking ringd, which learns of it from the CLOSE or the
 * hang-up of the consumer's connection.  For a ring ringd serves, whose
 * producer side it opens on that first request (builtin.c).  The word is
 * written with the pair's description: ringd maps nothing of the pair.
 */
static int
rings_make_pair(const struct ring_params *p, bool armed, struct ring_fds *f)
{
	int rc;

	rc = ringi_pair_create_armed(p,
	    armed ? RING_WAIT_DOORBELL | RING_WAIT_ENTRIES : 0, f);
	rings_fd_short(rc);
	return rc;
}

/*
 * rr's pair, of the parameters the consumer asked for, armed for a ring
 * ringd serves: a spare when one of them is made, else a new one.  Either
 * way the next spares are made after this loop turn, like this one.
 */
static int
rings_pair_for(struct ringd_ring *rr, const struct client *c,
    const struct ring_params *p, bool armed)
{
	struct rings_spare *sp;

	rings_spares.want = *p;
	rings_spares.want_armed = armed;
	rings_spares.wanted = true;
	rings_spares.c = c;
	if (!rings_spare_has(p, armed))
		return rings_make_pair(p, armed, &rr->fds);
	sp = &rings_spares.pair[--rings_spares.n];
	rr->fds = sp->fds;
	rr->mem_dev = sp->dev;
	rr->mem_ino = sp->ino;
	return 0;
}

/*
 * After a loop turn in which an OPEN took a spare or found none: make
 * spares of its parameters, while the descriptor room allows, up to
 * RINGD_SPARE_PAIRS.  Failing is harmless: the next OPEN makes its pair.
 */
void
rings_spare_fill(void)
{
	struct rings_spare *sp;
	struct stat st;

	if (!rings_spares.wanted || rings_spares.c == NULL)
		return;
	rings_spares.wanted = false;
	if (!rings_params_eq(&rings_spares.params, &rings_spares.want) ||
	    rings_spares.armed != rings_spares.want_armed) {
		rings_spare_flush();
		rings_spares.params = rings_spares.want;
		rings_spares.armed = rings_spares.want_armed;
	}
	while (rings_spares.n < RINGD_SPARE_PAIRS &&
	    rings_fd_fit(rings_spares.n + 1, 1, 0, 0)) {
		sp = &rings_spares.pair[rings_spares.n];
		if (rings_make_pair(&rings_spares.params, rings_spares.armed,
			&sp->fds) < 0)
			return;
		if (fstat(sp->fds.mem, &st) < 0) {
			rings_spare_free(sp);
			return;
		}
		sp->dev = st.st_dev;
		sp->ino = st.st_ino;
		rings_spares.n++;
	}
}

/*
 * The descriptor limit rings_fd_fit() counts against: the soft limit
 * (raised to the hard one at start), read once rather than at every OPEN.
 * It is read again after a config reload (rings_fd_limit_reset()) and
 * after a descriptor could not be had (rings_fd_short()), so that a limit
 * lowered from outside, by prlimit(1), holds from the first refusal on.
 * 0: to be read.
 */
static rlim_t rings_nofile;

void
rings_fd_limit_reset(void)
{
	rings_nofile = 0;
}

/* err (-errno, or >= 0) from making descriptors: out of them? */
static void
rings_fd_short(int err)
{
	if (err == -EMFILE || err == -ENFILE)
		rings_fd_limit_reset();
}

static rlim_t
rings_fd_limit(void)
{
	struct rlimit rl;

	if (rings_nofile == 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return RLIM_INFINITY; /* not cached: tried again */
		rings_nofile = rl.rlim_cur;
	}
	return rings_nofile;
}

/*
 * Would spares spare pairs, and rings more rings, serving more of them
 * served by ringd and clients more connections leave RINGD_FD_RESERVE
 * descriptors free (new clients and takeovers of rings whose producer
 * dies need them)?  Counted from what ringd holds, released rings not
 * reaped yet included, against rings_fd_limit().
 */
static bool
rings_fd_fit(uint32_t spares, uint32_t rings, uint32_t serving,
    uint32_t clients)
{
	rlim_t lim = rings_fd_limit();
	uint64_t used, reserve;

	if (lim == RLIM_INFINITY)
		return true;
	reserve = lim / 8 < RINGD_FD_RESERVE ? lim / 8 : RINGD_FD_RESERVE;
	used = ((uint64_t)ringd.nrings + rings_ndead + spares + rings) *
		RINGD_FDS_PER_RING +
	    ((uint64_t)ringd.nserving + serving) * RINGD_FDS_PER_SERVE +
	    ((uint64_t)ringd.nclients + clients) * RINGD_FDS_PER_CLIENT +
	    RINGD_FDS_BASE + reserve;
	return used <= lim;
}

/*
 * Is there descriptor room for rings more rings, serving more served by
 * ringd and clients more connections?  Spare pairs give way: when only
 * they stand in the way, they are closed.
 */
bool
rings_fd_room(uint32_t rings, uint32_t serving, uint32_t clients)
{
	if (rings_fd_fit(rings_spares.n, rings, serving, clients))
		return true;
	if (rings_spares.n == 0 || !rings_fd_fit(0, rings, serving, clients))
		return false;
	rings_spare_flush();
	return true;
}

/*
 * OPEN to an external scheme: the ring waits for the scheme's ACCEPT
 * (pending, until accept_timeout_ms), and the scheme gets an ATTACH with
 * the pair's descriptors and the consumer's identity.
 */
static void
rings_attach_external(struct ringd_ring *rr, struct scheme *s,
    struct client *c)
{
	struct proto_attach a;
	struct ring_fds f;
	int fds[3];

	rings_fds(rr, &f);
	fds[0] = f.mem;
	fds[1] = f.doorbell[0];
	fds[2] = f.doorbell[1];

	rr->producer = s->owner;
	rr->ppeer = s->owner->peer;
	LIST_INSERT_HEAD(&s->owner->prod_rings, rr, prod_link);
	rr->phase = RINGS_PENDING;
	rr->deadline_ns = (int64_t)(rr->created_ns +
	    (uint64_t)ringd.conf.accept_timeout_ms * 1000000ull);
	TAILQ_INSERT_TAIL(&ringd.pending, rr, pend_link);
	memset(&a, 0, sizeof(a));
	a.ring_id = rr->id;
	memcpy(a.scheme, rr->scheme, sizeof(a.scheme));
	a.consumer = c->peer;
	a.params = rr->params;
	log_debug("%s opens ring %llu to '%s': attaching", client_name(c),
	    (unsigned long long)rr->id, rr->scheme);
	/* a scheme that cannot take it is killed; its reap fails us */
	client_send(s->owner, PROTO_ATTACH, 0, &a, sizeof(a), fds, 3);
}

/*
 * A ring a consumer opened to scheme s (OPEN, REDOX_SETUP), admitted:
 * a new id in the tree, the consumer's side linked, the scheme's counts.
 * The producer side is the caller's.  0, or -errno from the tree.
 */
int
rings_add_opened(struct ringd_ring *rr, struct client *c, struct scheme *s,
    uint32_t seq)
{
	int rc;

	rr->id = ++ringd.next_ring_id;
	if ((rc = rings_insert(rr)) < 0)
		return rc;
	memcpy(rr->scheme, s->name, sizeof(rr->scheme));
	rr->consumer = c;
	rr->cpeer = c->peer;
	rr->open_seq = seq;
	rr->created_ns = service_now_ns();
	LIST_INSERT_HEAD(&c->cons_rings, rr, cons_link);
	c->nrings++;
	s->rings_opened++;
	rings_attach(rr, true);
	return 0;
}

/*
 * OPEN: -EINVAL/-E2BIG bad parameters, -EACCES the policy says no (asked
 * before whether the scheme exists), -ENODEV no such scheme,
 * -EMFILE/-ENFILE over max_rings_per_client/max_rings, or what creating
 * the pair failed with.  An external scheme answers later (ACCEPT).
 */
int
rings_handle_open(struct client *c, struct proto_msg *m)
{
	const struct proto_open *req = (const void *)m->body.raw;
	struct ringd_ring *rr;
	struct scheme *s;
	int rc;

	if (!proto_name_ok(req->scheme, sizeof(req->scheme)))
		return -EINVAL;
	if (req->params.reserved != 0)
		return -EBADMSG;
	if ((rc = rings_check_params(&req->params)) < 0)
		return rc;
	if (policy_check(c, POLICY_OPEN, req->scheme) < 0)
		return -EACCES;
	if ((s = registry_find(req->scheme)) == NULL)
		return -ENODEV;
	if (c->nrings >= ringd.conf.max_rings_per_client)
		return -EMFILE;
	if (ringd.nrings >= ringd.conf.max_rings ||
	    !rings_fd_room(1, s->builtin != NULL, 0))
		return -ENFILE;
	/*
	 * A scheme that does not read its socket (stopped, or just slow)
	 * would be disconnected once what ringd queued for it passed
	 * max_pending_bytes, freeing its name.  The consumers that keep
	 * opening rings to it are told to try again instead.
	 */
	if (s->owner != NULL &&
	    s->owner->out_bytes >= ringd.conf.max_pending_bytes / 2)
		return -EAGAIN;
	if ((rr = calloc(1, sizeof(*rr))) == NULL)
		return -ENOMEM;
	rr->fds.mem = rr->fds.doorbell[0] = rr->fds.doorbell[1] = -1;
	if ((rc = rings_uid_take(rr, c)) < 0)
		goto fail;
	if ((rc = rings_pair_for(rr, c, &req->params, s->builtin != NULL)) <
	    0)
		goto fail;
	rr->params = req->params;
	if ((rc = rings_add_opened(rr, c, s, m->hdr.seq)) < 0)
		goto fail;

	if (s->builtin != NULL) {
		rr->builtin = true;
		rr->bi = s->builtin;
		policy_opset(c, rr->scheme, &rr->allowed);
		rr->allowed_gen = ringd.conf.policy.gen;
		memcpy(rr->ppeer.comm, "ringd", sizeof("ringd"));
		if ((rc = builtin_start(rr, true)) < 0) {
			rings_release(rr);
			return rc;
		}
		log_debug("%s opened ring %llu to built-in '%s'",
		    client_name(c), (unsigned long long)rr->id, rr->scheme);
		rings_reply_open(rr, 0);
		/*
		 * Its doorbell is watched once the consumer has its answer
		 * (builtin_watch()).  Should that fail, the ring ends as
		 * one whose producer cannot serve it: DROP, and the CLOSE
		 * or the consumer's hang-up frees it.
		 */
		if (!rr->dead && (rc = builtin_watch(rr)) < 0) {
			log_warn("ring %llu: cannot watch its doorbell: %s; "
				 "dropping it",
			    (unsigned long long)rr->id, strerror(-rc));
			rings_drop(rr);
			builtin_stop(rr);
		}
		return 0;
	}

	rings_attach_external(rr, s, c);
	return 0;

fail:
	rings_uid_put(rr);
	ring_close(rr->mon);
	ring_fds_close(&rr->fds);
	free(rr);
	return rc;
}

/* Both sides are back, or the one that was back left: stop waiting. */
static void
rings_adopt_done(struct ringd_ring *rr)
{
	if (rr->phase != RINGS_ADOPTING)
		return;
	TAILQ_REMOVE(&ringd.adopting, rr, pend_link);
	rr->phase = RINGS_RUNNING;
}

/* The consumer left (CLOSE or gone): DROP, and free when nobody is left. */
static void
rings_consumer_gone(struct ringd_ring *rr)
{
	if (rr->rx != NULL) {
		redox_consumer_gone(rr);
		return;
	}
	rings_adopt_done(rr);
	rings_attach(rr, false);
	LIST_REMOVE(rr, cons_link);
	rr->consumer->nrings--;
	rr->consumer = NULL;
	rings_drop(rr);
	if (rr->builtin || rr->phase == RINGS_TAKEN_OVER ||
	    rr->producer == NULL)
		rings_release(rr);
	/* else: the producer drains, sees ESHUTDOWN and closes; a pending
	 * ring waits for the scheme's answer or the timeout */
}

/*
 * Become the producer of a ring whose producer is gone: answer every
 * request it left in service and every SQE still queued with -ESHUTDOWN,
 * then DROP (builtin.c serves it with no scheme).
 */
static void
rings_take_over(struct ringd_ring *rr)
{
	int rc;

	rr->phase = RINGS_TAKEN_OVER;
	rr->bi = NULL;
	rings_attach(rr, false);
	if ((rc = builtin_start(rr, false)) < 0) {
		log_warn("ring %llu: cannot take over the producer side: %s",
		    (unsigned long long)rr->id, strerror(-rc));
		rings_drop(rr);
	}
}

/*
 * The producer left.  Pending: the open fails with -ECONNRESET.  Running
 * with a live consumer: ringd becomes the producer and answers every
 * request the producer left in service and every SQE still queued with
 * -ESHUTDOWN, then sets DROP.
 */
static void
rings_producer_gone(struct ringd_ring *rr)
{
	if (rr->rx != NULL) {
		redox_producer_gone(rr);
		return;
	}
	rings_adopt_done(rr);
	LIST_REMOVE(rr, prod_link);
	rr->producer = NULL;
	if (rr->phase == RINGS_PENDING) {
		rings_reply_open(rr, -ECONNRESET);
		rings_release(rr);
		return;
	}
	if (rr->consumer == NULL) {
		rings_release(rr);
		return;
	}
	rings_take_over(rr);
}

/*
 * ACCEPT from the scheme: -ENOENT unknown ring, -EPERM not its producer,
 * -EALREADY already answered, -EINVAL error not 0 or -1..-4095,
 * -ESHUTDOWN the consumer left meanwhile.
 */
int
rings_handle_accept(struct client *c, struct proto_msg *m)
{
	const struct proto_accept *a = (const void *)m->body.raw;
	struct ringd_ring *rr;
	struct proto_reply r;
	int rc;

	if (a->reserved != 0)
		return -EBADMSG;
	if ((rr = rings_find(a->ring_id)) == NULL)
		return -ENOENT;
	if (rr->producer != c)
		return -EPERM;
	if (rr->rx != NULL)
		return -EINVAL; /* a redox_ring is answered by REDOX_ACCEPT */
	if (rr->phase != RINGS_PENDING)
		return -EALREADY;
	if (a->error > 0 || a->error < -4095)
		return -EINVAL;
	TAILQ_REMOVE(&ringd.pending, rr, pend_link);
	rr->phase = RINGS_RUNNING;
	memset(&r, 0, sizeof(r));
	if (rr->consumer == NULL) {
		r.error = a->error == 0 ? -ESHUTDOWN : 0;
		rings_release(rr);
	} else if (a->error != 0) {
		log_info("scheme '%s' refused ring %llu for %s: %s", rr->scheme,
		    (unsigned long long)rr->id, client_name(rr->consumer),
		    strerror(-a->error));
		rings_reply_open(rr, a->error);
		rings_release(rr);
	} else {
		log_debug("scheme '%s' accepted ring %llu", rr->scheme,
		    (unsigned long long)rr->id);
		rings_reply_open(rr, 0);
	}
	rc = client_reply(c, m, &r, sizeof(r));
	/*
	 * A ring between two processes carries traffic that listings watch:
	 * its header view is mapped now, once both sides have their answer,
	 * not in the first listing while they run.
	 */
	if (!rr->dead)
		(void)rings_mon(rr);
	return rc;
}

/* CLOSE by either side: -ENOENT unknown ring, -EPERM not a side of it. */
int
rings_handle_close(struct client *c, struct proto_msg *m)
{
	const struct proto_ring_ref *req = (const void *)m->body.raw;
	struct ringd_ring *rr;

	if ((rr = rings_find(req->ring_id)) == NULL)
		return -ENOENT;
	if (rr->consumer == c)
		rings_consumer_gone(rr);
	else if (rr->producer == c) {
		if (rr->phase == RINGS_PENDING) {
			/* closing before answering is a refusal */
			rings_reply_open(rr, -ECONNREFUSED);
			rings_release(rr);
		} else
			rings_producer_gone(rr);
	} else
		return -EPERM;
	return client_reply_ok(c, m);
}

/* c is a side of rr again. */
static void
rings_adopt_side(struct ringd_ring *rr, struct client *c, bool consumer)
{
	if (consumer) {
		rr->consumer = c;
		rr->cpeer = c->peer;
		LIST_INSERT_HEAD(&c->cons_rings, rr, cons_link);
		c->nrings++;
	} else {
		rr->producer = c;
		rr->ppeer = c->peer;
		LIST_INSERT_HEAD(&c->prod_rings, rr, prod_link);
	}
	if (rr->consumer != NULL && rr->producer != NULL) {
		rings_attach(rr, true);
		rings_adopt_done(rr);
		log_info("ring %llu to '%s' is back: %s and %s",
		    (unsigned long long)rr->id, rr->scheme,
		    client_name(rr->consumer), client_name(rr->producer));
	}
}

/*
 * Producer ADOPTs that made a record still waiting for its consumer: a
 * connection may make no more of them than it may open rings.
 */
static uint32_t
rings_adopting_for(const struct client *c)
{
	const struct ringd_ring *rr;
	uint32_t n = 0;

	TAILQ_FOREACH(rr, &ringd.adopting, pend_link)
		if (rr->producer == c && rr->consumer == NULL)
			n++;
	return n;
}

/*
 * A new record for a ring a previous ringd made, from one side's ADOPT.
 * sr is what that ringd recorded of it (state.c), or NULL: then the ring
 * gets a new id and the side still to come is unknown until it comes.
 */
static int
rings_adopt_new(struct client *c, struct proto_msg *m,
    const struct state_ring *sr, struct ringd_ring **ret)
{
	const struct proto_adopt *req = (const void *)m->body.raw;
	struct ring_fds fds = { .mem = m->fds[0],
		.doorbell = { m->fds[1], m->fds[2] } };
	struct ring_params p;
	struct ring_info info;
	struct ringd_ring *rr;
	int rc;

	if (req->role == RING_ROLE_PRODUCER &&
	    rings_adopting_for(c) >= ringd.conf.max_rings_per_client)
		return -EMFILE;
	if (ringd.nrings >= ringd.conf.max_rings || !rings_fd_room(1, 0, 0))
		return -ENFILE;
	if ((rr = calloc(1, sizeof(*rr))) == NULL)
		return -ENOMEM;
	if ((rc = rings_uid_take(rr, c)) < 0) {
		free(rr);
		return rc;
	}
	/* the monitor checks the memory file and doorbells as for any ring */
	if ((rc = ring_open(&fds, RING_ROLE_MONITOR, &rr->mon)) < 0) {
		rings_fd_short(rc);
		rings_uid_put(rr);
		free(rr);
		return rc;
	}
	/* and the ring is one ringd would have made under today's limits */
	ring_get_info(rr->mon, &info);
	memset(&p, 0, sizeof(p));
	p.sq_entries = info.sq_entries;
	p.cq_entries = info.cq_entries;
	p.flags = info.flags;
	p.pool_bytes = info.pool_bytes;
	if ((rc = rings_check_params(&p)) < 0) {
		rings_uid_put(rr);
		ring_close(rr->mon);
		free(rr);
		return rc;
	}
	rr->fds.mem = m->fds[0];
	rr->fds.doorbell[0] = rr->fds.doorbell[1] = -1;
	m->fds[0] = -1; /* ours now; the monitor took copies of the rest */
	rr->id = sr != NULL ? sr->id : ++ringd.next_ring_id;
	if ((rc = rings_insert(rr)) < 0) {
		rings_uid_put(rr);
		ring_close(rr->mon);
		ring_fds_close(&rr->fds);
		free(rr);
		return rc;
	}
	memcpy(rr->scheme, req->scheme, sizeof(rr->scheme));
	rr->params = p;
	rr->created_ns = service_now_ns();
	if (sr != NULL) {
		/* whom we wait for, as the kernel named it back then */
		rr->cpeer = sr->cpeer;
		rr->ppeer = sr->ppeer;
	}
	rr->phase = RINGS_ADOPTING;
	rr->deadline_ns = (int64_t)(rr->created_ns +
	    (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull);
	TAILQ_INSERT_TAIL(&ringd.adopting, rr, pend_link);
	*ret = rr;
	return 0;
}

/*
 * May c take back this side of the ring sr records?  Only the uid that
 * held it; -ENOENT when the last ringd left no such ring (it said which it
 * left, or the time for unrecorded rings is over).
 */
static int
rings_adopt_allowed(const struct client *c, const struct proto_adopt *req,
    const struct state_ring *sr, bool consumer)
{
	const struct ring_ctl_peer *was;

	if (sr == NULL)
		return state_known() || !state_adopt_window() ? -ENOENT : 0;
	if (strcmp(sr->scheme, req->scheme) != 0)
		return -ENOENT;
	if (!(sr->flags & (consumer ? STATE_HAS_CONSUMER : STATE_HAS_PRODUCER)))
		return -EPERM;
	was = consumer ? &sr->cpeer : &sr->ppeer;
	return was->uid == c->peer.uid ? 0 : -EPERM;
}

/*
 * ADOPT: a side of a ring made before ringd restarted.  -EINVAL bad role,
 * name or descriptors; -EACCES a consumer the policy no longer lets open
 * rings to the scheme; -EPERM a producer that does not hold the scheme's
 * name (register it first), or a uid that was not this side of the ring;
 * -ENOENT a ring the last ringd did not leave; -EALREADY that side is
 * already known; -E2BIG a ring over today's limits; -EMFILE/-ENFILE
 * limits; or what checking the memory file failed with.  The ring keeps
 * the id it had (a side's claim is not looked at) or gets a new one.
 */
int
rings_handle_adopt(struct client *c, struct proto_msg *m)
{
	const struct proto_adopt *req = (const void *)m->body.raw;
	bool consumer = req->role == RING_ROLE_CONSUMER;
	struct proto_adopt_reply r;
	struct ringd_ring key, *rr;
	struct state_ring *sr;
	struct scheme *s;
	struct stat st;
	int rc;

	if (req->reserved != 0 ||
	    (req->role != RING_ROLE_CONSUMER &&
		req->role != RING_ROLE_PRODUCER))
		return -EBADMSG;
	if (!proto_name_ok(req->scheme, sizeof(req->scheme)) || m->nfds != 3)
		return -EINVAL;
	if (consumer && policy_check(c, POLICY_OPEN, req->scheme) < 0)
		return -EACCES;
	if (!consumer &&
	    ((s = registry_find(req->scheme)) == NULL || s->owner != c))
		return -EPERM;
	if (consumer && c->nrings >= ringd.conf.max_rings_per_client)
		return -EMFILE;
	if (fstat(m->fds[0], &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	sr = state_find(st.st_dev, st.st_ino);
	key.mem_dev = st.st_dev;
	key.mem_ino = st.st_ino;
	rr = RB_FIND(ring_mem_tree, &ringd.ring_mems, &key);
	/* with no record, holding the memory file of a ring being adopted
	 * is what the second side can show */
	if ((sr != NULL || rr == NULL) &&
	    (rc = rings_adopt_allowed(c, req, sr, consumer)) < 0)
		return rc;
	if (rr != NULL) {
		if (rr->phase != RINGS_ADOPTING ||
		    (consumer ? rr->consumer != NULL
			      : rr->producer != NULL || rr->serve != NULL) ||
		    strcmp(rr->scheme, req->scheme) != 0)
			return -EALREADY;
	} else if ((rc = rings_adopt_new(c, m, sr, &rr)) < 0)
		return rc;
	if (sr != NULL)
		sr->flags |= consumer ? STATE_CONSUMER_BACK : STATE_PRODUCER_BACK;
	rings_adopt_side(rr, c, consumer);
	memset(&r, 0, sizeof(r));
	r.ring_id = rr->id;
	return client_reply(c, m, &r, sizeof(r));
}

/* Is pid a live process?  (pidfd_open: allowed by the seccomp filter.) */
static bool
rings_pid_alive(uint32_t pid)
{
	long fd;

	if (pid == 0)
		return false;
	if ((fd = syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0)
		return errno != ESRCH;
	close((int)fd);
	return true;
}

/*
 * A side did not come back in adopt_timeout_ms.  A consumer whose process
 * still runs is waited for again (it comes back when it next uses its
 * connection); otherwise it is gone: DROP.  A missing producer is gone:
 * ringd takes its side over as when a producer dies.
 */
static void
rings_adopt_expire(struct ringd_ring *rr, uint64_t now)
{
	if (rr->consumer == NULL && rr->cpeer.pid != 0 &&
	    rings_pid_alive(rr->cpeer.pid)) {
		rr->deadline_ns = (int64_t)(now +
		    (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull);
		TAILQ_REMOVE(&ringd.adopting, rr, pend_link);
		TAILQ_INSERT_TAIL(&ringd.adopting, rr, pend_link);
		return;
	}
	log_info("ring %llu to '%s': its %s did not come back",
	    (unsigned long long)rr->id, rr->scheme,
	    rr->consumer == NULL ? "consumer" : "producer");
	rings_adopt_done(rr);
	if (rr->consumer == NULL) {
		rings_drop(rr);
		if (rr->producer == NULL)
			rings_release(rr);
	} else if (rr->ppeer.pid != 0 && !rings_pid_alive(rr->ppeer.pid))
		rings_take_over(rr);
	else {
		/*
		 * The producer may still be serving the ring (its ADOPT was
		 * refused, or who it was is not known): a second producer
		 * would corrupt it.  DROP tells both sides it is over.
		 */
		rings_drop(rr);
	}
}

/* A connection went away: it leaves every ring it was a side of. */
void
rings_client_gone(struct client *c)
{
	struct ringd_ring *rr;

	if (rings_spares.c == c) {
		rings_spares.c = NULL;
		rings_spare_flush();
	}
	while ((rr = LIST_FIRST(&c->cons_rings)) != NULL)
		rings_consumer_gone(rr);
	while ((rr = LIST_FIRST(&c->prod_rings)) != NULL)
		rings_producer_gone(rr);
}

/*
 * Fail opens whose scheme did not answer in time (-ETIMEDOUT).  Returns
 * ns until the next deadline, or -1 when nothing is pending.
 */
int64_t
rings_expire(uint64_t now)
{
	struct ringd_ring *rr, *tmp;
	int64_t next = -1;

	TAILQ_FOREACH_SAFE(rr, &ringd.pending, pend_link, tmp) {
		if (rr->deadline_ns <= (int64_t)now) {
			log_info("scheme '%s' did not answer ring %llu in time",
			    rr->scheme, (unsigned long long)rr->id);
			rings_reply_open(rr, -ETIMEDOUT);
			rings_release(rr);
			continue;
		}
		if (next < 0 || rr->deadline_ns - (int64_t)now < next)
			next = rr->deadline_ns - (int64_t)now;
	}
	/* oldest deadline first: the list is in deadline order */
	while ((rr = TAILQ_FIRST(&ringd.adopting)) != NULL &&
	    rr->deadline_ns <= (int64_t)now)
		rings_adopt_expire(rr, now);
	if (rr != NULL && (next < 0 || rr->deadline_ns - (int64_t)now < next))
		next = rr->deadline_ns - (int64_t)now;
	return next;
}

/*
 * Shutdown: rings between two other processes are left to them, without
 * DROP (a new ringd adopts them); those ringd serves, and opens still
 * waiting for their scheme, end with DROP.
 */
void
rings_fini(void)
{
	struct ringd_ring *rr;

	state_save();
	while ((rr = RB_MIN(ring_tree, &ringd.rings)) != NULL) {
		rr->kept = !rr->builtin && rr->phase != RINGS_TAKEN_OVER &&
		    rr->phase != RINGS_PENDING &&
		    rr->serve == NULL;
		/* a running redox_ring stays between its two processes,
		 * unmarked, but no new ringd adopts it (state.c) */
		rings_release(rr);
	}
	rings_reap();
	rings_spare_flush();
}
