/*
 * Unit tests for src/auth/dkim: tag lists (RFC 6376 3.2), key records
 * (3.6.1, RFC 8463), canonicalisation (3.4, the examples of 3.4.6), the
 * RFC 8463 appendix A vectors, the dkimpy vectors of
 * ../shared/testdata/dkim/dkimpy/EXPECTED.tsv, sign/verify round trips
 * and tampering that must not pass. Keys come from zone files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"

#define TD	MXW_TESTDATA "/dkim"
#define TK	MXW_TESTS_DIR "/data/dkim"

static struct dns_resolver *
zone_res(const char *path)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;

	if (dns_zone_load(z, path, &why) == -1)
		fail_msg("zone %s: %s", path, why);
	return dns_zone_resolver(z);
}

static struct msg *
load_msg(struct arena *a, const char *path)
{
	struct msg *m;
	const char *why;
	int trunc;

	if (msg_read_file(a, path, 0, &m, &trunc, &why) == -1)
		fail_msg("%s: %s", path, why);
	return m;
}

static struct msg *
parse_msg(struct arena *a, const char *text, size_t len)
{
	struct msg *m;
	const char *why;

	if (msg_parse(a, text, len, &m, &why) == -1)
		fail_msg("msg_parse: %s", why);
	return m;
}

/* Verify and return "res,res,..." for comparison with a want string. */
static const char *
verify_str(struct arena *a, const struct dkim_opts *o, const struct msg *m,
    struct dns_resolver *r)
{
	struct dkim_sig_result *res;
	struct buf b = BUF_INIT;
	const char *why, *s;
	size_t i, n;

	if (dkim_verify_msg(o, m, r, a, &res, &n, &why) == -1)
		fail_msg("dkim_verify_msg: %s", why);
	if (n == 0)
		buf_adds(&b, "none");
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i > 0 ? "," : "",
		    dkim_result_str(res[i].result));
		if (res[i].result != DKIM_PASS)
			print_message("  sig %zu: %s (%s)\n", i,
			    dkim_result_str(res[i].result), res[i].reason);
	}
	s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

static void
test_tags(void **state)
{
	static const struct {
		const char *in;
		int ok;
		size_t n;
		const char *last;	/* "name=value" of the last tag */
	} cases[] = {
		{ "v=1; a=rsa-sha256", 1, 2, "a=rsa-sha256" },
		{ "v=1; a=rsa-sha256;", 1, 2, "a=rsa-sha256" },
		{ " v = 1 ;\r\n\ta =\r\n x y ", 1, 2, "a=x y" },
		{ "v=1;; a=2", 0, 0, NULL },
		{ "v=1; v=2", 0, 0, NULL },
		{ "v", 0, 0, NULL },
		{ "=1", 0, 0, NULL },
		{ "1v=1", 0, 0, NULL },
		{ "v=1; a\x01=2", 0, 0, NULL },
		{ "v=a\x01", 0, 0, NULL },
		{ "", 1, 0, NULL },
		{ "p=", 1, 1, "p=" },
		{ "a_b=c", 1, 1, "a_b=c" },
	};
	struct arena *a = arena_new();
	struct dkim_tags t;
	const char *why;
	size_t i;
	int ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = dkim_tags_parse(a, cases[i].in, strlen(cases[i].in), &t,
		    &why) == 0;
		if (ok != cases[i].ok)
			fail_msg("tags \"%s\": got ok=%d, want %d", cases[i].in,
			    ok, cases[i].ok);
		if (!ok)
			continue;
		if (t.n != cases[i].n)
			fail_msg("tags \"%s\": got %zu tags, want %zu",
			    cases[i].in, t.n, cases[i].n);
		if (cases[i].last != NULL) {
			const struct dkim_tag *g = &t.t[t.n - 1];
			char *s = arena_printf(a, "%.*s=%.*s",
			    (int)g->name_len, g->name, (int)g->value_len,
			    g->value);

			if (strcmp(s, cases[i].last) != 0 &&
			    strcmp(dkim_tag_nows(a, g, NULL),
			    strchr(cases[i].last, '=') + 1) != 0)
				fail_msg("tags \"%s\": got %s, want %s",
				    cases[i].in, s, cases[i].last);
		}
	}
	arena_free(&a);
}

