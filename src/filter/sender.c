/*
 * Sender identity checks (sender.h, docs/sender.md): SPF of the HELO
 * identity (RFC 7208 sections 2.3 and 2.4) for inbound mail, and the
 * From domains of authenticated users' outbound mail against
 * outbound.allowed_from, so that a stolen password cannot send as a
 * domain the account does not own (the DMARC-aligned signature the
 * pipeline would add makes such a forgery look genuine).
 */
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc.h"
#include "auth/spf.h"
#include "conf/conf.h"
#include "filter/sender.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define SENDER_LIST_MAX	2000	/* bytes of the allowed list in a reason */

struct sender_entry {
	const char	*user;		/* "alice@x", "*@x", "alice" or "*" */
	const char	**domains;	/* borrowed from the configuration */
	size_t		 ndomains;
};

struct sender_conf {
	int			 helo_enabled;
	double			 s_pass, s_fail, s_softfail;
	int			 from_enabled;
	enum sender_from_action	 action;
	enum sender_from_default def;
	struct sender_entry	*ent;
	size_t			 nent;
	const char		**signing;	/* dkim.signing domains */
	size_t			 nsigning;
};

struct sender_conf *
sender_conf_new(const struct conf *c)
{
	struct sender_conf *s = xcalloc(1, sizeof(*s));
	const struct conf *g;
	size_t i, k;

	s->helo_enabled = conf_bool(c, "spf.enabled") &&
	    conf_bool(c, "spf.check_helo");
	s->s_pass = conf_float(c, "scores.spf_helo_pass");
	s->s_fail = conf_float(c, "scores.spf_helo_fail");
	s->s_softfail = conf_float(c, "scores.spf_helo_softfail");
	s->from_enabled = conf_bool(c, "outbound.from_check");
	s->action = (enum sender_from_action)conf_enum(c,
	    "outbound.from_action");
	s->def = (enum sender_from_default)conf_enum(c,
	    "outbound.from_default");
	s->nent = conf_group_count(c, "outbound.allowed_from");
	s->ent = xcalloc(s->nent + 1, sizeof(*s->ent));
	for (i = 0; i < s->nent; i++) {
		g = conf_group(c, "outbound.allowed_from", i);
		s->ent[i].user = conf_str(g, "user");
		s->ent[i].ndomains = conf_list_len(g, "domains");
		s->ent[i].domains = xcalloc(s->ent[i].ndomains + 1,
		    sizeof(*s->ent[i].domains));
		for (k = 0; k < s->ent[i].ndomains; k++)
			s->ent[i].domains[k] = conf_list_str(g, "domains", k);
	}
	s->nsigning = conf_group_count(c, "dkim.signing");
	s->signing = xcalloc(s->nsigning + 1, sizeof(*s->signing));
	for (i = 0; i < s->nsigning; i++)
		s->signing[i] = conf_str(conf_group(c, "dkim.signing", i),
		    "domain");
	return s;
}

void
sender_conf_free(struct sender_conf **sp)
{
	struct sender_conf *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nent; i++)
		free(s->ent[i].domains);
	free(s->ent);
	free(s->signing);
	free(s);
	*sp = NULL;
}

/*
 * HELO identity.
 */

int
sender_helo_spf(const struct sender_conf *s, struct spf_ctx *spf,
    struct task *t, const char **why_r)
{
	const char *helo = t->env.helo, *mf = t->env.mail_from;
	struct spf_query q;
	struct spf_result *r;
	const char *name;
	double score;

	if (!s->helo_enabled || t->env.client_ip == NULL || helo == NULL ||
	    *helo == '\0' || *helo == '[')
		return 0;
	if ((mf == NULL || *mf == '\0' || strcmp(mf, "<>") == 0) &&
	    t->spf != NULL) {
		/* 2.4: the null path's identity is postmaster@HELO. */
		r = arena_alloc(t->a, sizeof(*r));
		*r = *t->spf;
		r->identity = SPF_ID_HELO;
		t->spf_helo = r;
		return 0;
	}
	memset(&q, 0, sizeof(q));
	if (spf_query_set_ip(&q, t->env.client_ip) == -1) {
		*why_r = "client address is not an IP address";
		return -1;
	}
	q.helo = helo;
	q.identity = SPF_ID_HELO;
	if (spf_check(spf, &q, t->a, &r, why_r) == -1)
		return -1;
	t->spf_helo = r;
	switch (r->result) {
	case SPF_PASS:
		name = "SPF_HELO_PASS";
		score = s->s_pass;
		break;
	case SPF_FAIL:
		name = "SPF_HELO_FAIL";
		score = s->s_fail;
		break;
	case SPF_SOFTFAIL:
		name = "SPF_HELO_SOFTFAIL";
		score = s->s_softfail;
		break;
	default:
		return 0;	/* none, neutral, errors: no opinion */
	}
	task_symbol(t, name, score, "%s for HELO %s from %s",
	    spf_result_str(r->result), r->domain, r->ip);
	return 0;
}

