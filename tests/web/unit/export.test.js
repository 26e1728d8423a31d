import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CSV_COLUMNS, csvField, exportName, startTimes, toCSV, toTraceEvents } from '../../../web/lib/export.js';

const journey = JSON.parse(readFileSync(new URL('./fixtures/journey-hit.json', import.meta.url), 'utf8'));

test('csv fields are quoted only when needed', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(0), '0');
});

test('CSV has a header and one row per stage', () => {
  const csv = toCSV(journey);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.equal(lines.length, journey.stages.length + 1);
  assert.ok(csv.endsWith('\r\n'));
  const first = lines[1].split(',');
  assert.equal(first[0], '1');
  assert.equal(first[1], journey.stages[0].id);
  assert.equal(first[4], 'on_cpu');
  // lists joined with spaces so they stay one field
  const dispatch = lines.find((l) => l.includes(',dispatch,'));
  assert.ok(dispatch.includes('strace perf-trace ftrace bpftrace'));
});

test('trace events: one complete event per stage, µs, a thread per lane', () => {
  const t = toTraceEvents(journey);
  const complete = t.traceEvents.filter((e) => e.ph === 'X');
  assert.equal(complete.length, journey.stages.length);
  const s0 = journey.stages[0];
  assert.equal(complete[0].name, s0.title);
  assert.equal(complete[0].dur, s0.ns / 1000);
  assert.equal(complete[0].ts, s0.start_ns / 1000);
  for (const e of complete) {
    assert.equal(e.pid, 1);
    assert.ok([1, 2, 3].includes(e.tid));
    assert.ok(Number.isFinite(e.ts) && Number.isFinite(e.dur));
  }
  const tids = new Map(complete.map((e, i) => [journey.stages[i].lane, e.tid]));
  assert.equal(tids.get('user'), 1);
  assert.equal(tids.get('kernel'), 2);
  const names = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args.name);
  assert.deepEqual(names, ['USER (ring 3)', 'KERNEL (ring 0)', 'HARDWARE']);
  // events do not overlap and follow each other
  for (let i = 1; i < complete.length; i++) {
    assert.ok(complete[i].ts >= complete[i - 1].ts + complete[i - 1].dur - 1e-6);
  }
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(t)));
});

test('start times come from start_ns or are summed when missing', () => {
  assert.deepEqual(startTimes([{ ns: 10 }, { ns: 5 }, { ns: 1 }]), [0, 10, 15]);
  assert.deepEqual(startTimes([{ ns: 10, start_ns: 2 }, { ns: 5 }]), [2, 12]);
});

test('export names are safe file names', () => {
  assert.equal(exportName(''), 'sysjourney-default');
  assert.equal(exportName('fd=file&cache=hit'), 'sysjourney-fd=file_cache=hit');
  assert.equal(exportName('a=b/../c'), 'sysjourney-a=b..c');
});
