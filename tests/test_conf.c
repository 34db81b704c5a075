/*
 * Unit tests for src/conf: every class of error with its line, all
 * errors reported at once, defaults, getters, lists of groups with
 * inherited values, durations and sizes, @include naming the right file,
 * the schema's own consistency, `config show` round trips, and the
 * shipped etc/mxwarden.conf being valid and documenting every setting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <libconfig.h>

#include "conf/conf.h"
#include "conf/schema.h"

static void
dump_errors(const struct conf_errors *e)
{
	size_t i;

	for (i = 0; e != NULL && i < e->n; i++)
		fprintf(stderr, "  error: %s:%u: %s\n",
		    e->v[i].file != NULL ? e->v[i].file : "-", e->v[i].line,
		    e->v[i].msg);
}

/* Is there an error containing want at line? */
static int
has_error(const struct conf_errors *e, const char *want, unsigned line)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->v[i].msg, want) != NULL && e->v[i].line == line)
			return 1;
	return 0;
}

static void
test_error_classes(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
		unsigned	 line;
	} cases[] = {
		/* Syntax: libconfig's message and line. */
		{ "log = {\n level =\n};\n", "syntax error", 3 },
		{ "spf = { max_lookups = 5; };\nspf = { };\n",
		    "duplicate setting name", 2 },
		/* Unknown settings, with and without suggestions. */
		{ "spf = {\n max_lookup = 5;\n};\n",
		    "unknown setting \"spf.max_lookup\"; did you mean "
		    "\"max_lookups\"?", 2 },
		{ "log = { levle = \"info\"; };\n", "did you mean \"level\"?",
		    1 },
		{ "dkm = { };\n", "did you mean \"dkim\"?", 1 },
		{ "\ndkim = { max_lookups = 5; };\n",
		    "did you mean \"spf.max_lookups\"?", 2 },
		{ "frobnicate = 1;\n", "unknown setting \"frobnicate\"", 1 },
		{ "domains = ( { name = \"a.example\";\n rejct = 20.0; } );\n",
		    "\"domains[0].rejct\"; did you mean \"reject\"?", 2 },
		/* Wrong types. */
		{ "spf = { max_lookups = \"ten\"; };",
		    "spf.max_lookups: wants an integer, not a string", 1 },
		{ "spf = { enabled = 1; };",
		    "spf.enabled: wants true or false, not an integer", 1 },
		{ "actions = { reject = \"high\"; };",
		    "actions.reject: wants a number, not a string", 1 },
		{ "log = 5;", "log: wants a group { ... }, not an integer", 1 },
		{ "dkim = { signing = { domain = \"x\"; }; };",
		    "dkim.signing: wants a list of groups", 1 },
		{ "domains = ( \"example.com\" );",
		    "domains[0]: wants a group { ... }, not a string", 1 },
		{ "milter = { trusted_networks = \"10.0.0.0/8\"; };",
		    "wants a list of strings", 1 },
		{ "milter = { trusted_networks = [ 10 ]; };",
		    "trusted_networks[0]: wants a string, not an integer", 1 },
		/* Out of range. */
		{ "spf = { max_lookups = 500; };",
		    "spf.max_lookups: 500 is out of range (1 to 50)", 1 },
		{ "actions = { reject = 1e6; };", "is out of range", 1 },
		{ "dns = { timeout = \"1h\"; };",
		    "dns.timeout: \"1h\" is out of range (1s to 2m)", 1 },
		{ "dns = { timeout = 0; };", "0 is out of range (1s to 2m)",
		    1 },
		{ "store = { map_size = \"2T\"; };",
		    "\"2T\" is out of range (1M to 1T)", 1 },
		/* Bad words, durations, sizes. */
		{ "log = { level = \"verbose\"; };",
		    "log.level: \"verbose\" is not one of: err warn info debug",
		    1 },
		{ "dmarc = { rfc = \"7208\"; };", "is not one of: 9989 7489",
		    1 },
		{ "dns = { timeout = \"5x\"; };", "is not a duration", 1 },
		{ "store = { map_size = \"12Q\"; };", "is not a size", 1 },
		{ "store = { map_size = \"1.5G\"; };", "is not a size", 1 },
		/* Addresses, networks, sockets, paths, names. */
		{ "milter = {\n trusted_networks = [ \"10.0.0.0/8\",\n"
		    " \"10.1.2.300\" ];\n};",
		    "milter.trusted_networks[1]: \"10.1.2.300\" is not an IP "
		    "address or network", 3 },
		{ "milter = { trusted_networks = [ \"10.0.0.0/33\" ]; };",
		    "is not an IP address or network", 1 },
		{ "milter = { trusted_networks = [ \"2001:db8::/129\" ]; };",
		    "is not an IP address or network", 1 },
		{ "dns = { servers = [ \"1.2.3.4@99999\" ]; };",
		    "is not an IP address with optional @PORT", 1 },
		{ "dns = { servers = [ \"resolver.example\" ]; };",
		    "is not an IP address with optional @PORT", 1 },
		{ "store = { path = \"var/lib/mxwarden\"; };",
		    "store.path: \"var/lib/mxwarden\" is not an absolute path",
		    1 },
		{ "dns = { trust_anchor = \"\"; };", "is not an absolute path",
		    1 },
		{ "milter = { socket = \"tcp:25\"; };", "is not a socket", 1 },
		{ "milter = { socket = \"inet:0@127.0.0.1\"; };",
		    "is not a socket", 1 },
		{ "milter = { socket = \"inet6:11332@127.0.0.1\"; };",
		    "is not a socket", 1 },
		{ "store = { redis_url = \"http://127.0.0.1/\"; };",
		    "is not a Redis URL", 1 },
		{ "milter = { spam_flag_header = \"X Spam\"; };",
		    "is not a header field name", 1 },
		{ "milter = { user = \"-root\"; };", "is not a user or group",
		    1 },
		{ "dmarc = { never_reject_domains = [ \"bad..example\" ]; };",
		    "is not a DNS name", 1 },
		{ "milter = { authserv_id = \"mx\\n.example\"; };",
		    "\"mx\\x0a.example\" is not a DNS name", 1 },
		/* Lists of groups: required members. */
		{ "dkim = { signing = (\n { domain = \"example.com\";\n"
		    "   selector = \"s1\"; } ); };",
		    "dkim.signing[0]: required setting \"key\" is missing", 2 },
		{ "domains = ( { reject = 20.0; } );",
		    "domains[0]: required setting \"name\" is missing", 1 },
	};
	struct conf_errors *e;
	struct conf *c;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = conf_load_string(cases[i].text, "t.conf", &e);
		if (c != NULL || !has_error(e, cases[i].want, cases[i].line)) {
			fprintf(stderr, "case %zu: %s\n  want line %u: %s\n",
			    i, cases[i].text, cases[i].line, cases[i].want);
			if (c != NULL)
				fprintf(stderr, "  got: accepted\n");
			dump_errors(e);
			bad++;
		} else if (strcmp(e->v[0].file, "t.conf") != 0) {
			fprintf(stderr, "case %zu: file %s, want t.conf\n", i,
			    e->v[0].file);
			bad++;
		}
		conf_free(&c);
		conf_errors_free(&e);
		assert_null(e);
	}
	assert_int_equal(bad, 0);
}

