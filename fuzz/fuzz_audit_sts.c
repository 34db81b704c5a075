/*
 * libFuzzer target for the MTA-STS and TLS-RPT parsers of the check
 * (RFC 8461 3.1 and 3.2, RFC 8460 3): the policy file fetched over
 * HTTPS, and the _mta-sts and _smtp._tls TXT records, all untrusted.
 */
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct audit_sts_policy p;
	struct audit_sts_record r;
	struct audit_tlsrpt t;
	const char *s = (const char *)data;
	size_t i;

	if (audit_sts_policy_parse(a, s, size, &p) == 0 &&
	    (p.version == NULL || p.mode == AUDIT_STS_BAD || p.max_age < 0))
		__builtin_trap();
	for (i = 0; i < p.nmx; i++)
		(void)audit_sts_match(p.mx[i], "mx.example.com");
	if (audit_sts_record_parse(a, s, size, &r) == 0 && r.id == NULL)
		__builtin_trap();
	if (audit_tlsrpt_parse(a, s, size, &t) == 0 && t.nrua == 0)
		__builtin_trap();
	arena_free(&a);
	return 0;
}
