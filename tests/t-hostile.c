/*
 * t-hostile.c - a peer that lies.  The pair's memory is shared with a
 * process that may write anything anywhere; the honest side must notice
 * impossible indices and status words, answer -EIO promptly, never crash,
 * never hang or spin past its timeout, and stay broken once it said so.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

/* What the attacker writes. */
enum hostile_mode {
	HOSTILE_ALL,	   /* anything anywhere */
	HOSTILE_INDICES,   /* all but the status word: lies in indices */
	HOSTILE_PLAUSIBLE, /* in-range indices, epochs, waits, entries */
};

/* Write garbage into the pair for ever (until killed). */
__attribute__((noreturn)) static void
hostile_loop(int mem, uint64_t salt, enum hostile_mode mode)
{
	const struct ring_pair_desc *d;
	struct ring_header_page *hp;
	struct ring_layout l;
	unsigned char *m;
	uint64_t n, v, i;
	size_t len;

	m = tu_map(mem, &len, PROT_READ | PROT_WRITE);
	d = (const struct ring_pair_desc *)m;
	l = ring_layout(d->flags, d->sq_entries, d->cq_entries, d->pool_bytes);
	TAP_ASSERT(l.total == len);
	tu_srand(salt);
	for (i = 0;; i++) {
		bool cq = tu_rand() & 1;

		hp = cq ? tu_cq_hdr(m) : tu_sq_hdr(m);
		n = cq ? d->cq_entries : d->sq_entries;
		v = tu_rand();
		if (mode == HOSTILE_INDICES && (v % 11 == 6 || v % 11 == 7))
			continue;
		if (mode == HOSTILE_PLAUSIBLE && v % 11 != 5 && v % 11 != 8 &&
		    v % 11 != 9 && v % 11 != 10)
			continue;
		switch (v % 11) {
		case 0: /* any value at all */
			hp->h.head_index = tu_rand();
			break;
		case 1:
			hp->h.tail_index = tu_rand();
			break;
		case 2: /* in range, but more than n ahead of head */
			hp->h.tail_index = (hp->h.head_index + n + 1 +
					       tu_rand_below(n - 1)) %
			    (2 * n);
			break;
		case 3: /* head ahead of tail */
			hp->h.head_index = (hp->h.tail_index + 1 +
					       tu_rand_below(n)) %
			    (2 * n);
			break;
		case 4: /* just out of range */
			hp->h.tail_index = 2 * n + tu_rand_below(1000);
			break;
		case 5:
			hp->h.push_epoch = tu_rand();
			hp->h.pop_epoch = tu_rand();
			break;
		case 6: /* status words nobody defined */
			hp->h.status = tu_rand() | (4ull << tu_rand_below(61));
			break;
		case 7:
			hp->h.status |= RING_STATUS_BROKEN;
			break;
		case 8: /* the wait words */
			hp->pop_wait = (uint32_t)tu_rand();
			hp->push_wait = (uint32_t)tu_rand();
			break;
		case 9: /* random entry bytes */
			memset(m + l.sq_ents +
				tu_rand_below(l.pool_map - l.sq_ents - 8),
			    (int)tu_rand(), 8);
			break;
		case 10: /* valid-looking indices: plausible lies */
			hp->h.tail_index = (hp->h.head_index +
					       tu_rand_below(n + 1)) %
			    (2 * n);
			break;
		}
		/* now and then let the honest side run into a quiet state */
		if ((i & 0xffff) == 0)
			usleep(100);
	}
}

