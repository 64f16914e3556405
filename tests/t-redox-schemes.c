/*
 * t-redox-schemes.c - the schemes of relibc's redox_ring protocols
 * (examples/blkdev-scheme's disk protocol, examples/ramfs-scheme's file
 * protocol) against a private ringd, driven by examples/redox-io and by
 * this program through <redox/ring.h>.
 *
 * Covered: data written then read back and checked through both schemes
 * in chunk and sized pool modes; the file table takes only the scheme's
 * own files (EXDEV for another file, EBADF for a pipe); bad requests
 * (file index, opcode, buffer outside the pool, a length that is no
 * whole block, blocks past the disk) each get an error CQE, upstream's
 * errno, and the ring goes on; a consumer that stops reading its full CQ
 * holds up nobody else and loses no completion; a scheme killed
 * mid-stream makes its client fail, not hang; a consumer killed
 * mid-stream is dropped and the scheme serves the next one; both
 * schemes remove their private directories when stopped, and when
 * killed.
 *
 * No root and no ringctl exec: the programs take the scheme's real
 * directory for the file and the scheme's name for the ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <redox/ring-scheme.h>
#include <redox/ring.h>

#include "lib/daemon.h"
#include "lib/proc.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define RS_WAIT_MS 30000u /* a program must end within this */
#define RS_DISK "disk.t"
#define RS_FS "logging"

static struct td d;

/* --- the schemes ------------------------------------------------------ */

/*
 * Wait up to 5 s until the scheme's log says "<what> '<path>'" and copy
 * the path (the directory it made) into dir.
 */
static void
rs_log_path(struct tp_proc *p, const char *what, char *dir, size_t len)
{
	uint64_t t0 = clock_ns();
	const char *s, *e;
	size_t n;

	for (;;) {
		s = strstr(tp_log(p), what);
		if (s != NULL && (e = strchr(s + strlen(what), '\'')) != NULL)
			break;
		if (waitpid(p->pid, NULL, WNOHANG) != 0 ||
		    clock_ns() - t0 > 5000000000ull) {
			tp_dump(p);
			TAP_FAIL("the scheme did not say '%s'", what);
		}
		tu_sleep_ms(5);
	}
	s += strlen(what);
	n = (size_t)(e - s);
	TAP_ASSERT(n < len);
	memcpy(dir, s, n);
	dir[n] = '\0';
}

/* Start blkdev-scheme as RS_DISK (16 MiB); its namespace into dir. */
static void
rs_disk(struct tp_proc *p, char *dir, size_t len)
{
	setenv("XDG_RUNTIME_DIR", d.dir, 1);
	tp_start_build(p, &d, "disk", "examples/blkdev-scheme", "-v", "-n",
	    RS_DISK, "-s", "16M", (char *)NULL);
	rs_log_path(p, "namespace '", dir, len);
}

/* Start ramfs-scheme as RS_FS; its directory into dir. */
static void
rs_fs(struct tp_proc *p, char *dir, size_t len, const char *max)
{
	setenv("XDG_RUNTIME_DIR", d.dir, 1);
	if (max != NULL)
		tp_start_build(p, &d, "fs", "examples/ramfs-scheme", "-v",
		    "-n", RS_FS, "-s", max, (char *)NULL);
	else
		tp_start_build(p, &d, "fs", "examples/ramfs-scheme", "-v",
		    "-n", RS_FS, (char *)NULL);
	rs_log_path(p, "directory '", dir, len);
}

/* SIGTERM: exit 0, and the private directory is gone. */
static void
rs_stop(struct tp_proc *p, const char *dir)
{
	struct stat st;

	kill(p->pid, SIGTERM);
	tp_expect(p, RS_WAIT_MS, 0);
	if (stat(dir, &st) == 0)
		TAP_FAIL("'%s' is still there after the scheme stopped", dir);
}

/* Wait up to 10 s until p's log holds s. */
static void
rs_await_log(struct tp_proc *p, const char *s)
{
	uint64_t t0 = clock_ns();

	while (strstr(tp_log(p), s) == NULL) {
		if (clock_ns() - t0 > 10000000000ull) {
			tp_dump(p);
			TAP_FAIL("no '%s' in the log", s);
		}
		tu_sleep_ms(5);
	}
}

