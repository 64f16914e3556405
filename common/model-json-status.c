/*
 * model-json-status.c - the object `ringctl -j status` prints; see
 * model-json-status.h.
 *
 * Depends on json-c, libring's records and model-json.c.
 */
#include "common/model-json-status.h"
#include "common/model-json.h"

struct json_object *
mj_status_report(const struct ring_ctl_status *st, const char *sock,
    uint64_t pending, uint64_t broken, bool phys,
    const struct ring_phys_zone *zones, size_t nzones, size_t nregions)
{
	struct json_object *o = mj_status(st);

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "socket", json_object_new_string(sock));
	json_object_object_add(o, "pending_rings", mj_u64(pending));
	json_object_object_add(o, "broken_rings", mj_u64(broken));
	if (phys) {
		json_object_object_add(o, "regions", mj_u64(nregions));
		json_object_object_add(o, "phys",
		    mj_phys_summary(zones, nzones));
	}
	return o;
}
