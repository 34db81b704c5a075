/*
 * `mxwarden spf --ip IP --sender ADDR [--helo NAME]`: evaluate SPF (RFC
 * 7208 check_host()) for one client and identity through the resolver
 * the global options choose, and explain the verdict: the first line is
 * the result word (DESIGN.md section 5), then the deciding term, the
 * lookup counts, the explanation, a Received-SPF field (RFC 7208 9.1)
 * and the Authentication-Results resinfo (RFC 8601). --explain adds the
 * trace of every term with the DNS answers it used; --json prints one
 * object (docs/json.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "cli/cli.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"

#define SPF_JSON_SCHEMA	1

static void
spf_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] spf --ip IP --sender ADDR\n"
	    "           [--helo NAME] [--receiver NAME] [--helo-identity]\n"
	    "           [--explain]\n"
	    "\n"
	    "Evaluate the SPF policy (RFC 7208) of the sender's domain for a\n"
	    "client IP address (IPv4 or IPv6). The first line printed is the\n"
	    "result: pass, fail, softfail, neutral, none, permerror or\n"
	    "temperror. Then come the term that decided, the DNS lookups\n"
	    "used (limit 10) and void lookups (limit 2), the explanation of\n"
	    "a fail, a Received-SPF header field and the SPF part of an\n"
	    "Authentication-Results field.\n"
	    "\n"
	    "  --ip IP          the SMTP client's address\n"
	    "  --sender ADDR    the MAIL FROM address; \"\" or \"<>\" is the\n"
	    "                   null path, checked as postmaster@HELO\n"
	    "  --helo NAME      the HELO/EHLO name (%%{h})\n"
	    "  --receiver NAME  this host's name (%%{r}, Received-SPF)\n"
	    "  --helo-identity  check the HELO identity instead of MAIL FROM\n"
	    "  --explain        print every term evaluated with the DNS\n"
	    "                   answers it used\n"
	    "The global --dns-zone FILE evaluates offline from a zone file;\n"
	    "--dns-server and --dns-overlay choose other resolvers; --json\n"
	    "prints one JSON object with the trace (docs/json.md).\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden spf --ip 192.0.2.1 --sender alice@example.com\n"
	    "  mxwarden spf --ip 2001:db8::25 --sender bob@example.org "
	    "--helo mx.example.org --explain\n"
	    "  mxwarden spf --ip 192.0.2.1 --sender '' --helo mx.example.com\n"
	    "  mxwarden --dns-zone test.zone spf --ip 192.0.2.1 "
	    "--sender a@example.com --json\n"
	    "  mxwarden --dns-overlay new-spf.zone spf --ip 198.51.100.7 "
	    "--sender a@example.com\n"
	    "\n"
	    "Exit status: 0 evaluated (whatever the result), 2 usage error\n"
	    "(missing or bad --ip, no identity), 1 internal error.\n");
}

static const char *const step_kinds[] = { "record", "term", "default",
    "exp" };

/* A JSON string that survives bytes that are not UTF-8. */
static json_t *
jstr(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f)
			buf_addc(&b, ch);
		else
			buf_printf(&b, "\\%03u", ch);
	}
	j = json_stringn(b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	return j;
}

static json_t *
json_dns(struct arena *a, const struct dns_answer *ans)
{
	json_t *o = json_object(), *recs = json_array();
	size_t i;

	json_object_set_new(o, "name", jstr(ans->qname));
	json_object_set_new(o, "type", jstr(dns_type_str(a, ans->qtype)));
	json_object_set_new(o, "rcode", jstr(dns_rcode_str(ans->rcode)));
	for (i = 0; i < ans->nrr; i++)
		json_array_append_new(recs, jstr(dns_rr_str(a, &ans->rr[i])));
	json_object_set_new(o, "records", recs);
	return o;
}

