/*
 * The SMTP probe of every MX address, one thread each: TCP connect,
 * greeting, EHLO (RFC 5321 4.1.1.1), VRFY, STARTTLS (RFC 3207) with
 * OpenSSL, then the certificate chain, host name (RFC 6125), validity,
 * key and signature hash, and DANE-TLSA matching with OpenSSL's DANE
 * support (RFC 7672 3, RFC 7671). A second connection tries TLS 1.0/1.1
 * only (RFC 8996); audit_tls.c then scans suites, key exchange and
 * extensions over more connections. MAIL and RCPT are sent only by the
 * opt-in relay and postmaster tests (audit_tls.c), never DATA.
 *
 * Verification is off during the handshake so that a bad certificate is
 * reported as such and never as "no STARTTLS"; trust is then computed
 * separately against the system roots plus --ca-file, with time checks
 * left to the expiry finding so that each fault is reported once.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define REPLY_MAX	65536	/* bytes of one SMTP reply we read */
#define LINE_MAX_SMTP	1000	/* RFC 5321 4.5.3.1.5, with CRLF */
#define LINES_MAX	256

int
audit_smtp_reply_parse(struct arena *a, const char *p, size_t len,
    struct audit_smtp_reply *r_r, const char **why_r)
{
	size_t off = 0, n, nl = 0, k;
	const char *lines[LINES_MAX];
	int code = 0, c;

	memset(r_r, 0, sizeof(*r_r));
	for (;;) {
		const char *eol = memchr(p + off, '\n', len - off);

		if (eol == NULL) {
			if (len - off > LINE_MAX_SMTP) {
				*why_r = "reply line over 1000 bytes";
				return -1;
			}
			return 0;
		}
		n = (size_t)(eol - (p + off));
		if (n > LINE_MAX_SMTP) {
			*why_r = "reply line over 1000 bytes";
			return -1;
		}
		if (n > 0 && p[off + n - 1] == '\r')
			n--;
		if (n < 3 || !isdigit((unsigned char)p[off]) ||
		    !isdigit((unsigned char)p[off + 1]) ||
		    !isdigit((unsigned char)p[off + 2]) ||
		    p[off] < '2' || p[off] > '5' ||
		    (n > 3 && p[off + 3] != ' ' && p[off + 3] != '-')) {
			*why_r = "not an SMTP reply line";
			return -1;
		}
		c = (p[off] - '0') * 100 + (p[off + 1] - '0') * 10 +
		    (p[off + 2] - '0');
		if (code != 0 && c != code) {
			*why_r = "reply lines with different codes";
			return -1;
		}
		code = c;
		if (nl == LINES_MAX) {
			*why_r = "more than 256 reply lines";
			return -1;
		}
		lines[nl++] = arena_strndup(a, n > 4 ? p + off + 4 : "",
		    n > 4 ? n - 4 : 0);
		k = off;
		off = (size_t)(eol - p) + 1;
		if (n == 3 || p[k + 3] == ' ')
			break;
	}
	r_r->code = code;
	r_r->nline = nl;
	r_r->line = arena_calloc(a, nl, sizeof(*r_r->line));
	memcpy(r_r->line, lines, nl * sizeof(*lines));
	r_r->used = off;
	return 1;
}

static int
conn_open(struct audit_conn *c, const char *addr, unsigned port,
    int *refused_r, const char **why_r)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct timeval tv;
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	int err = 0, fl;

	*refused_r = 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		*why_r = "not an address";
		return -1;
	}
	if ((c->fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1) {
		*why_r = "socket() failed";
		return -1;
	}
	fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(c->fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS)
		err = errno;
	else {
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)c->timeout_ms) != 1)
			err = ETIMEDOUT;
		else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
		    &el) == -1)
			err = errno;
	}
	if (err != 0) {
		*refused_r = err == ECONNREFUSED;
		*why_r = arena_printf(c->a, "connect: %s", strerror(err));
		return -1;
	}
	fcntl(c->fd, F_SETFL, fl);
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

