/*
 * `mxwarden scan`: run messages from files or directories through the
 * same pipeline as the milter (DESIGN.md section 2) and print the
 * verdict: the action, the score and the symbols with their reasons, or
 * with --json one object per message (docs/json.md, docs/scan.md). The
 * envelope comes from options, or else from the message's own headers:
 * the sender from Return-Path, the client address and HELO name from the
 * topmost Received field. A directory is scanned with one worker thread
 * per core and ends with a summary. With --store DIR the stateful checks
 * (greylisting, sending limits, compromise detection) read and update
 * that store as the milter does; without it scan keeps no state.
 */
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/spf.h"
#include "cli/cli.h"
#include "cli/cli_scan.h"
#include "conf/conf.h"
#include "filter/pipeline.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/msg.h"
#include "store/store.h"

#define SCAN_JSON_SCHEMA	1
#define SCAN_FILES_MAX		1000000
#define SCAN_DEPTH_MAX		16
#define SCAN_THREADS_MAX	64

static void
scan_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] scan [--ip IP] [--helo NAME]\n"
	    "           [--sender ADDR] [--rcpt ADDR]... [--outbound]\n"
	    "           [--auth-user LOGIN] [--store DIR]\n"
	    "           [FILE|DIR]...\n"
	    "\n"
	    "Run messages through the pipeline the milter uses (SPF, DKIM,\n"
	    "ARC, DMARC, scores and the policy) and print the action, the\n"
	    "score and one line per symbol with its score and reason.\n"
	    "Without FILE the message is read from standard input. A DIR is\n"
	    "scanned recursively with one worker thread per core and ends\n"
	    "with a summary (messages, count per action, messages per\n"
	    "second).\n"
	    "\n"
	    "Envelope: options win; otherwise --sender is taken from the\n"
	    "Return-Path field, and --ip and --helo from the topmost\n"
	    "Received field (\"from HELO (... [IP])\"). Without an IP, SPF is\n"
	    "not checked. --outbound treats the message as our own users'\n"
	    "mail (no inbound checks, DKIM signing); --auth-user LOGIN\n"
	    "also names the SASL login, whose allowed From domains are\n"
	    "checked (outbound.allowed_from).\n"
	    "\n"
	    "  --store DIR  keep state in the LMDB store at DIR, as the\n"
	    "             milter does: greylisting, sending limits and\n"
	    "             spike detection run and remember (store.sync and\n"
	    "             store.map_size from -c). Without it, no state:\n"
	    "             those checks are skipped.\n"
	    "  --json     one JSON object per message (docs/json.md)\n"
	    "  -v         also print the Authentication-Results value\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden scan message.eml\n"
	    "  mxwarden --dns-zone test.zone --now 1700000000 scan --ip "
	    "192.0.2.1 \\\n"
	    "      --helo mx.example.com --sender a@example.com msg.eml\n"
	    "  mxwarden --json scan /var/spool/samples/\n"
	    "  mxwarden -c mxwarden.conf --now 1700000000 scan --store \\\n"
	    "      /tmp/state --auth-user alice@example.com msg.eml\n");
}

/* "from NAME (... [IP])" of the topmost Received field. */
static void
env_from_received(struct arena *a, const struct msg *m, const char **ip_r,
    const char **helo_r)
{
	const struct msg_header *h = msg_header_get(m, "Received", 0);
	const char *v, *e, *lb, *rb;
	size_t n;

	if (h == NULL)
		return;
	v = h->unfolded;
	e = v + h->unfolded_len;
	if (*helo_r == NULL && h->unfolded_len > 5 &&
	    str_ncasecmp(v, "from ", 5) == 0) {
		for (n = 5; v + n < e && v[n] != ' ' && v[n] != '('; n++)
			;
		if (n > 5)
			*helo_r = arena_strndup(a, v + 5, n - 5);
	}
	if (*ip_r != NULL)
		return;
	lb = memchr(v, '[', h->unfolded_len);
	if (lb == NULL || (rb = memchr(lb, ']', (size_t)(e - lb))) == NULL)
		return;
	lb++;
	if (rb - lb > 5 && str_ncasecmp(lb, "IPv6:", 5) == 0)
		lb += 5;
	if (rb > lb && rb - lb < 64)
		*ip_r = arena_strndup(a, lb, (size_t)(rb - lb));
}

