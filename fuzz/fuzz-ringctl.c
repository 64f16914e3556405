/*
 * fuzz-ringctl.c - libFuzzer target: ringctl's command line.
 *
 * Each input is an argument vector: words separated by NUL bytes (or
 * newlines), handed to ringctl_main() (ringctl/ringctl.c, what
 * ringctl's main() calls), so the global options, the command table, every
 * command's option and positional parsing and the FIELD=VALUE parser of
 * "submit" all see it.  ringd is never reachable: $RINGD_SOCKET names a
 * path that does not exist, so a command that gets past its parser fails
 * with "ringd unreachable" (status 3; "exec" 125) instead of doing
 * anything: exec asks ringd for the schemes before it forks.  stdin is
 * /dev/null (the shell and "-b -" read nothing) and stdout is discarded.
 *
 * What must hold: no crash, and the status is one ringctl(1) documents.
 *
 * "metrics" is left out: it does not stop at an unreachable ringd (it
 * reports ringd_up 0), and then -o writes whatever file it names and
 * --listen serves until a signal.  Its options go through the same
 * parser as every other command's.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringctl/ringctl.h"
#include "fuzz.h"

#define FZ_ARGS_MAX 64

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	if (setenv("RINGD_SOCKET", "/nonexistent/fuzz-ringctl.sock", 1) < 0)
		abort();
	unsetenv("XDG_RUNTIME_DIR");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FZ_ARGS_MAX + 2];
	char *buf, *p, *end;
	int argc = 0, st;

	if (size > 4096)
		return -1;
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"ringctl";
	for (p = buf, end = buf + size; p <= end && argc <= FZ_ARGS_MAX;) {
		char *w = p;

		while (p < end && *p != '\0' && *p != '\n')
			p++;
		*p++ = '\0';
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	for (st = 1; st < argc; st++)
		if (strcmp(argv[st], "metrics") == 0) {
			free(buf);
			return -1;
		}
	st = ringctl_main(argc, argv);
	/* exec's own failures are 125; it never runs a program here */
	if (st < 0 || (st > 3 && st != RC_EXEC_FAILED))
		abort();
	free(buf);
	return 0;
}
