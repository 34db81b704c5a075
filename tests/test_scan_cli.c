/*
 * `mxwarden scan`, `arc verify` and `dmarc record` run in-process through
 * cli_main() with zone files given by the global --dns-zone option
 * (docs/scan.md, docs/json.md): one file as text, a directory with its
 * summary, the JSON fields of one message and of the summary, the
 * envelope from options and from Received/Return-Path, --auth-user,
 * exit codes, and the ARC and DMARC commands on a suite message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>

#include "cli/cli.h"

static char dir[] = "/tmp/mxw-scancli-XXXXXX";
static char zonef[600], conff[600], msgdir[600], good[600], arcmsg[800];
static char arczone[600];

static const char *zone_text =
    "$TTL 300\n"
    "example.com.test. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "_dmarc.example.com.test. TXT \"v=DMARC1; p=reject\"\n"
    "mail.example.com.test. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "evil.test. TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n";

static const char *msg_good =
    "Return-Path: <alice@example.com.test>\n"
    "Received: from mail.example.com.test (mail.example.com.test "
    "[192.0.2.5])\n\tby mx.test; Mon, 1 Jan 2024 00:00:00 +0000\n"
    "From: Alice <alice@example.com.test>\n"
    "To: bob@example.net\n"
    "Subject: hello\n"
    "Message-ID: <1@example.com.test>\n"
    "\n"
    "Hello Bob.\n";

static const char *msg_spoof =
    "Return-Path: <x@evil.test>\n"
    "Received: from evil.test (evil.test [203.0.113.9])\n"
    "\tby mx.test; Mon, 1 Jan 2024 00:00:00 +0000\n"
    "From: CEO <ceo@example.com.test>\n"
    "To: bob@example.net\n"
    "Subject: pay now\n"
    "\n"
    "Wire the money.\n";

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char path[700], cmd[1400], line[512], *p;
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(zonef, sizeof(zonef), "%s/test.zone", dir);
	snprintf(conff, sizeof(conff), "%s/m.conf", dir);
	snprintf(msgdir, sizeof(msgdir), "%s/msgs", dir);
	snprintf(good, sizeof(good), "%s/msgs/a-good.eml", dir);
	write_file(zonef, zone_text);
	write_file(conff, "milter: { authserv_id = \"mx.test\"; };\n"
	    "greylist: { mode = \"off\"; };\n");
	if (mkdir(msgdir, 0700) == -1)
		return -1;
	write_file(good, msg_good);
	snprintf(path, sizeof(path), "%s/b-spoof.eml", msgdir);
	write_file(path, msg_spoof);
	snprintf(path, sizeof(path), "%s/c-good.eml", msgdir);
	write_file(path, msg_good);
	snprintf(path, sizeof(path), "%s/.hidden", msgdir);
	write_file(path, "not a message\n");
	/* A passing ARC chain from the suite, and its keys. */
	snprintf(cmd, sizeof(cmd), "python3 %s/data/arc/suite2dir.py "
	    "%s/arc/arc-draft-validation-tests.yml %s/arc", MXW_TESTS_DIR,
	    MXW_TESTDATA, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(arczone, sizeof(arczone), "%s/arc/dns.zone", dir);
	snprintf(path, sizeof(path), "%s/arc/cases.tsv", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "cv_pass_i1_1\t", 13) == 0) {
			p = strrchr(line, '\t') + 1;
			p[strcspn(p, "\n")] = '\0';
			snprintf(arcmsg, sizeof(arcmsg), "%s/arc/%s", dir, p);
		}
	fclose(f);
	return arcmsg[0] != '\0' ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Run cli_main with the zone file and configuration, then argv (a
 * NULL-terminated list). Standard output goes to *out_r (caller frees).
 */
