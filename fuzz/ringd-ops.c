/*
 * ringd-ops.c - the operations a fuzz-ringd step can be, one function
 * each: HELLO, REGISTER, OPEN, ACCEPT, CLOSE, the lists, physalloc3,
 * ADOPT, raw packets, time passing and the data path of rings a client
 * holds, relibc redox_rings (fz_op_redox()), each with fuzzer-chosen
 * fields and descriptors.  Part of the
 * fuzz-ringd target (ringd-fuzz.h); sends through ringd-fake.c.
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

#include "ringd-fuzz.h"

void
fz_op_hello(struct fz_in *in, int slot)
{
	struct proto_hello h;
	uint8_t b = fz_u8(in);

	memset(&h, 0, sizeof(h));
	h.version = b < 0xf0 ? PROTO_VERSION : (uint32_t)(b & 0xf);
	h.flags = fz_u8(in) == 0xff ? 1 : 0;
	b = fz_u8(in);
	if (b & 0x80)
		fz_bytes(in, h.comm, sizeof(h.comm));
	else if (b & 1)
		memcpy(h.comm, "\x1b]0;owned\a", 10);
	else
		memcpy(h.comm, "fuzz", 4);
	fz_request(slot, PROTO_HELLO, &h, sizeof(h), NULL, 0);
}

void
fz_op_register(struct fz_in *in, int slot)
{
	static struct proto_register r;
	uint8_t b;

	memset(&r, 0, sizeof(r));
	fz_name(in, r.name, sizeof(r.name));
	b = fz_u8(in);
	switch (b % 8) {
	case 1: /* noop..write */
		r.ops.bits[0] = 0x1f;
		break;
	case 2: /* a named producer opcode */
		r.ops.bits[2] = 1;
		memcpy(r.opnames.name[0], "identify", 8);
		break;
	case 3: /* a name for an opcode not served */
		memcpy(r.opnames.name[1], "capacity", 8);
		break;
	case 4: /* a name shadowing a standard one */
		r.ops.bits[2] = 3;
		memcpy(r.opnames.name[1], "read", 4);
		break;
	case 5: /* a bad name, then the same name twice */
		r.ops.bits[2] = 7;
		memcpy(r.opnames.name[0], "Bad", 3);
		memcpy(r.opnames.name[1], "twice", 5);
		memcpy(r.opnames.name[2], "twice", 5);
		break;
	case 6:
		fz_bytes(in, &r.ops, sizeof(r.ops));
		fz_bytes(in, r.opnames.name[b >> 4], PROTO_OPNAME_MAX);
		break;
	}
	fz_request(slot, PROTO_REGISTER, &r, sizeof(r), NULL, 0);
}

void
fz_op_name(struct fz_in *in, int slot, uint16_t type)
{
	struct proto_name n;

	fz_name(in, n.name, sizeof(n.name));
	fz_request(slot, type, &n, sizeof(n), NULL, 0);
}

void
fz_op_open(struct fz_in *in, int slot)
{
	struct proto_open o;

	fz_name(in, o.scheme, sizeof(o.scheme));
	fz_params(in, &o.params);
	fz_request(slot, PROTO_OPEN, &o, sizeof(o), NULL, 0);
}

void
fz_op_accept(struct fz_in *in, int slot)
{
	static const uint64_t errs[] = { 0, 0, (uint64_t)-EACCES,
		(uint64_t)-ECONNRESET, 1, (uint64_t)-4096, (uint64_t)-EPIPE };
	struct proto_accept a;

	memset(&a, 0, sizeof(a));
	a.ring_id = fz_ring_id(in);
	a.error = (int32_t)FZ_PICK(in, errs, 4);
	if (fz_u8(in) == 0xff)
		a.reserved = 1;
	fz_request(slot, PROTO_ACCEPT, &a, sizeof(a), NULL, 0);
}

void
fz_op_close(struct fz_in *in, int slot)
{
	struct proto_ring_ref r = { .ring_id = fz_ring_id(in) };

	fz_request(slot, PROTO_CLOSE, &r, sizeof(r), NULL, 0);
}

