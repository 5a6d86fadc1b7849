#!/usr/bin/env bash
# The ingest and delivery benchmark of issue 15, on the embedded default store (SQLite) or on
# PostgreSQL with one or several gateway instances (issue 16), in one run; the method of every
# figure is in docs/performance.md ("Ingest and delivery benchmark", "On PostgreSQL").
#
#   scripts/bench.sh [--quick] [--duration S] [--connections "1 16 64"] [--sustained R[:S]]
#                    [--backlog N] [--drain-cap S] [--workers N] [--profile] [--keep]
#                    [--no-build] [--store sqlite|postgresql] [--instances N]
#
# Builds its own Release tree (build-bench/: fhir-gateway, the bench programs), makes a test CA
# with openssl, then:
#  1. the HTTP ceiling: bench/ceiling_server (Poco's HTTPServer, and the gateway's own listener
#     with one no-op route) loaded by wrk with the full example at each connection count;
#  2. the gateway (a fresh data folder, one fhir-rest connector to bench/https_sink over
#     verified TLS) loaded with POST /api/v1/teleconsultations of examples/teleconsultation-full.json
#     with unique externalIds (bench/post_teleconsultation.lua); every answer but 201 is an error;
#  3. sustained ingest: on a fresh data folder, the same connector and sink, R records/s
#     offered for S seconds (--sustained, default 300:60; --quick 300:20; 0 skips it) by wrk
#     paced (bench/post_teleconsultation.lua's delay()); the queue depth and the sink's POSTs
#     read once a second; prints records/s offered and accepted, deliveries/s queued and
#     delivered, the queue's depth and slope, and whether deliveries keep up;
#  4. delivery: a backlog of --backlog deliveries (default 100,000) piled up behind the sink
#     switched off, then drained after a restart with the sink on (deliveries/s, connections);
#     the drain is followed for at most --drain-cap seconds (default 600), after which the time
#     for the whole backlog is extrapolated from the rate so far (and said so);
#  5. prints requests/s, p50/p99, gateway/ceiling ratios, peak RSS, CPU, store bytes per record,
#     WAL pages per commit and the mapping + validation time per record.
# A default run takes a few minutes plus the backlog's pile-up and drain (up to --drain-cap);
# --quick is a smoke run (3 s loads, 20 s sustained, a backlog of 3,000, drain cap 120 s).
# --profile records the gateway with `perf record -g` during the last (largest) load and prints
# the top of `perf report`.
# --store postgresql runs phases 2 to 4 on a throw-away PostgreSQL server (tests/tools/
# pg-cluster.sh --durable: Debian's postgresql, initdb into a temporary folder, a free loopback
# port), a database per phase, with --instances N gateways (default 1) sharing it, each with its
# own storage.instanceId; wrk's threads are spread over the instances (one wrk process: summed
# requests/s, percentiles of all requests; one connection loads the first instance only), the
# gateways' CPU is summed, and the server's CPU, memory (PSS) and WAL are printed too.
# Needs wrk, sqlite3, curl, openssl, python3 (scripts/setup.sh --with-bench) and perf for
# --profile. Run it on a machine as quiet as possible: wrk shares the cores with the gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=15
ceiling_duration=10
connections="1 16 64"
backlog=100000
workers=4
profile=0
keep=0
build=1
mapping_runs=2000
drain_cap=180  # after each ingest load
backlog_cap=600
store=sqlite
instances=1
sustained=
sustained_s=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick)
      duration=3; ceiling_duration=3; backlog=3000; mapping_runs=300; drain_cap=60; backlog_cap=120
      sustained_s=20 ;;
    --duration) duration=$2; ceiling_duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    --sustained) sustained=$2; shift ;;
    --backlog) backlog=$2; shift ;;
    --drain-cap) backlog_cap=$2; shift ;;
    --workers) workers=$2; shift ;;
    --profile) profile=1 ;;
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    --store) store=$2; shift ;;
    --instances) instances=$2; shift ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $store != sqlite && $store != postgresql ]]; then
  echo "bench: --store takes sqlite or postgresql" >&2
  exit 2
fi
if ! [[ $instances =~ ^[1-9]$ ]] || [[ $store == sqlite && $instances != 1 ]]; then
  echo "bench: --instances takes 1 to 9, and more than 1 needs --store postgresql" >&2
  exit 2
