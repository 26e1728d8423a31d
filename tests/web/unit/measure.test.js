// lib/measure.js against real fitted sysjourney.measure/1 documents (the mock's fixtures, made
// by `sysjourney fit`, see mock/refit.sh) and edge cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  BAND, NEEDS_SERVER, PROBE_GROUPS, PROBE_LABELS, PROBE_TERMS, bandOf, bandText, classify, defaultsOf, describeScale, errorOf, fitError,
  formatError, formatMeasuredRatio, formatSigma, formatSpread, groupProbes, hostFacts, hostLine, journeyNsFrom, loadFacts, measureError,
  mitigationSummary, modelVerdict, notesOf, p99Label, probeLabel, probesOnTrace, profileFacts, ratioOf, ratioPosition, summarize,
  toleranceBand, withinBand,
} from '../../../web/lib/measure.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../mock/fixtures/${name}`, import.meta.url), 'utf8'));
const answer = fixture('measure.json');
const fromFile = fixture('fit-file.json');
const model = fixture('model.json');
const hit = JSON.parse(readFileSync(new URL('./fixtures/journey-hit.json', import.meta.url), 'utf8'));

// The probe ids of docs/contracts.md (sysjourney.measure/1): they must not be renamed, and each has words and a group.
const IDS = ['function_call', 'vdso_clock_gettime', 'syscall_getppid', 'syscall_clock_gettime', 'read_file_hit', 'read_file_cold',
  'read_direct', 'read_pipe', 'read_unix', 'read_tcp', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32',
  'io_uring_batch_128', 'read_ptraced', 'pipe_wakeup', 'pipe_pingpong_rtt', 'write_file', 'fsync_file', 'fdatasync_file',
  'write_pipe_wakeup'];

test('every probe id has a label, exactly one group and a model in PROBE_TERMS', () => {
  for (const id of IDS) {
    assert.ok(PROBE_LABELS[id]?.title && PROBE_LABELS[id]?.what, `${id} has words`);
    assert.equal(PROBE_GROUPS.filter((g) => g.probes.includes(id)).length, 1, `${id} in one group`);
    assert.equal(PROBE_TERMS[id]?.filter((t) => t.main).length, 1, `${id} has one journey on screen`);
  }
  assert.equal(PROBE_GROUPS.flatMap((g) => g.probes).length, IDS.length);
  assert.deepEqual(Object.keys(PROBE_TERMS).sort(), [...IDS].sort());
  assert.equal(probeLabel('io_uring_batch_1').title, 'io_uring, 1 read per enter');
  assert.equal(probeLabel('io_uring_batch_32').title, 'io_uring, 32 reads per enter');
  assert.deepEqual(probeLabel('read_fancy'), { title: 'read_fancy', what: '' });
  // the real measurement has every probe of the contract
  assert.deepEqual(answer.probes.map((p) => p.id).sort(), [...IDS].sort());
});

