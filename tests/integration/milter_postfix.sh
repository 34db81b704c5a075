#!/bin/bash
# A private Postfix instance (Debian package binaries, its own config and
# queue directories, 127.0.0.1 and an unprivileged port) with the real
# mxwarden milter and pipeline attached, relaying to smtp-sink, which
# writes each delivered message to a file. DNS comes from a zone file.
#  - a spoofed From of a p=reject domain from a foreign IP: 550 5.7.x;
#  - an SPF-aligned message: delivered with Authentication-Results.
# Runs as root (Postfix's master needs it); queue ownership is set by
# `postfix -c DIR set-permissions` after `postfix check` made the tree.
set -eu
: "${MXW_BIN:?}" "${MXW_TESTS_DIR:?}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in postfix smtp-sink swaks; do
	command -v $c >/dev/null || { echo "SKIP: no $c"; exit 77; }
done
T=$(mktemp -d); chmod 755 "$T"
MPID=; SPID=
cleanup() {
	postfix -c "$T/etc" stop >/dev/null 2>&1 || true
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null || true
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
P=$((20000 + RANDOM % 10000)); MP=$((P + 1)); SP=$((P + 2))
mkdir -p "$T/etc" "$T/queue" "$T/data" "$T/sink"
chown postfix "$T/data"
cat > "$T/zone" <<'Z'
$ORIGIN example.com.
@ 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"
_dmarc 300 IN TXT "v=DMARC1; p=reject"
Z
printf 'milter: { authserv_id = "mx.test"; trusted_networks = []; };\n' \
    > "$T/m.conf"
"$MXW_BIN" --dns-zone "$T/zone" -c "$T/m.conf" milter -f \
    --socket "inet:$MP@127.0.0.1" --user nobody 2> "$T/mlog" &
MPID=$!
(cd "$T/sink" && exec smtp-sink -u nobody -d "%M%d%H%S." 127.0.0.1:$SP 50) &
SPID=$!
cat > "$T/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $T/queue
data_directory = $T/data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test
mydestination =
relay_domains = example.org
relayhost = [127.0.0.1]:$SP
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject
smtpd_milters = inet:127.0.0.1:$MP
non_smtpd_milters = inet:127.0.0.1:$MP
milter_default_action = tempfail
milter_protocol = 6
smtp_dns_support_level = disabled
maillog_file = $T/postfix.log
CF
sed "s/^smtp      inet.*/127.0.0.1:$P inet n - n - - smtpd/" \
    /etc/postfix/master.cf > "$T/etc/master.cf"
postfix -c "$T/etc" check 2>/dev/null || true
postfix -c "$T/etc" set-permissions 2>/dev/null || true
# XXX Not yet passing: `postfix -c DIR start` exits non-zero here without
# a message (probably alternate_config_directories in the default
# main.cf, or postlog); the milter parts below have not run yet.
postfix -c "$T/etc" start > "$T/start.log" 2>&1 || {
	echo "FAIL: private postfix did not start"; cat "$T/start.log"
	[ -f "$T/postfix.log" ] && cat "$T/postfix.log"; exit 1; }
sleep 2
# Spoof: From ceo@example.com (p=reject) sent from 127.0.0.1... which SPF
# allows, so spoof with an unaligned envelope and no DKIM instead.
out=$(swaks --server 127.0.0.1:$P --from x@attacker.example \
    --h-From ceo@example.com --to bob@example.org --quit-after DOT 2>&1 || true)
echo "$out" | grep -q "<\*\* *550 5\.7\." || { echo "FAIL: spoof not 550"; echo "$out"; cat "$T/mlog"; exit 1; }
echo "ok spoofed p=reject From rejected 550"
out=$(swaks --server 127.0.0.1:$P --from alice@example.com \
    --h-From alice@example.com --to bob@example.org 2>&1 || true)
echo "$out" | grep -q "<- *250 2.0.0 Ok: queued" || { echo "FAIL: aligned not queued"; echo "$out"; exit 1; }
for _ in $(seq 50); do
	f=$(ls "$T/sink" | head -1); [ -n "$f" ] && break; sleep 0.2
done
[ -n "$f" ] || { echo "FAIL: nothing delivered"; cat "$T/postfix.log"; exit 1; }
grep -q "^Authentication-Results: mx.test;.*spf=pass" "$T/sink/$f" ||
    { echo "FAIL: no A-R pass"; cat "$T/sink/$f"; exit 1; }
echo "ok aligned message delivered with A-R spf=pass"
