/*
 * DMARC (RFC 9989, with RFC 7489 as an option): record parsing
 * (RFC 9989 4.7), the From domain (4.4), policy discovery and the
 * Organizational Domain by the DNS tree walk (4.10), identifier
 * alignment (4.4.1, 4.4.2), non-existent domains for np= (4.7), the
 * testing flag t= (4.7), and the local policy overrides that aggregate
 * reports name (trusted forwarder, mailing list, forwarded via ARC,
 * local policy). Under RFC 7489 the Organizational Domain comes from the
 * public suffix list (libpsl) and pct= samples the policy (6.6.4).
 */
#include <libpsl.h>
#include <pthread.h>
#include <string.h>

#include "auth/dmarc.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "mail/addr.h"
#include "mail/msg.h"

enum lookup_state {
	LK_NONE = 0,		/* no (single, valid) record */
	LK_FOUND,
	LK_TEMPERROR
};

struct cache_ent {
	const char		*name;		/* domain, lower case */
	enum lookup_state	 state;
	struct dmarc_record	 rec;
	const char		*why;
};

struct dmarc_ctx {
	struct arena		*a;
	struct dns_resolver	*res;
	enum dmarc_rfc		 rfc;
	struct cache_ent	 cache[DMARC_CACHE_MAX];
	size_t			 ncache;
	unsigned		 nqueries;
};

/*
 * Record parsing.
 */

static int
word_policy(const char *v, enum dmarc_policy *p_r)
{
	if (str_casecmp(v, "none") == 0)
		*p_r = DMARC_POL_NONE;
	else if (str_casecmp(v, "quarantine") == 0)
		*p_r = DMARC_POL_QUARANTINE;
	else if (str_casecmp(v, "reject") == 0)
		*p_r = DMARC_POL_REJECT;
	else
		return -1;
	return 0;
}

static int
word_align(const char *v, enum dmarc_align *a_r)
{
	if (str_casecmp(v, "r") == 0)
		*a_r = DMARC_ALIGN_RELAXED;
	else if (str_casecmp(v, "s") == 0)
		*a_r = DMARC_ALIGN_STRICT;
	else
		return -1;
	return 0;
}

/* Does a rua= value hold at least one URI with a scheme (RFC 3986)? */
static int
has_uri(const char *v)
{
	const char *c;

	if (v == NULL)
		return 0;
	c = strchr(v, ':');
	return c != NULL && c > v;
}

/* RFC 7489 rf=: a colon-separated list of report formats we know. */
static int
rf_ok(const char *v)
{
	char buf[64];
	char *save = NULL, *tok;

	if (str_lcpy(buf, v, sizeof(buf)) >= sizeof(buf))
		return 0;
	for (tok = strtok_r(buf, ":", &save); tok != NULL;
	    tok = strtok_r(NULL, ":", &save))
		if (str_casecmp(tok, "afrf") != 0 &&
		    str_casecmp(tok, "iodef") != 0)
			return 0;
	return 1;
}

/*
 * Apply one tag. Returns 0, 1 for an unknown tag, -1 for a bad value
 * with *why_r set.
 */
