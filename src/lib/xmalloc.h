/*
 * Allocation wrappers that abort on out-of-memory. Running out of memory
 * is not a condition mxwarden tries to recover from: the process logs once
 * and dies, and the MTA retries the message (milter_default_action).
 */
#ifndef MXW_XMALLOC_H
#define MXW_XMALLOC_H

#include <stddef.h>

/* Each returns memory the caller frees with free(); never NULL. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);

/* Panic: a bug was detected. Logs the message and aborts. */
void	 panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
