import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { brokenTicks, layoutTimeline, linearTicks } from '../../../web/lib/timeline.js';

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

test('a hit has nothing broken', () => {
  const { segments } = layoutTimeline(load('hit').stages, { width: 1000 });
  assert.ok(segments.every((s) => !s.broken));
});

test('linear ticks are round and cover the total', () => {
  const t = linearTicks(84310, 1000);
  assert.equal(t[0].ns, 0);
  assert.equal(t[1].ns, 20000);
  assert.ok(t[t.length - 1].ns <= 84310);
  assert.deepEqual(linearTicks(0, 100), [{ x: 0, ns: 0 }]);
});

test('broken ticks: start, around broken segments, end; never crowded', () => {
  const j = load('miss');
  const { segments, ticks } = layoutTimeline(j.stages, { width: 1000 });
  assert.equal(ticks[0].ns, 0);
  const last = segments[segments.length - 1];
  assert.equal(ticks[ticks.length - 1].ns, last.end);
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].x - ticks[i - 1].x >= 80 - 1e-9 || i === ticks.length - 1);
  assert.deepEqual(brokenTicks([], 100), [{ x: 0, ns: 0 }]);
});
