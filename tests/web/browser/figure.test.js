// Browser tests of the main figure: size to scale, the pace of the animation, the player (step,
// scrub) in step with the counters, the trace and the timeline, short names, details beside the
// figure, keyboard reach, and the phone (Run brings the figure into view, ticks do not collide).
// Run: node --test --test-concurrency=1 browser/figure.test.js
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertClean, openPage, screenshot, setup, waitRunShown, waitScrollStill } from './harness.js';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** The engine's own answer for a query, through the page's engine module (the API or, on a
 * static site, the WebAssembly engine). */
function engineRun(page, q) {
  return page.evaluate(async (query) => (await import('./engine.js')).run(query), q);
}

/** What the figure shows, read from the DOM. */
function figureFacts(page) {
  return page.evaluate(() => {
    const fig = document.getElementById('lanes');
    const orient = fig.dataset.orient;
    const along = (el) => {
      const r = el.getBoundingClientRect();
      return orient === 'h' ? r.width : r.height;
    };
    const segs = [...fig.querySelectorAll('.scale-seg')].map((el) => ({ id: el.dataset.stageId, len: along(el) }));
    const nodes = [...fig.querySelectorAll('g.node')].map((g) => ({
      id: g.dataset.stageId, ms: Number(g.dataset.ms), ns: Number(g.dataset.ns), name: g.querySelector('.node-name')?.textContent ?? '',
    }));
    return { orient, plannedMs: Number(fig.dataset.plannedMs), segs, nodes };
  });
}

/** The counters, the highlighted trace row and timeline segment, the player's position. */
function inStep(page) {
  return page.evaluate(() => ({
    stages: Number(document.getElementById('counter-stages').dataset.value),
    ns: Number(document.getElementById('counter-time').dataset.ns),
    rows: [...document.querySelectorAll('#trace-table tr.stage-row.current')].map((r) => Number(r.dataset.index)),
    future: document.querySelectorAll('#trace-table tr.stage-row.future').length,
    segs: [...document.querySelectorAll('#timeline g.seg.current')].map((g) => Number(g.dataset.index)),
    figure: Number(document.getElementById('lanes').dataset.index),
    nodes: [...document.querySelectorAll('#lanes g.node.current')].map((g) => Number(g.dataset.index)),
    focused: document.activeElement?.classList?.contains('node') ? Number(document.activeElement.dataset.index) : null,
    detail: document.getElementById('lanes-detail').textContent,
    scrub: Number(document.getElementById('lanes-scrub').value),
    state: document.getElementById('app').dataset.state,
  }));
}

function assertAt(s, k, facts, what) {
  const cum = facts.nodes.slice(0, k + 1).reduce((a, n) => a + n.ns, 0);
  assert.equal(s.stages, k + 1, `${what}: the stage counter`);
  assert.ok(Math.abs(s.ns - cum) <= 1e-6 * Math.max(1, cum), `${what}: time counter ${s.ns} vs ${cum}`);
  assert.deepEqual(s.rows, [k], `${what}: the highlighted trace row`);
  assert.equal(s.future, facts.nodes.length - k - 1, `${what}: rows still ahead`);
  assert.deepEqual(s.segs, [k], `${what}: the timeline's segment`);
  assert.deepEqual(s.nodes, [k], `${what}: the lanes' node`);
  assert.ok(s.detail.includes(facts.nodes[k].name), `${what}: the details beside show ${facts.nodes[k].name}`);
}

