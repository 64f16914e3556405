/*
 * builtin.c - schemes ringd serves itself, like a kernel's own schemes:
 * `null`, `zero` and `echo`, each an opcode-indexed handler table (the
 * io_uring/opdef.c habit).  The same machinery takes a dead producer's
 * place: then every request the producer left in service and every SQE
 * still queued is answered with -ESHUTDOWN (ring_sq_cancel()).
 *
 * ringd holds a RING_ROLE_PRODUCER handle on such a ring, sleeps on its
 * doorbell in the event loop (ring_arm/ring_disarm) and answers at most
 * RINGD_BUILTIN_BUDGET entries per ring per loop turn.  It never pops an
 * SQE it has no CQ slot for, so a consumer that stops reaping only stalls
 * its own ring.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "ringd.h"

#define BUILTIN_BATCH 64

/*
 * echo's result: user_data XOR a fixed pattern, with the sign bit of the
 * entry width cleared so it never reads as an errno.  ringd.8 documents it.
 */
#define BUILTIN_ECHO_XOR64 0x5a5a5a5a5a5a5a5aull
#define BUILTIN_ECHO_XOR32 0x5a5a5a5aull

static void
builtin_status(struct ring_cqe *cqe, int64_t v)
{
	cqe->status = (uint64_t)v;
}

/* null NOOP and READ, zero NOOP: nothing done, 0. */
static void
builtin_op_zero_result(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	(void)rr;
	(void)sqe;
	builtin_status(cqe, 0);
}

/* null WRITE: every byte taken, none looked at. */
static void
builtin_op_len(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	(void)rr;
	builtin_status(cqe, (int64_t)sqe->len);
}

/* zero READ: fill the consumer's pool range [addr, addr+len) with zeros. */
static void
builtin_op_zero_read(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	void *p;
	int rc;

	if (sqe->len == 0) {
		builtin_status(cqe, 0);
		return;
	}
	rc = ring_pool_resolve(rr->serve, sqe->addr, sqe->len, &p);
	if (rc < 0) {
		builtin_status(cqe, rc);
		return;
	}
	memset(p, 0, sqe->len);
	builtin_status(cqe, (int64_t)sqe->len);
}

/* echo, every opcode: a result derived from user_data; extra = len. */
static void
builtin_op_echo(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	if (rr->params.flags & RING_PAIR_BITS_32)
		cqe->status = (sqe->user_data ^ BUILTIN_ECHO_XOR32) &
		    0x7fffffffu;
	else
		cqe->status = (sqe->user_data ^ BUILTIN_ECHO_XOR64) &
		    0x7fffffffffffffffull;
	cqe->extra = sqe->len;
}

static const builtin_fn builtin_null_ops[BUILTIN_OP_TABLE_SIZE] = {
	[RING_OP_NOOP] = builtin_op_zero_result,
	[RING_OP_READ] = builtin_op_zero_result,
	[RING_OP_WRITE] = builtin_op_len,
};

static const builtin_fn builtin_zero_ops[BUILTIN_OP_TABLE_SIZE] = {
	[RING_OP_NOOP] = builtin_op_zero_result,
	[RING_OP_READ] = builtin_op_zero_read,
};

_Static_assert(sizeof(builtin_null_ops) / sizeof(builtin_null_ops[0]) == 256,
    "null: one slot per u8 opcode");
_Static_assert(sizeof(builtin_zero_ops) / sizeof(builtin_zero_ops[0]) == 256,
    "zero: one slot per u8 opcode");

/* Sorted by name; the registry holds them under these names. */
static const struct builtin_scheme builtin_schemes[] = {
	{ "echo", NULL, builtin_op_echo, true },
	{ "null", builtin_null_ops, NULL, true },
	{ "zero", builtin_zero_ops, NULL, true },
};

const struct builtin_scheme *
builtin_list(unsigned *n)
{
	*n = sizeof(builtin_schemes) / sizeof(builtin_schemes[0]);
	return builtin_schemes;
}

/* The opcodes a built-in declares for PROBE. */
void
builtin_opset(const struct builtin_scheme *bs, struct proto_opset *ops)
{
	unsigned op;

	memset(ops, 0, sizeof(*ops));
	for (op = 0; op < BUILTIN_OP_TABLE_SIZE; op++)
		if (bs->fallback != NULL || (bs->ops != NULL && bs->ops[op]))
			ops->bits[op / 64] |= 1ull << (op % 64);
}

/* One SQE in, its CQE out. */
static void
builtin_exec(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	const struct builtin_scheme *bs = rr->bi;
	builtin_fn fn = NULL;

	memset(cqe, 0, sizeof(*cqe));
	cqe->user_data = sqe->user_data;
	if (bs->check_flags && ring_sqe_check(sqe) < 0) {
		builtin_status(cqe, -EINVAL);
		return;
	}
	if (!policy_op_allowed(rr, sqe->opcode)) {
		builtin_status(cqe, -EACCES);
		return;
	}
	if (bs->ops != NULL)
		fn = bs->ops[sqe->opcode];
	if (fn == NULL)
		fn = bs->fallback;
	if (fn == NULL)
		builtin_status(cqe, -ENOSYS);
	else
		fn(rr, sqe, cqe);
}

/* Post n CQEs there is room for; a value a 32-bit pair cannot hold
 * becomes -EOVERFLOW rather than being lost. */
