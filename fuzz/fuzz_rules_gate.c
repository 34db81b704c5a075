/*
 * Fuzz target: the literal gate's reader of rule patterns
 * (rules_gate_literals in src/filter/rules_gate.c). The input is a
 * pattern; when the reader finds literals, the pattern is compiled with
 * PCRE2 and run on the input itself and on a fixed text, and every
 * match must contain one of the literals (else abort: the gate would
 * drop a match).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"

#define FUZZ_MAX	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sample[] =
    "Dear customer, please send your full name, address and phone "
    "number: ____ and your e-mail password to verify your account.\n"
    "Photo shop services; your images. Zip code / country / state.";

static int
has_ci(const char *s, size_t len, const char *lit)
{
	size_t i, j, l = strlen(lit);
	int a, b;

	for (i = 0; i + l <= len; i++) {
		for (j = 0; j < l; j++) {
			a = (unsigned char)s[i + j];
			b = (unsigned char)lit[j];
			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (a != b)
				break;
		}
		if (j == l)
			return 1;
	}
	return 0;
}

static void
check(pcre2_code *pc, pcre2_match_data *md, const char *s, size_t len,
    char **v, size_t n)
{
	size_t i;

	if (pcre2_match(pc, (PCRE2_SPTR)s, len, 0, 0, md, NULL) < 0)
		return;
	for (i = 0; i < n; i++)
		if (has_ci(s, len, v[i]))
			return;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pcre2_match_data *md;
	pcre2_code *pc;
	PCRE2_SIZE off;
	char *re, **v;
	size_t n, i;
	int err;

	if (size == 0 || size > FUZZ_MAX)
		return 0;
	re = malloc(size + 1);
	memcpy(re, data, size);
	re[size] = '\0';
	if (rules_gate_literals(re, RF_I, &v, &n) == 0) {
		pc = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
		    PCRE2_CASELESS | PCRE2_MULTILINE, &err, &off, NULL);
		if (pc != NULL) {
			md = pcre2_match_data_create(1, NULL);
			check(pc, md, re, strlen(re), v, n);
			check(pc, md, sample, sizeof(sample) - 1, v, n);
			pcre2_match_data_free(md);
			pcre2_code_free(pc);
		}
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
	}
	free(re);
	return 0;
}
