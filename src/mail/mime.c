/*
 * Lazy MIME access (RFC 2045-2049) through GMime 3. The tree is parsed on
 * first use and walked once: each leaf is transfer-decoded (RFC 2045
 * section 6), text is converted to UTF-8 from its charset (RFC 2046
 * section 4.1.2), HTML is rendered to plain text by a small bounded
 * renderer, and attachment names come from Content-Disposition or
 * Content-Type parameters, RFC 2231 continuations included (GMime decodes
 * them). Part count, nesting depth and decoded bytes are capped; the GMime
 * objects are released by a destructor on the message's arena.
 */
#include <pthread.h>
#include <string.h>

#include <gmime/gmime.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/mime_int.h"
#include "mail/msg.h"

/* What a message caches once its MIME tree has been walked. */
struct mime_state {
	GMimeMessage		*gm;
	struct mime_part	*parts;
	size_t			 n;
	size_t			 cap;
	size_t			 nobj;		/* objects visited */
	size_t			 decoded;	/* bytes decoded so far */
	unsigned		 flags;		/* enum mime_flag */
	const char		*why;
	const char		*text;
	size_t			 text_len;
	const char		**urls;
	size_t			 nurls;
	int			 urls_done;
};

static pthread_once_t mime_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *mime_opts;

static void
mime_init_once(void)
{
	static const char *fallback[] = { "utf-8", "windows-1252", NULL };

	g_mime_init();
	mime_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(mime_opts, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(mime_opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(mime_opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
}

void
mime_init(void)
{
	pthread_once(&mime_once, mime_init_once);
}

static void
mime_release(void *arg)
{
	struct mime_state *st = arg;

	if (st->gm != NULL)
		g_object_unref(st->gm);
	st->gm = NULL;
}

/* Copy a g_malloc'd string into the arena and free it; NULL stays NULL. */
static const char *
mime_take(struct arena *a, char *s)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = arena_strdup(a, s);
	g_free(s);
	return r;
}

/*
 * Make [p, p+len) valid UTF-8 text in the arena: NUL bytes become spaces
 * and CRLF line ends LF, as rule writers expect of body text.
 */
static const char *
mime_utf8(struct arena *a, const char *p, size_t len, size_t *len_r)
{
	char *r = arena_alloc(a, len + 1), *v, *o = r;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		*o++ = p[i] == '\0' ? ' ' : p[i];
	}
	*o = '\0';
	len = (size_t)(o - r);
	if (g_utf8_validate(r, (gssize)len, NULL)) {
		*len_r = len;
		return r;
	}
	v = g_utf8_make_valid(r, (gssize)len);
	r = arena_strdup(a, v);
	g_free(v);
	*len_r = strlen(r);
	return r;
}

char *
mime_charset_utf8(const char *p, size_t len, const char *cs, int *bad_r)
{
	const char *canon;
	iconv_t cd;
	char *s = NULL, *z;
	size_t i;

	mime_init();
	if (cs != NULL) {
		canon = g_mime_charset_canon_name(cs);
		if (canon != NULL && g_ascii_strcasecmp(canon, "utf-8") != 0 &&
		    g_ascii_strcasecmp(canon, "us-ascii") != 0) {
			cd = g_mime_iconv_open("UTF-8", cs);
			if (cd != (iconv_t)-1) {
				s = g_mime_iconv_strndup(cd, p, len);
				g_mime_iconv_close(cd);
			} else
				*bad_r = 1;
		}
	}
	if (s != NULL)
		return s;
	if (g_utf8_validate(p, (gssize)len, NULL))
		return g_strndup(p, len);
	z = g_strndup(p, len);		/* decode_8bit wants no NULs */
	for (i = 0; i < len; i++)
		if (z[i] == '\0')
			z[i] = ' ';
	s = g_mime_utils_decode_8bit(mime_opts, z, len);
	if (s != NULL) {
		g_free(z);
		return s;
	}
	s = g_utf8_make_valid(z, (gssize)len);
	g_free(z);
	return s;
}

/*
 * Text in charset cs to UTF-8 in the arena. An unknown charset or a
 * conversion error falls back to GMime's 8-bit guess (UTF-8, then
 * windows-1252).
 */
static const char *
mime_to_utf8(struct arena *a, struct mime_state *st, const char *p,
    size_t len, const char *cs, size_t *len_r)
{
	int bad = 0;
	char *s = mime_charset_utf8(p, len, cs, &bad);
	const char *r;

	if (bad)
		st->flags |= MIME_F_BAD_CHARSET;
	r = mime_utf8(a, s, strlen(s), len_r);
	g_free(s);
	return r;
}

/* Transfer-decode a leaf into the arena, within the decoded-bytes cap. */
static void
mime_decode(struct msg *m, struct mime_state *st, GMimePart *gp,
    struct mime_part *mp)
{
	GMimeDataWrapper *w = g_mime_part_get_content(gp);
	GMimeStream *in, *out;
	GByteArray *ba;
	gint64 elen;

	if (w == NULL || (in = g_mime_data_wrapper_get_stream(w)) == NULL)
		return;
	/* Decoding never grows data, so the encoded length bounds it. */
	elen = g_mime_stream_length(in);
	if (elen < 0 || (size_t)elen > MIME_DECODED_MAX - st->decoded) {
		st->flags |= MIME_F_DECODED_CAP;
		return;
	}
	out = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, out);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	if (ba->len > MIME_DECODED_MAX - st->decoded) {
		st->flags |= MIME_F_DECODED_CAP;
	} else {
		mp->data = arena_strndup(m->a, (const char *)ba->data,
		    ba->len);
		mp->len = ba->len;
		st->decoded += ba->len;
	}
	g_object_unref(out);
}

