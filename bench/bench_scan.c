/*
 * Benchmark of the scan pipeline on ../shared/testdata/corpus-sample:
 * with -a the authentication pipeline alone (SPF, DKIM, ARC, DMARC,
 * Authentication-Results, policy), else the default configuration (also
 * reverse DNS, HELO, the default rules, phishing and attachment checks).
 * The corpus' own DKIM keys are not available offline, so each message
 * is re-signed with a test key for its From domain (RSA 2048, or
 * ed25519 with -e), and a zone made at start-up publishes that key, an
 * SPF record and a p=reject DMARC record for every domain: DKIM really
 * verifies and DMARC really passes. The original signatures stay and
 * fail fast (no key), as they would for unknown keys. One thread, so
 * the figure is messages per second per core.
 *
 * usage: bench_scan [-a] [-e] [-n ROUNDS] [CORPUS_DIR]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xmalloc.h"
#include "mail/msg.h"

#define MSGS_MAX	2000

struct item {
	char	*text;		/* re-signed message */
	size_t	 len;
	char	*sender;
};

static int
load_dir(struct arena *a, const char *dir, const char *sub,
    struct dkim_privkey *k, struct dns_zone *z, const char *rec,
    struct item *items, size_t *n)
{
	char path[1024];
	struct dirent *de;
	DIR *d;
	struct msg *m;
	struct dkim_sign_opts o;
	const char **doms, *why, *field;
	size_t nd;
	int trunc;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && *n < MSGS_MAX) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub,
		    de->d_name);
		if (msg_read_file(a, path, 0, &m, &trunc, &why) == -1 ||
		    dmarc_from_domains(a, m, &doms, &nd, &why) !=
		    DMARC_FROM_OK)
			continue;
		dkim_sign_opts_default(&o);
		o.domain = doms[0];
		o.selector = "bench";
		if (dkim_sign(m, &o, k, a, &field, &why) == -1)
			continue;
		items[*n].text = xmalloc(strlen(field) + m->len - m->start +
		    1);
		strcpy(items[*n].text, field);
		memcpy(items[*n].text + strlen(field), m->raw + m->start,
		    m->len - m->start);
		items[*n].len = strlen(field) + m->len - m->start;
		items[*n].text[items[*n].len] = '\0';
		items[*n].sender = xstrdup(arena_printf(a, "bounce@%s",
		    doms[0]));
		(void)dns_zone_add(z, arena_printf(a, "bench._domainkey.%s",
		    doms[0]), DNS_T_TXT, 300, rec, &why);
		(void)dns_zone_add(z, doms[0], DNS_T_TXT, 300,
		    "\"v=spf1 ip4:192.0.2.0/24 -all\"", &why);
		(void)dns_zone_add(z, arena_printf(a, "_dmarc.%s", doms[0]),
		    DNS_T_TXT, 300, "\"v=DMARC1; p=reject\"", &why);
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* The key record as quoted 200-byte strings for the zone. */
static const char *
quoted(struct arena *a, const char *rec)
{
	struct buf b = BUF_INIT;
	size_t i, len = strlen(rec);
	const char *r;

	for (i = 0; i < len; i += 200)
		buf_printf(&b, "\"%.*s\" ", (int)(len - i > 200 ? 200 :
		    len - i), rec + i);
	r = arena_strdup(a, b.p);
	buf_free(&b);
	return r;
}

int
main(int argc, char **argv)
{
	const char *dir = MXW_TESTDATA "/corpus-sample", *why;
	struct item *items = xcalloc(MSGS_MAX, sizeof(*items));
	struct arena *la = arena_new(), *a;
	struct dns_zone *z = dns_zone_new();
	struct dkim_privkey *k;
	struct dns_resolver *res;
	struct pipeline *p;
	struct conf *c;
	struct task *t;
	size_t n = 0, i, done = 0, pass = 0;
	int ch, rounds = 3, r, ed = 0, auth_only = 0;
	uint64_t t0, us;

	while ((ch = getopt(argc, argv, "aen:")) != -1) {
		if (ch == 'a')
			auth_only = 1;
		else if (ch == 'e')
			ed = 1;
		else if (ch == 'n')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (optind < argc)
		dir = argv[optind];
	if (dkim_privkey_generate(ed ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, 2048,
	    &k, &why) == -1) {
		fprintf(stderr, "key: %s\n", why);
		return 1;
	}
	load_dir(la, dir, "ham", k, z, quoted(la, dkim_privkey_record(k,
	    la)), items, &n);
	load_dir(la, dir, "spam", k, z, quoted(la, dkim_privkey_record(k,
	    la)), items, &n);
	load_dir(la, dir, "phish", k, z, quoted(la, dkim_privkey_record(k,
	    la)), items, &n);
	res = dns_zone_resolver(z);
	/*
	 * -a: the authentication pipeline alone (SPF, DKIM, ARC, DMARC,
	 * Authentication-Results, policy), without reverse DNS, HELO,
	 * content rules, phishing and attachment checks.
	 */
	c = conf_load_string(auth_only ? "milter: { authserv_id = "
	    "\"mx.bench\"; };\nrdns: { enabled = false; };\nhelo: { enabled "
	    "= false; };\nrules: { default_set = false; };\nphishing: { "
	    "enabled = false; };\nattachments: { enabled = false; };\n" :
	    "milter: { authserv_id = \"mx.bench\"; };", "bench", NULL);
	if (c == NULL || (p = pipeline_new(c, res, NULL, &why)) == NULL) {
		fprintf(stderr, "pipeline failed\n");
		return 1;
	}
	t0 = clock_mono_us();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++) {
			a = arena_new();
			t = pipeline_task(p, a);
			if (msg_parse(a, items[i].text, items[i].len, &t->msg,
			    &why) == 0) {
				t->env.client_ip = "192.0.2.10";
				t->env.helo = "mx.bench.test";
				t->env.mail_from = items[i].sender;
				if (pipeline_run(p, t, &why) == 0 &&
				    t->dmarc != NULL && t->dmarc->result ==
				    DMARC_RES_PASS)
					pass++;
				done++;
			}
			arena_free(&a);
		}
	us = clock_mono_us() - t0;
	printf("scan pipeline, %s (%s re-signed): %zu messages, %zu DMARC "
	    "pass, %.3f s, %.0f messages/s per core\n", auth_only ?
	    "authentication only" : "default configuration", ed ? "ed25519" :
	    "rsa-2048", done, pass, (double)us / 1e6,
	    (double)done * 1e6 / (double)(us > 0 ? us : 1));
	pipeline_free(&p);
	conf_free(&c);
	dns_resolver_free(&res);
	dkim_privkey_free(&k);
	for (i = 0; i < n; i++) {
		free(items[i].text);
		free(items[i].sender);
	}
	free(items);
	arena_free(&la);
	return 0;
}
