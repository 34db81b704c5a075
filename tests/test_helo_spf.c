/*
 * SPF of the HELO identity (RFC 7208 section 2.3) through the pipeline
 * (src/filter/sender.c) with zone-file DNS: task->spf_helo, the
 * SPF_HELO_* symbols, the separate smtp.helo resinfo of
 * Authentication-Results (RFC 8601 2.7.2), address literals skipped,
 * spf.check_helo = false, and a null MAIL FROM, whose MAIL FROM identity
 * is postmaster@HELO (2.4): one evaluation, scored once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/spf.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"
#include "testutil.h"

static struct dns_resolver *res;

static const char *const zone[][2] = {
	{ "helo.test", "\"v=spf1 ip4:192.0.2.0/24 -all\"" },
	{ "soft.test", "\"v=spf1 ip4:192.0.2.0/24 ~all\"" },
	{ "mail.example.test", "\"v=spf1 ip4:192.0.2.0/24 -all\"" },
	{ "nospf.test", "\"just text\"" },
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
pipeline(const char *extra, struct conf **c_r)
{
	struct pipeline *p;
	const char *why;

	*c_r = tu_conf("milter: { authserv_id = \"mx.test\"; };\n"
	    "greylist: { mode = \"off\"; };\n%s\n", extra);
	if ((p = pipeline_new(*c_r, res, NULL, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	return p;
}

static struct task *
run(struct arena *a, const struct pipeline *p, const char *ip,
    const char *helo, const char *sender)
{
	static const char text[] = "From: a@mail.example.test\r\n"
	    "To: b@example.org\r\nSubject: x\r\n\r\nHello.\r\n";
	struct task *t = pipeline_task(p, a);
	const char *why;

	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	t->env.client_ip = ip;
	t->env.helo = helo;
	t->env.mail_from = sender;
	if (pipeline_run(p, t, &why) == -1)
		fail_msg("pipeline_run: %s", why);
	return t;
}

struct hcase {
	const char	*ip, *helo, *sender;
	const char	*want_helo;	/* spf_helo result word, NULL: none */
	const char	*want_sym;	/* SPF_HELO_* symbol, NULL: none */
	const char	*want_ar;	/* in the A-R value, or NULL */
	const char	*not_ar;	/* not in the A-R value, or NULL */
};

static const struct hcase cases[] = {
	{ "192.0.2.5", "helo.test", "a@mail.example.test", "pass",
	    "SPF_HELO_PASS", "spf=pass smtp.helo=helo.test",
	    "smtp.mailfrom=a@mail.example.test smtp.helo" },
	{ "198.51.100.1", "helo.test", "a@mail.example.test", "fail",
	    "SPF_HELO_FAIL", "spf=fail smtp.helo=helo.test", NULL },
	{ "198.51.100.1", "soft.test", "a@mail.example.test", "softfail",
	    "SPF_HELO_SOFTFAIL", "spf=softfail smtp.helo=soft.test", NULL },
	{ "198.51.100.1", "nospf.test", "a@mail.example.test", "none",
	    NULL, "spf=none smtp.helo=nospf.test", NULL },
	{ "192.0.2.5", "HELO.test.", "a@mail.example.test", "pass",
	    "SPF_HELO_PASS", "smtp.helo=HELO.test;", NULL },
	/* 2.3: the HELO identity is a domain name; literals are skipped. */
	{ "192.0.2.5", "[192.0.2.5]", "a@mail.example.test", NULL, NULL,
	    "spf=pass smtp.mailfrom", "smtp.helo" },
	{ "192.0.2.5", "", "a@mail.example.test", NULL, NULL, NULL,
	    "smtp.helo" },
	{ "192.0.2.5", NULL, "a@mail.example.test", NULL, NULL, NULL,
	    "smtp.helo" },
};

static void
test_table(void **state)
{
	struct arena *a = arena_new();
	struct conf *c;
	struct pipeline *p = pipeline("", &c);
	const char *got, *ar;
	struct task *t;
	size_t i;
	int nfail = 0, sym_ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = run(a, p, cases[i].ip, cases[i].helo, cases[i].sender);
		got = t->spf_helo != NULL ?
		    spf_result_str(t->spf_helo->result) : NULL;
		ar = t->authres != NULL ? t->authres : "";
		sym_ok = cases[i].want_sym == NULL ?
		    task_symbol_get(t, "SPF_HELO_PASS") == NULL &&
		    task_symbol_get(t, "SPF_HELO_FAIL") == NULL &&
		    task_symbol_get(t, "SPF_HELO_SOFTFAIL") == NULL :
		    task_symbol_get(t, cases[i].want_sym) != NULL;
		if ((got == NULL) != (cases[i].want_helo == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want_helo) != 0) ||
		    !sym_ok || (cases[i].want_ar != NULL &&
		    strstr(ar, cases[i].want_ar) == NULL) ||
		    (cases[i].not_ar != NULL &&
		    strstr(ar, cases[i].not_ar) != NULL)) {
			print_error("case %zu (helo %s from %s): got %s sym_ok"
			    "=%d A-R \"%s\", want %s %s, A-R with \"%s\" "
			    "without \"%s\"\n", i, cases[i].helo ?
			    cases[i].helo : "(null)", cases[i].ip,
			    got ? got : "(not run)", sym_ok, ar,
			    cases[i].want_helo ? cases[i].want_helo :
			    "(not run)", cases[i].want_sym ?
			    cases[i].want_sym : "no symbol",
			    cases[i].want_ar ? cases[i].want_ar : "",
			    cases[i].not_ar ? cases[i].not_ar : "");
			nfail++;
		}
	}
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

