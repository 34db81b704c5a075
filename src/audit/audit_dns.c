/*
 * DNS, DNSSEC, MX and reverse DNS checks: the domain exists (RFC 1034),
 * its name servers (RFC 2182, RFC 1912 2.2 SOA timers), DNSSEC signing
 * and validation status as the resolver reports it (RFC 4035 5, RFC 8624
 * algorithms, RFC 9276 NSEC3 parameters, RRSIG expiry RFC 4034 3.1.5),
 * parent/child NS consistency by direct questions (RFC 1034 4.2.2), MX
 * records (RFC 5321 5.1, null MX RFC 7505, no CNAME targets RFC 2181
 * 10.3), PTR and forward-confirmed reverse DNS of the MX addresses, and
 * CAA above the MX names (RFC 8659).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/str.h"

/* Batch several queries; every qs[i].ans is set afterwards. */
static void
batch(struct audit_ctx *x, struct dns_q *qs, size_t n)
{
	const char *why;
	size_t i;

	(void)dns_query_all(x->res, qs, n, x->a, &why);
	for (i = 0; i < n; i++)
		if (qs[i].ans == NULL)
			qs[i].ans = audit_q(x, qs[i].name, qs[i].type);
}

static int
is_fault(const struct dns_answer *ans)
{
	return ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_TIMEOUT;
}

static void
check_soa(struct audit_ctx *x, const struct dns_answer *soa)
{
	struct audit_finding *f;
	const struct dns_rr *rr;

	if (soa->rcode != DNS_R_NOERROR || !soa->rr[0].is_decoded) {
		audit_add(x, "dns.soa.values", AUDIT_SKIP, NULL,
		    "%s is not a zone apex (no SOA record of its own)",
		    x->domain);
		return;
	}
	rr = &soa->rr[0];
	if (rr->u.soa.refresh < 1200 || rr->u.soa.refresh > 43200 ||
	    rr->u.soa.retry >= rr->u.soa.refresh ||
	    rr->u.soa.expire < 1209600 || rr->u.soa.expire > 2419200 ||
	    rr->u.soa.minimum < 300 || rr->u.soa.minimum > 86400)
		f = audit_add(x, "dns.soa.values", AUDIT_NOT_MET, NULL,
		    "SOA timers outside RFC 1912 ranges: refresh %u, retry "
		    "%u, expire %u, minimum %u", rr->u.soa.refresh,
		    rr->u.soa.retry, rr->u.soa.expire, rr->u.soa.minimum);
	else
		f = audit_add(x, "dns.soa.values", AUDIT_PASS, NULL,
		    "SOA timers within RFC 1912 ranges");
	audit_ev_ans(x, f, soa);
}

static void
check_ns(struct audit_ctx *x, const struct dns_answer *ns)
{
	struct dns_q qs[2 * 16];
	struct audit_finding *f, *fd, *f6;
	size_t i, j, n, nets = 0, n6 = 0, bad = 0;
	uint32_t net[16];

	if (ns->rcode != DNS_R_NOERROR) {
		audit_skip(x, "not a zone apex: no NS records of its own",
		    "dns.ns.count", "dns.ns.diversity", "dns.ns.ipv6",
		    "dns.ns.allowlist", NULL);
		return;
	}
	f = audit_add(x, "dns.ns.count", ns->nrr >= 2 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "%zu name server%s", ns->nrr,
	    ns->nrr == 1 ? "" : "s");
	audit_ev_ans(x, f, ns);
	n = ns->nrr < 16 ? ns->nrr : 16;
	for (i = 0; i < n; i++) {
		qs[2 * i].name = ns->rr[i].u.name;
		qs[2 * i].type = DNS_T_A;
		qs[2 * i + 1].name = ns->rr[i].u.name;
		qs[2 * i + 1].type = DNS_T_AAAA;
		qs[2 * i].ans = qs[2 * i + 1].ans = NULL;
	}
	batch(x, qs, 2 * n);
	fd = audit_add(x, "dns.ns.diversity", AUDIT_PASS, NULL, "-");
	for (i = 0; i < n; i++) {
		const struct dns_answer *a4 = qs[2 * i].ans;

		audit_ev_ans(x, fd, a4);
		for (j = 0; a4->rcode == DNS_R_NOERROR && j < a4->nrr; j++) {
			uint32_t v = ntohl(a4->rr[j].u.a.s_addr) >> 8;
			size_t k;

			for (k = 0; k < nets && net[k] != v; k++)
				;
			if (k == nets && nets < 16)
				net[nets++] = v;
		}
		if (qs[2 * i + 1].ans->rcode == DNS_R_NOERROR)
			n6++;
	}
	if (nets >= 2)
		audit_add(x, "dns.ns.diversity", AUDIT_PASS, NULL,
		    "name servers in %zu /24 networks", nets);
	else
		audit_add(x, "dns.ns.diversity", AUDIT_NOT_MET, NULL,
		    "all IPv4 name server addresses in %zu /24 network", nets);
	f6 = audit_add(x, "dns.ns.ipv6", n6 >= 2 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "%zu of %zu name servers have AAAA "
	    "records (reachability over IPv6 is not probed)", n6, n);
	for (i = 0; i < n; i++)
		audit_ev_ans(x, f6, qs[2 * i + 1].ans);
	if (x->o->nns_allow == 0) {
		audit_add(x, "dns.ns.allowlist", AUDIT_SKIP, NULL,
		    "no check.ns_allow list configured");
		return;
	}
	f = audit_add(x, "dns.ns.allowlist", AUDIT_PASS, NULL,
	    "every name server is in check.ns_allow");
	for (i = 0; i < ns->nrr; i++) {
		for (j = 0; j < x->o->nns_allow; j++)
			if (audit_name_match(x->o->ns_allow[j],
			    ns->rr[i].u.name))
				break;
		if (j == x->o->nns_allow) {
			bad++;
			audit_ev(x, f, "not allowed: %s", ns->rr[i].u.name);
		}
	}
	if (bad > 0)
		audit_add(x, "dns.ns.allowlist", AUDIT_NOT_MET, NULL,
		    "%zu name server%s not in check.ns_allow", bad,
		    bad == 1 ? "" : "s");
}

