#!/bin/sh
# Throughput of the content rules alone (bench_rules: rules loaded once,
# not timed; rules_check timed in thread CPU time) on the corpus sample,
# with mxwarden's default rules and with SpamAssassin's stock rules,
# against Debian's SpamAssassin on the same messages (bench/sa_score.pl,
# network tests, Bayes and AWL off). All figures are messages per
# second per core. The stock set is compiled once into a cache
# directory; later runs load it from there (the load time is printed).
# Usage: bench/rules.sh [BUILD_DIR]   (use a Release build)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-rel}
stock=${SA_RULES:-/usr/share/spamassassin}
cache=${RULES_CACHE:-$build/rules-cache}
corpus=$here/../shared/testdata/corpus-sample
rounds=${ROUNDS:-3}

echo "default rules:"
"$build/bench/bench_rules" -n "$rounds" -C "$cache" "$corpus"
echo "SpamAssassin stock rules ($stock):"
out=$("$build/bench/bench_rules" -n "$rounds" --no-default -r "$stock" \
    -C "$cache" "$corpus")
echo "$out"
ours=$(echo "$out" | sed -n 's/.* \([0-9]*\) msg\/s\/core.*/\1/p')
if [ -z "${SKIP_SA:-}" ]; then
	sa=$(cd "$corpus" && perl "$here/bench/sa_score.pl" ham/* spam/* \
	    phish/* 2>&1 >/dev/null | sed -n 's/.* \([0-9.]*\) msg\/s\/core/\1/p')
	echo "spamassassin: $sa msg/s/core"
	awk -v a="$ours" -v b="$sa" 'BEGIN { if (b > 0)
	    printf("ratio, stock rules: %.0f times SpamAssassin\n", a / b) }'
fi
