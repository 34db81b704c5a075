/*
 * The posture audit behind `mxwarden check`: every published record of a
 * mail domain and every MX host probed, each result a finding with a
 * stable id, a status, the evidence it was decided on, the RFC reference
 * and the fix. The catalogue is docs/check.md (from CHECKS.md).
 *
 * Areas and their RFCs: DNS and DNSSEC (RFC 1034, 1912, 2182, 4033-4035,
 * 8624, 9276), MX and reverse DNS (RFC 5321 5.1, 7505, 2181 10.3), SMTP
 * and STARTTLS (RFC 3207, 8996), certificates (RFC 5280, 6125), DANE
 * (RFC 6698, 7671, 7672), MTA-STS (RFC 8461), TLS-RPT (RFC 8460), SPF
 * (RFC 7208), DMARC (RFC 9989, RFC 7489), DKIM keys (RFC 6376, 8301,
 * 8463), DNSBL (RFC 5782).
 *
 * Statuses: pass, info, warn, fail; error means "could not test"
 * (timeout, SERVFAIL, our own port 25 blocked) and is never a fault of
 * the domain; skip means not applicable or not implemented. A profile
 * (default, strict, bulk-sender, parked) changes the severity of some
 * checks. The library never logs; probes use the resolver given, SMTP
 * over TCP with OpenSSL, and HTTPS with libcurl.
 */
#ifndef MXW_AUDIT_H
#define MXW_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct arena;
struct dns_resolver;

#define AUDIT_JSON_SCHEMA	1
#define AUDIT_MX_MAX		10	/* default MX hosts probed */
#define AUDIT_ADDR_MAX		4	/* addresses probed per MX host */
#define AUDIT_EVIDENCE_MAX	64	/* evidence lines per finding */
#define AUDIT_TIMEOUT_MS	10000	/* per SMTP/HTTPS step */
#define AUDIT_POLICY_MAX	65536	/* bytes of an MTA-STS policy */
#define AUDIT_SELECTORS_MAX	64	/* DKIM selectors tried */

/* Ordered by how bad they are for exit codes: see audit_exit_code(). */
enum audit_status {
	AUDIT_PASS = 0,
	AUDIT_INFO,
	AUDIT_WARN,
	AUDIT_FAIL,
	AUDIT_ERROR,		/* could not test */
	AUDIT_SKIP,		/* not applicable, not implemented */
	AUDIT_NOT_MET		/* input only: the catalogue severity of the
				   check under the active profile */
};

enum audit_profile {
	AUDIT_PROF_DEFAULT = 0,
	AUDIT_PROF_STRICT,
	AUDIT_PROF_BULK,
	AUDIT_PROF_PARKED
};
#define AUDIT_NPROF	4

/* "pass", "info", ..., "skip". */
const char	*audit_status_str(enum audit_status s);
/* "default", "strict", "bulk-sender", "parked"; parse gives -1 if bad. */
const char	*audit_profile_str(enum audit_profile p);
int		 audit_profile_parse(const char *s, enum audit_profile *p_r);

/* One row of the catalogue (docs/check.md). */
struct audit_check {
	const char		*id;
	const char		*category;	/* "dns", "mx", "smtp", ... */
	const char		*title;
	const char		*refs;		/* "RFC 7208 4.6.4; ..." */
	enum audit_status	 sev[AUDIT_NPROF]; /* status when not met */
	const char		*fix;		/* generic fix text */
};

/* The catalogue, in report order. Borrowed, static. */
const struct audit_check *audit_catalogue(size_t *n_r);
/* The row of id, or NULL. */
const struct audit_check *audit_check_find(const char *id);

struct audit_finding {
	const struct audit_check *check;
	enum audit_status	 status;
	const char		*message;	/* one line */
	const char		*fix;		/* NULL when nothing to fix */
	const char		**evidence;	/* raw records and answers */
	size_t			 nevidence;
};

