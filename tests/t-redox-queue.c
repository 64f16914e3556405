/*
 * t-redox-queue.c - one queue of the 2026 redox_ring format
 * (<redox/ring-scheme.h>) and the scheme side's objects, without ringd:
 * push, pop, peek and consume in one and two processes, full and empty,
 * indices wrapping at 2^31, a hostile peer's indices, objects that are
 * not sealed or not sized 256 + n * item, the dead mark, and the
 * WAITING-bit sleep and wake-up under a two-process stream with no lost
 * wake-up (the sleeps are not cut into slices there, so a lost one runs
 * out a 10 s wait and fails).  Also redox_sring_create()'s sizing, checks,
 * doorbell draining, file table and pool ranges.
 *
 * RING_TEST_SCALE scales the streams: 1 (CI) streams 200,000 entries
 * each, 50 streams 10 M.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <redox/ring-scheme.h>

#include "lib/tap.h"
#include "lib/testutil.h"

/* A queue object of n entries of item bytes, with head/tail preset. */
static int
make_object(uint32_t n, uint32_t item, uint32_t head, uint32_t tail)
{
	struct redox_queue q;
	int fd;

	TAP_RC(redox_queue_create(&q, &fd, n, item, REDOX_QUEUE_PUSH), 0);
	*q.head = head;
	*q.tail = tail;
	redox_queue_unmap(&q);
	return fd;
}

TAP_TEST(test_basic, "redox-queue-basic", 0)
{
	struct redox_queue pu, po;
	uint64_t v, w;
	uint32_t i;
	int fd;

	TAP_RC(redox_queue_create(&pu, &fd, 8, sizeof(v), REDOX_QUEUE_PUSH), 0);
	TAP_EQ(pu.n, 8);
	TAP_EQ(pu.map_len, REDOX_RING_HEADER_SIZE + 8 * sizeof(v));
	TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
	TAP_EQ(po.n, 8);
	TAP_RC(redox_queue_peek(&po, &w), -EAGAIN);
	TAP_RC(redox_queue_pop(&po, &w), -EAGAIN);
	/* the wrong side's calls */
	TAP_RC(redox_queue_pop(&pu, &w), -EINVAL);
	TAP_RC(redox_queue_push(&po, &v), -EINVAL);
	for (i = 0; i < 8; i++) {
		v = 1000 + i;
		TAP_RC(redox_queue_push(&pu, &v), 0);
	}
	TAP_RC(redox_queue_push(&pu, &v), -EAGAIN);
	TAP_ASSERT(redox_queue_reserve(&pu, 0) == NULL);
	TAP_EQ(redox_queue_fill(&po), 8);
	TAP_EQ(redox_queue_fill(&pu), 8);
	/* peek does not consume */
	TAP_RC(redox_queue_peek(&po, &w), 0);
	TAP_EQ(w, 1000);
	TAP_RC(redox_queue_peek(&po, &w), 0);
	TAP_EQ(w, 1000);
	TAP_RC(redox_queue_consume(&po, 9), -EINVAL);
	TAP_RC(redox_queue_consume(&po, 3), 3);
	TAP_RC(redox_queue_pop(&po, &w), 0);
	TAP_EQ(w, 1003);
	/* two-step push: reserve ahead, publish at once */
	for (i = 0; i < 4; i++) {
		uint64_t *slot = redox_queue_reserve(&pu, i);

		TAP_ASSERT(slot != NULL);
		*slot = 2000 + i;
	}
	TAP_ASSERT(redox_queue_reserve(&pu, 4) == NULL);
	TAP_RC(redox_queue_publish(&pu, 5), -EINVAL);
	TAP_RC(redox_queue_publish(&pu, 4), 4);
	for (i = 0; i < 8; i++) {
		TAP_RC(redox_queue_pop(&po, &w), 0);
		TAP_EQ(w, i < 4 ? 1004 + i : 2000 + i - 4);
	}
	TAP_RC(redox_queue_pop(&po, &w), -EAGAIN);
	TAP_EQ(*po.head, 12);
	TAP_EQ(*po.tail, 12);
	TAP_RC(redox_queue_wait_pop(&po, 0), -ETIMEDOUT);
	TAP_RC(redox_queue_wait_push(&pu, 0), 0);
	redox_queue_unmap(&pu);
	redox_queue_unmap(&po);
	close(fd);
}

