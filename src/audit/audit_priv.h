/*
 * Internals of the audit shared by its files: the context of one run,
 * the MX hosts and probe results that several areas read, and the helpers
 * that add findings and evidence.
 */
#ifndef MXW_AUDIT_PRIV_H
#define MXW_AUDIT_PRIV_H

#include <netinet/in.h>
#include <pthread.h>

#include <openssl/ssl.h>

#include "audit/audit.h"
#include "dns/dns.h"
#include "lib/buf.h"

/* dnssec.rrsig.expiry warns below this (CHECKS.md: 72 hours). */
#define AUDIT_RRSIG_MIN_S	(72 * 3600)

struct audit_addr {
	int		 af;
	uint8_t		 ip[16];
	char		 str[INET6_ADDRSTRLEN];
};

/* What the SMTP probe of one address saw. */
struct audit_mx;

struct audit_probe {
	const char		*host;		/* MX name */
	const char		*domain;	/* the audited domain */
	struct audit_addr	 addr;
	const char		*connect_to;	/* address used, text */
	unsigned		 port;
	int			 is_done;
	int			 is_connected;
	const char		*why;		/* connect/protocol failure */
	const char		*banner;	/* 220 line */
	uint64_t		 greet_ms;	/* connect to EHLO reply */
	int			 has_starttls;
	const char		**ehlo;		/* EHLO keywords */
	size_t			 nehlo;
	int			 has_vrfy;	/* VRFY answered 250/252 */
	int			 tls_ok;	/* handshake completed */
	const char		*tls_why;
	const char		*tls_version;
	const char		*tls_cipher;
	int			 tls_old_ok;	/* TLS 1.0/1.1 accepted */
	int			 tls_old_tried;
	int			 has_ems;	/* TLS 1.2 EMS; -1 n/a */
	int			 trust_ok;
	const char		*trust_why;
	int			 name_ok;
	const char		*cert_subject;
	const char		*cert_sans;
	time_t			 not_before, not_after;
	const char		*key_type;	/* "RSA", "EC P-256", ... */
	int			 key_bits;
	int			 key_weak;	/* 2 fail, 1 info, 0 fine */
	const char		*sig_weak;	/* SHA-1/MD5 cert, or NULL */
	int			 dane_tried;
	int			 dane_ok;	/* a usable TLSA matched */
	const char		*dane_why;
	const char		*chain;		/* "depth: subject" lines */
	/* TLS parameter scan (audit_tls.c); strings NULL when unseen. */
	int			 scan_done;
	const char		*scan_why;	/* TLS 1.2 session failed */
	const char		*ciph_insuf;	/* accepted, space-separated */
	const char		*ciph_phase;
	size_t			 n_insuf_offer, n_phase_offer;
	int			 order;		/* -1 n/a, 1 server, 0 client */
	const char		*order_ev;
	const char		*rsa_kex;	/* static-RSA suite accepted */
	const char		*dhe_suite;	/* DHE suite accepted */
	int			 dhe_bits;
	const char		*group;		/* TLS 1.3 key share group */
	int			 group_ok;
	const char		*kex_hash;	/* TLS 1.2 SKE signature hash */
	int			 sha1_sig;	/* SHA-1 SKE sig accepted */
	const char		*comp;		/* compression method used */
	int			 comp_offered;	/* our OpenSSL offered one */
	int			 secure_reneg;	/* RFC 5746; -1 n/a */
	int			 reneg_n;	/* client renegotiations done */
	const char		*reneg_why;	/* why the next one failed */
	long			 early_max;	/* ticket max_early_data, -1 */
	int			 early_ok;	/* early data accepted */
	const char		*early_why;
	/* Opt-in RCPT tests (--smtp-rcpt-tests). */
	int			 rcpt_done;
	const char		*rcpt_why;	/* could not test */
	int			 relay_code, pm_code;
	const char		*relay_line, *pm_line;
	struct arena		*a;		/* the thread's own arena */
	const struct audit_opts	*o;		/* inputs, read-only */
	const struct audit_mx	*m;
};

struct audit_mx {
	const char		*host;		/* "" for the null MX */
	uint16_t		 pref;
	int			 is_alias;	/* target is a CNAME */
	int			 is_literal;	/* target is an IP literal */
	enum dns_rcode		 rc4, rc6;
	enum dns_sec		 sec;
	struct audit_addr	 addr[AUDIT_ADDR_MAX];
	size_t			 naddr;
	/* TLSA at _25._tcp.host */
	struct dns_answer	*tlsa;
};

struct audit_ctx {
	struct arena		*a;
	struct dns_resolver	*res;
	const struct audit_opts	*o;
	const char		*domain;
	struct audit_report	*rep;
	size_t			 cap;
	/* Shared between areas. */
	int			 exists;	/* NOERROR for SOA/NS */
	int			 is_null_mx;
	struct audit_mx		*mx;
	size_t			 nmx;
	int			 has_dane;	/* TLSA on some MX */
	int			 has_sts;	/* _mta-sts record */
	enum audit_sts_mode	 sts_mode;
	const char		**sts_mx;
	size_t			 nsts_mx;
	int			 has_tlsrpt;
	int			 spf_is_reject_all;
	int			 dmarc_is_reject;
	int			 dmarc_enforced; /* p and sp >= quarantine */
	struct audit_probe	*probe;
	size_t			 nprobe;
	pthread_t		*thr;
	size_t			 nthr;
};

