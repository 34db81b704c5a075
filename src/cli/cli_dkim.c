/*
 * `mxwarden dkim verify|sign|keygen|testkey`: DKIM (RFC 6376, RFC 8301,
 * RFC 8463) from the command line. verify prints one line per signature
 * (result word, d=, s=, reason) as DESIGN.md section 5 fixes it; sign
 * writes the message with DKIM-Signature fields prepended; keygen makes
 * a key (PKCS#8 PEM, mode 0600) and prints the TXT record to publish in
 * 255-byte strings (RFC 6376 section 3.6.2.2); testkey checks that the
 * published record belongs to a private key. --json output is described
 * in docs/json.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/dkim.h"
#include "cli/cli.h"
#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"

#define DKIM_JSON_SCHEMA	1
#define DKIM_MSG_MAX		(64 * 1024 * 1024)
#define DKIM_KEYS_MAX		4
#define TXT_STR_MAX		255

static void
dkim_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxwarden [global options] dkim verify [FILE]\n"
	    "       mxwarden dkim sign --domain D --selector S --key KEY\n"
	    "           [--selector S2 --key KEY2] [--canon H/B]\n"
	    "           [--expire SECS] [--identity I] [FILE]\n"
	    "       mxwarden dkim keygen --domain D --selector S "
	    "[--type rsa|ed25519]\n"
	    "           [--bits N] [--out KEYFILE] [--force]\n"
	    "       mxwarden dkim testkey --domain D --selector S --key KEY\n"
	    "\n"
	    "verify checks every DKIM-Signature of the message in FILE\n"
	    "(default stdin) and prints one line per signature: the result\n"
	    "(pass, fail, neutral, policy, temperror, permerror), d=, s= and\n"
	    "the reason; \"none\" when there is no signature. rsa-sha1 and\n"
	    "RSA keys under 1024 bits give \"policy\" (RFC 8301). --now fixes\n"
	    "the clock for t= and x=; --json prints every detail\n"
	    "(docs/json.md).\n"
	    "\n"
	    "sign writes the message with a DKIM-Signature prepended to\n"
	    "stdout: rsa-sha256 or ed25519-sha256 after the key,\n"
	    "relaxed/relaxed by default. Give --selector and --key twice to\n"
	    "sign with RSA and ed25519 at once. --expire adds x= that many\n"
	    "seconds after t=.\n"
	    "\n"
	    "keygen writes a new private key (default SELECTOR.DOMAIN.key,\n"
	    "mode 0600, never overwritten without --force) and prints the DNS\n"
	    "TXT record to publish. Default: RSA 2048 bits.\n"
	    "\n"
	    "testkey fetches SELECTOR._domainkey.DOMAIN and says whether it\n"
	    "matches the private key: \"match\", \"mismatch\", \"revoked\"\n"
	    "or \"nokey\" with the reason.\n"
	    "\n"
	    "Examples:\n"
	    "  mxwarden dkim verify message.eml\n"
	    "  mxwarden --now 1700000000 --json dkim verify < message.eml\n"
	    "  mxwarden --dns-zone keys.zone dkim verify message.eml\n"
	    "  mxwarden dkim keygen --domain example.com --selector mail2024\n"
	    "  mxwarden dkim keygen --domain example.com --selector ed "
	    "--type ed25519\n"
	    "  mxwarden dkim sign --domain example.com --selector mail2024 \\\n"
	    "      --key mail2024.example.com.key message.eml > signed.eml\n"
	    "  mxwarden dkim sign --domain example.com --selector rsa --key "
	    "rsa.key \\\n"
	    "      --selector ed --key ed.key message.eml\n"
	    "  mxwarden dkim testkey --domain example.com --selector mail2024 "
	    "\\\n"
	    "      --key mail2024.example.com.key\n"
	    "\n"
	    "Exit status: 0 the command ran (whatever the verdict), 2 usage\n"
	    "or input error, 1 internal error.\n");
}

struct dkim_args {
	const char	*domain;
	const char	*selector[DKIM_KEYS_MAX];
	size_t		 nselector;
	const char	*key[DKIM_KEYS_MAX];
	size_t		 nkey;
	const char	*canon, *identity, *type, *out, *file;
	unsigned long long expire, bits;
	int		 force;
};

static int
need(struct cli *c, int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		fprintf(c->err, "mxwarden: dkim: %s needs a value\n", argv[i]);
		return -1;
	}
	return 0;
}

static int
add_arg(struct cli *c, const char **list, size_t *n, const char *v)
{
	if (*n == DKIM_KEYS_MAX) {
		fprintf(c->err, "mxwarden: dkim: at most %d keys\n",
		    DKIM_KEYS_MAX);
		return -1;
	}
	list[(*n)++] = v;
	return 0;
}

/* Options of every subcommand; which ones apply is checked later. */
static int
parse_args(struct cli *c, int argc, char **argv, struct dkim_args *x)
{
	int i;

	memset(x, 0, sizeof(*x));
	for (i = 2; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--force") == 0) {
			x->force = 1;
			continue;
		}
		if (o[0] != '-' || strcmp(o, "-") == 0) {
			if (x->file != NULL) {
				fprintf(c->err, "mxwarden: dkim: one FILE "
				    "only\n");
				return -1;
			}
			x->file = o;
			continue;
		}
		if (need(c, argc, argv, i) == -1)
			return -1;
		i++;
		if (strcmp(o, "--domain") == 0)
			x->domain = argv[i];
		else if (strcmp(o, "--selector") == 0) {
			if (add_arg(c, x->selector, &x->nselector, argv[i]))
				return -1;
		} else if (strcmp(o, "--key") == 0) {
			if (add_arg(c, x->key, &x->nkey, argv[i]))
				return -1;
		} else if (strcmp(o, "--canon") == 0)
			x->canon = argv[i];
		else if (strcmp(o, "--identity") == 0)
			x->identity = argv[i];
		else if (strcmp(o, "--type") == 0)
			x->type = argv[i];
		else if (strcmp(o, "--out") == 0)
			x->out = argv[i];
		else if (strcmp(o, "--expire") == 0 || strcmp(o, "--bits") ==
		    0) {
			unsigned long long *v = o[2] == 'e' ? &x->expire :
			    &x->bits;

			if (str_to_ull(argv[i], 1ULL << 32, v) == -1) {
				fprintf(c->err, "mxwarden: dkim: %s wants a "
				    "number\n", o);
				return -1;
			}
		} else {
			fprintf(c->err, "mxwarden: dkim: unknown option "
			    "\"%s\"; see mxwarden dkim --help\n", o);
			return -1;
		}
	}
	return 0;
}

