/*
 * libFuzzer target for DMARC input: the policy record parser under both
 * rule sets (RFC 9989, RFC 7489) and From-domain extraction from an
 * arbitrary field value.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dmarc.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct dmarc_record r;
	const char *why, **doms, *s = (const char *)data;
	size_t n, i;

	if (dmarc_record_parse(a, s, size, DMARC_RFC9989, &r, &why) == 0 &&
	    (r.p > DMARC_POL_REJECT || r.pct < 0 || r.pct > 100))
		__builtin_trap();
	if (dmarc_record_parse(a, s, size, DMARC_RFC7489, &r, &why) == 0 &&
	    !r.has_p && r.rua == NULL)
		__builtin_trap();
	(void)dmarc_from_value(a, s, size, &doms, &n, &why);
	if (n > DMARC_FROM_DOMAINS_MAX)
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (doms[i] == NULL || strlen(doms[i]) == 0)
			__builtin_trap();
	arena_free(&a);
	return 0;
}
