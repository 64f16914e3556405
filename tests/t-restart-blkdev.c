/*
 * t-restart-blkdev.c - a restart of ringd nobody notices: the block device
 * scheme, two verifying drivers under load and a persistent physalloc3
 * region ride through "systemctl restart ringd" (SIGTERM, a new ringd on
 * the same socket).
 *
 * This program plays systemd's part where it matters: ringd's
 * $NOTIFY_SOCKET is ours, so the memory files a stopping ringd leaves in
 * the "fd store" arrive here, and the next ringd gets them back through
 * LISTEN_FDS and LISTEN_FDNAMES, as systemd would pass them.
 *
 * Within 10 s of the new ringd's start every ring and every region is
 * listed again (same ids, same ranges, the drivers' regions theirs again,
 * the persistent region with its memory and the pattern written in it);
 * the drivers keep verifying and end with no error, no mismatch and no
 * request lost; the scheme keeps serving.  Without the fd store the
 * drivers' memory comes back from the processes that map it, and the
 * region only ringd held is new, zeroed memory once the adopt window
 * ends (mapping it meanwhile: EAGAIN).  Under socket activation the
 * stored memory follows the socket.  Bad region records in the state file
 * are dropped, the good ones kept; what a ringd had not got back carries
 * over to the next; a claim meets today's policy.  Also: a bogus region adoption
 * (a look-alike memory file, a region that is not there, another uid's
 * region, after the adopt window) is refused and changes nothing; regions
 * nobody claims die when the window ends unless persistent; and after a
 * SIGKILLed ringd (no state file) the rings come back, the regions do not,
 * and a driver says so and stops cleanly with every request accounted for.
 *
 * The programs run as real processes (fork and exec) that die with the
 * sub-test; their output goes to files in ringd's test directory.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ring/phys.h>
#include <ring/ring.h>

#include "lib/proc.h"
#include "lib/raw.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define RB_BACK_MS 10000u /* everything listed again within this */
#define RB_END_MS 60000u  /* a program must end within this */
#define RB_FDS_MAX 64
#define RB_REGION 65536u       /* the persistent region */
#define RB_FDNAME "ringd-phys" /* ringd's name in the fd store */

static struct td d;

/*
 * Run a program of this build (rel: "examples/blkdev-driver") with "-S
 * socket" and its arguments (NULL-terminated); its output goes to
 * d.dir/tag.log.  It dies with the sub-test.
 */
static void
rb_spawn(struct tp_proc *p, const char *tag, const char *rel, ...)
{
	char bin[PATH_MAX];
	va_list ap;

	td_build_bin(NULL, rel, bin, sizeof(bin));
	va_start(ap, rel);
	tp_startv(p, d.dir, tag, bin, d.sock, ap);
	va_end(ap);
}

/* The number after "key": in p's JSON report, or fail. */
static uint64_t
rb_json_u64(const struct tp_proc *p, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((at = strstr(tp_log(p), pat)) == NULL) {
		tp_dump(p);
		TAP_FAIL("'%s' has no %s in its report", p->log, key);
	}
	return strtoull(at + strlen(pat), NULL, 10);
}

/* Wait until ringd lists a scheme called name. */
static void
rb_await_scheme(const char *name, const struct tp_proc *p)
{
	uint64_t end = clock_ns() + 5000000000ull;
	struct ring_ctl *c = td_connect(&d);

	while (!td_find_scheme(c, name, NULL)) {
		if (clock_ns() > end) {
			tp_dump(p);
			TAP_FAIL("'%s' was not registered within 5 s", name);
		}
		tu_sleep_ms(5);
	}
	ring_ctl_close(c);
}

/* --- what ringd lists ---------------------------------------------------- */

/* A snapshot of ringd's rings and regions. */
struct rb_model {
	struct ring_ctl_ring *ring;
	size_t nrings;
	struct ring_phys_region *reg;
	size_t nregs;
};

/* Take a snapshot on a fresh connection; false when ringd cannot say. */
static bool
rb_snapshot(struct rb_model *m)
{
	struct ring_ctl *c;
	bool ok;

	memset(m, 0, sizeof(*m));
	if (ring_ctl_connect(d.sock, NULL, &c) < 0)
		return false;
	ok = ring_ctl_list_rings(c, &m->ring, &m->nrings) == 0 &&
	    ring_phys_list_regions(c, &m->reg, &m->nregs) == 0;
	ring_ctl_close(c);
	return ok;
}

static void
rb_model_free(struct rb_model *m)
{
	free(m->ring);
	free(m->reg);
	memset(m, 0, sizeof(*m));
}

static const struct ring_phys_region *
rb_region(const struct rb_model *m, uint64_t id)
{
	size_t i;

	for (i = 0; i < m->nregs; i++)
		if (m->reg[i].region_id == id)
			return &m->reg[i];
	return NULL;
}

static const struct ring_ctl_ring *
rb_ring(const struct rb_model *m, uint64_t id)
{
	size_t i;

	for (i = 0; i < m->nrings; i++)
		if (m->ring[i].ring_id == id)
			return &m->ring[i];
	return NULL;
}

/*
 * Is everything of before listed again in now: each ring running under
 * its id between the same processes, each region with its id, range and
 * owner, the drivers' regions held by a connection again?
 */
static bool
rb_all_back(const struct rb_model *before, const struct rb_model *now)
{
	const struct ring_phys_region *r;
	const struct ring_ctl_ring *g;
	size_t i;

	for (i = 0; i < before->nrings; i++) {
		g = rb_ring(now, before->ring[i].ring_id);
		if (g == NULL || g->state != RING_CTL_RUNNING ||
		    g->consumer.pid != before->ring[i].consumer.pid ||
		    g->producer.pid != before->ring[i].producer.pid)
			return false;
	}
	for (i = 0; i < before->nregs; i++) {
		r = rb_region(now, before->reg[i].region_id);
		if (r == NULL || r->base != before->reg[i].base ||
		    r->size != before->reg[i].size ||
		    r->owner.uid != before->reg[i].owner.uid ||
		    (before->reg[i].client_id != 0) != (r->client_id != 0) ||
		    r->grants != before->reg[i].grants)
			return false;
	}
	return now->nrings == before->nrings && now->nregs == before->nregs;
}

