// lib/measure.js against a real sysjourney.measure/1 answer (the mock's fixture) and edge cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  NEEDS_SERVER, PROBE_GROUPS, PROBE_LABELS, classify, describeScale, formatMeasuredRatio, groupProbes, hostFacts, measureError,
  mitigationSummary, notesOf, probeLabel, profileFacts, ratioOf, ratioPosition, summarize, toleranceBand,
} from '../../../web/lib/measure.js';

const answer = JSON.parse(readFileSync(new URL('../mock/fixtures/measure.json', import.meta.url), 'utf8'));
const model = JSON.parse(readFileSync(new URL('../mock/fixtures/model.json', import.meta.url), 'utf8'));

// The probe ids of design.md: they must not be renamed, and each has words and a group.
const IDS = ['function_call', 'vdso_clock_gettime', 'syscall_getppid', 'read_file_hit', 'read_file_cold', 'read_direct',
  'read_pipe', 'read_unix', 'read_tcp', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128',
  'read_ptraced', 'pipe_wakeup'];

test('every probe id has a label and exactly one group', () => {
  for (const id of IDS) {
    assert.ok(PROBE_LABELS[id]?.title && PROBE_LABELS[id]?.what, `${id} has words`);
    assert.equal(PROBE_GROUPS.filter((g) => g.probes.includes(id)).length, 1, `${id} in one group`);
  }
  assert.equal(PROBE_GROUPS.flatMap((g) => g.probes).length, IDS.length);
  assert.equal(probeLabel('io_uring_batch_1').title, 'io_uring, 1 read per enter');
  assert.equal(probeLabel('io_uring_batch_32').title, 'io_uring, 32 reads per enter');
  assert.deepEqual(probeLabel('read_fancy'), { title: 'read_fancy', what: '' });
});