void
fz_op_list(struct fz_in *in, int slot)
{
	static const uint16_t types[] = { PROTO_LIST_SCHEMES, PROTO_LIST_RINGS,
		PROTO_LIST_CLIENTS, PROTO_PHYS_LIST_ZONES, PROTO_PHYS_LIST_FREE,
		PROTO_PHYS_LIST_REGIONS };

	fz_request(slot, types[fz_u8(in) % 6], NULL, 0, NULL, 0);
}

void
fz_op_phys_alloc(struct fz_in *in, int slot)
{
	static const uint64_t sizes[] = { 4096, 8192, 65536, 1 << 20, 0, 1,
		UINT64_MAX, 5000, 4 << 20 };
	static const uint64_t flags[] = { 0, RING_PHYS_SPACE_32,
		RING_PHYS_SPACE_64, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		RING_PHYS_PARTIAL_ALLOC | RING_PHYS_OPTIMAL |
		    RING_PHYS_SPACE_32,
		RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREATEST_RANGE,
		RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64, RING_PHYS_GREEDY };
	static const uint64_t rflags[] = { 0, 0, RING_PHYS_PERSIST, 2 };
	static const uint64_t segs[] = { 1, 2, 16, PROTO_PHYS_SG_SEGS, 0,
		PROTO_PHYS_SG_SEGS + 1, UINT32_MAX };
	struct proto_phys_alloc_sg sg;
	struct proto_phys_alloc a;
	uint8_t b;

	memset(&a, 0, sizeof(a));
	a.size = FZ_PICK(in, sizes, 8);
	a.min = FZ_PICK(in, sizes, 8);
	a.flags = (uint32_t)FZ_PICK(in, flags, 4);
	a.region_flags = (uint32_t)FZ_PICK(in, rflags, 4);
	/* the region flags' byte's top bits: a scatter-gather list instead */
	if (((b = fz_u8(in)) & 0xc0) == 0) {
		fz_request(slot, PROTO_PHYS_ALLOC, &a, sizeof(a), NULL, 0);
		return;
	}
	memset(&sg, 0, sizeof(sg));
	sg.size = a.size * (1 + (b & 0x7));
	sg.min = a.min;
	sg.flags = a.flags;
	sg.region_flags = a.region_flags;
	sg.max_segs = (uint32_t)FZ_PICK(in, segs, 4);
	sg.reserved = (b & 0xc0) == 0xc0 && (b & 0x8);
	fz_request(slot, PROTO_PHYS_ALLOC_SG, &sg, sizeof(sg), NULL, 0);
}

/*
 * A range for a phys request: a region's address and size as
 * fz_phys_addr() picks them, the size raw instead when the next byte's top
 * bit is set.  Returns that byte, whose other bits the caller may use.
 */
static uint8_t
fz_phys_range(struct fz_in *in, uint64_t *base, uint64_t *size)
{
	uint8_t b;

	*base = fz_phys_addr(in, size);
	b = fz_u8(in);
	if (b & 0x80)
		*size = fz_uint(in, 8);
	return b;
}

void
fz_op_phys_free(struct fz_in *in, int slot)
{
	struct proto_phys_range r;
	uint8_t b;

	memset(&r, 0, sizeof(r));
	b = fz_phys_range(in, &r.base, &r.size);
	if (b == 0xff)
		r.flags = 1;
	fz_request(slot, PROTO_PHYS_FREE, &r, sizeof(r), NULL, 0);
}

void
fz_op_phys_map(struct fz_in *in, int slot)
{
	static const uint64_t flags[] = { 0, RING_PHYSMAP_WRITE,
		RING_PHYSMAP_WRITE | RING_PHYSMAP_NO_CACHE,
		RING_PHYSMAP_WRITE_COMBINE, 8 };
	struct proto_phys_map m;
	uint8_t b;

	memset(&m, 0, sizeof(m));
	b = fz_phys_range(in, &m.base, &m.size);
	if (!(b & 0x80) && (b & 1))
		m.size = 4096;
	m.flags = (uint32_t)FZ_PICK(in, flags, 4);
	if (fz_u8(in) & 1)
		m.ring_id = fz_ring_id(in);
	fz_request(slot, PROTO_PHYS_MAP, &m, sizeof(m), NULL, 0);
}