static const char *
env_return_path(struct arena *a, const struct msg *m)
{
	const struct msg_header *h = msg_header_get(m, "Return-Path", 0);

	if (h == NULL)
		return NULL;
	return str_trim(a, h->unfolded, h->unfolded_len);
}

int
scan_one(const struct pipeline *p, const struct scan_env *e,
    const char *path, unsigned long long max, struct arena *a,
    struct task **t_r, const char **why_r)
{
	struct task *t = pipeline_task(p, a);
	struct msg *m;
	const char *ip = e->ip, *helo = e->helo, *sender = e->sender;
	int trunc = 0;

	if (msg_read_file(a, path, (size_t)max, &m, &trunc, why_r) == -1)
		return -1;
	if (!e->is_outbound)
		env_from_received(a, m, &ip, &helo);
	if (sender == NULL)
		sender = env_return_path(a, m);
	t->msg = m;
	t->is_truncated = trunc;
	t->env.client_ip = ip;
	t->env.helo = helo;
	t->env.mail_from = sender != NULL ? sender : "";
	t->env.rcpt = (const char **)e->rcpt;
	t->env.nrcpt = e->nrcpt;
	t->env.is_outbound = e->is_outbound;
	t->env.auth_user = e->auth_user;
	*t_r = t;
	return pipeline_run(p, t, why_r);
}

/*
 * Output.
 */

static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	return j != NULL ? j : json_string("(not UTF-8)");
}

static json_t *
scan_json(const char *file, const struct task *t)
{
	json_t *o = json_object(), *syms = json_array(), *dk = json_array();
	json_t *x;
	size_t i;

	json_object_set_new(o, "schema_version",
	    json_integer(SCAN_JSON_SCHEMA));
	json_object_set_new(o, "file", jstr(file));
	json_object_set_new(o, "action", jstr(task_action_str(t->action)));
	json_object_set_new(o, "score", json_real(t->score));
	if (t->reply_code != NULL) {
		x = json_object();
		json_object_set_new(x, "code", jstr(t->reply_code));
		json_object_set_new(x, "xcode", jstr(t->reply_xcode));
		json_object_set_new(x, "text", jstr(t->reply_text));
		json_object_set_new(o, "reply", x);
	}
	for (i = 0; i < t->nsym; i++) {
		x = json_object();
		json_object_set_new(x, "name", jstr(t->sym[i].name));
		json_object_set_new(x, "score", json_real(t->sym[i].score));
		json_object_set_new(x, "reason", jstr(t->sym[i].reason));
		json_array_append_new(syms, x);
	}
	json_object_set_new(o, "symbols", syms);
	if (t->spf != NULL) {
		x = json_object();
		json_object_set_new(x, "result",
		    jstr(spf_result_str(t->spf->result)));
		json_object_set_new(x, "domain", jstr(t->spf->domain));
		json_object_set_new(o, "spf", x);
	} else
		json_object_set_new(o, "spf", json_null());
	if (t->spf_helo != NULL) {
		x = json_object();
		json_object_set_new(x, "result",
		    jstr(spf_result_str(t->spf_helo->result)));
		json_object_set_new(x, "domain", jstr(t->spf_helo->domain));
		json_object_set_new(o, "spf_helo", x);
	} else
		json_object_set_new(o, "spf_helo", json_null());
	for (i = 0; i < t->ndkim; i++) {
		x = json_object();
		json_object_set_new(x, "result",
		    jstr(dkim_result_str(t->dkim[i].result)));
		json_object_set_new(x, "d", jstr(t->dkim[i].d));
		json_object_set_new(x, "s", jstr(t->dkim[i].s));
		json_object_set_new(x, "reason", jstr(t->dkim[i].reason));
		json_array_append_new(dk, x);
	}
	json_object_set_new(o, "dkim", dk);
	if (t->dmarc != NULL) {
		x = json_object();
		json_object_set_new(x, "result",
		    jstr(dmarc_res_str(t->dmarc->result)));
		json_object_set_new(x, "policy",
		    jstr(dmarc_policy_str(t->dmarc->policy)));
		json_object_set_new(x, "applied",
		    jstr(dmarc_policy_str(t->dmarc->applied)));
		json_object_set_new(x, "override", t->dmarc->override ==
		    DMARC_OVR_NONE ? json_null() :
		    jstr(dmarc_override_str(t->dmarc->override)));
		json_object_set_new(x, "domain", jstr(t->dmarc->from_domain));
		json_object_set_new(x, "policy_domain",
		    jstr(t->dmarc->policy_domain));
		json_object_set_new(x, "reason", jstr(t->dmarc->reason));
		json_object_set_new(o, "dmarc", x);
	} else
		json_object_set_new(o, "dmarc", json_null());
	if (t->arc != NULL) {
		x = json_object();
		json_object_set_new(x, "result", jstr(arc_cv_str(t->arc->cv)));
		json_object_set_new(x, "reason", jstr(t->arc->reason));
		json_object_set_new(x, "instances", json_integer(t->arc->n));
		json_object_set_new(o, "arc", x);
	} else
		json_object_set_new(o, "arc", json_null());
	json_object_set_new(o, "authentication_results", jstr(t->authres));
	x = json_array();
	for (i = 0; i < t->ndel_authres; i++)
		json_array_append_new(x, json_integer(
		    (json_int_t)t->del_authres[i]));
	json_object_set_new(o, "removed_authentication_results", x);
	if (t->dkim_signature != NULL)
		json_object_set_new(o, "dkim_signature",
		    jstr(t->dkim_signature));
	return o;
}

