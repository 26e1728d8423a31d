// The page against the least a page can do, in the same run: from navigation start to the first
// frame with the trace of a permalink on screen, for the served page (`sysjourney serve`, its
// embedded bundle) and the static site (wasm/site.sh: the engine in WebAssembly), each divided by
// the same time for a minimal page (bench/floor/: one module, one fetch of a small JSON, one table).
//
//   node bench/page_load_ratio.mjs [--bin BUILD/sysjourney | --served URL] [--site DIST]
//                                  [--runs 11] [--search '?fd=file&cache=miss'] [--target 2.5] [--json]
//
// The minimal page is served by the same plain static server as the site (tests/wasm/static_server.js,
// one node process on loopback, both under one origin), so the static site's ratio compares like
// with like. The served page comes from the C++ server; both servers answer a request on loopback in
// well under a millisecond, so what the floor measures is the browser's own cost of a navigation, a
// module, a fetch and a table: the part no page can avoid on this machine.
// Loads are interleaved (floor, served, static, floor, ...), each in a fresh browser context, so a
// machine that gets busier during the run slows all three alike; the first round only warms up.
// Exit status 1 when a ratio is above the target or a figure is missing (each named in the output).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT as root, cli } from './page_load_args.mjs';

const here = path.join(root, 'bench');
const { flag, has } = cli();
const runs = Number(flag('runs', '11'));
const search = flag('search', '?fd=file&cache=miss');
const target = Number(flag('target', '2.5'));
const bin = flag('bin', '');
let servedUrl = flag('served', '');
const dist = flag('site', '');
const asJson = has('json');
const CHROMIUM = process.env.SYSJOURNEY_CHROMIUM || '/usr/bin/chromium';

const missing = []; // figures we could not get, each naming the tool that failed
const cleanups = [];

// Runs in each page before its scripts: the first frame after #app says "done" (or "error").
const probe = () => {
  window.__shown = null;
  const seen = () => {
    const state = document.getElementById('app')?.dataset.state;
    if (window.__shown !== null) return;
    if (state === 'error') window.__shown = 'error';
    if (state === 'done') {
      window.__shown = -1;
      requestAnimationFrame(() => {
        window.__shown = performance.now();
      });
    }
  };
  new MutationObserver(seen).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
};

async function loadOnce(browser, url, problems) {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.add(m.text());
    });
    page.on('pageerror', (e) => problems.add(e.message));
    await page.addInitScript(probe);
    await page.goto(url);
    await page.waitForFunction(() => window.__shown === 'error' || window.__shown > 0, null, { timeout: 30000 });
    const t = await page.evaluate(() => window.__shown);
    if (t === 'error') throw new Error(`the page showed an error: ${(await page.textContent('#error').catch(() => '')) || 'see its alert box'}`);
    return t;
  } finally {
    await context.close();
  }
}

function startBinary(file) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, ['serve', '--host', '127.0.0.1', '--port', '0', '--no-measure'], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill('SIGTERM'));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} serve exited with ${code}`)));
    // The server prints its URL once it listens: that line is the synchronisation.
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/\S+/);
      if (m) resolve(m[0]);
    });
  });
}

const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

let browser = null;
const result = { runs, search, target, floor_ms: null, served_ms: null, static_ms: null, served_ratio: null, static_ratio: null, missing };
try {
  let chromium;
  try {
    ({ chromium } = createRequire(path.join(root, 'tests/web/package.json'))('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed in tests/web (scripts/deps.sh bench)');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (scripts/deps.sh bench installs chromium)`);
  const { startStatic } = await import('../tests/wasm/static_server.js');

  // One static server for the floor and the site, under one origin.
  const top = mkdtempSync(path.join(tmpdir(), 'sj-ratio-'));
  cleanups.push(() => rmSync(top, { recursive: true, force: true }));
  symlinkSync(path.join(here, 'floor'), path.join(top, 'floor'));
  let siteOk = false;
  if (dist) {
    if (existsSync(path.join(dist, 'index.html')) && existsSync(path.join(dist, 'sysjourney_engine.wasm'))) {
      symlinkSync(path.resolve(dist), path.join(top, 'site'));
      siteOk = true;
    } else {
      missing.push(`static site: no site in ${dist} (wasm/site.sh did not build it)`);
    }
  } else {
    missing.push('static site: not given (--site DIST)');
  }
  const stat = await startStatic({ root: top, csp: true });
  cleanups.push(() => stat.close());
  if (bin) {
    try {
      servedUrl = await startBinary(bin);
    } catch (e) {
      missing.push(`served page: ${e.message}`);
    }
  } else if (!servedUrl) {
    missing.push('served page: not given (--bin BINARY or --served URL)');
  }

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'] });
  const pages = [{ key: 'floor', name: 'minimal page', url: new URL('floor/', stat.url).href }];
  if (servedUrl) pages.push({ key: 'served', name: 'served page', url: new URL(search, servedUrl).href });
  if (siteOk) pages.push({ key: 'static', name: 'static site', url: new URL(`site/${search}`, stat.url).href });
  for (const p of pages) {
    p.times = [];
    p.problems = new Set();
  }
  for (let i = 0; i <= runs; i++) {
    for (const p of pages) {
      if (p.failed) continue;
      try {
        const t = await loadOnce(browser, p.url, p.problems);
        if (i > 0) p.times.push(t); // round 0 warms the OS file cache and Chromium
      } catch (e) {
        p.failed = `${p.name}: chromium: ${e.message.split('\n')[0]}`;
        missing.push(p.failed);
      }
    }
  }
  for (const p of pages) {
    if (p.failed || !p.times.length) continue;
    if (p.problems.size) missing.push(`${p.name}: console errors: ${[...p.problems].join(' | ')}`);
    result[`${p.key}_ms`] = Math.round(median(p.times));
    result[`${p.key}_range_ms`] = [Math.round(Math.min(...p.times)), Math.round(Math.max(...p.times))];
  }
  if (result.floor_ms === null && !missing.some((m) => m.startsWith('minimal page'))) missing.push('minimal page: no figure');
  for (const key of ['served', 'static']) {
    if (result.floor_ms && result[`${key}_ms`] !== null) result[`${key}_ratio`] = Number((result[`${key}_ms`] / result.floor_ms).toFixed(2));
  }
} catch (e) {
  missing.push(e.message);
} finally {
  if (browser) await browser.close();
  for (const c of cleanups.reverse()) await c();
}

result.pass = missing.length === 0 && result.served_ratio !== null && result.static_ratio !== null
  && result.served_ratio <= target && result.static_ratio <= target;
if (asJson) {
  console.log(JSON.stringify(result));
} else {
  const row = (name, ms, ratio) => {
    if (ms === null) return `  ${name.padEnd(44)} no figure`;
    const verdict = ratio === undefined ? '' : ratio === null ? '' : `${ratio.toFixed(2)}x the floor (target <= ${target}x) ${ratio <= target ? 'PASS' : 'FAIL'}`;
    return `  ${name.padEnd(44)} ${String(ms).padStart(5)} ms  ${verdict}`;
  };
  console.log(`page load, navigation to the trace of ${search} on screen, median of ${runs} interleaved loads:`);
  console.log(row('minimal page (one module, one fetch, one table)', result.floor_ms));
  console.log(row('served page (sysjourney serve)', result.served_ms, result.served_ratio));
  console.log(row('static site (WebAssembly engine)', result.static_ms, result.static_ratio));
  for (const m of missing) console.log(`  FAIL: ${m}`);
}
process.exit(result.pass ? 0 : 1);
