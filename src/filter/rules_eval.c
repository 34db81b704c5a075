/*
 * Native C versions of the SpamAssassin eval: functions that matter most
 * for detection with the stock rules (docs/rules.md lists them). Each one
 * follows the meaning SpamAssassin 4.0 gives it; a function we cannot
 * reproduce faithfully is not listed here and its rules stay skipped.
 * Dates follow RFC 5322 3.3 read as leniently as SpamAssassin does
 * (a day, month name and year anywhere in the text, then a time and a
 * zone). HTML statistics are taken per text/html part, as SpamAssassin
 * keeps one result set per HTML part.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter/rules_int.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/msg.h"

#define EV_ARGS_MAX	4
#define EV_ARG_MAX	64		/* bytes per argument */
#define EV_DATE_MAX	4096		/* bytes of a field we parse */
#define EV_RCVD_MAX	100		/* Received fields read */
#define EV_TAG_MAX	32		/* bytes of a tag name */

enum ev_fn {
	EV_SHIFTED_DATE, EV_OUTLOOK_MSGID, EV_SUBJ_CAPS, EV_MIME_HTML_ONLY,
	EV_MIME_HTML, EV_HTML_TEST, EV_HTML_IMAGE_ONLY, EV_HTML_TAG_EXISTS,
	EV_HTML_TAG_BALANCE, EV_FREEMAIL_FROM, EV_FREEMAIL_HDR
};

#define EV_FM_MAX	20000		/* freemail_* entries kept */
#define EV_DOM_MAX	256		/* bytes of a domain or entry */

/* FreeMail configuration: freemail_domains and its welcome list. */
struct rules_eval_conf {
	char		**dom;		/* lower case, "*" and "?" kept */
	size_t		 ndom, capdom;
	char		**wl;		/* addresses or domains */
	size_t		 nwl, capwl;
};

struct rule_eval {
	enum ev_fn	 fn;
	int		 has_lo, has_hi;
	double		 lo, hi;
	char		 tag[EV_TAG_MAX];
	int		 cmp;		/* html_tag_balance: 0 == 1 != ... */
	long		 cmp_n;
	int		 first;		/* check_freemail_header: :addr */
	pcre2_code	*re;		/* its pattern, or NULL */
};

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_GT, CMP_LE, CMP_GE };

/*
 * Arguments: quoted strings separated by commas, as the stock rules
 * write them ('6', '12'). Returns the count, or -1 when malformed.
 */
static int
split_args(const char *s, char out[EV_ARGS_MAX][EV_ARG_MAX])
{
	int n = 0;
	size_t k;
	char q;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '(')
		return -1;
	s++;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ')')
			return n;
		if ((*s != '\'' && *s != '"') || n == EV_ARGS_MAX)
			return -1;
		q = *s++;
		for (k = 0; *s != '\0' && *s != q; s++) {
			if (k + 1 >= EV_ARG_MAX)
				return -1;
			out[n][k++] = *s;
		}
		if (*s != q)
			return -1;
		out[n++][k] = '\0';
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',')
			s++;
		else if (*s != ')')
			return -1;
	}
}

/* A bound: a number, or "undef"/"inf" for none. Returns -1 if neither. */
static int
bound(const char *s, int *has_r, double *v_r)
{
	char *end;

	if (strcmp(s, "undef") == 0 || strcmp(s, "inf") == 0) {
		*has_r = 0;
		return 0;
	}
	*v_r = strtod(s, &end);
	if (end == s || *end != '\0')
		return -1;
	*has_r = 1;
	return 0;
}

/* html_tag_balance's comparison: "!= 0", "> 1", ... */
static int
parse_cmp(struct rule_eval *ev, const char *s)
{
	static const struct { const char *op; int cmp; } ops[] = {
		{ "==", CMP_EQ }, { "!=", CMP_NE }, { "<=", CMP_LE },
		{ ">=", CMP_GE }, { "<", CMP_LT }, { ">", CMP_GT },
	};
	char *end;
	size_t i;

	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s, ops[i].op, strlen(ops[i].op)) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return -1;
	ev->cmp = ops[i].cmp;
	s += strlen(ops[i].op);
	ev->cmp_n = strtol(s, &end, 10);
	if (end == s)
		return -1;
	while (*end == ' ')
		end++;
	return *end == '\0' ? 0 : -1;
}

