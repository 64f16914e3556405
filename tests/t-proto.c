/*
 * t-proto.c - hand-written malformed and hostile input on raw
 * SOCK_SEQPACKET connections to a private ringd.
 *
 * Each case is a sub-test with a fresh ringd: it sends its bytes, checks
 * the answer (an error reply of the documented shape, or a disconnect
 * where that is the answer), and then checks that ringd is alive, that a
 * fresh honest client is served (status and a round trip through `null`)
 * and that ringd holds no more descriptors or memfd mappings than when
 * idle.  Descriptors passed along with bad messages are pipe write ends:
 * once ringd has answered, the read ends must see EOF, which proves ringd
 * kept none of them.  The last cases are hostile in other ways: clients
 * that do not read, a scheme that never reads its attaches, corrupted
 * shared ring memory, connection churn, and ringd short of descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

#define HDR ((uint32_t)sizeof(struct proto_hdr))

static struct td d;
static int case_fd; /* the case's raw connection, -1 once it closed it */

/* --- raw packets ------------------------------------------------------- */

/* One packet of exactly these bytes and descriptors; -errno on failure. */
static int
raw_packet(int fd, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 64)];
	} cm;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;

		if (nfds > 64)
			TAP_FAIL("raw_packet: %u descriptors", nfds);
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		TAP_FAIL("short packet: %zd of %zu bytes", n, len);
	return 0;
}

/*
 * A message with every header field chosen by the caller: magic,
 * version, type, the length field (which may lie) and seq, then blen
 * bytes of body.
 */
static int
raw_msg(int fd, uint32_t magic, uint16_t ver, uint16_t type, uint32_t lenf,
    uint32_t seq, const void *body, size_t blen, const int *fds, unsigned nfds)
{
	static uint8_t buf[3 * PROTO_MAX_MSG];
	struct proto_hdr h;

	if (blen + HDR > sizeof(buf))
		TAP_FAIL("raw_msg: %zu bytes of body", blen);
	h.magic = magic;
	h.version = ver;
	h.type = type;
	h.len = lenf;
	h.seq = seq;
	memcpy(buf, &h, HDR);
	if (blen > 0)
		memcpy(buf + HDR, body, blen);
	return raw_packet(fd, buf, HDR + blen, fds, nfds);
}

/* An honest header for blen bytes of body. */
static int
send_msg(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen)
{
	return raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, type,
	    HDR + (uint32_t)blen, seq, body, blen, NULL, 0);
}

#define SEND(fd, type, seq, body, blen) \
	TAP_RC(send_msg((fd), (type), (seq), (body), (blen)), 0)

/* Next message within ms: 0, -ECONNRESET at EOF, -ETIMEDOUT, or -errno. */
static int
next_msg(int fd, struct proto_msg *m, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n, rc;

	do
		n = poll(&pfd, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	rc = proto_recv(fd, m);
	if (rc == -EAGAIN)
		return -ETIMEDOUT;
	return rc;
}

/* A PROTO_ERROR carrying err and ringd's version must come next. */
#define expect_error_frame(fd, seq, err) \
	expect_error_frame_at((fd), (seq), (err), __FILE__, __LINE__)
static void
expect_error_frame_at(int fd, uint32_t seq, int err, const char *file, int line)
{
	const struct proto_error *e;
	struct proto_msg m;
	int rc;

	rc = next_msg(fd, &m, 3000);
	if (rc < 0)
		tap_fail_at(file, line, "expected PROTO_ERROR %s, got %s",
		    tap_rcname(err), tap_rcname(rc));
	proto_msg_close_fds(&m);
	if (m.hdr.type != PROTO_ERROR)
		tap_fail_at(file, line, "expected PROTO_ERROR %s, got type %#x",
		    tap_rcname(err), m.hdr.type);
	e = (const struct proto_error *)m.body.raw;
	if (e->error != err || e->version != PROTO_VERSION || m.hdr.seq != seq)
		tap_fail_at(file, line,
		    "PROTO_ERROR error %s version %u seq %u, "
		    "expected %s version %u seq %u",
		    tap_rcname(e->error), e->version, m.hdr.seq,
		    tap_rcname(err), PROTO_VERSION, seq);
	TAP_HERE();
}

/* The reply to type/seq must come next, with error err. */
#define expect_reply(fd, type, seq, err, m) \
	expect_reply_at((fd), (type), (seq), (err), (m), __FILE__, __LINE__)
static void
expect_reply_at(int fd, uint16_t type, uint32_t seq, int err,
    struct proto_msg *m, const char *file, int line)
{
	struct proto_msg local;
	int32_t e;
	int rc;

	if (m == NULL)
		m = &local;
	rc = next_msg(fd, m, 3000);
	if (rc < 0)
		tap_fail_at(file, line, "expected the reply to type %u, got %s",
		    type, tap_rcname(rc));
	if (m == &local)
		proto_msg_close_fds(m);
	if (m->hdr.type != (type | PROTO_REPLY) || m->hdr.seq != seq) {
		if (m->hdr.type == PROTO_ERROR)
			tap_fail_at(file, line,
			    "expected the reply to type %u "
			    "seq %u, got PROTO_ERROR %s",
			    type, seq,
			    tap_rcname(
				((struct proto_error *)m->body.raw)->error));
		tap_fail_at(file, line,
		    "expected the reply to type %u seq %u, "
		    "got type %#x seq %u",
		    type, seq, m->hdr.type, m->hdr.seq);
	}
	memcpy(&e, m->body.raw, sizeof(e));
	if (e != err)
		tap_fail_at(file, line, "reply to type %u: %s, expected %s",
		    type, tap_rcname(e), tap_rcname(err));
	TAP_HERE();
}

/* ringd must hang up on us within ms (replies before that are skipped). */
#define expect_eof(fd, ms) expect_eof_at((fd), (ms), __FILE__, __LINE__)
static unsigned
expect_eof_at(int fd, int ms, const char *file, int line)
{
	struct proto_msg m;
	uint64_t t0 = tu_now_ns();
	unsigned n = 0;
	int rc;

	for (;;) {
		rc = next_msg(fd, &m, 100);
		if (rc == -ECONNRESET || rc == -EPIPE)
			break;
		if (rc == 0) {
			proto_msg_close_fds(&m);
			n++;
		}
		if (tu_now_ns() - t0 > (uint64_t)ms * 1000000ull)
			tap_fail_at(file, line,
			    "ringd did not hang up within %d "
			    "ms (%u messages came)",
			    ms, n);
	}
	TAP_HERE();
	return n;
}

/* A correct HELLO, answered with no error. */
static void
hello(int fd, uint32_t seq)
{
	struct proto_hello h;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	memcpy(h.comm, "raw", 3);
	SEND(fd, PROTO_HELLO, seq, &h, sizeof(h));
	expect_reply(fd, PROTO_HELLO, seq, 0, NULL);
}

/* --- pipes as descriptors to pass -------------------------------------- */

struct pipes {
	int rd[32];
	int wr[32];
	unsigned n;
};

static void
pipes_make(struct pipes *p, unsigned n)
{
	int f[2];
	unsigned i;

	p->n = n;
	for (i = 0; i < n; i++) {
		TAP_SYS(pipe2(f, O_CLOEXEC));
		p->rd[i] = f[0];
		p->wr[i] = f[1];
	}
}

/* Our write ends are gone: EOF on each read end proves ringd's are too. */
static void
pipes_expect_released(struct pipes *p)
{
	struct pollfd pfd;
	unsigned i;
	char c;
	int n;

	for (i = 0; i < p->n; i++) {
		if (p->wr[i] >= 0) {
			close(p->wr[i]);
			p->wr[i] = -1;
		}
	}
	for (i = 0; i < p->n; i++) {
		pfd.fd = p->rd[i];
		pfd.events = POLLIN;
		n = poll(&pfd, 1, 3000);
		if (n <= 0 || read(p->rd[i], &c, 1) != 0)
			TAP_FAIL("ringd still holds passed descriptor %u of %u "
				 "3 s after answering",
			    i + 1, p->n);
		close(p->rd[i]);
	}
	TAP_HERE();
}

/* --- what every case ends with ----------------------------------------- */

/* ringd lives, serves a fresh honest client, and is back to idle. */
static void
check_serving(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id;

	td_assert_alive(&d);
	c = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, d.pid);
	r = td_open(c, "null", 4, 0, 0, &id);
	memset(&s, 0, sizeof(s));
	s.opcode = RING_OP_WRITE;
	s.len = 77;
	s.user_data = 42;
	td_roundtrip(r, &s, &cq);
	TAP_EQ_U(cq.status, 77);
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	ring_ctl_close(c);
	td_settle(&d);
}

