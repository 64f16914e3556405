/*
 * blkdev-scheme - a block device served through ringd, in the role a USB
 * host controller driver plays for a storage driver: it emulates a disk
 * backed by a file and moves data between that file and the physical
 * memory the driver names, a DMA engine in software.
 *
 * It registers a scheme name, accepts every ring opened to it and serves
 * all of them from one epoll loop (the control socket for attach
 * requests, each ring's doorbell for submissions).  READ and WRITE name
 * their data by a scatter-gather list of physical ranges (see blkdev.h);
 * each range is resolved through libring in a region the driver granted
 * to the ring and copied to or from the backing file.  A ring's turn
 * takes up to 32 requests; those that continue each other on the device
 * in the same direction are moved as one transfer of all their segments.
 * Every READ transfer of the turn is read with one io_uring_enter() when
 * the kernel allows io_uring (-e), every WRITE transfer with one pwritev
 * (without io_uring, every READ transfer with one preadv), and the
 * requests are answered with one push per 2 MiB moved.  With -3 the device
 * addresses only 32 bits and refuses any range that reaches 4 GiB with
 * -EFAULT.  Every request gets a completion: a bad one a negative errno.
 *
 * A ring whose completion queue is full is not served (its consumer is
 * slow) until the consumer makes room, so a slow driver never holds up
 * the others.  When a ring goes, the scheme forgets the regions it
 * resolved for it.
 *
 * ringd may restart under it: the rings keep working without ringd and
 * libring reconnects (ring_ctl_set_reconnect()), registers the name
 * again and hands the rings and the drivers' memory it mapped back.
 *
 * The same loop serves the Redox disk ring protocol (relibc's redox_ring,
 * blkdev-redox.c) on the same disk, which is entry "1" of the scheme's
 * private directory namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ring/phys.h>
#include <ring/ring.h>

#include "blkdev-redox.h"
#include "blkdev.h"
#include "common/common.h"

/* Limits, kept together. */
#define BLK_MAX_RINGS 1024u   /* rings served at once */
#define BLK_BATCH 32u	      /* SQEs taken from one ring per turn */
#define BLK_EV_CTL UINT32_MAX /* epoll tag of the control socket */
#define BLK_DEFAULT_SIZE (64ull << 20)
#define BLK_MAX_SIZE (1ull << 40)
#define BLK_URING_ENTRIES (2 * BLK_BATCH)
/*
 * Bytes moved before their requests are answered: half a window of 32
 * requests of 128 KiB, so the driver refills one half while the other is
 * copied; a turn of small requests is answered at once.
 */
#define BLK_CHUNK_BYTES (2u << 20)
/* busy, the control socket and signals are looked at this often */
#define BLK_BUSY_CTL_NS 1000000ll
#define BLK_SPIN_NS 50000ll /* idle this long after a request: sleep */

/* How READ and WRITE move their data (-e). */
enum blk_engine { BLK_ENGINE_AUTO, BLK_ENGINE_URING, BLK_ENGINE_SYNC };

/*
 * One READ or WRITE checked and resolved: where its data is, where it
 * goes, and how much of it moved so far.
 */
struct blk_xfer {
	struct iovec *iov; /* its segments, in the turn's b->iov */
	unsigned niov;
	bool wr;
	uint64_t off, total;
	int64_t status; /* the completion's */
	unsigned end;	/* merged: the index after its last transfer */
};

/*
 * Regions this scheme resolved for one ring, by base: an open-addressing
 * set of base + 1 (a base is below UINT64_MAX; 0 marks an empty slot).
 * One entry per region, however many requests name it.
 */
struct blk_addrs {
	uint64_t *v;
	size_t n, cap;
};

/* One ring being served. */
struct blk_ring {
	struct ring *r;
	uint64_t id;
	uint32_t cq_entries;
	unsigned want; /* events to sleep on: RING_EV_IN or _OUT */
	bool armed;    /* ring_arm()ed for the last sleep */
	struct ring_ctl_peer consumer;
	struct blk_addrs addrs;
	uint64_t requests, errors, bytes;
};

/* The device. */
struct blk {
	struct ring_ctl *ctl;
	const char *name;
	int fd;	       /* backing file */
	uint64_t size; /* device bytes */
	bool dma32;
	bool verbose;
	struct blk_ring *rings[BLK_MAX_RINGS];
	int ep;
	uint64_t requests, errors, nrings;
	struct ctl_watch watch; /* ringd, as last seen */
	struct blk_redox rx;	/* the Redox disk ring protocol */
	enum blk_engine engine; /* URING or SYNC once started */
	struct io_uring uring;
	bool fixed;			 /* fd is the ring's registered file 0 */
	struct blk_xfer xfer[BLK_BATCH]; /* one ring's turn */
	/*
	 * The turn's segments, each transfer's right after the one before,
	 * so that transfers that continue each other are one iovec array.
	 */
	struct iovec iov[BLK_BATCH * BLKDEV_MAX_SEGS];
	unsigned iov_used;
	/* merged[j]: xfer[j] and those that continue it, as one transfer */
	struct blk_xfer merged[BLK_BATCH];
	uint64_t submits; /* io_uring_enter calls that submitted */
	uint64_t xfers, moves; /* READs and WRITEs, merged ones moved */
};