/* Valid values of each check, which must not be rejected. */
static void
test_accepted(void **state)
{
	static const char *cases[] = {
		"milter = { socket = \"unix:/run/mxwarden/milter.sock\"; };",
		"milter = { socket = \"inet6:11332@::1\"; };",
		"milter = { socket = \"inet:11332@localhost\"; };",
		"milter = { socket = \"inet:11332\"; };",
		("milter = { trusted_networks = [ \"192.0.2.0/24\", "
		    "\"2001:db8::/32\", \"198.51.100.7\" ]; };"),
		"milter = { trusted_networks = ( \"10.0.0.0/8\" ); };",
		"milter = { trusted_networks = [ ]; };",
		"dns = { servers = [ \"127.0.0.1\", \"::1@5353\" ]; };",
		"dns = { timeout = 30; };",
		"dns = { timeout = \"1m30s\"; };",
		"store = { map_size = 1073741824; };",
		"store = { map_size = 4294967296L; };",
		"store = { map_size = \"64MiB\"; backend = \"redis\"; };",
		"store = { redis_url = \"redis://[::1]:6380/2\"; };",
		"store = { redis_url = \"unix:/run/redis/redis.sock\"; };",
		"actions = { reject = 20; add_header = -1.5; };",
		"domains = [ ];",
		"dkim = { signing = ( ); };",
		"log = { };",
		"",
		"# only a comment\n",
	};
	struct conf_errors *e;
	struct conf *c;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if ((c = conf_load_string(cases[i], NULL, &e)) == NULL) {
			fprintf(stderr, "case %zu rejected: %s\n", i,
			    cases[i]);
			dump_errors(e);
			bad++;
		}
		conf_free(&c);
		conf_errors_free(&e);
	}
	assert_int_equal(bad, 0);
}

