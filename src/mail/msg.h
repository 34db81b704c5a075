/*
 * The message: raw bytes kept intact (DKIM and ARC hash them) and an
 * index of header fields. A message read from a file with bare LF line
 * ends is converted to CRLF once, as an MTA would hand it over, so every
 * consumer sees the same bytes whether it came from the milter or a file.
 * Parsing never fails on hostile input: caps that are exceeded set a flag
 * and the message is still usable as far as it was read (RFC 5322
 * section 2.1.1 limits are reported, not enforced).
 */
#ifndef MXW_MSG_H
#define MXW_MSG_H

#include <stddef.h>

struct arena;

#define MSG_HEADERS_MAX		1000	/* header fields indexed */
#define MSG_HEADER_BYTES_MAX	(256 * 1024) /* header block scanned */
#define MSG_LINE_MAX		998	/* RFC 5322 2.1.1; longer is flagged */

enum msg_flag {
	MSG_F_TOO_MANY_HEADERS = 1 << 0, /* fields past the cap not indexed */
	MSG_F_LONG_LINE = 1 << 1,	/* a line longer than MSG_LINE_MAX */
	MSG_F_NO_BODY = 1 << 2,		/* no empty line: headers only */
	MSG_F_BARE_LF = 1 << 3,		/* bare LF converted to CRLF */
	MSG_F_NUL = 1 << 4,		/* a NUL byte in the message */
	MSG_F_BAD_FIELD = 1 << 5,	/* a header line without a colon */
	MSG_F_HEADER_TOO_BIG = 1 << 6,	/* header block over the byte cap */
	MSG_F_8BIT_HEADER = 1 << 7	/* raw 8-bit bytes in a header */
};

struct msg_header {
	const char	*name;		/* into raw; not NUL-terminated */
	size_t		 name_len;
	const char	*raw;		/* whole field "Name: v\r\n\tv\r\n" */
	size_t		 raw_len;
	const char	*value;		/* after the colon, up to final CRLF */
	size_t		 value_len;
	const char	*unfolded;	/* arena: CRLFs removed, trimmed */
	size_t		 unfolded_len;	/* may hold NUL bytes; len is truth */
};

struct msg {
	struct arena		*a;		/* borrowed: owner's arena */
	const char		*raw;		/* CRLF form, NUL-terminated */
	size_t			 len;
	size_t			 start;		/* mbox "From " line skipped */
	struct msg_header	*hdr;
	size_t			 nhdr;
	size_t			 hdr_len;	/* bytes before the body */
	const char		*body;		/* after the empty line */
	size_t			 body_len;
	unsigned		 flags;		/* enum msg_flag */
	void			*mime;		/* lazily parsed, see mime.h */
};

/*
 * Index a message held in [p, p+len). The bytes are copied into the arena
 * (LF converted to CRLF); the msg and all it points to live in the arena.
 * Returns 0; -1 with *why_r only for an empty input.
 */
int	msg_parse(struct arena *a, const char *p, size_t len,
    struct msg **msg_r, const char **why_r);

/*
 * Read and index a message from path ("-" or NULL: stdin), reading at most
 * max bytes (0: no cap); a longer message is cut and *truncated_r set.
 * Returns -1 with *why_r (arena) when the file cannot be read.
 */
int	msg_read_file(struct arena *a, const char *path, size_t max,
    struct msg **msg_r, int *truncated_r, const char **why_r);

/* The idx-th field named name (case-insensitive, 0 = topmost), or NULL. */
const struct msg_header *msg_header_get(const struct msg *m,
    const char *name, size_t idx);
/* How many fields are named name. */
size_t	msg_header_count(const struct msg *m, const char *name);
/* Does field h carry this name (case-insensitive)? */
int	msg_header_is(const struct msg_header *h, const char *name);

#endif
