/*
 * Loading the configuration (DESIGN.md section 4): libconfig parses the
 * file and its @includes, then every setting is checked against the
 * schema of schema.c and every problem is reported with its file and
 * line, not only the first. A valid file gets the schema's defaults
 * merged in, so the getters and `mxwarden config show` see the effective
 * configuration. The result is immutable; reload builds a new one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf_priv.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#define SHOW_MAX	80	/* bytes of a bad value quoted in an error */

struct vctx {
	struct conf_errors	*e;
	const char		*name;	/* file name for text without one */
	const char		*dir;	/* of the main file; NULL for text */
};

static void	check_group(struct vctx *, const config_setting_t *,
    const char *, const char *);

static struct conf_errors *
errors_new(void)
{
	struct arena *a = arena_new();
	struct conf_errors *e;

	e = arena_zalloc(a, sizeof(*e));
	e->a = a;
	e->v = arena_calloc(a, CONF_ERRORS_MAX, sizeof(*e->v));
	return e;
}

void
conf_errors_free(struct conf_errors **e)
{
	struct arena *a;

	if (*e == NULL)
		return;
	a = (*e)->a;
	*e = NULL;
	arena_free(&a);
}

static void __attribute__((format(printf, 4, 0)))
verr_add(struct conf_errors *e, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	struct conf_error *x;

	if (e->n >= CONF_ERRORS_MAX) {
		e->ndropped++;
		return;
	}
	x = &e->v[e->n++];
	x->file = file != NULL ? arena_strdup(e->a, file) : NULL;
	x->line = line;
	x->msg = arena_vprintf(e->a, fmt, ap);
}

static void __attribute__((format(printf, 4, 5)))
err_add(struct conf_errors *e, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_add(e, file, line, fmt, ap);
	va_end(ap);
}

/*
 * An absolute path without "." and ".." components and double slashes,
 * for display ("/etc/mxwarden/../../etc/x" is "/etc/x").
 */
static char *
normalize(struct arena *a, const char *path)
{
	char *out = arena_alloc(a, strlen(path) + 2), *o = out;
	const char *p = path, *end;
	size_t n;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		end = p + strcspn(p, "/");
		n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > out && *--o != '/')
				;		/* drop the last component */
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/*
 * The name to report for file: libconfig names an included file as the
 * @include line wrote it, relative to the main file's directory, which
 * means little to someone running the check from elsewhere.
 */
static const char *
file_name(struct conf_errors *e, const char *file, const char *name,
    const char *dir)
{
	if (file == NULL)
		return name;
	if (dir == NULL || file[0] == '/')
		return file;
	return normalize(e->a, arena_printf(e->a, "%s/%s", dir, file));
}

/* An error about setting s, at its file and line. */
static void __attribute__((format(printf, 3, 4)))
serr(struct vctx *v, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_add(v->e, file_name(v->e, config_setting_source_file(s),
	    v->name, v->dir), config_setting_source_line(s), fmt, ap);
	va_end(ap);
}

/* A bad value as it can be printed: quoted, escaped and cut. */
static const char *
quote(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, SHOW_MAX * 4 + 8), *p = out;
	size_t i;

	*p++ = '"';
	for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			*p++ = '\\';
			*p++ = s[i];
		} else if ((unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)s[i]);
		else
			*p++ = s[i];
	}
	if (s[i] != '\0')
		p += sprintf(p, "...");
	*p++ = '"';
	*p = '\0';
	return out;
}

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:		return "an integer";
	case CONFIG_TYPE_FLOAT:		return "a decimal number";
	case CONFIG_TYPE_STRING:	return "a string";
	case CONFIG_TYPE_BOOL:		return "true or false";
	case CONFIG_TYPE_ARRAY:		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:		return "a list ( ... )";
	}
	return "nothing";
}

