/*
 * The TLS parameter scan of one MX address and the opt-in RCPT tests,
 * each over new SMTP connections after the main probe (audit_smtp.c):
 * which suites the server accepts by class (RFC 9325 4.2, with the NCSC
 * classes below), whether it enforces its own order, the key exchange
 * (static RSA, DHE group size, ECDHE group; RFC 9325 4.3, RFC 7919), the
 * hash of the ServerKeyExchange signature (RFC 9155), compression (RFC
 * 9325 3.3), secure renegotiation (RFC 5746), client-initiated
 * renegotiation, and TLS 1.3 early data (RFC 8446 2.3, 8). Then the
 * findings of those checks, worst host first.
 *
 * Our client lowers its own security level to 0 for the scans: Debian's
 * OpenSSL defaults (SECLEVEL 2) would refuse to even offer the weak
 * suites, groups and SHA-1 signatures whose acceptance we look for.
 * Suites this OpenSSL build lacks (RC4, 3DES, single DES, export) cannot
 * be offered at all, so a server accepting only those goes unseen.
 */
#include <string.h>

#include <openssl/comp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

#define SCAN_MAX	24	/* accepted suites listed per class */
#define RENEG_MAX	11	/* one more than the catalogue's limit 10 */

/*
 * The classes of the Dutch NCSC "IT Security Guidelines for Transport
 * Layer Security (TLS)" v2.1, appendix B, as internet.nl's mail test
 * applies them (its tls_constants.py): for TLS 1.3, AES-256-GCM and
 * ChaCha20-Poly1305 are good, AES-128-GCM and AES-128-CCM sufficient;
 * for TLS 1.2, ECDHE with ECDSA or RSA and an AEAD (AES-GCM, ChaCha20,
 * AES-CCM but not CCM8) is sufficient; ECDHE with AES/Camellia-CBC and a
 * SHA-2 MAC or ARIA-GCM, and DHE-RSA with any of those or an AEAD, are
 * phase-out; everything else is insufficient: static RSA or DH key
 * exchange, SHA-1 MACs, 3DES, RC4, NULL, anonymous, PSK, SRP, DSS, CCM8.
 * Written as rules over OpenSSL's description of each suite so that a
 * suite missing from a list is never silently "good".
 */
static int
is_ccm8(const SSL_CIPHER *c)
{
	const char *n = SSL_CIPHER_get_name(c);

	return strstr(n, "CCM8") != NULL || strstr(n, "CCM_8") != NULL;
}

static enum audit_cipher_class
cipher_class(const SSL_CIPHER *c)
{
	int kx = SSL_CIPHER_get_kx_nid(c), au = SSL_CIPHER_get_auth_nid(c);
	int ci = SSL_CIPHER_get_cipher_nid(c);
	int md = SSL_CIPHER_get_digest_nid(c);
	int aead, cbc2, aria;

	if (kx == NID_kx_any) {		/* TLS 1.3 */
		if (ci == NID_aes_256_gcm || ci == NID_chacha20_poly1305)
			return AUDIT_CIPH_GOOD;
		if (ci == NID_aes_128_gcm ||
		    (ci == NID_aes_128_ccm && !is_ccm8(c)))
			return AUDIT_CIPH_SUFFICIENT;
		return AUDIT_CIPH_INSUFFICIENT;
	}
	if (au != NID_auth_rsa && au != NID_auth_ecdsa)
		return AUDIT_CIPH_INSUFFICIENT;
	aead = !is_ccm8(c) && (ci == NID_aes_128_gcm ||
	    ci == NID_aes_256_gcm || ci == NID_chacha20_poly1305 ||
	    ci == NID_aes_128_ccm || ci == NID_aes_256_ccm);
	cbc2 = (ci == NID_aes_128_cbc || ci == NID_aes_256_cbc ||
	    ci == NID_camellia_128_cbc || ci == NID_camellia_256_cbc) &&
	    (md == NID_sha256 || md == NID_sha384);
	aria = ci == NID_aria_128_gcm || ci == NID_aria_256_gcm;
	if (kx == NID_kx_ecdhe && aead)
		return AUDIT_CIPH_SUFFICIENT;
	if (kx == NID_kx_ecdhe && (cbc2 || aria))
		return AUDIT_CIPH_PHASE_OUT;
	if (kx == NID_kx_dhe && au == NID_auth_rsa && (aead || cbc2 || aria))
		return AUDIT_CIPH_PHASE_OUT;
	return AUDIT_CIPH_INSUFFICIENT;
}

