/*
 * `mxwarden dmarc`: `record DOMAIN` shows the policy a From domain gets
 * by the RFC 9989 tree walk (or RFC 7489 with dmarc.rfc = "7489"): the
 * record found, where, the Organizational Domain and the queries made;
 * `check [FILE]` evaluates a message through the pipeline and prints the
 * DMARC result, the policy and the reason.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc.h"
#include "cli/cli.h"
#include "cli/cli_scan.h"
#include "conf/conf.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"

#define DMARC_JSON_SCHEMA	1

static void
dmarc_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] dmarc record DOMAIN\n"
	    "       mxwarden [global options] dmarc check [--ip IP] "
	    "[--helo NAME]\n"
	    "           [--sender ADDR] [FILE]\n"
	    "\n"
	    "record: discover the DMARC policy of DOMAIN by the DNS tree\n"
	    "walk of RFC 9989 (the public suffix list with dmarc.rfc =\n"
	    "\"7489\"): the policy domain, the record's tags, the\n"
	    "Organizational Domain and the number of queries.\n"
	    "check: evaluate a message (standard input without FILE) with\n"
	    "SPF, DKIM and ARC as `mxwarden scan` does and print the DMARC\n"
	    "result word first, then the policy, the policy applied and\n"
	    "the reason.\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden dmarc record example.com\n"
	    "  mxwarden --dns-zone test.zone dmarc record mail.example.org\n"
	    "  mxwarden dmarc check --ip 192.0.2.1 --sender a@example.com "
	    "msg.eml\n");
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static void
print_record(struct cli *c, const char *dom, const struct dmarc_discovery *d,
    unsigned nq)
{
	const struct dmarc_record *r = &d->rec;
	json_t *o;
	char *s;

	if (c->json) {
		o = json_object();
		json_object_set_new(o, "schema_version",
		    json_integer(DMARC_JSON_SCHEMA));
		json_object_set_new(o, "domain", json_string(dom));
		json_object_set_new(o, "found", json_boolean(d->is_found));
		json_object_set_new(o, "temperror",
		    json_boolean(d->is_temperror));
		json_object_set_new(o, "policy_domain", d->policy_domain ?
		    json_string(d->policy_domain) : json_null());
		json_object_set_new(o, "org_domain", d->org_domain ?
		    json_string(d->org_domain) : json_null());
		if (d->is_found) {
			json_object_set_new(o, "p",
			    json_string(dmarc_policy_str(r->p)));
			json_object_set_new(o, "sp", json_string(
			    dmarc_policy_str(r->has_sp ? r->sp : r->p)));
			json_object_set_new(o, "np", r->has_np ? json_string(
			    dmarc_policy_str(r->np)) : json_null());
			json_object_set_new(o, "adkim", json_string(
			    r->adkim == DMARC_ALIGN_STRICT ? "s" : "r"));
			json_object_set_new(o, "aspf", json_string(
			    r->aspf == DMARC_ALIGN_STRICT ? "s" : "r"));
			json_object_set_new(o, "psd", json_string(
			    r->psd == DMARC_PSD_Y ? "y" : r->psd ==
			    DMARC_PSD_N ? "n" : "u"));
			json_object_set_new(o, "t", json_boolean(
			    r->is_testing));
			json_object_set_new(o, "rua", r->rua != NULL ?
			    json_string(r->rua) : json_null());
			json_object_set_new(o, "warning", r->warn != NULL ?
			    json_string(r->warn) : json_null());
		}
		json_object_set_new(o, "queries", json_integer(nq));
		s = json_dumps(o, JSON_INDENT(2));
		fprintf(c->out, "%s\n", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
		return;
	}
	if (d->is_temperror) {
		fprintf(c->out, "temperror %s\n", nz(d->why));
		return;
	}
	if (!d->is_found) {
		fprintf(c->out, "none: no DMARC record for %s (%u queries)\n",
		    dom, nq);
		return;
	}
	fprintf(c->out, "policy %s (from _dmarc.%s)\n",
	    dmarc_policy_str(r->p), d->policy_domain);
	fprintf(c->out, "  sp=%s np=%s adkim=%s aspf=%s psd=%s t=%s\n",
	    dmarc_policy_str(r->has_sp ? r->sp : r->p),
	    r->has_np ? dmarc_policy_str(r->np) : "(sp)",
	    r->adkim == DMARC_ALIGN_STRICT ? "s" : "r",
	    r->aspf == DMARC_ALIGN_STRICT ? "s" : "r",
	    r->psd == DMARC_PSD_Y ? "y" : r->psd == DMARC_PSD_N ? "n" : "u",
	    r->is_testing ? "y" : "n");
	if (r->rua != NULL)
		fprintf(c->out, "  rua=%s\n", r->rua);
	if (r->warn != NULL)
		fprintf(c->out, "  warning: %s\n", r->warn);
	fprintf(c->out, "organizational domain: %s\nqueries: %u\n",
	    nz(d->org_domain), nq);
}

static int
dmarc_record(struct cli *c, const char *dom)
{
	struct dns_resolver *res;
	struct dmarc_discovery d;
	struct dmarc_ctx *x;
	struct conf *conf;
	struct arena *a;
	const char *why;

	if ((conf = cli_conf(c)) == NULL || (res = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	a = arena_new();
	x = dmarc_ctx_new(a, res, conf_enum(conf, "dmarc.rfc") == 1 ?
	    DMARC_RFC7489 : DMARC_RFC9989);
	if (dmarc_discover(x, dom, &d, &why) == -1) {
		fprintf(c->err, "mxwarden dmarc: %s\n", why);
		arena_free(&a);
		return CLI_INTERNAL;
	}
	print_record(c, dom, &d, dmarc_ctx_queries(x));
	arena_free(&a);
	return CLI_OK;
}

static int
dmarc_check(struct cli *c, int argc, char **argv)
{
	struct scan_env e;
	struct pipeline *p;
	struct dns_resolver *res;
	struct conf *conf;
	struct arena *a;
	struct task *t;
	const char *why, *path = "-";
	const struct dmarc_result *d;
	int i, rc = CLI_OK;

	memset(&e, 0, sizeof(e));
	for (i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			dmarc_usage(c->out);
			return CLI_OK;
		}
		if (i + 1 < argc && strcmp(argv[i], "--ip") == 0)
			e.ip = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--helo") == 0)
			e.helo = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--sender") == 0)
			e.sender = argv[++i];
		else if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)
			path = argv[i];
		else {
			dmarc_usage(c->err);
			return CLI_USAGE;
		}
	}
	if ((conf = cli_conf(c)) == NULL || (res = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	if ((p = pipeline_new(conf, res, NULL, &why)) == NULL) {
		fprintf(c->err, "mxwarden dmarc: %s\n", why);
		return CLI_INTERNAL;
	}
	a = arena_new();
	if (scan_one(p, &e, path, 0, a, &t, &why) == -1) {
		fprintf(c->err, "mxwarden dmarc: %s\n", why);
		rc = CLI_USAGE;
	} else if ((d = t->dmarc) == NULL)
		fprintf(c->out, "none (DMARC is disabled)\n");
	else
		fprintf(c->out, "%s policy=%s applied=%s%s%s domain=%s\n"
		    "reason: %s\n", dmarc_res_str(d->result),
		    dmarc_policy_str(d->policy), dmarc_policy_str(d->applied),
		    d->override != DMARC_OVR_NONE ? " override=" : "",
		    dmarc_override_str(d->override), nz(d->from_domain),
		    nz(d->reason));
	arena_free(&a);
	pipeline_free(&p);
	return rc;
}

int
cmd_dmarc(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && cli_is_help(argv[1])) {
		dmarc_usage(c->out);
		return CLI_OK;
	}
	if (argc == 3 && strcmp(argv[1], "record") == 0) {
		if (cli_is_help(argv[2])) {
			dmarc_usage(c->out);
			return CLI_OK;
		}
		return dmarc_record(c, argv[2]);
	}
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return dmarc_check(c, argc, argv);
	dmarc_usage(c->err);
	return CLI_USAGE;
}
