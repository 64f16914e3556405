/*
 * common.h - the code every program of the suite shares (ringd, ringctl,
 * ringtop, bench, the tests and the blkdev examples link libcommon.a):
 * errno and opcode names, sizes and durations as people write and read
 * them, clocks, the latency histogram, finding this build's programs,
 * socket paths, peers and text made safe for a terminal.  JSON of the
 * introspection model is in model-json.h; options in opts.h.
 *
 * It builds on libring's public headers, libc, libbsd and glibc; libring
 * must never depend on it (see README.md).  Nothing here prints, logs or
 * exits.  Parsers return 0 or -errno: -EINVAL for text that is not a
 * value, -ERANGE for a value that does not fit.
 */
#ifndef COMMON_COMMON_H
#define COMMON_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/ctl.h>
#include <ring/ring.h>

/* errname.c: "ENOENT" for ENOENT (positive or negative), NULL if unknown. */
const char *errname(int err);
/* errname.c: the value of a name such as "ENOENT", or -EINVAL. */
int errname_parse(const char *name);

/*
 * opname.c: could s, in any case, be a name a scheme declared for one of
 * its opcodes (ring_op_name_ok() of s in lowercase)?
 */
bool opname_declarable(const char *s);
struct ring_ctl_opname;
/* opname.c: the opcode a scheme declared s for (any case), or -ENOENT. */
int opname_find(const char *s, const struct ring_ctl_opname *v, size_t n,
    uint8_t *code);

/*
 * The splitmix64 step: a well-mixed function of x, for seeded pseudo-random
 * streams (x advanced by any odd constant) and cheap position hashes.
 */
static inline uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * clock.c: CLOCK_MONOTONIC in ns (clock_ns) and ms (clock_ms), and
 * CLOCK_REALTIME in ns (clock_wall_ns): the suite's clocks.
 */
uint64_t clock_ns(void);
uint64_t clock_ms(void);
uint64_t clock_wall_ns(void);

/*
 * hist.c: a latency histogram, log-linear with 2^HIST_SUB_BITS steps per
 * power of two; zero-initialise, hist_add() values, read quantiles.
 */
#define HIST_SUB_BITS 5
#define HIST_SIZE 2048
struct hist {
	uint64_t n[HIST_SIZE];
	uint64_t count, min, max, sum;
};
void hist_add(struct hist *h, uint64_t v);
/* hist.c: the value at quantile p (0..1), at most its bucket's top. */
uint64_t hist_quantile(const struct hist *h, double p);

/*
 * io.c: read (wr false) or write exactly len bytes: 0, -errno, or -EPIPE
 * at end of file.
 */
int io_full(int fd, void *buf, size_t len, bool wr);
/* io.c: SIGINT, SIGTERM and SIGHUP to fn (no flags, empty mask). */
void sig_catch_stop(void (*fn)(int));

/*
 * build.c: the path of another program of this build: $env when set and
 * not empty, else rel (e.g. "ringd/ringd") beside the running program's
 * build directory (BUILD/tests/t-foo or BUILD/bench/ring-bench ->
 * BUILD/rel).  0 when it is executable, else -errno (-ENAMETOOLONG when
 * it does not fit buf).
 */
int build_path(const char *env, const char *rel, char *buf, size_t len);

/*
 * units.c: an unsigned number, decimal or 0x hex, no sign, no
 * trailing text.
 */
int units_parse_u64(const char *s, uint64_t *v);
/* units.c: a signed number (decimal or 0x hex, optional leading '-'). */
int units_parse_i64(const char *s, int64_t *v);
/*
 * units.c: a size in bytes, decimal or 0x hex, with an optional binary
 * suffix K, M, G, T, P, E (also KB, KiB, MiB...; any case; "4K" = 4096),
 * scaled by expand_number(3).  The one size parser of the suite: ringd
 * (ringd.conf, -z), ringctl, ringtop and the blkdev examples.
 */
int units_parse_size(const char *s, uint64_t *v);
/*
 * units.c: a duration: a decimal number of seconds ("5", "0.5") or a
 * number with a unit ns, us, ms, s, m or h ("250ms", "1.5s", "3m").  The
 * one parser of every duration option of ringctl and ringtop.
 */
