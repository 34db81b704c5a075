/*
 * Fuzz the RDATA decoder and its presentation form: the first input byte
 * picks a record type (or, above the table, every type in turn), the rest
 * is the RDATA as a server could send it (RFC 1035 3.3 and the type's own
 * RFC). dns_rr_decode() must never read past rdlen, and dns_rr_str() and
 * dns_txt_join() must cope with whatever it decoded or refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/arena.h"

static const uint16_t fuzz_types[] = {
	DNS_T_A, DNS_T_NS, DNS_T_CNAME, DNS_T_SOA, DNS_T_PTR, DNS_T_MX,
	DNS_T_TXT, DNS_T_AAAA, DNS_T_SRV, DNS_T_DS, DNS_T_RRSIG, DNS_T_NSEC,
	DNS_T_DNSKEY, DNS_T_NSEC3, DNS_T_TLSA, DNS_T_SPF, DNS_T_CAA, 65280,
};
#define NFUZZ_TYPES	(sizeof(fuzz_types) / sizeof(fuzz_types[0]))

static void
one(uint16_t type, const uint8_t *p, size_t len)
{
	struct arena *a = arena_new();
	struct dns_rr rr;
	struct dns_str j;

	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.ttl = 300;
	/* A copy of exactly rdlen bytes, so ASan sees any overread. */
	rr.rdata = arena_memdup(a, p, len);
	rr.rdlen = (uint16_t)len;
	dns_rr_decode(a, &rr);
	(void)dns_rr_str(a, &rr);
	if (rr.is_decoded && (type == DNS_T_TXT || type == DNS_T_SPF)) {
		j = dns_txt_join(a, &rr);
		(void)j;
	}
	arena_free(&a);
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	if (size < 1 || size - 1 > 65535)
		return 0;
	if (data[0] < NFUZZ_TYPES) {
		one(fuzz_types[data[0]], data + 1, size - 1);
		return 0;
	}
	for (i = 0; i < NFUZZ_TYPES; i++)
		one(fuzz_types[i], data + 1, size - 1);
	return 0;
}
