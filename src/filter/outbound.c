/*
 * Compromise detection for outbound mail (docs/outbound.md): a hosting
 * server's reputation dies when one mailbox is taken over and sends
 * thousands of messages overnight. Per sender we learn the usual hourly
 * volume (an exponentially weighted mean over the hours in which it
 * sent at all, so a person who mails in the morning only is not judged
 * by idle nights) and raise an alert when
 *   - the current hour's count is at least outbound.min_volume and more
 *     than spike_factor times the baseline ("spike");
 *   - new_domain_burst recipient domains never written to before (in
 *     domain_memory) appear within new_domain_window ("new_domains");
 *   - the client network (/24, /48) was never used by the sender
 *     ("new_network").
 * Each alert is raised at most once per hour per sender. With
 * outbound.freeze, a spike or a burst freezes the account: all its mail
 * is held until `mxwarden limits release USER`.
 *
 * This file also holds limits_task(), the pipeline's outbound stage. Alert
 * lines go to the task (task_alert) with wire values made safe by
 * log_safe(); the milter logs them, one line each.
 */
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/limits.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"

#define OB_ALPHA	0.2	/* weight of the newest active hour */
#define OB_USER_MAX	254	/* bytes of a user name kept in keys */

static void
key3(struct buf *b, const char *pre, const char *a, const char *c)
{
	buf_reset(b);
	buf_adds(b, pre);
	buf_adds(b, a);
	if (c != NULL) {
		buf_addc(b, ':');
		buf_adds(b, c);
	}
}

void
outbound_key_state(struct buf *b, const char *user)
{
	key3(b, "ob:s:", user, NULL);
}

void
outbound_key_frozen(struct buf *b, const char *user)
{
	key3(b, "ob:f:", user, NULL);
}

void
outbound_key_domain(struct buf *b, const char *user, const char *dom)
{
	key3(b, "ob:d:", user, dom);
}

/*
 * The UTC date of a UNIX day number, by the days-to-civil arithmetic of
 * the proleptic Gregorian calendar (400-year eras of 146097 days), so
 * the per-message path avoids gmtime_r and its time-zone lock.
 */
size_t
outbound_alerts_key(int64_t now_us, char out[OB_ALERTS_KEY_LEN])
{
	int64_t z = now_us / 1000000 / 86400 + 719468, era, doe, yoe, y;
	int64_t doy, mp, d, mo, v;
	int i;

	if (now_us < 0)
		z = 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	mo = mp < 10 ? mp + 3 : mp - 9;
	y += mo <= 2;
	memcpy(out, "alert:count:", 12);
	v = (y % 10000) * 10000 + mo * 100 + d;
	for (i = 19; i >= 12; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
	return OB_ALERTS_KEY_LEN;
}

void
outbound_key_alerts(struct buf *b, int64_t now_us)
{
	char k[OB_ALERTS_KEY_LEN];

	buf_reset(b);
	buf_add(b, k, outbound_alerts_key(now_us, k));
}

const char *
outbound_alert_str(unsigned alert)
{
	if (alert & OB_ALERT_SPIKE)
		return "spike";
	if (alert & OB_ALERT_NEW_DOMAINS)
		return "new_domains";
	if (alert & OB_ALERT_NEW_NETWORK)
		return "new_network";
	return "none";
}

int
outbound_network(const char *ip, struct outbound_net *net)
{
	unsigned char a[16];

	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, ip, a) == 1) {
		net->b[0] = 4;
		memcpy(net->b + 1, a, 3);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		net->b[0] = 6;
		memcpy(net->b + 1, a, 6);
		return 0;
	}
	return -1;
}