static char *
slurp(struct arena *a, const char *path)
{
	FILE *f = fopen(path, "r");
	char tmp[8192];
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	n = fread(tmp, 1, sizeof(tmp) - 1, f);
	fclose(f);
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r'))
		n--;
	return arena_strndup(a, tmp, n);
}

static void
test_keys(void **state)
{
	static const struct {
		const char *file;	/* in dkimpy data, or NULL */
		const char *rec;
		int ok;
		enum dkim_keytype type;
		unsigned bits;
		int revoked, testing;
	} cases[] = {
		{ "test.txt", NULL, 1, DKIM_KEY_RSA, 1024, 0, 0 },
		{ "1024_testkey_wo_markers.pub.rsa.txt", NULL, 1,
		    DKIM_KEY_RSA, 1024, 0, 0 },		/* bare PKCS#1 */
		{ "2048_testkey_wo_markers.pub.txt", NULL, 1, DKIM_KEY_RSA,
		    2048, 0, 0 },
		{ "2048_testkey_wo_markers.pub.rsa.txt", NULL, 1,
		    DKIM_KEY_RSA, 2048, 0, 0 },
		{ "ed25519test.dns", NULL, 1, DKIM_KEY_ED25519, 256, 0, 0 },
		{ "test_bad.txt", NULL, 0, 0, 0, 0, 0 },
		{ "badk.txt", NULL, 0, 0, 0, 0, 0 },
		{ "badversion.txt", NULL, 0, 0, 0, 0, 0 },
		{ NULL, "v=DKIM1; p=", 1, DKIM_KEY_RSA, 0, 1, 0 },
		{ NULL, "v=DKIM1; t=y:s; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7"
		    "hcvPapiMlrwIaaPcHURo=", 1, DKIM_KEY_ED25519, 256, 0, 1 },
		{ NULL, "k=rsa; v=DKIM1; p=", 0, 0, 0, 0, 0 },
		{ NULL, "v=DKIM1; k=rsa", 0, 0, 0, 0, 0 },
		{ NULL, "v=DKIM1; k=ed25519; p=AAAA", 0, 0, 0, 0, 0 },
		{ NULL, "v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMl"
		    "rwIaaPcHURo=", 0, 0, 0, 0, 0 },	/* ed key, k=rsa */
		{ NULL, "v=DKIM1; p=!!!", 0, 0, 0, 0, 0 },
	};
	struct arena *a = arena_new();
	struct dkim_key k;
	const char *why, *rec;
	size_t i;
	int ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rec = cases[i].rec != NULL ? cases[i].rec :
		    slurp(a, arena_printf(a, TD "/dkimpy/%s", cases[i].file));
		why = "";
		ok = dkim_key_parse(a, rec, strlen(rec), &k, &why) == 0;
		if (ok != cases[i].ok)
			fail_msg("key %zu \"%.40s\": got ok=%d (%s), want %d",
			    i, rec, ok, why, cases[i].ok);
		if (!ok)
			continue;
		if (k.type != cases[i].type || k.bits != cases[i].bits ||
		    k.is_revoked != cases[i].revoked ||
		    k.is_testing != cases[i].testing)
			fail_msg("key %zu: got type %d bits %u revoked %d "
			    "testing %d, want %d %u %d %d", i, k.type, k.bits,
			    k.is_revoked, k.is_testing, cases[i].type,
			    cases[i].bits, cases[i].revoked, cases[i].testing);
	}
	arena_free(&a);
}

