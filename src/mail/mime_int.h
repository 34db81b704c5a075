/*
 * Private to src/mail: the URL collector shared by mime.c (which walks
 * the parts) and mime_html.c (which knows HTML). Not part of the API.
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

#endif
