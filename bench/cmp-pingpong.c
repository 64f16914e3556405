/*
 * cmp-pingpong.c - the comparators that pass a token between two
 * processes: a cache line both sides spin on, a futex word, eventfds,
 * pipes and a unix socket; and the idle comparator, a child blocked in a
 * bare FUTEX_WAIT.
 *
 * Each one shows what a ring figure costs next to what the same round
 * trip costs without libring.  Depends on the harness (bench.h) only;
 * main.c's test table names these by enum bench_pp_kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/common.h"

#include "bench.h"

/* Abort markers the watcher writes so a blocked parent gives up. */
#define BENCH_LINE_ABORT UINT64_MAX
#define BENCH_FUTEX_PARENT 0u /* futex word: the parent's turn */
#define BENCH_FUTEX_CHILD 1u  /* futex word: the child's turn */
#define BENCH_FUTEX_ABORT 2u
#define BENCH_EFD_ABORT (1ull << 32)

/*
 * State of one ping-pong comparator.  The parent pings, the child answers
 * exactly total times and exits.  fd[0]/fd[1] are the parent's read/write
 * ends, fd[2]/fd[3] the child's.
 */
struct bench_pp {
	const char *name;
	uint64_t total; /* round trips the child answers */
	uint64_t seq;	/* round trips the parent has made */
	uint8_t *page;	/* shared page: cache line or futex word */
	int fd[4];
};

struct bench_pp_ops {
	const char *name;
	int (*setup)(struct bench_pp *);
	int (*child)(void *);			 /* arg: struct bench_pp */
	int (*run)(struct bench_pp *, uint64_t); /* n round trips */
	void (*abort)(void *);			 /* arg: struct bench_pp */
};

static int
bench_pp_page(struct bench_pp *pp)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	pp->page = p;
	return 0;
}

/* Cache line: the parent writes 2i+1, the child answers 2i+2. */
static _Atomic uint64_t *
bench_line(struct bench_pp *pp)
{
	return (_Atomic uint64_t *)pp->page; /* page-aligned, so 64-aligned */
}

static int
bench_line_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint64_t *line = bench_line(pp);
	uint64_t i, want, v;

	for (i = 0; i < pp->total; i++) {
		want = 2 * i + 1;
		while ((v = atomic_load_explicit(line, memory_order_acquire)) !=
		    want) {
			if (v == BENCH_LINE_ABORT)
				return -ECANCELED;
			bench_relax();
		}
		atomic_store_explicit(line, want + 1, memory_order_release);
	}
	return 0;
}

static int
bench_line_run(struct bench_pp *pp, uint64_t n)
{
	_Atomic uint64_t *line = bench_line(pp);
	uint64_t i, x, v;

	for (i = 0; i < n; i++, pp->seq++) {
		x = 2 * pp->seq + 1;
		atomic_store_explicit(line, x, memory_order_release);
		while ((v = atomic_load_explicit(line, memory_order_acquire)) !=
		    x + 1) {
			if (v == BENCH_LINE_ABORT)
				return -ECONNRESET;
			bench_relax();
		}
	}
	return 0;
}

static void
bench_line_abort(void *arg)
{
	struct bench_pp *pp = arg;

	atomic_store(bench_line(pp), BENCH_LINE_ABORT);
}

/* Futex: one shared word says whose turn it is; each side always sleeps. */
static _Atomic uint32_t *
bench_fword(struct bench_pp *pp)
{
	return (_Atomic uint32_t *)pp->page;
}

static int
bench_futex_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);
	uint64_t i;
	uint32_t v;

	for (i = 0; i < pp->total; i++) {
		while ((v = atomic_load(w)) == BENCH_FUTEX_PARENT)
			bench_futex(w, FUTEX_WAIT, BENCH_FUTEX_PARENT);
		if (v != BENCH_FUTEX_CHILD)
			return -ECANCELED;
		atomic_store(w, BENCH_FUTEX_PARENT);
		bench_futex(w, FUTEX_WAKE, 1);
	}
	return 0;
}

static int
bench_futex_run(struct bench_pp *pp, uint64_t n)
{
	_Atomic uint32_t *w = bench_fword(pp);
	uint64_t i;
	uint32_t v;

	for (i = 0; i < n; i++, pp->seq++) {
		atomic_store(w, BENCH_FUTEX_CHILD);
		bench_futex(w, FUTEX_WAKE, 1);
		while ((v = atomic_load(w)) == BENCH_FUTEX_CHILD)
			bench_futex(w, FUTEX_WAIT, BENCH_FUTEX_CHILD);
		if (v != BENCH_FUTEX_PARENT)
			return -ECONNRESET;
	}
	return 0;
}

