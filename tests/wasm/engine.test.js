// web/engine.js over the WebAssembly engine, in node: engine_wasm.js only carries calls into the
// module (call(endpoint, query, body) -> { status, contentType, body }), and engine.js reads its
// answers as it reads the server's (model, run, runAs, compare, measure, fit, EngineError), as the
// native server would; the single-file build answers like the split one.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { isRefusal } from '../web/unit/refusal.js';
import { ROOT, WASM_DIR, compareAnswers, differences, startNative } from './helpers.js';

// engine.js imports ./engine_wasm.js: the same module instance, started here on the build's files.
const wasm = await import(pathToFileURL(path.join(ROOT, 'web/engine_wasm.js')).href);
await wasm.load(pathToFileURL(`${WASM_DIR}/`).href);
// No server behind the page (engine.js asks file:...web/api/): it falls back to the WebAssembly
// engine. The native server the tests compare with is still asked over HTTP.
const httpFetch = globalThis.fetch;
globalThis.fetch = (url, init) => (String(url).startsWith('file:') ? Promise.reject(new TypeError('fetch failed')) : httpFetch(url, init));
const engine = await import(pathToFileURL(path.join(ROOT, 'web/engine.js')).href);
const { defaultScenario } = await import(pathToFileURL(path.join(ROOT, 'web/lib/scenario.js')).href);

test('engine_wasm.js exports the call into the module, and what wasm/snapshot.mjs starts and asks its modules with', () => {
  assert.deepEqual(Object.keys(wasm).sort(), ['call', 'caller', 'load', 'nodeFactory']);
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
    assert.ok(e instanceof engine.EngineError);
    return isRefusal(e, { field: 'cache', value: 'lukewarm', allowed: 'hit, miss', message: /lukewarm/ });
  });
  // asked again, refused again (a refusal is cached like a journey)
  await assert.rejects(engine.run('cache=lukewarm'), /lukewarm/);
  await assert.rejects(engine.run('ghz=99'), (e) => e.field === 'ghz' && e.status === 400);
});

test('an answer that is not JSON is an error, as with the server', async () => {
  await assert.rejects(engine.run('format=csv'), /not JSON/);
  const raw = await wasm.call('run', 'format=csv');
  assert.equal(raw.status, 200);
  assert.match(raw.contentType, /^text\/csv/);
  assert.match(raw.body, /^index,id,/);
});

test('compare() is the engine\'s api/compare: { a, b, ratio, rows } as the native server answers', async (t) => {
  const c = await engine.compare('cache=hit', '');
  const [a, b] = await Promise.all([engine.run('cache=hit'), engine.run('')]);
  assert.deepEqual(c.a, a);
  assert.deepEqual(c.b, b);
  assert.equal(c.ratio, Math.round((b.totals.ns / a.totals.ns) * 1e4) / 1e4, 'the engine rounds it to 4 decimals');
  assert.ok(c.rows.some((r) => r.a_ns === null && r.b_ns > 0), 'rows: a stage only the miss has');
  const native = await startNative();
  t.after(() => native.close());
  const n = JSON.parse((await native.get(`api/compare?a=${encodeURIComponent('cache=hit')}&b=`)).body);
  assert.deepEqual(differences(n, c), [], 'the native server\'s compare, up to float rounding');
});

test('runAs() gives the engine\'s CSV and trace events, as the native server writes them', async (t) => {
  const native = await startNative();
  t.after(() => native.close());
  for (const format of ['csv', 'trace-event']) {
    const mine = await engine.runAs({ ...defaultScenario(await engine.model()), cache: 'hit' }, format);
    const theirs = await native.get(`api/run?cache=hit&format=${format}`);
    assert.deepEqual(compareAnswers(theirs, { status: 200, ...mine }).diffs, [], format);
  }
  await assert.rejects(engine.runAs('cache=lukewarm', 'csv'), (e) => e.status === 400 && e.field === 'cache');
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

test('the engine starts from its snapshot, and answers byte for byte as without it or with a wrong one', async (t) => {
  if (!existsSync(path.join(WASM_DIR, 'sysjourney_engine.snap'))) return t.skip('no snapshot in the wasm build (wasm/snapshot.mjs)');
  assert.equal((await wasm.load()).fromSnapshot, true, 'the module next to its snapshot takes it');
  // The same module without the snapshot reads the model itself; with a snapshot of another
  // module (here: one byte of its hash changed) it must not take it.
  const dir = mkdtempSync(path.join(tmpdir(), 'sj-snap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = path.join(dir, 'plain');
  const wrong = path.join(dir, 'wrong');
  for (const d of [plain, wrong]) {
    mkdirSync(d);
    for (const f of ['sysjourney_engine.js', 'sysjourney_engine.wasm']) copyFileSync(path.join(WASM_DIR, f), path.join(d, f));
  }
  const snap = readFileSync(path.join(WASM_DIR, 'sysjourney_engine.snap'));
  snap[8] ^= 0xff;
  writeFileSync(path.join(wrong, 'sysjourney_engine.snap'), snap);
  for (const [name, d] of [['plain', plain], ['wrong', wrong]]) {
    const other = await import(`${pathToFileURL(path.join(ROOT, 'web/engine_wasm.js')).href}?${name}`);
    assert.equal((await other.load(pathToFileURL(`${d}/`).href)).fromSnapshot, false, name);
    for (const [endpoint, q] of [['model', ''], ['health', ''], ['run', 'fd=file&cache=miss'], ['run', 'fd=tcp&wait=on&nonblock=on'], ['run', 'cache=lukewarm'], ['compare', 'a=&b=cache%3Dhit']]) {
      assert.deepEqual(await other.call(endpoint, q), await wasm.call(endpoint, q), `${name}: ${endpoint}?${q}`);
    }
  }
});

test('the single-file build answers byte for byte like the split one', async (t) => {
  const single = path.join(WASM_DIR, 'single');
  if (!existsSync(path.join(single, 'sysjourney_engine.js'))) return t.skip('no single-file build');
  // A second copy of the module, loaded from single/ (the .wasm is inside the loader there).
  const other = await import(`${pathToFileURL(path.join(ROOT, 'web/engine_wasm.js')).href}?single`);
  await other.load(pathToFileURL(`${single}/`).href);
  for (const [endpoint, q] of [['model', ''], ['run', 'cache=hit&samples=100'], ['run', 'ghz=9'], ['compare', 'a=&b=cache%3Dhit']]) {
    const [x, y] = await Promise.all([wasm.call(endpoint, q), other.call(endpoint, q)]);
    assert.deepEqual(y, x, `${endpoint}?${q}`);
  }
});
