/*
 * Attachment checks and the clamd reply parser (src/filter/attach.c,
 * av.c): a table of names, declared types and bytes with the kinds they
 * must give; archives built at test time with libarchive's writer (zip,
 * tar.gz, 7z, a traditional-encrypted zip, nesting, a zip bomb, member
 * counts) and with the zip and 7z programs (password, encrypted
 * headers); the task check (symbols, reject and quarantine); clamd
 * replies. EICAR through a real clamd is tests/integration/av_clamd.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "conf/conf.h"
#include "filter/attach.h"
#include "filter/av.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"
#include "testutil.h"

#define K(x)	(1u << ATTACH_K_##x)
#define BIG	(4 * 1024 * 1024)

/* Sample bytes, made once. */
static char pe[256], elf[64], lnk[80], ole_vba[600], *iso;
static const size_t iso_len = 0x8010;
static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
static const char js[] =
    "var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"calc\");\n";
static const char text[] = "MZ notes from the meeting, nothing more.\n";

static void
make_samples(void)
{
	static const unsigned char lnkh[20] = { 0x4c, 0, 0, 0, 1, 0x14, 2,
	    0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 };
	static const char vba[] = "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";

	memcpy(pe, "MZ", 2);
	pe[0x3c] = (char)0x80;
	memcpy(pe + 0x80, "PE\0\0", 4);
	memcpy(elf, "\x7f" "ELF\x02\x01\x01", 7);
	memcpy(lnk, lnkh, sizeof(lnkh));
	memcpy(ole_vba, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	memcpy(ole_vba + 400, vba, sizeof(vba) - 1);
	iso = calloc(1, iso_len);
	memcpy(iso + 0x8001, "CD001", 5);
}

static struct attach *
new_attach(const char *extra)
{
	struct conf *c = tu_conf("attachments: { %s };", extra);
	const char *why = NULL;
	struct attach *at = attach_new(c, &why);

	if (at == NULL)
		fail_msg("attach_new: %s", why);
	conf_free(&c);
	return at;
}

/* Kinds found for one attachment, as a bit set; paths into *paths. */
static unsigned
kinds(const struct attach *at, const char *name, const char *ctype,
    const void *data, size_t len, char *paths, size_t pathsz)
{
	struct arena *a = arena_new();
	struct attach_finding *f = NULL;
	struct attach_budget b;
	size_t n = 0, cap = 0, i;
	unsigned got = 0;

	attach_budget_init(at, &b);
	attach_inspect(at, a, name, ctype, data, len, &b, &f, &n, &cap);
	if (paths != NULL)
		paths[0] = '\0';
	for (i = 0; i < n; i++) {
		got |= 1u << f[i].kind;
		if (paths != NULL) {
			strncat(paths, f[i].path, pathsz - strlen(paths) - 1);
			strncat(paths, " ", pathsz - strlen(paths) - 1);
		}
	}
	arena_free(&a);
	return got;
}

static void
names_of(unsigned set, char *out, size_t sz)
{
	int k;

	out[0] = '\0';
	for (k = 0; k < ATTACH_K_COUNT; k++)
		if (set & (1u << k)) {
			strncat(out, attach_kind_sym(k), sz - strlen(out) - 1);
			strncat(out, " ", sz - strlen(out) - 1);
		}
}

static int
check_row(const char *label, unsigned got, unsigned want)
{
	char g[512], w[512];

	if (got == want)
		return 0;
	names_of(got, g, sizeof(g));
	names_of(want, w, sizeof(w));
	print_error("%s: got { %s}, want { %s}\n", label, g, w);
	return 1;
}

enum sample { S_PE, S_ELF, S_LNK, S_ISO, S_OLE_VBA, S_PDF, S_JS, S_TEXT };

static void
sample(enum sample s, const void **p_r, size_t *len_r)
{
	*p_r = text;
	*len_r = sizeof(text) - 1;
	switch (s) {
	case S_PE: *p_r = pe; *len_r = sizeof(pe); break;
	case S_ELF: *p_r = elf; *len_r = sizeof(elf); break;
	case S_LNK: *p_r = lnk; *len_r = sizeof(lnk); break;
	case S_ISO: *p_r = iso; *len_r = iso_len; break;
	case S_OLE_VBA: *p_r = ole_vba; *len_r = sizeof(ole_vba); break;
	case S_PDF: *p_r = pdf; *len_r = sizeof(pdf) - 1; break;
	case S_JS: *p_r = js; *len_r = sizeof(js) - 1; break;
	case S_TEXT: *p_r = text; *len_r = sizeof(text) - 1; break;
	}
}

static const struct {
	const char	*name;
	const char	*ctype;
	enum sample	 s;
	unsigned	 want;
} name_rows[] = {
	{ "report.pdf", "application/pdf", S_PDF, 0 },
	{ "notes.txt", "text/plain", S_TEXT, 0 },
	{ "invoice.pdf.exe", "application/octet-stream", S_PE,
	  K(EXECUTABLE) | K(DOUBLE_EXT) },
	{ "invoice.pdf.exe", "application/octet-stream", S_TEXT,
	  K(EXECUTABLE) | K(DOUBLE_EXT) },
	{ "scan.JPG.Scr", NULL, S_TEXT, K(EXECUTABLE) | K(DOUBLE_EXT) },
	{ "doc.pdf        .exe", NULL, S_TEXT,
	  K(EXECUTABLE) | K(DOUBLE_EXT) },
	{ "setup.EXE. ", NULL, S_TEXT, K(EXECUTABLE) },
	{ "archive.tar.js", NULL, S_JS, K(EXECUTABLE) },
	{ "run.vbs", NULL, S_TEXT, K(EXECUTABLE) },
	{ "start.lnk", NULL, S_TEXT, K(EXECUTABLE) },
	{ "disk.iso", NULL, S_TEXT, K(EXECUTABLE) },
	{ "notes.one", NULL, S_TEXT, K(EXECUTABLE) },
	/* U+202E: "invoice<RLO>fdp.exe" displays as "invoiceexe.pdf" */
	{ "invoice\xe2\x80\xae" "fdp.exe", NULL, S_TEXT,
	  K(EXECUTABLE) | K(RTLO) },
	{ "photo\xe2\x81\xa6gpj.txt", NULL, S_TEXT, K(RTLO) },
	/* a macro extension, and text where a zip package should be */
	{ "budget.xlsm", NULL, S_TEXT, K(MACRO) | K(MISMATCH) },
	{ "budget.pdf.docm", NULL, S_TEXT,
	  K(MACRO) | K(DOUBLE_EXT) | K(MISMATCH) },
	/* by content */
	{ "report.pdf", "application/pdf", S_PE,
	  K(EXECUTABLE) | K(MISMATCH) },
	{ "photo.jpg", "image/jpeg", S_PDF, K(MISMATCH) },
	{ "photo.png", "application/octet-stream", S_PDF, K(MISMATCH) },
	{ "notes.txt", "text/plain", S_ELF, K(EXECUTABLE) | K(MISMATCH) },
	{ "data.bin", "application/octet-stream", S_PE, K(EXECUTABLE) },
	{ NULL, "application/octet-stream", S_PE, K(EXECUTABLE) },
	{ "data.bin", NULL, S_LNK, K(EXECUTABLE) },
	{ "data.bin", NULL, S_ISO, K(EXECUTABLE) },
	{ "data.bin", NULL, S_OLE_VBA, K(MACRO) },
	{ "letter.doc", "application/msword", S_OLE_VBA, K(MACRO) },
	{ "notes.txt", "text/plain", S_JS, K(EXECUTABLE) },
	{ "paper.docx", NULL, S_TEXT, K(MISMATCH) },
};

static void
test_names(void **state)
{
	struct attach *at = new_attach("");
	const void *p;
	size_t i, len;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(name_rows) / sizeof(name_rows[0]); i++) {
		sample(name_rows[i].s, &p, &len);
		bad += check_row(name_rows[i].name != NULL ?
		    name_rows[i].name : "(unnamed)", kinds(at,
		    name_rows[i].name, name_rows[i].ctype, p, len, NULL, 0),
		    name_rows[i].want);
	}
	attach_free(&at);
	assert_int_equal(bad, 0);
}

