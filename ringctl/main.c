/*
 * main.c - ringctl: the scriptable command line and interactive shell
 * for ringd.  Global options, then one command from the table (cmd.c), a
 * batch file (-b), or the shell when no command is given on a terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringctl.h"

int
main(int argc, char **argv)
{
	struct ringctl rc;
	const char *batch = NULL;
	enum ring_ctl_scope scope;
	bool force = false, took;
	int i, st;

	memset(&rc, 0, sizeof(rc));
	/* a closed pipe ends us with EPIPE on write, not a signal */
	signal(SIGPIPE, SIG_IGN);

	/* global options stop at the first word that is not one */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(s, "--json") == 0) {
			rc.json = true;
			continue;
		}
		if (strcmp(s, "--pretty") == 0) {
			rc.json = rc.pretty = true;
			continue;
		}
		if (strcmp(s, "--force") == 0) {
			force = true;
			continue;
		}
		if (strcmp(s, "--system") == 0 || strcmp(s, "--user") == 0) {
			scope = s[2] == 's' ? RING_CTL_SYSTEM : RING_CTL_USER;
			if (rc.scope != RING_CTL_DEFAULT && rc.scope != scope)
				return out_fail(&rc, RC_USAGE, 0,
				    "--system and --user exclude each other");
			rc.scope = scope;
			continue;
		}
		if (strcmp(s, "--help") == 0) {
			cmd_print_main_usage(stdout);
			return RC_OK;
		}
		if (strcmp(s, "--version") == 0) {
			printf("ringctl %s\n", ring_version());
			return RC_OK;
		}
		if (strncmp(s, "--socket", 8) == 0 ||
		    strncmp(s, "--batch", 7) == 0) {
			const char **dst = s[2] == 's' ? &rc.sock : &batch;
			const char *eq = strchr(s, '=');
			size_t n = s[2] == 's' ? 8 : 7;

			if (eq != NULL && (size_t)(eq - s) == n)
				*dst = eq + 1;
			else if (s[n] != '\0')
				goto unknown_long;
			else if (i + 1 < argc)
				*dst = argv[++i];
			else
				goto missing;
			continue;
		}
		if (s[1] == '-')
			goto unknown_long;
		for (s++, took = false; *s != '\0' && !took; s++) {
			switch (*s) {
			case 'j':
				rc.json = true;
				break;
			case 'p':
				rc.json = rc.pretty = true;
				break;
			case 'h':
				cmd_print_main_usage(stdout);
				return RC_OK;
			case 'V':
				printf("ringctl %s\n", ring_version());
				return RC_OK;
			case 'S':
			case 'b':
				if (s[1] != '\0')
					*(*s == 'S' ? &rc.sock : &batch) = s +
					    1;
				else if (i + 1 < argc)
					*(*s == 'S' ? &rc.sock
						    : &batch) = argv[++i];
				else
					goto missing;
				took =
				    true; /* the rest of the word was the value */
				break;
			default:
				return out_fail(&rc, RC_USAGE, 0,
				    "unknown option '-%c' (see 'ringctl -h')",
				    *s);
			}
		}
	}
	if (rc.sock != NULL && rc.sock[0] == '\0')
		return out_fail(&rc, RC_USAGE, 0, "empty socket path");
	if (rc.sock != NULL && rc.scope != RING_CTL_DEFAULT)
		return out_fail(&rc, RC_USAGE, 0, "-S and --%s exclude each other",
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

unknown_long:
	return out_fail(&rc, RC_USAGE, 0,
	    "unknown option '%s' (see 'ringctl -h')", argv[i]);
missing:
	return out_fail(&rc, RC_USAGE, 0, "option '%s' needs a value", argv[i]);
}
