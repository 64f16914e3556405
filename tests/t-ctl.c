/*
 * t-ctl.c - the ringd control plane through libring's client, against a
 * private ringd: hello and status, connecting to a busy ringd, round
 * trips through each built-in scheme (64- and 32-bit pairs), parameter
 * checks and limits, external schemes in other processes (attach
 * identity, accept, refuse, timeouts, a consumer gone before the accept,
 * two consumers), opcode probe and declared opcode names, rings attached
 * per scheme, the introspection lists (also while everything churns),
 * fairness between built-in rings, and scheme-name ownership within and
 * across uids.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ringd.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"

/* The ringd of the running sub-test (each sub-test is its own process). */
static struct td d;

static struct ring_sqe
sqe_make(uint8_t op, uint64_t ud, uint64_t addr, uint64_t len)
{
	struct ring_sqe s;

	memset(&s, 0, sizeof(s));
	s.opcode = op;
	s.user_data = ud;
	s.addr = addr;
	s.len = len;
	return s;
}

/* One round trip; the CQE's status must be want. */
#define EXPECT_STATUS(r, op, ud, addr, len, want) \
	do { \
		struct ring_sqe s_ = sqe_make((op), (ud), (addr), (len)); \
		struct ring_cqe c_; \
		td_roundtrip((r), &s_, &c_); \
		if ((int64_t)c_.status != (int64_t)(want)) \
			TAP_FAIL("opcode %u user_data %#llx: status %s, " \
				 "expected %s", \
			    (unsigned)(op), (unsigned long long)(ud), \
			    tap_rcname((long)(int64_t)c_.status), \
			    tap_rcname((long)(int64_t)(want))); \
	} while (0)

/* Our own command name, as ringd reads it from /proc. */
static void
my_comm(char *buf, size_t len)
{
	char tmp[64];
	int n = td_read_file("/proc/self/comm", tmp, sizeof(tmp));

	if (n > 0 && tmp[n - 1] == '\n')
		tmp[--n] = '\0';
	if (n < 0)
		n = 0;
	if ((size_t)n >= len)
		n = (int)len - 1;
	memcpy(buf, tmp, (size_t)n);
	buf[n] = '\0';
}

/* --- hello, status, clients ----------------------------------------- */

static void
test_status(void)
{
	struct ring_ctl *c, *c2;
	struct ring_ctl_status st;
	struct ring_ctl_client *cl;
	struct sockaddr_un sa;
	char comm[RING_CTL_COMM_MAX], stale[100];
	uint32_t ver = 0;
	size_t n, i, mine = 0;
	uint64_t t0;
	int fd;

	td_begin(&d, NULL);
	TAP_RC(ring_ctl_connect(d.sock, &ver, &c), 0);
	TAP_EQ(ver, PROTO_VERSION);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d.pid);
	TAP_EQ(st.version, PROTO_VERSION);
	if (strncmp(st.server, "ringd ", 6) != 0)
		TAP_FAIL("server string '%s' does not name ringd", st.server);
	TAP_ASSERT(st.uptime_ns > 0);
	/* the three built-ins count as schemes */
	TAP_EQ(st.schemes, 3);
	TAP_EQ(st.rings, 0);
	TAP_EQ(st.clients, 1);

	/* a second client counts while it is there */
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.clients, 2);
	ring_ctl_close(c2);
	t0 = tu_now_ns();
	do {
		tu_sleep_ms(5);
		TAP_RC(ring_ctl_status(c, &st), 0);
	} while (st.clients != 1 && tu_now_ns() - t0 < 3000000000ull);
	TAP_EQ(st.clients, 1);

	/* list_clients shows us with our credentials and name */
	my_comm(comm, sizeof(comm));
	TAP_RC(ring_ctl_list_clients(c, &cl, &n), 0);
	TAP_EQ(n, 1);
	for (i = 0; i < n; i++) {
		if (cl[i].peer.pid != (uint32_t)getpid())
			continue;
		mine++;
		TAP_EQ(cl[i].peer.uid, getuid());
		TAP_EQ(cl[i].peer.gid, getgid());
		if (strcmp(cl[i].peer.comm, comm) != 0)
			TAP_FAIL("client comm '%s', expected '%s'",
			    cl[i].peer.comm, comm);
		TAP_EQ(cl[i].schemes, 0);
		TAP_EQ(cl[i].rings, 0);
		TAP_ASSERT(cl[i].client_id != 0);
	}
	TAP_EQ(mine, 1);
	free(cl);
	ring_ctl_close(c);

	/* nothing listening: the library tells the two cases apart */
	TAP_ASSERT(strlen(d.dir) + sizeof("/none.sock") <= sizeof(stale));
	memcpy(stale, d.dir, strlen(d.dir));
	memcpy(stale + strlen(d.dir), "/none.sock", sizeof("/none.sock"));
	TAP_RC(ring_ctl_connect(stale, NULL, &c), -ENOENT);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, stale, strlen(stale) + 1);
	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_RC(ring_ctl_connect(stale, NULL, &c), -ECONNREFUSED);
	close(fd);
	unlink(stale);
	td_finish(&d);
}

/*
 * ringd is busy (stopped for a moment) and its listen backlog is full: a
 * client's connect must wait for it, not fail at once with -EAGAIN; the
 * library documents only -ENOENT/-ECONNREFUSED for "not running" and
 * -ETIMEDOUT for "no answer".
 */
