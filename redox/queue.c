/*
 * queue.c - one queue of the 2026 redox_ring format (<redox/ring-scheme.h>):
 * mapping and making the object, push and pop, and sleeping and waking
 * across processes.
 *
 * Index rule.  Each side keeps its own index (q->own) and is the only
 * writer of that word: the pusher of tail, the popper of head.  It
 * publishes with a release store, after the entries it covers are
 * written (push) or read (pop), and reads the peer's word with an
 * acquire load.  Bit 31 of a word says its writer sleeps; it is masked
 * off every read.  fill = tail - head modulo 2^31; fill > n can only come
 * from a broken or hostile peer, and the queue then stays broken.  Slots
 * are always index & mask, so no value in the header reaches outside the
 * mapping.
 *
 * Sleep and wake (Dekker).  The sleeper stores its index with WAITING,
 * issues a full barrier, and re-reads the peer's index; only if nothing
 * changed does it FUTEX_WAIT on the peer's word with the value it read.
 * The other side stores its index, issues a full barrier, and reads the
 * sleeper's word: WAITING there means FUTEX_WAKE on its own word.  One
 * of the two must see the other's store, and the futex value check
 * covers the moment between the re-read and the sleep.  Futexes are
 * shared (the words are in a memfd both processes map).  Sleeps are cut
 * into slices of REDOX_SLICE_MS so the dead mark ringd writes is seen
 * even when its wake-up is lost (q->slice_ms sets the slice; tests turn
 * it off so that a lost wake-up hangs instead of being covered).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

long
redoxi_futex_wait(uint32_t *word, uint32_t expect, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	return syscall(SYS_futex, word, FUTEX_WAIT, expect, ms < 0 ? NULL : &ts,
	    NULL, 0);
}

void
redoxi_futex_wake(uint32_t *word)
{
	(void)syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int64_t
redoxi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
redoxi_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static bool
queue_is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

int
redoxi_shm_create(const char *name, uint64_t size)
{
	int f = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), err;

	if (f < 0)
		return -errno;
	if (size > INT64_MAX || ftruncate(f, (off_t)size) < 0 ||
	    fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		err = size > INT64_MAX ? -EINVAL : -errno;
		close(f);
		return err;
	}
	return f;
}

int
redoxi_shm_check(int fd, uint64_t min, uint64_t *size)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	seals = fcntl(fd, F_GET_SEALS);
	if (!S_ISREG(st.st_mode) || seals < 0 || !(seals & F_SEAL_SHRINK) ||
	    (uint64_t)st.st_size < min)
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	return 0;
}

REDOX_EXPORT int
redox_queue_map(struct redox_queue *q, int fd, uint32_t item,
    enum redox_queue_role role)
{
	uint64_t size, raw, n, len;
	void *m;
	int rc;

	if (!q || item == 0 ||
	    (role != REDOX_QUEUE_PUSH && role != REDOX_QUEUE_POP))
		return -EINVAL;
	if ((rc = redoxi_shm_check(fd, REDOX_RING_HEADER_SIZE, &size)) < 0)
		return rc;
	raw = (size - REDOX_RING_HEADER_SIZE) / item;
	if (raw == 0)
		return -EINVAL;
	/* The largest power of two <= raw, as the consumer library does. */
	n = 1;
	while (n * 2 <= raw)
		n *= 2;
	if (n > REDOX_RING_MAX_CQ)
		return -EINVAL;
	len = REDOX_RING_HEADER_SIZE + n * item;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	memset(q, 0, sizeof(*q));
	q->map = m;
	q->map_len = len;
	q->head = (uint32_t *)(q->map + REDOX_RING_HEAD_OFF);
	q->tail = (uint32_t *)(q->map + REDOX_RING_TAIL_OFF);
	q->state = (uint32_t *)(q->map + REDOX_RING_STATE_OFF);
	q->entries = q->map + REDOX_RING_HEADER_SIZE;
	q->n = (uint32_t)n;
	q->mask = (uint32_t)n - 1;
	q->item = item;
	q->role = role;
	q->own = ring_load_acquire(role == REDOX_QUEUE_PUSH ? q->tail :
	    q->head) & REDOX_RING_INDEX_MASK;
	(void)redox_queue_fill(q);
	return 0;
}

