/* Logging to stderr (with monotonic timestamps, or with sd-daemon(3) "<N>" priority prefixes when
 * stderr is the journal), or syslog; plus the optional text trace file of func_trace. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_TRACE_MAX_BYTES (64L * 1024 * 1024)

static struct {
	bool use_syslog;
	bool is_journal;
	enum log_level level;
	unsigned cats;
	const char *ident;
	FILE *trace;
	unsigned trace_cats;
} g_log = { false, false, LOG_LVL_INFO, 0, "v6link", NULL, 0 };

/* systemd sets JOURNAL_STREAM=dev:ino of the stream it connected to stderr. */
static bool log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_set_trace(FILE *f, unsigned cats)
{
	if (g_log.trace && g_log.trace != f)
		fclose(g_log.trace);
	g_log.trace = f;
	g_log.trace_cats = cats;
}

static void log_trace_line(const char *tag, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (ftell(g_log.trace) > LOG_TRACE_MAX_BYTES) {
		fprintf(g_log.trace, "%s.%03ld text trace full (%ld bytes): stopped\n", when,
			ts.tv_nsec / 1000000, LOG_TRACE_MAX_BYTES);
		fclose(g_log.trace);
		g_log.trace = NULL;
		return;
	}
	fprintf(g_log.trace, "%s.%03ld %s%s\n", when, ts.tv_nsec / 1000000, tag, msg);
	fflush(g_log.trace);
}

void log_init(const char *ident, bool use_syslog, enum log_level level, unsigned debug_cats)
{
	g_log.ident = ident;
	g_log.use_syslog = use_syslog;
	g_log.level = level;
	g_log.cats = debug_cats;
	g_log.is_journal = !use_syslog && log_stderr_is_journal();
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

enum log_level log_get_level(void)
{
	return g_log.level;
}

static bool log_debug_to_log(unsigned cat)
{
	return g_log.level >= LOG_LVL_DEBUG && (g_log.cats & cat);
}

bool log_debug_on(unsigned cat)
{
	return log_debug_to_log(cat) || (g_log.trace && (g_log.trace_cats & cat));
}

/* to_log false: the text trace only (a debug category the log does not show). */
static void log_vemit_to(int prio, const char *tag, const char *fmt, va_list ap, int err,
			 bool to_log)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s", strerror(err));
	if (g_log.trace)
		log_trace_line(tag, msg);
	if (!to_log)
		return;
	if (g_log.use_syslog) {
		syslog(prio, "%s", msg);
		return;
	}
	if (g_log.is_journal) {
		/* journald reads the priority from the prefix and stamps the time itself. */
		fprintf(stderr, "<%d>%s%s\n", prio, tag, msg);
		fflush(stderr);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "[%5lld.%03ld] %s%s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000, tag, msg);
	fflush(stderr);
}

static void log_vemit(int prio, const char *tag, const char *fmt, va_list ap, int err)
{
	log_vemit_to(prio, tag, fmt, ap, err, true);
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
	va_list ap;
	va_start(ap, fmt);
	log_vemit_to(LOG_DEBUG, "debug: ", fmt, ap, 0, log_debug_to_log(cat));
	va_end(ap);
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
