/*
 * t-ring-fence.c - the sleep fence (wait.c): what each side promises in
 * its fence words at open, how ring_arm(), ring_set_fence() and the pace
 * of ring_wait()'s sleeps change the promise, and strict ping-pongs that
 * would lose a wakeup if a waker skipped its barrier where no global one
 * covers it: both sides promising, a side that may not call membarrier
 * at all, one that loses it after promising, and a handle used across
 * fork().
 */
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/pair.h"
#include "lib/tap.h"
#include "lib/testutil.h"

/* Can this process call the global barrier (what libring looks at)? */
static bool
fence_global_ok(void)
{
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return q > 0 && (q & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0;
}

/* A read-only view of the pair's two header pages. */
struct fence_view {
	void *map;
	size_t len;
	const struct ring_header_page *sq, *cq;
};

static void
fence_view(struct fence_view *v, int mem)
{
	v->map = tu_map(mem, &v->len, PROT_READ);
	v->sq = tu_sq_hdr(v->map);
	v->cq = tu_cq_hdr(v->map);
}

/* The consumer's words: SQ push_fence, CQ pop_fence; the producer's: the
 * others.  Each must read want. */
static void
fence_check(const struct fence_view *v, bool producer, uint32_t want)
{
	uint32_t a = producer ? v->sq->pop_fence : v->sq->push_fence;
	uint32_t b = producer ? v->cq->push_fence : v->cq->pop_fence;

	if (a != want || b != want)
		TAP_FAIL("%s fence words %#x %#x, expected %#x",
		    producer ? "producer" : "consumer", a, b, want);
}

/*
 * Open a pair of 4 and 4 and view its headers; false (and nothing open)
 * when the sub-test needs the global barrier and this process has none.
 */
static bool
fence_begin(struct pair *pr, struct fence_view *v, const char *needs)
{
	if (needs != NULL && !fence_global_ok()) {
		tap_diag("membarrier GLOBAL_EXPEDITED unavailable: %s", needs);
		return false;
	}
	pair_open(pr, 4, 4, 0);
	fence_view(v, pr->fds.mem);
	return true;
}

static void
fence_end(struct pair *pr, struct fence_view *v)
{
	munmap(v->map, v->len);
	pair_close(pr);
}

TAP_TEST(test_fence_open, "fence-open-promise", 0)
{
	uint32_t want = fence_global_ok() ? RING_FENCE_MEMBARRIER : 0;
	struct fence_view v;
	struct pair pr;
	struct ring *m;

	(void)fence_begin(&pr, &v, NULL);
	fence_check(&v, false, want);
	fence_check(&v, true, want);
	TAP_EQ(ring_get_fence(pr.c), want ? RING_FENCE_AUTO : RING_FENCE_LOCAL);
	TAP_RC(ring_set_fence(pr.c, (enum ring_fence_mode)7), -EINVAL);
	TAP_RC(ring_set_fence(pr.c, RING_FENCE_LOCAL), 0);
	fence_check(&v, false, 0);
	fence_check(&v, true, want);
	TAP_EQ(ring_get_fence(pr.c), RING_FENCE_LOCAL);
	if (want) {
		TAP_RC(ring_set_fence(pr.c, RING_FENCE_GLOBAL), 0);
		fence_check(&v, false, want);
		TAP_EQ(ring_get_fence(pr.c), RING_FENCE_GLOBAL);
	} else {
		TAP_RC(ring_set_fence(pr.c, RING_FENCE_GLOBAL), -EOPNOTSUPP);
	}
	/* a monitor never sleeps on a wait word and writes no fence word */
	m = tu_open(&pr.fds, RING_ROLE_MONITOR);
	TAP_RC(ring_set_fence(m, RING_FENCE_GLOBAL), -EPERM);
	TAP_EQ(ring_get_fence(m), RING_FENCE_LOCAL);
	ring_close(m);
	fence_check(&v, false, want);
	/* data still flows both ways */
	TAP_RC(pair_push(pr.c, false, 1, false), 0);
	TAP_RC(pair_pop(pr.p, false, 1, false), 0);
	TAP_RC(pair_push(pr.p, true, 1, false), 0);
	TAP_RC(pair_pop(pr.c, true, 1, false), 0);
	fence_end(&pr, &v);
}

TAP_TEST(test_fence_arm, "fence-arm-takes-back", 0)
{
	struct fence_view v;
	struct pair pr;

	if (!fence_begin(&pr, &v,
		"nothing is promised, fence-open-promise checked that"))
		return;
	/* AUTO: the first arm takes the promise back for good */
	TAP_RC(ring_arm(pr.c, RING_EV_IN), 0);
	fence_check(&v, false, 0);
	fence_check(&v, true, RING_FENCE_MEMBARRIER);
	TAP_EQ(ring_get_fence(pr.c), RING_FENCE_LOCAL);
	ring_disarm(pr.c);
	ring_set_spin(pr.c, 0);
	TAP_RC(ring_wait(pr.c, RING_EV_IN, 1000), -ETIMEDOUT);
	fence_check(&v, false, 0);
	/* GLOBAL: arms keep it, and a wakeup still arrives */
	TAP_RC(ring_set_fence(pr.p, RING_FENCE_GLOBAL), 0);
	TAP_RC(ring_arm(pr.p, RING_EV_IN), 0);
	fence_check(&v, true, RING_FENCE_MEMBARRIER);
	TAP_RC(pair_push(pr.c, false, 4, false), 0);
	tu_await(ring_fd(pr.p), 5000);
	ring_disarm(pr.p);
	TAP_RC(pair_pop(pr.p, false, 4, false), 0);
	fence_end(&pr, &v);
}

/*
 * AUTO paces the promise: sleeps close together take it back, one after
 * a quiet of more than a few milliseconds gives it again.
 */
TAP_TEST(test_fence_pace, "fence-pace", 0)
{
	struct fence_view v;
	struct pair pr;
	int i;

	if (!fence_begin(&pr, &v, "no pace"))
		return;
	ring_set_spin(pr.p, 0);
	for (i = 0; i < 10000 && v.sq->pop_fence != 0; i++)
		TAP_RC(ring_wait(pr.p, RING_EV_IN, 1), -ETIMEDOUT);
	fence_check(&v, true, 0);
	TAP_EQ(ring_get_fence(pr.p), RING_FENCE_AUTO);
	tu_sleep_ms(20);
	TAP_RC(ring_wait(pr.p, RING_EV_IN, 1), -ETIMEDOUT);
	fence_check(&v, true, RING_FENCE_MEMBARRIER);
	fence_end(&pr, &v);
}

/* Refuse membarrier in this process from now on, as a seccomp profile may. */
static void
fence_forbid_membarrier(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	TAP_SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	TAP_SYS(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

enum fence_case {
	FENCE_GLOBAL,	 /* both sides always promise */
	FENCE_MIXED,	 /* the producer promises, the consumer does not */
	FENCE_FORBIDDEN, /* the producer may never call membarrier */
	FENCE_LOST,	 /* ... loses it after promising */
	FENCE_FORKED,	 /* the producer's handle was opened before fork() */
};

/*
 * Strict ping-pong with the consumer here and the producer in a child;
 * after it, the producer's fence words and mode must say what happened.
 */
static void
fence_lockstep(enum fence_case how)
{
	uint64_t n = tap_scaled(20000, 200);
	struct ring *c, *p = NULL;
	struct ring_fds fds;
	struct fence_view v;
	pid_t pid;

	if (!fence_global_ok()) {
		tap_diag("membarrier GLOBAL_EXPEDITED unavailable: every "
			 "side fences for itself");
	}
	tu_create(&fds, 1, 1, 0, 0);
	fence_view(&v, fds.mem);
	if (how == FENCE_FORKED)
		p = tu_open(&fds, RING_ROLE_PRODUCER);
	pid = tap_fork();
	if (pid == 0) {
		if (how == FENCE_FORBIDDEN)
			fence_forbid_membarrier();
		if (p == NULL)
			p = tu_open(&fds, RING_ROLE_PRODUCER);
		if (how == FENCE_FORBIDDEN) {
			fence_check(&v, true, 0);
			TAP_EQ(ring_get_fence(p), RING_FENCE_LOCAL);
			TAP_RC(ring_set_fence(p, RING_FENCE_GLOBAL),
			    -EOPNOTSUPP);
		} else if (fence_global_ok()) {
			TAP_RC(ring_set_fence(p, RING_FENCE_GLOBAL), 0);
		}
		if (how == FENCE_LOST)
			fence_forbid_membarrier();
		pair_lockstep_producer(p, n);
		if (how == FENCE_LOST) {
			fence_check(&v, true, 0);
			TAP_EQ(ring_get_fence(p), RING_FENCE_LOCAL);
		}
		ring_close(p);
		tap_child_exit();
	}
	c = tu_open(&fds, RING_ROLE_CONSUMER);
	if (fence_global_ok())
		TAP_RC(ring_set_fence(c, how == FENCE_MIXED ? RING_FENCE_LOCAL
							    : RING_FENCE_GLOBAL),
		    0);
	pair_lockstep_consumer(c, n);
	tap_reap(pid);
	ring_close(c);
	ring_close(p); /* the child's copy served; NULL closes nothing */
	munmap(v.map, v.len);
	ring_fds_close(&fds);
}

TAP_TEST_CALL(test_ls_global, "fence-lockstep-global", 120,
    fence_lockstep(FENCE_GLOBAL))
TAP_TEST_CALL(test_ls_mixed, "fence-lockstep-mixed", 120,
    fence_lockstep(FENCE_MIXED))
TAP_TEST_CALL(test_ls_forbidden, "fence-lockstep-no-membarrier", 120,
    fence_lockstep(FENCE_FORBIDDEN))
TAP_TEST_CALL(test_ls_lost, "fence-lockstep-membarrier-lost", 120,
    fence_lockstep(FENCE_LOST))
TAP_TEST_CALL(test_ls_forked, "fence-lockstep-forked-handle", 120,
    fence_lockstep(FENCE_FORKED))

TAP_MAIN(NULL)