int units_parse_duration(const char *s, uint64_t *ns);

/* units.c: "4.0K", "1.5M", "512": a size for a column (binary units). */
const char *units_fmt_size(uint64_t bytes, char *buf, size_t len);
/*
 * units.c: v (at least base) divided by base until it is under base or the
 * suffixes run out, with one decimal under 10 and its suffix: "4.0K",
 * "15k".  units_fmt_size() and ringtop's counts.
 */
const char *units_fmt_scaled(double v, double base, const char *suffixes,
    char *buf, size_t len);
/* units.c: "830ns", "12.3us", "4.56ms", "7.20s", "5m06s", "3h04m", "2d03h". */
const char *units_fmt_duration(uint64_t ns, char *buf, size_t len);

/*
 * sockpath.c: the socket to dial: opt (-S) when not NULL, else the one
 * scope names (ring_ctl_socket_path_for()); 0 or -errno.
 */
int sock_path(const char *opt, enum ring_ctl_scope scope, char *buf,
    size_t len);
/*
 * sockpath.c: the message for a ringd out of reach, into buf (returned):
 * "cannot connect to ringd at '/run/ringd/ringd.sock' (system) or
 * '/run/user/1000/ringd.sock' (user): no such file or directory: is
 * ringd running?", with "join group 'ringd'" for a permission denied.
 * opt and scope as given to sock_path(); path NULL when sock_path()
 * failed with err.
 */
const char *sock_error(char *buf, size_t len, const char *opt,
    enum ring_ctl_scope scope, const char *path, int err);

/*
 * sockpath.c: a ringd connection that outlives ringd's restarts
 * (ring_ctl_set_reconnect()) as its user last saw it: set up when it
 * connects; ctl_watch() says what changed since the last look, either
 * bit or both.
 */
struct ctl_watch {
	bool up;	   /* connected, as last seen */
	uint64_t restarts; /* times ringd came back */
};
#define CTL_WENT_AWAY 1u /* connected at the last look, not now */
#define CTL_CAME_BACK 2u /* ring_ctl_reconnects() moved on */
unsigned ctl_watch(struct ctl_watch *w, const struct ring_ctl *c);

/*
 * peer.c: a peer as both front ends print it: "pid/comm" (comm through
 * san_vis()), comm alone (or "ringd") for ringd itself (pid 0).  Returns
 * buf.
 */
const char *peer_fmt(char *buf, size_t len, uint64_t pid, const char *comm,
    size_t max);

/*
 * sanitize.c: every name that came from another process (ringd's records:
 * scheme and opcode names, peers' command names, ringd's version) goes
 * through these before it reaches a terminal.
 *
 * san_vis(): at most max bytes of src (up to a NUL) into dst as text safe
 * for a terminal, NUL-terminated, cut before an escape that does not fit:
 * printable ASCII stays, a backslash becomes "\\" and every other byte
 * (C0 controls, DEL, every byte >= 0x80) the octal escape "\ooo" (ESC is
 * "\033"), as vis(3) with VIS_OCTAL does.  Returns dst.  SAN_VIS_LEN(n)
 * is the room n bytes can need.
 */
#define SAN_VIS_LEN(n) (4 * (n) + 1)
const char *san_vis(char *dst, size_t len, const char *src, size_t max);
/*
 * sanitize.c: is s (at most max bytes) printable ASCII only, nothing a
 * terminal could act on?  True for whatever san_vis() wrote.
 */
bool san_is_plain(const char *s, size_t max);
/*
 * sanitize.c: JSON text (as json-c writes it, C0 controls escaped) made
 * valid UTF-8 and free of raw control characters: each byte that is not
 * part of well-formed UTF-8 becomes the escape \ufffd (U+FFFD), DEL and
 * the C1 controls U+0080..U+009F become \u007f, \u0080...; the rest is
 * unchanged.  Returns a new string (free() it), or NULL without memory.
 */
char *san_json(const char *text);

#endif /* COMMON_COMMON_H */