void
outbound_net_str(const struct outbound_net *net, char *out, size_t outlen)
{
	unsigned char a[16];
	char txt[INET6_ADDRSTRLEN];
	int fam = net->b[0] == 4 ? AF_INET : AF_INET6;

	memset(a, 0, sizeof(a));
	memcpy(a, net->b + 1, net->b[0] == 4 ? 3 : 6);
	if ((net->b[0] != 4 && net->b[0] != 6) ||
	    inet_ntop(fam, a, txt, sizeof(txt)) == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	snprintf(out, outlen, "%s/%s", txt, net->b[0] == 4 ? "24" : "48");
}

/* Explicit little-endian, whatever the host. */
static void
put_le(unsigned char *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t
get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * Binary form, OB_STATE_LEN bytes: OB_ENC_STATE, hour (int64), count
 * (u32), baseline (IEEE 754 binary64 bits), hours (u32), win_start
 * (int64), win_new (u32), alerted (u8), nnets (u8), then LIM_NETS_MAX
 * networks of 7 bytes (unused ones zero). Integers little-endian.
 */
void
outbound_state_encode(const struct outbound_state *st,
    unsigned char out[OB_STATE_LEN])
{
	unsigned char *p = out;
	uint64_t bits;
	size_t i;

	memcpy(&bits, &st->baseline, sizeof(bits));
	*p++ = OB_ENC_STATE;
	put_le(p, (uint64_t)st->hour, 8), p += 8;
	put_le(p, st->count, 4), p += 4;
	put_le(p, bits, 8), p += 8;
	put_le(p, st->hours, 4), p += 4;
	put_le(p, (uint64_t)st->win_start, 8), p += 8;
	put_le(p, st->win_new, 4), p += 4;
	*p++ = (unsigned char)st->alerted;
	*p++ = (unsigned char)st->nnets;
	for (i = 0; i < LIM_NETS_MAX; i++, p += 7)
		if (i < st->nnets)
			memcpy(p, st->nets[i].b, 7);
		else
			memset(p, 0, 7);
}

static int
state_decode(const unsigned char *p, struct outbound_state *st)
{
	uint64_t bits;
	size_t i;

	p++;
	st->hour = (int64_t)get_le(p, 8), p += 8;
	st->count = (uint32_t)get_le(p, 4), p += 4;
	bits = get_le(p, 8), p += 8;
	memcpy(&st->baseline, &bits, sizeof(bits));
	st->hours = (uint32_t)get_le(p, 4), p += 4;
	st->win_start = (int64_t)get_le(p, 8), p += 8;
	st->win_new = (uint32_t)get_le(p, 4), p += 4;
	st->alerted = *p++ & OB_ALERT_ALL;
	st->nnets = *p++;
	if (!isfinite(st->baseline) || st->baseline < 0 ||
	    st->nnets > LIM_NETS_MAX)
		return -1;
	for (i = 0; i < st->nnets; i++, p += 7) {
		memcpy(st->nets[i].b, p, 7);
		if (p[0] != 4 && p[0] != 6)
			return -1;
	}
	return 0;
}

/*
 * The text form written before the binary one (migrated on read):
 * "1 HOUR COUNT BASELINE HOURS WINSTART WINNEW ALERTED NETS", NETS "-"
 * or networks ("192.0.2.0/24") joined by ','.
 */
static int
state_parse_text(const char *p, size_t len, struct outbound_state *st)
{
	char tmp[1024], nets[1024], *tok, *save, *sl;
	long long hour, ws;
	unsigned cnt, hours, wn, al;
	double base;

	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (sscanf(tmp, "1 %lld %u %lf %u %lld %u %u %1023s", &hour, &cnt,
	    &base, &hours, &ws, &wn, &al, nets) != 8 || !isfinite(base) ||
	    base < 0)
		return -1;
	st->hour = hour;
	st->count = cnt;
	st->baseline = base;
	st->hours = hours;
	st->win_start = ws;
	st->win_new = wn;
	st->alerted = al & OB_ALERT_ALL;
	if (strcmp(nets, "-") == 0)
		return 0;
	for (tok = strtok_r(nets, ",", &save); tok != NULL &&
	    st->nnets < LIM_NETS_MAX; tok = strtok_r(NULL, ",", &save)) {
		if ((sl = strchr(tok, '/')) != NULL)
			*sl = '\0';
		if (outbound_network(tok, &st->nets[st->nnets]) == 0)
			st->nnets++;
	}
	return 0;
}

int
outbound_state_parse(const char *p, size_t len, struct outbound_state *st)
{
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (p == NULL || len == 0)
		return 0;
	if ((unsigned char)p[0] == OB_ENC_STATE && len == OB_STATE_LEN)
		rc = state_decode((const unsigned char *)p, st);
	else if (p[0] == '1')
		rc = state_parse_text(p, len, st);
	else
		rc = -1;
	if (rc == -1)
		memset(st, 0, sizeof(*st));
	return rc;
}

/* Move net to the front of the known networks; 1 if it was not known. */
static int
remember_net(struct outbound_state *st, const struct outbound_net *net)
{
	struct outbound_net keep = *net;
	size_t i;
	int is_new = 1;

	for (i = 0; i < st->nnets; i++)
		if (memcmp(st->nets[i].b, net->b, sizeof(net->b)) == 0) {
			is_new = 0;
			break;
		}
	if (is_new && st->nnets < LIM_NETS_MAX)
		st->nnets++;
	if (i >= st->nnets)
		i = st->nnets - 1;	/* full: the oldest goes */
	memmove(&st->nets[1], &st->nets[0], i * sizeof(st->nets[0]));
	st->nets[0] = keep;
	return is_new;
}

unsigned
outbound_update(const struct outbound_conf *oc, struct outbound_state *st,
    int64_t now, size_t nnew, const struct outbound_net *net)
{
	int64_t hour = now / 3600;
	unsigned a = 0;
	int is_learned, is_new_net;

	if (st->hour != hour) {
		if (st->count > 0) {	/* fold the finished active hour */
			st->baseline = st->hours == 0 ? st->count :
			    OB_ALPHA * st->count + (1 - OB_ALPHA) *
			    st->baseline;
			st->hours++;
		}
		st->hour = hour;
		st->count = 0;
		st->alerted = 0;
	}
	if (st->count < UINT32_MAX)
		st->count++;
	if (now - st->win_start >= oc->new_domain_window) {
		st->win_start = now;
		st->win_new = 0;
	}
	st->win_new += (uint32_t)nnew;
	is_learned = st->hours >= oc->learn_hours;
	if (is_learned && st->count >= oc->min_volume && st->count >
	    oc->spike_factor * (st->baseline > 1 ? st->baseline : 1))
		a |= OB_ALERT_SPIKE;
	if (is_learned && oc->new_domain_burst > 0 &&
	    st->win_new >= oc->new_domain_burst)
		a |= OB_ALERT_NEW_DOMAINS;
	if (net != NULL) {
		is_new_net = st->nnets > 0 && remember_net(st, net);
		if (st->nnets == 0)
			remember_net(st, net);	/* the first one is home */
		if (is_new_net && oc->new_network_alert)
			a |= OB_ALERT_NEW_NETWORK;
	}
	a &= ~st->alerted;
	st->alerted |= a;
	return a;
}

/* "<a@b>" or "a@b" to lower-case "a@b" in the arena, capped. */
static char *
bare_lower(struct arena *a, const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	if (n == 0)
		return NULL;
	return str_lower(arena_strndup(a, s, n > OB_USER_MAX ? OB_USER_MAX :
	    n));
}

static const char *
domain_of(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* Fill m from the task's envelope (arena memory). */
static void
msg_from_task(struct task *t, struct limits_msg *m)
{
	const char *from = bare_lower(t->a, t->env.mail_from), *d;
	size_t i, k;

	memset(m, 0, sizeof(*m));
	m->user = t->env.auth_user != NULL ? bare_lower(t->a,
	    t->env.auth_user) : from;
	m->domain = domain_of(from != NULL ? from : m->user);
	m->ip = t->env.client_ip;
	m->nrcpt = (uint32_t)t->env.nrcpt;
	m->rcpt_domains = arena_calloc(t->a, LIM_RCPT_DOMAINS_MAX,
	    sizeof(*m->rcpt_domains));
	for (i = 0; i < t->env.nrcpt; i++) {
		if ((d = domain_of(bare_lower(t->a, t->env.rcpt[i]))) == NULL)
			continue;
		for (k = 0; k < m->nrcpt_domains; k++)
			if (strcmp(m->rcpt_domains[k], d) == 0)
				break;
		if (k == m->nrcpt_domains &&
		    m->nrcpt_domains < LIM_RCPT_DOMAINS_MAX)
			m->rcpt_domains[m->nrcpt_domains++] = d;
	}
}

static void
over_limit(const struct limits_conf *lc, struct task *t,
    const struct limits_msg *m, const struct limits_result *r)
{
	const char *names[LIM_NSUBJ] = { m->user, m->domain, m->ip };
	const char *what = arena_printf(t->a, "%s %s: %u %s per %s",
	    limits_subj_str(r->over_subj), names[r->over_subj],
	    r->over_limit, r->over_is_rcpt ? "recipients" : "messages",
	    limits_per_str(r->over_per));
	static const char *const sym[LIM_NSUBJ] = { "RATELIMIT_USER",
	    "RATELIMIT_DOMAIN", "RATELIMIT_IP" };

	if (r->retry_us == -1) {
		/* More recipients than the limit allows: it never fits. */
		task_symbol(t, sym[r->over_subj], 0, "%s; %u recipients "
		    "never fit", what, m->nrcpt);
		task_raise(t, lc->over_quarantine ? ACT_QUARANTINE :
		    ACT_REJECT, "550", "5.5.3", arena_printf(t->a,
		    "Too many recipients for the sending limit (%s)", what));
		return;
	}
	task_symbol(t, sym[r->over_subj], 0, "%s; retry in %lld s", what,
	    (long long)((r->retry_us + 999999) / 1000000));
	if (lc->over_quarantine)
		task_raise(t, ACT_QUARANTINE, NULL, NULL, arena_printf(t->a,
		    "sending limit reached (%s)", what));
	else
		task_raise(t, ACT_TEMPFAIL, "451", "4.7.1", arena_printf(t->a,
		    "Sending limit reached (%s); try again in %lld s", what,
		    (long long)((r->retry_us + 999999) / 1000000)));
}

static void
alerts(struct task *t, const struct limits_msg *m,
    const struct limits_result *r)
{
	static const struct { unsigned bit; const char *sym; } tab[] = {
		{ OB_ALERT_SPIKE, "OUTBOUND_SPIKE" },
		{ OB_ALERT_NEW_DOMAINS, "OUTBOUND_NEW_DOMAINS" },
		{ OB_ALERT_NEW_NETWORK, "OUTBOUND_NEW_NETWORK" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if ((r->alerts & tab[i].bit) == 0)
			continue;
		task_symbol(t, tab[i].sym, 0, "%u messages this hour, "
		    "baseline %.1f, %u new domains", r->hour_count,
		    r->baseline, r->new_domains);
		task_alert(t, "alert=%s user=%s ip=%s hour_count=%u "
		    "baseline=%.1f new_domains=%u frozen=%s",
		    outbound_alert_str(tab[i].bit), log_safe(t->a, m->user,
		    strlen(m->user), OB_USER_MAX), m->ip != NULL ?
		    log_safe(t->a, m->ip, strlen(m->ip), 64) : "local",
		    r->hour_count,
		    r->baseline, r->new_domains, r->froze_now ? "yes" : "no");
	}
}

int
limits_task(const struct limits_conf *lc, struct task *t,
    const char **why_r)
{
	struct limits_result r;
	struct limits_msg m;

	if (lc == NULL || t->store == NULL || !t->env.is_outbound ||
	    (!lc->enabled && !lc->ob.enabled))
		return 0;
	msg_from_task(t, &m);
	if (limits_check(lc, t->store, &m, clock_now_us(), &r, why_r) == -1)
		return -1;
	if (r.is_frozen || r.froze_now) {
		task_symbol(t, "OUTBOUND_FROZEN", 0, "account %s is frozen "
		    "until released", m.user);
		task_raise(t, ACT_QUARANTINE, NULL, NULL, arena_printf(t->a,
		    "account %s frozen; release with mxwarden limits "
		    "release", m.user));
	}
	if (r.is_over)
		over_limit(lc, t, &m, &r);
	alerts(t, &m, &r);
	return 0;
}
