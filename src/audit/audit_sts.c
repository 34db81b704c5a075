/*
 * MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460): the _mta-sts
 * TXT record (3.1), the policy fetched over HTTPS with libcurl exactly
 * as a sending MTA would (3.3: https only, certificate valid for
 * mta-sts.<domain>, no redirects followed, bounded size and time), its
 * syntax (3.2), whether it covers every MX (4.1), whether the MX hosts
 * meet it (4.2, from the SMTP probes), and the _smtp._tls record (3).
 * The policy host's address comes from our resolver, so a --dns-overlay
 * "what if" applies to it as well.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"

#define STS_MAX_AGE_MAX	31557600	/* RFC 8461 3.2 */
#define STS_MX_MAX	64		/* mx lines kept */
#define STS_FIELDS_MAX	64

/* Split "a; b ;c" into trimmed fields (arena); count returned. */
static size_t
fields(struct arena *a, const char *text, size_t len, const char **v,
    size_t max)
{
	size_t n = 0, k;
	const char *p = text, *end = text + len;

	while (p < end && n < max) {
		const char *semi = memchr(p, ';', (size_t)(end - p));

		k = semi != NULL ? (size_t)(semi - p) : (size_t)(end - p);
		v[n] = str_trim(a, p, k);
		if (v[n][0] != '\0' || semi != NULL)
			n++;
		p += k + (semi != NULL);
	}
	/* A final ";" leaves an empty last field: drop it. */
	if (n > 0 && v[n - 1][0] == '\0')
		n--;
	return n;
}

int
audit_sts_record_parse(struct arena *a, const char *text, size_t len,
    struct audit_sts_record *r_r)
{
	const char *v[STS_FIELDS_MAX], **ext, *eq;
	size_t n, i, k;

	memset(r_r, 0, sizeof(*r_r));
	n = fields(a, text, len, v, STS_FIELDS_MAX);
	ext = arena_calloc(a, n + 1, sizeof(*ext));
	r_r->ext = ext;
	/* No leading space: the version comes first (RFC 8461 3.1). */
	if (n == 0 || strcmp(v[0], "v=STSv1") != 0 || len < 7 ||
	    text[0] != 'v') {
		r_r->why = "the record does not start with v=STSv1";
		return -1;
	}
	for (i = 1; i < n; i++) {
		if ((eq = strchr(v[i], '=')) == NULL || eq == v[i]) {
			r_r->why = arena_printf(a, "field \"%s\" is not "
			    "name=value", v[i]);
			return -1;
		}
		if (strncmp(v[i], "id=", 3) == 0) {
			if (r_r->id != NULL) {
				r_r->why = "id given twice";
				return -1;
			}
			r_r->id = eq + 1;
			k = strlen(r_r->id);
			if (k == 0 || k > 32) {
				r_r->why = "id must be 1 to 32 characters";
				return -1;
			}
			for (; k > 0; k--)
				if (!isalnum((unsigned char)r_r->id[k - 1])) {
					r_r->why = "id may hold only letters "
					    "and digits";
					return -1;
				}
		} else
			ext[r_r->next++] = arena_strndup(a, v[i],
			    (size_t)(eq - v[i]));
	}
	if (r_r->id == NULL) {
		r_r->why = "no id field";
		return -1;
	}
	return 0;
}

static int
is_number(const char *s)
{
	size_t n = 0;

	for (; isdigit((unsigned char)s[n]); n++)
		;
	return n > 0 && n <= 10 && s[n] == '\0';
}

static void
policy_set(struct arena *a, struct audit_sts_policy *p, const char *k,
    const char *val, const char **mx, size_t *nmx)
{
	if (strcmp(k, "version") == 0) {
		if (p->version != NULL && p->why == NULL)
			p->why = "version given twice";
		p->version = val;
		if (strcmp(val, "STSv1") != 0 && p->why == NULL)
			p->why = "version is not STSv1";
	} else if (strcmp(k, "mode") == 0) {
		if (p->mode_text != NULL && p->why == NULL)
			p->why = "mode given twice";
		p->mode_text = val;
		p->mode = strcmp(val, "enforce") == 0 ? AUDIT_STS_ENFORCE :
		    strcmp(val, "testing") == 0 ? AUDIT_STS_TESTING :
		    strcmp(val, "none") == 0 ? AUDIT_STS_NONE : AUDIT_STS_BAD;
		if (p->mode == AUDIT_STS_BAD && p->why == NULL)
			p->why = arena_printf(a, "mode \"%s\" is not "
			    "enforce, testing or none", val);
	} else if (strcmp(k, "max_age") == 0) {
		if (p->max_age != -1 && p->why == NULL)
			p->why = "max_age given twice";
		p->max_age = is_number(val) ? atoll(val) : -1;
		if ((p->max_age < 0 || p->max_age > STS_MAX_AGE_MAX) &&
		    p->why == NULL)
			p->why = "max_age is not a number up to 31557600";
	} else if (strcmp(k, "mx") == 0) {
		if (*nmx < STS_MX_MAX)
			mx[(*nmx)++] = val;
	} else if (p->nunknown < 16)
		p->unknown[p->nunknown++] = k;
}

