/*
 * Cost of the outbound limiter per message: limits_check (GCRA for user,
 * domain and IP, compromise-detection state, recipient domains, all in
 * one store_rmw transaction) on an LMDB store in a temporary directory,
 * once per sync mode (none, meta: the default of store.sync, full) and
 * per number of threads calling at once (1, 8 and 32: milter workers).
 * Prints, per case, the wall time per message (1 / throughput: what the
 * limiter costs the host), the mean latency a caller waits, and the CPU
 * time per message. Usage:
 *	bench_limits [MESSAGES [URI_OPTIONS [MODE [THREADS]]]]
 * URI_OPTIONS are added to ?sync=MODE, e.g. "&group=off" ("" for none);
 * MODE (none, meta, full) and THREADS pick one case (for perf).
 */
#include <sys/resource.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "filter/limits.h"
#include "lib/clock.h"
#include "store/store.h"

struct job {
	struct store		*s;
	struct limits_conf	*lc;
	int			 id;
	long			 n;
	uint64_t		 wait_us;
};

static void *
worker(void *arg)
{
	const char *doms[3] = { "example.org", "example.net", "example.edu" };
	struct limits_msg m = { NULL, "example.com", "192.0.2.10", 3, doms, 3 };
	struct job *j = arg;
	struct limits_result r;
	const char *why;
	char user[100][32];
	uint64_t t0;
	long i;

	/* 100 senders in turn, as on a busy submission host; the names
	 * are made before timing so that only the limiter is measured */
	for (i = 0; i < 100; i++)
		snprintf(user[i], sizeof(user[i]), "user%ld@example.com", i);
	for (i = 0; i < j->n; i++) {
		m.user = user[(i * 7 + j->id) % 100];
		t0 = clock_mono_us();
		if (limits_check(j->lc, j->s, &m, clock_now_us(), &r,
		    &why) == -1) {
			fprintf(stderr, "bench_limits: %s\n", why);
			exit(1);
		}
		j->wait_us += clock_mono_us() - t0;
	}
	return NULL;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void
run(const char *sync, const char *extra, int nth, long n,
    struct limits_conf *lc)
{
	char dir[64], uri[256], cmd[128];
	struct job jobs[32];
	pthread_t t[32];
	struct store *s;
	const char *why;
	uint64_t t0, t1, wait = 0;
	double c0, c1;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/mxw-bench-limits-XXXXXX");
	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(uri, sizeof(uri), "lmdb:%s?sync=%s%s", dir, sync, extra);
	if ((s = store_open(uri, 0, &why)) == NULL) {
		fprintf(stderr, "bench_limits: %s\n", why);
		exit(1);
	}
	t0 = clock_mono_us();
	c0 = cpu_us();
	for (i = 0; i < nth; i++) {
		jobs[i] = (struct job){ s, lc, i, n / nth, 0 };
		pthread_create(&t[i], NULL, worker, &jobs[i]);
	}
	for (i = 0; i < nth; i++) {
		pthread_join(t[i], NULL);
		wait += jobs[i].wait_us;
	}
	t1 = clock_mono_us();
	c1 = cpu_us();
	n = n / nth * nth;
	printf("sync=%-4s threads=%2d: %8.2f us/msg (%7.0f msg/s), "
	    "latency %8.1f us, cpu %6.2f us/msg, %ld msgs\n", sync, nth,
	    (double)(t1 - t0) / (double)n, (double)n * 1e6 /
	    (double)(t1 - t0), (double)wait / (double)n, (c1 - c0) /
	    (double)n, n);
	fflush(stdout);
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_limits: could not remove %s\n", dir);
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = { "none", "meta", "full" };
	static const int nths[] = { 1, 8, 32 };
	struct conf *c = conf_defaults();
	struct limits_conf *lc = limits_conf_new(c);
	long n = argc > 1 ? atol(argv[1]) : 20000, k;
	const char *extra = argc > 2 ? argv[2] : "";
	const char *only_mode = argc > 3 ? argv[3] : NULL;
	int only_nth = argc > 4 ? atoi(argv[4]) : 0;
	int64_t nt, retry;
	uint64_t t0;
	size_t i, j;

	/* Generous limits: every message is allowed and written. */
	for (i = 0; i < LIM_NRATE; i++)
		lc->dflt[LIM_USER].v[i] = lc->dflt[LIM_DOMAIN].v[i] =
		    lc->dflt[LIM_IP].v[i] = 100000000;
	t0 = clock_mono_us();
	for (k = 0; k < 10000000; k++)
		limits_gcra(k, k + 5, 60000000, 1000, 1, &nt, &retry);
	printf("gcra arithmetic: %.4f us per limit\n",
	    (double)(clock_mono_us() - t0) / 1e7);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		for (j = 0; j < sizeof(nths) / sizeof(nths[0]); j++) {
			if ((only_mode != NULL && strcmp(only_mode,
			    modes[i]) != 0) || (only_nth != 0 &&
			    only_nth != nths[j]))
				continue;
			/* one thread with a flush per commit is slow */
			k = strcmp(modes[i], "none") != 0 && nths[j] == 1 ?
			    n / 10 : n;
			run(modes[i], extra, nths[j], k, lc);
		}
	limits_conf_free(&lc);
	conf_free(&c);
	return 0;
}