static int
tag_ok(const char *s)
{
	if (*s == '\0' || strlen(s) >= EV_TAG_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * check_freemail_header's field: a real field name (not a pseudo-header
 * such as EnvelopeFrom or ToCc), ":addr" for its first address only.
 */
static int
hdr_ok(struct rule_eval *ev, const char *s)
{
	static const char *const pseudo[] = { "EnvelopeFrom", "ToCc",
	    "ALL", "MESSAGEID", NULL };
	size_t n = strcspn(s, ":"), i;

	if (n == 0 || n >= EV_TAG_MAX || (s[n] != '\0' &&
	    strcmp(s + n, ":addr") != 0))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	for (i = 0; pseudo[i] != NULL; i++)
		if (strncmp(s, pseudo[i], n) == 0 && pseudo[i][n] == '\0')
			return 0;
	memcpy(ev->tag, s, n);
	ev->tag[n] = '\0';
	ev->first = s[n] != '\0';
	return 1;
}

/* The function's arguments into ev; -1 when we do not take this call. */
static int
parse_call(struct rule_eval *ev, const char *fn, size_t fnlen,
    const char *args)
{
	char a[EV_ARGS_MAX][EV_ARG_MAX];
	int n = split_args(args, a), err;
	PCRE2_SIZE off;

#define IS(name)	(fnlen == strlen(name) && strncmp(fn, name, fnlen) == 0)
	if (n == -1)
		return -1;
	if (IS("check_for_shifted_date") && n == 2) {
		ev->fn = EV_SHIFTED_DATE;
		return bound(a[0], &ev->has_lo, &ev->lo) == -1 ||
		    bound(a[1], &ev->has_hi, &ev->hi) == -1 ? -1 : 0;
	}
	if (IS("html_image_only") && n == 2) {
		ev->fn = EV_HTML_IMAGE_ONLY;
		if (bound(a[0], &ev->has_lo, &ev->lo) == -1 ||
		    bound(a[1], &ev->has_hi, &ev->hi) == -1 ||
		    !ev->has_lo || !ev->has_hi)
			return -1;
		return 0;
	}
	if (IS("check_outlook_message_id") && n == 0)
		ev->fn = EV_OUTLOOK_MSGID;
	else if (IS("subject_is_all_caps") && n == 0)
		ev->fn = EV_SUBJ_CAPS;
	else if (IS("check_for_mime_html_only") && n == 0)
		ev->fn = EV_MIME_HTML_ONLY;
	else if (IS("check_for_mime_html") && n == 0)
		ev->fn = EV_MIME_HTML;
	else if (IS("check_freemail_from") && n == 0)
		ev->fn = EV_FREEMAIL_FROM;
	else if (IS("check_freemail_header") && (n == 1 || n == 2) &&
	    hdr_ok(ev, a[0])) {
		ev->fn = EV_FREEMAIL_HDR;
		if (n == 2 && (ev->re = pcre2_compile((PCRE2_SPTR)a[1],
		    strlen(a[1]), PCRE2_UTF | PCRE2_NO_UTF_CHECK, &err,
		    &off, NULL)) == NULL)
			return -1;
	}
	else if (IS("html_test") && n == 1 && strcmp(a[0], "html") == 0)
		ev->fn = EV_HTML_TEST;
	else if (IS("html_tag_exists") && n == 1 && tag_ok(a[0])) {
		ev->fn = EV_HTML_TAG_EXISTS;
		str_lcpy(ev->tag, a[0], sizeof(ev->tag));
	} else if (IS("html_tag_balance") && n == 2 && tag_ok(a[0]) &&
	    parse_cmp(ev, a[1]) == 0) {
		ev->fn = EV_HTML_TAG_BALANCE;
		str_lcpy(ev->tag, a[0], sizeof(ev->tag));
	} else
		return -1;
#undef IS
	return 0;
}

int
rules_eval_parse(struct rule *ru, const char *call)
{
	struct rule_eval ev;
	size_t n = strcspn(call, "( \t");

	memset(&ev, 0, sizeof(ev));
	if (parse_call(&ev, call, n, call + n) == -1) {
		pcre2_code_free(ev.re);
		return -1;
	}
	ru->ev = xmalloc(sizeof(*ru->ev));
	*ru->ev = ev;
	return 0;
}

void
rules_eval_free(struct rule_eval *ev)
{
	if (ev != NULL)
		pcre2_code_free(ev->re);
	free(ev);
}

static void
conf_add(char ***v, size_t *n, size_t *cap, const char *w, size_t len)
{
	size_t i;

	if (len == 0 || len >= EV_DOM_MAX || *n >= EV_FM_MAX)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[*n] = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		(*v)[*n][i] = (char)tolower((unsigned char)w[i]);
	(*v)[(*n)++][len] = '\0';
}

/*
 * freemail_domains (with "*": any run of characters but a dot, "?": one
 * such character) and freemail_welcomelist (or its old name
 * freemail_whitelist: addresses or domains, no wildcards).
 */
int
rules_eval_directive(struct rules *r, const char *dir, const char *args)
{
	struct rules_eval_conf *c;
	int wl;
	size_t n;

	if (strcmp(dir, "freemail_domains") == 0)
		wl = 0;
	else if (strcmp(dir, "freemail_welcomelist") == 0 ||
	    strcmp(dir, "freemail_whitelist") == 0)
		wl = 1;
	else
		return 0;
	if (r->evconf == NULL)
		r->evconf = xcalloc(1, sizeof(*r->evconf));
	c = r->evconf;
	for (;;) {
		args += strspn(args, " \t");
		if ((n = strcspn(args, " \t")) == 0)
			break;
		if (wl)
			conf_add(&c->wl, &c->nwl, &c->capwl, args, n);
		else
			conf_add(&c->dom, &c->ndom, &c->capdom, args, n);
		args += n;
	}
	return 1;
}

void
rules_eval_conf_free(struct rules *r)
{
	struct rules_eval_conf *c = r->evconf;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndom; i++)
		free(c->dom[i]);
	for (i = 0; i < c->nwl; i++)
		free(c->wl[i]);
	free(c->dom);
	free(c->wl);
	free(c);
	r->evconf = NULL;
}

