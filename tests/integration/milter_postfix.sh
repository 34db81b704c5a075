#!/bin/bash
# A private Postfix instance (Debian's binaries, its own config, queue and
# data directories, SMTP on 127.0.0.1 and a free port, real Cyrus SASL)
# with the mxwarden milter and the real pipeline attached, relaying to
# smtp-sink, which writes each delivered message to a file. DNS comes
# from zone files. swaks sends:
#  1. a spoofed From of a p=reject domain: rejected 550 5.7.x;
#  2. a DKIM-signed, SPF-aligned message: delivered, A-R says pass;
#  3. a message forwarded with a valid ARC chain (from the ARC suite)
#     whose sealer is trusted: delivered, DMARC override "forwarded";
#  4. an authenticated submission: delivered DKIM-signed by the milter,
#     and the signature verifies with python3-dkim (independent code).
#  5. an authenticated user sending with a From domain not allowed to
#     her (outbound.allowed_from default rule): rejected 550 5.7.1.
# Runs as root (Postfix's master needs it).
set -eu
: "${MXW_BIN:?}" "${MXW_TESTS_DIR:?}" "${MXW_TESTDATA:?}"
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_postfix_test milter_postfix

P=$(mxw_free_port); MP=$(mxw_free_port); SP=$(mxw_free_port)

# Keys: one for the sender of case 2, one the milter signs with (case 4).
"$MXW_BIN" dkim keygen --domain example.com --selector s1 \
    --out "$WORK/s1.key" >"$WORK/keys.zone"
"$MXW_BIN" dkim keygen --domain example.net --selector out --type ed25519 \
    --out "$WORK/out.key" >>"$WORK/keys.zone"
grep -q 'v=DKIM1' "$WORK/keys.zone" || fail "keygen gave no record"

# The ARC suite's keys and a passing chain; example.org has p=reject.
/usr/bin/python3 "$MXW_TESTS_DIR/data/arc/suite2dir.py" \
    "$MXW_TESTDATA/arc/arc-draft-validation-tests.yml" "$WORK/arc"
arcmsg=$WORK/arc/$(awk -F'\t' '$1 == "cv_pass_i1_1" { print $3 }' \
    "$WORK/arc/cases.tsv")
[ -f "$arcmsg" ] || fail "no cv_pass_i1_1 in the ARC suite"

cat >"$WORK/policy.zone" <<'Z'
$ORIGIN example.com.
@	300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
_dmarc	300 IN TXT "v=DMARC1; p=reject"
$ORIGIN example.org.
_dmarc	300 IN TXT "v=DMARC1; p=reject"
Z
cat >"$WORK/m.conf" <<CF
milter: { authserv_id = "mx.test"; trusted_networks = []; };
dmarc: { trusted_arc_sealers = [ "example.org" ]; };
greylist: { mode = "off"; };
dkim: { signing = ( { domain = "example.net"; selector = "out";
    key = "$WORK/out.key"; algorithm = "ed25519"; } ); };
CF
chmod 644 "$WORK/out.key"	# the milter runs as nobody in this test
"$MXW_BIN" --dns-zone "$WORK/policy.zone" --dns-zone "$WORK/keys.zone" \
    --dns-zone "$WORK/arc/dns.zone" -c "$WORK/m.conf" milter -f \
    --socket "inet:$MP@127.0.0.1" --user nobody 2>"$WORK/milter.log" &
MPID=$!
mxw_sink_start "$SP" "$WORK/sink"
mxw_postfix_start "$P" "$MP" "$SP" || fail "private postfix did not start"
mxw_postfix_user alice secret123

