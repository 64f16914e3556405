/*
 * t-ringctl-sanitize.c - what ringctl and ringtop print when ringd's
 * records hold hostile bytes, what ringctl's exit status says when a
 * reply carries a transport-like errno, and batch lines with a NUL byte
 * (issue 15, items 4, 6 and 12).
 *
 * Hostile names come from a fake ringd that speaks the protocol and
 * fills every name (scheme, peers' command names, ringd's version, region
 * owners) with escape sequences, C1 controls, DEL and bytes that are not
 * UTF-8: the tools must not trust ringd either, and this keeps the test
 * independent of how much ringd itself filters.  Text output must be
 * printable ASCII and newlines only; JSON output valid UTF-8 without raw
 * DEL or C1 controls; ringtop's curses screen, read raw from a pty, must
 * not carry the hostile sequences.
 *
 * The errno tests run the real ringd with schemes that refuse opens with
 * -ECONNRESET and friends, die during an open, or never answer one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "../common/sanitize.c"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

/* The hostile names: OSC title, CSI colour, 8-bit CSI, C1 CSI, DEL. */
#define EVIL_SCHEME "\x1b]2;PWNED\x07\x1b[31mil\x9b\xff\xc2\x9b\x7f\\x"
#define EVIL_COMM "\x1b]2;PWN\x07\xc2\x9b\xff\x7f"
#define EVIL_SERVER "ringd \x1b[2J\x9b\xff"
/* EVIL_COMM as ringctl -j shows it once parsed: \xff became U+FFFD */
#define EVIL_COMM_JSON "\x1b]2;PWN\x07\xc2\x9b\xef\xbf\xbd\x7f"
/* EVIL_SCHEME as text */
#define EVIL_SCHEME_VIS \
	"\\033]2;PWNED\\007\\033[31mil\\233\\377\\302\\233\\177\\\\x"

#define EVIL(...) \
	tr_runv(d.dir, &r, NULL, \
	    (const char *const[]){ "-S", evil_path, __VA_ARGS__, NULL })

static char evil_path[200];

/* --- the fake ringd ------------------------------------------------------- */

static void
evil_peer(struct ring_ctl_peer *p, uint32_t pid)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = 1000;
	p->gid = 1000;
	memcpy(p->comm, EVIL_COMM, sizeof(EVIL_COMM));
}

/* A list reply of n records of size recsz in one packet, end set. */
static void
evil_list(int c, uint16_t type, uint32_t seq, const void *recs, size_t recsz,
    size_t n)
{
	static uint8_t buf[PROTO_MAX_MSG];
	int32_t err = 0;
	uint32_t end = 1;

	memcpy(buf, &err, 4);
	memcpy(buf + 4, &end, 4);
	if (n > 0)
		memcpy(buf + 8, recs, recsz * n);
	if (proto_send(c, type | PROTO_REPLY, seq, buf,
		(uint32_t)(8 + recsz * n), NULL, 0) < 0)
		_exit(1);
}