static void
conn_close(struct audit_conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

static int
conn_write(struct audit_conn *c, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	if (c->ssl != NULL)
		return SSL_write(c->ssl, s, (int)n) == (int)n ? 0 : -1;
	while (n > 0) {
		if ((w = send(c->fd, s, n, MSG_NOSIGNAL)) <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one reply. Returns its code, or -1 with *why_r. */
static int
conn_reply(struct audit_conn *c, struct audit_smtp_reply *r, const char **why_r)
{
	ssize_t n;
	int rc;

	if (c->buf == NULL)
		c->buf = xmalloc(REPLY_MAX);
	for (;;) {
		rc = audit_smtp_reply_parse(c->a, c->buf, c->len, r, why_r);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			memmove(c->buf, c->buf + r->used, c->len - r->used);
			c->len -= r->used;
			return r->code;
		}
		if (c->len == REPLY_MAX) {
			*why_r = "reply too long";
			return -1;
		}
		if (c->ssl != NULL)
			n = SSL_read(c->ssl, c->buf + c->len,
			    (int)(REPLY_MAX - c->len));
		else
			n = read(c->fd, c->buf + c->len, REPLY_MAX - c->len);
		if (n <= 0) {
			*why_r = n == 0 ? "connection closed" :
			    "read timeout or error";
			return -1;
		}
		c->len += (size_t)n;
	}
}

static int
cmd(struct audit_conn *c, const char *line, struct audit_smtp_reply *r,
    const char **why_r)
{
	if (conn_write(c, line) == -1) {
		*why_r = "write failed";
		return -1;
	}
	return conn_reply(c, r, why_r);
}

static SSL_CTX *
tls_ctx(const struct audit_opts *o, int old_only)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (old_only) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	} else {
		SSL_CTX_set_default_verify_paths(ctx);
		if (o->ca_file != NULL)
			SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL);
		SSL_CTX_dane_enable(ctx);
	}
	return ctx;
}

/* Trust of the presented chain, time checks off (see file comment). */
static void
cert_trust(struct audit_probe *p, SSL *ssl, const struct audit_opts *o)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl);
	int err;

	X509_STORE_set_default_paths(st);
	if (o->ca_file != NULL)
		X509_STORE_load_file(st, o->ca_file);
	X509_STORE_set_flags(st, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_STORE_CTX_init(sc, st, leaf, chain) == 1 &&
	    X509_verify_cert(sc) == 1)
		p->trust_ok = 1;
	else {
		err = X509_STORE_CTX_get_error(sc);
		p->trust_why = arena_strdup(p->a,
		    X509_verify_cert_error_string(err));
	}
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
}

static time_t
asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void
cert_key(struct audit_probe *p, X509 *leaf)
{
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	char grp[64];
	size_t gl = 0;

	if (pk == NULL)
		return;
	p->key_bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		p->key_type = "RSA";
		p->key_weak = p->key_bits < 2048 ? 2 : p->key_bits < 3072;
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, grp, sizeof(grp), &gl) != 1)
			str_lcpy(grp, "?", sizeof(grp));
		p->key_type = arena_printf(p->a, "EC %s", grp);
		p->key_weak = strcmp(grp, "prime256v1") != 0 &&
		    strcmp(grp, "secp384r1") != 0 &&
		    strcmp(grp, "secp521r1") != 0 ? 2 : 0;
		break;
	case EVP_PKEY_ED25519:
		p->key_type = "Ed25519";
		break;
	case EVP_PKEY_ED448:
		p->key_type = "Ed448";
		break;
	default:
		p->key_type = "other";
		p->key_weak = 2;
	}
}

static void
cert_facts(struct audit_probe *p, SSL *ssl)
{
	X509 *leaf = SSL_get0_peer_certificate(ssl), *c;
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	GENERAL_NAMES *sans;
	struct buf b = BUF_INIT;
	char line[256];
	int i, md, pkn;

	if (leaf == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(leaf), line, sizeof(line));
	p->cert_subject = arena_strdup(p->a, line);
	p->name_ok = X509_check_host(leaf, p->host, 0, 0, NULL) == 1;
	p->not_before = asn1_time(X509_get0_notBefore(leaf));
	p->not_after = asn1_time(X509_get0_notAfter(leaf));
	sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

		if (g->type == GEN_DNS)
			buf_printf(&b, "%s%.*s", b.len > 0 ? " " : "",
			    ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(
			    g->d.dNSName));
	}
	GENERAL_NAMES_free(sans);
	p->cert_sans = arena_strndup(p->a, b.p != NULL ? b.p : "", b.len);
	buf_reset(&b);
	cert_key(p, leaf);
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		c = sk_X509_value(chain, i);
		X509_NAME_oneline(X509_get_subject_name(c), line,
		    sizeof(line));
		buf_printf(&b, "%s%d: %s", i > 0 ? "; " : "", i, line);
		if (X509_check_issued(c, c) == X509_V_OK && i > 0)
			continue;	/* a root's self-signature */
		if (OBJ_find_sigid_algs(X509_get_signature_nid(c), &md,
		    &pkn) == 1 && (md == NID_sha1 || md == NID_md5))
			p->sig_weak = md == NID_sha1 ? "SHA-1" : "MD5";
	}
	p->chain = arena_strndup(p->a, b.p != NULL ? b.p : "", b.len);
	buf_free(&b);
}

