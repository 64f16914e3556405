/*
 * ringctl.h - ringctl's shared types: the command table every front end
 * (one-shot CLI, readline shell, batch files, help, completion) reads, the
 * parsed arguments of one command, and the output and connection helpers.
 * Each prototype block names the file that defines it.
 */
#ifndef RINGCTL_H
#define RINGCTL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include <ring/ctl.h>
#include <ring/ring.h>

/* Exit statuses (ringctl(1) EXIT STATUS). */
#define RC_OK 0
#define RC_FAIL 1
#define RC_USAGE 2
#define RC_UNREACHABLE 3
#define RC_INTERRUPTED 130 /* a shell command stopped by Ctrl-C */
/* exec: otherwise the program's own status (128 + signal when killed) */
#define RC_EXEC_FAILED 125   /* ringctl could not set the program up */
#define RC_EXEC_CANNOT 126   /* the program is there but cannot be run */
#define RC_EXEC_NOTFOUND 127 /* no such program */

#define RC_HELD_MAX 64 /* regions the shell remembers holding */

/* One invocation's state, shared by every command it runs. */
struct ringctl {
	const char *sock;	   /* -S, NULL: the path scope names */
	enum ring_ctl_scope scope; /* --system, --user, or the default rule */
	bool json;		   /* -j */
	bool pretty;		   /* -p */
	bool in_shell;		   /* running commands from the shell or -b */
	struct ring_ctl *ctl;	   /* NULL until a command needs ringd */
	char sock_path[108];	   /* the path connected to, for messages */
	bool interactive; /* the readline shell: Ctrl-C stops a command */
	bool lost;	  /* the connection broke; the next one says so */
	uint64_t held[RC_HELD_MAX]; /* regions the connection holds (no
				       --persist), to report when it breaks */
	unsigned nheld;
};

/* What a positional argument is, for completion. */
enum cmd_arg {
	ARG_NONE = 0,
	ARG_SCHEME,
	ARG_RING,
	ARG_OPCODE,
	ARG_FIELD,
	ARG_REGION,
	ARG_COMMAND,
	ARG_PROGRAM, /* a program to run, then its own arguments */
};

/* One option of a command. */
struct cmd_opt {
	const char *name; /* long name, without "--"; NULL: short only */
	char short_name;  /* 0: long only */
	const char *arg;  /* NULL: a flag; else the value's name for help */
	const char *help;
};

#define CMD_OPT_MAX 12
#define CMD_ARGS_MAX 256

/*
 * A command's options are an array indexed by its option enum (designated
 * initializers, [FOO_OPT_BAR] = { ... }) with a NULL-name terminator at
 * [n], the enum's count; handlers read a->set[FOO_OPT_BAR] and
 * a->val[FOO_OPT_BAR].  This fails the build when the array is not n + 1
 * long or n exceeds what struct cmd_args holds.
 */