/* Run redox-io with the arguments (NULL-ended) to exit status want. */
#define rs_io(want, ...) rs_io_at((want), __VA_ARGS__, (char *)NULL)
static void
rs_io_at(int want, const char *tag, ...)
{
	const char *argv[24];
	char bin[PATH_MAX], log[TD_PATH_MAX];
	struct tp_proc p;
	va_list ap;
	int n = 0;

	td_build_bin(NULL, "examples/redox-io", bin, sizeof(bin));
	argv[n++] = "redox-io";
	argv[n++] = "-S";
	argv[n++] = d.sock;
	va_start(ap, tag);
	while (n < 23 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/%s.log", d.dir, tag);
	tp_spawn(&p, log, bin, argv);
	tp_expect(&p, RS_WAIT_MS, want);
	if (want == 0)
		tp_says(&p, "verified");
}

/* --- a consumer in this process -------------------------------------- */

struct rs_ring {
	struct redox_ring *r;
	uint8_t *buf; /* one pool buffer */
	int off;      /* its offset */
	int fd;	      /* the file in the table */
};

/* A ring of 8 entries to scheme with a 64 KiB pool of 4 KiB chunks. */
static void
rs_ring(struct rs_ring *x, const char *scheme)
{
	setenv("RINGD_SOCKET", d.sock, 1);
	x->r = calloc(1, redox_ring_sizeof());
	TAP_ASSERT(x->r != NULL);
	TAP_RC(redox_ring_queue_init_with_path(8, 32, 16, 65536, 4096, 0,
		   x->r, 0, scheme),
	    0);
	x->off = redox_ring_alloc_buf(x->r, &x->buf);
	TAP_EQ(x->off, 0);
	x->fd = -1;
}

static void
rs_ring_end(struct rs_ring *x)
{
	redox_ring_queue_exit(x->r);
	free(x->r);
	if (x->fd >= 0)
		close(x->fd);
}

/* Give the ring the file path (opened, created for the file scheme). */
static int
rs_files(struct rs_ring *x, const char *path)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = open(path, O_RDWR | O_CREAT, 0600);
	TAP_SYS(x->fd);
	return redox_ring_register_files(x->r, &x->fd, 1);
}

/* Submit one 32-byte SQE and wait for its 16-byte CQE. */
static void
rs_rt(struct rs_ring *x, const void *sqe, void *cqe)
{
	void *s = redox_ring_get_sqe(x->r);

	TAP_ASSERT(s != NULL);
	memcpy(s, sqe, 32);
	TAP_EQ(redox_ring_submit(x->r), 1);
	TAP_EQ(redox_ring_wait_cqe(x->r, cqe), 0);
	redox_ring_cqe_seen(x->r);
}

/* A disk request's status (0, or the errno) and count. */
static unsigned
rs_disk_rq(struct rs_ring *x, uint8_t op, uint32_t idx, uint64_t block,
    uint32_t off, uint32_t len, uint32_t *count)
{
	struct redox_disk_sqe q = { .opcode = op, .file_idx = idx,
		.block = block, .buf_offset = off, .buf_len = len,
		.user_data = 0x1234567800ull + block };
	struct redox_disk_cqe c;

	rs_rt(x, &q, &c);
	TAP_EQ_U(c.user_data, q.user_data);
	*count = c.count;
	return c.status;
}

/* A file request's res (bytes or a positive errno). */
static int
rs_fs_rq(struct rs_ring *x, uint8_t op, uint32_t idx, uint64_t at,
    uint32_t off, uint32_t len)
{
	struct redox_fs_sqe q = { .opcode = op, .file_idx = idx, .off = at,
		.buf_offset = off, .buf_len = len, .user_data = 77 + at };
	struct redox_fs_cqe c;

	rs_rt(x, &q, &c);
	TAP_EQ_U(c.user_data, q.user_data);
	return c.res;
}

/* --- data through both schemes --------------------------------------- */

