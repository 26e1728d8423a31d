// engine.js with a stubbed fetch: URLs relative to the module, caching, errors as values, and the
// engine's own CSV, trace events and compare passed on as the engine wrote them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { isRefusal } from './refusal.js';

const model = JSON.parse(readFileSync(new URL('../mock/fixtures/model.json', import.meta.url), 'utf8'));
const hit = JSON.parse(readFileSync(new URL('./fixtures/journey-hit.json', import.meta.url), 'utf8'));
const miss = JSON.parse(readFileSync(new URL('./fixtures/journey-miss.json', import.meta.url), 'utf8'));
const measured = JSON.parse(readFileSync(new URL('../mock/fixtures/measure.json', import.meta.url), 'utf8'));

const calls = [];
const inits = [];
let measureReply = null; // what POST api/measure answers next: a function returning a response
let fitReply = null; // and POST api/fit
// A response as fetch gives it: the page reads the text (the engine's bytes) and parses it.
const answer = (status, text, type) => ({ ok: status < 300, status, headers: new Headers(type ? { 'Content-Type': type } : {}), text: async () => text });
const notJson = (status) => answer(status, '<!doctype html><title>not the engine</title>', 'text/html');
const CSV = 'index,id,title,lane,on_cpu,cycles,ns,share,start_ns,low_ns,high_ns,per,visible_to,source\n1,syscall_insn,"syscall, the instruction",user,true,100.0,33.333,0.5,0.000,30.000,40.000,read,"ftrace bpftrace",OTC\n';
globalThis.fetch = async (url, init = {}) => {
  const u = new URL(url);
  calls.push(u);
  inits.push(init);
  const json = (status, body) => answer(status, JSON.stringify(body), 'application/json');
  if (u.pathname.endsWith('/api/measure')) return measureReply ? measureReply() : json(200, measured);
  if (u.pathname.endsWith('/api/fit')) return fitReply ? fitReply(init) : json(200, measured);
  if (u.pathname.endsWith('/api/model')) return json(200, model);
  if (u.pathname.endsWith('/api/compare')) {
    const [a, b] = ['a', 'b'].map((k) => (new URLSearchParams(u.searchParams.get(k)).get('cache') === 'hit' ? hit : miss));
    return json(200, { schema: 'sysjourney.compare/1', a, b, ratio: Math.round((b.totals.ns / a.totals.ns) * 1e4) / 1e4, rows: [] });
  }
  if (u.pathname.endsWith('/api/run')) {
    if (u.searchParams.get('cache') === 'lukewarm') return json(400, { error: "unknown cache 'lukewarm'", field: 'cache', value: 'lukewarm', allowed: 'hit, miss' });
    if (u.searchParams.get('direct') === 'on' && u.searchParams.get('bytes') === '16') {
      return json(400, { error: 'read() with O_DIRECT fails with EINVAL for 16 bytes', field: 'bytes', value: '16', allowed: 'multiples of 512 with direct', errno: 'EINVAL' });
    }
    if (u.searchParams.get('boom')) throw new TypeError('Failed to fetch');
    if (u.searchParams.get('format') === 'csv') return answer(200, CSV, 'text/csv; charset=utf-8');
    if (u.searchParams.get('format') === 'trace-event') return json(200, { traceEvents: [], displayTimeUnit: 'ns' });
    return json(200, u.searchParams.get('cache') === 'hit' ? hit : miss);
  }
  return notJson(404);
};
const engine = await import('../../../web/engine.js');
const WEB = new URL('../../../web/', import.meta.url);

test('model() asks api/model next to the module for the page\'s view, once', async () => {
  const a = await engine.model();
  const b = await engine.model();
  assert.equal(a.schema, 'sysjourney.model/1');
  assert.equal(a, b);
  const modelCalls = calls.filter((u) => u.pathname.endsWith('/api/model'));
  assert.equal(modelCalls.length, 1);
  assert.equal(modelCalls[0].href, new URL('api/model?view=page', WEB).href);
});

