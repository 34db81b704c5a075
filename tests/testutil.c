/*
 * Helpers shared by the unit tests (see testutil.h).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/msg.h"
#include "testutil.h"

int
tu_slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return -1;
	buf_reset(b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

size_t
tu_corpus_each(void (*fn)(const struct tu_msg *, void *), void *arg)
{
	static const char *dirs[TU_NCLASS] = { "ham", "spam", "phish" };
	struct buf b = BUF_INIT;
	struct tu_msg tm;
	char dir[4096], path[4608];
	size_t total = 0;
	int cls;

	for (cls = 0; cls < TU_NCLASS; cls++) {
		struct dirent *de;
		const char *why = NULL;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/corpus-sample/%s",
		    MXW_TESTDATA, dirs[cls]);
		if ((d = opendir(dir)) == NULL)
			fail_msg("cannot open %s", dir);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (tu_slurp(path, &b) == -1)
				fail_msg("cannot read %s", path);
			tm.path = path;
			tm.cls = cls;
			tm.a = arena_new();
			if (msg_parse(tm.a, b.p == NULL ? "" : b.p, b.len,
			    &tm.m, &why) == -1)
				fail_msg("%s: got \"%s\", want a message",
				    path, why);
			fn(&tm, arg);
			arena_free(&tm.a);
			total++;
		}
		closedir(d);
	}
	buf_free(&b);
	return total;
}

struct dns_resolver *
tu_zone_resolver(const char *path)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;

	if (dns_zone_load(z, path, &why) == -1) {
		fprintf(stderr, "%s\n", why);
		dns_zone_free(&z);
		return NULL;
	}
	return dns_zone_resolver(z);
}

struct dns_resolver *
tu_txt_resolver(const char *const (*rows)[2], size_t n)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;
	size_t i;

	for (i = 0; i < n; i++)
		if (dns_zone_add(z, rows[i][0], DNS_T_TXT, 300, rows[i][1],
		    &why) == -1) {
			fprintf(stderr, "%s: %s\n", rows[i][0], why);
			dns_zone_free(&z);
			return NULL;
		}
	return dns_zone_resolver(z);
}

struct conf *
tu_conf(const char *fmt, ...)
{
	struct conf_errors *e = NULL;
	struct conf *c;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		fail_msg("tu_conf: out of memory");
	va_end(ap);
	c = conf_load_string(text, "test.conf", &e);
	if (c == NULL)
		fail_msg("test.conf:%u: %s", e != NULL && e->n > 0 ?
		    e->v[0].line : 0, e != NULL && e->n > 0 ? e->v[0].msg :
		    "invalid");
	conf_errors_free(&e);
	free(text);
	return c;
}
