/*
 * Unit tests for src/mail/msg.c: header indexing, folding, line ends,
 * caps and flags on hostile input, and every corpus message of
 * ../shared/testdata.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/msg.h"
#include "testutil.h"

static struct msg *
parse(struct arena *a, const char *p, size_t len)
{
	struct msg *m = NULL;
	const char *why = NULL;

	if (msg_parse(a, p, len, &m, &why) == -1)
		fail_msg("msg_parse: %s", why);
	return m;
}

/* Header values and flags for small messages. */
static void
test_msg_fields(void **state)
{
	static const struct {
		const char *in;
		const char *name;	/* field asked for (index 0) */
		const char *want;	/* its unfolded value, NULL: absent */
		size_t nhdr;
		unsigned flags;		/* flags that must be set exactly */
		const char *body;
	} cases[] = {
		{ "From: a@b\r\nTo: c@d\r\n\r\nbody\r\n", "to", "c@d", 2, 0,
		    "body\r\n" },
		{ "From: a@b\nSubject: hi\n\nbody\n", "Subject", "hi", 2,
		    MSG_F_BARE_LF, "body\r\n" },
		{ "Subject: one\r\n two\r\n\tthree\r\n\r\n", "subject",
		    "one two\tthree", 1, 0, "" },
		{ "Subject :  spaced  \r\n\r\nx", "Subject", "spaced", 1, 0,
		    "x" },
		{ "Subject\t: tab\r\n\r\n", "SUBJECT", "tab", 1, 0, "" },
		{ "From: a@b\r\nTo: c@d\r\n", "To", "c@d", 2, MSG_F_NO_BODY,
		    "" },
		{ "From: a@b", "From", "a@b", 1, MSG_F_NO_BODY, "" },
		{ "From: a@b\r\nnot a header\r\nTo: x\r\n\r\n", "To", NULL,
		    1, MSG_F_BAD_FIELD, "not a header\r\nTo: x\r\n\r\n" },
		{ " leading: fold\r\nFrom: a@b\r\n\r\n", "From", "a@b", 1,
		    MSG_F_BAD_FIELD, "" },
		{ "\r\nbody only", "From", NULL, 0, 0, "body only" },
		{ "X: a\rb\r\n\r\n", "x", "a\rb", 1, 0, "" },
		{ "X: caf\xc3\xa9\r\n\r\n", "x", "caf\xc3\xa9", 1,
		    MSG_F_8BIT_HEADER, "" },
		{ "X:\r\n\r\n", "x", "", 1, 0, "" },
		{ "From foo@bar Mon Jan  1 00:00:00 2024\nFrom: a@b\n\nz",
		    "from", "a@b", 1, MSG_F_BARE_LF, "z" },
		{ "X: a\r\r\n\r\n", "x", "a\r", 1, 0, "" },
		{ "X: 1\r\nX: 2\n\r\n", "x", "1", 2, MSG_F_BARE_LF, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new();
		struct msg *m = parse(a, cases[i].in, strlen(cases[i].in));
		const struct msg_header *h;
		const char *got;

		h = msg_header_get(m, cases[i].name, 0);
		got = h != NULL ? h->unfolded : NULL;
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    got ? got : "(null)",
			    cases[i].want ? cases[i].want : "(null)");
		if (m->nhdr != cases[i].nhdr)
			fail_msg("case %zu: got nhdr %zu, want %zu", i,
			    m->nhdr, cases[i].nhdr);
		if (m->flags != cases[i].flags)
			fail_msg("case %zu: got flags %#x, want %#x", i,
			    m->flags, cases[i].flags);
		if (m->body_len != strlen(cases[i].body) ||
		    memcmp(m->body, cases[i].body, m->body_len) != 0)
			fail_msg("case %zu: got body \"%.*s\", want \"%s\"",
			    i, (int)m->body_len, m->body, cases[i].body);
		if (m->hdr_len + m->body_len != m->len)
			fail_msg("case %zu: hdr_len %zu + body %zu != %zu",
			    i, m->hdr_len, m->body_len, m->len);
		arena_free(&a);
	}
}