static void
bench_futex_abort(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);

	atomic_store(w, BENCH_FUTEX_ABORT);
	bench_futex(w, FUTEX_WAKE, INT_MAX);
}

/* Pipes, unix socket and eventfds: one message each way per round trip. */
static int
bench_pipe_setup(struct bench_pp *pp)
{
	int a[2], b[2];

	if (pipe2(a, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(b, O_CLOEXEC) < 0) {
		close(a[0]);
		close(a[1]);
		return -errno;
	}
	pp->fd[0] = b[0]; /* parent reads what the child writes */
	pp->fd[1] = a[1];
	pp->fd[2] = a[0];
	pp->fd[3] = b[1];
	return 0;
}

static int
bench_unix_setup(struct bench_pp *pp)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pp->fd[0] = pp->fd[1] = sv[0];
	pp->fd[2] = pp->fd[3] = sv[1];
	return 0;
}

static int
bench_byte_child(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t i;
	uint8_t b;
	int rc;

	for (i = 0; i < pp->total; i++) {
		if ((rc = io_full(pp->fd[2], &b, 1, false)) < 0)
			return rc;
		if ((rc = io_full(pp->fd[3], &b, 1, true)) < 0)
			return rc;
	}
	return 0;
}

static int
bench_byte_run(struct bench_pp *pp, uint64_t n)
{
	uint64_t i;
	uint8_t b = 0x5a, back;
	int rc;

	for (i = 0; i < n; i++, pp->seq++) {
		if ((rc = io_full(pp->fd[1], &b, 1, true)) < 0)
			return rc;
		if ((rc = io_full(pp->fd[0], &back, 1, false)) < 0)
			return rc;
		if (back != b)
			return -EBADMSG;
	}
	return 0;
}

static int
bench_efd_setup(struct bench_pp *pp)
{
	int a, b;

	if ((a = eventfd(0, EFD_CLOEXEC)) < 0)
		return -errno;
	if ((b = eventfd(0, EFD_CLOEXEC)) < 0) {
		close(a);
		return -errno;
	}
	/* Both processes use the same two eventfds. */
	pp->fd[1] = pp->fd[2] = a; /* parent -> child */
	pp->fd[0] = pp->fd[3] = b; /* child -> parent */
	return 0;
}

static int
bench_efd_child(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t i, v, one = 1;
	int rc;

	for (i = 0; i < pp->total; i++) {
		if ((rc = io_full(pp->fd[2], &v, sizeof(v), false)) < 0)
			return rc;
		if ((rc = io_full(pp->fd[3], &one, sizeof(one), true)) < 0)
			return rc;
	}
	return 0;
}

static int
bench_efd_run(struct bench_pp *pp, uint64_t n)
{
	uint64_t i, v, one = 1;
	int rc;

	for (i = 0; i < n; i++, pp->seq++) {
		if ((rc = io_full(pp->fd[1], &one, sizeof(one), true)) < 0)
			return rc;
		if ((rc = io_full(pp->fd[0], &v, sizeof(v), false)) < 0)
			return rc;
		if (v != 1)
			return -ECONNRESET; /* the watcher's abort value */
	}
	return 0;
}

static void
bench_efd_abort(void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t v = BENCH_EFD_ABORT;

	(void)!write(pp->fd[0], &v, sizeof(v));
}

/* Pipes and sockets need no abort: the child's death closes its ends. */
static const struct bench_pp_ops bench_pp_table[BENCH_PP_COUNT] = {
	[BENCH_PP_LINE] = { "cache-line ping-pong", bench_pp_page,
	    bench_line_child, bench_line_run, bench_line_abort },
	[BENCH_PP_FUTEX] = { "futex ping-pong", bench_pp_page,
	    bench_futex_child, bench_futex_run, bench_futex_abort },
	[BENCH_PP_EVENTFD] = { "eventfd ping-pong", bench_efd_setup,
	    bench_efd_child, bench_efd_run, bench_efd_abort },
	[BENCH_PP_PIPE] = { "pipe ping-pong", bench_pipe_setup,
	    bench_byte_child, bench_byte_run, NULL },
	[BENCH_PP_UNIX] = { "unix socket ping-pong", bench_unix_setup,
	    bench_byte_child, bench_byte_run, NULL },
};

