/*
 * Store benchmark: counter increments, gets, add-if-absent and sets per
 * second on a temporary LMDB store, for each durability mode, with 1, 4
 * and 16 threads calling at once (milter workers). Each call is atomic
 * on its own, as in the milter; concurrent writes share commits (group
 * commit, docs/store.md). Usage: bench_store [SECONDS_PER_CASE
 * [URI_OPTIONS]] (default 2 seconds; options are added to ?sync=MODE,
 * e.g. "&group=off").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "store/store.h"

enum bop { B_INCR, B_GET, B_ADD, B_SET };

struct job {
	struct store	*s;
	enum bop	 op;
	int		 id;
	uint64_t	 until_us;
	uint64_t	 n;
	const char	*why;
};

static void *
run(void *arg)
{
	struct job *j = arg;
	struct buf v = BUF_INIT;
	char k[64];
	int64_t x;
	int rc = 0;

	while (clock_mono_us() < j->until_us && rc != -1) {
		switch (j->op) {
		case B_INCR:
			rc = store_incr(j->s, "rl:bench", 8, 1, 3600, &x,
			    &j->why);
			break;
		case B_GET:
			snprintf(k, sizeof(k), "k:%llu",
			    (unsigned long long)(j->n % 10000));
			rc = store_get(j->s, k, strlen(k), &v, NULL, &j->why);
			break;
		case B_ADD:
			snprintf(k, sizeof(k), "grey:%d:%llu", j->id,
			    (unsigned long long)j->n);
			rc = store_add(j->s, k, strlen(k), "1700000000", 10,
			    86400, NULL, NULL, &j->why);
			break;
		case B_SET:
			snprintf(k, sizeof(k), "k:%llu",
			    (unsigned long long)(j->n % 10000));
			rc = store_set(j->s, k, strlen(k), "value-of-bench", 14,
			    0, &j->why);
			break;
		}
		j->n++;
	}
	buf_free(&v);
	if (rc == -1)
		j->n = 0;
	return NULL;
}

static double
bench(struct store *s, enum bop op, int nthreads, double secs)
{
	struct job jobs[16];
	pthread_t t[16];
	uint64_t start = clock_mono_us(), total = 0;
	int i;

	for (i = 0; i < nthreads; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].s = s;
		jobs[i].op = op;
		jobs[i].id = i;
		jobs[i].until_us = start + (uint64_t)(secs * 1e6);
		pthread_create(&t[i], NULL, run, &jobs[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		if (jobs[i].n == 0)
			fprintf(stderr, "bench: %s\n", jobs[i].why);
		total += jobs[i].n;
	}
	return (double)total / ((double)(clock_mono_us() - start) / 1e6);
}

int
main(int argc, char **argv)
{
	static const char *modes[] = { "full", "meta", "none" };
	static const char *names[] = { "incr", "get", "add", "set" };
	char dir[] = "/tmp/mxw-bench-store-XXXXXX", uri[256], cmd[160];
	double secs = argc > 1 ? atof(argv[1]) : 2;
	const char *extra = argc > 2 ? argv[2] : "";
	struct store *s;
	const char *why;
	int m, op, th;

	if (mkdtemp(dir) == NULL)
		return 1;
	printf("%-6s %-5s %8s %14s\n", "sync", "op", "threads", "ops/s");
	for (m = 0; m < 3; m++) {
		snprintf(uri, sizeof(uri), "lmdb:%s/%s?sync=%s%s", dir,
		    modes[m], modes[m], extra);
		if ((s = store_open(uri, 0, &why)) == NULL) {
			fprintf(stderr, "bench: %s\n", why);
			return 1;
		}
		for (op = B_SET; op >= B_INCR; op--)	/* fill, then read */
			for (th = 1; th <= 16; th *= 4)
				printf("%-6s %-5s %8d %14.0f\n", modes[m],
				    names[op], th, bench(s, (enum bop)op, th,
				    secs));
		store_close(&s);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
