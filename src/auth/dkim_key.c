/*
 * DKIM keys: public key records (RFC 6376 section 3.6.1, RFC 8463 section
 * 4) fetched from "selector._domainkey.domain" TXT (section 3.6.2) and
 * kept in a process-wide cache bounded by the record's TTL; private keys
 * for signing; the RSA (RFC 8017 PKCS#1 v1.5) and Ed25519 (RFC 8032,
 * over the SHA-256 hash as RFC 8463 section 3 says) primitives. OpenSSL 3
 * EVP interfaces only.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim.h"
#include "auth/dkim_int.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define KC_BUCKETS	1024
#define KC_MAX		8192	/* entries; emptied when full */
#define KC_TTL_MAX	3600	/* seconds a key is trusted from cache */
#define KC_NEG_TTL_MAX	300	/* seconds to remember a missing key */
#define KEY_B64_MAX	8192	/* p= characters (a 16384-bit RSA key) */

struct dkim_privkey {
	EVP_PKEY		*pkey;
	enum dkim_keytype	 type;
	unsigned		 bits;
};

static void
pkey_free_cb(void *p)
{
	EVP_PKEY_free(p);
}

static void
pctx_free_cb(void *p)
{
	EVP_PKEY_CTX_free(p);
}

/*
 * A context set up for RSA PKCS#1 v1.5 with SHA-256, or NULL. Making
 * one costs a provider fetch (about a third of an RSA-2048 verification);
 * a ready one is duplicated or reused instead.
 */
static EVP_PKEY_CTX *
rsa_vctx(EVP_PKEY *pk)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);

	if (pc == NULL || EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc,
	    dkim_md(DKIM_ALG_RSA_SHA256)) != 1) {
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	return pc;
}

/* Colon-separated list membership ("a:b:c", FWS allowed around items). */
static int
list_has(const struct dkim_tag *t, const char *item)
{
	const char *p = t->value, *e = t->value + t->value_len, *c;
	size_t n = strlen(item);

	while (p <= e) {
		const char *s, *q;

		c = memchr(p, ':', (size_t)(e - p));
		if (c == NULL)
			c = e;
		for (s = p; s < c && strchr(" \t\r\n", *s) != NULL; s++)
			;
		for (q = c; q > s && strchr(" \t\r\n", q[-1]) != NULL; q--)
			;
		if ((size_t)(q - s) == n && str_ncasecmp(s, item, n) == 0)
			return 1;
		if (c == e)
			break;
		p = c + 1;
	}
	return 0;
}

static int
tag_is(const struct dkim_tag *t, const char *s)
{
	return t->value_len == strlen(s) && memcmp(t->value, s, t->value_len)
	    == 0;
}

/* Decode the p= key data into an EVP_PKEY of the asked type. */
static EVP_PKEY *
key_decode(const unsigned char *d, size_t n, enum dkim_keytype type,
    const char **why_r)
{
	const unsigned char *q = d;
	EVP_PKEY *pk = NULL;

	if (type == DKIM_KEY_ED25519 && n == 32)
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, d,
		    32);
	if (pk == NULL) {
		q = d;
		pk = d2i_PUBKEY(NULL, &q, (long)n);	/* SPKI */
		if (pk != NULL && q != d + n) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (pk == NULL && type == DKIM_KEY_RSA) {
		q = d;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n); /* PKCS1 */
		if (pk != NULL && q != d + n) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (pk == NULL) {
		*why_r = "key data (p=) is not a valid public key";
		return NULL;
	}
	if ((type == DKIM_KEY_RSA && !EVP_PKEY_is_a(pk, "RSA")) ||
	    (type == DKIM_KEY_ED25519 && !EVP_PKEY_is_a(pk, "ED25519"))) {
		EVP_PKEY_free(pk);
		*why_r = "key data does not match the key type (k=)";
		return NULL;
	}
	return pk;
}

