/*
 * libFuzzer target for the phishing check's parsers on arbitrary bytes:
 * skeletons and lookalike comparison (IDN decoding included), URL host
 * extraction and IP forms, link classification, lure patterns, and the
 * HTML anchor scanner of src/mail/mime_links.c. The input is split at
 * the first NUL byte into a link text and an href.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf/conf.h"
#include "filter/phish.h"
#include "lib/arena.h"
#include "mail/mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct phish *ph;
static struct conf *cfg;	/* reachable: ph borrows from it */

static void
fuzz_init(void)
{
	struct conf_errors *e = NULL;
	const char *why;

	cfg = conf_load_string("phishing: { own_domains = [ \"acmecorp.com\" ];"
	    " people = [ \"Jane Doe\" ]; };\n", "fuzz.conf", &e);
	if (cfg == NULL || (ph = phish_new(cfg, &why)) == NULL)
		__builtin_trap();
	conf_errors_free(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct mime_link *l;
	const char *s, *h, *sep, *t;
	size_t n;

	if (ph == NULL)
		fuzz_init();
	if (size > 64 * 1024)
		return 0;
	a = arena_new();
	s = arena_strndup(a, (const char *)data, size);
	sep = memchr(data, '\0', size);
	t = sep != NULL ? arena_strndup(a, sep + 1,
	    size - (size_t)(sep + 1 - (const char *)data)) : s;
	(void)phish_skeleton(a, s);
	(void)phish_lookalike(ph, a, s, &h);
	(void)phish_distance(s, t, 2);
	if ((h = phish_url_host(a, t)) != NULL)
		(void)phish_host_is_ip(h);
	(void)phish_link(ph, a, s, t);
	(void)phish_lures(ph, (const char *)data, size);
	n = mime_html_links(a, (const char *)data, size, &l);
	if (n > MIME_LINKS_MAX)
		__builtin_trap();
	arena_free(&a);
	return 0;
}
