/*
 * t-ringctl-phys.c - ringctl's physical memory commands against a private
 * ringd with small zones: physalloc (whole, below 4 GiB, partial with each
 * strategy on a zone fragmented on purpose, scatter-gather lists,
 * persistent or not), regions with the free map per zone, physmap dumps of
 * contents written through libring (by id or address), physfree (by id or
 * base), the Redox errors (size 0,
 * min 0, contradictory flags, nothing fits), bad input, and status's
 * physical memory figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

/* zone 32: 1 MiB at [4G - 1M, 4G); zone 64: 4 MiB from 4 GiB */
#define CONF "phys_zone32_size = 1M\nphys_zone64_size = 4M\n"

#define TR_REGION_KEYS \
	"id:int", "base:int", "size:int", "highest_address:int", \
	    "zone:string", "persist:bool", "owner:object", "client_id:int?", \
	    "age_ns:int", "mapped:bool", "grants:array"
#define TR_ALLOC_KEYS \
	"id:int?", "base:int", "size:int", "requested:int", "partial:bool", \
	    "highest_address:int", "persist:bool", "segments:array"
#define TR_ZONE_KEYS \
	"zone:string", "base:int", "size_bytes:int", "used_bytes:int", \
	    "free_bytes:int", "largest_free_bytes:int", "free_ranges:int", \
	    "regions:int"

/* physalloc -j ARGS, expecting success; the parsed object. */
static struct json_object *
alloc_json(const char *const *args)
{
	struct json_object *o;
	size_t i, n;

	o = tr_cmd_json(&d, &r, "physalloc", args, 0);
	tr_keys(o, "physalloc", TR_ALLOC_KEYS);
	n = json_object_array_length(tr_get(o, "segments"));
	for (i = 0; i < n; i++)
		tr_keys(json_object_array_get_idx(tr_get(o, "segments"), i),
		    "segment", TR_REGION_KEYS);
	return o;
}
#define ALLOC(...) alloc_json((const char *const[]){ __VA_ARGS__, NULL })

/* The regions document; fails unless it has the schema. */
static struct json_object *
regions_json(void)
{
	struct json_object *o, *zones, *z, *fm;
	size_t i, k;

	CTL_OK("-j", "regions");
	o = tr_parse(r.out);
	tr_keys(o, "regions", "zones:array", "regions:array");
	zones = tr_get(o, "zones");
	TAP_EQ(json_object_array_length(zones), 2);
	for (i = 0; i < 2; i++) {
		z = json_object_array_get_idx(zones, i);
		tr_keys(z, "zone", TR_ZONE_KEYS, "free_map:array");
		fm = tr_get(z, "free_map");
		TAP_EQ(json_object_array_length(fm), tr_int(z, "free_ranges"));
		for (k = 0; k < json_object_array_length(fm); k++)
			tr_keys(json_object_array_get_idx(fm, k), "range",
			    "base:int", "size:int");
	}
	for (i = 0; i < json_object_array_length(tr_get(o, "regions")); i++)
		tr_keys(json_object_array_get_idx(tr_get(o, "regions"), i),
		    "region", TR_REGION_KEYS);
	return o;
}

static bool
region_listed(int64_t id)
{
	struct json_object *o = regions_json(), *a = tr_get(o, "regions");
	size_t i;
	bool found = false;

	for (i = 0; i < json_object_array_length(a); i++)
		if (tr_int(json_object_array_get_idx(a, i), "id") == id)
			found = true;
	json_object_put(o);
	return found;
}

