/*
 * ring.c - relibc's twelve redox_ring functions (<redox/ring.h>) on
 * Linux: a consumer's ring set up through ringd, its SQ pushed with a
 * doorbell byte per submit, its CQ popped with the WAITING-bit sleep, and
 * the two pool allocators (pool.c).
 *
 * Each ring has its own connection to ringd (ring_ctl_connect(NULL, ...)
 * honours $RINGD_SOCKET): ringd asks the scheme for the ring, checks and
 * relays its four objects, and notices when either side goes.  One
 * thread per ring, as in relibc.  Where relibc panics (NULL pointers, a
 * ring that is not set up) these functions return their error value.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <redox/ring.h>

#include "internal.h"

/* Nothing owned: what init leaves on failure and exit leaves behind. */
static void
ring_clear(struct redox_ring *ring)
{
	memset(ring, 0, sizeof(*ring));
	ring->doorbell = -1;
}

static bool
ring_ok(const struct redox_ring *ring)
{
	return ring && ring->magic == REDOX_RING_MAGIC;
}

/*
 * The scheme a path names: "/scheme/<name>", "/scheme/<name>/...", or a
 * bare "<name>".  -ENOENT for other paths.
 */
static int
ring_scheme_name(const char *path, char name[RING_CTL_NAME_MAX])
{
	static const char prefix[] = "/scheme/";
	size_t len;

	if (strncmp(path, prefix, sizeof(prefix) - 1) == 0)
		path += sizeof(prefix) - 1;
	else if (strchr(path, '/'))
		return -ENOENT;
	len = strcspn(path, "/");
	if (len == 0)
		return -ENOENT;
	if (len >= RING_CTL_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, path, len);
	name[len] = '\0';
	return 0;
}

/* Map pool_size bytes of the scheme's pool, which must hold them. */
static int
ring_map_pool(int fd, uint32_t size, uint8_t **base)
{
	uint64_t have;
	void *m;
	int rc;

	if ((rc = redoxi_shm_check(fd, size, &have)) < 0)
		return rc;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	*base = m;
	return 0;
}

static void
ring_close_fds(struct ring_ctl_redox_fds *fds)
{
	if (fds->sq >= 0)
		close(fds->sq);
	if (fds->cq >= 0)
		close(fds->cq);
	if (fds->doorbell >= 0)
		close(fds->doorbell);
	if (fds->pool >= 0)
		close(fds->pool);
}

/* Everything init and exit release; leaves the ring cleared. */
static void
ring_release(struct redox_ring *ring)
{
	redox_queue_unmap(&ring->sq);
	redox_queue_unmap(&ring->cq);
	if (ring->pool.base)
		munmap(ring->pool.base, ring->pool.size);
	redoxi_pool_fini(&ring->pool);
	if (ring->doorbell >= 0)
		close(ring->doorbell);
	if (ring->ctl) {
		if (ring->ring_id)
			(void)ring_ctl_close_ring(ring->ctl, ring->ring_id);
		ring_ctl_close(ring->ctl);
	}
	ring_clear(ring);
}

/* Objects from ringd into the ring: the queues, the pool, the doorbell. */
static int
ring_take(struct redox_ring *ring, struct ring_ctl_redox_fds *fds,
    uint32_t pool_size, uint32_t chunk_size, bool sized)
{
	uint8_t *base = NULL;
	int rc;

	rc = redox_queue_map(&ring->sq, fds->sq, ring->sqe_size,
	    REDOX_QUEUE_PUSH);
	if (rc < 0)
		return rc;
	rc = redox_queue_map(&ring->cq, fds->cq, ring->cqe_size,
	    REDOX_QUEUE_POP);
	if (rc < 0)
		return rc;
	rc = ring_map_pool(fds->pool, pool_size, &base);
	if (rc < 0)
		return rc;
	rc = redoxi_pool_init(&ring->pool, base, pool_size, chunk_size, sized);
	if (rc < 0) {
		munmap(base, pool_size);
		return rc;
	}
	ring->doorbell = fds->doorbell;
	fds->doorbell = -1;
	return 0;
}

