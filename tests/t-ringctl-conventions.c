/*
 * t-ringctl-conventions.c - what ringd, ringctl and ringtop agree on, run
 * as the real binaries: --help lists every option and exits 0, and the
 * option lists of ringd(8), ringtop(1) and ringctl(1) (global options)
 * name the same options as --help and the SYNOPSIS; durations take bare
 * seconds and the same units everywhere; a peer prints as pid/comm in
 * both front ends; the completions: ringtop's sort column in bash (also
 * after '=') and in a real zsh, a scheme's own opcodes after `submit
 * SCHEME`, --system/--user; and `make install` puts the zsh completions
 * where zsh looks for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/tmux.h"
#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

/* Run a program of this build (rel to the build dir) with args. */
static void
run_prog(const char *env, const char *rel, const char *const *args)
{
	static const char *argv[32];
	char bin[256];
	size_t n = 0;

	argv[n++] = td_build_bin(env, rel, bin, sizeof(bin));
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	tr_collect(d.dir, "run", tr_spawn_argv(d.dir, "run", NULL, argv), 30000,
	    &r);
}
#define RINGD(...) \
	run_prog("RINGD_BIN", "ringd/ringd", \
	    (const char *const[]){ __VA_ARGS__, NULL })
#define RINGTOP(...) \
	run_prog("RINGTOP_BIN", "ringtop/ringtop", \
	    (const char *const[]){ __VA_ARGS__, NULL })
#define CTL_BARE(...) \
	tr_runv(d.dir, &r, NULL, (const char *const[]){ __VA_ARGS__, NULL })

/* Read a file of the source tree (tests run from its top). */
static const char *
src_file(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	const char *top = getenv("RING_SRCDIR");

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	tr_slurp(path, buf, len);
	if (buf[0] == '\0')
		TAP_FAIL("cannot read '%s' (run from the source tree or set "
			 "RING_SRCDIR)",
		    path);
	return buf;
}

/* --- --help against the manual ----------------------------------------- */

/* Add " word" to set (a space-separated list) unless it is there. */
static void
set_add(char *set, size_t len, const char *word, size_t n)
{
	char w[64];
	size_t used = strlen(set);

	snprintf(w, sizeof(w), " %.*s ", (int)n, word);
	if (strstr(set, w) != NULL)
		return;
	snprintf(set + used, len - used, "%.*s ", (int)n + 1, w);
	if (set[0] != ' ') {
		memmove(set + 1, set, strlen(set) + 1);
		set[0] = ' ';
	}
}

