import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULTS, planPlayback, positionAt } from '../../../web/lib/playback.js';

const load = (n) => JSON.parse(readFileSync(new URL(`./fixtures/journey-${n}.json`, import.meta.url), 'utf8'));

test('a hit plays entirely in slow motion, no stage compressed', () => {
  const j = load('hit');
  const plan = planPlayback(j.stages);
  assert.equal(plan.maxCompression, 1);
  assert.ok(plan.stages.every((p) => p.ms >= DEFAULTS.minStageMs && p.ms <= DEFAULTS.maxStageMs));
  // slowed by millions: 310 ns of work takes seconds
  assert.ok(plan.slowdown > 1e6, String(plan.slowdown));
  assert.ok(plan.totalMs > 1500 && plan.totalMs < 8000, String(plan.totalMs));
});

test('a miss compresses the device wait by a round factor and says so', () => {
  const j = load('miss');
  const plan = planPlayback(j.stages);
  const i = j.stages.findIndex((s) => s.id === 'device_read');
  const p = plan.stages[i];
  assert.ok(p.compression > 1);
  assert.ok([1, 2, 5].includes(p.compression / 10 ** Math.floor(Math.log10(p.compression))), String(p.compression));
  assert.ok(p.ms <= DEFAULTS.waitMs);
  assert.ok(Math.abs(p.ms * p.compression - p.naturalMs) < 1e-6);
  assert.equal(plan.maxCompression, p.compression);
  // on-CPU stages are never compressed
  j.stages.forEach((s, k) => s.on_cpu && assert.equal(plan.stages[k].compression, 1));
  assert.ok(plan.totalMs < 12000, String(plan.totalMs));
});

test('stages follow each other on the animation clock', () => {
  const plan = planPlayback(load('miss').stages);
  for (let i = 1; i < plan.stages.length; i++) {
    assert.equal(plan.stages[i].startMs, plan.stages[i - 1].startMs + plan.stages[i - 1].ms);
  }
});

test('positionAt gives the running totals', () => {
  const stages = [{ ns: 10, cycles: 30, on_cpu: true }, { ns: 20, cycles: 60, on_cpu: true }];
  const plan = { stages: [{ startMs: 0, ms: 100 }, { startMs: 100, ms: 100 }] };
  assert.deepEqual(positionAt(plan, stages, 0), { index: 0, frac: 0, ns: 0, cycles: 0, begun: 1, done: false });
  const mid = positionAt(plan, stages, 150);
  assert.equal(mid.index, 1);
  assert.equal(mid.frac, 0.5);
  assert.equal(mid.ns, 20);
  assert.equal(mid.cycles, 60);
  const end = positionAt(plan, stages, 1e9);
  assert.equal(end.done, true);
  assert.equal(end.ns, 30);
  assert.equal(end.begun, 2);
});

test('empty and all-blocked journeys do not divide by zero', () => {
  assert.equal(planPlayback([]).totalMs, 0);
  const p = planPlayback([{ ns: 1000, on_cpu: false }]);
  assert.ok(Number.isFinite(p.totalMs) && p.totalMs > 0);
});
