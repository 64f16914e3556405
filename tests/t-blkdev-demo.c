/*
 * t-blkdev-demo.c - the demo (scripts/demo.sh --no-build) on this build's
 * binaries.  The batch variant prints ringtop batch frames with a ring
 * per driver, and a summary in which every driver moved data, read some
 * back and verified it; a run too short for that must not claim it.  The
 * interactive variant runs in a real terminal (a private tmux server):
 * ringtop comes up on the drivers' rings and 'q' ends everything.  After
 * either, nothing it started runs and its directory is gone.  Bad
 * arguments are refused with status 2.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/tmux.h"

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

	if (build_path(NULL, ".", dt_build, sizeof(dt_build)) < 0) /* BUILD */
		TAP_FAIL("no build directory at '%s'", dt_build);
	if (src != NULL && src[0] != '\0') {
		if ((size_t)snprintf(dt_script, sizeof(dt_script),
			"%s/scripts/demo.sh", src) >= sizeof(dt_script))
			TAP_FAIL("RING_SRCDIR too long");
	} else if (access("scripts/demo.sh", X_OK) == 0)
		snprintf(dt_script, sizeof(dt_script), "scripts/demo.sh");
	else
		(void)build_path(NULL, "../scripts/demo.sh", dt_script,
		    sizeof(dt_script)); /* BUILD/.. */
	if (access(dt_script, X_OK) != 0)
		TAP_FAIL("no demo script at '%s' (set RING_SRCDIR)", dt_script);
}

