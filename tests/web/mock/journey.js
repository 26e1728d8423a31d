// A stand-in for the C++ engine, only good enough to exercise the page: it assembles a journey
// following the JSON contract of /api/run (core/format.cc). What a journey is made of is the
// engine's: the stages (ids, titles, short names, lanes, functions, explanations, costs), the
// paths and their results come from the real engine through mock/refit.sh (fixtures/model.json's
// stages, paths and sources, fixtures/results.json), and the routes below follow the engine's
// (mock/refit.sh checks them against the real engine, scenario by scenario). What the mock does
// not do is the engine's pricing: no CPU scale factors, mitigation taxes, VM exits, warm caches
// or write model; its CPU presets (fixtures/model.json's cpus) and the few costs in
// fixtures/costs.json are its own. The real numbers and rules live in the C++ engine and model/.
import { readFileSync } from 'node:fs';

const here = new URL('./fixtures/', import.meta.url);
const fixture = (name) => {
  const doc = JSON.parse(readFileSync(new URL(name, here), 'utf8'));
  delete doc._comment;
  return doc;
};
export const MODEL = fixture('model.json');
const COSTS = fixture('costs.json');
const RESULTS = fixture('results.json');
const CATALOGUE = new Map(MODEL.stages.map((s) => [s.id, s]));

export const FORMATS = ['json', 'csv', 'trace-event'];

/** A request the engine refuses: becomes HTTP 400 with these fields. */
export class ScenarioError extends Error {
  // errno: set when the refusal is what the kernel itself answers to that call ("EINVAL").
  constructor(message, field, value, allowed, errno = '') {
    super(message);
    this.field = field;
    this.value = value;
    this.allowed = allowed;
    this.errno = errno;
  }
}

/** The engine's refusal of one value (core/scenario.cc's option_error). */
const invalid = (field, value, allowed, why = '') => new ScenarioError(why || `invalid value '${value}' for ${field}: allowed ${allowed}`, field, value, allowed);

// The options as the model lists them, like the engine's one table: a flag's values are on/off,
// a number has a range; any other option is a choice of its values.
const isFlag = (key) => ['off', 'on'].join() === [...(MODEL.options[key] ?? [])].sort().join();
// Options the mock accepts and ignores (the engine's warm caches: no difference here).
const IGNORED = ['warm'];

