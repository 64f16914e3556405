/*
 * main.c - ringtop: options, then either the interactive loop (curses,
 * keys, a refresh every interval, ringd coming and going) or batch mode
 * (-b: n frames of text or JSON on stdout); with -w each snapshot is also
 * recorded, with -r the snapshots of a recording are replayed through the
 * same model, screens and batch output instead of asking ringd.
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

#include "record.h"
#include "ringtop.h"
#include "common/opts.h"
#include "common/common.h"

static volatile sig_atomic_t main_quit;

/* Long-only options. */
enum {
	MAIN_OPT_NO_COLOR = OPTS_LONG_ONLY,
	MAIN_OPT_SYSTEM,
	MAIN_OPT_USER,
	MAIN_OPT_RECORD_MAX,
	MAIN_OPT_PACE,
};

/* The recording (-w), NULL: none. */
static struct rec_writer *main_rec;

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
	{ "pace", MAIN_OPT_PACE, NULL,
	    "with -b -r: replay at the recorded pace" },
	{ "replay", 'r', "FILE", "replay a recording made with -w" },
	{ "record-max", MAIN_OPT_RECORD_MAX, "SIZE",
	    "bound of a recording and of a replayed file (64M)" },
	{ "socket", 'S', "PATH", "talk to the ringd listening on PATH" },
	{ "sort", 's', "COLUMN",
	    "sort column: id, scheme, consumer, producer," },
	{ NULL, 0, NULL, "  sq, cq, submit, complete, age, state" },
	{ "system", MAIN_OPT_SYSTEM, NULL,
	    "the system ringd (" RING_CTL_SYSTEM_SOCKET ")" },
	{ "user", MAIN_OPT_USER, NULL,
	    "the per-user ringd ($XDG_RUNTIME_DIR/ringd.sock)" },
	{ "version", 'V', NULL, "print the version and exit" },
	{ "write", 'w', "FILE", "record the snapshots taken to FILE" },
};
#define MAIN_NOPTS (sizeof(main_opts) / sizeof(main_opts[0]))

/* The synopsis alone (usage errors), or with every option (--help). */
static void
main_usage(FILE *f, bool full)
{
	opts_usage(f, full,
	    "usage: ringtop [-bhjoV] [--no-color] [--system | --user | "
	    "-S socket]\n"
	    "               [-d duration] [-f filter] [-n count] "
	    "[-s column]\n"
	    "               [-w file | -r file [--pace]] "
	    "[--record-max size]\n",
	    "Live monitor of ringd's rings, schemes, clients and physical "
	    "memory.",
	    main_opts, MAIN_NOPTS);
	if (full)
		fprintf(f, "\nKeys: h or ? in the monitor; see ringtop(1).\n");
}

static void
main_on_signal(int sig)
{
	main_quit = sig;
}

/*
 * Whether a refresh takes physalloc3's free ranges: for the Memory tab's
 * map and, while recording, always, so that every tab can be replayed.
 */
