/*
 * Reputation checks: DNSBL code patterns, RFC 5782 query names, error
 * codes and test points; HELO syntax and own-name checks; the dynamic
 * PTR heuristic and forward-confirmed reverse DNS; greylisting over a
 * real LMDB store with the clock moved as `--now` moves it (first
 * attempt, too early, in the window, after the window, auto-allow,
 * exemptions). DNS comes from an in-memory zone (no network).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/dnsbl.h"
#include "filter/greylist.h"
#include "filter/helo.h"
#include "filter/pipeline.h"
#include "filter/rdns.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "mail/msg.h"
#include "store/store.h"

#define T0	1700000000

static const char *zone_text =
    "$ORIGIN test.\n"
    "$TTL 300\n"
    /* zen.test: RFC 5782 test points, a listed client, a refused one. */
    "2.0.0.127.zen 1 A 127.0.0.2\n"
    "99.2.0.192.zen A 127.0.0.2\n"
    "99.2.0.192.zen A 127.0.0.11\n"
    "98.2.0.192.zen A 127.255.255.254\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen"
    " A 127.0.0.4\n"
    /* broken.test lists everything, 127.0.0.1 included. */
    "1.0.0.127.broken A 127.0.0.2\n"
    "2.0.0.127.broken A 127.0.0.2\n"
    "96.2.0.192.broken A 127.0.0.2\n"
    /* wl.test: a DNSWL with trust level 3. */
    "97.2.0.192.wl A 127.0.15.3\n"
    /* dbl.test: a domain list. */
    "test.dbl A 127.0.1.2\n"
    "spammer.example.dbl A 127.0.1.2\n"
    /* Reverse DNS: FCrDNS, mismatch, dynamic, none. */
    "99.2.0.192.in-addr.arpa. PTR mail.good.example.\n"
    "mail.good.example. A 192.0.2.99\n"
    "98.2.0.192.in-addr.arpa. PTR liar.example.\n"
    "liar.example. A 198.51.100.1\n"
    "97.2.0.192.in-addr.arpa. PTR dsl-192-0-2-97.isp.example.\n"
    "dsl-192-0-2-97.isp.example. A 192.0.2.97\n"
    "helo.good.example. A 192.0.2.99\n"
    "spammer.example.dbl A 127.0.1.2\n";

static const char *conf_text =
    "helo = { own_names = [\"mx.ours.example\"];"
    " own_addresses = [\"203.0.113.25\"]; };\n"
    "greylist = { mode = \"always\"; min_delay = \"5m\";"
    " retry_window = \"1h\"; auto_allow_after = 2;"
    " allow_networks = [\"198.51.100.0/24\"];"
    " allow_senders = [\"friends.example\"]; };\n"
    "dnsbl = (\n"
    " { name = \"ZEN\"; zone = \"zen.test\";"
    "   codes = [\"127.0.0.2-3 SBL 4.0\", \"127.0.0.4-7 XBL 5.0\","
    "            \"127.0.0.10-11 PBL 1.5\"]; },\n"
    " { name = \"BROKEN\"; zone = \"broken.test\"; },\n"
    " { name = \"WL\"; zone = \"wl.test\";"
    "   codes = [\"127.0.*.3 HI -5.0\", \"127.0.*.0-2 LOW -1.0\"]; },\n"
    " { name = \"DBL\"; zone = \"dbl.test\"; type = \"domain\";"
    "   codes = [\"127.0.1.2-99 SPAM 3.0\"];"
    "   refused = [\"127.0.1.255\", \"127.255.255.*\"]; }\n"
    ");\n";

static struct conf *conf;
static struct dns_resolver *res;
static struct store *st;
static char dir[] = "/tmp/mxw-rep-XXXXXX";

