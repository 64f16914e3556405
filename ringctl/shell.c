/*
 * shell.c - the interactive shell (readline: history, Tab completion of
 * commands, options, scheme names, ring ids, opcode names and fields from
 * the live daemon), the same loop without readline when stdin is not a
 * terminal, and batch files (-b).  Every line runs through cmd_run(), the
 * path a one-shot command takes.
 *
 * The interactive shell owns SIGINT, SIGTERM and SIGHUP while it runs:
 * their handler only sets shell_interrupted and writes a byte to a pipe.
 * At the prompt, readline's callback interface waits in poll() on the
 * terminal and that pipe, so Ctrl-C clears the line and shows a new
 * prompt; a running command checks the flag in its loops and waits in
 * bounded steps, so Ctrl-C stops it and the shell goes on.  SIGTERM and
 * SIGHUP end the shell after the history is written.  Ctrl-Z (SIGTSTP) at
 * the prompt gives the terminal back in its normal mode before the shell
 * stops, and takes it again when continued; during a command it stops the
 * process as usual.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <ring/phys.h>

#include "ringctl.h"
#include "common/common.h"

static cmd_fn cmd_shell;

CMD_ENTRY(shell, "",
    "read commands interactively (readline)",
    .flags = CMD_NOT_SHELL, .args = { ARG_NONE });

#define SHELL_HISTORY_MAX 1000
#define SHELL_LINE_MAX 65536
#define SHELL_STEP_NS 50000000ull /* shell_sleep() looks at the flag */

volatile sig_atomic_t shell_interrupted;

bool
shell_sleep(uint64_t ns)
{
	struct timespec now, until;
	uint64_t step;

	while (ns > 0 && !shell_interrupted) {
		step = ns < SHELL_STEP_NS ? ns : SHELL_STEP_NS;
		clock_gettime(CLOCK_MONOTONIC, &now);
		until.tv_sec = now.tv_sec + (time_t)(step / 1000000000ull);
		until.tv_nsec = now.tv_nsec + (long)(step % 1000000000ull);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		/* a signal ends the step early; the flag says which */
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
			   NULL) == EINTR &&
		    !shell_interrupted)
			;
		ns -= step;
	}
	return !shell_interrupted;
}

void
shell_free_words(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Split line into words: blanks separate, '...' is literal, "..." allows
 * \" and \\, a backslash outside quotes takes the next character, and a #
 * that starts a word starts a comment.  Returns 0 or -EINVAL (unterminated
 * quote), -ENOMEM, -E2BIG (too many words).
 */
int
shell_split(const char *line, int *argc, char ***argv)
{
	size_t len = strlen(line);
	char **v = NULL, *w = NULL;
	const char *p = line;
	int n = 0, err = 0;
	size_t wl;

	if (len > SHELL_LINE_MAX)
		return -E2BIG;
	if ((v = calloc(CMD_ARGS_MAX + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n == CMD_ARGS_MAX) {
			err = -E2BIG;
			goto fail;
		}
		if ((w = malloc(len + 1)) == NULL) {
			err = -ENOMEM;
			goto fail;
		}
		wl = 0;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n') {
			if (*p == '\'') {
				for (p++; *p != '\0' && *p != '\''; p++)
					w[wl++] = *p;
				if (*p == '\0') {
					err = -EINVAL;
					goto fail;
				}
				p++;
			} else if (*p == '"') {
				for (p++; *p != '\0' && *p != '"'; p++) {
					if (*p == '\\' &&
					    (p[1] == '"' || p[1] == '\\'))
						p++;
					w[wl++] = *p;
				}
				if (*p == '\0') {
					err = -EINVAL;
					goto fail;
				}
				p++;
			} else if (*p == '\\' && p[1] != '\0') {
				w[wl++] = p[1];
				p += 2;
			} else {
				w[wl++] = *p++;
			}
		}
		w[wl] = '\0';
		v[n++] = w;
		w = NULL;
	}
	*argc = n;
	*argv = v;
	return 0;
fail:
	free(w);
	shell_free_words(n, v);
	return err;
}

/*
 * Run one line of len bytes; *quit is set by "quit" and "exit".  A line
 * with a NUL byte in it is refused whole: the C string would end there
 * and run something else than what the line says.
 */
static int
shell_line(struct ringctl *rc, const char *line, size_t len, const char *where,
    bool *quit)
{
	char **argv;
	int argc, err, st;

	if (memchr(line, '\0', len) != NULL)
		return out_fail(rc, RC_USAGE, 0, "%sNUL byte in the line",
		    where);
	if ((err = shell_split(line, &argc, &argv)) < 0)
		return out_fail(rc, err == -ENOMEM ? RC_FAIL : RC_USAGE, 0,
		    "%s%s", where,
		    err == -EINVAL	? "unterminated quote"
			: err == -E2BIG ? "line too long"
					: "out of memory");
	if (argc == 0) {
		shell_free_words(argc, argv);
		return RC_OK;
	}
	if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0) {
		*quit = true;
		st = argc == 1 ? RC_OK
			       : out_fail(rc, RC_USAGE, 0,
				     "%s: takes no argument", argv[0]);
	} else {
		st = cmd_run(rc, argc, argv);
	}
	shell_free_words(argc, argv);
	return st;
}

