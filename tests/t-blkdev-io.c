/*
 * t-blkdev-io.c - the block device scheme and its driver (examples/blkdev-*)
 * against a private ringd: the whole path driver -> ring -> scheme ->
 * file -> back, with physalloc3 DMA buffers as scatter-gather lists.
 *
 * Data integrity for fixed and random sizes and offsets, lists of many
 * segments, lists in the pool and in physical memory, and a fragmented
 * 32-bit zone (the driver must fall back to an SG list); a 32-bit device
 * refuses any range that reaches 4 GiB with -EFAULT while the driver's
 * SPACE_32 buffers stay below it; bad requests get a negative errno each;
 * a scheme killed or stopped with requests in flight leaves the driver
 * counting every request exactly once (a result or -ESHUTDOWN, none
 * unanswered), also when a slow driver has a backlog of answers unread;
 * a driver of another uid cannot reach the first driver's DMA memory
 * through the scheme; a driver killed mid-run leaves the scheme serving
 * the next driver correctly, even in the memory the dead one had; sizes
 * on the command line are decimal.
 *
 * The programs run as real processes (fork and exec) that die with the
 * sub-test; their output goes to files in ringd's test directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>
#include <ring/ring.h>

#include "../examples/blkdev.h"
#include "lib/proc.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define BT_WAIT_MS 60000u /* a program must end within this */

static struct td d;

/* BUILD/tests/t-blkdev-io -> BUILD/examples/<name>. */
static void
bt_binary(char *buf, size_t size, const char *name)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "examples/%s", name);
	td_build_bin(NULL, rel, buf, size);
}

/*
 * Run examples/<prog> with the arguments (NULL-terminated) on d's socket,
 * stdout and stderr to a log file named tag; it dies with the sub-test.
 */
static void
bt_start(struct tp_proc *p, const char *tag, const char *prog, ...)
{
	char bin[PATH_MAX];
	va_list ap;

	bt_binary(bin, sizeof(bin), prog);
	va_start(ap, prog);
	tp_startv(p, d.dir, tag, bin, d.sock, ap);
	va_end(ap);
}

/* Run a driver to its end and demand exit status want. */
static void
bt_expect(struct tp_proc *p, int want)
{
	tp_expect(p, BT_WAIT_MS, want);
}

/* Wait until ringd lists the name of scheme p. */
static void
bt_await_scheme(struct tp_proc *p, struct ring_ctl *c, const char *name)
{
	uint64_t t0 = clock_ns();

	while (!td_find_scheme(c, name, NULL)) {
		if (waitpid(p->pid, NULL, WNOHANG) != 0) {
			tp_dump(p);
			TAP_FAIL("blkdev-scheme '%s' ended at start", name);
		}
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("blkdev-scheme '%s' did not register in 5 s",
			    name);
		tu_sleep_ms(5);
	}
}

/* Start a scheme and wait until ringd lists its name. */
static void
bt_scheme(struct tp_proc *p, struct ring_ctl *c, const char *name, bool dma32)
{
	if (dma32)
		bt_start(p, name, "blkdev-scheme", "-n", name, "-s", "32M",
		    "-3", (char *)NULL);
	else
		bt_start(p, name, "blkdev-scheme", "-n", name, "-s", "32M",
		    (char *)NULL);
	bt_await_scheme(p, c, name);
}

/* The same with -e engine, on the backing file (NULL: its own). */
static void
bt_scheme_engine(struct tp_proc *p, struct ring_ctl *c, const char *name,
    const char *engine, const char *file)
{
	if (file != NULL)
		bt_start(p, name, "blkdev-scheme", "-n", name, "-s", "32M",
		    "-e", engine, "-f", file, (char *)NULL);
	else
		bt_start(p, name, "blkdev-scheme", "-n", name, "-s", "32M",
		    "-e", engine, (char *)NULL);
	bt_await_scheme(p, c, name);
}

/*
 * Wait until scheme p has said which engine it serves with (it says so
 * after registering its name), then demand that its log says s.
 */
static void
bt_scheme_says(const struct tp_proc *p, const char *s)
{
	uint64_t t0 = clock_ns();

	while (strstr(tp_log(p), " DMA, ") == NULL) {
		if (clock_ns() - t0 > 5000000000ull) {
			tp_dump(p);
			TAP_FAIL("blkdev-scheme did not say it serves in 5 s");
		}
		tu_sleep_ms(5);
	}
	tp_says(p, s);
}

/* Does this kernel let us use io_uring (a scheme with -e auto says)? */
static bool
bt_has_uring(const struct tp_proc *p)
{
	bt_scheme_says(p, " DMA, ");
	return strstr(tp_log(p), "DMA, io_uring I/O") != NULL;
}

/* A private ringd and the scheme name started; returns a client of it. */
static struct ring_ctl *
bt_begin(struct tp_proc *p, const char *name)
{
	struct ring_ctl *c;

	td_begin(&d, NULL);
	c = td_connect(&d);
	bt_scheme(p, c, name, false);
	return c;
}

/* Stop a scheme with SIGTERM: it must exit 0. */
static void
bt_scheme_stop(struct tp_proc *p)
{
	kill(p->pid, SIGTERM);
	bt_expect(p, 0);
}

/* --- integrity ------------------------------------------------------- */

TAP_TEST(t_verify_fixed, "blkdev verify, fixed sizes", TAP_TIMEOUT)
{
	struct tp_proc s, v;
	struct ring_ctl *c;

	c = bt_begin(&s, "bt");
	bt_start(&v, "drv", "blkdev-driver", "-n", "bt", "-b", "4K", "-q", "16",
	    "-l", "4M", "-p", "2", (char *)NULL);
	bt_expect(&v, 0);
	/* 2 passes of 1024 blocks, written and read back */
	tp_says(&v, "verify: 4096 requests (2048 reads, 2048 writes)");
	tp_says(&v, "0 errors, 0 mismatches");
	bt_scheme_stop(&s);
	tp_says(&s, "closed (driver left): 4099 requests, 0 errors");
	/* 16 buffers in one region: the scheme noted one region, not 16 */
	tp_says(&s, " bytes; regions mapped: 1\n");
	td_end(&d, c);
}

