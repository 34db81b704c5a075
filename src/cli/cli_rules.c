/*
 * `mxwarden rules`: load rule files in the SpamAssassin syntax subset
 * (docs/rules.md) and report what loaded and what was skipped and why
 * (check, stats), or run them on messages (test). A DIR argument stands
 * for its *.cf files in name order, as SpamAssassin reads a rules
 * directory, so the stock rules load with
 * `mxwarden rules stats /usr/share/spamassassin`.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "filter/rules.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/xmalloc.h"
#include "mail/msg.h"

#define RULES_JSON_SCHEMA	1
#define RULES_FILES_MAX		10000
#define RULES_MSG_MAX		(10 * 1024 * 1024)

static void
rules_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] rules check [--no-default] "
	    "FILE|DIR...\n"
	    "       mxwarden [global options] rules stats [--no-default] "
	    "[FILE|DIR]...\n"
	    "       mxwarden [global options] rules test [--no-default] "
	    "[-r FILE|DIR]...\n"
	    "           [--scores] MESSAGE|DIR...\n"
	    "  (each also takes --cache-dir DIR: keep compiled databases\n"
	    "  there, as rules.cache_dir does for the milter and scan)\n"
	    "\n"
	    "Load content rules in SpamAssassin syntax (header, body,\n"
	    "rawbody, uri, full, meta, score, describe, tflags) into\n"
	    "Hyperscan. The built-in default set loads first unless\n"
	    "--no-default. A DIR stands for its *.cf files in name order.\n"
	    "\n"
	    "  check   load and compile; errors name file and line\n"
	    "  stats   rules loaded per type and engine, skipped per reason\n"
	    "  test    run the rules on messages: score and hits per message\n"
	    "          (--scores: one \"SCORE<TAB>PATH\" line per message)\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden rules check /etc/mxwarden/rules/local.cf\n"
	    "  mxwarden rules stats --no-default /usr/share/spamassassin\n"
	    "  mxwarden rules test -r /usr/share/spamassassin msg.eml\n"
	    "  mxwarden rules stats --cache-dir /var/cache/mxwarden/rules \\\n"
	    "      --no-default /usr/share/spamassassin\n"
	    "\nExit status: 0 ran, 2 usage or rule errors, 1 internal.\n");
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append path, or the *.cf files of a directory, to *v. */
static int
add_path(const char *path, const char *suffix, char ***v, size_t *n)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	size_t first = *n, l, sl = strlen(suffix);

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return -1;
		while ((de = readdir(d)) != NULL && *n < RULES_FILES_MAX) {
			l = strlen(de->d_name);
			if (de->d_name[0] == '.' || (sl > 0 && (l <= sl ||
			    strcmp(de->d_name + l - sl, suffix) != 0)))
				continue;
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			if (asprintf(&(*v)[*n], "%s/%s", path, de->d_name) <
			    0)
				abort();
			(*n)++;
		}
		closedir(d);
		qsort(*v + first, *n - first, sizeof(**v), str_cmp);
		return 0;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(path);
	return 0;
}

