/*
 * Outbound protection: the GCRA arithmetic, window edges under --now,
 * exact counts with four threads sharing one LMDB store, the store's
 * multi-key read-modify-write, the hourly baseline and its alerts, the
 * freeze, and the bulk-mail detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "filter/limits.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "mail/msg.h"
#include "store/store.h"

#define T0	1700000000LL	/* a whole minute: 2023-11-14 22:13:20 */
#define SEC	1000000LL

static char tmpdir[64];
static struct conf *confs[16];	/* lc points into them; freed at exit */
static size_t nconfs;

static struct store *
open_store(void)
{
	const char *why;
	struct store *s;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mxw-limits-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	s = store_open(tmpdir, 0, &why);
	if (s == NULL)
		fail_msg("store_open: %s", why);
	return s;
}

static void
close_store(struct store **s)
{
	char cmd[128];

	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static struct limits_conf *
test_conf(void)
{
	struct conf *c = conf_defaults();
	struct limits_conf *lc = limits_conf_new(c);
	enum limits_subj s;

	/* Strings in lc point into c; keep it until the end. */
	assert_true(nconfs < 16);
	confs[nconfs++] = c;
	for (s = 0; s < LIM_NSUBJ; s++)
		memset(&lc->dflt[s], 0, sizeof(lc->dflt[s]));
	lc->ob.enabled = 0;
	return lc;
}

static void
test_gcra_table(void **state)
{
	static const struct {
		int64_t tat, now, period;
		uint32_t limit, cost;
		int ok;
		int64_t new_tat, retry;
	} cases[] = {
		/* idle: the whole limit may go at once */
		{ 0, 60 * SEC, 60 * SEC, 3, 3, 1, 120 * SEC, 0 },
		/* 3 spent at 60 s: the next one waits one interval */
		{ 120 * SEC, 60 * SEC, 60 * SEC, 3, 1, 0, 120 * SEC,
		    20 * SEC },
		/* one microsecond before the interval: still no */
		{ 120 * SEC, 80 * SEC - 1, 60 * SEC, 3, 1, 0, 120 * SEC, 1 },
		/* exactly at the edge: yes */
		{ 120 * SEC, 80 * SEC, 60 * SEC, 3, 1, 1, 140 * SEC, 0 },
		/* cost over the limit never fits */
		{ 0, 0, 60 * SEC, 3, 4, 0, 0, -1 },
		/* limit 0 is no limit */
		{ 999 * SEC, 0, 60 * SEC, 0, 1000, 1, 999 * SEC, 0 },
		/* 7 per minute: T rounds up, a burst of 7 still fits */
		{ 0, 0, 60 * SEC, 7, 7, 1, 7 * 8571429, 0 },
		/* cost 2 with room for 1: wait for one interval */
		{ 40 * SEC, 0, 60 * SEC, 3, 2, 0, 40 * SEC, 20 * SEC },
		/* long idle: old tat is forgotten */
		{ 5 * SEC, 3600 * SEC, 60 * SEC, 1, 1, 1, 3660 * SEC, 0 },
	};
	int64_t nt, retry;
	size_t i;
	int ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = limits_gcra(cases[i].tat, cases[i].now, cases[i].period,
		    cases[i].limit, cases[i].cost, &nt, &retry);
		if (ok != cases[i].ok || nt != cases[i].new_tat ||
		    retry != cases[i].retry)
			fail_msg("case %zu: got ok=%d tat=%lld retry=%lld, "
			    "want ok=%d tat=%lld retry=%lld", i, ok,
			    (long long)nt, (long long)retry, cases[i].ok,
			    (long long)cases[i].new_tat,
			    (long long)cases[i].retry);
	}
	/* what `limits show` prints */
	assert_int_equal(limits_gcra_left(120 * SEC, 60 * SEC, 60 * SEC, 3),
	    0);
	assert_int_equal(limits_gcra_left(120 * SEC, 100 * SEC, 60 * SEC, 3),
	    2);
	assert_int_equal(limits_gcra_left(0, 100 * SEC, 60 * SEC, 3), 3);
}

