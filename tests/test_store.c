/*
 * Unit tests for src/store with the LMDB backend: get/set/TTL through the
 * fixed clock, add-if-absent, counters, capped lists, prefix scans,
 * sweeping, a full map, several threads and processes on one counter,
 * a writer killed with SIGKILL in the middle of its work, and group
 * commit (exact totals, refusals, order, a full map, SIGKILL).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "store/store.h"

#define T0	1700000000	/* the fixed clock the tests start at */

static char tmproot[] = "/tmp/mxw-test-store-XXXXXX";

/* A fresh directory under the test root for one test. */
static const char *
tdir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmproot, name);
	return path;
}

static struct store *
topen(const char *name, size_t map)
{
	struct store *s;
	const char *why = NULL;

	s = store_open(tdir(name), map, &why);
	if (s == NULL)
		fail_msg("store_open %s: %s", name, why);
	return s;
}

/* One step of a table-driven test. */
enum op { OP_SET, OP_GET, OP_DEL, OP_ADD, OP_INCR, OP_TICK };

struct step {
	enum op		 op;
	const char	*key;
	const char	*val;		/* set/add value; get/add: want */
	long long	 n;		/* incr amount; tick seconds; ttl */
	int		 want_rc;
	uint32_t	 want_ttl;
	long long	 want_n;	/* incr result */
};

static void
run_steps(struct store *s, const struct step *st, size_t nst)
{
	struct buf v = BUF_INIT;
	const char *why = "";
	uint32_t ttl;
	int64_t n;
	size_t i;
	int rc = -1;

	clock_set(T0);
	for (i = 0; i < nst; i++) {
		const struct step *x = &st[i];
		size_t kl = x->key != NULL ? strlen(x->key) : 0;
		size_t vl = x->val != NULL ? strlen(x->val) : 0;

		ttl = 0;
		n = 0;
		switch (x->op) {
		case OP_TICK:
			clock_set(clock_now() + x->n);
			continue;
		case OP_SET:
			rc = store_set(s, x->key, kl, x->val, vl,
			    (uint32_t)x->n, &why);
			break;
		case OP_GET:
			rc = store_get(s, x->key, kl, &v, &ttl, &why);
			break;
		case OP_DEL:
			rc = store_del(s, x->key, kl, &why);
			break;
		case OP_ADD:
			rc = store_add(s, x->key, kl, x->val, vl,
			    (uint32_t)x->n, &v, &ttl, &why);
			break;
		case OP_INCR:
			rc = store_incr(s, x->key, kl, x->n, 3600, &n, &why);
			break;
		}
		if (rc != x->want_rc)
			fail_msg("step %zu key %s: got rc %d, want %d (%s)",
			    i, x->key, rc, x->want_rc, rc == -1 ? why : "");
		if (x->op == OP_GET && rc == 0 && (v.len != vl ||
		    memcmp(v.p, x->val, vl) != 0))
			fail_msg("step %zu get %s: got \"%.*s\", want \"%s\"",
			    i, x->key, (int)v.len, v.p, x->val);
		if ((x->op == OP_GET || x->op == OP_ADD) && rc == 0 &&
		    ttl != x->want_ttl)
			fail_msg("step %zu %s: got ttl %u, want %u", i, x->key,
			    ttl, x->want_ttl);
		if (x->op == OP_INCR && rc == 0 && n != x->want_n)
			fail_msg("step %zu incr %s: got %lld, want %lld", i,
			    x->key, (long long)n, x->want_n);
	}
	buf_free(&v);
}

static void
test_get_set_ttl(void **state)
{
	static const struct step st[] = {
		{ OP_GET, "k", NULL, 0, STORE_ABSENT, 0, 0 },
		{ OP_SET, "k", "v1", 0, 0, 0, 0 },
		{ OP_GET, "k", "v1", 0, 0, 0, 0 },
		{ OP_SET, "k", "v2", 0, 0, 0, 0 },		/* overwrite */
		{ OP_GET, "k", "v2", 0, 0, 0, 0 },
		{ OP_SET, "t", "short", 10, 0, 0, 0 },
		{ OP_GET, "t", "short", 0, 0, 10, 0 },
		{ OP_TICK, NULL, NULL, 9, 0, 0, 0 },
		{ OP_GET, "t", "short", 0, 0, 1, 0 },
		{ OP_TICK, NULL, NULL, 1, 0, 0, 0 },
		{ OP_GET, "t", NULL, 0, STORE_ABSENT, 0, 0 },	/* expired */
		{ OP_DEL, "t", NULL, 0, STORE_ABSENT, 0, 0 },
		{ OP_SET, "t", "again", 5, 0, 0, 0 },
		{ OP_GET, "t", "again", 0, 0, 5, 0 },
		{ OP_DEL, "t", NULL, 0, 0, 0, 0 },
		{ OP_GET, "t", NULL, 0, STORE_ABSENT, 0, 0 },
		{ OP_DEL, "none", NULL, 0, STORE_ABSENT, 0, 0 },
		{ OP_SET, "", "x", 0, -1, 0, 0 },		/* empty key */
		{ OP_SET, "e", "", 0, 0, 0, 0 },	/* empty value */
		{ OP_GET, "e", "", 0, 0, 0, 0 },
		{ OP_GET, "k", "v2", 0, 0, 0, 0 },		/* untouched */
	};
	struct store *s = topen("basic", 0);
	struct buf v = BUF_INIT;
	char big[STORE_KEY_MAX + 1];
	const char *why;

	(void)state;
	run_steps(s, st, sizeof(st) / sizeof(st[0]));
	/* Binary keys and values, and the key size limit. */
	assert_int_equal(store_set(s, "a\0b", 3, "x\0y\n", 4, 0, &why), 0);
	assert_int_equal(store_get(s, "a\0b", 3, &v, NULL, &why), 0);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.p, "x\0y\n", 4);
	assert_int_equal(store_get(s, "a", 1, &v, NULL, &why), STORE_ABSENT);
	memset(big, 'K', sizeof(big));
	assert_int_equal(store_set(s, big, STORE_KEY_MAX, "m", 1, 0, &why), 0);
	assert_int_equal(store_get(s, big, STORE_KEY_MAX, &v, NULL, &why), 0);
	assert_int_equal(store_set(s, big, STORE_KEY_MAX + 1, "m", 1, 0,
	    &why), -1);
	assert_non_null(strstr(why, "max 511"));
	assert_int_equal(store_set(s, "\0r", 2, "m", 1, 0, &why), -1);
	buf_free(&v);
	store_close(&s);
	assert_null(s);
	clock_set(0);
}

