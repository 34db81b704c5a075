/*
 * The table of every setting in mxwarden.conf (DESIGN.md section 4, "One
 * configuration file"). A row gives the dotted path, the type, the
 * default, the limits and one line of documentation; `mxwarden config
 * show` turns the table into the documented sample etc/mxwarden.conf and
 * tests/test_conf.c checks that the sample documents every row.
 *
 * Adding a setting is one row with one of the macros below. Parents come
 * before their children; the members of a list of groups (GROUPS) follow
 * it and are written relative to the group with the list's path as
 * prefix ("dkim.signing.domain"). Defaults are written as an
 * administrator would write them in the file. After adding rows,
 * regenerate the sample with `mxwarden config show > etc/mxwarden.conf`
 * (test_conf fails until then) and the table at the end of
 * docs/configuration.md with `mxwarden config show --reference`.
 */
#include <string.h>

#include "conf/schema.h"

#define NOLIM	0, 0

/* Sections and lists of groups. */
#define GROUP(p, doc) \
	{ p, CONF_GROUP, NULL, NOLIM, NULL, CONF_CK_NONE, 0, NULL, doc }
#define GROUPS(p, max, doc) \
	{ p, CONF_GROUPS, NULL, 0, max, NULL, CONF_CK_NONE, 0, NULL, doc }
/* Scalars with a default. */
#define BOOL(p, d, doc) \
	{ p, CONF_BOOL, d, NOLIM, NULL, CONF_CK_NONE, 0, NULL, doc }
#define INT(p, d, lo, hi, doc) \
	{ p, CONF_INT, d, lo, hi, NULL, CONF_CK_NONE, 0, NULL, doc }
#define FLOAT(p, d, lo, hi, doc) \
	{ p, CONF_FLOAT, d, lo, hi, NULL, CONF_CK_NONE, 0, NULL, doc }
#define DURATION(p, d, lo, hi, doc) \
	{ p, CONF_DURATION, d, lo, hi, NULL, CONF_CK_NONE, 0, NULL, doc }
#define SIZE(p, d, lo, hi, doc) \
	{ p, CONF_SIZE, d, lo, hi, NULL, CONF_CK_NONE, 0, NULL, doc }
#define ENUM(p, d, words, doc) \
	{ p, CONF_ENUM, d, NOLIM, words, CONF_CK_NONE, 0, NULL, doc }
#define STR(p, d, ck, doc) \
	{ p, CONF_STR, d, NOLIM, NULL, ck, 0, NULL, doc }
/* A string without default: unset unless the file sets it. */
#define OPTSTR(p, ck, ex, doc) \
	{ p, CONF_STR, NULL, NOLIM, NULL, ck, 0, ex, doc }
/* A member of a list of groups that each element must set. */
#define REQSTR(p, ck, ex, doc) \
	{ p, CONF_STR, NULL, NOLIM, NULL, ck, CONF_F_REQUIRED, ex, doc }
/* A list of strings; d is "a, b" or NULL for empty; ex is an example. */
#define LIST(p, d, max, ck, ex, doc) \
	{ p, CONF_LIST, d, 0, max, NULL, ck, 0, ex, doc }

#define K	1024.0
#define M	(1024.0 * 1024)
#define G	(1024.0 * 1024 * 1024)
#define MIN	60.0
#define HOUR	3600.0
#define DAY	86400.0

