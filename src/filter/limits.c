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
 * in microseconds (m/min m/h m/d r/min r/h r/d), binary little-endian
 * after a version byte (limits.h; the decimal text of older versions is
 * still read); the key expires when the last TAT is in the past.
 *
 * Cost: the per-message path formats and parses nothing and allocates
 * nothing: keys are built with memcpy in one stack array, values live
 * in fixed stack buffers (store_rmw's is_fixed), and a recipient-domain
 * key is rewritten only when its expiry needs refreshing.
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
	char pre[5] = { 'r', 'l', ':', subj_key[s], ':' };

	buf_reset(b);
	buf_add(b, pre, sizeof(pre));
	buf_adds(b, name);
}

void
limits_tats_encode(const int64_t tat[LIM_NRATE],
    unsigned char out[LIM_RATE_LEN])
{
	uint64_t v;
	size_t i, k;

	out[0] = LIM_ENC_RATE;
	for (i = 0; i < LIM_NRATE; i++)
		for (k = 0, v = (uint64_t)tat[i]; k < 8; k++, v >>= 8)
			out[1 + 8 * i + k] = (unsigned char)v;
}

/* Binary, or the old text "t0 t1 ... t5"; garbled counts as idle (0). */
void
limits_tats_decode(const char *p, size_t len, int64_t tat[LIM_NRATE])
{
	const unsigned char *u = (const unsigned char *)p;
	char tmp[256], *end, *q;
	uint64_t v;
	size_t i, k;

	memset(tat, 0, LIM_NRATE * sizeof(*tat));
	if (p == NULL || len == 0)
		return;
	if (u[0] == LIM_ENC_RATE && len == LIM_RATE_LEN) {
		for (i = 0; i < LIM_NRATE; i++) {
			for (k = 8, v = 0; k > 0; k--)
				v = v << 8 | u[8 * i + k];
			tat[i] = (int64_t)v;
		}
		return;
	}
	if (u[0] < '0' || u[0] > '9' || len >= sizeof(tmp))
		return;
	memcpy(tmp, p, len);	/* the text need not end in NUL */
	tmp[len] = '\0';
	for (i = 0, q = tmp; i < LIM_NRATE && *q != '\0'; i++, q = end) {
		tat[i] = strtoll(q, &end, 10);
		if (end == q)
			break;
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
	const struct outbound_net	*net;	/* client network or NULL */
	int				 has_user; /* and its keys fit */
};

/* Seconds of slack in a recipient domain's memory: see ob_apply. */
static uint64_t
dom_refresh(const struct outbound_conf *oc)
{
	return oc->domain_memory / 8 < 3600 ? oc->domain_memory / 8 : 3600;
}

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
		limits_tats_decode(v[V_SUBJ + s].val->p, v[V_SUBJ + s].val->len,
		    tat[s]);
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
		last = x->now;
		for (i = 0; i < LIM_NRATE; i++)
			if (tat[s][i] > last)
				last = tat[s][i];
		limits_tats_encode(tat[s], (unsigned char *)v[V_SUBJ +
		    s].val->p);
		v[V_SUBJ + s].val->len = LIM_RATE_LEN;
		v[V_SUBJ + s].op = STORE_RMW_PUT;
		v[V_SUBJ + s].ttl = (uint32_t)((last - x->now + US - 1) / US) +
		    LIM_STATE_TTL_PAD;
	}
	return 1;
}

/*
 * Add n to the counter text in the fixed buffer b (garbled counts as
 * 0). Only when an alert fires, so text (a store_incr counter) is fine.
 */
static void
counter_add(struct buf *b, int64_t n)
{
	long long v = b->len > 0 ? strtoll(b->p, NULL, 10) : 0;
	int len = snprintf(b->p, b->cap, "%lld", v + n);

	b->len = len > 0 && (size_t)len < b->cap ? (size_t)len : 0;
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
	int len;

	/* garbled or too long for its buffer: start afresh */
	outbound_state_parse(v[V_STATE].val->p, v[V_STATE].val->len, &st);
	for (i = V_FIXED; i < n; i++) {
		if (!v[i].is_live)
			nnew++;
		/*
		 * A known domain's key is rewritten only when its expiry
		 * is due a refresh: a domain counts as known for between
		 * domain_memory - refresh and domain_memory after the last
		 * message to it, and most messages write nothing here.
		 */
		if (v[i].is_live && v[i].ttl != 0 && (uint64_t)v[i].ttl +
		    dom_refresh(oc) >= oc->domain_memory)
			continue;
		v[i].val->p[0] = '1';
		v[i].val->len = 1;
		v[i].op = STORE_RMW_PUT;
		v[i].ttl = oc->domain_memory;
	}
	a = outbound_update(oc, &st, x->now / US, nnew, x->net);
	r->alerts = a;
	r->baseline = st.baseline;
	r->hour_count = st.count;
	r->new_domains = st.win_new;
	outbound_state_encode(&st, (unsigned char *)v[V_STATE].val->p);
	v[V_STATE].val->len = OB_STATE_LEN;
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
		/* rare: text, shown as is by `limits show` */
		len = snprintf(v[V_FROZEN].val->p, v[V_FROZEN].val->cap,
		    "%lld %s", (long long)(x->now / US),
		    outbound_alert_str(a & freeze_on));
		v[V_FROZEN].val->len = len > 0 && (size_t)len <
		    v[V_FROZEN].val->cap ? (size_t)len : 0;
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
	if (x->lc->ob.enabled && x->has_user)
		return ob_apply(x, v, n, why_r);
	return 0;
}

