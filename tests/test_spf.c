/*
 * Unit tests for SPF: the record parser (terms, offsets, CIDR lengths,
 * errors), the macro expander (the examples of RFC 7208 section 7.4 and
 * the escapes of 7.3), check_host() against an inline zone (identities,
 * explanation, trace, counts, cache and TTL), the Received-SPF and
 * Authentication-Results output, and the audit's lookup count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <pthread.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/clock.h"

static const struct {
	const char	*rec;
	int		 want;		/* spf_parse() return */
	size_t		 nterm;
	size_t		 nlookup;
	size_t		 nerror;
	size_t		 err_off;	/* offset of the first error */
} parse_cases[] = {
	{ "v=spf1", 0, 0, 0, 0, 0 },
	{ "v=spf1 -all", 0, 1, 0, 0, 0 },
	{ "V=SPF1 ~ALL", 0, 1, 0, 0, 0 },
	{ "v=spf1  a  -all ", 0, 2, 1, 0, 0 },
	{ "v=spf1 ip4:192.0.2.0/24 a mx/24//64 include:_spf.example.com "
	  "redirect=x.example.com", 0, 5, 4, 0, 0 },
	{ "v=spf1 ptr ptr:example.com exists:%{i}.bl.example.com", 0, 3, 3,
	  0, 0 },
	{ "v=spf1 exp=%{d}.exp.example.com moo.cow-far_out=x:y/z -all", 0, 3,
	  0, 0, 0 },
	{ "v=spf1 a:foo:bar/baz.example.com", 0, 1, 1, 0, 0 },
	{ "v=spf1 a:foo.example.xn--zckzah", 0, 1, 1, 0, 0 },
	{ "v=spf10", -1, 0, 0, 1, 0 },
	{ "v=spf1mx", -1, 0, 0, 1, 0 },
	{ "v=spf1 a/33", -1, 1, 1, 1, 7 },
	{ "v=spf1 a//129", -1, 1, 1, 1, 7 },
	{ "v=spf1 a/24/64", -1, 1, 1, 1, 7 },
	{ "v=spf1 ip4:1.2.3.4/032", -1, 1, 0, 1, 7 },
	{ "v=spf1 ip4:1.2.3.4//32", -1, 1, 0, 1, 7 },
	{ "v=spf1 ip6:::1//33", -1, 1, 0, 1, 7 },
	{ "v=spf1 ip4:1.2.3", -1, 1, 0, 1, 7 },
	{ "v=spf1 ip4", -1, 1, 0, 1, 7 },
	{ "v=spf1 ip4:1.2.3.4 bogus -all foo=%x", -1, 4, 0, 2, 19 },
	{ "v=spf1 -all.", -1, 1, 0, 1, 7 },
	{ "v=spf1 all:x", -1, 1, 0, 1, 7 },
	{ "v=spf1 include", -1, 1, 1, 1, 7 },
	{ "v=spf1 include:", -1, 1, 1, 1, 7 },
	{ "v=spf1 ptr/0", -1, 1, 1, 1, 7 },
	{ "v=spf1 a:museum", -1, 1, 1, 1, 7 },
	{ "v=spf1 a:111.222.33.44", -1, 1, 1, 1, 7 },
	{ "v=spf1 a:example.-com", -1, 1, 1, 1, 7 },
	{ "v=spf1 redirect=a.example.com redirect=b.example.com", -1, 2, 2,
	  1, 30 },
	{ "v=spf1 exp=a.example.com exp=b.example.com", -1, 2, 0, 1, 25 },
	{ "v=spf1 exp=", -1, 1, 0, 1, 7 },
	{ "v=spf1 redirect:x.example.com", -1, 1, 0, 1, 7 },
	{ "v=spf1 =all", -1, 1, 0, 1, 7 },
	{ "v=spf1 1up=foo", -1, 1, 0, 1, 7 },
	{ "v=spf1 exists:%{c}.example.com", -1, 1, 1, 1, 7 },
	{ "v=spf1 exists:%{d0}.example.com", -1, 1, 1, 1, 7 },
	{ "v=spf1 a:ctrl.example.com\vptr -all", -1, 2, 0, 1, 7 },
	{ "v=spf1 a:\xc3\xa9.example.com", -1, 1, 0, 1, 7 },
};

