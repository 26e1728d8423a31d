// Browser tests of the page, through Debian's Chromium. Run: npm run test:browser
// Against a running server: SYSJOURNEY_URL=http://127.0.0.1:8080/ npm run test:browser
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

test('a hit and a miss: the miss has more stages and a far larger total', async () => {
  const { page, context, log } = await openPage(env);
  assert.equal(await page.textContent('#run'), 'Run read()');
  await setOption(page, 'cache', 'hit');
  assert.equal(new URL(page.url()).search, '?cache=hit');
  await run(page);
  const hit = await shown(page);
  assert.ok(hit.rows >= 5, `hit rows ${hit.rows}`);
  assert.equal(hit.nodes, hit.rows, 'one lane node per trace row');
  assert.equal(hit.stages, hit.rows, 'stage counter');
  assert.equal(hit.hardwareNodes, 0, 'a hit never reaches the hardware lane');
  assert.ok(hit.ns > 0 && hit.ns < 5000, `hit total ${hit.ns} ns`);
  assert.ok(hit.cycles > 0);

  // strace sees only the boundary: a few rows highlighted, and a line saying so
  assert.equal(hit.seenTotal, hit.rows);
  assert.equal(hit.seenRows, hit.seen);
  assert.ok(hit.seen >= 1 && hit.seen <= 4, `strace sees ${hit.seen}`);
  assert.match(hit.seenText, new RegExp(`strace shows ${hit.seen} of ${hit.rows} stages`));

  await setOption(page, 'cache', 'miss');
  assert.equal(new URL(page.url()).search, '', 'defaults are left out of the link');
  await run(page);
  const miss = await shown(page);
  assert.ok(miss.rows > hit.rows, `miss rows ${miss.rows} > hit rows ${hit.rows}`);
  assert.ok(miss.ns > 20 * hit.ns, `miss ${miss.ns} ns vs hit ${hit.ns} ns`);
  assert.ok(miss.hardwareNodes >= 1, 'the miss goes down to the hardware lane');
  assert.ok(await page.locator('#trace-table tr.stage-row.is-blocked').count() >= 1, 'some stage is spent asleep');

  // the baselines put it in perspective
  await page.waitForFunction(() => document.querySelectorAll('#baselines .baseline-ratio strong').length === 3);
  const ratios = await page.$$eval('#baselines .baseline-ratio strong', (els) => els.map((e) => e.textContent));
  for (const r of ratios) assert.match(r, /^[\d,.]+×$/);
  await screenshot(page, 'desktop');
  assertClean(assert, env, log);
  await context.close();
});

test('the animation ticks the counters, states the device-wait compression, and can be skipped', async () => {
  const { page, context, log } = await openPage(env, { reducedMotion: 'no-preference' });
  await page.click('#run'); // default scenario: a miss
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'running');
  // counters tick up while the call travels
  await page.waitForFunction(() => Number(document.getElementById('counter-stages').dataset.value) >= 3);
  const mid = await shown(page);
  assert.ok(mid.stages < mid.rows, 'still travelling');
  assert.equal(await page.isEnabled('#skip'), true);
  // the wait on the device is time-compressed, and the page says by how much
  await page.waitForFunction(() => /shown [\d,]+× faster/.test(document.querySelector('.lanes-pace')?.textContent ?? ''), null, { timeout: 20000 });
  await page.click('#skip');
  await waitRunShown(page);
  const done = await shown(page);
  assert.equal(done.stages, done.rows);
  assert.equal(await page.isEnabled('#skip'), false);
  assertClean(assert, env, log);
  await context.close();
});

test('with prefers-reduced-motion the result appears without animation', async () => {
  const { page, context, log } = await openPage(env, { reducedMotion: 'reduce' });
  await page.evaluate(() => {
    window.__states = [];
    new MutationObserver(() => window.__states.push(document.getElementById('app').dataset.state))
      .observe(document.getElementById('app'), { attributes: true, attributeFilter: ['data-state'] });
  });
  await run(page);
  const states = await page.evaluate(() => window.__states);
  assert.ok(!states.includes('running'), `states seen: ${states}`);
  assert.equal(await page.isEnabled('#skip'), false);
  assertClean(assert, env, log);
  await context.close();
});

