/*
 * The phishing check (phish.h, docs/phishing.md). Four signals:
 *
 * - Lures from first-time correspondents. Outbound mail teaches the
 *   store who we write to ("corr:" keys, one store_rmw per message);
 *   an inbound payment, bank-detail, wire or credential lure (English,
 *   German, Japanese patterns below, PCRE2 in UTF and UCP mode) from a
 *   sender nobody here has written to gets a PHISH_*_NEW_SENDER symbol.
 * - Lookalike sender domains of our own domains, partners and brands:
 *   Damerau-Levenshtein distance on the registrable label (public
 *   suffix list, libpsl), and confusable skeletons in the spirit of
 *   Unicode TS #39 section 4 ("confusable detection"), with our own
 *   small table of Latin, Cyrillic and Greek look-alikes and ASCII
 *   tricks (rn/m, vv/w, 0/o, 1/l/i). IDN A-labels (RFC 5890) are
 *   decoded with libidn2 so the U-label's skeleton is what counts.
 * - Display names that name one of our people or a brand while the
 *   address is foreign, or that show another address.
 * - Links whose text shows another domain than the href, links to raw
 *   IP addresses, and URL shorteners (weak).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <idn2.h>
#include <libpsl.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "auth/dmarc.h"
#include "conf/conf.h"
#include "filter/phish.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/addr.h"
#include "mail/mime.h"
#include "mail/msg.h"
#include "store/store.h"

#define PHISH_TEXT_MAX		(256 * 1024)	/* bytes of text for lures */
#define PHISH_RCPT_MAX		31	/* learned per message: 2 keys each */
#define PHISH_LOCAL_MAX		8	/* local domains asked per message */
#define PHISH_LABEL_MAX		63	/* RFC 1035 2.3.4 */
#define PHISH_LINKS_MAX		200	/* links classified per message */

/* Symbols, their score rows, and whether they ask for the subject tag. */
enum phish_sym {
	PS_PAYMENT = 0, PS_BANK, PS_WIRE, PS_CREDENTIAL, PS_LOOKALIKE,
	PS_HOMOGLYPH, PS_PERSON, PS_BRAND, PS_DISPLAY_ADDR, PS_LINK_MISMATCH,
	PS_LINK_IP, PS_LINK_SHORTENER, PS_COUNT
};

static const struct {
	const char	*name;
	const char	*row;
	int		 is_tag;
} phish_syms[PS_COUNT] = {
	{ "PHISH_PAYMENT_NEW_SENDER", "scores.phish_payment_new_sender", 1 },
	{ "PHISH_BANK_CHANGE_NEW_SENDER",
	    "scores.phish_bank_change_new_sender", 1 },
	{ "PHISH_WIRE_NEW_SENDER", "scores.phish_wire_new_sender", 1 },
	{ "PHISH_CREDENTIAL_NEW_SENDER",
	    "scores.phish_credential_new_sender", 1 },
	{ "PHISH_LOOKALIKE_DOMAIN", "scores.phish_lookalike_domain", 1 },
	{ "PHISH_HOMOGLYPH_DOMAIN", "scores.phish_homoglyph_domain", 1 },
	{ "PHISH_DISPLAY_PERSON", "scores.phish_display_person", 1 },
	{ "PHISH_DISPLAY_BRAND", "scores.phish_display_brand", 1 },
	{ "PHISH_DISPLAY_ADDRESS", "scores.phish_display_address", 0 },
	{ "PHISH_LINK_MISMATCH", "scores.phish_link_mismatch", 0 },
	{ "PHISH_LINK_IP", "scores.phish_link_ip", 0 },
	{ "PHISH_LINK_SHORTENER", "scores.phish_link_shortener", 0 },
};

/*
 * Lure patterns, one per family, alternatives per language. A space
 * stands for any run of white space (lines are wrapped). English and
 * German alternatives sit between \b; Japanese has no word boundaries.
 * The families map to symbols: payment, bank and wire to their own,
 * credential and suspension both to PHISH_CREDENTIAL_NEW_SENDER.
 */
