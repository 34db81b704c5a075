/*
 * Reading rule files in the SpamAssassin syntax subset of DESIGN.md
 * section 4 (see rules.h). One line is one directive; "#" starts a
 * comment unless escaped as "\#". Conditionals (ifplugin, if, else,
 * endif) are evaluated as a SpamAssassin 4.0 without Perl plugins would:
 * plugin(X) and ifplugin X are true only for the plugins we implement
 * (ReplaceTags), can(...) of a configuration feature is true, version is
 * 4.000001. Rule definitions inside a false block are counted as skipped
 * with the plugin they need, never dropped silently.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define REPLACE_DEPTH_MAX	6	/* ReplaceTags expansion passes */
#define COND_DEPTH_MAX	64
#define TAGS_MAX	4096
#define SA_VERSION	4.000001

struct tag {
	int	 kind;		/* 0 tag, 1 pre, 2 inter, 3 post */
	char	*name;
	char	*val;
};

struct pstate {
	struct rules	*r;
	const char	*file;
	unsigned	 line;
	int		 cond[COND_DEPTH_MAX];	/* 1: lines are live */
	char		*cond_why[COND_DEPTH_MAX];
	int		 depth;
	struct tag	*tags;
	size_t		 ntags;
	char		**repl;		/* replace_rules names */
	size_t		 nrepl;
	char		*tag_start, *tag_end;
	char		 err[512];
};

