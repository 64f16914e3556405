/*
 * scr-memory.c - the Memory tab: physalloc3's zones with a fragmentation
 * map drawn from the free ranges, the regions summed up by owner, and
 * the table of regions.
 *
 * Depends on scr.c, the model and view; called by screen_draw() alone.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "scr.h"
#include "view.h"

/* The free bytes of [lo, hi) from a zone's free ranges (sorted), sweeping. */
static uint64_t
scr_free_in(const struct rt_model *m, uint32_t zone, size_t *k, uint64_t lo,
    uint64_t hi)
{
	uint64_t sum = 0;
	size_t i;

	while (*k < m->nranges &&
	    (m->ranges[*k].zone != zone ||
		m->ranges[*k].base + m->ranges[*k].size <= lo))
		(*k)++;
	for (i = *k; i < m->nranges && m->ranges[i].base < hi; i++) {
		uint64_t b = m->ranges[i].base, e = b + m->ranges[i].size;

		if (m->ranges[i].zone != zone)
			continue;
		if (b < lo)
			b = lo;
		if (e > hi)
			e = hi;
		if (e > b)
			sum += e - b;
	}
	return sum;
}

/* A zone's fragmentation map: rows lines of cells, used/partly/free. */
static void
scr_zone_map(const struct rt_model *m, const struct ring_phys_zone *z, int y,
    int rows, uint64_t *cellp)
{
	int w = COLS - 2, cells, c;
	uint64_t cs, lo, hi, end = z->base + z->size, fr;
	size_t k = 0;

	*cellp = 0;
	if (w <= 0 || rows <= 0 || z->size == 0)
		return;
	cells = w * rows;
	cs = (z->size + (uint64_t)cells - 1) / (uint64_t)cells;
	if (cs < RING_PHYS_FRAME)
		cs = RING_PHYS_FRAME;
	*cellp = cs;
	for (c = 0; c < cells; c++) {
		int yy = y + c / w, xx = 1 + c % w;

		lo = z->base + (uint64_t)c * cs;
		if (lo >= end || yy >= LINES - 1)
			break;
		hi = lo + cs > end ? end : lo + cs;
		fr = scr_free_in(m, z->zone, &k, lo, hi);
		if (fr >= hi - lo)
			scr_put(yy, xx, 1, scr_attr(SCR_P_OK), ".");
		else if (fr == 0)
			scr_put(yy, xx, 1, scr_attr(SCR_P_WARN), "#");
		else
			scr_put(yy, xx, 1, A_NORMAL, ":");
	}
}

/*
 * One line summing up regions by owner: the uid that owns them and the
 * command that allocated them (persistent regions outlive their pid).
 */
static void
scr_owners(const struct rt_model *m, int y)
{
	struct {
		const struct ring_ctl_peer *p;
		unsigned n;
		uint64_t bytes;
	} own[16];
	char line[512], peer[FMT_PEER_LEN], sz[16];
	size_t i, j, no = 0, more = 0, len;

	for (i = 0; i < m->nregions; i++) {
		const struct ring_ctl_peer *p = &m->regions[i].owner;

		for (j = 0; j < no; j++)
			if (own[j].p->uid == p->uid &&
			    strncmp(own[j].p->comm, p->comm, sizeof(p->comm)) ==
				0)
				break;
		if (j == no) {
			if (no == sizeof(own) / sizeof(own[0])) {
				more++;
				continue;
			}
			own[no].p = p;
			own[no].n = 0;
			own[no].bytes = 0;
			no++;
		}
		own[j].n++;
		own[j].bytes += m->regions[i].size;
	}
	len = (size_t)snprintf(line, sizeof(line), "by owner:");
	for (j = 0; j < no && len < sizeof(line); j++) {
		san_vis(peer, sizeof(peer), own[j].p->comm,
		    sizeof(own[j].p->comm));
		units_fmt_size(own[j].bytes, sz, sizeof(sz));
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    "  %s uid %u: %u (%s)", peer, (unsigned)own[j].p->uid,
		    own[j].n, sz);
	}
	if (more && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, "  and %zu more",
		    more);
	if (no == 0)
		snprintf(line, sizeof(line), "no region is allocated");
	scr_put(y, 0, -1, A_NORMAL, line);
}

static struct scr_col scr_mem_cols[VM_COUNT] = {
	[VM_REGION] = SCR_COL("REGION", 7, 8, true, 0, false, false),
	[VM_BASE] = SCR_COL("BASE", 11, 18, false, 1, true, false),
	[VM_SIZE] = SCR_COL("SIZE", 7, 9, true, 0, false, false),
	[VM_ZONE] = SCR_COL("ZONE", 5, 6, false, 1, false, false),
	[VM_OWNER] = SCR_COL("OWNER", 11, 24, false, 1, true, false),
	[VM_UID] = SCR_COL("UID", 6, 6, true, 5, false, false),
	[VM_FLAGS] = SCR_COL("FLAGS", 7, 8, false, 4, false, false),
	[VM_MAPPED] = SCR_COL("MAPPED", 7, 7, false, 3, false, false),
	[VM_GRANTS] = SCR_COL("GRANTS", 7, 7, true, 2, false, false),
	[VM_AGE] = SCR_COL("AGE", 7, 8, true, 2, true, false),
};