/* Copy arg (a string) into every fixed buffer, as a hot caller would. */
static int
fixed_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	const char *w = arg;
	size_t i, len = strlen(w);

	(void)why_r;
	for (i = 0; i < n; i++) {
		memcpy(v[i].val->p, w, len);	/* may pass cap - 1: tested */
		v[i].val->len = len;
		v[i].op = STORE_RMW_PUT;
	}
	return 0;
}

/*
 * store_rmw with fixed (stack) value buffers: values that fit are read,
 * longer ones are reported with is_toolong and never copied (ASan would
 * see a write past the array or a realloc of stack memory), and a PUT
 * that does not fit is refused.
 */
static void
test_rmw_fixed(void **state)
{
	static const struct {
		const char	*stored;	/* NULL: absent */
		const char	*write;
		int		 want_rc, want_live, want_long;
		const char	*want_val;	/* value read */
	} cases[] = {
		{ NULL, "abc", 0, 0, 0, "" },
		{ "abc", "abcdefg", 0, 1, 0, "abc" },
		{ "abcdefg", "x", 0, 1, 0, "abcdefg" },	/* cap - 1 fits */
		{ "abcdefgh", "y", 0, 1, 1, "" },	/* cap: too long */
		{ "a very long value indeed", "z", 0, 1, 1, "" },
		{ "abc", "abcdefgh", -1, 1, 0, "abc" },	/* PUT over cap */
	};
	struct store *s = topen("fixed", 0);
	struct buf v = BUF_INIT;
	const char *why;
	char mem[9];
	struct buf fb;
	struct store_rmw rv;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_del(s, "fx", 2, &why);
		if (cases[i].stored != NULL)
			assert_int_equal(store_set(s, "fx", 2, cases[i].stored,
			    strlen(cases[i].stored), 0, &why), 0);
		fb = (struct buf){ mem, 0, 8 };	/* 8 of 9: room to spare */
		memset(&rv, 0, sizeof(rv));
		rv = (struct store_rmw){ "fx", 2, &fb, 0, 0, 0, 1, 0 };
		rc = store_rmw(s, &rv, 1, fixed_fn, (void *)cases[i].write,
		    &why);
		if (rc != cases[i].want_rc || rv.is_live !=
		    cases[i].want_live || rv.is_toolong != cases[i].want_long)
			fail_msg("case %zu: got rc %d live %d long %d, want "
			    "%d %d %d", i, rc, rv.is_live, rv.is_toolong,
			    cases[i].want_rc, cases[i].want_live,
			    cases[i].want_long);
		if (fb.p != mem)
			fail_msg("case %zu: fixed buffer replaced", i);
		if (cases[i].want_rc == 0 && (store_get(s, "fx", 2, &v, NULL,
		    &why) != 0 || strcmp(v.p, cases[i].write) != 0))
			fail_msg("case %zu: got \"%s\" stored, want \"%s\"",
			    i, v.p, cases[i].write);
	}
	/* a fixed entry without memory is a caller error */
	fb = (struct buf)BUF_INIT;
	rv = (struct store_rmw){ "fx", 2, &fb, 0, 0, 0, 1, 0 };
	assert_int_equal(store_rmw(s, &rv, 1, fixed_fn, "a", &why), -1);
	buf_free(&v);
	store_close(&s);
}

static void
test_add_nx(void **state)
{
	static const struct step st[] = {
		{ OP_ADD, "grey:1", "first", 100, 0, 0, 0 },
		{ OP_ADD, "grey:1", "first", 100, STORE_EXISTS, 100, 0 },
		{ OP_TICK, NULL, NULL, 40, 0, 0, 0 },
		/* Exists: old value and remaining TTL come back. */
		{ OP_ADD, "grey:1", "first", 100, STORE_EXISTS, 60, 0 },
		{ OP_GET, "grey:1", "first", 0, 0, 60, 0 },
		{ OP_TICK, NULL, NULL, 60, 0, 0, 0 },
		{ OP_ADD, "grey:1", "second", 0, 0, 0, 0 },	/* expired */
		{ OP_GET, "grey:1", "second", 0, 0, 0, 0 },
	};
	struct store *s = topen("nx", 0);
	struct buf old = BUF_INIT;
	const char *why;
	uint32_t ttl;

	(void)state;
	run_steps(s, st, sizeof(st) / sizeof(st[0]));
	clock_set(T0);
	assert_int_equal(store_add(s, "g", 1, "t=1", 3, 50, NULL, NULL, &why),
	    0);
	assert_int_equal(store_add(s, "g", 1, "t=2", 3, 50, &old, &ttl,
	    &why), STORE_EXISTS);
	if (old.len != 3 || memcmp(old.p, "t=1", 3) != 0 || ttl != 50)
		fail_msg("add old: got \"%.*s\" ttl %u, want \"t=1\" ttl 50",
		    (int)old.len, old.p, ttl);
	buf_free(&old);
	store_close(&s);
	clock_set(0);
}

