// "Measure this machine" in the browser. Against the mock (default) the answer is a fixture;
// with SYSJOURNEY_URL the real server times the real machine, so nothing here assumes numbers,
// and every wait is a Playwright wait with room for a slow machine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OUT, assertClean, openPage, setup } from './harness.js';

const IDS = ['function_call', 'vdso_clock_gettime', 'syscall_getppid', 'read_file_hit', 'read_file_cold', 'read_direct',
  'read_pipe', 'read_unix', 'read_tcp', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128',
  'read_ptraced', 'pipe_wakeup'];
const GROUPS = ['Calls without a syscall', 'The syscall itself', 'Cached reads', 'Reads that reach the device',
  'Pipes and sockets', 'Sleeping and tracing'];
// A real measurement takes about a second; leave room for a loaded machine.
const MEASURE_TIMEOUT = 20000;
// The failure cases need the mock's X-Mock-Measure header; a real server would really measure.
const MOCK_ONLY = process.env.SYSJOURNEY_URL || process.env.SYSJOURNEY_API ? 'needs the mock server' : false;
// A static site (wasm/site.sh) has no server, so there is nothing to measure.
const STATIC = process.env.SYSJOURNEY_STATIC ? 'a static site has no server to measure' : false;

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** Makes the mock answer POST api/measure as `flag` says (see mock/server.js). */
async function mockMeasure(page, flag) {
  await page.route('**/api/measure', (route) => route.continue({ headers: { ...route.request().headers(), 'x-mock-measure': flag } }));
}

/**
 * Starts recording the section's states (with the button and status at each), presses the
 * button (by click, or by `key` on the focused button), and waits for the section to settle.
 * Returns the response (null when the request failed).
 */
async function measure(page, { key = '' } = {}) {
  await page.evaluate(() => {
    window.__measureStates = [];
    const section = document.getElementById('measure');
    new MutationObserver(() => window.__measureStates.push({
      state: section.dataset.state,
      disabled: document.getElementById('measure-run').disabled,
      busy: section.getAttribute('aria-busy'),
      status: document.getElementById('measure-status').textContent,
    })).observe(section, { attributes: true, attributeFilter: ['data-state'] });
  });
  const asked = page.waitForRequest((r) => new URL(r.url()).pathname.endsWith('/api/measure'), { timeout: MEASURE_TIMEOUT });
  if (key) await page.keyboard.press(key);
  else await page.click('#measure-run');
  const request = await asked;
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('measure').dataset.state), null, { timeout: MEASURE_TIMEOUT });
  return request.response();
}

function expectedKind(p) {
  if (p.skipped) return 'skipped';
  if (p.fitted) return 'fitted';
  const r = p.ratio ?? p.median_ns / p.calibrated_ns;
  return r >= 0.7 && r <= 1.3 ? 'good' : 'off';
}

