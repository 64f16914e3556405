/*
 * t-redox-api.c - relibc's redox_ring functions (<redox/ring.h>) through
 * a private ringd, against a disk-like scheme made here with
 * redox_sring_* and ring_ctl_* in a helper process: setup and teardown on
 * every path spelling, bad arguments, a write then read-verify stream,
 * a full SQ, pool exhaustion and offsets in both allocator modes, frees
 * by pointer, the fixed file table, a scheme killed mid-stream and a
 * hostile scheme writing a garbage CQ tail (wait_cqe returns -1, bounded,
 * never crashes), and a Redox-style C program built with relibc's test
 * flags and the build tree's pkg-config file, run from the tree.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <redox/ring-scheme.h>
#include <redox/ring.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define DISK_BLOCKS 2048 /* 1 MiB of 512-byte blocks */
#define RINGS_MAX 8
#define DIE_AFTER 40

/* How the helper scheme behaves. */
enum mode {
	SERVE,	 /* answer every SQE */
	DIE,	 /* answer DIE_AFTER SQEs, then SIGKILL itself on the next */
	HOSTILE, /* take the first SQE, then write a garbage CQ tail */
};

struct scheme {
	struct ring_ctl *c;
	struct redox_sring rings[RINGS_MAX];
	bool used[RINGS_MAX];
	uint8_t *disk;
	enum mode mode;
	unsigned served;
};

static void
scheme_event(struct scheme *s, struct ring_ctl_redox_event *ev)
{
	struct ring_ctl_redox_fds give;
	struct stat st;
	unsigned i;
	int rc;

	switch (ev->kind) {
	case RING_CTL_REDOX_SETUP:
		for (i = 0; i < RINGS_MAX && s->used[i]; i++)
			;
		rc = i == RINGS_MAX ? -EBUSY : redox_sring_create(&s->rings[i],
		    ev, sizeof(struct redox_disk_sqe),
		    sizeof(struct redox_disk_cqe), &give);
		if (rc < 0) {
			(void)ring_ctl_redox_refuse(s->c, ev->ring_id, rc);
			return;
		}
		rc = ring_ctl_redox_accept(s->c, ev->ring_id,
		    &s->rings[i].params, &give);
		close(give.sq);
		close(give.cq);
		close(give.doorbell);
		close(give.pool);
		if (rc < 0)
			redox_sring_destroy(&s->rings[i]);
		else
			s->used[i] = true;
		return;
	case RING_CTL_REDOX_FILES:
		/* our namespace holds regular files only: a pipe is not ours */
		for (i = 0; i < ev->nfds; i++)
			if (fstat(ev->fds[i], &st) < 0 || !S_ISREG(st.st_mode))
				break;
		rc = -EXDEV;
		for (unsigned k = 0; k < RINGS_MAX; k++)
			if (i == ev->nfds && s->used[k] &&
			    s->rings[k].ring_id == ev->ring_id)
				rc = redox_sring_set_files(&s->rings[k], ev);
		for (i = 0; i < ev->nfds; i++)
			close(ev->fds[i]);
		(void)ring_ctl_redox_files_done(s->c, ev->ring_id, ev->token,
		    rc);
		return;
	case RING_CTL_REDOX_DETACH:
		for (i = 0; i < RINGS_MAX; i++)
			if (s->used[i] && s->rings[i].ring_id == ev->ring_id) {
				redox_sring_destroy(&s->rings[i]);
				s->used[i] = false;
			}
		return;
	}
}

/* One request: the disk's blocks to or from the pool; the CQE. */
static struct redox_disk_cqe
scheme_request(struct scheme *s, struct redox_sring *r,
    const struct redox_disk_sqe *q)
{
	struct redox_disk_cqe e = { q->user_data, 0, 0, 0 };
	uint8_t *buf = redox_sring_buf(r, q->buf_offset, q->buf_len);

	if (!buf || q->buf_len % 512)
		e.status = EINVAL;
	else if (q->block > DISK_BLOCKS ||
	    q->buf_len / 512 > DISK_BLOCKS - q->block)
		e.status = EOVERFLOW;
	else if (q->opcode == REDOX_OP_READ)
		memcpy(buf, s->disk + q->block * 512, q->buf_len);
	else if (q->opcode == REDOX_OP_WRITE)
		memcpy(s->disk + q->block * 512, buf, q->buf_len);
	else
		e.status = EOPNOTSUPP;
	if (!e.status)
		e.count = q->buf_len;
	return e;
}

