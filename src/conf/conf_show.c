/*
 * `mxwarden config show`: the effective configuration printed as a
 * libconfig file, each setting preceded by its description, type, range
 * and default from the schema. Printing the defaults gives the shipped
 * sample etc/mxwarden.conf, so the sample cannot drift from the code
 * without tests/test_conf.c noticing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_priv.h"
#include "lib/buf.h"

struct show {
	FILE		*f;
	const config_t	*cfg;	/* for inherited defaults */
	int		 cdepth;	/* depth where commenting began; -1 */
};

static void	show_group(struct show *, const config_setting_t *,
    const char *, int);

static void __attribute__((format(printf, 3, 4)))
line(struct show *o, int depth, const char *fmt, ...)
{
	va_list ap;
	int i;

	if (o->cdepth < 0)
		for (i = 0; i < depth; i++)
			fputc('\t', o->f);
	else {
		for (i = 0; i < o->cdepth; i++)
			fputc('\t', o->f);
		fputs("# ", o->f);
		for (i = o->cdepth; i < depth; i++)
			fputc('\t', o->f);
	}
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}

/* An empty line; inside a commented-out block, a bare "#". */
static void
blank(struct show *o)
{
	int i;

	if (o->cdepth < 0) {
		fputc('\n', o->f);
		return;
	}
	for (i = 0; i < o->cdepth; i++)
		fputc('\t', o->f);
	fputs("#\n", o->f);
}

/* A comment, wrapped to fit 80 columns at this depth. */
static void
comment(struct show *o, int depth, const char *text)
{
	int width = 76 - 8 * depth - (o->cdepth >= 0 ? 2 : 0);
	const char *p = text, *brk, *q;

	if (width < 40)
		width = 40;
	while (*p != '\0') {
		brk = NULL;
		for (q = p; *q != '\0' && q - p <= width; q++)
			if (*q == ' ')
				brk = q;
		if (*q == '\0' || brk == NULL)
			brk = q;
		line(o, depth, "# %.*s", (int)(brk - p), p);
		p = *brk == ' ' ? brk + 1 : brk;
	}
}

static void
quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, *s);
		} else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* A float that libconfig reads back as a float (it needs a point). */
static void
fmt_float(struct buf *b, double d)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%.6g", d);
	buf_adds(b, tmp);
	if (strpbrk(tmp, ".en") == NULL)
		buf_adds(b, ".0");
}

