/*
 * `mxwarden greylist list|allow|remove`: the administrator's view of the
 * greylisting state in the store (src/filter/greylist.h has the keys):
 * the triplets waiting for a retry or passed, the allowed networks and
 * senders. Keys come from mail, so they are printed escaped as `store
 * dump` prints them (printable ASCII, else \xHH).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "filter/greylist.h"
#include "store/store.h"

#define GREY_JSON_SCHEMA	1

static void
greylist_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] greylist list [--path DIR]\n"
	    "       mxwarden [global options] greylist allow WHAT "
	    "[--for DURATION] [--path DIR]\n"
	    "       mxwarden [global options] greylist remove WHAT "
	    "[--path DIR]\n"
	    "\n"
	    "Look at and change the greylisting state in the store.\n"
	    "  list    one line per entry: waiting and passed triplets\n"
	    "          (client network, sender, recipient), allowed\n"
	    "          networks and senders, pass counters; TTL in seconds\n"
	    "  allow   never greylist WHAT: an IP address (its network, by\n"
	    "          greylist.ipv4_prefix/ipv6_prefix), a network as the\n"
	    "          list shows it (192.0.2.0/24), a sender address or\n"
	    "          @domain; --for limits it (default: for ever)\n"
	    "  remove  forget WHAT: its allow entry and, for a network,\n"
	    "          its triplets and pass counter\n"
	    "\n"
	    "  --path DIR  the store (default: store.path of the config)\n"
	    "  --json      list as JSON (docs/json.md)\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden greylist list\n"
	    "  mxwarden greylist allow 192.0.2.25 --for 30d\n"
	    "  mxwarden greylist allow @partner.example\n"
	    "  mxwarden greylist remove 192.0.2.0/24\n"
	    "\n"
	    "Exit status: 0 ran, 2 usage error or no store, 1 internal "
	    "error.\n");
}

static void
put_escaped(FILE *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch > ' ' && ch < 0x7f && ch != '\\' && ch != '"')
			fputc(ch, f);
		else
			fprintf(f, "\\x%02X", ch);
	}
}

struct list_ctx {
	struct cli	*c;
	json_t		*arr;
};

static int
list_one(void *arg, const struct store_entry *e)
{
	struct list_ctx *l = arg;
	static const char *const kinds[] = { "t:", "a:", "s:", "c:" };
	static const char *const names[] = { "triplet", "allow-net",
	    "allow-sender", "passes" };
	const char *k = e->key + 5;
	size_t i, n = e->klen - 5;
	json_t *o;

	for (i = 0; i < 4; i++)
		if (n > 2 && memcmp(k, kinds[i], 2) == 0)
			break;
	if (i == 4)
		return 0;
	if (l->arr != NULL) {
		o = json_object();
		json_object_set_new(o, "kind", json_string(names[i]));
		json_object_set_new(o, "key", json_stringn(k + 2, n - 2));
		json_object_set_new(o, "value", json_stringn(e->val,
		    e->vlen));
		json_object_set_new(o, "ttl", json_integer(e->ttl));
		json_array_append_new(l->arr, o);
		return 0;
	}
	fprintf(l->c->out, "%s ", names[i]);
	put_escaped(l->c->out, k + 2, n - 2);
	fputc(' ', l->c->out);
	put_escaped(l->c->out, e->val, e->vlen);
	if (e->ttl > 0)
		fprintf(l->c->out, " ttl=%u\n", e->ttl);
	else
		fprintf(l->c->out, " ttl=-\n");
	return 0;
}

static int
cmd_list(struct cli *c, struct store *s)
{
	struct list_ctx l = { c, c->json ? json_array() : NULL };
	const char *why;
	json_t *o;
	int rc;

	if (store_scan(s, "grey:", 5, list_one, &l, &why) == -1) {
		fprintf(c->err, "mxwarden: greylist: %s\n", why);
		json_decref(l.arr);
		return CLI_INTERNAL;
	}
	if (l.arr == NULL)
		return CLI_OK;
	o = json_object();
	json_object_set_new(o, "schema_version",
	    json_integer(GREY_JSON_SCHEMA));
	json_object_set_new(o, "entries", l.arr);
	rc = json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', c->out);
	json_decref(o);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

/* WHAT as the key text and whether it is a network. */
static int
what_key(struct cli *c, const struct grey_conf *g, const char *what,
    char *buf, size_t len, int *is_net_r)
{
	*is_net_r = 0;
	if (strchr(what, '@') != NULL) {
		snprintf(buf, len, "%s", what);
		return 0;
	}
	*is_net_r = 1;
	if (strchr(what, '/') != NULL) {
		snprintf(buf, len, "%s", what);
		return 0;
	}
	if (grey_net(g, what, buf, len) == 0)
		return 0;
	fprintf(c->err, "mxwarden: greylist: \"%s\" is not an address, "
	    "network, sender or @domain\n", what);
	return -1;
}

