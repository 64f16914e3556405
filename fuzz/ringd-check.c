/*
 * ringd-check.c - fuzz-ringd's invariants, checked after every step:
 * ringd's counts against its trees and lists, each client's and ring's
 * links, limits, printable identities; and the descriptor and region
 * file counts checked at the end of an input.  Part of the fuzz-ringd
 * target (ringd-fuzz.h); reads ringd's state directly.
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
	FZ_ASSERT(c->hello ||
	    c->created_ns + (uint64_t)ringd.conf.hello_timeout_ms * 1000000ull >
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

	if (rr->rx != NULL) {
		/* a redox_ring: no memory file, no monitor, never served */
		FZ_ASSERT(!rr->dead && rr->mon == NULL && rr->fds.mem < 0);
		FZ_ASSERT(rr->serve == NULL && !rr->builtin);
		FZ_ASSERT(rr->phase == RINGS_RUNNING ||
		    rr->phase == RINGS_PENDING);
	} else {
		FZ_ASSERT(!rr->dead && rr->fds.mem >= 0);
		/* the doorbells are ringd's own until its header view (mapped
		 * on first need) takes them over */
		if (rr->mon != NULL)
			FZ_ASSERT(rr->fds.doorbell[0] < 0 &&
			    rr->fds.doorbell[1] < 0);
		else
			FZ_ASSERT(rr->fds.doorbell[0] >= 0 &&
			    rr->fds.doorbell[1] >= 0);
		FZ_ASSERT(RB_FIND(ring_mem_tree, &ringd.ring_mems, rr) == rr);
		FZ_ASSERT(fstat(rr->fds.mem, &st) == 0);
		FZ_ASSERT(st.st_dev == rr->mem_dev &&
		    st.st_ino == rr->mem_ino);
	}
	if (rr->consumer != NULL)
		FZ_ASSERT(fz_live_client(rr->consumer) &&
		    fz_on_list(rr, rr->consumer, true));
	if (rr->producer != NULL)
		FZ_ASSERT(fz_live_client(rr->producer) && !rr->builtin &&
		    fz_on_list(rr, rr->producer, false));
	FZ_ASSERT(rr->phase != RINGS_PENDING || rr->producer != NULL);
	FZ_ASSERT(rr->phase != RINGS_TAKEN_OVER ||
	    (rr->producer == NULL && !rr->builtin));
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
void
fz_check(void)
{
	struct ringd_ring *rr;
	struct scheme *s;
	struct client *c;
	uint32_t n = 0, k, nschemes = 0, nserve = 0, npend = 0, nadopt = 0;
	uint32_t nredox = 0;
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
		/* a built-in ring is served from its OPEN, its producer
		 * side opened on the first request */
		FZ_ASSERT(rr->serve == NULL || rr->serving);
		nserve += rr->serving;
		nredox += rr->rx != NULL;
		/* pending redox_rings wait on redox.c's own list */
		npend += rr->phase == RINGS_PENDING && rr->rx == NULL;
		nadopt += rr->phase == RINGS_ADOPTING;
		n++;
	}
	FZ_ASSERT(n == ringd.nrings && n <= ringd.conf.max_rings);
	FZ_ASSERT(nserve == ringd.nserving);
	k = 0;
	RB_FOREACH(rr, ring_mem_tree, &ringd.ring_mems) {
		FZ_ASSERT(RB_FIND(ring_tree, &ringd.rings, rr) == rr);
		k++;
	}
	FZ_ASSERT(k + nredox == n);
	k = 0;
	TAILQ_FOREACH(rr, &ringd.pending, pend_link) {
		FZ_ASSERT(rr->phase == RINGS_PENDING && !rr->dead);
		k++;
	}
	FZ_ASSERT(k == npend);
	k = 0;
	TAILQ_FOREACH(rr, &ringd.adopting, pend_link) {
		FZ_ASSERT(rr->phase == RINGS_ADOPTING && !rr->dead);
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
int
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
void __attribute__((noreturn)) fz_fds_fail(int want)
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
		len += (size_t)snprintf(what + len, sizeof(what) - len,
		    " %d=%s", fd, target);
	}
	fz_fail(what, __FILE__, __LINE__);
}

/* Persistent regions ringd made a memory file for: each holds one. */
int
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
