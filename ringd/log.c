/*
 * log.c - ringd's one way to say something: stderr in the foreground,
 * syslog(3) as a daemon, filtered by level.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "ringd.h"

static bool log_to_stderr = true;
static int log_cur_level = LOG_LVL_INFO;

static const char *const log_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARNING] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const int log_prio[] = {
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARNING] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

void
log_open(bool foreground, int level)
{
	log_to_stderr = foreground;
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

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_cur_level)
		return;
	va_start(ap, fmt);
	if (log_to_stderr) {
		char buf[1024];

		vsnprintf(buf, sizeof(buf), fmt, ap);
		fprintf(stderr, "ringd: %s%s\n",
		    level == LOG_LVL_ERROR	   ? ""
			: level == LOG_LVL_WARNING ? "warning: "
						   : "",
		    buf);
	} else
		vsyslog(log_prio[level], fmt, ap);
	va_end(ap);
}

/* "error", "warning", "info" or "debug" to a level, or -1. */
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