const char *
audit_cipher_class_str(enum audit_cipher_class c)
{
	static const char *const s[] = {
		"good", "sufficient", "phase-out", "insufficient"
	};

	return (unsigned)c <= AUDIT_CIPH_INSUFFICIENT ? s[c] : "?";
}

/* A context offering every suite this OpenSSL has, TLS 1.0-1.2. */
static SSL_CTX *
ctx_legacy(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	return ctx;
}

int
audit_cipher_class_name(const char *name)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	STACK_OF(SSL_CIPHER) *sk;
	int i, cl = -1;

	if (ctx == NULL)
		return -1;
	SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	sk = SSL_CTX_get_ciphers(ctx);
	for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++)
		if (strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)),
		    name) == 0)
			cl = (int)cipher_class(sk_SSL_CIPHER_value(sk, i));
	SSL_CTX_free(ctx);
	return cl;
}

/*
 * A TLS session on a new SMTP connection: STARTTLS, then the handshake
 * with ctx, only the TLS 1.0-1.2 suites of ciphers when not NULL,
 * resuming sess with early data when early is not NULL. 0 with c open,
 * or -1 with *why_r and c closed.
 */
static int
tls_open(struct audit_probe *p, SSL_CTX *ctx, const char *ciphers,
    SSL_SESSION *sess, const char *early, struct audit_conn *c,
    const char **why_r)
{
	struct audit_smtp_reply r;
	unsigned long e;
	size_t w;

	if (audit_conn_smtp(p, c, why_r) == -1)
		return -1;
	if (audit_conn_cmd(c, "STARTTLS\r\n", &r, why_r) != 220) {
		if (r.code != 0)
			*why_r = arena_printf(p->a, "STARTTLS answered %d",
			    r.code);
		audit_conn_close(c);
		return -1;
	}
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || (ciphers != NULL &&
	    SSL_set_cipher_list(c->ssl, ciphers) != 1)) {
		*why_r = "no such suites in our OpenSSL";
		goto fail;
	}
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, p->host);
	if (sess != NULL)
		SSL_set_session(c->ssl, sess);
	if (early != NULL && SSL_write_early_data(c->ssl, early,
	    strlen(early), &w) != 1) {
		*why_r = "could not send early data";
		goto fail;
	}
	if (SSL_connect(c->ssl) != 1) {
		e = ERR_get_error();
		*why_r = arena_printf(p->a, "handshake failed: %s",
		    e != 0 ? ERR_reason_error_string(e) : "closed");
		goto fail;
	}
	return 0;
fail:
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
	audit_conn_close(c);
	return -1;
}

static void
tls_close(struct audit_conn *c)
{
	struct audit_smtp_reply r;
	const char *why;

	if (c->ssl != NULL)
		(void)audit_conn_cmd(c, "QUIT\r\n", &r, &why);
	audit_conn_close(c);
	ERR_clear_error();
}

/* The TLS 1.0-1.2 suites of ctx in class cl, our OpenSSL's names. */
static size_t
class_suites(SSL_CTX *ctx, enum audit_cipher_class cl, const char **v,
    size_t max)
{
	STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
	size_t n = 0;
	int i, au;

	for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk) && n < max;
	    i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);

		au = SSL_CIPHER_get_auth_nid(c);
		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any ||
		    au == NID_auth_psk || au == NID_auth_srp ||
		    cipher_class(c) != cl)
			continue;
		v[n++] = SSL_CIPHER_get_name(c);
	}
	return n;
}

/*
 * Offer the n suites of v; while the server picks one, note it and offer
 * the rest again. Returns the accepted suites, space-separated (arena),
 * or NULL if none.
 */
