/*
 * bench-blkdev.c - block I/O through the blkdev example scheme against the
 * same I/O done directly, in the same run, on the same backing file.
 *
 *   through the scheme   blkdev-driver -m bench: physalloc3 buffers as
 *                        scatter-gather lists, 32 requests in flight on a
 *                        ring brokered by the bench's private ringd, served
 *                        by blkdev-scheme (pread/pwrite on the file)
 *   direct               pread/pwrite from 32 threads of this process,
 *                        so 32 requests are in flight here too
 *   io_uring             liburing, IORING_OP_READ/WRITE, 32 in flight
 *
 * Every path reads or writes the same byte ranges of one 64 MiB file in a
 * temporary directory (filled once, so reads hit data in the page cache):
 * the figures compare the ring path's cost per request with the system
 * call's.  The scheme runs where the producers of the other tests run; the
 * driver and the direct loops where the consumers do.  The driver times
 * its own requests (setup excluded) and reports them as JSON, read here
 * with json-c.
 *
 * Depends on the private ringd of bench-ringd.c (its socket), the blkdev
 * examples of this build, liburing, json-c and the harness.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <liburing.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

/* Limits and sizes, kept together. */
#define BBK_FILE_BYTES (64ull << 20) /* the backing file */
#define BBK_SPAN (32ull << 20)	     /* the range every path cycles over */
#define BBK_DEPTH 32u		     /* requests in flight (ring, io_uring) */
#define BBK_SCHEME "ring-bench-blk"
#define BBK_START_MS 5000 /* the scheme must register within this */
#define BBK_STOP_MS 5000  /* and exit within this after SIGTERM */
#define BBK_OUT_MAX 4096

static struct {
	pid_t scheme; /* 0: not running */
	pid_t owner;
	int start_rc; /* 0 started, < 0 failed (said once), 1 not tried */
	char dir[64];
	char file[96];
	char bin[PATH_MAX]; /* blkdev-scheme */
} bbk = { .start_rc = 1 };

static const uint64_t bbk_size[] = { 4096, 128 << 10 };

static void
bbk_remove(void)
{
	if (bbk.dir[0] == '\0')
		return;
	(void)unlink(bbk.file);
	(void)rmdir(bbk.dir);
	bbk.dir[0] = '\0';
}

/* The backing file, filled with non-zero bytes. */
static int
bbk_make_file(void)
{
	static uint8_t buf[1 << 20];
	uint64_t off;
	int fd, rc;

	if ((rc = bench_tmpdir(bbk.dir, sizeof(bbk.dir), "ring-bench-blk")) < 0)
		return rc;
	snprintf(bbk.file, sizeof(bbk.file), "%s/disk.img", bbk.dir);
	if ((fd = open(bbk.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		 0600)) < 0)
		return -errno;
	memset(buf, 0x5a, sizeof(buf));
	for (off = 0; off < BBK_FILE_BYTES && rc == 0; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) != sizeof(buf))
			rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

int
bench_blkdev_bin(int which, char *buf, size_t len)
{
	static const char *const rel[] = { "examples/blkdev-scheme",
		"examples/blkdev-driver" };
	int rc;

	if ((rc = build_path(NULL, rel[which != 0], buf, len)) < 0)
		fprintf(stderr,
		    BENCH_NAME ": no blkdev examples next to the "
			       "bench: build them with 'make examples'\n");
	return rc;
}

/* Does blkdev-scheme's name answer a probe yet? */
static int
bbk_registered(struct ring_ctl *c, const char *scheme)
{
	uint64_t ops[4];

	return ring_ctl_probe(c, scheme, ops);
}

/* What bench_blkdev_exec() waits for, as bench_await() calls it. */
struct bbk_wait {
	struct ring_ctl *c;
	const char *scheme;
	int (*ready)(struct ring_ctl *, const char *);
};

static int
bbk_ready(void *arg)
{
	struct bbk_wait *w = arg;

	return w->ready(w->c, w->scheme);
}

