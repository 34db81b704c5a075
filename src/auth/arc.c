/*
 * ARC chain validation (RFC 8617 section 5.2). The ARC fields are
 * gathered into sets by instance (4.1, 4.2.1), the structure is checked
 * (every instance 1..N present exactly once, N <= 50, cv=none at 1 and
 * cv=pass above, the newest seal not cv=fail), then the newest
 * ARC-Message-Signature is verified like a DKIM signature (5.1.1), the
 * older ones only to find oldest-pass (5.2 step 5), and every ARC-Seal
 * from N down to 1 over the ARC fields of its instance and those below
 * (5.1.2, relaxed header canonicalisation, AAR, AMS, AS per instance).
 * Keys, canonicalisation, body hash and the signature primitive come
 * from the DKIM module.
 */
#include <string.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"

#define BH_MAX	64

struct chain {
	const struct dkim_opts	*o;
	const struct msg	*m;
	struct dns_resolver	*res;
	struct arena		*a;
	struct arc_result	*r;
	struct dkim_tags	 as_tags[ARC_INSTANCES_MAX];
	struct dkim_tags	 ams_tags[ARC_INSTANCES_MAX];
};

static int
fail(struct arc_result *r, const char *why)
{
	r->cv = ARC_CV_FAIL;
	r->reason = why;
	return -1;
}

unsigned
arc_aar_split(const char *v, size_t len, const char **rest_r)
{
	size_t i = 0;
	unsigned n = 0;

	while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
	    v[i] == '\n'))
		i++;
	if (i + 1 >= len || v[i] != 'i')
		return 0;
	for (i++; i < len && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	if (i >= len || v[i++] != '=')
		return 0;
	for (; i < len && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	if (i >= len || v[i] < '1' || v[i] > '9')
		return 0;
	for (; i < len && v[i] >= '0' && v[i] <= '9'; i++)
		if ((n = n * 10 + (unsigned)(v[i] - '0')) > ARC_INSTANCES_MAX)
			return 0;
	for (; i < len && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	if (i >= len || v[i] != ';')
		return 0;
	*rest_r = v + i + 1;
	return n;
}

/* The i= of a tag list (1..50), or 0. */
static unsigned
tags_instance(const struct dkim_tags *t)
{
	const struct dkim_tag *i = dkim_tags_get(t, "i");
	unsigned long long n;
	char buf[8];

	if (i == NULL || i->value_len == 0 || i->value_len >= sizeof(buf))
		return 0;
	memcpy(buf, i->value, i->value_len);
	buf[i->value_len] = '\0';
	if (buf[0] == '0' || str_to_ull(buf, ARC_INSTANCES_MAX, &n) == -1)
		return 0;
	return (unsigned)n;
}

static const char *
tag_str(struct arena *a, const struct dkim_tags *t, const char *name)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);
	size_t len;

	return g != NULL ? dkim_tag_nows(a, g, &len) : NULL;
}

/* Put one ARC field into its set (section 5.2 steps 1-2). */
static int
gather_one(struct chain *c, const struct msg_header *h)
{
	struct arc_result *r = c->r;
	struct dkim_tags t;
	const char *why, *rest = NULL;
	unsigned i;
	int kind;

	if (msg_header_is(h, "ARC-Seal"))
		kind = 0;
	else if (msg_header_is(h, "ARC-Message-Signature"))
		kind = 1;
	else
		kind = 2;
	if (kind < 2) {
		if (dkim_tags_parse(c->a, h->value, h->value_len, &t,
		    &why) == -1)
			return fail(r, arena_printf(c->a, "%s: %s",
			    kind == 0 ? "ARC-Seal" : "ARC-Message-Signature",
			    why));
		i = tags_instance(&t);
	} else
		i = arc_aar_split(h->unfolded, h->unfolded_len, &rest);
	if (i == 0)
		return fail(r, "ARC field with a bad or missing i=");
	if (i > r->n)
		r->n = i;
	if (kind == 0 && r->set[i - 1].as == NULL) {
		r->set[i - 1].as = h;
		c->as_tags[i - 1] = t;
	} else if (kind == 1 && r->set[i - 1].ams == NULL) {
		r->set[i - 1].ams = h;
		c->ams_tags[i - 1] = t;
	} else if (kind == 2 && r->set[i - 1].aar == NULL) {
		r->set[i - 1].aar = h;
		r->set[i - 1].aar_payload = str_trim(c->a, rest,
		    h->unfolded_len - (size_t)(rest - h->unfolded));
	} else
		return fail(r, arena_printf(c->a, "instance %u has two "
		    "fields of one kind", i));
	return 0;
}

