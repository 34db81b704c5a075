/*
 * libFuzzer target for DKIM key records (RFC 6376 section 3.6.1, RFC 8463
 * section 4): dkim_key_parse on arbitrary bytes. A parsed key must be
 * consistent: revoked means no public key, otherwise a key of the stated
 * type with a plausible size; a signature check with it must not crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	static const unsigned char sig[64];
	struct dkim_key k;
	const char *why;

	if (dkim_key_parse(a, (const char *)data, size, &k, &why) == 0) {
		if (k.is_revoked != (k.pkey == NULL))
			__builtin_trap();
		if (!k.is_revoked && (k.bits == 0 ||
		    (k.type != DKIM_KEY_RSA && k.type != DKIM_KEY_ED25519)))
			__builtin_trap();
		if (!k.is_revoked)
			dkim_crypto_verify(&k, k.type == DKIM_KEY_RSA ?
			    DKIM_ALG_RSA_SHA256 : DKIM_ALG_ED25519_SHA256,
			    "x", 1, sig, sizeof(sig), &why);
	}
	arena_free(&a);
	return 0;
}