/* Add the usable TLSA records; 1 if DANE is in force for this SSL. */
static int
dane_setup(SSL *ssl, const struct audit_mx *m)
{
	size_t i, n = 0;

	if (m == NULL || m->tlsa == NULL || m->tlsa->rcode != DNS_R_NOERROR)
		return 0;
	if (SSL_dane_enable(ssl, m->host) <= 0)
		return 0;
	for (i = 0; i < m->tlsa->nrr; i++) {
		const struct dns_rr *rr = &m->tlsa->rr[i];

		if (!rr->is_decoded || rr->u.tlsa.usage < 2)
			continue;	/* RFC 7672 3.1.3: PKIX-* unusable */
		if (SSL_dane_tlsa_add(ssl, rr->u.tlsa.usage,
		    rr->u.tlsa.selector, rr->u.tlsa.mtype, rr->u.tlsa.data,
		    rr->u.tlsa.len) > 0)
			n++;
	}
	return n > 0;
}

static int
tls_start(struct audit_conn *c, SSL_CTX *ctx, const char *host,
    const struct audit_mx *m, int *dane_r, const char **why_r)
{
	unsigned long e;

	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, host);
	*dane_r = dane_setup(c->ssl, m);
	if (SSL_connect(c->ssl) != 1) {
		e = ERR_get_error();
		*why_r = arena_printf(c->a, "TLS handshake failed: %s",
		    e != 0 ? ERR_reason_error_string(e) : "closed");
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
		return -1;
	}
	return 0;
}

/* Greeting, EHLO and STARTTLS on an open connection. */
static int
smtp_start(struct audit_conn *c, struct audit_probe *p, const char *ehlo,
    int record, const char **why_r)
{
	struct audit_smtp_reply r;
	char line[300];
	size_t i;

	if (conn_reply(c, &r, why_r) != 220) {
		if (r.code != 0)
			*why_r = arena_printf(c->a, "greeting %d %s", r.code,
			    r.nline > 0 ? r.line[0] : "");
		return -1;
	}
	if (record)
		p->banner = arena_strdup(p->a, r.line[0]);
	snprintf(line, sizeof(line), "EHLO %s\r\n", ehlo);
	if (cmd(c, line, &r, why_r) != 250) {
		if (r.code != 0)
			*why_r = arena_printf(c->a, "EHLO answered %d",
			    r.code);
		return -1;
	}
	if (record) {
		p->ehlo = arena_calloc(p->a, r.nline, sizeof(char *));
		for (i = 1; i < r.nline; i++) {
			p->ehlo[p->nehlo++] = arena_strdup(p->a, r.line[i]);
			if (str_casecmp(r.line[i], "STARTTLS") == 0)
				p->has_starttls = 1;
		}
	}
	return 0;
}

static void
probe_old_tls(struct audit_probe *p, const struct audit_opts *o,
    const char *ehlo)
{
	struct audit_conn c = { -1, NULL, NULL, 0, 0, p->a };
	struct audit_smtp_reply r;
	SSL_CTX *ctx = tls_ctx(o, 1);
	const char *why;
	int refused, dane;

	c.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : AUDIT_TIMEOUT_MS;
	p->tls_old_tried = 1;
	if (ctx != NULL && conn_open(&c, p->connect_to, p->port, &refused,
	    &why) == 0 && smtp_start(&c, p, ehlo, 0, &why) == 0 &&
	    cmd(&c, "STARTTLS\r\n", &r, &why) == 220 &&
	    tls_start(&c, ctx, p->host, NULL, &dane, &why) == 0)
		p->tls_old_ok = 1;
	ERR_clear_error();
	conn_close(&c);
	SSL_CTX_free(ctx);
}

