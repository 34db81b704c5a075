/*
 * DNS block and allow lists (RFC 5782): query names (section 2.1 for
 * IPv4, 2.4 for IPv6 nibbles, 3 for domain names), return codes matched
 * against each list's table, error codes recognised (Spamhaus
 * 127.255.255.x "query refused", anything outside 127.0.0.0/8, RFC 5782
 * 2.3), and the section 5 test points used as a health check. dnsbl.h
 * has the model and the symbols.
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "filter/dnsbl.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/mime.h"

#define DNSBL_SRC_SENDER	0x1
#define DNSBL_SRC_DKIM		0x2
#define DNSBL_SRC_HELO		0x4
#define DNSBL_SRC_URL		0x8

enum { DNSBL_OK = 0, DNSBL_BROKEN };

struct dnsbl_list {
	char			*name;		/* "SPAMHAUS_ZEN" */
	char			*zone;
	int			 is_domain;
	int			 do_ipv6;
	unsigned		 sources;	/* DNSBL_SRC_* (domain lists) */
	struct dnsbl_code	*codes;
	size_t			 ncodes;
	struct dnsbl_code	*refused;	/* symbol and score unused */
	size_t			 nrefused;
	double			 other_score;
	char			*sym_other, *sym_refused, *sym_broken;
	char			*test_yes, *test_no;	/* test point names */
	/* Health: shared by all threads, the only mutable state. */
	_Atomic uint64_t	 next_check_us;
	_Atomic int		 state;
};

struct dnsbl_set {
	struct dnsbl_list	*l;
	size_t			 n, nip, ndomain;
};

static int
octet_parse(const char **pp, uint8_t *lo, uint8_t *hi)
{
	const char *p = *pp;
	unsigned long a, b;
	char *end;

	if (*p == '*') {
		*lo = 0;
		*hi = 255;
		*pp = p + 1;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	a = strtoul(p, &end, 10);
	b = a;
	if (*end == '-') {
		p = end + 1;
		if (*p < '0' || *p > '9')
			return -1;
		b = strtoul(p, &end, 10);
	}
	if (a > 255 || b > 255 || b < a)
		return -1;
	*lo = (uint8_t)a;
	*hi = (uint8_t)b;
	*pp = end;
	return 0;
}

int
dnsbl_code_parse(const char *s, struct dnsbl_code *c, const char **why_r)
{
	const char *p = s;
	int i;

	for (i = 0; i < 4; i++) {
		if (octet_parse(&p, &c->lo[i], &c->hi[i]) == -1 ||
		    (i < 3 && *p++ != '.')) {
			*why_r = "a code is four octets N, N-M or * "
			    "(127.0.0.2, 127.0.0.10-11, 127.0.*.3)";
			return -1;
		}
	}
	if (*p != '\0') {
		*why_r = "trailing text after the code";
		return -1;
	}
	return 0;
}

int
dnsbl_code_match(const struct dnsbl_code *c, const uint8_t a[4])
{
	int i;

	for (i = 0; i < 4; i++)
		if (a[i] < c->lo[i] || a[i] > c->hi[i])
			return 0;
	return 1;
}

static char *
upper_dup(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = xmalloc(n), *p;

	snprintf(s, n, "%s%s%s", a, b, c);
	for (p = s; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' &&
		    *p <= '9')))
			*p = '_';
	}
	return s;
}

/* One "CODE MEANING SCORE" entry of dnsbl.codes. */
static int
code_entry(struct dnsbl_list *l, const char *s, struct dnsbl_code *c,
    const char **why_r)
{
	char code[64], meaning[64], extra[2];
	double score;

	if (sscanf(s, "%63s %63s %lf %1s", code, meaning, &score,
	    extra) != 3) {
		*why_r = "a code entry is \"CODE MEANING SCORE\"";
		return -1;
	}
	if (dnsbl_code_parse(code, c, why_r) == -1)
		return -1;
	c->meaning = upper_dup("", meaning, "");
	c->symbol = upper_dup("RBL_", l->name, "_");
	c->symbol = xreallocarray(c->symbol, strlen(c->symbol) +
	    strlen(c->meaning) + 1, 1);
	strcat(c->symbol, c->meaning);
	c->score = score;
	return 0;
}