static volatile sig_atomic_t blk_quit;

static void
blk_on_signal(int sig)
{
	(void)sig;
	blk_quit = 1;
}

/* --- the per-ring address set ----------------------------------------- */

static size_t
blk_addrs_slot(const struct blk_addrs *a, uint64_t x)
{
	uint64_t h = x * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (a->cap - 1);
}

/* Note x; -ENOMEM when the set cannot grow. */
static int
blk_addrs_add(struct blk_addrs *a, uint64_t x)
{
	struct blk_addrs big;
	size_t i, k;

	x++;
	if (a->cap != 0)
		for (i = blk_addrs_slot(a, x); a->v[i] != 0;
		     i = (i + 1) & (a->cap - 1))
			if (a->v[i] == x)
				return 0;
	if (2 * (a->n + 1) > a->cap) {
		big.cap = a->cap ? 2 * a->cap : 64;
		big.n = 0;
		if ((big.v = calloc(big.cap, sizeof(*big.v))) == NULL)
			return -ENOMEM;
		for (k = 0; k < a->cap; k++)
			if (a->v[k] != 0) {
				for (i = blk_addrs_slot(&big, a->v[k]);
				     big.v[i] != 0; i = (i + 1) & (big.cap - 1))
					;
				big.v[i] = a->v[k];
				big.n++;
			}
		free(a->v);
		*a = big;
	}
	for (i = blk_addrs_slot(a, x); a->v[i] != 0; i = (i + 1) & (a->cap - 1))
		if (a->v[i] == x)
			return 0;
	a->v[i] = x;
	a->n++;
	return 0;
}

/* --- serving requests ------------------------------------------------- */

/*
 * The address of [phys, phys + len) in a region granted to this ring (not
 * merely to this scheme by some other ring's driver), its region noted
 * for br.  -EFAULT when there is no such region.
 */
static int
blk_resolve(struct blk *b, struct blk_ring *br, uint64_t phys, uint64_t len,
    void **ptr)
{
	uint64_t base;
	int rc;

	if (b->dma32 && (phys >= RING_PHYS_4G || len > RING_PHYS_4G - phys))
		return -EFAULT;
	rc = ring_phys_resolve_ring(b->ctl, br->id, phys, len, ptr, &base);
	if (rc < 0 && !ring_ctl_connected(b->ctl))
		return -EAGAIN; /* ringd is away: no region can be looked up */
	if (rc == -EINVAL || rc == -EPERM || rc == -ENOENT)
		return -EFAULT; /* nothing there, or not this ring's */
	if (rc < 0)
		return rc;
	return blk_addrs_add(&br->addrs, base);
}

/*
 * Move what is left of x between the backing file and its segments, one
 * preadv/pwritev at a time (up to IOV_MAX segments each): all of a
 * request, the rest of one that io_uring moved in part, or requests
 * merged into one.  Its byte count, or -errno (-EIO when the file shrank
 * under us).
 */
static int64_t
blk_xfer_sync(struct blk *b, struct blk_xfer *x, uint64_t done)
{
	struct iovec *iov, first;
	uint64_t skip;
	unsigned n;
	ssize_t k;

	while (done < x->total) {
		/* skip what moved: whole segments, then part of one */
		skip = done;
		for (iov = x->iov, n = x->niov; skip >= iov->iov_len; iov++, n--)
			skip -= iov->iov_len;
		first = *iov;
		iov->iov_base = (uint8_t *)iov->iov_base + skip;
		iov->iov_len -= skip;
		if (n > IOV_MAX)
			n = IOV_MAX;
		k = x->wr ? pwritev(b->fd, iov, (int)n, (off_t)(x->off + done))
			  : preadv(b->fd, iov, (int)n, (off_t)(x->off + done));
		*iov = first;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO; /* the file shrank under us */
		done += (uint64_t)k;
	}
	return (int64_t)x->total;
}

/*
 * xfer[j] and the transfers after it in [j, to) that continue it on the
 * device in the same direction, as one transfer m (their segments follow
 * each other in b->iov; at most IOV_MAX of them, what one readv takes):
 * a sequential stream of requests is moved with one preadv, pwritev or
 * io_uring read per turn, not one each.  m->end is the index after the
 * last one merged.
 */
static void
blk_merge(struct blk *b, unsigned j, unsigned to, const bool *io,
    struct blk_xfer *m)
{
	const struct blk_xfer *x;

	*m = b->xfer[j];
	for (m->end = j + 1; m->end < to && io[m->end]; m->end++) {
		x = &b->xfer[m->end];
		if (x->wr != m->wr || x->off != m->off + m->total ||
		    x->iov != m->iov + m->niov || m->niov + x->niov > IOV_MAX)
			break;
		m->niov += x->niov;
		m->total += x->total;
	}
}

