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
#define GATE_SET_MAX	64	/* literals in one pattern's set */
#define GATE_DEPTH_MAX	64	/* group nesting */

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

/* A finished literal run becomes a one-literal candidate. */
static void
run_commit(struct buf *run, struct lset *best)
{
	struct lset one = { NULL, 0 };

	if (run->len >= GATE_LIT_MIN) {
		one.v = xcalloc(1, sizeof(*one.v));
		one.v[0] = xstrndup(run->p, run->len);
		one.n = 1;
		lset_consider(best, &one);
	}
	buf_reset(run);
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

/* Skip a character class at g->p ('['); it matches one character. */
static void
skip_class(struct gparse *g)
{
	const char *p = g->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (p[0] == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			if (e == NULL) {
				g->bad = 1;
				return;
			}
			p = e + 1;
		}
	}
	if (*p != ']') {
		g->bad = 1;
		return;
	}
	g->p = p + 1;
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

static void	alternation(struct gparse *g, struct lset *out);

/*
 * A group at g->p ('('): its requirement in *s, or none for a
 * lookaround. Returns 0 for a group that matches nothing at all
 * (option setting, comment), 1 otherwise.
 */
static int
group(struct gparse *g, struct lset *s)
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
			while (isalpha((unsigned char)*p) || *p == '-' ||
			    *p == '^') {
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
	alternation(g, s);
	g->depth--;
	if (*g->p != ')') {
		g->bad = 1;
		return 1;
	}
	g->p++;
	if (look)
		lset_clear(s);	/* zero-width; negative ones require nothing */
	return 1;
}

/* One branch: the strongest requirement among its parts. */
static void
sequence(struct gparse *g, struct lset *best)
{
	struct buf run = BUF_INIT;
	struct lset s = { NULL, 0 };
	long min, max;
	int c;

	while (!g->bad && *g->p != '\0' && *g->p != '|' && *g->p != ')') {
		if (*g->p == '(') {
			if (group(g, &s) == 0)
				continue;
			run_commit(&run, best);
			if (quantifier(g, &min, &max) && min == 0)
				lset_clear(&s);
			lset_consider(best, &s);
			lset_clear(&s);
			continue;
		}
		if (*g->p == '[' || *g->p == '.') {
			if (*g->p == '[')
				skip_class(g);
			else
				g->p++;
			c = -1;
		} else if (*g->p == '\\')
			c = escape(g);
		else if (*g->p == '^' || *g->p == '$') {
			g->p++;
			c = 0;
		} else if (strchr("*+?{", *g->p) != NULL) {
			g->bad = 1;
			break;
		} else {
			c = (unsigned char)*g->p++;
			if (c >= 0x80)
				c = -1;
		}
		if (g->bad)
			break;
		if (c <= 0) {
			/* Unknown text or an assertion ends the run. */
			run_commit(&run, best);
			(void)quantifier(g, &min, &max);
			continue;
		}
		if (!quantifier(g, &min, &max)) {
			if (run.len < GATE_LIT_MAX)
				buf_addc(&run, lower(c));
			continue;
		}
		if (min > 0 && run.len < GATE_LIT_MAX)
			buf_addc(&run, lower(c));
		run_commit(&run, best);
	}
	run_commit(&run, best);
	buf_free(&run);
}

/* Branches separated by '|': every branch must bring a literal. */
static void
alternation(struct gparse *g, struct lset *out)
{
	struct lset br = { NULL, 0 };
	int none = 0;
	size_t i;

	for (;;) {
		sequence(g, &br);
		if (br.n == 0 || none || out->n + br.n > GATE_SET_MAX)
			none = 1;
		else {
			out->v = xreallocarray(out->v, out->n + br.n,
			    sizeof(*out->v));
			for (i = 0; i < br.n; i++)
				out->v[out->n++] = br.v[i];
			free(br.v);
			br.v = NULL;
			br.n = 0;
		}
		lset_clear(&br);
		if (g->bad || *g->p != '|')
			break;
		g->p++;
	}
	if (none || g->bad)
		lset_clear(out);
}

int
rules_gate_literals(const char *re, unsigned rf, char ***lit_r,
    size_t *n_r)
{
	struct gparse g = { re, 0, 0 };
	struct lset s = { NULL, 0 };

	*lit_r = NULL;
	*n_r = 0;
	if ((rf & RF_X) != 0)
		return -1;
	alternation(&g, &s);
	if (g.bad || *g.p != '\0' || s.n == 0) {
		lset_clear(&s);
		return -1;
	}
	*lit_r = s.v;
	*n_r = s.n;
	return 0;
}

/*
 * The scope's gate database: one caseless literal per id, gid[id] the
 * position in sc->pcre of the pattern it gates. gfix[pos] is 1 for a
 * pattern without a gate.
 */
int
rules_gate_build(struct rules *r, struct scope *sc, char **why_r)
{
	hs_compile_error_t *ce = NULL;
	const char **lit = NULL;
	size_t *len = NULL, n = 0, i, j, nl;
	unsigned *fl = NULL, *id = NULL;
	char **v;
	int rc;

	sc->gfix = xcalloc(sc->npcre + 1, 1);
	for (i = 0; i < sc->npcre; i++) {
		const struct rule *ru = &r->v[sc->pcre[i]];

		if (rules_gate_literals(ru->re, ru->rf, &v, &nl) == -1) {
			sc->gfix[i] = 1;
			continue;
		}
		lit = xreallocarray(lit, n + nl, sizeof(*lit));
		len = xreallocarray(len, n + nl, sizeof(*len));
		fl = xreallocarray(fl, n + nl, sizeof(*fl));
		id = xreallocarray(id, n + nl, sizeof(*id));
		sc->gid = xreallocarray(sc->gid, n + nl, sizeof(*sc->gid));
		for (j = 0; j < nl; j++, n++) {
			lit[n] = v[j];
			len[n] = strlen(v[j]);
			fl[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			id[n] = (unsigned)n;
			sc->gid[n] = i;
		}
		free(v);
	}
	rc = 0;
	if (n > 0 && (hs_compile_lit_multi(lit, fl, id, len, (unsigned)n,
	    HS_MODE_BLOCK, NULL, &sc->gdb, &ce) != HS_SUCCESS ||
	    hs_alloc_scratch(sc->gdb, &r->proto) != HS_SUCCESS)) {
		*why_r = xstrdup("hyperscan: cannot compile the literal "
		    "gate");
		hs_free_compile_error(ce);
		rc = -1;
	}
	for (i = 0; i < n; i++)
		free((char *)lit[i]);
	free(lit);
	free(len);
	free(fl);
	free(id);
	return rc;
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
	g->pass[g->sc->gid[id]] = 1;
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
