/*
 * Unit tests of the audit (src/audit): the synthetic domains of
 * tests/data/check/audit.zone audited through the zone-file resolver with
 * the probes off, one row per (domain, profile, check id, wanted status);
 * profiles and exit codes; the catalogue's integrity; and the parsers of
 * untrusted input (SMTP replies, MTA-STS records and policies, TLS-RPT
 * records); the NCSC classes of cipher suites. Failures print got/want.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "audit/audit_priv.h"
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
	if (dns_zone_load(z, MXW_TESTS_DIR "/data/check/audit.zone",
	    &why) == -1) {
		fprintf(stderr, "load: %s\n", why);
		dns_zone_free(&z);
		return -1;
	}
	dns_zone_add_fault(z, "broken.test", 0, DNS_R_SERVFAIL);
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

static const char *dnsbl[] = { "bl.test" };
static const char *sels[] = { "sel2048" };

static struct audit_report *
audit(struct arena *a, const char *dom, enum audit_profile p)
{
	struct audit_opts o;
	struct audit_report *r;
	const char *why;

	memset(&o, 0, sizeof(o));
	o.profile = p;
	o.no_smtp = 1;
	o.no_https = 1;
	o.no_direct_dns = 1;
	o.dnsbl = dnsbl;
	o.ndnsbl = 1;
	o.selectors = sels;
	o.nselectors = 1;
	if (audit_run(res, &o, dom, a, &r, &why) == -1) {
		fprintf(stderr, "audit %s: %s\n", dom, why);
		return NULL;
	}
	return r;
}

static const struct audit_finding *
find(const struct audit_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->f[i].check->id, id) == 0)
			return &r->f[i];
	return NULL;
}

#define D	AUDIT_PROF_DEFAULT
#define ST	AUDIT_PROF_STRICT
#define PK	AUDIT_PROF_PARKED

static const struct {
	const char		*dom;
	enum audit_profile	 prof;
	const char		*id;
	enum audit_status	 want;
} cases[] = {
	/* A domain that passes what zone files can show. */
	{ "good.test", D, "dns.domain.exists", AUDIT_PASS },
	{ "good.test", D, "dns.ns.count", AUDIT_PASS },
	{ "good.test", D, "dns.soa.values", AUDIT_PASS },
	{ "good.test", D, "mx.present", AUDIT_PASS },
	{ "good.test", D, "mx.redundancy", AUDIT_PASS },
	{ "good.test", D, "rdns.mx.fcrdns", AUDIT_PASS },
	{ "good.test", D, "spf.lookups", AUDIT_PASS },
	{ "good.test", D, "spf.all.qualifier", AUDIT_PASS },
	{ "good.test", D, "dmarc.policy.enforced", AUDIT_PASS },
	{ "good.test", D, "dkim.selector.found", AUDIT_PASS },
	{ "good.test", D, "dkim.key.rsa_size", AUDIT_PASS },
	{ "good.test", D, "tlsrpt.record.syntax", AUDIT_PASS },
	{ "good.test", D, "smtp.caa", AUDIT_PASS },
	{ "good.test", D, "rbl.ip.mx", AUDIT_PASS },
	{ "good.test", D, "dnssec.domain.signed", AUDIT_WARN },
	{ "good.test", ST, "dnssec.domain.signed", AUDIT_FAIL },
	{ "good.test", D, "dnssec.domain.valid", AUDIT_SKIP },
	{ "good.test", D, "smtp.reach", AUDIT_SKIP },
	{ "good.test", D, "smtp.tls.ciphers", AUDIT_SKIP },
	/* Existence. */
	{ "nosuch.test", D, "dns.domain.exists", AUDIT_FAIL },
	{ "broken.test", D, "dns.domain.exists", AUDIT_ERROR },
	/* SPF. */
	{ "spflimit.test", D, "spf.lookups", AUDIT_FAIL },
	{ "spflimit.test", D, "spf.include.target", AUDIT_PASS },
	{ "spfvoid.test", D, "spf.void_lookups", AUDIT_FAIL },
	{ "spfvoid.test", D, "spf.a_mx.targets", AUDIT_WARN },
	{ "spfplus.test", D, "spf.all.qualifier", AUDIT_FAIL },
	{ "spfdup.test", D, "spf.record.single", AUDIT_FAIL },
	{ "spfloop.test", D, "spf.include.loop", AUDIT_FAIL },
	{ "spfptr.test", D, "spf.ptr", AUDIT_WARN },
	{ "spfptr.test", D, "spf.broad_cidr", AUDIT_WARN },
	{ "spfsyn.test", D, "spf.syntax", AUDIT_FAIL },
	{ "nullok.test", D, "spf.record.present", AUDIT_PASS },
	{ "dmarcnone.test", D, "spf.record.present", AUDIT_FAIL },
	/* DMARC. */
	{ "dmarcext.test", D, "dmarc.rua.authorized", AUDIT_WARN },
	{ "dmarcext.test", D, "dmarc.rua.deliverable", AUDIT_PASS },
	{ "good.test", D, "dmarc.rua.authorized", AUDIT_PASS },
	{ "dmarctesting.test", D, "dmarc.policy.testing", AUDIT_WARN },
	{ "dmarctesting.test", D, "dmarc.tags.legacy", AUDIT_WARN },
	{ "dmarctesting.test", D, "dmarc.rua.present", AUDIT_WARN },
	{ "dmarcpsd.test", D, "dmarc.psd", AUDIT_WARN },
	{ "dmarcnone.test", D, "dmarc.record.whitespace", AUDIT_WARN },
	{ "dmarcnone.test", D, "dmarc.record.location", AUDIT_WARN },
	{ "dmarcnone.test", D, "dmarc.tags.unknown", AUDIT_INFO },
	{ "dmarcnone.test", D, "dmarc.p.order", AUDIT_INFO },
	{ "dmarcnone.test", D, "dmarc.sp.weaker", AUDIT_WARN },
	{ "dmarcdup.test", D, "dmarc.record.single", AUDIT_FAIL },
	{ "dmarcdup.test", D, "dmarc.record.present", AUDIT_FAIL },
	{ "sub.dmarcinh.test", D, "dmarc.record.present", AUDIT_PASS },
	{ "sub.dmarcinh.test", D, "dmarc.policy.enforced", AUDIT_WARN },
	{ "spfplus.test", D, "dmarc.record.present", AUDIT_FAIL },
	/* MX. */
	{ "nullmix.test", D, "mx.null.exclusive", AUDIT_FAIL },
	{ "nullok.test", D, "mx.null.exclusive", AUDIT_PASS },
	{ "nullok.test", D, "mx.null.consistent", AUDIT_PASS },
	{ "nullok.test", D, "smtp.reach", AUDIT_SKIP },
	{ "nullok.test", D, "dkim.selector.found", AUDIT_SKIP },
	{ "nullbad.test", D, "mx.null.consistent", AUDIT_WARN },
	{ "nullbad.test", D, "spf.all.qualifier", AUDIT_INFO },
	{ "mxcname.test", D, "mx.target.not_alias", AUDIT_WARN },
	{ "mxlit.test", D, "mx.target.hostname", AUDIT_FAIL },
	{ "mxnx.test", D, "mx.target.resolves", AUDIT_FAIL },
	{ "nomx.test", D, "mx.present", AUDIT_WARN },
	{ "mxpriv.test", D, "mx.target.public", AUDIT_WARN },
	{ "mxpriv.test", D, "mx.duplicates", AUDIT_INFO },
	{ "mxpriv.test", D, "rdns.mx.ptr", AUDIT_WARN },
	/* DKIM. */
	{ "dkim512.test", D, "dkim.key.rsa_size", AUDIT_FAIL },
	{ "dkim1024.test", D, "dkim.key.rsa_size", AUDIT_WARN },
	{ "dkimrev.test", D, "dkim.key.revoked", AUDIT_INFO },
	{ "dkimtest.test", D, "dkim.key.testing", AUDIT_WARN },
	{ "dkimtest.test", D, "dkim.key.hash", AUDIT_FAIL },
	{ "dkimbad.test", D, "dkim.key.syntax", AUDIT_FAIL },
	{ "dkimnone.test", D, "dkim.selector.found", AUDIT_WARN },
	{ "dkimnone.test", D, "dkim.domainkey.exists", AUDIT_WARN },
	/* MTA-STS and TLS-RPT records. */
	{ "stsbad.test", D, "mtasts.record.syntax", AUDIT_FAIL },
	{ "stsbad.test", D, "tlsrpt.record.syntax", AUDIT_FAIL },
	{ "good.test", D, "mtasts.record.present", AUDIT_WARN },
	{ "spfplus.test", D, "mtasts.record.present", AUDIT_INFO },
	/* Blocklists. */
	{ "rbl.test", D, "rbl.ip.mx", AUDIT_WARN },
	{ "rbl.test", D, "rbl.query.health", AUDIT_PASS },
	{ "rblref.test", D, "rbl.query.health", AUDIT_ERROR },
	{ "rblref.test", D, "rbl.ip.mx", AUDIT_PASS },
	/* The parked profile. */
	{ "parked.test", PK, "spf.parked", AUDIT_PASS },
	{ "parked.test", PK, "dmarc.parked", AUDIT_PASS },
	{ "spfplus.test", PK, "spf.parked", AUDIT_FAIL },
	{ "dmarctesting.test", PK, "dmarc.policy.enforced", AUDIT_PASS },
	{ "sub.dmarcinh.test", PK, "dmarc.policy.enforced", AUDIT_FAIL },
	{ "sigok.test", D, "dnssec.rrsig.expiry", AUDIT_PASS },
	{ "sigold.test", D, "dnssec.rrsig.expiry", AUDIT_WARN },
	{ "good.test", D, "dnssec.rrsig.expiry", AUDIT_SKIP },
};