/*
 * Archives written with libarchive into memory. format: "zip", "ustar",
 * "7zip"; filter NULL or "gzip"; pass NULL or a zip password.
 */
struct member {
	const char	*name;
	const void	*p;
	size_t		 len;
};

static size_t
make_archive(const char *format, const char *filter, const char *pass,
    const struct member *m, size_t n, char *out, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t used = 0, i;

	assert_int_equal(archive_write_set_format_by_name(a, format),
	    ARCHIVE_OK);
	if (filter != NULL)
		assert_int_equal(archive_write_add_filter_by_name(a, filter),
		    ARCHIVE_OK);
	if (pass != NULL) {
		if (archive_write_set_options(a,
		    "zip:encryption=traditional") != ARCHIVE_OK)
			fail_msg("zip encryption: %s", archive_error_string(a));
		assert_int_equal(archive_write_set_passphrase(a, pass),
		    ARCHIVE_OK);
	}
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used),
	    ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_size(e, (la_int64_t)m[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].p, m[i].len),
		    (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return used;
}

static int
check_archive(const struct attach *at, const char *label, const char *name,
    const char *data, size_t len, unsigned want, const char *want_path)
{
	char paths[2048];
	unsigned got = kinds(at, name, NULL, data, len, paths, sizeof(paths));
	int bad = check_row(label, got, want);

	if (want_path != NULL && strstr(paths, want_path) == NULL) {
		print_error("%s: paths got \"%s\", want \"%s\"\n", label, paths,
		    want_path);
		bad++;
	}
	return bad;
}

