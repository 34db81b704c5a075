/*
 * Fuzz target: the SPF record parser (RFC 7208 section 12 grammar), the
 * macro expander (section 7) on the same bytes, and check_host() on the
 * input served as the TXT record of fuzz.example by a small in-memory
 * backend that answers every other name with fixed records, so includes,
 * redirects, mx, ptr, exists and exp all run on hostile input.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_rec;
static size_t fuzz_len;

static int
fz_query(void *ctx, const char *name, uint16_t type, struct arena *a,
    struct dns_answer *ans, const char **why_r)
{
	struct dns_rr *rr;

	(void)ctx;
	(void)why_r;
	ans->rcode = DNS_R_NOERROR;
	ans->ttl = 60;
	if (strncmp(name, "nx.", 3) == 0) {
		ans->rcode = DNS_R_NXDOMAIN;
		return 0;
	}
	if (strncmp(name, "tmp.", 4) == 0) {
		ans->rcode = DNS_R_TIMEOUT;
		return 0;
	}
	rr = arena_zalloc(a, sizeof(*rr));
	rr->type = type;
	rr->ttl = 60;
	rr->is_decoded = 1;
	ans->rr = rr;
	ans->nrr = 1;
	switch (type) {
	case DNS_T_TXT:
		rr->u.txt.n = 1;
		rr->u.txt.s = arena_zalloc(a, sizeof(struct dns_str));
		if (strcmp(name, "fuzz.example") == 0) {
			rr->u.txt.s->p = fuzz_rec;
			rr->u.txt.s->len = fuzz_len;
		} else {
			rr->u.txt.s->p = "v=spf1 a mx ptr -all";
			rr->u.txt.s->len = 20;
		}
		break;
	case DNS_T_A:
		inet_pton(AF_INET, "192.0.2.1", &rr->u.a);
		break;
	case DNS_T_AAAA:
		inet_pton(AF_INET6, "2001:db8::1", &rr->u.aaaa);
		break;
	case DNS_T_MX:
		rr->u.mx.pref = 10;
		rr->u.mx.host = "mx.fuzz.example";
		break;
	case DNS_T_PTR:
		rr->u.name = "host.fuzz.example";
		break;
	default:
		ans->rcode = DNS_R_NODATA;
		ans->nrr = 0;
	}
	return 0;
}

static void
fz_free(void *ctx)
{
	(void)ctx;
}

static const struct dns_backend_ops fz_ops = { fz_query, NULL, fz_free };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_resolver *res;
	static struct spf_ctx *c;
	struct spf_opts o = { NULL, 0, 1 };
	struct arena *a = arena_new();
	struct spf_macro_env env;
	struct spf_record *rec;
	struct spf_query q;
	struct spf_result *r;
	const char *why;
	char *out;

	if (res == NULL) {
		res = dns_resolver_new(&fz_ops, NULL);
		c = spf_ctx_new(res, &o);
	}
	(void)spf_parse(a, (const char *)data, size, &rec, &why);
	memset(&env, 0, sizeof(env));
	env.sender = "user@fuzz.example";
	env.local = "user";
	env.sender_domain = env.domain = "fuzz.example";
	env.helo = "helo.fuzz.example";
	env.af = AF_INET6;
	(void)spf_macro_expand(a, (const char *)data, size, &env,
	    size > 0 && (data[0] & 1), &out, &why);

	fuzz_rec = (const char *)data;
	fuzz_len = size;
	memset(&q, 0, sizeof(q));
	(void)spf_query_set_ip(&q, size > 1 && (data[1] & 1) ? "192.0.2.1" :
	    "2001:db8::2");
	q.sender = "user@fuzz.example";
	q.helo = "helo.fuzz.example";
	q.flags = SPF_Q_TRACE;
	(void)spf_check(c, &q, a, &r, &why);
	(void)spf_received_spf(a, r);
	(void)spf_authres(a, r);
	arena_free(&a);
	return 0;
}
