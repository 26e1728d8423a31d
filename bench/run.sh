#!/usr/bin/env bash
# make bench: the speed and truth targets of the issues, measured on this machine.
# Prints each figure next to its target and PASS/FAIL; exits non-zero if any target failed.
# Usage: bench/run.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
bin=$build/sysjourney
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null' EXIT
failures=0
report() {  # name, figure, target, ok(0/1)
  local verdict=PASS
  [ "$4" = 1 ] || { verdict=FAIL; failures=$((failures + 1)); }
  printf '  %-44s %-28s %-22s %s\n' "$1" "$2" "$3" "$verdict"
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
between() { awk -v a="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(a >= lo && a <= hi) }' && echo 1 || echo 0; }

echo "== engine (Google Benchmark)"
"$build/bench/engine_bench" --benchmark_min_time=0.5 --benchmark_format=json >"$out/engine.json" 2>/dev/null
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
  for (const b of r.benchmarks) console.log(b.name, b.cpu_time, b.time_unit);
' "$out/engine.json" >"$out/engine.txt"
while read -r name cpu unit; do
  case "$name" in
    BM_RunJourney/*) ns=$cpu; report "journey $name" "$(printf '%.0f ns' "$ns")" "<= 2000 ns" "$(le "$ns" 2000)" ;;
    BM_LoadModel) report "load + validate the model" "$(printf '%.2f ms' "$cpu")" "<= 5 ms" "$(le "$cpu" 5)" ;;
    BM_JourneyJson) report "journey JSON" "$(printf '%.1f us' "$(awk -v n="$cpu" 'BEGIN{print n/1000}')")" "(no target)" 1 ;;
  esac
done <"$out/engine.txt"

echo "== sysjourney run as a whole process"
hyperfine -N --warmup 5 --runs 50 --export-json "$out/run.json" "$bin run --format json" >/dev/null 2>&1
mean_ms=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log((r.results[0].mean*1000).toFixed(2))' "$out/run.json")
report "sysjourney run (mean of 50)" "$mean_ms ms" "<= 20 ms" "$(le "$mean_ms" 20)"
rss_kb=$(/usr/bin/time -f %M "$bin" run --format json 2>&1 >/dev/null | tail -1)
report "sysjourney run peak RSS" "$((rss_kb / 1024)) MB ($rss_kb KiB)" "<= 20 MB" "$(le "$rss_kb" 20480)"

echo "== server under wrk (10 s, 2 threads, 64 connections)"
coproc SERVER { exec "$bin" serve --port 0 --no-measure; }
server_pid=$SERVER_PID
read -r -t 10 line <&"${SERVER[0]}"
url=$(grep -o 'http://[^ ]*' <<<"$line")
wrk -t2 -c64 -d10s --latency "${url}api/run?fd=file&cache=miss&device=nvme" >"$out/wrk.txt" 2>&1
rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")
p99_ms=$(awk -v v="$p99" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else if (v ~ /s$/) print v*1000 }')
errors=$(awk '/Non-2xx|Socket errors/ {n++} END {print n+0}' "$out/wrk.txt")
report "/api/run requests per second" "$rps" ">= 20000" "$(awk -v r="$rps" 'BEGIN{exit !(r >= 20000)}' && echo 1 || echo 0)"
report "/api/run p99 latency" "${p99_ms} ms" "<= 5 ms" "$(le "$p99_ms" 5)"
report "/api/run errors" "$errors" "0" "$([ "$errors" = 0 ] && echo 1 || echo 0)"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
report "server RSS after the run" "$((rss / 1024)) MB" "<= 50 MB" "$(le "$rss" 51200)"
if [ -d "$root/tests/web/node_modules/playwright-core" ]; then
  load_ms=$(node "$here/page_load.mjs" "$url")
  report "page load to first trace (headless)" "$load_ms ms" "<= 300 ms" "$(le "$load_ms" 300)"
fi
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""

echo "== page load against a minimal page, in one run (bench/page_load_ratio.mjs)"
# The static site is built the way tests/wasm builds it; a site that does not build is a missing figure.
site=$build/site-bench
if ! WASM_BUILD=$build/wasm "$root/wasm/site.sh" "$site" >"$out/site.log" 2>&1; then
  tail -5 "$out/site.log"
  site=""
fi
node "$here/page_load_ratio.mjs" --bin "$bin" ${site:+--site "$site"} --runs 11 --json >"$out/ratio.json" 2>"$out/ratio.err"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const [key, name] of [["served", "served page"], ["static", "static site"]]) {
    const ms = r[key + "_ms"], ratio = r[key + "_ratio"];
    const figure = ratio === null ? "no figure" : `${ms} vs ${r.floor_ms} ms: ${ratio}x`;
    console.log([`${name} load / minimal page`, figure, ratio !== null && ratio <= r.target ? 1 : 0].join("\t"));
  }
  for (const m of r.missing) console.log(["page load: missing figure", m.slice(0, 60), 0].join("\t"));
' "$out/ratio.json" >"$out/ratio.txt" 2>/dev/null ||
  printf 'page load / minimal page\tno figure (bench/page_load_ratio.mjs: %s)\t0\n' "$(head -c 60 "$out/ratio.err")" >"$out/ratio.txt"
while IFS=$'\t' read -r name figure ok; do
  report "$name" "$figure" "<= 2.5x" "$ok"
done <"$out/ratio.txt"

echo "== measurement against peers, in one run"
start=$(date +%s.%N)
"$bin" measure --format json >"$out/measure.json"
full_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
start=$(date +%s.%N)
"$bin" measure --quick --format json >/dev/null
quick_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
report "measure --quick wall time" "$quick_s s" "<= 5 s" "$(le "$quick_s" 5)"
report "measure (full) wall time" "$full_s s" "<= 30 s" "$(le "$full_s" 30)"
probe() { node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1])); const p=j.probes.find(p=>p.id===process.argv[2]); console.log(p && !p.skipped ? p[process.argv[3]] : "")' "$out/measure.json" "$1" "$2"; }
ours=$(probe syscall_getppid median_ns)
perf_us=$(perf bench syscall basic 2>/dev/null | awk '/usecs\/op/ {print $1}')
if [ -n "$perf_us" ] && [ -n "$ours" ]; then
  ratio=$(awk -v a="$ours" -v b="$perf_us" 'BEGIN{printf "%.2f", a/(b*1000)}')
  report "syscall_getppid vs perf bench syscall" "$ours ns vs ${perf_us} us: $ratio" "0.85-1.15" "$(between "$ratio" 0.85 1.15)"
else
  report "syscall_getppid vs perf bench syscall" "perf bench unavailable" "0.85-1.15" 0
fi
dir=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(j.host.dir)' "$out/measure.json")
direct=$(probe read_direct median_ns)
fio_dir=$(mktemp -d "$dir/sysjourney-fio-XXXXXX")
fio --name=randread --directory="$fio_dir" --rw=randread --bs=4k --size=64M --ioengine=psync --direct=1 \
    --runtime=5 --time_based --output-format=json >"$out/fio.json" 2>/dev/null
rm -rf "$fio_dir"
fio_ns=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(j.jobs[0].read.clat_ns.percentile["50.000000"])' "$out/fio.json" 2>/dev/null)
if [ -n "$fio_ns" ] && [ -n "$direct" ]; then
  ratio=$(awk -v a="$direct" -v b="$fio_ns" 'BEGIN{printf "%.2f", a/b}')
  report "read_direct vs fio randread psync p50" "$direct vs $fio_ns ns: $ratio" "0.7-1.4" "$(between "$ratio" 0.7 1.4)"
else
  report "read_direct vs fio randread psync p50" "not measured" "0.7-1.4" 0
fi
# fsync_file against fio doing the same: 4 KiB writes over a laid-out 64 KiB file, fsync after each.
fsync_ns=$(probe fsync_file median_ns)
fio_dir=$(mktemp -d "$dir/sysjourney-fio-XXXXXX")
fio --name=fsync --directory="$fio_dir" --rw=write --bs=4k --size=64k --fsync=1 --ioengine=psync \
    --runtime=5 --time_based --output-format=json >"$out/fio-fsync.json" 2>/dev/null
rm -rf "$fio_dir"
# fio times the write and the fsync apart: one call of ours is both.
fio_fsync_ns=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1])).jobs[0]; const w=j.write.clat_ns.percentile["50.000000"], s=j.sync.lat_ns.percentile["50.000000"]; if (w > 0 && s > 0) console.log(w + s)' "$out/fio-fsync.json" 2>/dev/null)
if [ -n "$fio_fsync_ns" ] && [ -n "$fsync_ns" ]; then
  ratio=$(awk -v a="$fsync_ns" -v b="$fio_fsync_ns" 'BEGIN{printf "%.2f", a/b}')
  report "fsync_file vs fio --rw=write --bs=4k --fsync=1 psync p50" "$fsync_ns vs $fio_fsync_ns ns: $ratio" "0.7-1.4" "$(between "$ratio" 0.7 1.4)"
else
  report "fsync_file vs fio --rw=write --bs=4k --fsync=1 psync p50" "not measured (fio or the probe gave no figure)" "0.7-1.4" 0
fi
echo "== leave-one-out: each probe predicted from a fit to all the others (sysjourney fit of the run's file)"
"$bin" fit --format json "$out/measure.json" >"$out/fit.json"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
  for (const p of j.probes) if (p.predicted_ns && !p.skipped)
    console.log(p.id, p.median_ns, p.predicted_ns, p.within ? 1 : 0,
                (100 * (p.predicted_ns - p.median_ns) / p.median_ns).toFixed(1));
' "$out/fit.json" >"$out/predictions.txt"
while read -r id measured predicted within error; do  # not a pipe: report must count in this shell
  report "leave-one-out $id" "$(printf '%.0f ns measured, %.0f predicted, error %s%%' "$measured" "$predicted" "$error")" \
    "|error| <= 30%" "$within"
done <"$out/predictions.txt"
# The fit of one document (17 probes, 17 leave-one-out refits), as a process and as a function.
start=$(date +%s.%N)
for _ in 1 2 3 4 5 6 7 8 9 10; do "$bin" fit --format json "$out/measure.json" >/dev/null; done
fit_ms=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", (e-s)*100}')
report "sysjourney fit of a measure file (process, mean of 10)" "$fit_ms ms" "<= 50 ms" "$(le "$fit_ms" 50)"
[ -x "$here/load.sh" ] && { echo "== load (60 s)"; "$here/load.sh" "$build" || failures=$((failures + 1)); }
echo
echo "bench: $failures target(s) missed"
[ "$failures" = 0 ]
