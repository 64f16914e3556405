/*
 * t-hostile-peer.c - a hostile peer on a ringd-brokered ring.
 *
 * As consumer (against ringd's own echo scheme and against an honest
 * scheme process) and as producer (against an honest consumer), the
 * hostile side maps the pair's memory file writable and corrupts one
 * thing per case: the indices, epochs, status and wait words of both
 * headers, the description page, entry fields (opcode, flags, reserved
 * words, pool offsets and lengths), the in-service table; it also tries to
 * truncate and grow the memory file.  After each case ringd must still be
 * alive and answering, the honest side must neither crash nor hang (its
 * calls return within the timeout), and every index corruption must leave
 * the ring reported BROKEN by ring_ctl_list_rings() (what `ringctl -j
 * rings` prints) or refused with an error.
 *
 * The consumer obtains the memory file with a raw OPEN on the control
 * socket, exactly as libring does, so it holds what any client holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "../lib/proto.h"

static struct td d;

/* --- a raw consumer: OPEN by hand, keep the descriptors ---------------- */

static int
hp_next(int fd, struct proto_msg *m, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ETIMEDOUT;
	return proto_recv(fd, m);
}

/* Open a ring to scheme the way libring does; fds get the pair. */
static int
hp_raw_open(const char *scheme, uint32_t sq, uint64_t pool,
    struct ring_fds *fds, uint64_t *id)
{
	struct proto_hello h;
	struct proto_open o;
	struct proto_msg m;
	const struct proto_open_reply *rep = (const void *)m.body.raw;
	int s = td_raw_connect(&d);

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	memcpy(h.comm, "hostile", 7);
	TAP_RC(proto_send(s, PROTO_HELLO, 1, &h, sizeof(h), NULL, 0), 0);
	TAP_RC(hp_next(s, &m, 5000), 0);
	memset(&o, 0, sizeof(o));
	strcpy(o.scheme, scheme);
	o.params.sq_entries = sq;
	o.params.pool_bytes = pool;
	TAP_RC(proto_send(s, PROTO_OPEN, 2, &o, sizeof(o), NULL, 0), 0);
	TAP_RC(hp_next(s, &m, 10000), 0);
	TAP_EQ(m.hdr.type, PROTO_OPEN | PROTO_REPLY);
	TAP_EQ(rep->error, 0);
	TAP_EQ(m.nfds, 3);
	fds->mem = m.fds[0];
	fds->doorbell[0] = m.fds[1];
	fds->doorbell[1] = m.fds[2];
	*id = rep->ring_id;
	return s;
}

/* --- what ringd says about a ring -------------------------------------- */

static uint32_t
hp_state(struct ring_ctl *c, uint64_t id)
{
	struct ring_ctl_ring rec;

	return td_find_ring(c, id, &rec) ? rec.state : 0;
}

/* Wait up to 3 s for ringd to list ring id as BROKEN (or forget it). */
static void
hp_await_broken(struct ring_ctl *c, uint64_t id, const char *what)
{
	uint64_t t0 = clock_ns();
	uint32_t st;

	while ((st = hp_state(c, id)) != RING_CTL_BROKEN && st != 0) {
		if (clock_ns() - t0 > 3000000000ull)
			TD_FAIL(&d, "%s: ring %" PRIu64 " is in state %u, not "
			    "BROKEN", what, id, st);
		tu_sleep_ms(5);
	}
}

/* ringd is alive and still serves a fresh client end to end. */
static void
hp_ringd_ok(struct ring_ctl *c)
{
	struct ring_ctl_status st;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP, .user_data = 77 };
	struct ring_cqe cqe;
	struct ring *r;
	uint64_t id;

	td_assert_alive(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	r = td_open(c, "echo", 4, 0, 0, &id);
	td_roundtrip(r, &sqe, &cqe);
	TAP_EQ_U(cqe.user_data, 77);
	td_close_ring(c, r, id);
}

