// Shared set-up for the browser tests: the server under test, Debian's Chromium through
// playwright-core, and a record of every request and console message of each page.
//
// SYSJOURNEY_URL=http://127.0.0.1:8080/  test against a running server (the real one)
// SYSJOURNEY_API=http://127.0.0.1:8080/  serve web/ from disk, forward /api/* to that server
// (neither)                              start the mock server in ../mock under a sub-path
// SYSJOURNEY_CHROMIUM=/path/to/chromium   another browser binary (default /usr/bin/chromium)
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startMock } from '../mock/server.js';

export const OUT = new URL('../out/', import.meta.url);
mkdirSync(OUT, { recursive: true });

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run'];

/** Starts (or finds) the server and the browser. Returns { base, browser, close }. */
export async function setup() {
  let base = process.env.SYSJOURNEY_URL;
  let mock = null;
  if (!base) {
    // A sub-path proves the page only uses relative URLs.
    mock = await startMock({ prefix: '/sj/', apiUpstream: process.env.SYSJOURNEY_API ?? '' });
    base = mock.url;
  }
  if (!base.endsWith('/')) base += '/';
  const browser = await chromium.launch({ executablePath: process.env.SYSJOURNEY_CHROMIUM || '/usr/bin/chromium', args: ARGS });
  return {
    base,
    browser,
    async close() {
      await browser.close();
      if (mock) await new Promise((resolve) => mock.server.close(resolve));
    },
  };
}

/**
 * Opens the page in a fresh context. Options: search ("?fd=pipe"), width, height, colorScheme,
 * reducedMotion ("reduce" by default so runs finish at once; "no-preference" to animate).
 * Returns { page, context, log } where log = { requests: [urls], console: [{type, text}], errors: [] }.
 */
export async function openPage(env, { search = '', width = 1280, height = 900, colorScheme = 'light', reducedMotion = 'reduce' } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height }, colorScheme, reducedMotion, acceptDownloads: true });
  const page = await context.newPage();
  const log = { requests: [], console: [], errors: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('console', (m) => log.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => log.errors.push(e.message));
  await page.goto(new URL(search, env.base).href);
  await waitSettled(page);
  return { page, context, log };
}

/** Waits until the page has started (idle), shown a run (done) or given up (error). */
export async function waitSettled(page) {
  await page.waitForFunction(() => ['idle', 'done', 'error'].includes(document.getElementById('app')?.dataset.state));
}

/** Waits until the run of the scenario in the address bar is on screen and finished. */
export async function waitRunShown(page) {
  await page.waitForFunction(() => {
    const app = document.getElementById('app');
    return app.dataset.state === 'done' && app.dataset.shown === window.location.search.replace(/^\?/, '');
  });
}

/**
 * Waits until the page has stopped scrolling: its scroll position is the same for five frames in
 * a row. A smooth scroll passes through positions where the target is already on screen, so a
 * test that reads positions right after the target first shows reads them mid-scroll.
 */
export async function waitScrollStill(page) {
  await page.evaluate(() => new Promise((resolve) => {
    let last = window.scrollY;
    let still = 0;
    const tick = () => {
      still = window.scrollY === last ? still + 1 : 0;
      last = window.scrollY;
      if (still >= 5) resolve();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
}

/** Clicks Run and waits for the result (with reduced motion there is no animation). */
export async function run(page) {
  await page.click('#run');
  await waitRunShown(page);
}

/** Sets one option through its control, as a person would. */
export async function setOption(page, field, value) {
  const sel = `#opt-${field}`;
  const tag = await page.$eval(sel, (el) => `${el.tagName}:${el.type}`);
  if (tag.startsWith('SELECT')) await page.selectOption(sel, String(value));
  else if (tag === 'INPUT:checkbox') await page.setChecked(sel, Boolean(value));
  else {
    await page.fill(sel, String(value));
    await page.press(sel, 'Tab');
  }
  // the address bar follows the form
  await page.waitForFunction(([f, v]) => {
    const el = document.getElementById(`opt-${f}`);
    return el.type === 'checkbox' ? el.checked === v : el.value === String(v);
  }, [field, value]);
}

/** Facts about the run on screen, read from the DOM. */
export async function shown(page) {
  return page.evaluate(() => ({
    rows: document.querySelectorAll('#trace-table tr.stage-row').length,
    nodes: document.querySelectorAll('#lanes g.node').length,
    hardwareNodes: document.querySelectorAll('#lanes g.node.lane-hardware').length,
    ns: Number(document.getElementById('counter-time').dataset.ns),
    cycles: Number(document.getElementById('counter-cycles').dataset.value),
    stages: Number(document.getElementById('counter-stages').dataset.value),
    seen: Number(document.getElementById('seen-line').dataset.seen),
    seenTotal: Number(document.getElementById('seen-line').dataset.total),
    seenRows: document.querySelectorAll('#trace-table tr.stage-row.seen').length,
    seenText: document.getElementById('seen-line').textContent,
  }));
}

/**
 * Asserts a page stayed on the test origin and logged no errors. `allowConsole` lists regular
 * expressions for console errors a test provokes on purpose.
 */
export function assertClean(assert, env, log, { allowConsole = [] } = {}) {
  const origin = new URL(env.base).origin;
  const foreign = log.requests.filter((u) => {
    if (u.startsWith('blob:')) return !u.startsWith(`blob:${origin}/`);
    if (u.startsWith('data:')) return false;
    return new URL(u).origin !== origin;
  });
  assert.deepEqual(foreign, [], 'requests that left the test origin');
  const bad = log.console.filter((m) => (m.type === 'error' || m.type === 'warning') && !allowConsole.some((re) => re.test(m.text)));
  assert.deepEqual(bad, [], 'console errors or warnings');
  assert.deepEqual(log.errors, [], 'uncaught page errors');
}

/** Saves a full-page screenshot to tests/web/out/NAME.png. */
export async function screenshot(page, name) {
  await page.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage: true });
}
