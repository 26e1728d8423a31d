import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  allowedValues, defaultScenario, effective, fromQuery, normalize, parseFlag, relevance, summary, toQuery,
} from '../../../web/lib/scenario.js';

const model = JSON.parse(readFileSync(new URL('../mock/fixtures/model.json', import.meta.url), 'utf8'));
const def = defaultScenario(model);

test('the default scenario follows the model and leaves the machine to the preset', () => {
  assert.equal(def.op, 'read');
  assert.equal(def.fd, 'file');
  assert.equal(def.cache, 'miss');
  assert.equal(def.bytes, 16);
  assert.equal(def.direct, false);
  assert.equal(def.ghz, null);
  assert.equal(def.kpti, null);
  assert.equal(effective(def, model, 'ghz'), 3);
  assert.equal(effective(def, model, 'kpti'), false);
  assert.equal(effective({ ...def, kpti: true }, model, 'kpti'), true);
});

test('defaults are omitted from the query', () => {
  assert.equal(toQuery(def, model), '');
  assert.equal(toQuery({ ...def, cache: 'hit' }, model), 'cache=hit');
});

test('the query uses the API names and order, booleans as on/off', () => {
  const s = { ...def, fd: 'file', cache: 'miss', device: 'hdd', kpti: true, pcid: false, ghz: 2.1, tracer: 'strace', direct: true, bytes: 4096 };
  assert.equal(toQuery(s, model), 'device=hdd&ghz=2.1&kpti=on&pcid=off&bytes=4096&tracer=strace&direct=on');
});

test('options that do not apply are left out of the query', () => {
  // cache and device mean nothing for a pipe; batch only for io_uring
  assert.equal(toQuery({ ...def, fd: 'pipe', cache: 'hit', device: 'hdd', batch: 8 }, model), 'fd=pipe');
  assert.equal(toQuery({ ...def, api: 'io_uring', batch: 8 }, model), 'api=io_uring&batch=8');
  // a hit never reaches the device
  assert.equal(toQuery({ ...def, cache: 'hit', device: 'hdd' }, model), 'cache=hit');
  // PCID only matters with KPTI on
  assert.equal(toQuery({ ...def, pcid: false }, model), '');
  assert.equal(toQuery({ ...def, kpti: true, pcid: false }, model), 'kpti=on&pcid=off');
  // baselines: no descriptor, no cache
  assert.equal(toQuery({ ...def, op: 'function_call', cache: 'hit', tracer: 'strace' }, model), 'op=function_call');
  assert.equal(toQuery({ ...def, op: 'getppid', tracer: 'strace' }, model), 'op=getppid&tracer=strace');
});

test('round trip: query -> scenario -> query', () => {
  for (const q of ['', 'cache=hit', 'fd=tcp&wait=on&nonblock=on', 'device=optane&cpu=amd_epyc_vm&kpti=on&pcid=off',
    'cache=hit&api=io_uring&batch=32', 'op=vdso_clock_gettime', 'ghz=4.5&bytes=1048576&tracer=ptrace', 'bytes=4096&direct=on']) {
    const { scenario, problems } = fromQuery(`?${q}`, model);
    assert.deepEqual(problems, [], q);
    assert.equal(toQuery(scenario, model), q);
  }
});

test('fromQuery accepts true/false/1/0 and reports what it cannot use', () => {
  const { scenario, problems } = fromQuery('kpti=true&direct=1&cache=lukewarm&colour=blue&ghz=fast&wait=maybe', model);
  assert.equal(scenario.kpti, true);
  assert.equal(scenario.direct, true);
  assert.equal(scenario.cache, 'miss');
  assert.equal(scenario.ghz, null);
  assert.deepEqual(problems.map((p) => p.field), ['cache', 'colour', 'ghz', 'wait']);
  assert.match(problems[0].message, /lukewarm/);
  assert.match(problems[0].message, /hit, miss/);
});

test('fromQuery keeps out-of-range numbers for the engine to judge', () => {
  const { scenario, problems } = fromQuery('ghz=9', model);
  assert.equal(scenario.ghz, 9);
  assert.deepEqual(problems, []);
});

test('parseFlag', () => {
  assert.equal(parseFlag('on'), true);
  assert.equal(parseFlag('OFF'), false);
  assert.equal(parseFlag('0'), false);
  assert.equal(parseFlag('yes'), undefined);
});

