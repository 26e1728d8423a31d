// engine.js with a stubbed fetch: URLs relative to the module, caching, errors as values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const model = JSON.parse(readFileSync(new URL('../mock/fixtures/model.json', import.meta.url), 'utf8'));
const hit = JSON.parse(readFileSync(new URL('./fixtures/journey-hit.json', import.meta.url), 'utf8'));
const miss = JSON.parse(readFileSync(new URL('./fixtures/journey-miss.json', import.meta.url), 'utf8'));

const calls = [];
globalThis.fetch = async (url) => {
  const u = new URL(url);
  calls.push(u);
  const json = (status, body) => ({ ok: status < 300, status, json: async () => body });
  if (u.pathname.endsWith('/api/model')) return json(200, model);
  if (u.pathname.endsWith('/api/run')) {
    if (u.searchParams.get('cache') === 'lukewarm') return json(400, { error: "unknown cache 'lukewarm'", field: 'cache', value: 'lukewarm', allowed: 'hit, miss' });
    if (u.searchParams.get('boom')) throw new TypeError('Failed to fetch');
    return json(200, u.searchParams.get('cache') === 'hit' ? hit : miss);
  }
  return { ok: false, status: 404, json: async () => { throw new SyntaxError('not json'); } };
};
const engine = await import('../../../web/engine.js');
const WEB = new URL('../../../web/', import.meta.url);

test('model() asks api/model next to the module, once', async () => {
  const a = await engine.model();
  const b = await engine.model();
  assert.equal(a.schema, 'sysjourney.model/1');
  assert.equal(a, b);
  const modelCalls = calls.filter((u) => u.pathname.endsWith('/api/model'));
  assert.equal(modelCalls.length, 1);
  assert.equal(modelCalls[0].href, new URL('api/model', WEB).href);
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
  await assert.rejects(engine.run('cache=lukewarm'), (e) => {
    assert.equal(e.name, 'EngineError');
    assert.equal(e.status, 400);
    assert.equal(e.field, 'cache');
    assert.equal(e.value, 'lukewarm');
    assert.equal(e.allowed, 'hit, miss');
    assert.match(e.message, /lukewarm/);
    return true;
  });
  // failures are not cached: the same query is asked again
  const before = calls.length;
  await assert.rejects(engine.run('cache=lukewarm'));
  assert.equal(calls.length - before, 1);
});

test('network failures become a readable EngineError', async () => {
  await assert.rejects(engine.run('boom=1'), (e) => e.name === 'EngineError' && /Cannot reach the engine/.test(e.message));
});

test('compare() runs both and gives the ratio b/a', async () => {
  const c = await engine.compare('cache=hit', '');
  assert.equal(c.schema, 'sysjourney.compare/1');
  assert.equal(c.a, hit);
  assert.equal(c.b, miss);
  assert.equal(c.ratio, miss.totals.ns / hit.totals.ns);
});

test('measure() is a placeholder that rejects', async () => {
  await assert.rejects(engine.measure(), /not available/);
});
