/*
 * cmd.c - the command table and what reads it: argument parsing, usage
 * errors, help.  The shell, batch files, completion and the man page list
 * commands in this table's order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "common/common.h"

static const struct cmd_opt cmd_submit_opts[] = {
	{ "data-file", 0, "FILE", "put FILE's bytes in the buffer pool" },
	{ "bits", 0, "32|64", "entry width of the ring (default 64)" },
	{ "timeout", 0, "DURATION", "wait this long for completions (5s)" },
	{ "count", 'n', "N", "submit N times and print a summary" },
	{ "batch", 0, "B", "push B entries at a time (1)" },
	{ "window", 0, "W", "at most W entries in flight (the batch)" },
	{ "dump", 0, NULL, "hex dump the buffer after the completion" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_physalloc_opts[] = {
	{ "min", 0, "SIZE", "smallest acceptable size (partial)" },
	{ "32", 0, NULL, "allocate below 4 GiB (SPACE_32)" },
	{ "64", 0, NULL, "allocate anywhere (SPACE_64)" },
	{ "partial", 0, "STRATEGY", "optimal, greatest or greedy" },
	{ "sg", 0, NULL, "build a scatter-gather list of ranges" },
	{ "persist", 0, NULL, "keep the region after ringctl exits" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_physfree_opts[] = {
	{ "force", 0, NULL, "free it even while other connections use it" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_physmap_opts[] = {
	{ "dump", 0, NULL, "hex dump the contents (the default)" },
	{ "offset", 0, "O", "start at byte O of the region (0)" },
	{ "len", 0, "L", "dump L bytes (256)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_monitor_opts[] = {
	{ "interval", 'i', "DURATION", "time between snapshots (200ms)" },
	{ "threshold", 't', "N", "report depth changes at or above N (8)" },
	{ "count", 'n', "N", "stop after N events" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_metrics_opts[] = {
	{ "output", 'o', "FILE", "write FILE.tmp, then rename it to FILE" },
	{ "listen", 'l', "[ADDR:]PORT", "serve GET /metrics over HTTP" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_opt cmd_help_opts[] = {
	{ "commands", 0, NULL, "list command names, one a line" },
	{ NULL, 0, NULL, NULL },
};

static const struct cmd_entry cmd_entries[] = {
	{ "status", "", "ringd's version, uptime, counts; exit 0 when healthy",
	    0, 0, 0, { ARG_NONE }, NULL, cmd_status },
	{ "schemes", "[-q]", "list the registered schemes", 0, 0, CMD_QUIET,
	    { ARG_NONE }, NULL, cmd_schemes },
	{ "probe", "[-q] SCHEME", "list the opcodes a scheme serves", 1, 1,
	    CMD_QUIET, { ARG_SCHEME }, NULL, cmd_probe },
	{ "rings", "[-q]", "list the rings ringd brokered", 0, 0, CMD_QUIET,
	    { ARG_NONE }, NULL, cmd_rings },
	{ "ring", "ID", "show one ring in detail", 1, 1, 0, { ARG_RING }, NULL,
	    cmd_ring },
	{ "clients", "[-q]", "list the connections to ringd", 0, 0, CMD_QUIET,
	    { ARG_NONE }, NULL, cmd_clients },
	{ "submit",
	    "[--data-file FILE] [--bits 32|64] [--timeout DURATION] "
	    "[--count N [--batch B] [--window W]] [--dump] "
	    "SCHEME OPCODE [FIELD=VALUE ...]",
	    "open a ring to a scheme, submit an entry, print its completion", 2,
	    -1, 0, { ARG_SCHEME, ARG_OPCODE, ARG_FIELD }, cmd_submit_opts,
	    cmd_submit },
	{ "physalloc",
	    "[--min SIZE] [--32 | --64] [--partial STRATEGY] [--sg] "
	    "[--persist] SIZE",
	    "allocate simulated physical memory (physalloc3)", 1, 1,
	    CMD_REGIONS, { ARG_NONE }, cmd_physalloc_opts, cmd_physalloc },
	{ "physfree", "[--force] ID|BASE", "free a physical memory region", 1, 1,
	    CMD_REGIONS, { ARG_REGION }, cmd_physfree_opts, cmd_physfree },
	{ "regions", "[-q]",
	    "list physical memory regions and each zone's free ranges", 0, 0,
	    CMD_QUIET, { ARG_NONE }, NULL, cmd_regions },
	{ "physmap", "[--offset O] [--len L] ID|ADDRESS",
	    "map a region and hex dump its contents", 1, 1, 0, { ARG_REGION },
	    cmd_physmap_opts, cmd_physmap },
	{ "monitor", "[--interval DURATION] [--threshold N] [--count N] [RING]",
	    "print ring events (attach, detach, drop, depth) as they happen", 0,
	    1, 0, { ARG_RING }, cmd_monitor_opts, cmd_monitor },
	{ "metrics", "[-o FILE | --listen [ADDR:]PORT]",
	    "the live model in Prometheus text format", 0, 0, CMD_NO_JSON,
	    { ARG_NONE }, cmd_metrics_opts, cmd_metrics },
	{ "shell", "", "read commands interactively (readline)", 0, 0,
	    CMD_NOT_SHELL, { ARG_NONE }, NULL, cmd_shell },
	{ "help", "[--commands] [COMMAND]", "list commands or explain one", 0,
	    1, 0, { ARG_COMMAND }, cmd_help_opts, cmd_help },
};

const struct cmd_entry *
cmd_table(unsigned *n)
{
	*n = sizeof(cmd_entries) / sizeof(cmd_entries[0]);
	return cmd_entries;
}

const struct cmd_entry *
cmd_find(const char *name)
{
	unsigned i, n;
	const struct cmd_entry *t = cmd_table(&n);

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int
cmd_opt_index(const struct cmd_entry *ce, const char *name)
{
	int i;

	for (i = 0; ce->opts != NULL && ce->opts[i].name != NULL; i++)
		if (strcmp(ce->opts[i].name, name) == 0)
			return i;
	abort(); /* a handler asked for an option its entry lacks */
}