TAP_TEST(t_verify_random,
    "blkdev verify, random sizes, many segments, three drivers", TAP_TIMEOUT)
{
	struct tp_proc s, v[3];
	struct ring_ctl *c;
	char seed[3][24];
	int i;

	c = bt_begin(&s, "bt");
	for (i = 0; i < 3; i++)
		snprintf(seed[i], sizeof(seed[i]), "%llu",
		    (unsigned long long)(tu_rand() >> 1));
	/* three drivers at once, each on its own part of the device */
	bt_start(&v[0], "rand-pool", "blkdev-driver", "-n", "bt", "-R", "-b",
	    "256K", "-g", "64", "-q", "8", "-o", "0", "-l", "8M", "-p", "3",
	    "-x", seed[0], (char *)NULL);
	bt_start(&v[1], "rand-phys", "blkdev-driver", "-n", "bt", "-R", "-P",
	    "-b", "64K", "-g", "16", "-q", "32", "-o", "8M", "-l", "8M", "-p",
	    "3", "-x", seed[1], (char *)NULL);
	bt_start(&v[2], "rand-small", "blkdev-driver", "-n", "bt", "-R", "-b",
	    "4K", "-q", "64", "-o", "16M", "-l", "16M", "-x", seed[2],
	    (char *)NULL);
	for (i = 0; i < 3; i++) {
		bt_expect(&v[i], 0);
		tp_says(&v[i], " 0 errors, 0 mismatches");
	}
	/* 256 KiB in 64 pieces: 4 KiB segments */
	tp_says(&v[0], "up to 64 segments each");
	tp_says(&v[1], "lists in physical memory");
	bt_scheme_stop(&s);
	td_end(&d, c);
}

/*
 * Zone 32 cut into 64 KiB pieces with every other one free: no range of
 * the driver's 1 MiB arena exists, so it takes one 64 KiB range and the
 * rest as an SG list, all below 4 GiB.
 */
TAP_TEST(t_verify_fragmented,
    "blkdev verify, fragmented 32-bit zone", TAP_TIMEOUT)
{
	static uint64_t piece[256];
	struct ring_phys_zone *z = NULL;
	struct tp_proc s, v;
	struct ring_ctl *c;
	uint64_t min;
	size_t nz = 0;
	unsigned n = 0, i;
	int rc;

	td_begin(&d, "phys_zone32_size = 16M\n");
	c = td_connect(&d);
	while (n < 256) {
		min = 64 << 10;
		rc = ring_physalloc3(c, 64 << 10, RING_PHYS_SPACE_32, &min,
		    &piece[n]);
		if (rc == -ENOMEM)
			break;
		TAP_OK(rc);
		n++;
	}
	TAP_EQ(n, 256);
	for (i = 0; i < n; i += 2)
		TAP_OK(ring_physfree(c, piece[i], 64 << 10));
	TAP_OK(ring_phys_list_zones(c, &z, &nz));
	TAP_ASSERT(nz == 2 && z[0].largest_free == 64 << 10);
	free(z);

	bt_scheme(&s, c, "bt32", true);
	bt_start(&v, "frag", "blkdev-driver", "-n", "bt32", "-v", "-R", "-b",
	    "64K", "-q", "16", "-l", "8M", "-p", "2", (char *)NULL);
	bt_expect(&v, 0);
	tp_says(&v, "32-bit DMA; 16 buffers of 65536 bytes in 16 regions");
	tp_says(&v, "(fragmented: SG list)");
	tp_says(&v, " 0 errors, 0 mismatches");
	if (strstr(tp_log(&v), "zone 64") != NULL) {
		tp_dump(&v);
		TAP_FAIL("a 32-bit device's driver used zone 64");
	}
	/* the zone is full now: a second driver is told so, clearly */
	bt_start(&v, "nomem", "blkdev-driver", "-n", "bt32", "-b", "64K", "-q",
	    "512", "-l", "32M", (char *)NULL);
	bt_expect(&v, 1);
	tp_says(&v, "of 32-bit physical memory left");
	bt_scheme_stop(&s);
	for (i = 1; i < n; i += 2)
		TAP_OK(ring_physfree(c, piece[i], 64 << 10));
	td_end(&d, c);
}

/* --- requests made by hand -------------------------------------------- */

struct bt_dev {
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id, list; /* pool offset of a segment list */
	struct ring_phys_seg *segs;
	uint64_t seq;
};

static void
bt_dev_open(struct bt_dev *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->c = td_connect(&d);
	v->r = td_open(v->c, name, 16, 0, 16384, &v->id);
	TAP_OK(ring_pool_alloc(v->r, 4096, &v->list));
	TAP_OK(ring_pool_resolve(v->r, v->list, 4096, (void **)&v->segs));
}

static void
bt_dev_close(struct bt_dev *v)
{
	ring_close(v->r);
	ring_ctl_close(v->c);
}

/* A region of size bytes in space, granted to the device's ring. */
static uint64_t
bt_dev_region(struct bt_dev *v, uint32_t space, uint64_t size)
{
	uint64_t min = size, base;

	TAP_OK(ring_physalloc3(v->c, size, space, &min, &base));
	TAP_OK(ring_phys_grant(v->c, base, v->id));
	return base;
}

/* One request, its status. */
static int64_t
bt_req(struct bt_dev *v, uint8_t op, uint32_t flags, uint64_t addr,
    uint64_t len, uint64_t off)
{
	struct ring_sqe sqe = tu_sqe(op, ++v->seq, addr, len);
	struct ring_cqe cqe;

	sqe.syscall_flags = flags;
	sqe.offset = off;
	td_roundtrip(v->r, &sqe, &cqe);
	TAP_EQ_U(cqe.user_data, v->seq);
	return (int64_t)cqe.status;
}

/* READ or WRITE of the segments in v->segs[0..n). */
static int64_t
bt_rw(struct bt_dev *v, uint8_t op, unsigned n, uint64_t off)
{
	return bt_req(v, op, 0, v->list, n * sizeof(struct ring_phys_seg), off);
}

