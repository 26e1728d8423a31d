#!/usr/bin/env bash
# Regenerates the mock's fixtures that are the real engine's, so that what the mock answers
# stays the engine's own (run it after the model, the fit or the engine's routes change):
#   fixtures/measure-raw.json  -> fixtures/measure.json   (POST api/measure), by `sysjourney fit`
#   fixtures/measure-file.json -> fixtures/fit-file.json  (POST api/fit), by `sysjourney fit`
#   the engine's api/model     -> fixtures/model.json's paths, stages and sources, and
#                                 fixtures/results.json (mock/refit_model.mjs --write)
# and then checks the mock's journeys against the engine's (mock/refit_model.mjs): a route that
# differs is mock/journey.js's to fix, by hand.
# Usage: refit.sh BINARY      (e.g. build/sysjourney)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
fit() {
  "$bin" fit "$here/fixtures/$1" --format json | node -e '
    let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => process.stdout.write(JSON.stringify(JSON.parse(s), null, 1) + "\n"));' \
    >"$here/fixtures/$2"
  echo "refit.sh: fixtures/$2 from fixtures/$1"
}
fit measure-raw.json measure.json
fit measure-file.json fit-file.json

# The engine's API on a free loopback port; it prints its URL once it is listening.
coproc SERVER { exec "$bin" serve --host 127.0.0.1 --port 0 --no-measure; }
server_pid=$SERVER_PID
trap 'kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
read -r -t 30 line <&"${SERVER[0]}"
url=$(grep -o 'http://[^ ]*' <<<"$line")
node "$here/refit_model.mjs" "$url" --write
