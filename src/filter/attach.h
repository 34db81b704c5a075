/*
 * Attachment checks (docs/attachments.md): every attachment, and every
 * member of an archive attachment (zip, 7z, rar, tar, gzip, bzip2, xz
 * through libarchive, recursively to a bounded depth), is judged by its
 * name (dangerous extensions, double extensions, bidirectional-override
 * tricks) and by its content (magic bytes of executables, shortcuts,
 * disk images, scripts, Office documents with VBA macros), and its
 * declared type is compared with what the bytes are. Encrypted archives
 * cannot be inspected and are reported as such. The work is bounded by
 * the nesting depth, the member count and the uncompressed bytes read
 * per message (the zip-bomb guard).
 */
#ifndef MXW_ATTACH_H
#define MXW_ATTACH_H

#include <stddef.h>

struct arena;
struct conf;
struct task;
struct attach;

/* What was found; each kind is one symbol (attach_kind_sym). */
enum attach_kind {
	ATTACH_K_EXECUTABLE = 0,	/* dangerous type by name or bytes */
	ATTACH_K_DOUBLE_EXT,		/* "invoice.pdf.exe" */
	ATTACH_K_RTLO,			/* bidi control in the name */
	ATTACH_K_MACRO,			/* Office document with VBA */
	ATTACH_K_ENCRYPTED,		/* encrypted archive or member */
	ATTACH_K_MISMATCH,		/* declared type is not the bytes */
	ATTACH_K_TOO_DEEP,		/* archive nested past max_depth */
	ATTACH_K_LIMIT,			/* member count or bytes cap hit */
	ATTACH_K_BAD_ARCHIVE,		/* archive magic, libarchive fails */
	ATTACH_K_COUNT
};

struct attach_finding {
	enum attach_kind	 kind;
	const char		*path;	/* "a.zip/b/c.exe", sanitized */
	const char		*what;	/* "PE executable", ".exe" ... */
};

/* Limits and lists; attach_new fills them from the configuration. */
struct attach_limits {
	int			 max_depth;	/* archive levels opened */
	size_t			 max_members;	/* per message */
	size_t			 max_bytes;	/* uncompressed, per message */
};

/*
 * Build from conf (borrowed; the lists are copied). NULL with *why_r
 * (static) when an extension in the lists is not a plain word.
 */
struct attach	*attach_new(const struct conf *c, const char **why_r);
void		 attach_free(struct attach **at);

/* Members and uncompressed bytes left for one message. */
struct attach_budget {
	size_t	members;
	size_t	bytes;
};
void	attach_budget_init(const struct attach *at, struct attach_budget *b);

/*
 * Inspect one attachment: its name (may be NULL), declared content type
 * (lower case, may be NULL) and transfer-decoded bytes. Findings are
 * appended to *f_r and *n_r (arena a; the array is grown as needed,
 * capacity in *cap_r), once per file and kind, at most 64 per message.
 * *budget_r carries the members and bytes left for the message (start
 * it with attach_budget_init). Returns 0: bad input becomes findings.
 */
int	attach_inspect(const struct attach *at, struct arena *a,
    const char *name, const char *ctype, const void *data, size_t len,
    struct attach_budget *budget_r, struct attach_finding **f_r,
    size_t *n_r, size_t *cap_r);

/*
 * The check over a task: inspects every attachment of the message
 * (mime.h), adds one symbol per kind found (the first file named in the
 * reason) and raises the configured action: by default executables
 * (and names that hide their type) are rejected with 550 5.7.1 naming
 * the file, macro Office documents quarantined, encrypted archives and
 * caps only scored. Returns 0; -1 with *why_r (static) only on an
 * internal failure.
 */
int	attach_check(const struct attach *at, struct task *t,
    const char **why_r);

/* "ATTACH_EXECUTABLE" ... */
const char *attach_kind_sym(enum attach_kind k);

#endif
