/*
 * Outbound protection (DESIGN.md section 1, "limit"): what leaves the
 * host. Three parts share this header because they share one store
 * transaction per message:
 *   - sending limits (limits.c): messages and recipients per minute,
 *     hour and day, per authenticated user, per sender domain and per
 *     client IP, enforced with GCRA (the generic cell rate algorithm of
 *     ITU-T I.371, as used for token-bucket policing) on state in the
 *     store, so several filter nodes share one budget;
 *   - compromise detection (outbound.c): an hourly baseline per sender,
 *     alerts on a spike, on a burst of never-seen recipient domains and
 *     on a never-seen client network, and an optional freeze;
 *   - bulk-sender rules (bulk.c): mail that looks like bulk mail must
 *     carry aligned DKIM and SPF and a one-click List-Unsubscribe
 *     (RFC 8058), as the large mailbox providers require since 2024.
 *
 * None of this logs (STYLE.md): results are symbols, the verdict and an
 * alert list on the task, which the milter logs.
 */
#ifndef MXW_LIMITS_H
#define MXW_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct conf;
struct store;
struct task;

enum limits_subj { LIM_USER = 0, LIM_DOMAIN, LIM_IP, LIM_NSUBJ };
enum limits_per { LIM_MINUTE = 0, LIM_HOUR, LIM_DAY, LIM_NPER };

#define LIM_NRATE	(2 * LIM_NPER)	/* messages, then recipients */
#define LIM_RCPT_DOMAINS_MAX	50	/* distinct recipient domains seen */
#define LIM_NETS_MAX	16		/* client networks kept per sender */

/* Alerts (bit flags) of the compromise detection. */
#define OB_ALERT_SPIKE		0x01	/* hourly volume far over baseline */
#define OB_ALERT_NEW_DOMAINS	0x02	/* burst of never-seen rcpt domains */
#define OB_ALERT_NEW_NETWORK	0x04	/* a client network never used */
#define OB_ALERT_ALL		0x07

/* One set of rates: index i < LIM_NPER messages, else recipients. */
struct limits_rates {
	uint32_t	 v[LIM_NRATE];	/* per period; 0: no limit */
};

struct limits_override {
	const char		*name;	/* user or domain, lower case */
	struct limits_rates	 r;
};

/* Compromise-detection settings (outbound.*). */
struct outbound_conf {
	int		 enabled;
	double		 spike_factor;	/* alert above factor x baseline */
	uint32_t	 min_volume;	/* ... and at least this many/hour */
	uint32_t	 learn_hours;	/* active hours before judging */
	uint32_t	 new_domain_burst; /* new rcpt domains per window */
	uint32_t	 new_domain_window; /* seconds */
	uint32_t	 domain_memory;	/* seconds a rcpt domain is known */
	int		 new_network_alert;
	int		 freeze;	/* hold all mail after spike/burst */
	int		 freeze_on_new_network;
};

enum bulk_action { BULK_NONE = 0, BULK_HEADER, BULK_QUARANTINE,
    BULK_TEMPFAIL };

struct bulk_conf {
	uint32_t	 rcpt_threshold;	/* this many rcpts: bulk */
	const char	**markers;		/* "Name: text" or "Name" */
	size_t		 nmarkers;
	enum bulk_action action;
	const char	*header;		/* warning header name */
};

/* Everything read from the configuration once (pipeline_new). */
struct limits_conf {
	int			 enabled;
	int			 over_quarantine; /* else tempfail */
	struct limits_rates	 dflt[LIM_NSUBJ];
	struct limits_override	*users, *domains;
	size_t			 nusers, ndomains;
	struct outbound_conf	 ob;
	struct bulk_conf	 bulk;
};

/* Read limits.*, outbound.* and bulk.*; caller frees with limits_conf_free. */
struct limits_conf *limits_conf_new(const struct conf *c);
void		 limits_conf_free(struct limits_conf **lc);

/* The length of period p in microseconds; its name ("minute"). */
int64_t		 limits_period_us(enum limits_per p);
const char	*limits_per_str(enum limits_per p);
const char	*limits_subj_str(enum limits_subj s);

