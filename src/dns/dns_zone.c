/*
 * Zone files: an in-memory authoritative view built from RFC 1035 section
 * 5 master files, answering as a resolver would. It serves two jobs:
 * offline evaluation (tests, conformance suites, `--dns-zone`) and "what
 * if I published this?" overlays in front of real DNS (`--dns-overlay`).
 *
 * Semantics: a name with records of other types only, or an empty
 * non-terminal (an ancestor of a name with records), answers NODATA; a
 * name that does not exist answers NXDOMAIN; CNAMEs are followed (RFC 1034
 * 3.6.2) up to a hop limit; wildcards apply at the closest encloser only
 * (RFC 4592 3.3.1). A non-standard directive, "$FAULT NAME TYPE|ANY
 * TIMEOUT|SERVFAIL", lets tests make a name fail like a broken server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define ZONE_FILE_MAX	(64 * 1024 * 1024)
#define ZONE_HOPS_MAX	16	/* CNAME chain length */
#define ZONE_TOKS_MAX	512	/* tokens in one logical line */

struct znode {
	struct znode	*next;		/* hash chain */
	const char	*key;		/* lower case, no final dot */
	struct dns_rr	*rr;
	size_t		 nrr, cap;
};

struct zfault {
	struct zfault	*next;
	const char	*key;
	uint16_t	 type;		/* 0: every type */
	enum dns_rcode	 rc;
};

struct dns_zone {
	struct arena	*a;
	struct znode	**tab;
	size_t		 ntab, nnode, nrec;
	struct zfault	*faults;
	uint32_t	 neg_ttl;
};

struct tok {
	const char	*p;
	size_t		 len;
	int		 quoted;
};

struct zparse {
	struct dns_zone	*z;
	const char	*fname;
	size_t		 line;
	const char	*origin;	/* absolute, no final dot; "" = root */
	const char	*owner;		/* previous owner, for blank owners */
	uint32_t	 ttl;
	int		 has_ttl;
	const char	*why;
};

static uint32_t
hash_key(const char *k)
{
	uint32_t h = 2166136261u;

	for (; *k != '\0'; k++) {
		h ^= (unsigned char)*k;
		h *= 16777619u;
	}
	return h;
}

static void
zone_grow(struct dns_zone *z)
{
	struct znode **tab, *n, *next;
	size_t ntab = z->ntab * 2, i;

	tab = xcalloc(ntab, sizeof(*tab));
	for (i = 0; i < z->ntab; i++)
		for (n = z->tab[i]; n != NULL; n = next) {
			next = n->next;
			n->next = tab[hash_key(n->key) & (ntab - 1)];
			tab[hash_key(n->key) & (ntab - 1)] = n;
		}
	free(z->tab);
	z->tab = tab;
	z->ntab = ntab;
}