static void
evil_serve(int c, bool monitor)
{
	static struct proto_msg m;
	struct ring_ctl_ring rings[2];
	struct ring_ctl_scheme sch;
	struct ring_ctl_client cl;
	struct ring_phys_zone z;
	struct ring_phys_region g;
	unsigned nlists = 0, i;

	memset(rings, 0, sizeof(rings));
	for (i = 0; i < 2; i++) {
		rings[i].ring_id = i + 1;
		memcpy(rings[i].scheme, EVIL_SCHEME, sizeof(EVIL_SCHEME));
		evil_peer(&rings[i].consumer, 4242);
		evil_peer(&rings[i].producer, 4343);
		rings[i].sq_entries = rings[i].cq_entries = 64;
		rings[i].sqe_size = rings[i].cqe_size = 64;
		rings[i].state = i == 0 ? RING_CTL_RUNNING : RING_CTL_DROPPED;
		rings[i].age_ns = 1000000000;
	}
	memset(&sch, 0, sizeof(sch));
	memcpy(sch.name, EVIL_SCHEME, sizeof(EVIL_SCHEME));
	evil_peer(&sch.owner, 4343);
	sch.rings = 2;
	memset(&cl, 0, sizeof(cl));
	cl.client_id = 7;
	evil_peer(&cl.peer, 4242);
	memset(&z, 0, sizeof(z));
	z.zone = RING_PHYS_ZONE_32;
	z.base = 0xff000000u;
	z.size = z.free = z.largest_free = 1u << 24;
	memset(&g, 0, sizeof(g));
	g.region_id = 3;
	g.base = 0xff000000u;
	g.size = 4096;
	evil_peer(&g.owner, 4242);
	for (;;) {
		uint32_t seq;
		uint16_t type;

		if (proto_recv(c, &m) < 0)
			return;
		proto_msg_close_fds(&m);
		seq = m.hdr.seq;
		type = m.hdr.type;
		switch (type) {
		case PROTO_HELLO: {
			struct proto_hello_reply h;

			memset(&h, 0, sizeof(h));
			h.version = PROTO_VERSION;
			h.pid = (uint32_t)getpid();
			memcpy(h.server, EVIL_SERVER, sizeof(EVIL_SERVER));
			(void)proto_send(c, type | PROTO_REPLY, seq, &h,
			    sizeof(h), NULL, 0);
			break;
		}
		case PROTO_STATUS: {
			struct proto_status_reply s;

			memset(&s, 0, sizeof(s));
			s.st.pid = (uint32_t)getpid();
			s.st.version = PROTO_VERSION;
			memcpy(s.st.server, EVIL_SERVER, sizeof(EVIL_SERVER));
			s.st.schemes = 1;
			s.st.rings = 2;
			s.st.clients = 1;
			s.st.phys_size[0] = 1u << 24;
			(void)proto_send(c, type | PROTO_REPLY, seq, &s,
			    sizeof(s), NULL, 0);
			break;
		}
		case PROTO_LIST_RINGS:
			/* monitor: none at first, so that both attach */
			evil_list(c, type, seq, rings, sizeof(rings[0]),
			    monitor && nlists++ == 0 ? 0 : 2);
			break;
		case PROTO_LIST_SCHEMES:
			evil_list(c, type, seq, &sch, sizeof(sch), 1);
			break;
		case PROTO_LIST_CLIENTS:
			evil_list(c, type, seq, &cl, sizeof(cl), 1);
			break;
		case PROTO_PHYS_LIST_ZONES:
			evil_list(c, type, seq, &z, sizeof(z), 1);
			break;
		case PROTO_PHYS_LIST_FREE:
			evil_list(c, type, seq, NULL, 0, 0);
			break;
		case PROTO_PHYS_LIST_REGIONS:
			evil_list(c, type, seq, &g, sizeof(g), 1);
			break;
		default: {
			struct proto_error e = { .error = -ENOSYS,
				.version = PROTO_VERSION };

			(void)proto_send(c, PROTO_ERROR, seq, &e, sizeof(e),
			    NULL, 0);
			break;
		}
		}
	}
}

/* The fake ringd on evil_path, one client after the other; a helper. */
static pid_t
evil_ringd(bool monitor)
{
	struct sockaddr_un sa;
	pid_t pid;
	int fd, c;

	snprintf(evil_path, sizeof(evil_path), "%s/evil%s.sock", d.dir,
	    monitor ? "-mon" : "");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, evil_path, strlen(evil_path) + 1);
	TAP_SYS(fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	TAP_SYS(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	TAP_SYS(listen(fd, 8));
	if ((pid = tap_fork()) == 0) {
		while ((c = accept(fd, NULL, NULL)) >= 0) {
			evil_serve(c, monitor);
			close(c);
		}
		tap_child_exit();
	}
	close(fd);
	return pid;
}

/* --- checks ---------------------------------------------------------------- */

/* Text for a terminal: printable ASCII and newlines, nothing else. */
static void
expect_plain_at(const char *what, const char *s, const char *file, int line)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\n' && (c < 0x20 || c >= 0x7f))
			tap_fail_at(file, line,
			    "%s: raw byte 0x%02x at offset %zu of: %.300s",
			    what, c, i, s);
	}
}
#define expect_plain(what, s) expect_plain_at((what), (s), __FILE__, __LINE__)

/* Both streams of the last run are terminal-safe text. */
#define EXPECT_PLAIN_RUN(what) \
	do { \
		expect_plain(what " (stdout)", r.out); \
		expect_plain(what " (stderr)", r.err); \
	} while (0)

