/*
 * `mxwarden dns lookup NAME [TYPE]`: ask one question through the
 * resolver the global options choose (zone files, overlay or libunbound)
 * and print the records in zone-file presentation (RFC 1035 section 5),
 * the outcome (NOERROR, NXDOMAIN, NODATA per RFC 2308, SERVFAIL, TIMEOUT)
 * and the DNSSEC status (RFC 4035 section 4.3). With --json the same as
 * one object; docs/json.md describes it.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define DNS_JSON_SCHEMA	1

static void
dns_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] dns lookup NAME [TYPE]\n"
	    "\n"
	    "Ask NAME for records of TYPE (default A) and print them as a\n"
	    "zone file would, with the response code (NOERROR, NXDOMAIN,\n"
	    "NODATA, SERVFAIL, TIMEOUT) and the DNSSEC status (secure,\n"
	    "insecure, bogus, unchecked). TYPE is a mnemonic (A, AAAA, MX,\n"
	    "TXT, PTR, CNAME, NS, SOA, SRV, TLSA, DNSKEY, DS, CAA, ...) or\n"
	    "TYPEnnn.\n"
	    "The global options --dns-server, --dns-zone and --dns-overlay\n"
	    "choose who answers; --json prints one JSON object\n"
	    "(docs/json.md).\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden dns lookup example.com MX\n"
	    "  mxwarden dns lookup _dmarc.example.com TXT --json\n"
	    "  mxwarden --dns-server 127.0.0.1@5353 dns lookup www.lookup.test"
	    " AAAA\n"
	    "  mxwarden --dns-zone test.zone dns lookup example.com TXT\n"
	    "  mxwarden --dns-overlay new.zone dns lookup sel._domainkey."
	    "example.com TXT\n"
	    "\n"
	    "Exit status: 0 the lookup ran (whatever the response code),\n"
	    "2 usage error (unknown type, bad name), 1 internal error.\n");
}

/*
 * A JSON string for s. jansson wants UTF-8; names and RDATA are printed
 * with \DDD escapes and should be ASCII, but a bad byte must not lose the
 * field, so anything else is escaped here.
 */
static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;
	size_t i;

	if ((j = json_string(s)) != NULL)
		return j;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			buf_addc(&b, c);
		else
			buf_printf(&b, "\\%03u", c);
	}
	j = json_stringn(b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	return j;
}

static int
print_json(struct cli *c, struct arena *a, const struct dns_answer *ans)
{
	json_t *o = json_object(), *chain = json_array(), *recs = json_array();
	size_t i;
	int rc;

	json_object_set_new(o, "schema_version", json_integer(DNS_JSON_SCHEMA));
	json_object_set_new(o, "name", jstr(ans->qname));
	json_object_set_new(o, "type", jstr(dns_type_str(a, ans->qtype)));
	json_object_set_new(o, "rcode", json_string(dns_rcode_str(ans->rcode)));
	json_object_set_new(o, "dnssec", json_string(dns_sec_str(ans->sec)));
	json_object_set_new(o, "canonical_name", jstr(ans->canon));
	for (i = 0; i < ans->ncname && ans->cname != NULL; i++)
		json_array_append_new(chain, jstr(ans->cname[i]));
	json_object_set_new(o, "cname_chain", chain);
	json_object_set_new(o, "ttl", json_integer(ans->ttl));
	for (i = 0; i < ans->nrr; i++) {
		const struct dns_rr *rr = &ans->rr[i];
		json_t *r = json_object();

		json_object_set_new(r, "type", jstr(dns_type_str(a, rr->type)));
		json_object_set_new(r, "ttl", json_integer(rr->ttl));
		json_object_set_new(r, "data", jstr(dns_rr_str(a, rr)));
		json_array_append_new(recs, r);
	}
	json_object_set_new(o, "records", recs);
	json_object_set_new(o, "why_bogus", ans->why_bogus != NULL ?
	    jstr(ans->why_bogus) : json_null());
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

static void
print_text(struct cli *c, struct arena *a, const struct dns_answer *ans)
{
	const char *owner = ans->canon;
	size_t i;

	fprintf(c->out, ";; name: %s  type: %s\n", ans->qname,
	    dns_type_str(a, ans->qtype));
	fprintf(c->out, ";; rcode: %s\n", dns_rcode_str(ans->rcode));
	fprintf(c->out, ";; dnssec: %s\n", dns_sec_str(ans->sec));
	if (ans->why_bogus != NULL)
		fprintf(c->out, ";; why_bogus: %s\n", ans->why_bogus);
	if (ans->ncname > 0 && ans->cname != NULL) {
		fprintf(c->out, ";; cname:");
		for (i = 0; i < ans->ncname; i++)
			fprintf(c->out, " %s ->", ans->cname[i]);
		fprintf(c->out, " %s\n", ans->canon);
	}
	fprintf(c->out, ";; ttl: %u\n", ans->ttl);
	for (i = 0; i < ans->nrr; i++)
		fprintf(c->out, "%s.\t%u\tIN\t%s\t%s\n", owner, ans->rr[i].ttl,
		    dns_type_str(a, ans->rr[i].type),
		    dns_rr_str(a, &ans->rr[i]));
}

static int
dns_lookup(struct cli *c, const char *name, const char *tname)
{
	struct dns_resolver *r;
	struct dns_answer *ans;
	struct arena *a;
	const char *why;
	uint16_t type;
	int rc = CLI_OK;

	if ((type = dns_type_parse(tname)) == 0) {
		fprintf(c->err, "mxwarden: dns: unknown record type \"%s\"\n",
		    tname);
		return CLI_USAGE;
	}
	if (dns_name_check(name, &why) == -1) {
		fprintf(c->err, "mxwarden: dns: %s: \"%s\"\n", why, name);
		return CLI_USAGE;
	}
	if ((r = cli_resolver(c)) == NULL)
		return CLI_USAGE;	/* cli_resolver() said why */
	a = arena_new();
	if (dns_query(r, name, type, a, &ans, &why) == -1) {
		fprintf(c->err, "mxwarden: dns: %s\n", why);
		arena_free(&a);
		return CLI_INTERNAL;
	}
	if (c->json)
		rc = print_json(c, a, ans);
	else
		print_text(c, a, ans);
	arena_free(&a);
	return rc;
}

int
cmd_dns(struct cli *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			dns_usage(c->out);
			return CLI_OK;
		}
	if (argc < 2) {
		dns_usage(c->err);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "lookup") != 0) {
		fprintf(c->err, "mxwarden: dns: unknown subcommand \"%s\"; "
		    "see mxwarden dns --help\n", argv[1]);
		return CLI_USAGE;
	}
	if (argc < 3 || argc > 4) {
		fprintf(c->err, "mxwarden: dns lookup wants NAME [TYPE]; "
		    "see mxwarden dns --help\n");
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++)
		if (argv[i][0] == '-') {
			fprintf(c->err, "mxwarden: dns: unknown option "
			    "\"%s\"\n", argv[i]);
			return CLI_USAGE;
		}
	return dns_lookup(c, argv[2], argc == 4 ? argv[3] : "A");
}