void
fz_op_phys_grant(struct fz_in *in, int slot)
{
	struct proto_phys_grant g;
	uint64_t size;
	uint8_t b;

	memset(&g, 0, sizeof(g));
	g.base = fz_phys_addr(in, &size);
	g.ring_id = fz_ring_id(in);
	b = fz_u8(in);
	g.revoke = b % 3;
	g.reserved = b == 0xff;
	fz_request(slot, PROTO_PHYS_GRANT, &g, sizeof(g), NULL, 0);
}

void
fz_op_adopt(struct fz_in *in, int slot)
{
	static const uint64_t roles[] = { RING_ROLE_CONSUMER,
		RING_ROLE_PRODUCER, RING_ROLE_MONITOR, 0 };
	struct proto_adopt a;
	struct ring_params p;
	struct ring_fds *pr;
	struct fz_ring *k;
	int fds[3];
	bool owned[3] = { false, false, false };
	unsigned nfds = 3, i;
	uint8_t mode;

	memset(&a, 0, sizeof(a));
	a.ring_id = fz_ring_id(in);
	a.role = (uint32_t)FZ_PICK(in, roles, 4);
	fz_name(in, a.scheme, sizeof(a.scheme));
	fz_peer(in, &a.peer);
	if (fz_u8(in) == 0xff)
		a.reserved = 1;
	mode = fz_u8(in);
	switch (mode % 5) {
	case 0: /* a ring a client holds */
		if ((k = fz_ring_pick(mode >> 3, true)) == NULL)
			return;
		memcpy(fds, k->fds, sizeof(fds));
		break;
	case 1: /* a new pair, as after a restart */
		fz_params(in, &p);
		pr = &fz_pairs[fz_pair_next++ % FZ_NPAIRS];
		ring_fds_close(pr);
		if (ring_pair_create(&p, pr) < 0)
			return;
		fds[0] = pr->mem;
		fds[1] = pr->doorbell[0];
		fds[2] = pr->doorbell[1];
		break;
	case 2: /* the other side of such a pair */
		pr = &fz_pairs[(mode >> 3) % FZ_NPAIRS];
		if (pr->mem < 0)
			return;
		fds[0] = pr->mem;
		fds[1] = pr->doorbell[(mode >> 6) & 1];
		fds[2] = pr->doorbell[1];
		break;
	case 3: /* anything */
		for (i = 0; i < 3; i++)
			fds[i] = fz_some_fd(fz_u8(in), slot, &owned[i]);
		break;
	default: /* the wrong number of anything */
		nfds = fz_u8(in) % 4;
		if (nfds == 3)
			nfds = 2;
		for (i = 0; i < nfds; i++)
			fds[i] = fz_some_fd(fz_u8(in), slot, &owned[i]);
	}
	fz_request(slot, PROTO_ADOPT, &a, sizeof(a), fds, nfds);
	for (i = 0; i < nfds; i++)
		if (owned[i])
			close(fds[i]);
}

/*
 * PHYS_ADOPT of a region a client allocated (after a restart: one the last
 * ringd recorded), exactly or not, claiming it or not, with the last
 * region file ringd handed out, none, or anything.
 */
void
fz_op_phys_adopt(struct fz_in *in, int slot)
{
	static const uint64_t flags[] = { 0, PROTO_PHYS_ADOPT_CLAIM, 2,
		0x80000000u };
	const struct fz_phys *p = &fz_phys[fz_u8(in) % FZ_NPHYS];
	struct proto_phys_adopt a;
	bool owned = false;
	uint8_t b = fz_u8(in);
	int fd = -1;

	memset(&a, 0, sizeof(a));
	a.region_id = (b & 0x80) ? fz_uint(in, 8) : p->id;
	a.base = p->base + ((b & 0x40) ? RING_PHYS_FRAME : 0);
	a.size = (b & 0x20) ? fz_uint(in, 8) : p->size;
	a.flags = (uint32_t)FZ_PICK(in, flags, 2);
	if (b == 0xff)
		a.reserved = 1;
	if ((b & 3) == 1)
		fd = fz_physfd;
	else if ((b & 3) >= 2)
		fd = fz_some_fd(fz_u8(in), slot, &owned);
	fz_request(slot, PROTO_PHYS_ADOPT, &a, sizeof(a), &fd, fd >= 0 ? 1 : 0);
	if (owned)
		close(fd);
}