/* Record one leaf part. */
static void
mime_leaf(struct msg *m, struct mime_state *st, GMimeObject *o, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	struct mime_part *mp;
	const char *cs, *disp;
	int is_text;

	if (st->n == st->cap) {
		struct mime_part *np;

		st->cap = st->cap == 0 ? 8 : st->cap * 2;
		np = arena_calloc(m->a, st->cap, sizeof(*np));
		if (st->n > 0)
			memcpy(np, st->parts, st->n * sizeof(*np));
		st->parts = np;
	}
	mp = &st->parts[st->n++];
	memset(mp, 0, sizeof(*mp));
	mp->depth = depth;
	mp->ctype = ct != NULL ? mime_take(m->a,
	    g_mime_content_type_get_mime_type(ct)) : "text/plain";
	mp->ctype = str_lower(arena_strdup(m->a, mp->ctype));
	cs = ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") :
	    NULL;
	if (cs != NULL)
		mp->charset = str_lower(arena_strdup(m->a, cs));
	if (!GMIME_IS_PART(o))
		return;
	mp->filename = mime_take(m->a, g_strdup(g_mime_part_get_filename(
	    GMIME_PART(o))));
	if (mp->filename != NULL)
		mp->filename = mime_utf8(m->a, mp->filename,
		    strlen(mp->filename), &(size_t){ 0 });
	is_text = strncmp(mp->ctype, "text/", 5) == 0;
	disp = g_mime_object_get_disposition(o);
	mp->is_attachment = (disp != NULL &&
	    g_ascii_strcasecmp(disp, "attachment") == 0) ||
	    (!is_text && mp->filename != NULL);
	mime_decode(m, st, GMIME_PART(o), mp);
	if (!is_text || mp->data == NULL)
		return;
	mp->text = mime_to_utf8(m->a, st, mp->data, mp->len, mp->charset,
	    &mp->text_len);
	if (strcmp(mp->ctype, "text/html") == 0) {
		mp->is_html = 1;
		mp->text = mime_html_text(m->a, mp->text, mp->text_len,
		    &mp->text_len);
	}
}

/*
 * Walk the tree depth-first in document order. Recursion is bounded by
 * MIME_DEPTH_MAX and the visits by MIME_PARTS_MAX.
 */
