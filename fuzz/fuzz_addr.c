/*
 * libFuzzer target for address parsing: addr_parse_list, addr_parse_path
 * and addr_decode_words on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct mail_addr *v, r;
	const char *why, *s = (const char *)data;
	char *z;
	size_t i, n;

	if (addr_parse_list(a, s, size, &v, &n, &why) == 0 || n > 0) {
		for (i = 0; i < n; i++)
			if (v[i].local == NULL)
				__builtin_trap();
	}
	z = arena_strndup(a, s, size);
	if (addr_parse_path(a, z, &r, &why) == 0 && r.local == NULL)
		__builtin_trap();
	addr_decode_words(a, s, size);
	arena_free(&a);
	return 0;
}
