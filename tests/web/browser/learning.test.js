// Browser tests of issue 11's honest state, cost against latency, learning, and the small fixes,
// through Debian's Chromium. Run: node --test --test-concurrency=1 browser/learning.test.js
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { assertClean, openPage, run, screenshot, setOption, setup, shown, waitRunShown } from './harness.js';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const consoleErrors = (log) => log.console.filter((m) => m.type === 'error');

/** The journey on screen, as the page exports it (works with every backend, the static site too). */
async function journeyOnScreen(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  return JSON.parse(await readFile(await dl.path(), 'utf8'));
}

async function staleMarks(page) {
  return page.evaluate(() => ({
    app: document.getElementById('app').dataset.stale,
    trace: document.querySelector('#trace-meta .badge-stale')?.textContent ?? '',
    traceFaded: document.getElementById('trace').classList.contains('is-stale'),
    timeline: document.querySelector('#timeline-stale .badge-stale')?.textContent ?? '',
    timelineFaded: document.getElementById('timeline-section').classList.contains('is-stale'),
    baselines: document.querySelector('#baselines .badge-stale')?.textContent ?? '',
    ratio: [...document.querySelectorAll('#baselines .baseline-ratio')].map((e) => e.textContent).join(' | '),
    counters: document.getElementById('counter-time').textContent,
    compareB: document.querySelector('#compare .cmp-b .cmp-label')?.textContent ?? '',
    compareNote: document.getElementById('compare-stale')?.textContent ?? '',
    exportNote: document.getElementById('export-status').textContent,
  }));
}

test('a result that no longer matches the options is marked as the previous run, everywhere', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  await page.click('#pin');
  await setOption(page, 'tracer', 'strace');
  await run(page);
  await page.waitForFunction(() => document.querySelectorAll('#baselines .baseline-ratio strong').length === 3);
  let m = await staleMarks(page);
  assert.equal(m.app, 'false');
  assert.equal(m.trace, '');
  assert.equal(m.timeline, '');
  assert.equal(m.baselines, '');
  assert.match(m.ratio, /this read = /);
  assert.match(m.compareB, /^current: /);

  // an edit: nothing that shows the last run may pass for the new options
  await setOption(page, 'cache', 'miss');
  m = await staleMarks(page);
  assert.equal(m.app, 'true');
  assert.equal(m.trace, 'previous run', 'the trace');
  assert.ok(m.traceFaded);
  assert.equal(m.timeline, 'previous run', 'the timeline');
  assert.ok(m.timelineFaded);
  assert.equal(m.baselines, 'previous run', '"For scale"');
  assert.doesNotMatch(m.ratio, /this read = /, 'the ratios are not offered as this read\'s');
  assert.match(m.ratio, /previous run = /);
  assert.equal(m.counters, '—', 'the counters are cleared');
  assert.match(m.compareB, /^previous run: /, 'compare\'s B');
  assert.match(m.compareNote, /options have changed/);
  assert.match(m.exportNote, /previous run/, 'the downloads');
  await screenshot(page, 'learning-stale');

  // running the new options clears every mark
  await run(page);
  m = await staleMarks(page);
  assert.equal(m.app, 'false');
  assert.equal(m.trace + m.timeline + m.baselines + m.compareNote, '');
  assert.match(m.compareB, /^current: /);
  assert.equal(m.exportNote, '');
  assertClean(assert, env, log);
  await context.close();
});