static void
scheme_serve(struct scheme *s, struct redox_sring *r)
{
	struct redox_disk_sqe q;
	struct redox_disk_cqe e;

	(void)redox_sring_drain(r);
	while (redox_queue_pop(&r->sq, &q) == 0) {
		if (s->mode == DIE && s->served == DIE_AFTER)
			raise(SIGKILL);
		if (s->mode == HOSTILE) {
			/* a CQ tail far past the head: the consumer's ring breaks */
			*(volatile uint32_t *)r->cq.tail = r->cq.own + 12345;
			continue;
		}
		e = scheme_request(s, r, &q);
		s->served++;
		while (redox_queue_push(&r->cq, &e) == -EAGAIN)
			if (redox_queue_wait_push(&r->cq, 5000) < 0)
				return;
	}
}

/* The helper's life: register, serve until killed or ringd goes. */
static void
scheme_main(const struct td *d, const char *name, enum mode mode, int p[2])
{
	struct scheme s = { .mode = mode };
	struct ring_ctl_redox_event ev;
	struct pollfd pfd[RINGS_MAX + 1];
	unsigned i;

	s.disk = calloc(DISK_BLOCKS, 512);
	TAP_ASSERT(s.disk);
	s.c = td_connect(d);
	TAP_OK(ring_ctl_register(s.c, name, NULL, 0));
	TAP_OK(ring_ctl_scheme_set(s.c, name, RING_CTL_SERVE_REDOX, -1));
	tu_notify(p[1]);
	for (;;) {
		pfd[0].fd = ring_ctl_fd(s.c);
		pfd[0].events = POLLIN;
		for (i = 0; i < RINGS_MAX; i++) {
			pfd[i + 1].fd = s.used[i] ? s.rings[i].doorbell : -1;
			pfd[i + 1].events = POLLIN;
		}
		(void)poll(pfd, RINGS_MAX + 1, 20);
		if (ring_ctl_process(s.c) < 0)
			tap_child_exit();
		while (ring_ctl_redox_next(s.c, &ev) == 0)
			scheme_event(&s, &ev);
		for (i = 0; i < RINGS_MAX; i++)
			if (s.used[i])
				scheme_serve(&s, &s.rings[i]);
	}
}

/* Start ringd and the scheme; RINGD_SOCKET names that ringd. */
static pid_t
start(struct td *d, const char *name, enum mode mode)
{
	int p[2];
	pid_t pid;

	td_begin(d, NULL);
	TAP_ASSERT(setenv("RINGD_SOCKET", d->sock, 1) == 0);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0) {
		scheme_main(d, name, mode, p);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	tu_pipe_close(p);
	return pid;
}

static void
finish(struct td *d, pid_t scheme)
{
	if (scheme > 0)
		tap_kill(scheme);
	td_finish(d);
}

/* A ring in caller memory full of garbage, as malloc may give it. */
static struct redox_ring *
ring_garbage(void)
{
	struct redox_ring *r = malloc(redox_ring_sizeof());

	TAP_ASSERT(r);
	memset(r, 0xa5, redox_ring_sizeof());
	return r;
}