/* RFC 6376 section 3.4.6 and more bodies, canonical text expected. */
static void
test_canon(void **state)
{
	static const struct {
		const char *field;
		const char *relaxed, *simple;
	} hcases[] = {
		{ "A: X\r\n", "a:X\r\n", "A: X\r\n" },
		{ "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n", "B : Y\t\r\n\tZ  \r\n" },
		{ "SUBJECT:  a  \t b\r\n", "subject:a b\r\n",
		    "SUBJECT:  a  \t b\r\n" },
		{ "X:\r\n", "x:\r\n", "X:\r\n" },
	};
	static const struct {
		const char *body;
		const char *relaxed, *simple;
	} bcases[] = {
		{ " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n",
		    " C \r\nD \t E\r\n" },
		{ "", "", "\r\n" },
		{ "\r\n\r\n", "", "\r\n" },
		{ "abc", "abc\r\n", "abc\r\n" },
		{ "a\r\n \t \r\nb\r\n \r\n", "a\r\n\r\nb\r\n",
		    "a\r\n \t \r\nb\r\n \r\n" },
		{ "x  y\r\n\r\n  z\r\n", "x y\r\n\r\n z\r\n",
		    "x  y\r\n\r\n  z\r\n" },
		{ "x\r\n\r\ny \r\n\r\n", "x\r\n\r\ny\r\n", "x\r\n\r\ny \r\n" },
		{ "\t\r\n", "", "\t\r\n" },
	};
	unsigned char got[64], want[64];
	struct buf b = BUF_INIT;
	unsigned int wl;
	size_t i, gl, cl;
	const char *why, *hf;
	int c;

	(void)state;
	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		for (c = 0; c < 2; c++) {
			const char *w = c ? hcases[i].relaxed :
			    hcases[i].simple;

			buf_reset(&b);
			dkim_canon_header(&b, c ? DKIM_CANON_RELAXED :
			    DKIM_CANON_SIMPLE, hcases[i].field,
			    strlen(hcases[i].field), 0);
			if (b.len != strlen(w) || memcmp(b.p, w, b.len) != 0)
				fail_msg("header %zu %s: got \"%.*s\", want "
				    "\"%s\"", i, c ? "relaxed" : "simple",
				    (int)b.len, b.p, w);
		}
	}
	for (i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		for (c = 0; c < 2; c++) {
			const char *w = c ? bcases[i].relaxed :
			    bcases[i].simple;

			assert_int_equal(dkim_body_hash(bcases[i].body,
			    strlen(bcases[i].body), c ? DKIM_CANON_RELAXED :
			    DKIM_CANON_SIMPLE, DKIM_ALG_RSA_SHA256, -1, got,
			    &gl, &cl, &why), 0);
			EVP_Digest(w, strlen(w), want, &wl, EVP_sha256(),
			    NULL);
			if (gl != wl || memcmp(got, want, wl) != 0 ||
			    cl != strlen(w))
				fail_msg("body %zu %s: canonical length %zu, "
				    "want \"%s\" (%zu)", i, c ? "relaxed" :
				    "simple", cl, w, strlen(w));
			/* l= cuts the canonical body. */
			assert_int_equal(dkim_body_hash(bcases[i].body,
			    strlen(bcases[i].body), c ? DKIM_CANON_RELAXED :
			    DKIM_CANON_SIMPLE, DKIM_ALG_RSA_SHA256, 2, got,
			    &gl, &cl, &why), 0);
			EVP_Digest(w, strlen(w) < 2 ? strlen(w) : 2, want, &wl,
			    EVP_sha256(), NULL);
			if (memcmp(got, want, wl) != 0)
				fail_msg("body %zu %s with l=2: wrong hash", i,
				    c ? "relaxed" : "simple");
		}
	}
	/* The signature field with b= removed. */
	buf_reset(&b);
	hf = "DKIM-Signature: a=1; b=abc\r\n def; bh=xyz\r\n";
	dkim_canon_header(&b, DKIM_CANON_SIMPLE, hf, strlen(hf), 1);
	assert_string_equal(b.p, "DKIM-Signature: a=1; b=; bh=xyz");
	buf_reset(&b);
	hf = "DKIM-Signature: a=1; bh=xyz;\r\n b = abc\r\n def\r\n";
	dkim_canon_header(&b, DKIM_CANON_RELAXED, hf, strlen(hf), 1);
	assert_string_equal(b.p, "dkim-signature:a=1; bh=xyz; b =");
	buf_free(&b);
}