/*
 * Stack room per message: value buffers sized for the largest value of
 * each kind (the old text forms included, read once when migrating),
 * and one array for all the keys.
 */
#define VB_RATE		128	/* binary 49; old text up to ~125 */
#define VB_STATE	1024	/* binary OB_STATE_LEN; old text < 1024 */
#define VB_SMALL	64	/* frozen flag, alert counter, "1" */
#define KEYS_ROOM	8192	/* all keys; a key that does not fit: long */

struct lim_mem {
	char		 rate[LIM_NSUBJ][VB_RATE];
	char		 state[VB_STATE];
	char		 small[2 + LIM_RCPT_DOMAINS_MAX][VB_SMALL];
	char		 keys[KEYS_ROOM];
	size_t		 kused;
};

/*
 * Append the key pre || a [|| ':' || b] to the key array; the key of
 * *e is set, cut at STORE_KEY_MAX. Returns its full length (over
 * STORE_KEY_MAX, or SIZE_MAX when out of room: too long to use).
 */
static size_t
key_mk(struct lim_mem *mm, struct store_rmw *e, const char *pre,
    size_t plen, const char *a, const char *b)
{
	size_t al = strlen(a), bl = b != NULL ? strlen(b) + 1 : 0;
	size_t len = plen + al + bl, room = KEYS_ROOM - mm->kused;
	char *k = mm->keys + mm->kused;

	if (len > STORE_KEY_MAX || len > room) {
		/* a placeholder never written: the prefix alone */
		memcpy(k, pre, plen);
		e->key = k;
		e->klen = plen;
		mm->kused += plen;
		return len > room ? SIZE_MAX : len;
	}
	memcpy(k, pre, plen);
	memcpy(k + plen, a, al);
	if (b != NULL) {
		k[plen + al] = ':';
		memcpy(k + plen + al + 1, b, bl - 1);
	}
	e->key = k;
	e->klen = len;
	mm->kused += len;
	return len;
}

static void
fixed(struct store_rmw *e, struct buf *b, char *mem, size_t cap)
{
	*b = (struct buf){ mem, 0, cap };
	mem[0] = '\0';
	e->val = b;
	e->is_fixed = 1;
}

int
limits_check(const struct limits_conf *lc, struct store *s,
    const struct limits_msg *m, int64_t now_us, struct limits_result *r,
    const char **why_r)
{
	static const char *const spre[LIM_NSUBJ] = { "rl:u:", "rl:d:",
	    "rl:i:" };
	struct store_rmw v[V_FIXED + LIM_RCPT_DOMAINS_MAX];
	struct buf b[V_FIXED + LIM_RCPT_DOMAINS_MAX];
	const char *names[LIM_NSUBJ] = { m->user, m->domain, m->ip };
	const char *user = m->user != NULL ? m->user : "";
	struct outbound_net net;
	struct lim_mem mm;
	struct lim_run x;
	enum limits_subj sj;
	size_t i, n = V_FIXED;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	memset(v, 0, sizeof(v));
	mm.kused = 0;
	x.lc = lc;
	x.m = m;
	x.now = now_us;
	x.r = r;
	if (m->ip != NULL && outbound_network(m->ip, &net) == 0)
		x.net = &net;
	/* Without a user the per-user keys are placeholders never written. */
	x.has_user = key_mk(&mm, &v[V_FROZEN], "ob:f:", 5, user, NULL) <=
	    STORE_KEY_MAX && m->user != NULL;
	fixed(&v[V_FROZEN], &b[V_FROZEN], mm.small[0], VB_SMALL);
	key_mk(&mm, &v[V_STATE], "ob:s:", 5, user, NULL);
	fixed(&v[V_STATE], &b[V_STATE], mm.state, VB_STATE);
	v[V_ALERTS].key = mm.keys + mm.kused;
	v[V_ALERTS].klen = outbound_alerts_key(now_us, mm.keys + mm.kused);
	mm.kused += v[V_ALERTS].klen;
	fixed(&v[V_ALERTS], &b[V_ALERTS], mm.small[1], VB_SMALL);
	for (sj = 0; sj < LIM_NSUBJ; sj++) {
		if (key_mk(&mm, &v[V_SUBJ + sj], spre[sj], 5, names[sj] !=
		    NULL ? names[sj] : "", NULL) <= STORE_KEY_MAX &&
		    names[sj] != NULL)
			x.rates[sj] = limits_rates_for(lc, sj, names[sj]);
		fixed(&v[V_SUBJ + sj], &b[V_SUBJ + sj], mm.rate[sj], VB_RATE);
	}
	for (i = 0; x.has_user && lc->ob.enabled &&
	    i < m->nrcpt_domains && n < V_FIXED + LIM_RCPT_DOMAINS_MAX; i++) {
		/* longer keys: taken as known (the placeholder is reused) */
		if (key_mk(&mm, &v[n], "ob:d:", 5, m->user,
		    m->rcpt_domains[i]) > STORE_KEY_MAX) {
			mm.kused -= v[n].klen;
			continue;
		}
		fixed(&v[n], &b[n], mm.small[2 + n - V_FIXED], VB_SMALL);
		n++;
	}
	return store_rmw(s, v, n, lim_fn, &x, why_r);
}
