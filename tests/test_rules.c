/*
 * The rule engine (src/filter/rules*.c): one table row per rule type and
 * modifier (rule text, message, rule name, wanted value), GTUBE through
 * the default set, load errors naming file and line, skip accounting,
 * ReplaceTags, the Hyperscan prefilter path, meta arithmetic, and the
 * allow/deny lists.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/spf.h"
#include "filter/content.h"
#include "filter/rules.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

static const char *msg_text =
    "From: \"Pay Pal\" <service@paypa1.example>\r\n"
    "To: bob@example.net\r\n"
    "Subject: =?utf-8?q?Your_account_is_suspended?=\r\n"
    "Message-ID: <1@x>\r\n"
    "X-Mailer: SuperMass Mailer 2.0\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><body><p>Dear customer,</p>\r\n"
    "<p>please <b>verify your\r\naccount</b> within 24 hours.</p>\r\n"
    "<a href=\"http://192.0.2.7/login.php\">https://www.paypal.com</a>\r\n"
    "<p>VIAGRA VIAGRA VIAGRA</p></body></html>\r\n";

struct row {
	const char	*rules;
	const char	*name;
	double		 want;
};

static const struct row rows[] = {
	/* header, decoded, with modifiers */
	{ "header A Subject =~ /account is suspended/", "A", 1 },
	{ "header A Subject:raw =~ /=\\?utf-8\\?q\\?/", "A", 1 },
	{ "header A Subject:raw =~ /account is suspended/", "A", 0 },
	{ "header A From:addr =~ /^service\\@paypa1\\.example$/", "A", 1 },
	{ "header A From:name =~ /^Pay Pal$/", "A", 1 },
	{ "header A From:name =~ /service/", "A", 0 },
	{ "header A ALL =~ /^X-Mailer: SuperMass/m", "A", 1 },
	{ "header A ToCc =~ /bob\\@example\\.net/", "A", 1 },
	{ "header A MESSAGEID =~ /<1\\@x>/", "A", 1 },
	{ "header A exists:X-Mailer", "A", 1 },
	{ "header A exists:X-Nothing", "A", 0 },
	{ "header A exists:ToCc", "A", 1 },
	{ "header A exists:MESSAGEID", "A", 1 },
	{ "header A X-Mailer !~ /supermass/i", "A", 0 },
	{ "header A X-Nothing !~ /foo/", "A", 1 },
	{ "header A X-Nothing =~ /^none$/ [if-unset: none]", "A", 1 },
	{ "header A Subject =~ /SUSPENDED/", "A", 0 },
	{ "header A Subject =~ /SUSPENDED/i", "A", 1 },
	/* body: rendered, paragraphs on one line, Subject first */
	{ "body A /verify your account within 24 hours/", "A", 1 },
	{ "body A /<b>/", "A", 0 },
	{ "body A /^Your account is suspended$/", "A", 1 },
	{ "body A /\\bviagra\\b/i\ntflags A multiple", "A", 3 },
	{ "body A /\\bviagra\\b/i\ntflags A multiple maxhits=2", "A", 2 },
	/* rawbody keeps HTML, full sees the raw message */
	{ "rawbody A /<b>verify your/", "A", 1 },
	{ "rawbody A /Subject:/", "A", 0 },
	{ "full A /^X-Mailer: SuperMass/m", "A", 1 },
	/* uri: each URL alone, so ^ anchors at its start */
	{ "uri A /^http:\\/\\/192\\.0\\.2\\.7\\//", "A", 1 },
	{ "uri A /^https:\\/\\/www\\.paypal\\.com/", "A", 1 },
	{ "uri A m{^http://example\\.com}", "A", 0 },
	/* lookahead: Hyperscan prefilter, confirmed by PCRE2 */
	{ "body A /verify (?!your)/", "A", 0 },
	{ "body A /verify (?=your)/", "A", 1 },
	{ "body A /(dear) \\1/i", "A", 0 },
	/* meta: boolean and arithmetic */
	{ "header __A Subject =~ /account/\nbody __B /VIAGRA/\n"
	  "meta A __A && __B", "A", 1 },
	{ "header __A Subject =~ /account/\nbody __B /nothing/\n"
	  "meta A __A && !__B", "A", 1 },
	{ "header __A Subject =~ /account/\nbody __B /VIAGRA/\n"
	  "body __C /nothing/\nmeta A (__A + __B + __C) > 1", "A", 1 },
	{ "header __A Subject =~ /account/\nbody __B /VIAGRA/\n"
	  "body __C /nothing/\nmeta A (__A + __B + __C) >= 3", "A", 0 },
	{ "body __B /viagra/i\ntflags __B multiple\nmeta A __B * 2 == 6",
	  "A", 1 },
	/* conditionals and ReplaceTags */
	{ "ifplugin Mail::SpamAssassin::Plugin::ReplaceTags\n"
	  "replace_tag V (?:v|\\\\/)\nreplace_tag I (?:i|1|l)\n"
	  "replace_inter SP \\s?\nbody A /<inter SP><V><I>agra/i\n"
	  "replace_rules A\nendif", "A", 1 },
	{ "if (version >= 3.004000)\nbody A /VIAGRA/\nelse\n"
	  "body A /nothing/\nendif", "A", 1 },
	{ "if !plugin(Mail::SpamAssassin::Plugin::ReplaceTags)\n"
	  "body A /nothing/\nelse\nbody A /VIAGRA/\nendif", "A", 1 },
};

