/*
 * Address parsing: RFC 5322 section 3.4 (mailbox, name-addr, angle-addr,
 * group, address-list), section 3.2 (quoted-pair, CFWS with nested
 * comments, quoted-string, atoms, phrases) and the obsolete syntax of
 * section 4.4 (obs-route, obs-local-part and obs-domain with CFWS around
 * dots, obs-phrase with dots, empty list elements). RFC 5321 section 4.1.2
 * paths, including the null path and source routes. RFC 6532 UTF-8 in
 * atoms is accepted. Domains are mapped to lower-case A-labels with
 * libidn2 (UTS #46 non-transitional, then transitional, RFC 5891).
 * Display names are decoded per RFC 2047 sections 4 and 6.2 by a loose
 * decoder of our own, with charsets converted through GMime's iconv.
 */
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>
#include <idn2.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/mime_int.h"

#define ADDR_DOMAIN_BYTES_MAX	1024	/* before IDNA; DNS allows 253 */

/* Parser state over [p, e). */
struct addr_p {
	struct arena	*a;
	const char	*p;
	const char	*e;
	const char	*why;
	const char	*cmt;		/* last top-level comment seen */
	size_t		 cmt_len;
	struct buf	 tmp;		/* scratch for one token */
};

/* RFC 5322 3.2.3 atext, plus 8-bit bytes for RFC 6532 UTF-8. */
static inline int
addr_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * Skip CFWS (section 3.2.2). Comments nest; quoted-pairs are honoured.
 * CR and LF left in a value count as whitespace. Returns 1 if anything
 * was skipped, 0 if nothing, -1 for an unterminated or too deep comment.
 */
static int
addr_cfws(struct addr_p *ap)
{
	const char *start = ap->p, *c0;
	int depth;

	for (;;) {
		while (ap->p < ap->e && (*ap->p == ' ' || *ap->p == '\t' ||
		    *ap->p == '\r' || *ap->p == '\n'))
			ap->p++;
		if (ap->p == ap->e || *ap->p != '(')
			return ap->p != start;
		c0 = ++ap->p;
		for (depth = 1; depth > 0; ap->p++) {
			if (ap->p == ap->e) {
				ap->why = "unterminated comment";
				return -1;
			}
			if (*ap->p == '\\' && ap->p + 1 < ap->e)
				ap->p++;
			else if (*ap->p == '(' &&
			    ++depth > ADDR_COMMENT_DEPTH_MAX) {
				ap->why = "comments nested too deep";
				return -1;
			} else if (*ap->p == ')')
				depth--;
		}
		ap->cmt = c0;
		ap->cmt_len = (size_t)(ap->p - 1 - c0);
	}
}

/*
 * One word (section 3.2.5): an atom or a quoted-string, appended to ap->tmp
 * without quotes and with quoted-pairs resolved. Returns 1, 0 when the
 * next character starts neither, -1 for an unterminated quoted-string.
 */
static int
addr_word(struct addr_p *ap)
{
	const char *s = ap->p;

	if (ap->p < ap->e && *ap->p == '"') {
		for (ap->p++; ap->p < ap->e && *ap->p != '"'; ap->p++) {
			if (*ap->p == '\\' && ap->p + 1 < ap->e)
				ap->p++;
			buf_addc(&ap->tmp, *ap->p);
		}
		if (ap->p == ap->e) {
			ap->why = "unterminated quoted string";
			return -1;
		}
		ap->p++;
		return 1;
	}
	while (ap->p < ap->e && addr_atext((unsigned char)*ap->p))
		ap->p++;
	if (ap->p == s)
		return 0;
	buf_add(&ap->tmp, s, (size_t)(ap->p - s));
	return 1;
}

/*
 * local-part (section 3.4.1 and obs-local-part of 4.4): words joined by
 * dots, CFWS allowed around them. Empty words between dots are accepted
 * as so many real-world mailers write "a..b". Leaves the text in ap->tmp.
 */
static int
addr_local(struct addr_p *ap)
{
	int rc;

	buf_reset(&ap->tmp);
	buf_addc(&ap->tmp, '\0');
	ap->tmp.len = 0;
	if ((rc = addr_word(ap)) != 1) {
		if (rc == 0)
			ap->why = "expected a local part";
		return -1;
	}
	for (;;) {
		if (addr_cfws(ap) == -1)
			return -1;
		if (ap->p == ap->e || *ap->p != '.')
			return 0;
		ap->p++;
		buf_addc(&ap->tmp, '.');
		if (addr_cfws(ap) == -1 || addr_word(ap) == -1)
			return -1;
	}
}

