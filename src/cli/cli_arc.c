/*
 * `mxwarden arc verify [FILE]`: the ARC chain validation status of a
 * message (RFC 8617 section 5.2) with the reason, and one line per ARC
 * set; --json prints one object (docs/json.md).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "cli/cli.h"
#include "conf/conf.h"
#include "lib/arena.h"
#include "mail/msg.h"

#define ARC_JSON_SCHEMA	1

static void
arc_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] arc verify [FILE]\n"
	    "\n"
	    "Validate the ARC chain of a message (standard input without\n"
	    "FILE). The first line is the chain status cv (pass, fail or\n"
	    "none) followed by the reason; then one line per ARC set with\n"
	    "its instance, sealer, cv and whether its seal and message\n"
	    "signature verified. Keys come from DNS (or --dns-zone).\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden arc verify message.eml\n"
	    "  mxwarden --dns-zone keys.zone --json arc verify < msg.eml\n");
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "-";
}

static const char *
tri(int v)
{
	return v < 0 ? "unchecked" : v ? "valid" : "invalid";
}

static void
arc_print_json(struct cli *c, const struct arc_result *r)
{
	json_t *o = json_object(), *sets = json_array(), *x;
	char *s;
	size_t k;

	json_object_set_new(o, "schema_version", json_integer(ARC_JSON_SCHEMA));
	json_object_set_new(o, "cv", json_string(arc_cv_str(r->cv)));
	json_object_set_new(o, "reason", json_string(r->reason));
	json_object_set_new(o, "instances", json_integer(r->n));
	json_object_set_new(o, "oldest_pass", json_integer(r->oldest_pass));
	for (k = 0; k < r->nset; k++) {
		x = json_object();
		json_object_set_new(x, "i", json_integer(r->set[k].i));
		json_object_set_new(x, "d", r->set[k].seal_d != NULL ?
		    json_string(r->set[k].seal_d) : json_null());
		json_object_set_new(x, "s", r->set[k].seal_s != NULL ?
		    json_string(r->set[k].seal_s) : json_null());
		json_object_set_new(x, "cv", r->set[k].cv != NULL ?
		    json_string(r->set[k].cv) : json_null());
		json_object_set_new(x, "seal", json_string(
		    tri(r->set[k].is_seal_valid)));
		json_object_set_new(x, "ams", json_string(
		    tri(r->set[k].is_ams_valid)));
		json_array_append_new(sets, x);
	}
	json_object_set_new(o, "sets", sets);
	s = json_dumps(o, JSON_INDENT(2));
	fprintf(c->out, "%s\n", s != NULL ? s : "{}");
	free(s);
	json_decref(o);
}

int
cmd_arc(struct cli *c, int argc, char **argv)
{
	struct dns_resolver *res;
	struct arc_result *r;
	struct dkim_opts o;
	struct arena *a;
	struct conf *conf;
	struct msg *m;
	const char *why, *path;
	int trunc;
	size_t k;

	if (argc >= 2 && cli_is_help(argv[1])) {
		arc_usage(c->out);
		return CLI_OK;
	}
	if (argc < 2 || strcmp(argv[1], "verify") != 0 || argc > 3 ||
	    (argc == 3 && cli_is_help(argv[2]))) {
		if (argc == 3 && cli_is_help(argv[2])) {
			arc_usage(c->out);
			return CLI_OK;
		}
		arc_usage(c->err);
		return CLI_USAGE;
	}
	path = argc == 3 ? argv[2] : "-";
	if ((conf = cli_conf(c)) == NULL || (res = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	dkim_opts_default(&o);
	o.min_rsa_bits = (unsigned)conf_int(conf, "dkim.min_rsa_bits");
	a = arena_new();
	if (msg_read_file(a, path, 0, &m, &trunc, &why) == -1) {
		fprintf(c->err, "mxwarden arc: %s\n", why);
		arena_free(&a);
		return CLI_USAGE;
	}
	if (arc_verify(&o, m, res, a, &r, &why) == -1) {
		fprintf(c->err, "mxwarden arc: %s\n", why);
		arena_free(&a);
		return CLI_INTERNAL;
	}
	if (c->json)
		arc_print_json(c, r);
	else {
		fprintf(c->out, "%s %s\n", arc_cv_str(r->cv), r->reason);
		for (k = 0; k < r->nset; k++)
			fprintf(c->out, "i=%u d=%s s=%s cv=%s seal=%s ams=%s\n",
			    r->set[k].i, nz(r->set[k].seal_d),
			    nz(r->set[k].seal_s), nz(r->set[k].cv),
			    tri(r->set[k].is_seal_valid),
			    tri(r->set[k].is_ams_valid));
		if (r->oldest_pass > 0)
			fprintf(c->out, "oldest-pass=%u\n", r->oldest_pass);
	}
	arena_free(&a);
	return CLI_OK;
}