test('measure this machine: busy while it runs, then host facts, the fit and every probe', { skip: STATIC }, async () => {
  const { page, context, log } = await openPage(env);
  const button = page.locator('#measure-run');
  assert.equal(await button.textContent(), 'Measure this machine');
  assert.equal(await page.isVisible('#measure-out'), false);
  assert.match(await page.textContent('#measure-what'), /private temporary directory/);

  const res = await measure(page);
  assert.ok(res, 'the server answered');
  assert.equal(res.status(), 200);
  assert.equal(res.request().method(), 'POST');
  assert.equal(res.request().postData(), null, 'an empty body');
  const body = await res.json();
  assert.equal(body.schema, 'sysjourney.measure/1');

  // while it ran: button disabled, section busy, a status for screen readers
  const states = await page.evaluate(() => window.__measureStates);
  const busy = states.find((s) => s.state === 'busy');
  assert.ok(busy, `states seen: ${JSON.stringify(states)}`);
  assert.equal(busy.disabled, true);
  assert.equal(busy.busy, 'true');
  assert.match(busy.status, /Measuring/);
  assert.equal(await page.getAttribute('#measure', 'data-state'), 'done');
  assert.equal(await page.getAttribute('#measure', 'aria-busy'), null);
  assert.equal(await button.isEnabled(), true);
  assert.equal(await button.textContent(), 'Measure again');
  assert.equal(await page.getAttribute('#measure-status', 'role'), 'status');
  // seen: when it finished; heard (aria-live): the headline too
  assert.match(await page.textContent('#measure-status'), /^Done in [\d.]+ s\. \d+ of \d+ predictions? within ±30%; the results follow\.$/);
  assert.equal(await page.isVisible('#measure-error'), false);

  // host facts
  const facts = await page.$$eval('#measure-host [data-fact]', (els) => Object.fromEntries(els.map((e) => [e.dataset.fact, e.textContent])));
  for (const k of ['cpu', 'clock', 'kernel', 'kpti', 'machine', 'storage']) assert.ok(facts[k], `host fact ${k}`);
  if (body.host.cpu_model) assert.ok(facts.cpu.includes(body.host.cpu_model));
  if (body.host.kernel) assert.ok(facts.kernel.includes(body.host.kernel));
  assert.match(facts.kpti, /KPTI (on|off)/);
  assert.match(facts.machine, /virtual machine|bare metal/);
  assert.ok(facts.storage.includes(body.host.dir));

  // the fitted profile
  const profile = await page.textContent('#measure-profile');
  assert.ok(profile.includes(body.preset), `preset ${body.preset} named`);
  assert.ok(await page.locator('#measure-profile .scale-table tr').count() >= 3, 'user, trap and kernel scales');
  assert.match(await page.textContent('#measure-device'), /4 KiB read from the device|could not be timed/);

  // every probe has a row, in the groups, marked fitted or predicted as the answer says
  const rows = await page.$$eval('#measure-out tr.probe-row', (els) => els.map((e) => ({
    id: e.dataset.probe, kind: e.dataset.kind, tag: e.querySelector('.tag')?.textContent ?? '', text: e.textContent,
  })));
  assert.equal(rows.length, body.probes.length);
  assert.deepEqual(IDS.filter((id) => !rows.some((r) => r.id === id)), [], 'every probe of the contract is listed');
  for (const p of body.probes) {
    const row = rows.find((r) => r.id === p.id);
    assert.equal(row.kind, expectedKind(p), `${p.id}: ${row.kind}`);
    if (row.kind === 'fitted') assert.equal(row.tag, 'fitted');
    if (row.kind === 'good') assert.equal(row.tag, 'within ±30%');
    if (row.kind === 'off') assert.match(row.tag, /\d+% (slower|faster) than predicted/);
    if (row.kind === 'skipped') assert.ok(row.text.includes(p.skipped));
    else assert.match(row.text, /p99/);
  }
  const fitted = body.probes.filter((p) => p.fitted && !p.skipped).length;
  assert.equal(rows.filter((r) => r.kind === 'fitted').length, fitted);
  assert.ok(rows.filter((r) => r.kind === 'good' || r.kind === 'off').length >= 1, 'some predictions');
  const predicted = body.probes.filter((p) => ['good', 'off'].includes(expectedKind(p))).length;
  assert.equal(await page.getAttribute('#measure-summary', 'data-predicted'), String(predicted));
  const groups = await page.$$eval('#measure-out .measure-group h3', (els) => els.map((e) => e.textContent));
  assert.deepEqual(groups.filter((g) => GROUPS.includes(g)), GROUPS.filter((g) => groups.includes(g)), 'groups in order');
  assert.ok(groups.length >= 5);
  // a bar per measured probe, drawn with CSSOM widths (no style attributes in the HTML)
  assert.equal(await page.locator('#measure-out tr.probe-row .ratio-bar').count(), rows.filter((r) => r.kind !== 'skipped').length);

  const notes = [...(body.host.notes ?? []), ...(body.notes ?? [])];
  assert.equal(await page.locator('#measure-notes li').count(), notes.length);

  await page.locator('#measure').screenshot({ path: new URL('measure.png', OUT).pathname });
  assertClean(assert, env, log);
  await context.close();
});