/*
 * domain (section 3.4.1 and obs-domain): a dot-atom or a domain-literal.
 * Appends to ap->tmp. Returns 0 or -1.
 */
static int
addr_domain(struct addr_p *ap)
{
	const char *s;

	if (addr_cfws(ap) == -1)
		return -1;
	if (ap->p < ap->e && *ap->p == '[') {
		for (s = ap->p++; ap->p < ap->e && *ap->p != ']'; ap->p++) {
			if (*ap->p == '[' || (*ap->p == '\\' &&
			    ++ap->p == ap->e))
				break;
		}
		if (ap->p == ap->e || *ap->p != ']') {
			ap->why = "unterminated domain literal";
			return -1;
		}
		ap->p++;
		buf_add(&ap->tmp, s, (size_t)(ap->p - s));
		return addr_cfws(ap) == -1 ? -1 : 0;
	}
	for (;;) {
		s = ap->p;
		while (ap->p < ap->e && addr_atext((unsigned char)*ap->p))
			ap->p++;
		if (ap->p == s) {
			ap->why = "expected a domain";
			return -1;
		}
		buf_add(&ap->tmp, s, (size_t)(ap->p - s));
		if (addr_cfws(ap) == -1)
			return -1;
		if (ap->p == ap->e || *ap->p != '.')
			return 0;
		ap->p++;
		buf_addc(&ap->tmp, '.');
		if (addr_cfws(ap) == -1)
			return -1;
		if (ap->p == ap->e || !addr_atext((unsigned char)*ap->p))
			return 0;	/* trailing dot: "example.com." */
	}
}

/* Fill r from the addr-spec at ap->p (CFWS before it already skipped). */
static int
addr_spec(struct addr_p *ap, struct mail_addr *r, int need_domain)
{
	size_t llen;

	if (addr_local(ap) == -1)
		return -1;
	if (ap->p == ap->e || *ap->p != '@') {
		if (need_domain) {
			ap->why = "no @ in address";
			return -1;
		}
		r->local = arena_strndup(ap->a, ap->tmp.p, ap->tmp.len);
		r->domain = NULL;
		return 0;
	}
	ap->p++;
	llen = ap->tmp.len;
	if (addr_domain(ap) == -1)
		return -1;
	r->local = arena_strndup(ap->a, ap->tmp.p, llen);
	r->domain = arena_strndup(ap->a, ap->tmp.p + llen,
	    ap->tmp.len - llen);
	if (r->domain[0] != '[')
		r->domain_ace = addr_domain_ace(ap->a, r->domain, &ap->why);
	ap->why = NULL;
	return 0;
}

/*
 * angle-addr after its "<": an optional obs-route ("@a,@b:") that is
 * dropped, the addr-spec, then ">". An empty "<>" is refused here; the
 * SMTP path parser handles it.
 */
static int
addr_angle(struct addr_p *ap, struct mail_addr *r, int need_domain)
{
	if (addr_cfws(ap) == -1)
		return -1;
	if (ap->p < ap->e && (*ap->p == '@' || *ap->p == ',')) {
		/* obs-route = obs-domain-list ":" (section 4.4). */
		while (ap->p < ap->e && (*ap->p == '@' || *ap->p == ',')) {
			if (*ap->p++ == '@') {
				buf_reset(&ap->tmp);
				if (addr_domain(ap) == -1)
					return -1;
			} else if (addr_cfws(ap) == -1)
				return -1;
		}
		if (ap->p == ap->e || *ap->p != ':') {
			ap->why = "bad source route";
			return -1;
		}
		ap->p++;
		if (addr_cfws(ap) == -1)
			return -1;
	}
	if (ap->p < ap->e && *ap->p == '>') {
		ap->why = "empty address";
		return -1;
	}
	if (addr_spec(ap, r, need_domain) == -1)
		return -1;
	if (addr_cfws(ap) == -1)
		return -1;
	if (ap->p == ap->e || *ap->p != '>') {
		ap->why = "expected '>'";
		return -1;
	}
	ap->p++;
	return 0;
}

/*
 * A phrase (display name or group name, obs-phrase allows dots): words
 * joined by one space where CFWS separated them. Returns the number of
 * words, the raw text in *text_r (arena), or -1.
 */