static int
perr(struct pstate *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, sizeof(ps->err), "%s:%u: ", ps->file,
	    ps->line);
	if (n < 0 || (size_t)n >= sizeof(ps->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, sizeof(ps->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t
name_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
hash_rebuild(struct rules *r)
{
	size_t i, k;

	free(r->hash);
	r->hashcap = r->hashcap == 0 ? 1024 : r->hashcap * 2;
	r->hash = xcalloc(r->hashcap, sizeof(*r->hash));
	for (i = 0; i < r->n; i++) {
		k = name_hash(r->v[i].name) & (r->hashcap - 1);
		while (r->hash[k] != 0)
			k = (k + 1) & (r->hashcap - 1);
		r->hash[k] = i + 1;
	}
}

struct rule *
rules_find(const struct rules *r, const char *name)
{
	size_t k;

	if (r->hashcap == 0)
		return NULL;
	k = name_hash(name) & (r->hashcap - 1);
	while (r->hash[k] != 0) {
		if (strcmp(r->v[r->hash[k] - 1].name, name) == 0)
			return &r->v[r->hash[k] - 1];
		k = (k + 1) & (r->hashcap - 1);
	}
	return NULL;
}

/* The rule called name, created (undefined, type -1) if new. */
static struct rule *
rule_get(struct pstate *ps, const char *name)
{
	struct rules *r = ps->r;
	struct rule *ru;

	if ((ru = rules_find(r, name)) != NULL)
		return ru;
	if (r->n >= RULES_MAX)
		return NULL;
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 256 : r->cap * 2;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	ru = &r->v[r->n++];
	memset(ru, 0, sizeof(*ru));
	ru->name = xstrdup(name);
	ru->type = -1;
	ru->score = strncmp(name, "T_", 2) == 0 ? 0.01 : 1.0;
	if (strncmp(name, "__", 2) == 0)
		ru->score = 0;
	if ((r->n + 1) * 2 > r->hashcap)
		hash_rebuild(r);
	else {
		size_t k = name_hash(name) & (r->hashcap - 1);

		while (r->hash[k] != 0)
			k = (k + 1) & (r->hashcap - 1);
		r->hash[k] = r->n;
	}
	return ru;
}

static int
is_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Split off the first word of *s (whitespace separated), in place. */
static char *
word(char **s)
{
	char *p = *s, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return NULL;
	w = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*s = p;
	return w;
}

/* Reset a rule's definition before it is (re)defined. */
static void
rule_clear(struct rule *ru)
{
	free(ru->hdr);
	free(ru->unset);
	free(ru->re);
	free(ru->skip);
	free(ru->file);
	rules_meta_free(ru->meta, ru->nmeta);
	rules_eval_free(ru->ev);		/* rules_eval */
	ru->ev = NULL;
	ru->hdr = ru->unset = ru->re = ru->skip = ru->file = NULL;
	ru->meta = NULL;
	ru->nmeta = 0;
	ru->hmod = HM_NONE;
	ru->negate = 0;
	ru->rf = 0;
}

static struct rule *
rule_define(struct pstate *ps, const char *name, int type)
{
	struct rule *ru;

	if (!is_name(name)) {
		perr(ps, "bad rule name \"%s\"", name);
		return NULL;
	}
	if ((ru = rule_get(ps, name)) == NULL) {
		perr(ps, "more than %d rules", RULES_MAX);
		return NULL;
	}
	rule_clear(ru);
	ru->type = type;
	ru->file = xstrdup(ps->file);
	ru->line = ps->line;
	return ru;
}

static void
rule_skip(struct rule *ru, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rule_skip(struct rule *ru, const char *fmt, ...)
{
	char b[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	free(ru->skip);
	ru->skip = xstrdup(b);
}

/*
 * Parse "/re/flags" or "m{re}flags" (any delimiter after m) at s. The
 * closing delimiter is the last one followed only by flag letters and
 * then end, whitespace or "[if-unset:". Sets ru->re and ru->rf; *rest_r
 * points after the flags.
 */
static int
parse_regex(struct pstate *ps, struct rule *ru, char *s, char **rest_r)
{
	char open, close, *end = NULL, *p, *f;

	if (s[0] == 'm' && s[1] != '\0' && !isalnum((unsigned char)s[1]) &&
	    s[1] != ' ')
		s++;
	open = *s;
	switch (open) {
	case '{': close = '}'; break;
	case '(': close = ')'; break;
	case '[': close = ']'; break;
	case '<': close = '>'; break;
	case '/': case '!': case '#': case '|': case '@': case ',':
	case '"': case '\'': case '%': case '~': case '^': case ':':
	case ';':
		close = open;
		break;
	default:
		return perr(ps, "%s: pattern must start with / or m and a "
		    "delimiter", ru->name);
	}
	for (p = s + 1; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != close)
			continue;
		for (f = p + 1; *f >= 'a' && *f <= 'z'; f++)
			;
		if (*f == '\0' || *f == ' ' || *f == '\t') {
			end = p;
			if (*f == '\0' || strstr(f, "if-unset:") != NULL ||
			    strspn(f, " \t") == strlen(f))
				break;
		}
	}
	if (end == NULL)
		return perr(ps, "%s: unterminated pattern", ru->name);
	ru->re = xstrndup(s + 1, (size_t)(end - s - 1));
	for (f = end + 1; *f >= 'a' && *f <= 'z'; f++) {
		switch (*f) {
		case 'i': ru->rf |= RF_I; break;
		case 's': ru->rf |= RF_S; break;
		case 'm': ru->rf |= RF_M; break;
		case 'x': ru->rf |= RF_X; break;
		case 'g': case 'o': break;
		default:
			return perr(ps, "%s: unknown pattern flag '%c'",
			    ru->name, *f);
		}
	}
	*rest_r = f;
	return 0;
}

/*
 * "eval:check_foo(...)": run natively when rules_eval.c has the function,
 * else skipped and counted under the function's name.
 */
static int
skip_eval(struct rule *ru, const char *s)
{
	size_t n;

	if (strncmp(s, "eval:", 5) != 0)
		return 0;
	s += 5;
	if (rules_eval_parse(ru, s) == 0)	/* rules_eval: native */
		return 1;
	n = strcspn(s, "( \t");
	rule_skip(ru, "eval:%.*s (Perl plugin)", (int)n, s);
	return 1;
}

static int
parse_header(struct pstate *ps, const char *name, char *s)
{
	struct rule *ru = rule_define(ps, name, RULES_T_HEADER);
	char *h, *op, *rest, *colon;

	if (ru == NULL)
		return -1;
	if (skip_eval(ru, s))
		return 0;
	if (strncmp(s, "exists:", 7) == 0) {
		ru->type = RULES_T_EXISTS;
		ru->hdr = xstrdup(s + 7);
		for (h = ru->hdr + strlen(ru->hdr); h > ru->hdr &&
		    isspace((unsigned char)h[-1]); h--)
			h[-1] = '\0';
		if (*ru->hdr == '\0')
			return perr(ps, "%s: exists: without a name", name);
		return 0;
	}
	if ((h = word(&s)) == NULL || (op = word(&s)) == NULL)
		return perr(ps, "%s: want HEADER =~ /pattern/", name);
	if (strcmp(op, "=~") == 0)
		ru->negate = 0;
	else if (strcmp(op, "!~") == 0)
		ru->negate = 1;
	else
		return perr(ps, "%s: want =~ or !~, got \"%s\"", name, op);
	if ((colon = strchr(h, ':')) != NULL) {
		*colon++ = '\0';
		if (strcmp(colon, "name") == 0)
			ru->hmod = HM_NAME;
		else if (strcmp(colon, "addr") == 0)
			ru->hmod = HM_ADDR;
		else if (strcmp(colon, "raw") == 0)
			ru->hmod = HM_RAW;
		else {
			rule_skip(ru, "header modifier :%s", colon);
			ru->hdr = xstrdup(h);
			return 0;
		}
	}
	ru->hdr = xstrdup(h);
	if (strncmp(h, "X-Spam-Relays-", 14) == 0 ||
	    strcmp(h, "X-Spam-Status") == 0 ||
	    strncmp(h, "X-Spam-", 7) == 0)
		rule_skip(ru, "SpamAssassin pseudo-header %s", h);
	if (parse_regex(ps, ru, s, &rest) == -1)
		return -1;
	if ((s = strstr(rest, "[if-unset:")) != NULL) {
		s += 10;
		while (*s == ' ')
			s++;
		if ((h = strrchr(s, ']')) == NULL)
			return perr(ps, "%s: unterminated [if-unset:", name);
		ru->unset = xstrndup(s, (size_t)(h - s));
	}
	return 0;
}

static int
parse_pattern(struct pstate *ps, const char *name, int type, char *s)
{
	struct rule *ru = rule_define(ps, name, type);
	char *rest;

	if (ru == NULL)
		return -1;
	if (skip_eval(ru, s))
		return 0;
	if (parse_regex(ps, ru, s, &rest) == -1)
		return -1;
	return 0;
}

static int
parse_meta(struct pstate *ps, const char *name, char *s)
{
	struct rule *ru = rule_define(ps, name, RULES_T_META);
	const char *why;

	if (ru == NULL)
		return -1;
	if (rules_meta_parse(s, &ru->meta, &ru->nmeta, &why) == -1)
		return perr(ps, "%s: meta: %s", name, why);
	return 0;
}

static int
parse_score(struct pstate *ps, const char *name, char *s)
{
	struct rule *ru = rule_get(ps, name);
	char *w, *end;
	double v;

	if (ru == NULL || !is_name(name))
		return perr(ps, "bad rule name \"%s\"", name);
	if ((w = word(&s)) == NULL)
		return perr(ps, "%s: score without a value", name);
	/* With several scores, set 0 (no Bayes, no network) is the first. */
	errno = 0;
	v = strtod(w, &end);
	if (errno != 0 || *end != '\0' || v != v || v > 1e6 || v < -1e6)
		return perr(ps, "%s: bad score \"%s\"", name, w);
	ru->score = v;
	ru->has_score = 1;
	return 0;
}

static int
parse_tflags(struct pstate *ps, const char *name, char *s)
{
	struct rule *ru = rule_get(ps, name);
	char *w;

	if (ru == NULL || !is_name(name))
		return perr(ps, "bad rule name \"%s\"", name);
	ru->multiple = 0;
	while ((w = word(&s)) != NULL) {
		if (strcmp(w, "multiple") == 0)
			ru->multiple = 1;
		else if (strncmp(w, "maxhits=", 8) == 0) {
			ru->multiple = 1;
			ru->maxhits = atoi(w + 8);
		} else if (strcmp(w, "net") == 0)
			ru->is_net = 1;
		else if (strcmp(w, "nice") == 0)
			ru->is_nice = 1;
	}
	return 0;
}

static int
parse_tag(struct pstate *ps, int kind, char *s)
{
	char *name = word(&s);

	if (name == NULL || *s == '\0')
		return perr(ps, "replace tag without name or value");
	if (ps->ntags >= TAGS_MAX)
		return perr(ps, "more than %d replace tags", TAGS_MAX);
	ps->tags = xreallocarray(ps->tags, ps->ntags + 1, sizeof(*ps->tags));
	ps->tags[ps->ntags].kind = kind;
	ps->tags[ps->ntags].name = xstrdup(name);
	ps->tags[ps->ntags].val = xstrdup(s);
	ps->ntags++;
	return 0;
}

static int
parse_replace_rules(struct pstate *ps, char *s)
{
	char *w;

	while ((w = word(&s)) != NULL) {
		if (ps->nrepl >= RULES_MAX)
			return perr(ps, "too many replace_rules");
		ps->repl = xreallocarray(ps->repl, ps->nrepl + 1,
		    sizeof(*ps->repl));
		ps->repl[ps->nrepl++] = xstrdup(w);
	}
	return 0;
}

/*
 * Plugins we implement; everything else is absent. The five eval plugins
 * are present in part (rules_eval.c): a rule calling one of their
 * functions that we lack is still skipped, by skip_eval.
 */
static int
has_plugin(const char *s)
{
	const char *p = strstr(s, "Plugin::");

	if (p == NULL)
		return 0;
	p += 8;
	return strncmp(p, "ReplaceTags", 11) == 0 ||
	    strncmp(p, "Check", 5) == 0 ||
	    strncmp(p, "HTMLEval", 8) == 0 ||	/* rules_eval */
	    strncmp(p, "HeaderEval", 10) == 0 ||
	    strncmp(p, "MIMEEval", 8) == 0 ||
	    strncmp(p, "BodyEval", 8) == 0 ||
	    strncmp(p, "FreeMail", 8) == 0;	/* rules_eval */
}

/*
 * The condition of an "if" line: can(...) and plugin(...) are replaced
 * by 1 or 0, version and perl_version by numbers, and the result is
 * evaluated as a meta expression.
 */
static int
eval_if(struct pstate *ps, const char *s, int *val_r)
{
	struct buf b = BUF_INIT;
	struct meta_tok *v;
	const char *why, *q;
	size_t n;
	int rc = 0;

	while (*s != '\0') {
		if (strncmp(s, "can(", 4) == 0 || strncmp(s, "plugin(", 7) ==
		    0) {
			int is_plugin = s[0] == 'p';

			q = strchr(s, ')');
			if (q == NULL)
				break;
			if (strstr(s, "Plugin::") != NULL &&
			    strstr(s, "Plugin::") < q)
				buf_adds(&b, has_plugin(s) ? "1" : "0");
			else
				buf_adds(&b, is_plugin ? "0" : "1");
			s = q + 1;
		} else if (strncmp(s, "perl_version", 12) == 0) {
			buf_adds(&b, "5.036");
			s += 12;
		} else if (strncmp(s, "version", 7) == 0) {
			buf_printf(&b, "%f", SA_VERSION);
			s += 7;
		} else
			buf_addc(&b, *s++);
	}
	buf_addc(&b, '\0');
	if (rules_meta_parse(b.p, &v, &n, &why) == -1) {
		rc = perr(ps, "if: %s", why);
	} else {
		*val_r = rules_meta_eval(v, n, NULL) != 0;
		rules_meta_free(v, n);
	}
	buf_free(&b);
	return rc;
}

static int
is_live(const struct pstate *ps)
{
	return ps->depth == 0 || ps->cond[ps->depth - 1];
}

static int
do_cond(struct pstate *ps, const char *dir, char *s, int *handled_r)
{
	int v = 0;

	*handled_r = 1;
	if (strcmp(dir, "ifplugin") == 0 || strcmp(dir, "if") == 0) {
		if (ps->depth >= COND_DEPTH_MAX)
			return perr(ps, "conditionals nested too deep");
		if (strcmp(dir, "ifplugin") == 0)
			v = has_plugin(s);
		else if (eval_if(ps, s, &v) == -1)
			return -1;
		ps->cond_why[ps->depth] = NULL;
		if (strcmp(dir, "ifplugin") == 0 && !v) {
			const char *p = strstr(s, "Plugin::");

			ps->cond_why[ps->depth] = xstrndup(p != NULL ? p + 8 :
			    s, strcspn(p != NULL ? p + 8 : s, " \t#"));
		}
		ps->cond[ps->depth] = is_live(ps) && v;
		ps->depth++;
		return 0;
	}
	if (strcmp(dir, "else") == 0) {
		if (ps->depth == 0)
			return perr(ps, "else without if");
		ps->cond[ps->depth - 1] = !ps->cond[ps->depth - 1] &&
		    (ps->depth == 1 || ps->cond[ps->depth - 2]);
		free(ps->cond_why[ps->depth - 1]);
		ps->cond_why[ps->depth - 1] = NULL;
		return 0;
	}
	if (strcmp(dir, "endif") == 0) {
		if (ps->depth == 0)
			return perr(ps, "endif without if");
		ps->depth--;
		free(ps->cond_why[ps->depth]);
		ps->cond_why[ps->depth] = NULL;
		return 0;
	}
	*handled_r = 0;
	return 0;
}

/* A rule definition in a false block: counted, with the plugin it needs. */
static void
skip_dead(struct pstate *ps, const char *dir, char *s)
{
	static const char *const defs[] = { "header", "body", "rawbody",
	    "uri", "full", "meta", "mimeheader", "askdns", "urirhssub",
	    "urirhsbl", "uridnsbl", "uridnssub", NULL };
	const char *why = NULL;
	struct rule *ru;
	char *name;
	int i, d;

	for (i = 0; defs[i] != NULL; i++)
		if (strcmp(dir, defs[i]) == 0)
			break;
	if (defs[i] == NULL || (name = word(&s)) == NULL || !is_name(name))
		return;
	if ((ru = rules_find(ps->r, name)) != NULL && ru->type != -1 &&
	    ru->skip == NULL)
		return;		/* already live from elsewhere */
	for (d = ps->depth - 1; d >= 0 && why == NULL; d--)
		why = ps->cond_why[d];
	if ((ru = rule_define(ps, name, RULES_T_META)) == NULL)
		return;
	if (why != NULL)
		rule_skip(ru, "needs plugin %s", why);
	else
		rule_skip(ru, "disabled by a conditional");
}

static int	do_rule(struct pstate *ps, const char *dir, const char *name,
    char *s);

static int
do_directive(struct pstate *ps, char *line)
{
	char *s = line, *dir, *name;
	int handled;

	if ((dir = word(&s)) == NULL)
		return 0;
	if (do_cond(ps, dir, s, &handled) == -1)
		return -1;
	if (handled)
		return 0;
	if (!is_live(ps)) {
		skip_dead(ps, dir, s);
		return 0;
	}
	if (rules_eval_directive(ps->r, dir, s))	/* rules_eval */
		return 0;
	if (strcmp(dir, "replace_tag") == 0)
		return parse_tag(ps, 0, s);
	if (strcmp(dir, "replace_pre") == 0)
		return parse_tag(ps, 1, s);
	if (strcmp(dir, "replace_inter") == 0)
		return parse_tag(ps, 2, s);
	if (strcmp(dir, "replace_post") == 0)
		return parse_tag(ps, 3, s);
	if (strcmp(dir, "replace_rules") == 0)
		return parse_replace_rules(ps, s);
	if (strcmp(dir, "replace_start") == 0 ||
	    strcmp(dir, "replace_end") == 0) {
		char **t = dir[8] == 's' ? &ps->tag_start : &ps->tag_end;

		if ((name = word(&s)) == NULL)
			return perr(ps, "%s without a value", dir);
		free(*t);
		*t = xstrdup(name);
		return 0;
	}
	if ((name = word(&s)) == NULL) {
		ps->r->nignored++;
		return 0;
	}
	return do_rule(ps, dir, name, s);
}

static int
do_rule(struct pstate *ps, const char *dir, const char *name, char *s)
{
	static const char *const plugin_defs[] = { "mimeheader", "askdns",
	    "urirhssub", "urirhsbl", "uridnsbl", "uridnssub", NULL };
	struct rule *ru;
	size_t i;

	if (strcmp(dir, "header") == 0)
		return parse_header(ps, name, s);
	if (strcmp(dir, "body") == 0)
		return parse_pattern(ps, name, RULES_T_BODY, s);
	if (strcmp(dir, "rawbody") == 0)
		return parse_pattern(ps, name, RULES_T_RAWBODY, s);
	if (strcmp(dir, "uri") == 0)
		return parse_pattern(ps, name, RULES_T_URI, s);
	if (strcmp(dir, "full") == 0)
		return parse_pattern(ps, name, RULES_T_FULL, s);
	if (strcmp(dir, "meta") == 0)
		return parse_meta(ps, name, s);
	if (strcmp(dir, "score") == 0)
		return parse_score(ps, name, s);
	if (strcmp(dir, "tflags") == 0)
		return parse_tflags(ps, name, s);
	if (strcmp(dir, "describe") == 0 || strcmp(dir, "route") == 0) {
		if ((ru = rule_get(ps, name)) == NULL || !is_name(name))
			return perr(ps, "bad rule name \"%s\"", name);
		if (dir[0] == 'd') {
			free(ru->desc);
			ru->desc = xstrdup(s);
		} else {
			if (*s == '\0' || strpbrk(s, " \t\"\\") != NULL)
				return perr(ps, "%s: route wants one folder "
				    "name", name);
			free(ru->route);
			ru->route = xstrdup(s);
		}
		return 0;
	}
	for (i = 0; plugin_defs[i] != NULL; i++) {
		if (strcmp(dir, plugin_defs[i]) != 0)
			continue;
		if ((ru = rule_define(ps, name, RULES_T_META)) == NULL)
			return -1;
		rule_skip(ru, "%s (Perl plugin)", dir);
		return 0;
	}
	ps->r->nignored++;
	return 0;
}

/* SpamAssassin's comment rule: "#" not preceded by "\", then "\#" -> "#". */
static void
strip_comment(char *s)
{
	char *p, *q;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] != '\\')) {
			*p = '\0';
			break;
		}
	for (p = q = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] == '#')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	while (q > s && isspace((unsigned char)q[-1]))
		*--q = '\0';
}

