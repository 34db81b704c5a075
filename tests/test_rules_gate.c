/*
 * The literal gate of PCRE2-only rule patterns (src/filter/rules_gate.c):
 * a table of patterns with the literal set wanted (or no gate), and a
 * randomized check that the gate never drops a match: texts built from
 * each pattern's literals, words and random bytes are matched with
 * PCRE2, and every text PCRE2 matches must contain one of the literals.
 * With a pattern as argument it prints the pattern's literals instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filter/rules_int.h"
#include "lib/buf.h"

static const struct {
	const char	*re;
	unsigned	 rf;
	const char	*want;		/* literals joined by '|'; NULL: none */
} cases[] = {
	{ "viagra", 0, "viagra" },
	{ "Cheap\\s+Meds", RF_I, "cheap" },
	{ "abc?de", 0, "abcde|abde" },
	{ "ab.d?efg", 0, "defg|efg" },
	{ "ab.c*d", 0, NULL },
	{ "fooo?barbaz", 0, "fooobarbaz|foobarbaz" },
	{ "(?:hello|world)x", 0, "hellox|worldx" },
	{ "(?:hello|w.)x", 0, NULL },	/* one branch has no literal */
	{ "e-?mai?l", RF_I, "e-mail|e-mal|email|emal" },
	{ "ad+res+e?", 0, "dres" },
	{ "l[io]st\\s", 0, "list|lost" },
	{ "(?:hello|world)?xyz", 0, "helloxyz|worldxyz|xyz" },
	{ "(?:foo){0,3}", 0, NULL },
	{ "(?:foobar){2,3}", 0, "foobar" },
	{ "(?<!that\\s)your (?:imag(?:es|ing)|pics)", RF_I,
	    "your images|your imaging|your pics" },
	{ "(?=secret)\\w+", 0, NULL },
	{ "(?!secret)foo\\.com", 0, "foo.com" },
	{ "x(?i)abcd", 0, "xabcd" },
	{ "(?x) a b c d", 0, NULL },
	{ "abcd", RF_X, NULL },
	{ "\\Qabcd\\E", 0, NULL },
	{ "a{,3}bcd", 0, NULL },	/* PCRE2 versions differ on {,n} */
	{ "[abc]defg[^]x]hij", 0, "adefg|bdefg|cdefg" },
	{ "[a-c]defg", 0, "defg" },
	{ "^subject: money$", RF_M, "subject: money" },
	{ "\\bpass[-\\s_]?word\\b", RF_I, "pass" },
	{ "(a)(b)\\2cdef", 0, "cdef" },
	{ "(?(1)abc|def)", 0, NULL },
	{ "(*UTF)abcd", 0, NULL },
	{ "ab(?R)?cd", 0, NULL },	/* recursion is no option setting */
	{ "ab(?C)cd", 0, NULL },
	{ "ab(?s)cd(?-i:ef)", 0, "abcdef" },
	{ "caf\\xe9s", 0, "caf" },
	{ "(?<name>abcd)\\k<name>", 0, NULL },
	{ "(?#comment)abcd", 0, "abcd" },
};

static char *
joined(char **v, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&b, '|');
		buf_adds(&b, v[i]);
	}
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

static void
test_literals(void **state)
{
	char **v, *got;
	size_t i, j, n;
	int fails = 0, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = rules_gate_literals(cases[i].re, cases[i].rf, &v, &n);
		got = rc == -1 ? NULL : joined(v, n);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0)) {
			printf("%s: got %s, want %s\n", cases[i].re,
			    got != NULL ? got : "(no gate)",
			    cases[i].want != NULL ? cases[i].want :
			    "(no gate)");
			fails++;
		}
		for (j = 0; rc == 0 && j < n; j++)
			free(v[j]);
		free(rc == 0 ? v : NULL);
		free(got);
	}
	assert_int_equal(fails, 0);
}