static const char *
scan_suites(struct audit_probe *p, SSL_CTX *ctx, const char **v, size_t n)
{
	struct audit_conn c;
	struct buf list = BUF_INIT, acc = BUF_INIT;
	const char *why, *got, *res;
	size_t i, k;

	for (k = 0; k < SCAN_MAX && n > 0; k++) {
		buf_reset(&list);
		for (i = 0; i < n; i++)
			buf_printf(&list, "%s%s", i > 0 ? ":" : "", v[i]);
		buf_printf(&list, ":@SECLEVEL=0");
		if (tls_open(p, ctx, list.p, NULL, NULL, &c, &why) == -1)
			break;
		got = SSL_get_cipher_name(c.ssl);
		buf_printf(&acc, "%s%s", acc.len > 0 ? " " : "", got);
		for (i = 0; i < n && strcmp(v[i], got) != 0; i++)
			;
		tls_close(&c);
		if (i == n)
			break;		/* not what we offered */
		v[i] = v[--n];
	}
	res = acc.len > 0 ? arena_strndup(p->a, acc.p, acc.len) : NULL;
	buf_free(&list);
	buf_free(&acc);
	return res;
}

/* Name of the ephemeral key of ssl: "X25519", "secp384r1", "DH 2048". */
static const char *
tmp_key(struct audit_probe *p, SSL *ssl, int *bits_r, int *ok_r)
{
	EVP_PKEY *pk = NULL;
	char grp[64];
	size_t gl = 0;
	const char *s = NULL;

	*bits_r = 0;
	*ok_r = 0;
	if (SSL_get_peer_tmp_key(ssl, &pk) != 1 || pk == NULL)
		return NULL;
	*bits_r = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_DH:
		s = arena_printf(p->a, "DH %d bits", *bits_r);
		*ok_r = *bits_r >= 2048;	/* RFC 7919, RFC 9325 4.1 */
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, grp, sizeof(grp), &gl) != 1)
			str_lcpy(grp, "?", sizeof(grp));
		s = arena_strdup(p->a, grp);
		/* NCSC 3.3.2.1: the NIST P curves from 256 bits, brainpool. */
		*ok_r = strcmp(grp, "prime256v1") == 0 ||
		    strcmp(grp, "secp384r1") == 0 ||
		    strcmp(grp, "secp521r1") == 0 ||
		    strncmp(grp, "brainpoolP", 10) == 0;
		break;
	case EVP_PKEY_X25519:
		s = "X25519";
		*ok_r = 1;
		break;
	case EVP_PKEY_X448:
		s = "X448";
		*ok_r = 1;
		break;
	default:
		s = "other";
	}
	EVP_PKEY_free(pk);
	return s;
}

/* A TLS 1.2 session: renegotiation, compression, signature hash. */
static void
scan_tls12(struct audit_probe *p)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct audit_conn c;
	struct audit_smtp_reply r;
	const COMP_METHOD *cm;
	const char *why, *g;
	int nid, bits, ok;

	p->secure_reneg = -1;
	if (ctx == NULL)
		return;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	/* OpenSSL 3 turns compression off by default; ask for it. */
	SSL_CTX_clear_options(ctx, SSL_OP_NO_COMPRESSION);
	p->comp_offered = sk_SSL_COMP_num(SSL_COMP_get_compression_methods())
	    > 0;
	if (tls_open(p, ctx, NULL, NULL, NULL, &c, &why) == -1) {
		p->scan_why = arena_printf(p->a, "TLS 1.2: %s", why);
		SSL_CTX_free(ctx);
		return;
	}
	p->secure_reneg = SSL_get_secure_renegotiation_support(c.ssl) == 1;
	if ((cm = SSL_get_current_compression(c.ssl)) != NULL)
		p->comp = arena_strdup(p->a, SSL_COMP_get_name(cm));
	if (SSL_get_peer_signature_nid(c.ssl, &nid) == 1)
		p->kex_hash = OBJ_nid2sn(nid);
	g = tmp_key(p, c.ssl, &bits, &ok);
	if (p->group == NULL && g != NULL) {
		p->group = g;
		p->group_ok = ok;
	}
	/* Client-initiated renegotiation, each one checked by a NOOP. */
	while (p->reneg_n < RENEG_MAX) {
		if (SSL_renegotiate(c.ssl) != 1 ||
		    SSL_do_handshake(c.ssl) != 1) {
			unsigned long e = ERR_get_error();

			p->reneg_why = e != 0 ? ERR_reason_error_string(e) :
			    "refused";
			break;
		}
		if (audit_conn_cmd(&c, "NOOP\r\n", &r, &why) != 250) {
			p->reneg_why = why != NULL ? why : "NOOP failed";
			break;
		}
		p->reneg_n++;
	}
	if (p->reneg_why != NULL) {
		audit_conn_close(&c);	/* the session is unusable */
		ERR_clear_error();
	} else
		tls_close(&c);
	SSL_CTX_free(ctx);
}