/*
 * A redox_ring's queue object as a scheme makes it: a sealable memfd of
 * 256 + n * item bytes, one entry short when short.
 */
static int
fz_redox_queue(uint32_t n, uint32_t item, bool short_)
{
	int fd = memfd_create("fz-redox", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 ||
	    ftruncate(fd, 256 + (off_t)n * item - (short_ ? item : 0)) < 0)
		abort();
	return fd;
}

/*
 * redox_rings, by the step's first byte: SCHEME_SET (serve them or not),
 * REDOX_SETUP, REDOX_ACCEPT for the last REDOX_ATTACH (objects made as
 * asked, or wrong: a short SQ, a datagram or pipe doorbell, three
 * descriptors; or a refusal), REDOX_FILES with any descriptors,
 * REDOX_FILES_DONE for the last REDOX_FILESET.
 */
void
fz_op_redox(struct fz_in *in, int slot)
{
	static const uint64_t errs[] = { 0, 0, (uint64_t)-EACCES, 1,
		(uint64_t)-EXDEV, (uint64_t)-4096 };
	union {
		struct proto_scheme_set set;
		struct proto_redox_setup setup;
		struct proto_redox_accept acc;
		struct proto_redox_files files;
		struct proto_redox_files_done done;
	} u;
	struct ring_ctl_redox_params *p;
	uint8_t b = fz_u8(in), k = fz_u8(in);
	bool owned[RING_CTL_REDOX_FILES_MAX];
	int fds[RING_CTL_REDOX_FILES_MAX], sp[2];
	unsigned nfds = 0, i;

	memset(&u, 0, sizeof(u));
	memset(owned, 0, sizeof(owned));
	switch (b % 5) {
	case 0:
		fz_name(in, u.set.name, sizeof(u.set.name));
		u.set.flags = k & 0x80 ? 0 : RING_CTL_SERVE_REDOX;
		fz_request(slot, PROTO_SCHEME_SET, &u.set, sizeof(u.set), NULL,
		    0);
		return;
	case 1:
		fz_name(in, u.setup.scheme, sizeof(u.setup.scheme));
		p = &u.setup.params;
		p->sq_entries = k & 0x80 ? (uint32_t)fz_uint(in, 4) : k % 9;
		p->cq_entries = (uint32_t)fz_uint(in, 1);
		p->flags = (uint32_t)fz_uint(in, 1) & 3;
		p->pool_size = k & 0x40 ? (uint32_t)fz_uint(in, 4) : 4096;
		p->sqe_size = k & 0x20 ? (uint32_t)fz_uint(in, 2) : 32;
		p->cqe_size = k & 0x10 ? (uint32_t)fz_uint(in, 2) : 16;
		fz_request(slot, PROTO_REDOX_SETUP, &u.setup,
		    sizeof(u.setup), NULL, 0);
		return;
	case 2:
		u.acc.ring_id = k & 0x80 ? fz_ring_id(in)
					 : fz_redox_attach.ring_id;
		u.acc.error = (int32_t)FZ_PICK(in, errs, 4);
		p = &u.acc.params;
		*p = fz_redox_attach.params;
		p->reserved[0] = p->reserved[1] = 0;
		for (p->cq_entries = 1; p->cq_entries < p->sq_entries &&
		     p->cq_entries < 64;)
			p->cq_entries <<= 1;
		p->sq_entries = p->cq_entries;
		p->cq_entries *= 2;
		if (u.acc.error == 0 && p->sqe_size <= 4096 &&
		    p->cqe_size <= 4096 && p->pool_size <= (1u << 20)) {
			fds[0] = fz_redox_queue(p->sq_entries, p->sqe_size,
			    k & 1);
			fds[1] = fz_redox_queue(p->cq_entries, p->cqe_size,
			    false);
			if (socketpair(AF_UNIX,
				(k & 2 ? SOCK_DGRAM : SOCK_STREAM) |
				    SOCK_CLOEXEC,
				0, sp) < 0)
				abort();
			close(sp[0]);
			fds[2] = sp[1];
			fds[3] = fz_redox_queue(0, 1, false);
			if (ftruncate(fds[3], p->pool_size) < 0)
				abort();
			nfds = k & 4 ? 3 : 4;
			for (i = 0; i < 4; i++)
				owned[i] = true;
		}
		fz_request(slot, PROTO_REDOX_ACCEPT, &u.acc, sizeof(u.acc),
		    fds, nfds);
		break;
	case 3:
		u.files.ring_id = fz_ring_id(in);
		nfds = k % (RING_CTL_REDOX_FILES_MAX + 1);
		u.files.nfiles = k & 0x80 ? nfds + 1 : nfds;
		for (i = 0; i < nfds; i++)
			fds[i] = fz_some_fd(fz_u8(in), slot, &owned[i]);
		fz_request(slot, PROTO_REDOX_FILES, &u.files,
		    sizeof(u.files), fds, nfds);
		break;
	default:
		u.done.ring_id = k & 0x80 ? fz_ring_id(in)
					  : fz_redox_attach.ring_id;
		u.done.token = k & 0x40 ? (uint32_t)fz_uint(in, 4)
					: fz_redox_token;
		u.done.result = (int32_t)FZ_PICK(in, errs, 4);
		if (u.done.result == 0)
			u.done.result = k % 18;
		fz_request(slot, PROTO_REDOX_FILES_DONE, &u.done,
		    sizeof(u.done), NULL, 0);
		return;
	}
	for (i = 0; i < RING_CTL_REDOX_FILES_MAX; i++)
		if (owned[i])
			close(fds[i]);
}