TAP_TEST(t_verify, "redox-io write then read-verify, both schemes", 60)
{
	char disk[PATH_MAX], fs[PATH_MAX], path[PATH_MAX + 16];
	struct tp_proc s1, s2;

	td_begin(&d, NULL);
	rs_disk(&s1, disk, sizeof(disk));
	rs_fs(&s2, fs, sizeof(fs), NULL);
	snprintf(path, sizeof(path), "%s/1", disk);
	rs_io(0, "io-disk", "-n", "1024", "-r", RS_DISK, path);
	rs_io(0, "io-disk-sized", "-z", "-n", "512", "-b", "8K", "-o", "4M",
	    "-r", RS_DISK, path);
	snprintf(path, sizeof(path), "%s/data", fs);
	rs_io(0, "io-fs", "-n", "1024", "-r", RS_FS, path);
	rs_io(0, "io-fs-sized", "-z", "-n", "300", "-b", "5000", "-q", "3",
	    "-r", RS_FS, path);
	/* the data went to the files themselves */
	{
		struct stat st;

		TAP_SYS(stat(path, &st));
		TAP_EQ(st.st_size, 1024 * 4096);
	}
	rs_stop(&s1, disk);
	rs_stop(&s2, fs);
	td_finish(&d);
}

/*
 * redox-io built as a Redox program would be outside the suite: relibc's
 * test flags and the build tree's pkg-config file (PKG_CONFIG_PATH=
 * BUILD/pkgconfig, which also makes it run from the tree), then run.
 */
TAP_TEST(t_compile, "redox-io built with relibc's flags and pkg-config", 60)
{
	char src[PATH_MAX], build[PATH_MAX], disk[PATH_MAX], cmd[5 * PATH_MAX];
	const char *env = getenv("RING_SRCDIR");
	struct tp_proc s;
	char *slash;
	int rc;

	/* BUILD/examples/redox-io -> BUILD */
	td_build_bin(NULL, "examples/redox-io", build, sizeof(build));
	*strrchr(build, '/') = '\0';
	slash = strrchr(build, '/');
	TAP_ASSERT(slash != NULL);
	*slash = '\0';
	if (env != NULL && env[0] != '\0')
		rc = snprintf(src, sizeof(src), "%s/examples/redox-io.c", env);
	else if (access("examples/redox-io.c", R_OK) == 0)
		rc = realpath("examples/redox-io.c", src) != NULL ? 0 : -1;
	else
		rc = snprintf(src, sizeof(src), "%s/../examples/redox-io.c",
		    build);
	if (rc < 0 || (size_t)rc >= sizeof(src) || access(src, R_OK) < 0)
		TAP_FAIL("no '%s' (set RING_SRCDIR)", src);

	td_begin(&d, NULL);
	rs_disk(&s, disk, sizeof(disk));
	rc = snprintf(cmd, sizeof(cmd),
	    "cd '%s' && PKG_CONFIG_PATH='%s/pkgconfig' && "
	    "export PKG_CONFIG_PATH && ${CC:-cc} -fno-builtin "
	    "-fno-stack-protector -Wall -Wextra -Werror "
	    "-Wno-deprecated-declarations -pedantic -g "
	    "-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 "
	    "-D_GNU_SOURCE " TU_CC_SAN "-o rio '%s' $(pkg-config --cflags --libs "
	    "redox-ring) > cc.log 2>&1 && env -u LD_LIBRARY_PATH ./rio -S '%s' "
	    "-n 256 -r " RS_DISK " '%s/1' > rio.log 2>&1 && "
	    "grep -q verified rio.log",
	    d.dir, build, src, d.sock, disk);
	TAP_ASSERT(rc > 0 && (size_t)rc < sizeof(cmd));
	if ((rc = system(cmd)) != 0) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' '%s/cc.log' "
		    "'%s/rio.log' 2>/dev/null", d.dir, d.dir);
		(void)system(cmd);
		TAP_FAIL("build or run failed: status %#x", rc);
	}
	rs_stop(&s, disk);
	td_finish(&d);
}

/*
 * Through ringctl exec, as a Redox program runs: its own paths under
 * /scheme/<name> reach the schemes' directories.
 */
