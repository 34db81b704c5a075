/*
 * DKIM verification of a message (RFC 6376 section 6): every
 * DKIM-Signature field up to a cap, each checked in the order of section
 * 6.1 (tag syntax and required tags, 6.1.1; key fetch and key checks,
 * 6.1.2; body hash, then header hash and signature, 6.1.3), with the
 * RFC 8301 algorithm and key-size policy and RFC 8463 Ed25519. Each
 * signature gets its RFC 8601 result word and a reason, and its resinfo
 * for Authentication-Results (RFC 8601 section 2.7.1, header.b as in
 * RFC 6008).
 */
#include <limits.h>
#include <string.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "mail/msg.h"

#define BH_CACHE_MAX	8
#define BH_MAX		64	/* digest bytes */

/* Body hashes already computed for this message. */
struct bh_cache {
	struct {
		enum dkim_canon	 c;
		int		 is_sha1;
		long long	 limit;
		unsigned char	 dg[BH_MAX];
		size_t		 dlen;
		size_t		 canon_len;
	} e[BH_CACHE_MAX];
	size_t	n;
};

/* One signature being checked. */
struct sig {
	const struct dkim_opts	*o;
	const struct msg	*m;
	const struct msg_header	*field;
	struct dkim_sig_result	*r;
	struct dkim_tags	 tags;
	const char		*i_dom;		/* domain part of i= */
	const char		**hnames;
	size_t			*hlens;
	size_t			 nh;
	long long		 limit;
	struct buf		 b, bh;		/* decoded b=, bh= */
	time_t			 now;
};

static int
set(struct dkim_sig_result *r, enum dkim_result res, const char *why)
{
	r->result = res;
	r->reason = why;
	return -1;
}

/* Letters, digits, hyphen, underscore and dots: a name we may look up. */
static int
is_dns_name(const char *s)
{
	const char *why;
	const char *p;

	if (*s == '\0' || dns_name_check(s, &why) == -1)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return 0;
	return 1;
}

static const char *
tag_str(struct arena *a, const struct dkim_tags *t, const char *name)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);

	return g == NULL ? NULL : dkim_tag_nows(a, g, NULL);
}

static int
parse_canon(const char *c, struct dkim_sig_result *r)
{
	const char *slash;
	size_t hl;

	r->hcanon = r->bcanon = DKIM_CANON_SIMPLE;
	if (c == NULL)
		return 0;
	slash = strchr(c, '/');
	hl = slash != NULL ? (size_t)(slash - c) : strlen(c);
	if (hl == 7 && strncmp(c, "relaxed", 7) == 0)
		r->hcanon = DKIM_CANON_RELAXED;
	else if (!(hl == 6 && strncmp(c, "simple", 6) == 0))
		return -1;
	if (slash == NULL)
		return 0;
	if (strcmp(slash + 1, "relaxed") == 0)
		r->bcanon = DKIM_CANON_RELAXED;
	else if (strcmp(slash + 1, "simple") != 0)
		return -1;
	return 0;
}

/* h=: colon-separated field names; From must be among them (5.4). */
static int
parse_h(struct arena *a, struct sig *s, const char *h)
{
	const char *p = h, *c;
	size_t cap = 1, n = 0;
	int has_from = 0;

	for (c = h; *c != '\0'; c++)
		cap += *c == ':';
	if (cap > DKIM_HDRS_MAX)
		return set(s->r, DKIM_PERMERROR, "too many names in h=");
	s->hnames = arena_calloc(a, cap, sizeof(*s->hnames));
	s->hlens = arena_calloc(a, cap, sizeof(*s->hlens));
	for (;;) {
		c = strchr(p, ':');
		if (c == NULL)
			c = p + strlen(p);
		if (c == p)
			return set(s->r, DKIM_PERMERROR, "empty name in h=");
		s->hnames[n] = p;
		s->hlens[n] = (size_t)(c - p);
		if (s->hlens[n] == 4 && str_ncasecmp(p, "from", 4) == 0)
			has_from = 1;
		n++;
		if (*c == '\0')
			break;
		p = c + 1;
	}
	s->nh = n;
	if (!has_from)
		return set(s->r, DKIM_PERMERROR, "From is not signed (h=)");
	return 0;
}

static int
parse_time(const char *v, time_t *t_r)
{
	unsigned long long n;

	if (v == NULL)
		return 0;
	if (str_to_ull(v, (unsigned long long)1 << 40, &n) == -1)
		return -1;
	*t_r = (time_t)n;
	return 0;
}

