#!/usr/bin/env bash
# Starts the strict local DMP peer (server.js), installing its pinned npm packages first on a
# fresh machine (npm ci, from the lock file). Arguments are passed to server.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "dmp-peer: node and npm are required (scripts/setup.sh --with-node)" >&2
  exit 1
fi
if ! command -v xmllint >/dev/null; then
  echo "dmp-peer: xmllint is required (apt-get install libxml2-utils)" >&2
  exit 1
fi
# ctest runs the peer's tests in parallel: the first one installs while the others wait on the
# lock (npm ci rewrites node_modules), and the marker is written only once the install is complete.
exec 9>"$here/.install.lock"
flock 9
if [ ! -f "$here/node_modules/.fhirgw-installed" ]; then
  echo "dmp-peer: installing npm packages (npm ci)" >&2
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  touch "$here/node_modules/.fhirgw-installed"
fi
flock -u 9
exec 9>&-
exec node "$here/server.js" "$@"
