/*
 * Value syntax of the configuration: durations and sizes with units,
 * the string checks of the schema (paths, addresses and networks, milter
 * sockets, DNS names, header field names per RFC 5322 section 2.2, Redis
 * URLs), enum words, and the edit distance behind "did you mean".
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_priv.h"
#include "lib/str.h"

#define DURATION_MAX	(100LL * 366 * 86400)	/* a century */
#define SIZE_MAX_BYTES	(1ULL << 50)		/* a pebibyte */
#define NAME_MAX_LEN	64			/* for edit distance */

int
conf_parse_duration(const char *s, long long *secs_r)
{
	long long total = 0, n, mult;
	const char *p = s;
	int digits;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		for (n = 0, digits = 0; *p >= '0' && *p <= '9'; p++) {
			if (n > DURATION_MAX / 10)
				return -1;
			n = n * 10 + (*p - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
		switch (*p) {
		case '\0':
			/* A bare number is seconds, but only on its own. */
			if (p - s != digits)
				return -1;
			mult = 1;
			p--;
			break;
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 7 * 86400; break;
		default:
			return -1;
		}
		p++;
		if (n > (DURATION_MAX - total) / mult)
			return -1;
		total += n * mult;
	}
	*secs_r = total;
	return 0;
}

int
conf_parse_size(const char *s, unsigned long long *bytes_r)
{
	unsigned long long n = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > SIZE_MAX_BYTES / 10)
			return -1;
		n = n * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': mult = 1ULL << 10; p++; break;
	case 'm': case 'M': mult = 1ULL << 20; p++; break;
	case 'g': case 'G': mult = 1ULL << 30; p++; break;
	case 't': case 'T': mult = 1ULL << 40; p++; break;
	default:
		return -1;
	}
	/* Allow "64M", "64MB" and "64MiB"; all mean 64 * 2^20. */
	if (mult > 1 && *p == 'i')
		p++;
	if (mult > 1 && (*p == 'B' || *p == 'b'))
		p++;
	if (*p != '\0' || n > SIZE_MAX_BYTES / mult)
		return -1;
	*bytes_r = n * mult;
	return 0;
}

void
conf_fmt_duration(long long secs, char *dst, size_t size)
{
	static const struct { long long mult; char unit; } u[] = {
		{ 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' },
		{ 60, 'm' },
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (secs > 0 && secs % u[i].mult == 0) {
			snprintf(dst, size, "%lld%c", secs / u[i].mult,
			    u[i].unit);
			return;
		}
	snprintf(dst, size, "%llds", secs);
}

void
conf_fmt_size(unsigned long long bytes, char *dst, size_t size)
{
	static const char units[] = "TGMK";
	int i, shift;

	for (i = 0, shift = 40; i < 4; i++, shift -= 10)
		if (bytes > 0 && bytes % (1ULL << shift) == 0) {
			snprintf(dst, size, "%llu%c", bytes >> shift,
			    units[i]);
			return;
		}
	snprintf(dst, size, "%llu", bytes);
}

int
conf_word_index(const char *words, const char *s)
{
	const char *p = words, *bar;
	size_t n, len = strlen(s);
	int i;

	for (i = 0; p != NULL; i++) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, s, n) == 0)
			return i;
		p = bar != NULL ? bar + 1 : NULL;
	}
	return -1;
}

