#!/bin/bash
# Golden-file tests of `mxwarden check --json` (docs/json.md) on the
# synthetic domains of tests/data/check/audit.zone, with the probes off
# and the clock fixed: the output must equal tests/data/check/NAME.json
# once the fields that vary between runs (duration_ms, tool.version) are
# blanked. Also: --all from the configuration with CSV output, and the
# exit codes. MXW_UPDATE_GOLDEN=1 rewrites the golden files.
#
# Needs: MXW_BIN, MXW_TESTS_DIR, /usr/bin/python3.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
PY=/usr/bin/python3
DATA="$MXW_TESTS_DIR/data/check"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-check-golden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }
NOW=1767225600
run() {
	set +e
	"$MXW_BIN" --dns-zone "$DATA/audit.zone" --now "$NOW" "$@" \
	    --no-smtp --no-https --dnsbl bl.test >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
}
normalize() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["duration_ms"] = 0
d["tool"]["version"] = "VERSION"
print(json.dumps(d, indent=2, sort_keys=False))' "$1"
}

for case in good.test:0 spflimit.test:2 dmarcext.test:0 nullmix.test:2; do
	dom=${case%%:*}
	want_rc=${case#*:}
	run check "$dom" --json --selector sel2048
	[ "$RC" -eq "$want_rc" ] || bad "$dom: exit $RC, want $want_rc"
	normalize "$WORK/out" >"$WORK/$dom.json"
	if [ -n "${MXW_UPDATE_GOLDEN:-}" ]; then
		cp "$WORK/$dom.json" "$DATA/$dom.json"
		echo "updated $DATA/$dom.json"
	elif ! diff -u "$DATA/$dom.json" "$WORK/$dom.json"; then
		bad "$dom: JSON differs from $DATA/$dom.json"
	else
		echo "ok   $dom: JSON equals the golden file (exit $RC)"
	fi
done

# --all with CSV: every configured domain, one row per check.
cat >"$WORK/mxw.conf" <<CONF
check = {
	domains = [ "good.test", "spflimit.test", "nullok.test" ];
	profile = "default";
};
CONF
run -c "$WORK/mxw.conf" check --all --csv
[ "$RC" -eq 2 ] || bad "--all: exit $RC, want 2 (spflimit.test fails)"
head -1 "$WORK/out" | grep -q '^domain,id,category,status,message,fix' ||
    bad "--all: no CSV header"
for d in good.test spflimit.test nullok.test; do
	grep -q "^\"$d\",\"spf.lookups\"" "$WORK/out" || bad "--all: no $d"
done
grep -q '^"spflimit.test","spf.lookups","spf","fail"' "$WORK/out" ||
    bad "--all: spflimit.test spf.lookups is not fail"
echo "ok   --all --csv: $(($(wc -l <"$WORK/out") - 1)) rows"

# --fail-on warn turns a warn-only report into exit 1.
run check nullok.test --fail-on warn
[ "$RC" -eq 1 ] || bad "--fail-on warn: exit $RC, want 1"
run check nullok.test
[ "$RC" -eq 0 ] || bad "nullok.test: exit $RC, want 0"
# Usage errors are 64, not 2 (2 means a fail).
run check --profile lax good.test
[ "$RC" -eq 64 ] || bad "bad profile: exit $RC, want 64"
# What if: an overlay proposing a DMARC record for dmarcnone.test's
# sibling that has none (spfplus.test) turns its fail into a pass.
printf '_dmarc.spfplus.test. 300 TXT "v=DMARC1; p=reject"\n' \
    >"$WORK/overlay.zone"
run check spfplus.test --json
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [c["status"] for c in d["checks"] if c["id"] == "dmarc.record.present"]
sys.exit(0 if s == ["fail"] else 1)' "$WORK/out" || bad "spfplus.test: DMARC"
set +e
"$MXW_BIN" --dns-zone "$DATA/audit.zone" --dns-zone "$WORK/overlay.zone" \
    check spfplus.test --json --no-smtp --no-https >"$WORK/out"
set -e
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [c["status"] for c in d["checks"] if c["id"] == "dmarc.record.present"]
sys.exit(0 if s == ["pass"] else 1)' "$WORK/out" ||
    bad "what-if: the proposed DMARC record is not seen"

if [ "$fail" -ne 0 ]; then
	echo "check_golden: FAILED"
	exit 1
fi
echo "check_golden: all cases pass"
