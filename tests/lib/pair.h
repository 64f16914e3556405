/*
 * pair.h - a ring pair with both sides open in this process, and checked
 * sequence-number traffic on it: the set-up the data-path tests
 * (t-ring-*.c) share.
 *
 * Payloads come from testutil's tu_sqe_make()/tu_cqe_make(), so a pop
 * checks that the entry is the one for its sequence number, not torn,
 * stale or reordered.  Every helper reports through tap and ends the
 * sub-test on failure.
 */
#ifndef TESTS_PAIR_H
#define TESTS_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <ring/ring.h>

/* A pair with both sides open in this process. */
struct pair {
	struct ring_fds fds;
	struct ring *c, *p;
};

/*
 * Create a pair and open its consumer (c) and producer (p); the pair's SQ
 * is then the one pair_sq_make_room() keeps room in.
 */
void pair_open(struct pair *pr, uint32_t sq, uint32_t cq, uint32_t flags);
void pair_close(struct pair *pr);

/*
 * A producer holds each SQE it pops in service until a final CQE answers
 * it.  pair_sq_track() names the pair whose SQ pops are recorded
 * (pair_sq_popped()); pair_sq_make_room() answers them all when the
 * producer is out of in-service entries.
 */
void pair_sq_track(struct ring *c, struct ring *p);
void pair_sq_make_room(struct ring *p);
void pair_sq_popped(struct ring *p, const struct ring_sqe *s, int n);

/* Push the entry for seq on the SQ (cq false) or the CQ (cq true). */
int pair_push(struct ring *r, bool cq, uint64_t seq, bool b32);
/* Push entries seq.. as one batch (n <= 64); the library's answer. */
int pair_push_batch(struct ring *r, bool cq, uint64_t seq, unsigned n,
    bool b32);
/* Pop one entry and check it is the one for seq. */
int pair_pop(struct ring *r, bool cq, uint64_t seq, bool b32);
/* Pop up to n (<= 64) as a batch and check they are seq, seq+1, ... */
int pair_pop_batch(struct ring *r, bool cq, uint64_t seq, unsigned n,
    bool b32);

/* One queue's statistics, read through ring_get_stats(). */
struct ring_queue_stats pair_qstats(const struct ring *r, bool cq);
/* Check a queue's shared view: indices, depth, epochs. */
void pair_check_q(const struct ring *r, bool cq, uint64_t head,
    uint64_t tail, uint64_t depth, uint64_t push_epoch, uint64_t pop_epoch);

/*
 * Strict ping-pong on a pair opened in two processes: n round trips, one
 * entry at a time, each side asleep in ring_wait() (no spin) until the
 * other moves; a wait of 5 s is a lost wakeup and fails.
 */
void pair_lockstep_producer(struct ring *r, uint64_t n);
void pair_lockstep_consumer(struct ring *r, uint64_t n);

#endif /* TESTS_PAIR_H */
