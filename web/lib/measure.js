// "Measure this machine": the words and sums for a fitted sysjourney.measure/1 document (from
// POST api/measure, or from POST api/fit of a measure file from any machine). Pure: no DOM.
//
// Per probe the document carries the measured median (with the spread of its rounds), the
// closest preset as it is (model_ns, unfitted), the fit on all probes (calibrated_ns) and the
// honest test: predicted_ns, the fit on all the OTHER probes (leave one out), with
// ratio = median / predicted and `within` = |predicted - measured| <= band x measured. The
// verdicts shown are the document's own `within` and `verdict`; the page only applies the same
// rule to model_ns, which the document does not score, so fitting can be seen to pay (or not).

/** Where measuring is impossible (no server behind the page), this tells the person what to do. */
export const NEEDS_SERVER = 'Measuring needs the sysjourney server: run `sysjourney serve` on the machine you want to '
  + 'measure and open the address it prints. A measure file from any machine (`sysjourney measure --format json`) '
  + 'can be loaded here instead.';

/** The band when a document does not name one: |predicted - measured| <= 30% of measured. */
export const BAND = 0.3;

/** The largest measure file the page sends (the server refuses bodies above 96 KiB; files are 10-20 KB). */
export const MAX_FILE_BYTES = 96 * 1024;

/** The document's band (verdict.band), else BAND. */
export function bandOf(doc) {
  const b = doc?.verdict?.band;
  return Number.isFinite(b) && b > 0 && b < 1 ? b : BAND;
}

/** The engine's rule (core/fit.h within_band): |predicted - measured| <= band x measured. */
export function withinBand(measuredNs, predictedNs, band = BAND) {
  return measuredNs > 0 && Number.isFinite(predictedNs) && Math.abs(predictedNs - measuredNs) <= band * measuredNs;
}

/** "±30%" for a band of 0.3. */
export function bandText(band = BAND) {
  return `±${round(band * 100)}%`;
}

// One journey a probe times, as the engine is asked for it: with warm caches, as the probe runs.
const term = (q, more = {}) => ({ q: `${q}&warm=on`, ...more });
// A probe that times one journey: the one the trace of that call shows.
const probe = (title, what, q) => ({ title, what, terms: [term(q, { main: true })] });

/**
 * Each probe id: its words (a title and what it times) and the journeys it times in the model's
 * terms (PROBE_TERMS): query strings of the API, each counted `times` over and possibly only from
 * stage `from` on; `main` is the journey that shows in the trace. The journeys are the same table
 * as core/fit.cc's probe_models(); keep the two in step.
 */
