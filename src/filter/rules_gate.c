/*
 * A literal gate in front of the PCRE2-only patterns of a scope. Each
 * such pattern is read once at load time by a conservative pass over
 * its syntax, which finds a set of literals one of which every match
 * must contain (a literal run outside optional parts; for an
 * alternation, one literal per branch). The literals of all gated
 * patterns of a scope form one caseless Hyperscan literal database,
 * scanned once per text; PCRE2 then runs only the patterns whose
 * literals were seen. Whenever the pass meets syntax it does not fully
 * understand (extended mode, \Q...\E, conditionals, recursion,
 * backreferences by name, verbs) the pattern gets no gate and always
 * runs, so the gate can skip work but never change a result.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define GATE_LIT_MIN	3	/* shorter literals gate nothing useful */
#define GATE_LIT_MAX	32	/* a run is cut to this (still required) */
#define GATE_SET_MAX	128	/* literals in one pattern's set */
#define GATE_EXACT_MAX	32	/* strings in an exact set */
#define GATE_CLASS_MAX	6	/* characters of a class taken exactly */
#define GATE_DEPTH_MAX	64	/* group nesting */
#define GATE_PREFILTER_LEN 1000	/* see gate_expr (HS_GROUP_REPEAT_LEN_MAX) */

/* An OR-set of literals; n == 0: no requirement known. */
struct lset {
	char	**v;
	size_t	  n;
};

struct gparse {
	const char	*p;
	int		 bad;	/* unsupported syntax: no gate */
	int		 depth;
};

/* ASCII only: PCRE2 without UTF folds no other byte. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static void
lset_clear(struct lset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Shortest literal: the set's strength (longer is rarer). */
static size_t
lset_min(const struct lset *s)
{
	size_t i, m = (size_t)-1, l;

	for (i = 0; i < s->n; i++)
		if ((l = strlen(s->v[i])) < m)
			m = l;
	return m;
}

/* Keep the stronger of *best and *cand; cand is consumed. */
static void
lset_consider(struct lset *best, struct lset *cand)
{
	size_t mb, mc;

	if (cand->n == 0)
		return;
	mc = lset_min(cand);
	mb = best->n > 0 ? lset_min(best) : 0;
	if (mc < GATE_LIT_MIN || (best->n > 0 && (mb > mc ||
	    (mb == mc && best->n <= cand->n)))) {
		lset_clear(cand);
		return;
	}
	lset_clear(best);
	*best = *cand;
	cand->v = NULL;
	cand->n = 0;
}

/* Add a copy of p[0..len) to s unless it is there. */
static void
lset_add(struct lset *s, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], p, len) == 0)
			return;
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrndup(p, len);
}

/* What a string must contain when it is one of s: s, if long enough. */
static void
commit(struct lset *acc, struct lset *best)
{
	struct lset cand = { NULL, 0 };
	size_t i;

	if (acc->n > 0 && lset_min(acc) >= GATE_LIT_MIN)
		for (i = 0; i < acc->n; i++)
			lset_add(&cand, acc->v[i], strlen(acc->v[i]));
	lset_consider(best, &cand);
	lset_clear(acc);
	lset_add(acc, "", 0);
}

/*
 * acc becomes acc followed by x (every pair). When that grows too
 * large, acc is committed to best and restarted as x; returns -1 then
 * (acc no longer tells the whole text).
 */
static int
append(struct lset *acc, const struct lset *x, struct lset *best)
{
	struct lset out = { NULL, 0 };
	size_t i, j, la, lx;
	char tmp[2 * GATE_LIT_MAX + 1];

	if (acc->n * x->n > GATE_EXACT_MAX)
		goto restart;
	for (i = 0; i < acc->n; i++)
		for (j = 0; j < x->n; j++) {
			la = strlen(acc->v[i]);
			lx = strlen(x->v[j]);
			if (la + lx > GATE_LIT_MAX) {
				lset_clear(&out);
				goto restart;
			}
			memcpy(tmp, acc->v[i], la);
			memcpy(tmp + la, x->v[j], lx);
			lset_add(&out, tmp, la + lx);
		}
	lset_clear(acc);
	*acc = out;
	return 0;
restart:
	commit(acc, best);
	lset_clear(acc);
	for (i = 0; i < x->n; i++)
		lset_add(acc, x->v[i], strlen(x->v[i]));
	return -1;
}

