/*
 * t-ringctl-shell.c - ringctl's readline shell in a real terminal: a tmux
 * session runs ringctl with no command against a private ringd, and the
 * test types into it (send-keys) and reads the screen (capture-pane):
 * Tab completion of commands, scheme names, opcode names, fields and ring
 * ids from the live daemon, output of commands, errors that do not end
 * the shell, the history (Up arrow, and the history file across runs),
 * and quit; ringd going away under the shell.  Then the completion
 * scripts in completions/: zsh's run by a real interactive zsh in tmux,
 * bash's by bash, each asking the ringd the command line names with -S
 * (and not the one of $RINGD_SOCKET).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t-ringctl.h"

static struct td d;
static char tmux_sock[200];
static char screen[65536];

/* Run a tmux command on our private server; its exit status. */
__attribute__((format(printf, 1, 2))) static int
tmux(const char *fmt, ...)
{
	char args[1024], cmd[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "tmux -S '%s' -f /dev/null %s", tmux_sock,
	    args);
	return system(cmd);
}

static void
tmux_stop(void)
{
	if (tmux_sock[0] != '\0')
		(void)tmux("kill-server >/dev/null 2>&1");
}

static const char *
capture(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/screen", d.dir);
	if (tmux("capture-pane -p -t rc > '%s' 2>/dev/null", path) != 0)
		screen[0] = '\0';
	else
		tr_slurp(path, screen, sizeof(screen));
	return screen;
}

/* Wait up to 5 s for text on the screen. */
#define AWAIT(text) await_at((text), __FILE__, __LINE__)
static void
await_at(const char *text, const char *file, int line)
{
	unsigned waited;

	for (waited = 0; waited < 5000; waited += 25) {
		if (strstr(capture(), text) != NULL)
			return;
		tu_sleep_ms(25);
	}
	tmux_stop();
	tap_fail_at(file, line, "'%s' never appeared; the screen:\n%s", text,
	    screen);
}

/* The line the cursor is on (the last non-empty line of the screen). */
static const char *
cursor_line(char *buf, size_t len)
{
	char *s = (char *)capture(), *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
	return buf;
}

/* Wait until the cursor line is exactly want. */
#define AWAIT_LINE(want) await_line_at((want), __FILE__, __LINE__)
static void
await_line_at(const char *want, const char *file, int line)
{
	char buf[512];
	unsigned waited;

	for (waited = 0; waited < 5000; waited += 25) {
		if (strcmp(cursor_line(buf, sizeof(buf)), want) == 0)
			return;
		tu_sleep_ms(25);
	}
	tmux_stop();
	tap_fail_at(file, line, "cursor line is '%s', expected '%s'", buf,
	    want);
}

static void
type(const char *text)
{
	char esc[512];
	size_t i, o = 0;

	/* single-quote for the shell that runs tmux */
	for (i = 0; text[i] != '\0' && o + 5 < sizeof(esc); i++) {
		if (text[i] == '\'') {
			memcpy(esc + o, "'\\''", 4);
			o += 4;
		} else {
			esc[o++] = text[i];
		}
	}
	esc[o] = '\0';
	TAP_ASSERT(tmux("send-keys -t rc -l '%s'", esc) == 0);
}

static void
key(const char *name)
{
	TAP_ASSERT(tmux("send-keys -t rc %s", name) == 0);
}

static void
start_shell(const char *hist)
{
	TAP_ASSERT(tmux("new-session -d -s rc -x 160 -y 50 "
			"\"env RINGCTL_HISTORY='%s' TERM=screen '%s' -S '%s'\"",
		       hist, tr_binary(), d.sock) == 0);
	AWAIT("ringctl>"); /* capture-pane drops trailing blanks */
}

static bool
shell_running(void)
{
	return tmux("has-session -t rc >/dev/null 2>&1") == 0;
}