static int
parse_text(struct pstate *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *line;
	size_t n;
	int rc = 0;

	ps->line = 0;
	while (p < end && rc == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		ps->line++;
		/* Errors leave the loop: open conditionals are freed below. */
		if (n > RULES_LINE_MAX) {
			rc = perr(ps, "line longer than %d bytes",
			    RULES_LINE_MAX);
			break;
		}
		if (memchr(p, '\0', n) != NULL) {
			rc = perr(ps, "NUL byte in line");
			break;
		}
		line = xstrndup(p, n);
		strip_comment(line);
		if (line[0] != '\0')
			rc = do_directive(ps, line);
		free(line);
		p += n + 1;
	}
	if (rc == 0 && ps->depth != 0)
		rc = perr(ps, "%d conditional(s) without endif", ps->depth);
	while (ps->depth > 0) {
		ps->depth--;
		free(ps->cond_why[ps->depth]);
		ps->cond_why[ps->depth] = NULL;
	}
	return rc;
}

static int
read_file(struct pstate *ps, const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	ps->line = 0;
	if (f == NULL)
		return perr(ps, "cannot open: %s", strerror(errno));
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (b->len + n > RULES_FILE_MAX) {
			fclose(f);
			return perr(ps, "file larger than %d bytes",
			    RULES_FILE_MAX);
		}
		buf_add(b, tmp, n);
	}
	if (ferror(f)) {
		fclose(f);
		return perr(ps, "read error");
	}
	fclose(f);
	return 0;
}