/* Indices start just below 2^31 and run over it. */
TAP_TEST(test_wrap, "redox-queue-wrap", 0)
{
	uint32_t start = REDOX_RING_INDEX_MASK - 5, i, v, w;
	struct redox_queue pu, po;
	int fd = make_object(4, sizeof(v), start, start);

	TAP_RC(redox_queue_map(&pu, fd, sizeof(v), REDOX_QUEUE_PUSH), 0);
	TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
	TAP_EQ(pu.own, start);
	for (i = 0; i < 64; i++) {
		v = i * 7;
		TAP_RC(redox_queue_push(&pu, &v), 0);
		if (i % 3 == 0) {
			v++;
			TAP_RC(redox_queue_push(&pu, &v), 0);
		}
		while (redox_queue_fill(&po) > 0) {
			TAP_RC(redox_queue_pop(&po, &w), 0);
			TAP_ASSERT(w == i * 7 || w == i * 7 + 1);
		}
		TAP_ASSERT(!(*pu.tail & REDOX_RING_WAITING));
		TAP_ASSERT(*pu.tail <= REDOX_RING_INDEX_MASK);
	}
	TAP_ASSERT(*pu.tail < 100); /* wrapped */
	TAP_ASSERT(!pu.broken && !po.broken);
	redox_queue_unmap(&pu);
	redox_queue_unmap(&po);
	close(fd);
}

/* A peer writing impossible indices: -EIO, and it stays so. */
TAP_TEST(test_hostile, "redox-queue-hostile", 0)
{
	struct redox_queue pu, po;
	uint32_t v = 1, i;
	int fd = make_object(4, sizeof(v), 0, 0);

	TAP_RC(redox_queue_map(&pu, fd, sizeof(v), REDOX_QUEUE_PUSH), 0);
	TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
	*po.tail = 9; /* fill 9 > 4 */
	TAP_RC(redox_queue_peek(&po, &v), -EIO);
	*po.tail = 1;
	TAP_RC(redox_queue_pop(&po, &v), -EIO);
	TAP_RC(redox_queue_wait_pop(&po, 1000), -EIO);
	TAP_EQ(redox_queue_fill(&po), 0);
	*pu.tail = 0;
	*pu.head = 0x12345; /* pusher sees head ahead of tail */
	TAP_RC(redox_queue_push(&pu, &v), -EIO);
	TAP_ASSERT(redox_queue_reserve(&pu, 0) == NULL);
	TAP_RC(redox_queue_publish(&pu, 1), -EIO);
	TAP_RC(redox_queue_wait_push(&pu, 1000), -EIO);
	redox_queue_unmap(&pu);
	redox_queue_unmap(&po);
	/* random words: every answer stays in bounds, none crashes */
	tu_srand(19);
	for (i = 0; i < 20000; i++) {
		uint32_t h = (uint32_t)tu_rand(), t = (uint32_t)tu_rand();
		uint32_t *slot;
		int rc;

		if (i % 2) /* near each other, where it is valid */
			t = h + (uint32_t)tu_rand_below(6);
		TAP_RC(redox_queue_map(&pu, fd, sizeof(v), REDOX_QUEUE_PUSH), 0);
		TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
		*pu.head = h;
		*pu.tail = t;
		pu.own = t & REDOX_RING_INDEX_MASK;
		po.own = h & REDOX_RING_INDEX_MASK;
		rc = redox_queue_pop(&po, &v);
		TAP_ASSERT(rc == 0 || rc == -EAGAIN || rc == -EIO);
		slot = redox_queue_reserve(&pu, 0);
		TAP_ASSERT(!slot || ((uint8_t *)slot >= pu.entries &&
		    (uint8_t *)slot < pu.entries + 4 * sizeof(v)));
		rc = redox_queue_push(&pu, &v);
		TAP_ASSERT(rc == 0 || rc == -EAGAIN || rc == -EIO);
		TAP_ASSERT(redox_queue_fill(&po) <= 4);
		redox_queue_unmap(&pu);
		redox_queue_unmap(&po);
	}
	close(fd);
}

