/*
 * The phishing check (docs/phishing.md): payment and credential lures
 * from first-time correspondents (learned from outbound mail in the
 * store), lookalike sender domains of our own domains, partners and
 * brands (edit distance, confusable skeletons, IDN), display names that
 * impersonate a person or brand, and deceptive links. Built once from
 * the configuration and immutable afterwards (shared by milter threads).
 */
#ifndef MXW_PHISH_H
#define MXW_PHISH_H

#include <stddef.h>

struct arena;
struct conf;
struct phish;
struct task;

/* Lure families, as bits of phish_lures(). */
enum phish_lure {
	PHISH_LURE_PAYMENT = 1 << 0,	/* invoice, payment due */
	PHISH_LURE_BANK = 1 << 1,	/* changed bank details */
	PHISH_LURE_WIRE = 1 << 2,	/* wire transfer, urgent payment */
	PHISH_LURE_CREDENTIAL = 1 << 3,	/* password expiry, verify login */
	PHISH_LURE_SUSPEND = 1 << 4	/* account suspended or locked */
};

/* What phish_lookalike() found. */
enum phish_look {
	PHISH_LOOK_NONE = 0,	/* unrelated domain */
	PHISH_LOOK_SELF,	/* the target itself or a subdomain of it */
	PHISH_LOOK_TYPO,	/* edit distance on the registrable label */
	PHISH_LOOK_HOMOGLYPH,	/* same confusable skeleton (IDN too) */
	PHISH_LOOK_SUFFIX,	/* same label under another public suffix */
	PHISH_LOOK_EMBED	/* target label as a token: paypal-login.com */
};

/* Link findings, as bits of phish_link(). */
enum phish_linkf {
	PHISH_LINK_MISMATCH = 1 << 0,	/* text shows another domain */
	PHISH_LINK_IP = 1 << 1,		/* host is a raw IP address */
	PHISH_LINK_SHORTENER = 1 << 2	/* host is a URL shortener */
};

/*
 * Build from the phishing.* settings (and the dkim.signing domains,
 * which are our own). NULL with *why_r (static) when an entry of
 * phishing.brands is malformed or a lure pattern fails to compile.
 */
struct phish	*phish_new(const struct conf *c, const char **why_r);
void		 phish_free(struct phish **ph);

/*
 * Outbound mail: record every recipient (address and domain) as a known
 * correspondent of the sender's From domain, in one store_rmw call.
 * No store or disabled: does nothing. 0, or -1 with *why_r (static or
 * the store's) when the store fails.
 */
int	phish_learn(const struct phish *ph, struct task *t, const char **why_r);

/*
 * Inbound mail: adds the PHISH_* symbols. A store failure is not fatal:
 * the sender counts as unknown and *why_r is not set. Returns 0.
 */
int	phish_check(const struct phish *ph, struct task *t, const char **why_r);

/*
 * After the policy: a message with a tagging symbol (lure from a new
 * sender, lookalike domain, impersonating display name) gets the subject
 * tag phishing.subject_tag and at least ACT_TAG_SUBJECT, whatever its
 * score; a spam tag the policy chose is kept after it.
 */
void	phish_tag(const struct phish *ph, struct task *t);

/*
 * The pieces, for tests and the fuzz target.
 */

/* The enum phish_lure bits of UTF-8 text [p, p+len) (0 if ph NULL). */
unsigned	phish_lures(const struct phish *ph, const char *p, size_t len);

/*
 * Confusable skeleton of UTF-8 s (a domain label, a display name): lower
 * case ASCII with look-alike letters of other scripts, digits and
 * letter pairs ("rn", "vv") folded to one representative, and other
 * characters dropped except '.', '-' and ' '. Arena; never NULL.
 */
const char	*phish_skeleton(struct arena *a, const char *s);

/*
 * Damerau-Levenshtein (optimal string alignment) distance of a and b,
 * or max + 1 when it is larger than max (and for strings over 63 bytes).
 */
int		 phish_distance(const char *a, const char *b, int max);

/*
 * Is domain (A-label or U-label) a lookalike of one of ph's targets (own
 * domains, partners, brand domains)? *target_r (may be NULL) gets the
 * target it resembles (borrowed from ph).
 */
enum phish_look	 phish_lookalike(const struct phish *ph, struct arena *a,
    const char *domain, const char **target_r);

/*
 * Classify one link: visible text and href (either may be NULL). Bits
 * of enum phish_linkf.
 */
unsigned	 phish_link(const struct phish *ph, struct arena *a,
    const char *text, const char *href);

/*
 * The host of a URL or bare domain ("https://u@Host:1/x", "www.a.b/c")
 * in lower case, without brackets of an IPv6 literal (arena); NULL when
 * there is none.
 */
const char	*phish_url_host(struct arena *a, const char *url);

/* Is host an IPv4 (dotted, decimal, hex or octal forms) or IPv6 address? */
int		 phish_host_is_ip(const char *host);

/* The registrable domain of host (public suffix list; arena). */
const char	*phish_org_domain(struct arena *a, const char *host);

#endif
