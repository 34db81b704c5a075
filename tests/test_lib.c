/*
 * Unit tests for src/lib: buffers, arenas, strings, base64, log_safe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"

static void
test_buf(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, 3890);
	assert_int_equal(b.p[b.len], '\0');
	buf_add(&b, "\0x", 2);
	assert_int_equal(b.len, 3892);
	assert_memory_equal(b.p + 3890, "\0x", 2);
	buf_free(&b);
	assert_null(b.p);
}

static int dtor_order[3];
static int ndtor;

static void
dtor(void *arg)
{
	dtor_order[ndtor++] = (int)(intptr_t)arg;
}

static void
test_arena(void **state)
{
	struct arena *a = arena_new();
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		s = arena_printf(a, "item-%d", i);
		assert_string_equal(s + 5, arena_printf(a, "%d", i));
	}
	s = arena_alloc(a, 100000);	/* big block path */
	memset(s, 'x', 100000);
	assert_true(((uintptr_t)arena_alloc(a, 3) & 15) == 0);
	ndtor = 0;
	arena_defer(a, dtor, (void *)1);
	arena_defer(a, dtor, (void *)2);
	arena_free(&a);
	assert_null(a);
	assert_int_equal(ndtor, 2);
	assert_int_equal(dtor_order[0], 2);	/* newest first */
	assert_int_equal(dtor_order[1], 1);
}

static void
test_b64(void **state)
{
	static const struct {
		const char *in;
		const char *want;	/* NULL: must be rejected */
	} cases[] = {
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9v YmFy", "foobar" },
		{ "Zm9v\r\n\tYmE=", "fooba" },
		{ "Zm9v!", NULL },
		{ "Zg==Zg==", NULL },
		{ "Z===", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT, e = BUF_INIT;
		int rc = b64_decode(cases[i].in, strlen(cases[i].in), &b);

		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("b64 \"%s\": got ok, want error",
				    cases[i].in);
			buf_free(&b);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(b.len, strlen(cases[i].want));
		assert_memory_equal(b.p == NULL ? "" : b.p, cases[i].want,
		    b.len);
		b64_encode(cases[i].want, strlen(cases[i].want), &e);
		buf_free(&b);
		assert_int_equal(b64_decode(e.p == NULL ? "" : e.p, e.len, &b),
		    0);
		assert_int_equal(b.len, strlen(cases[i].want));
		buf_free(&b);
		buf_free(&e);
	}
}

static void
test_str(void **state)
{
	struct arena *a = arena_new();
	unsigned long long v;
	char small[4];

	(void)state;
	assert_int_equal(str_casecmp("ExAmple.COM", "example.com"), 0);
	assert_true(str_eq_ci("FROM", 4, "from"));
	assert_false(str_eq_ci("FROM", 4, "fromx"));
	assert_true(str_has_suffix_ci("mail.Example.com", ".example.COM"));
	assert_string_equal(str_trim(a, " \t x y \r\n", 9), "x y");
	assert_int_equal(str_lcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(str_to_ull("18446744073709551615", ~0ULL, &v), 0);
	assert_int_equal(str_to_ull("18446744073709551616", ~0ULL, &v), -1);
	assert_int_equal(str_to_ull("12a", ~0ULL, &v), -1);
	assert_string_equal(log_safe(a, "a b\n\"", 5, 100),
	    "a\\x20b\\x0a\\x22");
	assert_string_equal(log_safe(a, "abcdef", 6, 3), "abc...");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