test('run() takes a query string or a scenario object and caches by query', async () => {
  const before = calls.length;
  const j1 = await engine.run('cache=hit');
  const j2 = await engine.run('?cache=hit');
  const { defaultScenario } = await import('../../../web/lib/scenario.js');
  const j3 = await engine.run({ ...defaultScenario(model), cache: 'hit' });
  assert.equal(j1.schema, 'sysjourney.journey/1');
  assert.equal(j1, j2);
  assert.equal(j1, j3);
  assert.equal(calls.length - before, 1);
  assert.equal(calls.at(-1).href, new URL('api/run?cache=hit', WEB).href);
  await engine.run('');
  assert.equal(calls.at(-1).href, new URL('api/run', WEB).href);
});

test('a refused scenario rejects with the field, value and allowed values', async () => {
  await assert.rejects(engine.run('cache=lukewarm'), (e) => isRefusal(e, { field: 'cache', value: 'lukewarm', allowed: 'hit, miss', message: /lukewarm/ }));
  // a refusal is the engine's answer to that query: asked again, it is not fetched again (one
  // invalid value, one failed request in the console)
  const before = calls.length;
  await assert.rejects(engine.run('cache=lukewarm'), (e) => e.status === 400 && e.field === 'cache');
  assert.equal(calls.length - before, 0);
});

test('a refusal that is the kernel\'s own answer carries its errno', async () => {
  await assert.rejects(engine.run('direct=on&bytes=16'), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.errno, 'EINVAL');
    assert.equal(e.field, 'bytes');
    return true;
  });
  await assert.rejects(engine.run('cache=lukewarm'), (e) => e.errno === '');
});

test('network failures become a readable EngineError, and are asked again', async () => {
  await assert.rejects(engine.run('boom=1'), (e) => e.name === 'EngineError' && /Cannot reach the engine/.test(e.message));
  const before = calls.length;
  await assert.rejects(engine.run('boom=1'));
  assert.equal(calls.length - before, 1, 'a failure that may pass is not cached');
});

test('compare() asks the engine\'s api/compare with both queries and gives its answer', async () => {
  const c = await engine.compare('cache=hit', '');
  assert.equal(calls.at(-1).href, new URL('api/compare?a=cache%3Dhit&b=', WEB).href);
  assert.equal(c.schema, 'sysjourney.compare/1');
  assert.deepEqual(c.a, hit);
  assert.deepEqual(c.b, miss);
  // the engine rounds its ratio to 4 decimals
  assert.equal(c.ratio, Math.round((miss.totals.ns / hit.totals.ns) * 1e4) / 1e4);
  assert.ok(Array.isArray(c.rows), 'the engine\'s rows come along');
  // a scenario object is asked under its query
  const { defaultScenario } = await import('../../../web/lib/scenario.js');
  await engine.compare({ ...defaultScenario(model), cache: 'hit' }, { ...defaultScenario(model), fd: 'pipe' });
  assert.equal(calls.at(-1).href, new URL('api/compare?a=cache%3Dhit&b=fd%3Dpipe', WEB).href);
});

test('runAs() hands over the engine\'s own CSV and trace events, as text, asked every time', async () => {
  const before = calls.length;
  const csv = await engine.runAs('cache=hit', 'csv');
  assert.equal(calls.at(-1).href, new URL('api/run?cache=hit&format=csv', WEB).href);
  assert.equal(csv.body, CSV, 'byte for byte');
  assert.match(csv.contentType, /^text\/csv/);
  await engine.runAs('cache=hit', 'csv');
  assert.equal(calls.length - before, 2, 'a download is not cached');
  const trace = await engine.runAs('', 'trace-event');
  assert.equal(calls.at(-1).href, new URL('api/run?format=trace-event', WEB).href);
  assert.deepEqual(JSON.parse(trace.body), { traceEvents: [], displayTimeUnit: 'ns' });
  await assert.rejects(engine.runAs('cache=lukewarm', 'csv'), (e) => e.name === 'EngineError' && e.status === 400 && e.field === 'cache');
});

test('measure() POSTs api/measure next to the module, with no body, every time', async () => {
  measureReply = null;
  const before = calls.length;
  const m1 = await engine.measure();
  const m2 = await engine.measure();
  assert.equal(m1.schema, 'sysjourney.measure/1');
  assert.equal(m1.probes.length, 21);
  assert.equal(m2.schema, 'sysjourney.measure/1');
  assert.equal(calls.length - before, 2, 'a measurement is never cached');
  assert.equal(calls.at(-1).href, new URL('api/measure', WEB).href);
  assert.equal(inits.at(-1).method, 'POST');
  assert.equal(inits.at(-1).body, undefined, 'empty body: Content-Length 0');
});

