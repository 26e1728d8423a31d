#!/usr/bin/env bash
# Runs tests/web's browser tests against a site built by wasm/site.sh, served by the plain static
# server (no API), under a sub-path. SYSJOURNEY_STATIC=1 tells tests that need an API to stand down.
# Usage: web_tests_static.sh [DIST=dist]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dist=$(cd "${1:-$here/../../dist}" && pwd)
source "$here/../web/start_server.sh"
start_server node "$here/static_server.js" --root "$dist" --port 0 --prefix /sj/ --csp
echo "tests/wasm: $dist at $url"
cd "$here/../web"
SYSJOURNEY_URL=$url SYSJOURNEY_STATIC=1 node --test --test-concurrency=1 browser/
