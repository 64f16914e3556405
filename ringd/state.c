/*
 * state.c - what one ringd tells the next about the rings it leaves to
 * their peers.
 *
 * When ringd stops, rings between two other processes go on without it;
 * after a restart each side hands its ring back (ADOPT).  Only ringd knows
 * which rings it brokered, under which id, and who their sides were: a
 * side's own word proves nothing.  So at a clean stop ringd writes that
 * down next to its socket (SOCKET.state, mode 0600, never followed through
 * a link, ignored unless owned by ringd's user; not written when no ring
 * and no region is left), and the next ringd reads it once at start and
 * removes it.
 * With it:
 *
 *  - ring ids carry on from where the last ringd stopped: an id is never
 *    issued twice, and an ADOPT gets the id its ring had, whatever it says;
 *  - a side is taken back only from the uid that held it, and the side
 *    still to come is shown as the kernel identified it then;
 *  - the names of the schemes serving those rings stay reserved for their
 *    owner's uid while the rings are being adopted;
 *  - a producer that does not come back is taken over only once its
 *    process is gone.
 *
 * The file also records every physalloc3 region (phys.c): its id, range,
 * zone, flags, owner, the identity of its memory file and the rings it was
 * granted through.  The next ringd reserves exactly those ranges, makes
 * the regions again and takes their memory files back from whoever held
 * them (PHYS_ADOPT), or, under systemd, from the service manager's file
 * descriptor store, where a stopping ringd leaves the memory files it
 * holds (FDNAME=ringd-phys).
 *
 * Without the file (ringd was killed, or this is its first start) ADOPT
 * still works, with fresh ids and nothing claimed believed (rings.c);
 * regions are gone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "ringd.h"

#define STATE_MAGIC 0x3274736472676e72ull /* "rngrdst2" */
#define STATE_SUFFIX ".state"
#define STATE_FDNAME "ringd-phys" /* region memory in systemd's fd store */

struct state_header {
	uint64_t magic;
	uint32_t version; /* PROTO_VERSION of the writer */
	uint32_t count;	  /* ring records that follow */
	uint64_t next_ring_id;
	uint32_t nregions; /* region records after the rings */
	uint32_t reserved;
	uint64_t next_region_id;
};

static struct state_ring *state_rings; /* sorted by (dev, ino) */
static uint32_t state_count;
static bool state_loaded;
static int *state_stored; /* memory files from systemd's fd store */
static size_t state_nstored;

static int
state_path(char *buf, size_t size)
{
	int n;

	if (ringd.sock_path[0] != '/')
		return -ENOENT;
	n = snprintf(buf, size, "%s" STATE_SUFFIX, ringd.sock_path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int
state_cmp(const void *a, const void *b)
{
	const struct state_ring *x = a, *y = b;

	return ringd_file_cmp(x->mem_dev, x->mem_ino, y->mem_dev, y->mem_ino);
}

/* Does the file look like one a ringd of our user wrote? */
static bool
state_check(const struct state_header *h, const struct stat *st)
{
	uint64_t size;

	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 077) != 0 || st->st_nlink != 1)
		return false;
	if (h->magic != STATE_MAGIC || h->version != PROTO_VERSION ||
	    h->count > RINGD_CAP_MAX_RINGS ||
	    h->nregions > RINGD_CAP_PHYS_MAX_REGIONS || h->reserved != 0)
		return false;
	size = sizeof(*h) + (uint64_t)h->count * sizeof(struct state_ring) +
	    (uint64_t)h->nregions * sizeof(struct state_region);
	return (uint64_t)st->st_size == size;
}

/*
 * Is fd the memory file recorded as (dev, ino): that very file, of size
 * bytes, sealed against resizing, open for writing?  Holding it proves
 * ringd handed it out; its identity proves which region it is.
 */
bool
state_memfd_ok(int fd, uint64_t dev, uint64_t ino, uint64_t size)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct stat st;
	int fl, sl;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino ||
	    st.st_size < 0 || (uint64_t)st.st_size != size)
		return false;
	fl = fcntl(fd, F_GETFL);
	sl = fcntl(fd, F_GET_SEALS);
	return fl >= 0 && (fl & O_ACCMODE) == O_RDWR && sl >= 0 &&
	    (sl & seals) == seals;
}

/*
 * Socket activation and the fd store both pass descriptors from
 * LISTEN_FDS_START on, the sockets first.  Take the memory files a
 * stopping ringd stored (named STATE_FDNAME in names, LISTEN_FDNAMES) and
 * return how many descriptors are left for the sockets.
 */