/* Every data-path call of r answers -EIO, at once. */
static void
check_all_eio(struct ring *r, enum ring_role role)
{
	struct ring_sqe s[2];
	struct ring_cqe c[2];
	uint64_t t0;

	memset(s, 0, sizeof(s));
	memset(c, 0, sizeof(c));
	if (role == RING_ROLE_CONSUMER) {
		TAP_RC(ring_sq_push(r, s), -EIO);
		TAP_RC(ring_sq_push_batch(r, s, 2), -EIO);
		TAP_RC(ring_cq_pop(r, c), -EIO);
		TAP_RC(ring_cq_pop_batch(r, c, 2), -EIO);
		TAP_RC(ring_cq_peek(r, c), -EIO);
	} else {
		TAP_RC(ring_sq_pop(r, s), -EIO);
		TAP_RC(ring_sq_pop_batch(r, s, 2), -EIO);
		TAP_RC(ring_sq_peek(r, s), -EIO);
		TAP_RC(ring_cq_push(r, c), -EIO);
		TAP_RC(ring_cq_push_batch(r, c, 2), -EIO);
	}
	TAP_RC(ring_reserve(r, 1), -EIO);
	TAP_RC(ring_publish(r, 0), -EIO);
	TAP_RC(ring_wait(r, RING_EV_IN, 0), -EIO);
	TAP_RC(ring_wait(r, RING_EV_OUT, 0), -EIO);
	t0 = clock_ns();
	TAP_RC(ring_wait(r, RING_EV_IN | RING_EV_OUT, 2000000000ll), -EIO);
	TAP_RC(ring_wait(r, RING_EV_IN, -1), -EIO);
	TAP_ASSERT(clock_ns() - t0 < 1000000000ull);
	TAP_RC(ring_arm(r, RING_EV_IN), -EIO);
	TAP_ASSERT(ring_is_broken(r));
}

/* One honest step; returns the first error that is not "nothing now". */
static int
honest_step(struct ring *r, enum ring_role role, uint64_t seq)
{
	struct ring_sqe s;
	struct ring_cqe c;
	uint64_t t0;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	s.user_data = c.user_data = seq;
	if (role == RING_ROLE_CONSUMER) {
		rc = ring_sq_push(r, &s);
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		rc = ring_cq_pop(r, &c);
	} else {
		rc = ring_cq_push(r, &c);
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		rc = ring_sq_pop(r, &s);
	}
	if (rc < 0 && rc != -EAGAIN)
		return rc;
	/* a short wait must end on time whatever the peer writes */
	t0 = clock_ns();
	rc = ring_wait(r, seq & 1 ? RING_EV_IN : RING_EV_IN | RING_EV_OUT,
	    2000000);
	if (clock_ns() - t0 > 1000000000ull)
		TAP_FAIL("a 2 ms ring_wait took %llu ms under attack",
		    (unsigned long long)((clock_ns() - t0) / 1000000));
	if (rc < 0 && rc != -ETIMEDOUT)
		return rc;
	return 0;
}

/* A pair under attack: role's honest side, and how it fared. */
struct attack {
	struct ring_fds fds;
	struct ring *r;
	uint64_t steps; /* honest steps taken */
	uint64_t ns;	/* how long they took */
	int rc;		/* the error that stopped them, or 0 */
};

/*
 * role's side of a pair (SQ 8, CQ cq entries) steps honestly for up to ms
 * or until an error while a child attacks the header in mode; then the
 * child is killed.  attack_end() closes the pair.
 */
static void
attack(struct attack *a, enum ring_role role, uint32_t cq, uint32_t flags,
    uint64_t salt, enum hostile_mode mode, uint64_t ms)
{
	uint64_t t0;
	pid_t pid;

	tu_create(&a->fds, 8, cq, flags, 0);
	a->r = tu_open(&a->fds, role);
	ring_set_spin(a->r, 1000);
	pid = tap_fork();
	if (pid == 0)
		hostile_loop(a->fds.mem, salt, mode);
	a->rc = 0;
	t0 = clock_ns();
	for (a->steps = 0; clock_ns() - t0 < ms * 1000000ull; a->steps++) {
		a->rc = honest_step(a->r, role, a->steps);
		if (a->rc < 0)
			break;
	}
	a->ns = clock_ns() - t0;
	tap_kill(pid);
}

static void
attack_end(struct attack *a)
{
	ring_close(a->r);
	ring_fds_close(&a->fds);
}

static void
hostile_run(enum ring_role role, uint32_t flags, uint64_t salt,
    enum hostile_mode mode)
{
	struct attack a;

	attack(&a, role, 16, flags, salt, mode, 3000);
	if (a.rc != -EIO)
		TAP_FAIL("after %llu ms under attack: %s, expected -EIO",
		    (unsigned long long)(a.ns / 1000000), tap_rcname(a.rc));
	tap_diag("-EIO after %llu steps, %.3f s", (unsigned long long)a.steps,
	    (double)a.ns / 1e9);
	check_all_eio(a.r, role);
	attack_end(&a);
}

