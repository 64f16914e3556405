/*
 * ctl-adopt.c - surviving a ringd restart.  A handle set to reconnect
 * (ring_ctl_set_reconnect()) keeps, in a table of its own, each ring it
 * opened or accepted with the ring's memory file, ids, scheme and peer,
 * and the names it registered (ctl-api.c).  When the connection breaks it
 * dials again (at once, then on a timer whose expiry makes ring_ctl_fd()
 * readable), registers the names again, hands every live ring to the new
 * ringd (ADOPT), then every physalloc3 region it allocated or mapped,
 * with the region's memory file (PHYS_ADOPT, phys.c).
 *
 * The rings themselves know nothing of this table: a tracked ring carries
 * one close hook (ringi_set_close_hook()) that takes its entry out.
 *
 * Part of the control client: depends on ctl.c, phys.c and the data
 * path's public API; the data path must not depend on it.
 */
#include <sys/timerfd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-internal.h"

/*
 * A ring the handle opened or accepted while set to reconnect, and what a
 * new ringd needs to adopt it.  The ring knows nothing of this record:
 * its close hook (ringi_set_close_hook()) takes the record out.
 */
struct ring_ctl_tracked {
	struct ring *r;
	struct ring_ctl_tracked *next, **prevp;
	uint64_t id;	 /* the id ringd knows it by now */
	uint64_t app_id; /* the id the caller was given */
	char scheme[RING_CTL_NAME_MAX];
	struct ring_ctl_peer peer; /* producer: the consumer it serves */
	int mem_fd;		   /* the pair's memory file */
};

/* Stop tracking a ring for adoption; the ring itself stays open. */
static void
ring_ctl_untrack(struct ring_ctl_tracked *t)
{
	if (t->next != NULL)
		t->next->prevp = t->prevp;
	*t->prevp = t->next;
	ringi_set_close_hook(t->r, NULL, NULL);
	ringi_close(t->mem_fd);
	free(t);
}

/*
 * Stop tracking the ring the caller knows as ring_id (ring_ctl_close_ring());
 * returns the id ringd knows it by now, ring_id for a ring not tracked.
 */
uint64_t
ringi_ctl_untrack_id(struct ring_ctl *c, uint64_t ring_id)
{
	struct ring_ctl_tracked *t;
	uint64_t id;

	for (t = c->rings; t != NULL; t = t->next)
		if (t->app_id == ring_id) {
			id = t->id;
			ring_ctl_untrack(t);
			return id;
		}
	return ring_id;
}

/* Stop tracking every ring (the handle closes or stops reconnecting). */
void
ringi_ctl_untrack_all(struct ring_ctl *c)
{
	while (c->rings != NULL)
		ring_ctl_untrack(c->rings);
}

/* ring_close() of a tracked ring. */
static void
ring_ctl_ring_closed(struct ring *r, void *arg)
{
	(void)r;
	ring_ctl_untrack(arg);
}

/*
 * Track a ring c opened or accepted; takes *mem_fd when it does.  Only a
 * handle set to reconnect keeps anything.
 */
int
ringi_ctl_track(struct ring_ctl *c, struct ring *r, uint64_t id,
    const char *scheme, const struct ring_ctl_peer *peer, int *mem_fd)
{
	struct ring_ctl_tracked *t;

	c->used = true;
	if (!c->reconnect)
		return 0;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->r = r;
	t->id = t->app_id = id;
	memcpy(t->scheme, scheme, sizeof(t->scheme));
	if (peer != NULL)
		t->peer = *peer;
	t->mem_fd = *mem_fd;
	*mem_fd = -1;
	t->next = c->rings;
	if (c->rings != NULL)
		c->rings->prevp = &t->next;
	t->prevp = &c->rings;
	c->rings = t;
	ringi_set_close_hook(r, ring_ctl_ring_closed, t);
	return 0;
}

/* Try again in c->retry_ms (doubling up to RING_CTL_RETRY_MAX_MS). */
static void
ring_ctl_arm_retry(struct ring_ctl *c)
{
	struct itimerspec its;

	if (!c->reconnect)
		return;
	c->retry_ms = c->retry_ms == 0		      ? RING_CTL_RETRY_MIN_MS
	    : 2 * c->retry_ms > RING_CTL_RETRY_MAX_MS ? RING_CTL_RETRY_MAX_MS
						      : 2 * c->retry_ms;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = c->retry_ms / 1000;
	its.it_value.tv_nsec = (long)(c->retry_ms % 1000) * 1000000;
	(void)timerfd_settime(c->timer, 0, &its, NULL);
}

