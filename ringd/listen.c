/*
 * listen.c - the control socket: where it lives, taking it over from
 * systemd (socket activation) or binding it ourselves, refusing to start
 * beside a live ringd, and removing it at exit only if it is still ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "ringd.h"

#define LISTEN_FDS_START 3 /* SD_LISTEN_FDS_START */
#define LISTEN_BACKLOG 128

/*
 * The default path: /run/ringd/ringd.sock for root (or LISTEN_SYSTEM),
 * else (or LISTEN_USER) $XDG_RUNTIME_DIR/ringd.sock.  *mkparent says ringd
 * creates the directory.
 */
int
listen_default_path(enum listen_scope scope, char *buf, size_t size,
    bool *mkparent)
{
	const char *xdg;
	int n;

	*mkparent = true;
	if (scope == LISTEN_SYSTEM ||
	    (scope == LISTEN_DEFAULT && geteuid() == 0))
		n = snprintf(buf, size, "%s/%s", RINGD_ROOT_SOCK_DIR,
		    RINGD_SOCK_NAME);
	else {
		xdg = getenv("XDG_RUNTIME_DIR");
		if (xdg == NULL || xdg[0] != '/') {
			log_error("XDG_RUNTIME_DIR is not set: give the socket "
				  "path with -S or RINGD_SOCKET");
			return -ENOENT;
		}
		n = snprintf(buf, size, "%s/%s", xdg, RINGD_SOCK_NAME);
	}
	if (n < 0 || (size_t)n >= size) {
		log_error("default socket path too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

/*
 * Who besides root may take the connection slots other uids cannot
 * (conn.c): the socket file's owner, and its group when that was
 * chosen (socket_group, or systemd's SocketGroup= for an activated
 * socket).  A group ringd merely inherited (its own) grants nothing.
 */
static void
listen_note_owner(const struct config *conf, bool activated, gid_t group)
{
	struct stat st;

	ringd.sock_uid = geteuid();
	ringd.sock_group_set = false;
	if (activated) {
		if (ringd.sock_path[0] == '/' &&
		    stat(ringd.sock_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			ringd.sock_uid = st.st_uid;
			ringd.sock_gid = st.st_gid;
			ringd.sock_group_set = true;
		}
	} else if (conf->socket_group[0] != '\0') {
		ringd.sock_gid = group;
		ringd.sock_group_set = true;
	}
}

/* socket_group (a name, else a number) to a gid; -EINVAL when neither. */
static int
listen_group_gid(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	const char *errstr;
	long long n;

	if (g != NULL) {
		*gid = g->gr_gid;
		return 0;
	}
	n = strtonum(name, 0, INT32_MAX, &errstr);
	if (errstr != NULL)
		return -EINVAL;
	*gid = (gid_t)n;
	return 0;
}

/*
 * A socket systemd passed keeps the owner, group and mode the socket unit
 * gave it (SocketUser=, SocketGroup=, SocketMode=): say so, as a notice,
 * when ringd.conf sets a socket_mode or socket_group that differs.
 */
static void
listen_note_ignored(const struct config *conf)
{
	char mode[64] = "", group[128] = "", cur_group[64];
	struct group *g;
	struct stat st;
	gid_t gid;

	if (ringd.sock_path[0] != '/' || stat(ringd.sock_path, &st) < 0)
		return;
	if (conf->socket_mode_set && (st.st_mode & 0777) != conf->socket_mode)
		snprintf(mode, sizeof(mode), "socket_mode %04o",
		    (unsigned)conf->socket_mode);
	if (conf->socket_group[0] != '\0' &&
	    (listen_group_gid(conf->socket_group, &gid) < 0 ||
		gid != st.st_gid))
		snprintf(group, sizeof(group), "socket_group '%s'",
		    conf->socket_group);
	if (mode[0] == '\0' && group[0] == '\0')
		return;
	if ((g = getgrgid(st.st_gid)) != NULL)
		strlcpy(cur_group, g->gr_name, sizeof(cur_group));
	else
		snprintf(cur_group, sizeof(cur_group), "%u",
		    (unsigned)st.st_gid);
	log_notice("socket activation: '%s' has mode %04o and group '%s' "
		   "from the socket unit; ringd.conf's %s%s%s %s ignored",
	    ringd.sock_path, (unsigned)(st.st_mode & 0777), cur_group, mode,
	    mode[0] != '\0' && group[0] != '\0' ? " and " : "", group,
	    mode[0] != '\0' && group[0] != '\0' ? "are" : "is");
}

/*
 * Socket activation: when LISTEN_PID names us and LISTEN_FDS >= 1, fd 3 is
 * our listening socket.  Returns 1 when it was taken, 0 when not activated.
 */
int
listen_activated(void)
{
	const char *spid = getenv("LISTEN_PID"), *sfds = getenv("LISTEN_FDS");
	struct sockaddr_un sa;
	socklen_t len = sizeof(int);
	const char *errstr;
	long long pid, nfds;
	int type = 0, fd = LISTEN_FDS_START, fl;

	if (spid == NULL || sfds == NULL)
		return 0;
	pid = strtonum(spid, 1, INT32_MAX, &errstr);
	if (errstr != NULL || pid != (long long)getpid())
		return 0;
	nfds = strtonum(sfds, 0, 1024, &errstr);
	/* region memory from the fd store is no socket (state.c) */
	if (errstr == NULL)
		nfds = state_fdstore_take(fd, nfds, getenv("LISTEN_FDNAMES"));
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (errstr != NULL || nfds < 1)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		log_error("socket activation: fd 3 is not a SOCK_SEQPACKET "
			  "socket");
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	len = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
	    sa.sun_family == AF_UNIX && sa.sun_path[0] == '/')
		strlcpy(ringd.sock_path, sa.sun_path, sizeof(ringd.sock_path));
	else
		strlcpy(ringd.sock_path, "(activated)",
		    sizeof(ringd.sock_path));
	ringd.listen_fd = fd;
	ringd.sock_owned = false;
	listen_note_owner(&ringd.conf, true, 0);
	listen_note_ignored(&ringd.conf);
	return 1;
}

/* Is a live server listening on path? */
static bool
listen_alive(const struct sockaddr_un *sa)
{
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	return rc == 0;
}

/* Owner group and mode of the socket file, as configured. */
int
listen_apply_mode(const struct config *conf)
{
	if (!ringd.sock_owned) {
		listen_note_ignored(conf);
		return 0;
	}
	if (conf->socket_group[0] != '\0') {
		gid_t gid;

		if (listen_group_gid(conf->socket_group, &gid) < 0) {
			log_error("no such group '%s'", conf->socket_group);
			return -EINVAL;
		}
		if (chown(ringd.sock_path, (uid_t)-1, gid) < 0) {
			log_error("cannot set group of '%s': %s",
			    ringd.sock_path, strerror(errno));
			return -errno;
		}
		listen_note_owner(conf, false, gid);
	} else
		listen_note_owner(conf, false, 0);
	if (chmod(ringd.sock_path, conf->socket_mode) < 0) {
		log_error("cannot set mode of '%s': %s", ringd.sock_path,
		    strerror(errno));
		return -errno;
	}
	return 0;
}

/* Bind and listen on path, replacing a stale socket file only. */
int
listen_open(const char *path, bool mkparent, const struct config *conf)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlcpy(sa.sun_path, path, sizeof(sa.sun_path)) >=
	    sizeof(sa.sun_path)) {
		log_error("socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	if (mkparent) {
		char dir[RINGD_SOCK_MAX], *slash;

		strlcpy(dir, path, sizeof(dir));
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				log_error("cannot create '%s': %s", dir,
				    strerror(errno));
				return -errno;
			}
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("'%s' exists and is not a socket", path);
			return -EEXIST;
		}
		if (listen_alive(&sa)) {
			log_error("another ringd is serving '%s'", path);
			return -EADDRINUSE;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			log_error("cannot remove stale socket '%s': %s", path,
			    strerror(errno));
			return -errno;
		}
		log_info("removed stale socket '%s'", path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		log_error("cannot create socket: %s", strerror(errno));
		return rc;
	}
	/* Born private; opened up to socket_mode once the group is right. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		log_error("cannot bind '%s': %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	strlcpy(ringd.sock_path, path, sizeof(ringd.sock_path));
	ringd.sock_owned = true;
	ringd.listen_fd = fd;
	if (stat(path, &st) == 0) {
		ringd.sock_dev = st.st_dev;
		ringd.sock_ino = st.st_ino;
	}
	if ((rc = listen_apply_mode(conf)) < 0)
		goto fail;
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		rc = -errno;
		log_error("cannot listen on '%s': %s", path, strerror(errno));
		goto fail;
	}
	return 0;

fail:
	listen_close();
	return rc;
}

/* Close the socket; remove the file if it is still the one we bound. */
void
listen_close(void)
{
	struct stat st;

	if (ringd.listen_fd >= 0)
		close(ringd.listen_fd);
	ringd.listen_fd = -1;
	if (ringd.sock_owned && stat(ringd.sock_path, &st) == 0 &&
	    st.st_dev == ringd.sock_dev && st.st_ino == ringd.sock_ino)
		unlink(ringd.sock_path);
	ringd.sock_owned = false;
}
