/*
 * t-killstorm.c - exactly one answer per submission while peers die.
 *
 * A private ringd brokers rings between KS_PRODUCERS scheme processes and
 * KS_CONSUMERS client processes that keep a window of SQEs in flight, each
 * with a user_data unique to its process.  The test then kills a random
 * peer (producer or consumer) with SIGKILL over and over and starts a new
 * one in its place; a producer answers most requests at once and keeps
 * some for its next pass, so a kill finds requests queued, in service and
 * answered-but-unread.
 *
 * A consumer checks each CQE against what it submitted: a result the producer computes from user_data, -ESHUTDOWN
 * (ringd answering for a dead producer) or -ECANCELED; a second CQE for
 * one SQE is a duplicate, a CQE for an SQE never submitted is spurious,
 * an SQE without a CQE when its ring ends (or after the final drain) is
 * lost.  A consumer adds its counts to the totals each time one of its
 * rings ends (the producer died, ringd answered the rest and set DROP) and
 * when it stops; the ring a consumer was using when it was killed is not
 * counted, since its answers died with it.  Lost, duplicated, spurious, wrong-status and broken must
 * all be 0, ringd must survive and come back to its idle descriptor count.
 *
 * A first sub-test replays, in one process, the sequence that loses SQEs
 * in the storm (see docs/hardening.md): cancel, a push, then DROP.
 *
 * RING_KILLSTORM_KILLS sets the number of kills (default 100, scaled by
 * RING_TEST_SCALE); docs/hardening.md has the full-size run (1000).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/proc.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define KS_PRODUCERS 4
#define KS_CONSUMERS 6
#define KS_SQ 16	/* entries per ring */
#define KS_WINDOW 12	/* SQEs a consumer keeps in flight */
#define KS_RINGS 64	/* rings one producer serves at most */

/* Counters in memory every process of the sub-test shares. */
struct ks_shared {
	atomic_int stop_consumers;
	atomic_int stop_producers;
	atomic_uint_fast64_t live_submitted; /* all consumers, killed too */
	/* totals over the rings whose consumer lived to see them end */
	atomic_uint_fast64_t submitted, ok, shutdown, canceled;
	atomic_uint_fast64_t lost, dup, spurious, bad_status, broken;
	atomic_uint_fast64_t rings, survivors;
};

static struct td d;
static struct ks_shared *ks;

/* What a producer answers for user_data. */
static uint64_t
ks_result(uint64_t ud)
{
	return mix64(ud) & 0x7fffffffffffull;
}

/* --- producer ------------------------------------------------------- */

struct ks_served {
	struct ring *r;
	struct ring_sqe held[KS_SQ]; /* popped, not yet answered */
	unsigned nheld;
};

/* Answer the first n requests held on s; false once the ring is gone. */
static bool
ks_answer(struct ks_served *s, unsigned n)
{
	struct ring_cqe cqe;
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&cqe, 0, sizeof(cqe));
		cqe.user_data = s->held[i].user_data;
		cqe.status = ks_result(cqe.user_data);
		if ((rc = ring_cq_push(s->r, &cqe)) == -EAGAIN)
			break;
		if (rc < 0) {
			if (rc != -ESHUTDOWN)
				tap_diag("killstorm: producer: push %s", tap_rcname(rc));
			return false;
		}
	}
	memmove(s->held, s->held + i, (s->nheld - i) * sizeof(s->held[0]));
	s->nheld -= i;
	return true;
}

/* One pass over a ring: answer what the last pass kept, pop, keep some. */
static bool
ks_serve(struct ks_served *s, bool *busy)
{
	unsigned before = s->nheld, keep;
	int n;

	if (!ks_answer(s, before))
		return false;
	n = ring_sq_pop_batch(s->r, s->held + s->nheld, KS_SQ - s->nheld);
	if (n == -EAGAIN)
		return true;
	if (n < 0) {
		if (n != -ESHUTDOWN)
			tap_diag("killstorm: producer: pop %s", tap_rcname(n));
		return false; /* -ESHUTDOWN: the consumer left */
	}
	*busy = true;
	s->nheld += (unsigned)n;
	keep = (unsigned)tu_rand_below((uint64_t)n + 1);
	return ks_answer(s, s->nheld - keep);
}