static void
mime_walk(struct msg *m, struct mime_state *st, GMimeObject *o, int depth)
{
	int i, n;

	if (o == NULL)
		return;
	if (depth > MIME_DEPTH_MAX) {
		st->flags |= MIME_F_DEPTH_CAP;
		return;
	}
	if (st->nobj++ >= MIME_PARTS_MAX) {
		st->flags |= MIME_F_PARTS_CAP;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			mime_walk(m, st, g_mime_multipart_get_part(
			    GMIME_MULTIPART(o), i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *em = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(o));

		if (em != NULL)
			mime_walk(m, st, g_mime_message_get_mime_part(em),
			    depth + 1);
	} else
		mime_leaf(m, st, o, depth);
}

static struct mime_state *
mime_load(struct msg *m)
{
	struct mime_state *st = m->mime;
	GMimeStream *s;
	GMimeParser *parser;

	if (st != NULL)
		return st;
	mime_init();
	st = arena_zalloc(m->a, sizeof(*st));
	m->mime = st;
	/*
	 * GMime's parser copes with deep nesting itself (tests feed it
	 * 20,000 levels); our walk below stops at MIME_DEPTH_MAX.
	 */
	s = g_mime_stream_mem_new_with_buffer(m->raw + m->start,
	    m->len - m->start);
	parser = g_mime_parser_new_with_stream(s);
	g_object_unref(s);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	st->gm = g_mime_parser_construct_message(parser, mime_opts);
	g_object_unref(parser);
	if (st->gm == NULL) {
		st->why = "not a MIME message";
		return st;
	}
	arena_defer(m->a, mime_release, st);
	mime_walk(m, st, g_mime_message_get_mime_part(st->gm), 0);
	return st;
}

/* A readable summary of the caps that were hit (static). */
static const char *
mime_cap_why(unsigned f)
{
	if (f & MIME_F_DEPTH_CAP)
		return "MIME nesting cap reached";
	if (f & MIME_F_PARTS_CAP)
		return "MIME part cap reached";
	if (f & MIME_F_DECODED_CAP)
		return "MIME decoded bytes cap reached";
	return NULL;
}

int
mime_parts(struct msg *m, const struct mime_part **parts_r, size_t *n_r,
    const char **why_r)
{
	struct mime_state *st = mime_load(m);
	const char *w;

	*parts_r = st->parts;
	*n_r = st->n;
	if (st->gm == NULL) {
		*why_r = st->why;
		return -1;
	}
	if ((w = mime_cap_why(st->flags)) != NULL)
		*why_r = w;
	return 0;
}

unsigned
mime_flags(struct msg *m)
{
	return mime_load(m)->flags;
}

const char *
mime_text(struct msg *m, size_t *len_r)
{
	struct mime_state *st = mime_load(m);
	const struct msg_header *h;
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	if (st->text != NULL) {
		*len_r = st->text_len;
		return st->text;
	}
	if ((h = msg_header_get(m, "Subject", 0)) != NULL) {
		s = addr_decode_words(m->a, h->unfolded, h->unfolded_len);
		buf_adds(&b, s);
		buf_addc(&b, '\n');
	}
	for (i = 0; i < st->n; i++) {
		const struct mime_part *p = &st->parts[i];

		if (p->text == NULL || p->is_attachment)
			continue;
		buf_add(&b, p->text, p->text_len);
		buf_addc(&b, '\n');
	}
	st->text = arena_strndup(m->a, b.p != NULL ? b.p : "", b.len);
	st->text_len = b.len;
	buf_free(&b);
	*len_r = st->text_len;
	return st->text;
}

int
mime_urls(struct msg *m, const char ***urls_r, size_t *n_r)
{
	struct mime_state *st = mime_load(m);
	struct mime_urlset u = { m->a, NULL, 0, 0, 0 };
	size_t i;

	if (!st->urls_done) {
		for (i = 0; i < st->n; i++) {
			const struct mime_part *p = &st->parts[i];

			if (p->text == NULL)
				continue;
			if (p->is_html)
				mime_urls_href(&u, p->data, p->len);
			mime_urls_bare(&u, p->text, p->text_len);
		}
		st->urls = u.v;
		st->nurls = u.n;
		st->flags |= u.flags;
		st->urls_done = 1;
	}
	*urls_r = st->urls;
	*n_r = st->nurls;
	return 0;
}