/*
 * The statuses of the transfers merged into m = merged[j], which moved
 * all its bytes or failed with st.  When a merge of several failed, each
 * is moved again on its own, so that each gets its own answer.
 */
static void
blk_merged_done(struct blk *b, unsigned j, int64_t st)
{
	const struct blk_xfer *m = &b->merged[j];
	unsigned k;

	if (m->end == j + 1) {
		b->xfer[j].status = st;
		return;
	}
	for (k = j; k < m->end; k++)
		b->xfer[k].status = st >= 0 ? (int64_t)b->xfer[k].total
					    : blk_xfer_sync(b, &b->xfer[k], 0);
}

/*
 * READ or WRITE: check the scatter-gather list and resolve every segment
 * into x.  0, or the negative errno to answer with.
 */
static int
blk_rw_prep(struct blk *b, struct blk_ring *br, const struct ring_sqe *sqe,
    struct blk_xfer *x)
{
	struct ring_phys_seg seg[BLKDEV_MAX_SEGS];
	uint64_t nsegs, total = 0;
	unsigned i;
	void *p;
	int rc;

	if (sqe->syscall_flags & ~BLKDEV_SQE_LIST_PHYS)
		return -EINVAL;
	if (sqe->len == 0 || sqe->len % sizeof(seg[0]) != 0 ||
	    sqe->len > sizeof(seg))
		return -EINVAL;
	nsegs = sqe->len / sizeof(seg[0]);
	if (sqe->syscall_flags & BLKDEV_SQE_LIST_PHYS)
		rc = blk_resolve(b, br, sqe->addr, sqe->len, &p);
	else
		rc = ring_pool_resolve(br->r, sqe->addr, sqe->len, &p);
	if (rc < 0)
		return rc;
	/* the list is the peer's memory: copy it once, then check it */
	memcpy(seg, p, sqe->len);
	for (i = 0; i < nsegs; i++) {
		if (seg[i].len == 0 || seg[i].len > BLKDEV_MAX_XFER ||
		    seg[i].base > UINT64_MAX - seg[i].len)
			return -EINVAL;
		if (b->dma32 && seg[i].base + seg[i].len > RING_PHYS_4G)
			return -EFAULT;
		total += seg[i].len;
	}
	if (total > BLKDEV_MAX_XFER || total % BLKDEV_SECTOR != 0 ||
	    sqe->offset % BLKDEV_SECTOR != 0)
		return -EINVAL;
	if (sqe->offset > b->size || total > b->size - sqe->offset)
		return -ENXIO;
	/* room for a turn's worth of full lists: nsegs fit */
	x->iov = b->iov + b->iov_used;
	for (i = 0; i < nsegs; i++) {
		if ((rc = blk_resolve(b, br, seg[i].base, seg[i].len, &p)) < 0)
			return rc;
		x->iov[i] = (struct iovec){ .iov_base = p,
			.iov_len = seg[i].len };
	}
	x->niov = (unsigned)nsegs;
	b->iov_used += x->niov;
	x->wr = sqe->opcode == RING_OP_WRITE;
	x->off = sqe->offset;
	x->total = total;
	return 0;
}

/*
 * Ask for the segment list of a READ or WRITE in the ring's pool before
 * the turn reads any list: the driver has just written them on its own
 * CPU, and this way their cache misses overlap instead of following each
 * other.  Only a hint: nothing is kept (a RELEASE later in the turn may
 * unmap what it names), and blk_rw_prep() checks and resolves the list
 * again.  A list in physical memory is not looked up here: a first
 * lookup maps its region.
 */
static void
blk_rw_prefetch(struct blk_ring *br, const struct ring_sqe *sqe)
{
	void *p;

	if ((sqe->opcode == RING_OP_READ || sqe->opcode == RING_OP_WRITE) &&
	    !(sqe->syscall_flags & BLKDEV_SQE_LIST_PHYS) &&
	    ring_pool_resolve(br->r, sqe->addr, sqe->len, &p) == 0)
		__builtin_prefetch(p);
}

static int64_t
blk_identify(struct blk *b, struct blk_ring *br, const struct ring_sqe *sqe)
{
	struct blkdev_identify id;
	void *p;
	int rc;

	if (sqe->len < sizeof(id))
		return -EINVAL;
	if ((rc = ring_pool_resolve(br->r, sqe->addr, sizeof(id), &p)) < 0)
		return rc;
	memset(&id, 0, sizeof(id));
	id.magic = BLKDEV_IDENT_MAGIC;
	id.capacity = b->size;
	id.sector = BLKDEV_SECTOR;
	id.flags = b->dma32 ? BLKDEV_DMA32 : 0;
	id.max_segs = BLKDEV_MAX_SEGS;
	id.max_xfer = BLKDEV_MAX_XFER;
	snprintf(id.model, sizeof(id.model), "ringd blkdev %s",
	    b->dma32 ? "dma32" : "dma64");
	snprintf(id.serial, sizeof(id.serial), "%08x", (unsigned)getpid());
	memcpy(p, &id, sizeof(id));
	return (int64_t)sizeof(id);
}

