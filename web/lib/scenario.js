// The scenario: the options of one run, in the API's vocabulary. Converts to and from the URL
// query (the permalink) and says which options matter for the current choice. Pure: no DOM.
//
// The vocabulary is the engine's (GET api/model: `options`, `ranges`, `defaults`), so an option
// added to core/scenario.cc's table reaches the form and the permalink without an edit here.
// In the page a scenario is a plain object, one key per option:
//   choices (op, fd, cache, device, cpu, tracer, api, sync)   strings from model.options
//   flags (direct, wait, nonblock, full, warm)                 booleans
//   numbers (bytes, batch: whole; ghz)                         numbers
//   options the model gives no default (ghz, kpti, pcid)       null = take it from the CPU preset
// device may be '' when the model's default is "the CPU preset's device".

/** Used when the model leaves a default out (a sparse or older model). */
const FALLBACK = {
  op: 'read', fd: 'file', cache: 'miss', device: 'nvme', cpu: '', tracer: 'none', api: 'read',
  batch: 1, bytes: 16, direct: false, wait: false, nonblock: false, sync: 'none', full: false, warm: false,
};

const FLAG_VALUES = ['off', 'on'];
const isFlagList = (values) => Array.isArray(values) && values.length === 2 && [...values].sort().join() === FLAG_VALUES.join();
const vocabularies = new WeakMap();

/**
 * The options the engine takes, in query order, each as the page needs it:
 *   { name, kind: 'choice' | 'flag' | 'number', values, min, max, integer, preset }
 * A flag is an option whose values are on/off; a number has a range. `preset`: the model gives
 * no default, so the value is null until set (the CPU preset decides: ghz, kpti, pcid).
 * `integer`: a number whose default and bounds are whole (bytes, batch; not ghz).
 */
export function vocabulary(model) {
  if (model && vocabularies.has(model)) return vocabularies.get(model);
  const options = model?.options ?? {};
  const ranges = model?.ranges ?? {};
  const defaults = model?.defaults ?? {};
  const given = [...new Set([...Object.keys(options), ...Object.keys(ranges)])];
  // The permalinks' order is the engine's option table, which the model lists in `order` (its
  // JSON objects sort their keys); options it does not list follow in the model's order.
  const order = Array.isArray(model?.order) ? model.order : [];
  const names = [...order.filter((n) => given.includes(n)), ...given.filter((n) => !order.includes(n))];
  const list = names.map((name) => {
    const preset = !(name in defaults);
    if (name in ranges) {
      const [min, max] = ranges[name];
      const whole = (v) => Number.isInteger(Number(v));
      return { name, kind: 'number', values: [], min, max, integer: whole(min) && whole(max) && (preset || whole(defaults[name])), preset };
    }
    const values = options[name] ?? [];
    return { name, kind: isFlagList(values) ? 'flag' : 'choice', values, preset };
  });
  if (model) vocabularies.set(model, list);
  return list;
}

/** One option of the vocabulary by name, or undefined. */
export function optionOf(field, model) {
  return vocabulary(model).find((o) => o.name === field);
}

/** The calls that write: write(), and a write followed by fsync() or fdatasync(). */
export const WRITES = ['write', 'fsync', 'fdatasync'];
export const isWrite = (op) => WRITES.includes(op);
const writes = (scenario) => isWrite(scenario.op);

/** A write's block is cached unless told otherwise (the engine's default too); a read misses. */
export function defaultCache(op, model) {
  return isWrite(op) ? 'hit' : { ...FALLBACK, ...(model?.defaults ?? {}) }.cache;
}

/** The scenario with every option at its default; options without one follow the CPU preset. */
export function defaultScenario(model) {
  const d = { ...FALLBACK, ...(model?.defaults ?? {}) };
  const s = { ...FALLBACK };
  for (const o of vocabulary(model)) {
    const v = d[o.name];
    if (v === undefined) s[o.name] = o.kind === 'choice' ? '' : null;
    else if (o.kind === 'flag') s[o.name] = typeof v === 'boolean' ? v : parseFlag(v) ?? false;
    else if (o.kind === 'number') s[o.name] = Number(v);
    else s[o.name] = String(v);
  }
  if (!s.cpu) s.cpu = model?.cpus?.[0]?.id ?? model?.options?.cpu?.[0] ?? '';
  return s;
}

