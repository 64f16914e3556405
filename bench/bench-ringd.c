/*
 * bench-ringd.c - the benchmark's rings brokered by ringd.
 *
 * The bench starts a private ringd on a socket in a temporary directory,
 * then measures, next to the fork-shared rings of ring-bench.c:
 *
 *   round trips to a scheme process through a ringd-brokered ring (busy and
 *   adaptive), and to ringd's built-in `echo` (served from ringd's event
 *   loop through the doorbells, so sleep/wake-like by construction);
 *   ring lifetimes per second through ringd against plain pairs;
 *   ringd's CPU while many rings between two other processes carry traffic
 *   (ringd is not on their data path, so it should be ~0);
 *   physalloc3: allocate+free pairs per second at 4 KiB and 1 MiB against
 *   plain control round trips, and a 64 MiB scatter-gather list assembled
 *   from a fragmented zone against one 64 MiB allocation.
 *
 * ringd is stopped with SIGTERM and reaped at the end and from atexit(), and
 * it dies with the bench (PR_SET_PDEATHSIG); every scheme process is a
 * bench_spawn() child, watched and reaped like the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ring/phys.h>
#include <ring/ring.h>

#include "bench.h"

/* Limits and sizes, kept together. */
#define BRD_START_MS 5000   /* ringd must answer within this */
#define BRD_STOP_MS 5000    /* and exit within this after SIGTERM */
#define BRD_MANY_ENTRIES 8u /* SQ and CQ of each of the many rings */
#define BRD_MANY_WINDOW 4u  /* NoOps in flight per ring */
#define BRD_MANY_SLACK 16u  /* attach slots beyond the rings asked for */
#define BRD_BATCH 32u
#define BRD_SPIN_CHECK 65536u /* busy waits between deadline checks */
#define BRD_ECHO_XOR64 0x5a5a5a5a5a5a5a5aull /* ringd.8, built-in echo */
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

/* A scheme process's brief. */
struct brd_scheme {
	const char *name; /* test name, for messages */
	char scheme[RING_CTL_NAME_MAX];
	enum bench_mode mode;
	unsigned nrings; /* > 1: serve many rings from one epoll */
	int ready[2];	 /* child writes one byte once registered */
	int stop[2];	 /* many: parent closes [1] to end the child */
};

/* --- ringd's lifecycle ------------------------------------------------ */

static int
brd_binary(char *buf, size_t len)
{
	const char *env = getenv("RINGD_BIN");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	/* BUILD/bench/ring-bench -> BUILD/ringd/ringd */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -errno;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -ENOENT;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/../ringd/ringd", self) >= len)
		return -ENAMETOOLONG;
	return 0;
}

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
brd_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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

int
bench_ringd_start(void)
{
	const char *tmp = getenv("TMPDIR");
	char bin[PATH_MAX];
	int64_t deadline;
	struct ring_ctl *c;
	int status, rc, fd;
	pid_t pid;

	brd.owner = getpid();
	if (!brd.atexit_set && atexit(brd_atexit) == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = brd_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		brd.atexit_set = true;
	}
	if ((rc = brd_binary(bin, sizeof(bin))) < 0 || access(bin, X_OK) != 0) {
		fprintf(stderr,
		    BENCH_NAME ": no ringd binary at '%s': build it "
			       "with 'make ringd' or name it in RINGD_BIN\n",
		    rc < 0 ? "?" : bin);
		return brd.start_rc = -ENOENT;
	}
	/* a long TMPDIR would not fit sun_path */
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(brd.dir, sizeof(brd.dir), "%s/ring-bench.XXXXXX", tmp);
	if (mkdtemp(brd.dir) == NULL) {
		rc = -errno;
		fprintf(stderr,
		    BENCH_NAME ": cannot create a directory for "
			       "ringd: %s\n",
		    strerror(-rc));
		brd.dir[0] = '\0';
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
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		rc = -errno;
		fprintf(stderr, BENCH_NAME ": cannot fork ringd: %s\n",
		    strerror(-rc));
		brd_rmdir();
		return brd.start_rc = rc;
	}
	if (pid == 0) {
		/* ringd dies with the bench (SIGTERM: it cleans up) */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 ||
		    getppid() != brd.owner)
			_exit(126);
		if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
		execl(bin, "ringd", "-f", "-S", brd.sock, "-l", "error", "-c",
		    brd.conf, (char *)NULL);
		fprintf(stderr, BENCH_NAME ": cannot run '%s': %s\n", bin,
		    strerror(errno));
		_exit(127);
	}
	brd.pid = pid;
	deadline = bench_now() + (int64_t)BRD_START_MS * 1000000;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			brd.pid = 0;
			fprintf(stderr,
			    BENCH_NAME ": ringd ended at start (%s "
				       "%d)\n",
			    WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status)
					      : WTERMSIG(status));
			brd_rmdir();
			return brd.start_rc = -ECHILD;
		}
		if ((rc = ring_ctl_connect(brd.sock, NULL, &c)) == 0) {
			ring_ctl_close(c);
			return brd.start_rc = 0;
		}
		if (bench_now() > deadline) {
			fprintf(stderr,
			    BENCH_NAME ": ringd did not answer on "
				       "'%s' within %d ms: %s\n",
			    brd.sock, BRD_START_MS, strerror(-rc));
			(void)bench_ringd_stop();
			return brd.start_rc = -ETIMEDOUT;
		}
		brd_sleep_ms(10);
	}
}

