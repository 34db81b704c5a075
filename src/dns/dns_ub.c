/*
 * The libunbound backend: a caching, validating stub resolver. Questions
 * go to the forwarders given in the options (or those of resolv.conf),
 * answers are validated against the root trust anchors (RFC 4033, RFC 4035
 * section 5; KSK-2017 and KSK-2024 as IANA publishes them, RFC 9718) or an
 * anchor file, and are cached by libunbound. Outcomes follow RFC 2308:
 * NXDOMAIN, NODATA (the name exists, the type does not), SERVFAIL for every
 * other server error, and TIMEOUT when our own per-query deadline passes.
 *
 * Threads. One struct ub_ctx serves the whole process, so every thread
 * shares one cache. Its functions are thread-safe, but answers to
 * asynchronous queries are delivered by ub_process() to whichever thread
 * calls it, as callbacks. We therefore run ub_ctx_async(ctx, 1) (the
 * resolver works in a libunbound background thread, never a forked
 * process, which a threaded milter must avoid) and one "pump" thread of
 * ours that polls ub_fd() and calls ub_process(). Callbacks run in the
 * pump thread only; they store the ub_result in the asking thread's slot
 * under be->mu and signal that batch's condition variable. They never
 * touch an arena: the asking thread converts results into its own arena
 * after it wakes, as arenas belong to one thread. A query whose deadline
 * passes is cancelled with ub_cancel(); if libunbound says it no longer
 * knows the id, its answer is already on the way to our callback, and the
 * asking thread waits for that delivery (which needs no network) before
 * it returns, so a callback never sees a slot that is gone. Lock order:
 * be->mu, then libunbound's own locks; callbacks take be->mu with no
 * libunbound lock held.
 *
 * XXX The pump thread and libunbound's worker do not survive fork(): a
 * daemon must make its resolver after it has detached.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define UB_TIMEOUT_DEFAULT	5000	/* ms */
#define UB_SERVERS_MAX		16
#define UB_CHAIN_MAX		16	/* CNAMEs followed per answer */
#define UB_PKT_CNAMES_MAX	64	/* CNAME records read per packet */

/*
 * IANA root zone trust anchors as DS records (root-anchors.xml):
 * KSK-2017 (key tag 20326) and KSK-2024 (key tag 38696), both RSASHA256,
 * SHA-256 digests.
 */
