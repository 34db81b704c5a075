/*
 * Antivirus through ClamAV's clamd (docs/attachments.md): the raw
 * message is streamed with the INSTREAM command over a unix socket or
 * TCP, within a deadline, and the reply turned into a symbol (AV_VIRUS
 * naming the signature) and an action. When clamd cannot be reached or
 * answers with an error, the configured down action applies (tempfail
 * by default: a host that enabled antivirus should not let mail through
 * unscanned).
 */
#ifndef MXW_AV_H
#define MXW_AV_H

#include <stddef.h>

struct conf;
struct task;
struct av;

#define AV_REPLY_MAX	1024	/* bytes of a clamd reply read */
#define AV_SIG_MAX	128	/* bytes of a signature name kept */
#define AV_CHUNK	(64 * 1024)	/* bytes per INSTREAM chunk */

enum av_status {
	AV_CLEAN = 0,		/* "stream: OK" */
	AV_FOUND,		/* "stream: NAME FOUND" */
	AV_SIZE_LIMIT,		/* "INSTREAM size limit exceeded. ERROR" */
	AV_ERROR		/* "... ERROR" or a reply we do not know */
};

/*
 * Parse one clamd reply [p, p+len) (untrusted: any bytes). With
 * AV_FOUND the signature name is copied into sig (printable ASCII,
 * NUL-terminated, cut to sigsz - 1; sigsz >= 1).
 */
enum av_status	av_parse_reply(const char *p, size_t len, char *sig,
    size_t sigsz);

/*
 * Build from conf (borrowed). NULL with *why_r (static) when
 * antivirus.clamd is not "unix:PATH" or "tcp:ADDR:PORT" (ADDR a numeric
 * IPv4 address or [IPv6]). A disabled antivirus gives a handle whose
 * check does nothing.
 */
struct av	*av_new(const struct conf *c, const char **why_r);
void		 av_free(struct av **av);

/*
 * Stream [data, data+len) to clamd and read its verdict. Returns 0 with
 * *st_r (and sig for AV_FOUND), or -1 with *why_r (thread-local buffer,
 * valid until the next call in this thread) when clamd could not be
 * reached, timed out or broke the protocol.
 */
int	av_scan(const struct av *av, const void *data, size_t len,
    enum av_status *st_r, char *sig, size_t sigsz, const char **why_r);

/*
 * The check over a task: scans the raw message (the first
 * antivirus.max_bytes of it), adds AV_VIRUS, AV_UNAVAILABLE,
 * AV_TRUNCATED or AV_UNSCANNED and raises the configured action.
 * Returns 0 (clamd trouble is a verdict, not an internal failure).
 */
int	av_check(const struct av *av, struct task *t, const char **why_r);

#endif
