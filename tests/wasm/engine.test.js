// web/engine_wasm.js in node: the same exports and behaviour as web/engine.js (model, run,
// compare, measure, EngineError), and the single-file build answering like the split one.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