TAP_TEST(t_dma32_refuses,
    "blkdev 32-bit device refuses high addresses", TAP_TIMEOUT)
{
	struct tp_proc s32, s64;
	struct bt_dev v, w;
	uint64_t lo, hi, lo_list;
	struct ring_ctl *c;
	void *p;

	td_begin(&d, NULL);
	c = td_connect(&d);
	bt_scheme(&s32, c, "d32", true);
	bt_scheme(&s64, c, "d64", false);

	bt_dev_open(&v, "d32");
	lo = bt_dev_region(&v, RING_PHYS_SPACE_32, 8192);
	hi = bt_dev_region(&v, RING_PHYS_SPACE_64, 8192);
	TAP_ASSERT(lo + 8192 <= RING_PHYS_4G);
	TAP_ASSERT(hi >= RING_PHYS_4G);
	TAP_EQ(bt_req(&v, BLKDEV_OP_CAPACITY, 0, 0, 0, 0), (32 << 20) / 512);
	v.segs[0] = (struct ring_phys_seg){ lo, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), 4096);
	/* a high address anywhere in the list: refused, nothing moved */
	v.segs[0] = (struct ring_phys_seg){ hi, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, 0), -EFAULT);
	v.segs[0] = (struct ring_phys_seg){ lo, 4096 };
	v.segs[1] = (struct ring_phys_seg){ hi + 4096, 512 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 2, 0), -EFAULT);
	/* a list that itself lies above 4 GiB */
	TAP_OK(ring_physmap(v.c, hi, 4096, RING_PHYSMAP_WRITE, &p));
	memcpy(p, &v.segs[0], sizeof(v.segs[0]));
	TAP_EQ(bt_req(&v, RING_OP_READ, BLKDEV_SQE_LIST_PHYS, hi, 16, 0),
	    -EFAULT);
	/* the same list below 4 GiB is fine */
	TAP_OK(ring_physmap(v.c, lo + 4096, 4096, RING_PHYSMAP_WRITE, &p));
	memcpy(p, &v.segs[0], sizeof(v.segs[0]));
	lo_list = lo + 4096;
	TAP_EQ(bt_req(&v, RING_OP_READ, BLKDEV_SQE_LIST_PHYS, lo_list, 16, 0),
	    4096);

	/* a 64-bit device takes the high range */
	bt_dev_open(&w, "d64");
	hi = bt_dev_region(&w, RING_PHYS_SPACE_64, 8192);
	TAP_ASSERT(hi >= RING_PHYS_4G);
	w.segs[0] = (struct ring_phys_seg){ hi, 8192 };
	TAP_EQ(bt_rw(&w, RING_OP_WRITE, 1, 4096), 8192);

	bt_scheme_stop(&s32);
	bt_scheme_stop(&s64);
	ring_ctl_close(c);
	bt_dev_close(&v);
	bt_dev_close(&w);
	td_finish(&d);
}

/*
 * Requests pushed together, served in one turn: each answer, in any
 * order, must carry its own request's result.
 */
static void
bt_batch(struct bt_dev *v, unsigned n, const struct ring_sqe *sqe,
    const int64_t *want)
{
	struct ring_cqe cqe;
	unsigned i, got;

	for (i = 0; i < n; i++)
		TAP_OK(ring_sq_push(v->r, &sqe[i]));
	for (got = 0; got < n; got++) {
		while (ring_cq_pop(v->r, &cqe) == -EAGAIN)
			TAP_ASSERT(ring_wait(v->r, RING_EV_IN, 10000000000ll) >
			    0);
		for (i = 0; i < n && sqe[i].user_data != cqe.user_data; i++)
			;
		TAP_ASSERT(i < n);
		TAP_EQ((int64_t)cqe.status, want[i]);
	}
}

/*
 * The rules of blkdev.h broken one at a time, through the engine given;
 * then good and bad requests in one turn, the writes continuing each
 * other (merged into one transfer), a bad one among them.
 */