static const char *const ub_root_ds[] = {
	". IN DS 20326 8 2 "
	    "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 "
	    "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

/*
 * RFC 6761 special-use zones and the documentation address ranges
 * (RFC 5737, RFC 3849) that libunbound answers itself by default. With
 * allow_special they are asked of the forwarders like any other name, and
 * marked insecure: the root does not delegate them, so no chain of trust
 * can reach them.
 */
static const char *const ub_special[] = {
	"test.", "invalid.", "example.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};
#define NSPECIAL	(sizeof(ub_special) / sizeof(ub_special[0]))

struct ub_be {
	struct ub_ctx	*ctx;
	pthread_t	 pump;
	int		 wake[2];	/* written once to stop the pump */
	pthread_mutex_t	 mu;		/* slots, batches, is_dead */
	int		 is_dead;	/* the pump gave up */
	int		 is_started;	/* libunbound's worker exists */
	unsigned	 timeout_ms;
	int		 is_validating;
};

enum ub_state {
	UB_S_PENDING = 0,
	UB_S_DONE,		/* callback ran: err, res */
	UB_S_TIMEOUT,		/* cancelled at the deadline */
	UB_S_FAILED		/* could not be asked: err */
};

struct ub_batch {
	struct ub_be	*be;
	pthread_cond_t	 cv;
	size_t		 pending;
};

struct ub_slot {
	struct ub_batch		*b;
	enum ub_state		 state;
	int			 id;
	int			 err;
	struct ub_result	*res;
};

static void *
ub_pump(void *arg)
{
	struct ub_be *be = arg;
	struct pollfd pfd[2];

	pfd[0].fd = ub_fd(be->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = be->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents == 0)
			continue;
		if (ub_process(be->ctx) != UB_NOERROR)
			break;
		if ((pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0 &&
		    (pfd[0].revents & POLLIN) == 0)
			break;
	}
	/*
	 * Queries still pending now reach their deadline; ub_cancel() then
	 * still knows them, so nobody waits for a callback that never comes.
	 */
	pthread_mutex_lock(&be->mu);
	be->is_dead = 1;
	pthread_mutex_unlock(&be->mu);
	return NULL;
}

/* Runs in the pump thread, inside ub_process(), with no libunbound lock. */
static void
ub_callback(void *arg, int err, struct ub_result *res)
{
	struct ub_slot *s = arg;
	struct ub_batch *b = s->b;
	struct ub_be *be = b->be;

	/* Once mu is released, b and s may be gone: touch them before. */
	pthread_mutex_lock(&be->mu);
	s->err = err;
	s->res = res;
	s->state = UB_S_DONE;
	if (--b->pending == 0)
		pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&be->mu);
}

/*
 * Names from a DNS message (RFC 1035 4.1.4 compression), for the CNAME
 * chain. Presentation form without the final dot, escaped as dns_rr_str()
 * escapes names (RFC 1035 5.1).
 * Returns the offset after the name at *off, or -1 if malformed.
 */
static const char *
pkt_name(struct arena *a, const uint8_t *p, size_t len, size_t *off)
{
	char out[4 * 255 + 1];
	size_t o = 0, pos = *off, jumps = 0, wire = 0, i;
	int jumped = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return NULL;
		l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 64)
				return NULL;
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = ((size_t)(l & 0x3f) << 8) | p[pos + 1];
			continue;
		}
		if ((l & 0xc0) != 0)
			return NULL;
		pos++;
		if (l == 0)
			break;
		wire += (size_t)l + 1;
		if (wire > 255 || pos + l > len)
			return NULL;
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < l; i++) {
			uint8_t c = p[pos + i];

			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c > 0x20 && c < 0x7f)
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, sizeof(out) - o,
				    "\\%03u", c);
		}
		pos += l;
	}
	if (!jumped)
		*off = pos;
	out[o] = '\0';
	return arena_strndup(a, out, o);
}

struct pkt_cname {
	const char	*owner, *target;
	uint32_t	 ttl;
};

/*
 * The CNAME records of the answer section of an (uncompressed or
 * compressed) response. Returns how many were found; 0 on junk.
 */
static size_t
pkt_cnames(struct arena *a, const uint8_t *p, size_t len,
    struct pkt_cname *cn, size_t max)
{
	size_t off = 12, n = 0, qd, an, i;

	if (p == NULL || len < 12)
		return 0;
	qd = ((size_t)p[4] << 8) | p[5];
	an = ((size_t)p[6] << 8) | p[7];
	for (i = 0; i < qd; i++) {
		if (pkt_name(a, p, len, &off) == NULL || off + 4 > len)
			return 0;
		off += 4;
	}
	for (i = 0; i < an && n < max; i++) {
		const char *owner = pkt_name(a, p, len, &off);
		uint16_t type, rdlen;
		uint32_t ttl;
		size_t t;

		if (owner == NULL || off + 10 > len)
			return n;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
		ttl = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
		    (uint32_t)p[off + 6] << 8 | p[off + 7];
		rdlen = (uint16_t)(p[off + 8] << 8 | p[off + 9]);
		off += 10;
		if (off + rdlen > len)
			return n;
		if (type == DNS_T_CNAME) {
			t = off;
			cn[n].owner = owner;
			cn[n].target = pkt_name(a, p, len, &t);
			cn[n].ttl = ttl;
			if (cn[n].target != NULL)
				n++;
		}
		off += rdlen;
	}
	return n;
}

