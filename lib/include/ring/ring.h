/*
 * ring/ring.h - libring: one side's handle on an SQ+CQ ring pair.
 *
 * A ring pair lives in one sealed memory file (see <ring/abi.h>) plus two
 * doorbells, the ends of one AF_UNIX datagram socket pair, one per side.
 * Whoever creates the pair (ringd, or a process that forks its peer) hands
 * the three descriptors to both sides; each side opens them with its role
 * and then talks through shared memory alone: no system call happens on
 * the data path while the peer is awake.
 *
 * Conventions: functions that act return >= 0 on success and -errno on
 * failure; predicates return bool; nothing here prints, logs or exits.
 * A handle is for one thread at a time.
 *
 * Errors common to the data-path calls:
 *   -EAGAIN     queue empty (pop) or full (push)
 *   -ESHUTDOWN  the other side left and nothing is left to drain
 *   -EIO        the shared state is inconsistent; the pair is broken for good
 *   -EPERM      the call is not for this side's role
 *   -EBUSY      a plain push while a ring_reserve() reservation is open
 *   -EOVERFLOW  a value does not fit a 32-bit pair's entry (a CQE status
 *               must be a result below 2^32 - 4095 or an errno -1..-4095)
 */
#ifndef RING_RING_H
#define RING_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ring;

enum ring_role {
	RING_ROLE_CONSUMER = 1, /* pushes SQEs, pops CQEs */
	RING_ROLE_PRODUCER = 2, /* pops SQEs, pushes CQEs */
	RING_ROLE_MONITOR = 3,	/* reads headers, may set DROP; no entries */
};

/* What to create. */
struct ring_params {
	uint32_t sq_entries; /* power of two, 1..RING_MAX_ENTRIES */
	uint32_t cq_entries; /* 0: same as sq_entries */
	uint32_t flags;	     /* RING_PAIR_BITS_32 */
	uint32_t reserved;   /* zero */
	uint64_t pool_bytes; /* pool size, rounded up to a page; 0: none */
};

/* The descriptors of a pair: memory file and the two doorbells. */
struct ring_fds {
	int mem;
	/*
	 * The two ends of one AF_UNIX SOCK_DGRAM socket pair: [0] is the
	 * consumer's end, [1] the producer's.  A side drains its own end and
	 * sends a 1-byte datagram on it to wake the peer, whose end receives.
	 */
	int doorbell[2];
};

/* Fixed facts of an open pair. */
struct ring_info {
	enum ring_role role;
	uint32_t flags; /* RING_PAIR_* */
	uint32_t sq_entries;
	uint32_t cq_entries;
	uint32_t sqe_size;
	uint32_t cqe_size;
	uint64_t pool_bytes;
	uint64_t mem_bytes; /* size of the memory file */
};

/* A racy snapshot of one queue, as ringd and monitors read it. */
struct ring_queue_stats {
	uint64_t head;
	uint64_t tail;
	uint64_t depth;	     /* entries published and not yet popped */
	uint64_t push_epoch; /* entries ever pushed */
	uint64_t pop_epoch;  /* entries ever popped */
	uint32_t pop_wait;   /* RING_WAIT_* */
	uint32_t push_wait;  /* RING_WAIT_* */
	uint64_t status;     /* RING_STATUS_* */
	bool valid;	     /* indices were consistent when read */
};

struct ring_stats {
	struct ring_queue_stats sq, cq;
};

/* ring_wait()/ring_arm() events, relative to the caller's role. */
#define RING_EV_IN 0x1u	 /* incoming queue has entries (CQ/SQ) */
#define RING_EV_OUT 0x2u /* outgoing queue has room (SQ/CQ) */

/* ring_set_spin(): let the library adapt the spin budget. */
#define RING_SPIN_ADAPTIVE UINT32_MAX

/*
 * ring_set_fence(): the fence this side runs between announcing a sleep
 * and re-reading the peer's index, and so whether the peer's index stores
 * need one of their own.
 */
enum ring_fence_mode {
	RING_FENCE_AUTO,   /* global while this side sleeps seldom (default) */
	RING_FENCE_GLOBAL, /* always membarrier: the peer never fences */
	RING_FENCE_LOCAL,  /* always a full barrier here; the peer's too */
};

/* --- setup ------------------------------------------------------------ */

