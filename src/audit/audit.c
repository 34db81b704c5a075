/*
 * The audit's catalogue of checks (docs/check.md, derived from the
 * project's CHECKS.md), the severity of each under each profile, the
 * finding model and the order a run takes: DNS first, the SMTP probes of
 * every MX address started in parallel threads, the record checks (SPF
 * RFC 7208, DMARC RFC 9989, DKIM RFC 6376, MTA-STS RFC 8461, TLS-RPT
 * RFC 8460, DNSBL RFC 5782) while they run, then the checks that need
 * the probes (STARTTLS RFC 3207, certificates, DANE RFC 7672).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_priv.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define P	AUDIT_PASS
#define I	AUDIT_INFO
#define W	AUDIT_WARN
#define F	AUDIT_FAIL
#define E	AUDIT_ERROR
#define S	AUDIT_SKIP
/* A check with one severity, and one whose severity depends on profile. */
#define C1(id, cat, title, refs, d, fix) \
	{ id, cat, title, refs, { d, d, d, d }, fix }
#define C4(id, cat, title, refs, d, s, b, p, fix) \
	{ id, cat, title, refs, { d, s, b, p }, fix }

static const struct audit_check audit_checks[] = {
	/* DNS, DNSSEC */
	C1("dns.domain.exists", "dns", "Domain exists", "RFC 1034 4.3.2", F,
	    "Register the domain or fix its delegation so that SOA and NS "
	    "answer."),
	C1("dns.ns.count", "dns", "At least two name servers",
	    "RFC 1034 4.1; RFC 2182 5", W,
	    "Add a second authoritative name server (a secondary)."),
	C1("dns.ns.diversity", "dns", "Name servers in different networks",
	    "RFC 2182 3.1", I,
	    "Put a secondary name server in another network (/24)."),
	C1("dns.ns.consistency", "dns", "Parent and child NS sets agree",
	    "RFC 1034 4.2.2", W,
	    "Make the NS records at the registrar equal those in the zone."),
	C4("dns.ns.ipv6", "dns", "Name servers reachable over IPv6",
	    "RFC 3901", I, F, I, I,
	    "Give at least two name servers an IPv6 address (AAAA)."),
	C1("dns.ns.allowlist", "dns", "Name servers are the expected ones",
	    "local policy", W,
	    "Remove name servers not in check.ns_allow, or add them."),
	C1("dns.soa.values", "dns", "SOA timers in recommended ranges",
	    "RFC 1912 2.2", I,
	    "Use refresh 1200-43200 s, retry < refresh, expire 1209600-"
	    "2419200 s, minimum 300-86400 s."),
	C1("dns.txt.cname_conflict", "dns", "No CNAME beside other data",
	    "RFC 1034 3.6.2; RFC 2181 10.1", F,
	    "Remove the CNAME or the other records at that name."),
	C4("dnssec.domain.signed", "dnssec", "Domain is DNSSEC-signed",
	    "RFC 4033; RFC 4035", W, F, W, W,
	    "Sign the zone and publish its DS record at the registrar."),
	C1("dnssec.domain.valid", "dnssec", "DNSSEC validates",
	    "RFC 4035 5", F,
	    "Re-sign the zone or fix the DS at the parent: validating "
	    "resolvers refuse these answers."),
	C4("dnssec.mx.signed", "dnssec", "MX host names are signed",
	    "RFC 7672 2.2", W, F, W, W,
	    "Sign the zones of the MX host names (needed for DANE)."),
	C1("dnssec.mx.valid", "dnssec", "MX host names validate",
	    "RFC 4035 5", F,
	    "Fix the signatures or DS of the MX host's zone."),
	C1("dnssec.algorithms", "dnssec", "Current DNSSEC algorithms",
	    "RFC 8624 3.1, 3.3", W,
	    "Roll to algorithm 13 (ECDSA P-256) or 8 (RSA/SHA-256) and a "
	    "SHA-256 DS."),
	C1("dnssec.nsec3.params", "dnssec", "NSEC3 without extra work",
	    "RFC 9276 3.1", I,
	    "Use NSEC3 iterations 0 and an empty salt (or NSEC)."),
	C1("dnssec.rrsig.expiry", "dnssec", "Signatures far from expiry",
	    "RFC 4035 5.3.1", W,
	    "Check the signer: signatures must be refreshed well before "
	    "they expire."),
	/* MX and reverse DNS */
	C4("mx.present", "mx", "MX records published", "RFC 5321 5.1", W, W,
	    W, I, "Publish MX records, or a null MX (\"0 .\") if the domain "
	    "receives no mail."),
	C1("mx.null.exclusive", "mx", "Null MX stands alone", "RFC 7505 3",
	    F, "Remove the other MX records, or the null MX."),
	C1("mx.null.consistent", "mx", "Null MX domain sends no mail",
	    "RFC 7505 4; RFC 7208; RFC 9989", W,
	    "Publish \"v=spf1 -all\" and a DMARC record with p=reject."),
	C1("mx.target.hostname", "mx", "MX targets are host names",
	    "RFC 5321 5.1; RFC 7505 3", F,
	    "Point the MX at a host name with A/AAAA records, not an "
	    "address."),
	C1("mx.target.not_alias", "mx", "MX targets are not CNAMEs",
	    "RFC 2181 10.3; RFC 5321 5.1", W,
	    "Point the MX at the canonical name the CNAME leads to."),
	C1("mx.target.resolves", "mx", "MX targets have addresses",
	    "RFC 5321 5.1", F,
	    "Publish A/AAAA records for the MX hosts or fix the MX."),
	C1("mx.target.public", "mx", "MX addresses are public",
	    "RFC 6890", W,
	    "Use public addresses for MX hosts; private ones are "
	    "unreachable from the Internet."),
	C1("mx.duplicates", "mx", "No MX host listed twice", "RFC 5321 5.1",
	    I, "Remove the duplicate MX record."),
	C1("mx.redundancy", "mx", "More than one MX host or address",
	    "RFC 5321 5.1", I, "Consider a second MX host (a backup)."),
	C1("mx.allowlist", "mx", "MX hosts are the expected ones",
	    "local policy", W, "Remove MX hosts not in check.mx_allow, or "
	    "add them there."),
	C4("mx.ipv6.address", "mx", "MX hosts have IPv6 addresses",
	    "RFC 3974", I, F, I, I, "Give every MX host an AAAA record."),
	C4("mx.ipv6.reach", "mx", "MX hosts reachable over IPv6",
	    "RFC 3974", I, F, I, I,
	    "Open port 25 on the MX hosts' IPv6 addresses."),
	C1("rdns.mx.ptr", "rdns", "MX addresses have PTR records",
	    "RFC 1912 2.1", W,
	    "Ask the owner of the address block (hosting provider) to set "
	    "a PTR to the MX name."),
	C1("rdns.mx.fcrdns", "rdns", "MX reverse DNS confirms forward",
	    "RFC 8601 2.7.3", W,
	    "Make the PTR name resolve back to the same address."),
	C1("rdns.mx.banner", "rdns", "SMTP banner names the host",
	    "RFC 5321 4.3.1", I,
	    "Set the MTA's host name (Postfix myhostname) to the PTR name."),
	C4("rdns.sender.fcrdns", "rdns", "Sending IPs have FCrDNS",
	    "RFC 8601 2.7.3", W, W, F, W,
	    "Give each outbound IP a PTR to a non-generic name that "
	    "resolves back to it."),
	/* SMTP, STARTTLS, certificates */
	C1("smtp.reach", "smtp", "MX hosts accept connections",
	    "RFC 5321 3.1", F,
	    "Open TCP port 25 and make the MTA listen on the MX addresses."),
	C1("smtp.greeting.time", "smtp", "Timely greeting",
	    "RFC 5321 4.5.3.2", I,
	    "Greeting and EHLO took over 10 s: check postscreen delays, "
	    "DNS on the server, or tarpitting."),
	C1("smtp.starttls.offered", "smtp", "STARTTLS offered and working",
	    "RFC 3207", F,
	    "Enable STARTTLS (Postfix: smtpd_tls_security_level = may and "
	    "a certificate)."),
	C1("smtp.tls.version", "smtp", "Only TLS 1.2 and 1.3",
	    "RFC 8996; RFC 8446", F,
	    "Disable TLS 1.0/1.1 (Postfix: smtpd_tls_protocols = >=TLSv1.2)."),
	C1("smtp.tls.ciphers", "smtp", "Good cipher suites", "RFC 9325 4.2",
	    F, "Accept only ECDHE with AES-GCM or ChaCha20 in TLS 1.2 "
	    "(Postfix: smtpd_tls_ciphers = high, tls_high_cipherlist = "
	    "ECDHE+AESGCM:ECDHE+CHACHA20)."),
	C1("smtp.tls.cipher_order", "smtp", "Server cipher preference",
	    "RFC 9325 4.2", I, "Prefer the server's order (Postfix: "
	    "tls_preempt_cipherlist = yes) or drop the weaker suites."),
	C1("smtp.tls.kex_params", "smtp", "Key exchange parameters",
	    "RFC 9325 4.3; RFC 7919", F, "Drop static RSA key exchange "
	    "(Postfix: smtpd_tls_exclude_ciphers = kRSA), use DH groups of "
	    "2048 bits or more and the curves P-256, P-384, X25519."),
	C1("smtp.tls.kex_hash", "smtp", "Key exchange signature hash",
	    "RFC 9155", W, "Refuse SHA-1 signatures (OpenSSL security "
	    "level 1 or more does)."),
	C1("smtp.tls.compression", "smtp", "No TLS compression",
	    "RFC 9325 3.3", F, "Disable TLS compression (CRIME)."),
	C1("smtp.tls.secure_reneg", "smtp", "Secure renegotiation",
	    "RFC 5746", F, "Upgrade the MTA's TLS library."),
	C1("smtp.tls.client_reneg", "smtp", "Client renegotiation limited",
	    "RFC 9325", I, "Refuse client-initiated renegotiation "
	    "(Postfix: tls_ssl_options = NO_RENEGOTIATION)."),
	C1("smtp.tls.zero_rtt", "smtp", "No 0-RTT early data",
	    "RFC 8446 8", F, "Disable TLS 1.3 early data on the MTA."),
	C4("smtp.tls.ems", "smtp", "Extended master secret",
	    "RFC 7627", W, F, W, W,
	    "Upgrade the TLS library of the MTA (EMS is on by default in "
	    "current OpenSSL)."),
	C1("smtp.cert.trust", "smtp", "Certificate chain trusted",
	    "RFC 5280 6; RFC 8461 4.2", I,
	    "Use a certificate from a public CA and send the intermediate "
	    "certificates (Postfix: smtpd_tls_chain_files)."),
	C1("smtp.cert.hostname", "smtp", "Certificate names the MX host",
	    "RFC 6125 6; RFC 8461 4.2", I,
	    "Get a certificate whose subjectAltName covers the MX host "
	    "name."),
	C1("smtp.cert.expiry", "smtp", "Certificate valid for 30 days",
	    "RFC 5280 4.1.2.5", F,
	    "Renew the certificate and reload the MTA; automate renewal."),
	C1("smtp.cert.pubkey", "smtp", "Strong certificate key",
	    "RFC 9325 4.5", F,
	    "Use an RSA key of at least 3072 bits or ECDSA P-256/P-384."),
	C1("smtp.cert.signature", "smtp", "Certificate signature hash",
	    "RFC 9155; RFC 6194", F,
	    "Reissue the certificate with a SHA-256 signature."),
	C1("smtp.caa", "smtp", "CAA records for MX names", "RFC 8659", I,
	    "Publish CAA \"0 issue\" for the CA that issues the MX "
	    "certificates."),
	C1("smtp.relay.closed", "smtp", "No open relay", "RFC 5321 7.1", F,
	    "Refuse recipients in other domains unless the client "
	    "authenticates (Postfix: reject_unauth_destination)."),
	C1("smtp.postmaster", "smtp", "postmaster accepted",
	    "RFC 5321 4.5.1", W, "Accept postmaster@ of every mail domain "
	    "(an alias to a person)."),
	C1("smtp.vrfy_expn", "smtp", "VRFY disabled", "RFC 5321 7.3", I,
	    "Disable VRFY (Postfix: disable_vrfy_command = yes)."),
	/* DANE */
	C4("dane.tlsa.present", "dane", "TLSA records for MX hosts",
	    "RFC 7672 2", I, F, I, I,
	    "Publish DNSSEC-signed TLSA records (3 1 1) at _25._tcp.<mx>."),
	C1("dane.tlsa.denial", "dane", "TLSA absence is authenticated",
	    "RFC 7672 2.2", F,
	    "Fix the zone's NSEC/NSEC3 so that the absence of TLSA "
	    "validates."),
	C1("dane.tlsa.usage", "dane", "Usable TLSA parameters",
	    "RFC 7672 3.1.3; RFC 7671 5", W,
	    "Use TLSA usage 3 (DANE-EE) or 2 (DANE-TA), selector 1, "
	    "matching type 1."),
	C1("dane.tlsa.match", "dane", "TLSA matches the certificate",
	    "RFC 7672 3; RFC 6698 2.1", F,
	    "Update the TLSA records to the current key (publish the next "
	    "key's TLSA before rolling)."),
	C1("dane.tlsa.rollover", "dane", "TLSA rollover prepared",
	    "RFC 7671 8.1", I,
	    "Publish a second TLSA for the next key (3 1 1) or the issuing "
	    "CA (2 1 1)."),
	/* MTA-STS, TLS-RPT */
	C1("mtasts.record.present", "mtasts", "MTA-STS record published",
	    "RFC 8461 3.1", I,
	    "Publish _mta-sts TXT \"v=STSv1; id=...\" and a policy file."),
	C1("mtasts.record.single", "mtasts", "One MTA-STS record",
	    "RFC 8461 3.1", F, "Keep exactly one v=STSv1 record."),
	C1("mtasts.record.syntax", "mtasts", "MTA-STS record syntax",
	    "RFC 8461 3.1", F,
	    "Write \"v=STSv1; id=20250101T000000\" (id: 1-32 letters and "
	    "digits)."),
	C1("mtasts.policy.fetch", "mtasts", "MTA-STS policy fetched",
	    "RFC 8461 3.3", F,
	    "Serve https://mta-sts.<domain>/.well-known/mta-sts.txt "
	    "directly (200, no redirect) with a valid certificate for "
	    "mta-sts.<domain>."),
	C1("mtasts.policy.media_type", "mtasts", "Policy is text/plain",
	    "RFC 8461 3.2", W, "Serve the policy as Content-Type text/plain."),
	C1("mtasts.policy.syntax", "mtasts", "Policy syntax",
	    "RFC 8461 3.2", F,
	    "Write version: STSv1, mode, max_age and one mx line per MX."),
	C1("mtasts.policy.mode", "mtasts", "Policy enforced", "RFC 8461 5",
	    W, "Move to mode: enforce once TLS-RPT reports are clean."),
	C1("mtasts.policy.max_age", "mtasts", "Policy max_age long enough",
	    "RFC 8461 3.2", W, "Use max_age of at least 604800 (a week)."),
	C1("mtasts.policy.mx_coverage", "mtasts", "Policy covers every MX",
	    "RFC 8461 4.1", F,
	    "Add an mx: line for every MX host (or a *. pattern)."),
	C1("mtasts.mx.tls", "mtasts", "MX hosts meet the policy",
	    "RFC 8461 4.2", F,
	    "Every MX in the policy needs STARTTLS and a trusted "
	    "certificate for its name."),
	C1("mtasts.tlsrpt.paired", "mtasts", "TLS-RPT with MTA-STS/DANE",
	    "RFC 8460 1", W,
	    "Publish _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:...\"."),
	C1("tlsrpt.record.present", "tlsrpt", "TLS-RPT record published",
	    "RFC 8460 3", I,
	    "Publish _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:...\"."),
	C1("tlsrpt.record.single", "tlsrpt", "One TLS-RPT record",
	    "RFC 8460 3", F, "Keep exactly one v=TLSRPTv1 record."),
	C1("tlsrpt.record.syntax", "tlsrpt", "TLS-RPT record syntax",
	    "RFC 8460 3", F,
	    "Write \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\"."),
	C1("tlsrpt.rua.mailto_mx", "tlsrpt", "TLS-RPT mailbox receives mail",
	    "RFC 8460 3", W,
	    "Use a rua mailbox in a domain that accepts mail."),
	/* SPF */
	C1("spf.record.present", "spf", "SPF record published",
	    "RFC 7208 4.4", F,
	    "Publish one TXT record \"v=spf1 ... -all\" listing your "
	    "senders."),
	C1("spf.record.single", "spf", "One SPF record", "RFC 7208 3.2", F,
	    "Merge the SPF records into one (two make a permerror)."),
	C1("spf.record.prefix", "spf", "SPF record starts v=spf1",
	    "RFC 7208 4.5", F, "Start the record exactly with \"v=spf1 \"."),
	C1("spf.record.type99", "spf", "No SPF RR type", "RFC 7208 3.1", I,
	    "Remove the type-99 SPF record; only TXT is used."),
	C1("spf.record.senderid", "spf", "No Sender ID record",
	    "RFC 7208 A", I, "Remove the spf2.0 record (Sender ID is "
	    "obsolete)."),
	C1("spf.record.strings", "spf", "SPF record size", "RFC 7208 3.3-3.4",
	    W, "Keep each string <= 255 bytes and the record <= 450 bytes "
	    "(use include:)."),
	C1("spf.syntax", "spf", "SPF syntax", "RFC 7208 4.6; RFC 7208 12", F,
	    "Correct the term shown (a syntax error is a permerror)."),
	C1("spf.lookups", "spf", "At most 10 DNS lookups",
	    "RFC 7208 4.6.4", F,
	    "Remove includes you no longer use, or replace them with ip4:/"
	    "ip6:."),
	C1("spf.mx.names", "spf", "mx terms name at most 10 hosts",
	    "RFC 7208 4.6.4", F, "Replace the mx term with ip4:/ip6: terms."),
	C1("spf.void_lookups", "spf", "At most 2 void lookups",
	    "RFC 7208 4.6.4", F,
	    "Remove terms pointing at names that do not exist."),
	C1("spf.include.loop", "spf", "No include loop", "RFC 7208 5.2", F,
	    "Remove the include that leads back."),
	C1("spf.redirect.loop", "spf", "No redirect loop", "RFC 7208 6.1",
	    F, "Remove the redirect that leads back."),
	C1("spf.include.target", "spf", "Include targets have SPF",
	    "RFC 7208 5.2", F,
	    "Fix or remove the include: its target has no single valid SPF "
	    "record."),
	C1("spf.include.duplicate", "spf", "No duplicate includes",
	    "RFC 7208 4.6.4", I, "Remove the repeated include."),
	C4("spf.all.qualifier", "spf", "Restrictive all", "RFC 7208 5.1",
	    W, W, W, F, "End the record with -all (or ~all while testing)."),
	C1("spf.all.position", "spf", "all is the last mechanism",
	    "RFC 7208 5.1; RFC 7208 6.1", W,
	    "Move all to the end; terms after it are never used."),
	C1("spf.multiple", "spf", "At most one redirect/exp/all",
	    "RFC 7208 6", F, "Keep one redirect=, one exp= and one all."),
	C1("spf.ptr", "spf", "No ptr mechanism", "RFC 7208 5.5", W,
	    "Replace ptr with ip4:/ip6: or a:/include: terms."),
	C1("spf.broad_cidr", "spf", "No very broad address ranges",
	    "RFC 7208 5.6", W,
	    "Narrow the range to the addresses that really send."),
	C1("spf.a_mx.targets", "spf", "a/mx terms have targets",
	    "RFC 7208 5.3-5.4", W, "Remove a/mx terms with no addresses."),
	C1("spf.exp", "spf", "exp target has one TXT", "RFC 7208 6.2", I,
	    "Publish one TXT record at the exp= target or remove exp=."),
	C4("spf.parked", "spf", "Parked domain SPF is v=spf1 -all",
	    "RFC 7208; M3AAWG parked domains", S, S, S, F,
	    "Publish exactly \"v=spf1 -all\"."),
	/* DMARC */
	C1("dmarc.record.present", "dmarc", "DMARC record applies",
	    "RFC 9989 4.10", F,
	    "Publish _dmarc TXT \"v=DMARC1; p=none; rua=mailto:...\" and "
	    "tighten p after reading the reports."),
	C1("dmarc.record.single", "dmarc", "One DMARC record",
	    "RFC 9989 4.10.1", F, "Keep exactly one v=DMARC1 record."),
	C1("dmarc.record.location", "dmarc", "DMARC record where expected",
	    "RFC 9989 4.10", W,
	    "Publish DMARC only at _dmarc.<domain>, SPF only at the domain."),
	C1("dmarc.record.unrelated", "dmarc", "No other TXT at _dmarc",
	    "RFC 9989 4.10.1", W, "Remove the other TXT records at _dmarc."),
	C1("dmarc.record.whitespace", "dmarc", "Record starts v=DMARC1",
	    "RFC 9989 4.7", W,
	    "Start the record exactly with \"v=DMARC1;\"."),
	C1("dmarc.syntax", "dmarc", "DMARC syntax", "RFC 9989 4.7", F,
	    "Fix the tag shown; receivers ignore or reject invalid values."),
	C1("dmarc.tags.unknown", "dmarc", "No unknown tags", "RFC 9989 4.7",
	    I, "Remove tags receivers do not know."),
	C1("dmarc.tags.legacy", "dmarc", "No removed RFC 7489 tags",
	    "RFC 9989 A", I, "Remove pct, rf and ri; use t=y for testing."),
	C1("dmarc.p.present", "dmarc", "Explicit p tag", "RFC 9989 4.7", W,
	    "Add p=none, p=quarantine or p=reject right after v=DMARC1."),
	C1("dmarc.p.order", "dmarc", "p follows v", "RFC 7489 6.4", I,
	    "Put p= right after v=DMARC1 (some old receivers need it)."),
	C4("dmarc.policy.enforced", "dmarc", "Policy is enforced",
	    "RFC 9989 4.7", W, F, W, F,
	    "Move to p=quarantine, then p=reject, once reports show all "
	    "your mail aligned."),
	C1("dmarc.policy.testing", "dmarc", "Not in testing mode",
	    "RFC 9989 4.7", W, "Remove t=y once the reports are clean."),
	C1("dmarc.sp.weaker", "dmarc", "sp not weaker than p",
	    "RFC 9989 4.7", W, "Set sp= at least as strict as p= or drop it."),
	C1("dmarc.np.weaker", "dmarc", "np not weaker than p",
	    "RFC 9989 4.7", W, "Set np=reject (nonexistent subdomains send "
	    "no mail)."),
	C4("dmarc.rua.present", "dmarc", "Aggregate reports requested",
	    "RFC 9989 4.7", W, W, F, W,
	    "Add rua=mailto:dmarc-reports@<domain> to receive reports."),
	C1("dmarc.rua.syntax", "dmarc", "rua URIs valid", "RFC 9989 4.7", F,
	    "Write each rua entry as mailto:address."),
	C1("dmarc.rua.authorized", "dmarc", "External rua authorized",
	    "RFC 9990 3", W,
	    "Ask the report receiver to publish <domain>._report._dmarc."
	    "<their domain> TXT \"v=DMARC1\"."),
	C1("dmarc.rua.deliverable", "dmarc", "rua domain receives mail",
	    "RFC 5321 5.1", W, "Use a report address in a domain with MX."),
	C1("dmarc.rua.count", "dmarc", "At most two rua URIs",
	    "RFC 9990 2", I, "Keep at most two report destinations."),
	C1("dmarc.ruf", "dmarc", "Failure reports", "RFC 9991", I,
	    "Few receivers send failure reports and they carry personal "
	    "data; remove ruf unless you need it."),
	C1("dmarc.fo", "dmarc", "fo values", "RFC 9991 3", I,
	    "Use one of fo=0, 1, d, s (only with ruf)."),
	C1("dmarc.alignment", "dmarc", "Alignment modes", "RFC 9989 4.4",
	    I, NULL),
	C1("dmarc.psd", "dmarc", "psd=y only for public suffixes",
	    "RFC 9989 4.7", W, "Remove psd=y: it is for registries only."),
	C4("dmarc.parked", "dmarc", "Parked domain rejects everything",
	    "RFC 9989; M3AAWG parked domains", S, S, S, F,
	    "Publish \"v=DMARC1; p=reject; sp=reject; np=reject\"."),
	/* DKIM */
	C4("dkim.domainkey.exists", "dkim", "_domainkey exists",
	    "RFC 6376 3.6.2.1", W, W, W, S,
	    "Publish the DKIM keys of your senders at <selector>._domainkey."),
	C4("dkim.selector.found", "dkim", "A DKIM key is published",
	    "RFC 6376 3.6.2.1", W, W, F, S,
	    "Publish the key of each signing service; pass its selector "
	    "with --selector."),
	C1("dkim.key.single", "dkim", "One key record per selector",
	    "RFC 6376 3.6.2.2", F, "Keep one TXT record per selector."),
	C1("dkim.key.syntax", "dkim", "Key record syntax",
	    "RFC 6376 3.6.1", F,
	    "Re-publish the record the signer generated, without added "
	    "quotes or spaces."),
	C1("dkim.key.revoked", "dkim", "Key not revoked", "RFC 6376 3.6.1",
	    I, "Remove the revoked selector once no mail signed with it is "
	    "in transit."),
	C1("dkim.key.rsa_size", "dkim", "RSA key of 2048 bits or more",
	    "RFC 8301 3.2", F, "Generate a 2048-bit RSA (or ed25519) key."),
	C1("dkim.key.hash", "dkim", "Key allows SHA-256", "RFC 8301 3.1", F,
	    "Remove h=sha1 from the key record."),
	C1("dkim.key.testing", "dkim", "Key not in testing mode",
	    "RFC 6376 3.6.1", W, "Remove t=y from the key record."),
	C1("dkim.key.service", "dkim", "Key usable for email",
	    "RFC 6376 3.6.1", W, "Remove s= or set s=email."),
	C1("dkim.report.fail", "dkim", "Selectors passing in reports",
	    "RFC 9990", W, NULL),
	/* BIMI, DNSBL */
	C1("bimi.record.syntax", "bimi", "BIMI record syntax",
	    "draft-brand-indicators-for-message-identification", F,
	    "Write \"v=BIMI1; l=https://...svg; a=https://...pem\"."),
	C1("bimi.dmarc.precondition", "bimi", "DMARC enforced for BIMI",
	    "draft-brand-indicators-for-message-identification", F,
	    "BIMI needs p=quarantine or reject (and sp) on the domain."),
	C1("bimi.svg.profile", "bimi", "SVG Tiny PS logo",
	    "draft-svg-tiny-ps-abrotman", F,
	    "Export the logo as SVG Tiny 1.2 Portable/Secure: version=\"1.2\" "
	    "baseProfile=\"tiny-ps\" on <svg>, a <title>, no scripts, no "
	    "external links, no x/y on <svg>, a square viewBox, at most "
	    "32 KB; serve it at l= without redirects."),
	C1("bimi.cert.valid", "bimi", "Mark certificate valid",
	    "draft-brand-indicators-for-message-identification", W, NULL),
	C1("rbl.ip.mx", "rbl", "MX addresses not blocklisted",
	    "RFC 5782 2", W,
	    "Find out why the address is listed (compromised host, "
	    "open relay) and ask the list for removal."),
	C4("rbl.ip.sender", "rbl", "Sending IPs not blocklisted",
	    "RFC 5782 2", W, W, F, W,
	    "Find out why the address is listed and ask for removal."),
	C1("rbl.domain", "rbl", "Domain not blocklisted", "RFC 5782 2", W,
	    "Ask the list for removal after removing the abuse."),
	C1("rbl.query.health", "rbl", "Blocklists answered", "RFC 5782 2",
	    E, "Use your own recursive resolver or a data-query key; public "
	    "resolvers are refused."),
};
#define NCHECKS	(sizeof(audit_checks) / sizeof(audit_checks[0]))

