/*
 * fuzz-ringd.c - libFuzzer target: ringd's request handlers, stateful.
 *
 * ringd's own modules (everything but main.c) run in this process: each
 * input starts a fresh daemon state the way main.c does (configuration,
 * epoll loop, built-in schemes, physalloc3 zones; no seccomp, no fork)
 * with a listening socket in the abstract namespace, then plays a program
 * of steps from up to four clients that this process connects itself
 * (as root, or as uid 65534 or 1000 through seteuid, so SO_PEERCRED is
 * the kernel's): connect, disconnect, HELLO, REGISTER, UNREGISTER, OPEN,
 * ACCEPT (the answer to an ATTACH), CLOSE, PROBE, STATUS, the LIST
 * requests, PHYS_ALLOC/FREE/MAP/GRANT and ADOPT with fuzzer-chosen fields
 * and descriptors (real ring pairs, forged memory files sealed or not and
 * of right or wrong size, eventfds, pipes, sockets, /dev/null, another
 * client's socket), raw packets, time passing (the accept, adopt and
 * HELLO deadlines) and the data path of rings a client holds (pushes that
 * wake ringd's built-in schemes, a scheme's answers, writes into the
 * memory file, doorbell writes and file status flag changes).  After each
 * step the loop turns as loop_run() does (deadlines, events, built-in
 * work, reaping) until it is quiet, and every client drains what ringd
 * sent it (each message must pass proto_recv()).
 *
 * What must hold after every step: ringd's counts match its trees and
 * lists (clients, schemes, rings by id and by memory file, each client's
 * consumer and producer lists and ring count, scheme ring counts, pending,
 * adopting and runnable rings, rings served), no two rings share an id or
 * a memory file, limits hold, every identity it would print is printable;
 * at the end, with every client gone, ringd holds nothing but what it held
 * before the first client (and persistent physalloc3 regions), and after
 * its teardown the process has exactly the descriptors it started with.
 *
 * Input: byte 0 picks the configuration (bits below), then steps; a step
 * is one byte (client slot in the top 2 bits, operation in the low 6)
 * followed by the bytes that operation reads; a short input reads zeros.
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

#include "ringd.h"

/* ringd/main.c defines the daemon's state; main.c is not linked. */
struct ringd ringd;

#define FZ_NCLIENTS 4
#define FZ_NRINGS 12	/* rings the clients learnt of */
#define FZ_NPAIRS 4	/* pairs made here for ADOPT */
#define FZ_NPHYS 8	/* regions allocated */
#define FZ_MAX_STEPS 64
#define FZ_MAX_TURNS 24 /* loop turns per step before it must be quiet */
#define FZ_CLOCK0 1000000000000ull

/* Configuration bits (input byte 0). */
#define FZ_CONF_POLICY 0x01	/* allow/deny rules */
#define FZ_CONF_PHYS_USERS 0x02 /* phys_allow_users */
#define FZ_CONF_TAKEOVER 0x04	/* root_takeover */
#define FZ_CONF_SMALL_OUT 0x08	/* max_pending_bytes at its minimum */
#define FZ_CONF_TIGHT 0x10	/* small connection, scheme and ring limits */
#define FZ_CONF_SHARE 0x20	/* phys_quota: the default share of each zone */

/* The clock ringd reads (service_now_ns(), wrapped at link time). */
static uint64_t fz_now;
uint64_t __wrap_service_now_ns(void);

uint64_t
__wrap_service_now_ns(void)
{
	return fz_now;
}

struct fz_in {
	const uint8_t *p;
	size_t n;
};

struct fz_client {
	int fd;	     /* this side of the connection; -1: none */
	bool reading; /* drains what ringd sends */
	bool eof;     /* ringd closed its side */
	uint32_t seq;
};

/* A ring a client learnt of: from an OPEN reply, an ATTACH or an ADOPT. */
struct fz_ring {
	bool used;
	uint64_t id;
	int fds[3]; /* memory file, doorbells; -1: not received */
	enum ring_role role;
	struct ring *r;	  /* a handle opened on it here, or NULL */
	uint64_t pool_at; /* the last buffer allocated in its pool */
};

struct fz_phys {
	uint64_t base, size, id;
};

static struct fz_client fz_cli[FZ_NCLIENTS];
static struct fz_ring fz_rings[FZ_NRINGS];
static unsigned fz_ring_next;
static struct ring_fds fz_pairs[FZ_NPAIRS];
static unsigned fz_pair_next;
static struct fz_phys fz_phys[FZ_NPHYS];
static unsigned fz_phys_next;
static int fz_physfd = -1; /* the last region file ringd handed out */