static void
ks_producer(unsigned slot)
{
	struct ks_served rings[KS_RINGS];
	struct pollfd pfd[KS_RINGS + 1];
	struct ring_attach a;
	struct ring_ctl *c;
	char name[32];
	unsigned n = 0, i;
	int rc;

	tu_srand(getpid());
	snprintf(name, sizeof(name), "ks%u", slot);
	c = td_connect(&d);
	tp_register_again(c, name);
	while (!atomic_load(&ks->stop_producers)) {
		bool busy = false;
		int armed = 0;

		while (n < KS_RINGS && (rc = ring_ctl_next_attach(c, &a)) == 0) {
			memset(&rings[n], 0, sizeof(rings[n]));
			if ((rc = ring_ctl_accept(c, &a, &rings[n].r)) == 0)
				n++;
			else if (rc != -ESHUTDOWN) /* the consumer was killed */
				tap_diag("killstorm: producer: accept %s",
				    tap_rcname(rc));
			busy = true;
		}
		if (rc < 0 && rc != -EAGAIN)
			TAP_FAIL("next attach: %s", tap_rcname(rc));
		for (i = 0; i < n;) {
			if (ks_serve(&rings[i], &busy)) {
				i++;
				continue;
			}
			ring_close(rings[i].r);
			rings[i] = rings[--n];
		}
		if (busy)
			continue;
		/* idle: sleep on the doorbells and the control socket */
		for (i = 0; i < n; i++) {
			pfd[i].fd = ring_fd(rings[i].r);
			pfd[i].events = POLLIN;
			if (rings[i].nheld > 0 || ring_arm(rings[i].r,
			    RING_EV_IN) != 0)
				busy = true;
			armed++;
		}
		pfd[n].fd = ring_ctl_fd(c);
		pfd[n].events = POLLIN;
		if (!busy)
			(void)poll(pfd, n + 1, 5);
		for (i = 0; i < (unsigned)armed; i++)
			ring_disarm(rings[i].r);
	}
	/* a scheme that leaves answers what it holds (ring_close) */
	for (i = 0; i < n; i++)
		ring_close(rings[i].r);
	ring_ctl_close(c);
	tap_child_exit();
}

/* --- consumer ------------------------------------------------------- */

enum { KS_FREE = 0, KS_INFLIGHT, KS_ANSWERED };

struct ks_consumer {
	uint64_t pid;
	uint8_t *state; /* per sequence number */
	uint64_t cap, seq, inflight;
	uint64_t submitted, ok, shutdown, canceled;
	uint64_t lost, dup, spurious, bad_status, broken, rings;
};

/* Every SQE still in flight on a ring that ended is lost. */
static void
ks_ring_ended(struct ks_consumer *k)
{
	uint64_t s;

	k->lost += k->inflight;
	for (s = 0; s < k->seq && k->inflight > 0; s++)
		if (k->state[s] == KS_INFLIGHT) {
			k->state[s] = KS_ANSWERED;
			k->inflight--;
		}
}

static void
ks_take(struct ks_consumer *k, const struct ring_cqe *cqe)
{
	uint64_t s = cqe->user_data & 0xffffffffu;
	int64_t st = (int64_t)cqe->status;

	if (cqe->user_data >> 32 != k->pid || s >= k->seq ||
	    k->state[s] == KS_FREE) {
		k->spurious++;
		return;
	}
	if (k->state[s] == KS_ANSWERED) {
		k->dup++;
		return;
	}
	k->state[s] = KS_ANSWERED;
	k->inflight--;
	if ((uint64_t)st == ks_result(cqe->user_data))
		k->ok++;
	else if (st == -ESHUTDOWN)
		k->shutdown++;
	else if (st == -ECANCELED)
		k->canceled++;
	else
		k->bad_status++;
}