TAP_TEST(test_init_exit, "redox-api-init-exit", 0)
{
	static const char *const paths[] = { "/scheme/rdisk", "/scheme/rdisk/",
		"rdisk", "/scheme/rdisk/1" };
	struct redox_ring *r = ring_garbage();
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	int base = tu_count_fds();
	unsigned i;

	TAP_ASSERT(redox_ring_sizeof() >= 64);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		memset(r, 0xa5, redox_ring_sizeof());
		TAP_RC(redox_ring_queue_init_with_path(128, 32, 16, 1 << 20,
		    1 << 16, 0, r, 0, paths[i]), 0);
		TAP_ASSERT(tu_count_fds() > base);
		redox_ring_queue_exit(r);
		TAP_EQ(tu_count_fds(), base);
		redox_ring_queue_exit(r); /* twice: nothing more happens */
	}
	/* CQSIZE is a valid flag */
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 1, r,
	    REDOX_RING_SETUP_CQSIZE, "rdisk"), 0);
	redox_ring_queue_exit(r);
	/* exit after a failed init is safe */
	memset(r, 0xa5, redox_ring_sizeof());
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 0, r, 0,
	    "/scheme/nosuch"), -ENOENT);
	redox_ring_queue_exit(r);
	TAP_EQ(tu_count_fds(), base);
	free(r);
	finish(&d, pid);
}

TAP_TEST(test_bad_args, "redox-api-bad-args", 0)
{
	static const struct {
		unsigned entries, sqe, cqe, pool, chunk, sized, flags;
		const char *path;
		int rc;
	} cases[] = {
		{ 0, 32, 16, 4096, 4096, 0, 0, "rdisk", -EINVAL },
		{ 8, 0, 16, 4096, 4096, 0, 0, "rdisk", -EINVAL },
		{ 8, 32, 0, 4096, 4096, 0, 0, "rdisk", -EINVAL },
		{ 8, 32, 16, 0, 4096, 0, 0, "rdisk", -EINVAL },
		{ 8, 32, 16, 4096, 0, 0, 0, "rdisk", -EINVAL },
		{ 8, 32, 16, 4096, 8192, 0, 0, "rdisk", -EINVAL },
		{ 8, 32, 16, 4096, 4096, 0, 2, "rdisk", -EINVAL },
		{ 8, 32, 16, 4096, 4096, 0, 0, NULL, -EINVAL },
		{ 8, 32, 16, 4096, 4096, 0, 0, "/tmp/rdisk", -ENOENT },
		{ 8, 32, 16, 4096, 4096, 0, 0, "/scheme/", -ENOENT },
		{ 8, 32, 16, 4096, 4096, 0, 0, "", -ENOENT },
		{ 8, 32, 16, 4096, 4096, 0, 0, "/scheme/nosuch", -ENOENT },
	};
	struct redox_ring *r = ring_garbage();
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	uint8_t *ptr = NULL;
	uint8_t cqe[16];
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TAP_RC(redox_ring_queue_init_with_path(cases[i].entries,
		    cases[i].sqe, cases[i].cqe, cases[i].pool, cases[i].chunk,
		    cases[i].sized, r, cases[i].flags, cases[i].path),
		    cases[i].rc);
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 0, NULL,
	    0, "rdisk"), -EINVAL);
	/* entry sizes the scheme does not use: refused */
	TAP_NEG(redox_ring_queue_init_with_path(8, 64, 16, 4096, 4096, 0, r, 0,
	    "rdisk"));
	/* a ring whose init failed answers every call with its error value */
	TAP_RC(redox_ring_alloc_buf(r, &ptr), -1);
	TAP_RC(redox_ring_alloc_sized(r, 16, 1, &ptr), -1);
	TAP_ASSERT(redox_ring_get_sqe(r) == NULL);
	TAP_RC(redox_ring_submit(r), -EINVAL);
	TAP_RC(redox_ring_wait_cqe(r, cqe), -1);
	TAP_RC(redox_ring_register_files(r, (int[]){ 0 }, 1), -EINVAL);
	TAP_RC(redox_ring_free_buf(r, 0), 0);
	TAP_RC(redox_ring_free_buf_sized(r, ptr), 0);
	redox_ring_cqe_seen(r);
	/* and on a good ring, NULL arguments */
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 0, r, 0,
	    "rdisk"), 0);
	TAP_RC(redox_ring_wait_cqe(r, NULL), -1);
	TAP_RC(redox_ring_register_files(r, NULL, 1), -EINVAL);
	TAP_RC(redox_ring_register_files(r, (int[]){ 0 }, 0), -EINVAL);
	redox_ring_queue_exit(r);
	free(r);
	finish(&d, pid);
}

