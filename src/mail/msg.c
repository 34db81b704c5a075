/*
 * The message model: one copy of the raw bytes in CRLF form and an index
 * of the header fields (RFC 5322 section 2.2), built in one pass. Bare LF
 * line ends are converted to CRLF once (RFC 5322 section 2.1 and RFC 5321
 * section 2.3.8 know only CRLF), lone CR and NUL bytes are kept and
 * flagged. Folded fields (section 2.2.3, and the obsolete forms of section
 * 4.2 including whitespace before the colon) are indexed with their raw
 * text and an unfolded copy. Every cap that is hit sets a flag in
 * msg->flags; parsing itself never fails on hostile input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"

#define MSG_READ_CHUNK	(64 * 1024)

/*
 * Copy [p, p+len) into the arena with every bare LF turned into CRLF.
 * One scan finds the bare LFs (so the copy is sized exactly), the longest
 * line and NUL bytes; the copy is then done in memcpy-sized runs.
 */
static char *
msg_copy_crlf(struct arena *a, const char *p, size_t len, size_t *len_r,
    unsigned *flags_r)
{
	const char *s, *e = p + len, *nl, *line;
	size_t nbare = 0, ll, n;
	char *out, *o;

	if (memchr(p, '\0', len) != NULL)
		*flags_r |= MSG_F_NUL;
	for (line = p; line < e; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(e - line));
		if (nl == NULL) {
			if ((size_t)(e - line) > MSG_LINE_MAX)
				*flags_r |= MSG_F_LONG_LINE;
			break;
		}
		ll = (size_t)(nl - line);
		if (nl == p || nl[-1] != '\r')
			nbare++;
		else
			ll--;
		if (ll > MSG_LINE_MAX)
			*flags_r |= MSG_F_LONG_LINE;
	}
	if (nbare > SIZE_MAX - len - 1)
		return NULL;
	n = len + nbare;
	out = arena_alloc(a, n + 1);
	if (nbare == 0) {
		memcpy(out, p, len);
	} else {
		*flags_r |= MSG_F_BARE_LF;
		/* UNSAFE: o advances by at most len + nbare bytes. */
		for (o = out, s = p; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (nl == NULL) {
				memcpy(o, s, (size_t)(e - s));
				o += e - s;
				break;
			}
			memcpy(o, s, (size_t)(nl - s));
			o += nl - s;
			if (nl == p || nl[-1] != '\r')
				*o++ = '\r';
			*o++ = '\n';
		}
	}
	out[n] = '\0';
	*len_r = n;
	return out;
}

/* Is c allowed in a field name (RFC 5322 2.2: printable, not colon)? */
static inline int
msg_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/*
 * The unfolded value: CRLF pairs removed (section 2.2.3 says unfolding is
 * just that), leading and trailing SP/HTAB trimmed. Raw 8-bit bytes are
 * reported in *flags_r.
 */
static void
msg_unfold(struct arena *a, struct msg_header *h, unsigned *flags_r)
{
	const char *p = h->value, *e = h->value + h->value_len;
	char *out, *o;
	int eight = 0;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	o = out = arena_alloc(a, (size_t)(e - p) + 1);
	for (; p < e; p++) {
		if (*p == '\r' && p + 1 < e && p[1] == '\n') {
			p++;
			continue;
		}
		eight |= (unsigned char)*p & 0x80;
		*o++ = *p;
	}
	while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
		o--;
	*o = '\0';
	h->unfolded = out;
	h->unfolded_len = (size_t)(o - out);
	if (eight != 0)
		*flags_r |= MSG_F_8BIT_HEADER;
}

/*
 * Start a field at line [l, le). Returns 1 if the line is a field (name,
 * optional obsolete whitespace, colon), 0 otherwise.
 */
static int
msg_field_start(const char *l, const char *le, struct msg_header *h)
{
	const char *p = l, *ne;

	while (p < le && msg_ftext((unsigned char)*p))
		p++;
	if (p == l)
		return 0;
	ne = p;
	while (p < le && (*p == ' ' || *p == '\t'))	/* RFC 5322 4.5 */
		p++;
	if (p == le || *p != ':')
		return 0;
	h->name = l;
	h->name_len = (size_t)(ne - l);
	h->raw = l;
	h->value = p + 1;
	return 1;
}

/* Close the open field at line end le (one past its LF or the input). */
static void
msg_field_end(struct msg *m, struct msg_header *h, const char *le)
{
	const char *ve = le;

	h->raw_len = (size_t)(le - h->raw);
	if (ve > h->value && ve[-1] == '\n')
		ve--;
	if (ve > h->value && ve[-1] == '\r')
		ve--;
	h->value_len = (size_t)(ve - h->value);
	msg_unfold(m->a, h, &m->flags);
}

/*
 * The header block ended without an empty line being indexed: either the
 * byte cap stopped indexing at l (look for the empty line without
 * indexing) or the message is headers only.
 */
static void
msg_body_late(struct msg *m, const char *l)
{
	const char *e = m->raw + m->len, *nl;

	if (l < e) {
		nl = memmem(l - 2, (size_t)(e - l) + 2, "\r\n\r\n", 4);
		if (nl != NULL) {
			m->hdr_len = (size_t)(nl + 4 - m->raw);
			m->body = nl + 4;
			m->body_len = (size_t)(e - m->body);
			return;
		}
	}
	m->flags |= MSG_F_NO_BODY;
	m->hdr_len = m->len;
	m->body = e;
	m->body_len = 0;
}