/* The result of one message as text or a JSON line (caller frees). */
static char *
scan_format(const struct cli *c, const char *file, int show_file,
    const struct task *t)
{
	struct buf b = BUF_INIT;
	json_t *j;
	char *s;
	size_t i;

	if (c->json) {
		j = scan_json(file, t);
		s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		buf_adds(&b, s != NULL ? s : "{}");
		buf_addc(&b, '\n');
		free(s);
		return buf_steal(&b);
	}
	if (show_file)
		buf_printf(&b, "== %s\n", file);
	buf_printf(&b, "action: %s\n", task_action_str(t->action));
	buf_printf(&b, "score: %.2f\n", t->score);
	for (i = 0; i < t->nsym; i++)
		buf_printf(&b, "  %-24s %6.2f  %s\n", t->sym[i].name,
		    t->sym[i].score, t->sym[i].reason);
	if (c->verbose > 0 && t->authres != NULL)
		buf_printf(&b, "Authentication-Results: %s\n", t->authres);
	if (c->verbose > 0 && t->dkim_signature != NULL)
		buf_printf(&b, "%s", t->dkim_signature);
	return buf_steal(&b);
}

/*
 * Files and workers.
 */

struct scan_job {
	struct cli		*c;
	const struct pipeline	*p;
	const struct scan_env	*e;
	unsigned long long	 max;
	char			**files;
	size_t			 nfiles;
	char			**out;		/* per file, in order */
	int			*act;		/* -1: error */
	size_t			 next;
	int			 show_file;
	pthread_mutex_t		 mu;
};

static void
push_file(struct scan_job *j, const char *path, size_t *cap)
{
	if (j->nfiles >= SCAN_FILES_MAX)
		return;
	if (j->nfiles == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		j->files = xreallocarray(j->files, *cap, sizeof(*j->files));
	}
	j->files[j->nfiles++] = xstrdup(path);
}

static int
add_files(struct scan_job *j, const char *path, int depth, size_t *cap)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *sub;

	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		push_file(j, path, cap);
		return 0;
	}
	if (depth >= SCAN_DEPTH_MAX || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strcmp(de->d_name, "manifest.tsv") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) == -1)
			continue;
		(void)add_files(j, sub, depth + 1, cap);
		free(sub);
	}
	closedir(d);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *
scan_worker(void *arg)
{
	struct scan_job *j = arg;
	struct arena *a;
	struct task *t;
	const char *why;
	size_t k;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		k = j->next++;
		pthread_mutex_unlock(&j->mu);
		if (k >= j->nfiles)
			return NULL;
		a = arena_new();
		if (scan_one(j->p, j->e, j->files[k], j->max, a, &t,
		    &why) == -1) {
			j->act[k] = -1;
			if (asprintf(&j->out[k], "%s: %s\n", j->files[k],
			    why) == -1)
				j->out[k] = NULL;
		} else {
			j->act[k] = (int)t->action;
			j->out[k] = scan_format(j->c, j->files[k],
			    j->show_file, t);
		}
		arena_free(&a);
	}
}

static void
scan_summary(struct scan_job *j, double secs, unsigned nthreads)
{
	size_t counts[ACT_REJECT + 1] = { 0 }, nerr = 0, k;
	json_t *o, *acts;
	char *s;
	int i;

	for (k = 0; k < j->nfiles; k++)
		if (j->act[k] < 0)
			nerr++;
		else
			counts[j->act[k]]++;
	if (j->c->json) {
		o = json_object();
		acts = json_object();
		json_object_set_new(o, "schema_version",
		    json_integer(SCAN_JSON_SCHEMA));
		json_object_set_new(o, "summary", json_true());
		json_object_set_new(o, "messages", json_integer(
		    (json_int_t)j->nfiles));
		json_object_set_new(o, "errors", json_integer(
		    (json_int_t)nerr));
		for (i = 0; i <= ACT_REJECT; i++)
			json_object_set_new(acts, task_action_str(i),
			    json_integer((json_int_t)counts[i]));
		json_object_set_new(o, "actions", acts);
		json_object_set_new(o, "seconds", json_real(secs));
		json_object_set_new(o, "threads", json_integer(nthreads));
		json_object_set_new(o, "messages_per_second",
		    json_real(secs > 0 ? (double)j->nfiles / secs : 0));
		s = json_dumps(o, JSON_COMPACT);
		fprintf(j->c->out, "%s\n", s != NULL ? s : "{}");
		free(s);
		json_decref(o);
		return;
	}
	fprintf(j->c->out, "-- summary\nmessages: %zu\nerrors: %zu\n",
	    j->nfiles, nerr);
	for (i = 0; i <= ACT_REJECT; i++)
		fprintf(j->c->out, "%s: %zu\n", task_action_str(i), counts[i]);
	fprintf(j->c->out, "messages per second: %.0f (%.2f s, %u threads)\n",
	    secs > 0 ? (double)j->nfiles / secs : 0.0, secs, nthreads);
}

static int
scan_args(struct cli *c, int argc, char **argv, struct scan_env *e,
    int *first_r)
{
	int i;

	memset(e, 0, sizeof(*e));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (cli_is_help(o)) {
			scan_usage(c->out);
			return 1;
		}
		if (strcmp(o, "--outbound") == 0) {
			e->is_outbound = 1;
			continue;
		}
		if (o[0] != '-' || strcmp(o, "-") == 0)
			break;
		if (i + 1 >= argc) {
			fprintf(c->err, "mxwarden scan: %s needs a value\n", o);
			return -1;
		}
		if (strcmp(o, "--ip") == 0)
			e->ip = argv[++i];
		else if (strcmp(o, "--helo") == 0)
			e->helo = argv[++i];
		else if (strcmp(o, "--sender") == 0)
			e->sender = argv[++i];
		else if (strcmp(o, "--store") == 0)
			e->store = argv[++i];
		else if (strcmp(o, "--auth-user") == 0) {
			e->auth_user = argv[++i];
			e->is_outbound = 1;
		} else if (strcmp(o, "--rcpt") == 0) {
			if (e->nrcpt == SCAN_RCPT_MAX) {
				fprintf(c->err, "mxwarden scan: more than %d "
				    "--rcpt options\n", SCAN_RCPT_MAX);
				return -1;
			}
			e->rcpt[e->nrcpt++] = argv[++i];
		} else {
			fprintf(c->err, "mxwarden scan: unknown option %s\n",
			    o);
			scan_usage(c->err);
			return -1;
		}
	}
	*first_r = i;
	return 0;
}