/* Sort the words of set, so that two sets compare with strcmp(). */
static int
set_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort(char *set, size_t len)
{
	char copy[2048], *w[128], *p, *save = NULL;
	size_t n = 0, i, used = 0;

	snprintf(copy, sizeof(copy), "%s", set);
	for (p = strtok_r(copy, " ", &save); p != NULL && n < 128;
	     p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	qsort(w, n, sizeof(w[0]), set_cmp);
	set[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(set + used, len - used, "%s ", w[i]);
}

/*
 * The options an mdoc text names, from its Fl macros: "Fl S" -> -S,
 * "Fl -user" -> --user, "Fl dfhTtVv" -> -d -f -h ... (a group of
 * letters, as in a SYNOPSIS).
 */
static void
mdoc_flags(const char *text, const char *end, char *set, size_t len)
{
	const char *p, *q;
	char one[3] = "-";

	for (p = text; (p = strstr(p, "Fl ")) != NULL && p < end; p += 3) {
		if (p != text && p[-1] != ' ' && p[-1] != '.')
			continue;
		q = p + 3;
		if (q[0] == '-') {
			size_t n = strspn(q + 1, "abcdefghijklmnopqrstuvwxyz-");

			set_add(set, len, "--", 2);
			set[strlen(set) - 3] = '\0'; /* drop the bare "--" */
			{
				char w[64];

				snprintf(w, sizeof(w), "-%.*s", (int)n + 1, q);
				set_add(set, len, w, strlen(w));
			}
			continue;
		}
		for (; *q != '\0' && *q != ' ' && *q != '\n'; q++) {
			if (!((*q >= 'a' && *q <= 'z') ||
				(*q >= 'A' && *q <= 'Z')))
				break;
			one[1] = *q;
			set_add(set, len, one, 2);
		}
	}
}

/*
 * The section of a manual from "\n.Sh NAME\n" to the next ".Sh"; with
 * options true, only the options list: the .Bl after "The options are as
 * follows:" (or "The global options come before the command:") to its
 * .El, nested lists skipped.
 */
static void
man_part(const char *man, const char *sh, bool options, const char **start,
    const char **end)
{
	char head[64];
	const char *s, *p;
	int depth = 0;

	snprintf(head, sizeof(head), "\n.Sh %s\n", sh);
	if ((s = strstr(man, head)) == NULL)
		TAP_FAIL("the manual has no %s", sh);
	*start = s + strlen(head);
	*end = strstr(*start, "\n.Sh ");
	if (!options)
		return;
	if ((p = strstr(s, "The options are as follows:\n.Bl")) == NULL &&
	    (p = strstr(s,
		 "The global options come before the command:\n"
		 ".Bl")) == NULL)
		TAP_FAIL("no options list in %s", sh);
	*start = p = strchr(p, '\n');
	for (; p != NULL; p = strchr(p + 1, '\n')) {
		if (strncmp(p, "\n.Bl ", 5) == 0)
			depth++;
		else if (strncmp(p, "\n.El", 4) == 0 && --depth == 0)
			break;
	}
	if (p == NULL)
		TAP_FAIL("the options list in %s does not end", sh);
	*end = p;
}

/* Only the .It lines of [start, end) at the list's own level. */
static void
man_item_flags(const char *start, const char *end, char *set, size_t len)
{
	const char *p, *eol;
	int depth = 0;

	for (p = start; p != NULL && p < end; p = strchr(p + 1, '\n')) {
		if (strncmp(p, "\n.Bl ", 5) == 0)
			depth++;
		else if (strncmp(p, "\n.El", 4) == 0)
			depth--;
		else if (depth == 1 && strncmp(p, "\n.It Fl ", 8) == 0) {
			eol = strchr(p + 1, '\n');
			mdoc_flags(p + 4, eol != NULL ? eol : end, set, len);
		}
	}
}

/*
 * The options of a --help text: in the option lines ("  -S, --socket
 * PATH  ...", "      --user  ..."), and separately in the usage lines
 * (everything before the first line that does not start "usage:" or a
 * blank continuation).
 */
static void
help_flags(const char *help, char *opts, char *usage, size_t len)
{
	const char *line, *p, *eol;
	bool in_usage = true;

	for (line = help; *line != '\0'; line = eol + (*eol != '\0')) {
		eol = line + strcspn(line, "\n");
		if (in_usage && strncmp(line, "usage:", 6) != 0 &&
		    strncmp(line, "      ", 6) != 0)
			in_usage = false;
		if (in_usage) {
			for (p = line; p < eol; p++) {
				size_t n;

				if (*p != '-' ||
				    (p != line && p[-1] != '[' && p[-1] != ' '))
					continue;
				n = strspn(p,
				    "-abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
				if (n >= 3 && p[1] == '-')
					set_add(usage, len, p, n);
				else
					for (size_t i = 1; i < n; i++) {
						char one[3] = { '-', p[i], 0 };

						set_add(usage, len, one, 2);
					}
				p += n - 1;
			}
			continue;
		}
		p = line + strspn(line, " ");
		if (p == line || *p != '-')
			continue;
		if (p[1] != '-') {
			set_add(opts, len, p, 2);
			p += 2 + strspn(p + 2, ", ");
		}
		if (p[0] == '-' && p[1] == '-')
			set_add(opts, len, p,
			    2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-"));
	}
}

/* The option sets of --help and of the manual must be equal. */
static void
expect_same(const char *what, char *a, const char *aname, char *b,
    const char *bname)
{
	set_sort(a, 2048);
	set_sort(b, 2048);
	if (strcmp(a, b) != 0)
		TAP_FAIL("%s: %s has '%s', %s has '%s'", what, aname, a, bname,
		    b);
}

/*
 * One program: --help exits 0 with its usage and options on stdout and
 * nothing on stderr, -h prints the same, and the manual's options list
 * and SYNOPSIS name exactly the options --help lists and its usage line.
 */
static void
help_vs_man(const char *name, const char *man_rel, void (*runner)(const char *))
{
	static char man[262144];
	char help[16384], opts[2048] = "", usage[2048] = "", mopts[2048] = "",
			  msyn[2048] = "";
	const char *s, *e;

	runner("--help");
	EXPECT_STATUS(0);
	if (r.err[0] != '\0')
		TAP_FAIL("%s --help wrote to stderr: %s", name, r.err);
	TAP_ASSERT(strlen(r.out) < sizeof(help));
	memcpy(help, r.out, strlen(r.out) + 1);
	runner("-h");
	EXPECT_STATUS(0);
	if (strcmp(r.out, help) != 0)
		TAP_FAIL("%s -h differs from --help", name);
	if (strncmp(help, "usage: ", 7) != 0 || strchr(help, '\n') == NULL ||
	    strstr(help, "--help") == NULL)
		TAP_FAIL("%s --help is not a full usage: %s", name, help);
	help_flags(help, opts, usage, sizeof(opts));

	src_file(man_rel, man, sizeof(man));
	man_part(man, "DESCRIPTION", true, &s, &e);
	man_item_flags(s, e, mopts, sizeof(mopts));
	man_part(man, "SYNOPSIS", false, &s, &e);
	mdoc_flags(s, e, msyn, sizeof(msyn));
	expect_same(name, opts, "--help", mopts, man_rel);
	expect_same(name, usage, "its usage line", msyn, "the SYNOPSIS");
}

static void
ringd_runner(const char *arg)
{
	RINGD(arg);
}

static void
ringtop_runner(const char *arg)
{
	RINGTOP(arg);
}

static void
ringctl_runner(const char *arg)
{
	CTL_BARE(arg);
}

TAP_TEST(test_help, "conventions-help", 60)
{
	td_prepare(&d, NULL);
	help_vs_man("ringd", "man/ringd.8", ringd_runner);
	help_vs_man("ringtop", "man/ringtop.1", ringtop_runner);
	help_vs_man("ringctl", "man/ringctl.1", ringctl_runner);

	/* long forms of ringd's options work */
	RINGD("--version");
	EXPECT_STATUS(0);
	TAP_ASSERT(strncmp(r.out, "ringd ", 6) == 0);
	RINGD("--config", d.conf, "--test");
	EXPECT_STATUS(0);
	RINGD("--log-level=loud");
	EXPECT_FAIL(2, "bad log level 'loud'");
	/* a usage error: a message naming the option, then the usage */
	RINGD("--bogus");
	EXPECT_STATUS(2);
	TAP_ASSERT(strncmp(r.err,
		       "ringd: unknown option '--bogus'\nusage: ", 39) == 0);
	RINGD("-fx");
	EXPECT_STATUS(2);
	TAP_ASSERT(strncmp(r.err, "ringd: unknown option '-x'\n", 27) == 0);
	RINGD("--pidfile");
	EXPECT_FAIL(2, "ringd: option '--pidfile' needs a value");
	RINGTOP("--bogus");
	EXPECT_STATUS(2);
	TAP_ASSERT(
	    strncmp(r.err, "ringtop: unknown option '--bogus'\n", 34) == 0);
	RINGTOP("--system", "--user", "-b");
	EXPECT_FAIL(2, "ringtop: --system and --user exclude each other");
	td_cleanup(&d);
}

/* --- durations ---------------------------------------------------------- */

TAP_TEST(test_durations, "conventions-durations", 120)
{
	static const char *const good[] = { "5", "0.5", ".5", "1500ms", "2s",
		"1m", "250000us" };
	static const char *const bad[] = { "", "5x", "-1", "0x10", "s", "1e3",
		"5 s", "1.5.2" };
	size_t i;

	td_begin(&d, NULL);
	/* ringctl: --timeout and --interval */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CTL_OK("submit", "--timeout", good[i], "null", "noop");
		CTL("monitor", "--interval", good[i], "--count", "1",
		    "--threshold", "1000000", "1");
		if (r.status == 2)
			TAP_FAIL("monitor --interval '%s' refused: %s", good[i],
			    r.err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CTL("submit", "--timeout", bad[i], "null", "noop");
		EXPECT_FAIL(2, "bad --timeout");
	}
	/* ringtop -d: the same parser, within 0.1 s .. 1 h */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		RINGTOP("-S", d.sock, "-b", "-n", "1", "-d", good[i]);
		EXPECT_STATUS(0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RINGTOP("-S", d.sock, "-b", "-n", "1", "-d", bad[i]);
		EXPECT_FAIL(2, "ringtop: bad interval");
	}
	RINGTOP("-S", d.sock, "-b", "-n", "1", "--delay=50ms");
	EXPECT_STATUS(2);
	RINGTOP("-S", d.sock, "-b", "-n", "1", "--delay=61m");
	EXPECT_STATUS(2);
	RINGTOP("-S", d.sock, "-b", "-n", "1", "--delay=100ms");
	EXPECT_STATUS(0);
	RINGTOP("-S", d.sock, "-b", "-j", "-n", "1", "--delay=1h");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "\"interval_ns\":3600000000000") != NULL);
	/* nine decimals of an hour: exact, no overflow on the way */
	RINGTOP("-S", d.sock, "-b", "-j", "-n", "1", "--delay=0.999999999h");
	EXPECT_STATUS(0);
	TAP_ASSERT(strstr(r.out, "\"interval_ns\":3599999996400") != NULL);
	td_finish(&d);
}

/* --- peers -------------------------------------------------------------- */

TAP_TEST(test_peers, "conventions-peers", 60)
{
	struct ring_ctl *c;
	struct ring *ring;
	uint64_t id;
	char want[64], comm[32], idstr[24];
	FILE *f;

	td_begin(&d, NULL);
	c = td_connect(&d);
	ring = td_open(c, "null", 8, 0, 0, &id);
	TAP_ASSERT((f = fopen("/proc/self/comm", "re")) != NULL);
	TAP_ASSERT(fgets(comm, sizeof(comm), f) != NULL);
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(want, sizeof(want), "%d/%s", (int)getpid(), comm);
	snprintf(idstr, sizeof(idstr), "%llu", (unsigned long long)id);

	CTL_OK("rings");
	if (strstr(r.out, want) == NULL)
		TAP_FAIL("ringctl rings lacks '%s': %s", want, r.out);
	CTL_OK("ring", idstr);
	if (strstr(r.out, want) == NULL)
		TAP_FAIL("ringctl ring lacks '%s': %s", want, r.out);
	RINGTOP("-S", d.sock, "-b", "-n", "1");
	EXPECT_STATUS(0);
	if (strstr(r.out, want) == NULL)
		TAP_FAIL("ringtop lacks '%s': %s", want, r.out);
	/* ringd's own side, the same word in both */
	if (strstr(r.out, " ringd ") == NULL)
		TAP_FAIL("ringtop does not show the built-in producer: %s",
		    r.out);
	td_end_ring(&d, c, ring, id);
}

/* --- completions --------------------------------------------------------- */

/* tr_bash_complete() from the source tree and this build's ringctl. */
static void
bash_complete(const char *script, const char *func, const char *env,
    const char *words, char *out, size_t len)
{
	char top[PATH_MAX], bin[PATH_MAX], *slash;
	const char *src = getenv("RING_SRCDIR");

	if (realpath(src != NULL ? src : ".", top) == NULL ||
	    realpath(tr_binary(), bin) == NULL)
		TAP_FAIL("cannot resolve the source or build tree");
	if ((slash = strrchr(bin, '/')) != NULL)
		*slash = '\0';
	tr_bash_complete(d.dir, top, bin, script, func, env, words, out, len);
}

#define EXPECT_BASH(script, func, env, words, want) \
	do { \
		char got_[4096]; \
		bash_complete((script), (func), (env), (words), got_, \
		    sizeof(got_)); \
		if (strcmp(got_, (want)) != 0) \
			TAP_FAIL("bash on '%s' offers '%s', expected '%s'", \
			    (words), got_, (want)); \
	} while (0)

#define COLUMNS \
	"id\nscheme\nkind\nconsumer\nproducer\nsq\ncq\nsubmit\ncomplete\nage\n" \
	"state" \
	"\n"
#define REDOX_OPS \
	"noop\nopen\nclose\nread\nwrite\nseek\nfstat\nfstatvfs\nmmap\n" \
	"munmap\nfsync\nfiles_update\nregular_syscall\n"

TAP_TEST(test_bash, "conventions-bash-completion", 60)
{
	char words[512], nosock[256];

	td_begin(&d, NULL);
	/* ringtop: the sort column after a space, after '=' split off, and
	 * in one word when '=' is not a word break */
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop -s \"\"", COLUMNS);
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop --sort = \"\"",
	    COLUMNS);
	EXPECT_BASH("ringtop.bash", "_ringtop", "",
	    "ringtop --sort =", COLUMNS);
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop --sort = ag",
	    "age\n");
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop -b --sort=co",
	    "--sort=consumer\n--sort=complete\n");
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop --delay = 5",
	    "5\n500ms\n");
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop --sys",
	    "--system\n");
	EXPECT_BASH("ringtop.bash", "_ringtop", "", "ringtop --us", "--user\n");
	/* ringtop -f: the schemes of the ringd the line names */
	snprintf(words, sizeof(words), "ringtop --socket=%s -f z", d.sock);
	EXPECT_BASH("ringtop.bash", "_ringtop", "", words, "zero\n");
	/* ringctl submit: the opcodes the scheme declared */
	snprintf(words, sizeof(words), "ringctl -S %s submit zero \"\"",
	    d.sock);
	EXPECT_BASH("ringctl.bash", "_ringctl", "", words, "noop\nread\n");
	snprintf(words, sizeof(words), "ringctl --socket %s -j submit null w",
	    d.sock);
	EXPECT_BASH("ringctl.bash", "_ringctl", "", words, "write\n");
	snprintf(words, sizeof(words), "ringctl -S %s submit echo f", d.sock);
	EXPECT_BASH("ringctl.bash", "_ringctl", "", words,
	    "fstat\nfstatvfs\nfsync\nfiles_update\n");
	/* no ringd to ask: the Redox names */
	snprintf(nosock, sizeof(nosock), "%s/nobody.sock", d.dir);
	snprintf(words, sizeof(words), "ringctl -S %s submit zero \"\"",
	    nosock);
	EXPECT_BASH("ringctl.bash", "_ringctl", "", words, REDOX_OPS);
	EXPECT_BASH("ringctl.bash", "_ringctl", "", "ringctl --sy",
	    "--system\n");
	td_finish(&d);
}

