/*
 * The SPF record parser: the ABNF of RFC 7208 section 12 (record,
 * directives, mechanisms of section 5, modifiers of section 6, domain-spec
 * and dual CIDR lengths) and the macro-string syntax of section 7.1.
 * Every term is kept with its offset and its own error, so one parse
 * serves both check_host() (any error is a permerror, 4.6) and audits
 * that show the administrator every broken term at once.
 */
#include <arpa/inet.h>
#include <string.h>

#include "auth/spf.h"
#include "lib/arena.h"
#include "lib/str.h"

static const char *const spf_result_words[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror"
};

const char *
spf_result_str(enum spf_res r)
{
	if ((unsigned)r >= sizeof(spf_result_words) /
	    sizeof(spf_result_words[0]))
		return "unknown";
	return spf_result_words[r];
}

int
spf_result_parse(const char *s, enum spf_res *r_r)
{
	size_t i;

	for (i = 0; i < sizeof(spf_result_words) /
	    sizeof(spf_result_words[0]); i++)
		if (str_casecmp(s, spf_result_words[i]) == 0) {
			*r_r = (enum spf_res)i;
			return 0;
		}
	return -1;
}

static const char *const spf_kind_words[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
	"redirect", "exp", "modifier", "invalid"
};

const char *
spf_kind_str(enum spf_kind k)
{
	if ((unsigned)k >= sizeof(spf_kind_words) / sizeof(spf_kind_words[0]))
		return "invalid";
	return spf_kind_words[k];
}

int
spf_is_record(const char *p, size_t len)
{
	if (len < 6 || str_ncasecmp(p, "v=spf1", 6) != 0)
		return 0;
	return len == 6 || p[6] == ' ';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
is_delim(int c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/*
 * One macro-expand starting at p[0] == '%' (7.1). Returns its length, or
 * 0 with *why_r when it is malformed.
 */
static size_t
macro_token(const char *p, size_t len, int is_exp, const char **why_r)
{
	size_t i;
	int c, digits = 0, value = 0;

	if (len < 2) {
		*why_r = "'%' at the end of a macro-string";
		return 0;
	}
	if (p[1] == '%' || p[1] == '_' || p[1] == '-')
		return 2;
	if (p[1] != '{') {
		*why_r = "'%' not followed by '{', '%', '_' or '-'";
		return 0;
	}
	if (len < 4) {
		*why_r = "unterminated macro";
		return 0;
	}
	if (!is_alpha(p[2])) {
		*why_r = "unknown macro letter";
		return 0;
	}
	c = p[2] | 0x20;
	if (strchr("crt", c) != NULL) {
		if (!is_exp) {
			*why_r = "macro letters c, r and t are allowed only in "
			    "explanations (7.2)";
			return 0;
		}
	} else if (strchr("slodiphv", c) == NULL) {
		*why_r = "unknown macro letter";
		return 0;
	}
	for (i = 3; i < len && is_digit(p[i]); i++) {
		digits++;
		if (value < 1000)
			value = value * 10 + (p[i] - '0');
	}
	if (digits > 0 && value == 0) {
		*why_r = "macro digit transformer must be nonzero (7.3)";
		return 0;
	}
	if (i < len && (p[i] == 'r' || p[i] == 'R'))
		i++;
	while (i < len && is_delim(p[i]))
		i++;
	if (i >= len || p[i] != '}') {
		*why_r = "malformed macro (expected '}')";
		return 0;
	}
	return i + 1;
}

/*
 * Walk a macro-string. *last_macro_end_r is the offset just past the last
 * macro-expand (0 if none). 0 or -1 with *why_r.
 */
static int
macro_scan(const char *p, size_t len, int is_exp, size_t *last_r,
    size_t *bad_r, const char **why_r)
{
	size_t i = 0, n;
	unsigned char c;

	*last_r = 0;
	while (i < len) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if ((n = macro_token(p + i, len - i, is_exp,
			    why_r)) == 0) {
				*bad_r = i;
				return -1;
			}
			i += n;
			*last_r = i;
			continue;
		}
		if ((c >= 0x21 && c <= 0x7e) || (is_exp && c == ' ')) {
			i++;
			continue;
		}
		*bad_r = i;
		*why_r = c >= 0x80 ? "non-ASCII character" :
		    "control character";
		return -1;
	}
	return 0;
}

