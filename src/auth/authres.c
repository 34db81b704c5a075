/*
 * Authentication-Results fields (RFC 8601 section 2.2): a small lexer for
 * CFWS (RFC 5322 3.2.2, nested comments), tokens (RFC 2045 5.1) and
 * quoted strings, the resinfo grammar on top of it, and the builder for
 * the field we add. authserv-id matching for removal of forged fields
 * follows section 5.
 */
#include <string.h>

#include "auth/authres.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

#define COMMENT_DEPTH_MAX	32

struct lex {
	struct arena	*a;
	const char	*p, *end;
	const char	*comment;	/* last comment text seen */
};

/* RFC 2045 tspecials plus controls and space end a token. */
static int
is_tchar(int c)
{
	if (c <= ' ' || c >= 127)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Skip white space and comments; -1 on an unterminated comment. */
static int
skip_cfws(struct lex *l)
{
	const char *start;
	int depth;

	for (;;) {
		while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
		    *l->p == '\r' || *l->p == '\n'))
			l->p++;
		if (l->p >= l->end || *l->p != '(')
			return 0;
		start = ++l->p;
		depth = 1;
		while (l->p < l->end && depth > 0) {
			if (*l->p == '\\' && l->p + 1 < l->end)
				l->p++;
			else if (*l->p == '(' && ++depth > COMMENT_DEPTH_MAX)
				return -1;
			else if (*l->p == ')')
				depth--;
			l->p++;
		}
		if (depth > 0)
			return -1;
		l->comment = str_trim(l->a, start, (size_t)(l->p - start - 1));
	}
}

/* A token; NULL if none here. */
static const char *
token(struct lex *l)
{
	const char *s = l->p;

	while (l->p < l->end && is_tchar((unsigned char)*l->p))
		l->p++;
	return l->p > s ? arena_strndup(l->a, s, (size_t)(l->p - s)) : NULL;
}

/* A Keyword (RFC 8601 2.2: letters, digits, "-", "_"); NULL if none. */
static const char *
keyword(struct lex *l)
{
	const char *s = l->p;

	while (l->p < l->end && ((*l->p >= 'a' && *l->p <= 'z') ||
	    (*l->p >= 'A' && *l->p <= 'Z') || (*l->p >= '0' &&
	    *l->p <= '9') || *l->p == '-' || *l->p == '_'))
		l->p++;
	return l->p > s ? arena_strndup(l->a, s, (size_t)(l->p - s)) : NULL;
}

