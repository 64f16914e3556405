/*
 * ramfile-scheme - an example scheme: one file kept in memory, served to
 * every ring opened to it through ringd.
 *
 * It registers a name, accepts every ring (logging who opened it), and
 * serves all rings from one epoll loop: the control socket for attach
 * requests, each ring's doorbell for submissions.  Opcodes: NOOP, READ and
 * WRITE (data in the ring's buffer pool, addr/len; position in offset),
 * FSTAT (status: the file size), FSYNC (0).  Anything else: -ENOSYS.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "ramfile.h"

#define MAX_RINGS 256

struct served {
	struct ring *r;
	uint64_t id;
};

static uint8_t *file;
static uint64_t file_size;
static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* Answer one request. */
static int64_t
serve_one(struct ring *r, const struct ring_sqe *sqe)
{
	void *buf;
	int rc;

	if (ring_sqe_check(sqe) < 0)
		return -EINVAL;
	switch (sqe->opcode) {
	case RING_OP_NOOP:
	case RING_OP_FSYNC:
		return 0;
	case RING_OP_FSTAT:
		return (int64_t)file_size;
	case RING_OP_READ:
	case RING_OP_WRITE:
		if (sqe->len == 0)
			return 0;
		if ((rc = ring_pool_resolve(r, sqe->addr, sqe->len, &buf)) < 0)
			return rc;
		if (sqe->offset >= file_size ||
		    sqe->len > file_size - sqe->offset) {
			if (sqe->opcode == RING_OP_WRITE)
				return -EFBIG;
			if (sqe->offset >= file_size)
				return 0; /* end of file */
		}
		{
			uint64_t n = sqe->len < file_size - sqe->offset
			    ? sqe->len
			    : file_size - sqe->offset;

			if (sqe->opcode == RING_OP_READ)
				memcpy(buf, file + sqe->offset, n);
			else
				memcpy(file + sqe->offset, buf, n);
			return (int64_t)n;
		}
	default:
		return -ENOSYS;
	}
}

/* Drain a ring's submissions; -ESHUTDOWN/-EIO when it is over. */
static int
serve_ring(struct ring *r)
{
	struct ring_sqe sqe[32];
	struct ring_cqe cqe;
	int n, i, rc;

	for (;;) {
		n = ring_sq_pop_batch(r, sqe, 32);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			cqe = (struct ring_cqe){ .user_data = sqe[i].user_data,
				.status = (uint64_t)serve_one(r, &sqe[i]) };
			while ((rc = ring_cq_push(r, &cqe)) == -EAGAIN)
				if ((rc = ring_wait(r, RING_EV_OUT, -1)) < 0)
					return rc;
			if (rc < 0)
				return rc;
		}
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ramfile-scheme [-h] [-S socket] [-n name] [-s size]\n");
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *name = RAMFILE_NAME;
	static const uint8_t ops[] = { RING_OP_NOOP, RING_OP_READ,
		RING_OP_WRITE, RING_OP_FSTAT, RING_OP_FSYNC };
	struct served rings[MAX_RINGS];
	struct epoll_event ev, evs[64];
	struct ring_ctl *ctl;
	struct ring_attach a;
	int ep, c, n, i, rc;
	bool was_up = true;

	file_size = 1 << 20;
	while ((c = ramfile_getopt(argc, argv, "hS:n:s:", &sock, &name,
		    usage)) != -1) {
		switch (c) {
		case 's':
			file_size = ramfile_number("ramfile-scheme", "size",
			    optarg, 1, 1ull << 32);
			break;
		}
	}
	if ((file = calloc(1, file_size)) == NULL) {
		fprintf(stderr, "ramfile-scheme: out of memory\n");
		return 1;
	}
	if ((rc = ring_ctl_connect(sock, NULL, &ctl)) < 0) {
		fprintf(stderr, "ramfile-scheme: cannot connect to ringd: %s\n",
		    strerror(-rc));
		return 3;
	}
	/* survive a restart of ringd: rings keep working, name comes back */
	(void)ring_ctl_set_reconnect(ctl, true);
	if ((rc = ring_ctl_register(ctl, name, ops, sizeof(ops))) < 0) {
		fprintf(stderr, "ramfile-scheme: cannot register '%s': %s\n",
		    name, strerror(-rc));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	memset(rings, 0, sizeof(rings));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = MAX_RINGS };
	epoll_ctl(ep, EPOLL_CTL_ADD, ring_ctl_fd(ctl), &ev);

	while (!quit) {
		/* arm every ring; one already busy means: do not sleep */
		int busy = 0;

		for (i = 0; i < MAX_RINGS; i++)
			if (rings[i].r != NULL &&
			    ring_arm(rings[i].r, RING_EV_IN) != 0)
				busy = 1;
		n = epoll_wait(ep, evs, 64, busy ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		while ((rc = ring_ctl_next_attach(ctl, &a)) == 0) {
			for (i = 0; i < MAX_RINGS && rings[i].r != NULL; i++)
				;
			if (i == MAX_RINGS) {
				ring_ctl_refuse(ctl, &a, -EMFILE);
				continue;
			}
			if (ring_ctl_accept(ctl, &a, &rings[i].r) < 0)
				continue;
			rings[i].id = a.ring_id;
			fprintf(stderr,
			    "ramfile-scheme: ring %llu from %s[%u] uid %u\n",
			    (unsigned long long)a.ring_id, a.consumer.comm,
			    a.consumer.pid, a.consumer.uid);
			ev = (struct epoll_event){ .events = EPOLLIN,
				.data.u32 = (uint32_t)i };
			epoll_ctl(ep, EPOLL_CTL_ADD, ring_fd(rings[i].r), &ev);
		}
		if (rc != -EAGAIN) {
			if (ring_ctl_connected(ctl))
				fprintf(stderr,
				    "ramfile-scheme: ringd is back but "
				    "refused '%s' or a ring: %s\n",
				    name, strerror(-rc));
			else
				fprintf(stderr,
				    "ramfile-scheme: ringd went away: %s\n",
				    strerror(-rc));
			break;
		}
		if (ring_ctl_connected(ctl) != was_up) {
			was_up = !was_up;
			if (was_up)
				fprintf(stderr,
				    "ramfile-scheme: ringd is back; '%s' "
				    "registered again\n",
				    name);
			else
				fprintf(stderr,
				    "ramfile-scheme: ringd went "
				    "away; reconnecting\n");
		}
		for (i = 0; i < MAX_RINGS; i++) {
			if (rings[i].r == NULL)
				continue;
			ring_disarm(rings[i].r);
			if (serve_ring(rings[i].r) < 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL,
				    ring_fd(rings[i].r), NULL);
				ring_close(rings[i].r);
				ring_ctl_close_ring(ctl, rings[i].id);
				rings[i].r = NULL;
			}
		}
	}
	for (i = 0; i < MAX_RINGS; i++)
		ring_close(rings[i].r);
	ring_ctl_close(ctl);
	close(ep);
	free(file);
	return 0;
}
