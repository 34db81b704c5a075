/*
 * The sender-authentication records of a domain: SPF (RFC 7208: record
 * selection 4.5, syntax 4.6 and 12, the limits of 4.6.4, all 5.1,
 * redirect 6.1, exp 6.2, ptr 5.5), DMARC (RFC 9989 4.7 and 4.10, with
 * RFC 7489 compatibility, report URIs RFC 9990), DKIM keys (RFC 6376
 * 3.6.1, RFC 8301, RFC 8463); BIMI is in audit_bimi.c. Records
 * are parsed with the auth modules' own parsers (spf_parse,
 * spf_count_lookups, dmarc_record_parse, dkim_key_parse and the RFC 6376
 * 3.2 tag-list parser, which DMARC's record syntax shares); this file
 * only judges what they return.
 */
#include <ctype.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "lib/arena.h"
#include "lib/str.h"

/*
 * SPF
 */

static int
has_macro(const char *s)
{
	return s != NULL && strchr(s, '%') != NULL;
}

/* Leading whitespace or a case/space variant of "v=spf1": near-miss. */
static int
is_spf_near(const char *t)
{
	while (*t == ' ' || *t == '\t')
		t++;
	return str_has_prefix_ci(t, "v=spf1") || str_has_prefix_ci(t,
	    "v=spf 1") || str_has_prefix_ci(t, "spf1");
}

static void
spf_records(struct audit_ctx *x, const struct dns_answer *ans,
    const char **spf_r)
{
	const char **v, *rec = NULL;
	struct audit_finding *f, *fp, *fs;
	size_t i, j, n, nspf = 0, near = 0, sid = 0;

	*spf_r = NULL;
	n = audit_txts(x, ans, &v);
	fp = audit_add(x, "spf.record.prefix", AUDIT_PASS, NULL,
	    "the record starts with \"v=spf1\"");
	fs = audit_add(x, "spf.record.senderid", AUDIT_PASS, NULL,
	    "no Sender ID (spf2.0) record");
	for (i = 0; i < n; i++) {
		if (spf_is_record(v[i], strlen(v[i]))) {
			nspf++;
			rec = v[i];
		} else if (is_spf_near(v[i])) {
			near++;
			audit_ev(x, fp, "\"%s\"", v[i]);
		} else if (str_has_prefix_ci(v[i], "spf2.0/")) {
			sid++;
			audit_ev(x, fs, "\"%s\"", v[i]);
		}
	}
	if (near > 0)
		audit_add(x, "spf.record.prefix", AUDIT_NOT_MET, NULL,
		    "%zu TXT record%s almost SPF: receivers ignore %s", near,
		    near == 1 ? " looks" : "s look", near == 1 ? "it" :
		    "them");
	if (sid > 0)
		audit_add(x, "spf.record.senderid", AUDIT_NOT_MET, NULL,
		    "Sender ID record present (obsolete)");
	if (nspf == 0) {
		f = audit_add(x, "spf.record.present", x->is_null_mx ?
		    AUDIT_WARN : AUDIT_NOT_MET, x->is_null_mx ? "Publish "
		    "\"v=spf1 -all\": the domain sends no mail." : NULL,
		    "no SPF record at %s", x->domain);
		audit_ev_ans(x, f, ans);
		return;
	}
	f = audit_add(x, "spf.record.present", AUDIT_PASS, NULL,
	    "SPF record found");
	audit_ev_ans(x, f, ans);
	f = audit_add(x, "spf.record.single", nspf == 1 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, nspf == 1 ? "exactly one SPF record" :
	    "%zu SPF records: receivers return permerror", nspf);
	for (i = 0; nspf > 1 && i < n; i++)
		if (spf_is_record(v[i], strlen(v[i])))
			audit_ev(x, f, "\"%s\"", v[i]);
	if (nspf > 1)
		return;
	x->rep->spf = rec;
	f = audit_add(x, "spf.record.strings", AUDIT_PASS, NULL,
	    "%zu bytes", strlen(rec));
	for (i = 0; i < ans->nrr; i++)
		for (j = 0; j < ans->rr[i].u.txt.n; j++)
			if (ans->rr[i].u.txt.s[j].len > 255)
				audit_add(x, "spf.record.strings",
				    AUDIT_NOT_MET, NULL, "a string is over "
				    "255 bytes");
	if (strlen(rec) > 450)
		audit_add(x, "spf.record.strings", AUDIT_NOT_MET, NULL,
		    "the record is %zu bytes (over 450%s): answers may not "
		    "fit a UDP packet", strlen(rec), strlen(rec) > 512 ?
		    ", even over 512" : "");
	*spf_r = rec;
}