/* A (host, address, port) override of the SMTP probe (tests). */
struct audit_smtp_map {
	const char	*host;		/* MX host name, NULL: every host */
	const char	*addr;		/* connect here; NULL: DNS address */
	unsigned	 port;		/* 0: 25 */
};

/* Where to send direct DNS questions for a name server (tests). */
struct audit_ns_map {
	const char	*host;		/* NS host name */
	const char	*server;	/* "ADDR" or "ADDR@PORT" */
};

struct audit_opts {
	enum audit_profile	 profile;
	unsigned		 max_mx;	/* 0: AUDIT_MX_MAX */
	unsigned		 timeout_ms;	/* 0: AUDIT_TIMEOUT_MS */
	const char		*ehlo_name;	/* NULL: "mxwarden.invalid" */
	const struct audit_smtp_map *smtp_map;
	size_t			 nsmtp_map;
	const char		*https_addr;	/* HTTPS: connect here */
	unsigned		 https_port;	/* 0: 443 */
	const char		*ca_file;	/* extra trusted CAs (PEM) */
	const char		**dnsbl;	/* IP lists (zones) */
	size_t			 ndnsbl;
	const char		**dombl;	/* domain lists (zones) */
	size_t			 ndombl;
	const char		**outbound_ips;
	size_t			 noutbound_ips;
	const char		**ns_allow;	/* patterns "*.example.net" */
	size_t			 nns_allow;
	const char		**mx_allow;
	size_t			 nmx_allow;
	const char		**selectors;	/* DKIM selectors to try */
	size_t			 nselectors;
	int			 no_smtp;	/* skip the SMTP probes */
	int			 no_https;	/* no HTTPS (MTA-STS, BIMI) */
	int			 rcpt_tests;	/* opt-in: RCPT relay and
						   postmaster tests */
	int			 no_tls_scan;	/* no TLS parameter scan */
	const char		*trust_anchor;	/* reported in JSON only */
	int			 is_validating;	/* resolver validates */
	const struct audit_ns_map *ns_map;	/* dns.ns.consistency */
	size_t			 nns_map;
	int			 no_direct_dns;	/* zone files: no servers */
};

struct audit_report {
	const char		*domain;
	enum audit_profile	 profile;
	time_t			 started_at;	/* clock_now() */
	uint64_t		 duration_us;
	struct audit_finding	*f;
	size_t			 n;
	/* Raw records for the JSON "records" object; NULL if none. */
	const char		*spf;
	const char		*dmarc;
	const char		*dmarc_location;
	const char		**mx;		/* "10 mx.example.com" */
	size_t			 nmx;
	const char		*mta_sts_record;
	const char		*mta_sts_policy;
	const char		*tlsrpt;
	const char		**dkim;		/* "selector: record" */
	size_t			 ndkim;
	int			 is_validating;
	const char		*trust_anchor;
};

/*
 * Audit domain with resolver res (borrowed) and options o. Findings and
 * everything they point to live in arena a (the caller's thread only).
 * Returns 0 with *r_r; -1 with *why_r only for an unusable domain name.
 */
int	audit_run(struct dns_resolver *res, const struct audit_opts *o,
    const char *domain, struct arena *a, struct audit_report **r_r,
    const char **why_r);

/* Counts per status, indexed by enum audit_status (pass..skip). */
void	audit_summary(const struct audit_report *r, size_t counts[6]);

/*
 * The exit code of `mxwarden check` for reports r[0..n): 2 if any fail,
 * else 3 if any error (incomplete), else 1 if fail_on_warn and any warn,
 * else 0.
 */
int	audit_exit_code(const struct audit_report *const *r, size_t n,
    int fail_on_warn);

/*
 * Output. Text: grouped by category, worst first, with the fix line;
 * is_color adds ANSI colours; verbose shows passes and evidence. JSON:
 * docs/json.md (one object per report, or an array for several). CSV:
 * one row per (domain, finding), header row when is_header.
 */
int	audit_write_text(const struct audit_report *r, FILE *f, int is_color,
    int verbose);
