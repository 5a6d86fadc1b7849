#!/usr/bin/env bash
# ctest entry of the independent FHIR validator: installs the pinned packages on a fresh machine
# (npm ci, from the lock file), then validates every golden file under the given directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${1:-$here/../data}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "IndependentFhirValidator: node and npm are required (scripts/setup.sh --with-node)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@medplum/core" ] || [ ! -d "$here/node_modules/ajv" ]; then
  echo "installing the validator's npm packages (npm ci)"
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
# @medplum/core 5 uses the WebSocket global, which Node 20 exposes only behind this flag.
flags=()
if node --experimental-websocket -e '' 2>/dev/null; then flags+=(--experimental-websocket); fi
exec node "${flags[@]}" "$here/validate.js" "$root"