static void
test_shell(void)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char hist[200], buf[4096], want[128];
	unsigned waited;

	if (system("command -v tmux >/dev/null 2>&1") != 0)
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux", d.dir);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	c = td_connect(&d);
	ring = td_open(c, "echo", 8, 0, 0, &id);

	start_shell(hist);
	/* a command completed by Tab, then run */
	type("sta");
	key("Tab");
	AWAIT_LINE("ringctl> status");
	key("Enter");
	AWAIT("health:   ok");
	/* an error does not end the shell */
	type("frob");
	key("Enter");
	AWAIT("ringctl: unknown command 'frob'");
	type("submit nosuch noop");
	key("Enter");
	AWAIT("cannot open ring to 'nosuch': no such scheme");
	TAP_ASSERT(shell_running());
	/* scheme names from ringd */
	type("probe ze");
	key("Tab");
	AWAIT_LINE("ringctl> probe zero");
	key("Enter");
	AWAIT("  3  read");
	/* opcode names, then a field */
	type("submit null wr");
	key("Tab");
	AWAIT_LINE("ringctl> submit null write");
	type("da");
	key("Tab");
	AWAIT_LINE("ringctl> submit null write data=");
	type("abc");
	key("Enter");
	AWAIT("user_data=0 status=3 ");
	/* ring ids from ringd */
	type("ring ");
	key("Tab");
	snprintf(want, sizeof(want), "ringctl> ring %" PRIu64, id);
	AWAIT_LINE(want);
	key("Enter");
	AWAIT("state:      running");
	/* options of a command */
	type("monitor --thr");
	key("Tab");
	AWAIT_LINE("ringctl> monitor --threshold");
	key("C-u");
	/* history: Up brings back the last command */
	key("Up");
	AWAIT_LINE(want);
	key("C-u");
	type("help");
	key("Enter");
	AWAIT("Commands:");
	type("quit");
	key("Enter");
	for (waited = 0; shell_running() && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!shell_running());
	/* the history file holds what was typed, across runs */
	tr_slurp(hist, buf, sizeof(buf));
	TAP_ASSERT(strstr(buf, "status\n") != NULL);
	TAP_ASSERT(strstr(buf, "probe zero\n") != NULL);
	TAP_ASSERT(strstr(buf, "submit null write data=abc\n") != NULL);
	start_shell(hist);
	key("Up");
	AWAIT_LINE("ringctl> quit");
	key("Up");
	AWAIT_LINE("ringctl> help");
	key("C-u");
	/* end of input leaves too */
	key("C-d");
	for (waited = 0; shell_running() && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!shell_running());
	tmux_stop();

	td_close_ring(c, ring, id);
	ring_ctl_close(c);
	td_assert_alive(&d);
	td_settle(&d);
	td_stop(&d);
	td_cleanup(&d);
}

/* ringd goes away under the shell: errors, and the shell goes on. */
static void
test_shell_ringd_gone(void)
{
	char hist[200];
	unsigned waited;

	if (system("command -v tmux >/dev/null 2>&1") != 0)
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux", d.dir);
	snprintf(hist, sizeof(hist), "%s/history", d.dir);
	start_shell(hist);
	type("status");
	key("Enter");
	AWAIT("health:   ok");
	td_stop(&d);
	/* the connection the shell held is gone: this command says so */
	type("schemes");
	key("Enter");
	AWAIT("ringctl: cannot list schemes: ");
	/* the next one tries anew, and fails to connect */
	type("rings");
	key("Enter");
	AWAIT("ringctl: cannot connect to ringd at '");
	TAP_ASSERT(shell_running());
	type("help");
	key("Enter");
	AWAIT("Commands:");
	type("quit");
	key("Enter");
	for (waited = 0; shell_running() && waited < 5000; waited += 25)
		tu_sleep_ms(25);
	TAP_ASSERT(!shell_running());
	tmux_stop();
	td_cleanup(&d);
}

/* --- completion scripts ------------------------------------------------- */

/* A scheme only our private ringd has, so completions prove where they asked. */
#define COMP_SCHEME "zcomp-only"