fi
sustained_rate=${sustained:-300}
sustained_rate=${sustained_rate%%:*}
[[ $sustained == *:* ]] && sustained_s=${sustained#*:}
if ! [[ $sustained_rate =~ ^[0-9]+$ && $sustained_s =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: --sustained takes R[:S], records/s and seconds (R 0 skips the phase)" >&2
  exit 2
fi
need=(wrk curl openssl bc)
[[ $store == sqlite ]] && need+=(sqlite3)
[[ $profile == 1 ]] && need+=(perf)
for tool in "${need[@]}"; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: $tool is missing (scripts/setup.sh --with-bench installs what the bench needs)" >&2
    exit 69
  fi
done
py=/usr/bin/python3

bin=$root/build-bench/bin
if [[ $build == 1 ]]; then
  echo "== building build-bench (Release, -O2 with frame pointers for perf)"
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if [[ ! -f build-bench/CMakeCache.txt ]]; then
    cmake -S . -B build-bench "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG -fno-omit-frame-pointer" \
      -DFHIRGW_BUILD_TESTS=OFF > /dev/null
  fi
  cmake --build build-bench -j "${FHIRGW_BENCH_JOBS:-2}" --target fhir-gateway ceiling_server \
    https_sink mapping_bench validator_bench > /dev/null
fi

work=$(mktemp -d /tmp/fhirgw-bench.XXXXXX)
pids=()
pg_started=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ $pg_started == 1 ]]; then "$root/tests/tools/pg-cluster.sh" stop "$work/pg" > /dev/null || true; fi
  if [[ $keep == 1 ]]; then echo "bench: work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
body=$root/examples/teleconsultation-full.json
lua=$root/bench/post_teleconsultation.lua
tag=$(date +%s)
token=$(openssl rand -hex 24)
out=$work/summary.txt
: > "$out"
note() { printf '%s\n' "$*" | tee -a "$out"; }

# --- helpers -----------------------------------------------------------------------------------
# Starts a program whose first line on stdout is "port N"; sets started_pid and started_port.
start_peer() {  # name command... (standard error to $work/name.err, or to $peer_err when set)
  local name=$1; shift
  "$@" > "$work/$name.out" 2> "${peer_err:-$work/$name.err}" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 100); do
    if grep -q '^port ' "$work/$name.out" 2>/dev/null; then
      started_port=$(sed -n 's/^port //p' "$work/$name.out" | head -1)
      return 0
    fi
    sleep 0.05
  done
  echo "bench: $name did not start: $(cat "$work/$name.err")" >&2
  exit 1
}
stop_pid() {  # pid: SIGTERM, wait for the exit
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Busy and total ticks of the whole machine (every process, ours and others').
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
hwm_mib() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
field() {  # key line: the value of key=value in line
  sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<< " $2"
}
# wrk with the unique-id script; prints the RESULT line (and SAMPLE lines of refused answers).
# With load_ports set ("P1,P2": the API ports of several instances), wrk's threads are spread
# over them; with load_rate set (requests/s in all), the load is paced instead of closed
# (bench/post_teleconsultation.lua).
load_ports=
load_rate=
load() {  # url connections seconds tag [key]
  local threads=2 rate=
  [[ $2 -lt 2 ]] && threads=1
  [[ -n $load_rate ]] && rate=$(echo "$load_rate / $threads" | bc -l)
  FHIRGW_BENCH_PORTS=$load_ports FHIRGW_BENCH_RATE=$rate \
    wrk -t "$threads" -c "$2" -d "${3}s" --timeout 30s -s "$lua" "$1" -- "$body" "$4" "${5:-}" \
    | grep -E '^(RESULT|SAMPLE)'
}
ms() {  # key result: a latency of load's RESULT line in ms
  echo "$(field "$1" "$2") / 1000" | bc -l
}
load_errors() {  # result: "non-201 count, their statuses, sock:socket errors"
  echo "$(field non201 "$1") $(field statuses "$1") sock:$(field socket_errors "$1")"
}
refused() {  # load's output: its SAMPLE lines, printed and kept in the summary
  grep '^SAMPLE' <<< "$1" | sed 's/^SAMPLE /  refused: /' | tee -a "$out" || true
}
metric() {  # admin_port name connector: the value of a gauge of the sink connector
  curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$1/metrics" \
    | awk -v n="$2" -v c="connector=\"$3\"" '$1 ~ "^"n"{" && index($1, c) {printf "%.0f\n", $2; exit}' \
    || true
}
metric_state() {  # admin_port state: fhirgw_deliveries of the sink connector in that state
  curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$1/metrics" \
    | awk -v s="state=\"$2\"" '$1 ~ /^fhirgw_deliveries\{/ && index($1, "connector=\"sink\"") \
        && index($1, s) {printf "%.0f\n", $2; exit}' || true
}
sink_stat() {  # port key
  curl -sf --cacert "$work/pki/ca.pem" "https://127.0.0.1:$1/stats" \
    | $py -c "import json,sys; print(json.load(sys.stdin)['$2'])" || true
}

# The gateway with one fhir-rest connector to https://127.0.0.1:sink_port; on PostgreSQL, the
# store is the database db of the bench's server.
write_config() {  # file data_dir sink_port breaker_threshold breaker_open_ms [db]
  local storage="\"dataDir\": \"$2\""
  if [[ $store == postgresql ]]; then
    storage="$storage, \"url\": \"$pg_url/$6\", \"passwordFile\": \"$work/pg/password\""
  fi
  cat > "$1" <<EOF
{
  "server": { "host": "127.0.0.1", "port": 0 },
  "admin": { "host": "127.0.0.1", "port": 0 },
  "storage": { $storage },
  "logging": { "level": "info" },
  "connectors": [
    {
      "id": "sink",
      "type": "fhir-rest",
      "routes": ["dmp", "treating-physician", "patient", "encounter"],
      "workers": $workers,
      "retry": { "initialDelayMs": 100, "maxDelayMs": 1000 },
      "circuitBreaker": { "failureThreshold": $4, "openMs": $5, "maxOpenMs": $5 },
      "options": {
        "baseUrl": "https://127.0.0.1:$3/fhir",
        "caFile": "$work/pki/ca.pem",
        "allowedPrivateNetworks": ["127.0.0.1/32"]
      }
    }
  ]
}
EOF
}
# Starts the instances (one on SQLite) with one configuration, instance i logging to log (i = 1)
# or log-i; sets gw_pids, api_ports, admin_ports, gw_pid, api_port and admin_port (the first
# instance's) and load_ports (the API ports, when several).
start_gateway() {  # config log
  local i log extra
  gw_pids=() api_ports=() admin_ports=()
  for i in $(seq 1 "$instances"); do
    log=$2
    [[ $i -gt 1 ]] && log=${2%.log}-$i.log
    extra=()
    if [[ $store == postgresql ]]; then
      extra=(--set "storage.instanceId=bench-$i" --set "storage.dataDir=$work/instance-$i")
      mkdir -p "$work/instance-$i"
    fi
    FHIRGW_ADMIN_TOKEN=$token "$bin/fhir-gateway" --config "$1" "${extra[@]}" 2> "$log" &
    gw_pids[$i]=$!
    pids+=("$!")
  done
  for i in $(seq 1 "$instances"); do
    log=$2
    [[ $i -gt 1 ]] && log=${2%.log}-$i.log
    for _ in $(seq 1 400); do
      if grep -q '"event":"gateway.started"' "$log"; then
        local line
        line=$(grep '"event":"gateway.started"' "$log" | head -1)
        api_ports[$i]=$(sed 's/.*"apiPort":"\{0,1\}\([0-9]*\).*/\1/' <<< "$line")
        admin_ports[$i]=$(sed 's/.*"adminPort":"\{0,1\}\([0-9]*\).*/\1/' <<< "$line")
        break
      fi
      sleep 0.05
    done
    if [[ -z "${api_ports[$i]:-}" ]]; then
      echo "bench: the gateway did not start:" >&2
      tail -5 "$log" >&2
      exit 1
    fi
  done
  gw_pid=${gw_pids[1]}
  api_port=${api_ports[1]}
  admin_port=${admin_ports[1]}
  load_ports=
  if [[ $instances -gt 1 ]]; then load_ports=$(IFS=,; echo "${api_ports[*]}"); fi
}
stop_gateways() {
  local pid
  for pid in "${gw_pids[@]}"; do stop_pid "$pid"; done
}
# A fresh data folder (SQLite) or database db (PostgreSQL) behind the sink connector: writes
# name.json, starts the instances logging to gateway-name.log, makes an editor client; sets data,
# key and api besides start_gateway's variables.
fresh_gateway() {  # name breaker_threshold breaker_open_ms
  data=$work/$1-data
  mkdir -p "$data"
  write_config "$work/$1.json" "$data" "$sink_port" "$2" "$3" "$1"
  start_gateway "$work/$1.json" "$work/gateway-$1.log"
  key=$(editor_key "$admin_port")
  api="http://127.0.0.1:$api_port"
}
# One POST of the full example that must answer 201; prints the deliveries it queued.
first_post() {
  local answer
  answer=$(sed "s/LGC-2026-000123/BFIRST$tag/g" "$body" \
    | curl -s -w '\n%{http_code}' -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' --data-binary @- "$api/api/v1/teleconsultations")
  if [[ "$(tail -1 <<< "$answer")" != 201 ]]; then
    echo "bench: the first POST was not accepted: $answer" >&2
    exit 1
  fi
  head -n -1 <<< "$answer" | $py -c "
import json, sys
d = json.load(sys.stdin)
print(sum(1 for x in d.get('deliveries', []) if x.get('status') != 'skipped'))"
}
# The costs of a span of a run: span_start, then span_end sets span_wall (s), span_cpu (the
# gateways', % of a core), span_pgcpu (", postgres N %" or nothing), span_busy (the machine, %),
# span_dps (the sink's POSTs per second), span_load (the load average at the end) and span_w1.
span_start() {
  span_t0=$(gw_ticks); span_s0=$(sink_stat "$sink_port" requests); span_w0=$(date +%s.%N)
  [[ $store == postgresql ]] && span_p0=$(pg_ticks)
  read -r span_m0 span_n0 <<< "$(machine_ticks)"
}
span_end() {
  local t1 s1 p1 m1 n1
  span_w1=$(date +%s.%N); t1=$(gw_ticks); s1=$(sink_stat "$sink_port" requests)
  [[ $store == postgresql ]] && p1=$(pg_ticks)
  read -r m1 n1 <<< "$(machine_ticks)"
  span_load=$(cut -d' ' -f1 /proc/loadavg)
  span_wall=$(echo "$span_w1 - $span_w0" | bc -l)
  span_pgcpu=
  [[ $store == postgresql ]] && span_pgcpu=", $(pg_cpu_line "$span_p0" "$p1" "$span_wall")"
  span_busy=$(echo "100 * ($m1 - $span_m0) / ($n1 - $span_n0)" | bc -l)
  span_cpu=$(echo "100 * ($t1 - $span_t0) / $hz / $span_wall" | bc -l)
  span_dps=$(echo "($s1 - $span_s0) / $span_wall" | bc -l)
}
gw_ticks() {  # the instances' CPU ticks, summed
  local pid total=0
  for pid in "${gw_pids[@]}"; do total=$((total + $(cpu_ticks "$pid"))); done
  echo "$total"
}
gw_hwm() {  # peak RSS of each instance: "a" or "a + b MiB"
  local pid out=
  for pid in "${gw_pids[@]}"; do out="${out:+$out + }$(hwm_mib "$pid")"; done
  echo "$out"
}
gw_rss() {
  local pid out=
  for pid in "${gw_pids[@]}"; do out="${out:+$out + }$(rss_mib "$pid")"; done
  echo "$out"
}

# --- PostgreSQL (--store postgresql) -----------------------------------------------------------
# The server's processes: its postmaster and every child (backends, checkpointer, WAL writer).
pg_postmaster() { head -1 "$pg_data/data/postmaster.pid"; }
pg_ticks() {  # CPU ticks of the server: the postmaster's, its exited children's, its live ones'
  local pm pid total
  pm=$(pg_postmaster)
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for pid in $(ps -o pid= --ppid "$pm"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo 0)))
  done
  echo "$total"
}
pg_pss_kib() {  # proportional set size of the server's processes, summed (shared buffers once)
  local pm pid
  pm=$(pg_postmaster)
  # A process may end between the listing and the read: its file is then skipped.
  { cat "/proc/$pm/smaps_rollup"; for pid in $(ps -o pid= --ppid "$pm"); do
      cat "/proc/$pid/smaps_rollup"; done; } 2> /dev/null \
    | awk '/^Pss:/ {sum += $2} END {print sum + 0}' || true
}
# Every second, the largest PSS of the server seen so far (MiB) into the file.
pg_memory_sampler() {  # file
  local max=0 now
  set +e  # a failed read skips a sample, not the sampling
  while true; do
    now=$(pg_pss_kib)
    now=${now:-0}
    if (( now > max )); then max=$now; echo $((max / 1024)) > "$1"; fi
    sleep 1
  done
}
psql_in() {  # database sql: rows unaligned, fields separated by spaces
  "$psql" "$pg_url/$1?passfile=$work/pg/pgpass" -XAtq -F ' ' -v ON_ERROR_STOP=1 -c "$2"
}
pg_cpu_line() {  # ticks_before ticks_after wall: "postgres N %"
  printf 'postgres %.0f %%' "$(echo "100 * ($2 - $1) / $hz / $3" | bc -l)"
}
editor_key() {  # admin_port
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"bench","role":"editor"}' "http://127.0.0.1:$1/admin/v1/clients" \
    | $py -c "import json,sys; print(json.load(sys.stdin)['key'])"
}
# Waits until the sink connector's queue is empty, at most cap seconds; prints the seconds.
wait_drained() {  # admin_port cap
  local start now depth
  start=$(date +%s.%N)
  while true; do
    depth=$(metric "$1" fhirgw_delivery_queue_depth sink)
    now=$(date +%s.%N)
    if [[ "${depth:-1}" == 0 ]]; then break; fi
    if (( $(echo "$now - $start > $2" | bc -l) )); then echo "timeout(depth=$depth)"; return; fi
    sleep 1  # a scrape counts the queue: not too often
  done
  printf '%.1f' "$(echo "$now - $start" | bc -l)"
}

