/*
 * libFuzzer target for DKIM tag lists (RFC 6376 section 3.2) and what is
 * built on them: dkim_tags_parse on arbitrary bytes (every tag must lie
 * inside the input, no name twice), the b=-stripping canonicalisation of
 * a signature field, the body canonicalisations with and without l=, and
 * a whole verification of a message whose DKIM-Signature value is the
 * input (keys from a small in-memory zone).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_resolver *
fuzz_res(void)
{
	static struct dns_resolver *r;
	struct dns_zone *z;
	const char *why;

	if (r != NULL)
		return r;
	z = dns_zone_new();
	dns_zone_add(z, "ed._domainkey.example.test", DNS_T_TXT, 300,
	    "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH"
	    "URo=\"", &why);
	dns_zone_add(z, "rsa._domainkey.example.test", DNS_T_TXT, 300,
	    "\"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQ"
	    "oBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb"
	    "3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9Pz"
	    "oxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"", &why);
	r = dns_zone_resolver(z);
	return r;
}

static void
check_tags(const struct dkim_tags *t, const char *p, size_t size)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		if (t->t[i].name < p || t->t[i].name + t->t[i].name_len >
		    p + size || t->t[i].value < p || t->t[i].value +
		    t->t[i].value_len > p + size || t->t[i].name_len == 0)
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (t->t[j].name_len == t->t[i].name_len &&
			    memcmp(t->t[j].name, t->t[i].name,
			    t->t[i].name_len) == 0)
				__builtin_trap();
	}
}

static void
check_body(const char *p, size_t size)
{
	unsigned char d1[64], d2[64];
	size_t l1, l2, c1, c2;
	const char *why;
	int c;

	for (c = 0; c < 2; c++) {
		if (dkim_body_hash(p, size, c, DKIM_ALG_RSA_SHA256, -1, d1,
		    &l1, &c1, &why) == -1)
			__builtin_trap();
		/* l= equal to the canonical length changes nothing. */
		if (dkim_body_hash(p, size, c, DKIM_ALG_RSA_SHA256,
		    (long long)c1, d2, &l2, &c2, &why) == -1 || c1 != c2 ||
		    memcmp(d1, d2, l1) != 0)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	const char *p = (const char *)data, *why;
	struct dkim_sig_result *res;
	struct dkim_opts o;
	struct dkim_tags t;
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct msg *m;
	size_t n;

	if (dkim_tags_parse(a, p, size, &t, &why) == 0)
		check_tags(&t, p, size);
	buf_adds(&b, "DKIM-Signature: ");
	buf_add(&b, p, size);
	buf_adds(&b, "\r\n");
	dkim_canon_header(&out, DKIM_CANON_RELAXED, b.p, b.len, 1);
	dkim_canon_header(&out, DKIM_CANON_SIMPLE, b.p, b.len, 1);
	buf_free(&out);
	check_body(p, size);
	buf_reset(&b);
	buf_adds(&b, "DKIM-Signature: ");
	buf_add(&b, p, size);
	buf_adds(&b, "\r\nFrom: a@example.test\r\nSubject: x\r\n\r\nHi.\r\n");
	dkim_opts_default(&o);
	o.now = 1700000000;
	if (msg_parse(a, b.p, b.len, &m, &why) == 0)
		dkim_verify_msg(&o, m, fuzz_res(), a, &res, &n, &why);
	buf_free(&b);
	arena_free(&a);
	return 0;
}