int
bench_ringd_stop(void)
{
	int64_t deadline;
	int status = 0, rc = 0;
	pid_t w;

	if (brd.pid > 0 && getpid() == brd.owner) {
		kill(brd.pid, SIGTERM); /* not reaped yet: the pid is ours */
		deadline = bench_now() + (int64_t)BRD_STOP_MS * 1000000;
		while ((w = waitpid(brd.pid, &status, WNOHANG)) == 0 &&
		    bench_now() < deadline)
			brd_sleep_ms(5);
		if (w == 0) {
			fprintf(stderr,
			    BENCH_NAME ": ringd did not exit within "
				       "%d ms of SIGTERM; killed\n",
			    BRD_STOP_MS);
			kill(brd.pid, SIGKILL);
			while (
			    waitpid(brd.pid, &status, 0) < 0 && errno == EINTR)
				;
			rc = -ETIMEDOUT;
		} else if (w < 0) {
			rc = -errno;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr,
			    BENCH_NAME ": ringd ended with %s %d "
				       "after SIGTERM\n",
			    WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status)
					      : WTERMSIG(status));
			rc = -ECHILD;
		}
		brd.pid = 0;
	}
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

static int
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
static int
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

static void
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

static void
brd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
brd_scheme_fini(struct brd_scheme *s)
{
	brd_close(&s->ready[0]);
	brd_close(&s->ready[1]);
	brd_close(&s->stop[0]);
	brd_close(&s->stop[1]);
}

/* Child: connect, register, tell the parent. */
static int
brd_scheme_register(struct brd_scheme *s, struct ring_ctl **ctl)
{
	static const uint8_t ops[] = { RING_OP_NOOP };
	char one = 1;
	int rc;

	brd_close(&s->ready[0]);
	brd_close(&s->stop[1]);
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
	brd_close(&s->ready[1]);
	return 0;
}

/* Answer what the ring holds; busy mode spins for room, others wait. */
static int
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

/* Child, many rings: one epoll over the control socket and every doorbell. */
#define BRD_EV_CTL UINT32_MAX
#define BRD_EV_STOP (UINT32_MAX - 1)

static int
brd_many_add(int ep, struct ring **rings, unsigned i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring_fd(rings[i]), &ev) < 0)
		return -errno;
	return 0;
}

/* Serve ring i until it is empty and armed; close it when it is over. */
static int
brd_many_kick(struct brd_scheme *s, int ep, struct ring **rings, unsigned i)
{
	int rc, served;

	for (;;) {
		rc = brd_serve(rings[i], BENCH_ADAPTIVE, &served);
		if (rc == -EAGAIN || rc == 0) {
			if ((rc = ring_arm(rings[i], RING_EV_IN)) == 0)
				return 0;
			if (rc > 0)
				continue;
		}
		if (rc == -ESHUTDOWN)
			break;
		bench_err(s->name, "scheme: serve", rc);
		return rc;
	}
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, ring_fd(rings[i]), NULL);
	ring_close(rings[i]);
	rings[i] = NULL;
	return 0;
}