static void
spf_terms(struct audit_ctx *x, const struct spf_record *r)
{
	struct audit_finding *f;
	const struct spf_term *t, *all = NULL;
	size_t i, nall = 0, nred = 0, nexp = 0, after = 0, nptr = 0, broad = 0;

	for (i = 0; i < r->nterm; i++) {
		t = &r->term[i];
		if (t->kind == SPF_K_ALL) {
			nall++;
			all = t;
		} else if (t->kind == SPF_K_REDIRECT)
			nred++;
		else if (t->kind == SPF_K_EXP)
			nexp++;
		else if (all != NULL)
			after++;
		if (t->kind == SPF_K_PTR)
			nptr++;
		if ((t->kind == SPF_K_IP4 && t->cidr4 >= 0 && t->cidr4 < 16) ||
		    (t->kind == SPF_K_IP6 && t->cidr6 >= 0 && t->cidr6 < 32)) {
			broad++;
			f = audit_add(x, "spf.broad_cidr", AUDIT_NOT_MET, NULL,
			    "\"%s\" authorizes a very large range", t->text);
			audit_ev(x, f, "term at offset %zu: %s", t->off,
			    t->text);
		}
	}
	if (broad == 0)
		audit_add(x, "spf.broad_cidr", AUDIT_PASS, NULL,
		    "no ip4 range wider than /16, no ip6 wider than /32");
	f = audit_add(x, "spf.multiple", nall > 1 || nred > 1 || nexp > 1 ?
	    AUDIT_NOT_MET : AUDIT_PASS, NULL, "%zu all, %zu redirect, %zu "
	    "exp", nall, nred, nexp);
	audit_add(x, "spf.ptr", nptr > 0 ? AUDIT_NOT_MET : AUDIT_PASS, NULL,
	    nptr > 0 ? "the record uses ptr (slow, unreliable, "
	    "discouraged)" : "no ptr mechanism");
	if (after > 0 || (all != NULL && nred > 0))
		f = audit_add(x, "spf.all.position", AUDIT_NOT_MET, NULL,
		    "%s", after > 0 ? "terms after all are never evaluated" :
		    "redirect= is ignored because the record has all");
	else
		f = audit_add(x, "spf.all.position", AUDIT_PASS, NULL,
		    "all is the last mechanism");
	if (all == NULL && nred == 0)
		f = audit_add(x, "spf.all.qualifier", AUDIT_WARN,
		    "End the record with -all.", "no all and no redirect: "
		    "unlisted senders get neutral");
	else if (all == NULL)
		f = audit_add(x, "spf.all.qualifier", AUDIT_PASS, NULL,
		    "the redirect target decides");
	else if (all->qual == SPF_PASS)
		f = audit_add(x, "spf.all.qualifier", AUDIT_FAIL,
		    "Replace +all with -all: +all lets anyone send as the "
		    "domain.", "\"%s\" authorizes every host on the Internet",
		    all->text);
	else if (all->qual == SPF_NEUTRAL)
		f = audit_add(x, "spf.all.qualifier", AUDIT_WARN, NULL,
		    "\"%s\" says nothing about unlisted senders", all->text);
	else if (all->qual == SPF_SOFTFAIL && x->is_null_mx)
		f = audit_add(x, "spf.all.qualifier", AUDIT_INFO,
		    "Use -all: the domain sends no mail.", "~all on a domain "
		    "that receives no mail");
	else if (all->qual == SPF_SOFTFAIL &&
	    x->o->profile == AUDIT_PROF_PARKED)
		f = audit_add(x, "spf.all.qualifier", AUDIT_NOT_MET, NULL,
		    "~all on a parked domain");
	else
		f = audit_add(x, "spf.all.qualifier", AUDIT_PASS, NULL,
		    "\"%s\"", all->text);
	(void)f;
}

/* Void lookups, a/mx targets and mx name counts of one record. */
static void
spf_targets(struct audit_ctx *x, const struct spf_count_node *nd,
    size_t *voids, size_t *empty, size_t *bigmx)
{
	const struct spf_record *r = nd->rec;
	struct audit_finding *fv, *fa, *fm;
	struct dns_answer *a4, *a6, *mx;
	const char *name;
	size_t i;

	fv = audit_add(x, "spf.void_lookups", AUDIT_PASS, NULL, "-");
	fa = audit_add(x, "spf.a_mx.targets", AUDIT_PASS, NULL, "-");
	fm = audit_add(x, "spf.mx.names", AUDIT_PASS, NULL, "-");
	for (i = 0; i < r->nterm; i++) {
		const struct spf_term *t = &r->term[i];

		if (t->why != NULL || has_macro(t->spec))
			continue;
		name = t->spec != NULL ? t->spec : nd->domain;
		if (t->kind == SPF_K_A || t->kind == SPF_K_EXISTS) {
			a4 = audit_q(x, name, DNS_T_A);
			a6 = t->kind == SPF_K_A ? audit_q(x, name,
			    DNS_T_AAAA) : a4;
			if (a4->rcode == DNS_R_NXDOMAIN ||
			    (a4->rcode == DNS_R_NODATA &&
			    a6->rcode != DNS_R_NOERROR)) {
				(*voids)++;
				audit_ev(x, fv, "%s in %s: %s", t->text,
				    nd->domain, dns_rcode_str(a4->rcode));
				if (t->kind == SPF_K_A) {
					(*empty)++;
					audit_ev(x, fa, "%s in %s: no "
					    "address", t->text, nd->domain);
				}
			}
		} else if (t->kind == SPF_K_MX) {
			mx = audit_q(x, name, DNS_T_MX);
			if (mx->rcode == DNS_R_NXDOMAIN ||
			    mx->rcode == DNS_R_NODATA) {
				(*voids)++;
				(*empty)++;
				audit_ev(x, fv, "%s in %s: %s", t->text,
				    nd->domain, dns_rcode_str(mx->rcode));
				audit_ev(x, fa, "%s in %s: no MX", t->text,
				    nd->domain);
			} else if (mx->nrr > SPF_MX_MAX) {
				(*bigmx)++;
				audit_ev(x, fm, "%s in %s: %zu MX names",
				    t->text, nd->domain, mx->nrr);
			}
		}
	}
}