test('groupProbes: the groups a person understands, in order, unknown probes last', () => {
  const groups = groupProbes(answer.probes);
  assert.deepEqual(groups.map((g) => g.title), ['Calls without a syscall', 'The syscall itself', 'Cached reads',
    'Reads that reach the device', 'Pipes and sockets', 'Sleeping and tracing', 'Writes and syncs']);
  assert.deepEqual(groups[1].probes.map((p) => p.id), ['syscall_getppid', 'syscall_clock_gettime']);
  assert.deepEqual(groups[2].probes.map((p) => p.id), ['read_file_hit', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128']);
  assert.deepEqual(groups[5].probes.map((p) => p.id), ['pipe_wakeup', 'pipe_pingpong_rtt', 'write_pipe_wakeup', 'read_ptraced']);
  assert.deepEqual(groups[6].probes.map((p) => p.id), ['write_file', 'fdatasync_file', 'fsync_file']);
  assert.equal(groups.flatMap((g) => g.probes).length, answer.probes.length, 'no probe lost');
  const few = groupProbes([{ id: 'read_pipe' }, { id: 'read_mmap' }]);
  assert.deepEqual(few.map((g) => g.id), ['ipc', 'other'], 'empty groups left out; a new probe still shows');
  assert.deepEqual(groupProbes([]), []);
});

test('the band: the engine\'s rule, |predicted - measured| <= 30% of measured', () => {
  assert.equal(BAND, 0.3);
  assert.equal(bandOf(answer), 0.3);
  assert.equal(bandOf({ verdict: { band: 0.25 } }), 0.25);
  assert.equal(bandOf({ verdict: { band: 'wide' } }), 0.3);
  assert.equal(bandText(0.3), '±30%');
  assert.equal(withinBand(100, 130), true);
  assert.equal(withinBand(100, 70), true);
  assert.equal(withinBand(100, 130.1), false);
  assert.equal(withinBand(100, 69.9), false);
  // not the same as 0.7 <= measured/predicted <= 1.3: 1.366 is within, 0.766 is not
  assert.equal(withinBand(2.9, 2.9 / 1.366), true);
  assert.equal(withinBand(43, 43 / 0.766), false);
  assert.equal(withinBand(0, 1), false);
  assert.equal(withinBand(100, NaN), false);
});

test('classify follows the document\'s within, probe by probe', () => {
  for (const p of answer.probes) {
    const c = classify(p, bandOf(answer));
    if (p.skipped) assert.equal(c.kind, 'skipped', p.id);
    else assert.equal(c.kind, p.within ? 'good' : 'off', p.id);
  }
  const byId = Object.fromEntries(answer.probes.map((p) => [p.id, p]));
  assert.equal(classify(byId.read_pipe).text, 'within ±30%');
  const low = classify(byId.io_uring_batch_1); // measured 1.75x the prediction: predicted too low
  assert.equal(low.kind, 'off');
  assert.match(low.text, /^\d+% too low$/);
  assert.equal(low.ratio, byId.io_uring_batch_1.ratio);
  const high = classify(byId.write_file); // in the fixture, predicted about 1.5x the measurement
  assert.match(high.text, /^\d+% too high$/);
  assert.ok(Number.isNaN(classify(byId.read_ptraced).ratio));
  assert.equal(classify(byId.read_ptraced).text, 'did not run');
  // a document without `within`: the same rule, on its numbers
  assert.equal(classify({ median_ns: 100, predicted_ns: 130 }).kind, 'good');
  assert.equal(classify({ median_ns: 100, predicted_ns: 131 }).kind, 'off');
  assert.equal(classify({ median_ns: 100, predicted_ns: 131 }).text, '31% too high');
  assert.equal(classify({ median_ns: 100, predicted_ns: 60 }).text, '40% too low');
  assert.equal(classify({ median_ns: 100, predicted_ns: 131, within: true }).kind, 'good', 'the document\'s word wins');
  assert.equal(classify({ median_ns: 100 }).kind, 'none');
  assert.equal(ratioOf({ median_ns: 150, predicted_ns: 100 }), 1.5);
  assert.equal(ratioOf({ median_ns: 150, predicted_ns: 100, ratio: 1.49 }), 1.49);
});

test('the unfitted preset is scored by the same rule', () => {
  assert.deepEqual(modelVerdict({ median_ns: 100, model_ns: 125 }), { within: true, error: 0.25 });
  assert.equal(modelVerdict({ median_ns: 100, model_ns: 60 }).within, false);
  assert.equal(modelVerdict({ skipped: 'no', model_ns: 60 }), null);
  assert.equal(modelVerdict({ median_ns: 100 }), null);
  assert.ok(Math.abs(errorOf(131, 100) - 0.31) < 1e-12);
  assert.equal(formatError(0.312), '+31%');
  assert.equal(formatError(-0.09), '−9%');
  assert.equal(formatError(0.001), '0%');
  assert.equal(formatError(NaN), '—');
});

test('summarize: the fitted score is the document\'s verdict, the unfitted one by the same rule', () => {
  const s = summarize(answer);
  assert.equal(s.within, answer.verdict.within);
  assert.equal(s.predicted, answer.verdict.predicted);
  assert.equal(s.agrees, true, 'the rows add up to the verdict');
  assert.equal(s.skipped, 1);
  assert.equal(s.text, `${answer.verdict.within} of ${answer.verdict.predicted} predictions within ±30%`);
  const measured = answer.probes.filter((p) => !p.skipped);
  assert.equal(s.modelScored, measured.length);
  assert.equal(s.modelWithin, measured.filter((p) => Math.abs(p.model_ns - p.median_ns) <= 0.3 * p.median_ns).length);
  assert.equal(s.modelText, `${s.modelWithin} of ${s.modelScored} within ±30%`);
  assert.equal(s.skippedText, '1 probe could not run');
  const f = summarize(fromFile);
  assert.equal(f.within, fromFile.verdict.within);
  assert.equal(f.agrees, true);
  // a verdict the rows do not add up to is flagged, and the headline keeps the document's
  const odd = summarize({ verdict: { within: 2, predicted: 2 }, probes: [{ median_ns: 1, predicted_ns: 1, within: true }] });
  assert.equal(odd.agrees, false);
  assert.equal(odd.text, '2 of 2 predictions within ±30%');
  assert.equal(summarize({ probes: [] }).text, 'No prediction could be tested');
  assert.equal(summarize([{ median_ns: 1, predicted_ns: 1 }]).text, '1 of 1 prediction within ±30%');
});

test('ratios, spreads and sigmas as text', () => {
  assert.equal(formatMeasuredRatio(1.257), '1.26×');
  assert.equal(formatMeasuredRatio(1.345), '1.35×');
  assert.equal(formatMeasuredRatio(1), '1.00×');
  assert.equal(formatMeasuredRatio(NaN), '—');
  assert.equal(formatMeasuredRatio(0), '—');
  assert.equal(formatSpread({ spread: 1.192 }), '1.19×');
  assert.equal(formatSpread({ spread: 1 }), '1.00×');
  assert.equal(formatSpread({}), '');
  assert.equal(formatSigma(0.116), '±12%');
  assert.equal(formatSigma(0), '');
  assert.equal(p99Label({ p99_of: 'calls' }), 'p99 of calls');
  assert.equal(p99Label({ p99_of: 'batch_means' }), 'p99 of batch means');
  assert.equal(p99Label({}), 'p99');
});

test('ratio positions on a log axis from 1/3× to 3×, the band in measured / predicted', () => {
  assert.deepEqual(ratioPosition(1), { at: 0.5, clamped: false });
  assert.equal(ratioPosition(3).at, 1);
  assert.equal(ratioPosition(1 / 3).at, 0);
  assert.ok(Math.abs(ratioPosition(Math.sqrt(3)).at - 0.75) < 1e-12);
  assert.deepEqual(ratioPosition(10), { at: 1, clamped: true });
  assert.deepEqual(ratioPosition(0.01), { at: 0, clamped: true });
  assert.deepEqual(ratioPosition(NaN), { at: 0.5, clamped: false });
  const band = toleranceBand();
  assert.equal(band.from, ratioPosition(1 / 1.3).at);
  assert.equal(band.to, ratioPosition(1 / 0.7).at);
  // every probe's ratio sits inside the band exactly when the document says within
  for (const p of answer.probes.filter((x) => !x.skipped)) {
    const at = ratioPosition(p.median_ns / p.predicted_ns).at;
    assert.equal(at >= band.from && at <= band.to, p.within, p.id);
  }
});

test('how busy the machine was: quiet, busy, or not said', () => {
  const quiet = loadFacts(answer.load);
  assert.equal(quiet.known, true);
  assert.equal(quiet.busy, false);
  assert.match(quiet.text, /quiet/);
  assert.match(quiet.detail, /steal 0%/);
  assert.match(quiet.detail, /5 rounds/);
  const busy = loadFacts({ ...answer.load, busy: true, busy_rounds: 5, retries: 2, steal_pct: 0.2, run_queue: 2, reason: 'the timing thread waited 11% of the time for its CPU' });
  assert.equal(busy.busy, true);
  assert.match(busy.text, /^The machine was busy while it was measured: the timing thread waited 11% of the time for its CPU\. .*measure again/);
  assert.match(busy.detail, /5 of 5 rounds busy · 2 retries/);
  assert.match(loadFacts({ busy: true }).text, /other programs were using the CPUs/);
  const none = loadFacts(undefined);
  assert.equal(none.known, false);
  assert.match(none.text, /does not say how busy/);
});

test('host facts: CPU, clock and its source, kernel, KPTI/PCID, Spectre, VM, storage', () => {
  const facts = hostFacts(answer.host, model);
  const f = Object.fromEntries(facts.map((x) => [x.key, x]));
  assert.deepEqual(facts.map((x) => x.key), ['cpu', 'clock', 'kernel', 'kpti', 'spectre', 'machine', 'storage']);
  assert.equal(f.cpu.value, answer.host.cpu_model);
  assert.equal(f.clock.value, `${answer.host.ghz} GHz`);
  assert.equal(f.clock.detail, 'timed from the TSC');
  assert.equal(f.kernel.value, `Linux ${answer.host.kernel}`);
  assert.equal(f.kpti.value, 'KPTI off · PCID available');
  assert.equal(f.kpti.detail, 'Meltdown: Not affected');
  assert.equal(f.spectre.value, 'Enhanced / Automatic IBRS');
  assert.equal(f.machine.value, 'virtual machine');
  assert.equal(f.storage.value, '/var/tmp on ext4');
  assert.equal(f.storage.detail, 'vda: virtio-blk in a VM · reports itself rotational · I/O scheduler mq-deadline');
  // nulls (unknown facts) read as unknown, not "null"; a file may leave facts out altogether
  const bare = hostFacts({ cpu_model: null, ghz: null, kernel: null, kpti: true, pcid: false, virtualized: false, dir: '/tmp',
    fs: 'tmpfs', device: 'unknown', block_device: null, rotational: null, scheduler: null, mitigations: {} });
  const b = Object.fromEntries(bare.map((x) => [x.key, x]));
  assert.equal(b.cpu.value, 'unknown');
  assert.equal(b.clock.value, 'unknown');
  assert.equal(b.kpti.value, 'KPTI on · PCID not available');
  assert.equal(b.spectre, undefined);
  assert.equal(b.machine.value, 'bare metal');
  assert.ok(!JSON.stringify(bare).includes('null'));
  assert.equal(Object.fromEntries(hostFacts(fromFile.host).map((x) => [x.key, x])).machine.value, 'unknown');
  assert.equal(hostLine(answer.host), `Intel(R) Xeon(R) Processor · 2.1 GHz · Linux ${answer.host.kernel} · virtual machine`);
  assert.equal(hostLine({}), 'unknown CPU');
  assert.equal(mitigationSummary('Not affected'), 'Not affected');
  assert.equal(mitigationSummary('Mitigation: Retpolines; IBPB: conditional'), 'Retpolines');
});

test('the fit in words: preset, parameters with their uncertainty, which were fitted', () => {
  const p = profileFacts(answer, model);
  assert.equal(p.preset, answer.preset);
  assert.equal(p.ghz, answer.profile.ghz);
  assert.deepEqual(p.parameters.map((x) => x.name), answer.parameters.map((x) => x.name));
  assert.equal(p.parameters.find((x) => x.name === 'kernel').label, 'Kernel work');
  assert.equal(p.parameters.find((x) => x.name === 'tax').label, 'Mitigation taxes');
  const titled = profileFacts({ preset: 'amd_zen4', profile: {} }, model);
  assert.match(titled.presetTitle, /Zen 4/);
  assert.deepEqual(profileFacts({}).parameters, []);
  assert.deepEqual(describeScale(0.534), { text: '0.53×', verdict: 'faster than the preset' });
  assert.deepEqual(describeScale(1.2), { text: '1.2×', verdict: 'slower than the preset' });
  assert.deepEqual(describeScale(1.001), { text: '1×', verdict: 'as the preset' });
  assert.match(describeScale(1, false).verdict, /not fitted/);
});

test('defaults and notes: what the fit assumed, what the host and the fit said', () => {
  assert.deepEqual(defaultsOf(answer), []);
  assert.ok(defaultsOf(fromFile).length >= 3, 'a file with most host facts missing');
  assert.ok(defaultsOf(fromFile).some((d) => /host\.virtualized missing/.test(d)));
  assert.deepEqual(notesOf({ host: { notes: ['a'] }, notes: ['b', ''], fit_notes: ['c'] }), ['a', 'b', 'c']);
  assert.deepEqual(notesOf({}), []);
});

const journey = (scenario, ids) => ({
  scenario: { op: 'read', fd: 'file', cache: 'miss', direct: false, bytes: 16, api: 'read', batch: 1, tracer: 'none', wait: false, nonblock: false, ...scenario },
  stages: ids.map((id, i) => ({ id, ns: 10 * (i + 1) })),
});

test('probesOnTrace: the probes that time the journey on screen, and the stages they cover', () => {
  const [one, ...rest] = probesOnTrace(hit, answer);
  assert.equal(rest.length, 0);
  assert.equal(one.id, 'read_file_hit', 'read() and pread() of a cached file take the same path');
  assert.deepEqual([one.from, one.to], [0, hit.stages.length - 1]);
  assert.ok(Math.abs(one.coveredNs - hit.stages.reduce((a, s) => a + s.ns, 0)) < 1e-9);
  assert.deepEqual(one.others, []);
  const ids = (sc, stages = ['a', 'b']) => probesOnTrace(journey(sc, stages), answer).map((x) => x.id);
  assert.deepEqual(ids({ cache: 'miss' }), ['read_file_cold']);
  assert.deepEqual(ids({ direct: true, bytes: 4096 }), ['read_direct']);
  assert.deepEqual(ids({ direct: true, bytes: 512 }), [], 'the probe reads 4 KiB');
  assert.deepEqual(ids({ cache: 'hit', bytes: 4096 }), [], 'the probe reads 16 bytes');
  assert.deepEqual(ids({ cache: 'hit', api: 'io_uring', batch: 8 }), ['io_uring_batch_8']);
  assert.deepEqual(ids({ cache: 'hit', api: 'io_uring', batch: 16 }), []);
  assert.deepEqual(ids({ cache: 'hit', api: 'sendfile' }), []);
  assert.deepEqual(ids({ cache: 'hit', tracer: 'strace' }), [], 'strace is not a bare ptrace tracer');
  assert.deepEqual(ids({ cache: 'hit', tracer: 'ptrace' }), [], 'read_ptraced did not run on this machine');
  assert.deepEqual(ids({ fd: 'tcp' }), ['read_tcp']);
  assert.deepEqual(ids({ fd: 'pipe' }), ['read_pipe']);
  assert.deepEqual(ids({ op: 'getppid' }), ['syscall_getppid']);
  assert.deepEqual(ids({ op: 'clock_gettime' }), ['syscall_clock_gettime']);
  assert.deepEqual(ids({ op: 'vdso_clock_gettime' }), ['vdso_clock_gettime']);
  // a pipe that waits: from the switch away (pipe_wait) on, plus the writer; the ping-pong twice over
  const waits = journey({ fd: 'pipe', wait: true }, ['libc_wrapper', 'pipe_wait', 'pipe_wakeup', 'pipe_read', 'libc_return']);
  const found = probesOnTrace(waits, answer);
  assert.deepEqual(found.map((x) => x.id), ['pipe_wakeup', 'pipe_pingpong_rtt']);
  assert.deepEqual([found[0].from, found[0].to, found[0].coveredNs], [1, 4, 20 + 30 + 40 + 50]);
  assert.deepEqual(found[0].others.map((o) => [o.q, o.times]), [['fd=pipe&warm=on', 1]]);
  assert.deepEqual([found[1].from, found[1].times], [0, 2]);
  assert.deepEqual(found[1].others.map((o) => o.times), [2]);
  assert.deepEqual(probesOnTrace(journey({ fd: 'pipe', wait: true, nonblock: true }, ['x']), answer).map((x) => x.id), [],
    'EAGAIN is not a wake-up; nor can a journey without the stage be covered from it');
  assert.deepEqual(probesOnTrace(null, answer), []);
  assert.deepEqual(probesOnTrace(hit, { probes: [] }), []);
  assert.equal(journeyNsFrom(waits, 'pipe_wakeup'), 120);
  assert.equal(journeyNsFrom(waits), 150);
  assert.ok(Number.isNaN(journeyNsFrom(waits, 'nope')));
});

test('errors: busy, switched off, failed, no server; a file that cannot be fitted', () => {
  const busy = measureError({ status: 429, message: 'a measurement is already running on this machine; try again when it ends' });
  assert.match(busy.title, /Another measurement is running/);
  const off = measureError({ status: 403, message: 'measurement is turned off on this server (started with --no-measure)' });
  assert.match(off.title, /does not allow measuring/);
  assert.match(off.detail, /^Measurement is turned off on this server \(started with --no-measure\)\. /);
  assert.match(off.detail, /`sysjourney serve`/);
  assert.equal(measureError({ status: 500, message: 'measurement failed: disk full' }).detail, 'Measurement failed: disk full.');
  assert.equal(measureError({ status: 0, message: NEEDS_SERVER }).detail, NEEDS_SERVER);
  assert.match(NEEDS_SERVER, /`sysjourney serve`/);
  assert.match(NEEDS_SERVER, /measure file/);
  assert.equal(measureError(new Error('')).detail, NEEDS_SERVER);

  const bad = fitError({ status: 400, message: 'probes[0].median_ns (read_pipe) must be a number above 0', field: 'probes[0].median_ns', value: '"fast"', allowed: 'a positive number of ns, at most 1e12' }, 'm.json');
  assert.equal(bad.title, 'The measure file m.json cannot be fitted.');
  assert.equal(bad.detail, 'Probes[0].median_ns (read_pipe) must be a number above 0.');
  assert.deepEqual([bad.field, bad.value, bad.allowed], ['probes[0].median_ns', '"fast"', 'a positive number of ns, at most 1e12']);
  const away = fitError({ status: 0, message: 'Fitting needs the sysjourney server or its WebAssembly engine' });
  assert.match(away.title, /could not be fitted here/);
  assert.equal(away.field, '');
});