/*
 * Dates.
 */
static const char *const months[] = { "jan", "feb", "mar", "apr", "may",
    "jun", "jul", "aug", "sep", "oct", "nov", "dec" };

static const struct { const char *name; int off; } zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -500 }, { "EDT", -400 }, { "CST", -600 }, { "CDT", -500 },
	{ "MST", -700 }, { "MDT", -600 }, { "PST", -800 }, { "PDT", -700 },
	{ "CET", 100 }, { "CEST", 200 }, { "MET", 100 }, { "MEST", 200 },
	{ "EET", 200 }, { "EEST", 300 }, { "BST", 100 }, { "WET", 0 },
	{ "WEST", 100 }, { "JST", 900 }, { "KST", 900 }, { "IST", 530 },
};

static int
month_at(const char *p)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strncasecmp(p, months[i], 3) == 0 &&
		    !isalpha((unsigned char)p[3]))
			return i + 1;
	return 0;
}

/* Digits at p: count, value; stops at 9 digits. */
static int
digits(const char *p, long *v_r)
{
	int n = 0;

	*v_r = 0;
	while (n < 9 && isdigit((unsigned char)p[n]))
		*v_r = *v_r * 10 + (p[n++] - '0');
	return n;
}

/*
 * Find " D Mon YYYY " (or "Mon D hh:mm:ss YYYY", or a two- or
 * three-digit year) in the normalised text s (one space between
 * words, a space at each end); blank it out so the time and zone
 * searches do not see it.
 */
static int
find_day(char *s, long *d_r, int *mon_r, long *y_r, int *ylen_r)
{
	char *p, *q;
	long d, y, x;
	int nd, ny, mon, pass;

	for (pass = 0; pass < 3; pass++) {
		for (p = s; (p = strchr(p, ' ')) != NULL && p[1] != '\0';
		    p++) {
			q = p + 1;
			if (pass == 1) {
				if ((mon = month_at(q)) == 0 || q[3] != ' ')
					continue;
				for (q += 3; *q == ' '; q++)
					;
				if ((nd = digits(q, &d)) == 0 || q[nd] != ' ')
					continue;
				q += nd + 1;
				/* \d+:\d+:\d+ */
				if (digits(q, &x) == 0)
					continue;
				q += digits(q, &x);
				if (*q++ != ':' || digits(q, &x) == 0)
					continue;
				q += digits(q, &x);
				if (*q++ != ':' || digits(q, &x) == 0)
					continue;
				q += digits(q, &x);
				if (*q++ != ' ' || (ny = digits(q, &y)) != 4 ||
				    q[4] != ' ')
					continue;
			} else {
				if ((nd = digits(q, &d)) == 0 || q[nd] != ' ')
					continue;
				q += nd + 1;
				if ((mon = month_at(q)) == 0 || q[3] != ' ')
					continue;
				q += 4;
				ny = digits(q, &y);
				if (q[ny] != ' ' || (pass == 0 && ny != 4) ||
				    (pass == 2 && (ny < 2 || ny > 3)))
					continue;
			}
			memset(p + 1, ' ', (size_t)(q + ny - p - 1));
			*d_r = d;
			*mon_r = mon;
			*y_r = y;
			*ylen_r = ny;
			return 0;
		}
	}
	return -1;
}

/* " h:mm " or " hh:mm:ss ", blanked once found. */
static void
find_time(char *s, long *h_r, long *m_r, long *sec_r)
{
	char *p, *q;
	int n;

	for (p = s; (p = strchr(p, ' ')) != NULL && p[1] != '\0'; p++) {
		q = p + 1;
		n = digits(q, h_r);
		if (n < 1 || n > 2 || q[n] != ':')
			continue;
		q += n + 1;
		if (digits(q, m_r) != 2)
			continue;
		q += 2;
		*sec_r = 0;
		if (*q == ':' && digits(q + 1, sec_r) == 2)
			q += 3;
		if (*q != ' ')
			continue;
		memset(p + 1, ' ', (size_t)(q - p - 1));
		return;
	}
	*h_r = *m_r = *sec_r = 0;
}