# Once a second until killed, a line "seconds depth posts" into the file: the time (after the
# scrape), the sink connector's queue depth (- when unread) and the POSTs the sink answered.
queue_sampler() {  # file
  local depth
  set +e  # a failed read leaves a dash, not the sampling stopped
  while true; do
    depth=$(metric "$admin_port" fhirgw_delivery_queue_depth sink)
    printf '%s %s %s\n' "$(date +%s.%N)" "${depth:--}" "$(sink_stat "$sink_port" requests)" >> "$1"
    sleep 1
  done
}

# --- machine -----------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] && commit="$commit+changes"
note "== fhir-gateway ingest and delivery benchmark (issue 15)"
note "commit $commit; $(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p')"
note "load before: $(cut -d' ' -f1-3 /proc/loadavg); loads: $connections connections, ${duration} s each (ceiling ${ceiling_duration} s); sustained: $sustained_rate records/s for $sustained_s s; wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
bash tests/tools/make-test-pki.sh "$work/pki" > /dev/null
if [[ $store == postgresql ]]; then
  pg_port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_started=1
  "$root/tests/tools/pg-cluster.sh" start "$work/pg" "$pg_port" --durable > "$work/pg-start.txt"
  pg_data=$(cat "$work/pg/datadir")
  pg_url=postgresql://fhirgw@127.0.0.1:$pg_port
  psql=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
  psql_in fhirgw "CREATE DATABASE ingest" > /dev/null
  psql_in fhirgw "CREATE DATABASE sustained" > /dev/null
  psql_in fhirgw "CREATE DATABASE backlog" > /dev/null
  note "store: PostgreSQL $(psql_in fhirgw 'SHOW server_version') on loopback (pg-cluster.sh --durable: fsync on, synchronous_commit $(psql_in fhirgw 'SHOW synchronous_commit'), shared_buffers $(psql_in fhirgw 'SHOW shared_buffers'), max_connections $(psql_in fhirgw 'SHOW max_connections')); $instances gateway instance(s) sharing it, storage.connections 16 each"
