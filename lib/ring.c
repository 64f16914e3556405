/*
 * ring.c - ring pair creation, opening, and the SPSC queue data path.
 *
 * Index rule (Redox RFC): raw indices run modulo 2n; slot = raw mod n and
 * the cycle bit = raw / n.  Equal indices mean empty, indices n apart mean
 * full.  The pusher publishes with a release store of tail_index, the
 * popper frees slots with a release store of head_index; each side loads
 * the other's index with acquire, and only when its cached copy says there
 * is nothing to do.  Every index read from the peer is validated; a bad one
 * breaks the pair for good (-EIO) rather than being used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define RING_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

static bool
ring_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static bool
ring_entries_ok(uint64_t v)
{
	return ring_pow2(v) && v <= RING_MAX_ENTRIES;
}

/* Validate a pair description; everything else is derived from it. */
static int
ring_desc_check(const struct ring_pair_desc *d)
{
	size_t i;

	if (d->magic != RING_PAIR_MAGIC || d->version != RING_ABI_VERSION)
		return -EINVAL;
	if ((d->flags & ~RING_PAIR_KNOWN) != 0)
		return -EINVAL;
	if (!ring_entries_ok(d->sq_entries) || !ring_entries_ok(d->cq_entries))
		return -EINVAL;
	if (d->pool_bytes > RING_MAX_POOL || d->pool_bytes % RING_PAGE != 0)
		return -EINVAL;
	for (i = 0; i < sizeof(d->reserved) / sizeof(d->reserved[0]); i++)
		if (d->reserved[i] != 0)
			return -EINVAL;
	return 0;
}

RING_EXPORT int
ring_pair_create(const struct ring_params *p, struct ring_fds *fds)
{
	struct ring_pair_desc d;
	struct ring_layout l;
	uint64_t ec;
	int mem = -1, db[2] = { -1, -1 }, rc;

	memset(&d, 0, sizeof(d));
	d.magic = RING_PAIR_MAGIC;
	d.version = RING_ABI_VERSION;
	d.flags = p->flags;
	d.sq_entries = p->sq_entries;
	d.cq_entries = p->cq_entries ? p->cq_entries : p->sq_entries;
	if (p->pool_bytes > RING_MAX_POOL || p->reserved != 0)
		return -EINVAL;
	d.pool_bytes = ring_page_round(p->pool_bytes);
	if ((rc = ring_desc_check(&d)) < 0)
		return rc;
	l = ring_layout(d.flags, d.sq_entries, d.cq_entries, d.pool_bytes);

	mem = memfd_create("ring-pair", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		goto fail;
	if (ftruncate(mem, (off_t)l.total) < 0)
		goto fail;
	if (pwrite(mem, &d, sizeof(d), 0) != (ssize_t)sizeof(d))
		goto fail;
	ec = d.sq_entries;
	if (pwrite(mem, &ec, sizeof(ec), (off_t)l.sq_hdr) !=
	    (ssize_t)sizeof(ec))
		goto fail;
	ec = d.cq_entries;
	if (pwrite(mem, &ec, sizeof(ec), (off_t)l.cq_hdr) !=
	    (ssize_t)sizeof(ec))
		goto fail;
	if (fcntl(mem, F_ADD_SEALS, RING_SEALS | F_SEAL_SEAL) < 0)
		goto fail;
	/* the doorbells: the two ends of one datagram socket pair */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		db) < 0)
		goto fail;
	fds->mem = mem;
	fds->doorbell[0] = db[0];
	fds->doorbell[1] = db[1];
	return 0;

fail:
	rc = -errno;
	if (mem >= 0)
		close(mem);
	return rc;
}

/*
 * Is fd a doorbell: an unnamed AF_UNIX datagram socket connected to an
 * unnamed one?  Such a peer can only be its socket pair's other end, so
 * whatever the descriptor came from, a send on it reaches no third party.
 * Nothing else is accepted: an eventfd or a pipe could be made blocking
 * or saturated by whoever shares it.
 */
static int
ring_doorbell_check(int fd, struct stat *st)
{
	struct sockaddr_un sa;
	socklen_t len;
	int v;

	if (fstat(fd, st) < 0)
		return errno == EBADF ? -EBADF : -EINVAL;
	if (!S_ISSOCK(st->st_mode))
		return -EINVAL;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 ||
	    v != AF_UNIX)
		return -EINVAL;
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 ||
	    v != SOCK_DGRAM)
		return -EINVAL;
	len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    len != sizeof(sa_family_t))
		return -EINVAL;
	len = sizeof(sa);
	if (getpeername(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    len != sizeof(sa_family_t))
		return -EINVAL;
	return 0;
}