REDOX_EXPORT int
redox_queue_create(struct redox_queue *q, int *fd, uint32_t n, uint32_t item,
    enum redox_queue_role role)
{
	int f, rc;

	if (!q || !fd || !queue_is_pow2(n) || n > REDOX_RING_MAX_CQ ||
	    item == 0 || (uint64_t)n * item > REDOX_POOL_MAX)
		return -EINVAL;
	f = redoxi_shm_create("redox-ring",
	    REDOX_RING_HEADER_SIZE + (uint64_t)n * item);
	if (f < 0)
		return f;
	rc = redox_queue_map(q, f, item, role);
	if (rc < 0)
		goto fail;
	*fd = f;
	return 0;
fail:
	close(f);
	return rc;
}

REDOX_EXPORT void
redox_queue_unmap(struct redox_queue *q)
{
	if (!q)
		return;
	if (q->map)
		munmap(q->map, q->map_len);
	memset(q, 0, sizeof(*q));
}

/* The peer's index, masked (acquire: its entries or slots are ours). */
static uint32_t
queue_peer(const struct redox_queue *q)
{
	return ring_load_acquire(q->role == REDOX_QUEUE_PUSH ? q->head :
	    q->tail) & REDOX_RING_INDEX_MASK;
}

/* Entries in the queue now, or -EIO (and sticky) when impossible. */
static int64_t
queue_fill(struct redox_queue *q)
{
	uint32_t peer, fill;

	if (q->broken)
		return -EIO;
	peer = queue_peer(q);
	fill = (q->role == REDOX_QUEUE_PUSH ? q->own - peer : peer - q->own) &
	    REDOX_RING_INDEX_MASK;
	if (fill > q->n) {
		q->broken = true;
		return -EIO;
	}
	return fill;
}

REDOX_EXPORT uint32_t
redox_queue_fill(const struct redox_queue *q)
{
	uint32_t peer, fill;

	if (!q || !q->map || q->broken)
		return 0;
	peer = queue_peer(q);
	fill = (q->role == REDOX_QUEUE_PUSH ? q->own - peer : peer - q->own) &
	    REDOX_RING_INDEX_MASK;
	return fill > q->n ? 0 : fill;
}

REDOX_EXPORT bool
redox_queue_dead(const struct redox_queue *q)
{
	return q && q->map &&
	    ring_load_acquire(q->state) == REDOX_RING_STATE_DEAD;
}

REDOX_EXPORT void *
redox_queue_reserve(struct redox_queue *q, uint32_t ahead)
{
	int64_t fill;

	if (!q || !q->map || q->role != REDOX_QUEUE_PUSH)
		return NULL;
	fill = queue_fill(q);
	if (fill < 0 || (uint64_t)fill + ahead >= q->n)
		return NULL;
	return q->entries + (size_t)((q->own + ahead) & q->mask) * q->item;
}

/*
 * Move our index on by count (published entries, or consumed ones), then
 * wake the peer if it sleeps on our word.  count must fit: the free
 * slots (pusher) or the entries there (popper).
 */
static int
queue_advance(struct redox_queue *q, uint32_t count, enum redox_queue_role role)
{
	uint32_t *mine, *peer;
	int64_t fill;

	if (!q || !q->map || q->role != role)
		return -EINVAL;
	fill = queue_fill(q);
	if (fill < 0)
		return (int)fill;
	if (role == REDOX_QUEUE_PUSH ? (uint64_t)fill + count > q->n :
	    count > fill)
		return -EINVAL;
	if (count == 0)
		return 0;
	mine = role == REDOX_QUEUE_PUSH ? q->tail : q->head;
	peer = role == REDOX_QUEUE_PUSH ? q->head : q->tail;
	q->own = (q->own + count) & REDOX_RING_INDEX_MASK;
	/*
	 * Release: the entries we wrote (or read) are done before the peer
	 * sees the index.  The store also clears our WAITING bit.
	 */
	ring_store_release(mine, q->own);
	/* pairs with the barrier in queue_wait(): see the head comment */
	ring_smp_mb();
	if (ring_load_relaxed(peer) & REDOX_RING_WAITING)
		redoxi_futex_wake(mine);
	return (int)count;
}

