// The page against the least a page can do, in the same run: from navigation start to the frame
// that shows the trace of a permalink, for the served page (`sysjourney serve`, its embedded bundle)
// and the static site (wasm/site.sh: the engine in WebAssembly), each divided by the same time for
// a minimal page (bench/floor/: one module, one fetch of a small JSON, one table).
//
//   node bench/page_load_ratio.mjs [--bin BUILD/sysjourney | --served URL] [--site DIST]
//                                  [--runs 11] [--search '?fd=file&cache=miss'] [--target 2.5]
//                                  [--settle 250] [--snapshot] [--json]
//
// Two times per load, of the frame after #app first says "done" (bench/page_load_probe.mjs):
//   drawn  when its style, layout and paint are over: the trace is on screen. Judged.
//   frame  when it begins: the page's script is done, the result not yet laid out. Reported beside it.
// The minimal page is served by the same plain static server as the site (tests/wasm/static_server.js,
// one node process on loopback, both under one origin), so the static site's ratio compares like
// with like. The served page comes from the C++ server; both servers answer a request on loopback in
// well under a millisecond, so what the floor measures is the browser's own cost of a navigation, a
// module, a fetch and a table: the part no page can avoid on this machine.
// Loads are interleaved (floor, served, static, floor, ...), each in a fresh browser context after
// a pause (--settle ms) that lets the last context's renderer go away, so that one load's teardown
// does not land in the next; a machine that gets busier during the run slows all three alike; the
// first round only warms up.
// --snapshot adds a reference that is not judged: the served page's result saved as static HTML
// (its DOM once it showed the trace, scripts taken out, one small module to say "done"), served
// without the page's CSP so that its inline widths stay. It draws what the page draws with none of
// the page's script: the part of the time that is rendering the result alone.
// Beside each time, the CPU the whole machine spent on the load (Linux /proc/stat: user, nice,
// system, irq and softirq, from just before the navigation to the drawn frame): on a machine with
// few cores the browser's processes use all of them while a page loads, and then the time follows
// the work.
// Exit status 1 when a ratio is above the target or a figure is missing (each named in the output).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT as root, cli } from './page_load_args.mjs';
import { probe, shown } from './page_load_probe.mjs';

const here = path.join(root, 'bench');
const { flag, has } = cli();
const runs = Number(flag('runs', '11'));
const search = flag('search', '?fd=file&cache=miss');
const target = Number(flag('target', '2.5'));
const bin = flag('bin', '');
let servedUrl = flag('served', '');
const dist = flag('site', '');
const asJson = has('json');
const settle = Number(flag('settle', '250'));
if (!Number.isFinite(settle) || settle < 0) {
  console.error(`page_load_ratio: --settle must be a number of milliseconds, 0 or more (got '${flag('settle', '')}')`);
  process.exit(2);
}
const withSnapshot = has('snapshot');
const CHROMIUM = process.env.SYSJOURNEY_CHROMIUM || '/usr/bin/chromium';

const missing = []; // figures we could not get, each naming the tool that failed
const cleanups = [];

// Milliseconds of CPU the machine has spent so far (all cores), or null where /proc/stat is missing.
function cpuMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return ((f[0] + f[1] + f[2] + f[5] + f[6]) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

async function loadOnce(browser, url, problems) {
  await new Promise((resolve) => setTimeout(resolve, settle));
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.add(m.text());
    });
    page.on('pageerror', (e) => problems.add(e.message));
    await page.addInitScript(probe);
    const cpu0 = cpuMs();
    const drawnFrame = shown(page);
    await page.goto(url);
    const t = await drawnFrame;
    const cpu1 = cpuMs();
    return { ...t, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
  } finally {
    await context.close();
  }
}

