/*
 * model-json.h - the introspection model as json-c objects.
 *
 * ringctl and ringtop print the same records of ringd's live model
 * (<ring/ctl.h>: struct ring_ctl_status, ring_ctl_scheme, ring_ctl_ring,
 * ring_ctl_client); this module is the one place that decides their JSON
 * form, so `ringctl -j rings` and `ringtop -b -j` can never disagree.
 *
 * Conventions (stable; ringctl(1) JSON OUTPUT documents them):
 *   - keys are snake_case and always present; a value that is unknown is
 *     JSON null, never a missing key;
 *   - numbers are JSON numbers (64-bit integers), units are in key names
 *     (_ns, _bytes);
 *   - lists are always arrays, possibly empty;
 *   - strings hold the bytes ringd sent; printed JSON text goes through
 *     san_json() (common.h), so it is valid UTF-8 with no raw control.
 *
 * Every constructor returns a new object with one reference (the caller
 * puts it, or adds it to a container that takes the reference), or NULL
 * when memory runs out.
 *
 * Objects and their keys:
 *
 * peer (mj_peer):
 *   pid (number, null when 0: ringd itself), uid, gid (numbers),
 *   comm (string)
 *
 * queue (mj_queue), the racy snapshot of one queue's header:
 *   head, tail, depth, push_epoch, pop_epoch (numbers),
 *   status (array of strings from "drop", "broken", plus "0x.." for
 *   unknown bits), pop_wait, push_wait (arrays of strings from "futex",
 *   "doorbell", "entries"); for a redox_ring, head and tail are its 31-bit indices
 *   without the WAITING bit, the epochs the entries ringd saw pass, and
 *   "futex" in a wait array says that side sleeps (its WAITING bit)
 *
 * ring (mj_ring):
 *   id (number), scheme (string), kind (string: "v1" for a pair of the
 *   suite's own format, "redox" for a relibc redox_ring, the 2026
 *   format), state (string: "pending", "running",
 *   "dropped", "broken", "unknown"), builtin (bool: ringd serves it),
 *   consumer (peer), producer (peer; pid null when ringd serves it),
 *   entry_bits (64 or 32; null for a redox_ring, whose entries are
 *   sqe_size_bytes and cqe_size_bytes), sq_entries, cq_entries,
 *   sqe_size_bytes,
 *   cqe_size_bytes, pool_bytes, age_ns (numbers),
 *   sq_depth (SQEs published, not yet taken), cq_backlog (CQEs
 *   published, not yet reaped), submitted (SQEs ever pushed), taken
 *   (SQEs ever popped by the producer), completed (CQEs ever pushed),
 *   reaped (CQEs ever popped by the consumer) (numbers),
 *   sq, cq (queue)
 *
 * scheme (mj_scheme):
 *   name (string), builtin (bool), owner (peer), rings (number: rings
 *   attached now, open and not dropped), rings_opened (number: rings
 *   opened to it since ringd started), opcodes_declared (bool), opcodes
 *   (array of opcode objects, ascending; empty when not declared)
 *
 * opcode (mj_opcode, mj_opcodes_named):
 *   code (number 0..255), name (string: the lowercase Redox name of a
 *   standard opcode, or the name the scheme declared for one of its own
 *   when the caller has it from a probe; null otherwise)
 *
 * client (mj_client):
 *   id (number), pid, uid, gid (numbers), comm (string), schemes, rings,
 *   age_ns (numbers)
 *
 * status (mj_status):
 *   server (string: ringd's version), protocol_version, pid, uptime_ns,
 *   schemes, rings, clients (numbers), client_version (string: this
 *   libring), regions (number or null), phys (object or null; filled by
 *   the caller when ringd reports physical memory), healthy (bool)
 *
 * Lists: mj_rings()/mj_schemes()/mj_clients() return arrays of the above.
 *
 * Simulated physical memory (<ring/phys.h>):
 *
 * zone (mj_phys_zone):
 *   zone (string "32" or "64"), base, size_bytes, used_bytes, free_bytes,
 *   largest_free_bytes, free_ranges, regions (numbers)
 *
 * range (mj_phys_range): base, size (numbers)
 *
 * region (mj_phys_region):
 *   id, base, size (numbers), highest_address (number: base + size - 1),
 *   zone (string), persist (bool), owner (peer), client_id (number, null
 *   once the allocating connection is gone), age_ns (number), mapped
 *   (bool), grants (array of {ring_id, client_id})
 *
 * phys summary (mj_phys_summary), status's "phys":
 *   size_bytes, used_bytes, free_bytes (numbers, both zones), zones
 *   (array of zone)
 */
#ifndef COMMON_MODEL_JSON_H
#define COMMON_MODEL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <ring/ring.h>

/* Lowercase name of a ring state ("running"), "unknown" for others. */
const char *mj_state_name(uint32_t state);
/* A ring's kind: "redox" (RING_CTL_RING_REDOX) or "v1". */
const char *mj_ring_kind(const struct ring_ctl_ring *r);

struct json_object *mj_peer(const struct ring_ctl_peer *p);
struct json_object *mj_queue(const struct ring_ctl_queue *q);
struct json_object *mj_ring(const struct ring_ctl_ring *r);
struct json_object *mj_opcode(unsigned code);
/* Opcode objects for every bit set in ops[4]. */
struct json_object *mj_opcodes(const uint64_t ops[4]);
/* The same, naming producer-specific opcodes from a probe's names. */
struct json_object *mj_opcodes_named(const uint64_t ops[4],
    const struct ring_ctl_opname *names, size_t nnames);
/*
 * "noop,read,write,130-255" for an array of opcode objects (named ones by
 * name, made safe for a terminal; runs of unnamed ones as ranges); "-"
 * when empty.  ringctl's schemes table and ringtop's Schemes tab.
 */
void mj_opcodes_text(struct json_object *ops, char *buf, size_t len);
struct json_object *mj_scheme(const struct ring_ctl_scheme *s);
struct json_object *mj_client(const struct ring_ctl_client *c);
struct json_object *mj_status(const struct ring_ctl_status *st);

struct json_object *mj_rings(const struct ring_ctl_ring *v, size_t n);
struct json_object *mj_schemes(const struct ring_ctl_scheme *v, size_t n);
struct json_object *mj_clients(const struct ring_ctl_client *v, size_t n);

struct ring_phys_zone;
struct ring_phys_range;
struct ring_phys_region;
struct json_object *mj_phys_zone(const struct ring_phys_zone *z);
struct json_object *mj_phys_range(const struct ring_phys_range *r);
struct json_object *mj_phys_region(const struct ring_phys_region *r);
struct json_object *mj_phys_summary(const struct ring_phys_zone *v, size_t n);

/* A JSON number from an unsigned 64-bit value (json-c keeps it exact). */
struct json_object *mj_u64(uint64_t v);

/*
 * Typed getters for consumers of these objects (ringtop's text view,
 * ringctl's renderers): the value of key in obj, or def when the key is
 * missing or null or of another type.
 */
uint64_t mj_get_u64(struct json_object *obj, const char *key, uint64_t def);
int64_t mj_get_i64(struct json_object *obj, const char *key, int64_t def);
const char *mj_get_str(struct json_object *obj, const char *key,
    const char *def);
int mj_get_bool(struct json_object *obj, const char *key, int def);

#endif /* COMMON_MODEL_JSON_H */
