/*
 * Fuzz target: the RFC 1035 master-file parser and the queries answered
 * from whatever it accepted (zone files come from administrators, but
 * "what if" overlays may be pasted from anywhere).
 */
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "example.com", "www.example.com",
	    "a.b.example.com", "x", "*.example.com" };
	static const uint16_t types[] = { DNS_T_A, DNS_T_TXT, DNS_T_MX,
	    DNS_T_CNAME, DNS_T_TLSA };
	struct dns_zone *z = dns_zone_new();
	struct dns_resolver *r;
	struct arena *a = arena_new();
	const char *why;
	size_t i, j, k;

	(void)dns_zone_parse(z, (const char *)data, size, "fuzz", &why);
	r = dns_zone_resolver(z);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(types) / sizeof(types[0]); j++) {
			struct dns_answer *ans;

			if (dns_query(r, names[i], types[j], a, &ans,
			    &why) == -1)
				continue;
			for (k = 0; k < ans->nrr; k++)
				(void)dns_rr_str(a, &ans->rr[k]);
		}
	dns_resolver_free(&r);
	arena_free(&a);
	return 0;
}
