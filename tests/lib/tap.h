/*
 * tap.h - a tiny test harness for the libring test programs.
 *
 * A test program calls tap_init(), then tap_run() (or tap_skip()) once per
 * named sub-test, then returns tap_done().  Each sub-test runs in a forked
 * process of its own under a watchdog, so a crash, a failed assertion or a
 * hang fails that sub-test alone and the program goes on with the next
 * one.  The output is TAP (the Test Anything Protocol, readable by prove):
 * exactly one line per sub-test,
 *
 *	ok - NAME
 *	ok - NAME # SKIP reason
 *	not ok - NAME: reason (file:line)
 *
 * plus optional diagnostic lines starting with '#', and the plan "1..N"
 * last (N sub-tests ran; TAP allows the plan at the end).  The exit status
 * is non-zero when any sub-test failed.
 *
 * Inside a sub-test, tap_fork() starts a helper process.  A failed
 * assertion in a helper reports its reason to the harness and exits with
 * status 1; the sub-test sees that through tap_reap().  A failing sub-test
 * kills (SIGKILL, by pid) and reaps every helper still running, and the
 * helpers die with their sub-test in any case (PR_SET_PDEATHSIG).
 */
#ifndef TAP_H
#define TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Default per-sub-test watchdog, seconds. */
#define TAP_TIMEOUT 60u

void tap_init(int argc, char **argv);
void tap_run(const char *name, void (*fn)(void), unsigned timeout_s);
/*
 * Sub-tests can also register themselves, kernel-selftest style: the
 * sub-test's function starts with TAP_TEST(fn, "name", timeout_s) in
 * place of its "static void fn(void)" line, body follows:
 *
 *	TAP_TEST(test_open_errors, "ctl-open-errors", 30)
 *	{
 *		...
 *	}
 *
 * TAP_MAIN(setup) defines a main() that calls tap_init(), setup (a
 * function of no arguments, or NULL), every registered sub-test in the
 * order they stand in the file, and tap_done().  TAP_TEST_ROOT() is
 * TAP_TEST() for a sub-test that needs root: skipped, saying why, when
 * the program runs as another user.
 */
struct tap_test {
	void (*fn)(void);
	const char *name;
	unsigned timeout_s;
	int line;		/* where TAP_TEST() stands: the running order */
	const char *needs_root; /* NULL, or why it is skipped without root */
};
void tap_register(const struct tap_test *t);
int tap_main(int argc, char **argv, void (*setup)(void));
#define TAP_TEST(fn, name, timeout_s) \
	TAP_TEST_ROOT(fn, name, timeout_s, NULL)
