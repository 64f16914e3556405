/*
 * t-ctl-spare.c - the spare pairs ringd makes ahead for the next OPEN:
 * every pair a consumer gets is a fresh one (its own memory file, sealed,
 * headers zero but for the entry counts) whether it was made ahead or
 * not, for one client or two taking turns, after the last one was used;
 * the ring limits hold as without spares; a closed ring is out of the
 * listings when its CLOSE is answered; and an idle ringd holds none
 * (td_finish() checks its descriptors and mappings).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/raw.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#include "../lib/proto.h"

#define SPARE_OPENS 8 /* opens, taking turns between two clients */
#define SPARE_ENTRIES 8u

static struct td d;

/* CLOSE ring id on a raw connection; the reply's error. */
static int
spare_close(int fd, uint64_t id, uint32_t seq)
{
	struct proto_ring_ref ref = { .ring_id = id };

	return raw_call(fd, PROTO_CLOSE, seq, &ref, sizeof(ref), NULL, 0, NULL,
	    5000);
}

/*
 * A pair as ringd hands it out: sealed against resizing, both header
 * pages zero but for entry_count and the wait word of ringd's own
 * producer side (null is served by ringd, which may be asleep already).
 */
static void
spare_check_fresh(int mem)
{
	static uint8_t page[RING_PAGE];
	uint64_t ec;
	size_t i, w;
	int q;

	TAP_EQ(fcntl(mem, F_GET_SEALS),
	    F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW);
	for (q = 1; q <= 2; q++) {
		TAP_EQ(pread(mem, page, sizeof(page), (off_t)q * RING_PAGE),
		    (ssize_t)sizeof(page));
		memcpy(&ec, page, sizeof(ec));
		TAP_EQ(ec, SPARE_ENTRIES);
		w = q == 1 ? offsetof(struct ring_header_page, pop_wait)
			   : offsetof(struct ring_header_page, push_wait);
		for (i = sizeof(ec); i < sizeof(page); i++)
			if (page[i] != 0 && (i < w || i >= w + sizeof(uint32_t)))
				TAP_FAIL("header page %d: byte %zu is %#x, not 0",
				    q, i, page[i]);
	}
}

/*
 * Two clients take turns opening rings of the same parameters (so that
 * every open after the first can be served from the spares), each ring
 * used for a round trip and closed before the next open.  Every memory
 * file is kept open, so no inode number can come back: all must differ.
 */
TAP_TEST(test_spare_fresh, "ctl-spare-fresh", 30)
{
	struct stat st;
	ino_t ino[SPARE_OPENS];
	int fd[2], mem[SPARE_OPENS];
	struct ring_fds f;
	struct ring_sqe s;
	struct ring_cqe cq;
	struct ring *r;
	uint64_t id;
	int i, j;

	td_begin(&d, NULL);
	fd[0] = raw_open(d.sock, "spare-a");
	fd[1] = raw_open(d.sock, "spare-b");
	TAP_ASSERT(fd[0] >= 0 && fd[1] >= 0);
	for (i = 0; i < SPARE_OPENS; i++) {
		TAP_RC(raw_open_ring(fd[i % 2], "null", SPARE_ENTRIES, &f, &id),
		    0);
		spare_check_fresh(f.mem);
		TAP_EQ(fstat(f.mem, &st), 0);
		ino[i] = st.st_ino;
		for (j = 0; j < i; j++)
			if (ino[j] == ino[i])
				TAP_FAIL("open %d got the memory file of open %d",
				    i, j);
		/* dirty it: indices, epochs and a slot move */
		TAP_RC(ring_open(&f, RING_ROLE_CONSUMER, &r), 0);
		s = tu_sqe(RING_OP_NOOP, 100 + (uint64_t)i, 0, 0);
		td_roundtrip(r, &s, &cq);
		TAP_EQ(cq.user_data, 100 + (uint64_t)i);
		ring_close(r);
		mem[i] = f.mem;
		close(f.doorbell[0]);
		close(f.doorbell[1]);
		TAP_RC(spare_close(fd[i % 2], id, 1000 + (uint32_t)i), 0);
	}
	for (i = 0; i < SPARE_OPENS; i++)
		close(mem[i]);
	close(fd[0]);
	close(fd[1]);
	td_finish(&d);
}

/* The ring limits count rings, never spares, and hold with them. */
TAP_TEST(test_spare_limits, "ctl-spare-limits", 30)
{
	struct ring_params p = { .sq_entries = SPARE_ENTRIES };
	struct ring_ctl *a, *b;
	struct ring *ra[2], *rb, *rx;
	uint64_t ida[2], idb, idx;

	td_begin(&d, "max_rings = 3\nmax_rings_per_client = 2\n");
	a = td_connect(&d);
	b = td_connect(&d);
	TAP_RC(ring_ctl_open(a, "null", &p, &ra[0], &ida[0]), 0);
	TAP_RC(ring_ctl_open(a, "null", &p, &ra[1], &ida[1]), 0);
	/* a spare of these parameters is there now, the limit still holds */
	TAP_RC(ring_ctl_open(a, "null", &p, &rx, &idx), -EMFILE);
	TAP_RC(ring_ctl_open(b, "null", &p, &rb, &idb), 0);
	TAP_RC(ring_ctl_open(b, "null", &p, &rx, &idx), -ENFILE);
	/* a ring closed makes room for exactly one */
	td_close_ring(a, ra[1], ida[1]);
	TAP_RC(ring_ctl_open(b, "null", &p, &rx, &idx), 0);
	TAP_RC(ring_ctl_open(a, "null", &p, &ra[1], &ida[1]), -ENFILE);
	td_close_ring(b, rx, idx);
	td_close_ring(b, rb, idb);
	td_close_ring(a, ra[0], ida[0]);
	ring_ctl_close(b);
	td_end(&d, a);
}

/*
 * A ring closed through ringd is gone from the model when the CLOSE is
 * answered, though ringd frees its descriptors only later (rings_reap()):
 * a listing on another connection right after ring_ctl_close_ring() never
 * shows it, and the status counts it no more.
 */
TAP_TEST(test_spare_close_listed, "ctl-spare-close-listed", 30)
{
	struct ring_params p = { .sq_entries = SPARE_ENTRIES };
	struct ring_ctl_status st;
	struct ring_ctl_ring *v;
	struct ring_ctl *a, *b;
	struct ring *r;
	uint64_t id;
	size_t n, i;
	int k;

	td_begin(&d, "");
	a = td_connect(&d);
	b = td_connect(&d);
	for (k = 0; k < SPARE_OPENS * 4; k++) {
		TAP_RC(ring_ctl_open(a, k % 2 ? "null" : "echo", &p, &r, &id),
		    0);
		ring_close(r);
		TAP_RC(ring_ctl_close_ring(a, id), 0);
		TAP_RC(ring_ctl_list_rings(b, &v, &n), 0);
		for (i = 0; i < n; i++)
			if (v[i].ring_id == id)
				TAP_FAIL("ring %llu listed after its close",
				    (unsigned long long)id);
		free(v);
		TAP_RC(ring_ctl_status(b, &st), 0);
		TAP_EQ(st.rings, 0);
	}
	ring_ctl_close(b);
	td_end(&d, a);
}

TAP_MAIN(td_setup)