test('stage details open on click and on Enter', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=miss' });
  await waitRunShown(page);
  // click: the device stage (the first blocked row)
  const blocked = page.locator('#trace-table tr.stage-row.is-blocked').first();
  await blocked.click();
  assert.equal(await blocked.getAttribute('aria-expanded'), 'true');
  const details = page.locator('#trace-table tr.details-row');
  await details.waitFor();
  const text = await details.textContent();
  for (const want of ['Kernel functions', 'Cost', 'low', 'typical', 'high', 'Who can see it', 'Source']) {
    assert.ok(text.includes(want), `details mention ${want}`);
  }
  await blocked.click();
  assert.equal(await details.count(), 0, 'a second click closes it');

  // keyboard: rows are focusable; Enter opens, arrows move, Enter on another row moves the details
  const rows = page.locator('#trace-table tr.stage-row');
  await rows.nth(1).focus();
  await page.keyboard.press('Enter');
  assert.equal(await rows.nth(1).getAttribute('aria-expanded'), 'true');
  const fnText = await page.locator('#trace-table tr.details-row .fn-list, #trace-table tr.details-row .facts').first().textContent();
  assert.ok(fnText.length > 0);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.index), '2');
  await page.keyboard.press('Enter');
  assert.equal(await rows.nth(2).getAttribute('aria-expanded'), 'true');
  assert.equal(await rows.nth(1).getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#trace-table tr.details-row').count(), 1);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#trace-table tr.details-row').count(), 0);
  assertClean(assert, env, log);
  await context.close();
});

test('compare: pin a hit, run a miss, see both and the ratio', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  assert.equal(await page.isVisible('#compare'), false);
  await page.click('#pin');
  await page.locator('#compare').waitFor();
  await setOption(page, 'cache', 'miss');
  await run(page);
  await page.locator('#compare-ratio').waitFor();
  const ratio = Number(await page.getAttribute('#compare-ratio', 'data-ratio'));
  assert.ok(ratio > 20, `miss/hit ratio ${ratio}`);
  assert.match(await page.textContent('#compare-ratio'), /B takes [\d,.]+× as long as A/);
  const cmpRows = await page.locator('#compare .cmp-table tbody tr').count();
  assert.ok(cmpRows >= (await shown(page)).rows, 'every stage of both runs is listed');
  assert.match(await page.textContent('#compare'), /not on this path/);
  await screenshot(page, 'compare');
  await page.click('#unpin');
  assert.equal(await page.isVisible('#compare'), false);
  assertClean(assert, env, log);
  await context.close();
});

test('a permalink restores the scenario and runs it; edits keep the link current', async () => {
  const { page, context, log } = await openPage(env, { search: '?wait=on&fd=pipe' });
  await waitRunShown(page);
  assert.equal(new URL(page.url()).search, '?fd=pipe&wait=on', 'canonical order');
  assert.equal(await page.inputValue('#opt-fd'), 'pipe');
  assert.equal(await page.isChecked('#opt-wait'), true);
  assert.equal(await page.isVisible('#opt-cache'), false, 'cache means nothing for a pipe');
  assert.equal(await page.isEnabled('#opt-nonblock'), true);
  const pipeRows = (await shown(page)).rows;
  assert.ok(pipeRows > 0);
  assert.match(await page.inputValue('#permalink'), /\?fd=pipe&wait=on$/);

  await setOption(page, 'fd', 'tcp');
  await setOption(page, 'nonblock', true);
  assert.equal(new URL(page.url()).search, '?fd=tcp&wait=on&nonblock=on');
  await run(page);
  const before = await shown(page);
  await page.reload();
  await waitRunShown(page);
  assert.equal(await page.inputValue('#opt-fd'), 'tcp');
  assert.equal(await page.isChecked('#opt-nonblock'), true);
  const afterReload = await shown(page);
  assert.equal(afterReload.rows, before.rows);
  assert.equal(afterReload.ns, before.ns);
  assertClean(assert, env, log);
  await context.close();
});

