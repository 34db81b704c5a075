/*
 * DKIM canonicalisation (RFC 6376 section 3.4): the "simple" and
 * "relaxed" forms of header fields (3.4.1, 3.4.2) and bodies (3.4.3,
 * 3.4.4), the selection of signed fields from the bottom up with
 * over-signing (5.4.2), removal of the b= value from the signature field
 * (3.7) and the body hash with an optional l= limit (3.4.5, 3.7).
 *
 * The relaxed body is hashed straight from the message wherever a line is
 * already canonical; only lines that need rewriting are copied, so the
 * common case costs one scan and one hash of the bytes.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/dkim_int.h"
#include "lib/buf.h"
#include "mail/msg.h"

#define BH_CHUNK	4096

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Relaxed form of one field (section 3.4.2), CRLF-terminated. */
static void
canon_relaxed(struct buf *out, const char *raw, size_t len)
{
	const char *colon = memchr(raw, ':', len), *p, *e = raw + len;
	size_t nl;
	int sp = 0, any = 0;

	if (colon == NULL) {
		buf_add(out, raw, len);
		return;
	}
	for (nl = (size_t)(colon - raw); nl > 0 && is_wsp(raw[nl - 1]); nl--)
		;
	buf_reserve(out, len + 2);
	for (p = raw; p < raw + nl; p++)
		out->p[out->len++] = (char)lower((unsigned char)*p);
	out->p[out->len++] = ':';
	for (p = colon + 1; p < e; p++) {
		if (*p == '\r' || *p == '\n')
			continue;		/* unfold */
		if (is_wsp(*p)) {
			sp = 1;
			continue;
		}
		if (sp && any)
			out->p[out->len++] = ' ';
		sp = 0;
		any = 1;
		out->p[out->len++] = *p;
	}
	out->p[out->len++] = '\r';
	out->p[out->len++] = '\n';
	out->p[out->len] = '\0';
}

/*
 * Find the value of the b= tag in a signature field: [*s_r, *e_r) runs
 * from just after "=" to the next ";" or the end of the field (its final
 * CRLF excluded), so surrounding whitespace goes too. Returns 0 if found.
 */
static int
find_b(const char *raw, size_t len, const char **s_r, const char **e_r)
{
	const char *p = memchr(raw, ':', len), *e = raw + len, *semi;

	if (p == NULL)
		return -1;
	if (len >= 2 && e[-2] == '\r' && e[-1] == '\n')
		e -= 2;
	for (p++; p < e; p = semi + 1) {
		semi = memchr(p, ';', (size_t)(e - p));
		if (semi == NULL)
			semi = e;
		while (p < semi && (is_wsp(*p) || *p == '\r' || *p == '\n'))
			p++;
		if (p < semi && *p == 'b') {
			const char *q = p + 1;

			while (q < semi && (is_wsp(*q) || *q == '\r' ||
			    *q == '\n'))
				q++;
			if (q < semi && *q == '=') {
				*s_r = q + 1;
				*e_r = semi;
				return 0;
			}
		}
		if (semi == e)
			break;
	}
	return -1;
}

void
dkim_canon_header(struct buf *out, enum dkim_canon c, const char *raw,
    size_t len, int strip_b)
{
	const char *bs, *be;
	struct buf tmp = BUF_INIT;
	size_t start = out->len;

	if (strip_b && find_b(raw, len, &bs, &be) == 0) {
		buf_add(&tmp, raw, (size_t)(bs - raw));
		buf_add(&tmp, be, (size_t)(raw + len - be));
		raw = tmp.p;
		len = tmp.len;
	}
	if (c == DKIM_CANON_RELAXED)
		canon_relaxed(out, raw, len);
	else
		buf_add(out, raw, len);
	if (strip_b && out->len >= start + 2 &&
	    memcmp(out->p + out->len - 2, "\r\n", 2) == 0) {
		out->len -= 2;
		out->p[out->len] = '\0';
	}
	buf_free(&tmp);
}