/* A quoted string (unescaped); NULL if unterminated. */
static const char *
quoted(struct lex *l)
{
	struct buf b = BUF_INIT;
	const char *r;

	l->p++;
	while (l->p < l->end && *l->p != '"') {
		if (*l->p == '\\' && l->p + 1 < l->end)
			l->p++;
		buf_addc(&b, *l->p++);
	}
	if (l->p >= l->end) {
		buf_free(&b);
		return NULL;
	}
	l->p++;
	r = arena_strndup(l->a, b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	return r;
}

/* value = token / quoted-string. */
static const char *
value(struct lex *l)
{
	if (l->p < l->end && *l->p == '"')
		return quoted(l);
	return token(l);
}

/* pvalue: a value, or [local-part] "@" domain (RFC 8601 2.2). */
static const char *
pvalue(struct lex *l)
{
	const char *s = l->p;

	if (l->p < l->end && *l->p == '"')
		return quoted(l);
	while (l->p < l->end && (is_tchar((unsigned char)*l->p) ||
	    *l->p == '@' || *l->p == '/' || *l->p == ':' || *l->p == '[' ||
	    *l->p == ']' || *l->p == '=' || *l->p == '<' || *l->p == '>'))
		l->p++;
	return arena_strndup(l->a, s, (size_t)(l->p - s));
}

static int
expect(struct lex *l, char c)
{
	if (skip_cfws(l) == -1 || l->p >= l->end || *l->p != c)
		return -1;
	l->p++;
	return skip_cfws(l);
}

/* One resinfo after its ";" (RFC 8601 2.2). */
static int
resinfo(struct lex *l, struct authres_result *r, int *trunc,
    const char **why_r)
{
	const char *t, *v;
	struct authres_prop *pp;

	memset(r, 0, sizeof(*r));
	l->comment = NULL;
	if ((r->method = keyword(l)) == NULL) {
		*why_r = "method expected";
		return -1;
	}
	if (skip_cfws(l) == -1)
		goto bad;
	if (l->p < l->end && *l->p == '/') {	/* method-version */
		l->p++;
		if (skip_cfws(l) == -1 || keyword(l) == NULL)
			goto bad;
	}
	if (expect(l, '=') == -1 || (r->result = keyword(l)) == NULL) {
		*why_r = "method=result expected";
		return -1;
	}
	for (;;) {
		if (skip_cfws(l) == -1)
			goto bad;
		if (l->comment != NULL && r->comment == NULL)
			r->comment = l->comment;
		if (l->p >= l->end || *l->p == ';')
			return 0;
		if ((t = keyword(l)) == NULL)
			goto bad;
		if (skip_cfws(l) == -1)
			goto bad;
		if (str_casecmp(t, "reason") == 0 && l->p < l->end &&
		    *l->p == '=') {
			if (expect(l, '=') == -1 || (v = value(l)) == NULL)
				goto bad;
			r->reason = v;
			continue;
		}
		pp = r->nprops < AUTHRES_PROPS_MAX ? &r->props[r->nprops] :
		    NULL;
		if (pp == NULL)
			*trunc = 1;
		if (expect(l, '.') == -1 || (v = keyword(l)) == NULL)
			goto bad;
		if (pp != NULL) {
			pp->ptype = t;
			pp->property = v;
		}
		if (expect(l, '=') == -1 || (v = pvalue(l)) == NULL)
			goto bad;
		if (pp != NULL) {
			pp->value = v;
			r->nprops++;
		}
	}
bad:
	*why_r = "bad resinfo syntax";
	return -1;
}

int
authres_parse(struct arena *a, const char *v, size_t len,
    struct authres **ar_r, const char **why_r)
{
	struct lex l = { a, v, v + len, NULL };
	struct authres *ar = arena_zalloc(a, sizeof(*ar));
	struct authres_result r;
	unsigned long long ver;
	const char *t;
	int trunc = 0;

	if (len > AUTHRES_FIELD_MAX) {
		*why_r = "field too long";
		return -1;
	}
	ar->version = 1;
	ar->res = arena_calloc(a, AUTHRES_RESULTS_MAX, sizeof(*ar->res));
	if (skip_cfws(&l) == -1 || (ar->authserv_id = value(&l)) == NULL) {
		*why_r = "authserv-id expected";
		return -1;
	}
	if (skip_cfws(&l) == -1)
		goto bad;
	if (l.p < l.end && *l.p >= '0' && *l.p <= '9') {
		if ((t = token(&l)) == NULL ||
		    str_to_ull(t, 1000000, &ver) == -1)
			goto bad;
		ar->version = (unsigned)ver;
		if (skip_cfws(&l) == -1)
			goto bad;
	}
	if (l.p >= l.end || *l.p != ';') {
		*why_r = "\";\" expected after authserv-id";
		return -1;
	}
	while (l.p < l.end && *l.p == ';') {
		l.p++;
		if (skip_cfws(&l) == -1)
			goto bad;
		if (ar->nres == 0 && l.end - l.p >= 4 &&
		    str_ncasecmp(l.p, "none", 4) == 0 &&
		    (l.p + 4 == l.end || !is_tchar((unsigned char)l.p[4]))) {
			l.p += 4;
			if (skip_cfws(&l) == -1 || l.p < l.end)
				goto bad;
			ar->is_none = 1;
			*ar_r = ar;
			return 0;
		}
		if (l.p >= l.end)	/* a trailing ";" is common */
			break;
		if (resinfo(&l, &r, &trunc, why_r) == -1)
			return -1;
		if (ar->nres < AUTHRES_RESULTS_MAX)
			ar->res[ar->nres++] = r;
		else
			trunc = 1;
	}
	if (l.p < l.end)
		goto bad;
	if (ar->nres == 0) {
		*why_r = "no result";
		return -1;
	}
	ar->is_truncated = trunc;
	*ar_r = ar;
	return 0;
bad:
	*why_r = "bad syntax";
	return -1;
}

const char *
authres_authserv_id(struct arena *a, const char *v, size_t len)
{
	struct lex l = { a, v, v + len, NULL };
	const char *id;

	if (len > AUTHRES_FIELD_MAX)
		l.end = v + AUTHRES_FIELD_MAX;
	if (skip_cfws(&l) == -1)
		return NULL;
	id = value(&l);
	return id != NULL && *id != '\0' ? id : NULL;
}

int
authres_is_ours(struct arena *a, const char *v, size_t len, const char *id)
{
	const char *got = authres_authserv_id(a, v, len);

	return got != NULL && id != NULL && str_casecmp(got, id) == 0;
}

const struct authres_result *
authres_find(const struct authres *ar, const char *method)
{
	size_t i;

	for (i = 0; i < ar->nres; i++)
		if (str_casecmp(ar->res[i].method, method) == 0)
			return &ar->res[i];
	return NULL;
}

void
authres_prop_add(struct authres_result *r, const char *ptype,
    const char *property, const char *v)
{
	if (r->nprops >= AUTHRES_PROPS_MAX || v == NULL)
		return;
	r->props[r->nprops].ptype = ptype;
	r->props[r->nprops].property = property;
	r->props[r->nprops++].value = v;
}

/* Append s as a token if it is one, else as a quoted string. */
static void
add_value(struct buf *b, const char *s, int allow_at)
{
	const char *p;
	int ok = *s != '\0';

	for (p = s; *p != '\0' && ok; p++)
		if (!is_tchar((unsigned char)*p) && !(allow_at &&
		    (*p == '@' || *p == '/' || *p == ':')))
			ok = 0;
	if (ok) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' && *p != '\t')
			continue;	/* no CR/LF smuggled into headers */
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* A comment's text with parentheses balanced and controls dropped. */
static void
add_comment(struct buf *b, const char *s)
{
	buf_adds(b, " (");
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < ' ')
			continue;
		if (*s == '(' || *s == ')' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, ')');
}

const char *
authres_build(struct arena *a, const char *authserv_id,
    const struct authres_result *res, size_t n)
{
	struct buf b = BUF_INIT;
	const char *r;
	size_t i, j;

	add_value(&b, authserv_id, 0);
	if (n == 0)
		buf_adds(&b, "; none");
	for (i = 0; i < n; i++) {
		buf_printf(&b, "; %s=%s", res[i].method, res[i].result);
		if (res[i].comment != NULL)
			add_comment(&b, res[i].comment);
		if (res[i].reason != NULL) {
			buf_adds(&b, " reason=");
			add_value(&b, res[i].reason, 0);
		}
		for (j = 0; j < res[i].nprops; j++) {
			buf_printf(&b, " %s.%s=", res[i].props[j].ptype,
			    res[i].props[j].property);
			add_value(&b, res[i].props[j].value, 1);
		}
	}
	r = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return r;
}
