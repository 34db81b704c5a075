/*
 * What SPF results look like outside: the Received-SPF header field of
 * RFC 7208 section 9.1 (result, comment, key=value pairs), the SPF
 * resinfo of Authentication-Results (RFC 8601 2.7.2, smtp.mailfrom or
 * smtp.helo), and the audit walk that counts DNS-querying terms through
 * include and redirect (RFC 7208 4.6.4) for `mxwarden check`.
 */
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_priv.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

/* Printable ASCII copy of s for a header, "?" for anything else. */
static void
add_safe(struct buf *b, const char *s, int in_comment)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || (in_comment && (c == '(' ||
		    c == ')' || c == '\\')))
			buf_addc(b, '?');
		else
			buf_addc(b, c);
	}
}

static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5322 dot-atom? */
static int
is_dot_atom(const char *s)
{
	int prev_dot = 1;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
		} else if (is_atext((unsigned char)*s))
			prev_dot = 0;
		else
			return 0;
	}
	return !prev_dot;
}

/* key=value; with the value as dot-atom or quoted-string (9.1). */
static void
add_pair(struct buf *b, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_printf(b, " %s=", key);
	if (is_dot_atom(v))
		buf_adds(b, v);
	else {
		buf_addc(b, '"');
		for (; *v != '\0'; v++) {
			unsigned char c = (unsigned char)*v;

			if (c == '"' || c == '\\')
				buf_addc(b, '\\');
			buf_addc(b, c < 0x20 || c > 0x7e ? '?' : c);
		}
		buf_addc(b, '"');
	}
	buf_addc(b, ';');
}

static void
add_comment(struct buf *b, const struct spf_result *r)
{
	const char *who = r->identity == SPF_ID_HELO ? "HELO name" :
	    "domain of";

	buf_adds(b, " (");
	if (r->receiver != NULL) {
		add_safe(b, r->receiver, 1);
		buf_adds(b, ": ");
	}
	switch (r->result) {
	case SPF_PASS:
		buf_printf(b, "%s ", who);
		add_safe(b, r->sender, 1);
		buf_printf(b, " designates %s as permitted sender", r->ip);
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
		buf_printf(b, "%s ", who);
		add_safe(b, r->sender, 1);
		buf_printf(b, " does not designate %s as permitted sender%s",
		    r->ip, r->result == SPF_SOFTFAIL ? " (softfail)" : "");
		break;
	case SPF_NEUTRAL:
		buf_printf(b, "%s is neither permitted nor denied by %s ",
		    r->ip, who);
		add_safe(b, r->sender, 1);
		break;
	case SPF_NONE:
		buf_printf(b, "%s ", who);
		add_safe(b, r->sender, 1);
		buf_adds(b, " does not publish an SPF record");
		break;
	default:
		buf_adds(b, "error evaluating the policy of ");
		add_safe(b, r->domain, 1);
		if (r->problem != NULL) {
			buf_adds(b, ": ");
			add_safe(b, r->problem, 1);
		}
		break;
	}
	buf_addc(b, ')');
}

