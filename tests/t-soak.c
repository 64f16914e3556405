/*
 * t-soak.c - many rings, traffic and churn for a while; ringd stays flat.
 *
 * A private ringd brokers SOAK_RINGS rings (default 200) held by
 * SOAK_CONSUMERS consumer processes, to ringd's own null scheme and to two
 * scheme processes.  Every ring carries traffic (one SQE in flight at a
 * time, answered with status 0), and for the whole run there is churn:
 * consumers close a random ring and open a new one (open, attach, accept,
 * detach), the parent kills a scheme process or a consumer with SIGKILL
 * every few hundred milliseconds and starts another in its place.
 *
 * ringd's memory and descriptor count are read once every ring is up, and
 * again at the end with every ring up again: the churn paused, and ringd
 * listing exactly the run's clients, schemes and running rings before and
 * after the reading, so that nothing is in flight while it is taken.  The
 * memory files must be no more than one per ring, the descriptors no more
 * than the rings and clients account for, the ring memory ringd maps no
 * more than those rings account for, and its private memory (heap,
 * stacks) may grow by a small slack only; no CQE may carry an error other
 * than -ESHUTDOWN (the injected kills), and once every client is gone
 * ringd must come back to its idle descriptor count.
 *
 * RING_SOAK_SECONDS (default 5) and RING_SOAK_RINGS (default 200) set the
 * size; docs/hardening.md has the full run (600 s, 1000 rings).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/proc.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define SOAK_CONSUMERS 8
#define SOAK_SCHEMES 2
#define SOAK_MAX_PER 256 /* rings one consumer holds at most */
#define SOAK_SPARE_PAIRS 1 /* pairs ringd makes ahead (ringd(8)) */
/*
 * ringd is built like this test: under AddressSanitizer freed memory
 * waits in a quarantine, so its private memory grows by design.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif
#define SOAK_SQ 4 /* entries per queue */

struct soak_shared {
	atomic_int stop;
	atomic_int quiet;	       /* no churn while ringd is measured */
	atomic_int up[SOAK_CONSUMERS]; /* pid of the slot's consumer once all
					   its rings are open */
	atomic_uint_fast64_t cqes, errors, shutdowns, opens, closes;
	atomic_int_fast64_t last_error;
};

static struct td d;
static struct soak_shared *sk;

static unsigned
soak_env(const char *name, unsigned def, unsigned max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		TAP_FAIL("%s='%s' is not 1..%u", name, s, max);
	return (unsigned)v;
}

/* --- scheme process: answer everything with 0 --------------------------- */

static void
soak_scheme(unsigned slot)
{
	struct ring *rs[SOAK_MAX_PER * SOAK_CONSUMERS];
	uint64_t ids[SOAK_MAX_PER * SOAK_CONSUMERS];
	struct ring_attach a;
	struct ring_ctl *c;
	char name[32];
	unsigned n = 0, i;
	int rc;

	snprintf(name, sizeof(name), "soak%u", slot);
	c = td_connect(&d);
	tp_register_again(c, name);
	for (;;) {
		bool busy = false;

		while (n < sizeof(rs) / sizeof(rs[0]) &&
		    ring_ctl_next_attach(c, &a) == 0) {
			ids[n] = a.ring_id;
			if (ring_ctl_accept(c, &a, &rs[n]) == 0)
				n++;
		}
		for (i = 0; i < n;) {
			struct ring_sqe sqe;
			struct ring_cqe cqe;

			while ((rc = ring_sq_pop(rs[i], &sqe)) == 0) {
				memset(&cqe, 0, sizeof(cqe));
				cqe.user_data = sqe.user_data;
				busy = true;
				if ((rc = ring_cq_push(rs[i], &cqe)) < 0)
					break;
			}
			if (rc != -EAGAIN) {
				ring_close(rs[i]);
				(void)ring_ctl_close_ring(c, ids[i]);
				rs[i] = rs[--n];
				ids[i] = ids[n];
				continue;
			}
			i++;
		}
		if (!busy)
			tu_sleep_ms(1);
	}
}

/* --- consumer: hold its share of rings, keep one SQE in flight on each -- */

struct soak_ring {
	struct ring *r;
	uint64_t id;
	bool inflight;
};

