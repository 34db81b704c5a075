/*
 * The store: the one place where mxwarden keeps state between messages
 * (greylisting triplets, rate-limit counters, learned correspondents,
 * report counters). Every stateful feature is written against this
 * interface, so it behaves the same whether the backend is the embedded
 * LMDB file (default, one host) or Redis (several hosts; not built yet).
 *
 * Data model. A key is a byte string of 1 to STORE_KEY_MAX bytes (LMDB's
 * compiled-in maximum key size) whose first byte is not NUL (reserved for
 * the store's own records). A key holds one of three kinds of value,
 * chosen by the operation that wrote it:
 *   - a plain value: bytes, at most STORE_VAL_MAX (store_set, store_add);
 *   - a counter: a signed 64-bit integer kept as decimal ASCII, so
 *     store_get returns "42" (store_incr);
 *   - a capped list of items, newest first (store_lpush, store_list).
 * Mixing kinds on one key is a caller bug: it never crashes, but the
 * result is an error ("not a counter", "not a list") or opaque bytes.
 * Features prefix their keys ("grey:", "rl:", "corr:", "rpt:") so that
 * store_scan can walk one feature's keys.
 *
 * Expiry. Every key may carry a time to live in seconds; 0 means "never
 * expires". Time comes from clock_now() (src/lib/clock.h), so `--now`
 * moves it in tests and investigations. A key whose expiry time is <= now
 * is invisible at once to every read and is treated as absent by every
 * write; the space is reclaimed later by store_sweep(), which a daemon
 * calls periodically (it deletes in small write transactions and never
 * holds the writer lock for long).
 *
 * Return convention (STYLE.md): 0 on success, -1 on failure with *why_r
 * set. "Not found" is a normal result, not an error: the operations that
 * can meet an absent key return STORE_ABSENT (1) instead, and store_add
 * returns STORE_EXISTS (1) when the key was already there. *why_r points
 * to a static string or to a per-thread buffer that stays valid until the
 * next store call on the same thread; copy it if you need it longer.
 *
 * Threads and processes. One struct store may be used by many threads at
 * once (the milter's thread pool); several processes may open the same
 * store. Each operation is atomic. With LMDB, the writes that threads of
 * one process make at the same moment share one transaction and one disk
 * flush (group commit, docs/store.md); each call still returns only once
 * its write is committed, with the result it would have had alone. A
 * process must not use a store opened before fork(): open it again in
 * the child.
 */
#ifndef MXW_STORE_H
#define MXW_STORE_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct store;

#define STORE_KEY_MAX		511		/* bytes; LMDB's limit */
#define STORE_VAL_MAX		(1024 * 1024)	/* bytes per value or list */
#define STORE_LIST_MAX		10000		/* items kept per list */
#define STORE_MAP_DEFAULT	((size_t)1 << 30) /* 1 GiB of address space */
#define STORE_MAP_MIN		((size_t)64 * 1024)
#define STORE_PATH_DEFAULT	"/var/lib/mxwarden/store"

#define STORE_ABSENT		1	/* get, del, list: no live key */
#define STORE_EXISTS		1	/* add: the key was already live */

struct store_stats {
	const char	*backend;	/* "lmdb" (static) */
	uint64_t	 entries;	/* keys, expired unswept ones too */
	uint64_t	 bytes_used;	/* pages in use times page size */
	uint64_t	 map_size;	/* the configured ceiling, bytes */
	uint64_t	 file_size;	/* data file on disk, bytes */
	uint32_t	 page_size;
	uint32_t	 readers_used;	/* slots ever used (high-water) */
	uint32_t	 readers_max;
	/* This process, all handles on the directory, since it opened it: */
	uint64_t	 writes;	/* write calls (set, add, rmw...) */
	uint64_t	 commits;	/* transactions committed for them */
};

/* One entry seen by store_scan(): all pointers borrowed for the call. */
struct store_entry {
	const char	*key;
	size_t		 klen;
	const char	*val;
	size_t		 vlen;
	uint32_t	 ttl;		/* seconds left; 0: no expiry */
};