static void
test_counters(void **state)
{
	static const struct step st[] = {
		{ OP_INCR, "rl:a", NULL, 1, 0, 0, 1 },
		{ OP_INCR, "rl:a", NULL, 5, 0, 0, 6 },
		{ OP_INCR, "rl:a", NULL, -10, 0, 0, -4 },
		{ OP_GET, "rl:a", "-4", 0, 0, 3600, 0 },
		{ OP_TICK, NULL, NULL, 1800, 0, 0, 0 },
		/* A live counter keeps its expiry: fixed windows. */
		{ OP_INCR, "rl:a", NULL, 4, 0, 0, 0 },
		{ OP_GET, "rl:a", "0", 0, 0, 1800, 0 },
		{ OP_TICK, NULL, NULL, 1800, 0, 0, 0 },
		{ OP_INCR, "rl:a", NULL, 7, 0, 0, 7 },	/* new window */
		{ OP_GET, "rl:a", "7", 0, 0, 3600, 0 },
		{ OP_SET, "str", "hello", 0, 0, 0, 0 },
		{ OP_INCR, "str", NULL, 1, -1, 0, 0 },	/* not a counter */
		{ OP_SET, "max", "9223372036854775806", 0, 0, 0, 0 },
		{ OP_INCR, "max", NULL, 1, 0, 0, INT64_MAX },
		{ OP_INCR, "max", NULL, 1, -1, 0, 0 },	/* overflow */
		{ OP_GET, "max", "9223372036854775807", 0, 0, 0, 0 },
		{ OP_SET, "big", "99999999999999999999", 0, 0, 0, 0 },
		{ OP_INCR, "big", NULL, 1, -1, 0, 0 },
	};
	struct store *s = topen("counters", 0);

	(void)state;
	run_steps(s, st, sizeof(st) / sizeof(st[0]));
	store_close(&s);
	clock_set(0);
}

static void
check_list(struct store *s, const char *key, const char *want)
{
	struct arena *a = arena_new();
	struct store_item *it;
	struct buf got = BUF_INIT;
	const char *why;
	size_t n, i;
	int rc;

	rc = store_list(s, key, strlen(key), a, &it, &n, &why);
	if (rc == -1)
		fail_msg("list %s: %s", key, why);
	for (i = 0; i < n; i++)
		buf_printf(&got, "%s%s", i > 0 ? "," : "", it[i].p);
	if (rc == STORE_ABSENT)
		buf_adds(&got, "(absent)");
	if (strcmp(got.p != NULL ? got.p : "", want) != 0)
		fail_msg("list %s: got \"%s\", want \"%s\"", key,
		    got.p != NULL ? got.p : "", want);
	buf_free(&got);
	arena_free(&a);
}

static void
test_lists(void **state)
{
	struct store *s = topen("lists", 0);
	struct arena *a = arena_new();
	struct store_item *it;
	const char *why;
	char item[16], *huge;
	size_t n;
	int i;

	(void)state;
	clock_set(T0);
	check_list(s, "corr:x", "(absent)");
	for (i = 1; i <= 10; i++) {
		snprintf(item, sizeof(item), "i%d", i);
		assert_int_equal(store_lpush(s, "corr:x", 6, item,
		    strlen(item), 3, 100, &why), 0);
	}
	check_list(s, "corr:x", "i10,i9,i8");
	/* A longer keep does not bring dropped items back. */
	assert_int_equal(store_lpush(s, "corr:x", 6, "i11", 3, 10, 100, &why),
	    0);
	check_list(s, "corr:x", "i11,i10,i9,i8");
	assert_int_equal(store_lpush(s, "corr:x", 6, "i12", 3, 1, 100, &why),
	    0);
	check_list(s, "corr:x", "i12");
	/* Each push refreshes the expiry; the list then expires whole. */
	clock_set(T0 + 100);
	check_list(s, "corr:x", "(absent)");
	assert_int_equal(store_lpush(s, "corr:x", 6, "new", 3, 5, 0, &why), 0);
	check_list(s, "corr:x", "new");
	/* Binary items with NUL bytes come back whole. */
	assert_int_equal(store_lpush(s, "bin", 3, "a\0b", 3, 5, 0, &why), 0);
	assert_int_equal(store_list(s, "bin", 3, a, &it, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].len, 3);
	assert_memory_equal(it[0].p, "a\0b", 3);
	/* The byte cap drops the oldest items: two 400 KiB items fit. */
	huge = calloc(1, 400 * 1024);
	for (i = 0; i < 4; i++) {
		huge[0] = (char)('A' + i);
		assert_int_equal(store_lpush(s, "huge", 4, huge, 400 * 1024,
		    100, 0, &why), 0);
	}
	assert_int_equal(store_list(s, "huge", 4, a, &it, &n, &why), 0);
	if (n != 2 || it[0].p[0] != 'D' || it[1].p[0] != 'C')
		fail_msg("huge list: got %zu items, want 2 (D, C)", n);
	free(huge);
	/* Misuse is an error, never a crash. */
	assert_int_equal(store_set(s, "plain", 5, "\0\0\0\x09x", 5, 0, &why),
	    0);
	assert_int_equal(store_list(s, "plain", 5, a, &it, &n, &why), -1);
	assert_int_equal(store_lpush(s, "plain", 5, "y", 1, 3, 0, &why), -1);
	assert_int_equal(store_lpush(s, "z", 1, "y", 1, 0, 0, &why), -1);
	assert_int_equal(store_lpush(s, "z", 1, "y", 1, STORE_LIST_MAX + 1, 0,
	    &why), -1);
	arena_free(&a);
	store_close(&s);
	clock_set(0);
}

struct collect {
	struct buf	 out;
	int		 stop_after;	/* 0: never */
	int		 seen;
	struct store	*del_from;	/* delete each key seen */
};

static int
collect_fn(void *arg, const struct store_entry *e)
{
	struct collect *c = arg;
	const char *why;

	buf_printf(&c->out, "%s%.*s=%.*s/%u", c->seen > 0 ? "," : "",
	    (int)e->klen, e->key, (int)e->vlen, e->val, e->ttl);
	c->seen++;
	if (c->del_from != NULL &&
	    store_del(c->del_from, e->key, e->klen, &why) != 0)
		fail_msg("delete in scan: %s", why);
	return c->stop_after != 0 && c->seen >= c->stop_after;
}

