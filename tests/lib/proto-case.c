/*
 * proto-case.c - what the t-proto-*.c programs share (proto-case.h): raw
 * packets with every header field chosen by the caller, reading and
 * checking ringd's answers, pipes whose write ends travel as
 * descriptors, and the driver that runs each case against a fresh
 * private ringd and checks that it still serves and is back to idle.
 * Sends bytes by hand on purpose: hostile input must not go through
 * lib/proto.c's validating proto_send().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto-case.h"
#include "daemon.h"
#include "tap.h"
#include "testutil.h"

/* --- raw packets ------------------------------------------------------- */

/* One packet of exactly these bytes and descriptors; -errno on failure. */
int
pc_packet(int fd, const void *buf, size_t len, const int *fds, unsigned nfds)
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
			TAP_FAIL("pc_packet: %u descriptors", nfds);
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
int
pc_msg(int fd, uint32_t magic, uint16_t ver, uint16_t type, uint32_t lenf,
    uint32_t seq, const void *body, size_t blen, const int *fds, unsigned nfds)
{
	static uint8_t buf[3 * PROTO_MAX_MSG];
	struct proto_hdr h;

	if (blen + PC_HDR > sizeof(buf))
		TAP_FAIL("pc_msg: %zu bytes of body", blen);
	h.magic = magic;
	h.version = ver;
	h.type = type;
	h.len = lenf;
	h.seq = seq;
	memcpy(buf, &h, PC_HDR);
	if (blen > 0)
		memcpy(buf + PC_HDR, body, blen);
	return pc_packet(fd, buf, PC_HDR + blen, fds, nfds);
}

/* An honest header for blen bytes of body. */
int
pc_send(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen)
{
	return pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, type,
	    PC_HDR + (uint32_t)blen, seq, body, blen, NULL, 0);
}

/* Next message within ms: 0, -ECONNRESET at EOF, -ETIMEDOUT, or -errno. */
int
pc_next(int fd, struct proto_msg *m, int ms)
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
void
pc_expect_error_frame_at(int fd, uint32_t seq, int err, const char *file,
    int line)
{
	const struct proto_error *e;
	struct proto_msg m;
	int rc;

	rc = pc_next(fd, &m, 3000);
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
void
pc_expect_reply_at(int fd, uint16_t type, uint32_t seq, int err,
    struct proto_msg *m, const char *file, int line)
{
	struct proto_msg local;
	int32_t e;
	int rc;

	if (m == NULL)
		m = &local;
	rc = pc_next(fd, m, 3000);
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
unsigned
pc_expect_eof_at(int fd, int ms, const char *file, int line)
{
	struct proto_msg m;
	uint64_t t0 = clock_ns();
	unsigned n = 0;
	int rc;

	for (;;) {
		rc = pc_next(fd, &m, 100);
		if (rc == -ECONNRESET || rc == -EPIPE)
			break;
		if (rc == 0) {
			proto_msg_close_fds(&m);
			n++;
		}
		if (clock_ns() - t0 > (uint64_t)ms * 1000000ull)
			tap_fail_at(file, line,
			    "ringd did not hang up within %d "
			    "ms (%u messages came)",
			    ms, n);
	}
	TAP_HERE();
	return n;
}

/* A correct HELLO, answered with no error. */
void
pc_hello(int fd, uint32_t seq)
{
	struct proto_hello h;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	memcpy(h.comm, "raw", 3);
	PC_SEND(fd, PROTO_HELLO, seq, &h, sizeof(h));
	pc_expect_reply(fd, PROTO_HELLO, seq, 0, NULL);
}

/* HELLO, then REGISTER name; both answered with no error. */
void
pc_hello_register(int fd, const char *name, struct proto_register *reg)
{
	struct proto_register local;

	if (reg == NULL)
		reg = &local;
	pc_hello(fd, 1);
	memset(reg, 0, sizeof(*reg));
	if (strlen(name) >= sizeof(reg->name))
		TAP_FAIL("pc_hello_register: name %s too long", name);
	memcpy(reg->name, name, strlen(name));
	PC_SEND(fd, PROTO_REGISTER, 2, reg, sizeof(*reg));
	pc_expect_reply(fd, PROTO_REGISTER, 2, 0, NULL);
}

/* --- pipes as descriptors to pass -------------------------------------- */

void
pc_pipes_make(struct pc_pipes *p, unsigned n)
{
	int f[2];
	unsigned i;

	TAP_ASSERT(n <= sizeof(p->rd) / sizeof(p->rd[0]));
	p->n = n;
	for (i = 0; i < n; i++) {
		TAP_SYS(pipe2(f, O_CLOEXEC));
		p->rd[i] = f[0];
		p->wr[i] = f[1];
	}
}

/* Our write ends are gone: EOF on each read end proves ringd's are too. */
void
pc_pipes_expect_released(struct pc_pipes *p)
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

/* An honest message with nfds pipes attached is refused; the pipes let go. */
void
pc_expect_fds_refused_at(int fd, uint16_t type, uint32_t seq, const void *body,
    size_t blen, unsigned nfds, int err, const char *file, int line)
{
	struct pc_pipes p;
	int rc;

	pc_pipes_make(&p, nfds);
	rc = pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, type,
	    PC_HDR + (uint32_t)blen, seq, body, blen, p.wr, nfds);
	if (rc != 0)
		tap_fail_at(file, line, "sending type %#x with %u descriptors: %s",
		    type, nfds, tap_rcname(rc));
	pc_expect_error_frame_at(fd, seq, err, file, line);
	pc_pipes_expect_released(&p);
}

/* --- what every case ends with, and the cases' driver ------------------ */

/* ringd lives, serves a fresh honest client, and is back to idle. */
void
pc_check_serving(void)
{
	struct ring_ctl *c;
	struct ring_ctl_status st;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id;

	td_assert_alive(&pc_d);
	c = td_connect(&pc_d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.pid, pc_d.pid);
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
	td_settle(&pc_d);
}

struct td pc_d;
int pc_fd = -1;

static const struct pc_case *pc_cur;

/* Fresh ringd, the case, then: alive, serving, back to idle, clean stop. */
static void
pc_run_case(void)
{
	signal(SIGPIPE, SIG_IGN);
	memset(&pc_d, 0, sizeof(pc_d));
	td_start(&pc_d, pc_cur->conf, pc_cur->flags);
	pc_fd = td_raw_connect(&pc_d);
	pc_cur->fn(pc_fd);
	if (pc_fd >= 0)
		close(pc_fd);
	pc_check_serving();
	td_stop(&pc_d);
	td_cleanup(&pc_d);
}

int
pc_main(int argc, char **argv, const struct pc_case *cases, size_t n)
{
	size_t i;

	tap_init(argc, argv);
	td_setup();
	for (i = 0; i < n; i++) {
		pc_cur = &cases[i];
		tap_run(pc_cur->name, pc_run_case, 30);
	}
	return tap_done();
}