long long
state_fdstore_take(int first, long long nfds, const char *names)
{
	const char *p = names;
	long long i, left = nfds; /* the sockets come first */
	size_t len = strlen(STATE_FDNAME);

	if (names == NULL || nfds <= 0)
		return nfds;
	for (i = 0; i < nfds && p != NULL; i++) {
		const char *end = strchr(p, ':');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, STATE_FDNAME, len) == 0) {
			int *v = reallocarray(state_stored, state_nstored + 1,
			    sizeof(*v));

			(void)fcntl(first + (int)i, F_SETFD, FD_CLOEXEC);
			if (v == NULL) {
				close(first + (int)i);
			} else {
				state_stored = v;
				state_stored[state_nstored++] = first + (int)i;
			}
			left--;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return left;
}

/* Hand the memory files taken from the store on, and empty the store. */
static void
state_fdstore_done(uint64_t next_region_id)
{
	phys_restore_done(next_region_id, state_stored, state_nstored);
	if (state_nstored > 0)
		service_notify("FDSTOREREMOVE=1\nFDNAME=" STATE_FDNAME);
	free(state_stored);
	state_stored = NULL;
	state_nstored = 0;
}

/* Re-create the regions recorded after the rings; false on a short file. */
static bool
state_load_regions(int fd, uint32_t n)
{
	struct state_region sr;
	uint32_t i, bad = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (io_full(fd, &sr, sizeof(sr), false) < 0)
			return false;
		if ((rc = phys_restore(&sr)) < 0) {
			if (bad++ < 8)
				log_warn("region %llu %#llx+%#llx left by the "
					 "last ringd is lost: %s",
				    (unsigned long long)sr.id,
				    (unsigned long long)sr.base,
				    (unsigned long long)sr.size,
				    rc == -EINVAL ? "it does not fit the zones"
						  : strerror(-rc));
		}
	}
	return true;
}

