/*
 * Configuration generations: a loaded configuration, the pipeline built
 * from it and the milter settings read from it, swapped as one on
 * SIGHUP. A message takes a reference at MAIL FROM and keeps that
 * generation until end of message or abort, so a reload never changes
 * the rules under a message; the old generation is freed when its last
 * message is done. Also the trusted-network matcher (CIDR, RFC 4632 and
 * RFC 4291 section 2.3).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "milter/mlt_priv.h"

static pthread_mutex_t mlt_gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mlt_gen *mlt_gen_cur;
static unsigned long mlt_gen_serial;

static void
gen_free(struct mlt_gen *g)
{
	if (g->pl != NULL)
		pipeline_free(&g->pl);
	conf_free(&g->conf);
	free(g->nets);
	free(g);
}

static int
gen_nets(struct mlt_gen *g, const char **why_r)
{
	size_t i, n = conf_list_len(g->conf, "milter.trusted_networks");

	g->nets = xcalloc(n > 0 ? n : 1, sizeof(*g->nets));
	for (i = 0; i < n && i < MLT_NETS_MAX; i++) {
		if (mlt_net_parse(conf_list_str(g->conf,
		    "milter.trusted_networks", i), &g->nets[i]) == -1) {
			*why_r = "milter.trusted_networks: bad network";
			return -1;
		}
	}
	g->nnets = i;
	return 0;
}

struct mlt_gen *
mlt_gen_new(struct conf *conf, struct dns_resolver *res, struct store *store,
    const char **why_r)
{
	struct mlt_gen *g = xcalloc(1, sizeof(*g));

	g->conf = conf;
	g->safe = conf_enum(conf, "milter.safe_action") == 1 ?
	    MLT_SAFE_ACCEPT : MLT_SAFE_TEMPFAIL;
	g->timeout_us = (uint64_t)conf_duration(conf, "milter.timeout") *
	    1000000;
	g->max_scan = (size_t)conf_size(conf, "milter.max_scan_bytes");
	g->flag_hdr = conf_str(conf, "milter.spam_flag_header");
	g->status_hdr = conf_str(conf, "milter.spam_status_header");
	if (gen_nets(g, why_r) == -1) {
		gen_free(g);
		return NULL;
	}
	if ((g->pl = pipeline_new(conf, res, store, why_r)) == NULL) {
		gen_free(g);
		return NULL;
	}
	return g;
}

void
mlt_gen_install(struct mlt_gen *g)
{
	struct mlt_gen *old;

	pthread_mutex_lock(&mlt_gen_lock);
	g->serial = ++mlt_gen_serial;
	g->refs = 1;
	old = mlt_gen_cur;
	mlt_gen_cur = g;
	if (old != NULL && --old->refs > 0)
		old = NULL;
	pthread_mutex_unlock(&mlt_gen_lock);
	if (old != NULL)
		gen_free(old);
}

struct mlt_gen *
mlt_gen_get(void)
{
	struct mlt_gen *g;

	pthread_mutex_lock(&mlt_gen_lock);
	g = mlt_gen_cur;
	if (g != NULL)
		g->refs++;
	pthread_mutex_unlock(&mlt_gen_lock);
	return g;
}

void
mlt_gen_put(struct mlt_gen *g)
{
	int last;

	if (g == NULL)
		return;
	pthread_mutex_lock(&mlt_gen_lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&mlt_gen_lock);
	if (last)
		gen_free(g);
}

void
mlt_gen_shutdown(void)
{
	struct mlt_gen *g;

	pthread_mutex_lock(&mlt_gen_lock);
	g = mlt_gen_cur;
	mlt_gen_cur = NULL;
	pthread_mutex_unlock(&mlt_gen_lock);
	mlt_gen_put(g);
}

int
mlt_net_parse(const char *s, struct mlt_net *n)
{
	char tmp[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long bits;
	unsigned max;

	if (strlen(s) >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, strlen(s) + 1);
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, tmp, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, tmp, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return -1;
	n->bits = max;
	if (slash != NULL) {
		bits = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits > max)
			return -1;
		n->bits = (unsigned)bits;
	}
	return 0;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int
mlt_net_match(const struct mlt_net *nets, size_t n, const struct sockaddr *sa)
{
	const unsigned char *p;
	unsigned char v4[4];
	int fam;
	size_t i;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		fam = AF_INET;
		p = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		fam = AF_INET6;
		p = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
		/* RFC 4291 2.5.5.2: a mapped IPv4 client matches v4 nets. */
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)
		    (const void *)p)) {
			memcpy(v4, p + 12, 4);
			p = v4;
			fam = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < n; i++)
		if (nets[i].family == fam &&
		    prefix_eq(nets[i].addr, p, nets[i].bits))
			return 1;
	return 0;
}