/* --- the cases ------------------------------------------------------------ */

/* Bad magic: PROTO_ERROR -EPROTO; no seq can be trusted, so 0. */
static void
case_bad_magic(int fd)
{
	struct proto_hello h = { .version = PROTO_VERSION };

	TAP_RC(raw_msg(fd, 0xdeadbeefu, PROTO_VERSION, PROTO_HELLO,
		   HDR + sizeof(h), 7, &h, sizeof(h), NULL, 0),
	    0);
	expect_error_frame(fd, 0, -EPROTO);
	/* byte-swapped magic, the classic endianness mistake */
	TAP_RC(raw_msg(fd, __builtin_bswap32(PROTO_MAGIC), PROTO_VERSION,
		   PROTO_HELLO, HDR + sizeof(h), 8, &h, sizeof(h), NULL, 0),
	    0);
	expect_error_frame(fd, 0, -EPROTO);
}

/* Another header version: PROTO_ERROR carrying ringd's version. */
static void
case_wrong_version(int fd)
{
	struct proto_hello h = { .version = PROTO_VERSION };

	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION + 1, PROTO_HELLO,
		   HDR + sizeof(h), 11, &h, sizeof(h), NULL, 0),
	    0);
	expect_error_frame(fd, 11, -EPROTO);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, 0, PROTO_HELLO, HDR + sizeof(h), 12, &h,
		   sizeof(h), NULL, 0),
	    0);
	expect_error_frame(fd, 12, -EPROTO);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, 0xffff, PROTO_STATUS, HDR, 13, NULL, 0,
		   NULL, 0),
	    0);
	expect_error_frame(fd, 13, -EPROTO);
}

/* HELLO speaking another version in its body: -EPROTO and ringd's. */
static void
case_hello_version(int fd)
{
	struct proto_hello h;
	struct proto_msg m;
	const struct proto_hello_reply *r;
	uint32_t ver = 0;
	struct ring_ctl *c;

	memset(&h, 0, sizeof(h));
	h.version = 99;
	SEND(fd, PROTO_HELLO, 1, &h, sizeof(h));
	expect_reply(fd, PROTO_HELLO, 1, -EPROTO, &m);
	r = (const struct proto_hello_reply *)m.body.raw;
	TAP_EQ(r->version, PROTO_VERSION);
	/* still not introduced: requests are refused */
	SEND(fd, PROTO_STATUS, 2, NULL, 0);
	expect_reply(fd, PROTO_STATUS, 2, -EPROTO, NULL);
	/* non-zero flags */
	h.version = PROTO_VERSION;
	h.flags = 1;
	SEND(fd, PROTO_HELLO, 3, &h, sizeof(h));
	expect_reply(fd, PROTO_HELLO, 3, -EINVAL, NULL);
	/* the library reports ringd's version on a good connection */
	TAP_RC(ring_ctl_connect(d.sock, &ver, &c), 0);
	TAP_EQ(ver, PROTO_VERSION);
	ring_ctl_close(c);
}

/* A header shorter than a header. */
static void
case_short_header(int fd)
{
	uint32_t magic = PROTO_MAGIC;

	TAP_RC(raw_packet(fd, &magic, sizeof(magic), NULL, 0), 0);
	expect_error_frame(fd, 0, -EPROTO);
	TAP_RC(raw_packet(fd, "x", 1, NULL, 0), 0);
	expect_error_frame(fd, 0, -EPROTO);
}

/* The length field disagrees with the packet. */
static void
case_length_lies(int fd)
{
	hello(fd, 1);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS, HDR + 100,
		   2, NULL, 0, NULL, 0),
	    0);
	expect_error_frame(fd, 2, -EBADMSG);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS, 0, 3, NULL,
		   0, NULL, 0),
	    0);
	expect_error_frame(fd, 3, -EBADMSG);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS,
		   0xffffffffu, 4, NULL, 0, NULL, 0),
	    0);
	expect_error_frame(fd, 4, -EBADMSG);
	/* and a good request on the same connection still works */
	SEND(fd, PROTO_STATUS, 5, NULL, 0);
	expect_reply(fd, PROTO_STATUS, 5, 0, NULL);
}

/* Bodies one byte short, half, one byte long, for fixed-size types. */
static void
case_body_size(int fd)
{
	static uint8_t body[sizeof(struct proto_register) + 8];

	memset(body, 0, sizeof(body));
	hello(fd, 1);
	SEND(fd, PROTO_OPEN, 2, body, sizeof(struct proto_open) - 1);
	expect_error_frame(fd, 2, -EBADMSG);
	SEND(fd, PROTO_REGISTER, 3, body, sizeof(struct proto_register) / 2);
	expect_error_frame(fd, 3, -EBADMSG);
	SEND(fd, PROTO_STATUS, 4, body, 8);
	expect_error_frame(fd, 4, -EBADMSG);
	SEND(fd, PROTO_ACCEPT, 5, body, sizeof(struct proto_accept) + 1);
	expect_error_frame(fd, 5, -EBADMSG);
	SEND(fd, PROTO_HELLO, 6, body, 0);
	expect_error_frame(fd, 6, -EBADMSG);
}

/* Types nobody defined. */
static void
case_unknown_type(int fd)
{
	static const uint16_t types[] = { 0, PROTO_TYPE_COUNT, 99, 0x7ffe,
		0xffff };
	uint32_t i;

	hello(fd, 1);
	for (i = 0; i < 5; i++) {
		SEND(fd, types[i], 10 + i, NULL, 0);
		expect_error_frame(fd, 10 + i, -EBADMSG);
	}
}