static int
check_at(struct limits_conf *lc, struct store *s, struct limits_msg *m,
    int64_t t, struct limits_result *r)
{
	const char *why;

	clock_set((time_t)t);
	if (limits_check(lc, s, m, clock_now_us(), r, &why) == -1)
		fail_msg("limits_check: %s", why);
	return !r->is_over;
}

static void
test_window_edges(void **state)
{
	struct limits_conf *lc = test_conf();
	struct store *s = open_store();
	struct limits_result r;
	struct limits_msg m = { "alice@example.com", "example.com",
	    "192.0.2.7", 1, NULL, 0 };
	int i;

	(void)state;
	lc->dflt[LIM_USER].v[LIM_MINUTE] = 3;		/* 3 messages/min */
	lc->dflt[LIM_DOMAIN].v[LIM_NPER + LIM_HOUR] = 10; /* 10 rcpts/h */
	for (i = 0; i < 3; i++)
		assert_true(check_at(lc, s, &m, T0, &r));
	assert_false(check_at(lc, s, &m, T0, &r));
	assert_int_equal(r.over_subj, LIM_USER);
	assert_int_equal(r.over_per, LIM_MINUTE);
	assert_int_equal(r.retry_us, 20 * SEC);
	assert_false(check_at(lc, s, &m, T0 + 19, &r));	/* edge - 1 s */
	assert_int_equal(r.retry_us, 1 * SEC);
	assert_true(check_at(lc, s, &m, T0 + 20, &r));	/* at the edge */
	assert_false(check_at(lc, s, &m, T0 + 20, &r));
	/* a denied message counted nothing: after a minute, 3 again */
	for (i = 0; i < 3; i++)
		assert_true(check_at(lc, s, &m, T0 + 80, &r));
	/* recipients: 7 used of the domain's 10 per hour; 4 more: no */
	m.nrcpt = 4;
	assert_false(check_at(lc, s, &m, T0 + 200, &r));
	assert_int_equal(r.over_subj, LIM_DOMAIN);
	assert_true(r.over_is_rcpt);
	m.nrcpt = 3;
	assert_true(check_at(lc, s, &m, T0 + 200, &r));
	/* 11 recipients never fit 10 per hour */
	m.nrcpt = 11;
	assert_false(check_at(lc, s, &m, T0 + 999999, &r));
	assert_int_equal(r.retry_us, -1);
	/* another user is not affected by alice's budget */
	m.user = "bob@example.com";
	m.domain = "example.net";
	m.nrcpt = 1;
	assert_true(check_at(lc, s, &m, T0 + 200, &r));
	clock_set(0);
	close_store(&s);
	limits_conf_free(&lc);
}

struct thr_arg {
	struct limits_conf	*lc;
	struct store		*s;
	int			 n, allowed;
};

static void *
thr_main(void *p)
{
	struct thr_arg *a = p;
	struct limits_msg m = { "carol@example.com", "example.com", NULL, 1,
	    NULL, 0 };
	struct limits_result r;
	const char *why;
	int i;

	for (i = 0; i < a->n; i++) {
		if (limits_check(a->lc, a->s, &m, clock_now_us(), &r,
		    &why) == -1)
			return (void *)why;
		a->allowed += !r.is_over;
	}
	return NULL;
}

/* Four threads, 300 tries each, limit 1000 a day: exactly 1000 pass. */
static void
test_threads(void **state)
{
	struct limits_conf *lc = test_conf();
	struct store *s = open_store();
	struct thr_arg a[4];
	pthread_t th[4];
	void *ret;
	int i, total = 0;

	(void)state;
	clock_set((time_t)T0);
	lc->dflt[LIM_USER].v[LIM_DAY] = 1000;
	lc->ob.enabled = 1;
	lc->ob.learn_hours = 1000;	/* count, never alert */
	for (i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){ lc, s, 300, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &a[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		if (ret != NULL)
			fail_msg("thread %d: %s", i, (const char *)ret);
		total += a[i].allowed;
	}
	if (total != 1000)
		fail_msg("got %d allowed, want 1000", total);
	{
		struct buf b = BUF_INIT;
		struct outbound_state st;
		const char *why;

		outbound_key_state(&b, "carol@example.com");
		struct buf v = BUF_INIT;
		assert_int_equal(store_get(s, b.p, b.len, &v, NULL, &why), 0);
		assert_int_equal(outbound_state_parse(v.p, v.len, &st), 0);
		/* every attempt is counted for the spike detection */
		if (st.count != 1200)
			fail_msg("got hour count %u, want 1200", st.count);
		buf_free(&b);
		buf_free(&v);
	}
	clock_set(0);
	close_store(&s);
	limits_conf_free(&lc);
}

static int
abort_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	(void)arg;
	(void)n;
	buf_adds(v[0].val, "x");
	v[0].op = STORE_RMW_PUT;
	*why_r = "changed my mind";
	return -1;
}