/* Zone offset in seconds east of UTC: " +hhmm " or a known name. */
static long
find_zone(const char *s)
{
	const char *p, *q;
	long v;
	size_t i, n;

	for (p = s; (p = strchr(p, ' ')) != NULL && p[1] != '\0'; p++)
		if ((p[1] == '+' || p[1] == '-') && digits(p + 2, &v) == 4 &&
		    p[6] == ' ')
			return (p[1] == '-' ? -1 : 1) *
			    ((v / 100) * 3600 + (v % 100) * 60);
	for (p = s; *p != '\0'; p++) {
		if (!isupper((unsigned char)*p) || (p > s &&
		    isalnum((unsigned char)p[-1])))
			continue;
		for (q = p; isupper((unsigned char)*q); q++)
			;
		n = (size_t)(q - p);
		if (n < 2 || n > 4 || isalnum((unsigned char)*q))
			continue;
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
			if (strlen(zones[i].name) == n &&
			    strncmp(zones[i].name, p, n) == 0)
				return (zones[i].off / 100) * 3600 +
				    (zones[i].off % 100) * 60;
		/* SpamAssassin tries only the first such word. */
		return 0;
	}
	return 0;
}

/*
 * Parse a date the way SpamAssassin's lenient reader does; out-of-range
 * fields are clamped as it clamps them. Returns -1 when no day, month
 * and year are found.
 */
int
rules_eval_date(const char *p, size_t len, long long *t_r)
{
	char s[EV_DATE_MAX + 3];
	size_t i, n = 0;
	long d, y, h, mi, sec, maxd;
	int mon, ylen;
	struct tm tm;
	long long t;

	if (len > EV_DATE_MAX)
		len = EV_DATE_MAX;
	s[n++] = ' ';
	for (i = 0; i < len; i++) {
		char c = p[i] == ',' || isspace((unsigned char)p[i]) ? ' ' :
		    p[i];

		if (c == ' ' && s[n - 1] == ' ')
			continue;
		s[n++] = c == '\0' ? '?' : c;
	}
	if (s[n - 1] != ' ')
		s[n++] = ' ';
	s[n] = '\0';
	if (find_day(s, &d, &mon, &y, &ylen) == -1)
		return -1;
	if (ylen == 2 && y < 50)
		y += 2000;
	else if (ylen != 4)
		y += 1900;
	find_time(s, &h, &mi, &sec);
	sec = sec > 59 ? 59 : sec;
	mi = mi > 59 ? 59 : mi;
	h = h > 23 ? 23 : h;
	maxd = mon == 4 || mon == 6 || mon == 9 || mon == 11 ? 30 :
	    mon != 2 ? 31 : (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ?
	    29 : 28;
	if (d > maxd) {
		d = 1;
		if (++mon > 12) {
			mon = 1;
			y++;
		}
	}
	y = y > 2037 ? 2037 : y < 1970 ? 1970 : y;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = (int)(d < 1 ? 1 : d);
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	t = (long long)timegm(&tm) - find_zone(s);
	*t_r = t < 0 ? 0 : t;
	return 0;
}

/*
 * Per-message facts, computed once.
 */
struct ev_html {
	size_t		 len;		/* bytes of the HTML source */
	int		 has_img;
	const char	*p;
	size_t		 n;
};

struct ev_ctx {
	struct task	*t;
	int		 have_dates;
	long long	 date_diff;
	int		 have_parts;
	size_t		 nhtml, ntext;
	struct ev_html	*html;
};

/* The unfolded values of every field named name (arena). */
static size_t
fields(struct ev_ctx *c, const char *name, const struct msg_header ***v_r)
{
	const struct msg *m = c->t->msg;
	const struct msg_header **v;
	size_t i, n = 0;

	v = arena_calloc(c->t->a, m->nhdr + 1, sizeof(*v));
	for (i = 0; i < m->nhdr; i++)
		if (msg_header_is(&m->hdr[i], name))
			v[n++] = &m->hdr[i];
	*v_r = v;
	return n;
}

/* The Received date in SpamAssassin's sense: " D Mon YYYY hh:mm:ss Z". */
static int
received_time(const struct msg_header *h, long long *t_r)
{
	const char *s = h->unfolded, *q;
	size_t len = h->unfolded_len, i;
	long v;
	int k;

	for (i = 0; i + 1 < len; i++) {
		if (!isspace((unsigned char)s[i]))
			continue;
		/* \s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+ */
		for (k = 1; k <= 2; k++) {
			q = s + i + k;
			if (q >= s + len || digits(q, &v) == 0)
				continue;
			q += digits(q, &v);
			if (q + 5 > s + len || *q != ' ' || q[1] == ' ' ||
			    q[2] == ' ' || q[3] == ' ' || q[4] != ' ')
				continue;
			q += 5;
			if (digits(q, &v) == 0)
				continue;
			return rules_eval_date(s + i, len - i, t_r);
		}
	}
	return -1;
}

/* Find needle in the field (case-sensitive); NULL when absent. */
static const char *
field_find(const struct msg_header *h, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= h->unfolded_len; i++)
		if (memcmp(h->unfolded + i, needle, n) == 0)
			return h->unfolded + i;
	return NULL;
}

