// The mock's journeys against the real engine's, so that the mock does not fall behind it.
//   node mock/refit_model.mjs URL           check: exit 1 (and say what differs) if they disagree
//   node mock/refit_model.mjs URL --write   first remake the engine's part of the fixtures
// URL is a running `sysjourney serve` (mock/refit.sh and tests/web/run_with_mock.sh start one).
//
// --write takes from the engine what the mock's journeys are made of: fixtures/model.json's
// option relevance, paths, stages (title, short name, lane, functions, explanation, cost...) and
// sources (the tail of the file from "relevance" on; the mock's own options, CPU presets and
// devices above it are left as they are), and fixtures/results.json (each path's result). The check then asks both the
// engine and the mock every scenario of SAMPLES (about a thousand: every route the mock takes,
// and the engine's refusals) and compares what the page depends on: the status; a refusal's
// error, field, value, allowed and errno; a journey's fields, path, result, and stage by stage
// its id, words, lane, unit and per. Not the numbers: the mock does not price like the engine.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const [base, mode] = [process.argv[2], process.argv[3]];
if (!base) {
  console.error('usage: node mock/refit_model.mjs URL [--write]');
  process.exit(2);
}
const api = (route, query = '') => new URL(`api/${route}${query ? `?${query}` : ''}`, base.endsWith('/') ? base : `${base}/`);

/** The scenarios compared: the options of the mock's model (its CPU presets aside, which are its own). */
function samples() {
  const out = [];
  for (const op of ['function_call', 'vdso_clock_gettime', 'getppid']) {
    for (const tracer of ['none', 'ptrace', 'strace']) for (const kpti of ['off', 'on']) out.push(`op=${op}&tracer=${tracer}&kpti=${kpti}`);
  }
  out.push('op=getppid&api=io_uring&batch=32&direct=on&bytes=0', 'op=function_call&fd=pipe&wait=on');
  const devices = ['nvme', 'optane', 'sata_ssd', 'hdd', 'virtio'];
  let i = 0;
  for (const fd of ['file', 'pipe', 'tcp', 'unix']) {
    for (const api of ['read', 'pread', 'io_uring', 'io_uring_sqpoll', 'sendfile']) {
      for (const cache of ['hit', 'miss']) {
        for (const direct of ['off', 'on']) {
          for (const [wait, nonblock] of [['off', 'off'], ['on', 'off'], ['on', 'on'], ['off', 'on']]) {
            for (const bytes of [16, 0, 512, 1048576]) {
              const tracer = ['none', 'ptrace', 'strace'][Math.floor(i / 5) % 3];
              const kpti = i % 7 < 3 ? 'on' : 'off';
              const batch = api.startsWith('io_uring') ? [1, 32, 4096][i % 3] : 1;
              out.push(`fd=${fd}&api=${api}&cache=${cache}&direct=${direct}&wait=${wait}&nonblock=${nonblock}&bytes=${bytes}&device=${devices[i % 5]}&tracer=${tracer}&kpti=${kpti}&batch=${batch}`);
              i++;
            }
          }
        }
      }
    }
  }
  // every device on every route that reaches one, with the default tracer and KPTI
  for (const device of devices) {
    for (const q of ['', 'direct=on&bytes=4096', 'api=io_uring&batch=8', 'api=io_uring_sqpoll', 'api=sendfile', 'api=pread']) out.push(`device=${device}${q ? `&${q}` : ''}`);
  }
  out.push('batch=2', 'api=pread&batch=8', 'fd=pipe&api=pread&batch=8', 'wait=on', 'cache=hit&wait=on&nonblock=on', 'pcid=off&kpti=on', 'cpu=amd_zen4',
    'ghz=9', 'ghz=', 'ghz=abc', 'ghz=0.4', 'ghz=1e0', 'bytes=-1', 'bytes=1.5', 'bytes=4k', 'bytes=1MiB', 'bytes=2G', 'bytes=16x', 'batch=0', 'batch=5000',
    'batch=2.5', 'cache=lukewarm', 'fd=socket', 'kpti=maybe', 'kpti=yes', 'direct=1', 'wait=true', 'colour=blue', 'tracer=gdb', 'api=aio', 'format=xml',
    'direct=on&bytes=16', 'direct=on&bytes=0', 'direct=on&bytes=100&api=io_uring', 'fd=tcp&bytes=0&api=sendfile');
  return out;
}

async function real(route, query = '') {
  const r = await fetch(api(route, query));
  return { status: r.status, body: await r.json() };
}

// --- --write: the engine's part of the fixtures ---

