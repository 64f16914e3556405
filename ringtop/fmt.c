/*
 * fmt.c - short human-readable figures for ringtop's narrow columns:
 * rates and the refresh interval.  Sizes and durations come from
 * common/units.c, peers from common/peer.c (peer_fmt()) and names made
 * safe for a terminal from common/sanitize.c (san_vis()), shared with
 * ringctl.  Depends on common/ alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringtop.h"
#include "common/common.h"

void
fmt_count(char *buf, size_t len, double v)
{
	if (v < 0 || v != v)
		v = 0;
	if (v < 10000)
		snprintf(buf, len, "%.0f", v);
	else
		units_fmt_scaled(v, 1000, "kMGTPE", buf, len);
}

void
fmt_interval(char *buf, size_t len, uint64_t ns)
{
	if (ns % 1000000000ull == 0)
		snprintf(buf, len, "%llus",
		    (unsigned long long)(ns / 1000000000ull));
	else
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
}

int
fmt_parse_interval(const char *s, uint64_t *ns)
{
	uint64_t v;
	int rc;

	if ((rc = units_parse_duration(s, &v)) < 0)
		return rc;
	if (v < RT_INTERVAL_MIN || v > RT_INTERVAL_MAX)
		return -ERANGE;
	*ns = v;
	return 0;
}