static struct znode *
zone_find(const struct dns_zone *z, const char *key)
{
	struct znode *n;

	for (n = z->tab[hash_key(key) & (z->ntab - 1)]; n != NULL;
	    n = n->next)
		if (strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

/* Find or make the node for key, and empty non-terminals above it. */
static struct znode *
zone_node(struct dns_zone *z, const char *key)
{
	struct znode *n = zone_find(z, key);
	const char *p;
	size_t h;

	if (n != NULL)
		return n;
	if (z->nnode * 2 >= z->ntab)
		zone_grow(z);
	n = arena_zalloc(z->a, sizeof(*n));
	n->key = arena_strdup(z->a, key);
	h = hash_key(key) & (z->ntab - 1);
	n->next = z->tab[h];
	z->tab[h] = n;
	z->nnode++;
	for (p = key; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '.') {
			(void)zone_node(z, p + 1);
			break;
		}
	}
	return n;
}

static void
zone_free_rrs(void *arg)
{
	struct dns_zone *z = arg;
	struct znode *n;
	size_t i;

	for (i = 0; i < z->ntab; i++)
		for (n = z->tab[i]; n != NULL; n = n->next)
			free(n->rr);
	free(z->tab);
}

struct dns_zone *
dns_zone_new(void)
{
	struct dns_zone *z = xcalloc(1, sizeof(*z));

	z->a = arena_new();
	z->ntab = 64;
	z->tab = xcalloc(z->ntab, sizeof(*z->tab));
	z->neg_ttl = 300;
	arena_defer(z->a, zone_free_rrs, z);
	return z;
}

void
dns_zone_free(struct dns_zone **zp)
{
	if (*zp == NULL)
		return;
	arena_free(&(*zp)->a);
	free(*zp);
	*zp = NULL;
}

size_t
dns_zone_count(const struct dns_zone *z)
{
	return z->nrec;
}

static const char *
key_lower(struct arena *a, const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.' && (n < 2 || name[n - 2] != '\\'))
		n--;
	return str_lower(arena_strndup(a, name, n));
}

/*
 * Presentation name to wire form (RFC 1035 5.1: \X and \DDD escapes),
 * relative names completed with origin. Returns -1 with *why_r.
 */
static int
name_wire(const char *p, size_t len, const char *origin, struct buf *w,
    const char **why_r)
{
	size_t start = w->len, lab = 0, i, total = 0;
	int absolute = 0;

	if (len == 1 && p[0] == '@')
		return origin == NULL || origin[0] == '\0' ?
		    (*why_r = "@ without $ORIGIN", -1) :
		    name_wire(origin, strlen(origin), NULL, w, why_r);
	buf_addc(w, 0);
	lab = w->len - 1;
	for (i = 0; i < len; i++) {
		unsigned c = (unsigned char)p[i];

		if (c == '.') {
			if (w->len - lab - 1 == 0) {
				if (i == len - 1 && len == 1) {
					absolute = 1;	/* the root "." */
					break;
				}
				*why_r = "empty label in name";
				return -1;
			}
			if (i == len - 1)
				absolute = 1;
			else {
				buf_addc(w, 0);
				lab = w->len - 1;
			}
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			if (i + 3 < len + 0 && p[i + 1] >= '0' &&
			    p[i + 1] <= '9') {
				unsigned v = (unsigned)(p[i + 1] - '0') * 100 +
				    (unsigned)(p[i + 2] - '0') * 10 +
				    (unsigned)(p[i + 3] - '0');

				if (v > 255) {
					*why_r = "bad \\DDD escape in name";
					return -1;
				}
				c = v;
				i += 3;
			} else
				c = (unsigned char)p[++i];
		}
		if (w->len - lab > 63) {
			*why_r = "label longer than 63 octets";
			return -1;
		}
		buf_addc(w, (int)c);
		w->p[lab]++;
	}
	if (w->p[lab] == 0 && !(absolute && w->len - start == 1)) {
		*why_r = "empty label in name";
		return -1;
	}
	if (w->p[lab] == 0)
		w->len--;		/* root: drop the empty length byte */
	if (!absolute && origin != NULL && origin[0] != '\0') {
		struct buf o = BUF_INIT;

		if (name_wire(origin, strlen(origin), NULL, &o, why_r) == -1) {
			buf_free(&o);
			return -1;
		}
		buf_add(w, o.p, o.len - 1);	/* without its root byte */
		buf_free(&o);
	}
	buf_addc(w, 0);
	total = w->len - start;
	if (total > 255) {
		*why_r = "name longer than 255 octets";
		return -1;
	}
	return 0;
}

/* Wire name back to a lower-case key (via the PTR decoder). */
static const char *
wire_key(struct arena *a, const uint8_t *p, size_t len)
{
	struct dns_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_PTR;
	rr.rdata = p;
	rr.rdlen = (uint16_t)len;
	dns_rr_decode(a, &rr);
	if (!rr.is_decoded)
		return NULL;
	return str_lower((char *)(uintptr_t)rr.u.name);
}

/* Unescape a character-string token (quoted or not) into w (no length). */
static int
cstr_unescape(const struct tok *t, struct buf *w, const char **why_r)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		unsigned c = (unsigned char)t->p[i];

		if (c == '\\' && i + 1 < t->len) {
			if (i + 3 < t->len + 0 && t->p[i + 1] >= '0' &&
			    t->p[i + 1] <= '9') {
				unsigned v = (unsigned)(t->p[i + 1] - '0') * 100
				    + (unsigned)(t->p[i + 2] - '0') * 10 +
				    (unsigned)(t->p[i + 3] - '0');

				if (v > 255 || t->p[i + 2] < '0' ||
				    t->p[i + 2] > '9' || t->p[i + 3] < '0' ||
				    t->p[i + 3] > '9') {
					*why_r = "bad \\DDD escape";
					return -1;
				}
				c = v;
				i += 3;
			} else
				c = (unsigned char)t->p[++i];
		}
		buf_addc(w, (int)c);
	}
	return 0;
}

static int
tok_num(const struct tok *t, unsigned long long max, unsigned long long *v_r)
{
	char tmp[24];

	if (t->quoted || t->len == 0 || t->len >= sizeof(tmp))
		return -1;
	memcpy(tmp, t->p, t->len);
	tmp[t->len] = '\0';
	return str_to_ull(tmp, max, v_r);
}

