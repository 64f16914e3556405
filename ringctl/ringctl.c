/*
 * ringctl.c - ringctl_main(): the global options (getopt_long() over one
 * opts table, the same table --help prints), then one command from the
 * table (cmd.c), a batch file (-b), or the shell when no command is given
 * on a terminal.  main.c calls it; so does fuzz/fuzz-ringctl.c, once per
 * input, which is why getopt is reset on entry.
 *
 * Depends on the rest of ringctl/ and common/opts.c; nothing in ringctl/
 * depends on it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringctl.h"
#include "common/opts.h"

/* ringctl's synopsis, as ringctl(1) has it. */
#define RINGCTL_SYNOPSIS \
	"usage: ringctl [-hjpV] [--system | --user | -S socket] " \
	"[-b file [--force]] [command [argument ...]]"

enum {
	RINGCTL_OPT_FORCE = OPTS_LONG_ONLY,
	RINGCTL_OPT_SYSTEM,
	RINGCTL_OPT_USER,
};

/* The global options, as ringctl(1) lists them. */
static const struct opts_def ringctl_opts[] = {
	{ "batch", 'b', "FILE", "run the commands in FILE (-: stdin)" },
	{ "force", RINGCTL_OPT_FORCE, NULL,
	    "with -b: go on after a failing command" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "json", 'j', NULL, "print JSON" },
	{ "pretty", 'p', NULL, "print indented JSON (implies -j)" },
	{ "socket", 'S', "PATH", "talk to the ringd listening on PATH" },
	{ "system", RINGCTL_OPT_SYSTEM, NULL,
	    "the system ringd (" RING_CTL_SYSTEM_SOCKET ")" },
	{ "user", RINGCTL_OPT_USER, NULL,
	    "the per-user ringd ($XDG_RUNTIME_DIR/ringd.sock)" },
	{ "version", 'V', NULL, "print the version and exit" },
};
#define RINGCTL_NOPTS (sizeof(ringctl_opts) / sizeof(ringctl_opts[0]))

const char *
ringctl_synopsis(void)
{
	return RINGCTL_SYNOPSIS;
}

static void
ringctl_usage(FILE *f)
{
	fprintf(f, "%s\nGlobal options (before the command):\n",
	    RINGCTL_SYNOPSIS);
	opts_print(f, ringctl_opts, RINGCTL_NOPTS);
	fprintf(f, "Run 'ringctl help' for the list of commands.\n");
}

/*
 * Is word, where getopt_long() found long option o, o's whole name?
 * getopt_long() also takes unique prefixes ("--sock"); ringctl takes
 * exact names only, as its commands do.
 */
static bool
ringctl_exact(const char *word, const struct option *o)
{
	size_t n = strlen(o->name);

	return strncmp(word + 2, o->name, n) == 0 &&
	    (word[2 + n] == '\0' || word[2 + n] == '=');
}

/*
 * The global options into rc, *batch and *force; 0 and *first the first
 * word after them, or the status to exit with (-h and -V: RC_OK, after
 * printing) and *first -1.
 */
static int
ringctl_parse(struct ringctl *rc, int argc, char **argv, const char **batch,
    bool *force, int *first)
{
	struct option longopts[RINGCTL_NOPTS + 1];
	enum ring_ctl_scope scope;
	char msg[128];
	int ch, word, longindex;

	*first = -1;
	opts_longopts(ringctl_opts, RINGCTL_NOPTS, longopts);
	/* a fresh scan: ringctl_main() may run more than once (fuzzing) */
	optind = 0;
	opterr = 0;
	for (;;) {
		word = optind == 0 ? 1 : optind;
		longindex = -1;
		ch = getopt_long(argc, argv,
		    OPTS_SHORTOPTS(ringctl_opts, RINGCTL_NOPTS, "+:"), longopts,
		    &longindex);
		if (ch == -1)
			break;
		if (longindex >= 0 &&
		    !ringctl_exact(argv[word], &longopts[longindex]))
			ch = '?';
		switch (ch) {
		case 'j':
			rc->json = true;
			break;
		case 'p':
			rc->json = rc->pretty = true;
			break;
		case RINGCTL_OPT_FORCE:
			*force = true;
			break;
		case RINGCTL_OPT_SYSTEM:
		case RINGCTL_OPT_USER:
			scope = ch == RINGCTL_OPT_SYSTEM ? RING_CTL_SYSTEM
							 : RING_CTL_USER;
			if (rc->scope != RING_CTL_DEFAULT && rc->scope != scope)
				return out_fail(rc, RC_USAGE, 0,
				    "--system and --user exclude each other");
			rc->scope = scope;
			break;
		case 'h':
			ringctl_usage(stdout);
			return RC_OK;
		case 'V':
			printf("ringctl %s\n", ring_version());
			return RC_OK;
		case 'S':
			rc->sock = optarg;
			break;
		case 'b':
			*batch = optarg;
			break;
		case ':':
			return out_fail(rc, RC_USAGE, 0, "%s",
			    opts_error(ch, argv[optind - 1], msg, sizeof(msg)));
		default:
			/*
			 * the word of a long option (also one given by a
			 * prefix only, refused above); a short one by itself
			 */
			if (strncmp(argv[word], "--", 2) == 0)
				return out_fail(rc, RC_USAGE, 0,
				    "unknown option '%s' (see 'ringctl -h')",
				    argv[word]);
			return out_fail(rc, RC_USAGE, 0,
			    "unknown option '-%c' (see 'ringctl -h')", optopt);
		}
	}
	*first = optind;
	return RC_OK;
}

int
ringctl_main(int argc, char **argv)
{
	struct ringctl rc;
	const char *batch = NULL;
	bool force = false;
	int i, st;

	memset(&rc, 0, sizeof(rc));
	/* a closed pipe ends us with EPIPE on write, not a signal */
	signal(SIGPIPE, SIG_IGN);

	/* global options stop at the first word that is not one */
	st = ringctl_parse(&rc, argc, argv, &batch, &force, &i);
	if (st != RC_OK || i < 0)
		return st;
	if (rc.sock != NULL && rc.sock[0] == '\0')
		return out_fail(&rc, RC_USAGE, 0, "empty socket path");
	if (rc.sock != NULL && rc.scope != RING_CTL_DEFAULT)
		return out_fail(&rc, RC_USAGE, 0,
		    "-S and --%s exclude each other",
		    rc.scope == RING_CTL_USER ? "user" : "system");

	if (batch != NULL) {
		if (i < argc)
			return out_fail(&rc, RC_USAGE, 0,
			    "-b takes no command ('%s')", argv[i]);
		st = shell_batch(&rc, batch, force);
	} else if (force) {
		return out_fail(&rc, RC_USAGE, 0, "--force is for -b");
	} else if (i < argc) {
		st = cmd_run(&rc, argc - i, argv + i);
	} else if (isatty(STDIN_FILENO)) {
		char *shell_argv[] = { (char *)"shell", NULL };

		st = cmd_run(&rc, 1, shell_argv);
	} else {
		return out_fail(&rc, RC_USAGE, 0,
		    "no command given (see 'ringctl help')");
	}
	conn_close(&rc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "ringctl: cannot write output: %s\n",
			    strerror(errno));
		return st != RC_OK ? st : RC_FAIL;
	}
	return st;
}