/* Edit distance, for "did you mean". */
static unsigned
cmd_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;

			d[i][j] = sub < del ? (sub < ins ? sub : ins)
					    : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* ringctl's synopsis, as ringctl(1) has it. */
#define CMD_MAIN_SYNOPSIS \
	"usage: ringctl [-hjpV] [--system | --user | -S socket] " \
	"[-b file [--force]] [command [argument ...]]"

void
cmd_print_usage(FILE *f, const struct cmd_entry *ce)
{
	fprintf(f, "usage: ringctl [-jp] [-S socket] %s%s%s\n", ce->name,
	    ce->usage[0] != '\0' ? " " : "", ce->usage);
}

void
cmd_print_main_usage(FILE *f)
{
	/* the global options, as ringctl(1) lists them */
	static const char *const opts[][2] = {
		{ "-b, --batch FILE", "run the commands in FILE (-: stdin)" },
		{ "    --force", "with -b: go on after a failing command" },
		{ "-h, --help", "print this help and exit" },
		{ "-j, --json", "print JSON" },
		{ "-p, --pretty", "print indented JSON (implies -j)" },
		{ "-S, --socket PATH", "talk to the ringd listening on PATH" },
		{ "    --system",
		    "the system ringd (" RING_CTL_SYSTEM_SOCKET ")" },
		{ "    --user",
		    "the per-user ringd ($XDG_RUNTIME_DIR/ringd.sock)" },
		{ "-V, --version", "print the version and exit" },
	};
	size_t i;

	fprintf(f, "%s\nGlobal options (before the command):\n",
	    CMD_MAIN_SYNOPSIS);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		fprintf(f, "  %-20s %s\n", opts[i][0], opts[i][1]);
	fprintf(f, "Run 'ringctl help' for the list of commands.\n");
}

int
cmd_usage_error(struct ringctl *rc, const struct cmd_entry *ce, const char *fmt,
    ...)
{
	va_list ap;

	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line: the error, and where the usage is */
	if (ce != NULL)
		return out_fail(rc, RC_USAGE, 0, "%s (see 'ringctl help %s')",
		    msg, ce->name);
	return out_fail(rc, RC_USAGE, 0, "%s", msg);
}

/* The option of ce called name (long) or c (short); -1 when none. */
static int
cmd_lookup_opt(const struct cmd_entry *ce, const char *name, size_t len, char c)
{
	int i;

	for (i = 0; ce->opts != NULL && ce->opts[i].name != NULL; i++) {
		if (name != NULL && strlen(ce->opts[i].name) == len &&
		    strncmp(ce->opts[i].name, name, len) == 0)
			return i;
		if (name == NULL && c != 0 && ce->opts[i].short_name == c)
			return i;
	}
	return -1;
}

/*
 * Parse argv[1..] of ce: options anywhere before "--" (GNU style), the
 * common -j/-p/-q/-h, then the positional count.  Returns 0, RC_USAGE
 * after reporting, or -1 when help was asked for and printed.
 */
static int
cmd_parse(struct ringctl *rc, const struct cmd_entry *ce, int argc, char **argv,
    struct cmd_args *a, char **pos)
{
	bool dashdash = false;
	int i, k;