/* JSON text: valid UTF-8, no raw DEL, no C1 control; parsed. */
static struct json_object *
expect_json_at(const char *what, const char *s, const char *file, int line)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = san_utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			tap_fail_at(file, line,
			    "%s: not UTF-8 at offset %zu: %.300s", what, i, s);
		if (cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp < 0x20 && cp != '\n'))
			tap_fail_at(file, line,
			    "%s: raw control U+%04X at offset %zu", what,
			    (unsigned)cp, i);
		i += n;
	}
	return tr_parse(s);
}
#define expect_json(what, s) expect_json_at((what), (s), __FILE__, __LINE__)

static void
expect_has_at(const char *what, const char *hay, const char *needle,
    const char *file, int line)
{
	if (strstr(hay, needle) == NULL)
		tap_fail_at(file, line, "%s lacks '%s': %.600s", what, needle,
		    hay);
}
#define expect_has(what, hay, needle) \
	expect_has_at((what), (hay), (needle), __FILE__, __LINE__)

/* --- unit: san_vis(), san_json() -------------------------------------------- */

TAP_TEST(test_unit, "sanitize-unit", 30)
{
	char buf[64], small[6];
	char *j;

	san_vis(buf, sizeof(buf), "a\x1b[2J\\\xff", SIZE_MAX);
	TAP_ASSERT(strcmp(buf, "a\\033[2J\\\\\\377") == 0);
	TAP_ASSERT(san_is_plain(buf, SIZE_MAX));
	TAP_ASSERT(!san_is_plain("a\x1b", SIZE_MAX));
	TAP_ASSERT(!san_is_plain("\xc3\xa9", SIZE_MAX));
	/* max bounds a field without its NUL */
	san_vis(buf, sizeof(buf), "abcdef", 3);
	TAP_ASSERT(strcmp(buf, "abc") == 0);
	/* whole escapes only */
	san_vis(small, sizeof(small), "ab\x1b", SIZE_MAX);
	TAP_ASSERT(strcmp(small, "ab") == 0);
	san_vis(small, sizeof(small), "a\x1b", SIZE_MAX);
	TAP_ASSERT(strcmp(small, "a\\033") == 0);
	j = san_json("\"a\xff\x7f\xc2\x9b\xc3\xa9\xe2\x82\xac\xed\xa0\x80\xc0"
		     "\xaf\"");
	TAP_ASSERT(j != NULL);
	TAP_ASSERT(strcmp(j,
		       "\"a\\ufffd\\u007f\\u009b\xc3\xa9\xe2\x82\xac"
		       "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"") == 0);
	free(j);
	/* a sequence cut by the end of the text */
	j = san_json("\"\xe2\x82");
	TAP_ASSERT(strcmp(j, "\"\\ufffd\\ufffd") == 0);
	free(j);
}

/* --- item 6: ringctl's text and JSON ------------------------------------------ */

TAP_TEST(test_ringctl_text, "sanitize-ringctl-text", 120)
{
	static const char *const cmds[][3] = { { "rings", NULL },
		{ "ring", "1" }, { "ring", "2" }, { "clients", NULL },
		{ "schemes", NULL }, { "schemes", "-q" }, { "status", NULL },
		{ "regions", NULL }, { "metrics", NULL } };
	unsigned i;
	pid_t srv;

	td_begin(&d, NULL);
	srv = evil_ringd(false);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char what[64];

		if (cmds[i][1] != NULL)
			EVIL(cmds[i][0], cmds[i][1]);
		else
			EVIL(cmds[i][0]);
		snprintf(what, sizeof(what), "ringctl %s %s", cmds[i][0],
		    cmds[i][1] ? cmds[i][1] : "");
		EXPECT_STATUS(0);
		EXPECT_PLAIN_RUN("ringctl");
		(void)what;
	}
	/* the escapes name every byte */
	EVIL("rings");
	expect_has("rings", r.out, EVIL_SCHEME_VIS);
	expect_has("rings", r.out, "4242/\\033]2;PWN\\007\\302\\233\\377\\177");
	EVIL("ring", "1");
	expect_has("ring 1", r.out, "scheme:     " EVIL_SCHEME_VIS "\n");
	EVIL("status");
	expect_has("status", r.out, "ringd \\033[2J\\233\\377, protocol");
	EVIL("metrics");
	expect_has("metrics", r.out,
	    "scheme=\"\\\\033]2;PWNED\\\\007\\\\033[31mil");
	/* the batch file and the shell without a terminal */
	tr_runv(d.dir, &r, "rings\nclients\nschemes\nring 2\n",
	    (const char *const[]){ "-S", evil_path, "-b", "-", NULL });
	EXPECT_STATUS(0);
	EXPECT_PLAIN_RUN("ringctl -b");
	tr_runv(d.dir, &r, "rings\nschemes -q\nregions\n",
	    (const char *const[]){ "-S", evil_path, "shell", NULL });
	EXPECT_STATUS(0);
	EXPECT_PLAIN_RUN("ringctl shell");
	expect_has("shell", r.out, EVIL_SCHEME_VIS);
	tap_kill(srv);
	td_finish(&d);
}

TAP_TEST(test_ringctl_json, "sanitize-ringctl-json", 120)
{
	static const char *const cmds[][3] = { { "rings", NULL },
		{ "ring", "1" }, { "clients", NULL }, { "schemes", NULL },
		{ "schemes", "-q" }, { "status", NULL }, { "regions", NULL } };
	struct json_object *o, *ring;
	unsigned i;
	pid_t srv;

	td_begin(&d, NULL);
	srv = evil_ringd(false);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i][1] != NULL)
			EVIL("-j", cmds[i][0], cmds[i][1]);
		else
			EVIL("-j", cmds[i][0]);
		EXPECT_STATUS(0);
		expect_plain("ringctl -j (stderr)", r.err);
		json_object_put(expect_json("ringctl -j", r.out));
		if (cmds[i][1] != NULL)
			EVIL("-p", cmds[i][0], cmds[i][1]);
		else
			EVIL("-p", cmds[i][0]);
		EXPECT_STATUS(0);
		json_object_put(expect_json("ringctl -p", r.out));
	}
	/* valid code points survive, each bad byte is one U+FFFD */
	EVIL("-j", "rings");
	o = expect_json("rings", r.out);
	TAP_EQ(json_object_array_length(o), 2);
	ring = json_object_array_get_idx(o, 0);
	TAP_ASSERT(strcmp(tr_str(tr_get(ring, "consumer"), "comm"),
		       EVIL_COMM_JSON) == 0);
	TAP_ASSERT(strcmp(tr_str(ring, "scheme"),
		       "\x1b]2;PWNED\x07\x1b[31mil\xef\xbf\xbd\xef\xbf\xbd"
		       "\xc2\x9b\x7f\\x") == 0);
	json_object_put(o);
	/* and the escapes are JSON's */
	expect_has("rings", r.out, "\\u001b]2;PWN\\u0007\\u009b\\ufffd\\u007f");
	tap_kill(srv);
	td_finish(&d);
}