test('guess first works with the keyboard: Run asks, Enter reveals, the answer says how far off', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  await page.focus('#guess-mode');
  await page.keyboard.press('Space');
  assert.equal(await page.isChecked('#guess-mode'), true);
  await page.focus('#run');
  await page.keyboard.press('Enter');
  await page.locator('#guess-input').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'guess-input', 'the guess takes the focus');
  assert.match(await page.textContent('#guess-title'), /times slower than a plain function call/);
  // nothing is revealed before the guess, not even the last run of the same options
  assert.equal(await page.evaluate(() => document.getElementById('guess').dataset.verdict), undefined);
  const veiled = () => page.evaluate(() => ['#lanes', '#baselines .baseline-ratio', '#counter-time', '#trace .table-scroll']
    .map((sel) => getComputedStyle(document.querySelector(sel)).visibility));
  assert.deepEqual(await veiled(), ['hidden', 'hidden', 'hidden', 'hidden']);

  // a guess that is not a number is refused in words, and nothing runs
  await page.keyboard.type('lots');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#guess-error'), /not a number/);
  assert.equal(await page.getAttribute('#guess-input', 'aria-invalid'), 'true');
  await page.fill('#guess-input', '');
  await page.keyboard.type('1000');
  await page.keyboard.press('Enter');
  await page.locator('#guess-result').waitFor();
  const res = await page.evaluate(() => {
    const r = document.getElementById('guess-result');
    return { text: r.textContent, guess: Number(r.dataset.guess), actual: Number(r.dataset.actual), verdict: document.getElementById('guess').dataset.verdict, focus: document.activeElement.id };
  });
  assert.equal(res.guess, 1000);
  assert.ok(res.actual > 1 && Number.isFinite(res.actual), `actual ratio ${res.actual}`);
  assert.match(res.text, /You guessed 1,000×\. It is [\d,.]+× a function call/);
  assert.ok(['close', 'low', 'high'].includes(res.verdict));
  assert.equal(res.focus, 'guess-result', 'the answer takes the focus');
  assert.deepEqual(await veiled(), ['visible', 'visible', 'visible', 'visible']);
  // the same ratio as "For scale" says
  await page.waitForFunction(() => document.querySelectorAll('#baselines .baseline-ratio strong').length === 3);
  const fc = await page.textContent('#baselines .baseline[data-op="function_call"] .baseline-ratio strong');
  assert.match(res.text, new RegExp(fc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  // a miss asks for the device's share; Escape runs without a guess
  await setOption(page, 'cache', 'miss');
  assert.equal(await page.isVisible('#guess'), false, 'an edit takes the old answer away');
  await page.focus('#run');
  await page.keyboard.press('Enter');
  await page.locator('#guess-input').waitFor();
  assert.match(await page.textContent('#guess-title'), /share of the time does the device take/);
  await page.keyboard.type('50%');
  await page.keyboard.press('Enter');
  await waitRunShown(page);
  await page.locator('#guess-result').waitFor();
  const share = Number(await page.getAttribute('#guess-result', 'data-actual'));
  assert.ok(share > 50 && share < 100, `device share ${share}%`);
  assert.match(await page.textContent('#guess-result'), /You guessed 50%\. The device takes [\d.]+% of the time: your guess was \d+ points too low/);
  await screenshot(page, 'learning-guess');
  await page.focus('#run');
  await page.keyboard.press('Enter');
  await page.locator('#guess-input').waitFor();
  await page.keyboard.press('Escape');
  await waitRunShown(page);
  assert.equal(await page.isVisible('#guess'), false);
  assertClean(assert, env, log);
  await context.close();
});

test('"Show me" answers where the reader is: an A/B figure under the button, to scale', async () => {
  const { page, context, log } = await openPage(env, { height: 800 });
  const btn = page.locator('button[data-show-me="physics"]');
  await btn.scrollIntoViewIfNeeded();
  await btn.click();
  const fig = page.locator('#demo-physics');
  await fig.waitFor();
  await waitRunShown(page);
  const d = await page.evaluate(() => {
    const f = document.getElementById('demo-physics');
    const [a, b] = [...f.querySelectorAll('.demo-row')];
    const r = f.getBoundingClientRect();
    return {
      ratio: Number(f.querySelector('.demo-verdict').dataset.ratio), text: f.textContent,
      aW: a.querySelector('.demo-bar').getBoundingClientRect().width, bW: b.querySelector('.demo-bar').getBoundingClientRect().width,
      aNs: Number(a.dataset.ns), bNs: Number(b.dataset.ns), top: r.top, bottom: r.bottom, vh: window.innerHeight,
    };
  });
  assert.ok(d.ratio > 20, `ratio ${d.ratio}`);
  assert.match(d.text, /B takes [\d,.]+× as long as A/);
  assert.match(d.text, /largest stage: .*drive/i);
  // linear: the bars' lengths are the times' (A's bar is never drawn under 0.4%)
  assert.ok(Math.abs(d.aW / d.bW - Math.max(d.aNs / d.bNs, 0.004)) < 0.01, `bars ${d.aW} / ${d.bW}, times ${d.aNs} / ${d.bNs}`);
  // the page did not jump to the simulator: the answer is in view
  assert.ok(d.top >= 0 && d.bottom <= d.vh, `figure at ${d.top}–${d.bottom} in a ${d.vh} px viewport`);
  // the simulator above holds the same runs; the figure's button goes there
  assert.equal(await page.inputValue('#opt-cache'), 'miss');
  assert.ok(Number(await page.getAttribute('#compare-ratio', 'data-ratio')) > 20);
  await screenshot(page, 'learning-showme');
  await page.click('#demo-physics .demo-watch');
  await page.waitForFunction(() => document.activeElement.id === 'run');
  await waitRunShown(page);
  assertClean(assert, env, log);
  await context.close();
});

