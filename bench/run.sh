#!/usr/bin/env bash
# make bench: the speed and truth targets of the issues, measured on this machine.
# Prints each figure next to its target and PASS, FAIL or SKIP; exits non-zero if any target failed.
# A missing or empty figure is a FAIL that names the tool that should have given it, a tool that
# crashes fails each of its checks by name, and a probe that did not run here is a SKIP line with
# its reason: no check ever passes, or vanishes, for want of a figure.
# Usage: bench/run.sh [BUILD_DIR]    (default build-bench, the Release tree of make bench)
#        bench/run.sh --self-test    (the comparisons below on empty and odd input; ctest, label unit)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
failures=0

# --- The verdicts and the comparisons: the one place a figure meets its target. ---------------
row() { printf '  %-44s %-28s %-22s %s\n' "$1" "$2" "$3" "$4"; }
report() {  # name, figure, target, ok (1 passes; anything else, empty included, fails)
  if [ "${4-}" = 1 ]; then
    row "$1" "$2" "$3" PASS
  else
    row "$1" "$2" "$3" FAIL
    failures=$((failures + 1))
  fi
}
fail() {  # name, target, tool, why: a check with no figure to judge
  row "$1" "-" "$2" "FAIL $3: $4"
  failures=$((failures + 1))
}
skip() {  # name, why: not a failure, never silent
  row "$1" "-" "-" "SKIP: $2"
}
is_num() { [[ ${1-} =~ ^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$ ]]; }
# Each prints 1 when the figure meets the limit and 0 otherwise; an empty or non-numeric figure or
# limit never meets one.
le() { is_num "${1-}" && is_num "${2-}" && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
ge() { is_num "${1-}" && is_num "${2-}" && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }
between() {
  is_num "${1-}" && is_num "${2-}" && is_num "${3-}" &&
    awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(a >= lo && a <= hi) }' && echo 1 || echo 0
}
check() {  # name, tool, what, figure as shown, target as shown, le|ge|between, value, limit [high]
  local name=$1 tool=$2 what=$3 shown=$4 target=$5 cmp=$6 value=${7-}
  shift 7
  if ! is_num "$value"; then
    fail "$name" "$target" "$tool" "no $what figure"
    return
  fi
  report "$name" "$shown" "$target" "$("$cmp" "$value" "$@")"
}
ratio_check() {  # name, our figure (ns), our tool, the peer's figure (ns), the peer tool, lo, hi
  local name=$1 ours=${2-} our_tool=$3 theirs=${4-} peer=$5 lo=$6 hi=$7
  if ! is_num "$ours"; then fail "$name" "$lo-$hi" "$our_tool" "no figure"; return; fi
  if ! is_num "$theirs" || [ "$(ge "$theirs" 1e-9)" != 1 ]; then fail "$name" "$lo-$hi" "$peer" "no figure"; return; fi
  local ratio
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
  report "$name" "$ours vs $theirs ns: $ratio" "$lo-$hi" "$(between "$ratio" "$lo" "$hi")"
}
# A value out of a JSON file: js FILE EXPR, EXPR over j (the document). Prints nothing when the file
# is missing or not JSON, or the value is undefined or null.
js() {
  node -e '
    let v;
    try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
          v = new Function("j", "return (" + process.argv[2] + ");")(j); } catch (e) { process.exit(1); }
    if (v !== undefined && v !== null) console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
  ' "$1" "$2" 2>/dev/null
}
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }

