/*
 * Resource record data: wire RDATA decoded into the typed view of dns.h
 * (RFC 1035 3.3, RFC 3596 2.2, RFC 4034 2.1 and 5.1, RFC 6698 2.1,
 * RFC 8659 4.1, RFC 2782, RFC 4034 3.1 RRSIG) and printed in zone-file
 * presentation form (RFC 4034 3.2 for RRSIG times).
 * Decoding never trusts a length: malformed RDATA leaves is_decoded 0.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

struct rd {
	const uint8_t	*p;
	size_t		 len, off;
	int		 bad;
};

static unsigned
rd_u8(struct rd *r)
{
	if (r->off + 1 > r->len) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->off++];
}

static unsigned
rd_u16(struct rd *r)
{
	unsigned v;

	if (r->off + 2 > r->len) {
		r->bad = 1;
		return 0;
	}
	v = (unsigned)r->p[r->off] << 8 | r->p[r->off + 1];
	r->off += 2;
	return v;
}

static uint32_t
rd_u32(struct rd *r)
{
	uint32_t hi = rd_u16(r);

	return hi << 16 | rd_u16(r);
}

/* Append one label, escaping as RFC 1035 5.1 presentation requires. */
static void
label_str(struct buf *b, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = p[i];

		if (c == '.' || c == '\\' || c == '"' || c == ';' ||
		    c == '(' || c == ')' || c == '@' || c == '$')
			buf_printf(b, "\\%c", c);
		else if (c <= 0x20 || c >= 0x7f)
			buf_printf(b, "\\%03u", c);
		else
			buf_addc(b, (int)c);
	}
}