test('measure by keyboard at 375 px in the dark: reachable, focus kept, nothing overflows', { skip: STATIC }, async () => {
  const { page, context, log } = await openPage(env, { width: 375, height: 812, colorScheme: 'dark' });
  await page.focus('#copy-link');
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement.id === 'measure-run')) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'measure-run', 'Tab reaches the button');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none', 'focus is visible');
  await measure(page, { key: 'Enter' });
  assert.equal(await page.getAttribute('#measure', 'data-state'), 'done');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'measure-run', 'focus stays on the button');
  const overflow = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('#measure *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > vw + 1;
    }).map((el) => `${el.tagName.toLowerCase()}.${el.className?.baseVal ?? el.className}`);
    const scrollers = [...document.querySelectorAll('#measure .table-scroll')].filter((el) => el.scrollWidth > el.clientWidth + 1).length;
    return { scroll: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 10), scrollers };
  });
  assert.ok(overflow.scroll <= overflow.vw, `page is ${overflow.scroll}px wide in a ${overflow.vw}px viewport`);
  assert.deepEqual(overflow.wide, []);
  assert.equal(overflow.scrollers, 0, 'no probe table needs to scroll at 375 px');
  // the column names move into the cards
  const label = await page.$eval('#measure-out td.col-measured', (el) => getComputedStyle(el, '::before').content);
  assert.equal(label, '"Measured"');
  await page.locator('#measure').screenshot({ path: new URL('measure-mobile.png', OUT).pathname });
  assertClean(assert, env, log);
  await context.close();
});

test('on a static site Measure says to run sysjourney serve, without asking anyone', { skip: !STATIC && 'needs a static site' }, async () => {
  const { page, context, log } = await openPage(env);
  await page.click('#measure-run');
  await page.waitForFunction(() => document.getElementById('measure').dataset.state === 'error');
  assert.match(await page.textContent('#measure-error'), /run sysjourney serve/);
  assert.ok(!log.requests.some((u) => u.includes('api/measure')), 'the WebAssembly engine sends no request');
  assertClean(assert, env, log);
  await context.close();
});