/* Pop what is there; false when the ring ended. */
static bool
ks_reap(struct ks_consumer *k, struct ring *r, bool *busy)
{
	struct ring_cqe cqes[16];
	int n, i;

	for (;;) {
		n = ring_cq_pop_batch(r, cqes, 16);
		if (n == -EAGAIN)
			return true;
		if (n < 0) {
			if (n == -EIO)
				k->broken++;
			if (k->inflight > 0) {
				struct ring_stats st;

				ring_get_stats(r, &st);
				tap_diag("killstorm: ring ended (%s) with %" PRIu64
				    " SQEs unanswered: SQ depth %" PRIu64
				    " (head %" PRIu64 " tail %" PRIu64 "), CQ "
				    "depth %" PRIu64 ", SQ status %#" PRIx64,
				    tap_rcname(n), k->inflight, st.sq.depth,
				    st.sq.head, st.sq.tail, st.cq.depth,
				    st.sq.status);
			}
			ks_ring_ended(k);
			return false;
		}
		*busy = true;
		for (i = 0; i < n; i++)
			ks_take(k, &cqes[i]);
	}
}

static struct ring *
ks_open(struct ring_ctl *c, uint64_t *id)
{
	struct ring_params p = { .sq_entries = KS_SQ };
	struct ring *r;
	char name[32];
	int rc;

	for (;;) {
		snprintf(name, sizeof(name), "ks%u",
		    (unsigned)tu_rand_below(KS_PRODUCERS));
		rc = ring_ctl_open(c, name, &p, &r, id);
		if (rc == 0)
			return r;
		/* the scheme is between a kill and its successor */
		if (rc != -ENODEV && rc != -ECONNREFUSED && rc != -EPIPE &&
		    rc != -ECONNRESET && rc != -ESHUTDOWN && rc != -EACCES)
			TAP_FAIL("open '%s': %s", name, tap_rcname(rc));
		tu_sleep_ms(1);
	}
}

/*
 * Add what a consumer counted to the shared totals and start again: done
 * whenever a ring ended with every SQE accounted for, so a consumer killed
 * later takes only its current ring out of the figures.
 */
static void
ks_flush(struct ks_consumer *k)
{
	atomic_fetch_add(&ks->submitted, k->submitted);
	atomic_fetch_add(&ks->ok, k->ok);
	atomic_fetch_add(&ks->shutdown, k->shutdown);
	atomic_fetch_add(&ks->canceled, k->canceled);
	atomic_fetch_add(&ks->lost, k->lost);
	atomic_fetch_add(&ks->dup, k->dup);
	atomic_fetch_add(&ks->spurious, k->spurious);
	atomic_fetch_add(&ks->bad_status, k->bad_status);
	atomic_fetch_add(&ks->broken, k->broken);
	atomic_fetch_add(&ks->rings, k->rings);
	k->submitted = k->ok = k->shutdown = k->canceled = 0;
	k->lost = k->dup = k->spurious = k->bad_status = k->broken = 0;
	k->rings = 0;
}

