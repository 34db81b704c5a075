/*
 * One question to one chosen server, without cache, recursion or
 * validation: what the audit needs to compare a parent zone's delegation
 * with the child's own NS records and to see whether each server answers
 * authoritatively (RFC 1034 4.2.2, RFC 2181 6.1). A plain UDP query
 * (RFC 1035 4.1, RD clear) with a random id and a deadline; the reply is
 * untrusted input and is parsed with every length checked (RFC 1035
 * 4.1.4 compression included), by dns_reply_parse(), which the fuzz
 * target fuzz_dns_reply drives.
 *
 * XXX Over UDP only: a truncated reply (TC) is parsed as far as it goes
 * and flagged; a delegation larger than 1232 octets would read short.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

#define DIRECT_PKT_MAX		1232	/* EDNS-free UDP replies we read */
#define DIRECT_RR_MAX		64	/* records read per section */

/*
 * A possibly compressed name at *off into uncompressed wire form in out
 * (255 octets at most). Returns its length, or 0 if malformed; *off moves
 * past the name as it is written at *off.
 */
static size_t
name_read(const uint8_t *p, size_t len, size_t *off, uint8_t *out)
{
	size_t pos = *off, o = 0, jumps = 0;
	int jumped = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return 0;
		l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 64)
				return 0;
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = ((size_t)(l & 0x3f) << 8) | p[pos + 1];
			continue;
		}
		if ((l & 0xc0) != 0)
			return 0;
		/* UNSAFE: bounds of p and out checked before the copy. */
		if (pos + 1 + l > len || o + 1 + l > 255)
			return 0;
		memcpy(out + o, p + pos, (size_t)l + 1);
		o += (size_t)l + 1;
		pos += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = pos;
	return o;
}

/* Presentation form (no final dot) of a wire name, through the decoder. */
static const char *
name_str(struct arena *a, const uint8_t *w, size_t n)
{
	struct dns_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = DNS_T_NS;
	rr.rdata = w;
	rr.rdlen = (uint16_t)n;
	dns_rr_decode(a, &rr);
	return rr.is_decoded ? rr.u.name : NULL;
}

static int
name_eq(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);

	if (lx > 0 && x[lx - 1] == '.')
		lx--;
	if (ly > 0 && y[ly - 1] == '.')
		ly--;
	return lx == ly && str_ncasecmp(x, y, lx) == 0;
}

/*
 * One resource record at *off. Names in the RDATA of NS, CNAME and PTR
 * are decompressed; other types keep their RDATA as sent. Returns 0, or
 * -1 if the record runs past the message.
 */
static int
rr_read(struct arena *a, const uint8_t *p, size_t len, size_t *off,
    const char **owner_r, struct dns_rr *rr)
{
	uint8_t w[255], t[255];
	size_t n, rdlen, tn, roff;

	if ((n = name_read(p, len, off, w)) == 0 || *off + 10 > len)
		return -1;
	*owner_r = name_str(a, w, n);
	memset(rr, 0, sizeof(*rr));
	rr->type = (uint16_t)(p[*off] << 8 | p[*off + 1]);
	rr->ttl = (uint32_t)p[*off + 4] << 24 | (uint32_t)p[*off + 5] << 16 |
	    (uint32_t)p[*off + 6] << 8 | p[*off + 7];
	rdlen = (size_t)p[*off + 8] << 8 | p[*off + 9];
	*off += 10;
	if (*off + rdlen > len)
		return -1;
	roff = *off;
	if ((rr->type == DNS_T_NS || rr->type == DNS_T_CNAME ||
	    rr->type == DNS_T_PTR) &&
	    (tn = name_read(p, *off + rdlen, &roff, t)) != 0 &&
	    roff == *off + rdlen) {
		rr->rdata = arena_memdup(a, t, tn);
		rr->rdlen = (uint16_t)tn;
	} else {
		rr->rdata = arena_memdup(a, p + *off, rdlen);
		rr->rdlen = (uint16_t)rdlen;
	}
	*off += rdlen;
	dns_rr_decode(a, rr);
	return 0;
}