static const char *
want_name(const struct conf_key *k)
{
	switch (k->type) {
	case CONF_BOOL:		return "true or false";
	case CONF_INT:		return "an integer";
	case CONF_FLOAT:	return "a number";
	case CONF_STR:		return "a string";
	case CONF_ENUM:		return "a quoted word";
	case CONF_LIST:		return "a list of strings [ \"...\", ... ]";
	case CONF_DURATION:	return "a duration (\"30s\", \"5m\", \"1d\")";
	case CONF_SIZE:		return "a size (\"512K\", \"64M\", \"1G\")";
	case CONF_GROUP:	return "a group { ... }";
	case CONF_GROUPS:	return "a list of groups ( { ... }, ... )";
	}
	return "something else";
}

static int
is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* The row's parent is a list of groups (the row is an element member). */
static int
in_groups(const struct conf_key *k)
{
	char parent[CONF_PATH_MAX];
	const struct conf_key *p;
	const char *dot = strrchr(k->path, '.');

	if (dot == NULL || (size_t)(dot - k->path) >= sizeof(parent))
		return 0;
	memcpy(parent, k->path, (size_t)(dot - k->path));
	parent[dot - k->path] = '\0';
	return (p = conf_schema_find(parent)) != NULL &&
	    p->type == CONF_GROUPS;
}

/*
 * "Did you mean": the closest name in the same group if it is close
 * enough, else the full path of a setting of that name in another
 * section ("max_lookups" written under dkim means spf.max_lookups).
 */
static const char *
suggest(const char *spath, const char *name)
{
	const struct conf_key *best = NULL;
	size_t i, d, bestd = (size_t)-1, limit;

	for (i = 0; i < conf_nschema; i++) {
		if (!conf_key_is_child(&conf_schema[i], spath))
			continue;
		d = conf_edit_distance(name, conf_key_name(&conf_schema[i]));
		if (d < bestd) {
			bestd = d;
			best = &conf_schema[i];
		}
	}
	limit = 1 + strlen(name) / 4;
	if (best != NULL && bestd <= (limit > 3 ? 3 : limit))
		return conf_key_name(best);
	for (i = 0; i < conf_nschema; i++)
		if (strcmp(conf_key_name(&conf_schema[i]), name) == 0 &&
		    !in_groups(&conf_schema[i]))
			return conf_schema[i].path;
	return NULL;
}

static void
unknown(struct vctx *v, const config_setting_t *s, const char *spath,
    const char *dn, const char *name)
{
	const char *sug = suggest(spath, name);

	if (sug != NULL)
		serr(v, s, "unknown setting \"%s\"; did you mean \"%s\"?", dn,
		    sug);
	else
		serr(v, s, "unknown setting \"%s\"", dn);
}