/* i=: "[local]@domain" with domain equal to or under d= (3.5). */
static int
check_i(struct arena *a, struct sig *s)
{
	const char *at, *d = s->r->d;
	size_t dl = strlen(d), il;

	if (s->r->i == NULL) {
		s->i_dom = d;
		return 0;
	}
	if ((at = strrchr(s->r->i, '@')) == NULL)
		return set(s->r, DKIM_PERMERROR, "i= has no \"@\"");
	s->i_dom = arena_strdup(a, at + 1);
	il = strlen(s->i_dom);
	if (str_casecmp(s->i_dom, d) == 0 ||
	    (il > dl && s->i_dom[il - dl - 1] == '.' &&
	    str_casecmp(s->i_dom + il - dl, d) == 0))
		return 0;
	return set(s->r, DKIM_PERMERROR, "i= is not within d=");
}

/* The remaining tags of section 3.5 once the required ones are there. */
static int
sig_tags2(struct arena *a, struct sig *s)
{
	struct dkim_sig_result *r = s->r;
	const char *v;
	unsigned long long l;

	if (parse_canon(tag_str(a, &s->tags, "c"), r) == -1)
		return set(r, DKIM_PERMERROR, "unknown canonicalisation (c=)");
	if ((v = tag_str(a, &s->tags, "q")) != NULL &&
	    strstr(v, "dns/txt") == NULL)
		return set(r, DKIM_PERMERROR, "no known query method (q=)");
	s->limit = -1;
	if ((v = tag_str(a, &s->tags, "l")) != NULL) {
		if (str_to_ull(v, LLONG_MAX, &l) == -1)
			return set(r, DKIM_PERMERROR, "bad l= value");
		r->has_l = 1;
		r->l = l;
		s->limit = (long long)l;
	}
	if (parse_time(tag_str(a, &s->tags, "t"), &r->t) == -1 ||
	    parse_time(tag_str(a, &s->tags, "x"), &r->x) == -1)
		return set(r, DKIM_PERMERROR, "bad t= or x= value");
	if (r->x != 0 && r->t != 0 && r->x < r->t)
		return set(r, DKIM_PERMERROR, "x= is before t=");
	if (r->t != 0 && r->t > s->now + (time_t)s->o->clock_skew)
		return set(r, DKIM_PERMERROR, "signature time t= is in the "
		    "future");
	if (r->x != 0 && r->x + (time_t)s->o->clock_skew < s->now)
		return set(r, DKIM_FAIL, "signature expired (x=)");
	if (b64_decode(r->b_prefix, strlen(r->b_prefix), &s->b) == -1 ||
	    s->b.len == 0)
		return set(r, DKIM_PERMERROR, "b= is not valid base64");
	v = tag_str(a, &s->tags, "bh");
	if (b64_decode(v, strlen(v), &s->bh) == -1 || s->bh.len == 0)
		return set(r, DKIM_PERMERROR, "bh= is not valid base64");
	return 0;
}

/* Section 6.1.1: tag syntax, required tags, values. */
static int
sig_tags(struct arena *a, struct sig *s)
{
	static const char *const req[] = { "v", "a", "b", "bh", "d", "h",
	    "s" };
	struct dkim_sig_result *r = s->r;
	const char *why, *v;
	size_t k;

	if (dkim_tags_parse(a, s->field->value, s->field->value_len,
	    &s->tags, &why) == -1)
		return set(r, DKIM_PERMERROR, arena_printf(a,
		    "bad tag list: %s", why));
	r->d = tag_str(a, &s->tags, "d");
	r->s = tag_str(a, &s->tags, "s");
	r->i = tag_str(a, &s->tags, "i");
	r->a = tag_str(a, &s->tags, "a");
	r->h = tag_str(a, &s->tags, "h");
	if ((v = tag_str(a, &s->tags, "b")) != NULL) {
		r->b_prefix = v;	/* whole value for now, cut below */
	}
	for (k = 0; k < sizeof(req) / sizeof(req[0]); k++)
		if (dkim_tags_get(&s->tags, req[k]) == NULL)
			return set(r, DKIM_PERMERROR, arena_printf(a,
			    "missing required tag %s=", req[k]));
	if (strcmp(tag_str(a, &s->tags, "v"), "1") != 0)
		return set(r, DKIM_PERMERROR, "unsupported version (v=)");
	if (strcmp(r->a, "rsa-sha256") == 0)
		r->alg = DKIM_ALG_RSA_SHA256;
	else if (strcmp(r->a, "ed25519-sha256") == 0)
		r->alg = DKIM_ALG_ED25519_SHA256;
	else if (strcmp(r->a, "rsa-sha1") == 0)
		r->alg = DKIM_ALG_RSA_SHA1;
	else
		return set(r, DKIM_PERMERROR, "unknown algorithm (a=)");
	if (!is_dns_name(r->d))
		return set(r, DKIM_PERMERROR, "d= is not a valid domain");
	if (!is_dns_name(r->s))
		return set(r, DKIM_PERMERROR, "s= is not a valid selector");
	if (check_i(a, s) == -1 || parse_h(a, s, r->h) == -1 ||
	    sig_tags2(a, s) == -1)
		return -1;
	return 0;
}

