/*
 * The content stage of the pipeline: rules (rules.h), allow and deny
 * lists, phishing, attachments and antivirus, built once from the
 * configuration and immutable afterwards (shared by milter threads).
 * Each check is a function over a task; content_check runs them for
 * inbound mail before the policy (attachments and antivirus first, so an
 * allow-listed sender's malware is still judged), content_route after it
 * (the Junk folder and the phishing subject tag), content_outbound learns
 * correspondents from outbound mail (docs/phishing.md).
 */
#ifndef MXW_CONTENT_H
#define MXW_CONTENT_H

#include <stddef.h>

struct conf;
struct store;
struct task;
struct content;

/* Build from conf (borrowed; store may be NULL). NULL and *why_r
   (valid until the next call in this thread) when a rule file or a
   list entry is bad; rule errors name file and line. */
struct content	*content_new(const struct conf *c, struct store *st,
    const char **why_r);
void		 content_free(struct content **c);

/* Inbound checks; -1 with *why_r (static) on an internal failure. */
int	content_check(const struct content *c, struct task *t,
    const char **why_r);
/* After the policy: the folder header for spam. */
void	content_route(const struct content *c, struct task *t);
/* Outbound: learn known correspondents (phishing); -1 on a store
   failure with *why_r. */
int	content_outbound(const struct content *c, struct task *t,
    const char **why_r);

/*
 * The checks, for tests and for callers that want one of them.
 */
struct lists;

/* Allow/deny entries "KIND:VALUE[ for RCPTDOMAIN]", KIND one of from,
   domain, ip, dkim (docs/rules.md). NULL and *why_r (static) on a bad
   entry. */
struct lists	*lists_new(const char *const *allow, size_t nallow,
    const char *const *deny, size_t ndeny, double allow_score,
    double deny_score, const char **why_r);
void		 lists_free(struct lists **l);
/* Adds LIST_ALLOW / LIST_DENY; returns 1 allow, 2 deny, 0 neither. */
int		 lists_check(const struct lists *l, struct task *t);

#endif