else
  note "store: SQLite (synchronous=FULL), one gateway"
fi

# --- 5. mapping and validation (single thread, before the loads) --------------------------------
note ""
note "== mapping + validation per record (bench/mapping_bench, bench/validator_bench, $mapping_runs runs)"
"$bin/mapping_bench" "$body" "$mapping_runs" > "$work/mapping.txt"
"$bin/validator_bench" "$root/tests/fhir/data/bundle-teleconsultation.json" \
  $((mapping_runs * 2)) > "$work/validator.txt"
grep -E '^(parse JSON \+ read|map \+ validate|rules \+ map)' "$work/mapping.txt" | tee -a "$out"
grep -E '^validate \(parsed' "$work/validator.txt" | sed 's/^/bundle (14 resources): /' | tee -a "$out"
map_us=$(sed -n 's/^map + validate every resource *median *\([0-9.]*\).*/\1/p' "$work/mapping.txt")

# --- 1. the HTTP ceiling -----------------------------------------------------------------------
declare -A ceiling ceiling_front
max_c=0
for c in $connections; do (( c > max_c )) && max_c=$c; done
note ""
note "== 1. HTTP ceiling: no-op server, POST of the full example (fixed 201)"
for front in poco gateway; do
  threads=16
  # Poco's HTTPServer holds a thread per open keep-alive connection: it needs one per
  # connection. The gateway's front polls idle connections and keeps its 16 workers.
  [[ $front == poco && $max_c -gt 16 ]] && threads=$max_c
  # The gateway front's access log (a JSON line per request, as in the gateway) goes to
  # /dev/null: tens of thousands of lines a second would fill /tmp.
  peer_err=$work/ceiling-$front.err
  [[ $front == gateway ]] && peer_err=/dev/null
  start_peer "ceiling-$front" "$bin/ceiling_server" --front "$front" --threads "$threads"
  peer_err=
  cpid=$started_pid
  url="http://127.0.0.1:$started_port"
  load "$url" 4 2 "warm$front" > /dev/null
  for c in $connections; do
    sleep 1  # the previous load's connections are closed and counted out
    r=$(load "$url" "$c" "$ceiling_duration" "c$front$c")
    refused "$r"
    r=$(grep '^RESULT' <<< "$r")
    if [[ $front == poco ]]; then ceiling[$c]=$(field rps "$r"); else ceiling_front[$c]=$(field rps "$r"); fi
    note "$(printf '%-8s %3d conn: %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-201 %s  socket errors %s' \
      "$front" "$c" "$(field rps "$r")" "$(ms p50_us "$r")" "$(ms p99_us "$r")" "$(field non201 "$r")" \
      "$(field socket_errors "$r")")"
  done
  stop_pid "$cpid"