static int
addr_phrase(struct addr_p *ap, char **text_r)
{
	int nw = 0, gap, rc;

	buf_reset(&ap->tmp);
	for (;;) {
		size_t before = ap->tmp.len;

		if ((gap = addr_cfws(ap)) == -1)
			return -1;
		if (gap && before > 0)
			buf_addc(&ap->tmp, ' ');
		if (ap->p < ap->e && *ap->p == '.' && nw > 0) {
			buf_addc(&ap->tmp, '.');
			ap->p++;
			continue;
		}
		if ((rc = addr_word(ap)) == -1)
			return -1;
		if (rc == 0) {
			if (gap && before > 0)
				ap->tmp.len = before;
			break;
		}
		nw++;
	}
	*text_r = arena_strndup(ap->a, ap->tmp.p != NULL ? ap->tmp.p : "",
	    ap->tmp.len);
	return nw;
}

/* Grow-and-append for the result array. */
static int
addr_push(struct addr_p *ap, struct mail_addr **v, size_t *n, size_t *cap,
    const struct mail_addr *x)
{
	if (*n == ADDR_LIST_MAX) {
		ap->why = "too many addresses";
		return -1;
	}
	if (*n == *cap) {
		struct mail_addr *nv;

		*cap = *cap == 0 ? 4 : *cap * 2;
		nv = arena_calloc(ap->a, *cap, sizeof(*nv));
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = *x;
	return 0;
}

/*
 * One mailbox: name-addr or addr-spec, the display name decoded. A
 * comment after a bare addr-spec ("a@b (Ann)") serves as display name,
 * as mail readers show it. With allow_group, a phrase followed by ":"
 * is reported as a group name in *group_r instead (returns 1).
 */
static int
addr_mailbox(struct addr_p *ap, struct mail_addr *r, int allow_group,
    char **group_r)
{
	const char *start;
	char *disp;
	int nw;

	memset(r, 0, sizeof(*r));
	if (addr_cfws(ap) == -1)
		return -1;
	start = ap->p;
	if ((nw = addr_phrase(ap, &disp)) == -1)
		return -1;
	if (ap->p < ap->e && *ap->p == '<') {
		ap->p++;
		if (addr_angle(ap, r, 1) == -1)
			return -1;
		if (nw > 0)
			r->display = addr_decode_words(ap->a, disp,
			    strlen(disp));
		return addr_cfws(ap) == -1 ? -1 : 0;
	}
	if (ap->p < ap->e && *ap->p == ':' && nw > 0 && allow_group) {
		ap->p++;
		*group_r = disp;
		return 1;
	}
	if (nw == 0) {
		ap->why = "expected an address";
		return -1;
	}
	ap->p = start;
	ap->cmt = NULL;
	if (addr_spec(ap, r, 1) == -1)
		return -1;
	if (addr_cfws(ap) == -1)
		return -1;
	if (ap->p < ap->e && *ap->p == '<') {
		/*
		 * "service@paypal.com <x@evil.example>": an unquoted @ in
		 * a display name. Invalid, common in phishing; mail readers
		 * show the text as the name, so we do too.
		 */
		disp = str_trim(ap->a, start, (size_t)(ap->p - start));
		memset(r, 0, sizeof(*r));
		ap->p++;
		if (addr_angle(ap, r, 1) == -1)
			return -1;
		r->display = addr_decode_words(ap->a, disp, strlen(disp));
		return addr_cfws(ap) == -1 ? -1 : 0;
	}
	if (ap->cmt != NULL)
		r->display = addr_decode_words(ap->a, ap->cmt, ap->cmt_len);
	return 0;
}

/*
 * The members of a group after its ":", up to ";". A missing ";" at the
 * end of the value is forgiven.
 */
static int
addr_group(struct addr_p *ap, const char *name, struct mail_addr **v,
    size_t *n, size_t *cap)
{
	struct mail_addr m;
	char *dummy;

	for (;;) {
		if (addr_cfws(ap) == -1)
			return -1;
		if (ap->p == ap->e)
			return 0;
		if (*ap->p == ';') {
			ap->p++;
			return addr_cfws(ap) == -1 ? -1 : 0;
		}
		if (*ap->p == ',') {
			ap->p++;
			continue;
		}
		if (addr_mailbox(ap, &m, 0, &dummy) == -1)
			return -1;
		m.group = name;
		if (addr_push(ap, v, n, cap, &m) == -1)
			return -1;
		if (ap->p < ap->e && *ap->p != ',' && *ap->p != ';') {
			ap->why = "expected ',' or ';' in group";
			return -1;
		}
	}
}

int
addr_parse_list(struct arena *a, const char *value, size_t len,
    struct mail_addr **addrs_r, size_t *n_r, const char **why_r)
{
	struct addr_p ap = { a, value, value + len, NULL, NULL, 0, BUF_INIT };
	struct mail_addr m, *v = NULL;
	size_t n = 0, cap = 0;
	const char *gname;
	char *group;
	int rc = 0, r;

	*addrs_r = NULL;
	*n_r = 0;
	for (;;) {
		if (addr_cfws(&ap) == -1)
			goto fail;
		if (ap.p == ap.e)
			break;
		if (*ap.p == ',') {		/* obs-addr-list: empty */
			ap.p++;
			continue;
		}
		group = NULL;
		if ((r = addr_mailbox(&ap, &m, 1, &group)) == -1)
			goto fail;
		if (r == 1) {
			gname = addr_decode_words(a, group, strlen(group));
			if (addr_group(&ap, gname, &v, &n, &cap) == -1)
				goto fail;
		} else if (addr_push(&ap, &v, &n, &cap, &m) == -1)
			goto fail;
		if (ap.p < ap.e && *ap.p != ',') {
			ap.why = "expected ',' between addresses";
			goto fail;
		}
	}
	goto out;
fail:
	rc = -1;
	*why_r = ap.why != NULL ? ap.why : "bad address";
out:
	buf_free(&ap.tmp);
	*addrs_r = v;
	*n_r = n;
	return rc;
}

int
addr_parse_path(struct arena *a, const char *s, struct mail_addr *r,
    const char **why_r)
{
	struct addr_p ap = { a, s, s + strlen(s), NULL, NULL, 0, BUF_INIT };
	int rc = -1;

	memset(r, 0, sizeof(*r));
	while (ap.p < ap.e && (*ap.p == ' ' || *ap.p == '\t'))
		ap.p++;
	while (ap.e > ap.p && (ap.e[-1] == ' ' || ap.e[-1] == '\t' ||
	    ap.e[-1] == '\r' || ap.e[-1] == '\n'))
		ap.e--;
	if (ap.e - ap.p == 2 && ap.p[0] == '<' && ap.p[1] == '>') {
		r->local = "";			/* RFC 5321 4.5.5 null path */
		return 0;
	}
	if (ap.p == ap.e) {
		*why_r = "empty path";
		return -1;
	}
	if (*ap.p == '<') {
		ap.p++;
		if (addr_angle(&ap, r, 0) == -1)
			goto out;
	} else if (addr_spec(&ap, r, 0) == -1)
		goto out;
	if (ap.p != ap.e) {
		ap.why = "junk after path";
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		*why_r = ap.why != NULL ? ap.why : "bad path";
		memset(r, 0, sizeof(*r));
	}
	buf_free(&ap.tmp);
	return rc;
}

/* LDH labels (plus "_", used in DNS names such as _dmarc), 1-63 bytes. */
static int
addr_ascii_ok(const char *d, size_t len)
{
	size_t i, ll = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (ll == 0)
				return 0;
			ll = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++ll > 63)
			return 0;
	}
	return ll > 0;
}

