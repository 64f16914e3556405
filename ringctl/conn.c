/*
 * conn.c - ringctl's connection to ringd: made when a command first needs
 * it, kept for the rest of a shell or batch session.  When ringd goes away
 * the connection is dropped; in a shell or batch session the next command
 * connects again (waiting a little for a restarting ringd), says so once,
 * and reports the regions the old connection held as gone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ring/phys.h>

#include "ringctl.h"
#include "common/common.h"

#define CONN_RETRY_FIRST_NS 50000000ull	  /* reconnecting: first pause */
#define CONN_RETRY_TOTAL_NS 2000000000ull /* and at most this in all */

/* Name the socket and connect, printing nothing. */
static int
conn_dial(struct ringctl *rc, uint32_t *server)
{
	int err;

	if ((err = sock_path(rc->sock, rc->scope, rc->sock_path,
		 sizeof(rc->sock_path))) < 0) {
		rc->sock_path[0] = '\0';
		return err;
	}
	return ring_ctl_connect(rc->sock_path, server, &rc->ctl);
}

/*
 * Is the connection still there?  Takes in what ringd sent meanwhile, so
 * that the hang-up of a ringd that went away between two commands shows.
 */
static bool
conn_alive(struct ringctl *rc)
{
	return ring_ctl_process(rc->ctl) == 0 && ring_ctl_connected(rc->ctl);
}

/*
 * Whether the new ringd lists region id as held by a connection of ours.
 * A region it restored from the last ringd's records waits for its owner
 * with no connection (client_id 0) and dies when the adopt window ends:
 * the shell does not claim it, so it is as good as gone.
 */
static bool
conn_has_region(const struct ring_phys_region *v, size_t n, uint64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].region_id == id &&
		    v[i].owner.pid == (uint32_t)getpid() && v[i].client_id != 0)
			return true;
	return false;
}

/*
 * The old connection's regions (allocated without --persist) went with
 * it: name those the new ringd does not list as ours.
 */
static void
conn_report_held(struct ringctl *rc)
{
	struct ring_phys_region *v = NULL;
	size_t n = 0;
	char ids[RC_HELD_MAX * 22 + 1]; /* ", " and 20 digits each */
	unsigned i, gone = 0;
	int len = 0;

	if (rc->nheld == 0)
		return;
	if (ring_phys_list_regions(rc->ctl, &v, &n) < 0)
		n = 0;
	ids[0] = '\0';
	for (i = 0; i < rc->nheld; i++) {
		if (conn_has_region(v, n, rc->held[i]) ||
		    (size_t)len >= sizeof(ids))
			continue;
		len += snprintf(ids + len, sizeof(ids) - (size_t)len,
		    "%s%" PRIu64, gone++ != 0 ? ", " : "", rc->held[i]);
	}
	free(v);
	rc->nheld = 0;
	if (gone != 0)
		fprintf(stderr,
		    "ringctl: region%s %s, allocated without --persist, went "
		    "with the old ringd\n",
		    gone > 1 ? "s" : "", ids);
}

struct ring_ctl *
conn_quiet(struct ringctl *rc)
{
	if (rc->ctl != NULL && !conn_alive(rc)) {
		conn_close(rc);
		rc->lost = true;
	}
	if (rc->ctl == NULL && conn_dial(rc, NULL) < 0)
		rc->ctl = NULL;
	return rc->ctl;
}

int
conn_back(struct ringctl *rc)
{
	int err;

	if (rc->ctl != NULL)
		return 0;
	if ((err = conn_dial(rc, NULL)) < 0)
		return err;
	if (rc->lost) {
		rc->lost = false;
		conn_report_held(rc);
	}
	return 0;
}

/*
 * Connect unless connected.  In a shell or batch session a connection
 * that broke since the last command is replaced: ringd is given up to
 * CONN_RETRY_TOTAL_NS to come back (Ctrl-C ends the wait), and the new
 * connection is announced once.
 */
int
conn_need(struct ringctl *rc)
{
	uint64_t pause = CONN_RETRY_FIRST_NS, waited = 0;
	uint32_t server = 0;
	char msg[512];
	int err = 0;

	if (rc->ctl != NULL && rc->in_shell && !conn_alive(rc)) {
		conn_close(rc);
		rc->lost = true;
	}
	/* completion may have reconnected already: then only say so */
	while (rc->ctl == NULL) {
		err = conn_dial(rc, &server);
		if (!rc->lost || waited >= CONN_RETRY_TOTAL_NS ||
		    (err != -ENOENT && err != -ECONNREFUSED))
			break;
		/* ringd restarting: its socket is not there yet */
		if (!shell_sleep(pause))
			return out_fail(rc, RC_INTERRUPTED, 0, "interrupted");
		waited += pause;
		pause *= 2;
	}
	if (err < 0)
		sock_error(msg, sizeof(msg), rc->sock, rc->scope,
		    rc->sock_path[0] != '\0' ? rc->sock_path : NULL, err);
	if (err < 0 && rc->sock_path[0] == '\0')
		return out_fail_plain(rc, RC_UNREACHABLE, err, "%s", msg);
	if (err == -EPROTO && server != 0)
		return out_fail(rc, RC_FAIL, 0,
		    "ringd at '%s' speaks protocol %u, this ringctl speaks %u",
		    rc->sock_path, server, ring_ctl_protocol());
	if (err < 0)
		return out_fail_plain(rc, RC_UNREACHABLE, err, "%s%s",
		    rc->lost ? "ringd went away; " : "", msg);
	if (rc->lost) {
		fprintf(stderr, "ringctl: ringd restarted; reconnected\n");
		rc->lost = false;
		conn_report_held(rc);
	}
	return RC_OK;
}

void
conn_track_regions(struct ringctl *rc)
{
	struct ring_phys_region *v = NULL;
	size_t n = 0, i;

	if (rc->ctl == NULL || ring_phys_list_regions(rc->ctl, &v, &n) < 0)
		return;
	rc->nheld = 0;
	for (i = 0; i < n && rc->nheld < RC_HELD_MAX; i++)
		if (v[i].owner.pid == (uint32_t)getpid() &&
		    !(v[i].flags & RING_PHYS_PERSIST) && v[i].client_id != 0)
			rc->held[rc->nheld++] = v[i].region_id;
	free(v);
}

void
conn_close(struct ringctl *rc)
{
	ring_ctl_close(rc->ctl);
	rc->ctl = NULL;
}

bool
conn_gone(struct ringctl *rc, int err)
{
	/* libring knows whether err came from the socket or from a reply */
	if (!ring_ctl_is_disconnect(rc->ctl, err))
		return false;
	conn_close(rc);
	rc->lost = true;
	return true;
}

int
conn_fail(struct ringctl *rc, int err, const char *fmt, ...)
{
	va_list ap;
	char msg[400];

	va_start(ap, fmt);
	if (!conn_gone(rc, err)) {
		out_vfail(rc, RC_FAIL, err, fmt, ap);
		va_end(ap);
		return RC_FAIL;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return out_fail_plain(rc, RC_UNREACHABLE, err,
	    "%s: ringd went away (%s)", msg, out_strerror(err));
}

int
conn_parse_id(struct ringctl *rc, const struct cmd_entry *ce, const char *what,
    const char *s, uint64_t *id)
{
	char w[64];

	snprintf(w, sizeof(w), "%s id", what);
	return cmd_number_error(rc, ce, units_parse_u64(s, id), w, s, "");
}
