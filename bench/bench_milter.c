/*
 * bench_milter: a load driver speaking the MTA side of the milter
 * protocol (as libmilter's mfdef.h defines it, version 6) over TCP.
 * N connections, one thread each, send messages from the corpus sample
 * (MXW_TESTDATA/corpus-sample) as Postfix would: option negotiation,
 * connect, HELO, macros, MAIL, RCPT, headers, end of headers, body in
 * 64 KiB chunks, end of message, then the next message on the same
 * connection. Reports messages per second and p50/p99 latency (MAIL to
 * the final end-of-message reply). TCP_NODELAY is set on our side so
 * the driver itself adds no Nagle delay.
 *
 * usage: bench_milter [-c CONNS] [-n MESSAGES] [-d DIR] HOST PORT
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSGS_MAX	2000
#define FILE_MAX	(1024 * 1024)
#define CHUNK		65535

struct sample {
	char	*hdr[512][2];	/* name, value with leading space */
	size_t	 nhdr;
	char	*body;
	size_t	 body_len;
};

static struct sample *samples;
static size_t nsamples;
static const char *host;
static int port, nmsg;
static uint64_t *lat;
static int next_msg;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int nerr, nreject, ntemp;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* LF to CRLF, then split into header fields and body. */
static int
load_sample(const char *path, struct sample *s)
{
	FILE *f = fopen(path, "rb");
	char *raw, *p, *end, *line, *colon;
	size_t n;

	if (f == NULL)
		return -1;
	raw = malloc(FILE_MAX + 1);
	n = fread(raw, 1, FILE_MAX, f);
	fclose(f);
	raw[n] = '\0';
	memset(s, 0, sizeof(*s));
	p = raw;
	end = raw + n;
	while (p < end && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
		line = p;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL) {
				p = end;
				break;
			}
			p = nl + 1;
			if (p >= end || (*p != ' ' && *p != '\t'))
				break;
		}
		colon = memchr(line, ':', (size_t)(p - line));
		if (colon == NULL || s->nhdr >= 512)
			continue;
		s->hdr[s->nhdr][0] = strndup(line, (size_t)(colon - line));
		n = (size_t)(p - colon - 1);
		while (n > 0 && (colon[n] == '\n' || colon[n] == '\r'))
			n--;
		s->hdr[s->nhdr][1] = strndup(colon + 1, n);
		s->nhdr++;
	}
	if (p < end)
		p += *p == '\r' ? 2 : 1;
	/* Body with CRLF line ends, as the MTA sends it. */
	s->body = malloc(2 * (size_t)(end - p) + 1);
	for (n = 0; p < end; p++) {
		if (*p == '\n' && (n == 0 || s->body[n - 1] != '\r'))
			s->body[n++] = '\r';
		s->body[n++] = *p;
	}
	s->body_len = n;
	free(raw);
	return s->nhdr > 0 ? 0 : -1;
}

static int
wr(int fd, char cmd, const void *data, size_t len)
{
	unsigned char h[5];
	uint32_t l = htonl((uint32_t)len + 1);

	memcpy(h, &l, 4);
	h[4] = (unsigned char)cmd;
	if (write(fd, h, 5) != 5)
		return -1;
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		return -1;
	return 0;
}

static int
readn(int fd, void *b, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = read(fd, (char *)b + got, n - got)) <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Read one reply; returns its command letter, -1 on error. */
static int
rd(int fd, uint32_t *pf)
{
	uint32_t l;
	char buf[CHUNK + 16], *big = NULL, *b = buf;
	int c;

	if (readn(fd, &l, 4) == -1)
		return -1;
	l = ntohl(l);
	if (l == 0 || l > 16 * 1024 * 1024)
		return -1;
	if (l > sizeof(buf))
		b = big = malloc(l);
	if (readn(fd, b, l) == -1) {
		free(big);
		return -1;
	}
	c = (unsigned char)b[0];
	if (c == 'O' && pf != NULL && l >= 13) {
		memcpy(pf, b + 9, 4);
		*pf = ntohl(*pf);
	}
	free(big);
	return c;
}

static int
nv(char *out, const char *a, const char *b)
{
	size_t la = strlen(a) + 1, lb = b != NULL ? strlen(b) + 1 : 0;

	memcpy(out, a, la);
	if (b != NULL)
		memcpy(out + la, b, lb);
	return (int)(la + lb);
}

#define NR_CONN		0x1000
#define NR_HELO		0x2000
#define NR_RCPT		0x8000
#define NR_HDR		0x80
#define NR_EOH		0x40000

