/*
 * DKIM signing (RFC 6376 section 5) with rsa-sha256 or ed25519-sha256
 * (RFC 8463). The default header list follows section 5.4.1: the fields
 * that carry meaning for a reader (From, Subject, Date, To, Cc, Reply-To,
 * Message-ID, the MIME fields and List-*) are over-signed (section
 * 8.15): each is listed once more than it occurs, so that nobody can add
 * one later without breaking the signature.
 */
#include <stdio.h>
#include <string.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "mail/msg.h"

#define SIGN_COLS	76	/* fold the field before this column */

/* Signed and over-signed, whether present or not. */
static const char *const oversign[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Post",
	"List-Help", "List-Subscribe", "List-Owner", "List-Archive",
};

/* Signed as often as they occur. */
static const char *const signonce[] = {
	"Sender", "In-Reply-To", "References", "Content-Disposition",
	"Content-ID", "Content-Description", "Resent-Date", "Resent-From",
	"Resent-To", "Resent-Cc",
};

void
dkim_sign_opts_default(struct dkim_sign_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hcanon = DKIM_CANON_RELAXED;
	o->bcanon = DKIM_CANON_RELAXED;
}

/* The h= names: the caller's list, or the default list for m. */
static size_t
sign_names(const struct msg *m, const struct dkim_sign_opts *o,
    struct arena *a, const char ***names_r, size_t **lens_r)
{
	const char **names;
	size_t *lens, n = 0, cap, i, k, c;

	if (o->headers != NULL) {
		names = arena_calloc(a, o->nheaders, sizeof(*names));
		lens = arena_calloc(a, o->nheaders, sizeof(*lens));
		for (i = 0; i < o->nheaders; i++) {
			names[i] = o->headers[i];
			lens[i] = strlen(o->headers[i]);
		}
		*names_r = names;
		*lens_r = lens;
		return o->nheaders;
	}
	cap = sizeof(oversign) / sizeof(oversign[0]) +
	    sizeof(signonce) / sizeof(signonce[0]);
	for (i = 0; i < m->nhdr; i++)
		cap++;		/* an upper bound on repeated fields */
	names = arena_calloc(a, cap, sizeof(*names));
	lens = arena_calloc(a, cap, sizeof(*lens));
	for (i = 0; i < sizeof(oversign) / sizeof(oversign[0]); i++) {
		c = msg_header_count(m, oversign[i]);
		for (k = 0; k <= c && n < cap && n < DKIM_HDRS_MAX; k++)
			names[n++] = oversign[i];
	}
	for (i = 0; i < sizeof(signonce) / sizeof(signonce[0]); i++) {
		c = msg_header_count(m, signonce[i]);
		for (k = 0; k < c && n < cap && n < DKIM_HDRS_MAX; k++)
			names[n++] = signonce[i];
	}
	for (i = 0; i < n; i++)
		lens[i] = strlen(names[i]);
	*names_r = names;
	*lens_r = lens;
	return n;
}

/* Append " tag" or a fold and "\ttag", keeping lines under SIGN_COLS. */
static void
fold_add(struct buf *b, size_t *col, const char *s, size_t n)
{
	if (*col + n + 1 > SIGN_COLS && *col > 1) {
		buf_adds(b, "\r\n\t");
		*col = 8;
	} else if (*col > 0) {
		buf_addc(b, ' ');
		(*col)++;
	}
	buf_add(b, s, n);
	*col += n;
}

/* Letters, digits, "-", "_" and dots, and a valid DNS name. */
static int
name_ok(const char *s)
{
	const char *why, *p;

	if (s == NULL || *s == '\0' || dns_name_check(s, &why) == -1)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return 0;
	return 1;
}

static int
sign_check(const struct dkim_sign_opts *o, const struct dkim_privkey *k,
    const char **why_r)
{
	const char *at;
	size_t il, dl;

	if (!name_ok(o->domain) || !name_ok(o->selector)) {
		*why_r = "signing needs a valid domain and selector";
		return -1;
	}
	if (o->use_sha1 && dkim_privkey_type(k) != DKIM_KEY_RSA) {
		*why_r = "rsa-sha1 needs an RSA key";
		return -1;
	}
	if (o->identity == NULL)
		return 0;
	if ((at = strrchr(o->identity, '@')) == NULL) {
		*why_r = "identity (i=) must contain \"@\"";
		return -1;
	}
	at++;
	il = strlen(at);
	dl = strlen(o->domain);
	if (str_casecmp(at, o->domain) != 0 && !(il > dl &&
	    at[il - dl - 1] == '.' && str_casecmp(at + il - dl,
	    o->domain) == 0)) {
		*why_r = "identity (i=) is not within the domain (d=)";
		return -1;
	}
	return 0;
}