static void
test_connect_busy(void)
{
	struct sockaddr_un sa;
	int fds[1024];
	unsigned n = 0, i;
	int fd;
	pid_t pid;

	td_begin(&d, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, d.sock, strlen(d.sock) + 1);
	TAP_SYS(kill(d.pid, SIGSTOP));
	/* fill the backlog while ringd cannot accept */
	for (;;) {
		fd = n < 1024
		    ? socket(AF_UNIX,
			  SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
		    : -1;
		if (fd < 0 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = fd < 0 ? EMFILE : errno;

			if (fd >= 0)
				close(fd);
			if (e != EAGAIN) {
				kill(d.pid, SIGCONT);
				TAP_FAIL("could not fill ringd's backlog: "
					 "connect "
					 "%u: %s",
				    n, tap_rcname(-e));
			}
			break;
		}
		fds[n++] = fd;
	}
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c;
		struct ring_ctl_status st;
		int rc = ring_ctl_connect(d.sock, NULL, &c);

		if (rc < 0)
			TAP_FAIL("ring_ctl_connect to a busy ringd (backlog "
				 "full, "
				 "back in 300 ms) = %s",
			    tap_rcname(rc));
		TAP_RC(ring_ctl_status(c, &st), 0);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tu_sleep_ms(300);
	for (i = 0; i < n; i++)
		close(fds[i]);
	TAP_SYS(kill(d.pid, SIGCONT));
	tap_reap(pid);
	td_finish(&d);
}

/* --- built-in schemes ------------------------------------------------- */

static void
null_run(uint32_t flags)
{
	struct ring_ctl *c;
	struct ring_ctl_ring rec;
	struct ring_info info;
	struct ring_sqe s;
	struct ring_cqe cq[8];
	struct ring *r;
	uint64_t id, off, i;
	uint64_t big = flags & RING_PAIR_BITS_32 ? 0x7654321ull
						 : 0x123456789abcull;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "null", 8, flags, 4096, &id);
	ring_get_info(r, &info);
	TAP_EQ(info.role, RING_ROLE_CONSUMER);
	TAP_EQ(info.flags, flags);
	TAP_EQ(info.sq_entries, 8);
	TAP_EQ(info.cq_entries, 8);
	TAP_EQ(info.sqe_size, flags ? 32 : 64);
	TAP_EQ(info.cqe_size, flags ? 16 : 32);
	TAP_EQ(info.pool_bytes, 4096);
	TAP_RC(ring_pool_alloc(r, 256, &off), 0);

	EXPECT_STATUS(r, RING_OP_NOOP, big, 0, 0, 0);
	EXPECT_STATUS(r, RING_OP_READ, 2, off, 256, 0);
	EXPECT_STATUS(r, RING_OP_WRITE, 3, off, 256, 256);
	EXPECT_STATUS(r, RING_OP_WRITE, 4, off, 0, 0);
	/* null takes every byte written without looking at the pool */
	EXPECT_STATUS(r, RING_OP_WRITE, 5, 0, 100000, 100000);
	/* what null does not serve */
	EXPECT_STATUS(r, RING_OP_FSYNC, 6, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, RING_OP_OPEN, 7, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, 200, 8, 0, 0, -ENOSYS);
	EXPECT_STATUS(r, 255, 9, 0, 0, -ENOSYS);
	/* unknown SQE flags are refused, known ones are not */
	s = sqe_make(RING_OP_NOOP, 10, 0, 0);
	s.flags = 0x80;
	td_roundtrip(r, &s, &cq[0]);
	TAP_EQ((int64_t)cq[0].status, -EINVAL);
	s.flags = RING_SQE_DRAIN;
	td_roundtrip(r, &s, &cq[0]);
	TAP_EQ((int64_t)cq[0].status, 0);

	/* a full queue at once: eight CQEs, in order */
	for (i = 0; i < 8; i++) {
		s = sqe_make(RING_OP_WRITE, 100 + i, off, i);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	for (i = 0; i < 8; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq[i], 5000), 0);
		TAP_EQ_U(cq[i].user_data, 100 + i);
		TAP_EQ_U(cq[i].status, i);
	}
	TAP_RC(ring_cq_pop(r, &cq[0]), -EAGAIN);

	/* ringd's model: built-in rings have no producer process */
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.producer.pid, 0);
	TAP_EQ(rec.consumer.pid, getpid());
	TAP_EQ(rec.flags, flags);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ(rec.sq.push_epoch, 19);
	TAP_EQ(rec.sq.pop_epoch, 19);
	TAP_EQ(rec.cq.push_epoch, 19);
	TAP_EQ(rec.cq.pop_epoch, 19);
	if (strcmp(rec.scheme, "null") != 0)
		TAP_FAIL("ring's scheme is '%s'", rec.scheme);

	/* a 32-bit CQE holds results up to 2^32 - 4096 and no more */
	if (flags & RING_PAIR_BITS_32) {
		EXPECT_STATUS(r, RING_OP_WRITE, 11, 0, 0xfffff000u,
		    0xfffff000u);
		EXPECT_STATUS(r, RING_OP_WRITE, 12, 0, 0xfffff001u, -EOVERFLOW);
		EXPECT_STATUS(r, RING_OP_WRITE, 13, 0, 0xffffffffu, -EOVERFLOW);
		EXPECT_STATUS(r, RING_OP_NOOP, 14, 0, 0, 0);
	}
	td_close_ring(c, r, id);
	/* closing it twice is an error, not a crash */
	TAP_RC(ring_ctl_close_ring(c, id), -ENOENT);
	ring_ctl_close(c);
	td_finish(&d);
}

static void
test_null64(void)
{
	null_run(0);
}

static void
test_null32(void)
{
	null_run(RING_PAIR_BITS_32);
}

/* Is p[from, to) all byte b? */
static void
check_bytes(const uint8_t *p, size_t from, size_t to, uint8_t b)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != b)
			TAP_FAIL("pool byte %zu is %#x, expected %#x", i, p[i],
			    b);
	TAP_HERE();
}

static void
zero_run(uint32_t flags)
{
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id, off, off2;
	uint8_t *p;
	void *vp;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "zero", 4, flags, 8192, &id);
	TAP_RC(ring_pool_alloc(r, 512, &off), 0);
	TAP_RC(ring_pool_resolve(r, off, 512, &vp), 0);
	p = vp;
	memset(p, 0xff, 512);

	/* zero the middle of the range only */
	EXPECT_STATUS(r, RING_OP_READ, 1, off + 64, 128, 128);
	check_bytes(p, 0, 64, 0xff);
	check_bytes(p, 64, 192, 0);
	check_bytes(p, 192, 512, 0xff);
	/* then all of it */
	EXPECT_STATUS(r, RING_OP_READ, 2, off, 512, 512);
	check_bytes(p, 0, 512, 0);
	EXPECT_STATUS(r, RING_OP_READ, 3, off, 0, 0);
	EXPECT_STATUS(r, RING_OP_NOOP, 4, 0, 0, 0);

	/* ranges the consumer did not allocate are not touched */
	TAP_RC(ring_pool_alloc(r, 64, &off2), 0);
	TAP_RC(ring_pool_resolve(r, off2, 64, &vp), 0);
	memset(vp, 0xee, 64);
	EXPECT_STATUS(r, RING_OP_READ, 5, off, 512 + 64 + 4096, -EFAULT);
	EXPECT_STATUS(r, RING_OP_READ, 6, 8192 - 64, 128, -EFAULT);
	TAP_RC(ring_pool_free(r, off, 512), 0);
	EXPECT_STATUS(r, RING_OP_READ, 7, off, 64, -EFAULT);
	check_bytes(vp, 0, 64, 0xee);

	/* zero writes nothing */
	EXPECT_STATUS(r, RING_OP_WRITE, 8, off2, 64, -ENOSYS);
	EXPECT_STATUS(r, 131, 9, 0, 0, -ENOSYS);

	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	ring_ctl_close(c);
	td_finish(&d);
}

static void
test_zero64(void)
{
	zero_run(0);
}

static void
test_zero32(void)
{
	zero_run(RING_PAIR_BITS_32);
}

/* echo's documented result (ringd(8)): user_data ^ pattern, sign cleared. */
static uint64_t
echo_result(uint64_t ud, bool b32)
{
	if (b32)
		return (ud ^ 0x5a5a5a5aull) & 0x7fffffffull;
	return (ud ^ 0x5a5a5a5a5a5a5a5aull) & 0x7fffffffffffffffull;
}

static void
echo_run(uint32_t flags)
{
	bool b32 = flags & RING_PAIR_BITS_32;
	static const uint64_t uds64[] = { 0, 1, 0x5a5a5a5a5a5a5a5aull,
		0xffffffffffffffffull, 0x8000000000000000ull, 0x123456789ull };
	static const uint64_t uds32[] = { 0, 1, 0x5a5a5a5a, 0xffffffff,
		0x80000000, 0x12345678 };
	const uint64_t *uds = b32 ? uds32 : uds64;
	struct ring_ctl *c;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id, i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	r = td_open(c, "echo", 16, flags, 0, &id);
	for (i = 0; i < 6; i++) {
		/* echo answers every opcode, and carries len in extra */
		s = sqe_make((uint8_t)(i * 51), uds[i], 0, 1000 + i);
		td_roundtrip(r, &s, &cq);
		TAP_EQ_U(cq.status, echo_result(uds[i], b32));
		TAP_EQ_U(cq.extra, 1000 + i);
		TAP_EQ_U(cq.flags, 0);
		TAP_EQ(ring_cqe_errno(&cq), 0);
	}
	/* a stream deeper than the ring, checked entry by entry */
	{
		uint64_t sent = 0, got = 0, total = tap_scaled(5000, 200);
		int rc;

		while (got < total) {
			while (sent < total && sent - got < 16) {
				s = sqe_make(RING_OP_NOOP, sent * 7 + 1, 0, 0);
				rc = ring_sq_push(r, &s);
				if (rc == -EAGAIN)
					break;
				if (rc < 0)
					TAP_FAIL("push %llu: %s",
					    (unsigned long long)sent,
					    tap_rcname(rc));
				sent++;
			}
			rc = td_cq_pop_wait(r, &cq, 5000);
			if (rc < 0)
				TAP_FAIL("CQE %llu: %s",
				    (unsigned long long)got, tap_rcname(rc));
			if (cq.user_data != got * 7 + 1 ||
			    cq.status != echo_result(got * 7 + 1, b32))
				TAP_FAIL("CQE %llu: user_data %#llx status "
					 "%#llx",
				    (unsigned long long)got,
				    (unsigned long long)cq.user_data,
				    (unsigned long long)cq.status);
			got++;
		}
		TAP_HERE();
	}
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	ring_ctl_close(c);
	td_finish(&d);
}