static void
check_range(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn, double x, const char *shown)
{
	char lo[32], hi[32];

	if (x >= k->min && x <= k->max)
		return;
	if (k->type == CONF_DURATION) {
		conf_fmt_duration((long long)k->min, lo, sizeof(lo));
		conf_fmt_duration((long long)k->max, hi, sizeof(hi));
	} else if (k->type == CONF_SIZE) {
		conf_fmt_size((unsigned long long)k->min, lo, sizeof(lo));
		conf_fmt_size((unsigned long long)k->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%g", k->min);
		snprintf(hi, sizeof(hi), "%g", k->max);
	}
	serr(v, s, "%s: %s is out of range (%s to %s)", dn, shown, lo, hi);
}

static void
check_enum(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn, const char *val)
{
	struct arena *a = v->e->a;
	char *words;
	size_t i;

	if (conf_word_index(k->words, val) >= 0)
		return;
	words = arena_strdup(a, k->words);
	for (i = 0; words[i] != '\0'; i++)
		if (words[i] == '|')
			words[i] = ' ';
	serr(v, s, "%s: %s is not one of: %s", dn, quote(a, val), words);
}

static void
check_str(struct vctx *v, enum conf_check ck, const config_setting_t *s,
    const char *dn, const char *val)
{
	const char *why;

	if (conf_check_str(ck, val, &why) == -1)
		serr(v, s, "%s: %s is not %s", dn, quote(v->e->a, val), why);
}

static void
check_list(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn)
{
	const config_setting_t *el;
	unsigned i, n = (unsigned)config_setting_length(s);
	const char *edn;

	if (n > k->max)
		serr(v, s, "%s: %u entries, at most %g allowed", dn, n,
		    k->max);
	for (i = 0; i < n; i++) {
		el = config_setting_get_elem(s, i);
		edn = arena_printf(v->e->a, "%s[%u]", dn, i);
		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			serr(v, el, "%s: wants a string, not %s", edn,
			    type_name(el));
		else
			check_str(v, k->check, el, edn,
			    config_setting_get_string(el));
	}
}

static void
check_groups(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn)
{
	const config_setting_t *el;
	unsigned i, n = (unsigned)config_setting_length(s);
	const char *edn;
	size_t j;

	if (n > k->max)
		serr(v, s, "%s: %u entries, at most %g allowed", dn, n,
		    k->max);
	for (i = 0; i < n; i++) {
		el = config_setting_get_elem(s, i);
		edn = arena_printf(v->e->a, "%s[%u]", dn, i);
		if (config_setting_type(el) != CONFIG_TYPE_GROUP) {
			serr(v, el, "%s: wants a group { ... }, not %s", edn,
			    type_name(el));
			continue;
		}
		check_group(v, el, k->path, edn);
		for (j = 0; j < conf_nschema; j++)
			if ((conf_schema[j].flags & CONF_F_REQUIRED) != 0 &&
			    conf_key_is_child(&conf_schema[j], k->path) &&
			    config_setting_get_member(el,
			    conf_key_name(&conf_schema[j])) == NULL)
				serr(v, el, "%s: required setting \"%s\" is "
				    "missing", edn,
				    conf_key_name(&conf_schema[j]));
	}
}

/* Durations and sizes: an integer, or a string with a unit. */
static void
check_unit(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn)
{
	const char *str = config_setting_get_string(s);
	unsigned long long bytes;
	long long secs;
	char shown[32];

	if (is_int(s)) {
		snprintf(shown, sizeof(shown), "%lld",
		    config_setting_get_int64(s));
		check_range(v, k, s, dn, (double)config_setting_get_int64(s),
		    shown);
	} else if (k->type == CONF_DURATION) {
		if (conf_parse_duration(str, &secs) == -1)
			serr(v, s, "%s: %s is not a duration (like 90, 30s, "
			    "5m, 2h, 1d, 1w)", dn, quote(v->e->a, str));
		else
			check_range(v, k, s, dn, (double)secs,
			    quote(v->e->a, str));
	} else {
		if (conf_parse_size(str, &bytes) == -1)
			serr(v, s, "%s: %s is not a size (like 4096, 512K, "
			    "64M, 1G)", dn, quote(v->e->a, str));
		else
			check_range(v, k, s, dn, (double)bytes,
			    quote(v->e->a, str));
	}
}

static void
check_value(struct vctx *v, const struct conf_key *k,
    const config_setting_t *s, const char *dn)
{
	int t = config_setting_type(s);
	char shown[32];

	switch (k->type) {
	case CONF_GROUP:
		if (t != CONFIG_TYPE_GROUP)
			break;
		check_group(v, s, k->path, dn);
		return;
	case CONF_GROUPS:
		/* An empty "[ ]" is an empty list too. */
		if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY &&
		    config_setting_length(s) == 0))
			break;
		check_groups(v, k, s, dn);
		return;
	case CONF_LIST:
		if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
			break;
		check_list(v, k, s, dn);
		return;
	case CONF_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			break;
		return;
	case CONF_INT:
		if (!is_int(s))
			break;
		snprintf(shown, sizeof(shown), "%lld",
		    config_setting_get_int64(s));
		check_range(v, k, s, dn, (double)config_setting_get_int64(s),
		    shown);
		return;
	case CONF_FLOAT:
		if (!is_int(s) && t != CONFIG_TYPE_FLOAT)
			break;
		if (is_int(s))
			snprintf(shown, sizeof(shown), "%lld",
			    config_setting_get_int64(s));
		else
			snprintf(shown, sizeof(shown), "%g",
			    config_setting_get_float(s));
		check_range(v, k, s, dn, is_int(s) ?
		    (double)config_setting_get_int64(s) :
		    config_setting_get_float(s), shown);
		return;
	case CONF_STR:
		if (t != CONFIG_TYPE_STRING)
			break;
		check_str(v, k->check, s, dn, config_setting_get_string(s));
		return;
	case CONF_ENUM:
		if (t != CONFIG_TYPE_STRING)
			break;
		check_enum(v, k, s, dn, config_setting_get_string(s));
		return;
	case CONF_DURATION:
	case CONF_SIZE:
		if (!is_int(s) && t != CONFIG_TYPE_STRING)
			break;
		check_unit(v, k, s, dn);
		return;
	}
	serr(v, s, "%s: wants %s, not %s", dn, want_name(k), type_name(s));
}

