/*
 * Running a compiled rule set on a message (see rules.h). The texts of
 * the scopes follow SpamAssassin: header values RFC 2047 decoded and
 * unfolded (":raw" as written), several fields of one name joined with
 * newlines; body is the rendered text of the message (Subject first)
 * with each paragraph on one line and runs of white space collapsed;
 * rawbody the transfer-decoded text parts as they are, HTML included;
 * uri each URL of the message on its own; full the raw message. Each
 * scope's text is capped at RULES_SCAN_MAX bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/msg.h"

#define ROUTE_HEADER_DEFAULT	"X-Mxwarden-Folder"
#define MULTIPLE_MAX		1000	/* hits counted per rule */

static void
push_idx(size_t **v, size_t *n, size_t x)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

struct rules *
rules_load(const struct rules_src *src, size_t n, char **why_r)
{
	return rules_load_cached(src, n, NULL, why_r);
}

struct rules *
rules_load_cached(const struct rules_src *src, size_t n,
    const char *cache_dir, char **why_r)
{
	struct rules *r = xcalloc(1, sizeof(*r));
	struct rule *ru;
	struct scope *sc;
	size_t i;

	pthread_mutex_init(&r->mu, NULL);
	r->route_header = xstrdup(ROUTE_HEADER_DEFAULT);
	if (cache_dir != NULL && cache_dir[0] != '\0')
		r->cache_dir = xstrdup(cache_dir);
	if (rules_parse(r, src, n, why_r) == -1 ||
	    rules_compile(r, why_r) == -1) {
		rules_free(&r);
		return NULL;
	}
	rules_resolve(r);
	/* Header rules that must be judged even when the field is absent. */
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (ru->type != RULES_T_HEADER || ru->skip != NULL ||
		    ru->eng == ENG_NONE || (!ru->negate && ru->unset == NULL))
			continue;
		sc = &r->sc[ru->scope];
		push_idx(&sc->neg, &sc->nneg, i);
	}
	return r;
}

void
rules_free(struct rules **rp)
{
	struct rules *r = *rp;
	struct rule *ru;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		free(ru->name);
		free(ru->hdr);
		free(ru->unset);
		free(ru->re);
		free(ru->desc);
		free(ru->route);
		free(ru->skip);
		free(ru->file);
		rules_meta_free(ru->meta, ru->nmeta);
		rules_eval_free(ru->ev);	/* rules_eval */
		pcre2_code_free(ru->pc);
	}
	rules_eval_conf_free(r);		/* rules_eval */
	for (i = 0; i < r->nsc; i++) {
		hs_free_database(r->sc[i].db);
		free(r->sc[i].hdr);
		free(r->sc[i].ids);
		free(r->sc[i].pcre);
		free(r->sc[i].neg);
		hs_free_database(r->sc[i].gdb);
		free(r->sc[i].gfix);
	}
	for (i = 0; i < r->npool; i++)
		hs_free_scratch(r->pool[i]);
	hs_free_scratch(r->proto);
	pthread_mutex_destroy(&r->mu);
	free(r->pool);
	free(r->sc);
	free(r->v);
	free(r->hash);
	free(r->metas);
	free(r->exists);
	free(r->route_header);
	free(r->cache_dir);
	free(r);
	*rp = NULL;
}

void
rules_set_gate(struct rules *r, int on)
{
	r->gate_off = !on;
}

void
rules_set_route_header(struct rules *r, const char *name)
{
	free(r->route_header);
	r->route_header = xstrdup(name);
}

/*
 * Scope texts.
 */
static void
add_capped(struct buf *b, const char *p, size_t n)
{
	if (b->len >= RULES_SCAN_MAX)
		return;
	if (n > RULES_SCAN_MAX - b->len)
		n = RULES_SCAN_MAX - b->len;
	buf_add(b, p, n);
}

/* One field's contribution under modifier hmod. */
static void
field_text(struct arena *a, const struct msg_header *h, int hmod,
    struct buf *b)
{
	struct mail_addr *ad;
	const char *why, *s;
	size_t n;

	switch (hmod) {
	case HM_RAW:
		add_capped(b, h->value, h->value_len);
		add_capped(b, "\n", 1);
		return;
	case HM_ADDR:
	case HM_NAME:
		if (addr_parse_list(a, h->unfolded, h->unfolded_len, &ad, &n,
		    &why) == -1 && n == 0) {
			/* Not an address list: SpamAssassin keeps the text. */
			if (hmod == HM_ADDR)
				add_capped(b, h->unfolded, h->unfolded_len);
			return;
		}
		if (n == 0)
			return;
		if (hmod == HM_NAME) {
			if (ad[0].display != NULL)
				add_capped(b, ad[0].display,
				    strlen(ad[0].display));
			return;
		}
		s = ad[0].domain != NULL ? arena_printf(a, "%s@%s",
		    ad[0].local, ad[0].domain) : ad[0].local;
		add_capped(b, s, strlen(s));
		return;
	default:
		s = addr_decode_words(a, h->unfolded, h->unfolded_len);
		add_capped(b, s, strlen(s));
		add_capped(b, "\n", 1);
		return;
	}
}