static int
take_tag(struct dmarc_record *r, enum dmarc_rfc rfc, const char *t,
    const char *v, int *seen_p, int *bad_p, const char **why_r)
{
	unsigned long long n;

	if (strcmp(t, "p") == 0) {
		*seen_p = 1;
		if (word_policy(v, &r->p) == -1) {
			*bad_p = 1;
			*why_r = "p= is not none, quarantine or reject";
			return -1;
		}
		r->has_p = 1;
	} else if (strcmp(t, "sp") == 0) {
		if (word_policy(v, &r->sp) == -1) {
			*why_r = "sp= is not none, quarantine or reject";
			if (rfc == DMARC_RFC7489)
				*bad_p = 1;
			return -1;
		}
		r->has_sp = 1;
	} else if (strcmp(t, "np") == 0) {
		if (word_policy(v, &r->np) == -1) {
			*why_r = "np= is not none, quarantine or reject";
			return -1;
		}
		r->has_np = 1;
	} else if (strcmp(t, "adkim") == 0) {
		if (word_align(v, &r->adkim) == -1) {
			*why_r = "adkim= is not r or s";
			return -1;
		}
	} else if (strcmp(t, "aspf") == 0) {
		if (word_align(v, &r->aspf) == -1) {
			*why_r = "aspf= is not r or s";
			return -1;
		}
	} else if (strcmp(t, "psd") == 0 && rfc == DMARC_RFC9989) {
		if (str_casecmp(v, "y") == 0)
			r->psd = DMARC_PSD_Y;
		else if (str_casecmp(v, "n") == 0)
			r->psd = DMARC_PSD_N;
		else if (str_casecmp(v, "u") == 0)
			r->psd = DMARC_PSD_U;
		else {
			*why_r = "psd= is not y, n or u";
			return -1;
		}
	} else if (strcmp(t, "t") == 0 && rfc == DMARC_RFC9989) {
		if (str_casecmp(v, "y") == 0)
			r->is_testing = 1;
		else if (str_casecmp(v, "n") != 0) {
			*why_r = "t= is not y or n";
			return -1;
		}
	} else if (strcmp(t, "pct") == 0) {
		if (str_to_ull(v, 100, &n) == -1) {
			*why_r = "pct= is not a number from 0 to 100";
			return -1;
		}
		/* RFC 9989 dropped pct=; it is read but not used. */
		if (rfc == DMARC_RFC7489)
			r->pct = (int)n;
	} else if (strcmp(t, "rf") == 0) {
		if (rfc == DMARC_RFC7489 && !rf_ok(v)) {
			*why_r = "rf= names an unknown report format";
			return -1;
		}
	} else if (strcmp(t, "ri") == 0) {
		if (str_to_ull(v, 0xffffffffULL, &n) == -1) {
			*why_r = "ri= is not a 32-bit number";
			return -1;
		}
	} else if (strcmp(t, "rua") == 0)
		r->rua = v;
	else if (strcmp(t, "ruf") == 0)
		r->ruf = v;
	else if (strcmp(t, "fo") == 0)
		r->fo = v;
	else
		return 1;
	return 0;
}

/* Split off the next "tag=value" of [*pp, end); 0 at the end. */
static int
next_tag(struct arena *a, const char **pp, const char *end, char **tag_r,
    char **val_r)
{
	const char *p = *pp, *semi, *eq;

	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		*pp = semi < end ? semi + 1 : end;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq == NULL) {
			*tag_r = str_trim(a, p, (size_t)(semi - p));
			*val_r = NULL;
			if (**tag_r == '\0') {
				p = *pp;
				continue;
			}
			return 1;
		}
		*tag_r = str_trim(a, p, (size_t)(eq - p));
		*val_r = str_trim(a, eq + 1, (size_t)(semi - eq - 1));
		return 1;
	}
	return 0;
}

/* Does the text start with the DMARC version tag (RFC 9989 4.7 v=)? */
static int
is_dmarc1(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= len || p[i++] != 'v')
		return 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= len || p[i++] != '=')
		return 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (len - i < 6 || memcmp(p + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i == len || p[i] == ';';
}

int
dmarc_record_parse(struct arena *a, const char *txt, size_t len,
    enum dmarc_rfc rfc, struct dmarc_record *r, const char **why_r)
{
	const char *p, *end, *why = NULL, *seen[16];
	char *tag, *val;
	int seen_p = 0, bad_p = 0, rc, first = 1;
	size_t nseen = 0, i;

	memset(r, 0, sizeof(*r));
	r->pct = 100;
	if (len == 0) {
		*why_r = "empty record";
		return -1;
	}
	if (len > DMARC_RECORD_MAX) {
		*why_r = "record longer than 2048 bytes";
		return -1;
	}
	if (memchr(txt, '\0', len) != NULL) {
		*why_r = "NUL byte in record";
		return -1;
	}
	if (!is_dmarc1(txt, len)) {
		*why_r = "does not start with v=DMARC1";
		return -1;
	}
	p = txt;
	end = txt + len;
	while (next_tag(a, &p, end, &tag, &val)) {
		if (first) {		/* v=DMARC1, checked above */
			first = 0;
			continue;
		}
		if (val == NULL) {
			if (rfc == DMARC_RFC7489) {
				*why_r = "a tag without a value";
				return -1;
			}
			if (r->warn == NULL)
				r->warn = "a tag without a value ignored";
			continue;
		}
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], tag) == 0)
				break;
		if (i < nseen) {
			if (rfc == DMARC_RFC7489) {
				*why_r = "a tag appears twice";
				return -1;
			}
			if (r->warn == NULL)
				r->warn = "a repeated tag ignored";
			continue;
		}
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = tag;
		rc = take_tag(r, rfc, tag, val, &seen_p, &bad_p, &why);
		if (rc == -1 && rfc == DMARC_RFC7489 && !bad_p) {
			*why_r = why;
			return -1;
		}
		if (rc == -1 && r->warn == NULL)
			r->warn = why;
	}
	if (rfc == DMARC_RFC7489 && (!r->has_p || bad_p)) {
		/* RFC 7489 6.6.3: without a valid p=, rua= saves it. */
		if (!has_uri(r->rua)) {
			*why_r = bad_p ? why : "no p= tag";
			return -1;
		}
		r->has_sp = 0;
	}
	if (!r->has_p) {
		/* RFC 9989 4.7: a missing or invalid p= reads as none. */
		r->p = DMARC_POL_NONE;
		if (r->warn == NULL)
			r->warn = seen_p ? "invalid p= read as none" :
			    "no p= tag: read as none";
	}
	return 0;
}

