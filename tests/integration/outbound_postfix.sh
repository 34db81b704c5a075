#!/bin/bash
# Outbound protection end to end: lib.sh's private Postfix with real
# Cyrus SASL users, the real milter and an LMDB store in the temp dir,
# relaying to smtp-sink. Time passes by restarting the milter with a
# later global --now on the same store (Postfix stays up).
#  1. alice (3 messages per minute) sends 3, the 4th gets 451 4.7.1 with
#     a retry hint; at the hinted time she is let through again;
#  2. carol builds a baseline of one message an hour for two hours, then
#     sends 5 in an hour: the milter logs alert=spike ... frozen=yes, her
#     messages go to Postfix's hold queue, and after `mxwarden limits
#     release` her mail is delivered again;
#  3. dave's message with List-Id and no List-Unsubscribe is delivered
#     with the bulk warning header naming what is missing.
# Runs as root (Postfix's master needs it).
set -eu
: "${MXW_BIN:?}" "${MXW_TESTS_DIR:?}"
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_postfix_test outbound_postfix postqueue

P=$(mxw_free_port); MP=$(mxw_free_port); SP=$(mxw_free_port)
T0=1796299200	# 2026-12-03 12:00:00 UTC, the start of an hour

cat >"$WORK/dns.zone" <<'Z'
$ORIGIN mx.test.
@	300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
Z
mkdir "$WORK/store"
chown nobody "$WORK/store"	# opened after dropping privileges
big="messages_per_minute = 100000; messages_per_hour = 100000;
    messages_per_day = 100000; recipients_per_minute = 100000;
    recipients_per_hour = 100000; recipients_per_day = 100000;"
cat >"$WORK/m.conf" <<CF
milter: { authserv_id = "mx.test"; trusted_networks = []; };
greylist: { mode = "off"; };
store: { path = "$WORK/store"; sync = "none"; };
limits: { user: { $big }; domain: { $big }; ip: { $big };
    users = ( { name = "alice@mx.test"; messages_per_minute = 3; } ); };
outbound: { learn_hours = 2; min_volume = 5; spike_factor = 3.0;
    new_domain_burst = 0; freeze = true; };
bulk: { action = "header"; };
CF
GLOBAL="-c $WORK/m.conf --dns-zone $WORK/dns.zone"

mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL --now $T0 ||
    fail "milter did not start"
mxw_sink_start "$SP" "$WORK/sink"
mxw_postfix_start "$P" "$MP" "$SP" || fail "private postfix did not start"
for u in alice carol dave; do
	mxw_postfix_user $u secret-$u
done

# send USER TOKEN [swaks options...]: submit as USER@mx.test; the token
# is in the Subject and the body. Prints swaks' transcript.
send() {
	local u=$1 tok=$2
	shift 2
	swaks --server 127.0.0.1:$P --auth PLAIN --auth-user $u@mx.test \
	    --auth-password secret-$u --from $u@mx.test \
	    --to friend@example.org --h-Subject "$tok" \
	    --body "token $tok end" "$@" 2>&1 || true
}
accepted() { echo "$1" | grep -q '^<- *250 .*queued as'; }
# The milter again, on the same store, with the clock at T0 + $1.
at() {
	mxw_stop_pid "$MPID"
	mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL \
	    --now $((T0 + $1)) || fail "milter did not restart"
}
# Queue ids of held messages whose sender is $1.
held() {
	postqueue -c "$PF_DIR/etc" -j 2>/dev/null |
	    "$PY" -c 'import json, sys
for l in sys.stdin:
    q = json.loads(l)
    if q.get("queue_name") == "hold" and q.get("sender") == sys.argv[1]:
        print(q["queue_id"])' "$1"
}

# 1. Sending limit.
for i in 1 2 3; do
	out=$(send alice alice-$i)
	accepted "$out" || { echo "$out"; fail "alice's message $i refused"; }
done
out=$(send alice alice-4)
want='Sending limit reached (user alice@mx.test: 3 messages per minute)'
echo "$out" | grep -q "<\*\* *451 4\.7\.1 $want; try again in [0-9]* s" ||
    { echo "$out"; fail "4th message in a minute not 451 with a retry hint"; }
wait_s=$(echo "$out" | sed -n 's/.*try again in \([0-9]*\) s.*/\1/p' |
    head -n 1)
[ "$wait_s" -ge 1 ] && [ "$wait_s" -le 60 ] || fail "retry hint '$wait_s' s"
for i in 1 2 3; do
	mxw_delivered "$WORK/sink" "token alice-$i end" >/dev/null ||
	    fail "alice's message $i not delivered"