static int
session(int fd)
{
	uint32_t opt[3] = { htonl(6), htonl(0x1ff), htonl(0x1fffff) }, pf = 0;
	char b[4096];
	int n, i, c;
	size_t k, off, len;
	struct sample *s;
	uint64_t t0;

	if (wr(fd, 'O', opt, sizeof(opt)) == -1 || rd(fd, &pf) != 'O')
		return -1;
	n = nv(b, "client.example.net", NULL);
	b[n++] = '4';
	b[n++] = 0;
	b[n++] = 25;
	n += nv(b + n, "192.0.2.44", NULL);
	if (wr(fd, 'C', b, (size_t)n) == -1 ||
	    (!(pf & NR_CONN) && rd(fd, NULL) != 'c'))
		return -1;
	n = nv(b, "client.example.net", NULL);
	if (wr(fd, 'H', b, (size_t)n) == -1 ||
	    (!(pf & NR_HELO) && rd(fd, NULL) != 'c'))
		return -1;
	for (;;) {
		pthread_mutex_lock(&mu);
		i = next_msg < nmsg ? next_msg++ : -1;
		pthread_mutex_unlock(&mu);
		if (i < 0)
			break;
		s = &samples[(size_t)i % nsamples];
		t0 = now_us();
		b[0] = 'M';
		n = 1 + nv(b + 1, "i", "BENCH");
		if (wr(fd, 'D', b, (size_t)n) == -1)
			return -1;
		n = nv(b, "<sender@example.com>", NULL);
		if (wr(fd, 'M', b, (size_t)n) == -1)
			return -1;
		if ((c = rd(fd, NULL)) != 'c')
			goto verdict;
		n = nv(b, "<rcpt@example.org>", NULL);
		if (wr(fd, 'R', b, (size_t)n) == -1 ||
		    (!(pf & NR_RCPT) && rd(fd, NULL) != 'c'))
			return -1;
		for (k = 0; k < s->nhdr; k++) {
			char *h = malloc(strlen(s->hdr[k][0]) +
			    strlen(s->hdr[k][1]) + 2);
			n = nv(h, s->hdr[k][0], s->hdr[k][1]);
			if (wr(fd, 'L', h, (size_t)n) == -1) {
				free(h);
				return -1;
			}
			free(h);
			if (!(pf & NR_HDR) && rd(fd, NULL) != 'c')
				return -1;
		}
		if (wr(fd, 'N', NULL, 0) == -1 ||
		    (!(pf & NR_EOH) && rd(fd, NULL) != 'c'))
			return -1;
		for (off = 0; off < s->body_len; off += len) {
			len = s->body_len - off > CHUNK ? CHUNK :
			    s->body_len - off;
			if (wr(fd, 'B', s->body + off, len) == -1)
				return -1;
			c = rd(fd, NULL);
			if (c == 's')
				break;
			if (c != 'c')
				return -1;
		}
		if (wr(fd, 'E', NULL, 0) == -1)
			return -1;
		while ((c = rd(fd, NULL)) == 'h' || c == 'i' || c == 'm' ||
		    c == 'q' || c == 'p')
			;
verdict:
		if (c == -1)
			return -1;
		pthread_mutex_lock(&mu);
		lat[i] = now_us() - t0;
		if (c == 'r' || (c == 'y'))
			nreject++;
		if (c == 't')
			ntemp++;
		pthread_mutex_unlock(&mu);
		if (c != 'c' && c != 'a' && wr(fd, 'A', NULL, 0) == -1)
			return -1;
	}
	wr(fd, 'Q', NULL, 0);
	return 0;
}

static void *
worker(void *arg)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    session(fd) == -1) {
		pthread_mutex_lock(&mu);
		nerr++;
		pthread_mutex_unlock(&mu);
	}
	close(fd);
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *dir = MXW_TESTDATA "/corpus-sample";
	char path[4096];
	pthread_t tid[256];
	struct dirent *de;
	DIR *d;
	int conns = 8, o, i, done;
	uint64_t t0, el;

	nmsg = 5000;
	while ((o = getopt(argc, argv, "c:n:d:")) != -1) {
		if (o == 'c')
			conns = atoi(optarg);
		else if (o == 'n')
			nmsg = atoi(optarg);
		else
			dir = optarg;
	}
	if (argc - optind != 2 || conns < 1 || conns > 256 || nmsg < 1) {
		fprintf(stderr, "usage: bench_milter [-c CONNS] [-n MSGS] "
		    "[-d DIR] HOST PORT\n");
		return 2;
	}
	host = argv[optind];
	port = atoi(argv[optind + 1]);
	samples = calloc(MSGS_MAX, sizeof(*samples));
	for (const char *sub = "ham\0spam\0phish\0"; *sub != '\0';
	    sub += strlen(sub) + 1) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && nsamples < MSGS_MAX) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, sub,
			    de->d_name);
			if (load_sample(path, &samples[nsamples]) == 0)
				nsamples++;
		}
		closedir(d);
	}
	if (nsamples == 0) {
		fprintf(stderr, "bench_milter: no messages under %s\n", dir);
		return 2;
	}
	lat = calloc((size_t)nmsg, sizeof(*lat));
	t0 = now_us();
	for (i = 0; i < conns; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	for (i = 0; i < conns; i++)
		pthread_join(tid[i], NULL);
	el = now_us() - t0;
	done = next_msg;
	qsort(lat, (size_t)done, sizeof(*lat), cmp);
	printf("milter: %d messages (%zu distinct), %d connections, "
	    "%.2f s: %.0f msg/s, p50 %.2f ms, p99 %.2f ms; "
	    "rejected %d, tempfail %d, connection errors %d\n", done,
	    nsamples, conns, (double)el / 1e6, done / ((double)el / 1e6),
	    done > 0 ? (double)lat[done / 2] / 1000 : 0,
	    done > 0 ? (double)lat[(size_t)(done * 0.99)] / 1000 : 0,
	    nreject, ntemp, nerr);
	return nerr > 0;
}