int
spf_macro_check(const char *p, size_t len, int is_exp, const char **why_r)
{
	size_t last, bad;

	return macro_scan(p, len, is_exp, &last, &bad, why_r);
}

/* toplabel of section 7.1 (and 4.6.1 via domain-end). */
static int
is_toplabel(const char *p, size_t len)
{
	size_t i;
	int has_alpha = 0, has_dash = 0;

	if (len == 0 || len > 63 || !is_alnum(p[0]) || !is_alnum(p[len - 1]))
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] == '-')
			has_dash = 1;
		else if (is_alpha(p[i]))
			has_alpha = 1;
		else if (!is_digit(p[i]))
			return 0;
	}
	return has_alpha || has_dash;
}

/*
 * domain-spec = macro-string domain-end; domain-end = ( "." toplabel
 * [ "." ] ) / macro-expand. 0 or -1 with *why_r.
 */
static int
domain_spec_check(const char *p, size_t len, const char **why_r)
{
	size_t last, bad, end, dot;

	if (len == 0) {
		*why_r = "empty domain-spec";
		return -1;
	}
	if (macro_scan(p, len, 0, &last, &bad, why_r) == -1)
		return -1;
	if (last == len)
		return 0;
	end = len;
	if (p[end - 1] == '.')
		end--;
	for (dot = end; dot > last && p[dot - 1] != '.'; dot--)
		;
	if (dot == last || !is_toplabel(p + dot, end - dot)) {
		*why_r = "domain-spec does not end in a valid top label "
		    "(7.1)";
		return -1;
	}
	return 0;
}