#define TAP_TEST_ROOT(fn, name, timeout_s, why) \
	static void fn(void); \
	static const struct tap_test tap_test_##fn = { (fn), (name), \
		(timeout_s), __LINE__, (why) }; \
	__attribute__((constructor)) static void tap_register_##fn(void) \
	{ \
		tap_register(&tap_test_##fn); \
	} \
	static void fn(void)
/*
 * A sub-test that is one call, such as one variant of a shared run:
 * TAP_TEST_CALL(test_full_sq, "ring-full-sq", 0, fill_drain(false))
 * defines test_full_sq() to make that call and registers it.
 */
#define TAP_TEST_CALL(fn, name, timeout_s, call) \
	TAP_TEST(fn, name, timeout_s) \
	{ \
		call; \
	}
#define TAP_MAIN(setup) \
	int main(int argc, char **argv) \
	{ \
		return tap_main(argc, argv, (setup)); \
	}

/* Report name as skipped, with a reason (printf-style). */
__attribute__((format(printf, 2, 3))) void tap_skip(const char *name,
    const char *fmt, ...);
/* Print the plan; the exit status for main. */
int tap_done(void);

/*
 * RING_TEST_SCALE (default 1, > 0): a factor for iteration counts, e.g.
 * 0.05 under valgrind.  tap_scaled() applies it and never returns less
 * than min.
 */
double tap_scale(void);
uint64_t tap_scaled(uint64_t n, uint64_t min);

/* Helper processes of a sub-test. */
pid_t tap_fork(void);
__attribute__((noreturn)) void tap_child_exit(void);
void tap_reap_at(pid_t pid, const char *file, int line);
void tap_kill(pid_t pid);
#define tap_reap(pid) tap_reap_at((pid), __FILE__, __LINE__)
/*
 * Like tap_reap(), but give up after ms milliseconds: false then, with
 * the helper still running (a failure report will kill it).
 */
bool tap_reap_within_at(pid_t pid, unsigned ms, const char *file, int line);
#define tap_reap_within(pid, ms) \
	tap_reap_within_at((pid), (ms), __FILE__, __LINE__)

/* Report a failure and end the sub-test (or helper) at once. */
__attribute__((noreturn, format(printf, 3, 4))) void
tap_fail_at(const char *file, int line, const char *fmt, ...);
/* A '#' diagnostic line on stdout. */
__attribute__((format(printf, 1, 2))) void tap_diag(const char *fmt, ...);

/* "-EAGAIN", "0", "17": a return value as a reader wants to see it. */
const char *tap_rcname(long rc);

/*
 * Where the last check passed, in memory shared by all processes of the
 * program, so that a watchdog or a crash report can name it.  Hot loops
 * should test with plain if/TAP_FAIL() to keep two processes from writing
 * this line on every iteration.
 */
struct tap_where {
	const char *volatile file;
	volatile int line;
};
extern struct tap_where *tap_where;
#define TAP_HERE() (tap_where->file = __FILE__, tap_where->line = __LINE__)

#define TAP_FAIL(...) tap_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define TAP_ASSERT(c) \
	do { \
		if (!(c)) \
			TAP_FAIL("assertion '%s' failed", #c); \
		TAP_HERE(); \
	} while (0)

/* Signed and unsigned equality; both print the two values. */
#define TAP_EQ(a, b) \
	do { \
		long long tap_a_ = (long long)(a); \
		long long tap_b_ = (long long)(b); \
		if (tap_a_ != tap_b_) \
			TAP_FAIL("%s == %s failed: %lld != %lld", #a, #b, \
			    tap_a_, tap_b_); \
		TAP_HERE(); \
	} while (0)

#define TAP_EQ_U(a, b) \
	do { \
		unsigned long long tap_a_ = (unsigned long long)(a); \
		unsigned long long tap_b_ = (unsigned long long)(b); \
		if (tap_a_ != tap_b_) \
			TAP_FAIL("%s == %s failed: %llu (%#llx) != %llu " \
				 "(%#llx)", \
			    #a, #b, tap_a_, tap_a_, tap_b_, tap_b_); \
		TAP_HERE(); \
	} while (0)

/* A libring call must return exactly want (e.g. -EAGAIN, 0). */
#define TAP_RC(expr, want) \
	do { \
		long tap_r_ = (long)(expr); \
		long tap_w_ = (long)(want); \
		if (tap_r_ != tap_w_) \
			TAP_FAIL("%s = %s, expected %s", #expr, \
			    tap_rcname(tap_r_), tap_rcname(tap_w_)); \
		TAP_HERE(); \
	} while (0)

/* A libring call must succeed (>= 0). */
#define TAP_OK(expr) \
	do { \
		long tap_r_ = (long)(expr); \
		if (tap_r_ < 0) \
			TAP_FAIL("%s = %s, expected success", #expr, \
			    tap_rcname(tap_r_)); \
		TAP_HERE(); \
	} while (0)

/* A libring call must fail with some -errno. */
#define TAP_NEG(expr) \
	do { \
		long tap_r_ = (long)(expr); \
		if (tap_r_ >= 0) \
			TAP_FAIL("%s = %ld, expected a negative errno", #expr, \
			    tap_r_); \
		TAP_HERE(); \
	} while (0)

/* A system call must not return -1. */
#define TAP_SYS(expr) \
	do { \
		if ((long)(expr) == -1) \
			TAP_FAIL("%s: %s", #expr, tap_rcname(-errno)); \
		TAP_HERE(); \
	} while (0)

#endif /* TAP_H */
