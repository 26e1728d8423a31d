// The engine as WebAssembly: the same C++ core and the same API code as the server
// (server/api.cc, built by wasm/build.sh), run inside the page. It only carries calls into the
// module; engine.js reads the answers (errors, JSON, the cache) as it reads the server's.
//
//   import { call } from './engine_wasm.js';
//   await call('model');                     // { status, contentType, body } as GET api/model
//   await call('run', 'cache=hit&format=csv'); // as GET api/run?cache=hit&format=csv
//   await call('compare', 'a=&b=cache%3Dhit'); // as GET api/compare?...
//   await call('fit', '', text);             // as POST api/fit with that body
//
// The module is sysjourney_engine.js (Emscripten's loader, a classic script) and
// sysjourney_engine.wasm next to this file; a single-file build has the .wasm inlined in the
// loader. In a browser the loader is added as a <script> (script-src 'self' allows it; a host
// that sets a Content-Security-Policy must also allow 'wasm-unsafe-eval'); in node it is read
// from disk.
const LOADER = 'sysjourney_engine.js';
const WASM = 'sysjourney_engine.wasm';
const BASE = import.meta.url;

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
      throw new Error(`Cannot start the WebAssembly engine (${why}).`);
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
 * The raw answer to GET api/<endpoint>?<query> ("model", "run", "compare", "health"), or with a
 * `body`, to POST api/<endpoint> ("fit"): { status, contentType, body } with the body as text,
 * byte for byte what the server sends.
 */
export async function call(endpoint, query = '', body = undefined) {
  const engine = await load();
  if (body !== undefined) return engine.call(String(endpoint), String(body));
  return engine.call(String(endpoint), wireQuery(String(query).replace(/^\?/, '')));
}
