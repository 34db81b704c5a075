/*
 * Allow and deny lists (docs/rules.md): entries "KIND:VALUE" with KIND
 * from (an address), domain (the domain and its subdomains, matched
 * against the From and envelope sender domains), ip (an address or a
 * CIDR network of the client), dkim (a domain with a passing DKIM
 * signature), each optionally followed by " for RCPTDOMAIN" to apply
 * only to mail for that recipient domain. An allow entry by domain
 * applies only when the domain is authenticated: DMARC pass, an SPF
 * pass of the envelope domain or a DKIM pass of d= within the domain,
 * so a spoofed sender cannot use it (RFC 7489 section 3.1 alignment).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "filter/content.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/msg.h"

enum { LK_FROM, LK_DOMAIN, LK_IP, LK_DKIM };

struct lentry {
	int		 kind;
	char		*val;		/* lower case */
	char		*rcpt;		/* recipient domain, or NULL */
	unsigned char	 net[16];
	int		 af, bits;
};

struct lists {
	struct lentry	*allow, *deny;
	size_t		 nallow, ndeny;
	double		 allow_score, deny_score;
};

static int
parse_net(struct lentry *e, const char *s)
{
	char buf[64], *slash;
	int max;

	if (str_lcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	e->af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(e->af, buf, e->net) != 1)
		return -1;
	max = e->af == AF_INET ? 32 : 128;
	e->bits = slash != NULL ? atoi(slash) : max;
	return e->bits < 0 || e->bits > max ? -1 : 0;
}

static int
parse_entry(struct lentry *e, const char *s)
{
	static const char *const kinds[] = { "from:", "domain:", "ip:",
	    "dkim:", NULL };
	const char *v, *f;
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; kinds[i] != NULL; i++)
		if (str_has_prefix_ci(s, kinds[i]))
			break;
	if (kinds[i] == NULL)
		return -1;
	e->kind = (int)i;
	v = s + strlen(kinds[i]);
	f = strstr(v, " for ");
	e->val = str_lower(xstrndup(v, f != NULL ? (size_t)(f - v) :
	    strlen(v)));
	if (f != NULL)
		e->rcpt = str_lower(xstrdup(f + 5));
	if (e->val[0] == '\0')
		return -1;
	if (e->kind == LK_IP)
		return parse_net(e, e->val);
	return 0;
}

static int
build(struct lentry **v_r, size_t *n_r, const char *const *s, size_t n)
{
	size_t i;

	*v_r = xcalloc(n + 1, sizeof(**v_r));
	*n_r = n;
	for (i = 0; i < n; i++)
		if (parse_entry(&(*v_r)[i], s[i]) == -1)
			return -1;
	return 0;
}

struct lists *
lists_new(const char *const *allow, size_t nallow, const char *const *deny,
    size_t ndeny, double allow_score, double deny_score, const char **why_r)
{
	struct lists *l = xcalloc(1, sizeof(*l));

	l->allow_score = allow_score;
	l->deny_score = deny_score;
	if (build(&l->allow, &l->nallow, allow, nallow) == -1 ||
	    build(&l->deny, &l->ndeny, deny, ndeny) == -1) {
		*why_r = "lists: entries are from:ADDR, domain:DOMAIN, "
		    "ip:ADDR[/BITS] or dkim:DOMAIN, optionally \" for "
		    "RCPTDOMAIN\"";
		lists_free(&l);
		return NULL;
	}
	return l;
}

static void
free_entries(struct lentry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].val);
		free(v[i].rcpt);
	}
	free(v);
}

void
lists_free(struct lists **lp)
{
	if (*lp == NULL)
		return;
	free_entries((*lp)->allow, (*lp)->nallow);
	free_entries((*lp)->deny, (*lp)->ndeny);
	free(*lp);
	*lp = NULL;
}

/* Is d equal to dom or a subdomain of it? */
static int
under(const char *d, const char *dom)
{
	size_t n, m;

	if (d == NULL)
		return 0;
	n = strlen(d);
	m = strlen(dom);
	if (n == m)
		return str_casecmp(d, dom) == 0;
	return n > m && d[n - m - 1] == '.' && str_casecmp(d + n - m, dom) ==
	    0;
}

static int
ip_in(const struct lentry *e, const char *ip)
{
	unsigned char a[16];
	int af = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET, b = e->bits;
	size_t i;

	if (af != e->af || inet_pton(af, ip, a) != 1)
		return 0;
	for (i = 0; b >= 8; i++, b -= 8)
		if (a[i] != e->net[i])
			return 0;
	return b == 0 || ((a[i] ^ e->net[i]) & (0xff << (8 - b)) & 0xff) ==
	    0;
}

