#!/bin/bash
# The milter killed with SIGKILL under load (lib.sh's private Postfix,
# real SASL, LMDB store in the temp dir):
#  1. inbound mail is greylisted first (greylist.mode = "always"), which
#     writes triplet keys before the load starts;
#  2. two loops of authenticated submissions (swaks) run while the milter
#     is killed with -9 and restarted; each submission answered 250 is
#     "accepted"; submissions during the outage get 4xx from Postfix
#     (milter_default_action = tempfail), never a loss;
#  3. local submissions (sendmail) made while the milter is dead stay in
#     Postfix's queue (non_smtpd_milters, tempfail);
#  4. after the restart: `store stats` and `store dump` read the store,
#     the triplets from before the kill are there, the user's hourly
#     count covers every accepted submission, and after a queue flush
#     every accepted message (SMTP and local) is at the sink, once.
# Runs as root (Postfix's master needs it).
set -eu
: "${MXW_BIN:?}" "${MXW_TESTS_DIR:?}"
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_postfix_test milter_crash postqueue sendmail

P=$(mxw_free_port); MP=$(mxw_free_port); SP=$(mxw_free_port)
T0=1796299200	# 2026-12-03 12:00:00 UTC; one hour for the whole run
N=20		# submissions per load loop

cat >"$WORK/dns.zone" <<'Z'
$ORIGIN sender.example.
@	300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
Z
mkdir "$WORK/store"
chown nobody "$WORK/store"	# opened after dropping privileges
# Limits high enough never to refuse the load, but on: every submission
# is one store transaction (GCRA state and the outbound counters).
big="messages_per_minute = 100000; messages_per_hour = 100000;
    messages_per_day = 100000; recipients_per_minute = 100000;
    recipients_per_hour = 100000; recipients_per_day = 100000;"
cat >"$WORK/m.conf" <<CF
milter: { authserv_id = "mx.test"; trusted_networks = []; };
greylist: { mode = "always"; };
store: { path = "$WORK/store"; sync = "meta"; };
limits: { user: { $big }; domain: { $big }; ip: { $big }; };
CF
GLOBAL="-c $WORK/m.conf --dns-zone $WORK/dns.zone --now $T0"

mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL || fail "milter did not start"
mxw_sink_start "$SP" "$WORK/sink"
mxw_postfix_start "$P" "$MP" "$SP" || fail "private postfix did not start"
mxw_postfix_user alice secret123
sinkcount() { ls "$WORK/sink" | wc -l; }

# 1. Three greylisted inbound attempts: three triplets in the store.
for g in 1 2 3; do
	out=$(swaks --server 127.0.0.1:$P --from g$g@sender.example \
	    --to bob@example.org --body "grey $g" 2>&1 || true)
	echo "$out" | grep -q '<\*\* *451 4\.7\.1' ||
	    { echo "$out"; fail "inbound attempt $g not greylisted"; }
done
echo "ok 1 three inbound attempts greylisted before the load"

# 2. Load: each line of $WORK/loadK.log is "ID CODE" (CODE: the reply
# to the end of data, or "none" when the session failed earlier).
load() {
	local k=$1 i id out code
	for i in $(seq 1 $N); do
		id="load-$k-$i"
		out=$(swaks --server 127.0.0.1:$P --auth PLAIN \
		    --auth-user alice@mx.test --auth-password secret123 \
		    --from alice@mx.test --to "r$i@example.org" \
		    --h-Subject "$id" --body "token $id end" 2>&1 || true)
		code=$(echo "$out" | sed -n \
		    -e 's/^<[-*]* *\([0-9]\{3\}\) .*queued as.*/\1/p' \
		    -e 's/^<\*\* *\(4[0-9][0-9]\) .*/\1/p' | tail -n 1)
		echo "$id ${code:-none}" >>"$WORK/load$k.log"
		# refusals are quick: pace them so the load outlasts the outage
		[ "$code" = 250 ] || sleep 0.3
	done
}
: >"$WORK/load1.log"; : >"$WORK/load2.log"
load 1 & L1=$!
load 2 & L2=$!
EXTRA_PIDS="$L1 $L2"
for _ in $(seq 1 150); do
	[ "$(sinkcount)" -ge 6 ] && break
	sleep 0.1