static json_t *
jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	return json_string("(not UTF-8)");
}

static json_t *
sig_json(struct arena *a, const struct dkim_sig_result *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "result", json_string(dkim_result_str(
	    r->result)));
	json_object_set_new(o, "reason", jstr(r->reason));
	json_object_set_new(o, "d", jstr(r->d));
	json_object_set_new(o, "s", jstr(r->s));
	json_object_set_new(o, "i", jstr(r->i));
	json_object_set_new(o, "a", jstr(r->a));
	json_object_set_new(o, "b_prefix", jstr(r->b_prefix));
	json_object_set_new(o, "h", jstr(r->h));
	json_object_set_new(o, "c", json_string(arena_printf(a, "%s/%s",
	    r->hcanon == DKIM_CANON_RELAXED ? "relaxed" : "simple",
	    r->bcanon == DKIM_CANON_RELAXED ? "relaxed" : "simple")));
	json_object_set_new(o, "t", r->t != 0 ? json_integer(r->t) :
	    json_null());
	json_object_set_new(o, "x", r->x != 0 ? json_integer(r->x) :
	    json_null());
	json_object_set_new(o, "l", r->has_l ? json_integer((json_int_t)
	    r->l) : json_null());
	json_object_set_new(o, "body_length", json_integer((json_int_t)
	    r->body_len));
	json_object_set_new(o, "testing", json_boolean(r->is_testing));
	json_object_set_new(o, "key_type", r->key_bits != 0 ?
	    json_string(dkim_keytype_str(r->key_type)) : json_null());
	json_object_set_new(o, "key_bits", r->key_bits != 0 ?
	    json_integer(r->key_bits) : json_null());
	json_object_set_new(o, "authres", jstr(dkim_authres(a, r)));
	return o;
}