test('the drive\'s share of the figure is its share of the time (linear, the default), wide and narrow', async () => {
  for (const [width, height, search] of [[1366, 900, '?cache=miss'], [375, 812, '?device=hdd']]) {
    const { page, context, log } = await openPage(env, { width, height, search });
    await waitRunShown(page);
    const j = await engineRun(page, search.slice(1));
    const dev = j.stages.findIndex((st) => st.lane === 'hardware');
    assert.ok(dev >= 0, 'a miss reaches the drive');
    const share = j.stages[dev].ns / j.totals.ns;
    const f = await figureFacts(page);
    assert.equal(f.orient, width >= 1000 ? 'h' : 'v');
    assert.equal(f.segs.length, j.stages.length, 'one part of the strip per stage');
    const total = f.segs.reduce((a, x) => a + x.len, 0);
    const drawn = f.segs[dev].len / total;
    assert.ok(Math.abs(drawn - share) <= 0.1 * share, `${width} px: the drive is ${(100 * drawn).toFixed(1)}% of the strip, ${(100 * share).toFixed(1)}% of the time`);
    // every part is to scale, not only the drive
    f.segs.forEach((x, i) => assert.ok(Math.abs(x.len / total - j.stages[i].ns / j.totals.ns) < 0.01, `${x.id}`));

    // the timeline opens on the linear axis too
    assert.equal(await page.getAttribute('button[data-mode="linear"]', 'aria-pressed'), 'true');
    const tl = await page.evaluate((i) => {
      const widths = [...document.querySelectorAll('#timeline g.seg .seg-box')].map((r) => r.getBoundingClientRect().width);
      return { dev: widths[i], sum: widths.reduce((a, b) => a + b, 0) };
    }, dev);
    assert.ok(Math.abs(tl.dev / tl.sum - share) <= 0.1 * share, `timeline: ${tl.dev / tl.sum} vs ${share}`);
    // the caption says it in words
    assert.match(await page.textContent('.lanes-scale'), /To scale:.*drive .*= [<>]?\d+(\.\d+)?%/);
    assertClean(assert, env, log);
    await context.close();
  }
});

