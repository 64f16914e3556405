/*
 * t-config-files.c - ringd.conf that is not a plain text file.  ringd
 * started with -c naming a FIFO, /dev/zero, a file with a NUL byte or a
 * file over the size cap exits 1 within a bound with a message naming the
 * file; never hangs in open() or reads forever.  At SIGHUP a config path
 * replaced by a FIFO (or /dev/zero) keeps the running configuration and
 * ringd keeps serving.  And the default physical memory quota with
 * phys_allow_users = yes: a non-root uid gets a quarter of each zone, so
 * it cannot take zone 32 whole with a persistent region.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define EXIT_MS 3000u /* a refused config: ringd gone within this */

static struct td d;

/* Write len bytes (NULs allowed) to path, replacing it. */
static void
write_bytes(const char *path, const void *buf, size_t len)
{
	int fd;

	TAP_SYS(
	    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (write(fd, buf, len) != (ssize_t)len)
		TAP_FAIL("write '%s': %s", path, tap_rcname(-errno));
	close(fd);
}

/* A fresh ringd directory, not started; path names file in it. */
static void
fresh_dir(char *path, size_t len, const char *file)
{
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	snprintf(path, len, "%s/%s", d.dir, file);
}

/*
 * Start ringd with -c path; it must exit 1 within EXIT_MS, its log
 * naming path and saying what (want), and leave no socket behind.
 */
static void
refused(const char *path, const char *want)
{
	const char *args[3] = { "-c", path, NULL };
	struct stat st;

	td_start_args(&d, NULL, TD_NO_WAIT, args);
	if (!td_wait_exit(&d, EXIT_MS)) {
		td_dump_log(&d, 10);
		td_kill(&d);
		TAP_FAIL("-c '%s': ringd still running after %u ms", path,
		    EXIT_MS);
	}
	if (!WIFEXITED(d.status) || WEXITSTATUS(d.status) != 1)
		TD_FAIL(&d, "-c '%s': ringd ended with status %#x, not exit 1",
		    path, d.status);
	if (!td_log_has(&d, path))
		TD_FAIL(&d, "-c '%s': the message does not name the file",
		    path);
	if (!td_log_has(&d, want))
		TD_FAIL(&d, "-c '%s': the message does not say '%s'", path,
		    want);
	if (lstat(d.sock, &st) == 0)
		TAP_FAIL("-c '%s': a socket was left at '%s'", path, d.sock);
	TAP_HERE();
}

/* A FIFO nobody writes: open() must not wait for a writer. */
TAP_TEST(test_fifo_at_start, "fifo-at-start", 30)
{
	char fifo[TD_PATH_MAX + 16];

	fresh_dir(fifo, sizeof(fifo), "fifo.conf");
	TAP_SYS(mkfifo(fifo, 0600));
	refused(fifo, "not a regular file");
	td_cleanup(&d);
}

/* /dev/zero: endless NUL bytes; a character device is refused as such. */
TAP_TEST(test_dev_zero_at_start, "dev-zero-at-start", 30)
{
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	refused("/dev/zero", "not a regular file");
	td_cleanup(&d);

	/* through a symbolic link too: the file is judged, not the name */
	{
		char link[TD_PATH_MAX + 16];

		fresh_dir(link, sizeof(link), "zero.conf");
		TAP_SYS(symlink("/dev/zero", link));
		refused(link, "not a regular file");
		td_cleanup(&d);
	}
}

/* A NUL byte is reported as what it is, with its line. */
TAP_TEST(test_nul_byte, "nul-byte", 30)
{
	static const char conf[] = "# a comment\nmax_clients = 10\n"
				   "max_\0entries = 64\n";
	char path[TD_PATH_MAX + 16], where[TD_PATH_MAX + 32];

	fresh_dir(path, sizeof(path), "nul.conf");
	write_bytes(path, conf, sizeof(conf) - 1);
	refused(path, "NUL byte in line 3");
	snprintf(where, sizeof(where), "%s:3", path);
	if (!td_log_has(&d, where))
		TD_FAIL(&d, "the message does not name '%s'", where);
	if (td_log_has(&d, "line too long"))
		TD_FAIL(&d, "a NUL byte reported as a long line");
	td_cleanup(&d);
}

/*
 * A regular file over the cap (1 MiB), even of comments alone, is
 * refused; one just under it is read.
 */
TAP_TEST(test_size_cap, "size-cap", 30)
{
	const size_t cap = 1u << 20;
	char path[TD_PATH_MAX + 16];
	char *big;
	size_t i;

	TAP_ASSERT((big = malloc(cap + 1)) != NULL);
	/* lines of 63 '#' and a newline */
	for (i = 0; i < cap + 1; i++)
		big[i] = (i % 64 == 63) ? '\n' : '#';
	fresh_dir(path, sizeof(path), "big.conf");
	write_bytes(path, big, cap + 1);
	refused(path, "larger than");
	td_cleanup(&d);

	/* at the cap: a file like any other */
	memset(&d, 0, sizeof(d));
	td_prepare(&d, NULL);
	write_bytes(d.conf, big, cap);
	td_start(&d, NULL, 0);
	td_finish(&d);
	free(big);
}

/* ringd still answers: a built-in ring carries a request. */
static void
assert_serving(void)
{
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP, .user_data = 7 };
	struct ring_cqe cqe;
	struct ring_ctl *c;

	td_assert_alive(&d);
	c = td_connect(&d);
	td_roundtrip_once(c, "null", 8, 0, &sqe, &cqe);
	TAP_EQ_U(cqe.user_data, 7);
	ring_ctl_close(c);
}

