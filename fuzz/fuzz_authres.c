/*
 * libFuzzer target for Authentication-Results values (RFC 8601): the
 * parser, the authserv-id reader used for forged-field removal, and a
 * rebuild of what parsed, which must parse again to the same count.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/authres.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct authres *ar, *again;
	const char *why, *v, *s = (const char *)data;

	(void)authres_authserv_id(a, s, size);
	if (authres_parse(a, s, size, &ar, &why) == 0 && ar->nres > 0) {
		v = authres_build(a, ar->authserv_id[0] != '\0' ?
		    ar->authserv_id : "x", ar->res, ar->nres);
		if (strchr(v, '\n') != NULL || strchr(v, '\r') != NULL)
			__builtin_trap();
		if (authres_parse(a, v, strlen(v), &again, &why) == 0 &&
		    again->nres != ar->nres)
			__builtin_trap();
	}
	arena_free(&a);
	return 0;
}
