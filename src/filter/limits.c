/*
 * Sending limits for outbound mail: messages and recipients per minute,
 * hour and day, per authenticated user, per sender domain and per client
 * IP, with per-user and per-domain overrides (docs/outbound.md).
 *
 * Algorithm: GCRA (the generic cell rate algorithm, ITU-T I.371 annex
 * A, the virtual-scheduling form). Each limit keeps one number, the
 * theoretical arrival time (TAT). It is exact at window edges (no
 * fixed-window doubling at a boundary), needs no list of timestamps, and
 * its state for all six limits of one subject fits in one store key. A
 * message is checked against every limit of its user, domain and IP and
 * all of them move together, or none when one says no, in a single
 * store_rmw transaction that also carries the compromise detection of
 * outbound.c, so a message costs one store commit.
 *
 * Key layout: "rl:u:USER", "rl:d:DOMAIN", "rl:i:IP" hold the six TATs
 * in microseconds as decimal text ("m/min m/h m/d r/min r/h r/d"); the
 * key expires when the last TAT is in the past (idle again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "filter/limits.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "store/store.h"

#define US		1000000LL
#define LIM_STATE_TTL_PAD	2	/* seconds kept past the last TAT */

static const char *const per_names[LIM_NPER] = { "minute", "hour", "day" };
static const char *const subj_names[LIM_NSUBJ] = { "user", "domain", "ip" };
static const char subj_key[LIM_NSUBJ] = { 'u', 'd', 'i' };

int64_t
limits_period_us(enum limits_per p)
{
	static const int64_t secs[LIM_NPER] = { 60, 3600, 86400 };

	return secs[p] * US;
}

const char *
limits_per_str(enum limits_per p)
{
	return per_names[p];
}

const char *
limits_subj_str(enum limits_subj s)
{
	return subj_names[s];
}

int
limits_gcra(int64_t tat, int64_t now, int64_t period_us, uint32_t limit,
    uint32_t cost, int64_t *new_tat_r, int64_t *retry_us_r)
{
	int64_t t_us, cap, start, next;

	*new_tat_r = tat;
	*retry_us_r = 0;
	if (limit == 0)
		return 1;
	if (cost > limit) {
		*retry_us_r = -1;	/* would never fit */
		return 0;
	}
	/*
	 * Emission interval T = period / limit, in whole microseconds
	 * rounded up so that the sustained rate never passes the limit
	 * through rounding; the burst tolerance is limit x T (>= period),
	 * so an idle sender may spend exactly the whole limit at once.
	 */
	t_us = (period_us + limit - 1) / limit;
	cap = (int64_t)limit * t_us;
	start = tat > now ? tat : now;
	next = start + (int64_t)cost * t_us;
	if (next - now > cap) {
		*retry_us_r = next - cap - now;
		return 0;
	}
	*new_tat_r = next;
	return 1;
}

uint32_t
limits_gcra_left(int64_t tat, int64_t now, int64_t period_us,
    uint32_t limit)
{
	int64_t t_us, used, left;

	if (limit == 0)
		return 0;
	t_us = (period_us + limit - 1) / limit;
	used = tat > now ? tat - now : 0;
	left = ((int64_t)limit * t_us - used) / t_us;
	if (left < 0)
		return 0;
	return left > limit ? limit : (uint32_t)left;
}

static void
read_rates(const struct conf *c, const char *prefix, struct limits_rates *r)
{
	char path[96];
	enum limits_per p;

	for (p = 0; p < LIM_NPER; p++) {
		snprintf(path, sizeof(path), "%smessages_per_%s", prefix,
		    per_names[p]);
		r->v[p] = (uint32_t)conf_int(c, path);
		snprintf(path, sizeof(path), "%srecipients_per_%s", prefix,
		    per_names[p]);
		r->v[LIM_NPER + p] = (uint32_t)conf_int(c, path);
	}
}

static struct limits_override *
read_overrides(const struct conf *c, const char *path, size_t *n_r)
{
	struct limits_override *o;
	const struct conf *g;
	size_t i, n = conf_group_count(c, path);

	o = xcalloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++) {
		g = conf_group(c, path, i);
		o[i].name = conf_str(g, "name");
		read_rates(g, "", &o[i].r);
	}
	*n_r = n;
	return o;
}

