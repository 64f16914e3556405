/*
 * load.c - a fixed mix of rings for the monitor tests (see load.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "load.h"
#include "tap.h"
#include "testutil.h"

#define TL_HELD 16 /* rings the stalled scheme keeps */

/* Accept every ring to STALL, never pop; end on quit or when ringd goes. */
static void
tl_stall_scheme(struct tl_load *l, struct td *d, const char *stall, int ready)
{
	struct ring_ctl *c = td_connect(d);
	struct ring *held[TL_HELD];
	unsigned n = 0;

	close(l->quit[1]);
	TAP_RC(ring_ctl_register(c, stall, NULL, 0), 0);
	tu_notify(ready);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = ring_ctl_fd(c), .events = POLLIN },
			{ .fd = l->quit[0], .events = POLLIN },
		};
		struct ring_attach a;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			TAP_FAIL("poll: %s", tap_rcname(-errno));
		}
		if (pf[1].revents || (pf[0].revents & (POLLHUP | POLLERR)))
			break;
		while (pf[0].revents && ring_ctl_next_attach(c, &a) == 0) {
			if (n >= TL_HELD) {
				ring_ctl_refuse(c, &a, -EMFILE);
				continue;
			}
			TAP_RC(ring_ctl_accept(c, &a, &held[n]), 0);
			n++;
		}
	}
	while (n > 0)
		ring_close(held[--n]);
	ring_ctl_close(c);
}

/* Queue N NOOPs, user_data 0 to N - 1. */
static void
tl_push(struct ring *r, unsigned n)
{
	struct ring_sqe s;
	unsigned k;

	for (k = 0; k < n; k++) {
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = k;
		TAP_RC(ring_sq_push(r, &s), 0);
	}
}

static void
tl_consumer(struct tl_load *l, struct td *d, const char *stall, int ready)
{
	struct ring_ctl *c = td_connect(d);
	struct ring *st, *ec, *nu, *ze;
	struct ring_sqe s;
	struct ring_cqe q;
	uint64_t i;

	close(l->quit[1]);
	st = td_open(c, stall, 16, 0, 0, NULL);
	ec = td_open(c, "echo", 8, 0, 0, NULL);
	nu = td_open(c, "null", 32, 0, 0, NULL);
	ze = td_open(c, "zero", 4, 0, 0, NULL);
	tl_push(st, 5);
	tl_push(ec, 3);
	tu_notify(ready);
	for (i = 0;; i++) {
		struct pollfd pf = { .fd = l->quit[0], .events = POLLIN };

		if (poll(&pf, 1, 2) != 0)
			break;
		memset(&s, 0, sizeof(s));
		s.opcode = RING_OP_NOOP;
		s.user_data = i;
		if (ring_sq_push(nu, &s) < 0 ||
		    td_cq_pop_wait(nu, &q, 5000) < 0)
			break; /* ringd went away */
	}
	ring_close(ze);
	ring_close(nu);
	ring_close(ec);
	ring_close(st);
	ring_ctl_close(c);
}

void
tl_start(struct tl_load *l, struct td *d, const char *stall)
{
	int p[2];

	tu_pipe(p);
	TAP_SYS(pipe2(l->quit, O_CLOEXEC));
	if ((l->scheme_pid = tap_fork()) == 0) {
		tl_stall_scheme(l, d, stall, p[1]);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	if ((l->cons_pid = tap_fork()) == 0) {
		tl_consumer(l, d, stall, p[1]);
		tap_child_exit();
	}
	tu_await(p[0], 5000);
	close(p[0]);
	close(p[1]);
}

void
tl_stop(struct tl_load *l)
{
	close(l->quit[1]);
	tap_reap(l->cons_pid);
	tap_reap(l->scheme_pid);
	close(l->quit[0]);
}