static int
incr_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	size_t i;
	long long x;

	(void)arg;
	(void)why_r;
	for (i = 0; i < n; i++) {
		x = v[i].is_live ? strtoll(v[i].val->p, NULL, 10) : 0;
		buf_reset(v[i].val);
		buf_printf(v[i].val, "%lld", x + 1);
		v[i].op = STORE_RMW_PUT;
		v[i].ttl = 3600;
	}
	return 0;
}

static void *
rmw_thr(void *p)
{
	struct store *s = p;
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;
	struct store_rmw v[2] = {
		{ "t:a", 3, &b1, 0, 0, 0, 0, 0 },
		{ "t:b", 3, &b2, 0, 0, 0, 0, 0 } };
	const char *why;
	int i;

	for (i = 0; i < 500; i++)
		if (store_rmw(s, v, 2, incr_fn, NULL, &why) == -1)
			return (void *)why;
	buf_free(&b1);
	buf_free(&b2);
	return NULL;
}

static void
test_store_rmw(void **state)
{
	struct store *s = open_store();
	struct buf b = BUF_INIT;
	struct store_rmw v[1] = { { "t:x", 3, &b, 0, 0, 0, 0, 0 } };
	pthread_t th[4];
	const char *why;
	int64_t n;
	void *ret;
	int i;

	(void)state;
	assert_int_equal(store_rmw(s, v, 1, abort_fn, NULL, &why), -1);
	assert_string_equal(why, "changed my mind");
	assert_int_equal(store_get(s, "t:x", 3, &b, NULL, &why),
	    STORE_ABSENT);
	assert_int_equal(store_rmw(s, v, 0, incr_fn, NULL, &why), -1);
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, rmw_thr, s);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &ret);
		if (ret != NULL)
			fail_msg("thread %d: %s", i, (const char *)ret);
	}
	/* both keys moved together, and they are counters for incr */
	assert_int_equal(store_incr(s, "t:a", 3, 0, 0, &n, &why), 0);
	assert_int_equal(n, 2000);
	assert_int_equal(store_incr(s, "t:b", 3, 0, 0, &n, &why), 0);
	assert_int_equal(n, 2000);
	buf_free(&b);
	close_store(&s);
}

/* Baseline, spike, new-domain burst and new-network alerts. */
static void
test_baseline(void **state)
{
	struct outbound_conf oc = { 1, 10.0, 50, 3, 5, 3600, 86400, 1, 0, 0 };
	static const struct {
		int64_t hour;		/* hours after T0 */
		unsigned count;		/* messages sent that hour */
		size_t nnew;		/* new rcpt domains per message */
		const char *net;
		unsigned want;		/* alerts raised in that hour */
	} steps[] = {
		{ 0, 5, 0, "192.0.2.1", 0 },
		{ 1, 6, 0, "192.0.2.9", 0 },
		{ 5, 4, 0, "192.0.2.1", 0 },	/* idle hours don't count */
		/* learned (3 active hours, baseline ~5): 49 is no spike */
		{ 6, 49, 0, "192.0.2.200", 0 },
		/* a new network once */
		{ 7, 5, 0, "198.51.100.4", OB_ALERT_NEW_NETWORK },
		/* over both 50 and 10 x baseline (~12): one alert */
		{ 30, 300, 0, "192.0.2.1", OB_ALERT_SPIKE },
		/* 5 new domains in an hour */
		{ 40, 5, 1, "192.0.2.1", OB_ALERT_NEW_DOMAINS },
	};
	struct outbound_state st, st2;
	struct outbound_net net;
	unsigned char enc[OB_STATE_LEN];
	unsigned got;
	size_t i, k;

	(void)state;
	outbound_state_parse(NULL, 0, &st);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(outbound_network(steps[i].net, &net), 0);
		got = 0;
		for (k = 0; k < steps[i].count; k++)
			got |= outbound_update(&oc, &st, T0 - T0 % 3600 +
			    steps[i].hour * 3600 + (int64_t)k, steps[i].nnew,
			    &net);
		if (got != steps[i].want)
			fail_msg("step %zu: got alerts %#x, want %#x "
			    "(baseline %.2f, hours %u)", i, got,
			    steps[i].want, st.baseline, st.hours);
		/* the state survives its binary form, bit for bit */
		outbound_state_encode(&st, enc);
		assert_int_equal(outbound_state_parse((char *)enc,
		    sizeof(enc), &st2), 0);
		if (memcmp(&st, &st2, sizeof(st)) != 0)
			fail_msg("step %zu: state changed by its encoding", i);
	}
	assert_int_equal(outbound_state_parse("garbage", 7, &st), -1);
}