/*
 * The From domain.
 */

static enum dmarc_from
add_addrs(struct arena *a, const struct mail_addr *v, size_t n,
    const char **doms, size_t *nd, const char **why_r)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (v[i].domain == NULL || v[i].domain_ace == NULL) {
			*why_r = arena_printf(a, "From address \"%s\" has no "
			    "usable domain", v[i].local != NULL ?
			    v[i].local : "");
			return DMARC_FROM_NO_DOMAIN;
		}
		for (j = 0; j < *nd; j++)
			if (str_casecmp(doms[j], v[i].domain_ace) == 0)
				break;
		if (j == *nd && *nd < DMARC_FROM_DOMAINS_MAX)
			doms[(*nd)++] = v[i].domain_ace;
	}
	return DMARC_FROM_OK;
}

static enum dmarc_from
from_finish(struct arena *a, const char **doms, size_t nd,
    const char ***doms_r, size_t *n_r, const char **why_r)
{
	*doms_r = doms;
	*n_r = nd;
	if (nd == 0) {
		*why_r = "From holds no address";
		return DMARC_FROM_EMPTY;
	}
	if (nd > 1) {
		*why_r = arena_printf(a, "From names %zu domains", nd);
		return DMARC_FROM_MULTI;
	}
	*why_r = NULL;
	return DMARC_FROM_OK;
}

enum dmarc_from
dmarc_from_value(struct arena *a, const char *v, size_t len,
    const char ***doms_r, size_t *n_r, const char **why_r)
{
	const char **doms = arena_calloc(a, DMARC_FROM_DOMAINS_MAX,
	    sizeof(*doms));
	struct mail_addr *addrs;
	size_t n = 0, nd = 0;
	enum dmarc_from st;
	const char *why;

	*doms_r = doms;
	*n_r = 0;
	if (addr_parse_list(a, v, len, &addrs, &n, &why) == -1) {
		*why_r = arena_printf(a, "From cannot be parsed: %s", why);
		return DMARC_FROM_UNPARSEABLE;
	}
	if ((st = add_addrs(a, addrs, n, doms, &nd, why_r)) != DMARC_FROM_OK)
		return st;
	return from_finish(a, doms, nd, doms_r, n_r, why_r);
}

enum dmarc_from
dmarc_from_domains(struct arena *a, const struct msg *m,
    const char ***doms_r, size_t *n_r, const char **why_r)
{
	const char **doms = arena_calloc(a, DMARC_FROM_DOMAINS_MAX,
	    sizeof(*doms));
	const struct msg_header *h;
	struct mail_addr *addrs;
	size_t i, n, nd = 0;
	enum dmarc_from st;
	const char *why;

	*doms_r = doms;
	*n_r = 0;
	for (i = 0; (h = msg_header_get(m, "From", i)) != NULL; i++) {
		if (addr_parse_list(a, h->unfolded, h->unfolded_len, &addrs,
		    &n, &why) == -1) {
			*why_r = arena_printf(a, "From cannot be parsed: %s",
			    why);
			return DMARC_FROM_UNPARSEABLE;
		}
		st = add_addrs(a, addrs, n, doms, &nd, why_r);
		if (st != DMARC_FROM_OK)
			return st;
	}
	if (i == 0) {
		*why_r = "no From field";
		return DMARC_FROM_MISSING;
	}
	return from_finish(a, doms, nd, doms_r, n_r, why_r);
}

