/*
 * Authentication-Results (RFC 8601): building the one field mxwarden adds
 * (section 2.2, one resinfo per method result), parsing fields found in
 * a message (section 2.2 grammar, comments and quoted strings), and
 * recognising fields that claim our authserv-id so they can be removed
 * before ours is added (section 5): nobody upstream can forge our
 * verdicts.
 *
 * Pure functions; everything returned lives in the caller's arena.
 */
#ifndef MXW_AUTHRES_H
#define MXW_AUTHRES_H

#include <stddef.h>

struct arena;

#define AUTHRES_PROPS_MAX	8	/* properties kept per resinfo */
#define AUTHRES_RESULTS_MAX	64	/* resinfos kept per field */
#define AUTHRES_FIELD_MAX	(16 * 1024)	/* bytes of a field parsed */

struct authres_prop {
	const char	*ptype;		/* "smtp", "header", "policy" */
	const char	*property;	/* "mailfrom", "d" */
	const char	*value;
};

struct authres_result {
	const char		*method;	/* "spf", "dkim", "dmarc" */
	const char		*result;	/* "pass", "fail", ... */
	const char		*reason;	/* reason="..." or NULL */
	const char		*comment;	/* a comment's text or NULL */
	struct authres_prop	 props[AUTHRES_PROPS_MAX];
	size_t			 nprops;
};

struct authres {
	const char		*authserv_id;
	unsigned		 version;	/* 1 if absent */
	struct authres_result	*res;
	size_t			 nres;
	int			 is_none;	/* "; none" */
	int			 is_truncated;	/* resinfos or props dropped */
};

/*
 * Build the field value "authserv-id; method=result (comment)
 * reason=\"...\" ptype.prop=value; ..." (arena, one line without folding:
 * the milter folds at "; " when it adds the field). With n == 0 the
 * value is "authserv-id; none". Values that are not tokens are quoted.
 */
const char *authres_build(struct arena *a, const char *authserv_id,
    const struct authres_result *res, size_t n);

/* Add a property to r (ignored past AUTHRES_PROPS_MAX); value borrowed. */
void	authres_prop_add(struct authres_result *r, const char *ptype,
    const char *property, const char *value);

/*
 * Parse a field value (unfolded or folded). Returns 0 and *ar_r (arena),
 * or -1 with *why_r (static or arena) when the value does not follow the
 * grammar; what parsed before the error is not returned.
 */
int	authres_parse(struct arena *a, const char *v, size_t len,
    struct authres **ar_r, const char **why_r);

/*
 * The authserv-id of a field value (arena), read as leniently as the
 * grammar allows so a malformed field still shows whom it claims to
 * speak for; NULL when there is none.
 */
const char *authres_authserv_id(struct arena *a, const char *v, size_t len);

/* Does the field value claim authserv-id id (case-insensitive)? */
int	authres_is_ours(struct arena *a, const char *v, size_t len,
    const char *id);

/* The first result of method in ar, or NULL. */
const struct authres_result *authres_find(const struct authres *ar,
    const char *method);

#endif
