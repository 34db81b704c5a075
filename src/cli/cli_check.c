/*
 * `mxwarden check DOMAIN...`: the posture audit of mail domains and their
 * servers (src/audit, docs/check.md). Options come from the `check`
 * section of the configuration and the command line; the report is text
 * (coloured on a terminal), JSON (docs/json.md) or CSV. Unlike other
 * commands, the exit status reports the findings so that cron and CI can
 * act on it: 0 nothing worse than info, 1 a warn with --fail-on warn,
 * 2 a fail, 3 incomplete (a check could not be made), 64 usage error,
 * 70 internal error.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/str.h"

#define CHECK_USAGE	64	/* sysexits EX_USAGE */
#define CHECK_SOFTWARE	70	/* sysexits EX_SOFTWARE */
#define CHECK_LIST_MAX	64
#define CHECK_DOMAINS_MAX 100000

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] check [options] DOMAIN...\n"
	    "       mxwarden [global options] check --all [options]\n"
	    "\n"
	    "Audit the mail posture of a domain: DNS and DNSSEC, MX and\n"
	    "reverse DNS, SMTP/STARTTLS and certificates of every MX, DANE,\n"
	    "MTA-STS, TLS-RPT, SPF, DMARC, DKIM keys, BIMI, blocklists. Each\n"
	    "finding has an id, a status, the evidence and the fix\n"
	    "(docs/check.md lists every check).\n"
	    "\n"
	    "  --list                print every check (Markdown table)\n"
	    "  --all                 audit every domain of check.domains in\n"
	    "                        the configuration (for cron)\n"
	    "  --profile P           default, strict, bulk-sender or parked\n"
	    "  --fail-on warn        exit 1 when the worst finding is a warn\n"
	    "  --csv                 CSV, one row per domain and check\n"
	    "  --color, --no-color   force or disable colours\n"
	    "  --selector S          DKIM selector to look for (repeatable)\n"
	    "  --dnsbl ZONE          IP blocklist to query (repeatable)\n"
	    "  --domain-bl ZONE      domain blocklist to query (repeatable)\n"
	    "  --outbound-ip IP      one of our sending addresses\n"
	    "  --max-mx N            probe at most N MX hosts (default 10)\n"
	    "  --timeout SECONDS     per SMTP/HTTPS step (default 10)\n"
	    "  --no-smtp             do not connect to the MX hosts\n"
	    "  --no-https            no HTTPS fetch (MTA-STS policy, BIMI)\n"
	    "  --no-tls-scan         skip the scan of suites, key exchange\n"
	    "                        and TLS extensions (about 10 more\n"
	    "                        connections per MX address)\n"
	    "  --smtp-rcpt-tests     opt-in: test for an open relay and\n"
	    "                        postmaster@DOMAIN with MAIL FROM:<> and\n"
	    "                        RCPT (never DATA)\n"
	    "  --trust-anchor FILE   DNSSEC trust anchor (DS/DNSKEY) for a\n"
	    "                        test zone, besides the root's\n"
	    "  --ca-file FILE        extra trusted CAs (PEM) for the SMTP and\n"
	    "                        HTTPS probes\n"
	    "\n"
	    "Testing and what-if (probes go where these say, not to DNS):\n"
	    "  --smtp-port [HOST=]PORT  connect to PORT instead of 25 (for\n"
	    "                        one MX HOST, or every MX); repeatable\n"
	    "  --smtp-addr [HOST=]ADDR  connect to ADDR instead of the MX\n"
	    "                        address; repeatable\n"
	    "  --https-port PORT     HTTPS fetches (MTA-STS, BIMI) go to PORT\n"
	    "  --https-addr ADDR     HTTPS fetches (MTA-STS, BIMI) go to ADDR\n"
	    "  --ns-addr HOST=ADDR[@PORT]  send direct DNS questions for\n"
	    "                        name server HOST there (parent/child\n"
	    "                        NS consistency); repeatable\n"
	    "  --ehlo NAME           EHLO name (default mxwarden.invalid)\n"
	    "  --dns-overlay FILE    (global) audit proposed records first\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden check example.com\n"
	    "  mxwarden check --json --profile strict example.com\n"
	    "  mxwarden -c /etc/mxwarden/mxwarden.conf check --all --csv\n"
	    "  mxwarden --dns-overlay new.zone check example.com --no-smtp\n"
	    "\n"
	    "Exit status: 0 nothing worse than info; 1 warn (only with\n"
	    "--fail-on warn); 2 at least one fail; 3 incomplete (a check\n"
	    "could not be made: timeout, SERVFAIL, port 25 blocked);\n"
	    "64 usage error; 70 internal error.\n");
}

