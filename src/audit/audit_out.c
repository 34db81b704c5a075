/*
 * The audit's three outputs: a human report grouped by area with the
 * fix under each problem (colours on a terminal), the JSON document of
 * docs/json.md (schema_version 1), and CSV (RFC 4180) with one row per
 * domain and check for bulk runs.
 */
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/audit.h"
#include "lib/buf.h"

static const char *const colour[] = {
	"\033[32m", "\033[36m", "\033[33m", "\033[31;1m", "\033[35m",
	"\033[2m", ""
};
#define RESET	"\033[0m"

static const char *const areas[][2] = {
	{ "dns", "DNS" }, { "dnssec", "DNSSEC" }, { "mx", "MX" },
	{ "rdns", "Reverse DNS" }, { "smtp", "SMTP and TLS" },
	{ "dane", "DANE" }, { "mtasts", "MTA-STS" }, { "tlsrpt", "TLS-RPT" },
	{ "spf", "SPF" }, { "dmarc", "DMARC" }, { "dkim", "DKIM" },
	{ "bimi", "BIMI" }, { "rbl", "Blocklists" }
};
#define NAREAS	(sizeof(areas) / sizeof(areas[0]))

static void
upper(char *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		dst[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
	dst[i] = '\0';
}

/* Untrusted text (records, banners): control characters as '?'. */
static void
put_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void
text_finding(const struct audit_finding *x, FILE *f, int is_color,
    int verbose)
{
	char st[8];
	size_t i, max = verbose > 0 ? x->nevidence : 6;
	int is_problem = x->status == AUDIT_WARN || x->status == AUDIT_FAIL ||
	    x->status == AUDIT_ERROR;

	upper(st, audit_status_str(x->status), sizeof(st));
	fprintf(f, "  %s%-5s%s %s: ", is_color ? colour[x->status] : "", st,
	    is_color ? RESET : "", x->check->title);
	put_safe(f, x->message);
	fprintf(f, " [%s]\n", x->check->id);
	if (x->fix != NULL && x->status != AUDIT_PASS)
		fprintf(f, "        fix: %s\n", x->fix);
	if (!is_problem && verbose == 0)
		return;
	for (i = 0; i < x->nevidence && i < max; i++) {
		fputs("        | ", f);
		put_safe(f, x->evidence[i]);
		fputc('\n', f);
	}
	if (x->nevidence > max)
		fprintf(f, "        | ... %zu more (-v shows all)\n",
		    x->nevidence - max);
	if (is_problem || verbose > 0)
		fprintf(f, "        see: %s\n", x->check->refs);
}

int
audit_write_text(const struct audit_report *r, FILE *f, int is_color,
    int verbose)
{
	size_t c[6], i, k, shown;

	audit_summary(r, c);
	fprintf(f, "mxwarden check %s (profile %s): %zu fail, %zu warn, "
	    "%zu info, %zu pass, %zu error, %zu skip; %.0f ms\n", r->domain,
	    audit_profile_str(r->profile), c[AUDIT_FAIL], c[AUDIT_WARN],
	    c[AUDIT_INFO], c[AUDIT_PASS], c[AUDIT_ERROR], c[AUDIT_SKIP],
	    (double)r->duration_us / 1000);
	for (k = 0; k < NAREAS; k++) {
		shown = 0;
		for (i = 0; i < r->n; i++) {
			const struct audit_finding *x = &r->f[i];

			if (strcmp(x->check->category, areas[k][0]) != 0)
				continue;
			if (verbose == 0 && (x->status == AUDIT_PASS ||
			    x->status == AUDIT_SKIP))
				continue;
			if (shown++ == 0)
				fprintf(f, "\n%s\n", areas[k][1]);
			text_finding(x, f, is_color, verbose);
		}
	}
	if (verbose == 0)
		fprintf(f, "\n%zu passed and %zu skipped checks not shown "
		    "(-v shows them).\n", c[AUDIT_PASS], c[AUDIT_SKIP]);
	return ferror(f) ? -1 : 0;
}

static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8: keep the bytes readable as \xNN. */
	{
		struct buf b = BUF_INIT;

		for (; *s != '\0'; s++)
			if ((unsigned char)*s < 0x80)
				buf_addc(&b, *s);
			else
				buf_printf(&b, "\\x%02x", (unsigned char)*s);
		j = json_stringn(b.p != NULL ? b.p : "", b.len);
		buf_free(&b);
		return j;
	}
}

static json_t *
jrefs(const char *refs)
{
	json_t *a = json_array();
	const char *p = refs;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, ";");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		json_array_append_new(a, json_stringn(p, n));
		p += strcspn(p, ";");
		while (*p == ';' || *p == ' ')
			p++;
	}
	return a;
}