/* Decode a base64 tag value into out; -1 if absent or bad. */
static int
tag_b64(struct arena *a, const struct dkim_tags *t, const char *name,
    struct buf *out)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);
	const char *v;
	size_t len;

	if (g == NULL)
		return -1;
	v = dkim_tag_nows(a, g, &len);
	if (len == 0 || b64_decode(v, len, out) == -1)
		return -1;
	return 0;
}

/* a= of an ARC signature: RFC 8617 4.1 uses DKIM's algorithms. */
static enum dkim_alg
tag_alg(struct arena *a, const struct dkim_tags *t)
{
	const char *v = tag_str(a, t, "a");

	if (v == NULL)
		return DKIM_ALG_UNKNOWN;
	if (strcmp(v, "rsa-sha256") == 0)
		return DKIM_ALG_RSA_SHA256;
	if (strcmp(v, "ed25519-sha256") == 0)
		return DKIM_ALG_ED25519_SHA256;
	return DKIM_ALG_UNKNOWN;	/* rsa-sha1 is not allowed (8301) */
}

/* Fetch the key and check the signature over data. NULL or why. */
static const char *
check_sig(struct chain *c, const struct dkim_tags *t, enum dkim_alg alg,
    const struct buf *data)
{
	const struct dkim_key *k;
	enum dkim_result kres;
	struct buf sig = BUF_INIT;
	const char *d = tag_str(c->a, t, "d"), *s = tag_str(c->a, t, "s");
	const char *why = NULL;
	int ok;

	if (d == NULL || s == NULL || *d == '\0' || *s == '\0')
		return "d= or s= missing";
	if (tag_b64(c->a, t, "b", &sig) == -1) {
		buf_free(&sig);
		return "b= missing or not base64";
	}
	if (dkim_key_fetch(c->res, c->o, s, d, c->a, &k, &kres, &why) == -1) {
		buf_free(&sig);
		return arena_printf(c->a, "key %s._domainkey.%s: %s", s, d,
		    why);
	}
	if (k->pkey == NULL)
		why = "key revoked";
	else if (k->type == DKIM_KEY_RSA && k->bits < c->o->min_rsa_bits)
		why = arena_printf(c->a, "RSA key of %u bits is too short",
		    k->bits);
	else {
		ok = dkim_crypto_verify(k, alg, data->p, data->len, sig.p,
		    sig.len, &why);
		if (ok == 0)
			why = "signature does not verify";
		else if (ok == 1)
			why = NULL;
	}
	buf_free(&sig);
	return why;
}

/* Split h= into names; -1 if it names ARC-Seal (RFC 8617 4.1.2). */
static int
split_h(struct arena *a, const char *h, const char ***names_r,
    size_t **lens_r, size_t *n_r)
{
	const char **names = arena_calloc(a, DKIM_HDRS_MAX, sizeof(*names));
	size_t *lens = arena_calloc(a, DKIM_HDRS_MAX, sizeof(*lens));
	const char *p = h, *e;
	size_t n = 0;

	while (*p != '\0' && n < DKIM_HDRS_MAX) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p) {
			names[n] = p;
			lens[n] = (size_t)(e - p);
			if (str_eq_ci(p, lens[n], "arc-seal"))
				return -1;
			n++;
		}
		p = *e == ':' ? e + 1 : e;
	}
	*names_r = names;
	*lens_r = lens;
	*n_r = n;
	return 0;		/* an empty h= signs only the AMS itself */
}

