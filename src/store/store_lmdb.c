/*
 * The LMDB backend of the store: one memory-mapped B-tree file per store
 * directory (data.mdb, lock.mdb), shared by every thread and process that
 * opens it. LMDB gives us atomic, crash-safe transactions with a single
 * writer (a robust process-shared mutex in lock.mdb) and lock-free
 * readers. Every operation here is one short transaction, so the writer
 * lock is held for microseconds and a process killed with SIGKILL leaves
 * nothing half-written.
 *
 * Record format: value = 8-byte big-endian expiry time (UNIX seconds, 0:
 * never) followed by the value bytes. Counters are decimal ASCII; lists
 * are a run of (4-byte big-endian length, bytes) items, newest first. The
 * key "\0mxwarden.format" marks a store made by us (format 1), so that a
 * foreign LMDB file is refused instead of misread.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xmalloc.h"
#include "store/store.h"
#include "store/store_impl.h"

#define LM_HDR		8		/* expiry header bytes */
#define LM_READERS	510		/* reader slots: threads x processes */
#define LM_SCAN_BATCH	256		/* entries copied per read txn */
#define LM_SCAN_BYTES	(2 * 1024 * 1024)
#define LM_SWEEP_LOOK	2048		/* entries examined per read txn */
#define LM_SWEEP_DEL	256		/* deletions per write txn */
#define LM_GC_MAX	128		/* requests per group commit */
#define LM_EMDB		(-2)		/* an LMDB call failed in a txn */

static const char lm_fmt_key[] = "\0mxwarden.format";
static const char lm_fmt_val[] = "mxwarden-store 1";
#define LM_FMT_KLEN	(sizeof(lm_fmt_key) - 1)
#define LM_FMT_VLEN	(sizeof(lm_fmt_val) - 1)

/*
 * One LMDB environment per directory per process: LMDB forbids opening
 * the same environment twice in a process (closing one would drop the
 * other's locks). Handles share it through this list; entries made
 * before a fork() belong to the parent and are skipped by the child.
 */
struct lm_env {
	struct lm_env		*next;
	char			*path;
	dev_t			 dev;
	ino_t			 ino;
	pid_t			 pid;
	int			 refs;
	int			 is_ro;
	MDB_env			*env;
	MDB_dbi			 dbi;
	/* Every txn holds it shared; adopting a grown map holds it alone. */
	pthread_rwlock_t	 resize;
	/* Group commit (lm_submit): the queue of this process's writes. */
	int			 is_group;
	pthread_mutex_t		 gc_mu;
	struct lm_req		*gc_head;
	struct lm_req		*gc_tail;
	int			 gc_busy;	/* a leader is writing */
	uint64_t		 gc_writes;	/* atomic */
	uint64_t		 gc_commits;	/* atomic */
};

static pthread_mutex_t lm_envs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lm_env *lm_envs;

static const struct store_ops lm_ops;

static const char *
lm_why(const char *what, int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return "store full: the map size is reached; raise the map "
		    "size (store.map_size) or sweep expired keys";
	case MDB_READERS_FULL:
		return "store: all LMDB reader slots are taken";
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return "store: the data file is corrupted";
	case MDB_INVALID:
		return "store: not an LMDB store, or its header is damaged";
	case MDB_VERSION_MISMATCH:
		return "store: made by an incompatible LMDB version";
	default:
		return store_whyf("store: %s: %s", what, mdb_strerror(rc));
	}
}

static uint64_t
lm_get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
lm_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint32_t
lm_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
lm_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint64_t
lm_expiry(uint32_t ttl)
{
	return ttl == 0 ? 0 : (uint64_t)clock_now() + ttl;
}

/*
 * Is the record d live at now? Sets *ttl_r to the seconds left (0: no
 * expiry). A record too short for its header counts as corrupt.
 */
static int
lm_live(const MDB_val *d, uint64_t now, uint32_t *ttl_r, int *is_bad_r)
{
	uint64_t exp;

	*is_bad_r = d->mv_size < LM_HDR;
	if (*is_bad_r)
		return 0;
	exp = lm_get64(d->mv_data);
	if (exp != 0 && exp <= now)
		return 0;
	if (ttl_r != NULL)
		*ttl_r = exp == 0 ? 0 : exp - now > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)(exp - now);
	return 1;
}

/*
 * Begin a transaction, holding the resize lock shared. Another process
 * may have grown the map (MDB_MAP_RESIZED): adopt its size, which LMDB
 * allows only with no transaction active in this process, hence the lock.
 * A full reader table may hold slots of dead processes: clear, retry.
 */
static int
lm_begin(struct lm_env *e, int is_write, MDB_txn **txn_r, const char **why_r)
{
	int rc, tries;

	for (tries = 0; tries < 3; tries++) {
		pthread_rwlock_rdlock(&e->resize);
		rc = mdb_txn_begin(e->env, NULL, is_write ? 0 : MDB_RDONLY,
		    txn_r);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&e->resize);
		if (rc == MDB_MAP_RESIZED) {
			pthread_rwlock_wrlock(&e->resize);
			rc = mdb_env_set_mapsize(e->env, 0);
			pthread_rwlock_unlock(&e->resize);
			if (rc != 0)
				break;
		} else if (rc == MDB_READERS_FULL) {
			mdb_reader_check(e->env, NULL);
		} else
			break;
	}
	*why_r = lm_why("begin transaction", rc);
	return -1;
}

static void
lm_abort(struct lm_env *e, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&e->resize);
}

static int
lm_commit(struct lm_env *e, MDB_txn *txn, const char **why_r)
{
	int rc;

	rc = mdb_txn_commit(txn);
	pthread_rwlock_unlock(&e->resize);
	if (rc != 0) {
		*why_r = lm_why("commit", rc);
		return -1;
	}
	return 0;
}

