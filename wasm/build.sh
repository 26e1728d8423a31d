#!/usr/bin/env bash
# Builds the engine for WebAssembly with Debian's emscripten (apt-get install emscripten).
# Usage: wasm/build.sh [BUILD_DIR]   (default build/wasm)
# Leaves BUILD_DIR/sysjourney_engine.{js,wasm} and BUILD_DIR/single/sysjourney_engine.js.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/wasm}
jobs=${JOBS:-$(nproc)}

if ! command -v emcmake >/dev/null 2>&1; then
  echo "wasm/build.sh: emscripten is not installed. Run as root: apt-get install -y emscripten" >&2
  exit 1
fi
# Debian's emscripten runs node scripts that need the system's node modules (acorn, ...).
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

if [ ! -f "$out/CMakeCache.txt" ]; then
  emcmake cmake -S "$here/wasm" -B "$out" -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
fi
cmake --build "$out" -j "$jobs"
