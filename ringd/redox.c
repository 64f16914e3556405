/*
 * redox.c - relibc redox_rings (the 2026 format) in ringd: the consumer's
 * REDOX_SETUP, the REDOX_ATTACH event to the scheme and its REDOX_ACCEPT,
 * the checks on the four objects the scheme made (SQ and CQ memfds, the
 * doorbell socket, the pool memfd) before they are relayed, the file
 * table (REDOX_FILES forwarded as REDOX_FILESET, answered by
 * REDOX_FILES_DONE), and what happens when a side leaves.
 *
 * A redox_ring is a struct ringd_ring like a v1 pair (rings.c keeps the
 * tree, the limits, the scheme's counts and the consumer and producer
 * lists), with a struct redox_ring in rr->rx instead of a memory file and
 * a monitor.  ringd keeps the first page of the SQ and CQ objects mapped:
 * it reads head and tail there for LIST_RINGS and, when a side goes,
 * writes REDOX_RING_STATE_DEAD in both headers and wakes every futex
 * sleeper on their index words.  It holds no descriptor of a running
 * redox_ring.
 *
 * Life: SETUP -> pending (REDOX_ATTACH sent, accept_timeout_ms) ->
 * running -> the consumer leaves (CLOSE or gone: REDOX_DETACH to the
 * scheme, headers marked, released) or the scheme leaves (headers
 * marked, DROPPED until the consumer closes).  Nothing read from the
 * shared headers is trusted; a restarted ringd does not adopt these
 * rings (state.c): they keep running between their two processes.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redox/ring-scheme.h>

#include "ringd.h"

enum { REDOX_SQ = 0, REDOX_CQ = 1 };

/* What a redox_ring adds to its struct ringd_ring. */
struct redox_ring {
	struct ringd_ring *rr;
	TAILQ_ENTRY(redox_ring) pend_link;  /* on redox_pending */
	TAILQ_ENTRY(redox_ring) files_link; /* on redox_files */
	bool pending;			    /* on redox_pending */
	bool files;			    /* a file table is with the scheme */
	bool dropped; /* a side left: the headers say so */
	struct ring_ctl_redox_params asked, made;
	uint32_t files_seq, files_token, files_n;
	int64_t files_deadline_ns;
	/* per queue (REDOX_SQ, REDOX_CQ): the header page, the last indices
	 * seen and the entries counted through them */
	uint8_t *hdr[2];
	uint32_t n[2];
	uint32_t last_head[2], last_tail[2];
	uint64_t pop_epoch[2], push_epoch[2];
};

static TAILQ_HEAD(, redox_ring) redox_pending =
    TAILQ_HEAD_INITIALIZER(redox_pending);
static TAILQ_HEAD(, redox_ring) redox_files =
    TAILQ_HEAD_INITIALIZER(redox_files);
static uint32_t redox_next_token;

static bool
redox_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int64_t
redox_deadline(uint64_t from)
{
	return (int64_t)(from + (uint64_t)ringd.conf.accept_timeout_ms *
		1000000ull);
}

/*
 * What a consumer may ask for: -EINVAL unknown flags, no entries, no
 * item size or no pool; -E2BIG over REDOX_RING_MAX_SQ/CQ,
 * RINGD_REDOX_MAX_ITEM or max_pool_bytes.
 */
static int
redox_check_params(const struct ring_ctl_redox_params *p)
{
	if ((p->flags & ~REDOX_RING_SETUP_CQSIZE) != 0 || p->sq_entries == 0 ||
	    p->sqe_size == 0 || p->cqe_size == 0 || p->pool_size == 0)
		return -EINVAL;
	if ((p->flags & REDOX_RING_SETUP_CQSIZE) && p->cq_entries == 0)
		return -EINVAL;
	if (p->sq_entries > REDOX_RING_MAX_SQ ||
	    p->cq_entries > REDOX_RING_MAX_CQ ||
	    p->sqe_size > RINGD_REDOX_MAX_ITEM ||
	    p->cqe_size > RINGD_REDOX_MAX_ITEM ||
	    p->pool_size > ringd.conf.max_pool_bytes)
		return -E2BIG;
	return 0;
}