/* A policy name that holds a CNAME and other data (RFC 1034 3.6.2). */
static void
check_cname_conflict(struct audit_ctx *x)
{
	static const char *const pfx[] = {
		"", "_dmarc.", "_mta-sts.", "_smtp._tls.", "default._bimi.",
		"_domainkey."
	};
	struct dns_q qs[12];
	struct audit_finding *f;
	size_t i, n = sizeof(pfx) / sizeof(pfx[0]), bad = 0;

	for (i = 0; i < n; i++) {
		qs[2 * i].name = arena_printf(x->a, "%s%s", pfx[i],
		    x->domain);
		qs[2 * i].type = DNS_T_CNAME;
		qs[2 * i + 1].name = qs[2 * i].name;
		qs[2 * i + 1].type = i == 0 ? DNS_T_SOA : DNS_T_TXT;
		qs[2 * i].ans = qs[2 * i + 1].ans = NULL;
	}
	batch(x, qs, 2 * n);
	f = audit_add(x, "dns.txt.cname_conflict", AUDIT_PASS, NULL,
	    "no policy name holds a CNAME beside other data");
	for (i = 0; i < n; i++) {
		const struct dns_answer *c = qs[2 * i].ans,
		    *o = qs[2 * i + 1].ans;

		if (c->rcode != DNS_R_NOERROR || o->rcode != DNS_R_NOERROR ||
		    o->ncname > 0)
			continue;
		bad++;
		audit_ev_ans(x, f, c);
		audit_ev_ans(x, f, o);
	}
	if (bad > 0)
		audit_add(x, "dns.txt.cname_conflict", AUDIT_NOT_MET, NULL,
		    "%zu name%s hold a CNAME and other records", bad,
		    bad == 1 ? "" : "s");
}

#define NSC_MAX		8	/* servers asked per side */
#define NSC_TIMEOUT_MS	3000

/* The server to ask for NS host h: --ns-addr, else its first A. */
static const char *
ns_server(struct audit_ctx *x, const char *h)
{
	const struct dns_answer *a4;
	char ip[INET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < x->o->nns_map; i++)
		if (str_casecmp(x->o->ns_map[i].host, h) == 0)
			return x->o->ns_map[i].server;
	a4 = audit_q(x, h, DNS_T_A);
	if (a4->rcode != DNS_R_NOERROR || !a4->rr[0].is_decoded)
		return NULL;
	return arena_strdup(x->a, inet_ntop(AF_INET, &a4->rr[0].u.a, ip,
	    sizeof(ip)));
}

