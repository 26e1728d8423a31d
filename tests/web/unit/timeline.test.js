import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { brokenTicks, layoutTimeline, linearTicks, placeTicks, startTimes, xAtNs } from '../../../web/lib/timeline.js';

const load = (n) => JSON.parse(readFileSync(new URL(`./fixtures/journey-${n}.json`, import.meta.url), 'utf8'));

test('segments tile the width in order, on the right track', () => {
  for (const mode of ['broken', 'linear']) {
    const j = load('miss');
    const { segments } = layoutTimeline(j.stages, { width: 1000, mode });
    assert.equal(segments.length, j.stages.length);
    let x = 0;
    for (const s of segments) {
      assert.ok(Math.abs(s.x - x) < 1e-6);
      x += s.w;
      assert.equal(s.track, j.stages[s.index].on_cpu ? 'cpu' : 'blocked');
    }
    assert.ok(Math.abs(x - 1000) < 1e-6, mode);
  }
});

test('the broken axis keeps every stage visible and marks the squeezed wait', () => {
  const j = load('miss');
  const { segments } = layoutTimeline(j.stages, { width: 1000, mode: 'broken' });
  assert.ok(segments.every((s) => s.w >= 5), 'every stage at least 5 px');
  const dev = segments[j.stages.findIndex((s) => s.id === 'device_read')];
  assert.equal(dev.broken, true);
  assert.equal(segments.filter((s) => s.broken).length, 1);
  const lin = layoutTimeline(j.stages, { width: 1000, mode: 'linear' }).segments;
  assert.ok(lin.every((s) => !s.broken));
  assert.ok(lin[j.stages.findIndex((s) => s.id === 'device_read')].w > 900);
});

test('the default axis is linear: each stage its true share', () => {
  const j = load('miss');
  const { segments } = layoutTimeline(j.stages, { width: 1000 });
  segments.forEach((s, i) => assert.ok(Math.abs(s.w - (1000 * j.stages[i].ns) / j.totals.ns) < 1e-6));
});

test('a hit has nothing broken', () => {
  const { segments } = layoutTimeline(load('hit').stages, { width: 1000, mode: 'broken' });
  assert.ok(segments.every((s) => !s.broken));
});

test('linear ticks are round and cover the total', () => {
  const t = linearTicks(84310, 1000);
  assert.equal(t[0].ns, 0);
  assert.equal(t[1].ns, 20000);
  assert.ok(t[t.length - 1].ns <= 84310);
  assert.deepEqual(linearTicks(0, 100), [{ x: 0, ns: 0, anchor: 'start' }]);
});

test('broken ticks: start, around broken segments, end; never crowded', () => {
  const j = load('miss');
  const { segments, ticks } = layoutTimeline(j.stages, { width: 1000, mode: 'broken' });
  assert.equal(ticks[0].ns, 0);
  const last = segments[segments.length - 1];
  assert.equal(ticks[ticks.length - 1].ns, last.end);
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].x - ticks[i - 1].x >= 80 - 1e-9 || i === ticks.length - 1);
  assert.deepEqual(brokenTicks([], 100), [{ x: 0, ns: 0, anchor: 'start' }]);
});

// Labels as the view draws them: about 6.7 px a character.
const labelOf = (ns) => (ns === 0 ? '0' : ns >= 1000 ? `${Number((ns / 1000).toPrecision(3))} µs` : `${Number(ns.toPrecision(3))} ns`);
const widthOf = (ns) => labelOf(ns).length * 6.7 + 2;
function overlaps(ticks) {
  const box = (t) => {
    const w = widthOf(t.ns);
    return t.anchor === 'start' ? [t.x, t.x + w] : t.anchor === 'end' ? [t.x - w, t.x] : [t.x - w / 2, t.x + w / 2];
  };
  const bad = [];
  for (let i = 1; i < ticks.length; i++) {
    if (box(ticks[i - 1])[1] > box(ticks[i])[0]) bad.push(`${labelOf(ticks[i - 1].ns)} / ${labelOf(ticks[i].ns)}`);
  }
  return bad;
}

test('at phone width no two tick labels overlap, on either axis', () => {
  const j = load('miss');
  for (const width of [200, 270, 320, 600, 1000]) {
    for (const mode of ['broken', 'linear']) {
      const { ticks } = layoutTimeline(j.stages, { width, mode, labelWidth: widthOf });
      assert.deepEqual(overlaps(ticks), [], `${mode} at ${width} px: ${ticks.map((t) => labelOf(t.ns)).join(', ')}`);
      assert.ok(ticks.length >= 2, `${mode} at ${width}: at least two ticks`);
      ticks.forEach((t) => assert.ok(t.x >= -1e-9 && t.x <= width + 1e-9));
    }
  }
  // the end of the broken axis always stays; on the linear one the ticks stay evenly spaced
  const broken = layoutTimeline(j.stages, { width: 270, mode: 'broken', labelWidth: widthOf }).ticks;
  assert.ok(Math.abs(broken[broken.length - 1].ns - j.totals.ns) < 1e-6);
  const lin = layoutTimeline(j.stages, { width: 270, mode: 'linear', labelWidth: widthOf }).ticks;
  const steps = lin.slice(1).map((t, i) => t.ns - lin[i].ns);
  assert.ok(steps.every((d) => Math.abs(d - steps[0]) < 1e-6), steps.join());
});

test('placeTicks keeps the first and the last and drops what would collide', () => {
  const w = () => 40;
  const t = placeTicks([{ x: 0, ns: 0 }, { x: 30, ns: 1 }, { x: 100, ns: 2 }, { x: 180, ns: 3 }, { x: 200, ns: 4 }], 200, w);
  assert.deepEqual(t.map((x) => x.ns), [0, 2, 4]);
  assert.deepEqual(t.map((x) => x.anchor), ['start', 'middle', 'end']);
  assert.deepEqual(placeTicks([{ x: 0, ns: 0 }, { x: 50, ns: 9 }], 50, w).map((x) => x.ns), [9], 'too narrow for both: the end stays');
});

test('xAtNs maps time onto either axis, monotone', () => {
  const j = load('miss');
  for (const mode of ['broken', 'linear']) {
    const { segments } = layoutTimeline(j.stages, { width: 1000, mode });
    let prev = -1;
    for (let ns = 0; ns <= j.totals.ns; ns += j.totals.ns / 500) {
      const x = xAtNs(segments, ns);
      assert.ok(x >= prev - 1e-9, `${mode} at ${ns}`);
      prev = x;
    }
    assert.ok(Math.abs(xAtNs(segments, j.totals.ns) - 1000) < 1e-6);
    assert.equal(xAtNs(segments, 0), 0);
  }
});

test('start times come from start_ns or are summed when missing', () => {
  assert.deepEqual(startTimes([{ ns: 10 }, { ns: 5 }, { ns: 1 }]), [0, 10, 15]);
  assert.deepEqual(startTimes([{ ns: 10, start_ns: 2 }, { ns: 5 }]), [2, 12]);
});