int
audit_sts_policy_parse(struct arena *a, const char *text, size_t len,
    struct audit_sts_policy *p_r)
{
	const char *mx[STS_MX_MAX], *q = text, *end = text + len, *colon;
	size_t n, nmx = 0, lineno = 0;
	char *k, *val;

	memset(p_r, 0, sizeof(*p_r));
	p_r->max_age = -1;
	p_r->mode = AUDIT_STS_BAD;
	p_r->unknown = arena_calloc(a, 16, sizeof(char *));
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));

		n = nl != NULL ? (size_t)(nl - q) : (size_t)(end - q);
		lineno++;
		if (n > 0 && q[n - 1] == '\r')
			n--;
		if (n > 0) {
			colon = memchr(q, ':', n);
			if (colon == NULL || colon == q) {
				if (p_r->why == NULL)
					p_r->why = arena_printf(a, "line %zu "
					    "is not \"key: value\"", lineno);
			} else {
				k = str_trim(a, q, (size_t)(colon - q));
				val = str_trim(a, colon + 1,
				    n - (size_t)(colon - q) - 1);
				policy_set(a, p_r, k, val, mx, &nmx);
			}
		}
		q += n + (q + n < end && q[n] == '\r') + (nl != NULL);
	}
	p_r->mx = arena_calloc(a, nmx + 1, sizeof(char *));
	memcpy(p_r->mx, mx, nmx * sizeof(char *));
	p_r->nmx = nmx;
	if (p_r->why == NULL && p_r->version == NULL)
		p_r->why = "no version field";
	if (p_r->why == NULL && p_r->mode_text == NULL)
		p_r->why = "no mode field";
	if (p_r->why == NULL && p_r->max_age < 0)
		p_r->why = "no max_age field";
	if (p_r->why == NULL && nmx == 0 && p_r->mode != AUDIT_STS_NONE)
		p_r->why = "no mx field";
	return p_r->why != NULL ? -1 : 0;
}

int
audit_sts_match(const char *pat, const char *host)
{
	return audit_name_match(pat, host);
}

int
audit_tlsrpt_parse(struct arena *a, const char *text, size_t len,
    struct audit_tlsrpt *r_r)
{
	const char *v[STS_FIELDS_MAX], *p, *at;
	size_t n, i, k;
	char *u;

	memset(r_r, 0, sizeof(*r_r));
	n = fields(a, text, len, v, STS_FIELDS_MAX);
	if (n == 0 || strcmp(v[0], "v=TLSRPTv1") != 0 || text[0] != 'v') {
		r_r->why = "the record does not start with v=TLSRPTv1";
		return -1;
	}
	for (i = 1; i < n; i++) {
		if (strncmp(v[i], "rua=", 4) != 0)
			continue;
		if (r_r->rua != NULL) {
			r_r->why = "rua given twice";
			return -1;
		}
		r_r->rua = arena_calloc(a, 33, sizeof(char *));
		for (p = v[i] + 4; *p != '\0' && r_r->nrua < 32;) {
			k = strcspn(p, ",");
			u = str_trim(a, p, k);
			p += k + (p[k] == ',');
			r_r->rua[r_r->nrua++] = u;
			if (str_has_prefix_ci(u, "mailto:")) {
				at = strchr(u, '@');
				if (at == NULL || at == u + 7 ||
				    at[1] == '\0' || strchr(at, '.') == NULL) {
					r_r->why = arena_printf(a, "\"%s\" is "
					    "not a mail address", u);
					return -1;
				}
			} else if (!str_has_prefix_ci(u, "https://") ||
			    u[8] == '\0' || u[8] == '/') {
				r_r->why = arena_printf(a, "\"%s\" is not a "
				    "mailto: or https: URI", u);
				return -1;
			}
		}
	}
	if (r_r->rua == NULL || r_r->nrua == 0) {
		r_r->why = "no rua field";
		return -1;
	}
	return 0;
}