/* Every semantic error is reported, not only the first. */
static void
test_all_errors(void **state)
{
	static const char text[] =
	    "log = {\n"
	    "  level = \"loud\";\n"			/* 2 */
	    "  syslog = \"yes\";\n"			/* 3 */
	    "};\n"
	    "spf = { max_void = 99; };\n"		/* 5 */
	    "dkim = {\n"
	    "  signing = (\n"
	    "    { domain = \"example.com\"; selector = \"s\";\n"	/* 8 */
	    "      key = \"relative.key\"; algorithm = \"dsa\"; }\n" /* 9 */
	    "  );\n"
	    "};\n"
	    "colour = \"blue\";\n";			/* 12 */
	static const struct { const char *want; unsigned line; } want[] = {
		{ "log.level", 2 },
		{ "log.syslog", 3 },
		{ "spf.max_void", 5 },
		{ "dkim.signing[0].key", 9 },
		{ "dkim.signing[0].algorithm", 9 },
		{ "colour", 12 },
	};
	struct conf_errors *e;
	size_t i;

	(void)state;
	assert_null(conf_load_string(text, "all.conf", &e));
	dump_errors(e);
	assert_int_equal(e->n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < e->n; i++) {
		if (!has_error(e, want[i].want, want[i].line))
			fprintf(stderr, "missing: line %u %s\n", want[i].line,
			    want[i].want);
		assert_true(has_error(e, want[i].want, want[i].line));
	}
	conf_errors_free(&e);
}

static void
test_error_cap(void **state)
{
	char *text = malloc(CONF_ERRORS_MAX * 2 * 16 + 1), *p = text;
	struct conf_errors *e;
	int i;

	(void)state;
	for (i = 0; i < CONF_ERRORS_MAX * 2; i++)
		p += sprintf(p, "junk%d = 1;\n", i);
	assert_null(conf_load_string(text, NULL, &e));
	assert_int_equal(e->n, CONF_ERRORS_MAX);
	assert_int_equal(e->ndropped, CONF_ERRORS_MAX);
	conf_errors_free(&e);
	free(text);
}

/* Does the getter of row k give the row's default? */
static int
default_ok(const struct conf *c, const struct conf_key *k)
{
	unsigned long long bytes;
	config_setting_t *s;
	const char *str;
	long long secs;

	switch (k->type) {
	case CONF_BOOL:
		return conf_bool(c, k->path) == (strcmp(k->def, "true") == 0);
	case CONF_INT:
		return conf_int(c, k->path) == strtoll(k->def, NULL, 10);
	case CONF_FLOAT:
		return conf_float(c, k->path) == strtod(k->def, NULL);
	case CONF_STR:
		str = conf_str(c, k->path);
		return k->def == NULL ? str == NULL :
		    str != NULL && strcmp(str, k->def) == 0;
	case CONF_ENUM:
		s = conf_setting(c, k->path);
		return s != NULL && strcmp(config_setting_get_string(s),
		    k->def) == 0 && conf_enum(c, k->path) >= 0;
	case CONF_DURATION:
		return conf_parse_duration(k->def, &secs) == 0 &&
		    conf_duration(c, k->path) == secs;
	case CONF_SIZE:
		return conf_parse_size(k->def, &bytes) == 0 &&
		    conf_size(c, k->path) == bytes;
	case CONF_LIST:
		if (k->def == NULL)
			return conf_list_len(c, k->path) == 0;
		str = conf_list_str(c, k->path, 0);
		return conf_list_len(c, k->path) > 0 &&
		    strncmp(k->def, str, strlen(str)) == 0;
	case CONF_GROUP:
		return conf_setting(c, k->path) != NULL;
	case CONF_GROUPS:
		return conf_group_count(c, k->path) == 0;
	}
	return 0;
}

