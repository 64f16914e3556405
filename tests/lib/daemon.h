/*
 * daemon.h - a private ringd for the integration tests (td_ prefix; named
 * apart from the daemon's own ringd/ringd.h).
 *
 * td_setup() (called once from main, after tap_init()) makes a temporary
 * directory for the whole program and removes it when main exits, however
 * the sub-tests ended.  td_start() runs the ringd binary of the same build
 * tree ($RINGD_BIN overrides) in the foreground on a socket of its own in
 * a fresh directory below that one, with a config file (possibly empty, so
 * that no system-wide one is read) and its stderr in a log file, and waits
 * until a client can talk to it.
 *
 * ringd runs as a direct child of the sub-test with PR_SET_PDEATHSIG, so a
 * failing sub-test takes it down; td_stop() ends it with SIGTERM and
 * checks a clean exit, td_kill() ends it with SIGKILL.  Both act on its pid
 * alone.
 *
 * Failures report through the harness and end the sub-test; reports about
 * ringd itself print the tail of its log as '#' lines first.
 */
#ifndef TESTS_DAEMON_H
#define TESTS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "../../common/common.h"

#include "tap.h"

#define TD_PATH_MAX 128
#define TD_DIR_MAX 80 /* leaves room for the socket name in sun_path */

/* One private ringd. */
struct td {
	pid_t pid;		   /* 0 when not running */
	char dir[TD_DIR_MAX];	   /* its private directory */
	char sock[108];		   /* socket path (fits sun_path) */
	char conf[TD_PATH_MAX];	   /* ringd.conf, always passed with -c */
	char pidfile[TD_PATH_MAX]; /* used with TD_PIDFILE */
	char log[TD_PATH_MAX];	   /* ringd's stdout and stderr */
	int fd_base;		   /* descriptors ringd holds with no client and
				      no ring; -1: not known (td_start()) */
	int fd_client;		   /* descriptors one client adds */
	int map_base;		   /* memfd mappings ringd holds when idle */
	uint32_t schemes_base;	   /* schemes it lists when idle (built-ins) */
	int status;		   /* wait status once it exited */
	const char *env_sock;	   /* not NULL: $RINGD_SOCKET for ringd, even
				     with -S */
};

/* td_start() flags. */
#define TD_PIDFILE 0x1u	   /* pass -p pidfile */
#define TD_ENV_SOCKET 0x2u /* name the socket by RINGD_SOCKET, not -S */
#define TD_NO_WAIT 0x4u	   /* do not wait for the socket (expected to fail) */
#define TD_NOFILE_64 0x8u  /* RLIMIT_NOFILE 64 (soft and hard) for ringd */
#define TD_DAEMON 0x10u	   /* no -f: ringd detaches (implies TD_NO_WAIT) */
#define TD_NOTIFY 0x20u	   /* keep $NOTIFY_SOCKET from our environment */
#define TD_ENV_RELATIVE \
	0x40u /* with TD_ENV_SOCKET: run in d->dir and
				 name the socket relative to it */
#define TD_CONF_SOCKET \
	0x80u /* neither -S nor $RINGD_SOCKET: the config
				names d->sock (set it before starting) */

/* Once per program, from main. */
void td_setup(void);

/* The ringd binary to run, or NULL when there is none. */
const char *td_binary(void);
/*
 * A program of this build (common's build_path()): $env when set (env may
 * be NULL), else BUILD/rel next to BUILD/tests/; fails the sub-test when
 * it is not there and executable.  Returns buf.
 */
const char *td_build_bin(const char *env, const char *rel, char *buf,
    size_t len);

/*
 * Make d's directory and write its config (conf NULL: an empty one).
 * d must start zeroed; a prepared d only gets its config rewritten.
 */
