/*
 * DMARC unit tables: record parsing under RFC 9989 and RFC 7489 (rows
 * from ../shared/testdata/dmarc/record-parse.tsv plus our own), From
 * domain extraction (from-header-domain.tsv with our verdicts on the
 * malformed rows; "Mail From:<a@b>" and "From: Name <a@b>" read as
 * RFC 5322 groups, so they give the domain as OpenDMARC does), the tree
 * walk with psd= and the 8-query cap, policy selection with sp= and np=,
 * t=y, and alignment, against tests/data/dmarc/walk.zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dmarc.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "mail/msg.h"
#include "testutil.h"

static struct dns_resolver *res;

static int
setup(void **state)
{
	(void)state;
	res = tu_zone_resolver(MXW_TESTS_DIR "/data/dmarc/walk.zone");
	return res != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	dns_resolver_free(&res);
	return 0;
}

/* The testdata table: OpenDMARC's outcome and what RFC 7489 mode says. */
static void
test_record_tsv(void **state)
{
	char line[512], *rec, *want;
	FILE *f = fopen(MXW_TESTDATA "/dmarc/record-parse.tsv", "r");
	struct dmarc_record r;
	struct arena *a = arena_new();
	const char *why;
	int got, nfail = 0, n = 0, is_ok;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || strncmp(line, "record\t", 7) == 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		rec = line;
		want = strchr(line, '\t');
		if (want == NULL)
			continue;
		*want++ = '\0';
		is_ok = strcmp(want, "OKAY") == 0;
		/* We do not accept abbreviations (p=n): RFC 7489 6.3. */
		if (strcmp(rec, "v=DMARC1; p=n;") == 0)
			is_ok = 0;
		got = dmarc_record_parse(a, rec, strlen(rec), DMARC_RFC7489,
		    &r, &why) == 0;
		n++;
		if (got != is_ok) {
			print_error("7489 \"%s\": got %s, want %s (%s)\n", rec,
			    got ? "ok" : "error", is_ok ? "ok" : "error",
			    want);
			nfail++;
		}
	}
	fclose(f);
	arena_free(&a);
	assert_int_equal(n, 19);
	assert_int_equal(nfail, 0);
}

static void
test_record_9989(void **state)
{
	static const struct {
		const char	*rec;
		int		 ok;
		int		 p, sp, np, psd, t;
		int		 has_warn;
	} cases[] = {
		{ "v=DMARC1; p=reject", 1, 2, 2, -1, 0, 0, 0 },
		{ "v=DMARC1; p=none; sp=reject; np=quarantine; psd=y; t=y",
		    1, 0, 2, 1, 1, 1, 0 },
		{ "v=DMARC1", 1, 0, 0, -1, 0, 0, 1 },	/* p missing: none */
		{ "v=DMARC1; p=bob", 1, 0, 0, -1, 0, 0, 1 },
		{ "v=DMARC1; p=reject; pct=50; rf=afrf; ri=86400", 1, 2, 2,
		    -1, 0, 0, 0 },
		{ "v=DMARC1; p=reject; foo=bar; psd=n", 1, 2, 2, -1, 2, 0, 0 },
		{ "v=DMARC1;p=quarantine;adkim=x", 1, 1, 1, -1, 0, 0, 1 },
		{ "v = DMARC1 ; p = reject", 1, 2, 2, -1, 0, 0, 0 },
		{ "v=DMARC2; p=reject", 0, 0, 0, 0, 0, 0, 0 },
		{ "p=reject; v=DMARC1", 0, 0, 0, 0, 0, 0, 0 },
		{ "v=dmarc1; p=reject", 0, 0, 0, 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0, 0, 0, 0 },
		{ "v=DMARC1p=reject", 0, 0, 0, 0, 0, 0, 0 },
	};
	struct arena *a = arena_new();
	struct dmarc_record r;
	const char *why;
	size_t i;
	int ok, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = dmarc_record_parse(a, cases[i].rec, strlen(cases[i].rec),
		    DMARC_RFC9989, &r, &why) == 0;
		if (ok != cases[i].ok) {
			print_error("\"%s\": got %d, want %d\n", cases[i].rec,
			    ok, cases[i].ok);
			nfail++;
			continue;
		}
		if (!ok)
			continue;
		if ((int)r.p != cases[i].p || (int)(r.has_sp ? r.sp : r.p) !=
		    cases[i].sp || (r.has_np ? (int)r.np : -1) != cases[i].np ||
		    (int)r.psd != cases[i].psd || r.is_testing != cases[i].t ||
		    (r.warn != NULL) != cases[i].has_warn) {
			print_error("\"%s\": got p=%d sp=%d np=%d psd=%d t=%d "
			    "warn=%s\n", cases[i].rec, r.p, r.sp, r.has_np ?
			    (int)r.np : -1, r.psd, r.is_testing,
			    r.warn != NULL ? r.warn : "-");
			nfail++;
		}
	}
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

