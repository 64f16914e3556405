/*
 * t-proto-frame.c - framing attacks on ringd's control socket: bad magic
 * and versions, short headers, lying length fields, bodies of the wrong
 * size (PHYS_ALLOC_SG's among them), unknown types, replies and events
 * sent as requests, descriptors where none may travel, oversized, empty
 * and random packets.
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

/* Bad magic: PROTO_ERROR -EPROTO; no seq can be trusted, so 0. */
static void
case_bad_magic(int fd)
{
	struct proto_hello h = { .version = PROTO_VERSION };

	TAP_RC(pc_msg(fd, 0xdeadbeefu, PROTO_VERSION, PROTO_HELLO,
		   PC_HDR + sizeof(h), 7, &h, sizeof(h), NULL, 0),
	    0);
	pc_expect_error_frame(fd, 0, -EPROTO);
	/* byte-swapped magic, the classic endianness mistake */
	TAP_RC(pc_msg(fd, __builtin_bswap32(PROTO_MAGIC), PROTO_VERSION,
		   PROTO_HELLO, PC_HDR + sizeof(h), 8, &h, sizeof(h), NULL, 0),
	    0);
	pc_expect_error_frame(fd, 0, -EPROTO);
}

/* Another header version: PROTO_ERROR carrying ringd's version. */
static void
case_wrong_version(int fd)
{
	struct proto_hello h = { .version = PROTO_VERSION };

	TAP_RC(pc_msg(fd, PROTO_MAGIC, PROTO_VERSION + 1, PROTO_HELLO,
		   PC_HDR + sizeof(h), 11, &h, sizeof(h), NULL, 0),
	    0);
	pc_expect_error_frame(fd, 11, -EPROTO);
	TAP_RC(pc_msg(fd, PROTO_MAGIC, 0, PROTO_HELLO, PC_HDR + sizeof(h), 12,
		   &h, sizeof(h), NULL, 0),
	    0);
	pc_expect_error_frame(fd, 12, -EPROTO);
	TAP_RC(pc_msg(fd, PROTO_MAGIC, 0xffff, PROTO_STATUS, PC_HDR, 13, NULL,
		   0, NULL, 0),
	    0);
	pc_expect_error_frame(fd, 13, -EPROTO);
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
	PC_SEND(fd, PROTO_HELLO, 1, &h, sizeof(h));
	pc_expect_reply(fd, PROTO_HELLO, 1, -EPROTO, &m);
	r = (const struct proto_hello_reply *)m.body.raw;
	TAP_EQ(r->version, PROTO_VERSION);
	/* still not introduced: requests are refused */
	PC_SEND(fd, PROTO_STATUS, 2, NULL, 0);
	pc_expect_reply(fd, PROTO_STATUS, 2, -EPROTO, NULL);
	/* non-zero flags */
	h.version = PROTO_VERSION;
	h.flags = 1;
	PC_SEND(fd, PROTO_HELLO, 3, &h, sizeof(h));
	pc_expect_reply(fd, PROTO_HELLO, 3, -EINVAL, NULL);
	/* the library reports ringd's version on a good connection */
	TAP_RC(ring_ctl_connect(pc_d.sock, &ver, &c), 0);
	TAP_EQ(ver, PROTO_VERSION);
	ring_ctl_close(c);
}

/* A header shorter than a header. */
static void
case_short_header(int fd)
{
	uint32_t magic = PROTO_MAGIC;

	TAP_RC(pc_packet(fd, &magic, sizeof(magic), NULL, 0), 0);
	pc_expect_error_frame(fd, 0, -EPROTO);
	TAP_RC(pc_packet(fd, "x", 1, NULL, 0), 0);
	pc_expect_error_frame(fd, 0, -EPROTO);
}

/* The length field disagrees with the packet. */
static void
case_length_lies(int fd)
{
	pc_hello(fd, 1);
	TAP_RC(pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS,
		   PC_HDR + 100, 2, NULL, 0, NULL, 0),
	    0);
	pc_expect_error_frame(fd, 2, -EBADMSG);
	TAP_RC(pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS, 0, 3, NULL,
		   0, NULL, 0),
	    0);
	pc_expect_error_frame(fd, 3, -EBADMSG);
	TAP_RC(pc_msg(fd, PROTO_MAGIC, PROTO_VERSION, PROTO_STATUS, 0xffffffffu,
		   4, NULL, 0, NULL, 0),
	    0);
	pc_expect_error_frame(fd, 4, -EBADMSG);
	/* and a good request on the same connection still works */
	PC_SEND(fd, PROTO_STATUS, 5, NULL, 0);
	pc_expect_reply(fd, PROTO_STATUS, 5, 0, NULL);
}

