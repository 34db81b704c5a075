/*
 * DNS blocklists (RFC 5782): the MX addresses and the configured
 * outbound addresses against the configured IP lists (2.1 and 2.4: the
 * reversed IPv4 octets or IPv6 nibbles under the list's zone), the domain
 * against the configured domain lists (3). An answer in 127.0.0.0/8 means
 * listed (5), except the query-refused codes some lists send to public
 * resolvers (Spamhaus 127.255.255.252-255), which make the check an
 * error, never a listing.
 */
#include <arpa/inet.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/str.h"

enum listed { L_NO = 0, L_YES, L_SEVERE, L_ERROR };

/* The list query name for an address: reversed, under zone. */
static const char *
rbl_name(struct audit_ctx *x, const struct audit_addr *ad, const char *zone)
{
	const char *ptr = dns_ptr_name(x->a, ad->af, ad->ip);
	size_t n = strlen(ptr), sfx = ad->af == AF_INET ?
	    strlen(".in-addr.arpa") : strlen(".ip6.arpa");

	return arena_printf(x->a, "%.*s.%s", (int)(n - sfx), ptr, zone);
}

static enum listed
judge(const struct dns_answer *ans, const char *zone, const char **code_r)
{
	const uint8_t *ip;
	size_t i;
	enum listed l = L_NO;

	*code_r = NULL;
	if (ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_TIMEOUT)
		return L_ERROR;
	if (ans->rcode != DNS_R_NOERROR)
		return L_NO;
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != DNS_T_A)
			continue;
		ip = (const uint8_t *)&ans->rr[i].u.a;
		if (ip[0] != 127)
			return L_ERROR;		/* not a list answer */
		if (ip[1] == 255 && ip[2] == 255 && ip[3] >= 252)
			return L_ERROR;
		/* Spamhaus SBL (2), CSS (3), XBL (4-7). */
		if (strstr(zone, "spamhaus") != NULL && ip[1] == 0 &&
		    ip[2] == 0 && ip[3] >= 2 && ip[3] <= 7)
			l = L_SEVERE;
		else if (l == L_NO)
			l = L_YES;
	}
	*code_r = "listed";
	return l;
}

/* Check addresses against every list; returns the worst. */
static enum listed
check_addrs(struct audit_ctx *x, struct audit_finding *f,
    struct audit_finding *fh, const struct audit_addr *ad, size_t n)
{
	struct dns_q *qs;
	enum listed l, worst = L_NO;
	const char *code, *why;
	size_t i, j, k = 0, nl = x->o->ndnsbl;

	qs = arena_calloc(x->a, n * nl + 1, sizeof(*qs));
	for (i = 0; i < n; i++)
		for (j = 0; j < nl; j++) {
			qs[k].name = rbl_name(x, &ad[i], x->o->dnsbl[j]);
			qs[k++].type = DNS_T_A;
		}
	(void)dns_query_all(x->res, qs, k, x->a, &why);
	for (i = 0; i < k; i++) {
		if (qs[i].ans == NULL)
			qs[i].ans = audit_q(x, qs[i].name, qs[i].type);
		l = judge(qs[i].ans, x->o->dnsbl[i % nl], &code);
		if (l == L_ERROR) {
			audit_ev_ans(x, fh, qs[i].ans);
			audit_add(x, "rbl.query.health", AUDIT_ERROR, NULL,
			    "a list refused or failed the query: its "
			    "verdict is unknown");
		} else if (l != L_NO) {
			audit_ev(x, f, "%s listed on %s", ad[i / nl].str,
			    x->o->dnsbl[i % nl]);
			audit_ev_ans(x, f, qs[i].ans);
		}
		if (l != L_ERROR && l > worst)
			worst = l;
	}
	return worst;
}

