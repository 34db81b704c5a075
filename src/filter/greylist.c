/*
 * Greylisting (greylist.h) over the store. The first-seen time and the
 * state of a triplet are one value written with store_add, so of several
 * racing deliveries exactly one records the first attempt and the others
 * read its time in the same transaction (no lost update between threads
 * or processes). A retry is expected within RFC 5321 4.5.4.1's retry
 * intervals (at least 30 minutes is recommended; our default minimum
 * delay is 5), and the 451 reply carries the 4.7.1 enhanced code (RFC
 * 3463 3.8, "delivery not authorized").
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc.h"
#include "conf/conf.h"
#include "filter/greylist.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "store/store.h"
#include "mail/addr.h"

struct grey_net {
	int		 af;
	unsigned char	 b[16];
	unsigned	 bits;
};

struct grey_conf {
	enum grey_mode	 mode;
	uint32_t	 min_delay, window, lifetime, auto_period;
	unsigned	 v4bits, v6bits;
	long long	 auto_after;
	struct grey_net	*nets;
	size_t		 nnets;
	char		**senders;
	size_t		 nsenders;
	int		 skip_dmarc;
	double		 skip_below;
};

static int
net_parse(const char *s, struct grey_net *n)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	char *end;

	if (len >= sizeof(a))
		return -1;
	memcpy(a, s, len);
	a[len] = '\0';
	n->af = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(n->af, a, n->b) != 1)
		return -1;
	bits = n->af == AF_INET ? 32 : 128;
	if (slash != NULL) {
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > (n->af == AF_INET ? 32u : 128u))
			return -1;
	}
	n->bits = (unsigned)bits;
	return 0;
}

static int
net_match(const struct grey_net *n, int af, const unsigned char *b)
{
	unsigned full = n->bits / 8, rest = n->bits % 8;
	unsigned char mask;

	if (n->af != af || memcmp(n->b, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (n->b[full] & mask) == (b[full] & mask);
}

struct grey_conf *
grey_conf_new(const struct conf *c, const char **why_r)
{
	struct grey_conf *g = xcalloc(1, sizeof(*g));
	size_t i, n;

	g->mode = (enum grey_mode)conf_enum(c, "greylist.mode");
	g->min_delay = (uint32_t)conf_duration(c, "greylist.min_delay");
	g->window = (uint32_t)conf_duration(c, "greylist.retry_window");
	g->lifetime = (uint32_t)conf_duration(c, "greylist.lifetime");
	g->auto_period = (uint32_t)conf_duration(c,
	    "greylist.auto_allow_period");
	g->auto_after = conf_int(c, "greylist.auto_allow_after");
	g->v4bits = (unsigned)conf_int(c, "greylist.ipv4_prefix");
	g->v6bits = (unsigned)conf_int(c, "greylist.ipv6_prefix");
	g->skip_dmarc = conf_bool(c, "greylist.skip_dmarc_pass");
	g->skip_below = conf_float(c, "greylist.skip_below");
	n = conf_list_len(c, "greylist.allow_networks");
	g->nets = xcalloc(n + 1, sizeof(*g->nets));
	for (i = 0; i < n; i++)
		if (net_parse(conf_list_str(c, "greylist.allow_networks", i),
		    &g->nets[g->nnets++]) == -1) {
			*why_r = "greylist.allow_networks: bad network";
			grey_conf_free(&g);
			return NULL;
		}
	n = conf_list_len(c, "greylist.allow_senders");
	g->senders = xcalloc(n + 1, sizeof(*g->senders));
	for (i = 0; i < n; i++)
		g->senders[g->nsenders++] = xstrdup(conf_list_str(c,
		    "greylist.allow_senders", i));
	return g;
}

void
grey_conf_free(struct grey_conf **gp)
{
	struct grey_conf *g = *gp;
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nsenders; i++)
		free(g->senders[i]);
	free(g->senders);
	free(g->nets);
	free(g);
	*gp = NULL;
}

enum grey_mode
grey_mode(const struct grey_conf *g)
{
	return g->mode;
}

int
grey_net(const struct grey_conf *g, const char *ip, char *buf, size_t len)
{
	unsigned char b[16];
	char txt[INET6_ADDRSTRLEN];
	unsigned bits, i;
	int af = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(af, ip, b) != 1)
		return -1;
	bits = af == AF_INET ? g->v4bits : g->v6bits;
	for (i = 0; i < (af == AF_INET ? 4u : 16u); i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			b[i] &= (unsigned char)(0xff << (8 - bits));
			bits = 0;
		}
	}
	inet_ntop(af, b, txt, sizeof(txt));
	snprintf(buf, len, "%s/%u", txt, af == AF_INET ? g->v4bits :
	    g->v6bits);
	return 0;
}

/* An address as key text: lower case, no spaces or controls, capped. */
static void
key_addr(struct buf *k, const char *s)
{
	size_t i;
	char c;

	for (i = 0; s[i] != '\0' && i < GREY_ADDR_MAX; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if ((unsigned char)c <= ' ' || (unsigned char)c >= 0x7f)
			c = '_';
		buf_addc(k, c);
	}
}

