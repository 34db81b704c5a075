/*
 * Cost of the outbound limiter per message: limits_check (GCRA for user,
 * domain and IP, compromise-detection state, recipient domains, all in
 * one store_rmw transaction) on an LMDB store in a temporary directory,
 * once per sync mode (full, meta: the default of store.sync, none).
 * Prints microseconds per message. Usage: bench_limits [MESSAGES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "filter/limits.h"
#include "lib/clock.h"
#include "store/store.h"

static double
run(const char *sync, long n, struct limits_conf *lc)
{
	char dir[64], uri[128], cmd[128], user[64];
	const char *doms[3] = { "example.org", "example.net", "example.edu" };
	struct limits_msg m = { NULL, "example.com", "192.0.2.10", 3, doms, 3 };
	struct limits_result r;
	struct store *s;
	const char *why;
	uint64_t t0, t1;
	long i;

	snprintf(dir, sizeof(dir), "/tmp/mxw-bench-limits-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(uri, sizeof(uri), "lmdb:%s?sync=%s", dir, sync);
	if ((s = store_open(uri, 0, &why)) == NULL) {
		fprintf(stderr, "bench_limits: %s\n", why);
		exit(1);
	}
	t0 = clock_mono_us();
	for (i = 0; i < n; i++) {
		/* 100 senders in turn, as on a busy submission host */
		snprintf(user, sizeof(user), "user%ld@example.com", i % 100);
		m.user = user;
		if (limits_check(lc, s, &m, clock_now_us(), &r, &why) == -1) {
			fprintf(stderr, "bench_limits: %s\n", why);
			exit(1);
		}
	}
	t1 = clock_mono_us();
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_limits: could not remove %s\n", dir);
	return (double)(t1 - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = { "none", "meta", "full" };
	struct conf *c = conf_defaults();
	struct limits_conf *lc = limits_conf_new(c);
	long n = argc > 1 ? atol(argv[1]) : 20000;
	int64_t nt, retry;
	uint64_t t0;
	size_t i;
	long k;

	/* Generous limits: every message is allowed and written. */
	for (i = 0; i < LIM_NRATE; i++)
		lc->dflt[LIM_USER].v[i] = lc->dflt[LIM_DOMAIN].v[i] =
		    lc->dflt[LIM_IP].v[i] = 100000000;
	t0 = clock_mono_us();
	for (k = 0; k < 10000000; k++)
		limits_gcra(k, k + 5, 60000000, 1000, 1, &nt, &retry);
	printf("gcra arithmetic: %.4f us per limit\n",
	    (double)(clock_mono_us() - t0) / 1e7);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		/* a full fsync per commit is slow: fewer messages */
		k = strcmp(modes[i], "full") == 0 ? n / 10 : n;
		printf("limits_check sync=%s: %.2f us per message "
		    "(%ld messages, 3 rcpt domains, 9 keys per txn)\n",
		    modes[i], run(modes[i], k, lc), k);
	}
	limits_conf_free(&lc);
	conf_free(&c);
	return 0;
}