/* Tell the consumer its SETUP failed (err < 0). */
void
redox_fail_setup(struct ringd_ring *rr, int err)
{
	struct proto_redox_setup_reply r;

	if (rr->consumer == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.error = err;
	client_send(rr->consumer, PROTO_REDOX_SETUP | PROTO_REPLY, rr->open_seq,
	    &r, sizeof(r), NULL, 0);
}

/* Tell the scheme a ring is over for it (reason 0, -ECONNRESET, -EINVAL). */
static void
redox_detach(struct ringd_ring *rr, int reason)
{
	struct proto_redox_detach d;

	if (rr->producer == NULL)
		return;
	memset(&d, 0, sizeof(d));
	d.ring_id = rr->id;
	d.reason = reason;
	client_send(rr->producer, PROTO_REDOX_DETACH, 0, &d, sizeof(d), NULL,
	    0);
}

/*
 * A side is gone: REDOX_RING_STATE_DEAD in both headers, then every
 * sleeper on either index word of either queue woken (shared futexes:
 * the words live in the memfds).
 */
static void
redox_mark_dead(struct redox_ring *x)
{
	unsigned q;

	x->dropped = true;
	for (q = 0; q < 2; q++) {
		uint8_t *h = x->hdr[q];

		if (h == NULL)
			continue;
		__atomic_store_n((uint32_t *)(void *)(h + REDOX_RING_STATE_OFF),
		    REDOX_RING_STATE_DEAD, __ATOMIC_SEQ_CST);
		(void)syscall(SYS_futex, h + REDOX_RING_HEAD_OFF, FUTEX_WAKE,
		    INT_MAX, NULL, NULL, 0);
		(void)syscall(SYS_futex, h + REDOX_RING_TAIL_OFF, FUTEX_WAKE,
		    INT_MAX, NULL, NULL, 0);
	}
}

/* The file table with the scheme is over: answer the consumer (err). */
static void
redox_files_end(struct redox_ring *x, int err, uint32_t nfiles)
{
	struct proto_redox_files_reply r;

	if (!x->files)
		return;
	TAILQ_REMOVE(&redox_files, x, files_link);
	x->files = false;
	if (x->rr->consumer == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.error = err;
	r.nfiles = nfiles;
	client_send(x->rr->consumer, PROTO_REDOX_FILES | PROTO_REPLY,
	    x->files_seq, &r, sizeof(r), NULL, 0);
}

/*
 * REDOX_SETUP: -EINVAL/-E2BIG bad parameters, -EACCES the policy says no
 * (asked before whether the scheme exists), -ENOENT no such scheme,
 * -EOPNOTSUPP it does not serve redox_rings, -EMFILE/-ENFILE ring
 * limits, -EAGAIN the scheme is behind in reading its socket.  The scheme
 * answers later (REDOX_ACCEPT), or the setup times out.
 */
int
redox_handle_setup(struct client *c, struct proto_msg *m)
{
	const struct proto_redox_setup *req = (const void *)m->body.raw;
	struct proto_redox_attach a;
	struct redox_ring *x;
	struct ringd_ring *rr;
	struct scheme *s;
	int rc;

	if (!proto_name_ok(req->scheme, sizeof(req->scheme)))
		return -EINVAL;
	if (req->params.reserved[0] != 0 || req->params.reserved[1] != 0)
		return -EBADMSG;
	if ((rc = redox_check_params(&req->params)) < 0)
		return rc;
	if (policy_check(c, POLICY_OPEN, req->scheme) < 0)
		return -EACCES;
	if ((s = registry_find(req->scheme)) == NULL)
		return -ENOENT;
	if (s->owner == NULL || !(s->serve & RING_CTL_SERVE_REDOX))
		return -EOPNOTSUPP;
	if (c->nrings >= ringd.conf.max_rings_per_client)
		return -EMFILE;
	if (ringd.nrings >= ringd.conf.max_rings || !rings_fd_room(1, 0, 0))
		return -ENFILE;
	if (s->owner->out_bytes >= ringd.conf.max_pending_bytes / 2)
		return -EAGAIN;
	if ((rr = calloc(1, sizeof(*rr))) == NULL)
		return -ENOMEM;
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		free(rr);
		return -ENOMEM;
	}
	rr->rx = x;
	x->rr = rr;
	x->asked = req->params;
	rr->fds.mem = rr->fds.doorbell[0] = rr->fds.doorbell[1] = -1;
	if ((rc = rings_uid_take(rr, c)) < 0)
		goto fail;
	if ((rc = rings_add_opened(rr, c, s, m->hdr.seq)) < 0)
		goto fail;
	rr->producer = s->owner;
	rr->ppeer = s->owner->peer;
	LIST_INSERT_HEAD(&s->owner->prod_rings, rr, prod_link);
	rr->phase = RINGS_PENDING;
	rr->deadline_ns = redox_deadline(rr->created_ns);
	TAILQ_INSERT_TAIL(&redox_pending, x, pend_link);
	x->pending = true;

	memset(&a, 0, sizeof(a));
	a.ring_id = rr->id;
	memcpy(a.scheme, rr->scheme, sizeof(a.scheme));
	a.consumer = c->peer;
	a.params = req->params;
	log_debug("%s sets up redox_ring %llu with '%s': attaching",
	    client_name(c), (unsigned long long)rr->id, rr->scheme);
	/* a scheme that cannot take it is killed; its reap fails us */
	client_send(s->owner, PROTO_REDOX_ATTACH, 0, &a, sizeof(a), NULL, 0);
	return 0;

fail:
	rings_uid_put(rr);
	free(x);
	free(rr);
	return rc;
}

/*
 * One of a queue's or the pool's memfds: a regular file open read-write,
 * sealed against shrinking and growing (ringd adds the seals, or they are
 * there already), of exactly size bytes (a queue) or at least (the pool).
 * -EINVAL when it is not.
 */
static int
redox_check_memfd(int fd, uint64_t size, bool exact, struct stat *st)
{
	const int want = F_SEAL_SHRINK | F_SEAL_GROW;
	int fl, seals;

	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))
		return -EINVAL;
	if ((fl = fcntl(fd, F_GETFL)) < 0 || (fl & O_ACCMODE) != O_RDWR)
		return -EINVAL;
	if (fcntl(fd, F_ADD_SEALS, want) < 0 &&
	    ((seals = fcntl(fd, F_GET_SEALS)) < 0 || (seals & want) != want))
		return -EINVAL;
	/* sealed now: the size cannot change any more */
	if (fstat(fd, st) < 0)
		return -EINVAL;
	if (exact ? (uint64_t)st->st_size != size
		  : (uint64_t)st->st_size < size)
		return -EINVAL;
	return 0;
}