#define CMD_OPTS_CHECK(opts, n) \
	_Static_assert(sizeof(opts) / sizeof((opts)[0]) == (size_t)(n) + 1 && \
		(n) <= CMD_OPT_MAX, \
	    #opts " does not match its option enum")
/*
 * Define such an array, name opts, from its rows (one per option, each
 * [FOO_OPT_BAR] = { long, short, arg, help }), add the terminator at [n]
 * and check it.
 */
#define CMD_OPTS(opts, n, ...) \
	static const struct cmd_opt opts[] = { __VA_ARGS__, \
		[n] = { NULL, 0, NULL, NULL } }; \
	CMD_OPTS_CHECK(opts, n)

/* The parsed arguments of one command. */
struct cmd_args {
	int argc; /* positional arguments */
	char **argv;
	bool set[CMD_OPT_MAX];	      /* option i was given */
	const char *val[CMD_OPT_MAX]; /* its value (last one wins) */
	bool quiet;		      /* -q: names or ids only */
};

struct cmd_entry;
/* A command's handler; "static cmd_fn cmd_foo, cmd_bar;" declares two. */
typedef int cmd_fn(struct ringctl *rc, const struct cmd_entry *ce,
    struct cmd_args *a);

/* Command flags. */
#define CMD_QUIET 0x1u	   /* takes -q */
#define CMD_NO_JSON 0x2u   /* has no JSON form (-j is a usage error) */
#define CMD_NOT_SHELL 0x4u /* not from the shell or a batch file */
#define CMD_REGIONS 0x8u   /* changes the regions the connection holds */
#define CMD_OPTS_FIRST 0x10u /* options end at the first positional (the
				rest are a program's own arguments) */

struct cmd_entry {
	const char *name;
	const char *usage; /* arguments after the name, as in the man page */
	const char *help;  /* one line */
	int min_args;
	int max_args; /* -1: any number */
	unsigned flags;
	enum cmd_arg args[3]; /* kinds of the positionals; the last repeats */
	const struct cmd_opt *opts; /* NULL-name terminated, or NULL */
	cmd_fn *exec;
};

/*
 * Define cmd_NAME_entry, the entry of command NAME run by the handler
 * cmd_NAME: its usage and help lines, then its other fields as designated
 * initializers (.flags, .min_args, .max_args, .args, .opts).
 */
#define CMD_ENTRY(NAME, use, hlp, ...) \
	const struct cmd_entry cmd_##NAME##_entry = { .name = #NAME, \
		.usage = use, .help = hlp, .exec = cmd_##NAME, __VA_ARGS__ }

/* ringctl.c */
/* The program: global options, then a command, -b or the shell. */
int ringctl_main(int argc, char **argv);
/* The "usage: ringctl ..." line of ringctl(1)'s SYNOPSIS. */
const char *ringctl_synopsis(void);

/* cmd.c */
/* The commands in table order: *n pointers. */
const struct cmd_entry *const *cmd_table(unsigned *n);
const struct cmd_entry *cmd_find(const char *name);
/* Parse and run one command line (argv[0] is the command). */
int cmd_run(struct ringctl *rc, int argc, char **argv);
int cmd_usage_error(struct ringctl *rc, const struct cmd_entry *ce,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The usage error for s, the what, that a units_parse_*() refused with
 * err: "too large" for -ERANGE, else "bad" and forms (say " (bytes)").
 * RC_OK when err is 0.
 */
int cmd_number_error(struct ringctl *rc, const struct cmd_entry *ce, int err,
    const char *what, const char *s, const char *forms);
void cmd_print_usage(FILE *f, const struct cmd_entry *ce);

/* output.c */
/* Print obj as JSON (compact, or pretty with -p) and drop the reference. */
void out_json(struct ringctl *rc, struct json_object *obj);
/*
 * A list command's short forms: with quiet, each element's key, one a
 * line or, in JSON mode, as an array of those values; in JSON mode
 * without quiet, the array itself.  Either way arr is dropped and true
 * returned; false leaves arr to the caller's table.
 */
bool out_list_short(struct ringctl *rc, bool quiet, struct json_object *arr,
    const char *key);
/*
 * Report a failure: "ringctl: MSG[: reason]" on stderr and, in JSON mode,
 * {"error": ..., "errno": NAME|null} on stdout.  err is -errno, or 0 for
 * none.  Returns status.
 */
int out_fail(struct ringctl *rc, int status, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int out_vfail(struct ringctl *rc, int status, int err, const char *fmt,
    va_list ap);
/*
 * As out_fail(), for a message that already says why: err (-errno) is
 * named in JSON, no reason text is added.
 */
int out_fail_plain(struct ringctl *rc, int status, int err, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
/* Lowercase strerror(), with ringd's meaning for some codes. */
const char *out_strerror(int err);
/* Aligned text tables: columns whose header starts with '>' align right. */
struct table;
struct table *table_new(unsigned ncols, const char *const *headers);
void table_add(struct table *t, ...); /* ncols strings (NULL: "-") */
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);
/*
 * A name from ringd's records (another process chose it) as text safe
 * for a terminal: san_vis() into buf (SAN_VIS_LEN() of the name's size).
 */
const char *out_name(const char *s, char *buf, size_t len);
/* "1234/comm" or "-" for a peer, the command name through out_name(). */
const char *out_peer(struct json_object *peer, char *buf, size_t len);
/* Hex dump of len bytes, 16 a line, offsets starting at base. */
void out_hexdump(FILE *f, const void *p, size_t len, uint64_t base);
/* Number formatting for table cells. */
const char *out_u64(uint64_t v, char *buf, size_t len);

/* conn.c */
/*
 * Connect to ringd unless connected.  Returns 0, or reports and returns
 * RC_UNREACHABLE (or RC_FAIL for a protocol mismatch).
 */
int conn_need(struct ringctl *rc);
/*
 * Report a failed request: a lost connection becomes RC_UNREACHABLE and
 * closes the connection (the shell reconnects on the next command).
 */
int conn_fail(struct ringctl *rc, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Did a request that failed with err lose the connection?  Then it is
 * closed and marked lost, and true returned.  Prints nothing.
 */
bool conn_gone(struct ringctl *rc, int err);
/*
 * Connect again after conn_gone(), printing nothing but the regions the
 * old connection held that the new ringd does not list.  0 or -errno.
 */
int conn_back(struct ringctl *rc);
/*
 * A connection for completion, made (or made again when ringd went away)
 * without printing anything; what a reconnection has to say waits for
 * the next conn_need().  NULL when ringd cannot be reached.
 */
struct ring_ctl *conn_quiet(struct ringctl *rc);
/* Remember the regions this connection holds (the shell, after physalloc). */
void conn_track_regions(struct ringctl *rc);
void conn_close(struct ringctl *rc);
/* Parse a ring id or a region id ("3"); usage error on bad input. */
int conn_parse_id(struct ringctl *rc, const struct cmd_entry *ce,
    const char *what, const char *s, uint64_t *id);

/* http.c */
/* What "metrics --listen" serves: GET and HEAD of one path. */
struct http_site {
	const char *path; /* "/metrics" */
	const char *type; /* Content-Type of the body */
	/* A fresh body, malloc'ed into *body; 0, or -errno (answered 500). */
	int (*body)(void *arg, char **body, size_t *len);
	void *arg;
};
/*
 * Listen on "[ADDR:]PORT" or "[V6ADDR]:PORT" (no ADDR: 127.0.0.1; PORT 0:
 * any free port).  Fills *fd and name ("127.0.0.1:9464", "[::1]:9464").
 * -EINVAL: spec is not of that form; else the failing call's -errno.
 */
int http_listen(const char *spec, int *fd, char *name, size_t nlen);
/* Serve site on fd until SIGINT or SIGTERM: 0, or -errno. */
int http_serve(int fd, const struct http_site *site);

/*
 * The commands' entries, each defined next to its handler (cmd-status.c,
 * cmd-scheme.c, cmd-ring.c, ...); cmd.c lists them in table order.
 */
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_schemes_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_rings_entry;
extern const struct cmd_entry cmd_ring_entry;
extern const struct cmd_entry cmd_clients_entry;
extern const struct cmd_entry cmd_submit_entry;
extern const struct cmd_entry cmd_physalloc_entry;
extern const struct cmd_entry cmd_physfree_entry;
extern const struct cmd_entry cmd_regions_entry;
extern const struct cmd_entry cmd_physmap_entry;
extern const struct cmd_entry cmd_monitor_entry;
extern const struct cmd_entry cmd_metrics_entry;
extern const struct cmd_entry cmd_exec_entry;
extern const struct cmd_entry cmd_shell_entry;
extern const struct cmd_entry cmd_help_entry;

/* shell.c */
/*
 * Non-zero once Ctrl-C (SIGINT), or SIGTERM or SIGHUP, reached the
 * interactive shell, or SIGINT or SIGTERM a one-shot monitor: the running
 * command stops at its next check and returns RC_INTERRUPTED (monitor: 0).
 */
extern volatile sig_atomic_t shell_interrupted;
/* Sleep ns, in short steps; false when interrupted meanwhile. */
bool shell_sleep(uint64_t ns);
/* Run commands from path ("-": stdin); stop at the first error unless force. */
int shell_batch(struct ringctl *rc, const char *path, bool force);
/* Split a command line into words (quotes, backslashes, # comments). */
int shell_split(const char *line, int *argc, char ***argv);
void shell_free_words(int argc, char **argv);

#endif /* RINGCTL_H */
