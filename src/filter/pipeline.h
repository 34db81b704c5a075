/*
 * The pipeline: the ordered checks that turn a task into a verdict, shared
 * by the milter and `mxwarden scan`. A pipeline is built once from a
 * configuration (resolver, store, signing keys, compiled rules) and is
 * then immutable, so every milter thread uses it at once without locks; a
 * configuration reload builds a new pipeline and swaps the pointer.
 *
 * Stages follow the SMTP dialogue so the milter can act early:
 * pipeline_envelope() at MAIL FROM (SPF, and anything else that needs no
 * message), pipeline_run() at end of message (everything else, then the
 * policy that maps the score to an action). Internal failures return -1;
 * the caller then applies its configured safe action and never drops
 * the message.
 */
#ifndef MXW_PIPELINE_H
#define MXW_PIPELINE_H

struct arena;
struct conf;
struct dns_resolver;
struct store;
struct task;

struct pipeline;

/*
 * Build a pipeline (caller frees with pipeline_free). conf, res and store
 * are borrowed and must outlive it; store may be NULL. NULL and *why_r on
 * failure (a signing key that cannot be read, say).
 */
struct pipeline	*pipeline_new(const struct conf *conf,
    struct dns_resolver *res, struct store *store, const char **why_r);
void		 pipeline_free(struct pipeline **p);

/* A new task for one message, in arena a (envelope and msg left empty). */
struct task	*pipeline_task(const struct pipeline *p, struct arena *a);

/*
 * Checks that need only the envelope (t->env). May already decide (for
 * example reject on SPF fail when so configured): t->action is then set.
 */
int		 pipeline_envelope(const struct pipeline *p, struct task *t,
    const char **why_r);

/*
 * Everything else, once t->msg is set, then the policy: fills t->action,
 * the reply, the headers to add, t->authres, and for outbound mail the
 * DKIM-Signature to prepend. Calls pipeline_envelope() itself if it has
 * not run for this task.
 */
int		 pipeline_run(const struct pipeline *p, struct task *t,
    const char **why_r);

/* The authserv-id our Authentication-Results carry (borrowed). */
const char	*pipeline_authserv_id(const struct pipeline *p);

#endif