/* Section 6.1.2: the key and what it allows; RFC 8301 policy. */
static int
sig_key(struct sig *s, struct dns_resolver *res, struct arena *a,
    const struct dkim_key **k_r)
{
	struct dkim_sig_result *r = s->r;
	const struct dkim_key *k;
	enum dkim_result kr;
	const char *why;

	if (r->alg == DKIM_ALG_RSA_SHA1 && !s->o->allow_sha1)
		return set(r, DKIM_POLICY, "rsa-sha1 is not accepted "
		    "(RFC 8301)");
	if (dkim_key_fetch(res, s->o, r->s, r->d, a, &k, &kr, &why) == -1)
		return set(r, kr, why);
	r->key_type = k->type;
	r->key_bits = k->bits;
	r->is_testing = k->is_testing;
	if (k->is_revoked)
		return set(r, DKIM_PERMERROR, "key revoked (empty p=)");
	if ((k->type == DKIM_KEY_ED25519) !=
	    (r->alg == DKIM_ALG_ED25519_SHA256))
		return set(r, DKIM_PERMERROR, "key type does not match a=");
	if ((k->hashes & (r->alg == DKIM_ALG_RSA_SHA1 ? DKIM_HASH_SHA1 :
	    DKIM_HASH_SHA256)) == 0)
		return set(r, DKIM_PERMERROR, "hash not allowed by the key "
		    "(h=)");
	if (!k->is_email)
		return set(r, DKIM_PERMERROR, "key not for email (s=)");
	if (k->is_strict && str_casecmp(s->i_dom, r->d) != 0)
		return set(r, DKIM_PERMERROR, "key forbids subdomains in i= "
		    "(t=s)");
	if (k->type == DKIM_KEY_RSA && k->bits < s->o->min_rsa_bits)
		return set(r, DKIM_POLICY, arena_printf(a, "RSA key of %u "
		    "bits is too short (minimum %u, RFC 8301)", k->bits,
		    s->o->min_rsa_bits));
	*k_r = k;
	return 0;
}

/* Section 6.1.3 step 1-3: the body hash, computed once per kind. */
static int
sig_body(struct sig *s, struct bh_cache *bc)
{
	struct dkim_sig_result *r = s->r;
	int is_sha1 = r->alg == DKIM_ALG_RSA_SHA1;
	unsigned char dg[BH_MAX];
	size_t k, dlen, clen;
	const char *why;

	for (k = 0; k < bc->n; k++)
		if (bc->e[k].c == r->bcanon && bc->e[k].is_sha1 == is_sha1 &&
		    bc->e[k].limit == s->limit)
			break;
	if (k == bc->n) {
		if (dkim_body_hash(s->m->body, s->m->body_len, r->bcanon,
		    r->alg, s->limit, dg, &dlen, &clen, &why) == -1)
			return set(r, DKIM_TEMPERROR, why);
		if (bc->n == BH_CACHE_MAX)
			k = bc->n - 1;
		else
			bc->n++;
		bc->e[k].c = r->bcanon;
		bc->e[k].is_sha1 = is_sha1;
		bc->e[k].limit = s->limit;
		memcpy(bc->e[k].dg, dg, dlen);
		bc->e[k].dlen = dlen;
		bc->e[k].canon_len = clen;
	}
	r->body_len = bc->e[k].canon_len;
	if (r->has_l && r->l > r->body_len)
		return set(r, DKIM_FAIL, "body is shorter than l=");
	if (bc->e[k].dlen != s->bh.len ||
	    memcmp(bc->e[k].dg, s->bh.p, s->bh.len) != 0)
		return set(r, DKIM_FAIL, "body hash mismatch (bh=)");
	return 0;
}

static const char *
pass_reason(struct arena *a, const struct dkim_sig_result *r)
{
	const char *why = arena_printf(a, "good signature, %u-bit %s key",
	    r->key_bits, dkim_keytype_str(r->key_type));

	if (r->is_testing)
		why = arena_printf(a, "%s, key in testing mode (t=y)", why);
	if (r->has_l && r->l < r->body_len)
		why = arena_printf(a, "%s, only %llu of %zu body bytes signed "
		    "(l=); the rest is untrusted", why, r->l, r->body_len);
	return why;
}