struct rm_ctx {
	struct store	*s;
	size_t		 n;
};

static int
rm_one(void *arg, const struct store_entry *e)
{
	struct rm_ctx *r = arg;
	const char *why;

	if (store_del(r->s, e->key, e->klen, &why) == 0)
		r->n++;
	return 0;
}

static int
cmd_change(struct cli *c, struct store *s, const struct grey_conf *g,
    const char *what, int allow, long long ttl)
{
	char key[GREY_KEY_MAX], k2[GREY_KEY_MAX + 16];
	struct rm_ctx r = { s, 0 };
	const char *why;
	int is_net;

	if (what_key(c, g, what, key, sizeof(key), &is_net) == -1)
		return CLI_USAGE;
	if (allow) {
		if (grey_allow(s, key, is_net, (uint32_t)ttl, &why) == -1) {
			fprintf(c->err, "mxwarden: greylist: %s\n", why);
			return CLI_INTERNAL;
		}
		fprintf(c->out, "allowed %s %s\n", is_net ? "network" :
		    "sender", key);
		return CLI_OK;
	}
	snprintf(k2, sizeof(k2), "grey:%s:%s", is_net ? "a" : "s", key);
	rm_one(&r, &(struct store_entry){ k2, strlen(k2), NULL, 0, 0 });
	if (is_net) {
		snprintf(k2, sizeof(k2), "grey:c:%s", key);
		rm_one(&r, &(struct store_entry){ k2, strlen(k2), NULL, 0, 0 });
		snprintf(k2, sizeof(k2), "grey:t:%s ", key);
		if (store_scan(s, k2, strlen(k2), rm_one, &r, &why) == -1) {
			fprintf(c->err, "mxwarden: greylist: %s\n", why);
			return CLI_INTERNAL;
		}
	}
	fprintf(c->out, "removed %zu entries for %s\n", r.n, key);
	return CLI_OK;
}

int
cmd_greylist(struct cli *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *path = NULL, *what = NULL;
	const char *why;
	struct conf *conf;
	struct grey_conf *g;
	struct store *s;
	long long ttl = 0;
	int i, rc;

	if (sub == NULL || cli_is_help(sub)) {
		greylist_usage(sub == NULL ? c->err : c->out);
		return sub == NULL ? CLI_USAGE : CLI_OK;
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (cli_is_help(a)) {
			greylist_usage(c->out);
			return CLI_OK;
		}
		if (strcmp(a, "--path") == 0 && v != NULL) {
			path = v;
			i++;
		} else if (strcmp(a, "--for") == 0 && v != NULL) {
			if (conf_parse_duration(v, &ttl) == -1 || ttl < 0 ||
			    ttl > 0xffffffffLL) {
				fprintf(c->err, "mxwarden: greylist: bad "
				    "duration \"%s\"\n", v);
				return CLI_USAGE;
			}
			i++;
		} else if (a[0] != '-' && what == NULL)
			what = a;
		else {
			fprintf(c->err, "mxwarden: greylist: unknown argument "
			    "\"%s\"; see mxwarden greylist --help\n", a);
			return CLI_USAGE;
		}
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "allow") != 0 &&
	    strcmp(sub, "remove") != 0) {
		fprintf(c->err, "mxwarden: greylist: unknown command \"%s\"; "
		    "see mxwarden greylist --help\n", sub);
		return CLI_USAGE;
	}
	if ((strcmp(sub, "list") == 0) != (what == NULL)) {
		fprintf(c->err, "mxwarden: greylist %s: %s\n", sub,
		    what == NULL ? "what to allow or remove?" :
		    "list takes no argument");
		return CLI_USAGE;
	}
	if ((conf = cli_conf(c)) == NULL)
		return CLI_USAGE;
	if (path == NULL)
		path = conf_str(conf, "store.path");
	s = strcmp(sub, "list") == 0 ? store_open_existing(path, &why) :
	    store_open(path, 0, &why);
	if (s == NULL) {
		fprintf(c->err, "mxwarden: greylist: %s\n", why);
		return strstr(why, "no store at") != NULL ? CLI_USAGE :
		    CLI_INTERNAL;
	}
	if ((g = grey_conf_new(conf, &why)) == NULL) {
		fprintf(c->err, "mxwarden: greylist: %s\n", why);
		store_close(&s);
		return CLI_USAGE;
	}
	if (strcmp(sub, "list") == 0)
		rc = cmd_list(c, s);
	else
		rc = cmd_change(c, s, g, what, strcmp(sub, "allow") == 0, ttl);
	grey_conf_free(&g);
	store_close(&s);
	return rc;
}
