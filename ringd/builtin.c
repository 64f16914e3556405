/*
 * builtin.c - schemes ringd serves itself, like a kernel's own schemes:
 * `null`, `zero` and `echo`, each an opcode-indexed handler table (the
 * io_uring/opdef.c habit).  The same machinery takes a dead producer's
 * place: then every request the producer left in service and every SQE
 * still queued is answered with -ESHUTDOWN (ring_sq_cancel()).
 *
 * ringd holds a RING_ROLE_PRODUCER handle on such a ring and sleeps on its
 * doorbell in the event loop (ring_arm/ring_disarm).  It never pops an
 * SQE it has no CQ slot for, so a consumer that stops reaping only stalls
 * its own ring.
 *
 * Work is budgeted by cost, not by entries (ringd-limits.h): a ring that
 * rang or still has work is queued under its consumer's uid, and each loop
 * turn visits the uids in turn, one ring of each at a time, a visit doing at
 * most RINGD_BUILTIN_SLICE of work, until RINGD_BUILTIN_TURN is spent.  A
 * request bigger than a visit (a `zero` read of 64 MiB) is taken alone and
 * goes on where it stopped at the ring's next visit.  So a uid with many
 * busy rings gets as many turns as a uid with one, and no loop turn takes
 * long, whatever the clients ask: control messages and every other ring
 * wait at most one turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ringd.h"

#define BUILTIN_BATCH 64

/* A uid with runnable built-in rings: its queue, and its place in turn. */
struct builtin_uid {
	uint32_t uid;
	bool spare; /* builtin_spare: rings whose uid had no memory */
	TAILQ_HEAD(, ringd_ring) rings;
	TAILQ_ENTRY(builtin_uid) link;
};

/* Uids with a runnable ring, the next to be visited first. */
static TAILQ_HEAD(, builtin_uid) builtin_uids =
    TAILQ_HEAD_INITIALIZER(builtin_uids);
static struct builtin_uid builtin_spare = {
	.spare = true,
	.rings = TAILQ_HEAD_INITIALIZER(builtin_spare.rings),
};

/* Most rings served at once since the heap was last trimmed. */
static uint32_t builtin_peak;
/* 1: trim when this turn's dead rings are freed, 2: now */
static int builtin_trim_due;

#define BUILTIN_TRIM_MIN 64 /* rings gone before a trim is worth it */

static void builtin_event(void *obj, uint32_t events);

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

/*
 * zero READ: fill the consumer's pool range [addr, addr+len) with zeros,
 * as much as the visit's budget allows; bi_busy when more is left.  The
 * whole range is checked before the first byte, each piece again (the
 * consumer may free it in between: -EFAULT then).
 */
