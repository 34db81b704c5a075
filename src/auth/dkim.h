/*
 * DKIM: verification and signing of DomainKeys Identified Mail (RFC 6376)
 * with the RFC 8301 cryptographic updates (rsa-sha1 and RSA keys under
 * 1024 bits refused unless configured) and Ed25519-SHA256 (RFC 8463).
 *
 * Three layers, each usable alone:
 *  - building blocks (tag lists, canonicalisation, body hash, key records,
 *    the sign/verify primitive over a data buffer), which ARC (RFC 8617)
 *    reuses because it shares DKIM's tag syntax, canonicalisation and
 *    _domainkey key records;
 *  - dkim_verify_msg(): every DKIM-Signature of a message, one result each
 *    with its RFC 8601 result word and a reason;
 *  - dkim_sign(): one DKIM-Signature field for a message and a key.
 *
 * The library never logs. All results and strings live in the caller's
 * arena unless a comment says otherwise. The only global state is the
 * thread-safe cache of parsed public keys (per resolver, selector and
 * domain, bounded by the record's TTL).
 */
#ifndef MXW_DKIM_H
#define MXW_DKIM_H

#include <stddef.h>
#include <time.h>

struct arena;
struct buf;
struct dns_resolver;
struct msg;
struct msg_header;

/* RFC 8601 section 2.7.1 result words, in that order for dkim_result_str. */
enum dkim_result {
	DKIM_NONE = 0,		/* no signature */
	DKIM_PASS,
	DKIM_FAIL,		/* bad signature or body hash, expired */
	DKIM_NEUTRAL,		/* not evaluated (over the cap) */
	DKIM_POLICY,		/* valid syntax, refused by local policy
				   (rsa-sha1, short RSA key: RFC 8301) */
	DKIM_TEMPERROR,		/* DNS trouble fetching the key */
	DKIM_PERMERROR		/* bad syntax, missing key, bad key */
};

enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED
};

enum dkim_alg {
	DKIM_ALG_UNKNOWN = 0,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256
};

enum dkim_keytype {
	DKIM_KEY_UNKNOWN = 0,
	DKIM_KEY_RSA,
	DKIM_KEY_ED25519
};

/* Hash algorithms as bits (key record h= tag). */
#define DKIM_HASH_SHA1		0x1
#define DKIM_HASH_SHA256	0x2

#define DKIM_SIGS_MAX_DEFAULT	10	/* checked per message */
#define DKIM_MIN_RSA_BITS	1024	/* RFC 8301 section 3.2 */
#define DKIM_CLOCK_SKEW		300	/* seconds of slack, t= x= */
#define DKIM_TAGS_MAX		64	/* tags in one tag list */
#define DKIM_TAGLIST_MAX	(64 * 1024) /* bytes of one tag list */
#define DKIM_HDRS_MAX		256	/* names in one h= list */
#define DKIM_BPREFIX_LEN	8	/* header.b prefix (RFC 6008) */

/*
 * Verification options. Fill with dkim_opts_default() and change what
 * the configuration says.
 */
struct dkim_opts {
	size_t		 max_signatures;  /* more: reported neutral */
	unsigned	 min_rsa_bits;	  /* smaller keys: policy */
	int		 allow_sha1;	  /* accept rsa-sha1 */
	unsigned	 clock_skew;	  /* slack for t=, x= (s) */
	time_t		 now;		  /* 0: clock_now() */
	int		 no_key_cache;	  /* always ask DNS (tests) */
};

void	dkim_opts_default(struct dkim_opts *o);

/* "none", "pass", "fail", "neutral", "policy", "temperror", "permerror". */
const char	*dkim_result_str(enum dkim_result r);
/* "rsa-sha1", "rsa-sha256", "ed25519-sha256", or "unknown". */
const char	*dkim_alg_str(enum dkim_alg a);
/* "rsa", "ed25519", "unknown". */
const char	*dkim_keytype_str(enum dkim_keytype t);

/*
 * Tag lists (RFC 6376 section 3.2): "name=value; name=value". Values are
 * trimmed of surrounding whitespace (FWS) but keep inner folding; names
 * and values point into the parsed text (borrowed, not NUL-terminated).
 */