/* At start, before serving: take in what the last ringd left, if any. */
void
state_load(void)
{
	struct state_header h;
	struct stat st;
	char path[RINGD_SOCK_MAX + sizeof(STATE_SUFFIX)];
	uint32_t i;
	int fd;

	if (state_path(path, sizeof(path)) < 0) {
		state_fdstore_done(0);
		return;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	memset(&h, 0, sizeof(h));
	if (fd < 0) {
		state_fdstore_done(0);
		return;
	}
	if (fstat(fd, &st) < 0 || io_full(fd, &h, sizeof(h), false) ||
	    !state_check(&h, &st)) {
		log_warn("ignoring '%s': not a state file this ringd wrote",
		    path);
		h.next_region_id = 0;
		goto out;
	}
	if (h.count > 0 &&
	    (state_rings = calloc(h.count, sizeof(*state_rings))) == NULL)
		goto out;
	if (h.count > 0 &&
	    io_full(fd, state_rings, h.count * sizeof(*state_rings),
		false)) {
		free(state_rings);
		state_rings = NULL;
		goto out;
	}
	for (i = 0; i < h.count; i++) {
		struct state_ring *sr = &state_rings[i];

		sr->scheme[sizeof(sr->scheme) - 1] = '\0';
		sr->cpeer.comm[sizeof(sr->cpeer.comm) - 1] = '\0';
		sr->ppeer.comm[sizeof(sr->ppeer.comm) - 1] = '\0';
		sr->flags &= STATE_HAS_CONSUMER | STATE_HAS_PRODUCER;
		if (!(sr->flags & STATE_HAS_CONSUMER))
			memset(&sr->cpeer, 0, sizeof(sr->cpeer));
		if (!(sr->flags & STATE_HAS_PRODUCER))
			memset(&sr->ppeer, 0, sizeof(sr->ppeer));
		if (sr->id >= h.next_ring_id)
			h.next_ring_id = sr->id + 1;
	}
	if (h.count > 0)
		qsort(state_rings, h.count, sizeof(*state_rings), state_cmp);
	state_count = h.count;
	state_loaded = true;
	ringd.next_ring_id = h.next_ring_id > 0 ? h.next_ring_id - 1 : 0;
	log_info("%u rings left by the last ringd may come back; ring ids "
		 "go on from %llu",
	    h.count, (unsigned long long)h.next_ring_id);
	if (!state_load_regions(fd, h.nregions))
		log_warn("'%s' ends early: some regions are lost", path);
out:
	close(fd);
	(void)unlink(path);
	state_fdstore_done(h.next_region_id);
}

/* The record of the ring with this memory file, or NULL. */
struct state_ring *
state_find(dev_t dev, ino_t ino)
{
	struct state_ring key;

	if (state_count == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.mem_dev = dev;
	key.mem_ino = ino;
	return bsearch(&key, state_rings, state_count, sizeof(*state_rings),
	    state_cmp);
}

/* Did the last ringd say which rings it left?  (Then no other comes.) */
bool
state_known(void)
{
	return state_loaded;
}

/* Is ADOPT still taking rings nobody recorded (the window after start)? */
bool
state_adopt_window(void)
{
	return service_now_ns() - ringd.start_ns <
	    (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull;
}

/*
 * Is name reserved for another uid than uid?  While the rings the last
 * ringd left are being adopted, the scheme that served them is expected
 * back under its name: nobody else may take it meanwhile.
 */
bool
state_name_reserved(const char *name, uint32_t uid, uint32_t *owner)
{
	uint32_t i;

	if (state_count == 0 || !state_adopt_window())
		return false;
	for (i = 0; i < state_count; i++) {
		const struct state_ring *sr = &state_rings[i];

		if ((sr->flags & STATE_HAS_PRODUCER) &&
		    !(sr->flags & STATE_PRODUCER_BACK) &&
		    strcmp(sr->scheme, name) == 0 && sr->ppeer.uid != uid) {
			*owner = sr->ppeer.uid;
			return true;
		}
	}
	return false;
}

/*
 * At a clean stop: write down the rings left to their peers and the
 * regions, and leave the regions' memory files in systemd's fd store.
 */
void
state_save(void)
{
	struct state_header h;
	struct ringd_ring *rr;
	struct state_ring *v = NULL;
	struct state_region *reg = NULL;
	char path[RINGD_SOCK_MAX + sizeof(STATE_SUFFIX)];
	uint32_t n = 0, cap = 0;
	size_t len, nreg, nmem;
	int fd, *mem = NULL;

	if (state_path(path, sizeof(path)) < 0)
		return;
	RB_FOREACH(rr, ring_tree, &ringd.rings) {
		struct state_ring *sr;

		/* redox_rings are not adopted: they have no memory file */
		if (rr->builtin || rr->phase == RINGS_TAKEN_OVER ||
		    rr->phase == RINGS_PENDING || rr->serve != NULL ||
		    rr->rx != NULL)
			continue;
		if (n == cap) {
			struct state_ring *nv;

			cap = cap ? 2 * cap : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto out;
			v = nv;
		}
		sr = &v[n++];
		memset(sr, 0, sizeof(*sr));
		sr->id = rr->id;
		sr->mem_dev = rr->mem_dev;
		sr->mem_ino = rr->mem_ino;
		memcpy(sr->scheme, rr->scheme, sizeof(sr->scheme));
		sr->cpeer = rr->cpeer;
		sr->ppeer = rr->ppeer;
		if (rr->consumer != NULL || rr->cpeer.pid != 0)
			sr->flags |= STATE_HAS_CONSUMER;
		if (rr->producer != NULL || rr->ppeer.pid != 0)
			sr->flags |= STATE_HAS_PRODUCER;
	}
	(void)unlink(path);
	nreg = phys_save(&reg, &mem, &nmem);
	if (n == 0 && nreg == 0)
		goto out; /* nothing to hand on: ids start afresh, harmlessly */
	if (ringd.notify && nmem > 0)
		service_notify_fdstore(STATE_FDNAME, mem, nmem);
	memset(&h, 0, sizeof(h));
	h.magic = STATE_MAGIC;
	h.version = PROTO_VERSION;
	h.count = n;
	h.next_ring_id = ringd.next_ring_id + 1;
	h.nregions = (uint32_t)nreg;
	h.next_region_id = phys_next_id() + 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		log_warn("cannot write '%s': %s; the next ringd adopts the "
			 "rings with new ids",
		    path, strerror(errno));
		goto out;
	}
	len = (size_t)n * sizeof(*v);
	if (io_full(fd, &h, sizeof(h), true) ||
	    io_full(fd, v, len, true) ||
	    io_full(fd, reg, nreg * sizeof(*reg), true)) {
		log_warn("cannot write '%s': %s", path, strerror(errno));
		(void)unlink(path);
	}
	close(fd);
out:
	free(v);
	free(reg);
	free(mem);
}

/* Forget what the last ringd left (at exit). */
void
state_fini(void)
{
	free(state_rings);
	state_rings = NULL;
	state_count = 0;
	state_loaded = false;
}