size_t
conf_edit_distance(const char *a, const char *b)
{
	size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, c, v;

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			c = a[i - 1] == b[j - 1] ? 0 : 1;
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			/* A swap of neighbours ("levle") counts as one. */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

static int
is_ip(const char *s, int family)
{
	unsigned char addr[16];

	if (family != AF_INET6 && inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (family != AF_INET && inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return 0;
}

static int
is_port(const char *s)
{
	unsigned long long v;

	return str_to_ull(s, 65535, &v) == 0 && v > 0;
}

static int
is_domain(const char *s)
{
	size_t len = strlen(s), label = 0;
	const char *p;

	if (len == 0 || len > 253)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (*p == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* An absolute path: no control characters, at most PATH_MAX - 1 long. */
static int
is_path(const char *s)
{
	const char *p;

	if (s[0] != '/' || strlen(s) >= 4096)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Split s at the first sep into bufs; 0 if too long or sep is absent. */
static int
split(const char *s, int sep, char *l, size_t ls, char *r, size_t rs)
{
	const char *at = strchr(s, sep);

	if (at == NULL || (size_t)(at - s) >= ls || strlen(at + 1) >= rs)
		return 0;
	memcpy(l, s, (size_t)(at - s));
	l[at - s] = '\0';
	memcpy(r, at + 1, strlen(at + 1) + 1);
	return 1;
}

static int
is_cidr(const char *s)
{
	char ip[64], len[8];
	unsigned long long v;
	int fam;

	if (strchr(s, '/') == NULL)
		return is_ip(s, 0) != 0;
	if (!split(s, '/', ip, sizeof(ip), len, sizeof(len)) ||
	    (fam = is_ip(ip, 0)) == 0)
		return 0;
	return str_to_ull(len, fam == AF_INET ? 32 : 128, &v) == 0;
}

static int
is_server(const char *s)
{
	char ip[64], port[8];

	if (strchr(s, '@') == NULL)
		return is_ip(s, 0) != 0;
	return split(s, '@', ip, sizeof(ip), port, sizeof(port)) &&
	    is_ip(ip, 0) != 0 && is_port(port);
}

/* libmilter's socket syntax: inet:PORT[@HOST], inet6:..., unix:PATH. */
static int
is_socket(const char *s)
{
	char port[8], host[256];
	int fam;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		return is_path(strchr(s, ':') + 1);
	if (strncmp(s, "inet:", 5) == 0)
		fam = AF_INET, s += 5;
	else if (strncmp(s, "inet6:", 6) == 0)
		fam = AF_INET6, s += 6;
	else
		return 0;
	if (strchr(s, '@') == NULL)
		return is_port(s);
	if (!split(s, '@', port, sizeof(port), host, sizeof(host)))
		return 0;
	return is_port(port) && (is_ip(host, fam) != 0 ||
	    (fam == AF_INET && is_domain(host)));
}

static int
is_url(const char *s)
{
	char host[256], rest[64];
	const char *p, *end;
	unsigned long long v;

	if (strncmp(s, "unix:", 5) == 0)
		return is_path(s + 5);
	if (strncmp(s, "redis://", 8) == 0)
		p = s + 8;
	else if (strncmp(s, "rediss://", 9) == 0)
		p = s + 9;
	else
		return 0;
	if (*p == '[') {		/* [IPv6]:port */
		if ((end = strchr(p, ']')) == NULL ||
		    (size_t)(end - p - 1) >= sizeof(host))
			return 0;
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = '\0';
		if (is_ip(host, AF_INET6) == 0)
			return 0;
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/");
		if ((size_t)(end - p) >= sizeof(host))
			return 0;
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = '\0';
		if (is_ip(host, AF_INET) == 0 && !is_domain(host))
			return 0;
		p = end;
	}
	if (*p == ':') {
		end = p + 1 + strcspn(p + 1, "/");
		if ((size_t)(end - p - 1) >= sizeof(rest))
			return 0;
		memcpy(rest, p + 1, (size_t)(end - p - 1));
		rest[end - p - 1] = '\0';
		if (!is_port(rest))
			return 0;
		p = end;
	}
	if (*p == '/' && p[1] != '\0')
		return str_to_ull(p + 1, 1000000, &v) == 0;
	return *p == '\0' || (*p == '/' && p[1] == '\0');
}

/* RFC 5322 2.2: printable US-ASCII except colon; we also cap the length. */
static int
is_header(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return 0;
	return 1;
}

/* POSIX portable user names: letters, digits, ".", "_", "-" not first. */
static int
is_name(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '-' || strlen(s) > 32)
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			return 0;
	return 1;
}

int
conf_check_str(enum conf_check ck, const char *s, const char **why_r)
{
	int ok = 1;

	switch (ck) {
	case CONF_CK_NONE:	ok = 1; break;
	case CONF_CK_PATH:	ok = is_path(s); break;
	case CONF_CK_IP:	ok = is_ip(s, 0) != 0; break;
	case CONF_CK_CIDR:	ok = is_cidr(s); break;
	case CONF_CK_SERVER:	ok = is_server(s); break;
	case CONF_CK_SOCKET:	ok = is_socket(s); break;
	case CONF_CK_DOMAIN:	ok = is_domain(s); break;
	case CONF_CK_HEADER:	ok = is_header(s); break;
	case CONF_CK_URL:	ok = is_url(s); break;
	case CONF_CK_NAME:	ok = is_name(s); break;
	}
	if (!ok)
		*why_r = conf_check_noun(ck);
	return ok ? 0 : -1;
}

const char *
conf_check_noun(enum conf_check ck)
{
	switch (ck) {
	case CONF_CK_NONE:	return "any text";
	case CONF_CK_PATH:	return "an absolute path";
	case CONF_CK_IP:	return "an IP address";
	case CONF_CK_CIDR:	return "an IP address or network (ADDR/LEN)";
	case CONF_CK_SERVER:	return "an IP address with optional @PORT";
	case CONF_CK_SOCKET:
		return "a socket (inet:PORT@ADDR, inet6:PORT@ADDR, unix:PATH)";
	case CONF_CK_DOMAIN:	return "a DNS name";
	case CONF_CK_HEADER:	return "a header field name";
	case CONF_CK_URL:
		return "a Redis URL (redis://HOST[:PORT][/DB], unix:PATH)";
	case CONF_CK_NAME:	return "a user or group name";
	}
	return "text";
}