/* Tags other than p= (section 3.6.1). */
static int
key_tags(const struct dkim_tags *tags, struct dkim_key *k,
    const char **why_r)
{
	const struct dkim_tag *t;

	if ((t = dkim_tags_get(tags, "v")) != NULL &&
	    (t != &tags->t[0] || !tag_is(t, "DKIM1"))) {
		*why_r = t != &tags->t[0] ? "v= is not the first tag" :
		    "key record version is not DKIM1";
		return -1;
	}
	k->type = DKIM_KEY_RSA;
	if ((t = dkim_tags_get(tags, "k")) != NULL) {
		if (tag_is(t, "rsa"))
			k->type = DKIM_KEY_RSA;
		else if (tag_is(t, "ed25519"))
			k->type = DKIM_KEY_ED25519;
		else {
			*why_r = "unknown key type (k=)";
			return -1;
		}
	}
	k->hashes = DKIM_HASH_SHA1 | DKIM_HASH_SHA256;
	if ((t = dkim_tags_get(tags, "h")) != NULL)
		k->hashes = (list_has(t, "sha1") ? DKIM_HASH_SHA1 : 0) |
		    (list_has(t, "sha256") ? DKIM_HASH_SHA256 : 0);
	k->is_email = 1;
	if ((t = dkim_tags_get(tags, "s")) != NULL)
		k->is_email = list_has(t, "*") || list_has(t, "email");
	if ((t = dkim_tags_get(tags, "t")) != NULL) {
		k->is_testing = list_has(t, "y");
		k->is_strict = list_has(t, "s");
	}
	return 0;
}

int
dkim_key_parse(struct arena *a, const char *p, size_t len,
    struct dkim_key *k_r, const char **why_r)
{
	struct dkim_tags tags;
	const struct dkim_tag *t;
	struct buf raw = BUF_INIT;
	EVP_PKEY *pk;
	char *b64;
	size_t n;

	memset(k_r, 0, sizeof(*k_r));
	if (dkim_tags_parse(a, p, len, &tags, why_r) == -1)
		return -1;
	if (key_tags(&tags, k_r, why_r) == -1)
		return -1;
	if ((t = dkim_tags_get(&tags, "n")) != NULL)
		k_r->notes = arena_strndup(a, t->value, t->value_len);
	if ((t = dkim_tags_get(&tags, "p")) == NULL) {
		*why_r = "key record without p=";
		return -1;
	}
	b64 = dkim_tag_nows(a, t, &n);
	if (n == 0) {
		k_r->is_revoked = 1;
		return 0;
	}
	if (n > KEY_B64_MAX) {
		*why_r = "key data (p=) too long";
		return -1;
	}
	if (b64_decode(b64, n, &raw) == -1 || raw.len == 0) {
		buf_free(&raw);
		*why_r = "key data (p=) is not valid base64";
		return -1;
	}
	pk = key_decode((unsigned char *)raw.p, raw.len, k_r->type, why_r);
	buf_free(&raw);
	if (pk == NULL)
		return -1;
	k_r->bits = (unsigned)EVP_PKEY_get_bits(pk);
	k_r->pkey = pk;
	arena_defer(a, pkey_free_cb, pk);
	if (k_r->type == DKIM_KEY_RSA &&
	    (k_r->vctx = rsa_vctx(pk)) != NULL)
		arena_defer(a, pctx_free_cb, k_r->vctx);
	return 0;
}

/*
 * The key cache: (resolver, lower-cased owner name) to a parsed key or
 * to the permerror that its record gave, with an expiry on the monotonic
 * clock. One mutex; entries are small and lookups short.
 */
struct kc_entry {
	struct kc_entry	*next;
	const void	*res;
	char		*name;
	uint64_t	 expires_us;
	int		 ok;
	char		*why;		/* !ok */
	struct dkim_key	 key;		/* ok: owns pkey and vctx */
	char		*notes;
};

static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kc_entry *kc_tab[KC_BUCKETS];
static size_t kc_count;

static void
kc_entry_free(struct kc_entry *e)
{
	EVP_PKEY_CTX_free(e->key.vctx);
	EVP_PKEY_free(e->key.pkey);
	free(e->name);
	free(e->why);
	free(e->notes);
	free(e);
}