done

# --- 2. the gateway ----------------------------------------------------------------------------
note ""
note "== 2. gateway: POST /api/v1/teleconsultations, full example, unique externalIds; $workers connector workers to the HTTPS sink"
start_peer sink "$bin/https_sink" --cert "$work/pki/server.pem" --key "$work/pki/server.key"
sink_pid=$started_pid
sink_port=$started_port
fresh_gateway ingest 5 30000
per_record=$(first_post)
note "deliveries queued per record: $per_record (to the sink)"
if [[ $instances -gt 1 ]]; then
  note "$instances instances: wrk's threads alternate between them (1 connection: the first only)"
fi
if [[ $store == sqlite ]]; then
  $py "$root/bench/wal_sampler.py" "$data/gateway.db-wal" > "$work/wal-ingest.txt" &
  wal_pid=$!
  pids+=("$wal_pid")
else
  pg_memory_sampler "$work/pg-peak-ingest" &
  wal_pid=$!
  pids+=("$wal_pid")
fi
load "$api" 4 2 "warm" "$key" > /dev/null
wait_drained "$admin_port" "$drain_cap" > /dev/null
if [[ $store == postgresql ]]; then
  psql_in ingest "SELECT pg_stat_reset_shared('wal')" > /dev/null
  pg_records0=$(psql_in ingest "SELECT count(*) FROM records")
  pg_xact0=$(psql_in ingest "SELECT xact_commit FROM pg_stat_database WHERE datname = 'ingest'")
fi
declare -A gw_rps gw_p50 gw_p99 gw_cpu gw_err gw_dps gw_depth gw_drain gw_busy gw_load gw_pgcpu
for c in $connections; do
  sleep 1
  span_start
  if [[ $profile == 1 && $c == "$max_c" ]]; then
    (sleep 1; perf record -g -o "$work/perf.data" -p "$gw_pid" -- sleep $((duration > 4 ? duration - 2 : 2)) \
      > "$work/perf.out" 2>&1) &
    perf_pid=$!
  fi
  r=$(load "$api" "$c" "$duration" "g$c" "$key")
  span_end
  gw_load[$c]=$span_load
  gw_busy[$c]=$span_busy
  refused "$r"
  r=$(grep '^RESULT' <<< "$r")
  gw_rps[$c]=$(field rps "$r")
  gw_p50[$c]=$(ms p50_us "$r")
  gw_p99[$c]=$(ms p99_us "$r")
  gw_cpu[$c]=$span_cpu
  gw_pgcpu[$c]=$span_pgcpu
  gw_err[$c]=$(load_errors "$r")
  gw_dps[$c]=$span_dps
  gw_depth[$c]=$(metric "$admin_port" fhirgw_delivery_queue_depth sink)
  gw_drain[$c]=$(wait_drained "$admin_port" "$drain_cap")
  note "$(printf 'gateway  %3d conn: %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-201 %s  CPU %3.0f %%%s (machine busy %.0f %%, load %s)  deliveries %5.0f/s  queue at end %s, drained in %s s' \
    "$c" "${gw_rps[$c]}" "${gw_p50[$c]}" "${gw_p99[$c]}" "${gw_err[$c]}" "${gw_cpu[$c]}" "${gw_pgcpu[$c]}" \
    "${gw_busy[$c]}" "${gw_load[$c]}" "${gw_dps[$c]}" "${gw_depth[$c]:-?}" "${gw_drain[$c]}")"
  if [[ $profile == 1 && $c == "$max_c" ]]; then wait "$perf_pid" || true; fi
done
stop_pid "$wal_pid"
ingest_hwm=$(gw_hwm)
dead=$(metric_state "$admin_port" dead)
if [[ $store == postgresql ]]; then
  pg_ingest_peak=$(cat "$work/pg-peak-ingest" 2> /dev/null || echo '?')
  read -r wal_records wal_fpi wal_bytes wal_sync <<< \
    "$(psql_in ingest "SELECT wal_records, wal_fpi, wal_bytes, wal_sync FROM pg_stat_wal")"
  pg_records1=$(psql_in ingest "SELECT count(*) FROM records")
  pg_xact1=$(psql_in ingest "SELECT xact_commit FROM pg_stat_database WHERE datname = 'ingest'")
