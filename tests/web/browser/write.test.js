// Browser tests of the write half (issue 13): the call selector offers write, fsync and
// fdatasync, with the same lanes, trace and compare, and "Why fsync is slow" answers in place.
// The mock server has no write model, so these run against the real engine only (ctest runs
// them with SYSJOURNEY_URL; by hand, SYSJOURNEY_API forwards the mock's API to a real server).
// Run: node --test --test-concurrency=1 browser/write.test.js
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, openPage, run, screenshot, setOption, setup, shown } from './harness.js';

const real = Boolean(process.env.SYSJOURNEY_URL || process.env.SYSJOURNEY_API);
const skip = real ? false : 'needs the real engine (SYSJOURNEY_URL or SYSJOURNEY_API): the mock models no writes';

let env;
before(async () => {
  if (real) env = await setup();
});
after(async () => {
  await env?.close();
});

const hidden = (page, field) => page.evaluate((f) => document.querySelector(`.field[data-field="${f}"]`)?.hidden ?? true, field);

test('write(): a cached block, no drive, and the options that matter for a write', { skip }, async () => {
  const { page, context, log } = await openPage(env);
  const ops = await page.$$eval('#opt-op option', (os) => os.map((o) => o.value));
  for (const op of ['write', 'fsync', 'fdatasync']) assert.ok(ops.includes(op), `${op} offered: ${ops}`);
  await setOption(page, 'op', 'write');
  // A write's block is cached unless told otherwise; the permalink leaves that default out.
  assert.equal(await page.inputValue('#opt-cache'), 'hit');
  await run(page);
  const s = await shown(page);
  assert.equal(s.hardwareNodes, 0, 'a buffered write never reaches the hardware');
  assert.ok(s.ns > 100 && s.ns < 5000, `a write takes ${s.ns} ns`);
  assert.match(new URL(page.url()).search, /op=write/);
  assert.doesNotMatch(new URL(page.url()).search, /cache=/);
  assert.equal(await hidden(page, 'sync'), false, 'O_SYNC/O_DSYNC offered for a file');
  assert.equal(await hidden(page, 'full'), true, 'a file has no full buffer');
  await setOption(page, 'fd', 'pipe');
  assert.equal(await hidden(page, 'full'), false, 'a pipe can be full');
  assert.equal(await hidden(page, 'sync'), true);
  assertClean(assert, env, log);
  await context.close();
});

test('fsync(): the drive twice (the data, then the journal commit), and far slower than the write', { skip }, async () => {
  const { page, context, log } = await openPage(env, { search: '?op=write' });
  await page.waitForFunction(() => document.getElementById('app')?.dataset.state === 'done');
  const write = await shown(page);
  await setOption(page, 'op', 'fsync');
  await run(page);
  const s = await shown(page);
  assert.ok(s.hardwareNodes >= 2, `${s.hardwareNodes} hardware stages`);
  assert.ok(s.ns >= 20 * write.ns, `fsync ${s.ns} ns against a write's ${write.ns} ns`);
  const rows = await page.$$eval('#trace-table tr.stage-row', (rs) => rs.map((r) => r.textContent));
  assert.ok(rows.some((r) => /flush its write cache/.test(r)), 'the flush is a row of the trace');
  await screenshot(page, 'fsync');
  assertClean(assert, env, log);
  await context.close();
});

test('"Why fsync is slow": Show me answers under the button', { skip }, async () => {
  const { page, context, log } = await openPage(env, { height: 800 });
  const btn = page.locator('button[data-show-me="fsync"]');
  await btn.scrollIntoViewIfNeeded();
  await btn.click();
  await page.locator('#demo-fsync .demo-verdict').waitFor();
  const d = await page.evaluate(() => {
    const f = document.getElementById('demo-fsync');
    const r = f.getBoundingClientRect();
    return { ratio: Number(f.querySelector('.demo-verdict').dataset.ratio), text: f.textContent, top: r.top, bottom: r.bottom, vh: window.innerHeight };
  });
  assert.ok(d.ratio > 20, `fsync is ${d.ratio}× the write`);
  assert.match(d.text, /largest stage: .*(flush|drive)/i);
  assert.ok(d.top >= 0 && d.bottom <= d.vh, `figure at ${d.top}–${d.bottom} in a ${d.vh} px viewport`);
  await screenshot(page, 'fsync-show-me');
  assertClean(assert, env, log);
  await context.close();
});
