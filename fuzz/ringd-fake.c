/*
 * ringd-fake.c - fuzz-ringd's fake clients: reading the input (numbers,
 * names, peers, ring parameters picked from tables of interesting values
 * or raw), the rings and regions they learnt of, descriptors of every
 * kind to send, sending requests and raw packets, draining and checking
 * what ringd sends back (each message must pass proto_recv()), turning
 * ringd's loop until it is quiet, connecting and disconnecting.  Part of
 * the fuzz-ringd target (ringd-fuzz.h); not used by anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "fz-send.h"
#include "ringd-fuzz.h"

/* --- input ---------------------------------------------------------------- */

uint8_t
fz_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

uint64_t
fz_uint(struct fz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

void
fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

/* One of tab's values, or (top bit of the selector) a raw one. */
uint64_t
fz_pick(struct fz_in *in, const uint64_t *tab, unsigned n, unsigned rawbytes)
{
	uint8_t b = fz_u8(in);

	if (b & 0x80)
		return fz_uint(in, rawbytes);
	return tab[b % n];
}

/* A name field: good names, built-ins, bad characters, no NUL, junk. */
void
fz_name(struct fz_in *in, char *dst, size_t size)
{
	static const char *const names[] = { "null", "zero", "echo", "s0", "s1",
		"s2", "ramfile", "blk.0_a-b", "", "bad name", "x/y",
		"\x1b[2J" };
	uint8_t b = fz_u8(in);
	const unsigned n = sizeof(names) / sizeof(names[0]);

	memset(dst, 0, size);
	switch (b >> 5) {
	case 5: /* longest name there is room for */
		memset(dst, 'n', size - 1);
		break;
	case 6: /* no NUL at all */
		memset(dst, 'n', size);
		break;
	case 7: /* raw */
		fz_bytes(in, dst, size);
		break;
	default:
		memcpy(dst, names[b % n], strlen(names[b % n]));
		if (b & 0x10) /* junk after the NUL */
			dst[size - 1] = 'j';
	}
}

/* A peer as a producer's ADOPT claims it. */
void
fz_peer(struct fz_in *in, struct ring_ctl_peer *p)
{
	/* pids whose liveness never changes: none, init, this process,
	 * one above any pid_max */
	const uint64_t pids[] = { 0, 1, (uint64_t)fz_pid, 0x7ffffff0 };
	static const uint64_t uids[] = { 0, 65534, 1000 };
	uint8_t b;

	memset(p, 0, sizeof(*p));
	p->pid = (uint32_t)pids[fz_u8(in) % 4];
	p->uid = (uint32_t)FZ_PICK(in, uids, 4);
	p->gid = (uint32_t)FZ_PICK(in, uids, 4);
	b = fz_u8(in);
	if (b & 0x80)
		fz_bytes(in, p->comm, sizeof(p->comm));
	else if (b & 1)
		memcpy(p->comm, "\x1b[31msystemd", 12);
	else
		memcpy(p->comm, "fuzz", 4);
}

void
fz_params(struct fz_in *in, struct ring_params *p)
{
	static const uint64_t sq[] = { 1, 2, 4, 8, 16, 64, 0, 3, 4096, 65536 };
	static const uint64_t cq[] = { 0, 0, 1, 2, 8, 3, 4096 };
	static const uint64_t fl[] = { 0, 0, RING_PAIR_BITS_32, 2 };
	static const uint64_t pool[] = { 0, 4096, 65536, 100, 1 << 20,
		(2 << 20) + 1 };

	memset(p, 0, sizeof(*p));
	p->sq_entries = (uint32_t)FZ_PICK(in, sq, 4);
	p->cq_entries = (uint32_t)FZ_PICK(in, cq, 4);
	p->flags = (uint32_t)FZ_PICK(in, fl, 4);
	p->pool_bytes = FZ_PICK(in, pool, 8);
	if (fz_u8(in) == 0xff)
		p->reserved = 1;
}

/* --- what the clients learnt ------------------------------------------------ */

void
fz_ring_forget(struct fz_ring *k)
{
	unsigned i;

	if (!k->used)
		return;
	ring_close(k->r);
	for (i = 0; i < 3; i++)
		if (k->fds[i] >= 0)
			close(k->fds[i]);
	memset(k, 0, sizeof(*k));
}

/* Remember a ring; takes fds (NULL: none). */
void
fz_ring_learn(uint64_t id, enum ring_role role, int *fds)
{
	struct fz_ring *k = &fz_rings[fz_ring_next++ % FZ_NRINGS];
	unsigned i;

	fz_ring_forget(k);
	k->used = true;
	k->id = id;
	k->role = role;
	for (i = 0; i < 3; i++) {
		k->fds[i] = fds != NULL ? fds[i] : -1;
		if (fds != NULL)
			fds[i] = -1;
	}
}

/* A known ring, or NULL; with fds only when want_fds. */
struct fz_ring *
fz_ring_pick(uint8_t b, bool want_fds)
{
	unsigned i, n = 0;
	struct fz_ring *cand[FZ_NRINGS];

	for (i = 0; i < FZ_NRINGS; i++)
		if (fz_rings[i].used && (!want_fds || fz_rings[i].fds[0] >= 0))
			cand[n++] = &fz_rings[i];
	return n == 0 ? NULL : cand[b % n];
}

/* A ring id: a known one mostly, else one ringd may or may not know. */
uint64_t
fz_ring_id(struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	struct fz_ring *k;

	if (b < 0xc0 && (k = fz_ring_pick(b, false)) != NULL)
		return k->id;
	switch (b & 7) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return UINT64_MAX;
	case 3:
		return ringd.next_ring_id;
	case 4:
		return ringd.next_ring_id + 1;
	case 5:
		return (uint64_t)INT64_MAX + 1;
	default:
		return fz_uint(in, 8);
	}
}

