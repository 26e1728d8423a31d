// The static site (wasm/site.sh) in headless Chromium, served by a plain static server (no API):
// the page starts on the WebAssembly engine, shows the same journey as the native server, asks
// nothing of api/, stays on its origin with a clean console, refuses to measure with the right
// advice, fits a measure file in the page as the server would; the single/ build does the same
// from file://. Skipped without SYSJOURNEY_DIST.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { DIST, ROOT, differences, startNative } from './helpers.js';
import { startStatic } from './static_server.js';

const skip = DIST ? false : 'set SYSJOURNEY_DIST to a site built by wasm/site.sh';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

let site;
let native;
let browser;

before(async () => {
  if (skip) return;
  const require = createRequire(path.join(ROOT, 'tests/web/package.json'));
  const { chromium } = require('playwright-core');
  [site, native, browser] = await Promise.all([
    startStatic({ root: DIST, prefix: '/sj/', csp: true }), // a sub-path and a strict policy, as a real host might
    startNative(),
    chromium.launch({ executablePath: process.env.SYSJOURNEY_CHROMIUM || '/usr/bin/chromium', args: ARGS }),
  ]);
});

after(async () => {
  await browser?.close();
  await site?.close();
  await native?.close();
});

async function open(url, { settled = 'shown' } = {}) {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  const log = { requests: [], problems: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.problems.push(m.text());
  });
  page.on('pageerror', (e) => log.problems.push(e.message));
  await page.goto(url);
  await page.waitForFunction((want) => {
    const app = document.getElementById('app');
    if (want === 'started') return ['idle', 'done', 'error'].includes(app?.dataset.state);
    return ['done', 'error'].includes(app?.dataset.state) && app.dataset.shown === window.location.search.replace(/^\?/, '');
  }, settled, { timeout: 30000 });
  return { page, context, log };
}

async function nativeNs(query) {
  return JSON.parse((await native.get(`api/run?${query}`)).body).totals.ns;
}

test('the files a static host needs, with the right types', { skip }, async () => {
  const index = await fetch(site.url);
  assert.equal(index.status, 200);
  assert.match(await index.text(), /<meta name="sysjourney-engine" content="wasm">/);
  const wasm = await fetch(new URL('sysjourney_engine.wasm', site.url));
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const bytes = statSync(path.join(DIST, 'sysjourney_engine.wasm')).size + statSync(path.join(DIST, 'sysjourney_engine.js')).size;
  // About 290 KiB for the journey engine, plus about 110 KiB since it also fits measure files,
  // plus the model it embeds as text (writes and fsync made it about 40 KiB longer).
  assert.ok(bytes <= 500 * 1024, `engine ${bytes} B > 500 KiB`);
  assert.equal((await fetch(new URL('api/model', site.url))).status, 404, 'a static host has no API');
});

test('a permalink opens on the same journey as the native engine, without an API', { skip }, async () => {
  for (const query of ['cache=hit', 'fd=pipe&wait=on', 'cpu=epyc_guest_pti&api=io_uring&batch=32']) {
    const { page, context, log } = await open(`${site.url}?${query}`);
    const shown = await page.evaluate(async (q) => ({
      state: document.getElementById('app').dataset.state,
      ns: Number(document.getElementById('counter-time').dataset.ns),
      rows: document.querySelectorAll('#trace-table tr.stage-row').length,
      engineNs: (await (await import('./engine.js')).run(q)).totals.ns,
    }), query);
    assert.equal(shown.state, 'done', query);
    assert.ok(shown.rows > 0, query);
    const native = await nativeNs(query);
    assert.ok(Math.abs(shown.engineNs - native) <= 1e-9 * native, `${query}: ${shown.engineNs} ns from the engine`);
    // The time counter is the call's total; with io_uring it is what each read waits instead.
    if (!query.includes('io_uring')) assert.ok(Math.abs(shown.ns - native) <= 1e-9 * shown.ns, `${query}: ${shown.ns} ns shown`);
    const origin = new URL(site.url).origin;
    assert.deepEqual(log.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), [], 'left the origin');
    assert.deepEqual(log.requests.filter((u) => u.includes('/api/')), [], 'asked an API');
    assert.deepEqual(log.problems, [], 'console');
    await context.close();
  }
});

test('the engine starts from its snapshot (the model already loaded), preloaded with the page', { skip }, async () => {
  const { page, context, log } = await open(`${site.url}?cache=hit`);
  const html = await (await fetch(site.url)).text();
  assert.match(html, /<link rel="preload" href="sysjourney_engine\.snap" as="fetch" crossorigin>/);
  const fromSnapshot = await page.evaluate(async () => (await (await import('./engine_wasm.js')).load()).fromSnapshot);
  assert.equal(fromSnapshot, true, 'engine_wasm.js took sysjourney_engine.snap');
  assert.deepEqual(log.problems, [], 'console');
  await context.close();
});

test('a refused value rejects with the engine\'s error fields, as with the server', { skip }, async () => {
  const { page, context } = await open(site.url, { settled: 'started' });
  const err = await page.evaluate(async () => {
    const engine = await import('./engine.js');
    try {
      await engine.run('cache=lukewarm');
      return null;
    } catch (e) {
      return { name: e.name, status: e.status, field: e.field, value: e.value, allowed: e.allowed };
    }
  });
  assert.deepEqual(err, { name: 'EngineError', status: 400, field: 'cache', value: 'lukewarm', allowed: 'hit, miss' });
  await context.close();
});

test('measuring says to run `sysjourney serve`', { skip }, async () => {
  const { page, context, log } = await open(`${site.url}?cache=hit`);
  const message = await page.evaluate(async () => {
    const engine = await import('./engine.js');
    return engine.measure().then(() => 'resolved', (e) => e.message);
  });
  assert.match(message, /sysjourney serve/);
  assert.deepEqual(log.requests.filter((u) => u.includes('/api/')), []);
  await context.close();
});

test('a measure file is fitted in the page, as the native server fits it, without asking anyone', { skip }, async () => {
  const text = readFileSync(path.join(ROOT, 'tests/web/mock/fixtures/measure-file.json'), 'utf8');
  const { page, context, log } = await open(`${site.url}?cache=hit`);
  const inPage = await page.evaluate(async (t) => (await import('./engine.js')).fit(t), text);
  const res = await fetch(new URL('api/fit', native.url), { method: 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 200);
  assert.deepEqual(differences(await res.json(), inPage), [], 'native and in-page fit differ');
  assert.deepEqual(log.requests.filter((u) => u.includes('/api/')), []);
  assert.deepEqual(log.problems, [], 'console');
  await context.close();
});

test('single/ opens from file:// and shows the same journey', { skip }, async () => {
  const html = readFileSync(path.join(DIST, 'single/index.html'), 'utf8');
  assert.doesNotMatch(html, /type="module"/);
  const url = `${pathToFileURL(path.join(DIST, 'single/index.html')).href}?cache=hit`;
  const { page, context, log } = await open(url);
  const ns = await page.evaluate(() => Number(document.getElementById('counter-time').dataset.ns));
  assert.equal(await page.evaluate(() => document.getElementById('app').dataset.state), 'done');
  assert.ok(Math.abs(ns - await nativeNs('cache=hit')) <= 1e-9 * ns);
  assert.deepEqual(log.requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), []);
  assert.deepEqual(log.problems, [], 'console');
  await context.close();
});
