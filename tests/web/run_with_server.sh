#!/usr/bin/env bash
# Runs the page's tests against the real server: starts `sysjourney serve` on a free loopback
# port, runs the unit and browser tests with SYSJOURNEY_URL pointing at it, then stops it.
# Usage: run_with_server.sh BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "tests/web: playwright-core is not installed; run scripts/deps.sh test" >&2
  exit 1
fi
source "$here/start_server.sh"
start_server "$bin" serve --host 127.0.0.1 --port 0
echo "tests/web: server at $url"
cd "$here"
SYSJOURNEY_URL=$url npm test
