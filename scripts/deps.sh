#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian's packages and the npm registry only.
# As root it runs apt-get; otherwise it prints the exact apt-get line and stops.
# Usage: scripts/deps.sh build|unit|test|bench|site|fuzz|tidy|format|deb
set -euo pipefail
what=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

# The program alone (make run, make build, install, deb): no test or benchmark libraries.
pkgs=(cmake g++ make pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev libtomlplusplus-dev
      libcpp-httplib-dev liburing-dev)
# A tree with BUILD_TESTING=ON (the default of a plain cmake configure): GoogleTest, and Google
# Benchmark for bench/engine_bench, which is built with the tests.
testlibs=(libgtest-dev libgmock-dev libbenchmark-dev)
case "$what" in
  build) ;;
  unit)  pkgs+=("${testlibs[@]}") ;;  # make test-unit: ctest -L unit
  # man-db, zsh, fish, dpkg-dev and file: tests/install (man -l, the completions, the .deb).
  test)  pkgs+=("${testlibs[@]}" chromium emscripten man-db zsh fish dpkg-dev file) ;;
  deb)   pkgs+=(dpkg-dev file) ;;  # cpack's dpkg-shlibdeps finds the Depends line
  # make bench's tree has no tests (BUILD_TESTING=OFF), only bench/; time: /usr/bin/time (peak RSS).
  bench) pkgs+=(libbenchmark-dev chromium wrk linux-perf fio hyperfine time emscripten) ;;
  site)  pkgs+=(emscripten) ;;
  # fuzz/run.sh configures its tree with BUILD_TESTING at its default (ON).
  fuzz)  pkgs+=("${testlibs[@]}" clang-14 libclang-rt-14-dev) ;;
  tidy)  pkgs+=("${testlibs[@]}" clang-tidy-14 clang-format) ;;  # tidy covers the tests too
  format) pkgs+=(clang-format) ;;
  *) echo "deps.sh: unknown set '$what' (build|unit|test|bench|site|fuzz|tidy|format|deb)" >&2; exit 2 ;;
esac
# node and npm, for every set, `build` (make run) included: the page the server embeds is
# bundled at build time by esbuild, from npm (cmake/Bundle.cmake, tools/bundle/), so building
# the program needs them even when no test runs. Debian 12's node is new enough; a machine that
# already has node and npm keeps its own.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  line="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages. Run as root:" >&2
    echo "  apt-get update && $line" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# Browser-test packages from npm (lock file committed); only when tests need them.
if { [ "$what" = test ] || [ "$what" = bench ]; } && [ -f "$here/tests/web/package-lock.json" ]; then
  if [ ! -d "$here/tests/web/node_modules/playwright-core" ]; then
    echo "deps: npm ci in tests/web" >&2
    (cd "$here/tests/web" && npm ci --no-audit --no-fund >&2)
  fi
fi

# The page's bundler, esbuild (lock file committed; its platform binary comes from npm too):
# everything that builds the server, which embeds the bundled page, or the static site.
if [ "$what" != fuzz ] && [ "$what" != format ] && [ -f "$here/tools/bundle/package-lock.json" ]; then
  if ! (cd "$here/tools/bundle" && npm ls --depth=0 >/dev/null 2>&1); then
    echo "deps: npm ci in tools/bundle" >&2
    (cd "$here/tools/bundle" && npm ci --no-audit --no-fund >&2)
  fi
fi