struct dkim_tag {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

struct dkim_tags {
	struct dkim_tag	*t;		/* arena */
	size_t		 n;
};

/*
 * Parse [p, p+len). Returns 0, or -1 with *why_r (static or arena) for a
 * syntax error: a tag without "=", an empty or bad tag name, a control
 * character in a value, a duplicate tag (section 3.2: permerror), more
 * than DKIM_TAGS_MAX tags or more than DKIM_TAGLIST_MAX bytes. A final
 * ";" is allowed.
 */
int	dkim_tags_parse(struct arena *a, const char *p, size_t len,
    struct dkim_tags *tags_r, const char **why_r);
/* The tag named name (case-sensitive, as section 3.2 says), or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *tags,
    const char *name);
/* Copy of a tag value with all whitespace (FWS) removed, arena, NUL. */
char	*dkim_tag_nows(struct arena *a, const struct dkim_tag *t,
    size_t *len_r);

/*
 * Public key records (RFC 6376 section 3.6.1, RFC 8463 section 4).
 */
struct dkim_key {
	enum dkim_keytype type;
	unsigned	 bits;		/* RSA modulus; 256: ed25519 */
	unsigned	 hashes;	/* DKIM_HASH_* allowed by h= (all if
					   absent) */
	int		 is_revoked;	/* p= empty: no pkey */
	int		 is_testing;	/* t=y */
	int		 is_strict;	/* t=s: i= must equal d= */
	int		 is_email;	/* s= absent, "*" or has "email" */
	const char	*notes;		/* n=, arena, or NULL */
	void		*pkey;		/* EVP_PKEY *, freed with the
					   arena; NULL when revoked */
	void		*vctx;		/* internal: EVP_PKEY_CTX set
					   for rsa-sha256 (saves a fetch
					   per signature); like the
					   arena, one thread only */
};

/*
 * Parse a key record ("v=DKIM1; k=rsa; p=..."). The public key may be a
 * SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey (both are seen in
 * the wild), or the raw 32 bytes of an ed25519 key. Returns 0 and fills
 * *k_r (the EVP_PKEY is freed when a dies); -1 with *why_r for a record
 * that must be treated as absent or broken (permerror): bad syntax, v=
 * not first or not DKIM1, unknown k=, p= missing, undecodable key, key
 * type not matching k=. Key size policy is not applied here.
 */
int	dkim_key_parse(struct arena *a, const char *p, size_t len,
    struct dkim_key *k_r, const char **why_r);

/*
 * Fetch and parse the key of selector s in domain d
 * (s._domainkey.d TXT, strings joined per RFC 6376 section 3.6.2.2),
 * through the cache unless o->no_key_cache. Returns 0 and *k_r (arena)
 * on success. Otherwise returns -1 with *res_r set to DKIM_TEMPERROR
 * (SERVFAIL, timeout) or DKIM_PERMERROR (NXDOMAIN, no TXT, several
 * records, bad record) and *why_r. Thread-safe.
 */
int	dkim_key_fetch(struct dns_resolver *r, const struct dkim_opts *o,
    const char *s, const char *d, struct arena *a,
    const struct dkim_key **k_r, enum dkim_result *res_r,
    const char **why_r);

/* Drop every cached key (tests, configuration reload). Thread-safe. */
void	dkim_key_cache_flush(void);

/*
 * Canonicalisation (RFC 6376 section 3.4).
 */

/*
 * Append the canonical form of one header field to out. raw is the whole
 * field as in the message ("Name: value\r\n" with folding). Relaxed:
 * lower-case name, unfolded, WSP runs to one SP, no WSP around the colon
 * or at the end, then CRLF. Simple: raw unchanged. With strip_b, the
 * value of the b= tag is removed (the field being signed or verified,
 * section 3.7), and the final CRLF is left out.
 */
void	dkim_canon_header(struct buf *out, enum dkim_canon c,
    const char *raw, size_t len, int strip_b);

/*
 * Append the canonical forms of the header fields named in names[0..n)
 * (case-insensitive), chosen as section 5.4.2 says: for each name the
 * bottom-most field not yet used; a name with no field left contributes
 * nothing (over-signing). Fields listed in skip (may be NULL) are never
 * chosen (the signature field itself).
 */
void	dkim_canon_headers(struct buf *out, enum dkim_canon c,
    const struct msg *m, const char *const *names, const size_t *lens,
    size_t n, const struct msg_header *skip);

/*
 * Body hash (section 3.7): canonicalise body [p, p+len) (CRLF lines) and
 * hash it with the hash of alg. limit >= 0 hashes only the first limit
 * canonical octets (l= tag); -1 hashes all. Writes the digest to out
 * (at least 32 bytes) and its length to *outlen_r, and the total length
 * of the canonical body to *canon_len_r (may be NULL). Returns -1 with
 * *why_r for an unknown algorithm or a crypto failure.
 */
int	dkim_body_hash(const char *p, size_t len, enum dkim_canon c,
    enum dkim_alg alg, long long limit, unsigned char *out,
    size_t *outlen_r, size_t *canon_len_r, const char **why_r);

/*
 * The signature primitive: verify sig[0..siglen) over data[0..len) with
 * key k and algorithm alg (RSA PKCS#1 v1.5 over the SHA hash of data, or
 * Ed25519 over the SHA-256 hash of data as RFC 8463 section 3 says).
 * Returns 1 for a good signature, 0 for a bad one, -1 with *why_r when
 * the key does not fit the algorithm.
 */
int	dkim_crypto_verify(const struct dkim_key *k, enum dkim_alg alg,
    const void *data, size_t len, const void *sig, size_t siglen,
    const char **why_r);

/*
 * Private keys for signing (opaque). Loaded from PEM (PKCS#8 or PKCS#1
 * "RSA PRIVATE KEY") or a base64 32-byte ed25519 seed as dkimpy writes
 * them.
 */
struct dkim_privkey;

/* Caller frees with dkim_privkey_free(). -1 with *why_r (static). */
int	dkim_privkey_load(const char *path, struct dkim_privkey **k_r,
    const char **why_r);
int	dkim_privkey_from_mem(const char *p, size_t len,
    struct dkim_privkey **k_r, const char **why_r);
/* A fresh key: RSA of bits (0: 2048) or ed25519 (bits ignored). */
int	dkim_privkey_generate(enum dkim_keytype t, unsigned bits,
    struct dkim_privkey **k_r, const char **why_r);
void	dkim_privkey_free(struct dkim_privkey **k);
enum dkim_keytype dkim_privkey_type(const struct dkim_privkey *k);
unsigned dkim_privkey_bits(const struct dkim_privkey *k);
/* PKCS#8 PEM of the private key appended to out. -1 on failure. */
int	dkim_privkey_pem(const struct dkim_privkey *k, struct buf *out);
/*
 * The key record to publish ("v=DKIM1; k=rsa; p=..."), arena. RSA keys
 * are published as SubjectPublicKeyInfo, ed25519 as the raw 32 bytes.
 */
const char *dkim_privkey_record(const struct dkim_privkey *k,
    struct arena *a);
/* Does public key pub belong to private key k? 1 yes, 0 no. */
int	dkim_privkey_matches(const struct dkim_privkey *k,
    const struct dkim_key *pub);

/*
 * Sign data[0..len) with k (the RSA or Ed25519 half of alg must match
 * the key type). The raw signature is appended to sig. Returns 0, or -1
 * with *why_r.
 */
int	dkim_crypto_sign(const struct dkim_privkey *k, enum dkim_alg alg,
    const void *data, size_t len, struct buf *sig, const char **why_r);

/*
 * Verification of a message.
 */
struct dkim_sig_result {
	enum dkim_result result;
	const char	*reason;	/* human text, static or arena */
	size_t		 field;		/* index in msg->hdr */
	const char	*d, *s, *i;	/* tag values (arena), or NULL */
	const char	*a;		/* a= as written, or NULL */
	enum dkim_alg	 alg;
	enum dkim_canon	 hcanon, bcanon;
	const char	*b_prefix;	/* first DKIM_BPREFIX_LEN of b= */
	const char	*h;		/* h= as written, FWS removed */
	time_t		 t, x;		/* 0: absent */
	int		 has_l;		/* l= present */
	unsigned long long l;
	size_t		 body_len;	/* canonical body length */
	int		 is_testing;	/* key record t=y */
	enum dkim_keytype key_type;
	unsigned	 key_bits;	/* 0: key not fetched */
};

/*
 * Verify every DKIM-Signature of m (topmost first), at most
 * o->max_signatures of them; further signatures are reported NEUTRAL
 * without any work. Body hashes are computed once per (canonicalisation,
 * hash, l=) combination. Returns 0 with *res_r (arena, *n_r entries;
 * n == 0 means no signature: the result is DKIM_NONE). Verdicts are data:
 * -1 (with *why_r) only for internal failures. Thread-safe for distinct
 * arenas.
 */
int	dkim_verify_msg(const struct dkim_opts *o, const struct msg *m,
    struct dns_resolver *r, struct arena *a,
    struct dkim_sig_result **res_r, size_t *n_r, const char **why_r);

/*
 * The resinfo of an Authentication-Results field (RFC 8601 section 2.2)
 * for one result: "dkim=pass header.d=example.com header.s=sel
 * header.b=AbCdEf12" with a comment carrying the reason when it is not
 * a pass, or "dkim=none" for r == NULL. Arena.
 */
const char *dkim_authres(struct arena *a, const struct dkim_sig_result *r);

/*
 * Signing.
 */
struct dkim_sign_opts {
	const char	*domain;	/* d= (required) */
	const char	*selector;	/* s= (required) */
	const char	*identity;	/* i=, or NULL */
	enum dkim_canon	 hcanon, bcanon; /* default relaxed/relaxed */
	const char	*const *headers; /* h= names; NULL: the default list
					   with over-signing */
	size_t		 nheaders;
	time_t		 now;		/* t=; 0: clock_now() */
	unsigned long	 expire;	/* x = t + expire; 0: no x= */
	int		 use_sha1;	/* rsa-sha1 (tests only) */
};

/* Defaults: relaxed/relaxed, default header list, no x=. */
void	dkim_sign_opts_default(struct dkim_sign_opts *o);

/*
 * Sign m with k: the algorithm follows the key (rsa-sha256 or
 * ed25519-sha256). Returns 0 and *field_r (arena): the whole field,
 * "DKIM-Signature: ...\r\n", folded under 78 columns, to be prepended to
 * the message. Several keys: call once per key on the same message (the
 * signatures do not cover each other). -1 with *why_r on failure.
 */
int	dkim_sign(const struct msg *m, const struct dkim_sign_opts *o,
    const struct dkim_privkey *k, struct arena *a, const char **field_r,
    const char **why_r);

#endif