/*
 * DNS: _dmarc lookups with a per-message cache.
 */

struct dmarc_ctx *
dmarc_ctx_new(struct arena *a, struct dns_resolver *res, enum dmarc_rfc rfc)
{
	struct dmarc_ctx *c = arena_zalloc(a, sizeof(*c));

	c->a = a;
	c->res = res;
	c->rfc = rfc;
	return c;
}

unsigned
dmarc_ctx_queries(const struct dmarc_ctx *c)
{
	return c->nqueries;
}

/* Ask _dmarc.domain (RFC 9989 4.10 steps 1-2 and 6-7). */
static const struct cache_ent *
lookup(struct dmarc_ctx *c, const char *domain)
{
	struct cache_ent *e;
	struct dns_answer *ans;
	struct dns_str s;
	const char *why, *name;
	size_t i, nrec = 0;

	for (i = 0; i < c->ncache; i++)
		if (str_casecmp(c->cache[i].name, domain) == 0)
			return &c->cache[i];
	if (c->ncache < DMARC_CACHE_MAX)
		e = &c->cache[c->ncache++];
	else
		e = arena_alloc(c->a, sizeof(*e));
	memset(e, 0, sizeof(*e));
	e->name = arena_strdup(c->a, domain);
	name = arena_printf(c->a, "_dmarc.%s", domain);
	c->nqueries++;
	if (dns_query(c->res, name, DNS_T_TXT, c->a, &ans, &why) == -1) {
		/* A name that cannot be asked has no record. */
		e->why = why;
		return e;
	}
	if (ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_TIMEOUT) {
		e->state = LK_TEMPERROR;
		e->why = arena_printf(c->a, "%s for %s",
		    dns_rcode_str(ans->rcode), name);
		return e;
	}
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != DNS_T_TXT || !ans->rr[i].is_decoded)
			continue;
		s = dns_txt_join(c->a, &ans->rr[i]);
		if (!is_dmarc1(s.p, s.len))
			continue;
		if (++nrec > 1)
			break;
		if (dmarc_record_parse(c->a, s.p, s.len, c->rfc, &e->rec,
		    &why) == 0)
			e->state = LK_FOUND;
		else
			e->why = why;
	}
	if (nrec > 1) {
		/* Several records: all are discarded (RFC 9989 4.10). */
		e->state = LK_NONE;
		e->why = "several DMARC records";
	}
	return e;
}

/* Number of labels of a name. */
static size_t
nlabels(const char *d)
{
	size_t n = 1;

	for (; *d != '\0'; d++)
		if (*d == '.' && d[1] != '\0')
			n++;
	return n;
}

/* The name without its k left-most labels. */
static const char *
drop_labels(const char *d, size_t k)
{
	while (k-- > 0) {
		d = strchr(d, '.');
		if (d == NULL)
			return NULL;
		d++;
	}
	return d;
}

/*
 * The targets of the tree walk (RFC 9989 4.10 steps 4-8): the domain,
 * then at most seven labels, then one label less each time. Returns
 * how many; targets[] points into domain.
 */