static void
rs_exec_io(const char *tag, const char *path, const char *extra)
{
	char ringctl[PATH_MAX], io[PATH_MAX], log[TD_PATH_MAX];
	struct tp_proc p;

	td_build_bin(NULL, "ringctl/ringctl", ringctl, sizeof(ringctl));
	td_build_bin(NULL, "examples/redox-io", io, sizeof(io));
	snprintf(log, sizeof(log), "%s/%s.log", d.dir, tag);
	tp_spawn(&p, log, ringctl,
	    (const char *[]){ "ringctl", "-S", d.sock, "exec", "--", io,
		"-n", "256", extra, path, NULL });
	tp_expect(&p, RS_WAIT_MS, 0);
	tp_says(&p, "verified");
}

TAP_TEST_ROOT(t_exec, "ringctl exec: /scheme paths reach both schemes", 60,
    "ringctl exec mounts /scheme in a mount namespace")
{
	char disk[PATH_MAX], fs[PATH_MAX];
	struct tp_proc s1, s2;

	td_begin(&d, NULL);
	rs_disk(&s1, disk, sizeof(disk));
	rs_fs(&s2, fs, sizeof(fs), NULL);
	rs_exec_io("exec-disk", "/scheme/" RS_DISK "/1", "-q16");
	rs_exec_io("exec-fs", "/scheme/" RS_FS "/data", "-z");
	{
		char path[PATH_MAX + 16];
		struct stat st;

		/* the program's file is the scheme's */
		snprintf(path, sizeof(path), "%s/data", fs);
		TAP_SYS(stat(path, &st));
		TAP_EQ(st.st_size, 256 * 4096);
	}
	rs_stop(&s1, disk);
	rs_stop(&s2, fs);
	td_finish(&d);
}

/* --- the file table --------------------------------------------------- */

TAP_TEST(t_files, "file table: the scheme's own files only", 30)
{
	char disk[PATH_MAX], fs[PATH_MAX], path[PATH_MAX + 16];
	struct tp_proc s1, s2;
	struct rs_ring x;
	int pfd[2];

	td_begin(&d, NULL);
	rs_disk(&s1, disk, sizeof(disk));
	rs_fs(&s2, fs, sizeof(fs), NULL);
	snprintf(path, sizeof(path), "%s/other", d.dir);

	rs_ring(&x, RS_DISK);
	TAP_RC(rs_files(&x, path), -EXDEV);
	TAP_SYS(pipe(pfd));
	TAP_RC(redox_ring_register_files(x.r, pfd, 1), -EBADF);
	snprintf(path, sizeof(path), "%s/1", disk);
	TAP_RC(rs_files(&x, path), 0);
	rs_ring_end(&x);

	rs_ring(&x, "/scheme/" RS_FS);
	snprintf(path, sizeof(path), "%s/other", d.dir);
	TAP_RC(rs_files(&x, path), -EXDEV);
	TAP_RC(redox_ring_register_files(x.r, pfd, 1), -EBADF);
	snprintf(path, sizeof(path), "%s/mine", fs);
	TAP_RC(rs_files(&x, path), 0);
	rs_ring_end(&x);
	close(pfd[0]);
	close(pfd[1]);

	rs_stop(&s1, disk);
	rs_stop(&s2, fs);
	td_finish(&d);
}

/* --- bad requests ----------------------------------------------------- */

TAP_TEST(t_bad_disk, "disk: bad requests get error CQEs", 30)
{
	char disk[PATH_MAX], path[PATH_MAX + 16];
	struct tp_proc s;
	struct rs_ring x;
	uint32_t n;

	td_begin(&d, NULL);
	rs_disk(&s, disk, sizeof(disk));
	rs_ring(&x, RS_DISK);
	/* no file table yet */
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 0, 0, 0, 512, &n), EBADF);
	snprintf(path, sizeof(path), "%s/1", disk);
	TAP_RC(rs_files(&x, path), 0);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 1, 0, 0, 512, &n), EBADF);
	TAP_EQ(rs_disk_rq(&x, 7, 0, 0, 0, 512, &n), EOPNOTSUPP);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 0, 0, 65536 - 256, 512, &n),
	    EFAULT);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_WRITE, 0, 0, UINT32_MAX, 512, &n),
	    EFAULT);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_WRITE, 0, 0, 0, 100, &n), EINVAL);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 0, 32767, 0, 1024, &n),
	    EOVERFLOW);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 0, UINT64_MAX, 0, 512, &n),
	    EOVERFLOW);
	TAP_EQ(n, 0);
	/* the ring goes on */
	memset(x.buf, 0x5a, 4096);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_WRITE, 0, 32760, 0, 4096, &n), 0);
	TAP_EQ(n, 4096);
	memset(x.buf, 0, 4096);
	TAP_EQ(rs_disk_rq(&x, REDOX_OP_READ, 0, 32767, 0, 512, &n), 0);
	TAP_EQ(n, 512);
	TAP_EQ(x.buf[511], 0x5a);
	rs_ring_end(&x);
	rs_stop(&s, disk);
	td_finish(&d);
}