/* Caller holds kc_lock. */
static void
kc_flush_locked(void)
{
	struct kc_entry *e, *next;
	size_t i;

	for (i = 0; i < KC_BUCKETS; i++) {
		for (e = kc_tab[i]; e != NULL; e = next) {
			next = e->next;
			kc_entry_free(e);
		}
		kc_tab[i] = NULL;
	}
	kc_count = 0;
}

void
dkim_key_cache_flush(void)
{
	pthread_mutex_lock(&kc_lock);
	kc_flush_locked();
	pthread_mutex_unlock(&kc_lock);
}

static size_t
kc_hash(const void *res, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)res;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (size_t)(h % KC_BUCKETS);
}

/*
 * Look name up. Returns 1 with a copy of the key in the arena (or the
 * cached error), 0 when absent or expired.
 */
static int
kc_get(const void *res, const char *name, struct arena *a,
    struct dkim_key *k_r, int *ok_r, const char **why_r)
{
	struct kc_entry **pp, *e;
	uint64_t now = clock_mono_us();
	int hit = 0;

	pthread_mutex_lock(&kc_lock);
	for (pp = &kc_tab[kc_hash(res, name)]; (e = *pp) != NULL;
	    pp = &e->next) {
		if (e->res != res || strcmp(e->name, name) != 0)
			continue;
		if (e->expires_us < now) {
			*pp = e->next;
			kc_entry_free(e);
			kc_count--;
			break;
		}
		hit = 1;
		*ok_r = e->ok;
		if (!e->ok) {
			*why_r = arena_strdup(a, e->why);
			break;
		}
		*k_r = e->key;
		k_r->notes = e->notes != NULL ? arena_strdup(a, e->notes) :
		    NULL;
		if (k_r->pkey != NULL) {
			EVP_PKEY_up_ref(k_r->pkey);
			arena_defer(a, pkey_free_cb, k_r->pkey);
		}
		/* The caller's own context: the entry may die first. */
		k_r->vctx = NULL;
		if (e->key.vctx != NULL &&
		    (k_r->vctx = EVP_PKEY_CTX_dup(e->key.vctx)) != NULL)
			arena_defer(a, pctx_free_cb, k_r->vctx);
		break;
	}
	pthread_mutex_unlock(&kc_lock);
	return hit;
}

static void
kc_put(const void *res, const char *name, uint32_t ttl,
    const struct dkim_key *k, const char *why)
{
	struct kc_entry *e = xcalloc(1, sizeof(*e));
	size_t b;

	e->res = res;
	e->name = xstrdup(name);
	e->expires_us = clock_mono_us() + (uint64_t)ttl * 1000000;
	e->ok = k != NULL;
	if (k != NULL) {
		e->key = *k;
		e->key.notes = NULL;
		e->notes = k->notes != NULL ? xstrdup(k->notes) : NULL;
		if (e->key.pkey != NULL)
			EVP_PKEY_up_ref(e->key.pkey);
		if (k->vctx != NULL)
			e->key.vctx = EVP_PKEY_CTX_dup(k->vctx);
	} else
		e->why = xstrdup(why);
	b = kc_hash(res, name);
	pthread_mutex_lock(&kc_lock);
	if (kc_count >= KC_MAX)
		kc_flush_locked();
	e->next = kc_tab[b];
	kc_tab[b] = e;
	kc_count++;
	pthread_mutex_unlock(&kc_lock);
}

