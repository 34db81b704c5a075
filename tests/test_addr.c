/*
 * Unit tests for src/mail/addr.c: RFC 5322 address lists (current and
 * obsolete syntax), SMTP paths, IDNA domains, RFC 2047 display names,
 * hostile inputs, and the From fields of the corpus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/addr.h"
#include "mail/msg.h"
#include "testutil.h"

/* One address as "display|local|domain|ace|group" for comparison. */
static const char *
fmt(struct arena *a, const struct mail_addr *m)
{
	return arena_printf(a, "%s|%s|%s|%s|%s",
	    m->display ? m->display : "-", m->local ? m->local : "-",
	    m->domain ? m->domain : "-", m->domain_ace ? m->domain_ace : "-",
	    m->group ? m->group : "-");
}

static const char *
fmt_list(struct arena *a, const struct mail_addr *v, size_t n)
{
	const char *s = "";
	size_t i;

	for (i = 0; i < n; i++)
		s = arena_printf(a, "%s%s%s", s, i ? " ; " : "",
		    fmt(a, &v[i]));
	return s;
}

static void
test_addr_list(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;	/* fmt_list of what parsed */
	} cases[] = {
		{ "a@example.com", 0, "-|a|example.com|example.com|-" },
		{ "John Doe <John.Doe@Example.COM>", 0,
		    "John Doe|John.Doe|Example.COM|example.com|-" },
		{ "\"Doe, John\" <j@x.org>, b@y.org", 0,
		    "Doe, John|j|x.org|x.org|- ; -|b|y.org|y.org|-" },
		{ "\"a\\\"b\\\\c\" <q@x>", 0, "a\"b\\c|q|x|x|-" },
		{ "\"quoted local\"@x.org", 0,
		    "-|quoted local|x.org|x.org|-" },
		{ "a@b (Ann (the (nested)) Smith)", 0,
		    "Ann (the (nested)) Smith|a|b|b|-" },
		{ "(c1) Ann (c2) <(c3) a (c4) @ (c5) b (c6)> (c7)", 0,
		    "Ann|a|b|b|-" },
		{ "Team: a@x, B <b@y>;, c@z", 0,
		    "-|a|x|x|Team ; B|b|y|y|Team ; -|c|z|z|-" },
		{ "undisclosed-recipients:;", 0, "" },
		{ "Group: ;", 0, "" },
		{ "<@route1,@route2:user@dom.example>", 0,
		    "-|user|dom.example|dom.example|-" },
		{ "Joe <@a.example,,@b.example:joe@c.example>", 0,
		    "Joe|joe|c.example|c.example|-" },
		{ "john . doe @ example . com", 0,
		    "-|john.doe|example.com|example.com|-" },
		{ "\"john\".\"doe\"@x", 0, "-|john.doe|x|x|-" },
		{ "John Q. Public <jqp@x>", 0, "John Q. Public|jqp|x|x|-" },
		{ ",, a@x ,, b@y ,", 0, "-|a|x|x|- ; -|b|y|y|-" },
		{ "a@[192.0.2.1]", 0, "-|a|[192.0.2.1]|-|-" },
		{ "=?UTF-8?B?SsO2cmc=?= <j@x>", 0, "J\xc3\xb6rg|j|x|x|-" },
		{ "=?iso-8859-1?Q?Andr=E9?= =?iso-8859-1?Q?_Pirard?= <p@x>",
		    0, "Andr\xc3\xa9 Pirard|p|x|x|-" },
		{ "=?utf-8?q?a?= =?utf-8?q?b?= <ab@x>", 0, "ab|ab|x|x|-" },
		{ "user@B\xc3\xbc" "cher.example", 0,
		    "-|user|B\xc3\xbc" "cher.example|xn--bcher-kva.example|-" },
		{ "u@fa\xc3\x9f.de", 0, "-|u|fa\xc3\x9f.de|xn--fa-hia.de|-" },
		{ "u@XN--BCHER-KVA.example", 0,
		    "-|u|XN--BCHER-KVA.example|xn--bcher-kva.example|-" },
		{ "u@example.com.", 0,
		    "-|u|example.com.|example.com|-" },
		{ "u@bad!domain", 0, "-|u|bad!domain|-|-" },
		{ "J\xc3\xb6rg <j\xc3\xb6rg@x>", 0,
		    "J\xc3\xb6rg|j\xc3\xb6rg|x|x|-" },
		{ "", 0, "" },
		{ "service@paypal.com <x@evil.example>", 0,
		    "service@paypal.com|x|evil.example|evil.example|-" },
		/* Errors: what parsed before is kept. */
		{ "a@x, \"unterminated <b@y>", -1, "-|a|x|x|-" },
		{ "a@x, (unterminated comment b@y", -1, "-|a|x|x|-" },
		{ "no-at-sign", -1, "" },
		{ "<>", -1, "" },
		{ "a@x b@y", -1, "-|a|x|x|-" },
		{ "Name <a@x", -1, "" },
		{ "a@", -1, "" },
		{ "<@a,@b user@x>", -1, "" },
		{ "a@[1.2.3.4", -1, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct mail_addr *v;
		size_t n;
		const char *why = NULL, *got;
		int rc;

		rc = addr_parse_list(a, cases[i].in, strlen(cases[i].in), &v,
		    &n, &why);
		got = fmt_list(a, v, n);
		if (rc != cases[i].rc || strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu \"%s\": got %d \"%s\" (%s), "
			    "want %d \"%s\"", i, cases[i].in, rc, got,
			    why ? why : "-", cases[i].rc, cases[i].want);
		if (rc == -1 && why == NULL)
			fail_msg("case %zu: no why", i);
		arena_free(&a);
	}
}

