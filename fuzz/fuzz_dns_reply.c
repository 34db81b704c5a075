/*
 * Fuzz the parser of replies to direct queries (dns_direct.c): the input
 * is a whole DNS message as a server, or anyone spoofing one, could send
 * (RFC 1035 4.1, with 4.1.4 compression). The query id is taken from the
 * input so the parser goes past the header; the question asked is
 * example.com NS, as the audit asks for delegations.
 */
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct dns_reply r;
	const char *why;
	uint16_t id;
	size_t i;

	if (size < 2 || size > 65535)
		return 0;
	id = (uint16_t)(data[0] << 8 | data[1]);
	a = arena_new();
	if (dns_reply_parse(data, size, id, "example.com", DNS_T_NS, a, &r,
	    &why) == 0) {
		for (i = 0; i < r.nan; i++)
			(void)dns_rr_str(a, &r.an[i]);
	}
	arena_free(&a);
	return 0;
}
