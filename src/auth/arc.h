/*
 * ARC verification (RFC 8617): the ARC sets of a message (section 4.1),
 * the structural checks of the chain (section 5.2 steps 1-3), the most
 * recent ARC-Message-Signature and every ARC-Seal checked with the DKIM
 * building blocks (sections 5.1.1 and 5.1.2), the chain validation status
 * cv= pass/fail/none, the oldest-pass instance (section 5.2 step 5), and
 * the sealer domains of a passing chain so DMARC local policy can trust
 * some of them.
 *
 * Pure functions of (message, resolver); no logging. Everything returned
 * lives in the caller's arena.
 */
#ifndef MXW_ARC_H
#define MXW_ARC_H

#include <stddef.h>

struct arena;
struct dkim_opts;
struct dns_resolver;
struct msg;
struct msg_header;

#define ARC_INSTANCES_MAX	50	/* RFC 8617 4.2.1 */
#define ARC_FIELDS_MAX		200	/* ARC fields looked at per message */

enum arc_cv {
	ARC_CV_NONE = 0,	/* no ARC sets */
	ARC_CV_PASS,
	ARC_CV_FAIL
};

/* One ARC set (section 4.1). */
struct arc_set {
	unsigned		 i;
	const struct msg_header	*as, *ams, *aar;
	const char		*seal_d;	/* ARC-Seal d= */
	const char		*seal_s;
	const char		*ams_d;
	const char		*cv;		/* ARC-Seal cv= as written */
	const char		*aar_payload;	/* AAR after "i=N;" */
	int			 is_ams_valid;	/* -1: not checked */
	int			 is_seal_valid;	/* -1: not checked */
};

struct arc_result {
	enum arc_cv		 cv;
	const char		*reason;	/* why; arena or static */
	unsigned		 n;		/* highest instance */
	unsigned		 oldest_pass;	/* 0: every AMS validated */
	struct arc_set		*set;		/* set[k] is instance k + 1 */
	size_t			 nset;
	/* cv=pass only: ARC-Seal d= of every instance, newest first. */
	const char		**sealers;
	size_t			 nsealers;
};

/*
 * Verify the ARC chain of m. o gives key policy (minimum RSA size,
 * clock, key cache); NULL uses dkim_opts_default(). Returns 0 with
 * *res_r (arena): the verdict is data. -1 with *why_r only for an
 * internal failure.
 */
int	arc_verify(const struct dkim_opts *o, const struct msg *m,
    struct dns_resolver *r, struct arena *a, struct arc_result **res_r,
    const char **why_r);

/* "none", "pass", "fail". */
const char	*arc_cv_str(enum arc_cv cv);

/*
 * The instance of an ARC-Authentication-Results value ("i=2; ...") and
 * the payload after it. Returns the instance (1..50) or 0 if malformed.
 */
unsigned	 arc_aar_split(const char *v, size_t len, const char **rest_r);

#endif