test('every option has a control with a label; irrelevant ones are hidden or disabled', async () => {
  const { page, context, log } = await openPage(env);
  const fields = ['op', 'fd', 'cache', 'device', 'cpu', 'ghz', 'kpti', 'pcid', 'bytes', 'tracer', 'api', 'batch', 'direct', 'wait', 'nonblock'];
  for (const f of fields) {
    const labelled = await page.$eval(`#opt-${f}`, (el) => el.labels.length > 0 && el.labels[0].textContent.trim().length > 0);
    assert.ok(labelled, `#opt-${f} has a label`);
  }
  const unlabelled = await page.$$eval('input, select, button', (els) => els.filter((el) => {
    if (el.closest('[hidden]')) return false;
    const name = el.labels?.[0]?.textContent || el.getAttribute('aria-label') || el.textContent || el.title;
    return !String(name).trim();
  }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, []);
  // device matters only on a miss; batch only for io_uring; PCID only with KPTI on
  await setOption(page, 'cache', 'hit');
  assert.equal(await page.isDisabled('#opt-device'), true);
  assert.equal(await page.isVisible('#opt-batch'), false);
  await setOption(page, 'api', 'io_uring');
  assert.equal(await page.isVisible('#opt-batch'), true);
  await setOption(page, 'kpti', 'off');
  assert.equal(await page.isDisabled('#opt-pcid'), true);
  await setOption(page, 'kpti', 'on');
  assert.equal(await page.isEnabled('#opt-pcid'), true);
  await setOption(page, 'batch', 32);
  assert.equal(new URL(page.url()).search, '?cache=hit&kpti=on&api=io_uring&batch=32');
  // io_uring and sendfile are modelled for files; the form falls back to read()
  await setOption(page, 'fd', 'pipe');
  const apis = await page.$$eval('#opt-api option', (os) => os.map((o) => o.value));
  assert.ok(!apis.includes('sendfile') && !apis.includes('io_uring'), apis.join());
  assert.equal(await page.inputValue('#opt-api'), 'read');
  await run(page);
  assertClean(assert, env, log);
  await context.close();
});

test('the engine refusing a scenario is shown in the page', async () => {
  const { page, context, log } = await openPage(env, { search: '?ghz=9' });
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'error');
  await page.locator('#error').waitFor();
  assert.match(await page.textContent('#error'), /ghz/);
  assert.equal(await page.getAttribute('#opt-ghz', 'aria-invalid'), 'true');
  // fixing it clears the message
  await setOption(page, 'ghz', 4);
  await run(page);
  assert.equal(await page.isVisible('#error'), false);
  assertClean(assert, env, log, { allowConsole: [/status of 400/] });
  await context.close();

  // an unknown value in a link is reported and ignored
  const second = await openPage(env, { search: '?cache=lukewarm' });
  await second.page.locator('#notice').waitFor();
  assert.match(await second.page.textContent('#notice'), /lukewarm/);
  assertClean(assert, env, second.log);
  await second.context.close();
});

test('an engine that does not answer is reported, not a blank page', async () => {
  const context = await env.browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The server's API, or on a static site the WebAssembly engine itself.
  const engine = process.env.SYSJOURNEY_STATIC ? '**/sysjourney_engine.wasm' : /\/api\/model(\?|$)/;
  await page.route(engine, (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'down' }));
  await page.goto(env.base);
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'error');
  assert.match(await page.textContent('#error'), process.env.SYSJOURNEY_STATIC ? /cannot start without the engine/ : /cannot start without the engine.*503/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('human scale shows cycles as seconds', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  assert.match(await page.textContent('#counter-time'), /ns$/);
  await page.check('#human');
  assert.match(await page.textContent('#counter-time'), /(minute|hour)s?$/);
  assert.match(await page.textContent('#trace-table tr.stage-row .col-time'), /(second|minute)s?$/);
  await setOption(page, 'cache', 'miss');
  await run(page);
  assert.match(await page.textContent('#counter-time'), /(day|week|month)s?$/);
  assertClean(assert, env, log);
  await context.close();
});

test('"show me" sets up the demonstration and runs it', async () => {
  const { page, context, log } = await openPage(env);
  await page.click('button[data-show-me="physics"]');
  await waitRunShown(page);
  await page.locator('#compare-ratio').waitFor();
  assert.ok(Number(await page.getAttribute('#compare-ratio', 'data-ratio')) > 20);
  assert.equal(await page.inputValue('#opt-cache'), 'miss');

  await page.click('button[data-show-me="strace"]');
  await waitRunShown(page);
  assert.equal(await page.inputValue('#opt-tracer'), 'strace');
  assert.ok(Number(await page.getAttribute('#compare-ratio', 'data-ratio')) > 5, 'strace makes the call much slower');

  await page.click('button[data-show-me="vdso"]');
  await waitRunShown(page);
  assert.equal(await page.inputValue('#opt-op'), 'vdso_clock_gettime');
  assert.equal(await page.textContent('#run'), 'Run clock_gettime()');
  assert.ok(Number(await page.getAttribute('#compare-ratio', 'data-ratio')) < 1, 'vDSO is cheaper than getppid');
  assertClean(assert, env, log);
  await context.close();
});

