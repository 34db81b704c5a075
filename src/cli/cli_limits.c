/*
 * `mxwarden limits show|reset|release`: look at and manage the outbound
 * protection state in the store (docs/outbound.md): what is left of
 * each sending limit of a user, the learned hourly baseline, known
 * client networks, frozen accounts; reset a user's limits; release a
 * frozen account. The milter may run meanwhile: each change is one
 * store transaction. JSON output is described in docs/json.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "filter/limits.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store.h"

#define LIMITS_JSON_SCHEMA	1

static void
limits_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] limits show [USER] "
	    "[--path DIR]\n"
	    "       mxwarden [global options] limits reset USER [--path DIR]\n"
	    "       mxwarden [global options] limits release USER "
	    "[--path DIR]\n"
	    "\n"
	    "Sending limits and compromise detection of outbound mail.\n"
	    "  show     with USER: each limit with what is left of it now,\n"
	    "           the hourly baseline, known networks, frozen or not;\n"
	    "           without: frozen accounts, users with limit state and\n"
	    "           today's alert count\n"
	    "  reset    forget USER's limit state (full budget again)\n"
	    "  release  unfreeze USER: mail flows again\n"
	    "\n"
	    "  --path DIR  the store (default: store.path of the "
	    "configuration)\n"
	    "  --json      one JSON object (docs/json.md)\n"
	    "  --now T     judge at UNIX time T\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden limits show alice@example.com\n"
	    "  mxwarden --json limits show\n"
	    "  mxwarden limits release alice@example.com\n"
	    "  mxwarden -c /etc/mxwarden/mxwarden.conf limits reset "
	    "bob@example.com\n"
	    "\n"
	    "Exit status: 0 ran, 2 usage error or no store,"
	    " 1 internal error.\n");
}

static int
open_store(struct cli *c, const char *path, int is_rw, struct store **s_r)
{
	const char *why;

	*s_r = is_rw ? store_open(path, 0, &why) :
	    store_open_existing(path, &why);
	if (*s_r == NULL) {
		fprintf(c->err, "mxwarden: %s\n", why);
		return strstr(why, "no store at") != NULL ? CLI_USAGE :
		    CLI_INTERNAL;
	}
	return CLI_OK;
}

/* One user's limits, baseline and freeze into o (json) or c->out. */
static int
show_user(struct cli *c, struct store *s, const struct limits_conf *lc,
    const char *user, json_t *o)
{
	const struct limits_rates *r = limits_rates_for(lc, LIM_USER, user);
	struct buf k = BUF_INIT, v = BUF_INIT;
	struct outbound_state st;
	int64_t now = clock_now_us(), tat[LIM_NRATE] = { 0 };
	json_t *jl = json_array(), *x;
	const char *why;
	char net[64];
	size_t i;
	int rc = CLI_INTERNAL;

	limits_key(&k, LIM_USER, user);
	if (store_get(s, k.p, k.len, &v, NULL, &why) == -1)
		goto out;
	limits_tats_decode(v.p, v.len, tat);	/* binary or old text */
	if (o == NULL)
		fprintf(c->out, "user: %s\n", user);
	for (i = 0; i < LIM_NRATE; i++) {
		enum limits_per pe = (enum limits_per)(i % LIM_NPER);
		uint32_t left = limits_gcra_left(tat[i], now,
		    limits_period_us(pe), r->v[i]);
		const char *what = i < LIM_NPER ? "messages" : "recipients";

		if (o == NULL && r->v[i] == 0)
			fprintf(c->out, "  %s per %s: no limit\n", what,
			    limits_per_str(pe));
		else if (o == NULL)
			fprintf(c->out, "  %s per %s: %u left of %u\n", what,
			    limits_per_str(pe), left, r->v[i]);
		x = json_object();
		json_object_set_new(x, "unit", json_string(what));
		json_object_set_new(x, "per", json_string(limits_per_str(pe)));
		json_object_set_new(x, "limit", json_integer(r->v[i]));
		json_object_set_new(x, "left", r->v[i] == 0 ? json_null() :
		    json_integer(left));
		json_array_append_new(jl, x);
	}
	outbound_key_state(&k, user);
	if (store_get(s, k.p, k.len, &v, NULL, &why) == -1)
		goto out;
	outbound_state_parse(v.p, v.len, &st);
	outbound_key_frozen(&k, user);
	if ((rc = store_get(s, k.p, k.len, &v, NULL, &why)) == -1)
		goto out;
	if (o == NULL) {
		fprintf(c->out, "  hour count: %u\n  baseline per active hour: "
		    "%.1f (%u hours learned)\n  networks:", st.count,
		    st.baseline, st.hours);
		for (i = 0; i < st.nnets; i++) {
			outbound_net_str(&st.nets[i], net, sizeof(net));
			fprintf(c->out, " %s", net);
		}
		fprintf(c->out, "%s\n  frozen: %s\n", st.nnets == 0 ? " -" :
		    "", rc == 0 ? v.p : "no");
	} else {
		json_object_set_new(o, "user", json_string(user));
		json_object_set_new(o, "limits", jl);
		jl = NULL;
		json_object_set_new(o, "hour_count", json_integer(st.count));
		json_object_set_new(o, "baseline", json_real(st.baseline));
		json_object_set_new(o, "hours_learned",
		    json_integer(st.hours));
		x = json_array();
		for (i = 0; i < st.nnets; i++) {
			outbound_net_str(&st.nets[i], net, sizeof(net));
			json_array_append_new(x, json_string(net));
		}
		json_object_set_new(o, "networks", x);
		json_object_set_new(o, "frozen", rc == 0 ?
		    json_string(v.p) : json_false());
	}
	rc = CLI_OK;
out:
	if (rc == CLI_INTERNAL)
		fprintf(c->err, "mxwarden: %s\n", why);
	json_decref(jl);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

struct list_ctx {
	struct cli	*c;
	json_t		*arr;
	size_t		 skip;	/* prefix length */
};

static int
list_fn(void *arg, const struct store_entry *e)
{
	struct list_ctx *l = arg;
	struct arena *a = arena_new();
	const char *k = log_safe(a, e->key + l->skip, e->klen - l->skip, 254);

	if (l->arr != NULL)
		json_array_append_new(l->arr, json_string(k));
	else
		fprintf(l->c->out, "  %s\n", k);
	arena_free(&a);
	return 0;
}

static int
show_all(struct cli *c, struct store *s, json_t *o)
{
	struct list_ctx l = { c, NULL, 5 };
	struct buf k = BUF_INIT, v = BUF_INIT;
	const char *why;
	int rc;

	if (o == NULL)
		fprintf(c->out, "frozen:\n");
	l.arr = o != NULL ? json_array() : NULL;
	rc = store_scan(s, "ob:f:", 5, list_fn, &l, &why);
	if (o != NULL)
		json_object_set_new(o, "frozen", l.arr);
	if (rc == 0 && o == NULL)
		fprintf(c->out, "users with limit state:\n");
	l.arr = o != NULL ? json_array() : NULL;
	if (rc == 0)
		rc = store_scan(s, "rl:u:", 5, list_fn, &l, &why);
	if (o != NULL)
		json_object_set_new(o, "users", l.arr);
	outbound_key_alerts(&k, clock_now_us());
	if (rc == 0 && store_get(s, k.p, k.len, &v, NULL, &why) == -1)
		rc = -1;
	if (rc == 0 && o == NULL)
		fprintf(c->out, "alerts today: %s\n", v.len > 0 ? v.p : "0");
	if (rc == 0 && o != NULL)
		json_object_set_new(o, "alerts_today", json_integer(v.len > 0 ?
		    strtoll(v.p, NULL, 10) : 0));
	buf_free(&k);
	buf_free(&v);
	if (rc == -1)
		fprintf(c->err, "mxwarden: %s\n", why);
	return rc == 0 ? CLI_OK : CLI_INTERNAL;
}

static int
change(struct cli *c, struct store *s, const char *verb, const char *user)
{
	struct buf k = BUF_INIT;
	const char *why;
	int rc;

	if (strcmp(verb, "reset") == 0)
		limits_key(&k, LIM_USER, user);
	else
		outbound_key_frozen(&k, user);
	rc = store_del(s, k.p, k.len, &why);
	buf_free(&k);
	if (rc == -1) {
		fprintf(c->err, "mxwarden: %s\n", why);
		return CLI_INTERNAL;
	}
	if (c->json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:b}", "schema_version",
		    LIMITS_JSON_SCHEMA, "user", user, "action", verb,
		    "changed", rc == 0);

		json_dumpf(o, c->out, JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		json_decref(o);
	} else
		fprintf(c->out, "%s: %s%s\n", user, strcmp(verb, "reset") ==
		    0 ? "limits reset" : "released", rc == 0 ? "" :
		    " (nothing to do)");
	return CLI_OK;
}