self_test() {  # every comparison on empty, odd and ordinary input; exits non-zero on any surprise
  local bad=0 got
  expect() {  # description, expected, actual
    if [ "$2" != "$3" ]; then echo "self-test: $1: expected '$2', got '$3'"; bad=$((bad + 1)); fi
  }
  expect 'le "" 20' 0 "$(le "" 20)"
  expect 'le 5 ""' 0 "$(le 5 "")"
  expect 'le (no arguments)' 0 "$(le)"
  expect 'le abc 20' 0 "$(le abc 20)"
  expect 'le "1 2" 20' 0 "$(le "1 2" 20)"
  expect 'le 20 20' 1 "$(le 20 20)"
  expect 'le 19.5 20' 1 "$(le 19.5 20)"
  expect 'le 21 20' 0 "$(le 21 20)"
  expect 'le 9 10 (numbers, not strings)' 1 "$(le 9 10)"
  expect 'le 1e3 2000' 1 "$(le 1e3 2000)"
  expect 'ge "" 20000' 0 "$(ge "" 20000)"
  expect 'ge 20000 20000' 1 "$(ge 20000 20000)"
  expect 'ge 19999.9 20000' 0 "$(ge 19999.9 20000)"
  expect 'between "" 0.85 1.15' 0 "$(between "" 0.85 1.15)"
  expect 'between 1 "" 1.15' 0 "$(between 1 "" 1.15)"
  expect 'between 1.00 0.85 1.15' 1 "$(between 1.00 0.85 1.15)"
  expect 'between 1.16 0.85 1.15' 0 "$(between 1.16 0.85 1.15)"
  # check and report: an empty figure fails and names the tool; a met one passes.
  failures=0
  got=$(check "/api/run requests per second" wrk "requests/s" "" ">= 20000" ge "" 20000; echo "failures=$failures")
  expect 'check with an empty figure names the tool' 1 "$(grep -c 'FAIL wrk: no requests/s figure' <<<"$got")"
  expect 'check with an empty figure counts a failure' 1 "$(grep -c '^failures=1$' <<<"$got")"
  got=$(check "sysjourney run (mean of 50)" hyperfine "mean" "12 ms" "<= 20 ms" le 12 20; echo "failures=$failures")
  expect 'check with a met target passes' 1 "$(grep -c 'PASS$' <<<"$got")"
  expect 'check with a met target counts nothing' 1 "$(grep -c '^failures=0$' <<<"$got")"
  got=$(check "sysjourney run peak RSS" /usr/bin/time "peak RSS" "30 MB" "<= 20 MB" le 30720 20480; echo "failures=$failures")
  expect 'check with a missed target fails' 1 "$(grep -c ' FAIL$' <<<"$got")"
  got=$(report "a check" "figure" "target" ""; echo "failures=$failures")
  expect 'report with an empty verdict fails' 1 "$(grep -c '^failures=1$' <<<"$got")"
  got=$(ratio_check "read_direct vs fio" "" "sysjourney measure" 100 fio 0.7 1.4; echo "failures=$failures")
  expect 'ratio_check without our figure names us' 1 "$(grep -c 'FAIL sysjourney measure: no figure' <<<"$got")"
  got=$(ratio_check "read_direct vs fio" 100 "sysjourney measure" "" fio 0.7 1.4; echo "failures=$failures")
  expect 'ratio_check without the peer figure names the peer' 1 "$(grep -c 'FAIL fio: no figure' <<<"$got")"
  got=$(ratio_check "read_direct vs fio" 100 "sysjourney measure" 0 fio 0.7 1.4; echo "failures=$failures")
  expect 'ratio_check with a zero peer figure fails' 1 "$(grep -c 'FAIL fio: no figure' <<<"$got")"
  got=$(ratio_check "read_direct vs fio" 100 "sysjourney measure" 95 fio 0.7 1.4; echo "failures=$failures")
  expect 'ratio_check within the band passes' 1 "$(grep -c '100 vs 95 ns: 1.05 .*PASS$' <<<"$got")"
  got=$(skip "leave-one-out read_direct" "O_DIRECT refused"; echo "failures=$failures")
  expect 'skip prints its reason and fails nothing' 1 "$(grep -c 'SKIP: O_DIRECT refused' <<<"$got")"
  expect 'skip counts nothing' 1 "$(grep -c '^failures=0$' <<<"$got")"
  if command -v node >/dev/null; then
    local tmp
    tmp=$(mktemp)
    printf '{"a": {"b": 2}, "n": null}' >"$tmp"
    expect 'js reads a value' 2 "$(js "$tmp" 'j.a.b')"
    expect 'js prints nothing for null' "" "$(js "$tmp" 'j.n')"
    expect 'js prints nothing for a missing file' "" "$(js "$tmp.missing" 'j.a.b')"
    printf 'not json' >"$tmp"
    expect 'js prints nothing for a file that is not JSON' "" "$(js "$tmp" 'j.a.b')"
    rm -f "$tmp"
  fi
  if [ "$bad" = 0 ]; then echo "bench/run.sh self-test: PASS"; else echo "bench/run.sh self-test: $bad FAILED"; fi
  [ "$bad" = 0 ]
}
if [ "${1-}" = --self-test ]; then
  self_test
  exit
fi

build=${1:-$root/build-bench}
bin=$build/sysjourney
for f in "$bin" "$build/bench/engine_bench"; do
  [ -x "$f" ] || { echo "bench: $f is missing; make bench builds it (BENCH_BUILD=$build)" >&2; exit 1; }
done
out=$(mktemp -d)
server_pid=""
trap 'rm -rf "$out"; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT

echo "== engine (Google Benchmark)"
"$build/bench/engine_bench" --benchmark_list_tests >"$out/engine.list" 2>/dev/null
"$build/bench/engine_bench" --benchmark_min_time=0.5 --benchmark_format=json >"$out/engine.json" 2>"$out/engine.err"
engine_status=$?
# A benchmark's figure: its cpu_time, in its own unit.
bm() { js "$out/engine.json" "(j.benchmarks.find(b => b.name === '$1') || {}).cpu_time"; }
bm_fail() {  # name, target: engine_bench gave no figure, and why
  local why="no figure"
  [ "$engine_status" = 0 ] || why="exited $engine_status $(tail -1 "$out/engine.err" | head -c 40)"
  fail "$1" "$2" engine_bench "$why"
}
journeys=$(grep '^BM_RunJourney/' "$out/engine.list")
[ -n "$journeys" ] || journeys=BM_RunJourney/file_miss  # no list: the check still fails, by name
for name in $journeys; do
  ns=$(bm "$name")
  if is_num "$ns"; then report "journey $name" "$(printf '%.0f ns' "$ns")" "<= 2000 ns" "$(le "$ns" 2000)"
  else bm_fail "journey $name" "<= 2000 ns"; fi
done
ms=$(bm BM_LoadModel)
if is_num "$ms"; then report "load + validate the model" "$(printf '%.2f ms' "$ms")" "<= 5 ms" "$(le "$ms" 5)"
else bm_fail "load + validate the model" "<= 5 ms"; fi
# The journey JSON: its benchmark must give a figure, and what the program writes must parse as
# the sysjourney.journey/1 contract (docs/contracts.md) with every stage in it.
ns=$(bm BM_JourneyJson)
"$bin" run --format json >"$out/journey.json" 2>"$out/journey.err"
journey_status=$?
stages=$(js "$out/journey.json" 'j.schema === "sysjourney.journey/1" && Array.isArray(j.stages) && j.stages.length > 0 &&
  j.totals.stages === j.stages.length && j.totals.ns > 0 ? j.stages.length : undefined')
if ! is_num "$ns"; then
  bm_fail "journey JSON" "parses, every stage"
elif [ "$journey_status" != 0 ]; then
  fail "journey JSON" "parses, every stage" "sysjourney run --format json" "exited $journey_status"
elif ! is_num "$stages"; then
  fail "journey JSON" "parses, every stage" "sysjourney run --format json" "not a sysjourney.journey/1 document"
else
  report "journey JSON" "$(awk -v n="$ns" 'BEGIN { printf "%.1f us", n / 1000 }'), $stages stages" "parses, every stage" 1
fi

echo "== sysjourney run as a whole process"
mean_ms=""
if hyperfine -N --warmup 5 --runs 50 --export-json "$out/run.json" "$bin run --format json" >"$out/hyperfine.log" 2>&1; then
  mean_ms=$(js "$out/run.json" '(j.results[0].mean * 1000).toFixed(2)')
fi
check "sysjourney run (mean of 50)" hyperfine "mean" "$mean_ms ms" "<= 20 ms" le "$mean_ms" 20
rss_kb=""
if /usr/bin/time -o "$out/rss.txt" -f %M "$bin" run --format json >/dev/null 2>&1; then
  rss_kb=$(tail -1 "$out/rss.txt")
fi
check "sysjourney run peak RSS" /usr/bin/time "peak RSS" "$(awk -v k="$rss_kb" 'BEGIN { printf "%d MB (%d KiB)", k / 1024, k }')" \
  "<= 20 MB" le "$rss_kb" 20480

echo "== server under wrk (10 s, 2 threads, 64 connections)"
coproc SERVER { exec "$bin" serve --port 0 --no-measure; }
server_pid=$SERVER_PID
url=""
read -r -t 10 line <&"${SERVER[0]}" && url=$(grep -o 'http://[^ ]*' <<<"$line")
rps="" p99_ms="" errors="" rss="" load_ms=""
if [ -z "$url" ]; then
  serve_tool="sysjourney serve (did not start)"
else
  serve_tool=wrk
  if wrk -t2 -c64 -d10s --latency "${url}api/run?fd=file&cache=miss&device=nvme" >"$out/wrk.txt" 2>&1; then
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")
    p99_ms=$(awk -v v="$p99" 'BEGIN { if (v ~ /us$/) print v / 1000; else if (v ~ /ms$/) print v + 0; else if (v ~ /s$/) print v * 1000 }')
    # Only a run that reported requests can say it had no errors.
    [ -n "$rps" ] && errors=$(awk '/Non-2xx|Socket errors/ {n++} END {print n + 0}' "$out/wrk.txt")
  fi
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)
fi
check "/api/run requests per second" "$serve_tool" "requests/s" "$rps" ">= 20000" ge "$rps" 20000
check "/api/run p99 latency" "$serve_tool" "p99 latency" "${p99_ms} ms" "<= 5 ms" le "$p99_ms" 5
check "/api/run errors" "$serve_tool" "error count" "$errors" "0" le "$errors" 0
check "server RSS after the run" "sysjourney serve" "VmRSS" "$(awk -v k="$rss" 'BEGIN { printf "%d MB", k / 1024 }')" \
  "<= 50 MB" le "$rss" 51200