/*
 * The HTTPS fetch, shared with the BIMI logo and certificate fetch
 * (audit_bimi.c).
 */
static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct audit_fetch *f = arg;
	size_t len = size * n;

	if (f->body.len + len > f->max) {
		f->is_truncated = 1;
		return 0;
	}
	buf_add(&f->body, p, len);
	return len;
}

static CURLcode
on_ssl_ctx(CURL *h, void *sslctx, void *arg)
{
	(void)h;
	if (arg != NULL)
		X509_STORE_load_file(SSL_CTX_get_cert_store(sslctx), arg);
	return CURLE_OK;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
fetch_info(struct audit_ctx *x, CURL *h, struct audit_fetch *f)
{
	char *s = NULL;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f->status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK &&
	    s != NULL)
		f->ctype = arena_strdup(x->a, s);
	s = NULL;
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &s) == CURLE_OK &&
	    s != NULL)
		f->location = arena_strdup(x->a, s);
}

void
audit_fetch(struct audit_ctx *x, const char *host, unsigned port,
    const char *path, const char *addr, struct audit_fetch *f)
{
	char err[CURL_ERROR_SIZE] = "";
	unsigned to = x->o->https_port > 0 ? x->o->https_port : port;
	unsigned tmo = x->o->timeout_ms > 0 ? x->o->timeout_ms :
	    AUDIT_TIMEOUT_MS;
	int v6 = strchr(addr, ':') != NULL;
	struct curl_slist *res = NULL, *cto = NULL;
	CURLcode rc;
	CURL *h;

	pthread_once(&curl_once, curl_start);
	if ((h = curl_easy_init()) == NULL) {
		f->why = "libcurl failed to start";
		return;
	}
	/* Only addr is ever contacted: curl never resolves host itself. */
	res = curl_slist_append(NULL, arena_printf(x->a, "%s:%u:%s%s%s",
	    host, port, v6 ? "[" : "", addr, v6 ? "]" : ""));
	curl_easy_setopt(h, CURLOPT_URL, port == 443 ? arena_printf(x->a,
	    "https://%s%s", host, path) : arena_printf(x->a,
	    "https://%s:%u%s", host, port, path));
	curl_easy_setopt(h, CURLOPT_RESOLVE, res);
	if (to != port) {
		cto = curl_slist_append(NULL, arena_printf(x->a,
		    "%s:%u:%s%s%s:%u", host, port, v6 ? "[" : "", addr,
		    v6 ? "]" : "", to));
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, cto);
	}
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)tmo);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mxwarden-check");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, (void *)x->o->ca_file);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && f->is_truncated)) {
		f->why = arena_printf(x->a, "%s%s%s", curl_easy_strerror(rc),
		    err[0] != '\0' ? ": " : "", err);
		f->is_timeout = rc == CURLE_OPERATION_TIMEDOUT;
	}
	fetch_info(x, h, f);
	curl_easy_cleanup(h);
	curl_slist_free_all(res);
	curl_slist_free_all(cto);
}

const char *
audit_https_addr(struct audit_ctx *x, const char *host,
    struct audit_finding *f)
{
	struct dns_answer *ans;
	int t;

	if (x->o->https_addr != NULL)
		return x->o->https_addr;
	for (t = 0; t < 2; t++) {
		ans = audit_q(x, host, t == 0 ? DNS_T_A : DNS_T_AAAA);
		audit_ev_ans(x, f, ans);
		if (ans->rcode == DNS_R_NOERROR && ans->rr[0].is_decoded)
			return dns_rr_str(x->a, &ans->rr[0]);
	}
	return NULL;
}

