/*
 * t-blkdev-demo.c - the demo's batch variant (scripts/demo.sh --batch
 * --no-build) on this build's binaries: it prints ringtop batch frames
 * with a ring per driver, and a summary in which every driver moved and
 * verified data; afterwards nothing it started runs and its directory is
 * gone.  Bad arguments are refused with status 2.
 *
 * The script is found as $RING_SRCDIR/scripts/demo.sh, else
 * ./scripts/demo.sh (make check runs in the source tree), else next to
 * the build directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"

#define DT_OUT_MAX (1u << 18)
#define DT_WAIT_MS 60000u

static const char *const dt_clients[] = { "fast", "large", "slow", "dma32" };

struct dt_run {
	char out[DT_OUT_MAX];
	int status;
};

static char dt_script[PATH_MAX];
static char dt_build[PATH_MAX];

/* The script and the build directory (BUILD/tests/t-x -> BUILD). */
static void
dt_paths(void)
{
	const char *src = getenv("RING_SRCDIR");
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		TAP_FAIL("readlink /proc/self/exe: %s", tap_rcname(-errno));
	self[n] = '\0';
	for (int k = 0; k < 2; k++) {
		if ((slash = strrchr(self, '/')) == NULL)
			TAP_FAIL("odd path '%s'", self);
		*slash = '\0';
	}
	snprintf(dt_build, sizeof(dt_build), "%s", self); /* BUILD */
	if (src != NULL && src[0] != '\0') {
		if ((size_t)snprintf(dt_script, sizeof(dt_script),
			"%s/scripts/demo.sh", src) >= sizeof(dt_script))
			TAP_FAIL("RING_SRCDIR too long");
	} else if (access("scripts/demo.sh", X_OK) == 0)
		snprintf(dt_script, sizeof(dt_script), "scripts/demo.sh");
	else if ((slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(dt_script, sizeof(dt_script),
			"%s/scripts/demo.sh", self) >= sizeof(dt_script))
			TAP_FAIL("path too long");
	}
	if (access(dt_script, X_OK) != 0)
		TAP_FAIL("no demo script at '%s' (set RING_SRCDIR)", dt_script);
}

/* Run the script with args (NULL-terminated), output to r->out. */
static void
dt_exec(struct dt_run *r, const char *const *args)
{
	const char *argv[16];
	uint64_t t0 = tu_now_ns();
	size_t len = 0;
	int po[2], st, i = 0;
	ssize_t n;
	pid_t pid;

	argv[i++] = "demo.sh";
	while (*args != NULL && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	TAP_SYS(pipe2(po, O_CLOEXEC));
	fflush(NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* its trap cleans up */
		dup2(po[1], 1);
		dup2(po[1], 2);
		i = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(i, 0);
		setenv("BUILD", dt_build, 1);
		execv(dt_script, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	/* the pipe is ours until the script and all it started close it */
	while ((n = read(po[0], r->out + len, sizeof(r->out) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			TAP_FAIL("read: %s", tap_rcname(-errno));
		len += (size_t)n;
		if (len == sizeof(r->out) - 1)
			TAP_FAIL("more output than %u bytes", DT_OUT_MAX);
		if (tu_now_ns() - t0 > (uint64_t)DT_WAIT_MS * 1000000) {
			kill(pid, SIGTERM);
			TAP_FAIL("demo still running after %u ms", DT_WAIT_MS);
		}
	}
	r->out[len] = '\0';
	close(po[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			TAP_FAIL("waitpid: %s", tap_rcname(-errno));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
dt_dump(const struct dt_run *r)
{
	char *copy = strdup(r->out), *line, *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		tap_diag("%s", line);
	free(copy);
}

/* Does any process still have dir in its command line? */
static bool
dt_anyone_in(const char *dir)
{
	char path[300], cmd[4096];
	struct dirent *e;
	bool found = false;
	DIR *p;
	ssize_t n;
	int fd;

	if ((p = opendir("/proc")) == NULL)
		return false;
	while (!found && (e = readdir(p)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (ssize_t k = 0; k < n; k++)
			if (cmd[k] == '\0')
				cmd[k] = ' ';
		cmd[n] = '\0';
		found = strstr(cmd, dir) != NULL;
	}
	closedir(p);
	return found;
}

static void
t_batch(void)
{
	static const char *const args[] = { "--batch", "--no-build", "--frames",
		"3", NULL };
	static struct dt_run r;
	char dir[PATH_MAX], want[64], line[512], *at, *end;
	struct stat st;
	unsigned frames = 0, i;
	unsigned long long reqs;

	dt_paths();
	dt_exec(&r, args);
	if (r.status != 0) {
		dt_dump(&r);
		TAP_FAIL("demo.sh --batch exited with %d", r.status);
	}
	/* frames: each shows a ring for every driver */
	for (at = r.out; (at = strstr(at, "ringtop frame ")) != NULL; at++)
		frames++;
	TAP_EQ(frames, 3);
	if (strstr(r.out, "blkdev-driver/") == NULL ||
	    strstr(r.out, "disk32") == NULL) {
		dt_dump(&r);
		TAP_FAIL("no driver rings in the frames");
	}
	/* the summary: non-zero traffic, verified, for every driver */
	for (i = 0; i < sizeof(dt_clients) / sizeof(dt_clients[0]); i++) {
		snprintf(want, sizeof(want), "  %-6s load: ", dt_clients[i]);
		if ((at = strstr(r.out, want)) == NULL) {
			dt_dump(&r);
			TAP_FAIL("no summary for driver '%s'", dt_clients[i]);
		}
		reqs = strtoull(at + strlen(want), &end, 10);
		if (reqs == 0 || strncmp(end, " requests", 9) != 0) {
			dt_dump(&r);
			TAP_FAIL("driver '%s' moved no data", dt_clients[i]);
		}
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(at, "\n"),
		    at);
		if (strstr(line, " 0 errors, 0 mismatches") == NULL) {
			dt_dump(&r);
			TAP_FAIL("driver '%s' reported errors", dt_clients[i]);
		}
	}
	if (strstr(r.out, "demo: every driver moved data") == NULL) {
		dt_dump(&r);
		TAP_FAIL("no closing verdict");
	}
	/* nothing left behind */
	if ((at = strstr(r.out, "(files in ")) == NULL)
		TAP_FAIL("the demo did not name its directory");
	snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(at + 10, ")"), at + 10);
	TAP_ASSERT(strstr(dir, "ringd-demo.") != NULL);
	if (stat(dir, &st) == 0)
		TAP_FAIL("'%s' is still there", dir);
	if (dt_anyone_in(dir))
		TAP_FAIL("a process the demo started still runs ('%s')", dir);
}

static void
t_usage(void)
{
	static const char *const a1[] = { "--no-build", "--bogus", NULL };
	static const char *const a2[] = { "--no-build", "--frames", "0", NULL };
	static struct dt_run r;

	dt_paths();
	dt_exec(&r, a1);
	TAP_EQ(r.status, 2);
	TAP_ASSERT(strstr(r.out, "demo: unknown argument '--bogus'") != NULL);
	dt_exec(&r, a2);
	TAP_EQ(r.status, 2);
	TAP_ASSERT(strstr(r.out, "demo: bad frame count '0'") != NULL);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	tap_run("demo --batch: frames, traffic from every driver, no leftovers",
	    t_batch, 120);
	tap_run("demo usage errors", t_usage, TAP_TIMEOUT);
	return tap_done();
}
