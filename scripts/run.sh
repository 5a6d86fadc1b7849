#!/usr/bin/env bash
# Installs what is missing, builds the gateway (Release) and starts it on its embedded default:
# SQLite under ./data, file-sink connectors, API on :8080, admin on 127.0.0.1:8081.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target fhir-gateway -j "$(nproc)"

cat <<'INFO'

fhir-gateway is starting with config/gateway.json:
  API listener    http://localhost:8080   (editors; Authorization: Bearer <API key>)
  admin listener  http://127.0.0.1:8081   (health: curl http://127.0.0.1:8081/health/live)
  data            ./data (SQLite, WAL)
Admin token: FHIRGW_ADMIN_TOKEN when set (16+ characters); otherwise a token is generated at
the first start, printed once in the log below, and stored hashed.
Post the example teleconsultation (after creating an editor key with the admin token):
  KEY=$(curl -s -X POST http://127.0.0.1:8081/admin/v1/clients \
        -H "Authorization: Bearer $FHIRGW_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"name":"demo editor","role":"editor"}' | sed 's/.*"key":"\([^"]*\)".*/\1/')
  curl -i -X POST http://localhost:8080/api/v1/teleconsultations \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        --data @examples/teleconsultation-full.json
Stop with Ctrl-C (clean drain).

INFO
exec build/bin/fhir-gateway --config config/gateway.json "$@"