static int
setup(void **state)
{
	struct dns_zone *z = dns_zone_new();
	struct conf_errors *e = NULL;
	const char *why;

	(void)state;
	if (dns_zone_parse(z, zone_text, strlen(zone_text), "rep.zone",
	    &why) == -1)
		fail_msg("zone: %s", why);
	res = dns_zone_resolver(z);
	if ((conf = conf_load_string(conf_text, "rep.conf", &e)) == NULL) {
		fprintf(stderr, "conf: %s line %u\n", e->n > 0 ?
		    e->v[0].msg : "?", e->n > 0 ? e->v[0].line : 0);
		fail();
	}
	conf_errors_free(&e);
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp");
	if ((st = store_open(dir, 0, &why)) == NULL)
		fail_msg("store: %s", why);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	store_close(&st);
	dns_resolver_free(&res);
	conf_free(&conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

static void
test_codes(void **state)
{
	static const struct {
		const char	*pat, *ip;
		int		 ok, want;
	} cases[] = {
		{ "127.0.0.2", "127.0.0.2", 1, 1 },
		{ "127.0.0.2", "127.0.0.3", 1, 0 },
		{ "127.0.0.10-11", "127.0.0.11", 1, 1 },
		{ "127.0.0.10-11", "127.0.0.12", 1, 0 },
		{ "127.0.*.3", "127.0.15.3", 1, 1 },
		{ "127.0.*.3", "127.0.15.2", 1, 0 },
		{ "127.255.255.*", "127.255.255.254", 1, 1 },
		{ "127.0.0", NULL, 0, 0 },
		{ "127.0.0.256", NULL, 0, 0 },
		{ "127.0.0.5-4", NULL, 0, 0 },
		{ "127.0.0.2x", NULL, 0, 0 },
	};
	struct dnsbl_code c;
	struct in_addr a;
	const char *why;
	size_t i;
	int ok, got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = dnsbl_code_parse(cases[i].pat, &c, &why) == 0;
		if (ok != cases[i].ok)
			fail_msg("parse %s: got %d, want %d", cases[i].pat, ok,
			    cases[i].ok);
		if (!ok)
			continue;
		inet_pton(AF_INET, cases[i].ip, &a);
		got = dnsbl_code_match(&c, (const uint8_t *)&a);
		if (got != cases[i].want)
			fail_msg("%s ~ %s: got %d, want %d", cases[i].pat,
			    cases[i].ip, got, cases[i].want);
	}
}

static void
test_helo_syntax(void **state)
{
	static const struct {
		const char		*helo;
		enum helo_syntax	 want;
	} cases[] = {
		{ "mail.example.com", HELO_SYN_FQDN },
		{ "mail.example.com.", HELO_SYN_FQDN },
		{ "[192.0.2.1]", HELO_SYN_LITERAL4 },
		{ "[IPv6:2001:db8::1]", HELO_SYN_LITERAL6 },
		{ "192.0.2.1", HELO_SYN_BAD },
		{ "localhost", HELO_SYN_BAD },
		{ "exa_mple.com", HELO_SYN_BAD },
		{ "-bad.example.com", HELO_SYN_BAD },
		{ "bad-.example.com", HELO_SYN_BAD },
		{ "a..example", HELO_SYN_BAD },
		{ "[300.0.0.1]", HELO_SYN_BAD },
		{ "", HELO_SYN_BAD },
	};
	size_t i;
	enum helo_syntax got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = helo_syntax(cases[i].helo, NULL);
		if (got != cases[i].want)
			fail_msg("helo \"%s\": got %d, want %d",
			    cases[i].helo, got, cases[i].want);
	}
}

static void
test_dynamic(void **state)
{
	static const struct {
		const char	*name, *ip;
		int		 want;
	} cases[] = {
		{ "dsl-192-0-2-97.isp.example", "192.0.2.97", 1 },
		{ "97.2.0.192.client.isp.example", "192.0.2.97", 1 },
		{ "pool-1.isp.example", "192.0.2.97", 1 },
		{ "ppp123.isp.example", "192.0.2.97", 1 },
		{ "mail.good.example", "192.0.2.97", 0 },
		{ "mx1.dsl.example", "192.0.2.97", 0 },	/* ISP's own labels */
		{ "host-97.isp.example", "192.0.2.97", 0 },
	};
	struct rdns_conf *r = rdns_conf_new(conf);
	unsigned char b[4];
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		inet_pton(AF_INET, cases[i].ip, b);
		got = rdns_is_dynamic(r, cases[i].name, AF_INET, b);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, got,
			    cases[i].want);
	}
	rdns_conf_free(&r);
}