/* Wait for one CQE, check it, consume it; its user_data. */
static uint64_t
reap(struct redox_ring *r, uint32_t count)
{
	struct redox_disk_cqe e;

	TAP_RC(redox_ring_wait_cqe(r, &e), 0);
	TAP_EQ(e.status, 0);
	TAP_EQ(e.count, count);
	redox_ring_cqe_seen(r);
	return e.user_data;
}

/*
 * One completion of the stream: on the read pass, the buffer holds the
 * block's letter.  The buffer goes back to the pool (by pointer in sized
 * mode, by offset in chunk mode).
 */
static void
complete(struct redox_ring *r, uint8_t *base, uint32_t len, int pass,
    bool sized)
{
	uint64_t ud = reap(r, len);
	uint8_t *buf = base + (uint32_t)ud, want = 'A' + (ud >> 32) % 26;

	if (pass == 1 && (buf[0] != want || buf[len - 1] != want ||
	    memchr(buf, want ^ 0xff, len)))
		TAP_FAIL("block %u read back wrong", (unsigned)(ud >> 32));
	if (sized)
		redox_ring_free_buf_sized(r, buf);
	else
		redox_ring_free_buf(r, (uint32_t)ud);
}

/* Write the whole disk, then read it back and check it. */
static void
stream(bool sized)
{
	const uint32_t len = 4096, total = DISK_BLOCKS * 512 / 4096;
	struct redox_ring *r = ring_garbage();
	struct redox_disk_sqe *q;
	uint32_t i, inflight = 0;
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	uint8_t *buf, *base = NULL;
	int off, pass;

	/* 16 buffers in flight at most: the pool runs out before the SQ */
	TAP_RC(redox_ring_queue_init_with_path(32, 32, 16, 16 * len, len,
	    sized, r, 0, "/scheme/rdisk"), 0);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < total; i++) {
			off = sized ? redox_ring_alloc_sized(r, len, 512, &buf) :
			    redox_ring_alloc_buf(r, &buf);
			if (off < 0) {
				TAP_ASSERT(inflight == 16);
				/* 16 at first, then the one taken since */
				TAP_ASSERT(redox_ring_submit(r) >= 0);
				complete(r, base, len, pass, sized);
				inflight--;
				off = redox_ring_alloc_buf(r, &buf);
				TAP_ASSERT(off >= 0);
			}
			base = buf - off;
			memset(buf, pass ? 0 : 'A' + i % 26, len);
			q = redox_ring_get_sqe(r);
			TAP_ASSERT(q != NULL);
			q->opcode = pass ? REDOX_OP_READ : REDOX_OP_WRITE;
			q->file_idx = 0;
			q->block = (uint64_t)i * (len / 512);
			q->buf_offset = (uint32_t)off;
			q->buf_len = len;
			q->user_data = ((uint64_t)i << 32) | (uint32_t)off;
			inflight++;
		}
		redox_ring_submit(r);
		for (; inflight; inflight--)
			complete(r, base, len, pass, sized);
	}
	redox_ring_queue_exit(r);
	free(r);
	finish(&d, pid);
}

TAP_TEST_CALL(test_stream_chunk, "redox-api-stream-chunk", 0, stream(false))
TAP_TEST_CALL(test_stream_sized, "redox-api-stream-sized", 0, stream(true))