REDOX_EXPORT int
redox_queue_publish(struct redox_queue *q, uint32_t count)
{
	return queue_advance(q, count, REDOX_QUEUE_PUSH);
}

REDOX_EXPORT int
redox_queue_push(struct redox_queue *q, const void *item)
{
	void *slot;

	if (!q || !item || !q->map || q->role != REDOX_QUEUE_PUSH)
		return -EINVAL;
	slot = redox_queue_reserve(q, 0);
	if (!slot)
		return q->broken ? -EIO : -EAGAIN;
	memcpy(slot, item, q->item);
	return redox_queue_publish(q, 1) < 0 ? -EIO : 0;
}

REDOX_EXPORT int
redox_queue_peek(struct redox_queue *q, void *item)
{
	int64_t fill;

	if (!q || !item || !q->map || q->role != REDOX_QUEUE_POP)
		return -EINVAL;
	fill = queue_fill(q);
	if (fill < 0)
		return (int)fill;
	if (fill == 0)
		return -EAGAIN;
	memcpy(item, q->entries + (size_t)(q->own & q->mask) * q->item,
	    q->item);
	return 0;
}

REDOX_EXPORT int
redox_queue_consume(struct redox_queue *q, uint32_t count)
{
	return queue_advance(q, count, REDOX_QUEUE_POP);
}

REDOX_EXPORT int
redox_queue_pop(struct redox_queue *q, void *item)
{
	int rc = redox_queue_peek(q, item);

	return rc < 0 ? rc : redox_queue_consume(q, 1) < 0 ? -EIO : 0;
}

/* Can the side go on: 1 yes, 0 no, -EIO broken. */
static int
queue_ready(struct redox_queue *q)
{
	int64_t fill = queue_fill(q);

	if (fill < 0)
		return (int)fill;
	return q->role == REDOX_QUEUE_POP ? fill > 0 : fill < q->n;
}

/*
 * Spin, then sleep on the peer's word with WAITING on ours, in slices,
 * until queue_ready() or the dead mark or the deadline.
 */
static int
queue_wait(struct redox_queue *q, int timeout_ms)
{
	uint32_t *mine, *peer, seen;
	int64_t deadline = 0, left, slice;
	int i, rc;

	if (!q || !q->map)
		return -EINVAL;
	for (i = 0; i < REDOX_RING_SPIN; i++) {
		rc = queue_ready(q);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		redoxi_cpu_relax();
	}
	mine = q->role == REDOX_QUEUE_PUSH ? q->tail : q->head;
	peer = q->role == REDOX_QUEUE_PUSH ? q->head : q->tail;
	slice = q->slice_ms ? q->slice_ms : REDOX_SLICE_MS;
	if (timeout_ms >= 0)
		deadline = redoxi_now_ms() + timeout_ms;
	for (;;) {
		ring_store_release(mine, q->own | REDOX_RING_WAITING);
		/* pairs with the barrier in publish()/consume() */
		ring_smp_mb();
		seen = ring_load_acquire(peer);
		rc = queue_ready(q);
		if (rc == 0 && redox_queue_dead(q))
			rc = -EPIPE;
		left = slice;
		if (rc == 0 && timeout_ms >= 0) {
			left = deadline - redoxi_now_ms();
			if (left <= 0)
				rc = -ETIMEDOUT;
			else if (slice > 0 && left > slice)
				left = slice;
		}
		if (rc != 0)
			break;
		(void)redoxi_futex_wait(peer, seen, (int)left);
	}
	/* we are awake: clear WAITING (only we write this word) */
	ring_store_release(mine, q->own);
	return rc < 0 ? rc : 0;
}

REDOX_EXPORT int
redox_queue_wait_pop(struct redox_queue *q, int timeout_ms)
{
	if (q && q->role != REDOX_QUEUE_POP)
		return -EINVAL;
	return queue_wait(q, timeout_ms);
}

REDOX_EXPORT int
redox_queue_wait_push(struct redox_queue *q, int timeout_ms)
{
	if (q && q->role != REDOX_QUEUE_PUSH)
		return -EINVAL;
	return queue_wait(q, timeout_ms);
}
