/*
 * BIMI (draft-brand-indicators-for-message-identification): the
 * default._bimi TXT record's syntax, the DMARC precondition (section 3),
 * the logo fetched from l= and checked against SVG Tiny Portable/Secure
 * (draft-svg-tiny-ps-abrotman) with libxml2, and the a= evidence
 * document fetched and described. Both fetches go through audit_fetch():
 * https only, no redirects, capped, to an address from our resolver.
 * The logo is untrusted: it is parsed without network access, without
 * entity substitution, and refused outright when it carries a DTD.
 */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "audit/audit_priv.h"
#include "auth/dkim.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

#define SVG_NS		"http://www.w3.org/2000/svg"
#define BIMI_CERT_MAX	65536	/* bytes of an a= evidence document */
#define BIMI_SHOW_MAX	60	/* bytes of a value quoted in evidence */

struct svg_walk {
	struct arena	*a;
	struct audit_svg *s;
	int		 seen_script, seen_event, seen_fo, seen_href;
};

static void
svg_problem(struct arena *a, struct audit_svg *s, const char *msg)
{
	if (s->nproblem < AUDIT_SVG_PROBLEMS_MAX)
		s->problem[s->nproblem++] = arena_strdup(a, msg);
}

/* A value from the logo, fit for evidence: printable ASCII, truncated. */
static const char *
svg_show(struct arena *a, const xmlChar *v)
{
	char *o = arena_alloc(a, BIMI_SHOW_MAX + 4);
	size_t i;

	for (i = 0; v != NULL && v[i] != '\0' && i < BIMI_SHOW_MAX; i++)
		o[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	if (v != NULL && v[i] != '\0')
		memcpy(o + i, "...", 3), i += 3;
	o[i] = '\0';
	return o;
}

static int
is_svg(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrcmp(n->ns->href, BAD_CAST SVG_NS) == 0 &&
	    xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* One element anywhere in the tree: scripts and outside references. */
static void
svg_element(struct svg_walk *w, const xmlNode *n)
{
	const xmlAttr *at;
	xmlChar *v;

	if (xmlStrcmp(n->name, BAD_CAST "script") == 0 && !w->seen_script) {
		w->seen_script = 1;
		svg_problem(w->a, w->s, "a <script> element: scripts are "
		    "not allowed");
	}
	if (xmlStrcmp(n->name, BAD_CAST "foreignObject") == 0 &&
	    !w->seen_fo) {
		w->seen_fo = 1;
		svg_problem(w->a, w->s, "a <foreignObject> element is not "
		    "allowed");
	}
	for (at = n->properties; at != NULL; at = at->next) {
		if (xmlStrncasecmp(at->name, BAD_CAST "on", 2) == 0 &&
		    !w->seen_event) {
			w->seen_event = 1;
			svg_problem(w->a, w->s, arena_printf(w->a, "event "
			    "attribute %s= on <%s>: scripts are not allowed",
			    svg_show(w->a, at->name), svg_show(w->a,
			    n->name)));
		}
		if (xmlStrcmp(at->name, BAD_CAST "href") != 0 ||
		    w->seen_href)
			continue;
		v = xmlNodeGetContent((const xmlNode *)at);
		if (v == NULL || v[0] != '#') {
			w->seen_href = 1;
			svg_problem(w->a, w->s, arena_printf(w->a, "external "
			    "reference href=\"%s\" on <%s>: only #fragment "
			    "links are allowed", svg_show(w->a, v),
			    svg_show(w->a, n->name)));
		}
		xmlFree(v);
	}
}

/* Every node, iteratively (libxml2 already caps the depth at 256). */
static void
svg_walk_tree(struct svg_walk *w, const xmlNode *root)
{
	const xmlNode *n = root;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE)
			svg_element(w, n);
		else if (n->type == XML_ENTITY_REF_NODE)
			svg_problem(w->a, w->s, "an entity reference");
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
}

/* viewBox="min-x min-y width height": square, or a warning. */
static void
svg_viewbox(struct arena *a, struct audit_svg *s, const xmlNode *root)
{
	xmlChar *vb = xmlGetNoNsProp(root, BAD_CAST "viewBox");
	double v[4];
	char *p, *e;
	int i;

	if (vb == NULL) {
		s->warning[s->nwarning++] = "no viewBox: the logo may not "
		    "scale to the square or circle it is shown in";
		return;
	}
	p = (char *)vb;
	for (i = 0; i < 4; i++) {
		p += strspn(p, " \t\r\n,");
		v[i] = strtod(p, &e);
		if (e == p)
			break;
		p = e;
	}
	if (i < 4 || v[2] <= 0 || v[3] <= 0)
		s->warning[s->nwarning++] = arena_printf(a, "viewBox=\"%s\" "
		    "is not four numbers with a positive size",
		    svg_show(a, vb));
	else if (v[2] != v[3])
		s->warning[s->nwarning++] = arena_printf(a, "viewBox=\"%s\" "
		    "is not square: mailbox providers show a square or a "
		    "circle", svg_show(a, vb));
	xmlFree(vb);
}

/* The root element: name, namespace, version, profile, title, x/y. */
static void
svg_root(struct arena *a, struct audit_svg *s, const xmlNode *root)
{
	const xmlNode *c;
	xmlChar *v;

	if (!is_svg(root, "svg")) {
		svg_problem(a, s, arena_printf(a, "the root element is <%s>%s,"
		    " not <svg> in the SVG namespace", svg_show(a,
		    root->name), root->ns == NULL ? " without a namespace" :
		    ""));
		return;
	}
	v = xmlGetNoNsProp(root, BAD_CAST "version");
	if (v == NULL || xmlStrcmp(v, BAD_CAST "1.2") != 0)
		svg_problem(a, s, v == NULL ? "no version=\"1.2\" on <svg>" :
		    arena_printf(a, "version=\"%s\", not \"1.2\"",
		    svg_show(a, v)));
	xmlFree(v);
	v = xmlGetNoNsProp(root, BAD_CAST "baseProfile");
	if (v == NULL || xmlStrcmp(v, BAD_CAST "tiny-ps") != 0)
		svg_problem(a, s, v == NULL ? "no baseProfile=\"tiny-ps\" on "
		    "<svg>" : arena_printf(a, "baseProfile=\"%s\", not "
		    "\"tiny-ps\"", svg_show(a, v)));
	xmlFree(v);
	if (xmlHasProp(root, BAD_CAST "x") != NULL ||
	    xmlHasProp(root, BAD_CAST "y") != NULL)
		svg_problem(a, s, "x= or y= on the root <svg>");
	for (c = root->children; c != NULL; c = c->next)
		if (is_svg(c, "title"))
			break;
	if (c == NULL)
		svg_problem(a, s, "no <title> child of <svg> (the brand "
		    "name)");
	svg_viewbox(a, s, root);
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_start(void)
{
	xmlInitParser();
}

int
audit_svg_check(struct arena *a, const char *p, size_t len,
    struct audit_svg *s_r)
{
	struct svg_walk w;
	xmlParserCtxtPtr ctx;
	const xmlError *e;
	xmlDocPtr doc;

	memset(s_r, 0, sizeof(*s_r));
	s_r->problem = arena_calloc(a, AUDIT_SVG_PROBLEMS_MAX,
	    sizeof(char *));
	s_r->warning = arena_calloc(a, 4, sizeof(char *));
	if (len > AUDIT_SVG_MAX) {
		svg_problem(a, s_r, arena_printf(a, "%zu bytes, over the "
		    "%d-byte limit", len, AUDIT_SVG_MAX));
		return -1;
	}
	/*
	 * SVG Tiny PS has no DTD. Refusing one before parsing also keeps
	 * entity definitions (and their expansion) out of the parser.
	 */
	if (memmem(p, len, "<!DOCTYPE", 9) != NULL ||
	    memmem(p, len, "<!ENTITY", 8) != NULL) {
		svg_problem(a, s_r, "a DOCTYPE or ENTITY declaration: DTDs "
		    "and entities are not allowed");
		return -1;
	}
	pthread_once(&xml_once, xml_start);
	if ((ctx = xmlNewParserCtxt()) == NULL) {
		svg_problem(a, s_r, "libxml2 failed to start");
		return -1;
	}
	/* No XML_PARSE_NOENT, DTDLOAD or HUGE: no entities, no network. */
	doc = xmlCtxtReadMemory(ctx, p, (int)len, "logo.svg", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		e = xmlCtxtGetLastError(ctx);
		svg_problem(a, s_r, arena_printf(a, "not well-formed XML%s%s",
		    e != NULL && e->message != NULL ? ": " : "",
		    e != NULL && e->message != NULL ? str_trim(a,
		    e->message, strlen(e->message)) : ""));
	} else {
		svg_root(a, s_r, xmlDocGetRootElement(doc));
		memset(&w, 0, sizeof(w));
		w.a = a;
		w.s = s_r;
		svg_walk_tree(&w, xmlDocGetRootElement(doc));
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
	return s_r->nproblem > 0 ? -1 : 0;
}

/*
 * An l= or a= URL we can fetch: "https://" host [":" port] [path]. The
 * host must be a plain DNS name (no user info, no IP literal), so the
 * address always comes from our resolver. 0, or -1 with *why_r.
 */
static int
bimi_url(struct arena *a, const char *url, const char **host_r,
    unsigned *port_r, const char **path_r, const char **why_r)
{
	const char *h = url + 8;
	size_t n = strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	unsigned long long port = 443;

	if (!str_has_prefix_ci(url, "https://")) {
		*why_r = "not an https URL";
		return -1;
	}
	if (n == 0 || n > 253 || (h[n] != '\0' && h[n] != '/' &&
	    h[n] != ':')) {
		*why_r = "the host is not a DNS name";
		return -1;
	}
	*host_r = str_lower(arena_strndup(a, h, n));
	*path_r = h + n;
	if (h[n] == ':') {
		size_t k = strcspn(h + n + 1, "/");
		char *ps = arena_strndup(a, h + n + 1, k);

		if (str_to_ull(ps, 65535, &port) == -1 || port == 0) {
			*why_r = "the port is not a number";
			return -1;
		}
		*path_r = h + n + 1 + k;
	}
	if (**path_r == '\0')
		*path_r = "/";
	*port_r = (unsigned)port;
	return 0;
}

/* GET url into fe; 0, or -1 with the finding set to the failure. */
static int
bimi_get(struct audit_ctx *x, const char *id, struct audit_finding *f,
    const char *url, size_t max, struct audit_fetch *fe)
{
	const char *host, *path, *addr, *why;
	unsigned port;

	memset(fe, 0, sizeof(*fe));
	fe->max = max;
	if (bimi_url(x->a, url, &host, &port, &path, &why) == -1) {
		audit_add(x, id, AUDIT_NOT_MET, NULL, "%s: %s", url, why);
		return -1;
	}
	if ((addr = audit_https_addr(x, host, f)) == NULL) {
		audit_add(x, id, AUDIT_NOT_MET, NULL, "%s has no address",
		    host);
		return -1;
	}
	audit_fetch(x, host, port, path, addr, fe);
	audit_ev(x, f, "GET %s (%s): HTTP %ld%s%s, %zu bytes", url, addr,
	    fe->status, fe->ctype != NULL ? ", " : "", fe->ctype != NULL ?
	    fe->ctype : "", fe->body.len);
	if (fe->why == NULL && fe->status == 200 && !fe->is_truncated)
		return 0;
	if (fe->location != NULL)
		audit_ev(x, f, "Location: %s (not followed)", fe->location);
	audit_add(x, id, fe->is_timeout ? AUDIT_ERROR : AUDIT_NOT_MET, NULL,
	    "%s", fe->why != NULL ? fe->why : fe->is_truncated ?
	    arena_printf(x->a, "over %zu bytes", max) : fe->location != NULL ?
	    arena_printf(x->a, "HTTP %ld redirect: mailbox providers do not "
	    "follow redirects", fe->status) : arena_printf(x->a, "HTTP %ld",
	    fe->status));
	buf_free(&fe->body);
	return -1;
}

static void
bimi_logo(struct audit_ctx *x, const char *url)
{
	struct audit_finding *f;
	struct audit_fetch fe;
	struct audit_svg s;
	size_t i;

	f = audit_add(x, "bimi.svg.profile", AUDIT_PASS, NULL, "-");
	if (bimi_get(x, "bimi.svg.profile", f, url, AUDIT_SVG_MAX,
	    &fe) == -1)
		return;
	audit_svg_check(x->a, fe.body.p != NULL ? fe.body.p : "",
	    fe.body.len, &s);
	buf_free(&fe.body);
	for (i = 0; i < s.nproblem; i++)
		audit_ev(x, f, "%s", s.problem[i]);
	for (i = 0; i < s.nwarning; i++)
		audit_ev(x, f, "%s", s.warning[i]);
	if (s.nproblem > 0)
		audit_add(x, "bimi.svg.profile", AUDIT_NOT_MET, NULL,
		    "the logo is not SVG Tiny PS (%zu problem%s): mailbox "
		    "providers will not show it", s.nproblem,
		    s.nproblem == 1 ? "" : "s");
	else if (s.nwarning > 0)
		audit_add(x, "bimi.svg.profile", AUDIT_WARN, NULL, "SVG Tiny "
		    "PS basics met, but %s", s.warning[0]);
	else
		audit_add(x, "bimi.svg.profile", AUDIT_PASS, NULL, "SVG Tiny "
		    "PS basics met");
}

/* Describe a PEM document: certificates, first subject and expiry. */
static void
bimi_pem(struct audit_ctx *x, struct audit_finding *f, const char *p,
    size_t len)
{
	BIO *b = BIO_new_mem_buf(p, (int)len);
	char sub[256], exp[64];
	X509 *c;
	BIO *m;
	int n = 0, k;

	sub[0] = exp[0] = '\0';
	while (b != NULL && n < 16 &&
	    (c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (n++ == 0) {
			X509_NAME_oneline(X509_get_subject_name(c), sub,
			    sizeof(sub));
			if ((m = BIO_new(BIO_s_mem())) != NULL) {
				ASN1_TIME_print(m, X509_get0_notAfter(c));
				k = BIO_read(m, exp, sizeof(exp) - 1);
				exp[k > 0 ? k : 0] = '\0';
				BIO_free(m);
			}
		}
		X509_free(c);
	}
	ERR_clear_error();
	BIO_free(b);
	if (n == 0)
		audit_ev(x, f, "not a PEM certificate chain");
	else
		audit_ev(x, f, "a PEM chain of %d certificate%s; first: %s, "
		    "not after %s", n, n == 1 ? "" : "s", svg_show(x->a,
		    BAD_CAST sub), exp);
}

static void
bimi_cert(struct audit_ctx *x, const char *url)
{
	struct audit_finding *f;
	struct audit_fetch fe;

	f = audit_add(x, "bimi.cert.valid", AUDIT_SKIP, NULL, "-");
	if (bimi_get(x, "bimi.cert.valid", f, url, BIMI_CERT_MAX,
	    &fe) == -1)
		return;
	bimi_pem(x, f, fe.body.p != NULL ? fe.body.p : "", fe.body.len);
	buf_free(&fe.body);
	/*
	 * XXX Validating a VMC/CMC needs the mark-certificate roots, the
	 * chain, the SAN and the RFC 3709 logotype extension whose hash
	 * must match the logo. None of it is done: the finding only says
	 * what was fetched and never claims the certificate is valid.
	 */
	audit_add(x, "bimi.cert.valid", AUDIT_INFO, NULL, "fetched, not "
	    "validated: VMC/CMC validation (mark-certificate chain, "
	    "logotype extension) is not implemented");
}

/*
 * The default._bimi record: syntax and the DMARC precondition, then the
 * logo (l=) and the evidence document (a=) when published.
 */
void
audit_bimi(struct audit_ctx *x)
{
	struct dns_answer *ans = audit_q(x, arena_printf(x->a,
	    "default._bimi.%s", x->domain), DNS_T_TXT);
	struct dkim_tags tg;
	const struct dkim_tag *l = NULL, *ev = NULL;
	struct audit_finding *f;
	const char **v, *why;
	size_t n;
	int ok = 1;

	n = audit_txts(x, ans, &v);
	if (n == 0) {
		audit_skip(x, "no BIMI record", "bimi.record.syntax",
		    "bimi.dmarc.precondition", "bimi.svg.profile",
		    "bimi.cert.valid", NULL);
		return;
	}
	f = audit_add(x, "bimi.record.syntax", AUDIT_PASS, NULL,
	    "v=BIMI1 record with an https logo");
	audit_ev_ans(x, f, ans);
	if (n > 1 || strncmp(v[0], "v=BIMI1", 7) != 0 ||
	    dkim_tags_parse(x->a, v[0], strlen(v[0]), &tg, &why) == -1) {
		audit_add(x, "bimi.record.syntax", AUDIT_NOT_MET, NULL,
		    "%s", n > 1 ? "several records" : "not a v=BIMI1 tag "
		    "list");
		ok = 0;
	} else {
		l = dkim_tags_get(&tg, "l");
		ev = dkim_tags_get(&tg, "a");
		if (l != NULL && l->value_len > 0 && (l->value_len < 8 ||
		    strncmp(l->value, "https://", 8) != 0)) {
			audit_add(x, "bimi.record.syntax", AUDIT_NOT_MET,
			    NULL, "l= is not an https URL");
			ok = 0;
		}
	}
	audit_add(x, "bimi.dmarc.precondition", x->dmarc_enforced ?
	    AUDIT_PASS : AUDIT_NOT_MET, NULL, x->dmarc_enforced ?
	    "DMARC p and sp are quarantine or reject" : "DMARC is not "
	    "enforced: mailbox providers will not show the logo");
	if (!ok)
		audit_skip(x, "the record does not parse", "bimi.svg.profile",
		    "bimi.cert.valid", NULL);
	else if (x->o->no_https)
		audit_skip(x, "HTTPS fetch disabled (--no-https)",
		    "bimi.svg.profile", "bimi.cert.valid", NULL);
	else {
		if (l == NULL || l->value_len == 0)
			audit_skip(x, "no logo (l= empty or absent)",
			    "bimi.svg.profile", NULL);
		else
			bimi_logo(x, arena_strndup(x->a, l->value,
			    l->value_len));
		if (ev == NULL || ev->value_len == 0)
			audit_skip(x, "no a= mark certificate "
			    "(self-asserted)", "bimi.cert.valid", NULL);
		else
			bimi_cert(x, arena_strndup(x->a, ev->value,
			    ev->value_len));
	}
}
