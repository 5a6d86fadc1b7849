#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `asan`: clang, ASan + UBSan, the same build as the
# sanitizer unit tests) and runs them for a bounded time, two at a time. For each target it first
# replays fuzz/regressions/<target>/* (inputs that once failed: they must pass, fuzz_body in its
# strict mode), then fuzzes a fresh COPY of the seed corpus fuzz/corpus/<target>/ (the committed
# corpus never changes) with the target's dictionary.
# Exits non-zero on any crash, leak, timeout or out-of-memory, printing the reproducer's path.
#
#   scripts/fuzz.sh [--seconds N] [--no-build] [target...] [-- extra libFuzzer flags]
#
# Default: every target, 30 s each. Work folders (grown corpus, artifacts, logs):
# build-asan/fuzz-run/<target>/. See docs/fuzzing.md for longer runs and corpus merging.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(fuzz_body fuzz_fhir_validator fuzz_config fuzz_connector_options fuzz_request_head
  fuzz_iti41_response)
seconds=30
build=1
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    --no-build) build=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument $1 (targets: ${all_targets[*]})" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds needs a number" >&2; exit 2 ;; esac

# Longest input each target generates: a few times its largest realistic seed.
max_len() {
  case "$1" in
    fuzz_body|fuzz_fhir_validator) echo 16384 ;;
    *) echo 4096 ;;
  esac
}
# Dictionaries of fuzz/dict/ merged per target (libFuzzer takes one -dict).
dicts() {
  case "$1" in
    fuzz_body) echo json body ;;
    fuzz_fhir_validator) echo json fhir ;;
    fuzz_config) echo json config connectors ;;
    fuzz_connector_options) echo json connectors ;;
    fuzz_request_head) echo http ;;
    fuzz_iti41_response) echo xds ;;
  esac
}

if [ "$build" -eq 1 ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$(nproc)" --target "${targets[@]}"
fi
bin=build-asan/bin
run_root=build-asan/fuzz-run

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:handle_abort=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
common_flags=(-timeout=10 -rss_limit_mb=2048)

# Replays the committed regressions of one target; returns non-zero when one fails.
replay() {
  local t="$1" dir="fuzz/regressions/$1" work="$run_root/$1"
  shopt -s nullglob
  local files=("$dir"/*)
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || return 0
  # Strict: a regression of fuzz_body may be a 500 or an invalid answer rather than a crash.
  if ! FHIRGW_FUZZ_STRICT=1 TMPDIR="$PWD/$work/tmp" "$bin/$t" "${common_flags[@]}" \
      -artifact_prefix="$work/artifacts/" "${files[@]}" >"$work/regressions.log" 2>&1; then
    echo "fuzz: $t: a regression input fails again (log: $work/regressions.log)"
    grep -E "Running: |ERROR|SUMMARY" "$work/regressions.log" | tail -5
    return 1
  fi
  echo "fuzz: $t: ${#files[@]} regression input(s) replayed"
}

# Runs one target; its result goes to $work/status (0 = clean).
run_target() {
  local t="$1" work="$run_root/$1"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
  if [ ! -x "$bin/$t" ]; then
    echo "fuzz: $t is not built" >"$work/log"
    echo 1 >"$work/status"
    return
  fi
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  : >"$work/dict"
  for d in $(dicts "$t"); do cat "fuzz/dict/$d.dict" >>"$work/dict"; done
  if ! replay "$t" >"$work/replay.out"; then
    echo 1 >"$work/status"
    return
  fi
  local rc=0
  TMPDIR="$PWD/$work/tmp" "$bin/$t" "$work/corpus" "${common_flags[@]}" \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" -dict="$work/dict" \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 ${extra[@]+"${extra[@]}"} \
    >"$work/log" 2>&1 || rc=$?
  echo "$rc" >"$work/status"
}

report() {
  local t="$1" work="$run_root/$1" status
  status=$(cat "$work/status" 2>/dev/null || echo 1)
  [ -f "$work/replay.out" ] && cat "$work/replay.out"
  local execs rate
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" 2>/dev/null | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" 2>/dev/null | tail -1)
  if [ "$status" = 0 ]; then
    echo "fuzz: $t: ok, ${execs:-?} runs, ${rate:-?} exec/s, corpus $(ls "$work/corpus" | wc -l) files"
    return 0
  fi
  echo "fuzz: $t: FAILED (exit $status); log: $work/log"
  grep -E "ERROR: |SUMMARY: |runtime error|^fuzz_" "$work/log" 2>/dev/null | head -5 || true
  local a
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] && echo "fuzz: $t: reproducer $a (replay: $bin/$t $a)"
  done
  return 1
}

echo "== fuzzing ${targets[*]} for ${seconds} s each, 2 at a time"
pids=()
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  run_target "$t" &
  pids+=($!)
done
wait "${pids[@]}" || true

failed=0
for t in "${targets[@]}"; do report "$t" || failed=1; done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (add a fixed reproducer to fuzz/regressions/<target>/, see docs/fuzzing.md)"
  exit 1
fi
echo "fuzz: all targets clean"