/* Request body lengths by type, for packets of the wrong length. */
/*
 * A packet the fuzzer writes: any type (replies and ATTACH too), a body
 * of its type's length or not, from the input, descriptors of any kind.
 */
void
fz_op_raw(struct fz_in *in, int slot)
{
	static union {
		uint8_t b[PROTO_MAX_MSG + 64];
		uint64_t align;
	} u;
	struct proto_hdr h;
	uint8_t b = fz_u8(in);
	uint32_t len;
	int fds[8];
	bool owned[8];
	unsigned nfds, i;

	memset(&h, 0, sizeof(h));
	h.magic = PROTO_MAGIC;
	h.version = PROTO_VERSION;
	h.type = (uint16_t)fz_uint(in, 1);
	if (b & 0x40)
		h.type |= PROTO_REPLY;
	if (b & 0x20)
		h.type = (uint16_t)fz_uint(in, 2);
	h.seq = ++fz_cli[slot].seq;
	len = proto_req_len(h.type);
	switch (b & 3) {
	case 1:
		len = len > 0 ? len - 1 : 1;
		break;
	case 2:
		len = len + 8;
		break;
	case 3:
		len = (uint32_t)fz_uint(in, 2) % (PROTO_MAX_MSG + 32);
		break;
	}
	h.len = (uint32_t)sizeof(h) + len;
	if (b & 0x10)
		h.len = (uint32_t)fz_uint(in, 4);
	if (b & 0x08)
		h.magic ^= 1u << (fz_u8(in) % 32);
	if (b & 0x04)
		h.version = fz_u8(in);
	memcpy(u.b, &h, sizeof(h));
	fz_bytes(in, u.b + sizeof(h), len > 512 ? 512 : len);
	memset(u.b + sizeof(h) + (len > 512 ? 512 : len), 0,
	    len > 512 ? len - 512 : 0);
	nfds = fz_u8(in) % 9;
	if (b & 0x80)
		nfds = 0;
	for (i = 0; i < nfds; i++)
		fds[i] = fz_some_fd(fz_u8(in), slot, &owned[i]);
	fz_sendmsg(slot, u.b, sizeof(h) + len, fds, nfds);
	for (i = 0; i < nfds; i++)
		if (owned[i])
			close(fds[i]);
}

void
fz_op_time(struct fz_in *in)
{
	const uint64_t ms[] = { 1, 999,
		(uint64_t)ringd.conf.accept_timeout_ms + 1,
		(uint64_t)ringd.conf.adopt_timeout_ms + 1,
		(uint64_t)ringd.conf.hello_timeout_ms + 1, 60000 };

	fz_now += FZ_PICK(in, ms, 3) * 1000000ull;
}