static void
builtin_op_zero_read(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	uint64_t step;
	void *p;
	int rc;

	if (sqe->len == 0) {
		builtin_status(cqe, 0);
		return;
	}
	if (rr->bi_done == 0 &&
	    (rc = ring_pool_resolve(rr->serve, sqe->addr, sqe->len, &p)) < 0)
		goto fail;
	step = sqe->len - rr->bi_done;
	if (step > rr->bi_budget)
		step = rr->bi_budget;
	if (step > 0) {
		rc = ring_pool_resolve(rr->serve, sqe->addr + rr->bi_done, step,
		    &p);
		if (rc < 0)
			goto fail;
		memset(p, 0, step);
		rr->bi_done += step;
		rr->bi_budget -= step;
	}
	if (rr->bi_done < sqe->len) {
		rr->bi_busy = true;
		return;
	}
	rr->bi_done = 0;
	builtin_status(cqe, (int64_t)sqe->len);
	return;
fail:
	rr->bi_done = 0;
	builtin_status(cqe, rc);
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
	{ "echo", NULL, builtin_op_echo, true, false },
	{ "null", builtin_null_ops, NULL, true, false },
	{ "zero", builtin_zero_ops, NULL, true, true },
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

/* The handler of sqe's opcode, or NULL. */
static builtin_fn
builtin_op(const struct builtin_scheme *bs, const struct ring_sqe *sqe)
{
	builtin_fn fn = NULL;

	if (bs->ops != NULL)
		fn = bs->ops[sqe->opcode];
	return fn != NULL ? fn : bs->fallback;
}

/* One SQE in, its CQE out, unless the op left it in progress (bi_busy). */
static void
builtin_exec(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe)
{
	const struct builtin_scheme *bs = rr->bi;
	builtin_fn fn;

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
	if ((fn = builtin_op(bs, sqe)) == NULL)
		builtin_status(cqe, -ENOSYS);
	else
		fn(rr, sqe, cqe);
}

/* Take cost from the visit's budget, no further than empty. */
static void
builtin_charge(struct ringd_ring *rr, uint64_t cost)
{
	rr->bi_budget = rr->bi_budget > cost ? rr->bi_budget - cost : 0;
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
 * Go on with the request in progress.  Its CQ slot was there when it was
 * popped, and only ringd pushes, so it still is.  Returns 1 when it is
 * still in progress, 0 when answered, or an error.
 */
static int
builtin_resume(struct ringd_ring *rr)
{
	struct ring_cqe cqe;

	memset(&cqe, 0, sizeof(cqe));
	cqe.user_data = rr->bi_sqe.user_data;
	rr->bi_busy = false;
	builtin_op(rr->bi, &rr->bi_sqe)(rr, &rr->bi_sqe, &cqe);
	if (rr->bi_busy)
		return 1;
	return builtin_post(rr, &cqe, 1);
}

/*
 * Serve one ring until its visit's budget (rr->bi_budget) is spent.
 * Returns the RING_EV_* event to sleep for, 0 when the budget ran out
 * (run again soon), or -ESHUTDOWN/-EIO when the ring is over for ringd.
 */
static int
builtin_serve(struct ringd_ring *rr)
{
	struct ring_sqe sqes[BUILTIN_BATCH];
	struct ring_cqe cqes[BUILTIN_BATCH];
	unsigned want;
	int room, n, i, rc;

	if (rr->phase == RINGS_TAKEN_OVER) {
		/* answers what the dead producer held, then what is queued */
		rc = ring_sq_cancel(rr->serve, -ESHUTDOWN);
		if (rc > 0)
			builtin_charge(rr,
			    (uint64_t)rc * RINGD_BUILTIN_SQE_COST);
		if (rc == -EAGAIN)
			return RING_EV_OUT;
		return rc < 0 ? rc : (int)RING_EV_IN;
	}
	for (;;) {
		if (rr->bi_busy && (rc = builtin_resume(rr)) != 0)
			return rc > 0 ? 0 : rc;
		if (rr->bi_budget == 0)
			return 0;
		/* learn how much CQ room there is without taking it */
		room = ring_reserve(rr->serve, BUILTIN_BATCH);
		if (room == -EAGAIN)
			return RING_EV_OUT;
		if (room < 0)
			return room;
		ring_publish(rr->serve, 0);
		/* what the budget pays for; alone if it may take turns */
		want = (unsigned)room;
		if (rr->bi->split)
			want = 1;
		if (want > rr->bi_budget / RINGD_BUILTIN_SQE_COST + 1)
			want = rr->bi_budget / RINGD_BUILTIN_SQE_COST + 1;
		n = ring_sq_pop_batch(rr->serve, sqes, want);
		if (n == -EAGAIN)
			return RING_EV_IN;
		if (n < 0)
			return n;
		builtin_charge(rr, (uint64_t)n * RINGD_BUILTIN_SQE_COST);
		for (i = 0; i < n; i++)
			builtin_exec(rr, &sqes[i], &cqes[i]);
		if (rr->bi_busy) {
			/* only a split scheme's ops go on, one SQE at a time */
			rr->bi_sqe = sqes[0];
			continue;
		}
		if ((rc = builtin_post(rr, cqes, (unsigned)n)) < 0)
			return rc;
	}
}

/* The uid whose turn a ring takes: its consumer's, from the kernel. */
static uint32_t
builtin_uid_of(const struct ringd_ring *rr)
{
	return rr->consumer != NULL ? rr->consumer->peer.uid : rr->cpeer.uid;
}

/* Queue rr to be visited, behind its uid's other rings. */
static void
builtin_make_runnable(struct ringd_ring *rr)
{
	uint32_t uid = builtin_uid_of(rr);
	struct builtin_uid *u;

	if (rr->runnable)
		return;
	TAILQ_FOREACH(u, &builtin_uids, link)
		if (!u->spare && u->uid == uid)
			break;
	if (u == NULL) {
		if ((u = malloc(sizeof(*u))) != NULL) {
			u->uid = uid;
			u->spare = false;
			TAILQ_INIT(&u->rings);
		} else {
			u = &builtin_spare;
		}
		if (TAILQ_EMPTY(&u->rings))
			TAILQ_INSERT_TAIL(&builtin_uids, u, link);
	}
	TAILQ_INSERT_TAIL(&u->rings, rr, uid_link);
	rr->run_uid = u;
	rr->runnable = true;
	TAILQ_INSERT_TAIL(&ringd.runnable, rr, run_link);
}

/* Take rr off the queues; a uid with no runnable ring left leaves too. */
static void
builtin_unqueue(struct ringd_ring *rr)
{
	struct builtin_uid *u = rr->run_uid;

	if (!rr->runnable)
		return;
	TAILQ_REMOVE(&u->rings, rr, uid_link);
	if (TAILQ_EMPTY(&u->rings)) {
		TAILQ_REMOVE(&builtin_uids, u, link);
		if (!u->spare)
			free(u);
	}
	rr->run_uid = NULL;
	rr->runnable = false;
	TAILQ_REMOVE(&ringd.runnable, rr, run_link);
}

/*
 * Serve for at most allow, then either sleep on the doorbell or stay
 * runnable.  Returns the cost spent.
 */
static uint64_t
builtin_run(struct ringd_ring *rr, uint64_t allow)
{
	uint64_t spent;
	int rc, ready;

	rr->bi_budget = allow;
	rc = builtin_serve(rr);
	spent = allow - rr->bi_budget + RINGD_BUILTIN_VISIT_COST;
	rr->bi_budget = 0;
	if (rc == 0) {
		builtin_make_runnable(rr);
		return spent;
	}
	if (rc < 0) {
		log_debug("ring %llu: %s; ringd stops serving it",
		    (unsigned long long)rr->id, strerror(-rc));
		builtin_stop(rr);
		return spent;
	}
	if (rr->phase == RINGS_TAKEN_OVER && rc == RING_EV_IN) {
		/* every SQE the dead producer left has its CQE: now DROP */
		log_info("ring %llu: answered the dead producer's queue, "
			 "dropping it",
		    (unsigned long long)rr->id);
		rings_drop(rr);
		builtin_stop(rr);
		return spent;
	}
	ready = ring_arm(rr->serve, (unsigned)rc);
	if (ready > 0)
		builtin_make_runnable(rr);
	else if (ready < 0)
		builtin_stop(rr);
	return spent;
}

/*
 * Open ringd's producer handle on rr: a mapping of the whole pair and its
 * in-service table, which a ring that never gets a request never needs.
 */
static int
builtin_open_serve(struct ringd_ring *rr)
{
	struct ring_fds f;

	rings_fds(rr, &f);
	return ring_open(&f, RING_ROLE_PRODUCER, &rr->serve);
}

/*
 * Start serving rr with rr->bi: watch the producer's doorbell end (the
 * copy ringd keeps, open as long as the record).  lazy (a new ring
 * nobody has used, its pair armed so that the first request rings): the
 * producer handle is opened by the first doorbell that finds the ring in
 * use (builtin_event()), so a ring closed unused costs no mapping, and
 * the doorbell is left for the caller to watch (builtin_watch()) once the
 * consumer has its answer.  Else (a takeover, with requests left to
 * answer) now.
 */
int
builtin_start(struct ringd_ring *rr, bool lazy)
{
	struct ring_fds f;
	int rc;

	rings_fds(rr, &f);
	rr->db_fd = f.doorbell[1];
	rr->db_src.fn = builtin_event;
	rr->db_src.obj = rr;
	rr->bi_busy = false;
	rr->bi_done = 0;
	/* a lazy start's pair came armed (rings_pair_for()) */
	if (!lazy && (rc = builtin_open_serve(rr)) < 0)
		return rc;
	if (!lazy && (rc = builtin_watch(rr)) < 0) {
		ring_close(rr->serve);
		rr->serve = NULL;
		return rc;
	}
	rr->serving = true;
	if (++ringd.nserving > builtin_peak)
		builtin_peak = ringd.nserving;
	if (!lazy)
		builtin_make_runnable(rr);
	return 0;
}

/*
 * Watch rr's doorbell.  After a lazy builtin_start() this may come after
 * the consumer's first request: the pair is armed and epoll reports the
 * datagram that is already queued (level-triggered), so none is missed.
 */
int
builtin_watch(struct ringd_ring *rr)
{
	int rc;

	if (rr->db_watched)
		return 0;
	if ((rc = loop_add(rr->db_fd, &rr->db_src, EPOLLIN)) < 0)
		return rc;
	rr->db_watched = true;
	return 0;
}

/*
 * When at least half of the rings served at the peak are gone, give the
 * free pages of the heap back: glibc returns only the top of its heap by
 * itself, so a client that opened and closed many rings would otherwise
 * leave ringd holding what they took.  Stopped rings are freed at the end
 * of the loop turn (rings_reap()); the loop trims right after that.
 */
static void
builtin_trim_check(void)
{
	if (builtin_peak - ringd.nserving < BUILTIN_TRIM_MIN ||
	    ringd.nserving > builtin_peak / 2)
		return;
	builtin_peak = ringd.nserving;
	builtin_trim_due = 1;
}

void
builtin_trim(void)
{
	if (builtin_trim_due == 0)
		return;
	builtin_trim_due = 0;
#if defined(__GLIBC__)
	malloc_trim(0);
#endif
}

/* Stop watching rr's doorbell. */
void
builtin_unwatch(struct ringd_ring *rr)
{
	if (rr->db_watched)
		loop_del(rr->db_fd);
	rr->db_watched = false;
}

/* Stop serving: leave the loop, close the producer handle (DROP). */
void
builtin_stop(struct ringd_ring *rr)
{
	builtin_unqueue(rr);
	/* a request in progress is answered -ESHUTDOWN by ring_close() */
	rr->bi_busy = false;
	rr->bi_done = 0;
	if (!rr->serving)
		return;
	/* a released ring's doorbell stays watched until rings_reap() frees
	 * it, after the replies: builtin_event() ignores it meanwhile */
	if (!rr->dead)
		builtin_unwatch(rr);
	ring_close(rr->serve);
	rr->serve = NULL;
	rr->serving = false;
	ringd.nserving--;
	builtin_trim_check();
}

/*
 * The consumer rang our doorbell (struct loop_src callback): its ring
 * waits for its uid's turn.  The first ring of a ring served lazily opens
 * the producer handle, unless it was the consumer leaving (DROP): then
 * there is nothing to serve, and its CLOSE or hangup ends the ring.
 */
static void
builtin_event(void *obj, uint32_t events)
{
	struct ringd_ring *rr = obj;
	int rc;

	(void)events;
	if (rr->dead) {
		/* level-triggered: a doorbell left queued would be reported
		 * again every turn until the ring is reaped */
		builtin_unwatch(rr);
		return;
	}
	if (!rr->serving)
		return;
	if (rr->serve == NULL) {
		if (rings_is_over(rr)) {
			builtin_unwatch(rr);
			return;
		}
		if ((rc = builtin_open_serve(rr)) < 0) {
			log_info("ring %llu: cannot serve it: %s; dropping it",
			    (unsigned long long)rr->id, strerror(-rc));
			rings_drop(rr);
			builtin_stop(rr);
			return;
		}
	}
	ring_disarm(rr->serve);
	builtin_make_runnable(rr);
}

/*
 * One loop turn of built-in work: visit the uids in turn, each time the
 * oldest queued ring of the next uid, until RINGD_BUILTIN_TURN is spent,
 * RINGD_BUILTIN_TURN_NS has passed or nothing is runnable.  Every visit
 * costs something, so the turn ends.  True if rings remain runnable.
 */
bool
builtin_run_ready(void)
{
	uint64_t left = RINGD_BUILTIN_TURN, spent;
	uint64_t end = service_now_ns() + RINGD_BUILTIN_TURN_NS;
	struct builtin_uid *u;
	struct ringd_ring *rr;

	while (left > 0 && (u = TAILQ_FIRST(&builtin_uids)) != NULL) {
		if (left < RINGD_BUILTIN_TURN && service_now_ns() >= end)
			break;
		rr = TAILQ_FIRST(&u->rings);
		/* the next visit goes to the next uid */
		TAILQ_REMOVE(&builtin_uids, u, link);
		TAILQ_INSERT_TAIL(&builtin_uids, u, link);
		builtin_unqueue(rr);
		if (rr->dead || rr->serve == NULL)
			continue;
		spent = builtin_run(rr, left < RINGD_BUILTIN_SLICE
			? left
			: RINGD_BUILTIN_SLICE);
		left = spent < left ? left - spent : 0;
	}
	return !TAILQ_EMPTY(&ringd.runnable);
}
