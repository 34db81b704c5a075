/*
 * Attachment checks (attach.h, docs/attachments.md). A name is judged
 * by its last extension (after trailing dots and spaces, which Windows
 * ignores), a decoy extension before it ("invoice.pdf.exe") and the
 * Unicode bidirectional controls (U+202A..U+202E, U+2066..U+2069) that
 * make "gpj.exe" display as "exe.jpg". Bytes are judged by their magic
 * numbers: MZ/PE, ELF, Mach-O, the Windows shortcut header (MS-SHLLINK
 * 2.1), ISO 9660 volume descriptors (ECMA-119 8.1: "CD001" at 0x8001),
 * VHD footers, script markers, OLE2 compound files (MS-CFB) whose
 * directory names a "_VBA_PROJECT" stream (MS-OVBA 2.2), and OOXML
 * packages carrying vbaProject.bin. Archives are opened from memory
 * with libarchive, members read into bounded buffers and inspected the
 * same way, recursively.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "filter/attach.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/mime.h"
#include "mail/msg.h"

#define ATTACH_EXT_MAX		16	/* bytes of one extension */
#define ATTACH_EXTS_MAX		256	/* entries per list */
#define ATTACH_FINDINGS_MAX	64	/* per message */
#define ATTACH_PATH_MAX		200	/* bytes of a reported path */
#define ATTACH_SNIFF_MAX	(32 * 1024)	/* script markers looked for */
#define ATTACH_NAMED_MAX	3	/* files named in one reason */

enum attach_act { AA_REJECT = 0, AA_QUARANTINE, AA_SYMBOL };

struct attach {
	char			 (*exts)[ATTACH_EXT_MAX];
	size_t			 nexts;
	char			 (*macro_exts)[ATTACH_EXT_MAX];
	size_t			 nmacro_exts;
	struct attach_limits	 lim;
	int			 is_enabled;
	enum attach_act		 act_exec, act_macro, act_encrypted;
	double			 score[ATTACH_K_COUNT];
};

/* What the bytes are. */
enum ftype {
	FT_UNKNOWN = 0,
	/* dangerous */
	FT_PE, FT_MZ, FT_ELF, FT_MACHO, FT_LNK, FT_ISO, FT_VHD, FT_SHEBANG,
	FT_SCRIPT,
	/* documents and media */
	FT_OLE2, FT_PDF, FT_PNG, FT_JPEG, FT_GIF, FT_RTF,
	/* archives (FT_ZIP first) */
	FT_ZIP, FT_7Z, FT_RAR, FT_TAR, FT_CAB, FT_GZIP, FT_BZIP2, FT_XZ,
	FT_ZSTD
};

static const char *const ft_names[] = {
	"unknown", "PE executable", "DOS executable", "ELF executable",
	"Mach-O or Java class", "Windows shortcut", "ISO 9660 image",
	"VHD disk image", "script (#!)", "script", "OLE2 document", "PDF",
	"PNG", "JPEG", "GIF", "RTF", "zip", "7z", "rar", "tar", "cab",
	"gzip", "bzip2", "xz", "zstd"
};

static const char *const sym_names[ATTACH_K_COUNT] = {
	"ATTACH_EXECUTABLE", "ATTACH_DOUBLE_EXT", "ATTACH_RTLO",
	"ATTACH_MACRO_OFFICE", "ATTACH_ARCHIVE_ENCRYPTED",
	"ATTACH_TYPE_MISMATCH", "ATTACH_NESTED_TOO_DEEP", "ATTACH_LIMIT",
	"ATTACH_ARCHIVE_BAD"
};

static const char *const score_rows[ATTACH_K_COUNT] = {
	"attachments.score_executable", "attachments.score_double_ext",
	"attachments.score_rtlo", "attachments.score_macro",
	"attachments.score_encrypted", "attachments.score_mismatch",
	"attachments.score_unscannable", "attachments.score_unscannable",
	"attachments.score_unscannable"
};