TAP_TEST(test_ringctl_monitor, "sanitize-ringctl-monitor", 60)
{
	struct json_object *o;
	char *nl;
	pid_t srv;

	td_begin(&d, NULL);
	srv = evil_ringd(true);
	EVIL("monitor", "--count", "2", "--interval", "100ms");
	EXPECT_STATUS(0);
	EXPECT_PLAIN_RUN("ringctl monitor");
	expect_has("monitor", r.out, " attach  ring 1 '" EVIL_SCHEME_VIS "' ");
	EVIL("-j", "monitor", "--count", "2", "--interval", "100ms");
	EXPECT_STATUS(0);
	TAP_ASSERT((nl = strchr(r.out, '\n')) != NULL);
	*nl = '\0';
	o = expect_json("monitor -j", r.out);
	TAP_ASSERT(strcmp(tr_str(o, "event"), "attach") == 0);
	json_object_put(o);
	o = expect_json("monitor -j", nl + 1);
	json_object_put(o);
	tap_kill(srv);
	td_finish(&d);
}

/* --- item 6: ringtop --------------------------------------------------------- */

static const char *
ringtop_binary(void)
{
	static char bin[PATH_MAX];

	td_build_bin("RINGTOP_BIN", "ringtop/ringtop", bin, sizeof(bin));
	return bin;
}

