/*
 * internal.h - libring's private structures and functions, shared by the
 * library's sources only: struct ring and struct ring_q (the data path),
 * and the few control-client calls phys.c makes.  The data path's files
 * include this and barrier.h; the control client's add ctl-internal.h.
 */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "barrier.h"
#include "range.h"

#define RING_EXPORT __attribute__((visibility("default")))

/* Close fd if it is open; -1 stands for "none" throughout the library. */
static inline void
ringi_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * This process is registered for membarrier(GLOBAL_EXPEDITED): its index
 * stores may skip their full barrier where the peer promised (wait.c).
 */
extern bool ringi_fence_light;

/* Default and bounds of the adaptive spin budget, ns. */
#define RING_SPIN_DEFAULT_NS 20000u
#define RING_SPIN_MIN_NS 1000u
#define RING_SPIN_MAX_NS 100000u

/*
 * One queue as one side sees it.  The index the side owns is kept here and
 * is the truth; the peer's index is re-read from shared memory only when
 * the cached copy says there is nothing to do, and is validated each time.
 */
struct ring_q {
	struct ring_header_page *hp; /* shared header page */
	uint8_t *slots;		     /* entry array (NULL for monitors) */
	uint32_t n;		     /* entry count, power of two */
	uint32_t esize;		     /* bytes per entry */
	uint64_t mask2;		     /* 2n - 1: raw indices run mod 2n */
	uint64_t own;	   /* our index: tail (pusher) or head (popper) */
	uint64_t peer;	   /* last validated peer index */
	uint64_t epoch;	   /* our epoch counter */
	uint32_t reserved; /* pusher: slots reserved, not published */
	bool pusher;
	bool sq;  /* the SQ (else the CQ) */
	bool b32; /* 32-bit entries (RING_PAIR_BITS_32), esize tells not */
};

struct ring {
	enum ring_role role;
	uint32_t flags;
	struct ring_q sq, cq;
	struct ring_q *out, *in; /* role-relative: what we push / pop */
	uint8_t *map;
	size_t map_len;
	int doorbell_self; /* our end of the doorbell socket pair */
	int doorbell_peer; /* the peer's end (kept for ADOPT and monitors) */
	struct ring_guard *guard; /* a producer that is ringd itself, or NULL */
	bool guard_gone;   /* that process ended: nobody will answer */
	bool broken;	   /* sticky: the peer corrupted shared state */
	bool shut;	   /* we set DROP ourselves */
	bool seen_drop;	   /* a status word said DROP: push no more */
	/* spin-then-sleep */
	uint32_t spin_ns;
	bool spin_adaptive;
	/* the fence words of this side (wait.c) */
	enum ring_fence_mode fence_mode;
	bool fence_promised; /* they say RING_FENCE_MEMBARRIER */
	bool fence_sliced;   /* a promise ended without a global barrier */
	int64_t fence_slept_at; /* when ring_wait() last began to sleep */
	/* buffer pool */
	uint8_t *pool;
	uint64_t pool_bytes;
	_Atomic uint64_t *pool_map; /* a bit per RING_POOL_BLOCK, consumer's */
	struct range_set pool_free; /* consumer only: free blocks */
	uint64_t *pool_starts; /* consumer only: first block of each range */
	/*
	 * producer only: the in-service table (held.c).  Entries in service
	 * form a list in the order they were popped, free ones a stack; both
	 * are linked through the private next/prev arrays, so nothing the
	 * consumer can write steers them.
	 */
	struct ring_held *held; /* shared table, sq.n entries */
	uint64_t *held_ud;	/* private copy of each entry's user_data */
	uint32_t *held_next;	/* list links, RING_HELD_NIL ends; entry i's */
	uint32_t *held_prev;	/* lie below the block (HELD_NEXT/PREV) */
	uint32_t held_first; /* oldest in service */
	uint32_t held_last;  /* newest in service */
	uint32_t held_free;  /* top of the free stack */
	uint32_t held_count; /* entries in service */
	/*
	 * consumer only: after the peer's DROP with the CQ drained, the next
	 * SQ raw index nobody took, answered -ESHUTDOWN here (queue.c)
	 */
	uint64_t orphan;
	bool orphan_set;
	/*
	 * Called first thing in ring_close(), when set: lets whoever keeps
	 * its own records about this ring (the control client's table of
	 * rings to hand back after a ringd restart) drop them.  The data
	 * path knows nothing about what is behind it.
	 */
	void (*close_hook)(struct ring *r, void *arg);
	void *close_arg;
};

#define RING_HELD_NIL UINT32_MAX

/* pair.c */
int ringi_fail(struct ring *r);
void ringi_set_close_hook(struct ring *r,
    void (*fn)(struct ring *r, void *arg), void *arg);

/* queue.c */
int64_t ringi_q_ready(struct ring *r, struct ring_q *q, uint64_t want,
    int *st);
uint64_t ringi_orphans(struct ring *r);

/* pool.c */
int ringi_pool_setup(struct ring *r);

/* held.c */
int ringi_held_setup(struct ring *r, uint8_t *table);
void ringi_held_fini(struct ring *r);
void ringi_held_take(struct ring *r, const struct ring_sqe *sqe,
    uint64_t sq_seq);
void ringi_held_answer(struct ring *r, const void *slot, uint64_t cq_seq);
uint64_t ringi_q_count(const struct ring_q *q, bool head);

/* wait.c */
int64_t ringi_now_ns(void);
int ringi_ready(struct ring *r, unsigned events);
struct ring_guard *ringi_guard_new(int sock);
void ringi_guard_hold(struct ring *r, struct ring_guard *g);
void ringi_guard_put(struct ring_guard *g);
void ringi_fence_open(struct ring *r);
void ringi_wake(struct ring *r, uint32_t *word);
void ringi_wake_all(struct ring *r);

/*
 * ctl.c, ctl-api.c, for phys.c: one request and its reply (left in the
 * handle's receive buffer until the next request), a record list
 */
struct proto_msg;
struct ring_phys_cache;
int ringi_ctl_call(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, struct proto_msg **reply);
int ringi_ctl_list(struct ring_ctl *c, uint16_t type, size_t recsz,
    void (*fix)(void *rec), void **v, size_t *n);
int ringi_ctl_call_fds(struct ring_ctl *c, uint16_t type, const void *body,
    uint32_t len, const int *fds, unsigned nfds, struct proto_msg **reply);
struct ring_phys_cache **ringi_ctl_phys_cache(struct ring_ctl *c);
/* is the handle set to reconnect (keep what a new ringd must get back)? */
bool ringi_ctl_keeps(const struct ring_ctl *c);

/* phys.c */
void ringi_phys_cache_free(struct ring_phys_cache *pc);
/* regions held for a ringd restart: forget them all, hand them back */
void ringi_phys_held_clear(struct ring_phys_cache *pc);
int ringi_phys_adopt_held(struct ring_ctl *c);

#endif /* RING_INTERNAL_H */