/* Extensions that hide a dangerous one after them ("x.pdf.exe"). */
static const char *const decoy_exts[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf",
	"odt", "ods", "csv", "jpg", "jpeg", "png", "gif", "bmp", "tif",
	"tiff", "mp3", "mp4", "avi", "mov", "wav", "htm", "html", "zip",
	"rar", "7z", "eml", "msg", "xml", "json", NULL
};

/* Extensions whose bytes we know (type mismatch by name). */
static const struct {
	const char	*ext;
	enum ftype	 ft;
} ext_types[] = {
	{ "pdf", FT_PDF }, { "png", FT_PNG }, { "jpg", FT_JPEG },
	{ "jpeg", FT_JPEG }, { "gif", FT_GIF }, { "zip", FT_ZIP },
	{ "docx", FT_ZIP }, { "xlsx", FT_ZIP }, { "pptx", FT_ZIP },
	{ "docm", FT_ZIP }, { "xlsm", FT_ZIP }, { "pptm", FT_ZIP },
	{ "odt", FT_ZIP }, { "ods", FT_ZIP }, { "odp", FT_ZIP },
	{ "7z", FT_7Z }, { "rar", FT_RAR }, { "rtf", FT_RTF }
};

/* Declared content types whose bytes we know. */
static const struct {
	const char	*ctype;		/* exact, or a prefix ending in '.' */
	enum ftype	 ft;
} ctype_types[] = {
	{ "application/pdf", FT_PDF }, { "application/x-pdf", FT_PDF },
	{ "image/png", FT_PNG }, { "image/jpeg", FT_JPEG },
	{ "image/jpg", FT_JPEG }, { "image/pjpeg", FT_JPEG },
	{ "image/gif", FT_GIF }, { "application/zip", FT_ZIP },
	{ "application/x-zip-compressed", FT_ZIP },
	{ "application/vnd.openxmlformats-officedocument.", FT_ZIP },
	{ "application/vnd.oasis.opendocument.", FT_ZIP },
	{ "application/x-7z-compressed", FT_7Z },
	{ "application/gzip", FT_GZIP }, { "application/x-gzip", FT_GZIP }
};

/* Script markers (lower case) in the first ATTACH_SNIFF_MAX bytes. */
static const char *const script_marks[] = {
	"wscript.shell", "activexobject", "shell.application",
	"<hta:application", "wscript.createobject", "powershell -e",
	"powershell.exe -", NULL
};

struct ctx {
	const struct attach	*at;
	struct arena		*a;
	struct attach_budget	*b;
	struct attach_finding	**f;
	size_t			*n, *cap;
};

const char *
attach_kind_sym(enum attach_kind k)
{
	return sym_names[k];
}

static int
is_exec_type(enum ftype ft)
{
	return ft >= FT_PE && ft <= FT_SCRIPT;
}

static int
is_archive_type(enum ftype ft)
{
	return ft >= FT_ZIP;
}

static void
add(struct ctx *x, enum attach_kind k, const char *path, const char *what)
{
	size_t i;

	for (i = 0; i < *x->n; i++)
		if ((*x->f)[i].kind == k && strcmp((*x->f)[i].path, path) == 0)
			return;		/* once per file and kind */
	if (*x->n >= ATTACH_FINDINGS_MAX)
		return;
	if (*x->n == *x->cap) {
		size_t ncap = *x->cap == 0 ? 8 : *x->cap * 2;
		struct attach_finding *nf = arena_calloc(x->a, ncap,
		    sizeof(*nf));

		if (*x->n > 0)
			memcpy(nf, *x->f, *x->n * sizeof(*nf));
		*x->f = nf;
		*x->cap = ncap;
	}
	(*x->f)[*x->n].kind = k;
	(*x->f)[*x->n].path = path;
	(*x->f)[*x->n].what = what;
	(*x->n)++;
}

/*
 * A printable form of a name from the wire for reasons and replies:
 * ASCII letters kept, other bytes '?', bidi controls "<BIDI>", capped.
 */
