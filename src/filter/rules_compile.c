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

/* Move the pattern at position pos of the scope to PCRE2. */
static void
drop_to_pcre(struct rules *r, struct scope *sc, size_t pos)
{
	size_t k = sc->ids[pos];

	r->v[k].eng = ENG_PCRE;
	if (r->v[k].pc == NULL && pcre_compile_rule(&r->v[k]) == -1)
		r->v[k].eng = ENG_NONE;
	else
		push(&sc->pcre, &sc->npcre, k);
	memmove(&sc->ids[pos], &sc->ids[pos + 1],
	    (sc->nids - pos - 1) * sizeof(*sc->ids));
	sc->nids--;
}

static void
scope_inputs(const struct rules *r, const struct scope *sc,
    const char ***ex_r, unsigned **fl_r, unsigned **id_r)
{
	const char **ex = xcalloc(sc->nids + 1, sizeof(*ex));
	unsigned *fl = xcalloc(sc->nids + 1, sizeof(*fl));
	unsigned *id = xcalloc(sc->nids + 1, sizeof(*id));
	size_t i;

	for (i = 0; i < sc->nids; i++) {
		const struct rule *ru = &r->v[sc->ids[i]];

		ex[i] = hs_expr(ru);
		fl[i] = hs_flags(r, ru);
		if (ru->eng == ENG_PREFILTER)
			fl[i] |= HS_FLAG_PREFILTER;
		id[i] = (unsigned)i;
	}
	*ex_r = ex;
	*fl_r = fl;
	*id_r = id;
}

static void
scope_inputs_free(size_t n, const char **ex, unsigned *fl, unsigned *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)ex[i]);
	free(ex);
	free(fl);
	free(id);
}

/* The scope's database from the cache; -1 when not cached. */
static int
scope_from_cache(struct rules *r, struct scope *sc, const char *key)
{
	uint32_t *drops = NULL;
	size_t nd = 0, i;

	if (rules_cache_get(r->cache_dir, key, &sc->db, &drops, &nd) == -1)
		return -1;
	for (i = 0; i < nd; i++)
		if (drops[i] >= sc->nids) {
			/* Not ours after all (cannot happen for a match). */
			hs_free_database(sc->db);
			sc->db = NULL;
			free(drops);
			return -1;
		}
	for (i = 0; i < nd; i++)
		drop_to_pcre(r, sc, drops[i]);
	free(drops);
	r->ncached++;
	return 0;
}

/*
 * Compile one scope's Hyperscan patterns. A pattern that passed
 * hs_expression_info can still fail the full compile (too large): it is
 * moved to PCRE2 and the database compiled again. The positions moved
 * are remembered with the database in the cache.
 */
static int
compile_scope(struct rules *r, struct scope *sc, char **why_r)
{
	hs_compile_error_t *ce = NULL;
	const char **ex;
	unsigned *fl, *id;
	uint32_t *drops = NULL;
	size_t ndrops = 0, n;
	char key[65];
	int rc;

	if (sc->nids == 0)
		return 0;
	if (r->cache_dir != NULL) {
		scope_inputs(r, sc, &ex, &fl, &id);
		rules_cache_key(ex, fl, sc->nids, key);
		scope_inputs_free(sc->nids, ex, fl, id);
		if (scope_from_cache(r, sc, key) == 0)
			return 0;
	}
	for (;;) {
		if (sc->nids == 0)
			break;
		n = sc->nids;
		scope_inputs(r, sc, &ex, &fl, &id);
		rc = hs_compile_multi(ex, fl, id, (unsigned)n,
		    HS_MODE_BLOCK, NULL, &sc->db, &ce);
		scope_inputs_free(n, ex, fl, id);
		if (rc == HS_SUCCESS)
			break;
		if (ce == NULL || ce->expression < 0 ||
		    (size_t)ce->expression >= sc->nids) {
			char b[256];

			snprintf(b, sizeof(b), "hyperscan: %s",
			    ce != NULL ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			*why_r = xstrdup(b);
			free(drops);
			return -1;
		}
		drops = xreallocarray(drops, ndrops + 1, sizeof(*drops));
		drops[ndrops++] = (uint32_t)ce->expression;
		drop_to_pcre(r, sc, (size_t)ce->expression);
		hs_free_compile_error(ce);
		ce = NULL;
	}
	if (r->cache_dir != NULL && sc->db != NULL)
		rules_cache_put(r->cache_dir, key, sc->db, drops, ndrops);
	free(drops);
	return 0;
}

static int
is_pattern(const struct rule *ru)
{
	return ru->type != -1 && ru->skip == NULL && ru->ev == NULL &&
	    ru->type != RULES_T_EXISTS && ru->type != RULES_T_META;
}

#define ENG_TAG		4	/* cached: skipped, captured tag template */

/*
 * The engine of every pattern, from the cache when the set's patterns
 * are unchanged: hs_expression_info on a few thousand patterns is most
 * of a cached start. PCRE2 code is compiled again either way.
 */
static void
pick_engines(struct rules *r)
{
	const char **ex = xcalloc(r->n + 1, sizeof(*ex));
	unsigned *fl = xcalloc(r->n + 1, sizeof(*fl));
	unsigned char *eng = NULL;
	struct rule *ru;
	size_t i, n = 0;
	char key[65];

	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (!is_pattern(ru))
			continue;
		ex[n] = ru->re;
		fl[n++] = (unsigned)ru->type << 16 | ru->rf << 8 |
		    (unsigned)(ru->multiple != 0) << 1 | (ru->unset != NULL);
	}
	if (r->cache_dir != NULL) {
		rules_cache_key(ex, fl, n, key);
		eng = rules_cache_blob_get(r->cache_dir, key, n);
	}
	for (i = n = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (!is_pattern(ru))
			continue;
		if (eng == NULL) {
			pick_engine(r, ru);
			fl[n++] = ru->eng != ENG_NONE ? (unsigned)ru->eng :
			    ru->skip != NULL && strncmp(ru->skip, "captured",
			    8) == 0 ? ENG_TAG : ENG_NONE;
			continue;
		}
		ru->eng = eng[n] <= ENG_PCRE ? eng[n] : ENG_NONE;
		if (eng[n++] == ENG_TAG)
			ru->skip = xstrdup("captured tag template %{...}");
		else if ((ru->eng == ENG_PREFILTER || ru->eng == ENG_PCRE ||
		    ru->unset != NULL || ru->eng == ENG_NONE) &&
		    pcre_compile_rule(ru) == -1)
			ru->eng = ENG_NONE;
	}
	if (r->cache_dir != NULL && eng == NULL) {
		eng = xmalloc(n + 1);
		for (i = 0; i < n; i++)
			eng[i] = (unsigned char)fl[i];
		rules_cache_blob_put(r->cache_dir, key, eng, n);
	}
	free(eng);
	free(ex);
	free(fl);
}

