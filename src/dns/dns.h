/*
 * The resolver interface. Every protocol module asks DNS through this
 * header and never sees which backend answers: libunbound (caching,
 * DNSSEC validation, parallel queries), a zone file (offline tests and
 * "what if" audits), or a zone file overlaid on real DNS.
 *
 * Answers are typed: each record keeps its wire RDATA and a decoded view
 * for the types mail needs (A, AAAA, MX, TXT, PTR, CNAME, NS, SOA, TLSA,
 * DNSKEY, DS, CAA, RRSIG). TXT character-strings stay separate; dns_txt_join()
 * concatenates them where a protocol says so (RFC 7208 3.3, RFC 6376
 * 3.6.2.2). NXDOMAIN, NODATA, SERVFAIL and timeout are always told apart,
 * and every answer carries its DNSSEC status.
 *
 * Names are passed and returned in presentation form without the final
 * dot ("example.com"); case is preserved as received. Resolvers are safe
 * to use from several threads at once.
 */
#ifndef MXW_DNS_H
#define MXW_DNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_DS = 43,
	DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47,
	DNS_T_DNSKEY = 48,
	DNS_T_NSEC3 = 50,
	DNS_T_TLSA = 52,
	DNS_T_SPF = 99,
	DNS_T_CAA = 257
};

/* What happened to a query. NOERROR means at least one record. */
enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_NXDOMAIN,
	DNS_R_NODATA,		/* the name exists, the type does not */
	DNS_R_SERVFAIL,		/* also REFUSED and other server errors */
	DNS_R_TIMEOUT
};

enum dns_sec {
	DNS_SEC_UNCHECKED = 0,	/* no validation was attempted */
	DNS_SEC_INSECURE,	/* validated: provably unsigned */
	DNS_SEC_SECURE,		/* validated: signed and correct */
	DNS_SEC_BOGUS		/* validation failed */
};

struct dns_str {
	const char	*p;	/* may contain NUL; p[len] is '\0' */
	size_t		 len;
};

struct dns_rr {
	uint16_t	 type;
	uint32_t	 ttl;
	const uint8_t	*rdata;		/* wire form, names uncompressed */
	uint16_t	 rdlen;
	union {
		struct in_addr	 a;
		struct in6_addr	 aaaa;
		const char	*name;		/* CNAME, PTR, NS */
		struct {
			uint16_t	 pref;
			const char	*host;	/* "" for the null MX "." */
		} mx;
		struct {
			size_t		 n;
			struct dns_str	*s;
		} txt;				/* TXT and SPF */
		struct {
			const char	*mname, *rname;
			uint32_t	 serial, refresh, retry, expire;
			uint32_t	 minimum;
		} soa;
		struct {
			uint8_t		 usage, selector, mtype;
			const uint8_t	*data;
			size_t		 len;
		} tlsa;
		struct {
			uint16_t	 flags;
			uint8_t		 proto, alg;
			const uint8_t	*key;
			size_t		 len;
		} dnskey;
		struct {
			uint16_t	 tag;
			uint8_t		 alg, dtype;
			const uint8_t	*digest;
			size_t		 len;
		} ds;
		struct {
			uint8_t		 flags;
			const char	*tag;
			struct dns_str	 value;
		} caa;
		struct {
			uint16_t	 prio, weight, port;
			const char	*target;
		} srv;
		struct {			/* RFC 4034 3.1 */
			uint16_t	 covered;	/* type covered */
			uint8_t		 alg, labels;
			uint32_t	 orig_ttl;
			uint32_t	 expiration;	/* since 1970, */
			uint32_t	 inception;	/* RFC 1982 serial */
			uint16_t	 tag;
			const char	*signer;
			const uint8_t	*sig;
			size_t		 len;
		} rrsig;
	} u;
	int		 is_decoded;	/* 0: type unknown or RDATA malformed */
};

