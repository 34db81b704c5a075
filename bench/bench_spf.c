/*
 * SPF evaluation throughput: check_host() (RFC 7208) over real-world
 * policy shapes served by the zone-file resolver (answers in memory, as
 * a warm DNS cache would give them) with the record cache warm. The
 * shapes: a long ip4 list, an include chain three deep, "a", "mx" with
 * two hosts, a redirect, and the common fail at "-all" after all of
 * them. Prints evaluations per second on one core.
 *
 * usage: bench_spf [SECONDS]   (default 3)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/clock.h"

static const char zone_text[] =
    "$ORIGIN example.com.\n"
    "$TTL 3600\n"
    /* The sending domain: ip4 list, include chain, a, mx, -all. */
    "@      TXT \"v=spf1 ip4:192.0.2.0/27 ip4:192.0.2.64/27 "
    "ip4:198.51.100.0/26 ip4:198.51.100.128/28 ip4:203.0.113.10 "
    "ip4:203.0.113.20 ip6:2001:db8:10::/48 include:_spf1.example.com "
    "a mx -all\"\n"
    "@      A 192.0.2.200\n"
    "@      MX 10 mx1\n"
    "@      MX 20 mx2\n"
    "mx1    A 192.0.2.210\n"
    "mx2    A 192.0.2.220\n"
    "_spf1  TXT \"v=spf1 ip4:10.1.0.0/16 ip4:10.2.0.0/16 "
    "include:_spf2.example.com ~all\"\n"
    "_spf2  TXT \"v=spf1 ip4:10.3.0.0/16 include:_spf3.example.com "
    "?all\"\n"
    "_spf3  TXT \"v=spf1 ip4:10.4.0.0/16 ip4:10.5.0.0/16 "
    "ip6:2001:db8:20::/48 -all\"\n"
    /* Subsidiaries delegate with redirect. */
    "sub    TXT \"v=spf1 redirect=example.com\"\n";

static const struct {
	const char	*ip;
	const char	*sender;
	const char	*want;
} mix[] = {
	{ "192.0.2.5", "a@example.com", "pass" },	/* first ip4 */
	{ "203.0.113.20", "a@example.com", "pass" },	/* end of list */
	{ "10.4.7.7", "a@example.com", "pass" },	/* 3 deep include */
	{ "10.1.2.3", "a@example.com", "pass" },	/* 1 deep */
	{ "192.0.2.200", "a@example.com", "pass" },	/* a */
	{ "192.0.2.220", "a@example.com", "pass" },	/* mx */
	{ "2001:db8:10::25", "a@example.com", "pass" },	/* ip6 */
	{ "198.51.100.9", "b@sub.example.com", "pass" },	/* redirect */
	{ "192.0.2.210", "b@sub.example.com", "pass" },	/* redirect+mx */
	{ "233.252.0.1", "c@example.com", "fail" },	/* everything */
};
#define NMIX	(sizeof(mix) / sizeof(mix[0]))

int
main(int argc, char **argv)
{
	struct dns_zone *z = dns_zone_new();
	struct dns_resolver *res;
	struct spf_query q[NMIX];
	struct spf_result *r;
	struct spf_ctx *c;
	const char *why;
	double secs = argc > 1 ? atof(argv[1]) : 3.0, el;
	uint64_t t0, n = 0;
	size_t i;

	if (dns_zone_parse(z, zone_text, sizeof(zone_text) - 1, "bench",
	    &why) == -1) {
		fprintf(stderr, "zone: %s\n", why);
		return 1;
	}
	res = dns_zone_resolver(z);
	c = spf_ctx_new(res, NULL);
	for (i = 0; i < NMIX; i++) {
		struct arena *a = arena_new();

		memset(&q[i], 0, sizeof(q[i]));
		if (spf_query_set_ip(&q[i], mix[i].ip) == -1)
			return 1;
		q[i].sender = mix[i].sender;
		q[i].helo = "mail.example.net";
		/* Check each shape once, which also warms the cache. */
		if (spf_check(c, &q[i], a, &r, &why) == -1 ||
		    strcmp(spf_result_str(r->result), mix[i].want) != 0) {
			fprintf(stderr, "%s %s: got %s, want %s\n", mix[i].ip,
			    mix[i].sender, spf_result_str(r->result),
			    mix[i].want);
			return 1;
		}
		arena_free(&a);
	}
	t0 = clock_mono_us();
	do {
		for (i = 0; i < 1000; i++) {
			struct arena *a = arena_new();

			(void)spf_check(c, &q[i % NMIX], a, &r, &why);
			arena_free(&a);
		}
		n += 1000;
		el = (double)(clock_mono_us() - t0) / 1e6;
	} while (el < secs);
	printf("spf: %llu evaluations in %.2f s: %.0f evaluations/s on one "
	    "core (%zu shapes, records cached: %zu)\n", (unsigned long long)n,
	    el, (double)n / el, NMIX, spf_ctx_cached(c));
	spf_ctx_free(&c);
	dns_resolver_free(&res);
	return 0;
}
