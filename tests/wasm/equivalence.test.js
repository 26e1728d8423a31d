// The WebAssembly engine answers exactly as the native server: the model, every CPU preset with
// a hit and a miss, every kind of descriptor, ~200 random scenarios (seeded), the other output
// formats, compare, the refusals (the same error JSON for the same bad value), the fit of
// measure files (POST /api/fit, sj_call("fit", body)) and journeys priced on a fitted profile.
// Numbers may differ only by float rounding; the report says how many answers were byte-identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, compareAnswers, loadWasm, rng, startNative } from './helpers.js';

let native;
let wasm;
let model;
const tally = { exact: 0, rounded: 0 };

before(async () => {
  [native, wasm] = await Promise.all([startNative(), loadWasm()]);
  model = JSON.parse((await native.get('api/model')).body);
});

after(async () => {
  await native?.close();
  console.log(`# answers compared: ${tally.exact} byte-identical, ${tally.rounded} equal up to float rounding`);
});

/** GET api/<endpoint>?<query> on both; fails with every difference listed. */
async function same(endpoint, query, what = `${endpoint}?${query}`) {
  const [n, w] = await Promise.all([native.get(query ? `api/${endpoint}?${query}` : `api/${endpoint}`), wasm.call(endpoint, query)]);
  const { exact, diffs } = compareAnswers(n, w);
  assert.deepEqual(diffs, [], `${what}: native and wasm differ`);
  tally[exact ? 'exact' : 'rounded']++;
  return n;
}

test('the model is the same, byte for byte, whole and in the page\'s view', async () => {
  for (const query of ['', 'view=page']) {
    const [n, w] = await Promise.all([native.get(query ? `api/model?${query}` : 'api/model'), wasm.call('model', query)]);
    assert.equal(w.status, 200, query);
    assert.equal(w.body, n.body, query);
  }
  assert.equal(model.schema, 'sysjourney.model/1');
});

test('health names the same version', async () => {
  const [n, w] = await Promise.all([native.get('healthz'), wasm.call('health', '')]);
  assert.deepEqual(compareAnswers(n, w).diffs, []);
});

test('every CPU preset, cache hit and miss', async () => {
  assert.ok(model.options.cpu.length > 0);
  for (const cpu of model.options.cpu) {
    for (const cache of model.options.cache) {
      const n = await same('run', `cpu=${cpu}&cache=${cache}`);
      assert.equal(n.status, 200, `cpu=${cpu}&cache=${cache}`);
      await same('run', `cpu=${cpu}&cache=${cache}&samples=500&seed=7`);
    }
  }
});

test('every kind of descriptor, with and without waiting', async () => {
  for (const fd of model.options.fd) {
    await same('run', `fd=${fd}`);
    await same('run', `fd=${fd}&wait=on`);
    await same('run', `fd=${fd}&wait=on&nonblock=on`);
    for (const api of model.options.api) await same('run', `fd=${fd}&api=${api}`);
  }
});

test('every device, tracer, op and the other formats', async () => {
  for (const device of model.options.device) await same('run', `device=${device}&cache=miss`);
  for (const tracer of model.options.tracer) await same('run', `tracer=${tracer}`);
  for (const op of model.options.op) await same('run', `op=${op}`);
  for (const format of ['json', 'csv', 'trace-event']) {
    await same('run', `format=${format}`);
    await same('run', `format=${format}&cache=hit&api=io_uring&batch=32`);
  }
});

// A value for an option: mostly valid, sometimes not (out of range, wrong word, wrong shape).
function valueFor(r, name) {
  const choices = model.options[name];
  if (choices) {
    if (r.chance(0.05)) return r.pick(['', 'bogus', 'ON', 'Hit', '1', 'yes', 'true', 'no']);
    if (choices.includes('on')) return r.pick(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']);
    return r.pick(choices);
  }
  switch (name) {
    case 'ghz':
      return r.pick([String(r.int(3, 70) / 10), (r.next() * 7).toFixed(r.int(0, 4)), '3', '2.5e0', '0.5', '6', '6.01', 'x']);
    case 'bytes':
      return r.pick(['16', '1', '4k', '4KiB', '64k', '1M', '1MiB', '1GiB', '2GiB', '0', String(r.int(1, 1 << 20)), '4096', '512b', '1.5k', 'lots']);
    case 'batch':
      return String(r.pick([1, 2, 8, 32, 256, 4096, 4097, 0, r.int(1, 5000)]));
    case 'samples':
      return String(r.pick([0, 1, 10, 100, 1000, r.int(1, 3000)]));
    case 'seed':
      return String(r.pick([0, 1, 42, r.int(0, 2 ** 31)]));
    default:
      throw new Error(`no generator for option ${name}`);
  }
}

test('200 random scenarios (seeded) give the same journeys and the same refusals', async () => {
  const r = rng(20240611);
  const names = [...Object.keys(model.options), 'ghz', 'bytes', 'batch', 'samples', 'seed'];
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < 200; i++) {
    const chosen = new Map();
    const k = r.int(0, 7);
    for (let j = 0; j < k; j++) {
      const name = r.pick(names);
      chosen.set(name, valueFor(r, name));
    }
    const query = [...chosen].map(([key, v]) => `${key}=${encodeURIComponent(v)}`).join('&');
    const n = await same('run', query);
    if (n.status === 200) ok++;
    else refused++;
  }
  // The sample must exercise both sides.
  assert.ok(ok > 100, `${ok} journeys`);
  assert.ok(refused > 5, `${refused} refusals`);
});