/** Parses "on"/"off" (and true/false/1/0); returns undefined for anything else. */
export function parseFlag(v) {
  const t = String(v).toLowerCase();
  if (t === 'on' || t === 'true' || t === '1') return true;
  if (t === 'off' || t === 'false' || t === '0') return false;
  return undefined;
}

/** The CPU preset the scenario names (or undefined). */
export function presetOf(scenario, model) {
  return model?.cpus?.find((c) => c.id === scenario.cpu);
}

/** ghz, kpti, pcid or device as the run will use it: the override, else the preset's value. */
export function effective(scenario, model, key) {
  const v = scenario[key];
  if (v !== null && v !== undefined && v !== '') return v;
  return presetOf(scenario, model)?.[key];
}

/**
 * Whether one of the engine's relevance clauses holds: "fd=file", "op!=fsync|fdatasync" (see
 * core/relevance.h). Flags compare as on/off; ghz, kpti, pcid and device as the run uses them.
 */
function clauseHolds(clause, scenario, model) {
  const c = parseClause(clause);
  if (!c) return false;
  const { key, negate, values } = c;
  const o = optionOf(key, model);
  let v = ['ghz', 'kpti', 'pcid', 'device'].includes(key) ? effective(scenario, model, key) : scenario[key];
  if (o?.kind === 'flag') v = v ? 'on' : 'off';
  const found = v !== undefined && v !== null && values.includes(String(v));
  return negate ? !found : found;
}

// A clause's parts ({ key, negate, values }, or null), read once: the form asks the same few
// clauses for every option on every change.
const parsedClauses = new Map();
function parseClause(clause) {
  if (!parsedClauses.has(clause)) {
    const m = /^([a-z_]+)(!?)=(.+)$/.exec(clause);
    parsedClauses.set(clause, m ? { key: m[1], negate: m[2] === '!', values: m[3].split('|') } : null);
  }
  return parsedClauses.get(clause);
}

const allHold = (clauses, scenario, model) => (clauses ?? []).every((c) => clauseHolds(c, scenario, model));

/**
 * Values of `field` that make sense with the rest of the scenario, by the engine's table
 * (model.relevance[field].values): io_uring and sendfile for regular files only, fsync for files.
 */
export function allowedValues(field, scenario, model) {
  const all = model?.options?.[field] ?? [];
  const when = model?.relevance?.[field]?.values ?? {};
  return all.filter((v) => allHold(when[v], scenario, model));
}

/**
 * Which options matter for this scenario: { field: { applies, enabled, reason } }, by the
 * engine's table (model.relevance, which a core test holds to what the engine does).
 * applies=false: the option has no meaning here (cache for a pipe); the form may hide it.
 * enabled=false: it has no effect right now (device on a cache hit); the form disables it.
 * Either way its value stays in the form but is left out of the query.
 */
export function relevance(scenario, model) {
  const rules = model?.relevance ?? {};
  const r = {};
  for (const o of vocabulary(model)) {
    const rule = rules[o.name];
    if (rule && !allHold(rule.applies, scenario, model)) {
      r[o.name] = { applies: false, enabled: false, reason: rule.reason };
      continue;
    }
    const inert = (rule?.inert ?? []).find((i) => allHold(i.when, scenario, model));
    r[o.name] = inert ? { applies: true, enabled: false, reason: inert.reason } : { applies: true, enabled: true, reason: '' };
  }
  return r;
}

/** Fixes values that contradict the rest (api=sendfile on a pipe becomes read). Returns a copy. */
export function normalize(scenario, model) {
  const s = { ...scenario };
  const apis = allowedValues('api', s, model);
  if (apis.length && !apis.includes(s.api)) s.api = apis[0];
  const fds = allowedValues('fd', s, model);
  if (fds.length && !fds.includes(s.fd)) s.fd = fds[0];
  return s;
}

