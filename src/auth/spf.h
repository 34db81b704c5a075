/*
 * SPF, the Sender Policy Framework (RFC 7208): the record parser, the
 * macro expander (section 7) and check_host() (sections 4 and 5) with
 * every limit of section 4.6.4, plus the Received-SPF header field
 * (section 9.1) and the SPF part of Authentication-Results (RFC 8601).
 *
 * One parser serves evaluation and audits: spf_parse() keeps every term
 * with its offset in the record and its own syntax error, so `mxwarden
 * check` can point at the broken term, and spf_count_lookups() walks the
 * include and redirect tree to find which term pushes a domain past the
 * 10-lookup limit. Evaluation explains itself: a spf_result carries the
 * term that decided, the lookup counts and (on request) a trace of every
 * term evaluated with the DNS answers it used.
 *
 * The library never logs. Parsed records are cached in the spf_ctx for
 * their DNS TTL; the context is safe to share between threads.
 */
#ifndef MXW_SPF_H
#define MXW_SPF_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct dns_answer;
struct dns_resolver;

#define SPF_LOOKUP_MAX		10	/* DNS-querying terms (4.6.4) */
#define SPF_VOID_MAX		2	/* void lookups (4.6.4) */
#define SPF_MX_MAX		10	/* MX names looked up (4.6.4) */
#define SPF_PTR_MAX		10	/* PTR names looked up (4.6.4) */
#define SPF_DEPTH_MAX		12	/* include/redirect nesting */
#define SPF_EXPAND_MAX		4096	/* bytes of one macro expansion */
#define SPF_TERMS_MAX		512	/* terms parsed in one record */
#define SPF_CACHE_TTL_MAX	86400	/* cap on a cached record's TTL */

/*
 * Results, section 2.6. The order is not meaningful; use
 * spf_result_str() for the RFC's lower-case words.
 */
