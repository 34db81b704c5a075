#!/bin/sh
# House-style checks that CI enforces: no line of C source over 80
# columns (tabs expand to multiples of 8), except a line whose only long part is a
# string literal that cannot be split (it contains a quote).
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
bad=$(awk '
{
	# Expand tabs to the next multiple of 8, as an editor shows them.
	w = 0
	for (i = 1; i <= length($0); i++) {
		if (substr($0, i, 1) == "\t")
			w = w + 8 - w % 8
		else
			w++
	}
	if (w > 80 && $0 !~ /"/)
		printf("%s:%d: %d columns\n", FILENAME, FNR, w)
}' $files)
if [ -n "$bad" ]; then
	echo "$bad"
	echo "check-style: lines over 80 columns" >&2
	exit 1
fi
echo "check-style: all C lines within 80 columns"