/*
 * RELEASE: drop the mapping of the region holding addr, when this ring
 * may use that region (a driver cannot make the scheme drop another
 * driver's mappings).  0 in any case.
 */
static int64_t
blk_release(struct blk *b, struct blk_ring *br, uint64_t addr)
{
	uint64_t base;
	void *p;

	if (ring_phys_resolve_ring(b->ctl, br->id, addr, 1, &p, &base) == 0)
		(void)ring_phys_release(b->ctl, base);
	return 0;
}

/* Answer one request other than READ and WRITE. */
static int64_t
blk_one(struct blk *b, struct blk_ring *br, const struct ring_sqe *sqe)
{
	if (ring_sqe_check(sqe) < 0)
		return -EINVAL;
	switch (sqe->opcode) {
	case RING_OP_NOOP:
		return 0;
	case RING_OP_FSYNC:
		return fdatasync(b->fd) < 0 ? -errno : 0;
	case RING_OP_FSTAT:
		return (int64_t)b->size;
	case BLKDEV_OP_IDENTIFY:
		return blk_identify(b, br, sqe);
	case BLKDEV_OP_CAPACITY:
		return (int64_t)(b->size / BLKDEV_SECTOR);
	case BLKDEV_OP_RELEASE:
		return blk_release(b, br, sqe->addr);
	default:
		return -ENOSYS;
	}
}

/* --- moving the data -------------------------------------------------- */

/* The engine's name, as -e takes it and the log says it. */
static const char *const blk_engine_name[] = { "auto", "uring", "sync" };

/*
 * io_uring for the copies: the ring is ours alone and we always wait in
 * io_uring_enter(), so completions may wait for us (DEFER_TASKRUN) where
 * the kernel has it; the backing file is registered when it can be, and
 * so is the ring's own fd (no fget/fput in every io_uring_enter()).
 */
static int
blk_uring_init(struct blk *b)
{
	struct io_uring_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	rc = io_uring_queue_init_params(BLK_URING_ENTRIES, &b->uring, &p);
	if (rc == -EINVAL) {
		memset(&p, 0, sizeof(p));
		rc = io_uring_queue_init_params(BLK_URING_ENTRIES, &b->uring,
		    &p);
	}
	if (rc < 0)
		return rc;
	b->fixed = io_uring_register_files(&b->uring, &b->fd, 1) == 0;
	(void)io_uring_register_ring_fd(&b->uring);
	return 0;
}

/*
 * The completion of merged[j] (its user_data): the statuses of its
 * transfers, what it left unmoved moved here.
 */
static void
blk_uring_done(struct blk *b, const struct io_uring_cqe *cqe)
{
	uint64_t j = io_uring_cqe_get_data64(cqe);
	struct blk_xfer *m;
	int64_t st;

	if (j >= BLK_BATCH)
		return; /* cannot be: we name every entry */
	m = &b->merged[j];
	if (cqe->res < 0)
		st = cqe->res;
	else if ((uint64_t)cqe->res < m->total)
		st = blk_xfer_sync(b, m, (uint64_t)cqe->res);
	else
		st = (int64_t)m->total;
	blk_merged_done(b, (unsigned)j, st);
}

/*
 * Move xfer[j] for every j in [from, to) with io[j] set, and wait until
 * all of them are done, those that continue each other merged into one
 * transfer (blk_merge()): the reads with one io_uring_enter() (inline
 * copies from the page cache, no worker thread), the writes (and without
 * io_uring the reads) with one pwritev or preadv each.  None is in
 * flight on return, so nothing a later lookup unmaps can be under a
 * copy.  0, or -errno when io_uring failed for good.
 */
static int
blk_run(struct blk *b, unsigned from, unsigned to, const bool *io)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	unsigned j, want = 0, got = 0;
	struct blk_xfer *m;
	int fd = b->fixed ? 0 : b->fd;
	int rc;

	for (j = from; j < to; j = m->end) {
		m = &b->merged[j];
		if (!io[j]) {
			m->end = j + 1;
			continue;
		}
		blk_merge(b, j, to, io, m);
		b->xfers += m->end - j;
		b->moves++;
		/*
		 * A buffered write that may block (ext4 takes every one as
		 * such) goes to an io_uring worker: two context switches
		 * more than pwritev costs, so writes are pwritev.
		 */
		if (b->engine == BLK_ENGINE_SYNC || m->wr ||
		    (sqe = io_uring_get_sqe(&b->uring)) == NULL) {
			blk_merged_done(b, j, blk_xfer_sync(b, m, 0));
			continue;
		}
		/* one segment: no iovec array for the kernel to copy in */
		if (m->niov == 1)
			io_uring_prep_read(sqe, fd, m->iov[0].iov_base,
			    (unsigned)m->iov[0].iov_len, m->off);
		else
			io_uring_prep_readv(sqe, fd, m->iov, m->niov, m->off);
		io_uring_sqe_set_data64(sqe, j);
		if (b->fixed)
			sqe->flags |= IOSQE_FIXED_FILE;
		want++;
	}
	if (want > 0)
		b->submits++;
	while (got < want) {
		rc = io_uring_submit_and_wait(&b->uring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
			return rc;
		while (got < want && io_uring_peek_cqe(&b->uring, &cqe) == 0) {
			blk_uring_done(b, cqe);
			io_uring_cqe_seen(&b->uring, cqe);
			got++;
		}
	}
	return 0;
}