test('no sysjourney server behind the page: the section says to run sysjourney serve', { skip: STATIC }, async () => {
  const { page, context, log } = await openPage(env);
  // nothing answers (offline, or the server is gone)
  await page.route('**/api/measure', (route) => route.abort('connectionrefused'));
  await measure(page);
  assert.equal(await page.getAttribute('#measure', 'data-state'), 'error');
  await page.locator('#measure-error').waitFor();
  assert.match(await page.textContent('#measure-error'), /Cannot measure from here.*run sysjourney serve/);
  assert.equal(await page.textContent('#measure-error code'), 'sysjourney serve');
  assert.equal(await page.isEnabled('#measure-run'), true);
  assert.equal(await page.isVisible('#measure-out'), false);
  // a static host: no API at all
  await page.unroute('**/api/measure');
  await page.route('**/api/measure', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' }));
  await measure(page);
  assert.match(await page.textContent('#measure-error'), /run sysjourney serve/);
  assert.equal(await page.isVisible('#error'), false, 'the simulator\'s own alert stays out of it');
  assertClean(assert, env, log, { allowConsole: [/ERR_CONNECTION_REFUSED|ERR_FAILED|status of 404/] });
  await context.close();
});

test('another measurement running (429) is shown in the section; the next try works', { skip: MOCK_ONLY }, async () => {
  const { page, context, log } = await openPage(env);
  await mockMeasure(page, 'busy');
  const res = await measure(page);
  assert.equal(res.status(), 429);
  assert.equal(await page.getAttribute('#measure', 'data-state'), 'error');
  assert.equal(await page.getAttribute('#measure-error', 'data-status'), '429');
  assert.match(await page.textContent('#measure-error'), /Another measurement is running on this machine\..*Try again/);
  assert.equal(await page.isEnabled('#measure-run'), true);
  await page.unroute('**/api/measure');
  await measure(page);
  assert.equal(await page.getAttribute('#measure', 'data-state'), 'done');
  assert.equal(await page.isVisible('#measure-error'), false);
  assert.equal(await page.locator('#measure-out tr.probe-row').count(), IDS.length);
  assertClean(assert, env, log, { allowConsole: [/status of 429/] });
  await context.close();
});

test('two pages at once: the second is turned away with 429 by the server', { skip: MOCK_ONLY }, async () => {
  const a = await openPage(env);
  const b = await openPage(env);
  await mockMeasure(a.page, 'slow'); // long enough that b surely asks while a runs
  const first = a.page.waitForResponse((r) => r.url().endsWith('/api/measure'), { timeout: MEASURE_TIMEOUT });
  await a.page.click('#measure-run');
  await a.page.waitForFunction(() => document.getElementById('measure').dataset.state === 'busy');
  const res = await measure(b.page);
  assert.equal(res.status(), 429);
  assert.match(await b.page.textContent('#measure-error'), /Another measurement is running/);
  assert.equal((await first).status(), 200);
  await a.page.waitForFunction(() => document.getElementById('measure').dataset.state === 'done');
  assertClean(assert, env, a.log);
  assertClean(assert, env, b.log, { allowConsole: [/status of 429/] });
  await a.context.close();
  await b.context.close();
});

test('a server with measuring turned off (403) says so and how to measure your own machine', { skip: MOCK_ONLY }, async () => {
  const { page, context, log } = await openPage(env);
  await mockMeasure(page, 'off');
  const res = await measure(page);
  assert.equal(res.status(), 403);
  const text = await page.textContent('#measure-error');
  assert.match(text, /This server does not allow measuring\./);
  assert.match(text, /--no-measure/);
  assert.match(text, /run sysjourney serve on it/);
  assert.equal(await page.isVisible('#measure-out'), false);
  assertClean(assert, env, log, { allowConsole: [/status of 403/] });
  await context.close();
});

test('a failed measurement (500) keeps the previous result on screen', { skip: MOCK_ONLY }, async () => {
  const { page, context, log } = await openPage(env);
  await measure(page);
  await mockMeasure(page, 'fail');
  await measure(page);
  assert.match(await page.textContent('#measure-error'), /The measurement failed\..*No space left on device/);
  assert.equal(await page.isVisible('#measure-out'), true);
  assert.match(await page.textContent('#measure-status'), /previous measurement/);
  assertClean(assert, env, log, { allowConsole: [/status of 500/] });
  await context.close();
});

test('skipped probes and notes: a probe directory on tmpfs', { skip: MOCK_ONLY }, async () => {
  const { page, context, log } = await openPage(env);
  await mockMeasure(page, 'tmpfs');
  await measure(page);
  const skipped = await page.$$eval('#measure-out tr.probe-row[data-kind="skipped"]', (els) => els.map((e) => e.dataset.probe));
  assert.deepEqual(skipped.sort(), ['read_direct', 'read_file_cold', 'read_ptraced']);
  assert.match(await page.textContent('#measure-out tr[data-probe="read_direct"]'), /did not run.*O_DIRECT would read memory/);
  assert.match(await page.textContent('#measure-summary'), /3 probes could not run here/);
  assert.match(await page.textContent('#measure-device'), /could not be timed/);
  const notes = await page.$$eval('#measure-notes li', (els) => els.map((e) => e.textContent));
  assert.equal(notes.length, 2);
  assert.match(notes.join(' '), /device latency stays at the model's/);
  assertClean(assert, env, log);
  await context.close();
});