static void
fmt_scalar(struct buf *b, const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		buf_printf(b, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		buf_printf(b, "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		fmt_float(b, config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		buf_adds(b, config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		quoted(b, config_setting_get_string(s));
		break;
	default:
		buf_adds(b, "?");
	}
}

/* A default or example written as the file would write it. */
static void
fmt_text(struct buf *b, enum conf_type t, const char *text)
{
	const char *p, *end;

	if (t == CONF_BOOL || t == CONF_INT)
		buf_adds(b, text);
	else if (t == CONF_FLOAT)
		fmt_float(b, strtod(text, NULL));
	else if (t == CONF_LIST) {
		buf_adds(b, "[ ");
		for (p = text; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
			while (*p == ' ')
				p++;
			end = p + strcspn(p, ",");
			buf_printf(b, "%s\"%.*s\"", p == text ? "" : ", ",
			    (int)(end - p), p);
		}
		buf_adds(b, " ]");
	} else
		quoted(b, text);
}

static void
details(struct buf *b, const struct conf_key *k)
{
	char lo[32], hi[32];
	size_t i;

	switch (k->type) {
	case CONF_BOOL:
		buf_adds(b, "true or false");
		break;
	case CONF_INT:
	case CONF_FLOAT:
		buf_printf(b, "%s from %g to %g", k->type == CONF_INT ?
		    "Integer" : "Number", k->min, k->max);
		break;
	case CONF_DURATION:
		conf_fmt_duration((long long)k->min, lo, sizeof(lo));
		conf_fmt_duration((long long)k->max, hi, sizeof(hi));
		buf_printf(b, "Duration (90, 30s, 5m, 2h, 1d) from %s to %s",
		    lo, hi);
		break;
	case CONF_SIZE:
		conf_fmt_size((unsigned long long)k->min, lo, sizeof(lo));
		conf_fmt_size((unsigned long long)k->max, hi, sizeof(hi));
		buf_printf(b, "Size (4096, 512K, 64M, 1G) from %s to %s", lo,
		    hi);
		break;
	case CONF_ENUM:
		buf_adds(b, "One of: ");
		for (i = 0; k->words[i] != '\0'; i++)
			buf_adds(b, k->words[i] == '|' ? ", " :
			    (char[2]){ k->words[i], '\0' });
		break;
	case CONF_STR:
		buf_printf(b, "String: %s", conf_check_noun(k->check));
		break;
	case CONF_LIST:
		buf_printf(b, "List of at most %g strings, each %s", k->max,
		    conf_check_noun(k->check));
		break;
	case CONF_GROUP:
		return;
	case CONF_GROUPS:
		buf_printf(b, "List of groups ( { ... }, { ... } ), at most %g",
		    k->max);
		return;
	}
	if ((k->flags & CONF_F_REQUIRED) != 0)
		buf_adds(b, ". Required.");
	else if (k->def == NULL)
		buf_adds(b, k->type == CONF_LIST ? ". Default: empty." :
		    ". Default: unset.");
	else if (k->def[0] == '=')
		buf_printf(b, ". Default: the value of %s.", k->def + 1);
	else {
		buf_adds(b, ". Default: ");
		fmt_text(b, k->type, k->def);
		buf_adds(b, ".");
	}
}

static void
show_list(struct show *o, const config_setting_t *m, const char *name,
    int depth)
{
	unsigned i, n = (unsigned)config_setting_length(m);
	struct buf b = BUF_INIT;

	if (n <= 1) {
		buf_adds(&b, "[ ");
		if (n == 1)
			fmt_scalar(&b, config_setting_get_elem(m, 0));
		line(o, depth, "%s = %s ];", name, b.p);
		buf_free(&b);
		return;
	}
	line(o, depth, "%s = [", name);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		fmt_scalar(&b, config_setting_get_elem(m, i));
		line(o, depth + 1, "%s%s", b.p, i + 1 < n ? "," : "");
	}
	line(o, depth, "];");
	buf_free(&b);
}

/* One setting, or a commented example when it has no value. */
static void
show_value(struct show *o, const config_setting_t *m,
    const struct conf_key *k, int depth)
{
	const config_setting_t *src;
	struct buf b = BUF_INIT;
	int saved = o->cdepth;
	const char *name = conf_key_name(k);

	if (m != NULL && k->def != NULL && k->def[0] == '=' &&
	    config_setting_source_line(m) == 0 && o->cdepth < 0)
		o->cdepth = depth;	/* inherited: show, commented out */
	if (m == NULL && o->cdepth < 0)
		o->cdepth = depth;
	if (m != NULL && k->type == CONF_LIST)
		show_list(o, m, name, depth);
	else {
		if (m != NULL)
			fmt_scalar(&b, m);
		else if (k->def != NULL && k->def[0] == '=' &&
		    (src = config_lookup(o->cfg, k->def + 1)) != NULL)
			fmt_scalar(&b, src);
		else if (k->def != NULL)
			fmt_text(&b, k->type, k->def);
		else if (k->example != NULL)
			fmt_text(&b, k->type, k->example);
		else
			buf_adds(&b, k->type == CONF_LIST ? "[ ]" : "\"\"");
		line(o, depth, "%s = %s;", name, b.p);
	}
	o->cdepth = saved;
	buf_free(&b);
}

