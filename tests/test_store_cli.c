/*
 * Tests of `mxwarden store stats|dump` run in-process through cli_main:
 * a store filled through the store API, then the command's text and JSON
 * output and exit status compared with what they must be.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "lib/clock.h"
#include "store/store.h"

static char tmproot[] = "/tmp/mxw-test-store-cli-XXXXXX";

/* Run the command line; returns the exit status, output in *out_r. */
static int
run(char **out_r, int argc, ...)
{
	char *argv[16], *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *out, *err;
	va_list ap;
	int i, rc;

	va_start(ap, argc);
	argv[0] = "mxwarden";
	for (i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	argv[i] = NULL;
	va_end(ap);
	out = open_memstream(&buf, &len);
	err = open_memstream(&ebuf, &elen);
	rc = cli_main(argc + 1, argv, out, err);
	fclose(out);
	fclose(err);
	*out_r = rc == 0 ? buf : ebuf;
	free(rc == 0 ? ebuf : buf);
	clock_set(0);
	return rc;
}

static void
fill(void)
{
	struct store *s;
	const char *why;
	int64_t n;

	s = store_open(tmproot, 0, &why);
	assert_non_null(s);
	clock_set(1700000000);
	assert_int_equal(store_set(s, "grey:1.2.3.4|a@b|c@d", 20,
	    "1700000000", 10, 3600, &why), 0);
	assert_int_equal(store_set(s, "grey:bin", 8, "a b\x01\"\\\xff", 8, 0,
	    &why), 0);
	assert_int_equal(store_incr(s, "rl:user@x", 9, 5, 60, &n, &why), 0);
	assert_int_equal(store_set(s, "gone", 4, "x", 1, 5, &why), 0);
	store_close(&s);
	clock_set(0);
}

static void
test_dump(void **state)
{
	static const struct {
		const char *prefix;
		const char *want;
	} cases[] = {
		{ "", "grey:1.2.3.4|a@b|c@d 3590 1700000000\n"
		    "grey:bin - a\\x20b\\x01\\x22\\x5c\\xff\\x00\n"
		    "rl:user@x 50 5\n" },
		{ "grey:b", "grey:bin - a\\x20b\\x01\\x22\\x5c\\xff\\x00\n" },
		{ "rl:", "rl:user@x 50 5\n" },
		{ "none:", "" },
	};
	char *out;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = run(&out, 6, "--now", "1700000010", "store", "dump",
		    cases[i].prefix, "--path");
		assert_int_equal(rc, CLI_USAGE);	/* --path lacks DIR */
		free(out);
		rc = run(&out, 7, "--now", "1700000010", "store", "dump",
		    cases[i].prefix, "--path", tmproot);
		if (rc != 0 || strcmp(out, cases[i].want) != 0)
			fail_msg("dump \"%s\": got rc %d \"%s\", want \"%s\"",
			    cases[i].prefix, rc, out, cases[i].want);
		free(out);
	}
}

static void
test_json_stats(void **state)
{
	char *out, path[600];
	int rc;

	(void)state;
	rc = run(&out, 8, "--now", "1700000010", "--json", "store", "dump",
	    "rl:", "--path", tmproot);
	assert_int_equal(rc, 0);
	if (strstr(out, "\"schema_version\": 1") == NULL ||
	    strstr(out, "\"key\": \"rl:user@x\"") == NULL ||
	    strstr(out, "\"ttl\": 50") == NULL ||
	    strstr(out, "\"value\": \"5\"") == NULL)
		fail_msg("json dump: got \"%s\"", out);
	free(out);
	rc = run(&out, 4, "store", "stats", "--path", tmproot);
	assert_int_equal(rc, 0);
	if (strstr(out, "backend: lmdb\n") == NULL ||
	    strstr(out, "entries: 4\n") == NULL)
		fail_msg("stats: got \"%s\"", out);
	free(out);
	snprintf(path, sizeof(path), "%s/missing", tmproot);
	rc = run(&out, 4, "store", "stats", "--path", path);
	assert_int_equal(rc, CLI_USAGE);
	assert_non_null(strstr(out, "no store at"));
	free(out);
	rc = run(&out, 2, "store", "--help");
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Examples:"));
	free(out);
	rc = run(&out, 2, "store", "frob");
	assert_int_equal(rc, CLI_USAGE);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_json_stats),
	};
	char cmd[700];
	int rc;

	if (mkdtemp(tmproot) == NULL)
		return 1;
	fill();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmproot);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
