/*
 * The authentication stage of the pipeline: DKIM (RFC 6376), ARC
 * (RFC 8617), DMARC (RFC 9989) with the configured local policy, the
 * symbols they add, the action a DMARC reject or quarantine maps to, and
 * our Authentication-Results field (RFC 8601: spf, one dkim resinfo per
 * signature, dmarc with the policy, arc; an spf resinfo with smtp.helo
 * when the HELO identity was checked).
 */
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "filter/pipeline_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

#define AR_MAX	(DKIM_SIGS_MAX_DEFAULT + 100)

static void
sym(const struct pipeline *p, struct task *t, enum pipeline_sym s,
    const char *reason)
{
	task_symbol(t, pipeline_sym_name(s), p->score[s], "%s", reason);
}

static void
dkim_stage(const struct pipeline *p, struct task *t, const char **why_r)
{
	struct dkim_sig_result *r;
	size_t n, i;
	int seen[SYM_COUNT] = { 0 };
	enum pipeline_sym s;

	if (!p->dkim_verify ||
	    dkim_verify_msg(&p->dkim_o, t->msg, t->res, t->a, &r, &n,
	    why_r) == -1)
		return;
	t->dkim = r;
	t->ndkim = n;
	for (i = 0; i < n; i++) {
		if (r[i].result == DKIM_PASS)
			s = SYM_DKIM_VALID;
		else if (r[i].result == DKIM_TEMPERROR)
			s = SYM_DKIM_TEMPERROR;
		else if (r[i].result == DKIM_FAIL ||
		    r[i].result == DKIM_PERMERROR ||
		    r[i].result == DKIM_POLICY)
			s = SYM_DKIM_INVALID;
		else
			continue;
		if (seen[s]++ > 0)	/* one symbol of each kind */
			continue;
		task_symbol(t, pipeline_sym_name(s), p->score[s],
		    "d=%s s=%s: %s", r[i].d != NULL ? r[i].d : "?",
		    r[i].s != NULL ? r[i].s : "?", r[i].reason != NULL ?
		    r[i].reason : dkim_result_str(r[i].result));
	}
}

/*
 * Sealers of a passing chain whose ARC-Authentication-Results said the
 * message passed when they saw it: dmarc=pass, or without a dmarc
 * result a dkim or spf pass. Only those can vouch for a forwarded
 * message (RFC 8617 section 7.2).
 */
static const char **
arc_vouching(struct task *t, const struct arc_result *r, size_t *n_r)
{
	const char **v = arena_calloc(t->a, r->nset + 1, sizeof(*v));
	const struct authres_result *x;
	struct authres *ar;
	const char *why;
	size_t k;
	int ok;

	*n_r = 0;
	for (k = r->nset; k-- > 0;) {
		if (authres_parse(t->a, r->set[k].aar_payload,
		    strlen(r->set[k].aar_payload), &ar, &why) == -1)
			continue;
		x = authres_find(ar, "dmarc");
		if (x != NULL)
			ok = strcmp(x->result, "pass") == 0;
		else
			ok = ((x = authres_find(ar, "dkim")) != NULL &&
			    strcmp(x->result, "pass") == 0) ||
			    ((x = authres_find(ar, "spf")) != NULL &&
			    strcmp(x->result, "pass") == 0);
		if (ok && r->set[k].seal_d != NULL)
			v[(*n_r)++] = r->set[k].seal_d;
	}
	return v;
}

static void
arc_stage(const struct pipeline *p, struct task *t)
{
	struct arc_result *r;
	const char *why;

	if (arc_verify(&p->dkim_o, t->msg, t->res, t->a, &r, &why) == -1)
		return;
	t->arc = r;
	if (r->cv == ARC_CV_PASS)
		sym(p, t, SYM_ARC_PASS, arena_printf(t->a, "%s, newest "
		    "sealer %s", r->reason, r->sealers[0]));
	else if (r->cv == ARC_CV_FAIL)
		sym(p, t, SYM_ARC_FAIL, r->reason);
}

/* The DMARC action: reject and quarantine map as configured. */
static void
dmarc_action(const struct pipeline *p, struct task *t,
    const struct dmarc_result *d)
{
	const char *text = arena_printf(t->a, "DMARC policy of %s: %s",
	    d->from_domain, dmarc_policy_str(d->applied));
	int act;

	if (d->result != DMARC_RES_FAIL || d->applied == DMARC_POL_NONE)
		return;
	if (d->override == DMARC_OVR_LOCAL_POLICY) {
		task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, text);
		return;
	}
	if (d->applied == DMARC_POL_REJECT) {
		act = p->reject_action;
		if (act == PL_DACT_REJECT)
			task_raise(t, ACT_REJECT, "550", "5.7.1", text);
		else if (act == PL_DACT_QUARANTINE)
			task_raise(t, ACT_QUARANTINE, NULL, NULL, text);
		else if (act == PL_DACT_TAG)
			task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, text);
		return;
	}
	act = p->quarantine_action;
	if (act == PL_QACT_QUARANTINE)
		task_raise(t, ACT_QUARANTINE, NULL, NULL, text);
	else if (act == PL_QACT_TAG)
		task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, text);
}