/* Patterns in the style of SpamAssassin's ReplaceTags rules. */
static const char *const fuzz_res[] = {
	"\\b(?:your|(?:change|modify|update|reset)\\sthe)\\s(?:account\\s|"
	    "e-?mail\\s)?(?:pass[-\\s_]?word|pswd)\\b",
	"(?:(?:full\\s)?(?:name|address|phone)(?:\\s?[/&+,]\\s?|\\sor\\s|"
	    "\\sand?\\s)?){2,3}[:\\s]{0,4}[-_.]{3,20}",
	"(?:zip|post(?:al)?)(?:\\s?code)?|st?ates?|ad+res+e?|countr?y",
	"v[i1!|]agr[a@]|cial[i1]s|(?:che+a+p|low)\\s(?:meds|pills)",
	"(?<!that\\s)your (?:imag(?:es|ing)|pics)|photo\\s?shop ser",
	"(?:ref(?:erence)?|batch|win+ing)[-\\s]?\\d{2,8}",
};

static const char *const words[] = {
	"your", "the", "change", "account", "email", "e-mail", "pass",
	"word", "password", "pswd", "name", "address", "phone", "full",
	" ", "  ", "/", "&", ":", "-", "_", ".", "zip", "postal", "code",
	"state", "adres", "country", "viagra", "v1agra", "cialis", "cheap",
	"meds", "pills", "that", "images", "pics", "photo", "shop", "ser",
	"reference", "batch", "winning", "12", "345678", "\n", "YOUR",
	"PassWord", "Name", "ref",
};

static void
random_text(struct buf *b, unsigned *seed)
{
	size_t i, n = 1 + (size_t)(rand_r(seed) % 12);

	buf_reset(b);
	for (i = 0; i < n; i++) {
		if (rand_r(seed) % 5 == 0)
			buf_addc(b, 32 + rand_r(seed) % 95);
		else
			buf_adds(b, words[(size_t)rand_r(seed) %
			    (sizeof(words) / sizeof(words[0]))]);
	}
}

static int
has_ci(const char *s, size_t len, const char *lit)
{
	size_t i, j, l = strlen(lit);

	for (i = 0; i + l <= len; i++) {
		for (j = 0; j < l; j++)
			if ((s[i + j] | 0x20) != (lit[j] | 0x20) &&
			    s[i + j] != lit[j])
				break;
		if (j == l)
			return 1;
	}
	return 0;
}

static void
test_never_drops(void **state)
{
	struct buf b = BUF_INIT;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_code *pc;
	unsigned seed = 42;
	char **v;
	size_t i, j, n, k, matched = 0;
	PCRE2_SIZE off;
	int err, fails = 0, seen;

	(void)state;
	for (i = 0; i < sizeof(fuzz_res) / sizeof(fuzz_res[0]); i++) {
		assert_int_equal(rules_gate_literals(fuzz_res[i], RF_I, &v,
		    &n), 0);
		pc = pcre2_compile((PCRE2_SPTR)fuzz_res[i],
		    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS | PCRE2_MULTILINE,
		    &err, &off, NULL);
		assert_non_null(pc);
		for (k = 0; k < 20000; k++) {
			random_text(&b, &seed);
			if (pcre2_match(pc, (PCRE2_SPTR)b.p, b.len, 0, 0, md,
			    NULL) < 0)
				continue;
			matched++;
			for (j = seen = 0; j < n && !seen; j++)
				seen = has_ci(b.p, b.len, v[j]);
			if (!seen) {
				printf("%s: match in \"%.*s\" has no "
				    "literal\n", fuzz_res[i], (int)b.len, b.p);
				fails++;
			}
		}
		for (j = 0; j < n; j++)
			free(v[j]);
		free(v);
		pcre2_code_free(pc);
	}
	printf("gate: %zu random matches, all with a literal\n", matched);
	assert_true(matched > 1000);
	assert_int_equal(fails, 0);
	pcre2_match_data_free(md);
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_never_drops),
	};
	char **v;
	size_t n, i;

	if (argc == 2) {
		if (rules_gate_literals(argv[1], 0, &v, &n) == -1) {
			printf("no gate\n");
			return 0;
		}
		for (i = 0; i < n; i++) {
			printf("[%s]\n", v[i]);
			free(v[i]);
		}
		free(v);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