static int
brd_scheme_many(void *arg)
{
	struct brd_scheme *s = arg;
	unsigned cap = s->nrings + BRD_MANY_SLACK, i, next = 0;
	struct epoll_event ev, evs[64];
	struct ring **rings = NULL;
	struct ring_ctl *ctl;
	struct ring_attach a;
	int ep = -1, rc, n, k;
	bool stop = false;

	if ((rc = brd_scheme_register(s, &ctl)) < 0)
		return rc;
	if ((rings = calloc(cap, sizeof(*rings))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_CTL };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring_ctl_fd(ctl), &ev) < 0) {
		rc = -errno;
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = BRD_EV_STOP };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->stop[0], &ev) < 0) {
		rc = -errno;
		goto out;
	}
	while (!stop) {
		n = epoll_wait(ep, evs, 64, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		for (k = 0; k < n; k++) {
			i = evs[k].data.u32;
			if (i == BRD_EV_STOP) {
				stop = true;
			} else if (i == BRD_EV_CTL) {
				while (
				    (rc = ring_ctl_next_attach(ctl, &a)) == 0) {
					if (next == cap) {
						(void)ring_ctl_refuse(ctl, &a,
						    -EMFILE);
						continue;
					}
					if ((rc = ring_ctl_accept(ctl, &a,
						 &rings[next])) < 0) {
						bench_err(s->name,
						    "scheme: ring_ctl_accept",
						    rc);
						goto out;
					}
					if ((rc = brd_many_add(ep, rings,
						 next)) < 0 ||
					    (rc = brd_many_kick(s, ep, rings,
						 next)) < 0)
						goto out;
					next++;
				}
				if (rc != -EAGAIN) {
					bench_err(s->name,
					    "scheme: ring_ctl_next_attach", rc);
					goto out;
				}
			} else if (i < next && rings[i] != NULL) {
				ring_disarm(rings[i]);
				if ((rc = brd_many_kick(s, ep, rings, i)) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	if (rings != NULL)
		for (i = 0; i < cap; i++)
			ring_close(rings[i]);
	free(rings);
	if (ep >= 0)
		close(ep);
	ring_ctl_close(ctl);
	return rc;
}

/*
 * Parent: start the scheme process and wait until its name is registered
 * (a byte on the ready pipe; EOF means it died first).
 */
static int
brd_scheme_start(struct brd_scheme *s, struct bench_child *c)
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
	if ((rc = bench_spawn(c, s->name,
		 s->nrings > 1 ? brd_scheme_many : brd_scheme_one, s, NULL,
		 NULL)) < 0) {
		brd_scheme_fini(s);
		return rc;
	}
	brd_close(&s->ready[1]);
	brd_close(&s->stop[0]);
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

/* No room or nothing to pop: spin (busy, with a deadline) or wait. */
static int
brd_stall(struct ring *r, enum bench_mode mode, unsigned events,
    unsigned *spins, int64_t deadline)
{
	int rc;

	if (mode == BENCH_BUSY) {
		bench_relax();
		if (++*spins % BRD_SPIN_CHECK == 0 && bench_now() > deadline)
			return -ETIMEDOUT;
		return 0;
	}
	rc = ring_wait(r, events, (int64_t)bench_cfg.timeout_ms * 1000000);
	return rc < 0 ? rc : 0;
}

static int
brd_rtt_run(struct ring *r, enum bench_mode mode, bool echo, uint64_t n,
    uint64_t *seq, uint64_t *bad)
{
	int64_t deadline = bench_now() +
	    (int64_t)bench_cfg.timeout_ms * 1000000;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	unsigned spins = 0;
	uint64_t i, want;
	int rc;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = RING_OP_NOOP;
	for (i = 0; i < n; i++) {
		sqe.user_data = (*seq)++;
		while ((rc = ring_sq_push(r, &sqe)) == -EAGAIN)
			if ((rc = brd_stall(r, mode, RING_EV_OUT, &spins,
				 deadline)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		while ((rc = ring_cq_pop(r, &cqe)) == -EAGAIN)
			if ((rc = brd_stall(r, mode, RING_EV_IN, &spins,
				 deadline)) < 0)
				return rc;
		if (rc < 0)
			return rc;
		want = echo
		    ? (sqe.user_data ^ BRD_ECHO_XOR64) & 0x7fffffffffffffffull
		    : 0;
		if (cqe.user_data != sqe.user_data || cqe.status != want)
			(*bad)++;
	}
	return 0;
}

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
	int64_t t0 = 0, dt = 0;
	int rc, rc2 = 0;

	if (brd.start_rc < 0)
		return brd.start_rc;
	brd_scheme_init(&s, name, mode, 1);
	if (!echo && (rc = brd_scheme_start(&s, &c)) < 0)
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
	if ((rc = brd_rtt_run(r, mode, echo, bench_warm(n), &seq, &bad)) >= 0) {
		t0 = bench_now();
		rc = brd_rtt_run(r, mode, echo, n, &seq, &bad);
		dt = bench_now() - t0;
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
	if (rc == 0 && bad != 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': %" PRIu64 " completions did "
			       "not match their submissions\n",
		    name, bad);
		rc = -EBADMSG;
	}
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
	int64_t t0 = 0, dt = 0;
	int rc;

	if (ringd && (rc = brd_connect(name, &ctl)) < 0)
		return rc;
	if ((rc = brd_open_run(name, ctl, bench_warm(n))) >= 0) {
		t0 = bench_now();
		rc = brd_open_run(name, ctl, n);
		dt = bench_now() - t0;
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
	int64_t t0;
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
	t0 = bench_now();
	rc = ring_phys_sg_alloc(ctl, BRD_SG_BYTES, BRD_SG_PIECE,
	    RING_PHYS_SPACE_32, 0, &sg);
	*ns = (double)(bench_now() - t0);
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
	int64_t t0 = 0, dt = 0;
	int rc;

	if ((rc = brd_connect(name, &ctl)) < 0)
		return rc;
	if (what == BENCH_PHYS_SG) {
		rc = brd_phys_sg(name, ctl, v);
	} else if ((rc = brd_phys_pairs(name, ctl, size[what],
			bench_warm(n))) >= 0) {
		t0 = bench_now();
		rc = brd_phys_pairs(name, ctl, size[what], n);
		dt = bench_now() - t0;
		/* pairs per second; the one big allocation: ns per pair */
		*v = what == BENCH_PHYS_ONE ? (double)dt / (double)n
					    : (double)n * 1e9 / (double)dt;
	}
	ring_ctl_close(ctl);
	return rc;
}

/* --- many rings: ringd's CPU while others talk ------------------------ */

struct brd_many {
	struct ring **r;
	uint64_t *id;
	uint32_t *sent, *done; /* per ring NoOps submitted / completed */
	unsigned n;
};

/* One pass over every ring: reap, then (submit) top each up to the window. */
static int
brd_many_pass(struct brd_many *m, bool submit, uint64_t *completed,
    uint64_t *bad)
{
	struct ring_sqe sqes[BRD_MANY_WINDOW];
	struct ring_cqe cqes[BRD_MANY_WINDOW];
	unsigned i, k, want;
	int n, j;

	for (i = 0; i < m->n; i++) {
		n = ring_cq_pop_batch(m->r[i], cqes, BRD_MANY_WINDOW);
		if (n < 0 && n != -EAGAIN)
			return n;
		for (j = 0; j < n; j++) {
			if (cqes[j].user_data !=
				((uint64_t)i << 32 | m->done[i]) ||
			    cqes[j].status != 0)
				(*bad)++;
			m->done[i]++;
		}
		if (n > 0)
			*completed += (uint64_t)n;
		want = BRD_MANY_WINDOW - (m->sent[i] - m->done[i]);
		if (!submit || want == 0)
			continue;
		for (k = 0; k < want; k++)
			sqes[k] = (struct ring_sqe){ .opcode = RING_OP_NOOP,
				.user_data = (uint64_t)i << 32 |
				    (m->sent[i] + k) };
		n = ring_sq_push_batch(m->r[i], sqes, want);
		if (n < 0 && n != -EAGAIN)
			return n;
		if (n > 0)
			m->sent[i] += (unsigned)n;
	}
	return 0;
}

static bool
brd_many_drained(const struct brd_many *m)
{
	unsigned i;

	for (i = 0; i < m->n; i++)
		if (m->sent[i] != m->done[i])
			return false;
	return true;
}

/* One snapshot of every ring, as ringtop takes it; all want must be there. */
static int
brd_list(const char *name, struct ring_ctl *ctl, unsigned want)
{
	struct ring_ctl_ring *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = ring_ctl_list_rings(ctl, &v, &n)) < 0) {
		bench_err(name, "ring_ctl_list_rings", rc);
		return rc;
	}
	free(v);
	if (n < want) {
		fprintf(stderr, BENCH_NAME ": '%s': listed %zu rings of %u\n",
		    name, n, want);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Traffic over every ring for dur_ns, listing them all every every_ns (0:
 * never): ringd's CPU ns, the wall time and completions per second.
 */
static int
brd_many_phase(const char *name, struct brd_many *m, struct ring_ctl *ctl,
    int64_t dur_ns, int64_t every_ns, struct bench_val *cpu,
    struct bench_val *wall, struct bench_val *ops, uint64_t *bad)
{
	uint64_t completed = 0;
	int64_t t0, t1, c0, c1, next;
	int rc;

	if ((rc = brd_cpu_ns(&c0)) < 0)
		goto cpu_fail;
	t0 = t1 = next = bench_now();
	do {
		if (every_ns > 0 && t1 >= next) {
			if ((rc = brd_list(name, ctl, m->n)) < 0)
				return rc;
			next += every_ns;
		}
		rc = brd_many_pass(m, true, &completed, bad);
	} while (rc >= 0 && (t1 = bench_now()) - t0 < dur_ns);
	if (rc < 0) {
		bench_err(name, "consumer", rc);
		return rc;
	}
	if ((rc = brd_cpu_ns(&c1)) < 0)
		goto cpu_fail;
	cpu->v = (double)(c1 - c0);
	wall->v = (double)(t1 - t0);
	ops->v = (double)completed * 1e9 / (double)(t1 - t0);
	return 0;
cpu_fail:
	bench_err(name, "read ringd's /proc stat", rc);
	return rc;
}

/*
 * ringd's CPU per ring per snapshot: lists back to back for dur_ns, with a
 * traffic pass between two lists so that ringd finds the rings' header
 * lines written by their peers, as it does between two ringtop refreshes.
 */
static int
brd_snapshot_cost(const char *name, struct brd_many *m, struct ring_ctl *ctl,
    int64_t dur_ns, struct bench_val *snap, uint64_t *bad)
{
	uint64_t lists = 0, dummy = 0;
	int64_t t0, c0, c1;
	int rc;

	if ((rc = brd_cpu_ns(&c0)) < 0)
		goto cpu_fail;
	t0 = bench_now();
	do {
		if ((rc = brd_list(name, ctl, m->n)) < 0)
			return rc;
		lists++;
		if ((rc = brd_many_pass(m, true, &dummy, bad)) < 0) {
			bench_err(name, "consumer", rc);
			return rc;
		}
	} while (bench_now() - t0 < dur_ns);
	if ((rc = brd_cpu_ns(&c1)) < 0)
		goto cpu_fail;
	snap->v = (double)(c1 - c0) / ((double)lists * m->n);
	return 0;
cpu_fail:
	bench_err(name, "read ringd's /proc stat", rc);
	return rc;
}

void
bench_ringd_many(const char *name, unsigned nrings, int64_t dur_ns,
    struct bench_many *res)
{
	struct brd_scheme s;
	struct bench_child c;
	struct brd_many m;
	struct ring_params p;
	struct ring_ctl *ctl = NULL;
	uint64_t bad = 0, dummy = 0;
	int64_t deadline;
	unsigned i;
	int rc, rc2;

	bench_progress(name);
	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	/* 5 % of a core, at 10 snapshots a second of BENCH_WATCH_RINGS */
	res->budget.v = 0.05 * 1e9 / (10.0 * BENCH_WATCH_RINGS);
	if ((rc = brd.start_rc) < 0)
		goto fail;
	brd_scheme_init(&s, name, BENCH_ADAPTIVE, nrings);
	if ((rc = brd_scheme_start(&s, &c)) < 0)
		goto fail;
	m.r = calloc(nrings, sizeof(*m.r));
	m.id = calloc(nrings, sizeof(*m.id));
	m.sent = calloc(nrings, sizeof(*m.sent));
	m.done = calloc(nrings, sizeof(*m.done));
	if (m.r == NULL || m.id == NULL || m.sent == NULL || m.done == NULL) {
		rc = -ENOMEM;
		bench_err(name, "calloc", rc);
		goto out;
	}
	if ((rc = brd_connect(name, &ctl)) < 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.sq_entries = p.cq_entries = BRD_MANY_ENTRIES;
	for (m.n = 0; m.n < nrings; m.n++) {
		if ((rc = ring_ctl_open(ctl, s.scheme, &p, &m.r[m.n],
			 &m.id[m.n])) < 0) {
			bench_err(name, "ring_ctl_open", rc);
			goto out;
		}
	}
	/* warm-up: every ring carries a window's worth once */
	for (i = 0; i < 2 * BRD_MANY_WINDOW; i++)
		if ((rc = brd_many_pass(&m, true, &dummy, &bad)) < 0) {
			bench_err(name, "consumer", rc);
			goto out;
		}
	if ((rc = brd_many_phase(name, &m, ctl, dur_ns, 0, &res->cpu,
		 &res->wall, &res->ops, &bad)) < 0 ||
	    (rc = brd_many_phase(name, &m, ctl, dur_ns, 100000000, &res->wcpu,
		 &res->wwall, &res->wops, &bad)) < 0 ||
	    (rc = brd_snapshot_cost(name, &m, ctl, dur_ns / 2, &res->snap,
		 &bad)) < 0)
		goto out;
	/* every NoOp must come back: take the rest, untimed */
	deadline = bench_now() + (int64_t)bench_cfg.timeout_ms * 1000000;
	while (!brd_many_drained(&m) && bench_now() < deadline) {
		if ((rc = brd_many_pass(&m, false, &dummy, &bad)) < 0)
			break;
	}
	if (rc >= 0 && !brd_many_drained(&m))
		rc = -ETIMEDOUT;
	if (rc < 0)
		bench_err(name, "consumer: draining", rc);
out:
	atomic_store(&c.done, true); /* its exit is expected now */
	for (i = 0; i < m.n; i++) {
		ring_close(m.r[i]);
		if ((rc2 = ring_ctl_close_ring(ctl, m.id[i])) < 0 &&
		    rc2 != -ENOENT && rc == 0) {
			bench_err(name, "ring_ctl_close_ring", rc2);
			rc = rc2;
		}
	}
	ring_ctl_close(ctl);
	brd_close(&s.stop[1]); /* the scheme process's cue to exit */
	rc2 = bench_reap(&c, rc < 0, NULL);
	brd_scheme_fini(&s);
	free(m.r);
	free(m.id);
	free(m.sent);
	free(m.done);
	if (rc == 0)
		rc = rc2;
	if (rc == 0 && bad != 0) {
		fprintf(stderr,
		    BENCH_NAME ": '%s': %" PRIu64 " completions did "
			       "not match their submissions\n",
		    name, bad);
		rc = -EBADMSG;
	}
fail:
	res->cpu.rc = res->wall.rc = res->ops.rc = rc;
	res->wcpu.rc = res->wwall.rc = res->wops.rc = rc;
	res->snap.rc = rc;
}