/* OpenDMARC's From table; malformed rows get our explicit verdicts. */
static void
test_from_tsv(void **state)
{
	static const struct {
		const char	*in;
		enum dmarc_from	 st;
		const char	*dom;	/* first domain */
	} ours[] = {
		{ "\"Johnson, Joe <joe@joe.com>\" joe@joe.com",
		    DMARC_FROM_UNPARSEABLE, NULL },
		{ "<<<><joe@joe.com>>>", DMARC_FROM_UNPARSEABLE, NULL },
		{ "Joe Johnson <joe@joe.com>, ace@ace.com", DMARC_FROM_MULTI,
		    "joe.com" },
		{ "joe@joe.com, ace@ace.com", DMARC_FROM_MULTI, "joe.com" },
		{ "\"( bob@bob.com)\" joe@joe.com", DMARC_FROM_UNPARSEABLE,
		    NULL },
	};
	char line[512], *in, *want;
	FILE *f = fopen(MXW_TESTDATA "/dmarc/from-header-domain.tsv", "r");
	struct arena *a = arena_new();
	enum dmarc_from st, wst;
	const char **doms, *why, *wdom;
	size_t n, i;
	int nfail = 0, rows = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || strncmp(line, "from_value\t", 11) == 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		in = line;
		if ((want = strchr(line, '\t')) == NULL)
			continue;
		*want++ = '\0';
		wst = DMARC_FROM_OK;
		wdom = want;
		for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			if (strcmp(ours[i].in, in) == 0) {
				wst = ours[i].st;
				wdom = ours[i].dom;
			}
		rows++;
		st = dmarc_from_value(a, in, strlen(in), &doms, &n, &why);
		if (st != wst || (wdom != NULL && (n == 0 ||
		    strcmp(doms[0], wdom) != 0))) {
			print_error("From \"%s\": got %s %s, want %s %s\n", in,
			    dmarc_from_str(st), n > 0 ? doms[0] : "-",
			    dmarc_from_str(wst), wdom != NULL ? wdom : "-");
			nfail++;
		}
	}
	fclose(f);
	arena_free(&a);
	assert_int_equal(rows, 13);
	assert_int_equal(nfail, 0);
}

static void
test_from_msg(void **state)
{
	static const struct {
		const char	*msg;
		enum dmarc_from	 st;
		size_t		 n;
	} cases[] = {
		{ "From: a@Example.COM\r\n\r\nx\r\n", DMARC_FROM_OK, 1 },
		{ "To: b@example.com\r\n\r\nx\r\n", DMARC_FROM_MISSING, 0 },
		{ "From: a@example.com\r\nFrom: b@example.com\r\n\r\n",
		    DMARC_FROM_OK, 1 },
		{ "From: a@example.com\r\nFrom: b@example.org\r\n\r\n",
		    DMARC_FROM_MULTI, 2 },
		{ "From: undisclosed:;\r\n\r\n", DMARC_FROM_EMPTY, 0 },
		{ "From: postmaster\r\n\r\n", DMARC_FROM_UNPARSEABLE, 0 },
		{ "From: <@>\r\n\r\n", DMARC_FROM_UNPARSEABLE, 0 },
	};
	struct arena *a = arena_new();
	struct msg *m;
	const char **doms, *why;
	size_t i, n;
	enum dmarc_from st;
	int nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(msg_parse(a, cases[i].msg,
		    strlen(cases[i].msg), &m, &why), 0);
		st = dmarc_from_domains(a, m, &doms, &n, &why);
		if (i == 0)	/* lower-case A-label */
			assert_string_equal(doms[0], "example.com");
		if (st != cases[i].st || n != cases[i].n) {
			print_error("case %zu: got %s n=%zu, want %s n=%zu\n",
			    i, dmarc_from_str(st), n,
			    dmarc_from_str(cases[i].st), cases[i].n);
			nfail++;
		}
	}
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

