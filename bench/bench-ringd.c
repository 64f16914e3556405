/*
 * bench-ringd.c - the benchmark's rings brokered by ringd.
 *
 * The bench starts a private ringd on a socket in a temporary directory,
 * then measures, next to the fork-shared rings of ring-tests.c:
 *
 *   round trips to a scheme process through a ringd-brokered ring (busy and
 *   adaptive), and to ringd's built-in `echo` (served from ringd's event
 *   loop through the doorbells, so sleep/wake-like by construction);
 *   ring lifetimes per second through ringd against plain pairs;
 *   physalloc3: allocate+free pairs per second at 4 KiB and 1 MiB against
 *   plain control round trips, and a 64 MiB scatter-gather list assembled
 *   from a fragmented zone (one PHYS_ALLOC_SG request) against one 64 MiB
 *   allocation.
 *
 * ringd is stopped with SIGTERM and reaped at the end and from atexit(), and
 * it dies with the bench (PR_SET_PDEATHSIG); every scheme process is a
 * bench_spawn() child, watched and reaped like the others.
 *
 * Depends on libring (data path, ringd client, physalloc3) and the
 * harness; bench-many.c (ringd's CPU under many rings) builds on the
 * private ringd and the scheme processes here (brd_* in bench.h), and
 * bench-blkdev.c on bench_ringd_socket().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/phys.h>
#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

/* Limits and sizes, kept together. */
#define BRD_START_MS 5000 /* ringd must answer within this */
#define BRD_STOP_MS 5000  /* and exit within this after SIGTERM */
#define BRD_BATCH 32u
#define BRD_CONF \
	"# ring-bench: room for the many-rings test\n" \
	"max_rings = 16384\n" \
	"max_rings_per_client = 8192\n" \
	"# a small zone 32 that the SG test fragments whole\n" \
	"phys_zone32_size = 128M\n"
#define BRD_SG_BYTES (64ull << 20) /* half of zone 32 */
#define BRD_SG_PIECE (64ull << 10)
#define BRD_SG_PIECES 2048u /* zone 32 in BRD_SG_PIECE pieces */

/* The private ringd. */
static struct {
	pid_t pid;    /* 0: not running */
	pid_t owner;  /* the process that started it */
	int start_rc; /* < 0: not started */
	bool atexit_set;
	char dir[64];
	char sock[128];
	char conf[128];
} brd = { .start_rc = -ENOTCONN };

/* --- ringd's lifecycle ------------------------------------------------ */

static int
brd_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

static void
brd_rmdir(void)
{
	if (brd.dir[0] == '\0')
		return;
	(void)unlink(brd.sock); /* ringd removes it; not after a kill */
	(void)unlink(brd.conf);
	if (rmdir(brd.dir) < 0)
		fprintf(stderr, BENCH_NAME ": cannot remove '%s': %s\n",
		    brd.dir, strerror(errno));
	brd.dir[0] = '\0';
}

static void
brd_atexit(void)
{
	if (getpid() == brd.owner)
		(void)bench_ringd_stop();
}

/*
 * SIGINT/SIGTERM/SIGHUP: stop ringd and remove its directory (async-signal
 * safe calls only), then die of the signal as before.  Children inherit
 * the handler and only die.
 */
