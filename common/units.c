/*
 * units.c - numbers, sizes and durations as people type and read them:
 * the one parser of each, for ringd (ringd.conf, -z), ringctl, ringtop
 * and the blkdev examples alike, so that they all take the same text.
 *
 * Depends on libc and libbsd (expand_number(3)) only.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bsd/libutil.h>

#include "common.h"

/* The digits at the start of s (decimal, or hex after 0x); *end after. */
static int
units_digits(const char *s, uint64_t *v, const char **end)
{
	unsigned base = 10, d;
	uint64_t acc = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p))
		return -EINVAL;
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (d >= base)
			return -EINVAL;
		if (acc > (UINT64_MAX - d) / base)
			return -ERANGE;
		acc = acc * base + d;
	}
	*v = acc;
	*end = p;
	return 0;
}

int
units_parse_u64(const char *s, uint64_t *v)
{
	const char *end;
	uint64_t x;
	int rc;

	if ((rc = units_digits(s, &x, &end)) < 0)
		return rc;
	if (*end != '\0')
		return -EINVAL;
	*v = x;
	return 0;
}

int
units_parse_i64(const char *s, int64_t *v)
{
	bool neg = s[0] == '-';
	uint64_t x;
	int rc;

	if ((rc = units_parse_u64(s + neg, &x)) < 0)
		return rc;
	if (neg ? x > (uint64_t)INT64_MAX + 1 : x > (uint64_t)INT64_MAX)
		return -ERANGE;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

/*
 * The scaling is expand_number(3)'s (libbsd): "<digits><unit>" times the
 * unit's power of 1024, -ERANGE past 64 bits.  Alone it would accept more
 * than a size should be, so the text is checked here first and only a
 * canonical "<decimal><unit>" is handed to it: expand_number() reads its
 * number with strtoumax(base 0), so it would take a sign ("-1" wraps to
 * 2^64 - 1), leading blanks and a leading 0 as octal ("010" = 8, here
 * 10); it ignores whatever follows the unit ("4Kfoo" = 4096); it takes a
 * bare "B" unit; and libbsd 0.11 returns success with UINT64_MAX for
 * digits beyond 64 bits.  The units here are K, M, G, T, P, E, any case,
 * optionally followed by "B" or "iB".
 */
int
units_parse_size(const char *s, uint64_t *v)
{
	char canon[32];
	const char *end;
	uint64_t x;
	char unit = '\0';
	int rc;

	if ((rc = units_digits(s, &x, &end)) < 0)
		return rc;
	if (*end != '\0') {
		if (strchr("KMGTPE", toupper((unsigned char)*end)) == NULL)
			return -EINVAL;
		unit = *end++;
		if (strcasecmp(end, "") != 0 && strcasecmp(end, "iB") != 0 &&
		    strcasecmp(end, "B") != 0)
			return -EINVAL;
	}
	snprintf(canon, sizeof(canon), "%" PRIu64 "%c", x, unit);
	if (expand_number(canon, &x) < 0)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*v = x;
	return 0;
}

int
units_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", 60000000000ull },
		{ "h", 3600000000000ull },
		{ "", 1000000000 }, /* bare seconds, as sleep(1) takes them */
	};
	uint64_t whole, frac = 0, fdiv = 1;
	const char *end;
	size_t i;
	int rc;

	if (s[0] == '.' && isdigit((unsigned char)s[1])) {
		whole = 0; /* ".5s" */
		end = s;
	} else if ((rc = units_digits(s, &whole, &end)) < 0)
		return rc;
	if (end != s + 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return -EINVAL;
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++)
			if (fdiv < 1000000000ull) {
				frac = frac * 10 + (uint64_t)(*end - '0');
				fdiv *= 10;
			}
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -EINVAL;
	if (whole > (UINT64_MAX - units[i].ns) / units[i].ns)
		return -ERANGE;
	/* frac < fdiv <= 1e9: for units of 1 s and up, fdiv divides ns */
	*ns = whole * units[i].ns +
	    (units[i].ns % fdiv == 0 ? frac * (units[i].ns / fdiv)
				     : frac * units[i].ns / fdiv);
	return 0;
}

/*
 * Not humanize_number(3): it rounds where this truncates to the shown
 * digit ("1.0Mi" for 1023K), and its binary prefixes carry an "i" ("4.0Ki"),
 * so ringctl's and ringtop's columns, and the tests that read them, would
 * change.
 */
const char *
units_fmt_scaled(double v, double base, const char *suffixes, char *buf,
    size_t len)
{
	size_t i = 0;

	v /= base;
	while (v >= base && suffixes[i + 1] != '\0') {
		v /= base;
		i++;
	}
	snprintf(buf, len, "%.*f%c", v < 10 ? 1 : 0, v, suffixes[i]);
	return buf;
}

const char *
units_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	return units_fmt_scaled((double)bytes, 1024, "KMGTPE", buf, len);
}

const char *
units_fmt_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else if (s < 60)
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
		    s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
		    s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
		    s / 3600 % 24);
	return buf;
}
