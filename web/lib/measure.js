// "Measure this machine": the words and sums for a sysjourney.measure/1 answer. Pure: no DOM.
//
// Each probe times one real operation on the server's machine. Five of them (`fitted: true`)
// were used to fit the model to the machine; every other one is a prediction that the
// measurement tests: ratio = measured median / calibrated model.

/** Where measuring is impossible (no server behind the page), this tells the person what to do. */
export const NEEDS_SERVER = 'Measuring needs the sysjourney server: run `sysjourney serve` on the machine you want to '
  + 'measure and open the address it prints.';

/** A prediction counts as good when measured / calibrated lies within 1 ± TOLERANCE. */
export const TOLERANCE = 0.3;
const LOW = 1 - TOLERANCE;
const HIGH = 1 + TOLERANCE;

const uring = (n) => ({
  title: `io_uring, ${n} read${n === 1 ? '' : 's'} per enter`,
  what: `cost per read of a cached file when ${n === 1 ? 'each read gets its own' : `${n} reads share one`} io_uring_enter`,
});

/** Words for each probe id: a title and what it times. */
export const PROBE_LABELS = {
  function_call: { title: 'Function call', what: 'an empty function: no kernel at all' },
  vdso_clock_gettime: { title: 'clock_gettime() via the vDSO', what: 'reads the clock in user space, no trap' },
  syscall_getppid: { title: 'getppid()', what: 'the cheapest real system call: into the kernel and straight back' },
  read_file_hit: { title: 'read() of a cached file', what: '16 bytes already in the page cache' },
  read_file_cold: { title: 'read() of an evicted file', what: '16 bytes after the page was dropped from the cache: a trip to the device' },
  read_direct: { title: 'O_DIRECT read', what: '4 KiB straight from the device, past the page cache' },
  read_pipe: { title: 'read() from a pipe', what: '16 bytes already waiting in the pipe' },
  read_unix: { title: 'read() from an AF_UNIX socket', what: '16 bytes already waiting in the socket' },
  read_tcp: { title: 'read() from a TCP socket', what: '16 bytes already waiting, over loopback' },
  io_uring_batch_1: uring(1),
  io_uring_batch_8: uring(8),
  io_uring_batch_32: uring(32),
  io_uring_batch_128: uring(128),
  read_ptraced: { title: 'read() under a ptrace tracer', what: 'a cached read while a bare tracer stops it at entry and exit' },
  pipe_wakeup: { title: 'Pipe wake-up', what: 'the reader sleeps on an empty pipe until a writer sends: sleep, wake-up, switch back' },
};

/** The stage groups a person reads the probes in, in page order. */
export const PROBE_GROUPS = [
  { id: 'no_syscall', title: 'Calls without a syscall', what: 'Baselines that never enter the kernel.',
    probes: ['function_call', 'vdso_clock_gettime'] },
  { id: 'syscall', title: 'The syscall itself', what: 'The toll for crossing into the kernel and back, with no work inside.',
    probes: ['syscall_getppid'] },
  { id: 'cached', title: 'Cached reads', what: 'Reads served from the page cache, one at a time or batched through io_uring.',
    probes: ['read_file_hit', 'io_uring_batch_1', 'io_uring_batch_8', 'io_uring_batch_32', 'io_uring_batch_128'] },
  { id: 'device', title: 'Reads that reach the device', what: 'The page is not in RAM: the kernel asks the disk and the task sleeps.',
    probes: ['read_file_cold', 'read_direct'] },
  { id: 'ipc', title: 'Pipes and sockets', what: 'The same read() through another file_operations table, with data waiting.',
    probes: ['read_pipe', 'read_unix', 'read_tcp'] },
  { id: 'sleep', title: 'Sleeping and tracing', what: 'Costs paid in the scheduler: a wake-up, and the stops of a tracer.',
    probes: ['pipe_wakeup', 'read_ptraced'] },
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
  if (other.length) groups.push({ id: 'other', title: 'Other probes', what: 'Probes this page has no words for yet.', probes: other });
  return groups.filter((g) => g.probes.length > 0);
}

/** measured / calibrated: the server's `ratio`, else computed; NaN when the probe did not run. */
export function ratioOf(p) {
  if (p.skipped) return NaN;
  if (Number.isFinite(p.ratio)) return p.ratio;
  if (p.median_ns > 0 && p.calibrated_ns > 0) return p.median_ns / p.calibrated_ns;
  return NaN;
}

/**
 * What a probe's ratio says:
 *   { kind: 'skipped' | 'fitted' | 'good' | 'off' | 'none', ratio, text }
 * 'fitted' probes were used for the fit, so their ratio is near 1 by construction and tests
 * nothing; 'good' and 'off' are predictions within or beyond ±30%.
 */
