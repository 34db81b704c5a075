/*
 * End-to-end scans through the pipeline with zone-file DNS
 * (tests/data/scan/scan.zone plus DKIM keys made and published at test
 * time): DMARC pass, SPF failing with DKIM aligned, DKIM failing with
 * SPF aligned, a spoofed From, a message forwarded with a valid ARC
 * chain (from the ARC suite) with and without a trusted sealer, and
 * removal of forged Authentication-Results claiming our authserv-id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/msg.h"
#include "testutil.h"

static struct dns_resolver *res;
static struct dkim_privkey *key_good, *key_evil;
static char arcdir[] = "/tmp/mxw-scan-XXXXXX";

static const char *base =
    "From: Alice <alice@example.com.test>\r\n"
    "To: bob@example.net\r\n"
    "Subject: hello\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <1@example.com.test>\r\n"
    "\r\n"
    "Hello Bob.\r\n";

static void
add_key(struct dns_zone *z, struct dkim_privkey *k, const char *name)
{
	struct arena *a = arena_new();
	const char *rec = dkim_privkey_record(k, a), *why;
	struct buf b = BUF_INIT;
	size_t i, len = strlen(rec);

	/* Split into 200-byte character-strings. */
	for (i = 0; i < len; i += 200)
		buf_printf(&b, "\"%.*s\" ", (int)(len - i > 200 ? 200 :
		    len - i), rec + i);
	if (dns_zone_add(z, name, DNS_T_TXT, 300, b.p, &why) == -1)
		fail_msg("zone add: %s", why);
	buf_free(&b);
	arena_free(&a);
}