/* A plain reference for the relaxed body (RFC 6376 section 3.4.4). */
static void
naive_relaxed(const char *p, size_t len, struct buf *out)
{
	size_t i = 0, s, e, empties = 0, k;

	while (i < len) {
		struct buf line = BUF_INIT;
		int sp = 0, crlf = 0;

		for (s = i; i < len && !(p[i] == '\r' && i + 1 < len &&
		    p[i + 1] == '\n'); i++)
			;
		e = i;
		if (i < len) {
			i += 2;
			crlf = 1;
		}
		for (k = s; k < e; k++) {
			if (p[k] == ' ' || p[k] == '\t') {
				sp = 1;
				continue;
			}
			if (sp)
				buf_addc(&line, ' ');
			sp = 0;
			buf_addc(&line, p[k]);
		}
		if (line.len == 0) {
			empties += crlf;
			buf_free(&line);
			continue;
		}
		for (; empties > 0; empties--)
			buf_adds(out, "\r\n");
		buf_add(out, line.p, line.len);
		buf_adds(out, "\r\n");
		buf_free(&line);
	}
}

/* Random bodies: the fast relaxed body equals the plain reference. */
static void
test_canon_random(void **state)
{
	/* No bare LF: msg_parse() turns every one into CRLF. */
	static const char alphabet[] = "  \t\tab\r";
	unsigned char got[64], want[64];
	struct buf body = BUF_INIT, ref = BUF_INIT;
	unsigned seed = 12345, iter;
	size_t gl, cl, n, i;
	unsigned int wl;
	const char *why;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		buf_reset(&body);
		buf_reset(&ref);
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 64;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 5 == 0)
				buf_adds(&body, "\r\n");
			else
				buf_addc(&body, alphabet[(seed >> 16) %
				    (sizeof(alphabet) - 1)]);
		}
		naive_relaxed(body.p != NULL ? body.p : "", body.len, &ref);
		assert_int_equal(dkim_body_hash(body.p != NULL ? body.p : "",
		    body.len, DKIM_CANON_RELAXED, DKIM_ALG_RSA_SHA256, -1,
		    got, &gl, &cl, &why), 0);
		EVP_Digest(ref.p != NULL ? ref.p : "", ref.len, want, &wl,
		    EVP_sha256(), NULL);
		if (cl != ref.len || memcmp(got, want, wl) != 0)
			fail_msg("random body %u: canonical length %zu, want "
			    "%zu", iter, cl, ref.len);
	}
	buf_free(&body);
	buf_free(&ref);
}

static void
test_rfc8463(void **state)
{
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TD "/rfc8463/dns.zone");
	struct dkim_sig_result *res;
	struct dkim_opts o;
	const char *why;
	struct msg *m;
	size_t n;

	(void)state;
	dkim_opts_default(&o);
	o.no_key_cache = 1;
	m = load_msg(a, TD "/rfc8463/rfc8463-A3-signed.eml");
	assert_int_equal(dkim_verify_msg(&o, m, r, a, &res, &n, &why), 0);
	assert_int_equal(n, 2);
	if (res[0].result != DKIM_PASS || res[1].result != DKIM_PASS)
		fail_msg("got %s (%s), %s (%s); want pass, pass",
		    dkim_result_str(res[0].result), res[0].reason,
		    dkim_result_str(res[1].result), res[1].reason);
	assert_int_equal(res[0].alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(res[1].alg, DKIM_ALG_RSA_SHA256);
	assert_string_equal(res[0].s, "brisbane");
	assert_string_equal(dkim_authres(a, &res[0]),
	    "dkim=pass (good signature, 256-bit ed25519 key) "
	    "header.d=football.example.com header.i=@football.example.com "
	    "header.s=brisbane header.b=\"/gCrinpc\"");
	/* The unsigned original has no signature. */
	m = load_msg(a, TD "/rfc8463/rfc6376-A-unsigned.eml");
	assert_string_equal(verify_str(a, &o, m, r), "none");
	dns_resolver_free(&r);
	arena_free(&a);
}

/* A zone from dkimpy's DNS.tsv, "(contents of FILE)" rows resolved. */
static struct dns_resolver *
dkimpy_res(struct arena *a)
{
	struct dns_zone *z = dns_zone_new();
	char line[4096], *tab, *val, *nl;
	const char *why;
	FILE *f = fopen(TD "/dkimpy/DNS.tsv", "r");
	struct buf rd = BUF_INIT;
	size_t i;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		val = tab + 1;
		if ((nl = strchr(val, '\n')) != NULL)
			*nl = '\0';
		if (strncmp(val, "(contents of ", 13) == 0) {
			val[strlen(val) - 1] = '\0';
			val = slurp(a, arena_printf(a, TD "/dkimpy/%s",
			    val + 13));
		}
		if (strchr(line, '(') != NULL)
			continue;	/* not a name a zone can hold */
		buf_reset(&rd);
		for (i = 0; i < strlen(val); i += 200)
			buf_printf(&rd, "\"%.200s\" ", val + i);
		if (dns_zone_add(z, line, DNS_T_TXT, 300, rd.p, &why) == -1)
			fail_msg("DNS.tsv %s: %s", line, why);
	}
	fclose(f);
	buf_free(&rd);
	return dns_zone_resolver(z);
}