RING_EXPORT void
ring_fds_close(struct ring_fds *fds)
{
	if (fds->mem >= 0)
		close(fds->mem);
	if (fds->doorbell[0] >= 0)
		close(fds->doorbell[0]);
	if (fds->doorbell[1] >= 0)
		close(fds->doorbell[1]);
	fds->mem = fds->doorbell[0] = fds->doorbell[1] = -1;
}

/* Take over the current shared state of one queue, validating it. */
static int
ring_q_init(struct ring_q *q, uint8_t *hdr, uint8_t *slots, uint32_t n,
    uint32_t esize, bool pusher)
{
	uint64_t head, tail;

	q->hp = (struct ring_header_page *)hdr;
	q->slots = slots;
	q->n = n;
	q->esize = esize;
	q->mask2 = 2 * (uint64_t)n - 1;
	q->pusher = pusher;
	q->reserved = 0;
	if (RING_LOAD(&q->hp->h.entry_count) != n)
		return -EINVAL;
	head = RING_LOAD_ACQ(&q->hp->h.head_index);
	tail = RING_LOAD_ACQ(&q->hp->h.tail_index);
	if (head > q->mask2 || tail > q->mask2 ||
	    ((tail - head) & q->mask2) > n)
		return -EINVAL;
	q->own = pusher ? tail : head;
	q->peer = pusher ? head : tail;
	/* a side that stopped between its index and epoch stores left the
	 * epoch behind: continue from the total the index proves */
	q->epoch = ring_q_count(q, !pusher);
	return 0;
}