static int
setup(void **state)
{
	struct dns_zone *z = dns_zone_new();
	char cmd[1024], path[512];
	const char *why;

	(void)state;
	if (dns_zone_load(z, MXW_TESTS_DIR "/data/scan/scan.zone", &why) ==
	    -1 || dkim_privkey_generate(DKIM_KEY_RSA, 1024, &key_good,
	    &why) == -1 || dkim_privkey_generate(DKIM_KEY_ED25519, 0,
	    &key_evil, &why) == -1) {
		fprintf(stderr, "setup: %s\n", why);
		return -1;
	}
	add_key(z, key_good, "sel._domainkey.example.com.test");
	add_key(z, key_evil, "sel._domainkey.evil.test");
	if (mkdtemp(arcdir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "python3 %s/data/arc/suite2dir.py "
	    "%s/arc/arc-draft-validation-tests.yml %s", MXW_TESTS_DIR,
	    MXW_TESTDATA, arcdir);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dns.zone", arcdir);
	if (dns_zone_load(z, path, &why) == -1) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	res = dns_zone_resolver(z);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	dns_resolver_free(&res);
	dkim_privkey_free(&key_good);
	dkim_privkey_free(&key_evil);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", arcdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* text signed by key for domain (prepended field), or as is. */
static const char *
signed_msg(struct arena *a, const char *text, struct dkim_privkey *k,
    const char *domain)
{
	struct dkim_sign_opts o;
	struct msg *m;
	const char *field, *why;

	assert_int_equal(msg_parse(a, text, strlen(text), &m, &why), 0);
	dkim_sign_opts_default(&o);
	o.domain = domain;
	o.selector = "sel";
	if (dkim_sign(m, &o, k, a, &field, &why) == -1)
		fail_msg("sign: %s", why);
	return arena_printf(a, "%s%s", field, text);
}

static struct conf *
config(const char *extra)
{
	return tu_conf("milter: { authserv_id = \"mx.test\"; };\n%s\n", extra);
}

static struct task *
run(struct arena *a, const struct pipeline *p, const char *text,
    const char *ip, const char *sender)
{
	struct task *t = pipeline_task(p, a);
	const char *why;

	assert_int_equal(msg_parse(a, text, strlen(text), &t->msg, &why), 0);
	t->env.client_ip = ip;
	t->env.helo = "mail.example.com.test";
	t->env.mail_from = sender;
	if (pipeline_run(p, t, &why) == -1)
		fail_msg("pipeline: %s", why);
	return t;
}

struct scase {
	const char	*name, *msg, *ip, *sender;
	enum dmarc_res	 dmarc;
	enum task_action act;
	const char	*sym;
};

static void
test_scenarios(void **state)
{
	struct arena *a = arena_new();
	struct conf *c = config("");
	struct pipeline *p;
	struct task *t;
	const char *why, *good, *tampered, *spoof;
	struct scase cases[4];
	size_t i;
	int nfail = 0;

	(void)state;
	assert_non_null(p = pipeline_new(c, res, NULL, &why));
	good = signed_msg(a, base, key_good, "example.com.test");
	/* The body changed after signing: DKIM fails. */
	tampered = arena_printf(a, "%.*sHello Bob!\r\n",
	    (int)(strlen(good) - strlen("Hello Bob.\r\n")), good);
	/* Spoofed: the attacker signs and sends as evil.test. */
	spoof = signed_msg(a, base, key_evil, "evil.test");
	cases[0] = (struct scase){ "pass", good, "192.0.2.5",
	    "alice@example.com.test", DMARC_RES_PASS, ACT_ACCEPT,
	    "DMARC_PASS" };
	cases[1] = (struct scase){ "spf fails, dkim aligned", good,
	    "198.51.100.7", "alice@example.com.test", DMARC_RES_PASS,
	    ACT_ACCEPT, "SPF_FAIL" };
	cases[2] = (struct scase){ "dkim fails, spf aligned", tampered,
	    "192.0.2.5", "alice@example.com.test", DMARC_RES_PASS,
	    ACT_ACCEPT, "DKIM_INVALID" };
	cases[3] = (struct scase){ "spoofed From", spoof,
	    "203.0.113.9", "x@evil.test", DMARC_RES_FAIL, ACT_REJECT,
	    "DMARC_POLICY_REJECT" };
	for (i = 0; i < 4; i++) {
		t = run(a, p, cases[i].msg, cases[i].ip, cases[i].sender);
		if (t->dmarc == NULL || t->dmarc->result != cases[i].dmarc ||
		    t->action != cases[i].act ||
		    task_symbol_get(t, cases[i].sym) == NULL) {
			print_error("%s: got dmarc=%s action=%s (%s), want "
			    "%s %s with %s\n", cases[i].name, t->dmarc ?
			    dmarc_res_str(t->dmarc->result) : "-",
			    task_action_str(t->action), t->authres,
			    dmarc_res_str(cases[i].dmarc),
			    task_action_str(cases[i].act), cases[i].sym);
			nfail++;
		}
	}
	/* The A-R value of the last one names every method. */
	assert_non_null(strstr(t->authres, "mx.test; spf=pass"));
	assert_non_null(strstr(t->authres, "dkim=pass header.d=evil.test"));
	assert_non_null(strstr(t->authres, "dmarc=fail (p=reject dis=reject)"
	    " header.from=example.com.test"));
	assert_string_equal(t->reply_code, "550");
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
	assert_int_equal(nfail, 0);
}

/* A passing ARC chain from the suite; d1.example.org has p=reject. */
static void
test_forwarded_arc(void **state)
{
	char line[512], path[600], *file = NULL;
	struct arena *a = arena_new();
	struct conf *plain = config(""), *trust = config(
	    "dmarc: { trusted_arc_sealers = [ \"example.org\" ]; };");
	struct pipeline *p1, *p2;
	struct task *t;
	struct msg *m;
	const char *why;
	FILE *f;
	int trunc;

	(void)state;
	snprintf(path, sizeof(path), "%s/cases.tsv", arcdir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "cv_pass_i1_1\t", 13) == 0) {
			file = strrchr(line, '\t') + 1;
			file[strcspn(file, "\n")] = '\0';
			break;
		}
	fclose(f);
	assert_non_null(file);
	snprintf(path, sizeof(path), "%s/%s", arcdir, file);
	assert_int_equal(msg_read_file(a, path, 0, &m, &trunc, &why), 0);
	assert_non_null(p1 = pipeline_new(plain, res, NULL, &why));
	assert_non_null(p2 = pipeline_new(trust, res, NULL, &why));
	t = run(a, p1, m->raw, "198.51.100.7", "list@lists.example.org");
	assert_non_null(t->arc);
	assert_non_null(task_symbol_get(t, "ARC_PASS"));
	assert_int_equal(t->dmarc->result, DMARC_RES_FAIL);
	assert_int_equal(t->action, ACT_REJECT);
	t = run(a, p2, m->raw, "198.51.100.7", "list@lists.example.org");
	assert_int_equal(t->dmarc->result, DMARC_RES_FAIL);
	assert_int_equal(t->dmarc->override, DMARC_OVR_FORWARDED);
	assert_int_equal(t->dmarc->applied, DMARC_POL_NONE);
	assert_true(t->action < ACT_QUARANTINE);
	assert_non_null(strstr(t->authres, "arc=pass"));
	assert_non_null(strstr(t->authres, "override=forwarded"));
	pipeline_free(&p1);
	pipeline_free(&p2);
	conf_free(&plain);
	conf_free(&trust);
	arena_free(&a);
}

/* RFC 8601 section 5: fields claiming mx.test are to be deleted. */
static void
test_forged_authres(void **state)
{
	struct arena *a = arena_new();
	struct conf *c = config("");
	struct pipeline *p;
	struct task *t;
	const char *why, *msg;

	(void)state;
	msg = arena_printf(a,
	    "Authentication-Results: other.example; dmarc=fail\r\n"
	    "Authentication-Results: MX.TEST; dmarc=pass\r\n"
	    "Authentication-Results: (c) \"mx.test\" 1; spf=pass\r\n"
	    "Authentication-Results: mx.test.evil; dkim=pass\r\n"
	    "%s", signed_msg(a, base, key_good, "example.com.test"));
	assert_non_null(p = pipeline_new(c, res, NULL, &why));
	t = run(a, p, msg, "192.0.2.5", "alice@example.com.test");
	assert_int_equal(t->ndel_authres, 2);
	assert_int_equal(t->del_authres[0], 1);
	assert_int_equal(t->del_authres[1], 2);
	assert_int_equal(t->dmarc->result, DMARC_RES_PASS);
	pipeline_free(&p);
	conf_free(&c);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_forwarded_arc),
		cmocka_unit_test(test_forged_authres),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