static const struct tag *
tag_find(const struct pstate *ps, int kind, const char *name, size_t n)
{
	size_t i;

	for (i = ps->ntags; i-- > 0;)
		if (ps->tags[i].kind == kind &&
		    strlen(ps->tags[i].name) == n &&
		    memcmp(ps->tags[i].name, name, n) == 0)
			return &ps->tags[i];
	return NULL;
}

/*
 * ReplaceTags: in a listed rule's pattern, "<inter NAME>", "<pre NAME>"
 * and "<post NAME>" choose what goes between, before and after the tags
 * that follow; each "<TAG>" becomes pre + value + post, with inter
 * between two adjacent tags. Tag values may hold tags themselves: the
 * pattern is expanded again until nothing changes, at most
 * REPLACE_DEPTH_MAX times (SpamAssassin's ReplaceTags nests that deep).
 */
static char *
replace_tags(const struct pstate *ps, const char *re)
{
	const char *st = ps->tag_start != NULL ? ps->tag_start : "<";
	const char *en = ps->tag_end != NULL ? ps->tag_end : ">";
	size_t sl = strlen(st), el = strlen(en), n;
	const struct tag *pre = NULL, *inter = NULL, *post = NULL, *t;
	struct buf b = BUF_INIT;
	const char *p = re, *q;
	int last_tag = 0, kind;

	while (*p != '\0') {
		if (strncmp(p, st, sl) != 0 ||
		    (q = strstr(p + sl, en)) == NULL) {
			buf_addc(&b, *p++);
			last_tag = 0;
			continue;
		}
		n = (size_t)(q - p - sl);
		kind = 0;
		if (n > 6 && strncmp(p + sl, "inter ", 6) == 0)
			kind = 2;
		else if (n > 4 && strncmp(p + sl, "pre ", 4) == 0)
			kind = 1;
		else if (n > 5 && strncmp(p + sl, "post ", 5) == 0)
			kind = 3;
		if (kind != 0) {
			size_t skip = kind == 2 ? 6 : kind == 1 ? 4 : 5;

			t = tag_find(ps, kind, p + sl + skip, n - skip);
			if (kind == 1)
				pre = t;
			else if (kind == 2)
				inter = t;
			else
				post = t;
			p = q + el;
			continue;
		}
		if ((t = tag_find(ps, 0, p + sl, n)) == NULL) {
			buf_addc(&b, *p++);
			last_tag = 0;
			continue;
		}
		if (last_tag && inter != NULL)
			buf_adds(&b, inter->val);
		if (pre != NULL)
			buf_adds(&b, pre->val);
		buf_adds(&b, t->val);
		if (post != NULL)
			buf_adds(&b, post->val);
		last_tag = 1;
		p = q + el;
	}
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

static void
apply_replace(struct pstate *ps)
{
	struct rule *ru;
	char *a, *b2;
	size_t i;
	int depth;

	for (i = 0; i < ps->nrepl; i++) {
		if ((ru = rules_find(ps->r, ps->repl[i])) == NULL ||
		    ru->re == NULL)
			continue;
		a = ru->re;
		for (depth = 0; depth < REPLACE_DEPTH_MAX; depth++) {
			b2 = replace_tags(ps, a);
			if (strcmp(a, b2) == 0) {
				free(b2);
				break;
			}
			free(a);
			a = b2;
		}
		ru->re = a;
	}
}

/* Meta dependencies: names resolved, skips propagated, order fixed. */
static int
meta_visit(struct rules *r, size_t i, int *state, size_t *ord, size_t *n)
{
	struct rule *ru = &r->v[i], *d;
	size_t k;

	if (state[i] == 2)
		return ru->skip == NULL ? 0 : -1;
	if (state[i] == 1) {
		rule_skip(ru, "meta dependency loop");
		return -1;
	}
	state[i] = 1;
	for (k = 0; k < ru->nmeta && ru->skip == NULL; k++) {
		if (ru->meta[k].op != MO_RULE)
			continue;
		d = rules_find(r, ru->meta[k].name);
		if (d == NULL || d->type == -1) {
			rule_skip(ru, "meta on undefined rule");
			break;
		}
		ru->meta[k].rule = (size_t)(d - r->v);
		if (d->type == RULES_T_META)
			meta_visit(r, ru->meta[k].rule, state, ord, n);
		if (d->skip != NULL)
			rule_skip(ru, "meta on a skipped rule");
	}
	state[i] = 2;
	if (ru->skip == NULL)
		ord[(*n)++] = i;
	return ru->skip == NULL ? 0 : -1;
}

void
rules_resolve(struct rules *r)
{
	int *state = xcalloc(r->n + 1, sizeof(*state));
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].is_net && r->v[i].skip == NULL &&
		    r->v[i].type != -1)
			rule_skip(&r->v[i], "network test (tflags net)");
	free(r->metas);
	r->metas = xcalloc(r->n + 1, sizeof(*r->metas));
	r->nmetas = 0;
	for (i = 0; i < r->n; i++)
		if (r->v[i].type == RULES_T_META && r->v[i].skip == NULL)
			meta_visit(r, i, state, r->metas, &r->nmetas);
	free(state);
}