static const char *const status_names[] = {
	"pass", "info", "warn", "fail", "error", "skip", "not-met"
};
static const char *const profile_names[] = {
	"default", "strict", "bulk-sender", "parked"
};

const char *
audit_status_str(enum audit_status s)
{
	return (unsigned)s <= AUDIT_NOT_MET ? status_names[s] : "?";
}

const char *
audit_profile_str(enum audit_profile p)
{
	return (unsigned)p < AUDIT_NPROF ? profile_names[p] : "?";
}

int
audit_profile_parse(const char *s, enum audit_profile *p_r)
{
	size_t i;

	for (i = 0; i < AUDIT_NPROF; i++)
		if (strcmp(s, profile_names[i]) == 0) {
			*p_r = (enum audit_profile)i;
			return 0;
		}
	return -1;
}

const struct audit_check *
audit_catalogue(size_t *n_r)
{
	*n_r = NCHECKS;
	return audit_checks;
}

const struct audit_check *
audit_check_find(const char *id)
{
	size_t i;

	for (i = 0; i < NCHECKS; i++)
		if (strcmp(audit_checks[i].id, id) == 0)
			return &audit_checks[i];
	return NULL;
}

/* Rank for "worst host": fail > error > warn > info > pass > skip. */
static int
rank(enum audit_status s)
{
	static const int r[] = { 1, 2, 3, 5, 4, 0, 0 };

	return (unsigned)s <= AUDIT_NOT_MET ? r[s] : 0;
}

