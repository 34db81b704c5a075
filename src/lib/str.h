/*
 * String helpers for ASCII protocol text: case-insensitive comparison that
 * ignores the locale, bounded copies that report truncation, trimming, and
 * base64 as DKIM and MIME use it (whitespace inside is allowed).
 */
#ifndef MXW_STR_H
#define MXW_STR_H

#include <stddef.h>

struct arena;
struct buf;

/* Copy with truncation check: returns strlen(src); >= size means cut. */
size_t	str_lcpy(char *dst, const char *src, size_t size);
/* ASCII-only case-insensitive comparisons (locale independent). */
int	str_casecmp(const char *a, const char *b);
int	str_ncasecmp(const char *a, const char *b, size_t n);
/* Does [p, p+len) equal s, ignoring ASCII case? */
int	str_eq_ci(const char *p, size_t len, const char *s);
int	str_has_prefix_ci(const char *s, const char *prefix);
int	str_has_suffix_ci(const char *s, const char *suffix);
/* Lower-case ASCII letters in place; returns s. */
char	*str_lower(char *s);
/* Copy of [p, p+len) without leading and trailing SP/HTAB/CR/LF (arena). */
char	*str_trim(struct arena *a, const char *p, size_t len);
/* Parse a whole decimal number into *v; -1 on junk or overflow. */
int	str_to_ull(const char *s, unsigned long long max,
    unsigned long long *v_r);

/*
 * Base64 decode (RFC 4648 alphabet). Whitespace anywhere is skipped, as
 * DKIM b= and p= values allow folding. Returns -1 on a bad character or
 * bad padding. The output is appended to *out.
 */
int	b64_decode(const char *p, size_t len, struct buf *out);
/* Base64 encode without line breaks, appended to *out. */
void	b64_encode(const void *p, size_t len, struct buf *out);

#endif
