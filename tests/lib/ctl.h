/*
 * ctl.h - running the real ringctl binary of this build against a private
 * ringd, capturing its stdout, stderr and exit status, checking its JSON
 * with json-c, and driving its shell completions: what the ringctl test
 * programs (t-ringctl-*.c, t-metrics.c) share.
 *
 * ringctl is BUILD/ringctl/ringctl next to BUILD/tests/ ($RINGCTL_BIN
 * overrides).  Its output goes to files in the ringd's private directory,
 * so nothing is left behind when the sub-test ends.  Every helper reports
 * through tap and ends the sub-test on failure.
 */
#ifndef TESTS_CTL_H
#define TESTS_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "tap.h"

struct td;

#define TR_OUT_MAX (256 * 1024)

/* One finished run of ringctl. */
struct tr_run {
	int status; /* exit status; 128 + signal when killed */
	char out[TR_OUT_MAX];
	char err[16384];
};

/* This build's ringctl (see above); fails the sub-test when missing. */
const char *tr_binary(void);
/*
 * Run path instead of ringctl from now on (another program of the build);
 * NULL: ringctl again.
 */
void tr_set_binary(const char *path);

/* Read a whole file into buf (NUL-terminated, truncated to size - 1). */
void tr_slurp(const char *path, char *buf, size_t size);

/*
 * Start the program argv[0] with argv (NULL-terminated) and the file
 * inpath on its stdin (NULL: /dev/null; a FIFO must have a writer
 * already); its stdout and stderr go to files named after tag in dir.
 * Returns the pid.
 */
pid_t tr_spawn_argv(const char *dir, const char *tag, const char *inpath,
    const char *const *argv);

/* tr_spawn_argv() of this build's ringctl with args. */
pid_t tr_spawn_in(const char *dir, const char *tag, const char *inpath,
    const char *const *args);

/* tr_spawn_in() with input (NULL: none) on stdin, through a file. */
pid_t tr_spawn(const char *dir, const char *tag, const char *input,
    const char *const *args);

/* Wait up to ms for pid and collect its output; fail on a hang. */
void tr_collect(const char *dir, const char *tag, pid_t pid, unsigned ms,
    struct tr_run *r);

/*
 * Run "ringctl -S <d's socket> -j cmd args..." to completion into r; it
 * must exit with want.  Returns its stdout parsed as JSON.
 */
struct json_object *tr_cmd_json(const struct td *d, struct tr_run *r,
    const char *cmd, const char *const *args, int want);

/* Run ringctl to completion (30 s at most). */
void tr_runv(const char *dir, struct tr_run *r, const char *input,
    const char *const *args);

/* The run ended with exit status want; else fail, showing its output. */
#define TR_EXPECT_STATUS(run, want) \
	do { \
		if ((run)->status != (want)) \
			TAP_FAIL("exit status %d, expected %d; stderr: %s; " \
				 "stdout: %.300s", \
			    (run)->status, (want), (run)->err, (run)->out); \
	} while (0)
/* Its standard error holds needle. */
#define TR_EXPECT_ERR(run, needle) \
	do { \
		if (strstr((run)->err, (needle)) == NULL) \
			TAP_FAIL("stderr lacks '%s': %s", (needle), \
			    (run)->err); \
	} while (0)

/*
 * Shorthands for a program that keeps its private ringd in a "struct td d"
 * and its last run in a "struct tr_run r" (every ringctl test does).
 */
/* Run ringctl -S <our ringd> ARGS... (to completion). */
#define CTL(...) \
	tr_runv(d.dir, &r, NULL, \
	    (const char *const[]){ "-S", d.sock, __VA_ARGS__, NULL })
/* The same with input on its stdin. */
#define CTL_IN(input, ...) \
	tr_runv(d.dir, &r, (input), \
	    (const char *const[]){ "-S", d.sock, __VA_ARGS__, NULL })
/* CTL(), and it must exit 0. */
#define CTL_OK(...) \
	do { \
		CTL(__VA_ARGS__); \
		EXPECT_STATUS(0); \
	} while (0)
/* The last run's stdout, parsed as JSON. */
#define JSON_OUT() tr_parse(r.out)
#define EXPECT_STATUS(want) TR_EXPECT_STATUS(&r, (want))
#define EXPECT_ERR(needle) TR_EXPECT_ERR(&r, (needle))
/* A failure: exit status want and needle on stderr. */
#define EXPECT_FAIL(want, needle) \
	do { \
		EXPECT_STATUS(want); \
		EXPECT_ERR(needle); \
	} while (0)