async function write() {
  const model = (await real('model')).body;
  const stageIds = new Set();
  const results = {};
  for (const q of samples()) {
    const { status, body } = await real('run', q);
    if (status !== 200) continue;
    for (const st of body.stages) stageIds.add(st.id);
    results[body.path.id] = body.result;
  }
  const stages = model.stages.filter((s) => stageIds.has(s.id));
  const paths = model.paths.filter((p) => p.id in results);
  // the sources the stages cite, themselves and through their costs
  const cited = new Set(stages.flatMap((s) => [s.source, s.cost?.source, s.events?.source, ...Object.values(s.costs ?? {}).map((c) => c.source)]));
  const sources = model.sources.filter((s) => cited.has(s.id));
  const file = new URL('model.json', FIXTURES);
  const text = readFileSync(file, 'utf8');
  // The engine's part starts at "relevance" (the options' rules, core/relevance.h), or at
  // "paths" in a file made before relevance was published.
  const starts = ['\n  "relevance": {', '\n  "paths": ['].map((s) => text.indexOf(s)).filter((i) => i > 0);
  assert.ok(starts.length > 0, 'fixtures/model.json: "relevance" or "paths" must follow the mock\'s own sections');
  const at = Math.min(...starts);
  const list = (name, items, last = false) => `  "${name}": [\n${items.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]${last ? '' : ','}\n`;
  const rules = `  "relevance": {\n${Object.entries(model.relevance).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n  },\n`;
  writeFileSync(file, `${text.slice(0, at + 1)}${rules}${list('paths', paths)}${list('stages', stages)}${list('sources', sources, true)}}\n`);
  const ordered = Object.fromEntries(model.paths.filter((p) => p.id in results).map((p) => [p.id, results[p.id]]));
  writeFileSync(new URL('results.json', FIXTURES), `${JSON.stringify({
    _comment: "Each path's result as the real engine words it (made by mock/refit.sh; do not edit).", ...ordered,
  }, null, 1)}\n`);
  console.log(`refit_model: fixtures/model.json (${paths.length} paths, ${stages.length} stages, ${sources.length} sources) and fixtures/results.json from ${base}`);
}

// --- the check ---

const STAGE_WORDS = ['id', 'title', 'short', 'lane', 'on_cpu', 'visible_to', 'functions', 'explain', 'unit', 'per', 'source'];

