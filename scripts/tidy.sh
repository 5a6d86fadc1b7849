#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy; every finding is an error) over the product sources of a
# configured build folder (default: build, the release preset). Tests, benchmarks, fuzz targets
# and the generated R4 tables (data, 12,000 lines) are left out; the headers of the modules,
# public and private, are checked through the translation units that include them. About 47
# minutes of CPU before the analyzer's node budget below (150 translation units, 2026-12-03).
# Usage: scripts/tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
if [[ ! -f "$build/compile_commands.json" ]]; then
  echo "tidy: $build/compile_commands.json is missing (configure with cmake first)" >&2
  exit 1
fi
runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
if [[ -z "$runner" ]]; then
  echo "tidy: run-clang-tidy not found (Debian package clang-tidy)" >&2
  exit 1
fi
# The product folders: every folder holding a fhirgw_module(), at any depth (connectors/engine is
# a module of its own).
modules=$(find . \( -path ./tests -o -path './build*' -o -path ./node_modules \) -prune -o \
  -name CMakeLists.txt -print | xargs grep -l "fhirgw_module(" | xargs -n1 dirname |
  sed 's#^\./##' | grep -v '^\.$' | sort | paste -sd'|')
# GCC-only warning flags in compile_commands.json mean nothing to clang: not a finding.
# The static analyzer (clang-analyzer-*) may explore 50,000 nodes of its exploded graph per
# top-level function (clang's default is 225,000; its "shallow" mode 75,000 without inlining):
# a few translation units spent most of the analyzer's time there, e.g. store/src/sqlite/
# deliveries.cpp 66 s of CPU (26 s capped), common/src/field_reader.cpp 40 s (11 s).
"$runner" -p "$build" -j "$(nproc)" -quiet \
  -extra-arg=-Wno-unknown-warning-option \
  -extra-arg=-Xclang -extra-arg=-analyzer-config -extra-arg=-Xclang -extra-arg=max-nodes=50000 \
  "^$PWD/($modules)/(src|include)/(?!generated/).*\\.cpp$" > "$build/clang-tidy.log" 2>&1 || {
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u | head -50
  echo "tidy: clang-tidy found problems (full output: $build/clang-tidy.log)" >&2
  exit 1
}
echo "tidy: clean ($(grep -c '"file"' "$build/compile_commands.json") entries in the compile database)"