static void
test_walk(void **state)
{
	static const struct {
		const char	*dom;
		int		 found;
		const char	*pdom, *org;
		unsigned	 nq;	/* 0: not checked */
	} cases[] = {
		{ "example.com.test", 1, "example.com.test",
		    "example.com.test", 0 },
		{ "a.b.example.com.test", 1, "example.com.test",
		    "example.com.test", 0 },
		/* 11 labels: itself, then 7 labels down to 1: 8 queries */
		{ "a.b.c.d.e.f.g.h.nothing.com.test", 0, NULL, NULL, 8 },
		{ "x.y.z.org.psd.test", 1, "org.psd.test", "org.psd.test", 0 },
		{ "x.y.other.psd.test", 1, "psd.test", "other.psd.test", 0 },
		{ "a.mid.example.net.test", 1, "mid.example.net.test",
		    "mid.example.net.test", 0 },
		{ "x.example.net.test", 1, "example.net.test",
		    "example.net.test", 0 },
		{ "two.com.test", 0, NULL, NULL, 0 },	/* two records */
		{ "spf1.com.test", 0, NULL, NULL, 0 },
		{ "absent.test", 0, NULL, NULL, 2 },
	};
	struct dmarc_discovery d;
	struct dmarc_ctx *c;
	struct arena *a;
	const char *why;
	size_t i;
	int nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		c = dmarc_ctx_new(a, res, DMARC_RFC9989);
		assert_int_equal(dmarc_discover(c, cases[i].dom, &d, &why),
		    0);
		if (d.is_found != cases[i].found || (cases[i].found &&
		    (strcmp(d.policy_domain, cases[i].pdom) != 0 ||
		    strcmp(d.org_domain, cases[i].org) != 0)) ||
		    (cases[i].nq != 0 && dmarc_ctx_queries(c) !=
		    cases[i].nq)) {
			print_error("%s: got found=%d policy=%s org=%s q=%u, "
			    "want %d %s %s q=%u\n", cases[i].dom, d.is_found,
			    d.policy_domain ? d.policy_domain : "-",
			    d.org_domain ? d.org_domain : "-",
			    dmarc_ctx_queries(c), cases[i].found,
			    cases[i].pdom ? cases[i].pdom : "-",
			    cases[i].org ? cases[i].org : "-", cases[i].nq);
			nfail++;
		}
		arena_free(&a);
	}
	assert_int_equal(nfail, 0);
}

static void
test_alignment(void **state)
{
	static const struct {
		const char	*from, *id;
		enum dmarc_align mode;
		int		 want;
	} cases[] = {
		{ "example.com.test", "example.com.test", DMARC_ALIGN_STRICT,
		    1 },
		{ "example.com.test", "Example.Com.Test", DMARC_ALIGN_STRICT,
		    1 },
		{ "example.com.test", "mail.example.com.test",
		    DMARC_ALIGN_STRICT, 0 },
		{ "example.com.test", "mail.example.com.test",
		    DMARC_ALIGN_RELAXED, 1 },
		{ "a.example.com.test", "b.example.com.test",
		    DMARC_ALIGN_RELAXED, 1 },
		{ "example.com.test", "evil.test", DMARC_ALIGN_RELAXED, 0 },
		{ "a.org.psd.test", "org.psd.test", DMARC_ALIGN_RELAXED, 1 },
		{ "a.other.psd.test", "b.another.psd.test",
		    DMARC_ALIGN_RELAXED, 0 },	/* psd=y splits them */
		{ "a.mid.example.net.test", "example.net.test",
		    DMARC_ALIGN_RELAXED, 0 },	/* psd=n: own org */
		{ "example.com.test", "", DMARC_ALIGN_RELAXED, 0 },
	};
	struct arena *a = arena_new();
	struct dmarc_ctx *c = dmarc_ctx_new(a, res, DMARC_RFC9989);
	size_t i;
	int got, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = dmarc_is_aligned(c, cases[i].from, cases[i].id,
		    cases[i].mode);
		if (got != cases[i].want) {
			print_error("%s ~ %s (%s): got %d, want %d\n",
			    cases[i].from, cases[i].id, cases[i].mode ==
			    DMARC_ALIGN_STRICT ? "s" : "r", got,
			    cases[i].want);
			nfail++;
		}
	}
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

