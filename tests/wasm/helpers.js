// Shared set-up for tests/wasm: the native server, the WebAssembly engine, and a comparison of
// JSON answers that allows for float rounding.
//
//   SYSJOURNEY_BIN=build/sysjourney      the native binary (its `serve` is the reference)
//   SYSJOURNEY_WASM_DIR=build/wasm       where wasm/build.sh left sysjourney_engine.{js,wasm}
//   SYSJOURNEY_DIST=build/site           a site built by wasm/site.sh (site tests only)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.SYSJOURNEY_BIN ?? path.join(ROOT, 'build/sysjourney');
export const WASM_DIR = path.resolve(process.env.SYSJOURNEY_WASM_DIR ?? path.join(ROOT, 'build/wasm'));
export const DIST = process.env.SYSJOURNEY_DIST ? path.resolve(process.env.SYSJOURNEY_DIST) : null;

/** Starts `sysjourney serve --port 0` on loopback; resolves to { url, get(path), close() }. */
export async function startNative() {
  if (!existsSync(BIN)) throw new Error(`no native binary at ${BIN} (set SYSJOURNEY_BIN)`);
  const child = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sysjourney serve did not say where it listens')), 30000);
    child.once('exit', (code) => reject(new Error(`sysjourney serve exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/http:\/\/\S+/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0].endsWith('/') ? m[0] : `${m[0]}/`);
      }
    });
  });
  return {
    url,
    /** GET url + rel, through the same URL parser a page uses: { status, contentType, body }. */
    async get(rel) {
      const res = await fetch(new URL(rel, url));
      return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    },
    /** POST url + rel with a JSON body (as the page sends a measure file to api/fit). */
    async post(rel, body) {
      const res = await fetch(new URL(rel, url), { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
    },
    close() {
      child.kill('SIGTERM');
      return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}

/** engine_wasm.js from web/, its module taken from dir (default SYSJOURNEY_WASM_DIR). */
export async function loadWasm(dir = WASM_DIR) {
  if (!existsSync(path.join(dir, 'sysjourney_engine.js'))) throw new Error(`no wasm build in ${dir} (run wasm/build.sh)`);
  const engine = await import(`${pathToFileURL(path.join(ROOT, 'web/engine_wasm.js')).href}?dir=${encodeURIComponent(dir)}`);
  await engine.load(pathToFileURL(`${dir}/`).href);
  return engine;
}

const REL = 1e-9;

/** Where a and b differ beyond float rounding: a list of "path: a vs b" (empty when they agree). */
export function differences(a, b, at = '$', out = []) {
  if (out.length > 20) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    if (!(a === b || Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)))) out.push(`${at}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${at}: length ${a.length} vs ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) differences(a[i], b[i], `${at}[${i}]`, out);
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a) || !(k in b)) out.push(`${at}.${k}: only in ${k in a ? 'native' : 'wasm'}`);
      else differences(a[k], b[k], `${at}.${k}`, out);
    }
  } else if (a !== b) {
    out.push(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return out;
}

/** CSV text: cell by cell, numbers up to rounding. */
export function csvDifferences(a, b) {
  const rows = (t) => t.split('\n').map((l) => l.split(','));
  const cell = (x) => (x !== '' && !Number.isNaN(Number(x)) ? Number(x) : x);
  return differences(rows(a).map((r) => r.map(cell)), rows(b).map((r) => r.map(cell)), 'csv');
}

/** Compares two answers: same status and content type, bodies equal up to float rounding. */
export function compareAnswers(native, wasm) {
  const out = [];
  if (native.status !== wasm.status) out.push(`status ${native.status} vs ${wasm.status}`);
  if (native.contentType !== wasm.contentType) out.push(`content-type ${native.contentType} vs ${wasm.contentType}`);
  if (native.body === wasm.body) return { exact: true, diffs: out };
  if ((native.contentType ?? '').startsWith('text/csv')) return { exact: false, diffs: [...out, ...csvDifferences(native.body, wasm.body)] };
  let a;
  let b;
  try {
    a = JSON.parse(native.body);
    b = JSON.parse(wasm.body);
  } catch {
    return { exact: false, diffs: [...out, `bodies differ: ${native.body.slice(0, 200)} vs ${wasm.body.slice(0, 200)}`] };
  }
  return { exact: false, diffs: [...out, ...differences(a, b)] };
}

/** A small seeded generator (mulberry32): the same scenarios on every run. */
export function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}
