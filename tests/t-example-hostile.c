/*
 * t-example-hostile.c - the examples are what users copy, so they must
 * survive a hostile scheme.  The real ramfile-client binary of this build
 * runs against a scheme played by the test (registered as "ramfile" on a
 * private ringd) that answers one request several times over, or answers
 * requests that were never made.  The client must report a completion
 * that answers no request in flight and exit 1, within a bound, without
 * a signal and without a sanitizer report (an ASan build of the old
 * client overflowed its slot array here).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define EH_DEPTH "4"	  /* the client's -q: its slot array */
#define EH_WAIT_MS 10000u /* the client must be gone by then */
#define EH_OUT_MAX (64u << 10)

static struct td d;
static char eh_client[PATH_MAX];

/* BUILD/tests/t-x -> BUILD/examples/ramfile-client */
static void
eh_paths(void)
{
	td_build_bin(NULL, "examples/ramfile-client", eh_client,
	    sizeof(eh_client));
}

/* Start ramfile-client on d's socket, its output to the file out. */
static pid_t
eh_start_client(const char *out)
{
	const char *argv[] = { "ramfile-client", "-S", d.sock, "-c", "64", "-q",
		EH_DEPTH, "-b", "4096", NULL };
	pid_t pid;
	int fd;

	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(fd, 0);
		execv(eh_client, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Push one CQE, waiting up to 1 s for room; false once the ring is over. */
static bool
eh_push(struct ring *r, uint64_t user_data, int64_t status)
{
	struct ring_cqe cqe = { .user_data = user_data,
		.status = (uint64_t)status };
	int rc;

	while ((rc = ring_cq_push(r, &cqe)) == -EAGAIN)
		if (ring_wait(r, RING_EV_OUT, 1000000000LL) <= 0)
			return false;
	return rc == 0;
}

/*
 * Wait up to EH_WAIT_MS for the client; kill it if it is still there.
 * Its output lands in buf.  The client must have exited 1 by itself,
 * saying what was wrong, with no sanitizer report.
 */
static void
eh_expect_report(pid_t pid, const char *out, char *buf, size_t size)
{
	uint64_t t0 = clock_ns();
	pid_t w;
	int st;

	while ((w = waitpid(pid, &st, WNOHANG)) == 0) {
		if (clock_ns() - t0 > EH_WAIT_MS * 1000000ull) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			TAP_FAIL("ramfile-client still running after %u ms",
			    EH_WAIT_MS);
		}
		tu_sleep_ms(10);
	}
	TAP_SYS(w);
	if (td_read_file(out, buf, size) < 0)
		buf[0] = '\0';
	for (char *line = buf, *nl; *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line);
		tap_diag("client: %.*s", (int)(nl - line), line);
		if (*nl == '\n')
			nl++;
	}
	if (WIFSIGNALED(st))
		TAP_FAIL("ramfile-client died by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	if (strstr(buf, "Sanitizer") != NULL ||
	    strstr(buf, "runtime error") != NULL)
		TAP_FAIL("ramfile-client: sanitizer report");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
		TAP_FAIL("ramfile-client exited %d, expected 1",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (strstr(buf, "answers no request in flight") == NULL)
		TAP_FAIL("ramfile-client did not report the bad completion");
	TAP_HERE();
}

/*
 * Register "ramfile", start the client, accept its ring and take its
 * first request; *sqe is that request.
 */
static void
eh_scheme(struct ring_ctl **sc, pid_t *pid, const char *out, struct ring **r,
    struct ring_sqe *sqe)
{
	static const uint8_t ops[] = { RING_OP_NOOP, RING_OP_READ,
		RING_OP_WRITE };
	struct ring_attach a;
	uint64_t t0;
	int rc;

	eh_paths();
	*sc = td_connect(&d);
	TAP_RC(ring_ctl_register(*sc, "ramfile", ops, sizeof(ops)), 0);
	*pid = eh_start_client(out);
	TAP_RC(ring_ctl_wait_attach(*sc, &a, 5000), 0);
	TAP_RC(ring_ctl_accept(*sc, &a, r), 0);
	t0 = clock_ns();
	while ((rc = ring_sq_pop(*r, sqe)) == -EAGAIN) {
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("no request from the client in 5 s");
		(void)ring_wait(*r, RING_EV_IN, 100000000LL);
	}
	TAP_RC(rc, 0);
}

/* A client run: ringd, our "ramfile" scheme, the client and its ring. */
struct eh_run {
	char out[TD_PATH_MAX + 16]; /* the client's output file */
	struct ring_ctl *sc;
	struct ring *r;
	struct ring_sqe sqe; /* the client's first request */
	pid_t pid;
};

/* A private ringd, then eh_scheme(): the client's first request taken. */
static void
eh_begin(struct eh_run *e)
{
	td_begin(&d, NULL);
	snprintf(e->out, sizeof(e->out), "%s/client.out", d.dir);
	eh_scheme(&e->sc, &e->pid, e->out, &e->r, &e->sqe);
}

/* The client must report the bad completion (eh_expect_report()); stop. */
static void
eh_end(struct eh_run *e)
{
	static char buf[EH_OUT_MAX];

	eh_expect_report(e->pid, e->out, buf, sizeof(buf));
	ring_close(e->r);
	td_end(&d, e->sc);
}

/*
 * One request answered over and over (more often than the client has
 * slots), the rest of its requests never taken: the old client counted
 * every copy as a completion, ran out of requests in flight and wrote
 * past the end of its slot array.
 */
TAP_TEST(test_repeated_cqe, "ramfile-client-repeated-cqe", 60)
{
	struct eh_run e;
	int i;

	eh_begin(&e);
	for (i = 0; i < 16; i++)
		if (!eh_push(e.r, e.sqe.user_data, e.sqe.len))
			break;
	eh_end(&e);
}

/*
 * Completions for requests that were never made: a slot out of range,
 * and a block in a slot that is in flight but carries another block.
 */
TAP_TEST(test_unknown_cqe, "ramfile-client-unknown-cqe", 60)
{
	static const uint64_t bogus[] = { 0xdeadbeefull << 40 | 3, UINT64_MAX,
		1000 };
	struct eh_run e;
	unsigned i;

	for (i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		eh_begin(&e);
		/* the slot of the request we hold, another block */
		(void)eh_push(e.r,
		    bogus[i] == 1000 ? e.sqe.user_data + 1000 : bogus[i],
		    e.sqe.len);
		eh_end(&e);
	}
}

TAP_MAIN(td_setup)