static void
test_addr_path(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;
	} cases[] = {
		{ "<>", 0, "-||-|-|-" },
		{ " <> ", 0, "-||-|-|-" },
		{ "<a@example.org>", 0, "-|a|example.org|example.org|-" },
		{ "a@Example.ORG", 0, "-|a|Example.ORG|example.org|-" },
		{ "<@relay.example:u@d.example>", 0,
		    "-|u|d.example|d.example|-" },
		{ "<@r1,@r2:u@d>", 0, "-|u|d|d|-" },
		{ "<postmaster>", 0, "-|postmaster|-|-|-" },
		{ "<\"odd local\"@x>", 0, "-|odd local|x|x|-" },
		{ "<a@b> junk", -1, "-|-|-|-|-" },
		{ "<a@b", -1, "-|-|-|-|-" },
		{ "", -1, "-|-|-|-|-" },
		{ "<a@>", -1, "-|-|-|-|-" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct mail_addr r;
		const char *why = NULL, *got;
		int rc;

		rc = addr_parse_path(a, cases[i].in, &r, &why);
		got = fmt(a, &r);
		if (rc != cases[i].rc || strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu \"%s\": got %d \"%s\" (%s), "
			    "want %d \"%s\"", i, cases[i].in, rc, got,
			    why ? why : "-", cases[i].rc, cases[i].want);
		arena_free(&a);
	}
}

static void
test_addr_bare(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ NULL, "" }, { "<>", "" }, { "<a@b>", "a@b" },
		{ "a@b", "a@b" }, { "<", "<" }, { "<a@b", "<a@b" },
	};
	struct arena *a = arena_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = addr_bare(a, cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
	}
	arena_free(&a);
}

static void
test_addr_words(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "plain text", "plain text" },
		{ "=?UTF-8?B?w6k=?=", "\xc3\xa9" },
		{ "=?UTF-8?Q?a_b?= c", "a b c" },
		{ "=?utf-8?b?YQ==?=\r\n =?utf-8?b?Yg==?=", "ab" },
		{ "x =?utf-8?q?=C3=A9?= y", "x \xc3\xa9 y" },
		{ "=?iso-2022-jp?B?GyRCJEYkOSRIGyhC?=",
		    "\xe3\x81\xa6\xe3\x81\x99\xe3\x81\xa8" },
		{ "=?bogus-charset?Q?abc?=", "abc" },
		{ "=?utf-8?B?not base64!?=", NULL },
		{ "caf\xe9", "caf\xc3\xa9" },	/* raw latin-1 */
		{ "=?utf-8?q?unterminated", "=?utf-8?q?unterminated" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		const char *got;

		got = addr_decode_words(a, cases[i].in, strlen(cases[i].in));
		assert_non_null(got);
		if (cases[i].want != NULL && strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		arena_free(&a);
	}
}

