#!/usr/bin/env bash
# Installs what is missing, builds the gateway (Release, with the admin console bundled from npm)
# and starts it on its embedded default:
# SQLite under ./data, API on :8080, admin on 127.0.0.1:8081 (config/gateway.json).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target fhir-gateway -j "$(nproc)"

# The demo keeps its admin token in a private file so the commands below can be pasted as they
# are. Set FHIRGW_ADMIN_TOKEN yourself (16+ characters) to use your own.
token_source="FHIRGW_ADMIN_TOKEN from your environment"
if [ -z "${FHIRGW_ADMIN_TOKEN:-}" ]; then
  mkdir -p data && chmod 700 data
  if [ ! -s data/demo-admin-token ]; then
    (umask 077; openssl rand -hex 32 > data/demo-admin-token)
  fi
  FHIRGW_ADMIN_TOKEN=$(cat data/demo-admin-token)
  export FHIRGW_ADMIN_TOKEN
  token_source="data/demo-admin-token (exported as FHIRGW_ADMIN_TOKEN)"
fi

cat <<INFO

fhir-gateway is starting with config/gateway.json:
  API listener    http://localhost:8080     editors, Authorization: Bearer <API key>
  admin listener  http://127.0.0.1:8081     curl http://127.0.0.1:8081/health/live
  admin console   http://127.0.0.1:8081/console/   (log in with the admin token below)
  data            ./data (SQLite, WAL, synchronous=FULL)
  admin token     ${token_source}

In another terminal, from $(pwd):
  ADMIN=\$(cat data/demo-admin-token)
  KEY=\$(curl -s -X POST http://127.0.0.1:8081/admin/v1/clients \\
        -H "Authorization: Bearer \$ADMIN" -H 'Content-Type: application/json' \\
        -d '{"name":"demo editor","role":"editor"}' | sed 's/.*"key":"\\([^"]*\\)".*/\\1/')
  curl -i -X POST http://localhost:8080/api/v1/teleconsultations \\
        -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' \\
        --data @examples/teleconsultation-full.json
  curl -s http://localhost:8080/api/v1/teleconsultations/ext:LGC-2026-000123 \\
        -H "Authorization: Bearer \$KEY"
Stop with Ctrl-C (in-flight requests finish, exit 0).

INFO
exec build/bin/fhir-gateway --config config/gateway.json "$@"