static void
test_echo64(void)
{
	echo_run(0);
}

static void
test_echo32(void)
{
	echo_run(RING_PAIR_BITS_32);
}

/* --- errors from OPEN -------------------------------------------------- */

static void
expect_open(struct ring_ctl *c, const char *scheme, uint32_t sq, uint32_t cq,
    uint32_t flags, uint32_t reserved, uint64_t pool, int want)
{
	struct ring_params p;
	struct ring *r = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	p.sq_entries = sq;
	p.cq_entries = cq;
	p.flags = flags;
	p.reserved = reserved;
	p.pool_bytes = pool;
	rc = ring_ctl_open(c, scheme, &p, &r, NULL);
	if (rc != want)
		TAP_FAIL("open '%s' sq %u cq %u flags %#x reserved %u pool "
			 "%llu "
			 "= %s, expected %s",
		    scheme, sq, cq, flags, reserved, (unsigned long long)pool,
		    tap_rcname(rc), tap_rcname(want));
	if (rc == 0)
		ring_close(r);
	TAP_HERE();
}

static void
test_open_errors(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct ring_ctl_ring *v;
	uint64_t ops[4];
	size_t n;

	td_begin(&d, "max_entries = 256\nmax_pool_bytes = 1M\n");
	c = td_connect(&d);
	expect_open(c, "nosuch", 8, 0, 0, 0, 0, -ENODEV);
	expect_open(c, "nul", 8, 0, 0, 0, 0, -ENODEV);
	TAP_RC(ring_ctl_probe(c, "nosuch", ops), -ENODEV);
	expect_open(c, "null", 0, 0, 0, 0, 0, -EINVAL);
	expect_open(c, "null", 3, 0, 0, 0, 0, -EINVAL);
	expect_open(c, "null", 8, 6, 0, 0, 0, -EINVAL);
	expect_open(c, "null", 8, 0, 0x2, 0, 0, -EINVAL);
	expect_open(c, "null", 8, 0, 0x80000000u, 0, 0, -EINVAL);
	expect_open(c, "null", 8, 0, 0, 1, 0, -EINVAL);
	/* over the configured limits */
	expect_open(c, "null", 512, 0, 0, 0, 0, -E2BIG);
	expect_open(c, "null", 8, 512, 0, 0, 0, -E2BIG);
	expect_open(c, "null", 65536, 0, 0, 0, 0, -E2BIG);
	expect_open(c, "null", 8, 0, 0, 0, (1 << 20) + 1, -E2BIG);
	expect_open(c, "null", 8, 0, 0, 0, 1ull << 40, -E2BIG);
	/* bad names never leave the library */
	expect_open(c, "", 8, 0, 0, 0, 0, -EINVAL);
	expect_open(c, "a/b", 8, 0, 0, 0, 0, -EINVAL);
	/* right at the limits is fine */
	expect_open(c, "null", 256, 256, 0, 0, 1 << 20, 0);
	/* a pool is rounded up to whole pages */
	{
		struct ring_info info;
		struct ring_ctl_ring rec;
		uint64_t id;
		struct ring *r = td_open(c, "zero", 2, 0, 1000, &id);

		ring_get_info(r, &info);
		TAP_EQ(info.pool_bytes, 4096);
		TAP_ASSERT(td_find_ring(c, id, &rec));
		TAP_EQ(rec.pool_bytes, 4096);
		ring_close(r);
		TAP_RC(ring_ctl_close_ring(c, id), 0);
	}
	expect_open(c, "echo", 1, 1, RING_PAIR_BITS_32, 0, 0, 0);
	/* every refused open left nothing behind */
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
	free(v);
	/* but the two that opened: closed on our side, not told to ringd */
	TAP_EQ(n, 2);
	TAP_EQ(st.rings, 2);
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- external schemes ---------------------------------------------------- */

#define TS_NAME "t-scheme"
static const uint8_t ts_ops[] = { RING_OP_NOOP, RING_OP_READ, 130 };

/* What our test schemes answer: a function of the whole SQE. */
static uint64_t
ts_result(const struct ring_sqe *s)
{
	return s->user_data * 3 + s->opcode + s->len;
}

struct served {
	struct ring *r;
	uint64_t id;
	uint64_t n;
	bool done;
};

/*
 * Serve the rings in v (accepted already) until each was shut down by
 * its consumer, answering with ts_result(); then leave each ring and
 * tell ringd (CLOSE).  Fails after 20 s.
 */
static void
serve_until_shutdown(struct ring_ctl *sc, struct served *v, unsigned nv)
{
	uint64_t t0 = tu_now_ns();
	unsigned left = nv, i;
	struct ring_sqe s;
	struct ring_cqe cq;
	bool busy;
	int rc;

	while (left > 0) {
		busy = false;
		for (i = 0; i < nv; i++) {
			if (v[i].done)
				continue;
			rc = ring_sq_pop(v[i].r, &s);
			if (rc == -EAGAIN)
				continue;
			if (rc == -ESHUTDOWN) {
				ring_close(v[i].r);
				TAP_RC(ring_ctl_close_ring(sc, v[i].id), 0);
				v[i].done = true;
				left--;
				continue;
			}
			if (rc < 0)
				TAP_FAIL("ring %llu: pop: %s",
				    (unsigned long long)v[i].id,
				    tap_rcname(rc));
			memset(&cq, 0, sizeof(cq));
			cq.user_data = s.user_data;
			cq.status = ts_result(&s);
			do {
				rc = ring_cq_push(v[i].r, &cq);
			} while (rc == -EAGAIN &&
			    ring_wait(v[i].r, RING_EV_OUT, 1000000000) > 0);
			if (rc < 0)
				TAP_FAIL("ring %llu: CQ push: %s",
				    (unsigned long long)v[i].id,
				    tap_rcname(rc));
			v[i].n++;
			busy = true;
		}
		if (!busy) {
			if (tu_now_ns() - t0 > 20000000000ull)
				TAP_FAIL("serving: %u rings still open after "
					 "20 s",
				    left);
			usleep(100);
		}
	}
	TAP_HERE();
}

/* Consumer side: n round trips and a pipelined burst through r. */
static void
consume(struct ring *r, uint64_t base, unsigned n)
{
	struct ring_sqe s;
	struct ring_cqe cq;
	unsigned i;

	for (i = 0; i < n; i++) {
		s = sqe_make(ts_ops[i % 3], base + i, 0, i);
		td_roundtrip(r, &s, &cq);
		if (cq.status != ts_result(&s))
			TAP_FAIL("round trip %u: status %#llx, expected %#llx",
			    i, (unsigned long long)cq.status,
			    (unsigned long long)ts_result(&s));
	}
	for (i = 0; i < 8; i++) {
		s = sqe_make(RING_OP_NOOP, base + 1000 + i, 0, 0);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	for (i = 0; i < 8; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq, 5000), 0);
		TAP_EQ_U(cq.user_data, base + 1000 + i);
		TAP_EQ_U(cq.status, (base + 1000 + i) * 3);
	}
	TAP_HERE();
}