const char *
spf_received_spf(struct arena *a, const struct spf_result *r)
{
	struct buf b = BUF_INIT;
	const char *s;

	buf_adds(&b, spf_result_str(r->result));
	add_comment(&b, r);
	add_pair(&b, "client-ip", r->ip);
	if (r->identity == SPF_ID_MAILFROM)
		add_pair(&b, "envelope-from", r->sender);
	add_pair(&b, "helo", r->helo);
	add_pair(&b, "receiver", r->receiver);
	add_pair(&b, "identity", r->identity == SPF_ID_HELO ? "helo" :
	    "mailfrom");
	add_pair(&b, "mechanism", r->matched);
	add_pair(&b, "problem", r->problem);
	/* Drop the final ';' (9.1: key-value-list ends without one). */
	if (b.len > 0 && b.p[b.len - 1] == ';')
		b.len--;
	s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

void
spf_authres_prop(struct arena *a, const struct spf_result *r,
    const char **prop_r, const char **value_r)
{
	const char *at;

	if (r->identity == SPF_ID_HELO) {
		*prop_r = "helo";
		*value_r = r->domain;
		return;
	}
	*prop_r = "mailfrom";
	/* RFC 8601 2.7.2: local-part@domain; a local part that is not a
	   dot-atom would need quoting, so the domain alone is given. */
	at = strrchr(r->sender, '@');
	if (at != NULL && is_dot_atom(arena_strndup(a, r->sender,
	    (size_t)(at - r->sender))) && is_dot_atom(at + 1))
		*value_r = r->sender;
	else
		*value_r = r->domain;
}

const char *
spf_authres(struct arena *a, const struct spf_result *r)
{
	struct buf b = BUF_INIT;
	const char *prop, *val, *s;

	spf_authres_prop(a, r, &prop, &val);
	buf_printf(&b, "spf=%s", spf_result_str(r->result));
	if (r->problem != NULL && (r->result == SPF_PERMERROR ||
	    r->result == SPF_TEMPERROR)) {
		buf_adds(&b, " reason=\"");
		for (s = r->problem; *s != '\0'; s++)
			buf_addc(&b, *s == '"' || *s == '\\' ||
			    (unsigned char)*s < 0x20 ||
			    (unsigned char)*s > 0x7e ? '?' : *s);
		buf_addc(&b, '"');
	}
	buf_printf(&b, " smtp.%s=", prop);
	if (is_dot_atom(val) || strchr(val, '@') != NULL)
		add_safe(&b, val, 0);
	else {
		buf_addc(&b, '"');
		add_safe(&b, val, 1);
		buf_addc(&b, '"');
	}
	s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

/*
 * The audit walk.
 */
struct walk {
	struct spf_ctx		*c;
	struct arena		*a;
	struct spf_count	*r;
	size_t			 cap;
	const char		*path[SPF_DEPTH_MAX + 2];
};

static struct spf_count_node *
walk_node(struct walk *w)
{
	struct spf_count_node *n;

	if (w->r->nnode == w->cap) {
		w->cap = w->cap == 0 ? 8 : w->cap * 2;
		n = arena_calloc(w->a, w->cap, sizeof(*n));
		if (w->r->nnode > 0)
			memcpy(n, w->r->node, w->r->nnode * sizeof(*n));
		w->r->node = n;
	}
	return &w->r->node[w->r->nnode++];
}

static void walk_domain(struct walk *, const char *, const char *, unsigned,
    const char *);

/* Same domain name, ignoring case and a final dot? */
static int
is_same(const char *x, const char *y)
{
	size_t n = strlen(x), m = strlen(y);

	if (n > 0 && x[n - 1] == '.')
		n--;
	if (m > 0 && y[m - 1] == '.')
		m--;
	return n == m && str_ncasecmp(x, y, n) == 0;
}

/* Count one term and follow it if it names another policy. */
static void
walk_term(struct walk *w, const struct spf_term *t, const char *domain,
    unsigned depth, const char *root)
{
	const char *target;
	unsigned i;

	if (!t->is_lookup)
		return;
	if (++w->r->total == SPF_LOOKUP_MAX + 1) {
		w->r->over_term = t->text;
		w->r->over_domain = domain;
		w->r->over_root = root != NULL ? root : t->text;
	}
	if ((t->kind != SPF_K_INCLUDE && t->kind != SPF_K_REDIRECT) ||
	    t->spec == NULL)
		return;
	target = t->spec;
	if (strchr(target, '%') != NULL) {
		struct spf_count_node *n = walk_node(w);

		n->depth = depth + 1;
		n->domain = target;
		n->via = t->text;
		n->problem = "target uses macros: not followed";
		n->total = w->r->total;
		return;
	}
	for (i = 0; i <= depth; i++)
		if (is_same(w->path[i], target)) {
			struct spf_count_node *n = walk_node(w);

			n->depth = depth + 1;
			n->domain = target;
			n->via = t->text;
			n->problem = "loop: this domain is already being "
			    "evaluated";
			n->total = w->r->total;
			return;
		}
	walk_domain(w, target, t->text, depth + 1, root != NULL ? root :
	    t->text);
}

static void
walk_domain(struct walk *w, const char *domain, const char *via,
    unsigned depth, const char *root)
{
	struct spf_count_node *n = walk_node(w);
	size_t idx = w->r->nnode - 1, i;
	struct spf_recinfo ri;
	const struct spf_record *rec;

	n->depth = depth;
	n->domain = domain;
	n->via = via;
	if (depth > SPF_DEPTH_MAX) {
		n->problem = "include/redirect nesting too deep";
		n->total = w->r->total;
		return;
	}
	w->path[depth] = domain;
	spf_get_record(w->c, w->a, domain, &ri);
	if (ri.rc == DNS_R_SERVFAIL || ri.rc == DNS_R_TIMEOUT)
		n->problem = arena_printf(w->a, "DNS %s",
		    dns_rcode_str(ri.rc));
	else if (ri.rc != DNS_R_NOERROR || ri.nspf == 0)
		n->problem = "no SPF record";
	else if (ri.nspf > 1)
		n->problem = "several SPF records";
	if (n->problem != NULL || ri.rec == NULL) {
		n->total = w->r->total;
		return;
	}
	n->rec = rec = ri.rec;
	n->own = (unsigned)rec->nlookup;
	if (rec->nerror > 0)
		n->problem = rec->why;
	/* Mechanisms in order, then redirect, as check_host() goes. */
	for (i = 0; i < rec->nterm; i++)
		if (rec->term[i].kind != SPF_K_REDIRECT)
			walk_term(w, &rec->term[i], domain, depth, root);
	if (rec->redirect != NULL)
		walk_term(w, rec->redirect, domain, depth, root);
	/* n may have moved: the node array grows as the walk goes on. */
	w->r->node[idx].total = w->r->total;
}

int
spf_count_lookups(struct spf_ctx *c, const char *domain, struct arena *a,
    struct spf_count **r_r, const char **why_r)
{
	struct walk w;

	if (dns_name_check(domain, why_r) == -1)
		return -1;
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.a = a;
	w.r = arena_zalloc(a, sizeof(*w.r));
	walk_domain(&w, domain, NULL, 0, NULL);
	*r_r = w.r;
	return 0;
}
