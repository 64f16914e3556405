/*
 * entry.h - entries between the API's wide form (struct ring_sqe,
 * struct ring_cqe) and a queue's slots: copied as they are in a 64-bit
 * pair, narrowed and widened for a 32-bit pair (RING_PAIR_BITS_32), where
 * a value that does not fit is refused (-EOVERFLOW), never truncated.
 *
 * Part of libring's data path: depends on abi.h and internal.h only.
 * Every entry queue.c pushes or pops goes through here, so these are
 * inline: a call per entry costs a third of the batched stream's rate.
 */
#ifndef RING_ENTRY_H
#define RING_ENTRY_H

#include <errno.h>
#include <string.h>

#include "internal.h"

static inline int
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

static inline void
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
static inline int
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

static inline void
ring_cqe_widen(const struct ring_cqe32 *s, struct ring_cqe *d)
{
	int32_t st = (int32_t)s->status;

	d->user_data = s->user_data;
	d->status = (st < 0 && st >= -4095) ? (uint64_t)(int64_t)st : s->status;
	d->flags = s->flags;
	d->extra = s->extra;
}

/*
 * Write wide entry e into slot dst of q, the SQ (sq) or the CQ, narrowing
 * for 32-bit pairs.  The callers pass sq as a constant.
 */
static inline int
ringi_q_store(const struct ring_q *q, bool sq, void *dst, const void *e)
{
	int rc;

	if (!q->b32) {
		/* constant sizes: the copies are inlined moves, not calls */
		if (sq)
			memcpy(dst, e, sizeof(struct ring_sqe));
		else
			memcpy(dst, e, sizeof(struct ring_cqe));
		return 0;
	}
	if (sq) {
		struct ring_sqe32 t;

		if ((rc = ring_sqe_narrow(e, &t)) == 0)
			memcpy(dst, &t, sizeof(t));
	} else {
		struct ring_cqe32 t;

		if ((rc = ring_cqe_narrow(e, &t)) == 0)
			memcpy(dst, &t, sizeof(t));
	}
	return rc;
}

/* Copy slot src of q, the SQ (sq) or the CQ, out once into wide entry e. */
static inline void
ringi_q_load(const struct ring_q *q, bool sq, void *e, const void *src)
{
	if (!q->b32) {
		if (sq)
			memcpy(e, src, sizeof(struct ring_sqe));
		else
			memcpy(e, src, sizeof(struct ring_cqe));
	} else if (sq) {
		struct ring_sqe32 t;

		memcpy(&t, src, sizeof(t));
		ring_sqe_widen(&t, e);
	} else {
		struct ring_cqe32 t;

		memcpy(&t, src, sizeof(t));
		ring_cqe_widen(&t, e);
	}
}

#endif /* RING_ENTRY_H */