/* Replies, events and errors sent as if they were requests. */
static void
case_reply_as_request(int fd)
{
	uint8_t body[sizeof(struct proto_status_reply)];
	struct proto_error e = { .error = -EPROTO, .version = PROTO_VERSION };

	memset(body, 0, sizeof(body));
	hello(fd, 1);
	SEND(fd, PROTO_STATUS | PROTO_REPLY, 2, body,
	    sizeof(struct proto_status_reply));
	expect_error_frame(fd, 2, -EBADMSG);
	SEND(fd, PROTO_HELLO | PROTO_REPLY, 3, body,
	    sizeof(struct proto_hello_reply));
	expect_error_frame(fd, 3, -EBADMSG);
	SEND(fd, PROTO_ERROR, 4, &e, sizeof(e));
	expect_error_frame(fd, 4, -EBADMSG);
	/* an OPEN reply may carry three descriptors; from a client, none */
	{
		struct proto_open_reply rep;
		struct pipes p;

		memset(&rep, 0, sizeof(rep));
		rep.ring_id = 1;
		pipes_make(&p, 3);
		TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION,
			   PROTO_OPEN | PROTO_REPLY, HDR + sizeof(rep), 5, &rep,
			   sizeof(rep), p.wr, 3),
		    0);
		expect_error_frame(fd, 5, -EBADMSG);
		pipes_expect_released(&p);
	}
}

/* Requests before HELLO are refused, and do nothing. */
static void
case_before_hello(int fd)
{
	struct proto_register reg;
	struct proto_open op;
	struct ring_ctl *c;

	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "early", 5);
	SEND(fd, PROTO_STATUS, 1, NULL, 0);
	expect_reply(fd, PROTO_STATUS, 1, -EPROTO, NULL);
	SEND(fd, PROTO_REGISTER, 2, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 2, -EPROTO, NULL);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "null", 4);
	op.params.sq_entries = 4;
	SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, 3, -EPROTO, NULL);
	SEND(fd, PROTO_LIST_RINGS, 4, NULL, 0);
	{
		struct proto_msg m;

		expect_reply(fd, PROTO_LIST_RINGS, 4, -EPROTO, &m);
		/* a failed list reply ends the list */
		TAP_EQ(((const struct proto_ring_rec *)m.body.raw)->end, 1);
	}
	c = td_connect(&d);
	TAP_ASSERT(!td_find_scheme(c, "early", NULL));
	ring_ctl_close(c);
	/* after HELLO the same request works */
	hello(fd, 5);
	SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 6, 0, NULL);
}

/* A second HELLO is an error; the first one still holds. */
static void
case_hello_twice(int fd)
{
	struct proto_hello h;
	struct proto_msg m;

	hello(fd, 1);
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	SEND(fd, PROTO_HELLO, 2, &h, sizeof(h));
	TAP_RC(next_msg(fd, &m, 3000), 0);
	TAP_EQ(m.hdr.type, PROTO_HELLO | PROTO_REPLY);
	TAP_EQ(m.hdr.seq, 2);
	TAP_ASSERT(*(int32_t *)m.body.raw < 0);
	SEND(fd, PROTO_STATUS, 3, NULL, 0);
	expect_reply(fd, PROTO_STATUS, 3, 0, NULL);
}

/* ATTACH is ringd's to send; a client's, with descriptors, is refused. */
static void
case_attach_from_client(int fd)
{
	struct proto_attach a;
	struct pipes p;

	hello(fd, 1);
	memset(&a, 0, sizeof(a));
	a.ring_id = 1;
	memcpy(a.scheme, "null", 4);
	a.params.sq_entries = 4;
	pipes_make(&p, 3);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_ATTACH,
		   HDR + sizeof(a), 2, &a, sizeof(a), p.wr, 3),
	    0);
	expect_error_frame(fd, 2, -EBADMSG);
	pipes_expect_released(&p);
	/* and as seq-0 "event" */
	pipes_make(&p, 3);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_ATTACH,
		   HDR + sizeof(a), 0, &a, sizeof(a), p.wr, 3),
	    0);
	expect_error_frame(fd, 0, -EBADMSG);
	pipes_expect_released(&p);
}

/* ACCEPT and CLOSE for rings that do not exist or are not ours. */
static void
case_accept_unknown(int fd)
{
	struct proto_accept a;
	struct proto_ring_ref ref;
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id;

	hello(fd, 1);
	memset(&a, 0, sizeof(a));
	a.ring_id = 123456;
	SEND(fd, PROTO_ACCEPT, 2, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 2, -ENOENT, NULL);
	a.ring_id = 0;
	a.error = -EACCES;
	SEND(fd, PROTO_ACCEPT, 3, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 3, -ENOENT, NULL);
	/* somebody else's ring (a built-in one: no producer at all) */
	c = td_connect(&d);
	r = td_open(c, "null", 4, 0, 0, &id);
	a.ring_id = id;
	a.error = 0;
	SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 4, -EPERM, NULL);
	memset(&ref, 0, sizeof(ref));
	ref.ring_id = id;
	SEND(fd, PROTO_CLOSE, 5, &ref, sizeof(ref));
	expect_reply(fd, PROTO_CLOSE, 5, -EPERM, NULL);
	ref.ring_id = ~0ull;
	SEND(fd, PROTO_CLOSE, 6, &ref, sizeof(ref));
	expect_reply(fd, PROTO_CLOSE, 6, -ENOENT, NULL);
	/* the ring is unharmed */
	TAP_ASSERT(!ring_is_dropped(r));
	ring_close(r);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	ring_ctl_close(c);
}

/*
 * A raw scheme: bad answers to a real attach (reserved bits, a positive
 * or out-of-range error), then a good one, then the same again.
 */
static void
case_accept_bad(int fd)
{
	struct proto_register reg;
	struct proto_accept a;
	struct proto_msg m;
	const struct proto_attach *at;
	uint64_t id;
	pid_t pid;

	hello(fd, 1);
	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "raw-scheme", 10);
	SEND(fd, PROTO_REGISTER, 2, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 2, 0, NULL);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c = td_connect(&d);
		uint64_t rid;
		struct ring *r = td_open(c, "raw-scheme", 4, 0, 0, &rid);

		ring_close(r);
		TAP_RC(ring_ctl_close_ring(c, rid), 0);
		ring_ctl_close(c);
		tap_child_exit();
	}
	TAP_RC(next_msg(fd, &m, 5000), 0);
	TAP_EQ(m.hdr.type, PROTO_ATTACH);
	TAP_EQ(m.hdr.seq, 0);
	TAP_EQ(m.nfds, 3);
	at = (const struct proto_attach *)m.body.raw;
	TAP_EQ(at->consumer.pid, pid);
	id = at->ring_id;
	proto_msg_close_fds(&m);
	memset(&a, 0, sizeof(a));
	a.ring_id = id;
	a.reserved = 1;
	SEND(fd, PROTO_ACCEPT, 3, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 3, -EINVAL, NULL);
	a.reserved = 0;
	a.error = 5;
	SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 4, -EINVAL, NULL);
	a.error = -5000;
	SEND(fd, PROTO_ACCEPT, 5, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 5, -EINVAL, NULL);
	a.error = 0;
	SEND(fd, PROTO_ACCEPT, 6, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 6, 0, NULL);
	SEND(fd, PROTO_ACCEPT, 7, &a, sizeof(a));
	expect_reply(fd, PROTO_ACCEPT, 7, -EALREADY, NULL);
	tap_reap(pid);
}

