/*
 * The store front: picks a backend from the URI and checks every argument
 * once, so the LMDB backend (and later the Redis one) can trust its input
 * and both reject the same bad calls with the same words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "store/store.h"
#include "store/store_impl.h"

static _Thread_local char store_why_buf[512];

const char *
store_whyf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store_why_buf, sizeof(store_why_buf), fmt, ap);
	va_end(ap);
	return store_why_buf;
}

/*
 * Split "lmdb:/dir?opts", "lmdb:///dir" or a plain path. Returns the
 * backend handle; the path is copied by the backend.
 */
static struct store *
store_open_uri(const char *uri, size_t map_size, int is_existing,
    const char **why_r)
{
	char path[4096];
	const char *p, *q, *opts = NULL;
	size_t n;

	if (uri == NULL || uri[0] == '\0') {
		*why_r = "store: empty path";
		return NULL;
	}
	if (strncmp(uri, "redis://", 8) == 0 ||
	    strncmp(uri, "rediss://", 9) == 0 ||
	    strncmp(uri, "redis:", 6) == 0) {
		*why_r = "store: redis backend not built yet";
		return NULL;
	}
	if (strncmp(uri, "lmdb:", 5) == 0) {
		p = uri + 5;
		if (strncmp(p, "//", 2) == 0)
			p += 2;		/* lmdb:///var/lib/... */
		if ((q = strchr(p, '?')) != NULL) {
			opts = q + 1;
			n = (size_t)(q - p);
		} else
			n = strlen(p);
	} else if (strstr(uri, "://") != NULL) {
		*why_r = store_whyf("store: unknown backend in \"%.64s\" "
		    "(want lmdb:/PATH, a path, or redis://)", uri);
		return NULL;
	} else {
		p = uri;	/* a plain path is literal: no options */
		n = strlen(p);
	}
	if (n == 0 || n >= sizeof(path)) {
		*why_r = "store: path empty or too long";
		return NULL;
	}
	memcpy(path, p, n);
	path[n] = '\0';
	return store_lmdb_open(path, opts, map_size, is_existing, why_r);
}

struct store *
store_open(const char *uri, size_t map_size, const char **why_r)
{
	return store_open_uri(uri, map_size, 0, why_r);
}

struct store *
store_open_existing(const char *uri, const char **why_r)
{
	struct store *s;

	if ((s = store_open_uri(uri, 0, 1, why_r)) != NULL)
		s->is_ro = 1;
	return s;
}

void
store_close(struct store **s)
{
	if (s == NULL || *s == NULL)
		return;
	(*s)->ops->close(*s);
	*s = NULL;
}

/*
 * Keys are 1..STORE_KEY_MAX bytes; a leading NUL byte is reserved for the
 * store's own records (the format marker).
 */
static int
key_ok(const void *key, size_t klen, const char **why_r)
{
	if (key == NULL || klen == 0) {
		*why_r = "store: empty key";
		return 0;
	}
	if (klen > STORE_KEY_MAX) {
		*why_r = store_whyf("store: key of %zu bytes (max %d)", klen,
		    STORE_KEY_MAX);
		return 0;
	}
	if (((const unsigned char *)key)[0] == 0) {
		*why_r = "store: keys starting with a NUL byte are reserved";
		return 0;
	}
	return 1;
}

static int
write_ok(struct store *s, const void *key, size_t klen, const void *val,
    size_t vlen, const char **why_r)
{
	if (!key_ok(key, klen, why_r))
		return 0;
	if (s->is_ro) {
		*why_r = "store: opened for inspection only";
		return 0;
	}
	if (vlen > 0 && val == NULL) {
		*why_r = "store: NULL value";
		return 0;
	}
	if (vlen > STORE_VAL_MAX) {
		*why_r = store_whyf("store: value of %zu bytes (max %d)",
		    vlen, STORE_VAL_MAX);
		return 0;
	}
	return 1;
}

int
store_get(struct store *s, const void *key, size_t klen, struct buf *val,
    uint32_t *ttl_r, const char **why_r)
{
	if (val != NULL)
		buf_reset(val);
	if (ttl_r != NULL)
		*ttl_r = 0;
	if (!key_ok(key, klen, why_r))
		return -1;
	return s->ops->get(s, key, klen, val, ttl_r, why_r);
}

