/*
 * Link text and href pairs of HTML anchors (src/mail/mime_links.c):
 * quoting forms, character references, nested markup in the text,
 * unclosed anchors, anchors without href, caps, and mime_links over the
 * HTML parts of a message (charset converted, plain parts ignored).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/mime.h"
#include "mail/msg.h"

/* Each case: HTML, then the links as "text|href;" joined. */
static void
test_html_links(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "<a href=\"http://a.example/\">A</a>",
		    "A|http://a.example/;" },
		{ "<A HREF='x'>Y</A>", "Y|x;" },
		{ "<a href=u>t</a>", "t|u;" },
		{ "<a class=\"c\" href = \"h?a=1&amp;b=2\">x &amp; y</a>",
		    "x & y|h?a=1&b=2;" },
		{ "<a href=\"h\"><b>www.</b>paypal<i>.com</i></a>",
		    "www.paypal.com|h;" },
		{ "<a href=\"h\">\n  spaced\n  text </a>", "spaced text|h;" },
		{ "<a href=\"h\"><img src=\"i.png\"></a>", "|h;" },
		{ "<a name=\"top\">no href</a><a href=\"h2\">two</a>",
		    "two|h2;" },
		{ "<a href=\"h1\">one<a href=\"h2\">two</a>",
		    "one|h1;two|h2;" },
		{ "<a href=\"h1\">unclosed", "unclosed|h1;" },
		{ "<abbr href=\"x\">not a link</abbr>", "" },
		{ "<a data-x=\"a>b\" href=\"h\">q</a>", "q|h;" },
		{ "<a href=\"h\">caf\xc3\xa9</a>", "caf\xc3\xa9|h;" },
		{ "<a href=\"", "|;" },
		{ "<a", "" },
		{ "", "" },
	};
	struct arena *a = arena_new();
	struct mime_link *l;
	struct buf b = BUF_INIT;
	size_t i, k, n;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = mime_html_links(a, cases[i].in, strlen(cases[i].in), &l);
		buf_reset(&b);
		buf_adds(&b, "");
		for (k = 0; k < n; k++)
			buf_printf(&b, "%s|%s;", l[k].text, l[k].href);
		if (strcmp(b.p, cases[i].want) != 0) {
			printf("links(%s): got \"%s\", want \"%s\"\n",
			    cases[i].in, b.p, cases[i].want);
			bad++;
		}
	}
	buf_free(&b);
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* Caps: count and text length. */
static void
test_caps(void **state)
{
	struct arena *a = arena_new();
	struct mime_link *l;
	struct buf b = BUF_INIT;
	size_t i, n;

	(void)state;
	for (i = 0; i < MIME_LINKS_MAX + 10; i++)
		buf_adds(&b, "<a href=\"h\">t</a>");
	n = mime_html_links(a, b.p, b.len, &l);
	assert_int_equal(n, MIME_LINKS_MAX);
	buf_reset(&b);
	buf_adds(&b, "<a href=\"h\">");
	for (i = 0; i < 3000; i++)
		buf_adds(&b, "\xc3\xa9");
	n = mime_html_links(a, b.p, b.len, &l);
	assert_int_equal(n, 1);
	assert_true(strlen(l[0].text) <= MIME_LINK_TEXT_MAX);
	assert_int_equal(strlen(l[0].text) % 2, 0);	/* whole characters */
	buf_free(&b);
	arena_free(&a);
}

static void
test_message(void **state)
{
	static const char text[] =
	    "From: a@b.example\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"XX\"\r\n\r\n"
	    "--XX\r\nContent-Type: text/plain\r\n\r\n"
	    "<a href=\"http://plain.example/\">not html</a>\r\n"
	    "--XX\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "<a href=3D\"http://h.example/\">caf=E9</a>\r\n"
	    "--XX--\r\n";
	struct arena *a = arena_new();
	const struct mime_link *l;
	struct msg *m;
	const char *why;
	size_t n;

	(void)state;
	assert_int_equal(msg_parse(a, text, sizeof(text) - 1, &m, &why), 0);
	assert_int_equal(mime_links(m, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].text, "caf\xc3\xa9");
	assert_string_equal(l[0].href, "http://h.example/");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_links),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