static int
cli(char **out_r, const char *first, ...)
{
	char *argv[32], *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *err = open_memstream(&ebuf, &elen);
	const char *s;
	va_list ap;
	int argc = 0, rc;

	argv[argc++] = (char *)"mxwarden";
	argv[argc++] = (char *)"--dns-zone";
	argv[argc++] = zonef;
	argv[argc++] = (char *)"-c";
	argv[argc++] = conff;
	va_start(ap, first);
	for (s = first; s != NULL && argc < 31; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	rc = cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (elen > 0)
		print_message("stderr: %s", ebuf);
	free(ebuf);
	*out_r = buf;
	return rc;
}

static void
want_in(const char *out, const char *want)
{
	if (strstr(out, want) == NULL)
		fail_msg("output lacks \"%s\"; got:\n%s", want, out);
}

static void
test_scan_file(void **state)
{
	char *out;

	(void)state;
	/* Envelope from Received and Return-Path. */
	assert_int_equal(cli(&out, "scan", good, NULL), 0);
	assert_true(strncmp(out, "action: accept\nscore: ", 22) == 0);
	want_in(out, "SPF_PASS");
	want_in(out, "SPF_HELO_PASS");
	want_in(out, "DMARC_PASS");
	assert_null(strstr(out, "== "));	/* one file: no heading */
	free(out);
	/* Options win over the headers: SPF now fails for this IP. */
	assert_int_equal(cli(&out, "-v", "scan", "--ip", "198.51.100.1",
	    good, NULL), 0);
	want_in(out, "SPF_FAIL");
	want_in(out, "SPF_HELO_FAIL");
	want_in(out, "Authentication-Results: mx.test; spf=fail "
	    "smtp.mailfrom=alice@example.com.test; spf=fail "
	    "smtp.helo=mail.example.com.test;");
	free(out);
	/* An authenticated user may not send as example.com.test. */
	assert_int_equal(cli(&out, "scan", "--auth-user", "mallory@evil.test",
	    good, NULL), 0);
	assert_true(strncmp(out, "action: reject\n", 15) == 0);
	want_in(out, "OUTBOUND_FROM_NOT_ALLOWED");
	free(out);
	/* A missing file: exit 2. */
	assert_int_equal(cli(&out, "scan", "/nonexistent/x.eml", NULL), 2);
	free(out);
	assert_int_equal(cli(&out, "scan", "--help", NULL), 0);
	want_in(out, "Examples:");
	want_in(out, "--auth-user");
	free(out);
	assert_int_equal(cli(&out, "scan", "--bogus", good, NULL), 2);
	free(out);
}

static void
test_scan_dir(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(cli(&out, "scan", msgdir, NULL), 0);
	want_in(out, "== ");
	want_in(out, "a-good.eml\naction: accept");
	want_in(out, "b-spoof.eml\naction: reject");
	want_in(out, "DMARC_POLICY_REJECT");
	want_in(out, "-- summary\nmessages: 3\nerrors: 0\naccept: 2\n");
	want_in(out, "reject: 1\nmessages per second: ");
	assert_null(strstr(out, ".hidden"));
	/* Files come sorted: a, b, c. */
	assert_true(strstr(out, "a-good") < strstr(out, "b-spoof"));
	assert_true(strstr(out, "b-spoof") < strstr(out, "c-good"));
	free(out);
}

static json_t *
json_line(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DISABLE_EOF_CHECK, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, s);
	return j;
}

