/*
 * cmd-status.c - "status": ringd's summary, and ringctl's health check.
 *
 * ringd is healthy when it answers a status request and every list
 * request, speaking our protocol.  The JSON object is the model's status
 * (common/model-json.h) plus "socket", "pending_rings" and
 * "broken_rings"; "regions" and "phys" stay null when ringd keeps no
 * physical memory (an older ringd refuses the requests).  ringtop's -b -j
 * frames carry the same object (common/model-json-status.c builds both).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ring/phys.h>

#include "ringctl.h"
#include "common/model-json-status.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_status;

CMD_ENTRY(status, "",
    "ringd's version, uptime, counts; exit 0 when healthy",
    .args = { ARG_NONE });

static int
cmd_status(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_ctl_status st;
	struct ring_ctl_ring *rings = NULL;
	struct ring_ctl_scheme *schemes = NULL;
	struct ring_ctl_client *clients = NULL;
	struct ring_phys_zone *zones = NULL;
	struct ring_phys_region *regions = NULL;
	size_t nrings = 0, nschemes = 0, nclients = 0, nzones = 0, nregions = 0;
	size_t i;
	bool phys;
	uint64_t pending = 0, broken = 0;
	struct json_object *o;
	char up[32], srv[SAN_VIS_LEN(sizeof(st.server))];
	char sock[SAN_VIS_LEN(sizeof(rc->sock_path))];
	int err, ret;

	(void)ce;
	(void)a;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_status(rc->ctl, &st)) < 0)
		return conn_fail(rc, err, "cannot get ringd's status");
	if ((err = ring_ctl_list_rings(rc->ctl, &rings, &nrings)) < 0 ||
	    (err = ring_ctl_list_schemes(rc->ctl, &schemes, &nschemes)) < 0 ||
	    (err = ring_ctl_list_clients(rc->ctl, &clients, &nclients)) < 0) {
		ret = conn_fail(rc, err, "ringd does not answer list requests");
		goto out;
	}
	/* physical memory: optional, a ringd without it is still healthy */
	if ((err = ring_phys_list_zones(rc->ctl, &zones, &nzones)) == 0)
		err = ring_phys_list_regions(rc->ctl, &regions, &nregions);
	if (err < 0 && ring_ctl_is_disconnect(rc->ctl, err)) {
		ret = conn_fail(rc, err, "ringd does not answer list requests");
		goto out;
	}
	phys = err == 0;
	for (i = 0; i < nrings; i++) {
		pending += rings[i].state == RING_CTL_PENDING;
		broken += rings[i].state == RING_CTL_BROKEN;
	}
	if ((o = mj_status_report(&st, rc->sock_path, pending, broken, phys,
		 zones, nzones, nregions)) == NULL) {
		fprintf(stderr, "ringctl: out of memory\n");
		ret = RC_FAIL;
		goto out;
	}
	if (rc->json) {
		out_json(rc, o);
		ret = RC_OK;
		goto out;
	}
	printf("%s, protocol %" PRIu64 ", pid %" PRIu64 ", up %s\n",
	    out_name(mj_get_str(o, "server", "?"), srv, sizeof(srv)), mj_get_u64(o, "protocol_version", 0),
	    mj_get_u64(o, "pid", 0),
	    units_fmt_duration(mj_get_u64(o, "uptime_ns", 0), up, sizeof(up)));
	printf("socket:   %s\n", out_name(rc->sock_path, sock, sizeof(sock)));
	printf("schemes:  %" PRIu64 "\n", mj_get_u64(o, "schemes", 0));
	printf("rings:    %" PRIu64 " (%" PRIu64 " pending, %" PRIu64
	       " broken)\n",
	    mj_get_u64(o, "rings", 0), pending, broken);
	printf("clients:  %" PRIu64 "\n", mj_get_u64(o, "clients", 0));
	if (phys) {
		char b[3][16];
		uint64_t size = 0, used = 0;

		for (i = 0; i < nzones; i++) {
			size += zones[i].size;
			used += zones[i].used;
		}
		printf("regions:  %zu\n", nregions);
		printf("physical: %s of %s used",
		    units_fmt_size(used, b[0], 16),
		    units_fmt_size(size, b[1], 16));
		for (i = 0; i < nzones; i++)
			printf("%szone %s %s/%s", i ? ", " : " (",
			    ring_phys_zone_name(zones[i].zone),
			    units_fmt_size(zones[i].used, b[0], 16),
			    units_fmt_size(zones[i].size, b[2], 16));
		printf("%s\n", nzones != 0 ? ")" : "");
	} else {
		printf("regions:  -\n");
		printf("physical: -\n");
	}
	printf("health:   ok\n");
	json_object_put(o);
	ret = RC_OK;
out:
	free(rings);
	free(schemes);
	free(clients);
	free(zones);
	free(regions);
	return ret;
}