void td_prepare(struct td *d, const char *conf);
/* Replace d's config file (for SIGHUP reloads). */
void td_write_conf(const struct td *d, const char *conf);
/*
 * Run ringd for d (prepared or not) and, unless TD_NO_WAIT, wait up to
 * 5 s until a client can talk to it; then, if ringd has no other client
 * and no ring, record its idle fd and mapping counts and what one client
 * adds (otherwise fd_base is -1).  Either way, ringd has let go of every
 * connection td_start() made when it returns.  extra_args: more
 * arguments, NULL-terminated, or NULL.
 */
void td_start_args(struct td *d, const char *conf, unsigned flags,
    const char *const *extra_args);
#define td_start(d, conf, flags) td_start_args((d), (conf), (flags), NULL)

/*
 * Wait up to ms for ringd to exit; true then, with d->status set and the
 * process reaped.
 */
bool td_wait_exit(struct td *d, unsigned ms);
/* Is ringd still running (not exited, not a zombie)? */
bool td_alive(struct td *d);
/* Fail the sub-test unless ringd is still running. */
#define td_assert_alive(d) td_assert_alive_at((d), __FILE__, __LINE__)
void td_assert_alive_at(struct td *d, const char *file, int line);
/*
 * SIGTERM; ringd must exit with status 0 within 10 s and leave neither
 * its socket nor its pidfile behind.
 */
#define td_stop(d) td_stop_at((d), __FILE__, __LINE__)
void td_stop_at(struct td *d, const char *file, int line);
/* SIGKILL and reap, no questions asked. */
void td_kill(struct td *d);
/* Remove d's directory and everything in it. */
void td_cleanup(struct td *d);

/*
 * The usual sub-test: td_begin() zeroes d and starts ringd with conf;
 * td_finish() checks that ringd still runs and has come back to its idle
 * descriptors and mappings (td_settle()), stops it (td_stop()) and removes
 * its directory.
 */
void td_begin(struct td *d, const char *conf);
#define td_finish(d) td_finish_at((d), __FILE__, __LINE__)
void td_finish_at(struct td *d, const char *file, int line);
/* The common ending: close the client c (NULL: none), then td_finish(). */
#define td_end(d, c) td_end_at((d), (c), __FILE__, __LINE__)
void td_end_at(struct td *d, struct ring_ctl *c, const char *file, int line);
/* A consumer's ending: td_close_ring(c, r, id), then td_end(d, c). */
#define td_end_ring(d, c, r, id) \
	td_end_ring_at((d), (c), (r), (id), __FILE__, __LINE__)
void td_end_ring_at(struct td *d, struct ring_ctl *c, struct ring *r,
    uint64_t id, const char *file, int line);

/* Connect to d, failing the sub-test on error. */
#define td_connect(d) td_connect_at((d), __FILE__, __LINE__)
/* Every connection td_connect() made (for valgrind: see ringd.c). */
extern struct ring_ctl *volatile td_conns[64];
struct ring_ctl *td_connect_at(const struct td *d, const char *file, int line);
/* A raw SOCK_SEQPACKET connection to d's socket (no HELLO). */
int td_raw_connect(const struct td *d);
/* The same to any socket path: the descriptor, or -errno. */
int td_sock_connect(const char *path);

/* Open descriptors of a process, and its mappings of memfd files. */
int td_count_fds(pid_t pid);
int td_count_memfd_maps(pid_t pid);
int td_count_maps_where(pid_t pid, bool (*match)(const char *line));
/*
 * Wait up to 10 s until ringd reports itself idle (no client but our
 * probe, no ring, no scheme but the built-ins) and then holds no more
 * descriptors and memfd mappings than it did idle at start; fail listing
 * what it reported and holds.  Every client must be gone (persistent
 * physical regions may stay); ringd has let go of the probe when it
 * returns.
 */
#define td_settle(d) td_settle_at((d), __FILE__, __LINE__)
void td_settle_at(struct td *d, const char *file, int line);

/* The last lines of ringd's log as '#' diagnostics. */
void td_dump_log(const struct td *d, unsigned lines);
/* Does ringd's log contain s? */
bool td_log_has(const struct td *d, const char *s);
/* How many times ringd's log holds s. */
unsigned td_log_count(const struct td *d, const char *s);
/*
 * Send ringd SIGHUP and wait up to ms until its log holds mark once more
 * than before; fail otherwise.
 */