/* The name without its final dot (arena). */
static const char *
strip_dot(struct arena *a, const char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		return arena_strndup(a, s, n - 1);
	if (n == 1)
		return "";
	return arena_strdup(a, s);
}

/* Follow the CNAMEs of the response from qname: ans->cname, ncname, canon. */
static void
fill_chain(struct arena *a, const struct ub_result *res,
    struct dns_answer *ans)
{
	struct pkt_cname cn[UB_PKT_CNAMES_MAX];
	const char *cur = ans->qname;
	size_t n, i, hops = 0;

	ans->canon = ans->qname;
	if (ans->qtype == DNS_T_CNAME)
		return;		/* the CNAME is the data, not a detour */
	n = pkt_cnames(a, res->answer_packet, res->answer_packet == NULL ? 0 :
	    (size_t)res->answer_len, cn, UB_PKT_CNAMES_MAX);
	if (n == 0) {
		/* No packet to read: at least libunbound's canonical name. */
		if (res->canonname != NULL &&
		    str_casecmp(strip_dot(a, res->canonname), cur) != 0) {
			ans->canon = strip_dot(a, res->canonname);
			ans->cname = arena_calloc(a, 1, sizeof(*ans->cname));
			ans->cname[0] = ans->qname;
			ans->ncname = 1;
		}
		return;
	}
	ans->cname = arena_calloc(a, UB_CHAIN_MAX, sizeof(*ans->cname));
	while (hops < UB_CHAIN_MAX) {
		for (i = 0; i < n; i++)
			if (str_casecmp(cn[i].owner, cur) == 0)
				break;
		if (i == n)
			break;
		ans->cname[hops] = hops == 0 ? ans->qname : cn[i].owner;
		hops++;
		cur = cn[i].target;
	}
	ans->ncname = hops;
	ans->canon = cur;
}

/* Turn a libunbound result into ans (arena). */
static void
fill_answer(struct ub_be *be, struct arena *a, const struct ub_result *res,
    struct dns_answer *ans)
{
	size_t n = 0, i;

	ans->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	if (!be->is_validating)
		ans->sec = DNS_SEC_UNCHECKED;
	else if (res->secure)
		ans->sec = DNS_SEC_SECURE;
	else if (res->bogus) {
		ans->sec = DNS_SEC_BOGUS;
		ans->why_bogus = res->why_bogus != NULL ?
		    arena_strdup(a, res->why_bogus) : "validation failed";
	} else
		ans->sec = DNS_SEC_INSECURE;
	fill_chain(a, res, ans);
	/*
	 * RFC 4035 5.5: a bogus answer is a server failure, whatever rcode
	 * and records came with it (libunbound passes them on).
	 */
	if (ans->sec == DNS_SEC_BOGUS) {
		ans->rcode = DNS_R_SERVFAIL;
		ans->ttl = 0;
		return;
	}
	/* RFC 2308 2.1 and 2.2; libunbound reports rcode 3 for NXDOMAIN. */
	if (res->nxdomain || res->rcode == 3) {
		ans->rcode = DNS_R_NXDOMAIN;
		return;
	}
	if (res->rcode != 0) {
		ans->rcode = DNS_R_SERVFAIL;
		ans->ttl = 0;
		return;
	}
	if (!res->havedata || res->data == NULL || res->data[0] == NULL) {
		ans->rcode = DNS_R_NODATA;
		return;
	}
	ans->rcode = DNS_R_NOERROR;
	while (res->data[n] != NULL)
		n++;
	ans->rr = arena_calloc(a, n, sizeof(*ans->rr));
	for (i = 0; i < n; i++) {
		struct dns_rr *rr = &ans->rr[i];
		int len = res->len[i];

		if (len < 0 || len > 65535)
			continue;	/* cannot happen with wire RDATA */
		rr->type = ans->qtype;
		rr->ttl = ans->ttl;
		rr->rdata = arena_memdup(a, res->data[i], (size_t)len);
		rr->rdlen = (uint16_t)len;
		dns_rr_decode(a, rr);
		ans->nrr++;
	}
}

