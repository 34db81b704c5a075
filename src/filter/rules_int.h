/*
 * Inside the rule engine: the rule table built by rules_parse.c,
 * compiled by rules_compile.c and run by rules.c. Not for use outside
 * src/filter/rules*.c.
 */
#ifndef MXW_RULES_INT_H
#define MXW_RULES_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include "filter/rules.h"

/* Header modifiers. */
enum { HM_NONE = 0, HM_NAME, HM_ADDR, HM_RAW };

/* Regex flags as written after the closing delimiter. */
#define RF_I	0x01
#define RF_S	0x02
#define RF_M	0x04
#define RF_X	0x08

/* Pattern engines. */
enum { ENG_NONE = 0, ENG_HS, ENG_PREFILTER, ENG_PCRE };

/* Meta expression tokens in reverse Polish notation. */
enum meta_op {
	MO_NUM, MO_RULE, MO_NOT, MO_NEG, MO_MUL, MO_DIV, MO_ADD, MO_SUB,
	MO_LT, MO_GT, MO_LE, MO_GE, MO_EQ, MO_NE, MO_AND, MO_OR
};

struct meta_tok {
	enum meta_op	 op;
	double		 num;
	size_t		 rule;		/* MO_RULE: index, once resolved */
	char		*name;		/* MO_RULE: as written */
};

struct rule {
	char		*name;
	int		 type;		/* enum rules_type; -1 undefined */
	char		*hdr;		/* header name, ALL, ToCc... */
	int		 hmod;		/* HM_* */
	int		 negate;	/* !~ */
	char		*unset;		/* [if-unset: ...] or NULL */
	char		*re;		/* pattern (tags replaced) */
	unsigned	 rf;		/* RF_* */
	struct meta_tok	*meta;
	size_t		 nmeta;
	double		 score;
	int		 has_score;
	char		*desc;
	int		 multiple;
	int		 maxhits;
	int		 is_net;
	int		 is_nice;	/* tflags nice */
	char		*route;		/* folder, or NULL */
	char		*skip;		/* reason, or NULL: evaluated */
	char		*file;
	unsigned	 line;
	int		 eng;		/* ENG_* */
	pcre2_code	*pc;		/* ENG_PREFILTER, ENG_PCRE */
	size_t		 scope;		/* index in rules->scopes */
	int		 order;		/* meta evaluation order */
	struct rule_eval *ev;		/* eval: run natively (rules_eval.c) */
};

/* One Hyperscan database and the rules it reports. */
struct scope {
	int		 type;		/* RULES_T_* of its rules */
	char		*hdr;		/* header scopes: field expression */
	int		 hmod;
	hs_database_t	*db;
	size_t		*ids;		/* Hyperscan id -> rule index */
	size_t		 nids;
	size_t		*pcre;		/* PCRE2-only rules of the scope */
	size_t		 npcre;
	size_t		*neg;		/* header: !~ and if-unset rules */
	size_t		 nneg;
	/* Literal gate of the PCRE2-only rules (rules_gate.c). */
	hs_database_t	*gdb;
	unsigned char	*gfix;		/* pcre position -> 1: no gate */
};

struct rules {
	struct rule	*v;
	size_t		 n, cap;
	struct scope	*sc;
	size_t		 nsc;
	size_t		*metas;		/* meta rules in evaluation order */
	size_t		 nmetas;
	size_t		*exists;	/* exists: rules */
	size_t		 nexists;
	size_t		 nfiles, nignored;
	char		*route_header;
	char		*cache_dir;	/* NULL: no database cache */
	size_t		 ncached;	/* databases loaded from it */
	int		 gate_off;	/* rules_set_gate(r, 0) */
	struct rules_eval_conf *evconf;	/* rules_eval: freemail_* lists */
	/* Hyperscan scratch pool: one per concurrent caller. */
	pthread_mutex_t	 mu;
	hs_scratch_t	*proto;
	hs_scratch_t	**pool;
	size_t		 npool, cappool;
	/* Name lookup: open addressing over v. */
	size_t		*hash;
	size_t		 hashcap;
};

/* rules_parse.c */
int	rules_parse(struct rules *r, const struct rules_src *src, size_t n,
    char **why_r);
/* Skip network tests, resolve metas, skip metas on skipped rules. */
void	rules_resolve(struct rules *r);
struct rule *rules_find(const struct rules *r, const char *name);
int	rules_meta_parse(const char *expr, struct meta_tok **v_r,
    size_t *n_r, const char **why_r);
double	rules_meta_eval(const struct meta_tok *v, size_t n,
    const double *val);
void	rules_meta_free(struct meta_tok *v, size_t n);

/* rules_eval.c: SpamAssassin eval: functions done natively. */
struct task;
/* 0 and ru->ev set when call ("fn('a', 'b')") is native, else -1. */
int	rules_eval_parse(struct rule *ru, const char *call);
void	rules_eval_free(struct rule_eval *ev);
/* freemail_domains and the like: 1 when dir was one (kept in r). */
int	rules_eval_directive(struct rules *r, const char *dir,
    const char *args);
void	rules_eval_conf_free(struct rules *r);
/* Set val[i] for every live rule with ev, on t->msg. */
void	rules_eval_run(const struct rules *r, struct task *t, double *val);
/* SpamAssassin's lenient date reader: UTC seconds, or -1. */
int	rules_eval_date(const char *p, size_t len, long long *t_r);

/* rules_compile.c */
int	rules_compile(struct rules *r, char **why_r);
hs_scratch_t *rules_scratch_get(struct rules *r);
/* A rule's Hyperscan flags and expression (caller frees). */
unsigned rules_hs_flags(const struct rules *r, const struct rule *ru);
char	*rules_hs_expr(const struct rule *ru);

/* rules_gate.c */
/*
 * Literals (lower case, NUL-terminated, caller frees each and the
 * vector) one of which every match of re must contain; -1 when the
 * pattern's syntax is not understood well enough to tell.
 */
int	rules_gate_literals(const char *re, unsigned rf, char ***lit_r,
    size_t *n_r);
int	rules_gate_build(struct rules *r, struct scope *sc, char **why_r);
/* pass[i] = 1 unless sc->pcre[i] cannot match p (no gate: all 1). */
int	rules_gate_scan(const struct rules *r, const struct scope *sc,
    hs_scratch_t *s, const char *p, size_t len, unsigned char *pass);

/* rules_cache.c */
void	rules_cache_key(const char *const *ex, const unsigned *fl,
    size_t n, char key[65]);
int	rules_cache_get(const char *dir, const char *key,
    hs_database_t **db_r, uint32_t **drops_r, size_t *ndrops_r);
void	rules_cache_put(const char *dir, const char *key,
    const hs_database_t *db, const uint32_t *drops, size_t ndrops);
unsigned char *rules_cache_blob_get(const char *dir, const char *key,
    size_t n);
void	rules_cache_blob_put(const char *dir, const char *key,
    const unsigned char *p, size_t n);
void	rules_scratch_put(struct rules *r, hs_scratch_t *s);

#endif
