/*
 * entry.c - the checks of an entry's flags (ring_sqe_check(),
 * ring_cqe_check()).  Storing and loading entries, with the 32-bit
 * narrowing and widening, is inline in entry.h.
 *
 * Part of libring's data path: depends on abi.h and internal.h only.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int
ring_sqe_check(const struct ring_sqe *sqe)
{
	return (sqe->flags & ~RING_SQE_KNOWN) ? -EINVAL : 0;
}

RING_EXPORT int
ring_cqe_check(const struct ring_cqe *cqe)
{
	return (cqe->flags & ~(uint64_t)RING_CQE_KNOWN) ? -EINVAL : 0;
}