int
bench_blkdev_exec(char *const argv[], const char *scheme,
    int (*ready)(struct ring_ctl *, const char *), pid_t *pid)
{
	struct bbk_wait w = { .scheme = scheme, .ready = ready };
	const char *sock = bench_ringd_socket();
	int rc;

	*pid = 0;
	if (sock == NULL)
		return -ENOTCONN; /* ringd said why */
	/* the scheme's log would interleave with the table: quiet it */
	if ((rc = bench_exec(argv[0], argv, BENCH_OUT_QUIET,
		 bench_cfg.cpu[1])) < 0)
		return rc;
	*pid = rc;
	if ((rc = ring_ctl_connect(sock, NULL, &w.c)) < 0) {
		bench_err(scheme, "ring_ctl_connect", rc);
		(void)bench_stop(*pid, "blkdev-scheme", BBK_STOP_MS);
		*pid = 0;
		return rc;
	}
	rc = bench_await(*pid, "blkdev-scheme", BBK_START_MS, bbk_ready, &w);
	ring_ctl_close(w.c);
	if (rc == -ECHILD) {
		*pid = 0; /* reaped */
		return rc;
	}
	if (rc < 0) {
		fprintf(stderr,
		    BENCH_NAME ": blkdev-scheme did not register '%s': %s\n",
		    scheme, strerror(-rc));
		(void)bench_stop(*pid, "blkdev-scheme", BBK_STOP_MS);
		*pid = 0;
	}
	return rc;
}

static int
bbk_start(void)
{
	char *argv[10];
	pid_t pid;
	int rc;

	if (bbk.start_rc <= 0)
		return bbk.start_rc;
	bbk.owner = getpid();
	if (bench_ringd_socket() == NULL)
		return bbk.start_rc = -ENOTCONN; /* ringd said why */
	if ((rc = bench_blkdev_bin(0, bbk.bin, sizeof(bbk.bin))) < 0)
		return bbk.start_rc = rc;
	if ((rc = bbk_make_file()) < 0) {
		fprintf(stderr,
		    BENCH_NAME ": cannot make the blkdev backing "
			       "file: %s\n",
		    strerror(-rc));
		bbk_remove();
		return bbk.start_rc = rc;
	}
	argv[0] = bbk.bin;
	argv[1] = "-S";
	argv[2] = (char *)bench_ringd_socket();
	argv[3] = "-n";
	argv[4] = BBK_SCHEME;
	argv[5] = "-f";
	argv[6] = bbk.file;
	argv[7] = NULL;
	rc = bench_blkdev_exec(argv, BBK_SCHEME, bbk_registered, &pid);
	bbk.scheme = pid;
	if (rc < 0)
		bbk_remove();
	return bbk.start_rc = rc;
}

int
bench_blkdev_stop(void)
{
	int rc = bench_stop_child(&bbk.scheme, bbk.owner, "blkdev-scheme",
	    BBK_STOP_MS);

	if (getpid() == bbk.owner)
		bbk_remove();
	return rc;
}

/* --- the three paths --------------------------------------------------- */

/*
 * blkdev-driver's JSON report (one object): its "iops" (a number > 0) when
 * its "errors" is 0, else -EIO.
 */
static int
bbk_report(const char *text, double *iops)
{
	struct json_object *o, *v;
	int rc = -EIO;

	if ((o = json_tokener_parse(text)) == NULL)
		return -EIO;
	if (json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "errors", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == 0 &&
	    json_object_object_get_ex(o, "iops", &v) &&
	    (json_object_is_type(v, json_type_double) ||
		json_object_is_type(v, json_type_int))) {
		*iops = json_object_get_double(v);
		rc = *iops > 0 ? 0 : -EIO;
	}
	json_object_put(o);
	return rc;
}