/* The zsh of the test, at a prompt, with our completions and programs. */
static struct tm_server tm;
static char screen[TM_SCREEN_MAX];

/* Complete line with Tab (tm_tab()): the screen must show "zsh> want". */
static void
zsh_tab(const char *line, const char *want)
{
	char buf[600];

	tm_tab(&tm, line);
	snprintf(buf, sizeof(buf), "zsh> %s", want);
	tm_wait(&tm, buf, screen);
	tm_keys(&tm, "C-u");
	tm_wait_gone(&tm, buf, screen);
}

TAP_TEST(test_zsh, "conventions-zsh-completion", 90)
{
	char top[PATH_MAX], bin[PATH_MAX], path[2 * PATH_MAX + 16],
	    cmd[3 * PATH_MAX], line[512], want[512], *slash;
	const char *src = getenv("RING_SRCDIR");

	if (system("command -v zsh >/dev/null 2>&1") != 0)
		TAP_FAIL("zsh is not installed (scripts/deps.sh installs it)");
	if (!tm_available())
		TAP_FAIL("tmux is not installed (scripts/deps.sh installs it)");
	td_begin(&d, NULL);
	if (realpath(src != NULL ? src : ".", top) == NULL ||
	    realpath(tr_binary(), bin) == NULL)
		TAP_FAIL("cannot resolve the source or build tree");
	if ((slash = strrchr(bin, '/')) != NULL)
		*slash = '\0';
	/* both files parse */
	snprintf(cmd, sizeof(cmd),
	    "zsh -n '%s/completions/_ringtop' && zsh -n "
	    "'%s/completions/_ringctl'",
	    top, top);
	TAP_ASSERT(system(cmd) == 0);
	snprintf(path, sizeof(path), "%s:%s/../ringtop", bin, bin);
	tr_zshrc(d.dir, top, path);
	tm_start(&tm, d.dir);
	snprintf(cmd, sizeof(cmd),
	    "env -i HOME='%s' ZDOTDIR='%s' TERM=screen PATH=/usr/bin:/bin "
	    "RINGD_SOCKET='%s' zsh -i",
	    d.dir, d.dir, d.sock);
	tm_new_session(&tm, "zsh", 200, 50, cmd);
	tm_wait(&tm, "zsh>", screen);

	/* ringtop's sort column, in both forms */
	zsh_tab("ringtop -s ag", "ringtop -s age @");
	zsh_tab("ringtop --sort=comp", "ringtop --sort=complete @");
	zsh_tab("ringtop -b -s prod", "ringtop -b -s producer @");
	zsh_tab("ringtop --sys", "ringtop --system @");
	if (strstr(screen, "_arguments") != NULL ||
	    strstr(screen, "parse error") != NULL)
		TAP_FAIL("zsh complained:\n%s", screen);
	/* submit: only what the scheme declared */
	zsh_tab("ringctl submit zero re", "ringctl submit zero read @");
	zsh_tab("ringctl submit zero wr", "ringctl submit zero wr@");
	zsh_tab("ringctl submit null wr", "ringctl submit null write @");
	snprintf(line, sizeof(line), "ringctl -S %s submit zero re", d.sock);
	snprintf(want, sizeof(want), "ringctl -S %s submit zero read @",
	    d.sock);
	zsh_tab(line, want);
	zsh_tab("ringctl --us", "ringctl --user @");
	tm_stop(&tm);
	td_finish(&d);
}

