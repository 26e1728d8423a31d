#!/usr/bin/env bash
# Load: the server under wrk for two minutes, /api/run and the page (/) at once, to show it keeps
# answering without errors and without growing. Two rounds of 60 s with the same load; the
# server's RSS (from /proc/PID/status) after the first minute and after the last must differ by
# less than 10%. Prints every figure; exits non-zero on an error or on growth.
# Usage: bench/load.sh [BUILD_DIR] [SECONDS_PER_ROUND]   (default build-bench; bench/run.sh calls it)
set -uo pipefail
build=${1:-build-bench}
round=${2:-60}
bin=$build/sysjourney
out=$(mktemp -d)
server_pid=""
trap 'rm -rf "$out"; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null' EXIT

command -v wrk >/dev/null || { echo "load: wrk is missing (scripts/deps.sh bench)" >&2; exit 1; }
coproc SERVER { exec "$bin" serve --port 0 --no-measure; }
server_pid=$SERVER_PID
read -r -t 30 line <&"${SERVER[0]}" || { echo "load: the server did not start" >&2; exit 1; }
url=$(grep -o 'http://[^ ]*' <<<"$line")
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }

failures=0
run_round() {  # name: wrk on /api/run and on / at once, 32 connections each
  local name=$1
  wrk -t1 -c32 -d"${round}s" --latency "${url}api/run?fd=file&cache=miss&device=nvme" >"$out/$name.api.txt" 2>&1 &
  local api=$!
  wrk -t1 -c32 -d"${round}s" --latency "${url}" >"$out/$name.page.txt" 2>&1 &
  local page=$!
  wait "$api" "$page"
  for kind in api page; do
    local f=$out/$name.$kind.txt
    local rps p99 requests errors
    rps=$(awk '/Requests\/sec/ {print $2}' "$f")
    p99=$(awk '$1 == "99%" {print $2}' "$f")
    requests=$(awk '/requests in/ {print $1}' "$f")
    errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$f")
    printf '  %-7s %-5s %10s requests  %10s req/s  p99 %-9s errors %s\n' "$name" "$kind" "${requests:-0}" "${rps:-0}" "${p99:-?}" "$errors"
    if [ "$errors" != 0 ] || [ -z "$requests" ] || [ "$requests" = 0 ]; then failures=$((failures + 1)); fi
  done
}

echo "== load: wrk on ${url}api/run and ${url} at once, 2 x ${round} s"
rss0=$(rss_kb)
run_round first
rss1=$(rss_kb)
run_round last
rss2=$(rss_kb)
growth=$(awk -v a="$rss1" -v b="$rss2" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
printf '  RSS: %d KiB at the start, %d KiB after the first minute, %d KiB after the last: %s%%\n' \
  "$rss0" "$rss1" "$rss2" "$growth"
if ! awk -v g="$growth" 'BEGIN { exit !(g < 10) }'; then
  echo "load: RSS grew by ${growth}% between the first and the last minute (limit 10%)" >&2
  failures=$((failures + 1))
fi
kill -0 "$server_pid" 2>/dev/null || { echo "load: the server died" >&2; failures=$((failures + 1)); }
code=$(curl -s -o /dev/null -w '%{http_code}' "${url}healthz")
[ "$code" = 200 ] || { echo "load: /healthz answered $code after the load" >&2; failures=$((failures + 1)); }
if [ "$failures" = 0 ]; then echo "load: PASS"; else echo "load: FAIL ($failures)"; fi
[ "$failures" = 0 ]