static void
test_types(void **state)
{
	struct arena *a;
	struct task *t;
	struct rules *r;
	struct rules_src src;
	char *why = NULL;
	double v;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&src, 0, sizeof(src));
		src.name = "row";
		src.text = rows[i].rules;
		src.len = strlen(rows[i].rules);
		if ((r = rules_load(&src, 1, &why)) == NULL) {
			print_error("row %zu: load: %s\n", i, why);
			free(why);
			bad++;
			continue;
		}
		a = arena_new();
		t = task_new(a, NULL, NULL, NULL);
		assert_int_equal(msg_parse(a, msg_text, strlen(msg_text),
		    &t->msg, (const char **)&why), 0);
		if (rules_eval_one(r, t, rows[i].name, &v) == -1)
			v = -1;
		if (v != rows[i].want) {
			print_error("row %zu (%s): got %g, want %g\n", i,
			    rows[i].rules, v, rows[i].want);
			bad++;
		}
		arena_free(&a);
		rules_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void
test_gtube(void **state)
{
	struct arena *a = arena_new();
	struct task *t = task_new(a, NULL, NULL, NULL);
	struct rules *r;
	char *why = NULL;
	const char *w;
	int trunc;

	(void)state;
	r = rules_load(rules_default_src, rules_default_nsrc, &why);
	assert_non_null(r);
	assert_int_equal(msg_read_file(a, MXW_TESTDATA
	    "/samples/sample-spam.txt", 0, &t->msg, &trunc, &w), 0);
	assert_true(rules_check(r, t, &w) >= 1);
	assert_non_null(task_symbol_get(t, "GTUBE"));
	assert_true(t->score >= 1000);
	arena_free(&a);
	a = arena_new();
	t = task_new(a, NULL, NULL, NULL);
	assert_int_equal(msg_read_file(a, MXW_TESTDATA
	    "/samples/sample-nonspam.txt", 0, &t->msg, &trunc, &w), 0);
	assert_true(rules_check(r, t, &w) >= 0);
	assert_null(task_symbol_get(t, "GTUBE"));
	if (t->score >= 5)
		fail_msg("clean sample scored %.2f", t->score);
	arena_free(&a);
	rules_free(&r);
}

