/*
 * t-ringtop-record.c - ringtop -w records what it shows and -r replays
 * it: a recording taken in batch mode against a private ringd with test
 * traffic (lib/load.h) replays to the same text frames and the same JSON
 * frames, byte for byte; a bounded recording stops with a message;
 * truncated, corrupt, oversized and randomly mutated files are refused
 * with the line number and status 1, never a crash; the replay on a
 * terminal (tmux) shows the recorded rings and answers pause, step,
 * speed and seek.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/load.h"
#include "lib/proc.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"
#include "lib/tmux.h"

#define TR_STALL "trstall"
#define TR_DISK "trdisk"
#define TR_OUT_MAX (1u << 20)

static struct td d;
static struct tl_load tr_load;
static char tr_bin[512];
static char tr_out[TR_OUT_MAX], tr_out2[TR_OUT_MAX], tr_err[8192];

/* A file in ringd's private directory. */
static const char *
tr_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", d.dir, name);
	return buf;
}

/*
 * Run ringtop with args (a shell fragment of test-made paths, no
 * quoting needed), stdout to out, stderr to err; exit status, 128+sig.
 */
static int
tr_run(const char *args, const char *out, const char *err)
{
	char cmd[4096];
	int st;

	snprintf(cmd, sizeof(cmd), "exec %s %s </dev/null >%s 2>%s", tr_bin,
	    args, out, err);
	st = system(cmd);
	if (st == -1)
		TAP_FAIL("system: %s", tap_rcname(-errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 128)
		return WEXITSTATUS(st); /* the shell's report of a signal */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
tr_read(const char *path, char *buf, size_t size)
{
	if (td_read_file(path, buf, size) < 0)
		TAP_FAIL("cannot read '%s'", path);
}

static void
tr_begin(void)
{
	td_build_bin("RINGTOP", "ringtop/ringtop", tr_bin, sizeof(tr_bin));
	td_begin(&d, NULL);
	tl_start(&tr_load, &d, TR_STALL);
}

static void
tr_end(void)
{
	tl_stop(&tr_load);
	td_stop(&d);
	td_cleanup(&d);
}

/*
 * Record to name in ringd's directory (its path into rec) from the
 * private ringd, with opts; the run must end with status want.
 */
static void
tr_record(char *rec, size_t len, const char *name, const char *opts, int want)
{
	char o[256], e[256], args[1024];
	int st;

	tr_path(rec, len, name);
	tr_path(o, sizeof(o), "rec.out");
	tr_path(e, sizeof(e), "rec.err");
	snprintf(args, sizeof(args), "-b -S %s %s -w %s", d.sock, opts, rec);
	if ((st = tr_run(args, o, e)) != want) {
		tr_read(e, tr_err, sizeof(tr_err));
		TAP_FAIL("recording: status %d: %s", st, tr_err);
	}
}

/*
 * Replay rec with opts (those it was recorded with): the frames must be
 * the recorded run's, byte for byte, and hold the text want.
 */
static void
tr_replay_same(const char *rec, const char *opts, const char *want)
{
	char o1[256], o2[256], e[256], args[1024];
	int st;

	tr_path(o1, sizeof(o1), "rec.out");
	tr_path(o2, sizeof(o2), "play.out");
	tr_path(e, sizeof(e), "err");
	snprintf(args, sizeof(args), "-b %s -r %s", opts, rec);
	if ((st = tr_run(args, o2, e)) != 0) {
		tr_read(e, tr_err, sizeof(tr_err));
		TAP_FAIL("replay: status %d: %s", st, tr_err);
	}
	tr_read(o1, tr_out, sizeof(tr_out));
	tr_read(o2, tr_out2, sizeof(tr_out2));
	if (strstr(tr_out, want) == NULL)
		TAP_FAIL("the recorded frames lack '%s':\n%s", want, tr_out);
	if (strcmp(tr_out, tr_out2) != 0)
		TAP_FAIL("replay differs from the recorded run:\n--- "
			 "recorded\n%s\n--- replayed\n%s",
		    tr_out, tr_out2);
}

/* Record 5 frames with extra options, replay them, compare. */
static void
tr_roundtrip(const char *opts, const char *name)
{
	char rec[256], args[256];

	snprintf(args, sizeof(args), "%s -d 0.2 -n 5", opts);
	tr_record(rec, sizeof(rec), name, args, 0);
	tr_replay_same(rec, opts, TR_STALL);
}

TAP_TEST(test_text, "ringtop-record-text", 60)
{
	char rec[256];

	tr_begin();
	tr_roundtrip("", "text.rec");
	/* at the recorded pace: the same frames again */
	tr_path(rec, sizeof(rec), "text.rec");
	tr_replay_same(rec, "--pace", TR_STALL);
	tr_end();
}

TAP_TEST(test_json, "ringtop-record-json", 60)
{
	tr_begin();
	tr_roundtrip("-j", "json.rec");
	tr_end();
}

/* A recording past its bound stops, says so, and stays a valid file. */
TAP_TEST(test_bound, "ringtop-record-bound", 60)
{
	char rec[256], o[256], e[256], args[1024];
	struct stat sb;
	int st;

	tr_begin();
	tr_record(rec, sizeof(rec), "small.rec",
	    "-d 0.1 -n 4 --record-max 3000", 1);
	tr_path(o, sizeof(o), "out");
	tr_path(e, sizeof(e), "rec.err");
	tr_read(e, tr_err, sizeof(tr_err));
	if (strstr(tr_err, "reached its bound") == NULL)
		TAP_FAIL("bounded recording: stderr '%s'", tr_err);
	TAP_SYS(stat(rec, &sb));
	if (sb.st_size > 3000 || sb.st_size == 0)
		TAP_FAIL("recording of %lld bytes", (long long)sb.st_size);
	snprintf(args, sizeof(args), "-b -r %s", rec);
	if ((st = tr_run(args, o, e)) != 0)
		TAP_FAIL("the bounded recording does not replay: %d", st);
	tr_end();
}

/* Wait up to 5 s until ringd lists the scheme TR_DISK, or a ring to it. */
static void
tr_await_disk(bool ring)
{
	struct ring_ctl *c = td_connect(&d);
	uint64_t t0 = clock_ns();
	struct ring_ctl_ring *v;
	size_t n, i;
	bool found = false;

	while (!found) {
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("no %s '%s' within 5 s",
			    ring ? "ring to" : "scheme", TR_DISK);
		tu_sleep_ms(20);
		if (!ring) {
			found = td_find_scheme(c, TR_DISK, NULL);
			continue;
		}
		TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
		for (i = 0; i < n; i++)
			found |= strcmp(v[i].scheme, TR_DISK) == 0;
		free(v);
	}
	ring_ctl_close(c);
}

/*
 * The demo's processes: blkdev-scheme serving a blkdev-driver's load;
 * the scheme stopped (SIGSTOP) while the recording runs, so that the
 * recording holds traffic, then a stall and its alarm.  The replayed
 * frames, text and JSON, are the recorded ones.
 */
TAP_TEST(test_demo, "ringtop-record-demo", 90)
{
	struct tp_proc scheme, driver;
	char rec[256];

	td_begin(&d, NULL);
	td_build_bin("RINGTOP", "ringtop/ringtop", tr_bin, sizeof(tr_bin));
	tp_start_build(&scheme, &d, "scheme", "examples/blkdev-scheme", "-n",
	    TR_DISK, "-s", "16M", NULL);
	tr_await_disk(false);
	tp_start_build(&driver, &d, "driver", "examples/blkdev-driver", "-n",
	    TR_DISK, "-m", "load", "-b", "4K", "-q", "16", "-l", "4M", NULL);
	tr_await_disk(true);
	/* the first frames see traffic, the last ones the stall (>= 2 s) */
	tr_record(rec, sizeof(rec), "demo.rec", "-d 0.3 -n 4", 0);
	/* the opcode names the scheme declared travel in the recording */
	tr_read(rec, tr_out, sizeof(tr_out));
	if (strstr(tr_out, "\"opnames\":[[\"" TR_DISK "\",") == NULL ||
	    strstr(tr_out, ",\"identify\"]") == NULL)
		TAP_FAIL("no opcode names in the recording:\n%.2000s", tr_out);
	TAP_SYS(kill(scheme.pid, SIGSTOP));
	tr_replay_same(rec, "", "/blkdev-driver");
	tr_record(rec, sizeof(rec), "demo-stall.rec", "-d 0.3 -n 12", 0);
	tr_replay_same(rec, "", "stalled");
	tr_record(rec, sizeof(rec), "demo-stall.jrec", "-j -d 0.3 -n 12", 0);
	tr_replay_same(rec, "-j", "\"stalled\":true");
	kill(scheme.pid, SIGCONT);
	kill(scheme.pid, SIGKILL);
	kill(driver.pid, SIGKILL);
	tp_reap(&scheme, 5000);
	tp_reap(&driver, 5000);
	td_stop(&d);
	td_cleanup(&d);
}

/* ringd out of reach while recording: the replay says so the same way. */
TAP_TEST(test_down, "ringtop-record-down", 60)
{
	char rec[256], o1[256], o2[256], e[256], args[1024];
	int st;

	tr_begin();
	tr_path(rec, sizeof(rec), "down.rec");
	tr_path(o1, sizeof(o1), "rec.out");
	tr_path(o2, sizeof(o2), "play.out");
	tr_path(e, sizeof(e), "err");
	snprintf(args, sizeof(args), "-b -S %s/nothing.sock -d 0.1 -n 2 -w %s",
	    d.dir, rec);
	if ((st = tr_run(args, o1, e)) != 1)
		TAP_FAIL("recording without ringd: status %d", st);
	snprintf(args, sizeof(args), "-b -r %s", rec);
	if ((st = tr_run(args, o2, e)) != 0)
		TAP_FAIL("replay: status %d", st);
	tr_read(o1, tr_out, sizeof(tr_out));
	tr_read(o2, tr_out2, sizeof(tr_out2));
	if (strstr(tr_out, "not reachable") == NULL ||
	    strcmp(tr_out, tr_out2) != 0)
		TAP_FAIL("recorded:\n%s\nreplayed:\n%s", tr_out, tr_out2);
	tr_end();
}

/*
 * ringd stopped while the recording runs: the replay shows the same
 * frames up to it, the frames marked while it is gone, and the events.
 */
TAP_TEST(test_gone, "ringtop-record-gone", 60)
{
	char rec[256], o[256], e[256], args[1024];
	uint64_t t0;
	pid_t pid;

	tr_begin();
	tr_path(rec, sizeof(rec), "gone.rec");
	tr_path(o, sizeof(o), "rec.out");
	tr_path(e, sizeof(e), "rec.err");
	/* 40 frames: room for the load's end and ringd's after frame 2 */
	snprintf(args, sizeof(args), "-b -S %s -d 0.2 -n 40 -w %s", d.sock,
	    rec);
	if ((pid = tap_fork()) == 0) {
		close(tr_load.quit[1]); /* tl_stop() must end the load */
		tr_run(args, o, e);
		tap_child_exit();
	}
	/* stop ringd once two frames are out */
	t0 = clock_ns();
	for (;;) {
		if (td_read_file(o, tr_out, sizeof(tr_out)) >= 0 &&
		    strstr(tr_out, "ringtop frame 2 ") != NULL)
			break;
		if (clock_ns() - t0 > 10000000000ull)
			TAP_FAIL("no second frame within 10 s");
		tu_sleep_ms(20);
	}
	tl_stop(&tr_load);
	td_stop(&d);
	if (!tap_reap_within(pid, 20000))
		TAP_FAIL("the recording did not end within 20 s");
	tr_replay_same(rec, "", "gone since");
	td_cleanup(&d);
}

/* Write len bytes of buf to path. */
static void
tr_write(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		TAP_FAIL("cannot write '%s'", path);
}

/* -r of the bytes must fail with status 1 and a message holding want. */
static void
tr_refused(const char *path, const char *buf, size_t len, const char *want,
    const char *opts)
{
	char o[256], e[256], args[1024];
	int st;

	tr_write(path, buf, len);
	tr_path(o, sizeof(o), "out");
	tr_path(e, sizeof(e), "err");
	snprintf(args, sizeof(args), "-b %s -r %s", opts, path);
	st = tr_run(args, o, e);
	tr_read(e, tr_err, sizeof(tr_err));
	if (st != 1 || strstr(tr_err, want) == NULL)
		TAP_FAIL("'%s': status %d, stderr '%s', wanted '%s'", want, st,
		    tr_err, want);
}

TAP_TEST(test_hostile, "ringtop-record-hostile", 120)
{
	static char good[TR_OUT_MAX], bad[TR_OUT_MAX];
	char rec[256], m[256], o[256], e[256], args[1024], *nl;
	size_t len, n, i, at;
	int st, k;

	tr_begin();
	tr_record(rec, sizeof(rec), "good.rec", "-d 0.1 -n 3", 0);
	tr_path(m, sizeof(m), "bad.rec");
	tr_path(o, sizeof(o), "out");
	tr_path(e, sizeof(e), "err");
	tl_stop(&tr_load);
	tr_read(rec, good, sizeof(good));
	len = strlen(good);
	if ((nl = strchr(good, '\n')) == NULL)
		TAP_FAIL("no header line");

	tr_refused(m, "", 0, "empty file", "");
	tr_refused(m, "hello\n", 6, "line 1: not one JSON value", "");
	tr_refused(m, "{\"x\":1}\n", 8, "line 1: not a ringtop record", "");
	/* the header alone: no snapshot */
	tr_refused(m, good, (size_t)(nl - good) + 1, "no snapshot", "");
	/* cut in the middle of the second line */
	tr_refused(m, good, (size_t)(nl - good) + 20, "line 2: truncated", "");
	/* a count out of its field's range */
	snprintf(bad, sizeof(bad), "%.*s", (int)(nl - good) + 1, good);
	strcat(bad,
	    "{\"mono_ns\":-5,\"wall_ns\":1,\"primer\":false,"
	    "\"sock\":\"x\",\"up\":false,\"err\":\"e\",\"why\":\"w\"}\n");
	tr_refused(m, bad, strlen(bad), "line 2: a snapshot lacks", "");
	/* larger than the bound */
	tr_refused(m, good, len, "larger than the bound", "--record-max 100");

	/* random mutations: refused or replayed, never a crash */
	tu_srand(17);
	for (k = 0; k < 150; k++) {
		memcpy(bad, good, len);
		n = len;
		for (i = 0; i < 1 + tu_rand_below(4); i++) {
			at = tu_rand_below(n);
			switch (tu_rand_below(3)) {
			case 0: /* a byte changed */
				bad[at] = (char)tu_rand_below(256);
				break;
			case 1: /* a run deleted */
				memmove(bad + at, bad + at + 1, n - at - 1);
				n--;
				break;
			default: /* cut short */
				n = at + 1;
				break;
			}
		}
		tr_write(m, bad, n);
		snprintf(args, sizeof(args), "-b -j -r %s", m);
		st = tr_run(args, o, e);
		if (st != 0 && st != 1) {
			tr_read(e, tr_err, sizeof(tr_err));
			TAP_FAIL("mutation %d: status %d: %s", k, st, tr_err);
		}
	}
	td_stop(&d);
	td_cleanup(&d);
}

/* The replay on a terminal: the rings, then pause and step. */
TAP_TEST(test_tty, "ringtop-record-tty", 60)
{
	static char screen[TM_SCREEN_MAX];
	/* keys and what the header then shows (6 frames) */
	static const struct {
		const char *key, *shows;
	} steps[] = {
		{ "Space", "paused" },
		{ "g", "1/6 paused" },
		{ ".", "2/6 paused" },
		{ "Right", "3/6 paused" },
		{ ",", "2/6 paused" },
		{ "Left", "1/6 paused" },
		{ "]", "x2 1/6" },
		{ "[", "x1 1/6" },
		{ "-", "x0.5 1/6" },
		{ "G", "6/6" },
		/* the recording is shorter than the 10 s { and } seek by */
		{ "{", "1/6" },
		{ "}", "6/6" },
	};
	struct tm_server t;
	char rec[256], cmd[1024];
	size_t i;

	if (!tm_available())
		TAP_FAIL("no tmux to run ringtop in");
	tr_begin();
	tr_record(rec, sizeof(rec), "tty.rec", "-d 0.2 -n 6", 0);
	tl_stop(&tr_load);
	td_stop(&d);
	snprintf(cmd, sizeof(cmd), "%s -r %s", tr_bin, rec);
	tm_start(&t, d.dir);
	tm_new_session(&t, "rr", 120, 30, cmd);
	tm_wait(&t, "replay tty.rec", screen);
	tm_wait(&t, TR_STALL, screen);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		tm_keys(&t, steps[i].key);
		tm_wait(&t, steps[i].shows, screen);
	}
	tm_keys(&t, "q");
	tm_stop(&t);
	td_cleanup(&d);
}

/* Wait up to 10 s until t's session ended (its ringtop quit). */
static void
tr_wait_ended(const struct tm_server *t)
{
	uint64_t t0 = clock_ns();

	while (tm_has_session(t)) {
		if (clock_ns() - t0 > 10000000000ull)
			TAP_FAIL("ringtop did not quit within 10 s");
		tu_sleep_ms(50);
	}
}

/*
 * -w in the screen mode: the header says it records, and when the
 * recording stopped; the recording replays in batch mode.
 */
TAP_TEST(test_tty_record, "ringtop-record-tty-write", 60)
{
	static char screen[TM_SCREEN_MAX];
	struct tm_server t;
	char rec[256], o[256], e[256], cmd[1024], args[512];
	int st;

	if (!tm_available())
		TAP_FAIL("no tmux to run ringtop in");
	tr_begin();
	tr_path(rec, sizeof(rec), "screen.rec");
	tr_path(o, sizeof(o), "out");
	tr_path(e, sizeof(e), "err");
	tm_start(&t, d.dir);
	snprintf(cmd, sizeof(cmd), "%s -S %s -d 0.2 -w %s", tr_bin, d.sock,
	    rec);
	tm_new_session(&t, "rw", 120, 30, cmd);
	tm_wait(&t, TR_STALL, screen);
	tm_wait(&t, " rec screen.rec", screen);
	tm_keys(&t, "q");
	tr_wait_ended(&t);
	/* a recording past its bound says so on the screen */
	snprintf(cmd, sizeof(cmd),
	    "%s -S %s -d 0.1 --record-max 3000 -w %s/b.rec", tr_bin, d.sock,
	    d.dir);
	tm_new_session(&t, "rb", 120, 30, cmd);
	tm_wait(&t, " rec b.rec stopped", screen);
	tm_keys(&t, "q");
	tr_wait_ended(&t);
	tm_stop(&t);
	snprintf(args, sizeof(args), "-b -r %s", rec);
	if ((st = tr_run(args, o, e)) != 0)
		TAP_FAIL("replay: status %d", st);
	tr_read(o, tr_out, sizeof(tr_out));
	if (strstr(tr_out, "ringtop frame 1 ") == NULL ||
	    strstr(tr_out, TR_STALL) == NULL)
		TAP_FAIL("replay of the screen's recording:\n%s", tr_out);
	tr_end();
}

/* Append exitcode=99 to a sanitizer's options variable. */
static void
tr_env(const char *var)
{
	const char *old = getenv(var);
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%sexitcode=99", old ? old : "",
	    old && old[0] ? ":" : "");
	setenv(var, buf, 1);
}

static void
tr_setup(void)
{
	td_setup();
	/* under SAN=1 a sanitizer report must not pass for status 1 */
	tr_env("ASAN_OPTIONS");
	tr_env("UBSAN_OPTIONS");
}

TAP_MAIN(tr_setup)
