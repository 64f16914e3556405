/*
 * ctl-redox.c - relibc redox_rings in libring's control client: the
 * consumer's requests (ring_ctl_redox_setup(), ring_ctl_redox_files();
 * ring_ctl_close_ring() ends a ring as for v1), the scheme's answers
 * (ring_ctl_redox_accept(), _refuse(), _files_done()) and the queue of
 * redox_ring events ringd sends a scheme (REDOX_ATTACH, REDOX_FILESET,
 * REDOX_DETACH), which ring_ctl_redox_next() hands out in arrival order.
 *
 * Events come in wherever ctl.c reads the socket (during any request, or
 * in ring_ctl_process()) and are queued here, up to RING_CTL_QUEUE; past
 * that a setup is refused and a file table answered with -EBUSY at once,
 * their descriptors closed, so that no consumer waits for an answer that
 * cannot come; a DETACH past that is dropped (the ring's headers carry
 * the dead mark anyway).  Every request goes through ctl.c's RPC core,
 * bounded by RING_CTL_TIMEOUT_MS; ringd bounds the scheme's answers by
 * its accept_timeout_ms, which is shorter.  redox_rings are not tracked
 * for a ringd restart: a new ringd does not adopt them.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ctl-internal.h"

RING_EXPORT int
ring_ctl_redox_setup(struct ring_ctl *c, const char *scheme,
    struct ring_ctl_redox_params *p, uint64_t *ring_id,
    struct ring_ctl_redox_fds *fds)
{
	const struct proto_redox_setup_reply *rep;
	struct proto_redox_setup req;
	struct proto_ring_ref ref;
	struct proto_msg *m;
	int rc;

	if (c == NULL || p == NULL || ring_id == NULL || fds == NULL)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	if ((rc = ringi_ctl_name(req.scheme, scheme)) < 0)
		return rc;
	req.params = *p;
	rc = ringi_ctl_call(c, PROTO_REDOX_SETUP, &req, sizeof(req), &m);
	if (rc < 0) {
		proto_msg_close_fds(m);
		return rc;
	}
	rep = (const void *)m->body.raw;
	if (m->nfds != 4) {
		/* ringd says yes but sent no objects: give the ring back */
		proto_msg_close_fds(m);
		ref.ring_id = rep->ring_id;
		(void)ringi_ctl_call(c, PROTO_CLOSE, &ref, sizeof(ref), NULL);
		return -EBADMSG;
	}
	fds->sq = m->fds[0];
	fds->cq = m->fds[1];
	fds->doorbell = m->fds[2];
	fds->pool = m->fds[3];
	m->nfds = 0; /* the caller's now */
	*p = rep->params;
	*ring_id = rep->ring_id;
	return 0;
}

