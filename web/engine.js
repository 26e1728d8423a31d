// The page's only door to the engine: the server's JSON API or, where no server stands behind
// the page, the same C++ engine built to WebAssembly (engine_wasm.js), without the views noticing.
//
//   import * as engine from './engine.js';
//   const model = await engine.model();              // sysjourney.model/1
//   const j = await engine.run({ ...scenario });      // sysjourney.journey/1
//   const j2 = await engine.run('fd=file&cache=hit'); // a query string works too
//   const f1 = await engine.runAs(q, 'csv');          // { contentType, body }: the engine's CSV (or 'trace-event')
//   const c = await engine.compare(a, b);             // sysjourney.compare/1 (GET api/compare)
//   const m = await engine.measure();                 // sysjourney.measure/1: times this machine
//   const f = await engine.fit(text);                 // sysjourney.measure/1 of any machine, fitted
//
// Both transports give the same raw answer, { status, contentType, body }; this module reads it
// (errors, JSON, the cache) the same way for both. Failures reject with an EngineError whose
// message is fit to show a person; when the engine refused the scenario it also carries the
// offending field, value and the allowed values.
import { NEEDS_SERVER } from './lib/measure.js';
import { fromQuery, toQuery } from './lib/scenario.js';

// Relative to this module, so the page works from any sub-path of a static host.
const API = new URL('api/', import.meta.url);

// A static build (wasm/site.sh) marks its index.html with <meta name="sysjourney-engine"
// content="wasm">: the engine then runs in the page and the API is never asked. Unmarked, the
// API is asked first and the WebAssembly engine takes over only if api/model fails.
let backend = globalThis.document?.querySelector('meta[name="sysjourney-engine"][content="wasm"]') ? 'wasm' : 'api';
let wasmModule = null;

export class EngineError extends Error {
  constructor(message, { status = 0, field = '', value = '', allowed = '', errno = '' } = {}) {
    super(message);
    this.name = 'EngineError';
    this.status = status;
    this.field = field;
    this.value = value;
    this.allowed = allowed;
    // Set when the refusal is the kernel's own answer to that call ("EINVAL"): the call is valid
    // to make and returns -1 with this errno.
    this.errno = errno ?? '';
  }
}

// The WebAssembly engine's raw answer; a module that cannot start is an EngineError (status 0).
async function viaWasm(path, query, body) {
  if (!wasmModule) {
    wasmModule = import('./engine_wasm.js');
    wasmModule.catch(() => {
      wasmModule = null;
    });
  }
  try {
    return await (await wasmModule).call(path, query, body);
  } catch (e) {
    throw new EngineError(e?.message ?? String(e));
  }
}

// The server's raw answer; a server that cannot be reached is an EngineError (status 0).
async function viaApi(path, query, method, body, accept) {
  const init = { headers: { Accept: accept } };
  if (method) init.method = method;
  if (body !== undefined) {
    init.body = body;
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(new URL(query ? `${path}?${query}` : path, API), init);
  } catch (e) {
    throw new EngineError(`Cannot reach the engine (${e.message}).`);
  }
  let text = null;
  try {
    text = await res.text();
  } catch {
    // no body: handled as not JSON
  }
  return { status: res.status, contentType: res.headers?.get?.('content-type') ?? '', body: text };
}

/**
 * One call into the engine: GET api/<path>?<query>, or a POST (with `body`, or empty). Resolves
 * with the answer { status, contentType, body }; rejects with an EngineError when it is a refusal.
 */