done
echo "ok 1a alice over 3 messages per minute: 451 4.7.1, try again in $wait_s s"

# carol's first active hour (H0), dave's bulk message.
out=$(send carol carol-h0)
accepted "$out" || { echo "$out"; fail "carol's hour-0 message refused"; }
out=$(send dave dave-bulk --add-header "List-Id: <news.mx.test>" \
    --add-header "Precedence: bulk")
accepted "$out" || { echo "$out"; fail "dave's bulk message refused"; }

at "$wait_s"
out=$(send alice alice-5)
accepted "$out" ||
    { echo "$out"; fail "alice not let through after $wait_s s"; }
mxw_delivered "$WORK/sink" "token alice-5 end" >/dev/null ||
    fail "alice's message after the window not delivered"
mxw_delivered "$WORK/sink" "token alice-4 end" 1 >/dev/null &&
    fail "alice's refused message was delivered"
echo "ok 1b alice let through again after the window"

# 3. The bulk message (sent above).
f=$(mxw_delivered "$WORK/sink" "token dave-bulk end") ||
    fail "dave's bulk message not delivered"
grep -q '^X-Mxwarden-Bulk-Warning:.*List-Unsubscribe' "$f" ||
    { cat "$f"; fail "no bulk warning naming List-Unsubscribe"; }
grep 'from=<dave@mx.test>' "$WORK/milter.log" |
    grep -q 'symbols=.*BULK_NO_LIST_UNSUBSCRIBE' ||
    fail "no BULK_NO_LIST_UNSUBSCRIBE in dave's log line"
echo "ok 3 bulk message without List-Unsubscribe flagged:" \
    "$(grep '^X-Mxwarden-Bulk-Warning:' "$f")"

# 2. carol: one message in H1, then five in H2 (baseline 1, factor 3,
# min_volume 5): the fifth is a spike and freezes the account.
at 3600
out=$(send carol carol-h1)
accepted "$out" || { echo "$out"; fail "carol's hour-1 message refused"; }
at 7200
for i in 1 2 3 4 5 6; do
	out=$(send carol carol-h2-$i)
	accepted "$out" ||
	    { echo "$out"; fail "carol's H2 message $i refused"; }
done
grep -q 'milter alert=spike user=carol@mx.test .*hour_count=5 .*frozen=yes' \
    "$WORK/milter.log" || fail "no spike alert line with frozen=yes"
for i in 1 2 3 4; do
	mxw_delivered "$WORK/sink" "token carol-h2-$i end" >/dev/null ||
	    fail "carol's message $i before the spike not delivered"
done
sleep 1
n=$(held carol@mx.test | wc -l)
[ "$n" -eq 2 ] || { postqueue -c "$PF_DIR/etc" -p;
    fail "$n of carol's messages held, want 2"; }
for i in 5 6; do
	grep -q "token carol-h2-$i end" "$WORK"/sink/* &&
	    fail "carol's message $i delivered while frozen"
done
"$MXW_BIN" --now $((T0 + 7200)) limits show carol@mx.test \
    --path "$WORK/store" >"$WORK/show.txt" || fail "limits show failed"
grep -q '^ *frozen: [0-9]* spike' "$WORK/show.txt" ||
    { cat "$WORK/show.txt"; fail "limits show: not frozen by the spike"; }
echo "ok 2a spike alert logged, account frozen, 2 messages held"

"$MXW_BIN" --now $((T0 + 7200)) limits release carol@mx.test \
    --path "$WORK/store" >"$WORK/release.txt" ||
    { cat "$WORK/release.txt"; fail "limits release failed"; }
"$MXW_BIN" --now $((T0 + 7200)) limits show carol@mx.test \
    --path "$WORK/store" >"$WORK/show2.txt" || fail "limits show failed"
grep -q '^ *frozen: no' "$WORK/show2.txt" ||
    { cat "$WORK/show2.txt"; fail "limits show: still frozen after release"; }
out=$(send carol carol-h2-7)
accepted "$out" || { echo "$out"; fail "carol refused after release"; }
mxw_delivered "$WORK/sink" "token carol-h2-7 end" >/dev/null ||
    fail "carol's message after release not delivered"
n=$(held carol@mx.test | wc -l)
[ "$n" -eq 2 ] || fail "$n held after release, want still 2 (none new)"
echo "ok 2b after limits release carol's mail is delivered, not held"
echo "outbound_postfix: 5 checks passed"