/* Ask DNS and parse. ttl_r: how long the outcome may be cached (0: no). */
static int
key_lookup(struct dns_resolver *r, const char *name, struct arena *a,
    struct dkim_key *k_r, enum dkim_result *res_r, uint32_t *ttl_r,
    const char **why_r)
{
	struct dns_answer *ans;
	struct dns_str txt;
	const char *why2 = NULL;
	size_t i;

	*ttl_r = 0;
	if (dns_query(r, name, DNS_T_TXT, a, &ans, why_r) == -1) {
		*res_r = DKIM_PERMERROR;
		return -1;
	}
	switch (ans->rcode) {
	case DNS_R_NOERROR:
		break;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		*res_r = DKIM_PERMERROR;
		*why_r = arena_printf(a, "no key record at %s", name);
		*ttl_r = ans->ttl < KC_NEG_TTL_MAX ? ans->ttl : KC_NEG_TTL_MAX;
		return -1;
	default:
		*res_r = DKIM_TEMPERROR;
		*why_r = arena_printf(a, "key lookup of %s: %s", name,
		    dns_rcode_str(ans->rcode));
		return -1;
	}
	if (ans->sec == DNS_SEC_BOGUS) {
		*res_r = DKIM_TEMPERROR;
		*why_r = arena_printf(a, "key record of %s is DNSSEC-bogus",
		    name);
		return -1;
	}
	*ttl_r = ans->ttl < KC_TTL_MAX ? ans->ttl : KC_TTL_MAX;
	/* Section 3.6.2.2: strings are joined; the first good record wins. */
	for (i = 0; i < ans->nrr; i++) {
		if (!ans->rr[i].is_decoded)
			continue;
		txt = dns_txt_join(a, &ans->rr[i]);
		if (dkim_key_parse(a, txt.p, txt.len, k_r, &why2) == 0)
			return 0;
	}
	*res_r = DKIM_PERMERROR;
	*why_r = arena_printf(a, "bad key record at %s: %s", name,
	    why2 != NULL ? why2 : "no TXT data");
	return -1;
}

int
dkim_key_fetch(struct dns_resolver *r, const struct dkim_opts *o,
    const char *s, const char *d, struct arena *a,
    const struct dkim_key **k_r, enum dkim_result *res_r,
    const char **why_r)
{
	struct dkim_key *k = arena_zalloc(a, sizeof(*k));
	const char *name;
	uint32_t ttl;
	int ok = 0;

	*k_r = NULL;
	name = str_lower(arena_printf(a, "%s._domainkey.%s", s, d));
	if (dns_name_check(name, why_r) == -1) {
		*res_r = DKIM_PERMERROR;
		*why_r = arena_printf(a, "bad key name %s: %s", name, *why_r);
		return -1;
	}
	if (!o->no_key_cache && kc_get(r, name, a, k, &ok, why_r)) {
		if (!ok) {
			*res_r = DKIM_PERMERROR;
			return -1;
		}
		*k_r = k;
		return 0;
	}
	if (key_lookup(r, name, a, k, res_r, &ttl, why_r) == -1) {
		if (!o->no_key_cache && ttl > 0 && *res_r == DKIM_PERMERROR)
			kc_put(r, name, ttl, NULL, *why_r);
		return -1;
	}
	if (!o->no_key_cache && ttl > 0)
		kc_put(r, name, ttl, k, NULL);
	*k_r = k;
	return 0;
}

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha1, *md_sha256;