/*
 * Create a pair: a sealed memfd laid out per <ring/abi.h> and the two
 * doorbells, one close-on-exec, non-blocking AF_UNIX SOCK_DGRAM socket
 * pair.  On success fills *fds; the caller owns them.
 */
int ring_pair_create(const struct ring_params *p, struct ring_fds *fds);
void ring_fds_close(struct ring_fds *fds);

/*
 * Open one side of a pair from descriptors that may come from anyone: the
 * memory file must carry the shrink and grow seals and a valid description;
 * the doorbells must be two distinct unnamed, connected AF_UNIX datagram
 * sockets (-EINVAL for an eventfd, a pipe or a stream socket).  Their file
 * status flags do not matter: every send and receive says MSG_DONTWAIT.
 * Does not take ownership of fds.  On success fills *ret.
 */
int ring_open(const struct ring_fds *fds, enum ring_role role,
    struct ring **ret);

/* Leave the pair: mark it DROP, wake the peer, unmap, free.  NULL is fine. */
void ring_close(struct ring *r);

/* Mark the pair DROP and wake every sleeper on both sides (any role). */
int ring_shutdown(struct ring *r);

void ring_get_info(const struct ring *r, struct ring_info *info);
void ring_get_stats(const struct ring *r, struct ring_stats *st);
/* ring_get_stats() of n rings into st[0..n-1], their loads overlapped. */
void ring_get_stats_many(const struct ring *const *r, size_t n,
    struct ring_stats *st);
bool ring_is_dropped(const struct ring *r);
bool ring_is_broken(const struct ring *r);

/* --- consumer: submissions out, completions in ------------------------ */

int ring_sq_push(struct ring *r, const struct ring_sqe *sqe);
/* Push up to n entries; returns how many (>= 1) or -errno. */
int ring_sq_push_batch(struct ring *r, const struct ring_sqe *sqes, unsigned n);
int ring_cq_pop(struct ring *r, struct ring_cqe *cqe);
/* Pop up to n entries; returns how many (>= 1) or -errno. */
int ring_cq_pop_batch(struct ring *r, struct ring_cqe *cqes, unsigned n);
/* Copy the oldest entry without taking it. */
int ring_cq_peek(struct ring *r, struct ring_cqe *cqe);

/* --- producer: submissions in, completions out ------------------------ */

int ring_sq_pop(struct ring *r, struct ring_sqe *sqe);
int ring_sq_pop_batch(struct ring *r, struct ring_sqe *sqes, unsigned n);
int ring_sq_peek(struct ring *r, struct ring_sqe *sqe);
int ring_cq_push(struct ring *r, const struct ring_cqe *cqe);
int ring_cq_push_batch(struct ring *r, const struct ring_cqe *cqes, unsigned n);

/*
 * Requests in service: a popped SQE stays in the producer's in-service
 * table until a final CQE (one without RING_CQE_MORE) answers it; a CQE
 * answers the oldest request in service with its user_data.  At most
 * sq_entries requests are in service at once: with all of them taken,
 * ring_sq_pop() says -EAGAIN and RING_EV_IN does not hold until one is
 * answered.  Whoever opens the producer side after a producer stopped
 * (ringd, when it takes a dead producer's place) inherits what it left in
 * service, so every request gets exactly one final answer.
 */
unsigned ring_sq_held(const struct ring *r);
/*
 * Answer every request in service (oldest first), then every SQE still
 * queued, with a CQE of status (e.g. -ESHUTDOWN), as far as the CQ has
 * room.  Returns how many it answered once none is left, -EAGAIN when the
 * CQ filled first (call again when RING_EV_OUT holds), -ESHUTDOWN when the
 * consumer left.  ring_close() on a producer does this with -ESHUTDOWN.
 */
int ring_sq_cancel(struct ring *r, int64_t status);

/*
 * Zero-copy batches on the caller's outgoing queue: reserve up to n slots
 * (returns how many, >= 1, or -errno), fill them in place through the
 * slot call of the caller's role and the pair's entry size, with i below
 * that count (NULL otherwise), then publish the first k of them with one
 * index store and at most one wakeup.  Reserving again before publishing
 * keeps the earlier reservation and may extend it.
 */
int ring_reserve(struct ring *r, unsigned n);
/* consumer, 64-bit and 32-bit pairs */
struct ring_sqe *ring_sqe_slot(struct ring *r, unsigned i);
struct ring_sqe32 *ring_sqe32_slot(struct ring *r, unsigned i);
/* producer, 64-bit and 32-bit pairs */
struct ring_cqe *ring_cqe_slot(struct ring *r, unsigned i);
struct ring_cqe32 *ring_cqe32_slot(struct ring *r, unsigned i);
int ring_publish(struct ring *r, unsigned k);