RING_EXPORT int
ring_ctl_redox_files(struct ring_ctl *c, uint64_t ring_id, const int *fds,
    unsigned n)
{
	const struct proto_redox_files_reply *rep;
	struct proto_redox_files req;
	struct proto_msg *m;
	unsigned i;
	int rc;

	if (c == NULL || fds == NULL || n == 0 || n > RING_CTL_REDOX_FILES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (fds[i] < 0)
			return -EBADF;
	memset(&req, 0, sizeof(req));
	req.ring_id = ring_id;
	req.nfiles = n;
	rc = ringi_ctl_call_fds(c, PROTO_REDOX_FILES, &req, sizeof(req), fds,
	    n, &m);
	proto_msg_close_fds(m);
	if (rc < 0)
		return rc;
	rep = (const void *)m->body.raw;
	return rep->nfiles <= n ? (int)rep->nfiles : -EBADMSG;
}

RING_EXPORT int
ring_ctl_redox_accept(struct ring_ctl *c, uint64_t ring_id,
    const struct ring_ctl_redox_params *p,
    const struct ring_ctl_redox_fds *fds)
{
	struct proto_redox_accept a;
	int v[4];

	if (c == NULL || p == NULL || fds == NULL)
		return -EINVAL;
	v[0] = fds->sq;
	v[1] = fds->cq;
	v[2] = fds->doorbell;
	v[3] = fds->pool;
	if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
		return -EBADF;
	memset(&a, 0, sizeof(a));
	a.ring_id = ring_id;
	a.params = *p;
	memset(a.params.reserved, 0, sizeof(a.params.reserved));
	return ringi_ctl_call_fds(c, PROTO_REDOX_ACCEPT, &a, sizeof(a), v, 4,
	    NULL);
}

RING_EXPORT int
ring_ctl_redox_refuse(struct ring_ctl *c, uint64_t ring_id, int err)
{
	struct proto_redox_accept a;

	if (c == NULL || err >= 0 || err < -4095)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.ring_id = ring_id;
	a.error = err;
	return ringi_ctl_call(c, PROTO_REDOX_ACCEPT, &a, sizeof(a), NULL);
}

RING_EXPORT int
ring_ctl_redox_files_done(struct ring_ctl *c, uint64_t ring_id,
    uint32_t token, int result)
{
	struct proto_redox_files_done d;

	if (c == NULL || result < -4095)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.ring_id = ring_id;
	d.token = token;
	d.result = result;
	return ringi_ctl_call(c, PROTO_REDOX_FILES_DONE, &d, sizeof(d), NULL);
}

/*
 * Answer an event that cannot be queued (err: -EBUSY full, -EBADMSG its
 * descriptors do not match its body), without waiting: the reply is
 * skipped by ringi_ctl_recv()'s seq check.
 */
static void
redox_ctl_answer(struct ring_ctl *c, uint16_t type, uint64_t ring_id,
    uint32_t token, int err)
{
	struct proto_redox_accept a;
	struct proto_redox_files_done d;

	if (type == PROTO_REDOX_ATTACH) {
		memset(&a, 0, sizeof(a));
		a.ring_id = ring_id;
		a.error = err;
		(void)ringi_ctl_send(c, PROTO_REDOX_ACCEPT,
		    ringi_ctl_next_seq(c), &a, sizeof(a), NULL, 0);
	} else if (type == PROTO_REDOX_FILESET) {
		memset(&d, 0, sizeof(d));
		d.ring_id = ring_id;
		d.token = token;
		d.result = err;
		(void)ringi_ctl_send(c, PROTO_REDOX_FILES_DONE,
		    ringi_ctl_next_seq(c), &d, sizeof(d), NULL, 0);
	}
}

/*
 * m, just received: when it is a redox_ring event, queue it (or answer
 * it, see the top of the file) and say true; m keeps no descriptor then.
 */
bool
ringi_ctl_redox_event(struct ring_ctl *c, struct proto_msg *m)
{
	const struct proto_redox_attach *at = (const void *)m->body.raw;
	const struct proto_redox_files *fs = (const void *)m->body.raw;
	const struct proto_redox_detach *dt = (const void *)m->body.raw;
	struct ring_ctl_redox_event *ev;
	uint16_t type = m->hdr.type;

	if (m->hdr.seq != 0 ||
	    (type != PROTO_REDOX_ATTACH && type != PROTO_REDOX_FILESET &&
		type != PROTO_REDOX_DETACH))
		return false;
	if (type == PROTO_REDOX_FILESET &&
	    (fs->nfiles == 0 || fs->nfiles != m->nfds)) {
		proto_msg_close_fds(m);
		redox_ctl_answer(c, type, fs->ring_id, fs->token, -EBADMSG);
		return true;
	}
	if (c->rqlen == RING_CTL_QUEUE) {
		proto_msg_close_fds(m);
		redox_ctl_answer(c, type,
		    type == PROTO_REDOX_ATTACH ? at->ring_id : fs->ring_id,
		    type == PROTO_REDOX_FILESET ? fs->token : 0, -EBUSY);
		return true;
	}
	ev = &c->rqueue[(c->rqhead + c->rqlen) % RING_CTL_QUEUE];
	memset(ev, 0, sizeof(*ev));
	switch (type) {
	case PROTO_REDOX_ATTACH:
		ev->kind = RING_CTL_REDOX_SETUP;
		ev->ring_id = at->ring_id;
		memcpy(ev->scheme, at->scheme, sizeof(ev->scheme));
		ev->scheme[sizeof(ev->scheme) - 1] = '\0';
		ev->consumer = at->consumer;
		ev->consumer.comm[sizeof(ev->consumer.comm) - 1] = '\0';
		ev->params = at->params;
		break;
	case PROTO_REDOX_FILESET:
		ev->kind = RING_CTL_REDOX_FILES;
		ev->ring_id = fs->ring_id;
		ev->token = fs->token;
		ev->nfds = m->nfds;
		memcpy(ev->fds, m->fds, m->nfds * sizeof(int));
		m->nfds = 0;
		break;
	default:
		ev->kind = RING_CTL_REDOX_DETACH;
		ev->ring_id = dt->ring_id;
		ev->reason = dt->reason;
		break;
	}
	proto_msg_close_fds(m);
	c->rqlen++;
	ringi_ctl_evq_sync(c);
	return true;
}

/* The connection is gone: drop what is queued, closing its descriptors. */
void
ringi_ctl_redox_flush(struct ring_ctl *c)
{
	struct ring_ctl_redox_event *ev;
	unsigned i;

	while (c->rqlen > 0) {
		ev = &c->rqueue[c->rqhead];
		for (i = 0; i < ev->nfds; i++)
			close(ev->fds[i]);
		c->rqhead = (c->rqhead + 1) % RING_CTL_QUEUE;
		c->rqlen--;
	}
}

RING_EXPORT int
ring_ctl_redox_next(struct ring_ctl *c, struct ring_ctl_redox_event *ev)
{
	int rc;

	if (c == NULL || ev == NULL)
		return -EINVAL;
	c->takes_redox = true;
	ringi_ctl_evq_sync(c);
	if ((rc = ring_ctl_process(c)) < 0)
		return rc;
	if (c->rqlen == 0)
		return -EAGAIN;
	*ev = c->rqueue[c->rqhead];
	c->rqhead = (c->rqhead + 1) % RING_CTL_QUEUE;
	c->rqlen--;
	ringi_ctl_evq_sync(c);
	return 0;
}