/* Names that are not names: unterminated, bad bytes, junk after NUL. */
static void
case_bad_names(int fd)
{
	struct proto_open op;
	struct proto_register reg;
	struct proto_name nm;

	hello(fd, 1);
	memset(&op, 0, sizeof(op));
	op.params.sq_entries = 4;
	memset(op.scheme, 'a', sizeof(op.scheme));
	SEND(fd, PROTO_OPEN, 2, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, 2, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	memcpy(op.scheme, "nu/ll", 5);
	SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, 3, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	memcpy(op.scheme, "null\0xyz", 8);
	SEND(fd, PROTO_OPEN, 4, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, 4, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	SEND(fd, PROTO_OPEN, 5, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, 5, -EINVAL, NULL);
	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "tab\there", 8);
	SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 6, -EINVAL, NULL);
	memset(&nm, 0xff, sizeof(nm));
	SEND(fd, PROTO_PROBE, 7, &nm, sizeof(nm));
	expect_reply(fd, PROTO_PROBE, 7, -EINVAL, NULL);
	SEND(fd, PROTO_UNREGISTER, 8, &nm, sizeof(nm));
	expect_reply(fd, PROTO_UNREGISTER, 8, -EINVAL, NULL);
}

/* A REGISTER for "opn" serving 128 and 200, with the given names. */
static void
opnames_reg(struct proto_register *reg, const char *n128, size_t l128,
    const char *n200, size_t l200)
{
	memset(reg, 0, sizeof(*reg));
	memcpy(reg->name, "opn", 3);
	reg->ops.bits[128 / 64] = 1ull << (128 % 64);
	reg->ops.bits[200 / 64] = 1ull << (200 % 64);
	memcpy(reg->opnames.name[0], n128, l128);
	memcpy(reg->opnames.name[200 - 128], n200, l200);
}

/*
 * Opcode names that break a rule are refused (-EINVAL) and register
 * nothing; REGISTER and PROBE bodies of another size are not messages.
 */
static void
case_bad_opnames(int fd)
{
	static const struct {
		const char *n128, *n200;
		size_t l128, l200;
	} bad[] = {
		{ "aaaaaaaaaaaaaaaa", "ok", 16, 2 }, /* no NUL in the field */
		{ "Upper", "ok", 5, 2 },	     /* uppercase */
		{ "1st", "ok", 3, 2 },		     /* leading digit */
		{ "_x", "ok", 2, 2 },		     /* leading underscore */
		{ "a-b", "ok", 3, 2 },		     /* '-' */
		{ "ab\0x", "ok", 4, 2 },	     /* junk after the NUL */
		{ "\0ab", "ok", 3, 2 },		     /* empty, then junk */
		{ "same", "same", 4, 4 },	     /* twice */
		{ "read", "ok", 4, 2 },		     /* a Redox name */
		{ "files_update", "ok", 12, 2 },     /* a Redox name */
	};
	static uint8_t big[sizeof(struct proto_register) + 16];
	struct proto_register reg;
	struct proto_name nm;
	struct proto_msg m;
	struct ring_ctl *c;
	uint32_t seq = 2;
	size_t i;

	hello(fd, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++, seq++) {
		opnames_reg(&reg, bad[i].n128, bad[i].l128, bad[i].n200,
		    bad[i].l200);
		SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
		expect_reply(fd, PROTO_REGISTER, seq, -EINVAL, NULL);
	}
	/* a name for an opcode the scheme does not serve, or a standard one */
	opnames_reg(&reg, "ok", 2, "fine", 4);
	reg.opnames.name[0][0] = '\0';
	memcpy(reg.opnames.name[5], "stray", 5);
	SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, seq++, -EINVAL, NULL);
	c = td_connect(&d);
	TAP_ASSERT(!td_find_scheme(c, "opn", NULL));
	ring_ctl_close(c);
	/* the old, nameless REGISTER and one byte either side: not messages */
	memset(big, 0, sizeof(big));
	memcpy(big, "opn", 3);
	SEND(fd, PROTO_REGISTER, seq, big, RING_NAME_MAX + 32);
	expect_error_frame(fd, seq++, -EBADMSG);
	SEND(fd, PROTO_REGISTER, seq, big, sizeof(reg) + 1);
	expect_error_frame(fd, seq++, -EBADMSG);
	SEND(fd, PROTO_REGISTER, seq, big, sizeof(reg) - 1);
	expect_error_frame(fd, seq++, -EBADMSG);
	/* a PROBE reply, names and all, sent as a request */
	SEND(fd, PROTO_PROBE | PROTO_REPLY, seq, big,
	    sizeof(struct proto_probe_reply));
	expect_error_frame(fd, seq++, -EBADMSG);
	/* the good one registers, and its probe carries the names */
	opnames_reg(&reg, "ok", 2, "fine", 4);
	SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, seq++, 0, NULL);
	memset(&nm, 0, sizeof(nm));
	memcpy(nm.name, "opn", 3);
	SEND(fd, PROTO_PROBE, seq, &nm, sizeof(nm));
	expect_reply(fd, PROTO_PROBE, seq++, 0, &m);
	{
		const struct proto_probe_reply *p = (const void *)m.body.raw;

		TAP_ASSERT(strcmp(p->opnames.name[0], "ok") == 0);
		TAP_ASSERT(strcmp(p->opnames.name[200 - 128], "fine") == 0);
		TAP_ASSERT(proto_opnames_ok(&p->ops, &p->opnames));
	}
}

/* A descriptor on a message that takes none is refused and let go. */
static void
case_fds_on_status(int fd)
{
	struct pipes p;

	hello(fd, 1);
	pipes_make(&p, 1);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS, HDR, 2,
		   NULL, 0, p.wr, 1),
	    0);
	expect_error_frame(fd, 2, -EBADMSG);
	pipes_expect_released(&p);
	/* an OPEN carrying descriptors */
	{
		struct proto_open op;

		memset(&op, 0, sizeof(op));
		memcpy(op.scheme, "null", 4);
		op.params.sq_entries = 4;
		pipes_make(&p, 3);
		TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_OPEN,
			   HDR + sizeof(op), 3, &op, sizeof(op), p.wr, 3),
		    0);
		expect_error_frame(fd, 3, -EBADMSG);
		pipes_expect_released(&p);
	}
	/* even on a message whose header is bad */
	pipes_make(&p, 2);
	TAP_RC(raw_msg(fd, 0x12345678, PROTO_VERSION, PROTO_STATUS, HDR, 4,
		   NULL, 0, p.wr, 2),
	    0);
	expect_error_frame(fd, 0, -EPROTO);
	pipes_expect_released(&p);
}