int
bench_blkdev_driver(const char *name, const char *scheme, bool wr,
    uint64_t size, uint64_t n, unsigned depth, uint64_t span, double *iops)
{
	char out[BBK_OUT_MAX], sz[32], cnt[32], dep[16], len_s[32];
	char bin[PATH_MAX];
	char *argv[20];
	int po[2], st, i = 0, rc = 0;
	size_t len = 0;
	ssize_t k;
	pid_t pid;

	if (bench_ringd_socket() == NULL)
		return -ENOTCONN; /* ringd said why */
	if ((rc = bench_blkdev_bin(1, bin, sizeof(bin))) < 0)
		return rc;
	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	snprintf(cnt, sizeof(cnt), "%" PRIu64, n);
	snprintf(dep, sizeof(dep), "%u", depth);
	snprintf(len_s, sizeof(len_s), "%" PRIu64, span);
	argv[i++] = bin;
	argv[i++] = "-S";
	argv[i++] = (char *)bench_ringd_socket();
	argv[i++] = "-n";
	argv[i++] = (char *)scheme;
	argv[i++] = "-m";
	argv[i++] = "bench";
	argv[i++] = "-j";
	argv[i++] = "-b";
	argv[i++] = sz;
	argv[i++] = "-c";
	argv[i++] = cnt;
	argv[i++] = "-q";
	argv[i++] = dep;
	argv[i++] = "-l";
	argv[i++] = len_s;
	if (wr)
		argv[i++] = "-w";
	argv[i] = NULL;
	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = bench_exec(argv[0], argv, po[1], -1)) < 0) {
		close(po[0]);
		close(po[1]);
		return pid;
	}
	close(po[1]);
	while (len < sizeof(out) - 1 &&
	    (k = read(po[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		len += (size_t)k;
	}
	out[len] = '\0';
	close(po[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    (rc = bbk_report(out, iops)) < 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': blkdev-driver failed (%s %d)\n", name,
		    WIFEXITED(st) ? "status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -EIO;
	}
	return 0;
}

/* Where the direct path's threads wait until all of them are ready. */
struct bbk_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	int state; /* 0 wait, 1 go, 2 give up */
};

/* One of the direct path's threads: its share of the transfers. */
struct bbk_worker {
	pthread_t tid;
	struct bbk_gate *gate;
	int fd;
	uint8_t *buf; /* size bytes of its own */
	bool wr;
	uint64_t size, n, pos;
	int rc;
};

/*
 * Its n transfers of size bytes, one at a time: worker i of BBK_DEPTH
 * takes every BBK_DEPTH-th block of the span from its position on.
 */
static void *
bbk_worker_main(void *arg)
{
	struct bbk_worker *w = arg;
	struct bbk_gate *g = w->gate;
	uint64_t i, blocks = BBK_SPAN / w->size;
	ssize_t k;
	int state;

	pthread_mutex_lock(&g->lock);
	g->ready++;
	pthread_cond_broadcast(&g->cond);
	while (g->state == 0)
		pthread_cond_wait(&g->cond, &g->lock);
	state = g->state;
	pthread_mutex_unlock(&g->lock);
	for (i = 0; state == 1 && i < w->n; i++) {
		k = w->wr
		    ? pwrite(w->fd, w->buf, w->size, (off_t)(w->pos * w->size))
		    : pread(w->fd, w->buf, w->size, (off_t)(w->pos * w->size));
		if (k != (ssize_t)w->size) {
			w->rc = k < 0 ? -errno : -EIO;
			break;
		}
		w->pos = (w->pos + BBK_DEPTH) % blocks;
	}
	return NULL;
}

/*
 * n transfers of size bytes by BBK_DEPTH threads at once, timed from when
 * all of them are ready until the last is done: *ns.
 */
static int
bbk_direct_run(struct bbk_worker *w, bool wr, uint64_t size, uint64_t n,
    uint64_t *ns)
{
	struct bbk_gate g = { .lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER };
	unsigned i, started;
	uint64_t t0;
	int rc = 0;

	for (started = 0; started < BBK_DEPTH; started++) {
		w[started].gate = &g;
		w[started].wr = wr;
		w[started].size = size;
		w[started].n = n / BBK_DEPTH + (started < n % BBK_DEPTH);
		w[started].rc = 0;
		if ((rc = pthread_create(&w[started].tid, NULL, bbk_worker_main,
			 &w[started])) != 0)
			break;
	}
	pthread_mutex_lock(&g.lock);
	while (rc == 0 && g.ready < BBK_DEPTH)
		pthread_cond_wait(&g.cond, &g.lock);
	g.state = rc == 0 ? 1 : 2;
	t0 = clock_ns();
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		if (rc == 0)
			rc = w[i].rc;
	}
	*ns = clock_ns() - t0;
	pthread_cond_destroy(&g.cond);
	pthread_mutex_destroy(&g.lock);
	return rc > 0 ? -rc : rc;
}

static int
bbk_uring_run(struct io_uring *u, uint8_t *bufs, int fd, bool wr, uint64_t size,
    uint64_t n, uint64_t *pos)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	uint64_t sent = 0, done = 0;
	unsigned inflight = 0, slot, free_top = BBK_DEPTH;
	unsigned free_slots[BBK_DEPTH];
	int rc;

	for (slot = 0; slot < BBK_DEPTH; slot++)
		free_slots[slot] = slot;
	while (done < n) {
		while (sent < n && inflight < BBK_DEPTH) {
			if ((sqe = io_uring_get_sqe(u)) == NULL)
				break;
			if (*pos + size > BBK_SPAN)
				*pos = 0;
			slot = free_slots[--free_top];
			if (wr)
				io_uring_prep_write(sqe, fd, bufs + slot * size,
				    (unsigned)size, *pos);
			else
				io_uring_prep_read(sqe, fd, bufs + slot * size,
				    (unsigned)size, *pos);
			io_uring_sqe_set_data64(sqe, slot);
			*pos += size;
			sent++;
			inflight++;
		}
		if ((rc = io_uring_submit_and_wait(u, 1)) < 0)
			return rc;
		while (io_uring_peek_cqe(u, &cqe) == 0) {
			if (cqe->res != (int)size) {
				rc = cqe->res < 0 ? cqe->res : -EIO;
				io_uring_cqe_seen(u, cqe);
				return rc;
			}
			free_slots[free_top++] = (unsigned)
			    io_uring_cqe_get_data64(cqe);
			io_uring_cqe_seen(u, cqe);
			inflight--;
			done++;
		}
	}
	return 0;
}