/* TLS 1.3: the key share group, then 0-RTT if the ticket allows it. */
static void
scan_tls13(struct audit_probe *p)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_SESSION *sess = NULL;
	struct audit_conn c;
	struct audit_smtp_reply r;
	const char *why;
	int nid;

	p->early_max = -1;
	if (ctx == NULL)
		return;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	if (tls_open(p, ctx, NULL, NULL, NULL, &c, &why) == -1) {
		p->early_why = arena_printf(p->a, "no TLS 1.3: %s", why);
		SSL_CTX_free(ctx);
		return;
	}
	nid = SSL_get_negotiated_group(c.ssl);
	if (nid != NID_undef && nid != 0) {
		const char *g = SSL_group_to_name(c.ssl, nid);

		p->group = g != NULL ? arena_strdup(p->a, g) : "?";
		/* RFC 8446 4.2.7 groups NCSC rates good or sufficient. */
		p->group_ok = nid == NID_X25519 || nid == NID_X448 ||
		    nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ||
		    nid == NID_secp521r1 || nid == NID_ffdhe2048 ||
		    nid == NID_ffdhe3072 || nid == NID_ffdhe4096 ||
		    nid == NID_ffdhe6144 || nid == NID_ffdhe8192;
	}
	/* Tickets come after the handshake: a NOOP reads them. */
	(void)audit_conn_cmd(&c, "NOOP\r\n", &r, &why);
	sess = SSL_get1_session(c.ssl);
	tls_close(&c);
	if (sess == NULL || !SSL_SESSION_is_resumable(sess)) {
		p->early_why = "no session ticket: no resumption, no 0-RTT";
		goto done;
	}
	p->early_max = (long)SSL_SESSION_get_max_early_data(sess);
	if (p->early_max == 0) {
		p->early_why = "session ticket allows no early data "
		    "(max_early_data 0)";
		goto done;
	}
	if (tls_open(p, ctx, NULL, sess, "NOOP\r\n", &c, &why) == -1) {
		p->early_why = arena_printf(p->a, "resumption: %s", why);
		goto done;
	}
	p->early_ok = SSL_get_early_data_status(c.ssl) ==
	    SSL_EARLY_DATA_ACCEPTED;
	p->early_why = arena_printf(p->a, "ticket max_early_data %ld; "
	    "early NOOP %s", p->early_max, p->early_ok ? "accepted" :
	    "rejected");
	tls_close(&c);
done:
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
}

/* One session with only the suites of ciphers: the suite, or NULL. */
static const char *
try_suites(struct audit_probe *p, SSL_CTX *ctx, const char *ciphers,
    int *bits_r, int *ok_r, const char **hash_r)
{
	struct audit_conn c;
	const char *why, *got;
	int nid;

	if (tls_open(p, ctx, ciphers, NULL, NULL, &c, &why) == -1)
		return NULL;
	got = SSL_get_cipher_name(c.ssl);
	if (bits_r != NULL)
		(void)tmp_key(p, c.ssl, bits_r, ok_r);
	if (hash_r != NULL)
		*hash_r = SSL_get_peer_signature_nid(c.ssl, &nid) == 1 ?
		    OBJ_nid2sn(nid) : NULL;
	tls_close(&c);
	return got;
}

/* Which of a bad and a good suite the server takes, bad offered first. */
static void
scan_order(struct audit_probe *p, SSL_CTX *ctx, const char *bad)
{
	const char *good[64], *got;
	struct buf b = BUF_INIT;
	size_t i, n;
	char first[128];

	n = class_suites(ctx, AUDIT_CIPH_SUFFICIENT, good, 64);
	if (n == 0 || bad == NULL)
		return;
	str_lcpy(first, bad, sizeof(first));
	first[strcspn(first, " ")] = '\0';
	buf_printf(&b, "%s", first);
	for (i = 0; i < n; i++)
		buf_printf(&b, ":%s", good[i]);
	buf_printf(&b, ":@SECLEVEL=0");
	got = try_suites(p, ctx, b.p, NULL, NULL, NULL);
	buf_free(&b);
	if (got == NULL)
		return;
	p->order = strcmp(got, first) != 0;
	p->order_ev = arena_printf(p->a, "offered %s first, then %zu "
	    "sufficient suites: server chose %s", first, n, got);
}

