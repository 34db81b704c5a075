/*
 * The pipeline (DESIGN.md sections 2 and 4): SPF at MAIL FROM, then at
 * end of message removal of forged Authentication-Results (RFC 8601
 * section 5), DKIM verification (RFC 6376), ARC verification (RFC 8617),
 * DMARC (RFC 9989) with local overrides, our Authentication-Results
 * field, and the policy of policy.c. Outbound mail (authenticated or
 * from trusted networks) skips the inbound checks and is DKIM-signed
 * with the signing table. Everything read from the configuration is
 * read here, once, so a message costs no configuration lookups.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/arc.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "conf/conf.h"
#include "filter/content.h"
#include "filter/pipeline.h"
#include "filter/pipeline_int.h"
#include "filter/limits.h"
#include "filter/reputation.h"
#include "filter/sender.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/msg.h"

/* Symbol names and their configuration rows, in one table. */
static const char *const sym_names[SYM_COUNT] = {
	"SPF_PASS", "SPF_FAIL", "SPF_SOFTFAIL", "SPF_NEUTRAL", "SPF_NONE",
	"SPF_TEMPERROR", "SPF_PERMERROR", "DKIM_VALID", "DKIM_INVALID",
	"DKIM_TEMPERROR", "DMARC_PASS", "DMARC_POLICY_REJECT",
	"DMARC_POLICY_QUARANTINE", "DMARC_POLICY_NONE", "DMARC_NA",
	"DMARC_TEMPERROR", "DMARC_BAD_FROM", "ARC_PASS", "ARC_FAIL"
};

const char *
pipeline_sym_name(enum pipeline_sym s)
{
	return sym_names[s];
}

static const char **
conf_list(const struct conf *c, const char *path, size_t *n_r)
{
	size_t n = conf_list_len(c, path), i;
	const char **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = conf_list_str(c, path, i);
	*n_r = n;
	return v;
}

static void
read_thresholds(const struct conf *c, struct pl_thresholds *t)
{
	t->greylist = conf_float(c, "greylist");
	t->add_header = conf_float(c, "add_header");
	t->tag_subject = conf_float(c, "tag_subject");
	t->quarantine = conf_float(c, "quarantine");
	t->reject = conf_float(c, "reject");
}

static int
read_signing(struct pipeline *p, const char **why_r)
{
	const struct conf *g;
	const char *why;
	size_t i;

	p->nsign = conf_group_count(p->conf, "dkim.signing");
	p->sign = xcalloc(p->nsign + 1, sizeof(*p->sign));
	for (i = 0; i < p->nsign; i++) {
		g = conf_group(p->conf, "dkim.signing", i);
		p->sign[i].domain = conf_str(g, "domain");
		p->sign[i].selector = conf_str(g, "selector");
		if (dkim_privkey_load(conf_str(g, "key"), &p->sign[i].key,
		    &why) == -1) {
			*why_r = why;
			return -1;
		}
	}
	return 0;
}