static void
soak_open(struct ring_ctl *c, struct soak_ring *s)
{
	static const char *const schemes[] = { "null", "soak0", "soak1" };
	struct ring_params p = { .sq_entries = SOAK_SQ };
	int rc;

	for (;;) {
		const char *name = schemes[tu_rand_below(3)];

		if ((rc = ring_ctl_open(c, name, &p, &s->r, &s->id)) == 0)
			break;
		if (rc != -ENODEV && rc != -ECONNRESET && rc != -ESHUTDOWN)
			TAP_FAIL("open '%s': %s", name, tap_rcname(rc));
		tu_sleep_ms(1);
	}
	s->inflight = false;
	atomic_fetch_add(&sk->opens, 1);
}

static void
soak_close(struct ring_ctl *c, struct soak_ring *s)
{
	ring_close(s->r);
	(void)ring_ctl_close_ring(c, s->id);
	s->r = NULL;
	atomic_fetch_add(&sk->closes, 1);
}

static void
soak_consumer(unsigned slot, unsigned nrings)
{
	struct soak_ring rings[SOAK_MAX_PER];
	struct ring_ctl *c;
	uint64_t seq = 0, last_churn = clock_ns();
	unsigned i;

	tu_srand(getpid());
	c = td_connect(&d);
	for (i = 0; i < nrings; i++)
		soak_open(c, &rings[i]);
	atomic_store(&sk->up[slot], (int)getpid());
	while (!atomic_load(&sk->stop)) {
		bool busy = false;

		for (i = 0; i < nrings; i++) {
			struct soak_ring *s = &rings[i];
			struct ring_sqe sqe = { .opcode = RING_OP_NOOP };
			struct ring_cqe cqe;
			int rc;

			if (!s->inflight) {
				sqe.user_data = ++seq;
				if (ring_sq_push(s->r, &sqe) == 0)
					s->inflight = true;
			}
			rc = ring_cq_pop(s->r, &cqe);
			if (rc == 0) {
				busy = true;
				s->inflight = false;
				atomic_fetch_add(&sk->cqes, 1);
				if ((int64_t)cqe.status == -ESHUTDOWN) {
					atomic_fetch_add(&sk->shutdowns, 1);
				} else if (cqe.status != 0) {
					atomic_fetch_add(&sk->errors, 1);
					atomic_store(&sk->last_error,
					    (int64_t)cqe.status);
				}
			} else if (rc != -EAGAIN) {
				/* the scheme was killed: a new ring */
				if (rc != -ESHUTDOWN) {
					atomic_fetch_add(&sk->errors, 1);
					atomic_store(&sk->last_error, rc);
				}
				soak_close(c, s);
				soak_open(c, s);
			}
		}
		/* churn: one ring closed and opened again every 20 ms */
		if (!atomic_load(&sk->quiet) &&
		    clock_ns() - last_churn > 20000000ull) {
			i = (unsigned)tu_rand_below(nrings);
			soak_close(c, &rings[i]);
			soak_open(c, &rings[i]);
			last_churn = clock_ns();
		}
		if (!busy)
			tu_sleep_ms(1);
	}
	for (i = 0; i < nrings; i++)
		soak_close(c, &rings[i]);
	ring_ctl_close(c);
	tap_child_exit();
}

/* --- the run ------------------------------------------------------------ */

/* ringd's memory, in KiB, from /proc/PID/status. */
struct soak_mem {
	long anon;	/* private: heap, stacks */
	long shmem;	/* ring memory mapped */
	long shmem_max; /* what the rings it holds may map */
};

static long
soak_status_kib(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	if (p == NULL)
		TAP_FAIL("no '%s' in ringd's status", key);
	return strtol(p + strlen(key), NULL, 10);
}

static void
soak_read_mem(pid_t pid, struct soak_mem *m)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (td_read_file(path, buf, sizeof(buf)) < 0)
		TAP_FAIL("cannot read '%s'", path);
	m->anon = soak_status_kib(buf, "RssAnon:");
	m->shmem = soak_status_kib(buf, "RssShmem:");
}

