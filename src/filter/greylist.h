/*
 * Greylisting: a message from an unknown (client network, envelope
 * sender, recipient) triplet is refused with 451 4.7.1 the first time;
 * a legitimate MTA retries (RFC 5321 4.5.4.1), and a retry after
 * greylist.min_delay and within greylist.retry_window passes. A triplet
 * that passed is remembered for greylist.lifetime after its last use; a
 * client network whose triplets passed greylist.auto_allow_after times
 * skips greylisting for greylist.auto_allow_period. Exempt: outbound
 * (authenticated or trusted) clients, greylist.allow_networks and
 * allow_senders, entries added with `mxwarden greylist allow`, and
 * optionally mail that passes DMARC or scores below greylist.skip_below
 * (a DNSWL listing), so large senders that retry from another address
 * are not delayed.
 *
 * State lives in the store (store.h), so it is shared by the milter's
 * threads, by several processes and, with a shared backend, by hosts:
 *   grey:t:NET SENDER RCPT  "W FIRST" waiting or "P FIRST" passed
 *   grey:c:NET              counter of passes (auto-allow)
 *   grey:a:NET              allowed network ("auto" or "admin")
 *   grey:s:SENDER|@DOMAIN   allowed sender ("admin")
 * Times are clock_now() (`--now`). A store failure never blocks mail:
 * the message is not greylisted and GREYLIST_ERROR says why.
 */
#ifndef MXW_GREYLIST_H
#define MXW_GREYLIST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf;
struct store;
struct task;

#define GREY_KEY_MAX	600	/* bytes of a key we build (store: 511) */
#define GREY_RCPT_MAX	50	/* recipients checked per message */
#define GREY_ADDR_MAX	200	/* bytes of an address kept in a key */

enum grey_mode { GREY_OFF = 0, GREY_ALWAYS, GREY_DOUBTFUL };

enum grey_result {
	GREY_PASS = 0,		/* retried in the window, or known */
	GREY_NEW,		/* first attempt: recorded, 451 */
	GREY_EARLY,		/* retried before min_delay: 451 */
	GREY_ALLOWED		/* network or sender allowed */
};

struct grey_conf;

/* Built once from the configuration; caller frees. NULL + why. */
struct grey_conf *grey_conf_new(const struct conf *c, const char **why_r);
void	grey_conf_free(struct grey_conf **g);
enum grey_mode grey_mode(const struct grey_conf *g);

/*
 * The network of a client address with the configured prefix, as text
 * ("192.0.2.0/24", "2001:db8:1:2::/64") into buf. 0, or -1 if ip is not
 * an address.
 */
int	grey_net(const struct grey_conf *g, const char *ip, char *buf,
    size_t len);

/*
 * Judge one triplet at time now and record it. net is from grey_net,
 * sender and rcpt are bare addresses ("" for the null sender). For
 * GREY_NEW and GREY_EARLY *wait_r is the seconds until a retry can
 * pass. 0, or -1 with *why_r (store failure).
 */
int	grey_check(const struct grey_conf *g, struct store *s,
    const char *net, const char *sender, const char *rcpt, time_t now,
    enum grey_result *res_r, uint32_t *wait_r, const char **why_r);

/*
 * The pipeline action, after the policy: in "doubtful" mode a task the
 * policy greylisted is checked (and accepted if its triplets pass); in
 * "always" mode every task milder than greylist is. Sets t->action and
 * the 451 4.7.1 reply with the retry hint, adds GREYLIST_* symbols
 * (score 0). Never fails: store trouble becomes GREYLIST_ERROR.
 */
void	grey_task(const struct grey_conf *g, struct task *t);

/* Allow a network (from grey_net) or a sender/"@domain" for ttl s. */
int	grey_allow(struct store *s, const char *what, int is_net,
    uint32_t ttl, const char **why_r);

#endif