/* Hand one ring to the new ringd. */
static int
ring_ctl_adopt(struct ring_ctl *c, struct ring_ctl_tracked *t)
{
	struct ring_info info;
	struct proto_adopt req;
	struct proto_msg *m = c->rx;
	struct ring_fds fds;
	uint32_t seq = ringi_ctl_next_seq(c);
	int fd[3], rc;

	memset(&req, 0, sizeof(req));
	ring_get_info(t->r, &info);
	req.ring_id = t->id;
	req.role = (uint32_t)info.role;
	memcpy(req.scheme, t->scheme, sizeof(req.scheme));
	req.peer = t->peer;
	ring_get_doorbells(t->r, fds.doorbell);
	fd[0] = t->mem_fd;
	fd[1] = fds.doorbell[0];
	fd[2] = fds.doorbell[1];
	if ((rc = ringi_ctl_send(c, PROTO_ADOPT, seq, &req, sizeof(req), fd,
		 3)) < 0)
		return rc;
	rc = ringi_ctl_recv(c, seq, PROTO_ADOPT, m,
	    ringi_ctl_now_ms() + RING_CTL_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	proto_msg_close_fds(m); /* an ADOPT reply carries none */
	if ((rc = ((struct proto_adopt_reply *)m->body.raw)->error) < 0)
		return rc;
	t->id = ((struct proto_adopt_reply *)m->body.raw)->ring_id;
	return 0;
}

RING_EXPORT int
ring_ctl_set_reconnect(struct ring_ctl *c, bool on)
{
	/* what came before was not kept, so could not be handed back */
	if (on && !c->reconnect && c->used)
		return -EBUSY;
	if (!on) {
		ringi_ctl_untrack_all(c);
		c->nregs = 0;
		ringi_phys_held_clear(c->phys);
	}
	c->reconnect = on;
	return 0;
}

RING_EXPORT uint64_t
ring_ctl_reconnects(const struct ring_ctl *c)
{
	return c->reconnects;
}

RING_EXPORT int
ring_ctl_reconnect(struct ring_ctl *c)
{
	struct itimerspec off;
	struct proto_register req;
	struct ring_ctl_tracked *t, *next;
	size_t i;
	int rc, first = 0;

	if (c->reconnecting)
		return -EINPROGRESS;
	ringi_ctl_lost(c);
	c->reconnecting = true;
	if ((rc = ringi_ctl_dial(c, NULL)) < 0) {
		c->reconnecting = false;
		ring_ctl_arm_retry(c);
		return rc;
	}
	memset(&off, 0, sizeof(off));
	(void)timerfd_settime(c->timer, 0, &off, NULL);
	c->retry_ms = 0;
	c->reconnects++;
	/* names first: a producer may only bring back rings of its own */
	for (i = 0; i < c->nregs; i++) {
		memset(&req, 0, sizeof(req));
		memcpy(req.name, c->regs[i].name, sizeof(req.name));
		req.ops = c->regs[i].ops;
		req.opnames = c->regs[i].opnames;
		rc = ringi_ctl_call(c, PROTO_REGISTER, &req, sizeof(req), NULL);
		if (rc == 0)
			rc = ringi_ctl_scheme_set_again(c, &c->regs[i]);
		if (rc < 0 && first == 0)
			first = rc;
	}
	for (t = c->rings; t != NULL && c->sock >= 0; t = next) {
		next = t->next;
		if (ring_is_dropped(t->r) || ring_is_broken(t->r)) {
			ring_ctl_untrack(t);
			continue;
		}
		if ((rc = ring_ctl_adopt(c, t)) == 0)
			continue;
		if (c->lost) {
			ringi_ctl_lost(c);
			break;
		}
		/* refused: it goes on without ringd's oversight */
		if (first == 0)
			first = rc;
		ring_ctl_untrack(t);
	}
	/* then the regions: grants through those rings come back with them */
	if (c->sock >= 0 && (rc = ringi_phys_adopt_held(c)) < 0 && first == 0)
		first = rc;
	if (c->lost)
		ringi_ctl_lost(c);
	c->reconnecting = false;
	if (c->sock < 0) {
		/* ringd went away again meanwhile */
		ring_ctl_arm_retry(c);
		return -ECONNRESET;
	}
	return first;
}
