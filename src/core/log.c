/* Logging to stderr (with monotonic timestamps) or syslog. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static struct {
	bool use_syslog;
	enum log_level level;
	unsigned cats;
	const char *ident;
} g_log = { false, LOG_LVL_INFO, 0, "v6link" };

void log_init(const char *ident, bool use_syslog, enum log_level level, unsigned debug_cats)
{
	g_log.ident = ident;
	g_log.use_syslog = use_syslog;
	g_log.level = level;
	g_log.cats = debug_cats;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

enum log_level log_get_level(void)
{
	return g_log.level;
}

bool log_debug_on(unsigned cat)
{
	return g_log.level >= LOG_LVL_DEBUG && (g_log.cats & cat);
}

static void log_vemit(int prio, const char *tag, const char *fmt, va_list ap, int err)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s", strerror(err));
	if (g_log.use_syslog) {
		syslog(prio, "%s", msg);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "[%5lld.%03ld] %s%s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000, tag, msg);
	fflush(stderr);
}

#define LOG_BODY(prio, tag, err)                                                                   \
	va_list ap;                                                                                \
	va_start(ap, fmt);                                                                         \
	log_vemit(prio, tag, fmt, ap, err);                                                        \
	va_end(ap)

void log_warn(const char *fmt, ...)
{
	int err = errno;
	if (g_log.level < LOG_LVL_WARN)
		return;
	LOG_BODY(LOG_WARNING, "warning: ", err);
}

void log_warnx(const char *fmt, ...)
{
	if (g_log.level < LOG_LVL_WARN)
		return;
	LOG_BODY(LOG_WARNING, "warning: ", 0);
}

void log_errx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, "error: ", 0);
}

void log_info(const char *fmt, ...)
{
	if (g_log.level < LOG_LVL_INFO)
		return;
	LOG_BODY(LOG_INFO, "", 0);
}

void log_debug(unsigned cat, const char *fmt, ...)
{
	if (!log_debug_on(cat))
		return;
	LOG_BODY(LOG_DEBUG, "debug: ", 0);
}

void log_fatal(const char *fmt, ...)
{
	int err = errno;
	LOG_BODY(LOG_CRIT, "fatal: ", err);
	exit(1);
}

void log_fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, "fatal: ", 0);
	exit(1);
}

const char *log_mask(char *buf, unsigned buflen, unsigned secret_len)
{
	snprintf(buf, buflen, "<%u bytes masked>", secret_len);
	return buf;
}