static void *
probe_run(void *arg)
{
	struct audit_probe *p = arg;
	const struct audit_opts *o = p->o;
	const struct audit_mx *m = p->m;
	const char *ehlo = o->ehlo_name != NULL ? o->ehlo_name :
	    "mxwarden.invalid", *why = NULL;
	struct audit_conn c = { -1, NULL, NULL, 0, 0, p->a };
	struct audit_smtp_reply r;
	uint64_t t0 = clock_mono_us();
	SSL_CTX *ctx = NULL;
	int refused, dane = 0, rc;

	c.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : AUDIT_TIMEOUT_MS;
	if (conn_open(&c, p->connect_to, p->port, &refused, &why) == -1) {
		p->why = refused ? arena_printf(p->a, "%s (refused)", why) :
		    why;
		goto done;
	}
	p->is_connected = 1;
	if (smtp_start(&c, p, ehlo, 1, &why) == -1) {
		p->why = why;
		goto done;
	}
	p->greet_ms = (clock_mono_us() - t0) / 1000;
	if (o->rcpt_tests)
		audit_rcpt_probe(p);
	rc = cmd(&c, "VRFY postmaster\r\n", &r, &why);
	p->has_vrfy = rc == 250 || rc == 252;
	if (rc == -1) {
		p->why = why;
		goto done;
	}
	if (!p->has_starttls)
		goto done;
	if (cmd(&c, "STARTTLS\r\n", &r, &why) != 220) {
		p->tls_why = why != NULL ? why : "STARTTLS refused";
		goto done;
	}
	ctx = tls_ctx(o, 0);
	if (ctx == NULL || tls_start(&c, ctx, p->host, m, &dane, &why) == -1) {
		p->tls_why = why;
		goto done;
	}
	p->tls_ok = 1;
	p->tls_version = SSL_get_version(c.ssl);
	p->tls_cipher = SSL_get_cipher_name(c.ssl);
	p->has_ems = SSL_version(c.ssl) == TLS1_2_VERSION ?
	    SSL_get_extms_support(c.ssl) : -1;
	cert_facts(p, c.ssl);
	cert_trust(p, c.ssl, o);
	if (dane) {
		p->dane_tried = 1;
		p->dane_ok = SSL_get_verify_result(c.ssl) == X509_V_OK &&
		    SSL_get0_dane_authority(c.ssl, NULL, NULL) >= 0;
		if (!p->dane_ok)
			p->dane_why = arena_strdup(p->a,
			    X509_verify_cert_error_string(
			    SSL_get_verify_result(c.ssl)));
	}
	(void)cmd(&c, "QUIT\r\n", &r, &why);
	conn_close(&c);
	probe_old_tls(p, o, ehlo);
	if (!o->no_tls_scan)
		audit_tls_scan(p);
done:
	if (p->is_connected && c.fd != -1 && c.ssl == NULL)
		(void)conn_write(&c, "QUIT\r\n");
	conn_close(&c);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	p->is_done = 1;
	return NULL;
}

int
audit_conn_smtp(struct audit_probe *p, struct audit_conn *c,
    const char **why_r)
{
	const struct audit_opts *o = p->o;
	int refused;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->a = p->a;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : AUDIT_TIMEOUT_MS;
	if (conn_open(c, p->connect_to, p->port, &refused, why_r) == -1 ||
	    smtp_start(c, p, o->ehlo_name != NULL ? o->ehlo_name :
	    "mxwarden.invalid", 0, why_r) == -1) {
		conn_close(c);
		return -1;
	}
	return 0;
}

int
audit_conn_cmd(struct audit_conn *c, const char *line,
    struct audit_smtp_reply *r, const char **why_r)
{
	return cmd(c, line, r, why_r);
}

void
audit_conn_close(struct audit_conn *c)
{
	conn_close(c);
}

static void
free_arena(void *arg)
{
	struct arena *a = arg;

	arena_free(&a);
}

/* The address and port the probe of (host, addr) connects to. */
static void
probe_target(struct audit_ctx *x, struct audit_probe *p)
{
	size_t i;

	p->connect_to = p->addr.str;
	p->port = 25;
	for (i = 0; i < x->o->nsmtp_map; i++) {
		const struct audit_smtp_map *mp = &x->o->smtp_map[i];

		if (mp->host != NULL && str_casecmp(mp->host, p->host) != 0)
			continue;
		if (mp->addr != NULL)
			p->connect_to = mp->addr;
		if (mp->port != 0)
			p->port = mp->port;
		if (mp->host != NULL)
			break;
	}
}

void
audit_probe_start(struct audit_ctx *x)
{
	size_t i, j, n = 0;

	if (x->o->no_smtp || x->is_null_mx)
		return;
	for (i = 0; i < x->nmx; i++)
		n += x->mx[i].naddr;
	x->probe = arena_calloc(x->a, n + 1, sizeof(*x->probe));
	x->thr = arena_calloc(x->a, n + 1, sizeof(*x->thr));
	for (i = 0; i < x->nmx; i++)
		for (j = 0; j < x->mx[i].naddr; j++) {
			struct audit_probe *p = &x->probe[x->nprobe++];

			p->host = x->mx[i].host;
			p->domain = x->domain;
			p->addr = x->mx[i].addr[j];
			p->a = arena_new();
			arena_defer(x->a, free_arena, p->a);
			probe_target(x, p);
			p->o = x->o;
			p->m = &x->mx[i];
		}
	for (i = 0; i < x->nprobe; i++) {
		if (pthread_create(&x->thr[i], NULL, probe_run,
		    &x->probe[i]) != 0)
			probe_run(&x->probe[i]);
		else
			x->nthr = i + 1;
	}
}