/* Raw field text, name, value and the CRLF conversion. */
static void
test_msg_raw(void **state)
{
	const char *in = "From: a@b\nSubject: x\n y\n\nline1\nline2\r\n";
	const char *want = "From: a@b\r\nSubject: x\r\n y\r\n\r\n"
	    "line1\r\nline2\r\n";
	struct arena *a = arena_new();
	struct msg *m = parse(a, in, strlen(in));
	const struct msg_header *h;

	(void)state;
	assert_int_equal(m->len, strlen(want));
	assert_memory_equal(m->raw, want, m->len);
	assert_int_equal(m->raw[m->len], '\0');
	h = msg_header_get(m, "subject", 0);
	assert_non_null(h);
	assert_int_equal(h->raw_len, strlen("Subject: x\r\n y\r\n"));
	assert_memory_equal(h->raw, "Subject: x\r\n y\r\n", h->raw_len);
	assert_int_equal(h->name_len, 7);
	assert_memory_equal(h->name, "Subject", 7);
	assert_int_equal(h->value_len, strlen(" x\r\n y"));
	assert_memory_equal(h->value, " x\r\n y", h->value_len);
	assert_string_equal(h->unfolded, "x y");
	assert_true(msg_header_is(h, "SUBJECT"));
	assert_false(msg_header_is(h, "Subjec"));
	assert_int_equal(m->hdr_len, strlen("From: a@b\r\nSubject: x\r\n"
	    " y\r\n\r\n"));
	arena_free(&a);
}

static void
test_msg_multi(void **state)
{
	const char *in = "Received: 1\r\nX: a\r\nreceived: 2\r\n"
	    "RECEIVED: 3\r\n\r\n";
	struct arena *a = arena_new();
	struct msg *m = parse(a, in, strlen(in));

	(void)state;
	assert_int_equal(msg_header_count(m, "Received"), 3);
	assert_string_equal(msg_header_get(m, "received", 2)->unfolded, "3");
	assert_string_equal(msg_header_get(m, "Received", 1)->unfolded, "2");
	assert_null(msg_header_get(m, "Received", 3));
	assert_null(msg_header_get(m, "Receive", 0));
	assert_int_equal(msg_header_count(m, "nope"), 0);
	arena_free(&a);
}

