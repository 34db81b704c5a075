/*
 * The libmilter callbacks: one SMTP transaction becomes one task. The
 * envelope is collected as the MTA reports it (client, HELO, MAIL FROM
 * with the SASL and TLS macros, RCPT TO, queue id); SPF runs at MAIL FROM
 * so a policy can refuse before DATA (RFC 7208 section 2.4); the header
 * block and the body are kept up to milter.max_scan_bytes; at end of
 * message the pipeline runs under the per-message time budget and the
 * verdict becomes milter actions. Forged Authentication-Results fields
 * carrying our authserv-id are removed before ours is added (RFC 8601
 * section 5). Whatever goes wrong inside (an internal error, the time
 * budget running out) ends in the configured safe action, never in a
 * silent discard.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/msg.h"
#include "milter/mlt_priv.h"

#define MLT_LOG_SYMS	6	/* symbols named in the log */
#define MLT_REPLY_MAX	200	/* bytes of reply text sent */
#define MLT_HDR_MAX	(64 * 1024)	/* bytes of one header we keep */
#define MLT_AR_MAX	100	/* forged A-R fields deleted */

struct mlt_msg {
	struct arena	*a;
	struct mlt_gen	*g;		/* held until freed */
	struct task	*t;
	struct buf	 raw;		/* headers and body, capped */
	size_t		 hdr_bytes;
	int		 in_body;
	int		 is_truncated;
	int		 is_leadspc;	/* MTA wants values with their space */
	uint64_t	 start_us;
};

struct mlt_conn {
	struct arena	*a;		/* lives for the connection */
	char		 ip[INET6_ADDRSTRLEN];
	int		 is_local;	/* no address: local submit */
	int		 is_trusted;	/* address in trusted_networks */
	const char	*name;
	const char	*helo;
	const char	*tls;
	unsigned long	 pf;		/* negotiated protocol flags */
	struct mlt_msg	*m;
};

/* A pipeline run on a worker thread, shared until both sides let go. */
struct mlt_job {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 refs;
	int		 done;
	int		 rc;
	const char	*why;
	struct mlt_msg	*m;
};

static atomic_ulong mlt_nsessions;
static atomic_ulong mlt_nmsgs;

unsigned long
mlt_sessions_active(void)
{
	return atomic_load(&mlt_nsessions);
}

unsigned long
mlt_msgs_active(void)
{
	return atomic_load(&mlt_nmsgs);
}

static void
raw_free(void *arg)
{
	buf_free(arg);
}

static void
msg_free(struct mlt_msg **mp)
{
	struct mlt_msg *m = *mp;
	struct arena *a;

	if (m == NULL)
		return;
	*mp = NULL;
	mlt_gen_put(m->g);
	a = m->a;
	arena_free(&a);		/* m itself lives in the arena */
	atomic_fetch_sub(&mlt_nmsgs, 1);
}

/* Copy an envelope string from the wire, capped (connection arena). */
static const char *
wire_dup(struct arena *a, const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	return arena_strndup(a, s, n > MLT_FIELD_MAX ? MLT_FIELD_MAX : n);
}

/* "<user@example.com>" to "user@example.com"; "<>" to "". */
static const char *
strip_angle(struct arena *a, const char *s)
{
	size_t n;

	if (s == NULL)
		return "";
	n = strlen(s);
	if (n > MLT_FIELD_MAX)
		n = MLT_FIELD_MAX;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return arena_strndup(a, s + 1, n - 2);
	return arena_strndup(a, s, n);
}

static const char *
macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)(uintptr_t)name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static struct mlt_conn *
conn_get(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);
	struct arena *a;

	if (c != NULL)
		return c;
	a = arena_new();
	c = arena_zalloc(a, sizeof(*c));
	c->a = a;
	c->is_local = 1;
	atomic_fetch_add(&mlt_nsessions, 1);
	smfi_setpriv(ctx, c);
	return c;
}

