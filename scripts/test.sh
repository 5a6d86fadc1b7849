#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, warnings as errors), runs clang-tidy over
# the product sources and the whole test suite through ctest, then builds the sanitizer preset
# (clang, ASan + UBSan: the unit tests and the libFuzzer targets in one build) and runs its unit
# tests, then runs each fuzz target for a bounded time (docs/fuzzing.md). Each stage prints its
# wall time. FHIRGW_TIDY=0 skips clang-tidy (a quicker local run; CI always runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

tidy="${FHIRGW_TIDY:-1}"
extra=()
[[ "$tidy" == 1 ]] && extra+=(--with-tidy)
scripts/setup.sh --with-node --with-fuzz --with-browser "${extra[@]}"
jobs=$(nproc)

stage_name=""
stage_start=$SECONDS
stage() {
  [[ -n "$stage_name" ]] && echo "== $stage_name: $((SECONDS - stage_start)) s"
  stage_name="$1"
  stage_start=$SECONDS
  [[ -n "$stage_name" ]] && echo "== $stage_name"
  return 0
}

stage "formatting"
scripts/check-format.sh

stage "release build"
cmake --preset release
cmake --build --preset release -j "$jobs"

if [[ "$tidy" == 1 ]]; then
  stage "clang-tidy (product sources, .clang-tidy)"
  scripts/tidy.sh build
fi

stage "full test suite"
ctest --preset release -j "$jobs" --timeout 300

stage "sanitizer build (unit tests and fuzz targets)"
cmake --preset asan
cmake --build --preset asan -j "$jobs"

stage "address + undefined sanitizers: unit tests"
# The tests `ctest --preset asan` runs, each GoogleTest binary in a few shard processes rather
# than one process per test: sanitizer start-up was most of this stage (run_unit_tests.py).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  scripts/run_unit_tests.py build-asan --jobs $((2 * jobs)) --timeout 900

stage "fuzzing (bounded)"
# Replays fuzz/regressions/, then fuzzes copies of the seed corpora (about 2 min on 2 idle cores).
scripts/fuzz.sh --no-build --seconds "${FHIRGW_FUZZ_SECONDS:-30}"
stage ""
echo "== all stages passed in $SECONDS s"
