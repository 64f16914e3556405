/*
 * list.c - ringd's answers to the LIST_* and PHYS_LIST_* requests: record
 * lists sent as packets of as many records as fit, through proto.c's
 * proto_list_reply_*() helpers, and resumed from a cursor kept in the
 * client whenever its socket takes more.
 *
 * The cursor is a key (an id, a scheme name), never a pointer, so the
 * model may change between packets.  Depends on ringd.h (registry.c,
 * rings.c and phys.c fill the records; conn.c sends); called by
 * dispatch.c (the request) and conn.c (the socket took a packet).
 */
#include <string.h>

#include "ringd.h"

/*
 * Fill the next record of c's list into the wire record's body (after
 * the error and end words); false when nothing is left.  The cursor kept
 * in c is a key, not a pointer, so the model may change between packets;
 * *it, when not NULL, is the element the previous record of the same
 * packet came from (nothing changes while one packet is filled).
 */
static bool
list_next(struct client *c, uint8_t *rec, void **it)
{
	switch (c->list_type) {
	case PROTO_LIST_SCHEMES: {
		struct scheme key, *s;

		if (c->list_started) {
			memcpy(key.name, c->list_name, sizeof(key.name));
			s = RB_NFIND(scheme_tree, &ringd.schemes, &key);
			if (s != NULL && strcmp(s->name, c->list_name) == 0)
				s = RB_NEXT(scheme_tree, &ringd.schemes, s);
		} else
			s = RB_MIN(scheme_tree, &ringd.schemes);
		if (s == NULL)
			return false;
		registry_fill_rec(s, (struct ring_ctl_scheme *)(void *)rec);
		memcpy(c->list_name, s->name, sizeof(c->list_name));
		c->list_started = true;
		return true;
	}
	case PROTO_LIST_CLIENTS: {
		struct client key, *o;

		key.id = c->list_id;
		o = *it != NULL ? RB_NEXT(client_tree, &ringd.clients, *it)
				: RB_NFIND(client_tree, &ringd.clients, &key);
		if (o == NULL)
			return false;
		client_fill_rec(o, (struct ring_ctl_client *)(void *)rec);
		c->list_id = o->id + 1;
		*it = o;
		return true;
	}
	case PROTO_PHYS_LIST_ZONES:
	case PROTO_PHYS_LIST_FREE:
	case PROTO_PHYS_LIST_REGIONS:
		return phys_list_next(c, rec);
	}
	return false;
}

/*
 * Send records while the socket takes them: {error 0, end, records...}
 * with as many records a packet as fit (proto.h); the last packet has end
 * set, so an empty list is one packet.
 */
/*
 * Body bytes a list packet may take: a packet that waits in the output
 * queue must fit max_pending_bytes.
 */
uint32_t
list_packet_room(void)
{
	return (ringd.conf.max_pending_bytes < PROTO_MAX_MSG
		       ? ringd.conf.max_pending_bytes
		       : PROTO_MAX_MSG) -
	    sizeof(struct proto_hdr);
}

void
list_more(struct client *c)
{
	static struct proto_list_reply l; /* one thread; copied when queued */
	const uint32_t room = list_packet_room();
	bool end;
	uint8_t *rec;
	size_t n, k;
	void *it;

	while (c->list_type != 0 && !c->dead && STAILQ_EMPTY(&c->outq)) {
		if (proto_list_reply_init(&l, c->list_type, room) < 0) {
			log_error("internal: list type %#x", c->list_type);
			c->list_type = 0;
			return;
		}
		end = false;
		it = NULL;
		if (l.type == PROTO_LIST_RINGS) {
			/* rings come in batches: see rings_fill_batch() */
			rec = proto_list_reply_slot(&l, &n);
			k = rings_fill_batch(&c->list_id,
			    (struct ring_ctl_ring *)(void *)rec, n);
			proto_list_reply_commit(&l, k);
			end = k < n;
		} else
			while ((rec = proto_list_reply_slot(&l, &n)) != NULL) {
				if (!list_next(c, rec, &it)) {
					end = true;
					break;
				}
				proto_list_reply_commit(&l, 1);
			}
		proto_list_reply_end(&l, end);
		if (end)
			c->list_type = 0;
		if (client_send(c, l.type | PROTO_REPLY, c->list_seq,
			l.body.raw, l.len, NULL, 0) < 0)
			return;
	}
}

int
list_handle_request(struct client *c, struct proto_msg *m)
{
	c->list_type = m->hdr.type;
	c->list_seq = m->hdr.seq;
	c->list_id = 0;
	c->list_started = false;
	memset(c->list_name, 0, sizeof(c->list_name));
	list_more(c);
	client_update_events(c);
	return 0;
}

void
client_fill_rec(const struct client *c, struct ring_ctl_client *rec)
{
	rec->client_id = c->id;
	rec->peer = c->peer;
	rec->schemes = c->nschemes;
	rec->rings = c->nrings;
	rec->age_ns = service_now_ns() - c->created_ns;
}