static void
bt_bad_requests(const char *engine)
{
	struct blkdev_identify id;
	struct ring_sqe sqe[6];
	struct tp_proc s;
	struct bt_dev v;
	struct ring_ctl *c;
	uint64_t lo, buf, list;
	uint8_t *data;
	int64_t want[6];
	unsigned i;
	void *p;

	td_begin(&d, NULL);
	c = td_connect(&d);
	bt_scheme_engine(&s, c, "bt", engine, NULL);
	if (strcmp(engine, "sync") == 0)
		bt_scheme_says(&s, "DMA, preadv/pwritev I/O");
	else if (!bt_has_uring(&s))
		tap_diag("no io_uring here: %s", tp_log(&s));
	bt_dev_open(&v, "bt");
	lo = bt_dev_region(&v, RING_PHYS_SPACE_64, 8192);

	/* what a good device says */
	TAP_OK(ring_pool_alloc(v.r, 4096, &buf));
	TAP_EQ(bt_req(&v, BLKDEV_OP_IDENTIFY, 0, buf, 4096, 0), sizeof(id));
	TAP_OK(ring_pool_resolve(v.r, buf, sizeof(id), &p));
	memcpy(&id, p, sizeof(id));
	TAP_EQ_U(id.magic, BLKDEV_IDENT_MAGIC);
	TAP_EQ_U(id.capacity, 32 << 20);
	TAP_EQ(id.flags, 0);
	TAP_EQ(bt_req(&v, RING_OP_FSTAT, 0, 0, 0, 0), 32 << 20);
	TAP_EQ(bt_req(&v, RING_OP_FSYNC, 0, 0, 0, 0), 0);
	TAP_EQ(bt_req(&v, BLKDEV_OP_IDENTIFY, 0, buf, 16, 0), -EINVAL);

	v.segs[0] = (struct ring_phys_seg){ lo, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, 0), 4096);
	/* the rules of blkdev.h, one broken at a time */
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, 100), -EINVAL);     /* offset */
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, 32 << 20), -ENXIO); /* past end */
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, (32 << 20) - 512), -ENXIO);
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, UINT64_MAX - 511), -ENXIO);
	TAP_EQ(bt_req(&v, RING_OP_READ, 0, v.list, 24, 0), -EINVAL); /* list */
	TAP_EQ(bt_req(&v, RING_OP_READ, 0, v.list, 0, 0), -EINVAL);
	TAP_EQ(bt_req(&v, RING_OP_READ, 0, v.list, 16 * 257, 0), -EINVAL);
	TAP_EQ(bt_req(&v, RING_OP_READ, 0x2, v.list, 16, 0), -EINVAL);
	TAP_EQ(bt_req(&v, RING_OP_READ, 0, 1u << 20, 16, 0),
	    -EFAULT);				       /* pool */
	v.segs[0] = (struct ring_phys_seg){ lo, 100 }; /* sectors */
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), -EINVAL);
	v.segs[0] = (struct ring_phys_seg){ lo, 0 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), -EINVAL);
	v.segs[0] = (struct ring_phys_seg){ UINT64_MAX - 511, 512 }; /* wraps */
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), -EINVAL);
	v.segs[0] = (struct ring_phys_seg){ lo + 4096, 8192 }; /* overruns */
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), -EFAULT);
	v.segs[0] = (struct ring_phys_seg){ 4096, 4096 }; /* nothing there */
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), -EFAULT);
	TAP_EQ(bt_req(&v, 200, 0, 0, 0, 0), -ENOSYS);
	TAP_EQ(bt_req(&v, BLKDEV_OP_RELEASE, 0, lo, 0, 0), 0);
	/* and it still works: the mapping comes back */
	v.segs[0] = (struct ring_phys_seg){ lo, 8192 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 8192), 8192);

	/* one turn: three writes in a row, a bad one between them */
	TAP_OK(ring_physmap(v.c, lo, 8192, RING_PHYSMAP_WRITE, &p));
	data = p;
	for (i = 0; i < 8192; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	TAP_OK(ring_pool_alloc(v.r, 4096, &list));
	TAP_OK(ring_pool_resolve(v.r, list, 4096, &p));
	/* lists: [0] lo 4K, [1] lo+4K 4K, [2] lo 100 (bad), [3] lo 8K */
	memcpy(p,
	    (struct ring_phys_seg[]){ { lo, 4096 }, { lo + 4096, 4096 },
		{ lo, 100 }, { lo, 8192 } },
	    4 * sizeof(struct ring_phys_seg));
	for (i = 0; i < 6; i++) {
		sqe[i] = tu_sqe(RING_OP_WRITE, 100 + i, list, 16);
		want[i] = 4096;
	}
	sqe[0].offset = 65536;		    /* lo..+4K */
	sqe[1].addr = list + 16;	    /* lo+4K..+4K */
	sqe[1].offset = 65536 + 4096;
	sqe[2].addr = list + 32;	    /* sectors: refused */
	sqe[2].offset = 65536 + 8192;
	want[2] = -EINVAL;
	sqe[3].offset = 65536 + 8192;	    /* lo..+4K again */
	sqe[4].offset = 65536 + 12288;
	sqe[4].addr = list + 16;
	sqe[5].offset = (32 << 20) - 4096;  /* the last block: fine */
	bt_batch(&v, 6, sqe, want);
	/* both halves back, each with a bad read in the same turn */
	memset(data, 0, 8192);
	sqe[0] = tu_sqe(RING_OP_READ, 200, list + 48, 16);
	sqe[0].offset = 65536;
	want[0] = 8192;
	sqe[1] = tu_sqe(RING_OP_READ, 201, list + 32, 16);
	want[1] = -EINVAL;
	bt_batch(&v, 2, sqe, want);
	for (i = 0; i < 8192; i++)
		if (data[i] != (uint8_t)(i * 7 + 1))
			TAP_FAIL("byte %u read back is %#x", i, data[i]);
	memset(data, 0, 8192);
	sqe[0].offset = 65536 + 8192;
	sqe[0].user_data = 202;
	sqe[1] = tu_sqe(RING_OP_READ, 203, list + 48, 16);
	sqe[1].offset = 32 << 20;
	want[1] = -ENXIO;
	bt_batch(&v, 2, sqe, want);
	for (i = 0; i < 8192; i++)
		if (data[i] != (uint8_t)(i * 7 + 1))
			TAP_FAIL("byte %u of the second half is %#x", i,
			    data[i]);
	TAP_OK(ring_physunmap(data, 8192));

	bt_scheme_stop(&s);
	tp_says(&s, "ring 1 from");
	bt_dev_close(&v);
	td_end(&d, c);
}

TAP_TEST(t_bad_requests, "blkdev bad requests each get an errno", TAP_TIMEOUT)
{
	bt_bad_requests("auto");
}

TAP_TEST(t_bad_requests_sync,
    "blkdev bad requests each get an errno, -e sync", TAP_TIMEOUT)
{
	bt_bad_requests("sync");
}

/*
 * Two schemes on one backing file, one with io_uring (when the kernel
 * has it), one without: what either writes the other reads back, and
 * the driver's verify passes through both (random sizes, many segments).
 */