/* A usage error: status 2, one "ringctl: " line first, nothing on stdout. */
#define EXPECT_USAGE(needle) \
	do { \
		EXPECT_STATUS(2); \
		EXPECT_ERR(needle); \
		if (strncmp(r.err, "ringctl: ", 9) != 0) \
			TAP_FAIL("stderr does not start 'ringctl: ': %s", \
			    r.err); \
		if (r.out[0] != '\0') \
			TAP_FAIL("stdout not empty: %s", r.out); \
		if (strchr(r.err, '\n') != r.err + strlen(r.err) - 1) \
			TAP_FAIL("not one line: %s", r.err); \
	} while (0)

/*
 * Close ring id (ring) and the client c, check that ringd holds nothing more
 * (td_settle()) and stop it, its directory kept: for checks of ringctl
 * with ringd gone.
 */
#define RINGD_DOWN(c, ring, id) \
	do { \
		td_close_ring((c), (ring), (id)); \
		ring_ctl_close(c); \
		td_settle(&d); \
		td_stop(&d); \
	} while (0)

/*
 * One usage error: "ringctl -S <sock> args..." must fail the way
 * EXPECT_USAGE(needle) checks.
 */
struct tr_usage {
	const char *args[10];
	const char *needle;
};

/*
 * Run each of cases[n] against d's ringd (its output in r) and check
 * EXPECT_USAGE()'s conditions; a failure names the case's arguments.
 */
void tr_usage_cases(const struct td *d, struct tr_run *r,
    const struct tr_usage *cases, size_t n);
/* tr_usage_cases() over a whole array, in the CTL() program's frame. */
#define USAGE_CASES(cases) \
	tr_usage_cases(&d, &r, (cases), sizeof(cases) / sizeof((cases)[0]))

/*
 * Source top/completions/script in bash and call func with COMP_WORDS set
 * from words (the last one being completed), env ("" for none) in front
 * and bindir first in $PATH; the replies into out, one a line ("" when
 * there are none).  Temporary files go to dir.
 */
void tr_bash_complete(const char *dir, const char *top, const char *bindir,
    const char *script, const char *func, const char *env, const char *words,
    char *out, size_t len);

/*
 * dir/.zshrc for an interactive "ZDOTDIR=dir zsh -i": prompt "zsh> ", the
 * completions of top/completions first in $fpath, path (a ':' list)
 * first in $PATH, compinit with its dump in dir.
 */
void tr_zshrc(const char *dir, const char *top, const char *path);

/* Parse s as JSON with json-c; fail the sub-test when it is not. */
struct json_object *tr_parse(const char *s);

/*
 * Check that obj has every key of spec, each "name:type" with type one of
 * int, string, bool, object, array, and a trailing '?' when null is
 * allowed too ("pid:int?"), and no key beyond those.
 */
void tr_keys_at(struct json_object *obj, const char *what,
    const char *const *spec, const char *file, int line);
#define tr_keys(obj, what, ...) \
	tr_keys_at((obj), (what), (const char *const[]){ __VA_ARGS__, NULL }, \
	    __FILE__, __LINE__)

/* The member key of obj (NULL when missing or null). */
struct json_object *tr_get(struct json_object *obj, const char *key);

int64_t tr_int(struct json_object *obj, const char *key);

const char *tr_str(struct json_object *obj, const char *key);

/* The keys of each model object, as ringctl(1) JSON OUTPUT lists them. */
#define TR_PEER_KEYS "pid:int?", "uid:int", "gid:int", "comm:string"
#define TR_QUEUE_KEYS \
	"head:int", "tail:int", "depth:int", "push_epoch:int", \
	    "pop_epoch:int", "status:array", "pop_wait:array", \
	    "push_wait:array"
#define TR_RING_KEYS \
	"id:int", "scheme:string", "kind:string", "state:string", \
	    "builtin:bool", "consumer:object", "producer:object", \
	    "entry_bits:int?", \
	    "sq_entries:int", "cq_entries:int", "sqe_size_bytes:int", \
	    "cqe_size_bytes:int", "pool_bytes:int", "age_ns:int", \
	    "sq_depth:int", "cq_backlog:int", "submitted:int", "taken:int", \
	    "completed:int", "reaped:int", "sq:object", "cq:object"
#define TR_SCHEME_KEYS \
	"name:string", "builtin:bool", "owner:object", "rings:int", \
	    "rings_opened:int", "opcodes_declared:bool", "opcodes:array"
#define TR_OPCODE_KEYS "code:int", "name:string?"
#define TR_CLIENT_KEYS \
	"id:int", "pid:int", "uid:int", "gid:int", "comm:string", \
	    "schemes:int", "rings:int", "age_ns:int"
#define TR_ERROR_KEYS "error:string", "errno:string?"
#define TR_SUBMIT_KEYS \
	"ring_id:int", "scheme:string", "opcode:object", "user_data:int", \
	    "status:int", "flags:int", "extra:int", "errno:string?", \
	    "latency_ns:int", "data_hex:string?"

#endif /* TESTS_CTL_H */