/* Check that an attach names who opened it and with what. */
static void
check_attach(const struct ring_attach *a, const char *scheme, pid_t pid,
    uid_t uid, gid_t gid, uint32_t sq, uint32_t flags, uint64_t pool)
{
	if (strcmp(a->scheme, scheme) != 0)
		TAP_FAIL("attach for scheme '%s', expected '%s'", a->scheme,
		    scheme);
	TAP_EQ(a->consumer.pid, pid);
	TAP_EQ(a->consumer.uid, uid);
	TAP_EQ(a->consumer.gid, gid);
	TAP_ASSERT(a->consumer.comm[0] != '\0');
	TAP_EQ(a->params.sq_entries, sq);
	TAP_EQ(a->params.flags, flags);
	TAP_EQ(a->params.pool_bytes, pool);
	TAP_ASSERT(a->ring_id != 0);
	TAP_ASSERT(a->fds.mem >= 0 && a->fds.doorbell[0] >= 0 &&
	    a->fds.doorbell[1] >= 0);
}

/*
 * The scheme in a forked child: register, wait for an attach, check it
 * carries our (the consumer's) pid/uid/gid and comm, accept, serve.
 */
static void
test_external(void)
{
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *sc = td_connect(&d);
		struct ring_attach a;
		struct served v = { 0 };
		char comm[RING_CTL_COMM_MAX];
		uint64_t ops[4];

		TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
		tu_notify(p[1]);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		check_attach(&a, TS_NAME, getppid(), getuid(), getgid(), 16, 0,
		    4096);
		my_comm(comm, sizeof(comm));
		if (strcmp(a.consumer.comm, comm) != 0)
			TAP_FAIL("attach comm '%s', expected '%s'",
			    a.consumer.comm, comm);
		TAP_RC(ring_ctl_accept(sc, &a, &v.r), 0);
		v.id = a.ring_id;
		serve_until_shutdown(sc, &v, 1);
		TAP_EQ(v.n, 58);
		/* a scheme can probe its own name too */
		TAP_RC(ring_ctl_probe(sc, TS_NAME, ops), 0);
		TAP_EQ_U(ops[2], 1ull << 2);
		ring_ctl_close(sc);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	c = td_connect(&d);
	r = td_open(c, TS_NAME, 16, 0, 4096, &id);
	consume(r, 0x1000, 50);
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	tap_reap(pid);
	td_await_ring_gone(c, id);
	ring_ctl_close(c);
	close(p[0]);
	close(p[1]);
	td_finish(&d);
}

/* Two consumer processes, one scheme (this process) serving both. */
static void
test_two_consumers(void)
{
	struct ring_ctl *sc;
	struct ring_attach a;
	struct served v[2];
	pid_t pids[2];
	unsigned i, k;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
	for (k = 0; k < 2; k++) {
		pids[k] = tap_fork();
		if (pids[k] == 0) {
			struct ring_ctl *c = td_connect(&d);
			uint64_t id;
			struct ring *r = td_open(c, TS_NAME, 8,
			    k ? RING_PAIR_BITS_32 : 0, 0, &id);

			consume(r, 0x100000 * (k + 1), 40);
			ring_close(r);
			TAP_RC(ring_ctl_close_ring(c, id), 0);
			ring_ctl_close(c);
			tap_child_exit();
		}
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < 2; i++) {
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		/* which one is it?  Each consumer asked with its own flags */
		k = a.consumer.pid == (uint32_t)pids[1];
		if (a.consumer.pid != (uint32_t)pids[k])
			TAP_FAIL("attach from pid %u, neither consumer (%d, "
				 "%d)",
			    a.consumer.pid, (int)pids[0], (int)pids[1]);
		check_attach(&a, TS_NAME, pids[k], getuid(), getgid(), 8,
		    k ? RING_PAIR_BITS_32 : 0, 0);
		if (v[k].r != NULL)
			TAP_FAIL("two attaches from pid %u", a.consumer.pid);
		TAP_RC(ring_ctl_accept(sc, &a, &v[k].r), 0);
		v[k].id = a.ring_id;
	}
	TAP_ASSERT(v[0].id != v[1].id);
	serve_until_shutdown(sc, v, 2);
	tap_reap(pids[0]);
	tap_reap(pids[1]);
	TAP_EQ(v[0].n, 48);
	TAP_EQ(v[1].n, 48);
	td_await_ring_gone(sc, v[0].id);
	td_await_ring_gone(sc, v[1].id);
	ring_ctl_close(sc);
	td_finish(&d);
}

/*
 * The scheme says no (-EACCES, then -EPERM), closes before answering
 * (-ECONNREFUSED), does not answer at all (-ETIMEDOUT after
 * accept_timeout_ms), or dies with the attach pending (-ECONNRESET).
 */
static void
test_refuse(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct ring_params prm;
	struct ring *r;
	uint64_t t0;
	int p[2];
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 300\n");
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *sc = td_connect(&d);
		struct ring_attach a;

		TAP_RC(ring_ctl_register(sc, TS_NAME, NULL, 0), 0);
		tu_notify(p[1]);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_refuse(sc, &a, -EACCES), 0);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_refuse(sc, &a, -EPERM), 0);
		/* the same answer twice: the ring is gone by now */
		TAP_NEG(ring_ctl_refuse(sc, &a, -EACCES));
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		TAP_RC(ring_ctl_close_ring(sc, a.ring_id), 0);
		/* say nothing to the next one; ringd lists it as pending */
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		{
			struct ring_ctl_ring rec;

			TAP_ASSERT(td_find_ring(sc, a.ring_id, &rec));
			TAP_EQ(rec.state, RING_CTL_PENDING);
			TAP_EQ(rec.consumer.pid, getppid());
			TAP_EQ(rec.producer.pid, getpid());
		}
		tu_notify(p[1]);
		/* and die while the last one waits */
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		ring_fds_close(&a.fds);
		_exit(0);
	}
	tu_await(p[0], 5000);
	c = td_connect(&d);
	memset(&prm, 0, sizeof(prm));
	prm.sq_entries = 4;
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -EACCES);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -EPERM);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ECONNREFUSED);
	t0 = tu_now_ns();
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ETIMEDOUT);
	TAP_ASSERT(tu_now_ns() - t0 >= 250000000ull);
	TAP_ASSERT(tu_now_ns() - t0 < 3000000000ull);
	tu_await(p[0], 5000);
	TAP_RC(ring_ctl_open(c, TS_NAME, &prm, &r, NULL), -ECONNRESET);
	tap_reap(pid);
	/* nothing of all that is left */
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.rings, 0);
	td_await_scheme_gone(c, TS_NAME);
	expect_open(c, TS_NAME, 4, 0, 0, 0, 0, -ENODEV);
	ring_ctl_close(c);
	close(p[0]);
	close(p[1]);
	td_finish(&d);
}

/*
 * The consumer dies while its open waits for the scheme: the scheme's
 * late accept is told -ESHUTDOWN and nothing is left behind.
 */
static void
test_consumer_leaves_pending(void)
{
	struct ring_ctl *sc;
	struct ring_ctl_status st;
	struct ring_attach a;
	struct ring *r = NULL;
	uint64_t t0;
	pid_t pid;

	td_begin(&d, NULL);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_register(sc, TS_NAME, NULL, 0), 0);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c = td_connect(&d);

		(void)td_open(c, TS_NAME, 8, 0, 0, NULL);
		TAP_FAIL("the open returned although nobody accepted");
	}
	TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
	TAP_EQ(a.consumer.pid, pid);
	tap_kill(pid);
	t0 = tu_now_ns();
	do {
		tu_sleep_ms(5);
		TAP_RC(ring_ctl_status(sc, &st), 0);
	} while (st.clients != 1 && tu_now_ns() - t0 < 3000000000ull);
	TAP_EQ(st.clients, 1);
	TAP_RC(ring_ctl_accept(sc, &a, &r), -ESHUTDOWN);
	TAP_ASSERT(r == NULL);
	TAP_RC(ring_ctl_status(sc, &st), 0);
	TAP_EQ(st.rings, 0);
	ring_ctl_close(sc);
	td_finish(&d);
}

