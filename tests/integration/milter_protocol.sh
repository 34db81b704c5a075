#!/bin/bash
# The milter protocol, driven by miltertest (Debian package) against the
# real daemon code linked with the test-only stub pipeline
# (build/tests/milterd_stub): verdicts to milter actions, SPF refusal at
# MAIL FROM, the time budget, the safe action, aborted and cut sessions,
# outbound signing. Then malformed input on the raw socket (oversized
# packet length, unknown command, garbage, a half packet) must not stop
# the daemon, and SIGTERM must stop it cleanly.
set -eu
: "${MXW_BUILD_DIR:?}" "${MXW_TESTS_DIR:?}"
D=$MXW_BUILD_DIR/tests/milterd_stub
command -v miltertest >/dev/null || { echo "SKIP: no miltertest"; exit 77; }
[ -x "$D" ] || { echo "SKIP: build milterd_stub first"; exit 77; }
T=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
PORT=$((20000 + RANDOM % 20000))
SOCK="inet:$PORT@127.0.0.1"
cat > "$T/m.conf" <<CONF
milter: { authserv_id = "mx.test"; timeout = "3s";
    trusted_networks = ["10.9.0.0/16"]; };
actions: { subject_tag = "[SPAM]"; };
CONF
# As root the daemon drops to nobody, as it would to its own user.
"$D" -c "$T/m.conf" milter -f --socket "$SOCK" --user nobody \
    2> "$T/log" &
PID=$!
cd "$T"
MILTER_SOCK=$SOCK miltertest -s "$MXW_TESTS_DIR/integration/milter_protocol.lua" \
    > "$T/out" 2>&1 || { cat "$T/out" "$T/log"; exit 1; }
tail -1 "$T/out"

# Malformed input: each on its own connection; the daemon must survive.
python3 - "$PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
bad = [
    struct.pack(">I", 0xffffffff) + b"O",          # absurd length
    struct.pack(">I", 1) + b"\x01",                 # unknown command
    b"\x00\x00\x00\x05Ojunk" * 3,                   # truncated options
    struct.pack(">I", 13) + b"O" + struct.pack(">III", 6, 0x1ff, 0x1fffff)
        + struct.pack(">I", 20) + b"C",             # half a packet
    bytes(range(256)) * 8,                          # garbage
]
for b in bad:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b)
    s.settimeout(2)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
print("sent", len(bad), "malformed sessions")
PY
MILTER_SOCK=$SOCK miltertest -s "$MXW_TESTS_DIR/integration/milter_protocol.lua" \
    > "$T/out2" 2>&1 || { echo "daemon broken after bad input"; cat "$T/out2" "$T/log"; exit 1; }
echo "ok daemon serves after malformed input"
grep -q "Q1 milter action=accept score=" "$T/log" || { echo "no log line"; cat "$T/log"; exit 1; }
echo "ok one log line per message"

kill -TERM "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$PID" 2>/dev/null; then echo "FAIL: still running after SIGTERM"; exit 1; fi
wait "$PID" || { echo "FAIL: exit status $?"; cat "$T/log"; exit 1; }
PID=
echo "ok clean stop on SIGTERM"