static void
policy_checks(struct audit_ctx *x, const struct audit_sts_policy *p)
{
	struct audit_finding *f;
	size_t i, j, miss = 0;

	x->sts_mode = p->mode;
	x->sts_mx = p->mx;
	x->nsts_mx = p->nmx;
	audit_add(x, "mtasts.policy.mode", p->mode == AUDIT_STS_ENFORCE ?
	    AUDIT_PASS : p->mode == AUDIT_STS_TESTING ? AUDIT_WARN :
	    AUDIT_INFO, NULL, "mode: %s", p->mode_text);
	audit_add(x, "mtasts.policy.max_age", p->max_age >= 604800 ?
	    AUDIT_PASS : p->max_age < 86400 ? AUDIT_WARN : AUDIT_INFO, NULL,
	    "max_age: %lld seconds", p->max_age);
	if (p->mode == AUDIT_STS_NONE) {
		audit_add(x, "mtasts.policy.mx_coverage", AUDIT_SKIP, NULL,
		    "mode none");
		return;
	}
	f = audit_add(x, "mtasts.policy.mx_coverage", AUDIT_PASS, NULL,
	    "every MX host matches an mx pattern of the policy");
	for (i = 0; i < x->nmx; i++) {
		for (j = 0; j < p->nmx; j++)
			if (audit_sts_match(p->mx[j], x->mx[i].host))
				break;
		if (j == p->nmx) {
			miss++;
			audit_ev(x, f, "%s matches no mx pattern",
			    x->mx[i].host);
		}
	}
	if (miss > 0)
		audit_add(x, "mtasts.policy.mx_coverage",
		    p->mode == AUDIT_STS_ENFORCE ? AUDIT_FAIL : AUDIT_WARN,
		    NULL, "%zu MX host%s not covered: senders %s", miss,
		    miss == 1 ? " is" : "s are", p->mode ==
		    AUDIT_STS_ENFORCE ? "will not deliver to them" :
		    "report failures");
}

static void
policy(struct audit_ctx *x)
{
	struct audit_sts_policy p;
	struct audit_finding *f, *fs;
	struct audit_fetch fe;
	const char *addr, *host = arena_printf(x->a, "mta-sts.%s",
	    x->domain);
	size_t i;

	memset(&fe, 0, sizeof(fe));
	fe.max = AUDIT_POLICY_MAX;
	f = audit_add(x, "mtasts.policy.fetch", AUDIT_PASS, NULL, "-");
	if ((addr = audit_https_addr(x, host, f)) == NULL) {
		audit_add(x, "mtasts.policy.fetch", AUDIT_NOT_MET, NULL,
		    "mta-sts.%s has no address", x->domain);
		goto skip;
	}
	audit_fetch(x, host, 443, "/.well-known/mta-sts.txt", addr, &fe);
	audit_ev(x, f, "GET https://mta-sts.%s/.well-known/mta-sts.txt "
	    "(%s): HTTP %ld%s%s", x->domain, addr, fe.status,
	    fe.ctype != NULL ? ", " : "", fe.ctype != NULL ? fe.ctype : "");
	if (fe.why != NULL || fe.status != 200 || fe.is_truncated) {
		if (fe.location != NULL)
			audit_ev(x, f, "Location: %s (not followed, RFC 8461 "
			    "3.3)", fe.location);
		audit_add(x, "mtasts.policy.fetch", fe.is_timeout ?
		    AUDIT_ERROR : AUDIT_NOT_MET, NULL, "%s",
		    fe.why != NULL ? fe.why : fe.is_truncated ? "the policy "
		    "is over 64 KB" : fe.location != NULL ? arena_printf(x->a,
		    "HTTP %ld redirect: senders do not follow redirects",
		    fe.status) : arena_printf(x->a, "HTTP %ld", fe.status));
		buf_free(&fe.body);
		goto skip;
	}
	audit_add(x, "mtasts.policy.fetch", AUDIT_PASS, NULL, "policy "
	    "fetched (%zu bytes)", fe.body.len);
	x->rep->mta_sts_policy = arena_strndup(x->a, fe.body.p != NULL ?
	    fe.body.p : "", fe.body.len);
	audit_add(x, "mtasts.policy.media_type", fe.ctype != NULL &&
	    str_has_prefix_ci(fe.ctype, "text/plain") ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "Content-Type: %s", fe.ctype != NULL ?
	    fe.ctype : "(none)");
	fs = audit_add(x, "mtasts.policy.syntax", AUDIT_PASS, NULL,
	    "the policy parses");
	audit_ev(x, fs, "%s", x->rep->mta_sts_policy);
	if (audit_sts_policy_parse(x->a, fe.body.p != NULL ? fe.body.p : "",
	    fe.body.len, &p) == -1) {
		buf_free(&fe.body);
		audit_add(x, "mtasts.policy.syntax", AUDIT_NOT_MET, NULL,
		    "%s", p.why);
		audit_skip(x, "the policy does not parse",
		    "mtasts.policy.mode", "mtasts.policy.max_age",
		    "mtasts.policy.mx_coverage", NULL);
		return;
	}
	buf_free(&fe.body);
	for (i = 0; i < p.nunknown; i++)
		audit_ev(x, fs, "unknown key \"%s\" (ignored)", p.unknown[i]);
	policy_checks(x, &p);
	return;
skip:
	audit_skip(x, "no policy", "mtasts.policy.media_type",
	    "mtasts.policy.syntax", "mtasts.policy.mode",
	    "mtasts.policy.max_age", "mtasts.policy.mx_coverage", NULL);
}