/*
 * Read one line into buf (SHELL_LINE_MAX + 2 bytes) and its length, NUL
 * bytes included, into *len.  A longer line keeps its first
 * SHELL_LINE_MAX + 1 bytes, so that shell_split() refuses it, and the rest
 * is read and dropped: input without newlines costs no memory.  Returns
 * false at the end of the input.
 */
static bool
shell_getline(FILE *f, char *buf, size_t *len)
{
	size_t n = 0;
	int c = EOF;

	while ((c = getc(f)) != EOF) {
		if (n <= SHELL_LINE_MAX)
			buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	*len = n;
	return n > 0 || c != EOF;
}

/*
 * Open a batch file: a regular file, a pipe or a socket.  A device such as
 * /dev/zero would be an endless stream of one long line, and opening a FIFO
 * must not wait for a writer before the type is known.
 */
static FILE *
shell_batch_open(struct ringctl *rc, const char *path, int *st)
{
	struct stat sb;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*st = out_fail(rc, RC_FAIL, -errno, "cannot open '%s'", path);
		return NULL;
	}
	if (fstat(fd, &sb) < 0 ||
	    !(S_ISREG(sb.st_mode) || S_ISFIFO(sb.st_mode) ||
		S_ISSOCK(sb.st_mode))) {
		*st = out_fail(rc, RC_FAIL, 0,
		    "'%s' is not a regular file or a pipe", path);
		close(fd);
		return NULL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		*st = out_fail(rc, RC_FAIL, -errno, "cannot open '%s'", path);
		close(fd);
		return NULL;
	}
	return f;
}

int
shell_batch(struct ringctl *rc, const char *path, bool force)
{
	FILE *f;
	char *line, where[300];
	unsigned lineno = 0;
	bool quit = false;
	size_t len;
	int st, first = RC_OK;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = shell_batch_open(rc, path, &st)) == NULL)
		return st;
	if ((line = malloc(SHELL_LINE_MAX + 2)) == NULL) {
		if (f != stdin)
			fclose(f);
		return out_fail(rc, RC_FAIL, -ENOMEM, "cannot read '%s'", path);
	}
	rc->in_shell = true;
	while (!quit && shell_getline(f, line, &len)) {
		lineno++;
		snprintf(where, sizeof(where),
		    "%s:%u: ", f == stdin ? "<stdin>" : path, lineno);
		st = shell_line(rc, line, len, where, &quit);
		if (st == RC_OK)
			continue;
		if (first == RC_OK)
			first = st;
		if (!force) {
			fprintf(stderr,
			    "ringctl: %s:%u: stopping at the first "
			    "error\n",
			    f == stdin ? "<stdin>" : path, lineno);
			break;
		}
	}
	if (ferror(f) && first == RC_OK)
		first = out_fail(rc, RC_FAIL, -errno, "cannot read '%s'", path);
	free(line);
	if (f != stdin)
		fclose(f);
	rc->in_shell = false;
	return first;
}

/* --- completion -------------------------------------------------------- */

static struct ringctl *shell_rc;
static char **shell_cands;
static size_t shell_ncands;

static void
shell_cands_clear(void)
{
	size_t i;

	for (i = 0; i < shell_ncands; i++)
		free(shell_cands[i]);
	free(shell_cands);
	shell_cands = NULL;
	shell_ncands = 0;
}

/*
 * Offer s (at most max bytes) for completion.  Names from ringd that a
 * terminal could act on are never offered: readline would print them raw.
 */
static void
shell_cands_add_n(const char *s, size_t max)
{
	char **nv;

	if (!san_is_plain(s, max))
		return;
	if ((nv = realloc(shell_cands, (shell_ncands + 1) * sizeof(*nv))) ==
	    NULL)
		return;
	shell_cands = nv;
	if ((shell_cands[shell_ncands] = strndup(s, max)) != NULL)
		shell_ncands++;
}