const PROBES = {
  function_call: probe('Function call', 'an empty function: no kernel at all', 'op=function_call'),
  vdso_clock_gettime: probe('clock_gettime() via the vDSO', 'reads the clock in user space, no trap', 'op=vdso_clock_gettime'),
  syscall_getppid: probe('getppid()', 'the cheapest real system call: into the kernel and straight back', 'op=getppid'),
  syscall_clock_gettime: probe('clock_gettime() as a syscall', 'the vDSO\'s question asked through the kernel: syscall(SYS_clock_gettime)', 'op=clock_gettime'),
  read_file_hit: probe('read() of a cached file', 'pread() of 16 bytes already in the page cache', 'fd=file&cache=hit&api=pread'),
  read_file_cold: probe('read() of an uncached file', '16 bytes of a block never read before: a trip to the device', 'fd=file&cache=miss&api=pread'),
  read_direct: probe('O_DIRECT read', '4 KiB straight from the device, past the page cache, a new block each time', 'fd=file&direct=on&bytes=4096&api=pread'),
  read_pipe: probe('read() from a pipe', '16 bytes already waiting in the pipe', 'fd=pipe'),
  read_unix: probe('read() from an AF_UNIX socket', '16 bytes already waiting in the socket', 'fd=unix'),
  read_tcp: probe('read() from a TCP socket', '16 bytes already waiting, over loopback', 'fd=tcp'),
  read_ptraced: probe('read() under a ptrace tracer', 'a cached read while a bare tracer stops it at entry and exit', 'fd=file&cache=hit&api=pread&tracer=ptrace'),
  write_file: probe('write() to a cached file', 'pwrite() of 16 bytes into a block already in the page cache: it ends in RAM, dirty', 'op=write&fd=file&cache=hit&api=pread'),
  fsync_file: probe('write() + fsync()', '4 KiB pwrite() then fsync(), back to back: the data made durable on the drive', 'op=fsync&fd=file&bytes=4096&api=pread'),
  fdatasync_file: probe('write() + fdatasync()', '4 KiB pwrite() then fdatasync(): the data durable, the timestamps may wait', 'op=fdatasync&fd=file&bytes=4096&api=pread'),
  write_pipe_wakeup: probe('Pipe write that wakes a reader', 'the writer\'s write() alone, with a reader asleep on the pipe', 'op=write&fd=pipe&wait=on'),
  // the writer's call (a pipe read's cost, until writes are modelled), then the switch away from the writer and the reader from its wake-up on
  pipe_wakeup: {
    title: 'Pipe wake-up', what: 'from a writer\'s write() to the sleeping reader\'s return: wake-up and switch',
    terms: [term('fd=pipe', { what: 'the writer\'s write(), modelled as a pipe read' }), term('fd=pipe&wait=on', { from: 'pipe_wait', main: true })],
  },
  // two threads on one CPU: a round trip is two writes and two reads that sleep
  pipe_pingpong_rtt: {
    title: 'Pipe ping-pong', what: 'two threads on one CPU, 16 bytes each way through two pipes: one round trip',
    terms: [term('fd=pipe', { times: 2, what: 'two write()s, modelled as pipe reads' }), term('fd=pipe&wait=on', { times: 2, main: true })],
  },
};
for (const n of [1, 8, 32, 128]) {
  PROBES[`io_uring_batch_${n}`] = probe(`io_uring, ${n} read${n === 1 ? '' : 's'} per enter`,
    `cost per read of a cached file when ${n === 1 ? 'each read gets its own' : `${n} reads share one`} io_uring_enter`,
    `fd=file&cache=hit&api=io_uring&batch=${n}`);
}

/** Words for each probe id: a title and what it times. */
export const PROBE_LABELS = Object.fromEntries(Object.entries(PROBES).map(([id, { title, what }]) => [id, { title, what }]));