static json_t *
jcheck(const struct audit_finding *x, enum audit_profile prof)
{
	json_t *o = json_object(), *ev = json_object(), *recs = json_array();
	char url[96];
	size_t i;

	json_object_set_new(o, "id", json_string(x->check->id));
	json_object_set_new(o, "category", json_string(x->check->category));
	json_object_set_new(o, "status",
	    json_string(audit_status_str(x->status)));
	json_object_set_new(o, "severity",
	    json_string(audit_status_str(x->check->sev[prof])));
	json_object_set_new(o, "title", json_string(x->check->title));
	json_object_set_new(o, "message", jstr(x->message));
	for (i = 0; i < x->nevidence; i++)
		json_array_append_new(recs, jstr(x->evidence[i]));
	json_object_set_new(ev, "records", recs);
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "refs", jrefs(x->check->refs));
	json_object_set_new(o, "fix", x->status == AUDIT_PASS ? json_null() :
	    jstr(x->fix));
	snprintf(url, sizeof(url), "docs/check.md#%s", x->check->id);
	json_object_set_new(o, "docs_url", json_string(url));
	return o;
}

static json_t *
jlist(const char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, jstr(v[i]));
	return a;
}

static json_t *
jreport(const struct audit_report *r)
{
	json_t *o = json_object(), *t, *checks = json_array();
	size_t c[6], i;
	char when[32];
	struct tm tm;

	gmtime_r(&r->started_at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "schema_version",
	    json_integer(AUDIT_JSON_SCHEMA));
	t = json_object();
	json_object_set_new(t, "name", json_string("mxwarden"));
	json_object_set_new(t, "version", json_string(MXW_VERSION));
	json_object_set_new(o, "tool", t);
	json_object_set_new(o, "target", jstr(r->domain));
	json_object_set_new(o, "started_at", json_string(when));
	json_object_set_new(o, "duration_ms",
	    json_integer((json_int_t)(r->duration_us / 1000)));
	t = json_object();
	json_object_set_new(t, "validating", json_boolean(r->is_validating));
	json_object_set_new(t, "dnssec_trust_anchor", jstr(r->trust_anchor));
	json_object_set_new(o, "resolver", t);
	json_object_set_new(o, "profile",
	    json_string(audit_profile_str(r->profile)));
	audit_summary(r, c);
	t = json_object();
	for (i = 0; i < 6; i++)
		json_object_set_new(t, audit_status_str((enum audit_status)i),
		    json_integer((json_int_t)c[i]));
	json_object_set_new(o, "summary", t);
	json_object_set_new(o, "exit_code", json_integer(
	    audit_exit_code(&r, 1, 0)));
	for (i = 0; i < r->n; i++)
		json_array_append_new(checks, jcheck(&r->f[i], r->profile));
	json_object_set_new(o, "checks", checks);
	t = json_object();
	json_object_set_new(t, "spf", jstr(r->spf));
	json_object_set_new(t, "dmarc", json_pack("{s:o,s:o}", "record",
	    jstr(r->dmarc), "location", jstr(r->dmarc_location)));
	json_object_set_new(t, "mx", jlist(r->mx, r->nmx));
	json_object_set_new(t, "mta_sts", json_pack("{s:o,s:o}", "record",
	    jstr(r->mta_sts_record), "policy", jstr(r->mta_sts_policy)));
	json_object_set_new(t, "tlsrpt", jstr(r->tlsrpt));
	json_object_set_new(t, "dkim", jlist(r->dkim, r->ndkim));
	json_object_set_new(o, "records", t);
	return o;
}

int
audit_write_json(const struct audit_report *const *r, size_t n, FILE *f)
{
	json_t *o, *arr;
	size_t i;
	int rc;

	if (n == 1)
		o = jreport(r[0]);
	else {
		o = json_object();
		arr = json_array();
		json_object_set_new(o, "schema_version",
		    json_integer(AUDIT_JSON_SCHEMA));
		for (i = 0; i < n; i++)
			json_array_append_new(arr, jreport(r[i]));
		json_object_set_new(o, "reports", arr);
		json_object_set_new(o, "exit_code",
		    json_integer(audit_exit_code(r, n, 0)));
	}
	rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
	return rc == 0 && !ferror(f) ? 0 : -1;
}

static void
csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
	fputc('"', f);
}

int
audit_write_csv(const struct audit_report *r, FILE *f, int is_header)
{
	size_t i;

	if (is_header)
		fputs("domain,id,category,status,message,fix\r\n", f);
	for (i = 0; i < r->n; i++) {
		const struct audit_finding *x = &r->f[i];

		csv_field(f, r->domain);
		fputc(',', f);
		csv_field(f, x->check->id);
		fputc(',', f);
		csv_field(f, x->check->category);
		fputc(',', f);
		csv_field(f, audit_status_str(x->status));
		fputc(',', f);
		csv_field(f, x->message);
		fputc(',', f);
		csv_field(f, x->status == AUDIT_PASS ? NULL : x->fix);
		fputs("\r\n", f);
	}
	return ferror(f) ? -1 : 0;
}