/* --- the corruptions ---------------------------------------------------- */

enum hp_where { HP_SQ_HDR, HP_CQ_HDR, HP_DESC };

struct hp_case {
	const char *name;
	enum hp_where where;
	size_t off;	/* byte offset in that page */
	uint64_t value; /* written as is, or added (add) */
	bool add;
	bool breaks;	/* the ring must end up BROKEN */
	unsigned after;	/* hostile consumer: 0 nothing, 1 push, 2 push+pop */
};

#define HDR_OFF(f) offsetof(struct ring_header_page, f)

/*
 * Corruptions a consumer can write.  after: what the hostile consumer does
 * next (0 nothing, so its own index store cannot repair the word; 1 push an
 * SQE; 2 push and pop).  breaks: a reader is bound to see the damage, so
 * the ring must be BROKEN; otherwise it may also go on working (a word the
 * honest side overwrites before anyone uses it, a counter nobody trusts).
 */
static const struct hp_case hp_consumer_cases[] = {
	{ "SQ tail far ahead", HP_SQ_HDR, HDR_OFF(h.tail_index), 1000, true,
	    true, 0 },
	{ "SQ tail out of range", HP_SQ_HDR, HDR_OFF(h.tail_index), 1u << 20,
	    false, true, 0 },
	{ "SQ tail backwards", HP_SQ_HDR, HDR_OFF(h.tail_index), (uint64_t)-3,
	    true, true, 0 },
	{ "SQ status unknown bit", HP_SQ_HDR, HDR_OFF(h.status), 0x80, false,
	    true, 1 },
	{ "SQ entry_count", HP_SQ_HDR, HDR_OFF(h.entry_count), 3, false, false,
	    2 },
	{ "SQ head (the peer's word)", HP_SQ_HDR, HDR_OFF(h.head_index), 7,
	    true, false, 2 },
	{ "CQ head far ahead", HP_CQ_HDR, HDR_OFF(h.head_index), 1000, true,
	    false, 1 },
	{ "CQ tail (the peer's word)", HP_CQ_HDR, HDR_OFF(h.tail_index), 5,
	    true, false, 2 },
	{ "CQ status unknown bit", HP_CQ_HDR, HDR_OFF(h.status), 1ull << 40,
	    false, true, 2 },
	{ "SQ epochs garbage", HP_SQ_HDR, HDR_OFF(h.push_epoch),
	    0xdeadbeefdeadbeefull, false, false, 2 },
	{ "SQ wait word garbage", HP_SQ_HDR, HDR_OFF(pop_wait), 0xffffffffu,
	    false, false, 2 },
	{ "CQ wait word garbage", HP_CQ_HDR, HDR_OFF(push_wait), 0xffffffffu,
	    false, false, 2 },
	{ "description magic", HP_DESC, offsetof(struct ring_pair_desc, magic),
	    0, false, false, 2 },
	{ "description sizes", HP_DESC,
	    offsetof(struct ring_pair_desc, sq_entries), 0xffffffffffffull,
	    false, false, 2 },
};

static void
hp_write(uint8_t *map, const struct hp_case *k)
{
	size_t page = k->where == HP_DESC ? 0 :
	    k->where == HP_SQ_HDR ? RING_PAGE : 2 * RING_PAGE;
	uint64_t v;

	memcpy(&v, map + page + k->off, sizeof(v));
	v = k->add ? v + k->value : k->value;
	memcpy(map + page + k->off, &v, sizeof(v));
}

/* Ring every doorbell so sleepers look at the damage. */
static void
hp_ring_bells(const struct ring_fds *fds)
{
	uint64_t one = 1;

	(void)!write(fds->doorbell[0], &one, sizeof(one));
	(void)!write(fds->doorbell[1], &one, sizeof(one));
}