/* --- playing systemd ------------------------------------------------------ */

/* A datagram socket at d.dir/notify, named by $NOTIFY_SOCKET for ringd. */
static int
rb_notify_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	TAP_SYS(
	    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify",
		d.dir) >= sizeof(sa.sun_path))
		TAP_FAIL("notify path too long");
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(setenv("NOTIFY_SOCKET", sa.sun_path, 1));
	return fd;
}

/*
 * Take what ringd sent to the notify socket: the descriptors of every
 * "FDSTORE=1" datagram named RB_FDNAME into fds (at most RB_FDS_MAX);
 * their number.  A store emptied by "FDSTOREREMOVE=1" counts from there.
 */
static size_t
rb_notify_fds(int nfd, int *fds, size_t n)
{
	char buf[512], cbuf[CMSG_SPACE(sizeof(int) * 253)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t len;
	size_t k, got;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((len = recvmsg(nfd, &mh, MSG_CMSG_CLOEXEC)) < 0)
			break;
		buf[len] = '\0';
		if (strstr(buf, "FDSTOREREMOVE=1") != NULL) {
			while (n > 0)
				close(fds[--n]);
			continue;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < got; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int),
				    sizeof(int));
				if (strstr(buf, "FDSTORE=1") != NULL &&
				    strstr(buf, "FDNAME=" RB_FDNAME) != NULL &&
				    n < RB_FDS_MAX)
					fds[n++] = fd;
				else
					close(fd);
			}
		}
	}
	return n;
}

/*
 * Start ringd for d (prepared, stopped) with conf and the stored
 * descriptors from fd 3 on, as systemd passes an fd store (LISTEN_FDS,
 * LISTEN_PID, LISTEN_FDNAMES), after the listening socket lsock when it
 * is not -1 (socket activation: the sockets come first), and wait until
 * it serves.
 */
static void
rb_start_with_store(const char *conf, int lsock, const int *fds, size_t n)
{
	char names[(RB_FDS_MAX + 1) * (sizeof(RB_FDNAME) + 1)] = "", num[32];
	const char *bin = td_binary();
	int pass[RB_FDS_MAX + 1], hi[RB_FDS_MAX + 1], fd, lfd;
	size_t i, k = 0;
	uint64_t end;
	pid_t pid;

	if (bin == NULL)
		TAP_FAIL("no ringd binary");
	td_write_conf(&d, conf); /* as td_start() does, for wrappers */
	if (lsock >= 0) {
		pass[k++] = lsock;
		strcpy(names, "ringd.socket");
	}
	for (i = 0; i < n && k < RB_FDS_MAX + 1; i++) {
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    "%s" RB_FDNAME, k > 0 ? ":" : "");
		pass[k++] = fds[i];
	}
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		lfd = open(d.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
		if (lfd < 0)
			_exit(126);
		dup2(lfd, STDOUT_FILENO);
		dup2(lfd, STDERR_FILENO);
		/* out of the way first, then in place from fd 3 on */
		for (i = 0; i < k; i++)
			if ((hi[i] = fcntl(pass[i], F_DUPFD_CLOEXEC, 200)) < 0)
				_exit(126);
		for (i = 0; i < k; i++)
			if (dup2(hi[i], 3 + (int)i) < 0)
				_exit(126);
		snprintf(num, sizeof(num), "%zu", k);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_FDNAMES", names, 1);
		snprintf(num, sizeof(num), "%ld", (long)getpid());
		setenv("LISTEN_PID", num, 1);
		unsetenv("RINGD_SOCKET");
		execl(bin, bin, "-f", "-S", d.sock, "-c", d.conf, (char *)NULL);
		_exit(127);
	}
	d.pid = pid;
	d.fd_base = d.fd_client = d.map_base = -1;
	end = clock_ns() + 5000000000ull;
	while ((fd = td_sock_connect(d.sock)) < 0) {
		if (!td_alive(&d) || clock_ns() > end)
			TD_FAIL(&d, "ringd did not come up with the fd store");
		tu_sleep_ms(2);
	}
	close(fd);
}

/* A listening socket at d.sock, as ringd.socket makes it. */
static int
rb_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.sock);
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(listen(fd, 16));
	return fd;
}

/* --- the sub-tests ----------------------------------------------------------- */

/* The pattern of the persistent region, byte i. */
static uint8_t
rb_pattern(size_t i)
{
	return (uint8_t)(mix64(i / 8) >> (8 * (i % 8)));
}

/*
 * Write the pattern into the persistent region through a connection of
 * our own that then closes: only ringd holds its memory afterwards.
 */
static void
rb_fill(uint64_t base)
{
	struct ring_ctl *c = td_connect(&d);
	uint8_t *p;
	size_t i;

	TAP_OK(
	    ring_physmap(c, base, RB_REGION, RING_PHYSMAP_WRITE, (void **)&p));
	for (i = 0; i < RB_REGION; i++)
		p[i] = rb_pattern(i);
	TAP_OK(ring_physunmap(p, RB_REGION));
	ring_ctl_close(c);
}

/* ringctl -j physmap of the region's first bytes must show the pattern. */
static void
rb_check_pattern(uint64_t id)
{
	char want[2 * 64 + 1], sid[32];
	struct tp_proc p;
	size_t i;

	for (i = 0; i < 64; i++)
		snprintf(want + 2 * i, 3, "%02x", rb_pattern(i));
	snprintf(sid, sizeof(sid), "%" PRIu64, id);
	rb_spawn(&p, "physmap", "ringctl/ringctl", "-j", "physmap", "--len",
	    "64", sid, (char *)NULL);
	tp_expect(&p, 10000, 0);
	tp_says(&p, want);
}