void
audit_tls_scan(struct audit_probe *p)
{
	SSL_CTX *ctx = ctx_legacy();
	const char *v[256], *hash = NULL;
	size_t n;
	int bits, ok;

	p->order = -1;
	p->scan_done = 1;
	if (ctx == NULL) {
		p->scan_why = "no OpenSSL context";
		return;
	}
	scan_tls13(p);
	scan_tls12(p);
	n = class_suites(ctx, AUDIT_CIPH_INSUFFICIENT, v, 256);
	p->n_insuf_offer = n;
	p->ciph_insuf = scan_suites(p, ctx, v, n);
	n = class_suites(ctx, AUDIT_CIPH_PHASE_OUT, v, 256);
	p->n_phase_offer = n;
	p->ciph_phase = scan_suites(p, ctx, v, n);
	scan_order(p, ctx, p->ciph_insuf != NULL ? p->ciph_insuf :
	    p->ciph_phase);
	p->rsa_kex = try_suites(p, ctx, "kRSA:@SECLEVEL=0", NULL, NULL,
	    NULL);
	p->dhe_suite = try_suites(p, ctx, "kDHE:!aNULL:@SECLEVEL=0", &bits,
	    &ok, NULL);
	if (p->dhe_suite != NULL)
		p->dhe_bits = bits;
	/* Only SHA-1 signatures offered (RFC 9155: MUST NOT be used). */
	if (SSL_CTX_set1_sigalgs_list(ctx, "RSA+SHA1:ECDSA+SHA1") == 1 &&
	    try_suites(p, ctx, "kECDHE:kDHE:!aNULL:@SECLEVEL=0", NULL, NULL,
	    &hash) != NULL && hash != NULL && strcmp(hash, "SHA1") == 0)
		p->sha1_sig = 1;
	SSL_CTX_free(ctx);
}

/*
 * The opt-in RCPT tests (RFC 5321 7.1, 4.5.1) on a plain connection:
 * MAIL FROM:<> (a bounce, which every MTA must take), RCPT to an address
 * in a domain that is reserved (RFC 2606) and unrelated to the MX, then
 * RCPT to postmaster of the audited domain, then RSET. DATA is never
 * sent, so no mail can leave even through an open relay.
 */
void
audit_rcpt_probe(struct audit_probe *p)
{
	struct audit_conn c;
	struct audit_smtp_reply r;
	const char *why;
	char line[320];
	int code;

	p->rcpt_done = 1;
	if (audit_conn_smtp(p, &c, &why) == -1) {
		p->rcpt_why = why;
		return;
	}
	code = audit_conn_cmd(&c, "MAIL FROM:<>\r\n", &r, &why);
	if (code != 250) {
		p->rcpt_why = code == -1 ? why : arena_printf(p->a,
		    "MAIL FROM:<> answered %d %s", code, r.nline > 0 ?
		    r.line[0] : "");
		goto done;
	}
	p->relay_code = audit_conn_cmd(&c, "RCPT TO:<mxwarden-relay-test@"
	    "unrelated.example>\r\n", &r, &why);
	p->relay_line = p->relay_code == -1 ? why : arena_printf(p->a,
	    "%d %s", r.code, r.nline > 0 ? r.line[0] : "");
	if (p->relay_code == -1)
		goto done;
	snprintf(line, sizeof(line), "RCPT TO:<postmaster@%s>\r\n",
	    p->domain);
	p->pm_code = audit_conn_cmd(&c, line, &r, &why);
	p->pm_line = p->pm_code == -1 ? why : arena_printf(p->a, "%d %s",
	    r.code, r.nline > 0 ? r.line[0] : "");
	(void)audit_conn_cmd(&c, "RSET\r\n", &r, &why);
	(void)audit_conn_cmd(&c, "QUIT\r\n", &r, &why);
done:
	audit_conn_close(&c);
}