static void
spf_tree(struct audit_ctx *x, struct spf_ctx *sc)
{
	struct spf_count *cnt;
	struct audit_finding *fl, *ft, *fi, *fr, *fd;
	const char *why;
	size_t i, j, voids = 0, empty = 0, bigmx = 0, bad = 0, iloop = 0;
	size_t rloop = 0, dup = 0;

	if (spf_count_lookups(sc, x->domain, x->a, &cnt, &why) == -1)
		return;
	fl = audit_add(x, "spf.lookups", AUDIT_PASS, NULL, "-");
	ft = audit_add(x, "spf.include.target", AUDIT_PASS, NULL,
	    "every include/redirect target has one valid SPF record");
	fi = audit_add(x, "spf.include.loop", AUDIT_PASS, NULL,
	    "no include loop");
	fr = audit_add(x, "spf.redirect.loop", AUDIT_PASS, NULL,
	    "no redirect loop");
	fd = audit_add(x, "spf.include.duplicate", AUDIT_PASS, NULL,
	    "no include or redirect target is used twice");
	for (i = 0; i < cnt->nnode; i++) {
		const struct spf_count_node *nd = &cnt->node[i];

		audit_ev(x, fl, "%*s%s%s%s: %u own, %u so far%s%s",
		    (int)nd->depth * 2, "", nd->via != NULL ? nd->via : "",
		    nd->via != NULL ? " -> " : "", nd->domain, nd->own,
		    nd->total, nd->problem != NULL ? "; " : "",
		    nd->problem != NULL ? nd->problem : "");
		for (j = 0; j < i; j++)
			if (i > 0 && cnt->node[j].depth > 0 &&
			    str_casecmp(cnt->node[j].domain, nd->domain) == 0)
				break;
		if (i > 0 && j < i) {
			dup++;
			audit_ev(x, fd, "%s reached twice", nd->domain);
		}
		if (nd->problem != NULL && strncmp(nd->problem, "loop", 4) ==
		    0) {
			if (nd->via != NULL && str_has_prefix_ci(nd->via,
			    "redirect")) {
				rloop++;
				audit_ev(x, fr, "%s -> %s", nd->via,
				    nd->domain);
			} else {
				iloop++;
				audit_ev(x, fi, "%s -> %s", nd->via != NULL ?
				    nd->via : "", nd->domain);
			}
		} else if (nd->depth > 0 && nd->rec == NULL &&
		    nd->problem != NULL && strncmp(nd->problem, "target uses",
		    11) != 0) {
			bad++;
			audit_ev(x, ft, "%s -> %s: %s", nd->via, nd->domain,
			    nd->problem);
		}
		if (nd->rec != NULL)
			spf_targets(x, nd, &voids, &empty, &bigmx);
	}
	if (cnt->total > SPF_LOOKUP_MAX)
		audit_add(x, "spf.lookups", AUDIT_NOT_MET, arena_printf(x->a,
		    "The limit is crossed at \"%s\" in %s (under \"%s\"): "
		    "remove or flatten that include, or replace terms with "
		    "ip4:/ip6:, to save at least %u lookup%s.",
		    cnt->over_term, cnt->over_domain, cnt->over_root,
		    cnt->total - SPF_LOOKUP_MAX, cnt->total -
		    SPF_LOOKUP_MAX == 1 ? "" : "s"), "%u DNS lookups, %u "
		    "over the limit of %d: receivers return permerror",
		    cnt->total, cnt->total - SPF_LOOKUP_MAX, SPF_LOOKUP_MAX);
	else
		audit_add(x, "spf.lookups", AUDIT_PASS, NULL,
		    "%u of %d DNS lookups", cnt->total, SPF_LOOKUP_MAX);
	if (bad > 0)
		audit_add(x, "spf.include.target", AUDIT_NOT_MET, NULL,
		    "%zu include/redirect target%s no usable SPF record",
		    bad, bad == 1 ? " has" : "s have");
	if (iloop > 0)
		audit_add(x, "spf.include.loop", AUDIT_NOT_MET, NULL,
		    "an include leads back to a domain being evaluated");
	if (rloop > 0)
		audit_add(x, "spf.redirect.loop", AUDIT_NOT_MET, NULL,
		    "a redirect leads back to a domain being evaluated");
	if (dup > 0)
		audit_add(x, "spf.include.duplicate", AUDIT_NOT_MET, NULL,
		    "%zu target%s evaluated more than once", dup,
		    dup == 1 ? "" : "s");
	audit_add(x, "spf.void_lookups", voids > SPF_VOID_MAX ?
	    AUDIT_NOT_MET : AUDIT_PASS, NULL, "%zu void lookup%s (limit "
	    "%d)", voids, voids == 1 ? "" : "s", SPF_VOID_MAX);
	audit_add(x, "spf.a_mx.targets", empty > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, empty > 0 ? "%zu a/mx term%s no address or "
	    "MX" : "every a/mx term has targets", empty,
	    empty == 1 ? " has" : "s have");
	audit_add(x, "spf.mx.names", bigmx > 0 ? AUDIT_NOT_MET : AUDIT_PASS,
	    NULL, bigmx > 0 ? "%zu mx term%s more than 10 names" :
	    "every mx term yields at most 10 names", bigmx,
	    bigmx == 1 ? " has" : "s have");
}

