/*
 * report.c - what ring-bench prints: the lines about the run, the table of
 * ring figures against their comparators with ratios and targets, and the
 * same rows as one JSON object built with json-c.
 *
 * Depends on json-c, libring (its version) and bench.h; it measures
 * nothing.  main.c builds the rows and calls it once at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <ring/ring.h>

#include "common/common.h"

#include "bench.h"

bool
bench_val_ok(const struct bench_val *v)
{
	return v->rc == 0 && !v->na;
}

static void
bench_fmt_val(char *buf, size_t len, const struct bench_val *v,
    enum bench_unit unit)
{
	if (v->na)
		snprintf(buf, len, "n/a");
	else if (v->rc < 0)
		snprintf(buf, len, "FAILED");
	else if (unit == BENCH_NS)
		snprintf(buf, len, "%.3f us", v->v / 1e3);
	else if (unit == BENCH_OPS)
		snprintf(buf, len, "%.2f Mops/s", v->v / 1e6);
	else if (unit == BENCH_KOPS)
		snprintf(buf, len, "%.1f k/s", v->v / 1e3);
	else if (unit == BENCH_MIBS)
		snprintf(buf, len, "%.1f MiB/s", v->v);
	else
		snprintf(buf, len, "%.3f ms", v->v / 1e6);
}

int
bench_row_met(const struct bench_row *row)
{
	double x;

	if (row->goal == BENCH_NONE || !row->has_ratio)
		return -1;
	x = row->ratio;
	return row->goal == BENCH_AT_MOST ? x <= row->target : x >= row->target;
}

static void
bench_fmt_ratio(char *buf, size_t len, const struct bench_row *row)
{
	if (!row->has_ratio)
		snprintf(buf, len, "-");
	else if (row->pct)
		snprintf(buf, len, "%.4f%%", 100 * row->ratio);
	else
		snprintf(buf, len, "%.2fx", row->ratio);
}

static void
bench_fmt_target(char *buf, size_t len, const struct bench_row *row)
{
	const char *op = row->goal == BENCH_AT_MOST ? "<=" : ">=";

	if (row->goal == BENCH_NONE)
		snprintf(buf, len, "-");
	else if (row->pct)
		snprintf(buf, len, "~0 (%s %.1f%%)", op, 100 * row->target);
	else
		snprintf(buf, len, "%s %.2fx", op, row->target);
}

/* A row's note under it, indented, in lines of at most 76 columns. */
static void
bench_print_note(const char *note)
{
	const size_t width = 76;
	size_t len;

	while (*note != '\0') {
		len = strlen(note);
		if (len > width) {
			len = width;
			while (len > 0 && note[len] != ' ')
				len--;
			if (len == 0)
				len = width;
		}
		printf("%-4s%.*s\n", "", (int)len, note);
		note += len;
		note += strspn(note, " ");
	}
}

int
bench_print_table(const struct bench_row *rows, size_t n, int failed)
{
	char rv[32], cv[32], ra[32], tg[32];
	const char *met;
	int nmet = 0, nmissed = 0;
	size_t i, j;

	printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s\n", "test", "ring",
	    "comparator", "value", "ratio", "target");
	printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s\n", "--------------------",
	    "-------------", "------------------------", "-------------",
	    "---------", "---------------------");
	for (i = 0; i < n; i++) {
		const struct bench_row *row = &rows[i];

		if (row->test != NULL)
			bench_fmt_val(rv, sizeof(rv), row->ring, row->unit);
		else
			rv[0] = '\0';
		bench_fmt_val(cv, sizeof(cv), row->cval, row->unit);
		bench_fmt_ratio(ra, sizeof(ra), row);
		bench_fmt_target(tg, sizeof(tg), row);
		switch (bench_row_met(row)) {
		case 1:
			met = "  met";
			nmet++;
			break;
		case 0:
			met = "  missed";
			nmissed++;
			break;
		default:
			met = "";
			break;
		}
		printf("%-20s  %-13s  %-24s  %-13s  %-9s  %s%s\n",
		    row->test != NULL ? row->test : "", rv, row->comp, cv, ra,
		    tg, met);
		/* a note already shown (reads after writes) is not repeated */
		for (j = 0; row->note != NULL && j < i; j++)
			if (rows[j].note == row->note)
				break;
		if (row->note != NULL && j == i)
			bench_print_note(row->note);
	}
	printf("\ntargets: %d met, %d missed (informational); ", nmet, nmissed);
	if (failed)
		printf("%d tests FAILED to run\n", failed);
	else
		printf("every test ran and every completion matched\n");
	return fflush(stdout) == 0 ? 0 : -errno;
}