TAP_TEST(t_bad_fs, "file: bad requests get upstream's errnos, -s caps", 30)
{
	char fs[PATH_MAX], path[PATH_MAX + 16];
	struct tp_proc s;
	struct rs_ring x;

	td_begin(&d, NULL);
	rs_fs(&s, fs, sizeof(fs), "64K");
	rs_ring(&x, RS_FS);
	snprintf(path, sizeof(path), "%s/f", fs);
	TAP_RC(rs_files(&x, path), 0);
	TAP_EQ(rs_fs_rq(&x, 9, 0, 0, 0, 16), EINVAL);
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_WRITE, 0, 0, 65000, 4096), EACCES);
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_READ, 3, 0, 0, 16), EBADFD);
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_WRITE, 0, (uint64_t)1 << 63, 0, 16),
	    EFBIG);
	/* 64 KiB cap: 16 writes of 4 KiB fit, the next does not */
	memset(x.buf, 'x', 4096);
	for (int i = 0; i < 16; i++)
		TAP_EQ(rs_fs_rq(&x, REDOX_OP_WRITE, 0, (uint64_t)i * 4096, 0,
			   4096),
		    4096);
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_WRITE, 0, 65536, 0, 1), ENOSPC);
	/* rewriting costs nothing; a read at the end is short */
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_WRITE, 0, 0, 0, 4096), 4096);
	TAP_EQ(rs_fs_rq(&x, REDOX_OP_READ, 0, 65536 - 10, 0, 4096), 10);
	rs_ring_end(&x);
	/* a v1 ring is no protocol of ramfs-scheme's: refused at once */
	{
		struct ring_params p = { .sq_entries = 8, .cq_entries = 8 };
		struct ring_ctl *c = td_connect(&d);
		struct ring *r = NULL;

		TAP_RC(ring_ctl_open(c, RS_FS, &p, &r, NULL), -EOPNOTSUPP);
		ring_ctl_close(c);
	}
	rs_stop(&s, fs);
	td_finish(&d);
}

/* --- a full CQ -------------------------------------------------------- */

/* Take an SQE, waiting (up to 5 s) while the scheme has not popped. */
static void *
rs_sqe_wait(struct rs_ring *x)
{
	uint64_t t0 = clock_ns();
	void *s;

	while ((s = redox_ring_get_sqe(x->r)) == NULL) {
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("the SQ stayed full");
		tu_sleep_ms(1);
	}
	return s;
}

