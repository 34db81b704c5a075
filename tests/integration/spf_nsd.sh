#!/bin/bash
# Integration test of `mxwarden spf` against a real DNS server: NSD serves
# tests/data/spf/spf.test.zone on 127.0.0.1 (random high port,
# unprivileged, from a temp dir) and for each case below
#   mxwarden --dns-server 127.0.0.1@PORT spf --ip IP --sender ADDR ...
# must print the expected result word first, and its whole output must
# equal that of the same evaluation offline through --dns-zone (RFC 7208
# check_host() must not depend on the resolver). One case is live only:
# NSD refuses a zone it does not serve, which must give temperror.
#
# Needs: MXW_BIN (the built mxwarden), MXW_TESTS_DIR (tests/), nsd,
# /usr/bin/python3; NSD is started with tests/integration/lib.sh.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
ZONE="$MXW_TESTS_DIR/data/spf/spf.test.zone"

# shellcheck source=lib.sh
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_nsd_test spf_nsd

PORT=$(mxw_free_port)
mxw_nsd_start "$PORT" "spf.test=$ZONE"
echo "spf_nsd: nsd pid $NSD_PID on 127.0.0.1@$PORT"

# ip sender helo want [live]   ("-" for an empty sender)
CASES="
192.0.2.5 alice@spf.test mail.example.net pass
2001:db8:1::9 alice@spf.test mail.example.net pass
198.51.100.20 alice@spf.test mail.example.net pass
203.0.113.70 alice@spf.test mail.example.net pass
192.0.2.100 alice@spf.test mail.example.net pass
192.0.2.25 alice@spf.test mail.example.net pass
2001:db8:2::25 alice@spf.test mail.example.net pass
::ffff:192.0.2.25 alice@spf.test mail.example.net pass
233.252.0.1 alice@spf.test mail.example.net fail
233.252.0.1 bob@soft.spf.test mail.example.net softfail
192.0.2.5 bob@red.spf.test mail.example.net pass
233.252.0.1 bob@red.spf.test mail.example.net fail
233.252.0.1 bob@bad.spf.test mail.example.net permerror
233.252.0.1 bob@two.spf.test mail.example.net permerror
233.252.0.1 bob@neutral.spf.test mail.example.net neutral
233.252.0.1 bob@nospf.spf.test mail.example.net none
233.252.0.1 bob@nowhere.spf.test mail.example.net none
198.51.100.77 - helo.spf.test pass
198.51.100.78 - helo.spf.test fail
203.0.113.5 alice@macro.spf.test mail.example.net pass
203.0.113.5 bob@macro.spf.test mail.example.net fail
233.252.0.1 bob@voids.spf.test mail.example.net permerror
233.252.0.1 bob@broken.spf.test mail.example.net temperror live
"

fail=0
n=0
while read -r ip sender helo want live; do
	[ -n "$ip" ] || continue
	n=$((n + 1))
	[ "$sender" = "-" ] && sender=""
	args=(spf --ip "$ip" --sender "$sender" --helo "$helo"
	    --receiver mx.spf.test)
	got_live=$("$MXW_BIN" --dns-server "127.0.0.1@$PORT" "${args[@]}") || {
		echo "FAIL $ip $sender: mxwarden (live DNS) exited $?"
		fail=1
		continue
	}
	word=$(printf '%s\n' "$got_live" | head -n 1)
	if [ "$word" != "$want" ]; then
		echo "FAIL $ip <$sender> $helo: got $word, want $want"
		"$MXW_BIN" --dns-server "127.0.0.1@$PORT" "${args[@]}" \
		    --explain | sed 's/^/    /'
		fail=1
		continue
	fi
	if [ -n "${live:-}" ]; then
		echo "ok   $ip <$sender>: $word (live only)"
		continue
	fi
	got_zone=$("$MXW_BIN" --dns-zone "$ZONE" "${args[@]}") || {
		echo "FAIL $ip $sender: mxwarden (zone) exited $?"
		fail=1
		continue
	}
	if [ "$got_live" != "$got_zone" ]; then
		echo "FAIL $ip <$sender>: live and zone-file output differ"
		diff <(printf '%s\n' "$got_live") <(printf '%s\n' "$got_zone") \
		    | sed 's/^/    /' || true
		fail=1
		continue
	fi
	echo "ok   $ip <$sender>: $word"
done <<EOF
$CASES
EOF

# The trace and JSON work against the live server too.
"$MXW_BIN" --dns-server "127.0.0.1@$PORT" --json spf --ip 203.0.113.70 \
    --sender alice@spf.test | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["schema_version"] == 1, j
assert j["result"] == "pass", j
assert j["matched"]["term"] == "include:_spf.spf.test", j
assert j["lookups"] == 2, j
assert any(s["kind"] == "record" and s["domain"] == "_spf2.spf.test"
           for s in j["trace"]), j
' || { echo "FAIL json output"; fail=1; }

echo "spf_nsd: $n cases"
if [ "$fail" -ne 0 ]; then
	cat "$WORK/nsd/nsd.log" >&2 || true
	exit 1
fi
echo "spf_nsd: all passed"
