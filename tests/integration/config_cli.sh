#!/bin/bash
# `mxwarden config check` and `mxwarden config show` through the real
# binary: exit statuses (0 valid, 2 invalid or usage), FILE:LINE errors on
# standard error, the --json object of docs/json.md, -c FILE versus a
# positional FILE, an @include, `config show` output that checks valid
# again and carries the file's values, and --reference.
#
# Needs: MXW_BIN, /usr/bin/python3 (for the JSON).
set -eu

: "${MXW_BIN:?MXW_BIN must point at the mxwarden binary}"
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxw-config-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run WANT_RC ARGS...: run the binary, keep stdout/stderr in $WORK.
run() {
	local want=$1 rc=0
	shift
	"$MXW_BIN" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "mxwarden $*: exit $rc, want $want"
		sed 's/^/  /' "$WORK/err" >&2
	fi
}

want_line() {		# FILE LINE: FILE has exactly this line
	grep -qxF -- "$2" "$1" || {
		fail "missing line in $(basename "$1"): $2"
		sed 's/^/  got: /' "$1" >&2
	}
}

cat >"$WORK/good.conf" <<'EOF'
log = { level = "debug"; };
spf = { max_lookups = 7; };
@include "dkim.conf"
EOF
cat >"$WORK/dkim.conf" <<'EOF'
dkim = {
	signing = (
		{ domain = "example.com"; selector = "s1";
		  key = "/etc/mxwarden/keys/example.com.key"; }
	);
};
EOF
cat >"$WORK/bad.conf" <<'EOF'
log = {
	levle = "debug";
};
milter = {
	trusted_networks = [ "127.0.0.0/8", "10.0.0.0/33" ];
	timeout = "30 s";
};
dkim = {
	signing = ( { domain = "example.com"; selector = "mail2025"; } );
};
EOF

# Valid, through -c and as a positional argument.
run 0 -c "$WORK/good.conf" config check
want_line "$WORK/out" "$WORK/good.conf: valid"
run 0 config check "$WORK/good.conf"
want_line "$WORK/out" "$WORK/good.conf: valid"
run 0 config check
grep -q "built-in defaults" "$WORK/out" || fail "no-file check output"

# Invalid: every error, with file and line, and exit 2.
run 2 config check "$WORK/bad.conf"
B="$WORK/bad.conf"
want_line "$WORK/err" "$B:2: unknown setting \"log.levle\"; did you mean \"level\"?"
want_line "$WORK/err" "$B:5: milter.trusted_networks[1]: \"10.0.0.0/33\" is not an IP address or network (ADDR/LEN)"
want_line "$WORK/err" "$B:6: milter.timeout: \"30 s\" is not a duration (like 90, 30s, 5m, 2h, 1d, 1w)"
want_line "$WORK/err" "$B:9: dkim.signing[0]: required setting \"key\" is missing"
want_line "$WORK/err" "$B: invalid (4 errors)"

# An error in an included file names that file.
printf 'dkim = { max_signatures = 0; };\n' >"$WORK/dkim.conf"
run 2 config check "$WORK/good.conf"
want_line "$WORK/err" "$WORK/dkim.conf:1: dkim.max_signatures: 0 is out of range (1 to 100)"

# JSON, for both outcomes.
run 2 --json config check "$WORK/bad.conf"
"$PY" - "$WORK/out" "$B" <<'PYEOF' || fail "config check --json (invalid)"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["schema_version"] == 1, o
assert o["valid"] is False and o["file"] == sys.argv[2], o
lines = [e["line"] for e in o["errors"]]
assert lines == [2, 5, 6, 9], lines
assert all(e["file"] == sys.argv[2] for e in o["errors"]), o
assert o["errors_not_shown"] == 0, o
PYEOF
run 0 config check --json
"$PY" - "$WORK/out" <<'PYEOF' || fail "config check --json (defaults)"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["valid"] is True and o["errors"] == [] and o["file"] is None, o
PYEOF

# show: the effective configuration, which checks valid again.
printf 'dkim = { max_signatures = 3; };\n' >"$WORK/dkim.conf"
run 0 -c "$WORK/good.conf" config show
cp "$WORK/out" "$WORK/shown.conf"
grep -qE '^	max_lookups = 7;$' "$WORK/shown.conf" || fail "show: file value"
grep -qE '^	max_signatures = 3;$' "$WORK/shown.conf" ||
    fail "show: included value"
grep -qE '^	max_void = 2;$' "$WORK/shown.conf" || fail "show: default"
run 0 config check "$WORK/shown.conf"
run 0 config show
cp "$WORK/out" "$WORK/defaults.conf"
run 0 config check "$WORK/defaults.conf"
run 0 config show --reference
grep -q '^| `spf.max_lookups` |' "$WORK/out" || fail "show --reference"

# Usage.
run 0 config --help
grep -q "^Examples:" "$WORK/out" || fail "config --help has no examples"
run 2 config
run 2 config frobnicate
run 2 config check --frobnicate
run 2 config show "$WORK/bad.conf"

if [ "$fails" -ne 0 ]; then
	echo "config_cli: $fails failure(s)" >&2
	exit 1
fi
echo "config_cli: all checks passed"