static const struct {
	unsigned	 bit;
	const char	*en_de;
	const char	*ja;
} phish_lure_tab[] = {
	{ PHISH_LURE_PAYMENT,
	    /* English */
	    "(?:attached|enclosed|unpaid|overdue|outstanding|pending|open|"
	    "view|download|see) invoices?|invoice (?:attached|enclosed|"
	    "due|no\\.?|number|#|for payment|reminder)|payment (?:due|"
	    "overdue|request|reminder|advice|confirmation|notification)|"
	    "(?:overdue|outstanding) (?:payment|balance|amount)|"
	    "remittance advice|past due|pro-?forma invoice|"
	    /* German */
	    "Rechnung (?:Nr\\.?|im Anhang|anbei|vom|zur Zahlung)|"
	    "(?:Ihre|offene|unbezahlte|neue|beigefügte|anbei die) Rechnung|"
	    "Rechnungsnummer|Zahlungserinnerung|Zahlungsaufforderung|"
	    "Mahnung|offene[rn]? (?:Betrag|Posten|Forderung)|Zahlungsavis",
	    /* Japanese */
	    "請求書|お支払い(?:期限|のお願い|のご案内)|支払期限|未払い|未納|"
	    "ご入金" },
	{ PHISH_LURE_BANK,
	    "(?:new|updated|changed?|change (?:of|in|to)(?: our| the| my)?) "
	    "(?:bank|banking|account|payment|remittance) (?:details|"
	    "information|info|account)|(?:update|change) (?:our|the|my|your) "
	    "(?:bank|banking|payment|remittance) (?:details|information|"
	    "account)|new (?:IBAN|account number)|"
	    "neue (?:Bankverbindung|Kontoverbindung|IBAN|Kontodaten)|"
	    "(?:Änderung|geänderte|aktualisierte) (?:der |unserer |unsere )?"
	    "(?:Bankverbindung|Bankdaten|Kontodaten|Kontoverbindung)|"
	    "Kontoänderung",
	    "振込先(?:の)?(?:変更|口座)|口座(?:情報)?(?:の|が)?変更|"
	    "新しい(?:振込先|口座)" },
	{ PHISH_LURE_WIRE,
	    "wire transfer|(?:urgent|immediate) (?:wire|payment|transfer)|"
	    "bank transfer|transfer (?:the )?funds|SWIFT (?:code|transfer|"
	    "copy)|"
	    "(?:Auslands|Eil|Blitz)?überweisung|dringende (?:Zahlung|"
	    "Überweisung)",
	    "送金|振込(?:み)?(?:を)?(?:お願い|依頼)|至急(?:の)?(?:振込|送金|"
	    "お支払い)" },
	{ PHISH_LURE_CREDENTIAL,
	    "password (?:will |has |is )?(?:expire[sd]?|expiring|expiry|"
	    "expiration)|(?:verify|confirm|validate|update|re-?activate) "
	    "your (?:account|identity|password|credentials|login|mailbox|"
	    "e-?mail account)|mailbox (?:is )?(?:full|almost full|over "
	    "(?:its )?quota)|(?:quota|storage) (?:exceeded|limit reached)|"
	    "(?:sign|log) ?in (?:now )?to (?:verify|confirm|restore|keep|"
	    "avoid)|"
	    "(?:Passwort|Kennwort) (?:läuft|ist|wird) (?:bald |heute )?"
	    "(?:ab|abgelaufen)|(?:Passwort|Kennwort)ablauf|(?:bestätigen|"
	    "verifizieren|aktualisieren) Sie (?:jetzt )?Ihr(?:e|en)? "
	    "(?:Konto|Identität|Passwort|Kennwort|Zugangsdaten|"
	    "Anmeldedaten|Daten)|Postfach (?:ist )?(?:voll|fast voll)|"
	    "Speicherplatz (?:ist )?(?:voll|überschritten)",
	    "パスワード(?:の)?(?:有効期限|期限切れ)|パスワードを(?:更新|変更|"
	    "確認)|アカウント(?:情報)?(?:を|の)?(?:確認|認証|更新)|本人確認|"
	    "ログイン情報|メールボックス(?:が|の)?容量" },
	{ PHISH_LURE_SUSPEND,
	    "(?:account|access) (?:has been |will be |is |was )?(?:suspended|"
	    "locked|limited|disabled|deactivated|restricted|on hold|frozen|"
	    "terminated)|unusual (?:sign-?in |login )?activity|"
	    "unauthori[sz]ed (?:access|login|sign-?in|transaction|activity)|"
	    "suspicious (?:activity|login|sign-?in)|"
	    "Konto (?:wurde |wird |ist )?(?:gesperrt|eingeschränkt|"
	    "deaktiviert|eingefroren)|Kontosperrung|Kontoeinschränkung|"
	    "ungewöhnliche Aktivität|verdächtige (?:Anmeldung|Aktivität)|"
	    "unbefugte[rn]? Zugriff",
	    "アカウント(?:が|は|を)?(?:一時)?(?:停止|凍結|ロック|制限)|"
	    "利用(?:を)?停止|不正(?:な)?(?:ログイン|アクセス|利用)|"
	    "異常な(?:ログイン|アクティビティ)" },
};
#define PHISH_NLURE	(sizeof(phish_lure_tab) / sizeof(phish_lure_tab[0]))

/*
 * Confusables: code points that look like an ASCII letter in common
 * fonts, for the skeleton. Our own short list after the idea of UTS #39
 * (not its data file): Cyrillic and Greek letters that share a glyph
 * with a Latin one, a few Latin letters from other blocks. Accented
 * Latin letters are folded by canonical decomposition instead.
 */