struct check_args {
	struct audit_opts	 o;
	const char		*dnsbl[CHECK_LIST_MAX], *dombl[CHECK_LIST_MAX];
	const char		*outb[CHECK_LIST_MAX], *sel[CHECK_LIST_MAX];
	struct audit_smtp_map	 map[CHECK_LIST_MAX];
	size_t			 nmap;
	struct audit_ns_map	 nsmap[CHECK_LIST_MAX];
	const char		*trust_anchor;
	const char		**dom;
	size_t			 ndom;
	int			 all, csv, fail_on_warn, color;
};

static int
add(struct cli *c, const char **v, size_t *n, const char *opt,
    const char *val)
{
	if (*n >= CHECK_LIST_MAX) {
		fprintf(c->err, "mxwarden check: too many %s\n", opt);
		return -1;
	}
	v[(*n)++] = val;
	return 0;
}

static int
num(struct cli *c, const char *opt, const char *v, unsigned max,
    unsigned *r)
{
	unsigned long long n;

	if (str_to_ull(v, max, &n) == -1 || n == 0) {
		fprintf(c->err, "mxwarden check: %s wants 1..%u, got \"%s\"\n",
		    opt, max, v);
		return -1;
	}
	*r = (unsigned)n;
	return 0;
}

/* --smtp-port [HOST=]PORT and --smtp-addr [HOST=]ADDR. */
static int
add_map(struct cli *c, struct check_args *k, const char *opt, char *v)
{
	struct audit_smtp_map *m;
	char *eq = strchr(v, '=');

	if (k->nmap >= CHECK_LIST_MAX) {
		fprintf(c->err, "mxwarden check: too many %s\n", opt);
		return -1;
	}
	m = &k->map[k->nmap++];
	memset(m, 0, sizeof(*m));
	if (eq != NULL) {
		*eq = '\0';
		m->host = v;
		v = eq + 1;
	}
	if (strcmp(opt, "--smtp-addr") == 0) {
		m->addr = v;
		return 0;
	}
	return num(c, opt, v, 65535, &m->port);
}

/* --ns-addr HOST=ADDR[@PORT]: direct DNS questions for HOST go there. */
static int
add_nsmap(struct cli *c, struct check_args *k, char *v)
{
	char *eq = v != NULL ? strchr(v, '=') : NULL;

	if (eq == NULL || eq == v || eq[1] == '\0') {
		fprintf(c->err, "mxwarden check: --ns-addr wants "
		    "HOST=ADDR[@PORT]\n");
		return -1;
	}
	if (k->o.nns_map >= CHECK_LIST_MAX) {
		fprintf(c->err, "mxwarden check: too many --ns-addr\n");
		return -1;
	}
	*eq = '\0';
	k->nsmap[k->o.nns_map].host = v;
	k->nsmap[k->o.nns_map++].server = eq + 1;
	return 0;
}