test('groupProbes: the groups a person understands, in order, unknown probes last', () => {
  const groups = groupProbes(answer.probes);
  assert.deepEqual(groups.map((g) => g.title), ['Calls without a syscall', 'The syscall itself', 'Cached reads',
    'Reads that reach the device', 'Pipes and sockets', 'Sleeping and tracing']);
  assert.deepEqual(groups[0].probes.map((p) => p.id), ['function_call', 'vdso_clock_gettime']);
  assert.deepEqual(groups[2].probes.map((p) => p.id), ['read_file_hit', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128']);
  assert.deepEqual(groups[3].probes.map((p) => p.id), ['read_file_cold', 'read_direct']);
  assert.deepEqual(groups[5].probes.map((p) => p.id), ['pipe_wakeup', 'read_ptraced']);
  assert.equal(groups.flatMap((g) => g.probes).length, answer.probes.length, 'no probe lost');

  const few = groupProbes([{ id: 'read_pipe' }, { id: 'read_mmap' }]);
  assert.deepEqual(few.map((g) => g.id), ['ipc', 'other'], 'empty groups left out; a new probe still shows');
  assert.deepEqual(groupProbes([]), []);
});

test('classify: fitted, within ±30%, off, skipped', () => {
  const byId = Object.fromEntries(answer.probes.map((p) => [p.id, p]));
  assert.equal(classify(byId.syscall_getppid).kind, 'fitted');
  assert.equal(classify(byId.syscall_getppid).text, 'fitted');
  assert.equal(classify(byId.read_pipe).kind, 'good'); // 0.734
  assert.equal(classify(byId.read_pipe).text, 'within ±30%');
  const slow = classify(byId.io_uring_batch_1); // 1.783
  assert.equal(slow.kind, 'off');
  assert.equal(slow.text, '78% slower than predicted');
  assert.equal(classify({ id: 'x', fitted: false, ratio: 0.5 }).text, '50% faster than predicted');
  const skipped = classify(byId.read_ptraced);
  assert.equal(skipped.kind, 'skipped');
  assert.ok(Number.isNaN(skipped.ratio));
  // the edges count as within
  assert.equal(classify({ fitted: false, ratio: 1.3 }).kind, 'good');
  assert.equal(classify({ fitted: false, ratio: 0.7 }).kind, 'good');
  assert.equal(classify({ fitted: false, ratio: 1.301 }).kind, 'off');
  assert.equal(classify({ fitted: false, ratio: 0.699 }).kind, 'off');
  // no ratio from the server: computed from median and calibrated
  assert.equal(ratioOf({ median_ns: 150, calibrated_ns: 100 }), 1.5);
  assert.equal(classify({ fitted: false, median_ns: 150, calibrated_ns: 100 }).kind, 'off');
  assert.equal(classify({ fitted: false, median_ns: 150 }).kind, 'none');
});

test('summarize counts predictions, not fitted or skipped probes', () => {
  const s = summarize(answer.probes);
  assert.deepEqual({ fitted: s.fitted, predicted: s.predicted, within: s.within, off: s.off, skipped: s.skipped },
    { fitted: 5, predicted: 9, within: 6, off: 3, skipped: 1 });
  assert.equal(s.text, '6 of 9 predictions within ±30%');
  assert.equal(s.skippedText, '1 probe could not run here');

  const ten = [...Array(9)].map(() => ({ fitted: false, ratio: 1.1 })).concat([{ fitted: false, ratio: 2 }]);
  assert.equal(summarize(ten).text, '9 of 10 predictions within ±30%');
  assert.equal(summarize(ten).skippedText, '');
  assert.equal(summarize([{ fitted: false, ratio: 1 }]).text, '1 of 1 prediction within ±30%');
  assert.equal(summarize([{ fitted: true, ratio: 1 }]).text, 'No prediction could be tested on this machine');
});

test('ratios keep two decimals so neighbours of the ±30% edge read apart', () => {
  assert.equal(formatMeasuredRatio(1.257), '1.26×');
  assert.equal(formatMeasuredRatio(1.345), '1.35×');
  assert.equal(formatMeasuredRatio(1), '1.00×');
  assert.equal(formatMeasuredRatio(NaN), '—');
  assert.equal(formatMeasuredRatio(0), '—');
});

test('ratio positions on a log axis from 1/3× to 3×', () => {
  assert.deepEqual(ratioPosition(1), { at: 0.5, clamped: false });
  assert.equal(ratioPosition(3).at, 1);
  assert.equal(ratioPosition(1 / 3).at, 0);
  assert.ok(Math.abs(ratioPosition(Math.sqrt(3)).at - 0.75) < 1e-12);
  assert.deepEqual(ratioPosition(10), { at: 1, clamped: true });
  assert.deepEqual(ratioPosition(0.01), { at: 0, clamped: true });
  assert.deepEqual(ratioPosition(NaN), { at: 0.5, clamped: false });
  const band = toleranceBand();
  assert.ok(band.from < 0.5 && band.to > 0.5);
  assert.equal(band.from, ratioPosition(0.7).at);
  assert.equal(band.to, ratioPosition(1.3).at);
});

test('host facts: CPU, clock and its source, kernel, KPTI/PCID, Spectre, VM, storage', () => {
  const facts = hostFacts(answer.host, model);
  const f = Object.fromEntries(facts.map((x) => [x.key, x]));
  assert.deepEqual(facts.map((x) => x.key), ['cpu', 'clock', 'kernel', 'kpti', 'spectre', 'machine', 'storage']);
  assert.equal(f.cpu.value, 'Intel(R) Xeon(R) Processor');
  assert.equal(f.clock.value, '2.1 GHz');
  assert.equal(f.clock.detail, 'timed from the TSC');
  assert.equal(f.kernel.value, 'Linux 6.18.44');
  assert.equal(f.kpti.value, 'KPTI off · PCID available');
  assert.equal(f.kpti.detail, 'Meltdown: Not affected');
  assert.equal(f.spectre.value, 'Enhanced / Automatic IBRS');
  assert.match(f.spectre.detail, /^Mitigation: Enhanced \/ Automatic IBRS; IBPB/);
  assert.equal(f.machine.value, 'virtual machine');
  assert.equal(f.storage.value, '/var/tmp on ext4');
  assert.equal(f.storage.detail, 'vda: virtio-blk in a VM · reports itself rotational · I/O scheduler mq-deadline');

  // nulls from the server (unknown facts) read as unknown, not "null"
  const bare = hostFacts({ cpu_model: null, ghz: null, kernel: null, kpti: true, pcid: false, virtualized: false, dir: '/tmp',
    fs: 'tmpfs', device: 'unknown', block_device: null, rotational: null, scheduler: null, mitigations: {} });
  const b = Object.fromEntries(bare.map((x) => [x.key, x]));
  assert.equal(b.cpu.value, 'unknown');
  assert.equal(b.clock.value, 'unknown');
  assert.equal(b.clock.detail, '');
  assert.equal(b.kernel.value, 'unknown');
  assert.equal(b.kpti.value, 'KPTI on · PCID not available');
  assert.equal(b.spectre, undefined);
  assert.equal(b.machine.value, 'bare metal');
  assert.equal(b.storage.detail, 'unknown device');
  assert.ok(!JSON.stringify(bare).includes('null'));
  assert.equal(hostFacts({ ghz: 3.4, ghz_source: 'cpuinfo' })[1].detail, 'as /proc/cpuinfo reports it');
  assert.equal(mitigationSummary('Not affected'), 'Not affected');
  assert.equal(mitigationSummary('Mitigation: Retpolines; IBPB: conditional'), 'Retpolines');
});

test('profile facts: preset, scales in a fixed order without none/device, device latency', () => {
  const p = profileFacts(answer, model);
  assert.equal(p.preset, 'kvm_guest');
  assert.equal(p.presetTitle, 'kvm_guest', 'not in the mock model: the id');
  assert.deepEqual(p.scales.map((s) => s.id), ['user', 'trap', 'kernel', 'wake']);
  assert.equal(p.scales[0].label, 'User-space work');
  assert.ok(p.deviceNs > 10000);
  const titled = profileFacts({ preset: 'amd_zen4', profile: { scales: {} } }, model);
  assert.match(titled.presetTitle, /Zen 4/);
  assert.deepEqual(profileFacts({}).scales, []);
  assert.deepEqual(describeScale(0.534), { text: '0.53×', verdict: 'faster than the preset' });
  assert.deepEqual(describeScale(1.2), { text: '1.2×', verdict: 'slower than the preset' });
  assert.deepEqual(describeScale(1.001), { text: '1×', verdict: 'about as the preset' });
  assert.deepEqual(describeScale(1), { text: '1×', verdict: 'kept from the preset' });
});

test('notes come from the host and the calibration', () => {
  assert.deepEqual(notesOf(answer), []);
  assert.deepEqual(notesOf({ host: { notes: ['a'] }, notes: ['b', ''] }), ['a', 'b']);
  assert.deepEqual(notesOf({}), []);
});

test('errors: busy, switched off, failed, no server', () => {
  const busy = measureError({ status: 429, message: 'a measurement is already running on this machine; try again when it ends' });
  assert.match(busy.title, /Another measurement is running/);
  const off = measureError({ status: 403, message: 'measurement is turned off on this server (started with --no-measure)' });
  assert.match(off.title, /does not allow measuring/);
  assert.match(off.detail, /^Measurement is turned off on this server \(started with --no-measure\)\. /);
  assert.match(off.detail, /`sysjourney serve`/);
  const failed = measureError({ status: 500, message: 'measurement failed: disk full' });
  assert.equal(failed.detail, 'Measurement failed: disk full.');
  const none = measureError({ status: 0, message: NEEDS_SERVER });
  assert.equal(none.detail, NEEDS_SERVER);
  assert.match(NEEDS_SERVER, /`sysjourney serve`/);
  assert.equal(measureError(new Error('')).detail, NEEDS_SERVER);
});