static void
check_scan(struct store *s, const char *prefix, int stop, const char *want)
{
	struct collect c = { BUF_INIT, stop, 0, NULL };
	const char *why;

	if (store_scan(s, prefix, strlen(prefix), collect_fn, &c, &why) != 0)
		fail_msg("scan %s: %s", prefix, why);
	buf_addc(&c.out, '\0');
	if (strcmp(c.out.p, want) != 0)
		fail_msg("scan \"%s\": got \"%s\", want \"%s\"", prefix,
		    c.out.p, want);
	buf_free(&c.out);
}

static void
test_scan(void **state)
{
	static const struct { const char *k, *v; uint32_t ttl; } rows[] = {
		{ "b:1", "x", 0 }, { "a:2", "2", 0 }, { "a", "bare", 0 },
		{ "a:10", "10", 50 }, { "a:1", "1", 0 }, { "a:gone", "g", 5 },
		{ "a;", "next", 0 }, { "a:\x7f", "del", 0 },
	};
	struct store *s = topen("scan", 0);
	struct collect c = { BUF_INIT, 0, 0, NULL };
	const char *why;
	char k[32];
	size_t i;
	int j;

	(void)state;
	clock_set(T0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(store_set(s, rows[i].k, strlen(rows[i].k),
		    rows[i].v, strlen(rows[i].v), rows[i].ttl, &why), 0);
	clock_set(T0 + 10);	/* a:gone expires */
	check_scan(s, "a:", 0, "a:1=1/0,a:10=10/40,a:2=2/0,a:\x7f=del/0");
	check_scan(s, "a:", 2, "a:1=1/0,a:10=10/40");
	check_scan(s, "a", 0, "a=bare/0,a:1=1/0,a:10=10/40,a:2=2/0,"
	    "a:\x7f=del/0,a;=next/0");
	check_scan(s, "zz", 0, "");
	check_scan(s, "", 0, "a=bare/0,a:1=1/0,a:10=10/40,a:2=2/0,"
	    "a:\x7f=del/0,a;=next/0,b:1=x/0");
	/* Many keys: batches join up in order, none missed or repeated. */
	for (j = 0; j < 1000; j++) {
		snprintf(k, sizeof(k), "m:%04d", (j * 7919) % 1000);
		assert_int_equal(store_set(s, k, strlen(k), "v", 1, 0, &why),
		    0);
	}
	c.del_from = s;		/* and the callback may write */
	assert_int_equal(store_scan(s, "m:", 2, collect_fn, &c, &why), 0);
	assert_int_equal(c.seen, 1000);
	for (j = 0; j < 1000; j++) {
		snprintf(k, sizeof(k), "m:%04d=v/0", j);
		if (memcmp(c.out.p + (size_t)j * 11, k, 10) != 0)
			fail_msg("scan order at %d: got \"%.10s\", want "
			    "\"%s\"", j, c.out.p + (size_t)j * 11, k);
	}
	check_scan(s, "m:", 0, "");
	buf_free(&c.out);
	store_close(&s);
	clock_set(0);
}

static void
test_sweep(void **state)
{
	struct store *s = topen("sweep", 0);
	struct store_stats st;
	struct buf v = BUF_INIT;
	const char *why;
	uint64_t deleted;
	char k[32];
	int i;

	(void)state;
	clock_set(T0);
	for (i = 0; i < 3000; i++) {
		snprintf(k, sizeof(k), "sw:%d", i);
		assert_int_equal(store_set(s, k, strlen(k), k, strlen(k),
		    i % 3 == 0 ? 0 : (uint32_t)(10 + i % 2 * 100), &why), 0);
	}
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.entries, 3000);
	clock_set(T0 + 50);	/* the ttl-10 thousand are dead */
	assert_int_equal(store_sweep(s, &deleted, &why), 0);
	if (deleted != 1000)
		fail_msg("sweep: got %llu deleted, want 1000",
		    (unsigned long long)deleted);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.entries, 2000);
	assert_int_equal(store_sweep(s, &deleted, &why), 0);
	assert_int_equal(deleted, 0);
	for (i = 0; i < 3000; i++) {
		snprintf(k, sizeof(k), "sw:%d", i);
		if (store_get(s, k, strlen(k), &v, NULL, &why) !=
		    (i % 3 != 0 && i % 2 == 0 ? STORE_ABSENT : 0))
			fail_msg("after sweep %s: wrong presence", k);
	}
	clock_set(T0 + 200);
	assert_int_equal(store_sweep(s, &deleted, &why), 0);
	assert_int_equal(deleted, 1000);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.entries, 1000);
	assert_string_equal(st.backend, "lmdb");
	assert_true(st.bytes_used > 0 && st.bytes_used <= st.map_size);
	buf_free(&v);
	store_close(&s);
	clock_set(0);
}

