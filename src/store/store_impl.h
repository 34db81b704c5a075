/*
 * Private to src/store: the table of operations a backend fills in, and
 * helpers shared by the front (store.c) and the backends. The front
 * checks every argument (key and value sizes, read-only handles) before
 * it calls a backend, so backends may assume valid input.
 */
#ifndef MXW_STORE_IMPL_H
#define MXW_STORE_IMPL_H

#include "store/store.h"

struct store_ops {
	const char	*name;
	int	(*get)(struct store *, const void *, size_t, struct buf *,
		    uint32_t *, const char **);
	int	(*set)(struct store *, const void *, size_t, const void *,
		    size_t, uint32_t, const char **);
	int	(*del)(struct store *, const void *, size_t, const char **);
	int	(*add)(struct store *, const void *, size_t, const void *,
		    size_t, uint32_t, struct buf *, uint32_t *,
		    const char **);
	int	(*incr)(struct store *, const void *, size_t, int64_t,
		    uint32_t, int64_t *, const char **);
	int	(*lpush)(struct store *, const void *, size_t, const void *,
		    size_t, size_t, uint32_t, const char **);
	int	(*list)(struct store *, const void *, size_t, struct arena *,
		    struct store_item **, size_t *, const char **);
	int	(*scan)(struct store *, const void *, size_t, store_scan_fn,
		    void *, const char **);
	int	(*sweep)(struct store *, uint64_t *, const char **);
	int	(*stats)(struct store *, struct store_stats *, const char **);
	int	(*rmw)(struct store *, struct store_rmw *, size_t,
		    store_rmw_fn, void *, const char **);
	void	(*close)(struct store *);
};

struct store {
	const struct store_ops	*ops;
	void			*impl;		/* the backend's state */
	int			 is_ro;		/* store_open_existing */
};

/*
 * Format a why-string into a per-thread buffer (valid until the next
 * store call on this thread) and return it.
 */
const char	*store_whyf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Backends. Each returns a handle or NULL with *why_r. */
struct store	*store_lmdb_open(const char *path, const char *opts,
    size_t map_size, int is_existing, const char **why_r);

#endif
