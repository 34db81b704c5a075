#!/bin/bash
# Cost of the reputation checks in the milter: bench/milter.sh run with
# the checks off, then DNSBL (three IP lists and a domain list), then
# rDNS and HELO as well, then greylisting (mode always, the triplet
# passed) as well. DNS answers come from a zone file, which stands for a
# warm cache. The client (192.0.2.44) is outside the default trusted
# networks, so the inbound checks run. Prints the msg/s of each step.
# usage: bench/reputation.sh [BUILD_DIR] [CONNS] [MESSAGES]
set -eu
B=${1:-build-milter-rel}
C=${2:-8}
N=${3:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
chmod 0777 "$S"

# The content stage (rules, phishing, attachments) is off in every run so
# the figures isolate the reputation checks on top of authentication.
OFF='rules: { default_set = false; }; phishing: { enabled = false; };
attachments: { enabled = false; };'
BASE="$OFF"'
rdns: { enabled = false; }; helo: { enabled = false; };
greylist: { mode = "off"; };'
LISTS='dnsbl = (
 { name = "ZEN"; zone = "zen.bench"; codes = ["127.0.0.2-3 SBL 4.0",
   "127.0.0.4-7 XBL 5.0", "127.0.0.10-11 PBL 1.5"]; },
 { name = "BARRACUDA"; zone = "b.bench"; },
 { name = "DNSWL"; zone = "wl.bench"; codes = ["127.0.*.3 HI -5.0"]; },
 { name = "DBL"; zone = "dbl.bench"; type = "domain";
   codes = ["127.0.1.2-99 SPAM 3.0"]; });'
ZONE='$ORIGIN bench.
44.2.0.192.zen 300 IN A 127.0.0.11
2.0.0.127.zen 300 IN A 127.0.0.2
2.0.0.127.b 300 IN A 127.0.0.2
44.2.0.192.wl 300 IN A 127.0.15.3
test.dbl 300 IN A 127.0.1.2
$ORIGIN .
44.2.0.192.in-addr.arpa. 300 IN PTR client.example.net.
client.example.net. 300 IN A 192.0.2.44'
run() {
	printf '%-28s ' "$1"
	MXW_BENCH_CONF="$2" MXW_BENCH_ZONE="$ZONE" \
	    "$ROOT/bench/milter.sh" "$B" "$C" "$N" | tr '\n' ' '
	echo
}
run "no reputation checks" "$BASE"
run "+ DNSBL (3 IP, 1 domain)" "$BASE
$LISTS"
run "+ rDNS and HELO" "$OFF
greylist: { mode = \"off\"; };
$LISTS"
run "+ greylisting (always)" "$OFF
greylist: { mode = \"always\"; min_delay = \"1s\"; };
store: { path = \"$S/store\"; };
$LISTS"