static void
test_map_full(void **state)
{
	struct store *s = topen("full", 256 * 1024);
	struct store_stats st;
	struct buf v = BUF_INIT;
	const char *why = NULL;
	char k[32], val[1000];
	int i, last = -1;

	(void)state;
	memset(val, 'f', sizeof(val));
	for (i = 0; i < 10000; i++) {
		snprintf(k, sizeof(k), "f:%05d", i);
		if (store_set(s, k, strlen(k), val, sizeof(val), 0, &why) ==
		    -1)
			break;
		last = i;
	}
	if (i == 10000 || strstr(why, "full") == NULL)
		fail_msg("tiny map: got %d writes, why \"%s\"; want a "
		    "\"full\" failure", i, why != NULL ? why : "");
	assert_true(last > 50);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.map_size, 256 * 1024);
	/* Committed data is intact, and deleting makes room again. */
	for (i = 0; i <= last; i++) {
		snprintf(k, sizeof(k), "f:%05d", i);
		assert_int_equal(store_get(s, k, strlen(k), &v, NULL, &why),
		    0);
		assert_int_equal(v.len, sizeof(val));
	}
	/*
	 * A full map may refuse even deletions (copy-on-write needs fresh
	 * pages). The remedy is a larger map: reopen with one, and every
	 * entry is still there and writes work again.
	 */
	store_close(&s);
	s = topen("full", 512 * 1024);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.map_size, 512 * 1024);
	for (i = 0; i <= last; i++) {
		snprintf(k, sizeof(k), "f:%05d", i);
		assert_int_equal(store_get(s, k, strlen(k), &v, NULL, &why),
		    0);
	}
	for (i = 0; i <= last / 2; i++) {
		snprintf(k, sizeof(k), "f:%05d", i);
		assert_int_equal(store_del(s, k, strlen(k), &why), 0);
	}
	assert_int_equal(store_set(s, "after", 5, val, sizeof(val), 0, &why),
	    0);
	store_close(&s);
	/* map_size 0 keeps the size the store has. */
	s = topen("full", 0);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.map_size, 512 * 1024);
	buf_free(&v);
	store_close(&s);
}

#define NTHREADS	4
#define NINCR		2000

static void *
incr_thread(void *arg)
{
	struct store *s = arg;
	const char *why;
	int64_t v;
	int i;

	for (i = 0; i < NINCR; i++)
		if (store_incr(s, "shared", 6, 1, 0, &v, &why) == -1)
			return (void *)why;
	return NULL;
}

#define NRACE		300
static int race_wins[NRACE];

static void *
add_thread(void *arg)
{
	struct store *s = arg;
	const char *why;
	char k[32];
	int i;

	for (i = 0; i < NRACE; i++) {
		snprintf(k, sizeof(k), "race:%d", i);
		if (store_add(s, k, strlen(k), "w", 1, 0, NULL, NULL,
		    &why) == 0)
			__atomic_fetch_add(&race_wins[i], 1,
			    __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct store *s = topen("threads", 0);
	pthread_t t[NTHREADS];
	struct buf v = BUF_INIT;
	const char *why;
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, incr_thread, s);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &ret);
		if (ret != NULL)
			fail_msg("thread %d: %s", i, (const char *)ret);
	}
	assert_int_equal(store_get(s, "shared", 6, &v, NULL, &why), 0);
	if (strcmp(v.p, "8000") != 0)
		fail_msg("4 threads x 2000: got %s, want 8000", v.p);
	/* Racing add-if-absent: one winner per key, always. */
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, add_thread, s);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NRACE; i++)
		if (race_wins[i] != 1)
			fail_msg("add race key %d: got %d winners, want 1", i,
			    race_wins[i]);
	buf_free(&v);
	store_close(&s);
}

static void
test_processes(void **state)
{
	struct store *s;
	struct buf v = BUF_INIT;
	const char *why;
	pid_t pid[2];
	int i, j, st;
	int64_t n;

	(void)state;
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			s = store_open(tdir("procs"), 0, &why);
			if (s == NULL)
				_exit(3);
			for (j = 0; j < NINCR; j++)
				if (store_incr(s, "shared", 6, 1, 0, &n,
				    &why) == -1)
					_exit(4);
			store_close(&s);
			_exit(0);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("child %d: status %d", i, st);
	}
	s = topen("procs", 0);
	assert_int_equal(store_get(s, "shared", 6, &v, NULL, &why), 0);
	if (strcmp(v.p, "4000") != 0)
		fail_msg("2 processes x 2000: got %s, want 4000", v.p);
	buf_free(&v);
	store_close(&s);
}

/* The value the crash writer stores under crash:I: 3000 derived bytes. */
static void
crash_val(int i, char *p, size_t len)
{
	size_t j;

	for (j = 0; j < len; j++)
		p[j] = (char)('a' + (i * 31 + (int)j) % 26);
}

