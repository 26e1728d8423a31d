// The engine's memory just after it loaded its embedded model, taken at build time, so that a page
// copies the loaded model in (about a millisecond) instead of having the module read the model's
// TOML (100-400 ms in Chromium on a small machine, the largest part of the static site's start).
// A build-time conversion of the model that needs no change to the engine: the module is the
// same, its first call finds the model already loaded, as it would on its second call.
//
//   node wasm/snapshot.mjs DIR     reads DIR/sysjourney_engine.{js,wasm}, writes DIR/sysjourney_engine.snap
//
// How: a fresh instance's memory is kept, the module is asked GET /healthz (which loads the model
// and builds the API), every free block of its heap is zeroed (malloc'd, cleared and freed again,
// so that the allocator's state stays one it made itself), and the bytes that differ from the
// fresh memory are written as runs. The file (read by web/engine_wasm.js, which uses it only for
// the .wasm whose SHA-256 it carries), little-endian:
//   "SJSNAP01" | SHA-256 of the .wasm (32 B) | memory size (u32) | N (u32) | N x (offset u32, length u32) | the runs' bytes
// The snapshot is then checked: web/engine_wasm.js, which takes it, must answer a set of calls
// byte for byte as a module that read the model itself. Exit status 1 when it does not.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { call, caller, load, nodeFactory } from '../web/engine_wasm.js';

const MAGIC = 'SJSNAP01';
// Runs closer than this are written as one (a run costs 8 bytes of header).
const GAP = 16;

const dir = path.resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node wasm/snapshot.mjs DIR');
  process.exit(2);
}
const loaderFile = path.join(dir, 'sysjourney_engine.js');
const wasm = readFileSync(path.join(dir, 'sysjourney_engine.wasm'));
const out = path.join(dir, 'sysjourney_engine.snap');

// A fresh module, which reads the model itself on its first call (the snapshot's reference).
async function instance() {
  const create = await nodeFactory(pathToFileURL(loaderFile));
  return create({ wasmBinary: wasm, print: () => {}, printErr: () => {} });
}

const M = await instance();
const fresh = M.HEAPU8.slice();
const health = caller(M)('health', '');
if (health.status !== 200) {
  console.error(`snapshot: the engine does not start: ${health.status} ${health.body}`);
  process.exit(1);
}
const used = () => {
  const mem = M.HEAPU8;
  let end = mem.length;
  while (end > 0 && mem[end - 1] === fresh[end - 1]) end--;
  return end;
};

// Zero what the heap holds but no longer uses (the TOML parser's tables, temporaries): claim every
// free block below the heap's high-water mark, size by size, and clear it; a block from above the
// mark (new memory) ends a size. Then give it all back.
const top = used();
const held = [];
for (let size = 1 << 20; size >= 8; size >>= 1) {
  for (;;) {
    const p = M._malloc(size);
    if (!p) break;
    held.push(p);
    if (p + size > top) break;
    M.HEAPU8.fill(0, p, p + size);
  }
}
for (const p of held.reverse()) M._free(p);

const mem = M.HEAPU8;
if (mem.length !== fresh.length) {
  console.error(`snapshot: loading the model grew the memory (${fresh.length} -> ${mem.length} B); a snapshot would not fit a fresh module`);
  process.exit(1);
}
const runs = [];
for (let i = 0, end = used(); i < end; i++) {
  if (mem[i] === fresh[i]) continue;
  let last = i;
  let j = i + 1;
  for (; j < end && j - last <= GAP; j++) if (mem[j] !== fresh[j]) last = j;
  runs.push([i, last + 1]);
  i = last;
}
const head = Buffer.alloc(48 + 8 * runs.length);
head.write(MAGIC, 0, 'latin1');
createHash('sha256').update(wasm).digest().copy(head, 8);
head.writeUInt32LE(mem.length, 40);
head.writeUInt32LE(runs.length, 44);
runs.forEach(([a, b], i) => {
  head.writeUInt32LE(a, 48 + 8 * i);
  head.writeUInt32LE(b - a, 52 + 8 * i);
});
const snap = Buffer.concat([head, ...runs.map(([a, b]) => Buffer.from(mem.subarray(a, b)))]);
writeFileSync(out, snap);

// The check: engine_wasm.js (which finds the snapshot next to the module) against a module that
// reads the model itself.
const CALLS = [
  ['health'], ['model'], ['run', ''], ['run', 'cache=hit'], ['run', 'fd=file&cache=miss'], ['run', 'fd=pipe&wait=on'],
  ['run', 'fd=file&cache=miss&api=io_uring&batch=32'], ['run', 'op=getppid&cpu=skylake'], ['run', 'cache=hit&format=csv'],
  ['run', 'cache=hit&format=trace-event'], ['run', 'cache=lukewarm'], ['compare', 'a=cache%3Dhit&b='],
];
const reference = await instance();
const askReference = caller(reference);
// This script's own copy of engine_wasm.js has started no engine yet: it starts it here, on DIR.
const loaded = await load(pathToFileURL(`${dir}/`).href);
const bad = [];
if (!loaded.fromSnapshot) bad.push('web/engine_wasm.js did not take the snapshot');
for (const [endpoint, query = ''] of CALLS) {
  const want = askReference(endpoint, query);
  const got = await call(endpoint, query);
  if (got.status !== want.status || got.contentType !== want.contentType || got.body !== want.body) bad.push(`${endpoint}?${query}`);
}
if (bad.length) {
  console.error(`snapshot: ${out} does not answer as the module: ${bad.join(', ')}`);
  process.exit(1);
}
console.log(`snapshot: ${out}: ${snap.length} B, ${runs.length} runs; ${CALLS.length} answers as the module's own`);
