/*
 * check_host() of RFC 7208: the identities of section 2.3 and 2.4 (HELO,
 * MAIL FROM, postmaster@HELO for the null path), initial processing
 * (4.3), record evaluation (4.6, 4.7), the mechanisms of section 5, the
 * redirect and exp modifiers (6.1, 6.2) and the processing limits of
 * 4.6.4. Every term evaluated can be traced with the DNS answers it used.
 */
#include <arpa/inet.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_priv.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "mail/addr.h"

struct step_node {
	struct spf_step		 s;
	struct step_node	*next;
	size_t			 dcap;
};

struct eval {
	struct spf_ctx		*c;
	struct dns_resolver	*res;
	struct arena		*a;
	struct spf_macro_env	 env;
	unsigned		 lookups, voids;
	int			 trace;
	struct step_node	*head, *tail;
	size_t			 nstep;
	/* Validated PTR names of the client (5.5), looked up once. */
	int			 ptr_done;
	enum dns_rcode		 ptr_rc;
	const char		**ptr_names;
	size_t			 nptr;
	const char		*problem;
};

/* What check_host() gives its caller. */
struct host_out {
	enum spf_res		 res;
	const struct spf_term	*match;
	const char		*match_domain;
	const char		*exp;
};

/* Mechanism outcomes besides a result. */
#define M_NOMATCH	0
#define M_MATCH		1
#define M_ERROR		(-1)	/* e->problem set; result in *err_r */

static struct spf_step *
step_new(struct eval *e, enum spf_step_kind kind, unsigned depth,
    const char *domain, struct spf_step *dummy)
{
	struct step_node *n;

	if (!e->trace) {
		memset(dummy, 0, sizeof(*dummy));
		return dummy;
	}
	n = arena_zalloc(e->a, sizeof(*n));
	n->s.kind = kind;
	n->s.depth = depth;
	n->s.domain = domain;
	if (e->tail != NULL)
		e->tail->next = n;
	else
		e->head = n;
	e->tail = n;
	e->nstep++;
	return &n->s;
}

static void
step_dns(struct eval *e, struct spf_step *s, const struct dns_answer *ans)
{
	struct step_node *n = (struct step_node *)(void *)s;
	const struct dns_answer **d;

	if (!e->trace || ans == NULL)
		return;
	if (s->ndns == n->dcap) {
		n->dcap = n->dcap == 0 ? 2 : n->dcap * 2;
		d = arena_calloc(e->a, n->dcap, sizeof(*d));
		if (s->ndns > 0)
			memcpy(d, s->dns, s->ndns * sizeof(*d));
		s->dns = d;
	}
	s->dns[s->ndns++] = ans;
}

static int
set_error(struct eval *e, enum spf_res *err_r, enum spf_res r,
    const char *why)
{
	*err_r = r;
	e->problem = why;
	return M_ERROR;
}

/* Count one DNS-querying term (4.6.4). -1 past the limit. */
static int
count_lookup(struct eval *e, enum spf_res *err_r)
{
	if (++e->lookups > SPF_LOOKUP_MAX) {
		set_error(e, err_r, SPF_PERMERROR, "more than 10 DNS-querying "
		    "terms (RFC 7208 4.6.4)");
		return -1;
	}
	return 0;
}

/*
 * Classify a mechanism's primary query: 0 answers to use, 1 void (counted,
 * 4.6.4), -1 an error (temperror for DNS trouble, permerror for too many
 * voids).
 */
static int
check_answer(struct eval *e, const struct dns_answer *ans,
    enum spf_res *err_r)
{
	switch (ans->rcode) {
	case DNS_R_NOERROR:
		return 0;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		if (++e->voids > SPF_VOID_MAX) {
			set_error(e, err_r, SPF_PERMERROR, "more than 2 void "
			    "lookups (RFC 7208 4.6.4)");
			return -1;
		}
		return 1;
	default:
		set_error(e, err_r, SPF_TEMPERROR, arena_printf(e->a,
		    "DNS %s for %s %s", dns_rcode_str(ans->rcode), ans->qname,
		    dns_type_str(e->a, ans->qtype)));
		return -1;
	}
}