# The delivered file whose content matches $1 (waits up to 10 s).
delivered() {
	local f
	for _ in $(seq 1 50); do
		f=$(grep -l -- "$1" "$WORK"/sink/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.2
	done
	return 1
}

# 1. Spoof: From ceo@example.com (p=reject), unaligned envelope, no DKIM.
out=$(swaks --server 127.0.0.1:$P --from x@attacker.example \
    --h-From ceo@example.com --to bob@example.org 2>&1 ||
    true)
echo "$out" | grep -q '<\*\* *550 5\.7\.' || { echo "$out"; fail "spoof not 550"; }
echo "ok 1 spoofed p=reject From rejected 550"

# 2. Signed by example.com's key and sent from an SPF-allowed address.
cat >"$WORK/m2.eml" <<'M'
From: Alice <alice@example.com>
To: bob@example.org
Subject: case two aligned
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <case2@example.com>

Hello Bob, this one is signed.
M
"$MXW_BIN" dkim sign --domain example.com --selector s1 \
    --key "$WORK/s1.key" "$WORK/m2.eml" >"$WORK/m2.signed"
swaks --server 127.0.0.1:$P --from alice@example.com --to bob@example.org \
    --data "$WORK/m2.signed" >"$WORK/s2.log" 2>&1 || { cat "$WORK/s2.log"; fail "case 2 not accepted"; }
f=$(delivered "case two aligned") || fail "case 2 not delivered"
grep -q '^Authentication-Results: mx.test' "$f" || fail "case 2: no A-R"
ar=$(sed -n '/^Authentication-Results: mx.test/,/^[^ \t]/p' "$f")
for want in "spf=pass" "dkim=pass" "dmarc=pass"; do
	echo "$ar" | grep -q "$want" || { echo "$ar"; fail "case 2: no $want"; }
done
echo "ok 2 aligned signed message delivered, A-R spf/dkim/dmarc=pass"

# 3. Forwarded through a trusted ARC sealer.
swaks --server 127.0.0.1:$P --from list@lists.example.org \
    --to bob@example.org --data "$arcmsg" >"$WORK/s3.log" 2>&1 ||
    { cat "$WORK/s3.log"; fail "case 3 (ARC) not accepted"; }
mid=$(grep -i -m1 '^Message-ID:' "$arcmsg" | sed 's/^[^<]*<\([^>]*\)>.*/\1/')
[ -n "$mid" ] || fail "case 3: the suite message has no Message-ID"
f=$(delivered "$mid") || fail "case 3 not delivered"
ar=$(sed -n '/^Authentication-Results: mx.test/,/^[^ \t]/p' "$f")
echo "$ar" | grep -q "arc=pass" || { echo "$ar"; fail "case 3: no arc=pass"; }
echo "$ar" | grep -q "override=forwarded" || { echo "$ar"; fail "case 3: no override"; }
echo "ok 3 ARC-forwarded message from a trusted sealer delivered"

# 4. Authenticated submission: the milter signs it for example.net.
cat >"$WORK/m4.eml" <<'M'
From: Alice <alice@example.net>
To: carol@example.org
Subject: case four submission
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <case4@example.net>

Sent through submission with SASL.
M
swaks --server 127.0.0.1:$P --auth PLAIN --auth-user alice@mx.test \
    --auth-password secret123 --from alice@example.net \
    --to carol@example.org --data "$WORK/m4.eml" >"$WORK/s4.log" 2>&1 ||
    { cat "$WORK/s4.log"; fail "case 4 not accepted"; }
grep -q "Authentication successful" "$WORK/s4.log" || fail "case 4: SASL failed"
f=$(delivered "case four submission") || fail "case 4 not delivered"
grep -q '^DKIM-Signature:.*d=example.net' "$f" ||
    grep -A3 '^DKIM-Signature:' "$f" | grep -q 'd=example.net' ||
    { cat "$f"; fail "case 4: not signed"; }
v=$(/usr/bin/python3 "$MXW_TESTS_DIR/integration/dkim_py.py" verify \
    "$WORK/keys.zone" "$f")
[ "$v" = "pass" ] || fail "case 4: python3-dkim says '$v'"
echo "ok 4 authenticated submission signed; python3-dkim verifies it"

# 5. Authenticated, but From a domain alice may not use (her login's
#    domain mx.test and the signing domain example.net are allowed).
cat >"$WORK/m5.eml" <<'M'
From: Mallory <mallory@example.com>
To: carol@example.org
Subject: case five forged From
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <case5@example.net>

A stolen password should not send as example.com.
M
out=$(swaks --server 127.0.0.1:$P --auth PLAIN --auth-user alice@mx.test \
    --auth-password secret123 --from alice@example.net \
    --to carol@example.org --data "$WORK/m5.eml" 2>&1 || true)
echo "$out" | grep -q "Authentication successful" || { echo "$out"; fail "case 5: SASL failed"; }
echo "$out" | grep -q '<\*\* *550 5\.7\.1 .*example\.com' ||
    { echo "$out"; fail "case 5: forged From not 550 5.7.1"; }
! grep -q "case five forged From" "$WORK"/sink/* 2>/dev/null ||
    fail "case 5: delivered"
echo "ok 5 authenticated user with a From domain not hers rejected 550"
echo "milter_postfix: 5 cases passed"
