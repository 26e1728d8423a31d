// The engine as WebAssembly: the same C++ core and the same API code as the server
// (server/api.cc, built by wasm/build.sh), run inside the page. Same exports as engine.js, so
// engine.js can hand over to it on a static host (wasm/site.sh) and the views notice nothing.
//
//   import * as engine from './engine_wasm.js';
//   const model = await engine.model();              // sysjourney.model/1, as GET api/model
//   const j = await engine.run('fd=file&cache=hit');   // sysjourney.journey/1, as GET api/run?...
//   const c = await engine.compare(a, b);             // computed here, as engine.js does
//   await engine.measure();                           // rejects: measuring needs the server
//   const f = await engine.fit(text);                 // a measure file fitted, as POST api/fit
//
// The module is sysjourney_engine.js (Emscripten's loader, a classic script) and
// sysjourney_engine.wasm next to this file; a single-file build has the .wasm inlined in the
// loader. In a browser the loader is added as a <script> (script-src 'self' allows it; a host
// that sets a Content-Security-Policy must also allow 'wasm-unsafe-eval'); in node it is read
// from disk.
import { compareJourneys } from './lib/compare.js';
import { NEEDS_SERVER } from './lib/measure.js';
import { toQuery } from './lib/scenario.js';

const LOADER = 'sysjourney_engine.js';
const WASM = 'sysjourney_engine.wasm';
const BASE = import.meta.url;

export class EngineError extends Error {
  constructor(message, { status = 0, field = '', value = '', allowed = '', errno = '' } = {}) {
    super(message);
    this.name = 'EngineError';
    this.status = status;
    this.field = field;
    this.value = value;
    this.allowed = allowed;
    this.errno = errno ?? ''; // the kernel's own answer ("EINVAL"), when that is what the refusal is
  }
}

const inNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof document === 'undefined';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    (document.head ?? document.documentElement).append(script);
  });
}

// The factory Emscripten's loader defines (-sMODULARIZE -sEXPORT_NAME=SysjourneyEngine).
async function factory(base) {
  if (typeof globalThis.SysjourneyEngine === 'function') return { create: globalThis.SysjourneyEngine, options: {} };
  const loaderUrl = new URL(LOADER, base);
  if (inNode) {
    // The loader is CommonJS-shaped; run it as such whatever the nearest package.json says.
    const [{ readFile }, vm, { createRequire }, { fileURLToPath }, path] = await Promise.all([
      import('node:fs/promises'), import('node:vm'), import('node:module'), import('node:url'), import('node:path')]);
    const file = fileURLToPath(loaderUrl);
    const code = await readFile(file, 'utf8');
    const wrapped = vm.runInThisContext(`(function (module, exports, require, __filename, __dirname) {${code}\n})`, { filename: file });
    const mod = { exports: {} };
    wrapped(mod, mod.exports, createRequire(file), file, path.dirname(file));
    const options = {};
    // Node's fetch cannot read file: URLs; hand the module over (absent in a single-file build).
    try {
      options.wasmBinary = await readFile(fileURLToPath(new URL(WASM, base)));
    } catch {
      // single-file build: the loader carries the module
    }
    return { create: mod.exports, options };
  }
  await loadScript(loaderUrl.href);
  if (typeof globalThis.SysjourneyEngine !== 'function') throw new Error(`${LOADER} did not define SysjourneyEngine`);
  return { create: globalThis.SysjourneyEngine, options: { locateFile: (name) => new URL(name, base).href } };
}

// The module runs on the page's thread: a worker was tried and was no faster to the first trace
// (Chromium starts it only once the document is parsed), and runs take milliseconds.
async function instantiate(base) {
  const { create, options } = await factory(base);
  const M = await create({ ...options, print: () => {}, printErr: () => {} });
  const put = (text) => {
    const n = M.lengthBytesUTF8(text) + 1;
    const p = M._malloc(n);
    M.stringToUTF8(text, p, n);
    return p;
  };
  return {
    async call(endpoint, query) {
      const e = put(endpoint);
      const q = put(query);
      try {
        const body = M._sj_call(e, q);
        return { status: M._sj_status(), contentType: M.UTF8ToString(M._sj_content_type()), body: M.UTF8ToString(body, M._sj_length()) };
      } finally {
        M._free(e);
        M._free(q);
      }
    },
  };
}