if [ ! -d "$root/tests/web/node_modules/playwright-core" ]; then
  fail "page load to first trace (headless)" "<= 300 ms" page_load.mjs "playwright-core is not installed (scripts/deps.sh bench)"
elif [ -z "$url" ]; then
  fail "page load to first trace (headless)" "<= 300 ms" "$serve_tool" "no page to load"
else
  load_ms=$(node "$here/page_load.mjs" "$url" 2>"$out/page_load.err")
  check "page load to first trace (headless)" "page_load.mjs" "load time" "$load_ms ms" "<= 300 ms" le "$load_ms" 300
fi
[ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
server_pid=""

echo "== page load against a minimal page, in one run (bench/page_load_ratio.mjs)"
# The static site is built the way tests/wasm builds it; a site that does not build is a missing figure.
site=$build/site-bench
if ! WASM_BUILD=$build/wasm "$root/wasm/site.sh" "$site" >"$out/site.log" 2>&1; then
  tail -5 "$out/site.log"
  site=""
fi
target=2.5
node "$here/page_load_ratio.mjs" --bin "$bin" ${site:+--site "$site"} --runs 11 --target "$target" --json \
  >"$out/ratio.json" 2>"$out/ratio.err"
for key in served static; do
  name="served page load / minimal page"
  [ "$key" = static ] && name="static site load / minimal page"
  ratio=$(js "$out/ratio.json" "j.${key}_ratio")
  if is_num "$ratio"; then
    report "$name" "$(js "$out/ratio.json" "j.${key}_ms") vs $(js "$out/ratio.json" "j.floor_ms") ms: ${ratio}x" \
      "<= ${target}x" "$(le "$ratio" "$target")"
  elif [ "$key" = static ] && [ -z "$site" ]; then
    fail "$name" "<= ${target}x" "wasm/site.sh" "the static site did not build"
  else
    fail "$name" "<= ${target}x" "page_load_ratio.mjs" "no ratio ($(head -c 50 "$out/ratio.err" | tr '\n' ' '))"
  fi
done
while IFS= read -r missing; do
  [ -n "$missing" ] && fail "page load: missing figure" "<= ${target}x" "page_load_ratio.mjs" "${missing:0:60}"
done < <(js "$out/ratio.json" '(j.missing || []).join("\n")')

echo "== measurement against peers, in one run"
start=$(date +%s.%N)
"$bin" measure --format json >"$out/measure.json" 2>"$out/measure.err"
measure_status=$?
full_s=$(seconds_since "$start")
start=$(date +%s.%N)
"$bin" measure --quick --format json >/dev/null 2>"$out/measure-quick.err"
quick_status=$?
quick_s=$(seconds_since "$start")
if [ "$quick_status" = 0 ]; then check "measure --quick wall time" "sysjourney measure --quick" "time" "$quick_s s" "<= 5 s" le "$quick_s" 5
else fail "measure --quick wall time" "<= 5 s" "sysjourney measure --quick" "exited $quick_status"; fi
if [ "$measure_status" = 0 ]; then check "measure (full) wall time" "sysjourney measure" "time" "$full_s s" "<= 30 s" le "$full_s" 30
else fail "measure (full) wall time" "<= 30 s" "sysjourney measure" "exited $measure_status"; fi
probe() {  # id, field: a measured probe's figure (nothing when it was skipped or is missing)
  js "$out/measure.json" "(p => p && !p.skipped ? p['$2'] : undefined)(j.probes.find(p => p.id === '$1'))"
}
ours=$(probe syscall_getppid median_ns)
perf_us=$(perf bench syscall basic 2>/dev/null | awk '/usecs\/op/ {print $1}')
perf_ns=$(is_num "$perf_us" && awk -v u="$perf_us" 'BEGIN { print u * 1000 }')
ratio_check "syscall_getppid vs perf bench syscall" "$ours" "sysjourney measure" "$perf_ns" "perf bench syscall" 0.85 1.15
# fio in a fresh directory on the probes' own file system, removed after: fio_json OUT FIO_ARGS...
probe_dir=$(js "$out/measure.json" 'j.host.dir')
fio_json() {
  local json=$1 dir status
  shift
  [ -n "$probe_dir" ] && [ -d "$probe_dir" ] || return 1
  dir=$(mktemp -d "$probe_dir/sysjourney-fio-XXXXXX") || return 1
  fio --directory="$dir" --output-format=json "$@" >"$json" 2>/dev/null
  status=$?
  rm -rf "$dir"
  return "$status"
}
fio_ns=""
fio_json "$out/fio.json" --name=randread --rw=randread --bs=4k --size=64M --ioengine=psync --direct=1 \
  --runtime=5 --time_based && fio_ns=$(js "$out/fio.json" 'j.jobs[0].read.clat_ns.percentile["50.000000"]')
ratio_check "read_direct vs fio randread psync p50" "$(probe read_direct median_ns)" "sysjourney measure" \
  "$fio_ns" fio 0.7 1.4
# fsync_file against fio doing the same: 4 KiB writes over a laid-out 64 KiB file, fsync after each.
# fio times the write and the fsync apart: one call of ours is both.
fio_fsync_ns=""
fio_json "$out/fio-fsync.json" --name=fsync --rw=write --bs=4k --size=64k --fsync=1 --ioengine=psync \
  --runtime=5 --time_based &&
  fio_fsync_ns=$(js "$out/fio-fsync.json" '(w => w.write.clat_ns.percentile["50.000000"] > 0 && w.sync.lat_ns.percentile["50.000000"] > 0
    ? w.write.clat_ns.percentile["50.000000"] + w.sync.lat_ns.percentile["50.000000"] : undefined)(j.jobs[0])')
ratio_check "fsync_file vs fio --rw=write --bs=4k --fsync=1 psync p50" "$(probe fsync_file median_ns)" \
  "sysjourney measure" "$fio_fsync_ns" fio 0.7 1.4

echo "== leave-one-out: each probe predicted from a fit to all the others (sysjourney fit of the run's file)"
"$bin" fit --format json "$out/measure.json" >"$out/fit.json" 2>"$out/fit.err"
fit_status=$?
# One line a probe: kind (fit, skip or none), id, then the figures or the reason.
js "$out/fit.json" 'j.probes.map(p => p.skipped ? ["skip", p.id, p.skipped].join("\t")
  : p.predicted_ns ? ["fit", p.id, p.median_ns, p.predicted_ns, p.within ? 1 : 0,
                      (100 * (p.predicted_ns - p.median_ns) / p.median_ns).toFixed(1)].join("\t")
  : ["none", p.id].join("\t")).join("\n")' >"$out/predictions.txt"
