// Builds the page as it is shipped (embedded in the server, published by wasm/site.sh) from the
// page as it is written (web/, plain ES modules that the tests and the mock server use as they are).
//
//   node tools/bundle/build.mjs WEB_DIR OUT_DIR [--static]
//
// OUT_DIR gets every page file of WEB_DIR as it is, except:
//   app.min.js   app.js and every module it imports (engine_wasm.js too, which engine.js imports
//                on demand) in one minified ES module, by esbuild: one request instead of 24,
//                which in Chromium on a busy 2-core machine cost 40-130 ms each
//   index.html   loads app.min.js instead of app.js, without the modulepreload list, and leaves a
//                mark where the server puts its API's preloads, so that the model is fetched along
//                with the script (not after it ran); not with --static (wasm/site.sh: a static host
//                has no API)
//   style.css    minified
// The modules stay next to it, so `import('./engine.js')` still works on the shipped page.
// Every output is written on every run (the build system compares timestamps).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const staticSite = args.includes('--static');
const [webArg, outArg] = args.filter((a) => !a.startsWith('--'));
if (!webArg || !outArg) {
  console.error('usage: node tools/bundle/build.mjs WEB_DIR OUT_DIR [--static]');
  process.exit(2);
}
const web = path.resolve(webArg);
const out = path.resolve(outArg);
if (out === web) {
  console.error('bundle: OUT_DIR must not be WEB_DIR');
  process.exit(2);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('bundle: esbuild is not installed in tools/bundle; run scripts/deps.sh build (npm ci in tools/bundle)');
  process.exit(1);
}

const PAGE_FILE = /\.(html|js|css|svg|ico|png)$/;
function pageFiles(dir, rel = '') {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : pageFiles(dir, r);
    return PAGE_FILE.test(e.name) ? [r] : [];
  });
}

const put = (rel, data) => {
  mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
  writeFileSync(path.join(out, rel), data);
};

for (const rel of pageFiles(web)) {
  if (rel === 'index.html' || rel === 'style.css') continue;
  mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
  copyFileSync(path.join(web, rel), path.join(out, rel));
}

const common = { minify: true, charset: 'utf8', legalComments: 'none', logLevel: 'warning', write: false };
const js = await esbuild.build({
  ...common,
  entryPoints: [path.join(web, 'app.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // engine_wasm.js reads its engine from disk when run in node; those imports never run in a page.
  external: ['node:*'],
  // V8's explicit compile hint: the page calls nearly all of its code while it starts, so compile
  // it all while the script streams in (off the page's thread) rather than function by function
  // on the page's thread as each is first called (about half of the page's compile time).
  banner: { js: '//# allFunctionsCalledOnLoad' },
});
const bundle = js.outputFiles[0].contents;
put('app.min.js', bundle);

const css = await esbuild.build({ ...common, entryPoints: [path.join(web, 'style.css')], bundle: false, loader: { '.css': 'css' } });
const style = css.outputFiles[0].contents;
put('style.css', style);

const SCRIPT = '<script type="module" src="app.js"></script>';
let html = readFileSync(path.join(web, 'index.html'), 'utf8');
if (!html.includes(SCRIPT)) {
  console.error(`bundle: ${path.join(web, 'index.html')} does not load the page as ${SCRIPT}`);
  process.exit(1);
}
// The server puts its API's preloads (the model, a permalink's journey) in place of this mark
// (server/server.cc, page_for); the static site has no API and preloads its engine (wasm/site.sh).
const preload = staticSite ? '' : '\n<!-- sysjourney-preloads -->';
html = html.replace(SCRIPT, `<script type="module" src="app.min.js"></script>${preload}`)
  .split('\n').filter((line) => !/^\s*<link rel="modulepreload"/.test(line) && !/^\s*<!-- Fetch every module at once/.test(line)).join('\n');
put('index.html', html);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sized = [['index.html', Buffer.from(html)], ['app.min.js', bundle], ['style.css', style]];
const raw = sized.reduce((s, [, b]) => s + b.length, 0);
const gz = sized.reduce((s, [, b]) => s + gzipSync(b, { level: 9 }).length, 0);
console.log(`bundle: ${out}: ${sized.map(([n, b]) => `${n} ${kb(b.length)}`).join(', ')}; page ${kb(raw)}, ${kb(gz)} gzipped`);