/* Bodies one byte short, half, one byte long, for fixed-size types. */
static void
case_body_size(int fd)
{
	static uint8_t body[sizeof(struct proto_register) + 8];

	memset(body, 0, sizeof(body));
	pc_hello(fd, 1);
	PC_SEND(fd, PROTO_OPEN, 2, body, sizeof(struct proto_open) - 1);
	pc_expect_error_frame(fd, 2, -EBADMSG);
	PC_SEND(fd, PROTO_REGISTER, 3, body, sizeof(struct proto_register) / 2);
	pc_expect_error_frame(fd, 3, -EBADMSG);
	PC_SEND(fd, PROTO_STATUS, 4, body, 8);
	pc_expect_error_frame(fd, 4, -EBADMSG);
	PC_SEND(fd, PROTO_ACCEPT, 5, body, sizeof(struct proto_accept) + 1);
	pc_expect_error_frame(fd, 5, -EBADMSG);
	PC_SEND(fd, PROTO_HELLO, 6, body, 0);
	pc_expect_error_frame(fd, 6, -EBADMSG);
}

/*
 * PHYS_ALLOC_SG's wire rules: a fixed-size request; its reply a list
 * packet of whole segment records, {error, end 1, one zero record} when
 * it fails; a reply sent by a client is refused.
 */
static void
case_phys_alloc_sg(int fd)
{
	struct proto_phys_alloc_sg req;
	static uint8_t body[sizeof(req) + 8];
	struct proto_msg m;
	struct proto_phys_seg seg;
	uint32_t end;
	int32_t err;

	memset(&req, 0, sizeof(req));
	memset(body, 0, sizeof(body));
	pc_hello(fd, 1);
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG, 2, body, sizeof(req) - 1);
	pc_expect_error_frame(fd, 2, -EBADMSG);
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG, 3, body, sizeof(req) + 8);
	pc_expect_error_frame(fd, 3, -EBADMSG);
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG, 4, NULL, 0);
	pc_expect_error_frame(fd, 4, -EBADMSG);
	/* a reply of whole records sent as a request */
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG | PROTO_REPLY, 5, body,
	    PROTO_LIST_HDR + sizeof(seg));
	pc_expect_error_frame(fd, 5, -EBADMSG);
	/* all zero: the error reply has the list's shape */
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG, 6, &req, sizeof(req));
	pc_expect_reply(fd, PROTO_PHYS_ALLOC_SG, 6, -EINVAL, &m);
	TAP_EQ(m.hdr.len, PC_HDR + sizeof(struct proto_phys_seg_rec));
	memcpy(&end, m.body.raw + sizeof(err), sizeof(end));
	TAP_EQ(end, 1);
	/* a good one: one packet, header words and one record */
	req.size = 3 * 4096;
	req.min = 4096;
	req.flags = RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY;
	req.max_segs = PROTO_PHYS_SG_SEGS;
	PC_SEND(fd, PROTO_PHYS_ALLOC_SG, 7, &req, sizeof(req));
	pc_expect_reply(fd, PROTO_PHYS_ALLOC_SG, 7, 0, &m);
	TAP_EQ(m.hdr.len, PC_HDR + PROTO_LIST_HDR + sizeof(seg));
	memcpy(&end, m.body.raw + sizeof(err), sizeof(end));
	memcpy(&seg, m.body.raw + PROTO_LIST_HDR, sizeof(seg));
	TAP_EQ(end, 1);
	TAP_EQ_U(seg.len, 3 * 4096);
	TAP_ASSERT(seg.region_id != 0);
}

/* Types nobody defined. */
static void
case_unknown_type(int fd)
{
	static const uint16_t types[] = { 0, PROTO_TYPE_COUNT, 99, 0x7ffe,
		0xffff };
	uint32_t i;

	pc_hello(fd, 1);
	for (i = 0; i < 5; i++) {
		PC_SEND(fd, types[i], 10 + i, NULL, 0);
		pc_expect_error_frame(fd, 10 + i, -EBADMSG);
	}
}

/* Replies, events and errors sent as if they were requests. */
static void
case_reply_as_request(int fd)
{
	uint8_t body[sizeof(struct proto_status_reply)];
	struct proto_error e = { .error = -EPROTO, .version = PROTO_VERSION };

	memset(body, 0, sizeof(body));
	pc_hello(fd, 1);
	PC_SEND(fd, PROTO_STATUS | PROTO_REPLY, 2, body,
	    sizeof(struct proto_status_reply));
	pc_expect_error_frame(fd, 2, -EBADMSG);
	PC_SEND(fd, PROTO_HELLO | PROTO_REPLY, 3, body,
	    sizeof(struct proto_hello_reply));
	pc_expect_error_frame(fd, 3, -EBADMSG);
	PC_SEND(fd, PROTO_ERROR, 4, &e, sizeof(e));
	pc_expect_error_frame(fd, 4, -EBADMSG);
	/* an OPEN reply may carry three descriptors; from a client, none */
	{
		struct proto_open_reply rep;

		memset(&rep, 0, sizeof(rep));
		rep.ring_id = 1;
		pc_expect_fds_refused(fd, PROTO_OPEN | PROTO_REPLY, 5, &rep,
		    sizeof(rep), 3, -EBADMSG);
	}
}