TAP_TEST(t_engines, "blkdev io_uring and preadv engines agree", TAP_TIMEOUT)
{
	struct tp_proc su, ss, v;
	struct bt_dev a, b;
	struct ring_ctl *c;
	char file[TD_PATH_MAX];
	uint64_t ra, rb;
	uint8_t *pa, *pb;
	unsigned i, k;

	td_begin(&d, NULL);
	c = td_connect(&d);
	snprintf(file, sizeof(file), "%s/disk.img", d.dir);
	bt_scheme_engine(&su, c, "eu", "auto", file);
	bt_scheme_engine(&ss, c, "es", "sync", file);
	bt_scheme_says(&ss, "DMA, preadv/pwritev I/O");
	if (!bt_has_uring(&su))
		tap_diag("no io_uring here: %s", tp_log(&su));
	bt_dev_open(&a, "eu");
	bt_dev_open(&b, "es");
	ra = bt_dev_region(&a, RING_PHYS_SPACE_64, 65536);
	rb = bt_dev_region(&b, RING_PHYS_SPACE_64, 65536);
	TAP_OK(ring_physmap(a.c, ra, 65536, RING_PHYSMAP_WRITE, (void **)&pa));
	TAP_OK(ring_physmap(b.c, rb, 65536, RING_PHYSMAP_WRITE, (void **)&pb));
	for (k = 0; k < 2; k++) {
		struct bt_dev *w = k ? &b : &a, *r = k ? &a : &b;
		uint8_t *pw = k ? pb : pa, *pr = k ? pa : pb;
		uint64_t bw = k ? rb : ra, br = k ? ra : rb;

		for (i = 0; i < 65536; i++)
			pw[i] = (uint8_t)(i * 13 + k + 1);
		memset(pr, 0, 65536);
		/* three segments out of order, at 1 MiB + k * 64 KiB */
		w->segs[0] = (struct ring_phys_seg){ bw + 32768, 16384 };
		w->segs[1] = (struct ring_phys_seg){ bw, 32768 };
		w->segs[2] = (struct ring_phys_seg){ bw + 49152, 16384 };
		TAP_EQ(bt_rw(w, RING_OP_WRITE, 3, (1 << 20) + k * 65536),
		    65536);
		r->segs[0] = (struct ring_phys_seg){ br, 65536 };
		TAP_EQ(bt_rw(r, RING_OP_READ, 1, (1 << 20) + k * 65536),
		    65536);
		for (i = 0; i < 65536; i++) {
			unsigned src = i < 16384 ? 32768 + i
			    : i < 49152	     ? i - 16384
					     : i;

			if (pr[i] != (uint8_t)(src * 13 + k + 1))
				TAP_FAIL("%s wrote, %s read: byte %u is %#x",
				    k ? "sync" : "auto", k ? "auto" : "sync",
				    i, pr[i]);
		}
	}
	TAP_OK(ring_physunmap(pa, 65536));
	TAP_OK(ring_physunmap(pb, 65536));
	bt_dev_close(&a);
	bt_dev_close(&b);
	bt_start(&v, "vu", "blkdev-driver", "-n", "eu", "-R", "-b", "64K",
	    "-g", "8", "-q", "16", "-o", "4M", "-l", "4M", (char *)NULL);
	bt_expect(&v, 0);
	tp_says(&v, " 0 errors, 0 mismatches");
	bt_start(&v, "vs", "blkdev-driver", "-n", "es", "-R", "-b", "64K",
	    "-g", "8", "-q", "16", "-o", "8M", "-l", "4M", (char *)NULL);
	bt_expect(&v, 0);
	tp_says(&v, " 0 errors, 0 mismatches");
	bt_scheme_stop(&su);
	bt_scheme_stop(&ss);
	td_end(&d, c);
}

/* The byte the merged-reads test writes at device offset o. */
static uint8_t
bt_pattern(uint64_t o)
{
	return (uint8_t)((o >> 9) * 31 + o * 7 + 1);
}

/*
 * One turn of eight READs on scheme name, pushed at once: 0-3 continue
 * each other (two segments each, out of order), 4 is bad (a segment
 * that is not whole sectors), 5-6 continue 3 on the device but follow
 * the bad one, 7 stands alone.  Each must get its own answer and its
 * own bytes; the scheme must move 0-3 as one transfer and 5-6 as one:
 * seven transfers moved as three.
 */
static void
bt_merged_turn(struct tp_proc *s, const char *name, uint64_t at)
{
	static const struct {
		uint64_t off, len; /* on the device, from at */
		uint64_t buf;	   /* in the region */
		unsigned nsegs;	   /* 2: halves swapped; 3: quarters 2,0+1,3 */
		int64_t status;
	} rq[8] = {
		{ 0, 16384, 0, 2, 16384 },
		{ 16384, 16384, 16384, 2, 16384 },
		{ 32768, 16384, 32768, 2, 16384 },
		{ 49152, 16384, 49152, 2, 16384 },
		{ 65536, 1000, 229376, 1, -EINVAL },
		{ 65536, 16384, 65536, 1, 16384 },
		{ 81920, 16384, 81920, 1, 16384 },
		{ 163840, 32768, 163840, 3, 32768 },
	};
	struct ring_sqe sqe[8];
	struct ring_cqe cqe;
	struct ring_phys_seg *l;
	struct bt_dev v;
	bool seen[8] = { false };
	uint64_t reg, o, k;
	uint8_t *p;
	unsigned i;

	bt_dev_open(&v, name);
	reg = bt_dev_region(&v, RING_PHYS_SPACE_64, 262144);
	TAP_OK(ring_physmap(v.c, reg, 262144, RING_PHYSMAP_WRITE, (void **)&p));
	memset(p, 0, 262144);
	/* request i reads into [reg + buf, reg + buf + len), list at i * 4 */
	for (i = 0; i < 8; i++) {
		uint64_t b = reg + rq[i].buf, n = rq[i].len;

		l = v.segs + i * 4;
		if (rq[i].nsegs == 2) {
			l[0] = (struct ring_phys_seg){ b + n / 2, n / 2 };
			l[1] = (struct ring_phys_seg){ b, n / 2 };
		} else if (rq[i].nsegs == 3) {
			l[0] = (struct ring_phys_seg){ b + n / 2, n / 4 };
			l[1] = (struct ring_phys_seg){ b, n / 2 };
			l[2] = (struct ring_phys_seg){ b + 3 * n / 4, n / 4 };
		} else {
			l[0] = (struct ring_phys_seg){ b, n };
		}
		sqe[i] = tu_sqe(RING_OP_READ, 100 + i,
		    v.list + i * 4 * sizeof(*l),
		    rq[i].nsegs * sizeof(*l));
		sqe[i].offset = at + rq[i].off;
	}
	TAP_EQ(ring_sq_push_batch(v.r, sqe, 8), 8);
	for (i = 0; i < 8; i++) {
		TAP_OK(td_cq_pop_wait(v.r, &cqe, 5000));
		k = cqe.user_data - 100;
		TAP_ASSERT(k < 8 && !seen[k]);
		seen[k] = true;
		TAP_EQ((int64_t)cqe.status, rq[k].status);
	}
	/* the bytes each read put where its list said, in list order */
	for (i = 0; i < 8; i++) {
		uint64_t n = rq[i].len, q = n / 4;

		for (k = 0; k < n && rq[i].status > 0; k++) {
			if (rq[i].nsegs == 2)
				o = k < n / 2 ? k + n / 2 : k - n / 2;
			else if (rq[i].nsegs == 3)
				o = k < q ? k + 2 * q : k < 3 * q ? k - q : k;
			else
				o = k;
			if (p[rq[i].buf + o] != bt_pattern(at + rq[i].off + k))
				TAP_FAIL("%s: read %u: byte %llu is %#x", name,
				    i, (unsigned long long)k,
				    p[rq[i].buf + o]);
		}
	}
	/* the bad read moved nothing */
	for (k = 0; k < 1024; k++)
		TAP_EQ(p[rq[4].buf + k], 0);
	TAP_OK(ring_physunmap(p, 262144));
	bt_dev_close(&v);
	bt_scheme_stop(s);
	tp_says(s, "; 7 transfers moved as 3\n");
}

