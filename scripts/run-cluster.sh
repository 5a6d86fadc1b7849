#!/usr/bin/env bash
# Several gateway instances sharing one PostgreSQL store, on this machine: the cluster set-up of
# docs/operations.md ("PostgreSQL") to try before deploying it.
#
#   scripts/run-cluster.sh [--instances N] [--port-base P] [--pg-port P] [--keep]
#                          [--no-build] [--binary FILE] [--check]
#
# Installs what is missing and builds the gateway as scripts/run.sh does (Release, build/), then:
#  - starts a throw-away PostgreSQL server with tests/tools/pg-cluster.sh --durable (Debian's
#    postgresql, initdb into a fresh temporary folder, 127.0.0.1:--pg-port, default 54320; a
#    random password in a file, never in the url);
#  - starts N gateway instances (default 2) with one shared configuration file: the demo's file
#    connector writing into one shared outbox folder, storage.url and storage.passwordFile of that
#    server, one secrets key and one admin token for all; each instance gets its own
#    storage.instanceId (gateway-1, gateway-2, ...), data folder and ports: instance i listens on
#    P + 2(i-1) for the API and the next port for the admin API (P = --port-base, default 8080;
#    0 lets each listener pick a free port);
#  - prints how to create an editor key, post the example to each instance and watch the
#    deliveries, then waits. Ctrl-C (or SIGTERM) stops the instances it started (SIGTERM, each
#    finishes its in-flight requests), then the PostgreSQL server, and removes the temporary
#    folder (--keep leaves it: logs, outbox, configuration).
# If an instance exits on its own, the others and the server are stopped too (exit 1).
#
# --no-build skips setup.sh and the build; --binary FILE runs another fhir-gateway binary (a
# Debug build, the bench's). --check is the automated check (a ctest): start everything, post
# the example under a new externalId to each instance (201), post the first one again to the
# last instance (the same answer, replayed from the store by another instance), wait until every
# delivery is in the outbox, stop everything; exit 0 only if all of that held.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

instances=2
port_base=8080
pg_port=54320
keep=0
build=1
binary=$root/build/bin/fhir-gateway
check=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --instances) instances=$2; shift ;;
    --port-base) port_base=$2; shift ;;
    --pg-port) pg_port=$2; shift ;;
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    --binary) binary=$(readlink -f "$2"); build=0; shift ;;
    --check) check=1 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run-cluster: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ! [[ $instances =~ ^[1-9][0-9]?$ ]]; then
  echo "run-cluster: --instances takes 1 to 99" >&2
  exit 2
fi

if [[ $build == 1 ]]; then
  scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release --target fhir-gateway -j "$(nproc)"
fi
if [[ ! -x $binary ]]; then
  echo "run-cluster: $binary is missing (build it, or --binary FILE)" >&2
  exit 1
fi

if [[ $pg_port == 0 ]]; then
  # A free loopback port for the server (pg-cluster.sh needs a number).
  pg_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fhirgw-cluster.XXXXXX")