/* Entry checks a reader applies to what the peer wrote (-EINVAL). */
int ring_sqe_check(const struct ring_sqe *sqe);
int ring_cqe_check(const struct ring_cqe *cqe);

/*
 * Redox's name of standard opcode op in lowercase ("noop" ..
 * "regular_syscall"), or NULL for op >= RING_OP_STANDARD_COUNT.
 */
const char *ring_op_name(unsigned op);
/*
 * The opcode s names: a standard name in any case ("read", "READ") or a
 * number 0..255, decimal or 0x hex.  0, -EINVAL for anything else, -ERANGE
 * for a number above 255.  The one rule ringctl, ringd.conf and every
 * other place that reads an opcode apply.
 */
int ring_op_parse(const char *s, uint8_t *op);
/*
 * Could s be the name a scheme declares for an opcode of its own:
 * [a-z][a-z0-9_]*, shorter than RING_CTL_OPNAME_MAX, not a standard name?
 * The one rule ringd applies at REGISTER and ringctl to what users type.
 */
bool ring_op_name_ok(const char *s);

/* Negative errno carried by a CQE status, or 0 when it is a result. */
static inline int
ring_cqe_errno(const struct ring_cqe *cqe)
{
	int64_t s = (int64_t)cqe->status;

	return (s < 0 && s >= -4095) ? (int)s : 0;
}

/* --- waiting ---------------------------------------------------------- */

/*
 * Wait until one of events (RING_EV_*) holds, spinning first for the spin
 * budget, then sleeping.  timeout_ns < 0 waits for ever, 0 only polls.
 * Returns the events that hold (> 0), -ETIMEDOUT, -ESHUTDOWN (the peer
 * left and nothing is left to drain), or -EIO.
 */
int ring_wait(struct ring *r, unsigned events, int64_t timeout_ns);

/* Spin budget before sleeping, in ns; 0 sleeps at once. */
void ring_set_spin(struct ring *r, uint32_t ns);
uint32_t ring_get_spin(const struct ring *r);

/*
 * Choose this side's sleep fence (enum ring_fence_mode).  Returns 0,
 * -EINVAL (no such mode), -EPERM (a monitor), -EOPNOTSUPP (GLOBAL or AUTO where
 * this process may not call membarrier), or a failed membarrier's -errno
 * when leaving a global promise (the fence is LOCAL then).
 */
int ring_set_fence(struct ring *r, enum ring_fence_mode mode);
enum ring_fence_mode ring_get_fence(const struct ring *r);

/*
 * Event-loop integration: ring_fd() is this side's doorbell, its end of the
 * socket pair, readable when the peer wakes us.  Before sleeping in
 * poll/epoll, call ring_arm(); it returns the events that already hold
 * (then do not sleep) or 0 once the announcement is made.  After the fd
 * turned readable, ring_disarm() drains it and withdraws the announcement.
 */
int ring_fd(const struct ring *r);
/*
 * The pair's two doorbells as this handle holds them ([0] the consumer's
 * end, [1] the producer's), borrowed: valid until ring_close().
 */
void ring_get_doorbells(const struct ring *r, int db[2]);
int ring_arm(struct ring *r, unsigned events);
void ring_disarm(struct ring *r);

/* --- buffer pool ------------------------------------------------------ */

/*
 * Consumer: allocate len bytes (RING_POOL_BLOCK-aligned) and free them; a
 * free must name exactly one earlier allocation (-EINVAL otherwise).  A
 * pair has one consumer: opening that side starts from an empty pool.
 */
int ring_pool_alloc(struct ring *r, uint64_t len, uint64_t *offset);
int ring_pool_free(struct ring *r, uint64_t offset, uint64_t len);

/*
 * Either side: the address of [offset, offset+len) in the pool, only when
 * every byte lies in a range the consumer allocated; -EFAULT otherwise.
 */
int ring_pool_resolve(struct ring *r, uint64_t offset, uint64_t len,
    void **ptr);

/* Library version string, e.g. "0.1.0". */
const char *ring_version(void);

#ifdef __cplusplus
}
#endif

#endif /* RING_RING_H */