/* Check every member of group g, whose schema path is spath. */
static void
check_group(struct vctx *v, const config_setting_t *g, const char *spath,
    const char *dpath)
{
	const struct conf_key *k;
	const config_setting_t *s;
	char kpath[CONF_PATH_MAX];
	const char *name, *dn;
	unsigned i, n = (unsigned)config_setting_length(g);
	int len;

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, i);
		if ((name = config_setting_name(s)) == NULL)
			continue;
		dn = dpath[0] != '\0' ?
		    arena_printf(v->e->a, "%s.%s", dpath, name) : name;
		if (spath[0] != '\0')
			len = snprintf(kpath, sizeof(kpath), "%s.%s", spath,
			    name);
		else
			len = snprintf(kpath, sizeof(kpath), "%s", name);
		k = len > 0 && (size_t)len < sizeof(kpath) ?
		    conf_schema_find(kpath) : NULL;
		if (k == NULL)
			unknown(v, s, spath, dn, name);
		else
			check_value(v, k, s, dn);
	}
}

/* Copy the scalar src into group g as name (inherited defaults). */
static config_setting_t *
copy_scalar(config_setting_t *g, const char *name,
    const config_setting_t *src)
{
	config_setting_t *m = config_setting_add(g, name,
	    config_setting_type(src));

	if (m == NULL)
		return NULL;
	switch (config_setting_type(src)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		config_setting_set_int64(m, config_setting_get_int64(src));
		break;
	case CONFIG_TYPE_FLOAT:
		config_setting_set_float(m, config_setting_get_float(src));
		break;
	case CONFIG_TYPE_BOOL:
		config_setting_set_bool(m, config_setting_get_bool(src));
		break;
	case CONFIG_TYPE_STRING:
		config_setting_set_string(m, config_setting_get_string(src));
		break;
	default:
		return NULL;
	}
	return m;
}

static config_setting_t *
add_list_default(config_setting_t *g, const char *name, const char *def)
{
	config_setting_t *m = config_setting_add(g, name, CONFIG_TYPE_ARRAY);
	const char *p = def, *end;
	char item[256];
	size_t n;

	while (m != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		for (n = (size_t)(end - p); n > 0 && p[n - 1] == ' '; n--)
			;
		if (n == 0)
			break;
		if (n >= sizeof(item))
			panic("conf: list default too long: %s", def);
		memcpy(item, p, n);
		item[n] = '\0';
		config_setting_set_string_elem(m, -1, item);
		p = end;
	}
	return m;
}