async function check() {
  const { MODEL, ScenarioError, buildJourney, compareJourneys, journeyCsv, journeyTraceEvent, parseScenario } = await import('./journey.js');
  // each difference once, with how many scenarios show it and the first of them
  const problems = new Map();
  const say = (what, q = null) => {
    const p = problems.get(what) ?? { n: 0, q };
    p.n++;
    problems.set(what, p);
  };
  // the catalogue is the engine's
  const model = (await real('model')).body;
  for (const [name, items] of [['stages', MODEL.stages], ['paths', MODEL.paths], ['sources', MODEL.sources]]) {
    for (const x of items) {
      const theirs = model[name].find((y) => y.id === x.id);
      try {
        assert.deepEqual(x, theirs);
      } catch {
        say(`model.json ${name} ${x.id}: not the engine's any more`);
      }
    }
  }
  try {
    assert.deepEqual(MODEL.relevance, model.relevance);
  } catch {
    say('model.json relevance: not the engine\'s any more');
  }
  const RESULTS = JSON.parse(readFileSync(new URL('results.json', FIXTURES), 'utf8'));
  // every scenario, answered by both
  let n = 0;
  for (const q of samples()) {
    n++;
    const theirs = await real('run', q);
    let ours;
    try {
      ours = { status: 200, body: buildJourney(parseScenario(new URLSearchParams(q))) };
    } catch (e) {
      if (!(e instanceof ScenarioError)) {
        say(`the mock failed: ${e.message}`, q);
        continue;
      }
      ours = { status: 400, body: { allowed: e.allowed, error: e.message, field: e.field, value: e.value, ...(e.errno ? { errno: e.errno } : {}) } };
    }
    if (ours.status !== theirs.status) {
      say(`the mock answers ${ours.status}${ours.status === 400 ? ` (${ours.body.error})` : ''}, the engine ${theirs.status}${theirs.status === 400 ? ` (${theirs.body.error})` : ''}`, q);
      continue;
    }
    if (ours.status !== 200) {
      for (const k of ['error', 'field', 'value', 'allowed', 'errno']) {
        if (ours.body[k] !== theirs.body[k]) say(`${k} is ${JSON.stringify(ours.body[k])} in the mock, ${JSON.stringify(theirs.body[k])} in the engine`, q);
      }
      continue;
    }
    const [a, b] = [ours.body, theirs.body];
    const keys = (o) => Object.keys(o).join(',');
    if (keys(a) !== keys(b)) say(`journey fields ${keys(a)} vs the engine's ${keys(b)}`, q);
    if (keys(a.totals) !== keys(b.totals)) say(`totals ${keys(a.totals)} vs the engine's ${keys(b.totals)}`, q);
    for (const [k, v] of Object.entries(a.scenario)) if (v !== b.scenario[k]) say(`scenario.${k} is ${v} in the mock, ${b.scenario[k]} in the engine`, q);
    if (a.path.id !== b.path.id || a.path.title !== b.path.title) say(`path ${a.path.id} vs the engine's ${b.path.id}`, q);
    if (a.result !== b.result) say(`result "${a.result}" vs the engine's "${b.result}"${RESULTS[b.path.id] === b.result ? '' : ' (run mock/refit.sh)'}`, q);
    const ids = (j) => j.stages.map((st) => st.id).join(' ');
    if (ids(a) !== ids(b)) {
      const [x, y] = [a.stages.map((st) => st.id), b.stages.map((st) => st.id)];
      const i = x.findIndex((id, k) => id !== y[k]) < 0 ? x.length : x.findIndex((id, k) => id !== y[k]);
      say(`${b.path.id}: after ${x[i - 1] ?? 'the start'} the mock goes to ${x[i] ?? 'the end'}, the engine to ${y[i] ?? 'the end'}`, q);
      continue;
    }
    a.stages.forEach((st, i) => {
      if (keys(st) !== keys(b.stages[i])) say(`stage ${st.id}'s fields ${keys(st)} vs the engine's ${keys(b.stages[i])}`, q);
      for (const k of STAGE_WORDS) {
        if (JSON.stringify(st[k]) !== JSON.stringify(b.stages[i][k])) say(`stage ${st.id}'s ${k} is ${JSON.stringify(st[k])} in the mock, ${JSON.stringify(b.stages[i][k])} in the engine`, q);
      }
    });
  }
  // the other formats, figures aside: the CSV's columns and the trace events' fields, and compare's rows
  const mockRun = (q) => buildJourney(parseScenario(new URLSearchParams(q)));
  const words = (csv) => csv.split('\n').map((l) => l.split(',').map((c) => (/^-?[\d.]+$/.test(c) ? '#' : c)).join(','));
  const shape = (t) => JSON.stringify(t, (k, v) => (['ts', 'dur', 'cycles'].includes(k) ? '#' : v));
  for (const q of ['', 'cache=hit&tracer=strace', 'api=io_uring&batch=8&device=hdd', 'fd=unix&wait=on']) {
    const csv = await (await fetch(api('run', `${q}&format=csv`))).text();
    if (words(journeyCsv(mockRun(q))).join('\n') !== words(csv).join('\n')) say(`format=csv differs from the engine's (figures aside)`, q);
    const te = (await real('run', `${q}&format=trace-event`)).body;
    if (shape(journeyTraceEvent(mockRun(q))) !== shape(te)) say(`format=trace-event differs from the engine's (figures aside)`, q);
  }
  const cmp = (await real('compare', 'a=cache%3Dhit&b=fd%3Dpipe%26wait%3Don')).body;
  const ours = compareJourneys(mockRun('cache=hit'), mockRun('fd=pipe&wait=on'));
  const rowShape = (c) => JSON.stringify([Object.keys(c), c.rows.map((r) => [r.id, r.title, r.a_ns === null, r.b_ns === null])]);
  if (rowShape(ours) !== rowShape(cmp)) say('compare: the rows differ from the engine\'s (figures aside)');
  if (problems.size) {
    console.error(`refit_model: the mock no longer follows the engine at ${base}: ${problems.size} difference${problems.size > 1 ? 's' : ''}`
      + ' (the stages\' words, paths and results are mock/refit.sh\'s to remake; routes and refusals are mock/journey.js\'s):');
    for (const [what, { n, q }] of [...problems].slice(0, 30)) {
      console.error(`  ${what}${q === null ? '' : `\n      in ${n} scenario${n > 1 ? 's' : ''}, e.g. ?${q}`}`);
    }
    if (problems.size > 30) console.error(`  ... and ${problems.size - 30} more`);
    process.exit(1);
  }
  console.log(`refit_model: the mock follows the engine at ${base} in ${n} scenarios`);
}

if (mode === '--write') await write();
else if (mode) {
  console.error(`refit_model: unknown argument ${mode}`);
  process.exit(2);
}
await check();
