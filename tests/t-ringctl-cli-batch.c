/*
 * t-ringctl-cli-batch.c - ringctl batch files (-b) with and without
 * --force, the non-interactive shell, and ringd going away under a shell
 * or a batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/scheme.h"

static struct td d;
static struct tr_run r;

/* --- batch and non-interactive shell -------------------------------------- */

TAP_TEST(test_batch, "ringctl-batch-shell", 60)
{
	char path[256];
	FILE *f;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/cmds", d.dir);
	TAP_ASSERT((f = fopen(path, "w")) != NULL);
	fputs("# a batch file\n"
	      "\n"
	      "schemes -q   # trailing comment\n"
	      "submit null write 'data=two words'\n"
	      "submit nosuch noop\n"
	      "probe -q zero\n",
	    f);
	fclose(f);
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", d.sock, "-b", path, NULL });
	EXPECT_STATUS(1);
	TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	TAP_ASSERT(strstr(r.out, "status=9 ") != NULL);
	TAP_ASSERT(strstr(r.out, "noop\nread\n") == NULL); /* stopped */
	EXPECT_ERR("no such scheme");
	EXPECT_ERR(":5: stopping at the first error");
	tr_runv(d.dir, &r, NULL,
	    (const char *const[]){ "-S", d.sock, "-b", path, "--force", NULL });
	EXPECT_STATUS(1);
	TAP_ASSERT(strstr(r.out, "noop\nread\n") != NULL); /* went on */
	/* from stdin, all good */
	CTL_IN("status\nrings -q\n", "-b", "-");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	/* a usage error stops with 2; an unterminated quote too */
	CTL_IN("probe\nstatus\n", "-b", "-");
	EXPECT_STATUS(2);
	TAP_ASSERT(strstr(r.out, "health") == NULL);
	CTL_IN("submit null write 'data=x\n", "-b", "-");
	EXPECT_FAIL(2, "<stdin>:1: unterminated quote");
	CTL_IN("shell\n", "-b", "-");
	EXPECT_FAIL(2, "shell: already in the shell");
	/* quit ends a batch */
	CTL_IN("quit\nprobe\n", "-b", "-");
	EXPECT_STATUS(0);
	/* -b with a command, or a missing file */
	CTL("-b", path, "status");
	EXPECT_USAGE("-b takes no command");
	snprintf(path, sizeof(path), "%s/none", d.dir);
	CTL("-b", path);
	EXPECT_FAIL(1, "cannot open '");
	/* a device is an endless line: refused before reading */
	CTL("-b", "/dev/full");
	EXPECT_FAIL(1, "'/dev/full' is not a regular file or a pipe");
	/* a line over 64 KiB is refused whole and the next one runs */
	{
		static char big[70000 + 32];

		memset(big, 'x', 70000);
		strcpy(big + 70000, "\nschemes -q\n");
		CTL_IN(big, "-b", "-", "--force");
		EXPECT_FAIL(2, "<stdin>:1: line too long");
		TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	}

	/* the shell without a terminal: errors do not end it */
	CTL_IN("status\nfrob\nsubmit nosuch noop\nschemes -q\n", "shell");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") != NULL);
	EXPECT_ERR("unknown command 'frob'");
	/* -j for one shell command only */
	CTL_IN("schemes -j\nstatus\n", "shell");
	TAP_ASSERT(strstr(r.out, "[{\"name\":\"echo\"") != NULL);
	TAP_ASSERT(strstr(r.out, "health:   ok") != NULL);
	/* ringd went away between commands: 3, and the shell goes on */
	td_finish(&d);
}

/* --- ringd going away under a shell or a batch ------------------------------ */

/*
 * Run ringctl ARGS reading commands from a FIFO; feed first, wait for
 * mark in its output, stop ringd, feed then, and collect.
 */
static void
run_across_stop(const char *const *args, const char *first, const char *mark,
    const char *then)
{
	char fifo[256], path[256];
	unsigned waited;
	pid_t pid;
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/cmds.fifo", d.dir);
	unlink(fifo);
	TAP_SYS(mkfifo(fifo, 0600));
	/* read-write: the FIFO has a writer before ringctl opens it */
	TAP_SYS(fd = open(fifo, O_RDWR | O_CLOEXEC));
	pid = tr_spawn_in(d.dir, "gone", fifo, args);
	TAP_EQ(write(fd, first, strlen(first)), (ssize_t)strlen(first));
	snprintf(path, sizeof(path), "%s/gone.out", d.dir);
	for (waited = 0; waited < 10000; waited += 20) {
		tr_slurp(path, r.out, sizeof(r.out));
		if (strstr(r.out, mark) != NULL)
			break;
		tu_sleep_ms(20);
	}
	if (strstr(r.out, mark) == NULL) {
		close(fd);
		TAP_FAIL("'%s' never appeared: %s", mark, r.out);
	}
	td_stop(&d);
	TAP_EQ(write(fd, then, strlen(then)), (ssize_t)strlen(then));
	close(fd);
	tr_collect(d.dir, "gone", pid, 10000, &r);
	unlink(fifo);
}

TAP_TEST(test_ringd_gone, "ringctl-ringd-gone", 90)
{
	char *p;

	/* the shell: the next commands say so (after a bounded wait for a
	 * restarting ringd), and it goes on */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "shell", NULL },
	    "status\n", "health:   ok", "schemes -q\nrings\nhelp --commands\n");
	EXPECT_STATUS(0);
	p = strstr(r.err, "ringctl: ringd went away; cannot connect to ringd");
	TAP_ASSERT(p != NULL); /* schemes */
	TAP_ASSERT(strstr(p + 1, "ringctl: ringd went away") != NULL); /* rings */
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") != NULL);
	td_cleanup(&d);

	/* a batch: stops there with 3 */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "-b", "-", NULL },
	    "status\n", "health:   ok", "schemes -q\nhelp --commands\n");
	EXPECT_STATUS(3);
	EXPECT_ERR("ringctl: ringd went away; cannot connect to ringd at '");
	EXPECT_ERR("ringctl: <stdin>:2: stopping at the first error\n");
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") == NULL);
	td_cleanup(&d);

	/* with --force: every line runs, the status is the first failure's */
	td_begin(&d, NULL);
	run_across_stop((const char *const[]){ "-S", d.sock, "-b", "-",
			    "--force", NULL },
	    "status\n", "health:   ok", "schemes -q\nrings\nhelp --commands\n");
	EXPECT_STATUS(3);
	/* schemes and rings, each once */
	p = strstr(r.err, "ringctl: ringd went away; cannot connect to ringd");
	TAP_ASSERT(p != NULL);
	TAP_ASSERT((p = strstr(p + 1, "ringctl: ringd went away")) != NULL);
	TAP_ASSERT(strstr(p + 1, "ringctl: ringd went away") == NULL);
	TAP_ASSERT(strstr(r.out, "\nstatus\nschemes\n") != NULL);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