void
dkim_canon_headers(struct buf *out, enum dkim_canon c, const struct msg *m,
    const char *const *names, const size_t *lens, size_t n,
    const struct msg_header *skip)
{
	size_t i, j, k, seen;

	for (i = 0; i < n; i++) {
		/* This is the (k+1)-th use of the name, counted bottom-up. */
		for (k = 0, j = 0; j < i; j++)
			if (lens[j] == lens[i] &&
			    strncasecmp(names[j], names[i], lens[i]) == 0)
				k++;
		seen = 0;
		for (j = m->nhdr; j-- > 0;) {
			const struct msg_header *h = &m->hdr[j];

			if (h == skip || h->name_len != lens[i] ||
			    strncasecmp(h->name, names[i], lens[i]) != 0)
				continue;
			if (seen++ == k) {
				dkim_canon_header(out, c, h->raw, h->raw_len,
				    0);
				break;
			}
		}
	}
}

/*
 * Body hashing state: the digest, the l= limit and the canonical length.
 */
struct bh {
	EVP_MD_CTX	*md;
	long long	 limit;		/* -1: none */
	size_t		 hashed;
	size_t		 total;
	char		 tmp[BH_CHUNK];
};

static void
bh_emit(struct bh *h, const char *p, size_t n)
{
	size_t take = n;

	h->total += n;
	if (h->limit >= 0) {
		if (h->hashed >= (size_t)h->limit)
			return;
		if (take > (size_t)h->limit - h->hashed)
			take = (size_t)h->limit - h->hashed;
	}
	if (take > 0)
		EVP_DigestUpdate(h->md, p, take);
	h->hashed += take;
}

static void
bh_crlfs(struct bh *h, size_t n)
{
	static const char crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

	while (n > 0) {
		size_t k = n > 8 ? 8 : n;

		bh_emit(h, crlfs, 2 * k);
		n -= k;
	}
}

