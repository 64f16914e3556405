/*
 * conn.c - ringctl's connection to ringd: made when a command first needs
 * it, kept for the rest of a shell or batch session, dropped when ringd
 * goes away so that the next command connects anew.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ringctl.h"
#include "tools/tools.h"

int
conn_need(struct ringctl *rc)
{
	uint32_t server = 0;
	char msg[512];
	int err;

	if (rc->ctl != NULL)
		return RC_OK;
	if ((err = sock_path(rc->sock, rc->scope, rc->sock_path,
		 sizeof(rc->sock_path))) < 0)
		return out_fail(rc, RC_UNREACHABLE, -err | OUT_NO_REASON, "%s",
		    sock_error(msg, sizeof(msg), rc->sock, rc->scope, NULL,
			err));
	err = ring_ctl_connect(rc->sock_path, &server, &rc->ctl);
	if (err == -EPROTO && server != 0)
		return out_fail(rc, RC_FAIL, 0,
		    "ringd at '%s' speaks protocol %u, this ringctl speaks %u",
		    rc->sock_path, server, ring_ctl_protocol());
	if (err < 0)
		return out_fail(rc, RC_UNREACHABLE, -err | OUT_NO_REASON, "%s",
		    sock_error(msg, sizeof(msg), rc->sock, rc->scope,
			rc->sock_path, err));
	return RC_OK;
}

void
conn_close(struct ringctl *rc)
{
	ring_ctl_close(rc->ctl);
	rc->ctl = NULL;
}

/* Errors a broken or silent connection to ringd shows as. */
static bool
conn_transport_errno(int err)
{
	return err == -ECONNRESET || err == -EPIPE || err == -ENOTCONN ||
	    err == -ETIMEDOUT || err == -ECONNREFUSED;
}

/*
 * Is ringd out of reach after a request failed with err?  The same errnos
 * also come inside replies: a scheme may refuse an open with -ECONNRESET,
 * ringd answers -ECONNRESET when a scheme dies during an open and
 * -ETIMEDOUT when it does not accept in time.  Those are answers, and an
 * answer proves ringd is there.  libring's requests do not say which one
 * it was (ring_ctl_connected() stays true after a transport error on a
 * handle without reconnect), so ask ringd once more with a request only
 * the transport can fail: a status.  A dead socket fails it at once
 * (EPIPE, or end of stream); a live ringd answers; only a ringd that
 * stopped answering costs a second timeout.
 */
static bool
conn_lost(struct ringctl *rc, int err)
{
	struct ring_ctl_status st;
	int probe;

	if (!conn_transport_errno(err))
		return false;
	if (rc->ctl == NULL || !ring_ctl_connected(rc->ctl))
		return true;
	probe = ring_ctl_status(rc->ctl, &st);
	return probe < 0 && conn_transport_errno(probe);
}

int
conn_fail(struct ringctl *rc, int err, const char *fmt, ...)
{
	va_list ap;
	int st = RC_FAIL;

	if (conn_lost(rc, err)) {
		st = RC_UNREACHABLE;
		conn_close(rc);
	}
	va_start(ap, fmt);
	out_vfail(rc, st, err, fmt, ap);
	va_end(ap);
	return st;
}

int
conn_parse_id(struct ringctl *rc, const struct cmd_entry *ce, const char *what,
    const char *s, uint64_t *id)
{
	int err = units_parse_u64(s, id);

	if (err == -ERANGE)
		return cmd_usage_error(rc, ce, "%s: %s id '%s' is too large",
		    ce->name, what, s);
	if (err < 0)
		return cmd_usage_error(rc, ce, "%s: bad %s id '%s'", ce->name,
		    what, s);
	return RC_OK;
}