static void
read_conf(struct pipeline *p)
{
	const struct conf *c = p->conf, *g;
	char host[256], path[64], *q;
	const char *id;
	size_t i;

	for (i = 0; i < SYM_COUNT; i++) {
		snprintf(path, sizeof(path), "scores.%s", sym_names[i]);
		for (q = path; *q != '\0'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		p->score[i] = conf_float(c, path);
	}
	p->spf_enabled = conf_bool(c, "spf.enabled");
	p->spf_reject = conf_bool(c, "spf.reject_fail_at_mail_from");
	dkim_opts_default(&p->dkim_o);
	p->dkim_verify = conf_bool(c, "dkim.verify");
	p->dkim_o.max_signatures = (size_t)conf_int(c, "dkim.max_signatures");
	p->dkim_o.min_rsa_bits = (unsigned)conf_int(c, "dkim.min_rsa_bits");
	p->dkim_o.allow_sha1 = conf_bool(c, "dkim.allow_sha1");
	p->dkim_o.clock_skew = (unsigned)conf_duration(c, "dkim.clock_skew");
	p->dmarc_enabled = conf_bool(c, "dmarc.enabled");
	p->rfc = conf_enum(c, "dmarc.rfc") == 1 ? DMARC_RFC7489 :
	    DMARC_RFC9989;
	p->reject_action = conf_enum(c, "dmarc.reject_action");
	p->quarantine_action = conf_enum(c, "dmarc.quarantine_action");
	p->local.trusted_forwarders = conf_list(c, "dmarc.trusted_forwarders",
	    &p->local.ntrusted_forwarders);
	p->local.trusted_sealers = conf_list(c, "dmarc.trusted_arc_sealers",
	    &p->local.ntrusted_sealers);
	p->local.never_reject = conf_list(c, "dmarc.never_reject_domains",
	    &p->local.nnever_reject);
	p->local.mailing_lists = conf_list(c, "dmarc.mailing_lists",
	    &p->local.nmailing_lists);
	p->thr.greylist = conf_float(c, "actions.greylist");
	p->thr.add_header = conf_float(c, "actions.add_header");
	p->thr.tag_subject = conf_float(c, "actions.tag_subject");
	p->thr.quarantine = conf_float(c, "actions.quarantine");
	p->thr.reject = conf_float(c, "actions.reject");
	p->thr.subject_tag = conf_str(c, "actions.subject_tag");
	p->ndomains = conf_group_count(c, "domains");
	p->domains = xcalloc(p->ndomains + 1, sizeof(*p->domains));
	for (i = 0; i < p->ndomains; i++) {
		g = conf_group(c, "domains", i);
		p->domains[i].name = conf_str(g, "name");
		read_thresholds(g, &p->domains[i].thr);
		p->domains[i].thr.subject_tag = conf_str(g, "subject_tag");
	}
	p->spam_flag_header = conf_str(c, "milter.spam_flag_header");
	p->spam_status_header = conf_str(c, "milter.spam_status_header");
	id = conf_str(c, "milter.authserv_id");
	if (id == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			str_lcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		id = host;
	}
	p->authserv_id = xstrdup(id);
}

struct pipeline *
pipeline_new(const struct conf *conf, struct dns_resolver *res,
    struct store *store, const char **why_r)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));

	p->conf = conf;
	p->res = res;
	p->store = store;
	read_conf(p);
	p->spf = spf_ctx_new(res, NULL);
	p->lim = limits_conf_new(conf);	/* outbound protection */
	p->snd = sender_conf_new(conf);	/* HELO SPF, outbound From */
	if (read_signing(p, why_r) == -1 ||
	    (p->rep = rep_new(conf, why_r)) == NULL ||	/* reputation */
	    (p->content = content_new(conf, store, why_r)) == NULL) {
		pipeline_free(&p);
		return NULL;
	}
	return p;
}

void
pipeline_free(struct pipeline **pp)
{
	struct pipeline *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsign; i++)
		dkim_privkey_free(&p->sign[i].key);
	free(p->sign);
	free(p->domains);
	free(p->local.trusted_forwarders);
	free(p->local.trusted_sealers);
	free(p->local.never_reject);
	free(p->local.mailing_lists);
	free(p->authserv_id);
	rep_free(&p->rep);		/* reputation */
	sender_conf_free(&p->snd);	/* HELO SPF, outbound From */
	limits_conf_free(&p->lim);	/* outbound protection */
	spf_ctx_free(&p->spf);
	content_free(&p->content);
	free(p);
	*pp = NULL;
}

const char *
pipeline_authserv_id(const struct pipeline *p)
{
	return p->authserv_id;
}

struct task *
pipeline_task(const struct pipeline *p, struct arena *a)
{
	return task_new(a, p->conf, p->res, p->store);
}

static void
spf_symbol(const struct pipeline *p, struct task *t,
    const struct spf_result *r)
{
	static const enum pipeline_sym map[] = {
		[SPF_NONE] = SYM_SPF_NONE, [SPF_NEUTRAL] = SYM_SPF_NEUTRAL,
		[SPF_PASS] = SYM_SPF_PASS, [SPF_FAIL] = SYM_SPF_FAIL,
		[SPF_SOFTFAIL] = SYM_SPF_SOFTFAIL,
		[SPF_TEMPERROR] = SYM_SPF_TEMPERROR,
		[SPF_PERMERROR] = SYM_SPF_PERMERROR
	};
	enum pipeline_sym s = map[r->result];

	task_symbol(t, sym_names[s], p->score[s], "%s for %s from %s%s%s",
	    spf_result_str(r->result), r->domain != NULL ? r->domain : "?",
	    r->ip, r->problem != NULL ? ": " : "",
	    r->problem != NULL ? r->problem : "");
}