test('the io_uring calculator uses the engine and follows its inputs', async () => {
  const { page, context, log } = await openPage(env);
  await page.locator('#calc-verdict').waitFor();
  const first = Number(await page.getAttribute('#calc-verdict', 'data-speedup'));
  assert.ok(Number.isFinite(first) && first > 0);
  const text = await page.textContent('#calc-out');
  assert.match(text, /1,001/, 'epoll: 1000 reads + 1 epoll_wait');
  assert.match(text, /\b32\b/, 'io_uring: ceil(1000 / 32) enters');
  await page.fill('#calc-batch', '1');
  await page.waitForFunction(() => /1 per enter/.test(document.getElementById('calc-out').textContent));
  const single = Number(await page.getAttribute('#calc-verdict', 'data-speedup'));
  assert.ok(single < first, `batch 1 (${single}) gains less than batch 32 (${first})`);
  assertClean(assert, env, log);
  await context.close();
});

test('exports: JSON as the engine answered, and the engine\'s own CSV and Chrome trace events', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit' });
  await waitRunShown(page);
  const rows = (await shown(page)).rows;
  const grab = async (sel) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
    return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') };
  };
  // What the engine writes for this run, asked the way the page asks it (the API, or on a static
  // site the WebAssembly engine): the downloads must be these bytes.
  const engineFile = (format) => page.evaluate(async (f) => (await (await import('./engine.js')).runAs('cache=hit', f)).body, format);
  const json = await grab('#export-json');
  assert.equal(json.name, 'sysjourney-cache=hit.json');
  const j = JSON.parse(json.text);
  assert.equal(j.schema, 'sysjourney.journey/1');
  assert.equal(j.stages.length, rows);

  const csv = await grab('#export-csv');
  assert.equal(csv.name, 'sysjourney-cache=hit.csv');
  assert.equal(csv.text, await engineFile('csv'), 'the engine\'s CSV, byte for byte');
  if (!process.env.SYSJOURNEY_STATIC) {
    const res = await page.evaluate(async () => (await fetch('api/run?cache=hit&format=csv')).text());
    assert.equal(csv.text, res, 'as GET api/run?...&format=csv answers');
  }
  const lines = csv.text.trimEnd().split(/\r?\n/);
  assert.equal(lines.length, rows + 1, 'a header and one row per stage');
  assert.equal(lines[0], 'index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[1]), j.stages.map((st) => st.id), 'the stages in order');
  assert.ok(lines.slice(1).every((l, i) => l.startsWith(`${i + 1},`)));

  const trace = await grab('#export-trace');
  assert.equal(trace.name, 'sysjourney-cache=hit.trace.json');
  assert.equal(trace.text, await engineFile('trace-event'), 'the engine\'s trace events, byte for byte');
  const t = JSON.parse(trace.text);
  const events = t.traceEvents.filter((e) => e.ph === 'X');
  assert.equal(events.length, rows);
  assert.ok(events.every((e) => Number.isFinite(e.ts) && Number.isFinite(e.dur) && [1, 2, 3].includes(e.tid)));
  // one complete event per stage, in µs, a thread per lane, one after the other
  j.stages.forEach((st, i) => {
    assert.equal(events[i].args.id, st.id);
    assert.ok(Math.abs(events[i].dur - st.ns / 1000) < 1e-6, `${st.id} dur`);
    assert.ok(Math.abs(events[i].ts - st.start_ns / 1000) < 1e-6, `${st.id} ts`);
    assert.equal(events[i].tid, { user: 1, kernel: 2, hardware: 3 }[st.lane]);
  });
  for (let i = 1; i < events.length; i++) assert.ok(events[i].ts >= events[i - 1].ts + events[i - 1].dur - 1e-6);
  const threads = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid);
  assert.deepEqual(threads, [1, 2, 3]);
  assertClean(assert, env, log);
  await context.close();
});