TAP_TEST(test_alloc_free, "ringctl-phys-alloc-free", 60)
{
	struct json_object *o, *seg;
	int64_t id, base;
	char ids[32], want[64];

	td_begin(&d, CONF);
	/* anywhere: zone 64 first */
	o = ALLOC("--persist", "64K");
	id = tr_int(o, "id");
	base = tr_int(o, "base");
	TAP_EQ(tr_int(o, "size"), 65536);
	TAP_EQ(tr_int(o, "requested"), 65536);
	TAP_ASSERT(!json_object_get_boolean(tr_get(o, "partial")));
	TAP_EQ(tr_int(o, "highest_address"), base + 65535);
	TAP_ASSERT(base >= (int64_t)RING_PHYS_4G);
	seg = json_object_array_get_idx(tr_get(o, "segments"), 0);
	TAP_EQ(tr_int(seg, "id"), id);
	TAP_ASSERT(strcmp(tr_str(seg, "zone"), "64") == 0);
	TAP_ASSERT(json_object_get_boolean(tr_get(seg, "persist")));
	json_object_put(o);
	TAP_ASSERT(region_listed(id));
	snprintf(ids, sizeof(ids), "%" PRId64, id);
	CTL("regions", "-q");
	snprintf(want, sizeof(want), "%s\n", ids);
	TAP_ASSERT(strcmp(r.out, want) == 0);
	/* -q in JSON: an array of the ids, as numbers */
	CTL_OK("-j", "regions", "-q");
	snprintf(want, sizeof(want), "[%s]\n", ids);
	if (strcmp(r.out, want) != 0)
		TAP_FAIL("regions -j -q printed '%s', expected '%s'", r.out,
		    want);
	CTL_OK("regions");
	TAP_ASSERT(strstr(r.out, "zone 32 free ranges:") != NULL);
	TAP_ASSERT(strstr(r.out, "LARGEST_FREE") != NULL);

	/* below 4 GiB; rounded up to frames */
	o = ALLOC("--32", "--persist", "5000");
	TAP_EQ(tr_int(o, "size"), 8192);
	TAP_ASSERT(tr_int(o, "highest_address") < (int64_t)RING_PHYS_4G);
	TAP_ASSERT(tr_int(o, "base") >= (int64_t)(RING_PHYS_4G - (1 << 20)));
	json_object_put(o);

	/* status counts them */
	CTL_OK("-j", "status");
	o = tr_parse(r.out);
	TAP_EQ(tr_int(o, "regions"), 2);
	TAP_EQ(tr_int(tr_get(o, "phys"), "used_bytes"), 65536 + 8192);
	TAP_EQ(tr_int(tr_get(o, "phys"), "size_bytes"), 5 << 20);
	tr_keys(json_object_array_get_idx(tr_get(tr_get(o, "phys"), "zones"),
		    0),
	    "zone", TR_ZONE_KEYS);
	json_object_put(o);
	CTL("status");
	TAP_ASSERT(strstr(r.out, "regions:  2\n") != NULL);

	/* free: once, then it is gone; JSON: the region freed */
	o = ALLOC("--persist", "8K");
	snprintf(want, sizeof(want), "%" PRId64, tr_int(o, "id"));
	json_object_put(o);
	CTL_OK("-j", "physfree", want);
	o = tr_parse(r.out);
	tr_keys(o, "physfree", TR_REGION_KEYS);
	TAP_ASSERT(strcmp(tr_str(o, "zone"), "64") == 0);
	TAP_EQ(tr_int(o, "size"), 8192);
	TAP_ASSERT(json_object_get_boolean(tr_get(o, "persist")));
	json_object_put(o);
	CTL_OK("physfree", ids);
	TAP_ASSERT(strncmp(r.out, "freed region ", 13) == 0);
	TAP_ASSERT(!region_listed(id));
	CTL("physfree", ids);
	EXPECT_FAIL(1, "no region ");
	CTL("-j", "physfree", ids);
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOENT") == 0);
	json_object_put(o);
	/* by base address, as regions prints it */
	o = ALLOC("--persist", "8K");
	id = tr_int(o, "id");
	snprintf(want, sizeof(want), "%#" PRIx64, (uint64_t)tr_int(o, "base"));
	json_object_put(o);
	CTL_OK("-j", "physfree", want);
	o = tr_parse(r.out);
	TAP_EQ(tr_int(o, "id"), id);
	json_object_put(o);
	TAP_ASSERT(!region_listed(id));

	/* without --persist the region goes with ringctl's connection, and
	 * a note on stderr says so; stdout stays the result alone */
	o = ALLOC("16K");
	id = tr_int(o, "id");
	TAP_ASSERT(!json_object_get_boolean(tr_get(o, "persist")));
	json_object_put(o);
	EXPECT_ERR("ringctl: note: the region is freed when ringctl exits; "
		   "--persist keeps it, or allocate in the shell\n");
	TAP_ASSERT(!region_listed(id));
	CTL_OK("physalloc", "4K");
	TAP_ASSERT(strncmp(r.out, "region ", 7) == 0);
	TAP_ASSERT(strstr(r.out, "note") == NULL);
	EXPECT_ERR("ringctl: note: the region is freed when ringctl exits");
	CTL_OK("physalloc", "--sg", "8K");
	EXPECT_ERR("ringctl: note: the regions are freed when ringctl exits");
	/* with --persist: no note */
	o = ALLOC("--persist", "4K");
	TAP_ASSERT(r.err[0] == '\0');
	snprintf(want, sizeof(want), "%" PRId64, tr_int(o, "id"));
	json_object_put(o);
	CTL_OK("physfree", want);
	td_finish(&d);
}

