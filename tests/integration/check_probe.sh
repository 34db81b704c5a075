#!/bin/bash
# Integration test of the probes of `mxwarden check` against real parts
# on 127.0.0.1: one private Postfix instance with an smtpd listener per
# certificate case (valid, expiring in a day, wrong host name,
# self-signed, 1024-bit key, no STARTTLS), nginx serving MTA-STS
# policies and BIMI logos over HTTPS (one behind a redirect), certificates from a test
# CA made here with openssl, and the domains in a zone file written here
# (DANE TLSA records included). The clock the audit sees (--now) is set
# three days ahead, so the one-day certificate has expired and the
# ten-day one expires soon. Every probe targets 127.0.0.1 only, through
# --smtp-port HOST=PORT, --https-addr and --https-port.
#
# Needs: MXW_BIN, MXW_TESTS_DIR, postfix, nginx, openssl, /usr/bin/python3.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
for t in postfix openssl "$NGINX"; do
	command -v "$t" >/dev/null || { echo "check_probe: $t missing" >&2
	    exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-check-probe.XXXXXX")
chmod 755 "$WORK"
PF_DIR="$WORK/postfix"
NG_PID=""
cleanup() {
	if [ -d "$PF_DIR/etc" ]; then
		postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || true
		[ -s "$PF_DIR/queue/pid/master.pid" ] &&
		    mxw_stop_pid "$(tr -d ' ' <"$PF_DIR/queue/pid/master.pid")"
	fi
	mxw_stop_pid "$NG_PID"
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=lib.sh
. "$MXW_TESTS_DIR/integration/lib.sh"

fail=0
bad() { echo "FAIL $*"; fail=1; }

# --- Certificates -------------------------------------------------------
C="$WORK/certs"
mkdir -p "$C"
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$C/ca.key" \
    -out "$C/ca.pem" -days 60 -subj "/CN=mxwarden check test CA" \
    2>/dev/null
# leaf NAME SAN KEYOPT DAYS: a certificate for SAN signed by the test CA.
leaf() {
	openssl req -new -newkey "$3" -nodes -keyout "$C/$1.key" \
	    -out "$C/$1.csr" -subj "/CN=${2%%,*}" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n%s\n' \
	    "$2" "extendedKeyUsage=serverAuth" >"$C/$1.ext"
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
	    -CAcreateserial -days "$4" -extfile "$C/$1.ext" \
	    -out "$C/$1.pem" 2>/dev/null
}
leaf v mx-v.probe.test rsa:3072 365
leaf e mx-e.probe.test rsa:3072 1
leaf soon mx-soon.probe.test rsa:3072 10
leaf h other-name.test rsa:3072 365
leaf w mx-w.probe.test rsa:1024 365
openssl ecparam -name prime256v1 -out "$C/p256.param"
leaf sts "mta-sts.v.probe.test,DNS:mta-sts.h.probe.test,DNS:mta-sts.r.probe.test,DNS:bimi.probe.test" \
    "ec:$C/p256.param" 365
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$C/s.key" \
    -out "$C/s.pem" -days 365 -subj "/CN=mx-s.probe.test" \
    -addext "subjectAltName=DNS:mx-s.probe.test" 2>/dev/null
for n in v e soon h w s sts; do
	cat "$C/$n.key" "$C/$n.pem" >"$C/$n.chain"
done
chmod 644 "$C"/*
spki() {
	openssl x509 -in "$1" -pubkey -noout |
	    openssl pkey -pubin -outform DER 2>/dev/null | sha256sum |
	    cut -d' ' -f1
}
TLSA_V=$(spki "$C/v.pem")
TLSA_OTHER=$(spki "$C/e.pem")

# --- Postfix: one smtpd listener per case --------------------------------
declare -A PORT
for n in v e soon h w s n closed g p q o; do
	PORT[$n]=$(mxw_free_port)
done
mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data"
chmod 755 "$PF_DIR"
chown postfix "$PF_DIR/data"
# OpenSSL's system policy (security level 2, TLS 1.2 at least) would
# refuse to load the 1024-bit key: the smtpd of that case alone gets a
# configuration without it, which also lets it accept TLS 1.0.
cat >"$PF_DIR/openssl.cnf" <<EOF
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
CipherString = DEFAULT:@SECLEVEL=0
EOF
cat >"$PF_DIR/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
maillog_file_prefixes = $PF_DIR
maillog_file = $PF_DIR/postfix.log
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx-v.probe.test
mydestination =
alias_maps =
alias_database =
smtpd_tls_security_level = may
smtpd_tls_chain_files = $C/v.chain
smtpd_tls_protocols = >=TLSv1.2
# The opt-in RCPT tests: loopback is not a trusted network here, so only
# the open-relay listener (o) relays; postmaster@g.probe.test is ours.
mynetworks = 192.0.2.1/32
relay_domains = g.probe.test
EOF
{
	grep -v '^smtp      inet' /etc/postfix/master.cf
	for n in v e soon h w s; do
		printf '127.0.0.1:%s inet n - n - - smtpd\n' "${PORT[$n]}"
		printf '  -o smtpd_tls_chain_files=%s\n' "$C/$n.chain"
		printf '  -o myhostname=mx-%s.probe.test\n' "$n"
		[ "$n" != w ] ||
		    printf '  -o tls_config_file=%s\n%s\n' \
		    "$PF_DIR/openssl.cnf" "  -o smtpd_tls_protocols=>=TLSv1" &&
		    printf '%s\n' "  -o smtpd_tls_ciphers=low" \
		    "  -o tls_ssl_options=0x100" \
		    "  -o tls_low_cipherlist=ALL:COMPLEMENTOFALL:@SECLEVEL=0"
	done
	# TLS parameter cases, all with the valid certificate: g accepts
	# only sufficient suites at security level 2; p adds a phase-out
	# suite and follows the client's order, q the same with the
	# server's order; w (above) takes every suite at level 0, 1024-bit
	# DH, SHA-1 signatures, and client renegotiation (OpenSSL's
	# SSL_OP_ALLOW_CLIENT_RENEGOTIATION, 0x100: OpenSSL 3 servers refuse
	# it by default); o is an open relay for loopback clients.
	mxw_pf_listener "${PORT[g]}" "$C/v.chain" mx-g.probe.test \
	    smtpd_tls_ciphers=high tls_preempt_cipherlist=yes \
	    "tls_high_cipherlist=ECDHE+AESGCM:ECDHE+CHACHA20:@SECLEVEL=2"
	mxw_pf_listener "${PORT[p]}" "$C/v.chain" mx-p.probe.test \
	    smtpd_tls_ciphers=high tls_preempt_cipherlist=no \
	    "tls_high_cipherlist=ECDHE+AES+SHA384:ECDHE+AESGCM:@SECLEVEL=2"
	mxw_pf_listener "${PORT[q]}" "$C/v.chain" mx-q.probe.test \
	    smtpd_tls_ciphers=high tls_preempt_cipherlist=yes \
	    "tls_high_cipherlist=ECDHE+AESGCM:ECDHE+AES+SHA384:@SECLEVEL=2"
	mxw_pf_listener "${PORT[o]}" "$C/v.chain" mx-o.probe.test \
	    mynetworks=127.0.0.0/8 \
	    smtpd_relay_restrictions=permit_mynetworks,reject
	printf '127.0.0.1:%s inet n - n - - smtpd\n' "${PORT[n]}"
	printf '  -o smtpd_tls_security_level=none\n'
} >"$PF_DIR/etc/master.cf"
postfix -c "$PF_DIR/etc" check >"$PF_DIR/check.log" 2>&1 || true
postfix -c "$PF_DIR/etc" set-permissions >/dev/null 2>&1 || true
if ! postfix -c "$PF_DIR/etc" start >"$PF_DIR/start.log" 2>&1; then
	cat "$PF_DIR/check.log" "$PF_DIR/start.log" >&2
	exit 1
fi
for n in v e soon h w s n g p q o; do
	mxw_wait_tcp "${PORT[$n]}"
done

# --- nginx: MTA-STS policies ---------------------------------------------
HP=$(mxw_free_port)
NG="$WORK/nginx"
mkdir -p "$NG/www/mta-sts.v.probe.test/.well-known" \
    "$NG/www/mta-sts.h.probe.test/.well-known" "$NG/tmp"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx-v.probe.test\r\nmax_age: 604800\r\n' \
    >"$NG/www/mta-sts.v.probe.test/.well-known/mta-sts.txt"
printf 'version: STSv1\nmode: enforce\nmx: *.probe.test\nmax_age: 86400\n' \
    >"$NG/www/mta-sts.h.probe.test/.well-known/mta-sts.txt"
# BIMI logos: one SVG Tiny PS, one breaking several rules, one over
# 32 KiB; a PEM document stands in for the mark certificate.
mkdir -p "$NG/www/bimi.probe.test"
cat >"$NG/www/bimi.probe.test/good.svg" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 64 64">
<title>Probe</title><rect width="64" height="64" fill="#204080"/>
</svg>
EOF
cat >"$NG/www/bimi.probe.test/bad.svg" <<'EOF'
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.2" baseProfile="tiny" viewBox="0 0 64 32">
<title>Probe</title><script>alert(1)</script>
<image xlink:href="https://tracker.example/p.png" width="1" height="1"/>
</svg>
EOF
{
	head -2 "$NG/www/bimi.probe.test/good.svg"
	printf '<desc>%s</desc>\n' "$(head -c 40000 /dev/zero | tr '\0' x)"
	tail -2 "$NG/www/bimi.probe.test/good.svg"
} >"$NG/www/bimi.probe.test/big.svg"
cp "$C/v.pem" "$NG/www/bimi.probe.test/cert.pem"
chmod -R a+rX "$NG"
cat >"$NG/nginx.conf" <<EOF
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 64; }
http {
	access_log off;
	default_type text/plain;
	client_body_temp_path $NG/tmp;
	server {
		listen 127.0.0.1:$HP ssl;
		server_name mta-sts.v.probe.test mta-sts.h.probe.test
		    bimi.probe.test;
		ssl_certificate $C/sts.pem;
		ssl_certificate_key $C/sts.key;
		root $NG/www/\$host;
	}
	server {
		listen 127.0.0.1:$HP ssl;
		server_name mta-sts.r.probe.test;
		ssl_certificate $C/sts.pem;
		ssl_certificate_key $C/sts.key;
		return 301 https://mta-sts.v.probe.test/.well-known/mta-sts.txt;
	}
}
EOF
"$NGINX" -c "$NG/nginx.conf" -p "$NG" -e "$NG/error.log" ||
    { cat "$NG/error.log" >&2; exit 1; }
for _ in $(seq 1 50); do
	[ -s "$NG/nginx.pid" ] && break
	sleep 0.1
done
NG_PID=$(cat "$NG/nginx.pid")

# --- The domains -----------------------------------------------------------
Z="$WORK/probe.zone"
{
	echo '$TTL 300'
	for d in v e soon h w s n r multi closed g p q o bv bb bo; do
		echo "$d.probe.test. SOA ns.probe.test. h.probe.test. 1 7200 3600 1209600 3600"
		echo "$d.probe.test. TXT \"v=spf1 -all\""
		echo "_dmarc.$d.probe.test. TXT \"v=DMARC1; p=reject\""
	done
	for n in v e soon h w s n closed g p q o; do
		echo "$n.probe.test. MX 10 mx-$n.probe.test."
		echo "mx-$n.probe.test. A 127.0.0.1"
	done
	echo "r.probe.test. MX 10 mx-v.probe.test."
	echo "multi.probe.test. MX 10 mx-v.probe.test."
	echo "multi.probe.test. MX 20 mx-e.probe.test."
	for d in v h r; do
		echo "_mta-sts.$d.probe.test. TXT \"v=STSv1; id=1\""
		echo "mta-sts.$d.probe.test. A 127.0.0.1"
		echo "_smtp._tls.$d.probe.test. TXT \"v=TLSRPTv1; rua=mailto:t@v.probe.test\""
	done
	L=https://bimi.probe.test
	echo "default._bimi.bv.probe.test. TXT \"v=BIMI1; l=$L/good.svg; a=$L/cert.pem\""
	echo "default._bimi.bb.probe.test. TXT \"v=BIMI1; l=$L/bad.svg;\""
	echo "default._bimi.bo.probe.test. TXT \"v=BIMI1; l=$L/big.svg\""
	echo "bimi.probe.test. A 127.0.0.1"
	echo "_25._tcp.mx-v.probe.test. TLSA 3 1 1 $TLSA_V"
	echo "_25._tcp.mx-h.probe.test. TLSA 3 1 1 $TLSA_OTHER"
	echo "_25._tcp.mx-h.probe.test. TLSA 1 0 1 $TLSA_OTHER"
} >"$Z"

NOW=$(($(date +%s) + 3 * 86400))
MAP=""
for n in v e soon h w s n closed g p q o; do
	MAP="$MAP --smtp-port mx-$n.probe.test=${PORT[$n]}"
done
# audit DOMAIN: JSON of the audit in $WORK/DOMAIN.json, exit code in RC.
audit() {
	set +e
	# shellcheck disable=SC2086
	"$MXW_BIN" --dns-zone "$Z" --now "$NOW" check "$1" --json \
	    --ca-file "$C/ca.pem" --https-addr 127.0.0.1 --https-port "$HP" \
	    --timeout 5 $MAP "${@:2}" >"$WORK/$1.json" 2>"$WORK/$1.err"
	RC=$?
	set -e
}
# want DOMAIN ID STATUS [TEXT]: the finding's status (and evidence text).
want() {
	"$PY" - "$WORK/$1.json" "$2" "$3" "${4:-}" <<'EOF' || { bad "$1 $2"; return 0; }
import json, sys
path, cid, want, text = sys.argv[1:5]
doc = json.load(open(path))
f = [c for c in doc["checks"] if c["id"] == cid]
if not f:
    print(f"  {cid}: no finding, want {want}")
    sys.exit(1)
f = f[0]
blob = f["message"] + "\n" + "\n".join(f["evidence"]["records"])
ok = f["status"] == want and text in blob
print(f"{'ok  ' if ok else 'FAIL'} {doc['target']} {cid}: got {f['status']}"
      f", want {want}: {f['message']}")
if not ok:
    for r in f["evidence"]["records"]:
        print("       |", r)
sys.exit(0 if ok else 1)
EOF
}

T0=$(date +%s%N)
audit v.probe.test
T1=$(date +%s%N)
echo "check_probe: full audit of v.probe.test took $(((T1 - T0) / 1000000)) ms (exit $RC)"
want v.probe.test smtp.reach pass
want v.probe.test smtp.starttls.offered pass "TLSv1.3"
want v.probe.test smtp.tls.version pass
want v.probe.test smtp.cert.trust pass
want v.probe.test smtp.cert.hostname pass
want v.probe.test smtp.cert.expiry pass
want v.probe.test smtp.cert.pubkey pass "RSA 3072"
want v.probe.test dane.tlsa.match pass "a TLSA record matches"
want v.probe.test mtasts.policy.fetch pass "HTTP 200"
want v.probe.test mtasts.policy.syntax pass
want v.probe.test mtasts.policy.mode pass
want v.probe.test mtasts.policy.mx_coverage pass
want v.probe.test mtasts.mx.tls pass
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || bad "v.probe.test exit $RC"

audit e.probe.test
want e.probe.test smtp.cert.expiry fail
[ "$RC" -eq 2 ] || bad "e.probe.test: exit $RC, want 2"
audit soon.probe.test
want soon.probe.test smtp.cert.expiry warn
audit h.probe.test
want h.probe.test smtp.cert.hostname fail "other-name.test"
want h.probe.test mtasts.mx.tls fail
want h.probe.test dane.tlsa.match fail
want h.probe.test dane.tlsa.usage warn
audit s.probe.test
want s.probe.test smtp.cert.trust info "self-signed"
want s.probe.test smtp.cert.hostname pass
audit w.probe.test
want w.probe.test smtp.cert.pubkey fail "RSA 1024"
want w.probe.test smtp.tls.version warn "TLS 1.0/1.1 accepted"
audit n.probe.test
want n.probe.test smtp.starttls.offered fail "STARTTLS not in the EHLO"
want n.probe.test smtp.cert.trust skip
audit r.probe.test
want r.probe.test mtasts.policy.fetch fail "Location: https://mta-sts.v.probe.test"
audit closed.probe.test
want closed.probe.test smtp.reach fail "refused"
T0=$(date +%s%N)
audit multi.probe.test
T1=$(date +%s%N)
echo "check_probe: audit of multi.probe.test (2 MX probed in parallel) took $(((T1 - T0) / 1000000)) ms"
want multi.probe.test smtp.cert.expiry fail "mx-e.probe.test"
want multi.probe.test smtp.reach pass "mx-v.probe.test"

# TLS parameters (audit_tls.c) and the opt-in RCPT tests.
T0=$(date +%s%N)
audit g.probe.test --smtp-rcpt-tests
T1=$(date +%s%N)
echo "check_probe: audit of g.probe.test with the TLS scan and RCPT tests took $(((T1 - T0) / 1000000)) ms"
want g.probe.test smtp.tls.ciphers pass "accepted none"
want g.probe.test smtp.tls.cipher_order pass
want g.probe.test smtp.tls.kex_params pass "static RSA key exchange refused"
want g.probe.test smtp.tls.kex_hash pass "SHA-1-only signature algorithms refused"
want g.probe.test smtp.tls.compression pass "compression none"
want g.probe.test smtp.tls.secure_reneg pass "renegotiation_info present"
want g.probe.test smtp.tls.client_reneg pass "0 client-initiated"
want g.probe.test smtp.tls.zero_rtt pass "max_early_data 0"
want g.probe.test smtp.relay.closed pass "unrelated.example>: 454"
want g.probe.test smtp.postmaster pass "postmaster@g.probe.test>: 250"
audit w.probe.test --smtp-rcpt-tests
want w.probe.test smtp.tls.ciphers fail "AES128-SHA"
want w.probe.test smtp.tls.cipher_order info "server chose"
want w.probe.test smtp.tls.kex_params fail "1024-bit group"
want w.probe.test smtp.tls.kex_params fail "static RSA key exchange accepted"
want w.probe.test smtp.tls.kex_hash warn "SHA-1-only signature algorithms accepted"
want w.probe.test smtp.tls.client_reneg info "11 client-initiated"
want w.probe.test smtp.postmaster warn "postmaster@w.probe.test>: 454"
audit p.probe.test
want p.probe.test smtp.tls.ciphers warn "ECDHE-RSA-AES256-SHA384"
want p.probe.test smtp.tls.cipher_order info "server chose ECDHE-RSA-AES256-SHA384"
want p.probe.test smtp.relay.closed skip "opt-in"
audit q.probe.test
want q.probe.test smtp.tls.ciphers warn
want q.probe.test smtp.tls.cipher_order pass "server chose ECDHE-RSA-AES"
audit o.probe.test --smtp-rcpt-tests --no-tls-scan
want o.probe.test smtp.relay.closed fail "unrelated.example>: 250"
want o.probe.test smtp.tls.ciphers skip "--no-tls-scan"
grep -q 'DATA' "$PF_DIR/postfix.log" && bad "a probe sent DATA"

# BIMI: the logo fetched from l= (127.0.0.1 only) and checked.
audit bv.probe.test
want bv.probe.test bimi.record.syntax pass
want bv.probe.test bimi.svg.profile pass "HTTP 200"
want bv.probe.test bimi.cert.valid info "a PEM chain of 1 certificate"
want bv.probe.test bimi.cert.valid info "not validated"
audit bb.probe.test
want bb.probe.test bimi.svg.profile fail 'baseProfile="tiny"'
want bb.probe.test bimi.svg.profile fail "<script>"
want bb.probe.test bimi.svg.profile fail "https://tracker.example/p.png"
want bb.probe.test bimi.svg.profile fail "not square"
want bb.probe.test bimi.cert.valid skip "self-asserted"
audit bo.probe.test
want bo.probe.test bimi.svg.profile fail "over 32768 bytes"
audit bv.probe.test --no-https
want bv.probe.test bimi.svg.profile skip "--no-https"

# Text report: grouped, with the fix line.
"$MXW_BIN" --dns-zone "$Z" --now "$NOW" check h.probe.test --no-color \
    --ca-file "$C/ca.pem" --https-addr 127.0.0.1 --https-port "$HP" \
    $MAP >"$WORK/h.txt" 2>&1 || true
grep -q '^SMTP and TLS$' "$WORK/h.txt" || bad "text: no SMTP group"
grep -q 'FAIL  Certificate names the MX host' "$WORK/h.txt" ||
    bad "text: no hostname failure"
grep -q 'fix: Get a certificate whose subjectAltName' "$WORK/h.txt" ||
    bad "text: no fix line"

if [ "$fail" -ne 0 ]; then
	echo "check_probe: FAILED"
	tail -20 "$PF_DIR/postfix.log" 2>/dev/null || true
	exit 1
fi
echo "check_probe: all cases pass"
