/*
 * The milter daemon: mxwarden as a mail filter that Postfix or Sendmail
 * calls over the milter protocol (libmilter). Each SMTP transaction the
 * MTA reports becomes a task that runs through the same pipeline as
 * `mxwarden scan` (DESIGN.md section 2); the verdict comes back as milter
 * actions: added header fields (Authentication-Results, RFC 8601; the
 * spam status), a tagged Subject, quarantine, a 550 5.7.x rejection or a
 * 451 4.7.x temporary failure, and for outbound mail a DKIM-Signature
 * (RFC 6376).
 *
 * Process model: the socket is opened first (as root if a privileged
 * address needs it), then the process daemonises (unless foreground),
 * writes its pid file, drops to its own user, and only then builds the
 * pipeline, so signing keys must be readable by that user and a reload
 * can never need more privilege than the start did. SIGHUP reloads the
 * configuration without closing the socket or any session; SIGTERM
 * stops accepting and waits for the messages in flight. docs/milter.md
 * explains the choices.
 */
#ifndef MXW_MILTER_H
#define MXW_MILTER_H

#include <stdio.h>

struct dns_resolver;
struct store;

struct mlt_opts {
	const char	*socket;	/* NULL: milter.socket */
	const char	*pidfile;	/* NULL: milter.pidfile unless fg */
	const char	*user;		/* NULL: milter.user */
	const char	*config_path;	/* SIGHUP rereads it */
	int		 foreground;	/* no fork; stderr log */
	int		 verbose;	/* 1: info, 2: debug */
	FILE		*err;		/* start-up errors */
	/*
	 * Make the resolver once the process has its final shape (after
	 * fork, before privileges are dropped): libunbound starts threads
	 * that a fork would lose. Borrowed result, kept for the whole run
	 * (its cache survives reloads).
	 */
	struct dns_resolver *(*resolver)(void *arg);
	void		*resolver_arg;
};

/*
 * Run the daemon until SIGTERM or SIGINT. Returns 0 after a clean stop,
 * -1 with *why_r (static or leaked at exit) when it could not start: an
 * invalid configuration, a socket in use, an unknown user.
 */
int	mlt_run(const struct mlt_opts *o, const char **why_r);

#endif