/*
 * The scheme's answer against what the consumer asked: the same item
 * sizes, an SQ of a power of two entries, at least the asked number and
 * at most REDOX_RING_MAX_SQ, a CQ of a power of two up to
 * REDOX_RING_MAX_CQ, a pool of at least the asked size and at most
 * max_pool_bytes; then the objects (redox_check_memfd(), three distinct
 * files, a stream socket as the doorbell).  -EINVAL when anything is off.
 */
static int
redox_check_objects(const struct redox_ring *x,
    const struct proto_redox_accept *a, const struct proto_msg *m)
{
	const struct ring_ctl_redox_params *p = &a->params, *q = &x->asked;
	struct stat sq, cq, pool, db;
	socklen_t len = sizeof(int);
	int type;

	if (m->nfds != 4 || p->sqe_size != q->sqe_size ||
	    p->cqe_size != q->cqe_size || !redox_pow2(p->sq_entries) ||
	    p->sq_entries < q->sq_entries ||
	    p->sq_entries > REDOX_RING_MAX_SQ || !redox_pow2(p->cq_entries) ||
	    p->cq_entries > REDOX_RING_MAX_CQ ||
	    p->pool_size < q->pool_size ||
	    p->pool_size > ringd.conf.max_pool_bytes)
		return -EINVAL;
	if (redox_check_memfd(m->fds[0],
		REDOX_RING_HEADER_SIZE + (uint64_t)p->sq_entries * p->sqe_size,
		true, &sq) < 0 ||
	    redox_check_memfd(m->fds[1],
		REDOX_RING_HEADER_SIZE + (uint64_t)p->cq_entries * p->cqe_size,
		true, &cq) < 0 ||
	    redox_check_memfd(m->fds[3], p->pool_size, false, &pool) < 0)
		return -EINVAL;
	if (ringd_file_cmp(sq.st_dev, sq.st_ino, cq.st_dev, cq.st_ino) == 0 ||
	    ringd_file_cmp(sq.st_dev, sq.st_ino, pool.st_dev, pool.st_ino) ==
		0 ||
	    ringd_file_cmp(cq.st_dev, cq.st_ino, pool.st_dev, pool.st_ino) ==
		0)
		return -EINVAL;
	if (fstat(m->fds[2], &db) < 0 || !S_ISSOCK(db.st_mode) ||
	    getsockopt(m->fds[2], SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return -EINVAL;
	return 0;
}

/* Map the header page of both queues and take their indices as a start. */
static int
redox_map(struct redox_ring *x, const int *fds)
{
	unsigned q;

	for (q = 0; q < 2; q++) {
		void *h = mmap(NULL, REDOX_RING_HEADER_SIZE,
		    PROT_READ | PROT_WRITE, MAP_SHARED, fds[q], 0);
		uint32_t *w;

		if (h == MAP_FAILED)
			return -errno;
		x->hdr[q] = h;
		w = (uint32_t *)(void *)(x->hdr[q] + REDOX_RING_HEAD_OFF);
		x->last_head[q] = __atomic_load_n(w, __ATOMIC_ACQUIRE) &
		    REDOX_RING_INDEX_MASK;
		w = (uint32_t *)(void *)(x->hdr[q] + REDOX_RING_TAIL_OFF);
		x->last_tail[q] = __atomic_load_n(w, __ATOMIC_ACQUIRE) &
		    REDOX_RING_INDEX_MASK;
		x->pop_epoch[q] = x->last_head[q];
		x->push_epoch[q] = x->last_tail[q];
	}
	x->n[REDOX_SQ] = x->made.sq_entries;
	x->n[REDOX_CQ] = x->made.cq_entries;
	return 0;
}

/* The consumer gets its ring: the four objects and the sizes made. */
static void
redox_reply_setup(struct ringd_ring *rr, const int *fds)
{
	struct proto_redox_setup_reply r;

	memset(&r, 0, sizeof(r));
	r.ring_id = rr->id;
	r.params = rr->rx->made;
	client_send(rr->consumer, PROTO_REDOX_SETUP | PROTO_REPLY, rr->open_seq,
	    &r, sizeof(r), fds, 4);
}

/*
 * REDOX_ACCEPT from the scheme: -ENOENT unknown ring, -EINVAL not a
 * redox_ring or an error outside -1..-4095, -EPERM not its scheme,
 * -EALREADY answered before.  Objects that fail the checks: -EINVAL to
 * both sides, and REDOX_DETACH to the scheme.
 */
int
redox_handle_accept(struct client *c, struct proto_msg *m)
{
	const struct proto_redox_accept *a = (const void *)m->body.raw;
	struct proto_reply r;
	struct ringd_ring *rr;
	struct redox_ring *x;
	int rc = 0;

	if (a->reserved != 0 || a->params.reserved[0] != 0 ||
	    a->params.reserved[1] != 0)
		return -EBADMSG;
	if ((rr = rings_find(a->ring_id)) == NULL)
		return -ENOENT;
	if ((x = rr->rx) == NULL)
		return -EINVAL;
	if (rr->producer != c)
		return -EPERM;
	if (!x->pending)
		return -EALREADY;
	if (a->error > 0 || a->error < -4095)
		return -EINVAL;
	TAILQ_REMOVE(&redox_pending, x, pend_link);
	x->pending = false;
	rr->phase = RINGS_RUNNING;
	if (a->error != 0) {
		log_info("scheme '%s' refused redox_ring %llu for %s: %s",
		    rr->scheme, (unsigned long long)rr->id,
		    client_name(rr->consumer), strerror(-a->error));
		redox_fail_setup(rr, a->error);
		rings_release(rr);
		return client_reply_ok(c, m);
	}
	x->made = a->params;
	x->made.flags = x->asked.flags;
	if ((rc = redox_check_objects(x, a, m)) < 0 ||
	    (rc = redox_map(x, m->fds)) < 0) {
		log_info("scheme '%s' answered redox_ring %llu with objects "
			 "that fail the checks: %s",
		    rr->scheme, (unsigned long long)rr->id, strerror(-rc));
		redox_fail_setup(rr, -EINVAL);
		redox_detach(rr, -EINVAL);
		rings_release(rr);
		return -EINVAL;
	}
	log_debug("scheme '%s' accepted redox_ring %llu (sq %u, cq %u)",
	    rr->scheme, (unsigned long long)rr->id, x->made.sq_entries,
	    x->made.cq_entries);
	redox_reply_setup(rr, m->fds);
	memset(&r, 0, sizeof(r));
	return client_reply(c, m, &r, sizeof(r));
}

/*
 * REDOX_FILES from the consumer, with its descriptors: -EINVAL a count
 * that is not the descriptors' (1..RING_CTL_REDOX_FILES_MAX) or a ring
 * not running, -ENOENT unknown ring, -EPERM not its consumer, -EPIPE the
 * scheme is gone, -EBUSY a file table already with the scheme, -EAGAIN
 * the scheme is behind in reading its socket.  The scheme answers later
 * (REDOX_FILES_DONE), or the request times out.
 */
int
redox_handle_files(struct client *c, struct proto_msg *m)
{
	const struct proto_redox_files *req = (const void *)m->body.raw;
	struct proto_redox_files f;
	struct ringd_ring *rr;
	struct redox_ring *x;

	if (req->token != 0)
		return -EBADMSG;
	if (req->nfiles == 0 || req->nfiles != m->nfds ||
	    req->nfiles > RING_CTL_REDOX_FILES_MAX)
		return -EINVAL;
	if ((rr = rings_find(req->ring_id)) == NULL)
		return -ENOENT;
	if ((x = rr->rx) == NULL || x->pending)
		return -EINVAL;
	if (rr->consumer != c)
		return -EPERM;
	if (rr->producer == NULL || x->dropped)
		return -EPIPE;
	if (x->files)
		return -EBUSY;
	if (rr->producer->out_bytes >= ringd.conf.max_pending_bytes / 2)
		return -EAGAIN;
	if (++redox_next_token == 0)
		++redox_next_token;
	x->files = true;
	x->files_token = redox_next_token;
	x->files_seq = m->hdr.seq;
	x->files_n = req->nfiles;
	x->files_deadline_ns = redox_deadline(service_now_ns());
	TAILQ_INSERT_TAIL(&redox_files, x, files_link);
	memset(&f, 0, sizeof(f));
	f.ring_id = rr->id;
	f.token = x->files_token;
	f.nfiles = req->nfiles;
	client_send(rr->producer, PROTO_REDOX_FILESET, 0, &f, sizeof(f),
	    m->fds, m->nfds);
	return 0;
}

/*
 * REDOX_FILES_DONE from the scheme: -ENOENT unknown ring, -EINVAL not a
 * redox_ring or a result that is neither a count of the files sent nor
 * -1..-4095, -EPERM not its scheme, -EALREADY no such file table waits
 * (answered, or timed out).  The consumer gets the result.
 */
int
redox_handle_files_done(struct client *c, struct proto_msg *m)
{
	const struct proto_redox_files_done *d = (const void *)m->body.raw;
	struct ringd_ring *rr;
	struct redox_ring *x;

	if ((rr = rings_find(d->ring_id)) == NULL)
		return -ENOENT;
	if ((x = rr->rx) == NULL)
		return -EINVAL;
	if (rr->producer != c)
		return -EPERM;
	if (!x->files || d->token != x->files_token)
		return -EALREADY;
	if (d->result < -4095 ||
	    (d->result >= 0 && (uint32_t)d->result > x->files_n))
		return -EINVAL;
	redox_files_end(x, d->result < 0 ? d->result : 0,
	    d->result > 0 ? (uint32_t)d->result : 0);
	return client_reply_ok(c, m);
}

/*
 * The consumer left: by CLOSE (reason 0) or with its connection
 * (-ECONNRESET).  The scheme gets REDOX_DETACH, the headers the dead
 * mark, and the ring leaves the model.
 */
void
redox_consumer_gone(struct ringd_ring *rr)
{
	struct client *c = rr->consumer;
	int reason = c->dead ? -ECONNRESET : 0;

	rings_attach(rr, false);
	LIST_REMOVE(rr, cons_link);
	c->nrings--;
	rr->consumer = NULL;
	/* the mark first: a scheme that reads DETACH finds it there */
	redox_mark_dead(rr->rx);
	redox_detach(rr, reason);
	rings_release(rr);
}

/*
 * The scheme left (CLOSE, or with its connection).  Pending: the setup
 * fails with -ECONNRESET.  Running: the dead mark wakes the consumer, a
 * file table waiting fails with -ECONNRESET, and the ring stays DROPPED
 * in the model until its consumer closes it.
 */
void
redox_producer_gone(struct ringd_ring *rr)
{
	struct redox_ring *x = rr->rx;

	LIST_REMOVE(rr, prod_link);
	rr->producer = NULL;
	if (x->pending) {
		redox_fail_setup(rr, -ECONNRESET);
		rings_release(rr);
		return;
	}
	rings_attach(rr, false);
	redox_mark_dead(x);
	redox_files_end(x, -ECONNRESET, 0);
	if (rr->consumer == NULL)
		rings_release(rr);
}

/* rings_release(): off the waiting lists (the record goes at reap). */
void
redox_release(struct ringd_ring *rr)
{
	struct redox_ring *x = rr->rx;

	if (x->pending) {
		TAILQ_REMOVE(&redox_pending, x, pend_link);
		x->pending = false;
		rr->phase = RINGS_RUNNING;
	}
	if (x->files) {
		TAILQ_REMOVE(&redox_files, x, files_link);
		x->files = false;
	}
}

/* rings_reap(): the header pages and the record. */
void
redox_free(struct ringd_ring *rr)
{
	struct redox_ring *x = rr->rx;
	unsigned q;

	if (x == NULL)
		return;
	for (q = 0; q < 2; q++)
		if (x->hdr[q] != NULL)
			munmap(x->hdr[q], REDOX_RING_HEADER_SIZE);
	free(x);
	rr->rx = NULL;
}

/*
 * Setups the scheme did not answer in time and file tables it did not
 * take in time fail with -ETIMEDOUT.  Returns ns until the next deadline,
 * or -1 when nothing waits.
 */
int64_t
redox_expire(uint64_t now)
{
	struct redox_ring *x, *tmp;
	int64_t next = -1, left;

	TAILQ_FOREACH_SAFE(x, &redox_pending, pend_link, tmp) {
		if ((left = x->rr->deadline_ns - (int64_t)now) <= 0) {
			log_info("scheme '%s' did not answer redox_ring %llu "
				 "in time",
			    x->rr->scheme, (unsigned long long)x->rr->id);
			redox_fail_setup(x->rr, -ETIMEDOUT);
			rings_release(x->rr);
		} else if (next < 0 || left < next)
			next = left;
	}
	TAILQ_FOREACH_SAFE(x, &redox_files, files_link, tmp) {
		if ((left = x->files_deadline_ns - (int64_t)now) <= 0) {
			log_info("scheme '%s' did not answer the file table of "
				 "redox_ring %llu in time",
			    x->rr->scheme, (unsigned long long)x->rr->id);
			redox_files_end(x, -ETIMEDOUT, 0);
		} else if (next < 0 || left < next)
			next = left;
	}
	return next;
}

/*
 * One queue's figures from its header, read once each (acquire): the
 * indices without the WAITING bit, the depth (capped at n; more is a
 * broken queue), who sleeps, and the entries that passed since the last
 * read added to the epochs (the indices run modulo 2^31).
 */
static bool
redox_fill_queue(struct redox_ring *x, unsigned q, struct ring_ctl_queue *r)
{
	const uint8_t *h = x->hdr[q];
	uint32_t head, tail, hi, ti, fill;
	bool broken;

	head = __atomic_load_n((const uint32_t *)(const void *)(h +
				   REDOX_RING_HEAD_OFF),
	    __ATOMIC_ACQUIRE);
	tail = __atomic_load_n((const uint32_t *)(const void *)(h +
				   REDOX_RING_TAIL_OFF),
	    __ATOMIC_ACQUIRE);
	hi = head & REDOX_RING_INDEX_MASK;
	ti = tail & REDOX_RING_INDEX_MASK;
	fill = (ti - hi) & REDOX_RING_INDEX_MASK;
	broken = fill > x->n[q];
	x->pop_epoch[q] += (hi - x->last_head[q]) & REDOX_RING_INDEX_MASK;
	x->push_epoch[q] += (ti - x->last_tail[q]) & REDOX_RING_INDEX_MASK;
	x->last_head[q] = hi;
	x->last_tail[q] = ti;
	r->head = hi;
	r->tail = ti;
	r->depth = broken ? x->n[q] : fill;
	r->push_epoch = x->push_epoch[q];
	r->pop_epoch = x->pop_epoch[q];
	r->status = (broken ? RING_STATUS_BROKEN : 0) |
	    (x->dropped ? RING_STATUS_DROP : 0);
	r->pop_wait = (head & REDOX_RING_WAITING) ? RING_WAIT_FUTEX : 0;
	r->push_wait = (tail & REDOX_RING_WAITING) ? RING_WAIT_FUTEX : 0;
	return broken;
}

/* A redox_ring's LIST_RINGS record. */
void
redox_fill_rec(struct ringd_ring *rr, struct ring_ctl_ring *rec)
{
	struct redox_ring *x = rr->rx;
	const struct ring_ctl_redox_params *p = x->pending ? &x->asked
							   : &x->made;
	bool broken = false;

	memset(rec, 0, sizeof(*rec));
	rec->ring_id = rr->id;
	memcpy(rec->scheme, rr->scheme, sizeof(rec->scheme));
	rec->consumer = rr->cpeer;
	rec->producer = rr->ppeer;
	rec->flags = RING_CTL_RING_REDOX;
	rec->sq_entries = p->sq_entries;
	rec->cq_entries = p->cq_entries;
	rec->sqe_size = p->sqe_size;
	rec->cqe_size = p->cqe_size;
	rec->pool_bytes = p->pool_size;
	rec->age_ns = service_now_ns() - rr->created_ns;
	if (x->pending) {
		rec->state = RING_CTL_PENDING;
		return;
	}
	if (x->hdr[REDOX_SQ] != NULL && x->hdr[REDOX_CQ] != NULL) {
		broken = redox_fill_queue(x, REDOX_SQ, &rec->sq);
		broken |= redox_fill_queue(x, REDOX_CQ, &rec->cq);
	}
	rec->state = broken	 ? RING_CTL_BROKEN
	    : x->dropped ? RING_CTL_DROPPED
			 : RING_CTL_RUNNING;
}