void td_sighup_expect(struct td *d, const char *mark, unsigned ms);
/* Fail with ringd's log tail printed first. */
#define TD_FAIL(d, ...) \
	do { \
		td_dump_log((d), 15); \
		TAP_FAIL(__VA_ARGS__); \
	} while (0)

/* Read a small text file into buf (NUL-terminated); -errno or length. */
int td_read_file(const char *path, char *buf, size_t size);

/* --- client-side helpers (fail the sub-test on error) ----------------- */

/* Open a ring to scheme; *id may be NULL. */
#define td_open(c, scheme, sq, flags, pool, id) \
	td_open_at((c), (scheme), (sq), (flags), (pool), (id), __FILE__, \
	    __LINE__)
struct ring *td_open_at(struct ring_ctl *c, const char *scheme, uint32_t sq,
    uint32_t flags, uint64_t pool, uint64_t *id, const char *file, int line);
/* Push one SQE, wait up to 5 s for one CQE and pop it. */
#define td_roundtrip(r, sqe, cqe) \
	td_roundtrip_at((r), (sqe), (cqe), __FILE__, __LINE__)
void td_roundtrip_at(struct ring *r, const struct ring_sqe *sqe,
    struct ring_cqe *cqe, const char *file, int line);
/*
 * A ring of scheme (sq entries, pool bytes) opened through c for one
 * round trip of sqe, then closed and seen gone; the CQE in cqe.
 */
#define td_roundtrip_once(c, scheme, sq, pool, sqe, cqe) \
	td_roundtrip_once_at((c), (scheme), (sq), (pool), (sqe), (cqe), \
	    __FILE__, __LINE__)
void td_roundtrip_once_at(struct ring_ctl *c, const char *scheme, uint32_t sq,
    uint64_t pool, const struct ring_sqe *sqe, struct ring_cqe *cqe,
    const char *file, int line);
/* Pop one CQE, waiting up to ms; the return of the last pop or wait. */
int td_cq_pop_wait(struct ring *r, struct ring_cqe *cqe, unsigned ms);
/* ringd's record of a ring or a scheme; false when it has none. */
bool td_find_ring(struct ring_ctl *c, uint64_t id, struct ring_ctl_ring *out);
bool td_find_scheme(struct ring_ctl *c, const char *name,
    struct ring_ctl_scheme *out);
/* Wait up to 10 s for ringd to forget a ring (a scheme). */
#define td_await_ring_gone(c, id) \
	td_await_ring_gone_at((c), (id), __FILE__, __LINE__)
void td_await_ring_gone_at(struct ring_ctl *c, uint64_t id, const char *file,
    int line);
/* The consumer is done with ring id: close it, tell ringd, see it gone. */
#define td_close_ring(c, r, id) \
	td_close_ring_at((c), (r), (id), __FILE__, __LINE__)
void td_close_ring_at(struct ring_ctl *c, struct ring *r, uint64_t id,
    const char *file, int line);
#define td_await_scheme_gone(c, name) \
	td_await_scheme_gone_at((c), (name), __FILE__, __LINE__)
void td_await_scheme_gone_at(struct ring_ctl *c, const char *name,
    const char *file, int line);
/*
 * Wait up to 3 s for ringd's status to count n clients (one that left
 * goes a moment later); st gets the last status.
 */
#define td_await_clients(c, n, st) \
	td_await_clients_at((c), (n), (st), __FILE__, __LINE__)
void td_await_clients_at(struct ring_ctl *c, uint32_t n,
    struct ring_ctl_status *st, const char *file, int line);
/* Drop to uid/gid 65534 (setgroups, setresgid, setresuid), or fail. */
void td_become_nobody(void);
#define TD_NOBODY 65534u

#endif /* TESTS_DAEMON_H */