/* A descriptor on a message that takes none is refused and let go. */
static void
case_fds_on_status(int fd)
{
	struct pc_pipes p;

	pc_hello(fd, 1);
	pc_expect_fds_refused(fd, PROTO_STATUS, 2, NULL, 0, 1, -EBADMSG);
	/* an OPEN carrying descriptors */
	{
		struct proto_open op;

		memset(&op, 0, sizeof(op));
		memcpy(op.scheme, "null", 4);
		op.params.sq_entries = 4;
		pc_expect_fds_refused(fd, PROTO_OPEN, 3, &op, sizeof(op), 3,
		    -EBADMSG);
	}
	/* even on a message whose header is bad */
	pc_pipes_make(&p, 2);
	TAP_RC(pc_msg(fd, 0x12345678, PROTO_VERSION, PROTO_STATUS, PC_HDR, 4,
		   NULL, 0, p.wr, 2),
	    0);
	pc_expect_error_frame(fd, 0, -EPROTO);
	pc_pipes_expect_released(&p);
}

/* More descriptors than any message may carry: one more, then 20 more. */
static void
case_many_fds(int fd)
{
	struct proto_hello h;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	pc_expect_fds_refused(fd, PROTO_HELLO, 1, &h, sizeof(h),
	    PROTO_MAX_FDS + 1, -EMSGSIZE);
	pc_expect_fds_refused(fd, PROTO_HELLO, 2, &h, sizeof(h),
	    PROTO_MAX_FDS + 20, -EMSGSIZE);
}

/* Packets over PROTO_MAX_MSG. */
static void
case_oversized(int fd)
{
	static uint8_t body[2 * PROTO_MAX_MSG];

	pc_hello(fd, 1);
	PC_SEND(fd, PROTO_STATUS, 2, body, PROTO_MAX_MSG + 1 - PC_HDR);
	pc_expect_error_frame(fd, 2, -EMSGSIZE);
	PC_SEND(fd, PROTO_STATUS, 3, body, sizeof(body));
	pc_expect_error_frame(fd, 3, -EMSGSIZE);
	/* with descriptors, which must not stay behind */
	pc_expect_fds_refused(fd, PROTO_OPEN, 4, body,
	    PROTO_MAX_MSG + 8 - PC_HDR, 2, -EMSGSIZE);
	/* exactly PROTO_MAX_MSG of a wrong type is a length error, not size */
	PC_SEND(fd, PROTO_STATUS, 5, body, PROTO_MAX_MSG - PC_HDR);
	pc_expect_error_frame(fd, 5, -EBADMSG);
}

/* A zero-length packet reads as end of stream: ringd hangs up. */
static void
case_zero_length(int fd)
{
	pc_hello(fd, 1);
	TAP_RC(pc_packet(fd, "", 0, NULL, 0), 0);
	pc_expect_eof(fd, 3000);
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
		if (i % 2 && len >= PC_HDR) {
			struct proto_hdr h = { PROTO_MAGIC, PROTO_VERSION,
				(uint16_t)tu_rand_below(16), len, i };

			memcpy(buf, &h, PC_HDR);
		}
		rc = pc_packet(fd, buf, len, NULL, 0);
		if (rc < 0)
			break;
		sent++;
	}
	got = pc_expect_eof(fd, 5000);
	tap_diag("sent %u garbage packets (then %s), %u replies before the "
		 "hang-up",
	    sent, rc < 0 ? tap_rcname(rc) : "none refused", got);
	TAP_ASSERT(got <= 50);
}

static const struct pc_case cases[] = {
	{ "proto-bad-magic", case_bad_magic, NULL, 0 },
	{ "proto-wrong-version", case_wrong_version, NULL, 0 },
	{ "proto-hello-body-version", case_hello_version, NULL, 0 },
	{ "proto-short-header", case_short_header, NULL, 0 },
	{ "proto-length-lies", case_length_lies, NULL, 0 },
	{ "proto-body-size", case_body_size, NULL, 0 },
	{ "proto-phys-alloc-sg", case_phys_alloc_sg, NULL, 0 },
	{ "proto-unknown-type", case_unknown_type, NULL, 0 },
	{ "proto-reply-as-request", case_reply_as_request, NULL, 0 },
	{ "proto-fds-on-fdless-message", case_fds_on_status, NULL, 0 },
	{ "proto-too-many-fds", case_many_fds, NULL, 0 },
	{ "proto-oversized", case_oversized, NULL, 0 },
	{ "proto-zero-length", case_zero_length, NULL, 0 },
	{ "proto-garbage-flood", case_garbage_flood, NULL, 0 },
};

PC_MAIN(cases)