static void
brd_on_signal(int sig)
{
	int saved = errno;

	if (getpid() == brd.owner) {
		if (brd.pid > 0) {
			kill(brd.pid, SIGTERM);
			while (waitpid(brd.pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (brd.dir[0] != '\0') {
			(void)unlink(brd.sock);
			(void)unlink(brd.conf);
			(void)rmdir(brd.dir);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

static void
brd_handlers(void)
{
	if (brd.atexit_set || atexit(brd_atexit) != 0)
		return;
	sig_catch_stop(brd_on_signal);
	brd.atexit_set = true;
}

/* Does ringd answer on its socket yet? */
static int
brd_answers(void *arg)
{
	struct ring_ctl *c;
	int rc;

	(void)arg;
	if ((rc = ring_ctl_connect(brd.sock, NULL, &c)) == 0)
		ring_ctl_close(c);
	return rc;
}

int
bench_ringd_start(void)
{
	char bin[PATH_MAX] = "";
	char *argv[] = { "ringd", "-f", "-S", brd.sock, "-l", "error", "-c",
		brd.conf, NULL };
	pid_t pid;
	int rc;

	brd.owner = getpid();
	brd_handlers();
	if ((rc = build_path("RINGD_BIN", "ringd/ringd", bin, sizeof(bin))) <
	    0) {
		fprintf(stderr,
		    BENCH_NAME ": no ringd binary at '%s': build it "
			       "with 'make ringd' or name it in RINGD_BIN\n",
		    bin[0] != '\0' ? bin : "?");
		return brd.start_rc = -ENOENT;
	}
	if ((rc = bench_tmpdir(brd.dir, sizeof(brd.dir), "ring-bench")) < 0) {
		fprintf(stderr,
		    BENCH_NAME ": cannot create a directory for "
			       "ringd: %s\n",
		    strerror(-rc));
		return brd.start_rc = rc;
	}
	snprintf(brd.sock, sizeof(brd.sock), "%s/ringd.sock", brd.dir);
	snprintf(brd.conf, sizeof(brd.conf), "%s/ringd.conf", brd.dir);
	if ((rc = brd_write_file(brd.conf, BRD_CONF)) < 0) {
		fprintf(stderr, BENCH_NAME ": cannot write '%s': %s\n",
		    brd.conf, strerror(-rc));
		brd_rmdir();
		return brd.start_rc = rc;
	}
	if ((pid = bench_exec(bin, argv, BENCH_OUT_INHERIT, -1)) < 0) {
		fprintf(stderr, BENCH_NAME ": cannot fork ringd: %s\n",
		    strerror(-pid));
		brd_rmdir();
		return brd.start_rc = pid;
	}
	brd.pid = pid;
	rc = bench_await(pid, "ringd", BRD_START_MS, brd_answers, NULL);
	if (rc == -ECHILD) {
		brd.pid = 0; /* reaped */
		brd_rmdir();
		return brd.start_rc = rc;
	}
	if (rc < 0) {
		fprintf(stderr,
		    BENCH_NAME ": ringd did not answer on "
			       "'%s' within %d ms: %s\n",
		    brd.sock, BRD_START_MS, strerror(-rc));
		(void)bench_ringd_stop();
		return brd.start_rc = -ETIMEDOUT;
	}
	return brd.start_rc = 0;
}

int
bench_ringd_stop(void)
{
	int rc = bench_stop_child(&brd.pid, brd.owner, "ringd", BRD_STOP_MS);

	if (getpid() == brd.owner)
		brd_rmdir();
	brd.start_rc = -ENOTCONN;
	return rc;
}

const char *
bench_ringd_socket(void)
{
	return brd.start_rc == 0 ? brd.sock : NULL;
}

int
brd_state(void)
{
	return brd.start_rc;
}

int
brd_connect(const char *name, struct ring_ctl **c)
{
	int rc;

	if (brd.start_rc < 0)
		return brd.start_rc; /* said once, at start */
	if ((rc = ring_ctl_connect(brd.sock, NULL, c)) < 0)
		bench_err(name, "ring_ctl_connect", rc);
	return rc;
}

/*
 * ringd's CPU time so far, in ns: the scheduler's own count from
 * /proc/PID/schedstat (to the nanosecond; ringd has one thread) where the
 * kernel keeps it, else utime + stime from /proc/PID/stat (clock ticks).
 */
int
brd_cpu_ns(int64_t *ns)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long v[2];
	ssize_t n;
	long hz = sysconf(_SC_CLK_TCK);
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)brd.pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			errno = 0;
			v[0] = strtoull(buf, &end, 10);
			if (errno == 0 && end != buf && *end == ' ') {
				*ns = (int64_t)v[0];
				return 0;
			}
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)brd.pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold blanks and parens: fields count from the last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return -EIO;
	p++;
	for (field = 3; field <= 15; field++) {
		p += strspn(p, " ");
		if (field >= 14) {
			errno = 0;
			v[field - 14] = strtoull(p, &end, 10);
			if (errno != 0 || end == p)
				return -EIO;
			p = end;
		} else {
			p += strcspn(p, " ");
		}
	}
	*ns = (int64_t)((v[0] + v[1]) * (1000000000ull / (unsigned long)hz));
	return 0;
}

/* --- scheme processes ------------------------------------------------- */

void
brd_scheme_init(struct brd_scheme *s, const char *name, enum bench_mode mode,
    unsigned nrings)
{
	static unsigned seq;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->mode = mode;
	s->nrings = nrings;
	s->ready[0] = s->ready[1] = s->stop[0] = s->stop[1] = -1;
	snprintf(s->scheme, sizeof(s->scheme), "ring-bench-%d-%u",
	    (int)getpid(), seq++);
}

void
brd_scheme_fini(struct brd_scheme *s)
{
	bench_close(&s->ready[0]);
	bench_close(&s->ready[1]);
	bench_close(&s->stop[0]);
	bench_close(&s->stop[1]);
}

/* Child: connect, register, tell the parent. */
int
brd_scheme_register(struct brd_scheme *s, struct ring_ctl **ctl)
{
	static const uint8_t ops[] = { RING_OP_NOOP };
	char one = 1;
	int rc;

	bench_close(&s->ready[0]);
	bench_close(&s->stop[1]);
	if ((rc = ring_ctl_connect(brd.sock, NULL, ctl)) < 0) {
		bench_err(s->name, "scheme: ring_ctl_connect", rc);
		return rc;
	}
	if ((rc = ring_ctl_register(*ctl, s->scheme, ops, sizeof(ops))) < 0) {
		bench_err(s->name, "scheme: ring_ctl_register", rc);
		ring_ctl_close(*ctl);
		return rc;
	}
	if (write(s->ready[1], &one, 1) != 1) {
		rc = -errno;
		ring_ctl_close(*ctl);
		return rc;
	}
	bench_close(&s->ready[1]);
	return 0;
}

/* Answer what the ring holds; busy mode spins for room, others wait. */
int
brd_serve(struct ring *r, enum bench_mode mode, int *served)
{
	struct ring_sqe sqes[BRD_BATCH];
	struct ring_cqe cqes[BRD_BATCH];
	int n, i, rc;

	*served = 0;
	if ((n = ring_sq_pop_batch(r, sqes, BRD_BATCH)) < 0)
		return n;
	for (i = 0; i < n; i++)
		cqes[i] = (struct ring_cqe){ .user_data = sqes[i].user_data,
			.status = sqes[i].opcode == RING_OP_NOOP
			    ? 0
			    : (uint64_t)(int64_t)-ENOSYS };
	if ((rc = bench_ring_answer(r, mode, cqes, (unsigned)n)) < 0)
		return rc;
	*served = n;
	return 0;
}

/* Child, one ring: accept it and echo NoOps until the consumer leaves. */
static int
brd_scheme_one(void *arg)
{
	struct brd_scheme *s = arg;
	struct ring_ctl *ctl;
	struct ring_attach a;
	struct ring *r = NULL;
	int rc, served;

	if ((rc = brd_scheme_register(s, &ctl)) < 0)
		return rc;
	if ((rc = ring_ctl_wait_attach(ctl, &a, bench_cfg.timeout_ms)) < 0) {
		bench_err(s->name, "scheme: ring_ctl_wait_attach", rc);
		goto out;
	}
	if ((rc = ring_ctl_accept(ctl, &a, &r)) < 0) {
		bench_err(s->name, "scheme: ring_ctl_accept", rc);
		goto out;
	}
	for (;;) {
		rc = brd_serve(r, s->mode, &served);
		if (rc == -EAGAIN) {
			if (s->mode == BENCH_BUSY) {
				bench_relax();
				continue;
			}
			rc = ring_wait(r, RING_EV_IN, -1);
			if (rc >= 0)
				continue;
		}
		if (rc == -ESHUTDOWN)
			break;
		if (rc < 0) {
			bench_err(s->name, "scheme: serve", rc);
			goto out;
		}
	}
	rc = 0;
out:
	ring_close(r);
	ring_ctl_close(ctl);
	return rc;
}

/*
 * Parent: start the scheme process and wait until its name is registered
 * (a byte on the ready pipe; EOF means it died first).
 */
int
brd_scheme_start(struct brd_scheme *s, struct bench_child *c, int (*fn)(void *))
{
	struct pollfd pfd;
	char one;
	int rc;

	if (pipe2(s->ready, O_CLOEXEC) < 0 ||
	    (s->nrings > 1 && pipe2(s->stop, O_CLOEXEC) < 0)) {
		rc = -errno;
		bench_err(s->name, "pipe", rc);
		brd_scheme_fini(s);
		return rc;
	}
	if ((rc = bench_spawn(c, s->name, fn, s, NULL, NULL)) < 0) {
		brd_scheme_fini(s);
		return rc;
	}
	bench_close(&s->ready[1]);
	bench_close(&s->stop[0]);
	pfd = (struct pollfd){ .fd = s->ready[0], .events = POLLIN };
	do
		rc = poll(&pfd, 1, bench_cfg.timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 1 && read(s->ready[0], &one, 1) == 1)
		return 0;
	rc = rc == 0 ? -ETIMEDOUT : -ECHILD;
	bench_err(s->name, "scheme did not register", rc);
	(void)bench_reap(c, true, NULL);
	brd_scheme_fini(s);
	return rc;
}

/* --- round trips ------------------------------------------------------ */

int
bench_ringd_rtt_once(const char *name, enum bench_mode mode, bool echo,
    uint64_t n, double *ns)
{
	struct brd_scheme s;
	struct bench_child c;
	struct ring_params p;
	struct ring_ctl *ctl = NULL;
	struct ring *r = NULL;
	uint64_t id = 0, seq = 0, bad = 0;
	uint64_t t0 = 0, dt = 0;
	int rc, rc2 = 0;

	if (brd.start_rc < 0)
		return brd.start_rc;
	brd_scheme_init(&s, name, mode, 1);
	if (!echo && (rc = brd_scheme_start(&s, &c, brd_scheme_one)) < 0)
		return rc;
	memset(&p, 0, sizeof(p));
	p.sq_entries = p.cq_entries = BENCH_ENTRIES;
	if ((rc = brd_connect(name, &ctl)) < 0)
		goto out;
	if ((rc = ring_ctl_open(ctl, echo ? "echo" : s.scheme, &p, &r, &id)) <
	    0) {
		bench_err(name, "ring_ctl_open", rc);
		goto out;
	}
	if (mode == BENCH_SLEEP)
		ring_set_spin(r, 0);
	if ((rc = bench_rtt_run(r, mode, echo, bench_warm(n), &seq, &bad)) >=
	    0) {
		t0 = clock_ns();
		rc = bench_rtt_run(r, mode, echo, n, &seq, &bad);
		dt = clock_ns() - t0;
	}
	if (rc < 0)
		bench_err(name, "consumer", rc);
out:
	if (!echo)
		atomic_store(&c.done, true); /* its exit is expected now */
	ring_close(r);
	if (r != NULL && (rc2 = ring_ctl_close_ring(ctl, id)) < 0 &&
	    rc2 != -ENOENT) {
		bench_err(name, "ring_ctl_close_ring", rc2);
		if (rc == 0)
			rc = rc2;
	}
	ring_ctl_close(ctl);
	if (!echo) {
		rc2 = bench_reap(&c, rc < 0, NULL);
		brd_scheme_fini(&s);
		if (rc == 0)
			rc = rc2;
	}
	if (rc == 0)
		rc = bench_mismatch(name, bad);
	if (rc < 0)
		return rc;
	*ns = (double)dt / (double)n;
	return 0;
}

/* --- ring lifetimes --------------------------------------------------- */

static int
brd_open_run(const char *name, struct ring_ctl *ctl, uint64_t n)
{
	struct ring_params p;
	struct ring_fds fds;
	struct ring *r;
	uint64_t i, id;
	int rc;

	memset(&p, 0, sizeof(p));
	p.sq_entries = p.cq_entries = BENCH_ENTRIES;
	for (i = 0; i < n; i++) {
		if (ctl != NULL) {
			if ((rc = ring_ctl_open(ctl, "null", &p, &r, &id)) <
			    0) {
				bench_err(name, "ring_ctl_open 'null'", rc);
				return rc;
			}
			ring_close(r);
			if ((rc = ring_ctl_close_ring(ctl, id)) < 0) {
				bench_err(name, "ring_ctl_close_ring", rc);
				return rc;
			}
		} else {
			if ((rc = ring_pair_create(&p, &fds)) < 0) {
				bench_err(name, "ring_pair_create", rc);
				return rc;
			}
			rc = ring_open(&fds, RING_ROLE_CONSUMER, &r);
			ring_fds_close(&fds);
			if (rc < 0) {
				bench_err(name, "ring_open", rc);
				return rc;
			}
			ring_close(r);
		}
	}
	return 0;
}

int
bench_ringd_open_once(const char *name, bool ringd, uint64_t n, double *ops)
{
	struct ring_ctl *ctl = NULL;
	uint64_t t0 = 0, dt = 0;
	int rc;

	if (ringd && (rc = brd_connect(name, &ctl)) < 0)
		return rc;
	if ((rc = brd_open_run(name, ctl, bench_warm(n))) >= 0) {
		t0 = clock_ns();
		rc = brd_open_run(name, ctl, n);
		dt = clock_ns() - t0;
	}
	ring_ctl_close(ctl);
	if (rc < 0)
		return rc;
	*ops = (double)n * 1e9 / (double)dt;
	return 0;
}

/* --- physalloc3 ------------------------------------------------------ */

/* n allocate+free pairs of size bytes (size 0: status round trips). */
static int
brd_phys_pairs(const char *name, struct ring_ctl *ctl, uint64_t size,
    uint64_t n)
{
	struct ring_ctl_status st;
	uint64_t i, min, base;
	int rc;

	for (i = 0; i < n; i++) {
		if (size == 0) {
			rc = ring_ctl_status(ctl, &st);
		} else {
			min = size;
			rc = ring_physalloc3(ctl, size, RING_PHYS_SPACE_64,
			    &min, &base);
			if (rc == 0)
				rc = ring_physfree(ctl, base, min);
		}
		if (rc < 0) {
			bench_err(name,
			    size ? "physalloc3/physfree" : "ring_ctl_status",
			    rc);
			return rc;
		}
	}
	return 0;
}

/*
 * Zone 32 cut into BRD_SG_PIECES pieces with every other one freed, then
 * the time to assemble BRD_SG_BYTES as a scatter-gather list from what is
 * left (BRD_SG_PIECES / 2 segments).  Everything is freed again.
 */
static int
brd_phys_sg(const char *name, struct ring_ctl *ctl, double *ns)
{
	static uint64_t piece[BRD_SG_PIECES];
	struct ring_phys_sg *sg = NULL;
	uint64_t min;
	unsigned i, n = 0;
	uint64_t t0;
	int rc = 0;

	while (n < BRD_SG_PIECES) {
		min = BRD_SG_PIECE;
		rc = ring_physalloc3(ctl, BRD_SG_PIECE, RING_PHYS_SPACE_32,
		    &min, &piece[n]);
		if (rc == -ENOMEM)
			break;
		if (rc < 0) {
			bench_err(name, "physalloc3 (fragmenting)", rc);
			goto out;
		}
		n++;
	}
	for (i = 0; i < n; i += 2)
		if ((rc = ring_physfree(ctl, piece[i], BRD_SG_PIECE)) < 0) {
			bench_err(name, "physfree (fragmenting)", rc);
			goto out;
		}
	t0 = clock_ns();
	rc = ring_phys_sg_alloc(ctl, BRD_SG_BYTES, BRD_SG_PIECE,
	    RING_PHYS_SPACE_32, 0, &sg);
	*ns = (double)(clock_ns() - t0);
	if (rc < 0)
		bench_err(name, "ring_phys_sg_alloc 64 MiB", rc);
	else if (sg->total != BRD_SG_BYTES || sg->nsegs != n / 2) {
		fprintf(stderr,
		    BENCH_NAME ": %s: %u segments, %" PRIu64
			       " bytes; expected %u and %llu\n",
		    name, sg->nsegs, sg->total, n / 2, BRD_SG_BYTES);
		rc = -EIO;
	}
	ring_phys_sg_free(ctl, sg);
	for (i = 0; i < n; i += 2)
		piece[i] = 0;
out:
	for (i = 1; i < n; i += 2)
		(void)ring_physfree(ctl, piece[i], BRD_SG_PIECE);
	return rc;
}

int
bench_ringd_phys_once(const char *name, enum bench_phys what, uint64_t n,
    double *v)
{
	static const uint64_t size[] = {
		[BENCH_PHYS_CTL] = 0,
		[BENCH_PHYS_4K] = 4096,
		[BENCH_PHYS_1M] = 1 << 20,
		[BENCH_PHYS_ONE] = BRD_SG_BYTES,
	};
	struct ring_ctl *ctl = NULL;
	uint64_t t0 = 0, dt = 0;
	int rc;

	if ((rc = brd_connect(name, &ctl)) < 0)
		return rc;
	if (what == BENCH_PHYS_SG) {
		rc = brd_phys_sg(name, ctl, v);
	} else if ((rc = brd_phys_pairs(name, ctl, size[what],
			bench_warm(n))) >= 0) {
		t0 = clock_ns();
		rc = brd_phys_pairs(name, ctl, size[what], n);
		dt = clock_ns() - t0;
		/* pairs per second; the one big allocation: ns per pair */
		*v = what == BENCH_PHYS_ONE ? (double)dt / (double)n
					    : (double)n * 1e9 / (double)dt;
	}
	ring_ctl_close(ctl);
	return rc;
}