static void
md_fetch(void)
{
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
dkim_md(enum dkim_alg alg)
{
	pthread_once(&md_once, md_fetch);
	switch (alg) {
	case DKIM_ALG_RSA_SHA1:
		return md_sha1 != NULL ? md_sha1 : EVP_sha1();
	case DKIM_ALG_RSA_SHA256:
	case DKIM_ALG_ED25519_SHA256:
		return md_sha256 != NULL ? md_sha256 : EVP_sha256();
	case DKIM_ALG_UNKNOWN:
		break;
	}
	return NULL;
}

static const EVP_MD *
alg_md(enum dkim_alg alg)
{
	return dkim_md(alg == DKIM_ALG_RSA_SHA1 ? alg : DKIM_ALG_RSA_SHA256);
}

static int
alg_fits(enum dkim_alg alg, EVP_PKEY *pk, const char **why_r)
{
	int is_rsa = EVP_PKEY_is_a(pk, "RSA");

	if (alg == DKIM_ALG_UNKNOWN) {
		*why_r = "unknown signature algorithm";
		return 0;
	}
	if ((alg == DKIM_ALG_ED25519_SHA256) == is_rsa) {
		*why_r = "key type does not match the signature algorithm";
		return 0;
	}
	return 1;
}

int
dkim_crypto_verify(const struct dkim_key *k, enum dkim_alg alg,
    const void *data, size_t len, const void *sig, size_t siglen,
    const char **why_r)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	EVP_PKEY_CTX *pc;
	EVP_MD_CTX *mc;
	int ok;

	if (k->pkey == NULL) {
		*why_r = "key revoked";
		return -1;
	}
	if (!alg_fits(alg, k->pkey, why_r))
		return -1;
	if (EVP_Digest(data, len, dg, &dlen, alg_md(alg), NULL) != 1) {
		*why_r = "digest failed";
		return -1;
	}
	if (alg == DKIM_ALG_ED25519_SHA256) {
		if ((mc = EVP_MD_CTX_new()) == NULL)
			return 0;
		ok = EVP_DigestVerifyInit(mc, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestVerify(mc, sig, siglen, dg, dlen) == 1;
		EVP_MD_CTX_free(mc);
		return ok;
	}
	if (alg == DKIM_ALG_RSA_SHA256 && k->vctx != NULL)
		return EVP_PKEY_verify(k->vctx, sig, siglen, dg, dlen) == 1;
	if ((pc = EVP_PKEY_CTX_new(k->pkey, NULL)) == NULL)
		return 0;
	ok = EVP_PKEY_verify_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, alg_md(alg)) == 1 &&
	    EVP_PKEY_verify(pc, sig, siglen, dg, dlen) == 1;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

int
dkim_crypto_sign(const struct dkim_privkey *k, enum dkim_alg alg,
    const void *data, size_t len, struct buf *sig, const char **why_r)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	size_t slen = 0;
	EVP_PKEY_CTX *pc;
	EVP_MD_CTX *mc;
	int ok;

	if (!alg_fits(alg, k->pkey, why_r))
		return -1;
	if (EVP_Digest(data, len, dg, &dlen, alg_md(alg), NULL) != 1) {
		*why_r = "digest failed";
		return -1;
	}
	if (alg == DKIM_ALG_ED25519_SHA256) {
		if ((mc = EVP_MD_CTX_new()) == NULL)
			return -1;
		buf_reserve(sig, 64);
		slen = 64;
		ok = EVP_DigestSignInit(mc, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestSign(mc, (unsigned char *)sig->p + sig->len,
		    &slen, dg, dlen) == 1;
		EVP_MD_CTX_free(mc);
	} else {
		if ((pc = EVP_PKEY_CTX_new(k->pkey, NULL)) == NULL)
			return -1;
		ok = EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, alg_md(alg)) == 1 &&
		    EVP_PKEY_sign(pc, NULL, &slen, dg, dlen) == 1;
		if (ok) {
			buf_reserve(sig, slen);
			ok = EVP_PKEY_sign(pc, (unsigned char *)sig->p +
			    sig->len, &slen, dg, dlen) == 1;
		}
		EVP_PKEY_CTX_free(pc);
	}
	if (!ok) {
		*why_r = "signing failed";
		return -1;
	}
	sig->len += slen;
	return 0;
}