/* Close the parent's copies of the child's ends (not shared eventfds). */
static void
bench_pp_parent_ends(struct bench_pp *pp)
{
	int i;

	for (i = 2; i < 4; i++)
		if (pp->fd[i] != pp->fd[0] && pp->fd[i] != pp->fd[1])
			bench_close(&pp->fd[i]);
}

static void
bench_pp_teardown(struct bench_pp *pp)
{
	int i, j;

	for (i = 0; i < 4; i++) {
		if (pp->fd[i] < 0)
			continue;
		for (j = i + 1; j < 4; j++)
			if (pp->fd[j] == pp->fd[i])
				pp->fd[j] = -1;
		bench_close(&pp->fd[i]);
	}
	if (pp->page != NULL)
		munmap(pp->page, 4096);
	pp->page = NULL;
}

int
bench_pp_once(enum bench_pp_kind kind, uint64_t iters, double *ns)
{
	const struct bench_pp_ops *ops = &bench_pp_table[kind];
	struct bench_pp pp;
	struct bench_child c;
	uint64_t warm = bench_warm(iters);
	uint64_t t0 = 0, t1 = 0;
	int rc, rc2;

	memset(&pp, 0, sizeof(pp));
	pp.name = ops->name;
	pp.fd[0] = pp.fd[1] = pp.fd[2] = pp.fd[3] = -1;
	pp.total = warm + iters;
	if ((rc = ops->setup(&pp)) < 0) {
		bench_err(ops->name, "setup", rc);
		return rc;
	}
	if ((rc = bench_spawn(&c, ops->name, ops->child, &pp, ops->abort,
		 &pp)) < 0) {
		bench_pp_teardown(&pp);
		return rc;
	}
	bench_pp_parent_ends(&pp);
	if ((rc = ops->run(&pp, warm)) >= 0) {
		t0 = clock_ns();
		rc = ops->run(&pp, iters);
		t1 = clock_ns();
	}
	if (rc < 0)
		bench_err(ops->name, "round trip", rc);
	rc2 = bench_reap(&c, rc < 0, NULL);
	bench_pp_teardown(&pp);
	if (rc < 0 || rc2 < 0)
		return rc < 0 ? rc : rc2;
	*ns = (double)(t1 - t0) / (double)iters;
	return 0;
}

/* Idle comparator: a child blocked in a plain FUTEX_WAIT on a shared word. */
static int
bench_fidle_child(void *arg)
{
	struct bench_pp *pp = arg;
	_Atomic uint32_t *w = bench_fword(pp);
	_Atomic uint64_t *cpu = (_Atomic uint64_t *)(pp->page + 64);
	int64_t c0 = bench_cpu_ns();

	while (atomic_load(w) == 0)
		bench_futex(w, FUTEX_WAIT, 0);
	atomic_store(cpu, (uint64_t)(bench_cpu_ns() - c0));
	return 0;
}

static void
bench_fidle_abort(void *arg)
{
	struct bench_pp *pp = arg;

	atomic_store(bench_fword(pp), 1);
	bench_futex(bench_fword(pp), FUTEX_WAKE, INT_MAX);
}

/*
 * What blocking costs without libring: the same shape as bench_ring_idle()
 * with a bare futex, so the table shows which part of the idle CPU time is
 * the process's own wakeup and exit.
 */
void
bench_futex_idle(const char *name, struct bench_val *out,
    struct bench_val *total)
{
	struct bench_pp pp;
	struct bench_child c;
	struct rusage ru;
	int rc;

	bench_idle_begin(name, out, total, &ru);
	memset(&pp, 0, sizeof(pp));
	pp.name = name;
	pp.fd[0] = pp.fd[1] = pp.fd[2] = pp.fd[3] = -1;
	if ((rc = bench_pp_page(&pp)) < 0) {
		bench_err(name, "mmap", rc);
		out->rc = total->rc = rc;
		return;
	}
	if ((rc = bench_spawn(&c, name, bench_fidle_child, &pp,
		 bench_fidle_abort, &pp)) < 0) {
		bench_pp_teardown(&pp);
		out->rc = total->rc = rc;
		return;
	}
	bench_idle_wait();
	bench_fidle_abort(&pp); /* the normal wakeup, too */
	rc = bench_reap(&c, false, &ru);
	bench_idle_end(out, total, rc,
	    (double)atomic_load((_Atomic uint64_t *)(pp.page + 64)), &ru);
	bench_pp_teardown(&pp);
}