TAP_TEST(t_full_cq, "a full CQ holds up only its own ring", 30)
{
	struct redox_fs_sqe q = { .opcode = REDOX_OP_READ, .buf_len = 16 };
	char fs[PATH_MAX], path[PATH_MAX + 16];
	struct redox_fs_cqe c;
	struct rs_ring a, b;
	struct tp_proc s;
	uint64_t seen = 0;
	int i;

	td_begin(&d, NULL);
	rs_fs(&s, fs, sizeof(fs), NULL);
	snprintf(path, sizeof(path), "%s/f", fs);
	rs_ring(&a, RS_FS);
	TAP_RC(rs_files(&a, path), 0);
	TAP_EQ(rs_fs_rq(&a, REDOX_OP_WRITE, 0, 0, 0, 16), 16);
	/* SQ 8, CQ 16: 24 requests, none reaped, fill the CQ and the SQ */
	for (i = 0; i < 24; i++) {
		q.user_data = (uint64_t)i;
		memcpy(rs_sqe_wait(&a), &q, sizeof(q));
		TAP_EQ(redox_ring_submit(a.r), 1);
	}
	/* another ring of the scheme is served meanwhile */
	rs_ring(&b, RS_FS);
	TAP_RC(rs_files(&b, path), 0);
	TAP_EQ(rs_fs_rq(&b, REDOX_OP_WRITE, 0, 0, 0, 100), 100);
	TAP_EQ(rs_fs_rq(&b, REDOX_OP_READ, 0, 0, 0, 100), 100);
	rs_ring_end(&b);
	/* every request of the first is answered once, in order */
	for (i = 0; i < 24; i++) {
		TAP_EQ(redox_ring_wait_cqe(a.r, &c), 0);
		TAP_EQ_U(c.user_data, (uint64_t)i);
		TAP_EQ(c.res, 16);
		redox_ring_cqe_seen(a.r);
		seen++;
	}
	TAP_EQ_U(seen, 24);
	rs_ring_end(&a);
	rs_stop(&s, fs);
	td_finish(&d);
}

/* --- a hostile consumer ---------------------------------------------- */

/*
 * A ring to RS_FS set up by hand (libring's calls, not <redox/ring.h>),
 * its queues mapped as the consumer maps them, the file table given:
 * free to write what the library never would.
 */
struct rs_raw {
	struct ring_ctl *c;
	uint64_t id;
	struct ring_ctl_redox_fds fds;
	struct redox_queue sq, cq;
};

static void
rs_raw(struct rs_raw *x, const char *file)
{
	struct ring_ctl_redox_params p = { .sq_entries = 4, .pool_size = 4096,
		.sqe_size = 32, .cqe_size = 16 };
	int fd;

	x->c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(x->c, RS_FS, &p, &x->id, &x->fds), 0);
	TAP_RC(redox_queue_map(&x->sq, x->fds.sq, 32, REDOX_QUEUE_PUSH), 0);
	TAP_RC(redox_queue_map(&x->cq, x->fds.cq, 16, REDOX_QUEUE_POP), 0);
	TAP_SYS(fd = open(file, O_RDWR | O_CREAT, 0600));
	TAP_EQ(ring_ctl_redox_files(x->c, x->id, &fd, 1), 1);
	close(fd);
}

/* Publish a read SQE through the queue and ring the doorbell. */
static void
rs_raw_submit(struct rs_raw *x)
{
	struct redox_fs_sqe q = { .opcode = REDOX_OP_READ, .buf_len = 8,
		.user_data = 5 };

	TAP_RC(redox_queue_push(&x->sq, &q), 0);
	TAP_EQ(send(x->fds.doorbell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL), 1);
}

static void
rs_raw_end(struct rs_raw *x)
{
	redox_queue_unmap(&x->sq);
	redox_queue_unmap(&x->cq);
	close(x->fds.sq);
	close(x->fds.cq);
	close(x->fds.doorbell);
	close(x->fds.pool);
	(void)ring_ctl_close_ring(x->c, x->id);
	ring_ctl_close(x->c);
}

