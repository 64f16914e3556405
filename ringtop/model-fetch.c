/*
 * model-fetch.c - the half of ringtop's model that talks to ringd: the
 * socket to dial, connecting and noticing ringd gone, and one snapshot
 * of its introspection lists (struct rt_snap) with what the screens need
 * besides: physalloc3's zones, regions and free ranges, and the names a
 * scheme declared for its own opcodes (probed here, once per scheme, so
 * that the draw path never asks ringd and a recording carries them).
 *
 * Everything else in the model (model.c) works on snapshots alone, which
 * is what lets a replay feed it recorded ones.  Depends on libring's
 * client (<ring/ctl.h>, <ring/phys.h>) and common/; model.c and main.c
 * call in here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ring/phys.h>

#include "ringtop.h"
#include "common/common.h"

/*
 * The socket to dial, named again before each connection: a per-user
 * ringd may have come or gone since.  0, or -errno with s->err set.
 */
static int
model_sock(struct rt_model *m, struct rt_snap *s)
{
	int rc;

	if ((rc = sock_path(m->sock_arg, m->scope, m->sock, sizeof(m->sock))) <
	    0) {
		snprintf(m->sock, sizeof(m->sock), "(no socket)");
		sock_error(s->err, sizeof(s->err), m->sock_arg, m->scope, NULL,
		    rc);
		snprintf(s->why, sizeof(s->why),
		    "no per-user socket: XDG_RUNTIME_DIR is not set");
	}
	return rc;
}

void
model_init(struct rt_model *m, const char *sock, enum ring_ctl_scope scope)
{
	struct rt_snap s;

	memset(m, 0, sizeof(*m));
	memset(&s, 0, sizeof(s));
	m->sock_arg = sock;
	m->scope = scope;
	if (model_sock(m, &s) < 0) {
		snprintf(m->err, sizeof(m->err), "%s", s.err);
		snprintf(m->why, sizeof(m->why), "%s", s.why);
	}
}

/*
 * Physical memory: a ringd without physalloc3 (or one that refuses the
 * lists) leaves the Memory tab empty with a reason, not the monitor down.
 */
static int
model_fetch_phys(struct rt_model *m, bool ranges, struct rt_snap *s)
{
	struct ring_phys_zone *zones = NULL;
	struct ring_phys_range *free_ranges = NULL;
	struct ring_phys_region *regions = NULL;
	size_t nzones = 0, nranges = 0, nregions = 0;
	int rc;

	if ((rc = ring_phys_list_zones(m->ctl, &zones, &nzones)) < 0 ||
	    (rc = ring_phys_list_regions(m->ctl, &regions, &nregions)) < 0 ||
	    (ranges &&
		(rc = ring_phys_list_free(m->ctl, &free_ranges, &nranges)) <
		    0)) {
		free(zones);
		free(free_ranges);
		free(regions);
		snprintf(s->phys_err, sizeof(s->phys_err), "%s", strerror(-rc));
		return ring_ctl_is_disconnect(m->ctl, rc) ? rc : 0;
	}
	s->zones = zones;
	s->nzones = nzones;
	s->ranges = free_ranges;
	s->nranges = nranges;
	s->regions = regions;
	s->nregions = nregions;
	s->phys = true;
	return 0;
}

/* ringd out of reach: what failed ("lost"; NULL: the connection). */
static void
model_down(struct rt_model *m, struct rt_snap *s, const char *what, int rc)
{
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		snprintf(s->why, sizeof(s->why), "ringd is not running");
	else
		snprintf(s->why, sizeof(s->why), "%s ringd: %s",
		    what != NULL ? what : "cannot connect to", strerror(-rc));
	if (what == NULL)
		sock_error(s->err, sizeof(s->err), m->sock_arg, m->scope,
		    m->sock, rc);
	else
		snprintf(s->err, sizeof(s->err), "%s '%s': %s", what, m->sock,
		    (rc == -ENOENT || rc == -ECONNREFUSED) ? s->why
							   : strerror(-rc));
	ring_ctl_close(m->ctl);
	m->ctl = NULL;
}

/* Connect when not connected: 0, or -errno with s->err set. */
static int
model_connect(struct rt_model *m, struct rt_snap *s)
{
	uint32_t ver = 0;
	int rc;

	if (m->ctl != NULL)
		return 0;
	if ((rc = model_sock(m, s)) < 0)
		return rc;
	if ((rc = ring_ctl_connect(m->sock, &ver, &m->ctl)) < 0) {
		m->ctl = NULL;
		if (rc == -EPROTO) {
			snprintf(s->err, sizeof(s->err),
			    "cannot talk to '%s': ringd speaks protocol "
			    "version %u, ringtop %u",
			    m->sock, (unsigned)ver,
			    (unsigned)ring_ctl_protocol());
			snprintf(s->why, sizeof(s->why),
			    "ringd speaks protocol version %u, ringtop %u",
			    (unsigned)ver, (unsigned)ring_ctl_protocol());
			return rc;
		}
		model_down(m, s, NULL, rc);
	}
	return rc;
}