static int
parse_args(struct cli *c, int argc, char **argv, struct check_args *k)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0, val = 1;

		if (strcmp(o, "--all") == 0)
			k->all = 1, val = 0;
		else if (strcmp(o, "--csv") == 0)
			k->csv = 1, val = 0;
		else if (strcmp(o, "--color") == 0)
			k->color = 1, val = 0;
		else if (strcmp(o, "--no-color") == 0)
			k->color = 0, val = 0;
		else if (strcmp(o, "--no-smtp") == 0)
			k->o.no_smtp = 1, val = 0;
		else if (strcmp(o, "--no-https") == 0)
			k->o.no_https = 1, val = 0;
		else if (strcmp(o, "--smtp-rcpt-tests") == 0)
			k->o.rcpt_tests = 1, val = 0;
		else if (strcmp(o, "--no-tls-scan") == 0)
			k->o.no_tls_scan = 1, val = 0;
		else if (o[0] != '-') {
			k->dom[k->ndom++] = o;
			continue;
		} else if (v == NULL) {
			fprintf(c->err, "mxwarden check: unknown option or "
			    "missing value: %s\n", o);
			return -1;
		} else if (strcmp(o, "--profile") == 0) {
			if (audit_profile_parse(v, &k->o.profile) == -1) {
				fprintf(c->err, "mxwarden check: unknown "
				    "profile \"%s\"\n", v);
				return -1;
			}
		} else if (strcmp(o, "--fail-on") == 0) {
			if (strcmp(v, "warn") != 0 && strcmp(v, "fail") != 0) {
				fprintf(c->err, "mxwarden check: --fail-on "
				    "wants warn or fail\n");
				return -1;
			}
			k->fail_on_warn = strcmp(v, "warn") == 0;
		} else if (strcmp(o, "--selector") == 0)
			r = add(c, k->sel, &k->o.nselectors, o, v);
		else if (strcmp(o, "--dnsbl") == 0)
			r = add(c, k->dnsbl, &k->o.ndnsbl, o, v);
		else if (strcmp(o, "--domain-bl") == 0)
			r = add(c, k->dombl, &k->o.ndombl, o, v);
		else if (strcmp(o, "--outbound-ip") == 0)
			r = add(c, k->outb, &k->o.noutbound_ips, o, v);
		else if (strcmp(o, "--max-mx") == 0)
			r = num(c, o, v, 50, &k->o.max_mx);
		else if (strcmp(o, "--timeout") == 0) {
			r = num(c, o, v, 120, &k->o.timeout_ms);
			k->o.timeout_ms *= 1000;
		} else if (strcmp(o, "--smtp-port") == 0 ||
		    strcmp(o, "--smtp-addr") == 0)
			r = add_map(c, k, o, argv[i + 1]);
		else if (strcmp(o, "--https-port") == 0)
			r = num(c, o, v, 65535, &k->o.https_port);
		else if (strcmp(o, "--https-addr") == 0)
			k->o.https_addr = v;
		else if (strcmp(o, "--ns-addr") == 0)
			r = add_nsmap(c, k, argv[i + 1]);
		else if (strcmp(o, "--ca-file") == 0)
			k->o.ca_file = v;
		else if (strcmp(o, "--trust-anchor") == 0)
			k->trust_anchor = v;
		else if (strcmp(o, "--ehlo") == 0)
			k->o.ehlo_name = v;
		else {
			fprintf(c->err, "mxwarden check: unknown option %s\n",
			    o);
			return -1;
		}
		if (r == -1)
			return -1;
		i += val;
	}
	return 0;
}

/* Fill lists from the configuration where the command line gave none. */
static void
from_conf(const struct conf *cf, const char *path, const char **v,
    size_t *n)
{
	size_t i, m = conf_list_len(cf, path);

	if (*n > 0)
		return;
	for (i = 0; i < m && *n < CHECK_LIST_MAX; i++)
		v[(*n)++] = conf_list_str(cf, path, i);
}

static struct dns_zone *
zones(struct cli *c)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;
	size_t i;

	for (i = 0; i < c->ndns_overlay; i++)
		if (dns_zone_load(z, c->dns_overlay[i], &why) == -1) {
			fprintf(c->err, "mxwarden: %s\n", why);
			dns_zone_free(&z);
			return NULL;
		}
	return z;
}

/* The resolver: cli_resolver(), or our own with a trust anchor. */
static struct dns_resolver *
check_resolver(struct cli *c, struct check_args *k)
{
	struct dns_ub_opts uo;
	struct dns_resolver *up;
	struct dns_zone *z;
	const char *why;

	k->o.is_validating = c->ndns_zone == 0;
	k->o.no_direct_dns = c->ndns_zone > 0;
	if (k->trust_anchor == NULL || c->ndns_zone > 0)
		return cli_resolver(c);
	memset(&uo, 0, sizeof(uo));
	uo.servers = c->dns_server;
	uo.nservers = c->ndns_server;
	uo.use_root_anchor = 1;
	uo.trust_anchor = k->trust_anchor;
	uo.allow_special = c->ndns_server > 0;
	k->o.trust_anchor = k->trust_anchor;
	if ((up = dns_ub_new(&uo, &why)) == NULL) {
		fprintf(c->err, "mxwarden check: resolver: %s\n", why);
		return NULL;
	}
	if (c->ndns_overlay > 0) {
		if ((z = zones(c)) == NULL) {
			dns_resolver_free(&up);
			return NULL;
		}
		up = dns_overlay_resolver(z, up);
	}
	c->res = up;	/* freed with the other global state */
	return up;
}