/*
 * GCRA for one limit of `limit` units per period_us, the state being the
 * theoretical arrival time tat (microseconds; 0 or in the past: idle).
 * The emission interval is T = period/limit (rounded up to whole
 * microseconds) and the burst capacity limit x T, so an idle sender may
 * spend the whole limit at once and then one unit every T. Spending
 * cost units at now is allowed iff max(tat, now) + cost x T - now <=
 * limit x T; then *new_tat_r is that sum. Denied: *new_tat_r = tat
 * and *retry_us_r is the wait until the same request would pass (-1:
 * never, cost > limit). Returns 1 allowed, 0 denied. limit 0 means no
 * limit (always allowed, tat unchanged). Over any window of one period
 * at most 2 x limit - 1 units pass (a full burst, then the refill);
 * over n periods at most (n + 1) x limit.
 */
int	limits_gcra(int64_t tat, int64_t now, int64_t period_us,
    uint32_t limit, uint32_t cost, int64_t *new_tat_r, int64_t *retry_us_r);

/*
 * How many units the limit still allows at now for state tat (for
 * `limits show`): floor((limit x T - (tat - now)) / T), clamped
 * to [0, limit].
 */
uint32_t limits_gcra_left(int64_t tat, int64_t now, int64_t period_us,
    uint32_t limit);

/* The rates that apply to a user / sender domain (override or default). */
const struct limits_rates *limits_rates_for(const struct limits_conf *lc,
    enum limits_subj s, const char *name);

/* One outbound message as the limiter sees it. */
struct limits_msg {
	const char	*user;		/* auth user, else envelope sender */
	const char	*domain;	/* sender domain, or NULL */
	const char	*ip;		/* client IP, NULL for local */
	uint32_t	 nrcpt;
	const char	**rcpt_domains;	/* distinct, lower case */
	size_t		 nrcpt_domains;
};

struct limits_result {
	int		 is_frozen;	/* the sender's account is frozen */
	int		 is_over;	/* a limit said no: nothing counted */
	enum limits_subj over_subj;
	enum limits_per	 over_per;
	int		 over_is_rcpt;
	uint32_t	 over_limit;
	int64_t		 retry_us;	/* -1: never fits (too many rcpts) */
	unsigned	 alerts;	/* OB_ALERT_* raised by this message */
	int		 froze_now;	/* this message froze the account */
	double		 baseline;	/* hourly baseline after this message */
	uint32_t	 hour_count;	/* messages this hour, this one too */
	uint32_t	 new_domains;	/* new rcpt domains in the window */
};

/*
 * Check and count one message at now_us, in one store_rmw transaction:
 * the freeze flag, the GCRA states of user, domain and IP (all updated
 * or, if any limit says no, none), the compromise-detection state, the
 * recipient domains seen, the day's alert counter, and the freeze flag
 * when an alert freezes. 0 with *r filled, or -1 with *why_r (store).
 */
int	limits_check(const struct limits_conf *lc, struct store *s,
    const struct limits_msg *m, int64_t now_us, struct limits_result *r,
    const char **why_r);

/*
 * The pipeline's outbound stage: builds the limits_msg from t (auth
 * user or envelope sender, its domain, client IP, recipients), runs
 * limits_check, then turns the result into symbols, an action (frozen:
 * quarantine; over a limit: tempfail 451 4.7.1 or quarantine, as
 * configured) and alert lines (task_alert). No store: does nothing.
 * 0, or -1 with *why_r when the store fails.
 */
int	limits_task(const struct limits_conf *lc, struct task *t,
    const char **why_r);

/*
 * Stored values (docs/outbound.md, "Store encoding"). Fixed-size binary,
 * integers little-endian, led by a version byte that is never an ASCII
 * digit, so the decimal text written before version 1 is recognised:
 * it is read (migrated) and replaced by the binary form at the next
 * write. Anything else garbled reads as a fresh (idle) state.
 *   rl:*   LIM_ENC_RATE, then the six TATs, int64 each (49 bytes);
 *   ob:s:* OB_ENC_STATE, then struct outbound_state (OB_STATE_LEN).
 */
#define LIM_ENC_RATE	0x81
#define LIM_RATE_LEN	(1 + 8 * LIM_NRATE)

/* The six TATs from a stored value (binary or old text; else zeros). */
void	limits_tats_decode(const char *p, size_t len,
    int64_t tat_r[LIM_NRATE]);
