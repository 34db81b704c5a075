#!/bin/bash
# DKIM interoperability with an independent implementation, Debian's
# python3-dkim (dkimpy), in both directions and for both algorithms:
#  - messages signed by `mxwarden dkim sign` (rsa-sha256, ed25519-sha256,
#    both at once; relaxed/relaxed, simple/simple, relaxed/simple) must
#    verify with dkimpy;
#  - messages signed by dkimpy's dkim.sign() (rsa-sha256 and
#    ed25519-sha256, relaxed and simple) must verify with
#    `mxwarden dkim verify`;
#  - a tampered body must fail on both sides, so the checks can fail.
# Keys are the test-only keys of tests/data/dkim, served to both sides
# from tests/data/dkim/test.zone (dkimpy through dkim_py.py's dnsfunc).
#
# Needs: MXW_BIN, MXW_TESTS_DIR, MXW_TESTDATA, /usr/bin/python3 with
# python3-dkim and python3-nacl.
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
: "${MXW_TESTS_DIR:?MXW_TESTS_DIR must point at tests/}"
: "${MXW_TESTDATA:?MXW_TESTDATA must point at the shared test data}"
PY=/usr/bin/python3
HELPER="$MXW_TESTS_DIR/integration/dkim_py.py"
KEYS="$MXW_TESTS_DIR/data/dkim"
ZONE="$KEYS/test.zone"
RSA="$KEYS/test-only-rsa2048.key"
ED="$KEYS/test-only-ed25519.key"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-dkim-interop.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

MSGS="$MXW_TESTDATA/dkim/rfc8463/rfc6376-A-unsigned.eml
$MXW_TESTDATA/dkim/dkimpy/test.message
$MXW_TESTDATA/dkim/dkimpy/rfc6376.w1258.msg
$MXW_TESTDATA/samples/sample-nonspam.txt
$MXW_TESTDATA/corpus-sample/$(awk -F'\t' '$2 == "ham" && $8 == "0" {
    print $1; exit }' "$MXW_TESTDATA/corpus-sample/manifest.tsv")"
FAILS=0
CHECKS=0

check() {	# check WHAT GOT WANT
	CHECKS=$((CHECKS + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: got \"$2\", want \"$3\"" >&2
		FAILS=$((FAILS + 1))
	fi
}

mx_results() {	# result words of `mxwarden dkim verify`, one line
	"$MXW_BIN" --dns-zone "$ZONE" dkim verify "$1" | cut -d' ' -f1 |
	    tr '\n' ' ' | sed 's/ $//'
}

py_results() {	# py_results MSG [ZONE]
	"$PY" "$HELPER" verify "${2:-$ZONE}" "$1" | tr '\n' ' ' |
	    sed 's/ $//'
}

n=0
for m in $MSGS; do
	[ -f "$m" ] || continue
	n=$((n + 1))
	for canon in relaxed/relaxed simple/simple relaxed/simple; do
		# mxwarden signs, dkimpy verifies.
		for k in rsa ed both; do
			out="$WORK/mx-$n-$k-${canon%/*}-${canon#*/}.eml"
			case $k in
			rsa) args="--selector rsa --key $RSA" ;;
			ed) args="--selector ed --key $ED" ;;
			both) args="--selector rsa --key $RSA --selector ed
			    --key $ED" ;;
			esac
			# shellcheck disable=SC2086
			"$MXW_BIN" dkim sign --domain example.test $args \
			    --canon "$canon" "$m" > "$out"
			want="pass"
			[ $k = both ] && want="pass pass"
			check "dkimpy verifies mxwarden $k $canon $(basename \
			    "$m")" "$(py_results "$out")" "$want"
			check "mxwarden verifies itself $k $canon" \
			    "$(mx_results "$out")" "$want"
		done
		# dkimpy signs, mxwarden verifies.
		for k in rsa ed; do
			out="$WORK/py-$n-$k-${canon%/*}-${canon#*/}.eml"
			key=$RSA
			[ $k = ed ] && key=$ED
			"$PY" "$HELPER" sign "$key" example.test "$k" "$canon" \
			    "$m" > "$out"
			check "mxwarden verifies dkimpy $k $canon $(basename \
			    "$m")" "$(mx_results "$out")" "pass"
		done
	done
	# Tampering must be seen by both.
	cp "$WORK/py-$n-rsa-relaxed-relaxed.eml" "$WORK/t1.eml"
	printf 'tampered\n' >> "$WORK/t1.eml"
	check "mxwarden sees tampered dkimpy body" \
	    "$(mx_results "$WORK/t1.eml" | cut -d' ' -f1)" "fail"
	printf 'tampered\n' >> "$WORK/mx-$n-ed-relaxed-relaxed.eml"
	check "dkimpy sees tampered mxwarden body" \
	    "$(py_results "$WORK/mx-$n-ed-relaxed-relaxed.eml")" "fail"
done
# keygen: mode 0600, no overwrite, a record that testkey and dkimpy
# accept (for both key types; the RSA record is split into strings).
cd "$WORK"
for t in rsa ed25519; do
	"$MXW_BIN" dkim keygen --domain gen.test --selector "$t" --type "$t" \
	    > "rec-$t.txt"
	check "keygen $t mode" "$(stat -c %a "$t.gen.test.key")" "600"
	set +e
	"$MXW_BIN" dkim keygen --domain gen.test --selector "$t" \
	    --type "$t" > /dev/null 2>&1
	rc=$?
	set -e
	check "keygen $t refuses to overwrite" "$rc" "2"
done
{ echo '$ORIGIN gen.test.'; grep -hv '^;' rec-rsa.txt rec-ed25519.txt; } \
    > gen.zone
check "RSA record split into 255-byte strings" \
    "$(grep -c '^	"' rec-rsa.txt)" "2"
for t in rsa ed25519; do
	check "testkey $t" "$("$MXW_BIN" --dns-zone gen.zone dkim testkey \
	    --domain gen.test --selector $t --key "$t.gen.test.key" |
	    cut -d' ' -f1)" "match"
	"$MXW_BIN" dkim sign --domain gen.test --selector $t \
	    --key "$t.gen.test.key" "$MXW_TESTDATA/samples/sample-nonspam.txt" \
	    > "gen-$t.eml"
	check "dkimpy verifies with a keygen $t record" \
	    "$(py_results "gen-$t.eml" gen.zone)" "pass"
done
check "testkey mismatch" "$("$MXW_BIN" --dns-zone gen.zone dkim testkey \
    --domain gen.test --selector rsa --key ed25519.gen.test.key |
    cut -d' ' -f1)" "mismatch"
[ "$n" -ge 5 ] || { echo "FAIL: too few test messages ($n)" >&2; exit 1; }
echo "dkim_interop: $CHECKS checks over $n messages, $FAILS failed"
[ "$FAILS" -eq 0 ]