static int
parse_canon(const char *v, enum dkim_canon *h_r, enum dkim_canon *b_r)
{
	const char *sl;

	/*
	 * XXX Without c= we read relaxed/relaxed, as the ARC test suite
	 * (ams_fields_c_na) and the signers in the field do; RFC 8617
	 * inherits DKIM's simple/simple default but no known sealer omits
	 * c=, so the choice only matters for that test.
	 */
	*h_r = *b_r = DKIM_CANON_RELAXED;
	if (v == NULL)
		return 0;
	*h_r = *b_r = DKIM_CANON_SIMPLE;
	sl = strchr(v, '/');
	if (strncmp(v, "relaxed", sl != NULL ? (size_t)(sl - v) :
	    strlen(v)) == 0 && (sl != NULL ? (size_t)(sl - v) : strlen(v)) ==
	    7)
		*h_r = DKIM_CANON_RELAXED;
	else if (strncmp(v, "simple", 6) != 0 || (sl != NULL ? sl - v :
	    (long)strlen(v)) != 6)
		return -1;
	if (sl == NULL)
		return 0;
	if (strcmp(sl + 1, "relaxed") == 0)
		*b_r = DKIM_CANON_RELAXED;
	else if (strcmp(sl + 1, "simple") != 0)
		return -1;
	return 0;
}

/* RFC 8617 5.1.1: the AMS of instance k + 1. NULL if valid, else why. */
static const char *
verify_ams(struct chain *c, size_t k)
{
	const struct dkim_tags *t = &c->ams_tags[k];
	const struct msg_header *f = c->r->set[k].ams;
	enum dkim_canon hc, bc;
	enum dkim_alg alg = tag_alg(c->a, t);
	unsigned char dg[BH_MAX];
	struct buf bh = BUF_INIT, data = BUF_INIT;
	const char **names, *h, *why;
	size_t *lens, n, dlen;

	if (alg == DKIM_ALG_UNKNOWN)
		return "a= missing or not allowed";
	if (parse_canon(tag_str(c->a, t, "c"), &hc, &bc) == -1)
		return "bad c=";
	if ((h = tag_str(c->a, t, "h")) == NULL ||
	    split_h(c->a, h, &names, &lens, &n) == -1)
		return "h= missing or naming ARC-Seal";
	if (tag_b64(c->a, t, "bh", &bh) == -1) {
		buf_free(&bh);
		return "bh= missing or not base64";
	}
	if (dkim_body_hash(c->m->body, c->m->body_len, bc, alg, -1, dg, &dlen,
	    NULL, &why) == -1 || dlen != bh.len ||
	    memcmp(dg, bh.p, dlen) != 0) {
		buf_free(&bh);
		return "body hash does not match";
	}
	buf_free(&bh);
	dkim_canon_headers(&data, hc, c->m, names, lens, n, f);
	dkim_canon_header(&data, hc, f->raw, f->raw_len, 1);
	why = check_sig(c, t, alg, &data);
	buf_free(&data);
	return why;
}

/* RFC 8617 5.1.2: the seal of instance k + 1 over sets 1..k+1. */
static const char *
verify_as(struct chain *c, size_t k)
{
	const struct dkim_tags *t = &c->as_tags[k];
	struct arc_set *s = c->r->set;
	enum dkim_alg alg = tag_alg(c->a, t);
	struct buf data = BUF_INIT;
	const char *why;
	size_t j;

	if (alg == DKIM_ALG_UNKNOWN)
		return "a= missing or not allowed";
	if (dkim_tags_get(t, "h") != NULL)
		return "h= is not allowed in ARC-Seal";
	for (j = 0; j <= k; j++) {
		dkim_canon_header(&data, DKIM_CANON_RELAXED, s[j].aar->raw,
		    s[j].aar->raw_len, 0);
		dkim_canon_header(&data, DKIM_CANON_RELAXED, s[j].ams->raw,
		    s[j].ams->raw_len, 0);
		dkim_canon_header(&data, DKIM_CANON_RELAXED, s[j].as->raw,
		    s[j].as->raw_len, j == k);
	}
	why = check_sig(c, t, alg, &data);
	buf_free(&data);
	return why;
}