test('an HDD read plays longer than an NVMe read; the pace is monotone and the drive the longest beat', async () => {
  const planned = {};
  for (const device of ['nvme', 'hdd']) {
    const { page, context, log } = await openPage(env, { search: `?device=${device}` });
    await waitRunShown(page);
    const f = await figureFacts(page);
    planned[device] = f.plannedMs;
    const sum = f.nodes.reduce((a, n) => a + n.ms, 0);
    assert.ok(Math.abs(sum - f.plannedMs) < 1e-6 * f.plannedMs, 'the plan is the sum of its beats');
    const byNs = [...f.nodes].sort((a, b) => a.ns - b.ns);
    for (let i = 1; i < byNs.length; i++) {
      if (byNs[i].ns > byNs[i - 1].ns) assert.ok(byNs[i].ms > byNs[i - 1].ms, `${device}: ${byNs[i].id} (${byNs[i].ns} ns) plays longer than ${byNs[i - 1].id}`);
    }
    const longest = f.nodes.reduce((a, b) => (b.ms > a.ms ? b : a));
    assert.equal(longest.name, 'drive', `${device}: the longest beat is the drive`);
    // the page says how time is scaled and by how much the wait is compressed
    const pace = await page.textContent('.lanes-pace');
    assert.match(pace, /time runs 1:[\d,]+/);
    assert.match(pace, /drive's .* is shown [\d,]+× faster/);
    assert.match(await page.textContent('#lanes-detail'), /The rest of this call \(.*\) fits ([\d,]+ times|once) into this wait/);
    assertClean(assert, env, log);
    await context.close();
  }
  assert.ok(planned.hdd > planned.nvme, `HDD ${planned.hdd} ms vs NVMe ${planned.nvme} ms`);

  // The animation itself: its clock only moves forward and it dwells longest on the drive.
  const { page, context, log } = await openPage(env, { reducedMotion: 'no-preference' });
  await page.evaluate(() => {
    window.__beats = {};
    window.__trail = [];
    let last = performance.now();
    const tick = (t) => {
      const i = Number(document.getElementById('lanes').dataset.index);
      if (document.getElementById('app').dataset.state === 'running') {
        window.__beats[i] = (window.__beats[i] ?? 0) + (t - last);
        window.__trail.push([Number(document.getElementById('lanes-scrub').value), Number(document.getElementById('counter-time').dataset.ns), i]);
      }
      last = t;
      if (document.getElementById('app').dataset.state !== 'done' || !window.__trail.length) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.click('#run');
  await waitRunShown(page);
  const { beats, trail } = await page.evaluate(() => ({ beats: window.__beats, trail: window.__trail }));
  assert.ok(trail.length > 20, `${trail.length} frames sampled`);
  for (let k = 1; k < trail.length; k++) {
    assert.ok(trail[k][0] >= trail[k - 1][0], `the scrubber moves forward (${trail[k - 1][0]} -> ${trail[k][0]})`);
    assert.ok(trail[k][1] >= trail[k - 1][1] - 1e-6, 'the time counter only grows');
    assert.ok(trail[k][2] >= trail[k - 1][2], 'the stage only moves on');
  }
  const f = await figureFacts(page);
  const dev = f.nodes.findIndex((n) => n.name === 'drive');
  const longestBeat = Number(Object.entries(beats).reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
  assert.equal(longestBeat, dev, `the drive is the longest beat on screen: ${JSON.stringify(beats)}`);
  assertClean(assert, env, log);
  await context.close();
});

test('at 375 px Run brings the lanes into view', async () => {
  for (const reducedMotion of ['reduce', 'no-preference']) {
    const { page, context, log } = await openPage(env, { width: 375, height: 812, reducedMotion });
    const before = await page.evaluate(() => document.querySelector('#lanes svg').getBoundingClientRect().top);
    assert.ok(before > 812, `the lanes start below the fold (${before})`);
    await page.click('#run');
    // smooth scrolling takes a moment: wait for the lanes to be on screen, then check they stay
    await page.waitForFunction(() => {
      const r = document.querySelector('#lanes svg').getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }, null, { timeout: 10000 });
    if (reducedMotion === 'no-preference') {
      await page.waitForFunction(() => document.getElementById('app').dataset.state === 'running');
      // Skip sits with Run, now above the fold (clicking it like a person would scroll back up)
      await page.$eval('#skip', (el) => el.click());
    }
    await waitRunShown(page);
    await waitScrollStill(page);
    const r = await page.evaluate(() => {
      const box = document.querySelector('#lanes svg').getBoundingClientRect();
      const player = document.getElementById('lanes-play').getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, player: player.bottom, vh: window.innerHeight };
    });
    assert.ok(r.top >= 0 && r.bottom <= r.vh, `lanes at ${r.top}..${r.bottom} in ${r.vh}`);
    assert.ok(r.player <= r.vh, `the player is on screen too (${JSON.stringify(r)})`);
    if (reducedMotion === 'reduce') await screenshot(page, 'figure-phone-run');
    assertClean(assert, env, log);
    await context.close();
  }
});

test('step and scrub keep the counters, the trace row, the timeline and the details in step', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=miss' });
  await waitRunShown(page);
  const facts = await figureFacts(page);
  const n = facts.nodes.length;

  // Tab reaches a node of the figure
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.matches?.('#lanes g.node') ?? false);
  }
  assert.ok(reached, 'Tab reaches the lanes');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('.node-box')).strokeWidth);
  assert.ok(parseFloat(ring) >= 3, `a focused node shows it (stroke ${ring})`);

  await page.keyboard.press('Home');
  let s = await inStep(page);
  assertAt(s, 0, facts, 'Home');
  assert.equal(s.focused, 0);
  assert.equal(s.state, 'paused');
  for (let k = 1; k <= 5; k++) {
    await page.keyboard.press('ArrowRight');
    s = await inStep(page);
    assertAt(s, k, facts, `→ ${k}`);
    assert.equal(s.focused, k, 'the focus follows the step');
  }
  await page.keyboard.press('ArrowLeft');
  assertAt(await inStep(page), 4, facts, '←');

  // the buttons
  await page.click('#lanes-next');
  assertAt(await inStep(page), 5, facts, 'next button');
  await page.click('#lanes-back');
  await page.click('#lanes-back');
  assertAt(await inStep(page), 3, facts, 'back button');

  // a click on the drive: its details open beside the figure, the page does not jump
  const dev = facts.nodes.findIndex((x) => x.name === 'drive');
  const y0 = await page.evaluate(() => window.scrollY);
  await page.click(`#lanes g.node[data-index="${dev}"] .node-box`);
  s = await inStep(page);
  assertAt(s, dev, facts, 'click on the drive');
  assert.match(s.detail, /Stage \d+ of \d+/);
  const place = await page.evaluate(() => {
    const lanes = document.querySelector('#lanes svg').getBoundingClientRect();
    const d = document.getElementById('lanes-detail').getBoundingClientRect();
    return { beside: d.left >= lanes.right - 1, top: Math.abs(d.top - lanes.top), y: window.scrollY };
  });
  assert.ok(place.beside && place.top < 40, `details beside the lanes: ${JSON.stringify(place)}`);
  assert.equal(place.y, y0, 'no jump down the page');
  await screenshot(page, 'figure-step');

  // scrub: a click half-way along the scrubber lands where the plan says
  const box = await page.locator('#lanes-scrub').boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2);
  s = await inStep(page);
  const ends = [];
  facts.nodes.reduce((t, x) => {
    ends.push(t + x.ms);
    return t + x.ms;
  }, 0);
  const at = ends.findIndex((e) => s.scrub < e);
  assert.ok(at >= 0 && at < n - 1, `scrubbed to ${s.scrub} ms: stage ${at}`);
  assert.equal(s.stages, at + 1, 'scrub: the stage counter');
  assert.deepEqual(s.rows, [at], 'scrub: the highlighted trace row');
  assert.deepEqual(s.segs, [at], 'scrub: the timeline');
  assert.deepEqual(s.nodes, [at], 'scrub: the node');
  const start = at ? ends[at - 1] : 0;
  const frac = (s.scrub - start) / facts.nodes[at].ms;
  const cum = facts.nodes.slice(0, at).reduce((a, x) => a + x.ns, 0) + frac * facts.nodes[at].ns;
  assert.ok(Math.abs(s.ns - cum) <= 1e-6 * cum + 1e-6, `scrub: time ${s.ns} vs ${cum}`);
  const playhead = Number(await page.getAttribute('#timeline svg', 'data-playhead-ns'));
  assert.ok(Math.abs(playhead - s.ns) < 1e-6 * cum + 1e-6, 'the timeline\'s playhead is at the same time');

  // the scrubber's arrows step a stage; End is the end of the call
  await page.focus('#lanes-scrub');
  await page.keyboard.press('ArrowRight');
  assertAt(await inStep(page), at, facts, 'scrubber →: the end of the current stage');
  await page.keyboard.press('ArrowRight');
  assertAt(await inStep(page), at + 1, facts, 'scrubber → again');
  assert.match(await page.getAttribute('#lanes-scrub', 'aria-valuetext'), new RegExp(`Stage ${at + 2} of ${n}`));
  await page.keyboard.press('End');
  s = await inStep(page);
  assert.equal(s.stages, n);
  assert.deepEqual(s.rows, [], 'at the end no row is highlighted');
  assert.equal(s.state, 'done');
  assert.equal(await page.textContent('#lanes-play'), 'Replay');
  assertClean(assert, env, log);
  await context.close();
});