TAP_TEST(t_hostile, "garbage indices drop that ring only", 30)
{
	char fs[PATH_MAX], path[PATH_MAX + 16];
	struct redox_fs_cqe c;
	struct tp_proc s;
	struct rs_ring ok;
	struct rs_raw x;

	td_begin(&d, NULL);
	rs_fs(&s, fs, sizeof(fs), NULL);
	snprintf(path, sizeof(path), "%s/f", fs);

	/* an honest request first: the raw ring works */
	rs_raw(&x, path);
	rs_raw_submit(&x);
	TAP_RC(redox_queue_wait_pop(&x.cq, 5000), 0);
	TAP_RC(redox_queue_pop(&x.cq, &c), 0);
	TAP_EQ_U(c.user_data, 5);
	TAP_EQ(c.res, 0);
	/* an SQ tail far past its head */
	__atomic_store_n(x.sq.tail, 1000u, __ATOMIC_RELEASE);
	TAP_EQ(send(x.fds.doorbell, "", 1, MSG_NOSIGNAL), 1);
	rs_await_log(&s, "closed (broken queue)");
	rs_raw_end(&x);

	/* a CQ head ahead of the scheme's tail */
	rs_raw(&x, path);
	__atomic_store_n(x.cq.head, 77u, __ATOMIC_RELEASE);
	rs_raw_submit(&x);
	{
		uint64_t t0 = clock_ns();
		const char *l;

		/* the second ring's end, said the same way */
		while ((l = strstr(tp_log(&s), "closed (broken queue)")) ==
			   NULL ||
		    strstr(l + 1, "closed (broken queue)") == NULL) {
			if (clock_ns() - t0 > 10000000000ull) {
				tp_dump(&s);
				TAP_FAIL("the second broken ring was kept");
			}
			tu_sleep_ms(5);
		}
	}
	rs_raw_end(&x);

	/* the scheme serves on */
	rs_ring(&ok, RS_FS);
	TAP_RC(rs_files(&ok, path), 0);
	TAP_EQ(rs_fs_rq(&ok, REDOX_OP_WRITE, 0, 0, 0, 64), 64);
	rs_ring_end(&ok);
	rs_stop(&s, fs);
	td_finish(&d);
}

/* --- deaths ----------------------------------------------------------- */

/* Wait up to 10 s until path is larger than size. */
static void
rs_await_size(const char *path, off_t size)
{
	uint64_t t0 = clock_ns();
	struct stat st;

	while (stat(path, &st) < 0 || st.st_size <= size) {
		if (clock_ns() - t0 > 10000000000ull)
			TAP_FAIL("'%s' did not grow past %lld bytes", path,
			    (long long)size);
		tu_sleep_ms(2);
	}
}

TAP_TEST(t_scheme_killed, "a scheme killed mid-stream: the client fails", 30)
{
	char fs[PATH_MAX], path[PATH_MAX + 16], bin[PATH_MAX],
	    log[TD_PATH_MAX];
	struct tp_proc s, io;

	td_begin(&d, NULL);
	rs_fs(&s, fs, sizeof(fs), NULL);
	snprintf(path, sizeof(path), "%s/big", fs);
	td_build_bin(NULL, "examples/redox-io", bin, sizeof(bin));
	snprintf(log, sizeof(log), "%s/io.log", d.dir);
	tp_spawn(&io, log, bin,
	    (const char *[]){ "redox-io", "-S", d.sock, "-n", "50000", "-r",
		RS_FS, path, NULL });
	rs_await_size(path, 256 << 10);
	kill(s.pid, SIGKILL);
	tp_reap(&s, 5000);
	tp_expect(&io, 10000, 1);
	/* its directory goes with it all the same */
	{
		uint64_t t0 = clock_ns();
		struct stat st;

		while (stat(fs, &st) == 0) {
			if (clock_ns() - t0 > 5000000000ull)
				TAP_FAIL("'%s' outlived its killed scheme", fs);
			tu_sleep_ms(5);
		}
	}
	td_finish(&d);
}

TAP_TEST(t_consumer_killed, "a consumer killed mid-stream is dropped", 30)
{
	char disk[PATH_MAX], path[PATH_MAX + 16], bin[PATH_MAX],
	    log[TD_PATH_MAX];
	struct tp_proc s, io;

	td_begin(&d, NULL);
	rs_disk(&s, disk, sizeof(disk));
	snprintf(path, sizeof(path), "%s/1", disk);
	td_build_bin(NULL, "examples/redox-io", bin, sizeof(bin));
	snprintf(log, sizeof(log), "%s/io.log", d.dir);
	tp_spawn(&io, log, bin,
	    (const char *[]){ "redox-io", "-S", d.sock, "-n", "30000", "-b",
		"512", "-r", RS_DISK, path, NULL });
	rs_await_log(&s, "file table: taken");
	kill(io.pid, SIGKILL);
	tp_reap(&io, 5000);
	rs_await_log(&s, "closed (consumer");
	/* the next one is served */
	rs_io(0, "io-next", "-n", "256", "-r", RS_DISK, path);
	rs_stop(&s, disk);
	td_finish(&d);
}

TAP_MAIN(td_setup)
