/*
 * A task is one message on its way through the pipeline: the envelope, the
 * message, the results of each check, the symbols they added, and finally
 * the verdict. The milter and `mxwarden scan` both build a task and call
 * the same pipeline, so a message gets the same verdict either way
 * (DESIGN.md section 2). Everything in a task lives in its arena.
 *
 * Symbols explain verdicts: each check adds named symbols with a score
 * and a short reason; the score is their sum, and the action follows from
 * thresholds in the configuration (per recipient domain overrides).
 */
#ifndef MXW_TASK_H
#define MXW_TASK_H

#include <stddef.h>

struct arena;
struct conf;
struct dns_resolver;
struct msg;
struct store;

/* Ordered from mildest to harshest: the pipeline keeps the harshest. */
enum task_action {
	ACT_ACCEPT = 0,
	ACT_ADD_HEADER,		/* deliver with spam headers */
	ACT_TAG_SUBJECT,	/* deliver with a subject prefix */
	ACT_QUARANTINE,		/* hold (Postfix hold queue) */
	ACT_GREYLIST,		/* 451 4.7.1, try again later */
	ACT_TEMPFAIL,		/* 451 4.7.x */
	ACT_REJECT		/* 550 5.7.x */
};

struct task_symbol {
	const char	*name;		/* "DMARC_POLICY_REJECT" */
	double		 score;
	const char	*reason;	/* one short line */
};

/* A header field the verdict wants added (name and unfolded value). */
struct task_header {
	const char	*name;
	const char	*value;
};

struct task_envelope {
	const char	*client_ip;	/* NULL when unknown (scan) */
	const char	*client_name;	/* PTR name the MTA saw, or NULL */
	const char	*helo;
	const char	*mail_from;	/* envelope sender; "" for <> */
	const char	**rcpt;
	size_t		 nrcpt;
	const char	*queue_id;	/* NULL when unknown */
	const char	*auth_user;	/* SASL login, NULL if none */
	const char	*tls_version;	/* NULL: no TLS */
	int		 is_outbound;	/* authenticated or trusted network */
};

struct task {
	struct arena		*a;
	const struct conf	*conf;
	struct dns_resolver	*res;
	struct store		*store;		/* NULL: stateless only */
	struct task_envelope	 env;
	struct msg		*msg;
	int			 is_truncated;	/* scanned only the start */
	int			 is_envelope_done; /* pipeline_envelope ran */

	/* Results of the authentication checks (NULL: not run). */
	struct spf_result	*spf;
	struct spf_result	*spf_helo;
	struct dkim_sig_result	*dkim;		/* array of ndkim */
	size_t			 ndkim;
	struct dmarc_result	*dmarc;
	struct arc_result	*arc;

	struct task_symbol	*sym;
	size_t			 nsym, capsym;
	double			 score;

	/* The verdict. */
	enum task_action	 action;
	const char		*reply_code;	/* "550", "451" or NULL */
	const char		*reply_xcode;	/* "5.7.1" */
	const char		*reply_text;	/* names the reason */
	const char		*subject_tag;	/* with ACT_TAG_SUBJECT */
	const char		*authres;	/* A-R value we add, or NULL */
	/*
	 * Authentication-Results fields claiming our authserv-id (forged
	 * or stale, RFC 8601 section 5) that must be deleted before ours
	 * is added: each entry is the index among the message's fields
	 * named Authentication-Results, 0 = topmost (the milter deletes
	 * with smfi_chgheader(ctx, "Authentication-Results", idx + 1,
	 * NULL), highest index first).
	 */
	size_t			*del_authres;
	size_t			 ndel_authres;
	struct task_header	*add_hdr;
	size_t			 nadd_hdr, capadd_hdr;
	const char		*dkim_signature; /* outbound: to prepend */
	/* Alert lines (outbound protection) the milter logs, one each. */
	const char		**alerts;
	size_t			 nalerts, capalerts;
};

/* A zeroed task in arena a; conf, res and store are borrowed. */
struct task	*task_new(struct arena *a, const struct conf *conf,
    struct dns_resolver *res, struct store *store);

/* Add a symbol; the reason is formatted into the task's arena. */
void	task_symbol(struct task *t, const char *name, double score,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The symbol named name, or NULL. */
const struct task_symbol *task_symbol_get(const struct task *t,
    const char *name);
/* Ask for a header field to be added to the delivered message. */
void	task_add_header(struct task *t, const char *name, const char *value);
/* Add an alert line (formatted into the arena) for the daemon to log. */
void	task_alert(struct task *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Raise the action to act if it is harsher than the current one. */
void	task_raise(struct task *t, enum task_action act, const char *code,
    const char *xcode, const char *text);

/* "accept", "add header", "tag subject", "quarantine", "greylist",
   "tempfail", "reject". */
const char *task_action_str(enum task_action act);

#endif
