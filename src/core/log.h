/* Logging to stderr or syslog with levels. Messages start with "component[conn]: ".
 * log_fatal* only for start-up failures and programmer errors. */
#ifndef V6L_LOG_H
#define V6L_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Debug categories, selectable one by one (bit mask). */
enum log_cat {
	LOGC_PPPOE = 1 << 0,
	LOGC_PPP = 1 << 1,
	LOGC_AUTH = 1 << 2,
	LOGC_HOST = 1 << 3,
	LOGC_DATA = 1 << 4,
	LOGC_CTL = 1 << 5,
	LOGC_CFG = 1 << 6,
	LOGC_ALL = 0x7fffffff,
};

void log_init(const char *ident, bool use_syslog, enum log_level level, unsigned debug_cats);
/* The text trace (func_trace): every log line, and debug lines of the categories in cats
 * whatever the log level, go to f too (NULL = none). The log takes f and closes it. */
void log_set_trace(FILE *f, unsigned cats);
enum log_level log_get_level(void);
bool log_debug_on(unsigned cat);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void log_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes "len bytes (masked)" into buf so no secret is ever formatted into a log line. */
const char *log_mask(char *buf, unsigned buflen, unsigned secret_len);

#endif