/* A TTL: seconds, or BIND units ("1h30m", "2d"). */
static int
tok_ttl(const struct tok *t, uint32_t *ttl_r)
{
	unsigned long long total = 0, cur = 0;
	size_t i;
	int digits = 0;

	if (t->quoted || t->len == 0 || t->p[0] < '0' || t->p[0] > '9')
		return -1;
	for (i = 0; i < t->len; i++) {
		int c = t->p[i] | 0x20;
		unsigned mul = 0;

		if (t->p[i] >= '0' && t->p[i] <= '9') {
			cur = cur * 10 + (unsigned)(t->p[i] - '0');
			digits = 1;
			if (cur > 0xffffffffULL)
				return -1;
			continue;
		}
		switch (c) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: return -1;
		}
		if (!digits)
			return -1;
		total += cur * mul;
		cur = 0;
		digits = 0;
	}
	total += cur;
	if (total > 0x7fffffffULL)
		return -1;
	*ttl_r = (uint32_t)total;
	return 0;
}

static void
put16(struct buf *w, unsigned v)
{
	buf_addc(w, (int)(v >> 8));
	buf_addc(w, (int)(v & 0xff));
}

static void
put32(struct buf *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static int
hex_tokens(const struct tok *t, size_t n, struct buf *w, const char **why_r)
{
	size_t i, j;
	int hi = -1;

	for (i = 0; i < n; i++)
		for (j = 0; j < t[i].len; j++) {
			int c = t[i].p[j], v;

			if (c >= '0' && c <= '9')
				v = c - '0';
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				v = (c | 0x20) - 'a' + 10;
			else {
				*why_r = "bad hex digit";
				return -1;
			}
			if (hi < 0)
				hi = v;
			else {
				buf_addc(w, hi << 4 | v);
				hi = -1;
			}
		}
	if (hi >= 0) {
		*why_r = "odd number of hex digits";
		return -1;
	}
	return 0;
}

/* Base64 data split over tokens (DNSKEY keys, RRSIG signatures). */
static int
b64_tokens(const struct tok *t, size_t n, struct buf *w, const char *bad,
    const char **why_r)
{
	struct buf b64 = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		buf_add(&b64, t[i].p, t[i].len);
	rc = b64_decode(b64.p == NULL ? "" : b64.p, b64.len, w);
	buf_free(&b64);
	if (rc == -1)
		*why_r = bad;
	return rc;
}

static int
nums(const struct tok *t, size_t n, const unsigned long long *max,
    unsigned long long *v, const char **why_r)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tok_num(&t[i], max[i], &v[i]) == -1) {
			*why_r = "bad number in record data";
			return -1;
		}
	return 0;
}

/*
 * An RRSIG time (RFC 4034 3.2): YYYYMMDDHHmmSS in UTC, or a decimal
 * number of seconds since 1970. Returns -1 if neither or out of range.
 */
