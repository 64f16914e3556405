/*
 * ramfs-scheme - a file system scheme served through ringd with the Redox
 * file ring protocol of relibc's redox_ring (struct redox_fs_sqe/cqe), in
 * the role of Redox's ramfs (whose "logging" instance relibc's ring test
 * uses).
 *
 * Its namespace is a directory: a private one made in memory
 * ($XDG_RUNTIME_DIR or /dev/shm, removed on exit) unless -d names one.
 * ringd hands the directory to ringctl exec, which shows it at
 * /scheme/<name>, so programs create and open their files there
 * themselves; a ring's file table then takes files of that directory only
 * (EXDEV for any other, as Redox takes only the scheme's own files).  A
 * request reads or writes at a byte offset in a file of the table; its
 * CQE's res is the bytes moved or, as upstream, a positive errno: EINVAL
 * for an unknown opcode, EACCES for a buffer outside the pool, EBADFD for
 * an index outside the table, ENOSPC past -s.  Upstream panics on none of
 * these either; nothing a consumer sends stops the scheme.
 *
 * One epoll loop serves every ring (redox-serve.c), as blkdev-scheme's.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "common/opts.h"
#include "redox-serve.h"

#define RFS_DEFAULT_NAME "logging"
#define RFS_EV_CTL UINT32_MAX /* epoll tag of the control socket */

/* The scheme. */
struct rfs {
	const char *name;
	char dir[PATH_MAX];
	bool made;	    /* the directory is ours: remove it on exit */
	int dirfd;
	dev_t dev;	    /* the directory's file system */
	uint64_t max_bytes; /* 0: no cap */
	uint64_t used;	    /* the files' bytes, as last counted */
	bool verbose;
	struct rsv rsv;
	struct ctl_watch watch;
};

static volatile sig_atomic_t rfs_quit;

static void
rfs_on_signal(int sig)
{
	(void)sig;
	rfs_quit = 1;
}

/* --- the namespace ---------------------------------------------------- */

/* nftw() has no context argument: one walk at a time. */
static struct {
	ino_t ino;
	dev_t dev;
	bool found;
	uint64_t bytes;
} rfs_walk_st;

static int
rfs_walk_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (st->st_ino == rfs_walk_st.ino && st->st_dev == rfs_walk_st.dev)
		rfs_walk_st.found = true;
	rfs_walk_st.bytes += (uint64_t)st->st_size;
	return 0;
}

/*
 * Walk the directory (not leaving its file system, following no link):
 * is the file ino in it?  The bytes of its files go to f->used.
 */