static void
crash_writer(int fd)
{
	struct store *s;
	struct buf v = BUF_INIT;
	const char *why;
	char k[32], val[3000];
	int i;
	int64_t n;

	if ((s = store_open(tdir("crash"), 0, &why)) == NULL)
		_exit(3);
	for (i = 0; ; i++) {
		snprintf(k, sizeof(k), "crash:%06d", i);
		crash_val(i, val, sizeof(val));
		if (store_set(s, k, strlen(k), val, sizeof(val), 0, &why) ==
		    -1 || store_incr(s, "crash-count", 11, 1, 0, &n,
		    &why) == -1)
			_exit(4);
		(void)store_get(s, k, strlen(k), &v, NULL, &why);
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

struct crash_check {
	int	n;
	int	bad;
};

static int
crash_scan_fn(void *arg, const struct store_entry *e)
{
	struct crash_check *c = arg;
	char want[3000];
	int i;

	i = atoi(e->key + 6);
	crash_val(i, want, sizeof(want));
	if (e->vlen != sizeof(want) || memcmp(e->val, want, e->vlen) != 0)
		c->bad++;
	c->n++;
	return 0;
}

static void
test_crash(void **state)
{
	struct crash_check cc = { 0, 0 };
	struct store *s;
	struct store_stats st;
	struct buf v = BUF_INIT;
	const char *why;
	char k[32], want[3000];
	int fds[2], i, last = -1, status;
	pid_t pid;
	int64_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		crash_writer(fds[1]);
	}
	close(fds[1]);
	while (last < 300 && read(fds[0], &i, sizeof(i)) == sizeof(i))
		last = i;
	kill(pid, SIGKILL);	/* most likely inside a write txn */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	if (!WIFSIGNALED(status))
		fail_msg("crash writer exited early, status %d", status);
	s = topen("crash", 0);
	for (i = 0; i <= last; i++) {
		snprintf(k, sizeof(k), "crash:%06d", i);
		crash_val(i, want, sizeof(want));
		if (store_get(s, k, strlen(k), &v, NULL, &why) != 0 ||
		    v.len != sizeof(want) || memcmp(v.p, want, v.len) != 0)
			fail_msg("after kill: %s lost or damaged", k);
	}
	/* Every entry there, committed or not reported, is whole. */
	assert_int_equal(store_scan(s, "crash:", 6, crash_scan_fn, &cc, &why),
	    0);
	if (cc.bad != 0 || cc.n < last + 1)
		fail_msg("after kill: got %d entries (%d bad), want >= %d "
		    "whole", cc.n, cc.bad, last + 1);
	/* Counted after each set: the kill may fall between the two. */
	assert_int_equal(store_get(s, "crash-count", 11, &v, NULL, &why), 0);
	if (atoi(v.p) != cc.n && atoi(v.p) != cc.n - 1)
		fail_msg("after kill: got count %s, want %d or %d", v.p,
		    cc.n - 1, cc.n);
	/* The writer lock and reader slots of the dead child are free. */
	assert_int_equal(store_incr(s, "crash-count", 11, 1, 0, &n, &why), 0);
	assert_int_equal(store_set(s, "post", 4, "ok", 2, 0, &why), 0);
	assert_int_equal(store_stats(s, &st, &why), 0);
	assert_int_equal(st.entries, (uint64_t)cc.n + 2);
	buf_free(&v);
	store_close(&s);
}

/*
 * Group commit: many threads writing at once share commits. Every call
 * keeps its own result (totals exact, one add winner, refusals only for
 * the caller that made them), and a caller's writes stay in its order
 * and are visible to it as soon as the call returns.
 */
#define GC_THREADS	16
#define GC_OPS		300

struct gc_job {
	struct store	*s;
	int		 id;
	const char	*fail;
};

static int
gc_pair_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	long long a = v[0].is_live ? atoll(v[0].val->p) : 0;
	long long b = v[1].is_live ? atoll(v[1].val->p) : 0;

	(void)n;
	if (arg != NULL) {
		*why_r = "refused by the callback";
		return -1;		/* writes nothing */
	}
	if (a != b) {
		*why_r = "pair out of step";
		return -1;
	}
	buf_reset(v[0].val);
	buf_printf(v[0].val, "%lld", a + 1);
	buf_reset(v[1].val);
	buf_printf(v[1].val, "%lld", b + 1);
	v[0].op = v[1].op = STORE_RMW_PUT;
	return 0;
}

static void *
gc_thread(void *arg)
{
	struct gc_job *j = arg;
	struct buf b0 = BUF_INIT, b1 = BUF_INIT, v = BUF_INIT;
	struct store_rmw rv[2];
	const char *why;
	char k[32], val[32];
	int64_t n;
	int i, rc;

	snprintf(k, sizeof(k), "gc:own:%d", j->id);
	for (i = 0; i < GC_OPS && j->fail == NULL; i++) {
		if (store_incr(j->s, "gc:total", 8, 1, 0, &n, &why) == -1)
			j->fail = "incr failed";
		snprintf(val, sizeof(val), "%d", i);
		if (store_set(j->s, k, strlen(k), val, strlen(val), 0,
		    &why) == -1 || store_get(j->s, k, strlen(k), &v, NULL,
		    &why) != 0 || strcmp(v.p, val) != 0)
			j->fail = "own write not read back at once";
		if (store_lpush(j->s, k + 3, strlen(k + 3), val, strlen(val),
		    GC_OPS, 0, &why) == -1)
			j->fail = "lpush failed";
		memset(rv, 0, sizeof(rv));
		rv[0] = (struct store_rmw){ "gc:pa", 5, &b0, 0, 0, 0, 0, 0 };
		rv[1] = (struct store_rmw){ "gc:pb", 5, &b1, 0, 0, 0, 0, 0 };
		if (store_rmw(j->s, rv, 2, gc_pair_fn, NULL, &why) == -1)
			j->fail = why;
		/* A refusal fails this call only; the batch goes on. */
		rc = store_rmw(j->s, rv, 2, gc_pair_fn, "no", &why);
		if (rc != -1 || strcmp(why, "refused by the callback") != 0)
			j->fail = "refusal lost or misreported";
		if (store_incr(j->s, "gc:list", 7, 1, 0, &n, &why) != -1 ||
		    strstr(why, "not a counter") == NULL)
			j->fail = "incr of a list not refused";
		snprintf(val, sizeof(val), "gc:race:%d", i);
		if (store_add(j->s, val, strlen(val), "w", 1, 0, NULL, NULL,
		    &why) == 0)
			__atomic_fetch_add(&race_wins[i], 1,
			    __ATOMIC_SEQ_CST);
	}
	buf_free(&b0);
	buf_free(&b1);
	buf_free(&v);
	return NULL;
}

