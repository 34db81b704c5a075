#!/bin/bash
# Integration test of the libunbound backend against a real authoritative
# server: NSD serves tests/data/dns/*.zone on 127.0.0.1 (random high port,
# unprivileged, from a temp dir), and for every (name, type) below the
# answer of `mxwarden --dns-server 127.0.0.1@PORT dns lookup` must equal
# the answer of the zone-file backend reading the same files: rcode,
# records (type, TTL, presentation data, as a set), canonical name and
# CNAME chain (names compared without regard to case, RFC 4343). The
# libunbound answers must also say "insecure": .test is marked insecure
# with allow_special, and the zone is not signed.
#
# Needs: MXW_BIN (the built mxwarden), MXW_TESTS_DIR (tests/), nsd,
# /usr/bin/python3.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
DATA="$MXW_TESTS_DIR/data/dns"
ZONES="--dns-zone $DATA/lookup.test.zone"
ZONES="$ZONES --dns-zone $DATA/2.0.192.in-addr.arpa.zone"

# shellcheck source=lib.sh
. "$MXW_TESTS_DIR/integration/lib.sh"
mxw_nsd_test dns_nsd

PORT=$(mxw_free_port)
mxw_nsd_start "$PORT" "lookup.test=$DATA/lookup.test.zone" \
    "2.0.192.in-addr.arpa=$DATA/2.0.192.in-addr.arpa.zone"
echo "dns_nsd: nsd pid $NSD_PID on 127.0.0.1@$PORT"

# name type expected-rcode
CASES="
lookup.test SOA NOERROR
lookup.test NS NOERROR
lookup.test MX NOERROR
lookup.test TXT NOERROR
lookup.test CAA NOERROR
mx1.lookup.test A NOERROR
mx1.lookup.test AAAA NOERROR
mx2.lookup.test A NOERROR
mx3.lookup.test AAAA NOERROR
nullmx.lookup.test MX NOERROR
www.lookup.test A NOERROR
www.lookup.test AAAA NOERROR
WWW.Lookup.Test TXT NOERROR
www.lookup.test CNAME NOERROR
alias.lookup.test A NOERROR
esc.lookup.test TXT NOERROR
long.lookup.test TXT NOERROR
multi.lookup.test TXT NOERROR
_dmarc.lookup.test TXT NOERROR
_25._tcp.mx1.lookup.test TLSA NOERROR
_submission._tcp.lookup.test SRV NOERROR
signed.lookup.test DS NOERROR
signed.lookup.test DNSKEY NOERROR
25.2.0.192.in-addr.arpa PTR NOERROR
80.2.0.192.in-addr.arpa PTR NOERROR
nosuch.lookup.test A NXDOMAIN
deep.nosuch.lookup.test MX NXDOMAIN
99.2.0.192.in-addr.arpa PTR NXDOMAIN
mx1.lookup.test MX NODATA
host.lookup.test CAA NODATA
www.lookup.test MX NODATA
dangling.lookup.test A NXDOMAIN
"

fail=0
n=0
while read -r name type want; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	got_ub=$("$MXW_BIN" --dns-server "127.0.0.1@$PORT" dns lookup \
	    "$name" "$type" --json) || {
		echo "FAIL $name $type: mxwarden (libunbound) exited $?"
		fail=1
		continue
	}
	# shellcheck disable=SC2086
	got_zone=$("$MXW_BIN" $ZONES dns lookup "$name" "$type" --json) || {
		echo "FAIL $name $type: mxwarden (zone) exited $?"
		fail=1
		continue
	}
	if ! "$PY" - "$name" "$type" "$want" "$got_ub" "$got_zone" <<'EOF'
import json, sys
name, qtype, want, ub, zone = sys.argv[1:6]
ub, zone = json.loads(ub), json.loads(zone)

def norm(a):
    lower = lambda s: s.lower().rstrip(".")
    return {
        "rcode": a["rcode"],
        "canonical_name": lower(a["canonical_name"]),
        "cname_chain": [lower(c) for c in a["cname_chain"]],
        "records": sorted((r["type"], r["ttl"], r["data"])
                          for r in a["records"]),
        "ttl": a["ttl"] if a["rcode"] == "NOERROR" else None,
    }

u, z = norm(ub), norm(zone)
bad = []
for k in u:
    if u[k] != z[k]:
        bad.append(f"  {k}: unbound {u[k]!r}\n  {k}: zone    {z[k]!r}")
if u["rcode"] != want:
    bad.append(f"  rcode: got {u['rcode']}, want {want}")
if ub["dnssec"] != "insecure":
    bad.append(f"  dnssec: got {ub['dnssec']}, want insecure")
if ub["schema_version"] != 1 or zone["schema_version"] != 1:
    bad.append("  schema_version is not 1")
if want == "NOERROR" and not u["records"]:
    bad.append("  no records in a NOERROR answer")
chain = " -> ".join(u["cname_chain"] + [u["canonical_name"]]) \
    if u["cname_chain"] else ""
if bad:
    print(f"FAIL {name} {qtype}:")
    print("\n".join(bad))
    sys.exit(1)
print(f"ok   {name} {qtype}: {u['rcode']}, {len(u['records'])} records"
      + (f", cname {chain}" if chain else ""))
for r in u["records"]:
    d = r[2] if len(r[2]) <= 60 else r[2][:57] + "..."
    print(f"       {r[0]} {r[1]} {d}")
EOF
	then
		fail=1
	fi
done <<EOF
$CASES
EOF

# The text form of an answer.
out=$("$MXW_BIN" --dns-server "127.0.0.1@$PORT" dns lookup \
    www.lookup.test A)
echo "$out"
case "$out" in
*";; rcode: NOERROR"*"host.lookup.test."*"IN	A	192.0.2.80"*) ;;
*)	echo "FAIL text output of www.lookup.test A"; fail=1 ;;
esac

# Usage errors exit 2.
set +e
"$MXW_BIN" --dns-server "127.0.0.1@$PORT" dns lookup lookup.test NOSUCHTYPE \
    >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" -ne 2 ]; then
	echo "FAIL unknown type: exit $rc, want 2"
	fail=1
fi

if ! kill -0 "$NSD_PID" 2>/dev/null; then
	echo "FAIL nsd died during the test"
	fail=1
fi
if [ "$fail" -ne 0 ]; then
	echo "dns_nsd: FAILED ($n cases)"
	exit 1
fi
echo "dns_nsd: all $n cases agree"
