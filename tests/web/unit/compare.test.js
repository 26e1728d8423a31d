import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { alignStages, timesBaseline, totalRatio } from '../../../web/lib/compare.js';

const load = (n) => JSON.parse(readFileSync(new URL(`./fixtures/journey-${n}.json`, import.meta.url), 'utf8'));
const hit = load('hit');
const miss = load('miss');

test('ratio of totals, b over a', () => {
  const r = totalRatio(hit, miss);
  assert.ok(r > 200 && r < 400, `hit vs miss ratio ${r}`);
  assert.ok(Number.isNaN(totalRatio({ totals: { ns: 0 } }, miss)));
  assert.equal(timesBaseline(miss, hit), r);
});

test('alignment keeps shared stages in order and each path\'s own stages in place', () => {
  const rows = alignStages(hit, miss);
  const ids = rows.map((r) => r.id);
  // every stage of both journeys appears exactly once
  const all = new Set([...hit.stages.map((s) => s.id), ...miss.stages.map((s) => s.id)]);
  assert.equal(rows.length, all.size);
  assert.deepEqual(rows.filter((r) => r.a).map((r) => r.id), hit.stages.map((s) => s.id));
  assert.deepEqual(rows.filter((r) => r.b).map((r) => r.id), miss.stages.map((s) => s.id));
  const dev = rows.find((r) => r.id === 'device_read');
  assert.equal(dev.a, null);
  assert.equal(dev.b.lane, 'hardware');
  const ra = rows.find((r) => r.id === 'readahead_check');
  assert.equal(ra.b, null);
  assert.ok(ids.indexOf('syscall_insn') < ids.indexOf('device_read'));
  assert.ok(ids.indexOf('device_read') < ids.indexOf('sysret'));
});

test('alignment of disjoint and empty journeys', () => {
  const a = { stages: [{ id: 'x' }, { id: 'y' }] };
  const b = { stages: [{ id: 'z' }] };
  assert.deepEqual(alignStages(a, b).map((r) => r.id).sort(), ['x', 'y', 'z']);
  assert.deepEqual(alignStages({ stages: [] }, { stages: [] }), []);
  assert.deepEqual(alignStages(a, a).map((r) => [r.a.id, r.b.id]), [['x', 'x'], ['y', 'y']]);
});