TAP_TEST(test_full_sq, "redox-api-full-sq", 0)
{
	struct redox_ring *r = ring_garbage();
	struct redox_disk_sqe *q;
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	int i;

	/* 5 entries: the scheme makes 8 */
	TAP_RC(redox_ring_queue_init_with_path(5, 32, 16, 8192, 512, 0, r, 0,
	    "rdisk"), 0);
	for (i = 0; i < 8; i++) {
		q = redox_ring_get_sqe(r);
		TAP_ASSERT(q != NULL);
		memset(q, 0, sizeof(*q));
		q->opcode = REDOX_OP_READ;
		q->buf_offset = 512 * (uint32_t)i;
		q->buf_len = 512;
		q->user_data = (uint64_t)i;
	}
	TAP_ASSERT(redox_ring_get_sqe(r) == NULL);
	TAP_RC(redox_ring_submit(r), 8);
	TAP_RC(redox_ring_submit(r), 0);
	for (i = 0; i < 8; i++)
		TAP_EQ(reap(r, 512), i);
	/* an error CQE, not a crash, for a buffer outside the pool */
	q = redox_ring_get_sqe(r);
	TAP_ASSERT(q != NULL);
	memset(q, 0, sizeof(*q));
	q->buf_offset = 8000;
	q->buf_len = 512;
	TAP_RC(redox_ring_submit(r), 1);
	{
		struct redox_disk_cqe e;

		TAP_RC(redox_ring_wait_cqe(r, &e), 0);
		TAP_EQ(e.status, EINVAL);
		redox_ring_cqe_seen(r);
	}
	redox_ring_queue_exit(r);
	free(r);
	finish(&d, pid);
}

TAP_TEST(test_pool, "redox-api-pool", 0)
{
	struct redox_ring *r = ring_garbage();
	uint8_t *p[8], *base;
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	int i;

	/* chunk mode: 4 chunks from offset 0, LIFO reuse */
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 16384, 4096, 0, r, 0,
	    "rdisk"), 0);
	for (i = 0; i < 4; i++)
		TAP_EQ(redox_ring_alloc_buf(r, &p[i]), 4096 * i);
	base = p[0];
	TAP_ASSERT(p[3] == base + 12288);
	TAP_RC(redox_ring_alloc_buf(r, &p[4]), -1);
	TAP_RC(redox_ring_alloc_sized(r, 100, 64, &p[4]), -1);
	TAP_RC(redox_ring_free_buf(r, 4096), 0);
	TAP_RC(redox_ring_free_buf(r, 4096), 0); /* twice: ignored */
	TAP_RC(redox_ring_free_buf(r, 1), 0);	 /* not a chunk: ignored */
	TAP_RC(redox_ring_free_buf(r, 1u << 30), 0);
	TAP_RC(redox_ring_free_buf_sized(r, (uint8_t *)&i), 0);
	TAP_EQ(redox_ring_alloc_buf(r, &p[4]), 4096);
	TAP_RC(redox_ring_alloc_buf(r, &p[4]), -1);
	TAP_RC(redox_ring_free_buf_sized(r, base + 8192), 0);
	TAP_EQ(redox_ring_alloc_sized(r, 4096, 1, &p[4]), 8192);
	memset(base, 1, 16384); /* all of it is mapped */
	redox_ring_queue_exit(r);
	/* sized mode: size and power-of-two alignment, first fit */
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 16384, 0, 1, r, 0,
	    "rdisk"), 0);
	TAP_EQ(redox_ring_alloc_buf(r, &p[0]), 0); /* 4096 bytes */
	base = p[0];
	TAP_EQ(redox_ring_alloc_sized(r, 100, 1024, &p[1]), 4096);
	TAP_EQ(redox_ring_alloc_sized(r, 5000, 4096, &p[2]), 8192);
	TAP_RC(redox_ring_alloc_sized(r, 4096, 1, &p[3]), -1);
	TAP_RC(redox_ring_alloc_sized(r, 16, 3, &p[3]), -1);
	TAP_RC(redox_ring_alloc_sized(r, 0, 1, &p[3]), -1);
	TAP_EQ(redox_ring_alloc_sized(r, 16, 16, &p[3]), 4096 + 112);
	TAP_RC(redox_ring_free_buf_sized(r, p[1]), 0);
	TAP_RC(redox_ring_free_buf(r, 4097), 0); /* not a start: ignored */
	TAP_EQ(redox_ring_alloc_sized(r, 112, 1, &p[1]), 4096);
	TAP_RC(redox_ring_free_buf(r, 0), 0);
	TAP_RC(redox_ring_free_buf(r, 8192), 0);
	/* the first gap (0..4096) is too small: 8192 */
	TAP_EQ(redox_ring_alloc_sized(r, 8000, 4096, &p[5]), 8192);
	TAP_RC(redox_ring_free_buf(r, 8192), 0);
	TAP_RC(redox_ring_free_buf(r, 4096), 0);
	TAP_RC(redox_ring_free_buf(r, 4096 + 112), 0);
	TAP_EQ(redox_ring_alloc_sized(r, 16384, 1, &p[5]), 0);
	redox_ring_queue_exit(r);
	free(r);
	finish(&d, pid);
}