static int
set_has(const char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_casecmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The parent's delegation: the NS set a server of the parent zone gives
 * for the domain (a referral, or its own authoritative NS if it also
 * serves the child). Returns the count in *v_r, or -1 if none answered.
 */
static int
ns_parent(struct audit_ctx *x, struct audit_finding *f, const char ***v_r,
    size_t *n_r)
{
	const char *p = strchr(x->domain, '.'), *srv, *why;
	const struct dns_answer *pns = NULL;
	struct dns_reply *r;
	size_t i, j;

	for (; p != NULL; p = strchr(p + 1, '.')) {
		pns = audit_q(x, p + 1, DNS_T_NS);
		if (pns->rcode == DNS_R_NOERROR)
			break;
	}
	if (p == NULL || pns == NULL)
		return -1;
	audit_ev(x, f, "parent zone %s", p + 1);
	for (i = 0; i < pns->nrr && i < NSC_MAX; i++) {
		if ((srv = ns_server(x, pns->rr[i].u.name)) == NULL)
			continue;
		if (dns_ask_server(srv, x->domain, DNS_T_NS, NSC_TIMEOUT_MS,
		    x->a, &r, &why) == -1 || (r->rcode != DNS_R_NOERROR &&
		    r->rcode != DNS_R_NODATA))
			continue;
		*v_r = arena_calloc(x->a, NSC_MAX, sizeof(**v_r));
		*n_r = 0;
		for (j = 0; j < r->nan && *n_r < NSC_MAX; j++)
			if (r->an[j].is_decoded)
				(*v_r)[(*n_r)++] = r->an[j].u.name;
		for (j = 0; r->nan == 0 && j < r->nauth_ns && *n_r < NSC_MAX;
		    j++)
			(*v_r)[(*n_r)++] = r->auth_ns[j];
		audit_ev(x, f, "parent server %s (%s): %zu NS",
		    pns->rr[i].u.name, srv, *n_r);
		return 0;
	}
	return -1;
}

/*
 * dns.ns.consistency: the parent's delegation equals the child's NS set,
 * and every name server in either answers authoritatively for the
 * domain (RFC 1034 4.2.2; RFC 2181 6.1).
 */
static void
check_ns_consistency(struct audit_ctx *x, const struct dns_answer *ns)
{
	struct audit_finding *f;
	const char **pv = NULL, *all[2 * NSC_MAX], *srv, *why;
	size_t np = 0, nall = 0, i, diff = 0, lame = 0, errs = 0;
	struct dns_reply *r;

	if (x->o->no_direct_dns || ns->rcode != DNS_R_NOERROR) {
		audit_add(x, "dns.ns.consistency", AUDIT_SKIP, NULL,
		    x->o->no_direct_dns ? "the resolver answers from zone "
		    "files: no name servers to ask" : "not a zone apex");
		return;
	}
	f = audit_add(x, "dns.ns.consistency", AUDIT_PASS, NULL, "-");
	if (ns_parent(x, f, &pv, &np) == -1) {
		audit_add(x, "dns.ns.consistency", AUDIT_ERROR, NULL,
		    "no server of the parent zone answered for %s",
		    x->domain);
		return;
	}
	for (i = 0; i < np; i++)
		all[nall++] = pv[i];
	for (i = 0; i < np; i++) {
		size_t j;

		for (j = 0; j < ns->nrr; j++)
			if (str_casecmp(ns->rr[j].u.name, pv[i]) == 0)
				break;
		if (j == ns->nrr) {
			diff++;
			audit_ev(x, f, "only at the parent: %s", pv[i]);
		}
	}
	for (i = 0; i < ns->nrr && i < NSC_MAX; i++) {
		if (set_has(pv, np, ns->rr[i].u.name))
			continue;
		diff++;
		audit_ev(x, f, "only in the zone: %s", ns->rr[i].u.name);
		all[nall++] = ns->rr[i].u.name;
	}
	for (i = 0; i < nall; i++) {
		if ((srv = ns_server(x, all[i])) == NULL) {
			lame++;
			audit_ev(x, f, "%s: no address", all[i]);
			continue;
		}
		if (dns_ask_server(srv, x->domain, DNS_T_SOA, NSC_TIMEOUT_MS,
		    x->a, &r, &why) == -1 || r->rcode == DNS_R_TIMEOUT) {
			errs++;
			audit_ev(x, f, "%s (%s): no answer", all[i], srv);
		} else if (!r->is_aa || r->rcode != DNS_R_NOERROR) {
			lame++;
			audit_ev(x, f, "%s (%s): not authoritative (%s%s)",
			    all[i], srv, dns_rcode_str(r->rcode),
			    r->is_aa ? ", aa" : "");
		} else
			audit_ev(x, f, "%s (%s): authoritative", all[i], srv);
	}
	if (diff > 0 || lame > 0)
		audit_add(x, "dns.ns.consistency", AUDIT_NOT_MET, NULL,
		    "%zu NS differ%s between parent and zone; %zu of %zu "
		    "servers not authoritative", diff, diff == 1 ? "s" : "",
		    lame, nall);
	else if (errs > 0)
		audit_add(x, "dns.ns.consistency", AUDIT_ERROR, NULL,
		    "%zu of %zu name servers did not answer", errs, nall);
	else
		audit_add(x, "dns.ns.consistency", AUDIT_PASS, NULL,
		    "parent and zone list the same %zu NS; all answer "
		    "authoritatively", nall);
}

void
audit_dns(struct audit_ctx *x)
{
	struct dns_q qs[2] = {
		{ x->domain, DNS_T_SOA, NULL }, { x->domain, DNS_T_NS, NULL }
	};
	struct audit_finding *f;
	const struct dns_answer *soa, *ns;

	batch(x, qs, 2);
	soa = qs[0].ans;
	ns = qs[1].ans;
	if (soa->rcode == DNS_R_NXDOMAIN) {
		f = audit_add(x, "dns.domain.exists", AUDIT_NOT_MET,
		    "Check the spelling, or register the domain.",
		    "%s does not exist (NXDOMAIN)", x->domain);
		audit_ev_ans(x, f, soa);
		return;
	}
	if (is_fault(soa)) {
		if (soa->sec == DNS_SEC_BOGUS) {
			f = audit_add(x, "dnssec.domain.valid", AUDIT_NOT_MET,
			    NULL, "DNSSEC validation of %s fails: %s",
			    x->domain, soa->why_bogus != NULL ?
			    soa->why_bogus : "bogus");
			audit_ev_ans(x, f, soa);
		}
		f = audit_add(x, "dns.domain.exists", AUDIT_ERROR, NULL,
		    "could not resolve %s: %s", x->domain,
		    dns_rcode_str(soa->rcode));
		audit_ev_ans(x, f, soa);
		return;
	}
	x->exists = 1;
	f = audit_add(x, "dns.domain.exists", AUDIT_PASS, NULL,
	    "%s exists", x->domain);
	audit_ev_ans(x, f, soa);
	check_soa(x, soa);
	check_ns(x, ns);
	check_ns_consistency(x, ns);
	check_cname_conflict(x);
}

/*
 * MX
 */

static int
mx_cmp(const void *pa, const void *pb)
{
	const struct audit_mx *a = pa, *b = pb;

	return (int)a->pref - (int)b->pref;
}

static void
take_addrs(struct audit_mx *m, const struct dns_answer *ans)
{
	size_t i;

	for (i = 0; ans->rcode == DNS_R_NOERROR && i < ans->nrr; i++) {
		struct audit_addr *ad = &m->addr[m->naddr];

		if (m->naddr >= AUDIT_ADDR_MAX || !ans->rr[i].is_decoded)
			break;
		if (ans->rr[i].type == DNS_T_A) {
			ad->af = AF_INET;
			memcpy(ad->ip, &ans->rr[i].u.a, 4);
		} else if (ans->rr[i].type == DNS_T_AAAA) {
			ad->af = AF_INET6;
			memcpy(ad->ip, &ans->rr[i].u.aaaa, 16);
		} else
			continue;
		inet_ntop(ad->af, ad->ip, ad->str, sizeof(ad->str));
		m->naddr++;
	}
}

/* Fill x->mx from the MX answer (or the implicit MX); 0 if none. */
static size_t
load_mx(struct audit_ctx *x, const struct dns_answer *ans, int *has_null)
{
	size_t i, n = 0, max = x->o->max_mx > 0 ? x->o->max_mx : AUDIT_MX_MAX;

	*has_null = 0;
	x->mx = arena_calloc(x->a, ans->nrr + 1, sizeof(*x->mx));
	for (i = 0; i < ans->nrr; i++) {
		if (!ans->rr[i].is_decoded)
			continue;
		if (ans->rr[i].u.mx.host[0] == '\0') {
			*has_null = 1;
			continue;
		}
		x->mx[n].host = str_lower(arena_strdup(x->a,
		    ans->rr[i].u.mx.host));
		x->mx[n].pref = ans->rr[i].u.mx.pref;
		n++;
	}
	qsort(x->mx, n, sizeof(*x->mx), mx_cmp);
	x->nmx = n < max ? n : max;
	return n;
}

static void
resolve_mx(struct audit_ctx *x)
{
	struct dns_q *qs = arena_calloc(x->a, 3 * x->nmx + 1, sizeof(*qs));
	struct in6_addr tmp;
	size_t i;

	for (i = 0; i < x->nmx; i++) {
		struct audit_mx *m = &x->mx[i];

		m->is_literal = inet_pton(AF_INET, m->host, &tmp) == 1 ||
		    inet_pton(AF_INET6, m->host, &tmp) == 1 ||
		    m->host[0] == '[';
		qs[3 * i].name = m->host;
		qs[3 * i].type = DNS_T_A;
		qs[3 * i + 1].name = m->host;
		qs[3 * i + 1].type = DNS_T_AAAA;
		qs[3 * i + 2].name = arena_printf(x->a, "_25._tcp.%s",
		    m->host);
		qs[3 * i + 2].type = DNS_T_TLSA;
	}
	batch(x, qs, 3 * x->nmx);
	for (i = 0; i < x->nmx; i++) {
		struct audit_mx *m = &x->mx[i];

		m->rc4 = qs[3 * i].ans->rcode;
		m->rc6 = qs[3 * i + 1].ans->rcode;
		m->sec = qs[3 * i].ans->sec;
		m->is_alias = qs[3 * i].ans->ncname > 0 ||
		    qs[3 * i + 1].ans->ncname > 0;
		take_addrs(m, qs[3 * i].ans);
		take_addrs(m, qs[3 * i + 1].ans);
		m->tlsa = qs[3 * i + 2].ans;
		if (m->tlsa->rcode == DNS_R_NOERROR)
			x->has_dane = 1;
	}
}

static void
mx_targets(struct audit_ctx *x, const struct dns_answer *mxa)
{
	struct audit_finding *fl, *fa, *fr, *fp, *fd, *f6;
	size_t i, j, bad_res = 0, priv = 0, dup = 0, alias = 0, lit = 0;
	size_t naddr = 0, no6 = 0;

	fl = audit_add(x, "mx.target.hostname", AUDIT_PASS, NULL,
	    "every MX target is a host name");
	fa = audit_add(x, "mx.target.not_alias", AUDIT_PASS, NULL,
	    "no MX target is a CNAME");
	fr = audit_add(x, "mx.target.resolves", AUDIT_PASS, NULL,
	    "every MX target has addresses");
	fp = audit_add(x, "mx.target.public", AUDIT_PASS, NULL,
	    "every MX address is public");
	fd = audit_add(x, "mx.duplicates", AUDIT_PASS, NULL,
	    "no MX host listed twice");
	f6 = audit_add(x, "mx.ipv6.address", AUDIT_PASS, NULL,
	    "every MX host has an IPv6 address");
	audit_ev_ans(x, fd, mxa);
	for (i = 0; i < x->nmx; i++) {
		struct audit_mx *m = &x->mx[i];

		for (j = 0; j < i; j++)
			if (strcmp(x->mx[j].host, m->host) == 0) {
				dup++;
				audit_ev(x, fd, "listed twice: %s", m->host);
			}
		if (m->is_literal) {
			lit++;
			audit_ev(x, fl, "IP literal: %s", m->host);
		}
		if (m->is_alias) {
			alias++;
			audit_ev(x, fa, "%s is an alias (CNAME)", m->host);
		}
		if (m->naddr == 0) {
			bad_res++;
			audit_ev(x, fr, "%s: A %s, AAAA %s%s", m->host,
			    dns_rcode_str(m->rc4), dns_rcode_str(m->rc6),
			    str_has_suffix_ci(m->host, ".msv1.invalid") ?
			    " (an Office 365 placeholder: use the MX shown "
			    "in the Microsoft 365 admin center)" : "");
		}
		naddr += m->naddr;
		for (j = 0; j < m->naddr; j++) {
			audit_ev(x, fr, "%s %s", m->host, m->addr[j].str);
			if (audit_addr_is_special(&m->addr[j])) {
				priv++;
				audit_ev(x, fp, "%s %s is not public",
				    m->host, m->addr[j].str);
			}
		}
		for (j = 0; j < m->naddr && m->addr[j].af != AF_INET6; j++)
			;
		if (j == m->naddr) {
			no6++;
			audit_ev(x, f6, "%s: no AAAA (%s)", m->host,
			    dns_rcode_str(m->rc6));
		}
	}
	if (lit > 0)
		audit_add(x, "mx.target.hostname", AUDIT_NOT_MET, NULL,
		    "%zu MX target%s an IP address", lit,
		    lit == 1 ? " is" : "s are");
	if (alias > 0)
		audit_add(x, "mx.target.not_alias", AUDIT_NOT_MET, NULL,
		    "%zu MX target%s a CNAME", alias,
		    alias == 1 ? " is" : "s are");
	if (bad_res > 0)
		audit_add(x, "mx.target.resolves", bad_res == x->nmx ?
		    AUDIT_FAIL : AUDIT_WARN, NULL, "%zu of %zu MX targets "
		    "have no address", bad_res, x->nmx);
	if (priv > 0)
		audit_add(x, "mx.target.public", AUDIT_NOT_MET, NULL,
		    "%zu MX address%s private, loopback or reserved", priv,
		    priv == 1 ? " is" : "es are");
	if (dup > 0)
		audit_add(x, "mx.duplicates", AUDIT_NOT_MET, NULL,
		    "%zu MX host%s listed twice", dup, dup == 1 ? "" : "s");
	if (no6 > 0)
		audit_add(x, "mx.ipv6.address", AUDIT_NOT_MET, NULL,
		    "%zu of %zu MX hosts have no IPv6 address", no6, x->nmx);
	audit_add(x, "mx.redundancy", x->nmx >= 2 || naddr >= 2 ?
	    AUDIT_PASS : AUDIT_NOT_MET, NULL, "%zu MX host%s, %zu "
	    "address%s", x->nmx, x->nmx == 1 ? "" : "s", naddr,
	    naddr == 1 ? "" : "es");
}

static void
mx_allowlist(struct audit_ctx *x)
{
	struct audit_finding *f;
	size_t i, j, bad = 0;

	if (x->o->nmx_allow == 0) {
		audit_add(x, "mx.allowlist", AUDIT_SKIP, NULL,
		    "no check.mx_allow list configured");
		return;
	}
	f = audit_add(x, "mx.allowlist", AUDIT_PASS, NULL,
	    "every MX host is in check.mx_allow");
	for (i = 0; i < x->nmx; i++) {
		for (j = 0; j < x->o->nmx_allow; j++)
			if (audit_name_match(x->o->mx_allow[j],
			    x->mx[i].host))
				break;
		if (j == x->o->nmx_allow) {
			bad++;
			audit_ev(x, f, "not allowed: %s", x->mx[i].host);
		}
	}
	if (bad > 0)
		audit_add(x, "mx.allowlist", AUDIT_NOT_MET, NULL,
		    "%zu MX host%s not in check.mx_allow", bad,
		    bad == 1 ? "" : "s");
}

static void
no_mx(struct audit_ctx *x, struct dns_answer *mxa)
{
	struct dns_q qs[2] = {
		{ x->domain, DNS_T_A, NULL }, { x->domain, DNS_T_AAAA, NULL }
	};
	struct audit_finding *f;

	batch(x, qs, 2);
	if (qs[0].ans->rcode == DNS_R_NOERROR ||
	    qs[1].ans->rcode == DNS_R_NOERROR) {
		f = audit_add(x, "mx.present", AUDIT_NOT_MET, NULL,
		    "no MX record: mail goes to the domain's own address "
		    "(implicit MX, RFC 5321 5.1)");
		audit_ev_ans(x, f, qs[0].ans);
		audit_ev_ans(x, f, qs[1].ans);
		/* Probe the implicit MX like a real one. */
		x->mx = arena_calloc(x->a, 1, sizeof(*x->mx));
		x->mx[0].host = x->domain;
		x->nmx = 1;
		resolve_mx(x);
	} else {
		f = audit_add(x, "mx.present", AUDIT_INFO,
		    "Publish a null MX (\"0 .\") to say the domain receives "
		    "no mail.", "no MX record and no address: the domain "
		    "cannot receive mail");
	}
	audit_ev_ans(x, f, mxa);
}

void
audit_mx_checks(struct audit_ctx *x)
{
	struct dns_answer *mxa = audit_q(x, x->domain, DNS_T_MX);
	struct audit_finding *f;
	size_t i, n;
	int has_null = 0;

	if (is_fault(mxa)) {
		f = audit_add(x, "mx.present", AUDIT_ERROR, NULL,
		    "MX lookup failed: %s", dns_rcode_str(mxa->rcode));
		audit_ev_ans(x, f, mxa);
		return;
	}
	n = mxa->rcode == DNS_R_NOERROR ? load_mx(x, mxa, &has_null) : 0;
	x->rep->mx = arena_calloc(x->a, mxa->nrr + 1, sizeof(char *));
	for (i = 0; mxa->rcode == DNS_R_NOERROR && i < mxa->nrr; i++)
		x->rep->mx[x->rep->nmx++] = dns_rr_str(x->a, &mxa->rr[i]);
	if (mxa->rcode != DNS_R_NOERROR || (n == 0 && !has_null)) {
		no_mx(x, mxa);
		if (x->nmx > 0) {
			mx_targets(x, mxa);
			mx_allowlist(x);
		}
		return;
	}
	if (has_null) {
		f = audit_add(x, "mx.null.exclusive", n == 0 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, n == 0 ? "the null MX stands alone" :
		    "a null MX is mixed with %zu other MX record%s", n,
		    n == 1 ? "" : "s");
		audit_ev_ans(x, f, mxa);
		if (n == 0) {
			x->is_null_mx = 1;
			f = audit_add(x, "mx.present", AUDIT_PASS, NULL,
			    "null MX: the domain receives no mail "
			    "(RFC 7505)");
			audit_ev_ans(x, f, mxa);
			return;
		}
	} else
		audit_add(x, "mx.null.exclusive", AUDIT_SKIP, NULL,
		    "no null MX");
	f = audit_add(x, "mx.present", AUDIT_PASS, NULL, "%zu MX host%s%s",
	    n, n == 1 ? "" : "s", n > x->nmx ? " (only the first ones "
	    "are probed)" : "");
	audit_ev_ans(x, f, mxa);
	resolve_mx(x);
	mx_targets(x, mxa);
	mx_allowlist(x);
}

/*
 * DNSSEC
 */

static void
dnssec_algorithms(struct audit_ctx *x, const struct dns_answer *key,
    const struct dns_answer *ds)
{
	struct audit_finding *f;
	size_t i, bad = 0, ds2 = 0;

	f = audit_add(x, "dnssec.algorithms", AUDIT_PASS, NULL,
	    "DNSKEY and DS algorithms are current");
	audit_ev_ans(x, f, key);
	audit_ev_ans(x, f, ds);
	for (i = 0; key->rcode == DNS_R_NOERROR && i < key->nrr; i++) {
		uint8_t alg = key->rr[i].u.dnskey.alg;

		if (alg == 1 || alg == 3 || alg == 5 || alg == 6 ||
		    alg == 7 || alg == 12)
			bad++;
	}
	for (i = 0; ds->rcode == DNS_R_NOERROR && i < ds->nrr; i++)
		if (ds->rr[i].u.ds.dtype != 1)
			ds2++;
	if (bad > 0)
		audit_add(x, "dnssec.algorithms", AUDIT_NOT_MET, NULL,
		    "%zu DNSKEY%s a deprecated algorithm (RSA/MD5, DSA, "
		    "RSA/SHA-1 or GOST)", bad, bad == 1 ? " uses" : "s use");
	else if (ds->rcode == DNS_R_NOERROR && ds2 == 0)
		audit_add(x, "dnssec.algorithms", AUDIT_NOT_MET, NULL,
		    "every DS record uses SHA-1 digests");
}

static void
dnssec_nsec3(struct audit_ctx *x, const struct dns_answer *p)
{
	struct audit_finding *f;
	const uint8_t *d;
	unsigned iter, salt;

	if (p->rcode != DNS_R_NOERROR || p->rr[0].rdlen < 5) {
		f = audit_add(x, "dnssec.nsec3.params", AUDIT_PASS, NULL,
		    "no NSEC3PARAM (NSEC or no extra work)");
		audit_ev_ans(x, f, p);
		return;
	}
	d = p->rr[0].rdata;
	iter = (unsigned)d[2] << 8 | d[3];
	salt = d[4];
	f = audit_add(x, "dnssec.nsec3.params", iter == 0 && salt == 0 ?
	    AUDIT_PASS : AUDIT_NOT_MET, NULL, "NSEC3 iterations %u, salt "
	    "%u bytes", iter, salt);
	audit_ev_ans(x, f, p);
}

/*
 * Signatures close to expiry (RFC 4035 5.3.1: an expired RRSIG makes its
 * RRset bogus). We ask type RRSIG at the apex (SOA, MX, TXT, DNSKEY and
 * the rest share that owner), at _dmarc and at every MX host; libunbound
 * answers that qtype from the authoritative servers without validating
 * it, which is what we want here: the dates, not the signatures. Times
 * are RFC 1982 serial numbers, so the distance is taken modulo 2^32.
 */
static void
dnssec_expiry(struct audit_ctx *x)
{
	struct dns_q qs[2 + AUDIT_MX_MAX];
	struct audit_finding *f;
	uint32_t now = (uint32_t)clock_now();
	int32_t left, least = INT32_MAX;
	size_t i, j, n = 0, seen = 0, soon = 0;
	const char *least_at = NULL;

	qs[n++] = (struct dns_q){ x->domain, DNS_T_RRSIG, NULL };
	qs[n++] = (struct dns_q){ arena_printf(x->a, "_dmarc.%s",
	    x->domain), DNS_T_RRSIG, NULL };
	for (i = 0; i < x->nmx && n < sizeof(qs) / sizeof(qs[0]); i++)
		if (x->mx[i].host[0] != '\0' && !x->mx[i].is_literal)
			qs[n++] = (struct dns_q){ x->mx[i].host, DNS_T_RRSIG,
			    NULL };
	batch(x, qs, n);
	f = audit_add(x, "dnssec.rrsig.expiry", AUDIT_PASS, NULL, "-");
	for (i = 0; i < n; i++) {
		const struct dns_answer *ans = qs[i].ans;

		for (j = 0; ans->rcode == DNS_R_NOERROR && j < ans->nrr; j++) {
			const struct dns_rr *rr = &ans->rr[j];

			if (!rr->is_decoded)
				continue;
			seen++;
			left = (int32_t)(rr->u.rrsig.expiration - now);
			if (left < least) {
				least = left;
				least_at = arena_printf(x->a, "%s %s",
				    qs[i].name, dns_type_str(x->a,
				    rr->u.rrsig.covered));
			}
			if (left < AUDIT_RRSIG_MIN_S) {
				soon++;
				audit_ev(x, f, "%s RRSIG %s", qs[i].name,
				    dns_rr_str(x->a, rr));
			}
		}
	}
	if (seen == 0)
		audit_add(x, "dnssec.rrsig.expiry", AUDIT_SKIP, NULL,
		    "no RRSIG records seen (the resolver returned none)");
	else if (soon > 0)
		audit_add(x, "dnssec.rrsig.expiry", AUDIT_NOT_MET, NULL,
		    "%zu of %zu signatures expire within %d hours; the "
		    "first (%s) %s %d hours", soon, seen,
		    AUDIT_RRSIG_MIN_S / 3600, least_at, least < 0 ?
		    "expired" : "expires in", (least < 0 ? -least : least) /
		    3600);
	else
		audit_add(x, "dnssec.rrsig.expiry", AUDIT_PASS, NULL,
		    "%zu signatures, the first to expire (%s) in %d days",
		    seen, least_at, least / 86400);
}

void
audit_dnssec(struct audit_ctx *x)
{
	struct dns_q qs[6] = {
		{ x->domain, DNS_T_DS, NULL },
		{ x->domain, DNS_T_DNSKEY, NULL },
		{ x->domain, DNS_T_SOA, NULL },
		{ x->domain, DNS_T_MX, NULL },
		{ arena_printf(x->a, "_dmarc.%s", x->domain), DNS_T_TXT,
		    NULL },
		{ x->domain, 51, NULL },	/* NSEC3PARAM */
	};
	struct audit_finding *f, *fv, *fs;
	size_t i, bogus = 0, secure = 0, msec = 0, mbog = 0;
	int is_signed;

	batch(x, qs, 6);
	is_signed = qs[0].ans->rcode == DNS_R_NOERROR &&
	    qs[1].ans->rcode == DNS_R_NOERROR;
	f = audit_add(x, "dnssec.domain.signed", is_signed ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, is_signed ? "DS at the parent and DNSKEY "
	    "at the apex" : "not signed: %s DS, %s DNSKEY",
	    dns_rcode_str(qs[0].ans->rcode),
	    dns_rcode_str(qs[1].ans->rcode));
	audit_ev_ans(x, f, qs[0].ans);
	if (!x->o->is_validating) {
		audit_skip(x, "the resolver does not validate DNSSEC (zone "
		    "files); use a validating resolver", "dnssec.domain.valid",
		    "dnssec.mx.valid", "dnssec.mx.signed", NULL);
	} else {
		fv = audit_add(x, "dnssec.domain.valid", AUDIT_PASS, NULL,
		    "-");
		for (i = 2; i < 5; i++) {
			enum dns_sec s = qs[i].ans->sec;

			audit_ev(x, fv, "%s %s: %s", qs[i].name,
			    dns_type_str(x->a, qs[i].type), dns_sec_str(s));
			bogus += s == DNS_SEC_BOGUS;
			secure += s == DNS_SEC_SECURE;
		}
		if (bogus > 0)
			audit_add(x, "dnssec.domain.valid", AUDIT_NOT_MET,
			    NULL, "%zu answer%s failed DNSSEC validation "
			    "(bogus)", bogus, bogus == 1 ? "" : "s");
		else if (secure == 3)
			audit_add(x, "dnssec.domain.valid", AUDIT_PASS, NULL,
			    "SOA, MX and _dmarc answers validate (secure)");
		else if (is_signed)
			audit_add(x, "dnssec.domain.valid", AUDIT_NOT_MET,
			    NULL, "DS is published but answers are not "
			    "secure");
		else
			audit_add(x, "dnssec.domain.valid", AUDIT_SKIP, NULL,
			    "the domain is not signed (insecure)");
		fs = audit_add(x, "dnssec.mx.signed", AUDIT_PASS, NULL, "-");
		fv = audit_add(x, "dnssec.mx.valid", AUDIT_PASS, NULL, "-");
		for (i = 0; i < x->nmx; i++) {
			audit_ev(x, fs, "%s: %s", x->mx[i].host,
			    dns_sec_str(x->mx[i].sec));
			msec += x->mx[i].sec == DNS_SEC_SECURE;
			mbog += x->mx[i].sec == DNS_SEC_BOGUS;
		}
		if (x->nmx == 0) {
			audit_add(x, "dnssec.mx.signed", AUDIT_SKIP, NULL,
			    "no MX hosts");
			audit_add(x, "dnssec.mx.valid", AUDIT_SKIP, NULL,
			    "no MX hosts");
		} else {
			audit_add(x, "dnssec.mx.signed", msec + mbog == x->nmx ?
			    AUDIT_PASS : AUDIT_NOT_MET, NULL, "%zu of %zu MX "
			    "host names are signed", msec + mbog, x->nmx);
			audit_add(x, "dnssec.mx.valid", mbog == 0 ? AUDIT_PASS :
			    AUDIT_NOT_MET, NULL, mbog == 0 ? "no MX host "
			    "name fails validation" : "%zu MX host name%s "
			    "bogus", mbog, mbog == 1 ? " is" : "s are");
			(void)fv;
		}
	}
	if (is_signed) {
		dnssec_algorithms(x, qs[1].ans, qs[0].ans);
		dnssec_nsec3(x, qs[5].ans);
	} else
		audit_skip(x, "the domain is not signed", "dnssec.algorithms",
		    "dnssec.nsec3.params", NULL);
	if (is_signed)
		dnssec_expiry(x);
	else
		audit_add(x, "dnssec.rrsig.expiry", AUDIT_SKIP, NULL,
		    "the domain is not signed");
}

/*
 * Reverse DNS
 */

/* Does answer ans (A or AAAA) hold address ad? */
static int
ans_has(const struct dns_answer *ans, const struct audit_addr *ad)
{
	size_t i;

	for (i = 0; ans->rcode == DNS_R_NOERROR && i < ans->nrr; i++)
		if ((ans->rr[i].type == DNS_T_A && ad->af == AF_INET &&
		    memcmp(&ans->rr[i].u.a, ad->ip, 4) == 0) ||
		    (ans->rr[i].type == DNS_T_AAAA && ad->af == AF_INET6 &&
		    memcmp(&ans->rr[i].u.aaaa, ad->ip, 16) == 0))
			return 1;
	return 0;
}

/* The validated PTR name of ad, or NULL; *ptr_r gets the answer. */
static const char *
fcrdns(struct audit_ctx *x, const struct audit_addr *ad,
    struct dns_answer **ptr_r, struct dns_answer **fwd_r)
{
	struct dns_answer *p, *fwd;
	size_t i;

	*fwd_r = NULL;
	p = audit_q(x, dns_ptr_name(x->a, ad->af, ad->ip), DNS_T_PTR);
	*ptr_r = p;
	for (i = 0; p->rcode == DNS_R_NOERROR && i < p->nrr && i < 4; i++) {
		fwd = audit_q(x, p->rr[i].u.name, ad->af == AF_INET ?
		    DNS_T_A : DNS_T_AAAA);
		*fwd_r = fwd;
		if (ans_has(fwd, ad))
			return p->rr[i].u.name;
	}
	return NULL;
}

/* Generic names of dynamic pools ("1-2-3-4.dsl.example.net"). */
static int
is_generic(const char *name, const struct audit_addr *ad)
{
	static const char *const words[] = {
		"dynamic", "dyn.", "dhcp", "pool", "dsl", "cable", "ppp",
		"dialup", "client", "broadband"
	};
	char dash[20];
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(name, words[i]) != NULL)
			return 1;
	if (ad->af == AF_INET) {
		snprintf(dash, sizeof(dash), "%u-%u-%u-%u", ad->ip[0],
		    ad->ip[1], ad->ip[2], ad->ip[3]);
		if (strstr(name, dash) != NULL)
			return 1;
	}
	return 0;
}

