/*
 * libFuzzer target for the attachment inspector (src/filter/attach.c):
 * arbitrary bytes as an attachment body, under a name picked by the
 * first byte, through the magic-byte sniffers and, when they see an
 * archive, libarchive and the recursive member walk with small caps (so
 * nesting, member and byte limits are reached quickly).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "filter/attach.h"
#include "lib/arena.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"a.zip", "invoice.pdf.exe", "x.docm", "p.png", NULL, "a.tar.gz",
	"r\xe2\x80\xae" "fdp.scr", "setup.exe.gz"
};
static const char *const ctypes[] = {
	"application/octet-stream", "application/pdf", "image/jpeg", NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attach *at;
	struct attach_finding *f = NULL;
	struct attach_budget b;
	struct arena *a;
	size_t n = 0, cap = 0, i;
	const char *why;

	if (at == NULL) {
		struct conf *c = conf_load_string("attachments: { "
		    "max_depth = 3; max_members = 50; max_bytes = \"1M\"; };",
		    NULL, NULL);

		if (c == NULL || (at = attach_new(c, &why)) == NULL)
			abort();
		conf_free(&c);
	}
	if (size == 0)
		return 0;
	a = arena_new();
	attach_budget_init(at, &b);
	attach_inspect(at, a, names[data[0] % 8], ctypes[(data[0] >> 3) % 4],
	    data + 1, size - 1, &b, &f, &n, &cap);
	if (n > cap || b.bytes > 1024 * 1024 || b.members > 50)
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (f[i].kind >= ATTACH_K_COUNT || f[i].path == NULL ||
		    f[i].what == NULL || strlen(f[i].path) > 256)
			__builtin_trap();
	arena_free(&a);
	return 0;
}