test('io_uring: what each read waits and the CPU per read (÷N) are kept apart and labelled', async () => {
  const { page, context, log } = await openPage(env, { search: '?api=io_uring&batch=32' });
  await waitRunShown(page);
  const j = await journeyOnScreen(page);
  const device = j.stages.find((st) => st.lane === 'hardware' && !st.on_cpu);
  assert.ok(device, 'the miss reaches the device');
  const c = await page.evaluate(() => ({
    timeLabel: document.getElementById('counter-time-label').textContent,
    waitNs: Number(document.getElementById('counter-time').dataset.ns),
    cyclesLabel: document.getElementById('counter-cycles-label').textContent,
    cycles: Number(document.getElementById('counter-cycles').dataset.value),
    cyclesSub: document.querySelector('.counter-cycles .counter-sub').textContent,
    perRead: document.getElementById('trace-per-read').textContent,
    marks: [...document.querySelectorAll('#trace-table .per-mark')].map((e) => e.textContent.trim()),
    titles: [...document.querySelectorAll('#trace-table .stage-title')].map((e) => e.textContent),
  }));
  assert.equal(c.timeLabel, 'Each read waits');
  // each read waits for its own device read in full, not the batch's ÷32 share of it
  assert.ok(c.waitNs > j.totals.ns * 5, `each read waits ${c.waitNs} ns, the ÷32 total is ${j.totals.ns} ns`);
  assert.ok(c.waitNs >= device.ns * 32 / Math.ceil(32 / 32) - 1, `the wait ${c.waitNs} holds the whole device read`);
  assert.equal(c.cyclesLabel, 'CPU cycles per read');
  assert.ok(Math.abs(c.cycles - j.totals.on_cpu_ns * j.scenario.ghz) < 1, 'cycles: the CPU per read, ÷32');
  assert.match(c.cyclesSub, /÷ 32/);
  assert.match(c.perRead, /÷32/);
  assert.ok(c.marks.length >= 2 && c.marks.every((t) => t === '÷32'), `marks ${c.marks}`);
  assert.ok(!c.titles.some((t) => /ksys_read/.test(t)), 'io_uring does not dispatch to ksys_read');
  assert.ok(c.titles.some((t) => /io_uring_enter/.test(t)));
  assertClean(assert, env, log);
  await context.close();
});

test('"cycles" are CPU cycles: the headline leaves sleep out, the drive row shows none', async () => {
  const { page, context, log } = await openPage(env, { search: '?device=hdd' });
  await waitRunShown(page);
  const j = await journeyOnScreen(page);
  const s = await shown(page);
  assert.ok(Math.abs(s.cycles - j.totals.on_cpu_ns * j.scenario.ghz) < 1, `headline ${s.cycles} cycles`);
  assert.ok(s.cycles < j.totals.cycles / 100, 'a disk read is mostly sleep, not CPU work');
  assert.equal(await page.textContent('#counter-cycles-label'), 'CPU cycles');
  const i = j.stages.findIndex((st) => st.lane === 'hardware');
  assert.equal((await page.textContent(`#trace-table tr.stage-row[data-index="${i}"] .col-cycles`)).trim(), '—');
  // the time is still all there
  assert.equal(s.ns, j.totals.ns);
  assertClean(assert, env, log);
  await context.close();
});

test('one stage is "1 stage"; strace on a function call says it is not a system call', async () => {
  const { page, context, log } = await openPage(env, { search: '?op=function_call' });
  await waitRunShown(page);
  const s = await shown(page);
  assert.equal(s.rows, 1);
  assert.match(s.seenText, /^strace shows 0 of 1 stage: this is not a system call/);
  assert.doesNotMatch(await page.textContent('#lanes'), /1 stages/);
  assert.doesNotMatch(await page.textContent('#announce'), /1 stages/);
  assertClean(assert, env, log);
  await context.close();
});