/*
 * Move the data of requests [from, to) of a turn (those with io[] set),
 * then answer all of them with one push: results in cqe[] already for the
 * others.  0, or -errno when the ring or io_uring failed.
 */
static int
blk_answer(struct blk *b, struct blk_ring *br, const struct ring_sqe *sqe,
    struct ring_cqe *cqe, const bool *io, unsigned from, unsigned to)
{
	unsigned i, done;
	int rc;

	if ((rc = blk_run(b, from, to, io)) < 0)
		return rc;
	for (i = from; i < to; i++) {
		if (io[i]) {
			cqe[i].status = (uint64_t)b->xfer[i].status;
			if (b->xfer[i].status >= 0)
				br->bytes += b->xfer[i].total;
		}
		if (ring_cqe_errno(&cqe[i]) != 0) {
			br->errors++;
			b->errors++;
			if (b->verbose)
				fprintf(stderr,
				    "blkdev-scheme: ring %" PRIu64
				    ": opcode %u offset %" PRIu64 ": %s\n",
				    br->id, sqe[i].opcode, sqe[i].offset,
				    strerror(-ring_cqe_errno(&cqe[i])));
		}
	}
	/* room was made for all of them before they were taken */
	for (done = from; done < to; done += (unsigned)rc)
		if ((rc = ring_cq_push_batch(br->r, cqe + done, to - done)) < 0)
			return rc;
	br->requests += to - from;
	b->requests += to - from;
	return 0;
}

/*
 * One turn on a ring: take at most as many SQEs as its CQ has room for
 * (up to BLK_BATCH), check and resolve each, and move the data of up to
 * BLK_CHUNK_BYTES at once before answering those requests with one push,
 * so that the driver gets its answers while the next ones are copied.  A
 * RELEASE first lets the transfers taken before it finish.  *more: work
 * may be left.  Returns -ESHUTDOWN/-EIO when the ring is over.
 */
static int
blk_serve(struct blk *b, struct blk_ring *br, bool *more)
{
	struct ring_sqe sqe[BLK_BATCH];
	struct ring_cqe cqe[BLK_BATCH];
	bool io[BLK_BATCH];
	struct ring_stats st;
	unsigned from = 0;
	uint64_t room, bytes = 0;
	int64_t status;
	int n, i, rc;

	*more = false;
	ring_get_stats(br->r, &st);
	/* only the consumer moves the CQ head: room can only grow */
	room = st.cq.depth < br->cq_entries ? br->cq_entries - st.cq.depth : 0;
	if (room == 0) {
		/* nobody will make room once the driver left */
		if (ring_is_broken(br->r))
			return -EIO;
		if (ring_is_dropped(br->r))
			return -ESHUTDOWN;
		br->want = RING_EV_OUT;
		return 0;
	}
	br->want = RING_EV_IN;
	n = ring_sq_pop_batch(br->r, sqe,
	    room < BLK_BATCH ? (unsigned)room : BLK_BATCH);
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return n;
	b->iov_used = 0;
	for (i = 0; i < n; i++)
		blk_rw_prefetch(br, &sqe[i]);
	for (i = 0; i < n; i++) {
		io[i] = false;
		if (ring_sqe_check(&sqe[i]) < 0) {
			status = -EINVAL;
		} else if (sqe[i].opcode == RING_OP_READ ||
		    sqe[i].opcode == RING_OP_WRITE) {
			status = blk_rw_prep(b, br, &sqe[i], &b->xfer[i]);
			io[i] = status == 0;
		} else {
			if (sqe[i].opcode == BLKDEV_OP_RELEASE && bytes > 0) {
				if ((rc = blk_answer(b, br, sqe, cqe, io, from,
					 (unsigned)i)) < 0)
					return rc;
				from = (unsigned)i;
				bytes = 0;
			}
			status = blk_one(b, br, &sqe[i]);
		}
		cqe[i] = (struct ring_cqe){ .user_data = sqe[i].user_data,
			.status = (uint64_t)status };
		if (io[i] && (bytes += b->xfer[i].total) >= BLK_CHUNK_BYTES) {
			if ((rc = blk_answer(b, br, sqe, cqe, io, from,
				 (unsigned)i + 1)) < 0)
				return rc;
			from = (unsigned)i + 1;
			bytes = 0;
		}
	}
	if (from < (unsigned)n &&
	    (rc = blk_answer(b, br, sqe, cqe, io, from, (unsigned)n)) < 0)
		return rc;
	*more = (unsigned)n == BLK_BATCH || (uint64_t)n == room;
	return 0;
}