/*
 * Write header + value with one copy (MDB_RESERVE). 0, or LM_EMDB: the
 * transaction is then unusable and must be aborted.
 */
static int
lm_write(struct lm_env *e, MDB_txn *txn, const void *key, size_t klen,
    uint64_t exp, const void *v1, size_t l1, const void *v2, size_t l2,
    const char **why_r)
{
	MDB_val k, d;
	int rc;

	k.mv_data = (void *)key;
	k.mv_size = klen;
	d.mv_data = NULL;
	d.mv_size = LM_HDR + l1 + l2;
	if ((rc = mdb_put(txn, e->dbi, &k, &d, MDB_RESERVE)) != 0) {
		*why_r = lm_why("write", rc);
		return LM_EMDB;
	}
	lm_put64(d.mv_data, exp);
	if (l1 > 0)
		memcpy((char *)d.mv_data + LM_HDR, v1, l1);
	if (l2 > 0)
		memcpy((char *)d.mv_data + LM_HDR + l1, v2, l2);
	return 0;
}

/*
 * Look key up inside txn. Returns 0 with *d_r and *ttl_r for a live
 * record, STORE_ABSENT for none or an expired one (*is_dead_r set when
 * an expired record is there), -1 for a damaged record, LM_EMDB when
 * LMDB fails.
 */
static int
lm_lookup(struct lm_env *e, MDB_txn *txn, const void *key, size_t klen,
    MDB_val *d_r, uint32_t *ttl_r, int *is_dead_r, const char **why_r)
{
	MDB_val k;
	int rc, is_bad;

	k.mv_data = (void *)key;
	k.mv_size = klen;
	if (is_dead_r != NULL)
		*is_dead_r = 0;
	rc = mdb_get(txn, e->dbi, &k, d_r);
	if (rc == MDB_NOTFOUND)
		return STORE_ABSENT;
	if (rc != 0) {
		*why_r = lm_why("read", rc);
		return LM_EMDB;
	}
	if (lm_live(d_r, (uint64_t)clock_now(), ttl_r, &is_bad))
		return 0;
	if (is_bad) {
		*why_r = "store: record shorter than its header (corrupted)";
		return -1;
	}
	if (is_dead_r != NULL)
		*is_dead_r = 1;
	return STORE_ABSENT;
}

static struct lm_env *
lm_env_of(struct store *s)
{
	return s->impl;
}

static int
lm_get(struct store *s, const void *key, size_t klen, struct buf *val,
    uint32_t *ttl_r, const char **why_r)
{
	struct lm_env *e = lm_env_of(s);
	MDB_txn *txn;
	MDB_val d;
	int rc;

	if (lm_begin(e, 0, &txn, why_r) == -1)
		return -1;
	rc = lm_lookup(e, txn, key, klen, &d, ttl_r, NULL, why_r);
	if (rc == 0 && val != NULL)
		buf_add(val, (char *)d.mv_data + LM_HDR, d.mv_size - LM_HDR);
	lm_abort(e, txn);
	return rc < 0 ? -1 : rc;
}

/* Parse a counter: optional '-', 1 to 19 digits, no overflow. */
static int
lm_parse_counter(const char *p, size_t len, int64_t *v_r)
{
	int64_t v = 0;
	size_t i = 0;
	int is_neg = 0;

	if (len > 0 && p[0] == '-') {
		is_neg = 1;
		i = 1;
	}
	if (i == len || len - i > 19)
		return -1;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, is_neg ? -(p[i] - '0') :
		    p[i] - '0', &v))
			return -1;
	}
	*v_r = v;
	return 0;
}

/*
 * Walk an encoded list: returns the number of items, or -1 if the bytes
 * are not a list. With keep and room, *prefix_r is the byte length of the
 * newest items that fit both (at most keep items, at most room bytes).
 */
static long
lm_list_walk(const unsigned char *p, size_t len, size_t keep, size_t room,
    size_t *prefix_r)
{
	size_t off = 0, n = 0, il;

	if (prefix_r != NULL)
		*prefix_r = 0;
	while (off < len) {
		if (len - off < 4)
			return -1;
		il = lm_get32(p + off);
		if (il > len - off - 4)
			return -1;
		off += 4 + il;
		n++;
		if (prefix_r != NULL && n <= keep && off <= room)
			*prefix_r = off;
	}
	return (long)n;
}

/*
 * The write operations. Each lm_do_* runs inside a write transaction it
 * is given, so that one transaction can carry many callers' operations
 * (group commit, below). They return the operation's result (0, 1 for
 * STORE_ABSENT or STORE_EXISTS, -1 with *why_r for a refusal that wrote
 * nothing, such as "not a counter") or LM_EMDB when an LMDB call failed:
 * LMDB then refuses every further call on the transaction, so the whole
 * transaction must go. *is_dirty_r is set when something was written.
 */
enum lm_kind { LK_SET, LK_DEL, LK_ADD, LK_INCR, LK_LPUSH, LK_RMW };

struct lm_req {
	struct lm_req		*next;
	enum lm_kind		 kind;
	const void		*key;
	size_t			 klen;
	const void		*val;		/* set, add; lpush: item */
	size_t			 vlen;
	uint32_t		 ttl;
	int64_t			 n;		/* incr */
	size_t			 keep;		/* lpush */
	struct buf		*old_r;		/* add */
	uint32_t		*ttl_r;		/* add */
	int64_t			*val_r;		/* incr */
	struct store_rmw	*v;		/* rmw */
	size_t			 nv;
	store_rmw_fn		 fn;
	void			*arg;
	int			 rc;		/* out */
	int			 is_done;	/* out, under gc_mu */
	pthread_cond_t		 cv;		/* done, or lead now */
	char			 why[256];	/* out, when rc == -1 */
};

