#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format (generated tables excepted).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.cpp' '*.hpp' | grep -v '/generated/' | xargs clang-format --dry-run --Werror
echo "format: all C++ files follow .clang-format"