/* A zone's figures, on as many lines as the width needs (at most 2). */
static int
scr_zone_line(const struct ring_phys_zone *z, int y)
{
	char p[6][64], sz[16], used[16], fr[16], big[16];
	const char *parts[6];
	size_t i;

	units_fmt_size(z->size, sz, sizeof(sz));
	units_fmt_size(z->used, used, sizeof(used));
	units_fmt_size(z->free, fr, sizeof(fr));
	units_fmt_size(z->largest_free, big, sizeof(big));
	snprintf(p[0], sizeof(p[0]), "zone %s  %#llx-%#llx",
	    ring_phys_zone_name(z->zone), (unsigned long long)z->base,
	    (unsigned long long)(z->base + z->size));
	snprintf(p[1], sizeof(p[1]), "size %s", sz);
	snprintf(p[2], sizeof(p[2]), "used %s", used);
	snprintf(p[3], sizeof(p[3]), "free %s in %u ranges", fr,
	    (unsigned)z->free_ranges);
	snprintf(p[4], sizeof(p[4]), "largest free %s", big);
	snprintf(p[5], sizeof(p[5]), "regions %u", (unsigned)z->regions);
	for (i = 0; i < 6; i++)
		parts[i] = p[i];
	return scr_flow(y, 0, 5, 2, scr_attr(SCR_P_LABEL), parts, 6);
}

void
scr_memory(struct rt_view *v, const struct rt_model *m, int y0, int y1)
{
	struct scr_col *c = scr_mem_cols;
	char buf[FMT_PEER_LEN], cell[16] = "-";
	size_t i, top;
	int y = y0, rows = LINES >= 36 ? 3 : LINES >= 28 ? 2 : 1;

	if (!m->phys) {
		scr_printf(y0 + 1, 2, -1, A_NORMAL,
		    "physical memory: not "
		    "available from this ringd (%s)",
		    m->phys_err[0] ? m->phys_err : "no zones");
		return;
	}
	for (i = 0; i < m->nzones && y < y1; i++) {
		const struct ring_phys_zone *z = &m->zones[i];
		uint64_t cs;

		if (z->size == 0) {
			scr_printf(y++, 0, -1, scr_attr(SCR_P_LABEL),
			    "zone %s  disabled", ring_phys_zone_name(z->zone));
			continue;
		}
		y += scr_zone_line(z, y);
		scr_zone_map(m, z, y, rows, &cs);
		units_fmt_size(cs, cell, sizeof(cell));
		y += rows;
	}
	if (y < y1)
		scr_printf(y++, 0, -1, A_NORMAL,
		    "map: # used  : partly used  . free   one cell is at "
		    "most %s",
		    cell);
	if (y < y1)
		scr_owners(m, y++);
	if (y >= y1)
		return;
	for (i = 0; i < m->nregions; i++) {
		peer_fmt(buf, sizeof(buf), m->regions[i].owner.pid,
		    m->regions[i].owner.comm, sizeof(m->regions[i].owner.comm));
		scr_want(&c[VM_OWNER], buf);
		snprintf(buf, sizeof(buf), "%#llx",
		    (unsigned long long)m->regions[i].base);
		scr_want(&c[VM_BASE], buf);
		units_fmt_duration(m->regions[i].age_ns, buf, sizeof(buf));
		scr_want(&c[VM_AGE], buf);
	}
	top = scr_table_start(v, y, y1, c, VM_COUNT, m->nregions);
	for (i = top, y++; i < m->nregions && y < y1; i++, y++) {
		const struct ring_phys_region
		    *g = &m->regions[view_index(v, RT_TAB_MEMORY, i)];
		attr_t a = scr_row(v, i, y);

		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)g->region_id);
		scr_cell(y, &c[VM_REGION], a, buf);
		snprintf(buf, sizeof(buf), "%#llx",
		    (unsigned long long)g->base);
		scr_cell(y, &c[VM_BASE], a, buf);
		units_fmt_size(g->size, buf, sizeof(buf));
		scr_cell(y, &c[VM_SIZE], a, buf);
		scr_cell(y, &c[VM_ZONE], a, ring_phys_zone_name(g->zone));
		peer_fmt(buf, sizeof(buf), g->owner.pid, g->owner.comm,
		    sizeof(g->owner.comm));
		scr_cell(y, &c[VM_OWNER], a, buf);
		snprintf(buf, sizeof(buf), "%u", (unsigned)g->owner.uid);
		scr_cell(y, &c[VM_UID], a, buf);
		scr_cell(y, &c[VM_FLAGS], a,
		    (g->flags & RING_PHYS_PERSIST) ? "persist" : "-");
		scr_cell(y, &c[VM_MAPPED], a, g->mapped ? "yes" : "no");
		snprintf(buf, sizeof(buf), "%u", (unsigned)g->grants);
		scr_cell(y, &c[VM_GRANTS], a, buf);
		units_fmt_duration(g->age_ns, buf, sizeof(buf));
		scr_cell(y, &c[VM_AGE], a, buf);
	}
}
