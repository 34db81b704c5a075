/*
 * The configuration: one libconfig file (DESIGN.md section 4), validated
 * against the schema in schema.c, with every default filled in.
 *
 * Lifetime and reload: a struct conf is immutable once loaded, so any
 * number of threads may read it at once. To reload (SIGHUP), load a new
 * one, and if it is valid swap the pointer the daemon uses; free the old
 * one when no message refers to it any more (the milter keeps a
 * reference count per conf). An invalid new file leaves the running
 * configuration in place.
 *
 * Getters take a dotted path ("dkim.max_signatures"). Asking for a path
 * that is not in the schema, or with the getter of another type, is a
 * bug and panics, so a typo fails the first test that reaches it. The
 * getters scan the schema, so modules read their settings when a conf is
 * loaded, not once per message.
 */
#ifndef MXW_CONF_H
#define MXW_CONF_H

#include <stddef.h>
#include <stdio.h>

struct conf;
struct config_setting_t;

#define CONF_ERRORS_MAX	100	/* errors kept; more are only counted */
#define CONF_FILE_MAX	(4 * 1024 * 1024)	/* bytes of the main file */

struct conf_error {
	const char	*file;	/* NULL: text not read from a file */
	unsigned	 line;	/* 0: not tied to a line */
	const char	*msg;
};

/* What was wrong with a configuration; caller frees with conf_errors_free. */
struct conf_errors {
	struct conf_error	*v;
	size_t			 n;
	size_t			 ndropped;	/* beyond CONF_ERRORS_MAX */
	struct arena		*a;
};

/*
 * Load and validate the file at path (it may @include others, resolved
 * relative to its directory). Returns the configuration (caller frees
 * with conf_free), or NULL if it cannot be read or is invalid. Every
 * error found is reported, not only the first: syntax errors (then
 * nothing else can be checked), unknown settings with a suggestion,
 * wrong types, values out of range, bad words, addresses and paths.
 * *errs_r (if not NULL) receives the list, empty on success; the caller
 * frees it with conf_errors_free.
 */
struct conf	*conf_load_file(const char *path, struct conf_errors **errs_r);

/*
 * The same for configuration text (tests, fuzzing). name stands for the
 * file name in errors (may be NULL). @include is refused in text.
 */
struct conf	*conf_load_string(const char *text, const char *name,
    struct conf_errors **errs_r);

/* The built-in defaults: what runs without a file. Never NULL. */
struct conf	*conf_defaults(void);

/* Free a configuration from conf_load_* or conf_defaults; *c = NULL. */
void		 conf_free(struct conf **c);
void		 conf_errors_free(struct conf_errors **e);

/* The file the configuration came from (borrowed); NULL for defaults. */
const char	*conf_file(const struct conf *c);

/*
 * Typed getters. Values are borrowed and live as long as c. conf_str
 * gives NULL for a setting without default that the file leaves unset.
 * conf_enum gives the index of the word in the schema's word list.
 */
long long	 conf_int(const struct conf *c, const char *path);
int		 conf_bool(const struct conf *c, const char *path);
double		 conf_float(const struct conf *c, const char *path);
const char	*conf_str(const struct conf *c, const char *path);
int		 conf_enum(const struct conf *c, const char *path);
long long	 conf_duration(const struct conf *c, const char *path);
unsigned long long conf_size(const struct conf *c, const char *path);
size_t		 conf_list_len(const struct conf *c, const char *path);
const char	*conf_list_str(const struct conf *c, const char *path,
    size_t i);

/* Did the file set path itself (rather than the default apply)? */
int		 conf_is_set(const struct conf *c, const char *path);

/*
 * Lists of groups ("dkim.signing", "domains"). conf_group gives element
 * i (i < conf_group_count) as a configuration of its own: the getters
 * above read its members by their names relative to the element
 * ("domain", "selector"), with defaults filled in. The element is
 * borrowed from c.
 */
size_t		 conf_group_count(const struct conf *c, const char *path);
const struct conf *conf_group(const struct conf *c, const char *path,
    size_t i);

/*
 * The libconfig setting at path (defaults merged in) for consumers that
 * walk a structure themselves; NULL if unset. Borrowed from c.
 */
struct config_setting_t *conf_setting(const struct conf *c,
    const char *path);

/*
 * Print c as a configuration file to f: every setting of the schema with
 * its description, type and default as comments, and its effective
 * value (file or default). Settings without a value and the members of
 * empty lists of groups appear as commented-out examples. Printing
 * conf_defaults() gives the documented sample etc/mxwarden.conf. Returns
 * 0, or -1 if writing failed.
 */
int		 conf_show(const struct conf *c, FILE *f);

/*
 * Print the schema as a Markdown table (setting, description, type and
 * default) for docs/configuration.md. Returns 0, or -1 on write error.
 */
int		 conf_reference(FILE *f);

/* Parse "90", "30s", "5m", "2h", "1d", "1w", "1h30m" into seconds. */
int		 conf_parse_duration(const char *s, long long *secs_r);
/* Parse "4096", "512K", "64M", "1G", "1T" (powers of 1024) into bytes. */
int		 conf_parse_size(const char *s, unsigned long long *bytes_r);

#endif