int
dns_reply_parse(const uint8_t *p, size_t len, uint16_t id, const char *name,
    uint16_t type, struct arena *a, struct dns_reply *r, const char **why_r)
{
	size_t off = 12, qd, an, ns, i;
	uint8_t w[255];
	unsigned rc;

	memset(r, 0, sizeof(*r));
	if (len < 12 || (p[0] << 8 | p[1]) != id || (p[2] & 0x80) == 0) {
		*why_r = "not a reply to our query";
		return -1;
	}
	r->is_aa = (p[2] & 0x04) != 0;
	r->is_tc = (p[2] & 0x02) != 0;
	rc = p[3] & 0x0f;
	qd = (size_t)p[4] << 8 | p[5];
	an = (size_t)p[6] << 8 | p[7];
	ns = (size_t)p[8] << 8 | p[9];
	r->rcode = rc == 0 ? DNS_R_NOERROR : rc == 3 ? DNS_R_NXDOMAIN :
	    DNS_R_SERVFAIL;
	if (qd != 1 || name_read(p, len, &off, w) == 0 || off + 4 > len) {
		*why_r = "reply without our question";
		return -1;
	}
	off += 4;
	r->an = arena_calloc(a, DIRECT_RR_MAX, sizeof(*r->an));
	r->auth_ns = arena_calloc(a, DIRECT_RR_MAX, sizeof(*r->auth_ns));
	for (i = 0; i < an + ns; i++) {
		struct dns_rr rr;
		const char *owner;

		if (rr_read(a, p, len, &off, &owner, &rr) == -1)
			break;		/* truncated: keep what we have */
		if (owner == NULL || !name_eq(owner, name))
			continue;
		if (i < an && rr.type == type && r->nan < DIRECT_RR_MAX)
			r->an[r->nan++] = rr;
		else if (i >= an && rr.type == DNS_T_NS && rr.is_decoded &&
		    r->nauth_ns < DIRECT_RR_MAX)
			r->auth_ns[r->nauth_ns++] = rr.u.name;
	}
	if (r->rcode == DNS_R_NOERROR && r->nan == 0)
		r->rcode = DNS_R_NODATA;
	return 0;
}

/* "ADDR" or "ADDR@PORT" into a socket address. */
static int
server_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(spec, '@');
	size_t hl = at != NULL ? (size_t)(at - spec) : strlen(spec);
	unsigned long long port = 53;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (at != NULL && (str_to_ull(at + 1, 65535, &port) == -1 ||
	    port == 0))
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* The query message: header with RD clear, one question. */
static int
query_msg(struct buf *q, uint16_t id, const char *name, uint16_t type)
{
	const char *s = name, *dot;
	size_t l;

	buf_addc(q, id >> 8);
	buf_addc(q, id & 0xff);
	buf_add(q, "\0\0\0\1\0\0\0\0\0\0", 10);
	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63)
			return -1;
		buf_addc(q, (int)l);
		buf_add(q, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	buf_addc(q, 0);
	buf_addc(q, type >> 8);
	buf_addc(q, type & 0xff);
	buf_add(q, "\0\1", 2);
	return 0;
}

int
dns_ask_server(const char *server, const char *name, uint16_t type,
    unsigned timeout_ms, struct arena *a, struct dns_reply **r_r,
    const char **why_r)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	struct buf q = BUF_INIT;
	struct dns_reply *r;
	uint8_t pkt[DIRECT_PKT_MAX];
	socklen_t sl;
	uint16_t id;
	ssize_t n;
	int fd = -1, rc = -1;
	struct timespec t0, t1;
	long left;

	*r_r = r = arena_zalloc(a, sizeof(*r));
	r->rcode = DNS_R_SERVFAIL;
	if (server_addr(server, &ss, &sl) == -1) {
		*why_r = "DNS server: not ADDR or ADDR@PORT";
		return -1;
	}
	if (dns_name_check(name, why_r) == -1)
		return -1;
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)clock();
	if (query_msg(&q, id, name, type) == -1) {
		buf_free(&q);
		*why_r = "bad name";
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    send(fd, q.p, q.len, 0) != (ssize_t)q.len) {
		*why_r = arena_printf(a, "%s: %s", server, strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = (long)timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			r->rcode = DNS_R_TIMEOUT;
			rc = 0;
			goto out;
		}
		if ((n = recv(fd, pkt, sizeof(pkt), 0)) == -1) {
			if (errno == EINTR)
				continue;
			/* ICMP port unreachable: nobody serves there. */
			*why_r = arena_printf(a, "%s: %s", server,
			    strerror(errno));
			goto out;
		}
		/* A reply that is not ours (spoofed, late): keep waiting. */
		if (dns_reply_parse(pkt, (size_t)n, id, name, type, a, r,
		    why_r) == 0)
			break;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	buf_free(&q);
	return rc;
}