static int
setup(struct cli *c, struct check_args *k)
{
	struct conf *cf = cli_conf(c);
	size_t i, n;

	if (cf == NULL)
		return -1;
	if (k->o.profile == AUDIT_PROF_DEFAULT)
		k->o.profile = (enum audit_profile)conf_enum(cf,
		    "check.profile");
	if (k->o.max_mx == 0)
		k->o.max_mx = (unsigned)conf_int(cf, "check.max_mx");
	if (k->o.timeout_ms == 0)
		k->o.timeout_ms = (unsigned)conf_duration(cf,
		    "check.timeout") * 1000;
	from_conf(cf, "check.dnsbl", k->dnsbl, &k->o.ndnsbl);
	from_conf(cf, "check.domain_bl", k->dombl, &k->o.ndombl);
	from_conf(cf, "check.outbound_ips", k->outb, &k->o.noutbound_ips);
	from_conf(cf, "check.dkim_selectors", k->sel, &k->o.nselectors);
	k->o.ns_allow = calloc(CHECK_LIST_MAX, sizeof(char *));
	k->o.mx_allow = calloc(CHECK_LIST_MAX, sizeof(char *));
	if (k->o.ns_allow == NULL || k->o.mx_allow == NULL)
		return -1;
	from_conf(cf, "check.ns_allow", k->o.ns_allow, &k->o.nns_allow);
	from_conf(cf, "check.mx_allow", k->o.mx_allow, &k->o.nmx_allow);
	k->o.dnsbl = k->dnsbl;
	k->o.dombl = k->dombl;
	k->o.outbound_ips = k->outb;
	k->o.selectors = k->sel;
	k->o.smtp_map = k->map;
	k->o.nsmtp_map = k->nmap;
	k->o.ns_map = k->nsmap;
	if (k->all) {
		n = conf_list_len(cf, "check.domains");
		for (i = 0; i < n && k->ndom < CHECK_DOMAINS_MAX; i++)
			k->dom[k->ndom++] = conf_list_str(cf, "check.domains",
			    i);
	}
	return 0;
}

static int
run(struct cli *c, struct check_args *k, struct dns_resolver *res)
{
	const struct audit_report **rep;
	struct arena *a = arena_new();
	const char *why;
	size_t i;
	int rc = 0, is_color;

	is_color = k->color == 1 || (k->color == -1 && getenv("NO_COLOR") ==
	    NULL && isatty(fileno(c->out)));
	rep = arena_calloc(a, k->ndom, sizeof(*rep));
	for (i = 0; i < k->ndom; i++) {
		struct audit_report *r;

		if (audit_run(res, &k->o, k->dom[i], a, &r, &why) == -1) {
			fprintf(c->err, "mxwarden check: %s: %s\n", k->dom[i],
			    why);
			arena_free(&a);
			return CHECK_USAGE;
		}
		rep[i] = r;
		if (k->csv)
			audit_write_csv(r, c->out, i == 0);
		else if (!c->json) {
			if (i > 0)
				fputc('\n', c->out);
			audit_write_text(r, c->out, is_color, c->verbose);
		}
		fflush(c->out);
	}
	if (c->json && !k->csv)
		audit_write_json(rep, k->ndom, c->out);
	fflush(c->out);
	rc = audit_exit_code(rep, k->ndom, k->fail_on_warn);
	arena_free(&a);
	return rc;
}

/* --list: the catalogue as a Markdown table (docs/check.md). */
static int
list_checks(struct cli *c)
{
	const struct audit_check *k;
	size_t i, n;
	int p;

	k = audit_catalogue(&n);
	fprintf(c->out, "| id | check | default | strict | bulk-sender | "
	    "parked | reference | fix |\n|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		fprintf(c->out, "| `%s` | %s |", k[i].id, k[i].title);
		for (p = 0; p < AUDIT_NPROF; p++)
			fprintf(c->out, " %s |", audit_status_str(k[i].sev[p]));
		fprintf(c->out, " %s | %s |\n", k[i].refs, k[i].fix != NULL ?
		    k[i].fix : "(not implemented)");
	}
	return CLI_OK;
}

int
cmd_check(struct cli *c, int argc, char **argv)
{
	struct check_args *k;
	struct dns_resolver *res;
	int i, rc;

	for (i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			check_usage(c->out);
			return CLI_OK;
		} else if (strcmp(argv[i], "--list") == 0)
			return list_checks(c);
	/* A probed server may close the connection under a TLS write. */
	signal(SIGPIPE, SIG_IGN);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return CHECK_SOFTWARE;
	k->color = -1;
	k->dom = calloc((size_t)argc + CHECK_DOMAINS_MAX, sizeof(char *));
	rc = CHECK_USAGE;
	if (k->dom == NULL)
		rc = CHECK_SOFTWARE;
	else if (parse_args(c, argc, argv, k) == -1)
		check_usage(c->err);
	else if (setup(c, k) == -1)
		fprintf(c->err, "mxwarden check: invalid configuration\n");
	else if (k->ndom == 0)
		fprintf(c->err, "mxwarden check: no domain given%s\n",
		    k->all ? " (check.domains is empty)" : "; see --help");
	else if ((res = check_resolver(c, k)) != NULL)
		rc = run(c, k, res);
	free(k->o.ns_allow);
	free(k->o.mx_allow);
	free(k->dom);
	free(k);
	return rc;
}
