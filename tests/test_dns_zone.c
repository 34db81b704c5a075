/*
 * Unit tests for the zone-file backend and the common RDATA decoder:
 * queries against tests/data/dns/example.zone, and malformed zone files
 * that must be refused with file:line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"

static struct dns_resolver *res;

static int
setup(void **state)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;

	(void)state;
	if (dns_zone_load(z, MXW_TESTS_DIR "/data/dns/example.zone",
	    &why) == -1) {
		fprintf(stderr, "load: %s\n", why);
		dns_zone_free(&z);
		return -1;
	}
	res = dns_zone_resolver(z);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dns_resolver_free(&res);
	return 0;
}

/* All records of an answer in presentation form, joined by " | ". */
static const char *
answer_str(struct arena *a, const struct dns_answer *ans)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	buf_adds(&b, dns_rcode_str(ans->rcode));
	for (i = 0; i < ans->nrr; i++)
		buf_printf(&b, "%s%s", i == 0 ? " " : " | ",
		    dns_rr_str(a, &ans->rr[i]));
	s = arena_strdup(a, b.p);
	buf_free(&b);
	return s;
}

static void
test_queries(void **state)
{
	static const struct {
		const char *name, *type, *want;
	} cases[] = {
		{ "example.com", "MX",
		    "NOERROR 10 mx1.example.com. | 20 mx2.example.com." },
		{ "EXAMPLE.com.", "TXT", "NOERROR \"v=spf1 ip4:192.0.2.0/24 \" "
		    "\"include:_spf.example.net -all\"" },
		{ "example.com", "SOA", "NOERROR ns1.example.com. "
		    "hostmaster.example.com. 2026120301 3600 900 1209600 300" },
		{ "example.com", "NS",
		    "NOERROR ns1.example.com. | ns2.example.net." },
		{ "mx1.example.com", "A", "NOERROR 192.0.2.25" },
		{ "mx1.example.com", "AAAA", "NOERROR 2001:db8::25" },
		{ "mx1.example.com", "TXT", "NODATA" },
		{ "nope.example.com", "A", "NXDOMAIN" },
		{ "_tcp.mx1.example.com", "A", "NODATA" },	/* ENT */
		{ "www.example.com", "A", "NOERROR 192.0.2.80" },
		{ "www.example.com", "CNAME", "NOERROR web.example.com." },
		{ "esc.example.com", "TXT", "NOERROR \"semi;colon\" "
		    "\"quote\\\"d\" \"tab\\009\" \"\\255\"" },
		{ "sel._domainkey.example.com", "TXT",
		    "NOERROR \"v=DKIM1; k=rsa; \" \"p=MIGf\"" },
		{ "any.wild.example.com", "TXT", "NOERROR \"wildcard\"" },
		{ "exists.wild.example.com", "TXT", "NODATA" },
		{ "_25._tcp.mx1.example.com", "TLSA", "NOERROR 3 1 1 "
		    "0123456789ABCDEF0123456789ABCDEF"
		    "0123456789ABCDEF0123456789ABCDEF" },
		{ "example.com", "CAA", "NOERROR 0 issue \"letsencrypt.org\"" },
		{ "_sip._tcp.example.com", "SRV",
		    "NOERROR 10 60 5060 sip.example.com." },
		{ "example.com", "DS", "NOERROR 12345 13 2 "
		    "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8F6EEB9C0ED4D7A2"
		    "F5B7D0" },
		{ "example.com", "DNSKEY", "NOERROR 257 3 13 mdsswUyr3DPW132mOi8V"
		    "9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1"
		    "L53eKGQ==" },
		{ "unknown.example.com", "TYPE65280", "NOERROR \\# 3 ABCDEF" },
		{ "sig.example.com", "RRSIG", "NOERROR A 13 3 300 "
		    "20260301120000 20260215120000 12345 example.com. "
		    "q83vEjRWeJA=" },
		{ "2.0.192.in-addr.arpa", "PTR", "NOERROR host.example.com." },
		{ "slow.example.com", "A", "TIMEOUT" },
		{ "broken.example.com", "TXT", "SERVFAIL" },
		{ "broken.example.com", "A", "NOERROR 192.0.2.99" },
		{ "com", "A", "NODATA" },
		{ "example.org", "A", "NXDOMAIN" },
		{ "dangling.example.com", "A", "NXDOMAIN" },
		{ "loop1.example.com", "A", "SERVFAIL" },
	};
	struct arena *a = arena_new();
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dns_answer *ans;
		const char *why, *got;

		if (dns_query(res, cases[i].name,
		    dns_type_parse(cases[i].type), a, &ans, &why) == -1)
			got = why;
		else
			got = answer_str(a, ans);
		if (strcmp(got, cases[i].want) != 0) {
			fprintf(stderr, "%s %s:\n  got  %s\n  want %s\n",
			    cases[i].name, cases[i].type, got, cases[i].want);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

static void
test_cname_chain(void **state)
{
	struct arena *a = arena_new();
	struct dns_answer *ans;
	const char *why;
	struct dns_q qs[3] = {
		{ "www.example.com", DNS_T_A, NULL },
		{ "bad..name", DNS_T_A, NULL },
		{ "mx2.example.com", DNS_T_A, NULL },
	};

	(void)state;
	assert_int_equal(dns_query(res, "www.example.com", DNS_T_A, a, &ans,
	    &why), 0);
	assert_int_equal(ans->ncname, 2);
	assert_string_equal(ans->cname[0], "www.example.com");
	assert_string_equal(ans->cname[1], "web.example.com");
	assert_string_equal(ans->canon, "host.example.com");
	assert_int_equal(dns_query_all(res, qs, 3, a, &why), -1);
	assert_int_equal(qs[0].ans->rcode, DNS_R_NOERROR);
	assert_int_equal(dns_query(res, "dangling.example.com", DNS_T_TXT, a,
	    &ans, &why), 0);
	assert_int_equal(ans->ncname, 1);
	assert_string_equal(ans->cname[0], "dangling.example.com");
	assert_int_equal(qs[1].ans->rcode, DNS_R_SERVFAIL);
	assert_int_equal(qs[2].ans->rcode, DNS_R_NOERROR);
	assert_int_equal(qs[2].ans->nrr, 1);
	arena_free(&a);
}

static void
test_bad_zones(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "a.example. A 192.0.2.1\nb.example. A 300.1.1.1\n",
		    "t.zone:2: bad address" },
		{ "$ORIGIN x.\n@ TXT \"unterminated\n", "t.zone:2: "
		    "unterminated quoted string" },
		{ "x. MX 10\n", "t.zone:1: want PREFERENCE NAME" },
		{ "x. IN FOO 1\n", "t.zone:1: unknown record type" },
		{ "\n\nx. TXT ( \"a\"\n", "t.zone:3: unbalanced \"(\"" },
		{ "  A 192.0.2.1\n", "t.zone:1: record without an owner name" },
		{ "$INCLUDE other\n", "t.zone:1: $INCLUDE is not supported; "
		    "list each file instead" },
		{ NULL, "t.zone:1: character-string longer than 255 octets "
		    "(split it into several strings)" },
		{ "x..y. A 192.0.2.1\n", "t.zone:1: empty label in name" },
		{ "@ A 192.0.2.1\n", "t.zone:1: @ without $ORIGIN" },
		{ "x. TYPE99 \\# 2 AB\n",
		    "t.zone:1: \\# length does not match the data" },
		{ "x. TLSA 3 1 1 ABC\n", "t.zone:1: odd number of hex digits" },
		{ "x. RRSIG A 13 2 300 20261341000000 20260101000000 1 x. "
		    "AAAA\n",
		    "t.zone:1: RRSIG: bad time (want YYYYMMDDHHmmSS)" },
		{ "x. RRSIG FOO 13 2 300 1 2 1 x. AAAA\n",
		    "t.zone:1: RRSIG: unknown type covered" },
		{ "x. RRSIG A 13 2 300 1 2 1 x.\n", "t.zone:1: want TYPE "
		    "ALGORITHM LABELS TTL EXPIRATION INCEPTION KEYTAG SIGNER "
		    "SIGNATURE" },
	};
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dns_zone *z = dns_zone_new();
		const char *why = "(accepted)", *text = cases[i].text;
		char big[300];

		if (text == NULL) {
			/* A 256-octet character-string. */
			memcpy(big, "x. TXT ", 7);
			memset(big + 7, 'a', 256);
			strcpy(big + 263, "\n");
			text = big;
		}
		(void)dns_zone_parse(z, text, strlen(text), "t.zone", &why);
		if (strcmp(why, cases[i].want) != 0) {
			fprintf(stderr, "case %zu:\n  got  %s\n  want %s\n", i,
			    why, cases[i].want);
			bad++;
		}
		dns_zone_free(&z);
	}
	assert_int_equal(bad, 0);
}

