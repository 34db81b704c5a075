/*
 * Authentication-Results (RFC 8601): parsing good and malformed field
 * values (section 2.2 grammar, comments, quoted strings, version,
 * "none"), authserv-id recognition for removal of forged fields
 * (section 5), and the builder's quoting, with a round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/authres.h"
#include "lib/arena.h"

static void
test_parse(void **state)
{
	static const struct {
		const char	*in;
		int		 ok;
		const char	*id;
		size_t		 nres;
		const char	*first;	/* "method=result" of the first */
	} cases[] = {
		{ "mx.example.org; spf=pass smtp.mailfrom=a@example.org", 1,
		    "mx.example.org", 1, "spf=pass" },
		{ "mx.example.org 1; none", 1, "mx.example.org", 0, NULL },
		{ "mx (comment (nested)) ; dkim=pass (good) header.d=a.org "
		    "header.b=AbC/d+; dmarc=fail (p=reject) header.from=a.org",
		    1, "mx", 2, "dkim=pass" },
		{ "\"quoted id\"; arc=pass", 1, "quoted id", 1, "arc=pass" },
		{ "mx; dkim/1=pass reason=\"a \\\"b\\\"\"", 1, "mx", 1,
		    "dkim=pass" },
		{ "mx; spf=pass;", 1, "mx", 1, "spf=pass" },
		{ "mx", 0, NULL, 0, NULL },
		{ "mx; spf", 0, NULL, 0, NULL },
		{ "mx; spf=pass smtp", 0, NULL, 0, NULL },
		{ "mx; spf=pass (unterminated", 0, NULL, 0, NULL },
		{ "; spf=pass", 0, NULL, 0, NULL },
		{ "mx; none; spf=pass", 0, NULL, 0, NULL },
		{ "", 0, NULL, 0, NULL },
	};
	struct arena *a = arena_new();
	struct authres *ar;
	const char *why, *got;
	size_t i;
	int ok, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = authres_parse(a, cases[i].in, strlen(cases[i].in), &ar,
		    &why) == 0;
		got = ok && ar->nres > 0 ? arena_printf(a, "%s=%s",
		    ar->res[0].method, ar->res[0].result) : NULL;
		if (ok != cases[i].ok || (ok && (strcmp(ar->authserv_id,
		    cases[i].id) != 0 || ar->nres != cases[i].nres ||
		    (cases[i].first != NULL && strcmp(got,
		    cases[i].first) != 0)))) {
			print_error("\"%s\": got ok=%d %s n=%zu %s, want "
			    "ok=%d %s n=%zu %s\n", cases[i].in, ok,
			    ok ? ar->authserv_id : why, ok ? ar->nres : 0,
			    got != NULL ? got : "-", cases[i].ok,
			    cases[i].id != NULL ? cases[i].id : "-",
			    cases[i].nres, cases[i].first != NULL ?
			    cases[i].first : "-");
			nfail++;
		}
	}
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

static void
test_is_ours(void **state)
{
	static const struct {
		const char	*in;
		int		 want;
	} cases[] = {
		{ "mx.test; dmarc=pass", 1 },
		{ "MX.Test; dmarc=pass", 1 },
		{ "  (forged) mx.test ; garbage ((", 1 },
		{ "\"mx.test\"; spf=pass", 1 },
		{ "mx.test.evil; spf=pass", 0 },
		{ "evil.mx.test; spf=pass", 0 },
		{ "other; spf=pass mx.test", 0 },
		{ "", 0 },
	};
	struct arena *a = arena_new();
	size_t i;
	int got, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = authres_is_ours(a, cases[i].in, strlen(cases[i].in),
		    "mx.test");
		if (got != cases[i].want) {
			print_error("\"%s\": got %d, want %d\n", cases[i].in,
			    got, cases[i].want);
			nfail++;
		}
	}
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

static void
test_build_roundtrip(void **state)
{
	struct authres_result r[3];
	struct arena *a = arena_new();
	struct authres *ar;
	const char *v, *why;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].method = "spf";
	r[0].result = "pass";
	authres_prop_add(&r[0], "smtp", "mailfrom", "a@example.org");
	r[1].method = "dkim";
	r[1].result = "fail";
	r[1].comment = "body hash (did not) match\r\nX-Evil: 1";
	authres_prop_add(&r[1], "header", "d", "example.org");
	r[2].method = "dmarc";
	r[2].result = "fail";
	r[2].reason = "From \"spoofed\"; really";
	authres_prop_add(&r[2], "header", "from", "example.org");
	v = authres_build(a, "mx.test", r, 3);
	assert_null(strchr(v, '\r'));
	assert_null(strchr(v, '\n'));
	assert_string_equal(v, "mx.test; spf=pass smtp.mailfrom=a@example.org"
	    "; dkim=fail (body hash \\(did not\\) matchX-Evil: 1) "
	    "header.d=example.org; dmarc=fail reason=\"From \\\"spoofed\\\"; "
	    "really\" header.from=example.org");
	assert_int_equal(authres_parse(a, v, strlen(v), &ar, &why), 0);
	assert_int_equal(ar->nres, 3);
	assert_string_equal(ar->res[2].reason, "From \"spoofed\"; really");
	assert_string_equal(ar->res[1].props[0].value, "example.org");
	assert_string_equal(authres_build(a, "mx.test", NULL, 0),
	    "mx.test; none");
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_is_ours),
		cmocka_unit_test(test_build_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