test('measure() rejects 429 and 403 with the status and the server\'s words', async () => {
  const reply = (status, body) => () => answer(status, JSON.stringify(body), 'application/json');
  measureReply = reply(429, { error: 'a measurement is already running on this machine; try again when it ends', field: '', value: '', allowed: '' });
  await assert.rejects(engine.measure(), (e) => e.name === 'EngineError' && e.status === 429 && /already running/.test(e.message));
  measureReply = reply(403, { error: 'measurement is turned off on this server', field: '', value: '', allowed: '' });
  await assert.rejects(engine.measure(), (e) => e.status === 403 && /turned off/.test(e.message));
  measureReply = reply(500, { error: 'measurement failed: no space', field: 'dir', value: '/var/tmp', allowed: '' });
  await assert.rejects(engine.measure(), (e) => e.status === 500 && e.field === 'dir' && e.value === '/var/tmp');
  measureReply = null;
});

test('measure() with no sysjourney server behind the page says to run sysjourney serve', async () => {
  for (const make of [
    () => { throw new TypeError('Failed to fetch'); }, // nothing listening, or offline
    () => notJson(404), // a static host
    () => notJson(405), // a static host that refuses POST
    () => notJson(200), // a static host answering HTML
  ]) {
    measureReply = make;
    await assert.rejects(engine.measure(), (e) => e.name === 'EngineError' && /run `sysjourney serve`/.test(e.message));
  }
  measureReply = () => answer(200, JSON.stringify({ schema: 'sysjourney.journey/1' }), 'application/json');
  await assert.rejects(engine.measure(), /sysjourney\.measure\/1 was expected/);
  measureReply = null;
});

test('fit() POSTs the file\'s text to api/fit as JSON, every time, and resolves with the fitted document', async () => {
  fitReply = null;
  const text = '{"schema": "sysjourney.measure/1", "probes": []}';
  const before = calls.length;
  const f = await engine.fit(text);
  assert.equal(f.schema, 'sysjourney.measure/1');
  assert.equal(calls.length - before, 1);
  assert.equal(calls.at(-1).href, new URL('api/fit', WEB).href);
  assert.equal(inits.at(-1).method, 'POST');
  assert.equal(inits.at(-1).body, text, 'the text as it is');
  assert.equal(inits.at(-1).headers['Content-Type'], 'application/json');
  assert.equal(inits.at(-1).headers.Accept, 'application/json');
  await engine.fit({ schema: 'sysjourney.measure/1', probes: [] });
  assert.equal(inits.at(-1).body, JSON.stringify({ schema: 'sysjourney.measure/1', probes: [] }), 'a parsed document is sent as JSON');
  assert.equal(calls.length - before, 2, 'never cached');
});

test('fit() rejects a bad document with the field, value and allowed values the engine named', async () => {
  fitReply = () => answer(400, JSON.stringify({ error: 'probes[0].median_ns (read_pipe) must be a number above 0', field: 'probes[0].median_ns', value: '"fast"', allowed: 'a positive number of ns, at most 1e12' }), 'application/json');
  await assert.rejects(engine.fit('{}'), (e) => isRefusal(e, { field: 'probes[0].median_ns', value: '"fast"', allowed: 'a positive number of ns, at most 1e12' }));
  fitReply = () => answer(200, JSON.stringify({ schema: 'sysjourney.journey/1' }), 'application/json');
  await assert.rejects(engine.fit('{}'), /sysjourney\.measure\/1 was expected/);
  fitReply = null;
});

test('fit() where no server has api/fit tries the WebAssembly engine, and says so when that is missing too', async () => {
  // In node there is no sysjourney_engine.js next to web/ (tests/wasm runs it against a real build).
  fitReply = () => notJson(404);
  await assert.rejects(engine.fit('{}'), (e) => e.name === 'EngineError' && e.status === 404
    && /Fitting needs the sysjourney server or its WebAssembly engine/.test(e.message));
  fitReply = null;
});