int
rules_parse(struct rules *r, const struct rules_src *src, size_t n,
    char **why_r)
{
	struct pstate ps;
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	for (i = 0; i < n && rc == 0; i++) {
		ps.file = src[i].path != NULL ? src[i].path :
		    src[i].name != NULL ? src[i].name : "(text)";
		r->nfiles++;
		if (src[i].path != NULL) {
			buf_reset(&b);
			if ((rc = read_file(&ps, src[i].path, &b)) == 0)
				rc = parse_text(&ps, b.p != NULL ? b.p : "",
				    b.len);
		} else
			rc = parse_text(&ps, src[i].text, src[i].len);
	}
	buf_free(&b);
	if (rc == 0) {
		apply_replace(&ps);
	} else
		*why_r = xstrdup(ps.err);
	for (i = 0; i < ps.ntags; i++) {
		free(ps.tags[i].name);
		free(ps.tags[i].val);
	}
	free(ps.tags);
	for (i = 0; i < ps.nrepl; i++)
		free(ps.repl[i]);
	free(ps.repl);
	free(ps.tag_start);
	free(ps.tag_end);
	return rc;
}

/*
 * Meta expressions: numbers, rule names, ! and unary -, * /, + -,
 * < > <= >=, == !=, && ||, parentheses (Perl precedence), compiled to
 * reverse Polish notation with the shunting-yard algorithm.
 */
