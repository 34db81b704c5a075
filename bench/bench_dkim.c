/*
 * DKIM benchmark: re-sign every message of the sample corpus
 * (../shared/testdata/corpus-sample, listed in manifest.tsv) with a fresh
 * test RSA-2048 key (rsa-sha256, relaxed/relaxed, the default over-signed
 * header list), serve the key from a zone file, and verify them all. Old
 * DKIM-Signature fields are dropped first so each message carries one
 * signature. Reports signatures and verifications per second on one
 * thread (= per core). Usage: bench_dkim [SECONDS [SIGN_SECONDS]]: the
 * time spent in each phase (default 3; signing may be given its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "mail/msg.h"

#define CORPUS	MXW_TESTDATA "/corpus-sample"
#define MSGS_MAX	4096

struct item {
	struct arena	*a;
	struct msg	*plain;		/* without old signatures */
	struct msg	*signed_m;
};

/* The message text without DKIM-Signature fields (arena). */
static struct msg *
strip_sigs(struct arena *a, const struct msg *m)
{
	struct buf b = BUF_INIT;
	struct msg *out;
	const char *why;
	size_t i;

	for (i = 0; i < m->nhdr; i++)
		if (!msg_header_is(&m->hdr[i], "DKIM-Signature"))
			buf_add(&b, m->hdr[i].raw, m->hdr[i].raw_len);
	buf_adds(&b, "\r\n");
	buf_add(&b, m->body, m->body_len);
	if (msg_parse(a, b.p, b.len, &out, &why) == -1)
		out = NULL;
	buf_free(&b);
	return out;
}

static size_t
load_corpus(struct item *it)
{
	char line[4096], *tab;
	FILE *f = fopen(CORPUS "/manifest.tsv", "r");
	struct msg *m;
	const char *why;
	size_t n = 0;
	int trunc;

	if (f == NULL) {
		fprintf(stderr, "bench_dkim: cannot open %s\n",
		    CORPUS "/manifest.tsv");
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL && n < MSGS_MAX) {
		if (strncmp(line, "path\t", 5) == 0 ||
		    (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		it[n].a = arena_new();
		if (msg_read_file(it[n].a, arena_printf(it[n].a, "%s/%s",
		    CORPUS, line), 0, &m, &trunc, &why) == -1 ||
		    (it[n].plain = strip_sigs(it[n].a, m)) == NULL) {
			arena_free(&it[n].a);
			continue;
		}
		n++;
	}
	fclose(f);
	return n;
}

static double
now_s(void)
{
	return (double)clock_mono_us() / 1e6;
}

/*
 * CPU seconds of this thread: the per-core rate must not depend on what
 * else the machine runs (other builds share the cores).
 */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static struct item it[MSGS_MAX];
	struct dkim_sign_opts so;
	struct dkim_privkey *k;
	struct dkim_sig_result *res;
	struct dns_resolver *r;
	struct dns_zone *z;
	struct dkim_opts o;
	const char *why, *field, *rec, *zt;
	double secs = argc > 1 ? atof(argv[1]) : 3.0, t0, t, c0, ct;
	double ssecs = argc > 2 ? atof(argv[2]) : secs;
	size_t n, i, nres, rounds, done, pass = 0, bytes = 0;
	struct arena *a = arena_new(), *va;

	n = load_corpus(it);
	if (n == 0 || dkim_privkey_generate(DKIM_KEY_RSA, 2048, &k, &why) ==
	    -1) {
		fprintf(stderr, "bench_dkim: no corpus or no key\n");
		return 1;
	}
	rec = dkim_privkey_record(k, a);
	zt = arena_printf(a, "$ORIGIN bench.test.\nrsa._domainkey 3600 IN TXT"
	    " ( \"%.200s\" \"%s\" )\n", rec, strlen(rec) > 200 ? rec + 200 :
	    "");
	z = dns_zone_new();
	if (dns_zone_parse(z, zt, strlen(zt), "bench.zone", &why) == -1) {
		fprintf(stderr, "bench_dkim: zone: %s\n", why);
		return 1;
	}
	r = dns_zone_resolver(z);
	dkim_sign_opts_default(&so);
	so.domain = "bench.test";
	so.selector = "rsa";

	/* Signing: the whole corpus, as many rounds as fit in secs. */
	t0 = now_s();
	c0 = cpu_s();
	for (rounds = 0, done = 0; rounds == 0 || now_s() - t0 < ssecs;
	    rounds++)
		for (i = 0; i < n; i++, done++) {
			if (dkim_sign(it[i].plain, &so, k, it[i].a, &field,
			    &why) == -1) {
				fprintf(stderr, "bench_dkim: sign: %s\n", why);
				return 1;
			}
			if (rounds == 0) {
				struct buf sb = BUF_INIT;

				/* The text may hold NUL bytes: no %s. */
				buf_adds(&sb, field);
				buf_add(&sb, it[i].plain->raw,
				    it[i].plain->len);
				msg_parse(it[i].a, sb.p, sb.len,
				    &it[i].signed_m, &why);
				buf_free(&sb);
				bytes += it[i].plain->len;
			}
		}
	t = now_s() - t0;
	ct = cpu_s() - c0;
	printf("messages: %zu (%.1f KiB average)\n", n,
	    (double)bytes / (double)n / 1024.0);
	printf("sign:   %zu signatures, %.2f s wall, %.2f s CPU: "
	    "%.0f signatures/s per core (%.0f/s wall)\n", done, t, ct,
	    (double)done / ct, (double)done / t);

	dkim_opts_default(&o);
	t0 = now_s();
	c0 = cpu_s();
	for (rounds = 0, done = 0; rounds == 0 || now_s() - t0 < secs;
	    rounds++)
		for (i = 0; i < n; i++, done++) {
			va = arena_new();
			dkim_verify_msg(&o, it[i].signed_m, r, va, &res, &nres,
			    &why);
			if (rounds == 0 && nres == 1 &&
			    res[0].result == DKIM_PASS)
				pass++;
			else if (rounds == 0)
				fprintf(stderr, "not pass: message %zu: %s\n",
				    i, nres > 0 ? res[0].reason : "none");
			arena_free(&va);
		}
	t = now_s() - t0;
	ct = cpu_s() - c0;
	printf("verify: %zu verifications, %.2f s wall, %.2f s CPU: "
	    "%.0f verifications/s per core (%.0f/s wall); %zu of %zu pass\n",
	    done, t, ct, (double)done / ct, (double)done / t, pass, n);
	for (i = 0; i < n; i++)
		arena_free(&it[i].a);
	dkim_privkey_free(&k);
	dns_resolver_free(&r);
	dkim_key_cache_flush();
	arena_free(&a);
	return pass == n ? 0 : 1;
}