/*
 * Reads that continue each other on the device, in one turn, are moved
 * as one transfer by either engine (one io_uring read, or one preadv),
 * and give each request the bytes it asked for, as the other engine
 * does; a bad request between them breaks the run and fails alone.
 */
TAP_TEST(t_merged_reads, "blkdev reads in a row merged, both engines",
    TAP_TIMEOUT)
{
	struct tp_proc su, ss;
	struct ring_ctl *c;
	char file[TD_PATH_MAX];
	static uint8_t buf[262144];
	uint64_t at = 3 << 20, k;
	int fd;

	td_begin(&d, NULL);
	c = td_connect(&d);
	snprintf(file, sizeof(file), "%s/disk.img", d.dir);
	bt_scheme_engine(&su, c, "mu", "auto", file);
	bt_scheme_engine(&ss, c, "ms", "sync", file);
	if (!bt_has_uring(&su))
		tap_diag("no io_uring here: %s", tp_log(&su));
	/* the data, written to the backing file under both schemes */
	for (k = 0; k < sizeof(buf); k++)
		buf[k] = bt_pattern(at + k);
	TAP_SYS(fd = open(file, O_WRONLY | O_CLOEXEC));
	TAP_EQ(pwrite(fd, buf, sizeof(buf), (off_t)at), (ssize_t)sizeof(buf));
	close(fd);
	bt_merged_turn(&su, "mu", at);
	bt_merged_turn(&ss, "ms", at);
	td_end(&d, c);
}

/*
 * Make io_uring_setup fail with err in this sub-test and its children,
 * as a container's seccomp profile does (the number is the same on every
 * architecture since Linux 5.1).
 */