/*
 * Ask for the protocol steps and actions we use. SMFIP_NR_* spares a
 * round trip for every header and recipient (the MTA does not wait for
 * an answer it knows is "continue"); SMFIP_SKIP lets us stop the body
 * at the scan cap; SMFIP_HDR_LEADSPC keeps the exact header bytes DKIM
 * hashes.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct mlt_conn *c = conn_get(ctx);
	unsigned long want = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_RCPT |
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_SKIP | SMFIP_HDR_LEADSPC |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA;

	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_SETSYMLIST);
	c->pf = f1 & want;
	*pf1 = c->pf;
	*pf2 = 0;
	*pf3 = 0;
	if ((f0 & SMFIF_SETSYMLIST) != 0) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_HELO,
		    "{tls_version} {cipher} {cipher_bits}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} "
		    "{auth_type} {tls_version}");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

/* The answer for steps whose reply we asked the MTA not to wait for. */
static sfsistat
cont(const struct mlt_conn *c, unsigned long nr)
{
	return (c->pf & nr) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct mlt_conn *c = conn_get(ctx);
	struct mlt_gen *g;
	const void *addr = NULL;

	c->name = wire_dup(c->a, host);
	if (sa != NULL && sa->sa_family == AF_INET)
		addr = &((struct sockaddr_in *)(void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		addr = &((struct sockaddr_in6 *)(void *)sa)->sin6_addr;
	/*
	 * Postfix's non_smtpd_milters present a local submission (sendmail,
	 * pickup) as 127.0.0.1 port 0. No TCP client has source port 0, so
	 * that is a local submission: outbound, whatever
	 * milter.trusted_networks says (without this, an empty trusted list
	 * made local mail inbound and greylisted it).
	 */
	if (sa != NULL && sa->sa_family == AF_INET &&
	    ((struct sockaddr_in *)(void *)sa)->sin_port == 0 &&
	    ntohl(((struct sockaddr_in *)(void *)sa)->sin_addr.s_addr) ==
	    INADDR_LOOPBACK)
		addr = NULL;
	if (addr != NULL &&
	    inet_ntop(sa->sa_family, addr, c->ip, sizeof(c->ip)) != NULL) {
		c->is_local = 0;
		if ((g = mlt_gen_get()) != NULL) {
			c->is_trusted = mlt_net_match(g->nets, g->nnets, sa);
			mlt_gen_put(g);
		}
	}
	return cont(c, SMFIP_NR_CONN);
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct mlt_conn *c = conn_get(ctx);
	const char *tls = macro(ctx, "{tls_version}");

	c->helo = wire_dup(c->a, helo);
	if (tls != NULL)
		c->tls = wire_dup(c->a, tls);
	return cont(c, SMFIP_NR_HELO);
}

/* Printable ASCII only, '%' doubled as smfi_setreply wants, capped. */
static const char *
reply_text(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	const char *r;
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && b.len < MLT_REPLY_MAX; i++)
		if (s[i] == '%')
			buf_adds(&b, "%%");
		else
			buf_addc(&b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	r = arena_strdup(a, b.len > 0 ? b.p : "rejected by policy");
	buf_free(&b);
	return r;
}

static sfsistat
set_reply(SMFICTX *ctx, struct mlt_msg *m, int is_temp)
{
	struct task *t = m->t;
	const char *code = t->reply_code, *x = t->reply_xcode;

	if (code == NULL || code[0] != (is_temp ? '4' : '5'))
		code = is_temp ? "451" : "550";
	if (x == NULL || x[0] != code[0])
		x = is_temp ? "4.7.1" : "5.7.1";
	smfi_setreply(ctx, (char *)(uintptr_t)code, (char *)(uintptr_t)x,
	    (char *)(uintptr_t)reply_text(m->a, t->reply_text));
	return is_temp ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* Symbols that decided the verdict: largest absolute scores first. */
static const char *
log_symbols(struct mlt_msg *m)
{
	struct task *t = m->t;
	struct buf b = BUF_INIT;
	unsigned char *used = arena_zalloc(m->a, t->nsym + 1);
	const char *r;
	size_t i, k, best;
	double s, bs;

	for (k = 0; k < MLT_LOG_SYMS && k < t->nsym; k++) {
		best = t->nsym;
		bs = -1;
		for (i = 0; i < t->nsym; i++) {
			s = t->sym[i].score < 0 ? -t->sym[i].score :
			    t->sym[i].score;
			if (!used[i] && s > bs) {
				bs = s;
				best = i;
			}
		}
		used[best] = 1;
		buf_printf(&b, "%s%s(%.2f)", k > 0 ? "," : "",
		    t->sym[best].name, t->sym[best].score);
	}
	r = arena_strdup(m->a, b.len > 0 ? b.p : "-");
	buf_free(&b);
	return r;
}

/* The one line every message produces (DESIGN.md section 4). */
static void
log_verdict(struct mlt_conn *c, struct mlt_msg *m, const char *action,
    const char *why)
{
	struct task *t = m->t;
	struct task_envelope *e = &t->env;
	struct buf r = BUF_INIT;
	const char *from = e->mail_from != NULL ? e->mail_from : "";
	size_t i;

	for (i = 0; i < e->nrcpt && r.len < 512; i++)
		buf_printf(&r, "%s%s", i > 0 ? "," : "",
		    log_safe(m->a, e->rcpt[i], strlen(e->rcpt[i]), 254));
	log_info("%s milter action=%s score=%.2f client=%s name=%s "
	    "from=<%s> rcpt=%s dir=%s ms=%llu symbols=%s%s%s",
	    e->queue_id != NULL ? log_safe(m->a, e->queue_id,
	    strlen(e->queue_id), 32) : "NOQUEUE", action, t->score,
	    c->is_local ? "local" : c->ip,
	    c->name != NULL ? log_safe(m->a, c->name, strlen(c->name), 253) :
	    "-", log_safe(m->a, from, strlen(from), 254),
	    r.len > 0 ? r.p : "-", e->is_outbound ? "out" : "in",
	    (unsigned long long)((clock_mono_us() - m->start_us) / 1000),
	    log_symbols(m), why != NULL ? " why=" : "",
	    why != NULL ? log_safe(m->a, why, strlen(why), 200) : "");
	buf_free(&r);
	/* Outbound protection: one line per alert, values made safe. */
	for (i = 0; i < t->nalerts; i++)
		log_warn("%s milter %s", e->queue_id != NULL ? log_safe(m->a,
		    e->queue_id, strlen(e->queue_id), 32) : "NOQUEUE",
		    t->alerts[i]);
}

/*
 * The configured safe action for an internal failure or a blown time
 * budget: tempfail (the MTA keeps the message and retries) or accept.
 * Never a discard.
 */
static sfsistat
safe_action(SMFICTX *ctx, struct mlt_conn *c, struct mlt_msg *m,
    const char *why)
{
	if (m->g == NULL || m->g->safe == MLT_SAFE_TEMPFAIL) {
		smfi_setreply(ctx, "451", "4.7.1", "mxwarden: temporary "
		    "failure, try again later");
		log_verdict(c, m, "tempfail-safe", why);
		return SMFIS_TEMPFAIL;
	}
	log_verdict(c, m, "accept-safe", why);
	return SMFIS_ACCEPT;
}

static const char *
queue_id(SMFICTX *ctx, struct mlt_msg *m)
{
	const char *q;

	if (m->t->env.queue_id == NULL && (q = macro(ctx, "i")) != NULL)
		m->t->env.queue_id = wire_dup(m->a, q);
	return m->t->env.queue_id;
}

static struct mlt_msg *
msg_new(SMFICTX *ctx, struct mlt_conn *c, char **argv)
{
	struct arena *a = arena_new();
	struct mlt_msg *m = arena_zalloc(a, sizeof(*m));
	struct task_envelope *e;
	const char *v;

	m->a = a;
	m->is_leadspc = (c->pf & SMFIP_HDR_LEADSPC) != 0;
	m->start_us = clock_mono_us();
	atomic_fetch_add(&mlt_nmsgs, 1);
	arena_defer(a, raw_free, &m->raw);
	m->g = mlt_gen_get();
	if (m->g == NULL)
		m->t = task_new(a, NULL, NULL, NULL);
	else
		m->t = pipeline_task(m->g->pl, a);
	e = &m->t->env;
	e->client_ip = c->is_local ? NULL : arena_strdup(a, c->ip);
	e->client_name = c->name;
	e->helo = c->helo;
	e->mail_from = strip_angle(a, argv != NULL ? argv[0] : NULL);
	e->rcpt = arena_calloc(a, MLT_RCPT_MAX, sizeof(*e->rcpt));
	if ((v = macro(ctx, "{auth_authen}")) != NULL)
		e->auth_user = wire_dup(a, v);
	if ((v = macro(ctx, "{tls_version}")) != NULL)
		e->tls_version = wire_dup(a, v);
	else
		e->tls_version = c->tls;
	/* A local submission (no address) counts as our own user's. */
	e->is_outbound = e->auth_user != NULL || c->is_local ||
	    c->is_trusted;
	queue_id(ctx, m);
	return m;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct mlt_conn *c = conn_get(ctx);
	struct mlt_msg *m;
	const char *why = NULL;
	int rc;

	msg_free(&c->m);
	m = c->m = msg_new(ctx, c, argv);
	if (m->g == NULL)
		return safe_action(ctx, c, m, "no configuration");
	if (m->t->env.is_outbound)
		return SMFIS_CONTINUE;
	rc = pipeline_envelope(m->g->pl, m->t, &why);
	if (rc == -1) {
		/* pipeline_run decides at end of message; note it now. */
		log_debug("%s milter envelope error=%s", queue_id(ctx, m) ?
		    m->t->env.queue_id : "NOQUEUE", why);
		return SMFIS_CONTINUE;
	}
	if (m->t->action == ACT_REJECT || m->t->action == ACT_TEMPFAIL) {
		log_verdict(c, m, task_action_str(m->t->action), NULL);
		rc = set_reply(ctx, m, m->t->action == ACT_TEMPFAIL);
		msg_free(&c->m);
		return rc;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mlt_conn *c = conn_get(ctx);
	struct task_envelope *e;

	if (c->m == NULL || argv == NULL || argv[0] == NULL)
		return cont(c, SMFIP_NR_RCPT);
	e = &c->m->t->env;
	/* XXX Recipients past MLT_RCPT_MAX are delivered but not judged. */
	if (e->nrcpt < MLT_RCPT_MAX)
		e->rcpt[e->nrcpt++] = strip_angle(c->m->a, argv[0]);
	return cont(c, SMFIP_NR_RCPT);
}

/* Keep bytes up to the scan cap; past it the message is truncated. */
static void
keep(struct mlt_msg *m, const void *p, size_t n)
{
	size_t room;

	if (m->is_truncated)
		return;
	room = m->g != NULL ? m->g->max_scan : 0;
	room = m->raw.len < room ? room - m->raw.len : 0;
	if (n > room) {
		n = room;
		m->is_truncated = 1;
	}
	buf_add(&m->raw, p, n);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct mlt_conn *c = conn_get(ctx);
	struct mlt_msg *m = c->m;
	size_t nn, vn;

	if (m == NULL || name == NULL)
		return cont(c, SMFIP_NR_HDR);
	nn = strlen(name);
	vn = value != NULL ? strlen(value) : 0;
	if (vn > MLT_HDR_MAX) {
		vn = MLT_HDR_MAX;
		m->is_truncated = 1;
	}
	m->hdr_bytes += nn + vn + 3;
	keep(m, name, nn);
	keep(m, ":", 1);
	if ((c->pf & SMFIP_HDR_LEADSPC) == 0)
		keep(m, " ", 1);
	keep(m, value, vn);
	keep(m, "\r\n", 2);
	return cont(c, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c->m != NULL) {
		queue_id(ctx, c->m);
		keep(c->m, "\r\n", 2);
		c->m->in_body = 1;
	}
	return cont(c, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct mlt_conn *c = conn_get(ctx);

	if (c->m == NULL)
		return SMFIS_CONTINUE;
	keep(c->m, p, n);
	if (c->m->is_truncated && (c->pf & SMFIP_SKIP) != 0)
		return SMFIS_SKIP;
	return SMFIS_CONTINUE;
}

static void
job_put(struct mlt_job *j, int *last_r)
{
	int last;

	pthread_mutex_lock(&j->mu);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (last) {
		if (j->m != NULL)
			msg_free(&j->m);
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		free(j);
	}
	if (last_r != NULL)
		*last_r = last;
}

static void *
job_main(void *arg)
{
	struct mlt_job *j = arg;
	const char *why = NULL;
	int rc;

	rc = pipeline_run(j->m->g->pl, j->m->t, &why);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->why = why;
	j->done = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	job_put(j, NULL);
	return NULL;
}

/*
 * Run the pipeline on a worker thread and wait at most the message's
 * time budget. On time-out the worker keeps the message (it frees it
 * when it finishes) and *m_r is cleared. Returns the pipeline's result,
 * or -1 with *why_r "time budget exceeded".
 */
static int
run_budget(struct mlt_msg **m_r, const char **why_r)
{
	struct mlt_msg *m = *m_r;
	struct mlt_job *j = xcalloc(1, sizeof(*j));
	struct timespec ts;
	uint64_t ns;
	pthread_t tid;
	pthread_attr_t at;
	int rc, done;

	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->refs = 2;
	j->m = m;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &at, job_main, j) != 0) {
		j->m = NULL;
		free(j);
		pthread_attr_destroy(&at);
		return pipeline_run(m->g->pl, m->t, why_r);
	}
	pthread_attr_destroy(&at);
	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_nsec + (m->g->timeout_us % 1000000) * 1000;
	ts.tv_sec += (time_t)(m->g->timeout_us / 1000000 + ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	pthread_mutex_lock(&j->mu);
	while (!j->done)
		if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) == ETIMEDOUT)
			break;
	done = j->done;
	rc = j->rc;
	*why_r = j->why;
	if (done)
		j->m = NULL;		/* ours again */
	pthread_mutex_unlock(&j->mu);
	if (!done) {
		*m_r = NULL;		/* the worker frees it */
		*why_r = "time budget exceeded";
		rc = -1;
	}
	job_put(j, NULL);
	return rc;
}

/* Delete every field named name, last first so indexes hold. */
static void
del_fields(SMFICTX *ctx, const struct msg *msg, const char *name)
{
	size_t i;

	for (i = msg_header_count(msg, name); i > 0; i--)
		smfi_chgheader(ctx, (char *)(uintptr_t)name, (int)i, NULL);
}

/*
 * Delete the Authentication-Results fields the pipeline found claiming
 * our authserv-id (RFC 8601 section 5), highest index first.
 */
static void
del_forged_authres(SMFICTX *ctx, const struct task *t)
{
	size_t i, k, top, n = t->ndel_authres;
	unsigned char done[MLT_AR_MAX];

	memset(done, 0, sizeof(done));
	for (k = 0; k < n && k < MLT_AR_MAX; k++) {
		top = n;
		for (i = 0; i < n && i < MLT_AR_MAX; i++)
			if (!done[i] && (top == n ||
			    t->del_authres[i] > t->del_authres[top]))
				top = i;
		done[top] = 1;
		smfi_chgheader(ctx, "Authentication-Results",
		    (int)t->del_authres[top] + 1, NULL);
	}
}

/*
 * A header value as the MTA wants it: no CR, lines folded before a space
 * so none passes 78 columns where a space allows (RFC 5322 2.1.1; the
 * space stays, so unfolding gives the value back), and with its leading
 * space when the MTA negotiated SMFIP_HDR_LEADSPC.
 */
static char *
hdr_value(const struct mlt_msg *m, size_t name_len, const char *v)
{
	size_t n = strlen(v), i, k = 0, col = name_len + 2, word;
	char *o = arena_alloc(m->a, n * 2 + 2);

	if (m->is_leadspc)
		o[k++] = ' ';
	for (i = 0; i < n; i++) {
		if (v[i] == '\r')
			continue;
		if (v[i] == '\n') {
			col = 0;
			o[k++] = v[i];
			continue;
		}
		if (v[i] == ' ' && col > 0) {
			for (word = 1; i + word < n && v[i + word] != ' ' &&
			    v[i + word] != '\n'; word++)
				;
			if (col + word > 78) {
				o[k++] = '\n';
				col = 0;
			}
		}
		o[k++] = v[i];
		col++;
	}
	o[k] = '\0';
	return o;
}

static int
has_added(const struct task *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nadd_hdr; i++)
		if (str_casecmp(t->add_hdr[i].name, name) == 0)
			return 1;
	return 0;
}

static void
tag_subject(SMFICTX *ctx, struct mlt_msg *m)
{
	const struct msg_header *h = msg_header_get(m->t->msg, "Subject", 0);
	const char *tag = m->t->subject_tag;
	char *v;

	if (tag == NULL)
		tag = conf_str(m->g->conf, "actions.subject_tag");
	if (tag == NULL || *tag == '\0')
		return;
	if (h == NULL) {
		smfi_addheader(ctx, "Subject", hdr_value(m, 7, tag));
		return;
	}
	if (h->unfolded_len >= strlen(tag) &&
	    strncmp(h->unfolded, tag, strlen(tag)) == 0)
		return;
	v = arena_printf(m->a, "%s %.*s", tag, (int)h->unfolded_len,
	    h->unfolded);
	smfi_chgheader(ctx, "Subject", 1, hdr_value(m, 7, v));
}

static void
spam_headers(SMFICTX *ctx, struct mlt_msg *m)
{
	struct task *t = m->t;
	struct buf b = BUF_INIT;
	int is_spam = t->action >= ACT_ADD_HEADER;
	size_t i;

	del_fields(ctx, t->msg, m->g->flag_hdr);
	del_fields(ctx, t->msg, m->g->status_hdr);
	if (is_spam && !has_added(t, m->g->flag_hdr))
		smfi_addheader(ctx, (char *)(uintptr_t)m->g->flag_hdr,
		    hdr_value(m, strlen(m->g->flag_hdr), "YES"));
	if (has_added(t, m->g->status_hdr))
		return;
	buf_printf(&b, "%s, score=%.2f action=\"%s\" tests=", is_spam ?
	    "Yes" : "No", t->score, task_action_str(t->action));
	for (i = 0; i < t->nsym && b.len < 900; i++)
		buf_printf(&b, "%s%s", i > 0 ? "," : "", t->sym[i].name);
	if (t->nsym == 0)
		buf_adds(&b, "none");
	smfi_addheader(ctx, (char *)(uintptr_t)m->g->status_hdr,
	    hdr_value(m, strlen(m->g->status_hdr), b.p));
	buf_free(&b);
}

/* Turn the verdict into milter actions (called at end of message). */
static sfsistat
apply(SMFICTX *ctx, struct mlt_conn *c, struct mlt_msg *m)
{
	struct task *t = m->t;
	const char *sig = t->dkim_signature;
	size_t i;

	if (t->action == ACT_REJECT) {
		log_verdict(c, m, "reject", NULL);
		return set_reply(ctx, m, 0);
	}
	if (t->action == ACT_TEMPFAIL || t->action == ACT_GREYLIST) {
		log_verdict(c, m, task_action_str(t->action), NULL);
		return set_reply(ctx, m, 1);
	}
	if (t->env.is_outbound) {
		if (sig != NULL && str_has_prefix_ci(sig, "DKIM-Signature:"))
			sig += strlen("DKIM-Signature:");
		while (sig != NULL && (*sig == ' ' || *sig == '\t'))
			sig++;
		if (sig != NULL)
			smfi_insheader(ctx, 0, "DKIM-Signature",
			    hdr_value(m, 14, sig));
	} else {
		del_forged_authres(ctx, t);
		if (t->authres != NULL)
			smfi_insheader(ctx, 0, "Authentication-Results",
			    hdr_value(m, 22, t->authres));
		spam_headers(ctx, m);
	}
	for (i = 0; i < t->nadd_hdr; i++)
		smfi_addheader(ctx, (char *)(uintptr_t)t->add_hdr[i].name,
		    hdr_value(m, strlen(t->add_hdr[i].name),
		    t->add_hdr[i].value));
	if (t->action == ACT_TAG_SUBJECT || t->action == ACT_QUARANTINE)
		tag_subject(ctx, m);
	if (t->action == ACT_QUARANTINE)
		smfi_quarantine(ctx, (char *)(uintptr_t)reply_text(m->a,
		    t->reply_text != NULL ? t->reply_text : "mxwarden"));
	log_verdict(c, m, task_action_str(t->action), NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_get(ctx);
	struct mlt_msg *m = c->m;
	const char *why = NULL;
	enum mlt_safe safe;
	char qid[64];
	sfsistat r;
	int rc;

	if (m == NULL)
		return SMFIS_CONTINUE;
	queue_id(ctx, m);
	if (m->g == NULL) {
		r = safe_action(ctx, c, m, "no configuration");
		msg_free(&c->m);
		return r;
	}
	if (m->raw.len == 0 || msg_parse(m->a, m->raw.p, m->raw.len,
	    &m->t->msg, &why) == -1) {
		log_verdict(c, m, "accept", "empty message");
		msg_free(&c->m);
		return SMFIS_CONTINUE;
	}
	m->t->is_truncated = m->is_truncated;
	if (m->is_truncated)
		task_symbol(m->t, "MLT_NOT_FULLY_SCANNED", 0, "scanned the "
		    "first %zu bytes only (milter.max_scan_bytes)",
		    m->raw.len);
	safe = m->g->safe;
	str_lcpy(qid, m->t->env.queue_id != NULL ?
	    log_safe(m->a, m->t->env.queue_id, strlen(m->t->env.queue_id),
	    32) : "NOQUEUE", sizeof(qid));
	rc = run_budget(&c->m, &why);
	if (c->m == NULL) {
		/* The worker owns the message now: m is not ours to read. */
		log_warn("%s milter action=%s-safe client=%s why=\"%s\"", qid,
		    safe == MLT_SAFE_TEMPFAIL ? "tempfail" : "accept",
		    c->is_local ? "local" : c->ip, why);
		if (safe == MLT_SAFE_ACCEPT)
			return SMFIS_ACCEPT;
		smfi_setreply(ctx, "451", "4.7.1", "mxwarden: temporary "
		    "failure, try again later");
		return SMFIS_TEMPFAIL;
	}
	if (rc == -1)
		r = safe_action(ctx, c, m, why);
	else
		r = apply(ctx, c, m);
	msg_free(&c->m);
	return r;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->m != NULL) {
		log_debug("%s milter aborted", c->m->t->env.queue_id != NULL ?
		    c->m->t->env.queue_id : "NOQUEUE");
		msg_free(&c->m);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);
	struct arena *a;

	if (c == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	msg_free(&c->m);
	a = c->a;
	arena_free(&a);
	atomic_fetch_sub(&mlt_nsessions, 1);
	return SMFIS_CONTINUE;
}

struct smfiDesc mlt_desc = {
	.xxfi_name = "mxwarden",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_SETSYMLIST,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