static int
lm_do_del(struct lm_env *e, MDB_txn *txn, struct lm_req *r, int *is_dirty_r,
    const char **why_r)
{
	MDB_val k, d;
	int rc, is_dead;

	rc = lm_lookup(e, txn, r->key, r->klen, &d, NULL, &is_dead, why_r);
	if (rc < 0 || (rc == STORE_ABSENT && !is_dead))
		return rc;
	/* Live or expired: either way the record goes. */
	k.mv_data = (void *)r->key;
	k.mv_size = r->klen;
	if ((rc = mdb_del(txn, e->dbi, &k, NULL)) != 0) {
		*why_r = lm_why("delete", rc);
		return LM_EMDB;
	}
	*is_dirty_r = 1;
	return is_dead ? STORE_ABSENT : 0;
}

static int
lm_do_add(struct lm_env *e, MDB_txn *txn, struct lm_req *r, int *is_dirty_r,
    const char **why_r)
{
	MDB_val d;
	int rc;

	if (r->old_r != NULL)
		buf_reset(r->old_r);
	rc = lm_lookup(e, txn, r->key, r->klen, &d, r->ttl_r, NULL, why_r);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (r->old_r != NULL)
			buf_add(r->old_r, (char *)d.mv_data + LM_HDR,
			    d.mv_size - LM_HDR);
		return STORE_EXISTS;
	}
	if (r->ttl_r != NULL)
		*r->ttl_r = 0;
	*is_dirty_r = 1;
	return lm_write(e, txn, r->key, r->klen, lm_expiry(r->ttl), r->val,
	    r->vlen, NULL, 0, why_r);
}

static int
lm_do_incr(struct lm_env *e, MDB_txn *txn, struct lm_req *r,
    int *is_dirty_r, const char **why_r)
{
	MDB_val d;
	uint64_t exp;
	int64_t v = 0;
	char num[24];
	int rc, len;

	rc = lm_lookup(e, txn, r->key, r->klen, &d, NULL, NULL, why_r);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		exp = lm_get64(d.mv_data);
		if (lm_parse_counter((char *)d.mv_data + LM_HDR,
		    d.mv_size - LM_HDR, &v) == -1) {
			*why_r = "store: the key holds something that is not "
			    "a counter";
			return -1;
		}
	} else
		exp = lm_expiry(r->ttl);
	if (__builtin_add_overflow(v, r->n, &v)) {
		*why_r = "store: counter overflow";
		return -1;
	}
	len = snprintf(num, sizeof(num), "%lld", (long long)v);
	*is_dirty_r = 1;
	if ((rc = lm_write(e, txn, r->key, r->klen, exp, num, (size_t)len,
	    NULL, 0, why_r)) != 0)
		return rc;
	if (r->val_r != NULL)
		*r->val_r = v;
	return 0;
}

static int
lm_do_lpush(struct lm_env *e, MDB_txn *txn, struct lm_req *r,
    int *is_dirty_r, const char **why_r)
{
	struct buf nb = BUF_INIT;
	unsigned char hdr[4];
	MDB_val d;
	size_t keep_bytes = 0, room;
	int rc;

	rc = lm_lookup(e, txn, r->key, r->klen, &d, NULL, NULL, why_r);
	if (rc < 0)
		return rc;
	lm_put32(hdr, (uint32_t)r->vlen);
	buf_add(&nb, hdr, 4);
	buf_add(&nb, r->val, r->vlen);
	room = STORE_VAL_MAX - nb.len;	/* front checked ilen + 4 fits */
	if (rc == 0) {
		if (lm_list_walk((unsigned char *)d.mv_data + LM_HDR,
		    d.mv_size - LM_HDR, r->keep - 1, room, &keep_bytes) ==
		    -1) {
			buf_free(&nb);
			*why_r = "store: the key holds something that is not "
			    "a list";
			return -1;
		}
		/* Copy out: the put below may rewrite the page under d. */
		buf_add(&nb, (char *)d.mv_data + LM_HDR, keep_bytes);
	}
	*is_dirty_r = 1;
	rc = lm_write(e, txn, r->key, r->klen, lm_expiry(r->ttl), nb.p,
	    nb.len, NULL, 0, why_r);
	buf_free(&nb);
	return rc;
}

/*
 * store_rmw: read every key, let fn decide, write the decisions, all in
 * one write transaction, so several counters move together or not at
 * all. Every refusal comes before the first write.
 */
