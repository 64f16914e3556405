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
 * is left), and the next ringd reads it once at start and removes it.
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
 * Without the file (ringd was killed, or this is its first start) ADOPT
 * still works, with fresh ids and nothing claimed believed (rings.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringd.h"

#define STATE_MAGIC 0x3174736472676e72ull /* "rngrdst1" */
#define STATE_SUFFIX ".state"

struct state_header {
	uint64_t magic;
	uint32_t version; /* PROTO_VERSION of the writer */
	uint32_t count;	  /* records that follow */
	uint64_t next_ring_id;
	uint64_t reserved;
};

static struct state_ring *state_rings; /* sorted by (dev, ino) */
static uint32_t state_count;
static bool state_loaded;

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

	if (x->mem_dev != y->mem_dev)
		return x->mem_dev < y->mem_dev ? -1 : 1;
	return x->mem_ino < y->mem_ino ? -1 : x->mem_ino > y->mem_ino;
}

/* Read exactly len bytes, or fail. */
static bool
state_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
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
	    h->count > RINGD_CAP_MAX_RINGS || h->reserved != 0)
		return false;
	size = sizeof(*h) + (uint64_t)h->count * sizeof(struct state_ring);
	return (uint64_t)st->st_size == size;
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

	if (state_path(path, sizeof(path)) < 0)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !state_read_all(fd, &h, sizeof(h)) ||
	    !state_check(&h, &st)) {
		log_warn("ignoring '%s': not a state file this ringd wrote",
		    path);
		goto out;
	}
	if (h.count > 0 &&
	    (state_rings = calloc(h.count, sizeof(*state_rings))) == NULL)
		goto out;
	if (h.count > 0 &&
	    !state_read_all(fd, state_rings, h.count * sizeof(*state_rings))) {
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
out:
	close(fd);
	(void)unlink(path);
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

/* At a clean stop: write down the rings left to their peers. */
void
state_save(void)
{
	struct state_header h;
	struct ringd_ring *rr;
	struct state_ring *v = NULL;
	char path[RINGD_SOCK_MAX + sizeof(STATE_SUFFIX)];
	uint32_t n = 0, cap = 0;
	size_t len;
	int fd;

	if (state_path(path, sizeof(path)) < 0)
		return;
	RB_FOREACH(rr, ring_tree, &ringd.rings) {
		struct state_ring *sr;

		if (rr->builtin || rr->takeover || rr->pending ||
		    rr->serve != NULL)
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
	if (n == 0)
		goto out; /* nothing to hand on: ids start afresh, harmlessly */
	memset(&h, 0, sizeof(h));
	h.magic = STATE_MAGIC;
	h.version = PROTO_VERSION;
	h.count = n;
	h.next_ring_id = ringd.next_ring_id + 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		log_warn("cannot write '%s': %s; the next ringd adopts the "
			 "rings with new ids",
		    path, strerror(errno));
		goto out;
	}
	len = (size_t)n * sizeof(*v);
	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    (len > 0 && write(fd, v, len) != (ssize_t)len)) {
		log_warn("cannot write '%s': %s", path, strerror(errno));
		(void)unlink(path);
	}
	close(fd);
out:
	free(v);
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