/* Without a file, every getter gives the schema's default. */
static void
test_defaults(void **state)
{
	struct conf *c = conf_defaults();
	const struct conf_key *k;
	size_t i;
	int bad = 0;

	(void)state;
	assert_null(conf_file(c));
	for (i = 0; i < conf_nschema; i++) {
		k = &conf_schema[i];
		if (strchr(k->path, '.') != NULL) {
			/* Members of lists of groups have no root value. */
			char parent[128];

			snprintf(parent, sizeof(parent), "%.*s",
			    (int)(strrchr(k->path, '.') - k->path), k->path);
			if (conf_schema_find(parent)->type == CONF_GROUPS)
				continue;
		}
		if (!default_ok(c, k)) {
			fprintf(stderr, "%s: getter does not give the "
			    "default %s\n", k->path,
			    k->def != NULL ? k->def : "(unset)");
			bad++;
		}
		if (conf_is_set(c, k->path)) {
			fprintf(stderr, "%s: set without a file\n", k->path);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* The limits RFC 7208 section 4.6.4 asks for. */
	assert_int_equal(conf_int(c, "spf.max_lookups"), 10);
	assert_int_equal(conf_int(c, "spf.max_void"), 2);
	assert_true(conf_size(c, "store.map_size") >= 1ULL << 20);
	conf_free(&c);
	assert_null(c);
}

static void
test_getters(void **state)
{
	static const char text[] =
	    "log = { level = \"debug\"; syslog = false; };\n"
	    "dns = { servers = [ \"192.0.2.53\", \"::1@5353\" ];\n"
	    "  timeout = 10; };\n"
	    "store = { map_size = 268435456; };\n"
	    "milter = { timeout = \"2m\"; max_scan_bytes = \"512K\"; };\n"
	    "actions = { reject = 12; add_header = 5.5;\n"
	    "  subject_tag = \"***SPAM***\"; };\n"
	    "dkim = { signing = (\n"
	    "  { domain = \"example.com\"; selector = \"s1\";\n"
	    "    key = \"/etc/mxwarden/keys/a.key\"; },\n"
	    "  { domain = \"example.org\"; selector = \"s2\";\n"
	    "    key = \"/etc/mxwarden/keys/b.key\";\n"
	    "    algorithm = \"ed25519\"; }\n"
	    "); };\n"
	    "domains = ( { name = \"strict.example\"; reject = 8.0; },\n"
	    "  { name = \"lax.example\"; subject_tag = \"[?]\"; } );\n";
	const struct conf *d;
	struct conf_errors *e;
	struct conf *c;

	(void)state;
	c = conf_load_string(text, "g.conf", &e);
	dump_errors(e);
	assert_non_null(c);
	assert_int_equal(e->n, 0);
	conf_errors_free(&e);
	assert_int_equal(conf_enum(c, "log.level"), 3);
	assert_false(conf_bool(c, "log.syslog"));
	assert_true(conf_is_set(c, "log.syslog"));
	assert_int_equal(conf_list_len(c, "dns.servers"), 2);
	assert_string_equal(conf_list_str(c, "dns.servers", 0),
	    "192.0.2.53");
	assert_int_equal(conf_duration(c, "dns.timeout"), 10);
	assert_int_equal(conf_duration(c, "milter.timeout"), 120);
	assert_true(conf_size(c, "store.map_size") == 256ULL << 20);
	assert_true(conf_size(c, "milter.max_scan_bytes") == 512ULL << 10);
	assert_true(conf_float(c, "actions.reject") == 12.0);
	assert_true(conf_float(c, "actions.add_header") == 5.5);
	assert_true(conf_float(c, "actions.quarantine") == 10.0);

	assert_int_equal(conf_group_count(c, "dkim.signing"), 2);
	d = conf_group(c, "dkim.signing", 0);
	assert_string_equal(conf_str(d, "domain"), "example.com");
	assert_string_equal(conf_str(d, "key"), "/etc/mxwarden/keys/a.key");
	assert_int_equal(conf_enum(d, "algorithm"), 0);	/* default rsa */
	assert_false(conf_is_set(d, "algorithm"));
	d = conf_group(c, "dkim.signing", 1);
	assert_string_equal(conf_str(d, "selector"), "s2");
	assert_int_equal(conf_enum(d, "algorithm"), 1);
	assert_true(conf_is_set(d, "algorithm"));

	/* Per-domain values override; the others follow the globals. */
	assert_int_equal(conf_group_count(c, "domains"), 2);
	d = conf_group(c, "domains", 0);
	assert_string_equal(conf_str(d, "name"), "strict.example");
	assert_true(conf_float(d, "reject") == 8.0);
	assert_true(conf_float(d, "add_header") == 5.5);
	assert_string_equal(conf_str(d, "subject_tag"), "***SPAM***");
	d = conf_group(c, "domains", 1);
	assert_true(conf_float(d, "reject") == 12.0);
	assert_string_equal(conf_str(d, "subject_tag"), "[?]");
	conf_free(&c);
}

static void
test_durations_sizes(void **state)
{
	static const struct { const char *in; long long want; } dur[] = {
		{ "90", 90 }, { "30s", 30 }, { "5m", 300 }, { "2h", 7200 },
		{ "1d", 86400 }, { "1w", 604800 }, { "1h30m", 5400 },
		{ "0", 0 }, { "", -1 }, { "m", -1 }, { "5x", -1 },
		{ "1m30", -1 }, { "-5s", -1 }, { "5 m", -1 }, { "1.5h", -1 },
		{ "99999999999999999999w", -1 }, { "999999999w", -1 },
	};
	static const struct {
		const char *in;
		long long want;
	} sz[] = {
		{ "4096", 4096 }, { "512K", 512 << 10 }, { "64M", 64 << 20 },
		{ "64MB", 64 << 20 }, { "64MiB", 64 << 20 },
		{ "64m", 64 << 20 },
		{ "1G", 1LL << 30 }, { "2T", 2LL << 40 }, { "", -1 },
		{ "K", -1 }, { "12Q", -1 }, { "1.5G", -1 }, { "4096B", -1 },
		{ "-1", -1 }, { "99999999999T", -1 }, { "1 G", -1 },
	};
	unsigned long long b;
	long long s;
	size_t i;
	int bad = 0, r;

	(void)state;
	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		r = conf_parse_duration(dur[i].in, &s);
		if ((r == -1 ? -1 : s) != dur[i].want) {
			fprintf(stderr, "duration \"%s\": got %lld, want "
			    "%lld\n", dur[i].in, r == -1 ? -1 : s,
			    dur[i].want);
			bad++;
		}
	}
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		r = conf_parse_size(sz[i].in, &b);
		if ((r == -1 ? -1 : (long long)b) != sz[i].want) {
			fprintf(stderr, "size \"%s\": got %lld, want %lld\n",
			    sz[i].in, r == -1 ? -1 : (long long)b,
			    sz[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Errors in an @included file name that file and its line. */
static void
test_include(void **state)
{
	char dir[] = "/tmp/mxw-conf-XXXXXX", main_conf[64], extra[64];
	char abs_inc[128];
	struct conf_errors *e;
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(main_conf, sizeof(main_conf), "%s/main.conf", dir);
	snprintf(extra, sizeof(extra), "%s/extra.conf", dir);
	write_file(extra, "# extra\n\nspf = {\n  max_lookups = 0;\n};\n");
	write_file(main_conf, "log = { level = \"warn\"; };\n"
	    "@include \"extra.conf\"\n"
	    "dkim = { min_rsa_bits = 100; };\n");
	assert_null(c = conf_load_file(main_conf, &e));
	dump_errors(e);
	assert_int_equal(e->n, 2);
	assert_string_equal(e->v[0].file, extra);
	assert_int_equal(e->v[0].line, 4);
	assert_non_null(strstr(e->v[0].msg, "spf.max_lookups"));
	assert_string_equal(e->v[1].file, main_conf);
	assert_int_equal(e->v[1].line, 3);
	conf_errors_free(&e);

	/* Fixed, it loads and the included values count. */
	write_file(extra, "spf = { max_lookups = 5; };\n");
	write_file(main_conf, "@include \"extra.conf\"\n");
	c = conf_load_file(main_conf, &e);
	dump_errors(e);
	assert_non_null(c);
	assert_string_equal(conf_file(c), main_conf);
	assert_int_equal(conf_int(c, "spf.max_lookups"), 5);
	conf_free(&c);
	conf_errors_free(&e);

	/* An absolute @include works too and is named as written. */
	snprintf(abs_inc, sizeof(abs_inc), "@include \"%s\"\n", extra);
	write_file(main_conf, abs_inc);
	write_file(extra, "\nlog = { level = \"loud\"; };\n");
	assert_null(conf_load_file(main_conf, &e));
	dump_errors(e);
	assert_int_equal(e->n, 1);
	assert_string_equal(e->v[0].file, extra);
	assert_int_equal(e->v[0].line, 2);
	conf_errors_free(&e);
	write_file(main_conf, "@include \"extra.conf\"\n");

	/* A syntax error inside the included file. */
	write_file(extra, "spf = {\n  max_lookups =\n};\n");
	assert_null(conf_load_file(main_conf, &e));
	dump_errors(e);
	assert_int_equal(e->n, 1);
	assert_string_equal(e->v[0].file, extra);
	assert_int_equal(e->v[0].line, 3);
	conf_errors_free(&e);

	/* A missing include, a missing file, a directory; text refuses. */
	unlink(extra);
	assert_null(conf_load_file(main_conf, &e));
	dump_errors(e);
	assert_int_equal(e->n, 1);
	conf_errors_free(&e);
	unlink(main_conf);
	assert_null(conf_load_file(main_conf, &e));
	assert_non_null(strstr(e->v[0].msg, "No such file"));
	conf_errors_free(&e);
	assert_null(conf_load_file(dir, &e));
	assert_non_null(strstr(e->v[0].msg, "not a regular file"));
	conf_errors_free(&e);
	assert_null(conf_load_string("\n@include \"/etc/passwd\"\n", NULL,
	    &e));
	assert_int_equal(e->v[0].line, 2);
	conf_errors_free(&e);
	assert_int_equal(rmdir(dir), 0);
}

/* The schema table itself: order, names, defaults, examples. */
static void
test_schema(void **state)
{
	const struct conf_key *k, *p;
	char parent[128];
	const char *dot, *n;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < conf_nschema; i++) {
		k = &conf_schema[i];
		if ((dot = strrchr(k->path, '.')) != NULL) {
			snprintf(parent, sizeof(parent), "%.*s",
			    (int)(dot - k->path), k->path);
			p = conf_schema_find(parent);
			if (p == NULL || p > k || (p->type != CONF_GROUP &&
			    p->type != CONF_GROUPS)) {
				fprintf(stderr, "%s: parent missing, later or "
				    "not a group\n", k->path);
				bad++;
			}
		}
		if (conf_schema_find(k->path) != k) {
			fprintf(stderr, "%s: duplicate\n", k->path);
			bad++;
		}
		for (n = conf_key_name(k); *n != '\0'; n++)
			if (!((*n >= 'a' && *n <= 'z') || *n == '_' ||
			    (*n >= '0' && *n <= '9')))
				break;
		if (*n != '\0' || strlen(k->doc) == 0 ||
		    strlen(k->doc) > 70) {
			fprintf(stderr, "%s: bad name or doc\n", k->path);
			bad++;
		}
		if (k->type != CONF_GROUP && k->type != CONF_GROUPS &&
		    k->type != CONF_LIST && k->type != CONF_STR &&
		    k->def == NULL) {
			fprintf(stderr, "%s: needs a default\n", k->path);
			bad++;
		}
		if (k->def == NULL && (k->type == CONF_STR ||
		    k->type == CONF_LIST) && k->example == NULL) {
			fprintf(stderr, "%s: needs an example\n", k->path);
			bad++;
		}
		if (k->type == CONF_ENUM && k->def != NULL &&
		    k->def[0] != '=' && strstr(k->words, k->def) == NULL) {
			fprintf(stderr, "%s: default not a word\n", k->path);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* conf_defaults() checks every default against its own row. */
	{
		struct conf *c = conf_defaults();

		conf_free(&c);
	}
}

/* Does text have a line "NAME = " (maybe commented out)? */
static int
has_setting_line(const char *text, const char *name)
{
	const char *p = text, *q;
	size_t n = strlen(name);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL) {
		for (q = p; *q == '\t' || *q == ' ' || *q == '#'; q++)
			;
		if (strncmp(q, name, n) == 0 && strncmp(q + n, " = ", 3) == 0)
			return 1;
	}
	return 0;
}

/* Comment text as one line: wrapped documentation joined again. */
static char *
flatten(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *p = text;

	while (*p != '\0') {
		while (*p == '\t' || *p == ' ' || *p == '#')
			p++;
		while (*p != '\0' && *p != '\n')
			*o++ = *p++;
		if (*p == '\n') {
			*o++ = ' ';
			p++;
		}
	}
	*o = '\0';
	return out;
}

static char *
read_all(FILE *f)
{
	long n;
	char *p;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	return p;
}

/* The sample is valid, and documents every setting of the schema. */
static void
test_shipped_sample(void **state)
{
	const char *path = MXW_TESTS_DIR "/../etc/mxwarden.conf";
	struct conf_errors *e;
	struct conf *c;
	char *text, *flat;
	FILE *f;
	size_t i;
	int bad = 0;

	(void)state;
	c = conf_load_file(path, &e);
	dump_errors(e);
	assert_non_null(c);
	conf_free(&c);
	conf_errors_free(&e);
	assert_non_null(f = fopen(path, "r"));
	text = read_all(f);
	fclose(f);
	flat = flatten(text);
	for (i = 0; i < conf_nschema; i++)
		if (strstr(flat, conf_schema[i].doc) == NULL ||
		    !has_setting_line(text, conf_key_name(&conf_schema[i]))) {
			fprintf(stderr, "etc/mxwarden.conf does not document "
			    "%s; regenerate it with `mxwarden config show > "
			    "etc/mxwarden.conf`\n", conf_schema[i].path);
			bad++;
		}
	free(text);
	free(flat);
	assert_int_equal(bad, 0);
}

/* show, then load what it printed: the same effective values. */
static void
test_show_roundtrip(void **state)
{
	static const char text[] =
	    "dns = { servers = [ \"192.0.2.53\", \"::1@5353\" ]; };\n"
	    "store = { map_size = 4294967296L; };\n"
	    "actions = { subject_tag = \"\\\"q\\\" \\\\ t\"; reject = 20; };\n"
	    "dkim = { signing = ( { domain = \"example.com\";\n"
	    "  selector = \"s1\"; key = \"/k/a.key\"; } ); };\n"
	    "domains = ( { name = \"a.example\"; reject = 9.5; } );\n";
	struct conf *c, *c2, *d0;
	struct conf_errors *e;
	const struct conf *d;
	char *out;
	FILE *f;

	(void)state;
	assert_non_null(c = conf_load_string(text, NULL, NULL));
	assert_non_null(f = tmpfile());
	assert_int_equal(conf_show(c, f), 0);
	out = read_all(f);
	fclose(f);
	c2 = conf_load_string(out, "shown", &e);
	dump_errors(e);
	if (c2 == NULL)
		fprintf(stderr, "%s", out);
	assert_non_null(c2);
	conf_errors_free(&e);
	assert_true(conf_size(c2, "store.map_size") == 4ULL << 30);
	assert_string_equal(conf_list_str(c2, "dns.servers", 1), "::1@5353");
	assert_string_equal(conf_str(c2, "actions.subject_tag"),
	    "\"q\" \\ t");
	assert_true(conf_float(c2, "actions.reject") == 20.0);
	assert_int_equal(conf_group_count(c2, "dkim.signing"), 1);
	d = conf_group(c2, "domains", 0);
	assert_true(conf_float(d, "reject") == 9.5);
	/* Inherited values stay inherited (printed commented out). */
	assert_false(conf_is_set(d, "add_header"));
	assert_true(conf_float(d, "add_header") == 6.0);
	free(out);
	conf_free(&c2);
	conf_free(&c);

	/* The defaults print and load back too. */
	d0 = conf_defaults();
	assert_non_null(f = tmpfile());
	assert_int_equal(conf_show(d0, f), 0);
	out = read_all(f);
	fclose(f);
	c2 = conf_load_string(out, "defaults", &e);
	dump_errors(e);
	assert_non_null(c2);
	conf_errors_free(&e);
	free(out);
	conf_free(&c2);
	conf_free(&d0);
}

/* Reading a path the schema does not know is a bug: it must abort. */
static void
test_unknown_path_panics(void **state)
{
	static const char *paths[] = {
		"spf.max_lookupz", "spf.max_lookups", "log.level",
	};
	struct conf *c = conf_defaults();
	int status;
	size_t i;
	pid_t pid;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fflush(NULL);
		if ((pid = fork()) == 0) {
			/* stderr is quiet: the panic message is expected. */
			if (freopen("/dev/null", "w", stderr) == NULL)
				_exit(3);
			if (i == 0)
				(void)conf_int(c, paths[i]);
			else if (i == 1)
				(void)conf_str(c, paths[i]);	/* an int */
			else
				(void)conf_str(conf_group(c, "domains", 0),
				    "name");	/* no element 0 */
			_exit(0);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fprintf(stderr, "%s: did not panic\n", paths[i]);
		assert_true(WIFSIGNALED(status));
	}
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_classes),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_shipped_sample),
		cmocka_unit_test(test_show_roundtrip),
		cmocka_unit_test(test_unknown_path_panics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
