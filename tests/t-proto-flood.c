/*
 * t-proto-flood.c - clients hostile by their behaviour: floods of
 * requests they never read the answers of, a shut reading side, a scheme
 * that never reads its ATTACHes, connection churn, max_clients, one
 * connection on both sides of a ring, and ringd short of descriptors.
 *
 * Each case is a sub-test with a fresh private ringd (lib/proto-case.h):
 * it sends its bytes on a raw SOCK_SEQPACKET connection, checks the
 * answer (an error reply of the documented shape, or a disconnect where
 * that is the answer), and then ringd must be alive, serve a fresh honest
 * client and hold no more descriptors or memfd mappings than when idle.
 * Descriptors passed along with bad messages are pipe write ends: once
 * ringd has answered, the read ends must see EOF.  The other t-proto-*
 * programs cover the other kinds of bad input.
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

#include "lib/proto-case.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

/* --- the cases ------------------------------------------------------------ */

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

	pc_hello(fd, 1);
	t0 = clock_ns();
	for (seq = 2; sent < 200000; seq++) {
		rc = pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, type, PC_HDR, seq,
		    NULL, 0, NULL, 0);
		if (rc == 0) {
			sent++;
			stall = 0;
			continue;
		}
		if (rc != -EAGAIN)
			TAP_FAIL("request %u: %s", sent, tap_rcname(rc));
		if (stall == 0)
			stall = clock_ns();
		if (clock_ns() - stall > 300000000ull)
			break;
		tu_sleep_ms(5);
		seq--;
	}
	tap_diag("%u requests went out before ringd stopped reading (%.0f ms)",
	    sent, (double)(clock_ns() - t0) / 1e6);
	TAP_ASSERT(sent < 200000);
	/* others are served meanwhile */
	c = td_connect(&pc_d);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ(st.clients, 2);
	ring_ctl_close(c);
	/* now read: every reply, in order */
	next = 2;
	recs = 0;
	while (next < 2 + sent) {
		rc = pc_next(fd, &m, 3000);
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
	TAP_RC(pc_next(fd, &m, 100), -ETIMEDOUT);
	PC_SEND(fd, PROTO_STATUS, next, NULL, 0);
	pc_expect_reply(fd, PROTO_STATUS, next, 0, NULL);
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
	pc_hello(fd, 1);
	TAP_SYS(shutdown(fd, SHUT_RD));
	PC_SEND(fd, PROTO_STATUS, 2, NULL, 0);
	/* our sends start failing once ringd has let go */
	{
		uint64_t t0 = clock_ns();
		int rc;

		while ((rc = pc_send(fd, PROTO_STATUS, 4, NULL, 0)) == 0) {
			if (clock_ns() - t0 > 3000000000ull)
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
	struct proto_open op;
	struct proto_msg m;
	struct ring_ctl *c;
	struct ring_ctl_scheme sc;
	unsigned i, sent, n = 600, again = 0, reset = 0, other = 0;
	int32_t e;
	int rc, cfd;

	pc_hello_register(fd, "deaf", NULL);
	/* from now on the scheme reads nothing; a raw consumer pipelines */
	c = td_connect(&pc_d);
	cfd = td_raw_connect(&pc_d);
	pc_hello(cfd, 1);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "deaf", 4);
	op.params.sq_entries = 64;
	op.params.pool_bytes = 65536;
	/* send while reading: we must not be the deaf one */
	TAP_SYS(fcntl(cfd, F_SETFL, O_NONBLOCK));
	for (i = 0, sent = 0; i < n;) {
		if (sent < n) {
			rc = pc_send(cfd, PROTO_OPEN, 100 + sent, &op,
			    sizeof(op));
			if (rc == 0) {
				sent++;
				continue;
			}
			if (rc != -EAGAIN)
				TAP_FAIL("OPEN %u: %s", sent, tap_rcname(rc));
		}
		/* once all are sent, what is left waits for the scheme */
		rc = pc_next(cfd, &m, sent < n ? 10 : 1000);
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
		TD_FAIL(&pc_d, "ringd never held the consumer back");
	/* the deaf scheme keeps its name */
	TAP_ASSERT(td_find_scheme(c, "deaf", &sc));
	/* it goes: the opens still waiting for it fail, all of them */
	close(fd);
	pc_fd = -1;
	while (i < n) {
		rc = pc_next(cfd, &m, 10000);
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
	pc_fd = -1;
	for (i = 0; i < 64; i++)
		k[i] = td_raw_connect(&pc_d);
	for (i = 0; i < 64; i++)
		close(k[i]);
	for (i = 0; i < 200; i++)
		close(td_raw_connect(&pc_d));
	/* ringd works through its accept queue and is idle again */
	td_settle(&pc_d);
}

/* max_clients = 4 (set for this case): the fifth gets -EUSERS. */
static void
case_max_clients(int fd)
{
	int k[3], extra;
	unsigned i;

	pc_hello(fd, 1);
	for (i = 0; i < 3; i++) {
		k[i] = td_raw_connect(&pc_d);
		pc_hello(k[i], 1);
	}
	extra = td_raw_connect(&pc_d);
	pc_expect_error_frame(extra, 0, -EUSERS);
	pc_expect_eof(extra, 3000);
	close(extra);
	close(k[0]);
	/* room again, soon */
	{
		struct ring_ctl *c;
		uint64_t t0 = clock_ns();
		int rc;

		while ((rc = ring_ctl_connect(pc_d.sock, NULL, &c)) < 0) {
			if (clock_ns() - t0 > 3000000000ull)
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

	pc_hello_register(fd, "self", &reg);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "self", 4);
	op.params.sq_entries = 4;
	PC_SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	TAP_RC(pc_next(fd, &m, 3000), 0);
	TAP_EQ(m.hdr.type, PROTO_ATTACH);
	TAP_EQ(m.nfds, 3);
	TAP_EQ(((const struct proto_attach *)m.body.raw)->consumer.pid,
	    getpid());
	id = ((const struct proto_attach *)m.body.raw)->ring_id;
	proto_msg_close_fds(&m);
	memset(&a, 0, sizeof(a));
	a.ring_id = id;
	PC_SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	for (i = 0; i < 2; i++) {
		TAP_RC(pc_next(fd, &m, 3000), 0);
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
	PC_SEND(fd, PROTO_UNREGISTER, 5, &reg.name, sizeof(reg.name));
	pc_expect_reply(fd, PROTO_UNREGISTER, 5, 0, NULL);
	PC_SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, 6, 0, NULL);
	PC_SEND(fd, PROTO_OPEN, 7, &op, sizeof(op));
	TAP_RC(pc_next(fd, &m, 3000), 0);
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

	pc_hello(fd, 1);
	/* rings until OPEN fails */
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "null", 4);
	op.params.sq_entries = 2;
	for (i = 0; i < 40; i++) {
		PC_SEND(fd, PROTO_OPEN, 10 + i, &op, sizeof(op));
		rc = pc_next(fd, &m, 3000);
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
		k[i] = td_raw_connect(&pc_d);
		n++;
	}
	/* each is served or hung up on, none is left hanging */
	{
		struct proto_hello h = { .version = PROTO_VERSION };
		unsigned served = 0, dropped = 0;

		for (i = 0; i < n; i++) {
			rc = pc_send(k[i], PROTO_HELLO, 1, &h, sizeof(h));
			if (rc == 0)
				rc = pc_next(k[i], &m, 3000);
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
	td_assert_alive(&pc_d);
	for (i = 0; i < n; i++)
		close(k[i]);
	/* the rings go with this connection too: then check_serving */
	close(fd);
	pc_fd = -1;
	td_settle(&pc_d);
}

static const struct pc_case cases[] = {
	{ "proto-unread-status-flood", case_unread_status, NULL, 0 },
	{ "proto-unread-list-flood", case_unread_lists, NULL, 0 },
	{ "proto-shut-read", case_shut_read, NULL, 0 },
	{ "proto-deaf-scheme", case_deaf_scheme,
	    "max_pending_bytes = 4096\naccept_timeout_ms = 9000\n"
	    "max_rings_per_client = 1000\n",
	    0 },
	{ "proto-self-attach", case_self_attach, NULL, 0 },
	{ "proto-connect-churn", case_churn, NULL, 0 },
	{ "proto-max-clients", case_max_clients, "max_clients = 4\n", 0 },
	{ "proto-fd-exhaustion", case_fd_exhaustion, NULL, TD_NOFILE_64 },
};

PC_MAIN(cases)
