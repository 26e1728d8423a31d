#!/usr/bin/env bash
# Builds the static site: the page of web/ with the engine running in the browser as
# WebAssembly. No server: any static host or CDN serves OUTDIR as it is, under any sub-path.
#
# Usage: wasm/site.sh [OUTDIR]          (default dist/)
#   BUILD=build     the wasm build goes to $BUILD/wasm (incremental; or WASM_BUILD=DIR)
#   WEB=web         the page to publish
#
# OUTDIR/
#   index.html                 web/index.html loading app.min.js, marked <meta name="sysjourney-engine" content="wasm">
#   app.min.js                 the page's modules (engine_wasm.js too) bundled and minified (tools/bundle)
#   style.css                  minified
#   app.js, engine.js, lib/, views/, icon.svg ...   web/ as it is (import('./engine.js') still works)
#   sysjourney_engine.js       Emscripten's loader (classic script) ...
#   sysjourney_engine.wasm     ... and the module (serve it as application/wasm)
#   sysjourney_engine.snap     the module's memory with the model loaded (wasm/snapshot.mjs)
#   single/                    opens from file:// (no server at all):
#     index.html, style.css, icon.svg
#     sysjourney.js            the single-file engine (the .wasm inlined) + the page's modules
#                              bundled into one classic script
#     sysjourney_engine.js     the single-file engine alone, to embed elsewhere
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/dist}
web=${WEB:-$here/web}
build_dir=${BUILD:-build}
case "$build_dir" in /*) ;; *) build_dir=$here/$build_dir ;; esac
wasm_build=${WASM_BUILD:-$build_dir/wasm}

if ! grep -q "engine_wasm.js" "$web/engine.js"; then
  echo "site.sh: $web/engine.js never hands over to engine_wasm.js; the page would need a server" >&2
  exit 1
fi
# OUTDIR is replaced: refuse anything that does not look like an earlier site.
out=$(mkdir -p "$out" && cd "$out" && pwd)
case "$out" in
  / | "$here" | "$web" | "$HOME") echo "site.sh: refusing to replace $out" >&2; exit 1 ;;
esac
if [ -n "$(ls -A "$out")" ] && [ ! -f "$out/sysjourney_engine.wasm" ]; then
  echo "site.sh: $out is not empty and not a site built by this script; pick another OUTDIR" >&2
  exit 1
fi

"$here/wasm/build.sh" "$wasm_build" >&2

find "$out" -mindepth 1 -delete
# The page as the server embeds it: web/ as it is, plus app.min.js (every module, engine_wasm.js
# included, bundled and minified by tools/bundle/build.mjs) and an index.html that loads it.
node "$here/tools/bundle/build.mjs" --static "$web" "$out" >&2
install -m 644 "$wasm_build/sysjourney_engine.js" "$wasm_build/sysjourney_engine.wasm" "$wasm_build/sysjourney_engine.snap" "$out/"

# The marker that makes engine.js use the WebAssembly engine without asking for api/model, and
# the engine (loader, module, and the snapshot of its memory with the model loaded) fetched along
# with the page's script rather than after it.
marker='<meta name="sysjourney-engine" content="wasm">'
hints='<link rel="preload" href="sysjourney_engine.js" as="script">\n<link rel="preload" href="sysjourney_engine.wasm" as="fetch" type="application/wasm" crossorigin>\n<link rel="preload" href="sysjourney_engine.snap" as="fetch" crossorigin>'
grep -q '<meta charset="utf-8">' "$out/index.html" || { echo "site.sh: no <meta charset=\"utf-8\"> in index.html" >&2; exit 1; }
grep -q '^</head>' "$out/index.html" || { echo "site.sh: no </head> line in index.html" >&2; exit 1; }
sed -i -e "s|<meta charset=\"utf-8\">|&\n$marker|" -e "s|^</head>|$hints\n</head>|" "$out/index.html"

# single/: one classic script instead of modules (file:// forbids module scripts), the engine inlined.
mkdir -p "$out/single"
node "$here/wasm/bundle.mjs" "$web" app.js "$wasm_build/single/sysjourney_engine.js" >"$out/single/sysjourney.js"
grep -q '<script type="module" src="app.js"></script>' "$web/index.html" ||
  { echo "site.sh: index.html does not load app.js as <script type=\"module\" src=\"app.js\">" >&2; exit 1; }
sed -e "s|<meta charset=\"utf-8\">|&\n$marker|" \
    -e 's|<script type="module" src="app.js"></script>|<script defer src="sysjourney.js"></script>|' \
    -e '/<link rel="modulepreload"/d' -e '/<!-- Fetch every module at once/d' \
    "$web/index.html" >"$out/single/index.html"
for f in style.css icon.svg; do
  [ -f "$web/$f" ] && install -m 644 "$web/$f" "$out/single/"
done
install -m 644 "$wasm_build/single/sysjourney_engine.js" "$out/single/"

size() { stat -c %s "$1"; }
engine=$(( $(size "$out/sysjourney_engine.wasm") + $(size "$out/sysjourney_engine.js") ))
echo "site: $out (engine $(size "$out/sysjourney_engine.wasm") B wasm + $(size "$out/sysjourney_engine.js") B loader = $engine B," \
     "snapshot $(size "$out/sysjourney_engine.snap") B; single-file page script $(size "$out/single/sysjourney.js") B)"