static void
test_group_commit(void **state)
{
	struct store *s;
	struct gc_job jobs[GC_THREADS];
	pthread_t t[GC_THREADS];
	struct store_stats st;
	struct store_item *it;
	struct arena *a = arena_new();
	struct buf v = BUF_INIT;
	const char *why;
	char uri[600], k[32];
	size_t n;
	int i, j;

	(void)state;
	memset(race_wins, 0, sizeof(race_wins));
	snprintf(uri, sizeof(uri), "lmdb:%s?sync=full", tdir("group"));
	if ((s = store_open(uri, 0, &why)) == NULL)
		fail_msg("open %s: %s", uri, why);
	assert_int_equal(store_lpush(s, "gc:list", 7, "x", 1, 5, 0, &why), 0);
	for (i = 0; i < GC_THREADS; i++) {
		jobs[i] = (struct gc_job){ s, i, NULL };
		pthread_create(&t[i], NULL, gc_thread, &jobs[i]);
	}
	for (i = 0; i < GC_THREADS; i++) {
		pthread_join(t[i], NULL);
		if (jobs[i].fail != NULL)
			fail_msg("thread %d: %s", i, jobs[i].fail);
	}
	assert_int_equal(store_get(s, "gc:total", 8, &v, NULL, &why), 0);
	if (atoi(v.p) != GC_THREADS * GC_OPS)
		fail_msg("counter: got %s, want %d", v.p,
		    GC_THREADS * GC_OPS);
	assert_int_equal(store_get(s, "gc:pb", 5, &v, NULL, &why), 0);
	if (atoi(v.p) != GC_THREADS * GC_OPS)
		fail_msg("rmw pair: got %s, want %d", v.p,
		    GC_THREADS * GC_OPS);
	for (i = 0; i < GC_OPS; i++)
		if (race_wins[i] != 1)
			fail_msg("add race %d: got %d winners, want 1", i,
			    race_wins[i]);
	/* Each thread's pushes are in its order: newest first. */
	for (i = 0; i < GC_THREADS; i++) {
		snprintf(k, sizeof(k), "own:%d", i);
		assert_int_equal(store_list(s, k, strlen(k), a, &it, &n,
		    &why), 0);
		assert_int_equal(n, GC_OPS);
		for (j = 0; j < GC_OPS; j++)
			if (atoi(it[j].p) != GC_OPS - 1 - j)
				fail_msg("%s item %d: got %s, want %d", k, j,
				    it[j].p, GC_OPS - 1 - j);
	}
	/* The point of it all: far fewer commits than writes. */
	assert_int_equal(store_stats(s, &st, &why), 0);
	if (st.commits == 0 || st.commits * 2 > st.writes)
		fail_msg("got %llu commits for %llu writes, want at most "
		    "half", (unsigned long long)st.commits,
		    (unsigned long long)st.writes);
	store_close(&s);
	/* group=off: one commit per write, as before. */
	snprintf(uri, sizeof(uri), "lmdb:%s?sync=none&group=off",
	    tdir("group-off"));
	if ((s = store_open(uri, 0, &why)) == NULL)
		fail_msg("open %s: %s", uri, why);
	for (i = 0; i < 10; i++)
		assert_int_equal(store_incr(s, "c", 1, 1, 0, NULL, &why), 0);
	assert_int_equal(store_add(s, "c", 1, "x", 1, 0, NULL, NULL, &why),
	    STORE_EXISTS);
	assert_int_equal(store_stats(s, &st, &why), 0);
	if (st.writes != 11 || st.commits != 10)
		fail_msg("group=off: got %llu writes, %llu commits; want "
		    "11, 10 (an add of a live key commits nothing)",
		    (unsigned long long)st.writes,
		    (unsigned long long)st.commits);
	store_close(&s);
	assert_null(store_open("lmdb:/tmp/x?group=maybe", 0, &why));
	assert_non_null(strstr(why, "group=on|off"));
	buf_free(&v);
	arena_free(&a);
}

/*
 * A full map inside a shared transaction: the batch is retried call by
 * call, so every call that returned 0 is there afterwards and every
 * failure says "full".
 */
#define GF_THREADS	6

struct gf_job {
	struct store	*s;
	int		 id;
	int		 ok[400];
	const char	*fail;
};

static void *
gf_thread(void *arg)
{
	struct gf_job *j = arg;
	const char *why;
	char k[32], val[1500];
	int i;

	memset(val, 'g', sizeof(val));
	for (i = 0; i < 400; i++) {
		snprintf(k, sizeof(k), "gf:%d:%03d", j->id, i);
		j->ok[i] = store_set(j->s, k, strlen(k), val, j->id == 0 ?
		    sizeof(val) : 100, 0, &why) == 0;
		if (!j->ok[i] && strstr(why, "full") == NULL)
			j->fail = why;
	}
	return NULL;
}

static void
test_group_full(void **state)
{
	struct store *s = topen("group-full", 256 * 1024);
	struct gf_job *jobs = calloc(GF_THREADS, sizeof(*jobs));
	pthread_t t[GF_THREADS];
	const char *why;
	char k[32];
	int i, j, nfail = 0;

	(void)state;
	for (i = 0; i < GF_THREADS; i++) {
		jobs[i].s = s;
		jobs[i].id = i;
		pthread_create(&t[i], NULL, gf_thread, &jobs[i]);
	}
	for (i = 0; i < GF_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < GF_THREADS; i++) {
		if (jobs[i].fail != NULL)
			fail_msg("thread %d: got \"%s\", want a full map", i,
			    jobs[i].fail);
		for (j = 0; j < 400; j++) {
			snprintf(k, sizeof(k), "gf:%d:%03d", i, j);
			if (!jobs[i].ok[j]) {
				nfail++;
				continue;
			}
			if (store_get(s, k, strlen(k), NULL, NULL, &why) != 0)
				fail_msg("%s: acknowledged, then lost", k);
		}
	}
	if (nfail == 0)
		fail_msg("the map never filled: the test proves nothing");
	free(jobs);
	store_close(&s);
}

/*
 * SIGKILL while threads share commits: every write a caller saw
 * succeed is there and whole; of the rest, each thread may have at most
 * its one write in flight, and its writes are a gapless prefix.
 */
#define GK_THREADS	8

struct gk_job {
	struct store	*s;
	int		 id;
	int		 fd;
};

static void *
gk_thread(void *arg)
{
	struct gk_job *j = arg;
	const char *why;
	char k[32], val[3000];
	int i, ack[2];

	for (i = 0; ; i++) {
		snprintf(k, sizeof(k), "gk:%d:%06d", j->id, i);
		crash_val(i, val, sizeof(val));
		if (store_set(j->s, k, strlen(k), val, sizeof(val), 0,
		    &why) == -1)
			_exit(4);
		ack[0] = j->id;
		ack[1] = i;
		if (write(j->fd, ack, sizeof(ack)) != sizeof(ack))
			_exit(5);
	}
	return NULL;
}

