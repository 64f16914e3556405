/*
 * cmd-phys.c - "physalloc", "physfree", "regions" and "physmap": ringd's
 * simulated physical memory (physalloc3) through <ring/phys.h>.
 *
 * Flags go to ringd as given, so its physalloc3 semantics decide what is
 * refused (size 0, min 0, --32 with --64: EINVAL, as in Redox); ringctl
 * only rejects what it cannot parse, and --min where nothing would read
 * it, and names the cause when ringd says EINVAL.  A region lives as long as the
 * connection that allocated it unless --persist is given, so a one-shot
 * physalloc without --persist shows what would be granted and gives it
 * back when ringctl exits (a note on stderr says so); in the shell the
 * region stays until the shell ends.  physfree refuses a region other
 * connections use unless --force; physmap dumps the region's bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ring/phys.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_physalloc, cmd_physfree, cmd_regions, cmd_physmap;

enum {
	PHYSALLOC_OPT_MIN,
	PHYSALLOC_OPT_32,
	PHYSALLOC_OPT_64,
	PHYSALLOC_OPT_PARTIAL,
	PHYSALLOC_OPT_SG,
	PHYSALLOC_OPT_PERSIST,
	PHYSALLOC_NOPTS
};

CMD_OPTS(physalloc_opts, PHYSALLOC_NOPTS,
	[PHYSALLOC_OPT_MIN] = { "min", 0, "SIZE",
	    "smallest acceptable size (partial)" },
	[PHYSALLOC_OPT_32] = { "32", 0, NULL,
	    "allocate below 4 GiB (SPACE_32)" },
	[PHYSALLOC_OPT_64] = { "64", 0, NULL, "allocate anywhere (SPACE_64)" },
	[PHYSALLOC_OPT_PARTIAL] = { "partial", 0, "STRATEGY",
	    "optimal, greatest or greedy" },
	[PHYSALLOC_OPT_SG] = { "sg", 0, NULL,
	    "build a scatter-gather list of ranges" },
	[PHYSALLOC_OPT_PERSIST] = { "persist", 0, NULL,
	    "keep the region after ringctl exits" });

CMD_ENTRY(physalloc,
    "[--min SIZE] [--32 | --64] [--partial STRATEGY] [--sg] [--persist] SIZE",
    "allocate simulated physical memory (physalloc3)",
    .min_args = 1, .max_args = 1, .flags = CMD_REGIONS, .args = { ARG_NONE },
    .opts = physalloc_opts);

enum { PHYSFREE_OPT_FORCE, PHYSFREE_NOPTS };

CMD_OPTS(physfree_opts, PHYSFREE_NOPTS,
	[PHYSFREE_OPT_FORCE] = { "force", 0, NULL,
	    "free it even while other connections use it" });

CMD_ENTRY(physfree, "[--force] ID|BASE",
    "free a physical memory region",
    .min_args = 1, .max_args = 1, .flags = CMD_REGIONS, .args = { ARG_REGION },
    .opts = physfree_opts);

CMD_ENTRY(regions, "[-q]",
    "list physical memory regions and each zone's free ranges",
    .flags = CMD_QUIET, .args = { ARG_NONE });

enum { PHYSMAP_OPT_DUMP, PHYSMAP_OPT_OFFSET, PHYSMAP_OPT_LEN, PHYSMAP_NOPTS };

CMD_OPTS(physmap_opts, PHYSMAP_NOPTS,
	[PHYSMAP_OPT_DUMP] = { "dump", 0, NULL,
	    "hex dump the contents (the default)" },
	[PHYSMAP_OPT_OFFSET] = { "offset", 0, "O",
	    "start at byte O of the region (0)" },
	[PHYSMAP_OPT_LEN] = { "len", 0, "L", "dump L bytes (256)" });

CMD_ENTRY(physmap, "[--offset O] [--len L] ID|ADDRESS",
    "map a region and hex dump its contents",
    .min_args = 1, .max_args = 1, .args = { ARG_REGION },
    .opts = physmap_opts);

#define PHYS_DUMP_DEFAULT 256u
#define PHYS_DUMP_MAX (1u << 20)

static int
phys_size_opt(struct ringctl *rc, const struct cmd_entry *ce, const char *what,
    const char *s, uint64_t *v)
{
	return cmd_number_error(rc, ce, units_parse_size(s, v), what, s,
	    " (bytes, or with K, M, G, T)");
}

/*
 * Why physalloc3 refused a request with EINVAL, when the request shows
 * it (buf: the text); NULL when it does not.
 */
