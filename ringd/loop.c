/*
 * loop.c - the event loop: one epoll set holding the listening socket,
 * a signalfd, every client's socket and pidfd, and the doorbells of the
 * rings ringd serves itself.  Each registration (struct loop_src) names
 * the function its owner wants called, so this file is mechanism: it
 * knows the deadlines and reapers it runs each turn, not who owns which
 * descriptor.  Objects that die during a batch of events are only
 * unlinked; they are freed after the batch (client_reap(), rings_reap(),
 * which may wait for a turn with nothing else to do: loop_wait()), so a
 * later event never touches freed memory.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ringd.h"

#define LOOP_STATUS_NS 1000000000ll /* STATUS= at most once a second */

static void loop_signal(void *obj, uint32_t events);

/* The signals ringd takes through its signalfd. */
static void
loop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * Block them before anything is created on disk, so that a signal that
 * arrives while ringd starts waits for the loop and ends it cleanly
 * instead of killing ringd with its socket and pidfile left behind.
 */
int
loop_block_signals(void)
{
	sigset_t set;

	loop_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int
loop_init(void)
{
	sigset_t set;

	ringd.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ringd.epfd < 0)
		return -errno;
	loop_sigset(&set);
	ringd.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ringd.sigfd < 0)
		return -errno;
	ringd.sig_src.fn = loop_signal;
	ringd.sig_src.obj = NULL;
	return loop_add(ringd.sigfd, &ringd.sig_src, EPOLLIN);
}

int
loop_add(int fd, struct loop_src *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(ringd.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int
loop_mod(int fd, struct loop_src *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(ringd.epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void
loop_del(int fd)
{
	if (fd >= 0)
		epoll_ctl(ringd.epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* SIGHUP: re-read the config; a bad file keeps the running one. */
static void
loop_reload(void)
{
	struct config c;
	int lvl;

	service_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)(service_now_ns() / 1000));
	if (ringd.conf_path == NULL) {
		log_info("SIGHUP: no config file, nothing to reload");
		goto out;
	}
	if (config_load(ringd.conf_path, &c) < 0) {
		log_error("reload of '%s' failed, keeping the old "
			  "configuration",
		    ringd.conf_path);
		goto out;
	}
	if (c.socket[0] != '\0' && strcmp(c.socket, ringd.conf.socket) != 0)
		log_warn("a new socket path takes a restart; still "
			 "serving '%s'",
		    ringd.sock_path);
	strcpy(c.socket, ringd.conf.socket);
	ringd.conf = c;
	rings_fd_limit_reset();
	listen_apply_mode(&ringd.conf);
	lvl = ringd.cli_log_level >= 0	? ringd.cli_log_level
	    : ringd.conf.log_level >= 0 ? ringd.conf.log_level
					: LOG_LVL_INFO;
	log_set_level(lvl);
	log_notice("reloaded '%s'", ringd.conf_path);
out:
	service_notify("READY=1\nSTATUS=serving %s", ringd.sock_path);
}

/* The signalfd is readable (struct loop_src callback). */
static void
loop_signal(void *obj, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)obj;
	(void)events;
	while (read(ringd.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("%s: shutting down",
			    si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			ringd.quit = true;
			break;
		case SIGHUP:
			loop_reload();
			break;
		}
	}
}

/*
 * Wait for events.  Rings released in the last turns are freed here when
 * nothing else waits (rings_reap_may_wait()): closing a pair's three
 * descriptors and leaving the epoll set cost a few system calls that
 * need not come before a request already queued, such as the OPEN a
 * client sends as soon as its CLOSE is answered.
 */
static int
loop_wait(struct epoll_event *evs, int timeout)
{
	int n;

	if (!TAILQ_EMPTY(&ringd.dead_rings) && timeout != 0) {
		n = epoll_wait(ringd.epfd, evs, RINGD_EPOLL_BATCH, 0);
		if (n != 0)
			return n;
		rings_reap();
		if (TAILQ_EMPTY(&ringd.dead_rings))
			builtin_trim();
	}
	return epoll_wait(ringd.epfd, evs, RINGD_EPOLL_BATCH, timeout);
}

/* systemd's STATUS= line, when something changed and a second passed. */
static void
loop_status(uint64_t now, uint64_t *last)
{
	if (!ringd.notify || !ringd.status_dirty ||
	    now - *last < (uint64_t)LOOP_STATUS_NS)
		return;
	ringd.status_dirty = false;
	*last = now;
	service_notify("STATUS=serving %s: %u clients, %u registered schemes, "
		       "%u rings",
	    ringd.sock_path, ringd.nclients, ringd.nschemes, ringd.nrings);
}

int
loop_run(void)
{
	struct epoll_event evs[RINGD_EPOLL_BATCH];
	uint64_t last_status = 0;

	while (!ringd.quit) {
		int64_t next, next_hello, next_phys, next_redox;
		int timeout = -1, n, i;
		uint64_t now = service_now_ns();

		next = rings_expire(now);
		next_hello = client_expire(now);
		if (next_hello >= 0 && (next < 0 || next_hello < next))
			next = next_hello;
		next_phys = phys_expire(now);
		if (next_phys >= 0 && (next < 0 || next_phys < next))
			next = next_phys;
		next_redox = redox_expire(now);
		if (next_redox >= 0 && (next < 0 || next_redox < next))
			next = next_redox;
		if (next >= 0)
			timeout = (int)((next + 999999) / 1000000);
		/* connections closed by a deadline: reap them this turn */
		if (!TAILQ_EMPTY(&ringd.dead_clients))
			timeout = 0;
		if (ringd.status_dirty && ringd.notify)
			timeout = timeout < 0 || timeout > 1000 ? 1000
								: timeout;
		if (!TAILQ_EMPTY(&ringd.runnable))
			timeout = 0;
		n = loop_wait(evs, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			struct loop_src *src = evs[i].data.ptr;

			src->fn(src->obj, evs[i].events);
		}
		builtin_run_ready();
		client_reap();
		if (!rings_reap_may_wait())
			rings_reap();
		/* spare pairs for the next OPEN, now that the replies went */
		rings_spare_fill();
		if (TAILQ_EMPTY(&ringd.dead_rings))
			builtin_trim();
		loop_status(service_now_ns(), &last_status);
	}
	return 0;
}

void
loop_fini(void)
{
	if (ringd.sigfd >= 0)
		close(ringd.sigfd);
	if (ringd.epfd >= 0)
		close(ringd.epfd);
	ringd.sigfd = ringd.epfd = -1;
}