/* The sealed file neither shrinks nor grows for anyone. */
static void
hp_resize(int mem)
{
	off_t size = lseek(mem, 0, SEEK_END);

	TAP_ASSERT(size > 0);
	TAP_RC(ftruncate(mem, size / 2), -1);
	TAP_EQ(errno, EPERM);
	TAP_RC(ftruncate(mem, size * 2), -1);
	TAP_EQ(errno, EPERM);
	TAP_RC(fallocate(mem, 0, size, 4096), -1);
	TAP_EQ(errno, EPERM);
	TAP_RC(fcntl(mem, F_ADD_SEALS, F_SEAL_WRITE), -1);
}

/* Push a few SQEs, let the server answer, pop them; tolerate breakage. */
static void
hp_traffic(struct ring *r, unsigned n)
{
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP };
	struct ring_cqe cqe;
	unsigned i;

	for (i = 0; i < n; i++) {
		sqe.user_data = i;
		if (ring_sq_push(r, &sqe) < 0)
			break;
		if (td_cq_pop_wait(r, &cqe, 2000) < 0)
			break;
	}
}

/*
 * A hostile consumer on a ring to scheme: good traffic, then the
 * corruption, then more pushes and a bell; ringd (or the scheme) must
 * notice.
 */
static void
hp_consumer_case(struct ring_ctl *c, const char *scheme,
    const struct hp_case *k)
{
	struct ring_fds fds;
	struct ring *r;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP, .user_data = 9 };
	struct ring_cqe cqe;
	uint64_t id;
	size_t len;
	uint8_t *map;
	int s;

	s = hp_raw_open(scheme, 8, 4096, &fds, &id);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp_resize(fds.mem);
	TAP_OK(ring_open(&fds, RING_ROLE_CONSUMER, &r));
	hp_traffic(r, 4);
	hp_write(map, k);
	hp_ring_bells(&fds);
	if (k->after >= 1)
		(void)ring_sq_push(r, &sqe);
	if (k->after >= 2)
		(void)td_cq_pop_wait(r, &cqe, 300);
	if (k->breaks)
		hp_await_broken(c, id, k->name);
	td_assert_alive(&d);
	ring_close(r);
	munmap(map, len);
	ring_fds_close(&fds);
	close(s); /* the connection goes: ringd forgets the ring */
	td_await_ring_gone(c, id);
}

/* Entry fields a consumer controls, against ringd's built-in schemes. */
static void
hp_bad_entries(struct ring_ctl *c, const char *scheme)
{
	static const struct ring_sqe bad[] = {
		{ .opcode = RING_OP_READ, .addr = 1ull << 40, .len = 64 },
		{ .opcode = RING_OP_READ, .addr = 4000, .len = 4096 },
		{ .opcode = RING_OP_WRITE, .addr = UINT64_MAX - 10, .len = 100 },
		{ .opcode = RING_OP_WRITE, .addr = 0, .len = UINT64_MAX },
		{ .opcode = 0xff, .flags = 0xf8 },
		{ .opcode = RING_OP_NOOP, .flags = 0x80 },
		{ .opcode = RING_OP_MMAP, .fd = UINT64_MAX, .len = 1ull << 50 },
	};
	struct ring_cqe cqe;
	struct ring *r;
	uint64_t id;
	unsigned i;

	r = td_open(c, scheme, 8, 0, 4096, &id);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ring_sqe e = bad[i];

		e.user_data = 100 + i;
		if (ring_sq_push(r, &e) == -EINVAL)
			continue; /* the library refuses it before ringd sees it */
		TAP_RC(td_cq_pop_wait(r, &cqe, 5000), 0);
		TAP_EQ_U(cqe.user_data, 100 + i);
		if (ring_cqe_errno(&cqe) == 0 && e.opcode != RING_OP_NOOP)
			TAP_FAIL("%s: bad SQE %u got status %" PRIu64, scheme,
			    i, cqe.status);
	}
	td_close_ring(c, r, id);
}