static void
show_groups(struct show *o, const config_setting_t *m,
    const struct conf_key *k, int depth)
{
	unsigned i, n = m != NULL ? (unsigned)config_setting_length(m) : 0;
	int saved = o->cdepth;

	line(o, depth, "%s = (", conf_key_name(k));
	if (n == 0) {
		/* Empty: one commented element shows the members. */
		if (o->cdepth < 0)
			o->cdepth = depth + 1;
		line(o, depth + 1, "{");
		show_group(o, NULL, k->path, depth + 2);
		line(o, depth + 1, "}");
		o->cdepth = saved;
	}
	for (i = 0; i < n; i++) {
		line(o, depth + 1, "{");
		show_group(o, config_setting_get_elem(m, i), k->path,
		    depth + 2);
		line(o, depth + 1, "}%s", i + 1 < n ? "," : "");
	}
	line(o, depth, ");");
}

/* The members of group g (NULL: an example) whose schema path is spath. */
static void
show_group(struct show *o, const config_setting_t *g, const char *spath,
    int depth)
{
	const struct conf_key *k;
	const config_setting_t *m;
	struct buf b = BUF_INIT;
	size_t i;
	int first = 1;

	for (i = 0; i < conf_nschema; i++) {
		k = &conf_schema[i];
		if (!conf_key_is_child(k, spath))
			continue;
		m = g != NULL ? config_setting_get_member(g,
		    conf_key_name(k)) : NULL;
		if (!first)
			blank(o);
		first = 0;
		comment(o, depth, k->doc);
		buf_reset(&b);
		details(&b, k);
		if (b.len > 0)
			comment(o, depth, b.p);
		if (k->type == CONF_GROUP) {
			line(o, depth, "%s = {", conf_key_name(k));
			show_group(o, m, k->path, depth + 1);
			line(o, depth, "};");
		} else if (k->type == CONF_GROUPS)
			show_groups(o, m, k, depth);
		else
			show_value(o, m, k, depth);
	}
	buf_free(&b);
}

int
conf_show(const struct conf *c, FILE *f)
{
	struct show o = { f, c->cfg, -1 };

	fputs("# mxwarden.conf: the mxwarden configuration (libconfig "
	    "syntax).\n"
	    "#\n"
	    "# Every setting is listed with its description, type and "
	    "default; a\n"
	    "# setting left out takes its default. Check a file with\n"
	    "#   mxwarden config check -c /etc/mxwarden/mxwarden.conf\n"
	    "# and print the effective configuration with\n"
	    "#   mxwarden config show -c /etc/mxwarden/mxwarden.conf\n"
	    "# Durations: 90 (seconds), 30s, 5m, 2h, 1d, 1w. Sizes: 4096 "
	    "(bytes),\n"
	    "# 512K, 64M, 1G. @include \"other.conf\" reads another file "
	    "(relative\n"
	    "# to this one's directory).\n", f);
	if (c->root->file != NULL)
		fprintf(f, "#\n# Effective configuration of %s.\n",
		    c->root->file);
	fputs("\n", f);
	show_group(&o, c->root->node, "", 0);
	fflush(f);
	return ferror(f) ? -1 : 0;
}

/* Markdown: "|" would end a table cell. */
static void
md_cell(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

int
conf_reference(FILE *f)
{
	const struct conf_key *k;
	struct buf b = BUF_INIT;
	size_t i;

	fputs("| Setting | Description | Type and default |\n"
	    "|---|---|---|\n", f);
	for (i = 0; i < conf_nschema; i++) {
		k = &conf_schema[i];
		buf_reset(&b);
		details(&b, k);
		fprintf(f, "| `%s%s` | ", k->path,
		    k->type == CONF_GROUPS ? "[]" : "");
		md_cell(f, k->doc);
		fputs(" | ", f);
		md_cell(f, b.len > 0 ? b.p : "section");
		fputs(" |\n", f);
	}
	buf_free(&b);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