TAP_TEST(test_files, "redox-api-files", 0)
{
	struct redox_ring *r = ring_garbage();
	char path[TD_PATH_MAX];
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	int f, p[2];

	snprintf(path, sizeof(path), "%s/disk1", d.dir);
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	TAP_ASSERT(f >= 0);
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 0, r, 0,
	    "rdisk"), 0);
	TAP_RC(redox_ring_register_files(r, &f, 1), 0);
	TAP_RC(redox_ring_register_files(r, (int[]){ f, f }, 2), 0);
	tu_pipe(p);
	TAP_RC(redox_ring_register_files(r, p, 1), -EXDEV);
	tu_pipe_close(p);
	TAP_RC(redox_ring_register_files(r, (int[]){ -1 }, 1), -EBADF);
	redox_ring_queue_exit(r);
	close(f);
	free(r);
	finish(&d, pid);
}

/*
 * The scheme goes away in the middle of a stream (killed), or breaks the
 * CQ (hostile): wait_cqe says -1, in bounded time, and keeps saying it.
 */
static void
scheme_gone(enum mode mode)
{
	struct redox_ring *r = ring_garbage();
	struct redox_disk_sqe *q;
	struct redox_disk_cqe e;
	unsigned done = 0;
	struct td d;
	pid_t pid = start(&d, "rdisk", mode);
	int rc;

	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 4096, 4096, 0, r, 0,
	    "rdisk"), 0);
	do {
		q = redox_ring_get_sqe(r);
		TAP_ASSERT(q != NULL);
		memset(q, 0, sizeof(*q));
		q->opcode = REDOX_OP_READ;
		q->buf_len = 512;
		TAP_RC(redox_ring_submit(r), 1);
		rc = redox_ring_wait_cqe(r, &e);
		if (rc == 0) {
			TAP_EQ(e.status, 0);
			redox_ring_cqe_seen(r);
			done++;
		}
	} while (rc == 0 && done <= DIE_AFTER);
	TAP_RC(rc, -1);
	TAP_EQ(done, mode == DIE ? DIE_AFTER : 0);
	TAP_RC(redox_ring_wait_cqe(r, &e), -1); /* and it stays so */
	redox_ring_queue_exit(r);
	free(r);
	finish(&d, pid); /* DIE: reaps what SIGKILL left */
}

TAP_TEST_CALL(test_killed, "redox-api-scheme-killed", 30, scheme_gone(DIE))
TAP_TEST_CALL(test_hostile, "redox-api-scheme-hostile", 30,
    scheme_gone(HOSTILE))

/*
 * A program in the style of relibc's tests: its own entry structs and
 * prototypes beside <redox/ring.h>, built with relibc's test flags.
 */