static int
is_allowed(struct store *s, const char *prefix, const char *what,
    const char **why_r)
{
	struct buf k = BUF_INIT;
	int rc;

	buf_printf(&k, "%s", prefix);
	key_addr(&k, what);
	rc = store_get(s, k.p, k.len, NULL, NULL, why_r);
	buf_free(&k);
	return rc == -1 ? -1 : rc == 0;
}

/* The triplet passed: remember it, count the network's passes. */
static int
passed(const struct grey_conf *g, struct store *s, const char *net,
    const struct buf *k, time_t first, const char **why_r)
{
	char v[32], ck[GREY_KEY_MAX];
	int64_t n;

	snprintf(v, sizeof(v), "P %lld", (long long)first);
	if (store_set(s, k->p, k->len, v, strlen(v), g->lifetime,
	    why_r) == -1)
		return -1;
	if (g->auto_after <= 0)
		return 0;
	snprintf(ck, sizeof(ck), "grey:c:%s", net);
	if (store_incr(s, ck, strlen(ck), 1, g->lifetime, &n, why_r) == -1)
		return -1;
	if (n < g->auto_after)
		return 0;
	snprintf(ck, sizeof(ck), "grey:a:%s", net);
	return store_set(s, ck, strlen(ck), "auto", 4, g->auto_period,
	    why_r);
}

int
grey_check(const struct grey_conf *g, struct store *s, const char *net,
    const char *sender, const char *rcpt, time_t now,
    enum grey_result *res_r, uint32_t *wait_r, const char **why_r)
{
	struct buf k = BUF_INIT, old = BUF_INIT;
	const char *at = strrchr(sender, '@');
	char v[32];
	long long first;
	uint32_t ttl;
	int rc;

	*wait_r = 0;
	if ((rc = is_allowed(s, "grey:a:", net, why_r)) != 0 ||
	    (sender[0] != '\0' && (rc = is_allowed(s, "grey:s:", sender,
	    why_r)) != 0) || (at != NULL && (rc = is_allowed(s, "grey:s:",
	    at, why_r)) != 0)) {
		*res_r = GREY_ALLOWED;
		return rc == -1 ? -1 : 0;
	}
	buf_printf(&k, "grey:t:%s ", net);
	key_addr(&k, sender);
	buf_addc(&k, ' ');
	key_addr(&k, rcpt);
	snprintf(v, sizeof(v), "W %lld", (long long)now);
	rc = store_add(s, k.p, k.len, v, strlen(v), g->min_delay + g->window,
	    &old, &ttl, why_r);
	if (rc == 0) {
		*res_r = GREY_NEW;
		*wait_r = g->min_delay;
	} else if (rc == STORE_EXISTS) {
		buf_addc(&old, '\0');
		if (sscanf(old.p, "%*c %lld", &first) != 1)
			first = now;
		if (old.p[0] == 'P') {
			*res_r = GREY_PASS;
			/* Refresh the lifetime at most once a day. */
			if (ttl + 86400 < g->lifetime)
				rc = passed(g, s, net, &k, first, why_r);
			else
				rc = 0;
		} else if (now - first < (long long)g->min_delay) {
			*res_r = GREY_EARLY;
			*wait_r = (uint32_t)((long long)g->min_delay -
			    (now - first));
			rc = 0;
		} else {
			*res_r = GREY_PASS;
			rc = passed(g, s, net, &k, first, why_r);
		}
	}
	buf_free(&k);
	buf_free(&old);
	return rc == -1 ? -1 : 0;
}

int
grey_allow(struct store *s, const char *what, int is_net, uint32_t ttl,
    const char **why_r)
{
	struct buf k = BUF_INIT;
	int rc;

	buf_printf(&k, "%s", is_net ? "grey:a:" : "grey:s:");
	key_addr(&k, what);
	rc = store_set(s, k.p, k.len, "admin", 5, ttl, why_r);
	buf_free(&k);
	return rc;
}

