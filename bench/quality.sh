#!/bin/sh
# Detection and false-positive rates of the content rules on the corpus
# sample (../shared/testdata/corpus-sample), with mxwarden's default
# rules, with SpamAssassin's stock rules loaded into mxwarden, and with
# Debian's SpamAssassin itself (network tests, Bayes and AWL off; see
# bench/sa_score.pl). A message counts as detected at a score of 5 or
# more, SpamAssassin's required_score, for all three.
# Usage: bench/quality.sh [BUILD_DIR]   (a Release build is much faster)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
bin=$build/src/mxwarden
corpus=$here/../shared/testdata/corpus-sample
stock=${SA_RULES:-/usr/share/spamassassin}
thr=${THRESHOLD:-5}
cache=${RULES_CACHE:-$build/rules-cache}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$corpus"
"$bin" rules test --scores ham spam phish > "$tmp/default.tsv"
"$bin" rules test --cache-dir "$cache" --no-default --scores \
    -r "$stock" ham spam phish > "$tmp/stock.tsv"
if [ -z "${SKIP_SA:-}" ]; then
	perl "$here/bench/sa_score.pl" ham/* spam/* phish/* > "$tmp/sa.tsv"
	[ -z "${KEEP:-}" ] || cp "$tmp/sa.tsv" "$KEEP/sa.tsv"
fi

table() {
	awk -v thr="$thr" -v name="$2" -F '\t' '
	{ split($2, p, "/"); c = p[1]; n[c]++; if ($1 + 0 >= thr) h[c]++ }
	END {
		printf("%-34s ham FP %3d/%3d = %5.2f%%   spam %3d/%3d = " \
		    "%5.1f%%   phish %3d/%3d = %5.1f%%\n", name,
		    h["ham"], n["ham"], 100 * h["ham"] / n["ham"],
		    h["spam"], n["spam"], 100 * h["spam"] / n["spam"],
		    h["phish"], n["phish"], 100 * h["phish"] / n["phish"])
	}' "$1"
}
[ -z "${KEEP:-}" ] || cp "$tmp/default.tsv" "$tmp/stock.tsv" "$KEEP/"
table "$tmp/default.tsv" "mxwarden, default rules"
table "$tmp/stock.tsv" "mxwarden, SpamAssassin stock rules"
if [ -f "$tmp/sa.tsv" ]; then
	table "$tmp/sa.tsv" "spamassassin -L (Debian 4.0.1)"
fi
