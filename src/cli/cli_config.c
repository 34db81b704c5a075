/*
 * `mxwarden config check` and `mxwarden config show`: validate a
 * configuration file and report every error with its file and line, or
 * print the effective configuration with each setting documented
 * (DESIGN.md section 4). Also cli_conf(), which loads the configuration
 * for the other commands. The JSON of `config check --json` is
 * described in docs/json.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"

#define CONFIG_JSON_SCHEMA	1

static void
config_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [-c FILE] config check [--json] [FILE]\n"
	    "       mxwarden [-c FILE] config show [--reference] [FILE]\n"
	    "\n"
	    "check   Read the configuration (FILE, else -c FILE) and report\n"
	    "        every problem as FILE:LINE: message: syntax errors,\n"
	    "        unknown settings (with a suggestion), wrong types,\n"
	    "        values out of range, unknown words, bad addresses and\n"
	    "        paths.\n"
	    "        Without a file the built-in defaults are checked.\n"
	    "show    Print the effective configuration: every setting with\n"
	    "        its description, type and default as comments, and the\n"
	    "        value from the file or the default. Without a file this\n"
	    "        is the documented sample configuration. --reference\n"
	    "        prints the table of all settings in Markdown instead.\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden config check -c /etc/mxwarden/mxwarden.conf\n"
	    "  mxwarden config check --json /etc/mxwarden/mxwarden.conf\n"
	    "  mxwarden config show > mxwarden.conf.sample\n"
	    "  mxwarden config show --reference > settings.md\n"
	    "  mxwarden -c /etc/mxwarden/mxwarden.conf config show | less\n"
	    "\n"
	    "Exit status: 0 valid (check) or printed (show), 2 invalid\n"
	    "configuration or usage error, 1 internal error.\n");
}

/* Print errors as FILE:LINE: message, as compilers do. */
static void
print_errors(FILE *f, const struct conf_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		fprintf(f, "%s", e->v[i].file != NULL ? e->v[i].file :
		    "(config)");
		if (e->v[i].line > 0)
			fprintf(f, ":%u", e->v[i].line);
		fprintf(f, ": %s\n", e->v[i].msg);
	}
	if (e->ndropped > 0)
		fprintf(f, "... and %zu more errors\n", e->ndropped);
}

struct conf *
cli_conf(struct cli *c)
{
	struct conf_errors *e = NULL;

	if (c->conf != NULL)
		return c->conf;
	if (c->config_path == NULL) {
		c->conf = conf_defaults();
		return c->conf;
	}
	if ((c->conf = conf_load_file(c->config_path, &e)) == NULL) {
		fprintf(c->err, "mxwarden: invalid configuration:\n");
		print_errors(c->err, e);
	}
	conf_errors_free(&e);
	return c->conf;
}

static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	/* File names and messages should be UTF-8; if not, say so. */
	if ((j = json_string(s)) == NULL)
		j = json_string("(not UTF-8)");
	return j;
}

static int
check_json(struct cli *c, const char *path, const struct conf_errors *e)
{
	json_t *o = json_object(), *errs = json_array(), *x;
	size_t i;
	int rc;

	json_object_set_new(o, "schema_version",
	    json_integer(CONFIG_JSON_SCHEMA));
	json_object_set_new(o, "file", jstr(path));
	json_object_set_new(o, "valid", json_boolean(e->n == 0));
	for (i = 0; i < e->n; i++) {
		x = json_object();
		json_object_set_new(x, "file", jstr(e->v[i].file));
		json_object_set_new(x, "line", e->v[i].line > 0 ?
		    json_integer(e->v[i].line) : json_null());
		json_object_set_new(x, "message", jstr(e->v[i].msg));
		json_array_append_new(errs, x);
	}
	json_object_set_new(o, "errors", errs);
	json_object_set_new(o, "errors_not_shown",
	    json_integer((json_int_t)e->ndropped));
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	return rc == 0 ? 0 : -1;
}

/* Load path, or the defaults if NULL; *e_r gets the errors. */
static struct conf *
load(const char *path, struct conf_errors **e_r)
{
	if (path != NULL)
		return conf_load_file(path, e_r);
	*e_r = NULL;
	return conf_defaults();
}

static int
config_check(struct cli *c, const char *path)
{
	struct conf_errors *e = NULL, none;
	struct conf *conf = load(path, &e);
	int rc = conf != NULL ? CLI_OK : CLI_USAGE;

	if (e == NULL) {
		memset(&none, 0, sizeof(none));
		if (c->json && check_json(c, path, &none) == -1)
			rc = CLI_INTERNAL;
	} else if (c->json) {
		if (check_json(c, path, e) == -1)
			rc = CLI_INTERNAL;
	} else if (conf == NULL) {
		print_errors(c->err, e);
		fprintf(c->err, "%s: invalid (%zu error%s)\n", path,
		    e->n + e->ndropped, e->n + e->ndropped == 1 ? "" : "s");
	}
	if (!c->json && conf != NULL)
		fprintf(c->out, "%s: valid\n", path != NULL ? path :
		    "built-in defaults (no -c FILE given)");
	conf_free(&conf);
	conf_errors_free(&e);
	return rc;
}

static int
config_show(struct cli *c, const char *path)
{
	struct conf_errors *e = NULL;
	struct conf *conf = load(path, &e);
	int rc = CLI_OK;

	if (conf == NULL) {
		print_errors(c->err, e);
		conf_errors_free(&e);
		return CLI_USAGE;
	}
	if (conf_show(conf, c->out) == -1) {
		fprintf(c->err, "mxwarden: config show: write error\n");
		rc = CLI_INTERNAL;
	}
	conf_free(&conf);
	conf_errors_free(&e);
	return rc;
}

int
cmd_config(struct cli *c, int argc, char **argv)
{
	const char *path = c->config_path;
	int i, reference = 0, npos = 0;

	for (i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			config_usage(c->out);
			return CLI_OK;
		}
	if (argc < 2) {
		config_usage(c->err);
		return CLI_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--reference") == 0 &&
		    strcmp(argv[1], "show") == 0)
			reference = 1;
		else if (argv[i][0] == '-') {
			fprintf(c->err, "mxwarden config: unknown option "
			    "\"%s\"\n", argv[i]);
			return CLI_USAGE;
		} else if (npos++ == 0)
			path = argv[i];
		else {
			config_usage(c->err);
			return CLI_USAGE;
		}
	}
	if (strcmp(argv[1], "check") == 0)
		return config_check(c, path);
	if (strcmp(argv[1], "show") == 0 && reference)
		return conf_reference(c->out) == 0 ? CLI_OK : CLI_INTERNAL;
	if (strcmp(argv[1], "show") == 0)
		return config_show(c, path);
	fprintf(c->err, "mxwarden config: unknown subcommand \"%s\"; "
	    "see mxwarden config --help\n", argv[1]);
	return CLI_USAGE;
}
