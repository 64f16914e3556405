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

static cmd_fn cmd_help;

enum { HELP_OPT_COMMANDS, HELP_NOPTS };

CMD_OPTS(help_opts, HELP_NOPTS,
	[HELP_OPT_COMMANDS] = { "commands", 0, NULL,
	    "list command names, one a line" });

CMD_ENTRY(help, "[--commands] [COMMAND]",
    "list commands or explain one",
    .max_args = 1, .args = { ARG_COMMAND }, .opts = help_opts);

/* Every command, in the order help, the man page and completion list them. */
static const struct cmd_entry *const cmd_entries[] = {
	&cmd_status_entry,
	&cmd_schemes_entry,
	&cmd_probe_entry,
	&cmd_rings_entry,
	&cmd_ring_entry,
	&cmd_clients_entry,
	&cmd_submit_entry,
	&cmd_physalloc_entry,
	&cmd_physfree_entry,
	&cmd_regions_entry,
	&cmd_physmap_entry,
	&cmd_monitor_entry,
	&cmd_metrics_entry,
	&cmd_exec_entry,
	&cmd_shell_entry,
	&cmd_help_entry,
};

const struct cmd_entry *const *
cmd_table(unsigned *n)
{
	*n = sizeof(cmd_entries) / sizeof(cmd_entries[0]);
	return cmd_entries;
}

const struct cmd_entry *
cmd_find(const char *name)
{
	unsigned i, n;
	const struct cmd_entry *const *t = cmd_table(&n);

	for (i = 0; i < n; i++)
		if (strcmp(t[i]->name, name) == 0)
			return t[i];
	return NULL;
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

void
cmd_print_usage(FILE *f, const struct cmd_entry *ce)
{
	fprintf(f, "usage: ringctl [-jp] [-S socket] %s%s%s\n", ce->name,
	    ce->usage[0] != '\0' ? " " : "", ce->usage);
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

int
cmd_number_error(struct ringctl *rc, const struct cmd_entry *ce, int err,
    const char *what, const char *s, const char *forms)
{
	if (err == -ERANGE)
		return cmd_usage_error(rc, ce, "%s: %s '%s' is too large",
		    ce->name, what, s);
	if (err < 0)
		return cmd_usage_error(rc, ce, "%s: bad %s '%s'%s", ce->name,
		    what, s, forms);
	return RC_OK;
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
 * Parse argv[1..] of ce: options anywhere before "--" (GNU style; with
 * CMD_OPTS_FIRST only before the first positional), the common
 * -j/-p/-q/-h, then the positional count.  Returns 0, RC_USAGE
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
			if (ce->flags & CMD_OPTS_FIRST)
				dashdash = true;
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
	const struct cmd_entry *const *t;
	const struct cmd_entry *ce, *best = NULL;
	unsigned i, n, d, bestd = 3;
	char *pos[CMD_ARGS_MAX];
	struct cmd_args a;
	bool json = rc->json, pretty = rc->pretty;
	int st;

	if ((ce = cmd_find(argv[0])) == NULL) {
		t = cmd_table(&n);
		for (i = 0; i < n; i++)
			if ((d = cmd_distance(argv[0], t[i]->name)) < bestd) {
				bestd = d;
				best = t[i];
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
	[ARG_PROGRAM] = "program",
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

static int
cmd_help(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	const struct cmd_entry *const *t, *c;
	struct json_object *o, *arr, *opts;
	unsigned i, n;
	int k;

	t = cmd_table(&n);
	if (a->set[HELP_OPT_COMMANDS]) {
		if (a->argc != 0)
			return cmd_usage_error(rc, ce,
			    "help: --commands takes no command");
		if (rc->json) {
			arr = json_object_new_array();
			for (i = 0; i < n; i++)
				json_object_array_add(arr,
				    json_object_new_string(t[i]->name));
			out_json(rc, arr);
			return RC_OK;
		}
		for (i = 0; i < n; i++)
			printf("%s\n", t[i]->name);
		return RC_OK;
	}
	if (a->argc == 0) {
		if (rc->json) {
			arr = json_object_new_array();
			for (i = 0; i < n; i++) {
				o = json_object_new_object();
				json_object_object_add(o, "name",
				    json_object_new_string(t[i]->name));
				json_object_object_add(o, "usage",
				    json_object_new_string(t[i]->usage));
				json_object_object_add(o, "help",
				    json_object_new_string(t[i]->help));
				json_object_array_add(arr, o);
			}
			out_json(rc, arr);
			return RC_OK;
		}
		printf("%s\n\nCommands:\n", ringctl_synopsis());
		for (i = 0; i < n; i++)
			printf("  %-10s %s\n", t[i]->name, t[i]->help);
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