static int
tok_sigtime(const struct tok *t, uint32_t *v_r)
{
	unsigned long long v;
	struct tm tm;
	int f[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	size_t i, j, o = 0;
	time_t tt;

	if (t->quoted || t->len != 14) {
		if (tok_num(t, 0xffffffffULL, &v) == -1)
			return -1;
		*v_r = (uint32_t)v;
		return 0;
	}
	for (i = 0; i < 6; i++) {
		f[i] = 0;
		for (j = 0; j < (size_t)w[i]; j++, o++) {
			if (t->p[o] < '0' || t->p[o] > '9')
				return -1;
			f[i] = f[i] * 10 + (t->p[o] - '0');
		}
	}
	if (f[0] < 1970 || f[0] > 2106 || f[1] < 1 || f[1] > 12 ||
	    f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	tt = timegm(&tm);
	if (tt < 0 || (unsigned long long)tt > 0xffffffffULL)
		return -1;
	*v_r = (uint32_t)tt;
	return 0;
}

/* RRSIG: TYPE ALG LABELS TTL EXPIRATION INCEPTION TAG SIGNER BASE64. */
static int
rrsig_wire(const struct tok *t, size_t n, const char *origin, struct buf *w,
    const char **why_r)
{
	static const unsigned long long m[] = { 255, 255 };
	unsigned long long v[2], tag;
	char tmp[24];
	uint16_t covered = 0;
	uint32_t ttl, exp, inc;

	*why_r = "want TYPE ALGORITHM LABELS TTL EXPIRATION INCEPTION "
	    "KEYTAG SIGNER SIGNATURE";
	if (n < 9 || t[0].quoted || t[0].len >= sizeof(tmp))
		return -1;
	memcpy(tmp, t[0].p, t[0].len);
	tmp[t[0].len] = '\0';
	if ((covered = dns_type_parse(tmp)) == 0) {
		*why_r = "RRSIG: unknown type covered";
		return -1;
	}
	if (nums(t + 1, 2, m, v, why_r) == -1 || tok_ttl(&t[3], &ttl) == -1 ||
	    tok_num(&t[6], 65535, &tag) == -1)
		return -1;
	if (tok_sigtime(&t[4], &exp) == -1 || tok_sigtime(&t[5], &inc) == -1) {
		*why_r = "RRSIG: bad time (want YYYYMMDDHHmmSS)";
		return -1;
	}
	put16(w, covered);
	buf_addc(w, (int)v[0]);
	buf_addc(w, (int)v[1]);
	put32(w, ttl);
	put32(w, exp);
	put32(w, inc);
	put16(w, (unsigned)tag);
	if (name_wire(t[7].p, t[7].len, origin, w, why_r) == -1)
		return -1;
	return b64_tokens(t + 8, n - 8, w, "RRSIG: bad base64 signature",
	    why_r);
}

/* RFC 3597 5: "\# LENGTH HEX..." for any type. */
static int
generic_wire(const struct tok *t, size_t n, struct buf *w, const char **why_r)
{
	unsigned long long len;

	if (n < 2 || tok_num(&t[1], 65535, &len) == -1) {
		*why_r = "bad \\# length";
		return -1;
	}
	if (hex_tokens(t + 2, n - 2, w, why_r) == -1)
		return -1;
	if (w->len != len) {
		*why_r = "\\# length does not match the data";
		return -1;
	}
	return 0;
}

static int
addr_wire(int af, const struct tok *t, size_t n, struct buf *w,
    const char **why_r)
{
	unsigned char ip[16];
	char tmp[64];

	if (n != 1 || t[0].len >= sizeof(tmp)) {
		*why_r = "want one address";
		return -1;
	}
	memcpy(tmp, t[0].p, t[0].len);
	tmp[t[0].len] = '\0';
	if (inet_pton(af, tmp, ip) != 1) {
		*why_r = "bad address";
		return -1;
	}
	buf_add(w, ip, af == AF_INET ? 4 : 16);
	return 0;
}

/* TXT and SPF: one or more character-strings of at most 255 octets. */
static int
txt_wire(const struct tok *t, size_t n, struct buf *w, const char **why_r)
{
	size_t i;

	if (n == 0) {
		*why_r = "want at least one character-string";
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t at = w->len;

		buf_addc(w, 0);
		if (cstr_unescape(&t[i], w, why_r) == -1)
			return -1;
		if (w->len - at - 1 > 255) {
			*why_r = "character-string longer than 255 "
			    "octets (split it into several strings)";
			return -1;
		}
		w->p[at] = (char)(w->len - at - 1);
	}
	return 0;
}

static int
soa_wire(const struct tok *t, size_t n, const char *origin, struct buf *w,
    const char **why_r)
{
	uint32_t tv;
	size_t i;

	if (n != 7) {
		*why_r = "want MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM";
		return -1;
	}
	if (name_wire(t[0].p, t[0].len, origin, w, why_r) == -1 ||
	    name_wire(t[1].p, t[1].len, origin, w, why_r) == -1)
		return -1;
	for (i = 2; i < 7; i++) {
		if (tok_ttl(&t[i], &tv) == -1) {
			*why_r = "bad SOA number";
			return -1;
		}
		put32(w, tv);
	}
	return 0;
}

/* TLSA, DS and DNSKEY: three numbers, then hex or base64 data. */
static int
key_wire(uint16_t type, const struct tok *t, size_t n, struct buf *w,
    const char **why_r)
{
	static const unsigned long long m8[] = { 255, 255, 255 };
	static const unsigned long long m16[] = { 65535, 255, 255 };
	unsigned long long v[3];

	if (n < 4 || nums(t, 3, type == DNS_T_TLSA ? m8 : m16, v,
	    why_r) == -1) {
		*why_r = type == DNS_T_DS ? "want KEYTAG ALG TYPE HEX" :
		    type == DNS_T_TLSA ? "want USAGE SELECTOR MTYPE HEX" :
		    "want FLAGS PROTOCOL ALGORITHM KEY";
		return -1;
	}
	if (type == DNS_T_TLSA)
		buf_addc(w, (int)v[0]);
	else
		put16(w, (unsigned)v[0]);
	buf_addc(w, (int)v[1]);
	buf_addc(w, (int)v[2]);
	if (type != DNS_T_DNSKEY)
		return hex_tokens(t + 3, n - 3, w, why_r);
	return b64_tokens(t + 3, n - 3, w, "bad base64 key", why_r);
}

/* RDATA of one record from its presentation tokens into wire form. */
static int
rdata_wire(uint16_t type, const struct tok *t, size_t n, const char *origin,
    struct buf *w, const char **why_r)
{
	static const unsigned long long m8[] = { 255 };
	static const unsigned long long m16[] = { 65535, 65535, 65535 };
	unsigned long long v[3];
	size_t i;

	if (n >= 1 && !t[0].quoted && t[0].len == 2 &&
	    memcmp(t[0].p, "\\#", 2) == 0)
		return generic_wire(t, n, w, why_r);
	switch (type) {
	case DNS_T_A:
		return addr_wire(AF_INET, t, n, w, why_r);
	case DNS_T_AAAA:
		return addr_wire(AF_INET6, t, n, w, why_r);
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (n != 1) {
			*why_r = "want one name";
			return -1;
		}
		return name_wire(t[0].p, t[0].len, origin, w, why_r);
	case DNS_T_MX:
		if (n != 2 || nums(t, 1, m16, v, why_r) == -1) {
			*why_r = "want PREFERENCE NAME";
			return -1;
		}
		put16(w, (unsigned)v[0]);
		return name_wire(t[1].p, t[1].len, origin, w, why_r);
	case DNS_T_TXT:
	case DNS_T_SPF:
		return txt_wire(t, n, w, why_r);
	case DNS_T_SOA:
		return soa_wire(t, n, origin, w, why_r);
	case DNS_T_SRV:
		if (n != 4 || nums(t, 3, m16, v, why_r) == -1) {
			*why_r = "want PRIORITY WEIGHT PORT TARGET";
			return -1;
		}
		for (i = 0; i < 3; i++)
			put16(w, (unsigned)v[i]);
		return name_wire(t[3].p, t[3].len, origin, w, why_r);
	case DNS_T_TLSA:
	case DNS_T_DS:
	case DNS_T_DNSKEY:
		return key_wire(type, t, n, w, why_r);
	case DNS_T_RRSIG:
		return rrsig_wire(t, n, origin, w, why_r);
	case DNS_T_CAA:
		if (n != 3 || nums(t, 1, m8, v, why_r) == -1 || t[1].len == 0 ||
		    t[1].len > 255) {
			*why_r = "want FLAGS TAG VALUE";
			return -1;
		}
		buf_addc(w, (int)v[0]);
		buf_addc(w, (int)t[1].len);
		buf_add(w, t[1].p, t[1].len);
		return cstr_unescape(&t[2], w, why_r);
	}
	*why_r = "type not supported in zone files (use the \\# form)";
	return -1;
}

static int
zone_add_wire(struct dns_zone *z, const char *key, uint16_t type,
    uint32_t ttl, const struct buf *w, const char **why_r)
{
	struct znode *n = zone_node(z, key);
	struct dns_rr *rr;
	size_t i;

	if (w->len > 65535) {
		*why_r = "record data longer than 65535 octets";
		return -1;
	}
	/*
	 * CNAME beside other data is accepted on purpose: audits must be
	 * able to see such a broken zone; queries then follow the CNAME.
	 */
	for (i = 0; i < n->nrr; i++) {
		/* RFC 2181 5: an RRset holds no duplicate records. */
		if (n->rr[i].type == type && n->rr[i].rdlen == w->len &&
		    memcmp(n->rr[i].rdata, w->p, w->len) == 0)
			return 0;
	}
	if (n->nrr == n->cap) {
		n->cap = n->cap == 0 ? 2 : n->cap * 2;
		n->rr = xreallocarray(n->rr, n->cap, sizeof(*n->rr));
	}
	rr = &n->rr[n->nrr++];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = ttl;
	rr->rdata = arena_memdup(z->a, w->p == NULL ? "" : w->p, w->len);
	rr->rdlen = (uint16_t)w->len;
	dns_rr_decode(z->a, rr);
	z->nrec++;
	return 0;
}

/*
 * Split one logical line (parentheses join physical lines) into tokens.
 * *pp advances past the line. Returns the token count, or -1 with *why_r.
 * *indented_r tells whether the line began with blank space.
 */
static int
tokenize(struct zparse *zp, const char **pp, const char *end,
    struct tok *t, int *indented_r)
{
	const char *p = *pp;
	int n = 0, paren = 0;

	*indented_r = p < end && (*p == ' ' || *p == '\t');
	while (p < end) {
		char c = *p;

		if (c == '\n') {
			zp->line++;
			p++;
			if (paren == 0)
				break;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
			continue;
		}
		if (c == ';') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (c == '(' || c == ')') {
			paren += c == '(' ? 1 : -1;
			if (paren < 0) {
				zp->why = "unbalanced \")\"";
				return -1;
			}
			p++;
			continue;
		}
		if (n == ZONE_TOKS_MAX) {
			zp->why = "too many fields in one record";
			return -1;
		}
		if (c == '"') {
			const char *s = ++p;

			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					zp->line++;
				p++;
			}
			if (p >= end) {
				zp->why = "unterminated quoted string";
				return -1;
			}
			t[n].p = s;
			t[n].len = (size_t)(p - s);
			t[n++].quoted = 1;
			p++;
			continue;
		}
		t[n].p = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r' && *p != ';' && *p != '(' && *p != ')' &&
		    *p != '"') {
			if (*p == '\\' && p + 1 < end)
				p++;
			p++;
		}
		t[n].len = (size_t)(p - t[n].p);
		t[n++].quoted = 0;
	}
	if (paren != 0) {
		zp->why = "unbalanced \"(\"";
		return -1;
	}
	*pp = p;
	return n;
}