test('an option the engine adds appears in the form and in the link, with no edit of the page', { skip: process.env.SYSJOURNEY_STATIC && 'the static site has no api/model to stand in for' }, async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The engine's model with two more options (a choice and a flag); the engine is then asked
  // without them, since this engine does not know them.
  await page.route(/\/api\/model(\?|$)/, async (route) => {
    const res = await route.fetch();
    const m = await res.json();
    m.options = { ...m.options, colour: ['plain', 'red'], spin: ['on', 'off'] };
    m.defaults = { ...m.defaults, colour: 'plain', spin: false };
    await route.fulfill({ response: res, json: m });
  });
  await page.route(/\/api\/run\?/, (route) => {
    const u = new URL(route.request().url());
    for (const k of ['colour', 'spin']) u.searchParams.delete(k);
    return route.continue({ url: u.href });
  });
  await page.goto(new URL('?cache=hit&colour=red', env.base).href);
  await waitRunShown(page);
  assert.equal(await page.inputValue('#opt-colour'), 'red', 'the link\'s value is in the form');
  assert.deepEqual(await page.$$eval('#opt-colour option', (os) => os.map((o) => o.value)), ['plain', 'red']);
  assert.equal(await page.getAttribute('#opt-spin', 'type'), 'checkbox', 'an on/off option is a checkbox');
  await setOption(page, 'spin', true);
  assert.equal(new URL(page.url()).search, '?cache=hit&colour=red&spin=on', 'after the engine\'s options, in the model\'s order');
  await setOption(page, 'colour', 'plain');
  assert.equal(new URL(page.url()).search, '?cache=hit&spin=on', 'its default is left out');
  assert.match(await page.inputValue('#permalink'), /\?cache=hit&spin=on$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the timeline shows on-CPU and asleep tracks, broken or linear', async () => {
  const { page, context, log } = await openPage(env, { search: '?device=hdd' });
  await waitRunShown(page);
  const segs = await page.locator('#timeline g.seg').count();
  assert.equal(segs, (await shown(page)).rows);
  assert.ok(await page.locator('#timeline g.seg.blocked').count() >= 1);
  // linear by default (true proportions); the broken axis is the option
  assert.equal(await page.getAttribute('button[data-mode="linear"]', 'aria-pressed'), 'true');
  assert.equal(await page.locator('#timeline .break-mark').count(), 0);
  await page.click('button[data-mode="broken"]');
  assert.equal(await page.getAttribute('button[data-mode="broken"]', 'aria-pressed'), 'true');
  assert.ok(await page.locator('#timeline .break-mark').count() >= 1, 'the long wait is drawn broken');
  await page.click('button[data-mode="linear"]');
  assert.equal(await page.getAttribute('button[data-mode="linear"]', 'aria-pressed'), 'true');
  assert.equal(await page.locator('#timeline .break-mark').count(), 0);
  assertClean(assert, env, log);
  await context.close();
});

test('at 375 px nothing overflows horizontally', async () => {
  const { page, context, log } = await openPage(env, { width: 375, height: 812, search: '?cache=miss' });
  await waitRunShown(page);
  await page.click('#pin');
  await setOption(page, 'cache', 'hit');
  await run(page);
  await page.locator('#trace-table tr.stage-row').first().click();
  const overflow = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > vw + 1 && getComputedStyle(el).position !== 'fixed';
    }).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className?.baseVal ?? el.className}`);
    // tables may scroll inside their box, but at 375 px none should need to
    const scrollers = [...document.querySelectorAll('.table-scroll')].filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.parentElement.id || el.parentElement.className}: ${el.scrollWidth} > ${el.clientWidth}`);
    return { scroll: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 10), scrollers };
  });
  assert.ok(overflow.scroll <= overflow.vw, `page is ${overflow.scroll}px wide in a ${overflow.vw}px viewport`);
  assert.deepEqual(overflow.wide, []);
  assert.deepEqual(overflow.scrollers, []);
  // the run button stays reachable while editing options
  assert.equal(await page.isVisible('#run'), true);
  await screenshot(page, 'mobile');
  assertClean(assert, env, log);
  await context.close();
});

test('dark theme follows prefers-color-scheme', async () => {
  const { page, context, log } = await openPage(env, { colorScheme: 'dark', search: '?cache=miss' });
  await waitRunShown(page);
  const lum = await page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  });
  assert.ok(lum < 0.2, `dark background (luminance ${lum})`);
  await page.locator('#trace-table tr.stage-row.is-blocked').first().click();
  await screenshot(page, 'dark');
  assertClean(assert, env, log);
  await context.close();
});

test('keyboard: Tab reaches the controls and the Run button with a visible focus ring', async () => {
  const { page, context, log } = await openPage(env);
  const seen = [];
  for (let i = 0; i < 40 && !seen.includes('run'); i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => ({ id: document.activeElement.id, outline: getComputedStyle(document.activeElement).outlineStyle }));
    seen.push(info.id);
    if (info.id === 'run' || info.id === 'opt-fd') assert.notEqual(info.outline, 'none', `${info.id} shows focus`);
  }
  assert.ok(seen.includes('opt-fd') && seen.includes('run'), `tab order: ${seen.join(' ')}`);
  await page.keyboard.press('Enter');
  await waitRunShown(page);
  assertClean(assert, env, log);
  await context.close();
});