/**
 * The query string (no "?") for a scenario: options in API order, defaults and irrelevant
 * options left out. The same string is the permalink and the API query.
 * toQuery({...defaults, fd: 'file', cache: 'hit'}) -> "cache=hit"
 */
export function toQuery(scenario, model) {
  const def = { ...defaultScenario(model), cache: defaultCache(scenario.op, model) };
  const rel = relevance(scenario, model);
  const parts = [];
  for (const o of vocabulary(model)) {
    const f = o.name;
    const v = scenario[f];
    if (v === null || v === undefined || v === '') continue;
    if (rel[f] && !rel[f].enabled) continue;
    if (v === def[f]) continue;
    parts.push(`${f}=${encodeURIComponent(o.kind === 'flag' ? (v ? 'on' : 'off') : String(v))}`);
  }
  return parts.join('&');
}

/**
 * Reads a scenario from a query string ("?fd=file&cache=hit" or URLSearchParams). Unknown
 * options and values the model does not list are dropped and reported in `problems`; numbers are
 * kept as given, so the engine can say what is wrong with them.
 */
export function fromQuery(search, model) {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const s = defaultScenario(model);
  const problems = [];
  for (const [key, raw] of params) {
    const o = optionOf(key, model);
    if (o?.kind === 'choice') {
      if (o.values.includes(raw)) s[key] = raw;
      else problems.push({ field: key, value: raw, message: `unknown ${key} "${raw}" (allowed: ${o.values.join(', ')})` });
    } else if (o?.kind === 'flag') {
      const b = parseFlag(raw);
      if (b === undefined) problems.push({ field: key, value: raw, message: `${key} must be on or off, not "${raw}"` });
      else s[key] = b;
    } else if (o?.kind === 'number') {
      // The engine's bytes take binary suffixes (4k, 1MiB); the other numbers are plain.
      const n = key === 'bytes' ? parseBytes(raw) : Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) problems.push({ field: key, value: raw, message: `${key} must be a number, not "${raw}"` });
      else s[key] = n;
    } else {
      problems.push({ field: key, value: raw, message: `unknown option "${key}"` });
    }
  }
  if (isWrite(s.op) && !params.has('cache')) s.cache = defaultCache(s.op, model);
  return { scenario: normalize(s, model), problems };
}

/** A short description for headings and pins: "file · miss · NVMe SSD (TLC NAND)". */
export function summary(scenario, model) {
  if (scenario.op !== 'read' && !isWrite(scenario.op)) {
    return { function_call: 'function call', vdso_clock_gettime: 'vDSO clock_gettime', clock_gettime: 'clock_gettime() syscall', getppid: 'getppid()' }[scenario.op] ?? scenario.op;
  }
  const rel = relevance(scenario, model);
  const call = { read: 'read', write: 'write', fsync: 'write + fsync', fdatasync: 'write + fdatasync' }[scenario.op];
  let first = scenario.api === 'read' ? call : scenario.api;
  if (writes(scenario) && scenario.api !== 'read') first = scenario.api === 'pread' ? call.replace('write', 'pwrite') : `${call} (${scenario.api})`;
  const parts = [first];
  if (rel.sync?.enabled && scenario.sync !== 'none') parts.push(scenario.sync === 'dsync' ? 'O_DSYNC' : 'O_SYNC');
  if (rel.full?.enabled && scenario.full) parts.push(scenario.nonblock ? 'full, O_NONBLOCK' : 'full, waits');
  if (rel.batch.enabled && scenario.batch > 1) parts[0] += ` ×${scenario.batch}`;
  parts.push(scenario.fd);
  if (rel.cache.enabled) parts.push(scenario.cache);
  if (scenario.direct && rel.direct.enabled) parts.push('O_DIRECT');
  if (rel.device.enabled) parts.push(effective(scenario, model, 'device') ?? scenario.device);
  if (rel.wait.enabled && scenario.wait) parts.push(writes(scenario) ? 'wakes a reader' : scenario.nonblock ? 'empty, O_NONBLOCK' : 'empty, waits');
  if (scenario.bytes !== defaultScenario(model).bytes) parts.push(`${scenario.bytes} B`);
  if (rel.tracer.enabled && scenario.tracer !== 'none') parts.push(scenario.tracer);
  if (scenario.kpti !== null && rel.kpti.enabled) parts.push(`KPTI ${scenario.kpti ? 'on' : 'off'}`);
  if (scenario.pcid !== null && rel.pcid.enabled) parts.push(`PCID ${scenario.pcid ? 'on' : 'off'}`);
  if (scenario.cpu !== defaultScenario(model).cpu) parts.push(scenario.cpu);
  if (scenario.ghz !== null) parts.push(`${scenario.ghz} GHz`);
  return parts.join(' · ');
}