static int
tok_is(const struct tok *t, const char *s)
{
	return !t->quoted && str_eq_ci(t->p, t->len, s);
}

/* A name token to its lower-case key, relative to the origin. */
static const char *
tok_key(struct zparse *zp, const struct tok *t)
{
	struct buf w = BUF_INIT;
	const char *key = NULL;

	if (name_wire(t->p, t->len, zp->origin, &w, &zp->why) == 0) {
		key = wire_key(zp->z->a, (const uint8_t *)w.p, w.len);
		if (key == NULL)
			zp->why = "bad name";
	}
	buf_free(&w);
	return key;
}

static int
directive(struct zparse *zp, const struct tok *t, int n)
{
	const char *key;
	uint16_t type = 0;

	if (tok_is(&t[0], "$ORIGIN") && n == 2) {
		if ((key = tok_key(zp, &t[1])) == NULL)
			return -1;
		zp->origin = key;
		return 0;
	}
	if (tok_is(&t[0], "$TTL") && n == 2) {
		if (tok_ttl(&t[1], &zp->ttl) == -1) {
			zp->why = "bad $TTL value";
			return -1;
		}
		zp->has_ttl = 1;
		return 0;
	}
	if (tok_is(&t[0], "$INCLUDE")) {
		zp->why = "$INCLUDE is not supported; list each file instead";
		return -1;
	}
	if (tok_is(&t[0], "$FAULT") && n == 4) {
		struct zfault *f;
		char tmp[16];

		if ((key = tok_key(zp, &t[1])) == NULL)
			return -1;
		if (!tok_is(&t[2], "ANY")) {
			if (t[2].len >= sizeof(tmp))
				goto bad;
			memcpy(tmp, t[2].p, t[2].len);
			tmp[t[2].len] = '\0';
			if ((type = dns_type_parse(tmp)) == 0)
				goto bad;
		}
		f = arena_zalloc(zp->z->a, sizeof(*f));
		f->key = key;
		f->type = type;
		if (tok_is(&t[3], "TIMEOUT"))
			f->rc = DNS_R_TIMEOUT;
		else if (tok_is(&t[3], "SERVFAIL"))
			f->rc = DNS_R_SERVFAIL;
		else
			goto bad;
		f->next = zp->z->faults;
		zp->z->faults = f;
		return 0;
	}
bad:
	zp->why = "unknown or malformed directive";
	return -1;
}