void
audit_probe_join(struct audit_ctx *x)
{
	size_t i;

	for (i = 0; i < x->nthr; i++)
		pthread_join(x->thr[i], NULL);
	x->nthr = 0;
}

/*
 * Findings from the probes.
 */

static const char *const smtp_ids[] = {
	"smtp.reach", "smtp.greeting.time", "smtp.starttls.offered",
	"smtp.tls.version", "smtp.tls.ems", "smtp.cert.trust",
	"smtp.cert.hostname", "smtp.cert.expiry", "smtp.cert.pubkey",
	"smtp.cert.signature", "smtp.vrfy_expn", "mx.ipv6.reach",
	"smtp.tls.ciphers", "smtp.tls.cipher_order", "smtp.tls.kex_params",
	"smtp.tls.kex_hash", "smtp.tls.compression", "smtp.tls.secure_reneg",
	"smtp.tls.client_reneg", "smtp.tls.zero_rtt", "smtp.relay.closed",
	"smtp.postmaster"
};
#define NSMTP_IDS	(sizeof(smtp_ids) / sizeof(smtp_ids[0]))

static void
reach(struct audit_ctx *x, size_t *nup_r)
{
	struct audit_finding *f;
	size_t i, up = 0, refused = 0, v6 = 0, v6up = 0;

	f = audit_add(x, "smtp.reach", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (p->addr.af == AF_INET6) {
			v6++;
			v6up += p->is_connected;
		}
		if (p->is_connected && p->banner != NULL) {
			up++;
			audit_ev(x, f, "%s %s:%u: %s", p->host, p->connect_to,
			    p->port, p->banner);
		} else {
			refused += p->why != NULL && strstr(p->why,
			    "refused") != NULL;
			refused += p->is_connected;
			audit_ev(x, f, "%s %s:%u: %s", p->host, p->connect_to,
			    p->port, p->why != NULL ? p->why : "no greeting");
		}
	}
	if (up == x->nprobe)
		audit_add(x, "smtp.reach", AUDIT_PASS, NULL, "%zu of %zu MX "
		    "addresses greet with 220", up, x->nprobe);
	else if (up == 0 && refused == 0)
		audit_add(x, "smtp.reach", AUDIT_ERROR, NULL, "no MX address "
		    "answered in time: port 25 may be blocked on our own "
		    "network, so this is not counted against the domain");
	else
		audit_add(x, "smtp.reach", up == 0 ? AUDIT_FAIL : AUDIT_WARN,
		    NULL, "%zu of %zu MX addresses greet with 220", up,
		    x->nprobe);
	if (v6 == 0)
		audit_add(x, "mx.ipv6.reach", AUDIT_SKIP, NULL,
		    "no IPv6 MX addresses");
	else
		audit_add(x, "mx.ipv6.reach", v6up == v6 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, "%zu of %zu IPv6 MX addresses "
		    "reachable", v6up, v6);
	*nup_r = up;
}