static void
rdns_sender(struct audit_ctx *x)
{
	struct audit_finding *f;
	struct dns_answer *p, *fw;
	struct audit_addr ad;
	const char *name;
	size_t i, bad = 0;

	if (x->o->noutbound_ips == 0) {
		audit_add(x, "rdns.sender.fcrdns", AUDIT_SKIP, NULL,
		    "no check.outbound_ips configured");
		return;
	}
	f = audit_add(x, "rdns.sender.fcrdns", AUDIT_PASS, NULL,
	    "every outbound IP has a forward-confirmed, specific name");
	for (i = 0; i < x->o->noutbound_ips; i++) {
		memset(&ad, 0, sizeof(ad));
		str_lcpy(ad.str, x->o->outbound_ips[i], sizeof(ad.str));
		ad.af = strchr(ad.str, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(ad.af, ad.str, ad.ip) != 1)
			continue;
		name = fcrdns(x, &ad, &p, &fw);
		audit_ev_ans(x, f, p);
		if (name == NULL || is_generic(name, &ad)) {
			bad++;
			audit_ev(x, f, "%s: %s", ad.str, name == NULL ?
			    "no forward-confirmed PTR" : "generic name");
		}
	}
	if (bad > 0)
		audit_add(x, "rdns.sender.fcrdns", AUDIT_NOT_MET, NULL,
		    "%zu outbound IP%s without a proper FCrDNS name", bad,
		    bad == 1 ? "" : "s");
}