/* --- where make install puts the zsh completions -------------------------- */

TAP_TEST(test_install_dirs, "conventions-install-dirs", 60)
{
	static const struct {
		const char *prefix, *dir;
	} cases[] = {
		{ "/usr", "/usr/share/zsh/vendor-completions/_ringtop" },
		{ "/usr/", "/usr//share/zsh/vendor-completions/_ringtop" },
		{ "/usr/local",
		    "/usr/local/share/zsh/site-functions/_ringtop" },
		{ "/opt/ring", "/opt/ring/share/zsh/site-functions/_ringtop" },
	};
	static char rules[16384], inst[4096];
	char cmd[1024], out[16384], path[256];
	const char *top = getenv("RING_SRCDIR");
	size_t i;

	td_prepare(&d, NULL);
	snprintf(path, sizeof(path), "%s/make.out", d.dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a dry run: nothing is built or installed */
		snprintf(cmd, sizeof(cmd),
		    "make -s -n -C '%s' install BUILD='%s/build' PREFIX='%s' "
		    "DESTDIR=/nowhere 2>&1 | grep -F _ringtop > '%s'",
		    top != NULL ? top : ".", d.dir, cases[i].prefix, path);
		TAP_ASSERT(system(cmd) == 0);
		tr_slurp(path, out, sizeof(out));
		snprintf(cmd, sizeof(cmd), "completions/_ringtop /nowhere%s\n",
		    cases[i].dir);
		if (strstr(out, cmd) == NULL)
			TAP_FAIL("PREFIX=%s: no '%s' in:\n%s", cases[i].prefix,
			    cmd, out);
	}
	/* and the package agrees */
	src_file("debian/rules", rules, sizeof(rules));
	src_file("debian/ringd.install", inst, sizeof(inst));
	TAP_ASSERT(strstr(rules,
		       "ZSHCOMPDIR=/usr/share/zsh/vendor-completions") != NULL);
	TAP_ASSERT(strstr(inst,
		       "usr/share/zsh/vendor-completions/_ringtop\n") != NULL);
	TAP_ASSERT(strstr(inst,
		       "usr/share/zsh/vendor-completions/_ringctl\n") != NULL);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