static void
test_dkimpy(void **state)
{
	struct arena *a = arena_new();
	struct dns_resolver *r = dkimpy_res(a);
	char line[4096], *f[5], *p;
	struct dkim_opts o;
	FILE *fp = fopen(TD "/dkimpy/EXPECTED.tsv", "r");
	const char *got, *want;
	int k, nrows = 0;

	(void)state;
	dkim_opts_default(&o);
	o.no_key_cache = 1;
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
			continue;
		for (k = 0, p = line; k < 5 && p != NULL; k++) {
			f[k] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		if (k < 4)
			continue;
		/* The observed column: first word ("permerror (why)"). */
		want = arena_strndup(a, f[3], strcspn(f[3], " \t\n"));
		got = verify_str(a, &o, load_msg(a, arena_printf(a,
		    TD "/dkimpy/%s", f[0])), r);
		if (strcmp(got, want) != 0)
			fail_msg("%s: got %s, want %s", f[0], got, want);
		nrows++;
	}
	fclose(fp);
	assert_int_equal(nrows, 5);
	dns_resolver_free(&r);
	arena_free(&a);
}

static const char test_msg[] =
    "Received: from x.example.test by y.example.test; "
    "Mon, 1 Jan 2024 00:00:00 +0000\n"
    "From: Alice <alice@example.test>\n"
    "To: Bob <bob@example.net>\n"
    "Subject: Round trip\n"
    "  with folding\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
    "Message-ID: <1@example.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain\n"
    "\n"
    "Hello  Bob,\n"
    "\t trailing space \n"
    "\n"
    "Alice\n"
    "\n"
    "\n";

/* Sign text with key file and options; the signed message (arena). */
static struct msg *
sign_text(struct arena *a, const char *text, const char *keyfile,
    const struct dkim_sign_opts *so, const char **field_r)
{
	struct dkim_privkey *k;
	const char *why, *field;
	struct msg *m = parse_msg(a, text, strlen(text));
	char *signed_text;

	if (dkim_privkey_load(keyfile, &k, &why) == -1)
		fail_msg("%s: %s", keyfile, why);
	if (dkim_sign(m, so, k, a, &field, &why) == -1)
		fail_msg("dkim_sign: %s", why);
	dkim_privkey_free(&k);
	signed_text = arena_printf(a, "%s%s", field, text);
	if (field_r != NULL)
		*field_r = field;
	return parse_msg(a, signed_text, strlen(signed_text));
}

static void
test_roundtrip(void **state)
{
	static const struct {
		const char *key, *sel;
	} keys[] = {
		{ TK "/test-only-rsa2048.key", "rsa" },
		{ TK "/test-only-ed25519.key", "ed" },
	};
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_sign_opts so;
	struct dkim_opts o;
	const char *got, *field;
	struct msg *m;
	size_t i;
	int hc, bc;

	(void)state;
	dkim_opts_default(&o);
	o.now = 1700000000;
	for (i = 0; i < 2; i++)
		for (hc = 0; hc < 2; hc++)
			for (bc = 0; bc < 2; bc++) {
				dkim_sign_opts_default(&so);
				so.domain = "example.test";
				so.selector = keys[i].sel;
				so.hcanon = hc;
				so.bcanon = bc;
				so.now = 1700000000;
				m = sign_text(a, test_msg, keys[i].key, &so,
				    &field);
				got = verify_str(a, &o, m, r);
				if (strcmp(got, "pass") != 0)
					fail_msg("%s c=%d/%d: got %s, want "
					    "pass\n%s", keys[i].sel, hc, bc,
					    got, field);
			}
	dns_resolver_free(&r);
	arena_free(&a);
}