struct dns_answer {
	const char	*qname;
	uint16_t	 qtype;
	enum dns_rcode	 rcode;
	enum dns_sec	 sec;
	const char	*why_bogus;	/* with DNS_SEC_BOGUS, else NULL */
	const char	*canon;		/* owner after following CNAMEs */
	size_t		 ncname;	/* CNAMEs followed to reach canon */
	const char	**cname;	/* the chain, qname first */
	size_t		 nrr;
	struct dns_rr	*rr;		/* records of qtype at canon only */
	uint32_t	 ttl;		/* smallest TTL, or negative TTL */
};

/* One query of a batch for dns_query_all(). */
struct dns_q {
	const char		*name;
	uint16_t		 type;
	struct dns_answer	*ans;	/* out, arena */
};

struct dns_resolver;

/*
 * Ask one question. Returns 0 and *ans_r (arena) with the outcome in
 * (*ans_r)->rcode: DNS trouble is an answer, not an error. Returns -1
 * with *why_r only for a name that cannot be asked (syntax, length) or an
 * internal failure of the backend; *ans_r is then a SERVFAIL answer.
 */
int	dns_query(struct dns_resolver *r, const char *name, uint16_t type,
    struct arena *a, struct dns_answer **ans_r, const char **why_r);

/*
 * Ask n questions at once and wait for all (or each one's timeout).
 * Fills qs[i].ans; returns -1 with *why_r as dns_query() does for the
 * first query that could not be asked (its ans is a SERVFAIL answer).
 */
int	dns_query_all(struct dns_resolver *r, struct dns_q *qs, size_t n,
    struct arena *a, const char **why_r);

/* Release the resolver and its backend; sets *r to NULL. */
void	dns_resolver_free(struct dns_resolver **r);

/* libunbound backend options. */
struct dns_ub_opts {
	const char	**servers;	/* "ADDR" or "ADDR@PORT"; n=0: system */
	size_t		 nservers;
	const char	*trust_anchor;	/* file of DS/DNSKEY; NULL: none */
	int		 use_root_anchor; /* validate with the root key */
	unsigned	 timeout_ms;	/* per query; 0: default 5000 */
	int		 allow_special;	/* serve .test, .invalid etc. from the
					   forwarders (RFC 6761 names) */
};

/* Caller frees with dns_resolver_free(). NULL and *why_r on failure. */
struct dns_resolver *dns_ub_new(const struct dns_ub_opts *o,
    const char **why_r);

/* A backend made by a module (zone files, tests). */
struct dns_backend_ops {
	/* Fill ans (already zeroed; qname and qtype set). 0 or -1+why. */
	int	(*query)(void *ctx, const char *name, uint16_t type,
	    struct arena *a, struct dns_answer *ans, const char **why_r);
	/* Optional: answer a batch in parallel; NULL loops over query. */
	int	(*query_all)(void *ctx, struct dns_q *qs, size_t n,
	    struct arena *a, const char **why_r);
	void	(*free)(void *ctx);
};
struct dns_resolver *dns_resolver_new(const struct dns_backend_ops *ops,
    void *ctx);

/*
 * Direct questions to one chosen server (dns_direct.c): no cache, no
 * recursion (RD clear), no validation. For audits that must see what a
 * given server says: a parent's delegation, whether a server is
 * authoritative (RFC 1034 4.2.2).
 */
struct dns_reply {
	enum dns_rcode	 rcode;		/* NODATA: no answer record of type */
	int		 is_aa;		/* authoritative answer bit */
	int		 is_tc;		/* truncated: sections may be short */
	size_t		 nan;
	struct dns_rr	*an;		/* answer records of type at name */
	size_t		 nauth_ns;
	const char	**auth_ns;	/* authority NS targets at name (a
					   referral, or the zone's own NS) */
};

/*
 * Ask server ("ADDR" or "ADDR@PORT", default port 53) for (name, type)
 * over UDP, waiting at most timeout_ms. Returns 0 with *r_r (arena);
 * no reply in time is rcode DNS_R_TIMEOUT. Returns -1 with *why_r (and a
 * SERVFAIL *r_r) for a bad address or name, or a socket error such as a
 * refused port.
 */
