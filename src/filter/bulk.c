/*
 * Bulk-sender rules for outbound mail (docs/outbound.md). Since 2024 the
 * large mailbox providers require of bulk senders: SPF and DKIM, with
 * the From domain aligned to at least one of them (DMARC, RFC 9989
 * 4.4), and one-click unsubscription: a List-Unsubscribe field (RFC
 * 2369 3.2) holding an HTTPS URI and List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click (RFC 8058 3.1), both covered by the DKIM
 * signature (RFC 8058 4; our signer signs the fields present). A message
 * looks like bulk mail when it has List-Id (RFC 2919), Precedence: bulk
 * or list, at least bulk.recipient_threshold recipients, or a header
 * named in bulk.markers.
 */
#include <string.h>

#include "auth/dmarc.h"
#include "filter/limits.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "mail/msg.h"

/* The unfolded value of the first field named name, or NULL. */
static const char *
field(const struct task *t, const char *name)
{
	const struct msg_header *h = msg_header_get(t->msg, name, 0);

	return h != NULL ? h->unfolded : NULL;
}

/* Does marker "Name" or "Name: value" (value a substring) match? */
static int
marker_match(const struct task *t, const char *mk)
{
	const char *colon = strchr(mk, ':'), *v, *want;
	char name[128];
	size_t n = colon != NULL ? (size_t)(colon - mk) : strlen(mk), i, k;

	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, mk, n);
	name[n] = '\0';
	if ((v = field(t, name)) == NULL)
		return 0;
	if (colon == NULL)
		return 1;
	for (want = colon + 1; *want == ' ' || *want == '\t'; want++)
		;
	k = strlen(want);
	for (i = 0; v[i] != '\0'; i++)
		if (str_ncasecmp(v + i, want, k) == 0)
			return 1;
	return k == 0;
}

static int
is_bulk(const struct bulk_conf *bc, const struct task *t)
{
	const char *v;
	size_t i;

	if (field(t, "List-Id") != NULL)
		return 1;
	if ((v = field(t, "Precedence")) != NULL &&
	    (str_casecmp(v, "bulk") == 0 || str_casecmp(v, "list") == 0))
		return 1;
	if (bc->rcpt_threshold > 0 && t->env.nrcpt >= bc->rcpt_threshold)
		return 1;
	for (i = 0; i < bc->nmarkers; i++)
		if (marker_match(t, bc->markers[i]))
			return 1;
	return 0;
}

/*
 * Relaxed alignment, approximated without DNS: equal, or one a
 * subdomain of the other.
 * XXX The Organizational Domain (RFC 9989 4.8) needs the DNS tree walk;
 * a bulk sender signing with d=mail.example.com for From: news.example.com
 * is reported as unaligned here although DMARC would align it.
 */
static int
aligned(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	if (str_casecmp(a, b) == 0)
		return 1;
	la = strlen(a);
	lb = strlen(b);
	if (la > lb)
		return a[la - lb - 1] == '.' && str_casecmp(a + la - lb, b) ==
		    0;
	if (lb > la)
		return b[lb - la - 1] == '.' && str_casecmp(b + lb - la, a) ==
		    0;
	return 0;
}

/* The d= tag of a DKIM-Signature value (arena), or NULL. */
static const char *
sig_domain(struct arena *a, const char *v)
{
	const char *p = v, *e;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		e = strchr(p, ';');
		if (p[0] == 'd' && (p[1] == '=' || p[1] == ' ')) {
			p++;
			while (*p == ' ' || *p == '=')
				p++;
			return str_trim(a, p, e != NULL ? (size_t)(e - p) :
			    strlen(p));
		}
		p = e;
	}
	return NULL;
}

static int
dkim_aligned(const struct task *t, const char *from)
{
	const char *v;
	size_t i, n = msg_header_count(t->msg, "DKIM-Signature");

	if (t->dkim_signature != NULL && (v = strchr(t->dkim_signature,
	    ':')) != NULL && aligned(sig_domain(t->a, v + 1), from))
		return 1;
	for (i = 0; i < n; i++)
		if (aligned(sig_domain(t->a, msg_header_get(t->msg,
		    "DKIM-Signature", i)->unfolded), from))
			return 1;
	return 0;
}