test('relevance hides what does not apply and disables what has no effect', () => {
  const pipe = relevance({ ...def, fd: 'pipe' }, model);
  assert.equal(pipe.cache.applies, false);
  assert.equal(pipe.wait.applies, true);
  assert.equal(pipe.nonblock.applies, true);
  assert.equal(pipe.nonblock.enabled, false);
  assert.equal(relevance({ ...def, fd: 'pipe', wait: true }, model).nonblock.enabled, true);

  const hit = relevance({ ...def, cache: 'hit' }, model);
  assert.equal(hit.device.applies, true);
  assert.equal(hit.device.enabled, false);
  assert.match(hit.device.reason, /hit/);

  const direct = relevance({ ...def, cache: 'hit', direct: true }, model);
  assert.equal(direct.cache.enabled, false);
  assert.equal(direct.device.enabled, true);

  const vdso = relevance({ ...def, op: 'vdso_clock_gettime' }, model);
  assert.equal(vdso.fd.applies, false);
  assert.equal(vdso.tracer.applies, false);
  assert.equal(vdso.kpti.applies, false);
  assert.equal(vdso.cpu.enabled, true);

  assert.equal(relevance(def, model).pcid.enabled, false);
  assert.equal(relevance({ ...def, cpu: 'amd_epyc_vm' }, model).pcid.enabled, true);
  assert.equal(relevance(def, model).batch.applies, false);
  assert.equal(relevance({ ...def, api: 'io_uring_sqpoll' }, model).batch.enabled, true);
});

test('io_uring and sendfile need a file; normalize falls back to read', () => {
  assert.deepEqual(allowedValues('api', { ...def, fd: 'tcp' }, model), ['read', 'pread']);
  assert.deepEqual(allowedValues('api', def, model), model.options.api);
  assert.equal(normalize({ ...def, fd: 'tcp', api: 'sendfile' }, model).api, 'read');
  assert.equal(normalize({ ...def, fd: 'tcp', api: 'io_uring_sqpoll' }, model).api, 'read');
  assert.equal(normalize({ ...def, fd: 'file', api: 'sendfile' }, model).api, 'sendfile');
  assert.equal(fromQuery('fd=pipe&api=pread', model).scenario.api, 'pread');
  assert.equal(fromQuery('fd=pipe&api=io_uring', model).scenario.api, 'read');
});

test('the device can be left to the CPU preset', () => {
  assert.equal(def.device, '');
  assert.equal(effective(def, model, 'device'), 'nvme');
  assert.equal(effective({ ...def, cpu: 'amd_epyc_vm' }, model, 'device'), 'virtio');
  assert.equal(effective({ ...def, cpu: 'amd_epyc_vm', device: 'hdd' }, model, 'device'), 'hdd');
  assert.equal(toQuery({ ...def, cpu: 'amd_epyc_vm' }, model), 'cpu=amd_epyc_vm');
  assert.equal(summary({ ...def, cpu: 'amd_epyc_vm' }, model), 'read · file · miss · virtio · amd_epyc_vm');
});

test('summary names the scenario in a few words', () => {
  assert.equal(summary({ ...def, cache: 'hit' }, model), 'read · file · hit');
  assert.equal(summary(def, model), 'read · file · miss · nvme');
  assert.equal(summary({ ...def, cache: 'hit', api: 'io_uring', batch: 32 }, model), 'io_uring ×32 · file · hit');
  assert.equal(summary({ ...def, op: 'getppid' }, model), 'getppid()');
  assert.equal(summary({ ...def, cache: 'hit', tracer: 'strace', kpti: true }, model), 'read · file · hit · strace · KPTI on');
});

test('works with a sparse model (fallback defaults)', () => {
  const s = defaultScenario({ options: { cpu: ['x'] } });
  assert.equal(s.cpu, 'x');
  assert.equal(s.cache, 'miss');
});

test('the page checks numbers itself: one message naming the field, the value and what it takes', async () => {
  const { allowedText, forForm, parseBytes, problemsOf, rangeOf } = await import('../../../web/lib/scenario.js');
  assert.deepEqual(problemsOf(def, model), []);
  assert.deepEqual(problemsOf({ ...def, bytes: 0 }, model), [], 'read(fd, buf, 0) is valid');
  assert.deepEqual(rangeOf('bytes', { ranges: { bytes: [1, 1073741824] } }), [0, 1073741824], 'even where the model says 1');
  const [p] = problemsOf({ ...def, bytes: -1 }, model);
  assert.equal(p.field, 'bytes');
  assert.equal(p.value, '-1');
  assert.match(p.message, /Bytes to read cannot be -1: it takes a whole number of bytes from 0 to 1073741824/);
  assert.match(problemsOf({ ...def, bytes: 4.5 }, model)[0].message, /cannot be 4\.5/);
  assert.match(problemsOf({ ...def, bytes: NaN }, model)[0].message, /not a number/);
  assert.match(problemsOf({ ...def, ghz: 9 }, model)[0].message, /Clock \(GHz\) cannot be 9: it takes a number from 0\.5 to 6/);
  assert.deepEqual(problemsOf({ ...def, ghz: null }, model), [], 'empty: the preset\'s clock');
  assert.deepEqual(problemsOf({ ...def, batch: 0 }, model), [], 'batch means nothing for read()');
  assert.equal(problemsOf({ ...def, api: 'io_uring', batch: 0 }, model)[0].field, 'batch');
  assert.doesNotMatch(allowedText('bytes', model), /suffix/);
  // the engine's words about suffixes go: the form's number field takes none
  const f = forForm({ field: 'bytes', message: "invalid value '-1' for bytes: allowed 1 to 1073741824 (1GiB); suffixes k, M, G", allowed: '1 to 1073741824 (1GiB); suffixes k, M, G' });
  assert.equal(f.message, "invalid value '-1' for bytes: allowed 1 to 1073741824 (1GiB)");
  assert.equal(f.allowed, '1 to 1073741824 (1GiB)');
  assert.deepEqual(forForm({ field: 'cache', message: 'x', allowed: 'hit, miss' }), { message: 'x', allowed: 'hit, miss' });
  // a link may carry the API's suffixes
  assert.equal(parseBytes('4k'), 4096);
  assert.equal(parseBytes('1MiB'), 1048576);
  assert.ok(Number.isNaN(parseBytes('4q')));
  assert.equal(fromQuery('?bytes=4k', model).scenario.bytes, 4096);
  assert.equal(toQuery(fromQuery('?bytes=4k', model).scenario, model), 'bytes=4096');
});