static int
lm_do_rmw(struct lm_env *e, MDB_txn *txn, struct lm_req *r, int *is_dirty_r,
    const char **why_r)
{
	struct store_rmw *v = r->v;
	MDB_val k, d;
	size_t i, n = r->nv;
	int rc;

	for (i = 0; i < n; i++) {
		buf_reset(v[i].val);	/* again if this is a retry */
		v[i].ttl = 0;
		v[i].op = STORE_RMW_KEEP;
		v[i].is_toolong = 0;
		rc = lm_lookup(e, txn, v[i].key, v[i].klen, &d, &v[i].ttl,
		    NULL, why_r);
		if (rc < 0)
			return rc;
		v[i].is_live = rc == 0;
		if (rc != 0)
			continue;
		/* A fixed buffer (stack memory) must never be reallocated. */
		if (v[i].is_fixed && d.mv_size - LM_HDR >= v[i].val->cap)
			v[i].is_toolong = 1;
		else
			buf_add(v[i].val, (char *)d.mv_data + LM_HDR,
			    d.mv_size - LM_HDR);
	}
	if (r->fn(r->arg, v, n, why_r) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (v[i].op == STORE_RMW_PUT &&
		    (v[i].val->len > STORE_VAL_MAX || (v[i].is_fixed &&
		    v[i].val->len >= v[i].val->cap))) {
			*why_r = "store: update value over the cap";
			return -1;
		}
	for (i = 0; i < n; i++) {
		if (v[i].op == STORE_RMW_PUT) {
			*is_dirty_r = 1;
			if ((rc = lm_write(e, txn, v[i].key, v[i].klen,
			    lm_expiry(v[i].ttl), v[i].val->p, v[i].val->len,
			    NULL, 0, why_r)) != 0)
				return rc;
		} else if (v[i].op == STORE_RMW_DEL) {
			k.mv_data = (void *)v[i].key;
			k.mv_size = v[i].klen;
			rc = mdb_del(txn, e->dbi, &k, NULL);
			if (rc != 0 && rc != MDB_NOTFOUND) {
				*why_r = lm_why("delete", rc);
				return LM_EMDB;
			}
			*is_dirty_r |= rc == 0;
		}
	}
	return 0;
}

static int
lm_do(struct lm_env *e, MDB_txn *txn, struct lm_req *r, int *is_dirty_r,
    const char **why_r)
{
	switch (r->kind) {
	case LK_SET:
		*is_dirty_r = 1;
		return lm_write(e, txn, r->key, r->klen, lm_expiry(r->ttl),
		    r->val, r->vlen, NULL, 0, why_r);
	case LK_DEL:
		return lm_do_del(e, txn, r, is_dirty_r, why_r);
	case LK_ADD:
		return lm_do_add(e, txn, r, is_dirty_r, why_r);
	case LK_INCR:
		return lm_do_incr(e, txn, r, is_dirty_r, why_r);
	case LK_LPUSH:
		return lm_do_lpush(e, txn, r, is_dirty_r, why_r);
	case LK_RMW:
		return lm_do_rmw(e, txn, r, is_dirty_r, why_r);
	}
	*why_r = "store: unknown operation";
	return -1;
}

/* Keep the outcome of r: why-strings are copied, the thread may differ. */
static void
lm_req_done(struct lm_req *r, int rc, const char *why)
{
	r->rc = rc < 0 ? -1 : rc;
	if (rc < 0)
		snprintf(r->why, sizeof(r->why), "%s", why != NULL ? why :
		    "store: failed");
}

/*
 * One request in a transaction of its own: what every write did before
 * group commit, and the retry path of a failed group. A transaction that
 * wrote nothing (add of a live key, rmw keeping all) is aborted: no
 * flush.
 */
static void
lm_run1(struct lm_env *e, struct lm_req *r)
{
	MDB_txn *txn;
	const char *why = NULL;
	int rc, is_dirty = 0;

	if (lm_begin(e, 1, &txn, &why) == -1) {
		lm_req_done(r, -1, why);
		return;
	}
	rc = lm_do(e, txn, r, &is_dirty, &why);
	if (rc < 0 || !is_dirty)
		lm_abort(e, txn);
	else if (lm_commit(e, txn, &why) == -1)
		rc = -1;
	lm_req_done(r, rc, why);
	if (rc >= 0 && is_dirty)
		__atomic_add_fetch(&e->gc_commits, 1, __ATOMIC_RELAXED);
}

/*
 * Apply a batch of requests, in queue order, in one write transaction
 * and commit it once: one flush for them all. If LMDB fails inside the
 * transaction (map full, I/O error) or at the commit, nothing of the
 * batch is written; every request is then run again alone, so each gets
 * the result it would have had without the others (an rmw callback may
 * thus be called twice). Runs on the leader's thread, see lm_submit.
 */
static void
lm_gc_run(struct lm_env *e, struct lm_req *batch)
{
	struct lm_req *r;
	MDB_txn *txn;
	const char *why = NULL;
	int rc, is_dirty = 0;

	if (batch->next == NULL) {
		lm_run1(e, batch);
		return;
	}
	if (lm_begin(e, 1, &txn, &why) == -1) {
		for (r = batch; r != NULL; r = r->next)
			lm_req_done(r, -1, why);
		return;
	}
	for (r = batch; r != NULL; r = r->next) {
		why = NULL;
		rc = lm_do(e, txn, r, &is_dirty, &why);
		if (rc == LM_EMDB) {
			lm_abort(e, txn);
			goto alone;
		}
		lm_req_done(r, rc, why);
	}
	if (!is_dirty)
		lm_abort(e, txn);
	else if (lm_commit(e, txn, &why) == -1)
		goto alone;
	if (is_dirty)
		__atomic_add_fetch(&e->gc_commits, 1, __ATOMIC_RELAXED);
	return;
alone:
	for (r = batch; r != NULL; r = r->next)
		lm_run1(e, r);
}

/*
 * Group commit. With sync=full or meta every commit waits for the disk
 * (an fdatasync, about 0.2 to 2 ms here), and LMDB holds its writer lock
 * through it, so one transaction per call caps a host at some hundreds
 * to a few thousand writes per second, whatever the number of threads.
 * Instead, a caller queues its request; if no thread of this process is
 * writing, it becomes the leader: it takes the queue (up to LM_GC_MAX
 * requests), applies them all in one transaction, commits once, marks
 * them done and wakes their callers. Requests queued meanwhile form the
 * next batch, led by one of their callers. Every caller returns only
 * after the commit that holds its request: an acknowledged write is as
 * durable as before (sync= decides), and reads see it at once. One
 * caller alone pays what it paid before; many pay one flush between
 * them. Begin and commit happen on the leader's own thread, as LMDB
 * requires. Other processes' writers take LMDB's writer lock as before.
 */
static int
lm_submit(struct lm_env *e, struct lm_req *r, const char **why_r)
{
	struct lm_req *batch, *last, *next;
	size_t n;

	__atomic_add_fetch(&e->gc_writes, 1, __ATOMIC_RELAXED);
	if (!e->is_group) {
		lm_run1(e, r);		/* group=off: LMDB's lock orders us */
		goto out;
	}
	r->next = NULL;
	r->is_done = 0;
	pthread_cond_init(&r->cv, NULL);
	pthread_mutex_lock(&e->gc_mu);
	if (e->gc_tail != NULL)
		e->gc_tail->next = r;
	else
		e->gc_head = r;
	e->gc_tail = r;
	while (!r->is_done) {
		if (e->gc_busy) {
			pthread_cond_wait(&r->cv, &e->gc_mu);
			continue;
		}
		e->gc_busy = 1;
		batch = last = e->gc_head;
		for (n = 1; n < LM_GC_MAX && last->next != NULL; n++)
			last = last->next;
		e->gc_head = last->next;
		if (e->gc_head == NULL)
			e->gc_tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&e->gc_mu);
		lm_gc_run(e, batch);
		pthread_mutex_lock(&e->gc_mu);
		/*
		 * Wake exactly the callers done, and the first one queued
		 * to lead the next batch: waking all is measurably slower.
		 * Each returns once we unlock, so batch->next is read
		 * before.
		 */
		for (; batch != NULL; batch = next) {
			next = batch->next;
			batch->is_done = 1;
			if (batch != r)
				pthread_cond_signal(&batch->cv);
		}
		e->gc_busy = 0;
		if (e->gc_head != NULL)
			pthread_cond_signal(&e->gc_head->cv);
	}
	pthread_mutex_unlock(&e->gc_mu);
	pthread_cond_destroy(&r->cv);
out:
	if (r->rc == -1)
		*why_r = store_whyf("%s", r->why);
	return r->rc;
}