/* --- rings ------------------------------------------------------------ */

static void
blk_drop(struct blk *b, unsigned i, const char *why)
{
	struct blk_ring *br = b->rings[i];
	size_t k;

	(void)epoll_ctl(b->ep, EPOLL_CTL_DEL, ring_fd(br->r), NULL);
	/* a producer's close answers whatever is still in service */
	ring_close(br->r);
	(void)ring_ctl_close_ring(b->ctl, br->id);
	/* the regions die with the driver: map them afresh if they come back */
	for (k = 0; k < br->addrs.cap; k++)
		if (br->addrs.v[k] != 0)
			(void)ring_phys_release(b->ctl, br->addrs.v[k] - 1);
	fprintf(stderr,
	    "blkdev-scheme: ring %" PRIu64 " from %s[%u] closed "
	    "(%s): %" PRIu64 " requests, %" PRIu64 " errors, %" PRIu64
	    " bytes; regions mapped: %zu\n",
	    br->id, br->consumer.comm, br->consumer.pid, why, br->requests,
	    br->errors, br->bytes, br->addrs.n);
	free(br->addrs.v);
	free(br);
	b->rings[i] = NULL;
}

static int
blk_attach(struct blk *b)
{
	struct ring_attach a;
	struct epoll_event ev;
	struct ring_info info;
	struct blk_ring *br;
	unsigned i;
	int rc;

	while ((rc = ring_ctl_next_attach(b->ctl, &a)) == 0) {
		for (i = 0; i < BLK_MAX_RINGS && b->rings[i] != NULL; i++)
			;
		if (i == BLK_MAX_RINGS ||
		    (br = calloc(1, sizeof(*br))) == NULL) {
			(void)ring_ctl_refuse(b->ctl, &a,
			    i == BLK_MAX_RINGS ? -EMFILE : -ENOMEM);
			continue;
		}
		if ((rc = ring_ctl_accept(b->ctl, &a, &br->r)) < 0) {
			fprintf(stderr,
			    "blkdev-scheme: cannot accept ring %" PRIu64
			    ": %s\n",
			    a.ring_id, strerror(-rc));
			free(br);
			continue;
		}
		ring_get_info(br->r, &info);
		br->id = a.ring_id;
		br->consumer = a.consumer;
		br->cq_entries = info.cq_entries;
		br->want = RING_EV_IN;
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(b->ep, EPOLL_CTL_ADD, ring_fd(br->r), &ev) < 0) {
			rc = -errno;
			fprintf(stderr, "blkdev-scheme: epoll: %s\n",
			    strerror(-rc));
			ring_close(br->r);
			(void)ring_ctl_close_ring(b->ctl, br->id);
			free(br);
			continue;
		}
		b->rings[i] = br;
		b->nrings++;
		fprintf(stderr,
		    "blkdev-scheme: ring %" PRIu64 " from %s[%u] uid %u\n",
		    a.ring_id, a.consumer.comm, a.consumer.pid, a.consumer.uid);
	}
	return rc == -EAGAIN ? 0 : rc;
}

/*
 * Take attach requests, and say when ringd went away or came back; a
 * refusal after a restart (the name taken meanwhile, a ring not taken
 * back) is reported, and serving goes on.
 */
static void
blk_control(struct blk *b)
{
	unsigned what;
	int rc;

	rc = blk_attach(b);
	if (b->rx.on)
		(void)rsv_events(&b->rx.rsv);
	what = ctl_watch(&b->watch, b->ctl);
	if (what & CTL_WENT_AWAY)
		fprintf(stderr,
		    "blkdev-scheme: ringd went away; serving on, "
		    "reconnecting\n");
	if (what & CTL_CAME_BACK)
		fprintf(stderr,
		    "blkdev-scheme: ringd is back; '%s' registered again, "
		    "rings handed back\n",
		    b->name);
	if (rc < 0 && b->watch.up)
		fprintf(stderr,
		    "blkdev-scheme: ringd is back but refused '%s', a ring "
		    "or a region: %s\n",
		    b->name, strerror(-rc));
}

/*
 * Serve until a signal; 0 or -errno.  While some ring has work left, and
 * for BLK_SPIN_NS after the last request (a sleep and a wakeup cost more
 * than that), the loop goes round without sleeping, and looks at the
 * control socket (and at epoll, for signals) at most every
 * BLK_BUSY_CTL_NS: a busy turn costs no system call of its own.  Only
 * rings armed for the sleep are drained after it.
 */