static const char *
safe_name(struct arena *a, const char *s, size_t len)
{
	char *out = arena_alloc(a, ATTACH_PATH_MAX + 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < len && o + 7 < ATTACH_PATH_MAX; i++) {
		if (p[i] == 0xe2 && i + 2 < len &&
		    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa &&
		    p[i + 2] <= 0xae) || (p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9))) {
			memcpy(out + o, "<BIDI>", 6);
			o += 6;
			i += 2;
		} else if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"')
			out[o++] = (char)p[i];
		else
			out[o++] = '?';
	}
	if (i < len)
		out[o++] = '~';
	out[o] = '\0';
	return out;
}

static int
has_bidi(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa &&
		    p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9)))
			return 1;
	return 0;
}

/*
 * The last extension of name (lower case, into ext) and the one before
 * it (into prev, "" if none). Trailing dots and spaces are dropped as
 * Windows drops them; an extension longer than ATTACH_EXT_MAX - 1 is
 * no extension. *pad_r tells whether three or more spaces precede the
 * last dot (padding that pushes ".exe" out of sight).
 */
static void
split_ext(const char *name, char *ext, char *prev, int *pad_r)
{
	size_t len = strlen(name), dot, pdot, i;

	ext[0] = prev[0] = '\0';
	*pad_r = 0;
	while (len > 0 && (name[len - 1] == '.' || name[len - 1] == ' '))
		len--;
	for (dot = len; dot > 0 && name[dot - 1] != '.'; dot--)
		;
	if (dot == 0 || len - dot >= ATTACH_EXT_MAX)
		return;
	for (i = dot; i < len; i++)
		ext[i - dot] = (char)tolower((unsigned char)name[i]);
	ext[len - dot] = '\0';
	i = dot - 1;		/* the last dot */
	if (i >= 3 && name[i - 1] == ' ' && name[i - 2] == ' ' &&
	    name[i - 3] == ' ')
		*pad_r = 1;
	while (i > 0 && name[i - 1] == ' ')
		i--;		/* "x.pdf   .exe" */
	for (pdot = i; pdot > 0 && name[pdot - 1] != '.'; pdot--)
		;
	if (pdot == 0 || i - pdot >= ATTACH_EXT_MAX)
		return;
	for (len = pdot; len < i; len++)
		prev[len - pdot] = (char)tolower((unsigned char)name[len]);
	prev[i - pdot] = '\0';
}

static int
in_list(char (*v)[ATTACH_EXT_MAX], size_t n, const char *ext)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], ext) == 0)
			return 1;
	return 0;
}

static int
is_decoy(const char *ext)
{
	size_t i;

	for (i = 0; decoy_exts[i] != NULL; i++)
		if (strcmp(decoy_exts[i], ext) == 0)
			return 1;
	return 0;
}

/* Judge a file name; path names it in findings. */
static void
check_name(struct ctx *x, const char *path, const char *name)
{
	char ext[ATTACH_EXT_MAX], prev[ATTACH_EXT_MAX];
	int is_exec, is_macro, pad;

	if (has_bidi(name))
		add(x, ATTACH_K_RTLO, path, "bidirectional control in name");
	split_ext(name, ext, prev, &pad);
	if (ext[0] == '\0')
		return;
	is_exec = in_list(x->at->exts, x->at->nexts, ext);
	is_macro = in_list(x->at->macro_exts, x->at->nmacro_exts, ext);
	if (is_exec)
		add(x, ATTACH_K_EXECUTABLE, path,
		    arena_printf(x->a, "extension .%s", ext));
	if (is_macro)
		add(x, ATTACH_K_MACRO, path,
		    arena_printf(x->a, "extension .%s", ext));
	if ((is_exec || is_macro) && ((prev[0] != '\0' && is_decoy(prev)) ||
	    pad))
		add(x, ATTACH_K_DOUBLE_EXT, path, pad ?
		    arena_printf(x->a, "spaces before .%s", ext) :
		    arena_printf(x->a, ".%s.%s", prev, ext));
}

static int
at(const unsigned char *p, size_t len, size_t off, const char *m, size_t n)
{
	return len >= off + n && memcmp(p + off, m, n) == 0;
}

