/*
 * Logging to stderr or syslog, with a level and per-subsystem trace bits.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"

static enum log_level	log_level = LOG_L_INFO;
static int		log_syslog;
static unsigned		log_trace;
static const char	*log_ident = "mxwarden";
static pthread_mutex_t	log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *ident, int to_syslog, enum log_level level)
{
	log_ident = ident;
	log_syslog = to_syslog;
	log_level = level;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_set_trace(unsigned bits)
{
	log_trace = bits;
}

int
log_trace_on(unsigned bit)
{
	return (log_trace & bit) != 0;
}

static void __attribute__((format(printf, 2, 0)))
log_emit(enum log_level lv, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "err", "warn", "info", "debug" };
	char line[4096];

	if (lv > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_syslog) {
		syslog(prio[lv], "%s", line);
		return;
	}
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s: %s: %s\n", log_ident, name[lv], line);
	pthread_mutex_unlock(&log_lock);
}

#define LOG_FN(fn, lv)					\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_emit(lv, fmt, ap);					\
	va_end(ap);						\
}

LOG_FN(log_err, LOG_L_ERR)
LOG_FN(log_warn, LOG_L_WARN)
LOG_FN(log_info, LOG_L_INFO)
LOG_FN(log_debug, LOG_L_DEBUG)

const char *
log_safe(struct arena *a, const char *p, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = len < max ? len : max;
	char *out, *o;

	if (p == NULL)
		return "-";
	/* Worst case every byte becomes \xHH, plus "..." and NUL. */
	out = o = arena_alloc(a, n * 4 + 4);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			*o++ = (char)c;
		else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	if (n < len) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

int
log_level_parse(const char *s)
{
	static const char *names[] = { "err", "warn", "info", "debug" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}