static json_t *
json_trace(struct arena *a, const struct spf_result *r)
{
	json_t *arr = json_array();
	size_t i, k;

	for (i = 0; i < r->ntrace; i++) {
		const struct spf_step *s = &r->trace[i];
		json_t *o = json_object(), *d = json_array();

		json_object_set_new(o, "depth", json_integer(s->depth));
		json_object_set_new(o, "kind", jstr(step_kinds[s->kind]));
		json_object_set_new(o, "domain", jstr(s->domain));
		json_object_set_new(o, "term", s->term != NULL ?
		    jstr(s->term->text) : json_null());
		json_object_set_new(o, "target", jstr(s->target));
		json_object_set_new(o, "outcome", jstr(s->outcome));
		json_object_set_new(o, "result", s->has_result ?
		    jstr(spf_result_str(s->result)) : json_null());
		if (s->kind == SPF_S_RECORD) {
			json_object_set_new(o, "record", jstr(s->record));
			json_object_set_new(o, "cached",
			    json_boolean(s->is_cached));
		}
		for (k = 0; k < s->ndns; k++)
			json_array_append_new(d, json_dns(a, s->dns[k]));
		json_object_set_new(o, "dns", d);
		json_array_append_new(arr, o);
	}
	return arr;
}

static int
print_json(struct cli *c, struct arena *a, const struct spf_result *r)
{
	json_t *o = json_object(), *m = json_null();
	int rc;

	json_object_set_new(o, "schema_version", json_integer(SPF_JSON_SCHEMA));
	json_object_set_new(o, "result", jstr(spf_result_str(r->result)));
	json_object_set_new(o, "identity", jstr(r->identity == SPF_ID_HELO ?
	    "helo" : "mailfrom"));
	json_object_set_new(o, "client_ip", jstr(r->ip));
	json_object_set_new(o, "sender", jstr(r->sender));
	json_object_set_new(o, "domain", jstr(r->domain));
	json_object_set_new(o, "helo", jstr(r->helo));
	if (r->matched != NULL) {
		m = json_object();
		json_object_set_new(m, "term", jstr(r->matched));
		json_object_set_new(m, "domain", jstr(r->matched_domain));
	}
	json_object_set_new(o, "matched", m);
	json_object_set_new(o, "explanation", jstr(r->explanation));
	json_object_set_new(o, "problem", jstr(r->problem));
	json_object_set_new(o, "lookups", json_integer(r->lookups));
	json_object_set_new(o, "lookups_max", json_integer(SPF_LOOKUP_MAX));
	json_object_set_new(o, "void_lookups", json_integer(r->voids));
	json_object_set_new(o, "void_lookups_max",
	    json_integer(SPF_VOID_MAX));
	json_object_set_new(o, "received_spf", jstr(spf_received_spf(a, r)));
	json_object_set_new(o, "authentication_results",
	    jstr(spf_authres(a, r)));
	json_object_set_new(o, "trace", json_trace(a, r));
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

static void
print_dns(struct cli *c, struct arena *a, const struct spf_step *s, int ind)
{
	size_t k, i;

	for (k = 0; k < s->ndns; k++) {
		const struct dns_answer *ans = s->dns[k];

		fprintf(c->out, "%*sdns: %s %s %s", ind, "", ans->qname,
		    dns_type_str(a, ans->qtype), dns_rcode_str(ans->rcode));
		for (i = 0; i < ans->nrr; i++)
			fprintf(c->out, "%s%s", i == 0 ? ": " : ", ",
			    dns_rr_str(a, &ans->rr[i]));
		fputc('\n', c->out);
	}
}

static void
print_trace(struct cli *c, struct arena *a, const struct spf_result *r)
{
	size_t i;

	fprintf(c->out, "trace:\n");
	for (i = 0; i < r->ntrace; i++) {
		const struct spf_step *s = &r->trace[i];
		int ind = (int)s->depth * 2 + 2;

		switch (s->kind) {
		case SPF_S_RECORD:
			fprintf(c->out, "%*s%s: %s%s%s%s\n", ind, "",
			    s->domain, s->record != NULL ? "\"" : "",
			    s->record != NULL ? s->record : s->outcome,
			    s->record != NULL ? "\"" : "",
			    s->is_cached ? " (cached)" : "");
			if (s->record != NULL && s->outcome != NULL &&
			    strcmp(s->outcome, "record") != 0)
				fprintf(c->out, "%*s  -> %s\n", ind, "",
				    s->outcome);
			break;
		case SPF_S_TERM:
			fprintf(c->out, "%*s  %s%s%s -> %s\n", ind, "",
			    s->term->text, s->target != NULL ? " @ " : "",
			    s->target != NULL ? s->target : "",
			    s->outcome != NULL ? s->outcome : "");
			break;
		case SPF_S_DEFAULT:
			fprintf(c->out, "%*s  (end of record) -> %s\n", ind,
			    "", s->outcome);
			break;
		case SPF_S_EXP:
			fprintf(c->out, "%*s  %s%s%s -> %s\n", ind, "",
			    s->term->text, s->target != NULL ? " @ " : "",
			    s->target != NULL ? s->target : "",
			    s->outcome != NULL ? s->outcome : "");
			break;
		}
		print_dns(c, a, s, ind + (s->kind == SPF_S_RECORD ? 2 : 4));
	}
}

static void
print_text(struct cli *c, struct arena *a, const struct spf_result *r,
    int explain)
{
	fprintf(c->out, "%s\n", spf_result_str(r->result));
	fprintf(c->out, "identity: %s %s (domain %s)\n",
	    r->identity == SPF_ID_HELO ? "helo" : "mailfrom", r->sender,
	    r->domain);
	fprintf(c->out, "client-ip: %s\n", r->ip);
	if (r->matched != NULL)
		fprintf(c->out, "matched: %s (record of %s)\n", r->matched,
		    r->matched_domain);
	if (r->problem != NULL)
		fprintf(c->out, "problem: %s\n", r->problem);
	if (r->explanation != NULL)
		fprintf(c->out, "explanation: %s\n", r->explanation);
	fprintf(c->out, "lookups: %u of %d, void lookups: %u of %d\n",
	    r->lookups, SPF_LOOKUP_MAX, r->voids, SPF_VOID_MAX);
	fprintf(c->out, "Received-SPF: %s\n", spf_received_spf(a, r));
	fprintf(c->out, "Authentication-Results: %s\n", spf_authres(a, r));
	if (explain)
		print_trace(c, a, r);
}

int
cmd_spf(struct cli *c, int argc, char **argv)
{
	struct spf_query q;
	struct spf_result *r;
	struct spf_ctx *ctx;
	struct dns_resolver *res;
	struct arena *a;
	const char *ip = NULL, *why;
	int i, explain = 0, rc;

	memset(&q, 0, sizeof(q));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char **dst = strcmp(o, "--ip") == 0 ? &ip :
		    strcmp(o, "--sender") == 0 ? &q.sender :
		    strcmp(o, "--helo") == 0 ? &q.helo :
		    strcmp(o, "--receiver") == 0 ? &q.receiver : NULL;

		if (cli_is_help(o)) {
			spf_usage(c->out);
			return CLI_OK;
		} else if (strcmp(o, "--explain") == 0)
			explain = 1;
		else if (strcmp(o, "--helo-identity") == 0)
			q.identity = SPF_ID_HELO;
		else if (dst != NULL && i + 1 < argc)
			*dst = argv[++i];
		else {
			fprintf(c->err, "mxwarden: spf: %s \"%s\"; see "
			    "mxwarden spf --help\n", dst != NULL ?
			    "missing value for" : "unknown argument", o);
			return CLI_USAGE;
		}
	}
	if (ip == NULL || spf_query_set_ip(&q, ip) == -1) {
		fprintf(c->err, "mxwarden: spf: %s\n", ip == NULL ?
		    "--ip is required" : "--ip is not an IPv4 or IPv6 address");
		return CLI_USAGE;
	}
	if ((q.sender == NULL || q.identity == SPF_ID_HELO) &&
	    (q.helo == NULL || q.helo[0] == '\0')) {
		fprintf(c->err, "mxwarden: spf: give --sender, or --helo for "
		    "the HELO identity\n");
		return CLI_USAGE;
	}
	if ((res = cli_resolver(c)) == NULL)
		return CLI_USAGE;	/* cli_resolver() said why */
	q.flags = explain || c->json ? SPF_Q_TRACE : 0;
	ctx = spf_ctx_new(res, NULL);
	a = arena_new();
	rc = CLI_OK;
	if (spf_check(ctx, &q, a, &r, &why) == -1) {
		fprintf(c->err, "mxwarden: spf: %s\n", why);
		rc = CLI_INTERNAL;
	} else if (c->json)
		rc = print_json(c, a, r);
	else
		print_text(c, a, r, explain);
	arena_free(&a);
	spf_ctx_free(&ctx);
	return rc;
}