static void
test_scan_json(void **state)
{
	static const char *fields[] = { "schema_version", "file", "action",
	    "score", "symbols", "spf", "spf_helo", "dkim", "dmarc", "arc",
	    "authentication_results", "removed_authentication_results" };
	json_t *j, *x;
	char *out, *nl;
	size_t i, n = 0;

	(void)state;
	assert_int_equal(cli(&out, "--json", "scan", good, NULL), 0);
	j = json_line(out);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (json_object_get(j, fields[i]) == NULL)
			fail_msg("no field %s in %s", fields[i], out);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "schema_version")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "file")),
	    good);
	assert_string_equal(json_string_value(json_object_get(j, "action")),
	    "accept");
	assert_true(json_is_number(json_object_get(j, "score")));
	x = json_array_get(json_object_get(j, "symbols"), 0);
	assert_true(json_is_string(json_object_get(x, "name")));
	assert_true(json_is_number(json_object_get(x, "score")));
	assert_true(json_is_string(json_object_get(x, "reason")));
	x = json_object_get(j, "spf");
	assert_string_equal(json_string_value(json_object_get(x, "result")),
	    "pass");
	assert_string_equal(json_string_value(json_object_get(x, "domain")),
	    "example.com.test");
	x = json_object_get(j, "spf_helo");
	assert_string_equal(json_string_value(json_object_get(x, "domain")),
	    "mail.example.com.test");
	assert_true(json_is_array(json_object_get(j, "dkim")));
	x = json_object_get(j, "dmarc");
	assert_string_equal(json_string_value(json_object_get(x, "result")),
	    "pass");
	assert_string_equal(json_string_value(json_object_get(x, "policy")),
	    "reject");
	assert_string_equal(json_string_value(json_object_get(x, "domain")),
	    "example.com.test");
	x = json_object_get(j, "arc");
	assert_string_equal(json_string_value(json_object_get(x, "result")),
	    "none");
	assert_true(strncmp(json_string_value(json_object_get(j,
	    "authentication_results")), "mx.test; spf=pass", 17) == 0);
	assert_null(json_object_get(j, "reply"));
	json_decref(j);
	free(out);

	/* A directory: one object per line, then the summary. */
	assert_int_equal(cli(&out, "--json", "scan", msgdir, NULL), 0);
	for (nl = out; (nl = strchr(nl, '\n')) != NULL; nl++)
		n++;
	assert_int_equal(n, 4);
	nl = out;
	for (i = 0; i < 3; i++)
		nl = strchr(nl, '\n') + 1;
	j = json_line(nl);
	assert_true(json_is_true(json_object_get(j, "summary")));
	assert_int_equal(json_integer_value(json_object_get(j, "messages")),
	    3);
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 0);
	x = json_object_get(j, "actions");
	assert_int_equal(json_integer_value(json_object_get(x, "reject")), 1);
	assert_int_equal(json_integer_value(json_object_get(x, "accept")), 2);
	assert_true(json_is_number(json_object_get(j,
	    "messages_per_second")));
	assert_int_equal(json_integer_value(json_object_get(j,
	    "schema_version")), 1);
	json_decref(j);
	/* The spoofed message's reply. */
	nl = strchr(out, '\n') + 1;
	j = json_line(nl);
	x = json_object_get(j, "reply");
	assert_string_equal(json_string_value(json_object_get(x, "code")),
	    "550");
	json_decref(j);
	free(out);
}

static void
test_arc_dmarc(void **state)
{
	json_t *j;
	char *out;

	(void)state;
	assert_int_equal(cli(&out, "--dns-zone", arczone, "arc", "verify",
	    arcmsg, NULL), 0);
	assert_true(strncmp(out, "pass ", 5) == 0);
	want_in(out, "i=1 d=example.org");
	free(out);
	assert_int_equal(cli(&out, "--json", "--dns-zone", arczone, "arc",
	    "verify", arcmsg, NULL), 0);
	j = json_line(out);
	assert_string_equal(json_string_value(json_object_get(j, "cv")),
	    "pass");
	assert_int_equal(json_integer_value(json_object_get(j, "instances")),
	    1);
	json_decref(j);
	free(out);
	assert_int_equal(cli(&out, "dmarc", "record", "example.com.test",
	    NULL), 0);
	want_in(out, "policy reject (from _dmarc.example.com.test)");
	free(out);
	assert_int_equal(cli(&out, "--json", "dmarc", "record",
	    "sub.example.com.test", NULL), 0);
	j = json_line(out);
	assert_true(json_is_true(json_object_get(j, "found")));
	assert_string_equal(json_string_value(json_object_get(j, "p")),
	    "reject");
	assert_string_equal(json_string_value(json_object_get(j,
	    "policy_domain")), "example.com.test");
	json_decref(j);
	free(out);
	assert_int_equal(cli(&out, "dmarc", "record", "evil.test", NULL), 0);
	want_in(out, "none: no DMARC record for evil.test");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_file),
		cmocka_unit_test(test_scan_dir),
		cmocka_unit_test(test_scan_json),
		cmocka_unit_test(test_arc_dmarc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
