/*
 * DMARC as RFC 9989 defines it: the policy record (section 4.7), the
 * RFC 5322 From domain (section 4.4), policy discovery and the
 * Organizational Domain by the DNS tree walk (section 4.10), identifier
 * alignment (section 4.4.x), and the result with the policy to apply
 * after t=y and local overrides. A switch selects RFC 7489 instead:
 * Organizational Domain from the Public Suffix List (libpsl), pct=
 * honoured, invalid tag values make the record unusable.
 *
 * Pure functions of (message, authenticated identifiers, resolver): no
 * logging, no global state. Everything returned lives in the caller's
 * arena.
 */
#ifndef MXW_DMARC_H
#define MXW_DMARC_H

#include <stddef.h>

struct arena;
struct dns_resolver;
struct msg;

#define DMARC_RECORD_MAX	2048	/* bytes of a record we parse */
#define DMARC_WALK_MAX		8	/* RFC 9989 tree walk: 8 queries */
#define DMARC_FROM_DOMAINS_MAX	8	/* distinct From domains evaluated */
#define DMARC_CACHE_MAX		32	/* _dmarc answers kept per check */

enum dmarc_rfc {
	DMARC_RFC9989 = 0,
	DMARC_RFC7489
};

enum dmarc_res {
	DMARC_RES_NONE = 0,	/* no policy record for the From domain */
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,	/* DNS trouble: try again later */
	DMARC_RES_PERMERROR	/* the From field cannot be evaluated */
};

/* Ordered from mildest to harshest. */
enum dmarc_policy {
	DMARC_POL_NONE = 0,
	DMARC_POL_QUARANTINE,
	DMARC_POL_REJECT
};

enum dmarc_align {
	DMARC_ALIGN_RELAXED = 0,
	DMARC_ALIGN_STRICT
};

enum dmarc_psd {
	DMARC_PSD_U = 0,	/* unknown (default) */
	DMARC_PSD_Y,		/* a public suffix domain */
	DMARC_PSD_N		/* an Organizational Domain */
};

/*
 * Why the policy applied differs from the published one: the
 * PolicyOverrideType values of DMARC aggregate reports.
 */
enum dmarc_override {
	DMARC_OVR_NONE = 0,
	DMARC_OVR_FORWARDED,		/* local: trusted ARC sealer */
	DMARC_OVR_SAMPLED_OUT,		/* RFC 7489 pct= */
	DMARC_OVR_TRUSTED_FORWARDER,
	DMARC_OVR_MAILING_LIST,
	DMARC_OVR_LOCAL_POLICY,		/* never-reject list */
	DMARC_OVR_POLICY_TEST_MODE	/* t=y */
};

/* What the From field gave (RFC 9989 4.4, RFC 5322 3.6). */
enum dmarc_from {
	DMARC_FROM_OK = 0,	/* one domain (perhaps several fields) */
	DMARC_FROM_MISSING,	/* no From field */
	DMARC_FROM_UNPARSEABLE,	/* not an address list */
	DMARC_FROM_NO_DOMAIN,	/* an address without a usable domain */
	DMARC_FROM_EMPTY,	/* no address (an empty group) */
	DMARC_FROM_MULTI	/* several distinct domains */
};

struct dmarc_record {
	enum dmarc_policy	 p, sp, np;
	int			 has_p, has_sp, has_np;
	enum dmarc_align	 adkim, aspf;
	enum dmarc_psd		 psd;
	int			 is_testing;	/* t=y */
	int			 pct;		/* RFC 7489; 100 if absent */
	const char		*rua;		/* raw value or NULL */
	const char		*ruf;
	const char		*fo;
	const char		*warn;		/* first ignored problem/NULL */
};

/*
 * Parse a DMARC TXT record ("v=DMARC1; p=reject; ..."). Under RFC 9989
 * unknown tags and tags with invalid values are ignored (noted in
 * r->warn) and a missing or invalid p= reads as p=none. Under RFC 7489
 * an invalid value makes the record unusable, and a missing p= reads as
 * p=none only when rua= holds a URI (RFC 7489 6.6.3). Returns 0, or -1
 * with *why_r (static) when the text is not a usable DMARC record.
 */
int	dmarc_record_parse(struct arena *a, const char *txt, size_t len,
    enum dmarc_rfc rfc, struct dmarc_record *r, const char **why_r);

/*
 * The From domains of a message (lower-case A-labels, arena, distinct,
 * at most DMARC_FROM_DOMAINS_MAX). Several From fields are read as one
 * list (RFC 5322 allows one; the most common practice evaluates them
 * all). Returns the status; *why_r describes anything but DMARC_FROM_OK.
 * With DMARC_FROM_MULTI the domains are all returned.
 */
enum dmarc_from dmarc_from_domains(struct arena *a, const struct msg *m,
    const char ***doms_r, size_t *n_r, const char **why_r);
/* The same for one field value (unfolded). */
enum dmarc_from dmarc_from_value(struct arena *a, const char *v, size_t len,
    const char ***doms_r, size_t *n_r, const char **why_r);