static const char *
bench_unit_key(enum bench_unit u)
{
	return u == BENCH_NS  ? "rtt_us"
	    : u == BENCH_OPS  ? "mops_per_s"
	    : u == BENCH_KOPS ? "kops_per_s"
	    : u == BENCH_MIBS ? "mib_per_s"
			      : "cpu_ms";
}

static double
bench_unit_scale(enum bench_unit u)
{
	/* ns -> us, ops -> Mops or kops, ns -> ms; MiB/s as they are */
	return u == BENCH_MIBS		       ? 1
	    : u == BENCH_NS || u == BENCH_KOPS ? 1e3
					       : 1e6;
}

/* A figure as JSON: six significant digits, as the report always had. */
static struct json_object *
bench_json_num(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g", v);
	return json_object_new_double_s(v, buf);
}

/* A value, scaled to its unit, or null when it did not run. */
static struct json_object *
bench_json_val(const struct bench_val *v, double scale)
{
	return bench_val_ok(v) ? bench_json_num(v->v / scale) : NULL;
}

static struct json_object *
bench_json_row(const struct bench_row *row, const char *test)
{
	struct json_object *o = json_object_new_object();
	double sc = bench_unit_scale(row->unit);
	int met = bench_row_met(row);

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "test", json_object_new_string(test));
	json_object_object_add(o, "unit",
	    json_object_new_string(bench_unit_key(row->unit)));
	json_object_object_add(o, "ring", bench_json_val(row->ring, sc));
	json_object_object_add(o, "comparator",
	    json_object_new_string(row->comp));
	json_object_object_add(o, "comparator_value",
	    bench_json_val(row->cval, sc));
	json_object_object_add(o, "ratio",
	    row->has_ratio ? bench_json_num(row->ratio) : NULL);
	json_object_object_add(o, "target_ratio",
	    row->goal != BENCH_NONE ? bench_json_num(row->target) : NULL);
	json_object_object_add(o, "target",
	    json_object_new_string(row->goal == BENCH_AT_MOST ? "at_most"
		    : row->goal == BENCH_AT_LEAST	      ? "at_least"
							      : "none"));
	json_object_object_add(o, "met",
	    met < 0 ? NULL : json_object_new_boolean(met));
	if (row->note != NULL)
		json_object_object_add(o, "note",
		    json_object_new_string(row->note));
	return o;
}

int
bench_print_json(const struct bench_row *rows, size_t n,
    const struct bench_run_info *ri, int failed)
{
	struct json_object *o, *cpus, *res, *row;
	const char *test = "";
	int rc = 0;
	size_t i;

	o = json_object_new_object();
	cpus = json_object_new_array();
	res = json_object_new_array();
	if (o == NULL || cpus == NULL || res == NULL) {
		json_object_put(cpus);
		json_object_put(res);
		rc = -ENOMEM;
		goto out;
	}
	json_object_object_add(o, "cpu_model", json_object_new_string(ri->cpu));
	json_object_object_add(o, "date", json_object_new_string(ri->date));
	json_object_object_add(o, "libring_version",
	    json_object_new_string(ring_version()));
	json_object_array_add(cpus, json_object_new_int(bench_cfg.cpu[0]));
	json_object_array_add(cpus, json_object_new_int(bench_cfg.cpu[1]));
	json_object_object_add(o, "cpus", cpus);
	json_object_object_add(o, "iterations",
	    json_object_new_uint64(bench_cfg.iters));
	json_object_object_add(o, "repetitions",
	    json_object_new_int((int)bench_cfg.reps));
	json_object_object_add(o, "smoke",
	    json_object_new_boolean(bench_cfg.smoke));
	json_object_object_add(o, "results", res);
	for (i = 0; i < n; i++) {
		if (rows[i].test != NULL)
			test = rows[i].test;
		if ((row = bench_json_row(&rows[i], test)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		json_object_array_add(res, row);
	}
	json_object_object_add(o, "failed", json_object_new_int(failed));
	if (printf("%s\n",
		json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) <
	    0)
		rc = -errno;
	else if (fflush(stdout) != 0)
		rc = -errno;
out:
	json_object_put(o);
	if (rc < 0)
		fprintf(stderr, BENCH_NAME ": cannot print the report: %s\n",
		    strerror(-rc));
	return rc;
}

static void
bench_cpu_model(char *buf, size_t len)
{
	static const char *const keys[] = { "model name", "Model", "cpu model",
		"Hardware" };
	char line[512], *p, *v;
	FILE *f;
	size_t i, k;
	struct utsname u;

	buf[0] = '\0';
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (buf[0] == '\0' && fgets(line, sizeof(line), f) != NULL) {
			if ((p = strchr(line, ':')) == NULL)
				continue;
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				k = strlen(keys[i]);
				if (strncmp(line, keys[i], k) != 0 ||
				    strspn(line + k, " \t") !=
					(size_t)(p - line - k))
					continue;
				v = p + 1 + strspn(p + 1, " \t");
				v[strcspn(v, "\n")] = '\0';
				snprintf(buf, len, "%s", v);
				break;
			}
		}
		fclose(f);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "%s",
		    uname(&u) == 0 ? u.machine : "unknown");
}

