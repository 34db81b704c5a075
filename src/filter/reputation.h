/*
 * The reputation checks as pipeline stages (DESIGN.md section 2): at
 * the envelope, one parallel DNS batch for the IP block lists, the PTR
 * of the client and the HELO name's addresses, then the forward lookups
 * of the PTR names (rdns.h, helo.h, dnsbl.h); at end of message the
 * domain lists (sender, DKIM, HELO, URL hosts); after the policy,
 * greylisting (greylist.h). Built once from the configuration and then
 * immutable (the list health atomics of dnsbl.c aside), so every milter
 * thread shares it. Not for use outside src/filter.
 */
#ifndef MXW_REPUTATION_H
#define MXW_REPUTATION_H

struct conf;
struct task;

struct rep;

/* Caller frees with rep_free. NULL with *why_r on a bad setting. */
struct rep	*rep_new(const struct conf *c, const char **why_r);
void		 rep_free(struct rep **r);

/* Envelope checks (inbound mail with a client address). 0 or -1. */
int	rep_envelope(const struct rep *r, struct task *t, const char **why_r);
/* Domain lists, once t->msg and the DKIM results are there. 0 or -1. */
int	rep_message(const struct rep *r, struct task *t, const char **why_r);
/* Greylisting after the policy; never fails. */
void	rep_verdict(const struct rep *r, struct task *t);

#endif