static void
tls_findings(struct audit_ctx *x)
{
	struct audit_finding *fs, *fv, *fe, *fx;
	size_t i, notls = 0, old = 0, no13 = 0, noems = 0, vrfy = 0, n = 0;
	size_t slow = 0;

	fs = audit_add(x, "smtp.starttls.offered", AUDIT_PASS, NULL, "-");
	fv = audit_add(x, "smtp.tls.version", AUDIT_PASS, NULL, "-");
	fe = audit_add(x, "smtp.tls.ems", AUDIT_PASS, NULL, "-");
	fx = audit_add(x, "smtp.vrfy_expn", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (p->banner == NULL)
			continue;
		n++;
		slow += p->greet_ms > 10000;
		if (p->has_vrfy) {
			vrfy++;
			audit_ev(x, fx, "%s %s: VRFY answered", p->host,
			    p->addr.str);
		}
		if (!p->tls_ok) {
			notls++;
			audit_ev(x, fs, "%s %s: %s", p->host, p->addr.str,
			    !p->has_starttls ? "STARTTLS not in the EHLO "
			    "reply" : p->tls_why != NULL ? p->tls_why :
			    "TLS failed");
			continue;
		}
		audit_ev(x, fs, "%s %s: %s %s", p->host, p->addr.str,
		    p->tls_version, p->tls_cipher);
		audit_ev(x, fv, "%s %s: negotiated %s; TLS 1.0/1.1 %s",
		    p->host, p->addr.str, p->tls_version, p->tls_old_ok ?
		    "accepted" : "refused");
		old += p->tls_old_ok;
		no13 += strcmp(p->tls_version, "TLSv1.3") != 0;
		if (p->has_ems == 0) {
			noems++;
			audit_ev(x, fe, "%s %s: TLS 1.2 without EMS",
			    p->host, p->addr.str);
		}
	}
	audit_add(x, "smtp.greeting.time", slow > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, "%zu of %zu hosts took over 10 s to greet",
	    slow, n);
	if (n == 0) {
		audit_skip(x, "no MX host could be reached",
		    "smtp.starttls.offered", "smtp.tls.version",
		    "smtp.tls.ems", "smtp.vrfy_expn", "smtp.greeting.time",
		    NULL);
		return;
	}
	audit_add(x, "smtp.starttls.offered", notls > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, notls > 0 ? "%zu of %zu MX addresses do not "
	    "complete STARTTLS: mail to them travels in clear text" :
	    "STARTTLS works on all %zu MX addresses", notls > 0 ? notls : n,
	    n);
	if (old > 0)
		audit_add(x, "smtp.tls.version", AUDIT_WARN, NULL, "%zu "
		    "host%s accept TLS 1.0/1.1 (deprecated by RFC 8996)", old,
		    old == 1 ? "" : "s");
	else if (notls == n)
		audit_add(x, "smtp.tls.version", AUDIT_SKIP, NULL, "no TLS");
	else if (no13 > 0)
		audit_add(x, "smtp.tls.version", AUDIT_INFO, "Enable TLS "
		    "1.3 (current OpenSSL and Postfix do by default).", "%zu "
		    "host%s without TLS 1.3", no13, no13 == 1 ? "" : "s");
	else
		audit_add(x, "smtp.tls.version", AUDIT_PASS, NULL, "TLS 1.3 "
		    "negotiated, TLS 1.0/1.1 refused");
	if (noems > 0)
		audit_add(x, "smtp.tls.ems", AUDIT_NOT_MET, NULL, "%zu TLS "
		    "1.2 sessions without Extended Master Secret", noems);
	else
		audit_add(x, "smtp.tls.ems", AUDIT_PASS, NULL, "EMS used (or "
		    "TLS 1.3)");
	if (vrfy > 0)
		audit_add(x, "smtp.vrfy_expn", AUDIT_NOT_MET, NULL, "%zu "
		    "host%s answer VRFY (address harvesting)", vrfy,
		    vrfy == 1 ? "" : "s");
	else
		audit_add(x, "smtp.vrfy_expn", AUDIT_PASS, NULL,
		    "VRFY refused");
}