/*
 * A hop on this host: "from localhost ", "from" with 127.0.0.1 in its
 * second or third word, or qmail's "invoked by uid".
 */
static int
is_local(const struct msg_header *h)
{
	const char *p, *e = h->unfolded + h->unfolded_len;
	int words;

	if (field_find(h, "from localhost ") != NULL ||
	    field_find(h, "from localhost\t") != NULL)
		return 1;
	if ((p = field_find(h, "qmail ")) != NULL && field_find(h,
	    " invoked by uid ") != NULL)
		return 1;
	if ((p = field_find(h, "from ")) == NULL)
		return 0;
	for (p += 5, words = 0; p < e && words < 3; words++) {
		const char *w = p;

		while (p < e && *p != ' ')
			p++;
		if (words > 0 && p - w >= 9 && memmem(w, (size_t)(p - w), "127.0.0.1",
		    9) != NULL)
			return 1;
		while (p < e && *p == ' ')
			p++;
	}
	return 0;
}

/* "by localhost with PROTO (fetchmail-VERSION". */
static int
is_fetchmail(const struct msg_header *h)
{
	const char *p = field_find(h, "by localhost with "), *e;

	if (p == NULL)
		return 0;
	e = h->unfolded + h->unfolded_len;
	for (p += 18; p < e && (isalnum((unsigned char)*p) || *p == '_');
	    p++)
		;
	return e - p >= 12 && strncmp(p, " (fetchmail-", 12) == 0;
}

/*
 * SpamAssassin's date_diff: the Date (or Resent-Date) time minus each
 * Received time, the last dropped when it is 0 and there are others,
 * and the difference of least magnitude kept; 0 without both. A
 * local hop on top followed by a fetchmail hop are both left out, as
 * they record the time of the download, not of the delivery.
 */
static void
dates(struct ev_ctx *c)
{
	static const char *const dn[] = { "Resent-Date", "Date" };
	const struct msg_header **v;
	long long dt = 0, rt, diffs[EV_RCVD_MAX], best;
	size_t i, n, nd = 0, k;
	int have = 0;

	c->have_dates = 1;
	c->date_diff = 0;
	for (k = 0; k < 2 && !have; k++) {
		n = fields(c, dn[k], &v);
		for (i = 0; i < n && !have; i++)
			if (v[i]->unfolded_len > 0 && rules_eval_date(
			    v[i]->unfolded, v[i]->unfolded_len, &dt) == 0)
				have = 1;
	}
	if (!have)
		return;
	n = fields(c, "Received", &v);
	i = n >= 2 && is_local(v[0]) && is_fetchmail(v[1]) ? 2 : 0;
	for (; i < n && nd < EV_RCVD_MAX; i++)
		if (received_time(v[i], &rt) == 0)
			diffs[nd++] = dt - rt;
	if (nd == 0)
		return;
	if (nd > 1 && diffs[nd - 1] == 0)
		nd--;
	best = diffs[0];
	for (i = 1; i < nd; i++)
		if (llabs(diffs[i]) < llabs(best))
			best = diffs[i];
	c->date_diff = best;
}

static int
ev_shifted_date(struct ev_ctx *c, const struct rule_eval *ev)
{
	if (!c->have_dates)
		dates(c);
	return (!ev->has_lo || (double)c->date_diff >= 3600 * ev->lo) &&
	    (!ev->has_hi || (double)c->date_diff < 3600 * ev->hi);
}

/*
 * Outlook Message-Ids carry a time stamp: the 8 hex digits after the
 * first 4, in units of 2^32 / 10^7 seconds offset from the epoch. A
 * stamp more than 250 units from both the Date time and the first
 * Received date is forged. A missing or unreadable date counts as 0,
 * as in SpamAssassin.
 */
#define OUTLOOK_X	0.0023283064365387
#define OUTLOOK_Y	27111902.8329849
#define OUTLOOK_FUDGE	250

static int
outlook_far(long long stamp, long long t)
{
	long long want = (long long)((double)t * OUTLOOK_X + OUTLOOK_Y);

	return llabs(stamp - want) >= OUTLOOK_FUDGE;
}