static pid_t fz_pid;
static bool fz_root; /* may connect as other uids */
static int fz_listen = -1;
static int fz_devnull = -1;
static int fz_fddir = -1; /* /proc/self/fd */
static char fz_sock_path[RINGD_SOCK_MAX]; /* never bound: names the state file */
static char fz_state_path[RINGD_SOCK_MAX + 8];
static uint8_t fz_conf; /* this input's configuration byte */
static struct sockaddr_un fz_addr;
static socklen_t fz_addrlen;
static struct policy fz_policy; /* FZ_CONF_POLICY's rules, parsed once */
static struct proto_msg fz_msg;
static bool fz_trace; /* $FUZZ_RINGD_TRACE: a line per step on stderr */
/*
 * $FUZZ_RINGD_SKIP: checks to leave out, comma-separated, to fuzz past a
 * known open defect: "identity" (printable stored identities), "limits"
 * (ring parameters within max_entries and max_pool_bytes).
 */
static bool fz_skip_identity, fz_skip_limits;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fz_restart(bool clean);

/* --- failure ------------------------------------------------------------ */

static void __attribute__((noreturn))
fz_fail(const char *what, int line)
{
	char buf[1200];

	snprintf(buf, sizeof(buf), "fuzz-ringd: line %d: %s", line, what);
	__sanitizer_report_error_summary(buf);
	abort();
}

#define FZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
			fz_fail(#cond, __LINE__); \
	} while (0)

/* --- input ---------------------------------------------------------------- */