test('bad values are refused with the same error JSON', async () => {
  const bad = [
    'cache=lukewarm', 'fd=socket', 'cpu=pentium', 'device=floppy', 'op=write', 'tracer=gdb', 'api=aio',
    'ghz=abc', 'ghz=0.1', 'ghz=100', 'ghz=', 'ghz=-3', 'ghz=1e400', 'ghz=1e-400', 'ghz=1e-310', 'ghz=inf', 'ghz=-inf',
    'ghz=nan', 'ghz=infinity', 'ghz=%2B3', 'ghz=0x3', 'ghz=3.', 'ghz=.5e1', 'ghz=3e', 'ghz=3e%2B0', 'ghz=%203', 'ghz=3%20',
    'ghz=1234567890123456789012345678901234', 'ghz=3,5',
    'bytes=-1', 'bytes=0', 'bytes=4x', 'bytes=1e3', 'bytes=2GiB', 'bytes=1.5', 'bytes=k', 'bytes=..',
    'batch=0', 'batch=-1', 'batch=1.5', 'batch=99999', 'batch=x',
    'kpti=maybe', 'pcid=2', 'direct=', 'wait=ON', 'warm=y',
    'samples=-1', 'samples=1e3', 'samples=100001', 'samples=x', 'seed=-1', 'seed=9007199254740993', 'seed=1.5',
    'format=xml', 'format=', 'foo=1', 'cache=hit&cache=hit', 'cache=hit&cache=miss', 'samples=1&samples=2',
    'fd=pipe&api=io_uring', 'fd=pipe&cache=hit', 'direct=on&bytes=16', 'nonblock=on', 'fd=tcp&direct=on',
  ];
  let refused = 0;
  for (const q of bad) {
    const n = await same('run', q);
    if (n.status === 400) refused++;
  }
  assert.ok(refused > bad.length * 0.8, `${refused} of ${bad.length} refused`);
});

test('query strings are decoded as the server decodes them', async () => {
  const odd = [
    'cache=%68it', 'c%61che=hit', 'cache=h%69t', 'cache=hit%20', 'cache=%20hit', 'cache=hit+', 'cache=+hit', 'cache=h+it',
    'cache=%zz', 'cache=%', 'cache=%6', 'cache=hit%', '=hit', 'cache', 'cache=', '&&cache=hit&&', 'cache==hit', 'cache=hit=miss',
    'cache=hit=', '%u0063ache=hit', 'cache=%u0068it', 'cpu=%C3%A9', 'cache=%ff', 'cache=%00hit', 'cache=%0Ahit',
    'cache=hit#frag', 'cache=hit&#x', "cache='hit'", 'cache="hit"', 'cache=<hit>', 'cache=hit&cache=hit',
    'cache=%68it&cache=hit', 'fd=pipe&wait=on&nonblock=on', 'ghz=3%2E5', 'bytes=4%6B', '%20cache=hit', 'cache%20=hit',
    'cache=hit;fd=pipe', 'cache=hit%26fd=pipe', 'cache=hit%3Dmiss', 'CACHE=hit', 'cache=HIT', '=', '&', '==', '&=&',
    'cache=%E2%82%AC', 'cache=€', 'cache=hit\tfd', 'cache=a%2Bb', 'a=1&b=2&c=3',
  ];
  for (const q of odd) await same('run', q);
});