/* Replace the first occurrence of from by to in s (arena). */
static const char *
subst(struct arena *a, const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	assert_non_null(p);
	return arena_printf(a, "%.*s%s%s", (int)(p - s), s, to,
	    p + strlen(from));
}

static void
test_tamper(void **state)
{
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_sign_opts so;
	struct dkim_opts o;
	const char *field, *signed_text, *t, *got;
	struct msg *m;
	int ed;

	(void)state;
	dkim_opts_default(&o);
	o.now = 1700000000;
	for (ed = 0; ed < 2; ed++) {
		dkim_sign_opts_default(&so);
		so.domain = "example.test";
		so.selector = ed ? "ed" : "rsa";
		so.now = 1700000000;
		so.expire = 3600;
		sign_text(a, test_msg, ed ? TK "/test-only-ed25519.key" :
		    TK "/test-only-rsa2048.key", &so, &field);
		signed_text = arena_printf(a, "%s%s", field, test_msg);
		static const struct {
			const char *from, *to, *want;
		} cases[] = {
			{ "Hello  Bob", "Hello  Bob", "pass" },
			{ "Hello  Bob", "Hello  Rob", "fail" },
			{ "Hello  Bob", "Hello Bob", "pass" }, /* relaxed */
			{ "Round trip", "Round trap", "fail" },
			{ "From: Alice", "Subject: added\nFrom: Alice",
			    "fail" },
			{ "Received:", "Subject: added\nReceived:", "fail" },
			{ "Received:", "X-Unsigned: added\nReceived:",
			    "pass" },
			{ "Content-Type: text/plain\n",
			    "Content-Type: text/plain\nReply-To: x@y.z\n",
			    "fail" },
			/* The signature covers its own field. */
			{ "d=example.test", "d=example.tesT", "fail" },
			{ "s=", "s=x", "permerror" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			t = subst(a, signed_text, cases[i].from, cases[i].to);
			m = parse_msg(a, t, strlen(t));
			o.no_key_cache = 0;
			got = verify_str(a, &o, m, r);
			if (strcmp(got, cases[i].want) != 0)
				fail_msg("%s tamper %zu (%s -> %s): got %s, "
				    "want %s", so.selector, i, cases[i].from,
				    cases[i].to, got, cases[i].want);
		}
		/* x= is one hour after t=: later it has expired. */
		m = parse_msg(a, signed_text, strlen(signed_text));
		o.now = 1700000000 + 3600 + 2 * DKIM_CLOCK_SKEW;
		assert_string_equal(verify_str(a, &o, m, r), "fail");
		o.now = 1700000000 + 3600;
		assert_string_equal(verify_str(a, &o, m, r), "pass");
		/* Signed in the future. */
		o.now = 1700000000 - 2 * DKIM_CLOCK_SKEW;
		assert_string_equal(verify_str(a, &o, m, r), "permerror");
		o.now = 1700000000;
	}
	dns_resolver_free(&r);
	arena_free(&a);
}

/* Key record flags and RFC 8301 policy through whole verifications. */
static void
test_policy(void **state)
{
	static const struct {
		const char *sel, *key, *ident;
		int sha1, allow_sha1;
		unsigned min_bits;
		const char *want;
	} cases[] = {
		{ "rsa", "rsa2048", NULL, 1, 0, 1024, "policy" },
		{ "rsa", "rsa2048", NULL, 1, 1, 1024, "pass" },
		{ "rsa1024", "rsa1024", NULL, 0, 0, 1024, "pass" },
		{ "rsa1024", "rsa1024", NULL, 0, 0, 2048, "policy" },
		{ "testing", "rsa2048", NULL, 0, 0, 1024, "pass" },
		{ "strict", "rsa2048", "@example.test", 0, 0, 1024, "pass" },
		{ "strict", "rsa2048", "@sub.example.test", 0, 0, 1024,
		    "permerror" },
		{ "rsa", "rsa2048", "@sub.example.test", 0, 0, 1024, "pass" },
		{ "sha1only", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "sha1only", "rsa2048", NULL, 1, 1, 1024, "pass" },
		{ "revoked", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "nomail", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "broken", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "absent", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "ed", "rsa2048", NULL, 0, 0, 1024, "permerror" },
		{ "rsa", "ed25519", NULL, 0, 0, 1024, "permerror" },
	};
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_sign_opts so;
	struct dkim_opts o;
	const char *got;
	struct msg *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dkim_opts_default(&o);
		o.now = 1700000000;
		o.allow_sha1 = cases[i].allow_sha1;
		o.min_rsa_bits = cases[i].min_bits;
		dkim_sign_opts_default(&so);
		so.domain = "example.test";
		so.selector = cases[i].sel;
		so.identity = cases[i].ident;
		so.use_sha1 = cases[i].sha1;
		so.now = 1700000000;
		m = sign_text(a, test_msg, arena_printf(a,
		    TK "/test-only-%s.key", cases[i].key), &so, NULL);
		got = verify_str(a, &o, m, r);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("policy %zu (s=%s): got %s, want %s", i,
			    cases[i].sel, got, cases[i].want);
	}
	dns_resolver_free(&r);
	arena_free(&a);
}