async function ask(path, query = '', { method, body, via = backend, accept = 'application/json' } = {}) {
  const res = via === 'wasm' ? await viaWasm(path, query, body) : await viaApi(path, query, method, body, accept);
  if (res.status < 200 || res.status > 299) {
    const err = parseJson(res.body);
    const msg = err?.error ?? `The engine answered HTTP ${res.status}.`;
    throw new EngineError(msg, { status: res.status, field: err?.field, value: err?.value, allowed: err?.allowed, errno: err?.errno });
  }
  return res;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function askJson(path, query, options) {
  const body = parseJson((await ask(path, query, options)).body);
  if (body === null) throw new EngineError('The engine answered with something that is not JSON.');
  return body;
}

let modelPromise = null;
const runs = new Map();

/**
 * The model as the page reads it (view=page): option vocabulary, defaults, CPU presets, devices,
 * mitigations, sources. Not the stage catalogue: each journey brings its own stages.
 */
export function model() {
  if (!modelPromise) {
    modelPromise = askJson('model', 'view=page').catch((e) => {
      if (backend === 'wasm') throw e;
      return askJson('model', 'view=page', { via: 'wasm' }).then((m) => {
        backend = 'wasm';
        return m;
      }, () => Promise.reject(e));
    });
    modelPromise.catch(() => {
      modelPromise = null;
    });
  }
  return modelPromise;
}

async function queryOf(scenario) {
  if (typeof scenario === 'string') return scenario.replace(/^\?/, '');
  if (scenario instanceof URLSearchParams) return scenario.toString();
  return toQuery(scenario ?? {}, await model());
}

/**
 * Runs one scenario: a scenario object (see lib/scenario.js), a query string or URLSearchParams.
 * Answers are cached by query; treat them as read-only. A query is asked at once (before this
 * returns), so that a request made while the page still loads is not held up behind its script.
 */
export function run(scenario) {
  if (typeof scenario === 'string' || scenario instanceof URLSearchParams) {
    return runQuery(typeof scenario === 'string' ? scenario.replace(/^\?/, '') : scenario.toString());
  }
  return queryOf(scenario).then(runQuery);
}

function runQuery(q) {
  if (!runs.has(q)) {
    const p = askJson('run', q);
    runs.set(q, p);
    // A refusal (400) is the engine's answer to that query and stays cached with the journeys:
    // asking again would only log the same failed request once more. Other failures may pass.
    p.catch((e) => {
      if (e?.status !== 400) runs.delete(q);
    });
  }
  return runs.get(q);
}

/**
 * One run as the engine writes it in another format: 'csv' or 'trace-event' (Chrome's
 * trace-event JSON). Resolves with { contentType, body } (text); not cached (a download).
 */
export async function runAs(scenario, format) {
  const q = [await queryOf(scenario), `format=${encodeURIComponent(format)}`].filter(Boolean).join('&');
  const { contentType, body } = await ask('run', q, { accept: '*/*' });
  return { contentType, body: body ?? '' };
}

/** Both scenarios compared by the engine: sysjourney.compare/1 { a, b, ratio, rows }, ratio = b/a in time. */
export async function compare(a, b) {
  const [qa, qb] = await Promise.all([queryOf(a), queryOf(b)]);
  return askJson('compare', `a=${encodeURIComponent(qa)}&b=${encodeURIComponent(qb)}`);
}

/**
 * Times the real machine the server runs on and fits the model to it (POST api/measure, about a
 * second; never cached). Resolves with sysjourney.measure/1. Rejects with an EngineError: 429
 * while another measurement runs, 403 when the server has measuring turned off, 500 when it
 * failed, and NEEDS_SERVER when no sysjourney server stands behind the page (a static host, or
 * the WebAssembly engine, which cannot time system calls).
 */
export async function measure() {
  if (backend === 'wasm') throw new EngineError(NEEDS_SERVER, { status: 0 });
  let m;
  try {
    // An empty body: fetch sends an empty POST (Content-Length: 0).
    m = await askJson('measure', '', { method: 'POST' });
  } catch (e) {
    // Unreachable, no such endpoint, POST refused, or an answer that is not ours.
    if ([0, 404, 405, 501].includes(e.status)) throw new EngineError(NEEDS_SERVER, { status: e.status });
    throw e;
  }
  return measureDoc(m);
}

function measureDoc(m) {
  if (m?.schema !== 'sysjourney.measure/1' || !Array.isArray(m.probes)) {
    throw new EngineError(`The engine answered ${m?.schema ?? 'something else'} where sysjourney.measure/1 was expected.`);
  }
  return m;
}

/**
 * Fits the model to a measure file from any machine: `doc` is the file's text (or the parsed
 * document). POST api/fit; on a host without the API (a static site), the WebAssembly engine's
 * fit, which is the same C++. Resolves with the fitted sysjourney.measure/1 (preset, model_ns,
 * calibrated_ns, predicted_ns, within, parameters, profile, verdict, defaults). A document the
 * engine refuses rejects with status 400 and the offending field, value and allowed values.
 */
export async function fit(doc) {
  const body = typeof doc === 'string' ? doc : JSON.stringify(doc);
  if (backend === 'wasm') return measureDoc(await askJson('fit', '', { method: 'POST', body }));
  let m;
  try {
    m = await askJson('fit', '', { method: 'POST', body });
  } catch (e) {
    // No such endpoint here (a static host, an older server): the engine in the page can fit.
    if ([0, 404, 405, 501].includes(e.status)) {
      const m = await askJson('fit', '', { method: 'POST', body, via: 'wasm' }).catch((we) => Promise.reject(we.status ? we : new EngineError(
        `Fitting needs the sysjourney server or its WebAssembly engine, and neither answered here (${e.message.replace(/\.$/, '')}; ${we.message.replace(/\.$/, '')}).`,
        { status: e.status })));
      return measureDoc(m);
    }
    throw e;
  }
  return measureDoc(m);
}

// In a page, the first answers start with this module rather than after the views are built:
// the model, then the journey the address bar asks for (the page's first run, whether it runs it
// or previews its route), under the query the page will ask with. The server marks a link whose
// query its engine accepts with a preload of that journey (<link rel="preload" href="api/run?…"
// data-sysjourney-run>): asked for with the very same query, it is the one request, already on
// its way while this script still loads. Unmarked (a static site, a link the engine refuses),
// the journey waits for the model: asking an unchecked query would log a failed request.
if (globalThis.document && globalThis.location) {
  const preloaded = globalThis.document.querySelector('link[rel="preload"][data-sysjourney-run]');
  const early = preloaded ? new URL(preloaded.href).search.slice(1) : null;
  if (early) runQuery(early).catch(() => {});
  model().then((m) => {
    const { scenario, problems } = fromQuery(globalThis.location.search, m);
    const q = toQuery(scenario, m);
    // The page reads the link as this scenario, with nothing dropped: the preloaded answer is
    // this query's too (the page leaves defaults out; the link may spell them).
    if (early && q !== early && problems.length === 0 && !runs.has(q)) runs.set(q, runs.get(early));
    return run(q);
  }).catch(() => {});
}