static void
test_archives(void **state)
{
	struct attach *at = new_attach("max_depth = 3;");
	char *b1 = malloc(BIG), *b2 = malloc(BIG), *zeros;
	struct member m[6];
	size_t n, i, zlen = 2 * 1024 * 1024;
	int bad = 0;

	(void)state;
	/* An executable inside a zip, by name and by content. */
	m[0] = (struct member){ "readme.txt", text, sizeof(text) - 1 };
	m[1] = (struct member){ "dir/invoice.exe", pe, sizeof(pe) };
	n = make_archive("zip", NULL, NULL, m, 2, b1, BIG);
	bad += check_archive(at, "zip with exe", "files.zip", b1, n,
	    K(EXECUTABLE), "files.zip/dir/invoice.exe");
	m[1] = (struct member){ "photo.jpg", pe, sizeof(pe) };
	n = make_archive("zip", NULL, NULL, m, 2, b1, BIG);
	bad += check_archive(at, "zip with PE as .jpg", "files.zip", b1, n,
	    K(EXECUTABLE) | K(MISMATCH), "files.zip/photo.jpg");
	/* tar.gz with a script, 7z with an ELF binary. */
	m[0] = (struct member){ "a/b/update.js", js, sizeof(js) - 1 };
	n = make_archive("ustar", "gzip", NULL, m, 1, b1, BIG);
	bad += check_archive(at, "tar.gz with .js", "x.tar.gz", b1, n,
	    K(EXECUTABLE), "x.tar.gz/a/b/update.js");
	m[0] = (struct member){ "tool", elf, sizeof(elf) };
	n = make_archive("7zip", NULL, NULL, m, 1, b1, BIG);
	bad += check_archive(at, "7z with ELF", "x.7z", b1, n,
	    K(EXECUTABLE), "x.7z/tool");
	/* A lone gzip of a PE: the member takes the outer name. */
	m[0] = (struct member){ "x", pe, sizeof(pe) };
	n = make_archive("raw", "gzip", NULL, m, 1, b1, BIG);
	bad += check_archive(at, "bare gzip", "setup.exe.gz", b1, n,
	    K(EXECUTABLE), "setup.exe.gz/setup.exe");
	/* Encrypted zip: names still visible, contents not. */
	m[0] = (struct member){ "doc.txt", text, sizeof(text) - 1 };
	n = make_archive("zip", NULL, "infected", m, 1, b1, BIG);
	bad += check_archive(at, "encrypted zip", "doc.zip", b1, n,
	    K(ENCRYPTED), "doc.zip");
	m[0] = (struct member){ "scan.pdf.exe", pe, sizeof(pe) };
	n = make_archive("zip", NULL, "infected", m, 1, b1, BIG);
	bad += check_archive(at, "encrypted zip with exe name", "doc.zip",
	    b1, n, K(ENCRYPTED) | K(EXECUTABLE) | K(DOUBLE_EXT),
	    "doc.zip/scan.pdf.exe");
	/* A docm: an OOXML zip with word/vbaProject.bin. */
	m[0] = (struct member){ "[Content_Types].xml", "<Types/>", 8 };
	m[1] = (struct member){ "word/document.xml", "<w:document/>", 13 };
	m[2] = (struct member){ "word/vbaProject.bin", ole_vba,
	    sizeof(ole_vba) };
	n = make_archive("zip", NULL, NULL, m, 3, b1, BIG);
	bad += check_archive(at, "docm", "q.docm", b1, n, K(MACRO), "q.docm");
	bad += check_archive(at, "docm named docx", "q.docx", b1, n, K(MACRO),
	    "q.docx");
	/* Nesting: an exe three zips deep is found; four is too deep. */
	m[0] = (struct member){ "evil.exe", pe, sizeof(pe) };
	n = make_archive("zip", NULL, NULL, m, 1, b1, BIG);
	for (i = 2; i <= 4; i++) {
		m[0] = (struct member){ "inner.zip", b1, n };
		n = make_archive("zip", NULL, NULL, m, 1, b2, BIG);
		memcpy(b1, b2, n);
		if (i == 3)
			bad += check_archive(at, "3 levels", "o.zip", b1, n,
			    K(EXECUTABLE),
			    "o.zip/inner.zip/inner.zip/evil.exe");
	}
	bad += check_archive(at, "4 levels", "o.zip", b1, n, K(TOO_DEEP),
	    "o.zip/inner.zip/inner.zip/inner.zip");
	/* Corrupt data behind zip magic. */
	bad += check_archive(at, "bad zip", "x.zip", "PK\x03\x04garbage", 11,
	    K(BAD_ARCHIVE), NULL);
	attach_free(&at);

	/* The zip-bomb guard and the member cap. */
	at = new_attach("max_bytes = \"1M\"; max_members = 3;");
	zeros = calloc(1, zlen);
	m[0] = (struct member){ "zeros.bin", zeros, zlen };
	n = make_archive("zip", NULL, NULL, m, 1, b1, BIG);
	bad += check_archive(at, "bomb", "z.zip", b1, n, K(LIMIT),
	    "z.zip/zeros.bin");
	for (i = 0; i < 5; i++)
		m[i] = (struct member){ "a.txt", text, sizeof(text) - 1 };
	n = make_archive("zip", NULL, NULL, m, 5, b1, BIG);
	bad += check_archive(at, "5 members, 3 allowed", "m.zip", b1, n,
	    K(LIMIT), "m.zip");
	attach_free(&at);
	free(zeros);
	free(b1);
	free(b2);
	assert_int_equal(bad, 0);
}