TAP_TEST(test_objects, "redox-queue-objects", 0)
{
	struct redox_queue q;
	int fd, p[2];

	/* not sealed against shrinking */
	fd = memfd_create("t", MFD_ALLOW_SEALING);
	TAP_ASSERT(fd >= 0);
	TAP_ASSERT(ftruncate(fd, 256 + 4 * 16) == 0);
	TAP_RC(redox_queue_map(&q, fd, 16, REDOX_QUEUE_POP), -EINVAL);
	close(fd);
	fd = memfd_create("t", 0); /* cannot be sealed at all */
	TAP_ASSERT(fd >= 0 && ftruncate(fd, 256 + 4 * 16) == 0);
	TAP_RC(redox_queue_map(&q, fd, 16, REDOX_QUEUE_POP), -EINVAL);
	close(fd);
	/* not a file */
	tu_pipe(p);
	TAP_RC(redox_queue_map(&q, p[0], 16, REDOX_QUEUE_POP), -EINVAL);
	tu_pipe_close(p);
	/* sizes: the largest power of two that fits, as relibc */
	fd = memfd_create("t", MFD_ALLOW_SEALING);
	TAP_ASSERT(fd >= 0 && ftruncate(fd, 256 + 7 * 16 + 3) == 0);
	TAP_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	TAP_RC(redox_queue_map(&q, fd, 16, REDOX_QUEUE_POP), 0);
	TAP_EQ(q.n, 4);
	TAP_EQ(q.mask, 3);
	redox_queue_unmap(&q);
	TAP_RC(redox_queue_map(&q, fd, 123, REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_map(&q, fd, 0, REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_map(&q, fd, 16, 7), -EINVAL);
	close(fd);
	fd = memfd_create("t", MFD_ALLOW_SEALING);
	TAP_ASSERT(fd >= 0 && ftruncate(fd, 100) == 0);
	TAP_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	TAP_RC(redox_queue_map(&q, fd, 1, REDOX_QUEUE_POP), -EINVAL);
	close(fd);
	/* create: n a power of two within bounds */
	TAP_RC(redox_queue_create(&q, &fd, 3, 16, REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_create(&q, &fd, 0, 16, REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_create(&q, &fd, REDOX_RING_MAX_CQ * 2, 16,
	    REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_create(&q, &fd, 4, 0, REDOX_QUEUE_POP), -EINVAL);
	TAP_RC(redox_queue_create(&q, &fd, REDOX_RING_MAX_CQ, 16,
	    REDOX_QUEUE_POP), 0);
	TAP_ASSERT((fcntl(fd, F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW)) ==
	    (F_SEAL_SHRINK | F_SEAL_GROW));
	redox_queue_unmap(&q);
	close(fd);
}

/* The dead mark ends a wait (bounded); so does the timeout. */
TAP_TEST(test_dead, "redox-queue-dead", 0)
{
	struct redox_queue po, pu;
	uint32_t v = 5;
	pid_t pid;
	int fd = make_object(2, sizeof(v), 0, 0);

	TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
	TAP_RC(redox_queue_map(&pu, fd, sizeof(v), REDOX_QUEUE_PUSH), 0);
	TAP_RC(redox_queue_wait_pop(&po, 20), -ETIMEDOUT);
	TAP_ASSERT(!(*po.head & REDOX_RING_WAITING));
	TAP_RC(redox_queue_push(&pu, &v), 0);
	TAP_RC(redox_queue_push(&pu, &v), 0);
	TAP_RC(redox_queue_wait_push(&pu, 20), -ETIMEDOUT);
	TAP_RC(redox_queue_consume(&po, 2), 2);
	pid = tap_fork();
	if (pid == 0) {
		/* mark it dead while the parent sleeps, without a wake-up */
		tu_sleep_ms(50);
		*po.state = REDOX_RING_STATE_DEAD;
		tap_child_exit();
	}
	TAP_RC(redox_queue_wait_pop(&po, -1), -EPIPE);
	TAP_ASSERT(redox_queue_dead(&po));
	tap_reap(pid);
	/* entries still there are taken before the mark counts */
	TAP_RC(redox_queue_push(&pu, &v), 0);
	TAP_RC(redox_queue_wait_pop(&po, -1), 0);
	redox_queue_unmap(&po);
	redox_queue_unmap(&pu);
	close(fd);
}

/*
 * Two processes, a tiny queue, the pusher in bursts of random length
 * with pauses, so both sides sleep often.  No slices in the sleeps: each
 * is one futex wait of up to LOST_MS, which only a lost wake-up can run
 * out while the other side streams.  Every entry arrives once, in order.
 */
#define LOST_MS 10000
static void
stream(uint32_t n)
{
	uint64_t total = tap_scaled(200000, 10000), i, v, sleeps = 0;
	struct redox_queue pu, po;
	int fd = make_object(n, sizeof(v), 0, 0);
	pid_t pid;

	pid = tap_fork();
	if (pid == 0) {
		TAP_RC(redox_queue_map(&po, fd, sizeof(v), REDOX_QUEUE_POP), 0);
		po.slice_ms = -1;
		for (i = 0; i < total; i++) {
			int rc = redox_queue_pop(&po, &v);

			if (rc == -EAGAIN) {
				rc = redox_queue_wait_pop(&po, LOST_MS);
				if (rc < 0)
					TAP_FAIL("wait_pop at %llu: %s (lost "
						 "wake-up?)",
					    (unsigned long long)i,
					    tap_rcname(rc));
				rc = redox_queue_pop(&po, &v);
			}
			if (rc < 0 || v != i)
				TAP_FAIL("pop %llu: %s, got %llu",
				    (unsigned long long)i, tap_rcname(rc),
				    (unsigned long long)v);
		}
		tap_child_exit();
	}
	TAP_RC(redox_queue_map(&pu, fd, sizeof(v), REDOX_QUEUE_PUSH), 0);
	pu.slice_ms = -1;
	tu_srand(n);
	for (i = 0; i < total;) {
		uint64_t burst = 1 + tu_rand_below(3 * n), k;

		for (k = 0; k < burst && i < total; k++, i++) {
			int rc = redox_queue_push(&pu, &i);

			if (rc == -EAGAIN) {
				sleeps++;
				rc = redox_queue_wait_push(&pu, LOST_MS);
				if (rc < 0)
					TAP_FAIL("wait_push at %llu: %s (lost "
						 "wake-up?)",
					    (unsigned long long)i,
					    tap_rcname(rc));
				rc = redox_queue_push(&pu, &i);
			}
			if (rc < 0)
				TAP_FAIL("push %llu: %s", (unsigned long long)i,
				    tap_rcname(rc));
		}
		/* now and then let the popper run dry and sleep */
		if (tu_rand_below(64) == 0)
			usleep(50);
	}
	tap_reap(pid);
	tap_diag("n=%u: %llu entries, %llu pusher waits", n,
	    (unsigned long long)total, (unsigned long long)sleeps);
	redox_queue_unmap(&pu);
	close(fd);
}

/* the watchdog leaves room for RING_TEST_SCALE=50 (10 M entries) */
TAP_TEST_CALL(test_stream2, "redox-queue-stream-n2", 900, stream(2))
TAP_TEST_CALL(test_stream8, "redox-queue-stream-n8", 900, stream(8))

/* A SETUP event as ringd would deliver it. */
static struct ring_ctl_redox_event
setup_event(uint32_t sq, uint32_t flags, uint32_t cq, uint32_t pool)
{
	struct ring_ctl_redox_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = RING_CTL_REDOX_SETUP;
	ev.ring_id = 77;
	ev.params.sq_entries = sq;
	ev.params.cq_entries = cq;
	ev.params.flags = flags;
	ev.params.pool_size = pool;
	ev.params.sqe_size = 32;
	ev.params.cqe_size = 16;
	return ev;
}

TAP_TEST(test_sring_sizes, "redox-sring-sizes", 0)
{
	static const struct {
		uint32_t sq, flags, cq, pool;
		int rc;
		uint32_t want_sq;
	} cases[] = {
		{ 128, 0, 128, 4u << 20, 0, 128 },
		{ 100, 0, 0, 4096, 0, 128 },
		{ 1, 0, 0, 1, 0, 1 },
		{ 32768, 0, 0, 4096, 0, 32768 },
		{ 32769, 0, 0, 4096, -EINVAL, 0 },
		{ 0, 0, 0, 4096, -EINVAL, 0 },
		{ 16, 0, 0, 0, -EINVAL, 0 },
		{ 16, 0, 0, (1u << 30) + 1, -EINVAL, 0 },
		{ 16, 2, 0, 4096, -EINVAL, 0 },
		{ 16, REDOX_RING_SETUP_CQSIZE, 0, 4096, -EINVAL, 0 },
		{ 16, REDOX_RING_SETUP_CQSIZE, 65537, 4096, -EINVAL, 0 },
		/* CQSIZE is checked but, as upstream, changes nothing */
		{ 16, REDOX_RING_SETUP_CQSIZE, 1000, 4096, 0, 16 },
	};
	struct ring_ctl_redox_fds give;
	struct redox_sring r;
	unsigned i;
	int before = tu_count_fds();

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ring_ctl_redox_event ev = setup_event(cases[i].sq,
		    cases[i].flags, cases[i].cq, cases[i].pool);
		struct stat st;

		TAP_RC(redox_sring_create(&r, &ev, 32, 16, &give), cases[i].rc);
		if (cases[i].rc < 0) {
			TAP_EQ(tu_count_fds(), before);
			continue;
		}
		TAP_EQ(r.params.sq_entries, cases[i].want_sq);
		TAP_EQ(r.params.cq_entries, 2 * cases[i].want_sq);
		TAP_EQ(r.sq.n, cases[i].want_sq);
		TAP_EQ(r.cq.n, 2 * cases[i].want_sq);
		TAP_EQ(r.ring_id, 77);
		TAP_ASSERT(fstat(give.sq, &st) == 0);
		TAP_EQ(st.st_size, 256 + 32 * (off_t)cases[i].want_sq);
		TAP_ASSERT(fstat(give.cq, &st) == 0);
		TAP_EQ(st.st_size, 256 + 16 * 2 * (off_t)cases[i].want_sq);
		TAP_ASSERT(fstat(give.pool, &st) == 0);
		TAP_EQ(st.st_size, cases[i].pool);
		TAP_ASSERT((fcntl(give.pool, F_GET_SEALS) & F_SEAL_SHRINK));
		TAP_ASSERT(fstat(give.doorbell, &st) == 0 && S_ISSOCK(st.st_mode));
		TAP_ASSERT(redox_sring_buf(&r, 0, cases[i].pool) == r.pool);
		TAP_ASSERT(redox_sring_buf(&r, 1, cases[i].pool) == NULL);
		TAP_ASSERT(redox_sring_buf(&r, UINT32_MAX, 2) == NULL);
		close(give.sq);
		close(give.cq);
		close(give.doorbell);
		close(give.pool);
		redox_sring_destroy(&r);
		TAP_EQ(tu_count_fds(), before);
	}
	/* item sizes must be the scheme's */
	{
		struct ring_ctl_redox_event ev = setup_event(8, 0, 0, 4096);

		TAP_RC(redox_sring_create(&r, &ev, 64, 16, &give), -EINVAL);
		TAP_RC(redox_sring_create(&r, &ev, 32, 32, &give), -EINVAL);
		ev.params.sqe_size = 0;
		TAP_RC(redox_sring_create(&r, &ev, 0, 16, &give), -EINVAL);
	}
	TAP_EQ(tu_count_fds(), before);
}

/* The scheme's ring against a consumer's mappings of the given objects. */
TAP_TEST(test_sring_use, "redox-sring-use", 0)
{
	struct ring_ctl_redox_event ev = setup_event(4, 0, 0, 8192);
	struct redox_disk_sqe sqe = { 0 }, got;
	struct redox_disk_cqe cqe = { 0 }, back;
	struct ring_ctl_redox_fds give;
	struct redox_queue csq, ccq;
	struct redox_sring r;
	uint8_t *cpool;
	int fds[2], i;

	TAP_RC(redox_sring_create(&r, &ev, 32, 16, &give), 0);
	TAP_RC(redox_queue_map(&csq, give.sq, 32, REDOX_QUEUE_PUSH), 0);
	TAP_RC(redox_queue_map(&ccq, give.cq, 16, REDOX_QUEUE_POP), 0);
	cpool = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, give.pool,
	    0);
	TAP_ASSERT(cpool != MAP_FAILED);
	TAP_RC(redox_sring_drain(&r), 0);
	sqe.opcode = REDOX_OP_WRITE;
	sqe.buf_offset = 4096;
	sqe.buf_len = 512;
	sqe.user_data = 42;
	memset(cpool + 4096, 'x', 512);
	TAP_RC(redox_queue_push(&csq, &sqe), 0);
	/* rung until the socket is full (EAGAIN), then one drain empties it */
	for (i = 0; i < 100000; i++)
		if (send(give.doorbell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
	TAP_ASSERT(i > 10 && i < 100000 && errno == EAGAIN);
	TAP_RC(redox_sring_drain(&r), 0);
	TAP_ASSERT(send(give.doorbell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1);
	TAP_RC(redox_sring_drain(&r), 0);
	TAP_RC(redox_queue_pop(&r.sq, &got), 0);
	TAP_EQ(got.user_data, 42);
	TAP_ASSERT(memcmp(redox_sring_buf(&r, got.buf_offset, got.buf_len),
	    cpool + 4096, 512) == 0);
	cqe.user_data = got.user_data;
	cqe.count = got.buf_len;
	TAP_RC(redox_queue_push(&r.cq, &cqe), 0);
	TAP_RC(redox_queue_pop(&ccq, &back), 0);
	TAP_EQ(back.count, 512);
	/* file table: taken, replaced, closed with the ring */
	tu_pipe(fds);
	ev.kind = RING_CTL_REDOX_FILES;
	ev.nfds = 2;
	ev.fds[0] = fds[0];
	ev.fds[1] = fds[1];
	TAP_RC(redox_sring_set_files(&r, &ev), 2);
	TAP_EQ(ev.nfds, 0);
	TAP_EQ(r.files[1], fds[1]);
	ev.nfds = 17;
	TAP_RC(redox_sring_set_files(&r, &ev), -EINVAL);
	/* the consumer goes: its doorbell end closes */
	close(give.doorbell);
	TAP_RC(redox_sring_drain(&r), -EPIPE);
	close(give.sq);
	close(give.cq);
	close(give.pool);
	munmap(cpool, 8192);
	redox_queue_unmap(&csq);
	redox_queue_unmap(&ccq);
	redox_sring_destroy(&r);
	TAP_ASSERT(fcntl(fds[0], F_GETFD) < 0 && fcntl(fds[1], F_GETFD) < 0);
}

TAP_MAIN(NULL)