static void
deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Hand one question to libunbound. Its first query starts libunbound's
 * worker thread, which inherits our signal mask: block everything then,
 * so signals meant for the daemon's threads never land there.
 */
static int
ub_ask(struct ub_be *be, int is_started, const struct dns_answer *ans,
    struct ub_slot *s)
{
	const char *name = ans->qname[0] != '\0' ? ans->qname : ".";
	sigset_t all, old;
	int r;

	if (is_started)
		return ub_resolve_async(be->ctx, name, ans->qtype, 1, s,
		    ub_callback, &s->id);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = ub_resolve_async(be->ctx, name, ans->qtype, 1, s, ub_callback,
	    &s->id);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&be->mu);
	be->is_started = 1;
	pthread_mutex_unlock(&be->mu);
	return r;
}

/*
 * Ask every anss[i] (zeroed, qname and qtype set) at once and fill it in.
 * Returns 0, or -1 with *why_r for the first question that
 * could not be asked (its answer is SERVFAIL); the others are answered.
 */
static int
ub_run(struct ub_be *be, struct dns_answer **anss, size_t n,
    struct arena *a, const char **why_r)
{
	struct ub_batch b;
	struct ub_slot *s;
	pthread_condattr_t ca;
	struct timespec dl;
	size_t i;
	int rc = 0, r, is_started;

	if (n == 0)
		return 0;
	s = arena_calloc(a, n, sizeof(*s));
	memset(&b, 0, sizeof(b));
	b.be = be;
	b.pending = n;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b.cv, &ca);
	pthread_condattr_destroy(&ca);
	deadline_after(&dl, be->timeout_ms);

	for (i = 0; i < n; i++) {
		s[i].b = &b;
		pthread_mutex_lock(&be->mu);
		r = be->is_dead ? UB_PIPE : UB_NOERROR;
		is_started = be->is_started;
		pthread_mutex_unlock(&be->mu);
		if (r == UB_NOERROR)
			r = ub_ask(be, is_started, anss[i], &s[i]);
		if (r != UB_NOERROR) {
			pthread_mutex_lock(&be->mu);
			s[i].state = UB_S_FAILED;
			s[i].err = r;
			b.pending--;
			pthread_mutex_unlock(&be->mu);
		}
	}

	pthread_mutex_lock(&be->mu);
	while (b.pending > 0)
		if (pthread_cond_timedwait(&b.cv, &be->mu, &dl) == ETIMEDOUT)
			break;
	for (i = 0; i < n && b.pending > 0; i++) {
		if (s[i].state != UB_S_PENDING)
			continue;
		/* UB_NOID: the answer is being delivered; wait for it. */
		if (ub_cancel(be->ctx, s[i].id) == UB_NOERROR) {
			s[i].state = UB_S_TIMEOUT;
			b.pending--;
		}
	}
	while (b.pending > 0)
		pthread_cond_wait(&b.cv, &be->mu);
	pthread_mutex_unlock(&be->mu);
	pthread_cond_destroy(&b.cv);

	for (i = 0; i < n; i++) {
		struct dns_answer *ans = anss[i];

		ans->canon = ans->qname;
		ans->sec = DNS_SEC_UNCHECKED;
		switch (s[i].state) {
		case UB_S_DONE:
			if (s[i].err == 0 && s[i].res != NULL) {
				fill_answer(be, a, s[i].res, ans);
				break;
			}
			/* FALLTHROUGH */
		case UB_S_FAILED:
		case UB_S_PENDING:
			ans->rcode = DNS_R_SERVFAIL;
			if (rc == 0)
				*why_r = ub_strerror(s[i].err);
			rc = -1;
			break;
		case UB_S_TIMEOUT:
			ans->rcode = DNS_R_TIMEOUT;
			break;
		}
		ub_resolve_free(s[i].res);
	}
	return rc;
}