static void
add_default(struct conf *c, config_setting_t *g, const struct conf_key *k)
{
	const char *name = conf_key_name(k), *def = k->def;
	const config_setting_t *src;
	config_setting_t *m;
	long long ll;

	if (def[0] == '=') {
		if ((src = config_lookup(c->cfg, def + 1)) == NULL)
			panic("conf: %s inherits unset %s", k->path, def + 1);
		m = copy_scalar(g, name, src);
	} else if (k->type == CONF_BOOL) {
		if ((m = config_setting_add(g, name, CONFIG_TYPE_BOOL)) != NULL)
			config_setting_set_bool(m, strcmp(def, "true") == 0);
	} else if (k->type == CONF_INT) {
		ll = strtoll(def, NULL, 10);
		m = config_setting_add(g, name, ll == (int)ll ?
		    CONFIG_TYPE_INT : CONFIG_TYPE_INT64);
		if (m != NULL)
			config_setting_set_int64(m, ll);
	} else if (k->type == CONF_FLOAT) {
		m = config_setting_add(g, name, CONFIG_TYPE_FLOAT);
		if (m != NULL)
			config_setting_set_float(m, strtod(def, NULL));
	} else if (k->type == CONF_LIST) {
		m = add_list_default(g, name, def);
	} else {
		m = config_setting_add(g, name, CONFIG_TYPE_STRING);
		if (m != NULL)
			config_setting_set_string(m, def);
	}
	if (m == NULL)
		panic("conf: cannot add the default of %s", k->path);
}

/*
 * Fill in the defaults of group g (schema path spath). Elements of lists
 * of groups are merged later, once the top-level values they may
 * inherit are in place.
 */
static void
merge(struct conf *c, config_setting_t *g, const char *spath)
{
	const struct conf_key *k;
	config_setting_t *m;
	size_t i;

	for (i = 0; i < conf_nschema; i++) {
		k = &conf_schema[i];
		if (!conf_key_is_child(k, spath))
			continue;
		m = config_setting_get_member(g, conf_key_name(k));
		if (k->type == CONF_GROUP) {
			if (m == NULL)
				m = config_setting_add(g, conf_key_name(k),
				    CONFIG_TYPE_GROUP);
			if (m == NULL)
				panic("conf: cannot add group %s", k->path);
			merge(c, m, k->path);
		} else if (k->type == CONF_GROUPS) {
			if (m == NULL && config_setting_add(g,
			    conf_key_name(k), CONFIG_TYPE_LIST) == NULL)
				panic("conf: cannot add list %s", k->path);
		} else if (m == NULL && k->def != NULL)
			add_default(c, g, k);
	}
}

/* Make a view per element of every list of groups, with its defaults. */
static void
build_glists(struct conf *c)
{
	struct conf_glist *gl;
	config_setting_t *s;
	size_t i, j;

	for (i = 0; i < conf_nschema; i++)
		if (conf_schema[i].type == CONF_GROUPS)
			c->nglists++;
	c->glists = arena_calloc(c->a, c->nglists, sizeof(*c->glists));
	for (i = 0, gl = c->glists; i < conf_nschema; i++) {
		if (conf_schema[i].type != CONF_GROUPS)
			continue;
		if (in_groups(&conf_schema[i]))
			panic("conf: nested list of groups %s",
			    conf_schema[i].path);
		gl->key = &conf_schema[i];
		s = config_lookup(c->cfg, gl->key->path);
		gl->n = s != NULL ? (size_t)config_setting_length(s) : 0;
		gl->v = arena_calloc(c->a, gl->n, sizeof(*gl->v));
		for (j = 0; j < gl->n; j++) {
			gl->v[j] = *c;
			gl->v[j].node = config_setting_get_elem(s, (unsigned)j);
			gl->v[j].base = gl->key->path;
			gl->v[j].root = c;
			gl->v[j].glists = NULL;
			gl->v[j].nglists = 0;
			merge(c, gl->v[j].node, gl->key->path);
		}
		gl++;
	}
}

static void
cfg_destroy(void *arg)
{
	config_destroy(arg);
}

static config_t *
cfg_new(struct arena *a)
{
	config_t *cfg = arena_zalloc(a, sizeof(*cfg));

	config_init(cfg);
	arena_defer(a, cfg_destroy, cfg);
	return cfg;
}