void	limits_tats_encode(const int64_t tat[LIM_NRATE],
    unsigned char out[LIM_RATE_LEN]);

/* Store keys (written into buf, reset first). */
void	limits_key(struct buf *b, enum limits_subj s, const char *name);
void	outbound_key_state(struct buf *b, const char *user);
void	outbound_key_frozen(struct buf *b, const char *user);
void	outbound_key_domain(struct buf *b, const char *user,
    const char *rcpt_domain);
void	outbound_key_alerts(struct buf *b, int64_t now_us);
/* "alert:count:YYYYMMDD" (UTC) into out, no libc time calls: 20. */
#define OB_ALERTS_KEY_LEN	20
size_t	outbound_alerts_key(int64_t now_us, char out[OB_ALERTS_KEY_LEN]);

/*
 * A client network for "never used" checks: b[0] is 4 or 6, then the
 * /24 (3 bytes) or /48 (6 bytes) prefix, zero-padded. Compared with
 * memcmp, so the hot path never formats an address.
 */
struct outbound_net {
	unsigned char	 b[7];
};

/*
 * The compromise-detection state of one sender, kept in the store in
 * binary (outbound.c). Pure functions, so tests drive them with tables.
 */
#define OB_ENC_STATE	0x82
#define OB_STATE_LEN	(1 + 8 + 4 + 8 + 4 + 8 + 4 + 1 + 1 + \
    LIM_NETS_MAX * 7)

struct outbound_state {
	int64_t		 hour;		/* UNIX hour of count */
	uint32_t	 count;		/* messages in that hour */
	double		 baseline;	/* EWMA of active hours' counts */
	uint32_t	 hours;		/* active hours learned */
	int64_t		 win_start;	/* new-domain window start (s) */
	uint32_t	 win_new;	/* new rcpt domains in the window */
	unsigned	 alerted;	/* OB_ALERT_* raised this hour */
	struct outbound_net nets[LIM_NETS_MAX]; /* known, newest first */
	size_t		 nnets;
};

/*
 * Decode a stored state: binary, or the old text form (migrated); empty
 * is a fresh state. 0, or -1 if garbled (then *st_r is fresh).
 */
int	outbound_state_parse(const char *p, size_t len,
    struct outbound_state *st_r);
/* The binary form (OB_STATE_LEN bytes, fixed size) into out. */
void	outbound_state_encode(const struct outbound_state *st,
    unsigned char out[OB_STATE_LEN]);

/*
 * Fold one message into st at now (seconds): roll the hour (the
 * finished active hour goes into the baseline), count the message and
 * its nnew never-seen recipient domains, remember the client network
 * net (NULL: local) and return the alerts this message raises (each at
 * most once per hour).
 */
unsigned outbound_update(const struct outbound_conf *oc,
    struct outbound_state *st, int64_t now, size_t nnew,
    const struct outbound_net *net);

/* The network of an address (/24 or /48): 0, or -1 if not an address. */
int	outbound_network(const char *ip, struct outbound_net *net_r);
/* Its text ("192.0.2.0/24"; "?" if invalid) into out of outlen bytes. */
void	outbound_net_str(const struct outbound_net *net, char *out,
    size_t outlen);

/* Alert names ("spike", "new_domains", "new_network"). */
const char *outbound_alert_str(unsigned alert);

/*
 * Bulk-sender rules on an outbound task (bulk.c): does the message look
 * like bulk mail, and if so does it carry aligned DKIM (our signature or
 * one in the message for the From domain's organization), an envelope
 * sender aligned with From (SPF), and List-Unsubscribe with
 * List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058 3.1)?
 * Adds BULK_* symbols and applies the configured action.
 */
void	bulk_task(const struct limits_conf *lc, struct task *t);

/* Bits of bulk_check's result. */
#define BULK_IS_BULK		0x01
#define BULK_NO_UNSUB		0x02	/* no List-Unsubscribe */
#define BULK_NO_ONECLICK	0x04	/* no RFC 8058 POST marker */
#define BULK_NO_DKIM_ALIGN	0x08
#define BULK_NO_SPF_ALIGN	0x10

/* The check without side effects (tests): BULK_* bits for t. */
unsigned bulk_check(const struct bulk_conf *bc, const struct task *t);

#endif