int
store_set(struct store *s, const void *key, size_t klen, const void *val,
    size_t vlen, uint32_t ttl, const char **why_r)
{
	if (!write_ok(s, key, klen, val, vlen, why_r))
		return -1;
	return s->ops->set(s, key, klen, val, vlen, ttl, why_r);
}

int
store_del(struct store *s, const void *key, size_t klen, const char **why_r)
{
	if (!write_ok(s, key, klen, NULL, 0, why_r))
		return -1;
	return s->ops->del(s, key, klen, why_r);
}

int
store_add(struct store *s, const void *key, size_t klen, const void *val,
    size_t vlen, uint32_t ttl, struct buf *old_r, uint32_t *ttl_r,
    const char **why_r)
{
	if (old_r != NULL)
		buf_reset(old_r);
	if (ttl_r != NULL)
		*ttl_r = 0;
	if (!write_ok(s, key, klen, val, vlen, why_r))
		return -1;
	return s->ops->add(s, key, klen, val, vlen, ttl, old_r, ttl_r, why_r);
}

int
store_incr(struct store *s, const void *key, size_t klen, int64_t n,
    uint32_t ttl, int64_t *val_r, const char **why_r)
{
	if (!write_ok(s, key, klen, NULL, 0, why_r))
		return -1;
	return s->ops->incr(s, key, klen, n, ttl, val_r, why_r);
}

int
store_lpush(struct store *s, const void *key, size_t klen, const void *item,
    size_t ilen, size_t keep, uint32_t ttl, const char **why_r)
{
	/* Each list item carries a 4-byte length in the LMDB encoding. */
	if (!write_ok(s, key, klen, item, ilen, why_r))
		return -1;
	if (ilen > STORE_VAL_MAX - 4) {
		*why_r = store_whyf("store: list item of %zu bytes (max %d)",
		    ilen, STORE_VAL_MAX - 4);
		return -1;
	}
	if (keep == 0 || keep > STORE_LIST_MAX) {
		*why_r = store_whyf("store: list length %zu (want 1 to %d)",
		    keep, STORE_LIST_MAX);
		return -1;
	}
	return s->ops->lpush(s, key, klen, item, ilen, keep, ttl, why_r);
}

int
store_list(struct store *s, const void *key, size_t klen, struct arena *a,
    struct store_item **items_r, size_t *n_r, const char **why_r)
{
	*items_r = NULL;
	*n_r = 0;
	if (!key_ok(key, klen, why_r))
		return -1;
	return s->ops->list(s, key, klen, a, items_r, n_r, why_r);
}

int
store_scan(struct store *s, const void *prefix, size_t plen,
    store_scan_fn fn, void *arg, const char **why_r)
{
	if (plen > STORE_KEY_MAX || (plen > 0 && prefix == NULL)) {
		*why_r = "store: bad scan prefix";
		return -1;
	}
	return s->ops->scan(s, prefix, plen, fn, arg, why_r);
}

int
store_sweep(struct store *s, uint64_t *deleted_r, const char **why_r)
{
	uint64_t n = 0;
	int rc;

	if (s->is_ro) {
		*why_r = "store: opened for inspection only";
		return -1;
	}
	rc = s->ops->sweep(s, &n, why_r);
	if (deleted_r != NULL)
		*deleted_r = n;
	return rc;
}

int
store_stats(struct store *s, struct store_stats *st_r, const char **why_r)
{
	memset(st_r, 0, sizeof(*st_r));
	st_r->backend = s->ops->name;
	return s->ops->stats(s, st_r, why_r);
}

int
store_rmw(struct store *s, struct store_rmw *v, size_t n, store_rmw_fn fn,
    void *arg, const char **why_r)
{
	size_t i;

	if (n == 0 || n > STORE_RMW_MAX || v == NULL || fn == NULL) {
		*why_r = store_whyf("store: %zu keys in one update (want 1 "
		    "to %d)", n, STORE_RMW_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!write_ok(s, v[i].key, v[i].klen, NULL, 0, why_r))
			return -1;
		if (v[i].val == NULL || (v[i].is_fixed && (v[i].val->p ==
		    NULL || v[i].val->cap == 0))) {
			*why_r = "store: update entry without a buffer";
			return -1;
		}
		buf_reset(v[i].val);
		v[i].ttl = 0;
		v[i].is_live = 0;
		v[i].is_toolong = 0;
		v[i].op = STORE_RMW_KEEP;
	}
	return s->ops->rmw(s, v, n, fn, arg, why_r);
}