/*
 * A quantifier at g->p, if any: sets *min_r and *max_r (-1: no upper
 * bound) and skips it with its lazy or possessive suffix. A '{' that
 * is not a well-formed count is refused (PCRE2 versions differ).
 */
static int
quantifier(struct gparse *g, long *min_r, long *max_r)
{
	const char *p = g->p;
	char *end;

	*min_r = *max_r = 1;
	if (*p == '?' || *p == '*' || *p == '+') {
		*min_r = *p == '+' ? 1 : 0;
		*max_r = *p == '?' ? 1 : -1;
		p++;
	} else if (*p == '{') {
		if (!isdigit((unsigned char)p[1])) {
			g->bad = 1;
			return 0;
		}
		*min_r = strtol(p + 1, &end, 10);
		*max_r = *min_r;
		if (*end == ',' && isdigit((unsigned char)end[1]))
			*max_r = strtol(end + 1, &end, 10);
		else if (*end == ',') {
			*max_r = -1;
			end++;
		}
		if (*end != '}') {
			g->bad = 1;
			return 0;
		}
		p = end + 1;
	} else
		return 0;
	if (*p == '?' || *p == '+')
		p++;
	g->p = p;
	return 1;
}

/*
 * A character class at g->p ('['): a few plain characters give an
 * exact set, anything else (ranges, negation, escapes of letters,
 * POSIX names) one unknown character (x->s empty).
 */
