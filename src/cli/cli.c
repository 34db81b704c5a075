/*
 * Global option parsing and command dispatch.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "dns/dns.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"

static const struct cli_cmd cli_cmds[] = {
	{ "arc", cmd_arc, "verify the ARC chain of a message" },
	{ "check", cmd_check, "audit the mail posture of a domain" },
	{ "config", cmd_config, "check or print the configuration" },
	{ "dkim", cmd_dkim, "verify, sign, make and test DKIM keys" },
	{ "dmarc", cmd_dmarc, "show a domain's DMARC policy, check a message" },
	{ "dns", cmd_dns, "look up DNS records through mxwarden's resolver" },
	{ "greylist", cmd_greylist, "list, allow or remove greylist entries" },
	{ "limits", cmd_limits, "sending limits and frozen senders" },
	{ "milter", cmd_milter, "run the mail filter daemon for Postfix" },
	{ "rules", cmd_rules, "check, count and test content rules" },
	{ "spf", cmd_spf, "evaluate and explain SPF for a client and sender" },
	{ "scan", cmd_scan, "run messages through the pipeline" },
	{ "store", cmd_store, "inspect the state store (stats, dump)" },
};
#define NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: mxwarden [global options] COMMAND [options] [args]\n"
	    "\n"
	    "Global options (before or after the command name):\n"
	    "  -c FILE               configuration file (default: built-in)\n"
	    "  --dns-server ADDR[@PORT]  DNS server to ask (repeatable;\n"
	    "                        default: the system resolver)\n"
	    "  --dns-zone FILE       answer only from this zone file\n"
	    "                        (repeatable); other names are NXDOMAIN\n"
	    "  --dns-overlay FILE    answer from the zone file first, then\n"
	    "                        from real DNS (repeatable)\n"
	    "  --now UNIXTIME        the clock signatures, greylisting and\n"
	    "                        reports see\n"
	    "  --json                machine-readable output (docs/json.md)\n"
	    "  -v                    more detail; repeat for debug logs\n"
	    "  -h, --help            this help; COMMAND --help for a command\n"
	    "  --version             print the version\n"
	    "\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cli_cmds[i].name,
		    cli_cmds[i].summary);
	fprintf(f,
	    "\nExamples:\n"
	    "  mxwarden dns lookup example.com MX\n"
	    "  mxwarden --dns-zone test.zone dns lookup _dmarc.example.com "
	    "TXT\n"
	    "  mxwarden config check -c /etc/mxwarden/mxwarden.conf\n"
	    "\nExit status: 0 the command ran (whatever the verdict), "
	    "2 usage or input\nerror, 1 internal error.\n");
}

int
cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int
add_list(struct cli *c, const char **list, size_t *n, const char *opt,
    const char *val)
{
	if (*n >= CLI_LIST_MAX) {
		fprintf(c->err, "mxwarden: too many %s options (max %d)\n",
		    opt, CLI_LIST_MAX);
		return -1;
	}
	list[(*n)++] = val;
	return 0;
}

/*
 * Take one global option at argv[*i] if it is one. Returns 1 if taken
 * (and advances *i past its value), 0 if not a global option, -1 on error.
 */
static int
take_global(struct cli *c, int argc, char **argv, int *i)
{
	const char *o = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	int has_val = strcmp(o, "-c") == 0 || strcmp(o, "--dns-server") == 0 ||
	    strcmp(o, "--dns-zone") == 0 || strcmp(o, "--dns-overlay") == 0 ||
	    strcmp(o, "--now") == 0;
	unsigned long long t;

	if (strcmp(o, "--json") == 0) {
		c->json = 1;
		return 1;
	}
	if (strcmp(o, "-v") == 0 || strcmp(o, "-vv") == 0) {
		c->verbose += o[2] == 'v' ? 2 : 1;
		return 1;
	}
	if (!has_val)
		return 0;
	if (v == NULL) {
		fprintf(c->err, "mxwarden: %s needs a value\n", o);
		return -1;
	}
	(*i)++;
	if (strcmp(o, "-c") == 0)
		c->config_path = v;
	else if (strcmp(o, "--dns-server") == 0)
		return add_list(c, c->dns_server, &c->ndns_server, o, v) == 0 ?
		    1 : -1;
	else if (strcmp(o, "--dns-zone") == 0)
		return add_list(c, c->dns_zone, &c->ndns_zone, o, v) == 0 ?
		    1 : -1;
	else if (strcmp(o, "--dns-overlay") == 0)
		return add_list(c, c->dns_overlay, &c->ndns_overlay, o, v) ==
		    0 ? 1 : -1;
	else {
		if (str_to_ull(v, (unsigned long long)1 << 40, &t) == -1 ||
		    t == 0) {
			fprintf(c->err, "mxwarden: --now wants seconds since "
			    "the epoch, got \"%s\"\n", v);
			return -1;
		}
		c->now = (time_t)t;
	}
	return 1;
}