void
audit_spf(struct audit_ctx *x)
{
	struct dns_answer *ans = audit_q(x, x->domain, DNS_T_TXT);
	struct dns_answer *t99 = audit_q(x, x->domain, DNS_T_SPF);
	struct spf_record *rec;
	struct spf_ctx *sc;
	struct audit_finding *f;
	const char *txt, *why;
	size_t i;

	f = audit_add(x, "spf.record.type99", t99->rcode == DNS_R_NOERROR ?
	    AUDIT_NOT_MET : AUDIT_PASS, NULL, t99->rcode == DNS_R_NOERROR ?
	    "an SPF (type 99) record is published" : "no type-99 record");
	audit_ev_ans(x, f, t99);
	if (ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_TIMEOUT) {
		f = audit_add(x, "spf.record.present", AUDIT_ERROR, NULL,
		    "TXT lookup failed: %s", dns_rcode_str(ans->rcode));
		audit_ev_ans(x, f, ans);
		return;
	}
	spf_records(x, ans, &txt);
	if (txt == NULL)
		return;
	x->spf_is_reject_all = strcmp(txt, "v=spf1 -all") == 0;
	if (x->o->profile == AUDIT_PROF_PARKED || x->is_null_mx)
		audit_add(x, "spf.parked", x->spf_is_reject_all ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, "record is \"%s\"", txt);
	f = audit_add(x, "spf.syntax", AUDIT_PASS, NULL, "the record parses");
	if (spf_parse(x->a, txt, strlen(txt), &rec, &why) == -1) {
		f = audit_add(x, "spf.syntax", AUDIT_NOT_MET, NULL,
		    "syntax error: %s", why);
		audit_ev(x, f, "\"%s\"", txt);
		for (i = 0; i < rec->nterm; i++)
			if (rec->term[i].why != NULL)
				audit_ev(x, f, "offset %zu: \"%s\": %s",
				    rec->term[i].off, rec->term[i].text,
				    rec->term[i].why);
	}
	if (rec == NULL || rec->nterm == 0)
		return;
	spf_terms(x, rec);
	if (rec->exp != NULL && rec->exp->spec != NULL &&
	    !has_macro(rec->exp->spec)) {
		struct dns_answer *e = audit_q(x, rec->exp->spec, DNS_T_TXT);

		f = audit_add(x, "spf.exp", e->rcode == DNS_R_NOERROR &&
		    e->nrr == 1 ? AUDIT_PASS : AUDIT_NOT_MET, NULL,
		    "exp= target %s has %zu TXT record%s", rec->exp->spec,
		    e->nrr, e->nrr == 1 ? "" : "s");
		audit_ev_ans(x, f, e);
	} else
		audit_add(x, "spf.exp", AUDIT_SKIP, NULL, "no exp= (or it "
		    "uses macros)");
	sc = spf_ctx_new(x->res, NULL);
	spf_tree(x, sc);
	spf_ctx_free(&sc);
}

/*
 * DMARC
 */

/* "v=DMARC1" at the start, case-blind, leading space allowed. */
static int
is_dmarc_txt(const char *t, int *is_exact_r)
{
	const char *p = t;

	while (*p == ' ' || *p == '\t')
		p++;
	*is_exact_r = p == t && strncmp(p, "v=DMARC1", 8) == 0;
	if (!str_has_prefix_ci(p, "v=dmarc1"))
		return 0;
	p += 8;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == ';' || *p == '\0';
}

static const char *const dmarc_known[] = {
	"v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf", "psd",
	"t", "pct", "rf", "ri"
};

static int
tag_is(const struct dkim_tag *t, const char *name)
{
	return t->name_len == strlen(name) &&
	    memcmp(t->name, name, t->name_len) == 0;
}

/* Each mailto: URI of a rua/ruf value. */
static void
dmarc_uris(struct audit_ctx *x, const char *tag, const char *val,
    const char *org)
{
	struct audit_finding *fs, *fa, *fd;
	struct dns_answer *ans;
	const char *p = val, *at, **v;
	char *uri, *dom;
	size_t n, k, nuri = 0, bad = 0, unauth = 0, undeliv = 0;
	int is_rua = strcmp(tag, "rua") == 0, ok, ex;

	fs = audit_add(x, "dmarc.rua.syntax", AUDIT_PASS, NULL,
	    "every report URI is a valid mailto:");
	fa = audit_add(x, "dmarc.rua.authorized", AUDIT_PASS, NULL,
	    "every external report destination is authorized");
	fd = audit_add(x, "dmarc.rua.deliverable", AUDIT_PASS, NULL,
	    "every report domain receives mail");
	while (*p != '\0') {
		n = strcspn(p, ",");
		uri = str_trim(x->a, p, n);
		p += n + (p[n] == ',');
		nuri++;
		if (!str_has_prefix_ci(uri, "mailto:") ||
		    (at = strrchr(uri, '@')) == NULL || at[1] == '\0') {
			bad++;
			audit_ev(x, fs, "%s=%s: not a mailto: address", tag,
			    uri);
			continue;
		}
		dom = str_lower(arena_strndup(x->a, at + 1,
		    strcspn(at + 1, "!")));
		if (strchr(at, '!') != NULL)
			audit_ev(x, fs, "%s: the !size suffix is ignored by "
			    "RFC 9990 receivers", uri);
		ans = audit_q(x, dom, DNS_T_MX);
		if (ans->rcode != DNS_R_NOERROR && audit_q(x, dom,
		    DNS_T_A)->rcode != DNS_R_NOERROR) {
			undeliv++;
			audit_ev_ans(x, fd, ans);
		}
		if (org != NULL && (str_casecmp(dom, org) == 0 ||
		    str_has_suffix_ci(dom, arena_printf(x->a, ".%s", org))))
			continue;
		ans = audit_q(x, arena_printf(x->a, "%s._report._dmarc.%s",
		    x->domain, dom), DNS_T_TXT);
		ok = 0;
		for (k = 0, n = audit_txts(x, ans, &v); k < n; k++)
			ok |= is_dmarc_txt(v[k], &ex);
		audit_ev_ans(x, fa, ans);
		if (!ok)
			unauth++;
	}
	if (is_rua)
		audit_add(x, "dmarc.rua.count", nuri <= 2 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, "%zu rua URI%s", nuri,
		    nuri == 1 ? "" : "s");
	if (bad > 0)
		audit_add(x, "dmarc.rua.syntax", AUDIT_NOT_MET, NULL,
		    "%zu %s URI%s not valid", bad, tag, bad == 1 ? " is" :
		    "s are");
	if (unauth > 0)
		audit_add(x, "dmarc.rua.authorized", AUDIT_NOT_MET, NULL,
		    "%zu external %s destination%s not authorized: "
		    "receivers will not send those reports", unauth, tag,
		    unauth == 1 ? " is" : "s are");
	if (undeliv > 0)
		audit_add(x, "dmarc.rua.deliverable", AUDIT_NOT_MET, NULL,
		    "%zu report domain%s no MX or address", undeliv,
		    undeliv == 1 ? " has" : "s have");
}

