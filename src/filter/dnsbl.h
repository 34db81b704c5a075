/*
 * DNS block and allow lists (RFC 5782): the client address looked up in
 * IP lists (IPv4 as reversed octets, IPv6 as reversed nibbles, section
 * 2.4) and names from the message looked up in domain lists (section
 * 3). Each list in the configuration (the dnsbl list of groups) has a
 * zone, a table of return codes with a meaning and a score, and the
 * codes that are errors rather than listings (Spamhaus answers
 * 127.255.255.x when it refuses a query, for example from a public
 * resolver); an error code is never treated as a listing.
 *
 * The set of lists is built once from the configuration and is then
 * shared by every thread. The only mutable part is each list's health
 * (RFC 5782 section 5 test points: 127.0.0.2 and "test" must be listed,
 * 127.0.0.1 and "invalid" must not), kept in atomics and refreshed every
 * DNSBL_HEALTH_S seconds by whichever message comes first: a list that
 * lists 127.0.0.1 lists everything (a dead zone wildcarded by its new
 * owner) and its answers are ignored until it stops.
 *
 * Symbols: RBL_NAME_MEANING for a listing, RBL_NAME_REFUSED (score 0)
 * for an error code, RBL_NAME_BROKEN (score 0) while the test points
 * fail. The DNS lookups of the client (IP lists) go into the envelope
 * batch of reputation.c; domain lookups run at end of message.
 */
#ifndef MXW_DNSBL_H
#define MXW_DNSBL_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct conf;
struct dns_q;
struct task;

#define DNSBL_CODES_MAX		64	/* codes per list (schema cap) */
#define DNSBL_DOMAINS_MAX	20	/* names looked up per message */
#define DNSBL_HEALTH_S		600	/* seconds between test-point checks */

/* One return-code pattern: each octet is a range lo..hi ("*": 0..255). */
struct dnsbl_code {
	uint8_t		 lo[4], hi[4];
	char		*symbol;	/* "RBL_SPAMHAUS_ZEN_SBL" */
	char		*meaning;	/* "SBL" */
	double		 score;
};

struct dnsbl_set;

/*
 * Parse a code pattern "127.0.0.2", "127.0.0.10-11" or "127.0.*.3" into
 * c->lo and c->hi. 0, or -1 with *why_r.
 */
int	dnsbl_code_parse(const char *s, struct dnsbl_code *c,
    const char **why_r);
/* Does the IPv4 answer a (network order bytes) match c? */
int	dnsbl_code_match(const struct dnsbl_code *c, const uint8_t a[4]);

/*
 * Build the lists of the configuration (caller frees with
 * dnsbl_set_free). NULL with *why_r (an arena-less static or leaked
 * string naming the list and the bad entry) on a malformed code.
 */
struct dnsbl_set *dnsbl_set_new(const struct conf *c, const char **why_r);
void	dnsbl_set_free(struct dnsbl_set **s);
/* Number of IP lists and of domain lists in s. */
size_t	dnsbl_nip(const struct dnsbl_set *s);
size_t	dnsbl_ndomain(const struct dnsbl_set *s);

/*
 * Append the IP-list queries for the client address (af, addr) to qs
 * (room for max entries), names in arena a. Returns the number added
 * (test-point queries included when a health check is due).
 */
size_t	dnsbl_ip_queries(const struct dnsbl_set *s, struct arena *a, int af,
    const void *addr, struct dns_q *qs, size_t max);
/*
 * Read the answers of the queries dnsbl_ip_queries added (qs and n as it
 * filled them) and add the symbols to t.
 */
void	dnsbl_ip_results(const struct dnsbl_set *s, struct task *t,
    const struct dns_q *qs, size_t n);

/*
 * Look up the domain lists for the names of t that each list asks for
 * (envelope sender domain, d= of valid DKIM signatures, HELO name, URL
 * hosts of the body; at most DNSBL_DOMAINS_MAX names), in one parallel
 * batch, and add the symbols. 0, or -1 with *why_r for an internal
 * failure (DNS trouble is not one).
 */
int	dnsbl_domains(const struct dnsbl_set *s, struct task *t,
    const char **why_r);

#endif
