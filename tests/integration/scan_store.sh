#!/bin/bash
# `mxwarden scan --store DIR` runs the stateful checks from the command
# line against an LMDB store, as the milter does; no services needed.
#  1. greylist.mode = "always": first scan greylist (retry in 300 s),
#     60 s later still greylist (240 s), 400 s later accept;
#  2. without --store the same message is not greylisted (no state);
#  3. a SASL user limited to 2 messages per minute: the third scan in
#     the same second is a tempfail with RATELIMIT_USER, a minute later
#     it passes again;
#  4. the milter's tools read what scan wrote (store dump, limits show).
set -eu
: "${MXW_BIN:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-scanst.XXXXXX")
trap '[ -n "${MXW_KEEP:-}" ] || rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
T0=1796299200

cat >"$WORK/dns.zone" <<'Z'
$ORIGIN sender.example.
@	300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
Z
cat >"$WORK/m.conf" <<'CF'
milter: { trusted_networks = []; };
greylist: { mode = "always"; };
limits: { users = ( { name = "alice@mx.test"; messages_per_minute = 2; } ); };
CF
cat >"$WORK/in.eml" <<'M'
From: Sam <sam@sender.example>
To: bob@example.org
Subject: inbound
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <in1@sender.example>

Hello.
M
cat >"$WORK/out.eml" <<'M'
From: Alice <alice@mx.test>
To: friend@example.org
Subject: outbound
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <out1@mx.test>

Hello.
M
# scan_in SECONDS [scan options...]: the inbound message at T0+SECONDS.
scan_in() {
	local s=$1
	shift
	"$MXW_BIN" -c "$WORK/m.conf" --dns-zone "$WORK/dns.zone" \
	    --now $((T0 + s)) scan "$@" --ip 192.0.2.7 \
	    --helo mx.sender.example --sender sam@sender.example \
	    --rcpt bob@example.org "$WORK/in.eml"
}
scan_out() {
	"$MXW_BIN" -c "$WORK/m.conf" --dns-zone "$WORK/dns.zone" \
	    --now $((T0 + $1)) scan --store "$WORK/store" \
	    --auth-user alice@mx.test --sender alice@mx.test \
	    --rcpt friend@example.org "$WORK/out.eml"
}
expect() {	# expect OUTPUT ACTION [PATTERN]
	echo "$1" | grep -q "^action: $2\$" ||
	    { echo "$1"; fail "want action $2"; }
	[ -z "${3:-}" ] || echo "$1" | grep -q -- "$3" ||
	    { echo "$1"; fail "want '$3'"; }
}

# 1. Greylisting with state.
expect "$(scan_in 0 --store "$WORK/store")" greylist "retry in 300s"
expect "$(scan_in 60 --store "$WORK/store")" greylist "retry in 240s"
expect "$(scan_in 400 --store "$WORK/store")" accept GREYLIST_PASS
echo "ok 1 scan --store greylists, too early, then passes"

# 2. No store: no greylisting, nothing remembered.
out=$(scan_in 0)
expect "$out" accept
if echo "$out" | grep -q GREYLIST; then
	echo "$out"
	fail "greylist without a store"
fi
echo "ok 2 without --store no greylisting"

# 3. Sending limit of an authenticated user.
expect "$(scan_out 0)" accept
expect "$(scan_out 0)" accept
expect "$(scan_out 0)" tempfail "RATELIMIT_USER .*2 messages per minute"
expect "$(scan_out 60)" accept
echo "ok 3 scan --store --auth-user enforces the per-user limit"

# 4. The store as the milter's tools see it.
"$MXW_BIN" --now $((T0 + 400)) store dump grey:t: --path "$WORK/store" |
    grep -q 'sam@sender.example\\x20bob@example.org [0-9]* P\\x20' ||
    fail "store dump: no passed triplet"
"$MXW_BIN" -c "$WORK/m.conf" --now $((T0 + 60)) limits show \
    alice@mx.test --path "$WORK/store" >"$WORK/show.txt" ||
    fail "limits show failed"
grep -q 'hour count: 4' "$WORK/show.txt" ||
    { cat "$WORK/show.txt"; fail "limits show: want hour count 4"; }
echo "ok 4 store dump and limits show read what scan wrote"
echo "scan_store: 4 cases passed"
