/*
 * output.c - how ringctl prints: JSON through json-c, aligned text
 * tables, hex dumps, and failures (one line on stderr, plus an error
 * object on stdout in JSON mode).
 *
 * Names in ringd's records come from other processes: text output shows
 * them through san_vis() (out_name(), out_peer(), and table cells as a
 * last guard), JSON output goes through san_json() (common/sanitize.c).
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

void
out_json(struct ringctl *rc, struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;
	char *safe;

	flags |= rc->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			    : JSON_C_TO_STRING_PLAIN;
	text = json_object_to_json_string_ext(obj, flags);
	/* valid UTF-8, no raw DEL or C1 control, whatever ringd sent */
	if (text != NULL && (safe = san_json(text)) != NULL) {
		printf("%s\n", safe);
		free(safe);
	} else {
		fprintf(stderr, "ringctl: out of memory\n");
	}
	json_object_put(obj);
}

bool
out_list_short(struct ringctl *rc, bool quiet, struct json_object *arr,
    const char *key)
{
	struct json_object *v, *keys;
	char buf[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	size_t i, n;

	if (quiet) {
		/* the keys alone: one a line, or in JSON an array of them */
		keys = rc->json ? json_object_new_array() : NULL;
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			if (!json_object_object_get_ex(
				json_object_array_get_idx(arr, i), key, &v))
				continue;
			if (keys != NULL)
				json_object_array_add(keys, json_object_get(v));
			else
				printf("%s\n", out_name(json_object_get_string(v),
				    buf, sizeof(buf)));
		}
		json_object_put(arr);
		if (keys != NULL)
			out_json(rc, keys);
		return true;
	}
	if (rc->json) {
		out_json(rc, arr);
		return true;
	}
	return false;
}

const char *
out_strerror(int err)
{
	static char buf[128];
	size_t i;

	if (err < 0)
		err = -err;
	switch (err) {
	case ENODEV:
		return "no such scheme";
	case EACCES:
		return "permission denied";
	case ETIMEDOUT:
		return "timed out";
	case EPROTO:
		return "protocol error";
	case ESHUTDOWN:
		return "the other side left";
	case E2BIG:
		return "too large for ringd's limits";
	default:
		break;
	}
	snprintf(buf, sizeof(buf), "%s", strerror(err));
	/* "No such file" -> "no such file", but keep "I/O error" */
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	for (i = strlen(buf); i > 0 && buf[i - 1] == '.'; i--)
		buf[i - 1] = '\0';
	return buf;
}

/* out_vfail() and out_fail_plain(): reason says whether to add ": why". */
static int
out_report(struct ringctl *rc, int status, int err, bool reason,
    const char *fmt, va_list ap)
{
	struct json_object *o;
	char msg[512], shown[SAN_VIS_LEN(512)];
	size_t len;
	const char *name;

	assert(err <= 0);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (reason && err != 0) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    out_strerror(err));
	}
	fflush(stdout);
	/* names in the message may be ringd's or the user's: never raw */
	fprintf(stderr, "ringctl: %s\n",
	    san_vis(shown, sizeof(shown), msg, sizeof(msg)));
	if (rc != NULL && rc->json) {
		o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(msg));
		name = err != 0 ? errname(err) : NULL;
		json_object_object_add(o, "errno",
		    name != NULL ? json_object_new_string(name) : NULL);
		out_json(rc, o);
	}
	return status;
}

int
out_vfail(struct ringctl *rc, int status, int err, const char *fmt, va_list ap)
{
	return out_report(rc, status, err, true, fmt, ap);
}

int
out_fail(struct ringctl *rc, int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_report(rc, status, err, true, fmt, ap);
	va_end(ap);
	return status;
}

int
out_fail_plain(struct ringctl *rc, int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_report(rc, status, err, false, fmt, ap);
	va_end(ap);
	return status;
}

const char *
out_u64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

const char *
out_name(const char *s, char *buf, size_t len)
{
	return san_vis(buf, len, s != NULL ? s : "", SIZE_MAX);
}

const char *
out_peer(struct json_object *peer, char *buf, size_t len)
{
	if (peer == NULL)
		snprintf(buf, len, "-");
	else
		peer_fmt(buf, len, mj_get_u64(peer, "pid", 0),
		    mj_get_str(peer, "comm", ""), SIZE_MAX);
	return buf;
}

void
out_hexdump(FILE *f, const void *p, size_t len, uint64_t base)
{
	const unsigned char *b = p;
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		fprintf(f, "%08" PRIx64 " ", base + i);
		for (j = 0; j < 16; j++) {
			if (j == 8)
				fputc(' ', f);
			if (i + j < len)
				fprintf(f, " %02x", b[i + j]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (j = 0; j < 16 && i + j < len; j++)
			fputc(b[i + j] >= 0x20 && b[i + j] < 0x7f ? b[i + j]
								   : '.',
			    f);
		fputs("|\n", f);
	}
}

/* --- tables -------------------------------------------------------------- */

struct table {
	unsigned ncols;
	size_t nrows, cap;
	char **cells; /* row-major, header row first */
	bool *right;  /* per column */
	size_t *width;
};

struct table *
table_new(unsigned ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));
	unsigned i;

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->right = calloc(ncols, sizeof(*t->right));
	t->width = calloc(ncols, sizeof(*t->width));
	t->cap = 16;
	t->cells = calloc(t->cap * ncols, sizeof(*t->cells));
	if (t->right == NULL || t->width == NULL || t->cells == NULL) {
		table_free(t);
		return NULL;
	}
	for (i = 0; i < ncols; i++) {
		const char *h = headers[i];

		if (h[0] == '>') {
			t->right[i] = true;
			h++;
		}
		t->cells[i] = strdup(h);
	}
	t->nrows = 1;
	return t;
}

void
table_add(struct table *t, ...)
{
	va_list ap;
	unsigned i;
	char **nc;

	if (t == NULL)
		return;
	if (t->nrows == t->cap) {
		nc = realloc(t->cells, t->cap * 2 * t->ncols * sizeof(*nc));
		if (nc == NULL)
			return;
		t->cells = nc;
		t->cap *= 2;
	}
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *cell;

		if (s == NULL)
			s = "-";
		/* callers escape names (out_name()); a raw one is escaped here */
		if (!san_is_plain(s, SIZE_MAX) &&
		    (cell = malloc(SAN_VIS_LEN(strlen(s)))) != NULL)
			san_vis(cell, SAN_VIS_LEN(strlen(s)), s, SIZE_MAX);
		else if (!san_is_plain(s, SIZE_MAX))
			cell = strdup("?");
		else
			cell = strdup(s);
		t->cells[t->nrows * t->ncols + i] = cell;
	}
	va_end(ap);
	t->nrows++;
}

void
table_print(struct table *t, FILE *f)
{
	size_t r, w;
	unsigned i;
	const char *s;

	if (t == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			s = t->cells[r * t->ncols + i];
			w = s != NULL ? strlen(s) : 0;
			if (w > t->width[i])
				t->width[i] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			s = t->cells[r * t->ncols + i];
			if (s == NULL)
				s = "";
			if (i + 1 == t->ncols && !t->right[i])
				fprintf(f, "%s", s);
			else if (t->right[i])
				fprintf(f, "%*s", (int)t->width[i], s);
			else
				fprintf(f, "%-*s", (int)t->width[i], s);
			if (i + 1 < t->ncols)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->cells != NULL)
		for (i = 0; i < t->nrows * t->ncols; i++)
			free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t->width);
	free(t);
}