/*
 * SIGHUP, then wait up to 3 s for ringd to say mark once more; fail
 * otherwise (a reload stuck in open() or read() never says it).
 */
static void
hup_expect(const char *mark)
{
	td_sighup_expect(&d, mark, 3000);
}

/*
 * The config path becomes a FIFO, then a link to /dev/zero, between
 * SIGHUPs: each reload fails at once, ringd keeps max_rings_per_client 2
 * and serves; a good file afterwards is read again.
 */
TAP_TEST(test_sighup, "sighup-fifo", 60)
{
	const char *keep = "keeping the old configuration";
	struct ring_ctl *c;
	struct ring *r[3];
	unsigned i;

	td_begin(&d, "max_rings_per_client = 2\n");
	assert_serving();

	TAP_SYS(unlink(d.conf));
	TAP_SYS(mkfifo(d.conf, 0600));
	hup_expect(keep);
	if (!td_log_has(&d, "not a regular file"))
		TD_FAIL(&d, "the FIFO is not reported as such");
	assert_serving();

	TAP_SYS(unlink(d.conf));
	TAP_SYS(symlink("/dev/zero", d.conf));
	hup_expect(keep);
	assert_serving();

	/* the old limit still holds */
	c = td_connect(&d);
	for (i = 0; i < 2; i++)
		r[i] = td_open(c, "null", 8, 0, 0, NULL);
	TAP_RC(ring_ctl_open(c, "null",
		   &(struct ring_params){ .sq_entries = 8 }, &r[2], NULL),
	    -EMFILE);
	for (i = 0; i < 2; i++)
		ring_close(r[i]);
	ring_ctl_close(c);

	TAP_SYS(unlink(d.conf));
	td_write_conf(&d, "max_rings_per_client = 3\n");
	hup_expect("reloaded '");
	assert_serving();
	td_finish(&d);
}

/* --- the default physical memory quota ------------------------------ */

#define MB (1ull << 20)

static int
alloc_rc(struct ring_ctl *c, uint64_t size, uint32_t flags,
    uint32_t region_flags, uint64_t *base)
{
	uint64_t min = 1;

	return ring_physalloc3_region(c, size, flags, region_flags, &min, base,
	    NULL);
}

/*
 * As uid 65534 with the default zones (zone 32 1 GiB, zone 64 4 GiB) and
 * no phys_quota: zone 32 cannot be taken whole, nor more than a quarter
 * of it in pieces; zone 64 has a quarter of its own.
 */
static void
nobody_share(void)
{
	struct ring_ctl *c = td_connect(&d);
	uint64_t a, b, got, min;

	/* all of zone 32 in one persistent region: over the quota */
	TAP_RC(alloc_rc(c, 1024 * MB, RING_PHYS_SPACE_32, RING_PHYS_PERSIST,
		   &a),
	    -EDQUOT);
	/* a quarter of it, persistent: fine; not a page more */
	TAP_RC(alloc_rc(c, 256 * MB, RING_PHYS_SPACE_32, RING_PHYS_PERSIST, &a),
	    0);
	TAP_RC(alloc_rc(c, 4096, RING_PHYS_SPACE_32, 0, &b), -EDQUOT);
	/* a partial request gets nothing in zone 32 either */
	min = 4096;
	TAP_RC(ring_physalloc3(c, 64 * MB,
		   RING_PHYS_SPACE_32 | RING_PHYS_PARTIAL_ALLOC |
		       RING_PHYS_GREEDY,
		   &min, &b),
	    -EDQUOT);
	/* zone 64 is a share of its own: a quarter of 4 GiB */
	TAP_RC(alloc_rc(c, 1024 * MB, 0, 0, &b), 0);
	TAP_ASSERT(b >= RING_PHYS_4G);
	min = 4096;
	TAP_RC(ring_physalloc3(c, 64 * MB,
		   RING_PHYS_PARTIAL_ALLOC | RING_PHYS_GREEDY, &min, &got),
	    -EDQUOT);
	TAP_RC(ring_physfree(c, b, 1024 * MB), 0);
	/* freeing gives the share back */
	TAP_RC(ring_physfree(c, a, 256 * MB), 0);
	TAP_RC(alloc_rc(c, 256 * MB, RING_PHYS_SPACE_32, 0, &a), 0);
	TAP_RC(ring_physfree(c, a, 256 * MB), 0);
	ring_ctl_close(c);
}

TAP_TEST(test_phys_default_quota, "phys-default-quota", 30)
{
	struct ring_ctl *c;
	uint64_t base;
	pid_t pid;

	td_begin(&d, "phys_allow_users = yes\n");
	pid = tap_fork();
	if (pid == 0) {
		td_become_nobody();
		nobody_share();
		tap_child_exit();
	}
	tap_reap(pid);
	/* root is held to no share: the whole of zone 32 */
	c = td_connect(&d);
	TAP_RC(alloc_rc(c, 1024 * MB, RING_PHYS_SPACE_32, 0, &base), 0);
	TAP_RC(ring_physfree(c, base, 1024 * MB), 0);
	td_end(&d, c);

	/* an explicit phys_quota is a total over both zones, as before */
	td_begin(&d, "phys_allow_users = yes\nphys_quota = 512M\n");
	pid = tap_fork();
	if (pid == 0) {
		td_become_nobody();
		c = td_connect(&d);
		TAP_RC(alloc_rc(c, 512 * MB, RING_PHYS_SPACE_32, 0, &base), 0);
		TAP_RC(alloc_rc(c, 4096, 0, 0, &base), -EDQUOT);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tap_reap(pid);
	td_finish(&d);
}

TAP_MAIN(td_setup)