/* The field up to and including "b=", unfolded parts in order (3.5). */
static void
sign_field(struct buf *f, const struct dkim_sign_opts *o, enum dkim_alg alg,
    time_t now, const char *const *names, const size_t *lens, size_t n,
    const char *bh)
{
	size_t col, i;
	char tmp[128];

	buf_printf(f, "DKIM-Signature: v=1; a=%s; c=%s/%s; d=%s; s=%s;",
	    dkim_alg_str(alg),
	    o->hcanon == DKIM_CANON_RELAXED ? "relaxed" : "simple",
	    o->bcanon == DKIM_CANON_RELAXED ? "relaxed" : "simple",
	    o->domain, o->selector);
	col = f->len;
	snprintf(tmp, sizeof(tmp), "t=%lld;", (long long)now);
	fold_add(f, &col, tmp, strlen(tmp));
	if (o->expire != 0) {
		snprintf(tmp, sizeof(tmp), "x=%lld;",
		    (long long)now + (long long)o->expire);
		fold_add(f, &col, tmp, strlen(tmp));
	}
	if (o->identity != NULL) {
		struct buf t = BUF_INIT;

		buf_printf(&t, "i=%s;", o->identity);
		fold_add(f, &col, t.p, t.len);
		buf_free(&t);
	}
	/* h=: names joined by ":", folded after a colon when needed. */
	buf_adds(f, "\r\n\th=");
	col = 10;
	for (i = 0; i < n; i++) {
		if (col + lens[i] + 1 > SIGN_COLS) {
			buf_adds(f, "\r\n\t ");
			col = 9;
		}
		buf_add(f, names[i], lens[i]);
		buf_addc(f, i + 1 < n ? ':' : ';');
		col += lens[i] + 1;
	}
	buf_printf(f, "\r\n\tbh=%s;\r\n\tb=", bh);
}

/* Append the base64 signature folded after "b=". */
static void
sign_fold_b(struct buf *f, const struct buf *b64)
{
	size_t off = 0, take, col = 10;

	while (off < b64->len) {
		take = SIGN_COLS - col;
		if (take > b64->len - off)
			take = b64->len - off;
		buf_add(f, b64->p + off, take);
		off += take;
		if (off < b64->len) {
			buf_adds(f, "\r\n\t ");
			col = 9;
		}
	}
	buf_adds(f, "\r\n");
}

int
dkim_sign(const struct msg *m, const struct dkim_sign_opts *o,
    const struct dkim_privkey *k, struct arena *a, const char **field_r,
    const char **why_r)
{
	struct buf f = BUF_INIT, hd = BUF_INIT, sig = BUF_INIT,
	    b64 = BUF_INIT;
	unsigned char dg[64];
	const char **names;
	size_t *lens, n, dlen;
	enum dkim_alg alg;
	time_t now;
	int rc = -1;

	*field_r = NULL;
	if (sign_check(o, k, why_r) == -1)
		return -1;
	alg = dkim_privkey_type(k) == DKIM_KEY_ED25519 ?
	    DKIM_ALG_ED25519_SHA256 : o->use_sha1 ? DKIM_ALG_RSA_SHA1 :
	    DKIM_ALG_RSA_SHA256;
	now = o->now != 0 ? o->now : clock_now();
	if (dkim_body_hash(m->body, m->body_len, o->bcanon, alg, -1, dg,
	    &dlen, NULL, why_r) == -1)
		return -1;
	b64_encode(dg, dlen, &b64);
	n = sign_names(m, o, a, &names, &lens);
	sign_field(&f, o, alg, now, names, lens, n, b64.p);
	buf_reset(&b64);
	dkim_canon_headers(&hd, o->hcanon, m, names, lens, n, NULL);
	buf_adds(&f, "\r\n");
	dkim_canon_header(&hd, o->hcanon, f.p, f.len, 1);
	f.len -= 2;
	if (dkim_crypto_sign(k, alg, hd.p, hd.len, &sig, why_r) == 0) {
		b64_encode(sig.p, sig.len, &b64);
		sign_fold_b(&f, &b64);
		*field_r = arena_strndup(a, f.p, f.len);
		rc = 0;
	}
	buf_free(&f);
	buf_free(&hd);
	buf_free(&sig);
	buf_free(&b64);
	return rc;
}