void
audit_rcpt_findings(struct audit_ctx *x)
{
	struct audit_finding *fr, *fp;
	size_t i, n = 0, open = 0, nopm = 0, err = 0;

	if (!x->o->rcpt_tests) {
		audit_skip(x, "opt-in: --smtp-rcpt-tests (sends MAIL and "
		    "RCPT, never DATA)", "smtp.relay.closed",
		    "smtp.postmaster", NULL);
		return;
	}
	fr = audit_add(x, "smtp.relay.closed", AUDIT_PASS, NULL, "-");
	fp = audit_add(x, "smtp.postmaster", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (!p->rcpt_done)
			continue;
		n++;
		if (p->rcpt_why != NULL || p->relay_code <= 0) {
			err++;
			audit_ev(x, fr, "%s %s: %s", p->host, p->addr.str,
			    p->rcpt_why != NULL ? p->rcpt_why :
			    p->relay_line);
			continue;
		}
		audit_ev(x, fr, "%s %s: RCPT TO:<mxwarden-relay-test@"
		    "unrelated.example>: %s", p->host, p->addr.str,
		    p->relay_line);
		audit_ev(x, fp, "%s %s: RCPT TO:<postmaster@%s>: %s",
		    p->host, p->addr.str, x->domain, p->pm_line != NULL ?
		    p->pm_line : "not asked");
		open += p->relay_code / 100 == 2;
		nopm += p->pm_code / 100 != 2;
	}
	if (n == 0) {
		audit_skip(x, "no MX host could be reached",
		    "smtp.relay.closed", "smtp.postmaster", NULL);
		return;
	}
	if (open > 0)
		audit_add(x, "smtp.relay.closed", AUDIT_NOT_MET, "Refuse "
		    "recipients in other domains unless the client "
		    "authenticates (Postfix: smtpd_relay_restrictions = "
		    "permit_mynetworks, permit_sasl_authenticated, "
		    "reject_unauth_destination; keep mynetworks small).",
		    "%zu MX address%s accept mail for an unrelated domain "
		    "without authentication: an open relay", open,
		    open == 1 ? "" : "es");
	else if (err > 0)
		audit_add(x, "smtp.relay.closed", AUDIT_ERROR, NULL, "%zu MX "
		    "address%s could not be tested", err,
		    err == 1 ? "" : "es");
	else
		audit_add(x, "smtp.relay.closed", AUDIT_PASS, NULL, "every "
		    "MX address refuses to relay without authentication");
	if (err == n)
		audit_add(x, "smtp.postmaster", AUDIT_ERROR, NULL, "could not "
		    "test");
	else if (nopm > 0)
		audit_add(x, "smtp.postmaster", AUDIT_NOT_MET, "Accept mail "
		    "for postmaster@ of every domain you receive mail for "
		    "(an alias to a person).", "%zu MX address%s "
		    "postmaster@%s", nopm, nopm == 1 ? " refuses" :
		    "es refuse", x->domain);
	else
		audit_add(x, "smtp.postmaster", AUDIT_PASS, NULL,
		    "postmaster@%s accepted", x->domain);
}

/*
 * Findings of the scan, over the probes that completed STARTTLS.
 */
static void
ciphers_findings(struct audit_ctx *x, size_t n)
{
	struct audit_finding *f, *fo;
	size_t i, insuf = 0, phase = 0, client = 0;

	f = audit_add(x, "smtp.tls.ciphers", AUDIT_PASS, NULL, "-");
	fo = audit_add(x, "smtp.tls.cipher_order", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (!p->tls_ok || !p->scan_done)
			continue;
		audit_ev(x, f, "%s %s: offered %zu insufficient suites "
		    "(security level 0): accepted %s", p->host, p->addr.str,
		    p->n_insuf_offer, p->ciph_insuf != NULL ? p->ciph_insuf :
		    "none");
		audit_ev(x, f, "%s %s: offered %zu phase-out suites: "
		    "accepted %s", p->host, p->addr.str, p->n_phase_offer,
		    p->ciph_phase != NULL ? p->ciph_phase : "none");
		insuf += p->ciph_insuf != NULL;
		phase += p->ciph_phase != NULL;
		if (p->order_ev != NULL)
			audit_ev(x, fo, "%s %s: %s", p->host, p->addr.str,
			    p->order_ev);
		client += p->order == 0;
	}
	if (insuf > 0)
		audit_add(x, "smtp.tls.ciphers", AUDIT_NOT_MET, NULL, "%zu of "
		    "%zu hosts accept insufficient suites (NCSC)", insuf, n);
	else if (phase > 0)
		audit_add(x, "smtp.tls.ciphers", AUDIT_WARN, NULL, "%zu of %zu "
		    "hosts accept phase-out suites (NCSC)", phase, n);
	else
		audit_add(x, "smtp.tls.ciphers", AUDIT_PASS, NULL, "only good "
		    "and sufficient suites accepted");
	if (insuf + phase == 0)
		audit_add(x, "smtp.tls.cipher_order", AUDIT_PASS, NULL, "no "
		    "weaker suites accepted, so the order does not matter");
	else if (client > 0)
		audit_add(x, "smtp.tls.cipher_order", AUDIT_NOT_MET, NULL,
		    "%zu host%s the client's order and pick%s a weaker "
		    "suite when it is offered first", client,
		    client == 1 ? " follows" : "s follow",
		    client == 1 ? "s" : "");
	else
		audit_add(x, "smtp.tls.cipher_order", AUDIT_PASS, NULL,
		    "the server's preference picks a sufficient suite");
}