test('the vocabulary is the model\'s: choices, on/off flags, numbers with ranges; no default means the preset\'s', async () => {
  const { vocabulary } = await import('../../../web/lib/scenario.js');
  const v = Object.fromEntries(vocabulary(model).map((o) => [o.name, o]));
  assert.equal(v.cache.kind, 'choice');
  assert.deepEqual(v.cache.values, model.options.cache);
  assert.equal(v.direct.kind, 'flag');
  assert.equal(v.direct.preset, false);
  assert.equal(v.kpti.kind, 'flag');
  assert.equal(v.kpti.preset, true, 'no default in the model: the CPU preset decides');
  assert.equal(v.bytes.kind, 'number');
  assert.equal(v.bytes.integer, true);
  assert.equal(v.ghz.integer, false);
  assert.equal(v.ghz.preset, true);
  // the engine's order, whatever order the model's JSON keys come in
  assert.deepEqual(vocabulary(model).map((o) => o.name).slice(0, 9), ['op', 'fd', 'cache', 'device', 'cpu', 'ghz', 'kpti', 'pcid', 'bytes']);
});

test('an option the engine adds reaches the query and the link without a page edit', async () => {
  const { problemsOf } = await import('../../../web/lib/scenario.js');
  const more = {
    ...model,
    options: { colour: ['plain', 'red'], turbo: ['off', 'on'], boost: ['on', 'off'], ...model.options },
    ranges: { ...model.ranges, cores: [1, 64], volts: [0.5, 1.5] },
    defaults: { ...model.defaults, colour: 'plain', turbo: false, cores: 1 },
  };
  const d = defaultScenario(more);
  assert.equal(d.colour, 'plain');
  assert.equal(d.turbo, false);
  assert.equal(d.boost, null, 'a flag without a default is left to the preset');
  assert.equal(d.cores, 1);
  assert.equal(d.volts, null);
  assert.equal(toQuery(d, more), '');
  // after the engine's own options, the new ones in the model's order
  const s = { ...d, cache: 'hit', colour: 'red', turbo: true, boost: false, cores: 8, volts: 0.9 };
  assert.equal(toQuery(s, more), 'cache=hit&colour=red&turbo=on&boost=off&cores=8&volts=0.9');
  const back = fromQuery('?cache=hit&colour=red&turbo=on&boost=off&cores=8&volts=0.9', more);
  assert.deepEqual(back.problems, []);
  assert.equal(toQuery(back.scenario, more), 'cache=hit&colour=red&turbo=on&boost=off&cores=8&volts=0.9');
  assert.deepEqual(fromQuery('colour=blue&turbo=maybe', more).problems.map((p) => p.field), ['colour', 'turbo']);
  // the model's own order wins when it gives one; options it does not list follow, not dropped
  assert.equal(toQuery(s, { ...more, order: ['colour', 'op', 'fd', 'cache', 'cores'] }),
    'colour=red&cache=hit&cores=8&turbo=on&boost=off&volts=0.9');
  // its numbers are checked like the others: whole when its default and range are
  assert.deepEqual(problemsOf({ ...s, cores: 8 }, more), []);
  assert.equal(problemsOf({ ...s, cores: 2.5 }, more)[0].field, 'cores');
  assert.equal(problemsOf({ ...s, cores: 99 }, more)[0].field, 'cores');
  assert.deepEqual(problemsOf({ ...s, volts: 0.75 }, more), [], 'not whole: volts takes fractions');
  assert.deepEqual(problemsOf({ ...s, volts: null }, more), [], 'empty: the preset\'s');
});
