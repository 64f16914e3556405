/*
 * pair.c - a ring pair's life: validate a pair description, create the
 * memory file and doorbells, check and map what a side is handed, open
 * and close a side, and the status words a side or a monitor sets (DROP,
 * BROKEN).
 *
 * Part of libring's data path: depends on abi.h, ring.h and the other
 * data-path files (queue.c, held.c, pool.c, wait.c) only.  Nothing here
 * knows ringd; the control client hangs its own records on a ring
 * through the close hook (ringi_set_close_hook()).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "broker.h"
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

/* The description of a pair of parameters p, checked. */
static int
ring_desc_make(const struct ring_params *p, struct ring_pair_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->magic = RING_PAIR_MAGIC;
	d->version = RING_ABI_VERSION;
	d->flags = p->flags;
	d->sq_entries = p->sq_entries;
	d->cq_entries = p->cq_entries ? p->cq_entries : p->sq_entries;
	if (p->pool_bytes > RING_MAX_POOL || p->reserved != 0)
		return -EINVAL;
	d->pool_bytes = ring_page_round(p->pool_bytes);
	return ring_desc_check(d);
}

/*
 * ring_pair_create(), with the SQ's pop_wait word holding sq_pop_wait
 * from the start (0: nobody waits), written with the description: a
 * broker that arms a new pair for its first request (ringd) pays no
 * second write for it.
 */
int
ringi_pair_create_armed(const struct ring_params *p, uint32_t sq_pop_wait,
    struct ring_fds *fds)
{
	struct ring_pair_desc d;
	struct ring_layout l;
	union {
		uint8_t b[2 * RING_PAGE + sizeof(uint64_t)]; /* to cq_hdr's count */
		uint64_t align;
	} head;
	uint64_t ec;
	int mem = -1, db[2] = { -1, -1 }, rc;

	if ((rc = ring_desc_make(p, &d)) < 0)
		return rc;
	l = ring_layout(d.flags, d.sq_entries, d.cq_entries, d.pool_bytes);
	_Static_assert(sizeof(struct ring_pair_desc) <= RING_PAGE,
	    "the description fits its page");
	assert(l.sq_hdr + RING_PAGE <= l.cq_hdr &&
	    l.cq_hdr + sizeof(ec) == sizeof(head.b));

	mem = memfd_create("ring-pair", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		goto fail;
	if (ftruncate(mem, (off_t)l.total) < 0)
		goto fail;
	/* the description and both entry counts in one write: the bytes
	 * between them are the file's zeros */
	memset(&head, 0, sizeof(head));
	memcpy(head.b, &d, sizeof(d));
	ec = d.sq_entries;
	memcpy(head.b + l.sq_hdr, &ec, sizeof(ec));
	ec = d.cq_entries;
	memcpy(head.b + l.cq_hdr, &ec, sizeof(ec));
	_Static_assert(offsetof(struct ring_header_page, pop_wait) +
		sizeof(sq_pop_wait) <= RING_PAGE,
	    "the wait word is in the SQ header page, before cq_hdr");
	memcpy(head.b + l.sq_hdr + offsetof(struct ring_header_page, pop_wait),
	    &sq_pop_wait, sizeof(sq_pop_wait));
	if (pwrite(mem, head.b, sizeof(head.b), 0) != (ssize_t)sizeof(head.b))
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
	ringi_close(mem);
	return rc;
}

RING_EXPORT int
ring_pair_create(const struct ring_params *p, struct ring_fds *fds)
{
	return ringi_pair_create_armed(p, 0, fds);
}

/*
 * Is fd a doorbell: an AF_UNIX datagram socket connected to an unnamed
 * one?  Such a peer can only be its socket pair's other end (connect()
 * needs a name), so whatever the descriptor came from, a send on it
 * reaches no third party, and only that peer can send to it (a connected
 * datagram socket takes nothing from any other).  Nothing else is
 * accepted: an eventfd or a pipe could be made blocking or saturated by
 * whoever shares it.  Three calls: fstat() for the identity the caller
 * compares, SO_TYPE (ENOTSOCK on anything but a socket), and the peer's
 * name, which is AF_UNIX only on an AF_UNIX socket.
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
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0 ||
	    len != sizeof(v) || v != SOCK_DGRAM)
		return -EINVAL;
	len = sizeof(sa);
	if (getpeername(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    len != sizeof(sa_family_t) || sa.sun_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

RING_EXPORT void
ring_fds_close(struct ring_fds *fds)
{
	ringi_close(fds->mem);
	ringi_close(fds->doorbell[0]);
	ringi_close(fds->doorbell[1]);
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
	if (ring_load_relaxed(&q->hp->h.entry_count) != n)
		return -EINVAL;
	/* pair with the release stores of both indices (queue.c) */
	head = ring_load_acquire(&q->hp->h.head_index);
	tail = ring_load_acquire(&q->hp->h.tail_index);
	if (head > q->mask2 || tail > q->mask2 ||
	    ((tail - head) & q->mask2) > n)
		return -EINVAL;
	q->own = pusher ? tail : head;
	q->peer = pusher ? head : tail;
	/* a side that stopped between its index and epoch stores left the
	 * epoch behind: continue from the total the index proves */
	q->epoch = ringi_q_count(q, !pusher);
	return 0;
}

