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

#define ADDR_LIST_MAX		1000	/* addresses returned per list */
#define ADDR_COMMENT_DEPTH_MAX	64	/* nesting of (comments (in them)) */

struct mail_addr {
	const char	*display;	/* decoded, UTF-8; NULL if none */
	const char	*local;		/* local part, quotes removed */
	const char	*domain;	/* as written; NULL if none */
	const char	*domain_ace;	/* lower-case A-label; NULL: invalid */
	const char	*group;		/* enclosing group's name, or NULL */
};

/*
 * Parse a header field value (unfolded) into its addresses (arena). Groups
 * contribute their members. Returns 0 with *n_r possibly 0 (an empty
 * group), or -1 with *why_r when the value is not an address list; what
 * parsed before the error is still returned in *addrs_r / *n_r. Parsing
 * stops at the first error and after ADDR_LIST_MAX addresses (-1). A bare
 * addr-spec followed by a comment ("a@b (Ann)") gets the comment as its
 * display name; domain literals ("[192.0.2.1]") have no domain_ace.
 */
int	addr_parse_list(struct arena *a, const char *value, size_t len,
    struct mail_addr **addrs_r, size_t *n_r, const char **why_r);

/*
 * Parse an SMTP path ("<a@b>", "a@b", "<>" which gives local "" and
 * domain NULL). A source route ("<@a,@b:u@d>") is dropped, and a path
 * without a domain ("<postmaster>", RFC 5321 4.1.1.3) gives domain NULL.
 * s is NUL-terminated. Returns 0 or -1 with *why_r (static).
 */
int	addr_parse_path(struct arena *a, const char *s, struct mail_addr *r,
    const char **why_r);

/*
 * An SMTP path without its angle brackets: "<a@b>" gives "a@b" (arena),
 * "<>" and NULL give "", anything else is returned as it is (borrowed).
 */
const char *addr_bare(struct arena *a, const char *path);

/*
 * Domain to lower-case A-label without a trailing dot (arena), or NULL with
 * *why_r (static) when it is not a valid host name (LDH and "_" labels).
 */
const char *addr_domain_ace(struct arena *a, const char *domain,
    const char **why_r);

/*
 * Decode RFC 2047 encoded-words in [p, p+len) to UTF-8 (arena, never
 * NULL). Adjacent encoded-words are joined without the space between
 * them; raw 8-bit text that is not UTF-8 is read as windows-1252. Stops at
 * a NUL byte.
 */
const char *addr_decode_words(struct arena *a, const char *p, size_t len);

#endif