test('play, pause and play on from where it stopped', async () => {
  const { page, context, log } = await openPage(env, { search: '?cache=hit', reducedMotion: 'no-preference' });
  await waitRunShown(page);
  await page.click('#lanes-play'); // Replay from the start
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'running');
  await page.waitForFunction(() => Number(document.getElementById('counter-stages').dataset.value) >= 3);
  await page.click('#lanes-play'); // Pause
  const paused = await inStep(page);
  assert.equal(paused.state, 'paused');
  assert.equal(await page.textContent('#lanes-play'), 'Play');
  // paused means paused: the next animation frames change nothing
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const still = await inStep(page);
  assert.equal(still.scrub, paused.scrub);
  assert.equal(still.ns, paused.ns);
  await page.click('#lanes-play'); // Play on
  await page.waitForFunction((v) => Number(document.getElementById('lanes-scrub').value) > v, paused.scrub);
  await page.click('#skip');
  await waitRunShown(page);
  assert.equal((await inStep(page)).stages, (await figureFacts(page)).nodes.length);
  assertClean(assert, env, log);
  await context.close();
});

test('nodes carry short names; the route before a run can be read too', async () => {
  const { page, context, log } = await openPage(env);
  await page.waitForSelector('#lanes g.node[data-index="1"]');  // the route arrives from the engine
  const f = await figureFacts(page);
  const byId = Object.fromEntries(f.nodes.map((x) => [x.id, x.name]));
  for (const [id, name] of Object.entries({ syscall_insn: 'SYSCALL', page_cache_lookup: 'page cache', device_read: 'drive', copy_to_user: 'copy' })) {
    if (id in byId) assert.equal(byId[id], name, id);
  }
  assert.ok(f.nodes.every((x) => x.name && x.name.length <= 12), 'every node has a short name');
  assert.equal(await page.isDisabled('#lanes-scrub'), true, 'nothing to scrub before a run');
  // a click on a node of the route shows it beside the figure without running anything
  await page.click('#lanes g.node[data-index="1"] .node-box');
  assert.ok((await page.textContent('#lanes-detail')).includes(f.nodes[1].name));
  assert.equal(await page.getAttribute('#app', 'data-state'), 'idle');
  assertClean(assert, env, log);
  await context.close();
});