/* Validate the parsed cfg; on success the conf with defaults merged. */
static struct conf *
finish(struct arena *a, config_t *cfg, const char *file, const char *name,
    struct conf_errors *e)
{
	struct vctx v = { e, name, NULL };
	struct conf *c;

	if (file != NULL)
		v.dir = config_get_include_dir(cfg);
	check_group(&v, config_root_setting(cfg), "", "");
	if (e->n > 0)
		return NULL;
	c = arena_zalloc(a, sizeof(*c));
	c->a = a;
	c->cfg = cfg;
	c->node = config_root_setting(cfg);
	c->base = "";
	c->file = file != NULL ? arena_strdup(a, file) : NULL;
	c->root = c;
	merge(c, c->node, "");
	build_glists(c);
	return c;
}

static void
read_error(struct conf_errors *e, const config_t *cfg, const char *name,
    const char *dir)
{
	const char *file = file_name(e, config_error_file(cfg), name, dir);
	const char *text = config_error_text(cfg);

	if (text == NULL)
		text = "cannot read";
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		err_add(e, file, 0, "%s: %s", text, strerror(errno));
	else
		err_add(e, file, (unsigned)config_error_line(cfg), "%s", text);
}

static struct conf *
done(struct conf *c, struct arena *a, struct conf_errors *e,
    struct conf_errors **errs_r)
{
	if (c == NULL)
		arena_free(&a);
	if (errs_r != NULL)
		*errs_r = e;
	else
		conf_errors_free(&e);
	return c;
}

/*
 * libconfig 1.5 puts the include directory in front of every @include
 * path, absolute ones too. So that the main file may include both
 * "dkim.conf" (beside it) and "/etc/mxwarden/local.conf", absolute paths
 * in the main file are rewritten to climb from the include directory to
 * the root: "/x" becomes "../../x" under "/etc/mxwarden".
 * XXX Files included by included files are read by libconfig alone: an
 * absolute @include there fails with "cannot open include file".
 */
static char *
rewrite_includes(struct arena *a, const char *text, const char *dir)
{
	struct buf b = BUF_INIT;
	const char *p = text, *q, *eol;
	int depth = 0, i;
	char *out;

	for (q = dir; *q != '\0'; q++)
		if (*q == '/' && q[1] != '/' && q[1] != '\0')
			depth++;
	while (*p != '\0') {
		eol = strchr(p, '\n');
		eol = eol != NULL ? eol + 1 : p + strlen(p);
		q = p + strspn(p, " \t");
		if (strncmp(q, "@include", 8) == 0) {
			q += 8;
			q += strspn(q, " \t");
			if (q[0] == '"' && q[1] == '/') {
				buf_add(&b, p, (size_t)(q + 1 - p));
				for (i = 0; i < depth; i++)
					buf_adds(&b, "../");
				p = q + 2;
			}
		}
		buf_add(&b, p, (size_t)(eol - p));
		p = eol;
	}
	out = arena_strndup(a, b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

/* The whole file at path (arena), or NULL with an error added. */
static char *
read_text(struct arena *a, const char *path, struct conf_errors *e)
{
	struct stat st;
	char *text;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		err_add(e, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		err_add(e, path, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > CONF_FILE_MAX) {
		err_add(e, path, 0, "larger than %d bytes", CONF_FILE_MAX);
		fclose(f);
		return NULL;
	}
	text = arena_alloc(a, (size_t)st.st_size + 1);
	n = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		err_add(e, path, 0, "cannot read: %s", strerror(errno));
		fclose(f);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	return text;
}

struct conf *
conf_load_file(const char *path, struct conf_errors **errs_r)
{
	struct conf_errors *e = errors_new();
	struct arena *a = arena_new();
	struct conf *c = NULL;
	const char *slash, *dir;
	char *text, *real;
	config_t *cfg;

	/*
	 * XXX Only the main file is size-checked: libconfig opens
	 * @included files itself. They are the administrator's own files,
	 * so this bounds mistakes, not attacks.
	 */
	if ((text = read_text(a, path, e)) == NULL)
		return done(NULL, a, e, errs_r);
	slash = strrchr(path, '/');
	dir = slash == NULL ? "." : slash == path ? "/" :
	    arena_strndup(a, path, (size_t)(slash - path));
	if ((real = realpath(dir, NULL)) == NULL) {
		err_add(e, path, 0, "cannot resolve its directory: %s",
		    strerror(errno));
		return done(NULL, a, e, errs_r);
	}
	dir = arena_strdup(a, real);
	free(real);
	cfg = cfg_new(a);
	config_set_include_dir(cfg, dir);
	errno = 0;
	if (config_read_string(cfg, rewrite_includes(a, text, dir)) !=
	    CONFIG_TRUE)
		read_error(e, cfg, path, dir);
	else
		c = finish(a, cfg, path, path, e);
	return done(c, a, e, errs_r);
}

/*
 * The line of the first @include directive in text, 0 if none. libconfig
 * only takes @include at the start of a line (after blanks), so a
 * comment that mentions it does not count.
 */
static unsigned
include_line(const char *text)
{
	const char *p = text;
	unsigned line = 1;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8) == 0)
			return line;
		if ((p = strchr(p, '\n')) == NULL)
			return 0;
		p++;
		line++;
	}
}

