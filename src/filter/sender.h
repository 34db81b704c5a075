/*
 * Checks of the sender's identities that the authentication stage does
 * not cover (docs/sender.md):
 *   - inbound, at the envelope: SPF of the HELO identity (RFC 7208
 *     section 2.3), kept in task->spf_helo, reported as its own
 *     Authentication-Results resinfo with smtp.helo (RFC 8601 2.7.2);
 *   - outbound, at end of message: the From domains of mail sent by a
 *     SASL-authenticated user must be among the domains that user may
 *     send as (outbound.allowed_from, else a default rule).
 * Built once from the configuration and then read-only, so every
 * thread shares it.
 */
#ifndef MXW_SENDER_H
#define MXW_SENDER_H

#include <stddef.h>

struct arena;
struct conf;
struct spf_ctx;
struct task;

/* Words of outbound.from_action and outbound.from_default. */
enum sender_from_action {
	SENDER_ACT_REJECT = 0,		/* 550 5.7.1 naming the domain */
	SENDER_ACT_QUARANTINE,		/* hold the message */
	SENDER_ACT_SYMBOL		/* only the symbol (logged) */
};
enum sender_from_default {
	SENDER_DEF_BOTH = 0,	/* the login's domain and dkim.signing's */
	SENDER_DEF_LOGIN,	/* the login's domain only */
	SENDER_DEF_SIGNING,	/* the domains of dkim.signing only */
	SENDER_DEF_ANY		/* no restriction without an entry */
};

struct sender_conf;

/* Read the settings (c borrowed; it must outlive the result). Never NULL;
   caller frees with sender_conf_free(), which sets *s to NULL. */
struct sender_conf *sender_conf_new(const struct conf *c);
void	sender_conf_free(struct sender_conf **s);

/*
 * SPF of the HELO identity of an inbound task with a client address
 * (call after the MAIL FROM check). Sets t->spf_helo and adds
 * SPF_HELO_PASS, SPF_HELO_FAIL or SPF_HELO_SOFTFAIL. With a null MAIL
 * FROM, RFC 7208 2.4 makes postmaster@HELO the MAIL FROM identity, so
 * t->spf already holds the same evaluation: it is copied (no second
 * set of DNS queries, no second symbol). Address literals and an empty
 * HELO are not checked (2.3: the HELO identity is a domain name).
 * Returns 0, or -1 with *why_r for a malformed query.
 */
int	sender_helo_spf(const struct sender_conf *s, struct spf_ctx *spf,
    struct task *t, const char **why_r);

/*
 * The outbound From check for a task with t->env.auth_user set (others
 * are left alone: mail from trusted networks has no user). A From
 * domain the user may not use adds OUTBOUND_FROM_NOT_ALLOWED and raises
 * the configured action; so does a message without a usable From.
 */
void	sender_outbound_from(const struct sender_conf *s, struct task *t);

/*
 * The From domains login may use (lower case, arena a): the domains of
 * the most specific matching outbound.allowed_from entries (the exact
 * login, then "*@domain", then "*"), else the default rule. Returns the
 * number of domains; 0 with *any_r = 1 means no restriction.
 */
size_t	sender_allowed(const struct sender_conf *s, struct arena *a,
    const char *login, const char ***doms_r, int *any_r);

#endif