static const char *
phys_einval_cause(uint64_t size, uint64_t min, bool min_given, uint32_t flags,
    char *buf, size_t len)
{
	if (size == 0)
		return "the size is 0";
	if (min_given && min == 0)
		return "the minimum is 0";
	if ((flags & RING_PHYS_SPACE_32) && (flags & RING_PHYS_SPACE_64))
		return "--32 and --64 exclude each other";
	if ((flags & RING_PHYS_PARTIAL_ALLOC) && min > size) {
		snprintf(buf, len, "minimum %" PRIu64 " exceeds size %" PRIu64,
		    min, size);
		return buf;
	}
	return NULL;
}

/*
 * The region with id, or (by_addr) the one holding address id, from a
 * fresh list; -ENOENT when there is none.
 */
static int
phys_find(struct ringctl *rc, uint64_t id, bool by_addr,
    struct ring_phys_region *out)
{
	struct ring_phys_region *v = NULL;
	size_t n, i;
	int err;

	if ((err = ring_phys_list_regions(rc->ctl, &v, &n)) < 0)
		return err;
	err = -ENOENT;
	for (i = 0; i < n; i++)
		if (by_addr ? id - v[i].base < v[i].size
			    : v[i].region_id == id) {
			*out = v[i];
			err = 0;
			break;
		}
	free(v);
	return err;
}

/*
 * The region a command's argument names: its id, or (written 0x...) an
 * address in it, which *addr gets (the base for an id).  RC_OK, or the
 * exit status after saying why not.
 */
static int
phys_region_arg(struct ringctl *rc, const struct cmd_entry *ce,
    const char *s, struct ring_phys_region *reg, uint64_t *addr)
{
	bool by_addr = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	uint64_t v;
	int err, ret;

	if ((ret = conn_parse_id(rc, ce, "region", s, &v)) != RC_OK)
		return ret;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = phys_find(rc, v, by_addr, reg)) == -ENOENT)
		return out_fail_plain(rc, RC_FAIL, -ENOENT,
		    by_addr ? "no region holds %#" PRIx64
			    : "no region %" PRIu64,
		    v);
	if (err < 0)
		return conn_fail(rc, err, "cannot list regions");
	*addr = by_addr ? v : reg->base;
	return RC_OK;
}

/* The region that starts at base (for the ids of a new allocation). */
static struct json_object *
phys_region_at(const struct ring_phys_region *v, size_t n, uint64_t base)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].base == base)
			return mj_phys_region(&v[i]);
	return NULL;
}

static void
phys_print_region(struct json_object *reg)
{
	char sz[16];
	uint64_t size = mj_get_u64(reg, "size", 0);

	printf("region %" PRIu64 ": base %#" PRIx64 " size %s (%" PRIu64
	       " bytes) highest %#" PRIx64 " zone %s%s\n",
	    mj_get_u64(reg, "id", 0), mj_get_u64(reg, "base", 0),
	    units_fmt_size(size, sz, sizeof(sz)), size,
	    mj_get_u64(reg, "highest_address", 0), mj_get_str(reg, "zone", "?"),
	    mj_get_bool(reg, "persist", 0) ? ", persistent" : "");
}

static int
cmd_physalloc(struct ringctl *rc, const struct cmd_entry *ce,
    struct cmd_args *a)
{
	struct ring_phys_region *regs = NULL;
	struct ring_phys_sg *sg = NULL;
	struct json_object *o, *segs, *seg;
	uint64_t size, min, base = 0, id = 0, got, high = 0;
	uint32_t flags = 0, rflags = 0;
	size_t nregs = 0, i;
	const char *v, *cause;
	char why[96];
	bool partial, use_sg, min_given;
	int err, ret;

