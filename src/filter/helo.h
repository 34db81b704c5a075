/*
 * HELO/EHLO checks. RFC 5321 4.1.1.1 asks for the client's FQDN or, if
 * it has none, an address literal (4.1.3); we score a name that is
 * neither (HELO_BAD_SYNTAX), a name or literal that claims to be us
 * (HELO_OURS: our host names in helo.own_names and the host name, our
 * addresses in helo.own_addresses), a literal that is not the client's
 * address (HELO_LITERAL_MISMATCH) and a name without A or AAAA records
 * (HELO_NO_RESOLVE). The address lookups ride in the envelope batch of
 * reputation.c. Built once from the configuration, shared by threads.
 */
#ifndef MXW_HELO_H
#define MXW_HELO_H

#include <stddef.h>

struct arena;
struct conf;
struct dns_q;
struct task;

enum helo_syntax {
	HELO_SYN_FQDN = 0,	/* letters-digits-hyphens, two labels+ */
	HELO_SYN_LITERAL4,	/* [192.0.2.1] */
	HELO_SYN_LITERAL6,	/* [IPv6:2001:db8::1] */
	HELO_SYN_BAD		/* anything else (bare IP, one label, _) */
};

struct helo_conf;

/* Caller frees with helo_conf_free(). Never NULL. */
struct helo_conf *helo_conf_new(const struct conf *c);
void	helo_conf_free(struct helo_conf **h);
int	helo_is_enabled(const struct helo_conf *h);

/*
 * The syntax class of a HELO argument (RFC 5321 4.1.3, 4.1.4); for
 * literals the address is written to addr_r (16 bytes; may be NULL).
 */
enum helo_syntax helo_syntax(const char *helo, void *addr_r);

/*
 * Check t->env.helo against the client address (af, addr): adds the
 * syntax and own-name symbols now and appends the A and AAAA queries
 * for a name that needs them to qs (room for max). Returns the number
 * of queries added (0 or 2).
 */
size_t	helo_check(const struct helo_conf *h, struct task *t, int af,
    const void *addr, struct dns_q *qs, size_t max);

/* Read the answers of the queries helo_check added. */
void	helo_results(const struct helo_conf *h, struct task *t,
    const struct dns_q *qs, size_t n);

#endif
