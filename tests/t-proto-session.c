/*
 * t-proto-session.c - well-framed requests that break the session's
 * rules: requests before HELLO, a second HELLO, ATTACH from a client,
 * ACCEPT and CLOSE of rings that are not the caller's, bad answers to a
 * real ATTACH, bad scheme names and bad opcode names.
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

/* Requests before HELLO are refused, and do nothing. */
static void
case_before_hello(int fd)
{
	struct proto_register reg;
	struct proto_open op;
	struct ring_ctl *c;

	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "early", 5);
	PC_SEND(fd, PROTO_STATUS, 1, NULL, 0);
	pc_expect_reply(fd, PROTO_STATUS, 1, -EPROTO, NULL);
	PC_SEND(fd, PROTO_REGISTER, 2, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, 2, -EPROTO, NULL);
	memset(&op, 0, sizeof(op));
	memcpy(op.scheme, "null", 4);
	op.params.sq_entries = 4;
	PC_SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, 3, -EPROTO, NULL);
	PC_SEND(fd, PROTO_LIST_RINGS, 4, NULL, 0);
	{
		struct proto_msg m;

		pc_expect_reply(fd, PROTO_LIST_RINGS, 4, -EPROTO, &m);
		/* a failed list reply ends the list */
		TAP_EQ(((const struct proto_ring_rec *)m.body.raw)->end, 1);
	}
	c = td_connect(&pc_d);
	TAP_ASSERT(!td_find_scheme(c, "early", NULL));
	ring_ctl_close(c);
	/* after HELLO the same request works */
	pc_hello(fd, 5);
	PC_SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, 6, 0, NULL);
}

/* A second HELLO is an error; the first one still holds. */
static void
case_hello_twice(int fd)
{
	struct proto_hello h;
	struct proto_msg m;

	pc_hello(fd, 1);
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	PC_SEND(fd, PROTO_HELLO, 2, &h, sizeof(h));
	TAP_RC(pc_next(fd, &m, 3000), 0);
	TAP_EQ(m.hdr.type, PROTO_HELLO | PROTO_REPLY);
	TAP_EQ(m.hdr.seq, 2);
	TAP_ASSERT(*(int32_t *)m.body.raw < 0);
	PC_SEND(fd, PROTO_STATUS, 3, NULL, 0);
	pc_expect_reply(fd, PROTO_STATUS, 3, 0, NULL);
}

/* ATTACH is ringd's to send; a client's, with descriptors, is refused. */
static void
case_attach_from_client(int fd)
{
	struct proto_attach a;

	pc_hello(fd, 1);
	memset(&a, 0, sizeof(a));
	a.ring_id = 1;
	memcpy(a.scheme, "null", 4);
	a.params.sq_entries = 4;
	pc_expect_fds_refused(fd, PROTO_ATTACH, 2, &a, sizeof(a), 3, -EBADMSG);
	/* and as seq-0 "event" */
	pc_expect_fds_refused(fd, PROTO_ATTACH, 0, &a, sizeof(a), 3, -EBADMSG);
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

	pc_hello(fd, 1);
	memset(&a, 0, sizeof(a));
	a.ring_id = 123456;
	PC_SEND(fd, PROTO_ACCEPT, 2, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 2, -ENOENT, NULL);
	a.ring_id = 0;
	a.error = -EACCES;
	PC_SEND(fd, PROTO_ACCEPT, 3, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 3, -ENOENT, NULL);
	/* somebody else's ring (a built-in one: no producer at all) */
	c = td_connect(&pc_d);
	r = td_open(c, "null", 4, 0, 0, &id);
	a.ring_id = id;
	a.error = 0;
	PC_SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 4, -EPERM, NULL);
	memset(&ref, 0, sizeof(ref));
	ref.ring_id = id;
	PC_SEND(fd, PROTO_CLOSE, 5, &ref, sizeof(ref));
	pc_expect_reply(fd, PROTO_CLOSE, 5, -EPERM, NULL);
	ref.ring_id = ~0ull;
	PC_SEND(fd, PROTO_CLOSE, 6, &ref, sizeof(ref));
	pc_expect_reply(fd, PROTO_CLOSE, 6, -ENOENT, NULL);
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
	struct proto_accept a;
	struct proto_msg m;
	const struct proto_attach *at;
	uint64_t id;
	pid_t pid;

	pc_hello_register(fd, "raw-scheme", NULL);
	pid = tap_fork();
	if (pid == 0) {
		struct ring_ctl *c = td_connect(&pc_d);
		uint64_t rid;
		struct ring *r = td_open(c, "raw-scheme", 4, 0, 0, &rid);

		ring_close(r);
		TAP_RC(ring_ctl_close_ring(c, rid), 0);
		ring_ctl_close(c);
		tap_child_exit();
	}
	TAP_RC(pc_next(fd, &m, 5000), 0);
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
	PC_SEND(fd, PROTO_ACCEPT, 3, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 3, -EINVAL, NULL);
	a.reserved = 0;
	a.error = 5;
	PC_SEND(fd, PROTO_ACCEPT, 4, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 4, -EINVAL, NULL);
	a.error = -5000;
	PC_SEND(fd, PROTO_ACCEPT, 5, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 5, -EINVAL, NULL);
	a.error = 0;
	PC_SEND(fd, PROTO_ACCEPT, 6, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 6, 0, NULL);
	PC_SEND(fd, PROTO_ACCEPT, 7, &a, sizeof(a));
	pc_expect_reply(fd, PROTO_ACCEPT, 7, -EALREADY, NULL);
	tap_reap(pid);
}

