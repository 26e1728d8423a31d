#!/usr/bin/env bash
# Regenerates the mock's fitted fixtures from their inputs with the real engine, so that what
# the mock answers stays the engine's own `fit` (run it after the model or the fit changes):
#   fixtures/measure-raw.json  -> fixtures/measure.json   (POST api/measure)
#   fixtures/measure-file.json -> fixtures/fit-file.json  (POST api/fit)
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
