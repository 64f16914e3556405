/*
 * t-ring-open.c - what ring_open() refuses: hand-made memory files and
 * descriptions (bad sizes, seals, layouts, doorbells of the wrong kind) and
 * peer indices out of range in a pair's shared headers.  A refused open
 * leaves *ret as it was.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/pair.h"

/* ring_open() on a hand-made fd must fail; *ret stays as it was. */
static void
open_bad(const struct ring_fds *fds, enum ring_role role, const char *what)
{
	struct ring *sentinel = (struct ring *)&sentinel;
	struct ring *r = sentinel;
	int rc;

	rc = ring_open(fds, role, &r);
	if (rc >= 0) {
		ring_close(r);
		TAP_FAIL("ring_open accepted %s (role %d)", what, (int)role);
	}
	if (r != sentinel)
		TAP_FAIL("ring_open wrote *ret on failure (%s)", what);
	TAP_HERE();
}

static void
open_bad_desc(const struct ring_pair_desc *d, uint64_t size, int seals,
    const char *what)
{
	struct ring_fds fds;

	tu_build(d, size, seals, &fds);
	open_bad(&fds, RING_ROLE_CONSUMER, what);
	open_bad(&fds, RING_ROLE_PRODUCER, what);
	open_bad(&fds, RING_ROLE_MONITOR, what);
	ring_fds_close(&fds);
}

TAP_TEST(test_open_rejects, "ring-open-rejects", 0)
{
	const int seals = F_SEAL_SHRINK | F_SEAL_GROW;
	struct ring_pair_desc good = tu_desc(8, 16, 0, 2 * RING_PAGE), d;
	uint64_t size = tu_desc_size(&good);
	struct ring_fds fds;
	struct ring *r;
	int before = tu_count_fds(), p[2];

	/* the control: this hand-made pair is fine, also with F_SEAL_SEAL */
	tu_build(&good, size, seals, &fds);
	r = tu_open(&fds, RING_ROLE_CONSUMER);
	ring_close(r);
	ring_fds_close(&fds);
	tu_build(&good, size, seals | F_SEAL_SEAL, &fds);
	r = tu_open(&fds, RING_ROLE_PRODUCER);
	ring_close(r);
	ring_fds_close(&fds);

	open_bad_desc(&good, size, 0, "a memfd without seals");
	open_bad_desc(&good, size, F_SEAL_SHRINK,
	    "a memfd without F_SEAL_GROW");
	open_bad_desc(&good, size, F_SEAL_GROW,
	    "a memfd without F_SEAL_SHRINK");

	d = good;
	d.magic ^= 1;
	open_bad_desc(&d, size, seals, "a wrong magic");
	d = good;
	d.version = 2;
	open_bad_desc(&d, size, seals, "version 2");
	d = good;
	d.version = 0;
	open_bad_desc(&d, size, seals, "version 0");
	d = good;
	d.flags = 0x2;
	open_bad_desc(&d, size, seals, "unknown pair flags");
	d = good;
	d.reserved[3] = 1;
	open_bad_desc(&d, size, seals, "non-zero reserved words");

	d = tu_desc(3, 16, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "sq_entries 3");
	d = tu_desc(8, 12, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "cq_entries 12");
	d = tu_desc(0, 8, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "sq_entries 0");
	d = tu_desc(8, 0, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals, "cq_entries 0");
	d = tu_desc(RING_MAX_ENTRIES * 2, 8, 0, 0);
	open_bad_desc(&d, tu_desc_size(&d), seals,
	    "sq_entries above the limit");
	d = tu_desc(8, 8, 0, 100);
	open_bad_desc(&d, tu_desc_size(&d), seals,
	    "a pool not a page multiple");
	d = tu_desc(8, 8, 0, RING_MAX_POOL + RING_PAGE);
	open_bad_desc(&d, tu_desc_size(&d), seals, "a pool above the limit");

	/* files too small for what the description promises */
	open_bad_desc(&good, size - RING_PAGE, seals, "a file one page short");
	open_bad_desc(&good, size - 1, seals, "a file one byte short");
	open_bad_desc(&good, 3 * RING_PAGE, seals, "a file of headers only");
	open_bad_desc(&good, 100, seals, "a 100-byte file");
	open_bad_desc(&good, 0, seals, "an empty file");

	/* not a memory file at all */
	tu_build(&good, size, seals, &fds);
	close(fds.mem);
	fds.mem = -1;
	open_bad(&fds, RING_ROLE_CONSUMER, "fd -1");
	TAP_SYS(pipe(p));
	fds.mem = p[0];
	open_bad(&fds, RING_ROLE_CONSUMER, "a pipe");
	fds.mem = fds.doorbell[0];
	open_bad(&fds, RING_ROLE_PRODUCER, "a doorbell");
	tu_pipe_close(p);
	fds.mem = -1;
	ring_fds_close(&fds);

	/* doorbells that are not an unnamed datagram socket pair */
	{
		int ev, sv[2], db;

		for (db = 0; db < 2; db++) {
			tu_build(&good, size, seals, &fds);
			ev = fds.doorbell[db];
			fds.doorbell[db] = eventfd(0, EFD_CLOEXEC);
			open_bad(&fds, RING_ROLE_CONSUMER, "an eventfd doorbell");
			close(fds.doorbell[db]);
			TAP_SYS(pipe(p));
			fds.doorbell[db] = p[1];
			open_bad(&fds, RING_ROLE_PRODUCER, "a pipe doorbell");
			tu_pipe_close(p);
			TAP_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
			fds.doorbell[db] = sv[0];
			open_bad(&fds, RING_ROLE_CONSUMER, "a stream doorbell");
			tu_pipe_close(sv);
			TAP_SYS(sv[0] = socket(AF_UNIX, SOCK_DGRAM, 0));
			fds.doorbell[db] = sv[0];
			open_bad(&fds, RING_ROLE_MONITOR,
			    "an unconnected doorbell");
			close(sv[0]);
			fds.doorbell[db] = fds.doorbell[!db];
			open_bad(&fds, RING_ROLE_CONSUMER, "one doorbell twice");
			fds.doorbell[db] = ev;
			ring_fds_close(&fds);
		}
	}

	/* a good file but no such role */
	tu_build(&good, size, seals, &fds);
	open_bad(&fds, (enum ring_role)0, "role 0");
	open_bad(&fds, (enum ring_role)4, "role 4");
	open_bad(&fds, (enum ring_role) - 1, "role -1");
	ring_fds_close(&fds);

	TAP_EQ(tu_count_fds(), before);
}