static void
kex_findings(struct audit_ctx *x)
{
	struct audit_finding *f, *fh;
	size_t i, bad = 0, weakhash = 0;

	f = audit_add(x, "smtp.tls.kex_params", AUDIT_PASS, NULL, "-");
	fh = audit_add(x, "smtp.tls.kex_hash", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];
		int is_bad = 0;

		if (!p->tls_ok || !p->scan_done)
			continue;
		audit_ev(x, f, "%s %s: key exchange group %s%s", p->host,
		    p->addr.str, p->group != NULL ? p->group : "unknown",
		    p->group != NULL && !p->group_ok ? " (not approved)" : "");
		is_bad |= p->group != NULL && !p->group_ok;
		if (p->rsa_kex != NULL) {
			audit_ev(x, f, "%s %s: static RSA key exchange "
			    "accepted (%s): no forward secrecy", p->host,
			    p->addr.str, p->rsa_kex);
			is_bad = 1;
		} else
			audit_ev(x, f, "%s %s: static RSA key exchange refused",
			    p->host, p->addr.str);
		if (p->dhe_suite != NULL) {
			audit_ev(x, f, "%s %s: DHE (%s) with a %d-bit group%s",
			    p->host, p->addr.str, p->dhe_suite, p->dhe_bits,
			    p->dhe_bits < 2048 ? " (under 2048 bits)" : "");
			is_bad |= p->dhe_bits < 2048;
		} else
			audit_ev(x, f, "%s %s: DHE not accepted", p->host,
			    p->addr.str);
		bad += is_bad;
		audit_ev(x, fh, "%s %s: TLS 1.2 signature hash %s; SHA-1-only "
		    "signature algorithms %s", p->host, p->addr.str,
		    p->kex_hash != NULL ? p->kex_hash : "none (no TLS 1.2 "
		    "ServerKeyExchange seen)", p->sha1_sig ? "accepted" :
		    "refused");
		weakhash += p->sha1_sig || (p->kex_hash != NULL &&
		    (strcmp(p->kex_hash, "SHA1") == 0 ||
		    strcmp(p->kex_hash, "MD5") == 0));
	}
	audit_add(x, "smtp.tls.kex_params", bad > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, bad > 0 ? "%zu host%s weak key exchange "
	    "(static RSA, DH under 2048 bits or an unapproved curve)" :
	    "ephemeral key exchange on approved groups%.0zu%.0s", bad,
	    bad == 1 ? " allows" : "s allow");
	audit_add(x, "smtp.tls.kex_hash", weakhash > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, weakhash > 0 ? "%zu host%s SHA-1 signatures "
	    "in the key exchange" : "no SHA-1/MD5 key exchange signatures"
	    "%.0zu%.0s", weakhash, weakhash == 1 ? " accepts" : "s accept");
}

