/*
 * sockpath.c - which ringd socket a front end dials (-S, --user,
 * --system, or libring's default rule), and the one line it prints when
 * that ringd cannot be reached: the paths it tried and what to do; and
 * whether a connection that reconnects went away or came back.
 *
 * Depends on libring's ring_ctl_socket_path_for().
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "common.h"

int
sock_path(const char *opt, enum ring_ctl_scope scope, char *buf, size_t len)
{
	int n;

	if (opt == NULL)
		return ring_ctl_socket_path_for(scope, buf, len);
	n = snprintf(buf, len, "%s", opt);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* " (system)", " (user)"...: which ringd path is, and what else was tried. */
static void
sock_origin(char *buf, size_t len, const char *opt, enum ring_ctl_scope scope,
    const char *path)
{
	const char *env = getenv("RINGD_SOCKET");
	char user[256];

	buf[0] = '\0';
	if (opt != NULL)
		return;
	if (scope == RING_CTL_SYSTEM)
		snprintf(buf, len, " (system)");
	else if (scope == RING_CTL_USER)
		snprintf(buf, len, " (user)");
	else if (env != NULL && env[0] != '\0')
		snprintf(buf, len, " (RINGD_SOCKET)");
	else if (strcmp(path, RING_CTL_SYSTEM_SOCKET) != 0)
		/* a per-user socket was there: maybe a dead ringd's */
		snprintf(buf, len, " (user; --system for the system ringd)");
	else if (geteuid() == 0)
		snprintf(buf, len, " (system)");
	else if (ring_ctl_socket_path_for(RING_CTL_USER, user, sizeof(user)) ==
	    0)
		snprintf(buf, len, " (system) or '%s' (user)", user);
	else
		snprintf(buf, len,
		    " (system; no per-user socket: XDG_RUNTIME_DIR is not "
		    "set)");
}

const char *
sock_error(char *buf, size_t len, const char *opt, enum ring_ctl_scope scope,
    const char *path, int err)
{
	char origin[512], reason[128], hint[160];
	struct group *gr;
	struct stat st;
	bool known;
	size_t n;

	if (err < 0)
		err = -err;
	/* "No such file or directory" -> "no such file or directory" */
	snprintf(reason, sizeof(reason), "%s", strerror(err));
	if (isupper((unsigned char)reason[0]) &&
	    !isupper((unsigned char)reason[1]))
		reason[0] = (char)tolower((unsigned char)reason[0]);
	for (n = strlen(reason); n > 0 && reason[n - 1] == '.'; n--)
		reason[n - 1] = '\0';
	if (path == NULL) {
		/* sock_path() failed: nothing to dial */
		if (err == ENOENT)
			snprintf(buf, len,
			    "cannot name ringd's per-user socket: "
			    "XDG_RUNTIME_DIR is not set (use --system, -S or "
			    "RINGD_SOCKET)");
		else
			snprintf(buf, len, "cannot name ringd's socket: %s",
			    reason);
		return buf;
	}
	sock_origin(origin, sizeof(origin), opt, scope, path);
	hint[0] = '\0';
	if (err == ENOENT || err == ECONNREFUSED)
		snprintf(hint, sizeof(hint), ": is ringd running?");
	else if (err == EACCES || err == EPERM) {
		/*
		 * The group that may connect: the socket's (ringd.socket's);
		 * 'ringd' when even its directory is closed to us.
		 */
		known = stat(path, &st) == 0;
		gr = known ? getgrgid(st.st_gid) : NULL;
		if (known && !(st.st_mode & S_IWGRP))
			snprintf(hint, sizeof(hint),
			    ": the socket is its owner's alone");
		else
			snprintf(hint, sizeof(hint), ": join group '%s'",
			    gr != NULL ? gr->gr_name : "ringd");
	}
	snprintf(buf, len, "cannot connect to ringd at '%s'%s: %s%s", path,
	    origin, reason, hint);
	return buf;
}

unsigned
ctl_watch(struct ctl_watch *w, const struct ring_ctl *c)
{
	bool up = ring_ctl_connected(c);
	uint64_t n = ring_ctl_reconnects(c);
	unsigned what = 0;

	if (!up && w->up)
		what |= CTL_WENT_AWAY;
	w->up = up;
	if (n != w->restarts) {
		w->restarts = n;
		what |= CTL_CAME_BACK;
	}
	return what;
}
