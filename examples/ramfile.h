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
 * getopt() over opts for both programs: takes -S socket, -n name and -h
 * itself, and exits on an option it does not know or an operand left;
 * returns each of the program's own options, then -1.
 */
static inline int
ramfile_getopt(int argc, char **argv, const char *opts, const char **sock,
    const char **name, void (*usage)(FILE *))
{
	int c;

	while ((c = getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'S':
			*sock = optarg;
			break;
		case 'n':
			*name = optarg;
			break;
		case 'h':
		case '?':
			ramfile_usage_exit(usage, c == 'h');
			break;
		default:
			return c;
		}
	}
	if (optind != argc)
		ramfile_usage_exit(usage, false);
	return -1;
}

#endif