/*
 * ringctl -j WHAT -q must list exactly the ids of before's rings (WHAT
 * "rings") or regions ("regions"), in ringd's order.
 */
static void
rb_ringctl_lists(const char *what, const struct rb_model *before)
{
	bool rings = strcmp(what, "rings") == 0;
	size_t i, n = rings ? before->nrings : before->nregs;
	char want[512] = "[";
	struct tp_proc p;

	for (i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
		    "%s%" PRIu64, i > 0 ? "," : "",
		    rings ? before->ring[i].ring_id : before->reg[i].region_id);
	strcat(want, "]");
	rb_spawn(&p, what, "ringctl/ringctl", "-j", what, "-q", (char *)NULL);
	tp_expect(&p, 10000, 0);
	tp_says(&p, want);
}

/* The persistent region ringctl allocates: its id and base. */
static void
rb_physalloc(uint64_t *id, uint64_t *base)
{
	struct tp_proc p;
	const char *at;

	rb_spawn(&p, "physalloc", "ringctl/ringctl", "-j", "physalloc",
	    "--persist", "64K", (char *)NULL);
	tp_expect(&p, 10000, 0);
	if ((at = strstr(tp_log(&p), "\"id\":")) == NULL) {
		tp_dump(&p);
		TAP_FAIL("no id in ringctl's answer");
	}
	*id = strtoull(at + strlen("\"id\":"), NULL, 10);
	if ((at = strstr(tp_log(&p), "\"base\":")) == NULL)
		TAP_FAIL("no base in ringctl's answer");
	*base = strtoull(at + strlen("\"base\":"), NULL, 10);
}

/*
 * Wait until ringd lists nrings rings, each past 100 answers, and nregs
 * regions (SIZE_MAX: any number); *m is that snapshot.
 */
static void
rb_await_going(struct rb_model *m, size_t nrings, size_t nregs)
{
	uint64_t end = clock_ns() + 10000000000ull;
	size_t i, going;

	for (;;) {
		TAP_ASSERT(rb_snapshot(m));
		for (i = going = 0; i < m->nrings; i++)
			going += m->ring[i].cq.push_epoch > 100;
		if (m->nrings == nrings && going == nrings &&
		    (nregs == SIZE_MAX || m->nregs == nregs))
			return;
		rb_model_free(m);
		if (clock_ns() > end)
			TD_FAIL(&d, "the drivers did not get going in 10 s");
		tu_sleep_ms(10);
	}
}

/* Wait until a driver has answers past its count of requests done now. */
static void
rb_await_progress(struct ring_ctl_ring *was, size_t n)
{
	uint64_t end = clock_ns() + 10000000000ull;
	struct rb_model m;
	size_t i, moved;

	do {
		moved = 0;
		if (clock_ns() > end)
			TD_FAIL(&d, "the drivers made no progress in 10 s");
		tu_sleep_ms(10);
		if (!rb_snapshot(&m))
			continue;
		for (i = 0; i < n; i++) {
			const struct ring_ctl_ring *g = rb_ring(&m,
			    was[i].ring_id);

			if (g != NULL &&
			    g->cq.push_epoch > was[i].cq.push_epoch + 100)
				moved++;
		}
		rb_model_free(&m);
	} while (moved < n);
}

/*
 * The acceptance test: scheme, two verifying drivers under load and a
 * persistent region written by us; ringd restarted on the same socket.
 */