static int
rfs_walk(struct rfs *f, ino_t ino, bool *found)
{
	rfs_walk_st.ino = ino;
	rfs_walk_st.dev = f->dev;
	rfs_walk_st.found = false;
	rfs_walk_st.bytes = 0;
	if (nftw(f->dir, rfs_walk_one, 16, FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	*found = rfs_walk_st.found;
	f->used = rfs_walk_st.bytes;
	return 0;
}

/* A file table entry must be a file of the namespace. */
static int
rfs_file_ok(void *ctx, int fd)
{
	struct rfs *f = ctx;
	struct stat st;
	bool found = false;
	int rc;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if (st.st_dev != f->dev)
		return -EXDEV;
	if ((rc = rfs_walk(f, st.st_ino, &found)) < 0)
		return rc;
	return found ? 0 : -EXDEV;
}

/* --- requests --------------------------------------------------------- */

/* Bytes moved (>= 0) or -errno. */
static int32_t
rfs_do(struct rfs *f, struct redox_sring *r, const struct redox_fs_sqe *q)
{
	bool wr = q->opcode == REDOX_OP_WRITE;
	uint64_t grow = 0, end;
	struct stat st;
	int64_t n;
	void *buf;
	int fd;

	if (q->opcode != REDOX_OP_READ && !wr)
		return -EINVAL;
	if ((buf = redox_sring_buf(r, q->buf_offset, q->buf_len)) == NULL)
		return -EACCES;
	if (q->file_idx >= r->nfiles || (fd = r->files[q->file_idx]) < 0)
		return -EBADFD;
	if (q->off > INT64_MAX - (uint64_t)q->buf_len)
		return -EFBIG;
	end = q->off + q->buf_len;
	if (wr && f->max_bytes != 0) {
		if (fstat(fd, &st) < 0)
			return -errno;
		grow = end > (uint64_t)st.st_size ? end - (uint64_t)st.st_size
						  : 0;
		if (grow > f->max_bytes || f->used > f->max_bytes - grow)
			return -ENOSPC;
	}
	n = rsv_pio(fd, wr, buf, q->buf_len, q->off);
	if (n < 0)
		return (int32_t)n;
	f->used += grow; /* a short write may count a little more */
	return (int32_t)n;
}

/* The CQE's res: bytes, or (as upstream) a positive errno. */
static bool
rfs_serve(void *ctx, struct redox_sring *r, const void *sqe, void *cqe)
{
	const struct redox_fs_sqe *q = sqe;
	struct redox_fs_cqe *c = cqe;
	struct rfs *f = ctx;
	int32_t rc = rfs_do(f, r, q);

	c->user_data = q->user_data;
	c->res = rc < 0 ? -rc : rc;
	if (rc < 0 && f->verbose)
		fprintf(stderr,
		    "ramfs-scheme: file ring %" PRIu64 ": opcode %u offset "
		    "%" PRIu64 " length %u: %s\n",
		    r->ring_id, q->opcode, q->off, q->buf_len, strerror(-rc));
	return rc < 0;
}

static const struct rsv_proto rfs_proto = {
	.what = "file",
	.sqe_size = sizeof(struct redox_fs_sqe),
	.cqe_size = sizeof(struct redox_fs_cqe),
	.file_ok = rfs_file_ok,
	.serve = rfs_serve,
};

/* --- the loop --------------------------------------------------------- */

static void
rfs_control(struct rfs *f)
{
	struct ring_attach a;
	unsigned what;

	(void)ring_ctl_process(f->rsv.ctl);
	(void)rsv_events(&f->rsv);
	/* a v1 ring opened to us: not a protocol we speak, say so at once */
	while (ring_ctl_next_attach(f->rsv.ctl, &a) == 0)
		(void)ring_ctl_refuse(f->rsv.ctl, &a, -EOPNOTSUPP);
	what = ctl_watch(&f->watch, f->rsv.ctl);
	if (what & CTL_WENT_AWAY)
		fprintf(stderr,
		    "ramfs-scheme: ringd went away; serving on, "
		    "reconnecting\n");
	if (what & CTL_CAME_BACK)
		fprintf(stderr,
		    "ramfs-scheme: ringd is back; '%s' registered again\n",
		    f->name);
}

/*
 * Serve until a signal; 0 or -errno.  ringd's events are taken when its
 * descriptor says some wait (libring keeps it readable while any does),
 * not at every turn: a turn is often one request.
 */
static int
rfs_loop(struct rfs *f, const sigset_t *waitmask)
{
	struct epoll_event evs[64];
	bool busy, ctl = true;
	int i, n;

	while (!rfs_quit) {
		busy = false;
		rsv_serve(&f->rsv, &busy);
		if (ctl)
			rfs_control(f);
		n = epoll_pwait(f->rsv.ep, evs, 64, rsv_timeout(&f->rsv, busy),
		    waitmask);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0, ctl = false; i < n; i++)
			ctl |= evs[i].data.u32 == RFS_EV_CTL;
	}
	return 0;
}

/* --- setup ------------------------------------------------------------ */

static int
rfs_open_dir(struct rfs *f, const char *dir)
{
	struct stat st;
	int rc;

	if (dir != NULL) {
		if (strlen(dir) >= sizeof(f->dir))
			return -ENAMETOOLONG;
		strcpy(f->dir, dir);
	} else {
		if ((rc = rsv_mkdtemp("ramfs", "/dev/shm", f->dir,
			 sizeof(f->dir))) < 0)
			return rc;
		f->made = true;
		/* gone with us, even when we are killed */
		if ((rc = rsv_rmtree_at_exit(f->dir)) < 0)
			fprintf(stderr,
			    "ramfs-scheme: '%s' will stay if the scheme is "
			    "killed: %s\n",
			    f->dir, strerror(-rc));
	}
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0 || fstat(f->dirfd, &st) < 0)
		return -errno;
	f->dev = st.st_dev;
	return 0;
}

static const struct opts_def rfs_opts[] = {
	{ "dir", 'd', "DIR", "serve DIR (default: a private one in memory)" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "name", 'n', "NAME", "the scheme's name (default " RFS_DEFAULT_NAME
			       ")" },
	{ "socket", 'S', "PATH", "ringd's socket" },
	{ "size", 's', "SIZE", "cap the files' bytes (ENOSPC past it)" },
	{ "verbose", 'v', NULL, "report every request answered with an error" },
};
#define RFS_NOPTS (sizeof(rfs_opts) / sizeof(rfs_opts[0]))

