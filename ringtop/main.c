/*
 * main.c - ringtop: options, then either the interactive loop (curses,
 * keys, a refresh every interval, ringd coming and going) or batch mode
 * (-b: n frames of text or JSON on stdout).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "ringtop.h"
#include "tools/opts.h"

static volatile sig_atomic_t main_quit;

/* Long-only options. */
enum {
	MAIN_OPT_NO_COLOR = OPTS_LONG_ONLY,
	MAIN_OPT_SYSTEM,
	MAIN_OPT_USER,
};

/* ringtop's options: getopt_long()'s table and the --help text in one. */
static const struct opts_def main_opts[] = {
	{ "batch", 'b', NULL, "print frames to standard output, no curses" },
	{ "delay", 'd', "DURATION", "refresh interval: 2, 0.5, 500ms (1s)" },
	{ "filter", 'f', "TEXT",
	    "only rings whose scheme or command has TEXT" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "json", 'j', NULL, "with -b: one JSON object per frame" },
	{ "iterations", 'n', "COUNT", "stop after COUNT frames" },
	{ "no-color", MAIN_OPT_NO_COLOR, NULL, "draw without colours" },
	{ "only-active", 'o', NULL, "only rings that move or hold entries" },
	{ "socket", 'S', "PATH", "talk to the ringd listening on PATH" },
	{ "sort", 's', "COLUMN",
	    "sort column: id, scheme, consumer, producer," },
	{ NULL, 0, NULL, "  sq, cq, submit, complete, age, state" },
	{ "system", MAIN_OPT_SYSTEM, NULL,
	    "the system ringd (" RING_CTL_SYSTEM_SOCKET ")" },
	{ "user", MAIN_OPT_USER, NULL,
	    "the per-user ringd ($XDG_RUNTIME_DIR/ringd.sock)" },
	{ "version", 'V', NULL, "print the version and exit" },
};
#define MAIN_NOPTS (sizeof(main_opts) / sizeof(main_opts[0]))

/* The synopsis alone (usage errors), or with every option (--help). */
static void
main_usage(FILE *f, bool full)
{
	fprintf(f,
	    "usage: ringtop [-bhjoV] [--no-color] [--system | --user | "
	    "-S socket]\n"
	    "               [-d duration] [-f filter] [-n count] "
	    "[-s column]\n");
	if (!full)
		return;
	fprintf(f,
	    "Live monitor of ringd's rings, schemes, clients and "
	    "physical memory.\n\n");
	opts_print(f, main_opts, MAIN_NOPTS);
	fprintf(f, "\nKeys: h or ? in the monitor; see ringtop(1).\n");
}

static void
main_on_signal(int sig)
{
	main_quit = sig;
}

static uint64_t
main_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What a refresh needs besides the rings, for the tab on screen. */
static unsigned
main_want(const struct rt_view *v)
{
	if (v->tab == RT_TAB_SCHEMES)
		return RT_WANT_SCHEMES;
	if (v->tab == RT_TAB_CLIENTS)
		return RT_WANT_CLIENTS;
	if (v->tab == RT_TAB_MEMORY)
		return RT_WANT_PHYS;
	return 0;
}

static int
main_rows(struct rt_view *v, const struct rt_model *m)
{
	if (view_rows(v, m) < 0) {
		fprintf(stderr, "ringtop: out of memory\n");
		return -1;
	}
	return 0;
}

/* Sleep until the monotonic time at (ns) or a signal. */
static void
main_sleep_until(uint64_t at)
{
	struct timespec ts = {
		.tv_sec = (time_t)(at / 1000000000ull),
		.tv_nsec = (long)(at % 1000000000ull),
	};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int
main_batch(struct rt_view *v, struct rt_model *m, bool json, uint64_t count)
{
	uint64_t frame, next = main_now();
	int status = 0;

	for (frame = 1; count == 0 || frame <= count; frame++) {
		if (model_refresh(m, 0) < 0) {
			fprintf(stderr, "ringtop: %s\n", m->err);
			status = 1;
		}
		if (main_rows(v, m) < 0)
			return 1;
		if (batch_frame(v, m, json, frame) < 0) {
			if (errno != EPIPE)
				fprintf(stderr,
				    "ringtop: cannot write frame: "
				    "%s\n",
				    strerror(errno));
			return 1;
		}
		if (main_quit || (count != 0 && frame == count))
			break;
		next += v->interval_ns;
		if (next < main_now())
			next = main_now();
		main_sleep_until(next);
		if (main_quit)
			break;
	}
	return status;
}

static int
main_interactive(struct rt_view *v, struct rt_model *m, uint64_t count)
{
	uint64_t next, frames = 0, now;
	unsigned act;
	int ch, timeout_ms, status = 0;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		    "ringtop: not a terminal (use -b for batch "
		    "mode)\n");
		return 1;
	}
	if (screen_init(v) < 0) {
		fprintf(stderr, "ringtop: cannot set up the terminal\n");
		return 1;
	}
	model_refresh(m, main_want(v));
	frames++;
	if (main_rows(v, m) < 0) {
		status = 1;
		goto out;
	}
	screen_draw(v, m);
	next = main_now() + v->interval_ns;
	while (!main_quit) {
		if (count != 0 && frames >= count)
			break;
		now = main_now();
		act = 0;
		if (v->paused)
			timeout_ms = -1;
		else if (next <= now)
			timeout_ms = 0;
		else
			timeout_ms = (int)((next - now + 999999) / 1000000);
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
			status = 1;
			break;
		}
		/* keys first: a resize arrives as KEY_RESIZE after SIGWINCH */
		while ((ch = getch()) != ERR) {
			act |= keys_dispatch(v, m, ch);
			if (act & RT_QUIT)
				goto out;
		}
		if (act & RT_RETIME)
			next = main_now() + v->interval_ns;
		now = main_now();
		if ((!v->paused && now >= next) ||
		    ((act & RT_REFRESH) && !v->paused)) {
			model_refresh(m, main_want(v));
			frames++;
			next = now + v->interval_ns;
			act |= RT_RESORT | RT_REDRAW;
		}
		if ((act & RT_RESORT) && main_rows(v, m) < 0) {
			status = 1;
			break;
		}
		if (act & (RT_REDRAW | RT_RESORT))
			screen_draw(v, m);
	}