static int
name_in(const struct msg_header *h, const char *const *names)
{
	for (; *names != NULL; names++)
		if (msg_header_is(h, *names))
			return 1;
	return 0;
}

/* The text of a header expression; returns 0 when no field exists. */
static int
header_text(struct task *t, const char *hdr, int hmod, struct buf *b)
{
	static const char *const tocc[] = { "To", "Cc", NULL };
	static const char *const mid[] = { "Message-Id",
	    "Resent-Message-Id", "X-Message-Id", NULL };
	const char *one[2] = { hdr, NULL };
	const char *const *names = one;
	const struct msg *m = t->msg;
	const char *s;
	size_t i;
	int found = 0;

	if (strcmp(hdr, "ALL") == 0) {
		for (i = 0; i < m->nhdr; i++) {
			add_capped(b, m->hdr[i].name, m->hdr[i].name_len);
			add_capped(b, ": ", 2);
			field_text(t->a, &m->hdr[i], hmod, b);
		}
		return m->nhdr > 0;
	}
	if (strcmp(hdr, "EnvelopeFrom") == 0 && t->env.mail_from != NULL) {
		s = t->env.mail_from;
		add_capped(b, s, strlen(s));
		return 1;
	}
	if (strcmp(hdr, "EnvelopeFrom") == 0)
		one[0] = "Return-Path";
	else if (strcmp(hdr, "ToCc") == 0)
		names = tocc;
	else if (strcmp(hdr, "MESSAGEID") == 0)
		names = mid;
	for (i = 0; i < m->nhdr; i++) {
		if (!name_in(&m->hdr[i], names))
			continue;
		field_text(t->a, &m->hdr[i], hmod, b);
		found = 1;
	}
	return found;
}

/* body: paragraphs on one line each, white space runs collapsed. */
static void
body_text(struct msg *m, struct buf *b)
{
	size_t len, i, nl;
	const char *s = mime_text(m, &len);

	for (i = 0; i < len && b->len < RULES_SCAN_MAX;) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\f' && s[i] != '\v') {
			buf_addc(b, s[i++]);
			continue;
		}
		for (nl = 0; i < len && (s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
		    s[i] == '\v'); i++)
			if (s[i] == '\n')
				nl++;
		/* The Subject ends at the first newline of mime_text. */
		buf_addc(b, nl >= 2 || (nl == 1 && b->len > 0 &&
		    memchr(b->p, '\n', b->len) == NULL) ? '\n' : ' ');
	}
}

static void
rawbody_text(struct msg *m, struct buf *b)
{
	const struct mime_part *p;
	const char *why;
	size_t n, i;

	if (mime_parts(m, &p, &n, &why) == -1) {
		add_capped(b, m->body, m->body_len);
		return;
	}
	for (i = 0; i < n; i++) {
		if (p[i].is_attachment || p[i].data == NULL ||
		    strncmp(p[i].ctype, "text/", 5) != 0)
			continue;
		add_capped(b, p[i].data, p[i].len);
		add_capped(b, "\n", 1);
	}
}

/*
 * Scanning.
 */
struct hit_ctx {
	const struct rules	*r;
	const struct scope	*sc;
	double			*val;
	unsigned char		*cand;	/* prefilter candidates */
	unsigned char		*pass;	/* gate: PCRE2-only rules to run */
};

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *arg)
{
	struct hit_ctx *h = arg;
	size_t k = h->sc->ids[id];
	const struct rule *ru = &h->r->v[k];
	double cap;

	(void)from;
	(void)to;
	(void)flags;
	if (ru->eng == ENG_PREFILTER) {
		h->cand[k] = 1;
		return 0;
	}
	cap = !ru->multiple ? 1 : ru->maxhits > 0 ? ru->maxhits :
	    MULTIPLE_MAX;
	if (h->val[k] < cap)
		h->val[k] += 1;
	return 0;
}