static void
shell_cands_add(const char *s)
{
	shell_cands_add_n(s, SIZE_MAX);
}

/* An id (a ring's, a region's) as a candidate. */
static void
shell_cands_add_id(uint64_t id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, id);
	shell_cands_add(buf);
}

static char *
shell_cand_gen(const char *text, int state)
{
	static size_t i, len;

	if (state == 0) {
		i = 0;
		len = strlen(text);
	}
	while (i < shell_ncands)
		if (strncmp(shell_cands[i++], text, len) == 0)
			return strdup(shell_cands[i - 1]);
	return NULL;
}

/* A connection for completion, made without printing anything. */
static struct ring_ctl *
shell_quiet_ctl(void)
{
	return conn_quiet(shell_rc);
}

/*
 * Candidates for an argument of kind; scheme is the command's first
 * argument (NULL when none), whose declared opcodes an opcode completes
 * from.
 */
static void
shell_cands_live(enum cmd_arg kind, const char *scheme)
{
	struct ring_ctl_scheme *s = NULL;
	struct ring_ctl_ring *r = NULL;
	struct ring_phys_region *g = NULL;
	const struct cmd_entry *const *t;
	size_t n, i;
	unsigned k, nk;

	switch (kind) {
	case ARG_SCHEME:
		if (shell_quiet_ctl() == NULL ||
		    ring_ctl_list_schemes(shell_rc->ctl, &s, &n) < 0)
			break;
		for (i = 0; i < n; i++)
			shell_cands_add_n(s[i].name, sizeof(s[i].name));
		free(s);
		break;
	case ARG_RING:
		if (shell_quiet_ctl() == NULL ||
		    ring_ctl_list_rings(shell_rc->ctl, &r, &n) < 0)
			break;
		for (i = 0; i < n; i++)
			shell_cands_add_id(r[i].ring_id);
		free(r);
		break;
	case ARG_OPCODE: {
		struct ring_ctl_opname *decl = NULL;
		size_t ndecl = 0;
		uint64_t ops[4];

		/* the standard names it serves, and the ones it declared */
		if (scheme == NULL || shell_quiet_ctl() == NULL ||
		    ring_ctl_probe_names(shell_rc->ctl, scheme, ops, &decl,
			&ndecl) < 0 ||
		    (ops[0] | ops[1] | ops[2] | ops[3]) == 0)
			ops[0] = ops[1] = ops[2] = ops[3] = ~0ull;
		for (k = 0; k < RING_OP_STANDARD_COUNT; k++)
			if (ops[k / 64] & (1ull << (k % 64)))
				shell_cands_add(ring_op_name(k));
		for (i = 0; i < ndecl; i++)
			shell_cands_add_n(decl[i].name, sizeof(decl[i].name));
		free(decl);
		break;
	}
	case ARG_FIELD: {
		static const char *const fields[] = { "flags=", "priority=",
			"syscall_flags=", "fd=", "len=", "user_data=", "addr=",
			"offset=", "additional1=", "additional2=", "data=" };

		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			shell_cands_add(fields[k]);
		rl_completion_append_character = '\0';
		break;
	}
	case ARG_COMMAND:
		t = cmd_table(&nk);
		for (k = 0; k < nk; k++)
			shell_cands_add(t[k]->name);
		break;
	case ARG_REGION:
		if (shell_quiet_ctl() == NULL ||
		    ring_phys_list_regions(shell_rc->ctl, &g, &n) < 0)
			break;
		for (i = 0; i < n; i++)
			shell_cands_add_id(g[i].region_id);
		free(g);
		break;
	case ARG_PROGRAM:
		/* no candidates: readline completes file names */
		rl_attempted_completion_over = 0;
		break;
	case ARG_NONE:
		break;
	}
}

