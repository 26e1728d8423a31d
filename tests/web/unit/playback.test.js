import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  DEFAULTS, elapsedOf, paceMs, planPlayback, positionAt, positionAtStage, restFits, roundFactor, stepTarget,
} from '../../../web/lib/playback.js';

const load = (n) => JSON.parse(readFileSync(new URL(`./fixtures/journey-${n}.json`, import.meta.url), 'utf8'));

// The same miss on two devices: only the drive's time differs.
function onDevice(ns) {
  const j = load('miss');
  return j.stages.map((s) => (s.id === 'device_read' ? { ...s, ns } : s));
}

test('the pace is one curve for every journey: strictly increasing, continuous at the threshold', () => {
  let prev = -Infinity;
  for (let e = -1; e <= 9; e += 0.01) {
    const ms = paceMs(10 ** e);
    assert.ok(ms > prev, `paceMs(1e${e.toFixed(2)}) = ${ms} after ${prev}`);
    prev = ms;
  }
  const t = DEFAULTS.thresholdNs;
  assert.ok(Math.abs(paceMs(t * (1 - 1e-9)) - paceMs(t * (1 + 1e-9))) < 1e-3);
  // below the threshold: the slow-motion pace plus the floor
  assert.equal(paceMs(0), DEFAULTS.floorMs);
  assert.ok(Math.abs(paceMs(100) - (DEFAULTS.floorMs + 100 * DEFAULTS.msPerNs)) < 1e-9);
  // above it: every decade adds the same time (log compression)
  const dec = paceMs(1e5) - paceMs(1e4);
  assert.ok(Math.abs(paceMs(1e7) - paceMs(1e6) - dec) < 1e-6);
  assert.ok(Math.abs(dec - DEFAULTS.msPerNs * t * Math.LN10) < 1e-6);
});

test('a longer stage never plays shorter, and the longest stage is the longest beat', () => {
  for (const j of [load('hit'), load('miss')]) {
    const plan = planPlayback(j.stages);
    const order = j.stages.map((s, i) => i).sort((a, b) => j.stages[a].ns - j.stages[b].ns);
    for (let k = 1; k < order.length; k++) {
      const a = order[k - 1];
      const b = order[k];
      if (j.stages[b].ns > j.stages[a].ns) assert.ok(plan.stages[b].ms > plan.stages[a].ms, `${j.stages[b].id} vs ${j.stages[a].id}`);
    }
    const longest = order[order.length - 1];
    assert.equal(Math.max(...plan.stages.map((p) => p.ms)), plan.stages[longest].ms);
  }
});

test('an HDD read plays longer than an NVMe read, which plays longer than a hit', () => {
  const nvme = planPlayback(onDevice(80000));
  const hdd = planPlayback(onDevice(12370000));
  const hit = planPlayback(load('hit').stages);
  assert.ok(hdd.totalMs > nvme.totalMs + 2000, `${hdd.totalMs} vs ${nvme.totalMs}`);
  assert.ok(nvme.totalMs > hit.totalMs);
  // but none takes minutes: the drive is compressed and the page says by how much
  assert.ok(hdd.totalMs < 20000, String(hdd.totalMs));
  const i = load('miss').stages.findIndex((s) => s.id === 'device_read');
  assert.ok(hdd.stages[i].compression > 100 * nvme.stages[i].compression / 2);
  assert.ok(nvme.stages[i].compression > 5, String(nvme.stages[i].compression));
  assert.ok(Math.abs(nvme.stages[i].ms * nvme.stages[i].compression - nvme.stages[i].naturalMs) < 1e-6);
  assert.equal(nvme.maxCompression, nvme.stages[i].compression);
});

test('a hit plays in slow motion, nothing compressed', () => {
  const plan = planPlayback(load('hit').stages);
  assert.equal(plan.maxCompression, 1);
  assert.equal(plan.slowdown, DEFAULTS.msPerNs * 1e6);
  assert.ok(plan.stages.every((p) => p.ms >= DEFAULTS.floorMs));
  assert.ok(plan.totalMs > 1000 && plan.totalMs < 8000, String(plan.totalMs));
});

test('stages follow each other on the animation clock', () => {
  const plan = planPlayback(load('miss').stages);
  for (let i = 1; i < plan.stages.length; i++) {
    assert.equal(plan.stages[i].startMs, plan.stages[i - 1].endMs);
    assert.equal(plan.stages[i].startMs, plan.stages[i - 1].startMs + plan.stages[i - 1].ms);
  }
  assert.equal(plan.totalMs, plan.stages[plan.stages.length - 1].endMs);
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

test('positions at a stage, and the animation time of a position, agree with positionAt', () => {
  const j = load('miss');
  const plan = planPlayback(j.stages);
  let ns = 0;
  j.stages.forEach((s, i) => {
    ns += s.ns;
    const p = positionAtStage(plan, j.stages, i);
    assert.equal(p.index, i);
    assert.equal(p.begun, i + 1);
    assert.ok(Math.abs(p.ns - ns) < 1e-6);
    assert.equal(p.done, i === j.stages.length - 1);
    const ms = elapsedOf(plan, p);
    assert.ok(Math.abs(ms - plan.stages[i].endMs) < 1e-9 || p.done);
    // just before that time, positionAt is inside the same stage
    const q = positionAt(plan, j.stages, ms - 1e-6);
    assert.equal(q.index, i);
  });
  assert.equal(elapsedOf(plan, null), 0);
  assert.equal(elapsedOf(plan, positionAt(plan, j.stages, 1e12)), plan.totalMs);
});

test('a step goes to the end of the current stage, then one stage on or back', () => {
  const n = 5;
  assert.equal(stepTarget(null, n, 1), 0);
  assert.equal(stepTarget({ index: 2, frac: 0.4, done: false }, n, 1), 2);
  assert.equal(stepTarget({ index: 2, frac: 1, done: false }, n, 1), 3);
  assert.equal(stepTarget({ index: 4, frac: 1, done: true }, n, 1), 4);
  assert.equal(stepTarget({ index: 2, frac: 1, done: false }, n, -1), 1);
  assert.equal(stepTarget({ index: 2, frac: 0.4, done: false }, n, -1), 1);
  assert.equal(stepTarget({ index: 0, frac: 0.5, done: false }, n, -1), -1);
  assert.equal(stepTarget({ index: 4, frac: 1, done: true }, n, -1), 3);
  assert.equal(stepTarget(null, 0, 1), -1);
});

test('how many times the rest of the call fits into its longest stage', () => {
  const j = load('miss');
  const i = j.stages.findIndex((s) => s.id === 'device_read');
  const rest = j.totals.ns - j.stages[i].ns;
  assert.equal(restFits(j.stages, i), Math.floor(j.stages[i].ns / rest));
  assert.ok(restFits(j.stages, i) >= 10);
  assert.equal(restFits(j.stages, 0), 0, 'a short stage holds less than the rest');
  assert.equal(restFits([{ ns: 5 }], 0), 0, 'nothing else to fit');
});

test('factors are rounded to two significant digits', () => {
  assert.equal(roundFactor(14.46), 14);
  assert.equal(roundFactor(1172), 1200);
  assert.equal(roundFactor(3.4), 3);
  assert.equal(roundFactor(0), 1);
});

test('empty and all-blocked journeys do not divide by zero', () => {
  assert.equal(planPlayback([]).totalMs, 0);
  const p = planPlayback([{ ns: 1000, on_cpu: false }]);
  assert.ok(Number.isFinite(p.totalMs) && p.totalMs > 0);
  assert.deepEqual(positionAtStage(planPlayback([]), [], 0).done, true);
});