static void
cli_cleanup(struct cli *c)
{
	dns_resolver_free(&c->res);
	conf_free(&c->conf);
}

int
cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct cli c;
	const struct cli_cmd *cmd = NULL;
	char **rest;
	int i, nrest = 0, rc, r;
	size_t k;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.err = err;
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (rest == NULL)
		return CLI_INTERNAL;
	for (i = 1; i < argc; i++) {
		if ((r = take_global(&c, argc, argv, &i)) == -1) {
			free(rest);
			return CLI_USAGE;
		}
		if (r == 0)
			rest[nrest++] = argv[i];
	}
	if (nrest > 0 && strcmp(rest[0], "--version") == 0) {
		fprintf(out, "mxwarden %s\n", MXW_VERSION);
		free(rest);
		return CLI_OK;
	}
	if (nrest == 0 || cli_is_help(rest[0])) {
		usage(nrest == 0 ? err : out);
		free(rest);
		return nrest == 0 ? CLI_USAGE : CLI_OK;
	}
	for (k = 0; k < NCMDS; k++)
		if (strcmp(rest[0], cli_cmds[k].name) == 0)
			cmd = &cli_cmds[k];
	if (cmd == NULL) {
		fprintf(err, "mxwarden: unknown command \"%s\"; "
		    "see mxwarden --help\n", rest[0]);
		free(rest);
		return CLI_USAGE;
	}
	log_init("mxwarden", 0, c.verbose >= 2 ? LOG_L_DEBUG : LOG_L_WARN);
	if (c.now != 0)
		clock_set(c.now);
	rc = cmd->run(&c, nrest, rest);
	cli_cleanup(&c);
	free(rest);
	return rc;
}

static struct dns_zone *
load_zones(struct cli *c, const char **paths, size_t n)
{
	struct dns_zone *z = dns_zone_new();
	const char *why;
	size_t i;

	for (i = 0; i < n; i++)
		if (dns_zone_load(z, paths[i], &why) == -1) {
			fprintf(c->err, "mxwarden: %s\n", why);
			dns_zone_free(&z);
			return NULL;
		}
	return z;
}

struct dns_resolver *
cli_resolver(struct cli *c)
{
	struct dns_ub_opts o;
	struct dns_resolver *up;
	struct dns_zone *z;
	const char *why;

	if (c->res != NULL)
		return c->res;
	if (c->ndns_zone > 0) {
		if ((z = load_zones(c, c->dns_zone, c->ndns_zone)) == NULL)
			return NULL;
		c->res = dns_zone_resolver(z);
		return c->res;
	}
	memset(&o, 0, sizeof(o));
	o.servers = c->dns_server;
	o.nservers = c->ndns_server;
	o.use_root_anchor = 1;
	o.allow_special = c->ndns_server > 0;
	if ((up = dns_ub_new(&o, &why)) == NULL) {
		fprintf(c->err, "mxwarden: resolver: %s\n", why);
		return NULL;
	}
	if (c->ndns_overlay > 0) {
		z = load_zones(c, c->dns_overlay, c->ndns_overlay);
		if (z == NULL) {
			dns_resolver_free(&up);
			return NULL;
		}
		c->res = dns_overlay_resolver(z, up);
	} else
		c->res = up;
	return c->res;
}
