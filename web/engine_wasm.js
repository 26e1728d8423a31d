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
//
// sysjourney_engine.snap, when it is there (wasm/snapshot.mjs writes it at build time), is the
// module's memory just after it loaded the embedded model: reading the model's TOML takes the
// module 100-400 ms on a small machine, copying its result in takes about one. It is used only
// for the very .wasm it was taken from (its SHA-256 is in the file); otherwise, or without it,
// the module reads the model itself, as it always can.
const LOADER = 'sysjourney_engine.js';
const WASM = 'sysjourney_engine.wasm';
const SNAPSHOT = 'sysjourney_engine.snap';
const SNAPSHOT_MAGIC = 'SJSNAP01';
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

// The bytes at `url`, or null when there are none (no such file, a host without it, file://).
async function bytesAt(url) {
  try {
    if (inNode) {
      const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
      return new Uint8Array(await readFile(fileURLToPath(url)));
    }
    // The mode and credentials of the page's <link rel="preload" as="fetch" crossorigin>.
    const res = await fetch(url, { credentials: 'same-origin' });
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

// The module's and the snapshot's bytes, fetched at once ({ wasm, snap }, either null when absent).
async function engineBytes(base) {
  const [wasm, snap] = await Promise.all([bytesAt(new URL(WASM, base)), bytesAt(new URL(SNAPSHOT, base))]);
  return { wasm, snap };
}

async function sha256(bytes) {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}

/**
 * The memory runs of a snapshot taken from the module `wasm`, or null when `snap` is not one
 * (absent, truncated, another format, another module). Layout, little-endian: "SJSNAP01", the
 * SHA-256 of the .wasm (32 bytes), the memory's size, the number of runs N, N pairs (offset,
 * length), then the runs' bytes one after another.
 */
async function snapshotRuns(snap, wasm) {
  if (!snap || !wasm || snap.length < 48 || !globalThis.crypto?.subtle) return null;
  if (String.fromCharCode(...snap.subarray(0, 8)) !== SNAPSHOT_MAGIC) return null;
  const hash = await sha256(wasm);
  if (!hash.every((b, i) => b === snap[8 + i])) return null;
  const view = new DataView(snap.buffer, snap.byteOffset, snap.byteLength);
  const memory = view.getUint32(40, true);
  const n = view.getUint32(44, true);
  let at = 48 + 8 * n;
  const runs = [];
  for (let i = 0; i < n; i++) {
    const offset = view.getUint32(48 + 8 * i, true);
    const length = view.getUint32(52 + 8 * i, true);
    if (at + length > snap.length || offset + length > memory) return null;
    runs.push({ offset, bytes: snap.subarray(at, at + length) });
    at += length;
  }
  return at === snap.length ? { memory, runs } : null;
}

/**
 * In node: the factory of Emscripten's loader at `loaderUrl` (a file: URL). The loader is
 * CommonJS-shaped; it is run as such whatever the nearest package.json says. wasm/snapshot.mjs
 * starts its modules with it too.
 */
export async function nodeFactory(loaderUrl) {
  const [{ readFile }, vm, { createRequire }, { fileURLToPath }, path] = await Promise.all([
    import('node:fs/promises'), import('node:vm'), import('node:module'), import('node:url'), import('node:path')]);
  const file = fileURLToPath(loaderUrl);
  const code = await readFile(file, 'utf8');
  const wrapped = vm.runInThisContext(`(function (module, exports, require, __filename, __dirname) {${code}\n})`, { filename: file });
  const mod = { exports: {} };
  wrapped(mod, mod.exports, createRequire(file), file, path.dirname(file));
  return mod.exports;
}

/**
 * Calls into a started module M: (endpoint, query) -> { status, contentType, body }, the body as
 * text. wasm/snapshot.mjs asks its modules through it too.
 */
export function caller(M) {
  const utf8 = new TextDecoder();
  const put = (text) => {
    const n = M.lengthBytesUTF8(text) + 1;
    const p = M._malloc(n);
    M.stringToUTF8(text, p, n);
    return p;
  };
  return (endpoint, query) => {
    const e = put(endpoint);
    const q = put(query);
    try {
      const body = M._sj_call(e, q);
      // The body's length is known: decoded at once, not scanned byte by byte for its end in
      // JavaScript (as UTF8ToString does, ~10 ms for the 100 KB model while the page starts).
      return { status: M._sj_status(), contentType: M.UTF8ToString(M._sj_content_type()), body: utf8.decode(M.HEAPU8.subarray(body, body + M._sj_length())) };
    } finally {
      M._free(e);
      M._free(q);
    }
  };
}

// The factory Emscripten's loader defines (-sMODULARIZE -sEXPORT_NAME=SysjourneyEngine), its
// options, and the module's and the snapshot's bytes when there may be a snapshot.
async function factory(base) {
  const loaded = typeof globalThis.SysjourneyEngine === 'function';
  if (loaded) {
    // The loader is already in the page: a single-file build (the module inside it, no snapshot),
    // or another copy of this module loaded it (import('./engine_wasm.js') on the static site,
    // which preloads the snapshot, so asking for it there costs nothing and finds it).
    const snapshot = globalThis.document?.querySelector(`link[rel="preload"][href="${SNAPSHOT}"]`);
    if (!snapshot) return { create: globalThis.SysjourneyEngine, options: {} };
    const { wasm, snap } = await engineBytes(base);
    return { create: globalThis.SysjourneyEngine, options: { locateFile: (name) => new URL(name, base).href, ...(wasm ? { wasmBinary: wasm } : {}) }, wasm, snap };
  }
  const loaderUrl = new URL(LOADER, base);
  if (inNode) {
    const create = await nodeFactory(loaderUrl);
    const options = {};
    // Node's fetch cannot read file: URLs; hand the module over (absent in a single-file build).
    const { wasm, snap } = await engineBytes(base);
    if (wasm) options.wasmBinary = wasm;
    return { create, options, wasm, snap };
  }
  // The loader, the module and the snapshot are asked for at once (the static site preloads all
  // three). The module's bytes are handed to the loader, which compiles them as it would have
  // compiled its own download, and they are what the snapshot is checked against.
  const [, { wasm, snap }] = await Promise.all([loadScript(loaderUrl.href), engineBytes(base)]);
  if (typeof globalThis.SysjourneyEngine !== 'function') throw new Error(`${LOADER} did not define SysjourneyEngine`);
  const options = { locateFile: (name) => new URL(name, base).href };
  if (wasm) options.wasmBinary = wasm;
  return { create: globalThis.SysjourneyEngine, options, wasm, snap };
}

// The module runs on the page's thread: a worker was tried and was no faster to the first trace
// (Chromium starts it only once the document is parsed); with the snapshot the first call does
// not read the model, and runs take milliseconds.
async function instantiate(base) {
  const { create, options, wasm, snap } = await factory(base);
  const [M, snapshot] = await Promise.all([create({ ...options, print: () => {}, printErr: () => {} }), snapshotRuns(snap, wasm)]);
  // The snapshot was taken from a module just like this one, straight after it started: its runs
  // are the bytes the model's loading changed. A memory of another size is not that module.
  const fromSnapshot = Boolean(snapshot && M.HEAPU8.length === snapshot.memory);
  if (fromSnapshot) for (const { offset, bytes } of snapshot.runs) M.HEAPU8.set(bytes, offset);
  const ask = caller(M);
  return {
    fromSnapshot,
    async call(endpoint, query) {
      return ask(endpoint, query);
    },
  };
}

let enginePromise = null;

/**
 * Starts the engine (once) and resolves to { call(endpoint, query) -> Promise<{ status,
 * contentType, body }>, fromSnapshot }. `base` is where the engine's files are (default: next to
 * this module); fromSnapshot says whether the model came loaded, from sysjourney_engine.snap.
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