static void
test_addr_ace(void **state)
{
	static const struct {
		const char *in;
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "Example.COM", "example.com" },
		{ "_dmarc.example.com", "_dmarc.example.com" },
		{ "b\xc3\xbc" "cher.de", "xn--bcher-kva.de" },
		{ "B\xc3\x9c" "CHER.DE", "xn--bcher-kva.de" },
		{ "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83"
		    "\x88", "xn--r8jz45g.xn--zckzah" },
		{ "a..b", NULL },
		{ "", NULL },
		{ ".", NULL },
		{ "-", "-" },
		{ "a b.com", NULL },
		{ "\xff\xfe.com", NULL },
		{ "xn--zz.com", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		const char *why = NULL, *got;

		got = addr_domain_ace(a, cases[i].in, &why);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: got \"%s\" (%s), want \"%s\"", i,
			    got ? got : "(null)", why ? why : "-",
			    cases[i].want ? cases[i].want : "(null)");
		arena_free(&a);
	}
}

/* Hostile lists: long, deep, unbalanced; must return, never crash. */
static void
test_addr_hostile(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	struct mail_addr *v;
	size_t n, i;
	const char *why;

	(void)state;
	for (i = 0; i < 10000; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "a@b");
	why = NULL;
	assert_int_equal(addr_parse_list(a, b.p, b.len, &v, &n, &why), -1);
	assert_non_null(why);

	buf_reset(&b);
	buf_adds(&b, "x@y ");
	for (i = 0; i < ADDR_COMMENT_DEPTH_MAX; i++)
		buf_addc(&b, '(');
	for (i = 0; i < ADDR_COMMENT_DEPTH_MAX; i++)
		buf_addc(&b, ')');
	assert_int_equal(addr_parse_list(a, b.p, b.len, &v, &n, &why), 0);
	assert_int_equal(n, 1);

	buf_reset(&b);
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "u%zu@d%zu.example,", i, i);
	assert_int_equal(addr_parse_list(a, b.p, b.len, &v, &n, &why), -1);
	assert_int_equal(n, ADDR_LIST_MAX);
	assert_string_equal(v[999].local, "u999");

	buf_reset(&b);
	buf_addc(&b, '"');
	for (i = 0; i < 100000; i++)
		buf_addc(&b, 'q');
	assert_int_equal(addr_parse_list(a, b.p, b.len, &v, &n, &why), -1);
	assert_int_equal(addr_parse_list(a, "a\0b@c", 5, &v, &n, &why), -1);
	assert_int_equal(addr_parse_list(a, "\\", 1, &v, &n, &why), -1);
	assert_int_equal(addr_parse_list(a, "\"\\", 2, &v, &n, &why), -1);
	assert_int_equal(addr_parse_list(a, "(\\", 2, &v, &n, &why), -1);
	assert_int_equal(addr_parse_list(a, "a@[\\", 4, &v, &n, &why), -1);
	buf_free(&b);
	arena_free(&a);
}

/*
 * The From field of corpus messages parses to one address with a valid
 * A-label domain for the large majority (spam and phishing included).
 */
struct addr_count {
	size_t	ok;
};

static void
addr_one(const struct tu_msg *tm, void *arg)
{
	struct addr_count *c = arg;
	const struct msg_header *h = msg_header_get(tm->m, "From", 0);
	struct mail_addr *v;
	const char *why = NULL;
	size_t n;

	if (h != NULL && addr_parse_list(tm->a, h->unfolded, h->unfolded_len,
	    &v, &n, &why) == 0 && n == 1 && v[0].domain_ace != NULL)
		c->ok++;
	else if (getenv("MXW_VERBOSE") != NULL)
		printf("%s: From \"%s\": %s\n", tm->path,
		    h ? h->unfolded : "(none)", why ? why : "-");
}

static void
test_addr_corpus(void **state)
{
	struct addr_count c = { 0 };
	size_t total;

	(void)state;
	total = tu_corpus_each(addr_one, &c);
	printf("corpus: From parsed in %zu of %zu\n", c.ok, total);
	assert_true(total >= 1000);
	assert_true(c.ok * 100 >= total * 99);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_list),
		cmocka_unit_test(test_addr_path),
		cmocka_unit_test(test_addr_bare),
		cmocka_unit_test(test_addr_words),
		cmocka_unit_test(test_addr_ace),
		cmocka_unit_test(test_addr_hostile),
		cmocka_unit_test(test_addr_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