enum audit_status
audit_worse(enum audit_status a, enum audit_status b)
{
	return rank(b) > rank(a) ? b : a;
}

enum audit_status
audit_sev(struct audit_ctx *x, const char *id)
{
	const struct audit_check *c = audit_check_find(id);

	if (c == NULL)
		panic("audit: unknown check id %s", id);
	return c->sev[x->o->profile];
}

static struct audit_finding *
find_or_new(struct audit_ctx *x, const struct audit_check *c, int *is_new)
{
	struct audit_report *r = x->rep;
	struct audit_finding *nf;
	size_t i;

	*is_new = 0;
	for (i = 0; i < r->n; i++)
		if (r->f[i].check == c)
			return &r->f[i];
	if (r->n == x->cap) {
		x->cap = x->cap == 0 ? 64 : x->cap * 2;
		nf = arena_calloc(x->a, x->cap, sizeof(*nf));
		if (r->n > 0)
			memcpy(nf, r->f, r->n * sizeof(*nf));
		r->f = nf;
	}
	*is_new = 1;
	nf = &r->f[r->n++];
	memset(nf, 0, sizeof(*nf));
	nf->check = c;
	return nf;
}

struct audit_finding *
audit_add(struct audit_ctx *x, const char *id, enum audit_status st,
    const char *fix, const char *fmt, ...)
{
	const struct audit_check *c = audit_check_find(id);
	struct audit_finding *f;
	va_list ap;
	int is_new;

	if (c == NULL)
		panic("audit: unknown check id %s", id);
	if (st == AUDIT_NOT_MET)
		st = c->sev[x->o->profile];
	f = find_or_new(x, c, &is_new);
	/* "-" marks a finding opened for its evidence, not yet judged. */
	if (!is_new && rank(st) < rank(f->status) &&
	    strcmp(f->message, "-") != 0)
		return f;
	f->status = st;
	va_start(ap, fmt);
	f->message = arena_vprintf(x->a, fmt, ap);
	va_end(ap);
	if (st == AUDIT_PASS || st == AUDIT_SKIP || st == AUDIT_ERROR)
		f->fix = fix;
	else
		f->fix = fix != NULL ? fix : c->fix;
	return f;
}