/*
 * Add the finding of check id (which must be in the catalogue) with
 * status st (AUDIT_NOT_MET: the catalogue severity of the profile) and
 * a printf message. fix NULL: the catalogue's fix when the status is
 * worse than pass. One finding per id: a second call replaces status
 * and message when as bad or worse (so a summary call made last wins)
 * and keeps the evidence of both.
 */
struct audit_finding *audit_add(struct audit_ctx *x, const char *id,
    enum audit_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Append one evidence line (printf). */
void	audit_ev(struct audit_ctx *x, struct audit_finding *f,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Append an answer: "name TYPE data" per record, or "name TYPE RCODE". */
void	audit_ev_ans(struct audit_ctx *x, struct audit_finding *f,
    const struct dns_answer *ans);
/* The status id gets under the profile when not met. */
enum audit_status audit_sev(struct audit_ctx *x, const char *id);
/* A query that always gives an answer (SERVFAIL on internal errors). */
struct dns_answer *audit_q(struct audit_ctx *x, const char *name,
    uint16_t type);
/* Add a skip finding for each id in the NULL-terminated list. */
void	audit_skip(struct audit_ctx *x, const char *why, ...);
/* Worse of two statuses for a verdict over hosts (fail > warn > ...). */
enum audit_status audit_worse(enum audit_status a, enum audit_status b);
/* TXT records of ans joined (arena), strings in *v_r; count returned. */
size_t	audit_txts(struct audit_ctx *x, const struct dns_answer *ans,
    const char ***v_r);
/* Does name match pattern ("*.example.net" or exact), case-blind? */
int	audit_name_match(const char *pat, const char *name);
/* Is the address private, loopback, link-local or reserved? */
int	audit_addr_is_special(const struct audit_addr *ad);

/* One HTTPS GET (audit_sts.c). */
struct audit_fetch {
	struct buf	 body;		/* caller frees (buf_free) */
	size_t		 max;		/* body cap, set by the caller */
	int		 is_truncated;	/* the body was over max */
	long		 status;	/* HTTP status, 0 if none */
	const char	*ctype;		/* Content-Type or NULL (arena) */
	const char	*location;	/* a redirect target, not followed */
	const char	*why;		/* transport failure or NULL */
	int		 is_timeout;
};

/*
 * GET https://host[:port]path as a sending MTA or a mailbox provider
 * would: https only, no redirects followed, at most f->max body bytes,
 * the audit timeout, the certificate checked for host (plus --ca-file).
 * The connection goes to addr only (--https-port replaces the port);
 * libcurl never resolves host itself. f is zeroed by the caller except
 * for max; results land in f.
 */
void	audit_fetch(struct audit_ctx *x, const char *host, unsigned port,
    const char *path, const char *addr, struct audit_fetch *f);
/*
 * The address to fetch host from: --https-addr, else the first A or
 * AAAA record from our resolver (answers added to f's evidence). NULL
 * when host has none. Arena or borrowed.
 */
const char *audit_https_addr(struct audit_ctx *x, const char *host,
    struct audit_finding *f);

/* One SMTP connection of a probe (audit_smtp.c). */
struct audit_conn {
	int		 fd;
	SSL		*ssl;
	char		*buf;
	size_t		 len;
	unsigned	 timeout_ms;
	struct arena	*a;
};

/*
 * Connect to the probe's address, read the greeting and send EHLO. 0 with
 * *c set up (close it with audit_conn_close()), or -1 with *why_r.
 */
int	audit_conn_smtp(struct audit_probe *p, struct audit_conn *c,
    const char **why_r);
/* Send line, read the reply: its code, or -1 with *why_r. */
int	audit_conn_cmd(struct audit_conn *c, const char *line,
    struct audit_smtp_reply *r, const char **why_r);
void	audit_conn_close(struct audit_conn *c);

/*
 * The TLS parameter scan and the RCPT tests of one probe (audit_tls.c),
 * run in the probe's thread after the main session; and the findings
 * from them, run after the join.
 */
void	audit_tls_scan(struct audit_probe *p);
void	audit_rcpt_probe(struct audit_probe *p);
void	audit_tls_findings(struct audit_ctx *x);
void	audit_rcpt_findings(struct audit_ctx *x);

/* NCSC class of a cipher suite (audit_tls.c), by OpenSSL name. */
enum audit_cipher_class {
	AUDIT_CIPH_GOOD = 0,
	AUDIT_CIPH_SUFFICIENT,
	AUDIT_CIPH_PHASE_OUT,
	AUDIT_CIPH_INSUFFICIENT
};
/* The class of the suite named name; -1 if this OpenSSL lacks it. */
int	audit_cipher_class_name(const char *name);
const char *audit_cipher_class_str(enum audit_cipher_class c);

/* Areas. */
void	audit_dns(struct audit_ctx *x);
void	audit_dnssec(struct audit_ctx *x);
void	audit_mx_checks(struct audit_ctx *x);
void	audit_rdns(struct audit_ctx *x);
void	audit_caa(struct audit_ctx *x);
void	audit_spf(struct audit_ctx *x);
void	audit_dmarc(struct audit_ctx *x);
void	audit_dkim(struct audit_ctx *x);
void	audit_bimi(struct audit_ctx *x);
void	audit_probe_start(struct audit_ctx *x);
void	audit_probe_join(struct audit_ctx *x);
void	audit_smtp(struct audit_ctx *x);
void	audit_dane(struct audit_ctx *x);
void	audit_sts(struct audit_ctx *x);
void	audit_sts_mx(struct audit_ctx *x);
void	audit_tlsrpt(struct audit_ctx *x);
void	audit_rbl(struct audit_ctx *x);

#endif
