/*
 * redox-serve.c - the redox_ring serving loop blkdev-scheme and
 * ramfs-scheme share (see redox-serve.h): ring setup, file tables and
 * detach events from ringd, one serving turn over every ring, and the
 * scheme's private directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "redox-serve.h"

#define RSV_ITEM_MAX 64u /* bytes of the largest entry a protocol may use */

void
rsv_init(struct rsv *s, const char *prog, const struct rsv_proto *proto,
    void *ctx, struct ring_ctl *ctl, int ep)
{
	s->prog = prog;
	s->proto = proto;
	s->ctx = ctx;
	s->ctl = ctl;
	s->ep = ep;
}

/* Ring ring_id of today's ringd. */
static int
rsv_find(const struct rsv *s, uint64_t ring_id)
{
	uint64_t gen = ring_ctl_reconnects(s->ctl);
	unsigned i;

	for (i = 0; i < RSV_MAX_RINGS; i++)
		if (s->rings[i] != NULL && s->rings[i]->r.ring_id == ring_id &&
		    s->rings[i]->gen == gen)
			return (int)i;
	return -ENOENT;
}

/*
 * Forget ring i.  tell: let ringd know the scheme closed it (not when
 * ringd itself said the consumer is gone).
 */
static void
rsv_drop(struct rsv *s, unsigned i, const char *why, bool tell)
{
	struct rsv_ring *sr = s->rings[i];

	(void)epoll_ctl(s->ep, EPOLL_CTL_DEL, sr->r.doorbell, NULL);
	if (tell && sr->gen == ring_ctl_reconnects(s->ctl))
		(void)ring_ctl_close_ring(s->ctl, sr->r.ring_id);
	fprintf(stderr,
	    "%s: %s ring %" PRIu64 " from %s[%u] closed (%s): %" PRIu64
	    " requests, %" PRIu64 " errors\n",
	    s->prog, s->proto->what, sr->r.ring_id, sr->r.consumer.comm,
	    sr->r.consumer.pid, why, sr->requests, sr->errors);
	redox_sring_destroy(&sr->r);
	free(sr);
	s->rings[i] = NULL;
}

void
rsv_drop_all(struct rsv *s, const char *why)
{
	unsigned i;

	for (i = 0; i < RSV_MAX_RINGS; i++)
		if (s->rings[i] != NULL)
			rsv_drop(s, i, why, true);
}

