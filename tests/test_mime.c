/*
 * Unit tests for src/mail/mime.c and mime_html.c: parts, transfer
 * decoding, charsets, HTML rendering, attachment names (RFC 2231), URL
 * extraction, caps on hostile trees, and the corpus.
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
#include "mail/mime.h"
#include "mail/msg.h"
#include "testutil.h"

#define LIT(s)	s, sizeof(s) - 1

static struct msg *
parse(struct arena *a, const char *s, size_t len)
{
	struct msg *m = NULL;
	const char *why = NULL;

	if (msg_parse(a, s, len, &m, &why) == -1)
		fail_msg("msg_parse: %s", why);
	return m;
}

/* Each case: a message, then what mime_text must give. */
static void
test_mime_text(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "Subject: Hi\n\nplain body\n", "Hi\nplain body\n\n" },
		{ "Subject: =?utf-8?q?caf=C3=A9?=\n\nx", "caf\xc3\xa9\nx\n" },
		{ "MIME-Version: 1.0\nContent-Type: text/plain; "
		    "charset=iso-8859-1\nContent-Transfer-Encoding: "
		    "quoted-printable\n\ncaf=E9 cr=E8me\n",
		    "caf\xc3\xa9 cr\xc3\xa8me\n\n" },
		{ "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: base64\n\nw6l0w6kK\n",
		    "\xc3\xa9t\xc3\xa9\n\n" },
		{ "Content-Type: text/plain; charset=x-no-such-charset\n\n"
		    "abc\n", "abc\n\n" },
		{ "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: base64\n\n!!!not*base64###\n",
		    NULL },	/* decoded leniently: anything, no crash */
		{ "Content-Type: text/plain; charset=koi8-r\n\n"
		    "\xf0\xd2\xc9\xd7\xc5\xd4\n",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n\n" },
		{ "Content-Type: text/html\n\n<html><head><style>p{x:1}"
		    "</style><script>alert(1)</script></head><body><p>Pay"
		    "<b>Pal</b> &amp; you&#33;</p><p>&lt;ok&gt;&#x263A;"
		    "</p><!-- hidden --></body></html>\n",
		    "PayPal & you!\n<ok>\xe2\x98\xba\n" },
		{ "MIME-Version: 1.0\nContent-Type: multipart/alternative; "
		    "boundary=b\n\n--b\nContent-Type: text/plain\n\none\n"
		    "--b\nContent-Type: text/html\n\n<div>two</div>\n--b--\n",
		    "one\ntwo\n" },
		{ "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
		    "boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n"
		    "--b\nContent-Type: text/plain\nContent-Disposition: "
		    "attachment; filename=a.txt\n\nattached\n--b--\n",
		    "body\n" },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct msg *m = parse(a, cases[i].in, strlen(cases[i].in));
		const char *got = mime_text(m, &len);

		if (len != strlen(got) || (cases[i].want != NULL &&
		    strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want ? cases[i].want : "(any)");
		assert_ptr_equal(mime_text(m, &len), got);	/* cached */
		arena_free(&a);
	}
}