/* The source tree's top, absolute (tests run from it, or RING_SRCDIR). */
static const char *
src_top(void)
{
	static char top[PATH_MAX];
	const char *env = getenv("RING_SRCDIR");

	if (realpath(env != NULL ? env : ".", top) == NULL)
		TAP_FAIL("cannot resolve the source tree: %s", strerror(errno));
	return top;
}

/* The directory of this build's ringctl, for $PATH. */
static const char *
bin_dir(void)
{
	static char dir[PATH_MAX];
	char *slash;

	if (realpath(tr_binary(), dir) == NULL)
		TAP_FAIL("cannot resolve '%s'", tr_binary());
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	return dir;
}

/* A private ringd with one more scheme, registered by c. */
static struct ring_ctl *
comp_ringd(void)
{
	struct ring_ctl *c;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux", d.dir);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, COMP_SCHEME, NULL, 0), 0);
	return c;
}

static void
comp_done(struct ring_ctl *c)
{
	tmux_stop();
	ring_ctl_close(c);
	td_assert_alive(&d);
	td_settle(&d);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * Type line, press Tab, then type a marker: zsh reads the marker only
 * after the completion has finished, so the cursor line then shows what
 * Tab did, whether it added something or nothing.
 */
static void
zsh_complete(const char *line, const char *want)
{
	char buf[512];

	key("C-u");
	type(line);
	key("Tab");
	type("@");
	snprintf(buf, sizeof(buf), "zsh> %s", want);
	AWAIT_LINE(buf);
}

static void
test_zsh_completion(void)
{
	struct ring_ctl *c;
	char rcfile[256], line[512], want[512], nosock[256];
	FILE *f;

	if (system("command -v zsh >/dev/null 2>&1") != 0)
		TAP_FAIL("zsh is not installed (scripts/deps.sh installs it)");
	if (system("command -v tmux >/dev/null 2>&1") != 0)
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	c = comp_ringd();
	snprintf(nosock, sizeof(nosock), "%s/nobody-here.sock", d.dir);
	/* an interactive zsh with only our completions and our ringctl */
	snprintf(rcfile, sizeof(rcfile), "%s/.zshrc", d.dir);
	TAP_ASSERT((f = fopen(rcfile, "w")) != NULL);
	fprintf(f,
	    "PS1='zsh> '\n"
	    "fpath=('%s/completions' $fpath)\n"
	    "PATH='%s':$PATH\n"
	    "autoload -Uz compinit && compinit -u -d '%s/.zcompdump'\n",
	    src_top(), bin_dir(), d.dir);
	fclose(f);
	TAP_ASSERT(tmux("new-session -d -s rc -x 200 -y 50 \"env -i "
			"HOME='%s' ZDOTDIR='%s' TERM=screen PATH=/usr/bin:/bin "
			"RINGD_SOCKET='%s' zsh -i\"",
		       d.dir, d.dir, nosock) == 0);
	AWAIT("zsh>");

	/* -S names the ringd: its schemes, though $RINGD_SOCKET is dead */
	snprintf(line, sizeof(line), "ringctl -S %s probe zc", d.sock);
	snprintf(want, sizeof(want), "ringctl -S %s probe %s @", d.sock,
	    COMP_SCHEME);
	zsh_complete(line, want);
	snprintf(line, sizeof(line), "ringctl -j --socket %s submit zc",
	    d.sock);
	snprintf(want, sizeof(want), "ringctl -j --socket %s submit %s @",
	    d.sock, COMP_SCHEME);
	zsh_complete(line, want);
	/* no -S: $RINGD_SOCKET, here nobody, so nothing is offered */
	zsh_complete("ringctl probe zc", "ringctl probe zc@");

	/* $RINGD_SOCKET is ours now, but -S names a dead socket */
	key("C-u");
	snprintf(line, sizeof(line), "export RINGD_SOCKET='%s'", d.sock);
	type(line);
	key("Enter");
	AWAIT_LINE("zsh>");
	zsh_complete("ringctl probe zc", "ringctl probe " COMP_SCHEME " @");
	snprintf(line, sizeof(line), "ringctl -S %s probe zc", nosock);
	snprintf(want, sizeof(want), "ringctl -S %s probe zc@", nosock);
	zsh_complete(line, want);

	/* short options of the command table complete too */
	zsh_complete("ringctl monitor --thr", "ringctl monitor --threshold=@");
	zsh_complete("ringctl submit --co", "ringctl submit --count=@");
	key("C-u");
	comp_done(c);
}

/* Run the bash completion on words (the last one being completed). */
static const char *
bash_complete(const char *env, const char *words)
{
	static char out[4096];
	static char cmd[3 * PATH_MAX + 1024];
	char path[256];

	snprintf(path, sizeof(path), "%s/bash-comp.out", d.dir);
	snprintf(cmd, sizeof(cmd),
	    "env %s PATH='%s':\"$PATH\" bash -c '. \"%s/completions/"
	    "ringctl.bash\"; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]}"
	    " - 1)); _ringctl; printf \"%%s\\n\" \"${COMPREPLY[@]}\"' > '%s' "
	    "2>&1",
	    env, bin_dir(), src_top(), words, path);
	if (system(cmd) != 0)
		TAP_FAIL("bash completion failed: %s", cmd);
	tr_slurp(path, out, sizeof(out));
	/* printf with no words prints one empty line */
	return strcmp(out, "\n") == 0 ? "" : out;
}

/* text has a line that is exactly line */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
test_bash_completion(void)
{
	struct ring_ctl *c;
	char env[300], words[512], nosock[256];
	const char *got;

	c = comp_ringd();
	snprintf(nosock, sizeof(nosock), "%s/nobody-here.sock", d.dir);
	/* -S names the ringd, though $RINGD_SOCKET is dead */
	snprintf(env, sizeof(env), "RINGD_SOCKET='%s'", nosock);
	snprintf(words, sizeof(words), "ringctl -S %s probe zc", d.sock);
	got = bash_complete(env, words);
	if (strcmp(got, COMP_SCHEME "\n") != 0)
		TAP_FAIL("-S: bash completion offers '%s'", got);
	snprintf(words, sizeof(words), "ringctl --socket %s -j submit \"\"",
	    d.sock);
	got = bash_complete(env, words);
	TAP_ASSERT(strstr(got, COMP_SCHEME "\n") != NULL);
	TAP_ASSERT(strstr(got, "null\n") != NULL);
	got = bash_complete(env, "ringctl probe zc");
	if (got[0] != '\0')
		TAP_FAIL("dead $RINGD_SOCKET: bash completion offers '%s'",
		    got);
	/* $RINGD_SOCKET is ours, -S names a dead socket: nothing */
	snprintf(env, sizeof(env), "RINGD_SOCKET='%s'", d.sock);
	got = bash_complete(env, "ringctl probe zc");
	TAP_ASSERT(strcmp(got, COMP_SCHEME "\n") == 0);
	snprintf(words, sizeof(words), "ringctl -S %s probe zc", nosock);
	got = bash_complete(env, words);
	if (got[0] != '\0')
		TAP_FAIL("-S dead: bash completion offers '%s'", got);
	/* options, short forms included, from 'help CMD' */
	got = bash_complete(env, "ringctl monitor -");
	TAP_ASSERT(has_line(got, "-i"));
	TAP_ASSERT(has_line(got, "--interval"));
	TAP_ASSERT(has_line(got, "-t"));
	TAP_ASSERT(has_line(got, "-n"));
	TAP_ASSERT(has_line(got, "--count"));
	got = bash_complete(env, "ringctl schemes -");
	TAP_ASSERT(has_line(got, "-q"));
	comp_done(c);
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	td_setup();
	tap_run("ringctl-shell-tmux", test_shell, 90);
	tap_run("ringctl-shell-ringd-gone", test_shell_ringd_gone, 60);
	tap_run("ringctl-zsh-completion", test_zsh_completion, 90);
	tap_run("ringctl-bash-completion", test_bash_completion, 60);
	return tap_done();
}
