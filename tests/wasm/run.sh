#!/usr/bin/env bash
# The WebAssembly engine against the native one, then the static site in Chromium: builds the
# engine (wasm/build.sh) and the site (wasm/site.sh) into BUILD_DIR, then runs tests/wasm.
# Usage: run.sh BINARY BUILD_DIR      (ctest passes build/sysjourney and build/)
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$(mkdir -p "$2" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v emcmake >/dev/null 2>&1; then
  echo "tests/wasm: emscripten is not installed; run scripts/deps.sh test" >&2
  exit 1
fi
if [ ! -d "$root/tests/web/node_modules/playwright-core" ]; then
  echo "tests/wasm: playwright-core is not installed (tests/web); run scripts/deps.sh test" >&2
  exit 1
fi
WASM_BUILD=$build/wasm "$root/wasm/site.sh" "$build/site"
cd "$here"
SYSJOURNEY_BIN=$bin SYSJOURNEY_WASM_DIR=$build/wasm SYSJOURNEY_DIST=$build/site \
  node --test --test-concurrency=1 .
# The page's own browser tests, against the static site with no server behind it.
"$here/web_tests_static.sh" "$build/site"
