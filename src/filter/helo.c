/*
 * HELO/EHLO checks (RFC 5321 4.1.1.1, 4.1.3 address literals, 4.1.4
 * "the domain name given MUST be either a primary host name ... or an
 * address literal"). helo.h has the symbols.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/helo.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define HELO_MAX	255	/* bytes of a HELO argument we judge */

struct helo_addr {
	int		 af;
	unsigned char	 b[16];
};

struct helo_conf {
	int		 enabled;
	char		**names;	/* own names, host name included */
	size_t		 nnames;
	struct helo_addr *addrs;
	size_t		 naddrs;
	double		 s_syntax, s_ours, s_noresolve, s_literal;
};

struct helo_conf *
helo_conf_new(const struct conf *c)
{
	struct helo_conf *h = xcalloc(1, sizeof(*h));
	char host[256];
	size_t i, n;

	h->enabled = conf_bool(c, "helo.enabled");
	n = conf_list_len(c, "helo.own_names");
	h->names = xcalloc(n + 2, sizeof(*h->names));
	for (i = 0; i < n; i++)
		h->names[h->nnames++] = xstrdup(conf_list_str(c,
		    "helo.own_names", i));
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if (strchr(host, '.') != NULL)
			h->names[h->nnames++] = xstrdup(host);
	}
	n = conf_list_len(c, "helo.own_addresses");
	h->addrs = xcalloc(n + 1, sizeof(*h->addrs));
	for (i = 0; i < n; i++) {
		const char *s = conf_list_str(c, "helo.own_addresses", i);
		struct helo_addr *a = &h->addrs[h->naddrs];

		a->af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
		if (inet_pton(a->af, s, a->b) == 1)
			h->naddrs++;
	}
	h->s_syntax = conf_float(c, "scores.helo_bad_syntax");
	h->s_ours = conf_float(c, "scores.helo_ours");
	h->s_noresolve = conf_float(c, "scores.helo_no_resolve");
	h->s_literal = conf_float(c, "scores.helo_literal_mismatch");
	return h;
}

void
helo_conf_free(struct helo_conf **hp)
{
	struct helo_conf *h = *hp;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nnames; i++)
		free(h->names[i]);
	free(h->names);
	free(h->addrs);
	free(h);
	*hp = NULL;
}

int
helo_is_enabled(const struct helo_conf *h)
{
	return h->enabled;
}

/* RFC 5321 4.1.2 Domain: sub-domains of letters, digits and hyphens. */
static int
is_fqdn(const char *s)
{
	size_t lab = 0, nlab = 0, n = strlen(s);
	const char *p;
	int alpha_tld = 0;

	if (n == 0 || n > 253)
		return 0;
	if (s[n - 1] == '.')
		n--;
	for (p = s; p < s + n; p++) {
		if (*p == '.') {
			if (lab == 0 || p[-1] == '-')
				return 0;
			lab = 0;
			alpha_tld = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if (lab == 0) {
			if (*p == '-')
				return 0;
			nlab++;
		}
		if (++lab > 63)
			return 0;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			alpha_tld = 1;
	}
	/* Two labels at least, and a top label that is not all digits. */
	return lab > 0 && nlab >= 2 && alpha_tld;
}

enum helo_syntax
helo_syntax(const char *helo, void *addr_r)
{
	unsigned char b[16];
	char lit[64];
	size_t n;

	if (helo == NULL)
		return HELO_SYN_BAD;
	n = strlen(helo);
	if (n >= 3 && helo[0] == '[' && helo[n - 1] == ']' &&
	    n - 2 < sizeof(lit)) {
		memcpy(lit, helo + 1, n - 2);
		lit[n - 2] = '\0';
		if (str_has_prefix_ci(lit, "IPv6:") &&
		    inet_pton(AF_INET6, lit + 5, b) == 1) {
			if (addr_r != NULL)
				memcpy(addr_r, b, 16);
			return HELO_SYN_LITERAL6;
		}
		if (inet_pton(AF_INET, lit, b) == 1) {
			if (addr_r != NULL)
				memcpy(addr_r, b, 4);
			return HELO_SYN_LITERAL4;
		}
		return HELO_SYN_BAD;
	}
	return is_fqdn(helo) ? HELO_SYN_FQDN : HELO_SYN_BAD;
}

static int
is_own_name(const struct helo_conf *h, const char *helo)
{
	size_t i, n = strlen(helo);

	for (i = 0; i < h->nnames; i++)
		if (str_casecmp(h->names[i], helo) == 0 ||
		    (n > 0 && helo[n - 1] == '.' && strlen(h->names[i]) ==
		    n - 1 && str_ncasecmp(h->names[i], helo, n - 1) == 0))
			return 1;
	return 0;
}

static int
is_own_addr(const struct helo_conf *h, int af, const unsigned char *b)
{
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (h->addrs[i].af == af && memcmp(h->addrs[i].b, b,
		    af == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

size_t
helo_check(const struct helo_conf *h, struct task *t, int af,
    const void *addr, struct dns_q *qs, size_t max)
{
	const char *helo = t->env.helo;
	unsigned char b[16];
	enum helo_syntax syn;
	int laf;

	if (helo == NULL || max < 2)
		return 0;
	if (strlen(helo) > HELO_MAX) {
		task_symbol(t, "HELO_BAD_SYNTAX", h->s_syntax, "HELO of %zu "
		    "bytes", strlen(helo));
		return 0;
	}
	syn = helo_syntax(helo, b);
	if (syn == HELO_SYN_BAD) {
		task_symbol(t, "HELO_BAD_SYNTAX", h->s_syntax, "HELO %s is "
		    "neither a domain name nor an address literal", helo);
		return 0;
	}
	if (syn == HELO_SYN_FQDN) {
		if (is_own_name(h, helo)) {
			task_symbol(t, "HELO_OURS", h->s_ours, "HELO %s is "
			    "our own name", helo);
			return 0;
		}
		qs[0].name = helo;
		qs[0].type = DNS_T_A;
		qs[1].name = helo;
		qs[1].type = DNS_T_AAAA;
		return 2;
	}
	laf = syn == HELO_SYN_LITERAL4 ? AF_INET : AF_INET6;
	if (is_own_addr(h, laf, b))
		task_symbol(t, "HELO_OURS", h->s_ours, "HELO %s is our own "
		    "address", helo);
	else if (laf != af || memcmp(b, addr, af == AF_INET ? 4 : 16) != 0)
		task_symbol(t, "HELO_LITERAL_MISMATCH", h->s_literal, "HELO "
		    "%s, client %s", helo, t->env.client_ip);
	return 0;
}

void
helo_results(const struct helo_conf *h, struct task *t,
    const struct dns_q *qs, size_t n)
{
	size_t i;
	int temp = 0;

	for (i = 0; i < n; i++) {
		if (qs[i].ans == NULL)
			continue;
		if (qs[i].ans->rcode == DNS_R_NOERROR)
			return;
		if (qs[i].ans->rcode == DNS_R_SERVFAIL ||
		    qs[i].ans->rcode == DNS_R_TIMEOUT)
			temp = 1;
	}
	if (n > 0 && !temp)
		task_symbol(t, "HELO_NO_RESOLVE", h->s_noresolve, "HELO %s "
		    "has no address", qs[0].name);
}