/*
 * The stored forms: binary with a version byte, little-endian whatever
 * the host; the decimal text of older versions is read (migrated);
 * garbled values read as fresh.
 */
static void
test_encoding(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		int64_t		 want0, want5;
	} rates[] = {
		{ "", 0, 0, 0 },
		/* old text, migrated */
		{ "1700000060000000 2 3 4 5 1700000086400000", 41,
		    1700000060000000LL, 1700000086400000LL },
		{ "12 x", 4, 12, 0 },			/* half garbled */
		{ "\x81short", 6, 0, 0 },		/* wrong length */
		{ "\x7f" "binary of another version.........................",
		    49, 0, 0 },
		{ "zz", 2, 0, 0 },
	};
	static const struct {
		int64_t		 t;
		const char	*want;
	} days[] = {
		{ 0, "alert:count:19700101" },
		{ 951782400, "alert:count:20000229" },	/* leap day */
		{ 1700000000, "alert:count:20231114" },
		{ 1709251199, "alert:count:20240229" },
		{ 1709251200, "alert:count:20240301" },
		{ 4102444800, "alert:count:21000101" },
		{ 4107456000, "alert:count:21000228" },
		{ 4107542400, "alert:count:21000301" },	/* 2100: no leap */
	};
	const char *old = "1 472222 7 5.500 3 1700000000 2 1 "
	    "192.0.2.0/24,2001:db8::/48";
	int64_t tat[LIM_NRATE], in[LIM_NRATE] = { 1, -2, 0x0102030405060708,
	    INT64_MAX, INT64_MIN, 1700000000000000 };
	unsigned char enc[LIM_RATE_LEN];
	struct outbound_state st;
	char k[OB_ALERTS_KEY_LEN + 1], txt[64], bin[OB_STATE_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		limits_tats_decode(rates[i].in, rates[i].len, tat);
		if (tat[0] != rates[i].want0 || tat[5] != rates[i].want5)
			fail_msg("rates %zu: got %lld..%lld, want %lld..%lld",
			    i, (long long)tat[0], (long long)tat[5],
			    (long long)rates[i].want0,
			    (long long)rates[i].want5);
	}
	limits_tats_encode(in, enc);
	assert_int_equal(enc[0], LIM_ENC_RATE);
	assert_int_equal(enc[1], 1);		/* little-endian */
	assert_int_equal(enc[17], 0x08);
	assert_int_equal(enc[24], 0x01);
	limits_tats_decode((char *)enc, sizeof(enc), tat);
	assert_memory_equal(tat, in, sizeof(in));
	/* the outbound state's old text form is migrated */
	assert_int_equal(outbound_state_parse(old, strlen(old), &st), 0);
	assert_int_equal(st.hour, 472222);
	assert_int_equal(st.count, 7);
	assert_true(st.baseline == 5.5);
	assert_int_equal(st.nnets, 2);
	outbound_net_str(&st.nets[1], txt, sizeof(txt));
	assert_string_equal(txt, "2001:db8::/48");
	outbound_net_str(&st.nets[0], txt, sizeof(txt));
	assert_string_equal(txt, "192.0.2.0/24");
	/* a binary state with a bad count of networks is garbled */
	outbound_state_encode(&st, (unsigned char *)bin);
	assert_int_equal(outbound_state_parse(bin, OB_STATE_LEN, &st), 0);
	assert_int_equal(st.count, 7);
	bin[1 + 8 + 4 + 8 + 4 + 8 + 4 + 1] = 17;
	assert_int_equal(outbound_state_parse(bin, OB_STATE_LEN, &st), -1);
	assert_int_equal(st.count, 0);
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		memset(k, 0, sizeof(k));
		outbound_alerts_key(days[i].t * SEC, k);
		if (strcmp(k, days[i].want) != 0)
			fail_msg("day %zu: got %s, want %s", i, k,
			    days[i].want);
	}
}

