/*
 * Lazy MIME access through GMime 3: nothing is parsed until a caller asks
 * for parts or text, then the tree is walked once and cached in the
 * message. Caps bound the work on hostile input: part count, nesting
 * depth, and decoded bytes.
 */
#ifndef MXW_MIME_H
#define MXW_MIME_H

#include <stddef.h>

struct msg;

#define MIME_PARTS_MAX		256
#define MIME_DEPTH_MAX		20
#define MIME_DECODED_MAX	(16 * 1024 * 1024)

struct mime_part {
	const char	*ctype;		/* "text/plain", lower case */
	const char	*charset;	/* lower case, or NULL */
	const char	*filename;	/* decoded, UTF-8, or NULL */
	int		 is_attachment;	/* Content-Disposition: attachment,
					   or a non-text leaf with a name */
	int		 depth;		/* 0 for the top-level entity */
	const char	*data;		/* transfer-decoded bytes (arena) */
	size_t		 len;
	const char	*text;		/* text parts: UTF-8; HTML as plain
					   text; NULL for non-text */
	size_t		 text_len;
};

/*
 * The leaf parts of m in document order (arena of m). Returns 0, or -1
 * with *why_r when the message cannot be parsed as MIME at all; caps
 * that were hit are reported in *why_r with a 0 return as well.
 */
int	mime_parts(struct msg *m, const struct mime_part **parts_r,
    size_t *n_r, const char **why_r);

/*
 * All text of the message as one UTF-8 string: the Subject, then each text
 * part (HTML rendered to text), separated by newlines (arena of m).
 */
const char *mime_text(struct msg *m, size_t *len_r);

/* URLs found in text and HTML parts (href and bare), arena of m. */
int	mime_urls(struct msg *m, const char ***urls_r, size_t *n_r);

#endif