fi
stop_gateways
if [[ $store == postgresql ]]; then
  # After a clean stop of every instance: the tables with their indexes and TOAST, as left (dead
  # row versions of updated deliveries included), then after VACUUM FULL (compacted, as SQLite's
  # figure leaves free pages out).
  sizes="SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC"
  records=$(psql_in ingest "SELECT count(*) FROM records")
  store_bytes_left=$(psql_in ingest "SELECT sum(s) FROM ($sizes) AS t(n, s)")
  psql_in ingest "VACUUM FULL" > /dev/null
  store_bytes=$(psql_in ingest "SELECT sum(s) FROM ($sizes) AS t(n, s)")
  note ""
  note "peak RSS (VmHWM) of the gateway instances over the loads: $ingest_hwm MiB; PostgreSQL server: peak PSS $pg_ingest_peak MiB (all its processes, sampled every second); dead deliveries: ${dead:-0}"
  note "store: $records records, $store_bytes_left bytes in the tables, their indexes and TOAST after the loads ($(( store_bytes_left / records )) per record), $store_bytes after VACUUM FULL: $(( store_bytes / records )) bytes per record"
  psql_in ingest "$sizes LIMIT 10" | while read -r name bytes; do
    note "$(printf '  %-40s %7d bytes per record (with its indexes)' "$name" $(( bytes / records )))"
  done
  loaded=$(( pg_records1 - pg_records0 ))
  note "$(printf 'WAL during the loads (ingest and deliveries; pg_stat_wal): %d bytes, %d records, %d full-page images, %d syncs for %d records accepted: %.0f bytes and %.2f syncs per record; %d transactions committed (reads included)' \
    "$wal_bytes" "$wal_records" "$wal_fpi" "$wal_sync" "$loaded" "$(echo "$wal_bytes / $loaded" | bc -l)" \
    "$(echo "$wal_sync / $loaded" | bc -l)" "$(( pg_xact1 - pg_xact0 ))")"
else
wal_ingest=$(grep '^RESULT' "$work/wal-ingest.txt" || true)
records=$(sqlite3 "$data/gateway.db" "SELECT count(*) FROM records;")
page_size=$(sqlite3 "$data/gateway.db" "PRAGMA page_size;")
pages=$(sqlite3 "$data/gateway.db" "PRAGMA page_count;")
free=$(sqlite3 "$data/gateway.db" "PRAGMA freelist_count;")
store_bytes=$(( (pages - free) * page_size ))
note ""
note "peak RSS (VmHWM) of the gateway over the loads: $ingest_hwm MiB; dead deliveries: ${dead:-0}"
note "store: $records records, $store_bytes bytes in use (db file after a clean stop, free pages left out): $(( store_bytes / records )) bytes per record"
if sqlite3 "$data/gateway.db" "SELECT 1 FROM dbstat LIMIT 1;" > /dev/null 2>&1; then
  sqlite3 -separator ' ' "$data/gateway.db" \
    "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 10;" \
    | while read -r name bytes; do
        note "$(printf '  %-40s %7d bytes per record' "$name" $(( bytes / records )))"
      done
fi
note "WAL, all commits (ingest and deliveries) during the loads: ${wal_ingest#RESULT }"
fi

# --- 3. sustained ingest: a paced load, the queue followed -------------------------------------
if [[ $sustained_rate != 0 ]]; then
  # Connections enough for the pace to hold while answers take up to a fifth of a second
  # (connections / rate); a slower gateway accepts less than offered, which is printed.
  sus_c=$(( (sustained_rate + 4) / 5 ))
  sus_c=$(( sus_c < 4 ? 4 : sus_c ))
  note ""
  note "== 3. sustained ingest: $sustained_rate records/s offered for $sustained_s s (wrk paced, $sus_c connections), a fresh data folder, the same connector and sink"
  fresh_gateway sustained 5 30000
  first_post > /dev/null
  wait_drained "$admin_port" "$drain_cap" > /dev/null
  queue_sampler "$work/sustained-queue.txt" &
  sampler_pid=$!
  pids+=("$sampler_pid")
  sleep 1  # a sample before the load: the depth at its start
  span_start
  load_rate=$sustained_rate
  r=$(load "$api" "$sus_c" "$sustained_s" s "$key")
  load_rate=
  span_end
  stop_pid "$sampler_pid"
  sus_hwm=$(gw_hwm)
  refused "$r"
  r=$(grep '^RESULT' <<< "$r")
  sus_rps=$(echo "($(field requests "$r") - $(field non201 "$r")) / $(field seconds "$r")" | bc -l)
  sus_queued=$(echo "$sus_rps * $per_record" | bc -l)
  sus_p99=$(ms p99_us "$r")
  sus_dps=$span_dps
  # Depth at the last sample before the load and the last one of the load, its maximum, and its
  # slope by least squares over the samples of the load's second half, with its standard error.
  read -r q_start q_max q_end q_slope q_se q_n <<< "$(awk -v from="$span_w0" -v to="$span_w1" '
    $2 == "-" || $1 > to { next }
    $1 < from { start = $2; before = 1; next }
    { if (n++ == 0 && !before) start = $2; if ($2 > max) max = $2; end = $2; t[n] = $1; d[n] = $2 }
    END {
      mid = (from + to) / 2
      for (i = 1; i <= n; i++) if (t[i] >= mid) {
        x = t[i] - mid; k++; sx += x; sy += d[i]; sxx += x * x; sxy += x * d[i]
      }
      den = k * sxx - sx * sx
      slope = den > 0 ? (k * sxy - sx * sy) / den : 0
      for (i = 1; i <= n; i++) if (t[i] >= mid) {
        r = d[i] - (sy - slope * sx) / k - slope * (t[i] - mid); rss += r * r
      }
      se = k > 2 && den > 0 ? sqrt(rss / (k - 2) * k / den) : 0
      printf "%d %d %d %.1f %.1f %d\n", start, max, end, slope, se, k
    }' "$work/sustained-queue.txt")"
  # Keeps up: the queue grows by at most 2 % of the deliveries queued per second (at least 5/s)
  # over the second half, and ends holding at most two seconds of them.
  sus_verdict=$(awk -v s="$q_slope" -v b="$q_start" -v e="$q_end" -v q="$sus_queued" \
    -v w="$span_wall" 'BEGIN {
      tol = q * 0.02; if (tol < 5) tol = 5
      if (s <= tol && e <= 2 * q) {
        printf "keeps up (slope %.1f <= %.1f deliveries/s, end depth %d <= %.0f)", s, tol, e, 2 * q
        exit
      }
      behind = s > tol ? s : (e - b) / w
      printf "falls behind by %.0f deliveries/s (slope %.1f, tolerance %.1f; end depth %d, at most %.0f)",
        behind, s, tol, e, 2 * q
    }')
  sus_drain=$(wait_drained "$admin_port" "$drain_cap")
  note "$(printf 'records/s: %d offered, %.1f accepted (%d of %d answered 201 in %.1f s); p50 %.2f ms, p99 %.2f ms; non-201 %s' \
    "$sustained_rate" "$sus_rps" "$(( $(field requests "$r") - $(field non201 "$r") ))" \
    "$(field requests "$r")" "$(field seconds "$r")" "$(ms p50_us "$r")" "$sus_p99" \
    "$(load_errors "$r")")"
  note "$(printf 'deliveries/s: %.0f queued (%d per accepted record), %.0f delivered (POSTs at the sink over the load)' \
    "$sus_queued" "$per_record" "$sus_dps")"
  note "$(printf 'queue depth: %d at the start, %d at most, %d at the end; slope over the second half %+.1f ± %.1f deliveries/s (least squares, %d samples, ± one standard error); drained in %s s after the load' \
    "$q_start" "$q_max" "$q_end" "$q_slope" "$q_se" "$q_n" "$sus_drain")"
  note "$(printf 'gateway CPU %.0f %%%s (machine busy %.0f %%, load %s), peak RSS %s MiB' \
    "$span_cpu" "$span_pgcpu" "$span_busy" "$span_load" "$sus_hwm")"
  if (( $(echo "$sus_rps < 0.95 * $sustained_rate" | bc -l) )); then
    note "the gateway accepted less than offered: the verdict is for the rate accepted"
  fi
  note "verdict: delivery $sus_verdict"
  stop_gateways