/* Run a command in dir; 0 if it exited 0. */
static int
run(const char *dir, const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line), "cd '%s' && %s >/dev/null 2>&1", dir,
	    cmd);
	return system(line) == 0 ? 0 : -1;
}

/* Archives made by the zip and 7z programs (Debian zip, p7zip-full). */
static void
test_archives_cli(void **state)
{
	char dir[] = "/tmp/mxw_attach_XXXXXX", path[256];
	struct attach *at = new_attach("");
	struct buf b = BUF_INIT;
	FILE *f;
	int bad = 0;

	(void)state;
	if (system("command -v zip >/dev/null && command -v 7z >/dev/null")
	    != 0)
		skip();		/* scripts/install-deps.sh installs both */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/payload.exe", dir);
	assert_non_null(f = fopen(path, "wb"));
	fwrite(pe, 1, sizeof(pe), f);
	fclose(f);
	assert_int_equal(run(dir, "zip -q -P infected zp.zip payload.exe"),
	    0);
	assert_int_equal(run(dir, "7z a -pinfected 7p.7z payload.exe"), 0);
	assert_int_equal(run(dir,
	    "7z a -pinfected -mhe=on 7h.7z payload.exe"), 0);
	assert_int_equal(run(dir, "7z a -tzip plain.zip payload.exe"), 0);
	snprintf(path, sizeof(path), "%s/zp.zip", dir);
	assert_int_equal(tu_slurp(path, &b), 0);
	bad += check_archive(at, "zip -P", "zp.zip", b.p, b.len,
	    K(ENCRYPTED) | K(EXECUTABLE), "zp.zip/payload.exe");
	snprintf(path, sizeof(path), "%s/7p.7z", dir);
	assert_int_equal(tu_slurp(path, &b), 0);
	bad += check_archive(at, "7z -p", "7p.7z", b.p, b.len,
	    K(ENCRYPTED) | K(EXECUTABLE), "7p.7z/payload.exe");
	snprintf(path, sizeof(path), "%s/7h.7z", dir);
	assert_int_equal(tu_slurp(path, &b), 0);
	bad += check_archive(at, "7z -p -mhe", "7h.7z", b.p, b.len,
	    K(ENCRYPTED), "7h.7z");
	snprintf(path, sizeof(path), "%s/plain.zip", dir);
	assert_int_equal(tu_slurp(path, &b), 0);
	bad += check_archive(at, "7z -tzip", "plain.zip", b.p, b.len,
	    K(EXECUTABLE), "plain.zip/payload.exe");
	buf_free(&b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	attach_free(&at);
	assert_int_equal(bad, 0);
}

/* The check over a task: symbols, the reply naming the file, actions. */
static void
test_task(void **state)
{
	static const char msg_fmt[] =
	    "From: a@example.org\r\nTo: b@example.net\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	    "--B\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n";
	static const struct {
		const char		*name;
		enum sample		 s;
		const char		*sym;
		enum task_action	 act;
	} rows[] = {
		{ "invoice.pdf.exe", S_PE, "ATTACH_EXECUTABLE", ACT_REJECT },
		{ "invoice.pdf.exe", S_PE, "ATTACH_DOUBLE_EXT", ACT_REJECT },
		{ "letter.doc", S_OLE_VBA, "ATTACH_MACRO_OFFICE",
		  ACT_QUARANTINE },
		{ "report.pdf", S_PDF, NULL, ACT_ACCEPT },
	};
	struct conf *c = tu_conf("attachments: { };");
	const char *why = NULL;
	struct attach *at = attach_new(c, &why);
	struct buf b64 = BUF_INIT;
	const struct task_symbol *sym;
	struct arena *a;
	struct msg *m;
	struct task *t;
	const void *p;
	char *text_;
	size_t i, len;
	int bad = 0;

	(void)state;
	assert_non_null(at);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = arena_new();
		sample(rows[i].s, &p, &len);
		buf_reset(&b64);
		b64_encode(p, len, &b64);
		text_ = arena_printf(a, msg_fmt, rows[i].name, rows[i].name,
		    b64.p);
		assert_int_equal(msg_parse(a, text_, strlen(text_), &m, &why),
		    0);
		t = task_new(a, c, NULL, NULL);
		t->msg = m;
		assert_int_equal(attach_check(at, t, &why), 0);
		sym = rows[i].sym != NULL ? task_symbol_get(t, rows[i].sym) :
		    NULL;
		if ((rows[i].sym != NULL && sym == NULL) ||
		    (rows[i].sym == NULL && t->nsym != 0) ||
		    t->action != rows[i].act) {
			print_error("%s: got %zu symbols, action %s; want %s, "
			    "%s\n", rows[i].name, t->nsym,
			    task_action_str(t->action), rows[i].sym != NULL ?
			    rows[i].sym : "none",
			    task_action_str(rows[i].act));
			bad++;
		}
		if (t->action == ACT_REJECT && (t->reply_text == NULL ||
		    strstr(t->reply_text, rows[i].name) == NULL ||
		    strcmp(t->reply_code, "550") != 0)) {
			print_error("%s: reply %s %s, want 550 naming the "
			    "file\n", rows[i].name, t->reply_code,
			    t->reply_text);
			bad++;
		}
		arena_free(&a);
	}
	buf_free(&b64);
	attach_free(&at);
	conf_free(&c);
	assert_int_equal(bad, 0);
}