static int
op_prec(enum meta_op op)
{
	switch (op) {
	case MO_NOT: case MO_NEG: return 7;
	case MO_MUL: case MO_DIV: return 6;
	case MO_ADD: case MO_SUB: return 5;
	case MO_LT: case MO_GT: case MO_LE: case MO_GE: return 4;
	case MO_EQ: case MO_NE: return 3;
	case MO_AND: return 2;
	case MO_OR: return 1;
	default: return 0;
	}
}

/* The operator at *s (advanced past it), or -1. */
static int
lex_op(const char **s, int unary)
{
	const char *p = *s;
	int op = -1, len = 1;

	if (p[0] == '&' && p[1] == '&')
		op = MO_AND, len = 2;
	else if (p[0] == '|' && p[1] == '|')
		op = MO_OR, len = 2;
	else if (p[0] == '<' && p[1] == '=')
		op = MO_LE, len = 2;
	else if (p[0] == '>' && p[1] == '=')
		op = MO_GE, len = 2;
	else if (p[0] == '=' && p[1] == '=')
		op = MO_EQ, len = 2;
	else if (p[0] == '!' && p[1] == '=')
		op = MO_NE, len = 2;
	else if (p[0] == '!')
		op = MO_NOT;
	else if (p[0] == '<')
		op = MO_LT;
	else if (p[0] == '>')
		op = MO_GT;
	else if (p[0] == '*')
		op = MO_MUL;
	else if (p[0] == '/')
		op = MO_DIV;
	else if (p[0] == '+')
		op = unary ? -2 : MO_ADD;
	else if (p[0] == '-')
		op = unary ? MO_NEG : MO_SUB;
	if (op != -1)
		*s = p + len;
	return op;
}

