#!/usr/bin/env bash
# ctest entry of the OpenAPI checks: installs the pinned packages on a fresh machine (npm ci, from
# the lock file), then
#   run.sh lint                 Redocly CLI's recommended rules on gateway/openapi/*.json (any
#                               warning fails), and check.js documents (routes <-> documents,
#                               request examples against their schemas);
#   run.sh contract FILE        check.js contract: the recorded answers of the real gateway against
#                               the documents.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "OpenAPI checks: node and npm are required (scripts/setup.sh --with-node)" >&2
  exit 1
fi
if [ ! -x "$here/node_modules/.bin/redocly" ] || [ ! -d "$here/node_modules/ajv-formats" ]; then
  echo "installing the OpenAPI checks' npm packages (npm ci)"
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
# No telemetry, no update check: the lint runs offline once installed.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
case "${1:-}" in
  lint)
    report="$(mktemp)"
    trap 'rm -f "$report"' EXIT
    status=0
    for api in editor admin; do
      (cd "$here" && node_modules/.bin/redocly lint "$api" --config redocly.yaml --format=json) \
        >"$report" 2>/dev/null || status=$?
      # Errors fail through the exit status; warnings of the recommended set fail here.
      node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        for (const p of r.problems) {
          const at = (p.location && p.location[0]) || {};
          console.error(`${p.severity} ${p.ruleId}: ${p.message} at ${at.pointer}`);
        }
        console.log(`redocly ${process.argv[2]}: ${r.totals.errors} errors, ${r.totals.warnings} warnings`);
        process.exit(r.totals.errors + r.totals.warnings === 0 ? 0 : 1);' "$report" "$api" || status=1
    done
    node "$here/check.js" documents "$here/../.." || status=1
    exit $status
    ;;
  contract)
    exec node "$here/check.js" contract "$2"
    ;;
  *)
    echo "usage: run.sh lint | contract RECORDS.json" >&2
    exit 2
    ;;
esac