/* Hand-made signatures: tag errors, l=, over the signature cap. */
static void
test_sigsyntax(void **state)
{
	static const struct {
		const char *sig;	/* DKIM-Signature value */
		const char *want;
	} cases[] = {
		{ "v=2; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=to; bh=AA==;"
		    " b=AA==", "permerror" },
		{ "v=1; a=rsa-md5; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from;"
		    " b=AA==", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==; i=a@example.net", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==; c=weird", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==; l=x", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==; t=200; x=100", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==; q=http", "permerror" },
		{ "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==", "fail" },	/* body hash mismatch */
		{ "v=1; a=rsa-sha256; d=nowhere.test; s=rsa; h=from; bh=AA==;"
		    " b=AA==", "permerror" },	/* no key */
	};
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_opts o;
	const char *t, *got;
	size_t i;

	(void)state;
	dkim_opts_default(&o);
	o.now = 1700000000;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = arena_printf(a, "DKIM-Signature: %s\n%s", cases[i].sig,
		    test_msg);
		got = verify_str(a, &o, parse_msg(a, t, strlen(t)), r);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("sig %zu: got %s, want %s", i, got,
			    cases[i].want);
	}
	/* Over the cap: the rest is neutral. */
	t = test_msg;
	for (i = 0; i < 4; i++)
		t = arena_printf(a, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.test; s=rsa; h=from; bh=AA==; b=AA==\n%s", t);
	o.max_signatures = 2;
	assert_string_equal(verify_str(a, &o, parse_msg(a, t, strlen(t)), r),
	    "fail,fail,neutral,neutral");
	dns_resolver_free(&r);
	arena_free(&a);
}

/* l=: the signed part passes, added content is reported. */
static void
test_length(void **state)
{
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_privkey *k;
	struct dkim_sig_result *res;
	struct dkim_opts o;
	struct buf hd = BUF_INIT, sig = BUF_INIT, b64 = BUF_INIT;
	unsigned char bh[64];
	size_t bl, n;
	const char *why, *hdr, *t;
	struct msg *m;

	(void)state;
	dkim_opts_default(&o);
	o.now = 1700000000;
	assert_int_equal(dkim_privkey_load(TK "/test-only-ed25519.key", &k,
	    &why), 0);
	/* Hash the first 5 canonical body octets ("Hello"), sign by hand. */
	m = parse_msg(a, test_msg, strlen(test_msg));
	assert_int_equal(dkim_body_hash(m->body, m->body_len,
	    DKIM_CANON_SIMPLE, DKIM_ALG_ED25519_SHA256, 5, bh, &bl, NULL,
	    &why), 0);
	b64_encode(bh, bl, &b64);
	hdr = arena_printf(a, "DKIM-Signature: v=1; a=ed25519-sha256; "
	    "d=example.test; s=ed; l=5; h=from:subject; bh=%s; b=\r\n",
	    b64.p);
	{
		const char *names[] = { "from", "subject" };
		size_t lens[] = { 4, 7 };

		dkim_canon_headers(&hd, DKIM_CANON_SIMPLE, m, names, lens, 2,
		    NULL);
	}
	dkim_canon_header(&hd, DKIM_CANON_SIMPLE, hdr, strlen(hdr), 1);
	assert_int_equal(dkim_crypto_sign(k, DKIM_ALG_ED25519_SHA256, hd.p,
	    hd.len, &sig, &why), 0);
	buf_reset(&b64);
	b64_encode(sig.p, sig.len, &b64);
	t = arena_printf(a, "%.*s%s\n%s", (int)(strlen(hdr) - 2), hdr, b64.p,
	    subst(a, test_msg, "Alice\n", "Alice\nP.S. added later\n"));
	m = parse_msg(a, t, strlen(t));
	assert_int_equal(dkim_verify_msg(&o, m, r, a, &res, &n, &why), 0);
	assert_int_equal(n, 1);
	if (res[0].result != DKIM_PASS)
		fail_msg("l=5: got %s (%s), want pass",
		    dkim_result_str(res[0].result), res[0].reason);
	assert_true(res[0].has_l);
	assert_non_null(strstr(res[0].reason, "untrusted"));
	buf_free(&hd);
	buf_free(&sig);
	buf_free(&b64);
	dkim_privkey_free(&k);
	dns_resolver_free(&r);
	arena_free(&a);
}

/* Records written by dkim_privkey_record parse back to the same key. */
static void
test_privkey(void **state)
{
	static const char *const files[] = {
		TK "/test-only-rsa2048.key", TK "/test-only-ed25519.key",
		TD "/dkimpy/ed25519test.key", TD "/dkimpy/test.private",
		TD "/dkimpy/2048_testkey_PKCS8.key",
	};
	struct arena *a = arena_new();
	struct dkim_privkey *k, *other;
	struct dkim_key pub;
	const char *why, *rec;
	size_t i;

	(void)state;
	assert_int_equal(dkim_privkey_load(files[0], &other, &why), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (dkim_privkey_load(files[i], &k, &why) == -1)
			fail_msg("%s: %s", files[i], why);
		rec = dkim_privkey_record(k, a);
		assert_non_null(rec);
		if (dkim_key_parse(a, rec, strlen(rec), &pub, &why) == -1)
			fail_msg("%s: record %s: %s", files[i], rec, why);
		assert_int_equal(dkim_privkey_matches(k, &pub), 1);
		assert_int_equal(dkim_privkey_matches(other, &pub), i == 0);
		dkim_privkey_free(&k);
	}
	dkim_privkey_free(&other);
	arena_free(&a);
}

struct thr {
	const struct msg	*m;
	struct dns_resolver	*r;
	int			 npass;
};

static void *
thr_verify(void *arg)
{
	struct thr *t = arg;
	struct dkim_sig_result *res;
	struct dkim_opts o;
	struct arena *a;
	const char *why;
	size_t n;
	int i;

	dkim_opts_default(&o);
	o.now = 1700000000;
	for (i = 0; i < 100; i++) {
		a = arena_new();
		if (i % 25 == 0)
			dkim_key_cache_flush();
		if (dkim_verify_msg(&o, t->m, t->r, a, &res, &n, &why) == 0 &&
		    n == 1 && res[0].result == DKIM_PASS)
			t->npass++;
		arena_free(&a);
	}
	return NULL;
}

/* The key cache under several threads, flushed while in use. */
static void
test_threads(void **state)
{
	struct arena *a = arena_new();
	struct dns_resolver *r = zone_res(TK "/test.zone");
	struct dkim_sign_opts so;
	struct thr t[4];
	pthread_t tid[4];
	struct msg *m;
	int i;

	(void)state;
	dkim_sign_opts_default(&so);
	so.domain = "example.test";
	so.selector = "rsa";
	so.now = 1700000000;
	m = sign_text(a, test_msg, TK "/test-only-rsa2048.key", &so, NULL);
	for (i = 0; i < 4; i++) {
		t[i].m = m;
		t[i].r = r;
		t[i].npass = 0;
		assert_int_equal(pthread_create(&tid[i], NULL, thr_verify,
		    &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		if (t[i].npass != 100)
			fail_msg("thread %d: got %d passes, want 100", i,
			    t[i].npass);
	}
	dns_resolver_free(&r);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_canon_random),
		cmocka_unit_test(test_rfc8463),
		cmocka_unit_test(test_dkimpy),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_sigsyntax),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_privkey),
		cmocka_unit_test(test_threads),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	dkim_key_cache_flush();
	return rc;
}