	if ((ret = phys_size_opt(rc, ce, "size", a->argv[0], &size)) != RC_OK)
		return ret;
	min = size;
	if ((v = a->val[PHYSALLOC_OPT_MIN]) != NULL &&
	    (ret = phys_size_opt(rc, ce, "--min", v, &min)) != RC_OK)
		return ret;
	if (a->set[PHYSALLOC_OPT_32])
		flags |= RING_PHYS_SPACE_32;
	if (a->set[PHYSALLOC_OPT_64])
		flags |= RING_PHYS_SPACE_64;
	if ((v = a->val[PHYSALLOC_OPT_PARTIAL]) != NULL) {
		if (strcmp(v, "optimal") == 0)
			flags |= RING_PHYS_OPTIMAL;
		else if (strcmp(v, "greatest") == 0)
			flags |= RING_PHYS_GREATEST_RANGE;
		else if (strcmp(v, "greedy") == 0)
			flags |= RING_PHYS_GREEDY;
		else
			return cmd_usage_error(rc, ce,
			    "physalloc: --partial is optimal, greatest or "
			    "greedy, not '%s'",
			    v);
	}
	use_sg = a->set[PHYSALLOC_OPT_SG];
	min_given = a->val[PHYSALLOC_OPT_MIN] != NULL;
	if (min_given && !use_sg && !(flags & RING_PHYS_STRATEGY_MASK))
		return cmd_usage_error(rc, ce,
		    "physalloc: --min needs --partial or --sg");
	if (use_sg && !min_given)
		min = RING_PHYS_FRAME;
	if (!use_sg && (flags & RING_PHYS_STRATEGY_MASK))
		flags |= RING_PHYS_PARTIAL_ALLOC;
	if (a->set[PHYSALLOC_OPT_PERSIST])
		rflags |= RING_PHYS_PERSIST;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;

	if (use_sg) {
		err = ring_phys_sg_alloc(rc->ctl, size, min, flags, rflags,
		    &sg);
		if (err == -EINVAL &&
		    (cause = phys_einval_cause(size, min, min_given, flags, why,
			 sizeof(why))) != NULL)
			return out_fail_plain(rc, RC_FAIL, -EINVAL,
			    "physalloc: cannot build a %" PRIu64 "-byte "
			    "scatter-gather list: %s",
			    size, cause);
		if (err < 0)
			return conn_fail(rc, err,
			    "physalloc: cannot build a %" PRIu64 "-byte "
			    "scatter-gather list",
			    size);
		got = sg->total;
		base = sg->nsegs != 0 ? sg->seg[0].base : 0;
	} else {
		err = ring_physalloc3_region(rc->ctl, size, flags, rflags, &min,
		    &base, &id);
		if (err == -EINVAL &&
		    (cause = phys_einval_cause(size, min, min_given, flags, why,
			 sizeof(why))) != NULL)
			return out_fail_plain(rc, RC_FAIL, -EINVAL,
			    "physalloc: cannot allocate %" PRIu64 " bytes: %s",
			    size, cause);
		if (err < 0)
			return conn_fail(rc, err,
			    "physalloc: cannot allocate %" PRIu64 " bytes",
			    size);
		got = min;
	}
	/* the regions as ringd records them, for ids and zones */
	if ((err = ring_phys_list_regions(rc->ctl, &regs, &nregs)) < 0) {
		ret = conn_fail(rc, err, "cannot list regions");
		goto out;
	}
	o = json_object_new_object();
	segs = json_object_new_array();
	if (use_sg) {
		for (i = 0; i < sg->nsegs; i++) {
			seg = phys_region_at(regs, nregs, sg->seg[i].base);
			if (seg == NULL) {
				seg = json_object_new_object();
				json_object_object_add(seg, "id", NULL);
				json_object_object_add(seg, "base",
				    mj_u64(sg->seg[i].base));
				json_object_object_add(seg, "size",
				    mj_u64(sg->seg[i].len));
			}
			if (sg->seg[i].base + sg->seg[i].len - 1 > high)
				high = sg->seg[i].base + sg->seg[i].len - 1;
			json_object_array_add(segs, seg);
		}
		json_object_object_add(o, "id", NULL);
	} else {
		high = base + got - 1;
		seg = phys_region_at(regs, nregs, base);
		json_object_object_add(o, "id", mj_u64(id));
		if (seg != NULL)
			json_object_array_add(segs, seg);
	}
	partial = got < size || (!use_sg && ring_page_round(size) > got);
	json_object_object_add(o, "base", mj_u64(base));
	json_object_object_add(o, "size", mj_u64(got));
	json_object_object_add(o, "requested", mj_u64(size));
	json_object_object_add(o, "partial", json_object_new_boolean(partial));
	json_object_object_add(o, "highest_address", mj_u64(high));
	json_object_object_add(o, "persist",
	    json_object_new_boolean((rflags & RING_PHYS_PERSIST) != 0));
	json_object_object_add(o, "segments", segs);
	if (rc->json) {
		out_json(rc, o);
	} else {
		char sz[16];

		if (use_sg)
			printf("scatter-gather list: %zu segment%s, %s "
			       "(%" PRIu64 " bytes)%s\n",
			    json_object_array_length(segs),
			    json_object_array_length(segs) == 1 ? "" : "s",
			    units_fmt_size(got, sz, sizeof(sz)), got,
			    partial ? ", partial" : "");
		else if (partial)
			printf("partial: %" PRIu64 " of %" PRIu64 " bytes\n",
			    got, size);
		for (i = 0; i < json_object_array_length(segs); i++)
			phys_print_region(json_object_array_get_idx(segs, i));
		json_object_put(o);
	}
	if (!rc->in_shell && !(rflags & RING_PHYS_PERSIST)) {
		/* a note, not an error: stdout stays the result alone */
		fflush(stdout);
		fprintf(stderr,
		    "ringctl: note: the region%s %s freed when ringctl exits; "
		    "--persist keeps %s, or allocate in the shell\n",
		    use_sg ? "s" : "", use_sg ? "are" : "is",
		    use_sg ? "them" : "it");
	}
	ret = RC_OK;
out:
	free(regs);
	free(sg); /* the regions stay; only the list goes */
	return ret;
}