TAP_TEST(test_consumer_vs_builtin,
    "hostile consumer vs ringd's built-in schemes", 120)
{
	struct ring_ctl *c;
	unsigned i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	for (i = 0; i < sizeof(hp_consumer_cases) /
	    sizeof(hp_consumer_cases[0]); i++) {
		hp_consumer_case(c, "echo", &hp_consumer_cases[i]);
		hp_consumer_case(c, "zero", &hp_consumer_cases[i]);
	}
	hp_bad_entries(c, "zero");
	hp_ringd_ok(c);
	td_end(&d, c);
}

/* --- an honest scheme process ------------------------------------------ */

#define HP_SCHEME "hp-honest"

/* Serve every ring until told to stop; an error on a ring ends that ring. */
static pid_t
hp_honest_scheme(int note)
{
	pid_t pid = tap_fork();
	struct ring *rs[64];
	uint64_t ids[64];
	struct ring_attach a;
	struct ring_ctl *sc;
	unsigned n = 0, i;

	if (pid != 0)
		return pid;
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, HP_SCHEME, NULL, 0), 0);
	tu_notify(note);
	for (;;) {
		struct ring_sqe sqe;
		struct ring_cqe cqe;
		int rc;

		while (n < 64 && ring_ctl_next_attach(sc, &a) == 0) {
			ids[n] = a.ring_id;
			if (ring_ctl_accept(sc, &a, &rs[n]) == 0)
				n++;
		}
		for (i = 0; i < n;) {
			while ((rc = ring_sq_pop(rs[i], &sqe)) == 0) {
				memset(&cqe, 0, sizeof(cqe));
				cqe.user_data = sqe.user_data;
				if ((rc = ring_cq_push(rs[i], &cqe)) < 0)
					break;
			}
			if (rc < 0 && rc != -EAGAIN) {
				/* -EIO or -ESHUTDOWN: this ring is over */
				ring_close(rs[i]);
				(void)ring_ctl_close_ring(sc, ids[i]);
				rs[i] = rs[--n];
				ids[i] = ids[n];
				continue;
			}
			i++;
		}
		tu_sleep_ms(1);
	}
}

TAP_TEST(test_consumer_vs_scheme,
    "hostile consumer vs an honest scheme process", 120)
{
	struct ring_ctl *c;
	int p[2];
	pid_t pid;
	unsigned i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	tu_pipe(p);
	pid = hp_honest_scheme(p[1]);
	tu_await(p[0], 5000);
	for (i = 0; i < sizeof(hp_consumer_cases) /
	    sizeof(hp_consumer_cases[0]); i++) {
		hp_consumer_case(c, HP_SCHEME, &hp_consumer_cases[i]);
		/* the honest scheme survived this one */
		TAP_ASSERT(td_find_scheme(c, HP_SCHEME, NULL) ||
		    (TAP_FAIL("the scheme died at '%s'",
		    hp_consumer_cases[i].name), false));
	}
	hp_ringd_ok(c);
	tap_kill(pid);
	td_await_scheme_gone(c, HP_SCHEME);
	td_end(&d, c);
}

/* --- a hostile scheme against an honest consumer ----------------------- */

/* Corruptions a producer can write (SQ head/pop_epoch, CQ tail, held). */
static const struct hp_case hp_producer_cases[] = {
	{ "SQ head far ahead", HP_SQ_HDR, HDR_OFF(h.head_index), 1000, true,
	    true, 0 },
	{ "SQ head out of range", HP_SQ_HDR, HDR_OFF(h.head_index), 1u << 20,
	    false, true, 0 },
	{ "CQ tail far ahead", HP_CQ_HDR, HDR_OFF(h.tail_index), 1000, true,
	    true, 0 },
	{ "CQ tail backwards", HP_CQ_HDR, HDR_OFF(h.tail_index),
	    (uint64_t)-2, true, true, 0 },
	{ "CQ status unknown bit", HP_CQ_HDR, HDR_OFF(h.status), 0x10, false,
	    true, 0 },
	{ "CQ entry_count", HP_CQ_HDR, HDR_OFF(h.entry_count), 1u << 30,
	    false, false, 0 },
	{ "SQ tail (the peer's word)", HP_SQ_HDR, HDR_OFF(h.tail_index), 3,
	    true, false, 0 },
};

