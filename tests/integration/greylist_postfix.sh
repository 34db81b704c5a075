#!/bin/bash
# Greylisting end to end: a private Postfix (lib.sh) with the real milter,
# greylist.mode = "always" and an LMDB store in the temp dir, relaying to
# smtp-sink. Time passes by restarting the milter with a later global
# --now on the same store; Postfix stays up (smtpd opens a new milter
# connection for every SMTP session).
#  1. first attempt: 451 4.7.1 with a retry hint (300 s);
#  2. the same triplet 60 s later: still 451, hint 240 s;
#  3. 400 s after the first: accepted and delivered to the sink; the
#     store holds the triplet as passed.
# Runs as root (Postfix's master needs it).
set -eu
: "${MXW_BIN:?}" "${MXW_TESTS_DIR:?}"
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_postfix_test greylist_postfix

P=$(mxw_free_port); MP=$(mxw_free_port); SP=$(mxw_free_port)
T0=1796299200	# 2026-12-03 12:00:00 UTC

# The sender's domain publishes no DMARC (a DMARC pass is never
# greylisted); an SPF record that allows loopback keeps the score low.
cat >"$WORK/dns.zone" <<'Z'
$ORIGIN sender.example.
@	300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
Z
mkdir "$WORK/store"
chown nobody "$WORK/store"	# opened after dropping privileges
cat >"$WORK/m.conf" <<CF
milter: { authserv_id = "mx.test"; trusted_networks = []; };
greylist: { mode = "always"; };
store: { path = "$WORK/store"; sync = "none"; };
CF
GLOBAL="-c $WORK/m.conf --dns-zone $WORK/dns.zone"

mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL --now "$T0" ||
    fail "milter did not start"
mxw_sink_start "$SP" "$WORK/sink"
mxw_postfix_start "$P" "$MP" "$SP" || fail "private postfix did not start"

send() {
	swaks --server 127.0.0.1:$P --from alice@sender.example \
	    --to bob@example.org --h-Subject "greylist test $1" \
	    --body "attempt $1" 2>&1 || true
}
# The milter again, on the same store, with the clock at T0 + $1.
later() {
	mxw_stop_pid "$MPID"
	mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL \
	    --now $((T0 + $1)) || fail "milter did not restart"
}

# 1. First attempt.
out=$(send 1)
echo "$out" | grep -q '<\*\* *451 4\.7\.1 .*try again in 300 seconds' ||
    { echo "$out"; fail "first attempt not 451 4.7.1 with a retry hint"; }
echo "ok 1 first attempt 451 4.7.1, try again in 300 seconds"

# 2. Sixty seconds later: too early.
later 60
out=$(send 2)
echo "$out" | grep -q '<\*\* *451 4\.7\.1 .*try again in 240 seconds' ||
    { echo "$out"; fail "early retry not 451 with the rest of the delay"; }
echo "ok 2 retry after 60 s still 451, try again in 240 seconds"

# 3. 400 s after the first attempt: inside the retry window.
later 400
out=$(send 3)
echo "$out" | grep -q '<- *250 ' ||
    { echo "$out"; fail "retry in the window not accepted"; }
f=$(mxw_delivered "$WORK/sink" "attempt 3") ||
    fail "retry in the window not delivered to the sink"
grep -q '^Subject: greylist test 3' "$f" || fail "wrong message delivered"
if grep -l -e "attempt [12]" "$WORK"/sink/* >/dev/null 2>&1; then
	fail "a greylisted attempt reached the sink"
fi
mxw_stop_pid "$MPID"; MPID=""
dump=$("$MXW_BIN" --now $((T0 + 400)) store dump grey:t: \
    --path "$WORK/store") || fail "store dump failed"
# dump escapes the spaces in keys and values as \x20.
echo "$dump" |
    grep -q 'alice@sender.example\\x20bob@example.org [0-9]* P\\x20' ||
    { echo "$dump"; fail "triplet not recorded as passed"; }
grep -q 'action=greylist' "$WORK/milter.log" ||
    fail "milter log has no greylist verdict"
echo "ok 3 retry after 400 s delivered; triplet passed in the store"
echo "greylist_postfix: 3 cases passed"
