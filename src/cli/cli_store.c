/*
 * `mxwarden store stats|dump`: look inside the state store (greylisting,
 * rate limits, learned correspondents, report counters) without changing
 * it. The store is opened for inspection only: nothing is created, and a
 * missing store is an input error. Keys and values are untrusted bytes
 * (they come from mail), so they are printed escaped: printable ASCII as
 * is, anything else (and space, quotes, backslash) as \xHH. docs/store.md
 * describes the store, docs/json.md the --json output.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "store/store.h"

#define STORE_JSON_SCHEMA	1
#define STORE_SHOW_MAX		4096	/* value bytes shown per entry */

static void
store_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] store stats [--path DIR]\n"
	    "       mxwarden [global options] store dump [PREFIX] [--path DIR]"
	    "\n"
	    "\n"
	    "Inspect the state store without changing it.\n"
	    "  stats   entries, bytes used, map size, file size, reader slots\n"
	    "  dump    one line per live key starting with PREFIX (default:\n"
	    "          all), in byte order: KEY TTL VALUE, where TTL is the\n"
	    "          seconds left or \"-\" for none. Bytes other than\n"
	    "          printable ASCII (and space, quotes, backslash) print\n"
	    "          as \\xHH; values are cut at 4096 bytes with \"...\".\n"
	    "\n"
	    "  --path DIR  the store: a directory or lmdb:/DIR\n"
	    "              (default " STORE_PATH_DEFAULT ")\n"
	    "  --json      one JSON object (docs/json.md)\n"
	    "  --now T     judge expiry at UNIX time T\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden store stats\n"
	    "  mxwarden store dump grey: --path /var/lib/mxwarden/store\n"
	    "  mxwarden --json store dump rl:\n"
	    "  mxwarden --now 1700000000 store dump\n"
	    "\n"
	    "Exit status: 0 ran, 2 usage error or no store at the path,\n"
	    "1 internal error (a damaged store).\n");
}

static int
store_open_cli(struct cli *c, const char *path, struct store **s_r)
{
	const char *why;

	if ((*s_r = store_open_existing(path, &why)) == NULL) {
		fprintf(c->err, "mxwarden: %s\n", why);
		return strstr(why, "no store at") != NULL ? CLI_USAGE :
		    CLI_INTERNAL;
	}
	return CLI_OK;
}

static int
store_stats_cmd(struct cli *c, const char *path)
{
	struct store_stats st;
	struct store *s;
	const char *why;
	json_t *o;
	int rc;

	if ((rc = store_open_cli(c, path, &s)) != CLI_OK)
		return rc;
	if (store_stats(s, &st, &why) == -1) {
		fprintf(c->err, "mxwarden: %s\n", why);
		store_close(&s);
		return CLI_INTERNAL;
	}
	store_close(&s);
	if (!c->json) {
		fprintf(c->out, "backend: %s\npath: %s\nentries: %llu\n"
		    "bytes_used: %llu\nmap_size: %llu\nfile_size: %llu\n"
		    "page_size: %u\nreaders: %u/%u\n", st.backend, path,
		    (unsigned long long)st.entries,
		    (unsigned long long)st.bytes_used,
		    (unsigned long long)st.map_size,
		    (unsigned long long)st.file_size, st.page_size,
		    st.readers_used, st.readers_max);
		return CLI_OK;
	}
	o = json_object();
	json_object_set_new(o, "schema_version",
	    json_integer(STORE_JSON_SCHEMA));
	json_object_set_new(o, "backend", json_string(st.backend));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "entries", json_integer((json_int_t)st.entries));
	json_object_set_new(o, "bytes_used",
	    json_integer((json_int_t)st.bytes_used));
	json_object_set_new(o, "map_size",
	    json_integer((json_int_t)st.map_size));
	json_object_set_new(o, "file_size",
	    json_integer((json_int_t)st.file_size));
	json_object_set_new(o, "page_size", json_integer(st.page_size));
	json_object_set_new(o, "readers_used", json_integer(st.readers_used));
	json_object_set_new(o, "readers_max", json_integer(st.readers_max));
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

