#!/usr/bin/env bash
# make fuzz SECONDS=N: builds the libFuzzer targets with clang 14 (ASan + UBSan) in BUILD_DIR
# and runs each for N seconds, one after the other. Fails on the first crash, leaving its input in
# BUILD_DIR/crashes/<target>/: copy it to fuzz/regressions/<target>/, fix the bug, and the
# ctest test fuzz_replay_<target> keeps it forever.
# Usage: fuzz/run.sh SECONDS [BUILD_DIR] [JOBS]
set -euo pipefail
seconds=${1:-60}
build=${2:-build-fuzz}
jobs=${3:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=(model scenario profile fit)

echo "== building the fuzz targets with clang++-14 in $build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DSYSJOURNEY_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if ! cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1; then
  tail -40 "$build/build.log"
  echo "fuzz: build failed (full log: $build/build.log)" >&2
  exit 1
fi

summary=()
for t in "${targets[@]}"; do
  work=$build/corpus/$t        # grows across runs; the repo's seeds are only read
  crashes=$build/crashes/$t
  log=$build/fuzz_$t.log
  mkdir -p "$work" "$crashes"
  seeds=("fuzz/corpus/$t" "fuzz/regressions/$t")
  [ "$t" = model ] && seeds+=(model)   # the live model files, not only the corpus snapshot
  echo "== fuzz_$t for ${seconds}s"
  status=0
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -dict="fuzz/dict/$t.dict" -artifact_prefix="$crashes/" "$work" "${seeds[@]}" >"$log" 2>&1 || status=$?
  # The last status line: "#RUNS DONE cov: N ft: N corp: ..." and the final stats.
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | awk '{print $2}')
  if [ "$status" != 0 ]; then
    tail -60 "$log"
    echo "fuzz_$t: CRASH (exit $status); input in $crashes/ (full log: $log)" >&2
    exit 1
  fi
  summary+=("$(printf '  %-14s %10s runs  %7s exec/s  cov: %-6s ft: %s' "fuzz_$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")")
done
echo "== fuzz: ${seconds}s per target, no crash"
printf '%s\n' "${summary[@]}"