static const struct {
	const char	*text;
	const char	*want;	/* prefix of the error */
} errs[] = {
	{ "body A /x/\nbody B /unterminated\n", "t.cf:2: B: unterminated" },
	{ "\n\nmeta A (B &&\n", "t.cf:3: A: meta: syntax" },
	{ "body A foo\n", "t.cf:1: A: pattern must start" },
	{ "score A x\n", "t.cf:1: A: bad score" },
	{ "ifplugin X\nbody A /x/\n", "t.cf:2: 1 conditional" },
	{ "endif\n", "t.cf:1: endif without if" },
	{ "body A /x/q\n", "t.cf:1: A: unknown pattern flag" },
	{ "header A Subject ~~ /x/\n", "t.cf:1: A: want =~ or !~" },
};

static void
test_errors(void **state)
{
	struct rules_src src;
	struct rules *r;
	char *why;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		memset(&src, 0, sizeof(src));
		src.name = "t.cf";
		src.text = errs[i].text;
		src.len = strlen(errs[i].text);
		why = NULL;
		r = rules_load(&src, 1, &why);
		if (r != NULL || why == NULL || strncmp(why, errs[i].want,
		    strlen(errs[i].want)) != 0) {
			print_error("err %zu: got \"%s\", want \"%s...\"\n",
			    i, why != NULL ? why : "(loaded)", errs[i].want);
			bad++;
		}
		free(why);
		rules_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void
test_skips(void **state)
{
	static const char *text =
	    "header A eval:check_rbl('x', 'y.')\n"
	    "body B eval:check_stock_info()\n"
	    "meta C A && D\n"
	    "body D /ok/\n"
	    "meta E D && !NOPE\n"
	    "mimeheader F Content-Type =~ /x/\n"
	    "ifplugin Mail::SpamAssassin::Plugin::DCC\n"
	    "body G /x/\n"
	    "endif\n"
	    "body H /y/\ntflags H net\n"
	    "header I X-Spam-Relays-External =~ /x/\n";
	struct rules_src src = { NULL, "s.cf", text, 0 };
	struct rules_stats st;
	struct rules *r;
	char *why = NULL;
	size_t i, total = 0;

	(void)state;
	src.len = strlen(text);
	r = rules_load(&src, 1, &why);
	assert_non_null(r);
	rules_stats(r, &st);
	if (st.loaded != 1 || st.skipped != 8) {
		print_error("got loaded %zu skipped %zu, want 1 and 8\n",
		    st.loaded, st.skipped);
		fail();
	}
	for (i = 0; i < st.nreasons; i++)
		total += st.reasons[i].n;
	assert_int_equal(total, 8);
	rules_stats_free(&st);
	rules_free(&r);
}

/* Values of rule A and B on msg_text; the cache must not change them. */
static void
cache_round(const char *dir, size_t want_cached)
{
	static const char *text =
	    "header A Subject =~ /suspended/i\n"
	    "body B /verify (?=your)/\n"
	    "uri C /192\\.0\\.2/\n"
	    "body Z /customer/\nscore Z 0\n";
	struct rules_src src = { NULL, "c.cf", text, 0 };
	struct arena *a = arena_new();
	struct task *t = task_new(a, NULL, NULL, NULL);
	struct rules_stats st;
	struct rules *r;
	char *why = NULL;
	const char *w;
	double v;

	src.len = strlen(text);
	r = rules_load_cached(&src, 1, dir, &why);
	assert_non_null(r);
	rules_stats(r, &st);
	if (st.databases != 3 || st.cached != want_cached) {
		print_error("got %zu databases, %zu cached; want 3, %zu\n",
		    st.databases, st.cached, want_cached);
		fail();
	}
	/* Z scores 0 and no meta uses it: disabled, as in SpamAssassin. */
	assert_int_equal(st.skipped, 1);
	rules_stats_free(&st);
	assert_int_equal(msg_parse(a, msg_text, strlen(msg_text), &t->msg,
	    &w), 0);
	assert_int_equal(rules_eval_one(r, t, "A", &v), 0);
	assert_true(v == 1);
	assert_int_equal(rules_eval_one(r, t, "B", &v), 0);
	assert_true(v == 1);
	assert_int_equal(rules_eval_one(r, t, "C", &v), 0);
	assert_true(v == 1);
	assert_int_equal(rules_eval_one(r, t, "Z", &v), -1);
	rules_free(&r);
	arena_free(&a);
}

static void
test_cache(void **state)
{
	char dir[] = "/tmp/test_rules.XXXXXX", path[512];
	struct dirent *de;
	DIR *d;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	cache_round(dir, 0);		/* compiled, written */
	cache_round(dir, 3);		/* read back */
	/* Damaged files are not cached: compiled again, rewritten. */
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_non_null(f = fopen(path, "r+"));
		fputs("garbage", f);
		fclose(f);
	}
	closedir(d);
	cache_round(dir, 0);
	cache_round(dir, 3);
	/* An unusable directory only costs the compile. */
	cache_round("/proc/nonexistent/cache", 0);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
test_lists(void **state)
{
	static const char *allow[] = { "domain:example.org",
	    "from:friend@example.com" };
	static const char *deny[] = { "ip:192.0.2.0/24",
	    "domain:spam.example for example.net" };
	struct lists *l;
	struct arena *a;
	struct task *t;
	struct spf_result spf;
	const char *why, *rcpt[] = { "bob@example.net" };
	static const char *m1 = "From: a@mail.example.org\r\n\r\nx\r\n";
	static const char *m2 = "From: friend@example.com\r\n\r\nx\r\n";
	static const char *m3 = "From: x@sub.spam.example\r\n\r\nx\r\n";

	(void)state;
	l = lists_new(allow, 2, deny, 2, -20, 20, &why);
	assert_non_null(l);
	a = arena_new();
	/* Domain allow entry without authentication: no effect. */
	t = task_new(a, NULL, NULL, NULL);
	msg_parse(a, m1, strlen(m1), &t->msg, &why);
	assert_int_equal(lists_check(l, t), 0);
	/* The same with an SPF pass of that domain: allowed. */
	memset(&spf, 0, sizeof(spf));
	spf.result = SPF_PASS;
	spf.domain = "mail.example.org";
	t->spf = &spf;
	assert_int_equal(lists_check(l, t), 1);
	/* Address entry, client in a denied network: deny wins. */
	t = task_new(a, NULL, NULL, NULL);
	msg_parse(a, m2, strlen(m2), &t->msg, &why);
	assert_int_equal(lists_check(l, t), 1);
	t->env.client_ip = "192.0.2.55";
	t->nsym = 0;
	assert_int_equal(lists_check(l, t), 2);
	/* Per recipient domain entry. */
	t = task_new(a, NULL, NULL, NULL);
	msg_parse(a, m3, strlen(m3), &t->msg, &why);
	assert_int_equal(lists_check(l, t), 0);
	t->env.rcpt = rcpt;
	t->env.nrcpt = 1;
	assert_int_equal(lists_check(l, t), 2);
	assert_non_null(task_symbol_get(t, "LIST_DENY"));
	arena_free(&a);
	lists_free(&l);
	assert_null(lists_new(deny, 0, (const char *[]){ "bogus:x" }, 1, 0,
	    0, &why));
}

/* A set with nothing skipped: stats with no reasons (qsort of none). */
static void
test_stats_clean(void **state)
{
	static const char *text = "body A /hello/\nscore A 1\n";
	struct rules_src src = { NULL, "s.cf", text, 0 };
	struct rules_stats st;
	struct rules *r;
	char *why = NULL;

	(void)state;
	src.len = strlen(text);
	assert_non_null(r = rules_load(&src, 1, &why));
	rules_stats(r, &st);
	assert_int_equal(st.loaded, 1);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.nreasons, 0);
	rules_stats_free(&st);
	rules_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_gtube),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_skips),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_stats_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
