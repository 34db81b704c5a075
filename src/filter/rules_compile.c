/*
 * Compiling a parsed rule set: rules are grouped into scopes (body,
 * rawbody, uri, full, and one scope per header expression), and each
 * scope's patterns become one Hyperscan block-mode database. Patterns
 * that Hyperscan rejects are tried again in its prefilter mode (an
 * approximation that may report false hits, confirmed with PCRE2), and
 * else run in PCRE2 alone; a pattern neither accepts is skipped with
 * the compiler's message. Perl's regex flags map to both libraries:
 * i caseless, s dotall, m multiline, x extended. Body and rawbody text
 * is scanned as lines, so their scopes are multiline as in
 * SpamAssassin, where each line or paragraph is a separate string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/rules_int.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define HS_GROUP_REPEAT_LEN_MAX	1000	/* see pick_engine */

static unsigned
hs_flags(const struct rules *r, const struct rule *ru)
{
	unsigned f = HS_FLAG_ALLOWEMPTY;

	(void)r;
	if ((ru->rf & RF_I) != 0)
		f |= HS_FLAG_CASELESS;
	if ((ru->rf & RF_S) != 0)
		f |= HS_FLAG_DOTALL;
	if ((ru->rf & RF_M) != 0 || ru->type == RULES_T_BODY ||
	    ru->type == RULES_T_RAWBODY)
		f |= HS_FLAG_MULTILINE;
	if (!ru->multiple)
		f |= HS_FLAG_SINGLEMATCH;
	return f;
}

/* The pattern as given to Hyperscan: /x becomes an inline (?x). */
static char *
hs_expr(const struct rule *ru)
{
	struct buf b = BUF_INIT;

	if ((ru->rf & RF_X) != 0)
		buf_adds(&b, "(?x)");
	buf_adds(&b, ru->re);
	buf_addc(&b, '\0');
	return buf_steal(&b);
}

static int
pcre_compile_rule(struct rule *ru)
{
	uint32_t o = 0;
	PCRE2_SIZE off;
	int err;
	char msg[160];

	if ((ru->rf & RF_I) != 0)
		o |= PCRE2_CASELESS;
	if ((ru->rf & RF_S) != 0)
		o |= PCRE2_DOTALL;
	if ((ru->rf & RF_M) != 0 || ru->type == RULES_T_BODY ||
	    ru->type == RULES_T_RAWBODY)
		o |= PCRE2_MULTILINE;
	if ((ru->rf & RF_X) != 0)
		o |= PCRE2_EXTENDED;
	ru->pc = pcre2_compile((PCRE2_SPTR)ru->re, PCRE2_ZERO_TERMINATED, o,
	    &err, &off, NULL);
	if (ru->pc == NULL) {
		pcre2_get_error_message(err, (PCRE2_UCHAR *)msg,
		    sizeof(msg));
		free(ru->skip);
		ru->skip = xstrdup("regex rejected by Hyperscan and PCRE2");
		return -1;
	}
	(void)pcre2_jit_compile(ru->pc, PCRE2_JIT_COMPLETE);
	return 0;
}

/* Choose the engine of one pattern rule. */
static void
pick_engine(struct rules *r, struct rule *ru)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *ce = NULL;
	char *e = hs_expr(ru);

	ru->eng = ENG_HS;
	if (strstr(ru->re, "%{") != NULL) {
		free(ru->skip);
		ru->skip = xstrdup("captured tag template %{...}");
		ru->eng = ENG_NONE;
	} else if (strlen(ru->re) > HS_GROUP_REPEAT_LEN_MAX &&
	    strstr(ru->re, "){") != NULL) {
		/*
		 * XXX A long pattern with a counted group repeat (the
		 * ReplaceTags form rules of the stock set) takes Hyperscan
		 * a minute to compile; PCRE2 runs it instead, so these few
		 * patterns cost a PCRE2 pass over their scope's text.
		 */
		ru->eng = ENG_PCRE;
		if (pcre_compile_rule(ru) == -1)
			ru->eng = ENG_NONE;
	} else if (hs_expression_info(e, hs_flags(r, ru), &info, &ce) !=
	    HS_SUCCESS) {
		hs_free_compile_error(ce);
		ce = NULL;
		ru->eng = ENG_PREFILTER;
		if (hs_expression_info(e, hs_flags(r, ru) |
		    HS_FLAG_PREFILTER, &info, &ce) != HS_SUCCESS) {
			hs_free_compile_error(ce);
			ru->eng = ENG_PCRE;
		}
		if (pcre_compile_rule(ru) == -1)
			ru->eng = ENG_NONE;
	}
	free(info);
	free(e);
	if (ru->eng != ENG_NONE && ru->unset != NULL && ru->pc == NULL &&
	    pcre_compile_rule(ru) == -1)
		ru->eng = ENG_NONE;
}