/* An uncompressed wire name in presentation form without final dot. */
static const char *
rd_name(struct arena *a, struct rd *r)
{
	struct buf b = BUF_INIT;
	const char *s;
	size_t total = 0;

	for (;;) {
		unsigned n = rd_u8(r);

		if (r->bad || n > 63 || r->off + n > r->len) {
			r->bad = 1;	/* compression pointers included */
			buf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		if ((total += n + 1) > 255) {
			r->bad = 1;
			buf_free(&b);
			return NULL;
		}
		if (b.len > 0)
			buf_addc(&b, '.');
		label_str(&b, r->p + r->off, n);
		r->off += n;
	}
	s = arena_strndup(a, b.p == NULL ? "" : b.p, b.len);
	buf_free(&b);
	return s;
}

static void
decode_txt(struct arena *a, struct dns_rr *rr, struct rd *r)
{
	size_t n = 0, off = 0, i;

	/* Count the strings first, then copy each with a NUL after it. */
	while (off < r->len) {
		off += 1 + (size_t)r->p[off];
		n++;
	}
	if (off != r->len || n == 0) {
		r->bad = 1;
		return;
	}
	rr->u.txt.n = n;
	rr->u.txt.s = arena_calloc(a, n, sizeof(*rr->u.txt.s));
	for (i = 0; i < n; i++) {
		size_t l = rd_u8(r);

		rr->u.txt.s[i].p = arena_strndup(a,
		    (const char *)r->p + r->off, l);
		rr->u.txt.s[i].len = l;
		r->off += l;
	}
}

/* The rest of the RDATA as a blob (TLSA, DS, DNSKEY, CAA). */
static const uint8_t *
rd_rest(struct rd *r, size_t *len_r)
{
	const uint8_t *p = r->p + (r->off <= r->len ? r->off : r->len);

	*len_r = r->off <= r->len ? r->len - r->off : 0;
	r->off = r->len;
	return p;
}

void
dns_rr_decode(struct arena *a, struct dns_rr *rr)
{
	struct rd r = { rr->rdata, rr->rdlen, 0, 0 };
	const uint8_t *p;
	size_t n;

	rr->is_decoded = 0;
	switch (rr->type) {
	case DNS_T_A:
		if (r.len != 4)
			return;
		memcpy(&rr->u.a, r.p, 4);
		r.off = 4;
		break;
	case DNS_T_AAAA:
		if (r.len != 16)
			return;
		memcpy(&rr->u.aaaa, r.p, 16);
		r.off = 16;
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_NS:
		rr->u.name = rd_name(a, &r);
		break;
	case DNS_T_MX:
		rr->u.mx.pref = (uint16_t)rd_u16(&r);
		rr->u.mx.host = rd_name(a, &r);
		break;
	case DNS_T_TXT:
	case DNS_T_SPF:
		decode_txt(a, rr, &r);
		break;
	case DNS_T_SOA:
		rr->u.soa.mname = rd_name(a, &r);
		rr->u.soa.rname = rd_name(a, &r);
		rr->u.soa.serial = rd_u32(&r);
		rr->u.soa.refresh = rd_u32(&r);
		rr->u.soa.retry = rd_u32(&r);
		rr->u.soa.expire = rd_u32(&r);
		rr->u.soa.minimum = rd_u32(&r);
		break;
	case DNS_T_SRV:
		rr->u.srv.prio = (uint16_t)rd_u16(&r);
		rr->u.srv.weight = (uint16_t)rd_u16(&r);
		rr->u.srv.port = (uint16_t)rd_u16(&r);
		rr->u.srv.target = rd_name(a, &r);
		break;
	case DNS_T_TLSA:
		rr->u.tlsa.usage = (uint8_t)rd_u8(&r);
		rr->u.tlsa.selector = (uint8_t)rd_u8(&r);
		rr->u.tlsa.mtype = (uint8_t)rd_u8(&r);
		rr->u.tlsa.data = rd_rest(&r, &rr->u.tlsa.len);
		break;
	case DNS_T_DS:
		rr->u.ds.tag = (uint16_t)rd_u16(&r);
		rr->u.ds.alg = (uint8_t)rd_u8(&r);
		rr->u.ds.dtype = (uint8_t)rd_u8(&r);
		rr->u.ds.digest = rd_rest(&r, &rr->u.ds.len);
		break;
	case DNS_T_DNSKEY:
		rr->u.dnskey.flags = (uint16_t)rd_u16(&r);
		rr->u.dnskey.proto = (uint8_t)rd_u8(&r);
		rr->u.dnskey.alg = (uint8_t)rd_u8(&r);
		rr->u.dnskey.key = rd_rest(&r, &rr->u.dnskey.len);
		break;
	case DNS_T_RRSIG:
		rr->u.rrsig.covered = (uint16_t)rd_u16(&r);
		rr->u.rrsig.alg = (uint8_t)rd_u8(&r);
		rr->u.rrsig.labels = (uint8_t)rd_u8(&r);
		rr->u.rrsig.orig_ttl = rd_u32(&r);
		rr->u.rrsig.expiration = rd_u32(&r);
		rr->u.rrsig.inception = rd_u32(&r);
		rr->u.rrsig.tag = (uint16_t)rd_u16(&r);
		rr->u.rrsig.signer = rd_name(a, &r);
		if (r.bad)
			return;
		rr->u.rrsig.sig = rd_rest(&r, &rr->u.rrsig.len);
		break;
	case DNS_T_CAA:
		rr->u.caa.flags = (uint8_t)rd_u8(&r);
		n = rd_u8(&r);
		if (r.bad || n == 0 || r.off + n > r.len)
			return;
		rr->u.caa.tag = arena_strndup(a, (const char *)r.p + r.off, n);
		r.off += n;
		p = rd_rest(&r, &n);
		rr->u.caa.value.p = arena_strndup(a, (const char *)p, n);
		rr->u.caa.value.len = n;
		break;
	default:
		return;
	}
	if (!r.bad && r.off == r.len)
		rr->is_decoded = 1;
}

struct dns_str
dns_txt_join(struct arena *a, const struct dns_rr *rr)
{
	struct dns_str s = { "", 0 };
	size_t i, n = 0;
	char *p;

	if (!rr->is_decoded || (rr->type != DNS_T_TXT &&
	    rr->type != DNS_T_SPF))
		return s;
	for (i = 0; i < rr->u.txt.n; i++)
		n += rr->u.txt.s[i].len;
	p = arena_alloc(a, n + 1);
	s.p = p;
	s.len = n;
	for (i = 0; i < rr->u.txt.n; i++) {
		memcpy(p, rr->u.txt.s[i].p, rr->u.txt.s[i].len);
		p += rr->u.txt.s[i].len;
	}
	*p = '\0';
	return s;
}

static void
hex_str(struct buf *b, const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0)
		buf_adds(b, "-");
	for (i = 0; i < n; i++)
		buf_printf(b, "%02X", p[i]);
}

static void
quoted_str(struct buf *b, const char *p, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\%03u", c);
		else
			buf_addc(b, (int)c);
	}
	buf_addc(b, '"');
}

/* A name with its final dot, as zone files write absolute names. */
static void
name_str(struct buf *b, const char *name)
{
	buf_adds(b, name);
	buf_addc(b, '.');
}

/*
 * RFC 4034 3.2: YYYYMMDDHHmmSS in UTC. The field is a 32-bit serial
 * number of seconds (RFC 1982); read as unsigned it covers 1970 to 2106.
 */
