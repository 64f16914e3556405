/*
 * redox-serve.h - what blkdev-scheme and ramfs-scheme share to serve
 * relibc's redox_ring rings (<redox/ring-scheme.h>) through ringd: the
 * table of rings, their setup, file table and detach events, one turn of
 * serving over every ring (the scheme supplies a check for the file
 * table and the function that answers one SQE), and the scheme's
 * private directory namespace.
 *
 * The loop is the same for both schemes: a doorbell turns readable (the
 * caller's epoll wakes), every ring is drained and served up to
 * RSV_BATCH entries per turn, each answered by exactly one CQE.  A ring
 * whose CQ is full is not served (its consumer is slow) until the
 * consumer makes room; since cqe_seen() rings no doorbell, the caller
 * sleeps at most rsv_timeout() ms while such a ring waits.  A broken
 * queue, a doorbell hang-up or a DETACH event drop that ring alone.
 * Rings outlive a restart of ringd (the new one does not know them):
 * they are served on until their consumer hangs up.
 *
 * Functions return >= 0 or -errno; messages go to stderr prefixed with
 * the program's name.
 */
#ifndef REDOX_SERVE_H
#define REDOX_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <redox/ring-scheme.h>
#include <ring/ctl.h>

/* Limits, kept together. */
#define RSV_MAX_RINGS 256u	/* redox rings served at once */
#define RSV_BATCH 64u		/* SQEs taken from one ring per turn */
#define RSV_RETRY_MS 2		/* sleep while a ring waits for CQ room */
#define RSV_EV_TAG 0x40000000u	/* epoll data.u32 of a doorbell: | slot */

/* What a scheme serves: its entry sizes and two callbacks. */
struct rsv_proto {
	const char *what;  /* "disk", "file": for messages */
	uint32_t sqe_size; /* the protocol's entries */
	uint32_t cqe_size;
	/* May fd go into a file table?  0, or -EXDEV, -EBADF... */
	int (*file_ok)(void *ctx, int fd);
	/*
	 * Answer sqe (sqe_size bytes, a private copy) on ring r into cqe
	 * (cqe_size bytes, zeroed): true when the answer is an error.
	 */
	bool (*serve)(void *ctx, struct redox_sring *r, const void *sqe,
	    void *cqe);
};

/* One ring being served. */
struct rsv_ring {
	struct redox_sring r;
	uint64_t requests, errors;
	uint64_t gen; /* ring_ctl_reconnects() when set up: a ring of an
			 earlier ringd is no ring_id of today's */
	bool blocked; /* its CQ was full at the last turn */
};

/* A scheme's redox rings. */
struct rsv {
	const char *prog; /* message prefix */
	const struct rsv_proto *proto;
	void *ctx;
	struct ring_ctl *ctl;
	int ep; /* the caller's epoll: doorbells go in, tagged */
	bool verbose;
	struct rsv_ring *rings[RSV_MAX_RINGS];
	uint64_t requests, errors, nrings;
};

/* Set s up (zeroed by the caller) to serve proto on ctl's name. */
void rsv_init(struct rsv *s, const char *prog, const struct rsv_proto *proto,
    void *ctx, struct ring_ctl *ctl, int ep);
/*
 * Take every queued redox_ring event (after ring_ctl_fd() turned
 * readable, or at each turn): set rings up, answer file tables, drop
 * detached rings.  0, or the error that stopped the events (-EAGAIN
 * none is 0).
 */
int rsv_events(struct rsv *s);
/*
 * One turn over every ring; *busy when some ring has more queued than
 * one turn took.
 */
void rsv_serve(struct rsv *s, bool *busy);
/* The caller's epoll timeout: 0 when busy, RSV_RETRY_MS while a ring
 * waits for CQ room, else -1. */
int rsv_timeout(const struct rsv *s, bool busy);
/* Drop every ring (the scheme stops). */
void rsv_drop_all(struct rsv *s, const char *why);

/*
 * Move len bytes between fd at off and buf with pread/pwrite until done
 * or the end of the file: the bytes moved (short at the end of a file),
 * or -errno.
 */
int64_t rsv_pio(int fd, bool wr, void *buf, uint64_t len, uint64_t off);

/*
 * A private directory for a scheme's namespace, made with mkdtemp(3) as
 * <base>/<tag>-XXXXXX, base being $XDG_RUNTIME_DIR when set and not empty,
 * else fallback; mode 0700.  Its path into buf.
 */
int rsv_mkdtemp(const char *tag, const char *fallback, char *buf, size_t len);
/* Remove path and everything below it (not following symlinks). */
int rsv_rmtree(const char *path);
/*
 * Have path removed (rsv_rmtree()) when this process ends, however it
 * ends, SIGKILL included: a child process that holds no descriptor of
 * ours but a pipe's read end waits for the pipe to close.  Call before
 * any descriptor a peer watches exists (ringd's connection, a ring).
 */
int rsv_rmtree_at_exit(const char *path);

#endif /* REDOX_SERVE_H */