fi

# --- 4. delivery: a backlog behind a dead endpoint, then drained --------------------------------
note ""
note "== 4. delivery backlog: $backlog deliveries queued behind the sink switched off, then drained"
stop_pid "$sink_pid"  # the same port is reused below, with nothing listening until the drain
# The circuit opens at the first refused connection and stays open: nothing is attempted while
# the backlog piles up, as behind an endpoint down for hours.
fresh_gateway backlog 1 86400000
if [[ $store == sqlite ]]; then
  $py "$root/bench/wal_sampler.py" "$data/gateway.db-wal" > "$work/wal-backlog.txt" &
else
  pg_memory_sampler "$work/pg-peak-backlog" &
fi
wal_pid=$!
pids+=("$wal_pid")
queued=0
round=0
pile_start=$(date +%s.%N)
pile_err=0
pile_ok=0
pile_t0=$(gw_ticks)
while (( queued < backlog )); do
  round=$((round + 1))
  r=$(load "$api" 16 5 "p$round" "$key" | grep '^RESULT')
  pile_err=$((pile_err + $(field non201 "$r")))
  pile_ok=$((pile_ok + $(field requests "$r") - $(field non201 "$r")))
  queued=$(metric "$admin_port" fhirgw_delivery_queue_depth sink)
  queued=${queued%.*}
done
pile_s=$(echo "$(date +%s.%N) - $pile_start" | bc -l)
# Ingest alone (nothing is attempted): the gateway's CPU per record accepted.
pile_cpu=$(echo "100 * ($(gw_ticks) - $pile_t0) / $hz / $pile_s" | bc -l)
pile_ms=$(echo "10 * $pile_cpu * $pile_s / ($pile_ok + ($pile_ok == 0))" | bc -l)
stop_pid "$wal_pid"
backlog_hwm=$(gw_hwm)
backlog_rss=$(gw_rss)
note "$(printf 'piled up %d deliveries in %.0f s (16 connections, non-201: %d; load %s)' "$queued" "$pile_s" "$pile_err" "$(cut -d' ' -f1 /proc/loadavg)")"
note "$(printf 'ingest alone: %d records at %.0f/s, gateway CPU %.0f %% of a core: %.2f ms of CPU per record' "$pile_ok" "$(echo "$pile_ok / $pile_s" | bc -l)" "$pile_cpu" "$pile_ms")"
note "gateway with the backlog behind the dead endpoint: RSS $backlog_rss MiB, peak (VmHWM) $backlog_hwm MiB"
if [[ $store == sqlite ]]; then
  wal_backlog=$(grep '^RESULT' "$work/wal-backlog.txt" || true)
  note "WAL, ingest and audit commits (no delivery is attempted): ${wal_backlog#RESULT }"
else
  note "PostgreSQL server during the pile-up: peak PSS $(cat "$work/pg-peak-backlog" 2> /dev/null || echo '?') MiB; database $(psql_in backlog "SELECT pg_database_size('backlog')") bytes"
fi
stop_gateways
start_peer sink "$bin/https_sink" --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
  --port "$sink_port"
