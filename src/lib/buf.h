/*
 * Growable byte buffers. Untrusted bytes travel in a struct buf, never as
 * a bare NUL-terminated string: p may contain NUL bytes, and len is the
 * truth. The buffer keeps one spare byte so p[len] is always '\0' once
 * anything was appended, which lets trusted code print it.
 */
#ifndef MXW_BUF_H
#define MXW_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Make room for n more bytes (plus the NUL). Aborts on OOM or overflow. */
void	buf_reserve(struct buf *b, size_t n);
void	buf_add(struct buf *b, const void *p, size_t n);
void	buf_addc(struct buf *b, int c);
void	buf_adds(struct buf *b, const char *s);
void	buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Forget the contents, keep the memory. */
void	buf_reset(struct buf *b);
/* Free the memory; *b is left empty and reusable. */
void	buf_free(struct buf *b);
/* Hand the bytes to the caller (caller frees); *b is left empty. */
char	*buf_steal(struct buf *b);

#endif
