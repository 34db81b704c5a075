/*
 * libFuzzer target for the message model: msg_parse on arbitrary bytes,
 * then every indexed header, address parsing of From and To, the MIME
 * parts, the text and the URLs. Nothing may crash, leak or read outside
 * the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "From", "To", "Sender", "Reply-To" };
	struct arena *a = arena_new();
	const struct mime_part *parts;
	const struct msg_header *h;
	struct mail_addr *v;
	struct msg *m;
	const char *why, **urls;
	size_t i, n, len, sum = 0;

	if (msg_parse(a, (const char *)data, size, &m, &why) == -1)
		goto out;
	for (i = 0; i < m->nhdr; i++) {
		h = &m->hdr[i];
		sum += h->name_len + h->raw_len + h->value_len;
		if (h->unfolded[h->unfolded_len] != '\0')
			__builtin_trap();
	}
	if (m->hdr_len + m->body_len != m->len)
		__builtin_trap();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((h = msg_header_get(m, names[i], 0)) == NULL)
			continue;
		addr_parse_list(a, h->unfolded, h->unfolded_len, &v, &n,
		    &why);
	}
	if ((h = msg_header_get(m, "Subject", 0)) != NULL)
		addr_decode_words(a, h->unfolded, h->unfolded_len);
	mime_parts(m, &parts, &n, &why);
	for (i = 0; i < n; i++)
		sum += parts[i].len + parts[i].text_len;
	if (strlen(mime_text(m, &len)) != len)
		__builtin_trap();
	mime_urls(m, &urls, &n);
	(void)sum;
out:
	arena_free(&a);
	return 0;
}