static int
ev_outlook_msgid(struct ev_ctx *c)
{
	static const char *const mid[] = { "Message-Id",
	    "Resent-Message-Id", "X-Message-Id" };
	const struct msg_header **v, *h = NULL;
	struct buf b = BUF_INIT;
	const char *s;
	long long stamp = 0, t;
	size_t i, n, k;

	for (k = 0; k < 3 && h == NULL; k++)
		if (fields(c, mid[k], &v) > 0)
			h = v[0];
	/* Message-Id fields come first in SpamAssassin's MESSAGEID. */
	if (h == NULL || h->unfolded_len < 32)
		return 0;
	s = h->unfolded;
	if (s[0] != '<' || s[13] != '$' || s[22] != '$' || s[31] != '@')
		return 0;
	for (i = 1; i < 31; i++) {
		if (i == 13 || i == 22)
			continue;
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' ||
		    s[i] > 'f'))
			return 0;
		if (i >= 5 && i < 13)
			stamp = stamp * 16 + (isdigit((unsigned char)s[i]) ?
			    s[i] - '0' : s[i] - 'a' + 10);
	}
	n = fields(c, "Date", &v);
	t = 0;
	if (n > 0 && rules_eval_date(v[0]->unfolded, v[0]->unfolded_len,
	    &t) == -1)
		t = 0;
	if (!outlook_far(stamp, t))
		return 0;
	/* SpamAssassin reads all Received text as one date. */
	n = fields(c, "Received", &v);
	for (i = 0; i < n && b.len < EV_DATE_MAX; i++) {
		buf_add(&b, v[i]->unfolded, v[i]->unfolded_len);
		buf_addc(&b, '\n');
	}
	if (b.len == 0 || rules_eval_date(b.p, b.len, &t) == -1)
		t = 0;
	buf_free(&b);
	return outlook_far(stamp, t);
}

/*
 * Subject in capitals: SpamAssassin ignores leading reply prefixes,
 * one-word and short (under 10 bytes) subjects, and subjects encoded
 * in charsets whose text would pass for capitals (Cyrillic, CJK...).
 */
static int
ev_subj_caps(struct ev_ctx *c)
{
	static const char *const prefixes[] = { "re", "fwd", "fw", "aw",
	    "antwort", "wg", "sv", "vb", "vs", "vl" };
	static const char *const fp[] = { "koi", "jp", "jis", "euc", "gb",
	    "big5", "isoir", "cp1251", "windows-1251", "georgianps",
	    "pt154", "tis" };
	const struct msg_header *h = msg_header_get(c->t->msg, "Subject", 0);
	const char *s, *e, *q, *raw;
	size_t i, k, n, nl = 0;
	int again;

	if (h == NULL)
		return 0;
	s = addr_decode_words(c->t->a, h->unfolded, h->unfolded_len);
	e = s + strlen(s);
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	do {
		again = 0;
		for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
			n = strlen(prefixes[k]);
			if ((size_t)(e - s) <= n || strncasecmp(s,
			    prefixes[k], n) != 0 || s[n] != ':')
				continue;
			for (s += n + 1; s < e && isspace((unsigned char)*s);
			    s++)
				;
			again = 1;
		}
	} while (again);
	for (q = s; q < e && !isspace((unsigned char)*q); q++)
		;
	if (q == e || e - s < 10)
		return 0;
	/* =?CHARSET? with a charset of the list anywhere inside. */
	raw = arena_strndup(c->t->a, h->unfolded, h->unfolded_len);
	for (q = raw; (q = strstr(q, "=?")) != NULL; q += 2) {
		e = strchr(q + 2, '?');
		if (e == NULL)
			break;
		for (i = 0; i < sizeof(fp) / sizeof(fp[0]); i++) {
			n = strlen(fp[i]);
			for (k = 2; q + k + n <= e; k++)
				if (strncasecmp(q + k, fp[i], n) == 0)
					return 0;
		}
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	for (q = s; q < e; q++) {
		if (islower((unsigned char)*q))
			return 0;
		if (isupper((unsigned char)*q))
			nl++;
	}
	return nl > 0;
}

/*
 * HTML facts of one part, as SpamAssassin's HTML parser keeps them:
 * each element start adds one to its count and each end takes one
 * (never below 0); the count exists once the tag was seen at all.
 * Comments, declarations and the content of script and style are not
 * markup.
 */
static int
tag_name(const char *p, const char *e, char *out, size_t cap)
{
	size_t n = 0;

	while (p < e && (isalnum((unsigned char)*p) || *p == ':' ||
	    *p == '-' || *p == '_')) {
		if (n + 1 < cap)
			out[n] = (char)tolower((unsigned char)*p);
		n++;
		p++;
	}
	if (n == 0 || n + 1 >= cap)
		return -1;
	out[n] = '\0';
	return (int)n;
}