chmod 700 "$work"
pids=()
cluster_started=0
stopped=0
stop_all() {
  [[ $stopped == 1 ]] && return
  stopped=1
  # Only the processes this script started, by their ids.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $cluster_started == 1 ]]; then
    tests/tools/pg-cluster.sh stop "$work/pg" >/dev/null || true
  fi
  if [[ $keep == 1 ]]; then
    echo "run-cluster: stopped; logs, outbox and configuration kept in $work"
  else
    rm -rf -- "$work"
    echo "run-cluster: stopped"
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the PostgreSQL server ------------------------------------------------------------------------
cluster_started=1
tests/tools/pg-cluster.sh start "$work/pg" "$pg_port" --durable
url=$(cat "$work/pg/url")

# --- one configuration for every instance --------------------------------------------------------
if [[ -n "${FHIRGW_ADMIN_TOKEN:-}" ]]; then
  token_source="FHIRGW_ADMIN_TOKEN from your environment"
else
  (umask 077; openssl rand -hex 32 >"$work/admin-token")
  FHIRGW_ADMIN_TOKEN=$(cat "$work/admin-token")
  token_source="$work/admin-token"
fi
export FHIRGW_ADMIN_TOKEN
# Connector secrets stored through one instance's admin API are opened by the others: one key.
(umask 077; openssl rand -base64 32 >"$work/secrets.key")
mkdir -p "$work/outbox"
cat >"$work/gateway.json" <<EOF
{
  "server": { "host": "127.0.0.1", "port": 8080 },
  "admin": { "host": "127.0.0.1", "port": 8081 },
  "storage": { "url": "$url", "passwordFile": "$work/pg/password" },
  "secrets": { "keyFile": "$work/secrets.key" },
  "logging": { "level": "info" },
  "connectors": [
    {
      "id": "outbox",
      "type": "file",
      "routes": ["dmp", "treating-physician", "patient", "encounter"],
      "options": { "directory": "$work/outbox" }
    }
  ]
}
EOF

# --- the instances --------------------------------------------------------------------------------
declare -A api_port admin_port
for i in $(seq 1 "$instances"); do
  a=0 m=0
  if [[ $port_base != 0 ]]; then
    a=$((port_base + 2 * (i - 1)))
    m=$((a + 1))
  fi
  mkdir -p "$work/gw-$i"
  # Started together: the first to take the schema's advisory lock migrates, the others wait.
  "$binary" --config "$work/gateway.json" --set "server.port=$a" --set "admin.port=$m" \
    --set "storage.instanceId=gateway-$i" --set "storage.dataDir=$work/gw-$i" \
    2>"$work/gw-$i.log" &
  pids+=("$!")
done
for i in $(seq 1 "$instances"); do
  pid=${pids[$((i - 1))]}
  for _ in $(seq 1 600); do
    grep -q '"event":"gateway.started"' "$work/gw-$i.log" && break
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  line=$(grep '"event":"gateway.started"' "$work/gw-$i.log" | head -1 || true)
  if [[ -z $line ]]; then
    echo "run-cluster: instance gateway-$i did not start; the end of its log:" >&2
    tail -5 "$work/gw-$i.log" >&2
    exit 1
  fi
  api_port[$i]=$(sed 's/.*"apiPort":"\{0,1\}\([0-9]*\).*/\1/' <<<"$line")
  admin_port[$i]=$(sed 's/.*"adminPort":"\{0,1\}\([0-9]*\).*/\1/' <<<"$line")
done

# --- the automated check --------------------------------------------------------------------------
if [[ $check == 1 ]]; then
  fail() {
    echo "run-cluster: check failed: $*" >&2
    for i in $(seq 1 "$instances"); do
      echo "--- gateway-$i (end of its log)" >&2
      tail -5 "$work/gw-$i.log" >&2
    done
    exit 1
  }
  key=$(curl -sf -H "Authorization: Bearer $FHIRGW_ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"cluster check","role":"editor"}' \
    "http://127.0.0.1:${admin_port[1]}/admin/v1/clients" \
    | sed -n 's/.*"key":"\([^"]*\)".*/\1/p') || true
  [[ -n $key ]] || fail "no editor key from gateway-1's admin API"
  post() {  # instance externalId: prints the status (headers and body in $work)
    sed "s/LGC-2026-000123/$2/g" examples/teleconsultation-full.json \
      | curl -s -D "$work/headers" -o "$work/answer" -w '%{http_code}' \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data-binary @- \
        "http://127.0.0.1:${api_port[$1]}/api/v1/teleconsultations"
  }
  answer_field() {  # id | deliveries (those not skipped) of the last answer
    /usr/bin/python3 -c "
import json, sys
d = json.load(open('$work/answer'))
print(d['id'] if '$1' == 'id' else sum(1 for x in d.get('deliveries', []) if x.get('status') != 'skipped'))"
  }
  tag=$(openssl rand -hex 4)
  expected=0
  first_id=
  for i in $(seq 1 "$instances"); do
    status=$(post "$i" "CLUSTER-$tag-$i")
    [[ $status == 201 ]] || fail "gateway-$i answered $status to a new teleconsultation"
    id=$(answer_field id)
    [[ $i == 1 ]] && first_id=$id
    expected=$((expected + $(answer_field deliveries)))
    echo "run-cluster: gateway-$i accepted record $id"
  done
  status=$(post "$instances" "CLUSTER-$tag-1")
  id=$(answer_field id)
  if [[ $status != 201 || $id != "$first_id" ]] \
    || ! grep -qi '^Idempotent-Replayed: true' "$work/headers"; then
    fail "gateway-$instances did not replay gateway-1's answer (status $status)"
  fi
  echo "run-cluster: gateway-$instances replayed gateway-1's answer from the store"
  [[ $expected -gt 0 ]] || fail "no delivery queued"
  delivered=0
  for _ in $(seq 1 300); do
    delivered=$(find "$work/outbox" -maxdepth 1 -name '*.json' | wc -l)
    [[ $delivered -ge $expected ]] && break
    sleep 0.1
  done
  [[ $delivered -ge $expected ]] || fail "$delivered of $expected deliveries in the outbox after 30 s"
  echo "run-cluster: $delivered deliveries in the shared outbox"
  echo "run-cluster: check passed"
  exit 0
fi

# --- how to use it --------------------------------------------------------------------------------
echo
echo "fhir-gateway: $instances instances on one PostgreSQL store ($(cat "$work/pg/url"))"
for i in $(seq 1 "$instances"); do
  printf '  gateway-%-3s API http://127.0.0.1:%s   admin http://127.0.0.1:%s (console: /console/)   log %s\n' \
    "$i" "${api_port[$i]}" "${admin_port[$i]}" "$work/gw-$i.log"
done
cat <<INFO
  shared outbox   $work/outbox (the demo file connector: one file per delivery)
  admin token     $token_source (the same for every instance)

In another terminal, from $root:
  ADMIN=\$(cat $work/admin-token)
  KEY=\$(curl -s -X POST http://127.0.0.1:${admin_port[1]}/admin/v1/clients \\
        -H "Authorization: Bearer \$ADMIN" -H 'Content-Type: application/json' \\
        -d '{"name":"demo editor","role":"editor"}' | sed 's/.*"key":"\\([^"]*\\)".*/\\1/')
INFO
for i in $(seq 1 "$instances"); do
  cat <<INFO
  curl -i -X POST http://127.0.0.1:${api_port[$i]}/api/v1/teleconsultations \\
        -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' \\
        --data @<(sed 's/LGC-2026-000123/LGC-2026-00012$i/g' examples/teleconsultation-full.json)
INFO
done
last=$instances
cat <<INFO
  # The key made on one instance works on all; a record posted to one is read through another:
  curl -s http://127.0.0.1:${api_port[$last]}/api/v1/teleconsultations/ext:LGC-2026-000121 \\
        -H "Authorization: Bearer \$KEY"
  curl -s -H "Authorization: Bearer \$ADMIN" "http://127.0.0.1:${admin_port[$last]}/admin/v1/deliveries?limit=20"
  ls $work/outbox
Stop with Ctrl-C: the instances finish their in-flight requests, then the server stops and
$work is removed$( [[ $keep == 1 ]] && echo ' (kept: --keep)').

INFO

# Waits for Ctrl-C, or for an instance to exit on its own (then stops the others).
while true; do
  ended=
  code=0
  wait -n -p ended "${pids[@]}" || code=$?
  [[ -n $ended ]] || continue
  for i in $(seq 1 "$instances"); do
    if [[ ${pids[$((i - 1))]} == "$ended" ]]; then
      echo "run-cluster: gateway-$i exited on its own (status $code); stopping the others" >&2
      tail -5 "$work/gw-$i.log" >&2
    fi
  done
  exit 1
done