static size_t
scope_for(struct rules *r, const struct rule *ru)
{
	size_t i;

	for (i = 0; i < r->nsc; i++) {
		if (r->sc[i].type != ru->type)
			continue;
		if (ru->type != RULES_T_HEADER)
			return i;
		if (r->sc[i].hmod == ru->hmod &&
		    str_casecmp(r->sc[i].hdr, ru->hdr) == 0)
			return i;
	}
	r->sc = xreallocarray(r->sc, r->nsc + 1, sizeof(*r->sc));
	memset(&r->sc[r->nsc], 0, sizeof(r->sc[0]));
	r->sc[r->nsc].type = ru->type;
	r->sc[r->nsc].hdr = ru->hdr != NULL ? xstrdup(ru->hdr) : NULL;
	r->sc[r->nsc].hmod = ru->hmod;
	return r->nsc++;
}

static void
push(size_t **v, size_t *n, size_t x)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

/*
 * Compile one scope's Hyperscan patterns. A pattern that passed
 * hs_expression_info can still fail the full compile (too large): it is
 * moved to PCRE2 and the database compiled again.
 */
static int
compile_scope(struct rules *r, struct scope *sc, char **why_r)
{
	hs_compile_error_t *ce = NULL;
	const char **ex;
	unsigned *fl, *id;
	size_t i, k;
	int rc;

	for (;;) {
		if (sc->nids == 0)
			return 0;
		ex = xcalloc(sc->nids, sizeof(*ex));
		fl = xcalloc(sc->nids, sizeof(*fl));
		id = xcalloc(sc->nids, sizeof(*id));
		for (i = 0; i < sc->nids; i++) {
			struct rule *ru = &r->v[sc->ids[i]];

			ex[i] = hs_expr(ru);
			fl[i] = hs_flags(r, ru);
			if (ru->eng == ENG_PREFILTER)
				fl[i] |= HS_FLAG_PREFILTER;
			id[i] = (unsigned)i;
		}
		rc = hs_compile_multi(ex, fl, id, (unsigned)sc->nids,
		    HS_MODE_BLOCK, NULL, &sc->db, &ce);
		for (i = 0; i < sc->nids; i++)
			free((char *)ex[i]);
		free(ex);
		free(fl);
		free(id);
		if (rc == HS_SUCCESS)
			return 0;
		if (ce == NULL || ce->expression < 0 ||
		    (size_t)ce->expression >= sc->nids) {
			char b[256];

			snprintf(b, sizeof(b), "hyperscan: %s",
			    ce != NULL ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			*why_r = xstrdup(b);
			return -1;
		}
		k = sc->ids[ce->expression];
		hs_free_compile_error(ce);
		ce = NULL;
		r->v[k].eng = ENG_PCRE;
		if (r->v[k].pc == NULL && pcre_compile_rule(&r->v[k]) == -1)
			r->v[k].eng = ENG_NONE;
		else
			push(&sc->pcre, &sc->npcre, k);
		for (i = 0; i < sc->nids; i++)
			if (sc->ids[i] == k)
				break;
		memmove(&sc->ids[i], &sc->ids[i + 1],
		    (sc->nids - i - 1) * sizeof(*sc->ids));
		sc->nids--;
	}
}

int
rules_compile(struct rules *r, char **why_r)
{
	struct rule *ru;
	size_t i;

	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (ru->type == -1 || ru->skip != NULL)
			continue;
		if (ru->type == RULES_T_EXISTS) {
			push(&r->exists, &r->nexists, i);
			continue;
		}
		if (ru->type == RULES_T_META)
			continue;
		pick_engine(r, ru);
		if (ru->eng == ENG_NONE)
			continue;
		ru->scope = scope_for(r, ru);
		if (ru->eng == ENG_PCRE)
			push(&r->sc[ru->scope].pcre, &r->sc[ru->scope].npcre,
			    i);
		else
			push(&r->sc[ru->scope].ids, &r->sc[ru->scope].nids, i);
	}
	for (i = 0; i < r->nsc; i++) {
		if (compile_scope(r, &r->sc[i], why_r) == -1)
			return -1;
		if (r->sc[i].db != NULL && hs_alloc_scratch(r->sc[i].db,
		    &r->proto) != HS_SUCCESS) {
			*why_r = xstrdup("hyperscan: cannot allocate scratch");
			return -1;
		}
	}
	return 0;
}

hs_scratch_t *
rules_scratch_get(struct rules *r)
{
	hs_scratch_t *s = NULL;

	if (r->proto == NULL)
		return NULL;
	pthread_mutex_lock(&r->mu);
	if (r->npool > 0)
		s = r->pool[--r->npool];
	pthread_mutex_unlock(&r->mu);
	if (s == NULL && hs_clone_scratch(r->proto, &s) != HS_SUCCESS)
		return NULL;
	return s;
}

void
rules_scratch_put(struct rules *r, hs_scratch_t *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	if (r->npool == r->cappool) {
		r->cappool = r->cappool == 0 ? 8 : r->cappool * 2;
		r->pool = xreallocarray(r->pool, r->cappool,
		    sizeof(*r->pool));
	}
	r->pool[r->npool++] = s;
	pthread_mutex_unlock(&r->mu);
}