void
audit_rbl(struct audit_ctx *x)
{
	struct audit_addr *ad, out[64];
	struct audit_finding *f, *fh;
	struct dns_answer *ans;
	enum listed l;
	const char *code;
	size_t i, j, n = 0, no = 0, listed = 0;

	if (x->o->ndnsbl == 0 && x->o->ndombl == 0) {
		audit_skip(x, "no blocklists configured (check.dnsbl, "
		    "check.domain_bl or --dnsbl)", "rbl.ip.mx", "rbl.ip.sender",
		    "rbl.domain", "rbl.query.health", NULL);
		return;
	}
	fh = audit_add(x, "rbl.query.health", AUDIT_PASS, NULL,
	    "every list answered normally");
	for (i = 0; i < x->nmx; i++)
		n += x->mx[i].naddr;
	ad = arena_calloc(x->a, n + 1, sizeof(*ad));
	for (i = 0, n = 0; i < x->nmx; i++)
		for (j = 0; j < x->mx[i].naddr; j++)
			ad[n++] = x->mx[i].addr[j];
	if (x->o->ndnsbl == 0 || n == 0)
		audit_add(x, "rbl.ip.mx", AUDIT_SKIP, NULL, "%s",
		    n == 0 ? "no MX addresses" : "no IP lists configured");
	else {
		f = audit_add(x, "rbl.ip.mx", AUDIT_PASS, NULL, "%zu MX "
		    "address%s on none of %zu lists", n, n == 1 ? "" : "es",
		    x->o->ndnsbl);
		l = check_addrs(x, f, fh, ad, n);
		if (l != L_NO)
			audit_add(x, "rbl.ip.mx", l == L_SEVERE ? AUDIT_FAIL :
			    AUDIT_NOT_MET, NULL, "MX addresses are listed%s",
			    l == L_SEVERE ? " on Spamhaus SBL/XBL/CSS" : "");
	}
	for (i = 0; i < x->o->noutbound_ips && no < 64; i++) {
		memset(&out[no], 0, sizeof(out[no]));
		str_lcpy(out[no].str, x->o->outbound_ips[i],
		    sizeof(out[no].str));
		out[no].af = strchr(out[no].str, ':') != NULL ? AF_INET6 :
		    AF_INET;
		if (inet_pton(out[no].af, out[no].str, out[no].ip) == 1)
			no++;
	}
	if (x->o->ndnsbl == 0 || no == 0)
		audit_add(x, "rbl.ip.sender", AUDIT_SKIP, NULL, "%s",
		    no == 0 ? "no check.outbound_ips configured" :
		    "no IP lists configured");
	else {
		f = audit_add(x, "rbl.ip.sender", AUDIT_PASS, NULL, "%zu "
		    "outbound address%s on no list", no, no == 1 ? "" : "es");
		if (check_addrs(x, f, fh, out, no) != L_NO)
			audit_add(x, "rbl.ip.sender", AUDIT_NOT_MET, NULL,
			    "outbound addresses are listed");
	}
	if (x->o->ndombl == 0) {
		audit_add(x, "rbl.domain", AUDIT_SKIP, NULL,
		    "no domain lists configured");
		return;
	}
	f = audit_add(x, "rbl.domain", AUDIT_PASS, NULL, "%s is on none of "
	    "%zu domain lists", x->domain, x->o->ndombl);
	for (i = 0; i < x->o->ndombl; i++) {
		ans = audit_q(x, arena_printf(x->a, "%s.%s", x->domain,
		    x->o->dombl[i]), DNS_T_A);
		l = judge(ans, x->o->dombl[i], &code);
		/* URIBL answers 127.0.0.1 to refused queries. */
		if (l == L_ERROR || (l != L_NO && ans->nrr == 1 &&
		    memcmp(&ans->rr[0].u.a, "\177\0\0\1", 4) == 0)) {
			audit_ev_ans(x, fh, ans);
			audit_add(x, "rbl.query.health", AUDIT_ERROR, NULL,
			    "a list refused or failed the query: its "
			    "verdict is unknown");
		} else if (l != L_NO) {
			listed++;
			audit_ev_ans(x, f, ans);
		}
	}
	if (listed > 0)
		audit_add(x, "rbl.domain", AUDIT_NOT_MET, NULL, "%s is listed "
		    "on %zu domain list%s", x->domain, listed,
		    listed == 1 ? "" : "s");
}