static bool
main_ranges(const struct rt_view *v)
{
	return main_rec != NULL || v->tab == RT_TAB_MEMORY;
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

/*
 * The model's hook for each snapshot it fetches (-w): recorded raw, as
 * ringd gave it, so that a replay feeds the model the same input.  A
 * recording that stops (bound, write error) says so once on stderr, at
 * the end in the interactive mode.
 */
static void
main_record(void *arg, const struct rt_snap *s)
{
	bool batch = arg != NULL;

	if (main_rec->stopped)
		return;
	if (rec_write(main_rec, s) != 0 && batch)
		fprintf(stderr, "ringtop: %s\n", main_rec->msg);
}

static int
main_batch(struct rt_view *v, struct rt_model *m, bool json, uint64_t count)
{
	uint64_t frame, next = clock_ns();
	int status = 0;

	for (frame = 1; count == 0 || frame <= count; frame++) {
		if (model_refresh(m, main_ranges(v)) < 0) {
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
		if (next < clock_ns())
			next = clock_ns();
		main_sleep_until(next);
		if (main_quit)
			break;
	}
	return status;
}

/*
 * A state line over the right of the header line (replay, recording),
 * in reverse video; the header word it covers is blanked whole.
 */
static void
main_banner(const char *line)
{
	int len = (int)strlen(line), x;

	if (len > COLS)
		len = COLS;
	for (x = COLS - len; x > 0 && (mvinch(0, x - 1) & A_CHARTEXT) != ' ';
	     x--)
		mvaddch(0, x - 1, ' ');
	attron(A_REVERSE);
	mvaddnstr(0, COLS - len, line, len);
	attroff(A_REVERSE);
	refresh();
}

/* While recording (-w): "rec FILE", or that the recording stopped. */
static void
main_rec_banner(void)
{
	char name[SAN_VIS_LEN(64)], line[SAN_VIS_LEN(64) + 32];
	const char *base;

	if (main_rec == NULL)
		return;
	base = strrchr(main_rec->path, '/');
	san_vis(name, sizeof(name), base != NULL ? base + 1 : main_rec->path,
	    64);
	snprintf(line, sizeof(line),
	    main_rec->stopped ? " rec %s stopped " : " rec %s ", name);
	main_banner(line);
}

/*
 * Wait for a key, or until the monotonic time next unless forever.
 * 0, or -1 when poll() failed.
 */
static int
main_wait_key(uint64_t next, bool forever)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t now = clock_ns();
	int ms;

	if (forever)
		ms = -1;
	else if (next <= now)
		ms = 0;
	else
		ms = (int)((next - now + 999999) / 1000000);
	return poll(&pfd, 1, ms) < 0 && errno != EINTR ? -1 : 0;
}

static int
main_interactive(struct rt_view *v, struct rt_model *m, uint64_t count)
{
	uint64_t next, frames = 0, now;
	unsigned act;
	int ch, status = 0;

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
	model_refresh(m, main_ranges(v));
	frames++;
	if (main_rows(v, m) < 0) {
		status = 1;
		goto out;
	}
	screen_draw(v, m);
	main_rec_banner();
	next = clock_ns() + v->interval_ns;
	while (!main_quit) {
		if (count != 0 && frames >= count)
			break;
		act = 0;
		if (main_wait_key(next, v->paused) < 0) {
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
			next = clock_ns() + v->interval_ns;
		now = clock_ns();
		if ((!v->paused && now >= next) ||
		    ((act & RT_REFRESH) && !v->paused)) {
			model_refresh(m, main_ranges(v));
			frames++;
			next = now + v->interval_ns;
			act |= RT_RESORT | RT_REDRAW;
		}
		if ((act & RT_RESORT) && main_rows(v, m) < 0) {
			status = 1;
			break;
		}
		if (act & (RT_REDRAW | RT_RESORT)) {
			screen_draw(v, m);
			main_rec_banner();
		}
	}
out:
	screen_end();
	return status;
}

/* --- replay (-r) ----------------------------------------------------- */

static int
main_replay_batch(struct rt_view *v, struct rt_model *m, struct rec_replay *r,
    bool json, uint64_t count, bool pace)
{
	uint64_t next = clock_ns(), frame;

	if (replay_seek(m, r, 0) < 0)
		goto nomem;
	for (frame = 1; count == 0 || frame <= count; frame++) {
		if (frame > 1) {
			if (r->pos + 1 >= r->n || main_quit)
				break;
			if (pace) {
				next += replay_gap(r);
				main_sleep_until(next);
			}
			if (replay_step(m, r) < 0)
				goto nomem;
		}
		if (main_rows(v, m) < 0)
			return 1;
		if (batch_frame(v, m, json, frame) < 0) {
			if (errno != EPIPE)
				fprintf(stderr,
				    "ringtop: cannot write frame: %s\n",
				    strerror(errno));
			return 1;
		}
	}
	return 0;
nomem:
	fprintf(stderr, "ringtop: out of memory\n");
	return 1;
}

/* The replay's state over the right of the header line. */
static void
main_replay_banner(const struct rec_replay *r)
{
	char name[SAN_VIS_LEN(64)], speed[16], when[16];
	char line[SAN_VIS_LEN(64) + 64];
	const char *base = strrchr(r->path, '/');
	time_t t = (time_t)(r->snaps[r->pos].wall_ns / 1000000000ull);
	struct tm tm;

	san_vis(name, sizeof(name), base != NULL ? base + 1 : r->path, 64);
	rec_fmt_speed(speed, sizeof(speed), r->speed);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(line, sizeof(line), " replay %s %s %s %zu/%zu%s ", name, when,
	    speed, r->pos + 1, r->n,
	    r->paused ? " paused" : (r->pos + 1 == r->n ? " end" : ""));
	main_banner(line);
}

static int
main_replay_tty(struct rt_view *v, struct rt_model *m, struct rec_replay *r)
{
	uint64_t next;
	unsigned act, k;
	int ch, status = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		    "ringtop: not a terminal (use -b for batch mode)\n");
		return 1;
	}
	if (replay_seek(m, r, 0) < 0) {
		fprintf(stderr, "ringtop: out of memory\n");
		return 1;
	}
	if (screen_init(v) < 0) {
		fprintf(stderr, "ringtop: cannot set up the terminal\n");
		return 1;
	}
	act = RT_RESORT;
	next = r->n > 1 ? clock_ns() + replay_gap(r) : 0;
	while (!main_quit) {
		if ((act & RT_RESORT) && main_rows(v, m) < 0) {
			status = 1;
			break;
		}
		if (act & (RT_REDRAW | RT_RESORT)) {
			screen_draw(v, m);
			main_replay_banner(r);
		}
		if (act & RT_QUIT) {
			status = 1;
			break;
		}
		if (act & (RT_RETIME | RT_RESORT))
			next = r->pos + 1 < r->n ? clock_ns() + replay_gap(r)
						 : 0;
		act = 0;
		if (main_wait_key(next, r->paused || r->pos + 1 >= r->n) < 0) {
			status = 1;
			break;
		}
		while ((ch = getch()) != ERR) {
			if ((k = keys_replay(v, m, r, ch)) == 0)
				k = keys_dispatch(v, m, ch);
			if (k & RT_QUIT)
				goto out;
			act |= k & ~(unsigned)RT_REFRESH;
		}
		if (!r->paused && r->pos + 1 < r->n && clock_ns() >= next) {
			if (replay_step(m, r) < 0)
				act |= RT_QUIT;
			act |= RT_RESORT | RT_RETIME;
		}
	}
out:
	screen_end();
	return status;
}