void
audit_sts(struct audit_ctx *x)
{
	struct dns_answer *ans = audit_q(x, arena_printf(x->a,
	    "_mta-sts.%s", x->domain), DNS_T_TXT);
	struct dns_answer *rpt = audit_q(x, arena_printf(x->a,
	    "_smtp._tls.%s", x->domain), DNS_T_TXT);
	struct audit_sts_record r;
	struct audit_finding *f;
	const char **v, *rec = NULL;
	size_t i, n, nrec = 0;

	x->sts_mode = AUDIT_STS_NONE;
	n = audit_txts(x, ans, &v);
	for (i = 0; i < n; i++)
		if (strncmp(v[i], "v=STSv1", 7) == 0) {
			nrec++;
			rec = v[i];
		}
	if (nrec == 0) {
		f = audit_add(x, "mtasts.record.present",
		    rpt->rcode == DNS_R_NOERROR ? AUDIT_WARN : AUDIT_INFO,
		    NULL, "no MTA-STS record: senders cannot insist on TLS "
		    "unless you use DANE");
		audit_ev_ans(x, f, ans);
		audit_skip(x, "no MTA-STS record", "mtasts.record.single",
		    "mtasts.record.syntax", "mtasts.policy.fetch",
		    "mtasts.policy.media_type", "mtasts.policy.syntax",
		    "mtasts.policy.mode", "mtasts.policy.max_age",
		    "mtasts.policy.mx_coverage", NULL);
		return;
	}
	x->has_sts = 1;
	x->rep->mta_sts_record = rec;
	f = audit_add(x, "mtasts.record.present", AUDIT_PASS, NULL,
	    "MTA-STS record found");
	audit_ev_ans(x, f, ans);
	f = audit_add(x, "mtasts.record.single", nrec == 1 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "%zu v=STSv1 record%s", nrec,
	    nrec == 1 ? "" : "s");
	if (nrec > 1) {
		audit_ev_ans(x, f, ans);
		audit_skip(x, "several records", "mtasts.record.syntax",
		    "mtasts.policy.fetch", "mtasts.policy.media_type",
		    "mtasts.policy.syntax", "mtasts.policy.mode",
		    "mtasts.policy.max_age", "mtasts.policy.mx_coverage",
		    NULL);
		return;
	}
	if (audit_sts_record_parse(x->a, rec, strlen(rec), &r) == -1)
		f = audit_add(x, "mtasts.record.syntax", AUDIT_NOT_MET, NULL,
		    "%s", r.why);
	else
		f = audit_add(x, "mtasts.record.syntax", AUDIT_PASS, NULL,
		    "id=%s%s", r.id, r.next > 0 ? " (with extension "
		    "fields, ignored)" : "");
	audit_ev(x, f, "\"%s\"", rec);
	if (x->o->no_https)
		audit_skip(x, "HTTPS fetch disabled (--no-https)",
		    "mtasts.policy.fetch", "mtasts.policy.media_type",
		    "mtasts.policy.syntax", "mtasts.policy.mode",
		    "mtasts.policy.max_age", "mtasts.policy.mx_coverage",
		    NULL);
	else
		policy(x);
}