static char **
shell_complete(const char *text, int start, int end)
{
	const struct cmd_entry *const *t, *ce;
	const char *first = NULL;
	char **argv = NULL, *head;
	int argc = 0, pos = 0, i, k;
	unsigned n, j;

	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	shell_cands_clear();
	if ((head = strndup(rl_line_buffer, (size_t)start)) == NULL)
		return NULL;
	if (shell_split(head, &argc, &argv) < 0) {
		free(head);
		return NULL;
	}
	free(head);
	if (argc == 0) {
		t = cmd_table(&n);
		for (j = 0; j < n; j++)
			shell_cands_add(t[j]->name);
		shell_cands_add("quit");
		goto done;
	}
	if ((ce = cmd_find(argv[0])) == NULL)
		goto done;
	if (text[0] == '-') {
		for (k = 0; ce->opts != NULL && ce->opts[k].name != NULL; k++) {
			char buf[64];

			snprintf(buf, sizeof(buf), "--%s", ce->opts[k].name);
			shell_cands_add(buf);
		}
		shell_cands_add("--json");
		shell_cands_add("--pretty");
		goto done;
	}
	/* count the positionals before this word, skipping options */
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			for (k = 0;
			     ce->opts != NULL && ce->opts[k].name != NULL; k++)
				if (strncmp(argv[i], "--", 2) == 0 &&
				    strcmp(argv[i] + 2, ce->opts[k].name) ==
					0 &&
				    ce->opts[k].arg != NULL)
					i++; /* its value */
			continue;
		}
		if (pos++ == 0)
			first = argv[i];
	}
	if (ce->max_args >= 0 && pos >= ce->max_args)
		goto done;
	shell_cands_live(ce->args[pos < 3 ? pos : 2], first);
done:
	shell_free_words(argc, argv);
	return rl_completion_matches(text, shell_cand_gen);
}

/* --- the shell --------------------------------------------------------- */

static const char *
shell_history_path(char *buf, size_t len)
{
	const char *env = getenv("RINGCTL_HISTORY"), *home = getenv("HOME");

	if (env != NULL)
		return env[0] != '\0' ? env : NULL;
	if (home == NULL || home[0] == '\0')
		return NULL;
	snprintf(buf, len, "%s/.ringctl_history", home);
	return buf;
}

/* --- signals and the prompt ------------------------------------------- */

static int shell_pipe[2] = { -1, -1 };	 /* the handler's wake-up call */
static volatile sig_atomic_t shell_term; /* SIGTERM or SIGHUP: leave */
static volatile sig_atomic_t shell_winch;
static volatile sig_atomic_t shell_tstp;    /* Ctrl-Z at the prompt */
static volatile sig_atomic_t shell_running; /* a command, not the prompt */
static bool shell_quit, shell_eof;
static bool shell_prompting; /* readline's callback handler is installed */
static struct sigaction shell_dfl_tstp; /* SIG_DFL */

static void
shell_signal(int sig)
{
	int saved = errno;

	if (sig == SIGWINCH) {
		shell_winch = 1;
	} else if (sig == SIGTSTP) {
		shell_tstp = 1;
	} else {
		/* the terminal echoed ^C: what follows starts a line */
		if (sig == SIGINT && shell_running && !shell_interrupted)
			(void)!write(STDERR_FILENO, "\n", 1);
		shell_interrupted = 1;
		if (sig != SIGINT)
			shell_term = sig;
	}
	if (shell_pipe[1] >= 0)
		(void)!write(shell_pipe[1], "", 1);
	errno = saved;
}