void
audit_ev(struct audit_ctx *x, struct audit_finding *f, const char *fmt, ...)
{
	const char **nv, *line;
	va_list ap;
	size_t i;

	if (f->nevidence >= AUDIT_EVIDENCE_MAX)
		return;
	va_start(ap, fmt);
	line = arena_vprintf(x->a, fmt, ap);
	va_end(ap);
	for (i = 0; i < f->nevidence; i++)
		if (strcmp(f->evidence[i], line) == 0)
			return;
	nv = arena_calloc(x->a, f->nevidence + 1, sizeof(*nv));
	if (f->nevidence > 0)
		memcpy(nv, f->evidence, f->nevidence * sizeof(*nv));
	nv[f->nevidence] = line;
	f->evidence = nv;
	f->nevidence++;
}

void
audit_ev_ans(struct audit_ctx *x, struct audit_finding *f,
    const struct dns_answer *ans)
{
	const char *t = dns_type_str(x->a, ans->qtype);
	size_t i;

	for (i = 0; i < ans->ncname; i++)
		audit_ev(x, f, "%s CNAME -> %s", ans->cname[i],
		    i + 1 < ans->ncname ? ans->cname[i + 1] : ans->canon);
	if (ans->rcode != DNS_R_NOERROR) {
		audit_ev(x, f, "%s %s %s%s%s", ans->qname, t,
		    dns_rcode_str(ans->rcode),
		    ans->sec == DNS_SEC_BOGUS ? " (DNSSEC bogus)" : "",
		    ans->why_bogus != NULL ? ans->why_bogus : "");
		return;
	}
	for (i = 0; i < ans->nrr; i++)
		audit_ev(x, f, "%s %s %s", ans->canon, t,
		    dns_rr_str(x->a, &ans->rr[i]));
}

