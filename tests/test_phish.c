/*
 * The phishing check (src/filter/phish.c): skeleton and distance tables,
 * lookalike domains (typos, homoglyphs, IDN, suffix and embedded
 * variants, our own domains are not lookalikes), lures in English,
 * German and Japanese, display-name impersonation, link findings, the
 * subject tag below the tag threshold, and a learning round trip through
 * the pipeline with a temporary store (outbound to X, then mail from X
 * is known).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/phish.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"
#include "store/store.h"
#include "testutil.h"

#define CONF_BASE \
	"milter: { authserv_id = \"mx.test\"; };\n" \
	"rules: { default_set = false; };\n" \
	"actions: { greylist = 100.0; };\n" \
	"phishing: { own_domains = [ \"acmecorp.com\" ];\n" \
	"  partners = [ \"globex.de\" ];\n" \
	"  people = [ \"Jane Doe\" ]; };\n"

static struct phish *
new_phish(struct conf **c_r)
{
	const char *why;
	struct phish *ph;

	*c_r = tu_conf("%s", CONF_BASE);
	if ((ph = phish_new(*c_r, &why)) == NULL)
		fail_msg("phish_new: %s", why);
	return ph;
}

static void
test_skeleton(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "paypal", "paypal" },
		{ "PayPa1", "paypal" },
		{ "paypai", "paypal" },
		{ "rnicrosoft", "mlcrosoft" },
		{ "micros0ft", "mlcrosoft" },
		{ "p\xd0\xb0ypal", "paypal" },		/* Cyrillic a */
		{ "\xce\xbf\xce\xbd", "ov" },		/* Greek omicron nu */
		{ "vvells", "wells" },
		{ "caf\xc3\xa9", "cafe" },
		{ "\xef\xbd\x90\xef\xbd\x81y", "pay" },	/* fullwidth */
		{ "Jane  Doe", "jane doe" },
		{ "a@b!", "ab" },
		{ "\xff\xfe", "y" },		/* Latin-1 y diaeresis */
	};
	struct arena *a = arena_new();
	const char *got;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = phish_skeleton(a, cases[i].in);
		if (strcmp(got, cases[i].want) != 0) {
			printf("skeleton(%s): got \"%s\", want \"%s\"\n",
			    cases[i].in, got, cases[i].want);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

static void
test_distance(void **state)
{
	static const struct { const char *a, *b; int max, want; } cases[] = {
		{ "paypal", "paypal", 2, 0 },
		{ "paypal", "paypa", 2, 1 },
		{ "paypal", "paypall", 2, 1 },
		{ "paypal", "pyapal", 2, 1 },		/* transposition */
		{ "paypal", "pypal", 2, 1 },
		{ "acmecorp", "acmecrop", 2, 1 },
		{ "microsoft", "rnicrosoft", 2, 2 },
		{ "abc", "xyz", 1, 2 },			/* over max: max+1 */
		{ "short", "muchlongerlabel", 2, 3 },
		{ "", "", 1, 0 },
	};
	size_t i;
	int got, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = phish_distance(cases[i].a, cases[i].b, cases[i].max);
		if (got != cases[i].want) {
			printf("distance(%s, %s): got %d, want %d\n",
			    cases[i].a, cases[i].b, got, cases[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_lookalike(void **state)
{
	static const struct {
		const char	*in;
		enum phish_look	 want;
		const char	*target;
	} cases[] = {
		{ "acmecorp.com", PHISH_LOOK_SELF, "acmecorp.com" },
		{ "mail.acmecorp.com", PHISH_LOOK_SELF, "acmecorp.com" },
		{ "globex.de", PHISH_LOOK_SELF, "globex.de" },
		{ "paypal.com", PHISH_LOOK_SELF, "paypal.com" },
		{ "paypa1.com", PHISH_LOOK_HOMOGLYPH, "paypal.com" },
		{ "rnicrosoft.com", PHISH_LOOK_HOMOGLYPH, "microsoft.com" },
		{ "xn--pypal-4ve.com", PHISH_LOOK_HOMOGLYPH, "paypal.com" },
		{ "p\xd0\xb0ypal.com", PHISH_LOOK_HOMOGLYPH, "paypal.com" },
		{ "xn--exmple-4nf.com", PHISH_LOOK_NONE, NULL },
		{ "acrnecorp.com", PHISH_LOOK_HOMOGLYPH, "acmecorp.com" },
		{ "acmecrop.com", PHISH_LOOK_TYPO, "acmecorp.com" },
		{ "acme-corp.com", PHISH_LOOK_TYPO, "acmecorp.com" },
		{ "acmecorp.co", PHISH_LOOK_SUFFIX, "acmecorp.com" },
		{ "acmecorp.co.uk", PHISH_LOOK_SUFFIX, "acmecorp.com" },
		{ "glbex.de", PHISH_LOOK_TYPO, "globex.de" },
		{ "gl0bex.de", PHISH_LOOK_HOMOGLYPH, "globex.de" },
		{ "globex.com", PHISH_LOOK_SUFFIX, "globex.de" },
		{ "paypal-secure.com", PHISH_LOOK_EMBED, "paypal.com" },
		{ "paypal.com.login.example.ru", PHISH_LOOK_EMBED,
		    "paypal.com" },
		{ "amazon.fr", PHISH_LOOK_NONE, NULL },	/* brands: no SUFFIX */
		{ "example.org", PHISH_LOOK_NONE, NULL },
		{ "gmail.com", PHISH_LOOK_NONE, NULL },
		{ "", PHISH_LOOK_NONE, NULL },
		{ "not a domain", PHISH_LOOK_NONE, NULL },
	};
	struct conf *c;
	struct phish *ph = new_phish(&c);
	struct arena *a = arena_new();
	const char *tgt;
	enum phish_look got;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = phish_lookalike(ph, a, cases[i].in, &tgt);
		if (got != cases[i].want || (cases[i].target != NULL &&
		    (tgt == NULL || strcmp(tgt, cases[i].target) != 0))) {
			printf("lookalike(%s): got %d (%s), want %d (%s)\n",
			    cases[i].in, (int)got, tgt != NULL ? tgt : "-",
			    (int)cases[i].want, cases[i].target != NULL ?
			    cases[i].target : "-");
			bad++;
		}
	}
	arena_free(&a);
	phish_free(&ph);
	conf_free(&c);
	assert_int_equal(bad, 0);
}

static void
test_lures(void **state)
{
	static const struct { const char *in; unsigned want; } cases[] = {
		/* English */
		{ "Please find the attached invoice.", PHISH_LURE_PAYMENT },
		{ "Invoice #4711 is past due", PHISH_LURE_PAYMENT },
		{ "We have new bank\n details, please update your records.",
		    PHISH_LURE_BANK },
		{ "Kindly process an urgent wire transfer today.",
		    PHISH_LURE_WIRE },
		{ "Your password will expire in 2 days.",
		    PHISH_LURE_CREDENTIAL },
		{ "Please verify your account now.", PHISH_LURE_CREDENTIAL },
		{ "Your account has been suspended.", PHISH_LURE_SUSPEND },
		/* German */
		{ "Anbei die Rechnung vom 3. Mai.", PHISH_LURE_PAYMENT },
		{ "Ihre Rechnung Nr. 123", PHISH_LURE_PAYMENT },
		{ "Zahlungserinnerung", PHISH_LURE_PAYMENT },
		{ "Bitte beachten Sie unsere neue Bankverbindung.",
		    PHISH_LURE_BANK },
		{ "Änderung der Bankverbindung", PHISH_LURE_BANK },
		{ "Bitte veranlassen Sie eine dringende Überweisung.",
		    PHISH_LURE_WIRE },
		{ "Ihr Passwort läuft heute ab.", PHISH_LURE_CREDENTIAL },
		{ "Bestätigen Sie Ihre Zugangsdaten", PHISH_LURE_CREDENTIAL },
		{ "Ihr Konto wurde gesperrt.", PHISH_LURE_SUSPEND },
		/* Japanese */
		{ "請求書を添付いたします。", PHISH_LURE_PAYMENT },
		{ "振込先変更のお知らせ", PHISH_LURE_BANK },
		{ "至急送金をお願いします", PHISH_LURE_WIRE },
		{ "パスワードの有効期限が近づいています",
		    PHISH_LURE_CREDENTIAL },
		{ "お客様のアカウントが停止されました", PHISH_LURE_SUSPEND },
		/* Not lures */
		{ "Meeting notes from Tuesday, see you soon.", 0 },
		{ "The kernel patch changes the password hashing code.", 0 },
		{ "invoices", 0 },
		{ "", 0 },
	};
	struct conf *c;
	struct phish *ph = new_phish(&c);
	unsigned got;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = phish_lures(ph, cases[i].in, strlen(cases[i].in));
		if (got != cases[i].want) {
			printf("lures(%s): got %#x, want %#x\n", cases[i].in,
			    got, cases[i].want);
			bad++;
		}
	}
	phish_free(&ph);
	conf_free(&c);
	assert_int_equal(bad, 0);
}

static void
test_links(void **state)
{
	static const struct {
		const char *text, *href;
		unsigned want;
	} cases[] = {
		{ "www.paypal.com", "http://www.paypal.com/x", 0 },
		{ "https://paypal.com/login", "https://secure.paypal.com/",
		    0 },
		{ "www.paypal.com", "http://paypal.com.evil.example.ru/",
		    PHISH_LINK_MISMATCH },
		{ "https://www.paypal.com", "http://192.0.2.7/login.php",
		    PHISH_LINK_MISMATCH | PHISH_LINK_IP },
		{ "Click here", "http://192.0.2.7/", PHISH_LINK_IP },
		{ "here", "http://3232235777/", PHISH_LINK_IP },
		{ "here", "http://0xC0A80101/", PHISH_LINK_IP },
		{ "here", "http://0300.0250.1.1/", PHISH_LINK_IP },
		{ "here", "http://[2001:db8::1]/", PHISH_LINK_IP },
		{ "here", "http://user@198.51.100.1:8080/", PHISH_LINK_IP },
		{ "here", "https://bit.ly/abc", PHISH_LINK_SHORTENER },
		{ "www.acmecorp.com", "https://bit.ly/abc",
		    PHISH_LINK_SHORTENER | PHISH_LINK_MISMATCH },
		{ "here", "http://cafe.be/", 0 },
		{ "index.html", "http://example.com/index.html", 0 },
		{ "Read more", "mailto:a@b.example", 0 },
		{ "www.example.com", "/relative/path", 0 },
		{ NULL, "http://10.1.2.3", PHISH_LINK_IP },
		{ "x", NULL, 0 },
	};
	struct conf *c;
	struct phish *ph = new_phish(&c);
	struct arena *a = arena_new();
	unsigned got;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = phish_link(ph, a, cases[i].text, cases[i].href);
		if (got != cases[i].want) {
			printf("link(%s, %s): got %#x, want %#x\n",
			    cases[i].text != NULL ? cases[i].text : "-",
			    cases[i].href != NULL ? cases[i].href : "-", got,
			    cases[i].want);
			bad++;
		}
	}
	arena_free(&a);
	phish_free(&ph);
	conf_free(&c);
	assert_int_equal(bad, 0);
}

/* Run one inbound message through phish_check (no store: all new). */
static struct task *
check_msg(struct arena *a, const struct phish *ph, const char *text)
{
	struct task *t = task_new(a, NULL, NULL, NULL);
	const char *why;

	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	assert_int_equal(phish_check(ph, t, &why), 0);
	return t;
}

static void
test_check(void **state)
{
	static const struct {
		const char *from, *body, *want, *not;
	} cases[] = {
		{ "\"Jane Doe\" <jane.doe@gmail.com>", "Hi",
		    "PHISH_DISPLAY_PERSON", NULL },
		{ "\"Jane Doe\" <jane@acmecorp.com>", "Hi", NULL,
		    "PHISH_DISPLAY_PERSON" },
		{ "\"J\xd0\xb0ne D\xd0\xbe" "e (CEO)\" <ceo@mail.example>",
		    "Hi", "PHISH_DISPLAY_PERSON", NULL },
		{ "\"PayPal Service\" <service@paypal-help.example>", "Hi",
		    "PHISH_DISPLAY_BRAND", NULL },
		{ "\"PayPal\" <service@paypal.com>", "Hi", NULL,
		    "PHISH_DISPLAY_BRAND" },
		{ "\"service@paypal.com\" <x@evil.example>", "Hi",
		    "PHISH_DISPLAY_ADDRESS", NULL },
		{ "<billing@paypa1.com>", "Hi", "PHISH_HOMOGLYPH_DOMAIN",
		    NULL },
		{ "<billing@acmecrop.com>", "Hi", "PHISH_LOOKALIKE_DOMAIN",
		    NULL },
		{ "<billing@acmecorp.com>", "Hi", NULL,
		    "PHISH_LOOKALIKE_DOMAIN" },
		{ "<a@vendor.example>", "Please pay the attached invoice.",
		    "PHISH_PAYMENT_NEW_SENDER", NULL },
		{ "<a@vendor.example>", "Unsere neue Bankverbindung lautet",
		    "PHISH_BANK_CHANGE_NEW_SENDER", NULL },
		{ "<a@vendor.example>", "\xe8\x87\xb3\xe6\x80\xa5\xe9\x80\x81"
		    "\xe9\x87\x91\xe3\x82\x92", "PHISH_WIRE_NEW_SENDER", NULL },
		{ "<a@vendor.example>", "Your mailbox is full.",
		    "PHISH_CREDENTIAL_NEW_SENDER", NULL },
		{ "<a@vendor.example>", "Lunch on Friday?", NULL,
		    "PHISH_PAYMENT_NEW_SENDER" },
	};
	struct conf *c;
	struct phish *ph = new_phish(&c);
	struct arena *a;
	struct task *t;
	const char *text;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		text = arena_printf(a, "From: %s\r\nTo: bob@acmecorp.com\r\n"
		    "Subject: hello\r\nContent-Type: text/plain; "
		    "charset=utf-8\r\n\r\n%s\r\n", cases[i].from,
		    cases[i].body);
		t = check_msg(a, ph, text);
		if ((cases[i].want != NULL &&
		    task_symbol_get(t, cases[i].want) == NULL) ||
		    (cases[i].not != NULL &&
		    task_symbol_get(t, cases[i].not) != NULL)) {
			printf("check(%s / %s): got %zu symbols%s%s, want %s, "
			    "not %s\n", cases[i].from, cases[i].body, t->nsym,
			    t->nsym > 0 ? ", first " : "", t->nsym > 0 ?
			    t->sym[0].name : "", cases[i].want != NULL ?
			    cases[i].want : "-", cases[i].not != NULL ?
			    cases[i].not : "-");
			bad++;
		}
		arena_free(&a);
	}
	phish_free(&ph);
	conf_free(&c);
	assert_int_equal(bad, 0);
}

/* An HTML message: the link symbols come from mime_links and mime_urls. */
static void
test_check_links(void **state)
{
	struct conf *c;
	struct phish *ph = new_phish(&c);
	struct arena *a = arena_new();
	struct task *t;

	(void)state;
	t = check_msg(a, ph, "From: <a@b.example>\r\nSubject: x\r\n"
	    "Content-Type: text/html\r\n\r\n<p>Log in at <a href=\""
	    "http://198.51.100.9/pp/\">www.paypal.com</a> or see "
	    "<a href='https://tinyurl.com/x'>this</a></p>\r\n");
	assert_non_null(task_symbol_get(t, "PHISH_LINK_MISMATCH"));
	assert_non_null(task_symbol_get(t, "PHISH_LINK_IP"));
	assert_non_null(task_symbol_get(t, "PHISH_LINK_SHORTENER"));
	arena_free(&a);
	phish_free(&ph);
	conf_free(&c);
}

/* The tag comes with a tagging symbol even when the score is low. */
static void
test_tag(void **state)
{
	struct conf *c;
	struct phish *ph = new_phish(&c);
	struct arena *a = arena_new();
	struct task *t;

	(void)state;
	t = check_msg(a, ph, "From: <x@paypa1.com>\r\nSubject: x\r\n\r\nx");
	phish_tag(ph, t);
	assert_int_equal(t->action, ACT_TAG_SUBJECT);
	assert_string_equal(t->subject_tag, "[Pot.Phishing]");
	/* Links alone are weak: no tag. */
	t = check_msg(a, ph, "From: <x@b.example>\r\nSubject: x\r\n\r\n"
	    "see http://192.0.2.1/ now");
	assert_non_null(task_symbol_get(t, "PHISH_LINK_IP"));
	phish_tag(ph, t);
	assert_int_equal(t->action, ACT_ACCEPT);
	/* A spam tag the policy chose stays after ours. */
	t = check_msg(a, ph, "From: <x@paypa1.com>\r\nSubject: x\r\n\r\nx");
	t->action = ACT_TAG_SUBJECT;
	t->subject_tag = "***SPAM***";
	phish_tag(ph, t);
	assert_string_equal(t->subject_tag, "[Pot.Phishing] ***SPAM***");
	/* Rejected mail is left alone. */
	t = check_msg(a, ph, "From: <x@paypa1.com>\r\nSubject: x\r\n\r\nx");
	t->action = ACT_REJECT;
	phish_tag(ph, t);
	assert_null(t->subject_tag);
	arena_free(&a);
	phish_free(&ph);
	conf_free(&c);
}

static struct task *
run(struct arena *a, const struct pipeline *p, int is_out, const char *from,
    const char *rcpt, const char *body)
{
	struct task *t = pipeline_task(p, a);
	const char *why, *text;

	text = arena_printf(a, "From: %s\r\nTo: %s\r\nSubject: hello\r\n"
	    "Message-ID: <1@x.test>\r\n\r\n%s\r\n", from, rcpt, body);
	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	t->env.client_ip = "192.0.2.10";
	t->env.helo = "mail.example";
	t->env.mail_from = from;
	t->env.rcpt = arena_calloc(a, 1, sizeof(*t->env.rcpt));
	t->env.rcpt[0] = rcpt;
	t->env.nrcpt = 1;
	t->env.is_outbound = is_out;
	if (is_out)
		t->env.auth_user = "alice";
	if (pipeline_run(p, t, &why) == -1)
		fail_msg("pipeline_run: %s", why);
	return t;
}

static void
test_roundtrip(void **state)
{
	char dir[] = "/tmp/mxw-phish-XXXXXX", cmd[64];
	struct dns_resolver *res = dns_zone_resolver(dns_zone_new());
	const char *why, *lure = "Please pay the attached invoice today.";
	struct pipeline *p;
	struct store *st;
	struct conf *c;
	struct arena *a = arena_new();
	struct task *t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	if ((st = store_open(dir, 0, &why)) == NULL)
		fail_msg("store_open: %s", why);
	c = tu_conf("%s", CONF_BASE);
	if ((p = pipeline_new(c, res, st, &why)) == NULL)
		fail_msg("pipeline_new: %s", why);
	/* Before: the vendor is a first-time correspondent. */
	t = run(a, p, 0, "<bob@vendor.example>", "<alice@acmecorp.com>",
	    lure);
	assert_non_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	assert_true(t->action >= ACT_TAG_SUBJECT);
	assert_string_equal(t->subject_tag, "[Pot.Phishing]");
	/* Alice writes to the vendor. */
	t = run(a, p, 1, "<alice@acmecorp.com>", "<bob@vendor.example>",
	    "Hello Bob");
	/* Now Bob is known, and so is his domain; others are not. */
	t = run(a, p, 0, "<bob@vendor.example>", "<alice@acmecorp.com>",
	    lure);
	assert_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	assert_int_equal(t->action, ACT_ACCEPT);
	t = run(a, p, 0, "<carol@vendor.example>", "<alice@acmecorp.com>",
	    lure);
	assert_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	t = run(a, p, 0, "<eve@other.example>", "<alice@acmecorp.com>",
	    lure);
	assert_non_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	/* Known to acmecorp.com, not to another of our domains. */
	t = run(a, p, 0, "<bob@vendor.example>", "<ann@elsewhere.example>",
	    lure);
	assert_non_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	/* Free mail: one known address does not vouch for the domain. */
	t = run(a, p, 1, "<alice@acmecorp.com>", "<pal@gmail.com>", "Hi");
	t = run(a, p, 0, "<pal@gmail.com>", "<alice@acmecorp.com>", lure);
	assert_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	t = run(a, p, 0, "<stranger@gmail.com>", "<alice@acmecorp.com>",
	    lure);
	assert_non_null(task_symbol_get(t, "PHISH_PAYMENT_NEW_SENDER"));
	arena_free(&a);
	pipeline_free(&p);
	conf_free(&c);
	store_close(&st);
	dns_resolver_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skeleton),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_lookalike),
		cmocka_unit_test(test_lures),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_links),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