/* More descriptors than any message may carry: 4, then 20. */
static void
case_many_fds(int fd)
{
	struct proto_hello h;
	struct pipes p;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	pipes_make(&p, 4);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_HELLO,
		   HDR + sizeof(h), 1, &h, sizeof(h), p.wr, 4),
	    0);
	expect_error_frame(fd, 1, -EMSGSIZE);
	pipes_expect_released(&p);
	pipes_make(&p, 20);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_HELLO,
		   HDR + sizeof(h), 2, &h, sizeof(h), p.wr, 20),
	    0);
	expect_error_frame(fd, 2, -EMSGSIZE);
	pipes_expect_released(&p);
}

/* Packets over PROTO_MAX_MSG. */
static void
case_oversized(int fd)
{
	static uint8_t body[2 * PROTO_MAX_MSG];
	struct pipes p;

	hello(fd, 1);
	SEND(fd, PROTO_STATUS, 2, body, PROTO_MAX_MSG + 1 - HDR);
	expect_error_frame(fd, 2, -EMSGSIZE);
	SEND(fd, PROTO_STATUS, 3, body, sizeof(body));
	expect_error_frame(fd, 3, -EMSGSIZE);
	/* with descriptors, which must not stay behind */
	pipes_make(&p, 2);
	TAP_RC(raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_OPEN,
		   PROTO_MAX_MSG + 8, 4, body, PROTO_MAX_MSG + 8 - HDR, p.wr,
		   2),
	    0);
	expect_error_frame(fd, 4, -EMSGSIZE);
	pipes_expect_released(&p);
	/* exactly PROTO_MAX_MSG of a wrong type is a length error, not size */
	SEND(fd, PROTO_STATUS, 5, body, PROTO_MAX_MSG - HDR);
	expect_error_frame(fd, 5, -EBADMSG);
}

/* A zero-length packet reads as end of stream: ringd hangs up. */
static void
case_zero_length(int fd)
{
	hello(fd, 1);
	TAP_RC(raw_packet(fd, "", 0, NULL, 0), 0);
	expect_eof(fd, 3000);
}

/* Random bytes until ringd hangs up. */
static void
case_garbage_flood(int fd)
{
	uint8_t buf[256];
	unsigned i, k, sent = 0, got;
	int rc = 0;

	tu_srand(11);
	for (i = 0; i < 200; i++) {
		unsigned len = 1 + (unsigned)tu_rand_below(sizeof(buf));

		for (k = 0; k < len; k++)
			buf[k] = (uint8_t)tu_rand();
		/* half of them with a believable header */
		if (i % 2 && len >= HDR) {
			struct proto_hdr h = { PROTO_MAGIC, PROTO_VERSION,
				(uint16_t)tu_rand_below(16), len, i };

			memcpy(buf, &h, HDR);
		}
		rc = raw_packet(fd, buf, len, NULL, 0);
		if (rc < 0)
			break;
		sent++;
	}
	got = expect_eof(fd, 5000);
	tap_diag("sent %u garbage packets (then %s), %u replies before the "
		 "hang-up",
	    sent, rc < 0 ? tap_rcname(rc) : "none refused", got);
	TAP_ASSERT(got <= 50);
}

/*
 * A client that never reads while sending requests: ringd must stop
 * reading it (our sends block) rather than queue without bound, keep
 * serving others meanwhile, and lose no reply: every request sent gets
 * its reply, in order, once we read.
 */
static void
flood_unread(int fd, uint16_t type, unsigned recs_per_reply)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct proto_msg m;
	uint32_t seq, sent = 0, next, recs;
	uint64_t t0, stall = 0;
	int rc;

	hello(fd, 1);
	t0 = tu_now_ns();
	for (seq = 2; sent < 200000; seq++) {
		rc = raw_msg(fd, PROTO_MAGIC, PROTO_VERSION, type, HDR, seq,
		    NULL, 0, NULL, 0);
		if (rc == 0) {
			sent++;
			stall = 0;
			continue;
		}
		if (rc != -EAGAIN)
			TAP_FAIL("request %u: %s", sent, tap_rcname(rc));
		if (stall == 0)
			stall = tu_now_ns();
		if (tu_now_ns() - stall > 300000000ull)
			break;
		tu_sleep_ms(5);
		seq--;
	}
	tap_diag("%u requests went out before ringd stopped reading (%.0f ms)",
	    sent, (double)(tu_now_ns() - t0) / 1e6);
	TAP_ASSERT(sent < 200000);
	/* others are served meanwhile */
	c = td_connect(&d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.clients, 2);
	ring_ctl_close(c);
	/* now read: every reply, in order */
	next = 2;
	recs = 0;
	while (next < 2 + sent) {
		rc = next_msg(fd, &m, 3000);
		if (rc < 0)
			TAP_FAIL("reply %u of %u: %s", next - 2, sent,
			    tap_rcname(rc));
		if (m.hdr.type != (type | PROTO_REPLY) || m.hdr.seq != next ||
		    *(int32_t *)m.body.raw != 0)
			TAP_FAIL("reply %u: type %#x seq %u error %d", next - 2,
			    m.hdr.type, m.hdr.seq, *(int32_t *)m.body.raw);
		recs++;
		if (recs_per_reply == 1 ||
		    ((const uint32_t *)m.body.raw)[1] != 0) {
			if (recs != recs_per_reply)
				TAP_FAIL("reply %u had %u packets, expected %u",
				    next - 2, recs, recs_per_reply);
			recs = 0;
			next++;
		}
	}
	TAP_RC(next_msg(fd, &m, 100), -ETIMEDOUT);
	SEND(fd, PROTO_STATUS, next, NULL, 0);
	expect_reply(fd, PROTO_STATUS, next, 0, NULL);
}

static void
case_unread_status(int fd)
{
	TAP_SYS(fcntl(fd, F_SETFL, O_NONBLOCK));
	flood_unread(fd, PROTO_STATUS, 1);
}

/* The same with list requests: four packets each (the built-ins, end). */
static void
case_unread_lists(int fd)
{
	TAP_SYS(fcntl(fd, F_SETFL, O_NONBLOCK));
	flood_unread(fd, PROTO_LIST_SCHEMES,
	    1); /* three built-ins, one packet */
}

/* A client that shut its reading side: ringd's reply fails, it hangs up. */
static void
case_shut_read(int fd)
{
	hello(fd, 1);
	TAP_SYS(shutdown(fd, SHUT_RD));
	SEND(fd, PROTO_STATUS, 2, NULL, 0);
	/* our sends start failing once ringd has let go */
	{
		uint64_t t0 = tu_now_ns();
		int rc;

		while ((rc = send_msg(fd, PROTO_STATUS, 4, NULL, 0)) == 0) {
			if (tu_now_ns() - t0 > 3000000000ull)
				TAP_FAIL("ringd still takes requests from a "
					 "client that cannot read its replies");
			tu_sleep_ms(10);
		}
		TAP_ASSERT(rc == -EPIPE || rc == -ECONNRESET);
	}
}