/** The stage groups a person reads the probes in, in page order. */
export const PROBE_GROUPS = [
  { id: 'no_syscall', title: 'Calls without a syscall', what: 'never enter the kernel',
    probes: ['function_call', 'vdso_clock_gettime'] },
  { id: 'syscall', title: 'The syscall itself', what: 'into the kernel and back, no work inside',
    probes: ['syscall_getppid', 'syscall_clock_gettime'] },
  { id: 'cached', title: 'Cached reads', what: 'from the page cache, one by one or batched through io_uring',
    probes: ['read_file_hit', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128'] },
  { id: 'device', title: 'Reads that reach the device', what: 'the task sleeps while the disk works',
    probes: ['read_file_cold', 'read_direct'] },
  { id: 'ipc', title: 'Pipes and sockets', what: 'the same read() through another file_operations table',
    probes: ['read_pipe', 'read_unix', 'read_tcp'] },
  { id: 'sleep', title: 'Sleeping and tracing', what: 'costs paid in the scheduler',
    probes: ['pipe_wakeup', 'pipe_pingpong_rtt', 'write_pipe_wakeup', 'read_ptraced'] },
  { id: 'write', title: 'Writes and syncs', what: 'a write ends in RAM; fsync waits for the drive',
    probes: ['write_file', 'fdatasync_file', 'fsync_file'] },
];

/** The title and description of a probe; unknown ids (the schema may grow) show as themselves. */
export function probeLabel(id) {
  return PROBE_LABELS[id] ?? { title: id, what: '' };
}

/**
 * The probes sorted into PROBE_GROUPS, in group order; probes with unknown ids go into a last
 * group, "Other probes". Empty groups are left out.
 * groupProbes([{ id: 'read_pipe', ... }]) -> [{ id: 'ipc', title, what, probes: [probe] }]
 */
export function groupProbes(probes = []) {
  const byId = new Map(probes.map((p) => [p.id, p]));
  const known = new Set(PROBE_GROUPS.flatMap((g) => g.probes));
  const groups = PROBE_GROUPS.map((g) => ({ ...g, probes: g.probes.filter((id) => byId.has(id)).map((id) => byId.get(id)) }));
  const other = probes.filter((p) => !known.has(p.id));
  if (other.length) groups.push({ id: 'other', title: 'Other probes', what: 'probes this page has no words for yet', probes: other });
  return groups.filter((g) => g.probes.length > 0);
}

const measured = (p) => !p.skipped && p.median_ns > 0;

/** measured / predicted: the document's `ratio`, else computed; NaN without a prediction. */
export function ratioOf(p) {
  if (!measured(p)) return NaN;
  if (Number.isFinite(p.ratio)) return p.ratio;
  if (p.predicted_ns > 0) return p.median_ns / p.predicted_ns;
  return NaN;
}

/** How far a figure is from the measurement, as the band counts it: (figure - measured) / measured. */
export function errorOf(figureNs, measuredNs) {
  return measuredNs > 0 && Number.isFinite(figureNs) ? figureNs / measuredNs - 1 : NaN;
}

/** An error as a signed percentage: 0.312 -> "+31%", -0.09 -> "−9%". */
export function formatError(e) {
  if (!Number.isFinite(e)) return '—';
  const pct = round(e * 100);
  return pct === 0 ? '0%' : `${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`;
}

/**
 * What the leave-one-out prediction of a probe says:
 *   { kind: 'skipped' | 'good' | 'off' | 'none', ratio, error, text }
 * 'good' and 'off' follow the document's `within`; only a document without it (older or hand
 * made) is judged here, by the same rule. 'none': measured, but nothing predicted it.
 */
export function classify(p, band = BAND) {
  if (p.skipped) return { kind: 'skipped', ratio: NaN, error: NaN, text: 'did not run' };
  if (!measured(p) || !(p.predicted_ns > 0)) return { kind: 'none', ratio: NaN, error: NaN, text: 'no prediction' };
  const ratio = ratioOf(p);
  const error = errorOf(p.predicted_ns, p.median_ns);
  const within = typeof p.within === 'boolean' ? p.within : withinBand(p.median_ns, p.predicted_ns, band);
  if (within) return { kind: 'good', ratio, error, text: `within ${bandText(band)}` };
  return { kind: 'off', ratio, error, text: `${Math.abs(round(error * 100))}% too ${error > 0 ? 'high' : 'low'}` };
}

/** The unfitted preset against the measurement, by the document's rule: { within, error } or null. */
export function modelVerdict(p, band = BAND) {
  if (!measured(p) || !(p.model_ns > 0)) return null;
  return { within: withinBand(p.median_ns, p.model_ns, band), error: errorOf(p.model_ns, p.median_ns) };
}

/** measured / predicted with two decimals, so 1.26× and 1.35× read apart: 0.734 -> "0.73×". */
export function formatMeasuredRatio(ratio) {
  return Number.isFinite(ratio) && ratio > 0 ? `${(round(ratio * 100) / 100).toFixed(2)}×` : '—';
}

/** The spread of a probe's round medians (max / min): 1.192 -> "1.19×"; '' when not in rounds. */
export function formatSpread(p) {
  return Number.isFinite(p?.spread) && p.spread >= 1 ? `${(round(p.spread * 100) / 100).toFixed(2)}×` : '';
}

// Rounds half up after dropping binary noise: 1.345 * 100 is 134.49999999999997, meant as 134.5.
function round(x) {
  return Math.round(Number(x.toPrecision(12)));
}

/**
 * The scores of a document: the fitted model's (leave one out, from the document's verdict and
 * `within`) and the unfitted preset's (model_ns, by the same rule), with the headline words.
 * Returns { band, predicted, within, off, modelScored, modelWithin, skipped, none, text,
 * modelText, skippedText, agrees } where `agrees` says the rows add up to the document's verdict.
 */
export function summarize(doc = {}) {
  const probes = Array.isArray(doc) ? doc : doc.probes ?? [];
  const band = Array.isArray(doc) ? BAND : bandOf(doc);
  const n = { predicted: 0, within: 0, off: 0, modelScored: 0, modelWithin: 0, skipped: 0, none: 0 };
  for (const p of probes) {
    const { kind } = classify(p, band);
    if (kind === 'skipped') n.skipped++;
    else if (kind === 'none') n.none++;
    else {
      n.predicted++;
      if (kind === 'good') n.within++;
      else n.off++;
    }
    const m = modelVerdict(p, band);
    if (m && kind !== 'skipped') {
      n.modelScored++;
      if (m.within) n.modelWithin++;
    }
  }
  const verdict = Array.isArray(doc) ? null : doc.verdict;
  const agrees = !verdict || (verdict.within === n.within && verdict.predicted === n.predicted);
  const within = Number.isInteger(verdict?.within) ? verdict.within : n.within;
  const predicted = Number.isInteger(verdict?.predicted) ? verdict.predicted : n.predicted;
  const b = bandText(band);
  const text = predicted === 0
    ? 'No prediction could be tested'
    : `${within} of ${predicted} prediction${predicted === 1 ? '' : 's'} within ${b}`;
  const modelText = n.modelScored === 0 ? '' : `${n.modelWithin} of ${n.modelScored} within ${b}`;
  const skippedText = n.skipped ? `${n.skipped} probe${n.skipped === 1 ? '' : 's'} could not run` : '';
  return { ...n, band, within, predicted, text, modelText, skippedText, agrees };
}

/**
 * Where a ratio sits on a log axis from 1/span to span, as a fraction 0..1 (1× at 0.5), for the
 * small bar beside each probe. Values outside are pinned to the ends and flagged `clamped`.
 * ratioPosition(1) -> { at: 0.5, clamped: false }; ratioPosition(3) -> { at: 1, ... }.
 */
export function ratioPosition(ratio, span = 3) {
  if (!(ratio > 0)) return { at: 0.5, clamped: false };
  const t = 0.5 + Math.log(ratio) / Math.log(span) / 2;
  return { at: Math.min(1, Math.max(0, t)), clamped: t < 0 || t > 1 };
}

/**
 * The band on the same axis of measured / predicted: within means predicted in
 * [(1 - band), (1 + band)] x measured, so the ratio lies in [1 / (1 + band), 1 / (1 - band)].
 */
export function toleranceBand(span = 3, band = BAND) {
  return { from: ratioPosition(1 / (1 + band), span).at, to: ratioPosition(1 / (1 - band), span).at };
}

const onOff = (v) => (v === true ? 'on' : v === false ? 'off' : 'unknown');

/** The main clause of a /sys/devices/system/cpu/vulnerabilities line: "Mitigation: X; Y" -> "X". */
export function mitigationSummary(text) {
  if (!text) return '';
  const first = String(text).split(';')[0].trim();
  return first.replace(/^Mitigation:\s*/, '') || first;
}

/**
 * The host facts as lines a person reads: [{ key, label, value, detail }]. `model` (optional,
 * sysjourney.model/1) supplies device titles.
 */
export function hostFacts(host = {}, model = null) {
  const lines = [];
  const add = (key, label, value, detail = '') => lines.push({ key, label, value, detail });
  add('cpu', 'CPU', host.cpu_model || 'unknown');
  const source = { tsc: 'timed from the TSC', cpuinfo: 'as /proc/cpuinfo reports it' }[host.ghz_source] ?? host.ghz_source ?? '';
  add('clock', 'Clock', host.ghz > 0 ? `${host.ghz} GHz` : 'unknown', host.ghz > 0 ? source : '');
  add('kernel', 'Kernel', host.kernel ? `Linux ${host.kernel}` : 'unknown');
  const pcid = host.pcid === true ? 'available' : host.pcid === false ? 'not available' : 'unknown';
  const meltdown = host.mitigations?.meltdown;
  add('kpti', 'Page-table isolation', `KPTI ${onOff(host.kpti)} · PCID ${pcid}`, meltdown ? `Meltdown: ${meltdown}` : '');
  const spectre = host.mitigations?.spectre_v2;
  if (spectre) add('spectre', 'Spectre v2', mitigationSummary(spectre), spectre);
  const vm = host.virtualized;
  add('machine', 'Machine', vm === true ? 'virtual machine' : vm === false ? 'bare metal' : 'unknown',
    vm === true ? 'the CPU reports a hypervisor' : vm === false ? 'no hypervisor reported by the CPU' : '');
  const device = model?.devices?.find((d) => d.id === host.device)?.title ?? (host.device && host.device !== 'unknown' ? host.device : 'unknown device');
  const storage = [host.block_device ? `${host.block_device}: ${device}` : device];
  if (host.rotational === true) storage.push('reports itself rotational');
  if (host.rotational === false) storage.push('non-rotational');
  if (host.scheduler) storage.push(`I/O scheduler ${host.scheduler}`);
  add('storage', 'Probe files', `${host.dir || 'a temporary directory'} on ${host.fs || 'an unknown filesystem'}`, storage.join(' · '));
  return lines;
}

/** The host in one line: "Intel(R) Xeon(R) Processor · 2.1 GHz · Linux 6.18.44 · virtual machine". */
export function hostLine(host = {}) {
  const parts = [host.cpu_model || 'unknown CPU'];
  if (host.ghz > 0) parts.push(`${host.ghz} GHz`);
  if (host.kernel) parts.push(`Linux ${host.kernel}`);
  if (host.virtualized === true) parts.push('virtual machine');
  if (host.virtualized === false) parts.push('bare metal');
  return parts.join(' · ');
}

/**
 * How busy the machine was while it was measured (the document's `load`):
 * { known, busy, text, detail }. A file without a load record says nothing either way.
 */
export function loadFacts(load) {
  if (!load || typeof load !== 'object') {
    return { known: false, busy: false, text: 'The file does not say how busy the machine was while it was measured.', detail: '' };
  }
  const figures = [];
  const pct = (v) => `${Math.round(v * 10) / 10}%`;
  if (Number.isFinite(load.steal_pct)) figures.push(`steal ${pct(load.steal_pct)}`);
  if (Number.isFinite(load.delay_pct)) figures.push(`waited for its CPU ${pct(load.delay_pct)}`);
  if (Number.isFinite(load.other_cpus_pct)) figures.push(`other CPUs ${pct(load.other_cpus_pct)} busy`);
  if (Number.isFinite(load.run_queue)) figures.push(`run queue ${load.run_queue}`);
  if (Number.isFinite(load.rounds)) {
    figures.push(Number.isFinite(load.busy_rounds) && load.busy_rounds > 0
      ? `${load.busy_rounds} of ${load.rounds} rounds busy`
      : `${load.rounds} rounds`);
  }
  if (load.retries > 0) figures.push(`${load.retries} ${load.retries === 1 ? 'retry' : 'retries'}`);
  const detail = figures.join(' · ');
  if (load.busy) {
    const why = String(load.reason || 'other programs were using the CPUs').replace(/[.\s]+$/, '');
    return {
      known: true, busy: true, detail,
      text: `The machine was busy while it was measured: ${why}. Its figures are noisier than a quiet machine's; measure again when it is idle.`,
    };
  }
  return { known: true, busy: false, text: `The machine was quiet while it was measured${detail ? ':' : '.'}`, detail };
}

const PARAMETER_LABELS = {
  user: 'User-space work',
  trap: 'Kernel entry and exit',
  kernel: 'Kernel work',
  tax: 'Mitigation taxes',
  wake: 'Sleep and wake-up',
  device: 'The device',
  vmexit: 'VM exits',
};

/** The word for a fitted parameter or scale class. */
export function parameterLabel(name) {
  return PARAMETER_LABELS[name] ?? name;
}

/**
 * The fit in words: { preset, presetTitle, ghz, parameters: [{ name, label, value, sigma,
 * fitted, probes }] }. Each value multiplies what the closest preset says (0.5 = this machine
 * does that work in half the preset's time); a parameter fewer than two probes depend on is
 * not fitted and stays at 1.
 */
export function profileFacts(doc = {}, model = null) {
  const profile = doc.profile ?? {};
  const preset = doc.preset ?? profile.cpu ?? '';
  const presetTitle = model?.cpus?.find((c) => c.id === preset)?.title ?? preset;
  const parameters = (doc.parameters ?? []).filter((p) => p && typeof p.name === 'string').map((p) => ({
    name: p.name, label: parameterLabel(p.name), value: p.value, sigma: p.sigma, fitted: Boolean(p.fitted), probes: p.probes ?? [],
  }));
  return { preset, presetTitle, ghz: profile.ghz, device: profile.device, parameters };
}

/** A factor as words: 0.534 -> { text: '0.53×', verdict: 'faster than the preset' }. */
export function describeScale(factor, fitted = true) {
  if (!fitted) return { text: '1×', verdict: 'not fitted: too few probes depend on it' };
  const f = Math.round(factor * 100) / 100;
  if (f === 1) return { text: '1×', verdict: 'as the preset' };
  return { text: `${f}×`, verdict: f < 1 ? 'faster than the preset' : 'slower than the preset' };
}

/** A relative standard error as "±12%"; '' when there is none. */
export function formatSigma(sigma) {
  return Number.isFinite(sigma) && sigma > 0 ? `±${round(sigma * 100)}%` : '';
}

/** All notes of a document: the host's, the measurement's and the fit's. */
export function notesOf(doc = {}) {
  return [...(doc.host?.notes ?? []), ...(doc.notes ?? []), ...(doc.fit_notes ?? [])].filter(Boolean);
}

/** The host facts the fit had to assume because the document left them out. */
export function defaultsOf(doc = {}) {
  return (doc.defaults ?? []).filter(Boolean).map(String);
}

/** "p99 of calls" or "p99 of batch means" for a probe's p99_ns. */
export function p99Label(p) {
  return p?.p99_of === 'batch_means' ? 'p99 of batch means' : p?.p99_of === 'calls' ? 'p99 of calls' : 'p99';
}

// --- the probes on the trace ---------------------------------------------------------------

/** What each probe times, in the model's terms (see PROBES): { id: [{ q, main, times, from, what }] }. */
export const PROBE_TERMS = Object.fromEntries(Object.entries(PROBES).map(([id, { terms }]) => [id, terms]));

// The options of a call (not of the machine) that decide which journey it is.
const CALL = ['op', 'fd', 'cache', 'direct', 'bytes', 'api', 'batch', 'tracer', 'wait', 'nonblock', 'sync', 'full'];
const DEFAULT_CALL = { op: 'read', fd: 'file', cache: 'miss', direct: false, bytes: 16, api: 'read', batch: 1, tracer: 'none', wait: false, nonblock: false, sync: 'none', full: false };

function callOf(query) {
  const s = { ...DEFAULT_CALL };
  for (const [k, v] of new URLSearchParams(query)) {
    if (!CALL.includes(k)) continue;
    if (k === 'bytes' || k === 'batch') s[k] = Number(v);
    else if (k === 'direct' || k === 'wait' || k === 'nonblock' || k === 'full') s[k] = v === 'on';
    else s[k] = v;
  }
  return s;
}

// Two calls are the same journey when every option that matters for them agrees; read() and
// pread() of a file take the same path (the probes use pread so the offset stays put).
function sameCall(a, b) {
  if (a.op !== b.op) return false;
  const writes = ['write', 'fsync', 'fdatasync'];
  if (a.op !== 'read' && !writes.includes(a.op)) return a.op === 'getppid' || a.op === 'clock_gettime' ? a.tracer === b.tracer : true;
  if (writes.includes(a.op) && (a.sync !== b.sync || Boolean(a.full) !== Boolean(b.full))) return false;
  if (a.fd !== b.fd || a.tracer !== b.tracer || a.bytes !== b.bytes) return false;
  const api = (x) => (x === 'pread' ? 'read' : x);
  if (api(a.api) !== api(b.api)) return false;
  if (String(a.api).startsWith('io_uring') && a.batch !== b.batch) return false;
  if (a.fd === 'file') {
    if (Boolean(a.direct) !== Boolean(b.direct)) return false;
    return a.direct || a.cache === b.cache;
  }
  return Boolean(a.wait) === Boolean(b.wait) && (!a.wait || Boolean(a.nonblock) === Boolean(b.nonblock));
}

/**
 * The probes of a document that time the journey on screen (whose scenario is
 * journey.scenario), with the stages they cover:
 *   [{ probe, id, from, to, times, coveredNs, others: [{ q, times, from, what }] }]
 * `from`..`to` are stage indices; coveredNs sums those stages of this journey; `others` are the
 * probe's journeys that are not on screen (priced separately by the caller). Probes that did
 * not run, or whose first stage this journey lacks, are left out.
 */
export function probesOnTrace(journey, doc) {
  const sc = journey?.scenario;
  const stages = journey?.stages ?? [];
  if (!sc || !stages.length) return [];
  const call = { ...DEFAULT_CALL, ...Object.fromEntries(CALL.filter((k) => sc[k] !== undefined).map((k) => [k, sc[k]])) };
  const out = [];
  for (const p of doc?.probes ?? []) {
    const terms = PROBE_TERMS[p.id];
    if (!terms || !measured(p)) continue;
    const main = terms.find((t) => t.main);
    if (!sameCall(callOf(main.q), call)) continue;
    const from = main.from ? stages.findIndex((st) => st.id === main.from) : 0;
    if (from < 0) continue;
    const to = stages.length - 1;
    const coveredNs = stages.slice(from, to + 1).reduce((sum, st) => sum + (st.ns || 0), 0);
    out.push({
      probe: p, id: p.id, from, to, times: main.times ?? 1, coveredNs,
      others: terms.filter((t) => !t.main).map((t) => ({ q: t.q, times: t.times ?? 1, from: t.from ?? '', what: t.what ?? t.q })),
    });
  }
  return out;
}

/** The time of a journey from stage `from` (an id; '' = all) on. */
export function journeyNsFrom(journey, from = '') {
  const stages = journey?.stages ?? [];
  const i = from ? stages.findIndex((st) => st.id === from) : 0;
  return i < 0 ? NaN : stages.slice(i).reduce((sum, st) => sum + (st.ns || 0), 0);
}

// --- errors ----------------------------------------------------------------------------------

/**
 * How to show a failed measurement: { title, detail } from an EngineError (status 429 busy,
 * 403 switched off, 500 failed, 0 or other: no server).
 */
export function measureError(err) {
  const msg = String(err?.message ?? err ?? '').trim();
  switch (err?.status) {
    case 429:
      return { title: 'Another measurement is running on this machine.', detail: 'Only one runs at a time, so they do not disturb each other\'s timings. Try again in a moment.' };
    case 403:
      return { title: 'This server does not allow measuring.', detail: `${msg ? `${sentence(msg)} ` : ''}To measure your own machine, run \`sysjourney serve\` on it and open the address it prints.` };
    case 500:
      return { title: 'The measurement failed.', detail: sentence(msg || 'The server gave no reason') };
    default:
      return { title: 'Cannot measure from here.', detail: sentence(msg || NEEDS_SERVER) };
  }
}

/**
 * How to show a measure file that could not be fitted: { title, detail, field, value, allowed }
 * from an EngineError (400 names the offending field) or a problem found before sending.
 */
export function fitError(err, fileName = '') {
  const name = fileName ? ` ${fileName}` : '';
  const msg = sentence(String(err?.message ?? err ?? '').trim() || 'The engine gave no reason');
  const refused = err?.status === 400 || err?.status === 413 || err?.field;
  return {
    title: refused ? `The measure file${name} cannot be fitted.` : `The measure file${name} could not be fitted here.`,
    detail: msg,
    field: err?.field ? String(err.field) : '',
    value: err?.value !== undefined && err?.value !== null ? String(err.value) : '',
    allowed: err?.allowed ? String(err.allowed) : '',
  };
}

function sentence(s) {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