const char *
addr_domain_ace(struct arena *a, const char *domain, const char **why_r)
{
	size_t len = strlen(domain), i;
	int ascii = 1, rc;
	char *in, *out = NULL, *r;

	if (len > 0 && domain[len - 1] == '.')
		len--;				/* the root label */
	if (len == 0 || len > ADDR_DOMAIN_BYTES_MAX) {
		*why_r = len == 0 ? "empty domain" : "domain too long";
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)domain[i] >= 0x80)
			ascii = 0;
	if (ascii && strstr(domain, "xn--") == NULL &&
	    strstr(domain, "XN--") == NULL && strstr(domain, "xN--") == NULL &&
	    strstr(domain, "Xn--") == NULL) {
		if (!addr_ascii_ok(domain, len)) {
			*why_r = "invalid domain name";
			return NULL;
		}
		return str_lower(arena_strndup(a, domain, len));
	}
	in = arena_strndup(a, domain, len);
	rc = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_to_ascii_8z(in, &out, IDN2_TRANSITIONAL);
	if (rc != IDN2_OK) {
		*why_r = idn2_strerror(rc);
		return NULL;
	}
	r = str_lower(arena_strdup(a, out));
	idn2_free(out);
	if (!addr_ascii_ok(r, strlen(r))) {
		*why_r = "invalid domain name";
		return NULL;
	}
	return r;
}

/*
 * One encoded-word at p (RFC 2047 section 2: "=?" charset "?" B|Q "?"
 * text "?="), decoded bytes appended to out. The RFC 2231 language
 * suffix ("utf-8*en") is dropped. Returns the end of the word, or NULL if
 * p does not start a well-formed one.
 */
static const char *
addr_word2047(const char *p, const char *e, char *cs, size_t cssize,
    struct buf *out)
{
	const char *c0 = p + 2, *t, *te;
	size_t n, len0 = out->len;
	char *star;
	int enc, hi, lo;