static int
privkey_wrap(EVP_PKEY *pk, struct dkim_privkey **k_r, const char **why_r)
{
	struct dkim_privkey *k;

	if (EVP_PKEY_is_a(pk, "RSA") == 0 && EVP_PKEY_is_a(pk, "ED25519") ==
	    0) {
		EVP_PKEY_free(pk);
		*why_r = "private key is neither RSA nor ed25519";
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	k->pkey = pk;
	k->type = EVP_PKEY_is_a(pk, "RSA") ? DKIM_KEY_RSA : DKIM_KEY_ED25519;
	k->bits = (unsigned)EVP_PKEY_get_bits(pk);
	*k_r = k;
	return 0;
}

int
dkim_privkey_from_mem(const char *p, size_t len, struct dkim_privkey **k_r,
    const char **why_r)
{
	struct buf raw = BUF_INIT;
	EVP_PKEY *pk = NULL;
	BIO *bio;

	*k_r = NULL;
	if (memmem(p, len, "-----BEGIN", 10) != NULL) {
		if ((bio = BIO_new_mem_buf(p, (int)len)) == NULL) {
			*why_r = "out of memory";
			return -1;
		}
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else if (b64_decode(p, len, &raw) == 0 && raw.len == 32) {
		/* A bare ed25519 seed, as dkimpy keeps them. */
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    (unsigned char *)raw.p, 32);
	}
	if (raw.p != NULL)
		OPENSSL_cleanse(raw.p, raw.len);
	buf_free(&raw);
	if (pk == NULL) {
		*why_r = "not a PEM private key or base64 ed25519 seed";
		return -1;
	}
	return privkey_wrap(pk, k_r, why_r);
}

int
dkim_privkey_load(const char *path, struct dkim_privkey **k_r,
    const char **why_r)
{
	char tmp[16384];
	size_t n;
	FILE *f;
	int rc;

	*k_r = NULL;
	if ((f = fopen(path, "re")) == NULL) {
		*why_r = "cannot open the key file";
		return -1;
	}
	n = fread(tmp, 1, sizeof(tmp), f);
	rc = ferror(f) || !feof(f);
	fclose(f);
	if (rc) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		*why_r = "cannot read the key file (or over 16 KiB)";
		return -1;
	}
	rc = dkim_privkey_from_mem(tmp, n, k_r, why_r);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

int
dkim_privkey_generate(enum dkim_keytype t, unsigned bits,
    struct dkim_privkey **k_r, const char **why_r)
{
	EVP_PKEY *pk;

	*k_r = NULL;
	if (t == DKIM_KEY_RSA) {
		if (bits == 0)
			bits = 2048;
		if (bits < 1024 || bits > 8192) {
			*why_r = "RSA key size must be 1024 to 8192 bits";
			return -1;
		}
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (t == DKIM_KEY_ED25519)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else {
		*why_r = "unknown key type";
		return -1;
	}
	if (pk == NULL) {
		*why_r = "key generation failed";
		return -1;
	}
	return privkey_wrap(pk, k_r, why_r);
}

void
dkim_privkey_free(struct dkim_privkey **k)
{
	if (*k == NULL)
		return;
	EVP_PKEY_free((*k)->pkey);
	free(*k);
	*k = NULL;
}

enum dkim_keytype
dkim_privkey_type(const struct dkim_privkey *k)
{
	return k->type;
}

unsigned
dkim_privkey_bits(const struct dkim_privkey *k)
{
	return k->bits;
}

int
dkim_privkey_pem(const struct dkim_privkey *k, struct buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int ok;

	if (bio == NULL)
		return -1;
	ok = PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL,
	    NULL) == 1;
	if (ok && (n = BIO_get_mem_data(bio, &p)) > 0)
		buf_add(out, p, (size_t)n);
	BIO_free(bio);
	return ok ? 0 : -1;
}

const char *
dkim_privkey_record(const struct dkim_privkey *k, struct arena *a)
{
	struct buf der = BUF_INIT, b64 = BUF_INIT;
	unsigned char *d = NULL;
	const char *rec;
	size_t n = 32;
	int len;

	if (k->type == DKIM_KEY_ED25519) {
		buf_reserve(&der, 32);
		if (EVP_PKEY_get_raw_public_key(k->pkey,
		    (unsigned char *)der.p, &n) != 1)
			return NULL;
		der.len = n;
	} else {
		if ((len = i2d_PUBKEY(k->pkey, &d)) <= 0)
			return NULL;
		buf_add(&der, d, (size_t)len);
		OPENSSL_free(d);
	}
	b64_encode(der.p, der.len, &b64);
	rec = arena_printf(a, "v=DKIM1; k=%s; p=%s",
	    dkim_keytype_str(k->type), b64.p);
	buf_free(&der);
	buf_free(&b64);
	return rec;
}

int
dkim_privkey_matches(const struct dkim_privkey *k,
    const struct dkim_key *pub)
{
	return pub->pkey != NULL && EVP_PKEY_eq(k->pkey, pub->pkey) == 1;
}
