/*
 * sring.c - the scheme's side of a redox_ring (<redox/ring-scheme.h>):
 * making the SQ, CQ, doorbell and pool for a SETUP event the way the
 * upstream schemes size them, draining the doorbell, the fixed file
 * table, checked pool ranges, and tearing it all down.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* A struct redox_sring that owns nothing: safe to destroy. */
static void
sring_clear(struct redox_sring *r)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->doorbell = -1;
	r->pool_fd = -1;
	for (i = 0; i < RING_CTL_REDOX_FILES_MAX; i++)
		r->files[i] = -1;
}

static uint32_t
sring_pow2_up(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p *= 2;
	return p;
}

/* The request, checked as upstream schemes check it, plus our bounds. */
static int
sring_check(const struct ring_ctl_redox_params *p, uint32_t sqe_size,
    uint32_t cqe_size)
{
	if (p->sq_entries == 0 || p->sq_entries > REDOX_RING_MAX_SQ)
		return -EINVAL;
	if (p->flags & ~REDOX_RING_SETUP_CQSIZE)
		return -EINVAL;
	if ((p->flags & REDOX_RING_SETUP_CQSIZE) &&
	    (p->cq_entries == 0 || p->cq_entries > REDOX_RING_MAX_CQ))
		return -EINVAL;
	if (p->pool_size == 0 || p->pool_size > REDOX_POOL_MAX)
		return -EINVAL;
	/* Nothing upstream checks this; a mismatch would corrupt silently. */
	if (sqe_size == 0 || cqe_size == 0 || p->sqe_size != sqe_size ||
	    p->cqe_size != cqe_size)
		return -EINVAL;
	return 0;
}

static int
sring_pool(struct redox_sring *r, uint32_t size)
{
	void *m;

	r->pool_fd = redoxi_shm_create("redox-pool", size);
	if (r->pool_fd < 0) {
		int err = r->pool_fd;

		r->pool_fd = -1;
		return err;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->pool_fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->pool = m;
	r->pool_size = size;
	return 0;
}

REDOX_EXPORT int
redox_sring_create(struct redox_sring *r,
    const struct ring_ctl_redox_event *setup, uint32_t sqe_size,
    uint32_t cqe_size, struct ring_ctl_redox_fds *give)
{
	struct ring_ctl_redox_fds fds = { -1, -1, -1, -1 };
	const struct ring_ctl_redox_params *p;
	uint32_t sq;
	int sv[2], rc;

	if (!r || !setup || !give)
		return -EINVAL;
	sring_clear(r);
	p = &setup->params;
	rc = sring_check(p, sqe_size, cqe_size);
	if (rc < 0)
		return rc;
	/*
	 * As upstream: SQ rounded up to a power of two, CQ twice that; a
	 * CQSIZE request was checked above but does not change it.
	 */
	sq = sring_pow2_up(p->sq_entries);
	rc = redox_queue_create(&r->sq, &fds.sq, sq, sqe_size, REDOX_QUEUE_POP);
	if (rc < 0)
		goto fail;
	rc = redox_queue_create(&r->cq, &fds.cq, 2 * sq, cqe_size,
	    REDOX_QUEUE_PUSH);
	if (rc < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		goto fail;
	}
	r->doorbell = sv[0];
	fds.doorbell = sv[1];
	if (fcntl(r->doorbell, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = sring_pool(r, p->pool_size);
	if (rc < 0)
		goto fail;
	/* The caller closes what it gives; we keep our own pool fd. */
	fds.pool = fcntl(r->pool_fd, F_DUPFD_CLOEXEC, 0);
	if (fds.pool < 0) {
		rc = -errno;
		goto fail;
	}
	r->ring_id = setup->ring_id;
	r->consumer = setup->consumer;
	r->params = *p;
	r->params.sq_entries = sq;
	r->params.cq_entries = 2 * sq;
	memset(r->params.reserved, 0, sizeof(r->params.reserved));
	*give = fds;
	return 0;
fail:
	if (fds.sq >= 0)
		close(fds.sq);
	if (fds.cq >= 0)
		close(fds.cq);
	if (fds.doorbell >= 0)
		close(fds.doorbell);
	redox_sring_destroy(r);
	return rc;
}

REDOX_EXPORT void
redox_sring_destroy(struct redox_sring *r)
{
	unsigned i;

	if (!r)
		return;
	redox_queue_unmap(&r->sq);
	redox_queue_unmap(&r->cq);
	if (r->pool)
		munmap(r->pool, r->pool_size);
	if (r->doorbell >= 0)
		close(r->doorbell);
	if (r->pool_fd >= 0)
		close(r->pool_fd);
	for (i = 0; i < RING_CTL_REDOX_FILES_MAX; i++)
		if (r->files[i] >= 0)
			close(r->files[i]);
	sring_clear(r);
}

REDOX_EXPORT int
redox_sring_drain(struct redox_sring *r)
{
	char buf[256];
	ssize_t n;

	if (!r || r->doorbell < 0)
		return -EINVAL;
	for (;;) {
		n = recv(r->doorbell, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}

REDOX_EXPORT int
redox_sring_set_files(struct redox_sring *r, struct ring_ctl_redox_event *ev)
{
	unsigned i;

	if (!r || !ev || ev->nfds > RING_CTL_REDOX_FILES_MAX)
		return -EINVAL;
	for (i = 0; i < RING_CTL_REDOX_FILES_MAX; i++) {
		if (r->files[i] >= 0)
			close(r->files[i]);
		r->files[i] = i < ev->nfds ? ev->fds[i] : -1;
	}
	r->nfiles = ev->nfds;
	for (i = 0; i < ev->nfds; i++)
		ev->fds[i] = -1;
	ev->nfds = 0;
	return (int)r->nfiles;
}

REDOX_EXPORT void *
redox_sring_buf(const struct redox_sring *r, uint32_t offset, uint32_t len)
{
	if (!r || !r->pool || (uint64_t)offset + len > r->pool_size)
		return NULL;
	return r->pool + offset;
}
