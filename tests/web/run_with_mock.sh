#!/usr/bin/env bash
# The page's tests that need the mock server (ctest web_page_mock), in two steps:
#  1. the mock still follows the real engine: starts `sysjourney serve` on a free loopback port,
#     runs mock/refit_model.mjs against it (routes, words and refusals of about a thousand
#     scenarios, compared with the mock's), then stops it. If it fails: mock/refit.sh BINARY
#     remakes the engine's fixtures; a route that differs is mock/journey.js's to fix.
#  2. the browser tests given (default: browser/measure.test.js, whose 429, 403, 500, tmpfs and
#     busy-machine cases need the mock's X-Mock-Measure header) without SYSJOURNEY_URL, so that
#     browser/harness.js starts the mock itself, under the sub-path /sj/, and stops it at the end.
# Both steps always run; the script fails if either does.
# Usage: run_with_mock.sh BINARY [TEST_FILE_OR_DIR...]   (e.g. browser/ for the whole suite)
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "tests/web: playwright-core is not installed; run scripts/deps.sh test" >&2
  exit 1
fi
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(browser/measure.test.js)
cd "$here"
status=0

source "$here/start_server.sh"
start_server "$bin" serve --host 127.0.0.1 --port 0 --no-measure
echo "tests/web: the real engine at $url, for the mock's check"
node mock/refit_model.mjs "$url" || status=1
stop_server
trap - EXIT

echo "tests/web: ${tests[*]} against the mock"
unset SYSJOURNEY_URL SYSJOURNEY_API SYSJOURNEY_STATIC
node --test --test-concurrency=1 "${tests[@]}" || status=1
exit "$status"
