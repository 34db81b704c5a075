/*
 * Fuzz target: configuration text through libconfig and the schema
 * checks, then, if accepted, the getters, the lists of groups and the
 * `config show` printer on the merged result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define FUZZ_MAX	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * XXX libconfig 1.5 (Debian 12) leaks the scanner's string buffer when
 * the text ends inside a quoted string, and a string token the parser
 * rejects ("log = { \"\";"). It is a few bytes per rejected file, once
 * per load of a broken configuration, in a library we do not patch; the
 * suppressions keep the fuzzer looking for our own bugs. A missing
 * config_destroy() would still show, through config_setting_create.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static void
use(const struct conf *c)
{
	static FILE *devnull;
	const struct conf *d;
	size_t i, n;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	(void)conf_int(c, "spf.max_lookups");
	(void)conf_duration(c, "dns.timeout");
	(void)conf_size(c, "store.map_size");
	(void)conf_float(c, "actions.reject");
	(void)conf_enum(c, "log.level");
	n = conf_list_len(c, "milter.trusted_networks");
	for (i = 0; i < n; i++)
		(void)conf_list_str(c, "milter.trusted_networks", i);
	n = conf_group_count(c, "dkim.signing");
	for (i = 0; i < n; i++) {
		d = conf_group(c, "dkim.signing", i);
		if (conf_str(d, "domain") == NULL || conf_enum(d,
		    "algorithm") < 0)
			abort();	/* required and checked: a bug */
	}
	n = conf_group_count(c, "domains");
	for (i = 0; i < n; i++)
		(void)conf_float(conf_group(c, "domains", i), "reject");
	if (conf_show(c, devnull) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors *e;
	struct conf *c;
	char *text;

	if (size > FUZZ_MAX)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if ((c = conf_load_string(text, "fuzz", &e)) != NULL)
		use(c);
	else if (e->n == 0)
		abort();	/* rejected without a reason */
	conf_free(&c);
	conf_errors_free(&e);
	free(text);
	return 0;
}