/* Hostile inputs: caps set flags, nothing crashes, what was read is kept. */
static void
test_msg_hostile(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT;
	struct msg *m;
	const char *why = NULL;
	size_t i;

	(void)state;
	/* 2000 header fields: 1000 indexed, the body still found. */
	for (i = 0; i < 2000; i++)
		buf_printf(&b, "X-H%zu: v%zu\n", i, i);
	buf_adds(&b, "\nbody");
	m = parse(a, b.p, b.len);
	assert_int_equal(m->nhdr, MSG_HEADERS_MAX);
	assert_true(m->flags & MSG_F_TOO_MANY_HEADERS);
	assert_int_equal(m->body_len, 4);
	assert_string_equal(msg_header_get(m, "x-h999", 0)->unfolded, "v999");
	assert_null(msg_header_get(m, "x-h1000", 0));

	/* A 100 KB line. */
	buf_reset(&b);
	buf_adds(&b, "Subject: ");
	for (i = 0; i < 100 * 1024; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\r\n\r\nbody\r\n");
	m = parse(a, b.p, b.len);
	assert_true(m->flags & MSG_F_LONG_LINE);
	assert_false(m->flags & MSG_F_HEADER_TOO_BIG);
	assert_int_equal(msg_header_get(m, "subject", 0)->unfolded_len,
	    100 * 1024);

	/* One 300 KB header line and no body: indexed, flagged. */
	buf_reset(&b);
	buf_adds(&b, "X: ");
	for (i = 0; i < 300 * 1024; i++)
		buf_addc(&b, 'z');
	m = parse(a, b.p, b.len);
	assert_int_equal(m->nhdr, 1);
	assert_int_equal(m->flags, MSG_F_LONG_LINE | MSG_F_NO_BODY |
	    MSG_F_HEADER_TOO_BIG);

	/* NUL bytes in a header and the body. */
	m = parse(a, "X: a\0b\r\n\r\nc\0d", 13);
	assert_true(m->flags & MSG_F_NUL);
	assert_int_equal(msg_header_get(m, "x", 0)->unfolded_len, 3);
	assert_int_equal(m->body_len, 3);

	/* A header block over the byte cap: stops indexing, finds body. */
	buf_reset(&b);
	buf_adds(&b, "Subject: x\r\n");
	for (i = 0; i < MSG_HEADER_BYTES_MAX / 100 + 10; i++) {
		buf_adds(&b, " ");
		for (int j = 0; j < 97; j++)
			buf_addc(&b, 'f');
		buf_adds(&b, "\r\n");
	}
	buf_adds(&b, "To: late\r\n\r\nbody");
	m = parse(a, b.p, b.len);
	assert_true(m->flags & MSG_F_HEADER_TOO_BIG);
	assert_int_equal(m->body_len, 4);
	assert_memory_equal(m->body, "body", 4);

	/* No blank line in a long message; only LF; only CR. */
	m = parse(a, "\n\n\n", 3);
	assert_int_equal(m->nhdr, 0);
	assert_int_equal(m->body_len, 4);
	m = parse(a, "\r\r\r", 3);
	assert_true(m->flags & MSG_F_BAD_FIELD);
	assert_int_equal(msg_parse(a, "", 0, &m, &why), -1);
	assert_non_null(why);

	buf_free(&b);
	arena_free(&a);
}

static void
test_msg_read_file(void **state)
{
	struct arena *a = arena_new();
	struct msg *m;
	const char *why = NULL;
	int trunc = -1;
	char path[] = "/tmp/test_msg_XXXXXX";
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	fputs("From: a@b\nSubject: s\n\n0123456789\n", f);
	fclose(f);
	assert_int_equal(msg_read_file(a, path, 0, &m, &trunc, &why), 0);
	assert_int_equal(trunc, 0);
	assert_int_equal(m->body_len, 12);
	assert_int_equal(msg_read_file(a, path, 25, &m, &trunc, &why), 0);
	assert_int_equal(trunc, 1);
	assert_int_equal(m->body_len, 3);
	unlink(path);
	assert_int_equal(msg_read_file(a, path, 0, &m, &trunc, &why), -1);
	assert_non_null(strstr(why, "No such file"));
	arena_free(&a);
}

/* Read a whole file into b; 0 or -1. */
/*
 * Every corpus message parses, has a sane header count, a From field in
 * nearly all, and the CRLF form has no bare LF left.
 */
static void
msg_one(const struct tu_msg *tm, void *arg)
{
	size_t *with_from = arg, i;
	const struct msg *m = tm->m;

	if (m->nhdr < 3 || m->nhdr >= MSG_HEADERS_MAX)
		fail_msg("%s: got %zu headers, want 3..999", tm->path,
		    m->nhdr);
	for (i = 0; i < m->len; i++)
		if (m->raw[i] == '\n' && (i == 0 || m->raw[i - 1] != '\r'))
			fail_msg("%s: bare LF at %zu", tm->path, i);
	if (msg_header_get(m, "From", 0) != NULL)
		(*with_from)++;
}

static void
test_msg_corpus(void **state)
{
	size_t total, with_from = 0;

	(void)state;
	total = tu_corpus_each(msg_one, &with_from);
	printf("corpus: %zu messages, %zu with From\n", total, with_from);
	assert_true(total >= 1000);
	assert_true(with_from * 100 >= total * 99);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_fields),
		cmocka_unit_test(test_msg_raw),
		cmocka_unit_test(test_msg_multi),
		cmocka_unit_test(test_msg_hostile),
		cmocka_unit_test(test_msg_read_file),
		cmocka_unit_test(test_msg_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