test('Enter in a number field runs, with the value just typed', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  await page.fill('#opt-bytes', '4096');
  await page.press('#opt-bytes', 'Enter');
  await page.waitForFunction(() => document.getElementById('app').dataset.shown === 'cache=hit&bytes=4096');
  await waitRunShown(page);
  assert.equal(new URL(page.url()).search, '?cache=hit&bytes=4096');
  assertClean(assert, env, log);
  await context.close();
});

test('one invalid value: one clear message, at most one console error, only what the field accepts', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  // a clock out of range: the page says so itself and asks nothing of the engine
  await page.fill('#opt-ghz', '9');
  await page.press('#opt-ghz', 'Tab');
  await page.locator('#error').waitFor();
  assert.match(await page.textContent('#error'), /Clock \(GHz\) cannot be 9: it takes a number from 0\.5 to 6/);
  assert.equal(await page.getAttribute('#opt-ghz', 'aria-invalid'), 'true');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'error');
  assert.equal(consoleErrors(log).length, 0, JSON.stringify(log.console));
  assert.equal(new URL(page.url()).search, '?cache=hit', 'the link keeps the last options that run');
  await page.fill('#opt-ghz', '');
  await page.press('#opt-ghz', 'Tab');
  await run(page);
  assert.equal(await page.isVisible('#error'), false);

  // bytes: the message offers what the field takes (whole bytes), no suffixes it would refuse
  await page.fill('#opt-bytes', '-1');
  await page.press('#opt-bytes', 'Tab');
  await page.locator('#error').waitFor();
  const text = await page.textContent('#error');
  assert.match(text, /whole number of bytes from 0 to 1073741824/);
  assert.doesNotMatch(text, /suffix|\bk, M, G\b/i);
  assert.equal(consoleErrors(log).length, 0);

  // 0 bytes is a valid read(): the page does not refuse it (the engine decides). Such a read
  // returns before any I/O, so the cache has no effect and the link leaves it out.
  await page.fill('#opt-bytes', '0');
  await page.press('#opt-bytes', 'Tab');
  await page.waitForFunction(() => new URL(window.location.href).search === '?bytes=0');
  assert.equal(await page.isDisabled('#opt-cache'), true, 'the cache has no effect on a 0-byte read');
  await page.click('#run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('app').dataset.state) && document.getElementById('app').dataset.shown !== undefined);
  assert.notEqual(await page.getAttribute('#error', 'data-kind'), 'page', 'the page itself accepts bytes=0');
  const zero = await page.evaluate(() => document.getElementById('app').dataset.state);
  if (zero === 'done') assert.match(await page.textContent('#lanes'), /\b0\b/);
  assertClean(assert, env, log, { allowConsole: [/status of 400/] });
  assert.ok(consoleErrors(log).length <= 1, 'bytes=0 on an engine that refuses it: one failed request');
  await context.close();
});

test('O_DIRECT with 16 bytes is a call that returns EINVAL, asked once', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  const answers = [];
  page.on('response', async (r) => {
    if (/api\/run\?.*direct=on/.test(r.url())) answers.push(await r.json().catch(() => ({})));
  });
  await setOption(page, 'direct', true);
  await page.locator('#error').waitFor();
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'error');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'error');
  const text = await page.textContent('#error');
  const errno = answers[0]?.errno ?? (process.env.SYSJOURNEY_STATIC ? 'EINVAL' : '');
  if (errno || !answers.length) {
    // the mock (and the engine that carries errno): the call is made and fails as the kernel says
    assert.match(text, /^read\(\) returns -1, errno EINVAL: /);
    assert.doesNotMatch(text, /refused/);
    assert.equal(await page.getAttribute('#error', 'data-errno'), 'EINVAL');
  } else {
    assert.match(text, /refused/); // an engine from before errno
  }
  assert.match(text, /512/);
  assert.equal(await page.getAttribute('#opt-bytes', 'aria-invalid'), 'true');
  assert.ok(answers.length <= 1, `asked ${answers.length} times`);
  assert.ok(consoleErrors(log).length <= 1, JSON.stringify(log.console));
  assertClean(assert, env, log, { allowConsole: [/status of 400/] });
  // 512 bytes is fine
  await setOption(page, 'bytes', 512);
  await run(page);
  assert.equal(await page.isVisible('#error'), false);
  await context.close();
});