/* Section 5.2 step 3 and 4.2.1: every set complete, cv= consistent. */
static int
check_structure(struct chain *c)
{
	struct arc_result *r = c->r;
	struct arc_set *s;
	size_t k;

	for (k = 0; k < r->n; k++) {
		s = &r->set[k];
		if (s->as == NULL || s->ams == NULL || s->aar == NULL)
			return fail(r, arena_printf(c->a, "ARC set %zu is "
			    "incomplete", k + 1));
		s->i = (unsigned)k + 1;
		s->cv = tag_str(c->a, &c->as_tags[k], "cv");
		s->seal_d = tag_str(c->a, &c->as_tags[k], "d");
		s->seal_s = tag_str(c->a, &c->as_tags[k], "s");
		s->ams_d = tag_str(c->a, &c->ams_tags[k], "d");
		s->is_ams_valid = s->is_seal_valid = -1;
		if (s->cv == NULL)
			return fail(r, arena_printf(c->a, "ARC-Seal i=%zu has "
			    "no cv=", k + 1));
	}
	r->nset = r->n;
	if (strcmp(r->set[r->n - 1].cv, "fail") == 0)
		return fail(r, "the newest ARC-Seal says cv=fail");
	for (k = 0; k < r->n; k++) {
		s = &r->set[k];
		if (k == 0 && strcmp(s->cv, "none") != 0)
			return fail(r, "ARC-Seal i=1 has a cv= other than none");
		if (k > 0 && strcmp(s->cv, "pass") != 0)
			return fail(r, arena_printf(c->a, "ARC-Seal i=%zu has "
			    "cv=%s, not pass", k + 1, s->cv));
	}
	return 0;
}

int
arc_verify(const struct dkim_opts *o, const struct msg *m,
    struct dns_resolver *res, struct arena *a, struct arc_result **res_r,
    const char **why_r)
{
	struct dkim_opts def;
	struct chain *c = arena_zalloc(a, sizeof(*c));
	struct arc_result *r = arena_zalloc(a, sizeof(*r));
	const char *why;
	size_t i, nf = 0, k;

	(void)why_r;
	if (o == NULL) {
		dkim_opts_default(&def);
		o = &def;
	}
	*res_r = r;
	r->set = arena_calloc(a, ARC_INSTANCES_MAX, sizeof(*r->set));
	c->o = o;
	c->m = m;
	c->res = res;
	c->a = a;
	c->r = r;
	for (i = 0; i < m->nhdr; i++) {
		if (!msg_header_is(&m->hdr[i], "ARC-Seal") &&
		    !msg_header_is(&m->hdr[i], "ARC-Message-Signature") &&
		    !msg_header_is(&m->hdr[i], "ARC-Authentication-Results"))
			continue;
		if (++nf > ARC_FIELDS_MAX) {
			fail(r, "too many ARC fields");
			return 0;
		}
		if (gather_one(c, &m->hdr[i]) == -1)
			return 0;
	}
	if (r->n == 0) {
		r->cv = ARC_CV_NONE;
		r->reason = "no ARC sets";
		return 0;
	}
	if (check_structure(c) == -1)
		return 0;
	k = r->n - 1;
	if ((why = verify_ams(c, k)) != NULL) {
		r->set[k].is_ams_valid = 0;
		fail(r, arena_printf(a, "ARC-Message-Signature i=%zu: %s",
		    k + 1, why));
		return 0;
	}
	r->set[k].is_ams_valid = 1;
	for (k = r->n - 1; k-- > 0;) {
		r->set[k].is_ams_valid = verify_ams(c, k) == NULL;
		if (!r->set[k].is_ams_valid) {
			r->oldest_pass = (unsigned)k + 2;
			break;
		}
	}
	for (k = r->n; k-- > 0;) {
		if ((why = verify_as(c, k)) != NULL) {
			r->set[k].is_seal_valid = 0;
			fail(r, arena_printf(a, "ARC-Seal i=%zu: %s", k + 1,
			    why));
			return 0;
		}
		r->set[k].is_seal_valid = 1;
	}
	r->cv = ARC_CV_PASS;
	r->reason = arena_printf(a, "%u ARC set%s, all seals valid", r->n,
	    r->n == 1 ? "" : "s");
	r->sealers = arena_calloc(a, r->n, sizeof(*r->sealers));
	for (k = r->n; k-- > 0;)
		r->sealers[r->nsealers++] = r->set[k].seal_d;
	return 0;
}

const char *
arc_cv_str(enum arc_cv cv)
{
	static const char *s[] = { "none", "pass", "fail" };

	return (unsigned)cv < 3 ? s[cv] : "?";
}
