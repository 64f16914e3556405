/*
 * t-ringctl-cli-help.c - the sync between ringctl's command table, its
 * help (text and JSON schemas), the man page ringctl(1) and the shell
 * completions.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/proto.h"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/scheme.h"

static struct td d;
static struct tr_run r;

/* --- table, man page and completions agree -------------------------------- */

/* Read a file of the source tree (tests run from the top directory). */
static char *
source_file(const char *rel)
{
	static char buf[3][262144];
	static unsigned slot;
	char path[PATH_MAX];
	const char *top = getenv("RING_SRCDIR");
	char *b = buf[slot++ % 3];

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	tr_slurp(path, b, sizeof(buf[0]));
	if (b[0] == '\0')
		TAP_FAIL("cannot read '%s' (run from the source tree or set "
			 "RING_SRCDIR)",
		    path);
	return b;
}

TAP_TEST(test_sync, "ringctl-sync", 60)
{
	char table[TR_OUT_MAX], man[4096], comp[4096], *p, *s, *e, cmd[1024];
	size_t used = 0;

	td_begin(&d, NULL);
	CTL_OK("help", "--commands");
	snprintf(table, sizeof(table), "%s", r.out);
	TAP_ASSERT(strstr(table, "status\nschemes\n") == table);

	/* man page: .It Ic NAME entries of the COMMANDS section, in order */
	p = source_file("man/ringctl.1");
	TAP_ASSERT((s = strstr(p, "\n.Sh COMMANDS\n")) != NULL);
	e = strstr(s + 1, "\n.Sh ");
	man[0] = '\0';
	while ((s = strstr(s, "\n.It ")) != NULL && (e == NULL || s < e)) {
		s += 5;
		if (strncmp(s, "Ic ", 3) == 0)
			s += 3;
		else if (strncmp(s, "Xo\n.Ic ", 7) == 0)
			s += 7;
		else
			continue;
		used += (size_t)snprintf(man + used, sizeof(man) - used,
		    "%.*s\n", (int)strcspn(s, " \n"), s);
	}
	if (strcmp(man, table) != 0)
		TAP_FAIL("man page commands differ from the table:\n%s---\n%s",
		    man, table);
	/* every JSON key the tests check is documented in JSON OUTPUT */
	{
		static const char *const keys[] = { TR_PEER_KEYS, TR_QUEUE_KEYS,
			TR_RING_KEYS, TR_SCHEME_KEYS, TR_OPCODE_KEYS,
			TR_CLIENT_KEYS, TR_ERROR_KEYS, TR_SUBMIT_KEYS };
		char want[80];
		size_t k;

		TAP_ASSERT((s = strstr(p, "\n.Sh JSON OUTPUT\n")) != NULL);
		e = strstr(s + 1, "\n.Sh ");
		TAP_ASSERT(e != NULL);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *found;

			snprintf(want, sizeof(want), "\n.Li %.*s",
			    (int)strcspn(keys[k], ":"), keys[k]);
			found = strstr(s, want);
			while (found != NULL && found < e &&
			    strchr(" \n", found[strlen(want)]) == NULL)
				found = strstr(found + 1, want);
			if (found == NULL || found > e)
				TAP_FAIL("JSON key '%s' is not in ringctl(1)'s "
					 "JSON OUTPUT",
				    want + 5);
		}
	}

	/* bash completion, run by bash, offers exactly the table */
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && PATH=\"$(dirname '%s'):$PATH\" "
	    "bash -c '. ./completions/ringctl.bash; COMP_WORDS=(ringctl \"\");"
	    " COMP_CWORD=1; _ringctl; printf \"%%s\\n\" \"${COMPREPLY[@]}\"'"
	    " > '%s/comp.out' 2>&1",
	    getenv("RING_SRCDIR") != NULL ? getenv("RING_SRCDIR") : ".",
	    tr_binary(), d.dir);
	TAP_ASSERT(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/comp.out", d.dir);
	tr_slurp(cmd, comp, sizeof(comp));
	if (strcmp(comp, table) != 0)
		TAP_FAIL("bash completion offers:\n%s---\ntable:\n%s", comp,
		    table);
	/* zsh completion reads the same list */
	p = source_file("completions/_ringctl");
	TAP_ASSERT(strstr(p, "#compdef ringctl") == p);
	TAP_ASSERT(strstr(p, "help --commands") != NULL);
	if (system("command -v zsh >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "zsh -n '%s/completions/_ringctl'",
		    getenv("RING_SRCDIR") != NULL ? getenv("RING_SRCDIR")
						  : ".");
		TAP_ASSERT(system(cmd) == 0);
	}
	td_finish(&d);
}

/* --- help: JSON schemas, text, and the man page -------------------------- */