static int
ub_query(void *ctx, const char *name, uint16_t type, struct arena *a,
    struct dns_answer *ans, const char **why_r)
{
	(void)name;
	(void)type;		/* already in ans->qname, ans->qtype */
	return ub_run(ctx, &ans, 1, a, why_r);
}

static int
ub_query_all(void *ctx, struct dns_q *qs, size_t n, struct arena *a,
    const char **why_r)
{
	struct dns_answer **anss;
	size_t i;

	if (n == 0)
		return 0;
	anss = arena_calloc(a, n, sizeof(*anss));
	for (i = 0; i < n; i++) {
		anss[i] = arena_zalloc(a, sizeof(**anss));
		anss[i]->qname = qs[i].name;
		anss[i]->qtype = qs[i].type;
		anss[i]->canon = qs[i].name;
		qs[i].ans = anss[i];
	}
	return ub_run(ctx, anss, n, a, why_r);
}

static void
ub_be_free(void *ctx)
{
	struct ub_be *be = ctx;
	char c = 'q';

	if (be == NULL)
		return;
	if (be->wake[1] != -1) {
		while (write(be->wake[1], &c, 1) == -1 && errno == EINTR)
			;
		pthread_join(be->pump, NULL);
	}
	if (be->wake[0] != -1)
		close(be->wake[0]);
	if (be->wake[1] != -1)
		close(be->wake[1]);
	ub_ctx_delete(be->ctx);
	pthread_mutex_destroy(&be->mu);
	free(be);
}

static const struct dns_backend_ops ub_ops = {
	.query = ub_query,
	.query_all = ub_query_all,
	.free = ub_be_free,
};

/*
 * Check one forwarder, "ADDR" or "ADDR@PORT", and hand it to libunbound
 * (which takes the same form). Returns -1 with *why_r if it is not an
 * IPv4 or IPv6 address with an optional port 1..65535.
 */
static int
add_server(struct ub_ctx *ctx, const char *spec, const char **why_r)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char sa[sizeof(struct in6_addr)];
	unsigned long long port;
	const char *at = strchr(spec, '@');
	size_t hl = at != NULL ? (size_t)(at - spec) : strlen(spec);

	if (hl == 0 || hl >= sizeof(host)) {
		*why_r = "DNS server: not an IPv4 or IPv6 address";
		return -1;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, sa) != 1 &&
	    inet_pton(AF_INET6, host, sa) != 1) {
		*why_r = "DNS server: not an IPv4 or IPv6 address";
		return -1;
	}
	if (at != NULL && (str_to_ull(at + 1, 65535, &port) == -1 ||
	    port == 0)) {
		*why_r = "DNS server: port must be 1..65535 after '@'";
		return -1;
	}
	if (ub_ctx_set_fwd(ctx, spec) != UB_NOERROR) {
		*why_r = "DNS server: libunbound refused the address";
		return -1;
	}
	return 0;
}

static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val,
    const char **why_r)
{
	if (ub_ctx_set_option(ctx, opt, val) != UB_NOERROR) {
		*why_r = "libunbound refused an option";
		return -1;
	}
	return 0;
}

