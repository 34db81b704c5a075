#!/bin/bash
# Milter throughput: start `mxwarden milter` (Release build) with a
# zone-file resolver (warm DNS: every answer is local), then drive it
# with bench_milter over N TCP connections with the corpus sample.
# usage: bench/milter.sh [BUILD_DIR] [CONNS] [MESSAGES]
set -eu
B=${1:-build-milter-rel}
C=${2:-8}
N=${3:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
PORT=$((20000 + RANDOM % 20000))
cat > "$T/z.zone" <<'ZONE'
$ORIGIN example.com.
@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc 300 IN TXT "v=DMARC1; p=none"
ZONE
printf 'log: { level = "warn"; };\nmilter: { authserv_id = "mx.bench"; };\n' \
    > "$T/m.conf"
# Optional extra configuration and zone text (bench/reputation.sh).
[ -z "${MXW_BENCH_CONF:-}" ] || printf '%s\n' "$MXW_BENCH_CONF" >> "$T/m.conf"
[ -z "${MXW_BENCH_ZONE:-}" ] || printf '%s\n' "$MXW_BENCH_ZONE" >> "$T/z.zone"
"$ROOT/$B/src/mxwarden" --dns-zone "$T/z.zone" -c "$T/m.conf" milter -f \
    --socket "inet:$PORT@127.0.0.1" --user nobody 2> "$T/log" &
PID=$!
sleep 1
"$ROOT/$B/bench/bench_milter" -c "$C" -n "$N" 127.0.0.1 "$PORT"