static void
read_outbound(const struct conf *c, struct outbound_conf *o)
{
	o->enabled = conf_bool(c, "outbound.enabled");
	o->spike_factor = conf_float(c, "outbound.spike_factor");
	o->min_volume = (uint32_t)conf_int(c, "outbound.min_volume");
	o->learn_hours = (uint32_t)conf_int(c, "outbound.learn_hours");
	o->new_domain_burst = (uint32_t)conf_int(c,
	    "outbound.new_domain_burst");
	o->new_domain_window = (uint32_t)conf_duration(c,
	    "outbound.new_domain_window");
	o->domain_memory = (uint32_t)conf_duration(c,
	    "outbound.domain_memory");
	o->new_network_alert = conf_bool(c, "outbound.new_network_alert");
	o->freeze = conf_bool(c, "outbound.freeze");
	o->freeze_on_new_network = conf_bool(c,
	    "outbound.freeze_on_new_network");
}

struct limits_conf *
limits_conf_new(const struct conf *c)
{
	struct limits_conf *lc = xcalloc(1, sizeof(*lc));
	size_t i, n;

	lc->enabled = conf_bool(c, "limits.enabled");
	lc->over_quarantine = conf_enum(c, "limits.over_limit_action") == 1;
	read_rates(c, "limits.user.", &lc->dflt[LIM_USER]);
	read_rates(c, "limits.domain.", &lc->dflt[LIM_DOMAIN]);
	read_rates(c, "limits.ip.", &lc->dflt[LIM_IP]);
	lc->users = read_overrides(c, "limits.users", &lc->nusers);
	lc->domains = read_overrides(c, "limits.domains", &lc->ndomains);
	read_outbound(c, &lc->ob);
	lc->bulk.rcpt_threshold = (uint32_t)conf_int(c,
	    "bulk.recipient_threshold");
	lc->bulk.action = (enum bulk_action)conf_enum(c, "bulk.action");
	lc->bulk.header = conf_str(c, "bulk.header");
	n = conf_list_len(c, "bulk.markers");
	lc->bulk.markers = xcalloc(n + 1, sizeof(*lc->bulk.markers));
	for (i = 0; i < n; i++)
		lc->bulk.markers[i] = conf_list_str(c, "bulk.markers", i);
	lc->bulk.nmarkers = n;
	return lc;
}

void
limits_conf_free(struct limits_conf **lcp)
{
	struct limits_conf *lc = *lcp;

	if (lc == NULL)
		return;
	free(lc->users);
	free(lc->domains);
	free(lc->bulk.markers);
	free(lc);
	*lcp = NULL;
}

const struct limits_rates *
limits_rates_for(const struct limits_conf *lc, enum limits_subj s,
    const char *name)
{
	const struct limits_override *o = NULL;
	size_t i, n = 0;

	if (s == LIM_USER) {
		o = lc->users;
		n = lc->nusers;
	} else if (s == LIM_DOMAIN) {
		o = lc->domains;
		n = lc->ndomains;
	}
	for (i = 0; name != NULL && i < n; i++)
		if (str_casecmp(o[i].name, name) == 0)
			return &o[i].r;
	return &lc->dflt[s];
}

void
limits_key(struct buf *b, enum limits_subj s, const char *name)
{
	buf_reset(b);
	buf_printf(b, "rl:%c:%s", subj_key[s], name);
}