if [ "$fit_status" != 0 ] || [ ! -s "$out/predictions.txt" ]; then
  fail "leave-one-out" "|error| <= 30%" "sysjourney fit" "exited $fit_status, no probes ($(head -c 40 "$out/fit.err"))"
fi
while IFS=$'\t' read -r kind id a b c d; do  # not a pipe: report must count in this shell
  case "$kind" in
    fit) report "leave-one-out $id" "$(printf '%.0f ns measured, %.0f predicted, error %s%%' "$a" "$b" "$d")" \
           "|error| <= 30%" "$c" ;;
    skip) skip "leave-one-out $id" "$a" ;;
    *) fail "leave-one-out $id" "|error| <= 30%" "sysjourney fit" "no prediction" ;;
  esac
done <"$out/predictions.txt"
# The fit of one document (every probe, and one leave-one-out refit each), as a process.
start=$(date +%s.%N)
fit_failed=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  "$bin" fit --format json "$out/measure.json" >/dev/null 2>&1 || fit_failed=$?
done
fit_ms=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", (e - s) * 100 }')
if [ -z "$fit_failed" ]; then
  check "sysjourney fit of a measure file (process, mean of 10)" "sysjourney fit" "time" "$fit_ms ms" "<= 50 ms" le "$fit_ms" 50
else
  fail "sysjourney fit of a measure file (process, mean of 10)" "<= 50 ms" "sysjourney fit" "exited $fit_failed"
fi
echo "== load (60 s)"
if [ -x "$here/load.sh" ]; then
  "$here/load.sh" "$build" || failures=$((failures + 1))
else
  fail "load (bench/load.sh)" "no errors, RSS < +10%" "bench/load.sh" "missing or not executable"
fi
echo
echo "bench: $failures target(s) missed"
[ "$failures" = 0 ]
