/*
 * Link text and target pairs of HTML anchors (HTML 5 section 4.5.1, the
 * a element), for the phishing check: a link whose visible text shows
 * one domain while its href goes to another is a classic lure. The
 * scanner is small and linear like the renderer of mime_html.c: it
 * finds "<a" start tags, takes the href attribute, and renders the text
 * up to the closing "</a" (or the next anchor, for unclosed ones) with
 * mime_html_text. Counts and lengths are capped (mime.h).
 */
#include <string.h>

#include <glib.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/mime.h"
#include "mail/mime_int.h"
#include "mail/msg.h"

/* Rendered bytes of anchor content considered, before the text cap. */
#define LINK_SPAN_MAX	4096

/* Is p the start of an anchor start tag "<a" + space, or "<a>"? */
static int
link_is_open(const char *p, const char *e)
{
	return e - p >= 3 && p[0] == '<' && (p[1] | 0x20) == 'a' &&
	    (g_ascii_isspace(p[2]) || p[2] == '>');
}

static int
link_is_close(const char *p, const char *e)
{
	return e - p >= 3 && p[0] == '<' && p[1] == '/' &&
	    (p[2] | 0x20) == 'a' && (e - p == 3 || !g_ascii_isalnum(p[3]));
}

/* Past the '>' of the tag at p, honouring quoted attribute values. */
static const char *
link_tag_end(const char *p, const char *e)
{
	char q = 0;

	for (p++; p < e; p++) {
		if (q != 0) {
			if (*p == q)
				q = 0;
		} else if ((*p == '"' || *p == '\'') && p[-1] == '=')
			q = *p;
		else if (*p == '>')
			return p + 1;
	}
	return e;
}

/* The href value inside the tag [p, e), raw; NULL if none. */
static const char *
link_href(const char *p, const char *e, size_t *len_r)
{
	const char *v, *ve;

	for (p += 2; e - p >= 4; p++) {
		if (!g_ascii_isspace(p[-1]) || str_ncasecmp(p, "href", 4) != 0)
			continue;
		for (p += 4; p < e && g_ascii_isspace(*p); p++)
			;
		if (p == e || *p != '=')
			continue;
		for (p++; p < e && g_ascii_isspace(*p); p++)
			;
		if (p < e && (*p == '"' || *p == '\'')) {
			v = p + 1;
			ve = memchr(v, *p, (size_t)(e - v));
			if (ve == NULL)
				ve = e;
		} else {
			for (v = ve = p; ve < e && !g_ascii_isspace(*ve) &&
			    *ve != '>'; ve++)
				;
		}
		*len_r = (size_t)(ve - v);
		return v;
	}
	return NULL;
}

/* Cut s to at most max bytes at a UTF-8 character boundary. */
static void
link_cut(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

size_t
mime_html_links(struct arena *a, const char *p, size_t len,
    struct mime_link **links_r)
{
	const char *e = p + len, *te, *hv, *q;
	struct mime_link *v = NULL, *nv;
	size_t n = 0, cap = 0, hlen, tlen;
	char *text, *href;

	for (; p < e; p++) {
		if (!link_is_open(p, e))
			continue;
		te = link_tag_end(p, e);
		hv = link_href(p, te, &hlen);
		for (q = te; q < e && !link_is_close(q, e) &&
		    !link_is_open(q, e); q++)
			;
		if (hv != NULL && n < MIME_LINKS_MAX) {
			if (hlen > MIME_URL_BYTES_MAX)
				hlen = MIME_URL_BYTES_MAX;
			/* The renderer decodes references (&amp;). */
			href = (char *)mime_html_text(a, hv, hlen, &hlen);
			tlen = (size_t)(q - te);
			text = (char *)mime_html_text(a, te, tlen >
			    LINK_SPAN_MAX ? LINK_SPAN_MAX : tlen, &tlen);
			link_cut(text, MIME_LINK_TEXT_MAX);
			if (n == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				nv = arena_calloc(a, cap, sizeof(*nv));
				if (n > 0)
					memcpy(nv, v, n * sizeof(*nv));
				v = nv;
			}
			v[n].text = text;
			v[n++].href = href;
		}
		p = q - 1;	/* the loop steps onto q */
	}
	*links_r = v;
	return n;
}

int
mime_links(struct msg *m, const struct mime_link **links_r, size_t *n_r)
{
	const struct mime_part *parts;
	struct mime_link *all = NULL, *one, *nv;
	const char *why;
	size_t np, i, k, n = 0, cnt;
	char *u;
	int bad;

	*links_r = NULL;
	*n_r = 0;
	if (mime_parts(m, &parts, &np, &why) == -1)
		return 0;
	for (i = 0; i < np && n < MIME_LINKS_MAX; i++) {
		if (!parts[i].is_html || parts[i].is_attachment ||
		    parts[i].data == NULL)
			continue;
		bad = 0;
		u = mime_charset_utf8(parts[i].data, parts[i].len,
		    parts[i].charset, &bad);
		cnt = mime_html_links(m->a, u, strlen(u), &one);
		g_free(u);
		if (cnt > MIME_LINKS_MAX - n)
			cnt = MIME_LINKS_MAX - n;
		nv = arena_calloc(m->a, n + cnt + 1, sizeof(*nv));
		if (n > 0)
			memcpy(nv, all, n * sizeof(*nv));
		for (k = 0; k < cnt; k++)
			nv[n + k] = one[k];
		all = nv;
		n += cnt;
	}
	*links_r = all;
	*n_r = n;
	return 0;
}