TAP_TEST(t_restart_under_load,
    "blkdev and a persistent region ride through a ringd restart", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 10000\n";
	struct tp_proc s, v[2];
	struct rb_model before, now;
	int nfd, fds[RB_FDS_MAX];
	uint64_t pid_id, pid_base, t0, t_back = 0;
	const struct ring_phys_region *r;
	size_t nfds, i;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, conf);
	nfd = rb_notify_open();
	td_start(&d, conf, TD_NOTIFY);
	rb_spawn(&s, "scheme", "examples/blkdev-scheme", "-n", "rb", "-s",
	    "32M", (char *)NULL);
	rb_await_scheme("rb", &s);
	rb_spawn(&v[0], "load0", "examples/blkdev-driver", "-n", "rb", "-m",
	    "load", "-q", "16", "-o", "0", "-l", "4M", "-j", (char *)NULL);
	rb_spawn(&v[1], "load1", "examples/blkdev-driver", "-n", "rb", "-m",
	    "load", "-q", "8", "-b", "8K", "-g", "2", "-o", "8M", "-l", "4M",
	    "-j", (char *)NULL);
	rb_physalloc(&pid_id, &pid_base);
	rb_fill(pid_base);
	/* both drivers run, each with its region granted to the scheme */
	rb_await_going(&before, 2, 3);

	/* systemctl restart ringd */
	td_stop(&d);
	nfds = rb_notify_fds(nfd, fds, 0);
	TAP_EQ_U(nfds, 3); /* every region was mapped: 3 memory files */
	t0 = clock_ns();
	rb_start_with_store(conf, -1, fds, nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	for (;;) {
		if (rb_snapshot(&now)) {
			if (rb_all_back(&before, &now))
				break;
			rb_model_free(&now);
		}
		if (clock_ns() - t0 > (uint64_t)RB_BACK_MS * 1000000) {
			td_dump_log(&d, 30);
			TAP_FAIL("not everything was listed again within %u ms",
			    RB_BACK_MS);
		}
		tu_sleep_ms(2);
	}
	t_back = clock_ns() - t0;
	tap_diag("restart: every ring and region listed again after %.1f ms",
	    (double)t_back / 1e6);
	/* and ringctl lists the same */
	rb_ringctl_lists("rings", &before);
	rb_ringctl_lists("regions", &before);
	/* the persistent region came back with its memory, from the store */
	r = rb_region(&now, pid_id);
	TAP_ASSERT(r != NULL);
	TAP_EQ_U(r->mapped, 1);
	TAP_EQ_U(r->flags, RING_PHYS_PERSIST);
	rb_model_free(&now);
	rb_check_pattern(pid_id);
	/* ringd held all three memory files: all came from the store */
	TAP_ASSERT(td_log_has(&d,
	    "3 regions left by the last ringd are back, 3 "
	    "with their memory from the service manager"));

	/* the drivers keep verifying through the new ringd */
	rb_await_progress(before.ring, before.nrings);
	rb_model_free(&before);
	for (i = 0; i < 2; i++)
		TAP_SYS(kill(v[i].pid, SIGTERM));
	for (i = 0; i < 2; i++) {
		tp_expect(&v[i], RB_END_MS, 0);
		TAP_EQ_U(rb_json_u64(&v[i], "errors"), 0);
		TAP_EQ_U(rb_json_u64(&v[i], "mismatches"), 0);
		TAP_EQ_U(rb_json_u64(&v[i], "unanswered"), 0);
		TAP_EQ_U(rb_json_u64(&v[i], "shutdowns"), 0);
		TAP_EQ_U(rb_json_u64(&v[i], "ringd_restarts"), 1);
		TAP_EQ_U(rb_json_u64(&v[i], "submitted"),
		    rb_json_u64(&v[i], "requests"));
		tp_says(&v[i],
		    "ringd is back; ring and DMA memory handed back");
	}
	TAP_SYS(kill(s.pid, SIGTERM));
	tp_expect(&s, RB_END_MS, 0);
	tp_says(&s, "ringd is back; 'rb' registered again");
	tp_says(&s, " 0 errors, 1 ringd restarts");
	/* the drivers' regions went with them; the persistent one stays */
	TAP_ASSERT(rb_snapshot(&now));
	TAP_EQ_U(now.nregs, 1);
	TAP_EQ_U(now.reg[0].region_id, pid_id);
	rb_model_free(&now);
	close(nfd);
	unsetenv("NOTIFY_SOCKET");
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * Under ringd.socket: the listening socket comes first (named
 * ringd.socket), the stored memory files after it.  ringd serves on the
 * socket it was given and the persistent region keeps its contents.
 */
TAP_TEST(t_restart_activated,
    "socket activation and the fd store together", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 10000\n";
	struct rb_model m;
	uint64_t id, base;
	int nfd, lsock, fds[RB_FDS_MAX];
	size_t nfds, i;

	memset(&d, 0, sizeof(d));
	td_prepare(&d, conf);
	nfd = rb_notify_open();
	td_start(&d, conf, TD_NOTIFY);
	rb_physalloc(&id, &base);
	rb_fill(base);
	td_stop(&d);
	nfds = rb_notify_fds(nfd, fds, 0);
	TAP_EQ_U(nfds, 1);
	lsock = rb_listen();
	rb_start_with_store(conf, lsock, fds, nfds);
	close(lsock);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	TAP_ASSERT(rb_snapshot(&m));
	TAP_EQ_U(m.nregs, 1);
	TAP_EQ_U(m.reg[0].region_id, id);
	TAP_EQ_U(m.reg[0].base, base);
	TAP_EQ_U(m.reg[0].mapped, 1);
	rb_model_free(&m);
	rb_check_pattern(id);
	TAP_ASSERT(td_log_has(&d,
	    "1 regions left by the last ringd are back, 1 "
	    "with their memory from the service manager"));
	/* the store was emptied for the next start */
	nfds = rb_notify_fds(nfd, fds, 0);
	TAP_EQ_U(nfds, 0);
	close(nfd);
	unsetenv("NOTIFY_SOCKET");
	/* an activated ringd leaves its socket to the socket unit */
	TAP_SYS(kill(d.pid, SIGTERM));
	TAP_ASSERT(td_wait_exit(&d, 10000));
	TAP_ASSERT(WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0);
	TAP_SYS(unlink(d.sock));
	td_cleanup(&d);
}

/*
 * The same without systemd: the memory of the drivers' regions comes back
 * from the processes that map them; the persistent region only ringd
 * held comes back empty.  While its memory might still come, mapping it
 * fails with EAGAIN; after the adopt window it is fresh, zeroed memory.
 */
TAP_TEST(t_restart_without_store,
    "without systemd: held memory comes back, the rest is new", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 8000\n";
	struct tp_proc s, v, p;
	struct rb_model before, now;
	const struct ring_phys_region *r;
	struct ring_ctl *c;
	uint64_t pid_id, pid_base, t0, i;
	uint8_t *mem = NULL;
	char sid[32];
	int rc;

	unsetenv("NOTIFY_SOCKET");
	td_begin(&d, conf);
	rb_spawn(&s, "scheme", "examples/blkdev-scheme", "-n", "rn", "-s",
	    "16M", (char *)NULL);
	rb_await_scheme("rn", &s);
	rb_spawn(&v, "load", "examples/blkdev-driver", "-n", "rn", "-m", "load",
	    "-q", "8", "-l", "2M", "-j", (char *)NULL);
	rb_physalloc(&pid_id, &pid_base);
	rb_fill(pid_base);
	rb_await_going(&before, 1, 2);
	td_stop(&d);
	t0 = clock_ns();
	td_start(&d, conf, 0);
	for (;;) {
		if (rb_snapshot(&now)) {
			if (rb_all_back(&before, &now))
				break;
			rb_model_free(&now);
		}
		if (clock_ns() - t0 > (uint64_t)RB_BACK_MS * 1000000)
			TD_FAIL(&d, "not everything was listed again in time");
		tu_sleep_ms(2);
	}
	tap_diag("restart without the fd store: listed again after %.1f ms",
	    (double)(clock_ns() - t0) / 1e6);
	/* the driver's region has its memory again, from its holders */
	for (i = 0; i < now.nregs; i++)
		if (now.reg[i].region_id != pid_id)
			TAP_EQ_U(now.reg[i].mapped, 1);
	r = rb_region(&now, pid_id);
	TAP_ASSERT(r != NULL);
	TAP_EQ_U(r->mapped, 0);
	rb_model_free(&now);
	/* its memory might still come: not an empty file meanwhile */
	snprintf(sid, sizeof(sid), "%" PRIu64, pid_id);
	rb_spawn(&p, "physmap", "ringctl/ringctl", "physmap", "--len", "64",
	    sid, (char *)NULL);
	tp_expect(&p, 10000, 1);
	tp_says(&p, "resource temporarily unavailable");
	/* after the window: fresh memory */
	c = td_connect(&d);
	t0 = clock_ns();
	while ((rc = ring_physmap(c, pid_base, RB_REGION, 0, (void **)&mem)) ==
	    -EAGAIN) {
		if (clock_ns() - t0 > 20000000000ull)
			TD_FAIL(&d, "the region's memory never became new");
		tu_sleep_ms(50);
	}
	TAP_OK(rc);
	for (i = 0; i < RB_REGION; i++)
		if (mem[i] != 0)
			TAP_FAIL("byte %" PRIu64 " of the new memory is %u", i,
			    mem[i]);
	TAP_OK(ring_physunmap(mem, RB_REGION));
	TAP_OK(ring_physfree(c, pid_base, RB_REGION));
	ring_ctl_close(c);
	/* the driver went on all along */
	rb_await_progress(before.ring, before.nrings);
	rb_model_free(&before);
	TAP_SYS(kill(v.pid, SIGTERM));
	tp_expect(&v, RB_END_MS, 0);
	TAP_EQ_U(rb_json_u64(&v, "errors"), 0);
	TAP_EQ_U(rb_json_u64(&v, "mismatches"), 0);
	TAP_EQ_U(rb_json_u64(&v, "unanswered"), 0);
	TAP_EQ_U(rb_json_u64(&v, "ringd_restarts"), 1);
	TAP_SYS(kill(s.pid, SIGTERM));
	tp_expect(&s, RB_END_MS, 0);
	td_stop(&d);
	td_cleanup(&d);
}

/* PHYS_ADOPT by hand: the reply's error and result. */
static int
rb_adopt(int fd, uint64_t id, uint64_t base, uint64_t size, uint32_t flags,
    int memfd, uint32_t *result)
{
	static uint32_t seq;
	struct proto_phys_adopt req = { .region_id = id,
		.base = base,
		.size = size,
		.flags = flags };
	struct proto_msg m;
	int rc;

	rc = raw_call(fd, PROTO_PHYS_ADOPT, ++seq, &req, sizeof(req), &memfd,
	    memfd >= 0 ? 1 : 0, &m, 5000);
	if (rc == 0 && result != NULL)
		*result = ((struct proto_phys_adopt_reply *)m.body.raw)->result;
	proto_msg_close_fds(&m);
	return rc;
}

/* A region's memory file, by a raw PHYS_MAP (writable). */
static int
rb_memfd(int fd, uint64_t base)
{
	struct proto_phys_map req = { .base = base,
		.size = RING_PHYS_FRAME,
		.flags = RING_PHYSMAP_WRITE };
	struct proto_msg m;

	TAP_OK(raw_call(fd, PROTO_PHYS_MAP, 1000, &req, sizeof(req), NULL, 0,
	    &m, 5000));
	TAP_EQ_U(m.nfds, 1);
	return m.fds[0];
}

/* A sealed memory file of size bytes, like ringd makes: a look-alike. */
static int
rb_lookalike(uint64_t size)
{
	int fd;

	TAP_SYS(
	    fd = memfd_create("ringd-phys-1", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	TAP_SYS(ftruncate(fd, (off_t)size));
	TAP_SYS(
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	return fd;
}

/*
 * Hostile adoption: a region left by the last ringd is named with a
 * look-alike memory file, with a wrong range or id, by another uid
 * without its file, as the owner by another process; all refused, and
 * the rightful holder then takes it back.  After the window: refused,
 * the unclaimed non-persistent region is gone, the persistent one stays.
 */
TAP_TEST(t_bogus_adoption, "bogus region adoption is refused", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 1500\n";
	struct proto_phys_alloc areq = { .size = 8 * RING_PHYS_FRAME,
		.min = 8 * RING_PHYS_FRAME,
		.flags = RING_PHYS_SPACE_64 };
	struct proto_msg m;
	uint64_t base[2], id[2], size = 8 * RING_PHYS_FRAME, t0;
	struct rb_model now;
	uint32_t result = 0;
	int raw, memfd[2], fake, st, i;
	pid_t pid;

	td_begin(&d, conf);
	/* two regions of a raw client: 0 dies with it, 1 persists */
	TAP_SYS(raw = raw_open(d.sock, "holder"));
	for (i = 0; i < 2; i++) {
		areq.region_flags = i == 1 ? RING_PHYS_PERSIST : 0;
		TAP_OK(raw_call(raw, PROTO_PHYS_ALLOC, 10 + (uint32_t)i, &areq,
		    sizeof(areq), NULL, 0, &m, 5000));
		base[i] = ((struct proto_phys_alloc_reply *)m.body.raw)->base;
		id[i] = ((struct proto_phys_alloc_reply *)m.body.raw)
			    ->region_id;
		memfd[i] = rb_memfd(raw, base[i]);
	}
	td_stop(&d);
	close(raw); /* our connection broke: the regions wait for us */
	td_start(&d, conf, 0);
	TAP_SYS(raw = raw_open(d.sock, "holder"));

	fake = rb_lookalike(size);
	TAP_EQ(rb_adopt(raw, id[0], base[0], size, PROTO_PHYS_ADOPT_CLAIM, fake,
		   NULL),
	    -EBADF);
	close(fake);
	/* a memory file of another region is no better */
	TAP_EQ(rb_adopt(raw, id[0], base[0], size, 0, memfd[1], NULL), -EBADF);
	TAP_EQ(rb_adopt(raw, id[0], base[0] + RING_PHYS_FRAME, size, 0, -1,
		   NULL),
	    -ENOENT);
	TAP_EQ(rb_adopt(raw, id[0] + 100, base[0], size, 0, -1, NULL), -ENOENT);
	TAP_EQ(rb_adopt(raw, id[0], base[0], size - RING_PHYS_FRAME, 0, -1,
		   NULL),
	    -ENOENT);
	/* unknown flags break the protocol */
	TAP_EQ(rb_adopt(raw, id[0], base[0], size, 0x80, -1, NULL), -EINVAL);
	/* another uid without the file; another process claiming it */
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int fd2;

		td_become_nobody();
		if ((fd2 = raw_open(d.sock, "thief")) < 0)
			_exit(10);
		if (rb_adopt(fd2, id[0], base[0], size, 0, -1, NULL) != -EPERM)
			_exit(11);
		if (rb_adopt(fd2, id[0], base[0], size, PROTO_PHYS_ADOPT_CLAIM,
			-1, NULL) != -EPERM)
			_exit(12);
		_exit(0);
	}
	TAP_SYS(waitpid(pid, &st, 0));
	TAP_ASSERT(WIFEXITED(st));
	TAP_EQ(WEXITSTATUS(st), 0);
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int fd2 = raw_open(d.sock, "other");

		_exit(fd2 >= 0 &&
			    rb_adopt(fd2, id[0], base[0], size,
				PROTO_PHYS_ADOPT_CLAIM, memfd[0],
				NULL) == -EPERM
			? 0
			: 1);
	}
	TAP_SYS(waitpid(pid, &st, 0));
	TAP_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/*
	 * None of that made anyone its owner: still waiting.  The refused
	 * claim came with the region's own memory file, which ringd keeps
	 * so that a refusal loses no memory.
	 */
	TAP_ASSERT(rb_snapshot(&now));
	TAP_EQ_U(now.nregs, 2);
	TAP_EQ_U(rb_region(&now, id[0])->client_id, 0);
	TAP_EQ_U(rb_region(&now, id[0])->mapped, 1);
	rb_model_free(&now);

	/* the rightful holder takes region 1's memory back, owns region 0 */
	TAP_OK(rb_adopt(raw, id[1], base[1], size, 0, memfd[1], &result));
	TAP_EQ_U(result, PROTO_PHYS_ADOPT_MEMORY);
	TAP_OK(rb_adopt(raw, id[1], base[1], size, 0, memfd[1], &result));
	TAP_EQ_U(result, 0); /* nothing new the second time */

	/* after the window: refused, and region 0 is gone unclaimed */
	t0 = clock_ns();
	for (;;) {
		TAP_ASSERT(rb_snapshot(&now));
		if (now.nregs == 1)
			break;
		rb_model_free(&now);
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "region %" PRIu64 " outlived the window",
			    id[0]);
		tu_sleep_ms(20);
	}
	TAP_EQ_U(now.reg[0].region_id, id[1]);
	TAP_EQ_U(now.reg[0].mapped, 1);
	rb_model_free(&now);
	TAP_EQ(rb_adopt(raw, id[0], base[0], size, PROTO_PHYS_ADOPT_CLAIM,
		   memfd[0], NULL),
	    -ENOENT);
	TAP_EQ(rb_adopt(raw, id[1], base[1], size, 0, memfd[1], NULL), -ENOENT);
	TAP_ASSERT(td_log_has(&d, "did not come back; freed"));
	/* the range of region 0 is free again for anyone */
	areq.region_flags = 0;
	TAP_OK(raw_call(raw, PROTO_PHYS_ALLOC, 30, &areq, sizeof(areq), NULL, 0,
	    &m, 5000));
	tu_pipe_close(memfd);
	close(raw);
	{
		struct ring_ctl *c = td_connect(&d);

		TAP_OK(ring_physfree(c, base[1], size));
		ring_ctl_close(c);
	}
	td_finish(&d);
}

/*
 * ringd restarted twice before a region's owner comes back: what the
 * second ringd had not got back yet (the owner, the memory file's
 * identity) carries over to the third, and the owner then takes its
 * region back whole.
 */
TAP_TEST(t_two_restarts,
    "two restarts before the owner comes back", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 10000\n";
	struct proto_phys_alloc areq = { .size = 4 * RING_PHYS_FRAME,
		.min = 4 * RING_PHYS_FRAME,
		.flags = RING_PHYS_SPACE_32 };
	const struct ring_phys_region *r;
	struct rb_model now;
	struct proto_msg m;
	uint64_t base, id;
	uint32_t result = 0;
	uint8_t *p;
	int raw, memfd;

	td_begin(&d, conf);
	TAP_SYS(raw = raw_open(d.sock, "holder"));
	TAP_OK(raw_call(raw, PROTO_PHYS_ALLOC, 10, &areq, sizeof(areq), NULL, 0,
	    &m, 5000));
	base = ((struct proto_phys_alloc_reply *)m.body.raw)->base;
	id = ((struct proto_phys_alloc_reply *)m.body.raw)->region_id;
	memfd = rb_memfd(raw, base);
	p = mmap(NULL, 4 * RING_PHYS_FRAME, PROT_READ | PROT_WRITE, MAP_SHARED,
	    memfd, 0);
	TAP_ASSERT(p != MAP_FAILED);
	p[100] = 0xa5;
	td_stop(&d);
	close(raw);
	td_start(&d, conf, 0);
	td_stop(&d); /* nobody came back to this one */
	td_start(&d, conf, 0);
	TAP_SYS(raw = raw_open(d.sock, "holder"));
	TAP_OK(rb_adopt(raw, id, base, 4 * RING_PHYS_FRAME,
	    PROTO_PHYS_ADOPT_CLAIM, memfd, &result));
	TAP_EQ_U(result, PROTO_PHYS_ADOPT_OWNER | PROTO_PHYS_ADOPT_MEMORY);
	TAP_ASSERT(rb_snapshot(&now));
	TAP_EQ_U(now.nregs, 1);
	r = rb_region(&now, id);
	TAP_ASSERT(r != NULL);
	TAP_EQ_U(r->base, base);
	TAP_ASSERT(r->client_id != 0);
	TAP_EQ_U(r->mapped, 1);
	rb_model_free(&now);
	/* ringd serves that very memory again */
	close(memfd);
	memfd = rb_memfd(raw, base);
	munmap(p, 4 * RING_PHYS_FRAME);
	p = mmap(NULL, 4 * RING_PHYS_FRAME, PROT_READ, MAP_SHARED, memfd, 0);
	TAP_ASSERT(p != MAP_FAILED);
	TAP_EQ_U(p[100], 0xa5);
	munmap(p, 4 * RING_PHYS_FRAME);
	close(memfd);
	/* owned by this connection again: it dies with it */
	close(raw);
	td_finish(&d);
}

/*
 * Today's policy applies to a claim: a region uid 65534 allocated while
 * users could, claimed back after a restart into phys_allow_users = no,
 * is refused (EPERM); its memory may still be handed back, and it dies
 * unclaimed when the window ends.
 */
TAP_TEST(t_claim_policy, "a claim meets today's policy", TAP_TIMEOUT)
{
	static const char conf1[] = "adopt_timeout_ms = 10000\n"
				    "phys_allow_users = yes\n";
	static const char conf2[] = "adopt_timeout_ms = 1500\n"
				    "phys_allow_users = no\n";
	struct rb_model now;
	uint64_t t0;
	int up[2], go[2], st;
	pid_t pid;

	td_begin(&d, conf1);
	tu_pipe(up);
	tu_pipe(go);
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		struct proto_phys_alloc areq = { .size = 4 * RING_PHYS_FRAME,
			.min = 4 * RING_PHYS_FRAME,
			.flags = RING_PHYS_SPACE_64 };
		struct proto_phys_map mreq = { .size = RING_PHYS_FRAME,
			.flags = RING_PHYSMAP_WRITE };
		struct proto_msg m;
		uint64_t base, id, size = 4 * RING_PHYS_FRAME;
		uint32_t result = 0;
		int raw, memfd;
		char c;

		td_become_nobody();
		if ((raw = raw_open(d.sock, "nobody")) < 0 ||
		    raw_call(raw, PROTO_PHYS_ALLOC, 10, &areq, sizeof(areq),
			NULL, 0, &m, 5000) != 0)
			_exit(10);
		base = ((struct proto_phys_alloc_reply *)m.body.raw)->base;
		id = ((struct proto_phys_alloc_reply *)m.body.raw)->region_id;
		mreq.base = base;
		if (raw_call(raw, PROTO_PHYS_MAP, 11, &mreq, sizeof(mreq), NULL,
			0, &m, 5000) != 0 ||
		    m.nfds != 1)
			_exit(11);
		memfd = m.fds[0];
		if (write(up[1], "a", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(12);
		close(raw);
		if ((raw = raw_open(d.sock, "nobody")) < 0)
			_exit(13);
		if (rb_adopt(raw, id, base, size, PROTO_PHYS_ADOPT_CLAIM, memfd,
			NULL) != -EPERM)
			_exit(14);
		/* the refused claim still handed the memory back */
		if (rb_adopt(raw, id, base, size, 0, memfd, &result) != 0 ||
		    result != 0)
			_exit(15);
		_exit(0);
	}
	tu_await(up[0], 10000);
	td_stop(&d);
	td_start(&d, conf2, 0);
	tu_notify(go[1]);
	TAP_SYS(waitpid(pid, &st, 0));
	TAP_ASSERT(WIFEXITED(st));
	TAP_EQ(WEXITSTATUS(st), 0);
	/* unclaimed, it dies when the window ends */
	t0 = clock_ns();
	for (;;) {
		TAP_ASSERT(rb_snapshot(&now));
		if (now.nregs == 0)
			break;
		TAP_EQ_U(now.reg[0].client_id, 0);
		rb_model_free(&now);
		if (clock_ns() - t0 > 10000000000ull)
			TD_FAIL(&d, "the unclaimed region outlived the window");
		tu_sleep_ms(20);
	}
	rb_model_free(&now);
	td_finish(&d);
}

/* The state file's layout (ringd/state.c), checked against a real one. */
#define RB_STATE_HDR 40u	       /* magic .. next_region_id */
#define RB_REGION_REC (88u + 8u * 16u) /* struct state_region */
#define RB_REC_ID 0u
#define RB_REC_BASE 8u
#define RB_REC_SIZE 16u
#define RB_REC_ZONE 24u
#define RB_REC_NGRANTS (RB_REGION_REC - 8u * 16u - 4u)

/*
 * A state file with bad region records (it takes ringd's uid to write
 * one): a range that overlaps another, an unknown zone, size 0, a base
 * off the frame grid or past the zones, too many grants.  ringd starts,
 * says each is lost, and re-creates only the good ones.
 */
TAP_TEST(t_bad_state,
    "bad region records in the state file are dropped", TAP_TIMEOUT)
{
	static const char conf[] = "adopt_timeout_ms = 10000\n";
	struct proto_phys_alloc areq = { .size = 16 * RING_PHYS_FRAME,
		.min = 16 * RING_PHYS_FRAME,
		.flags = RING_PHYS_SPACE_64,
		.region_flags = RING_PHYS_PERSIST };
	static uint8_t file[RB_STATE_HDR + 8 * RB_REGION_REC];
	uint8_t good[2][RB_REGION_REC], *rec;
	uint64_t id[2], v;
	struct proto_msg m;
	struct rb_model now;
	char path[TD_PATH_MAX + 8];
	uint32_t n32;
	int raw, fd, i, len;

	td_begin(&d, conf);
	TAP_SYS(raw = raw_open(d.sock, "alloc"));
	for (i = 0; i < 2; i++) {
		TAP_OK(raw_call(raw, PROTO_PHYS_ALLOC, 10 + (uint32_t)i, &areq,
		    sizeof(areq), NULL, 0, &m, 5000));
		id[i] = ((struct proto_phys_alloc_reply *)m.body.raw)
			    ->region_id;
	}
	close(raw);
	td_stop(&d);
	snprintf(path, sizeof(path), "%s.state", d.sock);
	len = td_read_file(path, (char *)file, sizeof(file));
	TAP_EQ(len, (int)(RB_STATE_HDR + 2 * RB_REGION_REC));
	memcpy(good, file + RB_STATE_HDR, sizeof(good));
	memcpy(&v, good[0] + RB_REC_ID, 8);
	TAP_EQ_U(v, id[0]);
	/* the bad ones: copies of a good one, each broken one way */
	for (i = 0; i < 6; i++) {
		rec = file + RB_STATE_HDR + (2 + (size_t)i) * RB_REGION_REC;
		memcpy(rec, good[1], RB_REGION_REC);
		v = 1000 + (uint64_t)i;
		memcpy(rec + RB_REC_ID, &v, 8);
	}
	rec = file + RB_STATE_HDR + 2 * RB_REGION_REC; /* overlaps region 0 */
	memcpy(rec + RB_REC_BASE, good[0] + RB_REC_BASE, 8);
	rec += RB_REGION_REC;
	n32 = 7;
	memcpy(rec + RB_REC_ZONE, &n32, 4);
	rec += RB_REGION_REC;
	v = 0;
	memcpy(rec + RB_REC_SIZE, &v, 8);
	rec += RB_REGION_REC;
	memcpy(&v, good[1] + RB_REC_BASE, 8);
	v += 100;
	memcpy(rec + RB_REC_BASE, &v, 8);
	rec += RB_REGION_REC;
	v = 1ull << 50;
	memcpy(rec + RB_REC_BASE, &v, 8);
	rec += RB_REGION_REC;
	n32 = 200;
	memcpy(rec + RB_REC_NGRANTS, &n32, 4);
	n32 = 8;
	memcpy(file + 24, &n32, 4); /* nregions */
	TAP_SYS(fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC));
	TAP_EQ((int)write(fd, file, sizeof(file)), (int)sizeof(file));
	close(fd);

	td_start(&d, conf, 0);
	TAP_ASSERT(rb_snapshot(&now));
	TAP_EQ_U(now.nregs, 2);
	TAP_ASSERT(rb_region(&now, id[0]) != NULL);
	TAP_ASSERT(rb_region(&now, id[1]) != NULL);
	rb_model_free(&now);
	TAP_ASSERT(td_log_has(&d, "region 1000 "));
	TAP_ASSERT(td_log_has(&d, "region 1005 "));
	TAP_ASSERT(td_log_has(&d, "2 regions left by the last ringd are back"));
	/* they are what they were: the owner frees them */
	{
		struct ring_ctl *c = td_connect(&d);

		for (i = 0; i < 2; i++) {
			const struct ring_phys_region *r;

			TAP_ASSERT(rb_snapshot(&now));
			r = rb_region(&now, id[i]);
			TAP_ASSERT(r != NULL);
			TAP_OK(ring_physfree(c, r->base, r->size));
			rb_model_free(&now);
		}
		ring_ctl_close(c);
	}
	td_finish(&d);
}

/*
 * ringd SIGKILLed: no state file.  The scheme and the driver go on; the
 * ring comes back (a new id), the regions do not: the driver says so and
 * stops, with every request answered and its data intact.
 */
TAP_TEST(t_killed,
    "after a SIGKILLed ringd rings come back, regions do not", TAP_TIMEOUT)
{
	struct tp_proc s, v;
	struct rb_model m;

	td_begin(&d, "adopt_timeout_ms = 10000\n");
	rb_spawn(&s, "scheme", "examples/blkdev-scheme", "-n", "rk", "-s",
	    "16M", (char *)NULL);
	rb_await_scheme("rk", &s);
	rb_spawn(&v, "load", "examples/blkdev-driver", "-n", "rk", "-m", "load",
	    "-q", "8", "-l", "2M", "-j", (char *)NULL);
	rb_await_going(&m, 1, SIZE_MAX);
	rb_model_free(&m);
	td_kill(&d);
	td_start(&d, "adopt_timeout_ms = 10000\n", 0);
	/* the driver notices, takes what is in flight, and stops */
	tp_expect(&v, RB_END_MS, 1);
	tp_says(&v, "ringd came back without the ring or the DMA memory");
	TAP_EQ_U(rb_json_u64(&v, "errors"), 0);
	TAP_EQ_U(rb_json_u64(&v, "mismatches"), 0);
	TAP_EQ_U(rb_json_u64(&v, "unanswered"), 0);
	TAP_EQ_U(rb_json_u64(&v, "submitted"), rb_json_u64(&v, "requests"));
	/* no region is known; the scheme is back and serves on */
	TAP_ASSERT(rb_snapshot(&m));
	TAP_EQ_U(m.nregs, 0);
	rb_model_free(&m);
	rb_await_scheme("rk", &s);
	rb_spawn(&v, "verify", "examples/blkdev-driver", "-n", "rk", "-m",
	    "verify", "-l", "1M", (char *)NULL);
	tp_expect(&v, RB_END_MS, 0);
	tp_says(&v, " 0 errors, 0 mismatches");
	TAP_SYS(kill(s.pid, SIGTERM));
	tp_expect(&s, RB_END_MS, 0);
	/* (the scheme was back before ringd could count its idle state) */
	td_stop(&d);
	td_cleanup(&d);
}

/* Once per program: the private directory; writes to a dead pipe fail. */
static void
rb_setup(void)
{
	td_setup();
	signal(SIGPIPE, SIG_IGN);
}

TAP_MAIN(rb_setup)