/* Who ringd says uses a region, as JSON: one object per connection. */
static struct json_object *
phys_users_json(const struct ring_phys_user *u, uint32_t n)
{
	struct json_object *a = json_object_new_array(), *o;
	uint32_t i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "client_id", mj_u64(u[i].client_id));
		json_object_object_add(o, "peer", mj_peer(&u[i].peer));
		json_object_object_add(o, "owner",
		    json_object_new_boolean(u[i].use & RING_PHYS_USE_OWNER));
		json_object_object_add(o, "mapped",
		    json_object_new_boolean(u[i].use & RING_PHYS_USE_MAPPED));
		json_object_object_add(o, "granted",
		    json_object_new_boolean(u[i].use & RING_PHYS_USE_GRANTED));
		json_object_object_add(o, "ring_id",
		    u[i].ring_id != 0 ? mj_u64(u[i].ring_id) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * "owned by 12/drv; mapped by 12/drv, 14/scheme; granted to 14/scheme
 * on ring 7": the users (phys_users_json()) into buf.
 */
static const char *
phys_users_fmt(struct json_object *ua, char *buf, size_t len)
{
	static const char *const kind[][2] = {
		{ "owner", "owned by" },
		{ "mapped", "mapped by" },
		{ "granted", "granted to" },
	};
	struct json_object *u;
	char peer[96];
	size_t k, i, at = 0;
	bool first;

	buf[0] = '\0';
	for (k = 0; k < sizeof(kind) / sizeof(kind[0]); k++) {
		first = true;
		for (i = 0; i < json_object_array_length(ua) && at < len; i++) {
			u = json_object_array_get_idx(ua, i);
			if (!mj_get_bool(u, kind[k][0], 0))
				continue;
			out_peer(json_object_object_get(u, "peer"), peer,
			    sizeof(peer));
			if (first)
				at += (size_t)snprintf(buf + at, len - at,
				    "%s%s %s", at != 0 ? "; " : "", kind[k][1],
				    peer);
			else
				at += (size_t)snprintf(buf + at, len - at,
				    ", %s", peer);
			if (k == 2 && at < len)
				at += (size_t)snprintf(buf + at, len - at,
				    " on ring %" PRIu64,
				    mj_get_u64(u, "ring_id", 0));
			first = false;
		}
	}
	return buf;
}

static int
cmd_physfree(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_phys_user users[RING_PHYS_USERS_MAX];
	uint32_t nusers = RING_PHYS_USERS_MAX, flags = 0;
	struct ring_phys_region reg;
	struct json_object *o, *ua;
	char who[384], msg[512];
	uint64_t id, addr;
	int err, ret;

	if ((ret = phys_region_arg(rc, ce, a->argv[0], &reg, &addr)) != RC_OK)
		return ret;
	id = reg.region_id;
	if (addr != reg.base)
		return out_fail_plain(rc, RC_FAIL, -EINVAL,
		    "physfree: %#" PRIx64 " is inside region %" PRIu64
		    ", which starts at %#" PRIx64,
		    addr, id, reg.base);
	if (a->set[PHYSFREE_OPT_FORCE])
		flags |= RING_PHYSFREE_FORCE;
	err = ring_physfree_flags(rc->ctl, reg.base, reg.size, flags, users,
	    &nusers);
	if (err == -EBUSY) {
		/* the message, and in JSON who uses the region as well */
		ua = phys_users_json(users, nusers);
		snprintf(msg, sizeof(msg),
		    "physfree: region %" PRIu64 " (%#" PRIx64 ") is in use: "
		    "%s; use --force to free it anyway",
		    id, reg.base,
		    nusers != 0 ? phys_users_fmt(ua, who, sizeof(who))
				: "by another connection");
		out_fail(NULL, RC_FAIL, 0, "%s", msg);
		if (rc->json) {
			o = json_object_new_object();
			json_object_object_add(o, "error",
			    json_object_new_string(msg));
			json_object_object_add(o, "errno",
			    json_object_new_string("EBUSY"));
			json_object_object_add(o, "users", ua);
			out_json(rc, o);
		} else
			json_object_put(ua);
		return RC_FAIL;
	}
	if (err < 0)
		return conn_fail(rc, err,
		    "physfree: cannot free region %" PRIu64, id);
	o = mj_phys_region(&reg);
	if (rc->json)
		out_json(rc, o);
	else {
		printf("freed ");
		phys_print_region(o);
		json_object_put(o);
	}
	return RC_OK;
}

static int
cmd_regions(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	static const char *const zhdr[] = { "ZONE", ">BASE", ">SIZE", ">USED",
		">FREE", ">LARGEST_FREE", ">FREE_RANGES", ">REGIONS" };
	static const char *const rhdr[] = { ">ID", ">BASE", ">SIZE", "ZONE",
		"OWNER", ">UID", "PERSIST", "MAPPED", ">GRANTS" };
	struct ring_phys_zone *zones = NULL;
	struct ring_phys_range *ranges = NULL;
	struct ring_phys_region *regs = NULL;
	size_t nz = 0, nr = 0, ng = 0, i, k;
	struct json_object *o, *za, *ra, *z, *fm;
	struct table *t;
	char b[8][32], own[48];
	int err, ret;

	(void)ce;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_phys_list_zones(rc->ctl, &zones, &nz)) < 0 ||
	    (err = ring_phys_list_free(rc->ctl, &ranges, &nr)) < 0 ||
	    (err = ring_phys_list_regions(rc->ctl, &regs, &ng)) < 0) {
		ret = conn_fail(rc, err, "cannot list physical memory");
		goto out;
	}
	if (a->quiet) {
		/* the region ids: one a line, or a JSON array of numbers */
		o = rc->json ? json_object_new_array() : NULL;
		for (i = 0; i < ng; i++) {
			if (o != NULL)
				json_object_array_add(o,
				    mj_u64(regs[i].region_id));
			else
				printf("%" PRIu64 "\n", regs[i].region_id);
		}
		if (o != NULL)
			out_json(rc, o);
		ret = RC_OK;
		goto out;
	}
	o = json_object_new_object();
	za = json_object_new_array();
	for (i = 0; i < nz; i++) {
		z = mj_phys_zone(&zones[i]);
		fm = json_object_new_array();
		for (k = 0; k < nr; k++)
			if (ranges[k].zone == zones[i].zone)
				json_object_array_add(fm,
				    mj_phys_range(&ranges[k]));
		json_object_object_add(z, "free_map", fm);
		json_object_array_add(za, z);
	}
	json_object_object_add(o, "zones", za);
	ra = json_object_new_array();
	for (i = 0; i < ng; i++)
		json_object_array_add(ra, mj_phys_region(&regs[i]));
	json_object_object_add(o, "regions", ra);
	if (rc->json) {
		out_json(rc, o);
		ret = RC_OK;
		goto out;
	}
	t = table_new(8, zhdr);
	for (i = 0; i < nz; i++) {
		snprintf(b[0], 32, "%#" PRIx64, zones[i].base);
		table_add(t, ring_phys_zone_name(zones[i].zone), b[0],
		    units_fmt_size(zones[i].size, b[1], 32),
		    units_fmt_size(zones[i].used, b[2], 32),
		    units_fmt_size(zones[i].free, b[3], 32),
		    units_fmt_size(zones[i].largest_free, b[4], 32),
		    out_u64(zones[i].free_ranges, b[5], 32),
		    out_u64(zones[i].regions, b[6], 32));
	}
	table_print(t, stdout);
	table_free(t);
	for (i = 0; i < nz; i++) {
		printf("\nzone %s free ranges:\n",
		    ring_phys_zone_name(zones[i].zone));
		for (k = 0; k < nr; k++)
			if (ranges[k].zone == zones[i].zone)
				printf("  %#014" PRIx64 "-%#014" PRIx64
				       "  %s\n",
				    ranges[k].base,
				    ranges[k].base + ranges[k].size - 1,
				    units_fmt_size(ranges[k].size, b[0], 32));
	}
	printf("\n");
	t = table_new(9, rhdr);
	for (i = 0; i < ng; i++) {
		snprintf(b[1], 32, "%#" PRIx64, regs[i].base);
		table_add(t, out_u64(regs[i].region_id, b[0], 32), b[1],
		    units_fmt_size(regs[i].size, b[2], 32),
		    ring_phys_zone_name(regs[i].zone),
		    out_peer(json_object_object_get(
				 json_object_array_get_idx(ra, i), "owner"),
			own, sizeof(own)),
		    out_u64(regs[i].owner.uid, b[3], 32),
		    (regs[i].flags & RING_PHYS_PERSIST) ? "yes" : "no",
		    regs[i].mapped ? "yes" : "no",
		    out_u64(regs[i].grants, b[4], 32));
	}
	table_print(t, stdout);
	table_free(t);
	json_object_put(o);
	ret = RC_OK;