/* -r: load the file, then replay it in batch or on the screen. */
static int
main_replay(struct rt_view *v, struct rt_model *m, const char *path,
    uint64_t max, bool batch, bool json, uint64_t count, bool pace)
{
	struct rec_replay r;
	char err[640];
	int status;

	if (rec_load(&r, path, max, err, sizeof(err)) < 0) {
		fprintf(stderr, "ringtop: %s\n", err);
		return 1;
	}
	v->interval_ns = r.interval_ns;
	if (batch)
		status = main_replay_batch(v, m, &r, json, count, pace);
	else
		status = main_replay_tty(v, m, &r);
	rec_replay_free(&r);
	return status;
}

int
main(int argc, char **argv)
{
	struct option longopts[MAIN_NOPTS + 1];
	enum ring_ctl_scope scope = RING_CTL_DEFAULT;
	struct rt_view v;
	struct rt_model m;
	const char *sock = NULL, *nc, *wfile = NULL, *rfile = NULL;
	struct rec_writer rec;
	uint64_t rec_max = REC_MAX_DEF;
	bool batch = false, json = false, pace = false;
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
	while ((ch = getopt_long(argc, argv,
		    OPTS_SHORTOPTS(main_opts, MAIN_NOPTS, ":"), longopts,
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
		case MAIN_OPT_PACE:
			pace = true;
			break;
		case 'r':
		case 'w':
			if (optarg[0] == '\0') {
				fprintf(stderr, "ringtop: empty file name\n");
				return 2;
			}
			*(ch == 'r' ? &rfile : &wfile) = optarg;
			break;
		case MAIN_OPT_RECORD_MAX:
			if (units_parse_size(optarg, &rec_max) < 0 ||
			    rec_max == 0) {
				fprintf(stderr,
				    "ringtop: bad size '%s': e.g. 64M, 1G\n",
				    optarg);
				return 2;
			}
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
		default: { /* ':' a value missing, '?' unknown */
			char msg[128];

			fprintf(stderr, "ringtop: %s\n",
			    opts_error(ch, argv[optind - 1], msg, sizeof(msg)));
			main_usage(stderr, false);
			return 2;
		}
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
	if (wfile != NULL && rfile != NULL) {
		fprintf(stderr, "ringtop: -w and -r exclude each other\n");
		return 2;
	}
	if (pace && (rfile == NULL || !batch)) {
		fprintf(stderr, "ringtop: --pace needs -b and -r\n");
		return 2;
	}
	if (rfile != NULL && (sock != NULL || scope != RING_CTL_DEFAULT)) {
		fprintf(stderr,
		    "ringtop: -r replays a file, it talks to no ringd\n");
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

	sig_catch_stop(main_on_signal);
	signal(SIGPIPE, SIG_IGN);

	model_init(&m, sock, scope);
	if (wfile != NULL) {
		if (rec_create(&rec, wfile, rec_max, v.interval_ns, m.sock) <
		    0) {
			fprintf(stderr, "ringtop: %s\n", rec.msg);
			model_free(&m);
			return 1;
		}
		main_rec = &rec;
		m.on_snap = main_record;
		m.on_snap_arg = batch ? &rec : NULL;
	}
	if (rfile != NULL)
		status = main_replay(&v, &m, rfile, rec_max, batch, json, count,
		    pace);
	else if (batch)
		status = main_batch(&v, &m, json, count);
	else
		status = main_interactive(&v, &m, count);
	model_free(&m);
	if (main_rec != NULL) {
		if (rec_close(&rec) < 0 && !rec.stopped)
			snprintf(rec.msg, sizeof(rec.msg),
			    "recording to '%s' stopped: %s", wfile,
			    strerror(errno));
		if (rec.msg[0] != '\0' && !batch)
			fprintf(stderr, "ringtop: %s\n", rec.msg);
		if (rec.msg[0] != '\0')
			status = status ? status : 1;
	}
	free(v.rows);
	return status;
}
