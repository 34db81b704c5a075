/*
 * libFuzzer target for the BIMI logo checks of the check (SVG Tiny
 * Portable/Secure, draft-svg-tiny-ps-abrotman): audit_svg_check() on
 * arbitrary bytes, as fetched from a domain's l= URL. It must never
 * crash, never read past the input, and say why whenever it refuses.
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
	struct audit_svg s;
	size_t i;
	int rc;

	rc = audit_svg_check(a, (const char *)data, size, &s);
	if ((rc == -1) != (s.nproblem > 0) ||
	    s.nproblem > AUDIT_SVG_PROBLEMS_MAX || s.nwarning > 1)
		__builtin_trap();
	for (i = 0; i < s.nproblem; i++)
		if (s.problem[i] == NULL || s.problem[i][0] == '\0')
			__builtin_trap();
	arena_free(&a);
	return 0;
}