static int
record(struct zparse *zp, const struct tok *t, int n, int indented)
{
	struct buf w = BUF_INIT;
	const char *key;
	uint32_t ttl = zp->has_ttl ? zp->ttl : 3600;
	uint16_t type = 0;
	char tmp[16];
	int i = 0, rc;

	if (indented) {
		if (zp->owner == NULL) {
			zp->why = "record without an owner name";
			return -1;
		}
		key = zp->owner;
	} else {
		if ((key = tok_key(zp, &t[0])) == NULL)
			return -1;
		zp->owner = key;
		i = 1;
	}
	/* [TTL] [CLASS] or [CLASS] [TTL], then the type. */
	for (; i < n && type == 0; i++) {
		if (tok_ttl(&t[i], &ttl) == 0)
			continue;
		if (tok_is(&t[i], "IN"))
			continue;
		if (tok_is(&t[i], "CH") || tok_is(&t[i], "HS")) {
			zp->why = "only class IN is supported";
			return -1;
		}
		if (t[i].quoted || t[i].len >= sizeof(tmp) ||
		    (memcpy(tmp, t[i].p, t[i].len), tmp[t[i].len] = '\0',
		    type = dns_type_parse(tmp)) == 0) {
			zp->why = "unknown record type";
			return -1;
		}
	}
	if (type == 0) {
		zp->why = "record without a type";
		return -1;
	}
	rc = rdata_wire(type, t + i, (size_t)(n - i), zp->origin, &w, &zp->why);
	if (rc == 0)
		rc = zone_add_wire(zp->z, key, type, ttl, &w, &zp->why);
	buf_free(&w);
	return rc;
}