static size_t
walk_targets(const char *domain, const char **targets)
{
	size_t x = nlabels(domain), n = 0, k;

	targets[n++] = domain;
	k = x >= DMARC_WALK_MAX ? x - (DMARC_WALK_MAX - 1) : 1;
	for (; k < x; k++)
		targets[n++] = drop_labels(domain, k);
	return n;
}

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void
psl_init(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

/* RFC 7489 3.2: the Organizational Domain from the public suffix list. */
static const char *
org_psl(struct arena *a, const char *domain)
{
	const char *r;

	pthread_once(&psl_once, psl_init);
	if (psl == NULL)
		return arena_strdup(a, domain);
	r = psl_registrable_domain(psl, domain);
	return arena_strdup(a, r != NULL ? r : domain);
}

/* RFC 9989 4.10.2: the Organizational Domain from a full tree walk. */
static const char *
org_walk(struct dmarc_ctx *c, const char *domain, int *is_temp_r)
{
	const char *t[DMARC_WALK_MAX], *fewest = NULL;
	const struct cache_ent *e;
	size_t n, i;

	n = walk_targets(domain, t);
	for (i = 0; i < n; i++) {
		e = lookup(c, t[i]);
		if (e->state == LK_TEMPERROR)
			*is_temp_r = 1;
		if (e->state != LK_FOUND)
			continue;
		if (e->rec.psd == DMARC_PSD_N)
			return t[i];
		if (e->rec.psd == DMARC_PSD_Y && i > 0) {
			/* The domain one label below the PSD. */
			return drop_labels(domain,
			    nlabels(domain) - nlabels(t[i]) - 1);
		}
		fewest = t[i];
	}
	return fewest != NULL ? fewest : domain;
}

const char *
dmarc_org_domain(struct dmarc_ctx *c, const char *domain, int *is_temp_r)
{
	const char *d = arena_strdup(c->a, domain);

	*is_temp_r = 0;
	str_lower((char *)d);
	if (c->rfc == DMARC_RFC7489)
		return org_psl(c->a, d);
	return org_walk(c, d, is_temp_r);
}

int
dmarc_discover(struct dmarc_ctx *c, const char *domain,
    struct dmarc_discovery *d, const char **why_r)
{
	const char *t[DMARC_WALK_MAX], *dom;
	const struct cache_ent *e = NULL;
	size_t n, i;
	int temp = 0;

	(void)why_r;
	memset(d, 0, sizeof(*d));
	dom = str_lower(arena_strdup(c->a, domain));
	if (c->rfc == DMARC_RFC7489) {
		t[0] = dom;
		t[1] = org_psl(c->a, dom);
		n = strcmp(t[0], t[1]) == 0 ? 1 : 2;
		d->org_domain = t[1];
	} else
		n = walk_targets(dom, t);
	for (i = 0; i < n; i++) {
		e = lookup(c, t[i]);
		if (e->state == LK_TEMPERROR) {
			d->is_temperror = 1;
			d->why = e->why;
			return 0;
		}
		if (e->state == LK_FOUND)
			break;
	}
	if (i == n)
		return 0;
	d->is_found = 1;
	d->policy_domain = t[i];
	d->rec = e->rec;
	if (c->rfc == DMARC_RFC9989)
		d->org_domain = org_walk(c, dom, &temp);
	return 0;
}

int
dmarc_is_aligned(struct dmarc_ctx *c, const char *from, const char *id,
    enum dmarc_align mode)
{
	int temp;

	if (id == NULL || *id == '\0')
		return 0;
	if (str_casecmp(from, id) == 0)
		return 1;
	if (mode == DMARC_ALIGN_STRICT)
		return 0;
	/* Relaxed: only names sharing a suffix can share an org domain. */
	return strcmp(dmarc_org_domain(c, from, &temp),
	    dmarc_org_domain(c, id, &temp)) == 0;
}

/*
 * Evaluation.
 */

/* Is name equal to dom or a subdomain of it? */
static int
is_within(const char *name, const char *dom)
{
	size_t n, d;

	if (name == NULL || dom == NULL)
		return 0;
	n = strlen(name);
	d = strlen(dom);
	if (n == d)
		return str_casecmp(name, dom) == 0;
	return n > d && name[n - d - 1] == '.' &&
	    str_casecmp(name + n - d, dom) == 0;
}

static int
in_list(const char *name, const char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_within(name, list[i]))
			return 1;
	return 0;
}

/* RFC 9989 4.7 np=: no A, AAAA or MX at the domain (NXDOMAIN/NODATA). */
static int
is_nonexistent(struct dmarc_ctx *c, const char *domain)
{
	struct dns_q q[3];
	const char *why;
	size_t i;

	memset(q, 0, sizeof(q));
	q[0].name = q[1].name = q[2].name = domain;
	q[0].type = DNS_T_A;
	q[1].type = DNS_T_AAAA;
	q[2].type = DNS_T_MX;
	c->nqueries += 3;
	(void)dns_query_all(c->res, q, 3, c->a, &why);
	for (i = 0; i < 3; i++)
		if (q[i].ans == NULL || (q[i].ans->rcode != DNS_R_NXDOMAIN &&
		    q[i].ans->rcode != DNS_R_NODATA))
			return 0;
	return 1;
}

static enum dmarc_policy
soften(enum dmarc_policy p)
{
	return p == DMARC_POL_REJECT ? DMARC_POL_QUARANTINE : DMARC_POL_NONE;
}

