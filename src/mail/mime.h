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
#define MIME_URLS_MAX		1000
#define MIME_URL_BYTES_MAX	2048

enum mime_flag {
	MIME_F_PARTS_CAP = 1 << 0,	/* parts after MIME_PARTS_MAX skipped */
	MIME_F_DEPTH_CAP = 1 << 1,	/* parts below MIME_DEPTH_MAX skipped */
	MIME_F_DECODED_CAP = 1 << 2,	/* data past MIME_DECODED_MAX skipped */
	MIME_F_BAD_CHARSET = 1 << 3,	/* unknown charset, read as 8-bit */
	MIME_F_URLS_CAP = 1 << 4	/* URLs after MIME_URLS_MAX dropped */
};

struct mime_part {
	const char	*ctype;		/* "text/plain", lower case */
	const char	*charset;	/* lower case, or NULL */
	const char	*filename;	/* decoded, UTF-8, or NULL */
	int		 is_attachment;	/* Content-Disposition: attachment,
					   or a non-text leaf with a name */
	int		 is_html;	/* text/html: text is rendered */
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
 * part that is not an attachment (HTML rendered to text), separated by
 * newlines (arena of m). Never NULL; cached after the first call.
 */
const char *mime_text(struct msg *m, size_t *len_r);

/*
 * URLs found in text and HTML parts (href values and bare http://,
 * https:// and www. forms), without duplicates, in order of appearance
 * (arena of m). Returns 0.
 */
int	mime_urls(struct msg *m, const char ***urls_r, size_t *n_r);

/*
 * Links of HTML anchors (mime_links.c): the rendered text between <a>
 * and </a> (UTF-8, whitespace collapsed, at most MIME_LINK_TEXT_MAX
 * bytes) and the href value (character references decoded, at most
 * MIME_URL_BYTES_MAX bytes). Anchors without href are skipped.
 */
#define MIME_LINKS_MAX		1000
#define MIME_LINK_TEXT_MAX	512

struct mime_link {
	const char	*text;		/* arena; "" for an image link */
	const char	*href;		/* arena */
};

/*
 * The anchors of every HTML part of m that is not an attachment, in
 * document order, at most MIME_LINKS_MAX (arena of m). Returns 0.
 */
int	mime_links(struct msg *m, const struct mime_link **links_r,
    size_t *n_r);

/*
 * The anchors of the HTML in [p, p+len) (UTF-8 or ASCII) into the arena;
 * returns how many (at most MIME_LINKS_MAX). Linear in len.
 */
size_t	mime_html_links(struct arena *a, const char *p, size_t len,
    struct mime_link **links_r);

/* The enum mime_flag bits of caps hit so far (parses the MIME tree). */
unsigned mime_flags(struct msg *m);

/*
 * Render HTML [p, p+len) as plain text into the arena: tags dropped,
 * script and style content skipped, block tags as newlines, whitespace
 * collapsed, common entities decoded. Linear in len.
 */
const char *mime_html_text(struct arena *a, const char *p, size_t len,
    size_t *len_r);

/* Initialise GMime once for the process (thread-safe; called for you). */
void	mime_init(void);

#endif