/* Run the script with args (NULL-terminated), output to r->out. */
static void
dt_exec(struct dt_run *r, const char *const *args)
{
	const char *argv[16];
	uint64_t t0 = clock_ns();
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
		if (clock_ns() - t0 > (uint64_t)DT_WAIT_MS * 1000000) {
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

/* Does /proc/<pid>/<what> (NULs read as spaces) contain s? */
static bool
dt_proc_has(const char *pid, const char *what, const char *s)
{
	static char buf[65536];
	char path[300];
	ssize_t n;
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	for (size_t k = 0; k < len; k++)
		if (buf[k] == '\0')
			buf[k] = ' ';
	buf[len] = '\0';
	return strstr(buf, s) != NULL;
}

/*
 * How many processes the demo that uses dir started still run: those
 * with dir in their command line, or with the demo's RINGD_SOCKET in
 * their environment (every program the script starts inherits it).
 */
static unsigned
dt_count_in(const char *dir)
{
	char env[PATH_MAX + 32];
	struct dirent *e;
	unsigned n = 0;
	DIR *p;

	snprintf(env, sizeof(env), "RINGD_SOCKET=%s/ringd.sock ", dir);
	if ((p = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(p)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (dt_proc_has(e->d_name, "cmdline", dir) ||
		    dt_proc_has(e->d_name, "environ", env))
			n++;
	}
	closedir(p);
	return n;
}

static bool
dt_anyone_in(const char *dir)
{
	return dt_count_in(dir) > 0;
}

#define DT_VERIFIED \
	"demo: every driver moved data through ringd, read it back and " \
	"verified it"

/* The directory the demo named, from its output. */
static void
dt_dir(const char *out, char *dir, size_t size)
{
	const char *at;

	if ((at = strstr(out, "(files in ")) == NULL)
		TAP_FAIL("the demo did not name its directory");
	snprintf(dir, size, "%.*s", (int)strcspn(at + 10, ")"), at + 10);
	TAP_ASSERT(strstr(dir, "ringd-demo.") != NULL);
}

/* Nothing the demo started runs, and its directory is gone. */
static void
dt_no_leftovers(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		TAP_FAIL("'%s' is still there", dir);
	if (dt_anyone_in(dir))
		TAP_FAIL("a process the demo started still runs ('%s')", dir);
}

/*
 * The batch summary against what each driver reported: every driver moved
 * data without errors; the verdict says "verified" (status 0) only when
 * every driver read data back, and otherwise fails naming the ones that
 * read nothing.  Returns how many drivers read nothing back.
 */
static unsigned
dt_check_summary(const struct dt_run *r)
{
	char want[64], line[512], *end;
	const char *at;
	unsigned long long reqs, reads;
	unsigned i, unread = 0;

	for (i = 0; i < sizeof(dt_clients) / sizeof(dt_clients[0]); i++) {
		snprintf(want, sizeof(want), "  %-6s load: ", dt_clients[i]);
		if ((at = strstr(r->out, want)) == NULL) {
			dt_dump(r);
			TAP_FAIL("no summary for driver '%s'", dt_clients[i]);
		}
		reqs = strtoull(at + strlen(want), &end, 10);
		if (reqs == 0 || strncmp(end, " requests (", 11) != 0) {
			dt_dump(r);
			TAP_FAIL("driver '%s' moved no data", dt_clients[i]);
		}
		reads = strtoull(end + 11, &end, 10);
		if (strncmp(end, " reads, ", 8) != 0) {
			dt_dump(r);
			TAP_FAIL("driver '%s': no read count", dt_clients[i]);
		}
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(at, "\n"),
		    at);
		if (strstr(line, " 0 errors, 0 mismatches") == NULL) {
			dt_dump(r);
			TAP_FAIL("driver '%s' reported errors", dt_clients[i]);
		}
		if (reads == 0) {
			unread++;
			at = strstr(r->out, "wrote data but read none");
			while (at != NULL && at > r->out && at[-1] != '\n')
				at--;
			if (at == NULL)
				line[0] = '\0';
			else
				snprintf(line, sizeof(line), "%.*s",
				    (int)strcspn(at, "\n"), at);
			snprintf(want, sizeof(want), " %s ", dt_clients[i]);
			if (strstr(line, want) == NULL) {
				dt_dump(r);
				TAP_FAIL("driver '%s' read nothing back and "
					 "the demo does not say so",
				    dt_clients[i]);
			}
		}
	}
	if (unread == 0 &&
	    (r->status != 0 || strstr(r->out, DT_VERIFIED) == NULL)) {
		dt_dump(r);
		TAP_FAIL("every driver verified data, yet status %d and no "
			 "such verdict",
		    r->status);
	}
	if (unread != 0 &&
	    (r->status != 1 || strstr(r->out, "verified it") != NULL)) {
		dt_dump(r);
		TAP_FAIL("%u drivers read nothing back, yet status %d or a "
			 "claim of verification",
		    unread, r->status);
	}
	return unread;
}

static void
t_batch(void)
{
	static const char *const args[] = { "--batch", "--no-build", "--frames",
		"3", NULL };
	static struct dt_run r;
	char dir[PATH_MAX], *at;
	unsigned frames = 0;

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
	if (strstr(r.out, "/blkdev-driver") == NULL ||
	    strstr(r.out, "disk32") == NULL) {
		dt_dump(&r);
		TAP_FAIL("no driver rings in the frames");
	}
	/* the summary: traffic, read back and verified, for every driver */
	TAP_EQ(dt_check_summary(&r), 0);
	dt_dir(r.out, dir, sizeof(dir));
	dt_no_leftovers(dir);
}

/*
 * One frame: too short, perhaps, for the slow driver to read a block
 * back.  Whichever way the run went, the verdict must match the reports.
 */
static void
t_batch_short(void)
{
	static const char *const args[] = { "--batch", "--no-build", "--frames",
		"1", NULL };
	static struct dt_run r;
	char dir[PATH_MAX];
	unsigned unread;

	dt_paths();
	dt_exec(&r, args);
	unread = dt_check_summary(&r);
	tap_diag("%u of 4 drivers read nothing back in one frame", unread);
	dt_dir(r.out, dir, sizeof(dir));
	dt_no_leftovers(dir);
}

/* --- the interactive demo in a real terminal -------------------------- */

/* The private tmux server's directory, made and removed by main. */
static char dt_tmux_dir[] = "/tmp/t-blkdev-demo.XXXXXX";
static bool dt_tmux_dir_made;

/*
 * The interactive demo in a 120x40 terminal of a private tmux server (its
 * socket in a directory of ours, the server a helper of the sub-test): it
 * builds nothing, starts everything, opens ringtop on the drivers' rings;
 * 'q' quits ringtop, and the script stops all it started and removes its
 * directory.  The pane's shell prints the script's status and stays.
 */
static void
t_interactive_quit(void)
{
	static char screen[TM_SCREEN_MAX];
	char cmd[2 * PATH_MAX + 128];
	char dir[PATH_MAX];
	struct tm_server t;
	unsigned running;

	dt_paths();
	if (!dt_tmux_dir_made)
		TAP_FAIL("no directory for the tmux socket (mkdtemp failed)");
	tm_start(&t, dt_tmux_dir);
	t.wait_ms = 30000;
	snprintf(cmd, sizeof(cmd),
	    "BUILD='%s' '%s' --no-build; echo \"demo ended: $?\"; "
	    "exec sleep 120",
	    dt_build, dt_script);
	tm_new_session(&t, "demo", 120, 40, cmd);
	/* ringtop's table, with the drivers' rings to both devices */
	tm_wait(&t, "disk32", screen);
	tm_wait(&t, "blkdev-driver", screen);
	/* the directory, from the lines under ringtop's (alternate) screen */
	if (tm_run(&t, screen, sizeof(screen), "capture-pane", "-a", "-p", "-t",
		t.session, (char *)NULL) != 0 ||
	    strstr(screen, "(files in ") == NULL) {
		tm_dump(screen);
		TAP_FAIL("the demo did not name its directory before ringtop");
	}
	dt_dir(screen, dir, sizeof(dir));
	/* ringd, two schemes, four drivers and ringtop */
	running = dt_count_in(dir);
	if (running < 8)
		TAP_FAIL("only %u processes of the demo run", running);
	tm_press(&t, "q", "demo ended: ", screen);
	if (strstr(screen, "demo ended: 0") == NULL) {
		tm_dump(screen);
		TAP_FAIL("the demo did not exit 0 on 'q'");
	}
	/* the script waited for what it stopped: nothing may be left now */
	dt_no_leftovers(dir);
	tm_stop(&t);
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
	tap_run("demo --batch --frames 1: the verdict matches the reports",
	    t_batch_short, 120);
	if (tm_available()) {
		dt_tmux_dir_made = mkdtemp(dt_tmux_dir) != NULL;
		tap_run("demo in a terminal: ringtop up, q stops everything",
		    t_interactive_quit, 120);
		/* also when the sub-test failed and its server was killed */
		if (dt_tmux_dir_made) {
			char sock[sizeof(dt_tmux_dir) + sizeof(TM_SOCK_NAME)];

			snprintf(sock, sizeof(sock), "%s/%s", dt_tmux_dir,
			    TM_SOCK_NAME);
			unlink(sock);
			rmdir(dt_tmux_dir);
		}
	} else
		tap_skip("demo in a terminal: ringtop up, q stops everything",
		    "tmux is not installed");
	tap_run("demo usage errors", t_usage, TAP_TIMEOUT);
	return tap_done();
}
