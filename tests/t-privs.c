/*
 * t-privs.c - what ringd gives up once it serves: no_new_privs always,
 * the seccomp filter unless "seccomp = no" (both read back from
 * /proc/PID/status); everything ringd does still works under the filter
 * (brokering, built-ins, physalloc3, a reload that changes the socket's
 * mode and group, a clean exit that removes socket and pidfile); and the
 * filter ringd installed, fetched from the running daemon with
 * PTRACE_SECCOMP_GET_FILTER and loaded into a helper, refuses what ringd
 * never needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <ring/phys.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;

/* The number after "Field:" in /proc/PID/status, or -1. */
static long
status_field(pid_t pid, const char *field)
{
	char path[64], buf[8192], *p;
	size_t flen = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (td_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, field, flen) == 0 && p[flen] == ':')
			return strtol(p + flen + 1, NULL, 10);
	}
	return -1;
}

static void
test_status(void)
{
	td_begin(&d, NULL);
	TAP_EQ(status_field(d.pid, "NoNewPrivs"), 1);
	TAP_EQ(status_field(d.pid, "Seccomp"), SECCOMP_MODE_FILTER);
	TAP_EQ(status_field(d.pid, "Seccomp_filters"), 1);
	td_finish(&d);
}

static void
test_seccomp_off(void)
{
	td_begin(&d, "seccomp = no\n");
	TAP_EQ(status_field(d.pid, "NoNewPrivs"), 1);
	TAP_EQ(status_field(d.pid, "Seccomp"), 0);
	td_finish(&d);
}

/* A scheme in a helper: accept one ring, answer until it is dropped. */
static void
scheme_child(int ready)
{
	struct ring_ctl *c = td_connect(&d);
	static const uint8_t ops[] = { RING_OP_READ };
	struct ring_attach a;
	struct ring_sqe sqe;
	struct ring_cqe cqe;
	struct ring *r;
	int rc;

	TAP_RC(ring_ctl_register(c, "t-privs", ops, 1), 0);
	tu_notify(ready);
	TAP_RC(ring_ctl_wait_attach(c, &a, 5000), 0);
	TAP_RC(ring_ctl_accept(c, &a, &r), 0);
	for (;;) {
		rc = ring_sq_pop(r, &sqe);
		if (rc == -ESHUTDOWN)
			break;
		if (rc == -EAGAIN) {
			rc = ring_wait(r, RING_EV_IN, 5000000000ll);
			if (rc == -ESHUTDOWN)
				break;
			TAP_OK(rc);
			continue;
		}
		TAP_OK(rc);
		cqe = (struct ring_cqe){ .user_data = sqe.user_data,
			.status = sqe.len };
		TAP_OK(ring_cq_push(r, &cqe));
	}
	ring_close(r);
	ring_ctl_close(c);
	tap_child_exit();
}

/*
 * Everything ringd does, with the filter on: if a call it needs were
 * missing, one of these would fail (EPERM) or ringd would not exit 0.
 */
static void
test_confined_work(void)
{
	struct ring_ctl *c;
	struct ring_sqe sqe = { .opcode = RING_OP_READ,
		.user_data = 9,
		.len = 123 };
	struct ring_cqe cqe;
	struct ring_ctl_status st;
	struct stat sb;
	uint64_t min = 8192, base;
	void *map;
	int p[2];
	pid_t pid;

	memset(&d, 0, sizeof(d));
	td_start(&d, "log_level = debug\n", TD_PIDFILE);
	TAP_EQ(status_field(d.pid, "Seccomp"), SECCOMP_MODE_FILTER);
	tu_pipe(p);
	pid = tap_fork();
	if (pid == 0)
		scheme_child(p[1]);
	tu_await(p[0], 5000);
	c = td_connect(&d);
	/* an external ring: memory file, doorbells, attach, accept */
	td_roundtrip_once(c, "t-privs", 16, 4096, &sqe, &cqe);
	TAP_EQ_U(cqe.status, 123);
	tap_reap(pid);
	/* a built-in ring, served by ringd itself */
	sqe.opcode = RING_OP_NOOP;
	td_roundtrip_once(c, "zero", 16, 4096, &sqe, &cqe);
	TAP_EQ_U(cqe.status, 0);
	/* physalloc3 and a mapping: the region's memory file */
	TAP_RC(ring_physalloc3(c, 8192, 0, &min, &base), 0);
	TAP_RC(ring_physmap(c, base, 8192, RING_PHYSMAP_WRITE, &map), 0);
	memset(map, 0xa5, 8192);
	TAP_RC(ring_physunmap(map, 8192), 0);
	TAP_RC(ring_physfree(c, base, 8192), 0);
	TAP_RC(ring_ctl_status(c, &st), 0);
	ring_ctl_close(c);

	/* a reload that changes the socket's mode and group */
	td_write_conf(&d, "socket_mode = 0660\nsocket_group = 0\n");
	TAP_SYS(kill(d.pid, SIGHUP));
	{
		unsigned i;

		for (i = 0; i < 300 && !td_log_has(&d, "reloaded '"); i++)
			tu_sleep_ms(10);
	}
	if (!td_log_has(&d, "reloaded '"))
		TD_FAIL(&d, "no reload");
	TAP_SYS(stat(d.sock, &sb));
	TAP_EQ(sb.st_mode & 0777, 0660);
	if (td_log_has(&d, "Operation not permitted"))
		TD_FAIL(&d, "a call was refused");
	tu_pipe_close(p);
	td_finish(&d); /* exit 0, socket and pidfile removed */
}

