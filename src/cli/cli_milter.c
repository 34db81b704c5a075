/*
 * `mxwarden milter`: start the filter daemon (src/milter). Options here
 * override the milter section of the configuration; the global options
 * choose the configuration file and the resolver (--dns-zone makes an
 * offline daemon for tests).
 */
#include <string.h>

#include "cli/cli.h"
#include "milter/milter.h"

static void
milter_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [-c FILE] milter [--socket SPEC] [--foreground]\n"
	    "                [--pidfile FILE] [--user USER]\n"
	    "\n"
	    "Run the mail filter that Postfix or Sendmail calls (libmilter).\n"
	    "Without -c it runs on built-in defaults: socket\n"
	    "inet:11332@127.0.0.1, tempfail on internal errors.\n"
	    "\n"
	    "  --socket SPEC    inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH\n"
	    "                   (default: milter.socket)\n"
	    "  -f, --foreground stay in the foreground and log to stderr\n"
	    "                   (for systemd and testing); no pid file\n"
	    "                   unless --pidfile is given\n"
	    "  --pidfile FILE   write the process id here (default when\n"
	    "                   daemonising: milter.pidfile)\n"
	    "  --user USER      user to run as once the socket is open, when\n"
	    "                   started as root (default: milter.user)\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration (an invalid file\n"
	    "keeps the running one); SIGTERM stops accepting and finishes the\n"
	    "messages in flight.\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden milter --foreground\n"
	    "  mxwarden -c /etc/mxwarden/mxwarden.conf milter\n"
	    "  mxwarden milter -f --socket unix:/run/mxwarden/milter.sock\n"
	    "  mxwarden --dns-zone test.zone milter -f --socket "
	    "inet:8891@127.0.0.1\n"
	    "\n"
	    "Postfix main.cf: smtpd_milters = inet:127.0.0.1:11332\n"
	    "(docs/milter.md has the full Postfix and Sendmail setup).\n");
}

static struct dns_resolver *
milter_resolver(void *arg)
{
	return cli_resolver(arg);
}

int
cmd_milter(struct cli *c, int argc, char **argv)
{
	struct mlt_opts o;
	const char *why = NULL;
	int i;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (cli_is_help(a)) {
			milter_usage(c->out);
			return CLI_OK;
		}
		if (strcmp(a, "-f") == 0 || strcmp(a, "--foreground") == 0) {
			o.foreground = 1;
			continue;
		}
		if (v == NULL || (strcmp(a, "--socket") != 0 &&
		    strcmp(a, "--pidfile") != 0 && strcmp(a, "--user") != 0)) {
			fprintf(c->err, "mxwarden: milter: %s \"%s\"; see "
			    "mxwarden milter --help\n", v == NULL &&
			    a[0] == '-' ? "missing value or unknown option" :
			    "unknown argument", a);
			return CLI_USAGE;
		}
		if (strcmp(a, "--socket") == 0)
			o.socket = v;
		else if (strcmp(a, "--pidfile") == 0)
			o.pidfile = v;
		else
			o.user = v;
		i++;
	}
	o.config_path = c->config_path;
	o.verbose = c->verbose;
	o.err = c->err;
	o.resolver = milter_resolver;
	o.resolver_arg = c;
	if (mlt_run(&o, &why) == -1) {
		fprintf(c->err, "mxwarden: milter: %s\n", why);
		return CLI_USAGE;
	}
	return CLI_OK;
}
