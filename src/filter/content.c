/*
 * The content stage (content.h): rules, allow and deny lists, and the
 * routing of spam into a folder through a header that a Sieve script
 * honours (docs/rules.md, docs/sieve/route.sieve). Everything is read
 * from the configuration once, in content_new.
 */
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "filter/attach.h"	/* attachments, antivirus */
#include "filter/av.h"
#include "filter/content.h"
#include "filter/phish.h"	/* phishing */
#include "filter/rules.h"
#include "filter/task.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

struct content {
	struct rules	*rules;
	struct lists	*lists;
	struct phish	*phish;		/* phishing: phish.h */
	const char	*route_header;
	const char	*junk_folder;
	double		 junk_score;
	struct attach	*attach;	/* attach.h */
	struct av	*av;		/* av.h */
};

static const char **
list_of(const struct conf *c, const char *path, size_t *n_r)
{
	size_t n = conf_list_len(c, path), i;
	const char **v = xcalloc(n + 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = conf_list_str(c, path, i);
	*n_r = n;
	return v;
}

static struct rules *
load_rules(const struct conf *c, char **why_r)
{
	size_t nf = conf_list_len(c, "rules.files"), n = 0, i;
	struct rules_src *src = xcalloc(rules_default_nsrc + nf + 1,
	    sizeof(*src));
	struct rules *r;

	if (conf_bool(c, "rules.default_set"))
		for (i = 0; i < rules_default_nsrc; i++)
			src[n++] = rules_default_src[i];
	for (i = 0; i < nf; i++)
		src[n++].path = conf_list_str(c, "rules.files", i);
	r = rules_load_cached(src, n, conf_str(c, "rules.cache_dir"),
	    why_r);
	free(src);
	return r;
}

struct content *
content_new(const struct conf *c, struct store *st, const char **why_r)
{
	static _Thread_local char ebuf[512];
	struct content *ct = xcalloc(1, sizeof(*ct));
	const char **allow, **deny, *why;
	char *rwhy = NULL;
	size_t nallow, ndeny;

	(void)st;
	if ((ct->rules = load_rules(c, &rwhy)) == NULL) {
		str_lcpy(ebuf, rwhy, sizeof(ebuf));
		free(rwhy);
		*why_r = ebuf;
		free(ct);
		return NULL;
	}
	ct->route_header = conf_str(c, "routing.header");
	rules_set_route_header(ct->rules, ct->route_header);
	ct->junk_folder = conf_str(c, "routing.junk_folder");
	ct->junk_score = conf_float(c, "actions.add_header");
	allow = list_of(c, "lists.allow", &nallow);
	deny = list_of(c, "lists.deny", &ndeny);
	ct->lists = lists_new(allow, nallow, deny, ndeny,
	    conf_float(c, "lists.allow_score"),
	    conf_float(c, "lists.deny_score"), &why);
	free(allow);
	free(deny);
	if (ct->lists == NULL) {
		*why_r = why;
		content_free(&ct);
		return NULL;
	}
	if ((ct->attach = attach_new(c, why_r)) == NULL ||	/* attach */
	    (ct->av = av_new(c, why_r)) == NULL) {
		content_free(&ct);
		return NULL;
	}
	if ((ct->phish = phish_new(c, why_r)) == NULL) {	/* phishing */
		content_free(&ct);
		return NULL;
	}
	return ct;
}

void
content_free(struct content **cp)
{
	struct content *c = *cp;

	if (c == NULL)
		return;
	rules_free(&c->rules);
	lists_free(&c->lists);
	phish_free(&c->phish);		/* phishing */
	attach_free(&c->attach);
	av_free(&c->av);
	free(c);
	*cp = NULL;
}

int
content_check(const struct content *c, struct task *t, const char **why_r)
{
	/* Malware is judged even for allow-listed senders (attach, av). */
	if (attach_check(c->attach, t, why_r) == -1 ||
	    (t->action < ACT_REJECT && av_check(c->av, t, why_r) == -1))
		return -1;
	if (lists_check(c->lists, t) == 1)
		return 0;	/* allow-listed: no content checks */
	if (rules_check(c->rules, t, why_r) == -1)
		return -1;
	return phish_check(c->phish, t, why_r);		/* phishing */
}

void
content_route(const struct content *c, struct task *t)
{
	size_t i;

	phish_tag(c->phish, t);		/* phishing: subject tag */
	if (c->junk_folder == NULL || c->junk_folder[0] == '\0' ||
	    t->score < c->junk_score || t->action == ACT_REJECT)
		return;
	for (i = 0; i < t->nadd_hdr; i++)
		if (strcmp(t->add_hdr[i].name, c->route_header) == 0)
			return;		/* a rule chose the folder */
	task_add_header(t, c->route_header, c->junk_folder);
}

/* Outbound mail: learn the recipients as correspondents (phish.h). */
int
content_outbound(const struct content *c, struct task *t,
    const char **why_r)
{
	return phish_learn(c->phish, t, why_r);
}