/* Count matches of a PCRE2 rule in [p, p+len) (1 unless multiple). */
static double
pcre_count(const struct rule *ru, const char *p, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	PCRE2_SIZE off = 0, *ov;
	double n = 0, cap = !ru->multiple ? 1 : ru->maxhits > 0 ?
	    ru->maxhits : MULTIPLE_MAX;

	while (n < cap && off <= len && pcre2_match(ru->pc, (PCRE2_SPTR)p,
	    len, off, 0, md, NULL) >= 0) {
		n++;
		ov = pcre2_get_ovector_pointer(md);
		off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	pcre2_match_data_free(md);
	return n;
}

static int
scan_scope(struct hit_ctx *h, hs_scratch_t *s, const char *p, size_t len,
    const char **why_r)
{
	const struct scope *sc = h->sc;
	size_t i, k;

	if (sc->db != NULL && hs_scan(sc->db, p != NULL ? p : "",
	    (unsigned)len, 0, s, on_match, h) != HS_SUCCESS) {
		*why_r = "hyperscan: scan failed";
		return -1;
	}
	for (i = 0; i < sc->nids; i++) {
		k = sc->ids[i];
		if (h->cand[k]) {
			h->cand[k] = 0;
			h->val[k] = pcre_count(&h->r->v[k], p != NULL ? p : "",
			    len);
		}
	}
	if (sc->npcre > 0 && rules_gate_scan(h->r, sc, s, p != NULL ? p :
	    "", len, h->pass) == -1) {
		*why_r = "hyperscan: gate scan failed";
		return -1;
	}
	for (i = 0; i < sc->npcre; i++) {
		k = sc->pcre[i];
		if (!h->pass[i])
			continue;	/* a required literal is missing */
		if (h->val[k] == 0 || h->r->v[k].multiple)
			h->val[k] += pcre_count(&h->r->v[k], p != NULL ? p :
			    "", len);
	}
	return 0;
}

static int
scan_header_scope(struct hit_ctx *h, struct task *t, hs_scratch_t *s,
    const char **why_r)
{
	const struct scope *sc = h->sc;
	struct buf b = BUF_INIT;
	const struct rule *ru;
	size_t i, k;
	int found, rc;

	found = header_text(t, sc->hdr, sc->hmod, &b);
	rc = scan_scope(h, s, b.p, b.len, why_r);
	buf_free(&b);
	for (i = 0; rc == 0 && i < sc->nneg; i++) {
		k = sc->neg[i];
		ru = &h->r->v[k];
		if (!found && ru->unset != NULL)
			h->val[k] = pcre_count(ru, ru->unset,
			    strlen(ru->unset));
		if (ru->negate)
			h->val[k] = h->val[k] == 0;
	}
	return rc;
}

static int
scan_uris(struct hit_ctx *h, struct task *t, hs_scratch_t *s,
    const char **why_r)
{
	const char **u;
	size_t n, i;

	if (mime_urls(t->msg, &u, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (scan_scope(h, s, u[i], strlen(u[i]), why_r) == -1)
			return -1;
	return 0;
}

static int
scan_all(const struct rules *r, struct task *t, double *val,
    const char **why_r)
{
	struct hit_ctx h = { r, NULL, val, NULL, NULL };
	struct buf body = BUF_INIT, raw = BUF_INIT;
	hs_scratch_t *s = rules_scratch_get((struct rules *)r);
	size_t i, len;
	int rc = 0;

	if (s == NULL && r->proto != NULL) {
		*why_r = "hyperscan: no scratch";
		return -1;
	}
	h.cand = arena_calloc(t->a, r->n + 1, 1);
	h.pass = arena_calloc(t->a, r->n + 1, 1);
	for (i = 0; i < r->nsc && rc == 0; i++) {
		h.sc = &r->sc[i];
		switch (h.sc->type) {
		case RULES_T_HEADER:
			rc = scan_header_scope(&h, t, s, why_r);
			break;
		case RULES_T_BODY:
			body_text(t->msg, &body);
			rc = scan_scope(&h, s, body.p, body.len, why_r);
			break;
		case RULES_T_RAWBODY:
			rawbody_text(t->msg, &raw);
			rc = scan_scope(&h, s, raw.p, raw.len, why_r);
			break;
		case RULES_T_URI:
			rc = scan_uris(&h, t, s, why_r);
			break;
		case RULES_T_FULL:
			len = t->msg->len - t->msg->start;
			rc = scan_scope(&h, s, t->msg->raw + t->msg->start,
			    len > RULES_SCAN_MAX ? RULES_SCAN_MAX : len,
			    why_r);
			break;
		}
	}
	buf_free(&body);
	buf_free(&raw);
	rules_scratch_put((struct rules *)r, s);
	return rc;
}

/*
 * exists:NAME, with SpamAssassin's pseudo-headers: ToCc is To or Cc,
 * MESSAGEID any Message-Id field, ALL any field, EnvelopeFrom the
 * envelope sender or Return-Path.
 */
static int
header_exists(struct task *t, const char *hdr)
{
	struct buf b = BUF_INIT;
	int found;

	if (strcmp(hdr, "ToCc") != 0 && strcmp(hdr, "MESSAGEID") != 0 &&
	    strcmp(hdr, "ALL") != 0 && strcmp(hdr, "EnvelopeFrom") != 0)
		return msg_header_get(t->msg, hdr, 0) != NULL;
	found = header_text(t, hdr, HM_RAW, &b);
	buf_free(&b);
	return found;
}

/* All rule values for t->msg (arena), metas and exists: included. */
static int
evaluate(const struct rules *r, struct task *t, double **val_r,
    const char **why_r)
{
	double *val = arena_calloc(t->a, r->n + 1, sizeof(*val));
	const struct rule *ru;
	size_t i, k;

	if (scan_all(r, t, val, why_r) == -1)
		return -1;
	rules_eval_run(r, t, val);		/* rules_eval: native evals */
	for (i = 0; i < r->nexists; i++) {
		ru = &r->v[r->exists[i]];
		val[r->exists[i]] = header_exists(t, ru->hdr);
	}
	for (i = 0; i < r->nmetas; i++) {
		k = r->metas[i];
		val[k] = rules_meta_eval(r->v[k].meta, r->v[k].nmeta, val);
	}
	*val_r = val;
	return 0;
}

int
rules_check(const struct rules *r, struct task *t, const char **why_r)
{
	const struct rule *ru;
	const char *route = NULL;
	double *val;
	size_t i;
	int nhit = 0;

	if (t->msg == NULL)
		return 0;
	if (evaluate(r, t, &val, why_r) == -1)
		return -1;
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (val[i] == 0 || ru->skip != NULL)
			continue;
		nhit++;
		if (ru->route != NULL && route == NULL)
			route = ru->route;
		if (strncmp(ru->name, "__", 2) == 0 || ru->score == 0)
			continue;
		task_symbol(t, ru->name, ru->multiple ? ru->score * val[i] :
		    ru->score, "%s", ru->desc != NULL ? ru->desc : ru->name);
	}
	if (route != NULL)
		task_add_header(t, r->route_header, route);
	return nhit;
}

int
rules_eval_one(const struct rules *r, struct task *t, const char *name,
    double *value_r)
{
	const struct rule *ru = rules_find(r, name);
	const char *why;
	double *val;

	if (ru == NULL || ru->type == -1 || ru->skip != NULL ||
	    t->msg == NULL || evaluate(r, t, &val, &why) == -1)
		return -1;
	*value_r = val[ru - r->v];
	return 0;
}

int
rules_gate_check(struct rules *r, struct task *t, const char **name_r,
    const char **why_r)
{
	double *on, *off;
	size_t i;
	int was = r->gate_off;

	*name_r = NULL;
	r->gate_off = 0;
	if (evaluate(r, t, &on, why_r) == -1) {
		r->gate_off = was;
		return -1;
	}
	r->gate_off = 1;
	if (evaluate(r, t, &off, why_r) == -1) {
		r->gate_off = was;
		return -1;
	}
	r->gate_off = was;
	for (i = 0; i < r->n; i++)
		if (on[i] != off[i]) {
			*name_r = r->v[i].name;
			return 1;
		}
	return 0;
}

/*
 * Statistics.
 */
static int
reason_cmp(const void *a, const void *b)
{
	const struct rules_reason *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->why, y->why);
}

static void
add_reason(struct rules_stats *st, const struct rule *ru)
{
	size_t i;

	for (i = 0; i < st->nreasons; i++)
		if (strcmp(st->reasons[i].why, ru->skip) == 0) {
			st->reasons[i].n++;
			return;
		}
	st->reasons = xreallocarray(st->reasons, st->nreasons + 1,
	    sizeof(*st->reasons));
	st->reasons[st->nreasons].why = xstrdup(ru->skip);
	st->reasons[st->nreasons].example = xstrdup(ru->name);
	st->reasons[st->nreasons++].n = 1;
}

void
rules_stats(const struct rules *r, struct rules_stats *st)
{
	const struct rule *ru;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->files = r->nfiles;
	st->ignored_directives = r->nignored;
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (ru->type == -1)
			continue;
		st->defined++;
		if (ru->skip != NULL) {
			st->skipped++;
			add_reason(st, ru);
			continue;
		}
		st->loaded++;
		st->by_type[ru->type]++;
		if (ru->eng == ENG_HS)
			st->hs++;
		else if (ru->eng == ENG_PREFILTER)
			st->prefilter++;
		else if (ru->eng == ENG_PCRE)
			st->pcre++;
	}
	for (i = 0; i < r->nsc; i++)
		if (r->sc[i].db != NULL)
			st->databases++;
	st->cached = r->ncached;
	if (st->nreasons > 1)
		qsort(st->reasons, st->nreasons, sizeof(*st->reasons),
		    reason_cmp);
}

void
rules_stats_free(struct rules_stats *st)
{
	size_t i;

	for (i = 0; i < st->nreasons; i++) {
		free(st->reasons[i].why);
		free(st->reasons[i].example);
	}
	free(st->reasons);
	memset(st, 0, sizeof(*st));
}