static void
test_mime_parts(void **state)
{
	const char *in =
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	    "--outer\n"
	    "Content-Type: text/plain; charset=US-ASCII\n\nhello\n"
	    "--outer\n"
	    "Content-Type: application/pdf\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0*=UTF-8''%E2%82%AC;\n filename*1=\"-report.pdf\"\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0=\n"
	    "--outer\n"
	    "Content-Type: message/rfc822\n\n"
	    "Subject: inner\n"
	    "Content-Type: image/png; name=\"=?utf-8?q?p=C3=AF.png?=\"\n"
	    "Content-Transfer-Encoding: base64\n\niVBORw==\n"
	    "--outer--\n";
	struct arena *a = arena_new();
	struct msg *m = parse(a, in, strlen(in));
	const struct mime_part *p;
	const char *why = NULL;
	size_t n;

	(void)state;
	assert_int_equal(mime_parts(m, &p, &n, &why), 0);
	assert_null(why);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].ctype, "text/plain");
	assert_string_equal(p[0].charset, "us-ascii");
	assert_int_equal(p[0].depth, 1);
	assert_false(p[0].is_attachment);
	assert_string_equal(p[0].text, "hello");	/* RFC 2046 5.1.1 */
	assert_string_equal(p[1].ctype, "application/pdf");
	assert_true(p[1].is_attachment);
	assert_string_equal(p[1].filename, "\xe2\x82\xac-report.pdf");
	assert_int_equal(p[1].len, 5);
	assert_memory_equal(p[1].data, "%PDF-", 5);
	assert_null(p[1].text);
	assert_string_equal(p[2].ctype, "image/png");
	assert_string_equal(p[2].filename, "p\xc3\xaf.png");
	assert_true(p[2].is_attachment);
	assert_int_equal(p[2].depth, 2);
	assert_memory_equal(p[2].data, "\x89PNG", 4);
	assert_int_equal(mime_flags(m), 0);
	arena_free(&a);
}

static void
test_mime_urls(void **state)
{
	const char *in =
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\n"
	    "See http://example.com/a?x=1&y=2. Or www.example.org, "
	    "(https://b.example/p) and http://example.com/a?x=1&y=2\n"
	    "--b\nContent-Type: text/html\n\n"
	    "<a href=\"https://evil.example/login?a=1&amp;b=2\">"
	    "https://bank.example/</a> <A HREF='http://x.example/'>x</a>"
	    "<a href=#top>top</a><a href = http://bare.example/q >q</a>\n"
	    "--b--\n";
	static const char *want[] = {
		"http://example.com/a?x=1&y=2", "www.example.org",
		"https://b.example/p", "https://evil.example/login?a=1&b=2",
		"http://x.example/", "http://bare.example/q",
		"https://bank.example/",
	};
	struct arena *a = arena_new();
	struct msg *m = parse(a, in, strlen(in));
	const char **u;
	size_t n, i;

	(void)state;
	assert_int_equal(mime_urls(m, &u, &n), 0);
	for (i = 0; i < n && i < 7; i++)
		if (strcmp(u[i], want[i]) != 0)
			fail_msg("url %zu: got \"%s\", want \"%s\"", i, u[i],
			    want[i]);
	if (n != 7)
		fail_msg("got %zu urls, want 7", n);
	arena_free(&a);
}

static void
test_mime_html(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "", "" },
		{ "a<br>b", "a\nb" },
		{ "  lots \n\t of   space  ", "lots of space" },
		{ "<script>never</script>shown", "shown" },
		{ "<SCRIPT type=x>never", "" },
		{ "<style>x", "" },
		{ "<!-- unterminated", "" },
		{ "<a title=\"a>b\">link</a>", "link" },
		{ "1 < 2 & 3 > 2", "1 < 2 & 3 > 2" },
		{ "&bogus; &#0; &#xFFFFFFFF; &#55296;", "&bogus; &#0; "
		    "&#xFFFFFFFF; &#55296;" },
		{ "&nbsp;x&NBSP;", "x" },
		{ "<td>a</td><td>b</td>", "a b" },
		{ "<unclosed", "" },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		const char *got = mime_html_text(a, cases[i].in,
		    strlen(cases[i].in), &len);

		if (strcmp(got, cases[i].want) != 0 || len != strlen(got))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].want);
		arena_free(&a);
	}
}

