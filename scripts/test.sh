#!/usr/bin/env bash
# Installs what is missing, builds everything (Release, warnings as errors) and runs the whole
# test suite through ctest, then builds the sanitizer preset and runs its unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --with-node
jobs=$(nproc)

echo "== formatting"
scripts/check-format.sh

echo "== release build and full test suite"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs" --timeout 300

echo "== address + undefined sanitizers: unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs" --timeout 300
