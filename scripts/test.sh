#!/bin/sh
# Run every test: install what is missing, build with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang, libFuzzer instrumentation on), run all
# ctest suites (unit, conformance, integration with real NSD, Postfix,
# miltertest, swaks), run each fuzz target for a bounded time, and check
# line width. Exits non-zero on the first failure.
set -eu
cd "$(dirname "$0")/.."
BUILD=${MXW_TEST_BUILD:-build-test}
FUZZ_SECONDS=${MXW_FUZZ_SECONDS:-20}

if [ "$(id -u)" -eq 0 ]; then
	./scripts/install-deps.sh
else
	./scripts/install-deps.sh || {
		echo "test.sh: run as root once to install dependencies" >&2
		exit 2
	}
fi

cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DMXW_SANITIZE=ON -DMXW_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

# ASan: leaks are bugs too; UBSan: stop at the first report.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$(pwd)/tests/lsan.supp"

(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)")

./scripts/fuzz.sh "$BUILD" "$FUZZ_SECONDS"
./scripts/check-style.sh

# The README's first command builds with the default compiler (gcc) and
# optimisation, which finds warnings clang does not: it must build too.
cmake -S . -B "$BUILD-gcc" -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD-gcc" -j"$(nproc)"
echo "test.sh: all tests passed"