/* "0" / %x31-39 0*n DIGIT, value <= max. -1 if malformed. */
static int
cidr_value(const char *p, size_t len, int max)
{
	size_t i;
	int v = 0;

	if (len == 0 || len > 3 || (len > 1 && p[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v <= max ? v : -1;
}

/*
 * Split a trailing [ "/" ip4-cidr ] [ "//" ip6-cidr ] from [p, p+len).
 * Returns the length of what precedes it, or -1 with *why_r for a CIDR
 * length that is present but malformed. dual: both lengths allowed;
 * otherwise only the one of af.
 */
static long
cidr_split(const char *p, size_t len, int dual, int af, struct spf_term *t,
    const char **why_r)
{
	size_t end = len, i;
	int v;

	for (i = end; i > 0 && is_digit(p[i - 1]); i--)
		;
	if (i == end || i == 0 || p[i - 1] != '/')
		return (long)len;
	if (i >= 2 && p[i - 2] == '/') {
		if (!dual)
			goto bad;
		if ((v = cidr_value(p + i, end - i, 128)) == -1)
			goto bad;
		t->cidr6 = v;
		end = i - 2;
		for (i = end; i > 0 && is_digit(p[i - 1]); i--)
			;
		if (i == end || i == 0 || p[i - 1] != '/')
			return (long)end;
	} else if (!dual && af == AF_INET6) {
		if ((v = cidr_value(p + i, end - i, 128)) == -1)
			goto bad;
		t->cidr6 = v;
		return (long)(i - 1);
	}
	if ((v = cidr_value(p + i, end - i, 32)) == -1)
		goto bad;
	t->cidr4 = v;
	return (long)(i - 1);
bad:
	*why_r = "invalid CIDR prefix length";
	return -1;
}

static const struct {
	const char	*name;
	enum spf_kind	 kind;
} spf_mechs[] = {
	{ "all", SPF_K_ALL }, { "include", SPF_K_INCLUDE },
	{ "a", SPF_K_A }, { "mx", SPF_K_MX }, { "ptr", SPF_K_PTR },
	{ "ip4", SPF_K_IP4 }, { "ip6", SPF_K_IP6 },
	{ "exists", SPF_K_EXISTS }
};

/* The part after the mechanism name: [":" arg] ["/" cidr]. */
static const char *
parse_mech_arg(struct arena *a, struct spf_term *t, const char *p,
    size_t len)
{
	const char *why = NULL, *arg;
	int has_colon = len > 0 && p[0] == ':';
	long n;

	switch (t->kind) {
	case SPF_K_ALL:
		return len == 0 ? NULL : "\"all\" takes no argument";
	case SPF_K_INCLUDE:
	case SPF_K_EXISTS:
		if (!has_colon)
			return "mechanism needs \":domain\"";
		t->spec = arena_strndup(a, p + 1, len - 1);
		if (domain_spec_check(p + 1, len - 1, &why) == -1)
			return why;
		return NULL;
	case SPF_K_PTR:
		if (len == 0)
			return NULL;
		if (!has_colon)
			return "\"ptr\" takes only \":domain\"";
		t->spec = arena_strndup(a, p + 1, len - 1);
		return domain_spec_check(p + 1, len - 1, &why) == -1 ? why :
		    NULL;
	case SPF_K_A:
	case SPF_K_MX:
		if (len == 0)
			return NULL;
		if (!has_colon && p[0] != '/')
			return "unexpected text after the mechanism name";
		if ((n = cidr_split(p, len, 1, 0, t, &why)) == -1)
			return why;
		if (!has_colon)
			return n == 0 ? NULL : "malformed CIDR length";
		t->spec = arena_strndup(a, p + 1, (size_t)n - 1);
		return domain_spec_check(p + 1, (size_t)n - 1, &why) == -1 ?
		    why : NULL;
	case SPF_K_IP4:
	case SPF_K_IP6:
		if (!has_colon)
			return "mechanism needs \":address\"";
		if ((n = cidr_split(p + 1, len - 1, 0, t->kind == SPF_K_IP4 ?
		    AF_INET : AF_INET6, t, &why)) == -1)
			return why;
		arg = arena_strndup(a, p + 1, (size_t)n);
		t->spec = arg;
		if (t->kind == SPF_K_IP4 ? inet_pton(AF_INET, arg,
		    &t->ip4) != 1 : inet_pton(AF_INET6, arg, &t->ip6) != 1)
			return t->kind == SPF_K_IP4 ? "invalid IPv4 address" :
			    "invalid IPv6 address";
		return NULL;
	default:
		return "unknown mechanism";
	}
}

static const char *
parse_directive(struct arena *a, struct spf_term *t, const char *p,
    size_t len)
{
	size_t i, n;

	t->qual = SPF_PASS;
	if (len > 0 && strchr("+-~?", p[0]) != NULL) {
		t->qual = p[0] == '+' ? SPF_PASS : p[0] == '-' ? SPF_FAIL :
		    p[0] == '~' ? SPF_SOFTFAIL : SPF_NEUTRAL;
		p++;
		len--;
	}
	for (n = 0; n < len && is_alnum(p[n]); n++)
		;
	for (i = 0; i < sizeof(spf_mechs) / sizeof(spf_mechs[0]); i++)
		if (strlen(spf_mechs[i].name) == n &&
		    str_ncasecmp(p, spf_mechs[i].name, n) == 0)
			break;
	if (i == sizeof(spf_mechs) / sizeof(spf_mechs[0]) ||
	    (n < len && p[n] != ':' && p[n] != '/')) {
		t->kind = SPF_K_BAD;
		return "unknown mechanism";
	}
	t->kind = spf_mechs[i].kind;
	t->is_lookup = t->kind == SPF_K_INCLUDE || t->kind == SPF_K_A ||
	    t->kind == SPF_K_MX || t->kind == SPF_K_PTR ||
	    t->kind == SPF_K_EXISTS;
	return parse_mech_arg(a, t, p + n, len - n);
}

/* Length of a modifier name at p followed by '=', or 0 (6, 12). */
static size_t
modifier_name(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || !is_alpha(p[0]))
		return 0;
	for (i = 1; i < len; i++) {
		if (p[i] == '=')
			return i;
		if (!is_alnum(p[i]) && p[i] != '-' && p[i] != '_' &&
		    p[i] != '.')
			return 0;
	}
	return 0;
}

static const char *
parse_term(struct arena *a, struct spf_record *rec, struct spf_term *t,
    const char *p, size_t len)
{
	const char *why = NULL;
	size_t i, n;

	t->cidr4 = t->cidr6 = -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x21 || c > 0x7e) {
			t->kind = SPF_K_BAD;
			return c >= 0x80 ? "non-ASCII character in term" :
			    "control character in term";
		}
	}
	if ((n = modifier_name(p, len)) == 0)
		return parse_directive(a, t, p, len);
	t->name = arena_strndup(a, p, n);
	t->spec = arena_strndup(a, p + n + 1, len - n - 1);
	if (str_casecmp(t->name, "redirect") == 0) {
		t->kind = SPF_K_REDIRECT;
		t->is_lookup = 1;
		if (rec->redirect != NULL)
			return "more than one redirect modifier (6)";
		rec->redirect = t;
	} else if (str_casecmp(t->name, "exp") == 0) {
		t->kind = SPF_K_EXP;
		if (rec->exp != NULL)
			return "more than one exp modifier (6)";
		rec->exp = t;
	} else {
		t->kind = SPF_K_UNKNOWN;
		return spf_macro_check(t->spec, len - n - 1, 0, &why) == -1 ?
		    why : NULL;
	}
	return domain_spec_check(t->spec, len - n - 1, &why) == -1 ? why :
	    NULL;
}

