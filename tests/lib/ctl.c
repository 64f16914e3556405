/*
 * ctl.c - runs this build's ringctl as a child of a sub-test and checks
 * what it printed (see ctl.h).
 *
 * Depends on tap, testutil, daemon (the private ringd's directory),
 * common (build_path()) and json-c; only test programs depend on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "daemon.h"
#include "tap.h"
#include "testutil.h"

/* bounded: callers build command lines with it */
static char tr_bin[256];

const char *
tr_binary(void)
{
	if (tr_bin[0] != '\0')
		return tr_bin;
	if (build_path("RINGCTL_BIN", "ringctl/ringctl", tr_bin,
		sizeof(tr_bin)) < 0)
		TAP_FAIL("no ringctl binary at '%s'", tr_bin);
	return tr_bin;
}

void
tr_set_binary(const char *path)
{
	if (path == NULL) {
		tr_bin[0] = '\0';
		return;
	}
	if (strlen(path) >= sizeof(tr_bin))
		TAP_FAIL("binary path too long: '%s'", path);
	strcpy(tr_bin, path);
}

/* Read a whole file into buf (NUL-terminated, truncated to size - 1). */
void
tr_slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return;
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

/*
 * Start the program argv[0] with argv (NULL-terminated) and the file
 * inpath on its stdin (NULL: /dev/null; a FIFO must have a writer
 * already); its stdout and stderr go to files named after tag in dir.
 * Returns the pid.
 */