struct dns_answer *
audit_q(struct audit_ctx *x, const char *name, uint16_t type)
{
	struct dns_answer *ans = NULL;
	const char *why;

	if (dns_query(x->res, name, type, x->a, &ans, &why) == -1 ||
	    ans == NULL) {
		if (ans == NULL) {
			ans = arena_zalloc(x->a, sizeof(*ans));
			ans->qname = arena_strdup(x->a, name);
			ans->canon = ans->qname;
			ans->qtype = type;
			ans->rcode = DNS_R_SERVFAIL;
		}
	}
	return ans;
}

void
audit_skip(struct audit_ctx *x, const char *why, ...)
{
	const char *id;
	va_list ap;

	va_start(ap, why);
	while ((id = va_arg(ap, const char *)) != NULL)
		audit_add(x, id, AUDIT_SKIP, NULL, "%s", why);
	va_end(ap);
}

size_t
audit_txts(struct audit_ctx *x, const struct dns_answer *ans,
    const char ***v_r)
{
	const char **v;
	struct dns_str s;
	size_t i, n = 0;

	*v_r = NULL;
	if (ans->rcode != DNS_R_NOERROR || ans->nrr == 0)
		return 0;
	v = arena_calloc(x->a, ans->nrr, sizeof(*v));
	for (i = 0; i < ans->nrr; i++) {
		if (ans->rr[i].type != DNS_T_TXT &&
		    ans->rr[i].type != DNS_T_SPF)
			continue;
		s = dns_txt_join(x->a, &ans->rr[i]);
		v[n++] = s.p;
	}
	*v_r = v;
	return n;
}

