/*
 * The policy (DESIGN.md section 4): the total score of a task's symbols
 * against the thresholds of the configuration (actions.*), overridden
 * per recipient domain (domains), gives the action; checks may already
 * have raised a harsher one (a DMARC reject), which is kept. Mail at or
 * above the add-header threshold gets the spam flag and status headers.
 */
#include <string.h>

#include "filter/pipeline_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

/* The thresholds for the first recipient whose domain has an entry. */
static const struct pl_thresholds *
thresholds(const struct pipeline *p, const struct task *t)
{
	const char *at;
	size_t i, k;

	for (i = 0; i < t->env.nrcpt; i++) {
		if (t->env.rcpt[i] == NULL ||
		    (at = strrchr(t->env.rcpt[i], '@')) == NULL)
			continue;
		for (k = 0; k < p->ndomains; k++) {
			size_t n = strlen(p->domains[k].name);

			if (str_ncasecmp(at + 1, p->domains[k].name, n) ==
			    0 && (at[1 + n] == '\0' || at[1 + n] == '>'))
				return &p->domains[k].thr;
		}
	}
	return &p->thr;
}

static void
spam_headers(const struct pipeline *p, struct task *t)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "Yes, score=%.1f symbols=", t->score);
	for (i = 0; i < t->nsym; i++)
		buf_printf(&b, "%s%s", i > 0 ? "," : "", t->sym[i].name);
	task_add_header(t, p->spam_flag_header, "YES");
	task_add_header(t, p->spam_status_header, b.p);
	buf_free(&b);
}

void
pl_policy(const struct pipeline *p, struct task *t)
{
	const struct pl_thresholds *th = thresholds(p, t);
	double s = t->score;
	const char *text = arena_printf(t->a, "score %.1f", s);

	if (s >= th->reject)
		task_raise(t, ACT_REJECT, "550", "5.7.1", arena_printf(t->a,
		    "Message rejected as spam (%s)", text));
	else if (s >= th->quarantine)
		task_raise(t, ACT_QUARANTINE, NULL, NULL, text);
	else if (s >= th->tag_subject)
		task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, text);
	else if (s >= th->add_header)
		task_raise(t, ACT_ADD_HEADER, NULL, NULL, text);
	else if (s >= th->greylist && t->action < ACT_QUARANTINE)
		task_raise(t, ACT_GREYLIST, "451", "4.7.1",
		    "Greylisted, try again later");
	if (t->action == ACT_TAG_SUBJECT)
		t->subject_tag = th->subject_tag;
	if (s >= th->add_header && t->action != ACT_REJECT)
		spam_headers(p, t);
}