struct conf *
conf_load_string(const char *text, const char *name,
    struct conf_errors **errs_r)
{
	struct conf_errors *e = errors_new();
	struct arena *a = arena_new();
	struct conf *c = NULL;
	unsigned line = include_line(text);
	config_t *cfg;

	if (line > 0) {
		/* Text has no directory to resolve includes against. */
		err_add(e, name, line, "@include is not allowed here");
	} else if (strlen(text) > CONF_FILE_MAX)
		err_add(e, name, 0, "larger than %d bytes", CONF_FILE_MAX);
	else {
		cfg = cfg_new(a);
		/* Belt and braces: no directory to include from. */
		config_set_include_dir(cfg, "/nonexistent/mxwarden");
		if (config_read_string(cfg, text) != CONFIG_TRUE)
			read_error(e, cfg, name, NULL);
		else
			c = finish(a, cfg, NULL, name, e);
	}
	return done(c, a, e, errs_r);
}

struct conf *
conf_defaults(void)
{
	struct conf_errors *e;
	struct vctx v;
	struct conf *c;

	if ((c = conf_load_string("", "(defaults)", &e)) == NULL)
		panic("conf: empty configuration rejected: %s",
		    e->n > 0 ? e->v[0].msg : "?");
	/* The merged defaults must pass the schema's own checks. */
	v.e = e;
	v.name = "(defaults)";
	v.dir = NULL;
	check_group(&v, c->node, "", "");
	if (e->n > 0)
		panic("conf: bad default in schema.c: %s", e->v[0].msg);
	conf_errors_free(&e);
	return c;
}

void
conf_free(struct conf **c)
{
	struct arena *a;

	if (*c == NULL)
		return;
	if ((*c)->root != *c)
		panic("conf_free: not a root configuration");
	a = (*c)->a;
	*c = NULL;
	arena_free(&a);
}

const char *
conf_file(const struct conf *c)
{
	return c->root->file;
}

/* The schema row of path (relative to c) and its setting, or panic. */
static const struct conf_key *
resolve(const struct conf *c, const char *path, config_setting_t **s_r)
{
	char full[CONF_PATH_MAX];
	const struct conf_key *k = NULL;
	int n;

	if (c->base[0] != '\0')
		n = snprintf(full, sizeof(full), "%s.%s", c->base, path);
	else
		n = snprintf(full, sizeof(full), "%s", path);
	if (n > 0 && (size_t)n < sizeof(full))
		k = conf_schema_find(full);
	if (k == NULL)
		panic("conf: \"%s\" (in \"%s\") is not in the schema", path,
		    c->base);
	*s_r = config_setting_lookup(c->node, path);
	return k;
}

