/*
 * check_host() of RFC 7208: initial processing (4.3), record lookup and
 * selection (4.4, 4.5), evaluation of mechanisms (5) and modifiers (6),
 * the explanation (6.2), and the limits of 4.6.4 (10 DNS-querying terms,
 * 2 void lookups, 10 MX and 10 PTR names). DNS errors give temperror
 * (2.6.6), never a silent pass or fail. Parsed records are cached in the
 * context for their TTL (clock_now()), shared between threads under a
 * mutex and reference-counted so a result may keep pointing into them.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_priv.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define CACHE_DEFAULT	4096
#define CACHE_BUCKETS	1024	/* power of two */

/* The built-in explanation (6.2 leaves the text to local policy). */
#define DEFAULT_EXP	"%{i} is not allowed to send mail for %{d}"

/* The outcome of looking up a domain's SPF record, cached. */
struct cache_ent {
	struct cache_ent	*next;		/* hash chain */
	struct cache_ent	*older, *newer;	/* insertion order */
	struct spf_ctx		*ctx;
	struct arena		*a;		/* owns the entry */
	char			*key;		/* lower case, no final dot */
	unsigned		 hash;
	unsigned		 refs;
	int			 is_listed;
	time_t			 expires;
	struct spf_recinfo	 ri;
};

struct spf_ctx {
	struct dns_resolver	*res;
	char			*default_exp;
	size_t			 cache_max;
	int			 no_cache;
	pthread_mutex_t		 mu;
	struct cache_ent	*tab[CACHE_BUCKETS];
	struct cache_ent	*oldest, *newest;
	size_t			 n;
};

struct spf_ctx *
spf_ctx_new(struct dns_resolver *res, const struct spf_opts *o)
{
	struct spf_ctx *c = xcalloc(1, sizeof(*c));

	c->res = res;
	c->default_exp = xstrdup(o != NULL && o->default_exp != NULL ?
	    o->default_exp : DEFAULT_EXP);
	c->cache_max = o != NULL && o->cache_max > 0 ? o->cache_max :
	    CACHE_DEFAULT;
	c->no_cache = o != NULL && o->no_cache;
	if (pthread_mutex_init(&c->mu, NULL) != 0)
		panic("spf: pthread_mutex_init");
	return c;
}

/* Drop one reference; the caller holds the mutex. Returns the arena to
   free (outside the lock) or NULL. */
static struct arena *
ent_unref_locked(struct cache_ent *ent)
{
	if (--ent->refs > 0)
		return NULL;
	return ent->a;
}