static int
blk_loop(struct blk *b, const sigset_t *waitmask)
{
	struct epoll_event evs[64];
	int64_t now, ctl_at = 0, work_at = 0;
	uint64_t served;
	bool busy, more;
	unsigned i;
	int n, rc, timeout;

	while (!blk_quit) {
		busy = false;
		served = b->requests + b->rx.rsv.requests;
		for (i = 0; i < BLK_MAX_RINGS; i++) {
			if (b->rings[i] == NULL)
				continue;
			if ((rc = blk_serve(b, b->rings[i], &more)) < 0) {
				blk_drop(b, i,
				    rc == -ESHUTDOWN ? "driver left"
						     : strerror(-rc));
				continue;
			}
			busy |= more;
		}
		if (b->rx.on)
			rsv_serve(&b->rx.rsv, &busy);
		now = (int64_t)clock_ns();
		if (b->requests + b->rx.rsv.requests != served)
			work_at = now;
		if ((busy || now - work_at < BLK_SPIN_NS) &&
		    now - ctl_at < BLK_BUSY_CTL_NS)
			continue;
		ctl_at = now;
		/* after serving: a request may have queued an attach */
		blk_control(b);
		for (i = 0; i < BLK_MAX_RINGS && !busy; i++) {
			if (b->rings[i] == NULL)
				continue;
			b->rings[i]->armed = true;
			rc = ring_arm(b->rings[i]->r, b->rings[i]->want);
			if (rc != 0)
				busy = true; /* work, or a ring that ended */
		}
		/* a Redox ring with a full CQ is looked at again soon */
		timeout = b->rx.on ? rsv_timeout(&b->rx.rsv, busy)
				   : busy ? 0 : -1;
		n = epoll_pwait(b->ep, evs, 64, timeout, waitmask);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < BLK_MAX_RINGS; i++)
			if (b->rings[i] != NULL && b->rings[i]->armed) {
				ring_disarm(b->rings[i]->r);
				b->rings[i]->armed = false;
			}
	}
	return 0;
}

/* --- setup ------------------------------------------------------------ */

/*
 * The backing file: path, or with none the file "1" made in the private
 * directory (which goes with us); either way, "1" there is the disk of
 * the Redox protocol.
 */