REDOX_EXPORT int
redox_ring_queue_init_with_path(unsigned int entries, unsigned int sqe_size,
    unsigned int cqe_size, unsigned int pool_size, unsigned int chunk_size,
    unsigned int sized, struct redox_ring *ring, unsigned int flags,
    const char *path)
{
	struct ring_ctl_redox_fds fds = { -1, -1, -1, -1 };
	struct ring_ctl_redox_params p;
	char name[RING_CTL_NAME_MAX];
	int rc;

	if (!ring)
		return -EINVAL;
	/* the caller's memory is garbage: nothing in it is read */
	ring_clear(ring);
	if (!path || entries == 0 || sqe_size == 0 || cqe_size == 0 ||
	    pool_size == 0 || pool_size > REDOX_POOL_MAX ||
	    (flags & ~REDOX_RING_SETUP_CQSIZE) ||
	    (!sized && (chunk_size == 0 || chunk_size > pool_size)))
		return -EINVAL;
	rc = ring_scheme_name(path, name);
	if (rc < 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.sq_entries = entries;
	p.cq_entries = entries;
	p.flags = flags;
	p.pool_size = pool_size;
	p.sqe_size = sqe_size;
	p.cqe_size = cqe_size;
	ring->sqe_size = sqe_size;
	ring->cqe_size = cqe_size;
	rc = ring_ctl_connect(NULL, NULL, &ring->ctl);
	if (rc < 0) {
		ring->ctl = NULL;
		goto fail;
	}
	rc = ring_ctl_redox_setup(ring->ctl, name, &p, &ring->ring_id, &fds);
	if (rc < 0) {
		ring->ring_id = 0;
		goto fail;
	}
	rc = ring_take(ring, &fds, pool_size, chunk_size, sized != 0);
	if (rc < 0)
		goto fail;
	ring_close_fds(&fds);
	ring->magic = REDOX_RING_MAGIC;
	return 0;
fail:
	ring_close_fds(&fds);
	ring_release(ring);
	return rc;
}

REDOX_EXPORT int
redox_ring_register_files(struct redox_ring *ring, const int *files,
    unsigned int nr_files)
{
	int rc;

	if (!ring_ok(ring) || !files || nr_files == 0 ||
	    nr_files > RING_CTL_REDOX_FILES_MAX)
		return -EINVAL;
	rc = ring_ctl_redox_files(ring->ctl, ring->ring_id, files, nr_files);
	return rc < 0 ? rc : 0;
}

REDOX_EXPORT int
redox_ring_alloc_sized(struct redox_ring *ring, unsigned int size,
    unsigned int align, uint8_t **out_ptr)
{
	int off;

	if (!ring_ok(ring))
		return -1;
	off = redoxi_pool_alloc(&ring->pool, size, align);
	if (off >= 0 && out_ptr)
		*out_ptr = ring->pool.base + off;
	return off;
}

REDOX_EXPORT int
redox_ring_alloc_buf(struct redox_ring *ring, uint8_t **out_ptr)
{
	if (!ring_ok(ring))
		return -1;
	return redox_ring_alloc_sized(ring, ring->pool.sized ?
	    REDOX_RING_DEFAULT_CHUNK : ring->pool.chunk, 1, out_ptr);
}

REDOX_EXPORT int
redox_ring_free_buf(struct redox_ring *ring, unsigned int offset)
{
	if (ring_ok(ring))
		redoxi_pool_free(&ring->pool, offset);
	return 0;
}

REDOX_EXPORT int
redox_ring_free_buf_sized(struct redox_ring *ring, uint8_t *ptr)
{
	uintptr_t base, at;

	if (!ring_ok(ring) || !ptr)
		return 0;
	/* compared as integers: ptr may point anywhere */
	base = (uintptr_t)ring->pool.base;
	at = (uintptr_t)ptr;
	if (at >= base && at - base < ring->pool.size)
		redoxi_pool_free(&ring->pool, (uint32_t)(at - base));
	return 0;
}

REDOX_EXPORT void *
redox_ring_get_sqe(struct redox_ring *ring)
{
	void *slot;

	if (!ring_ok(ring))
		return NULL;
	slot = redox_queue_reserve(&ring->sq, ring->pending);
	if (slot)
		ring->pending++;
	return slot;
}

REDOX_EXPORT int
redox_ring_submit(struct redox_ring *ring)
{
	int rc;

	if (!ring_ok(ring))
		return -EINVAL;
	if (ring->pending == 0)
		return 0;
	rc = redox_queue_publish(&ring->sq, ring->pending);
	if (rc < 0)
		return rc;
	ring->pending = 0;
	/*
	 * One byte per submit, as relibc.  Never blocks, never SIGPIPE: a
	 * full socket means the scheme has bytes unread and will look.
	 */
	(void)send(ring->doorbell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	return rc;
}

/* The scheme's end of the doorbell is gone (it closed or died). */
static bool
ring_hung_up(const struct redox_ring *ring)
{
	struct pollfd pfd = { ring->doorbell, 0, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

REDOX_EXPORT int
redox_ring_wait_cqe(struct redox_ring *ring, void *cqe)
{
	int rc;

	if (!ring_ok(ring) || !cqe)
		return -1;
	for (;;) {
		rc = redox_queue_peek(&ring->cq, cqe);
		if (rc == 0)
			return 0;
		if (rc != -EAGAIN)
			return -1;
		/*
		 * Sleep a slice at a time: between slices, a scheme whose
		 * doorbell end closed is gone even if ringd could not say so.
		 */
		rc = redox_queue_wait_pop(&ring->cq, REDOX_SLICE_MS);
		if (rc == -ETIMEDOUT && !ring_hung_up(ring))
			continue;
		if (rc < 0 && redox_queue_peek(&ring->cq, cqe) < 0)
			return -1;
	}
}

REDOX_EXPORT void
redox_ring_cqe_seen(struct redox_ring *ring)
{
	if (ring_ok(ring) && redox_queue_fill(&ring->cq) > 0)
		(void)redox_queue_consume(&ring->cq, 1);
}

REDOX_EXPORT void
redox_ring_queue_exit(struct redox_ring *ring)
{
	if (ring_ok(ring))
		ring_release(ring);
}

REDOX_EXPORT size_t
redox_ring_sizeof(void)
{
	return sizeof(struct redox_ring);
}