static void
dmarc_symbol(const struct pipeline *p, struct task *t,
    const struct dmarc_result *d)
{
	const char *why = d->reason;
	enum pipeline_sym s;

	if (d->override != DMARC_OVR_NONE)
		why = arena_printf(t->a, "%s; override %s (%s)", d->reason,
		    dmarc_override_str(d->override), d->override_comment);
	switch (d->result) {
	case DMARC_RES_PASS:
		s = SYM_DMARC_PASS;
		break;
	case DMARC_RES_FAIL:
		s = d->applied == DMARC_POL_REJECT ? SYM_DMARC_POLICY_REJECT :
		    d->applied == DMARC_POL_QUARANTINE ?
		    SYM_DMARC_POLICY_QUARANTINE : SYM_DMARC_POLICY_NONE;
		break;
	case DMARC_RES_TEMPERROR:
		s = SYM_DMARC_TEMPERROR;
		break;
	case DMARC_RES_PERMERROR:
		s = SYM_DMARC_BAD_FROM;
		break;
	default:
		s = SYM_DMARC_NA;
		break;
	}
	sym(p, t, s, why);
}

static void
dmarc_stage(const struct pipeline *p, struct task *t)
{
	struct dmarc_input in;
	struct dmarc_dkim *dk;
	struct dmarc_result *d;
	struct dmarc_ctx *c;
	const char *why;
	size_t i;

	if (!p->dmarc_enabled)
		return;
	memset(&in, 0, sizeof(in));
	in.msg = t->msg;
	if (t->spf != NULL) {
		in.spf_domain = t->spf->domain;
		in.is_spf_pass = t->spf->result == SPF_PASS;
	}
	dk = arena_calloc(t->a, t->ndkim + 1, sizeof(*dk));
	for (i = 0; i < t->ndkim; i++) {
		dk[i].d = t->dkim[i].d;
		dk[i].s = t->dkim[i].s;
		dk[i].is_pass = t->dkim[i].result == DKIM_PASS;
	}
	in.dkim = dk;
	in.ndkim = t->ndkim;
	in.client_name = t->env.client_name;
	if (t->arc != NULL && t->arc->cv == ARC_CV_PASS) {
		in.is_arc_pass = 1;
		in.arc_pass_sealers = arc_vouching(t, t->arc,
		    &in.narc_pass_sealers);
	}
	in.local = &p->local;
	in.sample = arc4random_uniform(100);
	c = dmarc_ctx_new(t->a, t->res, p->rfc);
	d = arena_zalloc(t->a, sizeof(*d));
	if (dmarc_eval(c, &in, d, &why) == -1)
		return;
	t->dmarc = d;
	dmarc_symbol(p, t, d);
	dmarc_action(p, t, d);
}

/* Our Authentication-Results value (RFC 8601 2.2, 2.7). */
static void
authres_stage(const struct pipeline *p, struct task *t)
{
	struct authres_result *r = arena_calloc(t->a, AR_MAX, sizeof(*r));
	const struct dmarc_result *d = t->dmarc;
	size_t n = 0, i;

	if (t->spf != NULL) {
		r[n].method = "spf";
		r[n].result = spf_result_str(t->spf->result);
		if (t->spf->sender != NULL && *t->spf->sender != '\0')
			authres_prop_add(&r[n], "smtp", "mailfrom",
			    t->spf->sender);
		n++;
	}
	if (t->spf_helo != NULL) {
		/* RFC 8601 2.7.2: the HELO identity is a resinfo of its
		   own (RFC 7208 2.3), not a property of the MAIL FROM one. */
		r[n].method = "spf";
		r[n].result = spf_result_str(t->spf_helo->result);
		authres_prop_add(&r[n], "smtp", "helo", t->spf_helo->domain);
		n++;
	}
	for (i = 0; i < t->ndkim && n < AR_MAX - 2; i++, n++) {
		r[n].method = "dkim";
		r[n].result = dkim_result_str(t->dkim[i].result);
		if (t->dkim[i].result != DKIM_PASS)
			r[n].comment = t->dkim[i].reason;
		authres_prop_add(&r[n], "header", "d", t->dkim[i].d);
		authres_prop_add(&r[n], "header", "s", t->dkim[i].s);
		authres_prop_add(&r[n], "header", "b", t->dkim[i].b_prefix);
	}
	if (p->dkim_verify && t->ndkim == 0) {
		r[n].method = "dkim";
		r[n++].result = "none";
	}
	if (d != NULL) {
		r[n].method = "dmarc";
		r[n].result = dmarc_res_str(d->result);
		if (d->has_rec)
			r[n].comment = arena_printf(t->a, "p=%s dis=%s%s%s",
			    dmarc_policy_str(d->policy),
			    dmarc_policy_str(d->applied),
			    d->override != DMARC_OVR_NONE ? " override=" : "",
			    dmarc_override_str(d->override));
		else if (d->result == DMARC_RES_PERMERROR)
			r[n].comment = d->reason;
		authres_prop_add(&r[n], "header", "from", d->from_domain);
		n++;
	}
	if (t->arc != NULL) {
		r[n].method = "arc";
		r[n].result = arc_cv_str(t->arc->cv);
		if (t->arc->cv == ARC_CV_FAIL)
			r[n].comment = t->arc->reason;
		if (t->arc->oldest_pass > 0)
			authres_prop_add(&r[n], "header", "oldest-pass",
			    arena_printf(t->a, "%u", t->arc->oldest_pass));
		n++;
	}
	t->authres = authres_build(t->a, p->authserv_id, r, n);
}

int
pl_auth(const struct pipeline *p, struct task *t, const char **why_r)
{
	(void)why_r;
	dkim_stage(p, t, why_r);
	arc_stage(p, t);
	dmarc_stage(p, t);
	authres_stage(p, t);
	return 0;
}