static unsigned
sources(const struct conf *g)
{
	static const char *const words[] = { "sender", "dkim", "helo", "url" };
	size_t i, k, n = conf_list_len(g, "check");
	unsigned m = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < 4; k++)
			if (str_casecmp(conf_list_str(g, "check", i),
			    words[k]) == 0)
				m |= 1u << k;
	return m;
}

static int
list_new(struct dnsbl_list *l, const struct conf *g, const char **why_r)
{
	size_t i;

	l->name = xstrdup(conf_str(g, "name"));
	l->zone = xstrdup(conf_str(g, "zone"));
	l->is_domain = conf_enum(g, "type") == 1;
	l->do_ipv6 = conf_bool(g, "ipv6");
	l->sources = sources(g);
	l->other_score = conf_float(g, "other_score");
	l->sym_other = upper_dup("RBL_", l->name, "_OTHER");
	l->sym_refused = upper_dup("RBL_", l->name, "_REFUSED");
	l->sym_broken = upper_dup("RBL_", l->name, "_BROKEN");
	l->test_yes = xmalloc(strlen(l->zone) + 16);
	l->test_no = xmalloc(strlen(l->zone) + 16);
	/* RFC 5782 section 5: 127.0.0.2 / TEST listed, 127.0.0.1 not. */
	sprintf(l->test_yes, "%s.%s", l->is_domain ? "test" : "2.0.0.127",
	    l->zone);
	sprintf(l->test_no, "%s.%s", l->is_domain ? "invalid" : "1.0.0.127",
	    l->zone);
	l->ncodes = conf_list_len(g, "codes");
	l->codes = xcalloc(l->ncodes + 1, sizeof(*l->codes));
	for (i = 0; i < l->ncodes; i++)
		if (code_entry(l, conf_list_str(g, "codes", i), &l->codes[i],
		    why_r) == -1)
			return -1;
	l->nrefused = conf_list_len(g, "refused");
	l->refused = xcalloc(l->nrefused + 1, sizeof(*l->refused));
	for (i = 0; i < l->nrefused; i++)
		if (dnsbl_code_parse(conf_list_str(g, "refused", i),
		    &l->refused[i], why_r) == -1)
			return -1;
	atomic_init(&l->next_check_us, 0);
	atomic_init(&l->state, DNSBL_OK);
	return 0;
}

struct dnsbl_set *
dnsbl_set_new(const struct conf *c, const char **why_r)
{
	struct dnsbl_set *s = xcalloc(1, sizeof(*s));
	const char *why;
	static __thread char msg[256];
	size_t i;

	s->n = conf_group_count(c, "dnsbl");
	s->l = xcalloc(s->n + 1, sizeof(*s->l));
	for (i = 0; i < s->n; i++) {
		if (list_new(&s->l[i], conf_group(c, "dnsbl", i),
		    &why) == -1) {
			snprintf(msg, sizeof(msg), "dnsbl %s: %s",
			    s->l[i].name, why);
			*why_r = msg;
			s->n = i + 1;
			dnsbl_set_free(&s);
			return NULL;
		}
		if (s->l[i].is_domain)
			s->ndomain++;
		else
			s->nip++;
	}
	return s;
}

void
dnsbl_set_free(struct dnsbl_set **sp)
{
	struct dnsbl_set *s = *sp;
	struct dnsbl_list *l;
	size_t i, k;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		l = &s->l[i];
		for (k = 0; k < l->ncodes; k++) {
			free(l->codes[k].symbol);
			free(l->codes[k].meaning);
		}
		free(l->codes);
		free(l->refused);
		free(l->name);
		free(l->zone);
		free(l->sym_other);
		free(l->sym_refused);
		free(l->sym_broken);
		free(l->test_yes);
		free(l->test_no);
	}
	free(s->l);
	free(s);
	*sp = NULL;
}

