/*
 * Unit tests of the milter's pure parts: trusted-network parsing and
 * matching (RFC 4632 prefixes, RFC 4291 2.5.5.2 mapped addresses). The
 * protocol side is tested against the running daemon by
 * tests/integration/milter_protocol.sh (miltertest).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "milter/mlt_priv.h"

static void
test_net_parse(void **state)
{
	static const struct { const char *in; int want; unsigned bits; }
	    cases[] = {
		{ "127.0.0.0/8", 0, 8 },
		{ "192.0.2.1", 0, 32 },
		{ "::1/128", 0, 128 },
		{ "2001:db8::/32", 0, 32 },
		{ "10.0.0.0/33", -1, 0 },
		{ "10.0.0.0/", -1, 0 },
		{ "10.0.0.0/8x", -1, 0 },
		{ "example.com", -1, 0 },
		{ "", -1, 0 },
	};
	struct mlt_net n;
	size_t i;
	int got, fails = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = mlt_net_parse(cases[i].in, &n);
		if (got != cases[i].want ||
		    (got == 0 && n.bits != cases[i].bits)) {
			printf("parse \"%s\": got %d/%u, want %d/%u\n",
			    cases[i].in, got, got == 0 ? n.bits : 0,
			    cases[i].want, cases[i].bits);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static int
match(const char *net, const char *ip)
{
	struct mlt_net n;
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	assert_int_equal(mlt_net_parse(net, &n), 0);
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return mlt_net_match(&n, 1, (struct sockaddr *)&s4);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return mlt_net_match(&n, 1, (struct sockaddr *)&s6);
}

static void
test_net_match(void **state)
{
	static const struct { const char *net, *ip; int want; } cases[] = {
		{ "127.0.0.0/8", "127.1.2.3", 1 },
		{ "127.0.0.0/8", "128.0.0.1", 0 },
		{ "192.0.2.0/25", "192.0.2.127", 1 },
		{ "192.0.2.0/25", "192.0.2.128", 0 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "::1/128", "::1", 1 },
		{ "::1/128", "::2", 0 },
		{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "192.0.2.0/24", "::ffff:192.0.2.7", 1 },
		{ "192.0.2.0/24", "2001:db8::1", 0 },
		{ "2001:db8::/32", "192.0.2.1", 0 },
	};
	size_t i;
	int got, fails = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = match(cases[i].net, cases[i].ip);
		if (got != cases[i].want) {
			printf("%s in %s: got %d, want %d\n", cases[i].ip,
			    cases[i].net, got, cases[i].want);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	assert_int_equal(mlt_net_match(NULL, 0, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test(test_net_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