static void
ent_unlist_locked(struct spf_ctx *c, struct cache_ent *ent)
{
	struct cache_ent **pp;

	for (pp = &c->tab[ent->hash & (CACHE_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == ent) {
			*pp = ent->next;
			break;
		}
	if (ent->older != NULL)
		ent->older->newer = ent->newer;
	else
		c->oldest = ent->newer;
	if (ent->newer != NULL)
		ent->newer->older = ent->older;
	else
		c->newest = ent->older;
	ent->is_listed = 0;
	c->n--;
}

void
spf_ctx_free(struct spf_ctx **cp)
{
	struct spf_ctx *c = *cp;
	struct cache_ent *ent;
	struct arena *a;

	if (c == NULL)
		return;
	while ((ent = c->oldest) != NULL) {
		ent_unlist_locked(c, ent);
		if ((a = ent_unref_locked(ent)) != NULL)
			arena_free(&a);
	}
	pthread_mutex_destroy(&c->mu);
	free(c->default_exp);
	free(c);
	*cp = NULL;
}

size_t
spf_ctx_cached(struct spf_ctx *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}

static unsigned
key_hash(const char *k)
{
	unsigned h = 2166136261u;

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

/* Arena destructor: a result no longer needs the entry. */
static void
ent_release(void *arg)
{
	struct cache_ent *ent = arg;
	struct spf_ctx *c = ent->ctx;
	struct arena *a;

	pthread_mutex_lock(&c->mu);
	a = ent_unref_locked(ent);
	pthread_mutex_unlock(&c->mu);
	if (a != NULL)
		arena_free(&a);
}

/* A key for domain: lower case without the final dot (arena). */
static char *
cache_key(struct arena *a, const char *domain)
{
	size_t n = strlen(domain);

	if (n > 1 && domain[n - 1] == '.')
		n--;
	return str_lower(arena_strndup(a, domain, n));
}

/* Find a live entry and take a reference for arena a. */
static struct cache_ent *
cache_get(struct spf_ctx *c, const char *key, struct arena *a)
{
	struct cache_ent *ent, *found = NULL;
	struct arena *dead = NULL;
	unsigned h = key_hash(key);
	time_t now = clock_now();

	pthread_mutex_lock(&c->mu);
	for (ent = c->tab[h & (CACHE_BUCKETS - 1)]; ent != NULL;
	    ent = ent->next)
		if (ent->hash == h && strcmp(ent->key, key) == 0)
			break;
	if (ent != NULL && ent->expires <= now) {
		ent_unlist_locked(c, ent);
		dead = ent_unref_locked(ent);
	} else if (ent != NULL) {
		ent->refs++;
		found = ent;
	}
	pthread_mutex_unlock(&c->mu);
	if (dead != NULL)
		arena_free(&dead);
	if (found != NULL)
		arena_defer(a, ent_release, found);
	return found;
}

/* Insert ent (holding one reference for the caller already). */
static void
cache_put(struct spf_ctx *c, struct cache_ent *ent)
{
	struct arena *dead[4];
	struct cache_ent *old;
	size_t nd = 0, i;
	time_t now = clock_now();

	pthread_mutex_lock(&c->mu);
	for (old = c->tab[ent->hash & (CACHE_BUCKETS - 1)]; old != NULL;
	    old = old->next)
		if (old->hash == ent->hash && strcmp(old->key, ent->key) == 0)
			break;
	if (old != NULL) {
		ent_unlist_locked(c, old);
		dead[nd] = ent_unref_locked(old);
		nd += dead[nd] != NULL;
	}
	/* Make room: drop the oldest (expired ones first come first). */
	while (c->n >= c->cache_max && nd < 4 && c->oldest != NULL) {
		old = c->oldest;
		ent_unlist_locked(c, old);
		dead[nd] = ent_unref_locked(old);
		nd += dead[nd] != NULL;
	}
	if (c->n < c->cache_max && ent->expires > now) {
		ent->refs++;
		ent->is_listed = 1;
		ent->next = c->tab[ent->hash & (CACHE_BUCKETS - 1)];
		c->tab[ent->hash & (CACHE_BUCKETS - 1)] = ent;
		ent->older = c->newest;
		ent->newer = NULL;
		if (c->newest != NULL)
			c->newest->newer = ent;
		else
			c->oldest = ent;
		c->newest = ent;
		c->n++;
	}
	pthread_mutex_unlock(&c->mu);
	for (i = 0; i < nd; i++)
		arena_free(&dead[i]);
}

/*
 * Fill ri from a TXT answer: select the records starting with "v=spf1"
 * (4.5) and parse the one, if exactly one.
 */
static void
select_record(struct arena *a, const struct dns_answer *ans,
    struct spf_recinfo *ri)
{
	struct dns_str s, one = { NULL, 0 };
	size_t i;

	ri->rc = ans->rcode;
	if (ans->rcode != DNS_R_NOERROR)
		return;
	for (i = 0; i < ans->nrr; i++) {
		if (!ans->rr[i].is_decoded)
			continue;
		s = dns_txt_join(a, &ans->rr[i]);
		if (spf_is_record(s.p, s.len)) {
			if (ri->nspf++ == 0)
				one = s;
		}
	}
	if (ri->nspf == 1)
		(void)spf_parse(a, one.p, one.len, &ri->rec, &ri->why);
}

/*
 * The SPF record of domain (4.4): from the cache, or asked and cached.
 * The DNS answer (when asked) is in ri->ans, allocated in a.
 */
void
spf_get_record(struct spf_ctx *c, struct arena *a, const char *domain,
    struct spf_recinfo *ri)
{
	struct cache_ent *ent;
	struct dns_answer *ans;
	struct arena *ea;
	const char *why;
	char *key = cache_key(a, domain);

	if (!c->no_cache && (ent = cache_get(c, key, a)) != NULL) {
		*ri = ent->ri;
		ri->is_cached = 1;
		ri->ans = NULL;
		return;
	}
	if (dns_query(c->res, domain, DNS_T_TXT, a, &ans, &why) == -1) {
		memset(ri, 0, sizeof(*ri));
		ri->rc = DNS_R_NXDOMAIN;	/* unaskable: no record */
		ri->ans = ans;
		ri->why = why;
		return;
	}
	ea = arena_new();
	ent = arena_zalloc(ea, sizeof(*ent));
	ent->a = ea;
	ent->ctx = c;
	ent->key = arena_strdup(ea, key);
	ent->hash = key_hash(key);
	ent->refs = 1;
	select_record(ea, ans, &ent->ri);
	ent->expires = clock_now() + (ans->ttl < SPF_CACHE_TTL_MAX ?
	    (time_t)ans->ttl : SPF_CACHE_TTL_MAX);
	arena_defer(a, ent_release, ent);
	if (!c->no_cache && ans->ttl > 0 && (ans->rcode == DNS_R_NOERROR ||
	    ans->rcode == DNS_R_NXDOMAIN || ans->rcode == DNS_R_NODATA))
		cache_put(c, ent);
	*ri = ent->ri;
	ri->is_cached = 0;
	ri->ans = ans;
}

struct dns_resolver *
spf_ctx_resolver(struct spf_ctx *c)
{
	return c->res;
}

const char *
spf_ctx_default_exp(struct spf_ctx *c)
{
	return c->default_exp;
}