TAP_TEST(test_random_consumer, "hostile-random-vs-consumer", 30)
{
	hostile_run(RING_ROLE_CONSUMER, 0, 1, HOSTILE_ALL);
	hostile_run(RING_ROLE_CONSUMER, 0, 2, HOSTILE_INDICES);
}

TAP_TEST(test_random_producer, "hostile-random-vs-producer", 30)
{
	hostile_run(RING_ROLE_PRODUCER, 0, 3, HOSTILE_ALL);
	hostile_run(RING_ROLE_PRODUCER, 0, 4, HOSTILE_INDICES);
}

TAP_TEST(test_random_consumer32, "hostile-random-vs-consumer-32", 30)
{
	hostile_run(RING_ROLE_CONSUMER, RING_PAIR_BITS_32, 5, HOSTILE_ALL);
	hostile_run(RING_ROLE_CONSUMER, RING_PAIR_BITS_32, 6, HOSTILE_INDICES);
}

TAP_TEST(test_random_producer32, "hostile-random-vs-producer-32", 30)
{
	hostile_run(RING_ROLE_PRODUCER, RING_PAIR_BITS_32, 7, HOSTILE_ALL);
	hostile_run(RING_ROLE_PRODUCER, RING_PAIR_BITS_32, 8, HOSTILE_INDICES);
}

/*
 * Plausible lies for a while: in-range indices, epochs, wait words and
 * entry bytes.  Not every such lie can be caught, but the honest side may
 * only answer normally or -EIO (and then stay broken), and every wait
 * ends on time.
 */
static void
plausible_run(enum ring_role role, uint64_t salt)
{
	struct attack a;

	attack(&a, role, 8, 0, salt, HOSTILE_PLAUSIBLE, tap_scaled(1000, 100));
	if (a.rc < 0 && a.rc != -EIO)
		TAP_FAIL("under plausible lies: %s, expected success or -EIO",
		    tap_rcname(a.rc));
	tap_diag("%s after %llu steps", a.rc == -EIO ? "-EIO" : "no error",
	    (unsigned long long)a.steps);
	if (a.rc == -EIO)
		check_all_eio(a.r, role);
	attack_end(&a);
}

TAP_TEST(test_plausible, "hostile-plausible-lies", 30)
{
	plausible_run(RING_ROLE_CONSUMER, 9);
	plausible_run(RING_ROLE_PRODUCER, 10);
}

/*
 * Precise lies, one at a time, in one process: an honest consumer and
 * producer on the pair, and the test writing the header as the attacker.
 */
struct lie {
	struct ring_fds fds;
	struct ring *c, *p, *mon;
	unsigned char *m;
	size_t len;
};

#define LIE_N 4u

static void
lie_open(struct lie *t)
{
	tu_create(&t->fds, LIE_N, LIE_N, 0, 0);
	t->m = tu_map(t->fds.mem, &t->len, PROT_READ | PROT_WRITE);
	t->c = tu_open(&t->fds, RING_ROLE_CONSUMER);
	t->p = tu_open(&t->fds, RING_ROLE_PRODUCER);
	t->mon = tu_open(&t->fds, RING_ROLE_MONITOR);
}

/*
 * After one side saw -EIO: the shared status says BROKEN, the other side
 * gets -EIO too, and both stay broken after the header looks sane again.
 */
static void
lie_finish(struct lie *t)
{
	struct ring_stats st;
	struct ring_header_page *sq = tu_sq_hdr(t->m), *cq = tu_cq_hdr(t->m);

	ring_get_stats(t->mon, &st);
	TAP_ASSERT((st.sq.status & RING_STATUS_BROKEN) != 0);
	TAP_ASSERT((st.cq.status & RING_STATUS_BROKEN) != 0);
	check_all_eio(t->c, RING_ROLE_CONSUMER);
	check_all_eio(t->p, RING_ROLE_PRODUCER);
	/* the attacker tidies up: nothing is forgiven */
	sq->h.head_index = sq->h.tail_index = 0;
	cq->h.head_index = cq->h.tail_index = 0;
	sq->h.status = cq->h.status = 0;
	check_all_eio(t->c, RING_ROLE_CONSUMER);
	check_all_eio(t->p, RING_ROLE_PRODUCER);
	ring_close(t->c);
	ring_close(t->p);
	ring_close(t->mon);
	munmap(t->m, t->len);
	ring_fds_close(&t->fds);
}

