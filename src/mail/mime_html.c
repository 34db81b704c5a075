/*
 * HTML to plain text and URL extraction for content rules. The renderer
 * is deliberately small: one linear pass that drops tags and comments,
 * skips script and style content, turns block tags into newlines,
 * collapses whitespace and decodes the common character references of
 * HTML 5 section 13.5 (named ones for markup characters and spaces, all
 * numeric ones). URLs come from href attributes and from bare http://,
 * https:// and www. forms in the rendered text (RFC 3986 characters).
 */
#include <string.h>

#include <glib.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/mime.h"
#include "mail/mime_int.h"
#include "mail/msg.h"

static const struct {
	const char	*name;
	const char	*utf8;
} mime_entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "copy", "\xc2\xa9" },
	{ "reg", "\xc2\xae" }, { "euro", "\xe2\x82\xac" },
	{ "shy", "" }, { "zwnj", "" }, { "zwj", "" },
	{ "ndash", "-" }, { "mdash", "-" }, { "hellip", "..." },
	{ "lsquo", "'" }, { "rsquo", "'" }, { "ldquo", "\"" },
	{ "rdquo", "\"" }, { "bull", "*" },
};

/* Block-level tags end a line of text. */
static const char *mime_block_tags[] = {
	"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
	"table", "blockquote", "hr", "ul", "ol", "title", "pre", "dt", "dd",
};

/*
 * Decode the character reference at p ('&'), appending to b. Returns the
 * bytes consumed, or 0 when it is not a reference we know.
 */
static size_t
mime_entity(const char *p, const char *e, struct buf *b)
{
	const char *q = p + 1, *semi;
	char tmp[8];
	unsigned long cp = 0;
	size_t i, n;
	int hex = 0, digits = 0;

	for (semi = q; semi < e && semi - q < 10 && *semi != ';'; semi++)
		;
	if (semi == e || *semi != ';')
		return 0;
	if (*q == '#') {
		q++;
		if (q < semi && (*q == 'x' || *q == 'X')) {
			hex = 1;
			q++;
		}
		for (; q < semi; q++, digits++) {
			int d = g_ascii_xdigit_value(*q);

			if (d < 0 || (!hex && d > 9) || cp > 0x10ffff)
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (digits == 0 || cp == 0 || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		n = (size_t)g_unichar_to_utf8((gunichar)cp, tmp);
		buf_add(b, tmp, n);
		return (size_t)(semi + 1 - p);
	}
	for (i = 0; i < G_N_ELEMENTS(mime_entities); i++) {
		if (str_eq_ci(q, (size_t)(semi - q), mime_entities[i].name)) {
			buf_adds(b, mime_entities[i].utf8);
			return (size_t)(semi + 1 - p);
		}
	}
	return 0;
}

/* Case-insensitive search for s in [p, e); e if absent. */
static const char *
mime_find_ci(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(e - p) >= n; p++)
		if ((*p | 0x20) == s[0] && str_ncasecmp(p, s, n) == 0)
			return p;
	return e;
}

/*
 * The tag at p ('<'): returns where it ends (past '>'), its name in
 * name[] (lower case, truncated) and whether it is a closing tag.
 */
static const char *
mime_tag(const char *p, const char *e, char *name, size_t nsize,
    int *closing_r)
{
	size_t n = 0;
	char q = 0;

	p++;
	*closing_r = p < e && *p == '/';
	if (*closing_r)
		p++;
	while (p < e && (g_ascii_isalnum(*p) || *p == '-')) {
		if (n + 1 < nsize)
			name[n++] = g_ascii_tolower(*p);
		p++;
	}
	name[n] = '\0';
	for (; p < e; p++) {
		if (q != 0) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			/* Quotes only count inside a tag with a name. */
			if (n > 0 && p[-1] == '=')
				q = *p;
		} else if (*p == '>')
			return p + 1;
	}
	return e;
}

static void
mime_space(struct buf *b, int c)
{
	if (b->len == 0 || b->p[b->len - 1] == '\n' ||
	    (c == ' ' && b->p[b->len - 1] == ' '))
		return;
	if (c == '\n' && b->p[b->len - 1] == ' ')
		b->len--;
	buf_addc(b, c);
}