static int
builtin_post(struct ringd_ring *rr, struct ring_cqe *cqes, unsigned n)
{
	unsigned i = 0;
	int rc;

	while (i < n) {
		rc = ring_cq_push_batch(rr->serve, cqes + i, n - i);
		if (rc > 0) {
			i += (unsigned)rc;
			continue;
		}
		if (rc == -EOVERFLOW) {
			builtin_status(&cqes[i], -EOVERFLOW);
			cqes[i].extra = 0;
			continue;
		}
		return rc;
	}
	return 0;
}

/*
 * Serve one ring for at most the budget.  Returns the RING_EV_* event to
 * sleep for, 0 when the budget ran out (run again soon), or -ESHUTDOWN/
 * -EIO when the ring is over for ringd.
 */
static int
builtin_serve(struct ringd_ring *rr)
{
	struct ring_sqe sqes[BUILTIN_BATCH];
	struct ring_cqe cqes[BUILTIN_BATCH];
	unsigned done = 0;
	int room, n, i, rc;

	if (rr->takeover) {
		/* answers what the dead producer held, then what is queued */
		rc = ring_sq_cancel(rr->serve, -ESHUTDOWN);
		if (rc == -EAGAIN)
			return RING_EV_OUT;
		return rc < 0 ? rc : (int)RING_EV_IN;
	}
	while (done < RINGD_BUILTIN_BUDGET) {
		/* learn how much CQ room there is without taking it */
		room = ring_reserve(rr->serve, BUILTIN_BATCH);
		if (room == -EAGAIN)
			return RING_EV_OUT;
		if (room < 0)
			return room;
		ring_publish(rr->serve, 0);
		n = ring_sq_pop_batch(rr->serve, sqes, (unsigned)room);
		if (n == -EAGAIN)
			return RING_EV_IN;
		if (n < 0)
			return n;
		for (i = 0; i < n; i++)
			builtin_exec(rr, &sqes[i], &cqes[i]);
		if ((rc = builtin_post(rr, cqes, (unsigned)n)) < 0)
			return rc;
		done += (unsigned)n;
	}
	return 0;
}

static void
builtin_make_runnable(struct ringd_ring *rr)
{
	if (!rr->runnable) {
		rr->runnable = true;
		TAILQ_INSERT_TAIL(&ringd.runnable, rr, run_link);
	}
}

/* Serve, then either sleep on the doorbell or stay runnable. */
static void
builtin_run(struct ringd_ring *rr)
{
	int rc, ready;

	rc = builtin_serve(rr);
	if (rc == 0) {
		builtin_make_runnable(rr);
		return;
	}
	if (rc < 0) {
		log_debug("ring %llu: %s; ringd stops serving it",
		    (unsigned long long)rr->id, strerror(-rc));
		builtin_stop(rr);
		return;
	}
	if (rr->takeover && rc == RING_EV_IN) {
		/* every SQE the dead producer left has its CQE: now DROP */
		log_info("ring %llu: answered the dead producer's queue, "
			 "dropping it",
		    (unsigned long long)rr->id);
		ring_shutdown(rr->mon);
		builtin_stop(rr);
		return;
	}
	ready = ring_arm(rr->serve, (unsigned)rc);
	if (ready > 0)
		builtin_make_runnable(rr);
	else if (ready < 0)
		builtin_stop(rr);
}

/* Open ringd's producer handle on rr and start serving with rr->bi. */
int
builtin_start(struct ringd_ring *rr)
{
	struct ring_fds f;
	int rc;

	rings_fds(rr, &f);
	if ((rc = ring_open(&f, RING_ROLE_PRODUCER, &rr->serve)) < 0)
		return rc;
	rr->db_src.kind = LOOP_DOORBELL;
	rr->db_src.obj = rr;
	if ((rc = loop_add(ring_fd(rr->serve), &rr->db_src, EPOLLIN)) < 0) {
		ring_close(rr->serve);
		rr->serve = NULL;
		return rc;
	}
	rr->db_watched = true;
	ringd.nserving++;
	builtin_run(rr);
	return 0;
}

/* Stop serving: leave the loop, close the producer handle (DROP). */
void
builtin_stop(struct ringd_ring *rr)
{
	if (rr->runnable) {
		TAILQ_REMOVE(&ringd.runnable, rr, run_link);
		rr->runnable = false;
	}
	if (rr->serve == NULL)
		return;
	if (rr->db_watched)
		loop_del(ring_fd(rr->serve));
	rr->db_watched = false;
	ring_close(rr->serve);
	rr->serve = NULL;
	ringd.nserving--;
}

/* The consumer rang our doorbell. */
void
builtin_event(struct ringd_ring *rr)
{
	if (rr->dead || rr->serve == NULL)
		return;
	ring_disarm(rr->serve);
	if (rr->runnable) {
		TAILQ_REMOVE(&ringd.runnable, rr, run_link);
		rr->runnable = false;
	}
	builtin_run(rr);
}

/* One more turn for rings that used up their budget; true if any remain. */
bool
builtin_run_ready(void)
{
	struct ringd_ring *rr;
	unsigned n = 0;

	TAILQ_FOREACH(rr, &ringd.runnable, run_link)
		n++;
	/* only those queued now: builtin_run() may queue a ring again */
	while (n-- > 0 && (rr = TAILQ_FIRST(&ringd.runnable)) != NULL) {
		TAILQ_REMOVE(&ringd.runnable, rr, run_link);
		rr->runnable = false;
		if (!rr->dead && rr->serve != NULL)
			builtin_run(rr);
	}
	return !TAILQ_EMPTY(&ringd.runnable);
}
