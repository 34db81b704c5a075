/*
 * Shared by `mxwarden scan` and `mxwarden dmarc check`: the envelope of
 * a message from options or its own headers, and one message through
 * the pipeline.
 */
#ifndef MXW_CLI_SCAN_H
#define MXW_CLI_SCAN_H

#include <stddef.h>

#include "cli/cli.h"

struct arena;
struct pipeline;
struct task;

#define SCAN_RCPT_MAX	100

struct scan_env {
	const char	*ip;		/* --ip, else topmost Received [IP] */
	const char	*helo;		/* --helo, else topmost Received from */
	const char	*sender;	/* --sender, else Return-Path */
	const char	*rcpt[SCAN_RCPT_MAX];
	size_t		 nrcpt;
	int		 is_outbound;
	const char	*auth_user;	/* --auth-user: SASL login (outbound) */
	const char	*store;		/* --store DIR: state, else none */
};

/*
 * Read path and run it through p. Returns 0 with *t_r (arena a), or -1
 * with *why_r (an unreadable file or an internal failure).
 */
int	scan_one(const struct pipeline *p, const struct scan_env *e,
    const char *path, unsigned long long max, struct arena *a,
    struct task **t_r, const char **why_r);

#endif