/* The host name in a 220 banner: its first word. */
static const char *
banner_name(struct audit_ctx *x, const char *b)
{
	size_t n;

	if (b == NULL)
		return NULL;
	n = strcspn(b, " \t\r\n");
	return n > 0 ? arena_strndup(x->a, b, n) : NULL;
}

void
audit_rdns(struct audit_ctx *x)
{
	struct audit_finding *fp, *ff, *fb;
	struct dns_answer *p, *fw;
	const char *name, *bn;
	size_t i, j, k, n = 0, noptr = 0, nofc = 0, nob = 0, nbn = 0;

	rdns_sender(x);
	if (x->nmx == 0) {
		audit_skip(x, "no MX hosts", "rdns.mx.ptr", "rdns.mx.fcrdns",
		    "rdns.mx.banner", NULL);
		return;
	}
	fp = audit_add(x, "rdns.mx.ptr", AUDIT_PASS, NULL, "-");
	ff = audit_add(x, "rdns.mx.fcrdns", AUDIT_PASS, NULL, "-");
	fb = audit_add(x, "rdns.mx.banner", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nmx; i++)
		for (j = 0; j < x->mx[i].naddr; j++) {
			const struct audit_addr *ad = &x->mx[i].addr[j];

			n++;
			name = fcrdns(x, ad, &p, &fw);
			audit_ev_ans(x, fp, p);
			if (p->rcode != DNS_R_NOERROR)
				noptr++;
			else if (name == NULL) {
				nofc++;
				if (fw != NULL)
					audit_ev_ans(x, ff, fw);
			} else
				audit_ev(x, ff, "%s -> %s -> %s", ad->str,
				    name, ad->str);
			for (k = 0; k < x->nprobe; k++) {
				if (x->probe[k].host != x->mx[i].host ||
				    strcmp(x->probe[k].addr.str, ad->str) != 0)
					continue;
				bn = banner_name(x, x->probe[k].banner);
				if (bn == NULL)
					continue;
				nbn++;
				audit_ev(x, fb, "%s banner: %s", ad->str,
				    x->probe[k].banner);
				if (name == NULL || str_casecmp(bn, name) != 0)
					nob++;
			}
		}
	audit_add(x, "rdns.mx.ptr", noptr == 0 ? AUDIT_PASS : AUDIT_NOT_MET,
	    NULL, "%zu of %zu MX addresses have a PTR record", n - noptr, n);
	audit_add(x, "rdns.mx.fcrdns", noptr + nofc == 0 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "%zu of %zu MX addresses have forward-"
	    "confirmed reverse DNS", n - noptr - nofc, n);
	if (nbn == 0)
		audit_add(x, "rdns.mx.banner", AUDIT_SKIP, NULL,
		    "no SMTP banner was received");
	else
		audit_add(x, "rdns.mx.banner", nob == 0 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, nob == 0 ? "every banner names "
		    "the FCrDNS host name" : "%zu of %zu banners do not "
		    "name the FCrDNS host name", nob, nbn);
}