static void
char_class(struct gparse *g, struct lset *x, int *exact_r)
{
	const char *p = g->p + 1;
	char c;
	int plain = 1;

	*exact_r = 0;
	if (*p == '^') {
		plain = 0;
		p++;
	}
	if (*p == ']') {
		plain = 0;
		p++;
	}
	for (; *p != '\0' && *p != ']'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			if (isalnum((unsigned char)*p) ||
			    (unsigned char)*p >= 0x80)
				plain = 0;
			else if (plain) {
				c = (char)lower((unsigned char)*p);
				lset_add(x, &c, 1);
			}
		} else if (p[0] == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			if (e == NULL) {
				g->bad = 1;
				return;
			}
			p = e + 1;
			plain = 0;
		} else if (*p == '-' || *p == '[' ||
		    (unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			plain = 0;
		else if (plain) {
			c = (char)lower((unsigned char)*p);
			lset_add(x, &c, 1);
		}
	}
	if (*p != ']') {
		g->bad = 1;
		return;
	}
	g->p = p + 1;
	if (plain && x->n > 0 && x->n <= GATE_CLASS_MAX)
		*exact_r = 1;
	else
		lset_clear(x);
}

/*
 * An escape at g->p ('\'): returns the literal byte it stands for, 0
 * for a zero-width assertion, -1 for something that consumes unknown
 * text. Sets g->bad for escapes that change the parse.
 */
static int
escape(struct gparse *g)
{
	int c = (unsigned char)g->p[1];

	if (c == '\0') {
		g->bad = 1;
		return -1;
	}
	g->p += 2;
	if (!isalnum(c))
		return c < 0x80 ? c : -1;
	if (strchr("bBAzZG", c) != NULL)
		return 0;
	if (strchr("dDwWsShHvVRNX", c) != NULL || isdigit(c))
		return -1;
	if (c == 'x') {
		if (*g->p == '{') {
			const char *e = strchr(g->p, '}');

			if (e == NULL) {
				g->bad = 1;
				return -1;
			}
			g->p = e + 1;
			return -1;
		}
		if (isxdigit((unsigned char)*g->p))
			g->p++;
		if (isxdigit((unsigned char)*g->p))
			g->p++;
		return -1;
	}
	if (c == 'p' || c == 'P') {
		if (*g->p == '{') {
			const char *e = strchr(g->p, '}');

			if (e == NULL) {
				g->bad = 1;
				return -1;
			}
			g->p = e + 1;
		} else if (*g->p != '\0')
			g->p++;
		return -1;
	}
	if (strchr("tnrfae", c) != NULL)
		return -1;
	g->bad = 1;		/* \Q \E \K \g \k \c \o \u ...: give up */
	return -1;
}

/*
 * What a part of a pattern matches: exactly one of the strings of s
 * (exact), or else some text containing one of them (s.n == 0: nothing
 * known).
 */
struct info {
	struct lset	s;
	int		exact;
};

static void	alternation(struct gparse *g, struct info *out);

static void
info_set(struct info *x, int exact, const char *p, size_t len)
{
	x->exact = exact;
	if (p != NULL)
		lset_add(&x->s, p, len);
}

/*
 * A group at g->p ('('): what it matches in *x; a lookaround matches
 * the empty string. Returns 0 for a group that is no atom at all
 * (option setting, comment), 1 otherwise.
 */
static int
group(struct gparse *g, struct info *x)
{
	const char *p = g->p + 1;
	int look = 0;

	if (*p == '*') {
		g->bad = 1;
		return 1;
	}
	if (*p == '?') {
		p++;
		if (*p == '#') {
			p = strchr(p, ')');
			if (p == NULL) {
				g->bad = 1;
				return 1;
			}
			g->p = p + 1;
			return 0;
		}
		if (*p == '=' || *p == '!') {
			look = 1;
			p++;
		} else if (p[0] == '<' && (p[1] == '=' || p[1] == '!')) {
			look = 1;
			p += 2;
		} else if (*p == ':' || *p == '>' || *p == '|')
			p++;
		else if ((p[0] == 'P' && p[1] == '<') || (p[0] == '<' &&
		    isalpha((unsigned char)p[1])) || p[0] == '\'') {
			p = strpbrk(p + 1, ">'");
			if (p == NULL) {
				g->bad = 1;
				return 1;
			}
			p++;
		} else {
			/* (?flags) or (?flags:...); x changes the parse. */
			while (*p != '\0' && strchr("imnsxJU-^", *p) != NULL) {
				if (*p == 'x')
					g->bad = 1;
				p++;
			}
			if (g->bad || (*p != ')' && *p != ':')) {
				g->bad = 1;
				return 1;
			}
			if (*p == ')') {
				g->p = p + 1;
				return 0;
			}
			p++;
		}
	}
	g->p = p;
	if (++g->depth > GATE_DEPTH_MAX) {
		g->bad = 1;
		return 1;
	}
	alternation(g, x);
	g->depth--;
	if (*g->p != ')') {
		g->bad = 1;
		return 1;
	}
	g->p++;
	if (look) {
		/* Zero-width; a negative one requires nothing. */
		lset_clear(&x->s);
		info_set(x, 1, "", 0);
	}
	return 1;
}

/* One atom at g->p; returns 0 when there is none (see group). */
static int
atom(struct gparse *g, struct info *x)
{
	char ch;
	int c;

	memset(x, 0, sizeof(*x));
	switch (*g->p) {
	case '(':
		return group(g, x);
	case '[':
		char_class(g, &x->s, &x->exact);
		return 1;
	case '.':
		g->p++;
		return 1;
	case '^':
	case '$':
		g->p++;
		info_set(x, 1, "", 0);
		return 1;
	case '*':
	case '+':
	case '?':
	case '{':
		g->bad = 1;
		return 1;
	case '\\':
		c = escape(g);
		break;
	default:
		c = (unsigned char)*g->p++;
		if (c >= 0x80)
			c = -1;
		break;
	}
	if (c == 0)
		info_set(x, 1, "", 0);
	else if (c > 0) {
		ch = (char)lower(c);
		info_set(x, 1, &ch, 1);
	}
	return 1;
}

/*
 * One branch. acc holds the exact strings of the current run of exact
 * atoms; a run that ends (an unknown atom, a repeat) is committed as a
 * candidate, and the strongest candidate is the branch's requirement.
 */
static void
sequence(struct gparse *g, struct info *out)
{
	struct lset acc = { NULL, 0 }, best = { NULL, 0 };
	struct info x;
	long min, max;
	int exact = 1;

	lset_add(&acc, "", 0);
	while (!g->bad && *g->p != '\0' && *g->p != '|' && *g->p != ')') {
		if (atom(g, &x) == 0)
			continue;
		if (!g->bad)
			(void)quantifier(g, &min, &max);
		if (g->bad) {
			lset_clear(&x.s);
			break;
		}
		if (!x.exact || (min == 0 && max != 1)) {
			commit(&acc, &best);
			exact = 0;
			if (!x.exact && min > 0)
				lset_consider(&best, &x.s);
			lset_clear(&x.s);
			continue;
		}
		if (min == 0)
			lset_add(&x.s, "", 0);		/* X? */
		if (append(&acc, &x.s, &best) == -1)
			exact = 0;
		if (max != 1) {
			/* X+, X{n,m}: the text goes on with one more X. */
			commit(&acc, &best);
			(void)append(&acc, &x.s, &best);
			exact = 0;
		}
		lset_clear(&x.s);
	}
	if (exact && !g->bad) {
		out->exact = 1;
		out->s = acc;
		lset_clear(&best);
		return;
	}
	commit(&acc, &best);
	lset_clear(&acc);
	out->exact = 0;
	out->s = best;
}

/* Branches separated by '|'. */
static void
alternation(struct gparse *g, struct info *out)
{
	struct info br;
	struct lset all = { NULL, 0 }, need = { NULL, 0 };
	int exact = 1, none = 0;
	size_t i;

	for (;;) {
		sequence(g, &br);
		if (!br.exact)
			exact = 0;
		if (br.s.n == 0 || lset_min(&br.s) < GATE_LIT_MIN)
			none = 1;
		for (i = 0; i < br.s.n; i++) {
			if (br.exact)
				lset_add(&all, br.s.v[i], strlen(br.s.v[i]));
			if (!none)
				lset_add(&need, br.s.v[i],
				    strlen(br.s.v[i]));
		}
		lset_clear(&br.s);
		if (g->bad || *g->p != '|')
			break;
		g->p++;
	}
	memset(out, 0, sizeof(*out));
	if (!g->bad && exact && all.n <= GATE_EXACT_MAX) {
		out->exact = 1;
		out->s = all;
		lset_clear(&need);
		return;
	}
	lset_clear(&all);
	if (none || g->bad || need.n > GATE_SET_MAX)
		lset_clear(&need);
	out->s = need;
}

int
rules_gate_literals(const char *re, unsigned rf, char ***lit_r,
    size_t *n_r)
{
	struct gparse g = { re, 0, 0 };
	struct info x;

	*lit_r = NULL;
	*n_r = 0;
	if ((rf & RF_X) != 0)
		return -1;
	alternation(&g, &x);
	if (g.bad || *g.p != '\0' || x.s.n == 0 ||
	    lset_min(&x.s) < GATE_LIT_MIN) {
		lset_clear(&x.s);
		return -1;
	}
	*lit_r = x.s.v;
	*n_r = x.s.n;
	return 0;
}

/* A literal as a caseless Hyperscan expression: (?:l1|l2|...). */
static void
lit_expr(struct buf *b, char **v, size_t n)
{
	size_t i, j;

	buf_adds(b, "(?:");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, '|');
		for (j = 0; v[i][j] != '\0'; j++)
			if (isalnum((unsigned char)v[i][j]))
				buf_addc(b, v[i][j]);
			else
				buf_printf(b, "\\x%02x",
				    (unsigned char)v[i][j]);
	}
	buf_addc(b, ')');
	buf_addc(b, '\0');
}