void
bench_run_info_init(struct bench_run_info *ri)
{
	struct tm tm;
	time_t now;

	bench_cpu_model(ri->cpu, sizeof(ri->cpu));
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(ri->date, sizeof(ri->date), "%Y-%m-%d %H:%M:%S %Z", &tm);
}

void
bench_print_header(const struct bench_run_info *ri)
{
	struct utsname u;
	int smt;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	printf(BENCH_NAME ": libring %s against its comparators%s\n",
	    ring_version(),
	    bench_cfg.smoke
		? " (smoke run: checks that it runs; figures are noise)"
		: "");
	printf("date:   %s\n", ri->date);
	printf("cpu:    %s, %d cpus usable\n", ri->cpu, bench_cfg.ncpu);
	if (bench_cfg.cpu[0] >= 0) {
		smt = bench_smt_siblings(bench_cfg.cpu[0], bench_cfg.cpu[1]);
		printf("pinned: parent/consumer on cpu %d, child/producer "
		       "on cpu %d (%s)\n",
		    bench_cfg.cpu[0], bench_cfg.cpu[1],
		    smt == 1	   ? "SMT siblings"
			: smt == 0 ? "separate cores"
				   : "topology unknown");
	} else
		printf("pinned: no (one cpu: both sides share it)\n");
	printf("kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	printf("ratio:  ring / comparator, median of the per-round "
	       "ratios\n");
	printf("runs:   median of %u interleaved rounds; per round "
	       "%" PRIu64 " round trips (busy/adaptive),\n"
	       "        %" PRIu64 " (sleep/wake, ringd echo), %" PRIu64
	       " entries (streams, %u in flight),\n"
	       "        %" PRIu64 " ring lifetimes (open+close)\n"
	       "ringd:  a private ringd started by the bench; the scheme "
	       "process runs where\n"
	       "        the producer does, ringd on any cpu; ringd CPU "
	       "from /proc/PID/schedstat\n"
	       "        (or utime+stime, %ld ms ticks) over %.1f s of "
	       "traffic on %u rings,\n"
	       "        then as long again listing them at 10 Hz "
	       "(ringtop -d 0.1)\n"
	       "redox:  relibc's disk test loop, %" PRIu64 " blocks of "
	       "%u KiB per phase, %u in flight,\n"
	       "        through libredox-ring to blkdev-scheme's Redox disk "
	       "protocol; MiB/s\n\n",
	    bench_cfg.reps, bench_cfg.iters, bench_cfg.iters / 10,
	    bench_cfg.iters * 10, BENCH_WINDOW, ri->lifetimes,
	    sysconf(_SC_CLK_TCK) > 0 ? 1000 / sysconf(_SC_CLK_TCK) : 0,
	    (double)ri->many_ns / 1e9, ri->many, ri->redox_ops,
	    BENCH_RDX_BLOCK / 1024, BENCH_RDX_DEPTH);
	fflush(stdout);
}
