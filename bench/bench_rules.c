/*
 * Benchmark of the content rule engine alone (rules.h) on
 * ../shared/testdata/corpus-sample: the rule set is loaded once (its
 * load time printed apart), every message is parsed before timing, and
 * only rules_check is timed, in thread CPU time, over ROUNDS passes.
 * One thread, so the figure is messages per second per core. Each
 * pass parses the messages again into a fresh arena (untimed), so the
 * cached MIME renderings of one pass do not help the next.
 *
 * -G turns the literal gate of PCRE2-only patterns off (to measure
 * it); -V checks instead of timing that the gate changes no rule value
 * on any message (exit 1 if it does).
 *
 * usage: bench_rules [-n ROUNDS] [--no-default] [-G] [-V]
 *            [-r FILE_OR_DIR]... [-C CACHE_DIR] [CORPUS_DIR]
 */
#include <sys/stat.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/rules.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/xmalloc.h"
#include "mail/msg.h"

#define MSGS_MAX	5000
#define SRC_MAX		1000

struct item {
	char	*text;
	size_t	 len;
};

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix ("" for all), sorted; caller frees. */
static size_t
list_dir(const char *dir, const char *suffix, char ***v_r)
{
	struct dirent *de;
	DIR *d;
	char **v = NULL;
	size_t n = 0, l, sl = strlen(suffix);

	*v_r = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < MSGS_MAX) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < sl ||
		    strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		if (asprintf(&v[n++], "%s/%s", dir, de->d_name) < 0)
			abort();
	}
	closedir(d);
	qsort(v, n, sizeof(*v), str_cmp);
	*v_r = v;
	return n;
}

static int
read_all(const char *path, struct item *it)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t k;

	if (f == NULL)
		return -1;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, k);
	fclose(f);
	it->len = b.len;
	buf_addc(&b, '\0');
	it->text = buf_steal(&b);
	return 0;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_now(void)
{
	return (double)clock_mono_us() / 1e6;
}

/*
 * -V: every message evaluated with the literal gate on and off; any
 * rule value that differs is printed. Returns the number of messages
 * that differ (0: the gate changed nothing).
 */
static size_t
verify(struct rules *r, const struct item *items, size_t n)
{
	struct arena *a;
	struct task *t;
	const char *why, *name;
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		a = arena_new();
		t = task_new(a, NULL, NULL, NULL);
		if (msg_parse(a, items[i].text, items[i].len, &t->msg,
		    &why) == 0 && rules_gate_check(r, t, &name, &why) != 0) {
			printf("gate differs: message %zu, rule %s\n", i,
			    name != NULL ? name : why);
			bad++;
		}
		arena_free(&a);
	}
	printf("gate check: %zu messages, %zu differ\n", n, bad);
	return bad;
}

/* One pass: parse (untimed), check (timed); returns CPU seconds. */
static double
pass(const struct rules *r, const struct item *items, size_t n,
    size_t *hits_r)
{
	struct arena *a;
	struct task *t;
	const char *why;
	double t0, sum = 0;
	size_t i;
	int h;

	for (i = 0; i < n; i++) {
		a = arena_new();
		t = task_new(a, NULL, NULL, NULL);
		if (msg_parse(a, items[i].text, items[i].len, &t->msg,
		    &why) == 0) {
			t0 = cpu_now();
			h = rules_check(r, t, &why);
			sum += cpu_now() - t0;
			if (h > 0)
				*hits_r += (size_t)h;
		}
		arena_free(&a);
	}
	return sum;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_rules [-n ROUNDS] [--no-default] "
	    "[-G] [-V] [-r FILE_OR_DIR]... [-C CACHE_DIR] [CORPUS_DIR]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *const subs[] = { "ham", "spam", "phish" };
	struct rules_src src[SRC_MAX];
	struct item *items = xcalloc(MSGS_MAX, sizeof(*items));
	const char *corpus = MXW_TESTDATA "/corpus-sample", *cache = NULL;
	char **paths = NULL, **files, sub[1024], *why = NULL;
	struct rules *r;
	struct stat st;
	size_t nsrc = 0, n = 0, nf, i, j, hits = 0;
	int rounds = 3, use_default = 1, gate = 1, check = 0, k;
	double t0, load, cpu = 0;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "-n") == 0 && k + 1 < argc)
			rounds = atoi(argv[++k]);
		else if (strcmp(argv[k], "-G") == 0)
			gate = 0;
		else if (strcmp(argv[k], "-V") == 0)
			check = 1;
		else if (strcmp(argv[k], "--no-default") == 0)
			use_default = 0;
		else if (strcmp(argv[k], "-C") == 0 && k + 1 < argc)
			cache = argv[++k];
		else if (strcmp(argv[k], "-r") == 0 && k + 1 < argc) {
			k++;
			if (stat(argv[k], &st) == 0 && S_ISDIR(st.st_mode)) {
				nf = list_dir(argv[k], ".cf", &files);
				for (i = 0; i < nf && nsrc < SRC_MAX; i++)
					src[nsrc++] = (struct rules_src){
					    files[i], NULL, NULL, 0 };
				free(files);	/* names kept in src */
			} else if (nsrc < SRC_MAX)
				src[nsrc++] = (struct rules_src){ argv[k],
				    NULL, NULL, 0 };
		} else if (argv[k][0] == '-')
			usage();
		else
			corpus = argv[k];
	}
	if (rounds < 1)
		usage();
	if (use_default) {
		memmove(src + rules_default_nsrc, src, nsrc * sizeof(*src));
		for (i = 0; i < rules_default_nsrc; i++)
			src[i] = rules_default_src[i];
		nsrc += rules_default_nsrc;
	}
	for (j = 0; j < 3; j++) {
		snprintf(sub, sizeof(sub), "%s/%s", corpus, subs[j]);
		nf = list_dir(sub, "", &paths);
		for (i = 0; i < nf; i++) {
			if (n < MSGS_MAX && read_all(paths[i], &items[n]) == 0)
				n++;
			free(paths[i]);
		}
		free(paths);
	}
	if (n == 0) {
		fprintf(stderr, "bench_rules: no messages in %s\n", corpus);
		return 1;
	}
	t0 = wall_now();
	r = rules_load_cached(src, nsrc, cache, &why);
	load = wall_now() - t0;
	if (r == NULL) {
		fprintf(stderr, "bench_rules: %s\n", why);
		return 1;
	}
	if (check) {
		k = verify(r, items, n) == 0 ? 0 : 1;
		rules_free(&r);
		for (i = 0; i < n; i++)
			free(items[i].text);
		free(items);
		return k;
	}
	rules_set_gate(r, gate);
	(void)pass(r, items, n, &hits);		/* warm up */
	hits = 0;
	for (k = 0; k < rounds; k++)
		cpu += pass(r, items, n, &hits);
	printf("rules: %zu files, load %.2f s; %zu messages x %d: "
	    "%.1f ms CPU, %.0f msg/s/core, %.1f hits/msg\n", nsrc, load,
	    n, rounds, cpu * 1e3, (double)n * rounds / cpu,
	    (double)hits / ((double)n * rounds));
	rules_free(&r);
	for (i = 0; i < n; i++)
		free(items[i].text);
	free(items);
	return 0;
}