/*
 * The gate expression of a PCRE2-only rule: its literals; else, for a
 * long pattern (PCRE2-only because Hyperscan is slow to compile it
 * exactly), the pattern in Hyperscan's prefilter mode, a superset of
 * its matches; NULL: no gate. Literals come first: the prefilter form
 * of the ReplaceTags form rules takes Hyperscan a minute and fires on
 * nearly every message.
 */
static char *
gate_expr(const struct rules *r, const struct rule *ru, int prefilter,
    unsigned *fl_r)
{
	struct buf b = BUF_INIT;
	char **v;
	size_t n, j;

	if (rules_gate_literals(ru->re, ru->rf, &v, &n) == -1) {
		if (!prefilter || strlen(ru->re) <= GATE_PREFILTER_LEN)
			return NULL;
		*fl_r = rules_hs_flags(r, ru) | HS_FLAG_PREFILTER |
		    HS_FLAG_SINGLEMATCH;
		return rules_hs_expr(ru);
	}
	lit_expr(&b, v, n);
	for (j = 0; j < n; j++)
		free(v[j]);
	free(v);
	*fl_r = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
	return buf_steal(&b);
}

static void
gate_inputs(const struct rules *r, struct scope *sc, const uint32_t *no,
    size_t nno, const char ***ex_r, unsigned **fl_r, unsigned **id_r,
    size_t *n_r)
{
	const char **ex = xcalloc(sc->npcre + 1, sizeof(*ex));
	unsigned *fl = xcalloc(sc->npcre + 1, sizeof(*fl));
	unsigned *id = xcalloc(sc->npcre + 1, sizeof(*id));
	size_t i, j, n = 0;
	char *e;
	int pf;

	for (i = 0; i < sc->npcre; i++) {
		for (pf = 1, j = 0; j < nno; j++)
			if (no[j] == i)
				pf = 0;
		e = gate_expr(r, &r->v[sc->pcre[i]], pf, &fl[n]);
		sc->gfix[i] = e == NULL;
		if (e == NULL)
			continue;
		ex[n] = e;
		id[n++] = (unsigned)i;
	}
	*ex_r = ex;
	*fl_r = fl;
	*id_r = id;
	*n_r = n;
}

