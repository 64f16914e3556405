/*
 * service.c - running as a service: pidfile (libbsd pidfile(3)), the
 * classic double-fork daemon, systemd's readiness protocol (sd_notify
 * datagrams written by hand, no libsystemd), the descriptor limit, and
 * ringd's global state set up and torn down as a whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bsd/libutil.h>

#include "common/common.h"
#include "ringd.h"

#define SERVICE_NOTIFY_MAX_FDS 250 /* SCM_RIGHTS takes up to 253 */

static struct pidfh *service_pfh;

/*
 * ringd's clock: common's clock_ns(), behind a function of ringd's own so
 * that the fuzz harness can replace it at link time (-Wl,--wrap).
 */
uint64_t
service_now_ns(void)
{
	return clock_ns();
}

/* Lock the pidfile now, so a second ringd fails before touching anything. */
int
service_pidfile_open(const char *path)
{
	pid_t other = 0;

	service_pfh = pidfile_open(path, 0644, &other);
	if (service_pfh == NULL) {
		int rc = -errno;

		if (errno == EEXIST)
			log_error("cannot use pidfile '%s': ringd already "
				  "running as pid %ld",
			    path, (long)other);
		else
			log_error("cannot open pidfile '%s': %s", path,
			    strerror(errno));
		return rc;
	}
	return 0;
}

/* Write our (final, post-fork) pid. */
int
service_pidfile_write(void)
{
	if (service_pfh != NULL && pidfile_write(service_pfh) < 0) {
		log_error("cannot write pidfile: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void
service_pidfile_remove(void)
{
	if (service_pfh != NULL)
		pidfile_remove(service_pfh);
	service_pfh = NULL;
}

static int service_ready_fd = -1;

/*
 * Detach: fork twice, new session, stdio on /dev/null, cwd "/".  The
 * first process waits until the daemon says it is serving (or failed) and
 * exits 0 or 1 accordingly, so "ringd && use-it" works.
 */
int
service_daemonize(void)
{
	int p[2], fd;
	pid_t pid;
	char ok = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		while (read(p[0], &ok, 1) < 0 && errno == EINTR)
			;
		_exit(ok == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	service_ready_fd = p[1];
	if (chdir("/") < 0)
		return -errno;
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/* Tell the waiting parent (if any) that start-up is over. */
void
service_daemon_ready(bool ok)
{
	char c = ok ? 1 : 0;

	if (service_ready_fd < 0)
		return;
	(void)!write(service_ready_fd, &c, 1);
	close(service_ready_fd);
	service_ready_fd = -1;
}

/*
 * One sd_notify datagram with fds (SCM_RIGHTS, at most
 * SERVICE_NOTIFY_MAX_FDS) to $NOTIFY_SOCKET, when systemd set it.  Best
 * effort: failures are logged at debug level only.
 */
static void
service_notify_send(const char *msg, size_t len, const int *fds, size_t nfds)
{
	const char *path = getenv("NOTIFY_SOCKET");
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * SERVICE_NOTIFY_MAX_FDS)];
	} u;
	struct sockaddr_un sa;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh;
	size_t plen;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    nfds > SERVICE_NOTIFY_MAX_FDS)
		return;
	plen = strlen(path);
	if (plen >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    plen + (path[0] == '@' ? 0 : 1));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0)
		proto_put_fds(&mh, u.buf, fds, nfds);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		log_debug("sd_notify to '%s' failed: %s", path,
		    strerror(errno));
	close(fd);
}

/* One sd_notify datagram ("READY=1", "STATUS=...", "STOPPING=1"). */
void
service_notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	service_notify_send(msg, (size_t)n, NULL, 0);
}

/*
 * Hand descriptors to systemd's file descriptor store under name
 * (FDSTORE=1, FDNAME=), in datagrams of SERVICE_NOTIFY_MAX_FDS; the next
 * start gets them in LISTEN_FDS (state_fdstore_take()).
 */
void
service_notify_fdstore(const char *name, const int *fds, size_t nfds)
{
	char msg[128];
	size_t k;
	int n;

	n = snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	for (; nfds > 0; fds += k, nfds -= k) {
		k = nfds < SERVICE_NOTIFY_MAX_FDS ? nfds
						  : SERVICE_NOTIFY_MAX_FDS;
		service_notify_send(msg, (size_t)n, fds, k);
	}
}

/* Every ring holds a few descriptors: take the hard limit. */
void
service_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_debug("cannot raise the descriptor limit: %s",
		    strerror(errno));
}

/* The state ringd starts from: defaults, no descriptor, an empty model. */
void
service_init_state(void)
{
	memset(&ringd, 0, sizeof(ringd));
	config_defaults(&ringd.conf);
	ringd.cli_log_level = -1;
	ringd.epfd = ringd.sigfd = ringd.listen_fd = ringd.spare_fd = -1;
	RB_INIT(&ringd.clients);
	RB_INIT(&ringd.schemes);
	RB_INIT(&ringd.rings);
	TAILQ_INIT(&ringd.pending);
	TAILQ_INIT(&ringd.adopting);
	RB_INIT(&ringd.ring_mems);
	TAILQ_INIT(&ringd.runnable);
	TAILQ_INIT(&ringd.dead_rings);
	TAILQ_INIT(&ringd.dead_clients);
	TAILQ_INIT(&ringd.hello_wait);
}

/*
 * Tear down what ringd built, in the order it must go: the state file
 * written and the rings let go (rings_fini()), what the last ringd left,
 * connections, schemes, physical memory, the event loop.  main.c at exit;
 * the fuzz harness between inputs.
 */
void
service_fini_state(void)
{
	rings_fini();
	state_fini();
	client_fini();
	registry_fini();
	phys_fini();
	loop_fini();
}