/* max_rings and max_schemes count across clients: -ENFILE past them. */
static void
test_global_limits(void)
{
	struct ring_ctl *c1, *c2;
	struct ring_params p = { .sq_entries = 2 };
	struct ring *r[4];
	uint64_t id;

	td_begin(&d,
	    "max_rings = 3\nmax_schemes = 4\nmax_schemes_per_client = 3\n"
	    "max_rings_per_client = 2\n");
	c1 = td_connect(&d);
	c2 = td_connect(&d);
	r[0] = td_open(c1, "null", 2, 0, 0, NULL);
	r[1] = td_open(c1, "echo", 2, 0, 0, NULL);
	TAP_RC(ring_ctl_open(c1, "zero", &p, &r[3], NULL), -EMFILE);
	r[2] = td_open(c2, "null", 2, 0, 0, &id);
	TAP_RC(ring_ctl_open(c2, "null", &p, &r[3], NULL), -ENFILE);
	/* one closed: room again */
	ring_close(r[2]);
	TAP_RC(ring_ctl_close_ring(c2, id), 0);
	r[2] = td_open(c2, "zero", 2, 0, 0, NULL);

	TAP_RC(ring_ctl_register(c1, "s1", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s2", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s3", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "s4", NULL, 0), -EMFILE);
	TAP_RC(ring_ctl_register(c2, "s4", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c2, "s5", NULL, 0), -ENFILE);
	TAP_RC(ring_ctl_unregister(c1, "s1"), 0);
	TAP_RC(ring_ctl_register(c2, "s5", NULL, 0), 0);
	ring_close(r[0]);
	ring_close(r[1]);
	ring_close(r[2]);
	ring_ctl_close(c1);
	ring_ctl_close(c2);
	td_finish(&d);
}

/*
 * With few descriptors, rings stop with -ENFILE while some are still free:
 * ringd never runs itself out of descriptors for new clients.
 */
static void
test_fd_budget(void)
{
	struct ring_ctl *c, *c2;
	struct ring_ctl_status st;
	struct ring_params p = { .sq_entries = 2 };
	struct ring *r[64];
	unsigned n = 0, i;
	int rc;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, TD_NOFILE_64);
	c = td_connect(&d);
	while (n < 64) {
		rc = ring_ctl_open(c, n % 2 ? "null" : "echo", &p, &r[n], NULL);
		if (rc < 0)
			break;
		n++;
	}
	tap_diag("%u rings with RLIMIT_NOFILE 64", n);
	TAP_RC(rc, -ENFILE);
	TAP_ASSERT(n > 0);
	/* descriptors are left for a new client */
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_status(c2, &st), 0);
	TAP_EQ_U(st.rings, n);
	ring_ctl_close(c2);
	for (i = 0; i < n; i++)
		ring_close(r[i]);
	ring_ctl_close(c);
	td_finish(&d);
}

/* --- probe and the introspection lists ---------------------------------- */

static void
test_probe(void)
{
	struct ring_ctl *c, *sc;
	uint64_t ops[4];
	static const uint8_t many[] = { 0, 63, 64, 127, 128, 191, 192, 255 };

	td_begin(&d, NULL);
	c = td_connect(&d);
	sc = td_connect(&d);
	TAP_RC(ring_ctl_probe(c, "null", ops), 0);
	TAP_EQ_U(ops[0],
	    (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ) |
		(1ull << RING_OP_WRITE));
	TAP_EQ_U(ops[1] | ops[2] | ops[3], 0);
	TAP_RC(ring_ctl_probe(c, "zero", ops), 0);
	TAP_EQ_U(ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops[1] | ops[2] | ops[3], 0);
	/* echo answers every opcode */
	TAP_RC(ring_ctl_probe(c, "echo", ops), 0);
	TAP_EQ_U(ops[0] & ops[1] & ops[2] & ops[3], ~0ull);

	TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
	TAP_RC(ring_ctl_probe(c, TS_NAME, ops), 0);
	TAP_EQ_U(ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops[1], 0);
	TAP_EQ_U(ops[2], 1ull << (130 - 128));
	TAP_EQ_U(ops[3], 0);
	TAP_RC(ring_ctl_register(sc, "t-many", many, 8), 0);
	TAP_RC(ring_ctl_probe(c, "t-many", ops), 0);
	TAP_EQ_U(ops[0], 1ull | 1ull << 63);
	TAP_EQ_U(ops[1], 1ull | 1ull << 63);
	TAP_EQ_U(ops[2], 1ull | 1ull << 63);
	TAP_EQ_U(ops[3], 1ull | 1ull << 63);
	/* undeclared: all zero */
	TAP_RC(ring_ctl_register(sc, "t-none", NULL, 0), 0);
	TAP_RC(ring_ctl_probe(c, "t-none", ops), 0);
	TAP_EQ_U(ops[0] | ops[1] | ops[2] | ops[3], 0);
	TAP_RC(ring_ctl_probe(c, "t-nosuch", ops), -ENODEV);
	ring_ctl_close(sc);
	td_await_scheme_gone(c, "t-many");
	TAP_RC(ring_ctl_probe(c, TS_NAME, ops), -ENODEV);
	ring_ctl_close(c);
	td_finish(&d);
}