/** Bytes as the API takes them, with an optional binary suffix: "16", "4k", "4KiB", "1M", "1GiB". */
export function parseBytes(text) {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmg](?:i?b)?|b)?\s*$/i.exec(String(text));
  if (!m) return NaN;
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').charAt(0).toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

const FALLBACK_RANGES = { bytes: [0, 1073741824], batch: [1, 4096], ghz: [0.5, 6] };

/**
 * The range the page accepts for a number: the model's, except that bytes start at 0
 * (read(fd, buf, 0) is valid on Linux and returns 0).
 */
export function rangeOf(field, model) {
  const [lo, hi] = model?.ranges?.[field] ?? FALLBACK_RANGES[field] ?? [-Infinity, Infinity];
  return field === 'bytes' ? [0, hi] : [lo, hi];
}

/** What a number field accepts, in words, as the form takes it (whole bytes, no suffixes). */
export function allowedText(field, model) {
  const [lo, hi] = rangeOf(field, model);
  const o = optionOf(field, model);
  if (field === 'bytes') return `a whole number of bytes from ${lo} to ${hi}${hi === 1073741824 ? ' (1 GiB)' : ''}`;
  if (field === 'ghz') return `a number from ${lo} to ${hi}, or empty for the preset's clock`;
  if (o?.integer) return `a whole number from ${lo} to ${hi}`;
  return `a number from ${lo} to ${hi}${o?.preset ? ', or empty for the preset\'s value' : ''}`;
}

const NUMBER_NAMES = { bytes: 'Bytes to read', batch: 'Reads per enter', ghz: 'Clock (GHz)' };

/**
 * The page's own check of the numbers before anything is sent to the engine, so that one bad
 * value gives one clear message (and no failed request). Only options that apply are checked.
 * Returns [{ field, value, message, allowed }], empty when the scenario can be run.
 */
export function problemsOf(scenario, model) {
  const rel = relevance(scenario, model);
  const out = [];
  for (const o of vocabulary(model).filter((x) => x.kind === 'number')) {
    const field = o.name;
    if (rel[field] && !rel[field].enabled) continue;
    const v = scenario[field];
    if (o.preset && (v === null || v === undefined || v === '')) continue;
    const n = typeof v === 'number' ? v : Number(v);
    const [lo, hi] = rangeOf(field, model);
    if (Number.isFinite(n) && n >= lo && n <= hi && (!o.integer || Number.isInteger(n))) continue;
    const allowed = allowedText(field, model);
    const what = v === '' || v === undefined ? 'empty' : Number.isNaN(n) ? (typeof v === 'number' ? 'text that is not a number' : `"${v}", which is not a number`) : String(v);
    out.push({ field, value: String(v ?? ''), allowed, message: `${NUMBER_NAMES[field] ?? field} cannot be ${what}: it takes ${allowed}` });
  }
  return out;
}

/**
 * An engine error about a form field, as the form can act on it: the engine's bytes accept
 * suffixes (4k, 1MiB) that the page's number field does not, so its words about them go.
 */
export function forForm(err) {
  const message = String(err?.message ?? err ?? '');
  if (err?.field !== 'bytes') return { message, allowed: err?.allowed ?? '' };
  const drop = (t) => String(t ?? '').replace(/;?\s*suffix(es)?\b[^.;]*/i, '').trim();
  return { message: drop(message), allowed: drop(err.allowed) };
}
