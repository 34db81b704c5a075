/*
 * Inside the pipeline: the state read from the configuration once
 * (pipeline.c), shared with the authentication stage (auth.c) and the
 * policy (policy.c). Not for use outside src/filter.
 */
#ifndef MXW_PIPELINE_INT_H
#define MXW_PIPELINE_INT_H

#include "auth/dkim.h"
#include "auth/dmarc.h"

struct rep;		/* reputation.h (reputation issue) */
struct limits_conf;	/* limits.h (outbound issue) */
struct sender_conf;	/* sender.h (HELO SPF, outbound From) */
struct spf_ctx;
struct task;

/* Symbols of the authentication checks; scores in scores.<lower name>. */
enum pipeline_sym {
	SYM_SPF_PASS = 0,
	SYM_SPF_FAIL,
	SYM_SPF_SOFTFAIL,
	SYM_SPF_NEUTRAL,
	SYM_SPF_NONE,
	SYM_SPF_TEMPERROR,
	SYM_SPF_PERMERROR,
	SYM_DKIM_VALID,
	SYM_DKIM_INVALID,
	SYM_DKIM_TEMPERROR,
	SYM_DMARC_PASS,
	SYM_DMARC_POLICY_REJECT,
	SYM_DMARC_POLICY_QUARANTINE,
	SYM_DMARC_POLICY_NONE,
	SYM_DMARC_NA,
	SYM_DMARC_TEMPERROR,
	SYM_DMARC_BAD_FROM,
	SYM_ARC_PASS,
	SYM_ARC_FAIL,
	SYM_COUNT
};

/* Words of dmarc.reject_action and dmarc.quarantine_action. */
enum { PL_DACT_REJECT = 0, PL_DACT_QUARANTINE, PL_DACT_TAG, PL_DACT_NONE };
enum { PL_QACT_QUARANTINE = 0, PL_QACT_TAG, PL_QACT_NONE };

struct pl_thresholds {
	double		 greylist, add_header, tag_subject, quarantine, reject;
	const char	*subject_tag;
};

struct pl_sign {
	const char		*domain;
	const char		*selector;
	struct dkim_privkey	*key;
};

struct pipeline {
	const struct conf	*conf;
	struct dns_resolver	*res;
	struct store		*store;
	struct spf_ctx		*spf;
	double			 score[SYM_COUNT];
	int			 spf_enabled, spf_reject;
	int			 dkim_verify;
	struct dkim_opts	 dkim_o;
	int			 dmarc_enabled;
	enum dmarc_rfc		 rfc;
	int			 reject_action;		/* PL_DACT_* */
	int			 quarantine_action;	/* PL_QACT_* */
	struct dmarc_local	 local;
	struct pl_thresholds	 thr;
	struct {
		const char		*name;
		struct pl_thresholds	 thr;
	}			*domains;
	size_t			 ndomains;
	struct pl_sign		*sign;
	size_t			 nsign;
	const char		*spam_flag_header;
	const char		*spam_status_header;
	char			*authserv_id;
	struct content		*content;	/* rules, lists: content.h */
	struct limits_conf	*lim;	/* outbound protection */
	struct rep		*rep;	/* DNSBL, rDNS, HELO, greylisting */
	struct sender_conf	*snd;	/* HELO SPF, outbound From (sender.h) */
};

const char	*pipeline_sym_name(enum pipeline_sym s);

/* DKIM, ARC, DMARC and Authentication-Results (auth.c). */
int	pl_auth(const struct pipeline *p, struct task *t, const char **why_r);
/* Score to action, spam headers (policy.c). */
void	pl_policy(const struct pipeline *p, struct task *t);

#endif