/* MZ with a PE header at e_lfanew (PE/COFF 3.2), or a plausible DOS one. */
static enum ftype
sniff_mz(const unsigned char *p, size_t len)
{
	uint32_t off;

	if (len < 64)
		return FT_UNKNOWN;
	off = (uint32_t)p[60] | (uint32_t)p[61] << 8 |
	    (uint32_t)p[62] << 16 | (uint32_t)p[63] << 24;
	if (off <= len - 4 && memcmp(p + off, "PE\0\0", 4) == 0)
		return FT_PE;
	/* Header paragraphs (offset 8) of a DOS program: 2 or more. */
	if (memchr(p, 0, 64) != NULL && (p[8] | p[9] << 8) >= 2)
		return FT_MZ;
	return FT_UNKNOWN;
}

static int
has_script_marks(const unsigned char *p, size_t len)
{
	char *low;
	size_t n = len < ATTACH_SNIFF_MAX ? len : ATTACH_SNIFF_MAX, i;
	int hit = 0;

	if (n == 0)
		return 0;
	low = xmalloc(n);
	for (i = 0; i < n; i++)
		low[i] = (char)tolower(p[i]);
	for (i = 0; script_marks[i] != NULL && !hit; i++)
		hit = memmem(low, n, script_marks[i],
		    strlen(script_marks[i])) != NULL;
	free(low);
	return hit;
}