/* Direct or io_uring: a warm-up, then n timed transfers. */
static int
bbk_local(const char *name, bool uring, bool wr, uint64_t size, uint64_t n,
    double *iops)
{
	struct bbk_worker w[BBK_DEPTH];
	struct io_uring u;
	uint64_t pos = 0;
	uint64_t t0, dt = 0;
	void *bufs = NULL;
	unsigned i;
	int fd, rc;

	if ((fd = open(bbk.file, O_RDWR | O_CLOEXEC)) < 0) {
		rc = -errno;
		bench_err(name, "open", rc);
		return rc;
	}
	if (posix_memalign(&bufs, 4096, BBK_DEPTH * size) != 0) {
		close(fd);
		return -ENOMEM;
	}
	memset(bufs, 0xa5, BBK_DEPTH * size);
	if (!uring) {
		memset(w, 0, sizeof(w));
		for (i = 0; i < BBK_DEPTH; i++) {
			w[i].fd = fd;
			w[i].buf = (uint8_t *)bufs + i * size;
			w[i].pos = i;
		}
		rc = bbk_direct_run(w, wr, size, bench_warm(n), &dt);
		if (rc == 0)
			rc = bbk_direct_run(w, wr, size, n, &dt);
		if (rc < 0)
			bench_err(name, wr ? "pwrite" : "pread", rc);
		else
			*iops = (double)n * 1e9 / (double)dt;
		goto out;
	}
	if ((rc = bench_uring_init(name, 2 * BBK_DEPTH, &u)) < 0)
		goto out;
	rc = bbk_uring_run(&u, bufs, fd, wr, size, bench_warm(n), &pos);
	t0 = clock_ns();
	if (rc == 0)
		rc = bbk_uring_run(&u, bufs, fd, wr, size, n, &pos);
	dt = clock_ns() - t0;
	io_uring_queue_exit(&u);
	if (rc < 0)
		bench_err(name, "io_uring", rc);
	else
		*iops = (double)n * 1e9 / (double)dt;
out:
	free(bufs);
	close(fd);
	return rc;
}

int
bench_blkdev_once(const char *name, unsigned what, uint64_t n, double *iops)
{
	bool wr = BENCH_BLK_OP(what) == BENCH_BLK_WRITE;
	uint64_t size = bbk_size[BENCH_BLK_SIZE(what)];
	int rc;

	if ((rc = bbk_start()) < 0)
		return rc;
	switch (BENCH_BLK_PATH(what)) {
	case BENCH_BLK_RING:
		return bench_blkdev_driver(name, BBK_SCHEME, wr, size, n,
		    BBK_DEPTH, BBK_SPAN, iops);
	case BENCH_BLK_URING:
		return bbk_local(name, true, wr, size, n, iops);
	default:
		return bbk_local(name, false, wr, size, n, iops);
	}
}

uint64_t
bench_blkdev_bytes(unsigned what)
{
	return bbk_size[BENCH_BLK_SIZE(what)];
}