test('compare answers as the server does', async () => {
  const cases = [
    `a=${encodeURIComponent('cache=hit')}&b=${encodeURIComponent('cache=miss')}`,
    `a=&b=${encodeURIComponent('fd=pipe&wait=on')}`,
    `a=${encodeURIComponent('cpu=amd_zen4,cache=hit')}&b=${encodeURIComponent('cpu=intel_kpti_nopcid,cache=hit')}`,
    'a=cache%3Dhit', 'b=cache%3Dhit', '', 'a=&b=&c=', 'a=&a=&b=',
    `a=${encodeURIComponent('cache=lukewarm')}&b=`, `a=&b=${encodeURIComponent('ghz=99')}`,
    `a=${encodeURIComponent('fd=pipe&api=io_uring')}&b=`,
  ];
  for (const q of cases) await same('compare', q);
});

test('unknown endpoints get the same 404', async () => {
  await same('nothing', '');
});

// Measure documents: real ones (the page's fixtures, the CLI's), one with most host facts
// missing, and the mistakes a person makes with a file.
const doc = (rel) => readFileSync(path.join(ROOT, rel), 'utf8');
const GOOD_DOCS = {
  'a measurement with a skipped probe': doc('tests/web/mock/fixtures/measure-raw.json'),
  'a file with few host facts': doc('tests/web/mock/fixtures/measure-file.json'),
  'an answer already fitted': doc('tests/web/mock/fixtures/measure.json'),
  'a minimal file': JSON.stringify({ schema: 'sysjourney.measure/1', host: { ghz: 2.45, cpu_model: 'AMD EPYC 7B13' },
    probes: [{ id: 'syscall_getppid', median_ns: 300 }, { id: 'read_file_hit', median_ns: 900 }, { id: 'read_pipe', median_ns: 700 }, { id: 'function_call', median_ns: 1.5 }] }),
};
const BAD_DOCS = [
  '', 'not json', '[]', '{}', '{"schema": "sysjourney.journey/1", "probes": []}', '{"schema": "sysjourney.measure/1"}',
  '{"schema": "sysjourney.measure/1", "probes": {}}', '{"schema": "sysjourney.measure/1", "probes": [7]}',
  '{"schema": "sysjourney.measure/1", "probes": [{"median_ns": 5}]}',
  '{"schema": "sysjourney.measure/1", "probes": [{"id": "read_pipe", "median_ns": "fast"}]}',
  '{"schema": "sysjourney.measure/1", "probes": [{"id": "read_pipe", "median_ns": -1}]}',
  '{"schema": "sysjourney.measure/1", "host": {"ghz": 99}, "probes": []}',
  '{"schema": "sysjourney.measure/1", "host": "x", "probes": []}',
  '{"schema": "sysjourney.measure/1", "host": {"mitigations": {"meltdown": 1}}, "probes": []}',
];

async function sameFit(body, what) {
  const [n, w] = await Promise.all([native.post('api/fit', body), wasm.load().then((e) => e.call('fit', body))]);
  const { exact, diffs } = compareAnswers(n, w);
  assert.deepEqual(diffs, [], `fit of ${what}: native and wasm differ`);
  tally[exact ? 'exact' : 'rounded']++;
  return n;
}

test('measure files are fitted as the server fits them, refusals included', async () => {
  for (const [what, body] of Object.entries(GOOD_DOCS)) {
    const n = await sameFit(body, what);
    assert.equal(n.status, 200, what);
    const fitted = JSON.parse(n.body);
    assert.equal(fitted.schema, 'sysjourney.measure/1');
    assert.equal(fitted.profile.schema, 'sysjourney.profile/1');
  }
  for (const body of BAD_DOCS) {
    const n = await sameFit(body, JSON.stringify(body));
    assert.equal(n.status, 400, body);
    assert.ok(JSON.parse(n.body).field, `${body}: the error names a field`);
  }
});

test('journeys priced on a fitted profile answer as the server does', async () => {
  const profiles = await Promise.all(Object.values(GOOD_DOCS).map(async (body) => JSON.parse((await native.post('api/fit', body)).body).profile));
  for (const profile of profiles) {
    const p = `profile=${encodeURIComponent(JSON.stringify(profile))}`;
    for (const q of ['', 'cache=hit', 'fd=pipe&wait=on', 'cache=hit&api=io_uring&batch=32', 'op=clock_gettime', 'cpu=amd_zen4&cache=hit']) {
      const n = await same('run', q ? `${q}&${p}` : p, `run?${q}&profile=...`);
      assert.equal(n.status, 200, q);
      assert.equal(JSON.parse(n.body).profiled, true);
    }
  }
  for (const bad of ['{}', 'x', '{"schema": "sysjourney.profile/1", "ghz": 99}', '{"schema": "sysjourney.profile/1", "scales": {"warp": 2}}']) {
    const n = await same('run', `cache=hit&profile=${encodeURIComponent(bad)}`);
    assert.equal(n.status, 400, bad);
  }
});
