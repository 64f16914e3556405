/*
 * model-json-status.h - the object `ringctl -j status` prints, built in
 * one place for ringctl and ringtop (its "ringd" in -b -j frames).
 */
#ifndef COMMON_MODEL_JSON_STATUS_H
#define COMMON_MODEL_JSON_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <ring/phys.h>
#include <ring/ring.h>

/*
 * mj_status() plus "socket" (the path dialled), "pending_rings" and
 * "broken_rings" (rings in those states), and, when phys (ringd reported
 * its zones and regions), "regions" (how many) and "phys"
 * (mj_phys_summary()); both stay null otherwise.  NULL: out of memory.
 */
struct json_object *mj_status_report(const struct ring_ctl_status *st,
    const char *sock, uint64_t pending, uint64_t broken, bool phys,
    const struct ring_phys_zone *zones, size_t nzones, size_t nregions);

#endif /* COMMON_MODEL_JSON_STATUS_H */