static void
gate_inputs_free(const char **ex, unsigned *fl, unsigned *id, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)ex[i]);
	free(ex);
	free(fl);
	free(id);
}

/*
 * The scope's gate database, id = position in sc->pcre; gfix[pos] is 1
 * for a pattern without a gate. A prefilter expression Hyperscan
 * cannot compile falls back to the pattern's literals; those positions
 * are kept with the database in the cache (rules_cache.c), as the
 * prefilter compile of the long ReplaceTags patterns takes a minute.
 */
int
rules_gate_build(struct rules *r, struct scope *sc, char **why_r)
{
	hs_compile_error_t *ce = NULL;
	const char **ex;
	unsigned *fl, *id;
	uint32_t *no = NULL;
	size_t nno = 0, n, i;
	char key[65];
	int rc;

	sc->gfix = xcalloc(sc->npcre + 1, 1);
	if (sc->npcre == 0)
		return 0;
	gate_inputs(r, sc, NULL, 0, &ex, &fl, &id, &n);
	rules_cache_key(ex, fl, n, key);
	gate_inputs_free(ex, fl, id, n);
	if (r->cache_dir != NULL && rules_cache_get(r->cache_dir, key,
	    &sc->gdb, &no, &nno) == 0) {
		for (i = 0; i < nno; i++)
			if (no[i] >= sc->npcre) {
				hs_free_database(sc->gdb);
				sc->gdb = NULL;
				nno = 0;
				break;
			}
		if (sc->gdb != NULL) {
			gate_inputs(r, sc, no, nno, &ex, &fl, &id, &n);
			gate_inputs_free(ex, fl, id, n);
			goto scratch;
		}
	}
	for (;;) {
		gate_inputs(r, sc, no, nno, &ex, &fl, &id, &n);
		rc = n == 0 ? HS_SUCCESS : hs_compile_multi(ex, fl, id,
		    (unsigned)n, HS_MODE_BLOCK, NULL, &sc->gdb, &ce);
		if (rc != HS_SUCCESS && ce != NULL && ce->expression >= 0 &&
		    (size_t)ce->expression < n &&
		    (fl[ce->expression] & HS_FLAG_PREFILTER) != 0) {
			no = xreallocarray(no, nno + 1, sizeof(*no));
			no[nno++] = id[ce->expression];
			hs_free_compile_error(ce);
			ce = NULL;
			gate_inputs_free(ex, fl, id, n);
			continue;
		}
		gate_inputs_free(ex, fl, id, n);
		break;
	}
	if (rc != HS_SUCCESS) {
		/* Cannot happen for escaped literals; run without a gate. */
		hs_free_compile_error(ce);
		memset(sc->gfix, 1, sc->npcre);
		free(no);
		return 0;
	}
	if (r->cache_dir != NULL && sc->gdb != NULL)
		rules_cache_put(r->cache_dir, key, sc->gdb, no, nno);
scratch:
	free(no);
	if (sc->gdb != NULL && hs_alloc_scratch(sc->gdb, &r->proto) !=
	    HS_SUCCESS) {
		*why_r = xstrdup("hyperscan: cannot allocate gate scratch");
		return -1;
	}
	return 0;
}

struct gate_ctx {
	const struct scope	*sc;
	unsigned char		*pass;
};

static int
on_gate(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *arg)
{
	struct gate_ctx *g = arg;

	(void)from;
	(void)to;
	(void)flags;
	g->pass[id] = 1;
	return 0;
}

int
rules_gate_scan(const struct rules *r, const struct scope *sc,
    hs_scratch_t *s, const char *p, size_t len, unsigned char *pass)
{
	struct gate_ctx g = { sc, pass };

	memset(pass, 1, sc->npcre);
	if (sc->gdb == NULL || r->gate_off)
		return 0;
	memcpy(pass, sc->gfix, sc->npcre);
	return hs_scan(sc->gdb, p, (unsigned)len, 0, s, on_gate, &g) ==
	    HS_SUCCESS ? 0 : -1;
}