/* Names a scheme gives its own opcodes: kept, served, checked, dropped. */
static void
test_opnames(void)
{
	static const uint8_t ops[] = { RING_OP_NOOP, RING_OP_READ, 128, 129,
		200, 255 };
	static const struct ring_ctl_opname good[] = { { 255, "last_one" },
		{ 128, "identify" }, { 200, "x9" } };
	static const struct {
		const char *why;
		struct ring_ctl_opname n;
	} bad[] = {
		{ "a standard opcode", { RING_OP_READ, "myread" } },
		{ "an opcode not served", { 130, "stray" } },
		{ "uppercase", { 129, "Capacity" } },
		{ "a leading digit", { 129, "9lives" } },
		{ "a leading underscore", { 129, "_cap" } },
		{ "a dash", { 129, "cap-a" } },
		{ "empty", { 129, "" } },
		{ "a Redox name", { 129, "read" } },
		{ "a Redox name", { 129, "regular_syscall" } },
		{ "the same name twice", { 129, "identify" } },
		{ "a second name for an opcode", { 128, "other" } },
	};
	struct ring_ctl_opname two[2], *v = NULL;
	struct ring_ctl *c, *sc, *sc2;
	uint64_t ops4[4];
	size_t n, i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	sc = td_connect(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		two[0] = good[1];
		two[1] = bad[i].n;
		if (ring_ctl_register_names(sc, "t-named", ops, sizeof(ops),
			two, 2) != -EINVAL)
			TAP_FAIL("a name that is %s was taken", bad[i].why);
	}
	/* a name filling its field has no room for the NUL */
	memset(two[0].name, 'a', sizeof(two[0].name));
	two[0].op = 128;
	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), two, 1),
	    -EINVAL);
	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), NULL,
		   1),
	    -EINVAL);
	TAP_ASSERT(!td_find_scheme(c, "t-named", NULL));

	TAP_RC(ring_ctl_register_names(sc, "t-named", ops, sizeof(ops), good,
		   3),
	    0);
	TAP_RC(ring_ctl_probe_names(c, "t-named", ops4, &v, &n), 0);
	TAP_EQ(n, 3);
	/* in opcode order, whatever order they were given in */
	TAP_EQ(v[0].op, 128);
	TAP_ASSERT(strcmp(v[0].name, "identify") == 0);
	TAP_EQ(v[1].op, 200);
	TAP_ASSERT(strcmp(v[1].name, "x9") == 0);
	TAP_EQ(v[2].op, 255);
	TAP_ASSERT(strcmp(v[2].name, "last_one") == 0);
	TAP_EQ_U(ops4[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(ops4[2], 3ull);
	TAP_EQ_U(ops4[3], 1ull << (200 - 192) | 1ull << 63);
	free(v);
	/* the plain probe still answers; built-ins have no names */
	TAP_RC(ring_ctl_probe(c, "t-named", ops4), 0);
	TAP_EQ_U(ops4[2], 3ull);
	v = (void *)1;
	TAP_RC(ring_ctl_probe_names(c, "echo", ops4, &v, &n), 0);
	TAP_EQ(n, 0);
	TAP_ASSERT(v == NULL);
	TAP_RC(ring_ctl_probe_names(c, "t-nosuch", ops4, &v, &n), -ENODEV);

	/* the owner leaves: so do its names; a new holder has its own */
	ring_ctl_close(sc);
	td_await_scheme_gone(c, "t-named");
	TAP_RC(ring_ctl_probe_names(c, "t-named", ops4, &v, &n), -ENODEV);
	sc2 = td_connect(&d);
	TAP_RC(ring_ctl_register(sc2, "t-named", ops, sizeof(ops)), 0);
	TAP_RC(ring_ctl_probe_names(c, "t-named", ops4, &v, &n), 0);
	TAP_EQ(n, 0);
	free(v);
	TAP_RC(ring_ctl_unregister(sc2, "t-named"), 0);
	two[0] = (struct ring_ctl_opname){ 129, "capacity" };
	TAP_RC(ring_ctl_register_names(sc2, "t-named", ops, sizeof(ops), two,
		   1),
	    0);
	TAP_RC(ring_ctl_probe_names(c, "t-named", ops4, &v, &n), 0);
	TAP_EQ(n, 1);
	TAP_EQ(v[0].op, 129);
	TAP_ASSERT(strcmp(v[0].name, "capacity") == 0);
	free(v);
	ring_ctl_close(sc2);
	ring_ctl_close(c);
	td_finish(&d);
}

/* A scheme's rings: those attached now, and those ever opened to it. */
static void
test_rings_attached(void)
{
	struct ring_params p = { .sq_entries = 4 };
	struct ring_ctl_scheme rec;
	struct ring_ctl *c, *c2;
	struct ring *r[4];
	uint64_t id[4];
	unsigned i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	c2 = td_connect(&d);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 0);
	TAP_EQ_U(rec.rings_opened, 0);
	for (i = 0; i < 3; i++)
		TAP_RC(ring_ctl_open(c, "echo", &p, &r[i], &id[i]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 3);
	TAP_EQ_U(rec.rings_opened, 3);
	for (i = 0; i < 2; i++) {
		ring_close(r[i]);
		TAP_RC(ring_ctl_close_ring(c, id[i]), 0);
	}
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 1);
	TAP_ASSERT(rec.rings_opened >= 3);
	/* a consumer that goes away leaves with its rings */
	TAP_RC(ring_ctl_open(c2, "echo", &p, &r[3], &id[3]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 2);
	ring_close(r[3]);
	ring_ctl_close(c2);
	td_await_ring_gone(c, id[3]);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 1);
	TAP_EQ_U(rec.rings_opened, 4);
	ring_close(r[2]);
	TAP_RC(ring_ctl_close_ring(c, id[2]), 0);
	TAP_ASSERT(td_find_scheme(c, "echo", &rec));
	TAP_EQ(rec.rings, 0);
	TAP_EQ_U(rec.rings_opened, 4);
	ring_ctl_close(c);
	td_finish(&d);
}

static const struct ring_ctl_scheme *
find_scheme(const struct ring_ctl_scheme *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static const struct ring_ctl_client *
find_client(const struct ring_ctl_client *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].peer.pid == (uint32_t)pid)
			return &v[i];
	return NULL;
}

/*
 * What ringd lists while a scheme child holds a name and a ring we
 * opened carries traffic it has not served yet, then after it did.
 */
static void
test_lists(void)
{
	static const char *const builtins[] = { "echo", "null", "zero" };
	const struct ring_ctl_scheme *sp;
	const struct ring_ctl_client *cp;
	struct ring_ctl_scheme *sv;
	struct ring_ctl_client *cv;
	struct ring_ctl_ring rec;
	struct ring_ctl_status st;
	struct ring_ctl *c;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r, *rn;
	uint64_t id, idn;
	size_t n, i;
	int p[2], q[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(p);
	tu_pipe(q);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *sc = td_connect(&d);
		struct ring_attach a;
		struct served v = { 0 };

		TAP_RC(ring_ctl_register(sc, TS_NAME, ts_ops, 3), 0);
		tu_notify(p[1]);
		TAP_RC(ring_ctl_wait_attach(sc, &a, 5000), 0);
		TAP_RC(ring_ctl_accept(sc, &a, &v.r), 0);
		v.id = a.ring_id;
		tu_await(q[0], 10000); /* serve only when told */
		serve_until_shutdown(sc, &v, 1);
		ring_ctl_close(sc);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	c = td_connect(&d);
	r = td_open(c, TS_NAME, 16, 0, 8192, &id);
	rn = td_open(c, "null", 4, RING_PAIR_BITS_32, 0, &idn);

	/* schemes: the built-ins and the child's */
	TAP_RC(ring_ctl_list_schemes(c, &sv, &n), 0);
	TAP_EQ(n, 4);
	for (i = 0; i < 3; i++) {
		if ((sp = find_scheme(sv, n, builtins[i])) == NULL)
			TAP_FAIL("built-in '%s' not listed", builtins[i]);
		TAP_EQ(sp->builtin, 1);
	}
	if ((sp = find_scheme(sv, n, TS_NAME)) == NULL)
		TAP_FAIL("scheme '%s' not listed", TS_NAME);
	TAP_EQ(sp->builtin, 0);
	TAP_EQ(sp->owner.pid, pid);
	TAP_EQ(sp->owner.uid, getuid());
	TAP_EQ(sp->owner.gid, getgid());
	TAP_EQ(sp->rings, 1);
	TAP_EQ_U(sp->ops[0], (1ull << RING_OP_NOOP) | (1ull << RING_OP_READ));
	TAP_EQ_U(sp->ops[2], 1ull << 2);
	sp = find_scheme(sv, n, "null");
	TAP_EQ(sp->rings, 1);
	free(sv);

	/* five SQEs the producer has not taken */
	for (i = 0; i < 5; i++) {
		s = sqe_make(RING_OP_NOOP, 500 + i, 0, 0);
		TAP_RC(ring_sq_push(r, &s), 0);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	if (strcmp(rec.scheme, TS_NAME) != 0)
		TAP_FAIL("ring's scheme is '%s'", rec.scheme);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ(rec.consumer.pid, getpid());
	TAP_EQ(rec.consumer.uid, getuid());
	TAP_EQ(rec.producer.pid, pid);
	TAP_EQ(rec.producer.uid, getuid());
	TAP_EQ(rec.flags, 0);
	TAP_EQ(rec.sq_entries, 16);
	TAP_EQ(rec.cq_entries, 16);
	TAP_EQ(rec.sqe_size, 64);
	TAP_EQ(rec.cqe_size, 32);
	TAP_EQ(rec.pool_bytes, 8192);
	TAP_EQ(rec.sq.depth, 5);
	TAP_EQ(rec.sq.tail - rec.sq.head, 5);
	TAP_EQ(rec.sq.push_epoch, 5);
	TAP_EQ(rec.sq.pop_epoch, 0);
	TAP_EQ(rec.cq.depth, 0);
	TAP_EQ(rec.cq.push_epoch, 0);
	TAP_EQ_U(rec.sq.status, 0);

	/* the 32-bit ring to null */
	TAP_ASSERT(td_find_ring(c, idn, &rec));
	TAP_EQ(rec.flags, RING_PAIR_BITS_32);
	TAP_EQ(rec.sqe_size, 32);
	TAP_EQ(rec.cqe_size, 16);
	TAP_EQ(rec.sq_entries, 4);
	TAP_EQ(rec.producer.pid, 0);

	/* clients: us with two rings, the child with one scheme */
	TAP_RC(ring_ctl_list_clients(c, &cv, &n), 0);
	TAP_EQ(n, 2);
	if ((cp = find_client(cv, n, getpid())) == NULL)
		TAP_FAIL("this process is not a listed client");
	TAP_EQ(cp->rings, 2);
	TAP_EQ(cp->schemes, 0);
	if ((cp = find_client(cv, n, pid)) == NULL)
		TAP_FAIL("the scheme process is not a listed client");
	TAP_EQ(cp->rings, 0);
	TAP_EQ(cp->schemes, 1);
	free(cv);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.schemes, 4);
	TAP_EQ(st.rings, 2);
	TAP_EQ(st.clients, 2);

	/* now the producer serves: the epochs follow */
	tu_notify(q[1]);
	for (i = 0; i < 5; i++) {
		TAP_RC(td_cq_pop_wait(r, &cq, 5000), 0);
		TAP_EQ_U(cq.user_data, 500 + i);
	}
	TAP_ASSERT(td_find_ring(c, id, &rec));
	TAP_EQ(rec.sq.depth, 0);
	TAP_EQ(rec.sq.push_epoch, 5);
	TAP_EQ(rec.sq.pop_epoch, 5);
	TAP_EQ(rec.cq.push_epoch, 5);
	TAP_EQ(rec.cq.pop_epoch, 5);
	TAP_EQ(rec.cq.depth, 0);

	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	tap_reap(pid);
	td_await_ring_gone(c, id);
	td_close_ring(c, rn, idn);
	td_await_scheme_gone(c, TS_NAME);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.schemes, 3);
	TAP_EQ(st.rings, 0);
	ring_ctl_close(c);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	td_finish(&d);
}