/* The List-Id of the message ("<name.example.org>" -> inner), or NULL. */
static const char *
list_id(struct arena *a, const struct msg *m)
{
	const struct msg_header *h = msg_header_get(m, "List-Id", 0);
	const char *lt, *gt;

	if (h == NULL)
		return NULL;
	lt = memchr(h->unfolded, '<', h->unfolded_len);
	if (lt == NULL)
		return NULL;
	gt = memchr(lt, '>', h->unfolded_len - (size_t)(lt - h->unfolded));
	if (gt == NULL || gt == lt + 1)
		return NULL;
	return arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
}

/* Is any authenticated identifier within dom? */
static int
has_auth_within(const struct dmarc_input *in, const char *dom)
{
	size_t i;

	if (in->is_spf_pass && is_within(in->spf_domain, dom))
		return 1;
	for (i = 0; i < in->ndkim; i++)
		if (in->dkim[i].is_pass && is_within(in->dkim[i].d, dom))
			return 1;
	return 0;
}

static void
local_override(struct dmarc_ctx *c, const struct dmarc_input *in,
    struct dmarc_result *r)
{
	const struct dmarc_local *l = in->local;
	const char *lid;
	size_t i, j;

	if (l == NULL || r->applied == DMARC_POL_NONE)
		return;
	for (i = 0; in->is_arc_pass && i < in->narc_pass_sealers; i++)
		if (in_list(in->arc_pass_sealers[i], l->trusted_sealers,
		    l->ntrusted_sealers)) {
			r->applied = DMARC_POL_NONE;
			r->override = DMARC_OVR_FORWARDED;
			r->override_comment = arena_printf(c->a,
			    "arc=pass sealed by %s", in->arc_pass_sealers[i]);
			return;
		}
	for (i = 0; i < l->ntrusted_forwarders; i++) {
		if (is_within(in->client_name, l->trusted_forwarders[i]) ||
		    has_auth_within(in, l->trusted_forwarders[i])) {
			r->applied = DMARC_POL_NONE;
			r->override = DMARC_OVR_TRUSTED_FORWARDER;
			r->override_comment = arena_printf(c->a,
			    "trusted forwarder %s", l->trusted_forwarders[i]);
			return;
		}
	}
	lid = in->msg != NULL ? list_id(c->a, in->msg) : NULL;
	for (j = 0; lid != NULL && j < l->nmailing_lists; j++) {
		/* A List-Id alone is forgeable: the list must authenticate. */
		if (is_within(lid, l->mailing_lists[j]) &&
		    has_auth_within(in, l->mailing_lists[j])) {
			r->applied = DMARC_POL_NONE;
			r->override = DMARC_OVR_MAILING_LIST;
			r->override_comment = arena_printf(c->a,
			    "mailing list %s", l->mailing_lists[j]);
			return;
		}
	}
	if (r->applied == DMARC_POL_REJECT &&
	    in_list(r->from_domain, l->never_reject, l->nnever_reject)) {
		r->applied = DMARC_POL_QUARANTINE;
		r->override = DMARC_OVR_LOCAL_POLICY;
		r->override_comment = "never_reject_domains";
	}
}

/* Alignment of the authenticated identifiers with one From domain. */
static void
align(struct dmarc_ctx *c, const struct dmarc_input *in, const char *from,
    struct dmarc_result *r)
{
	size_t i;

	r->is_spf_aligned = in->is_spf_pass && dmarc_is_aligned(c, from,
	    in->spf_domain, r->rec.aspf);
	for (i = 0; i < in->ndkim && !r->is_dkim_aligned; i++)
		if (in->dkim[i].is_pass && dmarc_is_aligned(c, from,
		    in->dkim[i].d, r->rec.adkim)) {
			r->is_dkim_aligned = 1;
			r->dkim_domain = in->dkim[i].d;
		}
}

static void
eval_one(struct dmarc_ctx *c, const struct dmarc_input *in, const char *from,
    struct dmarc_result *r)
{
	struct dmarc_discovery d;
	const char *why;