/* Run the envelope stage for one client; the task lives in a. */
static struct task *
envelope(struct pipeline *p, struct arena *a, const char *ip,
    const char *helo, const char *from)
{
	struct task *t = pipeline_task(p, a);
	const char *why;

	t->env.client_ip = ip;
	t->env.helo = helo;
	t->env.mail_from = from;
	if (pipeline_envelope(p, t, &why) == -1)
		fail_msg("envelope: %s", why);
	return t;
}

static void
want_syms(const struct task *t, const char *label, const char *const *yes,
    const char *const *no)
{
	size_t i;

	for (i = 0; yes != NULL && yes[i] != NULL; i++)
		if (task_symbol_get(t, yes[i]) == NULL)
			fail_msg("%s: got no %s, want it", label, yes[i]);
	for (i = 0; no != NULL && no[i] != NULL; i++)
		if (task_symbol_get(t, no[i]) != NULL)
			fail_msg("%s: got %s (%s), want none", label, no[i],
			    task_symbol_get(t, no[i])->reason);
}

static void
test_envelope(void **state)
{
	static const struct {
		const char	*label, *ip, *helo;
		const char	*yes[5], *no[5];
	} cases[] = {
		{ "listed twice, FCrDNS", "192.0.2.99", "helo.good.example",
		    { "RBL_ZEN_SBL", "RBL_ZEN_PBL", "RDNS_FCRDNS" },
		    { "RBL_ZEN_REFUSED", "RDNS_MISMATCH", "HELO_NO_RESOLVE",
		    "HELO_BAD_SYNTAX" } },
		{ "refused code, PTR mismatch", "192.0.2.98", "[192.0.2.98]",
		    { "RBL_ZEN_REFUSED", "RDNS_MISMATCH" },
		    { "RBL_ZEN_SBL", "RBL_ZEN_OTHER", "RDNS_FCRDNS",
		    "HELO_LITERAL_MISMATCH" } },
		{ "DNSWL, dynamic", "192.0.2.97", "nowhere.example",
		    { "RBL_WL_HI", "RDNS_DYNAMIC", "RDNS_FCRDNS",
		    "HELO_NO_RESOLVE" }, { "RBL_ZEN_SBL" } },
		{ "broken list ignored", "192.0.2.96", "mx.ours.example",
		    { "RBL_BROKEN_BROKEN", "RDNS_NONE", "HELO_OURS" },
		    { "RBL_BROKEN_LISTED", "RBL_BROKEN_OTHER" } },
		{ "bad HELO, our literal", "192.0.2.95", "[203.0.113.25]",
		    { "HELO_OURS" }, { "HELO_LITERAL_MISMATCH" } },
		{ "bare IP HELO", "192.0.2.95", "192.0.2.95",
		    { "HELO_BAD_SYNTAX" }, { "HELO_NO_RESOLVE" } },
		{ "IPv6 nibbles", "2001:db8::1", "v6.example",
		    { "RBL_ZEN_XBL", "RDNS_NONE" }, { "RBL_ZEN_SBL" } },
	};
	struct pipeline *p;
	struct arena *a;
	struct task *t;
	const char *why;
	size_t i;

	(void)state;
	if ((p = pipeline_new(conf, res, st, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		t = envelope(p, a, cases[i].ip, cases[i].helo,
		    "<a@sender.example>");
		want_syms(t, cases[i].label, cases[i].yes, cases[i].no);
		arena_free(&a);
	}
	/* Outbound clients are not looked up. */
	a = arena_new();
	t = pipeline_task(p, a);
	t->env.client_ip = "192.0.2.99";
	t->env.is_outbound = 1;
	if (pipeline_envelope(p, t, &why) == -1 || t->nsym != 0)
		fail_msg("outbound: got %zu symbols, want 0", t->nsym);
	arena_free(&a);
	pipeline_free(&p);
}

static void
test_scores(void **state)
{
	struct pipeline *p;
	struct arena *a = arena_new();
	struct task *t;
	const char *why;

	(void)state;
	if ((p = pipeline_new(conf, res, st, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	t = envelope(p, a, "192.0.2.99", "helo.good.example", "<a@b.example>");
	if (task_symbol_get(t, "RBL_ZEN_SBL")->score != 4.0 ||
	    task_symbol_get(t, "RBL_ZEN_PBL")->score != 1.5)
		fail_msg("scores: got %.1f and %.1f, want 4.0 and 1.5",
		    task_symbol_get(t, "RBL_ZEN_SBL")->score,
		    task_symbol_get(t, "RBL_ZEN_PBL")->score);
	arena_free(&a);
	pipeline_free(&p);
}

static void
test_domains(void **state)
{
	struct dnsbl_set *s;
	struct arena *a = arena_new();
	struct task *t = task_new(a, conf, res, st);
	const char *why;

	(void)state;
	if ((s = dnsbl_set_new(conf, &why)) == NULL)
		fail_msg("dnsbl: %s", why);
	t->env.mail_from = "<x@SPAMMER.example>";
	t->env.helo = "helo.good.example";
	if (dnsbl_domains(s, t, &why) == -1)
		fail_msg("domains: %s", why);
	want_syms(t, "sender domain listed",
	    (const char *const[]){ "RBL_DBL_SPAM", NULL },
	    (const char *const[]){ "RBL_DBL_BROKEN", NULL });
	if (strstr(task_symbol_get(t, "RBL_DBL_SPAM")->reason,
	    "spammer.example") == NULL)
		fail_msg("reason: got \"%s\", want the domain",
		    task_symbol_get(t, "RBL_DBL_SPAM")->reason);
	dnsbl_set_free(&s);
	arena_free(&a);
}

static void
test_greylist_steps(void **state)
{
	static const struct {
		long			 at;	/* seconds after T0 */
		const char		*rcpt;
		enum grey_result	 want;
		uint32_t		 wait;
	} steps[] = {
		{ 0, "b@x.example", GREY_NEW, 300 },
		{ 60, "b@x.example", GREY_EARLY, 240 },
		{ 299, "b@x.example", GREY_EARLY, 1 },
		{ 300, "b@x.example", GREY_PASS, 0 },
		{ 301, "b@x.example", GREY_PASS, 0 },
		/* Case does not make a new triplet. */
		{ 350, "B@X.EXAMPLE", GREY_PASS, 0 },
		/* A new recipient: its own triplet; after the window (1h)
		   its first attempt is forgotten. */
		{ 400, "c@x.example", GREY_NEW, 300 },
		{ 400 + 300 + 3600, "c@x.example", GREY_NEW, 300 },
		{ 400 + 300 + 3600 + 300, "c@x.example", GREY_PASS, 0 },
	};
	struct grey_conf *g;
	enum grey_result r;
	uint32_t wait;
	char net[64];
	const char *why;
	size_t i;

	(void)state;
	if ((g = grey_conf_new(conf, &why)) == NULL)
		fail_msg("greylist: %s", why);
	if (grey_net(g, "192.0.2.77", net, sizeof(net)) == -1 ||
	    strcmp(net, "192.0.2.0/24") != 0)
		fail_msg("net: got %s, want 192.0.2.0/24", net);
	if (grey_net(g, "2001:db8:1:2:3::4", net, sizeof(net)) == -1 ||
	    strcmp(net, "2001:db8:1:2::/64") != 0)
		fail_msg("net6: got %s, want 2001:db8:1:2::/64", net);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		clock_set(T0 + steps[i].at);
		if (grey_check(g, st, "192.0.2.0/24", "a@y.example",
		    steps[i].rcpt, clock_now(), &r, &wait, &why) == -1)
			fail_msg("step %zu: %s", i, why);
		if (r != steps[i].want || wait != steps[i].wait)
			fail_msg("step %zu: got %d wait %u, want %d wait %u",
			    i, r, wait, steps[i].want, steps[i].wait);
	}
	/* Two triplets passed (b, c): the network is allowed. */
	clock_set(T0 + 6000);
	if (grey_check(g, st, "192.0.2.0/24", "new@z.example",
	    "d@x.example", clock_now(), &r, &wait, &why) == -1 ||
	    r != GREY_ALLOWED)
		fail_msg("auto-allow: got %d, want %d", r, GREY_ALLOWED);
	/* An administrator's allow of a sender domain. */
	if (grey_allow(st, "@allowed.example", 0, 0, &why) == -1 ||
	    grey_check(g, st, "10.0.0.0/24", "x@allowed.example",
	    "d@x.example", clock_now(), &r, &wait, &why) == -1 ||
	    r != GREY_ALLOWED)
		fail_msg("admin allow: got %d, want %d", r, GREY_ALLOWED);
	clock_set(0);
	grey_conf_free(&g);
}

static int
msg_parse_for_test(struct arena *a, struct msg **m_r)
{
	static const char text[] =
	    "From: S <s@t.example>\r\nTo: r@ours.example\r\n"
	    "Subject: hi\r\n\r\nHello.\r\n";
	const char *why;

	return msg_parse(a, text, sizeof(text) - 1, m_r, &why);
}

/* The pipeline action: greylist, exemptions, reply. */
static void
test_greylist_task(void **state)
{
	static const struct {
		const char		*label, *ip, *from;
		int			 outbound;
		enum task_action	 want;
		const char		*sym;
	} cases[] = {
		{ "first", "203.0.113.9", "<s@t.example>", 0, ACT_GREYLIST,
		    "GREYLIST" },
		{ "again", "203.0.113.9", "<s@t.example>", 0, ACT_GREYLIST,
		    "GREYLIST" },
		{ "outbound", "203.0.113.9", "<s@t.example>", 1, ACT_ACCEPT,
		    NULL },
		{ "allowed net", "198.51.100.7", "<s@t.example>", 0,
		    ACT_ACCEPT, "GREYLIST_EXEMPT" },
		{ "allowed sender", "203.0.113.9", "<s@mx.friends.example>",
		    0, ACT_ACCEPT, "GREYLIST_EXEMPT" },
	};
	struct pipeline *p;
	struct arena *a;
	struct task *t;
	const char *rcpt[] = { "<r@ours.example>" };
	const char *why;
	size_t i;

	(void)state;
	clock_set(T0 + 100000);
	if ((p = pipeline_new(conf, res, st, &why)) == NULL)
		fail_msg("pipeline: %s", why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		t = pipeline_task(p, a);
		t->env.client_ip = cases[i].ip;
		t->env.mail_from = cases[i].from;
		t->env.rcpt = rcpt;
		t->env.nrcpt = 1;
		t->env.is_outbound = cases[i].outbound;
		t->env.helo = "helo.good.example";
		if (msg_parse_for_test(a, &t->msg) == -1 ||
		    pipeline_run(p, t, &why) == -1)
			fail_msg("%s: run: %s", cases[i].label, why);
		if (t->action != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].label,
			    task_action_str(t->action),
			    task_action_str(cases[i].want));
		if (cases[i].sym != NULL &&
		    task_symbol_get(t, cases[i].sym) == NULL)
			fail_msg("%s: no symbol %s", cases[i].label,
			    cases[i].sym);
		if (t->action == ACT_GREYLIST && (t->reply_code == NULL ||
		    strcmp(t->reply_code, "451") != 0 ||
		    strcmp(t->reply_xcode, "4.7.1") != 0 ||
		    strstr(t->reply_text, "seconds") == NULL))
			fail_msg("%s: got reply %s %s %s, want 451 4.7.1 "
			    "with a retry hint", cases[i].label,
			    t->reply_code, t->reply_xcode, t->reply_text);
		arena_free(&a);
	}
	/* Five minutes later the retry passes. */
	clock_set(T0 + 100000 + 300);
	a = arena_new();
	t = pipeline_task(p, a);
	t->env.client_ip = "203.0.113.9";
	t->env.mail_from = "<s@t.example>";
	t->env.rcpt = rcpt;
	t->env.nrcpt = 1;
	if (msg_parse_for_test(a, &t->msg) == -1 ||
	    pipeline_run(p, t, &why) == -1)
		fail_msg("retry: %s", why);
	if (t->action == ACT_GREYLIST ||
	    task_symbol_get(t, "GREYLIST_PASS") == NULL)
		fail_msg("retry: got %s, want no greylisting",
		    task_action_str(t->action));
	arena_free(&a);
	clock_set(0);
	pipeline_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_helo_syntax),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_greylist_steps),
		cmocka_unit_test(test_greylist_task),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
