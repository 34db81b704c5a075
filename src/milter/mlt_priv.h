/*
 * Internals shared by the milter's files: the configuration generation
 * (a loaded configuration and the pipeline built from it, reference
 * counted so a reload never pulls them from under a message in flight)
 * and the libmilter callback table.
 */
#ifndef MXW_MLT_PRIV_H
#define MXW_MLT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "filter/pipeline.h"

struct conf;
struct dns_resolver;
struct pipeline;
struct store;

#define MLT_NETS_MAX	1024	/* trusted networks (schema cap) */
#define MLT_RCPT_MAX	1000	/* recipients kept per message */
#define MLT_FIELD_MAX	998	/* bytes kept of an envelope string */

enum mlt_safe {
	MLT_SAFE_TEMPFAIL = 0,	/* order of the schema's word list */
	MLT_SAFE_ACCEPT
};

struct mlt_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned	 bits;
};

/* One configuration with everything derived from it. Immutable. */
struct mlt_gen {
	struct conf	*conf;		/* owned */
	struct pipeline	*pl;		/* owned */
	unsigned long	 refs;		/* under mlt_gen_lock */
	unsigned long	 serial;	/* 1 at start, +1 per reload */
	enum mlt_safe	 safe;
	uint64_t	 timeout_us;
	size_t		 max_scan;
	const char	*flag_hdr;
	const char	*status_hdr;
	struct mlt_net	*nets;
	size_t		 nnets;
};

/*
 * Build a generation from a configuration (taken over: freed with the
 * generation, also on failure). NULL and *why_r on failure.
 */
struct mlt_gen	*mlt_gen_new(struct conf *conf, struct dns_resolver *res,
    struct store *store, const char **why_r);
/* Make g the current generation (it holds the first reference). */
void		 mlt_gen_install(struct mlt_gen *g);
/* A reference to the current generation; release with mlt_gen_put. */
struct mlt_gen	*mlt_gen_get(void);
void		 mlt_gen_put(struct mlt_gen *g);
/* Drop the current generation at exit (frees it when unused). */
void		 mlt_gen_shutdown(void);

/* Parse "192.0.2.0/24" or "2001:db8::/32"; -1 if malformed. */
int		 mlt_net_parse(const char *s, struct mlt_net *n);
/* Is sa inside one of the networks? */
int		 mlt_net_match(const struct mlt_net *nets, size_t n,
    const struct sockaddr *sa);

/* Sessions in progress (connect to close); the daemon waits for 0. */
unsigned long	 mlt_sessions_active(void);
/* Messages in flight (MAIL FROM to end of message or abort). */
unsigned long	 mlt_msgs_active(void);

/*
 * The state store (mlt_store.c, reputation issue): open it from store.*
 * and start the sweep thread (0, or -1 with *why_r); the open store or
 * NULL (borrowed); stop the sweeper and close the store at exit.
 */
int		 mlt_store_start(const struct conf *c, const char **why_r);
struct store	*mlt_store(void);
void		 mlt_store_stop(void);

/* The libmilter callback table (mlt_session.c). */
extern struct smfiDesc mlt_desc;

#endif