	memset(a, 0, sizeof(*a));
	a->argv = pos;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (dashdash || s[0] != '-' || s[1] == '\0') {
			if (a->argc >= CMD_ARGS_MAX)
				return cmd_usage_error(rc, ce,
				    "%s: too many arguments", ce->name);
			pos[a->argc++] = argv[i];
			continue;
		}
		if (strcmp(s, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t len = eq != NULL ? (size_t)(eq - name)
						: strlen(name);

			if (len == 4 && strncmp(name, "json", 4) == 0 && !eq) {
				rc->json = true;
				continue;
			}
			if (len == 6 && strncmp(name, "pretty", 6) == 0 &&
			    !eq) {
				rc->json = rc->pretty = true;
				continue;
			}
			if (len == 4 && strncmp(name, "help", 4) == 0 && !eq) {
				cmd_print_usage(stdout, ce);
				return -1;
			}
			if ((k = cmd_lookup_opt(ce, name, len, 0)) < 0)
				return cmd_usage_error(rc, ce,
				    "%s: unknown option '--%.*s'", ce->name,
				    (int)len, name);
			if (ce->opts[k].arg == NULL) {
				if (eq != NULL)
					return cmd_usage_error(rc, ce,
					    "%s: option '--%s' takes no value",
					    ce->name, ce->opts[k].name);
				a->set[k] = true;
				continue;
			}
			if (eq != NULL)
				a->val[k] = eq + 1;
			else if (i + 1 < argc)
				a->val[k] = argv[++i];
			else
				return cmd_usage_error(rc, ce,
				    "%s: option '--%s' needs %s", ce->name,
				    ce->opts[k].name, ce->opts[k].arg);
			a->set[k] = true;
			continue;
		}
		/* short options, flags bundled: -jq */
		for (s++; *s != '\0'; s++) {
			if (*s == 'j') {
				rc->json = true;
			} else if (*s == 'p') {
				rc->json = rc->pretty = true;
			} else if (*s == 'h') {
				cmd_print_usage(stdout, ce);
				return -1;
			} else if (*s == 'q' && (ce->flags & CMD_QUIET)) {
				a->quiet = true;
			} else if ((k = cmd_lookup_opt(ce, NULL, 0, *s)) >= 0) {
				a->set[k] = true;
				if (ce->opts[k].arg == NULL)
					continue;
				if (s[1] != '\0')
					a->val[k] = s + 1;
				else if (i + 1 < argc)
					a->val[k] = argv[++i];
				else
					return cmd_usage_error(rc, ce,
					    "%s: option '-%c' needs %s",
					    ce->name, *s, ce->opts[k].arg);
				break;
			} else {
				return cmd_usage_error(rc, ce,
				    "%s: unknown option '-%c'", ce->name, *s);
			}
		}
	}
	if (a->argc < ce->min_args)
		return cmd_usage_error(rc, ce, "%s: missing argument",
		    ce->name);
	if (ce->max_args >= 0 && a->argc > ce->max_args)
		return cmd_usage_error(rc, ce, "%s: unexpected argument '%s'",
		    ce->name, a->argv[ce->max_args]);
	if ((ce->flags & CMD_NO_JSON) && rc->json)
		return cmd_usage_error(rc, ce, "%s: has no JSON form",
		    ce->name);
	return 0;
}

int
cmd_run(struct ringctl *rc, int argc, char **argv)
{
	const struct cmd_entry *ce, *t, *best = NULL;
	unsigned i, n, d, bestd = 3;
	char *pos[CMD_ARGS_MAX];
	struct cmd_args a;
	bool json = rc->json, pretty = rc->pretty;
	int st;

	if ((ce = cmd_find(argv[0])) == NULL) {
		t = cmd_table(&n);
		for (i = 0; i < n; i++)
			if ((d = cmd_distance(argv[0], t[i].name)) < bestd) {
				bestd = d;
				best = &t[i];
			}
		if (best != NULL)
			out_fail(rc, RC_USAGE, 0,
			    "unknown command '%s' (did you mean '%s'?)",
			    argv[0], best->name);
		else
			out_fail(rc, RC_USAGE, 0,
			    "unknown command '%s' (see 'ringctl help')",
			    argv[0]);
		return RC_USAGE;
	}
	if ((ce->flags & CMD_NOT_SHELL) && rc->in_shell)
		return out_fail(rc, RC_USAGE, 0, "%s: already in the shell",
		    ce->name);
	st = cmd_parse(rc, ce, argc, argv, &a, pos);
	if (st == 0) {
		st = ce->exec(rc, ce, &a);
		/* what to report as gone should ringd go away */
		if ((ce->flags & CMD_REGIONS) && rc->in_shell)
			conn_track_regions(rc);
	} else if (st < 0)
		st = RC_OK;
	/* -j given to one shell command lasts for that command */
	rc->json = json;
	rc->pretty = pretty;
	fflush(stdout);
	return st;
}

