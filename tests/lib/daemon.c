/*
 * daemon.c - start, watch and stop a private ringd for the integration
 * tests (see daemon.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/proto.h"
#include "daemon.h"
#include "testutil.h"

#define TD_START_MS 5000u /* ringd must answer within this */
#define TD_STOP_MS 10000u /* and exit within this after SIGTERM */
#define TD_SETTLE_MS 10000u /* ringd must report itself idle within this */
#define TD_REPLY_MS 10000u  /* and answer a probe, or let it go, within this */

static char td_base[64]; /* the program's temporary directory */
static pid_t td_owner;	 /* the process that removes it */
static char td_bin[PATH_MAX];
static bool td_bin_looked;

static int
td_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
td_rm_tree(const char *dir)
{
	if (dir[0] != '\0')
		(void)nftw(dir, td_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* atexit: sub-tests inherit the handler, only main may act on it. */
static void
td_atexit(void)
{
	if (getpid() == td_owner)
		td_rm_tree(td_base);
}

void
td_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	n = snprintf(td_base, sizeof(td_base), "%s/ringd-tests.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(td_base) || mkdtemp(td_base) == NULL) {
		/* fall back to /tmp: a long TMPDIR would not fit sun_path */
		snprintf(td_base, sizeof(td_base), "/tmp/ringd-tests.XXXXXX");
		if (mkdtemp(td_base) == NULL) {
			fprintf(stderr, "td_setup: mkdtemp: %s\n",
			    strerror(errno));
			exit(1);
		}
	}
	/* traversable, so a helper running as another uid reaches a socket */
	(void)chmod(td_base, 0711);
	td_owner = getpid();
	atexit(td_atexit);
}

const char *
td_build_bin(const char *env, const char *rel, char *buf, size_t len)
{
	if (build_path(env, rel, buf, len) < 0)
		TAP_FAIL("no program of this build at '%s' (make it first)",
		    buf);
	return buf;
}

const char *
td_binary(void)
{
	if (td_bin_looked)
		return td_bin[0] != '\0' ? td_bin : NULL;
	td_bin_looked = true;
	if (build_path("RINGD_BIN", "ringd/ringd", td_bin,
		sizeof(td_bin)) < 0) {
		td_bin[0] = '\0';
		return NULL;
	}
	return td_bin;
}

int
td_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

static void
td_write_file(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd;

	/* write a new file and rename it: a reload never sees half of it */
	char tmp[TD_PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		TAP_FAIL("cannot create '%s': %s", tmp, tap_rcname(-errno));
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			TAP_FAIL("cannot write '%s': %s", tmp,
			    tap_rcname(-errno));
		off += (size_t)n;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		TAP_FAIL("cannot rename '%s': %s", tmp, tap_rcname(-errno));
}

void
td_prepare(struct td *d, const char *conf)
{
	if (d->dir[0] != '\0')
		goto conf;
	memset(d, 0, sizeof(*d));
	if (td_base[0] == '\0')
		TAP_FAIL("td_setup() was not called from main");
	snprintf(d->dir, sizeof(d->dir), "%s/d.XXXXXX", td_base);
	if (mkdtemp(d->dir) == NULL)
		TAP_FAIL("mkdtemp '%s': %s", d->dir, tap_rcname(-errno));
	(void)chmod(d->dir, 0711);
	snprintf(d->sock, sizeof(d->sock), "%s/ringd.sock", d->dir);
	snprintf(d->conf, sizeof(d->conf), "%s/ringd.conf", d->dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/ringd.pid", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/ringd.log", d->dir);
conf:
	td_write_conf(d, conf);
}

void
td_write_conf(const struct td *d, const char *conf)
{
	td_write_file(d->conf, conf != NULL ? conf : "# empty: defaults\n");
}

void
td_dump_log(const struct td *d, unsigned lines)
{
	static char buf[64 * 1024];
	char *p, *start;
	unsigned k = 0;
	int n;

	if (d->log[0] == '\0' ||
	    (n = td_read_file(d->log, buf, sizeof(buf))) <= 0)
		return;
	/* find the start of the last `lines` lines */
	p = buf + n;
	if (p > buf && p[-1] == '\n')
		*--p = '\0';
	start = buf;
	while (p > buf) {
		p--;
		if (*p == '\n' && ++k == lines) {
			start = p + 1;
			break;
		}
	}
	tap_diag("ringd log (%s), last lines:", d->log);
	for (p = start; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		tap_diag("  | %s", p);
		p = nl != NULL ? nl + 1 : NULL;
	}
}

bool
td_log_has(const struct td *d, const char *s)
{
	static char buf[256 * 1024];

	if (td_read_file(d->log, buf, sizeof(buf)) < 0)
		return false;
	return strstr(buf, s) != NULL;
}

unsigned
td_log_count(const struct td *d, const char *s)
{
	static char buf[256 * 1024];
	const char *p;
	unsigned n = 0;

	if (td_read_file(d->log, buf, sizeof(buf)) < 0)
		return 0;
	for (p = buf; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

void
td_sighup_expect(struct td *d, const char *mark, unsigned ms)
{
	unsigned before = td_log_count(d, mark), i;

	TAP_SYS(kill(d->pid, SIGHUP));
	for (i = 0; i < ms / 10 && td_log_count(d, mark) == before; i++)
		tu_sleep_ms(10);
	if (td_log_count(d, mark) == before)
		TD_FAIL(d, "no '%s' within %u ms of SIGHUP", mark, ms);
}

/* In the child: become ringd.  Only async-signal-safe-ish calls here. */
static void
td_exec(struct td *d, unsigned flags, const char *bin, const char *const *extra,
    pid_t parent)
{
	const char *argv[36];
	sigset_t none;
	bool prlimit = false;
	int i = 0, fd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(126);
	fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	/* ringd must inherit none of the test's descriptors */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	/* no socket activation, no service manager, no ambient socket */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (!(flags & TD_NOTIFY))
		unsetenv("NOTIFY_SOCKET");
	if (flags & TD_NOFILE_64) {
		struct rlimit rl = { 64, 64 };

		/* valgrind keeps its own descriptors at the top and refuses
		 * this; then prlimit(1) sets it on the way to ringd */
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			prlimit = true;
	}
	if (flags & TD_ENV_RELATIVE) {
		const char *base = strrchr(d->sock, '/');

		if (chdir(d->dir) < 0 || base == NULL)
			_exit(126);
		setenv("RINGD_SOCKET", base + 1, 1);
	} else if (flags & TD_ENV_SOCKET)
		setenv("RINGD_SOCKET", d->sock, 1);
	else if (d->env_sock != NULL)
		setenv("RINGD_SOCKET", d->env_sock, 1);
	else
		unsetenv("RINGD_SOCKET");
	if (prlimit) {
		argv[i++] = "prlimit";
		argv[i++] = "--nofile=64:64";
		argv[i++] = "--";
	}
	argv[i++] = bin;
	if (!(flags & TD_DAEMON))
		argv[i++] = "-f";
	if (!(flags & (TD_ENV_SOCKET | TD_CONF_SOCKET))) {
		argv[i++] = "-S";
		argv[i++] = d->sock;
	}
	argv[i++] = "-c";
	argv[i++] = d->conf;
	if (flags & TD_PIDFILE) {
		argv[i++] = "-p";
		argv[i++] = d->pidfile;
	}
	while (extra != NULL && *extra != NULL && i < 35)
		argv[i++] = *extra++;
	argv[i] = NULL;
	if (prlimit)
		execvp("prlimit", (char *const *)argv);
	else
		execv(bin, (char *const *)argv);
	_exit(127);
}

/* --- probes ------------------------------------------------------------- */

/*
 * A probe is a connection made by hand through the protocol module
 * (HELLO, then STATUS), so that its end can be seen: after
 * shutdown(SHUT_WR) ringd reads end of stream, forgets the client and
 * closes its side, and the probe reads end of stream in turn.
 * ring_ctl_close() gives no such sign, so a connection closed with it may
 * still be counted when the next check runs.
 */

/* Wait up to TD_REPLY_MS for a message; -ECONNRESET at end of stream. */
static int
td_probe_recv(int fd, struct proto_msg *m, uint64_t t0)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t waited;
	int n;

	for (;;) {
		waited = (clock_ns() - t0) / 1000000u;
		if (waited >= TD_REPLY_MS)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(TD_REPLY_MS - waited));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return proto_recv(fd, m);
	}
}

/* One request and its reply: the reply's error word, or -errno. */
static int
td_probe_call(int fd, uint16_t type, const void *body, uint32_t len,
    struct proto_msg *m)
{
	static uint32_t seq;
	uint64_t t0 = clock_ns();
	int32_t err;
	int rc;

	seq++;
	if ((rc = proto_send(fd, type, seq, body, len, NULL, 0)) < 0)
		return rc;
	for (;;) {
		if ((rc = td_probe_recv(fd, m, t0)) < 0)
			return rc;
		proto_msg_close_fds(m);
		if (m->hdr.type == PROTO_ERROR)
			return -EPROTO;
		if (m->hdr.type != (type | PROTO_REPLY) || m->hdr.seq != seq)
			continue; /* not ours to answer */
		memcpy(&err, m->body.raw, sizeof(err));
		return err;
	}
}

/* Connect and say HELLO; *ret is the socket.  -errno on failure. */
static int
td_probe_open(const struct td *d, int *ret)
{
	struct proto_hello h;
	struct proto_msg m;
	int fd, rc;

	if ((fd = td_sock_connect(d->sock)) < 0)
		return fd;
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	memcpy(h.comm, "td-probe", sizeof("td-probe"));
	if ((rc = td_probe_call(fd, PROTO_HELLO, &h, sizeof(h), &m)) < 0) {
		close(fd);
		return rc;
	}
	*ret = fd;
	return 0;
}

static int
td_probe_status(int fd, struct ring_ctl_status *st)
{
	struct proto_msg m;
	int rc;

	if ((rc = td_probe_call(fd, PROTO_STATUS, NULL, 0, &m)) < 0)
		return rc;
	memcpy(st, &((struct proto_status_reply *)m.body.raw)->st,
	    sizeof(*st));
	return 0;
}

/*
 * Hang up and wait until ringd has closed its side: by then it has
 * forgotten the client, and the rest of what it held for it goes in the
 * same loop turn, before it reads another request.  Closes fd.
 */
static int
td_probe_leave(int fd)
{
	struct proto_msg m;
	uint64_t t0 = clock_ns();
	int rc;

	if (shutdown(fd, SHUT_WR) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((rc = td_probe_recv(fd, &m, t0)) >= 0 || rc == -EPROTO ||
	    rc == -EBADMSG || rc == -EMSGSIZE)
		if (rc >= 0)
			proto_msg_close_fds(&m);
	close(fd);
	return rc == -ECONNRESET ? 0 : rc;
}

/*
 * With ringd reporting exactly nclients clients and nothing else, its
 * descriptor and memfd mapping counts.  ringd runs one thread and
 * answers in order, so between two of our replies it holds what its
 * model says; a count is kept when the status replies before and after
 * it agree and so does the count of the next round (ringd under
 * TD_NOTIFY opens its notify socket for a moment once a second).  False
 * when ringd reports anything else: it is not idle.
 */
static bool
td_idle_count(const struct td *d, int fd, uint32_t nclients, int *fds,
    int *maps)
{
	struct ring_ctl_status st;
	int prev = -1, cur = -1, cur_maps = -1, i, rc;

	for (i = 0; i < 100; i++) {
		if ((rc = td_probe_status(fd, &st)) < 0)
			TD_FAIL(d, "status through a probe: %s",
			    tap_rcname(rc));
		if (st.clients != nclients || st.rings != 0 ||
		    st.schemes != d->schemes_base)
			return false;
		/* cur was counted between the previous reply and this one */
		if (cur >= 0 && cur == prev) {
			*fds = cur;
			*maps = cur_maps;
			return true;
		}
		prev = cur;
		cur = td_count_fds(d->pid);
		cur_maps = td_count_memfd_maps(d->pid);
	}
	TD_FAIL(d,
	    "ringd's descriptor count does not hold still while it is "
	    "idle (last %d, %d before)",
	    cur, prev);
}

/*
 * ringd's idle counts, from a probe fd that is its only client: with it
 * alone, with a second probe, and with it alone again once ringd let the
 * second go.  The difference is what one client costs; the idle count is
 * the first minus that.  Nothing is recorded unless ringd reports itself
 * idle throughout (a test restarting ringd under load).
 */
static void
td_baseline(struct td *d, int fd, const struct ring_ctl_status *st)
{
	int one, two, again, maps, maps2, fd2, rc;
	bool idle;

	d->fd_base = d->fd_client = d->map_base = -1;
	d->schemes_base = st->schemes;
	if (!td_idle_count(d, fd, 1, &one, &maps))
		return;
	if ((rc = td_probe_open(d, &fd2)) < 0)
		TD_FAIL(d, "a second probe: %s", tap_rcname(rc));
	idle = td_idle_count(d, fd, 2, &two, &maps2);
	if ((rc = td_probe_leave(fd2)) < 0)
		TD_FAIL(d, "ringd did not let go of a probe: %s",
		    tap_rcname(rc));
	if (!idle || !td_idle_count(d, fd, 1, &again, &maps2))
		return;
	if (again != one || two <= one)
		TD_FAIL(d,
		    "ringd holds %d descriptors with one client, %d with "
		    "two, %d once the second left",
		    one, two, again);
	d->fd_client = two - one;
	d->fd_base = one - d->fd_client;
	d->map_base = maps;
}

void
td_start_args(struct td *d, const char *conf, unsigned flags,
    const char *const *extra)
{
	const char *bin = td_binary();
	struct ring_ctl_status st;
	uint64_t t0;
	pid_t parent = getpid(), pid;
	int rc = -ENOENT, fd;

	if (bin == NULL)
		TAP_FAIL(
		    "no ringd binary (looked for BUILD/ringd/ringd next to "
		    "the test, or $RINGD_BIN)");
	td_prepare(d, conf);
	d->fd_base = d->fd_client = d->map_base = -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		TAP_FAIL("fork: %s", tap_rcname(-errno));
	if (pid == 0)
		td_exec(d, flags, bin, extra, parent);
	d->pid = pid;
	d->status = 0;
	if (flags & (TD_NO_WAIT | TD_DAEMON))
		return;
	t0 = clock_ns();
	for (;;) {
		if (td_wait_exit(d, 0))
			TD_FAIL(d,
			    "ringd exited at start (status %#x) before it "
			    "answered on '%s'",
			    d->status, d->sock);
		rc = td_probe_open(d, &fd);
		if (rc == 0)
			break;
		if (clock_ns() - t0 > TD_START_MS * 1000000ull) {
			td_kill(d);
			TD_FAIL(d,
			    "ringd did not answer on '%s' within %u ms: "
			    "last connect %s",
			    d->sock, TD_START_MS, tap_rcname(rc));
		}
		tu_sleep_ms(10);
	}
	if ((rc = td_probe_status(fd, &st)) < 0)
		TD_FAIL(d, "status from a fresh ringd: %s", tap_rcname(rc));
	if (st.pid != (uint32_t)d->pid)
		TD_FAIL(d, "ringd status says pid %u, we started %d", st.pid,
		    (int)d->pid);
	td_baseline(d, fd, &st);
	if ((rc = td_probe_leave(fd)) < 0)
		TD_FAIL(d, "ringd did not let go of the start-up probe: %s",
		    tap_rcname(rc));
	TAP_HERE();
}

bool
td_wait_exit(struct td *d, unsigned ms)
{
	uint64_t t0 = clock_ns();
	pid_t w;
	int st;

	if (d->pid <= 0)
		return true;
	for (;;) {
		w = waitpid(d->pid, &st, WNOHANG);
		if (w == d->pid) {
			d->status = st;
			d->pid = 0;
			return true;
		}
		if (w < 0 && errno != EINTR)
			TAP_FAIL("waitpid %d: %s", (int)d->pid,
			    tap_rcname(-errno));
		if (clock_ns() - t0 >= (uint64_t)ms * 1000000ull)
			return false;
		tu_sleep_ms(5);
	}
}

bool
td_alive(struct td *d)
{
	return d->pid > 0 && !td_wait_exit(d, 0);
}

void
td_assert_alive_at(struct td *d, const char *file, int line)
{
	int st;

	if (td_alive(d)) {
		TAP_HERE();
		return;
	}
	st = d->status;
	td_dump_log(d, 20);
	if (WIFSIGNALED(st))
		tap_fail_at(file, line, "ringd died by signal %d (%s)",
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	tap_fail_at(file, line, "ringd exited with status %d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

void
td_stop_at(struct td *d, const char *file, int line)
{
	struct stat sb;
	int st;

	if (d->pid <= 0)
		tap_fail_at(file, line, "td_stop: ringd is not running");
	if (kill(d->pid, SIGTERM) < 0)
		tap_fail_at(file, line, "kill %d: %s", (int)d->pid,
		    tap_rcname(-errno));
	if (!td_wait_exit(d, TD_STOP_MS)) {
		td_dump_log(d, 15);
		td_kill(d);
		tap_fail_at(file, line,
		    "ringd did not exit within %u ms of "
		    "SIGTERM",
		    TD_STOP_MS);
	}
	st = d->status;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		td_dump_log(d, 25);
		if (WIFSIGNALED(st))
			tap_fail_at(file, line,
			    "ringd died by signal %d (%s) "
			    "after SIGTERM",
			    WTERMSIG(st), strsignal(WTERMSIG(st)));
		tap_fail_at(file, line,
		    "ringd exited with status %d after "
		    "SIGTERM, expected 0",
		    WEXITSTATUS(st));
	}
	if (lstat(d->sock, &sb) == 0) {
		td_dump_log(d, 10);
		tap_fail_at(file, line, "ringd left its socket '%s' behind",
		    d->sock);
	}
	if (lstat(d->pidfile, &sb) == 0) {
		td_dump_log(d, 10);
		tap_fail_at(file, line, "ringd left its pidfile '%s' behind",
		    d->pidfile);
	}
	TAP_HERE();
}

void
td_kill(struct td *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &d->status, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
}

void
td_cleanup(struct td *d)
{
	td_kill(d);
	td_rm_tree(d->dir);
}

/*
 * The connections made here, newest last.  A process the sub-test forks
 * inherits its parent's connections and ends with _exit() without
 * closing them; remembering them keeps valgrind's leak check in such a
 * child from calling them lost.  Never dereferenced.
 */
struct ring_ctl *volatile td_conns[64];
static unsigned td_nconns;

struct ring_ctl *
td_connect_at(const struct td *d, const char *file, int line)
{
	struct ring_ctl *c;
	int rc;

	rc = ring_ctl_connect(d->sock, NULL, &c);
	if (rc < 0) {
		td_dump_log(d, 10);
		tap_fail_at(file, line, "ring_ctl_connect('%s') = %s", d->sock,
		    tap_rcname(rc));
	}
	td_conns[td_nconns++ % (sizeof(td_conns) / sizeof(td_conns[0]))] = c;
	TAP_HERE();
	return c;
}

int
td_sock_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
td_raw_connect(const struct td *d)
{
	int fd = td_sock_connect(d->sock);

	if (fd < 0)
		TAP_FAIL("connect '%s': %s", d->sock, tap_rcname(fd));
	TAP_HERE();
	return fd;
}

int
td_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		TAP_FAIL("opendir %s: %s", path, tap_rcname(-errno));
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* Lines of pid's /proc maps that match(line) says yes to. */
int
td_count_maps_where(pid_t pid, bool (*match)(const char *line))
{
	char path[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		TAP_FAIL("fopen %s: %s", path, tap_rcname(-errno));
	while (fgets(line, sizeof(line), f) != NULL)
		if (match(line))
			n++;
	fclose(f);
	return n;
}

static bool
td_is_memfd_map(const char *line)
{
	return strstr(line, "/memfd:") != NULL;
}

int
td_count_memfd_maps(pid_t pid)
{
	return td_count_maps_where(pid, td_is_memfd_map);
}

/* '#' lines naming every descriptor ringd holds. */
static void
td_list_fds(pid_t pid)
{
	char path[64], link[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		tap_diag("  ringd fd %s -> %s", e->d_name, target);
	}
	closedir(dir);
}

/* '#' lines naming the clients and rings ringd lists. */
static void
td_list_model(const struct td *d)
{
	struct ring_ctl_client *cl = NULL;
	struct ring_ctl_ring *rv = NULL;
	struct ring_ctl *c;
	size_t n, i;

	if (ring_ctl_connect(d->sock, NULL, &c) < 0)
		return;
	tap_diag("  what ringd lists (this listing's connection included):");
	if (ring_ctl_list_clients(c, &cl, &n) == 0)
		for (i = 0; i < n; i++)
			tap_diag("  ringd client %llu: pid %u '%s', %u rings, "
				 "%u schemes",
			    (unsigned long long)cl[i].client_id,
			    cl[i].peer.pid, cl[i].peer.comm, cl[i].rings,
			    cl[i].schemes);
	if (ring_ctl_list_rings(c, &rv, &n) == 0)
		for (i = 0; i < n; i++)
			tap_diag("  ringd ring %llu to '%s': state %u, "
				 "consumer pid %u, producer pid %u",
			    (unsigned long long)rv[i].ring_id, rv[i].scheme,
			    rv[i].state, rv[i].consumer.pid,
			    rv[i].producer.pid);
	free(cl);
	free(rv);
	ring_ctl_close(c);
}

void
td_settle_at(struct td *d, const char *file, int line)
{
	struct ring_ctl_status st;
	uint64_t t0 = clock_ns();
	int fd, fds, maps, rc;
	bool idle;

	if (!td_alive(d))
		td_assert_alive_at(d, file, line);
	if (d->fd_base < 0)
		tap_fail_at(file, line,
		    "td_settle: no idle counts, ringd was not idle when it "
		    "started");
	/* ringd short of descriptors drops a connection until it settles */
	while ((rc = td_probe_open(d, &fd)) < 0) {
		if (clock_ns() - t0 > TD_SETTLE_MS * 1000000ull) {
			td_list_fds(d->pid);
			td_dump_log(d, 10);
			tap_fail_at(file, line,
			    "no probe got through to ringd in %u ms: last %s",
			    TD_SETTLE_MS, tap_rcname(rc));
		}
		tu_sleep_ms(10);
	}
	for (;;) {
		if ((rc = td_probe_status(fd, &st)) < 0) {
			td_dump_log(d, 10);
			tap_fail_at(file, line, "status through a probe: %s",
			    tap_rcname(rc));
		}
		/* counted after a reply: what ringd holds for that model */
		fds = td_count_fds(d->pid);
		maps = td_count_memfd_maps(d->pid);
		idle = st.clients == 1 && st.rings == 0 &&
		    st.schemes == d->schemes_base;
		if (idle && fds <= d->fd_base + d->fd_client &&
		    maps <= d->map_base)
			break;
		if (clock_ns() - t0 > TD_SETTLE_MS * 1000000ull) {
			td_list_fds(d->pid);
			if (!idle)
				td_list_model(d);
			td_dump_log(d, 10);
			tap_fail_at(file, line,
			    "%u ms after its clients left ringd lists %u "
			    "clients (our probe among them), %u rings and "
			    "%u schemes (%u idle), and holds %d fds and %d "
			    "memfd mappings (idle with one client: %d and %d)",
			    TD_SETTLE_MS, st.clients, st.rings, st.schemes,
			    d->schemes_base, fds, maps,
			    d->fd_base + d->fd_client, d->map_base);
		}
		tu_sleep_ms(10);
	}
	if ((rc = td_probe_leave(fd)) < 0) {
		td_dump_log(d, 10);
		tap_fail_at(file, line, "ringd did not let go of a probe: %s",
		    tap_rcname(rc));
	}
	TAP_HERE();
}

void
td_begin(struct td *d, const char *conf)
{
	memset(d, 0, sizeof(*d));
	td_start(d, conf, 0);
}

void
td_finish_at(struct td *d, const char *file, int line)
{
	td_assert_alive_at(d, file, line);
	td_settle_at(d, file, line);
	td_stop_at(d, file, line);
	td_cleanup(d);
}

void
td_end_at(struct td *d, struct ring_ctl *c, const char *file, int line)
{
	if (c != NULL)
		ring_ctl_close(c);
	td_finish_at(d, file, line);
}

void
td_end_ring_at(struct td *d, struct ring_ctl *c, struct ring *r,
    uint64_t id, const char *file, int line)
{
	td_close_ring_at(c, r, id, file, line);
	td_end_at(d, c, file, line);
}

/* --- client-side helpers ------------------------------------------------ */

struct ring *
td_open_at(struct ring_ctl *c, const char *scheme, uint32_t sq, uint32_t flags,
    uint64_t pool, uint64_t *id, const char *file, int line)
{
	struct ring_params p;
	struct ring *r;
	int rc;

	memset(&p, 0, sizeof(p));
	p.sq_entries = sq;
	p.flags = flags;
	p.pool_bytes = pool;
	rc = ring_ctl_open(c, scheme, &p, &r, id);
	if (rc < 0)
		tap_fail_at(file, line,
		    "ring_ctl_open('%s', sq %u, flags %#x, "
		    "pool %llu) = %s",
		    scheme, sq, flags, (unsigned long long)pool,
		    tap_rcname(rc));
	TAP_HERE();
	return r;
}

int
td_cq_pop_wait(struct ring *r, struct ring_cqe *cqe, unsigned ms)
{
	uint64_t t0 = clock_ns(), left;
	int rc;

	for (;;) {
		rc = ring_cq_pop(r, cqe);
		if (rc != -EAGAIN)
			return rc;
		left = (uint64_t)ms * 1000000ull;
		if (clock_ns() - t0 >= left)
			return -ETIMEDOUT;
		left -= clock_ns() - t0;
		rc = ring_wait(r, RING_EV_IN, (int64_t)left);
		if (rc < 0 && rc != -ETIMEDOUT)
			return rc;
	}
}

void
td_roundtrip_at(struct ring *r, const struct ring_sqe *sqe,
    struct ring_cqe *cqe, const char *file, int line)
{
	int rc;

	rc = ring_sq_push(r, sqe);
	if (rc < 0)
		tap_fail_at(file, line,
		    "pushing SQE opcode %u user_data %#llx: "
		    "%s",
		    sqe->opcode, (unsigned long long)sqe->user_data,
		    tap_rcname(rc));
	rc = td_cq_pop_wait(r, cqe, 5000);
	if (rc < 0)
		tap_fail_at(file, line,
		    "no CQE for opcode %u user_data %#llx: "
		    "%s",
		    sqe->opcode, (unsigned long long)sqe->user_data,
		    tap_rcname(rc));
	if (cqe->user_data != sqe->user_data)
		tap_fail_at(file, line, "CQE user_data %#llx, SQE's %#llx",
		    (unsigned long long)cqe->user_data,
		    (unsigned long long)sqe->user_data);
	TAP_HERE();
}

void
td_roundtrip_once_at(struct ring_ctl *c, const char *scheme, uint32_t sq,
    uint64_t pool, const struct ring_sqe *sqe, struct ring_cqe *cqe,
    const char *file, int line)
{
	struct ring *r;
	uint64_t id;

	r = td_open_at(c, scheme, sq, 0, pool, &id, file, line);
	td_roundtrip_at(r, sqe, cqe, file, line);
	td_close_ring_at(c, r, id, file, line);
}

bool
td_find_ring(struct ring_ctl *c, uint64_t id, struct ring_ctl_ring *out)
{
	struct ring_ctl_ring *v = NULL;
	size_t n = 0, i;
	bool found = false;
	int rc;

	if ((rc = ring_ctl_list_rings(c, &v, &n)) < 0)
		TAP_FAIL("ring_ctl_list_rings: %s", tap_rcname(rc));
	for (i = 0; i < n; i++) {
		if (v[i].ring_id == id) {
			if (out != NULL)
				*out = v[i];
			found = true;
			break;
		}
	}
	free(v);
	return found;
}

bool
td_find_scheme(struct ring_ctl *c, const char *name,
    struct ring_ctl_scheme *out)
{
	struct ring_ctl_scheme *v = NULL;
	size_t n = 0, i;
	bool found = false;
	int rc;

	if ((rc = ring_ctl_list_schemes(c, &v, &n)) < 0)
		TAP_FAIL("ring_ctl_list_schemes: %s", tap_rcname(rc));
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			if (out != NULL)
				*out = v[i];
			found = true;
			break;
		}
	}
	free(v);
	return found;
}

void
td_await_ring_gone_at(struct ring_ctl *c, uint64_t id, const char *file,
    int line)
{
	struct ring_ctl_ring rec;
	uint64_t t0 = clock_ns();

	while (td_find_ring(c, id, &rec)) {
		if (clock_ns() - t0 > TD_SETTLE_MS * 1000000ull)
			tap_fail_at(file, line,
			    "ringd still lists ring %llu "
			    "(state %u, consumer pid %u, producer pid %u) %u "
			    "ms after both sides left",
			    (unsigned long long)id, rec.state, rec.consumer.pid,
			    rec.producer.pid, TD_SETTLE_MS);
		tu_sleep_ms(10);
	}
	TAP_HERE();
}

void
td_await_scheme_gone_at(struct ring_ctl *c, const char *name, const char *file,
    int line)
{
	uint64_t t0 = clock_ns();

	while (td_find_scheme(c, name, NULL)) {
		if (clock_ns() - t0 > TD_SETTLE_MS * 1000000ull)
			tap_fail_at(file, line,
			    "ringd still lists scheme '%s' "
			    "%u ms after its owner left",
			    name, TD_SETTLE_MS);
		tu_sleep_ms(10);
	}
	TAP_HERE();
}

void
td_await_clients_at(struct ring_ctl *c, uint32_t n,
    struct ring_ctl_status *st, const char *file, int line)
{
	uint64_t t0 = clock_ns();
	int rc;

	for (;;) {
		if ((rc = ring_ctl_status(c, st)) < 0)
			tap_fail_at(file, line, "ring_ctl_status: %s",
			    tap_rcname(rc));
		if (st->clients == n)
			break;
		if (clock_ns() - t0 > 3000000000ull)
			tap_fail_at(file, line,
			    "ringd counts %u clients, not %u, after 3 s",
			    (unsigned)st->clients, (unsigned)n);
		tu_sleep_ms(5);
	}
	TAP_HERE();
}

void
td_become_nobody(void)
{
	if (setgroups(0, NULL) < 0)
		TAP_FAIL("setgroups: %s", tap_rcname(-errno));
	if (setresgid(TD_NOBODY, TD_NOBODY, TD_NOBODY) < 0)
		TAP_FAIL("setresgid: %s", tap_rcname(-errno));
	if (setresuid(TD_NOBODY, TD_NOBODY, TD_NOBODY) < 0)
		TAP_FAIL("setresuid: %s", tap_rcname(-errno));
	TAP_EQ(geteuid(), TD_NOBODY);
	TAP_EQ(getegid(), TD_NOBODY);
	/* a credential change cleared the harness's parent-death signal */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		TAP_FAIL("prctl: %s", tap_rcname(-errno));
}

void
td_close_ring_at(struct ring_ctl *c, struct ring *r, uint64_t id,
    const char *file, int line)
{
	int rc;

	ring_close(r);
	if ((rc = ring_ctl_close_ring(c, id)) != 0)
		tap_fail_at(file, line, "ring_ctl_close_ring(%llu) = %s",
		    (unsigned long long)id, tap_rcname(rc));
	td_await_ring_gone_at(c, id, file, line);
}