/* One list item from store_list(): p is arena memory, NUL-terminated. */
struct store_item {
	char		*p;
	size_t		 len;
};

/*
 * Called once per live entry; return 0 to go on, anything else to stop
 * (store_scan then returns 0). It may call the store, writes included.
 */
typedef int	(*store_scan_fn)(void *arg, const struct store_entry *e);

/*
 * Open a store. uri is one of
 *   "lmdb:/path/to/dir[?sync=full|meta|none][&group=on|off]"
 *                                            LMDB environment in a dir
 *   "/path/to/dir"                           the same, literal path
 *   "redis://..."                            not built yet: fails
 * The directory is created with mode 0700 (parents too) if missing; the
 * data and lock files get mode 0600. map_size caps the data file in
 * bytes (0: keep an existing store's size, STORE_MAP_DEFAULT for a new
 * one; values below STORE_MAP_MIN are raised to it). sync= picks the
 * durability (docs/store.md): full (default) survives power loss; meta
 * may lose the last commit on an OS crash; none may lose recent commits
 * on an OS crash. No mode loses committed data when only the process
 * dies. group=off gives every write call its own transaction (the
 * default, on, lets concurrent calls share commits). Opening the same
 * directory twice in one process shares one environment (and the
 * options of the first open). Returns a handle (caller frees with
 * store_close) or NULL with *why_r.
 */
struct store	*store_open(const char *uri, size_t map_size,
    const char **why_r);

/*
 * Open an existing store for inspection (the `store` command): nothing is
 * created, and a missing store fails with "no store at PATH". Writes
 * through the handle fail. NULL with *why_r on failure.
 */
struct store	*store_open_existing(const char *uri, const char **why_r);

/* Close the handle and set *s = NULL. NULL and *s == NULL are allowed. */
void		 store_close(struct store **s);

/*
 * Read key. Found: returns 0, the value replaces the contents of *val
 * (caller-owned buf; may be NULL to test presence) and *ttl_r (may be
 * NULL) is the number of seconds left, 0 for no expiry. Absent or
 * expired: returns STORE_ABSENT and leaves *val empty.
 */
int	store_get(struct store *s, const void *key, size_t klen,
    struct buf *val, uint32_t *ttl_r, const char **why_r);

/* Write key = val with ttl seconds to live (0: never expires). 0 or -1. */
int	store_set(struct store *s, const void *key, size_t klen,
    const void *val, size_t vlen, uint32_t ttl, const char **why_r);

/* Delete key. 0 if a live key was deleted, STORE_ABSENT if none, -1. */
int	store_del(struct store *s, const void *key, size_t klen,
    const char **why_r);

/*
 * Add key = val only if no live key exists ("set NX"), atomically across
 * threads and processes: of several racing callers exactly one gets 0.
 * Returns 0 if created, STORE_EXISTS if a live key was already there;
 * then its value is copied into *old_r and its remaining TTL into *ttl_r
 * when those are not NULL (greylisting reads the first-seen time from
 * them without a second, racy, lookup). -1 on failure.
 */
int	store_add(struct store *s, const void *key, size_t klen,
    const void *val, size_t vlen, uint32_t ttl, struct buf *old_r,
    uint32_t *ttl_r, const char **why_r);

/*
 * Add n (may be negative) to the counter at key and put the new value in
 * *val_r. An absent or expired key starts at 0 and gets ttl seconds to
 * live (0: never); a live counter keeps the expiry it has, which makes
 * fixed-window rate limits. Atomic across threads and processes. -1 with
 * *why_r if the key holds something that is not a counter or the sum
 * would overflow.
 */
int	store_incr(struct store *s, const void *key, size_t klen, int64_t n,
    uint32_t ttl, int64_t *val_r, const char **why_r);

/*
 * Push item onto the front of the list at key, keeping only the newest
 * keep items (1 to STORE_LIST_MAX) and, if the list would pass
 * STORE_VAL_MAX bytes, dropping oldest items until it fits. Each push
 * sets the list's expiry to ttl seconds from now (0: never). An absent or
 * expired key starts empty. 0 or -1.
 */