TAP_TEST(test_partial_sg, "ringctl-phys-partial-sg", 60)
{
	struct json_object *o, *segs;
	int64_t ids[4];
	char id[32];
	size_t i;
	int64_t total = 0;

	td_begin(&d, CONF);
	/* fragment zone 32: four 256K regions, free the 1st and 3rd */
	for (i = 0; i < 4; i++) {
		o = ALLOC("--32", "--persist", "256K");
		ids[i] = tr_int(o, "id");
		json_object_put(o);
	}
	CTL("physalloc", "--32", "4K");
	EXPECT_FAIL(1, "cannot allocate 4096 bytes: cannot allocate memory");
	for (i = 0; i < 4; i += 2) {
		snprintf(id, sizeof(id), "%" PRId64, ids[i]);
		CTL_OK("physfree", id);
	}
	o = regions_json();
	TAP_EQ(tr_int(json_object_array_get_idx(tr_get(o, "zones"), 0),
		   "free_ranges"),
	    2);
	json_object_put(o);
	/* 512K does not fit in one piece below 4 GiB ... */
	CTL("-j", "physalloc", "--32", "512K");
	EXPECT_STATUS(1);
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "ENOMEM") == 0);
	json_object_put(o);
	/* ... a partial allocation gets 256K with each strategy */
	o = ALLOC("--32", "--persist", "--partial", "greatest", "--min", "64K",
	    "512K");
	TAP_EQ(tr_int(o, "size"), 256 << 10);
	TAP_ASSERT(json_object_get_boolean(tr_get(o, "partial")));
	json_object_put(o);
	o = ALLOC("--32", "--persist", "--partial", "greedy", "--min", "64K",
	    "512K");
	TAP_EQ(tr_int(o, "size"), 256 << 10);
	json_object_put(o);
	/* nothing left below 4 GiB, even for optimal */
	CTL("physalloc", "--32", "--partial", "optimal", "--min", "4K", "8K");
	EXPECT_STATUS(1);
	/* a scatter-gather list from zone 64: every segment listed */
	o = ALLOC("--sg", "--min", "4K", "--persist", "1M");
	segs = tr_get(o, "segments");
	TAP_ASSERT(tr_get(o, "id") == NULL);
	TAP_ASSERT(json_object_array_length(segs) >= 1);
	for (i = 0; i < json_object_array_length(segs); i++)
		total += tr_int(json_object_array_get_idx(segs, i), "size");
	TAP_EQ(total, 1 << 20);
	TAP_EQ(tr_int(o, "size"), 1 << 20);
	json_object_put(o);
	CTL_OK("physalloc", "--sg", "64K");
	TAP_ASSERT(strncmp(r.out, "scatter-gather list: ", 21) == 0);
	/* one segment is "1 segment" */
	CTL_OK("physalloc", "--sg", "--min", "64K", "64K");
	if (strncmp(r.out, "scatter-gather list: 1 segment, 64K ", 36) != 0)
		TAP_FAIL("one segment printed as: %s", r.out);
	td_finish(&d);
}