test('the timeline\'s tick labels never overlap at 375 px, on either axis', async () => {
  const { page, context, log } = await openPage(env, { width: 375, height: 812, search: '?cache=miss' });
  await waitRunShown(page);
  for (const mode of ['linear', 'broken']) {
    await page.click(`button[data-mode="${mode}"]`);
    const boxes = await page.$$eval('#timeline .tick-label', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { l: r.left, r: r.right, t: e.textContent };
    }));
    assert.ok(boxes.length >= 2, `${mode}: ${boxes.length} ticks`);
    const svg = await page.$eval('#timeline svg', (e) => e.getBoundingClientRect().toJSON());
    for (let i = 0; i < boxes.length; i++) {
      assert.ok(boxes[i].l >= svg.left - 0.5 && boxes[i].r <= svg.right + 0.5, `${mode}: "${boxes[i].t}" inside the figure`);
      if (i) assert.ok(boxes[i].l >= boxes[i - 1].r, `${mode}: "${boxes[i - 1].t}" and "${boxes[i].t}" overlap`);
    }
  }
  assertClean(assert, env, log);
  await context.close();
});

test('screenshots: the figure light and dark, desktop and phone', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const [width, height, name] of [[1366, 900, 'desktop'], [375, 812, 'phone']]) {
      const { page, context, log } = await openPage(env, { width, height, colorScheme, search: '?cache=miss' });
      await waitRunShown(page);
      // half-way through the drive: the token, the playhead and the live line all show
      const f = await figureFacts(page);
      const dev = f.nodes.findIndex((x) => x.name === 'drive');
      const mid = f.nodes.slice(0, dev).reduce((a, x) => a + x.ms, 0) + f.nodes[dev].ms / 2;
      await page.$eval('#lanes-scrub', (el, v) => {
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, mid);
      assert.match(await page.textContent('#lanes-detail'), /has fitted \d+ of [\d,]+ times into this wait so far/);
      await page.locator('#lanes').screenshot({ path: new URL(`../out/figure-${name}-${colorScheme}.png`, import.meta.url).pathname });
      assertClean(assert, env, log);
      await context.close();
    }
  }
});