/* A wire value for a text line: control characters shown as "?". */
static const char *
safe(struct arena *a, const char *s)
{
	char *p, *q;

	if (s == NULL)
		return "-";
	q = arena_strdup(a, s);
	for (p = q; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return q;
}

static int
dkim_verify_cmd(struct cli *c, const struct dkim_args *x)
{
	struct dkim_sig_result *res;
	struct dns_resolver *r;
	struct dkim_opts o;
	struct arena *a;
	const char *why;
	struct msg *m;
	size_t i, n, npass;
	int trunc, rc = CLI_OK;
	json_t *j, *sigs;

	if ((r = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	a = arena_new();
	if (msg_read_file(a, x->file, DKIM_MSG_MAX, &m, &trunc, &why) == -1) {
		fprintf(c->err, "mxwarden: dkim: %s\n", why);
		arena_free(&a);
		return CLI_USAGE;
	}
	dkim_opts_default(&o);
	o.now = c->now;
	if (dkim_verify_msg(&o, m, r, a, &res, &n, &why) == -1) {
		fprintf(c->err, "mxwarden: dkim: %s\n", why);
		arena_free(&a);
		return CLI_INTERNAL;
	}
	if (c->json) {
		j = json_object();
		sigs = json_array();
		json_object_set_new(j, "schema_version",
		    json_integer(DKIM_JSON_SCHEMA));
		json_object_set_new(j, "file", jstr(x->file != NULL ?
		    x->file : "-"));
		json_object_set_new(j, "truncated", json_boolean(trunc));
		for (i = 0, npass = 0; i < n; i++)
			npass += res[i].result == DKIM_PASS;
		json_object_set_new(j, "count", json_integer((json_int_t)n));
		json_object_set_new(j, "pass_count", json_integer(
		    (json_int_t)npass));
		for (i = 0; i < n; i++)
			json_array_append_new(sigs, sig_json(a, &res[i]));
		json_object_set_new(j, "signatures", sigs);
		if (json_dumpf(j, c->out, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) != 0)
			rc = CLI_INTERNAL;
		fputc('\n', c->out);
		json_decref(j);
	} else if (n == 0)
		fprintf(c->out, "none\n");
	for (i = 0; !c->json && i < n; i++)
		fprintf(c->out, "%s d=%s s=%s %s\n",
		    dkim_result_str(res[i].result), safe(a, res[i].d),
		    safe(a, res[i].s), safe(a, res[i].reason));
	arena_free(&a);
	return rc;
}

/* Write p with CRLF as LF when the input had LF line ends. */
static void
put_text(FILE *f, const char *p, size_t len, int lf)
{
	size_t i, s = 0;

	if (!lf) {
		fwrite(p, 1, len, f);
		return;
	}
	for (i = 0; i + 1 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n') {
			fwrite(p + s, 1, i - s, f);
			s = i + 1;
		}
	fwrite(p + s, 1, len - s, f);
}

static int
sign_opts(struct cli *c, const struct dkim_args *x,
    struct dkim_sign_opts *so)
{
	dkim_sign_opts_default(so);
	so->domain = x->domain;
	so->identity = x->identity;
	so->expire = (unsigned long)x->expire;
	so->now = c->now;
	if (x->canon != NULL) {
		const char *sl = strchr(x->canon, '/');
		const char *b = sl != NULL ? sl + 1 : "simple";
		size_t hl = sl != NULL ? (size_t)(sl - x->canon) :
		    strlen(x->canon);

		if (!((hl == 6 && strncmp(x->canon, "simple", 6) == 0) ||
		    (hl == 7 && strncmp(x->canon, "relaxed", 7) == 0)) ||
		    (strcmp(b, "simple") != 0 && strcmp(b, "relaxed") != 0)) {
			fprintf(c->err, "mxwarden: dkim: --canon wants "
			    "simple|relaxed[/simple|relaxed]\n");
			return -1;
		}
		so->hcanon = hl == 7 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		so->bcanon = b[0] == 'r' ? DKIM_CANON_RELAXED :
		    DKIM_CANON_SIMPLE;
	}
	return 0;
}

static int
dkim_sign_cmd(struct cli *c, const struct dkim_args *x)
{
	struct dkim_sign_opts so;
	struct dkim_privkey *k;
	const char *why, *fields[DKIM_KEYS_MAX];
	struct arena *a;
	struct msg *m;
	size_t i;
	int trunc;

	if (x->domain == NULL || x->nkey == 0 || x->nselector != x->nkey) {
		fprintf(c->err, "mxwarden: dkim sign wants --domain and one "
		    "--selector per --key\n");
		return CLI_USAGE;
	}
	if (sign_opts(c, x, &so) == -1)
		return CLI_USAGE;
	a = arena_new();
	if (msg_read_file(a, x->file, DKIM_MSG_MAX, &m, &trunc, &why) == -1 ||
	    trunc) {
		fprintf(c->err, "mxwarden: dkim: %s\n", trunc ?
		    "message too large to sign" : why);
		arena_free(&a);
		return CLI_USAGE;
	}
	for (i = 0; i < x->nkey; i++) {
		if (dkim_privkey_load(x->key[i], &k, &why) == -1) {
			fprintf(c->err, "mxwarden: dkim: %s: %s\n", x->key[i],
			    why);
			arena_free(&a);
			return CLI_USAGE;
		}
		so.selector = x->selector[i];
		if (dkim_sign(m, &so, k, a, &fields[i], &why) == -1) {
			fprintf(c->err, "mxwarden: dkim: %s\n", why);
			dkim_privkey_free(&k);
			arena_free(&a);
			return CLI_USAGE;
		}
		dkim_privkey_free(&k);
	}
	for (i = x->nkey; i-- > 0;)
		put_text(c->out, fields[i], strlen(fields[i]),
		    (m->flags & MSG_F_BARE_LF) != 0);
	put_text(c->out, m->raw + m->start, m->len - m->start,
	    (m->flags & MSG_F_BARE_LF) != 0);
	arena_free(&a);
	return CLI_OK;
}

/* The record as zone-file text: quoted strings of at most 255 bytes. */
static void
print_record(FILE *f, const char *name, const char *rec)
{
	size_t len = strlen(rec), off, take;

	fprintf(f, "%s IN TXT (", name);
	for (off = 0; off < len; off += take) {
		take = len - off > TXT_STR_MAX ? TXT_STR_MAX : len - off;
		fprintf(f, "\n\t\"%.*s\"", (int)take, rec + off);
	}
	fprintf(f, " )\n");
}

static int
write_key(struct cli *c, const char *path, const struct buf *pem, int force)
{
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;

	flags |= force ? O_TRUNC : O_EXCL;
	if ((fd = open(path, flags, 0600)) == -1) {
		fprintf(c->err, "mxwarden: dkim: %s: %s%s\n", path,
		    strerror(errno), errno == EEXIST ?
		    " (use --force to replace it)" : "");
		return -1;
	}
	if (fchmod(fd, 0600) == -1 ||
	    write(fd, pem->p, pem->len) != (ssize_t)pem->len) {
		fprintf(c->err, "mxwarden: dkim: %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
dkim_keygen_cmd(struct cli *c, const struct dkim_args *x)
{
	enum dkim_keytype t = DKIM_KEY_RSA;
	struct dkim_privkey *k;
	struct buf pem = BUF_INIT;
	struct arena *a;
	const char *why, *rec, *path, *name;
	int rc = CLI_OK;

	if (x->domain == NULL || x->nselector != 1 ||
	    dns_name_check(x->domain, &why) == -1) {
		fprintf(c->err, "mxwarden: dkim keygen wants --domain and "
		    "--selector\n");
		return CLI_USAGE;
	}
	if (x->type != NULL && strcmp(x->type, "ed25519") == 0)
		t = DKIM_KEY_ED25519;
	else if (x->type != NULL && strcmp(x->type, "rsa") != 0) {
		fprintf(c->err, "mxwarden: dkim: --type is rsa or ed25519\n");
		return CLI_USAGE;
	}
	if (dkim_privkey_generate(t, (unsigned)x->bits, &k, &why) == -1) {
		fprintf(c->err, "mxwarden: dkim: %s\n", why);
		return CLI_USAGE;
	}
	a = arena_new();
	path = x->out != NULL ? x->out : arena_printf(a, "%s.%s.key",
	    x->selector[0], x->domain);
	name = arena_printf(a, "%s._domainkey.%s.", x->selector[0],
	    x->domain);
	rec = dkim_privkey_record(k, a);
	if (rec == NULL || dkim_privkey_pem(k, &pem) == -1)
		rc = CLI_INTERNAL;
	else if (write_key(c, path, &pem, x->force) == -1)
		rc = CLI_USAGE;
	else if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "schema_version",
		    json_integer(DKIM_JSON_SCHEMA));
		json_object_set_new(j, "key_file", jstr(path));
		json_object_set_new(j, "key_type", json_string(
		    dkim_keytype_str(t)));
		json_object_set_new(j, "key_bits", json_integer(
		    dkim_privkey_bits(k)));
		json_object_set_new(j, "name", jstr(name));
		json_object_set_new(j, "record", jstr(rec));
		json_dumpf(j, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		json_decref(j);
	} else {
		fprintf(c->out, "; private key written to %s (mode 0600)\n",
		    path);
		print_record(c->out, name, rec);
	}
	if (pem.p != NULL)
		explicit_bzero(pem.p, pem.len);
	buf_free(&pem);
	dkim_privkey_free(&k);
	arena_free(&a);
	return rc;
}

static int
dkim_testkey_cmd(struct cli *c, const struct dkim_args *x)
{
	const struct dkim_key *pub;
	struct dkim_privkey *k;
	struct dns_resolver *r;
	enum dkim_result res;
	struct dkim_opts o;
	struct arena *a;
	const char *why, *verdict;

	if (x->domain == NULL || x->nselector != 1 || x->nkey != 1) {
		fprintf(c->err, "mxwarden: dkim testkey wants --domain, "
		    "--selector and --key\n");
		return CLI_USAGE;
	}
	if ((r = cli_resolver(c)) == NULL)
		return CLI_USAGE;
	if (dkim_privkey_load(x->key[0], &k, &why) == -1) {
		fprintf(c->err, "mxwarden: dkim: %s: %s\n", x->key[0], why);
		return CLI_USAGE;
	}
	a = arena_new();
	dkim_opts_default(&o);
	o.no_key_cache = 1;
	if (dkim_key_fetch(r, &o, x->selector[0], x->domain, a, &pub, &res,
	    &why) == -1)
		verdict = "nokey";
	else if (pub->is_revoked) {
		verdict = "revoked";
		why = "the record has an empty p= (key revoked)";
	} else if (dkim_privkey_matches(k, pub)) {
		verdict = "match";
		why = arena_printf(a, "%u-bit %s key%s", pub->bits,
		    dkim_keytype_str(pub->type), pub->is_testing ?
		    ", testing mode (t=y)" : "");
	} else {
		verdict = "mismatch";
		why = arena_printf(a, "the published %u-bit %s key is not "
		    "the public half of %s", pub->bits,
		    dkim_keytype_str(pub->type), x->key[0]);
	}
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "schema_version",
		    json_integer(DKIM_JSON_SCHEMA));
		json_object_set_new(j, "name", jstr(arena_printf(a,
		    "%s._domainkey.%s", x->selector[0], x->domain)));
		json_object_set_new(j, "result", json_string(verdict));
		json_object_set_new(j, "reason", jstr(why));
		json_dumpf(j, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		json_decref(j);
	} else
		fprintf(c->out, "%s %s._domainkey.%s %s\n", verdict,
		    x->selector[0], x->domain, safe(a, why));
	dkim_privkey_free(&k);
	arena_free(&a);
	return CLI_OK;
}

int
cmd_dkim(struct cli *c, int argc, char **argv)
{
	struct dkim_args x;
	int i;

	for (i = 1; i < argc; i++)
		if (cli_is_help(argv[i])) {
			dkim_usage(c->out);
			return CLI_OK;
		}
	if (argc < 2) {
		dkim_usage(c->err);
		return CLI_USAGE;
	}
	if (parse_args(c, argc, argv, &x) == -1)
		return CLI_USAGE;
	if (strcmp(argv[1], "verify") == 0)
		return dkim_verify_cmd(c, &x);
	if (strcmp(argv[1], "sign") == 0)
		return dkim_sign_cmd(c, &x);
	if (strcmp(argv[1], "keygen") == 0)
		return dkim_keygen_cmd(c, &x);
	if (strcmp(argv[1], "testkey") == 0)
		return dkim_testkey_cmd(c, &x);
	fprintf(c->err, "mxwarden: dkim: unknown subcommand \"%s\"; see "
	    "mxwarden dkim --help\n", argv[1]);
	return CLI_USAGE;
}