static int
blk_open_file(struct blk *b, const char *path, bool size_given)
{
	struct stat st;
	int fd;

	if (path == NULL) {
		if ((b->fd = blk_redox_make(&b->rx, NULL)) < 0)
			return -1;
		path = b->rx.disk;
	} else {
		b->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (b->fd >= 0 && (fd = blk_redox_make(&b->rx, path)) >= 0)
			close(fd); /* the same file: b->fd serves both */
	}
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		fprintf(stderr, "blkdev-scheme: cannot open '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "blkdev-scheme: '%s' is not a regular file\n",
		    path);
		return -1;
	}
	if (!size_given && st.st_size > 0)
		b->size = (uint64_t)st.st_size & ~(uint64_t)(BLKDEV_SECTOR - 1);
	if (b->size == 0) {
		fprintf(stderr,
		    "blkdev-scheme: '%s' is smaller than a sector\n", path);
		return -1;
	}
	if ((uint64_t)st.st_size < b->size &&
	    ftruncate(b->fd, (off_t)b->size) < 0) {
		fprintf(stderr, "blkdev-scheme: cannot size '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (b->rx.on && blk_redox_set_disk(&b->rx, b->fd, b->size) < 0)
		b->rx.on = false;
	return 0;
}

static void
blk_usage(FILE *f)
{
	fprintf(f,
	    "usage: blkdev-scheme [-3hv] [-e engine] [-f file] [-n name] "
	    "[-S socket] [-s size]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dma32", no_argument, NULL, '3' },
		{ "engine", required_argument, NULL, 'e' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const uint8_t ops[] = { RING_OP_NOOP, RING_OP_READ,
		RING_OP_WRITE, RING_OP_FSTAT, RING_OP_FSYNC, BLKDEV_OP_IDENTIFY,
		BLKDEV_OP_CAPACITY, BLKDEV_OP_RELEASE };
	static const struct ring_ctl_opname opnames[] = {
		{ BLKDEV_OP_IDENTIFY, "identify" },
		{ BLKDEV_OP_CAPACITY, "capacity" },
		{ BLKDEV_OP_RELEASE, "release" },
	};
	static struct blk b;
	const char *sock = NULL, *path = NULL;
	struct epoll_event ev;
	struct sigaction sa;
	sigset_t block, waitmask;
	bool size_given = false;
	unsigned i;
	int ch, rc, status = 0;

	b.name = BLKDEV_DEFAULT_NAME;
	b.size = BLK_DEFAULT_SIZE;
	b.fd = b.ep = b.rx.dirfd = -1;
	while ((ch = getopt_long(argc, argv, "3e:f:hn:S:s:v", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case '3':
			b.dma32 = true;
			break;
		case 'e':
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, blk_engine_name[i]) == 0)
					break;
			if (i == 3) {
				fprintf(stderr,
				    "blkdev-scheme: bad engine '%s': "
				    "expected auto, uring or sync\n",
				    optarg);
				return 2;
			}
			b.engine = (enum blk_engine)i;
			break;
		case 'f':
			path = optarg;
			break;
		case 'h':
			blk_usage(stdout);
			return 0;
		case 'n':
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= RING_CTL_NAME_MAX) {
				fprintf(stderr,
				    "blkdev-scheme: bad scheme name "
				    "'%s'\n",
				    optarg);
				return 2;
			}
			b.name = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 's':
			if (units_parse_size(optarg, &b.size) < 0 ||
			    b.size == 0 || b.size > BLK_MAX_SIZE ||
			    b.size % BLKDEV_SECTOR != 0) {
				fprintf(stderr,
				    "blkdev-scheme: bad size '%s': "
				    "expected a multiple of %u up to 1T\n",
				    optarg, BLKDEV_SECTOR);
				return 2;
			}
			size_given = true;
			break;
		case 'v':
			b.verbose = b.rx.verbose = true;
			break;
		default:
			blk_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "blkdev-scheme: unexpected argument '%s'\n",
		    argv[optind]);
		blk_usage(stderr);
		return 2;
	}
	if (blk_open_file(&b, path, size_given) < 0) {
		blk_redox_stop(&b.rx);
		return 1;
	}
	if (b.engine != BLK_ENGINE_SYNC && (rc = blk_uring_init(&b)) < 0) {
		/* containers and seccomp profiles often forbid io_uring */
		if (b.engine == BLK_ENGINE_URING) {
			fprintf(stderr,
			    "blkdev-scheme: cannot set up io_uring: %s\n",
			    strerror(-rc));
			blk_redox_stop(&b.rx);
			close(b.fd);
			return 1;
		}
		fprintf(stderr,
		    "blkdev-scheme: no io_uring (%s): copying with "
		    "preadv/pwritev\n",
		    strerror(-rc));
		b.engine = BLK_ENGINE_SYNC;
	} else if (b.engine != BLK_ENGINE_SYNC) {
		b.engine = BLK_ENGINE_URING;
	}

	/* signals only interrupt the wait, so none is lost between checks */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = blk_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = ring_ctl_connect(sock, NULL, &b.ctl)) < 0) {
		fprintf(stderr, "blkdev-scheme: cannot connect to ringd: %s\n",
		    strerror(-rc));
		blk_redox_stop(&b.rx);
		if (b.engine == BLK_ENGINE_URING)
			io_uring_queue_exit(&b.uring);
		close(b.fd);
		return 3;
	}
	/* ride through a restart of ringd */
	(void)ring_ctl_set_reconnect(b.ctl, true);
	b.watch.up = true;
	if ((rc = ring_ctl_register_names(b.ctl, b.name, ops, sizeof(ops),
		 opnames, sizeof(opnames) / sizeof(opnames[0]))) < 0) {
		fprintf(stderr, "blkdev-scheme: cannot register '%s': %s\n",
		    b.name, strerror(-rc));
		status = 1;
		goto out;
	}
	if ((b.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fprintf(stderr, "blkdev-scheme: epoll: %s\n", strerror(errno));
		status = 1;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BLK_EV_CTL };
	if (epoll_ctl(b.ep, EPOLL_CTL_ADD, ring_ctl_fd(b.ctl), &ev) < 0) {
		fprintf(stderr, "blkdev-scheme: epoll: %s\n", strerror(errno));
		status = 1;
		goto out;
	}
	blk_redox_start(&b.rx, b.ctl, b.name, b.ep);
	fprintf(stderr,
	    "blkdev-scheme: serving '%s': %" PRIu64 " bytes, %s "
	    "DMA, %s I/O\n",
	    b.name, b.size, b.dma32 ? "32-bit" : "64-bit",
	    b.engine == BLK_ENGINE_URING ? "io_uring" : "preadv/pwritev");
	if (blk_loop(&b, &waitmask) < 0)
		status = 1;
out:
	for (i = 0; i < BLK_MAX_RINGS; i++)
		if (b.rings[i] != NULL)
			blk_drop(&b, i, "scheme stopping");
	blk_redox_stop(&b.rx);
	fprintf(stderr,
	    "blkdev-scheme: %" PRIu64 " requests on %" PRIu64 " rings, %" PRIu64
	    " errors, %" PRIu64 " ringd restarts; %" PRIu64
	    " io_uring submissions; %" PRIu64 " transfers moved as %" PRIu64
	    "\n",
	    b.requests, b.nrings, b.errors, b.watch.restarts, b.submits,
	    b.xfers, b.moves);
	ring_ctl_close(b.ctl);
	if (b.engine == BLK_ENGINE_URING)
		io_uring_queue_exit(&b.uring);
	if (b.ep >= 0)
		close(b.ep);
	close(b.fd);
	return status;
}