static int
dkim_pass_under(const struct task *t, const char *dom)
{
	size_t i;

	for (i = 0; i < t->ndkim; i++)
		if (t->dkim[i].result == DKIM_PASS && under(t->dkim[i].d, dom))
			return 1;
	return 0;
}

/* Is dom authenticated for this message (allow entries by domain)? */
static int
authenticated(const struct task *t, const char *dom)
{
	if (t->dmarc != NULL && t->dmarc->result == DMARC_RES_PASS &&
	    under(t->dmarc->from_domain, dom))
		return 1;
	if (t->spf != NULL && t->spf->result == SPF_PASS &&
	    under(t->spf->domain, dom))
		return 1;
	return dkim_pass_under(t, dom);
}

struct senders {
	const char	*from_addr, *from_dom;	/* From field */
	const char	*env_addr, *env_dom;	/* envelope */
};

static void
senders(struct task *t, struct senders *s)
{
	const struct msg_header *h;
	struct mail_addr *ad, p;
	const char *why;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (t->msg != NULL &&
	    (h = msg_header_get(t->msg, "From", 0)) != NULL &&
	    addr_parse_list(t->a, h->unfolded, h->unfolded_len, &ad, &n,
	    &why) == 0 && n >= 1 && ad[0].domain_ace != NULL) {
		s->from_dom = ad[0].domain_ace;
		s->from_addr = str_lower(arena_printf(t->a, "%s@%s",
		    ad[0].local, ad[0].domain_ace));
	}
	if (t->env.mail_from != NULL && addr_parse_path(t->a,
	    t->env.mail_from, &p, &why) == 0 && p.domain_ace != NULL) {
		s->env_dom = p.domain_ace;
		s->env_addr = str_lower(arena_printf(t->a, "%s@%s", p.local,
		    p.domain_ace));
	}
}

static int
rcpt_ok(const struct task *t, const struct lentry *e)
{
	const char *at;
	size_t i;

	if (e->rcpt == NULL)
		return 1;
	for (i = 0; i < t->env.nrcpt; i++)
		if (t->env.rcpt[i] != NULL &&
		    (at = strrchr(t->env.rcpt[i], '@')) != NULL &&
		    str_ncasecmp(at + 1, e->rcpt, strlen(e->rcpt)) == 0 &&
		    (at[1 + strlen(e->rcpt)] == '\0' ||
		    at[1 + strlen(e->rcpt)] == '>'))
			return 1;
	return 0;
}

static int
match(const struct task *t, const struct senders *s, const struct lentry *e,
    int is_allow)
{
	if (!rcpt_ok(t, e))
		return 0;
	switch (e->kind) {
	case LK_FROM:
		return (s->from_addr != NULL &&
		    strcmp(s->from_addr, e->val) == 0) ||
		    (!is_allow && s->env_addr != NULL &&
		    strcmp(s->env_addr, e->val) == 0);
	case LK_DOMAIN:
		if (is_allow)
			return under(s->from_dom, e->val) &&
			    authenticated(t, e->val);
		return under(s->from_dom, e->val) ||
		    under(s->env_dom, e->val);
	case LK_IP:
		return t->env.client_ip != NULL && ip_in(e, t->env.client_ip);
	case LK_DKIM:
		return dkim_pass_under(t, e->val);
	}
	return 0;
}

int
lists_check(const struct lists *l, struct task *t)
{
	static const char *const kn[] = { "from", "domain", "ip", "dkim" };
	struct senders s;
	size_t i;

	if (l == NULL || (l->nallow == 0 && l->ndeny == 0))
		return 0;
	senders(t, &s);
	for (i = 0; i < l->ndeny; i++)
		if (match(t, &s, &l->deny[i], 0)) {
			task_symbol(t, "LIST_DENY", l->deny_score,
			    "deny list %s:%s", kn[l->deny[i].kind],
			    l->deny[i].val);
			return 2;
		}
	for (i = 0; i < l->nallow; i++)
		if (match(t, &s, &l->allow[i], 1)) {
			task_symbol(t, "LIST_ALLOW", l->allow_score,
			    "allow list %s:%s", kn[l->allow[i].kind],
			    l->allow[i].val);
			return 1;
		}
	return 0;
}
