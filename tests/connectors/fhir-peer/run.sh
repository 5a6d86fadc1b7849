#!/usr/bin/env bash
# Starts the test FHIR peer (server.js), installing its pinned npm packages first on a fresh
# machine (npm ci, from the lock file). Arguments are passed to server.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "fhir-peer: node and npm are required (scripts/setup.sh --with-node)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@medplum/fhir-router" ]; then
  echo "fhir-peer: installing npm packages (npm ci)" >&2
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
fi
# @medplum/core 5 uses the WebSocket global, which Node 20 exposes only behind this flag.
flags=()
if node --experimental-websocket -e '' 2>/dev/null; then flags+=(--experimental-websocket); fi
exec node "${flags[@]}" "$here/server.js" "$@"