/* Policy selection (p, sp, np), t=y, alignment modes, end to end. */
static void
test_eval(void **state)
{
	static const struct {
		const char	*from;
		const char	*spf;	/* passing SPF domain or NULL */
		const char	*dkim;	/* passing d= or NULL */
		enum dmarc_res	 res;
		enum dmarc_policy pol, applied;
		enum dmarc_override ovr;
	} cases[] = {
		{ "example.com.test", "example.com.test", NULL,
		    DMARC_RES_PASS, DMARC_POL_REJECT, DMARC_POL_NONE, 0 },
		{ "example.com.test", NULL, "example.com.test",
		    DMARC_RES_PASS, DMARC_POL_REJECT, DMARC_POL_NONE, 0 },
		/* adkim=s: a subdomain signature does not align */
		{ "example.com.test", NULL, "sub.example.com.test",
		    DMARC_RES_FAIL, DMARC_POL_REJECT, DMARC_POL_REJECT, 0 },
		/* aspf relaxed (default) */
		{ "example.com.test", "bounce.example.com.test", NULL,
		    DMARC_RES_PASS, DMARC_POL_REJECT, DMARC_POL_NONE, 0 },
		/* existing subdomain: sp=quarantine */
		{ "www.example.com.test", NULL, NULL, DMARC_RES_FAIL,
		    DMARC_POL_QUARANTINE, DMARC_POL_QUARANTINE, 0 },
		/* non-existent subdomain: np=reject */
		{ "ghost.example.com.test", NULL, NULL, DMARC_RES_FAIL,
		    DMARC_POL_REJECT, DMARC_POL_REJECT, 0 },
		{ "t.com.test", NULL, NULL, DMARC_RES_FAIL, DMARC_POL_REJECT,
		    DMARC_POL_QUARANTINE, DMARC_OVR_POLICY_TEST_MODE },
		{ "nop.com.test", NULL, NULL, DMARC_RES_FAIL, DMARC_POL_NONE,
		    DMARC_POL_NONE, 0 },
		{ "absent.test", NULL, NULL, DMARC_RES_NONE, DMARC_POL_NONE,
		    DMARC_POL_NONE, 0 },
		{ "example.com.test", "evil.test", "evil.test",
		    DMARC_RES_FAIL, DMARC_POL_REJECT, DMARC_POL_REJECT, 0 },
	};
	struct dmarc_result r;
	struct dmarc_input in;
	struct dmarc_dkim dk;
	struct dmarc_ctx *c;
	struct arena *a;
	struct msg *m;
	const char *why, *txt;
	size_t i;
	int nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		txt = arena_printf(a, "From: <x@%s>\r\n\r\nbody\r\n",
		    cases[i].from);
		assert_int_equal(msg_parse(a, txt, strlen(txt), &m, &why), 0);
		memset(&in, 0, sizeof(in));
		in.msg = m;
		in.spf_domain = cases[i].spf;
		in.is_spf_pass = cases[i].spf != NULL;
		dk.d = cases[i].dkim;
		dk.s = "sel";
		dk.is_pass = 1;
		in.dkim = &dk;
		in.ndkim = cases[i].dkim != NULL;
		c = dmarc_ctx_new(a, res, DMARC_RFC9989);
		assert_int_equal(dmarc_eval(c, &in, &r, &why), 0);
		if (r.result != cases[i].res || r.policy != cases[i].pol ||
		    r.applied != cases[i].applied ||
		    r.override != cases[i].ovr) {
			print_error("%s: got %s p=%s applied=%s ovr=%s (%s), "
			    "want %s %s %s %s\n", cases[i].from,
			    dmarc_res_str(r.result),
			    dmarc_policy_str(r.policy),
			    dmarc_policy_str(r.applied),
			    dmarc_override_str(r.override), r.reason,
			    dmarc_res_str(cases[i].res),
			    dmarc_policy_str(cases[i].pol),
			    dmarc_policy_str(cases[i].applied),
			    dmarc_override_str(cases[i].ovr));
			nfail++;
		}
		arena_free(&a);
	}
	assert_int_equal(nfail, 0);
}

/* Local overrides: never-reject list, trusted ARC sealer, and RFC 7489. */
static void
test_overrides(void **state)
{
	static const char *never[] = { "example.com.test" };
	static const char *sealers[] = { "lists.example.org" };
	struct dmarc_local l;
	struct dmarc_result r;
	struct dmarc_input in;
	struct arena *a = arena_new();
	struct msg *m;
	const char *why, *txt = "From: x@example.com.test\r\n\r\n";
	const char *vouch[] = { "lists.example.org" };

	(void)state;
	assert_int_equal(msg_parse(a, txt, strlen(txt), &m, &why), 0);
	memset(&l, 0, sizeof(l));
	memset(&in, 0, sizeof(in));
	in.msg = m;
	in.local = &l;
	l.never_reject = never;
	l.nnever_reject = 1;
	dmarc_eval(dmarc_ctx_new(a, res, DMARC_RFC9989), &in, &r, &why);
	assert_int_equal(r.applied, DMARC_POL_QUARANTINE);
	assert_int_equal(r.override, DMARC_OVR_LOCAL_POLICY);
	l.nnever_reject = 0;
	l.trusted_sealers = sealers;
	l.ntrusted_sealers = 1;
	in.is_arc_pass = 1;
	in.arc_pass_sealers = vouch;
	in.narc_pass_sealers = 1;
	dmarc_eval(dmarc_ctx_new(a, res, DMARC_RFC9989), &in, &r, &why);
	assert_int_equal(r.result, DMARC_RES_FAIL);
	assert_int_equal(r.applied, DMARC_POL_NONE);
	assert_int_equal(r.override, DMARC_OVR_FORWARDED);
	in.is_arc_pass = 0;	/* a failed chain vouches for nothing */
	dmarc_eval(dmarc_ctx_new(a, res, DMARC_RFC9989), &in, &r, &why);
	assert_int_equal(r.applied, DMARC_POL_REJECT);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_tsv),
		cmocka_unit_test(test_record_9989),
		cmocka_unit_test(test_from_tsv),
		cmocka_unit_test(test_from_msg),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_overrides),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