size_t
dnsbl_nip(const struct dnsbl_set *s)
{
	return s->nip;
}

size_t
dnsbl_ndomain(const struct dnsbl_set *s)
{
	return s->ndomain;
}

/*
 * Is a test-point check due for l? The first caller after the deadline
 * wins the compare-and-swap and adds the two queries; others go on.
 */
static int
health_due(struct dnsbl_list *l)
{
	uint64_t now = clock_mono_us(), due = atomic_load(&l->next_check_us);

	if (now < due)
		return 0;
	return atomic_compare_exchange_strong(&l->next_check_us, &due,
	    now + (uint64_t)DNSBL_HEALTH_S * 1000000);
}

/* Append name.zone queries for l, with test points when due. */
static size_t
add_queries(struct dnsbl_list *l, struct arena *a, const char *name,
    struct dns_q *qs, size_t max)
{
	size_t n = 0;

	if (max < 3 || strlen(name) + strlen(l->zone) + 1 > 253)
		return 0;
	if (health_due(l)) {
		qs[n].name = l->test_yes;
		qs[n++].type = DNS_T_A;
		qs[n].name = l->test_no;
		qs[n++].type = DNS_T_A;
	}
	qs[n].name = arena_printf(a, "%s.%s", name, l->zone);
	qs[n++].type = DNS_T_A;
	return n;
}

size_t
dnsbl_ip_queries(const struct dnsbl_set *s, struct arena *a, int af,
    const void *addr, struct dns_q *qs, size_t max)
{
	const char *ptr = dns_ptr_name(a, af, addr), *suf;
	char *rev;
	size_t i, n = 0;

	if (ptr == NULL)
		return 0;
	suf = af == AF_INET ? ".in-addr.arpa" : ".ip6.arpa";
	rev = arena_strndup(a, ptr, strlen(ptr) - strlen(suf));
	for (i = 0; i < s->n; i++) {
		if (s->l[i].is_domain || (af == AF_INET6 && !s->l[i].do_ipv6))
			continue;
		n += add_queries(&s->l[i], a, rev, qs + n, max - n);
	}
	return n;
}

/* The list whose zone qname is under, or NULL. */
static struct dnsbl_list *
list_of(const struct dnsbl_set *s, const char *qname, int is_domain)
{
	size_t i, n = strlen(qname), z;

	for (i = 0; i < s->n; i++) {
		if (s->l[i].is_domain != is_domain)
			continue;
		z = strlen(s->l[i].zone);
		if (n > z + 1 && qname[n - z - 1] == '.' &&
		    str_casecmp(qname + n - z, s->l[i].zone) == 0)
			return &s->l[i];
	}
	return NULL;
}

/* Is the answer a listing (an A record in 127/8 outside refused)? */
static int
is_listed(const struct dnsbl_list *l, const struct dns_answer *ans)
{
	const uint8_t *b;
	size_t i, k;

	if (ans == NULL || ans->rcode != DNS_R_NOERROR)
		return 0;
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != DNS_T_A || !ans->rr[i].is_decoded)
			continue;
		b = (const uint8_t *)&ans->rr[i].u.a;
		for (k = 0; k < l->nrefused; k++)
			if (dnsbl_code_match(&l->refused[k], b))
				break;
		if (k == l->nrefused && b[0] == 127)
			return 1;
	}
	return 0;
}

static void
health_result(struct dnsbl_list *l, const struct dns_q *q)
{
	if (str_casecmp(q->name, l->test_no) == 0)
		atomic_store(&l->state, is_listed(l, q->ans) ? DNSBL_BROKEN :
		    DNSBL_OK);
	/*
	 * XXX A list that does not list its positive test point (127.0.0.2
	 * or TEST) is not disabled: some lists answer test points only to
	 * registered users. Only the negative point proves a list broken.
	 */
}