#define TR_HELP_KEYS "name:string", "usage:string", "help:string"
#define TR_HELP_OPT_KEYS \
	"long:string?", "short:string?", "argument:string?", "help:string"

/* s has word right after "Fl " (then a blank, a comma or the end). */
static bool
man_has_flag(const char *s, const char *end, const char *word)
{
	char want[64];
	const char *p;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "Fl %s", word);
	for (p = s; (p = strstr(p, want)) != NULL && p < end; p++)
		if (strchr(" \n,", p[n]) != NULL)
			return true;
	return false;
}

/*
 * The man page's entry of command name in COMMANDS: [*start, *end), and
 * its synopsis line(s) [*start, *syn_end).
 */
static void
man_entry(const char *man, const char *name, const char **start,
    const char **syn_end, const char **end)
{
	const char *sec = strstr(man, "\n.Sh COMMANDS\n"), *secend, *p, *q;
	char a[64], b[64];
	size_t la, lb;

	TAP_ASSERT(sec != NULL);
	secend = strstr(sec + 1, "\n.Sh ");
	la = (size_t)snprintf(a, sizeof(a), "\n.It Ic %s", name);
	lb = (size_t)snprintf(b, sizeof(b), "\n.It Xo\n.Ic %s", name);
	for (p = sec;; p++) {
		if ((p = strstr(p, "\n.It ")) == NULL || p > secend)
			TAP_FAIL("ringctl(1) has no entry for '%s'", name);
		if ((strncmp(p, a, la) == 0 && strchr(" \n", p[la]) != NULL) ||
		    (strncmp(p, b, lb) == 0 && strchr(" \n", p[lb]) != NULL))
			break;
	}
	*start = p + 1;
	if (strncmp(p, b, lb) == 0)
		*syn_end = strstr(p, "\n.Xc\n");
	else
		*syn_end = strchr(p + 1, '\n');
	/* the entry ends where the next command's begins */
	*end = secend;
	for (q = *syn_end; (q = strstr(q, "\n.It ")) != NULL && q < secend; q++)
		if (strncmp(q, "\n.It Ic ", 8) == 0 ||
		    strncmp(q, "\n.It Xo\n.Ic ", 12) == 0) {
			*end = q;
			break;
		}
}