/* The default scores, and a configured one. */
static void
test_scores(void **state)
{
	struct arena *a = arena_new();
	struct conf *c1, *c2;
	struct pipeline *p1 = pipeline("", &c1), *p2 = pipeline(
	    "scores: { spf_helo_fail = 2.5; };", &c2);
	const struct task_symbol *s;
	struct task *t;

	(void)state;
	t = run(a, p1, "198.51.100.1", "helo.test", "a@mail.example.test");
	assert_non_null(s = task_symbol_get(t, "SPF_HELO_FAIL"));
	assert_true(s->score == 1.0);
	assert_non_null(strstr(s->reason, "helo.test"));
	t = run(a, p1, "198.51.100.1", "soft.test", "a@mail.example.test");
	assert_non_null(s = task_symbol_get(t, "SPF_HELO_SOFTFAIL"));
	assert_true(s->score == 0.5);
	t = run(a, p2, "198.51.100.1", "helo.test", "a@mail.example.test");
	assert_non_null(s = task_symbol_get(t, "SPF_HELO_FAIL"));
	assert_true(s->score == 2.5);
	pipeline_free(&p1);
	pipeline_free(&p2);
	conf_free(&c1);
	conf_free(&c2);
	arena_free(&a);
}

/*
 * A null MAIL FROM: both identities are postmaster@HELO, one result,
 * SPF_FAIL only (no SPF_HELO_FAIL on top), both resinfos reported.
 */
static void
test_null_sender(void **state)
{
	static const char *nulls[] = { "", "<>" };
	struct arena *a = arena_new();
	struct conf *c;
	struct pipeline *p = pipeline("", &c);
	struct task *t;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		t = run(a, p, "198.51.100.1", "helo.test", nulls[i]);
		assert_non_null(t->spf);
		assert_non_null(t->spf_helo);
		assert_int_equal(t->spf->result, SPF_FAIL);
		assert_int_equal(t->spf_helo->result, SPF_FAIL);
		assert_int_equal(t->spf->identity, SPF_ID_MAILFROM);
		assert_int_equal(t->spf_helo->identity, SPF_ID_HELO);
		assert_string_equal(t->spf->sender, "postmaster@helo.test");
		assert_string_equal(t->spf_helo->domain, "helo.test");
		assert_non_null(task_symbol_get(t, "SPF_FAIL"));
		assert_null(task_symbol_get(t, "SPF_HELO_FAIL"));
		assert_non_null(strstr(t->authres,
		    "spf=fail smtp.mailfrom=postmaster@helo.test"));
		assert_non_null(strstr(t->authres,
		    "spf=fail smtp.helo=helo.test"));
		/* The library agrees: its HELO resinfo is the same. */
		assert_string_equal(spf_authres(a, t->spf_helo),
		    "spf=fail smtp.helo=helo.test");
	}
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
}

/* spf.check_helo = false, spf.enabled = false, and outbound mail. */
static void
test_off(void **state)
{
	struct arena *a = arena_new();
	struct conf *c1, *c2, *c3;
	struct pipeline *p1 = pipeline("spf: { check_helo = false; };", &c1);
	struct pipeline *p2 = pipeline("spf: { enabled = false; };", &c2);
	struct pipeline *p3 = pipeline("", &c3);
	struct task *t;
	const char *why;

	(void)state;
	t = run(a, p1, "198.51.100.1", "helo.test", "a@mail.example.test");
	assert_null(t->spf_helo);
	assert_non_null(t->spf);
	assert_null(task_symbol_get(t, "SPF_HELO_FAIL"));
	assert_null(strstr(t->authres, "smtp.helo"));
	t = run(a, p2, "198.51.100.1", "helo.test", "a@mail.example.test");
	assert_null(t->spf_helo);
	assert_null(t->spf);
	t = pipeline_task(p3, a);
	t->env.client_ip = "198.51.100.1";
	t->env.helo = "helo.test";
	t->env.mail_from = "a@mail.example.test";
	t->env.is_outbound = 1;
	assert_int_equal(pipeline_envelope(p3, t, &why), 0);
	assert_null(t->spf_helo);
	pipeline_free(&p1);
	pipeline_free(&p2);
	pipeline_free(&p3);
	conf_free(&c1);
	conf_free(&c2);
	conf_free(&c3);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