int
cmd_limits(struct cli *c, int argc, char **argv)
{
	const char *path = NULL, *verb = NULL, *user = NULL;
	struct limits_conf *lc;
	struct store *s;
	struct conf *cf;
	json_t *o;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			limits_usage(c->out);
			return CLI_OK;
		} else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (verb == NULL)
			verb = argv[i];
		else if (user == NULL)
			user = str_lower(argv[i]);
		else
			verb = NULL, i = argc;	/* too many words */
	}
	if (verb == NULL || (strcmp(verb, "show") != 0 && user == NULL) ||
	    (strcmp(verb, "show") != 0 && strcmp(verb, "reset") != 0 &&
	    strcmp(verb, "release") != 0)) {
		limits_usage(c->err);
		return CLI_USAGE;
	}
	if ((cf = cli_conf(c)) == NULL)
		return CLI_USAGE;
	if (path == NULL)
		path = conf_str(cf, "store.path");
	if ((rc = open_store(c, path, strcmp(verb, "show") != 0, &s)) !=
	    CLI_OK)
		return rc;
	if (strcmp(verb, "show") != 0) {
		rc = change(c, s, verb, user);
		store_close(&s);
		return rc;
	}
	lc = limits_conf_new(cf);
	o = c->json ? json_object() : NULL;
	if (o != NULL)
		json_object_set_new(o, "schema_version",
		    json_integer(LIMITS_JSON_SCHEMA));
	rc = user != NULL ? show_user(c, s, lc, user, o) : show_all(c, s, o);
	if (o != NULL && rc == CLI_OK) {
		json_dumpf(o, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
	}
	json_decref(o);
	limits_conf_free(&lc);
	store_close(&s);
	return rc;
}