int	dns_ask_server(const char *server, const char *name, uint16_t type,
    unsigned timeout_ms, struct arena *a, struct dns_reply **r_r,
    const char **why_r);

/*
 * Parse reply message p (untrusted) to our query id for (name, type)
 * into *r (arena). -1 with *why_r if it is not such a reply; records that
 * run past len are dropped with what follows them.
 */
int	dns_reply_parse(const uint8_t *p, size_t len, uint16_t id,
    const char *name, uint16_t type, struct arena *a, struct dns_reply *r,
    const char **why_r);

/*
 * Names and formatting helpers.
 */

/* "A", "MX", ... or "TYPE123" (arena if numeric). */
const char	*dns_type_str(struct arena *a, uint16_t type);
/* Type from its mnemonic or TYPEnnn; 0 if unknown. */
uint16_t	 dns_type_parse(const char *s);
/* "NOERROR", "NXDOMAIN", "NODATA", "SERVFAIL", "TIMEOUT". */
const char	*dns_rcode_str(enum dns_rcode rc);
/* "unchecked", "insecure", "secure", "bogus". */
const char	*dns_sec_str(enum dns_sec s);

/*
 * Check a domain name: total length <= 253, labels 1..63 octets, no empty
 * labels (one final dot allowed). Returns 0 if usable, -1 with *why_r.
 */
int		 dns_name_check(const char *name, const char **why_r);

/* Decode rr->rdata into rr->u (arena for names); sets rr->is_decoded. */
void		 dns_rr_decode(struct arena *a, struct dns_rr *rr);

/* TXT strings of rr joined without separators (RFC 7208 3.3), arena. */
struct dns_str	 dns_txt_join(struct arena *a, const struct dns_rr *rr);

/* Presentation form of rr's RDATA, as in a zone file (arena). */
const char	*dns_rr_str(struct arena *a, const struct dns_rr *rr);

/* Reverse-lookup name for an address ("4.3.2.1.in-addr.arpa"), arena. */
const char	*dns_ptr_name(struct arena *a, int af, const void *addr);

/*
 * Zone files (RFC 1035 section 5 master files).
 */
struct dns_zone;

struct dns_zone	*dns_zone_new(void);
void		 dns_zone_free(struct dns_zone **z);
/*
 * Load a master file: $ORIGIN, $TTL, $INCLUDE is refused, relative names,
 * @, parentheses, comments, quoted multi-string TXT, \DDD escapes, and the
 * RFC 3597 generic form (\# len hex). On error returns -1 and *why_r is
 * "FILE:LINE: reason" (owned by z, valid until it is freed).
 */
int		 dns_zone_load(struct dns_zone *z, const char *path,
    const char **why_r);
int		 dns_zone_parse(struct dns_zone *z, const char *text,
    size_t len, const char *fname, const char **why_r);
/* Add one record from its presentation form ("10 mx.example.com."). */
int		 dns_zone_add(struct dns_zone *z, const char *name,
    uint16_t type, uint32_t ttl, const char *rdata, const char **why_r);
/* Make queries for name (type 0: any type) fail with rc (tests). */
void		 dns_zone_add_fault(struct dns_zone *z, const char *name,
    uint16_t type, enum dns_rcode rc);
/* Number of records loaded. */
size_t		 dns_zone_count(const struct dns_zone *z);

/*
 * A resolver answering from zones only: names not in them are NXDOMAIN, a
 * name without the asked type is NODATA. Takes ownership of the zone.
 */
struct dns_resolver *dns_zone_resolver(struct dns_zone *z);
/*
 * Overlay: a (name, type) that the zone holds (or a name the zone holds
 * as CNAME) is answered from the zone; everything else goes to upstream.
 * Takes ownership of both.
 */
struct dns_resolver *dns_overlay_resolver(struct dns_zone *z,
    struct dns_resolver *upstream);

#endif