	memset(r, 0, sizeof(*r));
	r->from_domain = from;
	(void)dmarc_discover(c, from, &d, &why);
	if (d.is_temperror) {
		r->result = DMARC_RES_TEMPERROR;
		r->reason = arena_printf(c->a, "DNS: %s", d.why);
		return;
	}
	if (!d.is_found) {
		r->result = DMARC_RES_NONE;
		r->reason = arena_printf(c->a, "no DMARC record for %s", from);
		return;
	}
	r->has_rec = 1;
	r->rec = d.rec;
	r->policy_domain = d.policy_domain;
	r->org_domain = d.org_domain;
	if (strcmp(d.policy_domain, from) == 0)
		r->policy = d.rec.p;
	else if (d.rec.has_np && is_nonexistent(c, from)) {
		r->is_nonexistent = 1;
		r->policy = d.rec.np;
	} else
		r->policy = d.rec.has_sp ? d.rec.sp : d.rec.p;
	align(c, in, from, r);
	if (r->is_spf_aligned || r->is_dkim_aligned) {
		r->result = DMARC_RES_PASS;
		r->applied = DMARC_POL_NONE;
		r->reason = r->is_dkim_aligned ?
		    arena_printf(c->a, "DKIM d=%s aligned with %s",
		    r->dkim_domain, from) :
		    arena_printf(c->a, "SPF %s aligned with %s",
		    in->spf_domain, from);
		return;
	}
	r->result = DMARC_RES_FAIL;
	r->applied = r->policy;
	r->reason = arena_printf(c->a, "neither SPF nor DKIM aligned with %s "
	    "(p=%s at %s%s)", from, dmarc_policy_str(r->policy),
	    d.policy_domain, r->is_nonexistent ? ", non-existent" : "");
	if (c->rfc == DMARC_RFC9989 && d.rec.is_testing &&
	    r->applied != DMARC_POL_NONE) {
		r->applied = soften(r->applied);
		r->override = DMARC_OVR_POLICY_TEST_MODE;
		r->override_comment = "t=y";
	} else if (c->rfc == DMARC_RFC7489 && d.rec.pct < 100 &&
	    (int)(in->sample % 100) >= d.rec.pct &&
	    r->applied != DMARC_POL_NONE) {
		r->applied = soften(r->applied);
		r->override = DMARC_OVR_SAMPLED_OUT;
		r->override_comment = arena_printf(c->a, "pct=%d", d.rec.pct);
	}
	local_override(c, in, r);
}

/* Rank for picking the worst of several From domains. */
static int
rank(const struct dmarc_result *r)
{
	static const int w[] = { 1, 0, 4, 3, 2 };

	return w[r->result] * 4 + (int)r->applied;
}

int
dmarc_eval(struct dmarc_ctx *c, const struct dmarc_input *in,
    struct dmarc_result *r, const char **why_r)
{
	struct dmarc_result one;
	const char **doms, *why = NULL;
	enum dmarc_from st;
	size_t n, i;

	(void)why_r;
	memset(r, 0, sizeof(*r));
	st = dmarc_from_domains(c->a, in->msg, &doms, &n, &why);
	if (st != DMARC_FROM_OK && st != DMARC_FROM_MULTI) {
		r->result = DMARC_RES_PERMERROR;
		r->from_status = st;
		r->reason = why;
		return 0;
	}
	for (i = 0; i < n; i++) {
		eval_one(c, in, doms[i], &one);
		if (i == 0 || rank(&one) > rank(r))
			*r = one;
	}
	r->from_status = st;
	if (st == DMARC_FROM_MULTI)
		r->reason = arena_printf(c->a, "%s; %s", why, r->reason);
	return 0;
}

const char *
dmarc_res_str(enum dmarc_res r)
{
	static const char *s[] = { "none", "pass", "fail", "temperror",
	    "permerror" };

	return (unsigned)r < 5 ? s[r] : "?";
}

const char *
dmarc_policy_str(enum dmarc_policy p)
{
	static const char *s[] = { "none", "quarantine", "reject" };

	return (unsigned)p < 3 ? s[p] : "?";
}

const char *
dmarc_override_str(enum dmarc_override o)
{
	static const char *s[] = { "", "forwarded", "sampled_out",
	    "trusted_forwarder", "mailing_list", "local_policy",
	    "policy_test_mode" };

	return (unsigned)o < 7 ? s[o] : "?";
}

const char *
dmarc_from_str(enum dmarc_from f)
{
	static const char *s[] = { "ok", "missing", "unparseable",
	    "no_domain", "empty", "multi" };

	return (unsigned)f < 6 ? s[f] : "?";
}