static int
ring_map(struct ring *r, int mem, const struct ring_pair_desc *d)
{
	struct ring_layout l = ring_layout(d->flags, d->sq_entries,
	    d->cq_entries, d->pool_bytes);
	bool b32 = d->flags & RING_PAIR_BITS_32;
	uint32_t sqe = b32 ? sizeof(struct ring_sqe32)
			   : sizeof(struct ring_sqe);
	uint32_t cqe = b32 ? sizeof(struct ring_cqe32)
			   : sizeof(struct ring_cqe);
	size_t len = r->role == RING_ROLE_MONITOR ? l.sq_ents : l.total;
	uint8_t *m, *sq_slots = NULL, *cq_slots = NULL;
	int rc;

	/* A monitor only reads; it writes status words for an instant (see
	 * ring_monitor_write()). */
	m = mmap(NULL, len,
	    PROT_READ | (r->role == RING_ROLE_MONITOR ? 0 : PROT_WRITE),
	    MAP_SHARED, mem, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->map = m;
	r->map_len = len;
	r->pool_bytes = d->pool_bytes;
	/* The description page is never touched through the mapping. */
	if (mprotect(m, RING_PAGE, PROT_NONE) < 0)
		return -errno;
	if (r->role != RING_ROLE_MONITOR) {
		sq_slots = m + l.sq_ents;
		cq_slots = m + l.cq_ents;
		/* The popper only reads the peer's entries. */
		if (r->role == RING_ROLE_CONSUMER) {
			if (mprotect(cq_slots, l.pool_map - l.cq_ents,
				PROT_READ) < 0)
				return -errno;
		} else {
			if (mprotect(sq_slots, l.cq_ents - l.sq_ents,
				PROT_READ) < 0)
				return -errno;
			/* The pool bitmap is the consumer's alone. */
			if (l.pool > l.pool_map &&
			    mprotect(m + l.pool_map, l.pool - l.pool_map,
				PROT_READ) < 0)
				return -errno;
		}
		r->pool = d->pool_bytes ? m + l.pool : NULL;
		r->pool_map = (_Atomic uint64_t *)(m + l.pool_map);
	}
	rc = ring_q_init(&r->sq, m + l.sq_hdr, sq_slots, d->sq_entries, sqe,
	    r->role == RING_ROLE_CONSUMER);
	if (rc == 0)
		rc = ring_q_init(&r->cq, m + l.cq_hdr, cq_slots, d->cq_entries,
		    cqe, r->role == RING_ROLE_PRODUCER);
	if (rc == 0 && r->role == RING_ROLE_PRODUCER)
		rc = ring_held_setup(r, m + l.held);
	return rc;
}

RING_EXPORT int
ring_open(const struct ring_fds *fds, enum ring_role role, struct ring **ret)
{
	struct ring_pair_desc d;
	struct ring *r;
	struct stat st, db0, db1;
	int seals, rc;

	if (role != RING_ROLE_CONSUMER && role != RING_ROLE_PRODUCER &&
	    role != RING_ROLE_MONITOR)
		return -EINVAL;
	seals = fcntl(fds->mem, F_GET_SEALS);
	if (seals < 0)
		return errno == EBADF ? -EBADF : -EINVAL;
	if ((seals & RING_SEALS) != RING_SEALS)
		return -EINVAL;
	if (fstat(fds->mem, &st) < 0)
		return -errno;
	if (pread(fds->mem, &d, sizeof(d), 0) != (ssize_t)sizeof(d))
		return -EINVAL;
	if ((rc = ring_desc_check(&d)) < 0)
		return rc;
	if ((uint64_t)st.st_size !=
	    ring_layout(d.flags, d.sq_entries, d.cq_entries, d.pool_bytes)
		.total)
		return -EINVAL;
	if ((rc = ring_doorbell_check(fds->doorbell[0], &db0)) < 0 ||
	    (rc = ring_doorbell_check(fds->doorbell[1], &db1)) < 0)
		return rc;
	if (db0.st_dev == db1.st_dev && db0.st_ino == db1.st_ino)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->role = role;
	r->flags = d.flags;
	r->doorbell_self = r->doorbell_peer = -1;
	r->guard_fd = -1;
	r->spin_ns = RING_SPIN_DEFAULT_NS;
	r->spin_adaptive = true;
	if ((rc = ring_map(r, fds->mem, &d)) < 0)
		goto fail;
	r->out = role == RING_ROLE_CONSUMER ? &r->sq : &r->cq;
	r->in = role == RING_ROLE_CONSUMER ? &r->cq : &r->sq;
	/* A side reads its own end and sends on it to wake the peer; a
	 * monitor sends on both ends to wake both sides (wait.c). */
	r->doorbell_self = fcntl(fds->doorbell[role == RING_ROLE_PRODUCER],
	    F_DUPFD_CLOEXEC, 3);
	if (r->doorbell_self < 0)
		goto fail_errno;
	r->doorbell_peer = fcntl(fds->doorbell[role != RING_ROLE_PRODUCER],
	    F_DUPFD_CLOEXEC, 3);
	if (r->doorbell_peer < 0)
		goto fail_errno;
	if (role == RING_ROLE_CONSUMER && (rc = ring_pool_setup(r)) < 0)
		goto fail;
	*ret = r;
	return 0;

fail_errno:
	rc = -errno;
fail:
	r->role = RING_ROLE_MONITOR; /* close without announcing DROP */
	ring_close(r);
	return rc;
}

/*
 * A monitor's mapping is read-only, so that introspection can never write
 * to a ring; setting a status bit and waking the sleepers are the only
 * writes it makes, with the header pages writable for just that long.
 */
static int
ring_monitor_write(struct ring *r, bool on)
{
	if (r->role != RING_ROLE_MONITOR)
		return 0;
	if (mprotect((uint8_t *)r->map + RING_PAGE, r->map_len - RING_PAGE,
		PROT_READ | (on ? PROT_WRITE : 0)) < 0)
		return -errno;
	return 0;
}

/* Set bits in both status words and wake every sleeper. */
static int
ring_set_status(struct ring *r, uint64_t bits)
{
	int rc;

	if ((rc = ring_monitor_write(r, true)) < 0)
		return rc;
	/* take the write faults first, so both bits land close together */
	atomic_fetch_or((_Atomic uint64_t *)&r->sq.hp->h.status, 0);
	atomic_fetch_or((_Atomic uint64_t *)&r->cq.hp->h.status, 0);
	atomic_fetch_or((_Atomic uint64_t *)&r->sq.hp->h.status, bits);
	atomic_fetch_or((_Atomic uint64_t *)&r->cq.hp->h.status, bits);
	ring_wake_all(r);
	return ring_monitor_write(r, false);
}

/*
 * Have fn(r, arg) called when r is closed (fn NULL: no longer).  One hook
 * a ring; whoever sets it keeps what arg points to alive until then.
 */
void
ring_set_close_hook(struct ring *r, void (*fn)(struct ring *r, void *arg),
    void *arg)
{
	r->close_hook = fn;
	r->close_arg = fn != NULL ? arg : NULL;
}

RING_EXPORT int
ring_shutdown(struct ring *r)
{
	if (r->role != RING_ROLE_MONITOR)
		r->shut = true;
	return ring_set_status(r, RING_STATUS_DROP);
}

RING_EXPORT void
ring_close(struct ring *r)
{
	if (r == NULL)
		return;
	if (r->close_hook != NULL)
		r->close_hook(r, r->close_arg);
	if (r->map != NULL && r->sq.hp != NULL && r->cq.hp != NULL &&
	    r->role != RING_ROLE_MONITOR) {
		/* what a leaving producer took or left queued gets an answer,
		 * as far as the CQ has room */
		if (r->role == RING_ROLE_PRODUCER && r->held_ud != NULL)
			(void)ring_sq_cancel(r, -ESHUTDOWN);
		ring_shutdown(r);
	}
	if (r->map != NULL)
		munmap(r->map, r->map_len);
	if (r->doorbell_self >= 0)
		close(r->doorbell_self);
	if (r->doorbell_peer >= 0)
		close(r->doorbell_peer);
	if (r->guard_fd >= 0)
		close(r->guard_fd);
	range_fini(&r->pool_free);
	free(r->pool_starts);
	ring_held_fini(r);
	free(r);
}

RING_EXPORT void
ring_get_info(const struct ring *r, struct ring_info *info)
{
	memset(info, 0, sizeof(*info));
	info->role = r->role;
	info->flags = r->flags;
	info->sq_entries = r->sq.n;
	info->cq_entries = r->cq.n;
	info->sqe_size = r->sq.esize;
	info->cqe_size = r->cq.esize;
	info->pool_bytes = r->pool_bytes;
	info->mem_bytes = ring_layout(r->flags, r->sq.n, r->cq.n, r->pool_bytes)
			      .total;
}

static void
ring_q_stats(const struct ring_q *q, struct ring_queue_stats *s)
{
	const struct ring_header_page *hp = q->hp;

	s->head = RING_LOAD(&hp->h.head_index);
	s->tail = RING_LOAD(&hp->h.tail_index);
	s->push_epoch = RING_LOAD(&hp->h.push_epoch);
	s->pop_epoch = RING_LOAD(&hp->h.pop_epoch);
	s->status = RING_LOAD(&hp->h.status);
	s->pop_wait = atomic_load_explicit((_Atomic uint32_t *)&hp->pop_wait,
	    memory_order_relaxed);
	s->push_wait = atomic_load_explicit((_Atomic uint32_t *)&hp->push_wait,
	    memory_order_relaxed);
	s->depth = (s->tail - s->head) & q->mask2;
	s->valid = s->head <= q->mask2 && s->tail <= q->mask2 &&
	    s->depth <= q->n;
	if (!s->valid)
		s->depth = 0;
}

RING_EXPORT void
ring_get_stats(const struct ring *r, struct ring_stats *st)
{
	ring_q_stats(&r->sq, &st->sq);
	ring_q_stats(&r->cq, &st->cq);
}

/* Start loading the lines ring_q_stats() reads of one queue. */
static void
ring_q_prefetch(const struct ring_q *q)
{
	const struct ring_header_page *hp = q->hp;

	__builtin_prefetch(&hp->h.head_index);
	__builtin_prefetch(&hp->h.tail_index);
	__builtin_prefetch(&hp->h.push_epoch);
	__builtin_prefetch(&hp->h.pop_epoch);
	__builtin_prefetch(&hp->h.status);
	__builtin_prefetch(&hp->pop_wait);
	__builtin_prefetch(&hp->push_wait);
}

/*
 * Many rings at once, for a monitor listing thousands: the handles of a
 * chunk are requested first, then the header lines they point to, then
 * read, so the cache misses of a chunk overlap instead of following each
 * other.  Each chunk's lines stay within the first-level cache.
 */
#define RING_STATS_CHUNK 16

RING_EXPORT void
ring_get_stats_many(const struct ring *const *r, size_t n,
    struct ring_stats *st)
{
	size_t i, k, m;

	for (i = 0; i < n; i += m) {
		m = n - i < RING_STATS_CHUNK ? n - i : RING_STATS_CHUNK;
		for (k = 0; k < m; k++) {
			__builtin_prefetch(&r[i + k]->sq);
			__builtin_prefetch(&r[i + k]->cq);
		}
		for (k = 0; k < m; k++) {
			ring_q_prefetch(&r[i + k]->sq);
			ring_q_prefetch(&r[i + k]->cq);
		}
		for (k = 0; k < m; k++)
			ring_get_stats(r[i + k], &st[i + k]);
	}
}

RING_EXPORT bool
ring_is_dropped(const struct ring *r)
{
	return r->shut || (RING_LOAD(&r->sq.hp->h.status) & RING_STATUS_DROP) ||
	    (RING_LOAD(&r->cq.hp->h.status) & RING_STATUS_DROP);
}

RING_EXPORT bool
ring_is_broken(const struct ring *r)
{
	return r->broken;
}

/* The peer broke the protocol: remember it, say so in shared memory. */
int
ring_fail(struct ring *r)
{
	if (!r->broken) {
		r->broken = true;
		(void)ring_set_status(r, RING_STATUS_BROKEN);
	}
	return -EIO;
}

/*
 * Re-read and validate the peer's index of q.  The popper's view of tail
 * may only move forward and never more than n past head; the pusher's view
 * of head may only move forward and never past tail.
 */
int
ring_q_refresh(struct ring *r, struct ring_q *q)
{
	uint64_t v, span, moved;

	if (q->pusher) {
		v = RING_LOAD_ACQ(&q->hp->h.head_index);
		span = (q->own - q->peer) & q->mask2;
		moved = (v - q->peer) & q->mask2;
	} else {
		v = RING_LOAD_ACQ(&q->hp->h.tail_index);
		span = q->n - ((q->peer - q->own) & q->mask2);
		moved = (v - q->peer) & q->mask2;
	}
	if (v > q->mask2 || moved > span)
		return ring_fail(r);
	q->peer = v;
	return 0;
}

/* Entries the popper may take, or free slots the pusher may fill. */
uint64_t
ring_q_avail(const struct ring_q *q)
{
	if (q->pusher)
		return q->n - ((q->own - q->peer) & q->mask2) - q->reserved;
	return (q->peer - q->own) & q->mask2;
}

/*
 * Status of q as the data path sees it: 0, -ESHUTDOWN after DROP, -EIO if
 * the pair is broken or the word holds bits nobody defined.
 */
static int
ring_q_status(struct ring *r, struct ring_q *q)
{
	uint64_t s;

	if (r->broken)
		return -EIO;
	s = RING_LOAD_ACQ(&q->hp->h.status);
	if ((s & ~(uint64_t)RING_STATUS_KNOWN) != 0 || (s & RING_STATUS_BROKEN))
		return ring_fail(r);
	/*
	 * The two status words get DROP one after the other: once either
	 * said so, this handle pushes nothing more, so that a producer
	 * told by the SQ cannot still answer into the CQ.
	 */
	if (s & RING_STATUS_DROP)
		r->seen_drop = true;
	return (s & RING_STATUS_DROP) || r->shut || (q->pusher && r->seen_drop)
	    ? -ESHUTDOWN
	    : 0;
}

/*
 * How much q offers now (entries or room), refreshing the peer's index
 * when the cache offers less than want.  0 with *st holding -EAGAIN/-ESHUTDOWN when
 * there is nothing; negative on a broken pair.
 */
static int64_t
ring_q_ready(struct ring *r, struct ring_q *q, uint64_t want, int *st)
{
	uint64_t n;
	int rc;

	*st = ring_q_status(r, q);
	if (*st == -EIO)
		return -EIO;
	if (q->pusher && *st == -ESHUTDOWN)
		return 0; /* nobody will ever pop what we would push */
	n = ring_q_avail(q);
	if (n < want) {
		if ((rc = ring_q_refresh(r, q)) < 0)
			return rc;
		n = ring_q_avail(q);
	}
	if (n == 0 && *st == 0)
		*st = -EAGAIN;
	return (int64_t)n;
}

static inline void *
ring_q_slot(const struct ring_q *q, uint64_t idx)
{
	return q->slots + (size_t)(idx & (q->n - 1)) * q->esize;
}

/* After our index store: wake the peer if it announced it sleeps. */
static inline void
ring_q_notify(struct ring *r, uint32_t *word)
{
	ring_full_fence();
	if (atomic_load_explicit((_Atomic uint32_t *)word,
		memory_order_relaxed))
		ring_wake(r, (_Atomic uint32_t *)word);
}

static void
ring_q_publish(struct ring *r, struct ring_q *q, unsigned k)
{
	unsigned i;

	/* final answers mark their requests in the same publication */
	if (q == &r->cq && r->held_ud != NULL)
		for (i = 0; i < k; i++)
			ring_held_answer(r, ring_q_slot(q, q->own + i),
			    q->epoch + i + 1);
	q->own = (q->own + k) & q->mask2;
	q->epoch += k;
	RING_STORE_REL(&q->hp->h.tail_index, q->own);
	RING_STORE(&q->hp->h.push_epoch, q->epoch);
	ring_q_notify(r, &q->hp->pop_wait);
}

static void
ring_q_consume(struct ring *r, struct ring_q *q, unsigned k)
{
	q->own = (q->own + k) & q->mask2;
	q->epoch += k;
	RING_STORE_REL(&q->hp->h.head_index, q->own);
	RING_STORE(&q->hp->h.pop_epoch, q->epoch);
	ring_q_notify(r, &q->hp->push_wait);
}

/* --- entry conversion between the wide API form and 32-bit slots ------- */

static int
ring_sqe_narrow(const struct ring_sqe *s, struct ring_sqe32 *d)
{
	if (s->fd > UINT32_MAX || s->len > UINT32_MAX ||
	    s->user_data > UINT32_MAX || s->addr > UINT32_MAX ||
	    s->additional1 != 0 || s->additional2 != 0)
		return -EOVERFLOW;
	d->opcode = s->opcode;
	d->flags = s->flags;
	d->priority = s->priority;
	d->syscall_flags = s->syscall_flags;
	d->fd = (uint32_t)s->fd;
	d->len = (uint32_t)s->len;
	d->user_data = (uint32_t)s->user_data;
	d->addr = (uint32_t)s->addr;
	d->offset = s->offset;
	return 0;
}

static void
ring_sqe_widen(const struct ring_sqe32 *s, struct ring_sqe *d)
{
	memset(d, 0, sizeof(*d));
	d->opcode = s->opcode;
	d->flags = s->flags;
	d->priority = s->priority;
	d->syscall_flags = s->syscall_flags;
	d->fd = s->fd;
	d->len = s->len;
	d->user_data = s->user_data;
	d->addr = s->addr;
	d->offset = s->offset;
}

/* A 32-bit status is an errno when it reads as -1..-4095 signed. */
static int
ring_cqe_narrow(const struct ring_cqe *s, struct ring_cqe32 *d)
{
	int64_t st = (int64_t)s->status;

	if (st < 0) {
		if (st < -4095)
			return -EOVERFLOW;
	} else if (s->status > UINT32_MAX - 4095) {
		return -EOVERFLOW;
	}
	if (s->user_data > UINT32_MAX || s->flags > UINT32_MAX ||
	    s->extra > UINT32_MAX)
		return -EOVERFLOW;
	d->user_data = (uint32_t)s->user_data;
	d->status = (uint32_t)s->status;
	d->flags = (uint32_t)s->flags;
	d->extra = (uint32_t)s->extra;
	return 0;
}

static void
ring_cqe_widen(const struct ring_cqe32 *s, struct ring_cqe *d)
{
	int32_t st = (int32_t)s->status;

	d->user_data = s->user_data;
	d->status = (st < 0 && st >= -4095) ? (uint64_t)(int64_t)st : s->status;
	d->flags = s->flags;
	d->extra = s->extra;
}

/* Write wide entry e into slot dst of q, narrowing for 32-bit pairs. */
static int
ring_q_store(const struct ring_q *q, bool is_sq, void *dst, const void *e)
{
	if (q->esize == sizeof(struct ring_sqe) && is_sq) {
		memcpy(dst, e, sizeof(struct ring_sqe));
		return 0;
	}
	if (q->esize == sizeof(struct ring_cqe) && !is_sq) {
		memcpy(dst, e, sizeof(struct ring_cqe));
		return 0;
	}
	if (is_sq) {
		struct ring_sqe32 t;
		int rc = ring_sqe_narrow(e, &t);

		if (rc == 0)
			memcpy(dst, &t, sizeof(t));
		return rc;
	} else {
		struct ring_cqe32 t;
		int rc = ring_cqe_narrow(e, &t);

		if (rc == 0)
			memcpy(dst, &t, sizeof(t));
		return rc;
	}
}

/* Copy slot src of q out once into wide entry e. */
static void
ring_q_load(const struct ring_q *q, bool is_sq, void *e, const void *src)
{
	if (is_sq) {
		if (q->esize == sizeof(struct ring_sqe)) {
			memcpy(e, src, sizeof(struct ring_sqe));
		} else {
			struct ring_sqe32 t;

			memcpy(&t, src, sizeof(t));
			ring_sqe_widen(&t, e);
		}
	} else {
		if (q->esize == sizeof(struct ring_cqe)) {
			memcpy(e, src, sizeof(struct ring_cqe));
		} else {
			struct ring_cqe32 t;

			memcpy(&t, src, sizeof(t));
			ring_cqe_widen(&t, e);
		}
	}
}

/* --- generic push/pop ----------------------------------------------- */

static int
ring_push(struct ring *r, enum ring_role role, bool is_sq, const void *v,
    size_t stride, unsigned n)
{
	struct ring_q *q = is_sq ? &r->sq : &r->cq;
	int64_t avail;
	unsigned i, k;
	int st, rc;

	if (r->role != role)
		return -EPERM;
	if (q->reserved != 0)
		return -EBUSY;
	if (n == 0)
		return -EINVAL;
	avail = ring_q_ready(r, q, n, &st);
	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return st;
	k = avail < n ? (unsigned)avail : n;
	for (i = 0; i < k; i++) {
		rc = ring_q_store(q, is_sq, ring_q_slot(q, q->own + i),
		    (const uint8_t *)v + i * stride);
		if (rc < 0) {
			if (i == 0)
				return rc;
			break;
		}
	}
	ring_q_publish(r, q, i);
	return (int)i;
}

/*
 * SQEs we published that nobody took, once the peer (or ringd for it)
 * set DROP and the CQ is drained: nothing can answer them any more (no
 * CQE is pushed after DROP, and nobody takes an SQE it cannot answer),
 * so the consumer answers them itself, -ESHUTDOWN, from its own slots.
 * Returns how many there are from the cursor on; 0 when we left
 * ourselves.
 */
static uint64_t
ring_orphans(struct ring *r)
{
	struct ring_q *sq = &r->sq;
	uint64_t head;

	if (r->shut || r->role != RING_ROLE_CONSUMER)
		return 0;
	head = RING_LOAD_ACQ(&sq->hp->h.head_index);
	if (head > sq->mask2 || ((sq->own - head) & sq->mask2) > sq->n)
		return 0;
	if (!r->orphan_set ||
	    ((sq->own - head) & sq->mask2) <
		((sq->own - r->orphan) & sq->mask2)) {
		r->orphan = head;
		r->orphan_set = true;
	}
	return (sq->own - r->orphan) & sq->mask2;
}

static int
ring_orphans_pop(struct ring *r, void *v, size_t stride, unsigned n,
    bool consume)
{
	struct ring_q *sq = &r->sq;
	struct ring_sqe sqe;
	struct ring_cqe *c;
	uint64_t avail = ring_orphans(r);
	unsigned i, k;

	if (avail == 0)
		return -ESHUTDOWN;
	k = avail < n ? (unsigned)avail : n;
	for (i = 0; i < k; i++) {
		ring_q_load(sq, true, &sqe, ring_q_slot(sq, r->orphan + i));
		c = (struct ring_cqe *)(void *)((uint8_t *)v + i * stride);
		memset(c, 0, sizeof(*c));
		c->user_data = sqe.user_data;
		c->status = (uint64_t)(int64_t)-ESHUTDOWN;
	}
	if (consume)
		r->orphan = (r->orphan + k) & sq->mask2;
	return (int)k;
}

static int
ring_pop(struct ring *r, enum ring_role role, bool is_sq, void *v,
    size_t stride, unsigned n, bool consume)
{
	struct ring_q *q = is_sq ? &r->sq : &r->cq;
	int64_t avail;
	unsigned i, k;
	bool take;
	int st;

	if (r->role != role)
		return -EPERM;
	if (n == 0)
		return -EINVAL;
	avail = ring_q_ready(r, q, n, &st);
	if (avail < 0)
		return (int)avail;
	if (avail == 0 && st == -ESHUTDOWN && !is_sq)
		return ring_orphans_pop(r, v, stride, n, consume);
	if (avail == 0)
		return st;
	k = avail < n ? (unsigned)avail : n;
	take = consume && is_sq;
	if (take && k > q->n - r->held_count) {
		/* every in-service entry is taken: answer one first */
		if (r->held_count == q->n)
			return -EAGAIN;
		k = q->n - r->held_count;
	}
	for (i = 0; i < k; i++) {
		void *e = (uint8_t *)v + i * stride;

		ring_q_load(q, is_sq, e, ring_q_slot(q, q->own + i));
		if (take)
			ring_held_take(r, e, q->epoch + i + 1);
	}
	if (consume)
		ring_q_consume(r, q, k);
	return (int)k;
}

RING_EXPORT int
ring_sq_push(struct ring *r, const struct ring_sqe *sqe)
{
	int rc = ring_push(r, RING_ROLE_CONSUMER, true, sqe, sizeof(*sqe), 1);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_sq_push_batch(struct ring *r, const struct ring_sqe *sqes, unsigned n)
{
	return ring_push(r, RING_ROLE_CONSUMER, true, sqes, sizeof(*sqes), n);
}

RING_EXPORT int
ring_cq_push(struct ring *r, const struct ring_cqe *cqe)
{
	int rc = ring_push(r, RING_ROLE_PRODUCER, false, cqe, sizeof(*cqe), 1);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_cq_push_batch(struct ring *r, const struct ring_cqe *cqes, unsigned n)
{
	return ring_push(r, RING_ROLE_PRODUCER, false, cqes, sizeof(*cqes), n);
}

RING_EXPORT int
ring_sq_pop(struct ring *r, struct ring_sqe *sqe)
{
	int rc = ring_pop(r, RING_ROLE_PRODUCER, true, sqe, sizeof(*sqe), 1,
	    true);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_sq_pop_batch(struct ring *r, struct ring_sqe *sqes, unsigned n)
{
	return ring_pop(r, RING_ROLE_PRODUCER, true, sqes, sizeof(*sqes), n,
	    true);
}

RING_EXPORT int
ring_sq_peek(struct ring *r, struct ring_sqe *sqe)
{
	int rc = ring_pop(r, RING_ROLE_PRODUCER, true, sqe, sizeof(*sqe), 1,
	    false);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_cq_pop(struct ring *r, struct ring_cqe *cqe)
{
	int rc = ring_pop(r, RING_ROLE_CONSUMER, false, cqe, sizeof(*cqe), 1,
	    true);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_cq_pop_batch(struct ring *r, struct ring_cqe *cqes, unsigned n)
{
	return ring_pop(r, RING_ROLE_CONSUMER, false, cqes, sizeof(*cqes), n,
	    true);
}

RING_EXPORT int
ring_cq_peek(struct ring *r, struct ring_cqe *cqe)
{
	int rc = ring_pop(r, RING_ROLE_CONSUMER, false, cqe, sizeof(*cqe), 1,
	    false);

	return rc < 0 ? rc : 0;
}

RING_EXPORT int
ring_sq_cancel(struct ring *r, int64_t status)
{
	struct ring_cqe cqe;
	struct ring_sqe sqe;
	int n = 0, rc;

	if (r->role != RING_ROLE_PRODUCER)
		return -EPERM;
	memset(&cqe, 0, sizeof(cqe));
	cqe.status = (uint64_t)status;
	for (;;) {
		if (r->held_count == 0) {
			/* take a queued SQE only with room for its answer */
			rc = ring_sq_peek(r, &sqe);
			if (rc == -EAGAIN || rc == -ESHUTDOWN)
				return n;
			if (rc == 0 && (rc = ring_reserve(r, 1)) > 0) {
				ring_publish(r, 0);
				rc = ring_sq_pop(r, &sqe);
			}
			if (rc < 0)
				return rc;
		}
		/* the oldest in service; pushing its answer unlinks it */
		cqe.user_data = r->held_ud[r->held_first];
		if ((rc = ring_cq_push(r, &cqe)) < 0)
			return rc;
		n++;
	}
}

RING_EXPORT unsigned
ring_sq_held(const struct ring *r)
{
	return r->role == RING_ROLE_PRODUCER ? r->held_count : 0;
}

/* --- zero-copy reserve / publish --------------------------------------- */

RING_EXPORT int
ring_reserve(struct ring *r, unsigned n)
{
	struct ring_q *q = r->out;
	int64_t avail;
	unsigned more;
	int st;

	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (n == 0)
		return -EINVAL;
	if (q->reserved >= n)
		return (int)q->reserved;
	avail = ring_q_ready(r, q, n - q->reserved, &st);
	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return q->reserved ? (int)q->reserved : st;
	more = n - q->reserved;
	q->reserved += avail < more ? (unsigned)avail : more;
	return (int)q->reserved;
}

static void *
ring_slot(struct ring *r, enum ring_role role, uint32_t esize, unsigned i)
{
	struct ring_q *q = r->out;

	if (r->role != role || q->esize != esize || i >= q->reserved)
		return NULL;
	return ring_q_slot(q, q->own + i);
}

RING_EXPORT struct ring_sqe *
ring_sqe_slot(struct ring *r, unsigned i)
{
	return ring_slot(r, RING_ROLE_CONSUMER, sizeof(struct ring_sqe), i);
}

RING_EXPORT struct ring_sqe32 *
ring_sqe32_slot(struct ring *r, unsigned i)
{
	return ring_slot(r, RING_ROLE_CONSUMER, sizeof(struct ring_sqe32), i);
}

RING_EXPORT struct ring_cqe *
ring_cqe_slot(struct ring *r, unsigned i)
{
	return ring_slot(r, RING_ROLE_PRODUCER, sizeof(struct ring_cqe), i);
}

RING_EXPORT struct ring_cqe32 *
ring_cqe32_slot(struct ring *r, unsigned i)
{
	return ring_slot(r, RING_ROLE_PRODUCER, sizeof(struct ring_cqe32), i);
}

/*
 * Publish the first k reserved slots; the rest of the reservation is
 * dropped (its slots were never visible to the peer).
 */
RING_EXPORT int
ring_publish(struct ring *r, unsigned k)
{
	struct ring_q *q = r->out;
	int st;

	if (r->role == RING_ROLE_MONITOR)
		return -EPERM;
	if (k > q->reserved)
		return -EINVAL;
	q->reserved = 0;
	st = ring_q_status(r, q);
	if (st < 0)
		return st;
	if (k > 0)
		ring_q_publish(r, q, k);
	return (int)k;
}

RING_EXPORT int
ring_sqe_check(const struct ring_sqe *sqe)
{
	return (sqe->flags & ~RING_SQE_KNOWN) ? -EINVAL : 0;
}

RING_EXPORT int
ring_cqe_check(const struct ring_cqe *cqe)
{
	return (cqe->flags & ~(uint64_t)RING_CQE_KNOWN) ? -EINVAL : 0;
}

RING_EXPORT const char *
ring_version(void)
{
	return RING_VERSION;
}

/* --- used by wait.c --------------------------------------------------- */

/* Events of mask that hold now, or -ESHUTDOWN/-EIO. */
int
ring_ready(struct ring *r, unsigned events)
{
	int64_t n;
	unsigned got = 0;
	int st, drop = 0;

	if (events & RING_EV_IN) {
		n = ring_q_ready(r, r->in, 1, &st);
		if (n < 0)
			return (int)n;
		/* a producer with every in-service entry taken pops nothing */
		if (n > 0 && (r->held_ud == NULL || r->held_count < r->sq.n))
			got |= RING_EV_IN;
		else if (st == -ESHUTDOWN && ring_orphans(r) > 0)
			got |= RING_EV_IN;
		else if (st == -ESHUTDOWN)
			drop = 1;
	}
	if (events & RING_EV_OUT) {
		n = ring_q_ready(r, r->out, 1, &st);
		if (n < 0)
			return (int)n;
		if (n > 0)
			got |= RING_EV_OUT;
		else if (st == -ESHUTDOWN)
			drop = 1;
	}
	if (got == 0 && drop)
		return -ESHUTDOWN;
	return (int)got;
}