static int
lm_set(struct store *s, const void *key, size_t klen, const void *val,
    size_t vlen, uint32_t ttl, const char **why_r)
{
	struct lm_req r = { .kind = LK_SET, .key = key, .klen = klen,
	    .val = val, .vlen = vlen, .ttl = ttl };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_del(struct store *s, const void *key, size_t klen, const char **why_r)
{
	struct lm_req r = { .kind = LK_DEL, .key = key, .klen = klen };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_add(struct store *s, const void *key, size_t klen, const void *val,
    size_t vlen, uint32_t ttl, struct buf *old_r, uint32_t *ttl_r,
    const char **why_r)
{
	struct lm_req r = { .kind = LK_ADD, .key = key, .klen = klen,
	    .val = val, .vlen = vlen, .ttl = ttl, .old_r = old_r,
	    .ttl_r = ttl_r };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_incr(struct store *s, const void *key, size_t klen, int64_t n,
    uint32_t ttl, int64_t *val_r, const char **why_r)
{
	struct lm_req r = { .kind = LK_INCR, .key = key, .klen = klen,
	    .n = n, .ttl = ttl, .val_r = val_r };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_lpush(struct store *s, const void *key, size_t klen, const void *item,
    size_t ilen, size_t keep, uint32_t ttl, const char **why_r)
{
	struct lm_req r = { .kind = LK_LPUSH, .key = key, .klen = klen,
	    .val = item, .vlen = ilen, .keep = keep, .ttl = ttl };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_rmw(struct store *s, struct store_rmw *v, size_t n, store_rmw_fn fn,
    void *arg, const char **why_r)
{
	struct lm_req r = { .kind = LK_RMW, .v = v, .nv = n, .fn = fn,
	    .arg = arg };

	return lm_submit(lm_env_of(s), &r, why_r);
}

static int
lm_list(struct store *s, const void *key, size_t klen, struct arena *a,
    struct store_item **items_r, size_t *n_r, const char **why_r)
{
	struct lm_env *e = lm_env_of(s);
	const unsigned char *p;
	struct store_item *it;
	MDB_txn *txn;
	MDB_val d;
	size_t len, off, i;
	long n;
	int rc;

	if (lm_begin(e, 0, &txn, why_r) == -1)
		return -1;
	rc = lm_lookup(e, txn, key, klen, &d, NULL, NULL, why_r);
	if (rc != 0) {
		lm_abort(e, txn);
		return rc < 0 ? -1 : rc;
	}
	p = (unsigned char *)d.mv_data + LM_HDR;
	len = d.mv_size - LM_HDR;
	if ((n = lm_list_walk(p, len, 0, 0, NULL)) == -1) {
		lm_abort(e, txn);
		*why_r = "store: the key holds something that is not a list";
		return -1;
	}
	it = n > 0 ? arena_calloc(a, (size_t)n, sizeof(*it)) : NULL;
	for (i = 0, off = 0; i < (size_t)n; i++) {
		it[i].len = lm_get32(p + off);
		it[i].p = arena_strndup(a, (const char *)p + off + 4,
		    it[i].len);
		off += 4 + it[i].len;
	}
	lm_abort(e, txn);
	*items_r = it;
	*n_r = (size_t)n;
	return 0;
}

/* Is k inside the prefix? */
static int
lm_has_prefix(const MDB_val *k, const void *prefix, size_t plen)
{
	return k->mv_size >= plen &&
	    (plen == 0 || memcmp(k->mv_data, prefix, plen) == 0);
}

/*
 * Position cur at the first key after *last (or at prefix when *last is
 * empty and is_first). Returns the mdb_cursor_get code.
 */
static int
lm_seek(MDB_cursor *cur, const struct buf *last, int is_first,
    const void *prefix, size_t plen, MDB_val *k, MDB_val *d)
{
	int rc;

	if (is_first) {
		if (plen == 0)
			return mdb_cursor_get(cur, k, d, MDB_FIRST);
		k->mv_data = (void *)prefix;
		k->mv_size = plen;
		return mdb_cursor_get(cur, k, d, MDB_SET_RANGE);
	}
	k->mv_data = last->p;
	k->mv_size = last->len;
	rc = mdb_cursor_get(cur, k, d, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == last->len &&
	    memcmp(k->mv_data, last->p, last->len) == 0)
		rc = mdb_cursor_get(cur, k, d, MDB_NEXT);
	return rc;
}

/* A copied entry in a scan batch: header, then key, then value. */
struct lm_rec {
	size_t		klen;
	size_t		vlen;
	uint32_t	ttl;
};

/*
 * Copy the next batch of live entries under prefix into *batch, in one
 * short read transaction, and move *last to the last key examined. Sets
 * *is_done at the end of the prefix. 0 or -1.
 */
static int
lm_scan_batch(struct lm_env *e, const void *prefix, size_t plen,
    struct buf *last, int is_first, struct buf *batch, int *is_done,
    const char **why_r)
{
	struct lm_rec r;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, d;
	uint64_t now = (uint64_t)clock_now();
	size_t n = 0;
	int rc, is_bad;

	if (lm_begin(e, 0, &txn, why_r) == -1)
		return -1;
	if ((rc = mdb_cursor_open(txn, e->dbi, &cur)) != 0) {
		lm_abort(e, txn);
		*why_r = lm_why("cursor", rc);
		return -1;
	}
	rc = lm_seek(cur, last, is_first, prefix, plen, &k, &d);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (!lm_has_prefix(&k, prefix, plen)) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (n >= LM_SCAN_BATCH || batch->len >= LM_SCAN_BYTES)
			break;
		n++;
		buf_reset(last);
		buf_add(last, k.mv_data, k.mv_size);
		if (((unsigned char *)k.mv_data)[0] == 0 ||
		    !lm_live(&d, now, &r.ttl, &is_bad))
			continue;	/* our own marker, or expired */
		r.klen = k.mv_size;
		r.vlen = d.mv_size - LM_HDR;
		buf_add(batch, &r, sizeof(r));
		buf_add(batch, k.mv_data, k.mv_size);
		buf_add(batch, (char *)d.mv_data + LM_HDR, r.vlen);
	}
	mdb_cursor_close(cur);
	lm_abort(e, txn);
	*is_done = rc == MDB_NOTFOUND;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		*why_r = lm_why("scan", rc);
		return -1;
	}
	return 0;
}

/*
 * Scan in batches so that no read transaction stays open while the
 * callback runs: a long reader pins old pages (the file grows) and the
 * callback may want to write.
 */
static int
lm_scan(struct store *s, const void *prefix, size_t plen, store_scan_fn fn,
    void *arg, const char **why_r)
{
	struct lm_env *e = lm_env_of(s);
	struct buf batch = BUF_INIT, last = BUF_INIT;
	struct store_entry ent;
	struct lm_rec r;
	size_t off;
	int is_first = 1, is_done = 0, rc = 0;

	while (!is_done && rc == 0) {
		buf_reset(&batch);
		if (lm_scan_batch(e, prefix, plen, &last, is_first, &batch,
		    &is_done, why_r) == -1) {
			rc = -1;
			break;
		}
		is_first = 0;
		for (off = 0; off < batch.len; ) {
			memcpy(&r, batch.p + off, sizeof(r));
			off += sizeof(r);
			ent.key = batch.p + off;
			ent.klen = r.klen;
			ent.val = batch.p + off + r.klen;
			ent.vlen = r.vlen;
			ent.ttl = r.ttl;
			off += r.klen + r.vlen;
			if (fn(arg, &ent) != 0) {
				is_done = 1;
				break;
			}
		}
	}
	buf_free(&batch);
	buf_free(&last);
	return rc;
}

/*
 * Find up to LM_SWEEP_DEL expired keys after *last, examining at most
 * LM_SWEEP_LOOK entries in one read transaction. Keys go into *dead as
 * (size_t length, bytes) pairs.
 */
static int
lm_sweep_find(struct lm_env *e, struct buf *last, int is_first,
    struct buf *dead, size_t *ndead_r, int *is_done, const char **why_r)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, d;
	uint64_t now = (uint64_t)clock_now();
	size_t look = 0;
	int rc, is_bad;

	*ndead_r = 0;
	if (lm_begin(e, 0, &txn, why_r) == -1)
		return -1;
	if ((rc = mdb_cursor_open(txn, e->dbi, &cur)) != 0) {
		lm_abort(e, txn);
		*why_r = lm_why("cursor", rc);
		return -1;
	}
	rc = lm_seek(cur, last, is_first, NULL, 0, &k, &d);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		if (look >= LM_SWEEP_LOOK || *ndead_r >= LM_SWEEP_DEL)
			break;
		look++;
		buf_reset(last);
		buf_add(last, k.mv_data, k.mv_size);
		if (lm_live(&d, now, NULL, &is_bad) || is_bad)
			continue;
		buf_add(dead, &k.mv_size, sizeof(k.mv_size));
		buf_add(dead, k.mv_data, k.mv_size);
		(*ndead_r)++;
	}
	mdb_cursor_close(cur);
	lm_abort(e, txn);
	*is_done = rc == MDB_NOTFOUND;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		*why_r = lm_why("sweep", rc);
		return -1;
	}
	return 0;
}