const char *
mime_html_text(struct arena *a, const char *p, size_t len, size_t *len_r)
{
	const char *e = p + len, *te;
	struct buf b = BUF_INIT;
	char name[16], *r;
	size_t i, n;
	int closing;

	while (p < e) {
		if (*p == '<' && e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			te = mime_find_ci(p + 4, e, "-->");
			p = te == e ? e : te + 3;
			continue;
		}
		if (*p == '<' && p + 1 < e && (g_ascii_isalpha(p[1]) ||
		    p[1] == '/' || p[1] == '!' || p[1] == '?')) {
			te = mime_tag(p, e, name, sizeof(name), &closing);
			p = te;
			if (!closing && (strcmp(name, "script") == 0 ||
			    strcmp(name, "style") == 0)) {
				te = mime_find_ci(p, e, name[1] == 'c' ?
				    "</script" : "</style");
				p = te == e ? e : mime_tag(te, e, name,
				    sizeof(name), &closing);
				continue;
			}
			for (i = 0; i < G_N_ELEMENTS(mime_block_tags); i++)
				if (strcmp(name, mime_block_tags[i]) == 0)
					break;
			/* Inline tags join text: "Pay<b>Pal</b>" is a word. */
			if (i < G_N_ELEMENTS(mime_block_tags))
				mime_space(&b, '\n');
			else if (strcmp(name, "td") == 0 ||
			    strcmp(name, "th") == 0 ||
			    strcmp(name, "img") == 0)
				mime_space(&b, ' ');
			continue;
		}
		if (*p == '&' && (n = mime_entity(p, e, &b)) > 0) {
			p += n;
			if (b.len > 0 && b.p[b.len - 1] == ' ') {
				b.len--;	/* &nbsp; collapses too */
				mime_space(&b, ' ');
			}
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			mime_space(&b, ' ');
			p++;
			continue;
		}
		buf_addc(&b, *p++);
	}
	while (b.len > 0 && (b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\n'))
		b.len--;
	r = arena_strndup(a, b.p != NULL ? b.p : "", b.len);
	*len_r = b.len;
	buf_free(&b);
	return r;
}

/* Add one URL unless it is empty, a duplicate or over the caps. */
static void
mime_url_add(struct mime_urlset *u, const char *p, size_t len)
{
	size_t i;

	while (len > 0 && g_ascii_isspace(*p)) {
		p++;
		len--;
	}
	while (len > 0 && g_ascii_isspace(p[len - 1]))
		len--;
	if (len == 0 || *p == '#' || memchr(p, '\0', len) != NULL)
		return;
	if (len > MIME_URL_BYTES_MAX)
		len = MIME_URL_BYTES_MAX;
	for (i = 0; i < u->n; i++)
		if (strncmp(u->v[i], p, len) == 0 && u->v[i][len] == '\0')
			return;
	if (u->n == MIME_URLS_MAX) {
		u->flags |= MIME_F_URLS_CAP;
		return;
	}
	if (u->n == u->cap) {
		const char **nv;

		u->cap = u->cap == 0 ? 16 : u->cap * 2;
		nv = arena_calloc(u->a, u->cap, sizeof(*nv));
		if (u->n > 0)
			memcpy(nv, u->v, u->n * sizeof(*nv));
		u->v = nv;
	}
	u->v[u->n++] = arena_strndup(u->a, p, len);
}

void
mime_urls_href(struct mime_urlset *u, const char *p, size_t len)
{
	const char *e = p + len, *v, *ve;
	struct buf b = BUF_INIT;
	size_t n;

	while ((p = mime_find_ci(p, e, "href")) < e) {
		p += 4;
		while (p < e && g_ascii_isspace(*p))
			p++;
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
		/* Character references in attribute values: &amp; mostly. */
		buf_reset(&b);
		for (p = v; p < ve && p - v <= MIME_URL_BYTES_MAX; ) {
			if (*p == '&' && (n = mime_entity(p, ve, &b)) > 0)
				p += n;
			else
				buf_addc(&b, *p++);
		}
		if (b.len > 0)
			mime_url_add(u, b.p, b.len);
		p = ve;
	}
	buf_free(&b);
}

/* Characters that end a bare URL in running text. */
static int
mime_url_end(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || strchr("<>\"'`{}|\\^", c) != NULL;
}

void
mime_urls_bare(struct mime_urlset *u, const char *p, size_t len)
{
	const char *s = p, *e = p + len, *q;

	for (; p < e; p++) {
		int c = *p | 0x20;

		if (c != 'h' && c != 'w')
			continue;
		if (p > s && (g_ascii_isalnum(p[-1]) || p[-1] == '.' ||
		    p[-1] == '/'))
			continue;
		if (!((e - p > 7 && str_ncasecmp(p, "http://", 7) == 0) ||
		    (e - p > 8 && str_ncasecmp(p, "https://", 8) == 0) ||
		    (e - p > 4 && str_ncasecmp(p, "www.", 4) == 0)))
			continue;
		for (q = p; q < e && !mime_url_end((unsigned char)*q); q++)
			;
		/* Sentence punctuation after a URL is not part of it. */
		while (q > p && strchr(".,;:!?)]", q[-1]) != NULL)
			q--;
		mime_url_add(u, p, (size_t)(q - p));
		p = q > p ? q - 1 : p;
	}
}