/* Count of tag in html (start +1, end -1, floor 0); -1: never seen. */
static long
tag_count(const struct ev_html *h, const char *tag)
{
	const char *p = h->p, *e = h->p + h->n, *q, *gt;
	char name[EV_TAG_MAX], raw[EV_TAG_MAX + 2];
	long cnt = -1;
	int end, len;

	while (p < e && (p = memchr(p, '<', (size_t)(e - p))) != NULL) {
		if (e - p >= 4 && strncmp(p, "<!--", 4) == 0) {
			q = p + 4;
			while (q + 3 <= e && strncmp(q, "-->", 3) != 0)
				q++;
			p = q + 3 <= e ? q + 3 : e;
			continue;
		}
		end = p + 1 < e && p[1] == '/';
		q = p + 1 + end;
		if (q >= e || !isalpha((unsigned char)*q) ||
		    (len = tag_name(q, e, name, sizeof(name))) == -1 ||
		    (gt = memchr(q, '>', (size_t)(e - q))) == NULL) {
			p++;
			continue;
		}
		if (strcmp(name, tag) == 0 && !end)
			cnt = cnt < 0 ? 1 : cnt + 1;
		else if (strcmp(name, tag) == 0)
			cnt = cnt <= 0 ? 0 : cnt - 1;
		p = gt + 1;
		if (!end && (strcmp(name, "script") == 0 ||
		    strcmp(name, "style") == 0)) {
			/* Raw text up to the matching end tag. */
			snprintf(raw, sizeof(raw), "</%s", name);
			for (q = p; q + len + 2 <= e; q++)
				if (strncasecmp(q, raw, (size_t)len + 2) == 0)
					break;
			p = q;
		}
	}
	return cnt;
}

/*
 * SpamAssassin measures the HTML source with LF line ends: a CR
 * before LF does not count.
 */
static size_t
src_len(const struct ev_html *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++) {
		if (h->p[i] == '\r' && i + 1 < h->n && h->p[i + 1] == '\n')
			continue;
		n++;
	}
	return n;
}

static void
parts(struct ev_ctx *c)
{
	const struct mime_part *p;
	const char *why;
	size_t n, i;

	c->have_parts = 1;
	if (mime_parts(c->t->msg, &p, &n, &why) == -1)
		return;
	c->html = arena_calloc(c->t->a, n + 1, sizeof(*c->html));
	for (i = 0; i < n; i++) {
		if (strcmp(p[i].ctype, "text/html") == 0) {
			c->html[c->nhtml].p = p[i].data != NULL ? p[i].data :
			    "";
			c->html[c->nhtml].n = p[i].data != NULL ? p[i].len :
			    0;
			c->html[c->nhtml].len = src_len(&c->html[c->nhtml]);
			c->html[c->nhtml].has_img = tag_count(
			    &c->html[c->nhtml], "img") >= 0;
			c->nhtml++;
		} else if (strncmp(p[i].ctype, "text", 4) == 0)
			c->ntext++;
	}
}

/* The top-level Content-Type says text/html. */
static int
top_html(struct ev_ctx *c)
{
	const struct msg_header *h = msg_header_get(c->t->msg,
	    "Content-Type", 0);

	return h != NULL && str_has_prefix_ci(h->unfolded, "text/html");
}

static int
cmp(long v, const struct rule_eval *ev)
{
	switch (ev->cmp) {
	case CMP_EQ: return v == ev->cmp_n;
	case CMP_NE: return v != ev->cmp_n;
	case CMP_LT: return v < ev->cmp_n;
	case CMP_GT: return v > ev->cmp_n;
	case CMP_LE: return v <= ev->cmp_n;
	default: return v >= ev->cmp_n;
	}
}