const struct conf_key conf_schema[] = {
	GROUP("log", "Logging."),
	ENUM("log.level", "info", "err|warn|info|debug",
	    "Lowest level written to the log."),
	BOOL("log.syslog", "true",
	    "Log to syslog; false logs to standard error."),
	ENUM("log.facility", "mail",
	    "mail|daemon|user|local0|local1|local2|local3|local4|local5|"
	    "local6|local7", "Syslog facility."),

	GROUP("dns", "The resolver used for SPF, DKIM, DMARC and DNSBL."),
	LIST("dns.servers", NULL, 16, CONF_CK_SERVER, "127.0.0.1@53",
	    "Recursive resolvers as ADDR[@PORT]; empty: /etc/resolv.conf."),
	DURATION("dns.timeout", "5s", 1, 2 * MIN,
	    "Give up on one DNS query after this long (temperror)."),
	BOOL("dns.dnssec", "true",
	    "Validate DNSSEC; answers that fail validation are not used."),
	OPTSTR("dns.trust_anchor", CONF_CK_PATH, "/usr/share/dns/root.key",
	    "DNSSEC root trust anchor file; unset: the built-in root key."),
	LIST("dns.zone_files", NULL, 64, CONF_CK_PATH,
	    "/etc/mxwarden/test.zone",
	    "Answer only from these zone files (offline); others NXDOMAIN."),
	LIST("dns.overlay_files", NULL, 64, CONF_CK_PATH,
	    "/etc/mxwarden/overlay.zone",
	    "Zone files answered before real DNS (what-if records)."),

	GROUP("store", "Where counters, greylisting and history are kept."),
	ENUM("store.backend", "lmdb", "lmdb|redis",
	    "lmdb: one host, embedded; redis: state shared by several."),
	STR("store.path", "/var/lib/mxwarden/store", CONF_CK_PATH,
	    "Directory of the LMDB database."),
	SIZE("store.map_size", "1G", 1 * M, 1024 * G,
	    "Largest size the LMDB database may grow to."),
	/* Reputation issue: durability and sweeping (docs/reputation.md). */
	ENUM("store.sync", "meta", "full|meta|none",
	    "Disk flushes: full each commit, meta data only, none (see docs)."),
	DURATION("store.sweep_interval", "5m", 10, DAY,
	    "The milter deletes expired entries and flushes this often."),
	STR("store.redis_url", "redis://127.0.0.1:6379/0", CONF_CK_URL,
	    "Redis server as redis://HOST[:PORT][/DB] or unix:PATH."),

	GROUP("milter", "The mail filter that Postfix or Sendmail calls."),
	STR("milter.socket", "inet:11332@127.0.0.1", CONF_CK_SOCKET,
	    "Listen on inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH."),
	STR("milter.user", "mxwarden", CONF_CK_NAME,
	    "Run as this user after opening the socket."),
	STR("milter.group", "mxwarden", CONF_CK_NAME,
	    "Run as this group after opening the socket."),
	STR("milter.pidfile", "/run/mxwarden/mxwarden.pid", CONF_CK_PATH,
	    "Write the daemon's process id here."),
	ENUM("milter.safe_action", "tempfail", "tempfail|accept",
	    "Answer when mxwarden fails or times out: retry later or accept."),
	DURATION("milter.timeout", "30s", 1, 10 * MIN,
	    "Time allowed to judge one message before safe_action applies."),
	SIZE("milter.max_scan_bytes", "10M", 64 * K, 1 * G,
	    "Scan at most this much of a message; the rest passes unread."),
	OPTSTR("milter.authserv_id", CONF_CK_DOMAIN, "mx.example.com",
	    "authserv-id in Authentication-Results; unset: the host name."),
	LIST("milter.trusted_networks", "127.0.0.0/8, ::1/128", 1024,
	    CONF_CK_CIDR, NULL,
	    "Clients here are our own users: no inbound checks, DKIM signs."),
	STR("milter.spam_flag_header", "X-Spam-Flag", CONF_CK_HEADER,
	    "Header set to YES on mail at or above actions.add_header."),
	STR("milter.spam_status_header", "X-Spam-Status", CONF_CK_HEADER,
	    "Header carrying the score and the symbols that decided it."),

	GROUP("spf", "Sender Policy Framework (RFC 7208)."),
	BOOL("spf.enabled", "true", "Check SPF of MAIL FROM and HELO."),
	INT("spf.max_lookups", "10", 1, 50,
	    "DNS-querying terms per check (RFC 7208 4.6.4 says 10)."),
	INT("spf.max_void", "2", 0, 20,
	    "Lookups answering nothing before permerror (RFC 7208 4.6.4)."),
	BOOL("spf.reject_fail_at_mail_from", "false",
	    "Reject an SPF fail at MAIL FROM instead of scoring it."),
	BOOL("spf.check_helo", "true",
	    "Also check SPF of the HELO name (RFC 7208 2.3), scored apart."),

	GROUP("dkim", "DomainKeys Identified Mail (RFC 6376, RFC 8463)."),
	BOOL("dkim.verify", "true", "Verify DKIM signatures of inbound mail."),
	INT("dkim.max_signatures", "10", 1, 100,
	    "Verify at most this many signatures per message."),
	INT("dkim.min_rsa_bits", "1024", 512, 8192,
	    "RSA keys shorter than this fail (RFC 8301 3.2)."),
	BOOL("dkim.allow_sha1", "false",
	    "Accept rsa-sha1 signatures (RFC 8301 3.1 forbids them)."),
	DURATION("dkim.clock_skew", "5m", 0, DAY,
	    "Tolerance for t= in the future and x= in the past."),
	GROUPS("dkim.signing", 10000,
	    "Sign outbound mail of these domains (one entry per key)."),
	REQSTR("dkim.signing.domain", CONF_CK_DOMAIN, "example.com",
	    "Domain of the From address to sign for (d=)."),
	REQSTR("dkim.signing.selector", CONF_CK_DOMAIN, "mail2025",
	    "Selector (s=); the key is at SELECTOR._domainkey.DOMAIN."),
	REQSTR("dkim.signing.key", CONF_CK_PATH,
	    "/etc/mxwarden/keys/example.com.mail2025.key",
	    "Private key file (PEM), readable by milter.user only."),
	ENUM("dkim.signing.algorithm", "rsa", "rsa|ed25519",
	    "Key type: rsa (rsa-sha256) or ed25519 (ed25519-sha256)."),

	GROUP("dmarc", "DMARC policy (RFC 9989; RFC 7489 as an option)."),
	BOOL("dmarc.enabled", "true", "Evaluate and enforce DMARC."),
	ENUM("dmarc.rfc", "9989", "9989|7489",
	    "Rules to follow: 9989 (tree walk) or 7489 (public suffix)."),
	ENUM("dmarc.reject_action", "reject", "reject|quarantine|tag|none",
	    "What a failing message of a p=reject domain gets."),
	ENUM("dmarc.quarantine_action", "quarantine", "quarantine|tag|none",
	    "What a failing message of a p=quarantine domain gets."),
	LIST("dmarc.trusted_forwarders", NULL, 1024, CONF_CK_DOMAIN,
	    "lists.example.org",
	    "Mail relayed by these hosts is never rejected by DMARC."),
	LIST("dmarc.trusted_arc_sealers", NULL, 1024, CONF_CK_DOMAIN,
	    "google.com",
	    "ARC seals of these domains may override a DMARC fail."),
	LIST("dmarc.never_reject_domains", NULL, 10000, CONF_CK_DOMAIN,
	    "example.net",
	    "Never reject (only tag) DMARC failures of these From domains."),
	LIST("dmarc.mailing_lists", NULL, 1024, CONF_CK_DOMAIN,
	    "lists.example.org",
	    "List-Id domains whose authenticated mail may override a fail."),

	GROUP("actions", "Score thresholds: what a message's score leads to."),
	FLOAT("actions.greylist", "4.0", -1000, 1000,
	    "Greylist from this score (set above reject to disable)."),
	FLOAT("actions.add_header", "6.0", -1000, 1000,
	    "Add the spam headers from this score."),
	FLOAT("actions.tag_subject", "8.0", -1000, 1000,
	    "Prefix the Subject with subject_tag from this score."),
	FLOAT("actions.quarantine", "10.0", -1000, 1000,
	    "Hold the message in the MTA's quarantine from this score."),
	FLOAT("actions.reject", "15.0", -1000, 1000,
	    "Reject the message at end of DATA from this score."),
	STR("actions.subject_tag", "[SPAM]", CONF_CK_NONE,
	    "Text put before the Subject of tagged mail."),

	/* Reputation issue: greylisting, DNSBL, rDNS, HELO. */
	GROUP("greylist", "Greylisting of (client network, sender, rcpt)."),
	ENUM("greylist.mode", "doubtful", "off|always|doubtful",
	    "always, or only from score actions.greylist (doubtful), or off."),
	DURATION("greylist.min_delay", "5m", 1, DAY,
	    "A retry is accepted once this long after the first attempt."),
	DURATION("greylist.retry_window", "2d", MIN, 30 * DAY,
	    "A retry later than min_delay plus this starts over."),
	DURATION("greylist.lifetime", "35d", HOUR, 365 * DAY,
	    "A triplet that passed is remembered this long after last use."),
	INT("greylist.ipv4_prefix", "24", 8, 32,
	    "IPv4 clients are grouped by this network prefix."),
	INT("greylist.ipv6_prefix", "64", 16, 128,
	    "IPv6 clients are grouped by this network prefix."),
	INT("greylist.auto_allow_after", "5", 0, 1000,
	    "A client network that passed this often is allowed (0: never)."),
	DURATION("greylist.auto_allow_period", "7d", HOUR, 365 * DAY,
	    "How long an auto-allowed client network skips greylisting."),
	LIST("greylist.allow_networks", NULL, 10000, CONF_CK_CIDR,
	    "192.0.2.0/24", "Client networks never greylisted."),
	LIST("greylist.allow_senders", NULL, 10000, CONF_CK_NONE,
	    "example.com",
	    "Envelope senders (address or domain) never greylisted."),
	BOOL("greylist.skip_dmarc_pass", "true",
	    "Do not greylist mail that passes DMARC."),
	FLOAT("greylist.skip_below", "-2.0", -1000, 1000,
	    "Do not greylist mail scoring below this (DNSWL, reputation)."),

	GROUPS("dnsbl", 64, "DNS block and allow lists (RFC 5782)."),
	REQSTR("dnsbl.name", CONF_CK_NONE, "SPAMHAUS_ZEN",
	    "Symbol prefix: hits are RBL_NAME_MEANING."),
	REQSTR("dnsbl.zone", CONF_CK_DOMAIN, "zen.spamhaus.org",
	    "The list's DNS zone."),
	ENUM("dnsbl.type", "ip", "ip|domain",
	    "ip: client address; domain: the names in dnsbl.check."),
	LIST("dnsbl.check", "sender, dkim, helo, url", 4, CONF_CK_NONE, NULL,
	    "Domain lists: which of sender, dkim, helo, url to look up."),
	BOOL("dnsbl.ipv6", "true",
	    "IP lists: also look up IPv6 clients (nibble format)."),
	LIST("dnsbl.codes", "127.0.0.2 LISTED 2.0", 64, CONF_CK_NONE, NULL,
	    "\"CODE MEANING SCORE\"; CODE octets: N, N-M or * (127.0.*.3)."),
	LIST("dnsbl.refused", "127.255.255.*", 16, CONF_CK_NONE, NULL,
	    "Return codes that are errors (query refused), never listings."),
	FLOAT("dnsbl.other_score", "0.0", -1000, 1000,
	    "Score of a 127.0.0.0/8 code not in codes (RBL_NAME_OTHER)."),

	GROUP("rdns", "Reverse DNS of the client (forward-confirmed)."),
	BOOL("rdns.enabled", "true", "Check the client's PTR and FCrDNS."),
	INT("rdns.max_names", "5", 1, 20,
	    "PTR names whose addresses are looked up."),
	LIST("rdns.dynamic_words", "dyn, dynamic, dhcp, pool, ppp, dsl, "
	    "adsl, cable, dialup, broadband, cpe, customer, client", 100,
	    CONF_CK_NONE, NULL,
	    "PTR label words that mark a dynamic (end-user) address."),

	GROUP("helo", "HELO/EHLO name checks."),
	BOOL("helo.enabled", "true",
	    "Check syntax, our own names, and that the name resolves."),
	LIST("helo.own_names", NULL, 100, CONF_CK_DOMAIN, "mx.example.com",
	    "Our names (and the host name); a client claiming one forges."),
	LIST("helo.own_addresses", NULL, 100, CONF_CK_IP, "192.0.2.25",
	    "Our addresses; a client claiming one as literal is forging."),

	GROUP("scores", "Score of each symbol the checks add."),
	FLOAT("scores.spf_pass", "-0.5", -1000, 1000,
	    "SPF pass."),
	FLOAT("scores.spf_fail", "3.0", -1000, 1000,
	    "SPF fail (-all)."),
	FLOAT("scores.spf_softfail", "1.5", -1000, 1000,
	    "SPF softfail (~all)."),
	FLOAT("scores.spf_neutral", "0.0", -1000, 1000,
	    "SPF neutral."),
	FLOAT("scores.spf_none", "0.5", -1000, 1000,
	    "No SPF record."),
	FLOAT("scores.spf_temperror", "0.0", -1000, 1000,
	    "SPF DNS trouble."),
	FLOAT("scores.spf_permerror", "1.0", -1000, 1000,
	    "Broken SPF record."),
	FLOAT("scores.dkim_valid", "-0.5", -1000, 1000,
	    "A DKIM signature verified."),
	FLOAT("scores.dkim_invalid", "1.0", -1000, 1000,
	    "A DKIM signature failed."),
	FLOAT("scores.dkim_temperror", "0.0", -1000, 1000,
	    "DNS trouble fetching a DKIM key."),
	FLOAT("scores.dmarc_pass", "-1.0", -1000, 1000,
	    "DMARC pass."),
	FLOAT("scores.dmarc_policy_reject", "8.0", -1000, 1000,
	    "DMARC fail, p=reject applied."),
	FLOAT("scores.dmarc_policy_quarantine", "5.0", -1000, 1000,
	    "DMARC fail, p=quarantine applied."),
	FLOAT("scores.dmarc_policy_none", "1.0", -1000, 1000,
	    "DMARC fail, p=none (or overridden)."),
	FLOAT("scores.dmarc_na", "0.0", -1000, 1000,
	    "No DMARC record for the From domain."),
	FLOAT("scores.dmarc_temperror", "0.0", -1000, 1000,
	    "DNS trouble in DMARC discovery."),
	FLOAT("scores.dmarc_bad_from", "6.0", -1000, 1000,
	    "From missing, unparseable or without domain."),
	FLOAT("scores.arc_pass", "-0.5", -1000, 1000,
	    "ARC chain cv=pass."),
	FLOAT("scores.arc_fail", "1.0", -1000, 1000,
	    "ARC chain cv=fail."),
	/* Reputation issue. */
	FLOAT("scores.rdns_none", "1.0", -1000, 1000,
	    "The client address has no PTR record."),
	FLOAT("scores.rdns_mismatch", "0.5", -1000, 1000,
	    "No PTR name resolves back to the client (not FCrDNS)."),
	FLOAT("scores.rdns_dynamic", "1.0", -1000, 1000,
	    "The PTR name looks like a dynamic end-user address."),
	FLOAT("scores.helo_bad_syntax", "2.0", -1000, 1000,
	    "HELO is neither an FQDN nor an address literal."),
	FLOAT("scores.helo_ours", "5.0", -1000, 1000,
	    "HELO claims one of our names or addresses."),
	FLOAT("scores.helo_no_resolve", "0.5", -1000, 1000,
	    "The HELO name has no A or AAAA record."),
	FLOAT("scores.helo_literal_mismatch", "1.0", -1000, 1000,
	    "HELO is an address literal other than the client's address."),
	/* SPF of the HELO identity (sender.c). */
	FLOAT("scores.spf_helo_pass", "0.0", -1000, 1000,
	    "SPF pass for the HELO name."),
	FLOAT("scores.spf_helo_fail", "1.0", -1000, 1000,
	    "SPF fail for the HELO name (not scored twice for a null sender)."),
	FLOAT("scores.spf_helo_softfail", "0.5", -1000, 1000,
	    "SPF softfail for the HELO name."),
	/* Phishing (phish.c, docs/phishing.md). */
	FLOAT("scores.phish_payment_new_sender", "3.0", -1000, 1000,
	    "Invoice or payment lure from a first-time correspondent."),
	FLOAT("scores.phish_bank_change_new_sender", "4.0", -1000, 1000,
	    "Changed bank details from a first-time correspondent."),
	FLOAT("scores.phish_wire_new_sender", "3.0", -1000, 1000,
	    "Wire transfer request from a first-time correspondent."),
	FLOAT("scores.phish_credential_new_sender", "3.5", -1000, 1000,
	    "Password, login or account-suspension lure, new sender."),
	FLOAT("scores.phish_lookalike_domain", "4.0", -1000, 1000,
	    "From or Reply-To domain a typo or variant of a protected one."),
	FLOAT("scores.phish_homoglyph_domain", "6.0", -1000, 1000,
	    "From or Reply-To domain with a protected one's skeleton."),
	FLOAT("scores.phish_display_person", "4.0", -1000, 1000,
	    "Display name of one of phishing.people, foreign address."),
	FLOAT("scores.phish_display_brand", "3.0", -1000, 1000,
	    "Display name of one of phishing.brands, foreign address."),
	FLOAT("scores.phish_display_address", "1.5", -1000, 1000,
	    "Display name shows an address of another domain."),
	FLOAT("scores.phish_link_mismatch", "2.5", -1000, 1000,
	    "Link text shows another domain than the link goes to."),
	FLOAT("scores.phish_link_ip", "1.5", -1000, 1000,
	    "Link to a raw IP address."),
	FLOAT("scores.phish_link_shortener", "0.3", -1000, 1000,
	    "Link through a URL shortener (weak)."),

	GROUP("phishing", "Phishing checks (docs/phishing.md)."),
	BOOL("phishing.enabled", "true",
	    "Lures, lookalike domains, display names and links."),
	LIST("phishing.own_domains", NULL, 1000, CONF_CK_DOMAIN, "example.com",
	    "Our domains besides those of dkim.signing (lookalike targets)."),
	LIST("phishing.partners", NULL, 1000, CONF_CK_DOMAIN,
	    "supplier.example", "Partner domains (lookalike targets)."),
	LIST("phishing.people", NULL, 1000, CONF_CK_NONE, "Jane Doe",
	    "Names (executives) that must not come from foreign domains."),
	LIST("phishing.brands", "PayPal:paypal.com paypal.de, "
	    "eBay:ebay.com ebay.de ebay.co.uk, Microsoft:microsoft.com "
	    "office.com outlook.com live.com, Apple:apple.com icloud.com, "
	    "Amazon:amazon.com amazon.de amazon.co.uk amazon.co.jp, "
	    "DHL:dhl.com dhl.de, DocuSign:docusign.com docusign.net, "
	    "Netflix:netflix.com, Bank of America:bankofamerica.com, "
	    "Wells Fargo:wellsfargo.com, Citibank:citibank.com citi.com, "
	    "Barclays:barclays.com barclays.co.uk, HSBC:hsbc.com hsbc.co.uk, "
	    "Sparkasse:sparkasse.de", 1000, CONF_CK_NONE, NULL,
	    "NAME:DOMAIN DOMAIN...: brands for display names and lookalikes."),
	LIST("phishing.shorteners", "bit.ly, tinyurl.com, t.co, goo.gl, "
	    "ow.ly, is.gd, buff.ly, cutt.ly, rebrand.ly, tiny.cc, "
	    "shorturl.at, rb.gy", 1000, CONF_CK_DOMAIN, NULL,
	    "URL shortener domains (PHISH_LINK_SHORTENER)."),
	STR("phishing.subject_tag", "[Pot.Phishing]", CONF_CK_NONE,
	    "Subject tag of a phishing hit, whatever the score (\"\": off)."),
	DURATION("phishing.correspondent_ttl", "365d", DAY, 3650 * DAY,
	    "How long an address we wrote to stays a known correspondent."),

	GROUP("check", "mxwarden check: posture audits of mail domains."),
	ENUM("check.profile", "default", "default|strict|bulk-sender|parked",
	    "Severities to apply (docs/check.md); --profile overrides."),
	LIST("check.domains", NULL, 100000, CONF_CK_DOMAIN, "example.com",
	    "Domains audited by mxwarden check --all (monthly audit)."),
	INT("check.max_mx", "10", 1, 50, "Probe at most this many MX hosts."),
	DURATION("check.timeout", "10s", 1, 2 * MIN,
	    "Give up on one SMTP or HTTPS step after this long."),
	LIST("check.dnsbl", NULL, 32, CONF_CK_DOMAIN, "zen.spamhaus.org",
	    "IP blocklists for MX and outbound addresses (RFC 5782)."),
	LIST("check.domain_bl", NULL, 32, CONF_CK_DOMAIN, "dbl.spamhaus.org",
	    "Domain blocklists for the audited domain."),
	LIST("check.outbound_ips", NULL, 256, CONF_CK_IP, "192.0.2.25",
	    "Our sending addresses: FCrDNS and blocklist checks."),
	LIST("check.ns_allow", NULL, 64, CONF_CK_NONE, "*.ns.example.net",
	    "Expected name servers (names or *.suffix); others warn."),
	LIST("check.mx_allow", NULL, 64, CONF_CK_NONE, "*.mx.example.net",
	    "Expected MX hosts (names or *.suffix); others warn."),
	LIST("check.dkim_selectors", NULL, 64, CONF_CK_DOMAIN, "mail2025",
	    "DKIM selectors to look for besides the common ones."),

	/* Outbound issue: sending limits, compromise detection, bulk. */
#define RATES(p, dm, dh, dd, rm, rh, rd, who) \
	INT(p "messages_per_minute", dm, 0, 1e9, \
	    "Messages per minute " who " (0: no limit)."), \
	INT(p "messages_per_hour", dh, 0, 1e9, \
	    "Messages per hour " who " (0: no limit)."), \
	INT(p "messages_per_day", dd, 0, 1e9, \
	    "Messages per day " who " (0: no limit)."), \
	INT(p "recipients_per_minute", rm, 0, 1e9, \
	    "Recipients per minute " who " (0: no limit)."), \
	INT(p "recipients_per_hour", rh, 0, 1e9, \
	    "Recipients per hour " who " (0: no limit)."), \
	INT(p "recipients_per_day", rd, 0, 1e9, \
	    "Recipients per day " who " (0: no limit).")
	GROUP("limits", "Sending limits for outbound mail (GCRA)."),
	BOOL("limits.enabled", "true",
	    "Enforce the sending limits on outbound mail."),
	ENUM("limits.over_limit_action", "tempfail", "tempfail|quarantine",
	    "Over a limit: 451 4.7.1 (retry later) or hold the message."),
	GROUP("limits.user", "Default limits per authenticated user."),
	RATES("limits.user.", "30", "300", "1000", "100", "1000", "3000",
	    "per user"),
	GROUP("limits.domain", "Default limits per sender domain."),
	RATES("limits.domain.", "120", "2000", "10000", "500", "6000",
	    "30000", "per sender domain"),
	GROUP("limits.ip", "Default limits per client IP address."),
	RATES("limits.ip.", "60", "1000", "5000", "200", "3000", "15000",
	    "per client IP"),
	GROUPS("limits.users", 100000, "Per-user overrides of limits.user."),
	REQSTR("limits.users.name", CONF_CK_NONE, "newsletter@example.com",
	    "The user (SASL login or envelope sender) of this entry."),
	RATES("limits.users.", "=limits.user.messages_per_minute",
	    "=limits.user.messages_per_hour", "=limits.user.messages_per_day",
	    "=limits.user.recipients_per_minute",
	    "=limits.user.recipients_per_hour",
	    "=limits.user.recipients_per_day", "for this user"),
	GROUPS("limits.domains", 100000,
	    "Per-domain overrides of limits.domain."),
	REQSTR("limits.domains.name", CONF_CK_DOMAIN, "example.com",
	    "The sender domain of this entry."),
	RATES("limits.domains.", "=limits.domain.messages_per_minute",
	    "=limits.domain.messages_per_hour",
	    "=limits.domain.messages_per_day",
	    "=limits.domain.recipients_per_minute",
	    "=limits.domain.recipients_per_hour",
	    "=limits.domain.recipients_per_day", "for this domain"),
#undef RATES
	GROUP("outbound", "Compromised-account detection on outbound mail."),
	BOOL("outbound.enabled", "true",
	    "Learn each sender's hourly volume and raise alerts."),
	FLOAT("outbound.spike_factor", "10.0", 1, 1e6,
	    "Alert when an hour's count passes this times the baseline."),
	INT("outbound.min_volume", "50", 1, 1e9,
	    "... and is at least this many messages."),
	INT("outbound.learn_hours", "3", 0, 10000,
	    "Active hours learned before spikes and bursts are judged."),
	INT("outbound.new_domain_burst", "20", 0, 1e6,
	    "Alert at this many never-seen rcpt domains in a window (0: off)."),
	DURATION("outbound.new_domain_window", "1h", MIN, DAY,
	    "The window of new_domain_burst."),
	DURATION("outbound.domain_memory", "90d", DAY, 3650 * DAY,
	    "A recipient domain stays known this long after the last mail."),
	BOOL("outbound.new_network_alert", "true",
	    "Alert when a sender uses a client network (/24, /48) first."),
	BOOL("outbound.freeze", "false",
	    "Hold all mail of a sender after a spike or a new-domain burst."),
	BOOL("outbound.freeze_on_new_network", "false",
	    "Also freeze on the new-network alert."),
	/* From domains of authenticated users (sender.c). */
	BOOL("outbound.from_check", "true",
	    "SASL users may send only with From domains allowed to them."),
	ENUM("outbound.from_action", "reject", "reject|quarantine|symbol",
	    "A From domain not allowed: 550 5.7.1, hold, or a symbol only."),
	ENUM("outbound.from_default", "both", "both|login|signing|any",
	    "Users without an entry: login's domain, dkim.signing's, both."),
	GROUPS("outbound.allowed_from", 100000,
	    "From domains per SASL login (first the exact login, then *@d)."),
	REQSTR("outbound.allowed_from.user", CONF_CK_NONE, "alice@example.com",
	    "The login: user@domain, *@domain, a bare name, or *."),
	LIST("outbound.allowed_from.domains", NULL, 1000, CONF_CK_DOMAIN,
	    "example.com", "From domains this login may use (exact match)."),
	GROUP("bulk", "Rules for outbound bulk mail (RFC 8058, 2024 rules)."),
	INT("bulk.recipient_threshold", "50", 0, 1e6,
	    "A message with this many recipients is bulk (0: never)."),
	LIST("bulk.markers", NULL, 64, CONF_CK_NONE, "X-Campaign",
	    "Header names (\"Name\" or \"Name: text\") that mark bulk mail."),
	ENUM("bulk.action", "header", "none|header|quarantine|tempfail",
	    "When bulk mail misses a requirement."),
	STR("bulk.header", "X-Mxwarden-Bulk-Warning", CONF_CK_HEADER,
	    "Header naming what bulk mail misses (bulk.action = header)."),

	GROUPS("domains", 100000,
	    "Per recipient domain overrides of the actions thresholds."),
	REQSTR("domains.name", CONF_CK_DOMAIN, "example.org",
	    "Recipient domain this entry applies to."),
	FLOAT("domains.greylist", "=actions.greylist", -1000, 1000,
	    "Greylist threshold for this domain."),
	FLOAT("domains.add_header", "=actions.add_header", -1000, 1000,
	    "Add-header threshold for this domain."),
	FLOAT("domains.tag_subject", "=actions.tag_subject", -1000, 1000,
	    "Subject-tag threshold for this domain."),
	FLOAT("domains.quarantine", "=actions.quarantine", -1000, 1000,
	    "Quarantine threshold for this domain."),
	FLOAT("domains.reject", "=actions.reject", -1000, 1000,
	    "Reject threshold for this domain."),
	{ "domains.subject_tag", CONF_STR, "=actions.subject_tag", NOLIM,
	    NULL, CONF_CK_NONE, 0, NULL, "Subject tag for this domain." },

	GROUP("rules", "Content rules in SpamAssassin syntax (docs/rules.md)."),
	BOOL("rules.default_set", "true", "Load mxwarden's built-in rules."),
	LIST("rules.files", NULL, 1000, CONF_CK_PATH,
	    "/etc/mxwarden/rules/local.cf", "More rule files, in order."),
	STR("rules.cache_dir", "/var/cache/mxwarden/rules", CONF_CK_NONE,
	    "Compiled rule databases kept here for fast restarts (\"\": off)."),
	GROUP("routing", "Folder routing through a header (docs/rules.md)."),
	STR("routing.header", "X-Mxwarden-Folder", CONF_CK_HEADER,
	    "Header naming the folder; a Sieve script files by it."),
	STR("routing.junk_folder", "Junk", CONF_CK_NONE,
	    "Folder for mail at or above actions.add_header; \"\": none."),
	GROUP("lists", "Allow and deny lists (docs/rules.md)."),
	LIST("lists.allow", NULL, 100000, CONF_CK_NONE, "domain:example.org",
	    "from:ADDR, domain:D (authenticated), ip:NET, dkim:D [for RCPT]."),
	LIST("lists.deny", NULL, 100000, CONF_CK_NONE, "ip:192.0.2.0/24",
	    "from:ADDR, domain:D, ip:NET, dkim:D [for RCPTDOMAIN]."),
	FLOAT("lists.allow_score", "-20.0", -1000, 1000,
	    "Score of an allow-list match (LIST_ALLOW)."),
	FLOAT("lists.deny_score", "20.0", -1000, 1000,
	    "Score of a deny-list match (LIST_DENY)."),
	/* Attachments and antivirus (attach.c, av.c; docs/attachments.md). */
	GROUP("attachments", "Attachment and archive checks."),
	BOOL("attachments.enabled", "true",
	    "Judge attachments and archive members by name and content."),
	LIST("attachments.extensions", "exe, scr, com, pif, cpl, msi, msp, "
	    "dll, js, jse, vbs, vbe, wsf, wsh, hta, bat, cmd, ps1, psm1, jar, "
	    "lnk, scf, reg, chm, iso, img, vhd, vhdx, one", 256, CONF_CK_NONE,
	    NULL, "Dangerous file name extensions (ATTACH_EXECUTABLE)."),
	LIST("attachments.macro_extensions", "docm, dotm, xlsm, xltm, xlam, "
	    "pptm, potm, ppam, ppsm, sldm", 256, CONF_CK_NONE, NULL,
	    "Macro-enabled Office extensions (ATTACH_MACRO_OFFICE)."),
	INT("attachments.max_depth", "3", 1, 10,
	    "Archive levels opened (a zip in a zip is 2)."),
	INT("attachments.max_members", "1000", 1, 1000000,
	    "Archive members inspected per message."),
	SIZE("attachments.max_bytes", "64M", 1 * M, 4 * G,
	    "Uncompressed archive bytes read per message (zip-bomb guard)."),
	ENUM("attachments.executable_action", "reject",
	    "reject|quarantine|symbol",
	    "Executables, double extensions, bidi names: 550, hold, score."),
	ENUM("attachments.macro_action", "quarantine",
	    "reject|quarantine|symbol", "Office documents with VBA macros."),
	ENUM("attachments.encrypted_action", "symbol",
	    "reject|quarantine|symbol", "Encrypted archives (not inspectable)."),
	FLOAT("attachments.score_executable", "10.0", -1000, 1000,
	    "Score of ATTACH_EXECUTABLE."),
	FLOAT("attachments.score_double_ext", "5.0", -1000, 1000,
	    "Score of ATTACH_DOUBLE_EXT."),
	FLOAT("attachments.score_rtlo", "5.0", -1000, 1000,
	    "Score of ATTACH_RTLO."),
	FLOAT("attachments.score_macro", "5.0", -1000, 1000,
	    "Score of ATTACH_MACRO_OFFICE."),
	FLOAT("attachments.score_encrypted", "4.0", -1000, 1000,
	    "Score of ATTACH_ARCHIVE_ENCRYPTED."),
	FLOAT("attachments.score_mismatch", "3.0", -1000, 1000,
	    "Score of ATTACH_TYPE_MISMATCH."),
	FLOAT("attachments.score_unscannable", "2.0", -1000, 1000,
	    "ATTACH_NESTED_TOO_DEEP, ATTACH_LIMIT, ATTACH_ARCHIVE_BAD."),
	GROUP("antivirus", "ClamAV's clamd, through INSTREAM."),
	BOOL("antivirus.enabled", "false",
	    "Send each inbound message to clamd."),
	STR("antivirus.clamd", "unix:/run/clamav/clamd.ctl", CONF_CK_NONE,
	    "clamd's socket: unix:PATH or tcp:ADDR:PORT (ADDR numeric)."),
	DURATION("antivirus.timeout", "15s", 1, 10 * MIN,
	    "Give up on clamd after this long (then down_action)."),
	SIZE("antivirus.max_bytes", "25M", 64 * K, 4 * G,
	    "Send at most this much; keep within clamd's StreamMaxLength."),
	ENUM("antivirus.action", "reject", "reject|quarantine|symbol",
	    "A virus found: 550 5.7.1, hold, or AV_VIRUS only."),
	ENUM("antivirus.down_action", "tempfail", "tempfail|accept",
	    "clamd down, timed out or failing: 451 4.7.1, or accept."),
	FLOAT("antivirus.score", "20.0", -1000, 1000, "Score of AV_VIRUS."),
};

const size_t conf_nschema = sizeof(conf_schema) / sizeof(conf_schema[0]);

const struct conf_key *
conf_schema_find(const char *path)
{
	size_t i;

	for (i = 0; i < conf_nschema; i++)
		if (strcmp(conf_schema[i].path, path) == 0)
			return &conf_schema[i];
	return NULL;
}

const char *
conf_key_name(const struct conf_key *k)
{
	const char *dot = strrchr(k->path, '.');

	return dot != NULL ? dot + 1 : k->path;
}

int
conf_key_is_child(const struct conf_key *k, const char *parent)
{
	size_t n = strlen(parent);

	if (n == 0)
		return strchr(k->path, '.') == NULL;
	return strncmp(k->path, parent, n) == 0 && k->path[n] == '.' &&
	    strchr(k->path + n + 1, '.') == NULL;
}