/*
 * Index the header block. It ends at the first empty line; a line that is
 * neither a field nor a continuation also ends it (Postfix's cleanup does
 * the same, so the milter and a file agree), and the body starts at that
 * line.
 */
static void
msg_index(struct msg *m)
{
	const char *raw = m->raw, *e = m->raw + m->len, *l, *le, *nl;
	struct msg_header *h = NULL, cur;
	size_t cap = 16;
	int open = 0;

	m->hdr = arena_alloc(m->a, cap * sizeof(*m->hdr));
	for (l = raw + m->start; l < e; l = le) {
		if ((size_t)(l - raw) >= MSG_HEADER_BYTES_MAX) {
			m->flags |= MSG_F_HEADER_TOO_BIG;
			break;
		}
		nl = memchr(l, '\n', (size_t)(e - l));
		le = nl == NULL ? e : nl + 1;
		if (le - l == 2 && l[0] == '\r') {
			if (open)
				msg_field_end(m, h, l);
			m->hdr_len = (size_t)(le - raw);
			m->body = le;
			m->body_len = (size_t)(e - le);
			return;
		}
		if (*l == ' ' || *l == '\t') {
			if (!open && m->nhdr == 0)
				m->flags |= MSG_F_BAD_FIELD;
			continue;	/* obs-fold: part of the open field */
		}
		if (open) {
			msg_field_end(m, h, l);
			open = 0;
		}
		if (!msg_field_start(l, le, &cur)) {
			m->flags |= MSG_F_BAD_FIELD;
			m->hdr_len = (size_t)(l - raw);
			m->body = l;
			m->body_len = (size_t)(e - l);
			return;
		}
		if (m->nhdr == MSG_HEADERS_MAX) {
			m->flags |= MSG_F_TOO_MANY_HEADERS;
			continue;
		}
		if (m->nhdr == cap) {
			struct msg_header *n;

			n = arena_alloc(m->a, 2 * cap * sizeof(*n));
			memcpy(n, m->hdr, cap * sizeof(*n));
			m->hdr = n;
			cap *= 2;
		}
		h = &m->hdr[m->nhdr++];
		*h = cur;
		open = 1;
	}
	if (open)
		msg_field_end(m, h, l < e ? l : e);
	msg_body_late(m, l);
}

int
msg_parse(struct arena *a, const char *p, size_t len, struct msg **msg_r,
    const char **why_r)
{
	struct msg *m;
	const char *nl;

	*msg_r = NULL;
	if (len == 0) {
		*why_r = "empty message";
		return -1;
	}
	m = arena_zalloc(a, sizeof(*m));
	m->a = a;
	m->raw = msg_copy_crlf(a, p, len, &m->len, &m->flags);
	if (m->raw == NULL) {
		*why_r = "message too large";
		return -1;
	}
	/* An mbox separator is not a header field; skip it (RFC 4155). */
	if (m->len > 5 && memcmp(m->raw, "From ", 5) == 0 &&
	    (nl = memchr(m->raw, '\n', m->len)) != NULL)
		m->start = (size_t)(nl + 1 - m->raw);
	msg_index(m);
	/* A huge last line is indexed whole; the flag still tells. */
	if (m->hdr_len - m->start > MSG_HEADER_BYTES_MAX)
		m->flags |= MSG_F_HEADER_TOO_BIG;
	*msg_r = m;
	return 0;
}

int
msg_read_file(struct arena *a, const char *path, size_t max,
    struct msg **msg_r, int *truncated_r, const char **why_r)
{
	struct buf b = BUF_INIT;
	ssize_t n;
	size_t want;
	int fd, rc, is_stdin;

	*msg_r = NULL;
	*truncated_r = 0;
	is_stdin = path == NULL || strcmp(path, "-") == 0;
	if (is_stdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*why_r = arena_printf(a, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		want = MSG_READ_CHUNK;
		if (max != 0 && b.len >= max) {
			char c;

			/* One more byte tells whether the input was cut. */
			while ((n = read(fd, &c, 1)) == -1 && errno == EINTR)
				;
			if (n > 0)
				*truncated_r = 1;
			break;
		}
		if (max != 0 && max - b.len < want)
			want = max - b.len;
		buf_reserve(&b, want);
		n = read(fd, b.p + b.len, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*why_r = arena_printf(a, "%s: %s",
			    is_stdin ? "stdin" : path, strerror(errno));
			if (!is_stdin)
				close(fd);
			buf_free(&b);
			return -1;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	if (!is_stdin)
		close(fd);
	rc = msg_parse(a, b.p, b.len, msg_r, why_r);
	buf_free(&b);
	return rc;
}

const struct msg_header *
msg_header_get(const struct msg *m, const char *name, size_t idx)
{
	size_t i, nlen = strlen(name);
	unsigned char c0 = (unsigned char)name[0] | 0x20;

	for (i = 0; i < m->nhdr; i++) {
		const struct msg_header *h = &m->hdr[i];

		if (h->name_len != nlen ||
		    ((unsigned char)h->name[0] | 0x20) != c0)
			continue;
		if (str_eq_ci(h->name, h->name_len, name) && idx-- == 0)
			return h;
	}
	return NULL;
}

size_t
msg_header_count(const struct msg *m, const char *name)
{
	size_t i, n = 0, nlen = strlen(name);

	for (i = 0; i < m->nhdr; i++)
		if (m->hdr[i].name_len == nlen &&
		    str_eq_ci(m->hdr[i].name, nlen, name))
			n++;
	return n;
}

int
msg_header_is(const struct msg_header *h, const char *name)
{
	return str_eq_ci(h->name, h->name_len, name);
}