TAP_TEST(test_ringtop_batch, "sanitize-ringtop-batch", 60)
{
	const char *bin = ringtop_binary();
	struct json_object *o, *rings, *ring;
	pid_t srv, pid;

	td_begin(&d, NULL);
	srv = evil_ringd(false);
	tr_set_binary(bin);
	pid = tr_spawn(d.dir, "top", NULL,
	    (const char *const[]){ "-b", "-n", "2", "-d", "0.1", "-S",
		evil_path, NULL });
	tr_collect(d.dir, "top", pid, 20000, &r);
	EXPECT_STATUS(0);
	EXPECT_PLAIN_RUN("ringtop -b");
	expect_has("ringtop -b", r.out, EVIL_SCHEME_VIS);
	expect_has("ringtop -b", r.out,
	    "ALARM ring 2 (" EVIL_SCHEME_VIS ", 4242/\\033]2;PWN\\007");
	expect_has("ringtop -b", r.out, "ringd \\033[2J\\233\\377 pid");
	pid = tr_spawn(d.dir, "top", NULL,
	    (const char *const[]){ "-b", "-j", "-n", "1", "-S", evil_path,
		NULL });
	tr_collect(d.dir, "top", pid, 20000, &r);
	tr_set_binary(NULL);
	EXPECT_STATUS(0);
	expect_plain("ringtop -b -j (stderr)", r.err);
	o = expect_json("ringtop -b -j", r.out);
	rings = tr_get(o, "rings");
	TAP_EQ(json_object_array_length(rings), 2);
	ring = json_object_array_get_idx(rings, 0);
	TAP_ASSERT(strcmp(tr_str(tr_get(ring, "producer"), "comm"),
		       EVIL_COMM_JSON) == 0);
	json_object_put(o);
	tap_kill(srv);
	td_finish(&d);
}

/* ringtop's raw output on a pty, as much as has come so far. */
static char pty_out[1 << 20];
static size_t pty_len;

/* Read from the pty until needle shows up (true) or ms pass (false). */
static bool
pty_wait(int mfd, const char *needle, unsigned ms)
{
	uint64_t end = clock_ns() + (uint64_t)ms * 1000000u;
	struct pollfd p = { .fd = mfd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		pty_out[pty_len] = '\0';
		if (needle != NULL && memmem(pty_out, pty_len, needle,
					  strlen(needle)) != NULL)
			return true;
		if (clock_ns() >= end)
			return false;
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(mfd, pty_out + pty_len, sizeof(pty_out) - 1 - pty_len);
		if (n <= 0)
			return false;
		pty_len += (size_t)n;
	}
}

static void
pty_key(int mfd, const char *keys)
{
	if (write(mfd, keys, strlen(keys)) != (ssize_t)strlen(keys))
		TAP_FAIL("cannot type into ringtop's pty");
}

/* The raw screen must not carry a hostile sequence. */
static void
pty_check(const char *what, const char *bad, size_t len)
{
	const char *at = memmem(pty_out, pty_len, bad, len);

	if (at != NULL)
		TAP_FAIL("ringtop wrote %s raw at offset %zu", what,
		    (size_t)(at - pty_out));
}

/* A raw 8-bit CSI: 0x9b that no UTF-8 lead or continuation byte precedes. */
static void
pty_check_csi8(void)
{
	size_t i;

	for (i = 0; i < pty_len; i++)
		if ((unsigned char)pty_out[i] == 0x9b &&
		    (i == 0 || (unsigned char)pty_out[i - 1] < 0x80))
			TAP_FAIL("ringtop wrote an 8-bit CSI raw at offset %zu",
			    i);
}