// As the engine's parse_flag, parse_number and parse_size.
function parseFlag(value) {
  const v = value.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  return undefined;
}
function parseNumber(value) {
  if (!value || value.length > 32 || !/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
function parseSize(value) {
  const m = /^([\d.]*)(.*)$/.exec(value);
  const n = parseNumber(m[1]);
  const mult = { '': 1, b: 1, k: 1024, kib: 1024, kb: 1024, m: 1024 ** 2, mib: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3, gb: 1024 ** 3 }[m[2].toLowerCase()];
  return n === undefined || mult === undefined ? undefined : n * mult;
}

/** Parses query parameters (URLSearchParams) into a complete scenario, or throws ScenarioError. */
export function parseScenario(params) {
  const s = { ...MODEL.defaults };
  let profile = null;
  for (const [key, value] of params) {
    if (key in MODEL.ranges) {
      const [lo, hi] = MODEL.ranges[key];
      const range = key === 'bytes' ? `${lo} to ${hi} (1GiB); suffixes k, M, G (KiB, MiB, GiB)` : `${lo} to ${hi}`;
      const n = key === 'bytes' ? parseSize(value) : parseNumber(value);
      if (n === undefined || n < lo || n > hi) throw invalid(key, value, range);
      if (key !== 'ghz' && !Number.isInteger(n)) throw invalid(key, value, `a whole number, ${range}`);
      s[key] = n;
    } else if (isFlag(key)) {
      const b = parseFlag(value);
      if (b === undefined) throw invalid(key, value, 'on, off');
      if (!IGNORED.includes(key)) s[key] = b;
    } else if (key in MODEL.options) {
      if (!MODEL.options[key].includes(value)) throw invalid(key, value, MODEL.options[key].join(', '));
      s[key] = value;
    } else if (key === 'profile') {
      profile = parseProfile(value);
    } else if (key === 'format') {
      if (!FORMATS.includes(value)) throw new ScenarioError(`invalid value '${value}' for format`, 'format', value, FORMATS.join(', '));
    } else {
      const allowed = MODEL.order.join(', ');
      throw new ScenarioError(`unknown option '${key}': allowed ${allowed}`, 'option', key, allowed);
    }
  }
  for (const k of IGNORED) delete s[k];
  s.profiled = Boolean(profile);
  if (profile) {
    // As the engine: the profile describes the host; explicit options still win. The mock knows
    // few presets, so a profile's CPU it does not know keeps the default preset.
    const given = new Set(params.keys());
    if (!given.has('cpu') && MODEL.options.cpu.includes(profile.cpu)) s.cpu = profile.cpu;
    for (const k of ['ghz', 'kpti', 'pcid']) if (!given.has(k) && profile[k] !== undefined) s[k] = profile[k];
    if (!given.has('device') && MODEL.options.device.includes(profile.device)) s.device = profile.device;
  }
  const cpu = MODEL.cpus.find((c) => c.id === s.cpu);
  for (const k of ['ghz', 'kpti', 'pcid']) if (s[k] === undefined) s[k] = cpu[k];
  if (!s.device) s.device = cpu.device;
  checkCombination(s);
  return s;
}

// The engine's refusals of a combination (core/scenario.cc's resolve_into, for reads), in its
// order. The baselines ignore the I/O options.
function checkCombination(s) {
  if (s.op !== 'read') return;
  const file = s.fd === 'file';
  const plain = s.api === 'read' || s.api === 'pread';
  const uring = s.api.startsWith('io_uring');
  if (s.bytes === 0 && !plain) throw invalid('bytes', '0', '1 or more here', 'read(fd, buf, 0) is modelled with api=read or pread');
  if (!file && !plain) {
    throw invalid('api', s.api, `read, pread for fd=${s.fd}`, `api=${s.api} is modelled for regular files only (fd=file); with fd=${s.fd} use read or pread`);
  }
  if (s.batch !== 1 && !uring) throw invalid('batch', String(s.batch), '1 unless api=io_uring', 'batch applies to api=io_uring and io_uring_sqpoll only');
  if (s.wait && file) throw invalid('wait', 'on', 'off for fd=file', 'wait applies to pipes and sockets: a regular file has data (or EOF) at once');
  if (s.direct) {
    if (!file) throw invalid('direct', 'on', `off for fd=${s.fd}`, 'direct (O_DIRECT) is modelled for regular files only (fd=file)');
    if (!plain) throw invalid('direct', 'on', `off with api=${s.api}`, 'direct (O_DIRECT) is modelled with api=read or pread');
    // The kernel itself refuses an O_DIRECT read of a size that is not a multiple of the logical
    // block, and the API says so with the errno.
    if (s.bytes % 512 !== 0) {
      throw new ScenarioError(`read() with O_DIRECT fails with EINVAL for ${s.bytes} bytes: the size (and the buffer and file offset) must be a multiple of the device's 512-byte logical block`,
        'bytes', String(s.bytes), 'multiples of 512 with direct', 'EINVAL');
    }
  }
}

// A sysjourney.profile/1 (from a fit) as the engine checks it, roughly: JSON, the schema, numbers.
function parseProfile(text) {
  let p;
  try {
    p = JSON.parse(text);
  } catch {
    throw new ScenarioError('profile: profile is not valid JSON', 'profile', '', 'sysjourney.profile/1 JSON');
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new ScenarioError('profile: profile must be a JSON object', 'profile', '', 'an object');
  if (p.schema !== 'sysjourney.profile/1') {
    throw new ScenarioError(`profile: profile schema '${p.schema ?? ''}' is not sysjourney.profile/1`, 'schema', String(p.schema ?? ''), 'sysjourney.profile/1');
  }
  if (p.ghz !== undefined && !(p.ghz >= 0.5 && p.ghz <= 6)) throw new ScenarioError(`profile: profile field 'ghz' is ${p.ghz}: allowed a number from 0.5 to 6`, 'ghz', String(p.ghz), 'a number from 0.5 to 6');
  return p;
}

// --- the routes: which stages a call goes through, as the engine's paths have them ---

// The block driver a device is served by: its queueing and its completion interrupt.
const DRIVERS = {
  nvme: ['nvme_queue_rq', 'nvme_irq'],
  optane: ['nvme_queue_rq', 'nvme_irq'],
  sata_ssd: ['mq_deadline', 'scsi_queue_rq', 'ahci_irq'],
  hdd: ['mq_deadline', 'scsi_queue_rq', 'ahci_irq'],
  virtio: ['mq_deadline', 'virtio_queue_rq', 'virtio_irq'],
};
// Each call's own dispatch stage (do_syscall_64 to its handler).
const DISPATCH = { read: 'dispatch', pread: 'dispatch_pread', sendfile: 'dispatch_sendfile', io_uring: 'dispatch_io_uring', getppid: 'dispatch_getppid' };
// The stages an io_uring_enter does once for the whole batch (the journey shows each read's share).
const PER_BATCH = new Set(['liburing_submit', 'syscall_insn', 'entry_swapgs', 'kpti_enter', 'spectre_entry', 'dispatch_io_uring', 'ptrace_entry_stop',
  'strace_decode', 'io_uring_enter', 'io_cqring_wait', 'wakeup_switch', 'exit_work', 'ptrace_exit_stop', 'strace_print', 'kpti_exit', 'sysret', 'sq_thread_poll']);

/** { path, ids } for a complete scenario: the engine's path id and its stage ids in order. */
export function route(s) {
  if (s.op === 'function_call' || s.op === 'vdso_clock_gettime') return { path: s.op, ids: [s.op] };
  const enter = (dispatch) => ['syscall_insn', 'entry_swapgs', ...(s.kpti ? ['kpti_enter'] : []), 'spectre_entry', dispatch,
    ...(s.tracer !== 'none' ? ['ptrace_entry_stop'] : []), ...(s.tracer === 'strace' ? ['strace_decode'] : [])];
  const leave = ['exit_work', ...(s.tracer !== 'none' ? ['ptrace_exit_stop'] : []), ...(s.tracer === 'strace' ? ['strace_print'] : []),
    ...(s.kpti ? ['kpti_exit'] : []), 'sysret'];
  const syscall = (dispatch, body) => ['libc_wrapper', ...enter(dispatch), ...body, ...leave, 'libc_return'];
  if (s.op === 'getppid') return { path: 'getppid', ids: syscall(DISPATCH.getppid, ['getppid_body']) };

  const checks = ['fd_lookup', 'vfs_read_checks', 'read_iter_call'];
  if (s.bytes === 0) return { path: 'read_zero', ids: syscall(DISPATCH[s.api], [...checks, 'zero_return']) };
  if (s.fd !== 'file') {
    const [read, wait, wakeup] = { pipe: ['pipe_read', 'pipe_wait', 'pipe_wakeup'], tcp: ['tcp_recvmsg', 'sk_wait_data', 'tcp_wakeup'], unix: ['unix_stream_read', 'unix_wait', 'unix_wakeup'] }[s.fd];
    const atime = s.fd === 'pipe' ? ['touch_atime'] : [];
    if (s.wait && s.nonblock) return { path: `${s.fd}_eagain`, ids: syscall(DISPATCH[s.api], [...checks, 'eagain_return']) };
    if (s.wait) return { path: `${s.fd}_wait`, ids: syscall(DISPATCH[s.api], [...checks, wait, wakeup, read, 'copy_to_user', ...atime]) };
    return { path: `${s.fd}_ready`, ids: syscall(DISPATCH[s.api], [...checks, read, 'copy_to_user', ...atime]) };
  }
  const [queue, irq] = [DRIVERS[s.device].slice(0, -1), DRIVERS[s.device].at(-1)];
  const hit = s.cache === 'hit';
  // A miss: the folios, the block request, the drive and its completion.
  const miss = (wait, woken) => ['readahead_alloc', 'ext4_map_blocks', 'block_submit', ...queue, ...wait, 'device_read', irq, 'folio_end_read', ...woken];
  if (s.direct) {
    return { path: 'file_direct', ids: syscall(DISPATCH[s.api], [...checks, 'ext4_dio_read_iter', 'block_submit', ...queue, 'io_schedule', 'device_read', irq,
      'dio_complete', 'wakeup_switch', 'touch_atime']) };
  }
  const lookup = ['ext4_file_read_iter', 'page_cache_lookup'];
  if (s.api === 'sendfile') {
    return { path: `sendfile_${s.cache}`, ids: syscall(DISPATCH.sendfile, ['fd_lookup', 'do_splice_direct', ...lookup, ...(hit ? [] : miss(['io_schedule'], ['wakeup_switch'])),
      'filemap_splice_read', 'splice_to_socket', 'touch_atime']) };
  }
  if (s.api === 'io_uring_sqpoll') {
    return { path: `io_uring_sqpoll_${s.cache}`, ids: ['sqe_prep', 'liburing_submit', 'sq_thread_poll', 'io_submit_sqe', ...lookup,
      ...(hit ? [] : miss([], ['io_async_wake'])), 'copy_to_user', 'touch_atime', 'io_cqe_post', 'cqe_reap'] };
  }
  if (s.api === 'io_uring') {
    return { path: `io_uring_${s.cache}`, ids: ['sqe_prep', 'liburing_submit', ...enter(DISPATCH.io_uring), 'io_uring_enter', 'io_submit_sqe', ...lookup,
      ...(hit ? [] : miss(['io_cqring_wait'], ['io_async_wake', 'wakeup_switch'])), 'copy_to_user', 'touch_atime', 'io_cqe_post', ...leave, 'cqe_reap'] };
  }
  return { path: `file_${s.cache}`, ids: syscall(DISPATCH[s.api], [...checks, ...lookup, ...(hit ? ['readahead_check'] : miss(['io_schedule'], ['wakeup_switch'])),
    'copy_to_user', 'touch_atime']) };
}

/** The cost of one stage as the model gives it ({ unit, typ, low, high, per_page?, source? }). */
function costOf(cat, s, cpu) {
  if (cat.id === 'spectre_entry') {
    // The engine prices the mitigations per CPU (they tax every stage); the mock's own presets
    // carry a flat cost here instead (fixtures/costs.json).
    const [typ, low, high] = COSTS.spectre_entry[cpu.mitigation];
    return { unit: 'cycles', typ, low, high };
  }
  if (cat.cost) return cat.cost;
  const key = { device: s.device, pcid: s.pcid ? 'on' : 'off' }[cat.cost_by];
  const c = cat.costs?.[key];
  if (!c) throw new Error(`mock: no cost for stage ${cat.id} by ${cat.cost_by}=${key}`);
  return c;
}

/** Builds a sysjourney.journey/1 object for a complete scenario. */
export function buildJourney(s) {
  const cpu = MODEL.cpus.find((c) => c.id === s.cpu);
  const { path, ids } = route(s);
  const uring = s.op === 'read' && s.api.startsWith('io_uring');
  const batch = uring ? s.batch : 1;
  const pages = Math.max(1, Math.ceil(s.bytes / 4096));
  const device = MODEL.devices.find((d) => d.id === s.device);
  let t = 0;
  const stages = ids.map((id) => {
    const cat = CATALOGUE.get(id);
    if (!cat) throw new Error(`mock: stage ${id} is not in fixtures/model.json (run mock/refit.sh)`);
    const cost = costOf(cat, s, cpu);
    const per = !uring ? 'read' : id === 'device_read' ? 'overlap' : PER_BATCH.has(id) ? 'batch' : 'read';
    // Bigger reads: more pages to look up, allocate and copy, more bytes for the drive to move.
    const extra = (k) => (cost.per_page ? cost.per_page[k] * (pages - 1) : 0) + (id === 'device_read' ? s.bytes / COSTS.devices[s.device].bytes_per_ns : 0);
    // A batch's shared work is split over its reads; its device reads overlap up to the device's parallelism.
    const share = per === 'batch' ? 1 / batch : per === 'overlap' ? Math.ceil(batch / (device?.parallelism ?? batch)) / batch : 1;
    const toNs = (v) => (cost.unit === 'cycles' ? v / s.ghz : v);
    const [typ, low, high] = ['typ', 'low', 'high'].map((k) => toNs((cost[k] + extra(k)) * share));
    const start = t;
    t += typ;
    return {
      id, title: cat.title, short: cat.short, lane: cat.lane, on_cpu: cat.on_cpu, visible_to: [...cat.visible_to], functions: [...cat.functions], explain: cat.explain,
      cycles: r3(typ * s.ghz), ns: r3(typ), share: 0, start_ns: r3(start), cumulative_ns: r3(t), low_ns: r3(low), high_ns: r3(high),
      tax_ns: 0, vm_ns: 0, unit: cost.unit, per, source: cost.source ?? cat.source, raw: typ, rawStart: start, rawLow: low, rawHigh: high,
    };
  });
  const sum = (f, pred = () => true) => stages.filter(pred).reduce((a, x) => a + f(x), 0);
  const ns = sum((x) => x.raw);
  for (const st of stages) st.share = ns > 0 ? Math.round((st.raw / ns) * 1e6) / 1e6 : 0;
  const totals = {
    stages: stages.length, cycles: r3(ns * s.ghz), ns: r3(ns),
    on_cpu_ns: r3(sum((x) => x.raw, (x) => x.on_cpu)), blocked_ns: r3(sum((x) => x.raw, (x) => !x.on_cpu)),
    low_ns: r3(sum((x) => x.rawLow)), high_ns: r3(sum((x) => x.rawHigh)),
    strace_visible_stages: stages.filter((x) => x.visible_to.includes('strace')).length, batch_ns: r3(ns * batch),
  };
  for (const st of stages) {
    // The CSV and the trace events are written from the unrounded figures, as the engine does.
    Object.defineProperty(st, 'exact', { value: { cycles: st.raw * s.ghz, ns: st.raw, start_ns: st.rawStart, low_ns: st.rawLow, high_ns: st.rawHigh } });
    for (const k of ['raw', 'rawStart', 'rawLow', 'rawHigh']) delete st[k];
  }
  const p = MODEL.paths.find((x) => x.id === path);
  if (!p || !(path in RESULTS)) throw new Error(`mock: path ${path} is not in the fixtures (run mock/refit.sh)`);
  return {
    schema: 'sysjourney.journey/1',
    scenario: Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'profiled')),
    path: { id: p.id, title: p.title },
    result: RESULTS[path],
    profiled: Boolean(s.profiled),
    stages,
    totals,
  };
}

// Three decimals, as core/format.cc writes its numbers.
function r3(x) {
  return Math.round(x * 1000) / 1000;
}

// --- the engine's other formats, written as core/format.cc writes them ---

const quote = (t) => `"${String(t).replace(/"/g, '""')}"`;

/** GET api/run?...&format=csv: one line per stage, text fields quoted, "\n" line ends. */
export function journeyCsv(j) {
  const lines = ['index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source'];
  j.stages.forEach((st, i) => {
    const x = st.exact ?? st;
    lines.push([i + 1, st.id, quote(st.title), st.lane, st.on_cpu ? 'true' : 'false', x.cycles.toFixed(1), x.ns.toFixed(3),
      st.share.toFixed(6), x.start_ns.toFixed(3), x.low_ns.toFixed(3), x.high_ns.toFixed(3), st.per,
      quote(st.visible_to.join(' ')), st.source].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** GET api/run?...&format=trace-event: Chrome's trace events, a thread per lane. */
export function journeyTraceEvent(j) {
  const lanes = ['user', 'kernel', 'hardware'];
  const names = ['USER · ring 3', 'KERNEL · ring 0', 'HARDWARE'];
  const events = [{ ph: 'M', pid: 1, tid: 0, name: 'process_name', args: { name: `read() ${j.path.title}` } }];
  lanes.forEach((_, i) => {
    events.push({ ph: 'M', pid: 1, tid: i + 1, name: 'thread_name', args: { name: names[i] } });
    events.push({ ph: 'M', pid: 1, tid: i + 1, name: 'thread_sort_index', args: { sort_index: i } });
  });
  for (const st of j.stages) {
    events.push({
      ph: 'X', pid: 1, tid: lanes.indexOf(st.lane) + 1, name: st.title, cat: st.on_cpu ? 'on_cpu' : 'blocked',
      ts: (st.exact ?? st).start_ns / 1000, dur: (st.exact ?? st).ns / 1000, args: { id: st.id, cycles: st.cycles, functions: st.functions.join(', '), source: st.source },
    });
  }
  return sortKeys({ traceEvents: events, displayTimeUnit: 'ns', otherData: { schema: 'sysjourney.journey/1', path: j.path.id } });
}

// The engine writes this one with nlohmann::json, whose objects keep their keys sorted.
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** GET api/compare: both journeys, the ratio (4 decimals) and a row per stage id, a's then b's. */
export function compareJourneys(a, b) {
  const rows = [];
  for (const [side, j] of [['a_ns', a], ['b_ns', b]]) {
    for (const st of j.stages) {
      let r = rows.find((x) => x.id === st.id);
      if (!r) rows.push((r = { id: st.id, title: st.title, a_ns: null, b_ns: null }));
      r[side] = (r[side] ?? 0) + (st.exact ?? st).ns;
    }
  }
  for (const r of rows) for (const side of ['a_ns', 'b_ns']) if (r[side] !== null) r[side] = r3(r[side]);
  return { schema: 'sysjourney.compare/1', a, b, ratio: a.totals.ns > 0 ? Math.round((b.totals.ns / a.totals.ns) * 1e4) / 1e4 : 0, rows };
}