test('a CPU preset does not silently change the device', async () => {
  const { page, context, log } = await openPage(env);
  const pick = await page.evaluate(() => {
    const opts = [...document.getElementById('opt-device').options];
    const preset = opts.find((o) => o.value === '')?.textContent ?? '';
    return { preset, cpus: [...document.getElementById('opt-cpu').options].map((o) => o.value) };
  });
  assert.match(pick.preset, /^preset: /);
  // find a preset that reads from another device than the default's
  let other = null;
  for (const cpu of pick.cpus) {
    await page.selectOption('#opt-cpu', cpu);
    const hint = await page.textContent('#opt-device-hint');
    if (/^Kept /.test(hint)) {
      other = { cpu, hint };
      break;
    }
  }
  assert.ok(other, 'some CPU preset reads from another device');
  assert.notEqual(await page.inputValue('#opt-device'), '', 'the device is kept, not left to the new preset');
  assert.match(new URL(page.url()).search, /device=/);
  assert.match(other.hint, /preset reads from/);
  assertClean(assert, env, log);
  await context.close();
});

for (const width of [1366, 375]) {
  test(`CPU preset names fit their select at ${width} px, with the whole title written under it`, async () => {
    const { page, context, log } = await openPage(env, { width, height: 900 });
    const cut = await page.evaluate(() => {
      const sel = document.getElementById('opt-cpu');
      const cs = getComputedStyle(sel);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20; // the arrow
      return [...sel.options].filter((o) => ctx.measureText(o.textContent).width > room).map((o) => `${o.textContent} (${Math.round(ctx.measureText(o.textContent).width)} > ${Math.round(room)})`);
    });
    assert.deepEqual(cut, []);
    const desc = await page.textContent('#opt-cpu-desc');
    const title = await page.getAttribute('#opt-cpu option:checked', 'title');
    assert.equal(desc, title);
    assert.ok(desc.length > 0);
    assertClean(assert, env, log);
    await context.close();
  });
}

test('the pressed axis toggle keeps its label on hover', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { page, context, log } = await openPage(env, { colorScheme, search: '?cache=hit' });
    await waitRunShown(page);
    const pressed = page.locator('.seg-toggle [aria-pressed="true"]');
    await pressed.hover();
    const c = await pressed.evaluate((el) => {
      const cs = getComputedStyle(el);
      const rgb = (s) => s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const [a, b] = [lum(rgb(cs.color)), lum(rgb(cs.backgroundColor))].sort((x, y) => y - x);
      return { contrast: (a + 0.05) / (b + 0.05), color: cs.color, bg: cs.backgroundColor, hovered: el.matches(':hover') };
    });
    assert.ok(c.hovered);
    assert.ok(c.contrast >= 4.5, `${colorScheme}: label ${c.color} on ${c.bg}, contrast ${c.contrast.toFixed(2)}`);
    assertClean(assert, env, log);
    await context.close();
  }
});

test('screenshots of the learning states: light and dark, desktop and phone', async () => {
  for (const [name, opts] of [['learning-desktop', { width: 1366 }], ['learning-dark', { width: 1366, colorScheme: 'dark' }],
    ['learning-phone', { width: 375, height: 812 }], ['learning-phone-dark', { width: 375, height: 812, colorScheme: 'dark' }]]) {
    const { page, context, log } = await openPage(env, { ...opts, search: '?api=io_uring&batch=32' });
    await waitRunShown(page);
    await page.click('#pin');
    await setOption(page, 'cache', 'hit');
    await page.check('#guess-mode');
    await page.click('#run');
    await page.locator('#guess-input').waitFor();
    await page.fill('#guess-input', '300');
    await page.press('#guess-input', 'Enter');
    await page.locator('#guess-result').waitFor();
    await page.click('button[data-show-me="uring"]');
    await page.locator('#demo-uring').waitFor();
    await setOption(page, 'tracer', 'strace'); // leaves the result stale
    await screenshot(page, name);
    assertClean(assert, env, log);
    await context.close();
  }
});