static void
bt_forbid_uring(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	TAP_SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	TAP_SYS(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

/*
 * Without io_uring (ENOSYS, EPERM), -e auto says so and serves with
 * preadv/pwritev, correctly; -e uring refuses to start.
 */
TAP_TEST(t_no_uring, "blkdev without io_uring falls back to preadv",
    TAP_TIMEOUT)
{
	struct tp_proc s, v;
	struct ring_ctl *c;

	td_begin(&d, NULL);
	c = td_connect(&d);
	bt_forbid_uring(ENOSYS);
	bt_scheme_engine(&s, c, "nu", "auto", NULL);
	bt_scheme_says(&s, "DMA, preadv/pwritev I/O");
	tp_says(&s, "blkdev-scheme: no io_uring (Function not implemented): "
		    "copying with preadv/pwritev\n");
	bt_start(&v, "v", "blkdev-driver", "-n", "nu", "-R", "-b", "32K", "-g",
	    "4", "-q", "16", "-l", "2M", "-p", "2", (char *)NULL);
	bt_expect(&v, 0);
	tp_says(&v, " 0 errors, 0 mismatches");
	bt_scheme_stop(&s);
	bt_start(&s, "nu2", "blkdev-scheme", "-n", "nu2", "-e", "uring",
	    (char *)NULL);
	bt_expect(&s, 1);
	tp_says(&s, "blkdev-scheme: cannot set up io_uring: Function not "
		    "implemented");
	td_end(&d, c);
}

/* --- dead peers ------------------------------------------------------- */

/*
 * Poll ringd's list of rings until it holds one ring and ok() accepts it;
 * after ms, show the driver v's output and fail saying why.
 */
static void
bt_await_ring(struct ring_ctl *c, const struct tp_proc *v,
    bool (*ok)(const struct ring_ctl_ring *g), unsigned ms, const char *why)
{
	uint64_t t0 = clock_ns();
	struct ring_ctl_ring *rings;
	size_t n;
	bool done;

	for (;;) {
		TAP_OK(ring_ctl_list_rings(c, &rings, &n));
		done = n == 1 && ok(&rings[0]);
		free(rings);
		if (done)
			return;
		if (clock_ns() - t0 > (uint64_t)ms * 1000000ull) {
			tp_dump(v);
			TAP_FAIL("%s", why);
		}
		tu_sleep_ms(2);
	}
}

/* 16 submitted and not answered, none waiting to be reaped. */
static bool
bt_window_full(const struct ring_ctl_ring *g)
{
	return g->sq.push_epoch - g->cq.push_epoch == 16 && g->cq.depth == 0;
}

static bool
bt_backlog(const struct ring_ctl_ring *g)
{
	return g->cq.depth >= 8;
}

/*
 * The scheme is stopped (SIGSTOP) while a driver keeps 16 requests in
 * flight, so all 16 are queued when it is killed: ringd answers each with
 * -ESHUTDOWN and the driver says so and fails.
 */
TAP_TEST(t_kill_scheme,
    "blkdev scheme killed: ESHUTDOWN for every request", TAP_TIMEOUT)
{
	struct tp_proc s, v;
	struct ring_ctl *c;

	c = bt_begin(&s, "bt");
	bt_start(&v, "load", "blkdev-driver", "-n", "bt", "-m", "load", "-q",
	    "16", "-l", "4M", (char *)NULL);
	/* let it run, then freeze the device and wait for a full window */
	tu_sleep_ms(300);
	TAP_SYS(kill(s.pid, SIGSTOP));
	bt_await_ring(c, &v, bt_window_full, 5000,
	    "the driver never had 16 requests queued");
	TAP_SYS(kill(s.pid, SIGKILL));
	tp_reap(&s, 5000);
	TAP_EQ(s.status, 128 + SIGKILL);
	bt_expect(&v, 1);
	tp_says(&v, " with ESHUTDOWN, 0 never answered");
	tp_says(&v, " 0 errors, 0 mismatches");
	{
		unsigned long long sub, res, shut, never;
		const char *at = strstr(tp_log(&v), "'bt' went away: ");

		TAP_ASSERT(at != NULL);
		TAP_EQ(sscanf(at,
			   "'bt' went away: %llu requests submitted, %llu "
			   "answered with a result, %llu with ESHUTDOWN, %llu",
			   &sub, &res, &shut, &never),
		    4);
		/* the 16 queued ones, and each request exactly once */
		TAP_EQ_U(shut, 16);
		TAP_EQ_U(never, 0);
		TAP_EQ_U(sub, res + shut);
	}
	td_end(&d, c);
}

/*
 * The scheme ends (killed, or stopped with SIGTERM) while a slow-reaping
 * driver has a full window in flight, most of it answered and waiting in
 * its CQ: the driver takes every answer still due, counts each request
 * exactly once (submitted = answered with a result + ESHUTDOWN), never
 * leaves one unanswered, and exits 1 as ring-blkdev(7) says.
 */
static void
bt_scheme_dies(int sig)
{
	unsigned long long sub, res, shut, never, reqs;
	struct tp_proc s, v;
	struct ring_ctl *c;
	const char *at;

	c = bt_begin(&s, "ks");
	bt_start(&v, "slow", "blkdev-driver", "-n", "ks", "-m", "load", "-b",
	    "4K", "-q", "16", "-d", "20", "-l", "256K", (char *)NULL);
	/* wait for a backlog: answers piling up in the driver's CQ */
	bt_await_ring(c, &v, bt_backlog, 10000,
	    "no backlog of answers built up in 10 s");
	TAP_SYS(kill(s.pid, sig));
	tp_reap(&s, 5000);
	TAP_EQ(s.status, sig == SIGKILL ? 128 + SIGKILL : 0);
	bt_expect(&v, 1);
	at = strstr(tp_log(&v), "'ks' went away: ");
	if (at == NULL) {
		tp_dump(&v);
		TAP_FAIL("the driver did not say the device went away");
	}
	if (sscanf(at,
		"'ks' went away: %llu requests submitted, %llu answered "
		"with a result, %llu with ESHUTDOWN, %llu never answered",
		&sub, &res, &shut, &never) != 4) {
		tp_dump(&v);
		TAP_FAIL("odd report: %.*s", (int)strcspn(at, "\n"), at);
	}
	TAP_EQ_U(never, 0);
	TAP_EQ_U(sub, res + shut);
	TAP_ASSERT(res >= 8); /* the backlog was taken, not dropped */
	/* the summary counts the same answers */
	at = strstr(tp_log(&v), "blkdev-driver: load: ");
	TAP_ASSERT(at != NULL);
	TAP_EQ(sscanf(at, "blkdev-driver: load: %llu requests", &reqs), 1);
	TAP_EQ_U(reqs, res);
	tp_says(&v, " 0 errors, 0 mismatches");
	td_end(&d, c);
}

TAP_TEST(t_kill_scheme_slow,
    "blkdev scheme killed under a slow driver: every request "
    "counted once", TAP_TIMEOUT)
{
	bt_scheme_dies(SIGKILL);
}

TAP_TEST(t_stop_scheme_slow,
    "blkdev scheme stopped under a slow driver: every request "
    "counted once", TAP_TIMEOUT)
{
	bt_scheme_dies(SIGTERM);
}

/*
 * Two drivers on one scheme, the second as another uid: it names the
 * first one's granted DMA buffer in its own scatter-gather list.  The
 * scheme must refuse both directions (-EFAULT), although it holds a
 * mapping of that buffer already, and the buffer keeps its bytes.
 */
TAP_TEST(t_dma_isolation,
    "blkdev DMA isolation between two drivers", TAP_TIMEOUT)
{
	struct tp_proc s;
	struct bt_dev v, w;
	struct ring_ctl *c;
	uint64_t victim, pat = 0x5a5a5a5a5a5a5a5aull;
	uint8_t *vp;
	unsigned i;
	pid_t pid;

	td_begin(&d, "phys_allow_users = yes\n");
	c = td_connect(&d);
	bt_scheme(&s, c, "iso", false);
	bt_dev_open(&v, "iso");
	victim = bt_dev_region(&v, RING_PHYS_SPACE_64, 8192);
	TAP_OK(
	    ring_physmap(v.c, victim, 8192, RING_PHYSMAP_WRITE, (void **)&vp));
	memset(vp, 0xa5, 8192);
	/* the victim's own requests work; the scheme now maps the buffer */
	v.segs[0] = (struct ring_phys_seg){ victim, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 0), 4096);
	v.segs[0] = (struct ring_phys_seg){ victim + 4096, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_WRITE, 1, 4096), 4096);
	fflush(NULL);
	TAP_SYS(pid = tap_fork());
	if (pid == 0) {
		uint64_t own;

		td_become_nobody();
		bt_dev_open(&w, "iso");
		own = bt_dev_region(&w, RING_PHYS_SPACE_64, 4096);
		/* its own buffer: fine; fill the device's first block */
		w.segs[0] = (struct ring_phys_seg){ own, 4096 };
		TAP_EQ(bt_rw(&w, RING_OP_WRITE, 1, 8192), 4096);
		/* DMA into the victim's buffer, and out of it */
		w.segs[0] = (struct ring_phys_seg){ victim, 4096 };
		TAP_EQ(bt_rw(&w, RING_OP_READ, 1, 8192), -EFAULT);
		TAP_EQ(bt_rw(&w, RING_OP_WRITE, 1, 8192), -EFAULT);
		/* hidden behind a segment of its own */
		w.segs[0] = (struct ring_phys_seg){ own, 512 };
		w.segs[1] = (struct ring_phys_seg){ victim + 4096, 512 };
		TAP_EQ(bt_rw(&w, RING_OP_READ, 2, 8192), -EFAULT);
		/* nor through a list placed in the victim's memory */
		TAP_EQ(bt_req(&w, RING_OP_READ, BLKDEV_SQE_LIST_PHYS, victim,
			   16, 8192),
		    -EFAULT);
		ring_close(w.r);
		ring_ctl_close(w.c);
		tap_child_exit();
	}
	tap_reap(pid);
	for (i = 0; i < 8192; i++)
		if (vp[i] != 0xa5)
			TAP_FAIL("the victim's byte %u is now %#x", i, vp[i]);
	/* what the device holds at 0 is still the victim's data */
	memcpy(vp, &pat, sizeof(pat));
	v.segs[0] = (struct ring_phys_seg){ victim, 4096 };
	TAP_EQ(bt_rw(&v, RING_OP_READ, 1, 0), 4096);
	TAP_EQ(vp[0], 0xa5);
	TAP_EQ(vp[4095], 0xa5);
	bt_scheme_stop(&s);
	TAP_OK(ring_physunmap(vp, 8192));
	bt_dev_close(&v);
	td_end(&d, c);
}

