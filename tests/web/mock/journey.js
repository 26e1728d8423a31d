// A stand-in for the C++ engine, only good enough to exercise the page: it assembles a journey
// from the hand-written fixtures in ./fixtures following the JSON contract of /api/run.
// The real numbers and rules live in the C++ engine and model/; nothing here is authoritative.
import { readFileSync } from 'node:fs';

const here = new URL('./fixtures/', import.meta.url);
export const MODEL = JSON.parse(readFileSync(new URL('model.json', here), 'utf8'));
const COSTS = JSON.parse(readFileSync(new URL('costs.json', here), 'utf8'));
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

const BOOL = { on: true, off: false, true: true, false: false, 1: true, 0: false };
// The options as the model lists them, like the engine's one table: a flag's values are on/off,
// a number has a range; any other option is a choice of its values.
const isFlag = (key) => ['off', 'on'].join() === [...(MODEL.options[key] ?? [])].sort().join();
const OPTION_NAMES = [...Object.keys(MODEL.options), ...Object.keys(MODEL.ranges)];
// Options the mock accepts and ignores (the engine's warm caches: no difference here).
const IGNORED = ['warm'];

/** Parses query parameters (URLSearchParams) into a complete scenario, or throws ScenarioError. */
export function parseScenario(params) {
  const s = { ...MODEL.defaults };
  let profile = null;
  for (const [key, value] of params) {
    if (key in MODEL.ranges) {
      const n = Number(value);
      const [lo, hi] = MODEL.ranges[key];
      const integral = key !== 'ghz';
      if (value === '' || !Number.isFinite(n) || n < lo || n > hi || (integral && !Number.isInteger(n))) {
        throw new ScenarioError(`${key} must be ${integral ? 'an integer ' : ''}between ${lo} and ${hi}`, key, value, `${lo} .. ${hi}`);
      }
      s[key] = n;
    } else if (isFlag(key)) {
      if (!(value in BOOL)) throw new ScenarioError(`${key} must be on or off`, key, value, 'on, off');
      if (!IGNORED.includes(key)) s[key] = BOOL[value];
    } else if (key in MODEL.options) {
      if (!MODEL.options[key].includes(value)) {
        throw new ScenarioError(`unknown ${key} '${value}'`, key, value, MODEL.options[key].join(', '));
      }
      s[key] = value;
    } else if (key === 'profile') {
      profile = parseProfile(value);
    } else if (key === 'format') {
      if (!FORMATS.includes(value)) throw new ScenarioError(`invalid value '${value}' for format`, 'format', value, FORMATS.join(', '));
    } else {
      throw new ScenarioError(`unknown option '${key}'`, key, value, OPTION_NAMES.join(', '));
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
  if (s.op === 'read' && s.fd !== 'file' && !['read', 'pread'].includes(s.api)) {
    throw new ScenarioError(`api=${s.api} is modelled for regular files only (fd=file)`, 'api', s.api, `read, pread for fd=${s.fd}`);
  }
  // As the engine: the kernel itself refuses an O_DIRECT read of a size that is not a multiple of
  // the logical block, and the API says so with the errno.
  if (s.op === 'read' && s.fd === 'file' && s.direct && s.bytes % 512 !== 0) {
    throw new ScenarioError(`read() with O_DIRECT fails with EINVAL for ${s.bytes} bytes: the size (and the buffer and file offset) must be a multiple of the device's 512-byte logical block`,
      'bytes', String(s.bytes), 'multiples of 512 with direct', 'EINVAL');
  }
  return s;
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

function costOf(id, s, cpu) {
  const c = COSTS.stages[id];
  let triple;
  if (c.by_mitigation) triple = c.by_mitigation[cpu.mitigation];
  else if (c.pcid) triple = s.pcid ? c.pcid : c.nopcid;
  else if (c.ptrace) triple = c[s.tracer];
  else triple = [c.typ, c.low, c.high];
  const uring = s.op === 'read' && s.api.startsWith('io_uring');
  return { unit: c.unit, typ: triple[0], low: triple[1], high: triple[2], per: c.per === 'batch' && uring ? 'batch' : 'read' };
}

function stageList(s) {
  if (s.op === 'function_call') return { path: 'function_call', ids: ['call_ret'] };
  if (s.op === 'vdso_clock_gettime') return { path: 'vdso_clock_gettime', ids: ['vdso_call', 'vdso_clock_read'] };
  const traced = s.tracer !== 'none';
  const uring = s.op === 'read' && s.api.startsWith('io_uring');
  const enter = ['syscall_insn', 'entry_swapgs', ...(s.kpti ? ['kpti_enter'] : []), 'mitigation_entry',
    ...(traced ? ['ptrace_entry_stop'] : []), 'dispatch'];
  const leave = ['exit_work', ...(traced ? ['ptrace_exit_stop'] : []), ...(s.kpti ? ['kpti_exit'] : []), 'sysret'];
  if (s.op === 'getppid') return { path: 'getppid', ids: ['libc_wrapper', ...enter, 'getppid_body', ...leave, 'libc_return'] };

  let path;
  let result = `${s.bytes} bytes`;
  let body = ['fdget_pos', 'vfs_read', 'read_iter'];
  if (s.op === 'read' && s.bytes === 0 && s.api !== 'sendfile' && !s.api.startsWith('io_uring')) {
    // read(fd, buf, 0): vfs_read returns 0 before it calls the file's read_iter.
    return { path: s.fd === 'file' ? 'file_hit' : s.fd, ids: ['libc_wrapper', ...enter, 'fdget_pos', 'vfs_read', ...leave, 'libc_return'], result: '0: nothing was asked for, so nothing is read' };
  }
  const waitPath = (copy) => (s.wait ? (s.nonblock ? [copy] : ['wait_sleep', 'wait_peer', 'wakeup', copy]) : [copy]);
  if (s.fd === 'file') {
    const copy = s.api === 'sendfile' ? 'splice_to_socket' : 'copy_to_user';
    if (s.direct) {
      path = 'file_direct';
      body.push('dio_read', 'block_submit', 'driver_queue', 'io_schedule', 'device_read', 'completion_irq', 'wakeup', 'touch_atime');
    } else if (s.cache === 'hit') {
      path = 'file_hit';
      body.push('fs_entry', 'page_cache_lookup', 'readahead_check', copy, 'touch_atime');
    } else {
      path = 'file_miss';
      body.push('fs_entry', 'page_cache_lookup', 'readahead_alloc', 'ext4_map_bio', 'block_submit', 'driver_queue',
        'io_schedule', 'device_read', 'completion_irq', 'wakeup', copy, 'touch_atime');
    }
  } else {
    path = s.fd;
    body.push(...waitPath({ pipe: 'pipe_read', tcp: 'tcp_recvmsg', unix: 'unix_read' }[s.fd]));
    if (s.wait && s.nonblock) result = '-1 EAGAIN: no data yet and O_NONBLOCK is set';
  }
  let ids;
  if (s.api === 'io_uring_sqpoll') ids = ['uring_sqe', 'uring_sqpoll', ...body, 'uring_cqe', 'uring_reap'];
  else if (uring) ids = ['uring_sqe', ...enter, 'uring_submit', ...body, 'uring_cqe', ...leave, 'uring_reap'];
  else ids = ['libc_wrapper', ...enter, ...body, ...leave, 'libc_return'];
  return { path, ids, result };
}

/** Builds a sysjourney.journey/1 object for a complete scenario. */
export function buildJourney(s) {
  const cpu = MODEL.cpus.find((c) => c.id === s.cpu);
  const { path, ids, result } = stageList(s);
  const batch = s.api.startsWith('io_uring') ? s.batch : 1;
  const pages = Math.max(1, Math.ceil(s.bytes / 4096));
  const stages = ids.map((id) => {
    const cat = CATALOGUE.get(id);
    // As the engine: the reads of an io_uring batch overlap on the device, up to its parallelism.
    const uringDevice = id === 'device_read' && s.api.startsWith('io_uring');
    let { unit, typ, low, high, per } = id === 'device_read' ? { unit: 'ns', per: uringDevice ? 'overlap' : 'read', ...COSTS.devices[s.device] } : costOf(id, s, cpu);
    let scale = 1;
    if (id === 'copy_to_user') scale = (typ + Math.ceil(s.bytes / 16)) / typ;
    if (id === 'page_cache_lookup') scale = 1 + 0.1 * (pages - 1);
    if (id === 'readahead_alloc') scale = pages;
    if (id === 'device_read') scale = 1 + s.bytes / COSTS.devices[s.device].bytes_per_ns / typ;
    if (per === 'batch') scale /= batch;
    if (per === 'overlap') scale *= Math.ceil(batch / (MODEL.devices.find((d) => d.id === s.device)?.parallelism ?? batch)) / batch;
    [typ, low, high] = [typ * scale, low * scale, high * scale];
    const toNs = (v) => (unit === 'cycles' ? v / s.ghz : v);
    const stage = {
      id, title: cat.title, lane: cat.lane,
      cycles: round(unit === 'cycles' ? typ : typ * s.ghz), ns: round(toNs(typ)),
      share: 0, cumulative_ns: 0, start_ns: 0, on_cpu: cat.on_cpu, unit,
      low_ns: round(toNs(low)), high_ns: round(toNs(high)), per,
      visible_to: [...cat.visible_to], functions: [...cat.functions], source: cat.source, explain: cat.explain,
    };
    if (id === 'driver_queue') stage.functions = [...COSTS.driver_functions[s.device]];
    // The engine's dispatch stage names ksys_read whatever the call (the page words it per call).
    return stage;
  });
  let t = 0;
  for (const st of stages) { st.start_ns = round(t); t += st.ns; st.cumulative_ns = round(t); }
  const sum = (f, pred = () => true) => round(stages.filter(pred).reduce((a, st) => a + f(st), 0));
  const totals = {
    stages: stages.length, cycles: sum((x) => x.cycles), ns: sum((x) => x.ns),
    on_cpu_ns: sum((x) => x.ns, (x) => x.on_cpu), blocked_ns: sum((x) => x.ns, (x) => !x.on_cpu),
    low_ns: sum((x) => x.low_ns), high_ns: sum((x) => x.high_ns),
    strace_visible_stages: stages.filter((x) => x.visible_to.includes('strace')).length, batch_ns: 0,
  };
  totals.batch_ns = round(totals.ns * batch);
  for (const st of stages) st.share = totals.ns > 0 ? Math.round((st.ns / totals.ns) * 1e6) / 1e6 : 0;
  return {
    schema: 'sysjourney.journey/1',
    scenario: Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'profiled')),
    path: MODEL.paths.find((p) => p.id === path),
    profiled: Boolean(s.profiled),
    result: s.op === 'read' ? result : s.op === 'getppid' ? 'parent pid' : s.op === 'vdso_clock_gettime' ? '0 (time filled in)' : 'returned',
    stages,
    totals,
  };
}

function round(x) {
  return Math.round(x * 10) / 10;
}

// --- the engine's other formats, written as core/format.cc writes them ---

const quote = (t) => `"${String(t).replace(/"/g, '""')}"`;

/** GET api/run?...&format=csv: one line per stage, text fields quoted, "\n" line ends. */
export function journeyCsv(j) {
  const lines = ['index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source'];
  j.stages.forEach((st, i) => {
    lines.push([i + 1, st.id, quote(st.title), st.lane, st.on_cpu ? 'true' : 'false', st.cycles.toFixed(1), st.ns.toFixed(3),
      st.share.toFixed(6), st.start_ns.toFixed(3), st.low_ns.toFixed(3), st.high_ns.toFixed(3), st.per,
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
      ts: st.start_ns / 1000, dur: st.ns / 1000, args: { id: st.id, cycles: st.cycles, functions: st.functions.join(', '), source: st.source },
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { schema: 'sysjourney.journey/1', path: j.path.id } };
}

/** GET api/compare: both journeys, the ratio (4 decimals) and a row per stage id, a's then b's. */
export function compareJourneys(a, b) {
  const rows = [];
  for (const [side, j] of [['a_ns', a], ['b_ns', b]]) {
    for (const st of j.stages) {
      let r = rows.find((x) => x.id === st.id);
      if (!r) rows.push((r = { id: st.id, title: st.title, a_ns: null, b_ns: null }));
      r[side] = round((r[side] ?? 0) + st.ns);
    }
  }
  return { schema: 'sysjourney.compare/1', a, b, ratio: a.totals.ns > 0 ? Math.round((b.totals.ns / a.totals.ns) * 1e4) / 1e4 : 0, rows };
}