static void
test_add_api(void **state)
{
	struct dns_zone *z = dns_zone_new();
	struct dns_resolver *r;
	struct arena *a = arena_new();
	struct dns_answer *ans;
	const char *why;

	(void)state;
	assert_int_equal(dns_zone_add(z, "e.test", DNS_T_TXT, 60,
	    "\"v=spf1 \" \"-all\"", &why), 0);
	assert_int_equal(dns_zone_add(z, "e.test", DNS_T_MX, 60,
	    "0 .", &why), 0);
	assert_int_equal(dns_zone_add(z, "e.test", DNS_T_A, 60, "1.2.3",
	    &why), -1);
	dns_zone_add_fault(z, "t.e.test", DNS_T_TXT, DNS_R_TIMEOUT);
	r = dns_zone_resolver(z);
	assert_int_equal(dns_query(r, "e.test", DNS_T_TXT, a, &ans, &why), 0);
	assert_int_equal(ans->rr[0].u.txt.n, 2);
	assert_string_equal(dns_txt_join(a, &ans->rr[0]).p, "v=spf1 -all");
	assert_int_equal(dns_query(r, "e.test", DNS_T_MX, a, &ans, &why), 0);
	assert_string_equal(ans->rr[0].u.mx.host, "");	/* null MX */
	assert_int_equal(dns_query(r, "t.e.test", DNS_T_TXT, a, &ans, &why),
	    0);
	assert_int_equal(ans->rcode, DNS_R_TIMEOUT);
	assert_int_equal(dns_query(r, "a..b", DNS_T_A, a, &ans, &why), -1);
	dns_resolver_free(&r);
	arena_free(&a);
}

static void
test_rdata_hostile(void **state)
{
	static const struct {
		uint16_t type;
		const char *rd;
		size_t len;
	} cases[] = {
		{ DNS_T_MX, "\x00\x0a\xc0\x0c", 4 },	/* compression ptr */
		{ DNS_T_MX, "\x00", 1 },
		{ DNS_T_TXT, "\x05" "abc", 4 },		/* short string */
		{ DNS_T_TXT, "", 0 },
		{ DNS_T_A, "\x01\x02\x03", 3 },
		{ DNS_T_CAA, "\x00\x00", 2 },
		{ DNS_T_SOA, "\x00\x00\x00\x00", 4 },
	};
	struct arena *a = arena_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dns_rr rr;

		memset(&rr, 0, sizeof(rr));
		rr.type = cases[i].type;
		rr.rdata = (const uint8_t *)cases[i].rd;
		rr.rdlen = (uint16_t)cases[i].len;
		dns_rr_decode(a, &rr);
		if (rr.is_decoded)
			fail_msg("case %zu: got decoded, want refused", i);
		assert_non_null(dns_rr_str(a, &rr));
	}
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_bad_zones),
		cmocka_unit_test(test_add_api),
		cmocka_unit_test(test_rdata_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
