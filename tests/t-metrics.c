/*
 * t-metrics.c - "ringctl metrics" against a private ringd: the exposition
 * parsed by the Prometheus client library (tests/metrics-check.py) and
 * its figures checked against "ringctl -j"; promtool's lint; -o FILE
 * replaced atomically with ringd up and down; the --listen HTTP endpoint
 * scraped by curl, across a ringd kill and restart; the pending-age
 * gauges of a ring whose producer stopped taking; hostile HTTP clients
 * (garbage, huge headers, slowloris, half-closed sockets, clients that do
 * not read); and a real Prometheus server scraping the endpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

#define EXPECT_HAS(hay, needle) \
	do { \
		if (strstr((hay), (needle)) == NULL) \
			TAP_FAIL("'%s' missing from: %.600s", (needle), \
			    (hay)); \
	} while (0)

static const char *
mt_srcdir(void)
{
	return getenv("RING_SRCDIR") != NULL ? getenv("RING_SRCDIR") : ".";
}

static bool
mt_have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Write s to d.dir/name; the path into path. */
static void
mt_save(const char *name, const char *s, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", d.dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(s, f) < 0 || fclose(f) != 0)
		TAP_FAIL("cannot write '%s'", path);
}

/* Run a shell command line; fail with its output unless it exits 0. */
static void
mt_sh_ok(const char *what, const char *cmd)
{
	char out[256], full[2048], buf[4096];

	snprintf(out, sizeof(out), "%s/sh.out", d.dir);
	snprintf(full, sizeof(full), "%s >%s 2>&1", cmd, out);
	if (system(full) != 0) {
		tr_slurp(out, buf, sizeof(buf));
		TAP_FAIL("%s failed: %s", what, buf);
	}
}

/* The exposition in file mpath checked against ringctl -j. */
static void
mt_check_up(const char *mpath)
{
	char st[256], rings[256], schemes[256], cmd[1536];

	CTL("-j", "status");
	mt_save("status.json", r.out, st, sizeof(st));
	CTL_OK("-j", "rings");
	mt_save("rings.json", r.out, rings, sizeof(rings));
	CTL_OK("-j", "schemes");
	mt_save("schemes.json", r.out, schemes, sizeof(schemes));
	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 %s/tests/metrics-check.py %s %s %s %s",
	    mt_srcdir(), mpath, st, rings, schemes);
	mt_sh_ok("metrics-check.py", cmd);
}

static void
mt_check_down(const char *mpath)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 %s/tests/metrics-check.py --down %s", mt_srcdir(),
	    mpath);
	mt_sh_ok("metrics-check.py --down", cmd);
}

static void
mt_promtool(const char *mpath)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", mpath);
	mt_sh_ok("promtool check metrics", cmd);
}

/* --- one-shot ------------------------------------------------------------ */

TAP_TEST(test_oneshot, "metrics-oneshot", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP, .user_data = 7 };
	struct ring_cqe cqe;
	uint64_t id, base, min = 1 << 20;
	char path[256];
	int i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "echo", 16, 0, 0, &id);
	for (i = 0; i < 5; i++)
		td_roundtrip(ring, &sqe, &cqe);
	TAP_ASSERT(
	    ring_physalloc3(c, 3 << 20, RING_PHYS_SPACE_32, &min, &base) == 0);
	CTL_OK("metrics");
	EXPECT_HAS(r.out,
	    "\nringd_phys_zone_used_bytes{zone=\"32\"} 3145728\n");
	EXPECT_HAS(r.out, "\nringd_phys_zone_regions{zone=\"32\"} 1\n");
	EXPECT_HAS(r.out, "ringd_ring_taken_total{ring=\"");
	/* a one-shot run has no earlier scrape: no pending ages */
	TAP_ASSERT(strstr(r.out, "pending_age") == NULL);
	mt_save("m.prom", r.out, path, sizeof(path));
	mt_check_up(path);
	mt_promtool(path);
	TAP_ASSERT(ring_physfree(c, base, 3 << 20) == 0);
	RINGD_DOWN(c, ring, id);
	/* ringd gone: a whole exposition still, and status 3 */
	CTL("metrics");
	EXPECT_STATUS(3);
	EXPECT_HAS(r.err, "cannot connect to ringd");
	mt_save("down.prom", r.out, path, sizeof(path));
	mt_check_down(path);
	mt_promtool(path);
	td_cleanup(&d);
}