/*
 * A scheme that never reads its socket while a consumer opens ring after
 * ring to it: ringd queues ATTACH events only up to half of
 * max_pending_bytes and then answers further opens -EAGAIN, so the
 * flooding consumer is held back and the scheme is not cut off (which
 * would free its name).  Every open gets an answer, none hangs; when the
 * scheme goes, the pending ones fail and no descriptor stays behind.
 */
static void
case_deaf_scheme(int fd)
{
	struct proto_register reg;
	struct proto_open op;
	struct proto_msg m;
	struct ring_ctl *c;
	struct ring_ctl_scheme sc;
	unsigned i, sent, n = 600, again = 0, reset = 0, other = 0;
	int32_t e;
	int rc, cfd;

	hello(fd, 1);
	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "deaf", 4);
	SEND(fd, PROTO_REGISTER, 2, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 2, 0, NULL);
	/* from now on the scheme reads nothing; a raw consumer pipelines */
	c = td_connect(&d);
	cfd = td_raw_connect(&d);
	hello(cfd, 1);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "deaf", 4);
	op.params.sq_entries = 64;
	op.params.pool_bytes = 65536;
	/* send while reading: we must not be the deaf one */
	TAP_SYS(fcntl(cfd, F_SETFL, O_NONBLOCK));
	for (i = 0, sent = 0; i < n;) {
		if (sent < n) {
			rc = send_msg(cfd, PROTO_OPEN, 100 + sent, &op,
			    sizeof(op));
			if (rc == 0) {
				sent++;
				continue;
			}
			if (rc != -EAGAIN)
				TAP_FAIL("OPEN %u: %s", sent, tap_rcname(rc));
		}
		/* once all are sent, what is left waits for the scheme */
		rc = next_msg(cfd, &m, sent < n ? 10 : 1000);
		if (rc == -ETIMEDOUT && sent < n)
			continue;
		if (rc == -ETIMEDOUT && again > 0)
			break;
		if (rc < 0)
			TAP_FAIL("OPEN reply %u of %u: %s", i, n,
			    tap_rcname(rc));
		i++;
		if (m.hdr.type != (PROTO_OPEN | PROTO_REPLY))
			TAP_FAIL("OPEN reply %u: type %#x", i, m.hdr.type);
		e = *(int32_t *)m.body.raw;
		if (e == -EAGAIN)
			again++;
		else
			TAP_FAIL("OPEN %u to a deaf scheme: %s", i,
			    tap_rcname(e));
	}
	tap_diag("%u opens answered -EAGAIN, %u waiting for the scheme", again,
	    n - i);
	if (again == 0 || i == n)
		TD_FAIL(&d, "ringd never held the consumer back");
	/* the deaf scheme keeps its name */
	TAP_ASSERT(td_find_scheme(c, "deaf", &sc));
	/* it goes: the opens still waiting for it fail, all of them */
	close(fd);
	case_fd = -1;
	while (i < n) {
		rc = next_msg(cfd, &m, 10000);
		if (rc < 0)
			TAP_FAIL("OPEN reply %u of %u: %s", i, n,
			    tap_rcname(rc));
		i++;
		if (m.nfds != 0)
			TAP_FAIL("failed OPEN reply %u carries %u fds", i,
			    m.nfds);
		e = *(int32_t *)m.body.raw;
		if (e == -ECONNRESET)
			reset++;
		else if (e < 0)
			other++;
		else
			TAP_FAIL("OPEN %u to a deaf scheme succeeded", i);
	}
	tap_diag("then %u failed -ECONNRESET, %u otherwise", reset, other);
	TAP_EQ(other, 0);
	close(cfd);
	td_await_scheme_gone(c, "deaf");
	ring_ctl_close(c);
}

/* Connections that come and go without a word. */
static void
case_churn(int fd)
{
	int k[64];
	unsigned i;

	/* this one too, so that ringd can get back to idle below */
	close(fd);
	case_fd = -1;
	for (i = 0; i < 64; i++)
		k[i] = td_raw_connect(&d);
	for (i = 0; i < 64; i++)
		close(k[i]);
	for (i = 0; i < 200; i++)
		close(td_raw_connect(&d));
	/* ringd works through its accept queue and is idle again */
	td_settle(&d);
}

/* max_clients = 4 (set for this case): the fifth gets -EUSERS. */
static void
case_max_clients(int fd)
{
	int k[3], extra;
	unsigned i;

	hello(fd, 1);
	for (i = 0; i < 3; i++) {
		k[i] = td_raw_connect(&d);
		hello(k[i], 1);
	}
	extra = td_raw_connect(&d);
	expect_error_frame(extra, 0, -EUSERS);
	expect_eof(extra, 3000);
	close(extra);
	close(k[0]);
	/* room again, soon */
	{
		struct ring_ctl *c;
		uint64_t t0 = tu_now_ns();
		int rc;

		while ((rc = ring_ctl_connect(d.sock, NULL, &c)) < 0) {
			if (tu_now_ns() - t0 > 3000000000ull)
				TAP_FAIL("no room 3 s after a client left: %s",
				    tap_rcname(rc));
			tu_sleep_ms(10);
		}
		ring_ctl_close(c);
	}
	close(k[1]);
	close(k[2]);
}

/*
 * One connection is both sides: it registers a scheme and opens a ring to
 * it.  The OPEN is answered only after its own ACCEPT; then it leaves
 * without a word, holding both sides.
 */
static void
case_self_attach(int fd)
{
	struct proto_register reg;
	struct proto_open op;
	struct proto_accept a;
	struct proto_msg m;
	uint64_t id;
	bool got_open = false, got_accept = false;
	unsigned i;

	hello(fd, 1);
	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "self", 4);
	SEND(fd, PROTO_REGISTER, 2, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 2, 0, NULL);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "self", 4);
	op.params.sq_entries = 4;
	SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	TAP_RC(next_msg(fd, &m, 3000), 0);
	TAP_EQ(m.hdr.type, PROTO_ATTACH);
	TAP_EQ(m.nfds, 3);
	TAP_EQ(((const struct proto_attach *)m.body.raw)->consumer.pid,
	    getpid());
	id = ((const struct proto_attach *)m.body.raw)->ring_id;
	proto_msg_close_fds(&m);
	memset(&a, 0, sizeof(a));
	a.ring_id = id;
	SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	for (i = 0; i < 2; i++) {
		TAP_RC(next_msg(fd, &m, 3000), 0);
		if (m.hdr.type == (PROTO_OPEN | PROTO_REPLY) &&
		    m.hdr.seq == 3) {
			TAP_EQ(*(int32_t *)m.body.raw, 0);
			TAP_EQ(m.nfds, 3);
			TAP_EQ(((const struct proto_open_reply *)m.body.raw)
				   ->ring_id,
			    id);
			got_open = true;
		} else if (m.hdr.type == (PROTO_ACCEPT | PROTO_REPLY) &&
		    m.hdr.seq == 4) {
			TAP_EQ(*(int32_t *)m.body.raw, 0);
			got_accept = true;
		} else
			TAP_FAIL("unexpected type %#x seq %u", m.hdr.type,
			    m.hdr.seq);
		proto_msg_close_fds(&m);
	}
	TAP_ASSERT(got_open && got_accept);
	/* an unregister with the ring alive, then a second open, pending */
	SEND(fd, PROTO_UNREGISTER, 5, &reg.name, sizeof(reg.name));
	expect_reply(fd, PROTO_UNREGISTER, 5, 0, NULL);
	SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	expect_reply(fd, PROTO_REGISTER, 6, 0, NULL);
	SEND(fd, PROTO_OPEN, 7, &op, sizeof(op));
	TAP_RC(next_msg(fd, &m, 3000), 0);
	TAP_EQ(m.hdr.type, PROTO_ATTACH);
	proto_msg_close_fds(&m);
	/* run_case closes the connection with one ring running, one pending */
}