/*
 * Map a side of a pair of description d.  A monitor on its maker's own
 * pair (!checked) takes the queues' headers as they are: the figures it
 * reads are checked where they are read (stats.c), and it writes status
 * words only.
 */
static int
ring_map(struct ring *r, int mem, const struct ring_pair_desc *d,
    bool checked)
{
	struct ring_layout l = ring_layout(d->flags, d->sq_entries,
	    d->cq_entries, d->pool_bytes);
	bool b32 = d->flags & RING_PAIR_BITS_32;
	uint32_t sqe = b32 ? sizeof(struct ring_sqe32)
			   : sizeof(struct ring_sqe);
	uint32_t cqe = b32 ? sizeof(struct ring_cqe32)
			   : sizeof(struct ring_cqe);
	uint8_t *m, *sq_hdr, *cq_hdr, *sq_slots = NULL, *cq_slots = NULL;
	int rc;

	r->pool_bytes = d->pool_bytes;
	if (r->role == RING_ROLE_MONITOR) {
		/*
		 * A monitor maps the two header pages only, read-only, and
		 * takes both faults in the mmap() call: it writes status
		 * words for an instant (see ring_monitor_write()).
		 */
		r->map_len = l.sq_ents - l.sq_hdr;
		m = mmap(NULL, r->map_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
		    mem, (off_t)l.sq_hdr);
		if (m == MAP_FAILED)
			return -errno;
		r->map = m;
		sq_hdr = m;
		cq_hdr = m + (l.cq_hdr - l.sq_hdr);
	} else {
		r->map_len = l.total;
		m = mmap(NULL, l.total, PROT_READ | PROT_WRITE, MAP_SHARED, mem,
		    0);
		if (m == MAP_FAILED)
			return -errno;
		r->map = m;
		sq_hdr = m + l.sq_hdr;
		cq_hdr = m + l.cq_hdr;
		sq_slots = m + l.sq_ents;
		cq_slots = m + l.cq_ents;
		/* The description page is never touched through the mapping. */
		if (mprotect(m, RING_PAGE, PROT_NONE) < 0)
			return -errno;
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
	rc = ring_q_init(&r->sq, sq_hdr, sq_slots, d->sq_entries, sqe,
	    r->role == RING_ROLE_CONSUMER);
	if (rc == 0 || !checked)
		rc = ring_q_init(&r->cq, cq_hdr, cq_slots, d->cq_entries, cqe,
		    r->role == RING_ROLE_PRODUCER);
	if (!checked)
		rc = 0;
	r->sq.sq = true;
	r->sq.b32 = r->cq.b32 = b32;
	if (rc == 0 && r->role == RING_ROLE_PRODUCER)
		rc = ringi_held_setup(r, m + l.held);
	return rc;
}

/*
 * Open a side of a pair of description d on fds: map it and take the
 * doorbells, copies of them (dup) or, own, fds' own, which the handle
 * closes from then on (on failure they stay the caller's).
 */
static int
ring_open_desc(const struct ring_fds *fds, const struct ring_pair_desc *d,
    enum ring_role role, bool own, struct ring **ret)
{
	const int self = fds->doorbell[role == RING_ROLE_PRODUCER];
	const int peer = fds->doorbell[role != RING_ROLE_PRODUCER];
	struct ring *r;
	int rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->role = role;
	r->flags = d->flags;
	r->doorbell_self = r->doorbell_peer = -1;
	r->spin_ns = RING_SPIN_DEFAULT_NS;
	r->spin_adaptive = true;
	if ((rc = ring_map(r, fds->mem, d, !own)) < 0)
		goto fail;
	r->out = role == RING_ROLE_CONSUMER ? &r->sq : &r->cq;
	r->in = role == RING_ROLE_CONSUMER ? &r->cq : &r->sq;
	ringi_fence_open(r);
	/* A side reads its own end and sends on it to wake the peer; a
	 * monitor sends on both ends to wake both sides (wait.c). */
	if (role == RING_ROLE_CONSUMER && (rc = ringi_pool_setup(r)) < 0)
		goto fail;
	if (own) {
		r->doorbell_self = self;
		r->doorbell_peer = peer;
	} else {
		r->doorbell_self = fcntl(self, F_DUPFD_CLOEXEC, 3);
		if (r->doorbell_self < 0)
			goto fail_errno;
		r->doorbell_peer = fcntl(peer, F_DUPFD_CLOEXEC, 3);
		if (r->doorbell_peer < 0)
			goto fail_errno;
	}
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
 * ring_open() with every check, the handle taking own ? fds' doorbells
 * themselves : copies of them.
 */
static int
ring_open_checked(const struct ring_fds *fds, enum ring_role role, bool own,
    struct ring **ret)
{
	struct ring_pair_desc d;
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
	return ring_open_desc(fds, &d, role, own, ret);
}

RING_EXPORT int
ring_open(const struct ring_fds *fds, enum ring_role role, struct ring **ret)
{
	return ring_open_checked(fds, role, false, ret);
}

/*
 * ring_open() for a caller that has no use for the doorbells afterwards
 * (the control client, with what an OPEN reply brought): the handle takes
 * them over instead of copying them, and fds->doorbell[] become -1.  On
 * failure they stay the caller's.
 */
int
ringi_open_take(struct ring_fds *fds, enum ring_role role, struct ring **ret)
{
	int rc;

	if ((rc = ring_open_checked(fds, role, true, ret)) < 0)
		return rc;
	fds->doorbell[0] = fds->doorbell[1] = -1;
	return 0;
}

/*
 * A monitor on a pair its maker made of parameters p with
 * ring_pair_create(), whoever may have used it since: nothing is read
 * from the memory file to open it (the description is p's; the queues'
 * figures are checked where they are read), and the handle takes the
 * doorbells over rather than copying them: they keep their numbers, it
 * closes them, and ring_get_doorbells() gives them.  On failure they
 * stay the caller's.
 */
int
ringi_monitor_open_made(const struct ring_params *p,
    const struct ring_fds *fds, struct ring **ret)
{
	struct ring_pair_desc d;
	int rc;

	if ((rc = ring_desc_make(p, &d)) < 0)
		return rc;
	return ring_open_desc(fds, &d, RING_ROLE_MONITOR, true, ret);
}

/*
 * The status words of the pair in memory file mem (SQ, CQ), and whether
 * any side announced a sleep in a wait word, read with one pread(): what
 * a maker with no monitor mapped needs to know whether a status is set
 * (ring_status_settled()).  Racy like any monitor's read.
 */
int
ringi_status_read_fd(int mem, uint64_t status[2], bool *asleep)
{
	const struct ring_layout l = ring_layout(0, 1, 1, 0);
	/* both header pages up to the CQ's push_wait; read field by field,
	 * the buffer having no page alignment */
	uint8_t b[RING_PAGE + offsetof(struct ring_header_page, push_wait) +
	    sizeof(uint32_t)];
	const uint8_t *h;
	uint32_t w[2];
	ssize_t got;
	int i;

	assert(l.cq_hdr == l.sq_hdr + RING_PAGE);
	got = pread(mem, b, sizeof(b), (off_t)l.sq_hdr);
	if (got < 0)
		return -errno;
	if (got != (ssize_t)sizeof(b))
		return -EIO; /* cannot be: the file is sealed at its size */
	*asleep = false;
	for (i = 0; i < 2; i++) {
		h = b + (size_t)i * RING_PAGE;
		memcpy(&status[i],
		    h + offsetof(struct ring_header_page, h) +
			offsetof(struct ring_header, status),
		    sizeof(status[i]));
		memcpy(&w[0], h + offsetof(struct ring_header_page, pop_wait),
		    sizeof(w[0]));
		memcpy(&w[1], h + offsetof(struct ring_header_page, push_wait),
		    sizeof(w[1]));
		if (w[0] != 0 || w[1] != 0)
			*asleep = true;
	}
	return 0;
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
	if (mprotect(r->map, r->map_len, PROT_READ | (on ? PROT_WRITE : 0)) <
	    0)
		return -errno;
	return 0;
}

/*
 * Are bits set in both status words already, with no sleeper announced
 * in any wait word?  Then setting them again and waking would change
 * nothing: whoever announces a sleep later re-reads the status after its
 * fence (wait.c) and sees them.  The fence here orders the status loads
 * before the wait-word loads, against the sleeper's store, fence, load.
 * A monitor (ringd) so skips two mprotect() calls and two write faults
 * when it closes a ring whose side set DROP on leaving.
 */
static bool
ring_status_settled(const struct ring *r, uint64_t bits)
{
	if ((ring_load_acquire(&r->sq.hp->h.status) & bits) != bits ||
	    (ring_load_acquire(&r->cq.hp->h.status) & bits) != bits)
		return false;
	ring_smp_mb();
	return ring_load_relaxed(&r->sq.hp->pop_wait) == 0 &&
	    ring_load_relaxed(&r->sq.hp->push_wait) == 0 &&
	    ring_load_relaxed(&r->cq.hp->pop_wait) == 0 &&
	    ring_load_relaxed(&r->cq.hp->push_wait) == 0;
}

/* Set bits in both status words and wake every sleeper. */
static int
ring_set_status(struct ring *r, uint64_t bits)
{
	int rc;

	if (ring_status_settled(r, bits))
		return 0;
	if ((rc = ring_monitor_write(r, true)) < 0)
		return rc;
	/* take the write faults first, so both bits land close together */
	ring_fetch_or(&r->sq.hp->h.status, 0);
	ring_fetch_or(&r->cq.hp->h.status, 0);
	/* full barriers; pair with the acquire in ring_q_status() (queue.c) */
	ring_fetch_or(&r->sq.hp->h.status, bits);
	ring_fetch_or(&r->cq.hp->h.status, bits);
	ringi_wake_all(r);
	return ring_monitor_write(r, false);
}

/*
 * Have fn(r, arg) called when r is closed (fn NULL: no longer).  One hook
 * a ring; whoever sets it keeps what arg points to alive until then.
 */
void
ringi_set_close_hook(struct ring *r, void (*fn)(struct ring *r, void *arg),
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
	ringi_close(r->doorbell_self);
	ringi_close(r->doorbell_peer);
	ringi_guard_put(r->guard);
	range_fini(&r->pool_free);
	free(r->pool_starts);
	ringi_held_fini(r);
	free(r);
}

/* The peer broke the protocol: remember it, say so in shared memory. */
int
ringi_fail(struct ring *r)
{
	if (!r->broken) {
		r->broken = true;
		(void)ring_set_status(r, RING_STATUS_BROKEN);
	}
	return -EIO;
}

RING_EXPORT const char *
ring_version(void)
{
	return RING_VERSION;
}
