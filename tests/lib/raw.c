/*
 * raw.c - speaking ringd's protocol by hand (raw.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "raw.h"
#include "daemon.h"
#include "testutil.h"

static uint32_t raw_seq = 1000;

int
raw_call(int fd, uint16_t type, uint32_t seq, const void *body, uint32_t len,
    const int *fds, unsigned nfds, struct proto_msg *reply, unsigned ms)
{
	struct proto_msg m;
	uint64_t deadline = clock_ns() + (uint64_t)ms * 1000000;
	int rc;

	if ((rc = proto_send(fd, type, seq, body, len, fds, nfds)) < 0)
		return rc;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = clock_ns();

		rc = proto_recv(fd, &m);
		if (rc == -EAGAIN) {
			if (now >= deadline)
				return -ETIMEDOUT;
			(void)poll(&pfd, 1,
			    (int)((deadline - now) / 1000000 + 1));
			continue;
		}
		if (rc < 0)
			return rc == -EPIPE ? -ECONNRESET : rc;
		if (m.hdr.type == PROTO_ERROR && m.hdr.seq == seq) {
			proto_msg_close_fds(&m);
			return ((struct proto_error *)m.body.raw)->error;
		}
		if (m.hdr.seq != seq || m.hdr.type != (type | PROTO_REPLY)) {
			proto_msg_close_fds(&m);
			continue;
		}
		rc = *(const int32_t *)m.body.raw;
		if (reply != NULL)
			*reply = m;
		else
			proto_msg_close_fds(&m);
		return rc;
	}
}

int
raw_hello(int fd, const char *comm)
{
	struct proto_hello h;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	strncpy(h.comm, comm, sizeof(h.comm) - 1);
	return raw_call(fd, PROTO_HELLO, ++raw_seq, &h, sizeof(h), NULL, 0,
	    NULL, 5000);
}

int
raw_open(const char *path, const char *comm)
{
	int fd = td_sock_connect(path), rc;

	if (fd < 0)
		return fd;
	if ((rc = raw_hello(fd, comm)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int
raw_register(int fd, const char *name)
{
	struct proto_register r;

	memset(&r, 0, sizeof(r));
	strncpy(r.name, name, sizeof(r.name) - 1);
	return raw_call(fd, PROTO_REGISTER, ++raw_seq, &r, sizeof(r), NULL, 0,
	    NULL, 5000);
}

int
raw_adopt(int fd, enum ring_role role, const char *scheme,
    uint64_t claimed_id, const struct ring_ctl_peer *peer,
    const struct ring_fds *f, uint64_t *id_out)
{
	struct proto_adopt a;
	struct proto_msg m;
	int fds[3] = { f->mem, f->doorbell[0], f->doorbell[1] };
	int rc;

	m.nfds = 0;
	memset(&a, 0, sizeof(a));
	a.ring_id = claimed_id;
	a.role = (uint32_t)role;
	strncpy(a.scheme, scheme, sizeof(a.scheme) - 1);
	if (peer != NULL)
		a.peer = *peer;
	rc = raw_call(fd, PROTO_ADOPT, ++raw_seq, &a, sizeof(a), fds, 3, &m,
	    5000);
	if (rc == 0 && id_out != NULL)
		*id_out = ((struct proto_adopt_reply *)m.body.raw)->ring_id;
	proto_msg_close_fds(&m);
	return rc;
}

int
raw_open_ring(int fd, const char *scheme, uint32_t entries,
    struct ring_fds *f, uint64_t *id_out)
{
	struct proto_open o;
	struct proto_msg m;
	int rc;

	m.nfds = 0;
	memset(&o, 0, sizeof(o));
	strncpy(o.scheme, scheme, sizeof(o.scheme) - 1);
	o.params.sq_entries = entries;
	rc = raw_call(fd, PROTO_OPEN, ++raw_seq, &o, sizeof(o), NULL, 0, &m,
	    5000);
	if (rc < 0) {
		proto_msg_close_fds(&m);
		return rc;
	}
	if (m.nfds != 3) {
		proto_msg_close_fds(&m);
		return -EBADMSG;
	}
	f->mem = m.fds[0];
	f->doorbell[0] = m.fds[1];
	f->doorbell[1] = m.fds[2];
	if (id_out != NULL)
		*id_out = ((struct proto_open_reply *)m.body.raw)->ring_id;
	return 0;
}