int
dns_zone_parse(struct dns_zone *z, const char *text, size_t len,
    const char *fname, const char **why_r)
{
	struct zparse zp;
	struct tok *t = xcalloc(ZONE_TOKS_MAX, sizeof(*t));
	const char *p = text, *end = text + len;
	size_t start;
	int n, indented, rc = 0;

	memset(&zp, 0, sizeof(zp));
	zp.z = z;
	zp.fname = fname;
	zp.line = 1;
	zp.origin = "";
	while (p < end && rc == 0) {
		start = zp.line;
		if ((n = tokenize(&zp, &p, end, t, &indented)) == -1) {
			zp.line = start;	/* where the record began */
			rc = -1;
			break;
		}
		if (n == 0)
			continue;
		if (!t[0].quoted && t[0].p[0] == '$')
			rc = directive(&zp, t, n);
		else
			rc = record(&zp, t, n, indented);
		if (rc == -1)
			zp.line = start;
	}
	free(t);
	if (rc == -1)
		*why_r = arena_printf(z->a, "%s:%zu: %s", fname, zp.line,
		    zp.why);
	else if (zp.has_ttl)
		z->neg_ttl = zp.ttl;
	return rc;
}

int
dns_zone_load(struct dns_zone *z, const char *path, const char **why_r)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*why_r = arena_printf(z->a, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > ZONE_FILE_MAX) {
			close(fd);
			buf_free(&b);
			*why_r = arena_printf(z->a, "%s: larger than %d bytes",
			    path, ZONE_FILE_MAX);
			return -1;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	if (n == -1) {
		buf_free(&b);
		*why_r = arena_printf(z->a, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = dns_zone_parse(z, b.p == NULL ? "" : b.p, b.len, path, why_r);
	buf_free(&b);
	return rc;
}

int
dns_zone_add(struct dns_zone *z, const char *name, uint16_t type,
    uint32_t ttl, const char *rdata, const char **why_r)
{
	struct zparse zp;
	struct tok *t = xcalloc(ZONE_TOKS_MAX, sizeof(*t));
	struct buf w = BUF_INIT;
	const char *p = rdata, *key;
	int n, indented, rc = -1;

	memset(&zp, 0, sizeof(zp));
	zp.z = z;
	zp.origin = "";
	if (dns_name_check(name, why_r) == -1)
		goto out;
	key = key_lower(z->a, name);
	if ((n = tokenize(&zp, &p, rdata + strlen(rdata), t, &indented)) ==
	    -1) {
		*why_r = zp.why;
		goto out;
	}
	if (rdata_wire(type, t, (size_t)n, "", &w, why_r) == 0)
		rc = zone_add_wire(z, key, type, ttl, &w, why_r);
out:
	buf_free(&w);
	free(t);
	return rc;
}

void
dns_zone_add_fault(struct dns_zone *z, const char *name, uint16_t type,
    enum dns_rcode rc)
{
	struct zfault *f = arena_zalloc(z->a, sizeof(*f));

	f->key = key_lower(z->a, name);
	f->type = type;
	f->rc = rc;
	f->next = z->faults;
	z->faults = f;
}

static const struct zfault *
zone_fault(const struct dns_zone *z, const char *key, uint16_t type)
{
	const struct zfault *f;

	for (f = z->faults; f != NULL; f = f->next)
		if ((f->type == 0 || f->type == type) &&
		    strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

/* The node for key, or the wildcard at its closest encloser. */
static struct znode *
zone_lookup(struct dns_zone *z, struct arena *a, const char *key)
{
	struct znode *n = zone_find(z, key);
	const char *p = key;

	if (n != NULL)
		return n;
	/* RFC 4592 3.3.1: climb to the closest existing ancestor. */
	while ((p = strchr(p, '.')) != NULL) {
		p++;
		if (zone_find(z, p) != NULL)
			return zone_find(z, arena_printf(a, "*.%s", p));
	}
	return zone_find(z, "*");
}

static int
node_has(const struct znode *n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n->nrr; i++)
		if (n->rr[i].type == type)
			return 1;
	return 0;
}

/* Keep the CNAMEs followed so far in the answer (arena). */
static void
set_chain(struct dns_answer *ans, struct arena *a, const char **chain)
{
	if (ans->ncname == 0)
		return;
	ans->cname = arena_calloc(a, ans->ncname, sizeof(char *));
	memcpy(ans->cname, chain, ans->ncname * sizeof(char *));
}

static int
zone_query(void *ctx, const char *name, uint16_t type, struct arena *a,
    struct dns_answer *ans, const char **why_r)
{
	struct dns_zone *z = ctx;
	const char *key = key_lower(a, name), *chain[ZONE_HOPS_MAX];
	const struct zfault *f;
	struct znode *n = NULL;
	size_t hop, i, k;

	(void)why_r;
	ans->sec = DNS_SEC_UNCHECKED;
	ans->ttl = z->neg_ttl;
	for (hop = 0; hop < ZONE_HOPS_MAX; hop++) {
		if ((f = zone_fault(z, key, type)) != NULL) {
			ans->rcode = f->rc;
			set_chain(ans, a, chain);
			return 0;
		}
		if ((n = zone_lookup(z, a, key)) == NULL) {
			/* Also the rcode of a CNAME pointing nowhere. */
			ans->rcode = DNS_R_NXDOMAIN;
			set_chain(ans, a, chain);
			return 0;
		}
		if (type == DNS_T_CNAME || !node_has(n, DNS_T_CNAME))
			break;
		for (i = 0; i < n->nrr; i++)
			if (n->rr[i].type == DNS_T_CNAME)
				break;
		chain[ans->ncname++] = hop == 0 ? name : key;
		key = arena_strdup(a, n->rr[i].u.name);
		str_lower((char *)(uintptr_t)key);
		ans->canon = key;
	}
	set_chain(ans, a, chain);
	if (hop == ZONE_HOPS_MAX) {
		ans->rcode = DNS_R_SERVFAIL;	/* CNAME loop or too long */
		return 0;
	}
	for (i = 0, k = 0; i < n->nrr; i++)
		k += n->rr[i].type == type;
	if (k == 0) {
		ans->rcode = DNS_R_NODATA;
		return 0;
	}
	ans->rr = arena_calloc(a, k, sizeof(*ans->rr));
	ans->ttl = UINT32_MAX;
	for (i = 0; i < n->nrr; i++) {
		if (n->rr[i].type != type)
			continue;
		ans->rr[ans->nrr++] = n->rr[i];
		if (n->rr[i].ttl < ans->ttl)
			ans->ttl = n->rr[i].ttl;
	}
	ans->rcode = DNS_R_NOERROR;
	return 0;
}

static void
zone_ctx_free(void *ctx)
{
	struct dns_zone *z = ctx;

	dns_zone_free(&z);
}

static const struct dns_backend_ops zone_ops = {
	zone_query, NULL, zone_ctx_free
};

struct dns_resolver *
dns_zone_resolver(struct dns_zone *z)
{
	return dns_resolver_new(&zone_ops, z);
}

struct overlay {
	struct dns_zone		*z;
	struct dns_resolver	*up;
};

/* Does the overlay zone speak for (name, type)? */
static int
overlay_owns(struct dns_zone *z, struct arena *a, const char *name,
    uint16_t type)
{
	const char *key = key_lower(a, name);
	struct znode *n;

	if (zone_fault(z, key, type) != NULL)
		return 1;
	if ((n = zone_lookup(z, a, key)) == NULL)
		return 0;
	return node_has(n, type) || node_has(n, DNS_T_CNAME);
}

static int
overlay_query(void *ctx, const char *name, uint16_t type, struct arena *a,
    struct dns_answer *ans, const char **why_r)
{
	struct overlay *o = ctx;
	struct dns_answer *up;

	if (overlay_owns(o->z, a, name, type))
		return zone_query(o->z, name, type, a, ans, why_r);
	if (dns_query(o->up, name, type, a, &up, why_r) == -1)
		return -1;
	*ans = *up;
	return 0;
}

static int
overlay_query_all(void *ctx, struct dns_q *qs, size_t n, struct arena *a,
    const char **why_r)
{
	struct overlay *o = ctx;
	struct dns_q *up = arena_calloc(a, n, sizeof(*up));
	size_t i, k = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (!overlay_owns(o->z, a, qs[i].name, qs[i].type)) {
			up[k++] = qs[i];
			continue;
		}
		qs[i].ans = arena_zalloc(a, sizeof(*qs[i].ans));
		qs[i].ans->qname = qs[i].ans->canon = qs[i].name;
		qs[i].ans->qtype = qs[i].type;
		(void)zone_query(o->z, qs[i].name, qs[i].type, a, qs[i].ans,
		    why_r);
	}
	if (k > 0)
		rc = dns_query_all(o->up, up, k, a, why_r);
	for (i = 0, k = 0; i < n; i++)
		if (qs[i].ans == NULL)
			qs[i].ans = up[k++].ans;
	return rc;
}

static void
overlay_free(void *ctx)
{
	struct overlay *o = ctx;

	dns_zone_free(&o->z);
	dns_resolver_free(&o->up);
	free(o);
}

static const struct dns_backend_ops overlay_ops = {
	overlay_query, overlay_query_all, overlay_free
};

struct dns_resolver *
dns_overlay_resolver(struct dns_zone *z, struct dns_resolver *upstream)
{
	struct overlay *o = xcalloc(1, sizeof(*o));

	o->z = z;
	o->up = upstream;
	return dns_resolver_new(&overlay_ops, o);
}