/* Delete the keys found, each only if it is still expired now. */
static int
lm_sweep_del(struct lm_env *e, const struct buf *dead, uint64_t *deleted,
    const char **why_r)
{
	MDB_txn *txn;
	MDB_val k, d;
	uint64_t now = (uint64_t)clock_now();
	size_t off, n = 0;
	int rc, is_bad;

	if (lm_begin(e, 1, &txn, why_r) == -1)
		return -1;
	for (off = 0; off < dead->len; off += k.mv_size) {
		memcpy(&k.mv_size, dead->p + off, sizeof(k.mv_size));
		off += sizeof(k.mv_size);
		k.mv_data = dead->p + off;
		rc = mdb_get(txn, e->dbi, &k, &d);
		if (rc == MDB_NOTFOUND)
			continue;	/* deleted meanwhile */
		if (rc == 0 && (lm_live(&d, now, NULL, &is_bad) || is_bad))
			continue;	/* rewritten meanwhile */
		if (rc == 0)
			rc = mdb_del(txn, e->dbi, &k, NULL);
		if (rc != 0) {
			lm_abort(e, txn);
			*why_r = lm_why("sweep", rc);
			return -1;
		}
		n++;
	}
	if (lm_commit(e, txn, why_r) == -1)
		return -1;
	*deleted += n;
	return 0;
}