static void
ext_findings(struct audit_ctx *x)
{
	struct audit_finding *fc, *fs, *fr, *fz;
	size_t i, comp = 0, insecure = 0, t12 = 0, reneg = 0, early = 0;
	int offered = 0;

	fc = audit_add(x, "smtp.tls.compression", AUDIT_PASS, NULL, "-");
	fs = audit_add(x, "smtp.tls.secure_reneg", AUDIT_PASS, NULL, "-");
	fr = audit_add(x, "smtp.tls.client_reneg", AUDIT_PASS, NULL, "-");
	fz = audit_add(x, "smtp.tls.zero_rtt", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (!p->tls_ok || !p->scan_done)
			continue;
		offered |= p->comp_offered;
		audit_ev(x, fz, "%s %s: %s", p->host, p->addr.str,
		    p->early_why != NULL ? p->early_why : "not tested");
		early += p->early_ok;
		if (p->secure_reneg == -1) {
			audit_ev(x, fs, "%s %s: %s", p->host, p->addr.str,
			    p->scan_why != NULL ? p->scan_why :
			    "no TLS 1.2 session");
			continue;
		}
		t12++;
		audit_ev(x, fc, "%s %s: compression %s", p->host,
		    p->addr.str, p->comp != NULL ? p->comp : "none");
		comp += p->comp != NULL;
		audit_ev(x, fs, "%s %s: RFC 5746 renegotiation_info %s",
		    p->host, p->addr.str, p->secure_reneg ? "present" :
		    "missing");
		insecure += !p->secure_reneg;
		audit_ev(x, fr, "%s %s: %d client-initiated renegotiation%s "
		    "completed%s%s", p->host, p->addr.str, p->reneg_n,
		    p->reneg_n == 1 ? "" : "s", p->reneg_why != NULL ?
		    ", then: " : "", p->reneg_why != NULL ? p->reneg_why : "");
		reneg += p->reneg_n >= RENEG_MAX;
	}
	if (!offered)
		audit_ev(x, fc, "our OpenSSL offers no compression method "
		    "(OpenSSL 3 builds usually lack it), so a server that "
		    "would accept compression cannot be detected");
	if (t12 == 0) {
		audit_skip(x, "no TLS 1.2 session", "smtp.tls.compression",
		    "smtp.tls.secure_reneg", "smtp.tls.client_reneg", NULL);
	} else {
		audit_add(x, "smtp.tls.compression", comp > 0 ?
		    AUDIT_NOT_MET : AUDIT_PASS, "Disable TLS compression "
		    "(CRIME); current OpenSSL never enables it.", comp > 0 ?
		    "%zu host%s TLS compression" : "no TLS compression "
		    "negotiated%.0zu%.0s", comp, comp == 1 ? " uses" :
		    "s use");
		audit_add(x, "smtp.tls.secure_reneg", insecure > 0 ?
		    AUDIT_NOT_MET : AUDIT_PASS, "Upgrade the MTA's TLS "
		    "library: RFC 5746 support is in every current one.",
		    insecure > 0 ? "%zu host%s without secure "
		    "renegotiation" : "secure renegotiation supported"
		    "%.0zu%.0s", insecure, insecure == 1 ? "" : "s");
		audit_add(x, "smtp.tls.client_reneg", reneg > 0 ?
		    AUDIT_NOT_MET : AUDIT_PASS, "Refuse client-initiated "
		    "renegotiation (Postfix: tls_ssl_options = "
		    "NO_RENEGOTIATION).", reneg > 0 ? "%zu host%s allow "
		    "more than 10 client-initiated renegotiations" :
		    "client-initiated renegotiation refused or limited"
		    "%.0zu%.0s", reneg, reneg == 1 ? "" : "s");
	}
	audit_add(x, "smtp.tls.zero_rtt", early > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, "Disable TLS 1.3 early data on the MTA: replayed "
	    "SMTP commands are not safe.", early > 0 ? "%zu host%s accept "
	    "0-RTT early data" : "no 0-RTT early data accepted%.0zu%.0s",
	    early, early == 1 ? "" : "s");
}

void
audit_tls_findings(struct audit_ctx *x)
{
	size_t i, n = 0;

	for (i = 0; i < x->nprobe; i++)
		n += x->probe[i].tls_ok && x->probe[i].scan_done;
	if (n == 0) {
		audit_skip(x, x->o->no_tls_scan ? "TLS scan disabled "
		    "(--no-tls-scan)" : "no TLS session to scan",
		    "smtp.tls.ciphers", "smtp.tls.cipher_order",
		    "smtp.tls.kex_params", "smtp.tls.kex_hash",
		    "smtp.tls.compression", "smtp.tls.secure_reneg",
		    "smtp.tls.client_reneg", "smtp.tls.zero_rtt", NULL);
		return;
	}
	ciphers_findings(x, n);
	kex_findings(x);
	ext_findings(x);
}