/* The popper must answer -EIO to the lie (SQ what = v); then lie_finish(). */
static void
lie_pop_eio(struct lie *t, const char *what, uint64_t v)
{
	struct ring_sqe s;

	if (ring_sq_pop(t->p, &s) != -EIO)
		TAP_FAIL("SQ %s %#llx: ring_sq_pop did not answer -EIO", what,
		    (unsigned long long)v);
	lie_finish(t);
}

static void
push_n(struct ring *r, bool cq, unsigned n)
{
	struct ring_sqe s;
	struct ring_cqe c;
	unsigned i;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < n; i++) {
		s.user_data = c.user_data = i;
		TAP_RC(cq ? ring_cq_push(r, &c) : ring_sq_push(r, &s), 0);
	}
}

/* The popper reads an impossible tail: -EIO, not entries. */
TAP_TEST(test_lie_tail, "hostile-lie-tail", 0)
{
	static const uint64_t tails[] = { 2 * LIE_N, 2 * LIE_N + 3, LIE_N + 1,
		UINT64_MAX, 1ull << 63 };
	struct ring_stats st;
	struct lie t;
	size_t i;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		lie_open(&t);
		tu_sq_hdr(t.m)->h.tail_index = tails[i];
		/* a monitor's snapshot says it cannot be right */
		ring_get_stats(t.mon, &st);
		if (st.sq.valid)
			TAP_FAIL("SQ tail %#llx: stats say valid, depth %llu",
			    (unsigned long long)tails[i],
			    (unsigned long long)st.sq.depth);
		TAP_ASSERT(st.cq.valid);
		lie_pop_eio(&t, "tail", tails[i]);
	}
}

/* The popper sees tail go backwards after it took entries. */
TAP_TEST(test_lie_tail_back, "hostile-lie-tail-backwards", 0)
{
	struct ring_sqe s;
	struct lie t;
	int i, rc = 0;

	lie_open(&t);
	push_n(t.c, false, 3);
	TAP_RC(ring_sq_pop(t.p, &s), 0);
	TAP_EQ_U(s.user_data, 0);
	tu_sq_hdr(t.m)->h.tail_index = 1; /* was 3, head is 1 */
	/* entries it already knew of may still come; then -EIO */
	for (i = 0; i < 3; i++) {
		rc = ring_sq_pop(t.p, &s);
		if (rc < 0)
			break;
		TAP_EQ_U(s.user_data, (uint64_t)i + 1);
	}
	TAP_RC(rc, -EIO);
	lie_finish(&t);
}

/* The pusher reads an impossible head. */
TAP_TEST(test_lie_head, "hostile-lie-head", 0)
{
	/* the last: past the tail the pusher has when it next looks */
	static const uint64_t heads[] = { 7 * LIE_N, 2 * LIE_N, UINT64_MAX,
		LIE_N + 1 };
	struct ring_cqe c;
	struct lie t;
	size_t i;
	int k, rc = 0;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		lie_open(&t);
		push_n(t.p, true, 2);
		tu_cq_hdr(t.m)->h.head_index = heads[i];
		/* it looks when its cached view says full: within n pushes */
		for (k = 0; k <= (int)LIE_N; k++)
			if ((rc = ring_cq_push(t.p, &c)) < 0)
				break;
		if (rc != -EIO)
			TAP_FAIL("CQ head %#llx: ring_cq_push = %s, expected "
				 "-EIO",
			    (unsigned long long)heads[i], tap_rcname(rc));
		lie_finish(&t);
	}
}

/* BROKEN set by anyone breaks both sides; unknown status bits too. */
TAP_TEST(test_lie_status, "hostile-lie-status", 0)
{
	static const uint64_t bad[] = { RING_STATUS_BROKEN,
		RING_STATUS_BROKEN | RING_STATUS_DROP, 0x100, 1ull << 63 };
	struct lie t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lie_open(&t);
		push_n(t.c, false, 1);
		tu_sq_hdr(t.m)->h.status = bad[i];
		lie_pop_eio(&t, "status", bad[i]);
	}
}

TAP_MAIN(NULL)
