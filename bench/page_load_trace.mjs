// Where a permalink load spends its time, from a Chromium performance trace: every resource
// (asked, first byte, done, relative to navigation start), the renderer's main thread by kind of
// work (script compile, evaluation, HTML parse, style and layout, paint, wasm, idle), and when the
// page's script was done and when the frame that shows the trace was drawn (bench/page_load_probe.mjs).
// One fresh context per load; prints the median load's breakdown.
//
//   node bench/page_load_trace.mjs URL [--runs 5] [--search '?fd=file&cache=miss'] [--save trace.json]
//
// URL is a running `sysjourney serve` or a static server over a site from wasm/site.sh.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ROOT as root, cli } from './page_load_args.mjs';
import { probe, shown } from './page_load_probe.mjs';

const require = createRequire(path.join(root, 'tests/web/package.json'));
const { chromium } = require('playwright-core');

const { flag, positional: base } = cli();
if (!base) {
  console.error('usage: node bench/page_load_trace.mjs URL [--runs 5] [--search QUERY] [--save FILE]');
  process.exit(2);
}
const runs = Number(flag('runs', '5'));
const search = flag('search', '?fd=file&cache=miss');
const save = flag('save', '');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run'];
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink.user_timing',
  'loading', 'toplevel', 'disabled-by-default-v8.compile', 'v8.wasm'].join(',');

// Trace event name -> kind of main-thread work (innermost known event wins; the rest is "other").
const KIND = {
  ParseHTML: 'parse HTML',
  'v8.compile': 'script compile',
  'v8.compileModule': 'script compile',
  'V8.CompileCode': 'script compile',
  'v8.parseOnBackground': 'script compile',
  'v8.produceModuleCache': 'script compile',
  'v8.evaluateModule': 'script evaluate',
  EvaluateScript: 'script evaluate',
  FunctionCall: 'script evaluate',
  'v8.callFunction': 'script evaluate',
  RunMicrotasks: 'script evaluate',
  TimerFire: 'script evaluate',
  FireAnimationFrame: 'script evaluate',
  EventDispatch: 'script evaluate',
  'V8.GCScavenger': 'gc',
  MinorGC: 'gc',
  MajorGC: 'gc',
  'V8.GC_MC_BACKGROUND_MARKING': 'gc',
  UpdateLayoutTree: 'style + layout',
  Layout: 'style + layout',
  ParseAuthorStyleSheet: 'style + layout',
  'Document::updateStyle': 'style + layout',
  UpdateLayerTree: 'paint',
  Paint: 'paint',
  PrePaint: 'paint',
  Layerize: 'paint',
  CompositeLayers: 'paint',
  'v8.wasm.compileLazy': 'wasm',
  'v8.wasm.streamFromResponseCallback': 'wasm',
  'wasm.CompileLazy': 'wasm',
  'v8.wasm.cachedModule': 'wasm',
  'v8.wasm.compiledModule': 'wasm',
};

function mainThread(events) {
  const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  // The page's renderer: the one that saw the navigation start mark.
  const nav = events.find((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame && e.args?.data?.documentLoaderURL?.startsWith('http'));
  const pid = nav?.pid ?? names[0]?.pid;
  const tid = names.find((n) => n.pid === pid)?.tid;
  return { pid, tid, navTs: nav?.ts };
}

function analyse(events) {
  const { pid, tid, navTs } = mainThread(events);
  // To the drawn frame: its layout and paint are often the largest single piece of work.
  const drawn = events.find((e) => e.name === 'sj-drawn' && e.pid === pid);
  if (navTs === undefined || !drawn) return null;
  const end = drawn.ts;
  const ms = (ts) => (ts - navTs) / 1000;
  // Self time per kind on the main thread between navigation start and the drawn frame.
  const complete = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.ts >= navTs && e.ts < end)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const kinds = {};
  const stack = [];
  const add = (kind, us) => {
    kinds[kind] = (kinds[kind] ?? 0) + us;
  };
  const close = (upTo) => {
    while (stack.length && stack.at(-1).end <= upTo) {
      const f = stack.pop();
      add(f.kind, f.self);
    }
  };
  let busy = 0;
  for (const e of complete) {
    close(e.ts);
    const dur = Math.min(e.dur ?? 0, end - e.ts);
    const parent = stack.at(-1);
    const kind = KIND[e.name] ?? parent?.kind ?? 'other';
    if (parent) parent.self -= dur;
    else busy += dur;
    stack.push({ end: e.ts + dur, self: dur, kind });
  }
  close(Infinity);
  const total = end - navTs;
  kinds.idle = total - busy;
  // Resources: asked, first byte, done.
  const res = new Map();
  for (const e of events) {
    const d = e.args?.data;
    if (!d?.requestId || e.pid !== pid) continue;
    if (e.name === 'ResourceSendRequest' && /^https?:/.test(d.url)) res.set(d.requestId, { url: d.url, sent: ms(e.ts) });
    const r = res.get(d.requestId);
    if (!r) continue;
    if (e.name === 'ResourceReceiveResponse') r.firstByte = ms(e.ts);
    if (e.name === 'ResourceFinish') r.finished = ms(e.ts);
  }
  const marks = {};
  for (const e of events) {
    if (e.pid !== pid || e.ts < navTs) continue;
    if (['domContentLoadedEventEnd', 'domInteractive', 'firstContentfulPaint', 'loadEventEnd'].includes(e.name) && marks[e.name] === undefined) marks[e.name] = ms(e.ts);
    if (e.name === 'sj-frame' && marks['script done'] === undefined) marks['script done'] = ms(e.ts);
  }
  return { total: total / 1000, kinds: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v / 1000])), resources: [...res.values()], marks };
}

const browser = await chromium.launch({ executablePath: process.env.SYSJOURNEY_CHROMIUM || '/usr/bin/chromium', args: ARGS });
const results = [];
try {
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.addInitScript(probe);
    await browser.startTracing(page, { categories: CATEGORIES.split(',') });
    const drawnFrame = shown(page, { timeout: 20000 });
    await page.goto(new URL(search, base).href);
    await drawnFrame;
    const buf = await browser.stopTracing();
    await context.close();
    if (i === 0) continue; // the first load warms the OS file cache and Chromium itself
    const trace = JSON.parse(buf.toString());
    const a = analyse(trace.traceEvents ?? trace);
    if (a) results.push({ a, trace });
  }
} finally {
  await browser.close();
}
if (!results.length) {
  console.error('page_load_trace: no load produced a usable trace');
  process.exit(1);
}
results.sort((x, y) => x.a.total - y.a.total);
const { a, trace } = results[Math.floor(results.length / 2)];
if (save) writeFileSync(save, JSON.stringify(trace));
const f = (v) => (v === undefined ? '     -' : v.toFixed(1).padStart(6));
console.log(`${base}${search}: median of ${results.length} traced loads, navigation to trace on screen ${a.total.toFixed(1)} ms `
  + `(all: ${results.map((r) => r.a.total.toFixed(0)).join(', ')})`);
console.log('marks:', Object.entries(a.marks).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
console.log('main thread (ms of self time):');
for (const [k, v] of Object.entries(a.kinds).sort((x, y) => y[1] - x[1])) console.log(`  ${k.padEnd(16)} ${f(v)}`);
console.log('resources (ms after navigation start: asked, first byte, done):');
const origin = new URL(base).origin;
for (const r of a.resources.sort((x, y) => x.sent - y.sent)) {
  console.log(`  ${f(r.sent)} ${f(r.firstByte)} ${f(r.finished)}  ${r.url.replace(origin, '')}`);
}
