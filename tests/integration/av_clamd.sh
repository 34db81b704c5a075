#!/bin/bash
# Antivirus through a real clamd (Debian clamav-daemon) on 127.0.0.1 with
# a random TCP port and its own configuration, pid and database in a temp
# dir; the database is one .hdb line (MD5:size:name) of the EICAR test
# file, which is assembled here so the repository never holds it.
#  1. a message with EICAR attached: AV_VIRUS naming the signature, 550;
#  2. a clean message: no AV symbol, accept;
#  3. clamd stopped: down_action tempfail (default) gives AV_UNAVAILABLE
#     and 451, down_action accept gives AV_UNAVAILABLE only;
#  4. a message over antivirus.max_bytes is cut (AV_TRUNCATED) and still
#     scanned.
set -eu
: "${MXW_BIN:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-av.XXXXXX")
CLAMD_PID=""
. "$(dirname "$0")/lib.sh"
trap 'mxw_stop_pid "$CLAMD_PID"; [ -n "${MXW_KEEP:-}" ] || rm -rf "$WORK"' \
    EXIT
fail() { echo "FAIL: $*"; exit 1; }
CLAMD=${CLAMD:-$(command -v clamd || echo /usr/sbin/clamd)}
[ -x "$CLAMD" ] || { echo "SKIP: clamd not installed"; exit 77; }

# The EICAR test file (68 bytes), in two halves.
a='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
b='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s%s' "$a" "$b" >"$WORK/eicar.bin"
[ "$(stat -c %s "$WORK/eicar.bin")" = 68 ] || fail "EICAR size"
sum=$(md5sum "$WORK/eicar.bin" | cut -d' ' -f1)
mkdir -p "$WORK/db"
echo "$sum:68:Eicar-Test-Signature" >"$WORK/db/eicar.hdb"

PORT=$(mxw_free_port)
cat >"$WORK/clamd.conf" <<CF
Foreground yes
TCPSocket $PORT
TCPAddr 127.0.0.1
DatabaseDirectory $WORK/db
PidFile $WORK/clamd.pid
LogFile $WORK/clamd.log
TemporaryDirectory $WORK
StreamMaxLength 10M
CF
"$CLAMD" -c "$WORK/clamd.conf" >"$WORK/clamd.out" 2>&1 &
CLAMD_PID=$!
for _ in $(seq 1 600); do
	(exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
	kill -0 "$CLAMD_PID" 2>/dev/null ||
	    { cat "$WORK/clamd.out" "$WORK/clamd.log"; fail "clamd died"; }
	sleep 0.1
done
(exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null ||
    fail "clamd did not listen on $PORT"

conf() {	# conf DOWN_ACTION [MAX_BYTES]
	cat >"$WORK/m.conf" <<CF
milter: { trusted_networks = []; };
rules: { default_set = false; };
antivirus: { enabled = true; clamd = "tcp:127.0.0.1:$PORT";
    timeout = "10s"; down_action = "$1"; max_bytes = "${2:-25M}"; };
CF
}
msg() {		# msg FILE ATTACHMENT_FILE
	{
		printf 'From: Sam <sam@sender.example>\nTo: bob@example.org\n'
		printf 'Subject: report\nMessage-ID: <av@sender.example>\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: text/plain\n\nSee attached.\n'
		printf -- '--b1\nContent-Type: text/plain; name="notes.txt"\n'
		printf 'Content-Disposition: attachment; filename="notes.txt"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		base64 "$2"
		printf -- '--b1--\n'
	} >"$1"
}
scan() {
	"$MXW_BIN" -c "$WORK/m.conf" --dns-zone /dev/null scan \
	    --ip 192.0.2.7 --helo mx.sender.example \
	    --sender sam@sender.example --rcpt bob@example.org "$1"
}
expect() {	# expect OUTPUT ACTION [PATTERN]
	echo "$1" | grep -q "^action: $2\$" ||
	    { echo "$1"; fail "want action $2"; }
	[ -z "${3:-}" ] || echo "$1" | grep -q -- "$3" ||
	    { echo "$1"; fail "want '$3'"; }
}

msg "$WORK/virus.eml" "$WORK/eicar.bin"
printf 'Quarterly numbers, nothing to see.\n' >"$WORK/clean.txt"
msg "$WORK/clean.eml" "$WORK/clean.txt"

# 1. EICAR found.
conf tempfail
out=$(scan "$WORK/virus.eml")
expect "$out" reject "AV_VIRUS.*Eicar-Test-Signature"
echo "ok 1 EICAR: AV_VIRUS and reject"

# 2. Clean.
out=$(scan "$WORK/clean.eml")
expect "$out" accept
if echo "$out" | grep -q AV_; then
	echo "$out"
	fail "AV symbol on a clean message"
fi
echo "ok 2 clean message: no AV symbol"

# 4. Cut to max_bytes: the attachment comes early, so it is still seen.
head -c 200000 /dev/urandom | base64 >"$WORK/pad.txt"
cat "$WORK/virus.eml" "$WORK/pad.txt" >"$WORK/big.eml"
conf tempfail 64K
out=$(scan "$WORK/big.eml")
expect "$out" reject "AV_TRUNCATED"
echo "$out" | grep -q "AV_VIRUS" || { echo "$out"; fail "want AV_VIRUS"; }
echo "ok 4 over max_bytes: first bytes scanned"

# 3. clamd down.
mxw_stop_pid "$CLAMD_PID"
CLAMD_PID=""
conf tempfail
out=$(scan "$WORK/virus.eml")
expect "$out" tempfail "AV_UNAVAILABLE"
conf accept
out=$(scan "$WORK/virus.eml")
expect "$out" accept "AV_UNAVAILABLE"
echo "ok 3 clamd down: tempfail, or accept with AV_UNAVAILABLE"
