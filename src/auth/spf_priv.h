/*
 * Internals shared by the SPF files: the record lookup with its cache
 * (spf.c), used by check_host() (spf_eval.c) and the audit walk
 * (spf_out.c). Not for other modules.
 */
#ifndef MXW_SPF_PRIV_H
#define MXW_SPF_PRIV_H

#include "auth/spf.h"
#include "dns/dns.h"

/* What a TXT lookup of a domain gave, for SPF purposes (4.4, 4.5). */
struct spf_recinfo {
	enum dns_rcode		 rc;
	size_t			 nspf;		/* records starting v=spf1 */
	struct spf_record	*rec;		/* nspf == 1: parsed */
	const char		*why;		/* parse error, or NULL */
	int			 is_cached;
	const struct dns_answer	*ans;		/* NULL when cached */
};

/*
 * The record of domain, from the cache or DNS. Everything in *ri stays
 * valid until arena a is freed (the cache entry is referenced by a).
 */
void	spf_get_record(struct spf_ctx *c, struct arena *a, const char *domain,
    struct spf_recinfo *ri);

struct dns_resolver *spf_ctx_resolver(struct spf_ctx *c);
const char	*spf_ctx_default_exp(struct spf_ctx *c);

#endif