struct mstack {
	int	 op[RULES_META_TOKENS_MAX];	/* -1 marks "(" */
	size_t	 n;
};

static void
emit(struct meta_tok **v, size_t *n, enum meta_op op)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[(*n)++].op = op;
}

static int
meta_operand(const char **sp, struct meta_tok **v, size_t *n)
{
	const char *s = *sp, *e;
	char *end;
	double d;

	if (isdigit((unsigned char)*s) || *s == '.') {
		d = strtod(s, &end);
		if (end == s)
			return -1;
		emit(v, n, MO_NUM);
		(*v)[*n - 1].num = d;
		*sp = end;
		return 0;
	}
	if (!isalpha((unsigned char)*s) && *s != '_')
		return -1;
	for (e = s; isalnum((unsigned char)*e) || *e == '_'; e++)
		;
	emit(v, n, MO_RULE);
	(*v)[*n - 1].name = xstrndup(s, (size_t)(e - s));
	*sp = e;
	return 0;
}

int
rules_meta_parse(const char *s, struct meta_tok **v_r, size_t *n_r,
    const char **why_r)
{
	struct mstack *st = xcalloc(1, sizeof(*st));
	struct meta_tok *v = NULL;
	size_t n = 0, ntok = 0;
	int want_operand = 1, op;

	while (*s != '\0') {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (++ntok > RULES_META_TOKENS_MAX) {
			*why_r = "expression too long";
			goto fail;
		}
		if (*s == '(') {
			if (!want_operand || st->n >= RULES_META_TOKENS_MAX)
				goto syntax;
			st->op[st->n++] = -1;
			s++;
			continue;
		}
		if (*s == ')') {
			if (want_operand)
				goto syntax;
			while (st->n > 0 && st->op[st->n - 1] != -1)
				emit(&v, &n, (enum meta_op)st->op[--st->n]);
			if (st->n == 0)
				goto syntax;
			st->n--;
			s++;
			continue;
		}
		if (want_operand) {
			op = lex_op(&s, 1);
			if (op == -2)
				continue;	/* unary plus */
			if (op == MO_NOT || op == MO_NEG) {
				if (st->n >= RULES_META_TOKENS_MAX)
					goto syntax;
				st->op[st->n++] = op;
				continue;
			}
			if (op != -1 || meta_operand(&s, &v, &n) == -1)
				goto syntax;
			want_operand = 0;
			continue;
		}
		if ((op = lex_op(&s, 0)) == -1 || op == MO_NOT)
			goto syntax;
		while (st->n > 0 && st->op[st->n - 1] != -1 &&
		    op_prec((enum meta_op)st->op[st->n - 1]) >=
		    op_prec((enum meta_op)op))
			emit(&v, &n, (enum meta_op)st->op[--st->n]);
		st->op[st->n++] = op;
		want_operand = 1;
	}
	if (want_operand)
		goto syntax;
	while (st->n > 0) {
		if (st->op[st->n - 1] == -1)
			goto syntax;
		emit(&v, &n, (enum meta_op)st->op[--st->n]);
	}
	free(st);
	*v_r = v;
	*n_r = n;
	return 0;
syntax:
	*why_r = "syntax error in expression";
fail:
	free(st);
	rules_meta_free(v, n);
	return -1;
}

