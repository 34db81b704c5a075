/*
 * libFuzzer target for the SMTP reply parser of the check probes
 * (audit_smtp_reply_parse, RFC 5321 4.2): a hostile server's bytes.
 * Replies are parsed one after another as the probe reads them.
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
	struct audit_smtp_reply r;
	const char *p = (const char *)data, *why;
	size_t off = 0, i;

	while (off < size && audit_smtp_reply_parse(a, p + off, size - off,
	    &r, &why) == 1) {
		if (r.used == 0 || r.used > size - off || r.nline == 0 ||
		    r.code < 200 || r.code > 599)
			__builtin_trap();
		for (i = 0; i < r.nline; i++)
			if (r.line[i] == NULL)
				__builtin_trap();
		off += r.used;
	}
	arena_free(&a);
	return 0;
}