/*
 * Through the store: an old text rate state is honoured (migrated) and
 * rewritten in binary; a known recipient domain's key is rewritten only
 * when its expiry is due a refresh (domain_memory / 8, at most 1 h).
 */
static void
test_migrate_refresh(void **state)
{
	struct limits_conf *lc = test_conf();
	struct store *s = open_store();
	const char *doms[] = { "example.org" };
	struct limits_msg m = { "erin@example.com", "example.com", NULL, 1,
	    doms, 1 };
	static const struct {
		int64_t		 at;		/* seconds after T0 */
		uint32_t	 want_ttl;	/* of the domain key after */
		uint32_t	 want_new;	/* new domains in the window */
	} steps[] = {
		{ 0, 86400, 1 },
		{ 100, 86300, 1 },	/* known, not rewritten */
		{ 3600, 82800, 1 },	/* exactly the slack: not yet */
		{ 3601, 86400, 1 },	/* due: rewritten */
	};
	struct limits_result r;
	struct buf k = BUF_INIT, v = BUF_INIT;
	char old[128];
	const char *why;
	uint32_t ttl;
	size_t i;

	(void)state;
	lc->dflt[LIM_USER].v[LIM_MINUTE] = 3;
	/* three messages spent at T0, in the text of older versions */
	snprintf(old, sizeof(old), "%lld 0 0 0 0 0", (T0 + 60) * SEC);
	limits_key(&k, LIM_USER, m.user);
	assert_int_equal(store_set(s, k.p, k.len, old, strlen(old), 60,
	    &why), 0);
	assert_false(check_at(lc, s, &m, T0, &r));
	assert_int_equal(r.retry_us, 20 * SEC);
	assert_true(check_at(lc, s, &m, T0 + 20, &r));
	assert_int_equal(store_get(s, k.p, k.len, &v, NULL, &why), 0);
	assert_int_equal(v.len, LIM_RATE_LEN);
	assert_int_equal((unsigned char)v.p[0], LIM_ENC_RATE);
	lc->dflt[LIM_USER].v[LIM_MINUTE] = 0;
	lc->ob.enabled = 1;
	lc->ob.learn_hours = 1000;
	lc->ob.domain_memory = 86400;
	lc->ob.new_domain_window = 86400;
	outbound_key_domain(&k, m.user, doms[0]);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		check_at(lc, s, &m, T0 + steps[i].at, &r);
		assert_int_equal(store_get(s, k.p, k.len, &v, &ttl, &why), 0);
		if (ttl != steps[i].want_ttl || r.new_domains !=
		    steps[i].want_new)
			fail_msg("step %zu: got ttl %u new %u, want %u %u", i,
			    ttl, r.new_domains, steps[i].want_ttl,
			    steps[i].want_new);
	}
	buf_free(&k);
	buf_free(&v);
	clock_set(0);
	close_store(&s);
	limits_conf_free(&lc);
}

