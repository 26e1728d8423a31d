// web/engine_wasm.js in node: the same exports and behaviour as web/engine.js (model, run,
// compare, measure, fit, EngineError), and the single-file build answering like the split one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ROOT, WASM_DIR, loadWasm } from './helpers.js';

const engine = await loadWasm();
const { compareJourneys } = await import(pathToFileURL(path.join(ROOT, 'web/lib/compare.js')).href);
const { defaultScenario } = await import(pathToFileURL(path.join(ROOT, 'web/lib/scenario.js')).href);

test('it has the exports of engine.js', async () => {
  const api = await import(pathToFileURL(path.join(ROOT, 'web/engine.js')).href);
  for (const name of Object.keys(api)) assert.equal(typeof engine[name], typeof api[name], name);
});

test('model() answers sysjourney.model/1, once', async () => {
  const a = await engine.model();
  assert.equal(a.schema, 'sysjourney.model/1');
  assert.ok(a.options.cpu.length > 0);
  assert.equal(await engine.model(), a);
});

test('run() takes a query string, "?query", URLSearchParams or a scenario object, cached by query', async () => {
  const model = await engine.model();
  const j1 = await engine.run('cache=hit');
  assert.equal(j1.schema, 'sysjourney.journey/1');
  assert.equal(j1.scenario.cache, 'hit');
  assert.equal(await engine.run('?cache=hit'), j1);
  assert.equal(await engine.run(new URLSearchParams({ cache: 'hit' })), j1);
  assert.equal(await engine.run({ ...defaultScenario(model), cache: 'hit' }), j1);
  const dflt = await engine.run('');
  assert.equal(dflt.scenario.cache, model.defaults.cache);
  assert.ok(dflt.totals.ns > j1.totals.ns);
});

test('a refused scenario rejects with an EngineError carrying field, value and allowed', async () => {
  await assert.rejects(engine.run('cache=lukewarm'), (e) => {
    assert.equal(e.name, 'EngineError');
    assert.ok(e instanceof engine.EngineError);
    assert.equal(e.status, 400);
    assert.equal(e.field, 'cache');
    assert.equal(e.value, 'lukewarm');
    assert.equal(e.allowed, 'hit, miss');
    assert.match(e.message, /lukewarm/);
    return true;
  });
  // not cached: asked again, refused again
  await assert.rejects(engine.run('cache=lukewarm'), /lukewarm/);
  await assert.rejects(engine.run('ghz=99'), (e) => e.field === 'ghz' && e.status === 400);
});

test('an answer that is not JSON is an error, as with the server', async () => {
  await assert.rejects(engine.run('format=csv'), /not JSON/);
  const raw = await engine.call('run', 'format=csv');
  assert.equal(raw.status, 200);
  assert.match(raw.contentType, /^text\/csv/);
  assert.match(raw.body, /^index,id,/);
});

test('compare() gives { a, b, ratio } computed as engine.js does', async () => {
  const c = await engine.compare('cache=hit', '');
  const [a, b] = await Promise.all([engine.run('cache=hit'), engine.run('')]);
  assert.deepEqual(c, compareJourneys(a, b));
  assert.equal(c.ratio, b.totals.ns / a.totals.ns);
});

test('measure() rejects and says to run `sysjourney serve`', async () => {
  await assert.rejects(engine.measure(), (e) => {
    assert.equal(e.name, 'EngineError');
    assert.match(e.message, /sysjourney serve/);
    return true;
  });
});

test('fit() fits a measure file, text or parsed, and rejects a bad one naming the field', async () => {
  const text = readFileSync(path.join(ROOT, 'tests/web/mock/fixtures/measure-file.json'), 'utf8');
  const fitted = await engine.fit(text);
  assert.equal(fitted.schema, 'sysjourney.measure/1');
  assert.equal(typeof fitted.verdict.within, 'number');
  assert.equal(fitted.verdict.band, 0.3);
  assert.ok(fitted.defaults.length > 0, 'the file leaves host facts out');
  for (const p of fitted.probes) {
    const off = Math.abs(p.predicted_ns - p.median_ns) / p.median_ns;
    if (Math.abs(off - 0.3) > 0.01) assert.equal(p.within, off <= 0.3, `${p.id}: within by the rule (off by ${off})`);
  }
  assert.deepEqual(await engine.fit(JSON.parse(text)), fitted);
  await assert.rejects(engine.fit('{"schema": "sysjourney.measure/1", "probes": [{"id": "read_pipe", "median_ns": "fast"}]}'), (e) => {
    assert.equal(e.name, 'EngineError');
    assert.equal(e.status, 400);
    assert.equal(e.field, 'probes[0].median_ns');
    assert.equal(e.value, '"fast"');
    return true;
  });
  await assert.rejects(engine.fit('not json'), (e) => e.status === 400 && e.field === 'file');
  // its profile prices a journey on that machine
  const j = await engine.run(`cache=hit&profile=${encodeURIComponent(JSON.stringify(fitted.profile))}`);
  assert.equal(j.profiled, true);
  assert.equal(j.scenario.cpu, fitted.profile.cpu);
});

test('the single-file build answers byte for byte like the split one', async (t) => {
  const single = path.join(WASM_DIR, 'single');
  if (!existsSync(path.join(single, 'sysjourney_engine.js'))) return t.skip('no single-file build');
  // A second copy of the module, loaded from single/ (the .wasm is inside the loader there).
  const other = await import(`${pathToFileURL(path.join(ROOT, 'web/engine_wasm.js')).href}?single`);
  await other.load(pathToFileURL(`${single}/`).href);
  for (const [endpoint, q] of [['model', ''], ['run', 'cache=hit&samples=100'], ['run', 'ghz=9'], ['compare', 'a=&b=cache%3Dhit']]) {
    const [x, y] = await Promise.all([engine.call(endpoint, q), other.call(endpoint, q)]);
    assert.deepEqual(y, x, `${endpoint}?${q}`);
  }
});