/* ringd's descriptors of pair memory files: one per ring it holds. */
static int
soak_count_memfds(pid_t pid)
{
	char dir[64], path[320], target[256];
	struct dirent *e;
	DIR *dp;
	ssize_t n;
	int count = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((dp = opendir(dir)) == NULL)
		TAP_FAIL("cannot list '%s'", dir);
	while ((e = readdir(dp)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (n >= 16 && memcmp(target, "/memfd:ring-pair", 16) == 0)
			count++;
	}
	closedir(dp);
	return count;
}

/* Has every consumer now in place opened all its rings? */
static bool
soak_all_up(const pid_t *cons)
{
	unsigned i;

	for (i = 0; i < SOAK_CONSUMERS; i++)
		if (atomic_load(&sk->up[i]) != (int)cons[i])
			return false;
	return true;
}

static bool
soak_pid_in(uint32_t pid, const pid_t *v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (pid == (uint32_t)v[i])
			return true;
	return false;
}

/* What ringd lists, as far as the accounting below needs it. */
struct soak_model {
	uint64_t *ids; /* its rings, in id order */
	size_t rings;
	size_t own;	/* rings it serves itself */
	size_t clients;
};

/*
 * Does ringd list exactly the run as it stands: as clients the test's
 * connection, the consumers and the scheme processes in place and nobody
 * else; each soak scheme held by the scheme process in place; and exactly
 * `rings` rings, each running between a consumer in place and ringd
 * (null) or the process holding its scheme?  Anything else is in flight
 * and holds descriptors and memory the accounting does not expect: a
 * client ringd has not yet seen come or go, a ring whose scheme was
 * killed (ringd serves it until its consumer closes it), a ring being
 * opened or closed.  false then, with what differed in why.
 */
static bool
soak_model_read(struct ring_ctl *c, const pid_t *cons, const pid_t *schemes,
    uint64_t rings, struct soak_model *m, char *why, size_t wlen)
{
	struct ring_ctl_client *cl = NULL;
	struct ring_ctl_scheme *sv = NULL;
	struct ring_ctl_ring *rv = NULL;
	uint32_t owner[SOAK_SCHEMES] = { 0 };
	size_t n, i;
	bool ok = false;
	unsigned k;

	memset(m, 0, sizeof(*m));
	TAP_RC(ring_ctl_list_clients(c, &cl, &n), 0);
	m->clients = n;
	if (n != SOAK_CONSUMERS + SOAK_SCHEMES + 1) {
		snprintf(why, wlen, "%zu clients listed, %u expected", n,
		    SOAK_CONSUMERS + SOAK_SCHEMES + 1);
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint32_t pid = cl[i].peer.pid;

		if (pid != (uint32_t)getpid() &&
		    !soak_pid_in(pid, cons, SOAK_CONSUMERS) &&
		    !soak_pid_in(pid, schemes, SOAK_SCHEMES)) {
			snprintf(why, wlen, "client pid %u is not in the run",
			    pid);
			goto out;
		}
	}
	TAP_RC(ring_ctl_list_schemes(c, &sv, &n), 0);
	for (i = 0; i < n; i++)
		for (k = 0; k < SOAK_SCHEMES; k++) {
			char name[32];

			snprintf(name, sizeof(name), "soak%u", k);
			if (strcmp(sv[i].name, name) == 0)
				owner[k] = sv[i].owner.pid;
		}
	for (k = 0; k < SOAK_SCHEMES; k++)
		if (owner[k] != (uint32_t)schemes[k]) {
			snprintf(why, wlen,
			    "scheme soak%u held by pid %u, its process is %d",
			    k, owner[k], (int)schemes[k]);
			goto out;
		}
	TAP_RC(ring_ctl_list_rings(c, &rv, &n), 0);
	m->rings = n;
	if (n != rings) {
		snprintf(why, wlen, "%zu rings listed, %" PRIu64 " expected", n,
		    rings);
		goto out;
	}
	if ((m->ids = calloc(n + 1, sizeof(*m->ids))) == NULL)
		TAP_FAIL("out of memory");
	for (i = 0; i < n; i++) {
		const struct ring_ctl_ring *r = &rv[i];
		bool served = r->producer.pid == 0 &&
		    strcmp(r->scheme, "null") == 0;

		m->ids[i] = r->ring_id;
		m->own += served;
		if (r->state != RING_CTL_RUNNING ||
		    !soak_pid_in(r->consumer.pid, cons, SOAK_CONSUMERS) ||
		    (!served &&
			!(strcmp(r->scheme, "soak0") == 0 &&
			    r->producer.pid == owner[0]) &&
			!(strcmp(r->scheme, "soak1") == 0 &&
			    r->producer.pid == owner[1]))) {
			snprintf(why, wlen,
			    "ring %" PRIu64 " to '%s': state %u, consumer pid "
			    "%u, producer pid %u",
			    r->ring_id, r->scheme, r->state, r->consumer.pid,
			    r->producer.pid);
			goto out;
		}
	}
	ok = true;
out:
	free(cl);
	free(sv);
	free(rv);
	if (!ok) {
		free(m->ids);
		m->ids = NULL;
	}
	return ok;
}

static bool
soak_model_same(const struct soak_model *a, const struct soak_model *b)
{
	return a->rings == b->rings && a->own == b->own &&
	    a->clients == b->clients &&
	    memcmp(a->ids, b->ids, a->rings * sizeof(*a->ids)) == 0;
}

/*
 * Stop the churn and wait until ringd lists exactly the run as it stands
 * (soak_model_read()); then read ringd's resident size and descriptors,
 * and keep the reading only if ringd lists the same rings and clients
 * afterwards and its descriptor count did not move meanwhile.  What the
 * rings and clients account for comes from that same listing.  Then let
 * the churn go on.
 */
static void
soak_measure(struct ring_ctl *c, const pid_t *cons, const pid_t *schemes,
    uint64_t rings, struct soak_mem *mem, int *fds, int *memfds, int *fdmax)
{
	struct ring_layout l = ring_layout(0, SOAK_SQ, SOAK_SQ, 0);
	struct soak_model before, after;
	uint64_t t0 = clock_ns();
	char why[160] = "consumers not all up";
	bool done = false;

	atomic_store(&sk->quiet, 1);
	while (!done) {
		if (soak_all_up(cons) &&
		    soak_model_read(c, cons, schemes, rings, &before, why,
			sizeof(why))) {
			soak_read_mem(d.pid, mem);
			*fds = td_count_fds(d.pid);
			*memfds = soak_count_memfds(d.pid);
			if (soak_model_read(c, cons, schemes, rings, &after, why,
				sizeof(why))) {
				if (!soak_model_same(&before, &after))
					snprintf(why, sizeof(why),
					    "the rings changed while counted");
				else if (td_count_fds(d.pid) != *fds)
					snprintf(why, sizeof(why),
					    "the descriptor count moved");
				else
					done = true;
				free(after.ids);
			}
			if (!done)
				free(before.ids);
		}
		if (!done && clock_ns() - t0 > 60000000000ull)
			TD_FAIL(&d,
			    "after 60 s ringd still does not list exactly "
			    "the run: %s",
			    why);
		if (!done)
			tu_sleep_ms(5);
	}
	/*
	 * What the rings and clients account for: a memory file and two
	 * doorbells per ring, two more descriptors for a ring ringd serves
	 * itself (its producer handle's doorbells), what a client costs (a
	 * socket and a pidfd, as counted at start) per client, and the
	 * spare pair ringd may hold for the next OPEN.  Mapped, each
	 * ring is ringd's monitor view (the pages before the entries) and,
	 * for a ring ringd serves, the whole pair once more.
	 */
	*fdmax = d.fd_base + 3 * (int)before.rings + 2 * (int)before.own +
	    d.fd_client * (int)before.clients + 3 * SOAK_SPARE_PAIRS;
	mem->shmem_max = (long)((before.rings * l.sq_ents +
				    before.own * l.total) /
	    1024);
	free(before.ids);
	atomic_store(&sk->quiet, 0);
}

static unsigned soak_per; /* rings per consumer */

static void
soak_consumer_slot(unsigned slot)
{
	soak_consumer(slot, soak_per);
}

TAP_TEST(test_soak,
    "soak: rings with traffic, churn and kills; ringd stays flat", 86400)
{
	unsigned secs = soak_env("RING_SOAK_SECONDS", 5, 86400);
	unsigned nrings = soak_env("RING_SOAK_RINGS", 200,
	    SOAK_MAX_PER * SOAK_CONSUMERS);
	unsigned per = (nrings + SOAK_CONSUMERS - 1) / SOAK_CONSUMERS, i;
	pid_t schemes[SOAK_SCHEMES], cons[SOAK_CONSUMERS];
	struct tp_pool spool = { schemes, SOAK_SCHEMES, soak_scheme, 0 };
	struct tp_pool cpool = { cons, SOAK_CONSUMERS, soak_consumer_slot, 0 };
	struct soak_mem m0, m1;
	int fds0, fds1, mem0, mem1, max0, max1;
	uint64_t t0, cqes0;
	struct ring_ctl *c;

	sk = mmap(NULL, sizeof(*sk), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TAP_ASSERT(sk != MAP_FAILED);
	td_begin(&d, "max_rings = 8192\nmax_rings_per_client = 1024\n");
	TAP_ASSERT(d.fd_base >= 0);
	tu_srand(0x736f616b);
	soak_per = per;
	tp_pool_start(&spool);
	tp_pool_start(&cpool);
	c = td_connect(&d);
	soak_measure(c, cons, schemes, per * SOAK_CONSUMERS, &m0, &fds0, &mem0,
	    &max0);
	cqes0 = sk->cqes;
	tap_diag("soak: %u rings, %u s; ringd at start: %ld KiB private, "
		 "%ld KiB ring memory mapped (rings account for %ld), "
		 "%d descriptors (%d memory files; rings and clients account "
		 "for "
		 "%d)",
	    per * SOAK_CONSUMERS, secs, m0.anon, m0.shmem, m0.shmem_max, fds0,
	    mem0, max0);
	for (t0 = clock_ns();
	     clock_ns() - t0 < (uint64_t)secs * 1000000000ull;) {
		tu_sleep_ms(200 + (unsigned)tu_rand_below(300));
		tp_pool_kill_one(tu_rand_below(4) != 0 ? &spool : &cpool);
		td_assert_alive(&d);
	}
	/* every ring up again before the second reading */
	soak_measure(c, cons, schemes, per * SOAK_CONSUMERS, &m1, &fds1, &mem1,
	    &max1);
	tap_diag("soak: ringd at end: %ld KiB private, %ld KiB ring memory "
		 "mapped (account for %ld), %d descriptors "
		 "(%d memory files; account for %d); "
		 "%" PRIu64 " CQEs, %" PRIu64 " ring opens, %" PRIu64
		 " closes, "
		 "%u scheme and %u consumer kills, %" PRIu64 " -ESHUTDOWN, "
		 "%" PRIu64 " other errors",
	    m1.anon, m1.shmem, m1.shmem_max, fds1, mem1, max1,
	    (uint64_t)sk->cqes, (uint64_t)sk->opens, (uint64_t)sk->closes,
	    spool.kills, cpool.kills, (uint64_t)sk->shutdowns, (uint64_t)sk->errors);
	atomic_store(&sk->stop, 1);
	for (i = 0; i < SOAK_CONSUMERS; i++)
		if (!tap_reap_within(cons[i], 30000))
			TD_FAIL(&d, "a consumer did not stop");
	for (i = 0; i < SOAK_SCHEMES; i++)
		tap_kill(schemes[i]);
	if (sk->errors != 0)
		TAP_FAIL("%" PRIu64 " error CQEs or calls besides the kills "
			 "(last %s)",
		    (uint64_t)sk->errors, tap_rcname((long)sk->last_error));
	TAP_ASSERT(sk->cqes > cqes0);
	/*
	 * The same rings: no more memory files than rings and the one spare
	 * pair ringd makes ahead for the next OPEN (fewer when ringd already
	 * let go of a dropped ring's file), no descriptor unaccounted.
	 */
	if (mem0 > (int)(per * SOAK_CONSUMERS + SOAK_SPARE_PAIRS) ||
	    mem1 > (int)(per * SOAK_CONSUMERS + SOAK_SPARE_PAIRS))
		TD_FAIL(&d,
		    "ringd holds %d memory files (%d at start) for %u "
		    "rings",
		    mem1, mem0, per * SOAK_CONSUMERS);
	if (fds0 > max0 || fds1 > max1)
		TD_FAIL(&d,
		    "ringd holds %d descriptors (%d at start), more "
		    "than its rings and clients account for (%d, %d)",
		    fds1, fds0, max1, max0);
	/*
	 * Private memory flat; ring memory no more than the rings ringd
	 * holds map (a stale mapping of a closed ring would exceed it).
	 */
	if (SOAK_ASAN)
		tap_diag("soak: ringd's private memory not checked: "
			 "AddressSanitizer keeps freed memory in quarantine");
	else if (m1.anon > m0.anon + m0.anon / 4 + 1024)
		TD_FAIL(&d,
		    "ringd's private memory grew from %ld KiB to %ld KiB",
		    m0.anon, m1.anon);
	if (m0.shmem > m0.shmem_max || m1.shmem > m1.shmem_max)
		TD_FAIL(&d,
		    "ringd maps %ld KiB of ring memory (%ld at start), "
		    "more than its rings account for (%ld, %ld)",
		    m1.shmem, m0.shmem, m1.shmem_max, m0.shmem_max);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