static void
test_group_crash(void **state)
{
	struct gk_job jobs[GK_THREADS];
	pthread_t t[GK_THREADS];
	struct store *s;
	struct buf v = BUF_INIT;
	const char *why;
	char k[32], want[3000];
	int fds[2], ack[2], last[GK_THREADS], i, j, got, status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if ((s = store_open(tdir("group-crash"), 0, &why)) == NULL)
			_exit(3);
		for (i = 0; i < GK_THREADS; i++) {
			jobs[i] = (struct gk_job){ s, i, fds[1] };
			pthread_create(&t[i], NULL, gk_thread, &jobs[i]);
		}
		pthread_join(t[0], NULL);
		_exit(6);
	}
	close(fds[1]);
	for (i = 0; i < GK_THREADS; i++)
		last[i] = -1;
	for (got = 0; got < 600 && read(fds[0], ack, sizeof(ack)) ==
	    sizeof(ack); got++)
		last[ack[0]] = ack[1];
	kill(pid, SIGKILL);	/* most likely inside a group commit */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	if (!WIFSIGNALED(status))
		fail_msg("crash writer exited early, status %d", status);
	s = topen("group-crash", 0);
	for (i = 0; i < GK_THREADS; i++) {
		for (j = 0; ; j++) {
			snprintf(k, sizeof(k), "gk:%d:%06d", i, j);
			if (store_get(s, k, strlen(k), &v, NULL, &why) != 0)
				break;
			crash_val(j, want, sizeof(want));
			if (v.len != sizeof(want) ||
			    memcmp(v.p, want, v.len) != 0)
				fail_msg("after kill: %s damaged", k);
		}
		/* j: first absent key of thread i. */
		if (j <= last[i] || j > last[i] + 2)
			fail_msg("after kill: thread %d has %d writes, "
			    "acknowledged %d; want %d or %d", i, j,
			    last[i] + 1, last[i] + 1, last[i] + 2);
		snprintf(k, sizeof(k), "gk:%d:%06d", i, j + 1);
		if (store_get(s, k, strlen(k), NULL, NULL, &why) !=
		    STORE_ABSENT)
			fail_msg("after kill: %s present after a gap", k);
	}
	assert_int_equal(store_set(s, "post", 4, "ok", 2, 0, &why), 0);
	buf_free(&v);
	store_close(&s);
}

static void
write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

static void
test_open(void **state)
{
	static const struct { const char *uri; const char *want_why; } bad[] = {
		{ "redis://127.0.0.1:6379/0", "redis backend not built yet" },
		{ "lmdb:", "path empty" },
		{ "", "empty path" },
		{ "ftp://x/y", "unknown backend" },
		{ "lmdb:/tmp/mxw-nonexistent?sync=maybe", "unknown option" },
	};
	struct store *s, *s2;
	struct buf v = BUF_INIT;
	struct stat sb;
	char path[600], junk[16384];
	const char *why;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = "";
		s = store_open(bad[i].uri, 0, &why);
		if (s != NULL || strstr(why, bad[i].want_why) == NULL)
			fail_msg("open \"%s\": got \"%s\", want \"%s\"",
			    bad[i].uri, why, bad[i].want_why);
	}
	/* New nested directories get mode 0700; URI options are read. */
	snprintf(path, sizeof(path), "lmdb:%s/deep/er?sync=meta",
	    tmproot);
	s = store_open(path, 0, &why);
	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/deep/er", tmproot);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/deep", tmproot);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Twice in one process: one environment, shared. */
	snprintf(path, sizeof(path), "lmdb://%s/deep/er", tmproot);
	s2 = store_open(path, 0, &why);
	assert_non_null(s2);
	assert_int_equal(store_set(s, "k", 1, "v", 1, 0, &why), 0);
	store_close(&s);
	assert_int_equal(store_get(s2, "k", 1, &v, NULL, &why), 0);
	store_close(&s2);
	/* Inspection: nothing created, writes refused. */
	s = store_open_existing(tdir("missing"), &why);
	assert_null(s);
	assert_non_null(strstr(why, "no store at"));
	assert_int_equal(stat(tdir("missing"), &sb), -1);
	snprintf(path, sizeof(path), "%s/deep/er", tmproot);
	s = store_open_existing(path, &why);
	assert_non_null(s);
	assert_int_equal(store_get(s, "k", 1, &v, NULL, &why), 0);
	assert_int_equal(store_set(s, "k", 1, "w", 1, 0, &why), -1);
	store_close(&s);
	/* A file that is not LMDB at all. */
	mkdir(tdir("junk"), 0700);
	memset(junk, 0x5a, sizeof(junk));
	snprintf(path, sizeof(path), "%s/data.mdb", tdir("junk"));
	write_file(path, junk, sizeof(junk));
	s = store_open(tdir("junk"), 0, &why);
	if (s != NULL || strstr(why, "not an LMDB store") == NULL)
		fail_msg("junk file: got \"%s\", want \"not an LMDB store\"",
		    s != NULL ? "opened" : why);
	/* Another program's LMDB file. */
	mkdir(tdir("foreign"), 0700);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, tdir("foreign"), 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	k.mv_data = "postfix";
	k.mv_size = 7;
	d = k;
	assert_int_equal(mdb_put(txn, dbi, &k, &d, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	s = store_open(tdir("foreign"), 0, &why);
	if (s != NULL || strstr(why, "not an mxwarden store") == NULL)
		fail_msg("foreign file: got \"%s\", want \"not an mxwarden "
		    "store\"", s != NULL ? "opened" : why);
	buf_free(&v);
}

static int
rm_tree(const char *path)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_set_ttl),
		cmocka_unit_test(test_add_nx),
		cmocka_unit_test(test_rmw_fixed),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_map_full),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_group_full),
		cmocka_unit_test(test_group_crash),
		cmocka_unit_test(test_open),
	};
	int rc;

	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rm_tree(tmproot);
	return rc;
}
