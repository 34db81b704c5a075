/*
 * Logging: one line per event, "ID key=value key=value", to stderr or
 * syslog (facility mail). Libraries do not log; they return why-strings
 * and the daemon or command logs them. Values that came from the wire go
 * through log_safe() first so a hostile header cannot forge log lines.
 */
#ifndef MXW_LOG_H
#define MXW_LOG_H

#include <stddef.h>

struct arena;

enum log_level {
	LOG_L_ERR = 0,
	LOG_L_WARN,
	LOG_L_INFO,
	LOG_L_DEBUG
};

/* Trace bits for per-subsystem debug output (-v enables LOG_L_DEBUG). */
enum log_trace {
	LOG_T_DNS = 1 << 0,
	LOG_T_MILTER = 1 << 1,
	LOG_T_AUTH = 1 << 2,
	LOG_T_FILTER = 1 << 3,
	LOG_T_STORE = 1 << 4
};

/* to_syslog: 0 writes to stderr. ident is borrowed and must stay valid. */
void	log_init(const char *ident, int to_syslog, enum log_level level);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
void	log_set_trace(unsigned bits);
int	log_trace_on(unsigned bit);

void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A printable copy of untrusted bytes for a log line (arena): control
 * characters, spaces, quotes, backslashes and non-ASCII become \xHH, and
 * the result is cut at max input bytes with "..." appended.
 */
const char *log_safe(struct arena *a, const char *p, size_t len, size_t max);

/* Level from its name ("err", "warn", "info", "debug"); -1 if unknown. */
int	log_level_parse(const char *name);

#endif