static const char *const cmd_arg_names[] = {
	[ARG_NONE] = "",
	[ARG_SCHEME] = "scheme",
	[ARG_RING] = "ring",
	[ARG_OPCODE] = "opcode",
	[ARG_FIELD] = "field",
	[ARG_REGION] = "region",
	[ARG_COMMAND] = "command",
};

/* -q of the CMD_QUIET commands, which the parser handles itself. */
static const struct cmd_opt cmd_quiet = { NULL, 'q', NULL,
	"names or ids only, one a line (JSON: an array of them)" };

/* One option for 'help COMMAND': "  -n, --count N   help", GNU style. */
static void
cmd_print_opt(const struct cmd_opt *o)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%c%c%s%s%s%s%s",
	    o->short_name != 0 ? '-' : ' ',
	    o->short_name != 0 ? o->short_name : ' ',
	    o->short_name != 0 && o->name != NULL ? ", " : "  ",
	    o->name != NULL ? "--" : "", o->name != NULL ? o->name : "",
	    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
	printf("  %-24s %s\n", buf, o->help);
}

/* One option for 'help -j COMMAND'. */
static struct json_object *
cmd_opt_json(const struct cmd_opt *o)
{
	struct json_object *j = json_object_new_object();
	char s[2] = { o->short_name, '\0' };

	json_object_object_add(j, "long",
	    o->name != NULL ? json_object_new_string(o->name) : NULL);
	json_object_object_add(j, "short",
	    o->short_name != 0 ? json_object_new_string(s) : NULL);
	json_object_object_add(j, "argument",
	    o->arg != NULL ? json_object_new_string(o->arg) : NULL);
	json_object_object_add(j, "help", json_object_new_string(o->help));
	return j;
}

int
cmd_help(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	const struct cmd_entry *t, *c;
	struct json_object *o, *arr, *opts;
	unsigned i, n;
	int k;

	t = cmd_table(&n);
	if (a->set[cmd_opt_index(ce, "commands")]) {
		if (a->argc != 0)
			return cmd_usage_error(rc, ce,
			    "help: --commands takes no command");
		if (rc->json) {
			arr = json_object_new_array();
			for (i = 0; i < n; i++)
				json_object_array_add(arr,
				    json_object_new_string(t[i].name));
			out_json(rc, arr);
			return RC_OK;
		}
		for (i = 0; i < n; i++)
			printf("%s\n", t[i].name);
		return RC_OK;
	}
	if (a->argc == 0) {
		if (rc->json) {
			arr = json_object_new_array();
			for (i = 0; i < n; i++) {
				o = json_object_new_object();
				json_object_object_add(o, "name",
				    json_object_new_string(t[i].name));
				json_object_object_add(o, "usage",
				    json_object_new_string(t[i].usage));
				json_object_object_add(o, "help",
				    json_object_new_string(t[i].help));
				json_object_array_add(arr, o);
			}
			out_json(rc, arr);
			return RC_OK;
		}
		printf("%s\n\nCommands:\n", CMD_MAIN_SYNOPSIS);
		for (i = 0; i < n; i++)
			printf("  %-10s %s\n", t[i].name, t[i].help);
		printf("\nCommon options: -j (JSON), -p (pretty JSON), "
		       "-h (usage).\n'ringctl help COMMAND' explains one.\n");
		return RC_OK;
	}
	if ((c = cmd_find(a->argv[0])) == NULL)
		return out_fail(rc, RC_USAGE, 0, "help: unknown command '%s'",
		    a->argv[0]);
	if (rc->json) {
		o = json_object_new_object();
		json_object_object_add(o, "name",
		    json_object_new_string(c->name));
		json_object_object_add(o, "usage",
		    json_object_new_string(c->usage));
		json_object_object_add(o, "help",
		    json_object_new_string(c->help));
		opts = json_object_new_array();
		for (k = 0; c->opts != NULL && c->opts[k].name != NULL; k++)
			json_object_array_add(opts, cmd_opt_json(&c->opts[k]));
		if (c->flags & CMD_QUIET)
			json_object_array_add(opts, cmd_opt_json(&cmd_quiet));
		json_object_object_add(o, "options", opts);
		arr = json_object_new_array();
		for (k = 0; k < 3 && c->args[k] != ARG_NONE; k++)
			json_object_array_add(arr,
			    json_object_new_string(cmd_arg_names[c->args[k]]));
		json_object_object_add(o, "arguments", arr);
		out_json(rc, o);
		return RC_OK;
	}
	cmd_print_usage(stdout, c);
	printf("%s\n", c->help);
	for (k = 0; c->opts != NULL && c->opts[k].name != NULL; k++)
		cmd_print_opt(&c->opts[k]);
	if (c->flags & CMD_QUIET)
		cmd_print_opt(&cmd_quiet);
	return RC_OK;
}