/* slot: unused, the consumers are alike */
static void
ks_consumer(unsigned slot)
{
	struct ks_consumer k;
	struct ring_ctl *c;
	struct ring *r = NULL;
	uint64_t id = 0, t0 = 0;

	(void)slot;
	bool draining = false;

	memset(&k, 0, sizeof(k));
	k.pid = (uint64_t)getpid();
	tu_srand(k.pid);
	c = td_connect(&d);
	for (;;) {
		bool busy = false;
		int rc;

		if (!draining && atomic_load(&ks->stop_consumers)) {
			draining = true;
			t0 = clock_ns();
		}
		if (draining && (k.inflight == 0 ||
		    clock_ns() - t0 > 10000000000ull))
			break;
		if (r == NULL) {
			r = ks_open(c, &id);
			k.rings++;
		}
		while (!draining && k.inflight < KS_WINDOW) {
			struct ring_sqe sqe;

			if (k.seq == k.cap) {
				k.cap = k.cap ? 2 * k.cap : 4096;
				if ((k.state = realloc(k.state, k.cap)) == NULL)
					TAP_FAIL("out of memory");
				memset(k.state + k.seq, 0, k.cap - k.seq);
			}
			memset(&sqe, 0, sizeof(sqe));
			sqe.opcode = RING_OP_NOOP;
			sqe.user_data = k.pid << 32 | k.seq;
			if ((rc = ring_sq_push(r, &sqe)) < 0)
				break;
			k.state[k.seq++] = KS_INFLIGHT;
			k.inflight++;
			k.submitted++;
			atomic_fetch_add(&ks->live_submitted, 1);
			busy = true;
		}
		if (!ks_reap(&k, r, &busy)) {
			ring_close(r);
			(void)ring_ctl_close_ring(c, id);
			r = NULL;
			ks_flush(&k);
			continue;
		}
		if (!busy)
			(void)ring_wait(r, RING_EV_IN, 2000000);
	}
	/* what did not come back within the drain is lost */
	ks_ring_ended(&k);
	if (r != NULL) {
		ring_close(r);
		(void)ring_ctl_close_ring(c, id);
	}
	ring_ctl_close(c);
	ks_flush(&k);
	atomic_fetch_add(&ks->survivors, 1);
	free(k.state);
	tap_child_exit();
}

/* --- the storm ------------------------------------------------------ */

static unsigned
ks_kills(void)
{
	const char *s = getenv("RING_KILLSTORM_KILLS");
	char *end;
	unsigned long v;

	if (s != NULL && *s != '\0') {
		v = strtoul(s, &end, 10);
		if (*end != '\0' || v == 0 || v > 1000000)
			TAP_FAIL("RING_KILLSTORM_KILLS='%s' is not 1..1000000", s);
		return (unsigned)v;
	}
	return (unsigned)tap_scaled(100, 10);
}