static int
ev_html(struct ev_ctx *c, const struct rule_eval *ev)
{
	size_t i;
	long k;

	if (!c->have_parts)
		parts(c);
	switch (ev->fn) {
	case EV_MIME_HTML:
		return top_html(c) || c->nhtml > 0;
	case EV_MIME_HTML_ONLY:
		return top_html(c) || (c->nhtml > 0 && c->ntext == 0);
	case EV_HTML_TEST:
		return c->nhtml > 0;
	default:
		break;
	}
	for (i = 0; i < c->nhtml; i++) {
		switch (ev->fn) {
		case EV_HTML_IMAGE_ONLY:
			if (c->html[i].has_img &&
			    (double)c->html[i].len > ev->lo &&
			    (double)c->html[i].len <= ev->hi)
				return 1;
			break;
		case EV_HTML_TAG_EXISTS:
			if (tag_count(&c->html[i], ev->tag) >= 0)
				return 1;
			break;
		case EV_HTML_TAG_BALANCE:
			if ((k = tag_count(&c->html[i], ev->tag)) >= 0 &&
			    cmp(k, ev))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * FreeMail.
 */

/* Domain s against entry p: "*" any run of non-dots, "?" one non-dot. */
static int
glob_dom(const char *p, const char *s, int depth)
{
	if (depth > 16)
		return 0;
	for (; *p != '\0'; p++, s++) {
		if (*p == '*') {
			for (;; s++) {
				if (glob_dom(p + 1, s, depth + 1))
					return 1;
				if (*s == '\0' || *s == '.')
					return 0;
			}
		}
		if (*s == '\0' || (*p == '?' ? *s == '.' : *p != *s))
			return 0;
	}
	return *s == '\0';
}

/* addr is "local@domain", lower case. */
static int
is_freemail(const struct rules_eval_conf *c, const char *addr)
{
	const char *d = strrchr(addr, '@');
	size_t i;

	if (c == NULL || d == NULL || d == addr || *++d == '\0')
		return 0;
	for (i = 0; i < c->nwl; i++)
		if (strcmp(c->wl[i], addr) == 0 || strcmp(c->wl[i], d) == 0)
			return 0;
	for (i = 0; i < c->ndom; i++)
		if (glob_dom(c->dom[i], d, 0))
			return 1;
	return 0;
}

static const char *
addr_lower(struct ev_ctx *c, const char *local, const char *domain)
{
	size_t n = strlen(local), k = strlen(domain), i;
	char *s;

	if (n == 0 || k == 0 || n + k + 2 > EV_DOM_MAX * 2)
		return NULL;
	s = arena_alloc(c->t->a, n + k + 2);
	for (i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)local[i]);
	s[n] = '@';
	for (i = 0; i < k; i++)
		s[n + 1 + i] = (char)tolower((unsigned char)domain[i]);
	s[n + 1 + k] = '\0';
	return s;
}

/* s matches re (none: always); a failed match is no match. */
static int
re_ok(const pcre2_code *re, const char *s)
{
	pcre2_match_data *md;
	int rc;

	if (re == NULL)
		return 1;
	if ((md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
		return 0;
	rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/*
 * The first (all: every) address of the fields named name is freemail
 * and matches re (when not NULL).
 */
static int
hdr_freemail(struct ev_ctx *c, const struct rules_eval_conf *conf,
    const char *name, int all, const pcre2_code *re)
{
	const struct msg_header **v;
	struct mail_addr *ad;
	const char *why, *s;
	size_t nv, na, i, k;

	nv = fields(c, name, &v);
	for (i = 0; i < nv; i++) {
		if (addr_parse_list(c->t->a, v[i]->unfolded,
		    strlen(v[i]->unfolded), &ad, &na, &why) == -1 && na == 0)
			continue;
		for (k = 0; k < na; k++) {
			if (ad[k].domain_ace != NULL &&
			    (s = addr_lower(c, ad[k].local,
			    ad[k].domain_ace)) != NULL &&
			    is_freemail(conf, s) && re_ok(re, s))
				return 1;
			if (!all)
				return 0;
		}
		if (!all && na > 0)
			return 0;
	}
	return 0;
}

/*
 * check_freemail_from(): the sender addresses SpamAssassin reads: every
 * Resent-From address when there is one, else the first address of
 * From, Envelope-Sender, Resent-Sender, X-Envelope-From and the envelope
 * sender (Return-Path without one).
 */
static int
ev_freemail_from(struct ev_ctx *c, const struct rules_eval_conf *conf)
{
	static const char *const names[] = { "From", "Envelope-Sender",
	    "Resent-Sender", "X-Envelope-From" };
	const struct msg_header *h;
	struct mail_addr ad;
	const char *why, *s, *env = c->t->env.mail_from;
	size_t i;

	if (msg_header_get(c->t->msg, "Resent-From", 0) != NULL)
		return hdr_freemail(c, conf, "Resent-From", 1, NULL);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (hdr_freemail(c, conf, names[i], 0, NULL))
			return 1;
	if (env == NULL && (h = msg_header_get(c->t->msg, "Return-Path",
	    0)) != NULL)
		env = h->unfolded;
	if (env == NULL || strlen(env) > 1000 ||
	    addr_parse_path(c->t->a, env, &ad, &why) == -1 ||
	    ad.domain == NULL ||
	    (s = addr_lower(c, ad.local, ad.domain)) == NULL)
		return 0;
	return is_freemail(conf, s);
}

void
rules_eval_run(const struct rules *r, struct task *t, double *val)
{
	struct ev_ctx c;
	const struct rule *ru;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.t = t;
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (ru->ev == NULL || ru->skip != NULL)
			continue;
		switch (ru->ev->fn) {
		case EV_SHIFTED_DATE:
			val[i] = ev_shifted_date(&c, ru->ev);
			break;
		case EV_OUTLOOK_MSGID:
			val[i] = ev_outlook_msgid(&c);
			break;
		case EV_SUBJ_CAPS:
			val[i] = ev_subj_caps(&c);
			break;
		case EV_FREEMAIL_FROM:
			val[i] = ev_freemail_from(&c, r->evconf);
			break;
		case EV_FREEMAIL_HDR:
			val[i] = hdr_freemail(&c, r->evconf, ru->ev->tag,
			    !ru->ev->first, ru->ev->re);
			break;
		default:
			val[i] = ev_html(&c, ru->ev);
			break;
		}
	}
}
