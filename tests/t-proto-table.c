/*
 * t-proto-table.c - lib/proto.c on its own, no ringd: the PROTO_TYPES
 * table agrees with the body structs, and list and error bodies built
 * with proto_list_reply_*() and proto_error_reply() pass proto_send()
 * and proto_recv() and parse back with proto_list_reply_parse().  The
 * other t-proto-* programs throw bad input at a real ringd.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"

/* A few rows against the structs they name, and the unknown types. */
static void
test_table(void)
{
	unsigned t, lists = 0;

	TAP_EQ_U(proto_req_len(PROTO_OPEN), sizeof(struct proto_open));
	TAP_EQ_U(proto_reply_len(PROTO_OPEN), sizeof(struct proto_open_reply));
	TAP_EQ_U(proto_reply_len(PROTO_OPEN | PROTO_REPLY),
	    sizeof(struct proto_open_reply));
	TAP_EQ_U(proto_req_len(PROTO_STATUS), 0);
	TAP_EQ_U(proto_req_len(PROTO_OPEN | PROTO_REPLY), 0);
	TAP_EQ_U(proto_reply_len(PROTO_ATTACH), 0);
	TAP_EQ_U(proto_reply_len(PROTO_LIST_RINGS),
	    sizeof(struct proto_ring_rec));
	TAP_EQ_U(proto_list_rec_size(PROTO_LIST_RINGS),
	    sizeof(struct ring_ctl_ring));
	TAP_ASSERT(strcmp(proto_type_name(PROTO_PHYS_LIST_REGIONS),
		       "phys-list-regions") == 0);
	TAP_ASSERT(proto_type_name(PROTO_NONE) == NULL);
	TAP_ASSERT(proto_type_name(PROTO_TYPE_COUNT) == NULL);
	TAP_EQ_U(proto_reply_len(PROTO_ERROR), 0);
	TAP_ASSERT(!proto_is_list(PROTO_ERROR));
	for (t = PROTO_NONE + 1; t < PROTO_TYPE_COUNT; t++) {
		TAP_ASSERT(proto_type_name((uint16_t)t) != NULL);
		if (!proto_is_list((uint16_t)t))
			continue;
		lists++;
		TAP_EQ_U(proto_list_rec_size((uint16_t)t) + PROTO_LIST_HDR,
		    proto_reply_len((uint16_t)t));
	}
	TAP_EQ_U(lists, 7);
}

/* Send body as a reply of type over a socket pair and receive it. */
static void
roundtrip(uint16_t type, const void *body, uint32_t len, struct proto_msg *m)
{
	int sv[2];

	TAP_SYS(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	TAP_RC(proto_send(sv[0], type | PROTO_REPLY, 7, body, len, NULL, 0), 0);
	TAP_RC(proto_recv(sv[1], m), 0);
	close(sv[0]);
	close(sv[1]);
}

/* Packets of whole records, the end word, and one that does not fit. */
static void
test_list_reply(void)
{
	static struct proto_list_reply l;
	static struct proto_msg m;
	const struct ring_ctl_client *rec;
	const void *recs;
	uint32_t room, end;
	int32_t err;
	size_t n, len, i;
	void *slot;

	/* room for three client records and a half */
	room = PROTO_LIST_HDR + 3 * sizeof(*rec) + sizeof(*rec) / 2;
	TAP_RC(proto_list_reply_init(&l, PROTO_LIST_CLIENTS, room), 0);
	for (i = 0; (slot = proto_list_reply_slot(&l, &n)) != NULL; i++) {
		struct ring_ctl_client c;

		TAP_EQ_U(n, 3 - i);
		memset(&c, 0, sizeof(c));
		c.client_id = 100 + i;
		memcpy(slot, &c, sizeof(c));
		proto_list_reply_commit(&l, 1);
	}
	TAP_EQ_U(i, 3);
	proto_list_reply_end(&l, true);
	roundtrip(l.type, l.body.raw, l.len, &m);
	TAP_RC(proto_list_reply_parse(&m, &err, &end, &recs, &len),
	    (int)sizeof(*rec));
	TAP_EQ(err, 0);
	TAP_EQ_U(end, 1);
	TAP_EQ_U(len, 3 * sizeof(*rec));
	rec = recs;
	for (i = 0; i < 3; i++)
		TAP_EQ_U(rec[i].client_id, 100 + i);

	/* an empty packet is the header words alone */
	TAP_RC(proto_list_reply_init(&l, PROTO_PHYS_LIST_FREE, 65536), 0);
	proto_list_reply_end(&l, false);
	TAP_EQ_U(l.len, PROTO_LIST_HDR);
	roundtrip(l.type, l.body.raw, l.len, &m);
	TAP_RC(proto_list_reply_parse(&m, &err, &end, &recs, &len),
	    (int)sizeof(struct ring_phys_range));
	TAP_EQ_U(end, 0);
	TAP_EQ_U(len, 0);

	/* not a list, or no room for one record */
	TAP_RC(proto_list_reply_init(&l, PROTO_STATUS, 65536), -EINVAL);
	TAP_RC(proto_list_reply_init(&l, PROTO_LIST_RINGS, PROTO_LIST_HDR),
	    -EINVAL);
}

/* A failed reply has its type's layout; a list's error packet ends it. */
static void
test_error_reply(void)
{
	static uint8_t buf[PROTO_MAX_MSG];
	static struct proto_msg m;
	const struct proto_open_reply *o;
	const void *recs;
	uint32_t end;
	int32_t err;
	size_t len;

	memset(buf, 0xa5, sizeof(buf));
	TAP_RC(proto_error_reply(PROTO_OPEN, -ENODEV, buf, sizeof(buf)),
	    (int)sizeof(struct proto_open_reply));
	roundtrip(PROTO_OPEN, buf, sizeof(struct proto_open_reply), &m);
	o = (const void *)m.body.raw;
	TAP_EQ(o->error, -ENODEV);
	TAP_EQ_U(o->flags, 0);
	TAP_EQ_U(o->ring_id, 0);

	memset(buf, 0xa5, sizeof(buf));
	TAP_RC(proto_error_reply(PROTO_LIST_SCHEMES, -EPROTO, buf, sizeof(buf)),
	    (int)sizeof(struct proto_scheme_rec));
	roundtrip(PROTO_LIST_SCHEMES, buf, sizeof(struct proto_scheme_rec), &m);
	TAP_RC(proto_list_reply_parse(&m, &err, &end, &recs, &len),
	    (int)sizeof(struct ring_ctl_scheme));
	TAP_EQ(err, -EPROTO);
	TAP_EQ_U(end, 1);
	TAP_EQ_U(len, sizeof(struct ring_ctl_scheme));

	TAP_RC(proto_error_reply(PROTO_ATTACH, -EINVAL, buf, sizeof(buf)),
	    -EINVAL);
	TAP_RC(proto_error_reply(PROTO_STATUS, -EINVAL, buf, 4), -EINVAL);
	/* a request is not a list reply */
	m.hdr.type = PROTO_LIST_SCHEMES;
	TAP_RC(proto_list_reply_parse(&m, &err, &end, &recs, &len), -EINVAL);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	tap_run("proto-table", test_table, 30);
	tap_run("proto-list-reply", test_list_reply, 30);
	tap_run("proto-error-reply", test_error_reply, 30);
	return tap_done();
}