out:
	free(zones);
	free(ranges);
	free(regs);
	return ret;
}

static int
cmd_physmap(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	struct ring_phys_region reg;
	struct json_object *o;
	uint64_t id, off = 0, len = PHYS_DUMP_DEFAULT, moff, mlen, addr;
	const char *v;
	unsigned char *data;
	void *ptr;
	char *hex;
	size_t i;
	int err, ret;

	if ((v = a->val[PHYSMAP_OPT_OFFSET]) != NULL &&
	    (ret = phys_size_opt(rc, ce, "--offset", v, &off)) != RC_OK)
		return ret;
	if ((v = a->val[PHYSMAP_OPT_LEN]) != NULL &&
	    (ret = phys_size_opt(rc, ce, "--len", v, &len)) != RC_OK)
		return ret;
	if (len == 0 || len > PHYS_DUMP_MAX)
		return cmd_usage_error(rc, ce,
		    "physmap: --len must be 1..%u bytes", PHYS_DUMP_MAX);
	if ((ret = phys_region_arg(rc, ce, a->argv[0], &reg, &addr)) != RC_OK)
		return ret;
	id = reg.region_id;
	/* an address starts the dump there; --offset counts from it */
	off = off > UINT64_MAX - (addr - reg.base) ? UINT64_MAX
						   : off + (addr - reg.base);
	if (off >= reg.size)
		return out_fail_plain(rc, RC_FAIL, -EINVAL,
		    "physmap: offset %" PRIu64 " is beyond region %" PRIu64
		    " (%" PRIu64 " bytes)",
		    off, id, reg.size);
	if (len > reg.size - off) {
		/* the default length stops quietly at the end; --len says so */
		if (a->val[PHYSMAP_OPT_LEN] != NULL) {
			fflush(stdout);
			fprintf(stderr,
			    "ringctl: physmap: region %" PRIu64 " ends %" PRIu64
			    " bytes after offset %" PRIu64 ": dumping %" PRIu64
			    " of the %" PRIu64 " bytes asked for\n",
			    id, reg.size - off, off, reg.size - off, len);
		}
		len = reg.size - off;
	}
	/* mappings start on a frame: map the frames that hold the bytes */
	moff = off - off % RING_PHYS_FRAME;
	mlen = off + len - moff;
	if ((err = ring_physmap(rc->ctl, reg.base + moff, mlen, 0, &ptr)) < 0)
		return conn_fail(rc, err, "physmap: cannot map region %" PRIu64,
		    id);
	data = (unsigned char *)ptr + (off - moff);
	if (rc->json) {
		o = json_object_new_object();
		json_object_object_add(o, "id", mj_u64(id));
		json_object_object_add(o, "base", mj_u64(reg.base));
		json_object_object_add(o, "offset", mj_u64(off));
		json_object_object_add(o, "len", mj_u64(len));
		if ((hex = malloc(2 * (size_t)len + 1)) != NULL) {
			for (i = 0; i < len; i++)
				snprintf(hex + 2 * i, 3, "%02x", data[i]);
			json_object_object_add(o, "data_hex",
			    json_object_new_string(hex));
			free(hex);
		} else {
			json_object_object_add(o, "data_hex", NULL);
		}
		out_json(rc, o);
	} else {
		out_hexdump(stdout, data, (size_t)len, reg.base + off);
	}
	ring_physunmap(ptr, mlen);
	return RC_OK;
}
