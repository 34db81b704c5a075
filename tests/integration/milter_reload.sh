#!/bin/bash
# Reload and shutdown of the milter daemon (test daemon with the stub
# pipeline, whose subject tag comes from actions.subject_tag):
#  - SIGHUP with a changed file: the next message sees the new tag;
#  - SIGHUP with an invalid file: the running configuration stays;
#  - a message in flight during a reload keeps the configuration it
#    started with;
#  - SIGTERM while a message is in flight: that message still gets its
#    verdict, then the daemon exits 0 and the port is closed.
set -eu
: "${MXW_BUILD_DIR:?}" "${MXW_TESTS_DIR:?}"
D=$MXW_BUILD_DIR/tests/milterd_stub
L=$MXW_TESTS_DIR/integration/milter_reload.lua
command -v miltertest >/dev/null || { echo "SKIP: no miltertest"; exit 77; }
[ -x "$D" ] || { echo "SKIP: build milterd_stub first"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T"	# the daemon rereads m.conf as nobody
PID=
BG=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	[ -n "$BG" ] && kill "$BG" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
PORT=$((20000 + RANDOM % 20000))
export MILTER_SOCK="inet:$PORT@127.0.0.1"
conf() {
	printf 'milter: { authserv_id = "mx.test"; timeout = "20s"; };\n' \
	    > "$T/m.conf.new"
	printf 'actions: { subject_tag = "%s"; };\n' "$1" >> "$T/m.conf.new"
	mv "$T/m.conf.new" "$T/m.conf"
}
msg() {	# QID SUBJECT WANT
	QID=$1 SUBJECT=$2 WANT=$3 miltertest -s "$L"
}
reloads() { grep -c "milter reload" "$T/log" || true; }
wait_reload() {	# wait until the count of reload lines passes $1
	for _ in $(seq 50); do
		[ "$(reloads)" -gt "$1" ] && return 0
		sleep 0.1
	done
	echo "FAIL: no reload logged"; cat "$T/log"; exit 1
}

conf "[SPAM]"
cd "$T"
"$D" -c "$T/m.conf" milter -f --socket "$MILTER_SOCK" --user nobody \
    2> "$T/log" &
PID=$!
msg R1 "STUB-TAG a" "[SPAM] STUB-TAG a"

n=$(reloads); conf "[JUNK]"; kill -HUP "$PID"; wait_reload "$n"
msg R2 "STUB-TAG b" "[JUNK] STUB-TAG b"
echo "ok SIGHUP applies a changed file"

n=$(reloads); echo 'actions: { subject_tag = ; };' > "$T/m.conf"
kill -HUP "$PID"; wait_reload "$n"
grep -q "reload failed" "$T/log" || { echo "FAIL: no error"; exit 1; }
msg R3 "STUB-TAG c" "[JUNK] STUB-TAG c"
echo "ok invalid file keeps the running configuration"

# In flight across a reload: started under [JUNK], finishes under it.
msg R4 "STUB-TAG STUB-SLEEP=2" "[JUNK] STUB-TAG STUB-SLEEP=2" > "$T/bg" 2>&1 &
BG=$!
sleep 0.7
n=$(reloads); conf "[NEW]"; kill -HUP "$PID"; wait_reload "$n"
msg R5 "STUB-TAG d" "[NEW] STUB-TAG d"
wait "$BG" || { echo "FAIL: in-flight message"; cat "$T/bg"; exit 1; }
BG=
echo "ok message in flight keeps its generation; new one uses the new"

# SIGTERM with a message in flight.
msg R6 "STUB-TAG STUB-SLEEP=2" "[NEW] STUB-TAG STUB-SLEEP=2" > "$T/bg" 2>&1 &
BG=$!
sleep 0.7
kill -TERM "$PID"
wait "$BG" || { echo "FAIL: in-flight message lost at SIGTERM"; cat "$T/bg" "$T/log"; exit 1; }
BG=
echo "ok in-flight message finished after SIGTERM"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && { echo "FAIL: still running"; exit 1; }
wait "$PID" || { echo "FAIL: exit status"; cat "$T/log"; exit 1; }
PID=
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "FAIL: port still open"; exit 1
fi
grep -q "R6 milter action=tag subject" "$T/log" || { cat "$T/log"; exit 1; }
echo "ok daemon stopped cleanly"