static enum ftype
sniff(const void *data, size_t len)
{
	static const unsigned char lnk[20] = { 0x4c, 0, 0, 0, 1, 0x14, 2, 0,
	    0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 };
	const unsigned char *p = data;
	enum ftype ft;

	if (at(p, len, 0, "MZ", 2) && (ft = sniff_mz(p, len)) != FT_UNKNOWN)
		return ft;
	if (at(p, len, 0, "\x7f" "ELF", 4))
		return FT_ELF;
	if (at(p, len, 0, "\xfe\xed\xfa\xce", 4) ||
	    at(p, len, 0, "\xfe\xed\xfa\xcf", 4) ||
	    at(p, len, 0, "\xce\xfa\xed\xfe", 4) ||
	    at(p, len, 0, "\xcf\xfa\xed\xfe", 4) ||
	    at(p, len, 0, "\xca\xfe\xba\xbe", 4))
		return FT_MACHO;
	if (at(p, len, 0, (const char *)lnk, sizeof(lnk)))
		return FT_LNK;
	if (at(p, len, 0x8001, "CD001", 5) || at(p, len, 0x8801, "CD001", 5) ||
	    at(p, len, 0x9001, "CD001", 5))
		return FT_ISO;
	if (at(p, len, 0, "conectix", 8) ||
	    (len >= 512 && at(p, len, len - 512, "conectix", 8)))
		return FT_VHD;
	if (at(p, len, 0, "#!/", 3) || at(p, len, 0, "#! /", 4))
		return FT_SHEBANG;
	if (at(p, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return FT_OLE2;
	if (at(p, len, 0, "PK\x03\x04", 4) || at(p, len, 0, "PK\x05\x06", 4))
		return FT_ZIP;
	if (at(p, len, 0, "7z\xbc\xaf\x27\x1c", 6))
		return FT_7Z;
	if (at(p, len, 0, "Rar!\x1a\x07", 6))
		return FT_RAR;
	if (at(p, len, 257, "ustar", 5))
		return FT_TAR;
	if (at(p, len, 0, "MSCF\0\0\0\0", 8))
		return FT_CAB;
	if (at(p, len, 0, "\x1f\x8b", 2))
		return FT_GZIP;
	if (at(p, len, 0, "BZh", 3) && len > 3 && p[3] >= '1' && p[3] <= '9')
		return FT_BZIP2;
	if (at(p, len, 0, "\xfd" "7zXZ\0", 6))
		return FT_XZ;
	if (at(p, len, 0, "\x28\xb5\x2f\xfd", 4))
		return FT_ZSTD;
	if (at(p, len, 0, "\x89PNG\r\n\x1a\n", 8))
		return FT_PNG;
	if (at(p, len, 0, "\xff\xd8\xff", 3))
		return FT_JPEG;
	if (at(p, len, 0, "GIF87a", 6) || at(p, len, 0, "GIF89a", 6))
		return FT_GIF;
	if (at(p, len, 0, "{\\rtf", 5))
		return FT_RTF;
	/* Readers accept "%PDF-" within the first 1024 bytes. */
	if (len >= 5 && memmem(p, len < 1024 ? len : 1024, "%PDF-", 5) != NULL)
		return FT_PDF;
	if (has_script_marks(p, len))
		return FT_SCRIPT;
	return FT_UNKNOWN;
}

/* "_VBA_PROJECT" as a UTF-16LE directory entry name (MS-OVBA 2.2.1). */
static int
ole2_has_vba(const void *data, size_t len)
{
	static const char name[] = "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";

	return memmem(data, len, name, sizeof(name) - 1) != NULL;
}

static enum ftype
ext_type(const char *name)
{
	char ext[ATTACH_EXT_MAX], prev[ATTACH_EXT_MAX];
	size_t i;
	int pad;

	if (name == NULL)
		return FT_UNKNOWN;
	split_ext(name, ext, prev, &pad);
	for (i = 0; i < sizeof(ext_types) / sizeof(ext_types[0]); i++)
		if (strcmp(ext_types[i].ext, ext) == 0)
			return ext_types[i].ft;
	return FT_UNKNOWN;
}

static enum ftype
ctype_type(const char *ctype)
{
	size_t i, n;

	if (ctype == NULL)
		return FT_UNKNOWN;
	for (i = 0; i < sizeof(ctype_types) / sizeof(ctype_types[0]); i++) {
		n = strlen(ctype_types[i].ctype);
		if (ctype_types[i].ctype[n - 1] == '.' ?
		    strncmp(ctype, ctype_types[i].ctype, n) == 0 :
		    strcmp(ctype, ctype_types[i].ctype) == 0)
			return ctype_types[i].ft;
	}
	return FT_UNKNOWN;
}

/*
 * Does a claim (declared type or extension) fit what the bytes are?
 * Text and image claims only clash with programs, documents and
 * archives; specific claims want their own magic.
 */
static const char *
mismatch(struct ctx *x, const char *ctype, const char *name, enum ftype ft)
{
	enum ftype c;

	c = ctype_type(ctype);
	if (c != FT_UNKNOWN && c != ft)
		return arena_printf(x->a, "declared %s, is %s", ctype,
		    ft_names[ft]);
	if (ctype != NULL && (strncmp(ctype, "text/", 5) == 0 ||
	    strncmp(ctype, "image/", 6) == 0) && ft != FT_SCRIPT &&
	    ft != FT_SHEBANG && (is_exec_type(ft) || ft == FT_OLE2 ||
	    ft == FT_ZIP || ft == FT_7Z || ft == FT_RAR || ft == FT_PDF))
		return arena_printf(x->a, "declared %s, is %s", ctype,
		    ft_names[ft]);
	c = ext_type(name);
	if (c != FT_UNKNOWN && c != ft)
		return arena_printf(x->a, "named .%s, is %s",
		    strrchr(name, '.') + 1, ft_names[ft]);
	return NULL;
}

static void	walk(struct ctx *x, const char *path, const char *name,
    const void *data, size_t len, enum ftype ft, int level);

/* Judge bytes; level is the archive nesting they were found at. */
static void
check_bytes(struct ctx *x, const char *path, const char *name,
    const char *ctype, const void *data, size_t len, int level)
{
	enum ftype ft = sniff(data, len);
	const char *why;

	if (is_exec_type(ft))
		add(x, ATTACH_K_EXECUTABLE, path, ft_names[ft]);
	if (ft == FT_OLE2 && ole2_has_vba(data, len))
		add(x, ATTACH_K_MACRO, path, "VBA project");
	if ((why = mismatch(x, ctype, name, ft)) != NULL)
		add(x, ATTACH_K_MISMATCH, path, why);
	if (is_archive_type(ft))
		walk(x, path, name, data, len, ft, level + 1);
}

static const char *
join(struct arena *a, const char *dir, const char *name)
{
	const char *s = safe_name(a, name, strlen(name));

	if (strlen(dir) + strlen(s) + 1 > ATTACH_PATH_MAX)
		return arena_printf(a, "%s/...", dir);
	return arena_printf(a, "%s/%s", dir, s);
}

static struct archive *
open_archive(const void *data, size_t len, enum ftype ft)
{
	struct archive *ar = archive_read_new();

	if (ar == NULL)
		panic("archive_read_new: out of memory");
	/*
	 * Only filters built into libarchive (filter_all would run the
	 * lrzip, lzop and grzip programs) and the formats mail carries.
	 */
	archive_read_support_filter_gzip(ar);
	archive_read_support_filter_bzip2(ar);
	archive_read_support_filter_xz(ar);
	archive_read_support_filter_lzma(ar);
	archive_read_support_filter_zstd(ar);
	archive_read_support_filter_compress(ar);
	archive_read_support_format_zip(ar);
	archive_read_support_format_7zip(ar);
	archive_read_support_format_rar(ar);
	archive_read_support_format_rar5(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_gnutar(ar);
	archive_read_support_format_cab(ar);
	archive_read_support_format_cpio(ar);
	if (ft >= FT_GZIP)	/* a lone compressed file */
		archive_read_support_format_raw(ar);
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		archive_read_free(ar);
		return NULL;
	}
	return ar;
}

static int
is_encryption_error(struct archive *ar)
{
	const char *e = archive_error_string(ar);

	return e != NULL && (strstr(e, "ncrypt") != NULL ||
	    strstr(e, "assphrase") != NULL);
}

/*
 * Read the current member into a heap buffer, at most the bytes left in
 * the budget. Returns 0 (whole member), 1 (cut at the budget: the
 * caller reports the cap) or -1 (read error).
 */
static int
read_member(struct archive *ar, struct attach_budget *b, char **p_r,
    size_t *len_r)
{
	size_t cap = 64 * 1024, len = 0;
	char *p = xmalloc(cap);
	la_ssize_t r;

	for (;;) {
		size_t want = cap - len;

		if (want > b->bytes - len + 1)
			want = b->bytes - len + 1;
		if (want == 0)
			break;
		r = archive_read_data(ar, p + len, want);
		if (r < 0) {
			free(p);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > b->bytes) {
			*p_r = p;
			*len_r = b->bytes;
			b->bytes = 0;
			return 1;
		}
		if (len == cap) {	/* never past the budget + 1 */
			cap = cap > (b->bytes + 1) / 2 ? b->bytes + 1 :
			    cap * 2;
			p = xreallocarray(p, 1, cap);
		}
	}
	b->bytes -= len;
	*p_r = p;
	*len_r = len;
	return 0;
}

/* The name of the only member of a bare .gz/.bz2/.xz: its own, cut. */
static const char *
raw_name(struct arena *a, const char *outer)
{
	const char *dot;

	if (outer == NULL || (dot = strrchr(outer, '.')) == NULL)
		return "data";
	return arena_strndup(a, outer, (size_t)(dot - outer));
}

static void
walk_members(struct ctx *x, struct archive *ar, const char *path,
    const char *outer, int level)
{
	struct archive_entry *e;
	const char *name, *base, *mpath;
	char *buf;
	size_t len;
	int r, nread = 0;

	for (;;) {
		r = archive_read_next_header(ar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (is_encryption_error(ar))
				add(x, ATTACH_K_ENCRYPTED, path,
				    "encrypted archive headers");
			else
				add(x, ATTACH_K_BAD_ARCHIVE, path,
				    nread == 0 ? "unreadable archive" :
				    "damaged archive");
			return;
		}
		nread++;
		if (x->b->members == 0) {
			add(x, ATTACH_K_LIMIT, path, "too many members");
			return;
		}
		x->b->members--;
		if (archive_format(ar) == ARCHIVE_FORMAT_RAW)
			name = raw_name(x->a, outer);
		else if ((name = archive_entry_pathname(e)) == NULL)
			name = "?";
		base = name + strlen(name);
		while (base > name && base[-1] != '/' && base[-1] != '\\')
			base--;
		mpath = join(x->a, path, name);
		if (archive_entry_filetype(e) != AE_IFREG &&
		    archive_entry_filetype(e) != 0)
			continue;	/* directories, links, devices */
		check_name(x, mpath, base);
		/* OOXML keeps macros in vbaProject.bin (MS-OFFMACRO2). */
		if (str_casecmp(base, "vbaProject.bin") == 0)
			add(x, ATTACH_K_MACRO, path, "vbaProject.bin");
		if (archive_entry_is_encrypted(e)) {
			add(x, ATTACH_K_ENCRYPTED, path, "encrypted member");
			continue;
		}
		if (x->b->bytes == 0) {
			add(x, ATTACH_K_LIMIT, path, "uncompressed bytes");
			return;
		}
		r = read_member(ar, x->b, &buf, &len);
		if (r == -1) {
			if (is_encryption_error(ar))
				add(x, ATTACH_K_ENCRYPTED, path,
				    "encrypted member");
			else
				add(x, ATTACH_K_BAD_ARCHIVE, mpath,
				    "damaged member");
			return;
		}
		check_bytes(x, mpath, base, NULL, buf, len, level);
		free(buf);
		if (r == 1) {
			add(x, ATTACH_K_LIMIT, mpath, "uncompressed bytes");
			return;
		}
	}
	if (archive_read_has_encrypted_entries(ar) > 0)
		add(x, ATTACH_K_ENCRYPTED, path, "encrypted member");
}

static void
walk(struct ctx *x, const char *path, const char *name, const void *data,
    size_t len, enum ftype ft, int level)
{
	struct archive *ar;

	if (level > x->at->lim.max_depth) {
		add(x, ATTACH_K_TOO_DEEP, path, arena_printf(x->a,
		    "%s nested deeper than %d", ft_names[ft],
		    x->at->lim.max_depth));
		return;
	}
	if ((ar = open_archive(data, len, ft)) == NULL) {
		add(x, ATTACH_K_BAD_ARCHIVE, path, "unreadable archive");
		return;
	}
	walk_members(x, ar, path, name, level);
	archive_read_free(ar);
}

void
attach_budget_init(const struct attach *at, struct attach_budget *b)
{
	b->members = at->lim.max_members;
	b->bytes = at->lim.max_bytes;
}

int
attach_inspect(const struct attach *at, struct arena *a, const char *name,
    const char *ctype, const void *data, size_t len,
    struct attach_budget *budget_r, struct attach_finding **f_r,
    size_t *n_r, size_t *cap_r)
{
	struct ctx x = { at, a, budget_r, f_r, n_r, cap_r };
	const char *path;

	path = name != NULL ? safe_name(a, name, strlen(name)) : "(unnamed)";
	if (name != NULL)
		check_name(&x, path, name);
	check_bytes(&x, path, name, ctype, data, len, 0);
	return 0;
}

static enum attach_act
act_of(const struct attach *at, enum attach_kind k)
{
	switch (k) {
	case ATTACH_K_EXECUTABLE:
	case ATTACH_K_DOUBLE_EXT:
	case ATTACH_K_RTLO:
		return at->act_exec;
	case ATTACH_K_MACRO:
		return at->act_macro;
	case ATTACH_K_ENCRYPTED:
		return at->act_encrypted;
	default:
		return AA_SYMBOL;
	}
}

/* One symbol per kind, naming up to ATTACH_NAMED_MAX files. */
static void
report(const struct attach *at, struct task *t, struct attach_finding *f,
    size_t n)
{
	enum attach_kind k;
	size_t i, named, more;
	const char *reason, *first;

	for (k = 0; k < ATTACH_K_COUNT; k++) {
		reason = first = NULL;
		named = more = 0;
		for (i = 0; i < n; i++) {
			if (f[i].kind != k)
				continue;
			if (named == ATTACH_NAMED_MAX) {
				more++;
				continue;
			}
			reason = arena_printf(t->a, "%s%s%s (%s)",
			    reason != NULL ? reason : "",
			    reason != NULL ? ", " : "", f[i].path, f[i].what);
			if (first == NULL)
				first = f[i].path;
			named++;
		}
		if (reason == NULL)
			continue;
		if (more > 0)
			reason = arena_printf(t->a, "%s and %zu more", reason,
			    more);
		task_symbol(t, sym_names[k], at->score[k], "%s", reason);
		if (act_of(at, k) == AA_REJECT)
			task_raise(t, ACT_REJECT, "550", "5.7.1", arena_printf(
			    t->a, "attachment \"%s\" refused (%s)", first,
			    sym_names[k]));
		else if (act_of(at, k) == AA_QUARANTINE)
			task_raise(t, ACT_QUARANTINE, NULL, NULL,
			    arena_printf(t->a, "attachment \"%s\" held (%s)",
			    first, sym_names[k]));
	}
}

int
attach_check(const struct attach *at, struct task *t, const char **why_r)
{
	const struct mime_part *parts;
	struct attach_finding *f = NULL;
	struct attach_budget b;
	size_t np, i, n = 0, cap = 0;
	const char *why;

	(void)why_r;
	if (!at->is_enabled || t->msg == NULL)
		return 0;
	if (mime_parts(t->msg, &parts, &np, &why) == -1)
		return 0;	/* not MIME: no attachments to judge */
	attach_budget_init(at, &b);
	for (i = 0; i < np; i++) {
		const struct mime_part *p = &parts[i];

		if (!p->is_attachment && p->filename == NULL &&
		    (p->ctype == NULL || strncmp(p->ctype, "text/", 5) == 0 ||
		    strncmp(p->ctype, "multipart/", 10) == 0))
			continue;	/* the text of the message */
		attach_inspect(at, t->a, p->filename, p->ctype, p->data,
		    p->len, &b, &f, &n, &cap);
	}
	report(at, t, f, n);
	return 0;
}

static enum attach_act
act_conf(const struct conf *c, const char *path)
{
	return (enum attach_act)conf_enum(c, path);	/* reject|quar.|sym */
}

static int
load_exts(const struct conf *c, const char *path,
    char (**v_r)[ATTACH_EXT_MAX], size_t *n_r)
{
	size_t n = conf_list_len(c, path), i, j;
	const char *s;

	if (n > ATTACH_EXTS_MAX)
		n = ATTACH_EXTS_MAX;
	*v_r = xcalloc(n + 1, sizeof(**v_r));
	*n_r = n;
	for (i = 0; i < n; i++) {
		s = conf_list_str(c, path, i);
		if (s[0] == '.')
			s++;
		if (s[0] == '\0' || strlen(s) >= ATTACH_EXT_MAX)
			return -1;
		for (j = 0; s[j] != '\0'; j++) {
			if (!isalnum((unsigned char)s[j]) && s[j] != '_' &&
			    s[j] != '-')
				return -1;
			(*v_r)[i][j] = (char)tolower((unsigned char)s[j]);
		}
	}
	return 0;
}

struct attach *
attach_new(const struct conf *c, const char **why_r)
{
	struct attach *at = xcalloc(1, sizeof(*at));
	int k;

	if (load_exts(c, "attachments.extensions", &at->exts,
	    &at->nexts) == -1 || load_exts(c, "attachments.macro_extensions",
	    &at->macro_exts, &at->nmacro_exts) == -1) {
		*why_r = "attachments: an extension is not a plain word";
		attach_free(&at);
		return NULL;
	}
	at->is_enabled = conf_bool(c, "attachments.enabled");
	at->lim.max_depth = (int)conf_int(c, "attachments.max_depth");
	at->lim.max_members = (size_t)conf_int(c, "attachments.max_members");
	at->lim.max_bytes = (size_t)conf_size(c, "attachments.max_bytes");
	at->act_exec = act_conf(c, "attachments.executable_action");
	at->act_macro = act_conf(c, "attachments.macro_action");
	at->act_encrypted = act_conf(c, "attachments.encrypted_action");
	for (k = 0; k < ATTACH_K_COUNT; k++)
		at->score[k] = conf_float(c, score_rows[k]);
	return at;
}

void
attach_free(struct attach **atp)
{
	struct attach *at = *atp;

	if (at == NULL)
		return;
	free(at->exts);
	free(at->macro_exts);
	free(at);
	*atp = NULL;
}