/*
 * ringd with only 64 descriptors: connections and rings past what fits
 * fail, ringd lives, and serves again once they are gone.
 */
static void
case_fd_exhaustion(int fd)
{
	struct proto_open op;
	struct proto_msg m;
	int k[80];
	unsigned i, n = 0, opened = 0, failed = 0;
	int rc;

	hello(fd, 1);
	/* rings until OPEN fails */
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "null", 4);
	op.params.sq_entries = 2;
	for (i = 0; i < 40; i++) {
		SEND(fd, PROTO_OPEN, 10 + i, &op, sizeof(op));
		rc = next_msg(fd, &m, 3000);
		if (rc < 0)
			TAP_FAIL("OPEN %u: %s", i, tap_rcname(rc));
		TAP_EQ(m.hdr.type, PROTO_OPEN | PROTO_REPLY);
		proto_msg_close_fds(&m);
		if (*(int32_t *)m.body.raw == 0)
			opened++;
		else
			failed++;
	}
	tap_diag("%u rings opened, %u refused", opened, failed);
	TAP_ASSERT(opened > 0 && failed > 0);
	/* connections until ringd cannot take more */
	for (i = 0; i < 80; i++) {
		k[i] = td_raw_connect(&d);
		n++;
	}
	/* each is served or hung up on, none is left hanging */
	{
		struct proto_hello h = { .version = PROTO_VERSION };
		unsigned served = 0, dropped = 0;

		for (i = 0; i < n; i++) {
			rc = send_msg(k[i], PROTO_HELLO, 1, &h, sizeof(h));
			if (rc == 0)
				rc = next_msg(k[i], &m, 3000);
			if (rc == 0 &&
			    m.hdr.type == (PROTO_HELLO | PROTO_REPLY) &&
			    *(int32_t *)m.body.raw == 0)
				served++;
			else if (rc == -ECONNRESET || rc == -EPIPE)
				dropped++;
			else
				TAP_FAIL("connection %u of %u: %s, type %#x", i,
				    n, tap_rcname(rc),
				    rc == 0 ? m.hdr.type : 0);
		}
		tap_diag("%u connections served, %u dropped", served, dropped);
		TAP_ASSERT(dropped > 0);
	}
	td_assert_alive(&d);
	for (i = 0; i < n; i++)
		close(k[i]);
	/* the rings go with this connection too: then check_serving */
	close(fd);
	case_fd = -1;
	td_settle(&d);
}

/* --- hostile ring memory --------------------------------------------- */

/*
 * OPEN a ring to scheme on a raw connection that said HELLO; the reply's
 * three descriptors go to *fds.
 */
static uint64_t
raw_open(int fd, uint32_t seq, const char *scheme, uint32_t sq, uint64_t pool,
    struct ring_fds *fds)
{
	struct proto_open op;
	struct proto_msg m;

	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, scheme, strlen(scheme));
	op.params.sq_entries = sq;
	op.params.pool_bytes = pool;
	SEND(fd, PROTO_OPEN, seq, &op, sizeof(op));
	expect_reply(fd, PROTO_OPEN, seq, 0, &m);
	TAP_EQ(m.nfds, 3);
	fds->mem = m.fds[0];
	fds->doorbell[0] = m.fds[1];
	fds->doorbell[1] = m.fds[2];
	return ((const struct proto_open_reply *)m.body.raw)->ring_id;
}

/* Ring the producer's doorbell, as a push would. */
static void
kick(const struct ring_fds *fds)
{
	uint64_t one = 1;

	TAP_EQ(write(fds->doorbell[1], &one, sizeof(one)), sizeof(one));
}

/* Wait up to 3 s for ringd to list ring id in state want. */
static void
await_state(uint64_t id, uint32_t want)
{
	struct ring_ctl *c = td_connect(&d);
	struct ring_ctl_ring rec;
	uint64_t t0 = tu_now_ns();

	for (;;) {
		td_assert_alive(&d);
		if (!td_find_ring(c, id, &rec))
			TAP_FAIL("ring %llu is no longer listed",
			    (unsigned long long)id);
		if (rec.state == want)
			break;
		if (tu_now_ns() - t0 > 3000000000ull)
			TD_FAIL(&d, "ring %llu in state %u, expected %u",
			    (unsigned long long)id, rec.state, want);
		tu_sleep_ms(10);
	}
	ring_ctl_close(c);
	TAP_HERE();
}

/*
 * A consumer that corrupts the shared state of a ring ringd serves:
 * which = 0 SQ tail far ahead, 1 CQ head ahead of its tail, 2 garbage
 * over both header pages and the description page.  ringd must mark the
 * ring broken (or at least stop serving it) and live on.
 */
static void
hostile_ring(int fd, int which)
{
	struct ring_fds fds;
	struct ring_header_page *sq, *cq;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe cq1;
	uint64_t id;
	size_t len;
	uint8_t *map;

	hello(fd, 1);
	id = raw_open(fd, 2, which == 1 ? "echo" : "null", 8, 4096, &fds);
	/* the pair is sealed: no peer can shrink it under ringd */
	TAP_RC(ftruncate(fds.mem, 0) == 0 ? 0 : -errno, -EPERM);
	TAP_RC(ring_open(&fds, RING_ROLE_CONSUMER, &r), 0);
	memset(&s, 0, sizeof(s));
	s.user_data = 5;
	td_roundtrip(r, &s, &cq1);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	sq = tu_sq_hdr(map);
	cq = tu_cq_hdr(map);
	switch (which) {
	case 0:
		__atomic_store_n(&sq->h.tail_index, sq->h.head_index + 1000,
		    __ATOMIC_RELEASE);
		break;
	case 1:
		/* CQ full of nothing: head runs ahead of tail, then one push */
		__atomic_store_n(&cq->h.head_index, cq->h.tail_index + 3,
		    __ATOMIC_RELEASE);
		TAP_RC(ring_sq_push(r, &s), 0);
		break;
	default: {
		size_t i;

		tu_srand(3);
		for (i = 0; i < 3 * RING_PAGE; i += 8) {
			uint64_t v = tu_rand();

			memcpy(map + i, &v, 8);
		}
		break;
	}
	}
	kick(&fds);
	if (which < 2)
		await_state(id, RING_CTL_BROKEN);
	else {
		/* listing a ring with garbage headers must work too */
		struct ring_ctl *c = td_connect(&d);

		tu_sleep_ms(50);
		TAP_ASSERT(td_find_ring(c, id, NULL));
		ring_ctl_close(c);
	}
	td_assert_alive(&d);
	munmap(map, len);
	ring_close(r);
	ring_fds_close(&fds);
	/* the case's connection closes in run_case: that releases it */
}