/*
 * The store of --store DIR with the configured durability and map size
 * (caller closes), NULL if none was asked for or it cannot be opened
 * (*is_err_r set, message printed).
 */
static struct store *
scan_store(struct cli *c, const struct conf *conf, const char *dir,
    int *is_err_r)
{
	static const char *const sync[] = { "full", "meta", "none" };
	int mode = conf_enum(conf, "store.sync");
	struct store *st;
	const char *why;
	char *uri;

	*is_err_r = 0;
	if (dir == NULL)
		return NULL;
	if (asprintf(&uri, "lmdb:%s?sync=%s", dir, sync[mode < 0 ||
	    mode > 2 ? 0 : mode]) == -1) {
		*is_err_r = 1;
		return NULL;
	}
	st = store_open(uri, (size_t)conf_size(conf, "store.map_size"), &why);
	free(uri);
	if (st == NULL) {
		fprintf(c->err, "mxwarden scan: store %s: %s\n", dir, why);
		*is_err_r = 1;
	}
	return st;
}

int
cmd_scan(struct cli *c, int argc, char **argv)
{
	struct scan_job j;
	struct scan_env e;
	struct dns_resolver *res;
	struct conf *conf;
	struct store *store;
	pthread_t th[SCAN_THREADS_MAX];
	const char *why;
	long ncpu;
	unsigned nth, k;
	uint64_t t0;
	int first, rc, is_dir = 0, is_err;
	size_t cap = 0, i;
	struct stat st;

	if ((rc = scan_args(c, argc, argv, &e, &first)) != 0)
		return rc == 1 ? CLI_OK : CLI_USAGE;
	if ((conf = cli_conf(c)) == NULL || (res = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	memset(&j, 0, sizeof(j));
	j.c = c;
	j.e = &e;
	j.max = conf_size(conf, "milter.max_scan_bytes");
	store = scan_store(c, conf, e.store, &is_err);
	if (is_err)
		return CLI_USAGE;
	if ((j.p = pipeline_new(conf, res, store, &why)) == NULL) {
		fprintf(c->err, "mxwarden scan: %s\n", why);
		store_close(&store);
		return CLI_INTERNAL;
	}
	for (i = (size_t)first; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			push_file(&j, "-", &cap);
			continue;
		}
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			is_dir = 1;
		if (add_files(&j, argv[i], 0, &cap) == -1) {
			fprintf(c->err, "mxwarden scan: cannot read %s\n",
			    argv[i]);
			rc = CLI_USAGE;
		}
	}
	if (first >= argc)
		push_file(&j, "-", &cap);
	if (is_dir)
		qsort(j.files, j.nfiles, sizeof(*j.files), cmp_str);
	j.show_file = j.nfiles > 1;
	j.out = xcalloc(j.nfiles + 1, sizeof(*j.out));
	j.act = xcalloc(j.nfiles + 1, sizeof(*j.act));
	pthread_mutex_init(&j.mu, NULL);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nth = is_dir ? (unsigned)(ncpu < 1 ? 1 : ncpu > SCAN_THREADS_MAX ?
	    SCAN_THREADS_MAX : ncpu) : 1;
	t0 = clock_mono_us();
	for (k = 0; k < nth; k++)
		pthread_create(&th[k], NULL, scan_worker, &j);
	for (k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	for (i = 0; i < j.nfiles; i++) {
		if (j.out[i] != NULL)
			fputs(j.out[i], j.act[i] < 0 ? c->err : c->out);
		if (j.act[i] < 0)
			rc = CLI_USAGE;
		free(j.out[i]);
	}
	if (is_dir)
		scan_summary(&j, (double)(clock_mono_us() - t0) / 1e6, nth);
	for (i = 0; i < j.nfiles; i++)
		free(j.files[i]);
	free(j.files);
	free(j.out);
	free(j.act);
	pthread_mutex_destroy(&j.mu);
	pipeline_free((struct pipeline **)&j.p);
	store_close(&store);
	return rc;
}
