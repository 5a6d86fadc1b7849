#!/usr/bin/env bash
# ctest entry of the console's browser tests: installs the pinned puppeteer-core on a fresh machine
# (npm ci, from the lock file), then runs console.test.mjs with Node's test runner:
#   run.sh GATEWAY_BINARY SCREENSHOT_DIR
# Debian's chromium is the browser (scripts/setup.sh --with-browser); CHROMIUM names another one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "console browser tests: node and npm are required (scripts/setup.sh --with-node)" >&2
  exit 1
fi
browser="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$browser" ] || [ ! -x "$browser" ]; then
  echo "console browser tests: Debian's chromium is required (scripts/setup.sh --with-browser)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/puppeteer-core" ]; then
  echo "installing the console tests' npm packages (npm ci)"
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
export FHIRGW_GATEWAY_BINARY="$1" FHIRGW_SCREENSHOTS="$2" CHROMIUM="$browser"
exec node --test --test-reporter=spec "$here/console.test.mjs"