static int
sender_allowed(const struct grey_conf *g, const char *sender)
{
	const char *at = strrchr(sender, '@'), *e;
	size_t i, n, dn;

	for (i = 0; i < g->nsenders; i++) {
		e = g->senders[i];
		if (strchr(e, '@') != NULL) {
			if (str_casecmp(e, sender) == 0)
				return 1;
			continue;
		}
		if (at == NULL)
			continue;
		n = strlen(e);
		dn = strlen(at + 1);
		if (dn >= n && str_casecmp(at + 1 + dn - n, e) == 0 &&
		    (dn == n || at[dn - n] == '.'))
			return 1;
	}
	return 0;
}

/* Why t needs no greylisting, or NULL. */
static const char *
exempt(const struct grey_conf *g, const struct task *t, const char *sender)
{
	unsigned char b[16];
	size_t i;
	int af;

	if (t->env.is_outbound)
		return "authenticated or trusted client";
	if (t->env.client_ip == NULL)
		return "no client address";
	af = strchr(t->env.client_ip, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, t->env.client_ip, b) != 1)
		return "client address unknown";
	for (i = 0; i < g->nnets; i++)
		if (net_match(&g->nets[i], af, b))
			return "client in greylist.allow_networks";
	if (sender_allowed(g, sender))
		return "sender in greylist.allow_senders";
	if (g->skip_dmarc && t->dmarc != NULL &&
	    t->dmarc->result == DMARC_RES_PASS)
		return "DMARC pass";
	if (t->score < g->skip_below)
		return "score below greylist.skip_below";
	return NULL;
}

/* Undo the policy's greylist verdict (its threshold is below tagging). */
static void
lower(struct task *t)
{
	if (t->action != ACT_GREYLIST)
		return;
	t->action = ACT_ACCEPT;
	t->reply_code = t->reply_xcode = t->reply_text = NULL;
}

/* Harshness of a result: allowed < pass < early < new. */
static int
rank(enum grey_result r)
{
	return r == GREY_ALLOWED ? 0 : r == GREY_PASS ? 1 :
	    r == GREY_EARLY ? 2 : 3;
}

void
grey_task(const struct grey_conf *g, struct task *t)
{
	enum grey_result r, worst = GREY_ALLOWED;
	const char *sender, *why, *reason;
	char net[INET6_ADDRSTRLEN + 8];
	uint32_t wait, maxwait = 0;
	size_t i;

	if (g->mode == GREY_OFF) {
		lower(t);
		return;
	}
	if ((g->mode == GREY_DOUBTFUL && t->action != ACT_GREYLIST) ||
	    t->action > ACT_GREYLIST || t->store == NULL)
		return;
	sender = addr_bare(t->a, t->env.mail_from);
	if ((reason = exempt(g, t, sender)) != NULL ||
	    grey_net(g, t->env.client_ip, net, sizeof(net)) == -1) {
		task_symbol(t, "GREYLIST_EXEMPT", 0.0, "%s", reason != NULL ?
		    reason : "client address unknown");
		lower(t);
		return;
	}
	for (i = 0; i < t->env.nrcpt && i < GREY_RCPT_MAX; i++) {
		if (grey_check(g, t->store, net, sender, addr_bare(t->a,
		    t->env.rcpt[i]), clock_now(), &r, &wait, &why) == -1) {
			task_symbol(t, "GREYLIST_ERROR", 0.0, "store: %s",
			    why);
			lower(t);
			return;
		}
		if (rank(r) > rank(worst))
			worst = r;
		if (wait > maxwait)
			maxwait = wait;
	}
	if (worst == GREY_PASS || worst == GREY_ALLOWED) {
		task_symbol(t, "GREYLIST_PASS", 0.0, "%s", worst ==
		    GREY_PASS ? "triplet retried in time or known" :
		    "network or sender allowed");
		lower(t);
		return;
	}
	task_symbol(t, "GREYLIST", 0.0, "%s from %s, retry in %us",
	    worst == GREY_NEW ? "first attempt" : "retried too early", net,
	    maxwait);
	t->action = ACT_GREYLIST;
	t->reply_code = "451";
	t->reply_xcode = "4.7.1";
	t->reply_text = arena_printf(t->a, "Greylisted, please try again "
	    "in %u seconds", maxwait);
}