int	audit_write_json(const struct audit_report *const *r, size_t n,
    FILE *f);
int	audit_write_csv(const struct audit_report *r, FILE *f, int is_header);

/*
 * Parsers of untrusted input (fuzzed: fuzz/fuzz_audit_*.c).
 */

/* An SMTP reply (RFC 5321 4.2): "250-a\r\n250 b\r\n". */
struct audit_smtp_reply {
	int		 code;		/* 0 if incomplete */
	const char	**line;		/* text after "NNN-" / "NNN " */
	size_t		 nline;
	size_t		 used;		/* bytes consumed */
};

/*
 * Parse one complete reply at the start of [p, p+len). Returns 1 with
 * *r_r (arena) when complete, 0 when more bytes are needed, -1 with
 * *why_r (static) when it is not SMTP (bad code, mixed codes, a line
 * over 1000 bytes, more than 256 lines).
 */
int	audit_smtp_reply_parse(struct arena *a, const char *p, size_t len,
    struct audit_smtp_reply *r_r, const char **why_r);

/* An MTA-STS policy (RFC 8461 3.2). */
enum audit_sts_mode {
	AUDIT_STS_NONE = 0,
	AUDIT_STS_TESTING,
	AUDIT_STS_ENFORCE,
	AUDIT_STS_BAD
};

struct audit_sts_policy {
	const char		*version;	/* NULL if absent */
	enum audit_sts_mode	 mode;
	const char		*mode_text;	/* NULL if absent */
	long long		 max_age;	/* -1 if absent or bad */
	const char		**mx;
	size_t			 nmx;
	const char		**unknown;	/* unknown keys */
	size_t			 nunknown;
	const char		*why;		/* first error, or NULL */
};

/* Parse policy text. Always fills *p_r (arena); 0, or -1 if p->why. */
int	audit_sts_policy_parse(struct arena *a, const char *text, size_t len,
    struct audit_sts_policy *p_r);
/* Does MX host name match policy pattern pat (RFC 8461 4.1)? 1 or 0. */
int	audit_sts_match(const char *pat, const char *host);

/* The _mta-sts TXT record (RFC 8461 3.1). */
struct audit_sts_record {
	const char	*id;		/* NULL if absent */
	const char	**ext;		/* extension tag names */
	size_t		 next;
	const char	*why;		/* syntax error, or NULL */
};
int	audit_sts_record_parse(struct arena *a, const char *text, size_t len,
    struct audit_sts_record *r_r);

/* The _smtp._tls TXT record (RFC 8460 3). */
struct audit_tlsrpt {
	const char	**rua;		/* URIs as written */
	size_t		 nrua;
	const char	*why;		/* syntax error, or NULL */
};
int	audit_tlsrpt_parse(struct arena *a, const char *text, size_t len,
    struct audit_tlsrpt *r_r);

/*
 * A BIMI logo: SVG Tiny Portable/Secure (draft-svg-tiny-ps-abrotman).
 * The checks are the basics mailbox providers reject on: size, no DTD,
 * root <svg> in the SVG namespace with version="1.2",
 * baseProfile="tiny-ps" and no x/y, a <title>, no <script>, no event
 * attributes, no <foreignObject>, no href outside the document. Each
 * problem is one line; warnings (no or non-square viewBox) do not fail.
 */
#define AUDIT_SVG_MAX		32768	/* bytes of a BIMI logo */
#define AUDIT_SVG_PROBLEMS_MAX	16

struct audit_svg {
	const char	**problem;	/* fail-level, arena */
	size_t		 nproblem;
	const char	**warning;	/* warn-level, arena */
	size_t		 nwarning;
};

/*
 * Check the logo in [p, p+len) (any bytes; never read past len). Always
 * fills *s_r (arena). Returns 0 when it meets the profile (warnings
 * possible), -1 when s_r->problem says why not.
 */
int	audit_svg_check(struct arena *a, const char *p, size_t len,
    struct audit_svg *s_r);

#endif