int
pipeline_envelope(const struct pipeline *p, struct task *t,
    const char **why_r)
{
	struct spf_query q;
	struct spf_result *r;

	if (t->is_envelope_done)
		return 0;
	t->is_envelope_done = 1;
	/* Reputation: DNSBL, rDNS and HELO in one DNS batch. */
	if (rep_envelope(p->rep, t, why_r) == -1)
		return -1;
	if (t->env.is_outbound || !p->spf_enabled || t->env.client_ip == NULL)
		return 0;
	memset(&q, 0, sizeof(q));
	if (spf_query_set_ip(&q, t->env.client_ip) == -1) {
		*why_r = "client address is not an IP address";
		return -1;
	}
	q.sender = addr_bare(t->a, t->env.mail_from);
	q.helo = t->env.helo;
	q.identity = SPF_ID_MAILFROM;
	if (spf_check(p->spf, &q, t->a, &r, why_r) == -1)
		return -1;
	t->spf = r;
	spf_symbol(p, t, r);
	if (r->result == SPF_FAIL && p->spf_reject)
		task_raise(t, ACT_REJECT, "550", "5.7.23", arena_printf(t->a,
		    "SPF fail for %s", r->domain));
	return sender_helo_spf(p->snd, p->spf, t, why_r); /* HELO SPF */
}

/*
 * RFC 8601 section 5: fields claiming our authserv-id did not come from
 * us; remember their indexes so the milter deletes them.
 */
static void
find_forged(const struct pipeline *p, struct task *t)
{
	const struct msg_header *h;
	size_t i, n = msg_header_count(t->msg, "Authentication-Results");

	if (n == 0)
		return;
	t->del_authres = arena_calloc(t->a, n, sizeof(*t->del_authres));
	for (i = 0; i < n; i++) {
		h = msg_header_get(t->msg, "Authentication-Results", i);
		if (authres_is_ours(t->a, h->unfolded, h->unfolded_len,
		    p->authserv_id))
			t->del_authres[t->ndel_authres++] = i;
	}
}

/* Outbound: sign with the key of the From domain, if we have one. */
static int
sign_outbound(const struct pipeline *p, struct task *t, const char **why_r)
{
	struct dkim_sign_opts o;
	const char **doms, *why, *field;
	size_t n, i;

	if (p->nsign == 0 || dmarc_from_domains(t->a, t->msg, &doms, &n,
	    &why) != DMARC_FROM_OK)
		return 0;
	for (i = 0; i < p->nsign; i++) {
		if (str_casecmp(p->sign[i].domain, doms[0]) != 0)
			continue;
		dkim_sign_opts_default(&o);
		o.domain = p->sign[i].domain;
		o.selector = p->sign[i].selector;
		if (dkim_sign(t->msg, &o, p->sign[i].key, t->a, &field,
		    why_r) == -1)
			return -1;
		t->dkim_signature = field;
		return 0;
	}
	return 0;
}

int
pipeline_run(const struct pipeline *p, struct task *t, const char **why_r)
{
	if (t->msg == NULL) {
		*why_r = "pipeline_run: no message";
		return -1;
	}
	if (pipeline_envelope(p, t, why_r) == -1)
		return -1;
	find_forged(p, t);
	if (t->env.is_outbound) {	/* outbound protection: limits.h */
		if (sign_outbound(p, t, why_r) == -1 ||
		    limits_task(p->lim, t, why_r) == -1)
			return -1;
		bulk_task(p->lim, t);
		sender_outbound_from(p->snd, t);	/* From domain */
		if (content_outbound(p->content, t, why_r) == -1)
			return -1;	/* phishing: learn correspondents */
		return 0;
	}
	if (pl_auth(p, t, why_r) == -1 ||
	    rep_message(p->rep, t, why_r) == -1 ||	/* domain lists */
	    content_check(p->content, t, why_r) == -1)	/* rules, lists */
		return -1;
	pl_policy(p, t);
	content_route(p->content, t);		/* Junk folder header */
	rep_verdict(p->rep, t);		/* greylisting after the score */
	return 0;
}