out:
	screen_end();
	return status;
}

int
main(int argc, char **argv)
{
	struct option longopts[MAIN_NOPTS + 1];
	enum ring_ctl_scope scope = RING_CTL_DEFAULT;
	struct rt_view v;
	struct rt_model m;
	struct sigaction sa;
	const char *sock = NULL, *nc;
	bool batch = false, json = false;
	uint64_t count = 0;
	char *end;
	unsigned long long n;
	int ch, col, status;

	setlocale(LC_ALL, "");
	memset(&v, 0, sizeof(v));
	v.interval_ns = RT_INTERVAL_DEF;
	v.sort = RT_C_ID;
	nc = getenv("NO_COLOR");
	v.color = nc == NULL || nc[0] == '\0';
	opts_longopts(main_opts, MAIN_NOPTS, longopts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":bd:f:hjn:oS:s:V", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'b':
			batch = true;
			break;
		case MAIN_OPT_NO_COLOR:
			v.color = false;
			break;
		case MAIN_OPT_SYSTEM:
		case MAIN_OPT_USER:
			if (scope != RING_CTL_DEFAULT &&
			    scope !=
				(ch == MAIN_OPT_USER ? RING_CTL_USER
						     : RING_CTL_SYSTEM)) {
				fprintf(stderr,
				    "ringtop: --system and --user exclude "
				    "each other\n");
				return 2;
			}
			scope = ch == MAIN_OPT_USER ? RING_CTL_USER
						    : RING_CTL_SYSTEM;
			break;
		case 'd':
			if (fmt_parse_interval(optarg, &v.interval_ns) < 0) {
				fprintf(stderr,
				    "ringtop: bad interval '%s': "
				    "from 0.1s to 1h, e.g. 2, 0.5, 500ms\n",
				    optarg);
				return 2;
			}
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(v.filter)) {
				fprintf(stderr,
				    "ringtop: filter '%s' is too "
				    "long\n",
				    optarg);
				return 2;
			}
			snprintf(v.filter, sizeof(v.filter), "%s", optarg);
			break;
		case 'h':
			main_usage(stdout, true);
			return 0;
		case 'j':
			json = true;
			break;
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-' || n == 0 || n > UINT32_MAX) {
				fprintf(stderr, "ringtop: bad count '%s'\n",
				    optarg);
				return 2;
			}
			count = n;
			break;
		case 'o':
			v.only_active = true;
			break;
		case 'S':
			if (optarg[0] == '\0') {
				fprintf(stderr, "ringtop: empty socket path\n");
				return 2;
			}
			sock = optarg;
			break;
		case 's':
			if ((col = rt_col_lookup(optarg)) < 0) {
				fprintf(stderr,
				    "ringtop: unknown sort column "
				    "'%s'\n",
				    optarg);
				return 2;
			}
			v.sort = (enum rt_col)col;
			break;
		case 'V':
			printf("ringtop %s\n", RING_VERSION);
			return 0;
		case ':':
			fprintf(stderr,
			    "ringtop: option '%s' needs an argument\n",
			    argv[optind - 1]);
			main_usage(stderr, false);
			return 2;
		default:
			if (optopt != 0)
				fprintf(stderr,
				    "ringtop: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr,
				    "ringtop: unknown option '%s'\n",
				    argv[optind - 1]);
			main_usage(stderr, false);
			return 2;
		}
	}
	if (optind != argc) {
		main_usage(stderr, false);
		return 2;
	}
	if (sock != NULL && scope != RING_CTL_DEFAULT) {
		fprintf(stderr, "ringtop: -S and --%s exclude each other\n",
		    scope == RING_CTL_USER ? "user" : "system");
		return 2;
	}
	if (json && !batch) {
		fprintf(stderr, "ringtop: -j needs -b\n");
		return 2;
	}
	if (sock != NULL && strlen(sock) >= sizeof(m.sock)) {
		fprintf(stderr, "ringtop: socket path '%s' is too long\n",
		    sock);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	model_init(&m, sock, scope);
	if (batch)
		status = main_batch(&v, &m, json, count);
	else
		status = main_interactive(&v, &m, count);
	model_free(&m);
	free(v.rows);
	return status;
}