static void
test_clamd_reply(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;	/* 0: strlen */
		enum av_status	 want;
		const char	*sig;
	} rows[] = {
		{ "stream: OK", 11, AV_CLEAN, "" },
		{ "stream: OK\n", 0, AV_CLEAN, "" },
		{ "stream: Eicar-Test-Signature FOUND", 35, AV_FOUND,
		  "Eicar-Test-Signature" },
		{ "stream: Win.Test.EICAR_HDB-1 FOUND\n", 0, AV_FOUND,
		  "Win.Test.EICAR_HDB-1" },
		{ "3: stream: Eicar-Test-Signature FOUND", 0, AV_FOUND,
		  "Eicar-Test-Signature" },
		{ "stream: Eicar(44d88612fea8a8f36de82e1278abb02f:68) FOUND",
		  0, AV_FOUND, "Eicar(44d88612fea8a8f36de82e1278abb02f:68)" },
		{ "stream: Bad\x01Name FOUND", 0, AV_FOUND, "Bad_Name" },
		{ "INSTREAM size limit exceeded. ERROR", 36, AV_SIZE_LIMIT,
		  "" },
		{ "stream: Can't allocate memory ERROR", 0, AV_ERROR, "" },
		{ "UNKNOWN COMMAND", 0, AV_ERROR, "" },
		{ "stream: FOUND", 0, AV_ERROR, "" },
		{ " FOUND", 0, AV_ERROR, "" },
		{ "", 0, AV_ERROR, "" },
		{ "stream: OKAY", 0, AV_ERROR, "" },
	};
	char sig[AV_SIG_MAX], small[8];
	enum av_status st;
	size_t i, len;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		len = rows[i].len != 0 ? rows[i].len : strlen(rows[i].in);
		st = av_parse_reply(rows[i].in, len, sig, sizeof(sig));
		if (st != rows[i].want || strcmp(sig, rows[i].sig) != 0) {
			print_error("\"%s\": got %d \"%s\", want %d \"%s\"\n",
			    rows[i].in, st, sig, rows[i].want, rows[i].sig);
			bad++;
		}
	}
	st = av_parse_reply("stream: Eicar-Test-Signature FOUND", 34, small,
	    sizeof(small));
	assert_int_equal(st, AV_FOUND);
	assert_string_equal(small, "Eicar-T");
	assert_int_equal(bad, 0);
}