/* Unknown, legacy and order findings; returns the unknown tag count. */
static size_t
dmarc_tags(struct audit_ctx *x, const struct dkim_tags *tg)
{
	struct audit_finding *fu, *fl;
	size_t i, k, unk = 0, leg = 0;
	int lowpct = 0;

	fu = audit_add(x, "dmarc.tags.unknown", AUDIT_PASS, NULL,
	    "no unknown tags");
	fl = audit_add(x, "dmarc.tags.legacy", AUDIT_PASS, NULL,
	    "no pct, rf or ri tags");
	for (i = 0; i < tg->n; i++) {
		const struct dkim_tag *t = &tg->t[i];

		for (k = 0; k < sizeof(dmarc_known) / sizeof(*dmarc_known);
		    k++)
			if (tag_is(t, dmarc_known[k]))
				break;
		if (k == sizeof(dmarc_known) / sizeof(*dmarc_known)) {
			unk++;
			audit_ev(x, fu, "%.*s=%.*s", (int)t->name_len, t->name,
			    (int)t->value_len, t->value);
		} else if (k >= 11) {
			leg++;
			audit_ev(x, fl, "%.*s=%.*s", (int)t->name_len, t->name,
			    (int)t->value_len, t->value);
			if (k == 11 && !(t->value_len == 3 &&
			    memcmp(t->value, "100", 3) == 0))
				lowpct = 1;
		}
	}
	if (unk > 0)
		audit_add(x, "dmarc.tags.unknown", AUDIT_NOT_MET, NULL,
		    "%zu unknown tag%s (ignored by receivers)", unk,
		    unk == 1 ? "" : "s");
	if (lowpct)
		audit_add(x, "dmarc.tags.legacy", AUDIT_WARN, "Remove pct; "
		    "use t=y while testing.", "pct below 100: RFC 7489 "
		    "receivers apply the policy to a sample only");
	else if (leg > 0)
		audit_add(x, "dmarc.tags.legacy", AUDIT_NOT_MET, NULL,
		    "%zu tag%s removed in RFC 9989", leg, leg == 1 ? "" : "s");
	audit_add(x, "dmarc.p.order", tg->n >= 2 && tag_is(&tg->t[1], "p") ?
	    AUDIT_PASS : AUDIT_NOT_MET, NULL, tg->n >= 2 &&
	    tag_is(&tg->t[1], "p") ? "p follows v" : "p is not the second "
	    "tag");
	return unk;
}

static void
dmarc_policy(struct audit_ctx *x, const struct dmarc_record *r,
    const char *pdom)
{
	const struct dmarc_record *d = r;
	enum dmarc_policy eff = d->p, sp = d->has_sp ? d->sp : d->p;
	int inherited = strcmp(pdom, x->domain) != 0;
	const char *foo;

	if (inherited)
		eff = sp;
	audit_add(x, "dmarc.p.present", d->has_p ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, d->has_p ? "p=%s" : "no p tag: read as "
	    "p=none by RFC 9989, ignored by some RFC 7489 receivers",
	    dmarc_policy_str(d->p));
	x->dmarc_is_reject = eff == DMARC_POL_REJECT;
	x->dmarc_enforced = d->p >= DMARC_POL_QUARANTINE &&
	    sp >= DMARC_POL_QUARANTINE;
	audit_add(x, "dmarc.policy.enforced", eff >= DMARC_POL_QUARANTINE ?
	    AUDIT_PASS : AUDIT_NOT_MET, NULL, "effective policy %s%s",
	    dmarc_policy_str(eff), inherited ? " (sp of the "
	    "organizational domain)" : "");
	audit_add(x, "dmarc.policy.testing", d->is_testing ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, d->is_testing ? "t=y: receivers apply one "
	    "level weaker (reject as quarantine, quarantine as none)" :
	    "not in testing mode");
	audit_add(x, "dmarc.sp.weaker", d->has_sp && d->sp < d->p ?
	    AUDIT_NOT_MET : AUDIT_PASS, NULL, "sp=%s, p=%s",
	    dmarc_policy_str(sp), dmarc_policy_str(d->p));
	audit_add(x, "dmarc.np.weaker", d->has_np && d->np < d->p ?
	    AUDIT_NOT_MET : AUDIT_PASS, NULL, d->has_np ? "np=%s" :
	    "np not set (sp or p applies)%s", d->has_np ?
	    dmarc_policy_str(d->np) : "");
	audit_add(x, "dmarc.psd", d->psd == DMARC_PSD_Y ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, d->psd == DMARC_PSD_Y ? "psd=y: this "
	    "declares %s a public suffix operator" : "psd not y%s",
	    d->psd == DMARC_PSD_Y ? pdom : "");
	audit_add(x, "dmarc.alignment", AUDIT_PASS, NULL, "DKIM alignment "
	    "%s, SPF alignment %s", d->adkim == DMARC_ALIGN_STRICT ?
	    "strict (d= must equal the From domain)" : "relaxed (same "
	    "organizational domain)", d->aspf == DMARC_ALIGN_STRICT ?
	    "strict" : "relaxed");
	if (x->o->profile == AUDIT_PROF_PARKED || x->is_null_mx) {
		int ok = d->p == DMARC_POL_REJECT && sp == DMARC_POL_REJECT &&
		    (!d->has_np || d->np == DMARC_POL_REJECT);

		audit_add(x, "dmarc.parked", ok ? AUDIT_PASS : AUDIT_NOT_MET,
		    NULL, "p=%s sp=%s", dmarc_policy_str(d->p),
		    dmarc_policy_str(sp));
	}
	foo = d->fo;
	if (foo == NULL)
		audit_add(x, "dmarc.fo", AUDIT_PASS, NULL, "no fo tag");
	else if (d->ruf == NULL)
		audit_add(x, "dmarc.fo", AUDIT_NOT_MET, "Remove fo= or add "
		    "ruf=.", "fo=%s has no effect without ruf", foo);
	else if (strstr(foo, "0") != NULL && strstr(foo, "1") != NULL)
		audit_add(x, "dmarc.fo", AUDIT_NOT_MET, NULL, "fo=%s: 1 "
		    "includes 0", foo);
	else
		audit_add(x, "dmarc.fo", AUDIT_PASS, NULL, "fo=%s", foo);
}