TAP_TEST(test_physmap, "ringctl-phys-map", 60)
{
	struct ring_ctl *c;
	struct json_object *o;
	uint64_t min = 8192, base, rid;
	unsigned char *p;
	void *ptr;
	char ids[32], hex[65], addr[32], want[128];
	int i, nl;

	td_begin(&d, CONF);
	/* a region we own, written through libring */
	c = td_connect(&d);
	TAP_OK(ring_physalloc3_region(c, 8192, 0, RING_PHYS_PERSIST, &min,
	    &base, &rid));
	TAP_OK(ring_physmap(c, base, 8192, RING_PHYSMAP_WRITE, &ptr));
	p = ptr;
	for (i = 0; i < 8192; i++)
		p[i] = (unsigned char)(i * 7);
	snprintf(ids, sizeof(ids), "%" PRIu64, rid);
	CTL_OK("-j", "physmap", "--dump", "--offset", "4K", "--len", "32", ids);
	o = tr_parse(r.out);
	tr_keys(o, "physmap", "id:int", "base:int", "offset:int", "len:int",
	    "data_hex:string");
	TAP_EQ(tr_int(o, "offset"), 4096);
	TAP_EQ(tr_int(o, "len"), 32);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x",
		    (unsigned char)((4096 + i) * 7));
	TAP_ASSERT(strcmp(tr_str(o, "data_hex"), hex) == 0);
	json_object_put(o);
	CTL_OK("physmap", "--dump", "--len", "16", ids);
	snprintf(hex, sizeof(hex), "%08" PRIx64 "  00 07 0e 15", base);
	TAP_ASSERT(strncmp(r.out, hex, strlen(hex)) == 0);
	/* the dump stops at the region's end, saying so when --len asked */
	CTL("-j", "physmap", "--dump", "--offset", "8100", "--len", "1M", ids);
	EXPECT_STATUS(0);
	o = tr_parse(r.out);
	TAP_EQ(tr_int(o, "len"), 92);
	json_object_put(o);
	EXPECT_ERR("ringctl: physmap: region ");
	EXPECT_ERR(" ends 92 bytes after offset 8100: dumping 92 of the "
		   "1048576 bytes asked for\n");
	CTL_OK("physmap", "--dump", "--offset", "8100", ids);
	TAP_ASSERT(r.err[0] == '\0'); /* the default length just stops */
	TAP_ASSERT(strstr(r.out, "|\n") != NULL);
	CTL_OK("physmap", "--dump", "--offset", "8064", "--len", "128", ids);
	TAP_ASSERT(r.err[0] == '\0'); /* exactly to the end: no note */
	/* dumping is the default; --dump is still accepted */
	CTL_OK("physmap", "--len", "16", ids);
	TAP_ASSERT(strncmp(r.out, hex, strlen(hex)) == 0);
	CTL_OK("physmap", ids);
	for (i = 0, nl = 0; r.out[i] != '\0'; i++)
		nl += r.out[i] == '\n';
	TAP_EQ(nl, 16); /* the default 256 bytes, 16 a line */
	/* bad input */
	CTL("physmap", "--dump", "--offset", "8K", ids);
	EXPECT_FAIL(1, "is beyond region");
	CTL("physmap", "--dump", "--len", "0", ids);
	EXPECT_STATUS(2);
	CTL("physmap", "--dump", "--len", "2M", ids);
	EXPECT_STATUS(2);
	CTL("physmap", "--dump", "4242");
	EXPECT_FAIL(1, "no region 4242");
	CTL("physmap", "--dump", "x");
	EXPECT_STATUS(2);
	/* an address (0x...) names the region holding it; the dump starts
	 * there and --offset counts from it */
	snprintf(addr, sizeof(addr), "%#" PRIx64, base + 4096 + 16);
	CTL_OK("-j", "physmap", "--offset", "16", "--len", "8", addr);
	o = tr_parse(r.out);
	TAP_EQ(tr_int(o, "id"), (int64_t)rid);
	TAP_EQ(tr_int(o, "offset"), 4096 + 32);
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x",
		    (unsigned char)((4096 + 32 + i) * 7));
	TAP_ASSERT(strcmp(tr_str(o, "data_hex"), hex) == 0);
	json_object_put(o);
	CTL("physmap", "0x1000");
	EXPECT_FAIL(1, "no region holds 0x1000\n");
	CTL("physmap", "0xg");
	EXPECT_STATUS(2);
	/* physfree takes a base, not an address inside */
	CTL("physfree", addr);
	EXPECT_STATUS(1);
	snprintf(want, sizeof(want), "%s is inside region %s, which starts at",
	    addr, ids);
	EXPECT_ERR(want);
	TAP_OK(ring_physunmap(ptr, 8192));
	TAP_OK(ring_physfree(c, base, 8192));
	td_end(&d, c);
}