static const struct {
	uint32_t	 cp;
	char		 to;
} phish_conf_tab[] = {
	/* Cyrillic lower case */
	{ 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043e, 'o' }, { 0x0440, 'p' },
	{ 0x0441, 'c' }, { 0x0443, 'y' }, { 0x0445, 'x' }, { 0x043a, 'k' },
	{ 0x0456, 'i' }, { 0x0458, 'j' }, { 0x0455, 's' }, { 0x0501, 'd' },
	{ 0x051b, 'q' }, { 0x051d, 'w' }, { 0x04bb, 'h' }, { 0x0457, 'i' },
	{ 0x0491, 'r' }, { 0x044c, 'b' }, { 0x0432, 'b' }, { 0x043d, 'h' },
	{ 0x0442, 't' }, { 0x043c, 'm' }, { 0x0433, 'r' }, { 0x0438, 'u' },
	/* Cyrillic upper case */
	{ 0x0410, 'a' }, { 0x0412, 'b' }, { 0x0415, 'e' }, { 0x041a, 'k' },
	{ 0x041c, 'm' }, { 0x041d, 'h' }, { 0x041e, 'o' }, { 0x0420, 'p' },
	{ 0x0421, 'c' }, { 0x0422, 't' }, { 0x0425, 'x' }, { 0x0423, 'y' },
	{ 0x0405, 's' }, { 0x0406, 'i' }, { 0x0408, 'j' },
	/* Greek */
	{ 0x03b1, 'a' }, { 0x03bf, 'o' }, { 0x03c1, 'p' }, { 0x03bd, 'v' },
	{ 0x03b9, 'i' }, { 0x03ba, 'k' }, { 0x03c4, 't' }, { 0x03c5, 'u' },
	{ 0x03c7, 'x' }, { 0x03b5, 'e' }, { 0x03c9, 'w' }, { 0x03b3, 'y' },
	{ 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' }, { 0x0396, 'z' },
	{ 0x0397, 'h' }, { 0x0399, 'i' }, { 0x039a, 'k' }, { 0x039c, 'm' },
	{ 0x039d, 'n' }, { 0x039f, 'o' }, { 0x03a1, 'p' }, { 0x03a4, 't' },
	{ 0x03a5, 'y' }, { 0x03a7, 'x' },
	/* Latin from other blocks */
	{ 0x0131, 'i' }, { 0x0142, 'l' }, { 0x0269, 'i' }, { 0x0261, 'g' },
	{ 0x01c0, 'l' }, { 0x00df, 's' }, { 0x0138, 'k' }, { 0x0250, 'a' },
	{ 0x1d00, 'a' }, { 0x0280, 'r' }, { 0x026a, 'i' },
};

/* Who is impersonated in a display name. */
struct phish_name {
	char		 *name;		/* as configured */
	char		 *skel;		/* skeleton, padded with spaces */
	char		**domains;	/* brands: their domains (ACE) */
	size_t		  ndomains;
};

/* A domain lookalikes are measured against. */
struct phish_target {
	char		*domain;	/* ACE, lower case */
	char		*org;		/* registrable domain */
	char		*label;		/* org's first label */
	char		*suffix;	/* the public suffix */
	char		*skel;		/* skeleton of the U-label */
	int		 is_own;	/* own or partner (not a brand) */
};

struct phish {
	int			 enabled;
	struct phish_target	*tgt;
	size_t			 ntgt, captgt;
	char			**own;	/* own and partner domains, ACE */
	size_t			 nown, capown;
	size_t			 nself;	/* own[0..nself) are our own */
	struct phish_name	*people, *brands;
	size_t			 npeople, nbrands;
	char			**shorteners;
	size_t			 nshort;
	const char		*subject_tag;
	uint32_t		 ttl;
	double			 score[PS_COUNT];
	pcre2_code		*lure[PHISH_NLURE];
};

/* Big free-mail providers: a known address there does not vouch for
   the whole domain. */
static const char *const phish_freemail[] = {
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com",
	"live.com", "msn.com", "yahoo.com", "yahoo.co.jp", "aol.com",
	"icloud.com", "me.com", "gmx.de", "gmx.net", "web.de",
	"t-online.de", "proton.me", "protonmail.com", "yandex.ru",
	"mail.ru", "qq.com", "163.com",
};

/*
 * Public suffix list, as in src/auth/dmarc.c: the newest list on the
 * system, or the one compiled into libpsl.
 */
static pthread_once_t phish_psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *phish_psl;

static void
phish_psl_init(void)
{
	phish_psl = psl_latest(NULL);
	if (phish_psl == NULL)
		phish_psl = psl_builtin();
}

const char *
phish_org_domain(struct arena *a, const char *host)
{
	const char *r;

	pthread_once(&phish_psl_once, phish_psl_init);
	if (phish_psl == NULL || host == NULL)
		return host != NULL ? arena_strdup(a, host) : NULL;
	r = psl_registrable_domain(phish_psl, host);
	return arena_strdup(a, r != NULL ? r : host);
}

/* Is the last label of host a known public suffix (no "*" rule)? */
static int
phish_has_known_tld(const char *host)
{
	const char *dot = strrchr(host, '.');

	pthread_once(&phish_psl_once, phish_psl_init);
	if (dot == NULL || dot[1] == '\0' || phish_psl == NULL)
		return 0;
	return psl_is_public_suffix2(phish_psl, dot + 1,
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

/*
 * Skeletons.
 */

static char
phish_fold_cp(gunichar c)
{
	gunichar d[4];
	size_t i, n;

	if (c < 0x80)
		return g_ascii_tolower((char)c);
	if (c >= 0xff01 && c <= 0xff5e)		/* fullwidth ASCII */
		return g_ascii_tolower((char)(c - 0xff01 + 0x21));
	for (i = 0; i < sizeof(phish_conf_tab) / sizeof(phish_conf_tab[0]);
	    i++)
		if (phish_conf_tab[i].cp == c)
			return phish_conf_tab[i].to;
	/* Accented Latin: the base letter of the decomposition. */
	n = g_unichar_fully_decompose(c, FALSE, d, 4);
	if (n > 1 && d[0] < 0x80 && g_ascii_isalpha((char)d[0]))
		return g_ascii_tolower((char)d[0]);
	if (g_unichar_isspace(c))
		return ' ';
	return 0;
}

const char *
phish_skeleton(struct arena *a, const char *s)
{
	struct buf m = BUF_INIT, o = BUF_INIT;
	const char *p = s, *r;
	gunichar c;
	size_t i;
	char f;

	/* Invalid UTF-8 is read byte by byte as Latin-1. */
	while (*p != '\0' && m.len < 1024) {
		c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = (unsigned char)*p;
			p++;
		} else
			p = g_utf8_next_char(p);
		f = phish_fold_cp(c);
		if (f == 0)
			continue;
		if (g_ascii_isalnum(f) || f == '.' || f == '-' ||
		    (f == ' ' && m.len > 0 && m.p[m.len - 1] != ' '))
			buf_addc(&m, f);
		else if (f == '|')
			buf_addc(&m, 'l');
	}
	/* ASCII look-alikes: digits, then letter pairs. */
	for (i = 0; i < m.len; i++) {
		f = m.p[i];
		if (f == '0')
			f = 'o';
		else if (f == '1' || f == 'i')
			f = 'l';
		if ((f == 'r' && i + 1 < m.len && m.p[i + 1] == 'n') ||
		    (f == 'v' && i + 1 < m.len && m.p[i + 1] == 'v')) {
			f = f == 'r' ? 'm' : 'w';
			i++;
		}
		buf_addc(&o, f);
	}
	while (o.len > 0 && o.p[o.len - 1] == ' ')
		o.len--;
	r = arena_strndup(a, o.p != NULL ? o.p : "", o.len);
	buf_free(&m);
	buf_free(&o);
	return r;
}

int
phish_distance(const char *a, const char *b, int max)
{
	int row[3][PHISH_LABEL_MAX + 2], i, j, la, lb, best, v, cost;
	int *p2, *p1, *cur;

	la = (int)strlen(a);
	lb = (int)strlen(b);
	if (la > PHISH_LABEL_MAX || lb > PHISH_LABEL_MAX ||
	    abs(la - lb) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		row[0][j] = j;
	for (i = 1; i <= la; i++) {
		cur = row[i % 3];
		p1 = row[(i + 2) % 3];		/* row i - 1 */
		p2 = row[(i + 1) % 3];		/* row i - 2 */
		cur[0] = i;
		best = i;
		for (j = 1; j <= lb; j++) {
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			v = p1[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (p1[j - 1] + cost < v)
				v = p1[j - 1] + cost;
			/* Transposition (optimal string alignment). */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && p2[j - 2] + 1 < v)
				v = p2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	v = row[la % 3][lb];
	return v > max ? max + 1 : v;
}

/*
 * Hosts and addresses.
 */

const char *
phish_url_host(struct arena *a, const char *url)
{
	const char *p = url, *q, *e, *at;
	char *r;
	size_t i, n;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	for (q = p; g_ascii_isalnum(*q) || *q == '+' || *q == '-' ||
	    *q == '.'; q++)
		;
	if (*q == ':' && q > p && memchr(p, '.', (size_t)(q - p)) == NULL) {
		/* A scheme: only hierarchical ones name a host. */
		if ((q[1] != '/' && q[1] != '\\') ||
		    (q[2] != '/' && q[2] != '\\'))
			return NULL;
		p = q + 3;
	} else if (p[0] == '/' && p[1] == '/')
		p += 2;
	for (e = p; *e != '\0' && strchr("/?#\\ \t\r\n", *e) == NULL; e++)
		;
	for (at = e; at > p && at[-1] != '@'; at--)
		;
	p = at;		/* past any userinfo */
	if (p < e && *p == '[') {
		if ((q = memchr(p, ']', (size_t)(e - p))) == NULL)
			return NULL;
		p++;
		e = q;
	} else if ((q = memchr(p, ':', (size_t)(e - p))) != NULL)
		e = q;		/* a port */
	while (e > p && e[-1] == '.')
		e--;
	n = (size_t)(e - p);
	if (n == 0 || n > 253 + 2)
		return NULL;
	r = arena_strndup(a, p, n);
	for (i = 0; i < n; i++)
		r[i] = g_ascii_tolower(r[i]);
	return r;
}

int
phish_host_is_ip(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *p;

	if (host == NULL || *host == '\0')
		return 0;
	if (strchr(host, ':') != NULL)
		return inet_pton(AF_INET6, host, &a6) == 1;
	for (p = host; *p != '\0'; p++)
		if (!g_ascii_isxdigit(*p) && *p != '.' && *p != 'x' &&
		    *p != 'X')
			return 0;
	/* inet(3): dotted, and decimal, hex or octal numbers and parts. */
	return inet_aton(host, &a4) != 0;
}

/* Is d equal to base or a subdomain of it (both lower case)? */
static int
phish_is_sub(const char *d, const char *base)
{
	size_t n = strlen(d), m = strlen(base);

	if (n == m)
		return strcmp(d, base) == 0;
	return n > m && d[n - m - 1] == '.' && strcmp(d + n - m, base) == 0;
}

static int
phish_is_freemail(const char *d)
{
	size_t i;

	for (i = 0; i < sizeof(phish_freemail) / sizeof(phish_freemail[0]);
	    i++)
		if (strcmp(d, phish_freemail[i]) == 0)
			return 1;
	return 0;
}

/* Own (self_only) or own-or-partner domain? */
static int
phish_is_own(const struct phish *ph, const char *ace, int self_only)
{
	size_t i, n = self_only ? ph->nself : ph->nown;

	for (i = 0; i < n; i++)
		if (phish_is_sub(ace, ph->own[i]))
			return 1;
	return 0;
}

/* The U-label of an A-label (arena); label itself otherwise. */
static const char *
phish_ulabel(struct arena *a, const char *label)
{
	char *u = NULL;
	const char *r;

	if (strncmp(label, "xn--", 4) != 0 && strstr(label, ".xn--") == NULL)
		return label;
	if (idn2_to_unicode_8z8z(label, &u, 0) != IDN2_OK || u == NULL)
		return label;
	r = arena_strdup(a, u);
	idn2_free(u);
	return r;
}

/*
 * Configuration.
 */

static char **
phish_push(char **v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		v = xreallocarray(v, *cap, sizeof(*v));
	}
	v[(*n)++] = s;
	return v;
}

static void
phish_add_target(struct phish *ph, const char *domain, int is_own)
{
	struct arena *a = arena_new();
	struct phish_target *t;
	const char *ace, *org, *why, *dot;

	if ((ace = addr_domain_ace(a, domain, &why)) == NULL ||
	    strchr(ace, '.') == NULL) {
		arena_free(&a);
		return;
	}
	if (ph->ntgt == ph->captgt) {
		ph->captgt = ph->captgt == 0 ? 8 : ph->captgt * 2;
		ph->tgt = xreallocarray(ph->tgt, ph->captgt, sizeof(*ph->tgt));
	}
	t = &ph->tgt[ph->ntgt++];
	org = phish_org_domain(a, ace);
	dot = strchr(org, '.');
	t->domain = xstrdup(ace);
	t->org = xstrdup(org);
	t->label = dot != NULL ? g_strndup(org, (gsize)(dot - org)) :
	    g_strdup(org);
	t->suffix = xstrdup(dot != NULL ? dot + 1 : "");
	t->skel = xstrdup(phish_skeleton(a, phish_ulabel(a, t->label)));
	t->is_own = is_own;
	if (is_own)
		ph->own = phish_push(ph->own, &ph->nown, &ph->capown,
		    xstrdup(ace));
	arena_free(&a);
}

/* A name for display-name matching: its skeleton padded with spaces. */
static char *
phish_name_skel(const char *name)
{
	struct arena *a = arena_new();
	const char *s = phish_skeleton(a, name);
	char *r = NULL, *p;

	if (*s != '\0') {
		r = g_strdup_printf(" %s ", s);
		for (p = r; *p != '\0'; p++)
			if (*p == '.' || *p == '-')
				*p = ' ';
	}
	arena_free(&a);
	return r;
}

/* "Name" or "Name:dom1,dom2" (brands). -1 when the name is empty. */
static int
phish_add_name(struct phish_name **v, size_t *n, const char *entry,
    int with_domains, struct phish *ph)
{
	struct phish_name *x;
	const char *colon = with_domains ? strrchr(entry, ':') : NULL;
	char *name, **doms, *sk;
	size_t i;

	name = colon != NULL ? g_strndup(entry, (gsize)(colon - entry)) :
	    g_strdup(entry);
	g_strstrip(name);
	if (name[0] == '\0' || (sk = phish_name_skel(name)) == NULL) {
		g_free(name);
		return -1;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	x = &(*v)[(*n)++];
	memset(x, 0, sizeof(*x));
	x->name = name;
	x->skel = sk;
	if (colon == NULL)
		return 0;
	doms = g_strsplit_set(colon + 1, ", ", -1);
	for (i = 0; doms[i] != NULL; i++) {
		struct arena *a;
		const char *ace, *why;

		if (doms[i][0] == '\0')
			continue;
		a = arena_new();
		if ((ace = addr_domain_ace(a, doms[i], &why)) != NULL) {
			x->domains = xreallocarray(x->domains,
			    x->ndomains + 1, sizeof(*x->domains));
			x->domains[x->ndomains++] = xstrdup(ace);
			phish_add_target(ph, ace, 0);
		}
		arena_free(&a);
	}
	g_strfreev(doms);
	return 0;
}

static int
phish_compile(struct phish *ph, const char **why_r)
{
	struct buf b = BUF_INIT;
	const char *p;
	PCRE2_SIZE off;
	size_t i;
	int err;

	for (i = 0; i < PHISH_NLURE; i++) {
		buf_reset(&b);
		buf_adds(&b, "\\b(?:");
		for (p = phish_lure_tab[i].en_de; *p != '\0'; p++)
			if (*p == ' ')
				buf_adds(&b, "\\s+");
			else
				buf_addc(&b, *p);
		buf_adds(&b, ")\\b|");
		buf_adds(&b, phish_lure_tab[i].ja);
		ph->lure[i] = pcre2_compile((PCRE2_SPTR)b.p, b.len,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
		if (ph->lure[i] == NULL) {
			buf_free(&b);
			*why_r = "phishing: a lure pattern does not compile";
			return -1;
		}
		(void)pcre2_jit_compile(ph->lure[i], PCRE2_JIT_COMPLETE);
	}
	buf_free(&b);
	return 0;
}

static void
phish_read_lists(struct phish *ph, const struct conf *c)
{
	const struct conf *g;
	size_t i, n;

	n = conf_group_count(c, "dkim.signing");
	for (i = 0; i < n; i++) {
		g = conf_group(c, "dkim.signing", i);
		phish_add_target(ph, conf_str(g, "domain"), 1);
	}
	n = conf_list_len(c, "phishing.own_domains");
	for (i = 0; i < n; i++)
		phish_add_target(ph, conf_list_str(c, "phishing.own_domains",
		    i), 1);
	ph->nself = ph->nown;
	n = conf_list_len(c, "phishing.partners");
	for (i = 0; i < n; i++)
		phish_add_target(ph, conf_list_str(c, "phishing.partners", i),
		    1);
	n = conf_list_len(c, "phishing.shorteners");
	ph->shorteners = xcalloc(n + 1, sizeof(*ph->shorteners));
	for (i = 0; i < n; i++)
		ph->shorteners[ph->nshort++] = g_ascii_strdown(
		    conf_list_str(c, "phishing.shorteners", i), -1);
}

struct phish *
phish_new(const struct conf *c, const char **why_r)
{
	struct phish *ph = xcalloc(1, sizeof(*ph));
	size_t i, n;

	ph->enabled = conf_bool(c, "phishing.enabled");
	ph->subject_tag = conf_str(c, "phishing.subject_tag");
	ph->ttl = (uint32_t)conf_duration(c, "phishing.correspondent_ttl");
	for (i = 0; i < PS_COUNT; i++)
		ph->score[i] = conf_float(c, phish_syms[i].row);
	phish_read_lists(ph, c);
	n = conf_list_len(c, "phishing.people");
	for (i = 0; i < n; i++)
		if (phish_add_name(&ph->people, &ph->npeople,
		    conf_list_str(c, "phishing.people", i), 0, ph) == -1) {
			*why_r = "phishing.people: an empty name";
			phish_free(&ph);
			return NULL;
		}
	n = conf_list_len(c, "phishing.brands");
	for (i = 0; i < n; i++)
		if (phish_add_name(&ph->brands, &ph->nbrands,
		    conf_list_str(c, "phishing.brands", i), 1, ph) == -1) {
			*why_r = "phishing.brands: want NAME[:DOMAIN,...]";
			phish_free(&ph);
			return NULL;
		}
	if (phish_compile(ph, why_r) == -1) {
		phish_free(&ph);
		return NULL;
	}
	return ph;
}

static void
phish_names_free(struct phish_name *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		g_free(v[i].name);
		g_free(v[i].skel);
		for (k = 0; k < v[i].ndomains; k++)
			free(v[i].domains[k]);
		free(v[i].domains);
	}
	free(v);
}

void
phish_free(struct phish **php)
{
	struct phish *ph = *php;
	size_t i;

	if (ph == NULL)
		return;
	for (i = 0; i < ph->ntgt; i++) {
		free(ph->tgt[i].domain);
		free(ph->tgt[i].org);
		g_free(ph->tgt[i].label);
		free(ph->tgt[i].suffix);
		free(ph->tgt[i].skel);
	}
	free(ph->tgt);
	for (i = 0; i < ph->nown; i++)
		free(ph->own[i]);
	free(ph->own);
	for (i = 0; i < ph->nshort; i++)
		g_free(ph->shorteners[i]);
	free(ph->shorteners);
	phish_names_free(ph->people, ph->npeople);
	phish_names_free(ph->brands, ph->nbrands);
	for (i = 0; i < PHISH_NLURE; i++)
		pcre2_code_free(ph->lure[i]);
	free(ph);
	*php = NULL;
}

/*
 * Lures.
 */

/* Bit i of the result: family i matched; *what_r the first phrase. */
static unsigned
phish_lure_match(const struct phish *ph, struct arena *a, const char *p,
    size_t len, const char **what_r)
{
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	unsigned bits = 0;
	size_t i;

	if (ph == NULL)
		return 0;
	if (len > PHISH_TEXT_MAX)
		len = PHISH_TEXT_MAX;
	for (i = 0; i < PHISH_NLURE; i++) {
		md = pcre2_match_data_create_from_pattern(ph->lure[i], NULL);
		if (pcre2_match(ph->lure[i], (PCRE2_SPTR)p, len, 0, 0, md,
		    NULL) >= 1) {
			bits |= phish_lure_tab[i].bit;
			ov = pcre2_get_ovector_pointer(md);
			if (a != NULL && what_r[i] == NULL && ov[1] > ov[0])
				what_r[i] = arena_strndup(a, p + ov[0],
				    ov[1] - ov[0] > 60 ? 60 : ov[1] - ov[0]);
		}
		pcre2_match_data_free(md);
	}
	return bits;
}

unsigned
phish_lures(const struct phish *ph, const char *p, size_t len)
{
	return phish_lure_match(ph, NULL, p, len, NULL);
}

/*
 * Lookalikes.
 */

/* Does a label or hyphen-separated token of ace equal label? */
static int
phish_has_token(const char *ace, const char *label)
{
	size_t n = strlen(label);
	const char *p = ace, *e;

	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != '.' && *e != '-'; e++)
			;
		if ((size_t)(e - p) == n && memcmp(p, label, n) == 0)
			return 1;
		p = *e != '\0' ? e + 1 : e;
	}
	return 0;
}

/* How one candidate (org, label, suffix, skel) compares with target t. */
static enum phish_look
phish_look_one(const struct phish_target *t, const char *ace,
    const char *org, const char *label, const char *suffix,
    const char *skel)
{
	size_t n = strlen(t->label);
	int k = n >= 9 ? 2 : 1;

	if (strcmp(org, t->org) == 0)
		return PHISH_LOOK_NONE;	/* a sibling host of one owner */
	if (strcmp(label, t->label) == 0)
		return t->is_own && n >= 4 && strcmp(suffix, t->suffix) != 0 ?
		    PHISH_LOOK_SUFFIX : PHISH_LOOK_NONE;
	if (n >= 3 && skel[0] != '\0' && strcmp(skel, t->skel) == 0)
		return PHISH_LOOK_HOMOGLYPH;
	if (n >= 5 && phish_distance(label, t->label, k) <= k)
		return PHISH_LOOK_TYPO;
	if (n >= 5 && phish_has_token(ace, t->label))
		return PHISH_LOOK_EMBED;
	return PHISH_LOOK_NONE;
}

enum phish_look
phish_lookalike(const struct phish *ph, struct arena *a, const char *domain,
    const char **target_r)
{
	static const int rank[] = {
		[PHISH_LOOK_NONE] = 0, [PHISH_LOOK_EMBED] = 1,
		[PHISH_LOOK_SUFFIX] = 2, [PHISH_LOOK_TYPO] = 3,
		[PHISH_LOOK_HOMOGLYPH] = 4, [PHISH_LOOK_SELF] = 5
	};
	enum phish_look best = PHISH_LOOK_NONE, k;
	const char *ace, *org, *dot, *label, *suffix, *skel, *why;
	size_t i;

	if (target_r != NULL)
		*target_r = NULL;
	if (ph == NULL || domain == NULL ||
	    (ace = addr_domain_ace(a, domain, &why)) == NULL)
		return PHISH_LOOK_NONE;
	for (i = 0; i < ph->ntgt; i++)
		if (phish_is_sub(ace, ph->tgt[i].domain)) {
			if (target_r != NULL)
				*target_r = ph->tgt[i].domain;
			return PHISH_LOOK_SELF;
		}
	org = phish_org_domain(a, ace);
	dot = strchr(org, '.');
	label = dot != NULL ? arena_strndup(a, org, (size_t)(dot - org)) : org;
	suffix = dot != NULL ? dot + 1 : "";
	skel = phish_skeleton(a, phish_ulabel(a, label));
	for (i = 0; i < ph->ntgt; i++) {
		k = phish_look_one(&ph->tgt[i], ace, org, label, suffix, skel);
		if (rank[k] > rank[best]) {
			best = k;
			if (target_r != NULL)
				*target_r = ph->tgt[i].domain;
		}
	}
	return best;
}

/*
 * Links.
 */

static int
phish_is_shortener(const struct phish *ph, const char *host)
{
	size_t i;

	for (i = 0; i < ph->nshort; i++)
		if (phish_is_sub(host, ph->shorteners[i]))
			return 1;
	return 0;
}

/* The domain a link's visible text shows, or NULL if it shows none. */
static const char *
phish_text_host(struct arena *a, const char *text)
{
	const char *p = text, *h, *q;
	size_t n;

	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	n = strcspn(p, " \t\r\n");
	/* One token, or text that starts with a URL. */
	if (p[n] != '\0' && !str_has_prefix_ci(p, "http://") &&
	    !str_has_prefix_ci(p, "https://") && !str_has_prefix_ci(p, "www."))
		return NULL;
	if ((h = phish_url_host(a, arena_strndup(a, p, n))) == NULL ||
	    strchr(h, '.') == NULL)
		return NULL;
	for (q = h; *q != '\0'; q++)
		if (!g_ascii_isalnum(*q) && *q != '.' && *q != '-' &&
		    (unsigned char)*q < 0x80)
			return NULL;
	if (!phish_host_is_ip(h) && !phish_has_known_tld(h))
		return NULL;
	return h;
}

/* The host of an absolute http(s) or protocol-relative href. */
static const char *
phish_href_host(struct arena *a, const char *href)
{
	while (*href == ' ' || *href == '\t' || *href == '\n')
		href++;
	if (!str_has_prefix_ci(href, "http://") &&
	    !str_has_prefix_ci(href, "https://") &&
	    !str_has_prefix_ci(href, "www.") && strncmp(href, "//", 2) != 0)
		return NULL;
	return phish_url_host(a, href);
}

unsigned
phish_link(const struct phish *ph, struct arena *a, const char *text,
    const char *href)
{
	const char *hh, *th, *ho, *to, *why;
	unsigned f = 0;

	if (ph == NULL || href == NULL ||
	    (hh = phish_href_host(a, href)) == NULL)
		return 0;
	if (phish_host_is_ip(hh))
		f |= PHISH_LINK_IP;
	else if (phish_is_shortener(ph, hh))
		f |= PHISH_LINK_SHORTENER;
	if (text == NULL || (th = phish_text_host(a, text)) == NULL)
		return f;
	/* Compare A-labels: text may show a U-label. */
	if ((to = addr_domain_ace(a, th, &why)) == NULL)
		to = th;
	if (!phish_host_is_ip(to))
		to = phish_org_domain(a, to);
	ho = phish_host_is_ip(hh) ? hh : phish_org_domain(a, hh);
	if (strcmp(to, ho) != 0)
		f |= PHISH_LINK_MISMATCH;
	return f;
}

/*
 * Correspondents. Keys "corr:LOCAL:ADDR" (an address someone at LOCAL,
 * one of our domains, wrote to) and "corr:LOCAL:@DOMAIN" (a domain we
 * wrote to, not kept for free-mail providers), all lower case ACE.
 */

/* The first address of header field name, or NULL. */
static const struct mail_addr *
phish_first_addr(struct task *t, const char *name)
{
	const struct msg_header *h = msg_header_get(t->msg, name, 0);
	struct mail_addr *v;
	const char *why;
	size_t n;

	if (h == NULL)
		return NULL;
	(void)addr_parse_list(t->a, h->unfolded, h->unfolded_len, &v, &n,
	    &why);
	return n > 0 && v[0].domain_ace != NULL ? &v[0] : NULL;
}

/* "local@ace" in lower case (arena), or NULL. */
static const char *
phish_addr_key(struct arena *a, const struct mail_addr *m)
{
	char *s;

	if (m == NULL || m->domain_ace == NULL || m->local == NULL ||
	    m->local[0] == '\0')
		return NULL;
	s = arena_printf(a, "%s@%s", m->local, m->domain_ace);
	return str_lower(s);
}

/* Recipients of the message: envelope first, else To, Cc, Bcc fields. */
static size_t
phish_rcpts(struct task *t, struct mail_addr *out, size_t max)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	const struct msg_header *h;
	struct mail_addr *v;
	const char *why;
	size_t n = 0, i, k, f, nv;

	for (i = 0; i < t->env.nrcpt && n < max; i++)
		if (t->env.rcpt[i] != NULL && addr_parse_path(t->a,
		    t->env.rcpt[i], &out[n], &why) == 0 &&
		    out[n].domain_ace != NULL)
			n++;
	if (t->env.nrcpt > 0)
		return n;
	for (f = 0; f < 3; f++)
		for (k = 0; (h = msg_header_get(t->msg, fields[f], k)) !=
		    NULL; k++) {
			(void)addr_parse_list(t->a, h->unfolded,
			    h->unfolded_len, &v, &nv, &why);
			for (i = 0; i < nv && n < max; i++)
				if (v[i].domain_ace != NULL)
					out[n++] = v[i];
		}
	return n;
}

static int
phish_learn_fn(void *arg, struct store_rmw *v, size_t n, const char **why_r)
{
	uint32_t ttl = *(const uint32_t *)arg;
	uint32_t slack = ttl / 8 > 86400 ? 86400 : ttl / 8;
	size_t i;

	(void)why_r;
	for (i = 0; i < n; i++) {
		v[i].op = STORE_RMW_KEEP;
		/* Refresh only when a good part of the TTL has passed. */
		if (v[i].is_live && (v[i].ttl == 0 ||
		    v[i].ttl + slack >= ttl))
			continue;
		v[i].op = STORE_RMW_PUT;
		v[i].val->p[0] = '1';
		v[i].val->len = 1;
		v[i].ttl = ttl;
	}
	return 0;
}

/* Add key to v[*n] unless present or too long. */
static void
phish_key(struct store_rmw *v, size_t *n, const char *key)
{
	size_t i, len = strlen(key);

	if (len > STORE_KEY_MAX || *n >= STORE_RMW_MAX)
		return;
	for (i = 0; i < *n; i++)
		if (v[i].klen == len && memcmp(v[i].key, key, len) == 0)
			return;
	v[(*n)++].key = key;
	v[*n - 1].klen = len;
}

int
phish_learn(const struct phish *ph, struct task *t, const char **why_r)
{
	struct mail_addr rc[PHISH_RCPT_MAX], env;
	struct store_rmw v[STORE_RMW_MAX];
	struct buf vb[STORE_RMW_MAX];
	char vmem[STORE_RMW_MAX][8];
	const struct mail_addr *from;
	const char *local = NULL, *a, *why;
	size_t n, i, nk = 0;

	if (ph == NULL || !ph->enabled || t->store == NULL || t->msg == NULL)
		return 0;
	if ((from = phish_first_addr(t, "From")) != NULL)
		local = from->domain_ace;
	else if (t->env.mail_from != NULL && addr_parse_path(t->a,
	    t->env.mail_from, &env, &why) == 0)
		local = env.domain_ace;
	if (local == NULL)
		return 0;
	memset(v, 0, sizeof(v));
	n = phish_rcpts(t, rc, PHISH_RCPT_MAX);
	for (i = 0; i < n; i++) {
		if (strcmp(rc[i].domain_ace, local) == 0)
			continue;	/* internal mail teaches nothing */
		if ((a = phish_addr_key(t->a, &rc[i])) != NULL)
			phish_key(v, &nk, arena_printf(t->a, "corr:%s:%s",
			    local, a));
		if (!phish_is_freemail(rc[i].domain_ace))
			phish_key(v, &nk, arena_printf(t->a, "corr:%s:@%s",
			    local, rc[i].domain_ace));
	}
	if (nk == 0)
		return 0;
	for (i = 0; i < nk; i++) {
		vb[i].p = vmem[i];
		vb[i].len = 0;
		vb[i].cap = sizeof(vmem[i]);
		v[i].val = &vb[i];
		v[i].is_fixed = 1;
	}
	return store_rmw(t->store, v, nk, phish_learn_fn,
	    (void *)(uintptr_t)&ph->ttl, why_r);
}

/* Has anyone at one of the recipients' domains written to from? */
static int
phish_is_known(const struct phish *ph, struct task *t,
    const struct mail_addr *from)
{
	struct mail_addr rc[PHISH_RCPT_MAX];
	const char *loc[PHISH_LOCAL_MAX], *a, *why;
	size_t n, i, k, nl = 0;

	if (t->store == NULL || from == NULL ||
	    (a = phish_addr_key(t->a, from)) == NULL)
		return 0;
	/* A forged From is nobody we know (RFC 9989 DMARC fail). */
	if (t->dmarc != NULL && t->dmarc->result == DMARC_RES_FAIL)
		return 0;
	n = phish_rcpts(t, rc, PHISH_RCPT_MAX);
	for (i = 0; i < n && nl < PHISH_LOCAL_MAX; i++) {
		if (t->env.nrcpt == 0 && !phish_is_own(ph, rc[i].domain_ace, 1))
			continue;	/* header recipients: ours only */
		for (k = 0; k < nl; k++)
			if (strcmp(loc[k], rc[i].domain_ace) == 0)
				break;
		if (k == nl)
			loc[nl++] = rc[i].domain_ace;
	}
	for (i = 0; nl == 0 && i < ph->nself && i < PHISH_LOCAL_MAX; i++)
		loc[i] = ph->own[i];
	if (nl == 0)
		nl = ph->nself < PHISH_LOCAL_MAX ? ph->nself : PHISH_LOCAL_MAX;
	for (i = 0; i < nl; i++) {
		const char *k1 = arena_printf(t->a, "corr:%s:%s", loc[i], a);
		const char *k2 = arena_printf(t->a, "corr:%s:@%s", loc[i],
		    from->domain_ace);

		if (store_get(t->store, k1, strlen(k1), NULL, NULL, &why) == 0)
			return 1;
		if (!phish_is_freemail(from->domain_ace) &&
		    store_get(t->store, k2, strlen(k2), NULL, NULL, &why) == 0)
			return 1;
	}
	return 0;
}

/*
 * The check.
 */

static void	phish_sym(const struct phish *ph, struct task *t,
    enum phish_sym s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add symbol s once, with a reason formatted into the task's arena. */
static void
phish_sym(const struct phish *ph, struct task *t, enum phish_sym s,
    const char *fmt, ...)
{
	va_list ap;
	char *r;

	if (task_symbol_get(t, phish_syms[s].name) != NULL)
		return;
	va_start(ap, fmt);
	r = arena_vprintf(t->a, fmt, ap);
	va_end(ap);
	task_symbol(t, phish_syms[s].name, ph->score[s], "%s", r);
}

static void
phish_domains(const struct phish *ph, struct task *t,
    const struct mail_addr *from)
{
	static const char *const fields[] = { "From", "Reply-To" };
	const struct mail_addr *m;
	enum phish_look k;
	const char *tgt;
	size_t i;

	for (i = 0; i < 2; i++) {
		m = i == 0 ? from : phish_first_addr(t, fields[i]);
		if (m == NULL)
			continue;
		k = phish_lookalike(ph, t->a, m->domain_ace, &tgt);
		if (k == PHISH_LOOK_HOMOGLYPH)
			phish_sym(ph, t, PS_HOMOGLYPH, "%s looks like %s",
			    m->domain_ace, tgt);
		else if (k == PHISH_LOOK_TYPO || k == PHISH_LOOK_SUFFIX ||
		    k == PHISH_LOOK_EMBED)
			phish_sym(ph, t, PS_LOOKALIKE, "%s resembles %s",
			    m->domain_ace, tgt);
	}
}

/* Is from's domain one of the brand's own, and not a forgery? */
static int
phish_brand_ok(const struct phish_name *b, struct task *t, const char *ace)
{
	size_t i;

	if (t->dmarc != NULL && t->dmarc->result == DMARC_RES_FAIL)
		return 0;
	for (i = 0; i < b->ndomains; i++)
		if (phish_is_sub(ace, b->domains[i]) ||
		    strcmp(phish_org_domain(t->a, ace),
		    phish_org_domain(t->a, b->domains[i])) == 0)
			return 1;
	return 0;
}

/* A mail address shown in the display name, with another domain. */
static void
phish_display_addr(const struct phish *ph, struct task *t,
    const struct mail_addr *from)
{
	const char *at = strchr(from->display, '@'), *e, *dom, *why;

	if (at == NULL || msg_header_get(t->msg, "List-Id", 0) != NULL)
		return;
	for (e = at + 1; g_ascii_isalnum(*e) || *e == '.' || *e == '-'; e++)
		;
	while (e > at + 1 && e[-1] == '.')
		e--;
	dom = arena_strndup(t->a, at + 1, (size_t)(e - at - 1));
	if (strchr(dom, '.') == NULL || !phish_has_known_tld(dom) ||
	    (dom = addr_domain_ace(t->a, dom, &why)) == NULL)
		return;
	if (strcmp(phish_org_domain(t->a, dom),
	    phish_org_domain(t->a, from->domain_ace)) != 0)
		phish_sym(ph, t, PS_DISPLAY_ADDR, "display name shows %s, "
		    "address is at %s", dom, from->domain_ace);
}

static void
phish_display(const struct phish *ph, struct task *t,
    const struct mail_addr *from)
{
	char *sk, *p;
	size_t i;

	if (from->display == NULL || from->display[0] == '\0')
		return;
	phish_display_addr(ph, t, from);
	sk = arena_printf(t->a, " %s ", phish_skeleton(t->a, from->display));
	for (p = sk; *p != '\0'; p++)
		if (*p == '.' || *p == '-')
			*p = ' ';
	if (!phish_is_own(ph, from->domain_ace, 1))
		for (i = 0; i < ph->npeople; i++)
			if (strstr(sk, ph->people[i].skel) != NULL) {
				phish_sym(ph, t, PS_PERSON, "display name "
				    "names %s, address is at %s",
				    ph->people[i].name, from->domain_ace);
				break;
			}
	if (phish_is_own(ph, from->domain_ace, 0))
		return;
	for (i = 0; i < ph->nbrands; i++)
		if (strstr(sk, ph->brands[i].skel) != NULL &&
		    !phish_brand_ok(&ph->brands[i], t, from->domain_ace)) {
			phish_sym(ph, t, PS_BRAND, "display name names %s, "
			    "address is at %s", ph->brands[i].name,
			    from->domain_ace);
			break;
		}
}

static void
phish_links(const struct phish *ph, struct task *t)
{
	const struct mime_link *l;
	const char **u;
	size_t n, i;
	unsigned f;

	(void)mime_links(t->msg, &l, &n);
	for (i = 0; i < n && i < PHISH_LINKS_MAX; i++) {
		f = phish_link(ph, t->a, l[i].text, l[i].href);
		if (f & PHISH_LINK_MISMATCH)
			phish_sym(ph, t, PS_LINK_MISMATCH, "link shows %s, "
			    "goes to %s", l[i].text, l[i].href);
		if (f & PHISH_LINK_IP)
			phish_sym(ph, t, PS_LINK_IP, "link to an IP address: "
			    "%s", l[i].href);
		if (f & PHISH_LINK_SHORTENER)
			phish_sym(ph, t, PS_LINK_SHORTENER, "shortened link: "
			    "%s", l[i].href);
	}
	/* Bare URLs in the text too. */
	(void)mime_urls(t->msg, &u, &n);
	for (i = 0; i < n && i < PHISH_LINKS_MAX; i++) {
		f = phish_link(ph, t->a, NULL, u[i]);
		if (f & PHISH_LINK_IP)
			phish_sym(ph, t, PS_LINK_IP, "link to an IP address: "
			    "%s", u[i]);
		if (f & PHISH_LINK_SHORTENER)
			phish_sym(ph, t, PS_LINK_SHORTENER, "shortened link: "
			    "%s", u[i]);
	}
}

static void
phish_lure_syms(const struct phish *ph, struct task *t,
    const struct mail_addr *from)
{
	static const enum phish_sym map[] = { PS_PAYMENT, PS_BANK, PS_WIRE,
	    PS_CREDENTIAL, PS_CREDENTIAL };
	const char *what[PHISH_NLURE] = { NULL }, *text;
	unsigned bits;
	size_t len, i;

	text = mime_text(t->msg, &len);
	if ((bits = phish_lure_match(ph, t->a, text, len, what)) == 0 ||
	    phish_is_known(ph, t, from))
		return;
	for (i = 0; i < PHISH_NLURE; i++)
		if (bits & phish_lure_tab[i].bit)
			phish_sym(ph, t, map[i], "\"%s\" from first-time "
			    "sender %s", what[i] != NULL ? what[i] : "?",
			    from != NULL ? from->domain_ace : "?");
}

int
phish_check(const struct phish *ph, struct task *t, const char **why_r)
{
	const struct mail_addr *from;

	(void)why_r;
	if (ph == NULL || !ph->enabled || t->msg == NULL)
		return 0;
	from = phish_first_addr(t, "From");
	if (from != NULL) {
		phish_domains(ph, t, from);
		phish_display(ph, t, from);
	}
	phish_lure_syms(ph, t, from);
	phish_links(ph, t);
	return 0;
}

void
phish_tag(const struct phish *ph, struct task *t)
{
	const char *tag;
	size_t i, k;

	if (ph == NULL || !ph->enabled || ph->subject_tag == NULL ||
	    ph->subject_tag[0] == '\0' || t->action > ACT_QUARANTINE)
		return;
	for (i = 0; i < t->nsym; i++) {
		for (k = 0; k < PS_COUNT; k++)
			if (phish_syms[k].is_tag &&
			    strcmp(t->sym[i].name, phish_syms[k].name) == 0)
				break;
		if (k < PS_COUNT)
			break;
	}
	if (i == t->nsym)
		return;
	tag = ph->subject_tag;
	if (t->action >= ACT_TAG_SUBJECT && t->subject_tag != NULL &&
	    t->subject_tag[0] != '\0' && strstr(t->subject_tag, tag) == NULL)
		tag = arena_printf(t->a, "%s %s", tag, t->subject_tag);
	if (t->action < ACT_TAG_SUBJECT)
		task_raise(t, ACT_TAG_SUBJECT, NULL, NULL, arena_printf(t->a,
		    "phishing (%s)", t->sym[i].name));
	t->subject_tag = tag;
}