int	store_lpush(struct store *s, const void *key, size_t klen,
    const void *item, size_t ilen, size_t keep, uint32_t ttl,
    const char **why_r);

/*
 * Read the list at key, newest item first: *items_r is an array of *n_r
 * items allocated in a, with their bytes. Returns 0, or STORE_ABSENT with
 * *items_r = NULL and *n_r = 0 for an absent or expired key, or -1.
 */
int	store_list(struct store *s, const void *key, size_t klen,
    struct arena *a, struct store_item **items_r, size_t *n_r,
    const char **why_r);

/*
 * Call fn for every live key that starts with prefix (plen may be 0: all
 * keys), in ascending byte order of the keys (memcmp; a shorter key
 * sorts before its extensions). The walk is not one snapshot: it reads in
 * batches, so keys written during the walk may or may not be seen, but
 * no key present throughout is missed or seen twice. 0 or -1.
 */
int	store_scan(struct store *s, const void *prefix, size_t plen,
    store_scan_fn fn, void *arg, const char **why_r);

/*
 * Delete expired keys, in write transactions of at most a few hundred
 * deletions each so that mail never waits long for the writer lock. One
 * call walks the whole store once; call it from a timer (every few
 * minutes). *deleted_r (may be NULL) gets the number deleted. 0 or -1.
 */
int	store_sweep(struct store *s, uint64_t *deleted_r, const char **why_r);

/*
 * Read-modify-write of several keys as one atomic step (one write
 * transaction with LMDB; MULTI/EXEC under WATCH or a script with Redis):
 * what a rate limiter needs to check several counters and update all of
 * them, or none, for one message. The caller fills key, klen and val (a
 * caller-owned buf, BUF_INIT or reused) of each of the n entries (1 to
 * STORE_RMW_MAX). The store reads every key, sets is_live, val (the
 * value bytes, empty if absent or expired) and ttl (seconds left, 0: no
 * expiry), then calls fn once with all of them. fn sets op on each entry:
 * STORE_RMW_KEEP (leave it; the default), STORE_RMW_PUT (write val with
 * ttl seconds to live, 0: never) or STORE_RMW_DEL. The writes are
 * committed together; if fn returns -1 (setting *why_r) nothing is
 * written and store_rmw returns -1. fn runs while the store's writer
 * lock is held, possibly on another thread that commits for several
 * callers: it must be quick, must not call the store, and must not rely
 * on thread-local state. If the shared transaction fails (map full), fn
 * is called again for a transaction of its own: only the decisions of
 * its last call count. A value
 * written here that is decimal ASCII is a counter for store_incr.
 *
 * Fixed buffers (is_fixed set): val->p is caller memory of val->cap
 * bytes (a stack array; cap >= 1) that the store must never reallocate
 * or free, so a hot caller needs no heap per key. A stored value of
 * cap bytes or more is then not read: is_live is set, val is left
 * empty and is_toolong is set (the caller decides: garbled, start
 * afresh). fn must keep a PUT value within cap - 1 bytes itself.
 * Returns 0 or -1.
 */
#define STORE_RMW_MAX		64	/* keys per store_rmw call */

enum store_rmw_op {
	STORE_RMW_KEEP = 0,
	STORE_RMW_PUT,
	STORE_RMW_DEL
};

struct store_rmw {
	const void		*key;		/* in */
	size_t			 klen;		/* in */
	struct buf		*val;		/* in/out, caller-owned */
	uint32_t		 ttl;		/* in: left; out: for PUT */
	int			 is_live;	/* in */
	enum store_rmw_op	 op;		/* out */
	int			 is_fixed;	/* in: val is a fixed buffer */
	int			 is_toolong;	/* out: value over val->cap */
};

typedef int	(*store_rmw_fn)(void *arg, struct store_rmw *v, size_t n,
    const char **why_r);

int	store_rmw(struct store *s, struct store_rmw *v, size_t n,
    store_rmw_fn fn, void *arg, const char **why_r);

/* Fill *st_r. 0 or -1. */
int	store_stats(struct store *s, struct store_stats *st_r,
    const char **why_r);

#endif