/*
 * Lists taken while rings, schemes and clients come and go under them
 * (a helper churns all three): every list ends, holds no record twice,
 * rings and clients come in ascending id order, schemes in name order,
 * and what never changes (our rings, the built-ins) is always there.
 */
static void
test_lists_churn(void)
{
	struct ring_ctl *c;
	struct ring *r[64];
	uint64_t ids[64];
	unsigned i, k, round;
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	for (i = 0; i < 64; i++)
		r[i] = td_open(c, i % 2 ? "null" : "echo", 2, 0, 0, &ids[i]);
	pid = tap_fork();
	if (pid == 0) {
		char name[32];

		for (k = 0;; k++) {
			struct ring_ctl *hc = td_connect(&d);
			struct ring *hr[8];

			snprintf(name, sizeof(name), "churn-%u", k % 50);
			(void)ring_ctl_register(hc, name, NULL, 0);
			for (i = 0; i < 8; i++)
				hr[i] = td_open(hc, "null", 2, 0, 0, NULL);
			for (i = 0; i < 8; i++)
				ring_close(hr[i]);
			ring_ctl_close(hc);
		}
	}
	for (round = 0; round < 60; round++) {
		struct ring_ctl_ring *rv;
		struct ring_ctl_scheme *sv;
		struct ring_ctl_client *cv;
		size_t n, j, mine = 0;

		TAP_RC(ring_ctl_list_rings(c, &rv, &n), 0);
		for (j = 0; j < n; j++) {
			if (j > 0 && rv[j].ring_id <= rv[j - 1].ring_id)
				TAP_FAIL("round %u: ring ids out of order: "
					 "%llu "
					 "after %llu",
				    round, (unsigned long long)rv[j].ring_id,
				    (unsigned long long)rv[j - 1].ring_id);
			for (i = 0; i < 64; i++)
				if (rv[j].ring_id == ids[i])
					mine++;
		}
		free(rv);
		if (mine != 64)
			TAP_FAIL("round %u: %zu of our 64 rings listed", round,
			    mine);
		TAP_RC(ring_ctl_list_schemes(c, &sv, &n), 0);
		for (j = 1; j < n; j++)
			if (strcmp(sv[j - 1].name, sv[j].name) >= 0)
				TAP_FAIL("round %u: schemes '%s' then '%s'",
				    round, sv[j - 1].name, sv[j].name);
		TAP_ASSERT(find_scheme(sv, n, "null") != NULL);
		TAP_ASSERT(find_scheme(sv, n, "echo") != NULL);
		TAP_ASSERT(find_scheme(sv, n, "zero") != NULL);
		free(sv);
		TAP_RC(ring_ctl_list_clients(c, &cv, &n), 0);
		for (j = 1; j < n; j++)
			if (cv[j].client_id <= cv[j - 1].client_id)
				TAP_FAIL("round %u: client ids out of order",
				    round);
		TAP_ASSERT(find_client(cv, n, getpid()) != NULL);
		free(cv);
	}
	tap_kill(pid);
	for (i = 0; i < 64; i++)
		ring_close(r[i]);
	ring_ctl_close(c);
	td_finish(&d);
}

/*
 * A consumer flooding one built-in ring must not starve another: ringd
 * serves each ring a budget per turn.  Round trips on a second ring stay
 * quick while the flood runs.
 */
static void
test_builtin_fairness(void)
{
	struct ring_ctl *c;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe cq;
	uint64_t t0, worst = 0, dt;
	unsigned i;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *fc = td_connect(&d);
		struct ring *fr = td_open(fc, "echo", 4096, 0, 0, NULL);
		struct ring_sqe fs[64];
		struct ring_cqe fq[64];
		bool told = false;

		memset(fs, 0, sizeof(fs));
		for (;;) {
			(void)ring_sq_push_batch(fr, fs, 64);
			while (ring_cq_pop_batch(fr, fq, 64) > 0)
				;
			if (!told) {
				tu_notify(p[1]);
				told = true;
			}
		}
	}
	tu_await(p[0], 5000);
	c = td_connect(&d);
	r = td_open(c, "null", 4, 0, 0, NULL);
	for (i = 0; i < 200; i++) {
		memset(&s, 0, sizeof(s));
		s.user_data = i;
		t0 = tu_now_ns();
		td_roundtrip(r, &s, &cq);
		dt = tu_now_ns() - t0;
		if (dt > worst)
			worst = dt;
	}
	tap_kill(pid);
	tap_diag("worst round trip beside the flood: %.1f ms",
	    (double)worst / 1e6);
	TAP_ASSERT(worst < 1000000000ull);
	ring_close(r);
	ring_ctl_close(c);
	close(p[0]);
	close(p[1]);
	td_finish(&d);
}

/* --- scheme names ------------------------------------------------------ */