/*
 * A DMARC evaluation context: the resolver, the rules and a small cache
 * of _dmarc answers so the tree walks of the From domain and of each
 * identifier ask DNS once per name. One per message, in its arena.
 */
struct dmarc_ctx;

struct dmarc_ctx *dmarc_ctx_new(struct arena *a, struct dns_resolver *res,
    enum dmarc_rfc rfc);
/* DNS queries made so far (tests of the tree walk). */
unsigned	 dmarc_ctx_queries(const struct dmarc_ctx *c);

/* Outcome of a tree walk. */
struct dmarc_discovery {
	int			 is_found;	/* a policy record was found */
	int			 is_temperror;	/* DNS failed on the way */
	const char		*policy_domain;	/* where the record is */
	struct dmarc_record	 rec;
	const char		*org_domain;	/* Organizational Domain */
	const char		*why;		/* temperror detail */
};

/*
 * Policy discovery for a domain (RFC 9989 4.10.1; RFC 7489 6.6.3 with
 * the public suffix list): the record of the domain itself or of the
 * closest ancestor that has one, and the Organizational Domain (RFC 9989
 * 4.10.2). Returns 0 (outcome in *d_r); -1 only for an internal error.
 */
int	dmarc_discover(struct dmarc_ctx *c, const char *domain,
    struct dmarc_discovery *d_r, const char **why_r);

/*
 * The Organizational Domain of domain (arena). *is_temperror_r is set
 * when DNS failed and the answer is a guess (the domain itself).
 */
const char *dmarc_org_domain(struct dmarc_ctx *c, const char *domain,
    int *is_temperror_r);

/*
 * Are identifier id and author domain from aligned (RFC 9989 4.4.1,
 * 4.4.2)? Strict: equal. Relaxed: same Organizational Domain.
 */
int	dmarc_is_aligned(struct dmarc_ctx *c, const char *from, const char *id,
    enum dmarc_align mode);

/* An authenticated DKIM identifier. */
struct dmarc_dkim {
	const char	*d;		/* signing domain */
	const char	*s;		/* selector (reports only) */
	int		 is_pass;
};

/* Local policy that may override a DMARC fail (RFC 9989 5.x, 7.x). */
struct dmarc_local {
	const char	**trusted_forwarders;	/* client host or DKIM d= */
	size_t		 ntrusted_forwarders;
	const char	**mailing_lists;	/* List-Id domains */
	size_t		 nmailing_lists;
	const char	**never_reject;		/* From domains */
	size_t		 nnever_reject;
	const char	**trusted_sealers;	/* ARC sealer domains */
	size_t		 ntrusted_sealers;
};

/* What was authenticated, and where the message came from. */
struct dmarc_input {
	const struct msg	*msg;		/* From and List-Id fields */
	const char		*spf_domain;	/* MAIL FROM or HELO domain */
	int			 is_spf_pass;
	const struct dmarc_dkim	*dkim;
	size_t			 ndkim;
	const char		*client_name;	/* verified PTR, or NULL */
	/* ARC: chain passed, and the domains whose AAR said pass. */
	int			 is_arc_pass;
	const char		**arc_pass_sealers;
	size_t			 narc_pass_sealers;
	const struct dmarc_local *local;	/* NULL: none */
	unsigned		 sample;	/* 0..99 for pct= (7489) */
};

struct dmarc_result {
	enum dmarc_res		 result;
	enum dmarc_policy	 policy;	/* published, for this domain */
	enum dmarc_policy	 applied;	/* after t=y and overrides */
	enum dmarc_override	 override;
	const char		*override_comment;
	enum dmarc_from		 from_status;
	const char		*from_domain;	/* author domain (worst one) */
	const char		*policy_domain;
	const char		*org_domain;
	struct dmarc_record	 rec;
	int			 has_rec;
	int			 is_nonexistent; /* np= applied */
	int			 is_spf_aligned;
	int			 is_dkim_aligned;
	const char		*dkim_domain;	/* the aligned d=, or NULL */
	const char		*reason;	/* one line, arena */
};

/*
 * Evaluate DMARC for a message (RFC 9989 section 5.3 steps 2-6). Fills
 * *r (arena). Returns 0; -1 with *why_r only for an internal error.
 */
int	dmarc_eval(struct dmarc_ctx *c, const struct dmarc_input *in,
    struct dmarc_result *r, const char **why_r);

/* "none", "pass", "fail", "temperror", "permerror". */
const char	*dmarc_res_str(enum dmarc_res r);
/* "none", "quarantine", "reject". */
const char	*dmarc_policy_str(enum dmarc_policy p);
/* "", "forwarded", "sampled_out", "trusted_forwarder", ... */
const char	*dmarc_override_str(enum dmarc_override o);
/* "ok", "missing", "unparseable", "no_domain", "empty", "multi". */
const char	*dmarc_from_str(enum dmarc_from f);

#endif