/* After the probes: do the MX hosts meet the policy (RFC 8461 4.2)? */
void
audit_sts_mx(struct audit_ctx *x)
{
	struct audit_finding *f;
	size_t i, j, bad = 0, n = 0;

	if (x->sts_mode != AUDIT_STS_ENFORCE &&
	    x->sts_mode != AUDIT_STS_TESTING) {
		audit_add(x, "mtasts.mx.tls", AUDIT_SKIP, NULL,
		    "no MTA-STS policy in enforce or testing mode");
		return;
	}
	if (x->nprobe == 0) {
		audit_add(x, "mtasts.mx.tls", AUDIT_SKIP, NULL,
		    "no MX host was probed");
		return;
	}
	f = audit_add(x, "mtasts.mx.tls", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		for (j = 0; j < x->nsts_mx; j++)
			if (audit_sts_match(x->sts_mx[j], p->host))
				break;
		if (j == x->nsts_mx || p->banner == NULL)
			continue;
		n++;
		if (!p->tls_ok || !p->trust_ok || !p->name_ok) {
			bad++;
			audit_ev(x, f, "%s %s: %s", p->host, p->addr.str,
			    !p->tls_ok ? "no TLS" : !p->trust_ok ?
			    p->trust_why : "certificate does not name the "
			    "host");
		} else
			audit_ev(x, f, "%s %s: %s, trusted, name matches",
			    p->host, p->addr.str, p->tls_version);
	}
	if (bad > 0)
		audit_add(x, "mtasts.mx.tls", x->sts_mode == AUDIT_STS_ENFORCE ?
		    AUDIT_FAIL : AUDIT_WARN, NULL, "%zu of %zu MX addresses "
		    "fail the policy's TLS requirements%s", bad, n,
		    x->sts_mode == AUDIT_STS_ENFORCE ? ": senders will not "
		    "deliver to them" : "");
	else
		audit_add(x, "mtasts.mx.tls", AUDIT_PASS, NULL, "%zu MX "
		    "addresses meet the policy", n);
}

void
audit_tlsrpt(struct audit_ctx *x)
{
	struct dns_answer *ans = audit_q(x, arena_printf(x->a,
	    "_smtp._tls.%s", x->domain), DNS_T_TXT);
	struct audit_tlsrpt t;
	struct audit_finding *f, *fm;
	struct dns_answer *mx;
	const char **v, *rec = NULL, *at;
	size_t i, n, nrec = 0, bad = 0;
	int deployed = x->has_sts || x->has_dane;

	n = audit_txts(x, ans, &v);
	for (i = 0; i < n; i++)
		if (strncmp(v[i], "v=TLSRPTv1", 10) == 0) {
			nrec++;
			rec = v[i];
		}
	if (!deployed)
		audit_add(x, "mtasts.tlsrpt.paired", AUDIT_SKIP, NULL,
		    "neither MTA-STS nor DANE is deployed");
	else
		audit_add(x, "mtasts.tlsrpt.paired", nrec > 0 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, nrec > 0 ? "TLS-RPT is published" :
		    "MTA-STS or DANE without TLS-RPT: you will not hear of "
		    "delivery failures");
	if (nrec == 0) {
		f = audit_add(x, "tlsrpt.record.present", deployed ?
		    AUDIT_WARN : AUDIT_INFO, NULL, "no TLS-RPT record");
		audit_ev_ans(x, f, ans);
		audit_skip(x, "no TLS-RPT record", "tlsrpt.record.single",
		    "tlsrpt.record.syntax", "tlsrpt.rua.mailto_mx", NULL);
		return;
	}
	x->has_tlsrpt = 1;
	x->rep->tlsrpt = rec;
	f = audit_add(x, "tlsrpt.record.present", AUDIT_PASS, NULL,
	    "TLS-RPT record found");
	audit_ev_ans(x, f, ans);
	audit_add(x, "tlsrpt.record.single", nrec == 1 ? AUDIT_PASS :
	    AUDIT_NOT_MET, NULL, "%zu v=TLSRPTv1 record%s", nrec,
	    nrec == 1 ? "" : "s");
	if (audit_tlsrpt_parse(x->a, rec, strlen(rec), &t) == -1) {
		f = audit_add(x, "tlsrpt.record.syntax", AUDIT_NOT_MET, NULL,
		    "%s", t.why);
		audit_ev(x, f, "\"%s\"", rec);
		audit_add(x, "tlsrpt.rua.mailto_mx", AUDIT_SKIP, NULL,
		    "the record does not parse");
		return;
	}
	audit_add(x, "tlsrpt.record.syntax", AUDIT_PASS, NULL, "%zu report "
	    "destination%s", t.nrua, t.nrua == 1 ? "" : "s");
	fm = audit_add(x, "tlsrpt.rua.mailto_mx", AUDIT_PASS, NULL, "-");
	for (i = 0; i < t.nrua; i++) {
		if ((at = strchr(t.rua[i], '@')) == NULL)
			continue;
		mx = audit_q(x, at + 1, DNS_T_MX);
		audit_ev_ans(x, fm, mx);
		if (mx->rcode != DNS_R_NOERROR && audit_q(x, at + 1,
		    DNS_T_A)->rcode != DNS_R_NOERROR)
			bad++;
	}
	audit_add(x, "tlsrpt.rua.mailto_mx", bad > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, "%zu mailto domain%s cannot receive mail", bad,
	    bad == 1 ? "" : "s");
}