static void
case_hostile_sq(int fd)
{
	hostile_ring(fd, 0);
}

static void
case_hostile_cq(int fd)
{
	hostile_ring(fd, 1);
}

static void
case_hostile_garbage(int fd)
{
	hostile_ring(fd, 2);
}

/*
 * The pool's allocation map is the consumer's to write: a map claiming
 * everything is allocated must still not let `zero` write outside the
 * pool, and a torn map must not crash it.
 */
static void
case_hostile_pool_map(int fd)
{
	struct ring_fds fds;
	struct ring_layout l;
	struct ring *r;
	struct ring_sqe s;
	struct ring_cqe c;
	uint8_t *map;
	size_t len, i;
	uint64_t pool = 8192, off;

	hello(fd, 1);
	(void)raw_open(fd, 2, "zero", 4, pool, &fds);
	TAP_RC(ring_open(&fds, RING_ROLE_CONSUMER, &r), 0);
	map = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	l = ring_layout(0, 4, 4, pool);
	TAP_EQ(len, l.total);
	memset(map + l.pool_map, 0xff, l.pool - l.pool_map);
	memset(map + l.pool, 0xab, pool);
	memset(&s, 0, sizeof(s));
	s.opcode = RING_OP_READ;
	/* whole pool: fine now; one byte more, or wrapping: -EFAULT */
	s.addr = 0;
	s.len = pool;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, (int64_t)pool);
	memset(map + l.pool, 0xab, pool);
	s.len = pool + 1;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	s.addr = 64;
	s.len = ~0ull - 32;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	s.addr = ~0ull - 63;
	s.len = 128;
	td_roundtrip(r, &s, &c);
	TAP_EQ((int64_t)c.status, -EFAULT);
	for (i = 0; i < pool; i++)
		if (map[l.pool + i] != 0xab)
			TAP_FAIL("pool byte %zu changed by a refused READ", i);
	/* random map bits, random ranges: answers, no crash */
	tu_srand(5);
	for (i = 0; i < 200; i++) {
		if (i % 20 == 0)
			map[l.pool_map +
			    tu_rand_below(l.pool - l.pool_map)] = (uint8_t)
			    tu_rand();
		off = tu_rand_below(pool + 256);
		s.addr = off;
		s.len = tu_rand_below(pool + 256);
		s.user_data = i;
		td_roundtrip(r, &s, &c);
		TAP_ASSERT((int64_t)c.status == (int64_t)s.len ||
		    (int64_t)c.status == -EFAULT);
		if ((int64_t)c.status >= 0 && off + s.len > pool)
			TAP_FAIL("READ [%llu, +%llu) past an %llu-byte pool "
				 "succeeded",
			    (unsigned long long)off, (unsigned long long)s.len,
			    (unsigned long long)pool);
	}
	td_assert_alive(&d);
	munmap(map, len);
	ring_close(r);
	ring_fds_close(&fds);
}

struct pcase {
	const char *name;
	void (*fn)(int fd);
	const char *conf;
	unsigned flags; /* td_start() flags */
};

static const struct pcase pcases[] = {
	{ "proto-bad-magic", case_bad_magic, NULL, 0 },
	{ "proto-wrong-version", case_wrong_version, NULL, 0 },
	{ "proto-hello-body-version", case_hello_version, NULL, 0 },
	{ "proto-short-header", case_short_header, NULL, 0 },
	{ "proto-length-lies", case_length_lies, NULL, 0 },
	{ "proto-body-size", case_body_size, NULL, 0 },
	{ "proto-unknown-type", case_unknown_type, NULL, 0 },
	{ "proto-reply-as-request", case_reply_as_request, NULL, 0 },
	{ "proto-before-hello", case_before_hello, NULL, 0 },
	{ "proto-hello-twice", case_hello_twice, NULL, 0 },
	{ "proto-attach-from-client", case_attach_from_client, NULL, 0 },
	{ "proto-accept-unknown-ring", case_accept_unknown, NULL, 0 },
	{ "proto-accept-bad-answers", case_accept_bad, NULL, 0 },
	{ "proto-bad-names", case_bad_names, NULL, 0 },
	{ "proto-bad-opcode-names", case_bad_opnames, NULL, 0 },
	{ "proto-fds-on-fdless-message", case_fds_on_status, NULL, 0 },
	{ "proto-too-many-fds", case_many_fds, NULL, 0 },
	{ "proto-oversized", case_oversized, NULL, 0 },
	{ "proto-zero-length", case_zero_length, NULL, 0 },
	{ "proto-garbage-flood", case_garbage_flood, NULL, 0 },
	{ "proto-unread-status-flood", case_unread_status, NULL, 0 },
	{ "proto-unread-list-flood", case_unread_lists, NULL, 0 },
	{ "proto-shut-read", case_shut_read, NULL, 0 },
	{ "proto-deaf-scheme", case_deaf_scheme,
	    "max_pending_bytes = 4096\naccept_timeout_ms = 9000\n"
	    "max_rings_per_client = 1000\n",
	    0 },
	{ "proto-hostile-ring-sq-tail", case_hostile_sq, NULL, 0 },
	{ "proto-hostile-ring-cq-head", case_hostile_cq, NULL, 0 },
	{ "proto-hostile-ring-garbage", case_hostile_garbage, NULL, 0 },
	{ "proto-hostile-pool-map", case_hostile_pool_map, NULL, 0 },
	{ "proto-self-attach", case_self_attach, NULL, 0 },
	{ "proto-connect-churn", case_churn, NULL, 0 },
	{ "proto-max-clients", case_max_clients, "max_clients = 4\n", 0 },
	{ "proto-fd-exhaustion", case_fd_exhaustion, NULL, TD_NOFILE_64 },
};

static const struct pcase *cur;

/* Fresh ringd, the case, then: alive, serving, back to idle, clean stop. */
static void
run_case(void)
{
	signal(SIGPIPE, SIG_IGN);
	memset(&d, 0, sizeof(d));
	td_start(&d, cur->conf, cur->flags);
	case_fd = td_raw_connect(&d);
	cur->fn(case_fd);
	if (case_fd >= 0)
		close(case_fd);
	check_serving();
	td_stop(&d);
	td_cleanup(&d);
}

int
main(int argc, char **argv)
{
	size_t i;

	tap_init(argc, argv);
	td_setup();
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		cur = &pcases[i];
		tap_run(cur->name, run_case, 30);
	}
	return tap_done();
}