static void
dmarc_record(struct audit_ctx *x, const char *txt, const char *pdom)
{
	struct dmarc_record r9, r7;
	struct dmarc_ctx *dc;
	struct dkim_tags tg;
	struct audit_finding *f;
	const char *why, *why7, *org;
	size_t unk;
	int bad9, bad7;

	x->rep->dmarc = txt;
	x->rep->dmarc_location = pdom;
	f = audit_add(x, "dmarc.syntax", AUDIT_PASS, NULL,
	    "the record parses");
	if (dkim_tags_parse(x->a, txt, strlen(txt), &tg, &why) == -1) {
		f = audit_add(x, "dmarc.syntax", AUDIT_NOT_MET, NULL,
		    "not a valid tag list: %s", why);
		audit_ev(x, f, "\"%s\"", txt);
		return;
	}
	bad9 = dmarc_record_parse(x->a, txt, strlen(txt), DMARC_RFC9989,
	    &r9, &why) == -1;
	bad7 = dmarc_record_parse(x->a, txt, strlen(txt), DMARC_RFC7489,
	    &r7, &why7) == -1;
	if (bad9) {
		f = audit_add(x, "dmarc.syntax", AUDIT_NOT_MET, NULL,
		    "unusable record: %s", why);
		audit_ev(x, f, "\"%s\"", txt);
		return;
	}
	unk = dmarc_tags(x, &tg);
	/* The 9989 parser's warning covers unknown tags: only a warning
	   on a record without unknown tags is a bad value. */
	if (bad7 || (r9.warn != NULL && unk == 0)) {
		f = audit_add(x, "dmarc.syntax", AUDIT_NOT_MET, NULL,
		    "%s%s", r9.warn != NULL ? r9.warn : "", bad7 ?
		    arena_printf(x->a, "%sRFC 7489 receivers discard the "
		    "record: %s", r9.warn != NULL ? "; " : "", why7) : "");
		audit_ev(x, f, "\"%s\"", txt);
	}
	dmarc_policy(x, &r9, pdom);
	dc = dmarc_ctx_new(x->a, x->res, DMARC_RFC9989);
	org = dmarc_org_domain(dc, x->domain, &bad7);
	if (r9.rua == NULL) {
		audit_add(x, "dmarc.rua.present", AUDIT_NOT_MET, NULL,
		    "no rua: you receive no aggregate reports");
		audit_skip(x, "no rua", "dmarc.rua.syntax",
		    "dmarc.rua.authorized", "dmarc.rua.deliverable",
		    "dmarc.rua.count", NULL);
	} else {
		audit_add(x, "dmarc.rua.present", AUDIT_PASS, NULL, "rua=%s",
		    r9.rua);
		dmarc_uris(x, "rua", r9.rua, org);
	}
	if (r9.ruf != NULL) {
		audit_add(x, "dmarc.ruf", AUDIT_NOT_MET, NULL, "ruf=%s: "
		    "failure reports are rare and carry personal data",
		    r9.ruf);
		dmarc_uris(x, "ruf", r9.ruf, org);
	} else
		audit_add(x, "dmarc.ruf", AUDIT_PASS, NULL, "no ruf");
}