/* A physical address: a known region's (maybe inside it), else raw. */
uint64_t
fz_phys_addr(struct fz_in *in, uint64_t *size)
{
	uint8_t b = fz_u8(in);
	struct fz_phys *p = &fz_phys[b % FZ_NPHYS];

	*size = 4096;
	if (b < 0xc0 && p->size != 0) {
		*size = p->size;
		if (b & 0x40)
			return p->base + 4096 * (fz_u8(in) % 4);
		return p->base;
	}
	if (b & 1)
		return RING_PHYS_4G - 4096;
	return fz_uint(in, 8);
}

/* --- descriptors to send --------------------------------------------------- */

/*
 * A memory file laid out like a pair's: sealed or not, of the right size
 * or not; a forged pair when sealed and right.
 */
static int
fz_forged_mem(bool seal, bool right_size)
{
	struct ring_pair_desc d;
	struct ring_layout l;
	uint64_t ec = 4;
	int fd;

	memset(&d, 0, sizeof(d));
	d.magic = RING_PAIR_MAGIC;
	d.version = RING_ABI_VERSION;
	d.sq_entries = d.cq_entries = 4;
	l = ring_layout(0, 4, 4, 0);
	if ((fd = memfd_create("fz-mem", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		abort();
	if (ftruncate(fd, (off_t)(right_size ? l.total : l.total + 4096)) < 0 ||
	    pwrite(fd, &d, sizeof(d), 0) != (ssize_t)sizeof(d) ||
	    pwrite(fd, &ec, sizeof(ec), (off_t)l.sq_hdr) !=
		(ssize_t)sizeof(ec) ||
	    pwrite(fd, &ec, sizeof(ec), (off_t)l.cq_hdr) != (ssize_t)sizeof(ec))
		abort();
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		abort();
	return fd;
}

/*
 * A descriptor of some kind for SCM_RIGHTS; *owned tells whether the
 * caller closes it after sending.
 */
int
fz_some_fd(uint8_t kind, int slot, bool *owned)
{
	struct fz_ring *k;
	int fd = -1, p[2];

	*owned = true;
	switch (kind % 16) {
	case 0:
		*owned = false;
		return fz_devnull;
	case 1: /* an empty memory file, no seals */
		fd = memfd_create("fz-empty", MFD_CLOEXEC);
		break;
	case 2:
		fd = fz_forged_mem(false, true);
		break;
	case 3:
		fd = fz_forged_mem(true, true);
		break;
	case 4:
		fd = fz_forged_mem(true, false);
		break;
	case 5:
		fd = eventfd(0, EFD_CLOEXEC | (kind & 0x10 ? 0 : EFD_NONBLOCK));
		break;
	case 6:
	case 7:
		if (pipe2(p, O_CLOEXEC) < 0)
			abort();
		close(p[kind % 16 == 6]);
		fd = p[kind % 16 == 7];
		break;
	case 8: /* a datagram pair's end: a doorbell of no pair */
	case 9: /* a stream socket */
		if (socketpair(AF_UNIX,
			(kind % 16 == 8 ? SOCK_DGRAM : SOCK_STREAM) |
			    SOCK_CLOEXEC | SOCK_NONBLOCK,
			0, p) < 0)
			abort();
		close(p[1]);
		fd = p[0];
		break;
	case 10: /* a part of a ring a client holds */
	case 11:
		k = fz_ring_pick(kind >> 4, true);
		*owned = false;
		return k != NULL ? k->fds[kind % 16 == 10 ? 0 : 1 + (kind >> 7)]
				 : fz_devnull;
	case 12: /* a client's own connection to ringd */
		*owned = false;
		fd = fz_cli[(slot + (kind >> 4)) % FZ_NCLIENTS].fd;
		return fd >= 0 ? fd : fz_devnull;
	case 13: /* the listening socket */
		*owned = false;
		return fz_listen;
	case 14: /* a region's memory file */
		*owned = false;
		return fz_physfd >= 0 ? fz_physfd : fz_devnull;
	default:
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	}
	if (fd < 0)
		abort();
	return fd;
}

/* --- talking to ringd ---------------------------------------------------------- */

/* Send one packet as a client would (no checks: lengths may be wrong). */
void
fz_sendmsg(int slot, const void *pkt, size_t len, const int *fds, unsigned nfds)
{
	if (fz_cli[slot].fd < 0)
		return;
	/* a full socket or a connection ringd closed: the request is lost */
	(void)fz_raw_send(fz_cli[slot].fd, pkt, len, fds, nfds, nfds);
}

void
fz_request(int slot, uint16_t type, const void *body, uint32_t len,
    const int *fds, unsigned nfds)
{
	static union {
		uint8_t b[PROTO_MAX_MSG];
		uint64_t align;
	} u;
	struct proto_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = PROTO_MAGIC;
	h.version = PROTO_VERSION;
	h.type = type;
	h.len = (uint32_t)sizeof(h) + len;
	h.seq = ++fz_cli[slot].seq;
	memcpy(u.b, &h, sizeof(h));
	if (len > 0)
		memcpy(u.b + sizeof(h), body, len);
	fz_sendmsg(slot, u.b, sizeof(h) + len, fds, nfds);
}

/* What a message from ringd teaches the client; it must be well formed. */
static void
fz_learn(struct proto_msg *m)
{
	uint16_t type = m->hdr.type;
	int32_t err = 0;

	if (type & PROTO_REPLY || type == PROTO_ERROR) {
		memcpy(&err, m->body.raw, sizeof(err));
		FZ_ASSERT(err <= 0 && err >= -4095);
		FZ_ASSERT(err == 0 || m->nfds == 0);
	}
	switch (type) {
	case PROTO_OPEN | PROTO_REPLY:
		if (err == 0) {
			const struct proto_open_reply *r = (void *)m->body.raw;

			FZ_ASSERT(m->nfds == 3 && r->ring_id != 0);
			fz_ring_learn(r->ring_id, RING_ROLE_CONSUMER, m->fds);
		}
		break;
	case PROTO_ATTACH: {
		const struct proto_attach *a = (void *)m->body.raw;

		FZ_ASSERT(m->nfds == 3 && a->ring_id != 0);
		fz_ring_learn(a->ring_id, RING_ROLE_PRODUCER, m->fds);
		break;
	}
	case PROTO_ADOPT | PROTO_REPLY:
		if (err == 0) {
			const struct proto_adopt_reply *r = (void *)m->body.raw;

			FZ_ASSERT(r->ring_id != 0);
			fz_ring_learn(r->ring_id, RING_ROLE_CONSUMER, NULL);
		}
		break;
	case PROTO_PHYS_ALLOC | PROTO_REPLY:
		if (err == 0) {
			const struct proto_phys_alloc_reply *r = (void *)m->body
								     .raw;

			FZ_ASSERT(r->got != 0 && r->got % RING_PHYS_FRAME == 0);
			fz_phys[fz_phys_next % FZ_NPHYS].base = r->base;
			fz_phys[fz_phys_next % FZ_NPHYS].id = r->region_id;
			fz_phys[fz_phys_next++ % FZ_NPHYS].size = r->got;
		}
		break;
	case PROTO_PHYS_ALLOC_SG | PROTO_REPLY:
		if (err == 0) {
			const uint8_t *recs;
			struct proto_phys_seg s;
			struct fz_phys *p;
			uint32_t end;
			size_t len, i;

			FZ_ASSERT(
			    proto_list_reply_parse(m, &err, &end,
				(const void **)&recs, &len) == (int)sizeof(s));
			FZ_ASSERT(len >= sizeof(s) && end <= 1);
			for (i = 0; i < len / sizeof(s); i++) {
				memcpy(&s, recs + i * sizeof(s), sizeof(s));
				FZ_ASSERT(s.len != 0 &&
				    s.len % RING_PHYS_FRAME == 0 &&
				    s.base % RING_PHYS_FRAME == 0 &&
				    s.region_id != 0);
				p = &fz_phys[fz_phys_next++ % FZ_NPHYS];
				p->base = s.base;
				p->id = s.region_id;
				p->size = s.len;
			}
		}
		break;
	case PROTO_REDOX_SETUP | PROTO_REPLY:
		if (err == 0) {
			const struct proto_redox_setup_reply *r =
			    (void *)m->body.raw;

			FZ_ASSERT(m->nfds == 4 && r->ring_id != 0);
			fz_ring_learn(r->ring_id, RING_ROLE_CONSUMER, NULL);
		}
		break;
	case PROTO_REDOX_ATTACH:
		FZ_ASSERT(m->nfds == 0);
		memcpy(&fz_redox_attach, m->body.raw, sizeof(fz_redox_attach));
		fz_ring_learn(fz_redox_attach.ring_id, RING_ROLE_PRODUCER,
		    NULL);
		break;
	case PROTO_REDOX_FILESET: {
		const struct proto_redox_files *f = (void *)m->body.raw;

		FZ_ASSERT(m->nfds == f->nfiles && f->nfiles > 0 &&
		    f->token != 0);
		fz_redox_token = f->token;
		break;
	}
	case PROTO_PHYS_MAP | PROTO_REPLY:
		if (err == 0) {
			FZ_ASSERT(m->nfds == 1);
			if (fz_physfd >= 0)
				close(fz_physfd);
			fz_physfd = m->fds[0];
			m->fds[0] = -1;
		}
		break;
	}
}

/* Read what ringd sent a client that reads. */
static void
fz_drain(int slot)
{
	struct fz_client *cl = &fz_cli[slot];
	int i, rc;

	if (cl->fd < 0 || !cl->reading || cl->eof)
		return;
	for (i = 0; i < 512; i++) {
		rc = proto_recv(cl->fd, &fz_msg);
		if (rc == -EAGAIN)
			break;
		/* ringd only ever sends what the type table allows */
		FZ_ASSERT(rc != -EPROTO && rc != -EBADMSG && rc != -EMSGSIZE);
		if (rc < 0) {
			cl->eof = true;
			break;
		}
		fz_learn(&fz_msg);
		proto_msg_close_fds(&fz_msg);
	}
}

/* One turn of loop_run(), without sleeping; returns the events taken. */
static int
fz_turn(void)
{
	struct epoll_event evs[RINGD_EPOLL_BATCH];
	int n, i;

	rings_expire(fz_now);
	client_expire(fz_now);
	phys_expire(fz_now);
	redox_expire(fz_now);
	n = epoll_wait(ringd.epfd, evs, RINGD_EPOLL_BATCH, 0);
	FZ_ASSERT(n >= 0);
	for (i = 0; i < n; i++) {
		struct loop_src *src = evs[i].data.ptr;

		if (src != &ringd.sig_src) /* no signals: ringd quits on them */
			src->fn(src->obj, evs[i].events);
	}
	builtin_run_ready();
	client_reap();
	rings_reap();
	return n;
}

/* Drain the clients that have something to read (one poll for all). */
static void
fz_drain_all(void)
{
	struct pollfd pfd[FZ_NCLIENTS];
	int slot[FZ_NCLIENTS];
	int s, n = 0;

	for (s = 0; s < FZ_NCLIENTS; s++) {
		struct fz_client *cl = &fz_cli[s];

		if (cl->fd < 0 || !cl->reading || cl->eof)
			continue;
		pfd[n].fd = cl->fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		slot[n++] = s;
	}
	if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
		return;
	for (s = 0; s < n; s++)
		if (pfd[s].revents != 0)
			fz_drain(slot[s]);
}

/* Turn until nothing happens (or the turns run out), draining clients. */
void
fz_pump(void)
{
	int t, n;

	for (t = 0; t < FZ_MAX_TURNS; t++) {
		fz_drain_all();
		n = fz_turn();
		if (n == 0 && TAILQ_EMPTY(&ringd.runnable))
			break;
	}
	fz_drain_all();
}

void
fz_disconnect(int slot, bool half)
{
	struct fz_client *cl = &fz_cli[slot];

	if (cl->fd < 0)
		return;
	if (half) {
		shutdown(cl->fd, SHUT_WR);
		return;
	}
	close(cl->fd);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void
fz_connect(struct fz_in *in, int slot)
{
	static const uid_t uids[] = { 0, 65534, 1000 };
	uid_t uid = fz_root ? uids[fz_u8(in) % 3] : (fz_u8(in), 0);
	struct fz_client *cl = &fz_cli[slot];
	int fd, rc;

	fz_disconnect(slot, false);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	/*
	 * SO_PEERCRED records the credentials of connect(); the raw system
	 * calls change this thread's alone, without glibc's signal to every
	 * thread (libFuzzer has a few)
	 */
	if (uid != 0 &&
	    (syscall(SYS_setresgid, -1, uid, -1) < 0 ||
		syscall(SYS_setresuid, -1, uid, -1) < 0))
		abort();
	rc = connect(fd, (struct sockaddr *)&fz_addr, fz_addrlen);
	if (uid != 0 &&
	    (syscall(SYS_setresuid, -1, 0, -1) < 0 ||
		syscall(SYS_setresgid, -1, 0, -1) < 0))
		abort();
	if (rc < 0) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->reading = true;
	cl->eof = false;
	cl->seq = 0;
}
