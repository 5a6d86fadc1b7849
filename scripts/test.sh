#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, warnings as errors) and runs the whole
# test suite through ctest, then builds the sanitizer preset and runs its unit tests, then builds
# the libFuzzer targets and runs each for a bounded time (docs/fuzzing.md). With FHIRGW_TIDY=1 it
# also runs clang-tidy over the product sources (scripts/tidy.sh; about 9 minutes on 2 cores, which
# the CI budget does not have yet).
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
[[ "${FHIRGW_TIDY:-0}" == 1 ]] && extra+=(--with-tidy)
scripts/setup.sh --with-node --with-fuzz "${extra[@]}"
jobs=$(nproc)

echo "== formatting"
scripts/check-format.sh

echo "== release build and full test suite"
cmake --preset release
cmake --build --preset release -j "$jobs"

if [[ "${FHIRGW_TIDY:-0}" == 1 ]]; then
  echo "== clang-tidy (product sources, .clang-tidy)"
  scripts/tidy.sh build
fi

echo "== full test suite"
ctest --preset release -j "$jobs" --timeout 300

echo "== address + undefined sanitizers: unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs" --timeout 300

echo "== fuzzing (bounded)"
# Replays fuzz/regressions/, then fuzzes copies of the seed corpora (about 5 min on 2 idle cores).
scripts/fuzz.sh --seconds "${FHIRGW_FUZZ_SECONDS:-30}"
