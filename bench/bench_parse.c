/*
 * Benchmark of the message model on the sample corpus: every message of
 * corpus-sample/{ham,spam,phish} is read into memory once, then parsed N
 * times (msg_parse, the From address, mime_text), each in a fresh arena.
 * Prints messages per second and MB per second on one core.
 *
 * usage: bench_parse [ROUNDS] [TESTDATA-DIR]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/msg.h"

struct bench_msg {
	char	*p;
	size_t	 len;
};

static int
bench_load(const char *dir, struct bench_msg **v, size_t *n, size_t *cap)
{
	char path[4096], tmp[65536];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "bench_parse: cannot open %s\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct buf b = BUF_INIT;
		FILE *f;
		size_t k;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
			buf_add(&b, tmp, k);
		fclose(f);
		if (b.len == 0)
			continue;
		if (*n == *cap) {
			*cap = *cap == 0 ? 256 : *cap * 2;
			*v = realloc(*v, *cap * sizeof(**v));
			if (*v == NULL)
				abort();
		}
		(*v)[*n].len = b.len;
		(*v)[(*n)++].p = buf_steal(&b);
	}
	closedir(d);
	return 0;
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const char *sub[] = { "ham", "spam", "phish" };
	const char *td = argc > 2 ? argv[2] : MXW_TESTDATA;
	int rounds = argc > 1 ? atoi(argv[1]) : 5, r;
	struct bench_msg *v = NULL;
	size_t n = 0, cap = 0, i, bytes = 0, nfrom = 0, tlen;
	char dir[4096];
	double t0, t;

	if (rounds < 1)
		rounds = 1;
	for (i = 0; i < 3; i++) {
		snprintf(dir, sizeof(dir), "%s/corpus-sample/%s", td, sub[i]);
		if (bench_load(dir, &v, &n, &cap) == -1)
			return 2;
	}
	for (i = 0; i < n; i++)
		bytes += v[i].len;
	mime_init();
	t0 = bench_now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			struct arena *a = arena_new();
			const struct msg_header *h;
			struct mail_addr *addrs;
			struct msg *m;
			const char *why;
			size_t na;

			if (msg_parse(a, v[i].p, v[i].len, &m, &why) == 0) {
				h = msg_header_get(m, "From", 0);
				if (h != NULL && addr_parse_list(a, h->unfolded,
				    h->unfolded_len, &addrs, &na, &why) == 0)
					nfrom++;
				mime_text(m, &tlen);
			}
			arena_free(&a);
		}
	}
	t = bench_now() - t0;
	printf("bench_parse: %zu messages, %.1f MB, %d rounds, %.3f s\n",
	    n, (double)bytes / 1e6, rounds, t);
	printf("bench_parse: %.0f messages/s, %.1f MB/s (one core; msg_parse"
	    " + From + mime_text)\n", (double)n * rounds / t,
	    (double)bytes * rounds / 1e6 / t);
	printf("bench_parse: From parsed %zu of %zu\n", nfrom / rounds, n);
	for (i = 0; i < n; i++)
		free(v[i].p);
	free(v);
	return 0;
}
