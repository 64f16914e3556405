/*
 * opts.c - getopt_long()'s tables (long and short) and the --help lines of
 * a program, from its one table of options.  Depends on libc only.
 */
#include <assert.h>
#include <string.h>

#include "opts.h"

void
opts_longopts(const struct opts_def *defs, size_t n, struct option *longopts)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (defs[i].name != NULL)
			longopts[k++] = (struct option){ defs[i].name,
				defs[i].arg != NULL ? required_argument
						    : no_argument,
				NULL, defs[i].val };
	memset(&longopts[k], 0, sizeof(longopts[k]));
}

const char *
opts_shortopts(const struct opts_def *defs, size_t n, const char *lead,
    char *buf, size_t len)
{
	size_t i, k;

	assert(strlen(lead) <= OPTS_LEAD_MAX && len >= OPTS_SHORT_LEN(n));
	k = strlen(lead);
	memcpy(buf, lead, k);
	for (i = 0; i < n; i++) {
		if (defs[i].val <= 0 || defs[i].val >= OPTS_LONG_ONLY)
			continue;
		buf[k++] = (char)defs[i].val;
		if (defs[i].arg != NULL)
			buf[k++] = ':';
	}
	buf[k] = '\0';
	return buf;
}

void
opts_print(FILE *f, const struct opts_def *defs, size_t n)
{
	const struct opts_def *o;
	char left[48];
	size_t i;

	for (i = 0; i < n; i++) {
		o = &defs[i];
		if (o->name == NULL)
			left[0] = '\0';
		else if (o->val < OPTS_LONG_ONLY)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val,
			    o->name, o->arg != NULL ? " " : "",
			    o->arg != NULL ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
			    o->arg != NULL ? " " : "",
			    o->arg != NULL ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
}

void
opts_usage(FILE *f, bool full, const char *synopsis, const char *about,
    const struct opts_def *defs, size_t n)
{
	fputs(synopsis, f);
	if (!full)
		return;
	fprintf(f, "%s\n\n", about);
	opts_print(f, defs, n);
}

const char *
opts_error(int ch, const char *word, char *buf, size_t len)
{
	if (ch == ':')
		snprintf(buf, len, "option '%s' needs a value", word);
	else if (optopt != 0)
		snprintf(buf, len, "unknown option '-%c'", optopt);
	else
		snprintf(buf, len, "unknown option '%s'", word);
	return buf;
}