TAP_TEST(test_help, "ringctl-help", 60)
{
	static char table[TR_OUT_MAX], man[262144], zsh[65536];
	struct json_object *o, *e, *opts, *args;
	const char *ent, *syn_end, *end, *p;
	char *name, *nl, col[128], word[64], z1[80], z2[80];
	size_t i, k, n;

	td_begin(&d, NULL);
	CTL_OK("help", "--commands");
	snprintf(table, sizeof(table), "%s", r.out);
	snprintf(man, sizeof(man), "%s", source_file("man/ringctl.1"));
	snprintf(zsh, sizeof(zsh), "%s", source_file("completions/_ringctl"));
	/* help -j: one {name, usage, help} per command, in table order */
	CTL_OK("-j", "help");
	o = JSON_OUT();
	TAP_ASSERT(json_object_is_type(o, json_type_array));
	n = json_object_array_length(o);
	for (i = 0, p = table; i < n; i++) {
		e = json_object_array_get_idx(o, i);
		tr_keys(e, "help entry", TR_HELP_KEYS);
		TAP_ASSERT(strncmp(p, tr_str(e, "name"),
			       strlen(tr_str(e, "name"))) == 0);
		p = strchr(p, '\n') + 1;
	}
	TAP_ASSERT(*p == '\0');
	json_object_put(o);
	/* help -j --commands: the names */
	CTL_OK("-j", "help", "--commands");
	o = JSON_OUT();
	TAP_ASSERT(json_object_is_type(o, json_type_array));
	TAP_EQ(json_object_array_length(o), n);
	TAP_ASSERT(
	    strcmp(json_object_get_string(json_object_array_get_idx(o, 0)),
		"status") == 0);
	json_object_put(o);
	/* help text */
	CTL_OK("help");
	TAP_ASSERT(strstr(r.out, "\nCommands:\n  status     ") != NULL);
	CTL_OK("help", "physfree");
	TAP_ASSERT(strncmp(r.out,
		       "usage: ringctl [-jp] [-S socket] physfree [--force] "
		       "ID|BASE\nfree a physical memory region\n",
		       90) == 0);
	TAP_ASSERT(strstr(r.out, "\n      --force ") != NULL);
	CTL_OK("help", "monitor");
	TAP_ASSERT(strstr(r.out,
		       "\n  -i, --interval DURATION  time between "
		       "snapshots") != NULL);
	CTL("help", "submit");
	TAP_ASSERT(strstr(r.out, "\n  -n, --count N ") != NULL);
	TAP_ASSERT(strstr(r.out, "\n      --data-file FILE ") != NULL);

	/*
	 * Every command: help -j CMD's schema; its text lists every option
	 * in both forms; the man page's entry names every option, and its
	 * synopsis no option the command lacks.
	 */
	for (name = table; *name != '\0'; name = nl + 1) {
		nl = strchr(name, '\n');
		*nl = '\0';
		CTL_OK("-j", "help", name);
		o = JSON_OUT();
		tr_keys(o, name, TR_HELP_KEYS, "options:array",
		    "arguments:array");
		TAP_ASSERT(strcmp(tr_str(o, "name"), name) == 0);
		args = tr_get(o, "arguments");
		for (k = 0; k < json_object_array_length(args); k++)
			TAP_ASSERT(
			    json_object_is_type(json_object_array_get_idx(args,
						    k),
				json_type_string));
		opts = tr_get(o, "options");
		CTL_OK("help", name);
		snprintf(col, sizeof(col),
		    "usage: ringctl [-jp] [-S socket] %.64s", name);
		TAP_ASSERT(strncmp(r.out, col, strlen(col)) == 0);
		man_entry(man, name, &ent, &syn_end, &end);
		for (k = 0; k < json_object_array_length(opts); k++) {
			struct json_object *lo, *so, *ao;

			e = json_object_array_get_idx(opts, k);
			tr_keys(e, "option", TR_HELP_OPT_KEYS);
			lo = tr_get(e, "long");
			so = tr_get(e, "short");
			ao = tr_get(e, "argument");
			TAP_ASSERT(lo != NULL || so != NULL);
			snprintf(col, sizeof(col), "\n  %s%s%s%s%s%s%s ",
			    so != NULL ? "-" : "  ",
			    so != NULL ? json_object_get_string(so) : "",
			    so != NULL && lo != NULL ? ", "
				: so != NULL	     ? ""
						     : "  ",
			    lo != NULL ? "--" : "",
			    lo != NULL ? json_object_get_string(lo) : "",
			    ao != NULL ? " " : "",
			    ao != NULL ? json_object_get_string(ao) : "");
			if (strstr(r.out, col) == NULL)
				TAP_FAIL("'help %s' lacks '%s':\n%s", name,
				    col + 1, r.out);
			snprintf(word, sizeof(word), "-%s",
			    lo != NULL ? json_object_get_string(lo) : "");
			if (lo != NULL && !man_has_flag(ent, end, word))
				TAP_FAIL("ringctl(1) on '%s' lacks --%s", name,
				    word + 1);
			if (so != NULL &&
			    !man_has_flag(ent, end, json_object_get_string(so)))
				TAP_FAIL("ringctl(1) on '%s' lacks -%s", name,
				    json_object_get_string(so));
			/* zsh's completion spells its options out */
			snprintf(z1, sizeof(z1), "-%.60s[", word);
			snprintf(z2, sizeof(z2), "-%.60s=", word);
			if (lo != NULL && strstr(zsh, z1) == NULL &&
			    strstr(zsh, z2) == NULL)
				TAP_FAIL("completions/_ringctl lacks --%s",
				    word + 1);
			snprintf(z1, sizeof(z1), "'-%.60s[",
			    so != NULL ? json_object_get_string(so) : "");
			snprintf(z2, sizeof(z2), "{-%.60s+,",
			    so != NULL ? json_object_get_string(so) : "");
			if (so != NULL && strstr(zsh, z1) == NULL &&
			    strstr(zsh, z2) == NULL)
				TAP_FAIL("completions/_ringctl lacks -%s",
				    json_object_get_string(so));
		}
		/* the synopsis's flags are options of the command */
		for (p = ent; (p = strstr(p, "Fl ")) != NULL && p < syn_end;
		     p++) {
			bool found = false;

			snprintf(word, sizeof(word), "%.*s",
			    (int)strcspn(p + 3, " \n"), p + 3);
			for (k = 0; k < json_object_array_length(opts); k++) {
				e = json_object_array_get_idx(opts, k);
				if (word[0] == '-' && tr_get(e, "long") &&
				    strcmp(tr_str(e, "long"), word + 1) == 0)
					found = true;
				if (word[0] != '-' && tr_get(e, "short") &&
				    strcmp(tr_str(e, "short"), word) == 0)
					found = true;
			}
			if (!found)
				TAP_FAIL("ringctl(1)'s synopsis of '%s' has "
					 "-%s, which 'help -j %s' lacks",
				    name, word, name);
		}
		json_object_put(o);
	}
	td_finish(&d);
}

TAP_MAIN(td_setup)