static void
test_names(void)
{
	struct ring_ctl *c1, *c2;
	struct ring_ctl_scheme rec;

	td_begin(&d, "max_schemes_per_client = 3\n");
	c1 = td_connect(&d);
	c2 = td_connect(&d);
	TAP_RC(ring_ctl_register(c1, "dup", NULL, 0), 0);
	/* the same client, another client of the same uid: taken */
	TAP_RC(ring_ctl_register(c1, "dup", NULL, 0), -EADDRINUSE);
	TAP_RC(ring_ctl_register(c2, "dup", NULL, 0), -EADDRINUSE);
	/* built-in names are nobody's to take */
	TAP_RC(ring_ctl_register(c1, "null", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_register(c2, "echo", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_register(c2, "zero", NULL, 0), -EPERM);
	/* bad names */
	TAP_RC(ring_ctl_register(c1, "a b", NULL, 0), -EINVAL);
	TAP_RC(ring_ctl_register(c1, "", NULL, 0), -EINVAL);
	/* only the owner gives a name back */
	TAP_RC(ring_ctl_unregister(c2, "dup"), -EPERM);
	TAP_RC(ring_ctl_unregister(c2, "nosuch"), -ENOENT);
	TAP_RC(ring_ctl_unregister(c1, "null"), -EPERM);
	TAP_ASSERT(td_find_scheme(c2, "dup", &rec));
	TAP_EQ(rec.owner.pid, getpid());
	TAP_RC(ring_ctl_unregister(c1, "dup"), 0);
	TAP_ASSERT(!td_find_scheme(c2, "dup", NULL));
	TAP_RC(ring_ctl_unregister(c1, "dup"), -ENOENT);
	TAP_RC(ring_ctl_register(c2, "dup", NULL, 0), 0);
	/* max_schemes_per_client */
	TAP_RC(ring_ctl_register(c1, "n1", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n2", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n3", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c1, "n4", NULL, 0), -EMFILE);
	TAP_RC(ring_ctl_unregister(c1, "n3"), 0);
	TAP_RC(ring_ctl_register(c1, "n4", NULL, 0), 0);
	ring_ctl_close(c1);
	ring_ctl_close(c2);
	td_finish(&d);
}

/* A name comes free when its owner disconnects or dies. */
static void
test_name_freed(void)
{
	struct ring_ctl *c1, *c2;
	int p[2];
	pid_t pid;

	td_begin(&d, NULL);
	c2 = td_connect(&d);
	c1 = td_connect(&d);
	TAP_RC(ring_ctl_register(c1, "freeme", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c2, "freeme", NULL, 0), -EADDRINUSE);
	ring_ctl_close(c1);
	td_await_scheme_gone(c2, "freeme");
	TAP_RC(ring_ctl_register(c2, "freeme", NULL, 0), 0);

	/* an owner killed with SIGKILL */
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *sc = td_connect(&d);

		TAP_RC(ring_ctl_register(sc, "killme", NULL, 0), 0);
		tu_notify(p[1]);
		for (;;)
			pause();
	}
	tu_await(p[0], 5000);
	TAP_ASSERT(td_find_scheme(c2, "killme", NULL));
	tap_kill(pid);
	td_await_scheme_gone(c2, "killme");
	TAP_RC(ring_ctl_register(c2, "killme", NULL, 0), 0);
	ring_ctl_close(c2);
	close(p[0]);
	close(p[1]);
	td_finish(&d);
}

/*
 * Names across uids: a helper running as uid/gid 65534 can neither take
 * nor drop root's name; root cannot take its name either (root_takeover
 * is off by default); its attach to root's scheme carries its ids.
 */
static void
test_name_uid(void)
{
	struct ring_ctl *c;
	struct ring_attach a;
	struct ring_ctl_scheme rec;
	struct served v = { 0 };
	int p[2], q[2];
	pid_t pid;

	td_begin(&d, NULL);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "rootname", ts_ops, 3), 0);
	tu_pipe(p);
	tu_pipe(q);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *nc;
		struct ring_ctl_scheme *sv;
		size_t n;
		uint64_t id;
		struct ring *r;

		td_become_nobody();
		nc = td_connect(&d);
		TAP_RC(ring_ctl_register(nc, "rootname", NULL, 0), -EPERM);
		TAP_RC(ring_ctl_unregister(nc, "rootname"), -EPERM);
		TAP_RC(ring_ctl_register(nc, "nobodyname", NULL, 0), 0);
		/* anyone may look */
		TAP_RC(ring_ctl_list_schemes(nc, &sv, &n), 0);
		free(sv);
		tu_notify(p[1]);
		tu_await(q[0], 5000);
		/* open a ring to root's scheme: root sees who we are */
		r = td_open(nc, "rootname", 8, 0, 0, &id);
		consume(r, 0x777, 5);
		ring_close(r);
		TAP_RC(ring_ctl_close_ring(nc, id), 0);
		tu_await(q[0], 5000);
		ring_ctl_close(nc);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	TAP_RC(ring_ctl_register(c, "nobodyname", NULL, 0), -EPERM);
	TAP_RC(ring_ctl_unregister(c, "nobodyname"), -EPERM);
	TAP_ASSERT(td_find_scheme(c, "nobodyname", &rec));
	TAP_EQ(rec.owner.uid, TD_NOBODY);
	TAP_EQ(rec.owner.gid, TD_NOBODY);
	TAP_EQ(rec.owner.pid, pid);
	TAP_ASSERT(td_find_scheme(c, "rootname", &rec));
	TAP_EQ(rec.owner.uid, 0);
	tu_notify(q[1]);
	TAP_RC(ring_ctl_wait_attach(c, &a, 5000), 0);
	check_attach(&a, "rootname", pid, TD_NOBODY, TD_NOBODY, 8, 0, 0);
	TAP_RC(ring_ctl_accept(c, &a, &v.r), 0);
	v.id = a.ring_id;
	serve_until_shutdown(c, &v, 1);
	TAP_EQ(v.n, 13);
	tu_notify(q[1]);
	tap_reap(pid);
	td_await_scheme_gone(c, "nobodyname");
	/* free again: now root may have it */
	TAP_RC(ring_ctl_register(c, "nobodyname", NULL, 0), 0);
	ring_ctl_close(c);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	td_finish(&d);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ctl-status-clients", test_status, 30);
	tap_run("ctl-fd-budget", test_fd_budget, 30);
	tap_run("ctl-connect-busy", test_connect_busy, 30);
	tap_run("ctl-null-64", test_null64, 30);
	tap_run("ctl-null-32", test_null32, 30);
	tap_run("ctl-zero-64", test_zero64, 30);
	tap_run("ctl-zero-32", test_zero32, 30);
	tap_run("ctl-echo-64", test_echo64, 30);
	tap_run("ctl-echo-32", test_echo32, 30);
	tap_run("ctl-open-errors", test_open_errors, 30);
	tap_run("ctl-external-scheme", test_external, 30);
	tap_run("ctl-two-consumers", test_two_consumers, 30);
	tap_run("ctl-refuse-timeout-reset", test_refuse, 30);
	tap_run("ctl-consumer-leaves-pending", test_consumer_leaves_pending,
	    30);
	tap_run("ctl-global-limits", test_global_limits, 30);
	tap_run("ctl-probe", test_probe, 30);
	tap_run("ctl-opcode-names", test_opnames, 30);
	tap_run("ctl-rings-attached", test_rings_attached, 30);
	tap_run("ctl-lists", test_lists, 30);
	tap_run("ctl-lists-churn", test_lists_churn, 30);
	tap_run("ctl-builtin-fairness", test_builtin_fairness, 30);
	tap_run("ctl-names", test_names, 30);
	tap_run("ctl-name-freed", test_name_freed, 30);
	if (geteuid() == 0)
		tap_run("ctl-name-uid", test_name_uid, 30);
	else
		printf("ok - ctl-name-uid # skip not root: cannot run a "
		       "helper as uid 65534\n");
	return tap_done();
}