export function classify(p) {
  if (p.skipped) return { kind: 'skipped', ratio: NaN, text: 'did not run here' };
  const ratio = ratioOf(p);
  if (p.fitted) return { kind: 'fitted', ratio, text: 'fitted' };
  if (!Number.isFinite(ratio)) return { kind: 'none', ratio, text: 'no prediction' };
  if (ratio >= LOW && ratio <= HIGH) return { kind: 'good', ratio, text: `within ±${TOLERANCE * 100}%` };
  const pct = round(Math.abs(ratio - 1) * 100);
  return { kind: 'off', ratio, text: ratio > 1 ? `${pct}% slower than predicted` : `${pct}% faster than predicted` };
}

/** measured / calibrated with two decimals, so 1.26× and 1.35× read apart: 0.734 -> "0.73×". */
export function formatMeasuredRatio(ratio) {
  return Number.isFinite(ratio) && ratio > 0 ? `${(round(ratio * 100) / 100).toFixed(2)}×` : '—';
}

// Rounds half up after dropping binary noise: 1.345 * 100 is 134.49999999999997, meant as 134.5.
function round(x) {
  return Math.round(Number(x.toPrecision(12)));
}

/**
 * Counts over all probes, and the headline: "9 of 10 predictions within ±30%".
 * Returns { fitted, predicted, within, off, skipped, text, skippedText }.
 */
export function summarize(probes = []) {
  const n = { fitted: 0, predicted: 0, within: 0, off: 0, skipped: 0 };
  for (const p of probes) {
    const { kind } = classify(p);
    if (kind === 'skipped') n.skipped++;
    else if (kind === 'fitted') n.fitted++;
    else if (kind === 'good' || kind === 'off') {
      n.predicted++;
      if (kind === 'good') n.within++;
      else n.off++;
    }
  }
  const text = n.predicted === 0
    ? 'No prediction could be tested on this machine'
    : `${n.within} of ${n.predicted} prediction${n.predicted === 1 ? '' : 's'} within ±${TOLERANCE * 100}%`;
  const skippedText = n.skipped ? `${n.skipped} probe${n.skipped === 1 ? '' : 's'} could not run here` : '';
  return { ...n, text, skippedText };
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

/** The ±TOLERANCE band on the same axis: { from, to } as fractions 0..1. */
export function toleranceBand(span = 3) {
  return { from: ratioPosition(LOW, span).at, to: ratioPosition(HIGH, span).at };
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
  add('machine', 'Machine', host.virtualized ? 'virtual machine' : 'bare metal',
    host.virtualized ? 'the CPU reports a hypervisor' : 'no hypervisor reported by the CPU');
  const device = model?.devices?.find((d) => d.id === host.device)?.title ?? (host.device && host.device !== 'unknown' ? host.device : 'unknown device');
  const storage = [host.block_device ? `${host.block_device}: ${device}` : device];
  if (host.rotational === true) storage.push('reports itself rotational');
  if (host.rotational === false) storage.push('non-rotational');
  if (host.scheduler) storage.push(`I/O scheduler ${host.scheduler}`);
  add('storage', 'Probe files', `${host.dir || 'a temporary directory'} on ${host.fs || 'an unknown filesystem'}`, storage.join(' · '));
  return lines;
}

const SCALE_LABELS = {
  user: 'User-space work',
  trap: 'Kernel entry and exit',
  kernel: 'Kernel work',
  wake: 'Sleep and wake-up',
};

/**
 * The fitted profile in words:
 * { preset, presetTitle, ghz, scales: [{ id, label, factor }], deviceNs }
 * Scales are factors on the preset's cycle counts (0.5 = this machine does that work in half
 * the preset's time). 'none' (always 1) and 'device' (replaced by deviceNs) are left out.
 */
export function profileFacts(result = {}, model = null) {
  const profile = result.profile ?? {};
  const preset = result.preset ?? profile.cpu ?? '';
  const presetTitle = model?.cpus?.find((c) => c.id === preset)?.title ?? preset;
  const scales = Object.entries(profile.scales ?? {})
    .filter(([id, f]) => id !== 'none' && id !== 'device' && Number.isFinite(f))
    .sort(([a], [b]) => order(a) - order(b))
    .map(([id, factor]) => ({ id, label: SCALE_LABELS[id] ?? id, factor }));
  return { preset, presetTitle, ghz: profile.ghz, scales, deviceNs: profile.device_ns, device: profile.device };
}

function order(id) {
  const i = Object.keys(SCALE_LABELS).indexOf(id);
  return i < 0 ? 99 : i;
}

/** A scale factor as words: 0.53 -> "0.53×", and whether the machine is faster or slower there. */
export function describeScale(factor) {
  if (factor === 1) return { text: '1×', verdict: 'kept from the preset' }; // not fitted here
  const f = Math.round(factor * 100) / 100;
  if (f === 1) return { text: '1×', verdict: 'about as the preset' };
  return { text: `${f}×`, verdict: f < 1 ? 'faster than the preset' : 'slower than the preset' };
}

/** All notes of an answer: the host's and the calibration's. */
export function notesOf(result = {}) {
  return [...(result.host?.notes ?? []), ...(result.notes ?? [])].filter(Boolean);
}

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

function sentence(s) {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
