#!/bin/sh
# Run every libFuzzer target in BUILD for SECONDS each, starting from its
# seed corpus in fuzz/corpus/NAME (plus fuzz/corpus/NAME.extra, a file
# naming extra seed directories under ../shared/testdata). New inputs go
# to a temporary directory, never into the repository. Fails if a target
# crashes, leaks or times out.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build-test}
SECONDS_EACH=${2:-20}
TESTDATA=$(cd .. && pwd)/shared/testdata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

found=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	found=$((found + 1))
	name=${bin##*/fuzz_}
	mkdir -p "$work/$name"
	seeds="fuzz/corpus/$name"
	extra=""
	if [ -f "fuzz/corpus/$name.extra" ]; then
		while read -r d; do
			case "$d" in ""|\#*) continue ;; esac
			[ -d "$TESTDATA/$d" ] && extra="$extra $TESTDATA/$d"
		done < "fuzz/corpus/$name.extra"
	fi
	echo "fuzz: $name for ${SECONDS_EACH}s"
	# shellcheck disable=SC2086
	if ! "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
	    -artifact_prefix="$work/$name-" "$work/$name" $seeds $extra \
	    >"$work/$name.log" 2>&1; then
		tail -n 60 "$work/$name.log"
		echo "fuzz: $name FAILED" >&2
		ls "$work"/"$name"-* 2>/dev/null || true
		exit 1
	fi
	grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$name.log" | tail -n 1 || true
done
echo "fuzz: $found targets ran clean"
[ "$found" -gt 0 ]