static int
lm_sweep(struct store *s, uint64_t *deleted_r, const char **why_r)
{
	struct lm_env *e = lm_env_of(s);
	struct buf last = BUF_INIT, dead = BUF_INIT;
	size_t ndead;
	int is_first = 1, is_done = 0, rc = 0;

	*deleted_r = 0;
	while (!is_done) {
		buf_reset(&dead);
		if (lm_sweep_find(e, &last, is_first, &dead, &ndead, &is_done,
		    why_r) == -1 || (ndead > 0 &&
		    lm_sweep_del(e, &dead, deleted_r, why_r) == -1)) {
			rc = -1;
			break;
		}
		is_first = 0;
	}
	buf_free(&last);
	buf_free(&dead);
	/*
	 * With sync=meta or sync=none, commits leave dirty pages to the
	 * kernel; the periodic sweep also bounds how much an OS crash can
	 * take. With sync=full there is nothing left to flush.
	 */
	if (rc == 0 && (rc = mdb_env_sync(e->env, 1)) != 0) {
		*why_r = lm_why("sync", rc);
		rc = -1;
	}
	return rc;
}

static int
lm_stats(struct store *s, struct store_stats *st, const char **why_r)
{
	struct lm_env *e = lm_env_of(s);
	char path[PATH_MAX];
	struct stat sb;
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	MDB_val k, d;
	int rc;

	if (lm_begin(e, 0, &txn, why_r) == -1)
		return -1;
	rc = mdb_stat(txn, e->dbi, &ms);
	if (rc == 0)
		rc = mdb_env_info(e->env, &info);
	k.mv_data = (void *)lm_fmt_key;
	k.mv_size = LM_FMT_KLEN;
	st->entries = rc == 0 ? ms.ms_entries : 0;
	if (rc == 0 && st->entries > 0 && mdb_get(txn, e->dbi, &k, &d) == 0)
		st->entries--;		/* the format marker */
	lm_abort(e, txn);
	if (rc != 0) {
		*why_r = lm_why("stat", rc);
		return -1;
	}
	st->page_size = ms.ms_psize;
	st->bytes_used = ((uint64_t)ms.ms_branch_pages + ms.ms_leaf_pages +
	    ms.ms_overflow_pages) * ms.ms_psize;
	st->map_size = info.me_mapsize;
	st->readers_used = info.me_numreaders;
	st->readers_max = info.me_maxreaders;
	st->writes = __atomic_load_n(&e->gc_writes, __ATOMIC_RELAXED);
	st->commits = __atomic_load_n(&e->gc_commits, __ATOMIC_RELAXED);
	snprintf(path, sizeof(path), "%s/data.mdb", e->path);
	st->file_size = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	return 0;
}

/* mkdir -p with mode 0700 for every directory we create. */
static int
lm_mkdirs(const char *path, const char **why_r)
{
	char tmp[PATH_MAX];
	size_t i, n;

	if ((n = strlen(path)) >= sizeof(tmp)) {
		*why_r = "store: path too long";
		return -1;
	}
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST) {
			*why_r = store_whyf("store: mkdir %s: %s", tmp,
			    strerror(errno));
			return -1;
		}
		tmp[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/*
 * Parse "sync=full|meta|none" and "group=on|off" options joined by '&'
 * into env flags and the group commit switch (on by default).
 */
static int
lm_opts(const char *opts, unsigned *flags_r, int *is_group_r,
    const char **why_r)
{
	const char *p = opts, *end;
	size_t n;

	*flags_r = 0;
	*is_group_r = 1;
	while (p != NULL && *p != '\0') {
		end = strchr(p, '&');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 9 && strncmp(p, "sync=full", n) == 0)
			*flags_r = 0;
		else if (n == 9 && strncmp(p, "sync=meta", n) == 0)
			*flags_r = MDB_NOMETASYNC;
		else if (n == 9 && strncmp(p, "sync=none", n) == 0)
			*flags_r = MDB_NOSYNC;
		else if (n == 8 && strncmp(p, "group=on", n) == 0)
			*is_group_r = 1;
		else if (n == 9 && strncmp(p, "group=off", n) == 0)
			*is_group_r = 0;
		else {
			*why_r = store_whyf("store: unknown option \"%.*s\" "
			    "(want sync=full|meta|none or group=on|off)",
			    (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return 0;
}

/*
 * Check the format marker, writing it into a new, empty store. A foreign
 * LMDB file (another program's map) has entries but no marker.
 */
static int
lm_check_format(struct lm_env *e, const char **why_r)
{
	MDB_txn *txn;
	MDB_stat ms;
	MDB_val k, d;
	int rc;

	if (lm_begin(e, !e->is_ro, &txn, why_r) == -1)
		return -1;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &e->dbi)) != 0 ||
	    (rc = mdb_stat(txn, e->dbi, &ms)) != 0) {
		lm_abort(e, txn);
		*why_r = lm_why("open database", rc);
		return -1;
	}
	k.mv_data = (void *)lm_fmt_key;
	k.mv_size = LM_FMT_KLEN;
	rc = mdb_get(txn, e->dbi, &k, &d);
	if (rc == MDB_NOTFOUND && ms.ms_entries == 0 && !e->is_ro) {
		if (lm_write(e, txn, lm_fmt_key, LM_FMT_KLEN, 0, lm_fmt_val,
		    LM_FMT_VLEN, NULL, 0, why_r) != 0) {
			lm_abort(e, txn);
			return -1;
		}
		return lm_commit(e, txn, why_r);
	}
	lm_abort(e, txn);
	if (rc == MDB_NOTFOUND && ms.ms_entries == 0)
		return 0;	/* empty, inspected read-only */
	if (rc == MDB_NOTFOUND) {
		*why_r = store_whyf("store: %s holds an LMDB database that "
		    "is not an mxwarden store", e->path);
		return -1;
	}
	if (rc != 0) {
		*why_r = lm_why("read format", rc);
		return -1;
	}
	if (d.mv_size != LM_HDR + LM_FMT_VLEN || memcmp((char *)d.mv_data +
	    LM_HDR, lm_fmt_val, LM_FMT_VLEN) != 0) {
		*why_r = store_whyf("store: %s has an unknown store format "
		    "(want \"%s\")", e->path, lm_fmt_val);
		return -1;
	}
	return 0;
}

/* Create and open the environment for e (path, is_ro set). */
static int
lm_env_open(struct lm_env *e, unsigned flags, size_t map_size,
    int is_new, const char **why_r)
{
	int rc, dead;

	if ((rc = mdb_env_create(&e->env)) != 0) {
		*why_r = lm_why("create environment", rc);
		return -1;
	}
	if (mdb_env_get_maxkeysize(e->env) < STORE_KEY_MAX) {
		*why_r = "store: liblmdb was built with a key size below 511";
		return -1;
	}
	if (map_size == 0 && is_new)
		map_size = STORE_MAP_DEFAULT;
	if (map_size != 0 && map_size < STORE_MAP_MIN)
		map_size = STORE_MAP_MIN;
	mdb_env_set_maxreaders(e->env, LM_READERS);
	if (map_size != 0 && (rc = mdb_env_set_mapsize(e->env,
	    map_size)) != 0) {
		*why_r = lm_why("map size", rc);
		return -1;
	}
	flags |= MDB_NOTLS | (e->is_ro ? MDB_RDONLY : 0);
	if ((rc = mdb_env_open(e->env, e->path, flags, 0600)) != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    rc == MDB_CORRUPTED)
			*why_r = store_whyf("%s: %s", e->path,
			    lm_why("open", rc));
		else
			*why_r = store_whyf("store: open %s: %s", e->path,
			    mdb_strerror(rc));
		return -1;
	}
	/* Free the reader slots of processes that died (kill -9). */
	mdb_reader_check(e->env, &dead);
	return lm_check_format(e, why_r);
}

