/*
 * The ValiMail ARC validation suite (../shared/testdata/arc), replayed
 * through arc_verify() with the suite's key records served from a zone
 * file. tests/data/arc/suite2dir.py turns the YAML into a temporary
 * directory at test time (no committed copy of the data). The suite was
 * written against draft 18: its README names three tests that expect an
 * empty cv where RFC 8617 section 5.2 says fail; for those the RFC's
 * answer is asserted. Every other expected cv is asserted as written
 * (an empty cv there means no ARC sets: none).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "mail/msg.h"

/* Stale against RFC 8617 (testdata/arc README): the RFC says fail. */
static const char *stale[] = {
	"cv_fail_i1_as_cv_fail",
	"cv_fail_i2_as2_fail",
	"cv_fail_i2_as1_fail",
};

static int
is_stale(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		if (strcmp(stale[i], name) == 0)
			return 1;
	return 0;
}

static void
test_validation_suite(void **state)
{
	char dir[] = "/tmp/mxw-arc-XXXXXX", cmd[1024], line[512], path[512];
	struct dns_zone *z = dns_zone_new();
	struct dns_resolver *res;
	struct dkim_opts o;
	const char *why, *want;
	unsigned ntests = 0, npass = 0, nstale = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "python3 %s/data/arc/suite2dir.py "
	    "%s/arc/arc-draft-validation-tests.yml %s", MXW_TESTS_DIR,
	    MXW_TESTDATA, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/dns.zone", dir);
	if (dns_zone_load(z, path, &why) == -1)
		fail_msg("zone: %s", why);
	res = dns_zone_resolver(z);
	dkim_opts_default(&o);
	o.no_key_cache = 1;
	snprintf(path, sizeof(path), "%s/cases.tsv", dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name = strtok(line, "\t"), *cv = strtok(NULL, "\t");
		char *file = strtok(NULL, "\t\n");
		struct arena *a = arena_new();
		struct arc_result *r;
		struct msg *m;
		int trunc;

		if (file == NULL) {	/* empty cv column */
			file = cv;
			cv = "";
			file[strcspn(file, "\n")] = '\0';
		}
		want = *cv == '\0' ? "none" : cv;
		if (is_stale(name)) {
			want = "fail";
			nstale++;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		/* An empty file (cv_empty) is a message without fields. */
		if (msg_read_file(a, path, 0, &m, &trunc, &why) == -1 &&
		    msg_parse(a, "\r\n", 2, &m, &why) == -1)
			fail_msg("%s: %s", name, why);
		assert_int_equal(arc_verify(&o, m, res, a, &r, &why), 0);
		ntests++;
		if (strcmp(arc_cv_str(r->cv), want) == 0)
			npass++;
		else
			print_error("%s: got cv=%s (%s), want %s\n", name,
			    arc_cv_str(r->cv), r->reason, want);
		unlink(path);
		arena_free(&a);
	}
	fclose(f);
	print_message("ARC validation suite: %u/%u as expected "
	    "(%u stale tests asserted as RFC 8617 says)\n", npass, ntests,
	    nstale);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", dir);
	dns_resolver_free(&res);
	assert_int_equal(ntests, 171);
	assert_int_equal(nstale, 3);
	assert_int_equal(npass, ntests);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_suite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