/* Everything but the threads: options, forwarders, anchors, finalize. */
static int
ub_configure(struct ub_ctx *ctx, const struct dns_ub_opts *o,
    int *is_validating_r, const char **why_r)
{
	size_t i;
	int r;

	if (ub_ctx_async(ctx, 1) != UB_NOERROR) {
		*why_r = "libunbound cannot run in a thread";
		return -1;
	}
	/* Libraries do not log; validation detail goes to why_bogus. */
	ub_ctx_debugout(ctx, NULL);
	if (set_opt(ctx, "val-log-level:", "2", why_r) == -1 ||
	    set_opt(ctx, "do-not-query-localhost:", "no", why_r) == -1)
		return -1;
	if (o->allow_special)
		for (i = 0; i < NSPECIAL; i++)
			if (set_opt(ctx, "domain-insecure:", ub_special[i],
			    why_r) == -1)
				return -1;
	if (o->nservers > UB_SERVERS_MAX) {
		*why_r = "DNS server: too many forwarders (max 16)";
		return -1;
	}
	for (i = 0; i < o->nservers; i++)
		if (add_server(ctx, o->servers[i], why_r) == -1)
			return -1;
	if (o->nservers == 0 &&
	    (r = ub_ctx_resolvconf(ctx, NULL)) != UB_NOERROR) {
		*why_r = r == UB_READFILE ? "cannot read /etc/resolv.conf" :
		    "bad nameserver line in /etc/resolv.conf";
		return -1;
	}
	*is_validating_r = 0;
	if (o->use_root_anchor) {
		for (i = 0; i < sizeof(ub_root_ds) / sizeof(ub_root_ds[0]);
		    i++)
			if (ub_ctx_add_ta(ctx, ub_root_ds[i]) != UB_NOERROR) {
				*why_r = "cannot add the root trust anchor";
				return -1;
			}
		*is_validating_r = 1;
	}
	if (o->trust_anchor != NULL) {
		if (access(o->trust_anchor, R_OK) == -1) {
			*why_r = "cannot read the trust anchor file";
			return -1;
		}
		if (ub_ctx_add_ta_file(ctx, o->trust_anchor) != UB_NOERROR) {
			*why_r = "cannot add the trust anchor file";
			return -1;
		}
		*is_validating_r = 1;
	}
	/*
	 * Make libunbound apply the configuration now (removing a zone that
	 * does not exist finalizes the context and changes nothing), so a bad
	 * anchor file is reported here rather than at the first query.
	 */
	if (ub_ctx_zone_remove(ctx, "mxwarden-finalize.invalid.") !=
	    UB_NOERROR) {
		*why_r = o->trust_anchor != NULL ?
		    "cannot load the resolver configuration or the trust "
		    "anchor file" : "cannot load the resolver configuration";
		return -1;
	}
	/*
	 * The built-in local zones exist only now. ub_ctx_zone_remove() is
	 * the way to drop them; a "local-zone: NAME nodefault" option set
	 * through ub_ctx_set_option() is accepted but has no effect.
	 */
	if (o->allow_special)
		for (i = 0; i < NSPECIAL; i++)
			if (ub_ctx_zone_remove(ctx, ub_special[i]) !=
			    UB_NOERROR) {
				*why_r = "cannot remove a built-in local zone";
				return -1;
			}
	return 0;
}

struct dns_resolver *
dns_ub_new(const struct dns_ub_opts *o, const char **why_r)
{
	struct ub_be *be;
	sigset_t all, old;
	int r;

	be = xcalloc(1, sizeof(*be));
	be->wake[0] = be->wake[1] = -1;
	be->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms :
	    UB_TIMEOUT_DEFAULT;
	pthread_mutex_init(&be->mu, NULL);
	if ((be->ctx = ub_ctx_create()) == NULL) {
		*why_r = "cannot create a libunbound context";
		ub_be_free(be);
		return NULL;
	}
	if (ub_configure(be->ctx, o, &be->is_validating, why_r) == -1) {
		ub_be_free(be);
		return NULL;
	}
	if (pipe(be->wake) == -1) {
		be->wake[0] = be->wake[1] = -1;
		*why_r = "cannot make the resolver's wake-up pipe";
		ub_be_free(be);
		return NULL;
	}
	/* The pump must not take signals meant for the daemon's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&be->pump, NULL, ub_pump, be);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		close(be->wake[1]);
		be->wake[1] = -1;
		*why_r = "cannot start the resolver thread";
		ub_be_free(be);
		return NULL;
	}
	return dns_resolver_new(&ub_ops, be);
}
