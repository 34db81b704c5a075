/*
 * The backend-independent part of the resolver: dispatch to a backend,
 * name checks (RFC 1035 2.3.4 limits), decoding of wire RDATA into typed
 * records (RFC 1035 3.3, RFC 3596, RFC 4034, RFC 6698, RFC 8659,
 * RFC 2782) and their presentation form, as zone files write them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

struct dns_resolver {
	const struct dns_backend_ops	*ops;
	void				*ctx;
};

static const struct {
	uint16_t	 type;
	const char	*name;
} dns_types[] = {
	{ DNS_T_A, "A" }, { DNS_T_NS, "NS" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_SOA, "SOA" }, { DNS_T_PTR, "PTR" }, { DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_SRV, "SRV" },
	{ DNS_T_DS, "DS" }, { DNS_T_RRSIG, "RRSIG" }, { DNS_T_NSEC, "NSEC" },
	{ DNS_T_DNSKEY, "DNSKEY" }, { DNS_T_NSEC3, "NSEC3" },
	{ DNS_T_TLSA, "TLSA" }, { DNS_T_SPF, "SPF" }, { DNS_T_CAA, "CAA" },
};
#define NTYPES (sizeof(dns_types) / sizeof(dns_types[0]))

struct dns_resolver *
dns_resolver_new(const struct dns_backend_ops *ops, void *ctx)
{
	struct dns_resolver *r = xcalloc(1, sizeof(*r));

	r->ops = ops;
	r->ctx = ctx;
	return r;
}

void
dns_resolver_free(struct dns_resolver **rp)
{
	struct dns_resolver *r = *rp;

	if (r == NULL)
		return;
	if (r->ops->free != NULL)
		r->ops->free(r->ctx);
	free(r);
	*rp = NULL;
}

/* The name without its final dot, checked; NULL and *why_r if unusable. */
static const char *
query_name(struct arena *a, const char *name, const char **why_r)
{
	size_t n = strlen(name);

	if (dns_name_check(name, why_r) == -1)
		return NULL;
	if (n > 1 && name[n - 1] == '.')
		return arena_strndup(a, name, n - 1);
	if (n == 1 && name[0] == '.')
		return "";
	return name;
}

static struct dns_answer *
answer_new(struct arena *a, const char *name, uint16_t type)
{
	struct dns_answer *ans = arena_zalloc(a, sizeof(*ans));

	ans->qname = name;
	ans->qtype = type;
	ans->canon = name;
	return ans;
}

int
dns_query(struct dns_resolver *r, const char *name, uint16_t type,
    struct arena *a, struct dns_answer **ans_r, const char **why_r)
{
	struct dns_answer *ans;
	const char *qn;

	if ((qn = query_name(a, name, why_r)) == NULL) {
		*ans_r = answer_new(a, name, type);
		(*ans_r)->rcode = DNS_R_SERVFAIL;
		return -1;
	}
	ans = answer_new(a, qn, type);
	*ans_r = ans;
	if (r->ops->query(r->ctx, qn, type, a, ans, why_r) == -1) {
		ans->rcode = DNS_R_SERVFAIL;
		return -1;
	}
	return 0;
}

int
dns_query_all(struct dns_resolver *r, struct dns_q *qs, size_t n,
    struct arena *a, const char **why_r)
{
	const char *why = NULL, *w;
	size_t i;
	int rc = 0;

	if (r->ops->query_all == NULL) {
		for (i = 0; i < n; i++)
			if (dns_query(r, qs[i].name, qs[i].type, a, &qs[i].ans,
			    &w) == -1 && rc == 0) {
				rc = -1;
				why = w;
			}
		if (rc == -1)
			*why_r = why;
		return rc;
	}
	/* Bad names get a SERVFAIL answer; the backend sees only good ones. */
	for (i = 0; i < n; i++) {
		const char *qn = query_name(a, qs[i].name, &w);

		if (qn == NULL) {
			qs[i].ans = answer_new(a, qs[i].name, qs[i].type);
			qs[i].ans->rcode = DNS_R_SERVFAIL;
			if (rc == 0)
				why = w;
			rc = -1;
			continue;
		}
		qs[i].name = qn;
		qs[i].ans = NULL;
	}
	if (rc == 0)
		return r->ops->query_all(r->ctx, qs, n, a, why_r);
	{
		/* Ask the good ones through a compacted copy. */
		struct dns_q *sub = arena_calloc(a, n, sizeof(*sub));
		size_t k = 0;

		for (i = 0; i < n; i++)
			if (qs[i].ans == NULL)
				sub[k++] = qs[i];
		if (k > 0)
			(void)r->ops->query_all(r->ctx, sub, k, a, &w);
		for (i = 0, k = 0; i < n; i++)
			if (qs[i].ans == NULL)
				qs[i].ans = sub[k++].ans;
	}
	*why_r = why;
	return -1;
}

const char *
dns_type_str(struct arena *a, uint16_t type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	return arena_printf(a, "TYPE%u", type);
}

uint16_t
dns_type_parse(const char *s)
{
	unsigned long long v;
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (str_casecmp(s, dns_types[i].name) == 0)
			return dns_types[i].type;
	if (str_has_prefix_ci(s, "TYPE") &&
	    str_to_ull(s + 4, 65535, &v) == 0 && v > 0)
		return (uint16_t)v;
	return 0;
}

const char *
dns_rcode_str(enum dns_rcode rc)
{
	switch (rc) {
	case DNS_R_NOERROR:
		return "NOERROR";
	case DNS_R_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_R_NODATA:
		return "NODATA";
	case DNS_R_SERVFAIL:
		return "SERVFAIL";
	case DNS_R_TIMEOUT:
		return "TIMEOUT";
	}
	return "SERVFAIL";
}

const char *
dns_sec_str(enum dns_sec s)
{
	switch (s) {
	case DNS_SEC_UNCHECKED:
		return "unchecked";
	case DNS_SEC_INSECURE:
		return "insecure";
	case DNS_SEC_SECURE:
		return "secure";
	case DNS_SEC_BOGUS:
		return "bogus";
	}
	return "unchecked";
}

int
dns_name_check(const char *name, const char **why_r)
{
	size_t n = strlen(name), label = 0, i;

	if (n == 1 && name[0] == '.')
		return 0;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0) {
		*why_r = "empty domain name";
		return -1;
	}
	if (n > 253) {
		*why_r = "domain name longer than 253 octets";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (label == 0) {
				*why_r = "empty label in domain name";
				return -1;
			}
			label = 0;
			continue;
		}
		if (++label > 63) {
			*why_r = "label longer than 63 octets";
			return -1;
		}
	}
	if (label == 0) {
		*why_r = "empty label in domain name";
		return -1;
	}
	return 0;
}
