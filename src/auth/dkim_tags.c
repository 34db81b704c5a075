/*
 * DKIM tag lists (RFC 6376 section 3.2), shared by DKIM-Signature fields,
 * key records (section 3.6.1) and ARC's header fields (RFC 8617 section
 * 4.1), plus the name tables and option defaults of the module.
 */
#include <string.h>

#include "auth/dkim.h"
#include "lib/arena.h"

void
dkim_opts_default(struct dkim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_signatures = DKIM_SIGS_MAX_DEFAULT;
	o->min_rsa_bits = DKIM_MIN_RSA_BITS;
	o->clock_skew = DKIM_CLOCK_SKEW;
}

const char *
dkim_result_str(enum dkim_result r)
{
	switch (r) {
	case DKIM_NONE:
		return "none";
	case DKIM_PASS:
		return "pass";
	case DKIM_FAIL:
		return "fail";
	case DKIM_NEUTRAL:
		return "neutral";
	case DKIM_POLICY:
		return "policy";
	case DKIM_TEMPERROR:
		return "temperror";
	case DKIM_PERMERROR:
		return "permerror";
	}
	return "permerror";
}

const char *
dkim_alg_str(enum dkim_alg a)
{
	switch (a) {
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	case DKIM_ALG_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
dkim_keytype_str(enum dkim_keytype t)
{
	switch (t) {
	case DKIM_KEY_RSA:
		return "rsa";
	case DKIM_KEY_ED25519:
		return "ed25519";
	case DKIM_KEY_UNKNOWN:
		break;
	}
	return "unknown";
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnumpunc(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/*
 * One tag-spec in [p, e) (no ';' inside). Returns 0, 1 for a segment of
 * whitespace only, -1 on a syntax error.
 */
static int
tag_spec(const char *p, const char *e, struct dkim_tag *t, const char **why_r)
{
	const char *n, *v;

	while (p < e && is_wsp((unsigned char)*p))
		p++;
	while (e > p && is_wsp((unsigned char)e[-1]))
		e--;
	if (p == e)
		return 1;
	if (!is_alpha((unsigned char)*p)) {
		*why_r = "tag name does not start with a letter";
		return -1;
	}
	for (n = p; p < e && is_alnumpunc((unsigned char)*p); p++)
		;
	t->name = n;
	t->name_len = (size_t)(p - n);
	while (p < e && is_wsp((unsigned char)*p))
		p++;
	if (p == e || *p != '=') {
		*why_r = "tag without \"=\"";
		return -1;
	}
	for (p++; p < e && is_wsp((unsigned char)*p); p++)
		;
	t->value = p;
	t->value_len = (size_t)(e - p);
	for (v = p; v < e; v++) {
		unsigned char c = (unsigned char)*v;

		/* VALCHAR and FWS; 8-bit allowed for RFC 8616 i= values. */
		if ((c < 0x21 && !is_wsp(c)) || c == 0x7f) {
			*why_r = "control character in a tag value";
			return -1;
		}
	}
	return 0;
}

int
dkim_tags_parse(struct arena *a, const char *p, size_t len,
    struct dkim_tags *tags_r, const char **why_r)
{
	const char *e = p + len, *semi;
	struct dkim_tag t;
	size_t i, cap = 16;
	int r;

	tags_r->n = 0;
	tags_r->t = NULL;
	if (len > DKIM_TAGLIST_MAX) {
		*why_r = "tag list too long";
		return -1;
	}
	tags_r->t = arena_alloc(a, cap * sizeof(*tags_r->t));
	for (;;) {
		semi = memchr(p, ';', (size_t)(e - p));
		if (semi == NULL)
			semi = e;
		r = tag_spec(p, semi, &t, why_r);
		if (r == -1)
			return -1;
		if (r == 1 && semi != e) {
			*why_r = "empty tag in tag list";
			return -1;
		}
		if (r == 0) {
			for (i = 0; i < tags_r->n; i++)
				if (tags_r->t[i].name_len == t.name_len &&
				    memcmp(tags_r->t[i].name, t.name,
				    t.name_len) == 0) {
					*why_r = "duplicate tag";
					return -1;
				}
			if (tags_r->n == DKIM_TAGS_MAX) {
				*why_r = "too many tags";
				return -1;
			}
			if (tags_r->n == cap) {
				struct dkim_tag *nt;

				nt = arena_alloc(a, 2 * cap * sizeof(*nt));
				memcpy(nt, tags_r->t, cap * sizeof(*nt));
				tags_r->t = nt;
				cap *= 2;
			}
			tags_r->t[tags_r->n++] = t;
		}
		if (semi == e)
			break;
		p = semi + 1;
	}
	return 0;
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *tags, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < tags->n; i++)
		if (tags->t[i].name_len == n &&
		    memcmp(tags->t[i].name, name, n) == 0)
			return &tags->t[i];
	return NULL;
}

char *
dkim_tag_nows(struct arena *a, const struct dkim_tag *t, size_t *len_r)
{
	char *s = arena_alloc(a, t->value_len + 1);
	size_t i, n = 0;

	for (i = 0; i < t->value_len; i++)
		if (!is_wsp((unsigned char)t->value[i]))
			s[n++] = t->value[i];
	s[n] = '\0';
	if (len_r != NULL)
		*len_r = n;
	return s;
}