/* Hostile trees: deep nesting, many parts, garbage; caps reported. */
static void
test_mime_hostile(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	const struct mime_part *p;
	const char *why, *t;
	struct msg *m;
	size_t n, i, k, len;
	static const int depths[] = { 60, 1200, 20000 };
	int depth;

	(void)state;
	for (k = 0; k < 3; k++) {
		depth = depths[k];
		buf_reset(&b);
		buf_adds(&b, "MIME-Version: 1.0\n");
		for (i = 0; i < (size_t)depth; i++)
			buf_printf(&b, "Content-Type: multipart/mixed; "
			    "boundary=b%zu\n\n--b%zu\n", i, i);
		buf_adds(&b, "Content-Type: text/plain\n\ndeep\n");
		for (i = depth; i > 0; i--)
			buf_printf(&b, "--b%zu--\n", i - 1);
		m = parse(a, b.p, b.len);
		why = NULL;
		assert_int_equal(mime_parts(m, &p, &n, &why), 0);
		assert_non_null(why);
		assert_true(mime_flags(m) & MIME_F_DEPTH_CAP);
	}

	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "--b\nContent-Type: text/plain\n\np%zu\n", i);
	buf_adds(&b, "--b--\n");
	m = parse(a, b.p, b.len);
	assert_int_equal(mime_parts(m, &p, &n, &why), 0);
	assert_true(mime_flags(m) & MIME_F_PARTS_CAP);
	assert_int_equal(n, MIME_PARTS_MAX - 1);

	/* Nested message/rfc822 without end. */
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_adds(&b, "Content-Type: message/rfc822\n\n");
	m = parse(a, b.p, b.len);
	assert_int_equal(mime_parts(m, &p, &n, &why), 0);
	assert_true(mime_flags(m) & MIME_F_DEPTH_CAP);

	/* Garbage: no headers, NUL bytes, a bad boundary. */
	m = parse(a, LIT("\0\0\0\n\n\0"));
	mime_parts(m, &p, &n, &why);
	t = mime_text(m, &len);
	assert_non_null(t);
	m = parse(a, LIT("Content-Type: multipart/mixed; boundary=\"\n\n"
	    "--\n--\"\n"));
	mime_parts(m, &p, &n, &why);
	t = mime_text(m, &len);
	assert_non_null(t);
	m = parse(a, LIT("Content-Type: text/plain; charset=\"utf-16\"\n\n"
	    "\xff\xfe\x41\x00\x00\xd8"));
	t = mime_text(m, &len);
	assert_non_null(t);
	buf_free(&b);
	arena_free(&a);
}

/*
 * Corpus: every message yields MIME parts and some text; spam and phish
 * messages yield URLs in most cases.
 */
struct mime_count {
	size_t	with_text, with_url[TU_NCLASS], cnt[TU_NCLASS];
};

static void
mime_one(const struct tu_msg *tm, void *arg)
{
	struct mime_count *c = arg;
	const struct mime_part *p;
	const char *why = NULL, *t, **u;
	size_t n = 0, len;

	if (mime_parts(tm->m, &p, &n, &why) == -1 || n == 0)
		fail_msg("%s: got %zu parts (%s), want >= 1", tm->path, n,
		    why ? why : "-");
	t = mime_text(tm->m, &len);
	if (len > 20)
		c->with_text++;
	if (mime_urls(tm->m, &u, &n) == 0 && n > 0)
		c->with_url[tm->cls]++;
	assert_int_equal(strlen(t), len);
	c->cnt[tm->cls]++;
}

static void
test_mime_corpus(void **state)
{
	struct mime_count c;
	size_t total;

	(void)state;
	memset(&c, 0, sizeof(c));
	total = tu_corpus_each(mime_one, &c);
	printf("corpus: %zu messages, %zu with text; with URLs: ham %zu/%zu"
	    " spam %zu/%zu phish %zu/%zu\n", total, c.with_text,
	    c.with_url[TU_HAM], c.cnt[TU_HAM], c.with_url[TU_SPAM],
	    c.cnt[TU_SPAM], c.with_url[TU_PHISH], c.cnt[TU_PHISH]);
	assert_true(c.with_text * 100 >= total * 98);
	assert_true(c.with_url[TU_PHISH] * 10 >= c.cnt[TU_PHISH] * 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_text),
		cmocka_unit_test(test_mime_parts),
		cmocka_unit_test(test_mime_urls),
		cmocka_unit_test(test_mime_html),
		cmocka_unit_test(test_mime_hostile),
		cmocka_unit_test(test_mime_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