enum spf_res {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

/* "none", "neutral", "pass", "fail", "softfail", "temperror", ... */
const char	*spf_result_str(enum spf_res r);
/* The word back to its enum (case-insensitive); -1 if unknown. */
int		 spf_result_parse(const char *s, enum spf_res *r_r);

/*
 * Parsing (section 4.6 and 12).
 */
enum spf_kind {
	SPF_K_ALL = 0,
	SPF_K_INCLUDE,
	SPF_K_A,
	SPF_K_MX,
	SPF_K_PTR,
	SPF_K_IP4,
	SPF_K_IP6,
	SPF_K_EXISTS,
	SPF_K_REDIRECT,		/* modifiers from here on */
	SPF_K_EXP,
	SPF_K_UNKNOWN,		/* unknown modifier: ignored (6) */
	SPF_K_BAD		/* unparseable term; why says what */
};

/* "all", "include", ..., "redirect", "exp", "modifier", "invalid". */
const char	*spf_kind_str(enum spf_kind k);

struct spf_term {
	enum spf_kind	 kind;
	enum spf_res	 qual;		/* mechanisms: PASS FAIL SOFTFAIL
					   NEUTRAL from + - ~ ? */
	size_t		 off;		/* offset in the record text */
	size_t		 len;		/* length of the term as written */
	const char	*text;		/* the term as written */
	const char	*name;		/* unknown modifiers: the name */
	const char	*spec;		/* domain-spec or macro-string
					   (modifier value); NULL if none */
	int		 cidr4;		/* prefix length; -1 if not given */
	int		 cidr6;
	struct in_addr	 ip4;		/* ip4: network */
	struct in6_addr	 ip6;		/* ip6: network */
	int		 is_lookup;	/* counts toward SPF_LOOKUP_MAX */
	const char	*why;		/* syntax error of this term, or NULL */
};

struct spf_record {
	const char		*text;		/* the record, NUL-terminated */
	size_t			 len;
	struct spf_term		*term;
	size_t			 nterm;
	const struct spf_term	*redirect;	/* NULL if none */
	const struct spf_term	*exp;		/* NULL if none */
	size_t			 nlookup;	/* is_lookup terms */
	size_t			 nerror;	/* terms with a why */
	const char		*why;		/* first error, with offset */
	size_t			 err_off;	/* offset of the first error */
};

/*
 * Is [p, p+len) an SPF record, i.e. does it start with "v=spf1" followed
 * by a space or its end (4.5, case-insensitive)? 1 or 0.
 */
int	spf_is_record(const char *p, size_t len);

/*
 * Parse a record (the TXT strings already joined). Every term is kept,
 * good or bad, with its offset; a bad term has why set and the whole
 * record is then a permerror (4.6). Duplicate redirect or exp, characters
 * outside printable ASCII and more than SPF_TERMS_MAX terms are errors.
 * Returns 0 with *rec_r (arena) when the record has no error, -1 with
 * *why_r ("offset N: reason", arena or static) and *rec_r still set
 * (with nerror > 0, or nterm 0 when it is not an SPF record at all).
 */
int	spf_parse(struct arena *a, const char *text, size_t len,
    struct spf_record **rec_r, const char **why_r);

/*
 * Macros (section 7).
 */
struct spf_macro_env {
	const char	*sender;	/* s: local@domain */
	const char	*local;		/* l: "postmaster" if it was empty */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d: the current domain */
	const char	*helo;		/* h: HELO/EHLO name */
	const char	*receiver;	/* r: NULL gives "unknown" */
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 ip[16];	/* i, c, v: 4 or 16 bytes */
	time_t		 now;		/* t */
	/* p: called once, lazily; returns the validated name or "unknown".
	   NULL gives "unknown". */
	const char	*(*ptr_name)(void *ctx);
	void		*ptr_ctx;
};

/*
 * Check the syntax of a macro-string; is_exp allows the c, r and t
 * letters (7.2). 0 or -1 with *why_r (static).
 */
int	spf_macro_check(const char *p, size_t len, int is_exp,
    const char **why_r);

/*
 * Expand a macro-string (7.3, 7.4): transformers, delimiters, URL
 * escaping for upper-case letters. Output is capped at SPF_EXPAND_MAX.
 * Returns 0 with *out_r (arena) or -1 with *why_r (static) on a syntax
 * error or an over-long result.
 */
int	spf_macro_expand(struct arena *a, const char *p, size_t len,
    const struct spf_macro_env *env, int is_exp, char **out_r,
    const char **why_r);

/*
 * Evaluation.
 */
struct spf_opts {
	const char	*default_exp;	/* macro-string used when a fail has
					   no exp=; NULL: built-in text */
	size_t		 cache_max;	/* records cached; 0: 4096 */
	int		 no_cache;	/* never cache parsed records */
};

struct spf_ctx;

/*
 * A context: the resolver (borrowed; it must outlive the context) and
 * the record cache. Caller frees with spf_ctx_free(), after every arena
 * holding results of it has been freed. Never NULL.
 */
struct spf_ctx	*spf_ctx_new(struct dns_resolver *res,
    const struct spf_opts *o);
void		 spf_ctx_free(struct spf_ctx **c);
/* Records in the cache now (tests, statistics). */
size_t		 spf_ctx_cached(struct spf_ctx *c);

enum spf_identity {
	SPF_ID_MAILFROM = 0,	/* MAIL FROM; a null path uses the HELO */
	SPF_ID_HELO		/* the HELO identity alone (2.3) */
};

#define SPF_Q_TRACE	0x1	/* record a trace of every term */

struct spf_query {
	int			 af;	/* AF_INET or AF_INET6 */
	uint8_t			 ip[16];
	const char		*sender;	/* "local@domain" without <>;
						   NULL or "": null path */
	const char		*helo;		/* may be NULL */
	const char		*receiver;	/* %{r}; NULL: "unknown" */
	enum spf_identity	 identity;
	unsigned		 flags;		/* SPF_Q_* */
};

/*
 * Set q->af and q->ip from text ("192.0.2.1", "2001:db8::1"). An
 * IPv4-mapped IPv6 address becomes the IPv4 address (RFC 7208 5, 4291
 * 2.5.5.2). 0 or -1 if it is not an address.
 */
int	spf_query_set_ip(struct spf_query *q, const char *s);

enum spf_step_kind {
	SPF_S_RECORD = 0,	/* the TXT lookup of a domain */
	SPF_S_TERM,		/* a mechanism or redirect evaluated */
	SPF_S_DEFAULT,		/* no term matched: neutral (4.7) */
	SPF_S_EXP		/* the explanation lookup (6.2) */
};

/* One line of the trace: what was asked, what DNS said, what followed. */
struct spf_step {
	enum spf_step_kind	 kind;
	unsigned		 depth;		/* 0: the identity's record */
	const char		*domain;	/* whose record */
	const struct spf_term	*term;		/* SPF_S_TERM, else NULL */
	const char		*target;	/* expanded domain, or NULL */
	const char		*outcome;	/* "match", "no match", ... */
	enum spf_res		 result;	/* with has_result: the
						   result this step gave */
	int			 has_result;
	int			 is_cached;	/* record came from the cache */
	const char		*record;	/* SPF_S_RECORD: its text */
	const struct dns_answer	**dns;		/* answers used */
	size_t			 ndns;
};

struct spf_result {
	enum spf_res		 result;
	enum spf_identity	 identity;
	const char		*domain;	/* the identity's domain */
	const char		*sender;	/* checked (postmaster@HELO
						   for a null path) */
	const char		*helo;		/* as given, or NULL */
	const char		*receiver;	/* as given, or NULL */
	char			 ip[INET6_ADDRSTRLEN];
	const char		*matched;	/* deciding term as written,
						   NULL if none matched */
	const char		*matched_domain; /* whose record held it */
	const char		*explanation;	/* fail only, else NULL */
	const char		*problem;	/* temperror/permerror why */
	unsigned		 lookups;	/* DNS-querying terms used */
	unsigned		 voids;		/* void lookups */
	struct spf_step		*trace;		/* with SPF_Q_TRACE */
	size_t			 ntrace;
};

/*
 * check_host() for the query's identity (RFC 7208 4). Verdicts, DNS
 * trouble included, are data in *r_r (arena): this returns -1 with
 * *why_r only for a malformed query (no IP). Results may point into
 * cached records; they stay valid until the arena is freed.
 */
int	spf_check(struct spf_ctx *c, const struct spf_query *q,
    struct arena *a, struct spf_result **r_r, const char **why_r);

/*
 * The value of a Received-SPF header field (RFC 7208 9.1), one line
 * without the field name: "pass (comment) client-ip=...; ...". Arena.
 */
const char	*spf_received_spf(struct arena *a,
    const struct spf_result *r);

/*
 * The SPF resinfo of Authentication-Results (RFC 8601 2.7.2):
 * "spf=pass smtp.mailfrom=user@example.com" or "... smtp.helo=NAME".
 * Arena.
 */
const char	*spf_authres(struct arena *a, const struct spf_result *r);

/*
 * Audits: the lookup count of a domain's policy, walking include and
 * redirect targets without a client IP (terms whose target holds macros
 * are counted but not followed).
 */
struct spf_count_node {
	unsigned		 depth;
	const char		*domain;
	const char		*via;		/* parent's term; NULL: root */
	const struct spf_record	*rec;		/* NULL: no usable record */
	const char		*problem;	/* why rec is NULL, or NULL */
	unsigned		 own;		/* lookup terms in rec */
	unsigned		 total;		/* running count after rec's
						   terms and its subtree */
};

struct spf_count {
	unsigned		 total;		/* lookup terms in the tree */
	struct spf_count_node	*node;		/* depth-first, evaluation
						   order */
	size_t			 nnode;
	const char		*over_term;	/* the term that was lookup
						   number 11, or NULL */
	const char		*over_domain;	/* whose record held it */
	const char		*over_root;	/* root's term under which
						   that happened */
};

/*
 * Walk domain's policy. Returns 0 with *r_r (arena), or -1 with *why_r
 * when domain itself is not a usable name.
 */
int	spf_count_lookups(struct spf_ctx *c, const char *domain,
    struct arena *a, struct spf_count **r_r, const char **why_r);

#endif