/*
 * CAA (RFC 8659 3): the closest CAA RRset at or above each MX name.
 */
void
audit_caa(struct audit_ctx *x)
{
	struct audit_finding *f;
	struct dns_answer *ans;
	const char *name;
	size_t i, j, without = 0, noissue = 0;
	int found, issue;

	if (x->nmx == 0) {
		audit_add(x, "smtp.caa", AUDIT_SKIP, NULL, "no MX hosts");
		return;
	}
	f = audit_add(x, "smtp.caa", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nmx; i++) {
		found = issue = 0;
		for (name = x->mx[i].host; name != NULL &&
		    strchr(name, '.') != NULL; name = strchr(name, '.') + 1) {
			ans = audit_q(x, name, DNS_T_CAA);
			if (ans->rcode != DNS_R_NOERROR)
				continue;
			found = 1;
			audit_ev_ans(x, f, ans);
			for (j = 0; j < ans->nrr; j++)
				if (ans->rr[j].is_decoded && str_casecmp(
				    ans->rr[j].u.caa.tag, "issue") == 0)
					issue = 1;
			break;
		}
		if (!found) {
			without++;
			audit_ev(x, f, "%s: no CAA at or above", x->mx[i].host);
		} else if (!issue)
			noissue++;
	}
	if (without + noissue > 0)
		audit_add(x, "smtp.caa", AUDIT_NOT_MET, NULL, "%zu of %zu MX "
		    "names lack a CAA issue record", without + noissue,
		    x->nmx);
	else
		audit_add(x, "smtp.caa", AUDIT_PASS, NULL,
		    "CAA with issue for every MX name");
}