static const char prog[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <redox/ring.h>\n"
    "struct sqe { uint8_t op; uint8_t pad[3]; uint32_t idx; uint64_t blk;\n"
    "    uint32_t off; uint32_t len; uint64_t ud; };\n"
    "struct cqe { uint64_t ud; uint32_t count; uint16_t status;\n"
    "    uint16_t pad; };\n"
    "int redox_ring_wait_cqe(struct redox_ring *, void *);\n"
    "size_t redox_ring_sizeof();\n"
    "int main(void) {\n"
    "    struct redox_ring *r = malloc(redox_ring_sizeof());\n"
    "    struct sqe *s; struct cqe c; uint8_t *buf; int off, i;\n"
    "    if (redox_ring_queue_init_with_path(16, sizeof(struct sqe),\n"
    "        sizeof(struct cqe), 65536, 4096, 0, r, 0, \"/scheme/rdisk\"))\n"
    "        return 1;\n"
    "    for (i = 0; i < 2; i++) {\n"
    "        off = redox_ring_alloc_buf(r, &buf);\n"
    "        if (off < 0 || !(s = redox_ring_get_sqe(r))) return 2;\n"
    "        if (!i) memset(buf, 'Q', 4096); else memset(buf, 0, 4096);\n"
    "        memset(s, 0, sizeof(*s));\n"
    "        s->op = (uint8_t)!i; s->blk = 8; s->off = (uint32_t)off;\n"
    "        s->len = 4096;\n"
    "        if (redox_ring_submit(r) != 1) return 3;\n"
    "        if (redox_ring_wait_cqe(r, &c) || c.status || c.count != 4096)\n"
    "            return 4;\n"
    "        redox_ring_cqe_seen(r);\n"
    "        if (i && (buf[0] != 'Q' || buf[4095] != 'Q')) return 5;\n"
    "        redox_ring_free_buf(r, (unsigned)off);\n"
    "    }\n"
    "    redox_ring_queue_exit(r);\n"
    "    free(r);\n"
    "    printf(\"Tests finished successfully!\\n\");\n"
    "    return 0;\n"
    "}\n";

TAP_TEST(test_compile, "redox-api-compile", 60)
{
	char build[TD_PATH_MAX], src[TD_PATH_MAX], cmd[2048], out[256];
	char self[TD_PATH_MAX];
	ssize_t n;
	struct td d;
	pid_t pid = start(&d, "rdisk", SERVE);
	FILE *f;
	int rc;

	/* BUILD/tests/t-redox-api -> BUILD */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TAP_ASSERT(n > 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(build, sizeof(build), "%s", self);
	snprintf(src, sizeof(src), "%s/prog.c", d.dir);
	f = fopen(src, "w");
	TAP_ASSERT(f && fputs(prog, f) >= 0 && fclose(f) == 0);
	snprintf(cmd, sizeof(cmd),
	    "cd %s && export PKG_CONFIG_PATH=%s/pkgconfig && ${CC:-cc} "
	    "-fno-builtin "
	    "-fno-stack-protector -Wall -Wextra -Werror "
	    "-Wno-deprecated-declarations -pedantic -g -D_POSIX_C_SOURCE=200809L "
	    "-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_GNU_SOURCE " TU_CC_SAN
	    "-o prog prog.c "
	    "$(pkg-config --cflags --libs redox-ring) > cc.log 2>&1 && "
	    "env -u LD_LIBRARY_PATH ./prog > out.txt 2>&1",
	    d.dir, build);
	rc = system(cmd);
	snprintf(src, sizeof(src), "%s/cc.log", d.dir);
	if (rc != 0) {
		f = fopen(src, "r");
		while (f && fgets(out, sizeof(out), f))
			tap_diag("%s", out);
		if (f)
			fclose(f);
		snprintf(src, sizeof(src), "%s/out.txt", d.dir);
		f = fopen(src, "r");
		while (f && fgets(out, sizeof(out), f))
			tap_diag("%s", out);
		if (f)
			fclose(f);
		TAP_FAIL("build or run failed: status %#x", rc);
	}
	snprintf(src, sizeof(src), "%s/out.txt", d.dir);
	f = fopen(src, "r");
	TAP_ASSERT(f && fgets(out, sizeof(out), f));
	fclose(f);
	TAP_ASSERT(strcmp(out, "Tests finished successfully!\n") == 0);
	finish(&d, pid);
}

TAP_MAIN(td_setup)