TAP_TEST(test_killstorm,
    "killstorm: SIGKILL random producers and consumers under load", 900)
{
	pid_t prod[KS_PRODUCERS], cons[KS_CONSUMERS];
	unsigned kills = ks_kills(), i;
	uint64_t t0, answered, before;
	struct tp_pool prods = { prod, KS_PRODUCERS, ks_producer, 0 };
	struct tp_pool conss = { cons, KS_CONSUMERS, ks_consumer, 0 };

	ks = mmap(NULL, sizeof(*ks), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TAP_ASSERT(ks != MAP_FAILED);
	td_begin(&d, NULL);
	tu_srand(0x6b696c6c);
	tp_pool_start(&prods);
	tp_pool_start(&conss);
	/* traffic first */
	for (t0 = clock_ns(); atomic_load(&ks->live_submitted) < 2000;) {
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "no traffic after 10 s (%" PRIu64 " SQEs)",
			    (uint64_t)atomic_load(&ks->live_submitted));
		tu_sleep_ms(1);
	}
	t0 = clock_ns();
	for (i = 0; i < kills; i++) {
		/* some traffic between two kills, then a random victim */
		before = atomic_load(&ks->live_submitted);
		tu_sleep_ms(1 + (unsigned)tu_rand_below(8));
		while (atomic_load(&ks->live_submitted) < before + 50 &&
		    clock_ns() - t0 < 600000000000ull)
			tu_sleep_ms(1);
		tp_pool_kill_one(tu_rand_below(3) != 0 ? &prods : &conss);
		if (i % 50 == 0)
			td_assert_alive(&d);
	}
	td_assert_alive(&d);
	atomic_store(&ks->stop_consumers, 1);
	for (i = 0; i < KS_CONSUMERS; i++)
		if (!tap_reap_within(cons[i], 30000))
			TD_FAIL(&d, "a consumer did not finish its drain");
	atomic_store(&ks->stop_producers, 1);
	for (i = 0; i < KS_PRODUCERS; i++)
		if (!tap_reap_within(prod[i], 10000))
			TD_FAIL(&d, "a producer did not stop");
	answered = ks->ok + ks->shutdown + ks->canceled;
	tap_diag("killstorm: %u kills (%u producers, %u consumers) in %.1f s; "
	    "%" PRIu64 " SQEs submitted in all",
	    kills, prods.kills, conss.kills, (double)(clock_ns() - t0) / 1e9,
	    (uint64_t)ks->live_submitted);
	tap_diag("killstorm: %" PRIu64 " rings accounted for: %" PRIu64 " submitted, %" PRIu64 " results, %" PRIu64
	    " -ESHUTDOWN, %" PRIu64 " -ECANCELED; lost %" PRIu64 ", duplicated %"
	    PRIu64 ", spurious %" PRIu64 ", wrong status %" PRIu64 ", broken %"
	    PRIu64, (uint64_t)ks->rings,
	    (uint64_t)ks->submitted, (uint64_t)ks->ok,
	    (uint64_t)ks->shutdown, (uint64_t)ks->canceled,
	    (uint64_t)ks->lost, (uint64_t)ks->dup, (uint64_t)ks->spurious,
	    (uint64_t)ks->bad_status, (uint64_t)ks->broken);
	if (ks->lost + ks->dup + ks->spurious + ks->bad_status + ks->broken)
		td_dump_log(&d, 40);
	TAP_EQ(ks->survivors, KS_CONSUMERS);
	TAP_EQ(ks->lost, 0);
	TAP_EQ(ks->dup, 0);
	TAP_EQ(ks->spurious, 0);
	TAP_EQ(ks->bad_status, 0);
	TAP_EQ(ks->broken, 0);
	TAP_EQ(answered, ks->submitted);
	TAP_ASSERT(ks->shutdown > 0 || prods.kills == 0);
	td_finish(&d);
}

/*
 * The storm's loss, step by step in one process: whoever takes a dead
 * producer's place (ringd) answers what is in service and queued, then
 * sets DROP; an SQE the consumer pushes between the two is answered by
 * nobody, yet the consumer is told the ring is over.  Every SQE must get
 * exactly one CQE.
 */
TAP_TEST(test_cancel_then_drop,
    "killstorm: an SQE pushed between cancel and DROP is answered", 30)
{
	struct ring_fds fds;
	struct ring *c, *p;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP };
	struct ring_cqe cqe;
	unsigned got = 0, i;
	int rc;

	tu_create(&fds, 8, 8, 0, 0);
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	p = tu_open(&fds, RING_ROLE_PRODUCER);
	for (i = 1; i <= 2; i++) {
		sqe.user_data = i;
		TAP_RC(ring_sq_push(c, &sqe), 0);
	}
	TAP_RC(ring_sq_pop(p, &sqe), 0);	/* 1 in service, 2 queued */
	TAP_RC(ring_sq_cancel(p, -ESHUTDOWN), 2);
	sqe.user_data = 3;			/* DROP is not set yet */
	TAP_RC(ring_sq_push(c, &sqe), 0);
	TAP_OK(ring_shutdown(p));
	while ((rc = ring_cq_pop(c, &cqe)) == 0) {
		TAP_EQ_U(cqe.user_data, got + 1);
		TAP_EQ((int64_t)cqe.status, -ESHUTDOWN);
		got++;
	}
	TAP_RC(rc, -ESHUTDOWN);
	if (got != 3)
		TAP_FAIL("%u of 3 SQEs answered before -ESHUTDOWN: SQE 3, "
		    "pushed between the cancel and DROP, was lost", got);
	ring_close(p);
	ring_close(c);
	ring_fds_close(&fds);
}

TAP_MAIN(td_setup)
