/*
 * opts.h - a program's options as one table that both getopt_long() and
 * --help read, so that the two cannot disagree (ringd, ringtop).
 */
#ifndef TOOLS_OPTS_H
#define TOOLS_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* The val of the first option with no short form; the next get 257... */
#define OPTS_LONG_ONLY 256

struct opts_def {
	const char *name; /* long name; NULL: more help for the one above */
	int val;	  /* its short option, or OPTS_LONG_ONLY and up */
	const char *arg;  /* the value's name for --help; NULL: a flag */
	const char *help; /* one line */
};

/* getopt_long()'s table of the n defs into longopts (room for n + 1). */
void opts_longopts(const struct opts_def *defs, size_t n,
    struct option *longopts);
/* One --help line per def: "  -S, --socket PATH        help". */
void opts_print(FILE *f, const struct opts_def *defs, size_t n);

#endif /* TOOLS_OPTS_H */