static void
test_parse(void **state)
{
	struct arena *a = arena_new();
	const struct spf_record *rec;
	struct spf_record *r;
	const char *why = NULL;
	size_t i;
	int bad = 0, rc;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		rc = spf_parse(a, parse_cases[i].rec,
		    strlen(parse_cases[i].rec), &r, &why);
		rec = r;
		if (rc != parse_cases[i].want ||
		    rec->nterm != parse_cases[i].nterm ||
		    rec->nlookup != parse_cases[i].nlookup ||
		    rec->nerror != parse_cases[i].nerror ||
		    (rec->nerror > 0 && rec->nterm > 0 &&
		    rec->err_off != parse_cases[i].err_off)) {
			fprintf(stderr, "parse \"%s\": got rc %d nterm %zu "
			    "nlookup %zu nerror %zu off %zu (%s), want rc %d "
			    "nterm %zu nlookup %zu nerror %zu off %zu\n",
			    parse_cases[i].rec, rc, rec->nterm, rec->nlookup,
			    rec->nerror, rec->err_off, rc == 0 ? "ok" : why,
			    parse_cases[i].want, parse_cases[i].nterm,
			    parse_cases[i].nlookup, parse_cases[i].nerror,
			    parse_cases[i].err_off);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* Fields of parsed terms: kinds, qualifiers, CIDR lengths, specs. */
static void
test_parse_terms(void **state)
{
	struct arena *a = arena_new();
	struct spf_record *r;
	const char *why;
	char ip[INET6_ADDRSTRLEN];

	(void)state;
	const char *rec = "v=spf1 ~a/24//64 -mx:m.example.com/28 "
	    "?ip6:2001:DB8::/32 +ip4:192.0.2.1 include:i.example.com "
	    "exp=e.%{d} x-y=z";

	assert_int_equal(spf_parse(a, rec, strlen(rec), &r, &why), 0);
	assert_int_equal(r->nterm, 7);
	assert_int_equal(r->term[0].kind, SPF_K_A);
	assert_int_equal(r->term[0].qual, SPF_SOFTFAIL);
	assert_int_equal(r->term[0].cidr4, 24);
	assert_int_equal(r->term[0].cidr6, 64);
	assert_null(r->term[0].spec);
	assert_int_equal(r->term[1].kind, SPF_K_MX);
	assert_int_equal(r->term[1].qual, SPF_FAIL);
	assert_string_equal(r->term[1].spec, "m.example.com");
	assert_int_equal(r->term[1].cidr4, 28);
	assert_int_equal(r->term[1].cidr6, -1);
	assert_int_equal(r->term[1].off, 17);
	assert_string_equal(r->term[1].text, "-mx:m.example.com/28");
	assert_int_equal(r->term[2].kind, SPF_K_IP6);
	assert_int_equal(r->term[2].qual, SPF_NEUTRAL);
	assert_int_equal(r->term[2].cidr6, 32);
	inet_ntop(AF_INET6, &r->term[2].ip6, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::");
	assert_int_equal(r->term[3].kind, SPF_K_IP4);
	assert_int_equal(r->term[3].qual, SPF_PASS);
	assert_int_equal(r->term[4].kind, SPF_K_INCLUDE);
	assert_ptr_equal(r->exp, &r->term[5]);
	assert_string_equal(r->exp->spec, "e.%{d}");
	assert_int_equal(r->term[6].kind, SPF_K_UNKNOWN);
	assert_string_equal(r->term[6].name, "x-y");
	assert_int_equal(r->nlookup, 3);
	arena_free(&a);
}

static const struct {
	const char	*in;
	int		 v6;
	int		 is_exp;
	const char	*want;		/* NULL: must be an error */
} macro_cases[] = {
	/* RFC 7208 7.4 */
	{ "%{s}", 0, 0, "strong-bad@email.example.com" },
	{ "%{o}", 0, 0, "email.example.com" },
	{ "%{d}", 0, 0, "email.example.com" },
	{ "%{d4}", 0, 0, "email.example.com" },
	{ "%{d3}", 0, 0, "email.example.com" },
	{ "%{d2}", 0, 0, "example.com" },
	{ "%{d1}", 0, 0, "com" },
	{ "%{dr}", 0, 0, "com.example.email" },
	{ "%{d2r}", 0, 0, "example.email" },
	{ "%{l}", 0, 0, "strong-bad" },
	{ "%{l-}", 0, 0, "strong.bad" },
	{ "%{lr}", 0, 0, "strong-bad" },
	{ "%{lr-}", 0, 0, "bad.strong" },
	{ "%{l1r-}", 0, 0, "strong" },
	{ "%{ir}.%{v}._spf.%{d2}", 0, 0, "3.2.0.192.in-addr._spf.example.com" },
	{ "%{lr-}.lp._spf.%{d2}", 0, 0, "bad.strong.lp._spf.example.com" },
	{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0, 0,
	  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
	{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0, 0,
	  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
	{ "%{d2}.trusted-domains.example.net", 0, 0,
	  "example.com.trusted-domains.example.net" },
	{ "%{ir}.%{v}._spf.%{d2}", 1, 0, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	  "0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com" },
	/* 7.3 escapes, URL encoding, exp-only letters */
	{ "a%%b%_c%-d", 0, 0, "a%b c%20d" },
	{ "%{L}", 0, 0, "strong-bad" },
	{ "%{S}", 0, 0, "strong-bad%40email.example.com" },
	{ "%{c}", 1, 1, "2001:db8::cb01" },
	{ "%{c} at %{t} by %{r}", 0, 1, "192.0.2.3 at 1400000000 by "
	  "mx.example.org" },
	{ "%{h}", 0, 0, "mail.example.net" },
	{ "%{p}", 0, 0, "unknown" },
	{ "%{d100}", 0, 0, "email.example.com" },
	{ "%{l+-}", 0, 0, "strong.bad" },
	{ "%{c}", 0, 0, NULL },
	{ "%{r}", 0, 0, NULL },
	{ "%{t}", 0, 0, NULL },
	{ "%{d0}", 0, 0, NULL },
	{ "%{x}", 0, 0, NULL },
	{ "%{d", 0, 0, NULL },
	{ "%", 0, 0, NULL },
	{ "%a", 0, 0, NULL },
	{ "%(ir)", 0, 0, NULL },
	{ "a b", 0, 0, NULL },
	{ "a b", 0, 1, "a b" },
};

static void
test_macros(void **state)
{
	struct arena *a = arena_new();
	struct spf_macro_env env;
	const char *why;
	char *out;
	size_t i;
	int bad = 0, rc;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.sender = "strong-bad@email.example.com";
	env.local = "strong-bad";
	env.sender_domain = "email.example.com";
	env.domain = "email.example.com";
	env.helo = "mail.example.net";
	env.receiver = "mx.example.org";
	env.now = 1400000000;
	for (i = 0; i < sizeof(macro_cases) / sizeof(macro_cases[0]); i++) {
		env.af = macro_cases[i].v6 ? AF_INET6 : AF_INET;
		memset(env.ip, 0, sizeof(env.ip));
		inet_pton(env.af, macro_cases[i].v6 ? "2001:db8::cb01" :
		    "192.0.2.3", env.ip);
		out = NULL;
		rc = spf_macro_expand(a, macro_cases[i].in,
		    strlen(macro_cases[i].in), &env, macro_cases[i].is_exp,
		    &out, &why);
		if (macro_cases[i].want == NULL ? rc != -1 : rc != 0 ||
		    strcmp(out, macro_cases[i].want) != 0) {
			fprintf(stderr, "macro \"%s\": got %s, want %s\n",
			    macro_cases[i].in, rc == 0 ? out : why,
			    macro_cases[i].want != NULL ?
			    macro_cases[i].want : "an error");
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

static const char zone_text[] =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@        TXT \"v=spf1 ip4:192.0.2.0/28 include:_spf.example.com \" "
    "\"a mx -all exp=why.example.com\"\n"
    "@        A 192.0.2.100\n"
    "@        MX 10 mx1\n"
    "mx1      A 192.0.2.25\n"
    "mx1      AAAA 2001:db8::25\n"
    "_spf     TXT \"v=spf1 ip4:198.51.100.0/24 ~all\"\n"
    "why      TXT \"%{i} may not send for %{d} (sender %{s})\"\n"
    "mail     TXT \"v=spf1 a -all\"\n"
    "mail     A 192.0.2.50\n"
    "red      TXT \"v=spf1 redirect=example.com\"\n"
    "soft     TXT \"v=spf1 ~all\"\n"
    "two      TXT \"v=spf1 -all\"\n"
    "two      TXT \"v=spf1 +all\"\n"
    "bad      TXT \"v=spf1 a:x..example.com ip4:300.1.1.1 -all\"\n"
    "tmp      TXT \"v=spf1 a:down.example.com -all\"\n"
    "$FAULT down.example.com. ANY TIMEOUT\n"
    "big      TXT \"v=spf1 a a a a include:big2.example.com -all\"\n"
    "big      A 192.0.2.200\n"
    "big2     TXT \"v=spf1 a a include:big3.example.com\"\n"
    "big2     A 192.0.2.201\n"
    "big3     TXT \"v=spf1 a a a\"\n"
    "big3     A 192.0.2.202\n"
    "loop     TXT \"v=spf1 include:loop.example.com\"\n"
    "xn--bcher-kva TXT \"v=spf1 -all\"\n";

static struct dns_resolver *
make_resolver(void)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;

	if (dns_zone_parse(z, zone_text, sizeof(zone_text) - 1, "inline",
	    &why) == -1) {
		fprintf(stderr, "zone: %s\n", why);
		fail();
	}
	return dns_zone_resolver(z);
}

static const struct {
	const char	*ip;
	const char	*sender;
	const char	*helo;
	int		 helo_id;
	enum spf_res	 want;
	const char	*matched;	/* NULL: none */
	unsigned	 lookups;
} eval_cases[] = {
	{ "192.0.2.3", "a@example.com", "h.example.net", 0, SPF_PASS,
	  "ip4:192.0.2.0/28", 0 },
	{ "198.51.100.7", "a@example.com", "h", 0, SPF_PASS,
	  "include:_spf.example.com", 1 },
	{ "192.0.2.100", "a@example.com", "h", 0, SPF_PASS, "a", 2 },
	{ "192.0.2.25", "a@example.com", "h", 0, SPF_PASS, "mx", 3 },
	{ "2001:db8::25", "a@example.com", "h", 0, SPF_PASS, "mx", 3 },
	{ "::ffff:192.0.2.25", "a@example.com", "h", 0, SPF_PASS, "mx", 3 },
	{ "203.0.113.9", "a@example.com", "h", 0, SPF_FAIL, "-all", 3 },
	{ "203.0.113.9", "x@red.example.com", "h", 0, SPF_FAIL, "-all", 4 },
	{ "203.0.113.9", "x@soft.example.com", "h", 0, SPF_SOFTFAIL, "~all",
	  0 },
	{ "203.0.113.9", "x@two.example.com", "h", 0, SPF_PERMERROR, NULL,
	  0 },
	{ "203.0.113.9", "x@bad.example.com", "h", 0, SPF_PERMERROR, NULL,
	  0 },
	{ "203.0.113.9", "x@tmp.example.com", "h", 0, SPF_TEMPERROR, NULL,
	  1 },
	{ "203.0.113.9", "x@nowhere.example.com", "h", 0, SPF_NONE, NULL,
	  0 },
	{ "203.0.113.9", "x@localhost", "h", 0, SPF_NONE, NULL, 0 },
	{ "203.0.113.9", "x@big.example.com", "h", 0, SPF_PERMERROR, NULL,
	  11 },
	{ "203.0.113.9", "x@loop.example.com", "h", 0, SPF_PERMERROR, NULL,
	  11 },
	/* U-labels are asked as A-labels (RFC 8616 4). */
	{ "203.0.113.9", "x@b\xc3\xbc" "cher.example.com", "h", 0, SPF_FAIL,
	  "-all", 0 },
	/* The null path checks postmaster@HELO (2.4). */
	{ "192.0.2.50", "", "mail.example.com", 0, SPF_PASS, "a", 1 },
	{ "192.0.2.51", "<>", "mail.example.com", 0, SPF_FAIL, "-all", 1 },
	/* The HELO identity alone (2.3). */
	{ "192.0.2.50", "a@example.com", "mail.example.com", 1, SPF_PASS,
	  "a", 1 },
	{ "192.0.2.50", "a@example.com", "localhost", 1, SPF_NONE, NULL, 0 },
};

static void
test_eval(void **state)
{
	struct dns_resolver *res = make_resolver();
	struct spf_ctx *c = spf_ctx_new(res, NULL);
	struct spf_query q;
	struct spf_result *r;
	struct arena *a;
	const char *why;
	size_t i;
	int bad = 0, round;

	(void)state;
	for (round = 0; round < 2; round++)
		for (i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]);
		    i++) {
			a = arena_new();
			memset(&q, 0, sizeof(q));
			assert_int_equal(spf_query_set_ip(&q, eval_cases[i].ip),
			    0);
			q.sender = eval_cases[i].sender;
			q.helo = eval_cases[i].helo;
			q.identity = eval_cases[i].helo_id ? SPF_ID_HELO :
			    SPF_ID_MAILFROM;
			assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
			if (r->result != eval_cases[i].want ||
			    r->lookups != eval_cases[i].lookups ||
			    (r->matched == NULL) !=
			    (eval_cases[i].matched == NULL) ||
			    (r->matched != NULL && strcmp(r->matched,
			    eval_cases[i].matched) != 0)) {
				fprintf(stderr, "eval %s %s: got %s %s %u "
				    "(%s), want %s %s %u\n", eval_cases[i].ip,
				    eval_cases[i].sender,
				    spf_result_str(r->result),
				    r->matched != NULL ? r->matched : "-",
				    r->lookups, r->problem != NULL ?
				    r->problem : "",
				    spf_result_str(eval_cases[i].want),
				    eval_cases[i].matched != NULL ?
				    eval_cases[i].matched : "-",
				    eval_cases[i].lookups);
				bad++;
			}
			arena_free(&a);
		}
	assert_true(spf_ctx_cached(c) > 0);
	spf_ctx_free(&c);
	dns_resolver_free(&res);
	assert_int_equal(bad, 0);
}

/* Explanation, trace, headers on one fail. */
static void
test_explain_and_output(void **state)
{
	struct dns_resolver *res = make_resolver();
	struct spf_ctx *c = spf_ctx_new(res, NULL);
	struct arena *a = arena_new();
	struct spf_query q;
	struct spf_result *r;
	const char *why;
	size_t i, nterm = 0, ndns = 0;

	(void)state;
	memset(&q, 0, sizeof(q));
	spf_query_set_ip(&q, "203.0.113.9");
	q.sender = "joe@example.com";
	q.helo = "h.example.net";
	q.receiver = "mx.example.org";
	q.flags = SPF_Q_TRACE;
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_int_equal(r->result, SPF_FAIL);
	assert_string_equal(r->explanation, "203.0.113.9 may not send for "
	    "example.com (sender joe@example.com)");
	assert_string_equal(r->matched_domain, "example.com");
	assert_int_equal(r->voids, 0);
	for (i = 0; i < r->ntrace; i++) {
		nterm += r->trace[i].kind == SPF_S_TERM;
		ndns += r->trace[i].ndns;
	}
	/* ip4, include (and its ip4, ~all), a, mx, -all */
	assert_int_equal(nterm, 7);
	assert_true(ndns >= 6);
	assert_int_equal(r->trace[0].kind, SPF_S_RECORD);
	assert_string_equal(r->trace[0].record, "v=spf1 ip4:192.0.2.0/28 "
	    "include:_spf.example.com a mx -all exp=why.example.com");
	assert_int_equal(r->trace[r->ntrace - 1].kind, SPF_S_EXP);
	assert_string_equal(spf_received_spf(a, r), "fail (mx.example.org: "
	    "domain of joe@example.com does not designate 203.0.113.9 as "
	    "permitted sender) client-ip=203.0.113.9; "
	    "envelope-from=\"joe@example.com\"; helo=h.example.net; "
	    "receiver=mx.example.org; identity=mailfrom; mechanism=-all");
	assert_string_equal(spf_authres(a, r),
	    "spf=fail smtp.mailfrom=joe@example.com");

	/* Default explanation, and no trace without the flag. */
	q.sender = "\"odd local\"@soft.example.com";
	q.flags = 0;
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_int_equal(r->result, SPF_SOFTFAIL);
	assert_null(r->explanation);
	assert_int_equal(r->ntrace, 0);
	assert_string_equal(spf_authres(a, r),
	    "spf=softfail smtp.mailfrom=soft.example.com");
	q.sender = "x@two.example.com";
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_string_equal(spf_authres(a, r), "spf=permerror "
	    "reason=\"two.example.com has 2 SPF records (RFC 7208 4.5)\" "
	    "smtp.mailfrom=x@two.example.com");
	q.identity = SPF_ID_HELO;
	q.helo = "mail.example.com";
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_string_equal(spf_authres(a, r),
	    "spf=fail smtp.helo=mail.example.com");
	assert_string_equal(r->explanation,
	    "203.0.113.9 is not allowed to send mail for mail.example.com");
	arena_free(&a);
	spf_ctx_free(&c);
	dns_resolver_free(&res);
}

/* Records are cached for their TTL (clock_now()) and then asked again. */
static void
test_cache_ttl(void **state)
{
	struct dns_resolver *res = make_resolver();
	struct spf_ctx *c = spf_ctx_new(res, NULL);
	struct arena *a = arena_new();
	struct spf_query q;
	struct spf_result *r;
	const char *why;

	(void)state;
	clock_set(1700000000);
	memset(&q, 0, sizeof(q));
	spf_query_set_ip(&q, "192.0.2.3");
	q.sender = "a@example.com";
	q.flags = SPF_Q_TRACE;
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_false(r->trace[0].is_cached);
	assert_int_equal(spf_ctx_cached(c), 1);
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_true(r->trace[0].is_cached);
	clock_set(1700000000 + 301);
	assert_int_equal(spf_check(c, &q, a, &r, &why), 0);
	assert_false(r->trace[0].is_cached);
	assert_int_equal(r->result, SPF_PASS);
	clock_set(0);
	arena_free(&a);
	spf_ctx_free(&c);
	dns_resolver_free(&res);
}

struct thr {
	struct spf_ctx	*c;
	int		 bad;
};

/* Evaluate a mix of senders; cache entries are evicted under us. */
static void *
thr_run(void *arg)
{
	static const char *const senders[] = { "a@example.com",
	    "b@red.example.com", "c@soft.example.com", "d@big2.example.com" };
	static const enum spf_res want[] = { SPF_PASS, SPF_PASS, SPF_SOFTFAIL,
	    SPF_NEUTRAL };
	struct thr *t = arg;
	struct spf_query q;
	struct spf_result *r;
	const char *why;
	int i;

	memset(&q, 0, sizeof(q));
	spf_query_set_ip(&q, "198.51.100.7");
	for (i = 0; i < 2000; i++) {
		struct arena *a = arena_new();

		q.sender = senders[i % 4];
		q.flags = i % 3 == 0 ? SPF_Q_TRACE : 0;
		if (spf_check(t->c, &q, a, &r, &why) == -1 ||
		    r->result != want[i % 4])
			t->bad++;
		arena_free(&a);
	}
	return NULL;
}

/* The record cache is shared by milter threads: hammer it. */
static void
test_threads(void **state)
{
	struct dns_resolver *res = make_resolver();
	struct spf_opts o = { NULL, 2, 0 };
	struct spf_ctx *c = spf_ctx_new(res, &o);
	pthread_t tid[4];
	struct thr t[4];
	int i, bad = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i].c = c;
		t[i].bad = 0;
		assert_int_equal(pthread_create(&tid[i], NULL, thr_run, &t[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		bad += t[i].bad;
	}
	assert_true(spf_ctx_cached(c) <= 2);
	spf_ctx_free(&c);
	dns_resolver_free(&res);
	assert_int_equal(bad, 0);
}

static void
test_count(void **state)
{
	struct dns_resolver *res = make_resolver();
	struct spf_ctx *c = spf_ctx_new(res, NULL);
	struct arena *a = arena_new();
	struct spf_count *n;
	const char *why;

	(void)state;
	assert_int_equal(spf_count_lookups(c, "example.com", a, &n, &why), 0);
	assert_int_equal(n->total, 3);
	assert_int_equal(n->nnode, 2);
	assert_null(n->over_term);
	assert_int_equal(spf_count_lookups(c, "big.example.com", a, &n, &why),
	    0);
	assert_int_equal(n->total, 11);
	assert_int_equal(n->nnode, 3);
	assert_string_equal(n->over_term, "a");
	assert_string_equal(n->over_domain, "big3.example.com");
	assert_string_equal(n->over_root, "include:big2.example.com");
	assert_int_equal(n->node[1].own, 3);
	assert_int_equal(n->node[0].total, 11);
	assert_int_equal(spf_count_lookups(c, "loop.example.com", a, &n,
	    &why), 0);
	assert_int_equal(n->nnode, 2);
	assert_non_null(n->node[1].problem);
	assert_int_equal(spf_count_lookups(c, "a..b", a, &n, &why), -1);
	arena_free(&a);
	spf_ctx_free(&c);
	dns_resolver_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_terms),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_explain_and_output),
		cmocka_unit_test(test_cache_ttl),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
