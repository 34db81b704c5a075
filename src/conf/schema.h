/*
 * The configuration schema: one row per setting mxwarden knows, with its
 * dotted path, type, limits, default and a one-line description. The
 * loader validates a file against it, fills in the defaults, and
 * `mxwarden config show` prints it as the documented sample file. Adding
 * a setting is one row in schema.c (see the row macros there).
 */
#ifndef MXW_CONF_SCHEMA_H
#define MXW_CONF_SCHEMA_H

#include <stddef.h>

enum conf_type {
	CONF_BOOL,		/* true | false */
	CONF_INT,		/* integer in [min, max] */
	CONF_FLOAT,		/* number (integer or decimal) in [min, max] */
	CONF_STR,		/* string, checked by `check` */
	CONF_ENUM,		/* one of the words in `words` */
	CONF_LIST,		/* list of strings, at most max, each checked */
	CONF_DURATION,		/* "30s", "5m", "2h", "1d", "1w" or seconds */
	CONF_SIZE,		/* "512K", "64M", "1G" (binary) or bytes */
	CONF_GROUP,		/* a section { ... } */
	CONF_GROUPS		/* list of groups ( { ... }, ... ), max items */
};

/* Syntax checks for strings and list elements. */
enum conf_check {
	CONF_CK_NONE,
	CONF_CK_PATH,		/* absolute file system path */
	CONF_CK_IP,		/* IPv4 or IPv6 address */
	CONF_CK_CIDR,		/* address or address/prefix */
	CONF_CK_SERVER,		/* IP address, optionally @PORT */
	CONF_CK_SOCKET,		/* inet:PORT@HOST, inet6:PORT@HOST, unix:PATH */
	CONF_CK_DOMAIN,		/* DNS name (letters, digits, - and _) */
	CONF_CK_HEADER,		/* header field name (RFC 5322 2.2) */
	CONF_CK_URL,		/* redis://HOST[:PORT][/DB] or unix:PATH */
	CONF_CK_NAME		/* user or group name */
};

#define CONF_F_REQUIRED	0x01	/* a group-list member that must be set */

struct conf_key {
	const char	*path;	/* "dkim.signing.domain"; parents first */
	enum conf_type	 type;
	/*
	 * Default as text ("info", "5m", "64M", "true", "6.0", lists as
	 * "a, b"). NULL: unset (conf_str gives NULL, lists are empty).
	 * "=PATH" in a group-list member: the value of the top-level
	 * setting PATH (per-domain overrides of global thresholds).
	 */
	const char	*def;
	double		 min, max;	/* numbers; lists: max is the length */
	const char	*words;		/* enum: "err|warn|info|debug" */
	enum conf_check	 check;
	unsigned	 flags;
	const char	*example;	/* shown for settings without default */
	const char	*doc;		/* one line */
};

/* The table and its length (static, in schema.c). */
extern const struct conf_key	conf_schema[];
extern const size_t		conf_nschema;

/* The row for a dotted path without list indices; NULL if unknown. */
const struct conf_key	*conf_schema_find(const char *path);

/* The last component of a row's path ("domain" of "dkim.signing.domain"). */
const char		*conf_key_name(const struct conf_key *k);

/* Is row k a direct child of the group path parent ("" is the root)? */
int			 conf_key_is_child(const struct conf_key *k,
    const char *parent);

#endif
