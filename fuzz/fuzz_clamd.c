/*
 * libFuzzer target for clamd's replies (src/filter/av.c): arbitrary
 * bytes as what clamd sent back, into signature buffers of several
 * sizes; the signature must stay NUL-terminated printable ASCII.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "filter/av.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 16, AV_SIG_MAX };
	char sig[AV_SIG_MAX];
	enum av_status st;
	size_t i, j, len;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(sig, 'x', sizeof(sig));
		st = av_parse_reply((const char *)data, size, sig, sizes[i]);
		len = strnlen(sig, sizes[i]);
		if (len == sizes[i] || st > AV_ERROR ||
		    (sizes[i] > 1 && (st == AV_FOUND) != (len > 0)))
			__builtin_trap();
		for (j = 0; j < len; j++)
			if (sig[j] <= 0x20 || sig[j] >= 0x7f)
				__builtin_trap();
	}
	return 0;
}
