/*
 * ramfile.h - what ramfile-scheme and ramfile-client share: the scheme's
 * default name and their command-line helpers.  Both stay programs on
 * libring alone, so this header holds only static functions.
 */
#ifndef RAMFILE_H
#define RAMFILE_H

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define RAMFILE_NAME "ramfile" /* the scheme's name unless -n says */

/* s as a number in [min, max], or a message "prog: bad what 's'" and exit 2. */
static inline unsigned long long
ramfile_number(const char *prog, const char *what, const char *s,
    unsigned long long min, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

/* -h (ok): usage on stdout, exit 0; a bad command line: on stderr, exit 2. */
static inline void
ramfile_usage_exit(void (*usage)(FILE *), bool ok)
{
	usage(ok ? stdout : stderr);
	exit(ok ? 0 : 2);
}

/*
 * The options both programs take, for the default of their getopt() switch:
 * -S socket and -n name are stored; -h and an unknown option exit.
 */
static inline void
ramfile_option(int c, const char **sock, const char **name,
    void (*usage)(FILE *))
{
	if (c == 'S')
		*sock = optarg;
	else if (c == 'n')
		*name = optarg;
	else
		ramfile_usage_exit(usage, c == 'h');
}

#endif
