/*
 * ASCII string helpers and base64.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

size_t
str_lcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

static inline int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
str_casecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x != '\0' && lc(*x) == lc(*y)) {
		x++;
		y++;
	}
	return lc(*x) - lc(*y);
}

int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		if (lc(*x) != lc(*y))
			return lc(*x) - lc(*y);
		if (*x == '\0')
			return 0;
	}
	return 0;
}

int
str_eq_ci(const char *p, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || lc((unsigned char)p[i]) !=
		    lc((unsigned char)s[i]))
			return 0;
	return s[len] == '\0';
}

int
str_has_prefix_ci(const char *s, const char *prefix)
{
	return str_ncasecmp(s, prefix, strlen(prefix)) == 0;
}

int
str_has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && str_casecmp(s + n - m, suffix) == 0;
}

char *
str_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		*p = (char)lc((unsigned char)*p);
	return s;
}

static inline int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *
str_trim(struct arena *a, const char *p, size_t len)
{
	while (len > 0 && is_wsp((unsigned char)*p)) {
		p++;
		len--;
	}
	while (len > 0 && is_wsp((unsigned char)p[len - 1]))
		len--;
	return arena_strndup(a, p, len);
}

int
str_to_ull(const char *s, unsigned long long max, unsigned long long *v_r)
{
	unsigned long long v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (max - (unsigned)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*v_r = v;
	return 0;
}

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(const char *p, size_t len, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)p[i], v;

		if (is_wsp(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_val(c)) < 0)
			return -1;	/* data after padding, or junk */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (int)((acc >> bits) & 0xff));
		}
	}
	/* Leftover bits must be the zero padding of a short final group. */
	if (pad > 2 || bits >= 6 || (bits == 2 && pad > 1))
		return -1;
	return 0;
}

void
b64_encode(const void *vp, size_t len, struct buf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = vp;
	size_t i;

	buf_reserve(out, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
		    p[i + 2];

		buf_addc(out, tab[v >> 18]);
		buf_addc(out, tab[(v >> 12) & 63]);
		buf_addc(out, tab[(v >> 6) & 63]);
		buf_addc(out, tab[v & 63]);
	}
	if (i < len) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		buf_addc(out, tab[v >> 18]);
		buf_addc(out, tab[(v >> 12) & 63]);
		buf_addc(out, i + 1 < len ? tab[(v >> 6) & 63] : '=');
		buf_addc(out, '=');
	}
}