/* Set or clear O_NONBLOCK on a shared description; returns the old flags. */
static int
fz_setfl(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL,
		    nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
	return fl;
}

/*
 * The data path of a ring a client holds: a handle of the side it was
 * given (or the other), pushes and pops, writes into the memory file,
 * doorbell writes and reads, O_NONBLOCK changed under the other holders.
 */
void
fz_op_data(struct fz_in *in)
{
	static const uint64_t ops[] = { RING_OP_NOOP, RING_OP_READ,
		RING_OP_WRITE, RING_OP_OPEN, 200 };
	static const uint64_t lens[] = { 0, 8, 64, 4096, 1 << 20 };
	struct ring_sqe sqes[8];
	struct ring_cqe cqes[8];
	struct fz_ring *k = fz_ring_pick(fz_u8(in), true);
	uint8_t b = fz_u8(in);
	unsigned n, i;
	uint64_t v;
	int fd, fl;

	if (k == NULL)
		return;
	switch (b % 6) {
	case 0: /* open a handle: the side given, or (hostile) the other */
		if (k->r == NULL) {
			struct ring_fds f = { k->fds[0],
				{ k->fds[1], k->fds[2] } };
			enum ring_role role = k->role;

			if (b & 0x80)
				role = role == RING_ROLE_CONSUMER
				    ? RING_ROLE_PRODUCER
				    : RING_ROLE_CONSUMER;
			if (ring_open(&f, role, &k->r) < 0)
				k->r = NULL;
		}
		break;
	case 1: /* push what this side pushes */
		if (k->r == NULL)
			break;
		n = 1 + fz_u8(in) % 8;
		if (b & 0x80) {
			/* a buffer for zero's reads (a consumer's pool) */
			v = FZ_PICK(in, lens, 4);
			if (ring_pool_alloc(k->r, v, &k->pool_at) < 0)
				k->pool_at = 0;
		}
		memset(sqes, 0, sizeof(sqes));
		memset(cqes, 0, sizeof(cqes));
		for (i = 0; i < n; i++) {
			sqes[i].opcode = (uint8_t)FZ_PICK(in, ops, 1);
			sqes[i].flags = fz_u8(in) == 0xff ? 0x80 : 0;
			sqes[i].len = FZ_PICK(in, lens, 4);
			sqes[i].addr = fz_u8(in) & 1 ? 4096 : k->pool_at;
			sqes[i].user_data = i;
			cqes[i].user_data = i;
			cqes[i].status = (uint64_t) - (int64_t)(fz_u8(in) % 4);
		}
		/* a side's call on the wrong queue is refused: fine */
		(void)ring_sq_push_batch(k->r, sqes, n);
		(void)ring_cq_push_batch(k->r, cqes, n);
		break;
	case 2: /* pop what this side pops */
		if (k->r == NULL)
			break;
		(void)ring_cq_pop_batch(k->r, cqes, 8);
		(void)ring_sq_pop_batch(k->r, sqes, 8);
		break;
	case 3: /* leave */
		ring_close(k->r);
		k->r = NULL;
		break;
	case 4: /* a word of the memory file, as a hostile peer writes it */
		v = fz_uint(in, 8);
		(void)pwrite(k->fds[0], &v, sizeof(v),
		    (off_t)(fz_uint(in, 2) % 4096 * 8));
		break;
	default: /* a doorbell */
		fd = k->fds[1 + ((b >> 3) & 1)];
		if (b & 0x40) {
			/* what a peer may set on a shared description */
			fz_setfl(fd, (b & 0x80) != 0);
			break;
		}
		v = b & 0x80 ? 0xfffffffffffffffeull : 1;
		fl = fz_setfl(fd, true);
		if (b & 0x20) {
			uint8_t buf[64];

			(void)read(fd, buf, sizeof(buf));
		} else
			(void)write(fd, &v, sizeof(v));
		if (fl >= 0)
			(void)fcntl(fd, F_SETFL, fl);
	}
}
