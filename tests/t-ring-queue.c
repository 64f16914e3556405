/*
 * t-ring-queue.c - the queue data path in one process: a consumer and a
 * producer handle opened on the same pair (tests/lib/pair.h), plus monitors.
 *
 * Covers empty/full by the cycle bit, order, wrap-around of the raw indices
 * and of 32-bit epoch values, batches, reserve/slot/publish, peek, role
 * errors and ring_get_stats_many().  32-bit entries are in t-ring-bits32.c,
 * what ring_open() refuses in t-ring-open.c, the waiting calls in
 * t-ring-wait.c and the producer's in-service table in t-ring-held.c.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/pair.h"

TAP_TEST(test_empty, "ring-empty", 0)
{
	struct pair pr;
	struct ring_sqe s[4];
	struct ring_cqe c[4];

	pair_open(&pr, 8, 8, 0);
	TAP_RC(ring_sq_pop(pr.p, &s[0]), -EAGAIN);
	TAP_RC(ring_sq_peek(pr.p, &s[0]), -EAGAIN);
	TAP_RC(ring_sq_pop_batch(pr.p, s, 4), -EAGAIN);
	TAP_RC(ring_cq_pop(pr.c, &c[0]), -EAGAIN);
	TAP_RC(ring_cq_peek(pr.c, &c[0]), -EAGAIN);
	TAP_RC(ring_cq_pop_batch(pr.c, c, 4), -EAGAIN);
	pair_check_q(pr.c, false, 0, 0, 0, 0, 0);
	pair_check_q(pr.p, true, 0, 0, 0, 0, 0);
	TAP_ASSERT(!ring_is_dropped(pr.c) && !ring_is_dropped(pr.p));
	TAP_ASSERT(!ring_is_broken(pr.c) && !ring_is_broken(pr.p));
	pair_close(&pr);
}

/* Fill one queue to exactly n, see it full by the cycle bit, drain it. */
static void
fill_drain(bool cq)
{
	const uint32_t n = 8;
	struct pair pr;
	struct ring *pusher, *popper;
	struct ring_queue_stats s;
	uint64_t i, round;

	pair_open(&pr, cq ? 4 : n, cq ? n : 4, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;
	for (round = 0; round < 3; round++) {
		uint64_t base = round * n;

		for (i = 0; i < n; i++)
			TAP_RC(pair_push(pusher, cq, base + i, false), 0);
		TAP_RC(pair_push(pusher, cq, 999, false), -EAGAIN);
		TAP_RC(pair_push_batch(pusher, cq, 999, 2, false), -EAGAIN);
		TAP_RC(ring_reserve(pusher, 1), -EAGAIN);
		/* full: equal slots, different cycle bits */
		s = pair_qstats(pusher, cq);
		TAP_EQ_U(s.head % n, s.tail % n);
		TAP_ASSERT(s.head / n != s.tail / n);
		TAP_EQ_U(s.head, (base) % (2 * n));
		TAP_EQ_U(s.tail, (base + n) % (2 * n));
		TAP_EQ_U(s.depth, n);
		TAP_EQ_U(s.push_epoch, base + n);
		TAP_EQ_U(s.pop_epoch, base);
		TAP_ASSERT(s.valid);
		for (i = 0; i < n; i++)
			TAP_RC(pair_pop(popper, cq, base + i, false), 0);
		TAP_RC(pair_pop(popper, cq, 0, false), -EAGAIN);
		/* empty: equal slots, equal cycle bits */
		pair_check_q(popper, cq, (base + n) % (2 * n), (base + n) % (2 * n),
		    0, base + n, base + n);
	}
	pair_close(&pr);
}

TAP_TEST_CALL(test_full_sq, "ring-full-sq", 0, fill_drain(false))

TAP_TEST_CALL(test_full_cq, "ring-full-cq", 0, fill_drain(true))

/*
 * Push (or pop) a random number of entries on a queue of n, singly or as
 * a batch: *done counts the entries moved that way so far, room how many
 * can move now (free slots, or entries queued).  A batch may move fewer
 * ("up to": a stale view of the other index), never more.
 */
static void
wrap_step(struct ring *r, bool cq, bool push, uint32_t n, uint64_t *done,
    uint64_t room, bool b32)
{
	uint64_t k = 1 + tu_rand_below(n < 64 ? n + 1 : 64), i;
	int rc;

	if (tu_rand() & 1) {
		rc = push ? pair_push_batch(r, cq, *done, (unsigned)k, b32)
			  : pair_pop_batch(r, cq, *done, (unsigned)k, b32);
		if (room == 0)
			TAP_RC(rc, -EAGAIN);
		else if (rc < 1 || (uint64_t)rc > (k < room ? k : room))
			TAP_FAIL("%s batch of %llu with %llu %s = %s",
			    push ? "push" : "pop", (unsigned long long)k,
			    (unsigned long long)room,
			    push ? "free" : "queued", tap_rcname(rc));
		else
			*done += (uint64_t)rc;
		return;
	}
	for (i = 0; i < k; i++) {
		rc = push ? pair_push(r, cq, *done, b32)
			  : pair_pop(r, cq, *done, b32);
		if (i == room) {
			TAP_RC(rc, -EAGAIN);
			break;
		}
		TAP_RC(rc, 0);
		(*done)++;
	}
}

/*
 * Start one queue with both raw indices at 2n-1 and both epochs just
 * below 2^32 (written into the header page before anyone opens it), then
 * move many times n entries through it in random steps, checking order,
 * indices, depth and epochs all the way.
 */
static void
wrap_run(bool cq, uint32_t n, uint32_t flags, uint64_t salt)
{
	const uint64_t start = 2 * (uint64_t)n - 1;
	/* 32-bit epoch values about to wrap, congruent with the index */
	const uint64_t e0 = (1ull << 32) - 2 * (uint64_t)n + start;
	const uint64_t total = 8 * (uint64_t)n + 37;
	bool b32 = flags & RING_PAIR_BITS_32;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *c, *p, *pusher, *popper;
	uint64_t pushed = 0, popped = 0;
	size_t len;
	void *m;

	tu_srand(salt);
	tu_create(&fds, cq ? 4 : n, cq ? n : 4, flags, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = cq ? tu_cq_hdr(m) : tu_sq_hdr(m);
	hp->h.head_index = start;
	hp->h.tail_index = start;
	hp->h.push_epoch = e0;
	hp->h.pop_epoch = e0;
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	pair_sq_track(c, p);
	pusher = cq ? p : c;
	popper = cq ? c : p;
	pair_check_q(c, cq, start, start, 0, e0, e0);

	while (popped < total) {
		wrap_step(pusher, cq, true, n, &pushed, n - (pushed - popped),
		    b32);
		pair_check_q(c, cq, (start + popped) % (2 * n),
		    (start + pushed) % (2 * n), pushed - popped, e0 + pushed,
		    e0 + popped);
		wrap_step(popper, cq, false, n, &popped, pushed - popped, b32);
		pair_check_q(p, cq, (start + popped) % (2 * n),
		    (start + pushed) % (2 * n), pushed - popped, e0 + pushed,
		    e0 + popped);
	}
	/* the epochs went past 2^32 as 64-bit counters */
	TAP_ASSERT(e0 + popped > (1ull << 32));
	TAP_EQ_U(hp->h.push_epoch, e0 + pushed);
	TAP_EQ_U(hp->h.pop_epoch, e0 + popped);
	TAP_EQ_U(hp->h.head_index, (start + popped) % (2 * n));
	TAP_EQ_U(hp->h.tail_index, (start + pushed) % (2 * n));
	ring_close(c);
	ring_close(p);
	munmap(m, len);
	ring_fds_close(&fds);
}

/* Queue sizes and layouts for wrap_run(), each with its own seed. */
static const struct {
	uint32_t n, flags;
} wrap_cases[] = {
	{ 8, 0 },
	{ 1, 0 },
	{ 2, 0 },
	{ 64, 0 },
	{ 16, RING_PAIR_BITS_32 },
};

static void
wrap_all(bool cq, uint64_t salt)
{
	size_t i;

	for (i = 0; i < sizeof(wrap_cases) / sizeof(wrap_cases[0]); i++)
		wrap_run(cq, wrap_cases[i].n, wrap_cases[i].flags, salt + i);
}
TAP_TEST_CALL(test_wrap_sq, "ring-wrap-sq", 0, wrap_all(false, 1))
TAP_TEST_CALL(test_wrap_cq, "ring-wrap-cq", 0, wrap_all(true, 6))

/*
 * Open a queue that already holds entries across the wrap point: tail is
 * numerically below head.  Both sides must see the depth the header says.
 */
TAP_TEST(test_open_mid_wrap, "ring-open-mid-wrap", 0)
{
	const uint32_t n = 8;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *c, *p;
	struct ring_sqe s;
	size_t len;
	void *m;
	int i;

	tu_create(&fds, n, n, 0, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = tu_sq_hdr(m);
	hp->h.head_index = 2 * n - 2;
	hp->h.tail_index = 1; /* 3 entries: raw 14, 15, 0 */
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	pair_sq_track(c, p);
	TAP_EQ_U(pair_qstats(c, false).depth, 3);
	/* room for n - 3 more, not one more */
	for (i = 0; i < (int)n - 3; i++)
		TAP_RC(pair_push(c, false, (uint64_t)i, false), 0);
	TAP_RC(pair_push(c, false, 99, false), -EAGAIN);
	TAP_EQ_U(pair_qstats(c, false).depth, n);
	/* the 3 old entries (zeroed slots), then ours in order */
	for (i = 0; i < 3; i++) {
		TAP_RC(ring_sq_pop(p, &s), 0);
		pair_sq_popped(p, &s, 1);
	}
	for (i = 0; i < (int)n - 3; i++)
		TAP_RC(pair_pop(p, false, (uint64_t)i, false), 0);
	TAP_RC(ring_sq_pop(p, &s), -EAGAIN);
	/* the epochs continue from the totals the indices prove (14 and 1) */
	pair_check_q(p, false, (2 * n - 2 + n) % (2 * n), (2 * n - 2 + n) % (2 * n),
	    0, 1 + n - 3, 2 * n - 2 + n);
	ring_close(c);
	ring_close(p);
	munmap(m, len);
	ring_fds_close(&fds);
}

/*
 * Batches return "up to n": a side may answer from its cached view of the
 * peer's index and leave the rest for the next call.  Take count entries
 * in as few calls, each of at least one, then find the queue empty.
 */
static void
pop_batch_all(struct ring *popper, bool cq, uint64_t seq, unsigned count)
{
	unsigned got = 0, calls = 0;
	int rc;

	while (got < count) {
		rc = pair_pop_batch(popper, cq, seq + got, 64, false);
		if (rc < 1 || (unsigned)rc > count - got)
			TAP_FAIL("pop batch with %u queued = %s", count - got,
			    tap_rcname(rc));
		got += (unsigned)rc;
		if (++calls > 2)
			TAP_FAIL("%u batch pops for %u entries", calls, count);
	}
	TAP_RC(pair_pop_batch(popper, cq, seq + got, 64, false), -EAGAIN);
}

static void
batch_run(bool cq)
{
	struct pair pr;
	struct ring *pusher, *popper;
	struct ring_sqe s;
	struct ring_cqe c;

	pair_open(&pr, 8, 8, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;
	TAP_RC(pair_push_batch(pusher, cq, 0, 5, false), 5);
	pair_check_q(pusher, cq, 0, 5, 5, 5, 0);
	/* only 3 fit: 3 are taken, in order */
	TAP_RC(pair_push_batch(pusher, cq, 5, 10, false), 3);
	TAP_RC(pair_push_batch(pusher, cq, 8, 1, false), -EAGAIN);
	/* a zero-sized batch is an error, and changes nothing */
	TAP_NEG(cq ? ring_cq_push_batch(pusher, &c, 0)
		   : ring_sq_push_batch(pusher, &s, 0));
	TAP_NEG(cq ? ring_cq_pop_batch(popper, &c, 0)
		   : ring_sq_pop_batch(popper, &s, 0));
	pair_check_q(pusher, cq, 0, 8, 8, 8, 0);
	TAP_RC(pair_pop_batch(popper, cq, 0, 2, false), 2);
	pop_batch_all(popper, cq, 2, 6);
	pair_check_q(popper, cq, 8, 8, 0, 8, 8);
	/* a batch across the wrap point */
	TAP_RC(pair_push_batch(pusher, cq, 8, 8, false), 8);
	TAP_RC(pair_pop_batch(popper, cq, 8, 3, false), 3);
	TAP_RC(pair_push_batch(pusher, cq, 16, 3, false), 3);
	pop_batch_all(popper, cq, 11, 8);
	pair_check_q(popper, cq, 3, 3, 0, 19, 19);
	pair_close(&pr);
}

TAP_TEST(test_batch, "ring-batch", 0)
{
	batch_run(false);
	batch_run(true);
}

/* Fill reserved slot i of the caller's outgoing queue with seq. */
static void *
slot_fill(struct ring *r, bool cq, unsigned i, uint64_t seq)
{
	if (cq) {
		struct ring_cqe *e = ring_cqe_slot(r, i);

		if (e == NULL)
			TAP_FAIL("ring_cqe_slot(%u) = NULL inside the "
				 "reservation",
			    i);
		tu_cqe_make(e, seq, ~seq, false);
		return e;
	} else {
		struct ring_sqe *e = ring_sqe_slot(r, i);

		if (e == NULL)
			TAP_FAIL("ring_sqe_slot(%u) = NULL inside the "
				 "reservation",
			    i);
		tu_sqe_make(e, seq, false);
		return e;
	}
}

static void *
slot_get(struct ring *r, bool cq, unsigned i)
{
	return cq ? (void *)ring_cqe_slot(r, i) : (void *)ring_sqe_slot(r, i);
}

/*
 * Reserve up to want slots, calling again while the answer grows (a stale
 * view of the peer's index may give fewer at first); the reservation must
 * reach expect within three calls and never shrink.
 */
static void
reserve_until(struct ring *r, unsigned want, unsigned expect)
{
	int rc, last = 0, calls;

	for (calls = 0; calls < 3; calls++) {
		rc = ring_reserve(r, want);
		if (rc < last || rc > (int)expect)
			TAP_FAIL("ring_reserve(%u) = %s after %d, expected up "
				 "to %u",
			    want, tap_rcname(rc), last, expect);
		last = rc;
		if (rc == (int)expect)
			break;
	}
	if (last != (int)expect)
		TAP_FAIL("ring_reserve(%u) stuck at %d, expected %u", want,
		    last, expect);
	TAP_HERE();
}

static void
reserve_run(bool cq)
{
	const uint32_t n = 8;
	struct pair pr;
	struct ring *pusher, *popper;
	void *s0, *s1;
	unsigned i;

	pair_open(&pr, n, n, 0);
	pusher = cq ? pr.p : pr.c;
	popper = cq ? pr.c : pr.p;

	/* reserve 5, fill 5, publish 3: exactly 3 become visible at once */
	TAP_RC(ring_reserve(pusher, 5), 5);
	for (i = 0; i < 5; i++)
		slot_fill(pusher, cq, i, 100 + i);
	TAP_ASSERT(slot_get(pusher, cq, 5) == NULL);
	TAP_RC(pair_pop(popper, cq, 100, false), -EAGAIN);
	pair_check_q(pusher, cq, 0, 0, 0, 0, 0);
	TAP_RC(ring_publish(pusher, 3), 3);
	pair_check_q(pusher, cq, 0, 3, 3, 3, 0);
	for (i = 0; i < 3; i++)
		TAP_RC(pair_pop(popper, cq, 100 + i, false), 0);
	TAP_RC(pair_pop(popper, cq, 103, false), -EAGAIN);

	/* the 2 unpublished slots were not published later either */
	TAP_RC(ring_reserve(pusher, 2), 2);
	slot_fill(pusher, cq, 0, 200);
	slot_fill(pusher, cq, 1, 201);
	TAP_RC(ring_publish(pusher, 2), 2);
	TAP_RC(pair_pop(popper, cq, 200, false), 0);
	TAP_RC(pair_pop(popper, cq, 201, false), 0);
	pair_check_q(popper, cq, 5, 5, 0, 5, 5);

	/* reserving again keeps the earlier reservation and extends it */
	TAP_RC(ring_reserve(pusher, 2), 2);
	s0 = slot_fill(pusher, cq, 0, 300);
	s1 = slot_fill(pusher, cq, 1, 301);
	reserve_until(pusher, 4, 4);
	TAP_ASSERT(slot_get(pusher, cq, 0) == s0);
	TAP_ASSERT(slot_get(pusher, cq, 1) == s1);
	slot_fill(pusher, cq, 2, 302);
	slot_fill(pusher, cq, 3, 303);
	TAP_RC(ring_publish(pusher, 4), 4);
	for (i = 0; i < 4; i++)
		TAP_RC(pair_pop(popper, cq, 300 + i, false), 0);

	/* more than the room: the room; publishing nothing shows nothing */
	reserve_until(pusher, 100, n);
	TAP_ASSERT(slot_get(pusher, cq, n - 1) != NULL);
	TAP_ASSERT(slot_get(pusher, cq, n) == NULL);
	TAP_OK(ring_publish(pusher, 0));
	TAP_RC(pair_pop(popper, cq, 0, false), -EAGAIN);
	pair_check_q(popper, cq, 9, 9, 0, 9, 9);

	/* more than reserved cannot be published */
	TAP_RC(ring_reserve(pusher, 2), 2);
	TAP_NEG(ring_publish(pusher, 3));
	TAP_RC(pair_pop(popper, cq, 0, false), -EAGAIN);
	TAP_OK(ring_publish(pusher, 0));
	TAP_NEG(ring_reserve(pusher, 0));

	/* the reservation wraps like pushes do */
	for (i = 0; i < n - 1; i++)
		TAP_RC(pair_push(pusher, cq, 400 + i, false), 0);
	TAP_RC(ring_reserve(pusher, 4), 1);
	slot_fill(pusher, cq, 0, 400 + n - 1);
	TAP_RC(ring_publish(pusher, 1), 1);
	TAP_RC(ring_reserve(pusher, 1), -EAGAIN);
	for (i = 0; i < n; i++)
		TAP_RC(pair_pop(popper, cq, 400 + i, false), 0);
	pair_check_q(popper, cq, (9 + n) % (2 * n), (9 + n) % (2 * n), 0, 9 + n,
	    9 + n);
	pair_close(&pr);
}

TAP_TEST_CALL(test_reserve_sq, "ring-reserve-publish-sq", 0, reserve_run(false))

TAP_TEST_CALL(test_reserve_cq, "ring-reserve-publish-cq", 0, reserve_run(true))

/*
 * Publishing k slots is one step: the peer may see the tail before the
 * batch or after it, never in its middle.  A helper reserves 5 slots,
 * fills them and calls ring_publish(4) under ptrace; this process single-
 * steps it through the call and reads tail_index from its own mapping
 * after every instruction.
 */
TAP_TEST(test_publish_one_step, "ring-publish-one-step", 0)
{
	struct pair pr;
	uint64_t steps = 0, tail, before, seen_mid = UINT64_MAX;
	bool seen_after = false;
	size_t len;
	void *m;
	const volatile uint64_t *tp;
	pid_t pid;
	int st;
	unsigned j;

	if (tu_under_valgrind()) {
		tap_diag("under valgrind: publish atomicity not checked");
		return;
	}
	pair_open(&pr, 8, 8, 0);
	m = tu_map(pr.fds.mem, &len, PROT_READ);
	tp = &tu_sq_hdr(m)->h.tail_index;
	/* start off zero and across the wrap: tail 14 + 4 = 2 */
	for (j = 0; j < 7; j++) {
		TAP_RC(pair_push(pr.c, false, j, false), 0);
		TAP_RC(pair_pop(pr.p, false, j, false), 0);
	}
	for (j = 0; j < 7; j++) {
		TAP_RC(pair_push(pr.c, false, j, false), 0);
		TAP_RC(pair_pop(pr.p, false, j, false), 0);
	}
	before = *tp;
	TAP_EQ_U(before, 14);
	reserve_until(pr.c, 5, 5);
	for (j = 0; j < 5; j++)
		slot_fill(pr.c, false, j, 100 + j);

	pid = tap_fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(77);
		raise(SIGSTOP);
		if (ring_publish(pr.c, 4) != 4)
			_exit(2);
		raise(SIGSTOP);
		_exit(0);
	}
	TAP_EQ(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		tap_reap(pid);
		tap_diag("ptrace not permitted: publish atomicity not checked");
		goto out;
	}
	TAP_ASSERT(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	for (;;) {
		TAP_SYS(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL));
		TAP_EQ(waitpid(pid, &st, 0), pid);
		if (!WIFSTOPPED(st))
			TAP_FAIL("helper ended while being stepped (status "
				 "%#x)",
			    st);
		tail = *tp;
		if (tail == (before + 4) % 16)
			seen_after = true;
		else if (tail != before)
			seen_mid = tail;
		if (WSTOPSIG(st) == SIGSTOP)
			break;
		if (WSTOPSIG(st) != SIGTRAP)
			TAP_FAIL("helper stopped by signal %d while stepped",
			    WSTOPSIG(st));
		if (++steps > 2000000)
			TAP_FAIL("ring_publish took over 2000000 instructions");
	}
	TAP_SYS(ptrace(PTRACE_DETACH, pid, NULL, NULL));
	tap_reap(pid);
	if (seen_mid != UINT64_MAX)
		TAP_FAIL("tail went %llu -> %llu -> %llu: not one step",
		    (unsigned long long)before, (unsigned long long)seen_mid,
		    (unsigned long long)(before + 4) % 16);
	TAP_ASSERT(seen_after);
	/* and the peer gets exactly the 4 */
	for (j = 0; j < 4; j++)
		TAP_RC(pair_pop(pr.p, false, 100 + j, false), 0);
	TAP_RC(pair_pop(pr.p, false, 104, false), -EAGAIN);
out:
	munmap(m, len);
	pair_close(&pr);
}

TAP_TEST(test_peek, "ring-peek", 0)
{
	struct pair pr;
	struct ring_sqe s;
	struct ring_cqe c;
	int i;

	pair_open(&pr, 8, 8, 0);
	TAP_RC(pair_push(pr.c, false, 1, false), 0);
	TAP_RC(pair_push(pr.c, false, 2, false), 0);
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		TAP_RC(ring_sq_peek(pr.p, &s), 0);
		TAP_EQ_U(s.user_data, 1);
	}
	pair_check_q(pr.p, false, 0, 2, 2, 2, 0);
	TAP_RC(pair_pop(pr.p, false, 1, false), 0);
	TAP_RC(ring_sq_peek(pr.p, &s), 0);
	TAP_EQ_U(s.user_data, 2);
	TAP_RC(pair_pop(pr.p, false, 2, false), 0);
	TAP_RC(ring_sq_peek(pr.p, &s), -EAGAIN);

	TAP_RC(pair_push(pr.p, true, 7, false), 0);
	TAP_RC(ring_cq_peek(pr.c, &c), 0);
	TAP_EQ_U(c.user_data, 7);
	TAP_RC(ring_cq_peek(pr.c, &c), 0);
	TAP_EQ_U(c.user_data, 7);
	pair_check_q(pr.c, true, 0, 1, 1, 1, 0);
	TAP_RC(pair_pop(pr.c, true, 7, false), 0);
	TAP_RC(ring_cq_peek(pr.c, &c), -EAGAIN);
	pair_close(&pr);
}

/* Calls for the other role fail with -EPERM and change nothing. */
TAP_TEST(test_roles, "ring-roles", 0)
{
	struct pair pr;
	struct ring *m;
	struct ring_sqe s;
	struct ring_cqe c;
	struct ring *all[3];
	uint64_t off;
	int i;

	pair_open(&pr, 8, 8, 0);
	m = tu_open(&pr.fds, RING_ROLE_MONITOR);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	TAP_RC(pair_push(pr.c, false, 1, false), 0);
	TAP_RC(pair_push(pr.p, true, 2, false), 0);

	/* the consumer may not serve */
	TAP_RC(ring_sq_pop(pr.c, &s), -EPERM);
	TAP_RC(ring_sq_peek(pr.c, &s), -EPERM);
	TAP_RC(ring_sq_pop_batch(pr.c, &s, 1), -EPERM);
	TAP_RC(ring_cq_push(pr.c, &c), -EPERM);
	TAP_RC(ring_cq_push_batch(pr.c, &c, 1), -EPERM);
	/* the producer may not call */
	TAP_RC(ring_sq_push(pr.p, &s), -EPERM);
	TAP_RC(ring_sq_push_batch(pr.p, &s, 1), -EPERM);
	TAP_RC(ring_cq_pop(pr.p, &c), -EPERM);
	TAP_RC(ring_cq_peek(pr.p, &c), -EPERM);
	TAP_RC(ring_cq_pop_batch(pr.p, &c, 1), -EPERM);
	TAP_NEG(ring_pool_alloc(pr.p, 64, &off));
	TAP_NEG(ring_pool_free(pr.p, 0, 64));
	/* the monitor may do neither */
	TAP_RC(ring_sq_push(m, &s), -EPERM);
	TAP_RC(ring_sq_push_batch(m, &s, 1), -EPERM);
	TAP_RC(ring_sq_pop(m, &s), -EPERM);
	TAP_RC(ring_sq_peek(m, &s), -EPERM);
	TAP_RC(ring_sq_pop_batch(m, &s, 1), -EPERM);
	TAP_RC(ring_cq_push(m, &c), -EPERM);
	TAP_RC(ring_cq_push_batch(m, &c, 1), -EPERM);
	TAP_RC(ring_cq_pop(m, &c), -EPERM);
	TAP_RC(ring_cq_peek(m, &c), -EPERM);
	TAP_RC(ring_cq_pop_batch(m, &c, 1), -EPERM);
	TAP_RC(ring_reserve(m, 1), -EPERM);
	TAP_NEG(ring_publish(m, 0));
	TAP_NEG(ring_wait(m, RING_EV_IN, 0));
	TAP_NEG(ring_arm(m, RING_EV_IN));
	TAP_NEG(ring_pool_alloc(m, 64, &off));

	/* slots are the pusher's alone, and of the pair's entry size */
	TAP_RC(ring_reserve(pr.c, 1), 1);
	TAP_RC(ring_reserve(pr.p, 1), 1);
	TAP_ASSERT(ring_sqe_slot(pr.c, 0) != NULL);
	TAP_ASSERT(ring_cqe_slot(pr.p, 0) != NULL);
	TAP_ASSERT(ring_cqe_slot(pr.c, 0) == NULL);
	TAP_ASSERT(ring_sqe_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_sqe32_slot(pr.c, 0) == NULL);
	TAP_ASSERT(ring_cqe32_slot(pr.p, 0) == NULL);
	TAP_ASSERT(ring_sqe_slot(m, 0) == NULL);
	TAP_ASSERT(ring_cqe_slot(m, 0) == NULL);
	TAP_OK(ring_publish(pr.c, 0));
	TAP_OK(ring_publish(pr.p, 0));

	/* nothing moved: one entry each way, still there */
	pair_check_q(m, false, 0, 1, 1, 1, 0);
	pair_check_q(m, true, 0, 1, 1, 1, 0);
	TAP_RC(pair_pop(pr.p, false, 1, false), 0);
	TAP_RC(pair_pop(pr.c, true, 2, false), 0);
	all[0] = pr.c;
	all[1] = pr.p;
	all[2] = m;
	for (i = 0; i < 3; i++) {
		TAP_ASSERT(!ring_is_broken(all[i]));
		TAP_ASSERT(!ring_is_dropped(all[i]));
	}
	/* a monitor's close does not end the pair */
	ring_close(m);
	TAP_ASSERT(!ring_is_dropped(pr.c) && !ring_is_dropped(pr.p));
	TAP_RC(pair_push(pr.c, false, 3, false), 0);
	TAP_RC(pair_pop(pr.p, false, 3, false), 0);
	pair_close(&pr);
}

/*
 * ring_get_stats_many() reads what ring_get_stats() reads, ring by ring,
 * across chunk boundaries (40 monitors: more than one chunk of 16).
 */
TAP_TEST(test_stats_many, "ring-stats-many", 0)
{
	enum { N = 40 };
	struct pair pr[N];
	const struct ring *mon[N];
	struct ring_stats one, many[N];
	int i, k;

	for (i = 0; i < N; i++) {
		pair_open(&pr[i], 8, 8, i % 2 ? RING_PAIR_BITS_32 : 0);
		for (k = 0; k < i % 9; k++)
			TAP_RC(pair_push(pr[i].c, false, (uint64_t)k, i % 2), 0);
		mon[i] = tu_open(&pr[i].fds, RING_ROLE_MONITOR);
	}
	memset(many, 0xa5, sizeof(many));
	ring_get_stats_many(mon, N, many);
	for (i = 0; i < N; i++) {
		memset(&one, 0xa5, sizeof(one));
		ring_get_stats(mon[i], &one);
		TAP_EQ(many[i].sq.depth, (uint64_t)(i % 9));
		TAP_ASSERT(memcmp(&one, &many[i], sizeof(one)) == 0);
	}
	ring_get_stats_many(mon, 0, many); /* nothing to read */
	for (i = 0; i < N; i++) {
		ring_close((struct ring *)mon[i]);
		pair_close(&pr[i]);
	}
}

TAP_MAIN(NULL)