/*
 * Outbound From.
 */

/* How specifically entry user u matches login (0: not at all). */
static int
entry_match(const char *u, const char *login)
{
	const char *at = strrchr(login, '@');

	if (str_casecmp(u, login) == 0)
		return 3;
	if (at != NULL && u[0] == '*' && u[1] == '@' &&
	    str_casecmp(u + 2, at + 1) == 0)
		return 2;
	if (strcmp(u, "*") == 0)
		return 1;
	return 0;
}

static size_t
push_dom(struct arena *a, const char **v, size_t n, const char *d)
{
	size_t i;

	if (d == NULL || *d == '\0')
		return n;
	for (i = 0; i < n; i++)
		if (str_casecmp(v[i], d) == 0)
			return n;
	v[n] = str_lower(arena_strdup(a, d));
	return n + 1;
}

size_t
sender_allowed(const struct sender_conf *s, struct arena *a,
    const char *login, const char ***doms_r, int *any_r)
{
	const char **v, *at = strrchr(login, '@');
	size_t i, k, n = 0, cap = s->nsigning + 1;
	int best = 0, m;

	for (i = 0; i < s->nent; i++) {
		m = entry_match(s->ent[i].user, login);
		if (m > best)
			best = m;
		if (m > 0)
			cap += s->ent[i].ndomains;
	}
	*doms_r = v = arena_calloc(a, cap + 1, sizeof(*v));
	*any_r = 0;
	if (best > 0) {
		for (i = 0; i < s->nent; i++) {
			if (entry_match(s->ent[i].user, login) != best)
				continue;
			for (k = 0; k < s->ent[i].ndomains; k++)
				n = push_dom(a, v, n, s->ent[i].domains[k]);
		}
		return n;
	}
	if (at != NULL && at[1] != '\0' && (s->def == SENDER_DEF_BOTH ||
	    s->def == SENDER_DEF_LOGIN))
		n = push_dom(a, v, n, at + 1);
	if (s->def == SENDER_DEF_BOTH || s->def == SENDER_DEF_SIGNING)
		for (i = 0; i < s->nsigning; i++)
			n = push_dom(a, v, n, s->signing[i]);
	/* Nothing to go by (a bare login and no signing table): allow. */
	*any_r = n == 0;
	return n;
}

static int
is_in(const char *d, const char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_casecmp(d, v[i]) == 0)
			return 1;
	return 0;
}

static void
from_violation(const struct sender_conf *s, struct task *t,
    const char *login, const char *what, const char **v, size_t n)
{
	struct buf b = BUF_INIT;
	const char *text;
	size_t i;

	for (i = 0; i < n && b.len < SENDER_LIST_MAX; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", v[i]);
	task_symbol(t, "OUTBOUND_FROM_NOT_ALLOWED", 0, "%s for user %.256s "
	    "(allowed: %s)", what, login, n > 0 ? b.p : "none");
	buf_free(&b);
	text = arena_printf(t->a, "%s for user %.256s", what, login);
	if (s->action == SENDER_ACT_REJECT)
		task_raise(t, ACT_REJECT, "550", "5.7.1", text);
	else if (s->action == SENDER_ACT_QUARANTINE)
		task_raise(t, ACT_QUARANTINE, NULL, NULL, text);
}

void
sender_outbound_from(const struct sender_conf *s, struct task *t)
{
	const char *login = t->env.auth_user, **v, **from, *why;
	size_t n, nfrom, i;
	int any;

	if (!s->from_enabled || login == NULL || *login == '\0' ||
	    t->msg == NULL)
		return;
	n = sender_allowed(s, t->a, login, &v, &any);
	if (any)
		return;
	switch (dmarc_from_domains(t->a, t->msg, &from, &nfrom, &why)) {
	case DMARC_FROM_OK:
	case DMARC_FROM_MULTI:
		break;
	default:
		from_violation(s, t, login, arena_printf(t->a, "no usable "
		    "From address (%s)", why), v, n);
		return;
	}
	for (i = 0; i < nfrom; i++)
		if (!is_in(from[i], v, n)) {
			from_violation(s, t, login, arena_printf(t->a, "From "
			    "domain %.253s is not allowed", from[i]), v, n);
			return;
		}
}
