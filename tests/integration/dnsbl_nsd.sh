#!/bin/bash
# DNSBL, domain list and reverse DNS against a real DNS server: NSD
# serves tests/data/reputation/{bl.test,dbl.test,rev}.zone on 127.0.0.1
# (random port, unprivileged) and `mxwarden scan --ip IP --helo NAME`
# through libunbound must show the right symbols: a listed client with
# two codes (SBL and PBL), a Spamhaus-style refused code (never a
# listing), the RFC 5782 test points (127.0.0.2 is listed, so the list
# is healthy and its answers count), a listed sender domain, FCrDNS,
# a PTR that does not point back, a client without PTR, HELO checks.
#
# Needs: MXW_BIN, MXW_TESTS_DIR, nsd, /usr/bin/python3.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
D="$MXW_TESTS_DIR/data/reputation"

# shellcheck source=lib.sh
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_nsd_test dnsbl_nsd

PORT=$(mxw_free_port)
mxw_nsd_start "$PORT" "bl.test=$D/bl.test.zone" "dbl.test=$D/dbl.test.zone" \
    "2.0.192.in-addr.arpa=$D/rev.zone"
echo "dnsbl_nsd: nsd pid $NSD_PID on 127.0.0.1@$PORT"

printf 'From: a@example.org\r\nTo: b@ours.test\r\nSubject: t\r\n\r\nhi\r\n' \
    >"$WORK/msg.eml"

fail=0
# ip helo sender | symbols wanted | symbols not wanted
while IFS='|' read -r env yes no; do
	[ -n "$env" ] || continue
	set -- $env
	out=$("$MXW_BIN" -c "$D/reputation.conf" \
	    --dns-server "127.0.0.1@$PORT" scan --ip "$1" --helo "$2" \
	    --sender "$3" "$WORK/msg.eml" 2>&1) || {
		echo "FAIL $env: scan exited $?: $out"
		fail=1
		continue
	}
	for s in $yes; do
		if ! grep -q "\\b$s\\b" <<<"$out"; then
			echo "FAIL $env: got no $s, want it"
			echo "$out"
			fail=1
		fi
	done
	for s in $no; do
		if grep -q "\\b$s\\b" <<<"$out"; then
			echo "FAIL $env: got $s, want none"
			echo "$out"
			fail=1
		fi
	done
	echo "ok $env"
done <<'CASES'
192.0.2.10 helo.bl.test a@example.org|RBL_TESTBL_SBL RBL_TESTBL_PBL RDNS_FCRDNS|RBL_TESTBL_REFUSED RBL_TESTBL_BROKEN RDNS_MISMATCH HELO_NO_RESOLVE
192.0.2.11 nothere.bl.test a@spam.example|RBL_TESTBL_REFUSED RBL_TESTDBL_SPAM RDNS_MISMATCH RDNS_DYNAMIC HELO_NO_RESOLVE|RBL_TESTBL_SBL RBL_TESTBL_OTHER
192.0.2.12 mx.ours.test a@example.org|RDNS_NONE HELO_OURS|RBL_TESTBL_SBL RBL_TESTBL_REFUSED
192.0.2.12 192.0.2.12 a@example.org|HELO_BAD_SYNTAX|HELO_OURS
CASES

# The test point itself, asked directly: RFC 5782 5 says it is listed.
tp=$("$MXW_BIN" --dns-server "127.0.0.1@$PORT" dns lookup 2.0.0.127.bl.test A \
    2>&1 || true)
if ! grep -q "127.0.0.2" <<<"$tp"; then
	echo "FAIL test point 127.0.0.2 not listed: $tp"
	fail=1
fi
[ "$fail" = 0 ] && echo "dnsbl_nsd: all cases pass"
exit "$fail"