/* Names that are not names: unterminated, bad bytes, junk after NUL. */
static void
case_bad_names(int fd)
{
	struct proto_open op;
	struct proto_register reg;
	struct proto_name nm;

	pc_hello(fd, 1);
	memset(&op, 0, sizeof(op));
	op.params.sq_entries = 4;
	memset(op.scheme, 'a', sizeof(op.scheme));
	PC_SEND(fd, PROTO_OPEN, 2, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, 2, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	memcpy(op.scheme, "nu/ll", 5);
	PC_SEND(fd, PROTO_OPEN, 3, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, 3, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	memcpy(op.scheme, "null\0xyz", 8);
	PC_SEND(fd, PROTO_OPEN, 4, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, 4, -EINVAL, NULL);
	memset(op.scheme, 0, sizeof(op.scheme));
	PC_SEND(fd, PROTO_OPEN, 5, &op, sizeof(op));
	pc_expect_reply(fd, PROTO_OPEN, 5, -EINVAL, NULL);
	memset(&reg, 0, sizeof(reg));
	memcpy(reg.name, "tab\there", 8);
	PC_SEND(fd, PROTO_REGISTER, 6, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, 6, -EINVAL, NULL);
	memset(&nm, 0xff, sizeof(nm));
	PC_SEND(fd, PROTO_PROBE, 7, &nm, sizeof(nm));
	pc_expect_reply(fd, PROTO_PROBE, 7, -EINVAL, NULL);
	PC_SEND(fd, PROTO_UNREGISTER, 8, &nm, sizeof(nm));
	pc_expect_reply(fd, PROTO_UNREGISTER, 8, -EINVAL, NULL);
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

	pc_hello(fd, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++, seq++) {
		opnames_reg(&reg, bad[i].n128, bad[i].l128, bad[i].n200,
		    bad[i].l200);
		PC_SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
		pc_expect_reply(fd, PROTO_REGISTER, seq, -EINVAL, NULL);
	}
	/* a name for an opcode the scheme does not serve, or a standard one */
	opnames_reg(&reg, "ok", 2, "fine", 4);
	reg.opnames.name[0][0] = '\0';
	memcpy(reg.opnames.name[5], "stray", 5);
	PC_SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, seq++, -EINVAL, NULL);
	c = td_connect(&pc_d);
	TAP_ASSERT(!td_find_scheme(c, "opn", NULL));
	ring_ctl_close(c);
	/* the old, nameless REGISTER and one byte either side: not messages */
	memset(big, 0, sizeof(big));
	memcpy(big, "opn", 3);
	PC_SEND(fd, PROTO_REGISTER, seq, big, RING_NAME_MAX + 32);
	pc_expect_error_frame(fd, seq++, -EBADMSG);
	PC_SEND(fd, PROTO_REGISTER, seq, big, sizeof(reg) + 1);
	pc_expect_error_frame(fd, seq++, -EBADMSG);
	PC_SEND(fd, PROTO_REGISTER, seq, big, sizeof(reg) - 1);
	pc_expect_error_frame(fd, seq++, -EBADMSG);
	/* a PROBE reply, names and all, sent as a request */
	PC_SEND(fd, PROTO_PROBE | PROTO_REPLY, seq, big,
	    sizeof(struct proto_probe_reply));
	pc_expect_error_frame(fd, seq++, -EBADMSG);
	/* the good one registers, and its probe carries the names */
	opnames_reg(&reg, "ok", 2, "fine", 4);
	PC_SEND(fd, PROTO_REGISTER, seq, &reg, sizeof(reg));
	pc_expect_reply(fd, PROTO_REGISTER, seq++, 0, NULL);
	memset(&nm, 0, sizeof(nm));
	memcpy(nm.name, "opn", 3);
	PC_SEND(fd, PROTO_PROBE, seq, &nm, sizeof(nm));
	pc_expect_reply(fd, PROTO_PROBE, seq++, 0, &m);
	{
		const struct proto_probe_reply *p = (const void *)m.body.raw;

		TAP_ASSERT(strcmp(p->opnames.name[0], "ok") == 0);
		TAP_ASSERT(strcmp(p->opnames.name[200 - 128], "fine") == 0);
		TAP_ASSERT(proto_opnames_ok(&p->ops, &p->opnames));
	}
}

static const struct pc_case cases[] = {
	{ "proto-before-hello", case_before_hello, NULL, 0 },
	{ "proto-hello-twice", case_hello_twice, NULL, 0 },
	{ "proto-attach-from-client", case_attach_from_client, NULL, 0 },
	{ "proto-accept-unknown-ring", case_accept_unknown, NULL, 0 },
	{ "proto-accept-bad-answers", case_accept_bad, NULL, 0 },
	{ "proto-bad-names", case_bad_names, NULL, 0 },
	{ "proto-bad-opcode-names", case_bad_opnames, NULL, 0 },
};

PC_MAIN(cases)
