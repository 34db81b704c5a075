/*
 * DMARC in RFC 7489 compatibility mode (dmarc.rfc = "7489"): the
 * Organizational Domain from the public suffix list (libpsl, RFC 7489
 * 3.2) and pct= sampling (6.6.4) through the pipeline with zone-file
 * DNS. pct=0 and pct=100 are deterministic; pct=50 is checked over many
 * messages against wide bounds (the pipeline draws the sample with
 * arc4random_uniform, so a failure there is a 1-in-10^9 event).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dmarc.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"
#include "testutil.h"

static struct dns_resolver *res;

static const char *const zone[][2] = {
	{ "_dmarc.p0.test", "\"v=DMARC1; p=reject; pct=0\"" },
	{ "_dmarc.p100.test", "\"v=DMARC1; p=reject; pct=100\"" },
	{ "_dmarc.p50.test", "\"v=DMARC1; p=reject; pct=50\"" },
	{ "_dmarc.example.co.uk", "\"v=DMARC1; p=quarantine\"" },
};

static int
setup(void **state)
{
	(void)state;
	res = tu_txt_resolver(zone, sizeof(zone) / sizeof(zone[0]));
	return res != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	dns_resolver_free(&res);
	return 0;
}

static struct pipeline *
pipeline(struct conf **c_r)
{
	struct pipeline *p;
	const char *why;

	*c_r = tu_conf("milter: { authserv_id = \"mx.test\"; };\n"
	    "greylist: { mode = \"off\"; };\ndmarc: { rfc = \"7489\"; };\n");
	if ((p = pipeline_new(*c_r, res, NULL, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	return p;
}

/* An unsigned message From domain, sent from an address SPF ignores. */
static struct task *
run(struct arena *a, const struct pipeline *p, const char *domain)
{
	struct task *t = pipeline_task(p, a);
	const char *why, *text;

	text = arena_printf(a, "From: x@%s\r\nTo: b@example.org\r\n"
	    "Subject: s\r\n\r\nbody\r\n", domain);
	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	t->env.client_ip = "198.51.100.1";
	t->env.helo = "client.example";
	t->env.mail_from = "x@elsewhere.example";
	if (pipeline_run(p, t, &why) == -1)
		fail_msg("pipeline_run: %s", why);
	return t;
}

static void
test_pct_fixed(void **state)
{
	struct arena *a = arena_new();
	struct conf *c;
	struct pipeline *p = pipeline(&c);
	struct task *t;
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		t = run(a, p, "p0.test");
		assert_int_equal(t->dmarc->result, DMARC_RES_FAIL);
		assert_int_equal(t->dmarc->override, DMARC_OVR_SAMPLED_OUT);
		assert_true(t->action != ACT_REJECT);
		t = run(a, p, "p100.test");
		assert_int_equal(t->dmarc->result, DMARC_RES_FAIL);
		assert_int_equal(t->dmarc->applied, DMARC_POL_REJECT);
		assert_int_equal(t->action, ACT_REJECT);
	}
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
}

static void
test_pct_half(void **state)
{
	struct arena *a;
	struct conf *c;
	struct pipeline *p = pipeline(&c);
	struct task *t;
	int i, nrej = 0, n = 1000;

	(void)state;
	for (i = 0; i < n; i++) {
		a = arena_new();
		t = run(a, p, "p50.test");
		if (t->action == ACT_REJECT)
			nrej++;
		else if (t->dmarc->override != DMARC_OVR_SAMPLED_OUT)
			fail_msg("run %d: not rejected, not sampled out", i);
		arena_free(&a);
	}
	/* Binomial(1000, 0.5): sd 15.8; +-100 is over 6 sd. */
	if (nrej < 400 || nrej > 600)
		fail_msg("got %d rejects of %d, want 400..600", nrej, n);
	pipeline_free(&p);
	conf_free(&c);
}

/* RFC 7489 3.2: the Organizational Domain from the public suffix list. */
static void
test_psl_org_domain(void **state)
{
	static const char *cases[][2] = {
		{ "a.b.example.co.uk", "example.co.uk" },
		{ "example.co.uk", "example.co.uk" },
		{ "mail.example.com", "example.com" },
		{ "x.y.z.example.org", "example.org" },
	};
	struct arena *a = arena_new();
	struct dmarc_ctx *dc = dmarc_ctx_new(a, res, DMARC_RFC7489);
	struct conf *c;
	struct pipeline *p = pipeline(&c);
	struct task *t;
	const char *got;
	size_t i;
	int tf, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = dmarc_org_domain(dc, cases[i][0], &tf);
		if (got == NULL || strcmp(got, cases[i][1]) != 0) {
			print_error("%s: got %s, want %s\n", cases[i][0],
			    got ? got : "(null)", cases[i][1]);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
	/* The org domain's record applies to the subdomain (6.6.3). */
	t = run(a, p, "a.b.example.co.uk");
	assert_int_equal(t->dmarc->result, DMARC_RES_FAIL);
	assert_string_equal(t->dmarc->policy_domain, "example.co.uk");
	assert_int_equal(t->dmarc->applied, DMARC_POL_QUARANTINE);
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_fixed),
		cmocka_unit_test(test_pct_half),
		cmocka_unit_test(test_psl_org_domain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