/* Symbols for one answer of list l about what (a description). */
static void
answer(struct dnsbl_list *l, struct task *t, const struct dns_answer *ans,
    const char *what)
{
	const struct dnsbl_code *c;
	const uint8_t *b;
	char ip[INET_ADDRSTRLEN];
	size_t i, k;

	if (ans == NULL || ans->rcode != DNS_R_NOERROR)
		return;
	if (atomic_load(&l->state) == DNSBL_BROKEN) {
		if (task_symbol_get(t, l->sym_broken) == NULL)
			task_symbol(t, l->sym_broken, 0.0, "%s lists "
			    "127.0.0.1 or INVALID (RFC 5782 5): ignored",
			    l->zone);
		return;
	}
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != DNS_T_A || !ans->rr[i].is_decoded)
			continue;
		b = (const uint8_t *)&ans->rr[i].u.a;
		inet_ntop(AF_INET, b, ip, sizeof(ip));
		for (k = 0; k < l->nrefused; k++)
			if (dnsbl_code_match(&l->refused[k], b))
				break;
		if (k < l->nrefused || b[0] != 127) {
			if (task_symbol_get(t, l->sym_refused) == NULL)
				task_symbol(t, l->sym_refused, 0.0,
				    "%s answered %s for %s: an error code, "
				    "not a listing", l->zone, ip, what);
			continue;
		}
		for (c = NULL, k = 0; k < l->ncodes; k++)
			if (dnsbl_code_match(&l->codes[k], b)) {
				c = &l->codes[k];
				break;
			}
		if (task_symbol_get(t, c != NULL ? c->symbol :
		    l->sym_other) != NULL)
			continue;
		if (c != NULL)
			task_symbol(t, c->symbol, c->score, "%s listed by %s "
			    "(%s)", what, l->zone, ip);
		else
			task_symbol(t, l->sym_other, l->other_score, "%s "
			    "listed by %s with unknown code %s", what,
			    l->zone, ip);
	}
}

void
dnsbl_ip_results(const struct dnsbl_set *s, struct task *t,
    const struct dns_q *qs, size_t n)
{
	struct dnsbl_list *l;
	size_t i;

	/* Test points first, so a broken list is known before its answer. */
	for (i = 0; i < n; i++)
		if ((l = list_of(s, qs[i].name, 0)) != NULL &&
		    (str_casecmp(qs[i].name, l->test_yes) == 0 ||
		    str_casecmp(qs[i].name, l->test_no) == 0))
			health_result(l, &qs[i]);
	for (i = 0; i < n; i++)
		if ((l = list_of(s, qs[i].name, 0)) != NULL &&
		    str_casecmp(qs[i].name, l->test_yes) != 0 &&
		    str_casecmp(qs[i].name, l->test_no) != 0)
			answer(l, t, qs[i].ans, arena_printf(t->a,
			    "client %s", t->env.client_ip));
}

struct dnsbl_name {
	const char	*name;
	const char	*what;		/* "sender domain example.com" */
	unsigned	 src;
};

/* Add name (lower-cased copy) unless present or not a usable domain. */
static void
name_add(struct arena *a, struct dnsbl_name *v, size_t *n, const char *name,
    size_t len, unsigned src, const char *kind)
{
	const char *why;
	char *s;
	size_t i;

	if (*n >= DNSBL_DOMAINS_MAX || len == 0 || len > 253)
		return;
	s = str_lower(arena_strndup(a, name, len));
	if (s[len - 1] == '.')
		s[len - 1] = '\0';
	if (strchr(s, '.') == NULL || dns_name_check(s, &why) == -1 ||
	    strspn(s, "0123456789.") == strlen(s))
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(v[i].name, s) == 0) {
			v[i].src |= src;
			return;
		}
	v[*n].name = s;
	v[*n].what = arena_printf(a, "%s %s", kind, s);
	v[(*n)++].src = src;
}

/* The host of an URL ("https://a.example/x", "www.b.example"). */
static void
url_host(const char *u, const char **h_r, size_t *len_r)
{
	const char *p = strstr(u, "://");

	p = p != NULL ? p + 3 : u;
	if (strchr(p, '@') != NULL && strcspn(p, "@") < strcspn(p, "/?#"))
		p += strcspn(p, "@") + 1;
	*h_r = p;
	*len_r = strcspn(p, "/?#:;\\\"'<> ");
}