static const char *
kind(enum conf_type t)
{
	static const char *names[] = { "bool", "int", "float", "string",
	    "enum", "list", "duration", "size", "group", "list of groups" };

	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Row and setting of path, which must have type t and a value. */
static config_setting_t *
want(const struct conf *c, const char *path, enum conf_type t,
    const struct conf_key **k_r, int need)
{
	config_setting_t *s;
	const struct conf_key *k = resolve(c, path, &s);

	if (k->type != t)
		panic("conf: \"%s\" is a %s, read as a %s", k->path,
		    kind(k->type), kind(t));
	if (need && s == NULL)
		panic("conf: \"%s\" has no value and no default", k->path);
	if (k_r != NULL)
		*k_r = k;
	return s;
}

long long
conf_int(const struct conf *c, const char *path)
{
	return config_setting_get_int64(want(c, path, CONF_INT, NULL, 1));
}

int
conf_bool(const struct conf *c, const char *path)
{
	return config_setting_get_bool(want(c, path, CONF_BOOL, NULL, 1));
}

double
conf_float(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_FLOAT, NULL, 1);

	if (is_int(s))
		return (double)config_setting_get_int64(s);
	return config_setting_get_float(s);
}

const char *
conf_str(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_STR, NULL, 0);

	return s != NULL ? config_setting_get_string(s) : NULL;
}

int
conf_enum(const struct conf *c, const char *path)
{
	const struct conf_key *k;
	config_setting_t *s = want(c, path, CONF_ENUM, &k, 1);

	return conf_word_index(k->words, config_setting_get_string(s));
}

long long
conf_duration(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_DURATION, NULL, 1);
	long long secs;

	if (is_int(s))
		return config_setting_get_int64(s);
	if (conf_parse_duration(config_setting_get_string(s), &secs) == -1)
		panic("conf: %s: unchecked duration", path);
	return secs;
}

unsigned long long
conf_size(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_SIZE, NULL, 1);
	unsigned long long bytes;

	if (is_int(s))
		return (unsigned long long)config_setting_get_int64(s);
	if (conf_parse_size(config_setting_get_string(s), &bytes) == -1)
		panic("conf: %s: unchecked size", path);
	return bytes;
}

size_t
conf_list_len(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_LIST, NULL, 0);

	return s != NULL ? (size_t)config_setting_length(s) : 0;
}

const char *
conf_list_str(const struct conf *c, const char *path, size_t i)
{
	config_setting_t *s = want(c, path, CONF_LIST, NULL, 0);

	if (s == NULL || i >= (size_t)config_setting_length(s))
		panic("conf: %s[%zu] is beyond the list", path, i);
	return config_setting_get_string_elem(s, (int)i);
}

int
conf_is_set(const struct conf *c, const char *path)
{
	config_setting_t *s;

	resolve(c, path, &s);
	return s != NULL && config_setting_source_line(s) != 0;
}

size_t
conf_group_count(const struct conf *c, const char *path)
{
	config_setting_t *s = want(c, path, CONF_GROUPS, NULL, 0);

	return s != NULL ? (size_t)config_setting_length(s) : 0;
}

const struct conf *
conf_group(const struct conf *c, const char *path, size_t i)
{
	const struct conf_key *k;
	size_t j;

	want(c, path, CONF_GROUPS, &k, 0);
	for (j = 0; j < c->root->nglists; j++)
		if (c->root->glists[j].key == k) {
			if (i >= c->root->glists[j].n)
				panic("conf: %s[%zu] is beyond the list",
				    path, i);
			return &c->root->glists[j].v[i];
		}
	panic("conf: no element views for %s", path);
}

struct config_setting_t *
conf_setting(const struct conf *c, const char *path)
{
	config_setting_t *s;

	resolve(c, path, &s);
	return s;
}