unsigned
bulk_check(const struct bulk_conf *bc, const struct task *t)
{
	const char **doms, *why, *v, *sender, *at;
	unsigned bits = BULK_IS_BULK;
	size_t n;

	if (t->msg == NULL || !is_bulk(bc, t))
		return 0;
	if ((v = field(t, "List-Unsubscribe")) == NULL)
		bits |= BULK_NO_UNSUB | BULK_NO_ONECLICK;
	else if (strstr(v, "<https:") == NULL && strstr(v, "<HTTPS:") ==
	    NULL)
		bits |= BULK_NO_ONECLICK;	/* RFC 8058 3.1: an HTTPS URI */
	if ((v = field(t, "List-Unsubscribe-Post")) == NULL ||
	    str_casecmp(v, "List-Unsubscribe=One-Click") != 0)
		bits |= BULK_NO_ONECLICK;
	if (dmarc_from_domains(t->a, t->msg, &doms, &n, &why) !=
	    DMARC_FROM_OK || n == 0) {
		return bits | BULK_NO_DKIM_ALIGN | BULK_NO_SPF_ALIGN;
	}
	if (!dkim_aligned(t, doms[0]))
		bits |= BULK_NO_DKIM_ALIGN;
	/*
	 * XXX SPF: we check that the envelope sender's domain aligns with
	 * From; whether our outgoing address is in that domain's SPF
	 * record is for `mxwarden check`, not for every message.
	 */
	sender = t->env.mail_from;
	at = sender != NULL ? strrchr(sender, '@') : NULL;
	if (at == NULL || !aligned(str_trim(t->a, at + 1, strcspn(at + 1,
	    ">")), doms[0]))
		bits |= BULK_NO_SPF_ALIGN;
	return bits;
}

void
bulk_task(const struct limits_conf *lc, struct task *t)
{
	static const struct { unsigned bit; const char *sym, *what; } tab[] = {
		{ BULK_NO_UNSUB, "BULK_NO_LIST_UNSUBSCRIBE",
		    "no List-Unsubscribe" },
		{ BULK_NO_ONECLICK, "BULK_NO_ONE_CLICK",
		    "no one-click unsubscribe (RFC 8058)" },
		{ BULK_NO_DKIM_ALIGN, "BULK_DKIM_NOT_ALIGNED",
		    "no DKIM signature aligned with From" },
		{ BULK_NO_SPF_ALIGN, "BULK_SPF_NOT_ALIGNED",
		    "envelope sender not aligned with From" },
	};
	const struct bulk_conf *bc;
	struct buf b = BUF_INIT;
	unsigned bits;
	size_t i;

	if (lc == NULL)
		return;
	bc = &lc->bulk;
	if (!t->env.is_outbound ||
	    !((bits = bulk_check(bc, t)) & BULK_IS_BULK))
		return;
	task_symbol(t, "BULK_MAIL", 0, "looks like bulk mail");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if ((bits & tab[i].bit) == 0)
			continue;
		task_symbol(t, tab[i].sym, 0, "%s", tab[i].what);
		buf_printf(&b, "%s%s", b.len > 0 ? "; " : "", tab[i].what);
	}
	if (b.len > 0) {
		if (bc->action == BULK_HEADER)
			task_add_header(t, bc->header, b.p);
		else if (bc->action == BULK_QUARANTINE)
			task_raise(t, ACT_QUARANTINE, NULL, NULL, arena_printf(
			    t->a, "bulk mail rules: %s", b.p));
		else if (bc->action == BULK_TEMPFAIL)
			task_raise(t, ACT_TEMPFAIL, "451", "4.7.1",
			    arena_printf(t->a, "Bulk mail must meet the "
			    "bulk-sender rules: %s", b.p));
	}
	buf_free(&b);
}