static uint8_t
fz_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t
fz_uint(struct fz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static void
fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

/* One of tab's values, or (top bit of the selector) a raw one. */
static uint64_t
fz_pick(struct fz_in *in, const uint64_t *tab, unsigned n, unsigned rawbytes)
{
	uint8_t b = fz_u8(in);

	if (b & 0x80)
		return fz_uint(in, rawbytes);
	return tab[b % n];
}

#define FZ_PICK(in, tab, raw) \
	fz_pick(in, tab, sizeof(tab) / sizeof(tab[0]), raw)

/* A name field: good names, built-ins, bad characters, no NUL, junk. */
static void
fz_name(struct fz_in *in, char *dst, size_t size)
{
	static const char *const names[] = { "null", "zero", "echo", "s0",
		"s1", "s2", "ramfile", "blk.0_a-b", "", "bad name", "x/y",
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
static void
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

static void
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

static void
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
static void
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
static struct fz_ring *
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
static uint64_t
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
static uint64_t
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
	    pwrite(fd, &ec, sizeof(ec), (off_t)l.sq_hdr) != (ssize_t)sizeof(ec) ||
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
static int
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
static void
fz_sendmsg(int slot, const void *pkt, size_t len, const int *fds,
    unsigned nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *c;

	if (fz_cli[slot].fd < 0)
		return;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	/* a full socket or a connection ringd closed: the request is lost */
	(void)sendmsg(fz_cli[slot].fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
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
			const struct proto_phys_alloc_reply *r =
			    (void *)m->body.raw;

			FZ_ASSERT(r->got != 0 && r->got % RING_PHYS_FRAME == 0);
			fz_phys[fz_phys_next % FZ_NPHYS].base = r->base;
			fz_phys[fz_phys_next % FZ_NPHYS].id = r->region_id;
			fz_phys[fz_phys_next++ % FZ_NPHYS].size = r->got;
		}
		break;
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
static void
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

/* --- invariants ------------------------------------------------------------------ */

/* An identity ringd stores and tools print: NUL-terminated, printable. */
static void
fz_check_peer(const struct ring_ctl_peer *p)
{
	size_t i;

	if (fz_skip_identity)
		return;
	for (i = 0; i < sizeof(p->comm) && p->comm[i] != '\0'; i++)
		FZ_ASSERT(p->comm[i] >= 0x20 && p->comm[i] < 0x7f);
	FZ_ASSERT(i < sizeof(p->comm));
}

static bool
fz_live_client(struct client *c)
{
	return c != NULL && RB_FIND(client_tree, &ringd.clients, c) == c;
}

static void
fz_check_client(struct client *c, uint32_t *nschemes)
{
	struct ringd_ring *rr;
	struct scheme *s;
	struct outmsg *o;
	uint32_t k = 0;
	size_t bytes = 0;

	FZ_ASSERT(!c->dead);
	fz_check_peer(&c->peer);
	/* nobody keeps a connection without HELLO past the deadline */
	FZ_ASSERT(!(c->hello && c->hello_wait));
	FZ_ASSERT(c->hello || c->created_ns +
		(uint64_t)ringd.conf.hello_timeout_ms * 1000000ull >
		fz_now);
	LIST_FOREACH(rr, &c->cons_rings, cons_link) {
		FZ_ASSERT(rr->consumer == c && !rr->dead);
		FZ_ASSERT(RB_FIND(ring_tree, &ringd.rings, rr) == rr);
		k++;
	}
	FZ_ASSERT(k == c->nrings);
	FZ_ASSERT(c->nrings <= ringd.conf.max_rings_per_client);
	LIST_FOREACH(rr, &c->prod_rings, prod_link) {
		FZ_ASSERT(rr->producer == c && !rr->dead && !rr->builtin);
		FZ_ASSERT(RB_FIND(ring_tree, &ringd.rings, rr) == rr);
	}
	k = 0;
	LIST_FOREACH(s, &c->schemes, owner_link) {
		FZ_ASSERT(s->owner == c && s->builtin == NULL);
		FZ_ASSERT(RB_FIND(scheme_tree, &ringd.schemes, s) == s);
		k++;
	}
	FZ_ASSERT(k == c->nschemes);
	FZ_ASSERT(c->nschemes <= ringd.conf.max_schemes_per_client);
	*nschemes += k;
	STAILQ_FOREACH(o, &c->outq, link) {
		FZ_ASSERT(o->nfds <= PROTO_MAX_FDS);
		bytes += sizeof(struct proto_hdr) + o->len;
	}
	FZ_ASSERT(bytes == c->out_bytes);
	FZ_ASSERT(bytes <= ringd.conf.max_pending_bytes);
}

static bool
fz_on_list(struct ringd_ring *rr, struct client *c, bool cons)
{
	struct ringd_ring *it;

	if (cons) {
		LIST_FOREACH(it, &c->cons_rings, cons_link)
			if (it == rr)
				return true;
	} else
		LIST_FOREACH(it, &c->prod_rings, prod_link)
			if (it == rr)
				return true;
	return false;
}

static void
fz_check_ring(struct ringd_ring *rr)
{
	struct stat st;

	FZ_ASSERT(!rr->dead && rr->mon != NULL && rr->fds.mem >= 0);
	FZ_ASSERT(RB_FIND(ring_mem_tree, &ringd.ring_mems, rr) == rr);
	FZ_ASSERT(fstat(rr->fds.mem, &st) == 0);
	FZ_ASSERT(st.st_dev == rr->mem_dev && st.st_ino == rr->mem_ino);
	if (rr->consumer != NULL)
		FZ_ASSERT(fz_live_client(rr->consumer) &&
		    fz_on_list(rr, rr->consumer, true));
	if (rr->producer != NULL)
		FZ_ASSERT(fz_live_client(rr->producer) && !rr->builtin &&
		    fz_on_list(rr, rr->producer, false));
	FZ_ASSERT(!rr->pending || (rr->producer != NULL && !rr->adopting));
	FZ_ASSERT(!rr->builtin || rr->producer == NULL);
	FZ_ASSERT(!rr->runnable || rr->serve != NULL);
	/* every path that makes a ring applies the same limits */
	FZ_ASSERT(fz_skip_limits ||
	    rr->params.sq_entries <= ringd.conf.max_entries &&
	    rr->params.cq_entries <= ringd.conf.max_entries &&
	    rr->params.pool_bytes <= ringd.conf.max_pool_bytes);
	fz_check_peer(&rr->cpeer);
	fz_check_peer(&rr->ppeer);
}

/* ringd's model after a step: counts match the trees and lists. */
static void
fz_check(void)
{
	struct ringd_ring *rr;
	struct scheme *s;
	struct client *c;
	uint32_t n = 0, k, nschemes = 0, nserve = 0, npend = 0, nadopt = 0;
	uint64_t last = 0;

	FZ_ASSERT(TAILQ_EMPTY(&ringd.dead_clients));
	FZ_ASSERT(TAILQ_EMPTY(&ringd.dead_rings));
	RB_FOREACH(c, client_tree, &ringd.clients) {
		fz_check_client(c, &nschemes);
		n++;
	}
	FZ_ASSERT(n == ringd.nclients && n <= ringd.conf.max_clients);
	k = 0;
	TAILQ_FOREACH(c, &ringd.hello_wait, hello_link) {
		FZ_ASSERT(c->hello_wait && fz_live_client(c));
		k++;
	}
	RB_FOREACH(c, client_tree, &ringd.clients)
		k -= c->hello_wait;
	FZ_ASSERT(k == 0);
	FZ_ASSERT(nschemes == ringd.nschemes);
	FZ_ASSERT(ringd.nschemes <= ringd.conf.max_schemes);

	n = 0;
	RB_FOREACH(rr, ring_tree, &ringd.rings) {
		FZ_ASSERT(n == 0 || rr->id > last);
		last = rr->id;
		fz_check_ring(rr);
		nserve += rr->serve != NULL;
		npend += rr->pending;
		nadopt += rr->adopting;
		n++;
	}
	FZ_ASSERT(n == ringd.nrings && n <= ringd.conf.max_rings);
	FZ_ASSERT(nserve == ringd.nserving);
	k = 0;
	RB_FOREACH(rr, ring_mem_tree, &ringd.ring_mems) {
		FZ_ASSERT(RB_FIND(ring_tree, &ringd.rings, rr) == rr);
		k++;
	}
	FZ_ASSERT(k == n);
	k = 0;
	TAILQ_FOREACH(rr, &ringd.pending, pend_link) {
		FZ_ASSERT(rr->pending && !rr->dead);
		k++;
	}
	FZ_ASSERT(k == npend);
	k = 0;
	TAILQ_FOREACH(rr, &ringd.adopting, pend_link) {
		FZ_ASSERT(rr->adopting && !rr->dead);
		k++;
	}
	FZ_ASSERT(k == nadopt);
	TAILQ_FOREACH(rr, &ringd.runnable, run_link)
		FZ_ASSERT(rr->runnable && !rr->dead && rr->serve != NULL);

	RB_FOREACH(s, scheme_tree, &ringd.schemes) {
		FZ_ASSERT((s->owner == NULL) == (s->builtin != NULL));
		FZ_ASSERT(s->owner == NULL || fz_live_client(s->owner));
		fz_check_peer(&s->owner_peer);
		k = 0;
		RB_FOREACH(rr, ring_tree, &ringd.rings)
			k += rr->attached && rr->scheme_gen == s->gen &&
			    strcmp(rr->scheme, s->name) == 0;
		FZ_ASSERT(k == s->rings);
	}
}

/*
 * Open descriptors of the process, from /proc/self/fd opened once (its
 * own descriptor is counted) and read with getdents64: opendir() would
 * allocate 32 KiB for every count.
 */
static int
fz_count_fds(void)
{
	static union {
		char b[8192];
		uint64_t align;
	} u;
	long n, off;
	int count = 0;

	if (lseek(fz_fddir, 0, SEEK_SET) < 0)
		abort();
	while ((n = syscall(SYS_getdents64, fz_fddir, u.b, sizeof(u.b))) > 0)
		for (off = 0; off < n;) {
			unsigned short reclen;

			/* struct linux_dirent64: ino, off, reclen, type, name */
			memcpy(&reclen, u.b + off + 16, sizeof(reclen));
			count += u.b[off + 19] != '.';
			off += reclen;
		}
	if (n < 0)
		abort();
	return count;
}

/* The descriptor count changed: say which descriptors are open. */
static void __attribute__((noreturn))
fz_fds_fail(int want)
{
	char what[1024], path[64], target[64];
	size_t len;
	ssize_t n;
	int fd;

	len = (size_t)snprintf(what, sizeof(what),
	    "%d descriptors open, %d before the input:", fz_count_fds(), want);
	for (fd = 0; fd < 1024 && len < sizeof(what) - 80; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		len += (size_t)snprintf(what + len, sizeof(what) - len, " %d=%s",
		    fd, target);
	}
	fz_fail(what, __LINE__);
}

/* Persistent regions ringd made a memory file for: each holds one. */
static int
fz_phys_files(void)
{
	struct client c;
	union {
		uint8_t b[sizeof(struct ring_phys_region)];
		uint64_t align;
	} u;
	struct ring_phys_region rec;
	int n = 0;

	memset(&c, 0, sizeof(c));
	c.list_type = PROTO_PHYS_LIST_REGIONS;
	for (;;) {
		memset(u.b, 0, sizeof(u.b));
		if (!phys_list_next(&c, u.b))
			break;
		memcpy(&rec, u.b, sizeof(rec));
		FZ_ASSERT(rec.flags & RING_PHYS_PERSIST);
		n += rec.mapped != 0;
	}
	return n;
}

/* --- steps -------------------------------------------------------------------------- */

enum fz_op {
	FZ_CONNECT,
	FZ_DISCONNECT,
	FZ_HELLO,
	FZ_REGISTER,
	FZ_UNREGISTER,
	FZ_OPEN,
	FZ_ACCEPT,
	FZ_CLOSE,
	FZ_PROBE,
	FZ_STATUS,
	FZ_LIST,
	FZ_PHYS_ALLOC,
	FZ_PHYS_FREE,
	FZ_PHYS_MAP,
	FZ_PHYS_GRANT,
	FZ_ADOPT,
	FZ_RAW,
	FZ_TIME,
	FZ_DATA,
	FZ_READING,
	FZ_RESTART,
	FZ_PHYS_ADOPT,
	FZ_NOPS
};

static void
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

static void
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
	if (uid != 0 && (syscall(SYS_setresgid, -1, uid, -1) < 0 ||
			    syscall(SYS_setresuid, -1, uid, -1) < 0))
		abort();
	rc = connect(fd, (struct sockaddr *)&fz_addr, fz_addrlen);
	if (uid != 0 && (syscall(SYS_setresuid, -1, 0, -1) < 0 ||
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

static void
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

static void
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

static void
fz_op_name(struct fz_in *in, int slot, uint16_t type)
{
	struct proto_name n;

	fz_name(in, n.name, sizeof(n.name));
	fz_request(slot, type, &n, sizeof(n), NULL, 0);
}

static void
fz_op_open(struct fz_in *in, int slot)
{
	struct proto_open o;

	fz_name(in, o.scheme, sizeof(o.scheme));
	fz_params(in, &o.params);
	fz_request(slot, PROTO_OPEN, &o, sizeof(o), NULL, 0);
}

static void
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

static void
fz_op_close(struct fz_in *in, int slot)
{
	struct proto_ring_ref r = { .ring_id = fz_ring_id(in) };

	fz_request(slot, PROTO_CLOSE, &r, sizeof(r), NULL, 0);
}

static void
fz_op_list(struct fz_in *in, int slot)
{
	static const uint16_t types[] = { PROTO_LIST_SCHEMES, PROTO_LIST_RINGS,
		PROTO_LIST_CLIENTS, PROTO_PHYS_LIST_ZONES, PROTO_PHYS_LIST_FREE,
		PROTO_PHYS_LIST_REGIONS };

	fz_request(slot, types[fz_u8(in) % 6], NULL, 0, NULL, 0);
}

static void
fz_op_phys_alloc(struct fz_in *in, int slot)
{
	static const uint64_t sizes[] = { 4096, 8192, 65536, 1 << 20, 0, 1,
		UINT64_MAX, 5000, 4 << 20 };
	static const uint64_t flags[] = { 0, RING_PHYS_SPACE_32,
		RING_PHYS_SPACE_64, RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY,
		RING_PHYS_PARTIAL_ALLOC | RING_PHYS_OPTIMAL | RING_PHYS_SPACE_32,
		RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREATEST_RANGE,
		RING_PHYS_SPACE_32 | RING_PHYS_SPACE_64, RING_PHYS_GREEDY };
	static const uint64_t rflags[] = { 0, 0, RING_PHYS_PERSIST, 2 };
	struct proto_phys_alloc a;

	memset(&a, 0, sizeof(a));
	a.size = FZ_PICK(in, sizes, 8);
	a.min = FZ_PICK(in, sizes, 8);
	a.flags = (uint32_t)FZ_PICK(in, flags, 4);
	a.region_flags = (uint32_t)FZ_PICK(in, rflags, 4);
	fz_request(slot, PROTO_PHYS_ALLOC, &a, sizeof(a), NULL, 0);
}

static void
fz_op_phys_free(struct fz_in *in, int slot)
{
	struct proto_phys_range r;
	uint8_t b;

	memset(&r, 0, sizeof(r));
	r.base = fz_phys_addr(in, &r.size);
	b = fz_u8(in);
	if (b & 0x80)
		r.size = fz_uint(in, 8);
	if (b == 0xff)
		r.flags = 1;
	fz_request(slot, PROTO_PHYS_FREE, &r, sizeof(r), NULL, 0);
}

static void
fz_op_phys_map(struct fz_in *in, int slot)
{
	static const uint64_t flags[] = { 0, RING_PHYSMAP_WRITE,
		RING_PHYSMAP_WRITE | RING_PHYSMAP_NO_CACHE,
		RING_PHYSMAP_WRITE_COMBINE, 8 };
	struct proto_phys_map m;
	uint8_t b;

	memset(&m, 0, sizeof(m));
	m.base = fz_phys_addr(in, &m.size);
	b = fz_u8(in);
	if (b & 0x80)
		m.size = fz_uint(in, 8);
	else if (b & 1)
		m.size = 4096;
	m.flags = (uint32_t)FZ_PICK(in, flags, 4);
	if (fz_u8(in) & 1)
		m.ring_id = fz_ring_id(in);
	fz_request(slot, PROTO_PHYS_MAP, &m, sizeof(m), NULL, 0);
}

static void
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

static void
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
static void
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

/* Request body lengths by type, for packets of the wrong length. */
static uint32_t
fz_req_len(uint16_t type)
{
	switch (type) {
	case PROTO_HELLO:
		return sizeof(struct proto_hello);
	case PROTO_REGISTER:
		return sizeof(struct proto_register);
	case PROTO_UNREGISTER:
	case PROTO_PROBE:
		return sizeof(struct proto_name);
	case PROTO_OPEN:
		return sizeof(struct proto_open);
	case PROTO_ATTACH:
		return sizeof(struct proto_attach);
	case PROTO_ACCEPT:
		return sizeof(struct proto_accept);
	case PROTO_CLOSE:
		return sizeof(struct proto_ring_ref);
	case PROTO_PHYS_ALLOC:
		return sizeof(struct proto_phys_alloc);
	case PROTO_PHYS_FREE:
		return sizeof(struct proto_phys_range);
	case PROTO_PHYS_MAP:
		return sizeof(struct proto_phys_map);
	case PROTO_PHYS_GRANT:
		return sizeof(struct proto_phys_grant);
	case PROTO_ADOPT:
		return sizeof(struct proto_adopt);
	case PROTO_PHYS_ADOPT:
		return sizeof(struct proto_phys_adopt);
	}
	return 0;
}

/*
 * A packet the fuzzer writes: any type (replies and ATTACH too), a body
 * of its type's length or not, from the input, descriptors of any kind.
 */
static void
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
	len = fz_req_len(h.type);
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

static void
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
static void
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
			struct ring_fds f = { k->fds[0], { k->fds[1],
							     k->fds[2] } };
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
			cqes[i].status = (uint64_t)-(int64_t)(fz_u8(in) % 4);
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

static void
fz_step(struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	int slot = b >> 6;

	if (fz_trace)
		fprintf(stderr, "fuzz-ringd: client %d op %d\n", slot,
		    (b & 0x3f) % FZ_NOPS);
	switch ((b & 0x3f) % FZ_NOPS) {
	case FZ_CONNECT:
		fz_connect(in, slot);
		break;
	case FZ_DISCONNECT:
		fz_disconnect(slot, fz_u8(in) & 1);
		break;
	case FZ_HELLO:
		fz_op_hello(in, slot);
		break;
	case FZ_REGISTER:
		fz_op_register(in, slot);
		break;
	case FZ_UNREGISTER:
		fz_op_name(in, slot, PROTO_UNREGISTER);
		break;
	case FZ_OPEN:
		fz_op_open(in, slot);
		break;
	case FZ_ACCEPT:
		fz_op_accept(in, slot);
		break;
	case FZ_CLOSE:
		fz_op_close(in, slot);
		break;
	case FZ_PROBE:
		fz_op_name(in, slot, PROTO_PROBE);
		break;
	case FZ_STATUS:
		fz_request(slot, PROTO_STATUS, NULL, 0, NULL, 0);
		break;
	case FZ_LIST:
		fz_op_list(in, slot);
		break;
	case FZ_PHYS_ALLOC:
		fz_op_phys_alloc(in, slot);
		break;
	case FZ_PHYS_FREE:
		fz_op_phys_free(in, slot);
		break;
	case FZ_PHYS_MAP:
		fz_op_phys_map(in, slot);
		break;
	case FZ_PHYS_GRANT:
		fz_op_phys_grant(in, slot);
		break;
	case FZ_ADOPT:
		fz_op_adopt(in, slot);
		break;
	case FZ_RAW:
		fz_op_raw(in, slot);
		break;
	case FZ_TIME:
		fz_op_time(in);
		break;
	case FZ_DATA:
		fz_op_data(in);
		break;
	case FZ_READING:
		fz_cli[slot].reading = !fz_cli[slot].reading;
		break;
	case FZ_PHYS_ADOPT:
		fz_op_phys_adopt(in, slot);
		break;
	case FZ_RESTART:
		fz_restart(fz_u8(in) & 1);
		break;
	}
}

/* --- one input ------------------------------------------------------------------------ */

/*
 * What main.c does before serving, minus the socket, fork and seccomp:
 * a fresh state for an input, or the next ringd after fz_restart() (the
 * clock goes on, the state file the last one wrote is read).
 */
static void
fz_start(uint8_t conf, bool fresh)
{
	service_init_state();
	ringd.listen_fd = fz_listen;
	ringd.foreground = true;

	ringd.conf.seccomp = false;
	ringd.conf.max_entries = 256;
	ringd.conf.max_pool_bytes = 1 << 20;
	ringd.conf.phys_zone32_bytes = 1 << 20;
	ringd.conf.phys_zone64_bytes = 4 << 20;
	if (!(conf & FZ_CONF_SHARE))
		ringd.conf.phys_quota_bytes = 256 << 10;
	ringd.conf.accept_timeout_ms = 5000;
	ringd.conf.adopt_timeout_ms = 10000;
	if (conf & FZ_CONF_POLICY)
		ringd.conf.policy = fz_policy;
	ringd.conf.phys_allow_users = (conf & FZ_CONF_PHYS_USERS) != 0;
	ringd.conf.root_takeover = (conf & FZ_CONF_TAKEOVER) != 0;
	if (conf & FZ_CONF_SMALL_OUT)
		ringd.conf.max_pending_bytes = RINGD_MIN_MAX_PENDING_BYTES;
	if (conf & FZ_CONF_TIGHT) {
		ringd.conf.max_clients = 3;
		ringd.conf.max_clients_per_uid = 2;
		ringd.conf.max_schemes = 2;
		ringd.conf.max_schemes_per_client = 1;
		ringd.conf.max_rings = 6;
		ringd.conf.max_rings_per_client = 3;
		ringd.conf.phys_max_regions = 4;
		ringd.conf.phys_max_regions_per_uid = 2;
	}
	/* only for the state file (SOCKET.state) a clean stop writes */
	memcpy(ringd.sock_path, fz_sock_path, sizeof(ringd.sock_path));
	if (fresh) {
		fz_now = FZ_CLOCK0;
		(void)unlink(fz_state_path);
	}
	fz_conf = conf;
	if (registry_init() < 0 || phys_init() < 0 || loop_init() < 0 ||
	    client_listen() < 0)
		abort();
	state_load();
	ringd.start_ns = fz_now;
}

/* What main.c does when ringd stops. */
static void
fz_stop(void)
{
	rings_fini();
	state_fini();
	client_fini();
	registry_fini();
	phys_fini();
	loop_fini();
}

/*
 * ringd stops and a new one starts: cleanly (SIGTERM: rings between two
 * clients are left to them and written to the state file) or killed (no
 * state file).  The clients lose their connections and keep what they
 * hold; they come back by connecting again and ADOPT.
 */
static void
fz_restart(bool clean)
{
	int s;

	if (!clean)
		ringd.sock_path[0] = '\0';
	fz_stop();
	for (s = 0; s < FZ_NCLIENTS; s++)
		fz_disconnect(s, false);
	fz_now += 1000000000ull;
	fz_start(fz_conf, false);
}

/* Everything this side holds goes. */
static void
fz_let_go(void)
{
	unsigned i;

	for (i = 0; i < FZ_NCLIENTS; i++)
		fz_disconnect((int)i, false);
	for (i = 0; i < FZ_NRINGS; i++)
		fz_ring_forget(&fz_rings[i]);
	for (i = 0; i < FZ_NPAIRS; i++)
		ring_fds_close(&fz_pairs[i]);
	if (fz_physfd >= 0)
		close(fz_physfd);
	fz_physfd = -1;
	memset(fz_phys, 0, sizeof(fz_phys));
	fz_ring_next = fz_pair_next = fz_phys_next = 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const rules[] = {
		"deny register ram* uid=65534",
		"allow register s* uid=65534",
		"deny open zero uid=1000",
		"allow submit null op=noop,read uid=65534",
		"deny submit null uid=65534",
		"allow phys uid=1000 quota=64k regions=2",
		"deny phys uid=65534",
	};
	char line[128], why[256];
	const char *skip;
	unsigned i;
	int one = 1;

	(void)argc;
	(void)argv;
	fz_pid = getpid();
	fz_trace = getenv("FUZZ_RINGD_TRACE") != NULL;
	skip = getenv("FUZZ_RINGD_SKIP");
	fz_skip_identity = skip != NULL && strstr(skip, "identity") != NULL;
	fz_skip_limits = skip != NULL && strstr(skip, "limits") != NULL;
	log_open(true, fz_trace ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	signal(SIGPIPE, SIG_IGN);
	if ((fz_devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (fz_fddir = open("/proc/self/fd",
		 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	for (i = 0; i < FZ_NPAIRS; i++)
		fz_pairs[i].mem = fz_pairs[i].doorbell[0] =
		    fz_pairs[i].doorbell[1] = -1;
	for (i = 0; i < FZ_NCLIENTS; i++)
		fz_cli[i].fd = -1;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(line, sizeof(line), "%s", rules[i]);
		if (policy_parse_rule(&fz_policy, line, i + 1, why,
			sizeof(why)) < 0) {
			fprintf(stderr, "fuzz-ringd: rule '%s': %s\n", rules[i],
			    why);
			abort();
		}
	}
	policy_new_gen(&fz_policy);

	snprintf(fz_sock_path, sizeof(fz_sock_path), "/tmp/fuzz-ringd.%ld.sock",
	    (long)fz_pid);
	snprintf(fz_state_path, sizeof(fz_state_path), "%s.state",
	    fz_sock_path);
	/* the listening socket, unnamed in the file system */
	memset(&fz_addr, 0, sizeof(fz_addr));
	fz_addr.sun_family = AF_UNIX;
	snprintf(fz_addr.sun_path + 1, sizeof(fz_addr.sun_path) - 1,
	    "fuzz-ringd-%ld", (long)fz_pid);
	fz_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(fz_addr.sun_path + 1));
	fz_listen = socket(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fz_listen < 0 ||
	    bind(fz_listen, (struct sockaddr *)&fz_addr, fz_addrlen) < 0 ||
	    listen(fz_listen, 64) < 0)
		abort();
	(void)setsockopt(fz_listen, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one));
	/* other uids need root; without it every client is this uid */
	fz_root = geteuid() == 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	int steps = 0, fds_start, fds_idle, t;

	if (size > 4096)
		return -1;
	/* counted each time: libFuzzer opens pipes to a symbolizer */
	fds_start = fz_count_fds();
	fz_start(fz_u8(&in), true);
	fds_idle = fz_count_fds();
	if (fz_trace)
		fprintf(stderr, "fuzz-ringd: %d descriptors, %d with ringd\n",
		    fds_start, fds_idle);
	while (in.n > 0 && steps++ < FZ_MAX_STEPS) {
		fz_step(&in);
		fz_pump();
		fz_check();
		if (fz_trace)
			fprintf(stderr,
			    "  clients %u schemes %u rings %u serving %u "
			    "pending %d\n",
			    ringd.nclients, ringd.nschemes, ringd.nrings,
			    ringd.nserving, !TAILQ_EMPTY(&ringd.pending));
	}

	/* every client leaves: ringd must come back to where it started */
	fz_let_go();
	for (t = 0; t < 4; t++)
		fz_pump();
	/* regions a restart left wait for their owners until the window ends */
	fz_now += (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull;
	fz_pump();
	fz_check();
	FZ_ASSERT(ringd.nclients == 0 && ringd.nrings == 0);
	FZ_ASSERT(ringd.nschemes == 0 && ringd.nserving == 0);
	FZ_ASSERT(TAILQ_EMPTY(&ringd.pending) && TAILQ_EMPTY(&ringd.adopting));
	FZ_ASSERT(TAILQ_EMPTY(&ringd.runnable));
	FZ_ASSERT(fz_count_fds() == fds_idle + fz_phys_files());

	fz_stop();
	(void)unlink(fz_state_path);
	if (fz_count_fds() != fds_start)
		fz_fds_fail(fds_start);
	return 0;
}