int
audit_name_match(const char *pat, const char *name)
{
	size_t lp, ln;
	const char *dot;

	if (strncmp(pat, "*.", 2) != 0)
		return str_casecmp(pat, name) == 0;
	/* "*.example.net": exactly one more label (RFC 8461 4.1). */
	if ((dot = strchr(name, '.')) == NULL || dot == name)
		return 0;
	lp = strlen(pat + 1);
	ln = strlen(dot);
	return lp == ln && str_casecmp(pat + 1, dot) == 0;
}

/* Address ranges an MX must not use (RFC 6890, 6761, 5156). */
int
audit_addr_is_special(const struct audit_addr *ad)
{
	const uint8_t *p = ad->ip;
	static const uint8_t v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ad->af == AF_INET)
		return p[0] == 0 || p[0] == 10 || p[0] == 127 ||
		    (p[0] == 100 && (p[1] & 0xc0) == 64) ||
		    (p[0] == 169 && p[1] == 254) ||
		    (p[0] == 172 && (p[1] & 0xf0) == 16) ||
		    (p[0] == 192 && p[1] == 168) ||
		    (p[0] == 192 && p[1] == 0 && p[2] == 2) ||
		    (p[0] == 198 && (p[1] & 0xfe) == 18) ||
		    (p[0] == 198 && p[1] == 51 && p[2] == 100) ||
		    (p[0] == 203 && p[1] == 0 && p[2] == 113) ||
		    p[0] >= 224;
	return (p[0] & 0xfe) == 0xfc || (p[0] == 0xfe &&
	    (p[1] & 0xc0) == 0x80) || p[0] == 0xff ||
	    (p[0] == 0x20 && p[1] == 0x01 && p[2] == 0x0d &&
	    p[3] == 0xb8) || memcmp(p, v4mapped, 12) == 0 ||
	    (memcmp(p, v4mapped, 10) == 0 && p[10] == 0 && p[11] == 0 &&
	    p[15] <= 1 && p[12] == 0 && p[13] == 0 && p[14] == 0);
}