done
[ "$(sinkcount)" -ge 6 ] || fail "load did not start delivering"
kill -9 "$MPID"
wait "$MPID" 2>/dev/null || true
killed_at=$(cat "$WORK"/load?.log | wc -l)
echo "ok 2 milter killed with SIGKILL after $killed_at submissions"

# 3. Local submissions while the milter is dead stay queued.
for s in 1 2 3; do
	printf '%s\n' "From: alice@mx.test" "To: carol@example.org" \
	    "Subject: local-$s" "" "token local-$s end" |
	    sendmail -C "$PF_DIR/etc" -f alice@mx.test carol@example.org ||
	    fail "sendmail $s refused"
done
sleep 0.5
grep -q "local-" "$WORK"/sink/* 2>/dev/null &&
    fail "a local submission passed without the milter"
echo "ok 3 local submissions accepted by sendmail while the milter is dead"

mxw_milter_start "$MP" "$WORK/milter.log" $GLOBAL ||
    fail "milter did not restart"
wait "$L1" "$L2" || true
EXTRA_PIDS=""

# 4. The store after the kill.
"$MXW_BIN" store stats --path "$WORK/store" >"$WORK/stats.txt" ||
    { cat "$WORK/stats.txt"; fail "store stats failed after the kill"; }
"$MXW_BIN" --now $T0 store dump grey:t: --path "$WORK/store" \
    >"$WORK/grey.txt" || fail "store dump failed after the kill"
for g in 1 2 3; do
	grep -q "g$g@sender.example" "$WORK/grey.txt" ||
	    { cat "$WORK/grey.txt"; fail "triplet $g lost"; }
done
acc=$(cat "$WORK"/load?.log | awk '$2 == 250' | wc -l)
bad=$(cat "$WORK"/load?.log | awk '$2 != 250 && $2 !~ /^4/' | wc -l)
[ "$bad" -eq 0 ] || { cat "$WORK"/load?.log;
    fail "$bad submissions neither 250 nor 4xx"; }
[ "$acc" -gt 6 ] && [ "$acc" -lt $((2 * N)) ] ||
    { cat "$WORK"/load?.log;
    fail "$acc of $((2 * N)) accepted: the kill did not land mid-load"; }
hc=$("$MXW_BIN" --now $T0 --json limits show alice@mx.test \
    --path "$WORK/store" | sed -n 's/.*"hour_count": *\([0-9]*\).*/\1/p')
[ -n "$hc" ] && [ "$hc" -ge "$acc" ] ||
    fail "hour count '$hc' below the $acc accepted submissions"
echo "ok 4 store readable after the kill: triplets kept," \
    "hour count $hc >= $acc accepted"

# 5. Every accepted message arrives, once; refused ones never do.
postqueue -c "$PF_DIR/etc" -f >/dev/null 2>&1 || true
# pickup retries the maildrop when kicked (postqueue -f is for the queue)
postkick -c "$PF_DIR/etc" public pickup W 2>/dev/null || true
postqueue -c "$PF_DIR/etc" -p >"$WORK/queue.txt" 2>&1 || true
want=$((acc + 3))
for _ in $(seq 1 150); do
	[ "$(sinkcount)" -ge "$want" ] && break
	sleep 0.2
done
for id in $(cat "$WORK"/load?.log | awk '{ print $1 "|" $2 }'); do
	n=$(grep -l -e "token ${id%|*} end" "$WORK"/sink/* 2>/dev/null | wc -l)
	case "${id#*|}:$n" in
	250:1) ;;
	250:*) fail "${id%|*} accepted but delivered $n times" ;;
	4*:0) ;;
	*) fail "${id%|*} refused (${id#*|}) but delivered $n times" ;;
	esac
done
for s in 1 2 3; do
	mxw_delivered "$WORK/sink" "token local-$s end" 1 >/dev/null ||
	    { cat "$WORK/queue.txt"; fail "local submission $s lost"; }
done
echo "ok 5 all $acc accepted submissions and 3 queued local ones delivered once"
echo "milter_crash: 5 cases passed"
