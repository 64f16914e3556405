/*
 * peer.c - a peer of a ring, a scheme's owner, a region's holder as
 * ringctl and ringtop both print it: "pid/comm", like ringd's own log
 * lines ("pid 123 'comm'") and ps, pid first.
 *
 * Depends on sanitize.c.
 */
#include <inttypes.h>
#include <stdio.h>

#include "common.h"

const char *
peer_fmt(char *buf, size_t len, uint64_t pid, const char *comm, size_t max)
{
	char vis[SAN_VIS_LEN(RING_CTL_COMM_MAX)];

	/* a command name is the peer's to choose: escape what is not text */
	san_vis(vis, sizeof(vis), comm != NULL ? comm : "",
	    max < RING_CTL_COMM_MAX ? max : RING_CTL_COMM_MAX);
	if (pid == 0)
		snprintf(buf, len, "%s", vis[0] != '\0' ? vis : "ringd");
	else
		snprintf(buf, len, "%" PRIu64 "/%s", pid, vis);
	return buf;
}
