/*
 * Internals shared by the files of the configuration module: the value
 * checks of conf_check.c and the layout of struct conf. Not for other
 * modules; they use conf.h.
 */
#ifndef MXW_CONF_PRIV_H
#define MXW_CONF_PRIV_H

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/schema.h"

#define CONF_PATH_MAX	256	/* dotted schema paths */

/* One list of groups with its elements as views (built at load time). */
struct conf_glist {
	const struct conf_key	*key;
	size_t			 n;
	struct conf		*v;
};

struct conf {
	struct arena		*a;	/* root only: owns everything */
	config_t		*cfg;	/* shared by the root and its views */
	config_setting_t	*node;	/* the root group or one element */
	const char		*base;	/* "" or the list path of an element */
	const char		*file;	/* main file; NULL: not from a file */
	const struct conf	*root;
	struct conf_glist	*glists;	/* root only */
	size_t			 nglists;
};

/*
 * Does s pass check ck? Returns 0, or -1 with *why_r set to a static
 * noun phrase naming what was expected ("an absolute path").
 */
int	conf_check_str(enum conf_check ck, const char *s, const char **why_r);

/* What check ck accepts, as a noun phrase for documentation. */
const char *conf_check_noun(enum conf_check ck);

/* Index of s in a "a|b|c" word list, -1 if absent. */
int	conf_word_index(const char *words, const char *s);

/*
 * Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours), or a large number if either string is very long.
 */
size_t	conf_edit_distance(const char *a, const char *b);

/* Format a duration or size the way the file writes it ("5m", "64M"). */
void	conf_fmt_duration(long long secs, char *dst, size_t size);
void	conf_fmt_size(unsigned long long bytes, char *dst, size_t size);

#endif