bool
model_opname_of(const struct rt_opname *o, const struct ring_ctl_scheme *s)
{
	return o->pid == s->owner.pid &&
	    strncmp(o->scheme, s->name, sizeof(s->name)) == 0;
}

/*
 * The declared opcode names of every scheme with opcodes of its own
 * (128..255; builtins and standard opcodes have their names): taken from
 * the last snapshot while the scheme, its owner and its opcodes stay the
 * same, else probed.  A probe that fails leaves the scheme without names
 * (they show as numbers); only ringd gone fails the snapshot.  0, or
 * -errno.
 */
static int
model_fetch_opnames(struct rt_model *m, struct rt_snap *s)
{
	struct ring_ctl_opname *names;
	struct rt_opname *v = NULL, *nv;
	size_t n = 0, i, j, k, nnames;
	uint64_t probed[4];
	int rc;

	for (i = 0; i < s->nschemes; i++) {
		const struct ring_ctl_scheme *c = &s->schemes[i];
		const struct ring_ctl_scheme *o = NULL;

		if (c->builtin || (c->ops[2] | c->ops[3]) == 0)
			continue;
		for (j = 0; j < m->nschemes && o == NULL; j++)
			if (strncmp(m->schemes[j].name, c->name,
				sizeof(c->name)) == 0 &&
			    m->schemes[j].owner.pid == c->owner.pid &&
			    memcmp(m->schemes[j].ops, c->ops, sizeof(c->ops)) ==
				0)
				o = &m->schemes[j];
		names = NULL;
		nnames = 0;
		if (o != NULL) {
			/* the same scheme as last time: its names as they were */
			for (k = 0; k < m->nopnames; k++)
				if (model_opname_of(&m->opnames[k], c))
					nnames++;
		} else if ((rc = ring_ctl_probe_names(m->ctl, c->name, probed,
				&names, &nnames)) < 0) {
			if (ring_ctl_is_disconnect(m->ctl, rc))
				goto fail;
			nnames = 0;
		}
		if (nnames == 0)
			continue;
		if ((nv = realloc(v, (n + nnames) * sizeof(*v))) == NULL) {
			free(names);
			rc = -ENOMEM;
			goto fail;
		}
		v = nv;
		if (o != NULL) {
			for (k = 0; k < m->nopnames; k++)
				if (model_opname_of(&m->opnames[k], c))
					v[n++] = m->opnames[k];
			continue;
		}
		for (k = 0; k < nnames; k++, n++) {
			memset(&v[n], 0, sizeof(v[n]));
			memcpy(v[n].scheme, c->name, sizeof(c->name));
			v[n].pid = c->owner.pid;
			v[n].op = names[k].op;
			memcpy(v[n].name, names[k].name, sizeof(v[n].name));
			v[n].name[sizeof(v[n].name) - 1] = '\0';
		}
		free(names);
	}
	s->opnames = v;
	s->nopnames = n;
	return 0;
fail:
	free(v);
	return rc;
}

int
model_fetch(struct rt_model *m, bool ranges, struct rt_snap *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = model_connect(m, s)) < 0)
		goto out;
	if ((rc = ring_ctl_status(m->ctl, &s->st)) < 0 ||
	    (rc = ring_ctl_list_rings(m->ctl, &s->rings, &s->nrings)) < 0 ||
	    (rc = ring_ctl_list_schemes(m->ctl, &s->schemes, &s->nschemes)) <
		0 ||
	    (rc = ring_ctl_list_clients(m->ctl, &s->clients, &s->nclients)) <
		0 ||
	    (rc = model_fetch_phys(m, ranges, s)) < 0 ||
	    (rc = model_fetch_opnames(m, s)) < 0) {
		model_down(m, s, "lost", rc);
		model_snap_free(s);
	}
out:
	s->up = rc >= 0;
	s->mono_ns = clock_ns();
	s->wall_ns = clock_wall_ns();
	snprintf(s->sock, sizeof(s->sock), "%s", m->sock);
	return rc < 0 ? rc : 0;
}

/* Fetch, show the recorder (rt_model.on_snap), apply. */
int
model_refresh(struct rt_model *m, bool ranges)
{
	struct rt_snap s;
	int rc = model_fetch(m, ranges, &s);

	if (m->on_snap != NULL)
		m->on_snap(m->on_snap_arg, &s);
	if (model_apply(m, &s) < 0 && rc == 0)
		rc = -ENOMEM;
	return rc;
}