/* Evaluate; val[rule index] gives rule values (NULL: all rules are 0). */
double
rules_meta_eval(const struct meta_tok *v, size_t n, const double *val)
{
	double st[RULES_META_TOKENS_MAX], a, b;
	size_t sp = 0, i;

	for (i = 0; i < n; i++) {
		switch (v[i].op) {
		case MO_NUM:
			st[sp++] = v[i].num;
			continue;
		case MO_RULE:
			st[sp++] = val != NULL ? val[v[i].rule] : 0;
			continue;
		case MO_NOT:
			st[sp - 1] = st[sp - 1] == 0;
			continue;
		case MO_NEG:
			st[sp - 1] = -st[sp - 1];
			continue;
		default:
			break;
		}
		b = st[--sp];
		a = st[sp - 1];
		switch (v[i].op) {
		case MO_MUL: a = a * b; break;
		case MO_DIV: a = b == 0 ? 0 : a / b; break;
		case MO_ADD: a = a + b; break;
		case MO_SUB: a = a - b; break;
		case MO_LT: a = a < b; break;
		case MO_GT: a = a > b; break;
		case MO_LE: a = a <= b; break;
		case MO_GE: a = a >= b; break;
		case MO_EQ: a = a == b; break;
		case MO_NE: a = a != b; break;
		case MO_AND: a = a != 0 && b != 0; break;
		case MO_OR: a = a != 0 || b != 0; break;
		default: break;
		}
		st[sp - 1] = a;
	}
	return sp == 1 ? st[0] : 0;
}

void
rules_meta_free(struct meta_tok *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