struct dump_ctx {
	struct cli	*c;
	json_t		*entries;	/* --json */
};

static int
dump_fn(void *arg, const struct store_entry *e)
{
	struct dump_ctx *d = arg;
	struct arena *a = arena_new();
	const char *k, *v;
	json_t *o;

	/* log_safe escapes all but printable ASCII; no key is over 511. */
	k = log_safe(a, e->key, e->klen, STORE_KEY_MAX);
	v = log_safe(a, e->val, e->vlen, STORE_SHOW_MAX);
	if (d->entries == NULL) {
		if (e->ttl == 0)
			fprintf(d->c->out, "%s - %s\n", k, v);
		else
			fprintf(d->c->out, "%s %u %s\n", k, e->ttl, v);
	} else {
		o = json_object();
		json_object_set_new(o, "key", json_string(k));
		json_object_set_new(o, "ttl", e->ttl == 0 ? json_null() :
		    json_integer(e->ttl));
		json_object_set_new(o, "value", json_string(v));
		json_object_set_new(o, "bytes", json_integer(
		    (json_int_t)e->vlen));
		json_array_append_new(d->entries, o);
	}
	arena_free(&a);
	return 0;
}

static int
store_dump_cmd(struct cli *c, const char *path, const char *prefix)
{
	struct dump_ctx d = { c, NULL };
	struct arena *a;
	struct store *s;
	const char *why;
	json_t *o = NULL;
	int rc;

	if (strlen(prefix) > STORE_KEY_MAX) {
		fprintf(c->err, "mxwarden: store dump: prefix over %d bytes\n",
		    STORE_KEY_MAX);
		return CLI_USAGE;
	}
	if ((rc = store_open_cli(c, path, &s)) != CLI_OK)
		return rc;
	if (c->json)
		d.entries = json_array();
	if (store_scan(s, prefix, strlen(prefix), dump_fn, &d, &why) == -1) {
		fprintf(c->err, "mxwarden: %s\n", why);
		json_decref(d.entries);
		store_close(&s);
		return CLI_INTERNAL;
	}
	store_close(&s);
	if (!c->json)
		return CLI_OK;
	o = json_object();
	json_object_set_new(o, "schema_version",
	    json_integer(STORE_JSON_SCHEMA));
	json_object_set_new(o, "path", json_string(path));
	a = arena_new();
	json_object_set_new(o, "prefix", json_string(log_safe(a, prefix,
	    strlen(prefix), STORE_KEY_MAX)));
	json_object_set_new(o, "entries", d.entries);
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	arena_free(&a);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

int
cmd_store(struct cli *c, int argc, char **argv)
{
	const char *path = STORE_PATH_DEFAULT, *sub, *prefix = NULL;
	int i;

	for (i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			store_usage(c->out);
			return CLI_OK;
		}
	if (argc < 2) {
		store_usage(c->err);
		return CLI_USAGE;
	}
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(c->err, "mxwarden: store: unknown option "
			    "\"%s\" (or missing value)\n", argv[i]);
			return CLI_USAGE;
		} else if (prefix == NULL && strcmp(sub, "dump") == 0)
			prefix = argv[i];
		else {
			fprintf(c->err, "mxwarden: store %s: unexpected "
			    "\"%s\"; see mxwarden store --help\n", sub,
			    argv[i]);
			return CLI_USAGE;
		}
	}
	if (strcmp(sub, "stats") == 0)
		return store_stats_cmd(c, path);
	if (strcmp(sub, "dump") == 0)
		return store_dump_cmd(c, path, prefix != NULL ? prefix : "");
	fprintf(c->err, "mxwarden: store: unknown subcommand \"%s\"; "
	    "see mxwarden store --help\n", sub);
	return CLI_USAGE;
}
