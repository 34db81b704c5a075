/*
 * The outbound From-domain check (src/filter/sender.c) through the whole
 * pipeline: a task with a SASL login and is_outbound set, as the milter
 * builds it, and the From domains the login may use from
 * outbound.allowed_from (exact login, *@domain, bare name, *) or the
 * default rule (the login's domain and the dkim.signing domains), with
 * each of outbound.from_action's words and from_default's words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/dkim.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/pipeline.h"
#include "filter/sender.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/msg.h"
#include "testutil.h"

static struct dns_resolver *res;
static char dir[] = "/tmp/mxw-obfrom-XXXXXX";
static char keypath[600];

static int
setup(void **state)
{
	struct dkim_privkey *k;
	struct buf b = BUF_INIT;
	const char *why;
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL || dkim_privkey_generate(DKIM_KEY_ED25519,
	    0, &k, &why) == -1 || dkim_privkey_pem(k, &b) == -1)
		return -1;
	snprintf(keypath, sizeof(keypath), "%s/out.key", dir);
	if ((f = fopen(keypath, "w")) == NULL)
		return -1;
	fwrite(b.p, 1, b.len, f);
	fclose(f);
	buf_free(&b);
	dkim_privkey_free(&k);
	res = dns_zone_resolver(dns_zone_new());
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dns_resolver_free(&res);
	unlink(keypath);
	return rmdir(dir);
}

/* The signing table (example.net) and the entries, plus extra. */
static struct pipeline *
pipeline(const char *extra, struct conf **c_r)
{
	struct pipeline *p;
	const char *why;

	*c_r = tu_conf(
	    "milter: { authserv_id = \"mx.test\"; };\n"
	    "dkim: { signing = ( { domain = \"example.net\"; selector = "
	    "\"out\"; key = \"%s\"; algorithm = \"ed25519\"; } ); };\n"
	    "outbound: { %s\n allowed_from = (\n"
	    "  { user = \"alice@corp.test\"; domains = [ \"corp.test\", "
	    "\"example.org\" ]; },\n"
	    "  { user = \"*@partner.test\"; domains = [ \"partner.test\" ]; "
	    "},\n"
	    "  { user = \"bob\"; domains = [ \"bob.test\" ]; } ); };\n",
	    keypath, extra);
	if ((p = pipeline_new(*c_r, res, NULL, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	return p;
}

static struct task *
run(struct arena *a, const struct pipeline *p, const char *login,
    const char *from)
{
	struct task *t = pipeline_task(p, a);
	const char *why, *text;

	text = arena_printf(a, "%s%s%sTo: carol@example.org\r\n"
	    "Subject: hi\r\nMessage-ID: <1@x.test>\r\n\r\nHello.\r\n",
	    from != NULL ? "From: " : "", from != NULL ? from : "",
	    from != NULL ? "\r\n" : "");
	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	t->env.client_ip = "192.0.2.10";
	t->env.helo = "laptop";
	t->env.mail_from = "alice@corp.test";
	t->env.auth_user = login;
	t->env.is_outbound = 1;
	if (pipeline_run(p, t, &why) == -1)
		fail_msg("pipeline_run: %s", why);
	return t;
}

struct fcase {
	const char		*login;		/* NULL: trusted network */
	const char		*from;		/* NULL: no From field */
	enum task_action	 act;
	int			 has_sym;	/* OUTBOUND_FROM_NOT_ALLOWED */
};

static int
check_cases(const char *extra, const struct fcase *cases, size_t n)
{
	struct arena *a = arena_new();
	struct conf *c;
	struct pipeline *p = pipeline(extra, &c);
	struct task *t;
	size_t i;
	int nfail = 0, has;

	for (i = 0; i < n; i++) {
		t = run(a, p, cases[i].login, cases[i].from);
		has = task_symbol_get(t, "OUTBOUND_FROM_NOT_ALLOWED") != NULL;
		if (t->action != cases[i].act || has != cases[i].has_sym) {
			print_error("[%s] %s From %s: got %s sym=%d, want %s "
			    "sym=%d\n", extra, cases[i].login ?
			    cases[i].login : "(none)", cases[i].from ?
			    cases[i].from : "(none)",
			    task_action_str(t->action), has,
			    task_action_str(cases[i].act), cases[i].has_sym);
			nfail++;
		}
	}
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
	return nfail;
}

/* The default configuration: reject, default rule "both". */
static void
test_reject(void **state)
{
	static const struct fcase cases[] = {
		/* Exact entry: its domains only, not the defaults. */
		{ "alice@corp.test", "alice@corp.test", ACT_ACCEPT, 0 },
		{ "alice@corp.test", "A <a@example.org>", ACT_ACCEPT, 0 },
		{ "ALICE@Corp.Test", "x@CORP.TEST", ACT_ACCEPT, 0 },
		{ "alice@corp.test", "x@example.net", ACT_REJECT, 1 },
		{ "alice@corp.test", "mallory@example.com", ACT_REJECT, 1 },
		{ "alice@corp.test", "x@sub.corp.test", ACT_REJECT, 1 },
		/* Several From addresses: every domain must be allowed. */
		{ "alice@corp.test", "a@corp.test, b@evil.test", ACT_REJECT,
		    1 },
		{ "alice@corp.test", "a@corp.test, b@example.org", ACT_ACCEPT,
		    0 },
		/* No From at all. */
		{ "alice@corp.test", NULL, ACT_REJECT, 1 },
		/* *@domain entry. */
		{ "carol@partner.test", "carol@partner.test", ACT_ACCEPT, 0 },
		{ "carol@partner.test", "c@corp.test", ACT_REJECT, 1 },
		/* Bare login with an entry. */
		{ "bob", "bob@bob.test", ACT_ACCEPT, 0 },
		{ "bob", "bob@example.net", ACT_REJECT, 1 },
		/* No entry: the login's domain and dkim.signing's. */
		{ "dave@mx.test", "dave@mx.test", ACT_ACCEPT, 0 },
		{ "dave@mx.test", "dave@example.net", ACT_ACCEPT, 0 },
		{ "dave@mx.test", "dave@example.com", ACT_REJECT, 1 },
		{ "eve", "eve@example.net", ACT_ACCEPT, 0 },
		{ "eve", "eve@x.test", ACT_REJECT, 1 },
		/* Trusted network: no user, not checked. */
		{ NULL, "anyone@example.com", ACT_ACCEPT, 0 },
	};

	(void)state;
	assert_int_equal(check_cases("", cases,
	    sizeof(cases) / sizeof(cases[0])), 0);
}

/* The reply names the reason; allowed mail is still signed. */
static void
test_reply_and_signing(void **state)
{
	struct arena *a = arena_new();
	struct conf *c;
	struct pipeline *p = pipeline("", &c);
	const struct task_symbol *s;
	struct task *t;

	(void)state;
	t = run(a, p, "alice@corp.test", "Mallory <mallory@example.com>");
	assert_int_equal(t->action, ACT_REJECT);
	assert_string_equal(t->reply_code, "550");
	assert_string_equal(t->reply_xcode, "5.7.1");
	assert_non_null(strstr(t->reply_text, "example.com"));
	assert_non_null(strstr(t->reply_text, "alice@corp.test"));
	assert_non_null(s = task_symbol_get(t, "OUTBOUND_FROM_NOT_ALLOWED"));
	assert_non_null(strstr(s->reason, "allowed: corp.test, example.org"));
	t = run(a, p, "dave@mx.test", "dave@example.net");
	assert_int_equal(t->action, ACT_ACCEPT);
	assert_non_null(t->dkim_signature);
	assert_non_null(strstr(t->dkim_signature, "d=example.net"));
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
}

static void
test_actions_and_defaults(void **state)
{
	static const struct fcase quar[] = {
		{ "alice@corp.test", "x@example.com", ACT_QUARANTINE, 1 },
		{ "alice@corp.test", "x@corp.test", ACT_ACCEPT, 0 },
	};
	static const struct fcase sym[] = {
		{ "alice@corp.test", "x@example.com", ACT_ACCEPT, 1 },
	};
	static const struct fcase off[] = {
		{ "alice@corp.test", "x@example.com", ACT_ACCEPT, 0 },
	};
	static const struct fcase login[] = {
		{ "dave@mx.test", "dave@mx.test", ACT_ACCEPT, 0 },
		{ "dave@mx.test", "dave@example.net", ACT_REJECT, 1 },
		{ "eve", "eve@anything.test", ACT_ACCEPT, 0 },
	};
	static const struct fcase signing[] = {
		{ "dave@mx.test", "dave@mx.test", ACT_REJECT, 1 },
		{ "dave@mx.test", "dave@example.net", ACT_ACCEPT, 0 },
	};
	static const struct fcase any[] = {
		{ "dave@mx.test", "dave@anything.test", ACT_ACCEPT, 0 },
		/* Entries still apply. */
		{ "alice@corp.test", "x@example.com", ACT_REJECT, 1 },
	};
	int n = 0;

	(void)state;
#define N(v) (sizeof(v) / sizeof(v[0]))
	n += check_cases("from_action = \"quarantine\";", quar, N(quar));
	n += check_cases("from_action = \"symbol\";", sym, N(sym));
	n += check_cases("from_check = false;", off, N(off));
	n += check_cases("from_default = \"login\";", login, N(login));
	n += check_cases("from_default = \"signing\";", signing,
	    N(signing));
	n += check_cases("from_default = \"any\";", any, N(any));
#undef N
	assert_int_equal(n, 0);
}

/*
 * Specificity: the exact login beats *@domain, which beats "*"; the
 * domains of every entry of the winning kind are merged.
 */
static void
test_specificity(void **state)
{
	static const struct {
		const char	*login, *want;
	} cases[] = {
		{ "zed@else.test", "star.test" },
		{ "carol@partner.test", "partner.test,p2.test" },
		{ "alice@corp.test", "corp.test,example.org" },
		{ "bob", "bob.test" },
		{ "bobby", "star.test" },
	};
	struct conf_errors *e = NULL;
	struct sender_conf *s;
	struct arena *a = arena_new();
	struct conf *c;
	const char **v;
	char got[256];
	size_t i, k, n;
	int any, nfail = 0;

	(void)state;
	c = conf_load_string("outbound: { allowed_from = (\n"
	    "{ user = \"*\"; domains = [ \"star.test\" ]; },\n"
	    "{ user = \"*@partner.test\"; domains = [ \"partner.test\" ]; },\n"
	    "{ user = \"alice@corp.test\"; domains = [ \"corp.test\", "
	    "\"example.org\" ]; },\n"
	    "{ user = \"*@PARTNER.test\"; domains = [ \"p2.test\" ]; },\n"
	    "{ user = \"bob\"; domains = [ \"bob.test\" ]; } ); };\n",
	    "test", &e);
	conf_errors_free(&e);
	assert_non_null(c);
	s = sender_conf_new(c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = sender_allowed(s, a, cases[i].login, &v, &any);
		got[0] = '\0';
		for (k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s%s", k > 0 ? "," : "", v[k]);
		if (any || strcmp(got, cases[i].want) != 0) {
			print_error("%s: got %s (any=%d), want %s\n",
			    cases[i].login, got, any, cases[i].want);
			nfail++;
		}
	}
	sender_conf_free(&s);
	assert_null(s);
	conf_free(&c);
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_reply_and_signing),
		cmocka_unit_test(test_actions_and_defaults),
		cmocka_unit_test(test_specificity),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