static void
cert_findings(struct audit_ctx *x)
{
	struct audit_finding *ft, *fh, *fe, *fk, *fg;
	enum audit_status st, worst = AUDIT_PASS;
	time_t now = clock_now();
	size_t i, untrusted = 0, badname = 0, weak = 0, phase = 0, sig = 0;
	size_t n = 0;
	int strict = x->sts_mode == AUDIT_STS_ENFORCE ||
	    x->sts_mode == AUDIT_STS_TESTING;
	long days;

	ft = audit_add(x, "smtp.cert.trust", AUDIT_PASS, NULL, "-");
	fh = audit_add(x, "smtp.cert.hostname", AUDIT_PASS, NULL, "-");
	fe = audit_add(x, "smtp.cert.expiry", AUDIT_PASS, NULL, "-");
	fk = audit_add(x, "smtp.cert.pubkey", AUDIT_PASS, NULL, "-");
	fg = audit_add(x, "smtp.cert.signature", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (!p->tls_ok || p->cert_subject == NULL)
			continue;
		n++;
		audit_ev(x, ft, "%s %s: %s%s%s", p->host, p->addr.str,
		    p->chain, p->trust_ok ? "" : ": ", p->trust_ok ? "" :
		    p->trust_why);
		untrusted += !p->trust_ok;
		audit_ev(x, fh, "%s: subject %s, names %s", p->host,
		    p->cert_subject, p->cert_sans);
		badname += !p->name_ok;
		days = (long)((p->not_after - now) / 86400);
		st = p->not_after < now || p->not_before > now ? AUDIT_FAIL :
		    days < 14 ? AUDIT_WARN : days < 30 ? AUDIT_INFO :
		    AUDIT_PASS;
		worst = audit_worse(worst, st);
		audit_ev(x, fe, "%s %s: valid until %s (%ld days)%s",
		    p->host, p->addr.str, arena_printf(x->a, "%lld",
		    (long long)p->not_after), days, p->not_before > now ?
		    ", not yet valid" : "");
		audit_ev(x, fk, "%s: %s %d bits", p->host, p->key_type != NULL ?
		    p->key_type : "?", p->key_bits);
		weak += p->key_weak == 2;
		phase += p->key_weak == 1;
		if (p->sig_weak != NULL) {
			sig++;
			audit_ev(x, fg, "%s: signed with %s", p->host,
			    p->sig_weak);
		}
	}
	if (n == 0) {
		audit_skip(x, "no TLS session to inspect", "smtp.cert.trust",
		    "smtp.cert.hostname", "smtp.cert.expiry",
		    "smtp.cert.pubkey", "smtp.cert.signature", NULL);
		return;
	}
	audit_add(x, "smtp.cert.trust", untrusted == 0 ? AUDIT_PASS :
	    strict ? AUDIT_FAIL : AUDIT_NOT_MET, NULL, untrusted == 0 ?
	    "every chain verifies to a trusted root" : "%zu of %zu chains "
	    "do not verify%s", untrusted, n, strict ? " (MTA-STS requires "
	    "it)" : "; without MTA-STS or DANE senders still use TLS");
	audit_add(x, "smtp.cert.hostname", badname == 0 ? AUDIT_PASS :
	    strict ? AUDIT_FAIL : AUDIT_NOT_MET, NULL, badname == 0 ?
	    "every certificate names its MX host" : "%zu of %zu "
	    "certificates do not name the MX host", badname, n);
	audit_add(x, "smtp.cert.expiry", worst, NULL, worst == AUDIT_FAIL ?
	    "a certificate is expired or not yet valid" : worst ==
	    AUDIT_PASS ? "every certificate is valid for 30 days or more" :
	    "a certificate expires within %d days", worst == AUDIT_WARN ?
	    14 : 30);
	if (weak > 0)
		audit_add(x, "smtp.cert.pubkey", AUDIT_FAIL, NULL, "%zu "
		    "certificate%s a weak key", weak, weak == 1 ? " has" :
		    "s have");
	else if (phase > 0)
		audit_add(x, "smtp.cert.pubkey", AUDIT_INFO, NULL, "RSA keys "
		    "of 2048-3071 bits (being phased out)");
	else
		audit_add(x, "smtp.cert.pubkey", AUDIT_PASS, NULL,
		    "strong keys");
	if (sig > 0)
		audit_add(x, "smtp.cert.signature", AUDIT_NOT_MET, NULL,
		    "%zu chain%s signed with SHA-1 or MD5", sig,
		    sig == 1 ? "" : "s");
	else
		audit_add(x, "smtp.cert.signature", AUDIT_PASS, NULL,
		    "no SHA-1/MD5 signatures");
}

void
audit_smtp(struct audit_ctx *x)
{
	size_t i, up;

	if (x->is_null_mx || x->nmx == 0 || x->nprobe == 0 ||
	    x->o->no_smtp) {
		for (i = 0; i < NSMTP_IDS; i++)
			audit_add(x, smtp_ids[i], AUDIT_SKIP, NULL, "%s",
			    x->o->no_smtp ? "SMTP probes disabled "
			    "(--no-smtp)" : "no MX address to probe");
		return;
	}
	reach(x, &up);
	tls_findings(x);
	cert_findings(x);
	audit_tls_findings(x);
	audit_rcpt_findings(x);
}

/*
 * DANE (RFC 7672): TLSA records of each MX and the probes' matching.
 */