void
audit_dmarc(struct audit_ctx *x)
{
	const char *name = arena_printf(x->a, "_dmarc.%s", x->domain);
	struct dns_answer *ans = audit_q(x, name, DNS_T_TXT);
	struct dns_answer *apex = audit_q(x, x->domain, DNS_T_TXT);
	struct dmarc_discovery dd;
	struct dmarc_ctx *dc;
	struct audit_finding *f, *fl, *fu, *fw;
	const char **v, *rec = NULL, *why;
	size_t i, n, nrec = 0, other = 0, loc = 0, ws = 0;
	int ex;

	if (ans->rcode == DNS_R_SERVFAIL || ans->rcode == DNS_R_TIMEOUT) {
		f = audit_add(x, "dmarc.record.present", AUDIT_ERROR, NULL,
		    "lookup of %s failed: %s", name,
		    dns_rcode_str(ans->rcode));
		audit_ev_ans(x, f, ans);
		return;
	}
	fl = audit_add(x, "dmarc.record.location", AUDIT_PASS, NULL,
	    "no DMARC record at the apex, no SPF at _dmarc");
	fu = audit_add(x, "dmarc.record.unrelated", AUDIT_PASS, NULL,
	    "no other TXT records at _dmarc");
	fw = audit_add(x, "dmarc.record.whitespace", AUDIT_PASS, NULL,
	    "the record starts exactly with v=DMARC1");
	n = audit_txts(x, ans, &v);
	for (i = 0; i < n; i++) {
		if (is_dmarc_txt(v[i], &ex)) {
			nrec++;
			rec = v[i];
			if (!ex) {
				ws++;
				audit_ev(x, fw, "\"%s\"", v[i]);
			}
		} else if (spf_is_record(v[i], strlen(v[i]))) {
			loc++;
			audit_ev(x, fl, "SPF at %s: \"%s\"", name, v[i]);
		} else {
			other++;
			audit_ev(x, fu, "\"%s\"", v[i]);
		}
	}
	for (i = 0, n = audit_txts(x, apex, &v); i < n; i++)
		if (is_dmarc_txt(v[i], &ex)) {
			loc++;
			audit_ev(x, fl, "DMARC at the apex: \"%s\"", v[i]);
		}
	if (loc > 0)
		audit_add(x, "dmarc.record.location", AUDIT_NOT_MET, NULL,
		    "a record is at the wrong name (ignored there)");
	if (other > 0)
		audit_add(x, "dmarc.record.unrelated", AUDIT_NOT_MET, NULL,
		    "%zu other TXT record%s at _dmarc", other,
		    other == 1 ? "" : "s");
	if (ws > 0)
		audit_add(x, "dmarc.record.whitespace", AUDIT_NOT_MET, NULL,
		    "leading space or lower-case DMARC1");
	if (nrec > 1) {
		f = audit_add(x, "dmarc.record.single", AUDIT_NOT_MET, NULL,
		    "%zu DMARC records: receivers ignore all of them", nrec);
		audit_ev_ans(x, f, ans);
		audit_add(x, "dmarc.record.present", AUDIT_NOT_MET, NULL,
		    "no single DMARC record applies");
		return;
	}
	if (nrec == 1) {
		f = audit_add(x, "dmarc.record.present", AUDIT_PASS, NULL,
		    "record at %s", name);
		audit_ev_ans(x, f, ans);
		audit_add(x, "dmarc.record.single", AUDIT_PASS, NULL,
		    "exactly one record");
		dmarc_record(x, rec, x->domain);
		goto nullmx;
	}
	/* None at the domain: the RFC 9989 tree walk. */
	dc = dmarc_ctx_new(x->a, x->res, DMARC_RFC9989);
	if (dmarc_discover(dc, x->domain, &dd, &why) == 0 && dd.is_found) {
		struct dns_answer *pa = audit_q(x, arena_printf(x->a,
		    "_dmarc.%s", dd.policy_domain), DNS_T_TXT);

		f = audit_add(x, "dmarc.record.present", AUDIT_PASS, NULL,
		    "no record at %s; the policy of %s applies (tree walk)",
		    name, dd.policy_domain);
		audit_ev_ans(x, f, ans);
		audit_ev_ans(x, f, pa);
		for (i = 0, n = audit_txts(x, pa, &v); i < n; i++)
			if (is_dmarc_txt(v[i], &ex))
				rec = v[i];
		if (rec != NULL)
			dmarc_record(x, rec, dd.policy_domain);
	} else {
		f = audit_add(x, "dmarc.record.present", dd.is_temperror ?
		    AUDIT_ERROR : AUDIT_NOT_MET, NULL, dd.is_temperror ?
		    "DNS failed during the tree walk" : "no DMARC record "
		    "applies to %s", x->domain);
		audit_ev_ans(x, f, ans);
	}
nullmx:
	if (x->is_null_mx)
		audit_add(x, "mx.null.consistent", x->spf_is_reject_all &&
		    x->dmarc_is_reject ? AUDIT_PASS : AUDIT_NOT_MET, NULL,
		    "null MX with SPF %s and DMARC %s",
		    x->spf_is_reject_all ? "\"v=spf1 -all\"" : "not -all only",
		    x->dmarc_is_reject ? "p=reject" : "not p=reject");
	else
		audit_add(x, "mx.null.consistent", AUDIT_SKIP, NULL,
		    "no null MX");
}

/*
 * DKIM
 */

static const char *const common_selectors[] = {
	"default", "google", "selector1", "selector2", "k1", "s1", "s2",
	"mail", "dkim"
};
#define NCOMMON	(sizeof(common_selectors) / sizeof(common_selectors[0]))