static void
rfs_usage(FILE *out, bool full)
{
	opts_usage(out, full,
	    "usage: ramfs-scheme [-hv] [-d dir] [-n name] [-S socket] "
	    "[-s size]\n",
	    "A file system scheme serving the Redox file ring protocol "
	    "(ramfs-scheme(1)).",
	    rfs_opts, RFS_NOPTS);
}

int
main(int argc, char **argv)
{
	static struct rfs f;
	struct option longopts[RFS_NOPTS + 1];
	const char *sock = NULL, *dir = NULL;
	struct ring_ctl *ctl = NULL;
	struct epoll_event ev;
	sigset_t block, waitmask;
	char msg[128];
	int ch, rc, ep = -1, status = 1;

	f.name = RFS_DEFAULT_NAME;
	f.dirfd = -1;
	opts_longopts(rfs_opts, RFS_NOPTS, longopts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
		    OPTS_SHORTOPTS(rfs_opts, RFS_NOPTS, ":"), longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			rfs_usage(stdout, true);
			return 0;
		case 'n':
			if (optarg[0] == '\0' ||
			    strlen(optarg) >= RING_CTL_NAME_MAX) {
				fprintf(stderr,
				    "ramfs-scheme: bad scheme name '%s'\n",
				    optarg);
				return 2;
			}
			f.name = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 's':
			if (units_parse_size(optarg, &f.max_bytes) < 0 ||
			    f.max_bytes == 0) {
				fprintf(stderr,
				    "ramfs-scheme: bad size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v':
			f.verbose = true;
			break;
		default:
			fprintf(stderr, "ramfs-scheme: %s\n",
			    opts_error(ch, argv[optind - 1], msg, sizeof(msg)));
			rfs_usage(stderr, false);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ramfs-scheme: unexpected argument '%s'\n",
		    argv[optind]);
		rfs_usage(stderr, false);
		return 2;
	}
	if ((rc = rfs_open_dir(&f, dir)) < 0) {
		fprintf(stderr, "ramfs-scheme: cannot use directory '%s': %s\n",
		    f.dir, strerror(-rc));
		goto out;
	}

	/* signals only interrupt the wait, so none is lost between checks */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sig_catch_stop(rfs_on_signal);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = ring_ctl_connect(sock, NULL, &ctl)) < 0) {
		fprintf(stderr, "ramfs-scheme: cannot connect to ringd: %s\n",
		    strerror(-rc));
		status = 3;
		goto out;
	}
	(void)ring_ctl_set_reconnect(ctl, true);
	f.watch.up = true;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fprintf(stderr, "ramfs-scheme: epoll: %s\n", strerror(errno));
		goto out;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = RFS_EV_CTL };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring_ctl_fd(ctl), &ev) < 0) {
		fprintf(stderr, "ramfs-scheme: epoll: %s\n", strerror(errno));
		goto out;
	}
	rsv_init(&f.rsv, "ramfs-scheme", &rfs_proto, &f, ctl, ep);
	f.rsv.verbose = f.verbose;
	if ((rc = ring_ctl_register(ctl, f.name, NULL, 0)) < 0 ||
	    (rc = ring_ctl_scheme_set(ctl, f.name,
		 RING_CTL_SERVE_REDOX | RING_CTL_SERVE_ROOT, f.dirfd)) < 0) {
		fprintf(stderr, "ramfs-scheme: cannot register '%s': %s\n",
		    f.name, strerror(-rc));
		goto out;
	}
	fprintf(stderr, "ramfs-scheme: serving '%s': directory '%s'\n", f.name,
	    f.dir);
	status = rfs_loop(&f, &waitmask) < 0 ? 1 : 0;
	rsv_drop_all(&f.rsv, "scheme stopping");
	fprintf(stderr,
	    "ramfs-scheme: %" PRIu64 " requests on %" PRIu64 " rings, %" PRIu64
	    " errors\n",
	    f.rsv.requests, f.rsv.nrings, f.rsv.errors);
out:
	if (ctl != NULL)
		ring_ctl_close(ctl);
	if (ep >= 0)
		close(ep);
	if (f.dirfd >= 0)
		close(f.dirfd);
	if (f.made && (rc = rsv_rmtree(f.dir)) < 0)
		fprintf(stderr, "ramfs-scheme: cannot remove '%s': %s\n", f.dir,
		    strerror(-rc));
	return status;
}