static void
lm_env_free(struct lm_env *e)
{
	if (e->env != NULL)
		mdb_env_close(e->env);
	pthread_rwlock_destroy(&e->resize);
	pthread_mutex_destroy(&e->gc_mu);
	free(e->path);
	free(e);
}

static struct store *
lm_handle(struct lm_env *e)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->ops = &lm_ops;
	s->impl = e;
	return s;
}

struct store *
store_lmdb_open(const char *path, const char *opts, size_t map_size,
    int is_existing, const char **why_r)
{
	char data[PATH_MAX], real[PATH_MAX];
	struct lm_env *e;
	struct stat sb;
	unsigned flags;
	int is_new, is_group;

	if (lm_opts(opts, &flags, &is_group, why_r) == -1)
		return NULL;
	if (!is_existing && lm_mkdirs(path, why_r) == -1)
		return NULL;
	if (realpath(path, real) == NULL || stat(real, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)) {
		*why_r = store_whyf(is_existing ? "store: no store at %s" :
		    "store: %s is not a directory", path);
		return NULL;
	}
	if ((size_t)snprintf(data, sizeof(data), "%s/data.mdb", real) >=
	    sizeof(data)) {
		*why_r = store_whyf("store: path too long: %s", path);
		return NULL;
	}
	is_new = access(data, F_OK) == -1;
	if (is_new && is_existing) {
		*why_r = store_whyf("store: no store at %s", path);
		return NULL;
	}
	pthread_mutex_lock(&lm_envs_mu);
	for (e = lm_envs; e != NULL; e = e->next)
		if (e->pid == getpid() && e->dev == sb.st_dev &&
		    e->ino == sb.st_ino)
			break;
	if (e != NULL) {
		if (e->is_ro && !is_existing) {
			pthread_mutex_unlock(&lm_envs_mu);
			*why_r = "store: already open read-only in this "
			    "process";
			return NULL;
		}
		e->refs++;
		pthread_mutex_unlock(&lm_envs_mu);
		return lm_handle(e);
	}
	e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(real);
	e->dev = sb.st_dev;
	e->ino = sb.st_ino;
	e->pid = getpid();
	e->is_ro = is_existing;
	e->refs = 1;
	pthread_rwlock_init(&e->resize, NULL);
	e->is_group = is_group;
	pthread_mutex_init(&e->gc_mu, NULL);
	if (lm_env_open(e, flags, map_size, is_new, why_r) == -1) {
		pthread_mutex_unlock(&lm_envs_mu);
		lm_env_free(e);
		return NULL;
	}
	e->next = lm_envs;
	lm_envs = e;
	pthread_mutex_unlock(&lm_envs_mu);
	return lm_handle(e);
}

static void
lm_close(struct store *s)
{
	struct lm_env *e = lm_env_of(s), **pp;

	free(s);
	pthread_mutex_lock(&lm_envs_mu);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&lm_envs_mu);
		return;
	}
	for (pp = &lm_envs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&lm_envs_mu);
	lm_env_free(e);
}

static const struct store_ops lm_ops = {
	.name = "lmdb",
	.get = lm_get,
	.set = lm_set,
	.del = lm_del,
	.add = lm_add,
	.incr = lm_incr,
	.lpush = lm_lpush,
	.list = lm_list,
	.scan = lm_scan,
	.sweep = lm_sweep,
	.stats = lm_stats,
	.rmw = lm_rmw,
	.close = lm_close,
};