/*
 * A pair whose header already holds impossible indices: refusing to open
 * it is fine; opening it and then answering -EIO is fine; anything else
 * (using the indices) is not.
 */
static void
bad_index_run(int which, enum ring_role role)
{
	const uint32_t n = 8;
	struct ring_header_page *hp;
	struct ring_fds fds;
	struct ring *r = NULL;
	struct ring_sqe s;
	size_t len;
	void *m;
	int rc, i;

	tu_create(&fds, n, n, 0, 0);
	m = tu_map(fds.mem, &len, PROT_READ | PROT_WRITE);
	hp = tu_sq_hdr(m);
	switch (which) {
	case 0: /* beyond 2n */
		hp->h.head_index = 5 * n;
		break;
	case 1: /* just beyond */
		hp->h.tail_index = 2 * n;
		break;
	case 2: /* tail - head > n */
		hp->h.tail_index = n + 1;
		break;
	case 3: /* head past tail */
		hp->h.head_index = 1;
		break;
	case 4:
		hp->h.tail_index = UINT64_MAX;
		break;
	}
	rc = ring_open(&fds, role, &r);
	if (rc < 0) {
		TAP_NEG(rc);
		goto out;
	}
	memset(&s, 0, sizeof(s));
	if (role == RING_ROLE_PRODUCER) {
		rc = ring_sq_pop(r, &s);
		if (rc != -EIO)
			TAP_FAIL("corruption #%d: ring_sq_pop = %s, expected "
				 "-EIO",
			    which, tap_rcname(rc));
	} else {
		/* the pusher looks at head when its cache says full */
		for (i = 0; i <= (int)n; i++)
			if ((rc = ring_sq_push(r, &s)) < 0)
				break;
		if (rc != -EIO)
			TAP_FAIL("corruption #%d: ring_sq_push = %s after %d "
				 "pushes, "
				 "expected -EIO",
			    which, tap_rcname(rc), i);
	}
	TAP_ASSERT(ring_is_broken(r));
	ring_close(r);
out:
	munmap(m, len);
	ring_fds_close(&fds);
}

TAP_TEST(test_open_bad_indices, "ring-open-bad-indices", 0)
{
	int which;

	for (which = 0; which < 5; which++) {
		bad_index_run(which, RING_ROLE_PRODUCER);
		bad_index_run(which, RING_ROLE_CONSUMER);
	}
}

TAP_MAIN(NULL)
