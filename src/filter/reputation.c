/*
 * The reputation stages of the pipeline (reputation.h): the order of the
 * lookups and their batching. The envelope stage costs two DNS round
 * trips whatever the number of lists: the first batch asks every IP list
 * (RFC 5782 2.1, 2.4), the client's PTR (RFC 1035 3.5) and the HELO
 * name's A and AAAA at once; the second asks the addresses of the PTR
 * names (forward confirmation).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "filter/dnsbl.h"
#include "filter/greylist.h"
#include "filter/helo.h"
#include "filter/rdns.h"
#include "filter/reputation.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/xmalloc.h"

struct rep {
	struct dnsbl_set	*dnsbl;
	struct rdns_conf	*rdns;
	struct helo_conf	*helo;
	struct grey_conf	*grey;
};

struct rep *
rep_new(const struct conf *c, const char **why_r)
{
	struct rep *r = xcalloc(1, sizeof(*r));

	r->rdns = rdns_conf_new(c);
	r->helo = helo_conf_new(c);
	if ((r->dnsbl = dnsbl_set_new(c, why_r)) == NULL ||
	    (r->grey = grey_conf_new(c, why_r)) == NULL) {
		rep_free(&r);
		return NULL;
	}
	return r;
}

void
rep_free(struct rep **rp)
{
	struct rep *r = *rp;

	if (r == NULL)
		return;
	dnsbl_set_free(&r->dnsbl);
	rdns_conf_free(&r->rdns);
	helo_conf_free(&r->helo);
	grey_conf_free(&r->grey);
	free(r);
	*rp = NULL;
}

int
rep_envelope(const struct rep *r, struct task *t, const char **why_r)
{
	unsigned char addr[16];
	struct dns_q *qs;
	size_t max, n = 0, nbl, nhelo = 0, iptr = 0;
	int af, do_rdns = rdns_is_enabled(r->rdns);

	if (t->env.is_outbound || t->env.client_ip == NULL)
		return 0;
	af = strchr(t->env.client_ip, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, t->env.client_ip, addr) != 1)
		return 0;	/* the MTA's business; SPF reports it */
	max = 3 * dnsbl_nip(r->dnsbl) + 3;
	qs = arena_calloc(t->a, max, sizeof(*qs));
	nbl = dnsbl_ip_queries(r->dnsbl, t->a, af, addr, qs, max);
	n = nbl;
	if (do_rdns) {
		iptr = n;
		qs[n].name = dns_ptr_name(t->a, af, addr);
		qs[n++].type = DNS_T_PTR;
	}
	if (helo_is_enabled(r->helo))
		nhelo = helo_check(r->helo, t, af, addr, qs + n, max - n);
	n += nhelo;
	if (n == 0)
		return 0;
	/* A name that cannot be asked gets a SERVFAIL answer: go on. */
	(void)dns_query_all(t->res, qs, n, t->a, why_r);
	dnsbl_ip_results(r->dnsbl, t, qs, nbl);
	helo_results(r->helo, t, qs + n - nhelo, nhelo);
	if (do_rdns && rdns_check(r->rdns, t, af, addr, qs[iptr].ans,
	    why_r) == -1)
		return -1;
	return 0;
}

int
rep_message(const struct rep *r, struct task *t, const char **why_r)
{
	if (t->env.is_outbound || dnsbl_ndomain(r->dnsbl) == 0)
		return 0;
	return dnsbl_domains(r->dnsbl, t, why_r);
}

void
rep_verdict(const struct rep *r, struct task *t)
{
	grey_task(r->grey, t);
}