/* --- -o FILE --------------------------------------------------------------- */

static ino_t
mt_inode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		TAP_FAIL("no '%s': %s", path, strerror(errno));
	return sb.st_ino;
}

TAP_TEST(test_output_file, "metrics-output-file", 60)
{
	char prom[256], tmp[300], buf[65536];
	struct stat sb;
	ino_t ino;

	td_begin(&d, NULL);
	snprintf(prom, sizeof(prom), "%s/ringd.prom", d.dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", prom);
	CTL_OK("metrics", "-o", prom);
	TAP_ASSERT(r.out[0] == '\0');
	TAP_ASSERT(td_read_file(prom, buf, sizeof(buf)) > 0);
	EXPECT_HAS(buf, "\nringd_up 1\n");
	TAP_ASSERT(stat(tmp, &sb) < 0 && errno == ENOENT);
	TAP_ASSERT(stat(prom, &sb) == 0 && (sb.st_mode & 0444) == 0444);
	mt_check_up(prom);
	ino = mt_inode(prom);
	/* again, with --output=: a new file took the old one's name */
	CTL_OK("metrics", "--output", prom);
	TAP_ASSERT(mt_inode(prom) != ino);
	td_stop(&d);
	/* ringd down: the file says so, and the status too */
	ino = mt_inode(prom);
	CTL("metrics", "-o", prom);
	EXPECT_STATUS(3);
	TAP_ASSERT(r.out[0] == '\0');
	TAP_ASSERT(mt_inode(prom) != ino);
	TAP_ASSERT(td_read_file(prom, buf, sizeof(buf)) > 0);
	EXPECT_HAS(buf, "\nringd_up 0\n");
	TAP_ASSERT(strstr(buf, "ringd_up 1") == NULL);
	TAP_ASSERT(stat(tmp, &sb) < 0 && errno == ENOENT);
	mt_check_down(prom);
	/* FILE.tmp a symlink: not followed, the old file left alone */
	ino = mt_inode(prom);
	TAP_SYS(symlink("/nonexistent/target", tmp));
	CTL("metrics", "-o", prom);
	EXPECT_STATUS(1);
	EXPECT_HAS(r.err, "cannot create '");
	TAP_ASSERT(mt_inode(prom) == ino);
	TAP_SYS(unlink(tmp));
	/* a directory that is not there */
	CTL("metrics", "-o", "/nonexistent/dir/ringd.prom");
	EXPECT_STATUS(1);
	EXPECT_HAS(r.err,
	    "ringctl: cannot create '/nonexistent/dir/ringd.prom.tmp'");
	td_cleanup(&d);
}

/* --- usage ----------------------------------------------------------------- */

TAP_TEST(test_usage, "metrics-usage", 60)
{
	static const char *const bad[] = { "abc", "1.2.3.4", "70000", "[::1]",
		"127.0.0.1:", ":", "[::1]9", "1:2:3", "-1", "123456", "" };
	unsigned i;
	int fd, one = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	char spec[32];

	td_begin(&d, NULL);
	CTL("metrics", "-o", "x", "--listen", "0");
	EXPECT_STATUS(2);
	EXPECT_HAS(r.err, "--output and --listen exclude each other");
	CTL("metrics", "-o", "");
	EXPECT_STATUS(2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CTL("metrics", "--listen", bad[i]);
		EXPECT_STATUS(2);
		EXPECT_HAS(r.err, "metrics: bad --listen '");
	}
	CTL("metrics", "--listen");
	EXPECT_STATUS(2);
	/* a port another socket holds */
	TAP_SYS(fd = socket(AF_INET, SOCK_STREAM, 0));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TAP_SYS(bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	TAP_SYS(listen(fd, 1));
	TAP_SYS(getsockname(fd, (struct sockaddr *)&sin, &sl));
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", ntohs(sin.sin_port));
	CTL("metrics", "--listen", spec);
	EXPECT_STATUS(1);
	EXPECT_HAS(r.err, "cannot listen on '");
	close(fd);
	CTL_OK("help", "metrics");
	EXPECT_HAS(r.out, "--listen");
	td_finish(&d);
}

/* --- the HTTP endpoint ------------------------------------------------------ */

static pid_t mt_srv;
static char mt_url[128];
static unsigned mt_port;
static bool mt_v6;

/* Start ringctl metrics --listen spec; wait for its address. */
static void
mt_listen(const char *spec)
{
	char errp[256], buf[1024], *p;
	unsigned waited;

	mt_srv = tr_spawn(d.dir, "listen", NULL,
	    (const char *const[]){ "-S", d.sock, "metrics", "--listen", spec,
		NULL });
	snprintf(errp, sizeof(errp), "%s/listen.err", d.dir);
	for (waited = 0; waited < 10000; waited += 10) {
		tr_slurp(errp, buf, sizeof(buf));
		if ((p = strstr(buf, "serving metrics on http://")) != NULL &&
		    strchr(p, '\n') != NULL)
			break;
		tu_sleep_ms(10);
	}
	if (p == NULL)
		TAP_FAIL("ringctl --listen did not start: %s", buf);
	p += strlen("serving metrics on ");
	*strchr(p, '\n') = '\0';
	snprintf(mt_url, sizeof(mt_url), "%s", p);
	mt_v6 = strstr(p, "http://[") != NULL;
	p = strstr(p, mt_v6 ? "]:" : "1:");
	mt_port = (unsigned)atoi(p + 2);
	TAP_ASSERT(mt_port > 0 && mt_port < 65536);
}

/* SIGTERM: it must exit 0 within 5 s. */
static void
mt_listen_stop(void)
{
	TAP_SYS(kill(mt_srv, SIGTERM));
	tr_collect(d.dir, "listen", mt_srv, 5000, &r);
	EXPECT_STATUS(0);
	mt_srv = 0;
}

/*
 * curl: method, path; headers into hdr, body into the file body.  The
 * HTTP status.
 */
static int
mt_curl(const char *method, const char *path, char *hdr, size_t hlen,
    char *body, size_t blen)
{
	char cmd[1024], hp[256], bp[256], base[128], *slash;
	int st;

	snprintf(hp, sizeof(hp), "%s/curl.hdr", d.dir);
	snprintf(bp, sizeof(bp), "%s/curl.body", d.dir);
	snprintf(base, sizeof(base), "%s", mt_url);
	if ((slash = strstr(base + 7, "/")) != NULL)
		*slash = '\0';
	unlink(hp);
	unlink(bp);
	snprintf(cmd, sizeof(cmd),
	    "curl -sS --max-time 15 %s -X %s -D %s -o %s '%s%s'",
	    strcmp(method, "HEAD") == 0 ? "-I" : "", method, hp, bp, base,
	    path);
	if ((st = system(cmd)) != 0)
		TAP_FAIL("curl failed (%d): %s", st, cmd);
	tr_slurp(hp, hdr, hlen);
	tr_slurp(bp, body, blen);
	if (strncmp(hdr, "HTTP/1.1 ", 9) != 0)
		TAP_FAIL("not an HTTP/1.1 response: %.200s", hdr);
	return atoi(hdr + 9);
}

static char mt_hdr[4096], mt_body[TR_OUT_MAX];

/* A scrape: 200, the 0.0.4 content type, the body saved to name. */
static void
mt_scrape(const char *name, char *path, size_t len)
{
	char want[64];

	TAP_ASSERT(mt_curl("GET", "/metrics", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 200);
	EXPECT_HAS(mt_hdr,
	    "\r\nContent-Type: text/plain; version=0.0.4; "
	    "charset=utf-8\r\n");
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
	    strlen(mt_body));
	EXPECT_HAS(mt_hdr, want);
	mt_save(name, mt_body, path, len);
}

TAP_TEST(test_listen, "metrics-listen", 90)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char path[256];

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 4096, &id);
	mt_listen("0");
	TAP_ASSERT(strncmp(mt_url, "http://127.0.0.1:", 17) == 0);
	mt_scrape("s1.prom", path, sizeof(path));
	EXPECT_HAS(mt_body, "\nringd_up 1\n");
	EXPECT_HAS(mt_body, "ringd_ring_sq_pending_age_seconds{ring=\"");
	mt_check_up(path);
	mt_promtool(path);
	/* HEAD: the same fields, no body */
	TAP_ASSERT(mt_curl("HEAD", "/metrics", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 200);
	EXPECT_HAS(mt_hdr, "Content-Type: text/plain; version=0.0.4");
	TAP_ASSERT(strstr(mt_body, "ringd_up") == NULL);
	/* a query string is the same resource */
	TAP_ASSERT(mt_curl("GET", "/metrics?x=1", mt_hdr, sizeof(mt_hdr),
		       mt_body, sizeof(mt_body)) == 200);
	TAP_ASSERT(mt_curl("GET", "/", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 404);
	TAP_ASSERT(mt_curl("GET", "/metricsx", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 404);
	TAP_ASSERT(mt_curl("POST", "/metrics", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 405);
	EXPECT_HAS(mt_hdr, "\r\nAllow: GET, HEAD\r\n");
	TAP_ASSERT(mt_curl("DELETE", "/metrics", mt_hdr, sizeof(mt_hdr),
		       mt_body, sizeof(mt_body)) == 405);
	td_close_ring(c, ring, id);
	ring_ctl_close(c);

	/* ringd killed: the next scrape still answers, with ringd_up 0 */
	td_kill(&d);
	mt_scrape("s2.prom", path, sizeof(path));
	EXPECT_HAS(mt_body, "\nringd_up 0\n");
	mt_check_down(path);
	mt_promtool(path);
	/* ringd back: ringd_up 1 on the next scrape */
	td_start(&d, NULL, 0);
	mt_scrape("s3.prom", path, sizeof(path));
	EXPECT_HAS(mt_body, "\nringd_up 1\n");
	mt_check_up(path);
	mt_listen_stop();
	EXPECT_HAS(r.err, "cannot connect to ringd at '");
	EXPECT_HAS(r.err, "answers again");
	td_finish(&d);
}

TAP_TEST(test_listen_v6, "metrics-listen-v6", 60)
{
	int fd;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) < 0) {
		tap_diag("skipped: no IPv6 sockets here");
		return;
	}
	close(fd);
	td_begin(&d, NULL);
	mt_listen("[::1]:0");
	TAP_ASSERT(mt_v6);
	TAP_ASSERT(strncmp(mt_url, "http://[::1]:", 13) == 0);
	TAP_ASSERT(mt_curl("GET", "/metrics", mt_hdr, sizeof(mt_hdr), mt_body,
		       sizeof(mt_body)) == 200);
	EXPECT_HAS(mt_body, "\nringd_up 1\n");
	mt_listen_stop();
	td_finish(&d);
}

/* --- pending ages --------------------------------------------------------- */

/*
 * A scheme that accepts one ring and takes one SQE each time a byte
 * arrives on fd; it ends when fd closes.
 */
static void
mt_slow_scheme(const struct td *td, int fd)
{
	struct ring_ctl *c = td_connect(td);
	struct ring_attach a;
	struct ring *ring;
	struct ring_sqe sqe;
	char b;

	TAP_ASSERT(ring_ctl_register(c, "mtslow", NULL, 0) == 0);
	TAP_ASSERT(ring_ctl_wait_attach(c, &a, 10000) == 0);
	TAP_ASSERT(ring_ctl_accept(c, &a, &ring) == 0);
	while (read(fd, &b, 1) == 1)
		TAP_ASSERT(ring_sq_pop(ring, &sqe) == 0);
	ring_close(ring);
	ring_ctl_close(c);
	tap_child_exit();
}

/* The value of the sample starting with prefix in the last scrape. */
static double
mt_value(const char *prefix)
{
	const char *p = strstr(mt_body, prefix);

	if (p == NULL)
		TAP_FAIL("no '%s' in: %.600s", prefix, mt_body);
	return strtod(p + strlen(prefix), NULL);
}

TAP_TEST(test_pending_age, "metrics-pending-age", 90)
{
	struct ring_ctl *c;
	struct ring_ctl_scheme sc;
	struct ring *ring;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP };
	uint64_t id;
	char path[256], key[128];
	double age = 0, later;
	int pfd[2], i;
	pid_t kid;

	td_begin(&d, NULL);
	TAP_SYS(pipe(pfd));
	if ((kid = tap_fork()) == 0) {
		close(pfd[1]);
		mt_slow_scheme(&d, pfd[0]);
	}
	close(pfd[0]);
	c = td_connect(&d);
	for (i = 0; i < 1000 && !td_find_scheme(c, "mtslow", &sc); i++)
		tu_sleep_ms(10);
	ring = td_open(c, "mtslow", 8, 0, 0, &id);
	for (i = 0; i < 3; i++)
		TAP_ASSERT(ring_sq_push(ring, &sqe) == 0);
	mt_listen("0");
	mt_scrape("p1.prom", path, sizeof(path));
	snprintf(key, sizeof(key),
	    "ringd_ring_sq_depth{ring=\"%" PRIu64 "\",scheme=\"mtslow\",kind=\"v1\"} ", id);
	TAP_ASSERT(mt_value(key) == 3);
	mt_check_up(path);
	/* the head stands still: the age grows from one scrape to the next */
	snprintf(key, sizeof(key),
	    "ringd_ring_sq_pending_age_seconds{ring=\"%" PRIu64
	    "\",scheme=\"mtslow\",kind=\"v1\"} ",
	    id);
	for (i = 0; i < 200 && age < 0.3; i++) {
		tu_sleep_ms(50);
		mt_scrape("p2.prom", path, sizeof(path));
		age = mt_value(key);
	}
	TAP_ASSERT(age >= 0.3);
	/* the producer takes one: the clock restarts */
	TAP_ASSERT(write(pfd[1], "x", 1) == 1);
	for (i = 0; i < 500; i++) {
		mt_scrape("p3.prom", path, sizeof(path));
		snprintf(key, sizeof(key),
		    "ringd_ring_taken_total{ring=\"%" PRIu64
		    "\",scheme=\"mtslow\",kind=\"v1\"} ",
		    id);
		if (mt_value(key) == 1)
			break;
		tu_sleep_ms(10);
	}
	TAP_ASSERT(mt_value(key) == 1);
	snprintf(key, sizeof(key),
	    "ringd_ring_sq_pending_age_seconds{ring=\"%" PRIu64
	    "\",scheme=\"mtslow\",kind=\"v1\"} ",
	    id);
	later = mt_value(key);
	TAP_ASSERT(later < age);
	/* no completions waiting: the CQ's clock stands at zero */
	snprintf(key, sizeof(key),
	    "ringd_ring_cq_pending_age_seconds{ring=\"%" PRIu64
	    "\",scheme=\"mtslow\",kind=\"v1\"} ",
	    id);
	TAP_ASSERT(mt_value(key) == 0);
	snprintf(key, sizeof(key),
	    "ringd_ring_info{ring=\"%" PRIu64
	    "\",scheme=\"mtslow\",kind=\"v1\",bits=\"64\","
	    "consumer=\"%d/t-metrics\",producer=\"%d/t-metrics\"} 1\n",
	    id, (int)getpid(), (int)kid);
	EXPECT_HAS(mt_body, key);
	close(pfd[1]);
	tap_reap(kid);
	ring_close(ring);
	ring_ctl_close(c);
	mt_listen_stop();
	td_finish(&d);
}

/* --- hostile HTTP clients -------------------------------------------------- */

static int
mt_connect(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (mt_v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons((uint16_t)mt_port);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons((uint16_t)mt_port);
	}
	TAP_SYS(fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	TAP_SYS(connect(fd, (struct sockaddr *)&ss, sizeof(ss)));
	return fd;
}

/*
 * Read until the server closes (ms at most, else fail); the bytes read,
 * NUL-terminated.  A reset counts as closed.
 */
static size_t
mt_read_all(int fd, char *buf, size_t len, unsigned ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = clock_ns() + (uint64_t)ms * 1000000;
	size_t got = 0;
	ssize_t n;

	for (;;) {
		int64_t left = (int64_t)(end - clock_ns()) / 1000000;

		if (clock_ns() >= end)
			TAP_FAIL("the server kept the connection open %u ms; "
				 "got: %.200s",
			    ms, buf);
		if (poll(&p, 1, (int)left + 1) <= 0)
			continue;
		n = recv(fd, got + 1 < len ? buf + got : (char[256]){ 0 },
		    got + 1 < len ? len - 1 - got : 256, 0);
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
		buf[got] = '\0';
	}
	buf[got] = '\0';
	return got;
}

/* Send req (len bytes), half-close if asked, read the whole answer. */
static void
mt_exchange(const void *req, size_t len, bool half_close, char *resp,
    size_t rlen)
{
	int fd = mt_connect();

	resp[0] = '\0';
	if (len > 0 && send(fd, req, len, MSG_NOSIGNAL) < 0 &&
	    errno != ECONNRESET && errno != EPIPE)
		TAP_FAIL("send: %s", strerror(errno));
	if (half_close)
		shutdown(fd, SHUT_WR);
	mt_read_all(fd, resp, rlen, 20000);
	close(fd);
}

#define MT_GET "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"

#define EXPECT_REPLY(req, status) \
	do { \
		mt_exchange((req), sizeof(req) - 1, false, resp, \
		    sizeof(resp)); \
		if (strncmp(resp, "HTTP/1.1 " status, 9 + strlen(status)) != \
		    0) \
			TAP_FAIL("'%s' got: %.200s", (req), resp); \
	} while (0)

TAP_TEST(test_hostile_http, "metrics-hostile-http", 120)
{
	static char big[20000], resp[65536];
	struct ring_ctl *c;
	int fds[40], fd, before, i;
	char path[256];

	td_begin(&d, NULL);
	mt_listen("0");
	/*
	 * Its descriptors before any client, and what a connection to ringd
	 * adds (the socket and libring's own), as after any scrape.
	 */
	before = td_count_fds(mt_srv);
	fd = tu_count_fds();
	c = td_connect(&d);
	before += tu_count_fds() - fd;
	ring_ctl_close(c);
	/* well-formed edge cases */
	EXPECT_REPLY("GET /metrics HTTP/1.0\r\n\r\n", "200");
	EXPECT_REPLY("GET /metrics HTTP/1.1\nHost: x\n\n", "200");
	EXPECT_REPLY("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "200");
	TAP_ASSERT(strstr(resp, "ringd_up") == NULL);
	EXPECT_REPLY("GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", "200");
	/* malformed */
	EXPECT_REPLY("GET /metrics HTTP/1.1\r\n\r\n", "400"); /* no Host */
	EXPECT_REPLY("GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	    "400");
	EXPECT_REPLY("GET /metrics\r\n\r\n", "400");
	EXPECT_REPLY("GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "400");
	EXPECT_REPLY("GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	    "400");
	EXPECT_REPLY("GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n", "400");
	EXPECT_REPLY("GET /metrics HTTP/1.1\r\nHost: x\ry\r\n\r\n", "400");
	EXPECT_REPLY("G(T /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "400");
	EXPECT_REPLY("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", "505");
	EXPECT_REPLY("GET /metrics HTTP/1.1x\r\nHost: x\r\n\r\n", "400");
	EXPECT_REPLY("\r\n\r\n", "400");
	EXPECT_REPLY("PUT /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "405");
	/* binary garbage, with and without NUL bytes */
	EXPECT_REPLY("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "400");
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(tu_rand() | 1);
	big[100] = '\n';
	big[101] = '\n';
	mt_exchange(big, sizeof(big), false, resp, sizeof(resp));
	TAP_ASSERT(strncmp(resp, "HTTP/1.1 400", 12) == 0 || resp[0] == '\0');
	/* huge header: 431, never an unbounded buffer */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	mt_exchange(big, sizeof(big), false, resp, sizeof(resp));
	TAP_ASSERT(strncmp(resp, "HTTP/1.1 431", 12) == 0 || resp[0] == '\0');
	mt_exchange(big, 9000, true, resp, sizeof(resp));
	TAP_ASSERT(strncmp(resp, "HTTP/1.1 431", 12) == 0);
	/* half-closed after a whole request: answered */
	mt_exchange(MT_GET, strlen(MT_GET), true, resp, sizeof(resp));
	TAP_ASSERT(strncmp(resp, "HTTP/1.1 200", 12) == 0);
	/* half-closed mid-request, or at once: closed without an answer */
	mt_exchange("GET /metrics HTTP/1.1\r\nHo", 25, true, resp,
	    sizeof(resp));
	TAP_ASSERT(resp[0] == '\0');
	mt_exchange("", 0, true, resp, sizeof(resp));
	TAP_ASSERT(resp[0] == '\0');
	/* slowloris: every slot taken by a request that never ends ... */
	for (i = 0; i < 40; i++) {
		fds[i] = mt_connect();
		TAP_ASSERT(send(fds[i], "GET /metrics HTTP/1.1\r\nHo", 25,
			       MSG_NOSIGNAL) == 25);
	}
	/* ... and a scraper still gets through */
	mt_scrape("busy.prom", path, sizeof(path));
	EXPECT_HAS(mt_body, "\nringd_up 1\n");
	for (i = 0; i < 40; i++)
		close(fds[i]);
	/* a client that asks and never reads: others are served meanwhile */
	fd = mt_connect();
	for (i = 0; i < 200; i++)
		if (send(fd, MT_GET, strlen(MT_GET),
			MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
	mt_scrape("busy2.prom", path, sizeof(path));
	close(fd);
	/* an idle connection is closed by the server's deadline */
	fd = mt_connect();
	TAP_ASSERT(send(fd, "GET", 3, MSG_NOSIGNAL) == 3);
	mt_read_all(fd, resp, sizeof(resp), 20000);
	TAP_ASSERT(resp[0] == '\0');
	close(fd);
	/* still there, and back to its descriptors */
	TAP_ASSERT(kill(mt_srv, 0) == 0);
	for (i = 0; i < 500 && td_count_fds(mt_srv) != before; i++)
		tu_sleep_ms(20);
	if (td_count_fds(mt_srv) != before) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd | sed 's/^/# /'",
		    (int)mt_srv);
		if (system(cmd) != 0)
			tap_diag("cannot list its descriptors");
		TAP_FAIL("ringctl holds %d descriptors, %d before",
		    td_count_fds(mt_srv), before);
	}
	mt_listen_stop();
	td_finish(&d);
}

/* --- a real Prometheus ------------------------------------------------------ */

static unsigned
mt_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd;

	TAP_SYS(fd = socket(AF_INET, SOCK_STREAM, 0));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TAP_SYS(bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	TAP_SYS(getsockname(fd, (struct sockaddr *)&sin, &sl));
	close(fd);
	return ntohs(sin.sin_port);
}

/* Query Prometheus for ringd_up until it reports want (30 s at most). */
static void
mt_prom_await(unsigned port, const char *want)
{
	char cmd[512], out[256], buf[4096];
	int i;

	snprintf(out, sizeof(out), "%s/q.json", d.dir);
	snprintf(cmd, sizeof(cmd),
	    "curl -sS --max-time 5 -o %s "
	    "'http://127.0.0.1:%u/api/v1/query?query=ringd_up' 2>/dev/null",
	    out, port);
	for (i = 0; i < 300; i++) {
		buf[0] = '\0';
		if (system(cmd) == 0)
			tr_slurp(out, buf, sizeof(buf));
		if (strstr(buf, want) != NULL)
			return;
		tu_sleep_ms(100);
	}
	TAP_FAIL("Prometheus never reported %s: %s", want, buf);
}

TAP_TEST(test_prometheus, "metrics-prometheus", 120)
{
	char conf[256], data[256], flag[3][300], text[512];
	unsigned port;
	pid_t prom;

	if (!mt_have("prometheus")) {
		tap_diag("skipped: no prometheus (Debian package prometheus)");
		return;
	}
	td_begin(&d, NULL);
	mt_listen("0");
	snprintf(text, sizeof(text),
	    "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
	    "scrape_configs:\n  - job_name: ringd\n    static_configs:\n"
	    "      - targets: ['127.0.0.1:%u']\n",
	    mt_port);
	mt_save("prometheus.yml", text, conf, sizeof(conf));
	snprintf(data, sizeof(data), "%s/tsdb", d.dir);
	port = mt_free_port();
	snprintf(flag[0], sizeof(flag[0]), "--config.file=%s", conf);
	snprintf(flag[1], sizeof(flag[1]), "--storage.tsdb.path=%s", data);
	snprintf(flag[2], sizeof(flag[2]), "--web.listen-address=127.0.0.1:%u",
	    port);
	if ((prom = tap_fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("prometheus", "prometheus", flag[0], flag[1], flag[2],
		    (char *)NULL);
		_exit(127);
	}
	/* up: "ringd_up" ... "value":[<time>,"1"] */
	mt_prom_await(port, "\"1\"]");
	td_kill(&d);
	mt_prom_await(port, "\"0\"]");
	tap_kill(prom);
	mt_listen_stop();
	td_cleanup(&d);
}

/*
 * Requests mutated at random (bytes flipped, inserted, dropped, the end
 * cut off), each sent on its own connection and half-closed: every answer
 * is a whole response with one of the statuses the server gives and a
 * Content-Length that matches its body, or nothing when the request never
 * ended; the server outlives them all.
 */
TAP_TEST(test_http_mutations, "metrics-http-mutations", 120)
{
	static const char *const seeds[] = { MT_GET,
		"HEAD /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
		"GET /metrics?a=b HTTP/1.0\r\nUser-Agent: t\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: y\r\nContent-Length: 3\r\n\r\nabc" };
	static const char *const ok[] = { "200 OK", "400 Bad Request",
		"404 Not Found", "405 Method Not Allowed",
		"431 Request Header Fields Too Large",
		"505 HTTP Version Not Supported" };
	char req[512], resp[65536], *body, *cl;
	unsigned seen[7] = { 0 };
	size_t len, k, n;
	int i, m, j;

	td_begin(&d, NULL);
	mt_listen("0");
	tu_srand(0x6d657472);
	for (i = 0; i < (int)tap_scaled(600, 60); i++) {
		const char *seed = seeds[tu_rand_below(4)];

		len = strlen(seed);
		memcpy(req, seed, len);
		for (m = 0; m < 1 + (int)tu_rand_below(3); m++) {
			k = tu_rand_below(len);
			switch (tu_rand_below(4)) {
			case 0: /* flip */
				req[k] = (char)tu_rand();
				break;
			case 1: /* insert */
				if (len + 1 < sizeof(req)) {
					memmove(req + k + 1, req + k, len - k);
					req[k] = (char)tu_rand();
					len++;
				}
				break;
			case 2: /* drop */
				memmove(req + k, req + k + 1, len - k - 1);
				len--;
				break;
			default: /* cut */
				len = k;
				break;
			}
			if (len == 0)
				break;
		}
		mt_exchange(req, len, true, resp, sizeof(resp));
		if (resp[0] == '\0') {
			seen[6]++;
			continue;
		}
		for (j = 0; j < (int)(sizeof(ok) / sizeof(ok[0])); j++)
			if (strncmp(resp + 9, ok[j], strlen(ok[j])) == 0)
				break;
		if (strncmp(resp, "HTTP/1.1 ", 9) != 0 ||
		    j == (int)(sizeof(ok) / sizeof(ok[0])))
			TAP_FAIL("request %d got: %.200s", i, resp);
		if ((body = strstr(resp, "\r\n\r\n")) == NULL ||
		    (cl = strstr(resp, "\r\nContent-Length: ")) == NULL ||
		    cl > body)
			TAP_FAIL("request %d: no header end or length: %.200s",
			    i, resp);
		seen[j]++;
		n = strtoul(cl + 18, NULL, 10);
		body += 4;
		if (strncmp(req, "HEAD ", 5) != 0 || j != 0)
			if (strlen(body) != n)
				TAP_FAIL("request %d: Content-Length %zu, body "
					 "%zu bytes",
				    i, n, strlen(body));
	}
	tap_diag("200: %u, 400: %u, 404: %u, 405: %u, 431: %u, 505: %u, "
		 "closed without an answer: %u",
	    seen[0], seen[1], seen[2], seen[3], seen[4], seen[5], seen[6]);
	/* the mutations reached past the parser's first checks */
	TAP_ASSERT(seen[0] > 0 && seen[1] > 0 && seen[6] > 0);
	TAP_ASSERT(kill(mt_srv, 0) == 0);
	mt_scrape("after.prom", req, sizeof(req));
	mt_listen_stop();
	td_finish(&d);
}

/* --- the systemd units of the textfile path ------------------------------- */

TAP_TEST(test_units, "metrics-units", 60)
{
	char svc[512], cmd[2048], buf[4096];

	snprintf(svc, sizeof(svc), "%s/ringd/ringd-metrics.service",
	    mt_srcdir());
	TAP_ASSERT(td_read_file(svc, buf, sizeof(buf)) > 0);
	EXPECT_HAS(buf, "\nExecStart=/usr/local/bin/ringctl ");
	EXPECT_HAS(buf, " metrics -o ");
	/* an outage (status 3) still wrote the file: not a failed run */
	EXPECT_HAS(buf, "\nSuccessExitStatus=3\n");
	snprintf(svc, sizeof(svc), "%s/ringd/ringd-metrics.timer", mt_srcdir());
	TAP_ASSERT(td_read_file(svc, buf, sizeof(buf)) > 0);
	EXPECT_HAS(buf, "\nOnUnitActiveSec=");
	if (!mt_have("systemd-analyze")) {
		tap_diag("skipped: no systemd-analyze to verify the units");
		return;
	}
	td_prepare(&d, NULL);
	snprintf(cmd, sizeof(cmd),
	    "sed 's|/usr/local/bin/ringctl|%s|' "
	    "'%s/ringd/ringd-metrics.service' >'%s/ringd-metrics.service' && "
	    "cp '%s/ringd/ringd-metrics.timer' '%s/' && cd '%s' && "
	    "systemd-analyze verify --man=no ./ringd-metrics.timer "
	    "./ringd-metrics.service",
	    tr_binary(), mt_srcdir(), d.dir, mt_srcdir(), d.dir, d.dir);
	mt_sh_ok("systemd-analyze verify", cmd);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