sink_pid=$started_pid
# Restarted with the default circuit breaker: a transient failure during the drain must not stop
# it for a day.
write_config "$work/drain.json" "$data" "$sink_port" 5 30000 backlog
start_gateway "$work/drain.json" "$work/gateway-drain.log"
t0=$(gw_ticks)
[[ $store == postgresql ]] && p0=$(pg_ticks)
drain_s=$(wait_drained "$admin_port" "$backlog_cap")
t1=$(gw_ticks)
[[ $store == postgresql ]] && p1=$(pg_ticks)
drain_load=$(cut -d' ' -f1 /proc/loadavg)
left=0
if [[ $drain_s == timeout* ]]; then
  left=$(metric "$admin_port" fhirgw_delivery_queue_depth sink)
  drain_s=$backlog_cap
fi
drain_pgcpu=
[[ $store == postgresql ]] && drain_pgcpu=", $(pg_cpu_line "$p0" "$p1" "$drain_s")"
delivered=$(sink_stat "$sink_port" requests)
connections_made=$(sink_stat "$sink_port" connections)
first_s=$(sink_stat "$sink_port" firstSeconds)
last_s=$(sink_stat "$sink_port" lastSeconds)
dead=$(metric_state "$admin_port" dead)
drain_hwm=$(gw_hwm)
drain_dps=$(echo "$delivered / ($last_s - $first_s)" | bc -l)
drain_cpu=$(echo "100 * ($t1 - $t0) / $hz / $drain_s" | bc -l)
note "$(printf 'delivered %d deliveries in %s s from the restart (sink: first to last %.1f s): %.0f deliveries/s, %d TLS connections (%.0f deliveries each), CPU %.0f %%%s, peak RSS %s MiB, dead %s, load %s' \
  "$delivered" "$drain_s" "$(echo "$last_s - $first_s" | bc -l)" "$drain_dps" "$connections_made" \
  "$(echo "$delivered / $connections_made" | bc -l)" "$drain_cpu" "$drain_pgcpu" "$drain_hwm" "${dead:-0}" \
  "$drain_load")"
if [[ $store == postgresql ]]; then
  # More POSTs at the sink than deliveries delivered would be deliveries sent twice.
  read -r in_store attempts_ok <<< "$(psql_in backlog "SELECT count(*) FILTER (WHERE status = 'delivered'),
    (SELECT count(*) FROM delivery_attempts WHERE outcome = 'delivered') FROM deliveries WHERE connector_id = 'sink'")"
  note "store: $in_store deliveries delivered and $attempts_ok successful attempts recorded; the sink received $delivered"
fi
if [[ $left != 0 ]]; then
  note "$(printf 'NOT DRAINED after the cap of %d s: %d left; at that rate the %d would take about %.0f s (extrapolated)' \
    "$backlog_cap" "$left" "$queued" "$(echo "$queued / $drain_dps" | bc -l)")"
fi
stop_gateways
stop_pid "$sink_pid"

# --- summary ------------------------------------------------------------------------------------
note ""
note "== summary: $store, $instances instance(s) (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
note "$(printf '%-6s %10s %10s %10s %8s %8s %8s %9s %14s' conn 'ceiling/s' 'front/s' 'gateway/s' ratio 'p50 ms' 'p99 ms' 'CPU %' errors)"
for c in $connections; do
  note "$(printf '%-6s %10.0f %10.0f %10.0f %8.3f %8.2f %8.2f %9.0f %14s' "$c" "${ceiling[$c]}" \
    "${ceiling_front[$c]}" "${gw_rps[$c]}" "$(echo "${gw_rps[$c]} / ${ceiling[$c]}" | bc -l)" \
    "${gw_p50[$c]}" "${gw_p99[$c]}" "${gw_cpu[$c]}" "${gw_err[$c]%% *}")"
done
note "$(printf 'delivery: %.0f deliveries/s draining %d; peak RSS %s MiB over the loads, %s MiB with the backlog queued' \
  "$drain_dps" "$delivered" "$ingest_hwm" "$backlog_hwm")"
if [[ $sustained_rate != 0 ]]; then
  note "$(printf 'sustained: %d records/s offered for %d s, %.1f accepted (p99 %.2f ms); deliveries %.0f/s queued, %.0f/s delivered; queue %d at the end: delivery %s' \
    "$sustained_rate" "$sustained_s" "$sus_rps" "$sus_p99" "$sus_queued" "$sus_dps" \
    "$q_end" "$sus_verdict")"
fi
note "store: $(( store_bytes / records )) bytes per record; mapping + validation median $map_us us per record"
if [[ $store == postgresql ]]; then
  pg_loads=
  for c in $connections; do pg_loads="${pg_loads:+$pg_loads / }${gw_pgcpu[$c]#, postgres }"; done
  note "PostgreSQL server: CPU $pg_loads of a core during the loads (${connections// / \/ } connections), ${drain_pgcpu#, postgres } draining; peak PSS $pg_ingest_peak MiB over the loads, $(cat "$work/pg-peak-backlog" 2> /dev/null || echo '?') MiB piling up the backlog"
fi

if [[ $profile == 1 ]]; then
  note ""
  note "== perf profile of the gateway under $max_c connections (perf report --no-children)"
  perf report -i "$work/perf.data" --no-children --percent-limit 1 --stdio 2> /dev/null \
    | grep -E '^ +[0-9]+\.[0-9]+%' | head -40 | cut -c1-150 | tee -a "$out"
fi
echo "bench: summary also in build-bench/bench-summary.txt"
cp "$out" "$root/build-bench/bench-summary.txt"