static void
dkim_one(struct audit_ctx *x, const char *sel, const struct dns_answer *ans,
    size_t *found)
{
	struct dkim_key k;
	struct audit_finding *f;
	const char **v, *why;
	size_t n;

	n = audit_txts(x, ans, &v);
	if (n == 0)
		return;
	if (n > 1) {
		f = audit_add(x, "dkim.key.single", AUDIT_NOT_MET, NULL,
		    "selector %s has %zu TXT records", sel, n);
		audit_ev_ans(x, f, ans);
		return;
	}
	(*found)++;
	x->rep->dkim[x->rep->ndkim++] = arena_printf(x->a, "%s: %s", sel,
	    v[0]);
	if (dkim_key_parse(x->a, v[0], strlen(v[0]), &k, &why) == -1) {
		f = audit_add(x, "dkim.key.syntax", AUDIT_NOT_MET, NULL,
		    "selector %s: %s", sel, why);
		audit_ev_ans(x, f, ans);
		return;
	}
	if (k.is_revoked) {
		f = audit_add(x, "dkim.key.revoked", AUDIT_NOT_MET, NULL,
		    "selector %s is revoked (empty p=)", sel);
		audit_ev_ans(x, f, ans);
	}
	if (k.type == DKIM_KEY_RSA && !k.is_revoked && k.bits < 2048) {
		f = audit_add(x, "dkim.key.rsa_size", k.bits < 1024 ?
		    AUDIT_FAIL : AUDIT_WARN, NULL, "selector %s: %u-bit RSA "
		    "key%s", sel, k.bits, k.bits < 1024 ? " (verifiers "
		    "treat it as no signature)" : "");
		audit_ev_ans(x, f, ans);
	}
	if ((k.hashes & DKIM_HASH_SHA256) == 0) {
		f = audit_add(x, "dkim.key.hash", AUDIT_NOT_MET, NULL,
		    "selector %s allows only sha1 (h=)", sel);
		audit_ev_ans(x, f, ans);
	}
	if (k.is_testing) {
		f = audit_add(x, "dkim.key.testing", AUDIT_NOT_MET, NULL,
		    "selector %s has t=y", sel);
		audit_ev_ans(x, f, ans);
	}
	if (!k.is_email) {
		f = audit_add(x, "dkim.key.service", AUDIT_NOT_MET, NULL,
		    "selector %s: s= excludes email", sel);
		audit_ev_ans(x, f, ans);
	}
}

void
audit_dkim(struct audit_ctx *x)
{
	struct dns_q *qs;
	struct audit_finding *f;
	const char *sel;
	size_t i, n, nq, found = 0, given = x->o->nselectors;
	static const char *const keyids[] = {
		"dkim.key.single", "dkim.key.syntax", "dkim.key.revoked",
		"dkim.key.rsa_size", "dkim.key.hash", "dkim.key.testing",
		"dkim.key.service"
	};

	if (given > AUDIT_SELECTORS_MAX)
		given = AUDIT_SELECTORS_MAX;
	n = given + NCOMMON;
	qs = arena_calloc(x->a, n + 1, sizeof(*qs));
	x->rep->dkim = arena_calloc(x->a, n, sizeof(char *));
	qs[0].name = arena_printf(x->a, "_domainkey.%s", x->domain);
	qs[0].type = DNS_T_TXT;
	for (i = 0; i < n; i++) {
		sel = i < given ? x->o->selectors[i] :
		    common_selectors[i - given];
		qs[i + 1].name = arena_printf(x->a, "%s._domainkey.%s", sel,
		    x->domain);
		qs[i + 1].type = DNS_T_TXT;
	}
	nq = n + 1;
	(void)dns_query_all(x->res, qs, nq, x->a, &sel);
	for (i = 0; i < nq; i++)
		if (qs[i].ans == NULL)
			qs[i].ans = audit_q(x, qs[i].name, qs[i].type);
	for (i = 0; i < sizeof(keyids) / sizeof(keyids[0]); i++)
		audit_add(x, keyids[i], AUDIT_PASS, NULL, "every key found "
		    "passes");
	for (i = 0; i < n; i++) {
		sel = i < given ? x->o->selectors[i] :
		    common_selectors[i - given];
		dkim_one(x, sel, qs[i + 1].ans, &found);
	}
	if (x->is_null_mx && found == 0) {
		audit_skip(x, "the domain sends no mail (null MX)",
		    "dkim.domainkey.exists", "dkim.selector.found", NULL);
	} else {
		f = audit_add(x, "dkim.domainkey.exists",
		    qs[0].ans->rcode == DNS_R_NXDOMAIN && found == 0 ?
		    AUDIT_NOT_MET : AUDIT_PASS, NULL, "_domainkey.%s: %s%s",
		    x->domain, dns_rcode_str(qs[0].ans->rcode),
		    qs[0].ans->rcode == DNS_R_NXDOMAIN ? " (some DNS servers "
		    "wrongly answer NXDOMAIN for empty names)" : "");
		audit_ev_ans(x, f, qs[0].ans);
		f = audit_add(x, "dkim.selector.found", found > 0 ?
		    AUDIT_PASS : AUDIT_NOT_MET, NULL, found > 0 ? "%zu "
		    "selector%s with a key" : "no key found under %zu "
		    "selectors tried (given and common ones)", found > 0 ?
		    found : n, found == 1 ? "" : "s");
		for (i = 0; i < x->rep->ndkim; i++)
			audit_ev(x, f, "%s", x->rep->dkim[i]);
	}
	if (found == 0)
		for (i = 0; i < sizeof(keyids) / sizeof(keyids[0]); i++)
			audit_add(x, keyids[i], AUDIT_SKIP, NULL,
			    "no DKIM key found");
	audit_add(x, "dkim.report.fail", AUDIT_SKIP, NULL, "not implemented: "
	    "needs parsed aggregate reports");
}