/*
 * The hostile scheme: accept one ring (keeping a copy of its memory file),
 * answer two SQEs, fill the in-service table and CQ entries with garbage,
 * write the case's corruption, ring the bells, then stay.
 */
static pid_t
hp_hostile_scheme(int note, unsigned which)
{
	pid_t pid = tap_fork();
	const struct hp_case *k = &hp_producer_cases[which];
	struct ring_attach a;
	struct ring_ctl *sc;
	struct ring_fds fds;
	struct ring *r;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	struct ring_layout l;
	size_t len;
	uint8_t *map;
	unsigned i;

	if (pid != 0)
		return pid;
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, "hp-hostile", NULL, 0), 0);
	tu_notify(note);
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	fds.mem = dup(a.fds.mem);
	fds.doorbell[0] = dup(a.fds.doorbell[0]);
	fds.doorbell[1] = dup(a.fds.doorbell[1]);
	TAP_RC(ring_ctl_accept(sc, &a, &r), 0);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp_resize(fds.mem);
	for (i = 0; i < 2; i++) {
		while (ring_sq_pop(r, &sqe) == -EAGAIN)
			tu_sleep_ms(1);
		memset(&cqe, 0, sizeof(cqe));
		cqe.user_data = sqe.user_data;
		TAP_RC(ring_cq_push(r, &cqe), 0);
	}
	/* once the consumer took both answers: garbage in the in-service
	 * table and in every CQ slot */
	for (i = 0; i < 5000; i++) {
		struct ring_stats st;

		ring_get_stats(r, &st);
		if (st.cq.depth == 0)
			break;
		tu_sleep_ms(1);
	}
	l = ring_layout(0, 8, 8, 4096);
	memset(map + l.held, 0xa5, 8 * sizeof(struct ring_held));
	memset(map + l.cq_ents, 0x5a, 8 * sizeof(struct ring_cqe));
	hp_write(map, k);
	hp_ring_bells(&fds);
	tu_notify(note);
	for (;;)
		pause();
}

TAP_TEST(test_producer_hostile, "hostile scheme vs an honest consumer", 120)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP };
	struct ring_cqe cqe;
	uint64_t id;
	unsigned i, j;
	int p[2], rc;
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	for (i = 0; i < sizeof(hp_producer_cases) /
	    sizeof(hp_producer_cases[0]); i++) {
		const struct hp_case *k = &hp_producer_cases[i];

		tu_pipe(p);
		pid = hp_hostile_scheme(p[1], i);
		tu_await(p[0], 5000);
		r = td_open(c, "hp-hostile", 8, 0, 4096, &id);
		for (j = 0; j < 2; j++) {
			sqe.user_data = j;
			TAP_RC(ring_sq_push(r, &sqe), 0);
			TAP_RC(td_cq_pop_wait(r, &cqe, 5000), 0);
			TAP_EQ_U(cqe.user_data, j);
		}
		tu_await(p[0], 5000);
		/* the honest consumer: every call returns, none crashes */
		for (j = 0; j < 16; j++) {
			(void)ring_sq_push(r, &sqe);
			rc = td_cq_pop_wait(r, &cqe, 50);
			if (rc == -EIO)
				break;
		}
		if (k->breaks) {
			if (!ring_is_broken(r) && ring_cq_pop(r, &cqe) != -EIO)
				TD_FAIL(&d, "%s: the consumer did not see the "
				    "ring broken", k->name);
			hp_await_broken(c, id, k->name);
		}
		td_assert_alive(&d);
		tap_kill(pid);
		td_await_scheme_gone(c, "hp-hostile");
		td_close_ring(c, r, id);
		tu_pipe_close(p);
	}
	hp_ringd_ok(c);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