let enginePromise = null;

/**
 * Starts the engine (once) and resolves to { call(endpoint, query) -> Promise<{ status,
 * contentType, body }> }. `base` is where the engine's files are (default: next to this module).
 */
export function load(base = BASE) {
  if (!enginePromise) {
    enginePromise = instantiate(base).catch((e) => {
      enginePromise = null;
      // Emscripten's "Aborted(why). Build with -s ASSERTIONS=1 for more info." -> why
      const why = String(e?.message ?? e).replace(/^Aborted\((.*)\)(\. Build with .*)?$/s, '$1');
      throw new EngineError(`Cannot start the WebAssembly engine (${why}).`);
    });
  }
  return enginePromise;
}

// What the server's query string would be after the browser's URL parser: the same percent-
// encoding of spaces, quotes, non-ASCII..., and anything after '#' dropped.
function wireQuery(q) {
  return new URL(q ? `run?${q}` : 'run', 'http://engine/').search.replace(/^\?/, '');
}

/**
 * The raw answer to GET api/<endpoint>?<query> ("model", "run", "compare", "health"):
 * { status, contentType, body } with the body as text, byte for byte what the server sends.
 */
export async function call(endpoint, query = '') {
  return (await load()).call(String(endpoint), wireQuery(String(query).replace(/^\?/, '')));
}

// As engine.js's getJson: the parsed body, or an EngineError carrying the error contract.
function parseAnswer(res) {
  let body = null;
  try {
    body = JSON.parse(res.body);
  } catch {
    // not JSON: handled below
  }
  if (res.status < 200 || res.status > 299) {
    const msg = body?.error ?? `The engine answered HTTP ${res.status}.`;
    throw new EngineError(msg, { status: res.status, field: body?.field, value: body?.value, allowed: body?.allowed, errno: body?.errno });
  }
  if (body === null) throw new EngineError('The engine answered with something that is not JSON.');
  return body;
}

async function getJson(endpoint, query) {
  return parseAnswer(await call(endpoint, query));
}

let modelPromise = null;
const runs = new Map();

/** The model: option vocabulary, defaults, CPU presets, devices, stage catalogue, sources. */
export function model() {
  if (!modelPromise) {
    modelPromise = getJson('model', '');
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

/** Runs one scenario (object, query string or URLSearchParams); cached by query, read-only. */
export async function run(scenario) {
  const q = await queryOf(scenario);
  if (!runs.has(q)) {
    const p = getJson('run', q);
    runs.set(q, p);
    p.catch(() => runs.delete(q));
  }
  return runs.get(q);
}

/** Runs both scenarios and compares them: { a, b, ratio } with ratio = b.totals.ns / a.totals.ns. */
export async function compare(a, b) {
  const [ja, jb] = await Promise.all([run(a), run(b)]);
  return compareJourneys(ja, jb);
}

/**
 * Measuring times real system calls, which a page cannot do: it needs the sysjourney server.
 * Rejects with NEEDS_SERVER ("run `sysjourney serve` ..."), status 0 as engine.js on a static host.
 */
export function measure() {
  return Promise.reject(new EngineError(NEEDS_SERVER, { status: 0 }));
}

/**
 * Fits the model to a measure file (its text, or the parsed document), as POST api/fit does:
 * the body goes to the engine as it is. Resolves with the fitted sysjourney.measure/1; a
 * document the engine refuses rejects with status 400 and the offending field.
 */
export async function fit(doc) {
  const body = typeof doc === 'string' ? doc : JSON.stringify(doc);
  const answer = parseAnswer(await (await load()).call('fit', body));
  if (answer?.schema !== 'sysjourney.measure/1' || !Array.isArray(answer.probes)) {
    throw new EngineError(`The engine answered ${answer?.schema ?? 'something else'} where sysjourney.measure/1 was expected.`);
  }
  return answer;
}