static void
term_error(struct arena *a, struct spf_record *rec, struct spf_term *t,
    const char *why)
{
	t->why = why;
	if (rec->nerror++ == 0) {
		rec->err_off = t->off;
		rec->why = arena_printf(a, "offset %zu: %s: \"%s\"", t->off,
		    why, t->text);
	}
}

int
spf_parse(struct arena *a, const char *text, size_t len,
    struct spf_record **rec_r, const char **why_r)
{
	struct spf_record *rec = arena_zalloc(a, sizeof(*rec));
	size_t i, j, n = 0, cap = 0;
	const char *why;

	*rec_r = rec;
	rec->text = arena_strndup(a, text, len);
	rec->len = len;
	if (!spf_is_record(text, len)) {
		*why_r = "not an SPF record (no \"v=spf1\")";
		rec->why = *why_r;
		rec->nerror = 1;
		return -1;
	}
	for (i = 6; i < len; i++)
		cap += text[i] == ' ';
	if (cap > SPF_TERMS_MAX)
		cap = SPF_TERMS_MAX + 1;
	rec->term = arena_calloc(a, cap + 1, sizeof(*rec->term));
	for (i = 6; i < len; i = j) {
		struct spf_term *t;

		while (i < len && text[i] == ' ')
			i++;
		for (j = i; j < len && text[j] != ' '; j++)
			;
		if (j == i)
			break;
		t = &rec->term[n++];
		t->off = i;
		t->len = j - i;
		t->text = arena_strndup(a, text + i, j - i);
		if (n > SPF_TERMS_MAX) {
			t->kind = SPF_K_BAD;
			term_error(a, rec, t, "too many terms");
			break;
		}
		if ((why = parse_term(a, rec, t, text + i, j - i)) != NULL)
			term_error(a, rec, t, why);
		rec->nlookup += t->is_lookup;
	}
	rec->nterm = n;
	if (rec->nerror > 0) {
		*why_r = rec->why;
		return -1;
	}
	return 0;
}
