/*
 * log.c - ringd's one way to say something: stderr in the foreground,
 * syslog(3) as a daemon, filtered by level.  When stderr is the journal
 * (systemd names the stream in $JOURNAL_STREAM), every line starts with
 * its sd-daemon(3) priority, "<3>" to "<7>", so that journald files it
 * at that priority.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "ringd.h"

static bool log_to_stderr = true;
static bool log_journal; /* stderr is journald's stream: "<N>" prefixes */
int log_cur_level = LOG_LVL_INFO;

static const char *const log_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/* syslog(3) priorities, which are also sd-daemon(3)'s "<N>" prefixes. */
static const int log_prio[] = {
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARNING] = LOG_WARNING,
	[LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

_Static_assert(sizeof(log_names) / sizeof(log_names[0]) == LOG_LVL_DEBUG + 1,
    "a name for every log level");
_Static_assert(sizeof(log_prio) / sizeof(log_prio[0]) == LOG_LVL_DEBUG + 1,
    "a priority for every log level");

/* A decimal number that ends at *end: false for anything else. */
static bool
log_parse_u64(const char *s, char stop, unsigned long long *out,
    const char **end)
{
	unsigned long long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0ull - 9) / 10)
			return false;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (p == s || *p != stop)
		return false;
	*out = v;
	*end = p;
	return true;
}

/*
 * Is fd 2 the stream $JOURNAL_STREAM ("DEVICE:INODE", decimal) names?
 * systemd sets it for a service whose stderr goes to the journal; a child
 * that inherited the variable but not the stream, or a stream redirected
 * since, does not match (the check sd_journal_stream_fd(3) describes).
 */
static bool
log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM"), *p;
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || !log_parse_u64(env, ':', &dev, &p) ||
	    !log_parse_u64(p + 1, '\0', &ino, &p))
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_open(bool foreground, int level)
{
	log_to_stderr = foreground;
	log_journal = foreground && log_stderr_is_journal();
	log_cur_level = level;
	if (!foreground)
		openlog("ringd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	if (level >= LOG_LVL_ERROR && level <= LOG_LVL_DEBUG)
		log_cur_level = level;
}

void
log_close(void)
{
	if (!log_to_stderr)
		closelog();
}

/*
 * One record on stderr per line of msg: "ringd: [warning: ]text", or
 * "<N>text" for the journal (which names ringd itself).  Each line gets
 * its own prefix, so that a continuation line keeps the priority and text
 * taken from a client cannot start a line of its own choosing; control
 * characters other than tabs become '?'.
 */
static void
log_stderr(int level, const char *msg)
{
	char line[1100];
	const char *p = msg, *nl;
	size_t n, i, len;

	do {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (log_journal)
			n = (size_t)snprintf(line, sizeof(line), "<%d>",
			    log_prio[level]);
		else
			n = (size_t)snprintf(line, sizeof(line), "ringd: %s",
			    level == LOG_LVL_WARNING ? "warning: " : "");
		for (i = 0; i < len && n < sizeof(line) - 2; i++, n++) {
			unsigned char ch = (unsigned char)p[i];

			line[n] = (ch < 0x20 && ch != '\t') || ch == 0x7f
			    ? '?'
			    : (char)ch;
		}
		line[n++] = '\n';
		fwrite(line, 1, n, stderr);
		p = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_LVL_ERROR || level > log_cur_level)
		return;
	va_start(ap, fmt);
	if (log_to_stderr) {
		char buf[1024];

		vsnprintf(buf, sizeof(buf), fmt, ap);
		log_stderr(level, buf);
	} else
		vsyslog(log_prio[level], fmt, ap);
	va_end(ap);
}

/* "error", "warning", "notice", "info" or "debug" to a level, or -1. */
int
log_level_parse(const char *s)
{
	int i;

	for (i = LOG_LVL_ERROR; i <= LOG_LVL_DEBUG; i++)
		if (strcmp(s, log_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < LOG_LVL_ERROR || level > LOG_LVL_DEBUG)
		return "?";
	return log_names[level];
}
