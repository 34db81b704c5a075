/*
 * Content rules in the SpamAssassin syntax subset of DESIGN.md section 4:
 * header (with :name, :addr, :raw, exists:, ALL, ToCc, MESSAGEID,
 * EnvelopeFrom, [if-unset: ...]), body, rawbody, uri, full, meta
 * (boolean and arithmetic), score, describe, tflags (multiple, maxhits,
 * net), the conditionals ifplugin/if/else/endif, and the ReplaceTags
 * directives (replace_tag, replace_pre/inter/post, replace_rules,
 * replace_start/end). Rules that need a Perl plugin (eval:, askdns,
 * mimeheader, urirhssub...), network tests, and metas that depend on them
 * are skipped and counted by reason, never evaluated half-way.
 *
 * Every pattern of a scope is compiled into one Hyperscan database, so a
 * message is scanned once per scope however many rules there are. Header
 * rules have one database per header expression (Subject, From:addr,
 * ALL...), since a header rule only sees its own field. A pattern that
 * Hyperscan cannot take (back-references, lookaround) is compiled in
 * Hyperscan's prefilter mode into the same database and confirmed with
 * PCRE2 only when the prefilter fires; if even that fails, it runs in
 * PCRE2 alone. A built rule set is immutable and shared by threads.
 */
#ifndef MXW_RULES_H
#define MXW_RULES_H

#include <stddef.h>
#include <stdio.h>

struct task;
struct rules;

#define RULES_FILE_MAX		(8 * 1024 * 1024)	/* bytes per file */
#define RULES_MAX		100000		/* rules per set */
#define RULES_LINE_MAX		65536		/* bytes per line */
#define RULES_META_TOKENS_MAX	4096		/* tokens per expression */
#define RULES_SCAN_MAX		(4 * 1024 * 1024) /* bytes per scope */

/* Counts for `mxwarden rules stats` and the load report. */
struct rules_stats {
	size_t	 files;
	size_t	 defined;		/* rule names seen */
	size_t	 loaded;		/* evaluated */
	size_t	 by_type[7];		/* loaded: RULES_T_* */
	size_t	 hs;			/* patterns in Hyperscan */
	size_t	 prefilter;		/* Hyperscan prefilter + PCRE2 */
	size_t	 pcre;			/* PCRE2 only */
	size_t	 skipped;
	size_t	 databases;
	size_t	 cached;		/* databases from the cache */
	size_t	 ignored_directives;	/* lines we do not act on */
	/* Skip reasons, most frequent first (caller frees with stats). */
	struct rules_reason {
		char	*why;
		size_t	 n;
		char	*example;	/* one rule name */
	}	*reasons;
	size_t	 nreasons;
};

enum rules_type {
	RULES_T_HEADER = 0, RULES_T_BODY, RULES_T_RAWBODY, RULES_T_URI,
	RULES_T_FULL, RULES_T_META, RULES_T_EXISTS
};

/* One file to load: a path, or text with a name for messages. */
struct rules_src {
	const char	*path;		/* NULL: use text */
	const char	*name;		/* for errors when path is NULL */
	const char	*text;
	size_t		 len;
};

/*
 * Load and compile the sources in order (later score/describe lines
 * override earlier ones, as in SpamAssassin). Returns the rule set
 * (caller frees with rules_free), or NULL with *why_r (caller frees with
 * free()) naming file and line: "FILE:LINE: why".
 */
struct rules	*rules_load(const struct rules_src *src, size_t n,
    char **why_r);
void		 rules_free(struct rules **r);

/*
 * rules_load with an on-disk cache of the compiled Hyperscan databases
 * in cache_dir (created if missing; NULL or "" for none). A database
 * whose patterns, Hyperscan version and host platform are unchanged is
 * read back instead of compiled; an unreadable or unwritable cache only
 * costs the compile. Files are named by SHA-256 of their input and are
 * never removed by mxwarden (stale ones are harmless; clean the
 * directory to reclaim space).
 */
struct rules	*rules_load_cached(const struct rules_src *src, size_t n,
    const char *cache_dir, char **why_r);

/* The default rule set compiled into the binary (etc/rules, *.cf). */
extern const struct rules_src	rules_default_src[];
extern const size_t		rules_default_nsrc;

/* Fill *st (caller frees with rules_stats_free). */
void	rules_stats(const struct rules *r, struct rules_stats *st);
void	rules_stats_free(struct rules_stats *st);

/*
 * Run the rules on t->msg: each rule that hits and has a name not
 * starting with "__" and a non-zero score adds a symbol with its score
 * and description; a rule with a route adds the folder header through
 * task_add_header (routing, docs/rules.md). Returns the number of rules
 * that hit, or -1 with *why_r (Hyperscan failure).
 */
int	rules_check(const struct rules *r, struct task *t, const char **why_r);

/*
 * For tests and the CLI: did rule name hit in the last check of t?
 * Evaluates the rules on t->msg without adding symbols; *hit_r is the
 * rule's value (hits for multiple, 0/1, or a meta's value). -1 when the
 * name is unknown or was skipped.
 */
int	rules_eval_one(const struct rules *r, struct task *t,
    const char *name, double *value_r);

/* The folder header name for routing ("X-Mxwarden-Folder" by default). */
void	rules_set_route_header(struct rules *r, const char *name);

/*
 * The literal gate in front of PCRE2-only patterns (on by default) can
 * be turned off to measure it or to check it. rules_gate_check
 * evaluates t->msg with the gate on and off: 0 when every rule value
 * is the same, 1 when one differs (*name_r: that rule, borrowed), -1
 * on error (*why_r). Not thread safe: r must not be in use.
 */
void	rules_set_gate(struct rules *r, int on);
int	rules_gate_check(struct rules *r, struct task *t,
    const char **name_r, const char **why_r);

#endif