static void
free_paths(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static struct rules *
load(struct cli *c, int use_default, char **files, size_t nfiles,
    const char *cache)
{
	struct rules_src *src = xcalloc(rules_default_nsrc + nfiles + 1,
	    sizeof(*src));
	struct rules *r;
	size_t n = 0, i;
	char *why = NULL;

	if (use_default)
		for (i = 0; i < rules_default_nsrc; i++)
			src[n++] = rules_default_src[i];
	for (i = 0; i < nfiles; i++)
		src[n++].path = files[i];
	r = rules_load_cached(src, n, cache, &why);
	free(src);
	if (r == NULL) {
		fprintf(c->err, "rules: %s\n", why);
		free(why);
	}
	return r;
}

static void
print_stats(struct cli *c, const struct rules_stats *st, double secs)
{
	static const char *const tn[] = { "header", "body", "rawbody",
	    "uri", "full", "meta", "exists" };
	json_t *o, *ty, *rs, *x;
	size_t i;

	if (!c->json) {
		fprintf(c->out, "files %zu, rules defined %zu, loaded %zu, "
		    "skipped %zu (compiled in %.2fs)\n", st->files,
		    st->defined, st->loaded, st->skipped, secs);
		fprintf(c->out, "loaded by type:");
		for (i = 0; i < 7; i++)
			fprintf(c->out, " %s %zu", tn[i], st->by_type[i]);
		fprintf(c->out, "\nengines: hyperscan %zu, hyperscan "
		    "prefilter + pcre2 %zu, pcre2 only %zu; %zu databases "
		    "(%zu from cache)\n", st->hs, st->prefilter, st->pcre,
		    st->databases, st->cached);
		fprintf(c->out, "directives not acted on: %zu\n",
		    st->ignored_directives);
		fprintf(c->out, "skipped by reason:\n");
		for (i = 0; i < st->nreasons; i++)
			fprintf(c->out, "  %6zu  %s (e.g. %s)\n",
			    st->reasons[i].n, st->reasons[i].why,
			    st->reasons[i].example);
		return;
	}
	o = json_object();
	json_object_set_new(o, "schema_version",
	    json_integer(RULES_JSON_SCHEMA));
	json_object_set_new(o, "files", json_integer((json_int_t)st->files));
	json_object_set_new(o, "defined",
	    json_integer((json_int_t)st->defined));
	json_object_set_new(o, "loaded", json_integer((json_int_t)st->loaded));
	json_object_set_new(o, "skipped",
	    json_integer((json_int_t)st->skipped));
	ty = json_object();
	for (i = 0; i < 7; i++)
		json_object_set_new(ty, tn[i],
		    json_integer((json_int_t)st->by_type[i]));
	json_object_set_new(o, "by_type", ty);
	json_object_set_new(o, "hyperscan", json_integer((json_int_t)st->hs));
	json_object_set_new(o, "prefilter",
	    json_integer((json_int_t)st->prefilter));
	json_object_set_new(o, "pcre2", json_integer((json_int_t)st->pcre));
	json_object_set_new(o, "databases",
	    json_integer((json_int_t)st->databases));
	json_object_set_new(o, "databases_cached",
	    json_integer((json_int_t)st->cached));
	rs = json_array();
	for (i = 0; i < st->nreasons; i++) {
		x = json_object();
		json_object_set_new(x, "reason",
		    json_string(st->reasons[i].why));
		json_object_set_new(x, "count",
		    json_integer((json_int_t)st->reasons[i].n));
		json_object_set_new(x, "example",
		    json_string(st->reasons[i].example));
		json_array_append_new(rs, x);
	}
	json_object_set_new(o, "skipped_by_reason", rs);
	json_dumpf(o, c->out, JSON_INDENT(2));
	fputc('\n', c->out);
	json_decref(o);
}

static int
test_one(struct cli *c, const struct rules *r, const char *path,
    int scores_only)
{
	struct arena *a = arena_new();
	struct task *t = task_new(a, NULL, NULL, NULL);
	const char *why;
	int trunc, rc = 0;
	size_t i;

	if (msg_read_file(a, path, RULES_MSG_MAX, &t->msg, &trunc,
	    &why) == -1 || rules_check(r, t, &why) == -1) {
		fprintf(c->err, "rules: %s: %s\n", path, why);
		rc = -1;
	} else if (scores_only) {
		fprintf(c->out, "%.2f\t%s\n", t->score, path);
	} else {
		fprintf(c->out, "%s: score %.2f\n", path, t->score);
		for (i = 0; i < t->nsym; i++)
			fprintf(c->out, "  %-28s %7.2f  %s\n", t->sym[i].name,
			    t->sym[i].score, t->sym[i].reason);
		for (i = 0; i < t->nadd_hdr; i++)
			fprintf(c->out, "  header %s: %s\n",
			    t->add_hdr[i].name, t->add_hdr[i].value);
	}
	arena_free(&a);
	return rc;
}

int
cmd_rules(struct cli *c, int argc, char **argv)
{
	char **files = NULL, **msgs = NULL;
	size_t nfiles = 0, nmsgs = 0, i;
	int use_default = 1, scores = 0, rc = CLI_OK;
	const char *sub, *cache = NULL;
	struct rules *r;
	struct rules_stats st;
	uint64_t t0;

	if (argc < 2 || cli_is_help(argv[1])) {
		rules_usage(argc < 2 ? c->err : c->out);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "check") != 0 && strcmp(sub, "stats") != 0 &&
	    strcmp(sub, "test") != 0) {
		fprintf(c->err, "rules: unknown subcommand \"%s\"\n", sub);
		return CLI_USAGE;
	}
	for (i = 2; i < (size_t)argc; i++) {
		if (cli_is_help(argv[i])) {
			rules_usage(c->out);
			goto out;
		} else if (strcmp(argv[i], "--no-default") == 0)
			use_default = 0;
		else if (strcmp(argv[i], "--scores") == 0)
			scores = 1;
		else if (strcmp(argv[i], "--cache-dir") == 0 &&
		    i + 1 < (size_t)argc)
			cache = argv[++i];
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < (size_t)argc)
			add_path(argv[++i], ".cf", &files, &nfiles);
		else if (argv[i][0] == '-') {
			fprintf(c->err, "rules: unknown option %s\n", argv[i]);
			rc = CLI_USAGE;
			goto out;
		} else if (strcmp(sub, "test") == 0)
			add_path(argv[i], "", &msgs, &nmsgs);
		else
			add_path(argv[i], ".cf", &files, &nfiles);
	}
	if (strcmp(sub, "check") == 0 && nfiles == 0) {
		fprintf(c->err, "rules check: no FILE given\n");
		rc = CLI_USAGE;
		goto out;
	}
	t0 = clock_mono_us();
	if ((r = load(c, use_default, files, nfiles, cache)) == NULL) {
		rc = CLI_USAGE;
		goto out;
	}
	rules_stats(r, &st);
	if (strcmp(sub, "check") == 0 && !c->json)
		fprintf(c->out, "ok: %zu rules loaded, %zu skipped\n",
		    st.loaded, st.skipped);
	else if (strcmp(sub, "test") != 0)
		print_stats(c, &st, (double)(clock_mono_us() - t0) / 1e6);
	rules_stats_free(&st);
	for (i = 0; i < nmsgs; i++)
		if (test_one(c, r, msgs[i], scores) == -1)
			rc = CLI_USAGE;
	rules_free(&r);
out:
	free_paths(files, nfiles);
	free_paths(msgs, nmsgs);
	return rc;
}