pid_t
tr_spawn_argv(const char *dir, const char *tag, const char *inpath,
    const char *const *argv)
{
	char outpath[256], errpath[256];
	pid_t parent = getpid(), pid;
	int fd;

	snprintf(outpath, sizeof(outpath), "%s/%s.out", dir, tag);
	snprintf(errpath, sizeof(errpath), "%s/%s.err", dir, tag);
	TAP_SYS(pid = fork());
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		fd = open(inpath != NULL ? inpath : "/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* tr_spawn_argv() of this build's ringctl with args. */
pid_t
tr_spawn_in(const char *dir, const char *tag, const char *inpath,
    const char *const *args)
{
	const char *argv[64];
	int i = 0;

	argv[i++] = tr_binary();
	while (*args != NULL && i < 63)
		argv[i++] = *args++;
	argv[i] = NULL;
	return tr_spawn_argv(dir, tag, inpath, argv);
}

/* tr_spawn_in() with input (NULL: none) on stdin, through a file. */
pid_t
tr_spawn(const char *dir, const char *tag, const char *input,
    const char *const *args)
{
	char inpath[256];
	int fd;

	snprintf(inpath, sizeof(inpath), "%s/%s.in", dir, tag);
	if (input != NULL) {
		fd = open(inpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		if (fd < 0 ||
		    write(fd, input, strlen(input)) != (ssize_t)strlen(input))
			TAP_FAIL("cannot write '%s'", inpath);
		close(fd);
	}
	return tr_spawn_in(dir, tag, input != NULL ? inpath : NULL, args);
}

/* Wait up to ms for pid and collect its output; fail on a hang. */
void
tr_collect(const char *dir, const char *tag, pid_t pid, unsigned ms,
    struct tr_run *r)
{
	char path[256];
	unsigned waited = 0;
	int st;
	pid_t w;

	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && waited < ms) {
		tu_sleep_ms(10);
		waited += 10;
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		snprintf(path, sizeof(path), "%s/%s.out", dir, tag);
		tr_slurp(path, r->out, sizeof(r->out));
		TAP_FAIL("ringctl (%s) still running after %u ms; output: "
			 "%.200s",
		    tag, ms, r->out);
	}
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	snprintf(path, sizeof(path), "%s/%s.out", dir, tag);
	tr_slurp(path, r->out, sizeof(r->out));
	snprintf(path, sizeof(path), "%s/%s.err", dir, tag);
	tr_slurp(path, r->err, sizeof(r->err));
}

/* Run ringctl to completion (30 s at most). */
void
tr_runv(const char *dir, struct tr_run *r, const char *input,
    const char *const *args)
{
	pid_t pid = tr_spawn(dir, "run", input, args);

	tr_collect(dir, "run", pid, 30000, r);
}

/*
 * Source top/completions/script in bash and call func with COMP_WORDS set
 * from words (the last one being completed), env ("" for none) in front
 * and bindir first in $PATH; the replies into out, one a line ("" when
 * there are none).  Temporary files go to dir.
 */
void
tr_bash_complete(const char *dir, const char *top, const char *bindir,
    const char *script, const char *func, const char *env, const char *words,
    char *out, size_t len)
{
	static char cmd[3 * PATH_MAX + 1024];
	char path[256];

	snprintf(path, sizeof(path), "%s/bash-comp.out", dir);
	snprintf(cmd, sizeof(cmd),
	    "env %s PATH='%s':\"$PATH\" bash -c '. \"%s/completions/%s\"; "
	    "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); %s; "
	    "printf \"%%s\\n\" \"${COMPREPLY[@]}\"' > '%s' 2>&1",
	    env, bindir, top, script, words, func, path);
	if (system(cmd) != 0)
		TAP_FAIL("bash completion failed: %s", cmd);
	tr_slurp(path, out, len);
	/* printf with no words prints one empty line */
	if (strcmp(out, "\n") == 0)
		out[0] = '\0';
}

/*
 * dir/.zshrc for an interactive "ZDOTDIR=dir zsh -i": prompt "zsh> ", the
 * completions of top/completions first in $fpath, path (a ':' list)
 * first in $PATH, compinit with its dump in dir.
 */
void
tr_zshrc(const char *dir, const char *top, const char *path)
{
	char rc[256];
	FILE *f;

	snprintf(rc, sizeof(rc), "%s/.zshrc", dir);
	if ((f = fopen(rc, "w")) == NULL)
		TAP_FAIL("cannot write '%s'", rc);
	fprintf(f,
	    "PS1='zsh> '\n"
	    "fpath=('%s/completions' $fpath)\n"
	    "PATH='%s':$PATH\n"
	    "autoload -Uz compinit && compinit -u -d '%s/.zcompdump'\n",
	    top, path, dir);
	fclose(f);
}

/* Parse s as JSON with json-c; fail the sub-test when it is not. */
struct json_object *
tr_parse(const char *s)
{
	enum json_tokener_error e;
	struct json_object *o = json_tokener_parse_verbose(s, &e);

	if (o == NULL && strcmp(s, "null\n") != 0)
		TAP_FAIL("not JSON (%s): %.300s", json_tokener_error_desc(e),
		    s);
	return o;
}

/*
 * Check that obj has every key of spec, each "name:type" with type one of
 * int, string, bool, object, array, and a trailing '?' when null is
 * allowed too ("pid:int?"), and no key beyond those.
 */
void
tr_keys_at(struct json_object *obj, const char *what, const char *const *spec,
    const char *file, int line)
{
	static const struct {
		const char *name;
		enum json_type type;
	} types[] = { { "int", json_type_int }, { "string", json_type_string },
		{ "bool", json_type_boolean }, { "object", json_type_object },
		{ "array", json_type_array } };
	unsigned n = 0, i, k;

	if (!json_object_is_type(obj, json_type_object))
		tap_fail_at(file, line, "%s: not a JSON object", what);
	for (i = 0; spec[i] != NULL; i++, n++) {
		char key[64];
		const char *colon = strchr(spec[i], ':');
		bool nullable = spec[i][strlen(spec[i]) - 1] == '?';
		struct json_object *v;

		snprintf(key, sizeof(key), "%.*s", (int)(colon - spec[i]),
		    spec[i]);
		if (!json_object_object_get_ex(obj, key, &v))
			tap_fail_at(file, line, "%s: key '%s' missing", what,
			    key);
		if (v == NULL) {
			if (!nullable)
				tap_fail_at(file, line, "%s: key '%s' is null",
				    what, key);
			continue;
		}
		for (k = 0; k < 5; k++)
			if (strncmp(colon + 1, types[k].name,
				strlen(types[k].name)) == 0)
				break;
		if (k == 5)
			tap_fail_at(file, line, "bad spec '%s'", spec[i]);
		if (!json_object_is_type(v, types[k].type))
			tap_fail_at(file, line, "%s: key '%s' is %s, not %s",
			    what, key,
			    json_type_to_name(json_object_get_type(v)),
			    types[k].name);
	}
	if ((unsigned)json_object_object_length(obj) != n)
		tap_fail_at(file, line, "%s: %d keys, the schema has %u: %s",
		    what, json_object_object_length(obj), n,
		    json_object_to_json_string(obj));
}

/* The member key of obj (NULL when missing or null). */
struct json_object *
tr_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* The member key of obj, which must be of type t (what names it). */
static struct json_object *
tr_get_type(struct json_object *obj, const char *key, json_type t,
    const char *what)
{
	struct json_object *v = tr_get(obj, key);

	if (v == NULL || !json_object_is_type(v, t))
		TAP_FAIL("key '%s' is not %s in %s", key, what,
		    json_object_to_json_string(obj));
	return v;
}

int64_t
tr_int(struct json_object *obj, const char *key)
{
	return json_object_get_int64(
	    tr_get_type(obj, key, json_type_int, "a number"));
}

const char *
tr_str(struct json_object *obj, const char *key)
{
	return json_object_get_string(
	    tr_get_type(obj, key, json_type_string, "a string"));
}

struct json_object *
tr_cmd_json(const struct td *d, struct tr_run *r, const char *cmd,
    const char *const *args, int want)
{
	const char *argv[40];
	unsigned i = 0;

	argv[i++] = "-S";
	argv[i++] = d->sock;
	argv[i++] = "-j";
	argv[i++] = cmd;
	while (*args != NULL && i < 39)
		argv[i++] = *args++;
	argv[i] = NULL;
	tr_runv(d->dir, r, NULL, argv);
	TR_EXPECT_STATUS(r, want);
	return tr_parse(r->out);
}

void
tr_usage_cases(const struct td *d, struct tr_run *r,
    const struct tr_usage *cases, size_t n)
{
	const char *argv[3 + sizeof(cases->args) / sizeof(cases->args[0])];
	char shown[256];
	size_t i, k, len;

	for (i = 0; i < n; i++) {
		const struct tr_usage *c = &cases[i];
		const char *why = NULL;

		argv[0] = "-S";
		argv[1] = d->sock;
		shown[0] = '\0';
		len = 0;
		for (k = 0; k < sizeof(c->args) / sizeof(c->args[0]) &&
		     c->args[k] != NULL; k++) {
			argv[2 + k] = c->args[k];
			if (len < sizeof(shown))
				len += (size_t)snprintf(shown + len,
				    sizeof(shown) - len, " %s", c->args[k]);
		}
		argv[2 + k] = NULL;
		tr_runv(d->dir, r, NULL, argv);
		if (r->status != 2)
			why = "exit status is not 2";
		else if (strstr(r->err, c->needle) == NULL)
			why = "stderr lacks the message";
		else if (strncmp(r->err, "ringctl: ", 9) != 0)
			why = "stderr does not start 'ringctl: '";
		else if (r->out[0] != '\0')
			why = "stdout not empty";
		else if (strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
			why = "stderr is not one line";
		if (why != NULL)
			TAP_FAIL("ringctl%s: %s (expected a usage error '%s'); "
				 "exit status %d; stderr: %s; stdout: %.300s",
			    shown, why, c->needle, r->status, r->err, r->out);
	}
}