/* Parse "t0 t1 ... t5"; garbled or missing fields count as idle (0). */
static void
tats_parse(const struct buf *b, int64_t tat[LIM_NRATE])
{
	const char *p = b->p;
	char *end;
	size_t i;

	memset(tat, 0, LIM_NRATE * sizeof(*tat));
	if (p == NULL)
		return;
	for (i = 0; i < LIM_NRATE && *p != '\0'; i++) {
		tat[i] = strtoll(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
}

/* Indexes of the fixed entries of the store_rmw vector. */
enum { V_FROZEN = 0, V_STATE, V_ALERTS, V_SUBJ, V_FIXED = V_SUBJ +
    LIM_NSUBJ };

struct lim_run {
	const struct limits_conf	*lc;
	const struct limits_msg		*m;
	const struct limits_rates	*rates[LIM_NSUBJ]; /* NULL: absent */
	int64_t				 now;
	struct limits_result		*r;
	const char			*net;	/* client network or NULL */
};

/*
 * Check every limit of every subject; when all allow, write the new
 * TATs. Returns 1 if the message may go.
 */
static int
lim_apply(struct lim_run *x, struct store_rmw *v)
{
	int64_t tat[LIM_NSUBJ][LIM_NRATE], nt, retry, last;
	struct limits_result *r = x->r;
	enum limits_subj s;
	size_t i;
	uint32_t cost;
	int is_ok = 1;

	for (s = 0; s < LIM_NSUBJ; s++) {
		if (x->rates[s] == NULL)
			continue;
		tats_parse(v[V_SUBJ + s].val, tat[s]);
		for (i = 0; i < LIM_NRATE; i++) {
			cost = i < LIM_NPER ? 1 : x->m->nrcpt;
			if (limits_gcra(tat[s][i], x->now, limits_period_us(
			    i % LIM_NPER), x->rates[s]->v[i], cost, &nt,
			    &retry)) {
				tat[s][i] = nt;
				continue;
			}
			/* Report the limit that keeps the sender longest. */
			if (is_ok || retry == -1 || (r->retry_us != -1 &&
			    retry > r->retry_us)) {
				r->over_subj = s;
				r->over_per = (enum limits_per)(i % LIM_NPER);
				r->over_is_rcpt = i >= LIM_NPER;
				r->over_limit = x->rates[s]->v[i];
				r->retry_us = retry;
			}
			is_ok = 0;
		}
	}
	r->is_over = !is_ok;
	if (!is_ok)
		return 0;
	for (s = 0; s < LIM_NSUBJ; s++) {
		if (x->rates[s] == NULL)
			continue;
		buf_reset(v[V_SUBJ + s].val);
		last = x->now;
		for (i = 0; i < LIM_NRATE; i++) {
			buf_printf(v[V_SUBJ + s].val, "%s%lld", i > 0 ? " " :
			    "", (long long)tat[s][i]);
			if (tat[s][i] > last)
				last = tat[s][i];
		}
		v[V_SUBJ + s].op = STORE_RMW_PUT;
		v[V_SUBJ + s].ttl = (uint32_t)((last - x->now + US - 1) / US) +
		    LIM_STATE_TTL_PAD;
	}
	return 1;
}

/* Add n to the counter text in b (garbled counts as 0). */
static void
counter_add(struct buf *b, int64_t n)
{
	long long v = b->p != NULL ? strtoll(b->p, NULL, 10) : 0;

	buf_reset(b);
	buf_printf(b, "%lld", v + n);
}

/* The compromise detection, on entries V_STATE, V_ALERTS and after. */
static int
ob_apply(struct lim_run *x, struct store_rmw *v, size_t n,
    const char **why_r)
{
	const struct outbound_conf *oc = &x->lc->ob;
	struct outbound_state st;
	struct limits_result *r = x->r;
	size_t i, nnew = 0;
	unsigned a, freeze_on;

	if (outbound_state_parse(v[V_STATE].val->p, v[V_STATE].val->len,
	    &st) == -1)
		outbound_state_parse(NULL, 0, &st);	/* start afresh */
	for (i = V_FIXED; i < n; i++) {
		if (!v[i].is_live)
			nnew++;
		buf_reset(v[i].val);
		buf_adds(v[i].val, "1");
		v[i].op = STORE_RMW_PUT;
		v[i].ttl = oc->domain_memory;
	}
	a = outbound_update(oc, &st, x->now / US, nnew, x->net);
	r->alerts = a;
	r->baseline = st.baseline;
	r->hour_count = st.count;
	r->new_domains = st.win_new;
	outbound_state_format(&st, v[V_STATE].val);
	v[V_STATE].op = STORE_RMW_PUT;
	v[V_STATE].ttl = 90 * 86400;	/* forget senders idle 90 days */
	if (a == 0)
		return 0;
	counter_add(v[V_ALERTS].val, __builtin_popcount(a));
	v[V_ALERTS].op = STORE_RMW_PUT;
	v[V_ALERTS].ttl = 400 * 86400;	/* a year of daily reports */
	freeze_on = OB_ALERT_SPIKE | OB_ALERT_NEW_DOMAINS |
	    (oc->freeze_on_new_network ? OB_ALERT_NEW_NETWORK : 0);
	if (oc->freeze && (a & freeze_on) != 0) {
		buf_reset(v[V_FROZEN].val);
		buf_printf(v[V_FROZEN].val, "%lld %s", (long long)(x->now /
		    US), outbound_alert_str(a & freeze_on));
		v[V_FROZEN].op = STORE_RMW_PUT;
		v[V_FROZEN].ttl = 0;	/* until released */
		r->froze_now = 1;
	}
	(void)why_r;
	return 0;
}

static int
lim_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	struct lim_run *x = arg;

	/*
	 * The store may run this twice (a shared group commit that failed is
	 * retried alone): start from a clean result each time.
	 */
	memset(x->r, 0, sizeof(*x->r));
	if (v[V_FROZEN].is_live) {
		x->r->is_frozen = 1;
		return 0;		/* held: nothing counted */
	}
	if (x->lc->enabled)
		lim_apply(x, v);
	if (x->lc->ob.enabled && x->m->user != NULL)
		return ob_apply(x, v, n, why_r);
	return 0;
}

int
limits_check(const struct limits_conf *lc, struct store *s,
    const struct limits_msg *m, int64_t now_us, struct limits_result *r,
    const char **why_r)
{
	struct store_rmw v[V_FIXED + LIM_RCPT_DOMAINS_MAX];
	struct buf b[V_FIXED + LIM_RCPT_DOMAINS_MAX], kb[V_FIXED +
	    LIM_RCPT_DOMAINS_MAX];
	const char *names[LIM_NSUBJ] = { m->user, m->domain, m->ip };
	char net[48];
	struct lim_run x;
	enum limits_subj sj;
	size_t i, n = V_FIXED;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	memset(v, 0, sizeof(v));
	x.lc = lc;
	x.m = m;
	x.now = now_us;
	x.r = r;
	if (m->ip != NULL && outbound_network(m->ip, net, sizeof(net)) == 0)
		x.net = net;
	for (i = 0; i < V_FIXED + LIM_RCPT_DOMAINS_MAX; i++) {
		b[i] = (struct buf)BUF_INIT;
		kb[i] = (struct buf)BUF_INIT;
		v[i].val = &b[i];
	}
	/* Without a user the per-user keys are placeholders never written. */
	outbound_key_frozen(&kb[V_FROZEN], m->user != NULL ? m->user : "");
	outbound_key_state(&kb[V_STATE], m->user != NULL ? m->user : "");
	outbound_key_alerts(&kb[V_ALERTS], now_us);
	for (sj = 0; sj < LIM_NSUBJ; sj++) {
		limits_key(&kb[V_SUBJ + sj], sj, names[sj] != NULL ?
		    names[sj] : "");
		if (names[sj] != NULL && kb[V_SUBJ + sj].len <= STORE_KEY_MAX)
			x.rates[sj] = limits_rates_for(lc, sj, names[sj]);
	}
	for (i = 0; m->user != NULL && lc->ob.enabled &&
	    i < m->nrcpt_domains && n < V_FIXED + LIM_RCPT_DOMAINS_MAX; i++) {
		outbound_key_domain(&kb[n], m->user, m->rcpt_domains[i]);
		if (kb[n].len <= STORE_KEY_MAX)
			n++;		/* longer keys: taken as known */
	}
	for (i = 0; i < n; i++) {
		v[i].key = kb[i].p;
		v[i].klen = kb[i].len;
		if (v[i].klen > STORE_KEY_MAX)
			v[i].klen = STORE_KEY_MAX; /* placeholder, unused */
	}
	rc = store_rmw(s, v, n, lim_fn, &x, why_r);
	for (i = 0; i < V_FIXED + LIM_RCPT_DOMAINS_MAX; i++) {
		buf_free(&b[i]);
		buf_free(&kb[i]);
	}
	return rc;
}