void
audit_dane(struct audit_ctx *x)
{
	struct audit_finding *fp, *fd, *fu, *fm, *fr;
	size_t i, j, with = 0, secure = 0, badden = 0, badusage = 0;
	size_t roll = 0, tried = 0, ok = 0;

	if (x->nmx == 0 || x->is_null_mx) {
		audit_skip(x, "no MX hosts", "dane.tlsa.present",
		    "dane.tlsa.denial", "dane.tlsa.usage", "dane.tlsa.match",
		    "dane.tlsa.rollover", NULL);
		return;
	}
	fp = audit_add(x, "dane.tlsa.present", AUDIT_PASS, NULL, "-");
	fd = audit_add(x, "dane.tlsa.denial", AUDIT_PASS, NULL, "-");
	fu = audit_add(x, "dane.tlsa.usage", AUDIT_PASS, NULL, "-");
	fm = audit_add(x, "dane.tlsa.match", AUDIT_PASS, NULL, "-");
	fr = audit_add(x, "dane.tlsa.rollover", AUDIT_PASS, NULL, "-");
	for (i = 0; i < x->nmx; i++) {
		const struct audit_mx *m = &x->mx[i];
		const struct dns_answer *t = m->tlsa;

		if (t == NULL)
			continue;
		audit_ev_ans(x, fp, t);
		audit_ev(x, fp, "%s: DNSSEC %s", t->qname,
		    dns_sec_str(t->sec));
		if (t->rcode != DNS_R_NOERROR) {
			if (x->o->is_validating && (t->sec == DNS_SEC_BOGUS ||
			    (t->sec != DNS_SEC_SECURE &&
			    m->sec == DNS_SEC_SECURE))) {
				badden++;
				audit_ev_ans(x, fd, t);
			}
			continue;
		}
		with++;
		secure += t->sec == DNS_SEC_SECURE;
		roll += t->nrr >= 2;
		for (j = 0; j < t->nrr; j++) {
			const struct dns_rr *rr = &t->rr[j];

			if (rr->u.tlsa.usage < 2 || rr->u.tlsa.selector != 1 ||
			    rr->u.tlsa.mtype != 1) {
				badusage += rr->u.tlsa.usage < 2;
				audit_ev(x, fu, "%s TLSA %s", t->qname,
				    dns_rr_str(x->a, rr));
			}
		}
		audit_add(x, "dane.tlsa.rollover", t->nrr >= 2 ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, "%s has %zu TLSA record%s",
		    m->host, t->nrr, t->nrr == 1 ? "" : "s");
		audit_ev_ans(x, fr, t);
	}
	for (i = 0; i < x->nprobe; i++) {
		const struct audit_probe *p = &x->probe[i];

		if (!p->dane_tried)
			continue;
		tried++;
		ok += p->dane_ok;
		audit_ev(x, fm, "%s %s: %s", p->host, p->addr.str,
		    p->dane_ok ? "a TLSA record matches" : p->dane_why);
	}
	if (with == 0)
		audit_add(x, "dane.tlsa.present", AUDIT_NOT_MET, NULL,
		    "no MX host has TLSA records");
	else if (x->o->is_validating && secure < x->nmx)
		audit_add(x, "dane.tlsa.present", AUDIT_NOT_MET, NULL,
		    "%zu of %zu MX hosts have DNSSEC-secure TLSA records",
		    secure, x->nmx);
	else
		audit_add(x, "dane.tlsa.present", with == x->nmx ?
		    AUDIT_PASS : AUDIT_NOT_MET, NULL, "%zu of %zu MX hosts "
		    "have TLSA records%s", with, x->nmx,
		    x->o->is_validating ? "" : " (not DNSSEC-validated: "
		    "zone files)");
	if (!x->o->is_validating)
		audit_add(x, "dane.tlsa.denial", AUDIT_SKIP, NULL,
		    "the resolver does not validate DNSSEC");
	else
		audit_add(x, "dane.tlsa.denial", badden > 0 ? AUDIT_NOT_MET :
		    AUDIT_PASS, NULL, "%zu MX host%s in signed zones without "
		    "an authenticated TLSA denial", badden,
		    badden == 1 ? "" : "s");
	if (with == 0) {
		audit_skip(x, "no TLSA records", "dane.tlsa.usage",
		    "dane.tlsa.match", "dane.tlsa.rollover", NULL);
		return;
	}
	audit_add(x, "dane.tlsa.usage", badusage > 0 ? AUDIT_NOT_MET :
	    AUDIT_PASS, NULL, "%zu TLSA record%s usage 0 or 1 (unusable "
	    "for SMTP)", badusage, badusage == 1 ? " has" : "s have");
	if (tried == 0)
		audit_add(x, "dane.tlsa.match", AUDIT_SKIP, NULL, "no TLS "
		    "session with usable TLSA records to match");
	else
		audit_add(x, "dane.tlsa.match", ok == tried ? AUDIT_PASS :
		    AUDIT_NOT_MET, NULL, "%zu of %zu TLS sessions match a "
		    "TLSA record", ok, tried);
	if (roll == with)
		audit_add(x, "dane.tlsa.rollover", AUDIT_PASS, NULL,
		    "every MX host has a second TLSA record");
	(void)fd;
}