// Saves the served page's result at `url` as static HTML in `dir` (see --snapshot above).
async function saveSnapshot(browser, url, dir) {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('app')?.dataset.state === 'done', null, { timeout: 30000 });
    const html = await page.evaluate(() => {
      for (const el of document.querySelectorAll('script, link[rel="preload"], link[rel="modulepreload"]')) el.remove();
      document.getElementById('app').dataset.state = 'loading';
      return `<!doctype html>\n${document.documentElement.outerHTML}`;
    });
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.html'), html.replace('</body>', '<script type="module" src="done.js"></script></body>'));
    writeFileSync(path.join(dir, 'done.js'), "document.getElementById('app').dataset.state = 'done';\n");
    for (const file of ['style.css', 'icon.svg']) {
      const answer = await fetch(new URL(file, url));
      if (!answer.ok) throw new Error(`${file}: HTTP ${answer.status}`);
      writeFileSync(path.join(dir, file), Buffer.from(await answer.arrayBuffer()));
    }
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
const result = { runs, search, target, settle, floor_ms: null, served_ms: null, static_ms: null, served_ratio: null, static_ratio: null, missing };
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
  if (withSnapshot && servedUrl) {
    try {
      await saveSnapshot(browser, new URL(search, servedUrl).href, path.join(top, 'snapshot'));
      const plain = await startStatic({ root: top });
      cleanups.push(() => plain.close());
      pages.push({ key: 'snapshot', name: 'snapshot', url: new URL('snapshot/', plain.url).href });
    } catch (e) {
      missing.push(`snapshot of the served page: ${e.message.split('\n')[0]}`);
    }
  }
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
    const drawn = p.times.map((t) => t.drawn);
    result[`${p.key}_ms`] = Math.round(median(drawn));
    result[`${p.key}_range_ms`] = [Math.round(Math.min(...drawn)), Math.round(Math.max(...drawn))];
    result[`${p.key}_frame_ms`] = Math.round(median(p.times.map((t) => t.frame)));
    const cpu = p.times.map((t) => t.cpu).filter((c) => c !== null);
    result[`${p.key}_cpu_ms`] = cpu.length ? Math.round(median(cpu)) : null;
  }
  if (result.floor_ms === null && !missing.some((m) => m.startsWith('minimal page'))) missing.push('minimal page: no figure');
  for (const key of ['served', 'static', 'snapshot']) {
    if (result[`${key}_ms`] === undefined) continue;
    if (result.floor_ms && result[`${key}_ms`] !== null) {
      result[`${key}_ratio`] = Number((result[`${key}_ms`] / result.floor_ms).toFixed(2));
      result[`${key}_frame_ratio`] = Number((result[`${key}_frame_ms`] / result.floor_frame_ms).toFixed(2));
    }
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
  const row = (name, key, judged = true) => {
    const ms = result[`${key}_ms`];
    const ratio = result[`${key}_ratio`];
    if (ms === null || ms === undefined) return `  ${name.padEnd(44)} no figure`;
    const cpu = result[`${key}_cpu_ms`] === null ? '' : `, cpu ${result[`${key}_cpu_ms`]} ms`;
    const frame = `(frame begun ${String(result[`${key}_frame_ms`]).padStart(4)} ms${ratio === undefined || ratio === null ? '' : `, ${result[`${key}_frame_ratio`].toFixed(2)}x`}${cpu})`;
    const verdict = ratio === undefined || ratio === null ? '' : `${ratio.toFixed(2)}x the floor${judged ? ` (target <= ${target}x) ${ratio <= target ? 'PASS' : 'FAIL'}` : ' (a reference, not judged)'}`;
    return `  ${name.padEnd(44)} ${String(ms).padStart(5)} ms  ${frame.padEnd(44)} ${verdict}`;
  };
  console.log(`page load, navigation to the frame that draws the trace of ${search}, median of ${runs} interleaved loads:`);
  console.log(row('minimal page (one module, one fetch, one table)', 'floor'));
  console.log(row('served page (sysjourney serve)', 'served'));
  console.log(row('static site (WebAssembly engine)', 'static'));
  if (withSnapshot) console.log(row("served page's result as static HTML", 'snapshot', false));
  for (const m of missing) console.log(`  FAIL: ${m}`);
}
process.exit(result.pass ? 0 : 1);