/* A spike freezes the account; later mail is held, nothing counted. */
static void
test_freeze(void **state)
{
	struct limits_conf *lc = test_conf();
	struct store *s = open_store();
	const char *doms[] = { "example.org" };
	struct limits_msg m = { "dave@example.com", "example.com",
	    "192.0.2.9", 1, doms, 1 };
	struct limits_result r;
	struct buf k = BUF_INIT, v = BUF_INIT;
	const char *why;
	int i, froze = 0;

	(void)state;
	lc->ob.enabled = 1;
	lc->ob.spike_factor = 2;
	lc->ob.min_volume = 5;
	lc->ob.learn_hours = 0;
	lc->ob.new_domain_burst = 0;
	lc->ob.freeze = 1;
	for (i = 0; i < 5; i++) {
		check_at(lc, s, &m, T0 + i, &r);
		assert_false(r.is_frozen);
		froze += r.froze_now;
	}
	assert_int_equal(froze, 1);
	assert_true(r.alerts & OB_ALERT_SPIKE);
	check_at(lc, s, &m, T0 + 10, &r);
	assert_true(r.is_frozen);
	outbound_key_alerts(&k, T0 * SEC);
	assert_string_equal(k.p, "alert:count:20231114");
	assert_int_equal(store_get(s, k.p, k.len, &v, NULL, &why), 0);
	assert_string_equal(v.p, "1");	/* one alert today */
	buf_free(&v);
	/* release: mail flows again */
	outbound_key_frozen(&k, m.user);
	assert_int_equal(store_del(s, k.p, k.len, &why), 0);
	check_at(lc, s, &m, T0 + 11, &r);
	assert_false(r.is_frozen);
	buf_free(&k);
	clock_set(0);
	close_store(&s);
	limits_conf_free(&lc);
}

static void
test_bulk(void **state)
{
	static const struct {
		const char *hdrs;
		const char *sender;
		size_t nrcpt;
		unsigned want;
	} cases[] = {
		{ "From: a@example.com\r\nSubject: hi\r\n", "a@example.com",
		    1, 0 },
		{ "From: a@example.com\r\nList-Id: <news.example.com>\r\n",
		    "a@example.com", 1, BULK_IS_BULK | BULK_NO_UNSUB |
		    BULK_NO_ONECLICK | BULK_NO_DKIM_ALIGN },
		{ "From: a@example.com\r\nPrecedence: bulk\r\n"
		    "List-Unsubscribe: <https://example.com/u?x=1>\r\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
		    "s=s1; b=x\r\n", "bounce@mail.example.com", 1,
		    BULK_IS_BULK },
		{ "From: a@example.com\r\nPrecedence: bulk\r\n"
		    "List-Unsubscribe: <mailto:u@example.com>\r\n"
		    "DKIM-Signature: v=1; d=esp.example.net; s=s1; b=x\r\n",
		    "b@esp.example.net", 1, BULK_IS_BULK | BULK_NO_ONECLICK |
		    BULK_NO_DKIM_ALIGN | BULK_NO_SPF_ALIGN },
		{ "From: a@example.com\r\nX-Campaign: spring\r\n",
		    "a@example.com", 1, BULK_IS_BULK | BULK_NO_UNSUB |
		    BULK_NO_ONECLICK | BULK_NO_DKIM_ALIGN },
		{ "From: a@example.com\r\n", "a@example.com", 60,
		    BULK_IS_BULK | BULK_NO_UNSUB | BULK_NO_ONECLICK |
		    BULK_NO_DKIM_ALIGN },
	};
	const char *markers[] = { "X-Campaign" };
	struct bulk_conf bc = { 50, markers, 1, BULK_HEADER, "X-W" };
	struct arena *a;
	struct task *t;
	const char *why;
	char raw[1024];
	unsigned got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = arena_new();
		t = task_new(a, NULL, NULL, NULL);
		snprintf(raw, sizeof(raw), "%s\r\nbody\r\n", cases[i].hdrs);
		assert_int_equal(msg_parse(a, raw, strlen(raw), &t->msg,
		    &why), 0);
		t->env.is_outbound = 1;
		t->env.mail_from = cases[i].sender;
		t->env.nrcpt = cases[i].nrcpt;
		got = bulk_check(&bc, t);
		if (got != cases[i].want)
			fail_msg("case %zu: got %#x, want %#x", i, got,
			    cases[i].want);
		arena_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcra_table),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_store_rmw),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_migrate_refresh),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_bulk),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	while (nconfs > 0)
		conf_free(&confs[--nconfs]);
	return rc;
}