static void
test_domains(void **state)
{
	struct arena *a = arena_new();
	const struct audit_finding *f;
	struct audit_report *r;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = audit(a, cases[i].dom, cases[i].prof);
		assert_non_null(r);
		f = find(r, cases[i].id);
		if (f == NULL) {
			printf("%s %s: no finding, want %s\n", cases[i].dom,
			    cases[i].id, audit_status_str(cases[i].want));
			bad++;
		} else if (f->status != cases[i].want) {
			printf("%s (%s) %s: got %s, want %s: %s\n",
			    cases[i].dom, audit_profile_str(cases[i].prof),
			    cases[i].id, audit_status_str(f->status),
			    audit_status_str(cases[i].want), f->message);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* Every non-pass finding explains itself: message, fix, evidence. */
static void
test_explained(void **state)
{
	static const char *doms[] = {
		"spflimit.test", "dmarcext.test", "dkim512.test",
		"nullmix.test", "spfvoid.test"
	};
	struct arena *a = arena_new();
	struct audit_report *r;
	size_t i, k, bad = 0;

	(void)state;
	for (k = 0; k < sizeof(doms) / sizeof(doms[0]); k++) {
		r = audit(a, doms[k], D);
		for (i = 0; i < r->n; i++) {
			const struct audit_finding *f = &r->f[i];

			if (f->status != AUDIT_WARN && f->status != AUDIT_FAIL)
				continue;
			if (f->fix == NULL || f->message == NULL ||
			    strcmp(f->message, "-") == 0) {
				printf("%s %s: no fix or message\n", doms[k],
				    f->check->id);
				bad++;
			}
		}
	}
	/* The lookup limit names the crossing term and the excess. */
	r = audit(a, "spflimit.test", D);
	assert_non_null(find(r, "spf.lookups")->fix);
	if (strstr(find(r, "spf.lookups")->fix, "a:h8.spflimit.test") ==
	    NULL || strstr(find(r, "spf.lookups")->fix,
	    "include:b.spflimit.test") == NULL ||
	    strstr(find(r, "spf.lookups")->message, "11 DNS lookups, 1 "
	    "over") == NULL) {
		printf("spf.lookups: got \"%s\" / \"%s\"\n",
		    find(r, "spf.lookups")->message,
		    find(r, "spf.lookups")->fix);
		bad++;
	}
	/* Void lookups are named. */
	r = audit(a, "spfvoid.test", D);
	if (find(r, "spf.void_lookups")->nevidence != 3) {
		printf("spf.void_lookups: got %zu evidence lines, want 3\n",
		    find(r, "spf.void_lookups")->nevidence);
		bad++;
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

static void
test_exit_codes(void **state)
{
	static const struct {
		const char	*dom;
		int		 fow, want;
	} rows[] = {
		{ "nosuch.test", 0, 2 },
		{ "broken.test", 0, 3 },
		{ "spflimit.test", 0, 2 },
		{ "nullok.test", 0, 0 },	/* warns only */
		{ "nullok.test", 1, 1 },
	};
	const struct audit_report *rs[2];
	struct arena *a = arena_new();
	size_t i, bad = 0;
	int got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rs[0] = audit(a, rows[i].dom, D);
		got = audit_exit_code(rs, 1, rows[i].fow);
		if (got != rows[i].want) {
			printf("%s fail_on_warn=%d: got %d, want %d\n",
			    rows[i].dom, rows[i].fow, got, rows[i].want);
			bad++;
		}
	}
	/* Several reports: fail beats error. */
	rs[0] = audit(a, "broken.test", D);
	rs[1] = audit(a, "nosuch.test", D);
	if ((got = audit_exit_code(rs, 2, 0)) != 2) {
		printf("fail+error: got %d, want 2\n", got);
		bad++;
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

static void
test_catalogue(void **state)
{
	const struct audit_check *c;
	enum audit_profile p;
	size_t n, i, j;

	(void)state;
	c = audit_catalogue(&n);
	assert_true(n > 120);
	for (i = 0; i < n; i++) {
		assert_non_null(c[i].title);
		assert_non_null(c[i].refs);
		for (j = 0; j < i; j++)
			if (strcmp(c[i].id, c[j].id) == 0)
				fail_msg("duplicate id %s", c[i].id);
		assert_ptr_equal(audit_check_find(c[i].id), &c[i]);
		if (c[i].fix == NULL && c[i].sev[0] != AUDIT_SKIP &&
		    strncmp(c[i].id, "smtp.tls.", 9) != 0 &&
		    strcmp(c[i].id, "dmarc.alignment") != 0 &&
		    strcmp(c[i].id, "smtp.relay.closed") != 0 &&
		    strcmp(c[i].id, "smtp.postmaster") != 0 &&
		    strcmp(c[i].id, "dkim.report.fail") != 0 &&
		    strncmp(c[i].id, "bimi.", 5) != 0)
			fail_msg("%s has no fix text", c[i].id);
	}
	assert_int_equal(audit_profile_parse("bulk-sender", &p), 0);
	assert_int_equal(p, AUDIT_PROF_BULK);
	assert_int_equal(audit_profile_parse("lax", &p), -1);
	c = audit_check_find("dnssec.domain.signed");
	assert_int_equal(c->sev[AUDIT_PROF_DEFAULT], AUDIT_WARN);
	assert_int_equal(c->sev[AUDIT_PROF_STRICT], AUDIT_FAIL);
}

static void
test_smtp_reply(void **state)
{
	static const struct {
		const char	*in;
		int		 want, code;
		size_t		 nline;
	} rows[] = {
		{ "220 mx.test ESMTP\r\n", 1, 220, 1 },
		{ "250-mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n", 1, 250,
		    3 },
		{ "250-mx.test\r\n250-STARTTLS\r\n", 0, 0, 0 },
		{ "250", 0, 0, 0 },
		{ "250\n", 1, 250, 1 },
		{ "250-a\r\n220 b\r\n", -1, 0, 0 },
		{ "HTTP/1.1 400\r\n", -1, 0, 0 },
		{ "99 x\r\n", -1, 0, 0 },
		{ "250xyz\r\n", -1, 0, 0 },
	};
	struct audit_smtp_reply r;
	struct arena *a = arena_new();
	const char *why;
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = audit_smtp_reply_parse(a, rows[i].in,
		    strlen(rows[i].in), &r, &why);
		if (got != rows[i].want || (got == 1 && (r.code !=
		    rows[i].code || r.nline != rows[i].nline)))
			fail_msg("row %zu: got %d code %d lines %zu, want %d "
			    "%d %zu", i, got, r.code, r.nline, rows[i].want,
			    rows[i].code, rows[i].nline);
	}
	arena_free(&a);
}

static void
test_sts_parsers(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
		enum audit_sts_mode mode;
		size_t		 nmx;
	} pol[] = {
		{ "version: STSv1\r\nmode: enforce\r\nmx: mx1.a.test\r\n"
		    "mx: *.a.test\r\nmax_age: 604800\r\n", 0,
		    AUDIT_STS_ENFORCE, 2 },
		{ "version: STSv1\nmode: none\nmax_age: 86400\n", 0,
		    AUDIT_STS_NONE, 0 },
		{ "version: STSv1\nmode: testing\nmax_age: 86400\n", -1,
		    AUDIT_STS_TESTING, 0 },
		{ "version: STSv1\nmode: enforced\nmx: a\nmax_age: 1\n", -1,
		    AUDIT_STS_BAD, 1 },
		{ "version: STSv1\nmode: enforce\nmx: a\nmax_age: "
		    "99999999999\n", -1, AUDIT_STS_ENFORCE, 1 },
		{ "version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n", -1,
		    AUDIT_STS_ENFORCE, 1 },
		{ "<html>moved</html>\n", -1, AUDIT_STS_BAD, 0 },
	};
	static const struct {
		const char	*in;
		int		 want;
	} rec[] = {
		{ "v=STSv1; id=20250101T000000;", 0 },
		{ "v=STSv1;id=abc; ext=1", 0 },
		{ "v=STSv1; id=not-alnum", -1 },
		{ "v=STSv1;", -1 },
		{ " v=STSv1; id=1", -1 },
		{ "v=STSv1; id=123456789012345678901234567890123", -1 },
	}, rpt[] = {
		{ "v=TLSRPTv1; rua=mailto:tls@a.test", 0 },
		{ "v=TLSRPTv1;rua=mailto:a@b.test,https://r.test/x", 0 },
		{ "v=TLSRPTv1; rua=ftp://x.test", -1 },
		{ "v=TLSRPTv1; rua=mailto:nobody", -1 },
		{ "v=TLSRPTv1;", -1 },
		{ "v=TLSRPTv2; rua=mailto:a@b.test", -1 },
	};
	struct audit_sts_policy p;
	struct audit_sts_record r;
	struct audit_tlsrpt t;
	struct arena *a = arena_new();
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
		got = audit_sts_policy_parse(a, pol[i].in, strlen(pol[i].in),
		    &p);
		if (got != pol[i].want || p.mode != pol[i].mode ||
		    p.nmx != pol[i].nmx)
			fail_msg("policy %zu: got %d mode %d mx %zu (%s), want "
			    "%d %d %zu", i, got, p.mode, p.nmx, p.why != NULL ?
			    p.why : "", pol[i].want, pol[i].mode, pol[i].nmx);
	}
	for (i = 0; i < sizeof(rec) / sizeof(rec[0]); i++)
		if ((got = audit_sts_record_parse(a, rec[i].in,
		    strlen(rec[i].in), &r)) != rec[i].want)
			fail_msg("record %zu: got %d, want %d", i, got,
			    rec[i].want);
	for (i = 0; i < sizeof(rpt) / sizeof(rpt[0]); i++)
		if ((got = audit_tlsrpt_parse(a, rpt[i].in,
		    strlen(rpt[i].in), &t)) != rpt[i].want)
			fail_msg("tlsrpt %zu: got %d (%s), want %d", i, got,
			    t.why != NULL ? t.why : "", rpt[i].want);
	assert_true(audit_sts_match("*.a.test", "mx1.a.test"));
	assert_false(audit_sts_match("*.a.test", "x.mx1.a.test"));
	assert_false(audit_sts_match("*.a.test", "a.test"));
	assert_true(audit_sts_match("MX1.a.test", "mx1.A.test"));
	arena_free(&a);
}

/* The NCSC classes of audit_tls.c, one suite per rule. */
static void
test_cipher_class(void **state)
{
	static const struct {
		const char	*name;
		int		 want;
	} rows[] = {
		{ "TLS_AES_256_GCM_SHA384", AUDIT_CIPH_GOOD },
		{ "TLS_CHACHA20_POLY1305_SHA256", AUDIT_CIPH_GOOD },
		{ "TLS_AES_128_GCM_SHA256", AUDIT_CIPH_SUFFICIENT },
		{ "ECDHE-RSA-AES256-GCM-SHA384", AUDIT_CIPH_SUFFICIENT },
		{ "ECDHE-ECDSA-CHACHA20-POLY1305", AUDIT_CIPH_SUFFICIENT },
		{ "ECDHE-ECDSA-AES128-CCM", AUDIT_CIPH_SUFFICIENT },
		{ "ECDHE-ECDSA-AES128-CCM8", AUDIT_CIPH_INSUFFICIENT },
		{ "ECDHE-RSA-AES256-SHA384", AUDIT_CIPH_PHASE_OUT },
		{ "ECDHE-RSA-CAMELLIA128-SHA256", AUDIT_CIPH_PHASE_OUT },
		{ "ECDHE-ARIA256-GCM-SHA384", AUDIT_CIPH_PHASE_OUT },
		{ "DHE-RSA-AES256-GCM-SHA384", AUDIT_CIPH_PHASE_OUT },
		{ "DHE-RSA-CHACHA20-POLY1305", AUDIT_CIPH_PHASE_OUT },
		{ "DHE-RSA-AES128-SHA256", AUDIT_CIPH_PHASE_OUT },
		{ "ECDHE-RSA-AES128-SHA", AUDIT_CIPH_INSUFFICIENT },
		{ "DHE-RSA-AES128-SHA", AUDIT_CIPH_INSUFFICIENT },
		{ "AES256-GCM-SHA384", AUDIT_CIPH_INSUFFICIENT },
		{ "AES128-SHA", AUDIT_CIPH_INSUFFICIENT },
		{ "DHE-DSS-AES256-GCM-SHA384", AUDIT_CIPH_INSUFFICIENT },
		{ "ADH-AES256-GCM-SHA384", AUDIT_CIPH_INSUFFICIENT },
		{ "AECDH-AES128-SHA", AUDIT_CIPH_INSUFFICIENT },
		{ "PSK-AES128-GCM-SHA256", AUDIT_CIPH_INSUFFICIENT },
		{ "NULL-SHA256", AUDIT_CIPH_INSUFFICIENT },
		{ "NO-SUCH-SUITE", -1 },
	};
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if ((got = audit_cipher_class_name(rows[i].name)) !=
		    rows[i].want)
			fail_msg("%s: got %d, want %d", rows[i].name, got,
			    rows[i].want);
}

/* The SVG Tiny PS checks of a BIMI logo, one rule per row. */
static void
test_svg(void **state)
{
#define SVG_HEAD "<svg xmlns=\"http://www.w3.org/2000/svg\" " \
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.2\" "
	static const struct {
		const char	*in;
		int		 want;
		size_t		 nwarn;
		const char	*has;	/* in the first problem or warning */
	} rows[] = {
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 96 96\">"
		    "<title>Brand</title><use xlink:href=\"#a\"/></svg>", 0,
		    0, NULL },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 96 48\">"
		    "<title>Brand</title></svg>", 0, 1, "not square" },
		{ SVG_HEAD "viewBox=\"0 0 96 96\"><title>B</title></svg>",
		    -1, 0, "baseProfile" },
		{ SVG_HEAD "baseProfile=\"tiny\"><title>B</title></svg>", -1,
		    1, "not \"tiny-ps\"" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<title>B</title><script>alert(1)</script></svg>", -1, 0,
		    "<script>" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<title>B</title><rect onclick=\"x()\"/></svg>", -1, 0,
		    "onclick" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<title>B</title><image xlink:href=\"https://e.test/a."
		    "png\"/></svg>", -1, 0, "https://e.test/a.png" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<title>B</title><a href=\"http://e.test/\"/></svg>", -1,
		    0, "external" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<title>B</title><foreignObject/></svg>", -1, 0,
		    "foreignObject" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\" "
		    "x=\"0\"><title>B</title></svg>", -1, 0, "x= or y=" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1\">"
		    "<desc>B</desc></svg>", -1, 0, "<title>" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa"
		    "\">]>" SVG_HEAD "baseProfile=\"tiny-ps\"><title>&a;"
		    "</title></svg>", -1, 0, "DOCTYPE" },
		{ "<svg version=\"1.2\" baseProfile=\"tiny-ps\"><title>B"
		    "</title></svg>", -1, 0, "namespace" },
		{ "<html><body/></html>", -1, 0, "<html>" },
		{ SVG_HEAD "baseProfile=\"tiny-ps\"><title>", -1, 0,
		    "well-formed" },
		{ "", -1, 0, "well-formed" },
	};
	struct arena *a = arena_new();
	struct audit_svg s;
	const char *first;
	struct buf big = { 0 };
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = audit_svg_check(a, rows[i].in, strlen(rows[i].in), &s);
		first = s.nproblem > 0 ? s.problem[0] : s.nwarning > 0 ?
		    s.warning[0] : "";
		if (got != rows[i].want || s.nwarning != rows[i].nwarn ||
		    (rows[i].has != NULL && strstr(first, rows[i].has) ==
		    NULL) || (got == -1) != (s.nproblem > 0))
			fail_msg("svg %zu: got %d, %zu problems, %zu warnings "
			    "(%s), want %d, %zu warnings (%s)", i, got,
			    s.nproblem, s.nwarning, first, rows[i].want,
			    rows[i].nwarn, rows[i].has != NULL ? rows[i].has :
			    "");
	}
	/* Over 32 KiB: refused whatever it holds (a valid logo, padded). */
	buf_adds(&big, SVG_HEAD "baseProfile=\"tiny-ps\" viewBox=\"0 0 1 1"
	    "\"><title>B</title><desc>");
	while (big.len <= AUDIT_SVG_MAX)
		buf_adds(&big, "padding padding padding padding ");
	buf_adds(&big, "</desc></svg>");
	got = audit_svg_check(a, big.p, big.len, &s);
	if (got != -1 || s.nproblem != 1 || strstr(s.problem[0],
	    "over the") == NULL)
		fail_msg("oversize: got %d (%s), want -1 (over the limit)",
		    got, s.nproblem > 0 ? s.problem[0] : "");
	buf_free(&big);
	arena_free(&a);
#undef SVG_HEAD
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_explained),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_smtp_reply),
		cmocka_unit_test(test_sts_parsers),
		cmocka_unit_test(test_cipher_class),
		cmocka_unit_test(test_svg),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