/* Does addr match the network net/len (len in bits)? */
static int
prefix_match(const uint8_t *addr, const uint8_t *net, int len)
{
	int bytes = len / 8, bits = len % 8;

	if (memcmp(addr, net, (size_t)bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((addr[bytes] ^ net[bytes]) & (0xff << (8 - bits)) & 0xff) ==
	    0;
}

static int
rr_matches(const struct eval *e, const struct dns_rr *rr, int c4, int c6)
{
	if (!rr->is_decoded)
		return 0;
	if (e->env.af == AF_INET && rr->type == DNS_T_A)
		return prefix_match(e->env.ip, (const uint8_t *)&rr->u.a,
		    c4 < 0 ? 32 : c4);
	if (e->env.af == AF_INET6 && rr->type == DNS_T_AAAA)
		return prefix_match(e->env.ip, rr->u.aaaa.s6_addr,
		    c6 < 0 ? 128 : c6);
	return 0;
}

static int
answer_matches(const struct eval *e, const struct dns_answer *ans, int c4,
    int c6)
{
	size_t i;

	if (ans->rcode != DNS_R_NOERROR)
		return 0;
	for (i = 0; i < ans->nrr; i++)
		if (rr_matches(e, &ans->rr[i], c4, c6))
			return 1;
	return 0;
}

/*
 * The target name of a term: its domain-spec expanded (7.3, 7.4; over 253
 * octets the left is cut off label by label) or the current domain.
 */
static int
term_target(struct eval *e, const struct spf_term *t, const char *domain,
    const char **name_r, enum spf_res *err_r)
{
	const char *why;
	char *out;
	size_t n;

	if (t->spec == NULL || t->kind == SPF_K_IP4 || t->kind == SPF_K_IP6) {
		*name_r = domain;
		return 0;
	}
	e->env.domain = domain;
	if (spf_macro_expand(e->a, t->spec, strlen(t->spec), &e->env, 0,
	    &out, &why) == -1)
		return set_error(e, err_r, SPF_PERMERROR, why);
	n = strlen(out);
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	while (n > 253) {
		char *dot = strchr(out, '.');

		if (dot == NULL)
			break;
		n -= (size_t)(dot + 1 - out);
		out = dot + 1;
	}
	*name_r = out;
	return 0;
}

static int
is_queryable(const char *name)
{
	const char *why;

	return name[0] != '\0' && dns_name_check(name, &why) == 0;
}

static uint16_t
addr_type(const struct eval *e)
{
	return e->env.af == AF_INET6 ? DNS_T_AAAA : DNS_T_A;
}

static int
mech_a(struct eval *e, const struct spf_term *t, const char *name,
    struct spf_step *s, enum spf_res *err_r)
{
	struct dns_answer *ans;
	const char *why;
	int v;

	(void)dns_query(e->res, name, addr_type(e), e->a, &ans, &why);
	step_dns(e, s, ans);
	if ((v = check_answer(e, ans, err_r)) != 0)
		return v < 0 ? M_ERROR : M_NOMATCH;
	return answer_matches(e, ans, t->cidr4, t->cidr6) ? M_MATCH :
	    M_NOMATCH;
}

static int
mech_mx(struct eval *e, const struct spf_term *t, const char *name,
    struct spf_step *s, enum spf_res *err_r)
{
	struct dns_answer *ans;
	struct dns_q *qs;
	const char *why;
	size_t i, n = 0;
	int v, dnserr = -1;

	(void)dns_query(e->res, name, DNS_T_MX, e->a, &ans, &why);
	step_dns(e, s, ans);
	if ((v = check_answer(e, ans, err_r)) != 0)
		return v < 0 ? M_ERROR : M_NOMATCH;
	if (ans->nrr > SPF_MX_MAX)
		return set_error(e, err_r, SPF_PERMERROR, "more than 10 MX "
		    "records (RFC 7208 4.6.4)");
	qs = arena_calloc(e->a, ans->nrr, sizeof(*qs));
	for (i = 0; i < ans->nrr; i++) {
		const char *h = ans->rr[i].u.mx.host;

		/* A null MX ("0 .", RFC 7505) names no host. */
		if (!ans->rr[i].is_decoded || !is_queryable(h))
			continue;
		qs[n].name = h;
		qs[n++].type = addr_type(e);
	}
	/* The address lookups are independent: ask them in parallel. */
	if (n > 0)
		(void)dns_query_all(e->res, qs, n, e->a, &why);
	for (i = 0; i < n; i++) {
		step_dns(e, s, qs[i].ans);
		if (answer_matches(e, qs[i].ans, t->cidr4, t->cidr6))
			return M_MATCH;
		if (qs[i].ans->rcode == DNS_R_SERVFAIL ||
		    qs[i].ans->rcode == DNS_R_TIMEOUT)
			dnserr = (int)i;
	}
	if (dnserr >= 0) {
		check_answer(e, qs[dnserr].ans, err_r);
		return M_ERROR;
	}
	return M_NOMATCH;
}

/* Lower-case name without its final dot (arena). */
static const char *
name_norm(struct arena *a, const char *name)
{
	size_t n = strlen(name);

	if (n > 1 && name[n - 1] == '.')
		n--;
	return arena_strndup(a, name, n);
}

/*
 * The client's validated names (5.5): PTR names, at most SPF_PTR_MAX,
 * whose address records include the client IP. Errors on the address
 * lookups skip that name.
 */
static void
ptr_validate(struct eval *e, struct spf_step *s)
{
	struct dns_answer *ans;
	struct dns_q *qs;
	const char *why, *rev;
	size_t i, n = 0;

	e->ptr_done = 1;
	rev = dns_ptr_name(e->a, e->env.af, e->env.ip);
	(void)dns_query(e->res, rev, DNS_T_PTR, e->a, &ans, &why);
	step_dns(e, s, ans);
	e->ptr_rc = ans->rcode;
	if (ans->rcode != DNS_R_NOERROR)
		return;
	qs = arena_calloc(e->a, SPF_PTR_MAX, sizeof(*qs));
	for (i = 0; i < ans->nrr && n < SPF_PTR_MAX; i++) {
		if (!ans->rr[i].is_decoded ||
		    !is_queryable(ans->rr[i].u.name))
			continue;
		qs[n].name = name_norm(e->a, ans->rr[i].u.name);
		qs[n++].type = addr_type(e);
	}
	if (n > 0)
		(void)dns_query_all(e->res, qs, n, e->a, &why);
	e->ptr_names = arena_calloc(e->a, n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		step_dns(e, s, qs[i].ans);
		if (answer_matches(e, qs[i].ans, -1, -1))
			e->ptr_names[e->nptr++] = qs[i].name;
	}
}

/* Is name the domain d or below it (case-insensitive)? */
static int
is_within(const char *name, const char *d)
{
	size_t n = strlen(name), m = strlen(d);

	if (m > 0 && d[m - 1] == '.')
		m--;
	if (n == m)
		return str_ncasecmp(name, d, m) == 0;
	return n > m && name[n - m - 1] == '.' &&
	    str_ncasecmp(name + n - m, d, m) == 0;
}

static int
mech_ptr(struct eval *e, const char *name, struct spf_step *s,
    enum spf_res *err_r)
{
	size_t i;

	if (!e->ptr_done)
		ptr_validate(e, s);
	/* A DNS error on the PTR lookup is no match (5.5), not temperror. */
	if ((e->ptr_rc == DNS_R_NXDOMAIN || e->ptr_rc == DNS_R_NODATA) &&
	    ++e->voids > SPF_VOID_MAX)
		return set_error(e, err_r, SPF_PERMERROR, "more than 2 void "
		    "lookups (RFC 7208 4.6.4)");
	for (i = 0; i < e->nptr; i++)
		if (is_within(e->ptr_names[i], name))
			return M_MATCH;
	return M_NOMATCH;
}

/* %{p} (7.3): a validated name, preferring the domain and its subdomains. */
static const char *
ptr_macro(void *ctx)
{
	struct eval *e = ctx;
	struct spf_step dummy;
	size_t i;

	if (!e->ptr_done)
		ptr_validate(e, e->tail != NULL ? &e->tail->s : &dummy);
	for (i = 0; i < e->nptr; i++)
		if (str_casecmp(e->ptr_names[i], e->env.domain) == 0)
			return e->ptr_names[i];
	for (i = 0; i < e->nptr; i++)
		if (is_within(e->ptr_names[i], e->env.domain))
			return e->ptr_names[i];
	return e->nptr > 0 ? e->ptr_names[0] : "unknown";
}

static int
mech_exists(struct eval *e, const char *name, struct spf_step *s,
    enum spf_res *err_r)
{
	struct dns_answer *ans;
	const char *why;
	int v;

	/* 5.7: always an A query, whatever the client's address family. */
	(void)dns_query(e->res, name, DNS_T_A, e->a, &ans, &why);
	step_dns(e, s, ans);
	if ((v = check_answer(e, ans, err_r)) != 0)
		return v < 0 ? M_ERROR : M_NOMATCH;
	return ans->nrr > 0 ? M_MATCH : M_NOMATCH;
}

static int
mech_ip(const struct eval *e, const struct spf_term *t)
{
	if (t->kind == SPF_K_IP4 && e->env.af == AF_INET)
		return prefix_match(e->env.ip, (const uint8_t *)&t->ip4,
		    t->cidr4 < 0 ? 32 : t->cidr4);
	if (t->kind == SPF_K_IP6 && e->env.af == AF_INET6)
		return prefix_match(e->env.ip, t->ip6.s6_addr,
		    t->cidr6 < 0 ? 128 : t->cidr6);
	return 0;
}

static void check_host(struct eval *, const char *, unsigned,
    struct host_out *);

static int
mech_include(struct eval *e, const char *name, unsigned depth,
    enum spf_res *err_r)
{
	struct host_out sub;

	if (!is_queryable(name))
		return set_error(e, err_r, SPF_PERMERROR, arena_printf(e->a,
		    "include target \"%s\" is not a domain name", name));
	if (depth + 1 > SPF_DEPTH_MAX)
		return set_error(e, err_r, SPF_PERMERROR, "include/redirect "
		    "nesting too deep");
	check_host(e, name, depth + 1, &sub);
	switch (sub.res) {
	case SPF_PASS:
		return M_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return M_NOMATCH;
	case SPF_TEMPERROR:
		*err_r = SPF_TEMPERROR;
		return M_ERROR;
	case SPF_NONE:
		return set_error(e, err_r, SPF_PERMERROR, arena_printf(e->a,
		    "include target %s has no SPF record (5.2)", name));
	default:
		*err_r = SPF_PERMERROR;
		return M_ERROR;
	}
}

/* Evaluate one mechanism; M_MATCH, M_NOMATCH or M_ERROR. */
static int
eval_mech(struct eval *e, const struct spf_term *t, const char *domain,
    unsigned depth, struct spf_step *s, enum spf_res *err_r)
{
	const char *name;

	if (t->is_lookup && count_lookup(e, err_r) == -1)
		return M_ERROR;
	if (t->kind == SPF_K_ALL)
		return M_MATCH;
	if (t->kind == SPF_K_IP4 || t->kind == SPF_K_IP6)
		return mech_ip(e, t) ? M_MATCH : M_NOMATCH;
	if (term_target(e, t, domain, &name, err_r) == M_ERROR)
		return M_ERROR;
	s->target = name;
	if (t->kind == SPF_K_INCLUDE)
		return mech_include(e, name, depth, err_r);
	/* A name that cannot be asked (empty label, 64-octet label) holds
	   no addresses: the mechanism does not match (4.8, 5). */
	if (!is_queryable(name))
		return M_NOMATCH;
	switch (t->kind) {
	case SPF_K_A:
		return mech_a(e, t, name, s, err_r);
	case SPF_K_MX:
		return mech_mx(e, t, name, s, err_r);
	case SPF_K_PTR:
		return mech_ptr(e, name, s, err_r);
	case SPF_K_EXISTS:
		return mech_exists(e, name, s, err_r);
	default:
		return set_error(e, err_r, SPF_PERMERROR, "unknown mechanism");
	}
}

/* Is [p, p+len) printable ASCII (spaces allowed)? */
static int
is_printable(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * The explanation of a fail (6.2): the TXT record named by exp=, expanded
 * with c, r and t allowed. Any trouble (DNS error, not exactly one
 * record, bad syntax, non-ASCII) falls back to the default text.
 */
static const char *
explain(struct eval *e, const struct spf_record *rec, const char *domain,
    unsigned depth)
{
	struct spf_step dummy, *s;
	struct dns_answer *ans;
	struct dns_str txt;
	const char *why, *name;
	char *out;
	enum spf_res err;

	e->env.domain = domain;
	if (rec->exp == NULL)
		goto dflt;
	s = step_new(e, SPF_S_EXP, depth, domain, &dummy);
	s->term = rec->exp;
	if (term_target(e, rec->exp, domain, &name, &err) == M_ERROR ||
	    !is_queryable(name)) {
		s->outcome = "unusable exp target: default explanation";
		goto dflt;
	}
	s->target = name;
	(void)dns_query(e->res, name, DNS_T_TXT, e->a, &ans, &why);
	step_dns(e, s, ans);
	if (ans->rcode != DNS_R_NOERROR || ans->nrr != 1 ||
	    !ans->rr[0].is_decoded) {
		s->outcome = "not exactly one TXT record: default explanation";
		goto dflt;
	}
	txt = dns_txt_join(e->a, &ans->rr[0]);
	if (!is_printable(txt.p, txt.len) || spf_macro_expand(e->a, txt.p,
	    txt.len, &e->env, 1, &out, &why) == -1) {
		s->outcome = "bad explanation text: default explanation";
		goto dflt;
	}
	s->outcome = "explanation";
	return out;
dflt:
	why = spf_ctx_default_exp(e->c);
	if (spf_macro_expand(e->a, why, strlen(why), &e->env, 1, &out,
	    &why) == -1)
		return "not authorized";
	return out;
}

/* Look up domain's record and turn trouble into a result (4.4, 4.5). */
static const struct spf_record *
host_record(struct eval *e, const char *domain, unsigned depth,
    struct host_out *o)
{
	struct spf_recinfo ri;
	struct spf_step dummy, *s;

	spf_get_record(e->c, e->a, domain, &ri);
	s = step_new(e, SPF_S_RECORD, depth, domain, &dummy);
	s->target = domain;
	s->is_cached = ri.is_cached;
	step_dns(e, s, ri.ans);
	o->res = SPF_NONE;
	if (ri.rc == DNS_R_SERVFAIL || ri.rc == DNS_R_TIMEOUT) {
		o->res = SPF_TEMPERROR;
		e->problem = arena_printf(e->a, "DNS %s looking up the TXT "
		    "record of %s", dns_rcode_str(ri.rc), domain);
	} else if (ri.rc != DNS_R_NOERROR || ri.nspf == 0) {
		s->outcome = "no SPF record";
	} else if (ri.nspf > 1) {
		o->res = SPF_PERMERROR;
		e->problem = arena_printf(e->a, "%s has %zu SPF records "
		    "(RFC 7208 4.5)", domain, ri.nspf);
	} else {
		s->record = ri.rec->text;
		if (ri.rec->nerror == 0) {
			s->outcome = "record";
			return ri.rec;
		}
		o->res = SPF_PERMERROR;
		e->problem = arena_printf(e->a, "syntax error in the record of "
		    "%s: %s", domain, ri.rec->why);
	}
	if (o->res != SPF_NONE)
		s->outcome = e->problem;
	s->result = o->res;
	s->has_result = 1;
	return NULL;
}

static void
do_redirect(struct eval *e, const struct spf_record *rec, const char *domain,
    unsigned depth, struct host_out *o)
{
	struct spf_step dummy, *s = step_new(e, SPF_S_TERM, depth, domain,
	    &dummy);
	const char *name;

	s->term = rec->redirect;
	if (count_lookup(e, &o->res) == -1 ||
	    term_target(e, rec->redirect, domain, &name, &o->res) == M_ERROR)
		goto out;
	s->target = name;
	if (!is_queryable(name)) {
		o->res = SPF_PERMERROR;
		e->problem = arena_printf(e->a, "redirect target \"%s\" is not "
		    "a domain name", name);
		goto out;
	}
	if (depth + 1 > SPF_DEPTH_MAX) {
		o->res = SPF_PERMERROR;
		e->problem = "include/redirect nesting too deep";
		goto out;
	}
	s->outcome = "followed";
	check_host(e, name, depth + 1, o);
	if (o->res == SPF_NONE) {
		/* 6.1: a redirect to a domain without a record. */
		o->res = SPF_PERMERROR;
		e->problem = arena_printf(e->a, "redirect target %s has no SPF "
		    "record (RFC 7208 6.1)", name);
	}
	return;
out:
	s->outcome = e->problem;
	s->result = o->res;
	s->has_result = 1;
}

static void
check_host(struct eval *e, const char *domain, unsigned depth,
    struct host_out *o)
{
	const struct spf_record *rec;
	struct spf_step dummy, *s;
	enum spf_res err;
	size_t i;
	int m;

	memset(o, 0, sizeof(*o));
	if ((rec = host_record(e, domain, depth, o)) == NULL)
		return;
	for (i = 0; i < rec->nterm; i++) {
		const struct spf_term *t = &rec->term[i];

		if (t->kind >= SPF_K_REDIRECT)
			continue;
		s = step_new(e, SPF_S_TERM, depth, domain, &dummy);
		s->term = t;
		m = eval_mech(e, t, domain, depth, s, &err);
		if (m == M_NOMATCH) {
			s->outcome = "no match";
			continue;
		}
		if (m == M_ERROR) {
			o->res = err;
			s->result = err;
			s->has_result = 1;
			s->outcome = e->problem != NULL ? e->problem :
			    spf_result_str(err);
			return;
		}
		o->res = t->qual;
		o->match = t;
		o->match_domain = domain;
		s->outcome = "match";
		s->result = t->qual;
		s->has_result = 1;
		if (t->qual == SPF_FAIL)
			o->exp = explain(e, rec, domain, depth);
		return;
	}
	if (rec->redirect != NULL) {
		do_redirect(e, rec, domain, depth, o);
		return;
	}
	s = step_new(e, SPF_S_DEFAULT, depth, domain, &dummy);
	s->outcome = "no term matched: neutral (RFC 7208 4.7)";
	s->result = o->res = SPF_NEUTRAL;
	s->has_result = 1;
}

int
spf_query_set_ip(struct spf_query *q, const char *s)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	struct in6_addr a6;
	struct in_addr a4;

	memset(q->ip, 0, sizeof(q->ip));
	if (inet_pton(AF_INET, s, &a4) == 1) {
		q->af = AF_INET;
		memcpy(q->ip, &a4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (memcmp(a6.s6_addr, mapped, 12) == 0) {
		q->af = AF_INET;
		memcpy(q->ip, a6.s6_addr + 12, 4);
	} else {
		q->af = AF_INET6;
		memcpy(q->ip, a6.s6_addr, 16);
	}
	return 0;
}

/* 4.3: a domain check_host() can evaluate: FQDN, several labels. */
static int
is_usable_domain(const char *d)
{
	const char *why;
	size_t n = strlen(d);

	if (n == 0 || d[0] == '[' || dns_name_check(d, &why) == -1)
		return 0;
	if (d[n - 1] == '.')
		n--;
	return memchr(d, '.', n) != NULL;
}

static int
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Split the identity into sender, local part and domain (4.1, 4.3). */
static void
set_identity(struct eval *e, const struct spf_query *q, struct spf_result *r)
{
	const char *s = q->sender != NULL ? q->sender : "", *at, *why;
	size_t n = strlen(s);
	const char *helo = q->helo != NULL ? q->helo : "";

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		s = arena_strndup(e->a, s + 1, n -= 2);
	if (q->identity == SPF_ID_HELO || n == 0) {
		/* 2.3, 2.4: the HELO identity, and a null path. */
		e->env.local = "postmaster";
		e->env.sender_domain = helo;
	} else if ((at = strrchr(s, '@')) == NULL) {
		e->env.local = "postmaster";
		e->env.sender_domain = s;
	} else {
		e->env.local = at == s ? "postmaster" :
		    arena_strndup(e->a, s, (size_t)(at - s));
		e->env.sender_domain = at + 1;
	}
	n = strlen(e->env.sender_domain);
	if (n > 1 && e->env.sender_domain[n - 1] == '.')
		e->env.sender_domain = arena_strndup(e->a,
		    e->env.sender_domain, n - 1);
	if (has_8bit(e->env.sender_domain)) {
		/* RFC 8616 4: SPF asks DNS with A-labels. */
		const char *ace = addr_domain_ace(e->a, e->env.sender_domain,
		    &why);

		if (ace != NULL)
			e->env.sender_domain = ace;
	}
	e->env.sender = arena_printf(e->a, "%s@%s", e->env.local,
	    e->env.sender_domain);
	r->identity = q->identity;
	r->sender = e->env.sender;
	r->domain = e->env.sender_domain;
}

static void
copy_trace(struct eval *e, struct spf_result *r)
{
	struct step_node *n;
	size_t i = 0;

	r->ntrace = e->nstep;
	if (e->nstep == 0)
		return;
	r->trace = arena_calloc(e->a, e->nstep, sizeof(*r->trace));
	for (n = e->head; n != NULL; n = n->next)
		r->trace[i++] = n->s;
}

int
spf_check(struct spf_ctx *c, const struct spf_query *q, struct arena *a,
    struct spf_result **r_r, const char **why_r)
{
	struct spf_result *r;
	struct host_out o;
	struct eval e;

	if (q->af != AF_INET && q->af != AF_INET6) {
		*why_r = "SPF query without a client IP address";
		return -1;
	}
	memset(&e, 0, sizeof(e));
	e.c = c;
	e.res = spf_ctx_resolver(c);
	e.a = a;
	e.trace = (q->flags & SPF_Q_TRACE) != 0;
	e.env.af = q->af;
	memcpy(e.env.ip, q->ip, 16);
	e.env.helo = q->helo;
	e.env.receiver = q->receiver;
	e.env.now = clock_now();
	e.env.ptr_name = ptr_macro;
	e.env.ptr_ctx = &e;
	*r_r = r = arena_zalloc(a, sizeof(*r));
	r->helo = q->helo;
	r->receiver = q->receiver;
	(void)inet_ntop(q->af, q->ip, r->ip, sizeof(r->ip));
	set_identity(&e, q, r);
	if (!is_usable_domain(r->domain)) {
		/* 4.3: malformed or single-label domain: none. */
		r->result = SPF_NONE;
		r->problem = arena_printf(a, "\"%s\" is not a fully "
		    "qualified domain name (RFC 7208 4.3)", r->domain);
		return 0;
	}
	check_host(&e, r->domain, 0, &o);
	r->result = o.res;
	if (o.match != NULL) {
		r->matched = o.match->text;
		r->matched_domain = o.match_domain;
	}
	if (o.res == SPF_FAIL)
		r->explanation = o.exp;
	if (o.res == SPF_TEMPERROR || o.res == SPF_PERMERROR)
		r->problem = e.problem;
	r->lookups = e.lookups;
	r->voids = e.voids;
	copy_trace(&e, r);
	return 0;
}