/* Bad configuration values are refused when the check is built. */
static void
test_conf(void **state)
{
	static const struct {
		const char	*text;
		int		 is_ok;
	} rows[] = {
		{ "antivirus: { clamd = \"unix:/run/clamav/clamd.ctl\"; };",
		  1 },
		{ "antivirus: { clamd = \"tcp:127.0.0.1:3310\"; };", 1 },
		{ "antivirus: { clamd = \"tcp:[::1]:3310\"; };", 1 },
		{ "antivirus: { clamd = \"tcp:localhost:3310\"; };", 0 },
		{ "antivirus: { clamd = \"tcp:127.0.0.1:0\"; };", 0 },
		{ "antivirus: { clamd = \"tcp:127.0.0.1\"; };", 0 },
		{ "antivirus: { clamd = \"clamd.ctl\"; };", 0 },
		{ "attachments: { extensions = [ \"exe\", \".SCR\" ]; };", 1 },
		{ "attachments: { extensions = [ \"a b\" ]; };", 0 },
	};
	const char *why;
	struct conf *c;
	struct attach *at;
	struct av *av;
	size_t i;
	int bad = 0, ok;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c = tu_conf("%s", rows[i].text);
		why = NULL;
		at = attach_new(c, &why);
		av = av_new(c, &why);
		ok = at != NULL && av != NULL;
		if (ok != rows[i].is_ok) {
			print_error("%s: got %s (%s), want %s\n", rows[i].text,
			    ok ? "ok" : "refused", why != NULL ? why : "",
			    rows[i].is_ok ? "ok" : "refused");
			bad++;
		}
		attach_free(&at);
		av_free(&av);
		conf_free(&c);
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_archives),
		cmocka_unit_test(test_archives_cli),
		cmocka_unit_test(test_task),
		cmocka_unit_test(test_clamd_reply),
		cmocka_unit_test(test_conf),
	};

	make_samples();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