static int
cmp_finding(const void *pa, const void *pb)
{
	const struct audit_finding *fa = pa, *fb = pb;

	return (fa->check > fb->check) - (fa->check < fb->check);
}

int
audit_run(struct dns_resolver *res, const struct audit_opts *o,
    const char *domain, struct arena *a, struct audit_report **r_r,
    const char **why_r)
{
	struct audit_ctx x;
	struct audit_report *r;
	uint64_t t0 = clock_mono_us();
	char *d;
	size_t n;

	if (dns_name_check(domain, why_r) == -1)
		return -1;
	d = str_lower(arena_strdup(a, domain));
	n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	r = arena_zalloc(a, sizeof(*r));
	r->domain = d;
	r->profile = o->profile;
	r->started_at = clock_now();
	r->is_validating = o->is_validating;
	r->trust_anchor = o->trust_anchor;
	memset(&x, 0, sizeof(x));
	x.a = a;
	x.res = res;
	x.o = o;
	x.domain = d;
	x.rep = r;
	audit_dns(&x);
	if (x.exists) {
		audit_mx_checks(&x);
		audit_probe_start(&x);
		audit_dnssec(&x);
		audit_spf(&x);
		audit_dmarc(&x);
		audit_dkim(&x);
		audit_sts(&x);
		audit_tlsrpt(&x);
		audit_caa(&x);
		audit_bimi(&x);
		audit_rbl(&x);
		audit_probe_join(&x);
		audit_smtp(&x);
		audit_dane(&x);
		audit_sts_mx(&x);
		audit_rdns(&x);
	}
	qsort(r->f, r->n, sizeof(*r->f), cmp_finding);
	r->duration_us = clock_mono_us() - t0;
	*r_r = r;
	return 0;
}

void
audit_summary(const struct audit_report *r, size_t counts[6])
{
	size_t i;

	memset(counts, 0, 6 * sizeof(counts[0]));
	for (i = 0; i < r->n; i++)
		if ((unsigned)r->f[i].status < 6)
			counts[r->f[i].status]++;
}

int
audit_exit_code(const struct audit_report *const *r, size_t n,
    int fail_on_warn)
{
	size_t i, c[6], fail = 0, err = 0, warn = 0;

	for (i = 0; i < n; i++) {
		audit_summary(r[i], c);
		fail += c[AUDIT_FAIL];
		err += c[AUDIT_ERROR];
		warn += c[AUDIT_WARN];
	}
	if (fail > 0)
		return 2;
	if (err > 0)
		return 3;
	if (fail_on_warn && warn > 0)
		return 1;
	return 0;
}