TAP_TEST(test_errors, "ringctl-phys-errors", 60)
{
	struct json_object *o;

	td_begin(&d, CONF);
	/* refused by physalloc3 itself, with the Redox errno and the cause */
	CTL("-j", "physalloc", "0");
	EXPECT_FAIL(1, "physalloc: cannot allocate 0 bytes: the size is 0\n");
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EINVAL") == 0);
	json_object_put(o);
	CTL("-j", "physalloc", "--partial", "greedy", "--min", "0", "8K");
	EXPECT_STATUS(1);
	EXPECT_ERR("physalloc: cannot allocate 8192 bytes: the minimum is 0\n");
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EINVAL") == 0);
	json_object_put(o);
	CTL("physalloc", "--32", "--64", "4K");
	EXPECT_FAIL(1, "--32 and --64 exclude each other\n");
	CTL("-j", "physalloc", "--partial", "greedy", "--min", "16K", "8K");
	EXPECT_STATUS(1);
	EXPECT_ERR("physalloc: cannot allocate 8192 bytes: minimum 16384 "
		   "exceeds size 8192\n");
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EINVAL") == 0);
	json_object_put(o);
	CTL("physalloc", "1T");
	EXPECT_FAIL(1, "cannot allocate memory");
	CTL("physalloc", "--sg", "--min", "0", "8K");
	EXPECT_FAIL(1, "scatter-gather list: the minimum is 0\n");
	/* --min means nothing without --partial or --sg */
	CTL("physalloc", "--min", "4K", "8K");
	EXPECT_FAIL(2, "physalloc: --min needs --partial or --sg");
	TAP_ASSERT(r.out[0] == '\0');
	TAP_ASSERT(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);
	CTL("physalloc", "--32", "--min", "0", "8K");
	EXPECT_FAIL(2, "physalloc: --min needs --partial or --sg");
	/* ringctl's own parsing */
	CTL("physalloc");
	EXPECT_FAIL(2, "physalloc: missing argument");
	CTL("physalloc", "4K", "8K");
	EXPECT_STATUS(2);
	CTL("physalloc", "4Q");
	EXPECT_FAIL(2, "bad size '4Q'");
	CTL("physalloc", "99999999999T");
	EXPECT_FAIL(2, "is too large");
	CTL("physalloc", "--partial", "best", "4K");
	EXPECT_FAIL(2, "--partial is optimal, greatest or greedy");
	CTL("physalloc", "--min", "x", "4K");
	EXPECT_STATUS(2);
	CTL("physfree");
	EXPECT_STATUS(2);
	CTL("physfree", "-1");
	EXPECT_STATUS(2);
	CTL("physfree", "abc");
	EXPECT_STATUS(2);
	CTL("regions", "x");
	EXPECT_STATUS(2);
	/* ringd still serves */
	CTL_OK("physalloc", "4K");
	td_finish(&d);
}

TAP_MAIN(td_setup)
