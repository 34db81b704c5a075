/*
 * Tasks: symbols, added headers and the harshest action so far.
 */
#include <stdarg.h>
#include <string.h>

#include "filter/task.h"
#include "lib/arena.h"
#include "lib/xmalloc.h"

struct task *
task_new(struct arena *a, const struct conf *conf, struct dns_resolver *res,
    struct store *store)
{
	struct task *t = arena_zalloc(a, sizeof(*t));

	t->a = a;
	t->conf = conf;
	t->res = res;
	t->store = store;
	return t;
}

/* Grow an arena array of elements of size sz to hold one more. */
static void *
grow(struct arena *a, void *p, size_t n, size_t *cap, size_t sz)
{
	void *q;

	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	q = arena_calloc(a, *cap, sz);
	if (n > 0)
		memcpy(q, p, n * sz);
	return q;
}

void
task_symbol(struct task *t, const char *name, double score,
    const char *fmt, ...)
{
	struct task_symbol *s;
	va_list ap;

	t->sym = grow(t->a, t->sym, t->nsym, &t->capsym, sizeof(*t->sym));
	s = &t->sym[t->nsym++];
	s->name = name;
	s->score = score;
	va_start(ap, fmt);
	s->reason = arena_vprintf(t->a, fmt, ap);
	va_end(ap);
	t->score += score;
}

const struct task_symbol *
task_symbol_get(const struct task *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nsym; i++)
		if (strcmp(t->sym[i].name, name) == 0)
			return &t->sym[i];
	return NULL;
}

void
task_add_header(struct task *t, const char *name, const char *value)
{
	t->add_hdr = grow(t->a, t->add_hdr, t->nadd_hdr, &t->capadd_hdr,
	    sizeof(*t->add_hdr));
	t->add_hdr[t->nadd_hdr].name = arena_strdup(t->a, name);
	t->add_hdr[t->nadd_hdr++].value = arena_strdup(t->a, value);
}

void
task_alert(struct task *t, const char *fmt, ...)
{
	va_list ap;

	t->alerts = grow(t->a, t->alerts, t->nalerts, &t->capalerts,
	    sizeof(*t->alerts));
	va_start(ap, fmt);
	t->alerts[t->nalerts++] = arena_vprintf(t->a, fmt, ap);
	va_end(ap);
}

void
task_raise(struct task *t, enum task_action act, const char *code,
    const char *xcode, const char *text)
{
	if (act <= t->action && t->reply_code != NULL)
		return;
	if (act < t->action)
		return;
	t->action = act;
	t->reply_code = code;
	t->reply_xcode = xcode;
	t->reply_text = text;
}

const char *
task_action_str(enum task_action act)
{
	static const char *names[] = { "accept", "add header", "tag subject",
	    "quarantine", "greylist", "tempfail", "reject" };

	if ((unsigned)act >= sizeof(names) / sizeof(names[0]))
		panic("task_action_str: bad action %d", (int)act);
	return names[act];
}
