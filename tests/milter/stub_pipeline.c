/*
 * TEST ONLY: a pipeline with fixed, visible rules, linked into the test
 * daemon milterd_stub (never into mxwarden) so the milter's mechanics
 * (protocol, verdict to milter actions, time budget, safe action,
 * reload, shutdown) are tested on their own. Rules, by Subject word:
 * STUB-REJECT, STUB-TEMPFAIL, STUB-QUARANTINE, STUB-TAG, STUB-SPAM (add
 * header), STUB-ERROR (internal error), STUB-SLEEP=N (N seconds of
 * work); MAIL FROM spf-fail@... is refused at MAIL FROM. The subject
 * tag comes from actions.subject_tag so a reload is visible.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "mail/msg.h"

struct pipeline {
	const struct conf	*conf;
	struct dns_resolver	*res;
	const char		*tag;
	const char		*authserv;
};

struct pipeline *
pipeline_new(const struct conf *conf, struct dns_resolver *res,
    struct store *store, const char **why_r)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	(void)store;
	if (p == NULL) {
		*why_r = "out of memory";
		return NULL;
	}
	p->conf = conf;
	p->res = res;
	p->tag = conf_str(conf, "actions.subject_tag");
	p->authserv = conf_str(conf, "milter.authserv_id");
	if (p->authserv == NULL)
		p->authserv = "stub.test";
	return p;
}

void
pipeline_free(struct pipeline **p)
{
	free(*p);
	*p = NULL;
}

struct task *
pipeline_task(const struct pipeline *p, struct arena *a)
{
	return task_new(a, p->conf, p->res, NULL);
}

int
pipeline_envelope(const struct pipeline *p, struct task *t,
    const char **why_r)
{
	(void)p;
	(void)why_r;
	if (strncmp(t->env.mail_from, "spf-fail@", 9) == 0) {
		task_symbol(t, "STUB_SPF_FAIL", 100, "stub SPF fail");
		task_raise(t, ACT_REJECT, "550", "5.7.23",
		    "SPF fail for the sender's domain (stub)");
	}
	return 0;
}

static int
subject_has(const struct task *t, const char *word)
{
	const struct msg_header *h = msg_header_get(t->msg, "Subject", 0);

	return h != NULL && memmem(h->unfolded, h->unfolded_len, word,
	    strlen(word)) != NULL;
}

const char *
pipeline_authserv_id(const struct pipeline *p)
{
	return p->authserv;
}

/* Fields whose value starts with our authserv-id and ";". */
static void
find_forged(const struct pipeline *p, struct task *t)
{
	const struct msg_header *h;
	size_t i, n = msg_header_count(t->msg, "Authentication-Results");
	size_t len = strlen(p->authserv);

	t->del_authres = arena_calloc(t->a, n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		h = msg_header_get(t->msg, "Authentication-Results", i);
		if (h->unfolded_len > len && memcmp(h->unfolded, p->authserv,
		    len) == 0 && h->unfolded[len] == ';')
			t->del_authres[t->ndel_authres++] = i;
	}
}

int
pipeline_run(const struct pipeline *p, struct task *t, const char **why_r)
{
	const struct msg_header *h;
	const char *s;

	if (subject_has(t, "STUB-ERROR")) {
		*why_r = "stub internal error";
		return -1;
	}
	h = msg_header_get(t->msg, "Subject", 0);
	if (h != NULL && (s = memmem(h->unfolded, h->unfolded_len,
	    "STUB-SLEEP=", 11)) != NULL)
		sleep((unsigned)atoi(s + 11));
	task_symbol(t, "STUB_SEEN", 0.5, "the stub saw it");
	if (t->env.is_outbound) {
		t->dkim_signature = arena_printf(t->a, "DKIM-Signature: v=1; "
		    "a=ed25519-sha256; d=stub.test; s=stub; user=%s; b=stub",
		    t->env.auth_user != NULL ? t->env.auth_user : "-");
		return 0;
	}
	find_forged(p, t);
	t->authres = arena_printf(t->a, "%s; spf=none smtp.mailfrom=%s",
	    p->authserv, t->env.mail_from);
	if (subject_has(t, "STUB-REJECT")) {
		task_symbol(t, "STUB_REJECT", 20, "stub reject");
		task_raise(t, ACT_REJECT, "550", "5.7.1",
		    "Message refused by stub policy (100% sure)");
	} else if (subject_has(t, "STUB-TEMPFAIL"))
		task_raise(t, ACT_TEMPFAIL, "451", "4.7.1", "stub tempfail");
	else if (subject_has(t, "STUB-QUARANTINE"))
		task_raise(t, ACT_QUARANTINE, NULL, NULL, "stub quarantine");
	else if (subject_has(t, "STUB-TAG")) {
		task_symbol(t, "STUB_TAG", 8, "stub tag");
		task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, NULL);
		t->subject_tag = p->tag;
	} else if (subject_has(t, "STUB-SPAM"))
		task_raise(t, ACT_ADD_HEADER, NULL, NULL, NULL);
	return 0;
}