/*
 * Rules that cannot change a verdict are not compiled or run: score 0
 * (SpamAssassin's way to disable a rule; "__" sub-rules score 0 too),
 * no route, and no live meta refers to them. Repeated until stable, as
 * disabling a meta can leave its sub-rules unused. This keeps the
 * stock set's zero-scored FUZZY_* and test rules off the scan path.
 */
static void
disable_unused(struct rules *r)
{
	unsigned char *used = xcalloc(r->n + 1, 1);
	const struct rule *f;
	struct rule *ru;
	size_t i, j;
	int changed = 1;

	/*
	 * SpamAssassin's default score is 1, and -1 for a "tflags nice"
	 * rule: a nice meta without a score line (MAILING_LIST_MULTI,
	 * NICE_REPLY_A) lowers the score, it does not raise it.
	 */
	for (i = 0; i < r->n; i++)
		if (r->v[i].is_nice && !r->v[i].has_score &&
		    r->v[i].score > 0)
			r->v[i].score = -r->v[i].score;
	while (changed) {
		changed = 0;
		memset(used, 0, r->n + 1);
		for (i = 0; i < r->n; i++) {
			ru = &r->v[i];
			if (ru->type != RULES_T_META || ru->skip != NULL)
				continue;
			for (j = 0; j < ru->nmeta; j++)
				if (ru->meta[j].op == MO_RULE &&
				    (f = rules_find(r, ru->meta[j].name)) !=
				    NULL)
					used[f - r->v] = 1;
		}
		for (i = 0; i < r->n; i++) {
			ru = &r->v[i];
			if (ru->type == -1 || ru->skip != NULL || used[i] ||
			    ru->score != 0 || ru->route != NULL)
				continue;
			ru->skip = xstrdup("score 0 and used by no meta "
			    "(disabled)");
			changed = 1;
		}
	}
	free(used);
}

int
rules_compile(struct rules *r, char **why_r)
{
	struct rule *ru;
	size_t i;

	disable_unused(r);
	pick_engines(r);
	for (i = 0; i < r->n; i++) {
		ru = &r->v[i];
		if (ru->type == -1 || (ru->skip != NULL &&
		    ru->eng == ENG_NONE))
			continue;
		if (ru->type == RULES_T_EXISTS) {
			push(&r->exists, &r->nexists, i);
			continue;
		}
		if (ru->type == RULES_T_META)
			continue;
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
		if (compile_scope(r, &r->sc[i], why_r) == -1 ||
		    rules_gate_build(r, &r->sc[i], why_r) == -1)
			return -1;
		if (r->sc[i].db != NULL && hs_alloc_scratch(r->sc[i].db,
		    &r->proto) != HS_SUCCESS) {
			*why_r = xstrdup("hyperscan: cannot allocate scratch");
			return -1;
		}
	}
	return 0;
}

unsigned
rules_hs_flags(const struct rules *r, const struct rule *ru)
{
	return hs_flags(r, ru);
}

char *
rules_hs_expr(const struct rule *ru)
{
	return hs_expr(ru);
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