static void
sigtime_str(struct buf *b, uint32_t v)
{
	time_t t = (time_t)v;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		buf_printf(b, "%u", v);
		return;
	}
	buf_printf(b, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
rrsig_str(struct arena *a, struct buf *b, const struct dns_rr *rr)
{
	buf_printf(b, "%s %u %u %u ", dns_type_str(a, rr->u.rrsig.covered),
	    rr->u.rrsig.alg, rr->u.rrsig.labels, rr->u.rrsig.orig_ttl);
	sigtime_str(b, rr->u.rrsig.expiration);
	buf_addc(b, ' ');
	sigtime_str(b, rr->u.rrsig.inception);
	buf_printf(b, " %u ", rr->u.rrsig.tag);
	name_str(b, rr->u.rrsig.signer);
	buf_addc(b, ' ');
	if (rr->u.rrsig.len == 0)
		buf_adds(b, "-");
	b64_encode(rr->u.rrsig.sig, rr->u.rrsig.len, b);
}

static void
rr_str_typed(struct arena *a, struct buf *b, const struct dns_rr *rr)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i;

	switch (rr->type) {
	case DNS_T_A:
		buf_adds(b, inet_ntop(AF_INET, &rr->u.a, ip, sizeof(ip)));
		break;
	case DNS_T_AAAA:
		buf_adds(b, inet_ntop(AF_INET6, &rr->u.aaaa, ip, sizeof(ip)));
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_NS:
		name_str(b, rr->u.name);
		break;
	case DNS_T_MX:
		buf_printf(b, "%u ", rr->u.mx.pref);
		name_str(b, rr->u.mx.host);
		break;
	case DNS_T_TXT:
	case DNS_T_SPF:
		for (i = 0; i < rr->u.txt.n; i++) {
			if (i > 0)
				buf_addc(b, ' ');
			quoted_str(b, rr->u.txt.s[i].p, rr->u.txt.s[i].len);
		}
		break;
	case DNS_T_SOA:
		name_str(b, rr->u.soa.mname);
		buf_addc(b, ' ');
		name_str(b, rr->u.soa.rname);
		buf_printf(b, " %u %u %u %u %u", rr->u.soa.serial,
		    rr->u.soa.refresh, rr->u.soa.retry, rr->u.soa.expire,
		    rr->u.soa.minimum);
		break;
	case DNS_T_SRV:
		buf_printf(b, "%u %u %u ", rr->u.srv.prio, rr->u.srv.weight,
		    rr->u.srv.port);
		name_str(b, rr->u.srv.target);
		break;
	case DNS_T_TLSA:
		buf_printf(b, "%u %u %u ", rr->u.tlsa.usage,
		    rr->u.tlsa.selector, rr->u.tlsa.mtype);
		hex_str(b, rr->u.tlsa.data, rr->u.tlsa.len);
		break;
	case DNS_T_DS:
		buf_printf(b, "%u %u %u ", rr->u.ds.tag, rr->u.ds.alg,
		    rr->u.ds.dtype);
		hex_str(b, rr->u.ds.digest, rr->u.ds.len);
		break;
	case DNS_T_DNSKEY:
		buf_printf(b, "%u %u %u ", rr->u.dnskey.flags,
		    rr->u.dnskey.proto, rr->u.dnskey.alg);
		b64_encode(rr->u.dnskey.key, rr->u.dnskey.len, b);
		break;
	case DNS_T_CAA:
		buf_printf(b, "%u %s ", rr->u.caa.flags, rr->u.caa.tag);
		quoted_str(b, rr->u.caa.value.p, rr->u.caa.value.len);
		break;
	case DNS_T_RRSIG:
		rrsig_str(a, b, rr);
		break;
	}
}

const char *
dns_rr_str(struct arena *a, const struct dns_rr *rr)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (rr->is_decoded)
		rr_str_typed(a, &b, rr);
	else {
		/* RFC 3597 5: the generic form for unknown or bad RDATA. */
		buf_printf(&b, "\\# %u", rr->rdlen);
		if (rr->rdlen > 0) {
			buf_addc(&b, ' ');
			hex_str(&b, rr->rdata, rr->rdlen);
		}
	}
	s = arena_strndup(a, b.p == NULL ? "" : b.p, b.len);
	buf_free(&b);
	return s;
}

const char *
dns_ptr_name(struct arena *a, int af, const void *addr)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = addr;
	char name[80], *o = name;
	int i;

	if (af == AF_INET)
		return arena_printf(a, "%u.%u.%u.%u.in-addr.arpa", p[3], p[2],
		    p[1], p[0]);
	for (i = 15; i >= 0; i--) {
		*o++ = hex[p[i] & 15];
		*o++ = '.';
		*o++ = hex[p[i] >> 4];
		*o++ = '.';
	}
	memcpy(o, "ip6.arpa", 9);
	return arena_strdup(a, name);
}