static void
body_simple(struct bh *h, const char *p, size_t len)
{
	/* Section 3.4.3: trailing empty lines go; one CRLF ends the body. */
	while (len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n')
		len -= 2;
	bh_emit(h, p, len);
	bh_emit(h, "\r\n", 2);
}

/*
 * Relaxed form of one line's content [l, e) into h->tmp (section 3.4.4:
 * WSP runs become one SP, WSP at the end goes). Returns the length.
 */
static size_t
relax_line(struct bh *h, const char *l, const char *e)
{
	size_t n = 0;
	int sp = 0;

	for (; l < e; l++) {
		if (is_wsp(*l)) {
			sp = 1;
			continue;
		}
		if (sp) {
			if (n == BH_CHUNK) {
				bh_emit(h, h->tmp, n);
				n = 0;
			}
			h->tmp[n++] = ' ';
			sp = 0;
		}
		if (n == BH_CHUNK) {
			bh_emit(h, h->tmp, n);
			n = 0;
		}
		h->tmp[n++] = *l;
	}
	return n;
}

#define B_ONES	0x0101010101010101ULL
#define B_HIGHS	0x8080808080808080ULL

/*
 * High bit set in each byte of x equal to c. Bytes above a true match
 * may be flagged too (borrow), so a non-zero result always means at
 * least one true match, and exact positions need a second look.
 */
static uint64_t
bytes_eq(uint64_t x, unsigned char c)
{
	uint64_t t = x ^ (B_ONES * c);

	return (t - B_ONES) & ~t & B_HIGHS;
}

/*
 * Is the line content [l, e) already in relaxed form: no HTAB, no two
 * SP in a row, no SP at the end? Eight bytes at a time, as this runs
 * over every body byte of every relaxed signature.
 */
static int
is_relaxed(const char *l, const char *e)
{
	const char *p = l;
	uint64_t x, sp;

	if (l < e && e[-1] == ' ')
		return 0;
	for (; e - p >= 8; p += 8) {
		memcpy(&x, p, 8);	/* UNSAFE: 8 bytes inside [l, e) */
		if (bytes_eq(x, '\t') != 0)
			return 0;
		sp = bytes_eq(x, ' ');
		if (sp == 0)
			continue;
		if ((sp & (sp << 8)) != 0 || (p > l && p[-1] == ' ' &&
		    p[0] == ' ')) {
			const char *q;

			for (q = p > l ? p - 1 : p; q + 1 < p + 8; q++)
				if (q[0] == ' ' && q[1] == ' ')
					return 0;
		}
	}
	for (p = p > l ? p - 1 : p; p < e; p++) {
		if (*p == '\t')
			return 0;
		if (p + 1 < e && p[0] == ' ' && p[1] == ' ')
			return 0;
	}
	return 1;
}

static int
has_text(const char *l, const char *e)
{
	for (; l < e; l++)
		if (!is_wsp(*l))
			return 1;
	return 0;
}

/*
 * Section 3.4.4. Canonical lines are hashed in runs straight from the
 * message; empty lines are held back until a line with text follows, as
 * trailing empty lines are ignored.
 */
static void
body_relaxed(struct bh *h, const char *p, size_t len)
{
	const char *e = p + len, *l, *le, *ce, *nl;
	const char *run_s = p, *run_e = p;
	size_t empties = 0, n;
	int gap_clean = 1, crlf;

	for (l = p; l < e; l = le) {
		nl = memchr(l, '\n', (size_t)(e - l));
		le = nl == NULL ? e : nl + 1;
		crlf = nl != NULL && nl > l && nl[-1] == '\r';
		ce = crlf ? nl - 1 : (nl != NULL ? nl : e);
		if (crlf && is_relaxed(l, ce)) {
			if (ce == l) {
				empties++;
				continue;
			}
			if (!gap_clean) {
				bh_emit(h, run_s, (size_t)(run_e - run_s));
				bh_crlfs(h, empties);
				run_s = l;
			}
			run_e = le;
			empties = 0;
			gap_clean = 1;
			continue;
		}
		/* A line to rewrite: what is pending goes first. */
		if (!has_text(l, ce)) {
			if (nl != NULL) {
				empties++;
				gap_clean = 0;
			}
			continue;
		}
		bh_emit(h, run_s, (size_t)(run_e - run_s));
		bh_crlfs(h, empties);
		empties = 0;
		n = relax_line(h, l, ce);
		bh_emit(h, h->tmp, n);
		bh_emit(h, "\r\n", 2);
		run_s = run_e = le;
		gap_clean = 1;
	}
	bh_emit(h, run_s, (size_t)(run_e - run_s));
}

int
dkim_body_hash(const char *p, size_t len, enum dkim_canon c,
    enum dkim_alg alg, long long limit, unsigned char *out,
    size_t *outlen_r, size_t *canon_len_r, const char **why_r)
{
	const EVP_MD *md = dkim_md(alg);
	struct bh h;
	unsigned int olen = 0;
	int ok;

	if (md == NULL) {
		*why_r = "unknown signature algorithm";
		return -1;
	}
	h.md = EVP_MD_CTX_new();
	h.limit = limit < 0 ? -1 : limit;
	h.hashed = h.total = 0;
	if (h.md == NULL || EVP_DigestInit_ex(h.md, md, NULL) != 1) {
		EVP_MD_CTX_free(h.md);
		*why_r = "cannot start the body hash";
		return -1;
	}
	if (c == DKIM_CANON_RELAXED)
		body_relaxed(&h, p, len);
	else
		body_simple(&h, p, len);
	ok = EVP_DigestFinal_ex(h.md, out, &olen);
	EVP_MD_CTX_free(h.md);
	if (ok != 1) {
		*why_r = "body hash failed";
		return -1;
	}
	*outlen_r = olen;
	if (canon_len_r != NULL)
		*canon_len_r = h.total;
	return 0;
}
