/*
 * Reverse DNS of the client: PTR names (RFC 1035 3.5 in-addr.arpa, RFC
 * 3596 2.5 ip6.arpa), forward confirmation (a PTR name whose A or AAAA
 * records hold the client address, RFC 8601 2.7.3 "iprev") and the
 * dynamic-address heuristic. rdns.h has the symbols.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/rdns.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define RDNS_WORD_MAX	32	/* bytes of one dynamic word */

struct rdns_conf {
	int		 enabled;
	size_t		 max_names;
	char		**words;
	size_t		 nwords;
	double		 s_none, s_mismatch, s_dynamic;
};

struct rdns_conf *
rdns_conf_new(const struct conf *c)
{
	struct rdns_conf *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->enabled = conf_bool(c, "rdns.enabled");
	r->max_names = (size_t)conf_int(c, "rdns.max_names");
	if (r->max_names > RDNS_NAMES_MAX)
		r->max_names = RDNS_NAMES_MAX;
	r->nwords = conf_list_len(c, "rdns.dynamic_words");
	r->words = xcalloc(r->nwords + 1, sizeof(*r->words));
	for (i = 0; i < r->nwords; i++)
		r->words[i] = str_lower(xstrdup(conf_list_str(c,
		    "rdns.dynamic_words", i)));
	r->s_none = conf_float(c, "scores.rdns_none");
	r->s_mismatch = conf_float(c, "scores.rdns_mismatch");
	r->s_dynamic = conf_float(c, "scores.rdns_dynamic");
	return r;
}

void
rdns_conf_free(struct rdns_conf **rp)
{
	struct rdns_conf *r = *rp;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	free(r);
	*rp = NULL;
}

int
rdns_is_enabled(const struct rdns_conf *r)
{
	return r->enabled;
}

/* Is the letter run w (n bytes) one of the dynamic words? */
static int
is_word(const struct rdns_conf *r, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < r->nwords; i++)
		if (strlen(r->words[i]) == n && str_ncasecmp(r->words[i], w,
		    n) == 0)
			return 1;
	return 0;
}

int
rdns_is_dynamic(const struct rdns_conf *r, const char *name, int af,
    const void *addr)
{
	const unsigned char *b = addr;
	const char *p = name, *q, *lim = name + strlen(name);
	unsigned long v;
	int seen[4] = { 0, 0, 0, 0 }, nseen = 0, k, dots = 0;
	char *end;

	/* Only the host part counts: the last two labels are the ISP's. */
	while (lim > name && dots < 2)
		if (*--lim == '.')
			dots++;
	while (p < lim) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			for (q = p; q < lim && ((*q >= 'a' && *q <= 'z') ||
			    (*q >= 'A' && *q <= 'Z')); q++)
				;
			if ((size_t)(q - p) < RDNS_WORD_MAX &&
			    is_word(r, p, (size_t)(q - p)))
				return 1;
			p = q;
		} else if (*p >= '0' && *p <= '9') {
			v = strtoul(p, &end, 10);
			for (k = 0; af == AF_INET && k < 4; k++)
				if (!seen[k] && end - p <= 3 && v == b[k]) {
					seen[k] = 1;
					nseen++;
					break;
				}
			p = end;
		} else
			p++;
	}
	return nseen >= 3;
}

/* Does the answer hold the client address? */
static int
has_addr(const struct dns_answer *ans, int af, const void *addr)
{
	size_t i;

	if (ans == NULL || ans->rcode != DNS_R_NOERROR)
		return 0;
	for (i = 0; i < ans->nrr; i++) {
		if (!ans->rr[i].is_decoded)
			continue;
		if (af == AF_INET && ans->rr[i].type == DNS_T_A &&
		    memcmp(&ans->rr[i].u.a, addr, 4) == 0)
			return 1;
		if (af == AF_INET6 && ans->rr[i].type == DNS_T_AAAA &&
		    memcmp(&ans->rr[i].u.aaaa, addr, 16) == 0)
			return 1;
	}
	return 0;
}

static int
is_temp(const struct dns_answer *a)
{
	return a == NULL || a->rcode == DNS_R_SERVFAIL ||
	    a->rcode == DNS_R_TIMEOUT;
}

int
rdns_check(const struct rdns_conf *r, struct task *t, int af,
    const void *addr, const struct dns_answer *ptr, const char **why_r)
{
	struct dns_q qs[RDNS_NAMES_MAX];
	const char *ip = t->env.client_ip, *confirmed = NULL;
	size_t i, n = 0;
	int temp = 0;

	(void)why_r;
	if (is_temp(ptr)) {
		task_symbol(t, "RDNS_TEMPERROR", 0.0, "PTR of %s: %s", ip,
		    ptr != NULL ? dns_rcode_str(ptr->rcode) : "no answer");
		return 0;
	}
	for (i = 0; ptr->rcode == DNS_R_NOERROR && i < ptr->nrr &&
	    n < r->max_names; i++)
		if (ptr->rr[i].type == DNS_T_PTR && ptr->rr[i].is_decoded) {
			qs[n].name = ptr->rr[i].u.name;
			qs[n++].type = af == AF_INET ? DNS_T_A : DNS_T_AAAA;
		}
	if (n == 0) {
		task_symbol(t, "RDNS_NONE", r->s_none, "%s has no PTR record",
		    ip);
		return 0;
	}
	/* Each name that cannot be asked gets a SERVFAIL answer. */
	(void)dns_query_all(t->res, qs, n, t->a, why_r);
	for (i = 0; i < n && confirmed == NULL; i++) {
		if (has_addr(qs[i].ans, af, addr))
			confirmed = qs[i].name;
		else if (is_temp(qs[i].ans))
			temp = 1;
	}
	if (confirmed != NULL) {
		task_symbol(t, "RDNS_FCRDNS", 0.0, "%s is %s", ip, confirmed);
	} else if (temp)
		task_symbol(t, "RDNS_TEMPERROR", 0.0, "addresses of %s: DNS "
		    "trouble", qs[0].name);
	else
		task_symbol(t, "RDNS_MISMATCH", r->s_mismatch, "%s points to "
		    "%s, which does not point back", ip, qs[0].name);
	if (rdns_is_dynamic(r, confirmed != NULL ? confirmed : qs[0].name,
	    af, addr))
		task_symbol(t, "RDNS_DYNAMIC", r->s_dynamic, "%s looks "
		    "dynamic", confirmed != NULL ? confirmed : qs[0].name);
	return 0;
}
