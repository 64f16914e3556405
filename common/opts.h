/*
 * opts.h - a program's options as one table that getopt_long()'s long and
 * short option lists and --help are all made from, so that they cannot
 * disagree (ringd, ringtop, ringctl's global options).  Depends on libc
 * only.
 */
#ifndef COMMON_OPTS_H
#define COMMON_OPTS_H

#include <getopt.h>
#include <stdbool.h>
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
/*
 * getopt()'s short option string of the n defs into buf: lead (say "+:"),
 * then each short option, with ':' when it takes a value.  Returns buf.
 * len must be at least OPTS_SHORT_LEN(n); a table is the program's own,
 * so a shorter buf is a programmer error (assert).
 */
#define OPTS_LEAD_MAX 2
#define OPTS_SHORT_LEN(n) (OPTS_LEAD_MAX + 2 * (n) + 1)
const char *opts_shortopts(const struct opts_def *defs, size_t n,
    const char *lead, char *buf, size_t len);
/* The same in a buffer of the calling block (n must be a constant). */
#define OPTS_SHORTOPTS(defs, n, lead) \
	opts_shortopts((defs), (n), (lead), (char[OPTS_SHORT_LEN(n)]){ 0 }, \
	    OPTS_SHORT_LEN(n))
/* One --help line per def: "  -S, --socket PATH        help". */
void opts_print(FILE *f, const struct opts_def *defs, size_t n);
/*
 * A program's usage: the synopsis alone (a usage error), or with full the
 * one-line description (about, without its newline), a blank line and
 * every option (--help).
 */
void opts_usage(FILE *f, bool full, const char *synopsis, const char *about,
    const struct opts_def *defs, size_t n);
/*
 * What getopt_long() (opterr = 0, ':' leading the short options) reported
 * when it returned ch ':' or '?', for the option word it stopped at:
 * "option '--pidfile' needs a value", "unknown option '-x'", "unknown
 * option '--frob'".  Into buf, which is returned.
 */
const char *opts_error(int ch, const char *word, char *buf, size_t len);

#endif /* COMMON_OPTS_H */
