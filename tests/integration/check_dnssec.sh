#!/bin/bash
# Integration test of the DNSSEC checks of `mxwarden check` against a
# real authoritative server: NSD on 127.0.0.1 serves a parent zone
# "test." (unsigned, holding the DS records) and three children made
# here: sec.test signed with ldns-signzone (NSEC3, no iterations, no
# salt), bogus.test signed and then tampered with (its _dmarc TXT no
# longer matches its signature), soon.test signed with signatures that
# expire in 48 hours (ldns-signzone -e), and insec.test unsigned. mxwarden
# resolves through libunbound with the DS records of sec.test and
# bogus.test as trust anchors (--trust-anchor), and must tell secure,
# bogus and insecure apart.
#
# dns.ns.consistency: a second NSD serves only the parent zone "test."
# (as its server pns.test), so asking it for a child's NS gives the
# referral; nsok.test is delegated as it lists itself, nsbad.test is
# delegated to ns.test and ns2.test but lists only ns.test, and ns2.test
# (the second NSD) is not authoritative for it. --ns-addr maps each name
# server to its 127.0.0.1 port.
#
# Needs: MXW_BIN, MXW_TESTS_DIR, nsd, ldns-keygen, ldns-signzone,
# /usr/bin/python3.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
for t in ldns-keygen ldns-signzone; do
	command -v "$t" >/dev/null || { echo "check_dnssec: $t missing" >&2
	    exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-check-dnssec.XXXXXX")
NSD_PID=""
NSD2_PID=""
cleanup() {
	mxw_stop_pid "$NSD_PID"
	mxw_stop_pid "$NSD2_PID"
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=lib.sh
. "$MXW_TESTS_DIR/integration/lib.sh"

fail=0
bad() { echo "FAIL $*"; fail=1; }
cd "$WORK"

child() {
	cat <<EOF
\$TTL 300
$1. SOA ns.test. hostmaster.$1. 1 7200 3600 1209600 3600
$1. NS ns.test.
$1. MX 10 mx.$1.
mx.$1. A 127.0.0.1
$1. TXT "v=spf1 -all"
_dmarc.$1. TXT "v=DMARC1; p=reject; rua=mailto:d@$1"
_25._tcp.mx.$1. TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
EOF
}
sign() {
	local z=$1 k
	shift
	child "$z" >"$z.zone"
	k=$(ldns-keygen -a ECDSAP256SHA256 -k "$z")
	ldns-signzone -n -t 0 "$@" "$z.zone" "$k" >/dev/null
	cat "$k.ds" >>ta.ds
	DS=$(awk '{ $1=""; print }' "$k.ds")
	echo "$z. NS ns.test." >>test.zone
	echo "$z. $DS" >>test.zone
}

cat >test.zone <<EOF
\$TTL 300
test. SOA ns.test. hostmaster.test. 1 7200 3600 1209600 3600
test. NS pns.test.
pns.test. A 127.0.0.1
ns.test. A 127.0.0.1
ns2.test. A 127.0.0.1
nsok.test. NS ns.test.
nsbad.test. NS ns.test.
nsbad.test. NS ns2.test.
EOF
: >ta.ds
sign sec.test
sign bogus.test
sign soon.test -e "$(date -u -d '+48 hours' +%Y%m%d%H%M%S)"
# Tamper with a signed record: its RRSIG no longer matches.
sed -i 's/"v=DMARC1; p=reject; rua=mailto:d@bogus.test"/"v=DMARC1; p=none"/' \
    bogus.test.zone.signed
grep -q 'p=none' bogus.test.zone.signed || { echo "tamper failed" >&2
    exit 1; }
child insec.test >insec.test.zone
echo "insec.test. NS ns.test." >>test.zone
child nsok.test >nsok.test.zone
child nsbad.test >nsbad.test.zone

PORT=$(mxw_free_port)
mxw_nsd_start "$PORT" "test=$WORK/test.zone" \
    "sec.test=$WORK/sec.test.zone.signed" \
    "bogus.test=$WORK/bogus.test.zone.signed" \
    "soon.test=$WORK/soon.test.zone.signed" \
    "insec.test=$WORK/insec.test.zone" \
    "nsok.test=$WORK/nsok.test.zone" "nsbad.test=$WORK/nsbad.test.zone"
echo "check_dnssec: nsd pid $NSD_PID on 127.0.0.1@$PORT"
# The parent-only server: its own copy of test. in its own directory.
PORT2=$(mxw_free_port)
P1=$NSD_PID
WORK=$WORK/p2 mxw_nsd_start "$PORT2" "test=$WORK/test.zone"
NSD2_PID=$NSD_PID
NSD_PID=$P1
NSMAP="--ns-addr pns.test=127.0.0.1@$PORT2 --ns-addr ns.test=127.0.0.1@$PORT
    --ns-addr ns2.test=127.0.0.1@$PORT2"

audit() {
	set +e
	"$MXW_BIN" --dns-server "127.0.0.1@$PORT" ${NOW:+--now "$NOW"} \
	    check "$1" --json \
	    --trust-anchor "$WORK/ta.ds" --no-smtp --no-https $NSMAP \
	    >"$WORK/$1.json" 2>"$WORK/$1.err"
	RC=$?
	set -e
}
want() {
	"$PY" - "$WORK/$1.json" "$2" "$3" "${4:-}" <<'EOF' || bad "$1 $2"
import json, sys
path, cid, want, text = sys.argv[1:5]
doc = json.load(open(path))
f = [c for c in doc["checks"] if c["id"] == cid][0]
blob = f["message"] + "\n" + "\n".join(f["evidence"]["records"])
ok = f["status"] == want and text in blob
print(f"{'ok  ' if ok else 'FAIL'} {doc['target']} {cid}: got {f['status']}"
      f", want {want}: {f['message']}")
if not ok:
    for r in f["evidence"]["records"]:
        print("       |", r)
sys.exit(0 if ok else 1)
EOF
}

audit sec.test
cat sec.test.err
want sec.test dnssec.domain.signed pass
want sec.test dnssec.domain.valid pass "secure"
want sec.test dnssec.mx.signed pass "secure"
want sec.test dnssec.mx.valid pass
want sec.test dnssec.algorithms pass
want sec.test dnssec.nsec3.params pass "iterations 0"
want sec.test dane.tlsa.present pass
want sec.test dane.tlsa.denial pass
want sec.test dmarc.record.present pass
want sec.test dnssec.rrsig.expiry pass "signatures"
[ "$RC" -ne 3 ] || bad "sec.test: exit 3 (incomplete)"

# Signatures made to expire in 48 hours validate but must warn; so must
# sec.test's (4 weeks) when --now moves our clock to a day before they
# expire (libunbound keeps the real clock, so they still validate).
audit soon.test
want soon.test dnssec.domain.valid pass "secure"
want soon.test dnssec.rrsig.expiry warn "within 72 hours"
EXP=$(awk '$4 == "RRSIG" && $5 == "SOA" { print $9; exit }' \
    sec.test.zone.signed)
NOW=$(( $(date -u -d "${EXP:0:8} ${EXP:8:2}:${EXP:10:2}:${EXP:12:2}" +%s) \
    - 86400 )) audit sec.test
want sec.test dnssec.rrsig.expiry warn "expires in 24 hours"

audit bogus.test
want bogus.test dnssec.domain.valid fail "bogus"
want bogus.test dmarc.record.present error
[ "$RC" -eq 2 ] || bad "bogus.test: exit $RC, want 2"

audit insec.test
want insec.test dnssec.domain.signed warn
want insec.test dnssec.domain.valid skip "insecure"
want insec.test dane.tlsa.present info "0 of 1"
want insec.test dmarc.record.present pass

audit nsok.test
want nsok.test dns.ns.consistency pass "same 1 NS"
want nsok.test dns.ns.consistency pass "ns.test (127.0.0.1@$PORT): authoritative"
want sec.test dns.ns.consistency pass "parent zone test"
audit nsbad.test
want nsbad.test dns.ns.consistency warn "1 NS differs"
want nsbad.test dns.ns.consistency warn "only at the parent: ns2.test"
want nsbad.test dns.ns.consistency warn "ns2.test (127.0.0.1@$PORT2): not authoritative"

"$PY" - "$WORK/sec.test.json" <<'EOF' || bad "resolver block"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["resolver"]["validating"] is True, d["resolver"]
assert d["resolver"]["dnssec_trust_anchor"].endswith("ta.ds")
EOF

# What if: an overlay in front of the validating resolver proposes a new
# SPF record for insec.test; the audit judges the proposal.
printf 'insec.test. 300 TXT "v=spf1 +all"\n' >"$WORK/overlay.zone"
set +e
"$MXW_BIN" --dns-server "127.0.0.1@$PORT" --dns-overlay "$WORK/overlay.zone" \
    check insec.test --json --trust-anchor "$WORK/ta.ds" --no-smtp \
    --no-https $NSMAP >"$WORK/overlay.json" 2>"$WORK/overlay.err"
set -e
want overlay spf.all.qualifier fail "+all"
want overlay dmarc.record.present pass

if [ "$fail" -ne 0 ]; then
	echo "check_dnssec: FAILED"
	exit 1
fi
echo "check_dnssec: secure, bogus and insecure told apart"
