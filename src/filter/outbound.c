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
#include <time.h>

#include "filter/limits.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"

#define OB_ALPHA	0.2	/* weight of the newest active hour */
#define OB_USER_MAX	254	/* bytes of a user name kept in keys */

void
outbound_key_state(struct buf *b, const char *user)
{
	buf_reset(b);
	buf_printf(b, "ob:s:%s", user);
}

void
outbound_key_frozen(struct buf *b, const char *user)
{
	buf_reset(b);
	buf_printf(b, "ob:f:%s", user);
}

void
outbound_key_domain(struct buf *b, const char *user, const char *dom)
{
	buf_reset(b);
	buf_printf(b, "ob:d:%s:%s", user, dom);
}

void
outbound_key_alerts(struct buf *b, int64_t now_us)
{
	time_t t = (time_t)(now_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_reset(b);
	buf_printf(b, "alert:count:%04d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
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
outbound_network(const char *ip, char *out, size_t outlen)
{
	unsigned char a[16];
	char txt[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, ip, a) == 1) {
		a[3] = 0;
		inet_ntop(AF_INET, a, txt, sizeof(txt));
		return snprintf(out, outlen, "%s/24", txt) < (int)outlen ?
		    0 : -1;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 6, 0, 10);
		inet_ntop(AF_INET6, a, txt, sizeof(txt));
		return snprintf(out, outlen, "%s/48", txt) < (int)outlen ?
		    0 : -1;
	}
	return -1;
}

/*
 * Text form: "1 HOUR COUNT BASELINE HOURS WINSTART WINNEW ALERTED NETS"
 * where NETS is "-" or networks joined by ','.
 */
int
outbound_state_parse(const char *p, size_t len, struct outbound_state *st)
{
	char tmp[1024], nets[1024], *tok, *save;
	long long hour, ws;
	unsigned cnt, hours, wn, al;
	double base;
	int n;

	memset(st, 0, sizeof(*st));
	if (p == NULL || len == 0)
		return 0;
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	n = sscanf(tmp, "1 %lld %u %lf %u %lld %u %u %1023s", &hour, &cnt,
	    &base, &hours, &ws, &wn, &al, nets);
	if (n != 8 || !isfinite(base) || base < 0) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
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
	    st->nnets < LIM_NETS_MAX; tok = strtok_r(NULL, ",", &save))
		str_lcpy(st->nets[st->nnets++], tok, sizeof(st->nets[0]));
	return 0;
}

void
outbound_state_format(const struct outbound_state *st, struct buf *b)
{
	size_t i;

	buf_reset(b);
	buf_printf(b, "1 %lld %u %.3f %u %lld %u %u ", (long long)st->hour,
	    st->count, st->baseline, st->hours, (long long)st->win_start,
	    st->win_new, st->alerted);
	if (st->nnets == 0)
		buf_adds(b, "-");
	for (i = 0; i < st->nnets; i++)
		buf_printf(b, "%s%s", i > 0 ? "," : "", st->nets[i]);
}

/* Move net to the front of the known networks; 1 if it was not known. */
static int
remember_net(struct outbound_state *st, const char *net)
{
	char keep[sizeof(st->nets[0])];
	size_t i;
	int is_new = 1;

	for (i = 0; i < st->nnets; i++)
		if (strcmp(st->nets[i], net) == 0) {
			is_new = 0;
			break;
		}
	if (is_new && st->nnets < LIM_NETS_MAX)
		st->nnets++;
	if (i >= st->nnets)
		i = st->nnets - 1;	/* full: the oldest goes */
	str_lcpy(keep, net, sizeof(keep));
	memmove(st->nets[1], st->nets[0], i * sizeof(st->nets[0]));
	str_lcpy(st->nets[0], keep, sizeof(st->nets[0]));
	return is_new;
}

unsigned
outbound_update(const struct outbound_conf *oc, struct outbound_state *st,
    int64_t now, size_t nnew, const char *net)
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
