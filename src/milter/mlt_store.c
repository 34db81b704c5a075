/*
 * The milter's state store (src/store): opened once at start from
 * store.path, store.map_size and store.sync, shared by every generation
 * (a reload keeps the open store; changing store.* needs a restart), and
 * swept by a background thread every store.sweep_interval. The sweep
 * deletes expired keys in small write transactions and ends with a disk
 * flush (store_sweep), so with store.sync = meta or none it also bounds
 * what an operating-system crash can lose. Mail never waits for it
 * longer than one short transaction (docs/reputation.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "conf/conf.h"
#include "lib/log.h"
#include "milter/mlt_priv.h"
#include "store/store.h"

static struct store	*mlt_st;
static pthread_t	 mlt_sweeper;
static int		 mlt_sweeping;
static int		 mlt_stop;
static long long	 mlt_interval;
static pthread_mutex_t	 mlt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 mlt_cond = PTHREAD_COND_INITIALIZER;

static void *
sweeper(void *arg)
{
	struct timespec ts;
	uint64_t n;
	const char *why;

	(void)arg;
	pthread_mutex_lock(&mlt_lock);
	while (!mlt_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += mlt_interval;
		while (!mlt_stop && pthread_cond_timedwait(&mlt_cond,
		    &mlt_lock, &ts) != ETIMEDOUT)
			;
		if (mlt_stop)
			break;
		pthread_mutex_unlock(&mlt_lock);
		if (store_sweep(mlt_st, &n, &why) == -1)
			log_warn("store sweep failed: %s", why);
		else
			log_debug("store sweep deleted=%llu",
			    (unsigned long long)n);
		pthread_mutex_lock(&mlt_lock);
	}
	pthread_mutex_unlock(&mlt_lock);
	return NULL;
}

int
mlt_store_start(const struct conf *c, const char **why_r)
{
	static char uri[4200];
	static const char *const sync[] = { "full", "meta", "none" };
	int mode = conf_enum(c, "store.sync");

	if (conf_enum(c, "store.backend") != 0) {
		*why_r = "store.backend redis is not built yet; use lmdb";
		return -1;
	}
	if ((size_t)snprintf(uri, sizeof(uri), "lmdb:%s?sync=%s",
	    conf_str(c, "store.path"), sync[mode < 0 || mode > 2 ? 0 :
	    mode]) >= sizeof(uri)) {
		*why_r = "store.path is too long";
		return -1;
	}
	if ((mlt_st = store_open(uri, (size_t)conf_size(c, "store.map_size"),
	    why_r)) == NULL)
		return -1;
	mlt_interval = conf_duration(c, "store.sweep_interval");
	mlt_stop = 0;
	if (pthread_create(&mlt_sweeper, NULL, sweeper, NULL) != 0) {
		*why_r = "cannot start the store sweep thread";
		store_close(&mlt_st);
		return -1;
	}
	mlt_sweeping = 1;
	log_info("store open uri=%s sweep=%llds", uri, mlt_interval);
	return 0;
}

struct store *
mlt_store(void)
{
	return mlt_st;
}

void
mlt_store_stop(void)
{
	if (mlt_sweeping) {
		pthread_mutex_lock(&mlt_lock);
		mlt_stop = 1;
		pthread_cond_signal(&mlt_cond);
		pthread_mutex_unlock(&mlt_lock);
		pthread_join(mlt_sweeper, NULL);
		mlt_sweeping = 0;
	}
	store_close(&mlt_st);
}