static void
rsv_close_fds(const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A SETUP event: make the ring's objects and hand them to ringd. */
static void
rsv_setup(struct rsv *s, const struct ring_ctl_redox_event *ev)
{
	struct ring_ctl_redox_fds give;
	struct epoll_event e;
	struct rsv_ring *sr;
	unsigned i;
	int rc;

	for (i = 0; i < RSV_MAX_RINGS && s->rings[i] != NULL; i++)
		;
	if (i == RSV_MAX_RINGS || (sr = calloc(1, sizeof(*sr))) == NULL) {
		rc = i == RSV_MAX_RINGS ? -EMFILE : -ENOMEM;
		goto refuse;
	}
	rc = redox_sring_create(&sr->r, ev, s->proto->sqe_size,
	    s->proto->cqe_size, &give);
	if (rc < 0) {
		free(sr);
		goto refuse;
	}
	sr->r.ring_id = ev->ring_id;
	sr->r.consumer = ev->consumer;
	sr->gen = ring_ctl_reconnects(s->ctl);
	rc = ring_ctl_redox_accept(s->ctl, ev->ring_id, &sr->r.params, &give);
	rsv_close_fds((const int[]){ give.sq, give.cq, give.doorbell,
			  give.pool },
	    4);
	e = (struct epoll_event){ .events = EPOLLIN,
		.data.u32 = RSV_EV_TAG | i };
	if (rc == 0 && epoll_ctl(s->ep, EPOLL_CTL_ADD, sr->r.doorbell, &e) < 0)
		rc = -errno;
	if (rc < 0) {
		fprintf(stderr, "%s: cannot accept %s ring %" PRIu64 ": %s\n",
		    s->prog, s->proto->what, ev->ring_id, strerror(-rc));
		(void)ring_ctl_close_ring(s->ctl, ev->ring_id);
		redox_sring_destroy(&sr->r);
		free(sr);
		return;
	}
	s->rings[i] = sr;
	s->nrings++;
	fprintf(stderr,
	    "%s: %s ring %" PRIu64 " from %s[%u] uid %u: %u SQ, %u CQ "
	    "entries, pool %u bytes\n",
	    s->prog, s->proto->what, ev->ring_id, ev->consumer.comm,
	    ev->consumer.pid, ev->consumer.uid, sr->r.params.sq_entries,
	    sr->r.params.cq_entries, sr->r.params.pool_size);
	return;
refuse:
	fprintf(stderr, "%s: refusing %s ring %" PRIu64 " from %s[%u]: %s\n",
	    s->prog, s->proto->what, ev->ring_id, ev->consumer.comm,
	    ev->consumer.pid, strerror(-rc));
	(void)ring_ctl_redox_refuse(s->ctl, ev->ring_id, rc);
}

/* A FILES event: every descriptor must pass the scheme's check. */
static void
rsv_files(struct rsv *s, struct ring_ctl_redox_event *ev)
{
	struct rsv_ring *sr;
	unsigned k;
	int i, rc = 0;

	if ((i = rsv_find(s, ev->ring_id)) < 0)
		rc = -ENOENT;
	else if (ev->nfds == 0 || ev->nfds > RING_CTL_REDOX_FILES_MAX)
		rc = -EINVAL;
	for (k = 0; rc == 0 && k < ev->nfds; k++)
		rc = s->proto->file_ok(s->ctx, ev->fds[k]);
	if (rc == 0) {
		sr = s->rings[i];
		rc = redox_sring_set_files(&sr->r, ev);
	}
	if (s->verbose || rc < 0)
		fprintf(stderr, "%s: %s ring %" PRIu64 ": file table: %s\n",
		    s->prog, s->proto->what, ev->ring_id,
		    rc < 0 ? strerror(-rc) : "taken");
	(void)ring_ctl_redox_files_done(s->ctl, ev->ring_id, ev->token, rc);
}

int
rsv_events(struct rsv *s)
{
	struct ring_ctl_redox_event ev;
	int i, rc;

	while ((rc = ring_ctl_redox_next(s->ctl, &ev)) == 0) {
		switch (ev.kind) {
		case RING_CTL_REDOX_SETUP:
			rsv_setup(s, &ev);
			break;
		case RING_CTL_REDOX_FILES:
			rsv_files(s, &ev);
			break;
		case RING_CTL_REDOX_DETACH:
			if ((i = rsv_find(s, ev.ring_id)) >= 0)
				rsv_drop(s, (unsigned)i,
				    ev.reason < 0 ? "consumer died"
						  : "consumer left",
				    false);
			break;
		default:
			break;
		}
		if (ev.nfds <= RING_CTL_REDOX_FILES_MAX)
			rsv_close_fds(ev.fds, ev.nfds);
	}
	return rc == -EAGAIN ? 0 : rc;
}

/*
 * One turn on a ring: as many SQEs as its CQ has room for, up to
 * RSV_BATCH, each answered in the CQ, published at once.  *more: the
 * turn was cut short by the batch limit.  -EPIPE (the consumer hung up)
 * or -EIO (a broken queue) end the ring.
 */
static int
rsv_turn(struct rsv *s, struct rsv_ring *sr, bool *more)
{
	uint8_t sqe[RSV_ITEM_MAX], cqe[RSV_ITEM_MAX];
	struct redox_sring *r = &sr->r;
	void *slot;
	unsigned n;
	int rc;

	*more = false;
	if ((rc = redox_sring_drain(r)) < 0)
		return rc;
	sr->blocked = false;
	for (n = 0; n < RSV_BATCH; n++) {
		if ((slot = redox_queue_reserve(&r->cq, n)) == NULL) {
			if (r->cq.broken)
				return -EIO;
			sr->blocked = redox_queue_fill(&r->sq) > 0;
			break;
		}
		rc = redox_queue_pop(&r->sq, sqe);
		if (rc == -EAGAIN)
			break;
		if (rc < 0)
			return rc;
		memset(cqe, 0, sizeof(cqe));
		if (s->proto->serve(s->ctx, r, sqe, cqe)) {
			sr->errors++;
			s->errors++;
		}
		memcpy(slot, cqe, s->proto->cqe_size);
		sr->requests++;
		s->requests++;
	}
	if (n > 0 && (rc = redox_queue_publish(&r->cq, n)) < 0)
		return rc;
	*more = n == RSV_BATCH;
	return 0;
}

void
rsv_serve(struct rsv *s, bool *busy)
{
	unsigned i;
	bool more;
	int rc;

	for (i = 0; i < RSV_MAX_RINGS; i++) {
		if (s->rings[i] == NULL)
			continue;
		if ((rc = rsv_turn(s, s->rings[i], &more)) < 0) {
			rsv_drop(s, i,
			    rc == -EPIPE ? "consumer hung up"
			    : rc == -EIO ? "broken queue"
					 : strerror(-rc),
			    true);
			continue;
		}
		*busy |= more;
	}
}

int
rsv_timeout(const struct rsv *s, bool busy)
{
	unsigned i;

	if (busy)
		return 0;
	for (i = 0; i < RSV_MAX_RINGS; i++)
		if (s->rings[i] != NULL && s->rings[i]->blocked)
			return RSV_RETRY_MS;
	return -1;
}

int64_t
rsv_pio(int fd, bool wr, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;
	uint64_t done = 0;
	ssize_t n;

	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	while (done < len) {
		n = wr ? pwrite(fd, p + done, len - done, (off_t)(off + done))
		       : pread(fd, p + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the end of the file */
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

int
rsv_mkdtemp(const char *tag, const char *fallback, char *buf, size_t len)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	int k;

	if (base == NULL || base[0] == '\0')
		base = fallback;
	for (;;) {
		k = snprintf(buf, len, "%s/%s-XXXXXX", base, tag);
		if (k < 0 || (size_t)k >= len)
			return -ENAMETOOLONG;
		if (mkdtemp(buf) != NULL)
			return 0;
		if (base == fallback)
			return -errno;
		base = fallback; /* $XDG_RUNTIME_DIR is not usable */
	}
}

static int
rsv_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int
rsv_rmtree(const char *path)
{
	if (nftw(path, rsv_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	return 0;
}

int
rsv_rmtree_at_exit(const char *path)
{
	int p[2], null;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid > 0) {
		close(p[0]);
		return 0; /* p[1] stays open as long as we live */
	}
	/* the child: nothing of the parent's but the pipe, no signals */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (dup2(p[0], 3) < 0)
		_exit(1);
	closefrom(4);
	while (read(3, &c, 1) < 0 && errno == EINTR)
		;
	(void)rsv_rmtree(path);
	_exit(0);
}
