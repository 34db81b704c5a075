/*
 * Private to src/mail: the URL collector shared by mime.c (which walks
 * the parts) and mime_html.c (which knows HTML), and the charset
 * converter shared with addr.c. Not part of the API.
 */
#ifndef MXW_MIME_INT_H
#define MXW_MIME_INT_H

#include <stddef.h>

struct arena;

struct mime_urlset {
	struct arena	*a;
	const char	**v;		/* arena */
	size_t		 n;
	size_t		 cap;
	unsigned	 flags;		/* MIME_F_URLS_CAP */
};

/* Add the href values of the HTML in [p, p+len). */
void	mime_urls_href(struct mime_urlset *u, const char *p, size_t len);
/* Add the bare http://, https:// and www. URLs of text [p, p+len). */
void	mime_urls_bare(struct mime_urlset *u, const char *p, size_t len);

/*
 * [p, p+len) in charset cs (NULL: unknown) as UTF-8 (caller g_free()s;
 * never NULL). An unknown charset sets *bad_r and, like invalid bytes,
 * falls back to UTF-8 then windows-1252. Output may stop at a NUL.
 */
char	*mime_charset_utf8(const char *p, size_t len, const char *cs,
    int *bad_r);

#endif