TAP_TEST(test_ringtop_screen, "sanitize-ringtop-screen", 90)
{
	/* keys pressed in turn: the screen each must bring */
	static const struct {
		const char *key, *want, *why;
	} views[] = {
		{ "\r", "Ring 1", "no detail view" },
		{ "2", "OWNER", "no Schemes tab" },
		{ "3", "CLIENT", "no Clients tab" },
		{ "4", "REGION", "no Memory tab" },
	};
	const char *bin = ringtop_binary(), *slave;
	struct winsize ws = { .ws_row = 40, .ws_col = 200 };
	pid_t srv, pid, parent = getpid();
	size_t i;
	int mfd;

	td_begin(&d, NULL);
	srv = evil_ringd(false);
	TAP_SYS(mfd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
	TAP_SYS(grantpt(mfd));
	TAP_SYS(unlockpt(mfd));
	TAP_ASSERT((slave = ptsname(mfd)) != NULL);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		int sfd;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent || setsid() < 0 ||
		    (sfd = open(slave, O_RDWR)) < 0 ||
		    ioctl(sfd, TIOCSCTTY, 0) < 0 ||
		    ioctl(sfd, TIOCSWINSZ, &ws) < 0)
			_exit(126);
		dup2(sfd, 0);
		dup2(sfd, 1);
		dup2(sfd, 2);
		/* the multibyte path of ncursesw, which C1 could slip into */
		setenv("TERM", "xterm", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("LINES");
		unsetenv("COLUMNS");
		setenv("ESCDELAY", "25", 1);
		execl(bin, bin, "-d", "0.2", "-S", evil_path, (char *)NULL);
		_exit(127);
	}
	pty_len = 0;
	if (!pty_wait(mfd, "PWNED", 10000))
		TAP_FAIL("ringtop's Rings tab never showed the ring: %.2000s",
		    pty_out);
	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		pty_key(mfd, views[i].key);
		if (!pty_wait(mfd, views[i].want, 10000))
			TAP_FAIL("%s", views[i].why);
	}
	pty_key(mfd, "q");
	if (!tap_reap_within(pid, 10000))
		TAP_FAIL("ringtop did not quit");
	(void)pty_wait(mfd, NULL, 0);
	close(mfd);
	/* and nothing of them raw: ncurses itself sends no OSC for xterm */
	pty_check("an OSC sequence", "\x1b]", 2);
	pty_check("a C1 CSI", "\xc2\x9b", 2);
	pty_check_csi8();
	pty_check("a byte that is not UTF-8", "\xff", 1);
	pty_check("a DEL", "\x7f", 1);
	pty_check("the scheme's colour", "\x1b[31mil", 7);
	pty_check("ringd's clear screen", "ringd \x1b[2J", 10);
	/* the names were on screen, escaped */
	TAP_ASSERT(memmem(pty_out, pty_len, "\\033]2;PWNED\\007", 14) != NULL);
	TAP_ASSERT(memmem(pty_out, pty_len, "\\033]2;PWN\\007", 12) != NULL);
	tap_kill(srv);
	td_finish(&d);
}

/* --- item 4: errnos in replies are not a lost connection ------------------------ */

/*
 * A scheme that refuses each open with the next errno of errs (0 ends the
 * list), dies at the open after them when die is set, or answers nothing
 * when it is not; a helper until done is written.
 */
static pid_t
refuser(const char *name, const int *errs, bool die, int done[2])
{
	int ready[2];
	pid_t pid;

	tu_pipe(ready);
	tu_pipe(done);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl *c = td_connect(&d);
		struct ring_attach at;
		unsigned i;

		TAP_OK(ring_ctl_register(c, name, NULL, 0));
		tu_notify(ready[1]);
		for (i = 0; errs[i] != 0; i++) {
			TAP_OK(ring_ctl_wait_attach(c, &at, 20000));
			TAP_OK(ring_ctl_refuse(c, &at, -errs[i]));
		}
		if (die) {
			TAP_OK(ring_ctl_wait_attach(c, &at, 20000));
			_exit(0); /* mid-open, as a crash would */
		}
		tu_await(done[0], 30000);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tu_await(ready[0], 5000);
	tu_pipe_close(ready);
	return pid;
}

static void
expect_refused(const char *scheme, const char *errno_name)
{
	struct json_object *o;

	CTL("-j", "submit", scheme, "noop");
	if (r.status != 1)
		TAP_FAIL("submit to '%s' refused with %s: exit %d, expected 1 "
			 "(3 means unreachable); stderr: %s",
		    scheme, errno_name, r.status, r.err);
	o = tr_parse(r.out);
	TAP_ASSERT(strcmp(tr_str(o, "errno"), errno_name) == 0);
	json_object_put(o);
	expect_has("stderr", r.err, "cannot open ring to '");
}