/*
 * A driver killed mid-run: the scheme closes its ring and forgets its
 * memory, and the next driver (whose buffers land at the same physical
 * addresses) gets correct data, as do drivers that ran alongside.
 */
TAP_TEST(t_kill_driver,
    "blkdev driver killed: the scheme serves the next", TAP_TIMEOUT)
{
	struct tp_proc s, a, b, e;
	struct ring_ctl *c;
	uint64_t t0;

	/* zone 64 so small that the dead driver's range is the largest */
	td_begin(&d, "phys_zone32_size = 64K\nphys_zone64_size = 256K\n");
	c = td_connect(&d);
	bt_scheme(&s, c, "bt", false);
	bt_start(&a, "victim", "blkdev-driver", "-n", "bt", "-m", "load", "-q",
	    "16", "-b", "8K", "-l", "4M", "-v", (char *)NULL);
	t0 = clock_ns();
	while (strstr(tp_log(&a), "region 0: ") == NULL) {
		if (clock_ns() - t0 > 5000000000ull) {
			tp_dump(&a);
			TAP_FAIL(
			    "the driver did not allocate its memory in 5 s");
		}
		tu_sleep_ms(5);
	}
	bt_start(&e, "steady", "blkdev-driver", "-n", "bt", "-m", "load", "-q",
	    "4", "-o", "16M", "-l", "1M", (char *)NULL);
	tu_sleep_ms(500);
	TAP_SYS(kill(a.pid, SIGKILL));
	tp_reap(&a, 5000);
	TAP_EQ(a.status, 128 + SIGKILL);
	/* ringd freed its memory, the scheme closed its ring */
	t0 = clock_ns();
	for (;;) {
		struct ring_phys_region *reg = NULL;
		size_t nreg = 0;

		TAP_OK(ring_phys_list_regions(c, &reg, &nreg));
		free(reg);
		if (nreg == 1 &&
		    strstr(tp_log(&s), "closed (driver left)") != NULL)
			break;
		if (clock_ns() - t0 > 5000000000ull) {
			tp_dump(&s);
			TAP_FAIL("%zu regions and the ring still open 5 s "
				 "after "
				 "the driver died",
			    nreg);
		}
		tu_sleep_ms(5);
	}
	bt_start(&b, "next", "blkdev-driver", "-n", "bt", "-q", "16", "-b",
	    "8K", "-l", "4M", "-p", "3", "-v", (char *)NULL);
	bt_expect(&b, 0);
	tp_says(&b, " 0 errors, 0 mismatches");
	/* same memory as the dead one: the scheme had to map it afresh */
	{
		char want[160];
		const char *at = strstr(tp_log(&a), "region 0: ");

		TAP_ASSERT(at != NULL);
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(at, "\n"),
		    at);
		tp_says(&b, want);
	}
	TAP_SYS(kill(e.pid, SIGTERM));
	bt_expect(&e, 0);
	tp_says(&e, " 0 errors, 0 mismatches");
	bt_scheme_stop(&s);
	tp_says(&s, "closed (driver left)");
	td_end(&d, c);
}

/* --- usage ------------------------------------------------------------ */

TAP_TEST(t_usage, "blkdev usage errors", TAP_TIMEOUT)
{
	struct tp_proc p;

	td_begin(&d, NULL);
	bt_start(&p, "u1", "blkdev-driver", "-b", "1000", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "blkdev-driver: bad block size '1000'");
	bt_start(&p, "u2", "blkdev-driver", "-m", "fast", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "bad mode 'fast'");
	bt_start(&p, "u3", "blkdev-driver", "-n", "nosuch", (char *)NULL);
	bt_expect(&p, 1);
	tp_says(&p, "cannot open ring to 'nosuch'");
	bt_start(&p, "u4", "blkdev-scheme", "-s", "100", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "blkdev-scheme: bad size '100'");
	bt_start(&p, "u8", "blkdev-scheme", "-e", "dma", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "blkdev-scheme: bad engine 'dma': expected auto, uring or "
		    "sync");
	bt_start(&p, "u5", "blkdev-scheme", "extra", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "unexpected argument 'extra'");
	/* sizes read as ringd and ringctl read them: nothing after the unit */
	bt_start(&p, "u6", "blkdev-scheme", "-s", "1Mfoo", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "blkdev-scheme: bad size '1Mfoo'");
	bt_start(&p, "u7", "blkdev-driver", "-b", "4K4", (char *)NULL);
	bt_expect(&p, 2);
	tp_says(&p, "blkdev-driver: bad block size '4K4'");
	td_finish(&d);
}

/* "010K" is ten KiB (20 sectors), not octal 8 KiB. */
TAP_TEST(t_sizes_decimal, "blkdev sizes are decimal", TAP_TIMEOUT)
{
	struct tp_proc s;
	struct bt_dev v;
	struct ring_ctl *c;

	td_begin(&d, NULL);
	c = td_connect(&d);
	bt_start(&s, "dec", "blkdev-scheme", "-n", "dec", "-s", "010K",
	    (char *)NULL);
	{
		uint64_t t0 = clock_ns();

		while (!td_find_scheme(c, "dec", NULL)) {
			if (waitpid(s.pid, NULL, WNOHANG) != 0 ||
			    clock_ns() - t0 > 5000000000ull) {
				tp_dump(&s);
				TAP_FAIL(
				    "blkdev-scheme -s 010K did not come up");
			}
			tu_sleep_ms(5);
		}
	}
	bt_dev_open(&v, "dec");
	TAP_EQ(bt_req(&v, BLKDEV_OP_CAPACITY, 0, 0, 0, 0), 20);
	TAP_EQ(bt_req(&v, RING_OP_FSTAT, 0, 0, 0, 0), 10240);
	bt_scheme_stop(&s);
	bt_dev_close(&v);
	td_end(&d, c);
}

/* Once per program: the private directory, and the random sizes' seed. */
static void
bt_setup(void)
{
	td_setup();
	tu_srand(7);
}

TAP_MAIN(bt_setup)