static void
shell_drain(void)
{
	char buf[64];

	while (read(shell_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* Leave the prompt for good, the terminal as readline found it. */
static void
shell_prompt_off(void)
{
	if (shell_prompting)
		rl_callback_handler_remove();
	shell_prompting = false;
}

/* Ctrl-Z at the prompt: stop with the terminal as it was, then redraw. */
static void
shell_suspend(void)
{
	struct sigaction dfl, ours;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	rl_cleanup_after_signal();
	sigaction(SIGTSTP, &dfl, &ours);
	raise(SIGTSTP); /* stopped here until SIGCONT */
	sigaction(SIGTSTP, &ours, NULL);
	rl_reset_after_signal();
	rl_forced_update_display();
}

/* Ctrl-C at the prompt: leave the line as typed, start an empty one. */
static void
shell_cancel_line(void)
{
	rl_point = rl_end;
	rl_redisplay();
	rl_echo_signal_char(SIGINT);
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_crlf();
	rl_on_new_line();
	rl_redisplay();
	history_set_pos(history_length);
}

/* A whole line from readline (NULL: end of input): run it. */
static void
shell_on_line(char *line)
{
	struct sigaction tstp;
	HIST_ENTRY *last;
	const char *p = line;
	size_t n;

	if (line == NULL) {
		shell_eof = shell_quit = true;
		shell_prompt_off();
		return;
	}
	n = strlen(line);
	while (isspace((unsigned char)*p))
		p++;
	/* history without the blank a completion leaves at the end */
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	if (*p != '\0') {
		last = history_length > 0
		    ? history_get(history_base + history_length - 1)
		    : NULL;
		if (last == NULL || strcmp(last->line, line) != 0)
			add_history(line);
	}
	rl_completion_append_character = ' ';
	/* a Ctrl-C typed before Enter stops nothing */
	shell_interrupted = 0;
	shell_drain();
	shell_running = 1;
	/* Ctrl-Z during a command stops it the usual way */
	sigaction(SIGTSTP, &shell_dfl_tstp, &tstp);
	(void)shell_line(shell_rc, line, n, "", &shell_quit);
	sigaction(SIGTSTP, &tstp, NULL);
	shell_running = 0;
	free(line);
	if (!shell_term) {
		shell_interrupted = 0;
		shell_drain();
	}
	if (shell_quit || shell_term)
		shell_prompt_off();
}

/*
 * Read and run lines until quit, end of input, SIGTERM or SIGHUP; then
 * write the history.  Returns 0, or 128 + the signal that ended it.
 */
static int
shell_readline(struct ringctl *rc)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
		SIGTSTP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct pollfd pfd[2];
	char hbuf[4096];
	const char *hist = shell_history_path(hbuf, sizeof(hbuf));
	unsigned i;
	int st = RC_OK;

	if (pipe2(shell_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return out_fail(rc, RC_FAIL, -errno, "cannot start the shell");
	shell_rc = rc;
	shell_quit = shell_eof = false;
	shell_term = shell_winch = shell_tstp = shell_interrupted = 0;
	rl_readline_name = "ringctl";
	rl_attempted_completion_function = shell_complete;
	rl_completer_word_break_characters = (char *)" \t";
	/* the signals are ours (see the top of this file), not readline's */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	using_history();
	stifle_history(SHELL_HISTORY_MAX);
	if (hist != NULL)
		(void)read_history(hist);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = shell_signal; /* no SA_RESTART: waits end early */
	sigemptyset(&sa.sa_mask);
	shell_dfl_tstp.sa_handler = SIG_DFL;
	sigemptyset(&shell_dfl_tstp.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);
	rc->interactive = true;
	printf("ringctl %s shell; 'help' lists commands, 'quit' leaves.\n",
	    ring_version());
	fflush(stdout);
	rl_callback_handler_install("ringctl> ", shell_on_line);
	shell_prompting = true;
	while (!shell_quit && !shell_term) {
		if (shell_winch) {
			shell_winch = 0;
			rl_resize_terminal();
		}
		if (shell_interrupted) {
			shell_interrupted = 0;
			shell_cancel_line();
		}
		if (shell_tstp) {
			shell_tstp = 0;
			shell_suspend();
		}
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = shell_pipe[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			st = out_fail(rc, RC_FAIL, -errno,
			    "cannot read commands");
			break;
		}
		if (pfd[1].revents != 0)
			shell_drain();
		/* a signal first: keys typed after Ctrl-C go to the new line */
		if (shell_interrupted || shell_tstp || shell_winch ||
		    shell_term)
			continue;
		if (pfd[0].revents != 0)
			rl_callback_read_char();
	}
	shell_prompt_off();
	if (shell_term)
		st = 128 + shell_term;
	if (shell_eof || shell_term)
		putchar('\n');
	if (hist != NULL && write_history(hist) != 0)
		fprintf(stderr, "ringctl: cannot write history '%s'\n", hist);
	rc->interactive = false;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	close(shell_pipe[0]);
	close(shell_pipe[1]);
	shell_pipe[0] = shell_pipe[1] = -1;
	shell_interrupted = 0;
	shell_cands_clear();
	return st;
}

static int
cmd_shell(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	char *line, where[48];
	unsigned lineno = 0;
	bool quit = false;
	size_t len;
	int st;

	(void)ce;
	(void)a;
	rc->in_shell = true;
	if (isatty(STDIN_FILENO)) {
		st = shell_readline(rc);
	} else if ((line = malloc(SHELL_LINE_MAX + 2)) == NULL) {
		st = out_fail(rc, RC_FAIL, -ENOMEM, "cannot read commands");
	} else {
		/* scripts: one command a line, errors do not stop us */
		while (!quit && shell_getline(stdin, line, &len)) {
			/* the line number only where a line itself is wrong */
			snprintf(where, sizeof(where),
			    "<stdin>:%u: ", ++lineno);
			(void)shell_line(rc, line, len,
			    memchr(line, '\0', len) != NULL ? where : "",
			    &quit);
		}
		free(line);
		st = RC_OK;
	}
	rc->in_shell = false;
	return st;
}
