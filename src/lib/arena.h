/*
 * Arenas: many allocations, one free. Each milter message, scan task and
 * DNS answer set owns an arena; everything in it dies together. Resources
 * that are not memory (file descriptors, GMime objects, DNS handles)
 * register a destructor with arena_defer() and are released, newest first,
 * by arena_free(). Arenas are not thread-safe: one arena, one thread.
 */
#ifndef MXW_ARENA_H
#define MXW_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A new empty arena (caller frees with arena_free). Never NULL. */
struct arena	*arena_new(void);
/* Release everything allocated from *a, run destructors, set *a = NULL. */
void		 arena_free(struct arena **a);

/* Memory that lives until the arena dies. Aligned for any type. */
void		*arena_alloc(struct arena *a, size_t n);
void		*arena_zalloc(struct arena *a, size_t n);
/* Array of nmemb elements, zeroed, with overflow check. */
void		*arena_calloc(struct arena *a, size_t nmemb, size_t size);
char		*arena_strdup(struct arena *a, const char *s);
/* Copy n bytes and add a NUL; the copy may contain NUL bytes. */
char		*arena_strndup(struct arena *a, const char *s, size_t n);
void		*arena_memdup(struct arena *a, const void *p, size_t n);
char		*arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Call fn(arg) when the arena is freed (newest registration first). */
void		 arena_defer(struct arena *a, void (*fn)(void *), void *arg);

/* Bytes handed out so far (for caps and statistics). */
size_t		 arena_used(const struct arena *a);

#endif