TAP_TEST(test_reply_errno, "ringctl-reply-errno", 120)
{
	static const int errs[] = { ECONNRESET, EPIPE, ENOTCONN, ECONNREFUSED,
		ETIMEDOUT, ECONNRESET, ECONNRESET, 0 };
	static const int none[] = { 0 };
	int done[2], done2[2];
	pid_t pid, pid2;

	td_begin(&d, NULL);
	pid = refuser("refuser", errs, false, done);
	expect_refused("refuser", "ECONNRESET");
	expect_refused("refuser", "EPIPE");
	expect_refused("refuser", "ENOTCONN");
	expect_refused("refuser", "ECONNREFUSED");
	expect_refused("refuser", "ETIMEDOUT");
	/* in a batch: the error is the scheme's, the session goes on */
	tr_runv(d.dir, &r, "submit refuser noop\nstatus\nsubmit null noop\n",
	    (const char *const[]){ "-S", d.sock, "-b", "-", "--force", NULL });
	EXPECT_STATUS(1);
	expect_has("batch", r.out, "health:   ok");
	expect_has("batch", r.out, "user_data=0 status=0 ");
	/* and the first error decides without --force: 1, not 3 */
	tr_runv(d.dir, &r, "submit refuser noop\nstatus\n",
	    (const char *const[]){ "-S", d.sock, "-b", "-", NULL });
	EXPECT_STATUS(1);
	tu_notify(done[1]);
	tap_reap(pid);
	/* a scheme that dies during the open: ringd answers -ECONNRESET */
	pid2 = refuser("crasher", none, true, done2);
	expect_refused("crasher", "ECONNRESET");
	tap_reap(pid2);
	tu_pipe_close(done);
	tu_pipe_close(done2);
	/* ringd out of reach is still 3 */
	td_stop(&d);
	CTL("submit", "null", "noop");
	EXPECT_STATUS(3);
	td_cleanup(&d);
}

/* A scheme that never answers: ringd gives up with -ETIMEDOUT. */
TAP_TEST(test_reply_timeout, "ringctl-reply-timeout", 60)
{
	static const int none[] = { 0 };
	int done[2];
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 300\n");
	pid = refuser("sleeper", none, false, done);
	expect_refused("sleeper", "ETIMEDOUT");
	tu_notify(done[1]);
	tap_reap(pid);
	tu_pipe_close(done);
	td_finish(&d);
}

/* --- item 12: a NUL byte in a batch line ------------------------------------- */

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		TAP_FAIL("cannot write '%s'", path);
	close(fd);
}

TAP_TEST(test_batch_nul, "ringctl-batch-nul", 60)
{
	/* the line would run as "rings -q" if the NUL cut it */
	static const char cmds[] = "status\nrings -q\0; frob\nschemes -q\n";
	char path[256];
	pid_t pid;

	td_begin(&d, NULL);
	snprintf(path, sizeof(path), "%s/cmds", d.dir);
	write_file(path, cmds, sizeof(cmds) - 1);
	CTL("-b", path);
	EXPECT_STATUS(2);
	expect_has("stderr", r.err, "cmds:2: NUL byte in the line");
	expect_has("stderr", r.err, "cmds:2: stopping at the first error");
	expect_has("stdout", r.out, "health:   ok");
	TAP_ASSERT(strstr(r.out, "echo\nnull\nzero\n") == NULL);
	/* --force: refused all the same, the next line runs */
	CTL("-b", path, "--force");
	EXPECT_STATUS(2);
	expect_has("stderr", r.err, "cmds:2: NUL byte in the line");
	expect_has("stdout", r.out, "echo\nnull\nzero\n");
	/* from stdin */
	pid = tr_spawn_in(d.dir, "nul", path,
	    (const char *const[]){ "-S", d.sock, "-b", "-", NULL });
	tr_collect(d.dir, "nul", pid, 30000, &r);
	EXPECT_STATUS(2);
	expect_has("stderr", r.err, "<stdin>:2: NUL byte in the line");
	/* the shell without a terminal reports it and goes on */
	pid = tr_spawn_in(d.dir, "nul", path,
	    (const char *const[]){ "-S", d.sock, "shell", NULL });
	tr_collect(d.dir, "nul", pid, 30000, &r);
	expect_has("stderr", r.err, "<stdin>:2: NUL byte in the line");
	expect_has("stdout", r.out, "echo\nnull\nzero\n");
	td_finish(&d);
}

TAP_MAIN(td_setup)
