/*
 * SPF macro expansion, RFC 7208 section 7: the letters s l o d i p h c r
 * t v, the digit and "r" transformers, delimiters (7.3), URL escaping of
 * upper-case letters (7.3, RFC 3986 2.3 unreserved set) and the escapes
 * %%, %_ and %-. Syntax is checked by spf_macro_check() in spf_parse.c;
 * this file only expands.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define PARTS_MAX	128	/* parts kept per macro; more are joined */

/* The value of one macro letter (lower-case c). */
static const char *
letter_value(const struct spf_macro_env *e, int c, char *tmp, size_t tmplen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k;

	switch (c) {
	case 's':
		return e->sender != NULL ? e->sender : "";
	case 'l':
		return e->local != NULL && e->local[0] != '\0' ? e->local :
		    "postmaster";
	case 'o':
		return e->sender_domain != NULL ? e->sender_domain : "";
	case 'd':
		return e->domain != NULL ? e->domain : "";
	case 'h':
		return e->helo != NULL ? e->helo : "unknown";
	case 'r':
		return e->receiver != NULL ? e->receiver : "unknown";
	case 'v':
		return e->af == AF_INET6 ? "ip6" : "in-addr";
	case 'p':
		return e->ptr_name != NULL ? e->ptr_name(e->ptr_ctx) :
		    "unknown";
	case 't':
		(void)snprintf(tmp, tmplen, "%lld", (long long)e->now);
		return tmp;
	case 'c':
		if (inet_ntop(e->af, e->ip, tmp, (socklen_t)tmplen) == NULL)
			return "";
		return tmp;
	case 'i':
		if (e->af != AF_INET6)
			return inet_ntop(AF_INET, e->ip, tmp,
			    (socklen_t)tmplen) != NULL ? tmp : "";
		/* 7.3: IPv6 is dot-separated nibbles. */
		for (i = 0, k = 0; i < 16 && k + 4 < tmplen; i++) {
			tmp[k++] = hex[e->ip[i] >> 4];
			tmp[k++] = '.';
			tmp[k++] = hex[e->ip[i] & 15];
			tmp[k++] = i == 15 ? '\0' : '.';
		}
		return tmp;
	default:
		return "";
	}
}

static int
is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * Append value transformed: split on delims (default "."), optionally
 * reversed, the rightmost keep parts (0: all), joined with ".", then
 * URL-escaped when upper.
 */
static void
transform(struct buf *out, const char *v, const char *delims, int reverse,
    unsigned keep, int upper)
{
	const char *start[PARTS_MAX];
	size_t plen[PARTS_MAX], n = 0, i, first, k;
	const char *p = v, *q;

	for (;;) {
		for (q = p; *q != '\0' && strchr(delims, *q) == NULL; q++)
			;
		if (n == PARTS_MAX) {
			/* Fold the rest into the last part. */
			plen[n - 1] = strlen(start[n - 1]);
			break;
		}
		start[n] = p;
		plen[n++] = (size_t)(q - p);
		if (*q == '\0')
			break;
		p = q + 1;
	}
	if (reverse)
		for (i = 0; i < n / 2; i++) {
			const char *ts = start[i];
			size_t tl = plen[i];

			start[i] = start[n - 1 - i];
			plen[i] = plen[n - 1 - i];
			start[n - 1 - i] = ts;
			plen[n - 1 - i] = tl;
		}
	first = keep > 0 && keep < n ? n - keep : 0;
	for (i = first; i < n; i++) {
		if (i > first)
			buf_addc(out, '.');
		if (!upper) {
			buf_add(out, start[i], plen[i]);
			continue;
		}
		for (k = 0; k < plen[i]; k++) {
			unsigned char c = (unsigned char)start[i][k];

			if (is_unreserved(c))
				buf_addc(out, c);
			else
				buf_printf(out, "%%%02X", c);
		}
	}
}

/* Expand one %{...} at p (already checked); returns its length. */
static size_t
expand_one(struct buf *out, const char *p, const struct spf_macro_env *e)
{
	char tmp[80], delims[8] = "";
	const char *v;
	size_t i = 3, nd = 0;
	unsigned keep = 0;
	int reverse = 0, c = p[2];

	while (p[i] >= '0' && p[i] <= '9') {
		if (keep < 1000)
			keep = keep * 10 + (unsigned)(p[i] - '0');
		i++;
	}
	if (p[i] == 'r' || p[i] == 'R') {
		reverse = 1;
		i++;
	}
	while (p[i] != '}') {
		if (nd < sizeof(delims) - 1 && strchr(delims, p[i]) == NULL) {
			delims[nd++] = p[i];
			delims[nd] = '\0';
		}
		i++;
	}
	if (nd == 0)
		(void)memcpy(delims, ".", 2);
	v = letter_value(e, c | 0x20, tmp, sizeof(tmp));
	transform(out, v, delims, reverse, keep, c >= 'A' && c <= 'Z');
	return i + 1;
}

int
spf_macro_expand(struct arena *a, const char *p, size_t len,
    const struct spf_macro_env *env, int is_exp, char **out_r,
    const char **why_r)
{
	struct buf out = BUF_INIT;
	size_t i = 0, k;

	if (spf_macro_check(p, len, is_exp, why_r) == -1)
		return -1;
	if (memchr(p, '%', len) == NULL) {
		*out_r = arena_strndup(a, p, len);
		return 0;
	}
	while (i < len) {
		if (p[i] != '%') {
			for (k = i; k < len && p[k] != '%'; k++)
				;
			buf_add(&out, p + i, k - i);
			i = k;
		} else if (p[i + 1] == '%') {
			buf_addc(&out, '%');
			i += 2;
		} else if (p[i + 1] == '_') {
			buf_addc(&out, ' ');
			i += 2;
		} else if (p[i + 1] == '-') {
			buf_add(&out, "%20", 3);
			i += 2;
		} else
			i += expand_one(&out, p + i, env);
		if (out.len > SPF_EXPAND_MAX) {
			buf_free(&out);
			*why_r = "macro expansion too long";
			return -1;
		}
	}
	*out_r = arena_strndup(a, out.p != NULL ? out.p : "", out.len);
	buf_free(&out);
	return 0;
}