/*
 * Fetch the filter ringd runs under: stop it with PTRACE_SEIZE and
 * PTRACE_INTERRUPT, copy filter 0, let it go.  Returns the instruction
 * count.
 */
static int
fetch_filter(pid_t pid, struct sock_filter *prog, int max)
{
	int st, n;

	TAP_SYS(ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	TAP_SYS(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
	TAP_SYS(waitpid(pid, &st, __WALL));
	n = (int)ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, NULL);
	if (n < 0) {
		int e = errno;

		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		TAP_FAIL("PTRACE_SECCOMP_GET_FILTER: %s", tap_rcname(-e));
	}
	if (n > max) {
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		TAP_FAIL("filter of %d instructions", n);
	}
	n = (int)ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, prog);
	TAP_SYS(ptrace(PTRACE_DETACH, pid, NULL, NULL));
	TAP_ASSERT(n > 0);
	return n;
}

/*
 * The helper loads ringd's own filter and tries what ringd never does:
 * each must fail with EPERM, while what ringd does still works.
 */
static void
filtered_child(struct sock_filter *prog, int n)
{
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = prog };
	char *const argv[] = { (char *)"true", NULL };
	void *m;
	int fd;

	TAP_SYS(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	TAP_SYS(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp));
	/* allowed */
	TAP_ASSERT(getpid() > 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	TAP_ASSERT(fd >= 0);
	close(fd);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TAP_ASSERT(m != MAP_FAILED);
	/* refused */
	TAP_RC(mprotect(m, 4096, PROT_READ | PROT_EXEC) < 0 ? -errno : 0,
	    -EPERM);
	TAP_ASSERT(mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	TAP_EQ(errno, EPERM);
	TAP_RC(socket(AF_INET, SOCK_STREAM, 0) < 0 ? -errno : 0, -EPERM);
	TAP_RC(socket(AF_NETLINK, SOCK_RAW, 0) < 0 ? -errno : 0, -EPERM);
	TAP_RC(execve("/bin/true", argv, NULL) < 0 ? -errno : 0, -EPERM);
	TAP_RC(setuid(0) < 0 ? -errno : 0, -EPERM);
	TAP_RC(mkdir("/tmp/t-privs-never", 0700) < 0 ? -errno : 0, -EPERM);
	_exit(0);
}

static void
test_filter_refuses(void)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	pid_t pid;
	int n;

	td_begin(&d, NULL);
	n = fetch_filter(d.pid, prog, BPF_MAXINSNS);
	/* ringd went on serving after the stop */
	td_assert_alive(&d);
	ring_ctl_close(td_connect(&d));
	pid = tap_fork();
	if (pid == 0)
		filtered_child(prog, n);
	tap_reap(pid);
	td_finish(&d);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("privs-status", test_status, 30);
	tap_run("privs-seccomp-off", test_seccomp_off, 30);
	if (geteuid() == 0)
		tap_run("privs-confined-work", test_confined_work, 60);
	else
		tap_skip("privs-confined-work",
		    "not root: physalloc3 and socket_group need root");
	if (geteuid() == 0 && !tu_under_valgrind())
		tap_run("privs-filter-refuses", test_filter_refuses, 30);
	else
		tap_skip("privs-filter-refuses",
		    "needs root for PTRACE_SECCOMP_GET_FILTER, and no valgrind");
	return tap_done();
}