/* The names of t each source stands for, deduplicated, capped. */
static size_t
names(struct task *t, unsigned want, struct dnsbl_name *v)
{
	const char *s = t->env.mail_from, *at, **urls, *h, *dot;
	size_t n = 0, i, nu, hl;

	if ((want & DNSBL_SRC_SENDER) && s != NULL &&
	    (at = strrchr(s, '@')) != NULL)
		name_add(t->a, v, &n, at + 1, strcspn(at + 1, ">"),
		    DNSBL_SRC_SENDER, "sender domain");
	for (i = 0; (want & DNSBL_SRC_DKIM) && i < t->ndkim; i++)
		if (t->dkim[i].result == DKIM_PASS && t->dkim[i].d != NULL)
			name_add(t->a, v, &n, t->dkim[i].d,
			    strlen(t->dkim[i].d), DNSBL_SRC_DKIM,
			    "DKIM domain");
	if ((want & DNSBL_SRC_HELO) && t->env.helo != NULL &&
	    t->env.helo[0] != '[')
		name_add(t->a, v, &n, t->env.helo, strlen(t->env.helo),
		    DNSBL_SRC_HELO, "HELO");
	if (!(want & DNSBL_SRC_URL) || t->msg == NULL ||
	    mime_urls(t->msg, &urls, &nu) != 0)
		return n;
	for (i = 0; i < nu && n < DNSBL_DOMAINS_MAX; i++) {
		url_host(urls[i], &h, &hl);
		name_add(t->a, v, &n, h, hl, DNSBL_SRC_URL, "URL host");
		/*
		 * XXX Without the public suffix list we also ask for the
		 * last two labels, which is the registered domain for most
		 * names but not under ccTLD second levels (co.uk).
		 */
		for (dot = h + hl; dot > h && dot[-1] != '.'; dot--)
			;
		for (dot = dot > h ? dot - 1 : h; dot > h && dot[-1] != '.';
		    dot--)
			;
		if (dot > h)
			name_add(t->a, v, &n, dot, (size_t)(h + hl - dot),
			    DNSBL_SRC_URL, "URL domain");
	}
	return n;
}

int
dnsbl_domains(const struct dnsbl_set *s, struct task *t, const char **why_r)
{
	struct dnsbl_name v[DNSBL_DOMAINS_MAX];
	struct dns_q *qs;
	const char **what;
	struct dnsbl_list *l;
	unsigned want = 0;
	size_t i, k, n, nq = 0, max;

	if (s->ndomain == 0)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->l[i].is_domain)
			want |= s->l[i].sources;
	if ((n = names(t, want, v)) == 0)
		return 0;
	max = s->ndomain * (n + 2);
	qs = arena_calloc(t->a, max, sizeof(*qs));
	what = arena_calloc(t->a, max, sizeof(*what));
	for (i = 0; i < s->n; i++) {
		l = &s->l[i];
		if (!l->is_domain)
			continue;
		for (k = 0; k < n; k++) {
			size_t add;

			if (!(v[k].src & l->sources))
				continue;
			add = add_queries(l, t->a, v[k].name, qs + nq,
			    max - nq);
			nq += add;
			if (add > 0)
				what[nq - 1] = v[k].what;
		}
	}
	if (nq == 0)
		return 0;
	/* A name that cannot be asked gets a SERVFAIL answer: go on. */
	(void)dns_query_all(t->res, qs, nq, t->a, why_r);
	for (i = 0; i < nq; i++)
		if (what[i] == NULL && (l = list_of(s, qs[i].name, 1)) != NULL)
			health_result(l, &qs[i]);
	for (i = 0; i < nq; i++)
		if (what[i] != NULL && (l = list_of(s, qs[i].name, 1)) != NULL)
			answer(l, t, qs[i].ans, what[i]);
	return 0;
}