static void
verify_one(struct sig *s, struct dns_resolver *res, struct arena *a,
    struct bh_cache *bc)
{
	struct dkim_sig_result *r = s->r;
	const struct dkim_key *k = NULL;
	struct buf hd = BUF_INIT;
	const char *why;
	int ok;

	set(r, DKIM_PERMERROR, "internal");
	if (sig_tags(a, s) == -1) {
		if (r->b_prefix != NULL)
			r->b_prefix = arena_strndup(a, r->b_prefix,
			    strnlen(r->b_prefix, DKIM_BPREFIX_LEN));
		return;
	}
	r->b_prefix = arena_strndup(a, r->b_prefix, DKIM_BPREFIX_LEN);
	if (sig_key(s, res, a, &k) == -1 || sig_body(s, bc) == -1)
		return;
	dkim_canon_headers(&hd, r->hcanon, s->m, s->hnames, s->hlens, s->nh,
	    s->field);
	dkim_canon_header(&hd, r->hcanon, s->field->raw, s->field->raw_len,
	    1);
	ok = dkim_crypto_verify(k, r->alg, hd.p, hd.len, s->b.p, s->b.len,
	    &why);
	buf_free(&hd);
	if (ok == -1)
		set(r, DKIM_PERMERROR, why);
	else if (ok == 0)
		set(r, DKIM_FAIL, "signature did not verify (b=)");
	else
		set(r, DKIM_PASS, pass_reason(a, r));
}

int
dkim_verify_msg(const struct dkim_opts *o, const struct msg *m,
    struct dns_resolver *res, struct arena *a,
    struct dkim_sig_result **res_r, size_t *n_r, const char **why_r)
{
	struct dkim_sig_result *out;
	struct bh_cache bc;
	struct sig s;
	size_t i, n = 0, total;

	(void)why_r;
	*res_r = NULL;
	*n_r = 0;
	total = msg_header_count(m, "DKIM-Signature");
	if (total == 0)
		return 0;
	out = arena_calloc(a, total, sizeof(*out));
	bc.n = 0;
	for (i = 0; i < m->nhdr; i++) {
		if (!msg_header_is(&m->hdr[i], "DKIM-Signature"))
			continue;
		out[n].field = i;
		if (n >= o->max_signatures) {
			set(&out[n++], DKIM_NEUTRAL, arena_printf(a,
			    "not checked: over the limit of %zu signatures",
			    o->max_signatures));
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.o = o;
		s.m = m;
		s.field = &m->hdr[i];
		s.r = &out[n++];
		s.now = o->now != 0 ? o->now : clock_now();
		verify_one(&s, res, a, &bc);
		buf_free(&s.b);
		buf_free(&s.bh);
	}
	*res_r = out;
	*n_r = n;
	return 0;
}

/* A resinfo value: a token as is, anything else as a quoted-string. */
static const char *
ar_value(struct arena *a, const char *v)
{
	struct buf b = BUF_INIT;
	const char *p, *q;
	int plain = *v != '\0';

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("()<>,;:\\\"/[]?=", *p) != NULL)
			plain = 0;
	if (plain)
		return v;
	buf_addc(&b, '"');
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			continue;
		if (*p == '"' || *p == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	q = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return q;
}

/* A comment: no parentheses, backslashes or control characters. */
static const char *
ar_comment(struct arena *a, const char *why)
{
	char *c = arena_strdup(a, why != NULL ? why : "");
	char *p;

	for (p = c; *p != '\0'; p++)
		if (*p == '(' || *p == ')' || *p == '\\' ||
		    (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

const char *
dkim_authres(struct arena *a, const struct dkim_sig_result *r)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (r == NULL)
		return "dkim=none";
	buf_printf(&b, "dkim=%s (%s)", dkim_result_str(r->result),
	    ar_comment(a, r->reason));
	if (r->d != NULL && is_dns_name(r->d))
		buf_printf(&b, " header.d=%s", r->d);
	if (r->i != NULL)
		buf_printf(&b, " header.i=%s", ar_value(a, r->i));
	if (r->s != NULL && is_dns_name(r->s))
		buf_printf(&b, " header.s=%s", r->s);
	if (r->b_prefix != NULL && *r->b_prefix != '\0')
		buf_printf(&b, " header.b=%s", ar_value(a, r->b_prefix));
	s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}
