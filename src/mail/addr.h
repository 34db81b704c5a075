/*
 * RFC 5322 section 3.4 address parsing for From, Sender, Reply-To, To and
 * Cc: display names (RFC 2047 decoded), quoted strings, comments, groups,
 * and the obsolete forms of section 4.4 (routes, CFWS in odd places).
 * Envelope paths (RFC 5321 Mailbox, "<>" null path) too. Domains are
 * returned as written and as lower-case A-labels (libidn2, IDNA 2008 with
 * transitional fallback) so that comparisons work on one form.
 */
#ifndef MXW_ADDR_H
#define MXW_ADDR_H

#include <stddef.h>

struct arena;

struct mail_addr {
	const char	*display;	/* decoded, UTF-8; NULL if none */
	const char	*local;		/* local part, quotes removed */
	const char	*domain;	/* as written; NULL if none */
	const char	*domain_ace;	/* lower-case A-label; NULL if invalid */
	const char	*group;		/* group name the address is in, or NULL */
};

/*
 * Parse a header field value (unfolded) into its addresses (arena). Groups
 * contribute their members. Returns 0 with *n_r possibly 0 (an empty
 * group), or -1 with *why_r when the value is not an address list; what
 * parsed before the error is still returned in *addrs_r / *n_r.
 */
int	addr_parse_list(struct arena *a, const char *value, size_t len,
    struct mail_addr **addrs_r, size_t *n_r, const char **why_r);

/*
 * Parse an SMTP path ("<a@b>", "a@b", "<>" which gives local "" and
 * domain NULL). Returns 0 or -1 with *why_r.
 */
int	addr_parse_path(struct arena *a, const char *s, struct mail_addr *r,
    const char **why_r);

/* Domain to lower-case A-label (arena), or NULL with *why_r. */
const char *addr_domain_ace(struct arena *a, const char *domain,
    const char **why_r);

/* Decode RFC 2047 encoded-words in [p, p+len) to UTF-8 (arena). */
const char *addr_decode_words(struct arena *a, const char *p, size_t len);

#endif
