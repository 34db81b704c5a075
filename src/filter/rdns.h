/*
 * Reverse DNS of the SMTP client: the PTR names of its address (RFC 1035
 * 3.5, RFC 3596 2.5) and whether one of them resolves back to the
 * address (forward-confirmed reverse DNS, the check RFC 8601 2.7.3 calls
 * iprev), and whether the name looks like a dynamic end-user address
 * (words such as "dsl" or "pool" in its labels, or the address's own
 * digits spelled into the name). Symbols: RDNS_NONE (no PTR), RDNS_FCRDNS
 * (confirmed; informational), RDNS_MISMATCH, RDNS_DYNAMIC, RDNS_TEMPERROR
 * (score 0). Built once from the configuration (rdns.*, scores.rdns_*)
 * and shared by every thread.
 */
#ifndef MXW_RDNS_H
#define MXW_RDNS_H

#include <stddef.h>

struct arena;
struct conf;
struct dns_answer;
struct dns_q;
struct task;

#define RDNS_NAMES_MAX	20	/* PTR names followed (schema cap) */

struct rdns_conf;

/* Caller frees with rdns_conf_free(). Never NULL. */
struct rdns_conf *rdns_conf_new(const struct conf *c);
void	rdns_conf_free(struct rdns_conf **r);
int	rdns_is_enabled(const struct rdns_conf *r);

/*
 * Does the PTR name look like a dynamic address: a label word from
 * rdns.dynamic_words (letters only, split at digits and punctuation),
 * or, for IPv4, at least three of the address's octets written as
 * numbers in the name ("1-2-3-4.isp.example", "host4.3.2.1.example")?
 */
int	rdns_is_dynamic(const struct rdns_conf *r, const char *name, int af,
    const void *addr);

/*
 * The second step: given the PTR answer of the client address (af,
 * addr), look up the addresses of up to rdns.max_names names in one
 * batch and add the symbols to t. 0, or -1 with *why_r for an internal
 * failure (DNS trouble is a symbol, not a failure).
 */
int	rdns_check(const struct rdns_conf *r, struct task *t, int af,
    const void *addr, const struct dns_answer *ptr, const char **why_r);

#endif