	for (t = c0; t < e && *t != '?' && *t > ' ' && *t < 0x7f; t++)
		;
	if (t == e || *t != '?' || t == c0 || (size_t)(t - c0) >= cssize ||
	    e - t < 4 || t[2] != '?')
		return NULL;
	n = (size_t)(t - c0);
	memcpy(cs, c0, n);
	cs[n] = '\0';
	if ((star = memchr(cs, '*', n)) != NULL)
		*star = '\0';
	enc = t[1] | 0x20;
	t += 3;
	for (te = t; te + 1 < e && !(te[0] == '?' && te[1] == '='); te++)
		if (*te == ' ' || *te == '\t')
			return NULL;
	if (te + 1 >= e)
		return NULL;
	if (enc == 'b') {
		if (b64_decode(t, (size_t)(te - t), out) == -1) {
			out->len = len0;
			return NULL;
		}
	} else if (enc == 'q') {
		for (; t < te; t++) {
			if (*t == '_')
				buf_addc(out, ' ');
			else if (*t == '=' && te - t > 2 &&
			    (hi = g_ascii_xdigit_value(t[1])) >= 0 &&
			    (lo = g_ascii_xdigit_value(t[2])) >= 0) {
				buf_addc(out, hi * 16 + lo);
				t += 2;
			} else
				buf_addc(out, *t);
		}
	} else
		return NULL;
	return te + 2;
}

/* Convert the pending decoded bytes from charset cs and append them. */
static void
addr_flush(struct buf *pend, const char *cs, struct buf *out)
{
	int bad = 0;
	char *u;

	if (pend->len == 0)
		return;
	u = mime_charset_utf8(pend->p, pend->len, cs[0] ? cs : NULL, &bad);
	buf_adds(out, u);
	g_free(u);
	buf_reset(pend);
}

/* Append raw text: UTF-8 as is, other 8-bit bytes as windows-1252. */
static void
addr_lit(const char *p, const char *e, struct buf *out)
{
	const char *q;
	int bad = 0;
	char *u;

	for (q = p; q < e && (unsigned char)*q < 0x80; q++)
		;
	if (q == e) {
		buf_add(out, p, (size_t)(e - p));
		return;
	}
	u = mime_charset_utf8(p, (size_t)(e - p), NULL, &bad);
	buf_adds(out, u);
	g_free(u);
}

const char *
addr_decode_words(struct arena *a, const char *p, size_t len)
{
	struct buf out = BUF_INIT, pend = BUF_INIT, w = BUF_INIT;
	const char *e, *q, *lit, *we;
	char cs[64], pcs[64] = "", *r;
	int prev_ew = 0;

	if ((e = memchr(p, '\0', len)) != NULL)
		len = (size_t)(e - p);
	e = p + len;
	for (q = p; q < e && (unsigned char)*q < 0x80 && !(*q == '=' &&
	    q + 1 < e && q[1] == '?'); q++)
		;
	if (q == e)
		return arena_strndup(a, p, len);
	/*
	 * Loose decoding as mail readers do: encoded-words are found
	 * anywhere, and adjacent ones of one charset are decoded together
	 * so a character split between words survives (section 5 forbids
	 * the split, senders do it anyway).
	 */
	for (lit = q = p; q < e; ) {
		q = memchr(q, '=', (size_t)(e - q));
		if (q == NULL)
			break;
		buf_reset(&w);
		if (q + 1 >= e || q[1] != '?' ||
		    (we = addr_word2047(q, e, cs, sizeof(cs), &w)) == NULL) {
			q++;
			continue;
		}
		if (lit < q) {
			const char *s;

			for (s = lit; s < q && (*s == ' ' || *s == '\t' ||
			    *s == '\r' || *s == '\n'); s++)
				;
			if (s < q || !prev_ew) {
				addr_flush(&pend, pcs, &out);
				addr_lit(lit, q, &out);
			}
		}
		if (pend.len > 0 && g_ascii_strcasecmp(cs, pcs) != 0)
			addr_flush(&pend, pcs, &out);
		memcpy(pcs, cs, sizeof(pcs));
		buf_add(&pend, w.p, w.len);
		prev_ew = 1;
		lit = q = we;
	}
	addr_flush(&pend, pcs, &out);
	if (lit < e)
		addr_lit(lit, e, &out);
	r = arena_strndup(a, out.p != NULL ? out.p : "", out.len);
	buf_free(&out);
	buf_free(&pend);
	buf_free(&w);
	return r;
}

const char *
addr_bare(struct arena *a, const char *s)
{
	size_t n;

	if (s == NULL)
		return "";
	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return arena_strndup(a, s + 1, n - 2);
	return s;
}
